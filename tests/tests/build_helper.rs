//! The build helper on small crates written here: it follows every kind of `mod`
//! declaration, skips test-only modules, writes nothing (and does not fail) when the compiler
//! will report the mistake (an invalid attribute, a cross-item rule), fails with codes and
//! source places for mistakes only it sees, compares plans with the deployments recorded in
//! `atakora.lock` (never writing it), and keeps its output folder tidy.

use atakora::build::{BuildError, Project, emit_to, read_sources};
use std::fs;
use std::path::{Path, PathBuf};

fn krate(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&dir);
    for (path, text) in files {
        let p = dir.join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    dir
}

const ENTITY: &str = r#"
use atakora::crud_api;
#[crud_api(partition_key = "/category")]
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Product { pub id: String, pub category: String }
"#;

#[test]
fn follows_mod_files_dirs_paths_and_inline_modules_but_not_test_modules() {
    let dir = krate(
        "helper-modules",
        &[
            (
                "src/lib.rs",
                "pub mod catalog;\npub mod jobs;\npub mod api { pub mod inner; }\n#[cfg(test)] mod tests;\n",
            ),
            ("src/catalog/mod.rs", "pub mod product;\n"),
            // A non-mod.rs file: `#[path]` is relative to its own folder (src/), not src/jobs/.
            (
                "src/jobs.rs",
                "#[path = \"elsewhere/jobs_impl.rs\"] mod imp;\npub use imp::Mailer;\n",
            ),
            ("src/catalog/product.rs", ENTITY),
            (
                "src/elsewhere/jobs_impl.rs",
                "#[atakora::functions_app(memory_mb = 512)] pub struct Mailer;\n",
            ),
            (
                "src/api/inner.rs",
                "use atakora::{backend, CrudApi, FunctionsApp};\nuse crate::{catalog::product::Product, jobs::Mailer};\n#[backend(app = \"mods\")]\npub struct Mods { pub products: CrudApi<Product>, pub mailer: FunctionsApp<Mailer> }\n",
            ),
            (
                "src/tests.rs",
                "#[atakora::backend(app = \"ignored\")] pub struct NotBuilt { pub x: atakora::CrudApi<crate::catalog::product::Product> }\n",
            ),
        ],
    );
    let sources = read_sources(&dir, "mods").unwrap();
    assert!(sources.errors.is_empty(), "{:?}", sources.errors);
    assert_eq!(
        sources.backends.len(),
        1,
        "the #[cfg(test)] module is not part of the crate"
    );
    let b = &sources.backends[0];
    assert_eq!(b.type_name, "Mods");
    let fields: Vec<&str> = b.components.iter().map(|c| c.field()).collect();
    assert_eq!(fields, ["products", "mailer"]);
    assert_eq!(sources.files.len(), 6);
    let out = dir.join("out");
    let emitted = emit_to(&dir, "mods", &out).unwrap();
    assert_eq!(emitted.deployments, [out.join("mods/dev")]);
    for f in ["azuredeploy.json", "azuredeploy.parameters.json", "manifest.json"] {
        assert!(out.join("mods/dev").join(f).is_file(), "{f}");
    }
}

#[test]
fn an_invalid_attribute_writes_nothing_and_leaves_the_error_to_the_compiler() {
    let dir = krate(
        "helper-invalid",
        &[(
            "src/lib.rs",
            "#[atakora::crud_api(partition_key = \"/category\", ttl = 0)]\n#[derive(serde::Serialize, serde::Deserialize)]\npub struct P { pub id: String, pub category: String }\n#[atakora::backend(app = \"bad\")] pub struct B { pub p: atakora::CrudApi<P> }\n",
        )],
    );
    let sources = read_sources(&dir, "bad").unwrap();
    assert_eq!(sources.errors.len(), 1);
    assert!(sources.errors[0].starts_with("ATK0110: `ttl`"), "{}", sources.errors[0]);
    let out = dir.join("out");
    let emitted = emit_to(&dir, "bad", &out).unwrap();
    assert!(emitted.skipped_for_compile_errors);
    assert!(!out.exists(), "nothing may be written");
}

#[test]
fn a_component_that_is_not_annotated_writes_nothing() {
    let dir = krate(
        "helper-unannotated",
        &[(
            "src/lib.rs",
            "pub struct P { pub id: String }\n#[atakora::backend(app = \"bad\")] pub struct B { pub p: atakora::CrudApi<P> }\n",
        )],
    );
    let out = dir.join("out");
    let emitted = emit_to(&dir, "bad", &out).unwrap();
    assert!(emitted.skipped_for_compile_errors);
    assert!(!out.exists());
}

#[test]
fn a_plan_breaking_a_cross_item_rule_is_left_to_the_compiler_but_validate_places_it() {
    let dir = krate(
        "helper-limit",
        &[(
            "src/lib.rs",
            "#[atakora::crud_api(partition_key = \"/category\", throughput = 20000)]\n#[derive(serde::Serialize, serde::Deserialize)]\npub struct P { pub id: String, pub category: String }\n#[atakora::backend(app = \"lim\", limits(max_throughput_per_database = 10000))] pub struct B { pub p: atakora::CrudApi<P> }\n",
        )],
    );
    let out = dir.join("out");
    // ATK0403 is a `const` assertion of `#[backend]`: rustc reports it with a span.
    let emitted = emit_to(&dir, "lim", &out).unwrap();
    assert!(emitted.skipped_for_compile_errors);
    assert!(!out.exists());
    let project = Project::load(&dir, "lim", None, None).unwrap();
    let f = project.errors().next().expect("an error");
    assert_eq!(f.diagnostic.code.as_str(), "ATK0403");
    assert!(
        f.diagnostic.message.contains("20000 dedicated to `p`"),
        "{}",
        f.diagnostic.message
    );
    let at = f.location.as_ref().expect("a place");
    assert_eq!((at.file.as_str(), at.line, at.column), ("src/lib.rs", 4, 40));
    assert_eq!(
        f.render(false),
        "error[ATK0403]: database `lim` in `dev` needs 20000 RU/s (20000 dedicated to `p`), above `max_throughput_per_database = 10000`\n \
         --> src/lib.rs:4:40\n  |\n4 | #[atakora::backend(app = \"lim\", limits(max_throughput_per_database = 10000))] pub struct B { pub p: atakora::CrudApi<P> }\n  \
         |                                        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n  |\n  = note: in backend `B`, environment `dev`\n  \
         = help: lower the components' throughput for this environment, or raise the limit"
    );
}

#[test]
fn a_source_file_that_is_not_rust_writes_nothing() {
    let dir = krate("helper-syntax", &[("src/lib.rs", "pub struct {\n")]);
    let emitted = emit_to(&dir, "syntax", &dir.join("out")).unwrap();
    assert!(emitted.skipped_for_compile_errors);
}

#[test]
fn nested_key_paths_are_checked_against_the_nested_struct() {
    let lib = |path: &str| {
        format!(
            "#[derive(serde::Serialize, serde::Deserialize)]\n#[serde(rename_all = \"camelCase\")]\npub struct Address {{ pub zip_code: String }}\n\
             #[atakora::crud_api(partition_key = \"{path}\")]\n#[derive(serde::Serialize, serde::Deserialize)]\npub struct Customer {{ pub id: String, pub address: Option<Address> }}\n\
             #[atakora::backend(app = \"nested\")] pub struct B {{ pub c: atakora::CrudApi<Customer> }}\n"
        )
    };
    let good = krate("helper-nested-good", &[("src/lib.rs", &lib("/address/zipCode"))]);
    emit_to(&good, "nested", &good.join("out")).unwrap();
    let bad = krate("helper-nested-bad", &[("src/lib.rs", &lib("/address/zip_code"))]);
    match emit_to(&bad, "nested", &bad.join("out")) {
        Err(e @ BuildError::Source { .. }) => {
            let diagnostics = e.diagnostics();
            assert_eq!(diagnostics.len(), 1);
            assert_eq!(diagnostics[0].code.as_str(), "ATK0102");
            assert_eq!(
                diagnostics[0].message,
                "`partition_key` path `/address/zip_code` of `Customer`: `Address` has no serialized field `zip_code`"
            );
            assert_eq!(diagnostics[0].help.as_deref(), Some("did you mean `zipCode`?"));
        }
        other => panic!("expected a source error, got {other:?}"),
    }
    assert!(!bad.join("out").exists());
}

mod lock {
    use super::*;
    use atakora::build::{EmitOptions, LockOptions, emit_with, read_lock, write_lock};
    use atakora_core::lock::{Record, RecordedBy};

    fn shop(pk: &str, container: &str, extra: &str) -> String {
        format!(
            "#[atakora::crud_api(partition_key = \"{pk}\", container = \"{container}\")]\n#[derive(serde::Serialize, serde::Deserialize)]\n#[serde(rename_all = \"camelCase\")]\n\
             pub struct Order {{ pub id: String, pub user_id: String, pub tenant_id: String }}\n{extra}\n\
             #[atakora::backend(app = \"locked\", environments(dev, prod))] pub struct Shop {{ pub orders: atakora::CrudApi<Order> }}\n"
        )
    }

    fn build(dir: &Path, accept: bool) -> Result<atakora::build::Emitted, BuildError> {
        emit_with(&EmitOptions {
            manifest_dir: dir.to_path_buf(),
            crate_name: "locked".into(),
            out_dir: dir.join("out"),
            lock: Some(LockOptions {
                file: dir.join("atakora.lock"),
                accept_changes: accept,
            }),
        })
    }

    /// What `cargo atakora deploy` records after a deployment of every environment.
    fn deploy(dir: &Path) {
        let file = dir.join("atakora.lock");
        let project = Project::load(dir, "locked", Some(&file), None).unwrap();
        let mut lock = read_lock(&file).unwrap();
        for plan in &project.plans {
            lock = atakora_core::lock::record(
                &lock,
                plan.model(),
                Record {
                    by: RecordedBy::Deploy,
                    commit: Some("0123456789abcdef0123".into()),
                    resource_group: Some(format!("rg-locked-{}", plan.environment())),
                },
            );
        }
        write_lock(&file, &lock).unwrap();
    }

    fn lock_violation(result: Result<atakora::build::Emitted, BuildError>) -> (Vec<String>, String) {
        match result {
            Err(e @ BuildError::Lock { .. }) => {
                let text = e.to_string();
                (
                    e.diagnostics().iter().map(|d| d.code.as_str().to_string()).collect(),
                    text,
                )
            }
            other => panic!("expected a lock violation, got {other:?}"),
        }
    }

    #[test]
    fn builds_never_write_the_lock_and_plans_change_freely_before_a_deployment() {
        let dir = krate("lock-free", &[("src/lib.rs", &shop("/userId", "orders", ""))]);
        build(&dir, false).unwrap();
        assert!(!dir.join("atakora.lock").exists(), "a build records nothing");
        // Renaming and re-keying before anything was deployed is fine.
        fs::write(
            dir.join("src/lib.rs"),
            shop("/tenantId", "purchases", "").replace("app = \"locked\"", "app = \"renamed\""),
        )
        .unwrap();
        build(&dir, false).unwrap();
        assert!(!dir.join("atakora.lock").exists());
    }

    #[test]
    fn a_deployment_recorded_in_the_lock_refuses_a_changed_partition_key() {
        let dir = krate("lock-pk", &[("src/lib.rs", &shop("/userId", "orders", ""))]);
        deploy(&dir);
        let lock = fs::read_to_string(dir.join("atakora.lock")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&lock).unwrap();
        assert_eq!(v["version"], 2);
        assert_eq!(
            v["deployments"]["shop/prod"]["cosmosAccounts"][0]["databases"][0]["containers"][0]["partitionKey"],
            serde_json::json!(["/userId"])
        );
        assert_eq!(v["deployments"]["shop/dev"]["recorded"]["by"], "deploy");
        build(&dir, false).unwrap();
        fs::write(dir.join("src/lib.rs"), shop("/tenantId", "orders", "")).unwrap();
        let (codes, text) = lock_violation(build(&dir, false));
        assert_eq!(codes, ["ATK0410", "ATK0410"], "one per environment");
        assert!(text.contains("error[ATK0410]: `shop/dev` was deployed from commit 0123456789ab to resource group `rg-locked-dev`; the partition key of container `orders` (field `orders`) would change from [\"/userId\"] to [\"/tenantId\"]"), "{text}");
        assert!(
            text.contains("--> src/lib.rs:1:21"),
            "points at the partition key: {text}"
        );
        assert!(text.contains("cargo atakora accept --env dev"), "{text}");
        assert_eq!(
            fs::read_to_string(dir.join("atakora.lock")).unwrap(),
            lock,
            "builds never write the lock"
        );
        // Accepted for this build: warnings, the lock unchanged.
        let emitted = build(&dir, true).unwrap();
        assert_eq!(
            emitted
                .warnings
                .iter()
                .filter(|w| w.diagnostic.code.as_str() == "ATK0410")
                .count(),
            2
        );
        assert_eq!(fs::read_to_string(dir.join("atakora.lock")).unwrap(), lock);
        // Recorded (what `cargo atakora accept` does): the next build passes.
        deploy(&dir);
        build(&dir, false).unwrap();
    }

    #[test]
    fn a_renamed_container_of_a_deployment_fails() {
        let dir = krate("lock-rename", &[("src/lib.rs", &shop("/userId", "orders", ""))]);
        deploy(&dir);
        fs::write(dir.join("src/lib.rs"), shop("/userId", "purchases", "")).unwrap();
        let (codes, text) = lock_violation(build(&dir, false));
        assert_eq!(codes, ["ATK0409", "ATK0409"]);
        assert!(text.contains("the container of `orders` (`Order`) would move from `cosno-locked-dev-{suffix}/locked/orders` to `cosno-locked-dev-{suffix}/locked/purchases`"), "{text}");
    }

    #[test]
    fn a_renamed_app_renames_every_account_and_fails() {
        let dir = krate("lock-app", &[("src/lib.rs", &shop("/userId", "orders", ""))]);
        deploy(&dir);
        fs::write(
            dir.join("src/lib.rs"),
            shop("/userId", "orders", "").replace("app = \"locked\"", "app = \"renamed\""),
        )
        .unwrap();
        let (codes, _) = lock_violation(build(&dir, false));
        assert!(
            codes.iter().all(|c| c == "ATK0409") && codes.len() == 4,
            "storage and container per environment: {codes:?}"
        );
    }

    #[test]
    fn a_version_1_lock_written_by_a_build_says_so() {
        let dir = krate("lock-v1", &[("src/lib.rs", &shop("/userId", "orders", ""))]);
        deploy(&dir);
        let v1 = fs::read_to_string(dir.join("atakora.lock"))
            .unwrap()
            .replace("\"version\": 2", "\"version\": 1");
        let mut v: serde_json::Value = serde_json::from_str(&v1).unwrap();
        for d in v["deployments"].as_object_mut().unwrap().values_mut() {
            d.as_object_mut().unwrap().remove("recorded");
        }
        fs::write(dir.join("atakora.lock"), serde_json::to_string_pretty(&v).unwrap()).unwrap();
        fs::write(dir.join("src/lib.rs"), shop("/userId", "purchases", "")).unwrap();
        let (_, text) = lock_violation(build(&dir, false));
        assert!(text.contains("`shop/dev` is recorded in atakora.lock by an older atakora, which wrote the lock on every build, deployed or not"), "{text}");
        assert!(
            text.contains("if it was never deployed, remove its entry from atakora.lock"),
            "{text}"
        );
    }

    #[test]
    fn additions_to_a_deployment_are_not_violations() {
        let dir = krate("lock-add", &[("src/lib.rs", &shop("/userId", "orders", ""))]);
        deploy(&dir);
        let extra = "#[atakora::crud_api(partition_key = \"/id\")]\n#[derive(serde::Serialize, serde::Deserialize)]\npub struct Note { pub id: String }\n";
        let lib = shop("/userId", "orders", extra).replace(
            "pub orders: atakora::CrudApi<Order> }",
            "pub orders: atakora::CrudApi<Order>, pub notes: atakora::CrudApi<Note> }",
        );
        fs::write(dir.join("src/lib.rs"), lib).unwrap();
        build(&dir, false).unwrap();
    }
}

#[test]
fn two_backends_that_would_share_names_fail_the_build() {
    let dir = krate(
        "helper-cross-backend",
        &[(
            "src/lib.rs",
            "#[atakora::functions_app] pub struct Worker;\n#[atakora::functions_app] pub struct Mailer;\n\
             #[atakora::backend] pub struct Jobs { pub worker: atakora::FunctionsApp<Worker> }\n\
             #[atakora::backend] pub struct Mail { pub mailer: atakora::FunctionsApp<Mailer> }\n",
        )],
    );
    match emit_to(&dir, "same-app", &dir.join("out")) {
        Err(e @ BuildError::Source { .. }) => {
            let diagnostics = e.diagnostics();
            let messages: Vec<&str> = diagnostics.iter().map(|d| d.message.as_str()).collect();
            assert!(messages.contains(&"backends `Jobs` and `Mail` both name a storage account `stsameappdev{suffix}` in environment `dev`"), "{messages:?}");
            assert!(diagnostics.iter().all(|d| d.code.as_str() == "ATK0407"));
        }
        other => panic!("expected a collision, got {other:?}"),
    }
}

#[test]
fn renamed_attribute_imports_are_followed() {
    let dir = krate(
        "helper-aliases",
        &[(
            "src/lib.rs",
            "use atakora::{crud_api as api, backend as deployment};\nuse atakora::functions_app as worker;\n\
             #[api(partition_key = \"/id\", ttl = 60)]\n#[derive(serde::Serialize, serde::Deserialize)]\npub struct Note { pub id: String }\n\
             #[worker(memory_mb = 512)] pub struct Mailer;\n\
             #[deployment(app = \"aliases\")] pub struct B { pub notes: atakora::CrudApi<Note>, pub mailer: atakora::FunctionsApp<Mailer> }\n",
        )],
    );
    let sources = read_sources(&dir, "aliases").unwrap();
    assert!(sources.errors.is_empty(), "{:?}", sources.errors);
    assert_eq!(sources.backends.len(), 1);
    assert_eq!(sources.backends[0].components.len(), 2);
    let out = dir.join("out");
    assert_eq!(emit_to(&dir, "aliases", &out).unwrap().deployments, [out.join("b/dev")]);
}

mod housekeeping {
    use super::*;

    const TWO: &str = "#[atakora::functions_app] pub struct Worker;\n#[atakora::functions_app] pub struct Mailer;\n\
        #[atakora::backend(app = \"jobs\", environments(dev, prod))] pub struct Jobs { pub worker: atakora::FunctionsApp<Worker> }\n\
        #[atakora::backend(app = \"mail\")] pub struct Mail { pub mailer: atakora::FunctionsApp<Mailer> }\n";

    #[test]
    fn removed_backends_and_environments_lose_their_folders() {
        let dir = krate(
            "tidy-removed",
            &[("Cargo.toml", "[package]\nname = \"tidy\"\n"), ("src/lib.rs", TWO)],
        );
        let out = dir.join("out");
        emit_to(&dir, "tidy", &out).unwrap();
        for d in ["jobs/dev", "jobs/prod", "mail/dev"] {
            assert!(out.join(d).join("azuredeploy.json").is_file(), "{d}");
        }
        let fewer = TWO.replace("environments(dev, prod)", "environments(dev)").replace(
            "#[atakora::backend(app = \"mail\")] pub struct Mail { pub mailer: atakora::FunctionsApp<Mailer> }\n",
            "",
        );
        fs::write(dir.join("src/lib.rs"), fewer).unwrap();
        let emitted = emit_to(&dir, "tidy", &out).unwrap();
        assert_eq!(emitted.removed, [out.join("jobs/prod"), out.join("mail")]);
        assert!(out.join("jobs/dev/azuredeploy.json").is_file());
        assert!(!out.join("jobs/prod").exists() && !out.join("mail").exists());
    }

    #[test]
    fn two_crates_with_a_backend_of_the_same_name_are_refused_clearly() {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tidy-shared-out");
        let _ = fs::remove_dir_all(&out);
        let a = krate(
            "tidy-crate-a",
            &[("Cargo.toml", "[package]\nname = \"a\"\n"), ("src/lib.rs", TWO)],
        );
        let b = krate(
            "tidy-crate-b",
            &[("Cargo.toml", "[package]\nname = \"b\"\n"), ("src/lib.rs", TWO)],
        );
        emit_to(&a, "a", &out).unwrap();
        match emit_to(&b, "b", &out) {
            Err(e @ BuildError::Collision { .. }) => {
                let text = e.to_string();
                assert!(
                    text.starts_with(
                        "error[ATK0407]: the templates of backend `jobs` would overwrite those of crate `a` ("
                    ),
                    "{text}"
                );
                assert!(text.contains("rename one of the backend structs"), "{text}");
            }
            other => panic!("expected a collision, got {other:?}"),
        }
        // The first crate's templates are intact and it still builds.
        emit_to(&a, "a", &out).unwrap();
    }
}
