//! The build helper on small crates written here: it follows every kind of `mod`
//! declaration, skips test-only modules, writes nothing (and does not fail) when an attribute
//! is invalid, and fails with codes when a plan breaks a limit.

use atakora::build::{BuildError, emit_to, read_sources};
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
fn a_plan_breaking_a_limit_fails_the_build_with_its_code() {
    let dir = krate(
        "helper-limit",
        &[(
            "src/lib.rs",
            "#[atakora::crud_api(partition_key = \"/category\", throughput = 20000)]\n#[derive(serde::Serialize, serde::Deserialize)]\npub struct P { pub id: String, pub category: String }\n#[atakora::backend(app = \"lim\", limits(max_throughput_per_database = 10000))] pub struct B { pub p: atakora::CrudApi<P> }\n",
        )],
    );
    let out = dir.join("out");
    match emit_to(&dir, "lim", &out) {
        Err(e @ BuildError::Plan { .. }) => {
            let text = e.to_string();
            assert!(text.contains("ATK0403"), "{text}");
            assert!(text.contains("`p` 20000"), "{text}");
        }
        other => panic!("expected a plan error, got {other:?}"),
    }
    assert!(!out.exists());
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
        Err(BuildError::Source { diagnostics }) => {
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
    use atakora::build::{EmitOptions, LockOptions, emit_with};

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

    fn lock_violation(result: Result<atakora::build::Emitted, BuildError>) -> (Vec<String>, String) {
        match result {
            Err(e @ BuildError::Lock { .. }) => {
                let text = e.to_string();
                let BuildError::Lock { diagnostics, .. } = e else {
                    unreachable!()
                };
                (diagnostics.iter().map(|d| d.code.as_str().to_string()).collect(), text)
            }
            other => panic!("expected a lock violation, got {other:?}"),
        }
    }

    #[test]
    fn first_build_creates_the_lock_and_an_unchanged_build_keeps_it() {
        let dir = krate("lock-create", &[("src/lib.rs", &shop("/userId", "orders", ""))]);
        build(&dir, false).unwrap();
        let lock = fs::read_to_string(dir.join("atakora.lock")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&lock).unwrap();
        assert_eq!(
            v["deployments"]["shop/prod"]["cosmosAccounts"][0]["databases"][0]["containers"][0]["partitionKey"],
            serde_json::json!(["/userId"])
        );
        assert_eq!(v["deployments"]["shop/dev"]["storageAccount"], "stlockeddev{suffix}");
        build(&dir, false).unwrap();
        assert_eq!(fs::read_to_string(dir.join("atakora.lock")).unwrap(), lock);
    }

    #[test]
    fn a_changed_partition_key_fails_until_accepted() {
        let dir = krate("lock-pk", &[("src/lib.rs", &shop("/userId", "orders", ""))]);
        build(&dir, false).unwrap();
        let before = fs::read_to_string(dir.join("atakora.lock")).unwrap();
        fs::write(dir.join("src/lib.rs"), shop("/tenantId", "orders", "")).unwrap();
        let (codes, text) = lock_violation(build(&dir, false));
        assert_eq!(codes, ["ATK0410", "ATK0410"], "one per environment");
        eprintln!("{text}");
        assert!(text.contains("in `shop/dev`, the partition key of container `orders` (field `orders`) would change from [\"/userId\"] to [\"/tenantId\"]"), "{text}");
        assert!(text.contains("ATAKORA_ACCEPT_LOCK_CHANGES=1"), "{text}");
        assert_eq!(
            fs::read_to_string(dir.join("atakora.lock")).unwrap(),
            before,
            "a refused change leaves the lock alone"
        );
        // Accepted: the lock records the new key, and the next build passes without acceptance.
        build(&dir, true).unwrap();
        assert!(
            fs::read_to_string(dir.join("atakora.lock"))
                .unwrap()
                .contains("/tenantId")
        );
        build(&dir, false).unwrap();
    }

    #[test]
    fn a_renamed_container_fails() {
        let dir = krate("lock-rename", &[("src/lib.rs", &shop("/userId", "orders", ""))]);
        build(&dir, false).unwrap();
        fs::write(dir.join("src/lib.rs"), shop("/userId", "purchases", "")).unwrap();
        let (codes, text) = lock_violation(build(&dir, false));
        assert_eq!(codes, ["ATK0409", "ATK0409"]);
        eprintln!("{text}");
        assert!(text.contains("the container of `orders` (`Order`) would move from `cosno-locked-dev-{suffix}/locked/orders` to `cosno-locked-dev-{suffix}/locked/purchases`"), "{text}");
    }

    #[test]
    fn a_renamed_app_renames_every_account_and_fails() {
        let dir = krate("lock-app", &[("src/lib.rs", &shop("/userId", "orders", ""))]);
        build(&dir, false).unwrap();
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
    fn additions_extend_the_lock() {
        let dir = krate("lock-add", &[("src/lib.rs", &shop("/userId", "orders", ""))]);
        build(&dir, false).unwrap();
        let extra = "#[atakora::crud_api(partition_key = \"/id\")]\n#[derive(serde::Serialize, serde::Deserialize)]\npub struct Note { pub id: String }\n";
        let lib = shop("/userId", "orders", extra).replace(
            "pub orders: atakora::CrudApi<Order> }",
            "pub orders: atakora::CrudApi<Order>, pub notes: atakora::CrudApi<Note> }",
        );
        fs::write(dir.join("src/lib.rs"), lib).unwrap();
        build(&dir, false).unwrap();
        assert!(
            fs::read_to_string(dir.join("atakora.lock"))
                .unwrap()
                .contains("\"notes\"")
        );
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
        Err(BuildError::Source { diagnostics }) => {
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
