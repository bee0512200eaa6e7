//! Compute: one Flex Consumption plan and Function App per app (Flex allows one app per plan),
//! Linux, Rust custom handler, system-assigned identity, identity-based host storage.

use crate::api_versions::{APP_INSIGHTS, COSMOS, STORAGE, WEB};
use crate::arm::{camel, expr, resource_id, tags, var, var_value};
use crate::{cosmos, monitor, storage};
use atakora_core::Plan;
use atakora_core::plan::{AppRole, FunctionApp};
use serde_json::{Value, json};

pub(crate) fn app_key(app: &FunctionApp) -> String {
    format!("{}AppName", camel(&app.key))
}

pub(crate) fn plan_key(app: &FunctionApp) -> String {
    format!("{}PlanName", camel(&app.key))
}

pub(crate) fn app_id(app: &FunctionApp) -> String {
    resource_id("Microsoft.Web/sites", &[var(&app_key(app))])
}

fn plan_id(app: &FunctionApp) -> String {
    resource_id("Microsoft.Web/serverfarms", &[var(&plan_key(app))])
}

pub(crate) fn resources(plan: &Plan) -> Vec<Value> {
    let mut out = Vec::new();
    for app in &plan.function_apps {
        out.push(json!({
            "type": "Microsoft.Web/serverfarms",
            "apiVersion": WEB,
            "name": var_value(&plan_key(app)),
            "location": "[parameters('location')]",
            "tags": tags(plan),
            "kind": "functionapp",
            "sku": { "name": "FC1", "tier": "FlexConsumption" },
            "properties": { "reserved": true, "zoneRedundant": false }
        }));
        out.push(site(plan, app));
    }
    out
}

fn setting(name: &str, value: impl Into<Value>) -> Value {
    json!({ "name": name, "value": value.into() })
}

fn site(plan: &Plan, app: &FunctionApp) -> Value {
    let mut settings = vec![setting("AzureWebJobsStorage__accountName", var_value(storage::NAME))];
    if let Some(host_id) = &app.host_id {
        // Apps sharing the storage account must not share a host id (see resolve).
        settings.push(setting("AzureFunctionsWebHost__hostid", host_id.clone()));
    }
    let mut depends = vec![
        expr(plan_id(app)),
        expr(storage::container_id(&app.deployment_container)),
    ];
    if plan.monitoring.is_some() {
        settings.push(setting(
            "APPLICATIONINSIGHTS_CONNECTION_STRING",
            expr(format!(
                "reference({}, '{APP_INSIGHTS}').ConnectionString",
                monitor::insights_id()
            )),
        ));
        // The component refuses unauthenticated telemetry: the host signs in with its identity.
        settings.push(setting(
            "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
            "Authorization=AAD",
        ));
        depends.push(expr(monitor::insights_id()));
    }
    if let AppRole::CrudApis { .. } = app.role {
        for (i, acc) in plan.cosmos_accounts.iter().enumerate() {
            let key = cosmos::name_key(plan, i);
            // Identity-based connection `COSMOS` (`COSMOS_SERVERLESS` for a split account).
            let prefix = if key == "cosmosAccountName" {
                "COSMOS"
            } else {
                "COSMOS_SERVERLESS"
            };
            settings.push(setting(
                &format!("{prefix}__accountEndpoint"),
                expr(format!(
                    "reference({}, '{COSMOS}').documentEndpoint",
                    cosmos::account_id(&key)
                )),
            ));
            settings.push(setting(&format!("{prefix}__database"), acc.databases[0].name.clone()));
            depends.push(expr(cosmos::account_id(&key)));
        }
        for (_, db, c) in plan.containers() {
            let var_name = format!("ATAKORA_CONTAINER_{}", c.component.to_ascii_uppercase());
            settings.push(setting(&var_name, format!("{}/{}", db.name, c.name)));
        }
    }
    let mut scale = json!({ "maximumInstanceCount": app.max_instances, "instanceMemoryMB": app.memory_mb });
    if app.always_ready > 0 {
        scale["alwaysReady"] = json!([{ "name": "http", "instanceCount": app.always_ready }]);
    }
    let policy = |kind: &str| {
        json!({
            "type": "basicPublishingCredentialsPolicies",
            "apiVersion": WEB,
            "name": kind,
            "properties": { "allow": false },
            "dependsOn": [expr(app_id(app))]
        })
    };
    json!({
        "type": "Microsoft.Web/sites",
        "apiVersion": WEB,
        "name": var_value(&app_key(app)),
        "location": "[parameters('location')]",
        "tags": tags(plan),
        "kind": "functionapp,linux",
        "identity": { "type": "SystemAssigned" },
        "properties": {
            "serverFarmId": expr(plan_id(app)),
            "httpsOnly": plan.enforce_https,
            "publicNetworkAccess": "Enabled",
            "functionAppConfig": {
                "deployment": {
                    "storage": {
                        "type": "blobContainer",
                        "value": expr(format!("format('{{0}}{{1}}', reference({}, '{STORAGE}').primaryEndpoints.blob, '{}')", storage::id(), app.deployment_container)),
                        "authentication": { "type": "SystemAssignedIdentity" }
                    }
                },
                "scaleAndConcurrency": scale,
                "runtime": { "name": "custom", "version": "1.0" }
            },
            "siteConfig": {
                "minTlsVersion": "1.2",
                "http20Enabled": true,
                "appSettings": settings
            }
        },
        "dependsOn": depends,
        // No username/password publishing over FTP or to the SCM site.
        "resources": [policy("ftp"), policy("scm")]
    })
}
