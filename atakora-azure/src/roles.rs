//! Least privilege: each app's identity gets exactly the data roles it needs.
//!
//! - Storage Blob Data Owner on the storage account: identity-based host storage and the
//!   deployment container;
//! - Monitoring Metrics Publisher on Application Insights: Entra-authenticated telemetry;
//! - per container, Cosmos DB Built-in Data Reader (APIs that only read and list) or Data
//!   Contributor, scoped to that container's data-plane path.

use crate::api_versions::{COSMOS, ROLE_ASSIGNMENTS, WEB};
use crate::arm::{expr, lit, resource_id, var};
use crate::{cosmos, keyvault, monitor, storage, web};
use atakora_core::Plan;
use atakora_core::plan::{AppRole, DataAccess};
use serde_json::{Value, json};

pub const STORAGE_BLOB_DATA_OWNER: &str = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
pub const MONITORING_METRICS_PUBLISHER: &str = "3913510d-42f4-4e42-8a64-420c390055eb";
pub const COSMOS_DATA_READER: &str = "00000000-0000-0000-0000-000000000001";
pub const COSMOS_DATA_CONTRIBUTOR: &str = "00000000-0000-0000-0000-000000000002";
pub const KEY_VAULT_SECRETS_USER: &str = "4633458b-17de-408a-b874-0445c86b69e6";

fn principal(app_id: &str) -> Value {
    expr(format!("reference({app_id}, '{WEB}', 'full').identity.principalId"))
}

fn rbac(scope_type: &str, scope_name_var: &str, scope_id: String, app_id: &str, role: &str) -> Value {
    json!({
        "type": "Microsoft.Authorization/roleAssignments",
        "apiVersion": ROLE_ASSIGNMENTS,
        // Stable across redeployments: the app's resource id stands in for its principal id,
        // which is not known when names are evaluated.
        "name": expr(format!("guid({scope_id}, {app_id}, {})", lit(role))),
        "scope": expr(format!("format('{scope_type}/{{0}}', {})", var(scope_name_var))),
        "properties": {
            "roleDefinitionId": expr(format!("subscriptionResourceId('Microsoft.Authorization/roleDefinitions', {})", lit(role))),
            "principalId": principal(app_id),
            // Avoids failures while a just-created identity replicates in Entra ID.
            "principalType": "ServicePrincipal"
        },
        "dependsOn": [expr(&scope_id), expr(app_id)]
    })
}

pub(crate) fn resources(plan: &Plan) -> Vec<Value> {
    let mut out = Vec::new();
    for app in &plan.function_apps {
        let app_id = web::app_id(app);
        if plan.secrets.is_some() {
            // Keys mode: the identity reads the vault's secrets, nothing else.
            out.push(rbac(
                "Microsoft.KeyVault/vaults",
                keyvault::NAME,
                keyvault::id(),
                &app_id,
                KEY_VAULT_SECRETS_USER,
            ));
        } else {
            out.push(rbac(
                "Microsoft.Storage/storageAccounts",
                storage::NAME,
                storage::id(),
                &app_id,
                STORAGE_BLOB_DATA_OWNER,
            ));
        }
        if plan.monitoring.is_some() {
            out.push(rbac(
                "Microsoft.Insights/components",
                monitor::INSIGHTS,
                monitor::insights_id(),
                &app_id,
                MONITORING_METRICS_PUBLISHER,
            ));
        }
    }
    if plan.secrets.is_some() {
        return out;
    }
    let Some(api) = plan
        .function_apps
        .iter()
        .find(|a| matches!(a.role, AppRole::CrudApis { .. }))
    else {
        return out;
    };
    let app_id = web::app_id(api);
    for (i, acc) in plan.cosmos_accounts.iter().enumerate() {
        let key = cosmos::name_key(plan, i);
        let account_id = cosmos::account_id(&key);
        // Cosmos DB locks the account for each role-assignment write: the assignments of one
        // account go one after another, the first after every container exists.
        let key_ref = key.as_str();
        let mut previous: Vec<Value> = acc
            .databases
            .iter()
            .flat_map(|db| {
                db.containers
                    .iter()
                    .map(move |c| expr(cosmos::container_id(key_ref, &db.name, &c.name)))
            })
            .collect();
        previous.push(expr(&app_id));
        for db in &acc.databases {
            for c in &db.containers {
                let role = match c.access {
                    DataAccess::Reader => COSMOS_DATA_READER,
                    DataAccess::Contributor => COSMOS_DATA_CONTRIBUTOR,
                };
                let scope = format!(
                    "format('{{0}}/dbs/{{1}}/colls/{{2}}', {account_id}, {}, {})",
                    lit(&db.name),
                    lit(&c.name)
                );
                let guid = format!("guid({scope}, {app_id}, {})", lit(role));
                let assignment_id = resource_id(
                    "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments",
                    &[var(&key), guid.clone()],
                );
                out.push(json!({
                    "type": "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments",
                    "apiVersion": COSMOS,
                    "name": expr(format!("format('{{0}}/{{1}}', {}, {guid})", var(&key))),
                    "properties": {
                        "roleDefinitionId": expr(resource_id("Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions", &[var(&key), lit(role)])),
                        "principalId": principal(&app_id),
                        "scope": expr(&scope)
                    },
                    "dependsOn": previous
                }));
                previous = vec![expr(assignment_id)];
            }
        }
    }
    out
}
