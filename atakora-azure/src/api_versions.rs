//! The apiVersion of every resource type atakora emits: the newest stable version present in
//! the offline schema bundle (`shared/arm-schemas`), which the tests validate against.

pub const COSMOS: &str = "2026-03-15";
pub const STORAGE: &str = "2026-04-01";
pub const WEB: &str = "2024-11-01";
pub const LOG_ANALYTICS: &str = "2025-07-01";
pub const APP_INSIGHTS: &str = "2020-02-02";
pub const ROLE_ASSIGNMENTS: &str = "2022-04-01";
pub const NETWORK: &str = "2025-07-01";
pub const PRIVATE_DNS: &str = "2024-06-01";
pub const ACTION_GROUPS: &str = "2023-01-01";
pub const METRIC_ALERTS: &str = "2026-01-01";
pub const WEBTESTS: &str = "2022-06-15";
pub const REDIS_ENTERPRISE: &str = "2025-07-01";
pub const KEY_VAULT: &str = "2026-02-01";
