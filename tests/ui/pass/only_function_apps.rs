#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, Backend, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

#[functions_app(memory_mb = 4096, max_instances = 1000, always_ready = 2)]
pub struct Worker;

#[functions_app(memory_mb = 512, max_instances = 40)]
pub struct Mailer {
    pub queue: String,
}

#[backend(app = "jobs", monitoring = false, environments("production-eastus-blue"), limits(max_function_apps = 2))]
pub struct Jobs {
    pub worker: FunctionsApp<Worker>,
    pub mailer: FunctionsApp<Mailer>,
}

fn main() {
    let plan = Jobs::plan("production-eastus-blue").unwrap();
    assert!(plan.model().cosmos_accounts.is_empty());
    assert!(plan.model().monitoring.is_none());
}
