#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, Backend, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/Category", unique_keys(["/Sku"], ["/Category", "/Name"]))]
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Product {
    #[serde(rename = "id")]
    pub id: String,
    pub category: String,
    pub sku: String,
    pub name: String,
    #[serde(skip)]
    pub cached: bool,
}

fn main() {}
