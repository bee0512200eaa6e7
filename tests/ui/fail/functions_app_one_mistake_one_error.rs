#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

// One mistake, one error: `always_ready` is not checked against a `max_instances` that is wrong.
#[functions_app(max_instances = 5000, always_ready = 200)]
pub struct Worker;

fn main() {}
