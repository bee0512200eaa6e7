#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

#[functions_app]
pub struct Worker;
#[backend(app = "shop")]
pub struct Shop(pub FunctionsApp<Worker>);

fn main() {}
