#![allow(unused_imports, dead_code)]
use atakora::{function, functions_app};

#[functions_app]
pub struct Worker;

pub struct Opaque;

#[function(app = Worker, trigger = queue("orders"))]
async fn take(msg: Opaque) -> Result<(), atakora::Error> {
    Ok(())
}

fn main() {}
