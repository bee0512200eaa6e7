//! The estimated monthly cost of a plan, per resource and in total, from the dated price table
//! `prices.json` kept next to this crate (each price with its source). What the plan fixes in
//! advance (provisioned throughput, always-ready instances, Redis, private endpoints) is
//! computed exactly; what traffic decides (executions, request units, logs) is computed for the
//! usage the table's `assumptions` state, and said so. Also computed: the serverless/provisioned
//! decision for each Cosmos DB account (the break-even usage) and, in production, the saving of
//! reserved capacity on provisioned throughput. An estimate, not a quote.

use atakora_core::Plan;
use atakora_core::plan::{NetworkPosture, ThroughputSetting};
use serde::Serialize;
use serde_json::Value;

/// The price table, as kept in the repository.
pub const PRICES: &str = include_str!("../prices.json");

/// A monthly amount: a range where usage decides (autoscale, free grants).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Range {
    /// The least it costs.
    pub min: f64,
    /// The most it costs at the assumed usage.
    pub max: f64,
}

impl Range {
    fn fixed(x: f64) -> Range {
        Range { min: x, max: x }
    }

    fn add(self, o: Range) -> Range {
        Range {
            min: self.min + o.min,
            max: self.max + o.max,
        }
    }

    fn cents(self) -> Range {
        let c = |x: f64| (x * 100.0).round() / 100.0;
        Range {
            min: c(self.min),
            max: c(self.max),
        }
    }
}

/// One resource's estimate.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Line {
    /// The resource's ARM type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Its planned name.
    pub name: String,
    /// Monthly, in the table's currency.
    pub monthly: Range,
    /// Whether the amount depends on traffic (computed for the table's assumptions).
    pub usage_based: bool,
    /// How it was computed.
    pub basis: String,
}

/// Serverless against provisioned throughput for one Cosmos DB account.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThroughputChoice {
    /// The account.
    pub account: String,
    /// What the account is now.
    pub current: &'static str,
    /// The provisioned throughput the account has or would need (RU/s; 400 at least).
    pub provisioned_ru_per_second: u32,
    /// That throughput's monthly cost (manual).
    pub provisioned_monthly: f64,
    /// The request units a month at which serverless costs as much.
    pub break_even_million_ru_per_month: f64,
    /// The average use of the provisioned RU/s at which both cost the same (percent).
    pub break_even_utilization_percent: f64,
    /// What the numbers say.
    pub advice: String,
}

/// The saving of reserved capacity on the plan's provisioned throughput.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reserved {
    /// Pay-as-you-go monthly cost of the provisioned throughput (manual; autoscale at its maximum).
    pub pay_as_you_go: f64,
    /// Monthly saving with a 1-year reservation.
    pub one_year_saving: f64,
    /// Monthly saving with a 3-year reservation.
    pub three_year_saving: f64,
}

/// The estimate of one plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Estimate {
    /// The currency of every amount.
    pub currency: String,
    /// The price table's date.
    pub prices_date: String,
    /// The region the prices are for.
    pub region: String,
    /// Per resource, in the plan's order.
    pub lines: Vec<Line>,
    /// The sum.
    pub total: Range,
    /// Provisioned Cosmos DB throughput alone (what the plan fixes in advance).
    pub cosmos_provisioned_throughput: Range,
    /// The serverless/provisioned decision per Cosmos DB account.
    pub throughput_choices: Vec<ThroughputChoice>,
    /// Reserved capacity, in production environments with provisioned throughput.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserved: Option<Reserved>,
    /// The usage assumed where traffic decides.
    pub assumptions: Value,
    /// What the estimate is.
    pub basis: String,
}

struct Prices {
    table: Value,
}

impl Prices {
    fn load() -> Prices {
        Prices {
            // The table is part of this crate; a test proves it parses.
            table: serde_json::from_str(PRICES).unwrap_or(Value::Null),
        }
    }
    fn p(&self, key: &str) -> f64 {
        self.table["prices"][key]["value"].as_f64().unwrap_or(0.0)
    }
    fn a(&self, key: &str) -> f64 {
        self.table["assumptions"][key].as_f64().unwrap_or(0.0)
    }
    fn hours(&self) -> f64 {
        self.table["hoursPerMonth"].as_f64().unwrap_or(730.0)
    }
    fn text(&self, key: &str) -> String {
        self.table[key].as_str().unwrap_or_default().to_string()
    }
}

fn money(x: f64) -> String {
    format!("${x:.2}")
}

/// The estimated monthly cost of `plan`.
pub fn estimate(plan: &Plan) -> Estimate {
    let pr = Prices::load();
    let hours = pr.hours();
    let mut lines = Vec::new();
    let mut provisioned = Range::default();
    let mut reservable = 0.0;
    let mut choices = Vec::new();
    let ru_hour = pr.p("cosmosManualPer100RuHour");
    let auto_hour = pr.p("cosmosAutoscalePer100RuHour");
    let serverless_per_m = pr.p("cosmosServerlessPerMillionRu");
    let cosmos_storage = pr.a("cosmosDataGb") * pr.p("cosmosStoragePerGbMonth");
    // RU/s used 100% of a month, in millions of RU.
    let million_ru_at_full = |rus: f64| rus * 3600.0 * hours / 1e6;
    for acc in &plan.cosmos_accounts {
        let mut range = Range::fixed(cosmos_storage);
        let mut parts = Vec::new();
        let mut manual_equivalent = 0u32;
        if acc.serverless {
            let ru = pr.a("executionsPerMonth") * pr.a("ruPerExecution");
            range.max += ru / 1e6 * serverless_per_m;
            parts.push(format!(
                "serverless: {} per million RU ({} million RU assumed: {} executions of {} RU)",
                money(serverless_per_m),
                ru / 1e6,
                pr.a("executionsPerMonth"),
                pr.a("ruPerExecution")
            ));
        } else {
            for db in &acc.databases {
                let settings = db
                    .shared_throughput
                    .into_iter()
                    .chain(db.containers.iter().filter_map(|c| c.throughput));
                for t in settings {
                    match t {
                        ThroughputSetting::Manual(r) => {
                            let m = f64::from(r) / 100.0 * ru_hour * hours;
                            range = range.add(Range::fixed(m));
                            provisioned = provisioned.add(Range::fixed(m));
                            reservable += m;
                            manual_equivalent += r;
                            parts.push(format!("{r} RU/s manual: {}", money(m)));
                        }
                        ThroughputSetting::Autoscale(r) => {
                            let max = f64::from(r) / 100.0 * auto_hour * hours;
                            let a = Range { min: max / 10.0, max };
                            range = range.add(a);
                            provisioned = provisioned.add(a);
                            reservable += f64::from(r) / 100.0 * ru_hour * hours;
                            manual_equivalent += r;
                            parts.push(format!(
                                "autoscale to {r} RU/s: {}–{} (10%–100% of the maximum)",
                                money(a.min),
                                money(a.max)
                            ));
                        }
                    }
                }
            }
        }
        parts.push(format!(
            "{} GB stored at {}/GB",
            pr.a("cosmosDataGb"),
            money(pr.p("cosmosStoragePerGbMonth"))
        ));
        lines.push(Line {
            kind: "Microsoft.DocumentDB/databaseAccounts".into(),
            name: acc.name.to_string(),
            monthly: range.cents(),
            usage_based: acc.serverless,
            basis: parts.join("; "),
        });
        // The decision matrix: the same workload on the other model.
        let rus = manual_equivalent.max(400);
        let provisioned_monthly = f64::from(rus) / 100.0 * ru_hour * hours;
        let break_even = provisioned_monthly / serverless_per_m;
        let utilization = break_even / million_ru_at_full(f64::from(rus)) * 100.0;
        let advice = if acc.serverless {
            format!(
                "serverless stays cheaper than the smallest provisioned throughput ({rus} RU/s, {}) below {:.1} million RU a month; move to provisioned throughput when the traffic is steady above that",
                money(provisioned_monthly),
                break_even
            )
        } else {
            format!(
                "{rus} RU/s provisioned cost {} a month whatever the traffic; serverless would cost less while the workload uses under {:.1} million RU a month ({:.1}% of the provisioned RU/s on average)",
                money(provisioned_monthly),
                break_even,
                utilization
            )
        };
        choices.push(ThroughputChoice {
            account: acc.name.to_string(),
            current: if acc.serverless { "serverless" } else { "provisioned" },
            provisioned_ru_per_second: rus,
            provisioned_monthly: (provisioned_monthly * 100.0).round() / 100.0,
            break_even_million_ru_per_month: (break_even * 10.0).round() / 10.0,
            break_even_utilization_percent: (utilization * 10.0).round() / 10.0,
            advice,
        });
    }
    let (executions, seconds) = (pr.a("executionsPerMonth"), pr.a("secondsPerExecution"));
    for app in &plan.function_apps {
        let gb = f64::from(app.memory_mb) / 1024.0;
        let gbs = executions * seconds * gb;
        let on_demand_max =
            gbs * pr.p("flexOnDemandPerGbSecond") + executions / 1e6 * pr.p("flexOnDemandPerMillionExecutions");
        let on_demand_min = (gbs - pr.p("flexOnDemandFreeGbSeconds")).max(0.0) * pr.p("flexOnDemandPerGbSecond")
            + (executions - pr.p("flexOnDemandFreeExecutions")).max(0.0) / 1e6
                * pr.p("flexOnDemandPerMillionExecutions");
        let mut monthly = Range {
            min: on_demand_min,
            max: on_demand_max,
        };
        let mut basis = format!(
            "on demand, {} executions of {}s at {} MB: {} GB-s at {}/GB-s and {}/million executions (the subscription's free grant of {} GB-s and {} executions lowers the minimum)",
            executions,
            seconds,
            app.memory_mb,
            gbs,
            pr.p("flexOnDemandPerGbSecond"),
            money(pr.p("flexOnDemandPerMillionExecutions")),
            pr.p("flexOnDemandFreeGbSeconds"),
            pr.p("flexOnDemandFreeExecutions")
        );
        // A zone-redundant plan (production) keeps at least 2 always-ready instances per
        // function group, billed as always-ready whatever `always_ready` says.
        let always_ready = if plan.tier.is_production() {
            app.always_ready.max(2)
        } else {
            app.always_ready
        };
        if always_ready > 0 {
            let baseline = f64::from(always_ready) * gb * hours * 3600.0 * pr.p("flexAlwaysReadyBaselinePerGbSecond");
            monthly = monthly.add(Range::fixed(baseline));
            let zone = if always_ready > app.always_ready {
                " (the zone-redundant plan's minimum)"
            } else {
                ""
            };
            basis.push_str(&format!(
                "; {always_ready} always-ready instance(s){zone}: {} baseline at {}/GB-s",
                money(baseline),
                pr.p("flexAlwaysReadyBaselinePerGbSecond")
            ));
        }
        lines.push(Line {
            kind: "Microsoft.Web/sites".into(),
            name: app.name.to_string(),
            monthly: monthly.cents(),
            usage_based: true,
            basis,
        });
    }
    let storage_rate = if plan.tier.is_production() {
        pr.p("storageGzrsPerGbMonth")
    } else {
        pr.p("storageGrsPerGbMonth")
    };
    lines.push(Line {
        kind: "Microsoft.Storage/storageAccounts".into(),
        name: plan.storage.name.to_string(),
        monthly: Range::fixed(pr.a("storageGb") * storage_rate).cents(),
        usage_based: true,
        basis: format!(
            "{} GB at {}/GB ({})",
            pr.a("storageGb"),
            storage_rate,
            if plan.tier.is_production() { "GZRS" } else { "LRS" }
        ),
    });
    if let Some(m) = &plan.monitoring {
        let gb = pr.a("logsGbPerMonth");
        let ingest = gb * pr.p("logAnalyticsPerGbIngested");
        let free = (gb - pr.p("logAnalyticsFreeGbPerMonth")).max(0.0) * pr.p("logAnalyticsPerGbIngested");
        let retention =
            gb * f64::from(m.retention_days.saturating_sub(31)) / 30.0 * pr.p("logAnalyticsRetentionPerGbMonth");
        lines.push(Line {
            kind: "Microsoft.OperationalInsights/workspaces".into(),
            name: m.workspace.to_string(),
            monthly: Range {
                min: free + retention,
                max: ingest + retention,
            }
            .cents(),
            usage_based: true,
            basis: format!(
                "{gb} GB of logs and telemetry a month at {}/GB (the first {} GB per billing account are free), kept {} days ({}/GB-month past 31 days)",
                money(pr.p("logAnalyticsPerGbIngested")),
                pr.p("logAnalyticsFreeGbPerMonth"),
                m.retention_days,
                money(pr.p("logAnalyticsRetentionPerGbMonth"))
            ),
        });
        lines.push(Line {
            kind: "Microsoft.Insights/components".into(),
            name: m.insights.to_string(),
            monthly: Range::default(),
            usage_based: true,
            basis: "workspace-based: its data is billed by the Log Analytics workspace".into(),
        });
    }
    if let Some(c) = &plan.cache {
        lines.push(Line {
            kind: "Microsoft.Cache/redisEnterprise".into(),
            name: c.name.to_string(),
            monthly: Range::fixed(pr.p("managedRedisBalancedB0PerHour") * hours).cents(),
            usage_based: false,
            basis: format!("Balanced_B0 at {}/hour", pr.p("managedRedisBalancedB0PerHour")),
        });
    }
    if let Some(v) = plan.auth.vault() {
        let ops = pr.a("keyVaultOperationsPerMonth");
        lines.push(Line {
            kind: "Microsoft.KeyVault/vaults".into(),
            name: v.name.to_string(),
            monthly: Range::fixed(ops / 10_000.0 * pr.p("keyVaultPer10kOperations")).cents(),
            usage_based: true,
            basis: format!("{ops} operations at {}/10,000", money(pr.p("keyVaultPer10kOperations"))),
        });
    }
    if let NetworkPosture::PrivateEndpoints { endpoints, zones, .. } = &plan.network {
        for e in endpoints {
            lines.push(Line {
                kind: "Microsoft.Network/privateEndpoints".into(),
                name: e.name.to_string(),
                monthly: Range::fixed(pr.p("privateEndpointPerHour") * hours).cents(),
                usage_based: false,
                basis: format!(
                    "{}/hour (data processed not included)",
                    money(pr.p("privateEndpointPerHour"))
                ),
            });
        }
        for z in zones {
            lines.push(Line {
                kind: "Microsoft.Network/privateDnsZones".into(),
                name: z.service.public_cloud_name().to_string(),
                monthly: Range::fixed(pr.p("privateDnsZonePerMonth")).cents(),
                usage_based: false,
                basis: format!("{} a zone", money(pr.p("privateDnsZonePerMonth"))),
            });
        }
    }
    if let Some(a) = &plan.alerts {
        for app in &a.per_app {
            for name in [&app.errors, &app.latency] {
                lines.push(Line {
                    kind: "Microsoft.Insights/metricAlerts".into(),
                    name: name.to_string(),
                    monthly: Range::fixed(pr.p("metricAlertPerMonth")).cents(),
                    usage_based: false,
                    basis: format!("one time series at {}", money(pr.p("metricAlertPerMonth"))),
                });
            }
        }
    }
    for t in &plan.availability_tests {
        let runs = 30.0 * 24.0 * 3600.0 / f64::from(t.frequency.max(1)) * t.locations.len() as f64;
        lines.push(Line {
            kind: "Microsoft.Insights/webtests".into(),
            name: t.name.to_string(),
            monthly: Range::fixed(runs * pr.p("availabilityTestPerExecution")).cents(),
            usage_based: false,
            basis: format!(
                "every {}s from {} locations: {runs} runs at {}",
                t.frequency,
                t.locations.len(),
                pr.p("availabilityTestPerExecution")
            ),
        });
    }
    let total = lines.iter().fold(Range::default(), |t, l| t.add(l.monthly)).cents();
    let reserved = (plan.tier.is_production() && reservable > 0.0).then(|| Reserved {
        pay_as_you_go: (reservable * 100.0).round() / 100.0,
        one_year_saving: (reservable * pr.p("cosmosReserved1YearSaving") * 100.0).round() / 100.0,
        three_year_saving: (reservable * pr.p("cosmosReserved3YearSaving") * 100.0).round() / 100.0,
    });
    Estimate {
        currency: pr.text("currency"),
        prices_date: pr.text("date"),
        region: pr.text("region"),
        lines,
        total,
        cosmos_provisioned_throughput: provisioned.cents(),
        throughput_choices: choices,
        reserved,
        assumptions: pr.table["assumptions"].clone(),
        basis: format!(
            "list prices of {} ({}, {}) from atakora-azure/prices.json, {} hours a month; usage-based lines assume the usage in `assumptions`. An estimate, not a quote.",
            pr.text("date"),
            pr.text("region"),
            pr.text("currency"),
            hours
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_price_table_parses_and_every_price_has_a_source() {
        let v: Value = serde_json::from_str(PRICES).expect("prices.json is JSON");
        assert!(v["date"].as_str().is_some_and(|d| d.len() == 10));
        for (k, p) in v["prices"].as_object().expect("prices") {
            assert!(p["value"].as_f64().is_some(), "{k}");
            assert!(p["source"].as_str().is_some_and(|s| s.starts_with("https://")), "{k}");
        }
    }
}
