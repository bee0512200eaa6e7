#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/category", throughput(dev = 400, qa = 1000, default = 400))]
#[derive(Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub category: String,
}

#[backend(app = "shop", environments(dev, prod))]
pub struct Shop {
    pub products: CrudApi<Product>,
}

fn main() {}
