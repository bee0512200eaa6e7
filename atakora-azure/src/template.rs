//! The template and its parameters file, assembled from the resource families in a fixed
//! order: monitoring, storage, Cosmos DB, compute, role assignments.

use crate::api_versions::{COSMOS, WEB};
use crate::arm::{camel, expr, name_variable};
use crate::{cache, cosmos, keyvault, monitor, network, roles, storage, web};
use atakora_core::Plan;
use atakora_core::naming::SUFFIX_LEN;
use atakora_core::plan::AppRole;
use serde_json::{Map, Value, json};

pub const TEMPLATE_SCHEMA: &str = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
pub const PARAMETERS_SCHEMA: &str = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#";

/// The ARM template of `plan` (resource-group scope, resources as an array).
pub fn template(plan: &Plan) -> Value {
    let mut parameters = Map::new();
    parameters.insert(
        "location".into(),
        json!({
            "type": "string",
            "defaultValue": plan.location,
            "metadata": { "description": "Region of every regional resource." }
        }),
    );
    if plan.unique_suffix {
        parameters.insert(
            "nameSuffix".into(),
            json!({
                "type": "string",
                "defaultValue": format!("[take(uniqueString(resourceGroup().id), {SUFFIX_LEN})]"),
                "minLength": SUFFIX_LEN,
                "maxLength": SUFFIX_LEN,
                "metadata": { "description": "Lowercase letters and digits. Makes the globally unique names unique per resource group; the default is stable across redeployments." }
            }),
        );
    }

    if plan.secrets.is_some() {
        parameters.insert(
            keyvault::EXPIRY_PARAMETER.into(),
            json!({
                "type": "int",
                "defaultValue": "[dateTimeToEpoch(dateTimeAdd(utcNow(), 'P1Y'))]",
                "metadata": { "description": "When the Key Vault secrets (storage and Cosmos DB keys) expire, in seconds since 1970; rotate the keys before." }
            }),
        );
    }

    let mut variables = Map::new();
    if let Some(m) = &plan.monitoring {
        variables.insert(monitor::WORKSPACE.into(), name_variable(&m.workspace));
        variables.insert(monitor::INSIGHTS.into(), name_variable(&m.insights));
    }
    variables.insert(storage::NAME.into(), name_variable(&plan.storage.name));
    for (i, acc) in plan.cosmos_accounts.iter().enumerate() {
        variables.insert(cosmos::name_key(plan, i), name_variable(&acc.name));
    }
    for app in &plan.function_apps {
        variables.insert(web::plan_key(app), name_variable(&app.plan_name));
        variables.insert(web::app_key(app), name_variable(&app.name));
    }
    if let Some(c) = &plan.cache {
        variables.insert(cache::NAME.into(), name_variable(&c.name));
    }
    if let Some(v) = &plan.secrets {
        variables.insert(keyvault::NAME.into(), name_variable(&v.name));
    }
    if let Some(n) = &plan.network {
        variables.insert(network::VNET.into(), name_variable(&n.vnet));
        variables.insert(network::INTEGRATION_SUBNET.into(), name_variable(&n.integration_subnet));
        variables.insert(network::ENDPOINT_SUBNET.into(), name_variable(&n.endpoint_subnet));
        for (key, zone) in network::zone_variables(n) {
            variables.insert(key.into(), json!(zone));
        }
    }

    let mut resources = Vec::new();
    resources.extend(monitor::resources(plan));
    resources.extend(storage::resources(plan));
    resources.extend(cosmos::resources(plan));
    resources.extend(cache::resources(plan));
    resources.extend(keyvault::resources(plan));
    resources.extend(network::resources(plan));
    resources.extend(web::resources(plan));
    resources.extend(roles::resources(plan));
    resources.extend(monitor::alerts::resources(plan));

    let mut outputs = Map::new();
    for app in &plan.function_apps {
        let host = format!("reference({}, '{WEB}').defaultHostName", web::app_id(app));
        match &app.role {
            AppRole::CrudApis { .. } => {
                outputs.insert(
                    "apiBaseUrl".into(),
                    json!({ "type": "string", "value": expr(format!("format('https://{{0}}/api', {host})")) }),
                );
            }
            AppRole::FunctionsApp { .. } => {
                outputs.insert(
                    format!("{}HostName", camel(&app.key)),
                    json!({ "type": "string", "value": expr(&host) }),
                );
            }
        }
    }
    for (i, _) in plan.cosmos_accounts.iter().enumerate() {
        let key = cosmos::name_key(plan, i);
        let output = if key == "cosmosAccountName" {
            "cosmosEndpoint"
        } else {
            "cosmosServerlessEndpoint"
        };
        outputs.insert(output.into(), json!({ "type": "string", "value": expr(format!("reference({}, '{COSMOS}').documentEndpoint", cosmos::account_id(&key))) }));
    }

    json!({
        "$schema": TEMPLATE_SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": parameters,
        "variables": variables,
        "resources": resources,
        "outputs": outputs
    })
}

/// `azuredeploy.parameters.json`: the values a deployment of this environment uses.
pub fn parameters(plan: &Plan) -> Value {
    json!({
        "$schema": PARAMETERS_SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": { "location": { "value": plan.location } }
    })
}
