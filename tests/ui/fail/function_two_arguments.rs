#![allow(unused_imports, dead_code)]
use atakora::{function, functions_app};

#[functions_app]
pub struct Worker;

#[function(app = Worker, trigger = queue("orders"))]
async fn take(a: String, b: String) -> Result<(), atakora::Error> {
    Ok(())
}

fn main() {}
