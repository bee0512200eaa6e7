//! "Align partition keys with access patterns": tenant-scoped documents by `/tenantId`,
//! orders by `/userId`, and events by tenant then user (a hierarchical key, so one large
//! tenant is not one hot partition).

use atakora::{CrudApi, backend, crud_api};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/tenantId")]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantDocument {
    pub id: String,
    pub tenant_id: String,
}

#[crud_api(partition_key = "/userId")]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserOrder {
    pub id: String,
    pub user_id: String,
    pub total: f64,
}

#[crud_api(partition_key = ["/tenantId", "/userId"])]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityEvent {
    pub id: String,
    pub tenant_id: String,
    pub user_id: String,
}

#[backend(app = "tenancy", environments(dev, prod))]
pub struct PartitioningBackend {
    pub documents: CrudApi<TenantDocument>,
    pub orders: CrudApi<UserOrder>,
    pub events: CrudApi<ActivityEvent>,
}
