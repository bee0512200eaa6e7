#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, Backend, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/category", operations(read, list))]
#[derive(Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub category: String,
}

#[crud_api(partition_key = "/category", container = "admin-products")]
#[derive(Serialize, Deserialize)]
pub struct AdminProduct {
    pub id: String,
    pub category: String,
}

#[backend(app = "public-shop", tags(security = "public"))]
pub struct PublicBackend {
    pub products: CrudApi<Product>,
}

#[backend(app = "admin-shop", networking = "public", tags(security = "private"))]
pub struct AdminBackend {
    pub products: CrudApi<AdminProduct>,
}

fn main() {
    let names: Vec<&str> = atakora::registry::backends().iter().map(|b| b.type_name.as_ref()).collect();
    assert_eq!(names, ["AdminBackend", "PublicBackend"]);
}
