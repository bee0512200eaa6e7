//! The crate's path and workspace dependencies, from `cargo metadata`: where a component type
//! declared in another crate of the workspace (`CrudApi<domain::Note>`) is written.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A direct dependency built from local sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalDependency {
    /// The name code uses for it (`domain`, or its rename), with `-` as `_`.
    pub extern_name: String,
    /// The package's name.
    pub package: String,
    /// Its library's root file (`src/lib.rs` unless its manifest says otherwise).
    pub lib: PathBuf,
}

/// The direct dependencies of the package at `manifest_dir` that come from a path (workspace
/// members included), with their library roots. `Err` says why `cargo metadata` could not
/// tell.
pub fn local_dependencies(manifest_dir: &Path) -> Result<Vec<LocalDependency>, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = manifest_dir.join("Cargo.toml");
    let output = Command::new(&cargo)
        .args(["metadata", "--format-version", "1", "--offline", "--manifest-path"])
        .arg(&manifest)
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .map_err(|e| format!("cannot run `cargo metadata`: {e}"))?;
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        return Err(format!("`cargo metadata` failed: {}", err.trim()));
    }
    let meta: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("`cargo metadata` printed no JSON: {e}"))?;
    let manifest = std::fs::canonicalize(&manifest).unwrap_or(manifest);
    let packages = meta["packages"].as_array().cloned().unwrap_or_default();
    let same = |p: &serde_json::Value| {
        p["manifest_path"]
            .as_str()
            .is_some_and(|m| std::fs::canonicalize(m).is_ok_and(|m| m == manifest))
    };
    let Some(root) = packages.iter().find(|p| same(p)) else {
        return Err(format!(
            "`cargo metadata` does not list the package of {}",
            manifest.display()
        ));
    };
    let root_id = root["id"].as_str().unwrap_or_default();
    let nodes = meta["resolve"]["nodes"].as_array().cloned().unwrap_or_default();
    let Some(node) = nodes.iter().find(|n| n["id"].as_str() == Some(root_id)) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for dep in node["deps"].as_array().into_iter().flatten() {
        // Normal dependencies only: a build- or dev-dependency is not what the crate's types use.
        let normal = dep["dep_kinds"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|k| k["kind"].is_null());
        if !normal {
            continue;
        }
        let Some(pkg) = packages.iter().find(|p| p["id"] == dep["pkg"]) else {
            continue;
        };
        // Local crates that use atakora: only they can declare components.
        let uses_atakora = pkg["dependencies"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|d| d["name"] == "atakora");
        if !pkg["source"].is_null() || !uses_atakora {
            continue;
        }
        let lib = pkg["targets"].as_array().into_iter().flatten().find(|t| {
            t["kind"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|k| k == "lib" || k == "rlib")
        });
        let Some(lib) = lib.and_then(|t| t["src_path"].as_str()) else {
            continue;
        };
        out.push(LocalDependency {
            extern_name: dep["name"].as_str().unwrap_or_default().replace('-', "_"),
            package: pkg["name"].as_str().unwrap_or_default().to_string(),
            lib: PathBuf::from(lib),
        });
    }
    out.sort_by(|a, b| a.extern_name.cmp(&b.extern_name));
    Ok(out)
}
