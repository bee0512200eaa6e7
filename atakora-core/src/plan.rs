//! The resolved plan: the shared resources one backend becomes in one environment.
//!
//! Typed per resource family so that emission (in `atakora-azure`) is a straight walk. Every
//! resource the plan will emit is also recorded in [`Plan::named`], with its kind, final name,
//! parent and the component that declares it: the manifest, the collision checks, the lock and
//! the names property test read that one record. The modes that many families depend on (the
//! network posture, how the apps authenticate, which account an entity lives in) are decided
//! once, here, as types.

use crate::diag::{Diagnostic, Severity};
use crate::naming::{ResourceKind, ResourceName};
use crate::spec::{BackendSpec, Consistency};
use serde::Serialize;
use std::fmt;

/// One backend in one environment, resolved.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// The backend's id: its Rust name in kebab-case (`shop-backend`); the output folder.
    pub backend: String,
    /// The backend struct's Rust name.
    pub backend_type: String,
    /// The environment this plan is for.
    pub environment: String,
    /// The application name in resource names.
    pub app: String,
    /// Default of the template's `location` parameter; `None`: the resource group's region.
    pub location: Option<String>,
    /// Whether global names carry the deployment-time unique suffix.
    pub unique_suffix: bool,
    /// Whether the apps accept HTTPS only.
    pub enforce_https: bool,
    /// Production or not: decides the environment-aware defaults (redundancy, backups).
    pub tier: Tier,
    /// The backend's one storage account.
    pub storage: StorageAccount,
    /// One account per throughput kind present (see [`AccountRole`]).
    pub cosmos_accounts: Vec<CosmosAccount>,
    /// The app serving the CRUD APIs first (when there are any), then one per functions app.
    pub function_apps: Vec<FunctionApp>,
    /// The `#[atakora::function]`s of each functions app that has any, with what their
    /// triggers need.
    pub functions: Vec<AppFunctions>,
    /// `None` with `monitoring = false`.
    pub monitoring: Option<Monitoring>,
    /// Public, or isolated in a VNet with service endpoints or private endpoints.
    pub network: NetworkPosture,
    /// `monitoring(alerting(...))`: action group and per-app metric alerts.
    pub alerts: Option<Alerts>,
    /// `health_check(...)` on CRUD APIs: availability tests.
    pub availability_tests: Vec<AvailabilityTest>,
    /// `auto_scale(target_utilization)`: alert on normalized RU consumption.
    pub autoscale_alert: Option<AutoscaleAlert>,
    /// `cache(...)` on CRUD APIs: one Azure Managed Redis for the backend.
    pub cache: Option<Cache>,
    /// How the apps reach their data: identities (default) or keys held in Key Vault.
    pub auth: Auth,
    /// Who may call the CRUD APIs: Entra ID tokens (and per operation, the role and the
    /// isolation), or anonymous callers.
    pub callers: Callers,
    /// Every data-plane and control-plane role the apps' identities get.
    pub grants: Vec<RoleGrant>,
    /// Per app, the nested deployment that grants its identity's roles before the app starts.
    pub access: Vec<Access>,
    /// `app`, `environment`, `backend`, then the user's tags.
    pub tags: Vec<(String, String)>,
    /// Every resource the plan emits, in the order it was named.
    pub named: Vec<NamedResource>,
    /// Errors and warnings found while resolving.
    pub diagnostics: Vec<Diagnostic>,
    /// The spec the plan was resolved from.
    #[serde(skip)]
    pub spec: BackendSpec,
}

/// Who may call the CRUD APIs (`#[backend(auth(...))]`), decided once in resolve.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Callers {
    /// Entra ID bearer tokens of the deployment's tenant.
    Entra {
        /// The default of the template's `apiAudience` parameter (`auth(entra(audience))`);
        /// `None`: the parameter must be given when deploying.
        audience: Option<String>,
        /// Every served operation of every CRUD API, with what it requires.
        operations: Vec<OperationAccess>,
    },
    /// `auth = "anonymous"`.
    Anonymous,
}

/// One operation of a CRUD API and what a caller needs for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationAccess {
    /// The backend field.
    pub component: String,
    /// `create`, `read`, `update`, `delete` or `list`.
    pub operation: String,
    /// The app role the token's `roles` claim must hold; `None`: any valid token.
    pub role: Option<String>,
    /// The field that must equal the caller's `oid` (`owner`).
    pub owner: Option<String>,
    /// The field that must equal the caller's `tid` (`tenant`).
    pub tenant: Option<String>,
}

/// An index into [`Plan::named`].
pub type NameId = usize;

/// Production environments get redundancy and backups; others stay cheap (docs/decisions.md
/// has the table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Tier {
    /// `prod`, `production`, `prod-*`, `production-*`, `*-prod`.
    Production,
    /// Every other environment.
    NonProduction,
}

impl Tier {
    /// `prod`, `production`, `prod-*`, `production-*` and `*-prod` are production.
    pub fn of(environment: &str) -> Tier {
        if crate::rules::is_production(environment) {
            Tier::Production
        } else {
            Tier::NonProduction
        }
    }

    /// Whether this is a production environment.
    pub fn is_production(self) -> bool {
        self == Tier::Production
    }
}

/// The backend's storage account: host storage and deployment packages.
#[derive(Debug, Clone, Serialize)]
pub struct StorageAccount {
    /// Its name.
    pub name: ResourceName,
    /// Its record.
    pub id: NameId,
    /// The blob service's record.
    pub blob_service: NameId,
}

impl Plan {
    /// The functions of app `key`, when it has any.
    pub fn functions_of(&self, key: &str) -> Option<&AppFunctions> {
        self.functions.iter().find(|f| f.app == key)
    }
}

/// The network posture, decided once from `networking(...)`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum NetworkPosture {
    /// Public endpoints, every request authenticated with Entra ID.
    Public,
    /// A VNet; the data services keep their public endpoints but admit only the apps'
    /// integration subnet (service endpoints and VNet rules).
    ServiceEndpoints(Vnet),
    /// A VNet; the data services' public access is disabled and they are reached through
    /// private endpoints with private DNS.
    PrivateEndpoints {
        /// The VNet.
        vnet: Vnet,
        /// One per data service and sub-resource.
        endpoints: Vec<PrivateEndpoint>,
        /// One per distinct DNS zone the endpoints need, in first-use order.
        zones: Vec<PrivateDnsZone>,
    },
}

impl NetworkPosture {
    /// The VNet, when isolated.
    pub fn vnet(&self) -> Option<&Vnet> {
        match self {
            NetworkPosture::Public => None,
            NetworkPosture::ServiceEndpoints(v) | NetworkPosture::PrivateEndpoints { vnet: v, .. } => Some(v),
        }
    }

    /// Public access to the data services is disabled (private endpoints).
    pub fn is_private(&self) -> bool {
        matches!(self, NetworkPosture::PrivateEndpoints { .. })
    }

    /// The private endpoints (none unless private).
    pub fn endpoints(&self) -> &[PrivateEndpoint] {
        match self {
            NetworkPosture::PrivateEndpoints { endpoints, .. } => endpoints,
            _ => &[],
        }
    }

    /// The private DNS zones (none unless private).
    pub fn zones(&self) -> &[PrivateDnsZone] {
        match self {
            NetworkPosture::PrivateEndpoints { zones, .. } => zones,
            _ => &[],
        }
    }
}

/// The VNet of an isolated backend.
#[derive(Debug, Clone, Serialize)]
pub struct Vnet {
    /// The VNet's name.
    pub name: ResourceName,
    /// Its address space (CIDR).
    pub address_space: String,
    /// Delegated to `Microsoft.App/environments` (Flex Consumption VNet integration).
    pub integration_subnet: ResourceName,
    /// The integration subnet's prefix.
    pub integration_prefix: String,
    /// Private endpoints live here.
    pub endpoint_subnet: ResourceName,
    /// The endpoint subnet's prefix.
    pub endpoint_prefix: String,
}

/// One private endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct PrivateEndpoint {
    /// The endpoint's name.
    pub name: ResourceName,
    /// What it connects to.
    pub target: EndpointTarget,
    /// Index into [`NetworkPosture::zones`] of the zone its A record goes to.
    pub zone: usize,
}

/// A private DNS zone and its link to the VNet.
#[derive(Debug, Clone, Serialize)]
pub struct PrivateDnsZone {
    /// Which service's zone.
    pub service: DnsZoneService,
    /// The link's name (`link-<vnet>`).
    pub link: String,
}

/// The private DNS zones atakora uses (their names are fixed by Azure).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DnsZoneService {
    /// `privatelink.documents.azure.com`
    Cosmos,
    /// `privatelink.blob.<storage suffix>`
    Blob,
    /// `privatelink.queue.<storage suffix>`
    Queue,
    /// `privatelink.table.<storage suffix>`
    Table,
    /// `privatelink.redis.azure.net`
    Redis,
    /// `privatelink.vaultcore.azure.net`
    Vault,
}

impl DnsZoneService {
    /// The zone's name in Azure's public cloud.
    pub fn public_cloud_name(self) -> &'static str {
        match self {
            DnsZoneService::Cosmos => "privatelink.documents.azure.com",
            DnsZoneService::Blob => "privatelink.blob.core.windows.net",
            DnsZoneService::Queue => "privatelink.queue.core.windows.net",
            DnsZoneService::Table => "privatelink.table.core.windows.net",
            DnsZoneService::Redis => "privatelink.redis.azure.net",
            DnsZoneService::Vault => "privatelink.vaultcore.azure.net",
        }
    }
}

/// What a private endpoint connects to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EndpointTarget {
    /// `cosmos_accounts[i]`, sub-resource `Sql`.
    Cosmos(usize),
    /// The storage account's blob service.
    StorageBlob,
    /// The storage account's queue service.
    StorageQueue,
    /// The storage account's table service.
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

    /// The DNS zone its A record goes to.
    pub fn zone(self) -> DnsZoneService {
        match self {
            EndpointTarget::Cosmos(_) => DnsZoneService::Cosmos,
            EndpointTarget::StorageBlob => DnsZoneService::Blob,
            EndpointTarget::StorageQueue => DnsZoneService::Queue,
            EndpointTarget::StorageTable => DnsZoneService::Table,
            EndpointTarget::Redis => DnsZoneService::Redis,
            EndpointTarget::KeyVault => DnsZoneService::Vault,
        }
    }
}

/// `monitoring(alerting(...))`.
#[derive(Debug, Clone, Serialize)]
pub struct Alerts {
    /// `None` without an e-mail address: alerts fire in the portal only.
    pub action_group: Option<ActionGroup>,
    /// Server errors in 5 minutes above which the error alert fires.
    pub error_threshold: u32,
    /// Average response time (ms) above which the latency alert fires.
    pub latency_threshold_ms: u32,
    /// Per Function App (by `FunctionApp::key`): the server-error and the latency alert.
    pub per_app: Vec<AppAlerts>,
}

/// One app's alerts.
#[derive(Debug, Clone, Serialize)]
pub struct AppAlerts {
    /// The app's [`FunctionApp::key`].
    pub app_key: String,
    /// The server-error alert: a log search alert over the requests Application Insights
    /// records for the app.
    pub errors: ResourceName,
    /// The latency alert: a metric alert on the requests' duration.
    pub latency: ResourceName,
}

/// The action group alerts notify.
#[derive(Debug, Clone, Serialize)]
pub struct ActionGroup {
    /// Its name.
    pub name: ResourceName,
    /// At most 12 characters.
    pub short_name: String,
    /// Who gets the e-mail.
    pub email: String,
}

/// An Application Insights standard availability test of a CRUD API, with its alert.
#[derive(Debug, Clone, Serialize)]
pub struct AvailabilityTest {
    /// The component probed.
    pub component: String,
    /// The test's name.
    pub name: ResourceName,
    /// Requested path under the API's host: the declared health path, served at the root.
    pub path: String,
    /// Seconds: 300, 600 or 900 (what standard tests allow; the declared interval rounded up).
    pub frequency: u32,
    /// Seconds: 30, 60, 90 or 120 (what standard tests allow; the declared timeout rounded up).
    pub timeout: u32,
    /// Test locations; failing in `failed_locations` of them raises the alert.
    pub locations: Vec<&'static str>,
    /// Failed locations that raise the alert.
    pub failed_locations: u32,
    /// The alert's name.
    pub alert: ResourceName,
}

/// `auto_scale(target_utilization)`: an alert per provisioned account.
#[derive(Debug, Clone, Serialize)]
pub struct AutoscaleAlert {
    /// Percent of normalized RU consumption.
    pub target_utilization: u32,
    /// `(index into cosmos_accounts, alert name)` for every provisioned account.
    pub per_account: Vec<(usize, ResourceName)>,
}

/// The backend's Azure Managed Redis.
#[derive(Debug, Clone, Serialize)]
pub struct Cache {
    /// Its name.
    pub name: ResourceName,
    /// Its database's record (`default`).
    pub database_id: NameId,
    /// `(component, ttl seconds)` for every cached API.
    pub ttls: Vec<(String, u32)>,
}

/// How the apps authenticate to storage and Cosmos DB, decided once from `managed_identity`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Auth {
    /// Entra ID identities with data-plane roles; no keys anywhere.
    ManagedIdentity,
    /// `managed_identity = false`: keys as Key Vault secrets, read through Key Vault references.
    KeysInVault(KeyVault),
}

impl Auth {
    /// The vault, in keys mode.
    pub fn vault(&self) -> Option<&KeyVault> {
        match self {
            Auth::ManagedIdentity => None,
            Auth::KeysInVault(v) => Some(v),
        }
    }

    /// Whether the apps use keys.
    pub fn uses_keys(&self) -> bool {
        matches!(self, Auth::KeysInVault(_))
    }
}

/// The vault of keys mode.
#[derive(Debug, Clone, Serialize)]
pub struct KeyVault {
    /// Its name.
    pub name: ResourceName,
    /// Its record.
    pub id: NameId,
    /// The secrets it holds.
    pub secrets: Vec<Secret>,
}

/// A connection string kept in the vault.
#[derive(Debug, Clone, Serialize)]
pub struct Secret {
    /// The secret's name.
    pub name: String,
    /// Whose keys it holds.
    pub of: SecretOf,
}

/// Whose keys a secret holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SecretOf {
    /// The storage account.
    Storage,
    /// `cosmos_accounts[i]`.
    Cosmos(usize),
}

/// What a Cosmos DB account is in the backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountRole {
    /// The backend's account (provisioned, or serverless when every entity is).
    Primary,
    /// The serverless account split off next to a provisioned one.
    SplitServerless,
}

impl AccountRole {
    /// The connection name its app settings use (`COSMOS`, `COSMOS_SERVERLESS`).
    pub fn connection(self) -> &'static str {
        match self {
            AccountRole::Primary => crate::contract::settings::COSMOS,
            AccountRole::SplitServerless => crate::contract::settings::COSMOS_SERVERLESS,
        }
    }
}

/// A Cosmos DB for NoSQL account.
#[derive(Debug, Clone, Serialize)]
pub struct CosmosAccount {
    /// Its name.
    pub name: ResourceName,
    /// Its record.
    pub id: NameId,
    /// Primary or split-off.
    pub role: AccountRole,
    /// 1 for the first account of its role; 2, 3, ... for the further ones a backend needs
    /// beyond [`CosmosAccount::MAX_DATABASES_AND_CONTAINERS`].
    pub number: u32,
    /// Serverless capability.
    pub serverless: bool,
    /// Default consistency.
    pub consistency: Consistency,
    /// Its databases.
    pub databases: Vec<Database>,
}

impl CosmosAccount {
    /// Databases plus containers one account holds (Azure's limit; shared/azure-facts §2).
    pub const MAX_DATABASES_AND_CONTAINERS: usize = 500;

    /// `base` for the first account of its role, `base<separator><number>` for the others
    /// (`cosmos`, `cosmos-2`): the one rule by which every name derived from an account's
    /// role is numbered.
    pub fn numbered(&self, base: &str, separator: &str) -> String {
        match self.number {
            1 => base.to_string(),
            n => format!("{base}{separator}{n}"),
        }
    }

    /// The connection name its app settings use: `COSMOS`, `COSMOS_SERVERLESS`, `COSMOS_2`.
    pub fn connection(&self) -> String {
        self.numbered(self.role.connection(), "_")
    }

    /// Databases plus containers.
    pub fn resources(&self) -> usize {
        self.databases.iter().map(|d| 1 + d.containers.len()).sum()
    }
}

/// A SQL database.
#[derive(Debug, Clone, Serialize)]
pub struct Database {
    /// Its name.
    pub name: String,
    /// Its record.
    pub id: NameId,
    /// Throughput shared by the containers that have none of their own.
    pub shared_throughput: Option<ThroughputSetting>,
    /// Its containers.
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

/// Manual or autoscale throughput.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "mode", content = "rus", rename_all = "snake_case")]
pub enum ThroughputSetting {
    /// Manual RU/s.
    Manual(u32),
    /// Autoscale with this maximum; it scales between 10% and 100% of it.
    Autoscale(u32),
}

impl ThroughputSetting {
    /// RU/s (autoscale: its maximum).
    pub const fn rus(self) -> u32 {
        match self {
            ThroughputSetting::Manual(r) | ThroughputSetting::Autoscale(r) => r,
        }
    }
}

/// A container.
#[derive(Debug, Clone, Serialize)]
pub struct Container {
    /// The backend field that declares it.
    pub component: String,
    /// The entity's Rust name.
    pub entity: String,
    /// Its name.
    pub name: String,
    /// Its record.
    pub id: NameId,
    /// Partition key paths.
    pub partition_key: Vec<String>,
    /// `None` = TTL off; `-1` = on without default expiry.
    pub default_ttl: Option<i32>,
    /// Dedicated throughput; `None` shares the database's.
    pub throughput: Option<ThroughputSetting>,
    /// Unique keys, each one or more paths.
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

/// A Flex Consumption Function App and its plan.
#[derive(Debug, Clone, Serialize)]
pub struct FunctionApp {
    /// What the app serves.
    pub role: AppRole,
    /// Short stable key (`api`, or the functions app's kebab name): names variables and outputs.
    pub key: String,
    /// The site's name.
    pub name: ResourceName,
    /// The site's record.
    pub id: NameId,
    /// The app's user-assigned identity: created first, granted every role before the app
    /// starts, and kept when the app is recreated.
    pub identity: Identity,
    /// The plan's name.
    pub plan_name: ResourceName,
    /// The blob container Flex Consumption deploys the package from.
    pub deployment_container: String,
    /// Instance memory, MB.
    pub memory_mb: u32,
    /// Maximum instances.
    pub max_instances: u32,
    /// Always-ready instances (`http` group).
    pub always_ready: u32,
    /// An explicit Functions host id (`AzureFunctionsWebHost__hostid`), set when the default
    /// ones (the name's first 32 characters) of two apps sharing the storage account could meet.
    pub host_id: Option<String>,
    /// HTTP requests one instance takes at once, for apps that serve HTTP.
    pub http_concurrency: Option<u32>,
    /// Browser origins the app answers (`cors(...)`), for the CRUD APIs' app.
    pub cors_origins: Vec<String>,
}

impl FunctionApp {
    /// Whether this app serves the CRUD APIs.
    pub fn role_is_crud(&self) -> bool {
        matches!(self.role, AppRole::CrudApis { .. })
    }
}

/// The functions of one functions app and the resources their triggers need.
#[derive(Debug, Clone, Serialize)]
pub struct AppFunctions {
    /// The app's [`FunctionApp::key`].
    pub app: String,
    /// Its functions, ordered by name.
    pub functions: Vec<PlannedFunction>,
    /// The queues its queue functions consume (each with its `-poison` twin).
    pub queues: Vec<PlannedQueue>,
    /// `maxDequeueCount` of the app's host (its queue functions' `max_attempts`).
    pub max_attempts: Option<u32>,
    /// The leases container of its change-feed functions.
    pub leases: Option<Leases>,
}

/// One function as deployed.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedFunction {
    /// The function's name.
    pub name: String,
    /// What runs it.
    pub trigger: PlannedTrigger,
    /// Its Flex Consumption scale group (`http`, `function:<name>`).
    pub scale_group: String,
    /// Always-ready instances of its own group.
    pub always_ready: Option<u32>,
}

/// A trigger with its targets resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlannedTrigger {
    /// A storage queue of the backend's storage account.
    Queue {
        /// The queue's name.
        queue: String,
    },
    /// An NCRONTAB schedule, UTC.
    Timer {
        /// The schedule.
        schedule: String,
    },
    /// The change feed of an entity's container.
    Changes {
        /// Index into `cosmos_accounts`.
        account: usize,
        /// The database's name.
        database: String,
        /// The watched container's name.
        container: String,
        /// The entity's Rust name.
        entity: String,
    },
    /// An HTTP route.
    Http {
        /// The route.
        route: String,
        /// Its methods (empty: every method).
        methods: Vec<String>,
    },
}

/// A storage queue and its dead-letter twin.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedQueue {
    /// The queue's name.
    pub name: String,
    /// Its record.
    pub id: NameId,
    /// `<name>-poison`.
    pub poison: String,
    /// The poison queue's record.
    pub poison_id: NameId,
}

/// The leases container of an app's change-feed functions (partition key `/id`), in the
/// watched database.
#[derive(Debug, Clone, Serialize)]
pub struct Leases {
    /// Index into `cosmos_accounts`.
    pub account: usize,
    /// The database's name.
    pub database: String,
    /// The container's name.
    pub name: String,
    /// Its record.
    pub id: NameId,
    /// Dedicated throughput when its database has none to share.
    pub throughput: Option<u32>,
    /// The account's metadata-reader role definition ([`Role::CosmosMetadataReader`]).
    pub metadata_role: NameId,
}

/// A user-assigned managed identity.
#[derive(Debug, Clone, Serialize)]
pub struct Identity {
    /// Its name.
    pub name: ResourceName,
    /// Its record.
    pub id: NameId,
}

/// The nested deployment that grants one app's identity its roles, named from the identity's
/// principal id (known only once the identity exists, so inside a nested deployment).
#[derive(Debug, Clone, Serialize)]
pub struct Access {
    /// The app's [`FunctionApp::key`].
    pub app: String,
    /// The deployment's name.
    pub name: ResourceName,
    /// Its record.
    pub id: NameId,
    /// How many of the app's assignments it holds: the app's grants (Redis access excepted)
    /// in order, the first deployments full ([`Access::MAX_ASSIGNMENTS`] each).
    pub assignments: usize,
}

impl Access {
    /// Role assignments in one access deployment. ARM allows 800 resources per template; half
    /// of it keeps each nested deployment well inside the limit and short enough to retry
    /// (Cosmos DB writes its assignments one after another).
    pub const MAX_ASSIGNMENTS: usize = 400;
}

/// What a Function App serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppRole {
    /// The one app serving every CRUD API of the backend (fields listed).
    CrudApis {
        /// The CRUD API fields.
        components: Vec<String>,
    },
    /// A `#[functions_app]` component.
    FunctionsApp {
        /// The backend field.
        component: String,
        /// The struct's Rust name.
        type_name: String,
    },
}

/// Log Analytics and Application Insights.
#[derive(Debug, Clone, Serialize)]
pub struct Monitoring {
    /// The workspace's name.
    pub workspace: ResourceName,
    /// The component's name.
    pub insights: ResourceName,
    /// The component's record.
    pub insights_id: NameId,
    /// Days the workspace keeps data.
    pub retention_days: u32,
    /// Percent of telemetry kept.
    pub sampling_percentage: f64,
}

/// A role an app's identity gets on a scope.
#[derive(Debug, Clone, Serialize)]
pub struct RoleGrant {
    /// The app's [`FunctionApp::key`].
    pub app: String,
    /// The role.
    pub role: Role,
    /// Where it applies.
    pub scope: GrantScope,
    /// The assignment's record.
    pub id: NameId,
}

/// The roles atakora grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Role {
    /// Storage Blob Data Owner: identity-based host storage and the deployment container.
    StorageBlobDataOwner,
    /// Monitoring Metrics Publisher: Entra-authenticated telemetry.
    MonitoringMetricsPublisher,
    /// Key Vault Secrets User: Key Vault references (keys mode).
    KeyVaultSecretsUser,
    /// Cosmos DB Built-in Data Reader.
    CosmosDataReader,
    /// Cosmos DB Built-in Data Contributor.
    CosmosDataContributor,
    /// Azure Managed Redis `default` access policy.
    RedisDataAccess,
    /// Storage Queue Data Contributor: a queue trigger reads, deletes, puts back and
    /// dead-letters messages.
    StorageQueueDataContributor,
    /// Storage Queue Data Message Sender: `Queue::send`.
    StorageQueueDataMessageSender,
    /// atakora's Cosmos DB metadata reader (a custom data-plane role with
    /// `readMetadata` only): what the change-feed trigger needs at database scope.
    CosmosMetadataReader,
}

impl Role {
    /// The role definition's id (a GUID; Cosmos DB and Redis roles are account-scoped names).
    pub fn definition_id(self) -> &'static str {
        match self {
            Role::StorageBlobDataOwner => "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
            Role::MonitoringMetricsPublisher => "3913510d-42f4-4e42-8a64-420c390055eb",
            Role::KeyVaultSecretsUser => "4633458b-17de-408a-b874-0445c86b69e6",
            Role::CosmosDataReader => "00000000-0000-0000-0000-000000000001",
            Role::CosmosDataContributor => "00000000-0000-0000-0000-000000000002",
            Role::RedisDataAccess => "default",
            Role::StorageQueueDataContributor => "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
            Role::StorageQueueDataMessageSender => "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a",
            // atakora's own definition, the same name in every account.
            Role::CosmosMetadataReader => "6c2b7a5e-4d1f-5e0a-9b3c-a7a0a1c0d0e1",
        }
    }

    /// The role's display name.
    pub fn label(self) -> &'static str {
        match self {
            Role::StorageBlobDataOwner => "Storage Blob Data Owner",
            Role::MonitoringMetricsPublisher => "Monitoring Metrics Publisher",
            Role::KeyVaultSecretsUser => "Key Vault Secrets User",
            Role::CosmosDataReader => "Cosmos DB Built-in Data Reader",
            Role::CosmosDataContributor => "Cosmos DB Built-in Data Contributor",
            Role::RedisDataAccess => "Redis default access policy",
            Role::StorageQueueDataContributor => "Storage Queue Data Contributor",
            Role::StorageQueueDataMessageSender => "Storage Queue Data Message Sender",
            Role::CosmosMetadataReader => "Cosmos DB metadata reader (atakora)",
        }
    }
}

/// Where a role applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GrantScope {
    /// The storage account.
    Storage,
    /// The Application Insights component.
    Insights,
    /// The Key Vault.
    KeyVault,
    /// One container's data-plane path (`<account>/dbs/<db>/colls/<container>`).
    CosmosContainer {
        /// Index into `cosmos_accounts`.
        account: usize,
        /// The database's name.
        database: String,
        /// The container's name.
        container: String,
    },
    /// One database's data-plane path (`<account>/dbs/<db>`): every container in it, used
    /// where that grants exactly what per-container assignments would (and for the
    /// change feed's metadata-only role).
    CosmosDatabase {
        /// Index into `cosmos_accounts`.
        account: usize,
        /// The database's name.
        database: String,
    },
    /// The Redis database.
    Redis,
    /// One storage queue.
    Queue {
        /// The queue's name.
        name: String,
    },
}

/// `Plan::validate()`: errors and warnings, by code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Diagnostics that stop a build.
    pub errors: Vec<Diagnostic>,
    /// Diagnostics that inform.
    pub warnings: Vec<Diagnostic>,
}

impl Report {
    /// No errors.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
}

/// A resource's name as the plan knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Name {
    /// Literal, or a literal base plus the deployment-time suffix.
    Planned(ResourceName),
    /// A GUID ARM computes when deploying from the parts joined by `-` (role assignments).
    Guid(Vec<NamePart>),
}

/// One argument of a [`Name::Guid`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "of", rename_all = "snake_case")]
pub enum NamePart {
    /// The ARM resource id of a recorded resource.
    IdOf(NameId),
    /// The Cosmos DB data-plane path of a recorded container (`<account id>/dbs/<db>/colls/<c>`)
    /// or database (`<account id>/dbs/<db>`).
    DataPathOf(NameId),
    /// The principal (object) id of a recorded identity: known when it is deployed.
    PrincipalOf(NameId),
    /// A literal.
    Text(String),
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Name::Planned(n) => n.fmt(f),
            Name::Guid(_) => f.write_str("{guid}"),
        }
    }
}

/// What declares a resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeclaredBy {
    /// The backend itself (shared resources).
    Backend {
        /// The backend's Rust name.
        type_name: String,
    },
    /// The app serving the CRUD APIs.
    CrudApis,
    /// One component.
    Component {
        /// The backend field.
        field: String,
        /// The component type's Rust name, when the message names it.
        type_name: Option<String>,
    },
}

impl fmt::Display for DeclaredBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeclaredBy::Backend { type_name } => write!(f, "backend `{type_name}`"),
            DeclaredBy::CrudApis => f.write_str("the CRUD APIs"),
            DeclaredBy::Component { field, type_name: None } => write!(f, "`{field}`"),
            DeclaredBy::Component {
                field,
                type_name: Some(t),
            } => write!(f, "`{field}` (`{t}`)"),
        }
    }
}

/// One resource of a plan: what the manifest lists, what collisions and locks compare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedResource {
    /// Its type.
    pub kind: ResourceKind,
    /// Its name.
    pub name: Name,
    /// The resource it is a child of (its name must be unique there); `None`: the resource
    /// group (global names are unique there too).
    pub parent: Option<NameId>,
    /// What declares it.
    pub declared_by: DeclaredBy,
    /// The `{purpose}` it was named for (empty when none).
    pub purpose: String,
}

impl NamedResource {
    /// The planned name, when it is not derived at deployment.
    pub fn planned(&self) -> Option<&ResourceName> {
        match &self.name {
            Name::Planned(n) => Some(n),
            Name::Guid(_) => None,
        }
    }
}

impl Plan {
    /// Every resource the plan emits, in the order it was named.
    pub fn named_resources(&self) -> &[NamedResource] {
        &self.named
    }

    /// Where a resource's name must be unique, for messages: `the resource group`, or its
    /// parents (`database `d` of Cosmos DB account `a``).
    pub fn scope_of(&self, r: &NamedResource) -> String {
        let mut parts = Vec::new();
        let mut parent = r.parent;
        while let Some(p) = parent {
            let p = &self.named[p];
            let label = match p.kind {
                ResourceKind::CosmosDatabase => "database",
                kind => kind.label(),
            };
            parts.push(format!("{label} `{}`", p.name));
            parent = p.parent;
        }
        if parts.is_empty() {
            "the resource group".to_string()
        } else {
            parts.join(" of ")
        }
    }

    /// Every name as deployed into the resource group `resource_group_id` (as
    /// `az group show --query id` prints it) with the default suffix, computed offline with
    /// ARM's `uniqueString` and `guid`, in record order. Role-assignment names that ARM
    /// derives from an identity's principal id are known only once the identity exists; they
    /// are left out (see [`Plan::final_name_with`]).
    pub fn final_names(&self, resource_group_id: &str) -> Vec<(ResourceKind, String)> {
        let suffix = crate::naming::suffix_for(resource_group_id);
        (0..self.named.len())
            .filter_map(|i| Some((self.named[i].kind, self.final_name(i, resource_group_id, &suffix)?)))
            .collect()
    }

    /// The name of record `id` as deployed into `resource_group_id` with `suffix`; `None`
    /// when it depends on a principal id.
    pub fn final_name(&self, id: NameId, resource_group_id: &str, suffix: &str) -> Option<String> {
        let mut known = true;
        let name = self.final_name_with(id, resource_group_id, suffix, &mut |_| {
            known = false;
            String::new()
        });
        known.then_some(name)
    }

    /// The name of record `id`, with `principal(identity resource id)` standing for each
    /// principal id it depends on (once deployed: `az identity show --query principalId`).
    pub fn final_name_with(
        &self,
        id: NameId,
        resource_group_id: &str,
        suffix: &str,
        principal: &mut dyn FnMut(&str) -> String,
    ) -> String {
        match &self.named[id].name {
            Name::Planned(n) => n.with_suffix(suffix),
            Name::Guid(parts) => {
                let args: Vec<String> = parts
                    .iter()
                    .map(|p| match p {
                        NamePart::Text(t) => t.clone(),
                        NamePart::IdOf(of) => self.resource_id(*of, resource_group_id, suffix),
                        NamePart::DataPathOf(of) => self.data_path(*of, resource_group_id, suffix),
                        NamePart::PrincipalOf(of) => principal(&self.resource_id(*of, resource_group_id, suffix)),
                    })
                    .collect();
                crate::naming::arm_guid(&args.iter().map(String::as_str).collect::<Vec<_>>())
            }
        }
    }

    /// The ARM resource id of record `id` as deployed into `resource_group_id`:
    /// `<rg id>/providers/<type>/<name>`, children as `<parent id>/<child type>/<name>`.
    pub fn resource_id(&self, id: NameId, resource_group_id: &str, suffix: &str) -> String {
        let r = &self.named[id];
        let name = self.final_name_with(id, resource_group_id, suffix, &mut |i| format!("principal({i})"));
        match r.parent {
            None => format!("{resource_group_id}/providers/{}/{name}", r.kind.arm_type()),
            Some(p) => {
                let child = r.kind.arm_type().rsplit('/').next().unwrap_or_default();
                format!("{}/{child}/{name}", self.resource_id(p, resource_group_id, suffix))
            }
        }
    }

    /// The data-plane path of a recorded container (`<account id>/dbs/<db>/colls/<c>`) or
    /// database (`<account id>/dbs/<db>`), the scope of its role assignments.
    fn data_path(&self, of: NameId, resource_group_id: &str, suffix: &str) -> String {
        let name = |id| self.final_name_with(id, resource_group_id, suffix, &mut |i| format!("principal({i})"));
        let db_path = |db: NameId| {
            let account = self.named[db].parent.expect("a database has an account");
            format!(
                "{}/dbs/{}",
                self.resource_id(account, resource_group_id, suffix),
                name(db)
            )
        };
        if self.named[of].kind == crate::naming::ResourceKind::CosmosDatabase {
            return db_path(of);
        }
        let db = self.named[of].parent.expect("a container has a database");
        format!("{}/colls/{}", db_path(db), name(of))
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

    /// The app whose key is `key`.
    pub fn app(&self, key: &str) -> Option<&FunctionApp> {
        self.function_apps.iter().find(|a| a.key == key)
    }
}
