//! "Implement automated scaling": the shared database autoscales up to 10,000 RU/s (down to a
//! tenth of it when idle), and an alert fires when consumption passes 70% of what is provisioned.

use atakora::{CrudApi, backend, crud_api};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/deviceId")]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reading {
    pub id: String,
    pub device_id: String,
    pub value: f64,
}

#[backend(
    app = "telemetry",
    environments(dev, prod),
    auto_scale(max_throughput = 10000, target_utilization = 70)
)]
pub struct AutoscaledBackend {
    pub readings: CrudApi<Reading>,
}
