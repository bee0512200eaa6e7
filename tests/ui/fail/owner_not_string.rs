#![allow(unused_imports)]
use atakora::{backend, crud_api, CrudApi};
use serde::{Deserialize, Serialize};

#[crud_api(owner = "/userId", tenant = "/tenantId")]
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub id: String,
    pub user_id: u64,
    pub tenant_id: Option<String>,
}

fn main() {}
