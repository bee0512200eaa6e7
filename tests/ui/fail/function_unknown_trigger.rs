#![allow(unused_imports, dead_code)]
use atakora::{function, functions_app};

#[functions_app]
pub struct Worker;

#[function(app = Worker, trigger = queu("orders"))]
async fn take(msg: String) -> Result<(), atakora::Error> {
    Ok(())
}

fn main() {}
