//! Compute: one Flex Consumption app (and plan: Flex allows one app per plan) serving every
//! CRUD API, one per `#[functions_app]`; each with its deployment container in the shared
//! storage account and its publishing-credential policies.

use super::context::Resolver;
use crate::naming::{ResourceKind, ResourceName, SUFFIX_LEN, unique_string};
use crate::plan::{AppRole, DeclaredBy, FunctionApp, Identity, StorageAccount};
use crate::rules;
use crate::spec::{FunctionsAppSpec, kebab_case};

pub(crate) fn resolve(r: &mut Resolver, storage: &StorageAccount) -> Vec<FunctionApp> {
    r.finding(rules::function_app_limit(r.spec));
    for i in 0..r.spec.components.len() {
        r.finding(rules::always_ready_zone_redundant(r.spec, i));
    }
    let mut apps = Vec::new();
    let crud: Vec<String> = r.crud_apis().map(|(f, _)| f.to_string()).collect();
    if !crud.is_empty() {
        // The CRUD APIs' app has no attribute of its own: a functions app's defaults.
        let defaults = FunctionsAppSpec {
            type_name: "".into(),
            memory_mb: FunctionsAppSpec::DEFAULT_MEMORY_MB,
            max_instances: FunctionsAppSpec::DEFAULT_MAX_INSTANCES,
            always_ready: FunctionsAppSpec::DEFAULT_ALWAYS_READY,
            functions: std::borrow::Cow::Borrowed(&[]),
        };
        let mut api = app(
            r,
            storage,
            AppRole::CrudApis { components: crud },
            "api",
            &defaults,
            DeclaredBy::CrudApis,
        );
        api.http_concurrency = Some(crate::contract::HTTP_CONCURRENCY);
        api.cors_origins = r
            .spec
            .cors
            .iter()
            .flat_map(|c| c.allowed_origins.iter().map(|o| o.to_string()))
            .collect();
        apps.push(api);
    }
    for (field, f) in r.functions_apps().collect::<Vec<_>>() {
        let by = DeclaredBy::Component {
            field: field.to_string(),
            type_name: None,
        };
        let role = AppRole::FunctionsApp {
            component: field.to_string(),
            type_name: f.type_name.to_string(),
        };
        apps.push(app(r, storage, role, &kebab_case(&f.type_name), f, by));
    }
    assign_host_ids(&mut apps);
    apps
}

fn app(
    r: &mut Resolver,
    storage: &StorageAccount,
    role: AppRole,
    key: &str,
    spec: &FunctionsAppSpec,
    by: DeclaredBy,
) -> FunctionApp {
    let (container, _) = r.fixed(
        ResourceKind::BlobContainer,
        &format!("app-package-{key}"),
        Some(storage.blob_service),
        by.clone(),
    );
    // Created before the app and kept when the app is recreated: the roles granted to it stay.
    let (identity_name, identity_id) = r.name(ResourceKind::UserAssignedIdentity, key, None, by.clone());
    let (plan_name, _) = r.name(ResourceKind::AppServicePlan, key, None, by.clone());
    let (name, id) = r.name(ResourceKind::FunctionApp, key, None, by.clone());
    // No username/password publishing over FTP or to the SCM site.
    for policy in ["ftp", "scm"] {
        r.literal(ResourceKind::PublishingPolicy, policy, Some(id), by.clone());
    }
    FunctionApp {
        role,
        key: key.to_string(),
        name,
        id,
        identity: Identity {
            name: identity_name,
            id: identity_id,
        },
        plan_name,
        deployment_container: container.base,
        memory_mb: spec.memory_mb,
        max_instances: spec.max_instances,
        always_ready: spec.always_ready,
        host_id: None,
        http_concurrency: None,
        cors_origins: Vec::new(),
    }
}

/// Rule: Function Apps sharing a storage account need distinct host ids. The default host id
/// is the name's first 32 characters; where two apps' could meet, every app gets an explicit
/// one: the start of its name and 6 characters of a hash of the whole name (1..=32 lowercase
/// letters, digits and single hyphens).
fn assign_host_ids(apps: &mut [FunctionApp]) {
    let may_meet = apps
        .iter()
        .enumerate()
        .any(|(i, a)| apps[..i].iter().any(|b| host_ids_may_meet(&a.name, &b.name)));
    if !may_meet {
        return;
    }
    for app in apps.iter_mut() {
        let hash = &unique_string(&[&app.name.base])[..6];
        let head: String = app.name.base.chars().take(25).collect();
        app.host_id = Some(format!("{}-{hash}", head.trim_end_matches('-')));
    }
}

/// Whether two app names can agree in their first 32 characters once the (shared, unknown)
/// suffix is appended: every suffix character is a wildcard.
pub(crate) fn host_ids_may_meet(a: &ResourceName, b: &ResourceName) -> bool {
    let window = |n: &ResourceName| -> Vec<Option<char>> {
        let mut w: Vec<Option<char>> = n.base.chars().map(Some).collect();
        if let Some(sep) = n.suffix {
            w.extend(sep.chars().map(Some));
            w.extend(std::iter::repeat_n(None, SUFFIX_LEN));
        }
        w.truncate(32);
        w
    };
    let (wa, wb) = (window(a), window(b));
    wa.len() == wb.len() && wa.iter().zip(&wb).all(|(x, y)| x.is_none() || y.is_none() || x == y)
}
