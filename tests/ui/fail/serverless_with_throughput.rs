use atakora::crud_api;
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/category", throughput = 400, serverless)]
#[derive(Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub category: String,
}

fn main() {}
