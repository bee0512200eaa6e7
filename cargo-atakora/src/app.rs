//! The app crate a command works on: found from `--manifest-path`/`-p` or the current folder,
//! with its target directory from `cargo metadata`, read and resolved by the build helper's
//! own code.

use crate::ui::Ui;
use crate::{Failure, Global, Result};
use atakora::build::{self, EmitOptions, LockOptions, Project};
use std::path::{Path, PathBuf};
use std::process::Command;

/// An app crate.
pub struct App {
    /// Its folder.
    pub dir: PathBuf,
    /// Its package name.
    pub name: String,
    /// The target directory cargo builds it into.
    pub target_dir: PathBuf,
}

impl App {
    /// The crate the options name, or the one around the current folder.
    pub fn open(g: &Global) -> Result<App> {
        let manifest = match &g.manifest_path {
            Some(p) => p.clone(),
            None => nearest_manifest()?,
        };
        let meta = metadata(&manifest)?;
        let manifest = std::fs::canonicalize(&manifest).unwrap_or(manifest);
        let packages = meta["packages"].as_array().cloned().unwrap_or_default();
        let target_dir = PathBuf::from(meta["target_directory"].as_str().unwrap_or("target"));
        let chosen = match &g.package {
            Some(name) => packages.iter().find(|p| p["name"] == name.as_str()),
            None => packages.iter().find(|p| {
                p["manifest_path"]
                    .as_str()
                    .is_some_and(|m| std::fs::canonicalize(m).is_ok_and(|m| m == manifest))
            }),
        };
        let Some(pkg) = chosen else {
            let apps: Vec<&str> = packages
                .iter()
                .filter(|p| {
                    p["dependencies"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|d| d["name"] == "atakora")
                })
                .filter_map(|p| p["name"].as_str())
                .collect();
            let what = match &g.package {
                Some(name) => format!("no package `{name}` in {}", manifest.display()),
                None => format!("{} is a workspace manifest, not an app crate's", manifest.display()),
            };
            return Err(Failure::new(format!(
                "{what}: choose an app crate with `-p NAME`{}",
                if apps.is_empty() {
                    String::new()
                } else {
                    format!(" (the members that depend on atakora: {})", apps.join(", "))
                }
            )));
        };
        let dir = PathBuf::from(pkg["manifest_path"].as_str().unwrap_or_default())
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        Ok(App {
            dir,
            name: pkg["name"].as_str().unwrap_or_default().to_string(),
            target_dir,
        })
    }

    /// The lock file.
    pub fn lock_file(&self) -> PathBuf {
        self.dir.join(build::LOCK_FILE)
    }

    /// The default output folder (`<target dir>/atakora`), as the build script uses it.
    pub fn out_dir(&self) -> PathBuf {
        std::env::var_os("ATAKORA_OUT_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| self.target_dir.join("atakora"))
    }

    /// Read and resolve the crate (one environment, or all), compared with the lock.
    pub fn load(&self, env: Option<&str>) -> Result<Project> {
        let lock = self.lock_file();
        let project = Project::load(&self.dir, &self.name, Some(&lock), env)?;
        if let Some(e) = env {
            let declared: Vec<&str> = project
                .sources
                .backends
                .iter()
                .flat_map(|b| b.environments.iter().map(|e| e.as_ref()))
                .collect();
            if project.sources.errors.is_empty() && !declared.contains(&e) {
                let mut known: Vec<&str> = declared.clone();
                known.sort();
                known.dedup();
                return Err(Failure::new(format!(
                    "no backend of `{}` declares the environment `{e}` (declared: {})",
                    self.name,
                    known.join(", ")
                )));
            }
        }
        if project.sources.backends.is_empty() && project.sources.errors.is_empty() {
            return Err(Failure::new(format!(
                "`{}` declares no backend: add `#[atakora::backend(...)]` to a struct of {}",
                self.name,
                self.dir.join("src").display()
            )));
        }
        Ok(project)
    }

    /// `synth`: the build helper's emission, standalone.
    pub fn synth(&self, ui: &Ui, env: Option<&str>, out: Option<PathBuf>) -> Result<()> {
        let project = self.load(env)?;
        if project.errors().next().is_some() {
            for f in project.errors() {
                ui.line(f.render(ui.color).trim_end());
            }
            return Err(Failure::new(
                "not writing templates: fix the errors above (`cargo atakora validate` lists them all)",
            ));
        }
        if out.as_deref() == Some(Path::new("-")) {
            let templates: Vec<serde_json::Value> = project
                .plans
                .iter()
                .map(|p| {
                    serde_json::json!({
                        "backend": p.backend_id(),
                        "environment": p.environment(),
                        "template": p.to_arm(),
                        "parameters": p.parameters(),
                    })
                })
                .collect();
            println!("{}", pretty(&serde_json::Value::Array(templates)));
            return Ok(());
        }
        let out = out.unwrap_or_else(|| self.out_dir());
        let emitted = build::write_project(
            &project,
            &EmitOptions {
                manifest_dir: self.dir.clone(),
                crate_name: self.name.clone(),
                out_dir: out,
                lock: Some(LockOptions {
                    file: self.lock_file(),
                    accept_changes: false,
                }),
            },
        )?;
        for w in &emitted.warnings {
            ui.line(w.render(ui.color).trim_end());
        }
        for d in &emitted.deployments {
            println!("{}", d.display());
        }
        Ok(())
    }
}

/// Pretty JSON with a trailing newline removed (println adds it).
pub fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

fn nearest_manifest() -> Result<PathBuf> {
    let cwd = std::env::current_dir().map_err(|e| Failure::new(format!("no current folder: {e}")))?;
    cwd.ancestors()
        .map(|d| d.join("Cargo.toml"))
        .find(|m| m.is_file())
        .ok_or_else(|| Failure::new("no Cargo.toml here or above: run inside an app crate, or pass --manifest-path"))
}

fn metadata(manifest: &Path) -> Result<serde_json::Value> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--manifest-path"])
        .arg(manifest)
        .output()
        .map_err(|e| Failure::new(format!("cannot run `cargo metadata`: {e}")))?;
    if !out.status.success() {
        return Err(Failure::new(format!(
            "`cargo metadata` failed for {}: {}",
            manifest.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| Failure::new(format!("`cargo metadata` printed no JSON: {e}")))
}
