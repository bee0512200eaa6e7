#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/category")]
#[derive(Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub category: String,
}

#[crud_api(partition_key = "/userId", serverless)]
#[derive(Serialize, Deserialize)]
pub struct Audit {
    pub id: String,
    #[serde(rename = "userId")]
    pub user_id: String,
}

#[backend(app = "shop", limits(max_cosmos_accounts = 1))]
pub struct Shop {
    pub products: CrudApi<Product>,
    pub audit: CrudApi<Audit>,
}

fn main() {}
