#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

#[functions_app]
pub struct Worker;

#[backend(app = "shop", networking(isolated(subnet_name = "backend_subnet")))]
pub struct Shop {
    pub worker: FunctionsApp<Worker>,
}

fn main() {}
