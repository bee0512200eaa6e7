#![allow(unused_imports, dead_code)]
use atakora::{function, functions_app};

#[functions_app]
pub struct Worker;

#[function(app = Worker, trigger = queue("orders-placed-by-customers-of-the-eastern-region-shop-number-1"))]
async fn take(msg: String) -> Result<(), atakora::Error> {
    Ok(())
}

fn main() {}
