//! The backend's one storage account: Functions host storage and the apps' deployment
//! containers, reached with the apps' identities only (no shared keys).

use crate::api_versions::STORAGE;
use crate::arm::{expr, lit, resource_id, tags, var, var_value};
use atakora_core::Plan;
use serde_json::{Value, json};

pub(crate) const NAME: &str = "storageAccountName";

pub(crate) fn id() -> String {
    resource_id("Microsoft.Storage/storageAccounts", &[var(NAME)])
}

/// The deployment container `name`'s resource id.
pub(crate) fn container_id(name: &str) -> String {
    resource_id(
        "Microsoft.Storage/storageAccounts/blobServices/containers",
        &[var(NAME), lit("default"), lit(name)],
    )
}

pub(crate) fn resources(plan: &Plan) -> Vec<Value> {
    let blob_service_id = resource_id(
        "Microsoft.Storage/storageAccounts/blobServices",
        &[var(NAME), lit("default")],
    );
    // Nested under the blob service: a top-level container would need a `format()` name, which
    // the schema checks (maxLength 63) against the unevaluated expression text.
    let containers: Vec<Value> = plan
        .function_apps
        .iter()
        .map(|app| {
            json!({
                "type": "containers",
                "apiVersion": STORAGE,
                "name": app.deployment_container,
                "properties": { "publicAccess": "None" },
                "dependsOn": [expr(&blob_service_id)]
            })
        })
        .collect();
    vec![
        json!({
            "type": "Microsoft.Storage/storageAccounts",
            "apiVersion": STORAGE,
            "name": var_value(NAME),
            "location": "[parameters('location')]",
            "tags": tags(plan),
            "kind": "StorageV2",
            "sku": { "name": "Standard_LRS" },
            "properties": {
                "supportsHttpsTrafficOnly": true,
                "minimumTlsVersion": "TLS1_2",
                "allowBlobPublicAccess": false,
                // Flex Consumption reads host storage and packages with its identity.
                "allowSharedKeyAccess": false,
                "allowCrossTenantReplication": false,
                "defaultToOAuthAuthentication": true,
                "publicNetworkAccess": "Enabled",
                "networkAcls": { "defaultAction": "Allow", "bypass": "AzureServices" }
            }
        }),
        json!({
            "type": "Microsoft.Storage/storageAccounts/blobServices",
            "apiVersion": STORAGE,
            "name": expr(format!("format('{{0}}/default', {})", var(NAME))),
            "properties": {},
            "dependsOn": [expr(id())],
            "resources": containers
        }),
    ]
}
