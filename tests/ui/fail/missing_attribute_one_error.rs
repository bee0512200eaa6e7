#![allow(unused_imports)]
use atakora::{backend, functions_app, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

// Each missing attribute is one error, at the backend's field.
#[derive(Serialize, Deserialize)]
pub struct Product {
    pub id: String,
}

pub struct Worker;

#[backend(app = "shop")]
pub struct Shop {
    pub products: CrudApi<Product>,
    pub worker: FunctionsApp<Worker>,
}

fn main() {}
