#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

// One mistake, one error: a path that is not a string is not also counted as a missing path.
#[crud_api(partition_key = [5])]
#[derive(Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub category: String,
}

fn main() {}
