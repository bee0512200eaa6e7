#![allow(unused_imports)]
use atakora::{backend, crud_api, CrudApi};
use serde::{Deserialize, Serialize};

#[crud_api]
#[derive(Serialize, Deserialize)]
pub struct Item {
    pub id: String,
}

#[backend(app = "shop", auth(entra(audience = "shop-api")))]
pub struct Shop {
    pub items: CrudApi<Item>,
}

#[backend(app = "shop2", auth = "public")]
pub struct Shop2 {
    pub items: CrudApi<Item>,
}

fn main() {}
