#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/category")]
#[derive(Serialize, Deserialize)]
pub struct Product {
    #[serde(rename = "key")]
    pub id: String,
    pub category: String,
}

fn main() {}
