#![allow(unused_imports)]
use atakora::{backend, crud_api, CrudApi};
use serde::{Deserialize, Serialize};

#[crud_api(operations(read, list), roles(list = "Catalog.Read", delete = "Catalog.Admin", destroy = "X"))]
#[derive(Serialize, Deserialize)]
pub struct Product {
    pub id: String,
}

fn main() {}
