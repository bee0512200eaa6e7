#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

// Two unrelated mistakes, two errors: the unknown option does not hide the cache rule.
#[crud_api(partition_key = "/category", tll = 60, cache(ttl = 0))]
#[derive(Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub category: String,
}

fn main() {}
