//! `cargo atakora init [NAME]`: a new app crate that builds (its `build.rs` writes the
//! templates), runs, and deploys from GitHub Actions with OIDC federated credentials:
//! test → validate → plan → deploy dev → deploy prod on a version tag.

use crate::ui::Ui;
use crate::{Failure, Result};
use std::path::{Path, PathBuf};

/// The atakora checkout this binary was built from, when it still exists: `init` depends on
/// it by path (atakora is not on a registry yet).
fn checkout() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../atakora");
    p.join("Cargo.toml").is_file().then(|| p.canonicalize().unwrap_or(p))
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

fn camel(name: &str) -> String {
    name.split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Run `init`.
pub fn run(ui: &Ui, name: Option<String>, atakora_path: Option<PathBuf>) -> Result<()> {
    let cwd = std::env::current_dir().map_err(|e| Failure::new(format!("no current folder: {e}")))?;
    let (dir, name) = match name {
        Some(n) => (cwd.join(&n), n),
        None => {
            let n = cwd.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            (cwd.clone(), n)
        }
    };
    if !valid_name(&name) {
        return Err(Failure::new(format!(
            "`{name}` is not a crate name: use letters, digits, `-` and `_`, starting with a letter"
        )));
    }
    if dir.join("Cargo.toml").exists() {
        return Err(Failure::new(format!("{} already has a Cargo.toml", dir.display())));
    }
    let dep = match atakora_path.map(|p| p.canonicalize().unwrap_or(p)).or_else(checkout) {
        Some(p) => format!(
            "{{ version = \"{}\", path = \"{}\" }}",
            env!("CARGO_PKG_VERSION"),
            p.display()
        ),
        None => format!("\"{}\"", env!("CARGO_PKG_VERSION")),
    };
    let krate = name.replace('-', "_");
    let backend = format!("{}Backend", camel(&name));
    for (path, text) in files(&name, &krate, &backend, &dep) {
        let p = dir.join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Failure::new(format!("{}: {e}", parent.display())))?;
        }
        std::fs::write(&p, text).map_err(|e| Failure::new(format!("{}: {e}", p.display())))?;
        ui.line(&format!(
            "  {} {}",
            ui.green("created"),
            p.strip_prefix(&cwd).unwrap_or(&p).display()
        ));
    }
    if let Some(ws) = dir
        .ancestors()
        .skip(1)
        .map(|d| d.join("Cargo.toml"))
        .find(|m| std::fs::read_to_string(m).is_ok_and(|t| t.lines().any(|l| l.trim() == "[workspace]")))
    {
        ui.line(&format!(
            "note: {} is inside the workspace {}: add it to its `members`, or add an empty `[workspace]` table to its Cargo.toml to build it on its own",
            dir.display(),
            ws.display()
        ));
    }
    ui.line(&format!(
        "{} `{name}`: `cd {}` then `cargo build` (templates in target/atakora/{}/), `cargo run`, `cargo atakora plan`",
        ui.green(&ui.bold("ok:")),
        dir.strip_prefix(&cwd).unwrap_or(&dir).display(),
        atakora_core::spec::kebab_case(&backend)
    ));
    Ok(())
}

/// The crate's files.
fn files(name: &str, krate: &str, backend: &str, dep: &str) -> Vec<(&'static str, String)> {
    let dep_with = |extra: &str| {
        if dep.starts_with('{') {
            dep.replacen(" }", &format!("{extra} }}"), 1)
        } else {
            format!("{{ version = {dep}{extra} }}")
        }
    };
    let cargo_toml = format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
atakora = {runtime}
serde = {{ version = "1", features = ["derive"] }}

[build-dependencies]
atakora = {build}
"#,
        runtime = dep_with(", features = [\"serve\"]"),
        build = dep_with(", features = [\"build\"]"),
    );
    let lib = format!(
        r#"//! The `{name}` backend: one CRUD API over Cosmos DB, deployed to a dev and a prod
//! environment. `cargo build` writes its templates; `cargo atakora plan` shows them.

use atakora::{{CrudApi, backend, crud_api}};
use serde::{{Deserialize, Serialize}};

/// A note, partitioned by its owner.
#[crud_api(partition_key = "/ownerId", ttl = -1)]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {{
    pub id: String,
    pub owner_id: String,
    pub text: String,
}}

/// What gets deployed: every component shares one Cosmos DB account and one Function App.
/// Callers need Entra ID tokens for the `api://{app}-api` app registration (docs/runtime.md,
/// "Authentication", creates it); locally only when `ATAKORA_AUTH_ISSUER` is set.
#[backend(app = "{app}", environments(dev, prod), auth(entra(audience = "api://{app}-api")))]
pub struct {backend} {{
    pub notes: CrudApi<Note>,
}}
"#,
        app = name.replace('_', "-").to_ascii_lowercase(),
    );
    let main = format!(
        r#"//! `cargo run` serves the backend's CRUD APIs on http://127.0.0.1:7071 (SQLite locally); in
//! Azure the same binary is the Function App's custom handler.

fn main() -> std::process::ExitCode {{
    atakora::serve::<{krate}::{backend}>()
}}
"#
    );
    let build = "fn main() {\n    atakora::build::emit();\n}\n".to_string();
    let gitignore = "/target\n/.atakora\n".to_string();
    vec![
        ("Cargo.toml", cargo_toml),
        ("build.rs", build),
        ("src/lib.rs", lib),
        ("src/main.rs", main),
        (".gitignore", gitignore),
        (".github/workflows/deploy.yml", workflow()),
    ]
}

fn workflow() -> String {
    r#"# test → validate → plan → deploy dev → deploy prod on a version tag (v1.2.3).
#
# Azure sign-in uses OIDC federated credentials, never a client secret: create an app
# registration (or a user-assigned identity) with federated credentials for this repository's
# `dev` and `prod` GitHub environments, give it Contributor and User Access Administrator (or
# Role Based Access Control Administrator) on each environment's resource group — the templates
# create role assignments — and set these repository variables: AZURE_CLIENT_ID,
# AZURE_TENANT_ID, AZURE_SUBSCRIPTION_ID, DEV_RESOURCE_GROUP, PROD_RESOURCE_GROUP.
# Protect the `prod` environment with required reviewers.
name: deploy

on:
  push:
    branches: [main]
    tags: ["v*"]
  pull_request:

permissions:
  contents: read
  id-token: write

env:
  CARGO_TERM_COLOR: always

jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: dtolnay/rust-toolchain@stable
      - uses: Swatinem/rust-cache@v2
      - run: cargo test --locked

  validate:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: dtolnay/rust-toolchain@stable
      - uses: Swatinem/rust-cache@v2
      - run: cargo install --locked cargo-atakora
      - run: cargo atakora validate
      - run: cargo atakora plan --format json > plan.json
      - run: cargo atakora plan
      - uses: actions/upload-artifact@v4
        with:
          name: plan
          path: plan.json

  deploy-dev:
    needs: validate
    if: github.event_name == 'push'
    runs-on: ubuntu-latest
    environment: dev
    steps:
      - uses: actions/checkout@v4
      - uses: dtolnay/rust-toolchain@stable
      - uses: Swatinem/rust-cache@v2
      - run: cargo install --locked cargo-atakora
      - uses: azure/login@v2
        with:
          client-id: ${{ vars.AZURE_CLIENT_ID }}
          tenant-id: ${{ vars.AZURE_TENANT_ID }}
          subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}
      - run: cargo atakora deploy --env dev --resource-group "${{ vars.DEV_RESOURCE_GROUP }}" --yes
      # The lock records what was deployed (and from which commit): prod checks it.
      - uses: actions/upload-artifact@v4
        with:
          name: atakora-lock-dev
          path: atakora.lock

  deploy-prod:
    needs: deploy-dev
    if: startsWith(github.ref, 'refs/tags/v')
    runs-on: ubuntu-latest
    environment: prod
    steps:
      - uses: actions/checkout@v4
      - uses: dtolnay/rust-toolchain@stable
      - uses: Swatinem/rust-cache@v2
      - run: cargo install --locked cargo-atakora
      - uses: actions/download-artifact@v4
        with:
          name: atakora-lock-dev
      - uses: azure/login@v2
        with:
          client-id: ${{ vars.AZURE_CLIENT_ID }}
          tenant-id: ${{ vars.AZURE_TENANT_ID }}
          subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}
      - run: cargo atakora deploy --env prod --resource-group "${{ vars.PROD_RESOURCE_GROUP }}" --yes
      # Commit this file back (or open a pull request with it): later builds compare with it.
      - uses: actions/upload-artifact@v4
        with:
          name: atakora-lock
          path: atakora.lock
"#
    .to_string()
}
