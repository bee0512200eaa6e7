//! Cosmos DB for NoSQL: accounts, SQL databases and containers, their data-plane role
//! assignments, the CRUD APIs' connection settings and the endpoint outputs.

use crate::api_versions::COSMOS;
use crate::arm::{expr, lit, object, resource_id, tags, with_skips};
use crate::emit::{Emit, Grant, Section, Slot};
use crate::refs::{PRINCIPAL_PARAMETER, Refs};
use atakora_core::Plan;
use atakora_core::contract::settings;
use atakora_core::plan::{
    AccountRole, CosmosAccount, Database, GrantScope, Name, NetworkPosture, Role, SecretOf, ThroughputSetting,
};
use atakora_core::spec::Consistency;
use serde_json::{Map, Value, json};

fn options(t: Option<ThroughputSetting>) -> Option<Value> {
    t.map(|t| match t {
        ThroughputSetting::Manual(rus) => json!({ "throughput": rus }),
        ThroughputSetting::Autoscale(max) => {
            json!({ "autoscaleSettings": { "maxThroughput": max } })
        }
    })
}

pub(crate) fn emit(plan: &Plan, refs: &Refs, out: &mut Emit) {
    for (i, acc) in plan.cosmos_accounts.iter().enumerate() {
        let account_ref = &refs.cosmos[i];
        let tags = tags(plan);
        out.resource(Section::Cosmos, account(plan, refs, i, acc));
        for db in &acc.databases {
            out.resource(Section::Cosmos, database(refs, i, db, &tags));
            for c in &db.containers {
                let mut resource = Map::new();
                resource.insert("id".into(), Value::String(c.name.to_string()));
                let paths = c.partition_key.iter().map(|p| Value::String(p.to_string())).collect();
                resource.insert(
                    "partitionKey".into(),
                    object([
                        ("paths", Value::Array(paths)),
                        (
                            "kind",
                            Value::from(if c.partition_key.len() > 1 { "MultiHash" } else { "Hash" }),
                        ),
                        // Large partition-key values (up to 2 KB); required for MultiHash.
                        ("version", Value::from(2)),
                    ]),
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
                let name = format!(
                    "format('{{0}}/{{1}}/{{2}}', {}, {}, {})",
                    account_ref.var(),
                    lit(&db.name),
                    lit(&c.name)
                );
                out.resource(
                    Section::Cosmos,
                    object([
                        (
                            "type",
                            Value::from("Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers"),
                        ),
                        ("apiVersion", Value::from(COSMOS)),
                        ("name", expr(name)),
                        ("tags", tags.clone()),
                        ("properties", Value::Object(properties)),
                        (
                            "dependsOn",
                            Value::Array(vec![expr(refs.cosmos_database_id(i, &db.name))]),
                        ),
                    ]),
                );
            }
        }
        out.output(
            Slot::Data,
            acc.numbered(
                match acc.role {
                    AccountRole::Primary => "cosmosEndpoint",
                    AccountRole::SplitServerless => "cosmosServerlessEndpoint",
                },
                "",
            ),
            json!({ "type": "string", "value": expr(endpoint(refs, i)) }),
        );
        out.output(
            Slot::Data,
            account_ref.key.clone(),
            json!({ "type": "string", "value": account_ref.value() }),
        );
    }
    grants(plan, refs, out);
    wiring(plan, refs, out);
}

fn endpoint(refs: &Refs, account: usize) -> String {
    format!("reference({}, '{COSMOS}').documentEndpoint", refs.cosmos[account].id())
}

/// Data-plane role assignments, contributed to each app's access deployment (inside it, the
/// account names and the principal id are parameters). Cosmos DB locks the account for each
/// role-assignment write: the assignments of one account go one after another.
fn grants(plan: &Plan, refs: &Refs, out: &mut Emit) {
    let inner = refs.inner();
    // The last assignment per (app, account): each app's assignments live in its own access
    // deployment, so the chain runs within one app's assignments to one account.
    let mut previous: std::collections::HashMap<(&str, usize), String> = std::collections::HashMap::new();
    for g in &plan.grants {
        let (i, path, scope) = match &g.scope {
            GrantScope::CosmosContainer {
                account,
                database,
                container,
            } => (
                *account,
                inner.cosmos_container_path(*account, database, container),
                refs.cosmos_container_id(*account, database, container),
            ),
            GrantScope::CosmosDatabase { account, database } => (
                *account,
                inner.cosmos_database_path(*account, database),
                // The metadata-only role is a custom definition, which must exist first (the
                // database does: the same app's container grants wait for it).
                if g.role == Role::CosmosMetadataReader {
                    refs.cosmos_role_definition_id(*account, g.role.definition_id())
                } else {
                    refs.cosmos_database_id(*account, database)
                },
            ),
            _ => continue,
        };
        let Name::Guid(parts) = &plan.named[g.id].name else {
            continue;
        };
        let account = &inner.cosmos[i];
        let guid = format!(
            "guid({})",
            parts
                .iter()
                .map(|p| inner.name_part(plan, p))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let assignment_id = resource_id(
            "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments",
            &[account.var(), guid.clone()],
        );
        let definition = resource_id(
            "Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions",
            &[account.var(), lit(g.role.definition_id())],
        );
        let mut assignment = object([
            (
                "type",
                Value::from("Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments"),
            ),
            ("apiVersion", Value::from(COSMOS)),
            (
                "name",
                expr(format!("format('{{0}}/{{1}}', {}, {guid})", account.var())),
            ),
            (
                "properties",
                object([
                    ("roleDefinitionId", expr(definition)),
                    ("principalId", expr(PRINCIPAL_PARAMETER)),
                    ("scope", expr(path)),
                ]),
            ),
        ]);
        if let Some(p) = previous.get(&(g.app.as_str(), i)) {
            assignment["dependsOn"] = Value::Array(vec![expr(p)]);
        }
        debug_assert!(matches!(
            g.role,
            Role::CosmosDataReader | Role::CosmosDataContributor | Role::CosmosMetadataReader
        ));
        out.app(&g.app).grants.push(Grant {
            resource: assignment,
            id: Some(assignment_id.clone()),
            // The assignment's scope (or custom definition) must exist first.
            scope: expr(scope),
        });
        previous.insert((g.app.as_str(), i), assignment_id);
    }
}

/// The CRUD APIs' app reaches each account through the connection named after its role
/// (`COSMOS`, `COSMOS_SERVERLESS`): its endpoint with identities, a Key Vault reference to
/// its connection string with keys.
fn wiring(plan: &Plan, refs: &Refs, out: &mut Emit) {
    let Some(api) = plan.api_app() else { return };
    let wiring = out.app(&api.key);
    for (i, acc) in plan.cosmos_accounts.iter().enumerate() {
        let connection = &acc.connection();
        wiring.connection(
            Slot::Data,
            connection,
            refs.vault_reference(plan, SecretOf::Cosmos(i)),
            (settings::ACCOUNT_ENDPOINT_SUFFIX, expr(endpoint(refs, i))),
            expr(refs.app(plan, api).client_id()),
        );
        wiring.setting(
            Slot::Data,
            &settings::database(connection),
            acc.databases[0].name.clone(),
        );
        wiring.depends_on(Slot::Data, &refs.cosmos[i].id());
    }
    for (account, db, c) in plan.containers() {
        for component in c.components() {
            wiring.setting(
                Slot::Containers,
                &settings::container(component),
                format!("{}/{}", db.name, c.name),
            );
            // Beyond the first account of its kind, the component names its connection.
            if account.number > 1 {
                wiring.setting(Slot::Containers, &settings::connection(component), account.connection());
            }
        }
    }
}

fn account(plan: &Plan, refs: &Refs, index: usize, acc: &CosmosAccount) -> Value {
    let mut consistency = json!({ "defaultConsistencyLevel": acc.consistency.as_str() });
    if acc.consistency == Consistency::BoundedStaleness {
        // The smallest bounds Azure accepts for multi-region accounts also hold for one region.
        consistency["maxStalenessPrefix"] = json!(100_000);
        consistency["maxIntervalInSeconds"] = json!(300);
    }
    let keys = plan.auth.uses_keys();
    let mut properties = json!({
        "databaseAccountOfferType": "Standard",
        // Zone redundancy stays off: it can only be set at creation and new zone-redundant
        // accounts are often refused for capacity (docs/decisions.md).
        "locations": [{ "locationName": "[parameters('location')]", "failoverPriority": 0, "isZoneRedundant": false }],
        "consistencyPolicy": consistency,
        // Entra ID only (keys only with managed_identity = false): data access needs a
        // data-plane role.
        "disableLocalAuth": !keys,
        // Databases, containers and throughput change only through ARM (this template).
        "disableKeyBasedMetadataWriteAccess": true,
        "minimalTlsVersion": "Tls12"
    });
    let mut skips: Vec<(&str, &str)> = Vec::new();
    let mut depends = Vec::new();
    match &plan.network {
        NetworkPosture::Public => {
            // Only Azure datacenter addresses reach the endpoint; every call needs Entra ID.
            properties["publicNetworkAccess"] = json!("Enabled");
            properties["isVirtualNetworkFilterEnabled"] = json!(true);
            properties["ipRules"] = json!([{ "ipAddressOrRange": "0.0.0.0" }]);
            skips.push(("CKV_AZURE_101", "Public networking: the Function Apps are not VNet-integrated and reach Cosmos DB over its public endpoint; the firewall admits only Azure datacenter addresses (ipRules 0.0.0.0) and every request needs an Entra ID token with a data-plane role. networking(isolated(...)) disables public access."));
        }
        NetworkPosture::PrivateEndpoints { .. } => {
            properties["publicNetworkAccess"] = json!("Disabled");
            // The public endpoint is off; were it ever turned on, only the apps' subnet could
            // use it (the subnet needs no service endpoint while it is off).
            properties["isVirtualNetworkFilterEnabled"] = json!(true);
            properties["virtualNetworkRules"] = json!([{
                "id": expr(refs.integration_subnet_id().unwrap_or_default()),
                "ignoreMissingVNetServiceEndpoint": true
            }]);
            if let Some(v) = &refs.vnet {
                depends.push(expr(v.vnet.id()));
            }
        }
        NetworkPosture::ServiceEndpoints(_) => {
            properties["publicNetworkAccess"] = json!("Enabled");
            properties["isVirtualNetworkFilterEnabled"] = json!(true);
            properties["virtualNetworkRules"] =
                json!([{ "id": expr(refs.integration_subnet_id().unwrap_or_default()) }]);
            if let Some(v) = &refs.vnet {
                depends.push(expr(v.vnet.id()));
            }
            skips.push(("CKV_AZURE_101", "Service-endpoint isolation: the public endpoint stays on but admits only the apps' integration subnet (virtualNetworkRules); private_endpoints = true disables it."));
        }
    }
    if keys {
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
        "name": refs.cosmos[index].value(),
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

fn database(refs: &Refs, index: usize, db: &Database, tags: &Value) -> Value {
    let mut properties = Map::new();
    properties.insert("resource".into(), object([("id", Value::String(db.name.to_string()))]));
    if let Some(o) = options(db.shared_throughput) {
        properties.insert("options".into(), o);
    }
    object([
        (
            "type",
            Value::from("Microsoft.DocumentDB/databaseAccounts/sqlDatabases"),
        ),
        ("apiVersion", Value::from(COSMOS)),
        (
            "name",
            expr(format!(
                "format('{{0}}/{{1}}', {}, {})",
                refs.cosmos[index].var(),
                lit(&db.name)
            )),
        ),
        ("tags", tags.clone()),
        ("properties", Value::Object(properties)),
        ("dependsOn", Value::Array(vec![expr(refs.cosmos[index].id())])),
    ])
}
