use atakora::{backend, functions_app, FunctionsApp};

#[functions_app]
pub struct Worker;

#[backend(app = "jobs", location = "East US")]
pub struct Jobs {
    pub worker: FunctionsApp<Worker>,
}

fn main() {}
