#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

#[functions_app]
pub struct Worker;

#[functions_app]
pub struct Mailer;

#[backend(app = "shop", naming(pattern = "{type}-{app}-{env}"))]
pub struct Shop {
    pub worker: FunctionsApp<Worker>,
    pub mailer: FunctionsApp<Mailer>,
}

fn main() {}
