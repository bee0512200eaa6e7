use atakora::crud_api;
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/tenantid")]
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub tenant_id: String,
}

fn main() {}
