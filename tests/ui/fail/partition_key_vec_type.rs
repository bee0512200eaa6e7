#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/tags")]
#[derive(Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub tags: Vec<String>,
}

fn main() {}
