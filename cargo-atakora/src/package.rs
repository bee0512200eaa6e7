//! `cargo atakora package`: the Functions deployment package of each backend's apps — its API
//! app and each of its functions apps (the same binary, with that app's functions).
//!
//! The package holds the app's own binary as the custom handler, and only that binary knows
//! its backend's Rust types, so the binary writes its package itself: the CLI builds it
//! (`cargo build --release`) and runs it with `ATAKORA_PACKAGE_OUT` (the folder to write
//! `released-package.zip` to) and `ATAKORA_PACKAGE_BACKEND` (the backend id) set; the
//! runtime's `atakora::serve::<B>()` answers that by writing the package instead of serving.
//! [`Packager`] is that boundary.

use crate::app::App;
use crate::ui::Ui;
use crate::{Failure, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The package's file name (what Flex Consumption runs).
pub const PACKAGE_NAME: &str = atakora_core::contract::package::FILE;
/// Set to the folder the binary writes its package to.
pub const OUT_ENV: &str = atakora_core::contract::package::OUT_ENV;
/// Set to the backend id whose app is packaged.
pub const BACKEND_ENV: &str = atakora_core::contract::package::BACKEND_ENV;
/// Set to the functions app's key when a functions app is packaged (unset: the API app).
pub const APP_ENV: &str = atakora_core::contract::package::APP_ENV;

/// Builds the package of one of a backend's apps.
pub trait Packager {
    /// Write `<out>/released-package.zip` for `backend` in `env` — its API app, or its
    /// functions app `functions_app` (a key, `order-processor`) — and return its path.
    fn package(
        &self,
        ui: &Ui,
        app: &App,
        backend: &str,
        env: &str,
        functions_app: Option<&str>,
        out: &Path,
    ) -> Result<PathBuf>;
}

/// The app's binary packages itself: built with `cargo build --release`, or the handler given
/// (a binary cross-built for the Functions image, e.g. with cargo-zigbuild).
pub struct BinaryPackager {
    /// A prebuilt handler binary to use instead of building one.
    pub handler: Option<PathBuf>,
    /// `--features` for the build (comma- or space-separated, as cargo takes them).
    pub features: Option<String>,
}

impl Packager for BinaryPackager {
    fn package(
        &self,
        ui: &Ui,
        app: &App,
        backend: &str,
        env: &str,
        functions_app: Option<&str>,
        out: &Path,
    ) -> Result<PathBuf> {
        let binary = match &self.handler {
            Some(h) => {
                std::fs::canonicalize(h).map_err(|e| Failure::new(format!("the handler {}: {e}", h.display())))?
            }
            None => build_binary(ui, app, self.features.as_deref())?,
        };
        std::fs::create_dir_all(out).map_err(|e| Failure::new(format!("{}: {e}", out.display())))?;
        let zip = out.join(PACKAGE_NAME);
        let _ = std::fs::remove_file(&zip);
        let mut command = Command::new(&binary);
        command
            .env(OUT_ENV, out)
            .env(BACKEND_ENV, backend)
            .env(atakora_core::contract::package::ENVIRONMENT_ENV, env)
            .env_remove(APP_ENV);
        if let Some(key) = functions_app {
            command.env(APP_ENV, key);
        }
        let status = command
            .status()
            .map_err(|e| Failure::new(format!("cannot run {}: {e}", binary.display())))?;
        if !status.success() || !zip.is_file() {
            return Err(Failure::new(format!(
                "{} did not write {}: the app's main must serve the backend `{backend}` with `atakora::serve::<B>()` (atakora's `serve` feature), which writes the package when {OUT_ENV} is set",
                binary.display(),
                zip.display()
            )));
        }
        Ok(zip)
    }
}

/// Where the package of `backend`'s app `key` goes: next to its templates.
pub fn zip_path(app: &App, backend: &str, env: &str, key: &str) -> PathBuf {
    app.out_dir()
        .join(backend)
        .join(env)
        .join("packages")
        .join(key)
        .join(PACKAGE_NAME)
}

/// `cargo build --release` of the crate's binary; its path.
fn build_binary(ui: &Ui, app: &App, features: Option<&str>) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = app.dir.join("Cargo.toml");
    let bin = app.name.clone();
    let mut args = vec!["build".to_string(), "--release".into(), "--bin".into(), bin.clone()];
    if let Some(f) = features.filter(|f| !f.trim().is_empty()) {
        args.extend(["--features".to_string(), f.to_string()]);
    }
    let shown = format!("cargo {}", args.join(" "));
    let status = ui.progress(&shown, || {
        Command::new(&cargo)
            .args(&args)
            .arg("--manifest-path")
            .arg(&manifest)
            .status()
    });
    match status {
        Ok(s) if s.success() => Ok(app.target_dir.join("release").join(&bin)),
        Ok(_) => Err(Failure::new(format!("`{shown}` failed"))),
        Err(e) => Err(Failure::new(format!("cannot run cargo: {e}"))),
    }
}

/// Run `package`: every app (API and functions apps) of the environment; `(backend, app key, zip)` each.
pub fn run(
    ui: &Ui,
    app: &App,
    env: &str,
    handler: Option<PathBuf>,
    features: Option<String>,
) -> Result<Vec<(String, String, PathBuf)>> {
    run_with(&BinaryPackager { handler, features }, ui, app, env)
}

/// [`run`] with another packager.
pub fn run_with(p: &dyn Packager, ui: &Ui, app: &App, env: &str) -> Result<Vec<(String, String, PathBuf)>> {
    let project = app.load(Some(env))?;
    if let Some(f) = project.errors().next() {
        return Err(Failure::new(f.render(ui.color)));
    }
    let mut out = Vec::new();
    for plan in &project.plans {
        for fa in &plan.model().function_apps {
            let functions_app = match &fa.role {
                atakora_core::plan::AppRole::CrudApis { .. } => None,
                atakora_core::plan::AppRole::FunctionsApp { .. } => Some(fa.key.as_str()),
            };
            let zip = zip_path(app, plan.backend_id(), env, &fa.key);
            let dir = zip.parent().map(Path::to_path_buf).unwrap_or_default();
            let written = p.package(ui, app, plan.backend_id(), env, functions_app, &dir)?;
            ui.line(&format!("  {} {}", ui.green("packaged"), written.display()));
            out.push((plan.backend_id().to_string(), fa.key.clone(), written));
        }
    }
    Ok(out)
}
