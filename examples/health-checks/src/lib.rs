//! "Set up health checks": the API's `/health` route is probed from five regions every five
//! minutes by an Application Insights standard test; three failing regions raise an alert.
//! (Flex Consumption has no App Service health check; this is what replaces it.)

use atakora::{CrudApi, backend, crud_api};
use serde::{Deserialize, Serialize};

#[crud_api(
    partition_key = "/id",
    health_check(path = "/health", interval = 30, timeout = 10, unhealthy_threshold = 3)
)]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Probe {
    pub id: String,
}

#[backend(
    app = "probed",
    environments(dev, prod),
    monitoring(alerting(email = "oncall@example.com"))
)]
pub struct HealthCheckedBackend {
    pub probes: CrudApi<Probe>,
}
