//! "Start with serverless" and "use resource limits to prevent cost overruns": a serverless
//! account (pay per request) and limits that the compiler enforces — adding a provisioned
//! entity next to the serverless ones, or a second functions app, is a compile error.

use atakora::{CrudApi, backend, crud_api};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/id", serverless)]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Prototype {
    pub id: String,
    pub notes: String,
}

#[backend(
    app = "budget",
    environments(dev, prod),
    limits(
        max_cosmos_accounts = 1,
        max_function_apps = 1,
        max_storage_accounts = 2,
        max_throughput_per_database = 10000
    ),
    tags(cost_center = "engineering", budget = "monitored")
)]
pub struct LimitedCostBackend {
    pub prototypes: CrudApi<Prototype>,
}
