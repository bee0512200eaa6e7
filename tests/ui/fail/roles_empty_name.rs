#![allow(unused_imports)]
use atakora::{backend, crud_api, CrudApi};
use serde::{Deserialize, Serialize};

#[crud_api(roles(create = "", update = "Catalog Write", delete = ".Admin"))]
#[derive(Serialize, Deserialize)]
pub struct Product {
    pub id: String,
}

fn main() {}
