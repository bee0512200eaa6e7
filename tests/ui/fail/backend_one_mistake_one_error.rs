#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

#[functions_app]
pub struct NotificationDispatcher;

// One mistake, one error: the misspelt `pattern` is reported, and the names are not checked
// against the default pattern it was meant to replace.
#[backend(
    app = "commerce-platform",
    environments("production-eastus-blue"),
    naming(patern = "{type}-{app}", strict = true)
)]
pub struct Platform {
    pub dispatcher: FunctionsApp<NotificationDispatcher>,
}

fn main() {}
