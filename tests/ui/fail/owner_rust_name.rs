#![allow(unused_imports)]
use atakora::{backend, crud_api, CrudApi};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/userId", owner = "/user_id", tenant = "tenantId")]
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub id: String,
    pub user_id: String,
    pub tenant_id: String,
}

fn main() {}
