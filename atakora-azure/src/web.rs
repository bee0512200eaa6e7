//! Compute: one Flex Consumption plan and Function App per app (Flex allows one app per plan),
//! Linux, Rust custom handler, system-assigned identity, identity-based host storage.

use crate::api_versions::{APP_INSIGHTS, COSMOS, STORAGE, WEB};
use crate::arm::{camel, expr, resource_id, tags, var, var_value, with_skips};
use crate::{cache, cosmos, keyvault, monitor, network, storage};
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

/// The setting the deployment storage connection string is read from (keys mode only).
const DEPLOYMENT_STORAGE_SETTING: &str = "DEPLOYMENT_STORAGE_CONNECTION_STRING";

pub(crate) fn resources(plan: &Plan) -> Vec<Value> {
    let mut out = Vec::new();
    let prod = plan.tier.is_production();
    for app in &plan.function_apps {
        let skips: &[(&str, &str)] = if prod {
            &[]
        } else {
            &[(
                "CKV_AZURE_225",
                "Non-production environment: a zone-redundant Flex Consumption plan keeps at least two always-ready instances per function group, billed around the clock; production environments set zoneRedundant.",
            )]
        };
        out.push(with_skips(
            json!({
                "type": "Microsoft.Web/serverfarms",
                "apiVersion": WEB,
                "name": var_value(&plan_key(app)),
                "location": "[parameters('location')]",
                "tags": tags(plan),
                "kind": "functionapp",
                "sku": { "name": "FC1", "tier": "FlexConsumption" },
                "properties": { "reserved": true, "zoneRedundant": prod }
            }),
            skips,
        ));
        out.push(site(plan, app));
    }
    out
}

fn setting(name: &str, value: impl Into<Value>) -> Value {
    json!({ "name": name, "value": value.into() })
}

fn site(plan: &Plan, app: &FunctionApp) -> Value {
    let keys = plan.secrets.is_some();
    let mut settings = Vec::new();
    let mut depends = vec![
        expr(plan_id(app)),
        expr(storage::container_id(&app.deployment_container)),
    ];
    if keys {
        settings.push(setting(
            "AzureWebJobsStorage",
            keyvault::reference(keyvault::STORAGE_SECRET),
        ));
        settings.push(setting(
            DEPLOYMENT_STORAGE_SETTING,
            keyvault::reference(keyvault::STORAGE_SECRET),
        ));
        depends.push(expr(keyvault::id()));
    } else {
        settings.push(setting("AzureWebJobsStorage__accountName", var_value(storage::NAME)));
    }
    if let Some(host_id) = &app.host_id {
        // Apps sharing the storage account must not share a host id (see resolve).
        settings.push(setting("AzureFunctionsWebHost__hostid", host_id.clone()));
    }
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
            // The connection named `COSMOS` (`COSMOS_SERVERLESS` for a split account).
            let prefix = if key == "cosmosAccountName" {
                "COSMOS"
            } else {
                "COSMOS_SERVERLESS"
            };
            if keys {
                settings.push(setting(prefix, keyvault::reference(&keyvault::cosmos_secret(plan, i))));
            } else {
                settings.push(setting(
                    &format!("{prefix}__accountEndpoint"),
                    expr(format!(
                        "reference({}, '{COSMOS}').documentEndpoint",
                        cosmos::account_id(&key)
                    )),
                ));
            }
            settings.push(setting(
                &format!("ATAKORA_{prefix}_DATABASE"),
                acc.databases[0].name.clone(),
            ));
            depends.push(expr(cosmos::account_id(&key)));
        }
        for (_, db, c) in plan.containers() {
            for component in c.components() {
                settings.push(setting(
                    &format!("ATAKORA_CONTAINER_{}", component.to_ascii_uppercase()),
                    format!("{}/{}", db.name, c.name),
                ));
            }
        }
        if let Some(c) = &plan.cache {
            // Entra ID authentication with the app's identity (access-policy assignment).
            settings.push(setting("CACHE__endpoint", cache::endpoint()));
            for (component, ttl) in &c.ttls {
                settings.push(setting(
                    &format!("ATAKORA_CACHE_TTL_{}", component.to_ascii_uppercase()),
                    ttl.to_string(),
                ));
            }
            depends.push(expr(cache::id()));
        }
    }
    depends.extend(network::app_dependencies(plan));
    let mut scale = json!({ "maximumInstanceCount": app.max_instances, "instanceMemoryMB": app.memory_mb });
    if app.always_ready > 0 {
        scale["alwaysReady"] = json!([{ "name": "http", "instanceCount": app.always_ready }]);
    }
    let authentication = if keys {
        json!({ "type": "StorageAccountConnectionString", "storageAccountConnectionStringName": DEPLOYMENT_STORAGE_SETTING })
    } else {
        json!({ "type": "SystemAssignedIdentity" })
    };
    let policy = |kind: &str| {
        json!({
            "type": "basicPublishingCredentialsPolicies",
            "apiVersion": WEB,
            "name": kind,
            "properties": { "allow": false },
            "dependsOn": [expr(app_id(app))]
        })
    };
    let mut properties = json!({
        "serverFarmId": expr(plan_id(app)),
        "httpsOnly": plan.enforce_https,
        "publicNetworkAccess": "Enabled",
        "functionAppConfig": {
            "deployment": {
                "storage": {
                    "type": "blobContainer",
                    "value": expr(format!(
                        "format('{{0}}{{1}}', reference({}, '{STORAGE}').primaryEndpoints.blob, '{}')",
                        storage::id(),
                        app.deployment_container
                    )),
                    "authentication": authentication
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
    });
    if plan.network.is_some() {
        // Outbound traffic, data services included, goes through the VNet.
        properties["virtualNetworkSubnetId"] = expr(network::integration_subnet_id());
    }
    let health = if plan.availability_tests.is_empty() {
        "App Service Health check is not available on the Flex Consumption plan (Microsoft Learn: Azure Functions, Monitor function apps using Health check); failures and latency are watched by metric alerts when alerting is declared."
    } else {
        "App Service Health check is not available on the Flex Consumption plan (Microsoft Learn: Azure Functions, Monitor function apps using Health check); the declared health_check is probed by an Application Insights standard availability test with its alert instead."
    };
    let skips: [(&str, &str); 5] = [
        (
            "CKV_AZURE_17",
            "HTTP API called by browsers and services that authenticate with Entra ID bearer tokens; requiring TLS client certificates (mutual TLS) would reject every such caller.",
        ),
        (
            "CKV_AZURE_78",
            "Flex Consumption has no FTP/FTPS endpoint: siteConfig.ftpsState is a deprecated Flex property. FTP and SCM basic-auth publishing are disabled by the ftp/scm basicPublishingCredentialsPolicies.",
        ),
        (
            "CKV_AZURE_212",
            "Flex Consumption has no fixed worker count (siteConfig.numberOfWorkers is a Dedicated-plan setting); instances scale with load up to scaleAndConcurrency.maximumInstanceCount, and production plans are zone-redundant.",
        ),
        ("CKV_AZURE_213", health),
        (
            "CKV_AZURE_222",
            "The Function App is the backend's HTTPS endpoint and must take inbound requests; its data services are locked to Entra ID auth (and, with networking(isolated(...)), to the VNet).",
        ),
    ];
    with_skips(
        json!({
            "type": "Microsoft.Web/sites",
            "apiVersion": WEB,
            "name": var_value(&app_key(app)),
            "location": "[parameters('location')]",
            "tags": tags(plan),
            "kind": "functionapp,linux",
            // Always on: Key Vault references (managed_identity = false) need it too.
            "identity": { "type": "SystemAssigned" },
            "properties": properties,
            "dependsOn": depends,
            // No username/password publishing over FTP or to the SCM site.
            "resources": [policy("ftp"), policy("scm")]
        }),
        &skips,
    )
}
