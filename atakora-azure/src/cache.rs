//! `cache(ttl)`: one Azure Managed Redis per backend (`redisEnterprise`), TLS only, no access
//! keys: the API app reads and writes with its Entra identity through an access-policy
//! assignment.

use crate::api_versions::{REDIS_ENTERPRISE, WEB};
use crate::arm::{expr, lit, resource_id, tags, var, var_value};
use crate::web;
use atakora_core::Plan;
use atakora_core::plan::AppRole;
use serde_json::{Value, json};

pub(crate) const NAME: &str = "redisName";

pub(crate) fn id() -> String {
    resource_id("Microsoft.Cache/redisEnterprise", &[var(NAME)])
}

fn database_id() -> String {
    resource_id(
        "Microsoft.Cache/redisEnterprise/databases",
        &[var(NAME), lit("default")],
    )
}

/// `host:port` of the cache, for the API's settings.
pub(crate) fn endpoint() -> Value {
    expr(format!(
        "format('{{0}}:10000', reference({}, '{REDIS_ENTERPRISE}').hostName)",
        id()
    ))
}

pub(crate) fn resources(plan: &Plan) -> Vec<Value> {
    if plan.cache.is_none() {
        return Vec::new();
    }
    let private = plan.network.as_ref().is_some_and(|n| n.private_endpoints);
    let mut out = vec![
        json!({
            "type": "Microsoft.Cache/redisEnterprise",
            "apiVersion": REDIS_ENTERPRISE,
            "name": var_value(NAME),
            "location": "[parameters('location')]",
            "tags": tags(plan),
            "sku": { "name": "Balanced_B0" },
            "properties": {
                "minimumTlsVersion": "1.2",
                // Production keeps a replica; other environments save the cost.
                "highAvailability": if plan.tier.is_production() { "Enabled" } else { "Disabled" },
                "publicNetworkAccess": if private { "Disabled" } else { "Enabled" }
            }
        }),
        json!({
            "type": "Microsoft.Cache/redisEnterprise/databases",
            "apiVersion": REDIS_ENTERPRISE,
            "name": expr(format!("format('{{0}}/default', {})", var(NAME))),
            "properties": {
                "clientProtocol": "Encrypted",
                "port": 10000,
                "clusteringPolicy": "OSSCluster",
                "evictionPolicy": "VolatileLRU",
                // Entra ID only.
                "accessKeysAuthentication": "Disabled"
            },
            "dependsOn": [expr(id())]
        }),
    ];
    if let Some(api) = plan
        .function_apps
        .iter()
        .find(|a| matches!(a.role, AppRole::CrudApis { .. }))
    {
        let app_id = web::app_id(api);
        out.push(json!({
            "type": "Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments",
            "apiVersion": REDIS_ENTERPRISE,
            "name": expr(format!("format('{{0}}/default/{{1}}', {}, 'api')", var(NAME))),
            "properties": {
                "accessPolicyName": "default",
                "user": { "objectId": expr(format!("reference({app_id}, '{WEB}', 'full').identity.principalId")) }
            },
            "dependsOn": [expr(database_id()), expr(&app_id)]
        }));
    }
    out
}
