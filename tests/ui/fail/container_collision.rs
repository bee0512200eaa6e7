#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/category")]
#[derive(Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub category: String,
}

#[crud_api(partition_key = "/sku", container = "Products")]
#[derive(Serialize, Deserialize)]
pub struct LegacyProduct {
    pub id: String,
    pub sku: String,
}

#[backend(app = "shop")]
pub struct Shop {
    pub products: CrudApi<Product>,
    pub legacy: CrudApi<LegacyProduct>,
}

fn main() {}
