//! Managed identities over connection strings: atakora's default.
//! When a backend must use keys (`managed_identity = false`, e.g. for a client library without
//! Entra ID support), atakora still keeps them out of the template's settings: they are Key
//! Vault secrets that the apps read through Key Vault references, and the choice is warned
//! about (ATK0907).

use atakora::{CrudApi, backend, crud_api};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/id")]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LegacyRecord {
    pub id: String,
}

#[backend(app = "legacy", environments(dev, prod), managed_identity = false)]
pub struct LegacyKeysBackend {
    pub records: CrudApi<LegacyRecord>,
}
