#![allow(unused_imports, dead_code)]
use atakora::{function, functions_app};

#[functions_app]
pub struct Worker;

#[derive(serde::Deserialize)]
pub struct Order {
    pub id: String,
}

#[function(app = Worker, trigger = changes(Order))]
async fn on_order(batch: Vec<Order>) -> Result<(), atakora::Error> {
    Ok(())
}

fn main() {}
