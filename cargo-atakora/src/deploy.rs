//! `cargo atakora deploy` and `cargo atakora accept`.
//!
//! A deployment: validate; refuse production unless the same commit reached a non-production
//! environment first; write the templates; build the packages; check the prerequisites (the
//! `az` login, the resource group, the resource providers the template needs); run
//! `az deployment group what-if` and show it; ask (unless `--yes`); create the deployment;
//! upload the packages; poll the health endpoint; record the deployed state in atakora.lock.

use crate::app::App;
use crate::az::{Az, args};
use crate::ui::Ui;
use crate::{DeployArgs, Failure, Result, package};
use atakora::build::{self, EmitOptions, LockOptions, read_lock, write_lock};
use atakora_core::lock::{self, Record, RecordedBy};
use atakora_core::plan::{AppRole, Tier};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// The git commit of `dir`'s checkout, when it is one.
pub fn git_commit(dir: &Path) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|c| !c.is_empty())
}

/// The ARM deployment's name: `atakora-<backend>-<env>[-<commit>]`, at most 64 characters.
fn deployment_name(backend: &str, env: &str, commit: Option<&str>) -> String {
    let mut n = format!("atakora-{backend}-{env}");
    if let Some(c) = commit {
        n.push('-');
        n.push_str(c.get(..7).unwrap_or(c));
    }
    n.chars().take(64).collect()
}

/// The deployment of part `index` (0-based) of a split template: `<name>`, `<name>-p2`, ...,
/// at most 64 characters.
fn part_name(name: &str, index: usize) -> String {
    match index {
        0 => name.to_string(),
        k => {
            let tail = format!("-p{}", k + 1);
            format!("{}{tail}", name.chars().take(64 - tail.len()).collect::<String>())
        }
    }
}

/// Run `deploy`.
pub fn run(ui: &Ui, app: &App, a: &DeployArgs) -> Result<()> {
    let az = Az { dry_run: a.dry_run };
    let project = app.load(Some(&a.env))?;
    if project.errors().next().is_some() {
        for f in project.errors() {
            ui.line(f.render(ui.color).trim_end());
            ui.line("");
        }
        return Err(Failure::new(format!("not deploying `{}`: fix the errors above", a.env)));
    }
    let plans: Vec<&atakora::Plan> = project
        .plans
        .iter()
        .filter(|p| a.backend.as_deref().is_none_or(|b| b == p.backend_id()))
        .collect();
    if plans.is_empty() {
        return Err(Failure::new(match &a.backend {
            Some(b) => format!("no backend `{b}` declares the environment `{}`", a.env),
            None => format!("no backend declares the environment `{}`", a.env),
        }));
    }
    let commit = git_commit(&app.dir);
    // Non-production first.
    if Tier::of(&a.env).is_production() && !a.allow_direct_production {
        for p in &plans {
            check_promoted(&project.lock, p, commit.as_deref())?;
        }
    }
    // The templates, exactly as `cargo build` writes them.
    let out = app.out_dir();
    build::write_project(
        &project,
        &EmitOptions {
            manifest_dir: app.dir.clone(),
            crate_name: app.name.clone(),
            out_dir: out.clone(),
            lock: Some(LockOptions {
                file: app.lock_file(),
                accept_changes: false,
            }),
        },
    )?;
    let packages = if plans.iter().any(|p| !p.model().function_apps.is_empty()) {
        if a.dry_run {
            let features = a
                .features
                .as_deref()
                .map(|f| format!(" --features '{f}'"))
                .unwrap_or_default();
            ui.line(&format!(
                "# the apps' packages are built first: cargo atakora package --env {}{features}",
                a.env
            ));
            Vec::new()
        } else {
            ui.step("building the deployment packages");
            package::run(ui, app, &a.env, a.handler.clone(), a.features.clone())?
        }
    } else {
        Vec::new()
    };
    ui.step("checking prerequisites");
    let account = az.json(&args(&["account", "show", "--output", "json"])).map_err(|f| {
        Failure::new(format!(
            "{}\nhelp: sign in with `az login` (or `azure/login` in CI)",
            f.message
        ))
    })?;
    if !a.dry_run {
        ui.line(&format!(
            "  signed in as {} to subscription {} ({})",
            account["user"]["name"].as_str().unwrap_or("?"),
            account["name"].as_str().unwrap_or("?"),
            account["id"].as_str().unwrap_or("?")
        ));
    }
    let group = az
        .json(&args(&["group", "show", "--name", &a.resource_group, "--output", "json"]))
        .map_err(|f| {
            let location = plans
                .first()
                .and_then(|p| p.model().location.clone())
                .unwrap_or_else(|| "<region>".to_string());
            Failure::new(format!(
                "{}\nhelp: create the resource group first: `az group create --name {} --location {location}` (one resource group per environment)",
                f.message, a.resource_group
            ))
        })?;
    let rg_id = group["id"].as_str().unwrap_or_default().to_string();
    if !a.dry_run {
        ui.line(&format!(
            "  resource group {} in {}",
            a.resource_group,
            group["location"].as_str().unwrap_or("?")
        ));
    }
    let mut namespaces = BTreeSet::new();
    for p in &plans {
        resource_namespaces(&p.to_arm(), &mut namespaces);
        if p.model().network.vnet().is_some() {
            // Flex Consumption's VNet integration delegates the subnet to Microsoft.App.
            namespaces.insert("Microsoft.App".to_string());
        }
    }
    let mut unregistered = Vec::new();
    for ns in &namespaces {
        let state = az.run(&args(&[
            "provider",
            "show",
            "--namespace",
            ns,
            "--query",
            "registrationState",
            "--output",
            "tsv",
        ]))?;
        if !a.dry_run && state.trim() != "Registered" {
            unregistered.push(ns.clone());
        }
    }
    if !unregistered.is_empty() {
        return Err(Failure::new(format!(
            "resource providers not registered in this subscription: {}\nhelp: {}",
            unregistered.join(", "),
            unregistered
                .iter()
                .map(|n| format!("az provider register --namespace {n} --wait"))
                .collect::<Vec<_>>()
                .join("; ")
        )));
    }
    // What-if, per backend (of its first part: the later parts refer to what the earlier
    // ones create, so Azure checks them as they are deployed).
    let mut total_changes = 0;
    let mut deployments = Vec::new();
    for p in &plans {
        let dir = out.join(p.backend_id()).join(p.environment());
        let name = deployment_name(p.backend_id(), p.environment(), commit.as_deref());
        // One deployment per template part, in order, each with the one parameters file (and
        // the API's audience where the part declares `apiAudience`).
        let mut parts: Vec<(String, Vec<String>)> = Vec::new();
        for (k, (file, _)) in p.rendered().templates().enumerate() {
            let name = part_name(&name, k);
            let mut common = vec![
                "--resource-group".to_string(),
                a.resource_group.clone(),
                "--name".to_string(),
                name.clone(),
                "--template-file".to_string(),
                dir.join(&file).display().to_string(),
                "--parameters".to_string(),
                format!("@{}", dir.join("azuredeploy.parameters.json").display()),
            ];
            common.extend(audience_parameter(
                &dir.join(&file),
                p.backend_id(),
                a.api_audience.as_deref(),
            )?);
            parts.push((name, common));
        }
        ui.step(&format!("what-if: {} → {}", p.backend_id(), a.resource_group));
        if parts.len() > 1 {
            ui.line(&format!(
                "  the template is in {} parts (ARM's limits): deployed in order; what-if shows the first",
                parts.len()
            ));
        }
        let mut what_if = args(&["deployment", "group", "what-if"]);
        what_if.extend(parts[0].1.iter().cloned());
        what_if.extend(args(&["--no-pretty-print", "--output", "json"]));
        let result = ui.progress("asking Azure what would change", || az.json(&what_if))?;
        if !a.dry_run {
            total_changes += show_what_if(ui, &result);
        }
        deployments.push((p, parts));
    }
    if a.what_if {
        return Ok(());
    }
    if !a.dry_run && !a.yes {
        if !ui.tty || !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            return Err(Failure::new(
                "not deploying without confirmation: no terminal to ask on; pass --yes to deploy (or --what-if to only look)",
            ));
        }
        if !ui.confirm(&format!(
            "Deploy {} change(s) to resource group `{}`?",
            total_changes, a.resource_group
        )) {
            return Err(Failure::new("not deployed"));
        }
    }
    for (p, parts) in &deployments {
        // The outputs are the last part's (everything exists by then).
        let mut result = Value::Null;
        for (name, common) in parts {
            ui.step(&format!(
                "deploying {} to {} ({name})",
                p.backend_id(),
                a.resource_group
            ));
            let mut create = args(&["deployment", "group", "create"]);
            create.extend(common.iter().cloned());
            create.extend(args(&["--output", "json"]));
            result = ui.progress("Azure is creating the resources (this takes minutes)", || {
                az.json(&create)
            })?;
            let state = result["properties"]["provisioningState"]
                .as_str()
                .unwrap_or("Succeeded");
            if !a.dry_run && state != "Succeeded" {
                return Err(Failure::new(format!("deployment `{name}` ended in state {state}")));
            }
        }
        let outputs = &result["properties"]["outputs"];
        let model = p.model();
        let suffix = atakora_core::naming::suffix_for(&rg_id);
        for (key, zip) in packages
            .iter()
            .filter(|(b, _, _)| b == p.backend_id())
            .map(|(_, k, z)| (k, z))
        {
            let Some(fa) = model.function_apps.iter().find(|f| &f.key == key) else {
                continue;
            };
            let app_name = if a.dry_run {
                fa.name.to_string()
            } else {
                model
                    .final_name(fa.id, &rg_id, &suffix)
                    .unwrap_or_else(|| fa.name.to_string())
            };
            ui.progress(&format!("uploading and activating the package of {app_name}"), || {
                az.run(&upload_args(&a.resource_group, &app_name, zip))
            })?;
        }
        // A dry run builds no package: it shows the upload of every app's package (API and
        // functions apps), where `package` writes it.
        if a.dry_run {
            for fa in &model.function_apps {
                let zip = package::zip_path(app, p.backend_id(), &a.env, &fa.key);
                az.run(&upload_args(&a.resource_group, &fa.name.to_string(), &zip))?;
            }
        }
        if let Some(api) = model.api_app().filter(|f| matches!(f.role, AppRole::CrudApis { .. })) {
            let base = outputs["apiBaseUrl"]["value"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| {
                    format!(
                        "https://{}.azurewebsites.net/api",
                        if a.dry_run {
                            api.name.to_string()
                        } else {
                            model
                                .final_name(api.id, &rg_id, &suffix)
                                .unwrap_or_else(|| api.name.to_string())
                        }
                    )
                });
            let root = base.trim_end_matches('/').trim_end_matches("/api").to_string();
            let path = model
                .availability_tests
                .first()
                .map(|t| t.path.clone())
                .unwrap_or_else(|| atakora_core::contract::DEFAULT_HEALTH_PATH.to_string());
            poll_health(ui, &az, &format!("{root}{path}"), a)?;
        }
    }
    if a.dry_run {
        ui.line(&format!("# then atakora.lock records `{}` as deployed", a.env));
        return Ok(());
    }
    let file = app.lock_file();
    let mut state = read_lock(&file)?;
    for p in &plans {
        state = lock::record(
            &state,
            p.model(),
            Record {
                by: RecordedBy::Deploy,
                commit: commit.clone(),
                resource_group: Some(a.resource_group.clone()),
            },
        );
    }
    write_lock(&file, &state)?;
    ui.line(&format!(
        "{} deployed `{}` to `{}`; recorded in {} (commit it)",
        ui.green(&ui.bold("ok:")),
        a.env,
        a.resource_group,
        file.display()
    ));
    Ok(())
}

/// The resource providers a template's resources (nested deployments' too) belong to, less the
/// ones every subscription has registered.
fn resource_namespaces(template: &Value, out: &mut BTreeSet<String>) {
    for r in template["resources"].as_array().into_iter().flatten() {
        if let Some(ns) = r["type"].as_str().and_then(|t| t.split('/').next())
            && !["Microsoft.Resources", "Microsoft.Authorization"].contains(&ns)
        {
            out.insert(ns.to_string());
        }
        resource_namespaces(&r["properties"]["template"], out);
    }
}

/// `az functionapp deployment source config-zip`: Flex Consumption's one deploy uploads the
/// package to the app's deployment container and activates it.
fn upload_args(resource_group: &str, app: &str, zip: &Path) -> Vec<String> {
    args(&[
        "functionapp",
        "deployment",
        "source",
        "config-zip",
        "--resource-group",
        resource_group,
        "--name",
        app,
        "--src",
        &zip.display().to_string(),
    ])
}

/// Production only after the same commit was deployed to a non-production environment.
fn check_promoted(state: &lock::Lock, p: &atakora::Plan, commit: Option<&str>) -> Result<()> {
    let Some(commit) = commit else {
        return Err(Failure::new(format!(
            "refusing to deploy the production environment `{}` of `{}`: not a git checkout, so atakora cannot tell whether this code was deployed to a non-production environment first\nhelp: deploy from a git checkout, or pass --allow-direct-production",
            p.environment(),
            p.backend_id()
        )));
    };
    let promoted = p.model().spec.environments.iter().any(|e| {
        !Tier::of(e).is_production()
            && state
                .deployments
                .get(&format!("{}/{e}", p.backend_id()))
                .and_then(|d| d.recorded.as_ref())
                .is_some_and(|r| r.by == RecordedBy::Deploy && r.commit.as_deref() == Some(commit))
    });
    if promoted {
        return Ok(());
    }
    let others: Vec<String> = p
        .model()
        .spec
        .environments
        .iter()
        .filter(|e| !Tier::of(e).is_production())
        .map(|e| format!("`{e}`"))
        .collect();
    Err(Failure::new(format!(
        "refusing to deploy the production environment `{}` of `{}`: commit {} was not deployed to a non-production environment ({}) first\nhelp: `cargo atakora deploy --env {} --resource-group <rg>` first, or pass --allow-direct-production",
        p.environment(),
        p.backend_id(),
        commit.get(..12).unwrap_or(commit),
        if others.is_empty() {
            "the backend declares none".to_string()
        } else {
            others.join(", ")
        },
        p.model()
            .spec
            .environments
            .iter()
            .find(|e| !Tier::of(e).is_production())
            .map(|e| e.to_string())
            .unwrap_or_else(|| "dev".into())
    )))
}

/// Print what-if's changes; returns how many resources change.
fn show_what_if(ui: &Ui, result: &Value) -> usize {
    let changes = result["changes"].as_array().cloned().unwrap_or_default();
    let mut n = 0;
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for c in &changes {
        let kind = c["changeType"].as_str().unwrap_or("Unsupported").to_string();
        *counts.entry(kind.clone()).or_default() += 1;
        let (mark, shown) = match kind.as_str() {
            "Create" => (ui.green("+ create"), true),
            "Delete" => (ui.red("- delete"), true),
            "Modify" => (ui.yellow("~ modify"), true),
            "Deploy" => (ui.yellow("! deploy"), true),
            _ => (String::new(), false),
        };
        if shown {
            n += 1;
            let id = c["resourceId"].as_str().unwrap_or_default();
            let short = id.split("/providers/").last().unwrap_or(id);
            ui.line(&format!("  {mark} {short}"));
        }
    }
    let summary: Vec<String> = counts
        .iter()
        .map(|(k, v)| format!("{v} {}", k.to_ascii_lowercase()))
        .collect();
    ui.line(&format!(
        "  {}",
        if summary.is_empty() {
            "no changes".to_string()
        } else {
            summary.join(", ")
        }
    ));
    n
}

/// The template parameter of the CRUD APIs' token audience, as the template names it.
const AUDIENCE_PARAMETER: &str = "apiAudience";

/// `--parameters apiAudience=<uri>` when `--api-audience` is given and the template takes it;
/// a failure, before anything is deployed, when the template needs it and has no default.
fn audience_parameter(template: &std::path::Path, backend: &str, given: Option<&str>) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(template)
        .map_err(|e| Failure::new(format!("cannot read {}: {e}", template.display())))?;
    let t: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| Failure::new(format!("{} is not JSON: {e}", template.display())))?;
    let Some(parameter) = t["parameters"].get(AUDIENCE_PARAMETER) else {
        return Ok(Vec::new());
    };
    match given {
        Some(uri) => Ok(vec!["--parameters".to_string(), format!("{AUDIENCE_PARAMETER}={uri}")]),
        None if parameter.get("defaultValue").is_some() => Ok(Vec::new()),
        None => Err(Failure::new(format!(
            "backend `{backend}` requires Entra ID tokens and names no audience\nhelp: pass --api-audience <application ID URI or client id> (see docs/runtime.md#authentication to create the app registration), or declare `auth(entra(audience = \"api://...\"))`"
        ))),
    }
}

fn poll_health(ui: &Ui, az: &Az, url: &str, a: &DeployArgs) -> Result<()> {
    let call = args(&[
        "rest",
        "--method",
        "get",
        "--url",
        url,
        "--skip-authorization-header",
        "--output",
        "json",
    ]);
    if az.dry_run {
        az.run(&call)?;
        return Ok(());
    }
    let mut last = String::new();
    for attempt in 1..=a.health_attempts.max(1) {
        match az.run(&call) {
            Ok(_) => {
                ui.line(&format!("  {} {url} answers (attempt {attempt})", ui.green("healthy:")));
                return Ok(());
            }
            Err(f) => last = f.message,
        }
        ui.line(&format!("  waiting for {url} ({attempt}/{})", a.health_attempts));
        std::thread::sleep(std::time::Duration::from_secs(a.health_interval));
    }
    Err(Failure::new(format!(
        "the deployment succeeded but {url} did not answer after {} attempts: {last}\nhelp: the app's logs are in Application Insights; the lock is not updated until a deployment is healthy",
        a.health_attempts
    )))
}

/// Run `accept`: record the current plans of `env` as deployed.
pub fn accept(ui: &Ui, app: &App, env: &str, resource_group: Option<String>) -> Result<()> {
    let project = app.load(Some(env))?;
    let non_lock_errors: Vec<_> = project
        .errors()
        .filter(|f| {
            !matches!(
                f.diagnostic.code,
                atakora_core::Code::LockedRename | atakora_core::Code::LockedImmutable
            )
        })
        .collect();
    if !non_lock_errors.is_empty() {
        for f in non_lock_errors {
            ui.line(f.render(ui.color).trim_end());
        }
        return Err(Failure::new("not recording plans that have errors"));
    }
    let file = app.lock_file();
    let mut state = read_lock(&file)?;
    for p in &project.plans {
        let key = lock::deployment_key(p.model());
        let rg = resource_group.clone().or_else(|| {
            state
                .deployments
                .get(&key)
                .and_then(|d| d.recorded.as_ref())
                .and_then(|r| r.resource_group.clone())
        });
        state = lock::record(
            &state,
            p.model(),
            Record {
                by: RecordedBy::Accept,
                commit: git_commit(&app.dir),
                resource_group: rg,
            },
        );
        ui.line(&format!("recorded `{key}` as deployed"));
    }
    write_lock(&file, &state)?;
    ui.line(&format!(
        "{} {} updated (commit it)",
        ui.green(&ui.bold("ok:")),
        file.display()
    ));
    Ok(())
}
