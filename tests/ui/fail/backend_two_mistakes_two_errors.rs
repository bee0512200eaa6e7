#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

#[functions_app]
pub struct NotificationDispatcher;

// Two unrelated mistakes, two errors: the tag does not hide the names that are too long.
#[backend(
    app = "commerce-platform",
    environments("production-eastus-blue"),
    naming(pattern = "{type}-{app}-{env}-{purpose}", strict = true),
    tags(app = "billing")
)]
pub struct Platform {
    pub dispatcher: FunctionsApp<NotificationDispatcher>,
}

fn main() {}
