//! The build-script helper: `atakora::build::emit()` in `build.rs`.
//!
//! A build script runs before its crate compiles, so it cannot see the macros' `inventory`
//! registrations. It reads the crate's sources instead, with the very parser the macros use
//! (`atakora_core::parse`), following `mod` declarations from `src/lib.rs` / `src/main.rs`.
//! If any atakora attribute is invalid it writes nothing and leaves the spanned error to the
//! compiler. Files are written atomically (temporary file, then rename).

use crate::Plan;
use atakora_core::parse::{self, BackendAttr, ComponentKind};
use atakora_core::spec::{BackendSpec, ComponentSpec, CrudApiSpec, FunctionsAppSpec};
use std::borrow::Cow;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

/// What [`emit`] did.
#[derive(Debug, Default)]
pub struct Emitted {
    /// The folder templates were written under (`target/atakora`).
    pub out_dir: PathBuf,
    /// `<backend>/<env>` folders written, in order.
    pub deployments: Vec<PathBuf>,
    /// Source files read (each is a `rerun-if-changed`).
    pub sources: Vec<PathBuf>,
    /// Set when an attribute is invalid: nothing was written; the compiler reports the error.
    pub skipped_for_compile_errors: bool,
}

/// Why [`emit`] failed. `Debug` prints the same text as `Display`, so that
/// `emit().expect(...)` in `build.rs` shows the diagnostics as they are meant to be read.
pub enum BuildError {
    /// A source file or the output folder could not be read or written.
    Io { path: PathBuf, error: std::io::Error },
    /// A plan has errors the attributes alone do not show (limits, names).
    Plan {
        backend: String,
        environment: String,
        diagnostics: Vec<atakora_core::Diagnostic>,
    },
    /// A required environment variable (set by cargo for build scripts) is missing.
    Env(&'static str),
    /// Mistakes only the whole crate shows (a nested key path into another struct, two
    /// backends whose resources would share names).
    Source { diagnostics: Vec<atakora_core::Diagnostic> },
    /// The plans would rename stateful resources or change immutable properties recorded in
    /// the lock file.
    Lock {
        file: PathBuf,
        diagnostics: Vec<atakora_core::Diagnostic>,
    },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            BuildError::Plan {
                backend,
                environment,
                diagnostics,
            } => {
                write!(f, "backend `{backend}`, environment `{environment}`:")?;
                for d in diagnostics {
                    write!(f, "\n  {}", d.to_string().replace('\n', "\n  "))?;
                }
                Ok(())
            }
            BuildError::Env(var) => write!(f, "`{var}` is not set: call atakora::build::emit() from build.rs"),
            BuildError::Lock { file, diagnostics } => {
                writeln!(
                    f,
                    "the plans conflict with the deployed state recorded in {}:",
                    file.display()
                )?;
                for d in diagnostics {
                    write!(f, "\n{}\n", d.to_string().replace("\n\n", "\n"))?;
                }
                Ok(())
            }
            BuildError::Source { diagnostics } => {
                for (i, d) in diagnostics.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    write!(f, "{d}")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for BuildError {}

/// Write the templates of every backend of the crate being built (call from `build.rs`).
pub fn emit() -> Result<Emitted, BuildError> {
    let manifest_dir =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").ok_or(BuildError::Env("CARGO_MANIFEST_DIR"))?);
    let crate_name = std::env::var("CARGO_PKG_NAME").map_err(|_| BuildError::Env("CARGO_PKG_NAME"))?;
    let out_dir = output_dir()?;
    println!("cargo:rerun-if-env-changed=ATAKORA_OUT_DIR");
    println!("cargo:rerun-if-env-changed={ACCEPT_ENV}");
    let lock_file = manifest_dir.join(LOCK_FILE);
    println!("cargo:rerun-if-changed={}", lock_file.display());
    let accept = std::env::var(ACCEPT_ENV).is_ok_and(|v| !v.is_empty() && v != "0");
    let emitted = emit_with(&EmitOptions {
        manifest_dir: manifest_dir.clone(),
        crate_name,
        out_dir: out_dir.clone(),
        lock: Some(LockOptions {
            file: lock_file,
            accept_changes: accept,
        }),
    })?;
    for s in &emitted.sources {
        println!("cargo:rerun-if-changed={}", s.display());
    }
    println!("cargo:rustc-env=ATAKORA_TEMPLATES_DIR={}", out_dir.display());
    Ok(emitted)
}

/// `ATAKORA_OUT_DIR`, else `<target dir>/atakora`. The target dir is the ancestor of
/// `OUT_DIR` that cargo marks with `CACHEDIR.TAG`.
fn output_dir() -> Result<PathBuf, BuildError> {
    if let Some(dir) = std::env::var_os("ATAKORA_OUT_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or(BuildError::Env("OUT_DIR"))?);
    let target = out
        .ancestors()
        .find(|a| a.join("CACHEDIR.TAG").is_file())
        .or_else(|| out.ancestors().nth(4))
        .unwrap_or(&out);
    Ok(target.join("atakora"))
}

/// The specs found in a crate's sources: every backend, fully linked to its components.
#[derive(Debug, Default)]
pub struct Sources {
    pub backends: Vec<BackendSpec>,
    pub files: Vec<PathBuf>,
    /// Error messages of invalid attributes (the compiler shows them with spans).
    pub errors: Vec<String>,
    /// Mistakes the compiler cannot see, found by reading the whole crate: they fail the build.
    pub crate_errors: Vec<atakora_core::Diagnostic>,
}

/// Parse the crate at `manifest_dir` (its `src/lib.rs` and `src/main.rs` and their modules).
pub fn read_sources(manifest_dir: &Path, crate_name: &str) -> Result<Sources, BuildError> {
    let mut found = Found::default();
    for root in ["src/lib.rs", "src/main.rs"] {
        let path = manifest_dir.join(root);
        if path.is_file() {
            walk_file(&path, path.parent().unwrap_or(manifest_dir), crate_name, &mut found)?;
        }
    }
    let structs = &found.structs;
    let lookup = |name: &str| unique(structs, |s| s.ident == name).cloned();
    let crate_errors = found
        .crud
        .iter()
        .flat_map(|(item, spec)| parse::nested_path_errors(item, spec, &lookup))
        .collect();
    let mut sources = Sources {
        files: found.files,
        errors: found.errors,
        backends: Vec::new(),
        crate_errors,
    };
    for b in found.backends {
        let mut components = Vec::new();
        for c in &b.components {
            let name = c.type_name().unwrap_or_default();
            let component = match c.kind {
                ComponentKind::CrudApi => {
                    unique(&found.crud, |(_, s)| s.type_name == name).map(|(_, api)| ComponentSpec::CrudApi {
                        field: field_name(&c.field),
                        api: Cow::Owned(api.clone()),
                    })
                }
                ComponentKind::FunctionsApp => {
                    unique(&found.functions, |s| s.type_name == name).map(|app| ComponentSpec::FunctionsApp {
                        field: field_name(&c.field),
                        app: Cow::Owned(app.clone()),
                    })
                }
            };
            match component {
                Some(c) => components.push(c),
                // Not annotated, or ambiguous by name: the compiler's trait-bound error says which.
                None => sources.errors.push(format!("backend `{}`: component type `{name}` of field `{}` not found once among the crate's annotated structs", b.spec.type_name, c.field)),
            }
        }
        let mut spec = b.spec;
        spec.components = Cow::Owned(components);
        sources.backends.push(spec);
    }
    Ok(sources)
}

fn field_name(ident: &syn::Ident) -> Cow<'static, str> {
    Cow::Owned(ident.to_string().trim_start_matches("r#").to_string())
}

fn unique<T>(items: &[T], pred: impl Fn(&T) -> bool) -> Option<&T> {
    let mut it = items.iter().filter(|i| pred(i));
    let first = it.next()?;
    it.next().is_none().then_some(first)
}

/// Like [`emit`], with every input explicit (tests call this).
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
/// Set (to anything but `0`) to accept lock violations and record the new state.
pub const ACCEPT_ENV: &str = "ATAKORA_ACCEPT_LOCK_CHANGES";

/// Everything [`emit_with`] needs.
#[derive(Debug, Clone)]
pub struct EmitOptions {
    pub manifest_dir: PathBuf,
    pub crate_name: String,
    pub out_dir: PathBuf,
    /// Compare with and update `atakora.lock`; `None` skips the lock.
    pub lock: Option<LockOptions>,
}

#[derive(Debug, Clone)]
pub struct LockOptions {
    pub file: PathBuf,
    /// Record the new state even where it violates the lock (after a migration).
    pub accept_changes: bool,
}

/// Read the sources, resolve every backend and environment, check the lock, write the files.
pub fn emit_with(options: &EmitOptions) -> Result<Emitted, BuildError> {
    let (manifest_dir, crate_name, out_dir) = (
        options.manifest_dir.as_path(),
        options.crate_name.as_str(),
        options.out_dir.as_path(),
    );
    let sources = read_sources(manifest_dir, crate_name)?;
    let mut emitted = Emitted {
        out_dir: out_dir.to_path_buf(),
        sources: sources.files.clone(),
        ..Default::default()
    };
    if !sources.errors.is_empty() {
        for e in &sources.errors {
            eprintln!(
                "atakora: not writing templates: {}",
                e.lines().next().unwrap_or_default()
            );
        }
        emitted.skipped_for_compile_errors = true;
        return Ok(emitted);
    }
    if !sources.crate_errors.is_empty() {
        return Err(BuildError::Source {
            diagnostics: sources.crate_errors,
        });
    }
    let mut backends = sources.backends;
    backends.sort_by(|a, b| a.type_name.cmp(&b.type_name));
    // Resolve everything first: a failing plan writes nothing at all.
    let mut plans = Vec::new();
    for spec in &backends {
        for env in spec.environments.iter() {
            let plan = Plan::resolve(spec, env).map_err(|e| BuildError::Plan {
                backend: spec.type_name.to_string(),
                environment: env.to_string(),
                diagnostics: e.diagnostics,
            })?;
            let report = plan.validate();
            if !report.is_ok() {
                return Err(BuildError::Plan {
                    backend: spec.type_name.to_string(),
                    environment: env.to_string(),
                    diagnostics: report.errors,
                });
            }
            for w in &report.warnings {
                let help = w.help.as_ref().map(|h| format!(" (help: {h})")).unwrap_or_default();
                println!(
                    "cargo:warning=atakora: {}/{}: {}: {}{help}",
                    plan.backend_id(),
                    env,
                    w.code,
                    w.message
                );
            }
            plans.push(plan);
        }
    }
    let models: Vec<&atakora_core::Plan> = plans.iter().map(|p| p.model()).collect();
    let collisions = atakora_core::resolve::cross_backend_collisions(&models);
    if !collisions.is_empty() {
        return Err(BuildError::Source {
            diagnostics: collisions,
        });
    }
    if let Some(lock) = &options.lock {
        check_lock(lock, &models)?;
    }
    for plan in &plans {
        let dir = out_dir.join(plan.backend_id()).join(plan.environment());
        let files = plan.render();
        write_atomic(&dir.join("azuredeploy.json"), &files.template)?;
        write_atomic(&dir.join("azuredeploy.parameters.json"), &files.parameters)?;
        write_atomic(&dir.join("manifest.json"), &files.manifest)?;
        eprintln!("atakora: wrote {}", dir.display());
        emitted.deployments.push(dir);
    }
    Ok(emitted)
}

/// Compare the plans with the lock file; write the updated lock when nothing is violated (or
/// the violations are accepted).
fn check_lock(options: &LockOptions, plans: &[&atakora_core::Plan]) -> Result<(), BuildError> {
    use atakora_core::lock::{self, Lock};
    let io = |error| BuildError::Io {
        path: options.file.clone(),
        error,
    };
    let current: Lock = match fs::read_to_string(&options.file) {
        Ok(text) => {
            serde_json::from_str(&text).map_err(|e| io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Lock::default(),
        Err(e) => return Err(io(e)),
    };
    let (violations, next) = lock::update(&current, plans);
    if !violations.is_empty() {
        if !options.accept_changes {
            return Err(BuildError::Lock {
                file: options.file.clone(),
                diagnostics: violations,
            });
        }
        for v in &violations {
            println!("cargo:warning=atakora: accepted by {ACCEPT_ENV}: {}", v.message);
        }
    }
    let mut text = serde_json::to_string_pretty(&next).expect("the lock serializes");
    text.push('\n');
    write_atomic(&options.file, &text)
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
    backends: Vec<BackendAttr>,
    files: Vec<PathBuf>,
    errors: Vec<String>,
}

/// Read one file; `dir` is where its child modules' files are.
fn walk_file(path: &Path, dir: &Path, crate_name: &str, found: &mut Found) -> Result<(), BuildError> {
    let text = fs::read_to_string(path).map_err(|error| BuildError::Io {
        path: path.to_path_buf(),
        error,
    })?;
    found.files.push(path.to_path_buf());
    match syn::parse_file(&text) {
        Ok(file) => walk_items(&file.items, dir, path.parent().unwrap_or(dir), crate_name, found),
        Err(e) => {
            // Not Rust the compiler accepts: it will say so.
            found.errors.push(format!("{}: {e}", path.display()));
            Ok(())
        }
    }
}

/// `dir` is where child modules' files are; `path_base` is what `#[path]` is relative to (the
/// file's own folder, or the inline module's folder).
fn walk_items(
    items: &[syn::Item],
    dir: &Path,
    path_base: &Path,
    crate_name: &str,
    found: &mut Found,
) -> Result<(), BuildError> {
    let aliases = attribute_aliases(items);
    for item in items {
        match item {
            syn::Item::Struct(s) => visit_struct(s, crate_name, &aliases, found),
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
                match &m.content {
                    Some((_, inner)) => {
                        let inner_dir = dir.join(&name);
                        walk_items(inner, &inner_dir, &inner_dir, crate_name, found)?
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

fn visit_struct(s: &syn::ItemStruct, crate_name: &str, aliases: &[(String, &'static str)], found: &mut Found) {
    found.structs.push(syn::DeriveInput::from(s.clone()));
    let Some((index, kind)) = s
        .attrs
        .iter()
        .enumerate()
        .find_map(|(i, a)| atakora_attr(a, aliases).map(|k| (i, k)))
    else {
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
    // The macro sees the item without its own attribute; so does the parser here.
    let mut item = s.clone();
    item.attrs.remove(index);
    let input = syn::DeriveInput::from(item);
    match kind {
        "crud_api" => {
            let p = parse::crud_api(args, &input);
            found.errors.extend(p.error_messages());
            found.crud.push((input, p.value));
        }
        "functions_app" => {
            let p = parse::functions_app(args, &input);
            found.errors.extend(p.error_messages());
            found.functions.push(p.value);
        }
        _ => {
            let p = parse::backend(args, &input, crate_name);
            found.errors.extend(p.error_messages());
            found.backends.push(p.value);
        }
    }
}
