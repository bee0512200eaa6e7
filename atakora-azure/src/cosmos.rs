//! Cosmos DB for NoSQL: accounts, SQL databases and containers.

use crate::api_versions::COSMOS;
use crate::arm::{expr, lit, resource_id, tags, var, var_value, with_skips};
use atakora_core::Plan;
use atakora_core::plan::{CosmosAccount, Database, ThroughputSetting};
use atakora_core::spec::Consistency;
use serde_json::{Map, Value, json};

/// The variable holding account `index`'s name.
pub(crate) fn name_key(plan: &Plan, index: usize) -> String {
    let acc = &plan.cosmos_accounts[index];
    if acc.serverless && plan.cosmos_accounts.len() > 1 {
        "cosmosServerlessAccountName".into()
    } else {
        "cosmosAccountName".into()
    }
}

pub(crate) fn account_id(key: &str) -> String {
    resource_id("Microsoft.DocumentDB/databaseAccounts", &[var(key)])
}

pub(crate) fn database_id(key: &str, db: &str) -> String {
    resource_id(
        "Microsoft.DocumentDB/databaseAccounts/sqlDatabases",
        &[var(key), lit(db)],
    )
}

pub(crate) fn container_id(key: &str, db: &str, container: &str) -> String {
    resource_id(
        "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers",
        &[var(key), lit(db), lit(container)],
    )
}

fn options(t: Option<ThroughputSetting>) -> Option<Value> {
    t.map(|t| match t {
        ThroughputSetting::Manual(rus) => json!({ "throughput": rus }),
        ThroughputSetting::Autoscale(max) => {
            json!({ "autoscaleSettings": { "maxThroughput": max } })
        }
    })
}

pub(crate) fn resources(plan: &Plan) -> Vec<Value> {
    let mut out = Vec::new();
    for (i, acc) in plan.cosmos_accounts.iter().enumerate() {
        let key = name_key(plan, i);
        out.push(account(plan, acc, &key));
        for db in &acc.databases {
            out.push(database(plan, &key, db));
            for c in &db.containers {
                let mut resource = Map::new();
                resource.insert("id".into(), json!(c.name));
                resource.insert(
                    "partitionKey".into(),
                    json!({
                        "paths": c.partition_key,
                        "kind": if c.partition_key.len() > 1 { "MultiHash" } else { "Hash" },
                        // Large partition-key values (up to 2 KB); required for MultiHash.
                        "version": 2
                    }),
                );
                if let Some(ttl) = c.default_ttl {
                    resource.insert("defaultTtl".into(), json!(ttl));
                }
                if !c.unique_keys.is_empty() {
                    let keys: Vec<Value> = c.unique_keys.iter().map(|k| json!({ "paths": k })).collect();
                    resource.insert("uniqueKeyPolicy".into(), json!({ "uniqueKeys": keys }));
                }
                let mut properties = Map::new();
                properties.insert("resource".into(), Value::Object(resource));
                if let Some(o) = options(c.throughput) {
                    properties.insert("options".into(), o);
                }
                out.push(json!({
                    "type": "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers",
                    "apiVersion": COSMOS,
                    "name": expr(format!("format('{{0}}/{{1}}/{{2}}', {}, {}, {})", var(&key), lit(&db.name), lit(&c.name))),
                    "tags": tags(plan),
                    "properties": properties,
                    "dependsOn": [expr(database_id(&key, &db.name))]
                }));
            }
        }
    }
    out
}

fn account(plan: &Plan, acc: &CosmosAccount, key: &str) -> Value {
    let mut consistency = json!({ "defaultConsistencyLevel": acc.consistency.as_str() });
    if acc.consistency == Consistency::BoundedStaleness {
        // The smallest bounds Azure accepts for multi-region accounts also hold for one region.
        consistency["maxStalenessPrefix"] = json!(100_000);
        consistency["maxIntervalInSeconds"] = json!(300);
    }
    let mut properties = json!({
        "databaseAccountOfferType": "Standard",
        // Zone redundancy stays off: it can only be set at creation and new zone-redundant
        // accounts are often refused for capacity (docs/decisions.md).
        "locations": [{ "locationName": "[parameters('location')]", "failoverPriority": 0, "isZoneRedundant": false }],
        "consistencyPolicy": consistency,
        // Entra ID only (keys only with managed_identity = false): data access needs a
        // data-plane role.
        "disableLocalAuth": plan.secrets.is_none(),
        // Databases, containers and throughput change only through ARM (this template).
        "disableKeyBasedMetadataWriteAccess": true,
        "minimalTlsVersion": "Tls12"
    });
    let mut skips: Vec<(&str, &str)> = Vec::new();
    let mut depends = Vec::new();
    match &plan.network {
        None => {
            // Only Azure datacenter addresses reach the endpoint; every call needs Entra ID.
            properties["publicNetworkAccess"] = json!("Enabled");
            properties["isVirtualNetworkFilterEnabled"] = json!(true);
            properties["ipRules"] = json!([{ "ipAddressOrRange": "0.0.0.0" }]);
            skips.push(("CKV_AZURE_101", "Public networking: the Function Apps are not VNet-integrated and reach Cosmos DB over its public endpoint; the firewall admits only Azure datacenter addresses (ipRules 0.0.0.0) and every request needs an Entra ID token with a data-plane role. networking(isolated(...)) disables public access."));
        }
        Some(n) if n.private_endpoints => {
            properties["publicNetworkAccess"] = json!("Disabled");
            skips.push(("CKV_AZURE_99", "Isolated networking: public network access is disabled and the account is reached through its private endpoint, so IP and VNet rules have nothing to filter; checkov's CKV_AZURE_99 does not read publicNetworkAccess."));
        }
        Some(_) => {
            properties["publicNetworkAccess"] = json!("Enabled");
            properties["isVirtualNetworkFilterEnabled"] = json!(true);
            properties["virtualNetworkRules"] = json!([{ "id": expr(crate::network::integration_subnet_id()) }]);
            depends.push(expr(crate::network::vnet_id()));
            skips.push(("CKV_AZURE_101", "Service-endpoint isolation: the public endpoint stays on but admits only the apps' integration subnet (virtualNetworkRules); private_endpoints = true disables it."));
        }
    }
    if plan.secrets.is_some() {
        skips.push(("CKV_AZURE_140", "managed_identity = false: the backend asked for key authentication; the key reaches the apps only as a Key Vault reference (warning ATK0907)."));
    }
    if plan.tier.is_production() {
        // Point-in-time restore for the last 7 days, at no extra cost.
        properties["backupPolicy"] =
            json!({ "type": "Continuous", "continuousModeProperties": { "tier": "Continuous7Days" } });
    }
    if acc.serverless {
        properties["capabilities"] = json!([{ "name": "EnableServerless" }]);
    }
    let mut resource = json!({
        "type": "Microsoft.DocumentDB/databaseAccounts",
        "apiVersion": COSMOS,
        "name": var_value(key),
        "location": "[parameters('location')]",
        "tags": tags(plan),
        "kind": "GlobalDocumentDB",
        "properties": properties
    });
    if !depends.is_empty() {
        resource["dependsOn"] = Value::Array(depends);
    }
    with_skips(resource, &skips)
}

fn database(plan: &Plan, key: &str, db: &Database) -> Value {
    let mut properties = json!({ "resource": { "id": db.name } });
    if let Some(o) = options(db.shared_throughput) {
        properties["options"] = o;
    }
    json!({
        "type": "Microsoft.DocumentDB/databaseAccounts/sqlDatabases",
        "apiVersion": COSMOS,
        "name": expr(format!("format('{{0}}/{{1}}', {}, {})", var(key), lit(&db.name))),
        "tags": tags(plan),
        "properties": properties,
        "dependsOn": [expr(account_id(key))]
    })
}
