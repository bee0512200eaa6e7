#![allow(unused_imports)]
use atakora::{backend, functions_app, FunctionsApp};

#[functions_app(always_ready = 1)]
pub struct Worker;

#[backend(app = "jobs", environments(dev, prod))]
pub struct Jobs {
    pub worker: FunctionsApp<Worker>,
}

fn main() {}
