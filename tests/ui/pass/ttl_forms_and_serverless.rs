#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, Backend, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/userId", ttl = -1, serverless)]
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub id: String,
    pub user_id: String,
}

#[crud_api(partition_key = "/userId", ttl = 2147483647, serverless)]
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditLog {
    pub id: String,
    pub user_id: String,
}

#[backend(app = "sessions", limits(max_cosmos_accounts = 1, max_throughput_per_database = 400))]
pub struct Sessions {
    pub sessions: CrudApi<Session>,
    pub audit: CrudApi<AuditLog>,
}

fn main() {
    let plan = Sessions::plan("dev").unwrap();
    assert!(plan.validate().is_ok());
    assert!(plan.model().cosmos_accounts[0].serverless);
}
