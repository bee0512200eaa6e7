//! Every template the examples emit validates against the official ARM schemas, offline:
//! whole template, and each resource against its own type and apiVersion. A broken template
//! fails the same check.

use atakora_tests::{ArmSchemas, example_plans};
use serde_json::{Value, json};
use std::sync::OnceLock;

fn schemas() -> &'static ArmSchemas {
    static S: OnceLock<ArmSchemas> = OnceLock::new();
    S.get_or_init(ArmSchemas::load)
}

#[test]
fn every_example_template_is_schema_valid() {
    let plans = example_plans();
    assert!(
        plans.len() >= 5,
        "expected the shop's 3 + 2 deployments, got {}",
        plans.len()
    );
    let (mut templates, mut resources, mut errors) = (0, 0, Vec::new());
    for plan in &plans {
        let template = plan.to_arm();
        let f = schemas().check_template(&template);
        templates += 1;
        resources += f.resources;
        errors.extend(
            f.errors
                .into_iter()
                .map(|e| format!("{}/{}: {e}", plan.backend_id(), plan.environment())),
        );
        let p = schemas().check_parameters(&plan.parameters());
        errors.extend(
            p.into_iter()
                .map(|e| format!("{}/{} parameters: {e}", plan.backend_id(), plan.environment())),
        );
    }
    eprintln!(
        "schema validation: {templates} templates, {resources} resources checked, {} errors",
        errors.len()
    );
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
}

#[test]
fn the_written_files_are_schema_valid_too() {
    // The build script of the shop example wrote these; checking them (not only the
    // registry's values) proves what lands on disk is what a deployment would get.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/atakora");
    let mut checked = 0;
    for plan in example_plans() {
        let path = dir
            .join(plan.backend_id())
            .join(plan.environment())
            .join("azuredeploy.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let template: Value = serde_json::from_str(&text).unwrap();
        let f = schemas().check_template(&template);
        assert!(f.errors.is_empty(), "{}: {:?}", path.display(), f.errors);
        checked += 1;
    }
    assert!(
        checked >= 5,
        "expected the shop example's templates under {}, found {checked}",
        dir.display()
    );
}

fn first_of_type<'a>(t: &'a mut Value, ty: &str) -> &'a mut Value {
    t["resources"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["type"] == ty)
        .unwrap_or_else(|| panic!("no {ty}"))
}

/// Each breakage must be caught: the validation is real, not a formality.
#[test]
fn broken_templates_fail_validation() {
    let plan = example_plans()
        .into_iter()
        .find(|p| p.backend_id() == "api-backend" && p.environment() == "prod")
        .unwrap();
    let good = plan.to_arm();
    assert!(schemas().check_template(&good).errors.is_empty());

    type Breakage = Box<dyn Fn(&mut Value)>;
    let breakages: Vec<(&str, Breakage)> = vec![
        (
            "storage TLS enum",
            Box::new(|t| {
                first_of_type(t, "Microsoft.Storage/storageAccounts")["properties"]["minimumTlsVersion"] =
                    json!("TLS9_9")
            }),
        ),
        (
            "storage sku enum",
            Box::new(|t| first_of_type(t, "Microsoft.Storage/storageAccounts")["sku"]["name"] = json!("Cheapest_LRS")),
        ),
        (
            "unknown apiVersion",
            Box::new(|t| first_of_type(t, "Microsoft.Web/sites")["apiVersion"] = json!("2099-01-01")),
        ),
        (
            "partition key kind",
            Box::new(|t| {
                first_of_type(t, "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers")["properties"]["resource"]
                    ["partitionKey"]["kind"] = json!("Modulo")
            }),
        ),
        (
            "consistency level",
            Box::new(|t| {
                first_of_type(t, "Microsoft.DocumentDB/databaseAccounts")["properties"]["consistencyPolicy"]["defaultConsistencyLevel"] =
                    json!("Sometimes")
            }),
        ),
        (
            "nested child enum",
            Box::new(|t| {
                first_of_type(t, "Microsoft.Storage/storageAccounts/blobServices")["resources"][0]["properties"]["publicAccess"] =
                    json!("Everyone")
            }),
        ),
        (
            "resources as an object",
            Box::new(|t| t["resources"] = json!({ "a": {} })),
        ),
        (
            "missing contentVersion",
            Box::new(|t| {
                t.as_object_mut().unwrap().remove("contentVersion");
            }),
        ),
        (
            "storage without location",
            Box::new(|t| {
                first_of_type(t, "Microsoft.Storage/storageAccounts")
                    .as_object_mut()
                    .unwrap()
                    .remove("location");
            }),
        ),
        (
            "throughput as text",
            Box::new(|t| {
                first_of_type(t, "Microsoft.DocumentDB/databaseAccounts/sqlDatabases")["properties"]["options"]["throughput"] =
                    json!("lots")
            }),
        ),
    ];
    for (what, breakage) in breakages {
        let mut t = good.clone();
        breakage(&mut t);
        let f = schemas().check_template(&t);
        assert!(!f.errors.is_empty(), "validation missed a broken template: {what}");
    }
}

/// Every checkov skip in every emitted template has its row, with its reason, in
/// docs/security.md, and every skip carries a reason.
#[test]
fn every_skipped_check_is_documented() {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/security.md")).unwrap();
    let mut skipped = std::collections::BTreeSet::new();
    fn walk(resources: &Value, out: &mut std::collections::BTreeSet<String>) {
        for r in resources.as_array().into_iter().flatten() {
            for s in r["metadata"]["checkov"].as_array().into_iter().flatten() {
                let text = s.as_str().unwrap();
                let rest = text.strip_prefix("checkov:skip=").expect("skips use checkov's syntax");
                let (id, reason) = rest.split_once(':').expect("every skip has a reason");
                assert!(
                    reason.len() > 40,
                    "{id}: a reason a reviewer would accept, not `{reason}`"
                );
                out.insert(id.to_string());
            }
            walk(&r["resources"], out);
        }
    }
    for plan in example_plans() {
        walk(&plan.to_arm()["resources"], &mut skipped);
    }
    // The page's table lists exactly the checks some template skips: a new skip needs its
    // row (and its reason), and a skip that a setting came to satisfy loses its row.
    let documented: std::collections::BTreeSet<String> = docs
        .split("## Every skipped check")
        .nth(1)
        .expect("docs/security.md has the skipped-check table")
        .lines()
        .take_while(|l| !l.starts_with('#'))
        .filter_map(|l| l.strip_prefix("| CKV_"))
        .map(|l| format!("CKV_{}", l.split(' ').next().unwrap()))
        .collect();
    assert_eq!(
        skipped, documented,
        "skipped by the templates vs. rows of docs/security.md"
    );
    assert!(
        skipped.len() <= 13,
        "more distinct skipped checks than before: {skipped:?}"
    );
}

#[test]
fn the_text_form_is_serde_jsons_pretty_form() {
    // atakora writes its files with a writer of its own (fast in unoptimised build scripts);
    // it must stay byte for byte what serde_json writes, for every file of every example.
    for plan in example_plans() {
        let rendered = plan.rendered();
        for value in [plan.to_arm(), plan.parameters(), plan.manifest()] {
            let mut expected = serde_json::to_string_pretty(&value).unwrap();
            expected.push('\n');
            assert_eq!(atakora_azure::to_text(&value), expected);
        }
        let template: Value = serde_json::from_str(&rendered.template).unwrap();
        let mut expected = serde_json::to_string_pretty(&template).unwrap();
        expected.push('\n');
        assert_eq!(rendered.template, expected);
    }
}
