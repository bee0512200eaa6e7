//! `managed_identity = false`: storage and Cosmos DB keys, as connection strings, in a Key
//! Vault the apps read through Key Vault references. The vault itself is hardened: RBAC only,
//! soft delete and purge protection, secrets with a content type and an expiry.

use crate::api_versions::{COSMOS, KEY_VAULT, STORAGE};
use crate::arm::{expr, resource_id, tags, var, var_value, with_skips};
use crate::{cosmos, network, storage};
use atakora_core::Plan;
use serde_json::{Value, json};

pub(crate) const NAME: &str = "keyVaultName";
pub(crate) const STORAGE_SECRET: &str = "storage-connection";
/// The parameter holding the secrets' expiry (seconds since the epoch).
pub(crate) const EXPIRY_PARAMETER: &str = "secretsExpireAt";

pub(crate) fn id() -> String {
    resource_id("Microsoft.KeyVault/vaults", &[var(NAME)])
}

/// The name of the secret holding Cosmos DB account `index`'s connection string.
pub(crate) fn cosmos_secret(plan: &Plan, index: usize) -> String {
    if cosmos::name_key(plan, index) == "cosmosAccountName" {
        "cosmos-connection".into()
    } else {
        "cosmos-serverless-connection".into()
    }
}

/// An app setting value that the platform replaces with the secret.
pub(crate) fn reference(secret: &str) -> Value {
    expr(format!(
        "format('@Microsoft.KeyVault(VaultName={{0}};SecretName={secret})', {})",
        var(NAME)
    ))
}

fn secret(name: &str, value: String, depends: Vec<Value>) -> Value {
    json!({
        "type": "Microsoft.KeyVault/vaults/secrets",
        "apiVersion": KEY_VAULT,
        "name": expr(format!("format('{{0}}/{name}', {})", var(NAME))),
        "properties": {
            "value": expr(value),
            "contentType": "text/plain; connection string",
            "attributes": { "enabled": true, "exp": format!("[parameters('{EXPIRY_PARAMETER}')]") }
        },
        "dependsOn": depends
    })
}

pub(crate) fn resources(plan: &Plan) -> Vec<Value> {
    if plan.secrets.is_none() {
        return Vec::new();
    }
    let private = plan.network.as_ref().is_some_and(|n| n.private_endpoints);
    let service_endpoints = plan.network.as_ref().is_some_and(|n| !n.private_endpoints);
    let mut acls =
        json!({ "defaultAction": if plan.network.is_some() { "Deny" } else { "Allow" }, "bypass": "AzureServices" });
    if service_endpoints {
        acls["virtualNetworkRules"] = json!([{ "id": expr(network::integration_subnet_id()) }]);
    }
    let mut skips: Vec<(&str, &str)> = Vec::new();
    if plan.network.is_none() {
        skips.push(("CKV_AZURE_109", "Public networking: the Function Apps are not VNet-integrated and the platform resolves their Key Vault references over the public endpoint; access needs an Entra ID token with a data-plane RBAC role (enableRbacAuthorization)."));
    }
    if !private {
        skips.push(("CKV_AZURE_189", "The vault keeps its public endpoint because the apps reach it without private endpoints (public networking, or service endpoints with a VNet rule); every request still needs an Entra ID token with an RBAC role."));
    }
    let mut depends = Vec::new();
    if service_endpoints {
        depends.push(expr(network::vnet_id()));
    }
    let mut vault = json!({
        "type": "Microsoft.KeyVault/vaults",
        "apiVersion": KEY_VAULT,
        "name": var_value(NAME),
        "location": "[parameters('location')]",
        "tags": tags(plan),
        "properties": {
            "tenantId": "[subscription().tenantId]",
            "sku": { "family": "A", "name": "standard" },
            "enableRbacAuthorization": true,
            "enableSoftDelete": true,
            "softDeleteRetentionInDays": 90,
            "enablePurgeProtection": true,
            "publicNetworkAccess": if private { "Disabled" } else { "Enabled" },
            "networkAcls": acls
        }
    });
    if !depends.is_empty() {
        vault["dependsOn"] = Value::Array(depends);
    }
    let mut out = vec![with_skips(vault, &skips)];
    out.push(secret(
        STORAGE_SECRET,
        format!(
            "format('DefaultEndpointsProtocol=https;AccountName={{0}};AccountKey={{1}};EndpointSuffix={{2}}', {}, listKeys({}, '{STORAGE}').keys[0].value, environment().suffixes.storage)",
            var(storage::NAME),
            storage::id()
        ),
        vec![expr(id()), expr(storage::id())],
    ));
    for i in 0..plan.cosmos_accounts.len() {
        let account = cosmos::account_id(&cosmos::name_key(plan, i));
        out.push(secret(
            &cosmos_secret(plan, i),
            format!("format('AccountEndpoint={{0}};AccountKey={{1}};', reference({account}, '{COSMOS}').documentEndpoint, listKeys({account}, '{COSMOS}').primaryMasterKey)"),
            vec![expr(id()), expr(&account)],
        ));
    }
    out
}
