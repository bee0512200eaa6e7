#![allow(unused_imports)]
use atakora::{backend, functions_app, Backend, FunctionsApp};

// Flex Consumption's lowest maximum is one instance; two always-ready instances satisfy a
// zone-redundant production plan.
#[functions_app(max_instances = 1)]
pub struct Nightly;

#[functions_app(max_instances = 10, always_ready = 2)]
pub struct Worker;

#[backend(app = "jobs", environments(dev, prod))]
pub struct Jobs {
    pub nightly: FunctionsApp<Nightly>,
    pub worker: FunctionsApp<Worker>,
}

fn main() {
    assert!(Jobs::plan("prod").unwrap().validate().is_ok());
}
