//! The backend's one storage account: Functions host storage and the apps' deployment
//! containers, reached with the apps' identities only (no shared keys).

use crate::api_versions::STORAGE;
use crate::arm::{expr, lit, resource_id, tags, var, var_value, with_skips};
use crate::network;
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
    let prod = plan.tier.is_production();
    let keys = plan.secrets.is_some();
    let (public_access, acls) = match &plan.network {
        None => (
            "Enabled",
            json!({ "defaultAction": "Allow", "bypass": "AzureServices" }),
        ),
        Some(n) if n.private_endpoints => (
            "Disabled",
            json!({ "defaultAction": "Deny", "bypass": "AzureServices" }),
        ),
        Some(_) => (
            "Enabled",
            json!({ "defaultAction": "Deny", "bypass": "AzureServices", "virtualNetworkRules": [{ "id": expr(network::integration_subnet_id()), "action": "Allow" }] }),
        ),
    };
    let mut skips: Vec<(&str, &str)> = vec![(
        "CKV_AZURE_43",
        "The name is built at deployment time from the naming pattern and the nameSuffix parameter (default take(uniqueString(resourceGroup().id), 6)); atakora checks its length and characters when it builds the template, while checkov tests the unevaluated expression text.",
    )];
    if !prod {
        skips.push(("CKV_AZURE_206", "Non-production environment: the deployment package and Functions host state need no geo-replica; production environments get Standard_GZRS."));
    }
    match &plan.network {
        None => {
            skips.push(("CKV_AZURE_35", "Public networking: the Function Apps are not VNet-integrated, so their host reaches this account over the public endpoint and a Deny default action would cut it off; every request needs Entra ID (shared keys disabled). networking(isolated(...)) sets Deny."));
            skips.push(("CKV_AZURE_59", "Public networking: public network access must stay enabled for the non-VNet-integrated Function Apps (see CKV_AZURE_35); anonymous blob access and shared keys are disabled. networking(isolated(...)) disables it."));
        }
        Some(n) if !n.private_endpoints => {
            skips.push(("CKV_AZURE_59", "Service-endpoint isolation: the public endpoint stays on but its firewall denies everything except the apps' integration subnet (virtualNetworkRules); private_endpoints = true disables it."));
        }
        Some(_) => {}
    }
    let mut account = json!({
        "type": "Microsoft.Storage/storageAccounts",
        "apiVersion": STORAGE,
        "name": var_value(NAME),
        "location": "[parameters('location')]",
        "tags": tags(plan),
        "kind": "StorageV2",
        // Production: zone- and geo-redundant (zone-redundant Flex plans need zone-redundant
        // host storage). Elsewhere: locally redundant.
        "sku": { "name": if prod { "Standard_GZRS" } else { "Standard_LRS" } },
        "properties": {
            "supportsHttpsTrafficOnly": true,
            "minimumTlsVersion": "TLS1_2",
            "allowBlobPublicAccess": false,
            // Flex Consumption reads host storage and packages with its identity; keys only
            // with managed_identity = false.
            "allowSharedKeyAccess": keys,
            "allowCrossTenantReplication": false,
            "defaultToOAuthAuthentication": !keys,
            "publicNetworkAccess": public_access,
            "networkAcls": acls
        }
    });
    if plan.network.as_ref().is_some_and(|n| !n.private_endpoints) {
        account["dependsOn"] = json!([expr(network::vnet_id())]);
    }
    vec![
        with_skips(account, &skips),
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
