//! Resolution: a backend spec and one environment become a [`Plan`] of shared resources.
//!
//! The sharing rules (DESIGN §4), each applied in one place below:
//! - all CRUD entities share one Cosmos DB account, one database and one Function App;
//! - serverless and provisioned entities cannot share an account: two accounts, reported;
//! - at most 25 containers share one database's throughput, then another database is added;
//! - each `#[functions_app]` gets its own Flex Consumption app and plan (one app per plan);
//! - every app shares the backend's one storage account and monitoring.
//!
//! `limits(...)` are checked here against what the rules produced; a limit that forbids a
//! split is an error naming the components involved.

use crate::check;
use crate::diag::{Code, Diagnostic, closest};
use crate::naming::{Charset, Namer, ResourceKind, sanitize};
use crate::plan::*;
use crate::spec::{
    BackendSpec, ComponentSpec, CrudApiSpec, FunctionsAppSpec, Networking, PerEnv, Throughput, kebab_case,
};
use std::fmt;

/// Dedicated RU/s above which a non-production environment is warned about cost (ATK0908).
pub const COSTLY_DEV_RUS: u32 = 4000;

/// Application Insights availability-test locations, in the order tests use them.
pub const TEST_LOCATIONS: [&str; 16] = [
    "us-va-ash-azr",
    "us-tx-sn1-azr",
    "us-il-ch1-azr",
    "us-ca-sjc-azr",
    "us-fl-mia-edge",
    "emea-nl-ams-azr",
    "emea-gb-db3-azr",
    "emea-ru-msa-edge",
    "emea-fr-pra-edge",
    "emea-ch-zrh-edge",
    "emea-se-sto-edge",
    "apac-sg-sin-azr",
    "apac-hk-hkn-azr",
    "apac-jp-kaw-edge",
    "latam-br-gru-edge",
    "emea-au-syd-edge",
];

/// Containers that may share one database's throughput (Cosmos DB limit).
pub const MAX_SHARED_CONTAINERS: usize = 25;
/// Shared database throughput when the backend sets no `auto_scale`: the manual minimum.
pub const DEFAULT_SHARED_RUS: u32 = 400;

/// The plan could not be built at all (today: an environment the backend does not declare).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveError {
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
    if !spec.environments.iter().any(|e| e == environment) {
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
        return Err(ResolveError { diagnostics: vec![d] });
    }

    let mut diags = Vec::new();
    check_spec(spec, &mut diags);

    let backend = kebab_case(&spec.type_name);
    let namer = Namer {
        pattern: &spec.naming.pattern,
        app: &spec.app,
        env: environment,
        backend: &backend,
        region: &spec.location,
        unique_suffix: spec.naming.unique_suffix,
        strict: spec.naming.strict,
    };
    let mut name = |kind, purpose: &str, diags: &mut Vec<Diagnostic>| reported(namer.name(kind, purpose, diags), diags);

    let crud: Vec<(&str, &CrudApiSpec)> = spec
        .components
        .iter()
        .filter_map(|c| match c {
            ComponentSpec::CrudApi { field, api } => Some((field.as_ref(), api.as_ref())),
            _ => None,
        })
        .collect();
    let functions: Vec<(&str, &FunctionsAppSpec)> = spec
        .components
        .iter()
        .filter_map(|c| match c {
            ComponentSpec::FunctionsApp { field, app } => Some((field.as_ref(), app.as_ref())),
            _ => None,
        })
        .collect();

    // Cosmos DB: one account per throughput kind present.
    type Crud<'a> = &'a (&'a str, &'a CrudApiSpec);
    let (serverless, provisioned): (Vec<Crud>, Vec<Crud>) = crud.iter().partition(|(_, api)| api.serverless);
    let split = !serverless.is_empty() && !provisioned.is_empty();
    if split {
        diags.push(
            Diagnostic::new(
                Code::CosmosAccountSplit,
                format!(
                    "serverless {} and provisioned {} cannot share a Cosmos DB account: the backend gets two accounts",
                    list(serverless.iter().map(|c| c.0)),
                    list(provisioned.iter().map(|c| c.0))
                ),
            )
            .help("make them all serverless or all provisioned to keep one account"),
        );
    }
    let db_name = sanitize(&spec.app, Charset::AlnumHyphenUnderscore);
    let mut cosmos_accounts = Vec::new();
    if !provisioned.is_empty() {
        let shared = spec
            .auto_scale
            .as_ref()
            .map_or(ThroughputSetting::Manual(DEFAULT_SHARED_RUS), |a| {
                ThroughputSetting::Autoscale(a.max_throughput)
            });
        let mut databases: Vec<Database> = Vec::new();
        let mut dedicated = Vec::new();
        let mut sharing = Vec::new();
        let merged = merge_shared(
            provisioned
                .iter()
                .map(|(f, api)| container(f, api, environment, &mut diags))
                .collect(),
            &mut diags,
        );
        for c in merged {
            if c.throughput.is_some() {
                dedicated.push(c)
            } else {
                sharing.push(c)
            }
        }
        if sharing.len() > MAX_SHARED_CONTAINERS {
            diags.push(Diagnostic::new(
                Code::DatabaseSplit,
                format!(
                    "{} containers share throughput; a database holds at most {MAX_SHARED_CONTAINERS}, so {} databases are used",
                    sharing.len(),
                    sharing.len().div_ceil(MAX_SHARED_CONTAINERS)
                ),
            ));
        }
        let mut chunks: Vec<Vec<Container>> = sharing.chunks(MAX_SHARED_CONTAINERS).map(|c| c.to_vec()).collect();
        if chunks.is_empty() {
            chunks.push(Vec::new());
        }
        for (i, mut containers) in chunks.into_iter().enumerate() {
            if i == 0 {
                containers.append(&mut dedicated);
            }
            // Declaration order, whatever the throughput kind.
            containers.sort_by_key(|c| crud.iter().position(|(f, _)| *f == c.component));
            let shared_throughput = containers.iter().any(|c| c.throughput.is_none()).then_some(shared);
            let name = if i == 0 {
                db_name.clone()
            } else {
                format!("{db_name}-{}", i + 1)
            };
            databases.push(Database {
                name,
                shared_throughput,
                containers,
            });
        }
        if let Some(max) = spec.limits.max_throughput_per_database {
            for db in &databases {
                let total = db.total_throughput();
                if total > max {
                    diags.push(
                        Diagnostic::new(
                            Code::DatabaseThroughputLimit,
                            format!(
                                "database `{}` in `{environment}` needs {total} RU/s ({}), above `max_throughput_per_database = {max}`",
                                db.name,
                                db.containers
                                    .iter()
                                    .map(|c| match c.throughput {
                                        Some(t) => format!("`{}` {}", c.component, t.rus()),
                                        None => format!("`{}` shared", c.component),
                                    })
                                    .chain(db.shared_throughput.map(|t| format!("shared {}", t.rus())))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        )
                        .help("lower the components' throughput for this environment, or raise the limit"),
                    );
                }
            }
        }
        let purpose = "";
        cosmos_accounts.push(CosmosAccount {
            name: name(ResourceKind::CosmosAccount, purpose, &mut diags),
            serverless: false,
            consistency: spec.consistency,
            databases,
        });
    }
    if !serverless.is_empty() {
        let containers = merge_shared(
            serverless
                .iter()
                .map(|(f, api)| container(f, api, environment, &mut diags))
                .collect(),
            &mut diags,
        );
        let purpose = if split { "serverless" } else { "" };
        cosmos_accounts.push(CosmosAccount {
            name: name(ResourceKind::CosmosAccount, purpose, &mut diags),
            serverless: true,
            consistency: spec.consistency,
            databases: vec![Database {
                name: db_name.clone(),
                shared_throughput: None,
                containers,
            }],
        });
    }
    if let Some(max) = spec.limits.max_cosmos_accounts
        && cosmos_accounts.len() as u32 > max
    {
        diags.push(
            Diagnostic::new(
                Code::CosmosAccountLimit,
                format!(
                    "the backend needs {} Cosmos DB accounts (serverless {} next to provisioned {}), above `max_cosmos_accounts = {max}`",
                    cosmos_accounts.len(),
                    list(serverless.iter().map(|c| c.0)),
                    list(provisioned.iter().map(|c| c.0))
                ),
            )
            .help("make the entities all serverless or all provisioned, or raise the limit"),
        );
    }

    // Function Apps: one for all CRUD APIs, one per #[functions_app].
    let mut function_apps = Vec::new();
    if !crud.is_empty() {
        function_apps.push(app(
            AppRole::CrudApis {
                components: crud.iter().map(|c| c.0.to_string()).collect(),
            },
            "api",
            FunctionsAppSpec::DEFAULT_MEMORY_MB,
            FunctionsAppSpec::DEFAULT_MAX_INSTANCES,
            FunctionsAppSpec::DEFAULT_ALWAYS_READY,
            &namer,
            &mut name,
            &mut diags,
        ));
    }
    for (field, f) in &functions {
        let key = kebab_case(&f.type_name);
        function_apps.push(app(
            AppRole::FunctionsApp {
                component: field.to_string(),
                type_name: f.type_name.to_string(),
            },
            &key,
            f.memory_mb,
            f.max_instances,
            f.always_ready,
            &namer,
            &mut name,
            &mut diags,
        ));
    }
    if let Some(max) = spec.limits.max_function_apps
        && function_apps.len() as u32 > max
    {
        diags.push(
            Diagnostic::new(
                Code::FunctionAppLimit,
                format!(
                    "the backend needs {} Function Apps ({}), above `max_function_apps = {max}`",
                    function_apps.len(),
                    list(function_apps.iter().map(|a| match &a.role {
                        AppRole::CrudApis { .. } => "CRUD APIs",
                        AppRole::FunctionsApp { component, .. } => component.as_str(),
                    }))
                ),
            )
            .help("move functions apps to another backend, or raise the limit"),
        );
    }
    // One storage account always; a limit below one cannot be met.
    if let Some(0) = spec.limits.max_storage_accounts {
        diags.push(Diagnostic::new(
            Code::StorageAccountLimit,
            "the backend needs 1 storage account, above `max_storage_accounts = 0`",
        ));
    }
    let storage = StorageAccount {
        name: name(ResourceKind::StorageAccount, "", &mut diags),
    };
    let monitoring = spec.monitoring.as_ref().map(|m| Monitoring {
        workspace: name(ResourceKind::LogAnalytics, "", &mut diags),
        insights: name(ResourceKind::AppInsights, "", &mut diags),
        retention_days: m.retention_days,
        sampling_percentage: m.sampling_percentage,
    });

    if !spec.enforce_https {
        diags.push(
            Diagnostic::new(
                Code::HttpsOff,
                "`enforce_https = false`: the Function Apps accept plain HTTP",
            )
            .help("remove `enforce_https = false` unless a gateway in front terminates TLS"),
        );
    }

    let mut tags = vec![
        ("app".to_string(), spec.app.to_string()),
        ("environment".to_string(), environment.to_string()),
        ("backend".to_string(), backend.clone()),
    ];
    tags.extend(spec.tags.iter().map(|(k, v)| (k.to_string(), v.to_string())));

    let tier = Tier::of(environment);
    let network = match &spec.networking {
        Networking::Isolated(iso) => Some(network(iso, &mut name, &mut diags)),
        Networking::Public => None,
    };
    let alerts = spec
        .monitoring
        .as_ref()
        .and_then(|m| m.alerting.as_ref())
        .map(|a| Alerts {
            action_group: a.email.as_ref().map(|email| ActionGroup {
                name: name(ResourceKind::ActionGroup, "", &mut diags),
                // A display label (at most 12 characters), not an identity: cutting it cannot collide.
                short_name: spec
                    .app
                    .chars()
                    .take(12)
                    .collect::<String>()
                    .trim_end_matches('-')
                    .to_string(),
                email: email.to_string(),
            }),
            error_threshold: a.error_threshold,
            latency_threshold_ms: a.latency_threshold_ms,
            per_app: function_apps
                .iter()
                .map(|app| AppAlerts {
                    app_key: app.key.clone(),
                    errors: name(ResourceKind::MetricAlert, &format!("{}-http5xx", app.key), &mut diags),
                    latency: name(ResourceKind::MetricAlert, &format!("{}-latency", app.key), &mut diags),
                })
                .collect(),
        });
    let mut availability_tests = Vec::new();
    for (field, api) in &crud {
        let Some(h) = &api.health_check else { continue };
        if spec.monitoring.is_none() {
            diags.push(
                Diagnostic::new(
                    Code::HealthCheckNeedsMonitoring,
                    format!(
                        "`health_check` on `{field}` needs monitoring, and backend `{}` sets `monitoring = false`",
                        spec.type_name
                    ),
                )
                .help("availability tests live in Application Insights: turn monitoring on, or remove `health_check`"),
            );
            continue;
        }
        availability_tests.push(AvailabilityTest {
            component: field.to_string(),
            name: name(ResourceKind::AvailabilityTest, &kebab_case(field), &mut diags),
            path: format!("/api/{}{}", api.container, h.path),
            frequency: match h.interval {
                0..=300 => 300,
                301..=600 => 600,
                _ => 900,
            },
            timeout: h.timeout,
            locations: TEST_LOCATIONS[..(h.unhealthy_threshold as usize).clamp(5, TEST_LOCATIONS.len())].to_vec(),
            failed_locations: h.unhealthy_threshold,
            alert: name(
                ResourceKind::MetricAlert,
                &format!("{}-availability", kebab_case(field)),
                &mut diags,
            ),
        });
    }
    let has_provisioned = cosmos_accounts.iter().any(|a| !a.serverless);
    let autoscale_alert = spec.auto_scale.as_ref().and_then(|a| {
        if !has_provisioned {
            diags.push(
                Diagnostic::new(
                    Code::AutoScaleUnused,
                    format!(
                        "`auto_scale` on backend `{}` has no provisioned database to scale",
                        spec.type_name
                    ),
                )
                .help("its entities are serverless (or it has none): remove `auto_scale`"),
            );
            return None;
        }
        let per_account = cosmos_accounts
            .iter()
            .enumerate()
            .filter(|(_, acc)| !acc.serverless)
            .map(|(i, _)| (i, name(ResourceKind::MetricAlert, "ru-consumption", &mut diags)))
            .collect();
        Some(AutoscaleAlert {
            target_utilization: a.target_utilization,
            per_account,
        })
    });
    let cached: Vec<(String, u32)> = crud
        .iter()
        .filter_map(|(f, api)| api.cache.as_ref().map(|c| (f.to_string(), c.ttl)))
        .collect();
    let cache = (!cached.is_empty()).then(|| Cache {
        name: name(ResourceKind::ManagedRedis, "", &mut diags),
        ttls: cached,
    });
    let secrets = (!spec.managed_identity).then(|| {
        diags.push(
            Diagnostic::new(
                Code::IdentityOff,
                "`managed_identity = false`: the apps authenticate to storage and Cosmos DB with keys, kept in Key Vault and read through Key Vault references",
            )
            .help("keys can leak and must be rotated; remove `managed_identity = false` to use Entra ID identities"),
        );
        KeyVault { name: name(ResourceKind::KeyVault, "", &mut diags) }
    });
    let mut network = network;
    if let Some(n) = network.as_mut().filter(|n| n.private_endpoints) {
        let mut targets: Vec<(EndpointTarget, String)> = (0..cosmos_accounts.len())
            .map(|i| {
                (
                    EndpointTarget::Cosmos(i),
                    if cosmos_accounts[i].serverless && cosmos_accounts.len() > 1 {
                        "cosmos-serverless".into()
                    } else {
                        "cosmos".into()
                    },
                )
            })
            .collect();
        targets.extend([
            (EndpointTarget::StorageBlob, "blob".into()),
            (EndpointTarget::StorageQueue, "queue".into()),
            (EndpointTarget::StorageTable, "table".into()),
        ]);
        if cache.is_some() {
            targets.push((EndpointTarget::Redis, "redis".into()));
        }
        if secrets.is_some() {
            targets.push((EndpointTarget::KeyVault, "vault".into()));
        }
        n.endpoints = targets
            .into_iter()
            .map(|(target, purpose)| PrivateEndpoint {
                name: name(ResourceKind::PrivateEndpoint, &purpose, &mut diags),
                target,
            })
            .collect();
    }
    if tier.is_production() {
        match &spec.monitoring {
            None => diags.push(
                Diagnostic::new(
                    Code::ProductionMonitoring,
                    format!("monitoring is off in production environment `{environment}`"),
                )
                .help("remove `monitoring = false`: without it failures in production go unseen"),
            ),
            Some(m) if m.sampling_percentage < 100.0 => diags.push(
                Diagnostic::new(
                    Code::ProductionMonitoring,
                    format!(
                        "sampling keeps {}% of telemetry in production environment `{environment}`",
                        m.sampling_percentage
                    ),
                )
                .help("keep 100% in production unless the volume forces sampling"),
            ),
            Some(_) => {}
        }
    } else {
        for (_, _, c) in cosmos_accounts.iter().flat_map(|a| {
            a.databases
                .iter()
                .flat_map(move |d| d.containers.iter().map(move |c| (a, d, c)))
        }) {
            if let Some(t) = c.throughput
                && t.rus() > COSTLY_DEV_RUS
            {
                diags.push(
                    Diagnostic::new(
                        Code::CostlyDevThroughput,
                        format!(
                            "`{}` has {} RU/s in non-production environment `{environment}`",
                            c.component,
                            t.rus()
                        ),
                    )
                    .help(format!(
                        "give `{environment}` its own, smaller value: `throughput({environment} = 400, ...)`"
                    )),
                );
            }
        }
    }

    let mut plan = Plan {
        backend,
        backend_type: spec.type_name.to_string(),
        environment: environment.to_string(),
        app: spec.app.to_string(),
        location: spec.location.to_string(),
        unique_suffix: spec.naming.unique_suffix,
        enforce_https: spec.enforce_https,
        storage,
        cosmos_accounts,
        function_apps,
        monitoring,
        tier,
        network,
        alerts,
        availability_tests,
        autoscale_alert,
        cache,
        secrets,
        tags,
        diagnostics: diags,
        spec: spec.clone(),
    };
    assign_host_ids(&mut plan.function_apps);
    let collisions = collisions(&plan);
    plan.diagnostics.extend(collisions);
    Ok(plan)
}

fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}

fn container(field: &str, api: &CrudApiSpec, env: &str, diags: &mut Vec<Diagnostic>) -> Container {
    let throughput = match &api.throughput {
        None => None,
        Some(Throughput::Manual { rus }) => {
            per_env(field, "throughput", rus, env, diags).map(ThroughputSetting::Manual)
        }
        Some(Throughput::Autoscale { max_rus }) => {
            per_env(field, "autoscale", max_rus, env, diags).map(ThroughputSetting::Autoscale)
        }
    };
    Container {
        component: field.to_string(),
        entity: api.type_name.to_string(),
        name: api.container.to_string(),
        partition_key: api.partition_key.iter().map(|p| p.to_string()).collect(),
        default_ttl: api.ttl,
        throughput,
        unique_keys: api
            .unique_keys
            .iter()
            .map(|k| k.iter().map(|p| p.to_string()).collect())
            .collect(),
        also_serves: Vec::new(),
        access: if api.operations.is_read_only() {
            DataAccess::Reader
        } else {
            DataAccess::Contributor
        },
    }
}

/// Rule: components naming the same container (ASCII case ignored) serve one container, so
/// they must agree on everything the container is: partition key, TTL, throughput, unique
/// keys. The container is deployed once; its role is the union of theirs.
fn merge_shared(containers: Vec<Container>, diags: &mut Vec<Diagnostic>) -> Vec<Container> {
    let mut out: Vec<Container> = Vec::new();
    for c in containers {
        let Some(first) = out.iter_mut().find(|o| o.name.eq_ignore_ascii_case(&c.name)) else {
            out.push(c);
            continue;
        };
        let differs: Vec<&str> = [
            ("partition key", first.partition_key != c.partition_key),
            ("ttl", first.default_ttl != c.default_ttl),
            ("throughput", first.throughput != c.throughput),
            ("unique keys", first.unique_keys != c.unique_keys),
        ]
        .into_iter()
        .filter_map(|(what, d)| d.then_some(what))
        .collect();
        if differs.is_empty() {
            if c.access == DataAccess::Contributor {
                first.access = DataAccess::Contributor;
            }
            first.also_serves.push(c.component);
        } else {
            diags.push(
                Diagnostic::new(
                    Code::NameCollision,
                    format!(
                        "`{}` and `{}` both use container `{}` but declare a different {}",
                        first.component,
                        c.component,
                        c.name,
                        differs.join(", ")
                    ),
                )
                .help("APIs on the same data declare the same container settings; otherwise give one of them its own `container = \"...\"`"),
            );
        }
    }
    out
}

/// Rule: a per-environment value covers the environment being planned, by name or `default`.
fn per_env(field: &str, option: &str, values: &PerEnv, env: &str, diags: &mut Vec<Diagnostic>) -> Option<u32> {
    let v = values.get(env);
    if v.is_none() {
        diags.push(
            Diagnostic::new(
                Code::PerEnvironment,
                format!("`{option}` of `{field}` has no value for environment `{env}`"),
            )
            .help(format!("add `{env} = ...` or `default = ...` to `{option}(...)`")),
        );
    }
    v
}

#[allow(clippy::too_many_arguments)]
fn app(
    role: AppRole,
    key: &str,
    memory_mb: u32,
    max_instances: u32,
    always_ready: u32,
    namer: &Namer,
    name: &mut impl FnMut(ResourceKind, &str, &mut Vec<Diagnostic>) -> crate::naming::ResourceName,
    diags: &mut Vec<Diagnostic>,
) -> FunctionApp {
    let container = namer.fixed(ResourceKind::BlobContainer, &format!("app-package-{key}"), diags);
    FunctionApp {
        role,
        key: key.to_string(),
        name: name(ResourceKind::FunctionApp, key, diags),
        plan_name: name(ResourceKind::AppServicePlan, key, diags),
        deployment_container: reported(container, diags).base,
        memory_mb,
        max_instances,
        always_ready,
        host_id: None,
    }
}

/// A name, or — when it cannot be made legal — the error in `diags` and a placeholder, so the
/// plan still shows every resource (and `validate()` fails).
fn reported(
    r: Result<crate::naming::ResourceName, Diagnostic>,
    diags: &mut Vec<Diagnostic>,
) -> crate::naming::ResourceName {
    r.unwrap_or_else(|d| {
        diags.push(d);
        crate::naming::ResourceName::literal("invalid-name")
    })
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
        let hash = &crate::naming::unique_string(&[&app.name.base])[..6];
        let head: String = app.name.base.chars().take(25).collect();
        app.host_id = Some(format!("{}-{hash}", head.trim_end_matches('-')));
    }
}

/// Spec-level rules for specs that did not come through the parser (built by hand or
/// deserialised): the same `check` functions, so the same codes.
fn check_spec(spec: &BackendSpec, diags: &mut Vec<Diagnostic>) {
    let mut push = |r: Result<(), Diagnostic>| {
        if let Err(d) = r {
            diags.push(d);
        }
    };
    push(check::app_name(&spec.app));
    push(check::location(&spec.location));
    push(check::naming_pattern(&spec.naming.pattern));
    for (i, e) in spec.environments.iter().enumerate() {
        push(check::environment_name(e));
        if spec.environments[..i].contains(e) {
            push(Err(Diagnostic::new(
                Code::EnvironmentName,
                format!("environment `{e}` is declared twice"),
            )));
        }
    }
    for (k, v) in spec.tags.iter() {
        push(check::tag(k, v));
    }
    if let Some(m) = &spec.monitoring {
        push(check::retention_days(i64::from(m.retention_days)).map(drop));
        push(check::sampling_percentage(m.sampling_percentage).map(drop));
        if let Some(a) = &m.alerting {
            push(check::positive(i64::from(a.error_threshold), "error_threshold", Code::Monitoring).map(drop));
            push(
                check::positive(
                    i64::from(a.latency_threshold_ms),
                    "latency_threshold_ms",
                    Code::Monitoring,
                )
                .map(drop),
            );
            if let Some(email) = &a.email {
                push(check::email(email));
            }
        }
    }
    if let Networking::Isolated(n) = &spec.networking {
        push(check::address_space(&n.address_space));
        if let Some(v) = &n.vnet_name {
            push(check::network_name(v, "vnet_name"));
        }
        if let Some(v) = &n.subnet_name {
            push(check::network_name(v, "subnet_name"));
        }
    }
    if let Some(a) = &spec.auto_scale {
        push(check::autoscale_max(i64::from(a.max_throughput), "max_throughput", Code::AutoScale).map(drop));
        push(check::target_utilization(i64::from(a.target_utilization)).map(drop));
    }
    let limits = &spec.limits;
    for (name, value) in [
        ("max_cosmos_accounts", limits.max_cosmos_accounts),
        ("max_function_apps", limits.max_function_apps),
        ("max_storage_accounts", limits.max_storage_accounts),
        ("max_throughput_per_database", limits.max_throughput_per_database),
    ] {
        // 0 for storage is reported as the unmeetable limit it is (ATK0405).
        if let Some(v) = value
            && name != "max_storage_accounts"
        {
            push(check::positive(i64::from(v), name, Code::LimitValue).map(drop));
        }
    }
    if spec.components.is_empty() {
        push(Err(Diagnostic::new(
            Code::EmptyBackend,
            format!("backend `{}` has no components", spec.type_name),
        )));
    }
    for (i, c) in spec.components.iter().enumerate() {
        let same = spec.components[..i].iter().find(|o| match (o, c) {
            (ComponentSpec::CrudApi { api: a, .. }, ComponentSpec::CrudApi { api: b, .. }) => {
                a.type_name == b.type_name
            }
            (ComponentSpec::FunctionsApp { app: a, .. }, ComponentSpec::FunctionsApp { app: b, .. }) => {
                a.type_name == b.type_name
            }
            _ => false,
        });
        if let Some(first) = same {
            push(Err(Diagnostic::new(
                Code::DuplicateComponent,
                format!("`{}` and `{}` declare the same component", first.field(), c.field()),
            )));
        }
        match c {
            ComponentSpec::CrudApi { api, .. } => {
                if let Some(ttl) = api.ttl {
                    push(check::ttl(i64::from(ttl)).map(drop));
                }
                let paths: Vec<&str> = api.partition_key.iter().map(|p| p.as_ref()).collect();
                push(check::partition_key_count(&paths));
                for p in &paths {
                    push(check::key_path_syntax(p, "partition_key", Code::PartitionKeySyntax));
                }
                push(check::resource_word(&api.container, "container"));
                push(check::resource_word(&api.entity_name, "entity_name"));
                if let Some(c) = &api.cache {
                    push(check::cache_ttl(i64::from(c.ttl)).map(drop));
                }
                if let Some(h) = &api.health_check {
                    push(check::health_check(
                        &h.path,
                        h.interval.into(),
                        h.timeout.into(),
                        h.unhealthy_threshold.into(),
                    ));
                }
                for key in api.unique_keys.iter() {
                    if key.is_empty() {
                        push(Err(Diagnostic::new(
                            Code::UniqueKeys,
                            "a unique key needs at least one path",
                        )));
                    }
                    for p in key.iter() {
                        push(check::key_path_syntax(p, "unique_keys", Code::UniqueKeys));
                    }
                }
                if let Some(t) = &api.throughput {
                    if api.serverless {
                        push(Err(Diagnostic::new(
                            Code::ThroughputConflict,
                            format!("`{}` is serverless and has dedicated throughput", api.type_name),
                        )));
                    }
                    let (values, manual) = match t {
                        Throughput::Manual { rus } => (rus, true),
                        Throughput::Autoscale { max_rus } => (max_rus, false),
                    };
                    for v in values.default.iter().chain(values.values.iter().map(|(_, v)| v)) {
                        push(if manual {
                            check::throughput(i64::from(*v)).map(drop)
                        } else {
                            check::autoscale_max(i64::from(*v), "autoscale", Code::AutoscaleRange).map(drop)
                        });
                    }
                    for (env, _) in values.values.iter() {
                        if !spec.environments.contains(env) {
                            push(Err(Diagnostic::new(
                                Code::PerEnvironment,
                                format!(
                                    "throughput of `{}` names environment `{env}`, which backend `{}` does not declare",
                                    api.type_name, spec.type_name
                                ),
                            )
                            .help_opt(
                                closest(env, spec.environments.iter().map(|e| e.as_ref()))
                                    .map(|s| format!("did you mean `{s}`?")),
                            )));
                        }
                    }
                }
                if api.operations.0 == 0 {
                    push(Err(Diagnostic::new(
                        Code::Operations,
                        format!("`{}` serves no operations", api.type_name),
                    )));
                }
            }
            ComponentSpec::FunctionsApp { app, .. } => {
                push(check::memory_mb(i64::from(app.memory_mb)).map(drop));
                push(check::max_instances(i64::from(app.max_instances)).map(drop));
                push(check::always_ready(i64::from(app.always_ready), app.max_instances).map(drop));
            }
        }
    }
}

/// Rule: two resources of one type and scope never share a name (compared without case, as
/// Azure does); Function Apps sharing the storage account differ in their host ids.
fn collisions(plan: &Plan) -> Vec<Diagnostic> {
    let named = plan.named_resources();
    let mut out = Vec::new();
    for (i, r) in named.iter().enumerate() {
        if let Some(first) = named[..i].iter().find(|o| {
            o.kind == r.kind && o.scope == r.scope && o.name.to_string().eq_ignore_ascii_case(&r.name.to_string())
        }) {
            out.push(
                Diagnostic::new(
                    Code::NameCollision,
                    format!(
                        "{} and {} both name a {} `{}` in {}",
                        first.declared_by,
                        r.declared_by,
                        r.kind.label(),
                        r.name,
                        r.scope
                    ),
                )
                .help("give one of them another name (`container = \"...\"`, or a different `app`)"),
            );
        }
    }
    let apps: Vec<&FunctionApp> = plan.function_apps.iter().collect();
    for (i, a) in apps.iter().enumerate() {
        let meets = |b: &&&FunctionApp| match (&a.host_id, &b.host_id) {
            (Some(x), Some(y)) => x == y,
            (None, None) => host_ids_may_meet(&a.name, &b.name),
            // Assigned together: either every app has an explicit id or none has.
            _ => true,
        };
        if let Some(b) = apps[..i].iter().find(meets) {
            out.push(
                Diagnostic::new(
                    Code::NameCollision,
                    format!(
                        "Function Apps `{}` and `{}` share one storage account and their host id",
                        b.name, a.name
                    ),
                )
                .help("shorten `app` or the environment name"),
            );
        }
    }
    out
}

/// Whether two app names can agree in their first 32 characters once the (shared, unknown)
/// suffix is appended: every suffix character is a wildcard.
fn host_ids_may_meet(a: &crate::naming::ResourceName, b: &crate::naming::ResourceName) -> bool {
    let window = |n: &crate::naming::ResourceName| -> Vec<Option<char>> {
        let mut w: Vec<Option<char>> = n.base.chars().map(Some).collect();
        if let Some(sep) = n.suffix {
            w.extend(sep.chars().map(Some));
            w.extend(std::iter::repeat_n(None, crate::naming::SUFFIX_LEN));
        }
        w.truncate(32);
        w
    };
    let (wa, wb) = (window(a), window(b));
    wa.len() == wb.len() && wa.iter().zip(&wb).all(|(x, y)| x.is_none() || y.is_none() || x == y)
}

/// Rule (ATK0407): two backends of one crate deployed in the same environment never give two
/// resources the same name in one scope (they may share a resource group; global names would
/// meet there too, since the suffix is per resource group).
pub fn cross_backend_collisions(plans: &[&Plan]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, b) in plans.iter().enumerate() {
        for a in &plans[..i] {
            if a.backend == b.backend || a.environment != b.environment {
                continue;
            }
            let theirs = a.named_resources();
            for r in b
                .named_resources()
                .into_iter()
                .filter(|r| r.scope == "the resource group")
            {
                if theirs.iter().any(|o| {
                    o.kind == r.kind
                        && o.scope == r.scope
                        && o.name.to_string().eq_ignore_ascii_case(&r.name.to_string())
                }) {
                    out.push(
                        Diagnostic::new(
                            Code::NameCollision,
                            format!(
                                "backends `{}` and `{}` both name a {} `{}` in environment `{}`",
                                a.backend_type,
                                b.backend_type,
                                r.kind.label(),
                                r.name,
                                b.environment
                            ),
                        )
                        .help("give each backend its own `app`, or put `{backend}` in their naming pattern"),
                    );
                }
            }
        }
    }
    out
}

/// The VNet of an isolated backend: the declared (or generated) names and two subnets cut from
/// the address space — /24s when it is /23 or larger, else its two halves.
fn network(
    iso: &crate::spec::IsolatedNetwork,
    name: &mut impl FnMut(ResourceKind, &str, &mut Vec<Diagnostic>) -> crate::naming::ResourceName,
    diags: &mut Vec<Diagnostic>,
) -> Network {
    use crate::naming::ResourceName;
    let (base, bits) = parse_cidr(&iso.address_space).unwrap_or((0x0A00_0000, 16));
    let sub_bits = if bits <= 23 { 24 } else { bits + 1 };
    let step = 1u32 << (32 - sub_bits);
    let cidr = |addr: u32| {
        format!(
            "{}.{}.{}.{}/{sub_bits}",
            addr >> 24,
            (addr >> 16) & 255,
            (addr >> 8) & 255,
            addr & 255
        )
    };
    Network {
        vnet: iso
            .vnet_name
            .as_ref()
            .map(|n| ResourceName::literal(n.as_ref()))
            .unwrap_or_else(|| name(ResourceKind::VirtualNetwork, "", diags)),
        address_space: iso.address_space.to_string(),
        integration_subnet: iso
            .subnet_name
            .as_ref()
            .map(|n| ResourceName::literal(n.as_ref()))
            .unwrap_or_else(|| name(ResourceKind::Subnet, "func", diags)),
        integration_prefix: cidr(base),
        endpoint_subnet: name(ResourceKind::Subnet, "pep", diags),
        endpoint_prefix: cidr(base + step),
        private_endpoints: iso.private_endpoints,
        endpoints: Vec::new(),
    }
}

/// `10.0.0.0/16` → (network address, prefix length).
fn parse_cidr(s: &str) -> Option<(u32, u32)> {
    let (ip, bits) = s.split_once('/')?;
    let octets: Vec<u32> = ip.split('.').map(|o| o.parse().ok()).collect::<Option<_>>()?;
    let bits: u32 = bits.parse().ok()?;
    let addr = octets.iter().fold(0u32, |a, o| (a << 8) | o);
    let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
    Some((addr & mask, bits))
}
