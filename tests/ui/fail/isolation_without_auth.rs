#![allow(unused_imports)]
use atakora::{backend, crud_api, CrudApi};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/userId", owner = "/userId")]
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub id: String,
    pub user_id: String,
}

#[backend(app = "shop", auth = "anonymous")]
pub struct Shop {
    pub orders: CrudApi<Order>,
}

fn main() {}
