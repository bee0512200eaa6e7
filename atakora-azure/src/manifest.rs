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
        "estimatedMonthlyCost": cost(plan),
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

/// US list price of manual provisioned throughput: USD per 100 RU/s per hour
/// (shared/azure-facts.md §9, verified). Autoscale bills 1.5 times that at the highest RU/s
/// reached in the hour, at least a tenth of its maximum.
const RU_HOUR_PER_100: f64 = 0.008;
const AUTOSCALE_FACTOR: f64 = 1.5;
const HOURS_PER_MONTH: f64 = 730.0;

/// The part of the bill the plan fixes in advance: provisioned Cosmos DB throughput, as a
/// range (autoscale varies with load). Everything billed by usage is named, not guessed.
fn cost(plan: &Plan) -> Value {
    let (mut min, mut max) = (0.0f64, 0.0f64);
    for acc in plan.cosmos_accounts.iter().filter(|a| !a.serverless) {
        for db in &acc.databases {
            let settings = db
                .shared_throughput
                .into_iter()
                .chain(db.containers.iter().filter_map(|c| c.throughput));
            for t in settings {
                let monthly =
                    |rus: u32, factor: f64| f64::from(rus) / 100.0 * RU_HOUR_PER_100 * factor * HOURS_PER_MONTH;
                match t {
                    ThroughputSetting::Manual(r) => {
                        min += monthly(r, 1.0);
                        max += monthly(r, 1.0);
                    }
                    ThroughputSetting::Autoscale(r) => {
                        min += monthly(r / 10, AUTOSCALE_FACTOR);
                        max += monthly(r, AUTOSCALE_FACTOR);
                    }
                }
            }
        }
    }
    let cents = |x: f64| (x * 100.0).round() / 100.0;
    json!({
        "currency": "USD",
        "cosmosProvisionedThroughput": { "min": cents(min), "max": cents(max) },
        "basis": "Cosmos DB provisioned throughput at the US list price of $0.008 per 100 RU/s-hour (autoscale: 1.5 times that, between 10% and 100% of its maximum), 730 hours a month. Serverless Cosmos DB, Function Apps, storage, monitoring, Redis and networking are billed by usage and not included. An estimate, not a quote."
    })
}
