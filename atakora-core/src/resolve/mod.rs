//! Resolution: a backend spec and one environment become a [`Plan`] of shared resources.
//!
//! A short pipeline over one resolution context (`context::Resolver`): each Azure resource family is a stage
//! with one entry function, and each stage takes what it depends on as arguments, so the
//! order below is the only order that compiles (private endpoints need the cache and the
//! vault; roles need every scope). Names are made only through the resolver, which records
//! every resource with its kind and parent; collisions are checked on that record.

mod advice;
mod cache;
mod collisions;
mod compute;
mod context;
mod cosmos;
mod functions;
mod monitoring;
mod network;
mod roles;
mod secrets;
mod storage;

pub use crate::rules::{DEFAULT_SHARED_RUS, MAX_SHARED_CONTAINERS};
pub use advice::COSTLY_DEV_RUS;
pub use collisions::cross_backend_collisions;
pub use functions::{LEASES_CONTAINER, LEASES_RUS};
pub use monitoring::TEST_LOCATIONS;

use crate::diag::{Code, Diagnostic, closest};
use crate::plan::Plan;
use crate::spec::BackendSpec;
use context::Resolver;
use std::fmt;

/// The plan could not be built at all (an environment the backend does not declare).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveError {
    /// Why.
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ResolveError {}

/// Resolve `spec` for `environment`. Rule violations the plan can still show (limits, names)
/// are in `plan.diagnostics`; see [`Plan::validate`].
pub fn resolve(spec: &BackendSpec, environment: &str) -> Result<Plan, ResolveError> {
    declared(spec, environment)?;
    let mut r = Resolver::new(spec, environment);
    for d in crate::check::backend_spec(spec) {
        r.report(d);
    }
    let storage = storage::resolve(&mut r);
    let cosmos_accounts = cosmos::resolve(&mut r);
    let function_apps = compute::resolve(&mut r, &storage);
    let functions = functions::resolve(&mut r, &function_apps, &storage, &cosmos_accounts);
    let monitoring = monitoring::workspace(&mut r);
    advice::https(&mut r);
    advice::auth(&mut r);
    let callers = callers(&r);
    advice::names_carry_environment(&mut r);
    let isolation = network::vnet(&mut r);
    let alerts = monitoring::alerts(&mut r, &function_apps);
    let availability_tests = monitoring::availability_tests(&mut r);
    let autoscale_alert = monitoring::autoscale_alert(&mut r, &cosmos_accounts);
    let cache = cache::resolve(&mut r);
    let auth = secrets::resolve(&mut r, &cosmos_accounts);
    let network = network::posture(&mut r, isolation, &cosmos_accounts, cache.as_ref(), &auth);
    let scopes = roles::Scopes {
        storage: &storage,
        accounts: &cosmos_accounts,
        apps: &function_apps,
        monitoring: monitoring.as_ref(),
        auth: &auth,
        cache: cache.as_ref(),
    };
    let mut grants = roles::resolve(&mut r, &scopes);
    grants.extend(functions::grants(
        &mut r,
        &functions,
        &function_apps,
        &cosmos_accounts,
        auth.uses_keys(),
    ));
    let access = roles::access(&mut r, &function_apps, &grants);
    advice::tier(&mut r, &cosmos_accounts);
    let mut tags = vec![
        ("app".to_string(), spec.app.to_string()),
        ("environment".to_string(), environment.to_string()),
        ("backend".to_string(), r.backend.clone()),
    ];
    tags.extend(spec.tags.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let (backend, tier) = (r.backend.clone(), r.tier);
    let (named, diagnostics) = r.finish();
    let mut plan = Plan {
        backend,
        backend_type: spec.type_name.to_string(),
        environment: environment.to_string(),
        app: spec.app.to_string(),
        location: spec.location.as_deref().map(str::to_string),
        unique_suffix: spec.naming.unique_suffix,
        enforce_https: spec.enforce_https,
        tier,
        storage,
        cosmos_accounts,
        function_apps,
        functions,
        monitoring,
        network,
        alerts,
        availability_tests,
        autoscale_alert,
        cache,
        auth,
        callers,
        grants,
        access,
        tags,
        named,
        diagnostics,
        spec: spec.clone(),
    };
    let found = collisions::collisions(&plan);
    plan.diagnostics.extend(found);
    Ok(plan)
}

/// Who may call the CRUD APIs: every served operation with its role and isolation.
fn callers(r: &Resolver) -> crate::plan::Callers {
    use crate::plan::{Callers, OperationAccess};
    let crate::spec::AuthSpec::Entra { audience } = &r.spec.auth else {
        return Callers::Anonymous;
    };
    let field = |p: &Option<crate::spec::Str>| p.as_ref().map(|p| p.trim_start_matches('/').to_string());
    let operations = r
        .crud_apis()
        .flat_map(|(component, api)| {
            crate::spec::Operations::NAMES
                .into_iter()
                .filter(|(_, bit)| api.operations.contains(*bit))
                .map(move |(operation, bit)| OperationAccess {
                    component: component.to_string(),
                    operation: operation.to_string(),
                    role: api.roles.for_operation(bit).map(str::to_string),
                    owner: field(&api.owner),
                    tenant: field(&api.tenant),
                })
        })
        .collect();
    Callers::Entra {
        audience: audience.as_deref().map(str::to_string),
        operations,
    }
}

/// Rule (ATK0401): a plan is for an environment the backend declares.
fn declared(spec: &BackendSpec, environment: &str) -> Result<(), ResolveError> {
    if spec.environments.iter().any(|e| e == environment) {
        return Ok(());
    }
    let d = Diagnostic::new(
        Code::UnknownEnvironment,
        format!("backend `{}` has no environment `{environment}`", spec.type_name),
    )
    .help(
        match closest(environment, spec.environments.iter().map(|e| e.as_ref())) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("declared environments: {}", spec.environments.join(", ")),
        },
    );
    Err(ResolveError { diagnostics: vec![d] })
}
