#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

#[crud_api]
#[derive(Serialize, Deserialize)]
pub struct Id(pub String);

fn main() {}
