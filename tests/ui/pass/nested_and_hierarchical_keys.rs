#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, Backend, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Address {
    pub zip: String,
}

#[crud_api(partition_key = "/address/zip")]
#[derive(Serialize, Deserialize)]
pub struct Customer {
    pub id: String,
    pub address: Address,
}

#[crud_api(partition_key = ["/tenantId", "/userId", "/sessionId"])]
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub id: String,
    pub tenant_id: String,
    pub user_id: String,
    pub session_id: String,
}

#[backend(app = "keys")]
pub struct Keys {
    pub customers: CrudApi<Customer>,
    pub events: CrudApi<Event>,
}

fn main() {
    let plan = Keys::plan("dev").unwrap();
    let keys: Vec<Vec<String>> = plan.model().containers().map(|(_, _, c)| c.partition_key.clone()).collect();
    assert_eq!(keys, [vec!["/address/zip".to_string()], vec!["/tenantId".into(), "/userId".into(), "/sessionId".into()]]);
}
