//! `cache(ttl)`: one Azure Managed Redis per backend (`redisEnterprise`), TLS only, no access
//! keys: the API app reads and writes with its Entra identity through an access-policy
//! assignment. Contributes the cache settings of the CRUD APIs' app.

use crate::api_versions::REDIS_ENTERPRISE;
use crate::arm::{expr, tags};
use crate::emit::{Emit, Section, Slot};
use crate::refs::Refs;
use atakora_core::Plan;
use atakora_core::contract::settings;
use atakora_core::plan::{GrantScope, Name};
use serde_json::json;

pub(crate) fn emit(plan: &Plan, refs: &Refs, out: &mut Emit) {
    let (Some(cache), Some(redis)) = (&plan.cache, &refs.cache) else {
        return;
    };
    let private = plan.network.is_private();
    out.resource(
        Section::Cache,
        json!({
            "type": "Microsoft.Cache/redisEnterprise",
            "apiVersion": REDIS_ENTERPRISE,
            "name": redis.value(),
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
    );
    let database_id = refs.redis_database_id().expect("a cache has a database");
    out.output(
        Slot::Cache,
        "redisName",
        json!({ "type": "string", "value": redis.value() }),
    );
    out.resource(
        Section::Cache,
        json!({
            "type": "Microsoft.Cache/redisEnterprise/databases",
            "apiVersion": REDIS_ENTERPRISE,
            "name": expr(format!("format('{{0}}/default', {})", redis.var())),
            "properties": {
                "clientProtocol": "Encrypted",
                "port": 10000,
                // One endpoint that proxies the shards: a plain (not cluster-aware) client works,
                // and the policy cannot be changed after creation (docs/decisions.md).
                "clusteringPolicy": "EnterpriseCluster",
                "evictionPolicy": "VolatileLRU",
                // Entra ID only.
                "accessKeysAuthentication": "Disabled"
            },
            "dependsOn": [expr(redis.id())]
        }),
    );
    for g in plan.grants.iter().filter(|g| g.scope == GrantScope::Redis) {
        let Some(app) = plan.app(&g.app) else { continue };
        let r = refs.app(plan, app);
        let Name::Planned(assignment) = &plan.named[g.id].name else {
            continue;
        };
        out.resource(
            Section::Cache,
            json!({
                "type": "Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments",
                "apiVersion": REDIS_ENTERPRISE,
                "name": expr(format!("format('{{0}}/default/{{1}}', {}, '{}')", redis.var(), assignment.base)),
                "properties": {
                    "accessPolicyName": g.role.definition_id(),
                    "user": { "objectId": expr(r.principal_id()) }
                },
                "dependsOn": [expr(&database_id), expr(r.identity.id())]
            }),
        );
    }
    let Some(api) = plan.api_app() else { return };
    let wiring = out.app(&api.key);
    // Entra ID authentication with the app's identity (access-policy assignment).
    wiring.setting(
        Slot::Cache,
        settings::CACHE_ENDPOINT,
        expr(format!(
            "format('{{0}}:10000', reference({}, '{REDIS_ENTERPRISE}').hostName)",
            redis.id()
        )),
    );
    for (component, ttl) in &cache.ttls {
        wiring.setting(Slot::Cache, &settings::cache_ttl(component), ttl.to_string());
    }
    wiring.depends_on(Slot::Cache, &redis.id());
}
