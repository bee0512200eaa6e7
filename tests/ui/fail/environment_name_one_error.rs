#![allow(unused_imports)]
use atakora::{backend, crud_api, CrudApi};
use serde::{Deserialize, Serialize};

// One mistake (`Prod` is not a legal environment name), one error: the throughput that names
// `prod` is not reported as naming an undeclared environment.
#[crud_api(partition_key = "/id", throughput(dev = 400, prod = 1000))]
#[derive(Serialize, Deserialize)]
pub struct Product {
    pub id: String,
}

#[backend(app = "shop", environments(dev, Prod))]
pub struct Shop {
    pub products: CrudApi<Product>,
}

fn main() {}
