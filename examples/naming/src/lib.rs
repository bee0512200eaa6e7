//! "Use a consistent naming pattern" and "include the environment in all resource names":
//! `{type}-{app}-{env}-{purpose}`, made legal per resource type (storage accounts take no
//! hyphens: `st-myapp-dev-uploads` becomes `stmyappdevuploads...`), with a short
//! per-resource-group suffix on globally unique names.

use atakora::{CrudApi, FunctionsApp, backend, crud_api, function, functions_app};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/ownerId")]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Upload {
    pub id: String,
    pub owner_id: String,
}

#[functions_app(memory_mb = 512, max_instances = 40)]
pub struct Thumbnailer;

/// Makes the thumbnails of new uploads, from the uploads container's change feed: the
/// template gains its `leases` container (`leases`, a fixed name) and the data roles.
#[function(app = Thumbnailer, trigger = changes(Upload))]
pub async fn make_thumbnails(batch: Vec<Upload>) -> Result<(), atakora::Error> {
    for upload in &batch {
        eprintln!("thumbnail for {} of {}", upload.id, upload.owner_id);
    }
    Ok(())
}

#[backend(
    app = "myapp",
    environments(dev, staging, prod),
    naming(pattern = "{type}-{app}-{env}-{purpose}")
)]
pub struct NamedBackend {
    pub uploads: CrudApi<Upload>,
    pub thumbnailer: FunctionsApp<Thumbnailer>,
}
