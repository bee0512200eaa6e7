//! "Use separate backends for different security boundaries" and "implement network isolation
//! for sensitive data": a public catalogue backend and a private, network-isolated backend for
//! medical records, each with its own resources, tags and network policy. A third, internal
//! backend shows the lighter isolation: service endpoints and VNet rules instead of private
//! endpoints (`private_endpoints = false`), for a team that must also keep keys (in Key Vault).

use atakora::{CrudApi, backend, crud_api};
use serde::{Deserialize, Serialize};

/// Public listings: anyone may read them.
#[crud_api(partition_key = "/category", operations(read, list))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Listing {
    pub id: String,
    pub category: String,
    pub title: String,
}

/// Confidential records (PHI): reachable only from inside the VNet.
#[crud_api(partition_key = "/patientId")]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MedicalRecord {
    pub id: String,
    pub patient_id: String,
    pub summary: String,
}

#[backend(
    app = "portal",
    environments(dev, prod),
    networking = "public",
    tags(security = "public")
)]
pub struct PublicPortalBackend {
    pub listings: CrudApi<Listing>,
}

#[backend(
    app = "records",
    environments(dev, prod),
    networking(isolated(
        vnet_name = "internal-vnet",
        subnet_name = "backend-subnet",
        address_space = "10.40.0.0/16",
        private_endpoints = true
    )),
    tags(security = "private", data_classification = "confidential")
)]
pub struct PrivateRecordsBackend {
    pub records: CrudApi<MedicalRecord>,
}

/// Internal tooling data: cached, probed, reachable only from the VNet's integration subnet.
#[crud_api(partition_key = "/team", cache(ttl = 60), health_check(path = "/health"))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolConfig {
    pub id: String,
    pub team: String,
}

#[backend(
    app = "tools",
    environments(dev, prod),
    networking(isolated(address_space = "10.50.0.0/24", private_endpoints = false)),
    managed_identity = false,
    tags(security = "internal")
)]
pub struct InternalToolsBackend {
    pub configs: CrudApi<ToolConfig>,
}
