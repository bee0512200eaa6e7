#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

#[functions_app]
pub struct Worker;
#[backend(app = "shop", location = "westeurop")]
pub struct Shop {
    pub worker: FunctionsApp<Worker>,
}

fn use_it() -> Option<Shop> { None }

fn main() {}
