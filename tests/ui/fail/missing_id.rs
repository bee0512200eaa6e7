use atakora::crud_api;
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/category")]
#[derive(Serialize, Deserialize)]
pub struct Product {
    pub sku: String,
    pub category: String,
}

fn main() {}
