#![allow(unused_imports)]
use atakora::{backend, crud_api, Backend, CrudApi};
use serde::{Deserialize, Serialize};

// The derive may come first: the serde attributes are still read.
#[derive(Serialize, Deserialize)]
#[crud_api(partition_key = "/tenantId")]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub tenant_id: String,
}

#[backend(app = "order")]
pub struct Order {
    pub users: CrudApi<User>,
}

fn main() {
    assert_eq!(Order::plan("dev").unwrap().model().containers().next().unwrap().2.partition_key, ["/tenantId"]);
}
