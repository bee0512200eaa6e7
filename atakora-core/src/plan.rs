//! The resolved plan: the shared resources one backend becomes in one environment.
//!
//! Typed per resource family so that emission (in `atakora-azure`) is a straight walk; every
//! name here is final (see [`crate::naming`]).

use crate::diag::{Diagnostic, Severity};
use crate::naming::ResourceName;
use crate::spec::{BackendSpec, Consistency};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// The backend's id: its Rust name in kebab-case (`shop-backend`); the output folder.
    pub backend: String,
    /// The backend struct's Rust name.
    pub backend_type: String,
    pub environment: String,
    pub app: String,
    /// Default of the template's `location` parameter.
    pub location: String,
    /// Whether global names carry the deployment-time unique suffix.
    pub unique_suffix: bool,
    pub enforce_https: bool,
    pub storage: StorageAccount,
    pub cosmos_accounts: Vec<CosmosAccount>,
    pub function_apps: Vec<FunctionApp>,
    pub monitoring: Option<Monitoring>,
    /// Production or not: decides the environment-aware defaults (redundancy, backups).
    pub tier: Tier,
    /// `networking(isolated(...))`.
    pub network: Option<Network>,
    /// `monitoring(alerting(...))`: action group and per-app metric alerts.
    pub alerts: Option<Alerts>,
    /// `health_check(...)` on CRUD APIs: availability tests.
    pub availability_tests: Vec<AvailabilityTest>,
    /// `auto_scale(target_utilization)`: alert on normalized RU consumption.
    pub autoscale_alert: Option<AutoscaleAlert>,
    /// `cache(...)` on CRUD APIs: one Azure Managed Redis for the backend.
    pub cache: Option<Cache>,
    /// How the apps reach their data: identities (default) or keys held in Key Vault.
    pub secrets: Option<KeyVault>,
    /// `app`, `environment`, `backend`, then the user's tags.
    pub tags: Vec<(String, String)>,
    pub diagnostics: Vec<Diagnostic>,
    /// The spec the plan was resolved from.
    #[serde(skip)]
    pub spec: BackendSpec,
}

/// Production environments get redundancy and backups; others stay cheap (docs/decisions.md
/// has the table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Tier {
    Production,
    NonProduction,
}

impl Tier {
    /// `prod`, `production`, `prod-*`, `production-*` and `*-prod` are production.
    pub fn of(environment: &str) -> Tier {
        let e = environment;
        let prod = e == "prod"
            || e == "production"
            || e.starts_with("prod-")
            || e.starts_with("production-")
            || e.ends_with("-prod");
        if prod { Tier::Production } else { Tier::NonProduction }
    }

    pub fn is_production(self) -> bool {
        self == Tier::Production
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StorageAccount {
    pub name: ResourceName,
}

/// The VNet of an isolated backend.
#[derive(Debug, Clone, Serialize)]
pub struct Network {
    pub vnet: ResourceName,
    pub address_space: String,
    /// Delegated to `Microsoft.App/environments` (Flex Consumption VNet integration).
    pub integration_subnet: ResourceName,
    pub integration_prefix: String,
    /// Private endpoints live here.
    pub endpoint_subnet: ResourceName,
    pub endpoint_prefix: String,
    /// Private endpoints and private DNS for every data service; `false`: service endpoints
    /// and VNet rules on the integration subnet instead.
    pub private_endpoints: bool,
    /// One per data service and sub-resource (empty without private endpoints).
    pub endpoints: Vec<PrivateEndpoint>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PrivateEndpoint {
    pub name: ResourceName,
    pub target: EndpointTarget,
}

/// What a private endpoint connects to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EndpointTarget {
    /// `cosmos_accounts[i]`, sub-resource `Sql`.
    Cosmos(usize),
    StorageBlob,
    StorageQueue,
    StorageTable,
    /// The Azure Managed Redis cache, sub-resource `redisEnterprise`.
    Redis,
    /// The Key Vault, sub-resource `vault`.
    KeyVault,
}

impl EndpointTarget {
    /// The private-link sub-resource (group id).
    pub fn group_id(self) -> &'static str {
        match self {
            EndpointTarget::Cosmos(_) => "Sql",
            EndpointTarget::StorageBlob => "blob",
            EndpointTarget::StorageQueue => "queue",
            EndpointTarget::StorageTable => "table",
            EndpointTarget::Redis => "redisEnterprise",
            EndpointTarget::KeyVault => "vault",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Alerts {
    /// `None` without an e-mail address: alerts fire in the portal only.
    pub action_group: Option<ActionGroup>,
    pub error_threshold: u32,
    pub latency_threshold_ms: u32,
    /// Per Function App (by `FunctionApp::key`): the server-error and the latency alert.
    pub per_app: Vec<AppAlerts>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AppAlerts {
    pub app_key: String,
    pub errors: ResourceName,
    pub latency: ResourceName,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActionGroup {
    pub name: ResourceName,
    /// At most 12 characters.
    pub short_name: String,
    pub email: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AvailabilityTest {
    pub component: String,
    pub name: ResourceName,
    /// Requested path under the API's host: `/api/<container><health path>`.
    pub path: String,
    /// Seconds: 300, 600 or 900 (what standard tests allow; the declared interval rounded up).
    pub frequency: u32,
    pub timeout: u32,
    /// Test locations; failing in `failed_locations` of them raises the alert.
    pub locations: Vec<&'static str>,
    pub failed_locations: u32,
    pub alert: ResourceName,
}

#[derive(Debug, Clone, Serialize)]
pub struct AutoscaleAlert {
    pub target_utilization: u32,
    /// `(index into cosmos_accounts, alert name)` for every provisioned account.
    pub per_account: Vec<(usize, ResourceName)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cache {
    pub name: ResourceName,
    /// `(component, ttl seconds)` for every cached API.
    pub ttls: Vec<(String, u32)>,
}

/// `managed_identity = false`: the apps authenticate with keys, which live in this vault and
/// reach the apps as Key Vault references.
#[derive(Debug, Clone, Serialize)]
pub struct KeyVault {
    pub name: ResourceName,
}

#[derive(Debug, Clone, Serialize)]
pub struct CosmosAccount {
    pub name: ResourceName,
    pub serverless: bool,
    pub consistency: Consistency,
    pub databases: Vec<Database>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Database {
    pub name: String,
    /// Throughput shared by the containers that have none of their own.
    pub shared_throughput: Option<ThroughputSetting>,
    pub containers: Vec<Container>,
}

impl Database {
    /// Shared plus dedicated RU/s (autoscale counted at its maximum).
    pub fn total_throughput(&self) -> u32 {
        self.shared_throughput.map_or(0, |t| t.rus())
            + self
                .containers
                .iter()
                .filter_map(|c| c.throughput)
                .map(|t| t.rus())
                .sum::<u32>()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "mode", content = "rus", rename_all = "snake_case")]
pub enum ThroughputSetting {
    Manual(u32),
    /// Autoscale with this maximum; it scales between 10% and 100% of it.
    Autoscale(u32),
}

impl ThroughputSetting {
    pub fn rus(self) -> u32 {
        match self {
            ThroughputSetting::Manual(r) | ThroughputSetting::Autoscale(r) => r,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Container {
    /// The backend field that declares it.
    pub component: String,
    /// The entity's Rust name.
    pub entity: String,
    pub name: String,
    pub partition_key: Vec<String>,
    /// `None` = TTL off; `-1` = on without default expiry.
    pub default_ttl: Option<i32>,
    pub throughput: Option<ThroughputSetting>,
    pub unique_keys: Vec<Vec<String>>,
    /// The API's data-plane role on this container.
    pub access: DataAccess,
    /// Further components serving the same container (the seed's read-only and admin APIs
    /// "on the same data"): they agree on its properties; `access` is the union.
    pub also_serves: Vec<String>,
}

impl Container {
    /// Every component this container serves, the declaring one first.
    pub fn components(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.component.as_str()).chain(self.also_serves.iter().map(String::as_str))
    }
}

/// Cosmos DB built-in data-plane roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DataAccess {
    /// Cosmos DB Built-in Data Reader: for APIs that only `read` and `list`.
    Reader,
    /// Cosmos DB Built-in Data Contributor.
    Contributor,
}

#[derive(Debug, Clone, Serialize)]
pub struct FunctionApp {
    /// What the app serves.
    pub role: AppRole,
    /// Short stable key (`api`, or the functions app's kebab name): names variables and outputs.
    pub key: String,
    pub name: ResourceName,
    pub plan_name: ResourceName,
    /// The blob container Flex Consumption deploys the package from.
    pub deployment_container: String,
    pub memory_mb: u32,
    pub max_instances: u32,
    pub always_ready: u32,
    /// An explicit Functions host id (`AzureFunctionsWebHost__hostid`), set when the default
    /// ones (the name's first 32 characters) of two apps sharing the storage account could meet.
    pub host_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppRole {
    /// The one app serving every CRUD API of the backend (fields listed).
    CrudApis { components: Vec<String> },
    /// A `#[functions_app]` component.
    FunctionsApp { component: String, type_name: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct Monitoring {
    pub workspace: ResourceName,
    pub insights: ResourceName,
    pub retention_days: u32,
    pub sampling_percentage: f64,
}

/// `Plan::validate()`: errors and warnings, by code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

impl Report {
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
}

/// One named resource of a plan, for collision checks, locks and name listings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedResource {
    pub kind: crate::naming::ResourceKind,
    pub name: ResourceName,
    /// Where the name must be unique: `the resource group` (global names are unique there too),
    /// or the parent resource.
    pub scope: String,
    /// What declares it: a component field or the backend.
    pub declared_by: String,
}

impl Plan {
    /// Every resource the plan names, in emission order.
    pub fn named_resources(&self) -> Vec<NamedResource> {
        use crate::naming::ResourceKind as K;
        let rg = "the resource group".to_string();
        let backend = format!("backend `{}`", self.backend_type);
        let mut out = Vec::new();
        let mut add = |kind, name: ResourceName, scope: &str, by: &str| {
            out.push(NamedResource {
                kind,
                name,
                scope: scope.to_string(),
                declared_by: by.to_string(),
            })
        };
        if let Some(m) = &self.monitoring {
            add(K::LogAnalytics, m.workspace.clone(), &rg, &backend);
            add(K::AppInsights, m.insights.clone(), &rg, &backend);
        }
        add(K::StorageAccount, self.storage.name.clone(), &rg, &backend);
        for acc in &self.cosmos_accounts {
            add(K::CosmosAccount, acc.name.clone(), &rg, &backend);
            for db in &acc.databases {
                let account_scope = format!("Cosmos DB account `{}`", acc.name);
                add(
                    K::CosmosDatabase,
                    ResourceName::literal(&db.name),
                    &account_scope,
                    &backend,
                );
                for c in &db.containers {
                    let scope = format!("database `{}` of Cosmos DB account `{}`", db.name, acc.name);
                    add(
                        K::CosmosContainer,
                        ResourceName::literal(&c.name),
                        &scope,
                        &format!("`{}` (`{}`)", c.component, c.entity),
                    );
                }
            }
        }
        for app in &self.function_apps {
            let by = match &app.role {
                AppRole::CrudApis { .. } => "the CRUD APIs".to_string(),
                AppRole::FunctionsApp { component, .. } => format!("`{component}`"),
            };
            add(K::AppServicePlan, app.plan_name.clone(), &rg, &by);
            add(K::FunctionApp, app.name.clone(), &rg, &by);
            let storage_scope = format!("storage account `{}`", self.storage.name);
            add(
                K::BlobContainer,
                ResourceName::literal(&app.deployment_container),
                &storage_scope,
                &by,
            );
        }
        out
    }

    /// Every name as deployed into the resource group `resource_group_id` with the default
    /// suffix, computed offline with ARM's `uniqueString`.
    pub fn final_names(&self, resource_group_id: &str) -> Vec<(crate::naming::ResourceKind, String)> {
        let suffix = crate::naming::suffix_for(resource_group_id);
        self.named_resources()
            .into_iter()
            .map(|r| (r.kind, r.name.with_suffix(&suffix)))
            .collect()
    }

    /// Errors and warnings found while resolving, split by severity.
    pub fn validate(&self) -> Report {
        let (errors, warnings) = self
            .diagnostics
            .iter()
            .cloned()
            .partition(|d| d.severity == Severity::Error);
        Report { errors, warnings }
    }

    /// Every container of every account, with its account and database.
    pub fn containers(&self) -> impl Iterator<Item = (&CosmosAccount, &Database, &Container)> {
        self.cosmos_accounts.iter().flat_map(|a| {
            a.databases
                .iter()
                .flat_map(move |d| d.containers.iter().map(move |c| (a, d, c)))
        })
    }

    /// The app serving the CRUD APIs, when the backend has any.
    pub fn api_app(&self) -> Option<&FunctionApp> {
        self.function_apps
            .iter()
            .find(|a| matches!(a.role, AppRole::CrudApis { .. }))
    }
}
