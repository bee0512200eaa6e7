#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = ["/a", "/b", "/c", "/d"])]
#[derive(Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub a: String,
    pub b: String,
    pub c: String,
    pub d: String,
}

fn main() {}
