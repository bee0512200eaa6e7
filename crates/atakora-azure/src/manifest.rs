//! `manifest.json`: what a deployment contains, for reviewers and tools: every resource with
//! its final name, the components it serves, and the plan's diagnostics.

use crate::limits;
use atakora_core::Plan;
use atakora_core::plan::{AppRole, DataAccess, ThroughputSetting};
use serde_json::{Value, json};

/// The manifest of `plan`, whose rendered template is `template`.
pub fn manifest(plan: &Plan, template: &Value) -> Value {
    let mut resources = Vec::new();
    let mut add = |ty: &str, name: String, component: Option<String>, detail: Value| {
        let mut r = json!({ "type": ty, "name": name });
        if let Some(c) = component {
            r["component"] = json!(c);
        }
        if !detail.is_null() {
            r["detail"] = detail;
        }
        resources.push(r);
    };
    if let Some(m) = &plan.monitoring {
        add(
            "Microsoft.OperationalInsights/workspaces",
            m.workspace.to_string(),
            None,
            json!({ "retentionInDays": m.retention_days }),
        );
        add(
            "Microsoft.Insights/components",
            m.insights.to_string(),
            None,
            json!({ "samplingPercentage": m.sampling_percentage }),
        );
    }
    add(
        "Microsoft.Storage/storageAccounts",
        plan.storage.name.to_string(),
        None,
        Value::Null,
    );
    for acc in &plan.cosmos_accounts {
        add(
            "Microsoft.DocumentDB/databaseAccounts",
            acc.name.to_string(),
            None,
            json!({ "serverless": acc.serverless, "consistency": acc.consistency.as_str() }),
        );
        for db in &acc.databases {
            add(
                "Microsoft.DocumentDB/databaseAccounts/sqlDatabases",
                db.name.clone(),
                None,
                json!({ "sharedThroughput": throughput(db.shared_throughput) }),
            );
            for c in &db.containers {
                add(
                    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers",
                    c.name.clone(),
                    Some(c.components().collect::<Vec<_>>().join(", ")),
                    json!({
                        "partitionKey": c.partition_key,
                        "defaultTtl": c.default_ttl,
                        "throughput": throughput(c.throughput),
                        "dataRole": match c.access { DataAccess::Reader => "Cosmos DB Built-in Data Reader", DataAccess::Contributor => "Cosmos DB Built-in Data Contributor" }
                    }),
                );
            }
        }
    }
    for app in &plan.function_apps {
        let component = match &app.role {
            AppRole::CrudApis { components } => components.join(", "),
            AppRole::FunctionsApp { component, .. } => component.clone(),
        };
        add(
            "Microsoft.Web/serverfarms",
            app.plan_name.to_string(),
            Some(component.clone()),
            json!({ "sku": "FC1" }),
        );
        add(
            "Microsoft.Web/sites",
            app.name.to_string(),
            Some(component),
            json!({ "memoryMb": app.memory_mb, "maxInstances": app.max_instances, "alwaysReady": app.always_ready }),
        );
    }
    use atakora_core::naming::ResourceKind as K;
    for r in plan.named_resources() {
        let ty = match r.kind {
            K::VirtualNetwork => "Microsoft.Network/virtualNetworks",
            K::Subnet => "Microsoft.Network/virtualNetworks/subnets",
            K::PrivateEndpoint => "Microsoft.Network/privateEndpoints",
            K::ActionGroup => "Microsoft.Insights/actionGroups",
            K::MetricAlert => "Microsoft.Insights/metricAlerts",
            K::AvailabilityTest => "Microsoft.Insights/webtests",
            K::ManagedRedis => "Microsoft.Cache/redisEnterprise",
            K::KeyVault => "Microsoft.KeyVault/vaults",
            _ => continue,
        };
        add(ty, r.name.to_string(), None, Value::Null);
    }
    let text = crate::to_text(template);
    let mut diagnostics = plan.diagnostics.clone();
    diagnostics.extend(limits::check(template, &text));
    json!({
        "generator": { "name": "atakora", "version": env!("CARGO_PKG_VERSION") },
        "backend": plan.backend,
        "environment": plan.environment,
        "tier": if plan.tier.is_production() { "production" } else { "non-production" },
        "app": plan.app,
        "location": plan.location,
        "templateResources": limits::resource_count(template),
        "templateBytes": text.len(),
        "resources": resources,
        "diagnostics": diagnostics
    })
}

fn throughput(t: Option<ThroughputSetting>) -> Value {
    match t {
        None => Value::Null,
        Some(ThroughputSetting::Manual(r)) => json!({ "manual": r }),
        Some(ThroughputSetting::Autoscale(r)) => json!({ "autoscaleMax": r }),
    }
}
