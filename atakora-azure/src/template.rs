//! The template and its parameters file, assembled from the resource families in a fixed
//! order; each family writes its resources into its section and contributes its wiring to the
//! apps, and the compute family renders the apps last.

use crate::emit::Emit;
use crate::refs::Refs;
use crate::{alerts, cache, cosmos, functions, identity, keyvault, monitor, network, roles, storage, web};
use atakora_core::Plan;
use atakora_core::naming::SUFFIX_LEN;
use serde_json::{Map, Value, json};

/// The template's `$schema`.
pub const TEMPLATE_SCHEMA: &str = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
/// The parameters file's `$schema`.
pub const PARAMETERS_SCHEMA: &str = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#";

/// Every family, in the order it runs. Sections and slots fix where its output lands; the
/// order matters where two families write into one place (Azure RBAC assignments before
/// Cosmos DB's own in an app's access deployment); `roles::access` runs after every family has
/// contributed its grants, and `web` last, after every family has contributed to the apps'
/// wiring.
const FAMILIES: [fn(&Plan, &Refs, &mut Emit); 12] = [
    identity::emit,
    roles::emit,
    monitor::emit,
    storage::emit,
    cosmos::emit,
    functions::emit,
    cache::emit,
    keyvault::emit,
    network::emit,
    alerts::emit,
    roles::access,
    web::emit,
];

/// The ARM template of `plan` (resource-group scope, resources as an array).
pub fn template(plan: &Plan) -> Value {
    let refs = Refs::of(plan);
    let mut out = Emit::default();
    for family in FAMILIES {
        family(plan, &refs, &mut out);
    }
    let mut parameters = Map::new();
    parameters.insert(
        "location".into(),
        json!({
            "type": "string",
            "defaultValue": plan.location.as_deref().unwrap_or("[resourceGroup().location]"),
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
    parameters.extend(std::mem::take(&mut out.parameters));
    // Built as a map, not with `json!`: its interpolations are copied through serde, and the
    // resources of a large backend are megabytes.
    let mut template = Map::new();
    template.insert("$schema".into(), json!(TEMPLATE_SCHEMA));
    template.insert("contentVersion".into(), json!("1.0.0.0"));
    template.insert("parameters".into(), Value::Object(parameters));
    template.insert("variables".into(), Value::Object(refs.variables(plan)));
    template.insert("resources".into(), Value::Array(out.resources()));
    template.insert("outputs".into(), Value::Object(out.outputs()));
    Value::Object(template)
}

/// `azuredeploy.parameters.json`: the values a deployment of this environment uses.
pub fn parameters(plan: &Plan) -> Value {
    // Without `location`, the resource group's region is the template's own default.
    let mut parameters = Map::new();
    if let Some(location) = &plan.location {
        parameters.insert("location".into(), json!({ "value": location }));
    }
    json!({
        "$schema": PARAMETERS_SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": parameters
    })
}
