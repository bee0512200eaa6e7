//! "Always enable monitoring in production": 90-day retention, every request sampled, and
//! alerts on server errors (5 in five minutes) and latency (one second on average), mailed to
//! the operators.

use atakora::{CrudApi, backend, crud_api};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/accountId")]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    pub id: String,
    pub account_id: String,
    pub amount: f64,
}

#[backend(
    app = "payments",
    environments(dev, prod),
    monitoring(
        retention_days = 90,
        sampling_percentage = 100,
        alerting(error_threshold = 5, latency_threshold_ms = 1000, email = "ops@example.com")
    )
)]
pub struct MonitoredBackend {
    pub payments: CrudApi<Payment>,
}
