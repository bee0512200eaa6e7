#![allow(unused_imports)]
use atakora::{backend, crud_api, CrudApi};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/id", health_check(path = "/health"))]
#[derive(Serialize, Deserialize)]
pub struct Order {
    pub id: String,
}

#[backend(app = "shop", monitoring = false)]
pub struct Shop {
    pub orders: CrudApi<Order>,
}

fn main() {}
