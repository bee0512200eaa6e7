//! The apiVersion of every resource type atakora emits: the newest stable version present in
//! the offline schema bundle (`shared/arm-schemas`), which the tests validate against.

/// Cosmos DB accounts, databases, containers and role assignments.
pub const COSMOS: &str = "2026-03-15";
/// Storage accounts, blob services and containers.
pub const STORAGE: &str = "2026-04-01";
/// Sites, plans and publishing-credential policies.
pub const WEB: &str = "2024-11-01";
/// Log Analytics workspaces.
pub const LOG_ANALYTICS: &str = "2025-07-01";
/// Application Insights components.
pub const APP_INSIGHTS: &str = "2020-02-02";
/// Azure RBAC role assignments.
pub const ROLE_ASSIGNMENTS: &str = "2022-04-01";
/// Virtual networks, private endpoints and their DNS zone groups.
pub const NETWORK: &str = "2025-07-01";
/// Private DNS zones and their VNet links.
pub const PRIVATE_DNS: &str = "2024-06-01";
/// Action groups.
pub const ACTION_GROUPS: &str = "2023-01-01";
/// Metric alerts.
pub const METRIC_ALERTS: &str = "2026-01-01";
/// Application Insights availability tests.
pub const WEBTESTS: &str = "2022-06-15";
/// Azure Managed Redis, its databases and access-policy assignments.
pub const REDIS_ENTERPRISE: &str = "2025-07-01";
/// User-assigned managed identities.
pub const MANAGED_IDENTITY: &str = "2024-11-30";
/// Nested deployments.
pub const DEPLOYMENTS: &str = "2025-04-01";
/// Log search alerts.
pub const SCHEDULED_QUERY_RULES: &str = "2026-03-01";
/// Key Vaults and secrets.
pub const KEY_VAULT: &str = "2026-02-01";
