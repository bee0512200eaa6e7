//! The backend's one storage account: Functions host storage and the apps' deployment
//! containers, reached with the apps' identities only (no shared keys), and each app's host
//! storage settings.

use crate::api_versions::STORAGE;
use crate::arm::{expr, tags, with_skips};
use crate::emit::{Emit, Section, Slot};
use crate::refs::Refs;
use atakora_core::Plan;
use atakora_core::plan::{NetworkPosture, SecretOf};
use serde_json::{Value, json};

/// The setting the deployment storage connection string is read from (keys mode only).
const DEPLOYMENT_STORAGE_SETTING: &str = "DEPLOYMENT_STORAGE_CONNECTION_STRING";

pub(crate) fn emit(plan: &Plan, refs: &Refs, out: &mut Emit) {
    let blob_service_id = refs.blob_service_id();
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
    let keys = plan.auth.uses_keys();
    let subnet = refs.integration_subnet_id();
    let (public_access, acls) = match &plan.network {
        NetworkPosture::Public => (
            "Enabled",
            json!({ "defaultAction": "Allow", "bypass": "AzureServices" }),
        ),
        NetworkPosture::PrivateEndpoints { .. } => (
            "Disabled",
            json!({ "defaultAction": "Deny", "bypass": "AzureServices" }),
        ),
        NetworkPosture::ServiceEndpoints(_) => (
            "Enabled",
            json!({ "defaultAction": "Deny", "bypass": "AzureServices", "virtualNetworkRules": [{ "id": expr(subnet.as_deref().unwrap_or_default()), "action": "Allow" }] }),
        ),
    };
    let mut skips: Vec<(&str, &str)> = vec![(
        "CKV_AZURE_43",
        "The name is built at deployment time from the naming pattern and the nameSuffix parameter (default take(uniqueString(resourceGroup().id), 6)); atakora checks its length and characters when it builds the template, while checkov tests the unevaluated expression text.",
    )];
    match &plan.network {
        NetworkPosture::Public => {
            skips.push(("CKV_AZURE_35", "Public networking: the Function Apps are not VNet-integrated, so their host reaches this account over the public endpoint and a Deny default action would cut it off; every request needs Entra ID (shared keys disabled). networking(isolated(...)) sets Deny."));
            skips.push(("CKV_AZURE_59", "Public networking: public network access must stay enabled for the non-VNet-integrated Function Apps (see CKV_AZURE_35); anonymous blob access and shared keys are disabled. networking(isolated(...)) disables it."));
        }
        NetworkPosture::ServiceEndpoints(_) => {
            skips.push(("CKV_AZURE_59", "Service-endpoint isolation: the public endpoint stays on but its firewall denies everything except the apps' integration subnet (virtualNetworkRules); private_endpoints = true disables it."));
        }
        NetworkPosture::PrivateEndpoints { .. } => {}
    }
    let mut account = json!({
        "type": "Microsoft.Storage/storageAccounts",
        "apiVersion": STORAGE,
        "name": refs.storage.value(),
        "location": "[parameters('location')]",
        "tags": tags(plan),
        "kind": "StorageV2",
        // Production: zone- and geo-redundant (zone-redundant Flex plans need zone-redundant
        // host storage). Elsewhere geo-redundant only: a few megabytes of packages and host
        // state cost next to nothing to replicate.
        "sku": { "name": if prod { "Standard_GZRS" } else { "Standard_GRS" } },
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
    if let (NetworkPosture::ServiceEndpoints(_), Some(vnet)) = (&plan.network, &refs.vnet) {
        account["dependsOn"] = json!([expr(vnet.vnet.id())]);
    }
    out.resource(Section::Storage, with_skips(account, &skips));
    out.resource(
        Section::Storage,
        json!({
            "type": "Microsoft.Storage/storageAccounts/blobServices",
            "apiVersion": STORAGE,
            "name": expr(format!("format('{{0}}/default', {})", refs.storage.var())),
            "properties": {},
            "dependsOn": [expr(refs.storage.id())],
            "resources": containers
        }),
    );
    out.output(
        Slot::HostStorage,
        "storageAccountName",
        json!({ "type": "string", "value": refs.storage.value() }),
    );
    let secret = refs.vault_reference(plan, SecretOf::Storage);
    for app in &plan.function_apps {
        let wiring = out.app(&app.key);
        match &secret {
            Some(reference) => {
                wiring.setting(Slot::HostStorage, "AzureWebJobsStorage", reference.clone());
                wiring.setting(Slot::HostStorage, DEPLOYMENT_STORAGE_SETTING, reference.clone());
            }
            None => {
                wiring.setting(
                    Slot::HostStorage,
                    "AzureWebJobsStorage__accountName",
                    refs.storage.value(),
                );
                wiring.setting(Slot::HostStorage, "AzureWebJobsStorage__credential", "managedidentity");
                wiring.setting(
                    Slot::HostStorage,
                    "AzureWebJobsStorage__clientId",
                    expr(refs.app(plan, app).client_id()),
                );
            }
        }
        wiring.depends_on(Slot::HostStorage, &refs.blob_container_id(&app.deployment_container));
        let authentication = match &secret {
            Some(_) => {
                json!({ "type": "StorageAccountConnectionString", "storageAccountConnectionStringName": DEPLOYMENT_STORAGE_SETTING })
            }
            None => {
                json!({ "type": "UserAssignedIdentity", "userAssignedIdentityResourceId": expr(refs.app(plan, app).identity.id()) })
            }
        };
        wiring.deployment_storage = Some(json!({
            "type": "blobContainer",
            "value": expr(format!(
                "format('{{0}}{{1}}', reference({}, '{STORAGE}').primaryEndpoints.blob, '{}')",
                refs.storage.id(),
                app.deployment_container
            )),
            "authentication": authentication
        }));
    }
}
