use atakora::crud_api;
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/category", throughput(dev = 400, prod = 4050))]
#[derive(Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub category: String,
}

fn main() {}
