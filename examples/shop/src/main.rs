//! `cargo run -p atakora-example-shop`: the build script has written the templates; this
//! lists them (stderr), then serves the API backend's CRUD APIs on http://127.0.0.1:7071
//! (`PORT` to change it) from `.atakora/api-backend.db`, one JSON log line per request on
//! stdout. `cargo run -p atakora-example-shop -- templates` only lists the templates;
//! `-- package <handler-binary> [<out-dir>]` writes the API app's `released-package.zip`.

use atakora_example_shop::ApiBackend;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = list_templates() {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }
    match args.first().map(String::as_str) {
        None => atakora::serve::<ApiBackend>(),
        Some("templates") => ExitCode::SUCCESS,
        Some("package") => match args.get(1) {
            Some(binary) => package(Path::new(binary), args.get(2).map(PathBuf::from)),
            None => {
                eprintln!("usage: atakora-example-shop package <handler-binary> [<out-dir>]");
                ExitCode::FAILURE
            }
        },
        Some(other) => {
            eprintln!("unknown command `{other}`: expected nothing (serve), `templates` or `package`");
            ExitCode::FAILURE
        }
    }
}

fn list_templates() -> Result<(), atakora::PlanError> {
    let dir = Path::new(env!("ATAKORA_TEMPLATES_DIR"));
    eprintln!("atakora: templates written by build.rs under {}", dir.display());
    for spec in atakora::registry::backends() {
        for env in spec.environments.iter() {
            let plan = atakora::Plan::resolve(spec, env)?;
            let folder = dir.join(plan.backend_id()).join(plan.environment());
            let manifest = plan.manifest();
            let report = plan.validate();
            eprintln!(
                "{}  resources={} errors={} warnings={}",
                folder.join("azuredeploy.json").display(),
                manifest["templateResources"],
                report.errors.len(),
                report.warnings.len()
            );
        }
    }
    Ok(())
}

fn package(binary: &Path, out: Option<PathBuf>) -> ExitCode {
    let out = out.unwrap_or_else(|| Path::new(env!("ATAKORA_TEMPLATES_DIR")).join("api-backend"));
    match atakora::serve::package::<ApiBackend>(binary, &out) {
        Ok(p) => {
            eprintln!("atakora: wrote {}", p.path.display());
            for (name, mode) in &p.entries {
                eprintln!("  {mode:o}  {name}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("atakora: {e}");
            ExitCode::FAILURE
        }
    }
}
