//! The build-script helper: `atakora::build::emit()` in `build.rs`.
//!
//! A build script runs before its crate compiles, so it cannot see the macros' `inventory`
//! registrations. It reads the crate's sources instead, with the very parser the macros use
//! (`atakora_core::parse`), following `mod` declarations from `src/lib.rs` / `src/main.rs`,
//! and the sources of its path and workspace dependencies where a component type is declared
//! there (found with `cargo metadata`).
//!
//! It never fails first for a mistake the compiler reports with a span (an invalid attribute,
//! a cross-item rule `#[backend]` asserts): it writes nothing and lets rustc show the error.
//! Mistakes only it can see (a name Azure refuses, a change the deployed state forbids) are
//! reported through cargo's build-script error channel, rendered like rustc's diagnostics
//! with file, line, column and the source line — the same text `cargo atakora validate`
//! prints. Files are written atomically (temporary file, then rename); every file written is
//! a `rerun-if-changed`, so deleting the output folder regenerates it.
//!
//! In `build.rs`, with `atakora` a build-dependency with its `build` feature:
//!
//! ```text
//! fn main() {
//!     atakora::build::emit();
//! }
//! ```

mod deps;
mod locate;
pub mod outputs;
pub mod report;

pub use deps::{LocalDependency, local_dependencies};
pub use locate::SourceIndex;
pub use report::{Finding, Location};

use crate::Plan;
use atakora_core::lock::{self, Lock};
use atakora_core::parse::{self, BackendAttr, ComponentKind};
use atakora_core::spec::{BackendSpec, ComponentSpec, CrudApiSpec, FunctionsAppSpec};
use atakora_core::{Code, Diagnostic};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use syn::spanned::Spanned;

/// What [`emit`] did.
#[derive(Debug, Default)]
pub struct Emitted {
    /// The folder templates were written under (`target/atakora`).
    pub out_dir: PathBuf,
    /// `<backend>/<env>` folders written, in order.
    pub deployments: Vec<PathBuf>,
    /// Every file written or confirmed up to date (each is a `rerun-if-changed`).
    pub files: Vec<PathBuf>,
    /// Folders of backends or environments no longer planned, removed.
    pub removed: Vec<PathBuf>,
    /// Source files read (each is a `rerun-if-changed`).
    pub sources: Vec<PathBuf>,
    /// Set when the compiler will report an error (an invalid attribute, a cross-item rule):
    /// nothing was written.
    pub skipped_for_compile_errors: bool,
    /// The plans' warnings, each with its place in the source.
    pub warnings: Vec<Finding>,
    /// The errors reported through cargo (by [`emit`]; empty from [`emit_with`], which returns them).
    pub errors: Vec<Finding>,
}

/// Why [`emit_with`] failed. `Display` renders every finding like rustc (without colours).
pub enum BuildError {
    /// A source file or the output folder could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        error: std::io::Error,
    },
    /// A plan has errors the attributes alone do not show (names, template limits).
    Plan {
        /// The backend's Rust name.
        backend: String,
        /// The environment.
        environment: String,
        /// The errors, with their places.
        findings: Vec<Finding>,
    },
    /// A required environment variable (set by cargo for build scripts) is missing.
    Env(&'static str),
    /// Mistakes only the whole crate shows (a nested key path into another struct, two
    /// backends whose resources would share names, a component type not found).
    Source {
        /// The errors, with their places.
        findings: Vec<Finding>,
    },
    /// The plans would rename stateful resources or change immutable properties of a
    /// deployment recorded in the lock file.
    Lock {
        /// The lock file.
        file: PathBuf,
        /// The violations, with their places.
        findings: Vec<Finding>,
    },
    /// Another crate writes the templates of a backend with the same name to the same folder.
    Collision {
        /// The backend id (`api-backend`).
        backend: String,
        /// The folder both would write.
        folder: PathBuf,
        /// The crate that owns it.
        owner: String,
        /// Its manifest.
        owner_manifest: PathBuf,
    },
}

impl BuildError {
    /// The findings, each with its place in the source where known.
    pub fn findings(&self) -> Vec<Finding> {
        match self {
            BuildError::Plan { findings, .. } | BuildError::Source { findings } | BuildError::Lock { findings, .. } => {
                findings.clone()
            }
            other => {
                let code = match other {
                    BuildError::Collision { .. } => Code::NameCollision,
                    _ => Code::Syntax,
                };
                let mut d = Diagnostic::new(code, other.headline());
                if let BuildError::Collision { .. } = other {
                    d = d.help(
                        "rename one of the backend structs (the folder is its name in kebab-case), or give the crates \
                         separate output folders with `ATAKORA_OUT_DIR`",
                    );
                }
                vec![Finding::new(d)]
            }
        }
    }

    /// The diagnostics, without places.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        self.findings().into_iter().map(|f| f.diagnostic).collect()
    }

    fn headline(&self) -> String {
        match self {
            BuildError::Io { path, error } => format!("{}: {error}", path.display()),
            BuildError::Env(var) => format!("`{var}` is not set: call atakora::build::emit() from build.rs"),
            BuildError::Collision {
                backend,
                folder,
                owner,
                owner_manifest,
            } => format!(
                "the templates of backend `{backend}` would overwrite those of crate `{owner}` ({}) in {}",
                owner_manifest.display(),
                folder.display()
            ),
            BuildError::Plan {
                backend, environment, ..
            } => {
                format!("backend `{backend}`, environment `{environment}`")
            }
            BuildError::Source { .. } => "the crate's sources".into(),
            BuildError::Lock { file, .. } => format!(
                "the plans conflict with the deployed state recorded in {}",
                file.display()
            ),
        }
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let findings = self.findings();
        for (i, finding) in findings.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", finding.render(false).trim_end())?;
        }
        Ok(())
    }
}

impl fmt::Debug for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for BuildError {}

/// Write the templates of every backend of the crate being built (call from `build.rs`).
///
/// It never panics for a user mistake: errors only the build helper can see are reported
/// through cargo (`cargo::error=`), rendered like rustc's; a mistake the compiler reports is
/// left to it; warnings are `cargo::warning=` lines with their place.
pub fn emit() -> Emitted {
    match emit_from_env() {
        Ok(mut emitted) => {
            for w in &emitted.warnings {
                println!("cargo::warning=atakora: {}", w.one_line());
            }
            for f in &emitted.files {
                println!("cargo::rerun-if-changed={}", f.display());
            }
            emitted.errors.clear();
            emitted
        }
        Err(e) => {
            let findings = e.findings();
            for f in &findings {
                print_error(&f.render(false));
            }
            Emitted {
                errors: findings,
                ..Emitted::default()
            }
        }
    }
}

/// One `cargo::error=` line per line of `text` (cargo shows each as `error: <crate>: <line>`).
fn print_error(text: &str) {
    for (i, line) in text.trim_end().lines().enumerate() {
        // Cargo says `error:` already: the first line starts with the code, as rustc's `E0080`.
        let line = match line.strip_prefix("error[") {
            Some(rest) if i == 0 => rest.replacen("]: ", ": ", 1),
            _ => line.to_string(),
        };
        println!("cargo::error={line}");
    }
}

fn emit_from_env() -> Result<Emitted, BuildError> {
    let manifest_dir =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").ok_or(BuildError::Env("CARGO_MANIFEST_DIR"))?);
    let crate_name = std::env::var("CARGO_PKG_NAME").map_err(|_| BuildError::Env("CARGO_PKG_NAME"))?;
    let out_dir = output_dir()?;
    println!("cargo::rerun-if-env-changed=ATAKORA_OUT_DIR");
    println!("cargo::rerun-if-env-changed={ACCEPT_ENV}");
    let lock_file = manifest_dir.join(LOCK_FILE);
    // Watched once it exists: cargo takes a watched file that is missing as changed, and would
    // run this script again (and rebuild the crate) on every build of a crate never deployed.
    // A lock that appears while nothing else changes (written by `cargo atakora deploy` or
    // `accept` from the current plans, or pulled) is read here at the next change to the
    // sources; `plan`, `validate` and `deploy` always compare with it themselves.
    if lock_file.is_file() {
        println!("cargo::rerun-if-changed={}", lock_file.display());
    }
    println!("cargo::rustc-env=ATAKORA_TEMPLATES_DIR={}", out_dir.display());
    let accept = std::env::var(ACCEPT_ENV).is_ok_and(|v| !v.is_empty() && v != "0");
    let result = emit_with(&EmitOptions {
        manifest_dir: manifest_dir.clone(),
        crate_name,
        out_dir: out_dir.clone(),
        lock: Some(LockOptions {
            file: lock_file,
            accept_changes: accept,
        }),
    });
    // Sources are watched whether or not the plans are valid: fixing them reruns the script.
    let sources = match &result {
        Ok(e) => e.sources.clone(),
        Err(_) => read_sources(&manifest_dir, "").map(|s| s.files).unwrap_or_default(),
    };
    for s in &sources {
        println!("cargo::rerun-if-changed={}", s.display());
    }
    result
}

/// `ATAKORA_OUT_DIR`, else `<target dir>/atakora`. The target dir is the ancestor of
/// `OUT_DIR` that cargo marks with `CACHEDIR.TAG`.
fn output_dir() -> Result<PathBuf, BuildError> {
    if let Some(dir) = std::env::var_os("ATAKORA_OUT_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or(BuildError::Env("OUT_DIR"))?);
    Ok(target_dir_of(&out).join("atakora"))
}

/// The target directory `path` is inside: the ancestor cargo marks with `CACHEDIR.TAG`.
pub fn target_dir_of(path: &Path) -> PathBuf {
    path.ancestors()
        .find(|a| a.join("CACHEDIR.TAG").is_file())
        .or_else(|| path.ancestors().nth(4))
        .unwrap_or(path)
        .to_path_buf()
}

/// The specs found in a crate's sources: every backend, fully linked to its components.
#[derive(Debug, Default)]
pub struct Sources {
    /// Every backend, its components linked.
    pub backends: Vec<BackendSpec>,
    /// Every file read (the crate's, and the dependencies' searched for component types).
    pub files: Vec<PathBuf>,
    /// Error messages of invalid attributes (the compiler shows them with spans).
    pub errors: Vec<String>,
    /// The same errors with their places (their diagnostics are `compile_time`).
    pub compile_errors: Vec<Finding>,
    /// Mistakes the compiler cannot see, found by reading the whole crate: they fail the build.
    pub crate_errors: Vec<Finding>,
    /// Where every annotated struct, field and option is written.
    pub index: SourceIndex,
    /// The local dependencies searched for component types (empty when none was needed).
    pub dependencies: Vec<LocalDependency>,
    /// Backends with a component type that was not found (reported in `crate_errors`): not
    /// resolved, so that one mistake gives one error.
    pub incomplete: Vec<String>,
}

impl Sources {
    /// `d` with its place in the source (from its subject), and the environments it is about.
    pub fn finding(&self, d: Diagnostic, environments: &[&str]) -> Finding {
        let location = d.subject.as_ref().and_then(|s| self.index.locate(s));
        Finding {
            diagnostic: d,
            environments: environments.iter().map(|e| e.to_string()).collect(),
            location,
        }
    }
}

/// Parse the crate at `manifest_dir` (its `src/lib.rs` and `src/main.rs` and their modules);
/// component types not declared there are looked for in its path and workspace dependencies.
pub fn read_sources(manifest_dir: &Path, crate_name: &str) -> Result<Sources, BuildError> {
    let mut found = Found::default();
    found.index.base = manifest_dir.to_path_buf();
    for root in ["src/lib.rs", "src/main.rs"] {
        let path = manifest_dir.join(root);
        if path.is_file() {
            walk_file(&path, path.parent().unwrap_or(manifest_dir), crate_name, &mut found)?;
        }
    }
    // Every struct of the crate by name (a name two structs share finds neither): the plain
    // ones and the CRUD entities, whose items are kept once, with their specs.
    let mut structs: HashMap<String, Option<&syn::DeriveInput>> = HashMap::new();
    for s in found.structs.iter().chain(found.crud.iter().map(|(item, _)| item)) {
        structs
            .entry(s.ident.to_string())
            .and_modify(|once| *once = None)
            .or_insert(Some(s));
    }
    let lookup = |name: &str| structs.get(name).copied().flatten().cloned();
    let mut crate_errors = Vec::new();
    for (item, spec) in &found.crud {
        for d in parse::nested_path_errors(item, spec, &lookup) {
            // The subject names the option (`partition_key` or `unique_keys`) on the item's own
            // `#[crud_api]`; there is no backend to name.
            let option = d
                .subject
                .as_ref()
                .and_then(|s| s.option.as_deref())
                .unwrap_or("partition_key");
            let location = found.index.locate_component_option(&item.ident.to_string(), option);
            crate_errors.push(Finding {
                diagnostic: d,
                environments: Vec::new(),
                location,
            });
        }
    }
    let mut sources = Sources {
        files: std::mem::take(&mut found.files),
        errors: std::mem::take(&mut found.errors),
        compile_errors: std::mem::take(&mut found.compile_errors),
        backends: Vec::new(),
        crate_errors,
        index: SourceIndex::default(),
        dependencies: Vec::new(),
        incomplete: Vec::new(),
    };
    // The dependencies, read once and only when a component type is not in the crate.
    let mut external: Option<Result<(Found, ByName), String>> = None;
    let local = ByName::of(&found);
    for b in std::mem::take(&mut found.backends) {
        let mut components = Vec::new();
        for c in &b.components {
            let name = c.type_name().unwrap_or_default();
            let field = field_name(&c.field);
            if let Some(comp) = component(&found, &local, c.kind, &name, &field) {
                components.push(comp);
                continue;
            }
            if structs.contains_key(&name) {
                // A struct of this crate without the attribute (or twice by name): the
                // compiler's trait-bound error says which.
                sources.errors.push(format!(
                    "backend `{}`: component type `{name}` of field `{}` not found once among the crate's annotated structs",
                    b.spec.type_name, c.field
                ));
                continue;
            }
            let deps = external.get_or_insert_with(|| {
                read_dependencies(manifest_dir, &mut sources).map(|d| {
                    let by_name = ByName::of(&d);
                    (d, by_name)
                })
            });
            let at = found.index.locate_field(&b.spec.type_name, &field);
            let resolved = matches!(deps, Ok((d, n)) if component(d, n, c.kind, &name, &field).is_some());
            if !resolved {
                sources.incomplete.push(b.spec.type_name.to_string());
            }
            match deps {
                Ok((dep_found, dep_names)) => match component(dep_found, dep_names, c.kind, &name, &field) {
                    Some(comp) => components.push(comp),
                    None => {
                        let attr = match c.kind {
                            ComponentKind::CrudApi => "#[crud_api(...)]",
                            ComponentKind::FunctionsApp => "#[functions_app(...)]",
                        };
                        let searched = if sources.dependencies.is_empty() {
                            "it has no path or workspace dependencies".to_string()
                        } else {
                            format!(
                                "its path and workspace dependencies {}",
                                sources
                                    .dependencies
                                    .iter()
                                    .map(|d| format!("`{}`", d.package))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        };
                        sources.crate_errors.push(Finding {
                            diagnostic: Diagnostic::new(
                                match c.kind {
                                    ComponentKind::CrudApi => Code::NotCrudEntity,
                                    ComponentKind::FunctionsApp => Code::NotFunctionsApp,
                                },
                                format!(
                                    "the component type `{name}` of field `{field}` of backend `{}` was not found: no {attr} struct `{name}` in this crate or {searched}",
                                    b.spec.type_name
                                ),
                            )
                            .help(format!(
                                "declare `{name}` with {attr} in this crate or in a path or workspace dependency; types from registry crates are not read"
                            )),
                            environments: Vec::new(),
                            location: at,
                        })
                    }
                },
                Err(why) => sources.crate_errors.push(Finding {
                    diagnostic: Diagnostic::new(
                        Code::NotCrudEntity,
                        format!(
                            "the component type `{name}` of field `{field}` of backend `{}` is not declared in this crate, and its dependencies could not be read: {why}",
                            b.spec.type_name
                        ),
                    ),
                    environments: Vec::new(),
                    location: at,
                }),
            }
        }
        let mut spec = b.spec;
        spec.components = Cow::Owned(components);
        sources.backends.push(spec);
    }
    if let Some(Ok((dep_found, _))) = external {
        for (name, site) in dep_found.index.components {
            found.index.components.entry(name).or_insert(site);
        }
        found.index.texts.extend(dep_found.index.texts);
    }
    sources.index = found.index;
    Ok(sources)
}

/// `found`'s annotated structs by type name: `Some(index)` when declared once, `None` when
/// twice. Built once per crate, so linking thousands of components to their entities is one
/// lookup each.
#[derive(Default)]
struct ByName {
    crud: HashMap<String, Option<usize>>,
    functions: HashMap<String, Option<usize>>,
}

impl ByName {
    fn of(found: &Found) -> ByName {
        fn index<'a>(names: impl Iterator<Item = &'a str>) -> HashMap<String, Option<usize>> {
            let mut out: HashMap<String, Option<usize>> = HashMap::new();
            for (i, name) in names.enumerate() {
                out.entry(name.to_string())
                    .and_modify(|once| *once = None)
                    .or_insert(Some(i));
            }
            out
        }
        ByName {
            crud: index(found.crud.iter().map(|(_, s)| s.type_name.as_ref())),
            functions: index(found.functions.iter().map(|s| s.type_name.as_ref())),
        }
    }
}

/// The component `name` of kind `kind` among `found`'s annotated structs, when declared once.
fn component(found: &Found, by_name: &ByName, kind: ComponentKind, name: &str, field: &str) -> Option<ComponentSpec> {
    let field = Cow::Owned(field.to_string());
    match kind {
        ComponentKind::CrudApi => {
            let i = (*by_name.crud.get(name)?)?;
            Some(ComponentSpec::CrudApi {
                field,
                api: Cow::Owned(found.crud[i].1.clone()),
            })
        }
        ComponentKind::FunctionsApp => {
            let i = (*by_name.functions.get(name)?)?;
            let mut app = found.functions[i].clone();
            let mut mine: Vec<_> = found
                .handlers
                .iter()
                .filter(|f| f.app == app.type_name)
                .cloned()
                .collect();
            mine.sort_by(|a, b| a.name.cmp(&b.name));
            app.functions = Cow::Owned(mine);
            Some(ComponentSpec::FunctionsApp {
                field,
                app: Cow::Owned(app),
            })
        }
    }
}

/// The annotated structs of the crate's local dependencies (their files join `sources.files`).
fn read_dependencies(manifest_dir: &Path, sources: &mut Sources) -> Result<Found, String> {
    let deps = local_dependencies(manifest_dir)?;
    let mut found = Found::default();
    found.index.base = manifest_dir.to_path_buf();
    for dep in &deps {
        if dep.lib.is_file() {
            let dir = dep.lib.parent().unwrap_or(manifest_dir).to_path_buf();
            walk_file(&dep.lib, &dir, &dep.package, &mut found).map_err(|e| e.to_string())?;
        }
    }
    sources.dependencies = deps;
    sources.files.extend(found.files.iter().cloned());
    if !found.errors.is_empty() {
        // An invalid attribute in a dependency: that crate's own build reports it.
        sources.errors.extend(found.errors.iter().cloned());
    }
    Ok(found)
}

fn field_name(ident: &syn::Ident) -> String {
    ident.to_string().trim_start_matches("r#").to_string()
}

/// Like [`emit`], with every input explicit and no lock (tests call this).
pub fn emit_to(manifest_dir: &Path, crate_name: &str, out_dir: &Path) -> Result<Emitted, BuildError> {
    emit_with(&EmitOptions {
        manifest_dir: manifest_dir.to_path_buf(),
        crate_name: crate_name.to_string(),
        out_dir: out_dir.to_path_buf(),
        lock: None,
    })
}

/// The lock file's name, next to the crate's `Cargo.toml`.
pub const LOCK_FILE: &str = "atakora.lock";
/// Set (to anything but `0`) to build despite lock violations (reported as warnings; the lock
/// is not changed: `cargo atakora accept` records a state).
pub const ACCEPT_ENV: &str = "ATAKORA_ACCEPT_LOCK_CHANGES";

/// Everything [`emit_with`] needs.
#[derive(Debug, Clone)]
pub struct EmitOptions {
    /// The crate's folder.
    pub manifest_dir: PathBuf,
    /// Its package name (the default `app`).
    pub crate_name: String,
    /// Where `<backend>/<env>/` folders go.
    pub out_dir: PathBuf,
    /// Compare with the deployments recorded in `atakora.lock`; `None` skips the lock.
    pub lock: Option<LockOptions>,
}

/// How to treat the lock.
#[derive(Debug, Clone)]
pub struct LockOptions {
    /// The lock file.
    pub file: PathBuf,
    /// Build despite violations (they become warnings); the lock is not written.
    pub accept_changes: bool,
}

/// A crate read and every backend resolved for its environments: what `emit` writes and
/// `cargo atakora` shows.
#[derive(Debug)]
pub struct Project {
    /// The crate's folder.
    pub manifest_dir: PathBuf,
    /// Its package name.
    pub crate_name: String,
    /// What the sources say.
    pub sources: Sources,
    /// Every plan that resolved, backends by Rust name, then environments as declared.
    pub plans: Vec<Plan>,
    /// Every finding: attribute errors (which the compiler reports too), crate-wide errors, the
    /// plans' errors and warnings, collisions between backends, lock violations. Findings that
    /// differ only by environment are merged.
    pub findings: Vec<Finding>,
    /// The deployments recorded in the lock (empty without one).
    pub lock: Lock,
    /// The one environment resolved, when loaded for one (then nothing else is tidied away).
    pub only_env: Option<String>,
}

impl Project {
    /// Read the crate at `manifest_dir`, resolve every backend (for `only_env` alone when
    /// given) and compare with `lock` when given.
    pub fn load(
        manifest_dir: &Path,
        crate_name: &str,
        lock_file: Option<&Path>,
        only_env: Option<&str>,
    ) -> Result<Project, BuildError> {
        let sources = read_sources(manifest_dir, crate_name)?;
        let mut findings: Vec<Finding> = sources.compile_errors.clone();
        findings.extend(sources.crate_errors.iter().cloned());
        let mut backends: Vec<&BackendSpec> = sources.backends.iter().collect();
        backends.sort_by(|a, b| a.type_name.cmp(&b.type_name));
        let mut plans = Vec::new();
        if sources.errors.is_empty() {
            for spec in backends
                .into_iter()
                .filter(|b| !sources.incomplete.iter().any(|i| *i == b.type_name))
            {
                for env in spec
                    .environments
                    .iter()
                    .filter(|e| only_env.is_none_or(|o| o == e.as_ref()))
                {
                    match Plan::resolve(spec, env) {
                        Ok(plan) => {
                            let report = plan.validate();
                            for d in report.errors.into_iter().chain(report.warnings) {
                                findings.push(sources.finding(d, &[env]));
                            }
                            plans.push(plan);
                        }
                        Err(e) => {
                            for d in e.diagnostics {
                                findings.push(sources.finding(d, &[env]));
                            }
                        }
                    }
                }
            }
        }
        let models: Vec<&atakora_core::Plan> = plans.iter().map(|p| p.model()).collect();
        for mut d in atakora_core::resolve::cross_backend_collisions(&models) {
            // About the second backend the message names (the one that collides), at its `app`.
            if d.subject.is_none()
                && let Some(p) = plans
                    .iter()
                    .rev()
                    .find(|p| d.message.contains(&format!("`{}`", p.model().backend_type)))
            {
                d.subject = Some(atakora_core::diag::Subject {
                    backend: Some(p.model().backend_type.clone()),
                    option: Some("app".into()),
                    ..Default::default()
                });
            }
            findings.push(sources.finding(d, &[]));
        }
        let lock = match lock_file {
            Some(file) => read_lock(file)?,
            None => Lock::default(),
        };
        for d in lock::check(&lock, &models) {
            findings.push(sources.finding(d, &[]));
        }
        Ok(Project {
            manifest_dir: manifest_dir.to_path_buf(),
            crate_name: crate_name.to_string(),
            findings: report::merge(findings),
            sources,
            plans,
            lock,
            only_env: only_env.map(str::to_string),
        })
    }

    /// Whether the compiler will report an error too (an invalid attribute, a cross-item rule).
    pub fn compiler_reports_errors(&self) -> bool {
        !self.sources.errors.is_empty()
            || self
                .findings
                .iter()
                .any(|f| f.diagnostic.is_error() && f.diagnostic.compile_time)
    }

    /// The errors.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.diagnostic.is_error())
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| !f.diagnostic.is_error())
    }
}

/// The lock at `file` (an empty one when there is none).
pub fn read_lock(file: &Path) -> Result<Lock, BuildError> {
    let io = |error| BuildError::Io {
        path: file.to_path_buf(),
        error,
    };
    match fs::read_to_string(file) {
        Ok(text) => {
            serde_json::from_str(&text).map_err(|e| io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Lock::default()),
        Err(e) => Err(io(e)),
    }
}

/// Write `lock` to `file` (pretty JSON, newline-terminated, atomically).
pub fn write_lock(file: &Path, lock: &Lock) -> Result<(), BuildError> {
    let mut text = serde_json::to_string_pretty(lock).map_err(|e| BuildError::Io {
        path: file.to_path_buf(),
        error: std::io::Error::other(e),
    })?;
    text.push('\n');
    write_atomic(file, &text)
}

/// Read the sources, resolve every backend and environment, check the lock, write the files.
pub fn emit_with(options: &EmitOptions) -> Result<Emitted, BuildError> {
    let lock_file = options.lock.as_ref().map(|l| l.file.as_path());
    let project = Project::load(&options.manifest_dir, &options.crate_name, lock_file, None)?;
    write_project(&project, options)
}

/// Write the templates of a loaded project (what [`emit_with`] does after loading it).
pub fn write_project(project: &Project, options: &EmitOptions) -> Result<Emitted, BuildError> {
    let out_dir = options.out_dir.as_path();
    let mut emitted = Emitted {
        out_dir: out_dir.to_path_buf(),
        sources: project.sources.files.clone(),
        ..Default::default()
    };
    if project.compiler_reports_errors() {
        for e in &project.sources.errors {
            eprintln!(
                "atakora: not writing templates: {}",
                e.lines().next().unwrap_or_default()
            );
        }
        emitted.skipped_for_compile_errors = true;
        return Ok(emitted);
    }
    let accept = options.lock.as_ref().is_some_and(|l| l.accept_changes);
    let is_lock = |f: &Finding| matches!(f.diagnostic.code, Code::LockedRename | Code::LockedImmutable);
    let errors: Vec<Finding> = project.errors().filter(|f| !(accept && is_lock(f))).cloned().collect();
    if let Some(first) = errors.first() {
        if errors.iter().all(is_lock) {
            return Err(BuildError::Lock {
                file: options.lock.as_ref().map(|l| l.file.clone()).unwrap_or_default(),
                findings: errors,
            });
        }
        if let ([env], Some(backend)) = (
            first.environments.as_slice(),
            first.diagnostic.subject.as_ref().and_then(|s| s.backend.clone()),
        ) && errors.iter().all(|f| f.environments == first.environments)
        {
            return Err(BuildError::Plan {
                backend,
                environment: env.clone(),
                findings: errors,
            });
        }
        return Err(BuildError::Source { findings: errors });
    }
    emitted.warnings = project.warnings().cloned().collect();
    if accept {
        for f in project.errors().filter(|f| is_lock(f)) {
            let mut w = f.clone();
            w.diagnostic.message = format!("accepted by {ACCEPT_ENV}: {}", w.diagnostic.message);
            emitted.warnings.push(w);
        }
    }
    let owner = outputs::Owner {
        crate_name: project.crate_name.clone(),
        manifest: fs::canonicalize(project.manifest_dir.join("Cargo.toml"))
            .unwrap_or_else(|_| project.manifest_dir.join("Cargo.toml")),
    };
    let mut written: Vec<(String, Vec<String>)> = Vec::new();
    for plan in &project.plans {
        match written.iter_mut().find(|(b, _)| b == plan.backend_id()) {
            Some((_, envs)) => envs.push(plan.environment().to_string()),
            None => written.push((plan.backend_id().to_string(), vec![plan.environment().to_string()])),
        }
    }
    let ids: Vec<String> = written.iter().map(|(b, _)| b.clone()).collect();
    outputs::check_owners(out_dir, &owner, &ids)?;
    for plan in &project.plans {
        let dir = out_dir.join(plan.backend_id()).join(plan.environment());
        let files = plan.rendered();
        let mut written_here = Vec::new();
        for (name, text) in files.templates().chain([
            ("azuredeploy.parameters.json".to_string(), files.parameters.as_str()),
            ("manifest.json".to_string(), files.manifest.as_str()),
        ]) {
            write_atomic(&dir.join(&name), text)?;
            emitted.files.push(dir.join(&name));
            written_here.push(name);
        }
        remove_stale_parts(&dir, &written_here)?;
        eprintln!("atakora: wrote {}", dir.display());
        emitted.deployments.push(dir);
    }
    // Only a project resolved for every environment knows what is no longer planned.
    if project.only_env.is_none() {
        emitted.removed = outputs::tidy(out_dir, &owner, &written)?;
    } else {
        outputs::claim(out_dir, &owner, &ids)?;
    }
    for r in &emitted.removed {
        eprintln!("atakora: removed {} (no longer planned)", r.display());
    }
    Ok(emitted)
}

/// Remove the parts of an earlier, longer split (`azuredeploy.part-<n>.json` not written now).
fn remove_stale_parts(dir: &Path, written: &[String]) -> Result<(), BuildError> {
    let Ok(entries) = fs::read_dir(dir) else { return Ok(()) };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with("azuredeploy.part-") && name.ends_with(".json") && !written.contains(&name) {
            fs::remove_file(entry.path()).map_err(|error| BuildError::Io {
                path: entry.path(),
                error,
            })?;
        }
    }
    Ok(())
}

/// Write `contents` to `path` through a temporary file in the same folder and a rename, so a
/// reader never sees half a file. Unchanged files are left alone (their mtime too).
pub fn write_atomic(path: &Path, contents: &str) -> Result<(), BuildError> {
    let io = |error| BuildError::Io {
        path: path.to_path_buf(),
        error,
    };
    if fs::read(path).is_ok_and(|old| old == contents.as_bytes()) {
        return Ok(());
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("out"),
        std::process::id()
    ));
    fs::write(&tmp, contents).map_err(io)?;
    fs::rename(&tmp, path).map_err(io)
}

#[derive(Default)]
struct Found {
    crud: Vec<(syn::DeriveInput, CrudApiSpec)>,
    /// Every struct of the crate, for nested key paths.
    structs: Vec<syn::DeriveInput>,
    functions: Vec<FunctionsAppSpec>,
    /// Every `#[atakora::function]`, in source order.
    handlers: Vec<atakora_core::spec::FunctionSpec>,
    backends: Vec<BackendAttr>,
    files: Vec<PathBuf>,
    errors: Vec<String>,
    compile_errors: Vec<Finding>,
    index: SourceIndex,
}

/// Read one file; `dir` is where its child modules' files are.
fn walk_file(path: &Path, dir: &Path, crate_name: &str, found: &mut Found) -> Result<(), BuildError> {
    let text = fs::read_to_string(path).map_err(|error| BuildError::Io {
        path: path.to_path_buf(),
        error,
    })?;
    found.files.push(path.to_path_buf());
    found.index.texts.insert(path.to_path_buf(), text.clone());
    match syn::parse_file(&text) {
        Ok(file) => walk_items(file.items, dir, path.parent().unwrap_or(dir), path, crate_name, found),
        Err(e) => {
            // Not Rust the compiler accepts: it will say so.
            found.errors.push(format!("{}: {e}", path.display()));
            let mut f = Finding::from_message(&e.to_string());
            f.diagnostic.compile_time = true;
            f.location = found.index.at(path, e.span());
            found.compile_errors.push(f);
            Ok(())
        }
    }
}

/// `dir` is where child modules' files are; `path_base` is what `#[path]` is relative to (the
/// file's own folder, or the inline module's folder).
/// The items are taken, not borrowed: each struct moves into what the build keeps of it.
fn walk_items(
    items: Vec<syn::Item>,
    dir: &Path,
    path_base: &Path,
    file: &Path,
    crate_name: &str,
    found: &mut Found,
) -> Result<(), BuildError> {
    let aliases = attribute_aliases(&items);
    // Read once per module, not once per function (and not at all without functions).
    let function_aliases = if items.iter().any(|i| matches!(i, syn::Item::Fn(_))) {
        items_function_aliases(&items)
    } else {
        Vec::new()
    };
    for item in items {
        match item {
            syn::Item::Struct(s) => visit_struct(s, file, crate_name, &aliases, found),
            syn::Item::Fn(f) => visit_fn(&f, file, &function_aliases, found),
            syn::Item::Mod(m) => {
                // Test-only modules are not part of the built crate.
                if m.attrs.iter().any(is_cfg_test) {
                    continue;
                }
                let name = m.ident.to_string().trim_start_matches("r#").to_string();
                let path_attr = m.attrs.iter().find_map(|a| match &a.meta {
                    syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(s), ..
                        }) => Some(s.value()),
                        _ => None,
                    },
                    _ => None,
                });
                match m.content {
                    Some((_, inner)) => {
                        let inner_dir = dir.join(&name);
                        walk_items(inner, &inner_dir, &inner_dir, file, crate_name, found)?
                    }
                    None => {
                        let candidates = match &path_attr {
                            Some(p) => vec![path_base.join(p)],
                            None => vec![dir.join(format!("{name}.rs")), dir.join(&name).join("mod.rs")],
                        };
                        if let Some(file) = candidates.into_iter().find(|c| c.is_file()) {
                            let is_mod_rs = file.file_name().is_some_and(|f| f == "mod.rs") || path_attr.is_some();
                            let child_dir = if is_mod_rs {
                                file.parent().unwrap_or(dir).to_path_buf()
                            } else {
                                dir.join(&name)
                            };
                            walk_file(&file, &child_dir, crate_name, found)?;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn is_cfg_test(attr: &syn::Attribute) -> bool {
    attr.path().is_ident("cfg") && matches!(&attr.meta, syn::Meta::List(l) if l.tokens.to_string() == "test")
}

const ATTRIBUTES: [&str; 3] = ["crud_api", "functions_app", "backend"];

/// Renamed imports of the attributes in one module: `use atakora::crud_api as api;` gives
/// `("api", "crud_api")`.
fn attribute_aliases(items: &[syn::Item]) -> Vec<(String, &'static str)> {
    fn walk(tree: &syn::UseTree, from_atakora: bool, out: &mut Vec<(String, &'static str)>) {
        match tree {
            syn::UseTree::Path(p) => walk(&p.tree, from_atakora || p.ident == "atakora", out),
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| walk(t, from_atakora, out)),
            syn::UseTree::Rename(r) if from_atakora => {
                if let Some(kind) = ATTRIBUTES.into_iter().find(|n| r.ident == n) {
                    out.push((r.rename.to_string(), kind));
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for item in items {
        if let syn::Item::Use(u) = item {
            walk(&u.tree, false, &mut out);
        }
    }
    out
}

/// The atakora attribute on `attr`: by its last path segment (`crud_api`,
/// `atakora::crud_api`), or by a name it was imported under.
fn atakora_attr(attr: &syn::Attribute, aliases: &[(String, &'static str)]) -> Option<&'static str> {
    let last = attr.path().segments.last()?.ident.to_string();
    if let Some((_, kind)) = aliases.iter().find(|(alias, _)| *alias == last) {
        return Some(kind);
    }
    ATTRIBUTES.into_iter().find(|n| *n == last)
}

/// The names `#[atakora::function]` is used under in one module: `function` when imported
/// from atakora (`use atakora::function;`), and its renames. The full path
/// `atakora::function` always is.
fn items_function_aliases(items: &[syn::Item]) -> Vec<String> {
    fn walk(tree: &syn::UseTree, from_atakora: bool, out: &mut Vec<String>) {
        match tree {
            syn::UseTree::Path(p) => walk(&p.tree, from_atakora || p.ident == "atakora", out),
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| walk(t, from_atakora, out)),
            syn::UseTree::Name(n) if from_atakora && n.ident == "function" => out.push("function".to_string()),
            syn::UseTree::Rename(r) if from_atakora && r.ident == "function" => out.push(r.rename.to_string()),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for item in items {
        if let syn::Item::Use(u) = item {
            walk(&u.tree, false, &mut out);
        }
    }
    out
}

/// An `#[atakora::function]` handler: its spec joins its app's when the app is a component.
fn visit_fn(f: &syn::ItemFn, file: &Path, aliases: &[String], found: &mut Found) {
    let is_function = |a: &syn::Attribute| {
        let segments: Vec<String> = a.path().segments.iter().map(|s| s.ident.to_string()).collect();
        match segments.as_slice() {
            [first, last] => first == "atakora" && last == "function",
            [only] => aliases.contains(only),
            _ => false,
        }
    };
    let Some(index) = f.attrs.iter().position(is_function) else {
        return;
    };
    let args = match &f.attrs[index].meta {
        syn::Meta::List(l) => l.tokens.clone(),
        _ => proc_macro2::TokenStream::new(),
    };
    let mut item = f.clone();
    item.attrs.remove(index);
    let p = parse::function(args, &item);
    record_errors(&p, file, found);
    found.handlers.push(p.value.spec);
}

fn visit_struct(
    s: syn::ItemStruct,
    file: &Path,
    crate_name: &str,
    aliases: &[(String, &'static str)],
    found: &mut Found,
) {
    let Some((index, kind)) = s
        .attrs
        .iter()
        .enumerate()
        .find_map(|(i, a)| atakora_attr(a, aliases).map(|k| (i, k)))
    else {
        found.structs.push(syn::DeriveInput::from(s));
        return;
    };
    let args = match &s.attrs[index].meta {
        syn::Meta::Path(_) => proc_macro2::TokenStream::new(),
        syn::Meta::List(l) => l.tokens.clone(),
        syn::Meta::NameValue(_) => {
            found
                .errors
                .push(format!("`#[{kind} = ...]` is not an atakora attribute form"));
            return;
        }
    };
    let site = locate::Site {
        file: file.to_path_buf(),
        ident: s.ident.span(),
        attr: s.attrs[index].span(),
        args: args.clone(),
        fields: s
            .fields
            .iter()
            .filter_map(|f| {
                let name = field_name(f.ident.as_ref()?);
                let ty = component_type_name(&f.ty);
                Some((name, f.span(), ty))
            })
            .collect(),
    };
    let type_name = s.ident.to_string();
    if kind == "backend" {
        found.index.backends.insert(type_name, site);
    } else {
        found.index.components.entry(type_name).or_insert(site);
    }
    // The macro sees the item without its own attribute; so does the parser here, and so does
    // the lookup of the crate's structs (the attribute says nothing about serialized fields).
    let mut item = s;
    item.attrs.remove(index);
    let input = syn::DeriveInput::from(item);
    // A CRUD entity is kept once, in `found.crud`; the lookup of the crate's structs reads it
    // there.
    if kind != "crud_api" {
        found.structs.push(input.clone());
    }
    match kind {
        "crud_api" => {
            let p = parse::crud_api(args, &input);
            record_errors(&p, file, found);
            found.crud.push((input, p.value));
        }
        "functions_app" => {
            let p = parse::functions_app(args, &input);
            record_errors(&p, file, found);
            found.functions.push(p.value);
        }
        _ => {
            let p = parse::backend(args, &input, crate_name);
            record_errors(&p, file, found);
            found.backends.push(p.value);
        }
    }
}

/// The attribute errors of `p`, as text and as findings at their spans (the compiler reports
/// them too).
fn record_errors<T>(p: &parse::Parsed<T>, file: &Path, found: &mut Found) {
    found.errors.extend(p.error_messages());
    for e in p.errors.iter().cloned().flat_map(|e| e.flatten()) {
        let mut f = Finding::from_message(&e.to_string());
        f.diagnostic.compile_time = true;
        f.location = found.index.at(file, e.span());
        found.compile_errors.push(f);
    }
}

/// `User` of a field typed `CrudApi<User>` or `FunctionsApp<crate::jobs::User>`.
fn component_type_name(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        syn::GenericArgument::Type(syn::Type::Path(inner)) => inner.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    })
}
