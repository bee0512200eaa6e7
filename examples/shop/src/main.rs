//! `cargo run -p atakora-example-shop`: the build script has written the templates; this
//! prints where they are and what each deployment holds (data on stdout, one line each).

use atakora::Backend;
use atakora_example_shop::{ApiBackend, ProcessingBackend};
use std::path::Path;

fn main() {
    let _ = (ApiBackend::spec(), ProcessingBackend::spec());
    let dir = Path::new(env!("ATAKORA_TEMPLATES_DIR"));
    eprintln!("atakora: templates written by build.rs under {}", dir.display());
    for spec in atakora::registry::backends() {
        for env in spec.environments.iter() {
            let plan = match atakora::Plan::resolve(spec, env) {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("{e}");
                    std::process::exit(1);
                }
            };
            let folder = dir.join(plan.backend_id()).join(plan.environment());
            let manifest = plan.manifest();
            let report = plan.validate();
            println!(
                "{}  resources={} errors={} warnings={}",
                folder.join("azuredeploy.json").display(),
                manifest["templateResources"],
                report.errors.len(),
                report.warnings.len()
            );
            for r in manifest["resources"].as_array().into_iter().flatten() {
                println!(
                    "    {:<62} {}",
                    r["type"].as_str().unwrap_or_default(),
                    r["name"].as_str().unwrap_or_default()
                );
            }
        }
    }
}
