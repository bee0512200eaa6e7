#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

#[functions_app]
pub struct Worker;

#[backend(app = "shop", naming(pattern = "{type}", unique_suffix = false), monitoring = false)]
pub struct Shop {
    pub worker: FunctionsApp<Worker>,
}

fn main() {}
