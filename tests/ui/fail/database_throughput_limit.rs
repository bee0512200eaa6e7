#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/category", throughput(dev = 400, prod = 9800))]
#[derive(Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub category: String,
}

#[backend(app = "shop", environments(dev, prod), limits(max_throughput_per_database = 10000))]
pub struct Shop {
    pub products: CrudApi<Product>,
    pub users: CrudApi<User>,
}

#[crud_api(partition_key = "/id")]
#[derive(Serialize, Deserialize)]
pub struct User {
    pub id: String,
}

fn main() {}
