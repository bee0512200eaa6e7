use atakora::crud_api;
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/category", operations(read, lst))]
#[derive(Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub category: String,
}

fn main() {}
