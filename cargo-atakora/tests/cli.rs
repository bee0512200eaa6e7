//! End to end: the built `cargo-atakora` on temporary app crates (and on `examples/shop`),
//! with a fake `az` on `PATH` for deployments.

mod common;

use common::*;
use std::fs;

const NOTES: &str = r#"use atakora::{backend, crud_api, CrudApi};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/ownerId")]
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub id: String,
    pub owner_id: String,
}

#[backend(app = "notes", environments(dev, prod))]
pub struct NotesBackend {
    pub notes: CrudApi<Note>,
}
"#;

#[test]
fn validate_renders_each_mistake_like_rustc_and_fails() {
    let dir = app(
        "cli-broken",
        &NOTES.replace("partition_key = \"/ownerId\"", "partition_key = \"/ownerId\", ttl = 0"),
    );
    let out = cli(&dir, &["validate"], &[]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stdout, "", "human output goes to stderr");
    assert_eq!(
        stderr,
        "error[ATK0110]: `ttl` must be -1 (documents set their own expiry) or 1..=2147483647 seconds (Cosmos DB's longest default, about 68 years), not 0\n --> src/lib.rs:4:46\n  |\n\
         4 | #[crud_api(partition_key = \"/ownerId\", ttl = 0)]\n  |                                              ^\n  |\n  \
         = help: leave `ttl` out to keep items forever, or use `ttl = -1` to let items set their own expiry\n\n\
         failed: `cli-broken`: 1 backend, 0 plans: 1 error, 0 warnings\n"
    );
    assert!(!stderr.contains("\x1b["), "no colours with NO_COLOR");

    let out = cli(&dir, &["validate", "--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["errors"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "ATK0110");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["location"]["file"], "src/lib.rs");
    assert_eq!(d["location"]["line"], 4);
}

#[test]
fn validate_passes_a_good_app_with_a_summary() {
    let dir = app("cli-good", NOTES);
    let out = cli(&dir, &["validate"], &[]);
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stderr.trim(),
        "ok: `cli-good`: 1 backend, 2 plans: 0 errors, 0 warnings"
    );
}

#[test]
fn plan_and_graph_of_the_shop_example() {
    let shop = workspace().join("examples/shop");
    let out = cli(
        &shop,
        &[
            "plan",
            "--env",
            "prod",
            "--format",
            "json",
            "--resource-group-id",
            "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-shop-prod",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out).1);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let plans = v["plans"].as_array().unwrap();
    assert_eq!(plans.len(), 1, "the shop's one backend, prod only");
    let api = &plans[0];
    assert_eq!(api["backend"], "api-backend");
    assert_eq!(api["tier"], "production");
    let cosmos = api["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Microsoft.DocumentDB/databaseAccounts")
        .unwrap();
    assert!(cosmos["finalName"].as_str().unwrap().starts_with("cosno-shop-prod-"));
    assert!(!cosmos["finalName"].as_str().unwrap().contains('{'));
    // 400 shared + 4000 dedicated RU/s at $0.008 per 100 RU/s-hour.
    assert_eq!(api["cost"]["cosmosProvisionedThroughput"]["max"], 256.96);
    assert_eq!(api["cost"]["reserved"]["oneYearSaving"], 51.39);
    assert!(api["cost"]["pricesDate"].as_str().unwrap().len() == 10);

    let out = cli(&shop, &["plan", "--env", "dev"], &[]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("api-backend (ApiBackend) · dev · non-production · eastus"),
        "{stderr}"
    );
    assert!(
        stderr.contains("├─ cosno-shop-dev-{suffix} Microsoft.DocumentDB/databaseAccounts"),
        "{stderr}"
    );
    assert!(stderr.contains("template resources (ARM allows 800)"), "{stderr}");
    assert!(stderr.contains("estimated monthly cost:"), "{stderr}");
    assert!(stderr.contains("side by side: provisioned"), "{stderr}");

    let out = cli(&shop, &["graph"], &[]);
    let (stdout, _) = text(&out);
    assert!(
        stdout.starts_with("flowchart LR\n  subgraph api_backend[\"ApiBackend (api-backend, dev)\"]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("api_backend_app_api -->|Cosmos DB Built-in Data Contributor| api_backend_coll_0_0_0"),
        "{stdout}"
    );
    let md = text(&cli(&shop, &["graph", "--format", "markdown"], &[])).0;
    assert!(md.starts_with("# Architecture of `atakora-example-shop`"));
    assert!(md.contains("### Identities and roles") && md.contains("```mermaid"));
    let dot = text(&cli(&shop, &["graph", "--format", "dot"], &[])).0;
    assert!(dot.starts_with("digraph atakora {"));
}

fn handler(dir: &std::path::Path) -> std::path::PathBuf {
    let h = dir.join("handler.sh");
    fs::write(
        &h,
        "#!/bin/sh\n[ -n \"$ATAKORA_PACKAGE_OUT\" ] && printf 'zip' > \"$ATAKORA_PACKAGE_OUT/released-package.zip\"\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&h, fs::Permissions::from_mode(0o755)).unwrap();
    }
    h
}

/// `az` calls from the log, with the app's folder and target dir shown as `$APP`/`$OUT`.
fn calls(log: &std::path::Path, dir: &std::path::Path) -> Vec<String> {
    let out = dir.join("atakora-out");
    fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            l.replace(&out.display().to_string(), "$OUT")
                .replace(&dir.display().to_string(), "$APP")
        })
        .collect()
}

#[test]
fn deploy_dev_then_prod_with_a_fake_az() {
    let dir = app("cli-deploy", NOTES);
    let h = handler(&dir);
    git_commit_all(&dir);
    let log = dir.join("az.log");
    let env = [("FAKE_AZ_LOG", log.to_str().unwrap())];
    let h = h.to_str().unwrap();
    // A backend that names no token audience needs --api-audience, before anything reaches Azure.
    let bare = |e: &str, rg: &str| {
        cli(
            &dir,
            &["deploy", "--env", e, "--resource-group", rg, "--handler", h, "--yes"],
            &env,
        )
    };
    let out = bare("dev", "rg-notes-dev");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).1.contains("requires Entra ID tokens and names no audience"),
        "{}",
        text(&out).1
    );
    assert!(text(&out).1.contains("--api-audience"), "{}", text(&out).1);
    if log.exists() {
        assert!(!calls(&log, &dir).iter().any(|c| c.contains("deployment group")));
        fs::remove_file(&log).unwrap();
    }
    let deploy = |e: &str, rg: &str, extra: &[&str]| {
        let mut args = vec![
            "deploy",
            "--env",
            e,
            "--resource-group",
            rg,
            "--handler",
            h,
            "--health-interval",
            "0",
            "--api-audience",
            "api://notes-api",
        ];
        args.extend_from_slice(extra);
        cli(&dir, &args, &env)
    };
    // Production first is refused before anything reaches Azure.
    let out = deploy("prod", "rg-notes-prod", &["--yes"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("refusing to deploy the production environment `prod` of `notes-backend`: commit "),
        "{stderr}"
    );
    assert!(
        stderr.contains("was not deployed to a non-production environment (`dev`) first"),
        "{stderr}"
    );
    assert!(!log.exists(), "no az call");

    // Without --yes and without a terminal: what-if, then no deployment.
    let out = deploy("dev", "rg-notes-dev", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).1.contains("pass --yes to deploy"), "{}", text(&out).1);
    assert!(!calls(&log, &dir).iter().any(|c| c.contains("deployment group create")));
    fs::remove_file(&log).unwrap();

    let out = deploy("dev", "rg-notes-dev", &["--yes"]);
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("+ create Microsoft.DocumentDB/databaseAccounts/cosno-notes"),
        "{stderr}"
    );
    assert!(stderr.contains("ok: deployed `dev` to `rg-notes-dev`"), "{stderr}");
    let lock: serde_json::Value = serde_json::from_str(&fs::read_to_string(dir.join("atakora.lock")).unwrap()).unwrap();
    assert_eq!(lock["deployments"]["notes-backend/dev"]["recorded"]["by"], "deploy");
    assert_eq!(
        lock["deployments"]["notes-backend/dev"]["recorded"]["resourceGroup"],
        "rg-notes-dev"
    );
    let dev_calls = calls(&log, &dir);
    fs::remove_file(&log).unwrap();

    let out = deploy("prod", "rg-notes-prod", &["--yes"]);
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let prod_calls = calls(&log, &dir);
    let commit = lock["deployments"]["notes-backend/dev"]["recorded"]["commit"]
        .as_str()
        .unwrap()[..7]
        .to_string();
    let app_name = |env: &str| {
        dev_calls
            .iter()
            .chain(&prod_calls)
            .find_map(|c| {
                c.split("--name ")
                    .nth(1)
                    .filter(|_| c.contains("config-zip"))
                    .filter(|n| n.contains(env))
                    .map(|n| n.split(' ').next().unwrap().to_string())
            })
            .unwrap()
    };
    let expect = |env: &str, rg: &str| {
        vec![
            "az account show --output json".to_string(),
            format!("az group show --name {rg} --output json"),
            "az provider show --namespace Microsoft.DocumentDB --query registrationState --output tsv".into(),
            "az provider show --namespace Microsoft.Insights --query registrationState --output tsv".into(),
            "az provider show --namespace Microsoft.ManagedIdentity --query registrationState --output tsv".into(),
            "az provider show --namespace Microsoft.OperationalInsights --query registrationState --output tsv".into(),
            "az provider show --namespace Microsoft.Storage --query registrationState --output tsv".into(),
            "az provider show --namespace Microsoft.Web --query registrationState --output tsv".into(),
            format!("az deployment group what-if --resource-group {rg} --name atakora-notes-backend-{env}-{commit} --template-file $OUT/notes-backend/{env}/azuredeploy.json --parameters @$OUT/notes-backend/{env}/azuredeploy.parameters.json --parameters apiAudience=api://notes-api --no-pretty-print --output json"),
            format!("az deployment group create --resource-group {rg} --name atakora-notes-backend-{env}-{commit} --template-file $OUT/notes-backend/{env}/azuredeploy.json --parameters @$OUT/notes-backend/{env}/azuredeploy.parameters.json --parameters apiAudience=api://notes-api --output json"),
            format!("az functionapp deployment source config-zip --resource-group {rg} --name {} --src $OUT/notes-backend/{env}/packages/api/released-package.zip", app_name(env)),
            "az rest --method get --url https://func-notes.azurewebsites.net/health --skip-authorization-header --output json".into(),
        ]
    };
    assert_eq!(dev_calls, expect("dev", "rg-notes-dev"));
    assert_eq!(prod_calls, expect("prod", "rg-notes-prod"));
    assert!(app_name("prod").starts_with("func-notes-prod-api-") && !app_name("prod").contains('{'));
    let lock: serde_json::Value = serde_json::from_str(&fs::read_to_string(dir.join("atakora.lock")).unwrap()).unwrap();
    assert_eq!(
        lock["deployments"]["notes-backend/prod"]["recorded"]["resourceGroup"],
        "rg-notes-prod"
    );
    assert!(
        !stderr.contains("removed"),
        "deploying one environment keeps the others' templates: {stderr}"
    );
    assert!(dir.join("atakora-out/notes-backend/dev/azuredeploy.json").is_file());
    // What the note shows: the transcript.
    eprintln!(
        "--- dev ---\n{}\n--- prod ---\n{}",
        dev_calls.join("\n"),
        prod_calls.join("\n")
    );
}

#[test]
fn deploy_dry_run_prints_the_commands_and_runs_none() {
    let dir = app("cli-dry-run", NOTES);
    let log = dir.join("az.log");
    let args = [
        "deploy",
        "--env",
        "dev",
        "--resource-group",
        "rg-x",
        "--dry-run",
        "--api-audience",
        "api://notes-api",
        "--features",
        "azure",
    ];
    let out = cli(&dir, &args, &[("FAKE_AZ_LOG", log.to_str().unwrap())]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    // The packages are built with the features given (the Azure build of the handler).
    assert!(
        stderr.contains("# the apps' packages are built first: cargo atakora package --env dev --features 'azure'"),
        "{stderr}"
    );
    assert!(!log.exists(), "a dry run calls no az");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "az account show --output json");
    assert_eq!(lines[1], "az group show --name rg-x --output json");
    assert!(
        lines.iter().any(
            |l| l.starts_with("az deployment group what-if --resource-group rg-x --name atakora-notes-backend-dev")
        )
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("az deployment group create --resource-group rg-x"))
    );
    assert!(
        lines
            .iter()
            .filter(|l| l.contains("--parameters apiAudience=api://notes-api"))
            .count()
            == 2,
        "{stdout}"
    );
    assert!(lines.iter().any(|l| l.starts_with(
        "az functionapp deployment source config-zip --resource-group rg-x --name 'func-notes-dev-api-{suffix}'"
    )));
    assert!(!dir.join("atakora.lock").exists());
}

#[test]
fn deploy_checks_prerequisites() {
    let dir = app("cli-prereq", NOTES);
    let h = handler(&dir);
    let out = cli(
        &dir,
        &[
            "deploy",
            "--env",
            "dev",
            "--resource-group",
            "rg-missing",
            "--yes",
            "--handler",
            h.to_str().unwrap(),
        ],
        &[("FAKE_AZ_NO_GROUP", "1")],
    );
    let stderr = text(&out).1;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr
            .contains("help: create the resource group first: `az group create --name rg-missing --location <region>`"),
        "{stderr}"
    );
    let out = cli(
        &dir,
        &[
            "deploy",
            "--env",
            "dev",
            "--resource-group",
            "rg",
            "--yes",
            "--handler",
            h.to_str().unwrap(),
        ],
        &[("FAKE_AZ_UNREGISTERED", "Microsoft.DocumentDB")],
    );
    let stderr = text(&out).1;
    assert!(
        stderr.contains("resource providers not registered in this subscription: Microsoft.DocumentDB"),
        "{stderr}"
    );
    assert!(
        stderr.contains("az provider register --namespace Microsoft.DocumentDB --wait"),
        "{stderr}"
    );
}

#[test]
fn accept_records_and_a_later_rename_is_refused_with_the_record() {
    let dir = app("cli-accept", NOTES);
    let out = cli(&dir, &["accept", "--env", "dev", "--resource-group", "rg-dev"], &[]);
    assert!(out.status.success(), "{}", text(&out).1);
    fs::write(
        dir.join("src/lib.rs"),
        NOTES.replace("app = \"notes\"", "app = \"jotter\""),
    )
    .unwrap();
    let out = cli(&dir, &["validate"], &[]);
    let stderr = text(&out).1;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("error[ATK0409]: `notes-backend/dev` was recorded as deployed by `cargo atakora accept` "),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            " to resource group `rg-dev`; the storage account `stnotesdev{suffix}` would become `stjotterdev{suffix}`"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("--> src/lib.rs:13:12"), "at the backend: {stderr}");
    // prod was never recorded: free to change.
    assert!(!stderr.contains("notes-backend/prod"), "{stderr}");
    let plan = text(&cli(&dir, &["plan", "--env", "dev"], &[])).1;
    assert!(plan.contains("refused ATK0409"), "{plan}");
}

#[test]
fn completions_and_help() {
    let dir = workspace();
    let out = cli(&dir, &["completions", "bash"], &[]);
    assert!(out.status.success());
    assert!(text(&out).0.contains("cargo-atakora"));
    let out = cli(&dir, &["--help"], &[]);
    let help = text(&out).0;
    for c in [
        "synth",
        "validate",
        "plan",
        "graph",
        "package",
        "deploy",
        "accept",
        "init",
        "completions",
    ] {
        assert!(help.contains(c), "{help}");
    }
}
