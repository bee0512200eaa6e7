//! The templates `build.rs` wrote (from the sources, before this crate compiled) are byte for
//! byte what the registry gives at run time (from the macros' const specs).

use atakora::Backend;
use atakora_example_shop::ApiBackend;
use std::path::Path;

#[test]
fn build_script_output_equals_registry_output() {
    let dir = Path::new(env!("ATAKORA_TEMPLATES_DIR"));
    let _ = ApiBackend::spec();
    let mut compared = 0;
    for spec in atakora::registry::backends() {
        for env in spec.environments.iter() {
            let rendered = atakora::Plan::resolve(spec, env).unwrap().render();
            let folder = dir.join(atakora::spec::kebab_case(&spec.type_name)).join(env.as_ref());
            for (file, expected) in [
                ("azuredeploy.json", &rendered.template),
                ("azuredeploy.parameters.json", &rendered.parameters),
                ("manifest.json", &rendered.manifest),
            ] {
                let path = folder.join(file);
                let on_disk = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                assert!(
                    on_disk == *expected,
                    "{} differs from the registry's rendering",
                    path.display()
                );
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 9, "3 files for each of the 3 deployments");
}
