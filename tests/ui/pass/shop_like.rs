use atakora::{backend, crud_api, functions_app, Backend, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = ["/tenantId", "/userId"], ttl = -1)]
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub id: String,
    pub tenant_id: String,
    pub user_id: String,
}

#[crud_api(partition_key = "/Category", serverless, operations(read, list), unique_keys(["/Sku"]), container = "catalogue")]
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Product {
    #[serde(rename = "id")]
    pub id: String,
    pub category: String,
    pub sku: String,
    #[serde(skip)]
    pub cached: bool,
}

#[functions_app(memory_mb = 4096, max_instances = 1000, always_ready = 2)]
pub struct Worker;

#[backend(app = "events", environments(dev, "production-eastus-blue"), consistency = "Strong")]
pub struct Events {
    pub events: CrudApi<Event>,
    pub products: CrudApi<Product>,
    pub worker: FunctionsApp<Worker>,
}

#[backend(app = "jobs", monitoring = false)]
pub struct OnlyJobs {
    pub worker: FunctionsApp<Worker>,
}

fn main() {
    let plan = Events::plan("production-eastus-blue").unwrap();
    assert_eq!(plan.model().cosmos_accounts.len(), 2);
    assert!(OnlyJobs::spec().monitoring.is_none());
}
