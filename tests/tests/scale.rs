//! A backend of 5,000 CRUD entities: split to Azure's limits (accounts of at most 500
//! databases and containers, templates of at most 800 resources and 4 MB), every part
//! schema-valid, every entity present, the manifest listing every part; and where `limits`
//! forbid the split, the error naming the limit.

use atakora::spec::{BackendSpec, ComponentSpec, CrudApiSpec, Operations};
use atakora_azure::limits::{MAX_RESOURCES, MAX_TEMPLATE_BYTES, resource_count};
use atakora_azure::parts;
use atakora_core::plan::CosmosAccount;
use atakora_tests::ArmSchemas;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashSet;

/// `n` entities with default options, every fourth read-only (readers next to writers).
fn spec(n: usize) -> BackendSpec {
    let mut backend = BackendSpec::with_defaults("ScaleBackend", "scale");
    let components: Vec<ComponentSpec> = (0..n)
        .map(|i| {
            let mut api = CrudApiSpec::with_defaults(&format!("Entity{i:04}"));
            if i % 4 == 3 {
                api.operations = Operations(Operations::READ | Operations::LIST);
            }
            ComponentSpec::CrudApi {
                field: Cow::Owned(format!("e{i:04}")),
                api: Cow::Owned(api),
            }
        })
        .collect();
    backend.components = Cow::Owned(components);
    backend
}

#[test]
fn five_thousand_entities_split_within_azure_limits() {
    let plan = atakora::Plan::resolve(&spec(5000), "dev").unwrap();
    let report = plan.validate();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let warnings: Vec<&str> = report.warnings.iter().map(|d| d.code.as_str()).collect();
    assert!(
        warnings.contains(&"ATK0913") && warnings.contains(&"ATK0914"),
        "{warnings:?}"
    );

    // Accounts within 500 databases + containers.
    let accounts = &plan.model().cosmos_accounts;
    assert!(accounts.len() > 1);
    for a in accounts {
        assert!(
            a.resources() <= CosmosAccount::MAX_DATABASES_AND_CONTAINERS,
            "{}: {}",
            a.name,
            a.resources()
        );
    }

    // Every part within ARM's limits, schema-valid, each dependency in it or an earlier part.
    let files = plan.render();
    let texts: Vec<(String, &str)> = files.templates().collect();
    assert!(texts.len() > 1);
    let schemas = ArmSchemas::load();
    let mut containers = HashSet::new();
    let mut earlier: HashSet<String> = HashSet::new();
    let (mut largest, mut largest_bytes) = (0, 0);
    for (name, text) in &texts {
        let part: Value = serde_json::from_str(text).unwrap();
        let count = resource_count(&part);
        assert!(count <= MAX_RESOURCES, "{name}: {count} resources");
        assert!(text.len() <= MAX_TEMPLATE_BYTES, "{name}: {} bytes", text.len());
        largest = largest.max(count);
        largest_bytes = largest_bytes.max(text.len());
        let found = schemas.check_template(&part);
        assert!(
            found.errors.is_empty(),
            "{name}: {:?}",
            &found.errors[..found.errors.len().min(5)]
        );
        assert!(
            parts::unresolved_dependencies(&part).is_empty(),
            "{name} waits for a resource outside it"
        );
        for r in part["resources"].as_array().unwrap() {
            if r["type"] == "Microsoft.Resources/deployments" {
                let inner = resource_count(&r["properties"]["template"]);
                assert!(inner <= MAX_RESOURCES, "{name}: a nested deployment of {inner}");
            }
            if r["type"] == "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers" {
                containers.insert(r["properties"]["resource"]["id"].as_str().unwrap().to_string());
            }
            earlier.insert(r["name"].to_string());
        }
        let outputs = part["outputs"].as_object().unwrap();
        assert_eq!(
            outputs.is_empty(),
            name != &texts.last().unwrap().0,
            "outputs only in the last part"
        );
    }
    // Every entity's container is deployed.
    let expected: HashSet<String> = spec(5000)
        .components
        .iter()
        .map(|c| match c {
            ComponentSpec::CrudApi { api, .. } => api.container.to_string(),
            ComponentSpec::FunctionsApp { .. } => unreachable!(),
        })
        .collect();
    assert_eq!(containers, expected);

    // The manifest lists every part, in order, and every container.
    let manifest: Value = serde_json::from_str(&files.manifest).unwrap();
    let listed: Vec<&str> = manifest["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["file"].as_str().unwrap())
        .collect();
    let names: Vec<&str> = texts.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(listed, names);
    let manifest_containers = manifest["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers")
        .count();
    assert_eq!(manifest_containers, 5000);
    eprintln!(
        "5,000 entities: {} accounts, {} template parts, largest {largest} resources, {largest_bytes} bytes at most",
        accounts.len(),
        texts.len()
    );
}

#[test]
fn readers_next_to_writers_keep_container_scopes() {
    use atakora_core::plan::{GrantScope, Role};
    let plan = atakora::Plan::resolve(&spec(8), "dev").unwrap();
    let grants: Vec<(Role, &GrantScope)> = plan
        .model()
        .grants
        .iter()
        .filter(|g| matches!(g.role, Role::CosmosDataReader | Role::CosmosDataContributor))
        .map(|g| (g.role, &g.scope))
        .collect();
    // Two read-only containers among eight: Data Reader on the database, Data Contributor on
    // each of the six written, none on the two read-only ones.
    assert_eq!(grants.len(), 7, "{grants:?}");
    assert!(matches!(
        grants[0],
        (Role::CosmosDataReader, GrantScope::CosmosDatabase { .. })
    ));
    for (role, scope) in &grants[1..] {
        let GrantScope::CosmosContainer { container, .. } = scope else {
            panic!("{scope:?}")
        };
        assert_eq!(*role, Role::CosmosDataContributor);
        let i: usize = container
            .trim_start_matches("entity")
            .trim_end_matches('s')
            .parse()
            .unwrap();
        assert_ne!(i % 4, 3, "read-only entity {i} got a write role");
    }
}

#[test]
fn limits_that_forbid_further_accounts_name_the_limit() {
    let mut s = spec(1000);
    s.limits.max_cosmos_accounts = Some(1);
    let plan = atakora::Plan::resolve(&s, "dev").unwrap();
    let errors = plan.validate().errors;
    let e = errors.iter().find(|d| d.code.as_str() == "ATK0420").expect("ATK0420");
    assert!(
        e.message.contains("max_cosmos_accounts = 1") && e.message.contains("`e"),
        "{}",
        e.message
    );
}
