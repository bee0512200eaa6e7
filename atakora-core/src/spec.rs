//! Specs: what the three attributes say, as plain data.
//!
//! Every type here can be built in a `const` (the macros emit them as `const` items and
//! `inventory` registrations) and as owned values (the build helper parses sources at build
//! time). `Cow<'static, _>` serves both: `Cow::Borrowed` in generated code, `Cow::Owned` in the
//! build helper. Defaults live here, next to the fields they fill.

use serde::Serialize;
use std::borrow::Cow;

/// A string that is `'static` in generated code and owned when parsed at build time.
pub type Str = Cow<'static, str>;
/// A list with the same two lives as [`Str`].
pub type List<T> = Cow<'static, [T]>;

/// `#[crud_api(...)]` on an entity struct.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrudApiSpec {
    /// The Rust name of the entity struct (`User`).
    pub type_name: Str,
    /// `entity_name`: the name in routes; default: the struct's name.
    pub entity_name: Str,
    /// `container`: the Cosmos container; default: the struct's name, plural, kebab-case.
    pub container: Str,
    /// `partition_key`: 1 path (`Hash`) or 2–3 paths (hierarchical, `MultiHash`).
    pub partition_key: List<Str>,
    /// `ttl`: container `defaultTtl` in seconds, `-1` = on without default expiry; `None` = off.
    pub ttl: Option<i32>,
    /// `throughput` / `autoscale`: dedicated throughput; `None` = shares its database's.
    pub throughput: Option<Throughput>,
    /// `serverless`: lives in a serverless account.
    pub serverless: bool,
    /// `operations`: the routes the API serves.
    pub operations: Operations,
    /// `cache`: read cache.
    pub cache: Option<CacheSpec>,
    /// `health_check`: health probe and availability test.
    pub health_check: Option<HealthCheckSpec>,
    /// `unique_keys`: each entry is one unique key made of one or more paths.
    pub unique_keys: List<List<Str>>,
    /// The entity's serialized fields, in declaration order (for API schemas).
    pub fields: List<FieldSpec>,
    /// `owner = "/userId"`: the top-level string field holding the `oid` of the caller each
    /// document belongs to; `None`: documents belong to no one in particular.
    pub owner: Option<Str>,
    /// `tenant = "/tenantId"`: the top-level string field holding the `tid` (Entra tenant) of
    /// the callers each document belongs to.
    pub tenant: Option<Str>,
    /// `roles(create = "Catalog.Write", ...)`: the app role each operation requires.
    pub roles: RolesSpec,
}

/// `roles(<operation> = "<app role>", ...)`: the app role (a value of the token's `roles`
/// claim) each operation requires; an operation without one needs only a valid token.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RolesSpec {
    /// `create`.
    pub create: Option<Str>,
    /// `read`.
    pub read: Option<Str>,
    /// `update` (PUT and PATCH).
    pub update: Option<Str>,
    /// `delete`.
    pub delete: Option<Str>,
    /// `list`.
    pub list: Option<Str>,
}

impl RolesSpec {
    /// No role required for any operation.
    pub const NONE: RolesSpec = RolesSpec {
        create: None,
        read: None,
        update: None,
        delete: None,
        list: None,
    };

    /// The role operation `bit` (an [`Operations`] constant) requires.
    pub fn for_operation(&self, bit: u8) -> Option<&str> {
        let role = match bit {
            Operations::CREATE => &self.create,
            Operations::READ => &self.read,
            Operations::UPDATE => &self.update,
            Operations::DELETE => &self.delete,
            Operations::LIST => &self.list,
            _ => &None,
        };
        role.as_deref()
    }

    /// `(operation name, role)` of every operation that requires one, in canonical order.
    pub fn required(&self) -> impl Iterator<Item = (&'static str, &str)> {
        Operations::NAMES
            .into_iter()
            .filter_map(|(name, bit)| Some((name, self.for_operation(bit)?)))
    }
}

/// One serialized field of a CRUD entity, as the stored document shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldSpec {
    /// The name in JSON (serde renames applied).
    pub name: Str,
    /// The JSON type its Rust type serializes to, as far as the type's name tells.
    pub ty: FieldType,
    /// Whether a document must have it: not `Option<_>`, no `#[serde(default)]`.
    pub required: bool,
}

/// The JSON type of a field, read from its Rust type's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// A JSON string: `String`, `&str`, `char`, `Cow<str>`, ...
    Text,
    /// Integer types.
    Integer,
    /// `f32`, `f64`.
    Number,
    /// `bool`.
    Boolean,
    /// `Vec<_>`, sets, slices and arrays.
    Array,
    /// Maps, and structs whose shape another item declares.
    Object,
}

impl FieldType {
    /// The JSON Schema `type` keyword.
    pub fn json_schema_type(self) -> &'static str {
        match self {
            FieldType::Text => "string",
            FieldType::Integer => "integer",
            FieldType::Number => "number",
            FieldType::Boolean => "boolean",
            FieldType::Array => "array",
            FieldType::Object => "object",
        }
    }
}

impl CrudApiSpec {
    /// Every option at its default (no TTL, shared throughput, provisioned, all operations, no
    /// cache or health check, no unique keys, no owner or tenant, no roles), and what every
    /// entity has of its own (its names, partition key and fields) empty: the base a spec
    /// completes with `..CrudApiSpec::BASE`, as the macro's literal does.
    pub const BASE: CrudApiSpec = CrudApiSpec {
        type_name: Cow::Borrowed(""),
        entity_name: Cow::Borrowed(""),
        container: Cow::Borrowed(""),
        partition_key: Cow::Borrowed(&[]),
        ttl: None,
        throughput: None,
        serverless: false,
        operations: Operations::ALL,
        cache: None,
        health_check: None,
        unique_keys: Cow::Borrowed(&[]),
        fields: Cow::Borrowed(&[]),
        owner: None,
        tenant: None,
        roles: RolesSpec::NONE,
    };

    /// The spec of `#[crud_api]` without options on `type_name`: partition key `/id`, no TTL,
    /// shared throughput, all operations, default names.
    pub fn with_defaults(type_name: &str) -> Self {
        CrudApiSpec {
            type_name: Cow::Owned(type_name.to_string()),
            entity_name: Cow::Owned(type_name.to_string()),
            container: Cow::Owned(default_container_name(type_name)),
            partition_key: Cow::Borrowed(&[Cow::Borrowed("/id")]),
            ..Self::BASE
        }
    }

    /// The `(default, per-environment)` values of dedicated throughput, if any.
    pub fn throughput_values(&self) -> Option<&PerEnv> {
        match &self.throughput {
            Some(Throughput::Manual { rus }) => Some(rus),
            Some(Throughput::Autoscale { max_rus }) => Some(max_rus),
            None => None,
        }
    }
}

/// Dedicated throughput of a container.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Throughput {
    /// Manual RU/s.
    Manual {
        /// RU/s, per environment.
        rus: PerEnv,
    },
    /// Autoscale with this maximum RU/s.
    Autoscale {
        /// The maximum RU/s, per environment.
        max_rus: PerEnv,
    },
}

/// A value given once (`throughput = 400`) or per environment
/// (`throughput(dev = 400, prod = 4000, default = 1000)`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerEnv {
    /// The value for environments not listed (`default = n`, or the single value).
    pub default: Option<u32>,
    /// `(environment, value)` in the order written.
    pub values: List<(Str, u32)>,
}

impl PerEnv {
    /// The value for `env`: its own, else the default.
    pub fn get(&self, env: &str) -> Option<u32> {
        self.values
            .iter()
            .find(|(e, _)| e == env)
            .map(|(_, v)| *v)
            .or(self.default)
    }
}

/// The CRUD operations an API serves, as a bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operations(pub u8);

impl Operations {
    /// `create`: `POST /api/<component>`.
    pub const CREATE: u8 = 1;
    /// `read`: `GET /api/<component>/<id>`.
    pub const READ: u8 = 2;
    /// `update`: `PUT`/`PATCH /api/<component>/<id>`.
    pub const UPDATE: u8 = 4;
    /// `delete`: `DELETE /api/<component>/<id>`.
    pub const DELETE: u8 = 8;
    /// `list`: `GET /api/<component>`.
    pub const LIST: u8 = 16;
    /// The default: all five.
    pub const ALL: Operations = Operations(31);
    /// Names in canonical order, as written in `operations(...)`.
    pub const NAMES: [(&'static str, u8); 5] = [
        ("create", Self::CREATE),
        ("read", Self::READ),
        ("update", Self::UPDATE),
        ("delete", Self::DELETE),
        ("list", Self::LIST),
    ];

    /// Whether the operation `bit` is served.
    pub fn contains(self, bit: u8) -> bool {
        self.0 & bit != 0
    }

    /// Only `read` and/or `list`: the API needs no write access to its data.
    pub fn is_read_only(self) -> bool {
        self.0 & !(Self::READ | Self::LIST) == 0
    }

    /// The served operations' names, in canonical order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Self::NAMES
            .into_iter()
            .filter(move |(_, b)| self.contains(*b))
            .map(|(n, _)| n)
    }
}

impl Serialize for Operations {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.names())
    }
}

/// `cache` / `cache(ttl = n)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CacheSpec {
    /// Seconds an entry stays cached.
    pub ttl: u32,
}

impl CacheSpec {
    /// `cache` without arguments: five minutes.
    pub const DEFAULT_TTL: u32 = 300;
    /// `cache` without arguments.
    pub const DEFAULT: CacheSpec = CacheSpec { ttl: Self::DEFAULT_TTL };
}

/// `health_check(path = "/health", interval = 30, timeout = 10, unhealthy_threshold = 3)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthCheckSpec {
    /// The probed path (served at the root of the API app).
    pub path: Str,
    /// Seconds between probes.
    pub interval: u32,
    /// Seconds before a probe counts as failed.
    pub timeout: u32,
    /// Failed probes (locations) before the API counts as unhealthy.
    pub unhealthy_threshold: u32,
}

impl HealthCheckSpec {
    /// `path` when not given.
    pub const DEFAULT_PATH: &'static str = "/health";
    /// `interval` when not given (seconds).
    pub const DEFAULT_INTERVAL: u32 = 30;
    /// `timeout` when not given (seconds).
    pub const DEFAULT_TIMEOUT: u32 = 10;
    /// `unhealthy_threshold` when not given.
    pub const DEFAULT_UNHEALTHY_THRESHOLD: u32 = 3;
    /// `health_check` without arguments.
    pub const DEFAULT: HealthCheckSpec = HealthCheckSpec {
        path: Cow::Borrowed(Self::DEFAULT_PATH),
        interval: Self::DEFAULT_INTERVAL,
        timeout: Self::DEFAULT_TIMEOUT,
        unhealthy_threshold: Self::DEFAULT_UNHEALTHY_THRESHOLD,
    };
}

/// `#[functions_app(...)]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionsAppSpec {
    /// The Rust name of the struct.
    pub type_name: Str,
    /// Instance memory: 512, 2048 or 4096 MB.
    pub memory_mb: u32,
    /// Maximum instances, 1..=1000.
    pub max_instances: u32,
    /// Instances kept warm (Flex always-ready, `http` group).
    pub always_ready: u32,
    /// The `#[atakora::function]` handlers hosted by this app, ordered by name. Empty in the
    /// `const` spec `#[functions_app]` emits (the handlers are other items, declared
    /// anywhere in the crate): the registry and the build helper fill it.
    pub functions: List<FunctionSpec>,
}

impl FunctionsAppSpec {
    /// `memory_mb` when not given.
    pub const DEFAULT_MEMORY_MB: u32 = 2048;
    /// `max_instances` when not given.
    pub const DEFAULT_MAX_INSTANCES: u32 = 100;
    /// `always_ready` when not given.
    pub const DEFAULT_ALWAYS_READY: u32 = 0;

    /// The spec of `#[functions_app]` without options on `type_name`.
    pub fn with_defaults(type_name: &str) -> Self {
        FunctionsAppSpec {
            type_name: Cow::Owned(type_name.to_string()),
            memory_mb: Self::DEFAULT_MEMORY_MB,
            max_instances: Self::DEFAULT_MAX_INSTANCES,
            always_ready: Self::DEFAULT_ALWAYS_READY,
            functions: Cow::Borrowed(&[]),
        }
    }
}

/// `#[atakora::function(app = ..., trigger = ...)]` on an `async fn`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionSpec {
    /// The function's name: the Rust function's name (the Functions host's function name).
    pub name: Str,
    /// `app`: the Rust name of the `#[functions_app]` struct hosting it.
    pub app: Str,
    /// `trigger`: what runs it.
    pub trigger: Trigger,
    /// `always_ready`: instances of its own scale group kept warm (`function:<name>`; HTTP
    /// functions share the app's `http` group and take its `always_ready`).
    pub always_ready: Option<u32>,
}

impl FunctionSpec {
    /// `max_attempts` of a queue trigger when not given: the Functions host's
    /// `maxDequeueCount` default.
    pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;
    /// The suffix of a queue's dead-letter twin (the Functions host's name for it).
    pub const POISON_SUFFIX: &'static str = "-poison";

    /// Flex Consumption's scale group of this function: `http` for HTTP functions (they
    /// share one), `function:<name>` for every other.
    pub fn scale_group(&self) -> String {
        match self.trigger {
            Trigger::Http { .. } => "http".to_string(),
            _ => format!("function:{}", self.name),
        }
    }
}

/// What runs a function.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trigger {
    /// `queue("orders", max_attempts = 5)`: each message of a Storage queue.
    Queue {
        /// The queue's name.
        queue: Str,
        /// Deliveries before a message moves to `<queue>-poison`.
        max_attempts: u32,
    },
    /// `timer("0 */5 * * * *")`: a six-field NCRONTAB schedule, in UTC.
    Timer {
        /// `{second} {minute} {hour} {day} {month} {day-of-week}`.
        schedule: Str,
    },
    /// `changes(Order)`: batches of the change feed of a `#[crud_api]` entity's container.
    Changes {
        /// The Rust name of the entity.
        entity: Str,
    },
    /// `http(route = "orders/{id}/ship", methods(post))`: an HTTP route of the app.
    Http {
        /// The route, without a leading `/` (placeholders in braces).
        route: Str,
        /// The methods it answers, lowercase (`post`); empty = every method.
        methods: List<Str>,
    },
}

impl Trigger {
    /// The trigger's kind as the attribute writes it (`queue`, `timer`, `changes`, `http`).
    pub fn kind(&self) -> &'static str {
        match self {
            Trigger::Queue { .. } => "queue",
            Trigger::Timer { .. } => "timer",
            Trigger::Changes { .. } => "changes",
            Trigger::Http { .. } => "http",
        }
    }
}

/// `#[backend(...)]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackendSpec {
    /// The Rust name of the backend struct (`ShopBackend`).
    pub type_name: Str,
    /// `app`: the application name in resource names; default: the crate's name.
    pub app: Str,
    /// `location`: the region of every regional resource (the default of the template's
    /// `location` parameter); `None`: the resource group's region.
    pub location: Option<Str>,
    /// `environments`: one template each; default `dev`.
    pub environments: List<Str>,
    /// `networking`: public, or isolated in a VNet.
    pub networking: Networking,
    /// `enforce_https`: the apps accept HTTPS only (default).
    pub enforce_https: bool,
    /// `managed_identity`: Entra ID identities (default), or keys in Key Vault.
    pub managed_identity: bool,
    /// `limits(...)`.
    pub limits: Limits,
    /// `naming(...)`.
    pub naming: NamingSpec,
    /// `None` = `monitoring = false`.
    pub monitoring: Option<MonitoringSpec>,
    /// `auto_scale(...)`: shared database throughput as autoscale.
    pub auto_scale: Option<AutoScaleSpec>,
    /// `consistency`: the Cosmos DB default consistency level.
    pub consistency: Consistency,
    /// `tags(key = "value")`, in the order written.
    pub tags: List<(Str, Str)>,
    /// `cors(allowed_origins = [...])`: the browser origins the API answers; `None`: none.
    pub cors: Option<CorsSpec>,
    /// `auth(...)`: who may call the CRUD APIs.
    pub auth: AuthSpec,
    /// The struct's fields, in declaration order.
    pub components: List<ComponentSpec>,
}

impl BackendSpec {
    /// The one environment when `environments(...)` is not given.
    pub const DEFAULT_ENVIRONMENT: &'static str = "dev";

    /// The spec of `#[backend]` without options on `type_name` in app `app`: the resource
    /// group's region, one `dev` environment, public networking, HTTPS and identities on,
    /// monitoring on (90 days, 100%), the default naming pattern, `Session` consistency, no
    /// components yet.
    pub fn with_defaults(type_name: &str, app: &str) -> Self {
        BackendSpec {
            type_name: Cow::Owned(type_name.to_string()),
            app: Cow::Owned(app.to_string()),
            location: None,
            environments: Cow::Borrowed(&[Cow::Borrowed(Self::DEFAULT_ENVIRONMENT)]),
            networking: Networking::Public,
            enforce_https: true,
            managed_identity: true,
            limits: Limits::default(),
            naming: NamingSpec::DEFAULT,
            monitoring: Some(MonitoringSpec::DEFAULT),
            auto_scale: None,
            consistency: Consistency::Session,
            tags: Cow::Borrowed(&[]),
            cors: None,
            auth: AuthSpec::DEFAULT,
            components: Cow::Borrowed(&[]),
        }
    }
}

/// `auth(entra(audience = "api://shop-api"))` or `auth = "anonymous"`: who may call the
/// backend's CRUD APIs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum AuthSpec {
    /// Entra ID bearer tokens of the deployment's tenant (the default).
    Entra {
        /// The tokens' audience (`aud`): the default of the template's `apiAudience`
        /// parameter; `None`: the parameter has no default and must be given when deploying.
        audience: Option<Str>,
    },
    /// `auth = "anonymous"`: anyone who reaches the API may call it (warned, ATK0920).
    Anonymous,
}

impl AuthSpec {
    /// Without `auth`: Entra ID, the audience given when deploying.
    pub const DEFAULT: AuthSpec = AuthSpec::Entra { audience: None };

    /// Whether callers need a token.
    pub fn is_required(&self) -> bool {
        matches!(self, AuthSpec::Entra { .. })
    }

    /// The audience the backend names, if any.
    pub fn audience(&self) -> Option<&str> {
        match self {
            AuthSpec::Entra { audience } => audience.as_deref(),
            AuthSpec::Anonymous => None,
        }
    }
}

/// `cors(allowed_origins = ["https://app.example.com"])`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CorsSpec {
    /// Origins (`https://host[:port]`) whose browser requests the API answers.
    pub allowed_origins: List<Str>,
}

/// One field of a backend struct.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
// The specs are `Cow`s so that generated code can build them in a `const` (borrowed); a `Box`
// cannot be.
#[allow(clippy::large_enum_variant)]
pub enum ComponentSpec {
    /// `field: CrudApi<T>`.
    CrudApi {
        /// The backend field's name.
        field: Str,
        /// The entity's spec.
        api: Cow<'static, CrudApiSpec>,
    },
    /// `field: FunctionsApp<T>`.
    FunctionsApp {
        /// The backend field's name.
        field: Str,
        /// The functions app's spec.
        app: Cow<'static, FunctionsAppSpec>,
    },
}

impl ComponentSpec {
    /// The backend field's name.
    pub fn field(&self) -> &str {
        match self {
            ComponentSpec::CrudApi { field, .. } | ComponentSpec::FunctionsApp { field, .. } => field,
        }
    }
}

/// `networking = "public"` or `networking(isolated(...))`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Networking {
    /// Public endpoints (default).
    Public,
    /// A VNet, with private endpoints or service endpoints.
    Isolated(IsolatedNetwork),
}

/// `isolated(vnet_name = "...", subnet_name = "...", address_space = "10.0.0.0/16", private_endpoints = true)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IsolatedNetwork {
    /// The VNet's name; default: from the naming pattern.
    pub vnet_name: Option<Str>,
    /// The apps' integration subnet's name; default: from the naming pattern.
    pub subnet_name: Option<Str>,
    /// The VNet's address space (IPv4 CIDR, /8 to /26).
    pub address_space: Str,
    /// Private endpoints (default) or service endpoints for the data services.
    pub private_endpoints: bool,
}

impl IsolatedNetwork {
    /// `address_space` when not given.
    pub const DEFAULT_ADDRESS_SPACE: &'static str = "10.0.0.0/16";
    /// `isolated` without arguments: names from the pattern, `10.0.0.0/16`, private endpoints.
    pub const DEFAULT: IsolatedNetwork = IsolatedNetwork {
        vnet_name: None,
        subnet_name: None,
        address_space: Cow::Borrowed(Self::DEFAULT_ADDRESS_SPACE),
        private_endpoints: true,
    };
}

/// `limits(...)`: `None` = no limit.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Limits {
    /// Cosmos DB accounts the backend may have.
    pub max_cosmos_accounts: Option<u32>,
    /// Function Apps the backend may have.
    pub max_function_apps: Option<u32>,
    /// Storage accounts the backend may have.
    pub max_storage_accounts: Option<u32>,
    /// RU/s one database may have (shared plus dedicated).
    pub max_throughput_per_database: Option<u32>,
}

/// `naming(pattern = "...", unique_suffix = true, strict = false)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamingSpec {
    /// The pattern (`{type}-{app}-{env}-{purpose}`).
    pub pattern: Str,
    /// Whether globally unique names end in the deployment-time suffix.
    pub unique_suffix: bool,
    /// Whether a name that needs shortening is an error.
    pub strict: bool,
}

impl NamingSpec {
    /// `pattern` when not given.
    pub const DEFAULT_PATTERN: &'static str = "{type}-{app}-{env}-{purpose}";
    /// `naming` left out: the default pattern, a unique suffix, names shortened when needed.
    pub const DEFAULT: NamingSpec = NamingSpec {
        pattern: Cow::Borrowed(Self::DEFAULT_PATTERN),
        unique_suffix: true,
        strict: false,
    };
}

/// `monitoring(retention_days = 90, sampling_percentage = 100, alerting(...))`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitoringSpec {
    /// Days Log Analytics keeps data (30..=730).
    pub retention_days: u32,
    /// Percent of telemetry Application Insights keeps.
    pub sampling_percentage: f64,
    /// `alerting(...)`.
    pub alerting: Option<AlertingSpec>,
}

impl MonitoringSpec {
    /// `retention_days` when not given.
    pub const DEFAULT_RETENTION_DAYS: u32 = 90;
    /// `sampling_percentage` when not given.
    pub const DEFAULT_SAMPLING_PERCENTAGE: f64 = 100.0;
    /// `monitoring` without arguments: 90 days, 100%, no alerts.
    pub const DEFAULT: MonitoringSpec = MonitoringSpec {
        retention_days: Self::DEFAULT_RETENTION_DAYS,
        sampling_percentage: Self::DEFAULT_SAMPLING_PERCENTAGE,
        alerting: None,
    };
}

/// `alerting(error_threshold = 5, latency_threshold_ms = 1000, email = "ops@example.com")`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertingSpec {
    /// Server errors (5xx) in 5 minutes above which the alert fires.
    pub error_threshold: u32,
    /// Average response time (ms) over 5 minutes above which the alert fires.
    pub latency_threshold_ms: u32,
    /// Who the action group e-mails; without it alerts show in the portal only.
    pub email: Option<Str>,
}

impl AlertingSpec {
    /// `error_threshold` when not given.
    pub const DEFAULT_ERROR_THRESHOLD: u32 = 5;
    /// `latency_threshold_ms` when not given.
    pub const DEFAULT_LATENCY_THRESHOLD_MS: u32 = 1000;
    /// `alerting` without arguments: no e-mail receiver.
    pub const DEFAULT: AlertingSpec = AlertingSpec {
        error_threshold: Self::DEFAULT_ERROR_THRESHOLD,
        latency_threshold_ms: Self::DEFAULT_LATENCY_THRESHOLD_MS,
        email: None,
    };
}

/// `auto_scale(max_throughput = 10000, target_utilization = 70)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AutoScaleSpec {
    /// The shared databases' autoscale maximum RU/s.
    pub max_throughput: u32,
    /// Percent of normalized RU consumption that raises the alert.
    pub target_utilization: u32,
}

impl AutoScaleSpec {
    /// `target_utilization` when not given.
    pub const DEFAULT_TARGET_UTILIZATION: u32 = 70;
}

/// Cosmos DB default consistency level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Consistency {
    /// `Eventual`.
    Eventual,
    /// `ConsistentPrefix`.
    ConsistentPrefix,
    /// `Session` (default).
    Session,
    /// `BoundedStaleness`.
    BoundedStaleness,
    /// `Strong`.
    Strong,
}

impl Consistency {
    /// Every level, weakest first.
    pub const ALL: [Consistency; 5] = [
        Consistency::Eventual,
        Consistency::ConsistentPrefix,
        Consistency::Session,
        Consistency::BoundedStaleness,
        Consistency::Strong,
    ];

    /// The spelling in the attribute and in ARM.
    pub fn as_str(self) -> &'static str {
        match self {
            Consistency::Eventual => "Eventual",
            Consistency::ConsistentPrefix => "ConsistentPrefix",
            Consistency::Session => "Session",
            Consistency::BoundedStaleness => "BoundedStaleness",
            Consistency::Strong => "Strong",
        }
    }

    /// The level spelt `s` in the attribute and in ARM.
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// `Default` is the `DEFAULT` constant of each spec that has one.
macro_rules! default_is_const {
    ($($t:ty),*) => {$(
        impl Default for $t {
            fn default() -> Self {
                Self::DEFAULT
            }
        }
    )*};
}
default_is_const!(
    CacheSpec,
    HealthCheckSpec,
    IsolatedNetwork,
    NamingSpec,
    MonitoringSpec,
    AlertingSpec
);

/// `UserProfile` → `user-profile`: the case used for backend ids and default names.
pub fn kebab_case(ident: &str) -> String {
    let mut out = String::with_capacity(ident.len() + 4);
    let chars: Vec<char> = ident.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' || c == '-' {
            if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
            continue;
        }
        if c.is_uppercase() {
            let prev_lower = i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let prev_upper = i > 0 && chars[i - 1].is_uppercase();
            if !out.is_empty() && !out.ends_with('-') && (prev_lower || (prev_upper && next_lower)) {
                out.push('-');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out.trim_end_matches('-').to_string()
}

/// The default container name: the struct's name in kebab-case, plural (`OrderItem` → `order-items`).
pub fn default_container_name(type_name: &str) -> String {
    let k = kebab_case(type_name);
    if k.ends_with('s') || k.ends_with('x') || k.ends_with("ch") || k.ends_with("sh") {
        format!("{k}es")
    } else if k.ends_with('y') && !k.ends_with("ay") && !k.ends_with("ey") && !k.ends_with("oy") && !k.ends_with("uy") {
        format!("{}ies", &k[..k.len() - 1])
    } else {
        format!("{k}s")
    }
}

/// What the spec literals the macros write are written with: the spec types, `Some` and
/// `None`, and `B` for `Cow::Borrowed`. A literal imports it in a block of its own
/// (`{ use ::atakora::__private::spec::literal::*; CrudApiSpec { .. } }`), so each of its
/// values takes a few tokens: an app of thousands of entities compiles thousands of literals.
#[doc(hidden)]
pub mod literal {
    pub use super::*;
    pub use core::option::Option::{None, Some};
    pub use std::borrow::Cow::Borrowed as B;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kebab_and_plural() {
        assert_eq!(kebab_case("ShopBackend"), "shop-backend");
        assert_eq!(kebab_case("HTTPServer"), "http-server");
        assert_eq!(kebab_case("User2Api"), "user2-api");
        assert_eq!(kebab_case("order_processor"), "order-processor");
        assert_eq!(default_container_name("User"), "users");
        assert_eq!(default_container_name("Category"), "categories");
        assert_eq!(default_container_name("Address"), "addresses");
        assert_eq!(default_container_name("OrderItem"), "order-items");
        assert_eq!(default_container_name("Day"), "days");
    }

    #[test]
    fn per_env_prefers_own_value() {
        let p = PerEnv {
            default: Some(1000),
            values: Cow::Owned(vec![(Cow::Borrowed("dev"), 400)]),
        };
        assert_eq!(p.get("dev"), Some(400));
        assert_eq!(p.get("prod"), Some(1000));
        let q = PerEnv {
            default: None,
            values: Cow::Owned(vec![]),
        };
        assert_eq!(q.get("dev"), None);
    }

    #[test]
    fn operations_read_only() {
        assert!(Operations(Operations::READ | Operations::LIST).is_read_only());
        assert!(!Operations::ALL.is_read_only());
        assert_eq!(
            Operations::ALL.names().collect::<Vec<_>>(),
            ["create", "read", "update", "delete", "list"]
        );
    }
}
