//! The output folder's housekeeping: the crate that writes each `<backend>/` folder is
//! recorded beside the output folder (`<out>.owners/<backend>`, so that the output folder holds
//! only deployable files), so that two crates sharing a target directory cannot overwrite each
//! other's templates, and the folders of removed backends and environments are deleted
//! instead of lingering where a deploy loop would find them.

use super::BuildError;
use std::fs;
use std::path::{Path, PathBuf};

/// The folder of owner records next to `out`: `<out>.owners`.
pub fn owners_dir(out: &Path) -> PathBuf {
    let name = out.file_name().and_then(|n| n.to_str()).unwrap_or("atakora");
    out.with_file_name(format!("{name}.owners"))
}

/// Who writes a backend folder: the crate's name and its manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// The package name.
    pub crate_name: String,
    /// Its `Cargo.toml`.
    pub manifest: PathBuf,
}

impl Owner {
    fn text(&self) -> String {
        format!("{}\n{}\n", self.crate_name, self.manifest.display())
    }

    fn parse(text: &str) -> Option<Owner> {
        let mut lines = text.lines();
        Some(Owner {
            crate_name: lines.next()?.to_string(),
            manifest: PathBuf::from(lines.next()?),
        })
    }

    /// The owner recorded for `backend` under `out`, if any.
    pub fn of(out: &Path, backend: &str) -> Option<Owner> {
        Owner::parse(&fs::read_to_string(owners_dir(out).join(backend)).ok()?)
    }
}

/// Refuse to write `backends` under `out` when another crate whose manifest still exists owns
/// one of their folders.
pub fn check_owners(out: &Path, me: &Owner, backends: &[String]) -> Result<(), BuildError> {
    for b in backends {
        if let Some(other) = Owner::of(out, b)
            && other.manifest != me.manifest
            && other.manifest.is_file()
        {
            return Err(BuildError::Collision {
                backend: b.clone(),
                folder: out.join(b),
                owner: other.crate_name,
                owner_manifest: other.manifest,
            });
        }
    }
    Ok(())
}

/// Record `me` as the owner of `backends` under `out`, removing nothing.
pub fn claim(out: &Path, me: &Owner, backends: &[String]) -> Result<(), BuildError> {
    for b in backends {
        super::write_atomic(&owners_dir(out).join(b), &me.text())?;
    }
    Ok(())
}

/// After writing: mark the folders of `written` (`(backend, environments)`) as ours, remove
/// environment folders no longer planned and the backend folders we own that are gone.
/// Returns the folders removed.
pub fn tidy(out: &Path, me: &Owner, written: &[(String, Vec<String>)]) -> Result<Vec<PathBuf>, BuildError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |error| BuildError::Io { path, error }
    };
    let mut removed = Vec::new();
    for (backend, envs) in written {
        let dir = out.join(backend);
        claim(out, me, std::slice::from_ref(backend))?;
        for entry in read_dirs(&dir) {
            let name = entry
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            if !envs.contains(&name) && entry.join("azuredeploy.json").is_file() {
                fs::remove_dir_all(&entry).map_err(io(&entry))?;
                removed.push(entry);
            }
        }
    }
    for dir in read_dirs(out) {
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        if written.iter().any(|(b, _)| *b == name) {
            continue;
        }
        if Owner::of(out, &name).is_some_and(|o| o.manifest == me.manifest) {
            fs::remove_dir_all(&dir).map_err(io(&dir))?;
            let _ = fs::remove_file(owners_dir(out).join(&name));
            removed.push(dir);
        }
    }
    removed.sort();
    Ok(removed)
}

/// The sub-folders of `dir`, sorted (none when it does not exist).
fn read_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}
