//! "Apply least privilege": a read-only API and an admin API on the same data. Both serve the
//! container `data`; the read-only API serves only `read` and `list` routes. The backend's one
//! Function App holds the union role on a shared container (Data Contributor), so a container
//! served only by read-only APIs — `reports` here — gets the Data Reader role and nothing more.

use atakora::{CrudApi, backend, crud_api};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/id", container = "data", operations(read, list))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DataView {
    pub id: String,
    pub body: String,
}

#[crud_api(partition_key = "/id", container = "data")]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DataAdmin {
    pub id: String,
    pub body: String,
}

#[crud_api(partition_key = "/month", operations(read, list))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub id: String,
    pub month: String,
}

#[backend(app = "privileges", environments(dev, prod))]
pub struct LeastPrivilegeBackend {
    pub read_only_api: CrudApi<DataView>,
    pub admin_api: CrudApi<DataAdmin>,
    pub reports: CrudApi<Report>,
}
