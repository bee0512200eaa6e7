use atakora::{backend, crud_api, CrudApi};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/category")]
#[derive(Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub category: String,
}

#[backend(app = "shop")]
pub struct Shop {
    pub products: CrudApi<Product>,
    pub count: u32,
}

fn main() {}
