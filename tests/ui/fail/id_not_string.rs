#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/category")]
#[derive(Serialize, Deserialize)]
pub struct Product {
    pub id: u64,
    pub category: String,
}

fn main() {}
