#![allow(unused_imports)]
use atakora::{backend, crud_api, CrudApi};
use serde::{Deserialize, Serialize};

// One mistake (1050 is not a step of 100), one error: the missing `prod` value it leaves is
// not reported again as ATK0120.
#[crud_api(partition_key = "/id", throughput(dev = 400, prod = 1050))]
#[derive(Serialize, Deserialize)]
pub struct Product {
    pub id: String,
}

#[backend(app = "shop", environments(dev, prod))]
pub struct Shop {
    pub products: CrudApi<Product>,
}

fn main() {}
