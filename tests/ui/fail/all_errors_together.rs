use atakora::crud_api;
use serde::{Deserialize, Serialize};

// Three mistakes, three errors, nothing else.
#[crud_api(partition_key = "/categry", ttl = -5, throughput = 50)]
#[derive(Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub category: String,
}

fn main() {}
