//! `manifest.json`: what a deployment contains, for reviewers and tools: every resource the
//! plan records (so every resource the template emits, children included) with its type, name
//! and parent, the components it serves, the plan's diagnostics and the cost estimate.

use crate::limits;
use atakora_core::Plan;
use atakora_core::naming::ResourceKind as K;
use atakora_core::plan::{AppRole, DataAccess, GrantScope, NameId, NamedResource, ThroughputSetting};
use serde_json::{Value, json};
use std::collections::HashMap;

/// The manifest of `plan`, whose rendered template is `template` (split into parts as
/// [`crate::render`] splits it).
pub fn manifest(plan: &Plan, template: &Value) -> Value {
    let text = crate::to_text(template);
    let parts = crate::parts::split(template.clone(), text.len());
    let texts: Vec<String> = parts.iter().map(crate::to_text).collect();
    let diagnostics = limits::check_parts(&parts, &texts);
    of_parts(plan, &parts, &texts, diagnostics)
}

/// The manifest of `plan` whose template was split into `parts`, rendered as `texts`, with the
/// ARM-limit findings `limit_findings`.
pub(crate) fn of_parts(
    plan: &Plan,
    parts: &[Value],
    texts: &[String],
    limit_findings: Vec<atakora_core::Diagnostic>,
) -> Value {
    let index = Index::of(plan);
    let mut rows: Vec<(usize, Value)> = plan
        .named
        .iter()
        .enumerate()
        .map(|(id, r)| (section(r.kind), row(plan, &index, id, r)))
        .collect();
    // Template order: the section each family writes to, then record order.
    rows.sort_by_key(|(s, _)| *s);
    let mut diagnostics = plan.diagnostics.clone();
    diagnostics.extend(limit_findings);
    let listed: Vec<Value> = parts
        .iter()
        .zip(texts)
        .enumerate()
        .map(|(k, (p, t))| {
            json!({ "file": crate::parts::file_name(k), "resources": limits::resource_count(p), "bytes": t.len() })
        })
        .collect();
    let mut manifest = json!({
        "generator": { "name": "atakora", "version": env!("CARGO_PKG_VERSION") },
        "backend": plan.backend,
        "environment": plan.environment,
        "tier": if plan.tier.is_production() { "production" } else { "non-production" },
        "app": plan.app,
        "location": plan.location.as_deref().unwrap_or("the resource group's"),
        "templateResources": parts.iter().map(limits::resource_count).sum::<usize>(),
        "estimatedMonthlyCost": cost(plan),
        "templateBytes": texts.iter().map(String::len).sum::<usize>(),
        // Deployed in this order, each with `azuredeploy.parameters.json`.
        "parts": Value::Array(listed),
        "names": {
            "suffix": "`{suffix}` is the template's `nameSuffix` parameter: by default take(uniqueString(resourceGroup().id), 6), so every resource group gets its own",
            "guid": "`{guid}` names a role assignment: a GUID of its scope, the identity's principal id and the role, known once the identity exists",
            "finalNames": "`cargo atakora plan --resource-group-id <id>` (or `Plan::final_names`) computes every final name for a resource group, offline"
        },
        "resources": null,
        "callers": callers(plan),
        "diagnostics": diagnostics
    });
    // Moved in, not interpolated: `json!` copies what it interpolates through serde, and a
    // large backend has thousands of rows.
    manifest["resources"] = Value::Array(rows.into_iter().map(|(_, r)| r).collect());
    manifest
}

/// Who may call the CRUD APIs: the token rules, and every operation's role and isolation.
fn callers(plan: &Plan) -> Value {
    match &plan.callers {
        atakora_core::plan::Callers::Anonymous => json!({ "mode": "anonymous" }),
        atakora_core::plan::Callers::Entra { audience, operations } => {
            let mut callers = json!({
                "mode": "entra",
                "issuer": crate::web::ISSUER_EXPRESSION,
                "audience": audience.as_deref().map_or_else(
                    || format!("the `{}` template parameter (no default: give it when deploying)", crate::web::AUDIENCE_PARAMETER),
                    |a| format!("the `{}` template parameter, default `{a}`", crate::web::AUDIENCE_PARAMETER),
                ),
                "operations": null
            });
            // Five per CRUD API: built here rather than serialized through serde.
            callers["operations"] = operations.iter().map(operation).collect();
            callers
        }
    }
}

/// One operation's access, as `OperationAccess` serializes.
fn operation(o: &atakora_core::plan::OperationAccess) -> Value {
    let text = |v: &Option<String>| v.as_ref().map_or(Value::Null, |s| Value::String(s.clone()));
    let mut m = serde_json::Map::with_capacity(5);
    m.insert("component".into(), Value::String(o.component.clone()));
    m.insert("operation".into(), Value::String(o.operation.clone()));
    m.insert("role".into(), text(&o.role));
    m.insert("owner".into(), text(&o.owner));
    m.insert("tenant".into(), text(&o.tenant));
    Value::Object(m)
}

/// The template section a kind's resources are emitted in (see `emit::Section`).
fn section(kind: K) -> usize {
    match kind {
        K::UserAssignedIdentity => 0,
        K::LogAnalytics | K::AppInsights => 0,
        K::StorageAccount | K::BlobService | K::BlobContainer => 1,
        K::CosmosAccount | K::CosmosDatabase | K::CosmosContainer => 2,
        K::QueueService | K::StorageQueue | K::CosmosRoleDefinition => 2,
        K::ManagedRedis | K::RedisDatabase | K::RedisAccessPolicyAssignment => 3,
        K::KeyVault | K::KeyVaultSecret => 4,
        K::VirtualNetwork | K::Subnet | K::PrivateDnsZone | K::DnsZoneLink | K::PrivateEndpoint | K::DnsZoneGroup => 5,
        K::AppServicePlan | K::FunctionApp | K::PublishingPolicy => 6,
        K::RoleAssignment | K::CosmosRoleAssignment | K::Deployment => 7,
        K::ActionGroup | K::MetricAlert | K::AvailabilityTest | K::ScheduledQueryRule => 8,
    }
}

/// Where each record's resource is in the plan, so describing one is a lookup.
#[derive(Default)]
struct Index {
    /// Account, database and container (`None` for a database) per Cosmos DB record.
    cosmos: HashMap<NameId, (usize, Option<usize>, Option<usize>)>,
    /// Function App per app record.
    apps: HashMap<NameId, usize>,
    /// Grant per assignment record.
    grants: HashMap<NameId, usize>,
}

impl Index {
    fn of(plan: &Plan) -> Index {
        let mut x = Index::default();
        for (a, account) in plan.cosmos_accounts.iter().enumerate() {
            x.cosmos.insert(account.id, (a, None, None));
            for (d, db) in account.databases.iter().enumerate() {
                x.cosmos.insert(db.id, (a, Some(d), None));
                for (c, container) in db.containers.iter().enumerate() {
                    x.cosmos.insert(container.id, (a, Some(d), Some(c)));
                }
            }
        }
        x.apps = plan.function_apps.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
        x.grants = plan.grants.iter().enumerate().map(|(i, g)| (g.id, i)).collect();
        x
    }
}

/// `parent/child` names of every ancestor, as ARM writes a child's full name.
fn full_name(plan: &Plan, id: usize) -> String {
    let r = &plan.named[id];
    match r.parent {
        None => r.name.to_string(),
        Some(p) => format!("{}/{}", full_name(plan, p), r.name),
    }
}

fn row(plan: &Plan, index: &Index, id: usize, r: &NamedResource) -> Value {
    let mut row = serde_json::Map::with_capacity(5);
    row.insert("type".into(), Value::from(r.kind.arm_type()));
    row.insert("name".into(), Value::String(r.name.to_string()));
    if let Some(p) = r.parent {
        row.insert("parent".into(), Value::String(full_name(plan, p)));
    }
    let (component, detail) = describe(plan, index, id, r);
    if let Some(c) = component {
        row.insert("component".into(), Value::String(c));
    }
    if !detail.is_null() {
        row.insert("detail".into(), detail);
    }
    Value::Object(row)
}

/// The components a resource serves and its key settings.
fn describe(plan: &Plan, index: &Index, id: usize, r: &NamedResource) -> (Option<String>, Value) {
    let apps_of = |role: &AppRole| match role {
        AppRole::CrudApis { components } => components.join(", "),
        AppRole::FunctionsApp { component, .. } => component.clone(),
    };
    match r.kind {
        K::LogAnalytics => (
            None,
            plan.monitoring
                .as_ref()
                .map_or(Value::Null, |m| json!({ "retentionInDays": m.retention_days })),
        ),
        K::AppInsights => (
            None,
            plan.monitoring
                .as_ref()
                .map_or(Value::Null, |m| json!({ "samplingPercentage": m.sampling_percentage })),
        ),
        K::CosmosAccount => match index.cosmos.get(&id) {
            Some(&(a, None, None)) => {
                let a = &plan.cosmos_accounts[a];
                (
                    None,
                    json!({ "serverless": a.serverless, "consistency": a.consistency.as_str() }),
                )
            }
            _ => (None, Value::Null),
        },
        K::CosmosDatabase => match index.cosmos.get(&id) {
            Some(&(a, Some(d), None)) => {
                let d = &plan.cosmos_accounts[a].databases[d];
                (None, json!({ "sharedThroughput": throughput(d.shared_throughput) }))
            }
            _ => (None, Value::Null),
        },
        K::CosmosContainer
            if plan
                .functions
                .iter()
                .any(|f| f.leases.as_ref().is_some_and(|l| l.id == id)) =>
        {
            (
                Some(
                    plan.functions
                        .iter()
                        .filter(|f| f.leases.as_ref().is_some_and(|l| l.id == id))
                        .map(|f| f.app.clone())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                json!({ "partitionKey": ["/id"], "purpose": "change-feed leases" }),
            )
        }
        K::CosmosContainer => match index.cosmos.get(&id) {
            Some(&(a, Some(d), Some(c))) => {
                let c = &plan.cosmos_accounts[a].databases[d].containers[c];
                (
                    Some(c.components().collect::<Vec<_>>().join(", ")),
                    json!({
                        "partitionKey": c.partition_key,
                        "defaultTtl": c.default_ttl,
                        "throughput": throughput(c.throughput),
                        "dataRole": match c.access { DataAccess::Reader => "Cosmos DB Built-in Data Reader", DataAccess::Contributor => "Cosmos DB Built-in Data Contributor" }
                    }),
                )
            }
            _ => (None, Value::Null),
        },
        K::FunctionApp => match index.apps.get(&id).map(|&i| &plan.function_apps[i]) {
            Some(a) => {
                let mut detail =
                    json!({ "memoryMb": a.memory_mb, "maxInstances": a.max_instances, "alwaysReady": a.always_ready });
                if let Some(f) = plan.functions_of(&a.key) {
                    detail["functions"] = f
                        .functions
                        .iter()
                        .map(|f| {
                            json!({ "name": f.name, "trigger": f.trigger, "scaleGroup": f.scale_group, "alwaysReady": f.always_ready })
                        })
                        .collect();
                }
                (Some(apps_of(&a.role)), detail)
            }
            None => (None, Value::Null),
        },
        K::AppServicePlan => match plan.function_apps.iter().find(|a| r.planned() == Some(&a.plan_name)) {
            Some(a) => (Some(apps_of(&a.role)), json!({ "sku": "FC1" })),
            None => (None, Value::Null),
        },
        K::RoleAssignment | K::CosmosRoleAssignment | K::RedisAccessPolicyAssignment => {
            match index.grants.get(&id).map(|&i| &plan.grants[i]) {
                Some(g) => {
                    let app = plan.app(&g.app).map(|a| a.name.to_string()).unwrap_or_default();
                    let scope = match &g.scope {
                        GrantScope::Storage => plan.storage.name.to_string(),
                        GrantScope::Insights => plan
                            .monitoring
                            .as_ref()
                            .map(|m| m.insights.to_string())
                            .unwrap_or_default(),
                        GrantScope::KeyVault => plan.auth.vault().map(|v| v.name.to_string()).unwrap_or_default(),
                        GrantScope::CosmosContainer {
                            account,
                            database,
                            container,
                        } => {
                            format!(
                                "{}/dbs/{database}/colls/{container}",
                                plan.cosmos_accounts[*account].name
                            )
                        }
                        GrantScope::Redis => plan
                            .cache
                            .as_ref()
                            .map(|c| format!("{}/default", c.name))
                            .unwrap_or_default(),
                        GrantScope::Queue { name } => format!("{}/default/{name}", plan.storage.name),
                        GrantScope::CosmosDatabase { account, database } => {
                            format!("{}/dbs/{database}", plan.cosmos_accounts[*account].name)
                        }
                    };
                    (
                        None,
                        json!({ "role": g.role.label(), "principal": app, "scope": scope }),
                    )
                }
                None => (None, Value::Null),
            }
        }
        _ => (None, Value::Null),
    }
}

fn throughput(t: Option<ThroughputSetting>) -> Value {
    match t {
        None => Value::Null,
        Some(ThroughputSetting::Manual(r)) => json!({ "manual": r }),
        Some(ThroughputSetting::Autoscale(r)) => json!({ "autoscaleMax": r }),
    }
}

/// The estimate of [`crate::cost`]: per resource and in total, from the dated price table.
fn cost(plan: &Plan) -> Value {
    serde_json::to_value(crate::cost::estimate(plan)).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use atakora_core::plan::OperationAccess;

    #[test]
    fn operations_are_written_as_serde_writes_them() {
        let o = OperationAccess {
            component: "orders".into(),
            operation: "read".into(),
            role: Some("Orders.Read".into()),
            owner: None,
            tenant: Some("tenantId".into()),
        };
        assert_eq!(super::operation(&o), serde_json::to_value(&o).unwrap());
    }
}
