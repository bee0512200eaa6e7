#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

// Two unrelated mistakes, two errors.
#[functions_app(memory_mb = 1000, max_instance = 50)]
pub struct Worker;

fn main() {}
