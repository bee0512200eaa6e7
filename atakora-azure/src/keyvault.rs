//! `managed_identity = false`: storage and Cosmos DB keys, as connection strings, in a Key
//! Vault the apps read through Key Vault references. The vault itself is hardened: RBAC only,
//! soft delete and purge protection, secrets with a content type and an expiry.

use crate::api_versions::{COSMOS, KEY_VAULT, STORAGE};
use crate::arm::{expr, tags, with_skips};
use crate::emit::{Emit, Section, Slot};
use crate::refs::Refs;
use atakora_core::Plan;
use atakora_core::plan::{NetworkPosture, SecretOf};
use serde_json::{Value, json};

/// The parameter holding the secrets' expiry (seconds since the epoch).
const EXPIRY_PARAMETER: &str = "secretsExpireAt";

pub(crate) fn emit(plan: &Plan, refs: &Refs, out: &mut Emit) {
    let (Some(kv), Some(vault)) = (plan.auth.vault(), &refs.vault) else {
        return;
    };
    out.parameters.insert(
        EXPIRY_PARAMETER.into(),
        json!({
            "type": "int",
            "defaultValue": "[dateTimeToEpoch(dateTimeAdd(utcNow(), 'P1Y'))]",
            "metadata": { "description": "When the Key Vault secrets (storage and Cosmos DB keys) expire, in seconds since 1970; rotate the keys before." }
        }),
    );
    out.output(
        Slot::Vault,
        "keyVaultName",
        json!({ "type": "string", "value": vault.value() }),
    );
    let service_endpoints = matches!(plan.network, NetworkPosture::ServiceEndpoints(_));
    let isolated = plan.network.vnet().is_some();
    let mut acls = json!({ "defaultAction": if isolated { "Deny" } else { "Allow" }, "bypass": "AzureServices" });
    if service_endpoints {
        acls["virtualNetworkRules"] = json!([{ "id": expr(refs.integration_subnet_id().unwrap_or_default()) }]);
    }
    let mut skips: Vec<(&str, &str)> = Vec::new();
    if !isolated {
        skips.push(("CKV_AZURE_109", "Public networking: the Function Apps are not VNet-integrated and the platform resolves their Key Vault references over the public endpoint; access needs an Entra ID token with a data-plane RBAC role (enableRbacAuthorization)."));
    }
    if !plan.network.is_private() {
        skips.push(("CKV_AZURE_189", "The vault keeps its public endpoint because the apps reach it without private endpoints (public networking, or service endpoints with a VNet rule); every request still needs an Entra ID token with an RBAC role."));
    }
    let mut resource = json!({
        "type": "Microsoft.KeyVault/vaults",
        "apiVersion": KEY_VAULT,
        "name": vault.value(),
        "location": "[parameters('location')]",
        "tags": tags(plan),
        "properties": {
            "tenantId": "[subscription().tenantId]",
            "sku": { "family": "A", "name": "standard" },
            "enableRbacAuthorization": true,
            "enableSoftDelete": true,
            "publicNetworkAccess": if plan.network.is_private() { "Disabled" } else { "Enabled" },
            "networkAcls": acls
        }
    });
    // A deleted vault keeps its name (derived from the resource group) until it is recovered
    // or its retention ends; purge protection forbids purging it earlier. Production keeps it
    // 90 days, other environments 7, so a deleted environment can be recreated in the same
    // resource group within a week, or at once after `az keyvault recover`
    // (docs/deploy.md, "Key Vault").
    resource["properties"]["softDeleteRetentionInDays"] = json!(if plan.tier.is_production() { 90 } else { 7 });
    resource["properties"]["enablePurgeProtection"] = json!(true);
    if let (true, Some(v)) = (service_endpoints, &refs.vnet) {
        resource["dependsOn"] = json!([expr(v.vnet.id())]);
    }
    out.resource(Section::Vault, with_skips(resource, &skips));
    for secret in &kv.secrets {
        let (value, of) = match secret.of {
            SecretOf::Storage => (
                format!(
                    "format('DefaultEndpointsProtocol=https;AccountName={{0}};AccountKey={{1}};EndpointSuffix={{2}}', {}, listKeys({}, '{STORAGE}').keys[0].value, environment().suffixes.storage)",
                    refs.storage.var(),
                    refs.storage.id()
                ),
                refs.storage.id(),
            ),
            SecretOf::Cosmos(i) => {
                let account = refs.cosmos[i].id();
                (
                    format!(
                        "format('AccountEndpoint={{0}};AccountKey={{1}};', reference({account}, '{COSMOS}').documentEndpoint, listKeys({account}, '{COSMOS}').primaryMasterKey)"
                    ),
                    account,
                )
            }
        };
        out.resource(
            Section::Vault,
            self::secret(vault.var(), &secret.name, value, vec![expr(vault.id()), expr(of)]),
        );
    }
    for app in &plan.function_apps {
        out.app(&app.key).depends_on(Slot::Vault, &vault.id());
    }
}

fn secret(vault: String, name: &str, value: String, depends: Vec<Value>) -> Value {
    json!({
        "type": "Microsoft.KeyVault/vaults/secrets",
        "apiVersion": KEY_VAULT,
        "name": expr(format!("format('{{0}}/{name}', {vault})")),
        "properties": {
            "value": expr(value),
            "contentType": "text/plain; connection string",
            "attributes": { "enabled": true, "exp": format!("[parameters('{EXPIRY_PARAMETER}')]") }
        },
        "dependsOn": depends
    })
}
