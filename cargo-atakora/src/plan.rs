//! `cargo atakora plan`: per backend and environment, the tree of resources (type, final name,
//! key settings), what changed since the deployment recorded in `atakora.lock`, the resource
//! count, the estimated monthly cost per resource and in total, the serverless/provisioned
//! decision and the reserved-capacity saving, and the budget when the backend declares one.

use crate::app::{App, pretty};
use crate::ui::Ui;
use crate::{Failure, Format, Result};
use atakora::build::Finding;
use atakora_azure::cost;
use atakora_core::lock::{self, DeploymentState};
use serde_json::{Value, json};

/// The JSON format's version (`docs/cli.md` documents it).
pub const JSON_VERSION: u32 = 1;

/// Above this many resources, `plan` suggests splitting the backend into groups of related
/// components.
pub const SPLIT_ADVICE: usize = 50;

/// Run `plan`.
pub fn run(ui: &Ui, app: &App, env: Option<&str>, rg_id: Option<&str>, format: Format) -> Result<()> {
    let project = app.load(env)?;
    if project.plans.is_empty() {
        for f in project.errors() {
            ui.line(f.render(ui.color).trim_end());
        }
        return Err(Failure::new("no plan resolved: fix the errors above"));
    }
    let rg_id = rg_id.map(|id| id.trim_end_matches('/'));
    if let Some(id) = rg_id
        && !id.to_ascii_lowercase().starts_with("/subscriptions/")
    {
        return Err(Failure::new(format!(
            "`{id}` is not a resource group id: expected `/subscriptions/<id>/resourceGroups/<name>` (`az group show -n <name> --query id -o tsv`)"
        )));
    }
    let mut out = Vec::new();
    for plan in &project.plans {
        out.push(describe(&project.lock, plan, rg_id, &project.findings));
    }
    match format {
        Format::Json => println!(
            "{}",
            pretty(&json!({ "version": JSON_VERSION, "crate": app.name, "plans": out }))
        ),
        Format::Human => {
            for p in &out {
                human(ui, p);
            }
            let errors = project.errors().count();
            if errors > 0 {
                ui.line(&ui.red(&format!(
                    "{errors} error(s): `cargo atakora validate` shows them; the build writes no templates until they are fixed"
                )));
            }
        }
    }
    if project.errors().next().is_some() {
        return Err(Failure {
            message: String::new(),
            status: 1,
        });
    }
    Ok(())
}

/// The JSON description of one plan.
pub fn describe(lock_state: &lock::Lock, plan: &atakora::Plan, rg_id: Option<&str>, findings: &[Finding]) -> Value {
    let model = plan.model();
    let manifest = plan.manifest();
    let rows = manifest["resources"].as_array().cloned().unwrap_or_default();
    let finals = rg_id.map(|id| (id, atakora_core::naming::suffix_for(id)));
    let full_name = |id: usize| -> String {
        let mut parts = vec![model.named[id].name.to_string()];
        let mut p = model.named[id].parent;
        while let Some(i) = p {
            parts.push(model.named[i].name.to_string());
            p = model.named[i].parent;
        }
        parts.reverse();
        parts.join("/")
    };
    let estimate = cost::estimate(model);
    // The manifest lists the record family by family, in record order within each: the n-th
    // record of a (type, name, parent) is the n-th such row.
    let mut used = vec![false; rows.len()];
    let resources: Vec<Value> = model
        .named
        .iter()
        .enumerate()
        .map(|(id, r)| {
            let name = r.name.to_string();
            let parent = r.parent.map(full_name);
            let found = rows.iter().enumerate().position(|(i, row)| {
                !used[i]
                    && row["type"] == r.kind.arm_type()
                    && row["name"] == name.as_str()
                    && row["parent"].as_str() == parent.as_deref()
            });
            if let Some(i) = found {
                used[i] = true;
            }
            let row = found.map(|i| &rows[i]);
            let mut v = json!({ "id": id, "type": r.kind.arm_type(), "name": name });
            if let Some(p) = r.parent {
                v["parent"] = json!(p);
            }
            // Names derived from a principal id are known only once Azure creates it.
            if let Some((rg, suffix)) = &finals
                && let Some(n) = model.final_name(id, rg, suffix)
            {
                v["finalName"] = json!(n);
            }
            if let Some(row) = row {
                if !row["component"].is_null() {
                    v["component"] = row["component"].clone();
                }
                if !row["detail"].is_null() {
                    v["settings"] = row["detail"].clone();
                }
            }
            if let Some(line) = estimate
                .lines
                .iter()
                .find(|l| l.kind == r.kind.arm_type() && l.name == name)
            {
                v["monthlyCost"] = json!(line.monthly);
            }
            v
        })
        .collect();
    let key = lock::deployment_key(model);
    let planned = DeploymentState::of(model);
    let changes = match lock_state.deployments.get(&key) {
        Some(locked) => {
            let c = lock::changes(&key, locked, &planned);
            json!({
                "deployed": true,
                "recorded": locked.recorded,
                "added": c.added,
                "removed": c.removed,
                "refused": c.refused,
            })
        }
        None => json!({ "deployed": false }),
    };
    let count = manifest["templateResources"].as_u64().unwrap_or(0) as usize;
    let warnings: Vec<&Finding> = findings
        .iter()
        .filter(|f| !f.diagnostic.is_error())
        .filter(|f| f.environments.is_empty() || f.environments.iter().any(|e| e == plan.environment()))
        .filter(|f| {
            f.diagnostic
                .subject
                .as_ref()
                .and_then(|s| s.backend.as_deref())
                .is_none_or(|b| b == model.backend_type)
        })
        .collect();
    let mut v = json!({
        "backend": plan.backend_id(),
        "type": model.backend_type,
        "environment": plan.environment(),
        "tier": if model.tier.is_production() { "production" } else { "non-production" },
        "location": model.location,
        "resourceGroupId": rg_id,
        "templateResources": count,
        "recordedResources": model.named.len(),
        "resources": resources,
        "changes": changes,
        "cost": estimate,
        "warnings": warnings,
    });
    if let Some(b) = budget(&plan.to_arm()) {
        v["budget"] = b;
    }
    v
}

/// The budget resource of a template (`Microsoft.Consumption/budgets`), when it has one.
fn budget(template: &Value) -> Option<Value> {
    let r = template["resources"]
        .as_array()?
        .iter()
        .find(|r| r["type"] == "Microsoft.Consumption/budgets")?;
    let p = &r["properties"];
    let thresholds: Vec<Value> = p["notifications"]
        .as_object()
        .into_iter()
        .flat_map(|n| n.values())
        .map(|n| n["threshold"].clone())
        .collect();
    Some(json!({
        "name": r["name"],
        "amount": p["amount"],
        "timeGrain": p["timeGrain"],
        "thresholds": thresholds,
    }))
}

fn money(v: &Value) -> String {
    let (min, max) = (v["min"].as_f64().unwrap_or(0.0), v["max"].as_f64().unwrap_or(0.0));
    if (min - max).abs() < 0.005 {
        format!("${max:.2}")
    } else {
        format!("${min:.2}–${max:.2}")
    }
}

fn settings(v: &Value) -> String {
    let Some(o) = v.as_object() else { return String::new() };
    o.iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn human(ui: &Ui, p: &Value) {
    ui.line(&ui.bold(&format!(
        "{} ({}) · {} · {} · {}",
        p["backend"].as_str().unwrap_or_default(),
        p["type"].as_str().unwrap_or_default(),
        p["environment"].as_str().unwrap_or_default(),
        p["tier"].as_str().unwrap_or_default(),
        p["location"].as_str().unwrap_or("the resource group's region")
    )));
    let resources = p["resources"].as_array().cloned().unwrap_or_default();
    fn walk(ui: &Ui, all: &[Value], parent: Option<u64>, prefix: &str) {
        let kids: Vec<&Value> = all.iter().filter(|r| r["parent"].as_u64() == parent).collect();
        for (i, r) in kids.iter().enumerate() {
            let last = i + 1 == kids.len();
            let branch = if last { "└─ " } else { "├─ " };
            let name = r["finalName"].as_str().or(r["name"].as_str()).unwrap_or_default();
            let mut line = format!(
                "{prefix}{branch}{} {}",
                ui.bold(name),
                ui.dim(r["type"].as_str().unwrap_or_default())
            );
            if let Some(c) = r["component"].as_str() {
                line.push_str(&format!(" [{c}]"));
            }
            let s = settings(&r["settings"]);
            if !s.is_empty() {
                line.push_str(&format!(" {s}"));
            }
            if !r["monthlyCost"].is_null() {
                line.push_str(&format!(" {}", ui.green(&money(&r["monthlyCost"]))));
            }
            ui.line(&line);
            let next = format!("{prefix}{}", if last { "   " } else { "│  " });
            walk(ui, all, r["id"].as_u64(), &next);
        }
    }
    walk(ui, &resources, None, "  ");
    if p["resourceGroupId"].is_null() {
        ui.line(
            &ui.dim("  names with {suffix} get a per-resource-group suffix: pass --resource-group-id to compute them"),
        );
    }
    // Changes since the recorded deployment.
    let c = &p["changes"];
    if c["deployed"] == true {
        let rec = &c["recorded"];
        let from = match (rec["by"].as_str(), rec["commit"].as_str()) {
            (_, Some(commit)) => format!(" (commit {})", commit.get(..12).unwrap_or(commit)),
            (None, _) => " (by an older atakora, which recorded every build)".to_string(),
            _ => String::new(),
        };
        ui.line(&format!(
            "  changes since the deployment recorded in atakora.lock{from}:"
        ));
        let (added, removed, refused) = (
            c["added"].as_array().cloned().unwrap_or_default(),
            c["removed"].as_array().cloned().unwrap_or_default(),
            c["refused"].as_array().cloned().unwrap_or_default(),
        );
        if added.is_empty() && removed.is_empty() && refused.is_empty() {
            ui.line("    none to stateful resources");
        }
        for a in &added {
            ui.line(&format!(
                "    {} {} (created empty)",
                ui.green("+"),
                a.as_str().unwrap_or_default()
            ));
        }
        for r in &removed {
            ui.line(&format!(
                "    {} {} (no longer in the template; Azure keeps it and its data)",
                ui.yellow("-"),
                r.as_str().unwrap_or_default()
            ));
        }
        for r in &refused {
            ui.line(&format!(
                "    {} {}: {}",
                ui.red("refused"),
                r["code"].as_str().unwrap_or_default(),
                r["message"].as_str().unwrap_or_default()
            ));
        }
    } else {
        ui.line("  not deployed yet (no record in atakora.lock): every resource is new, names may still change");
    }
    let count = p["templateResources"].as_u64().unwrap_or(0);
    let advice = if count as usize > SPLIT_ADVICE {
        ui.yellow(&format!(" — more than {SPLIT_ADVICE}: consider splitting the backend"))
    } else {
        String::new()
    };
    ui.line(&format!("  {count} template resources (ARM allows 800){advice}"));
    for w in p["warnings"].as_array().into_iter().flatten() {
        ui.line(&format!(
            "  {} {}: {}",
            ui.yellow("warning"),
            w["code"].as_str().unwrap_or_default(),
            w["message"].as_str().unwrap_or_default()
        ));
    }
    let cost = &p["cost"];
    ui.line(&format!(
        "  estimated monthly cost: {} {} (prices of {}, {}; usage-based lines assume {} executions a month)",
        ui.bold(&money(&cost["total"])),
        cost["currency"].as_str().unwrap_or_default(),
        cost["pricesDate"].as_str().unwrap_or_default(),
        cost["region"].as_str().unwrap_or_default(),
        cost["assumptions"]["executionsPerMonth"]
    ));
    for ch in cost["throughputChoices"].as_array().into_iter().flatten() {
        ui.line(&format!(
            "    {} ({}): {}",
            ch["account"].as_str().unwrap_or_default(),
            ch["current"].as_str().unwrap_or_default(),
            ch["advice"].as_str().unwrap_or_default()
        ));
        let fixed = ch["provisionedMonthly"].as_f64().unwrap_or(0.0);
        let even = ch["breakEvenUtilizationPercent"].as_f64().unwrap_or(1.0).max(0.1);
        let at = |u: f64| format!("{u}%: ${:.2}", fixed * u / even);
        ui.line(&format!(
            "      side by side: provisioned {} RU/s ${fixed:.2}/month at any use | serverless at an average use of {}, {}, {}",
            ch["provisionedRuPerSecond"],
            at(1.0),
            at(10.0),
            at(50.0)
        ));
    }
    if let Some(r) = cost["reserved"].as_object() {
        ui.line(&format!(
            "    reserved capacity on ${:.2}/month of provisioned throughput saves ${:.2}/month (1 year) or ${:.2}/month (3 years)",
            r["payAsYouGo"].as_f64().unwrap_or(0.0),
            r["oneYearSaving"].as_f64().unwrap_or(0.0),
            r["threeYearSaving"].as_f64().unwrap_or(0.0)
        ));
    }
    match p["budget"].as_object() {
        Some(b) => ui.line(&format!(
            "  budget: {} {} a {} with alerts at {}%",
            b["name"].as_str().unwrap_or_default(),
            b["amount"],
            b["timeGrain"].as_str().unwrap_or("month").to_ascii_lowercase(),
            b["thresholds"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join("%, ")
        )),
        None => ui.line(&ui.dim("  no budget: the template sets no cost alert")),
    }
    ui.line("");
}
