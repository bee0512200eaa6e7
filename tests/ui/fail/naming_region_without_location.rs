#![allow(unused_imports)]
use atakora::{backend, crud_api, CrudApi};
use serde::{Deserialize, Serialize};

#[crud_api]
#[derive(Serialize, Deserialize)]
pub struct Item {
    pub id: String,
}

#[backend(app = "shop", naming(pattern = "{type}-{app}-{env}-{region}-{purpose}"))]
pub struct Shop {
    pub items: CrudApi<Item>,
}

fn main() {}
