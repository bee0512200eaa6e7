//! "Configure TTL for transient data": sessions expire a day after their last write, audit
//! logs after 90 days. Cosmos DB deletes expired items itself.

use atakora::{CrudApi, backend, crud_api};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/userId", ttl = 86400)]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub expires_hint: u64,
}

#[crud_api(partition_key = "/userId", ttl = 7776000, operations(create, read, list))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditLog {
    pub id: String,
    pub user_id: String,
    pub action: String,
}

#[backend(app = "retention", environments(dev, prod))]
pub struct RetentionBackend {
    pub sessions: CrudApi<Session>,
    pub audit_logs: CrudApi<AuditLog>,
}
