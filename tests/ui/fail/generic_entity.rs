#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

#[crud_api]
#[derive(Serialize, Deserialize)]
pub struct Doc<T> {
    pub id: String,
    pub body: T,
}

fn main() {}
