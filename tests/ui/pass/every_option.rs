#![allow(unused_imports)]
use atakora::{backend, crud_api, functions_app, Backend, CrudApi, FunctionsApp};
use serde::{Deserialize, Serialize};

#[crud_api(
    partition_key = "/tenantId",
    ttl = 86400,
    autoscale(dev = 1000, default = 4000),
    operations(create, read, update, delete, list),
    cache(ttl = 60),
    health_check(path = "/health", interval = 60, timeout = 5, unhealthy_threshold = 2),
    entity_name = "Customer",
    container = "customers",
    unique_keys(["/email"]),
    owner = "/ownerId",
    tenant = "/tenantId",
    roles(create = "Customers.Write", read = "Customers.Read", update = "Customers.Write", delete = "Customers.Admin", list = "Customers.Read"),
)]
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    pub id: String,
    pub tenant_id: String,
    pub email: String,
    pub owner_id: Option<String>,
}

#[functions_app(memory_mb = 2048, max_instances = 100, always_ready = 2)]
pub struct Worker;

#[backend(
    app = "everything",
    location = "westeurope",
    environments(dev, staging, prod),
    networking(isolated(vnet_name = "vnet-x", subnet_name = "snet-x", address_space = "10.10.0.0/16", private_endpoints = true)),
    enforce_https = true,
    managed_identity = true,
    limits(max_cosmos_accounts = 1, max_function_apps = 2, max_storage_accounts = 1, max_throughput_per_database = 10000),
    naming(pattern = "{type}-{app}-{env}-{purpose}", unique_suffix = true, strict = false),
    monitoring(retention_days = 30, sampling_percentage = 50.5, alerting(error_threshold = 10, latency_threshold_ms = 2000, email = "ops@example.com")),
    auto_scale(max_throughput = 4000, target_utilization = 70),
    consistency = "BoundedStaleness",
    tags(cost_center = "engineering", owner = "platform"),
    auth(entra(audience = "api://everything-api")),
)]
pub struct Everything {
    pub customers: CrudApi<Customer>,
    pub worker: FunctionsApp<Worker>,
}

fn main() {
    let spec = Everything::spec();
    assert_eq!(spec.location.as_deref(), Some("westeurope"));
    assert_eq!(spec.monitoring.as_ref().unwrap().sampling_percentage, 50.5);
    assert_eq!(spec.auth.audience(), Some("api://everything-api"));
    assert!(Everything::plan("prod").unwrap().validate().is_ok());
}
