#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

#[functions_app]
pub struct NotificationDispatcher;

#[backend(
    app = "commerce-platform",
    environments("production-eastus-blue"),
    naming(pattern = "{type}-{app}-{env}-{purpose}", strict = true)
)]
pub struct Platform {
    pub dispatcher: FunctionsApp<NotificationDispatcher>,
}

fn main() {}
