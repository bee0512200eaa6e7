//! Diagnostics: every mistake and every warning has a stable code.
//!
//! The same codes come out of the proc macros (as spanned compile errors), of
//! `Plan::validate()` and of the build helper. `docs/errors.md` lists them all.

use serde::Serialize;
use std::fmt;

macro_rules! codes {
    ($( $(#[$doc:meta])* $name:ident = $code:literal, $sev:ident; )*) => {
        /// A stable diagnostic code (`ATK0xxx`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( $(#[$doc])* $name, )* }

        impl Code {
            /// Every code, in numeric order.
            pub const ALL: &'static [Code] = &[ $( Code::$name, )* ];

            /// `ATK0xxx`.
            pub const fn as_str(self) -> &'static str {
                match self { $( Code::$name => $code, )* }
            }

            /// Whether the code stops a build (error) or only informs (warning).
            pub const fn severity(self) -> Severity {
                match self { $( Code::$name => Severity::$sev, )* }
            }
        }
    };
}

codes! {
    /// The attribute's arguments are not valid syntax.
    Syntax = "ATK0001", Error;
    /// An option name the attribute does not know.
    UnknownOption = "ATK0002", Error;
    /// The same option given twice.
    DuplicateOption = "ATK0003", Error;
    /// An option given a value of the wrong kind (a string where a number is expected, ...).
    WrongValueType = "ATK0004", Error;
    /// An option value outside the words the option accepts.
    UnknownValue = "ATK0005", Error;
    /// `#[crud_api]` / `#[functions_app]` / `#[backend]` on an item they cannot describe.
    WrongItem = "ATK0010", Error;
    /// A generic entity or backend.
    GenericItem = "ATK0011", Error;
    /// A CRUD entity without a field serialized as `id`.
    MissingId = "ATK0012", Error;
    /// A backend field `CrudApi<T>` whose `T` has no `#[crud_api]` (trait bound).
    NotCrudEntity = "ATK0013", Error;
    /// A CRUD entity that does not derive `Serialize` and `Deserialize` (trait bound).
    NotSerde = "ATK0014", Error;
    /// The field serialized as `id` is not a string (trait bound).
    IdType = "ATK0015", Error;
    /// A backend field `FunctionsApp<T>` whose `T` has no `#[functions_app]` (trait bound).
    NotFunctionsApp = "ATK0016", Error;
    /// A partition key path that does not start with `/`.
    PartitionKeySyntax = "ATK0101", Error;
    /// A partition key path that is not a serialized field of the entity.
    PartitionKeyUnknownField = "ATK0102", Error;
    /// Hierarchical partition key: more than 3 paths, none, or a path twice.
    PartitionKeyCount = "ATK0103", Error;
    /// A partition key field whose type is not a string, number or bool (trait bound), or a
    /// nested path into a field that has no fields.
    PartitionKeyType = "ATK0104", Error;
    /// `ttl` outside `-1` and `1..=2147483647`.
    TtlRange = "ATK0110", Error;
    /// `throughput` outside 400..=1,000,000 or not a multiple of 100.
    ThroughputRange = "ATK0111", Error;
    /// `autoscale` maximum outside 1000..=1,000,000 or not a multiple of 1000.
    AutoscaleRange = "ATK0112", Error;
    /// `serverless` together with `throughput` or `autoscale`, or both of those.
    ThroughputConflict = "ATK0113", Error;
    /// `operations(...)` empty, unknown or repeated.
    Operations = "ATK0114", Error;
    /// `cache(ttl)` of 0.
    CacheTtl = "ATK0115", Error;
    /// `health_check(...)` values out of range.
    HealthCheck = "ATK0116", Error;
    /// `entity_name` or `container` not a legal name.
    EntityName = "ATK0117", Error;
    /// `unique_keys` path malformed or not a serialized field.
    UniqueKeys = "ATK0118", Error;
    /// A per-environment value names an environment the backend does not declare, or
    /// leaves a declared one without a value.
    PerEnvironment = "ATK0120", Error;
    /// `#[functions_app(memory_mb)]` not 512, 2048 or 4096.
    MemoryMb = "ATK0201", Error;
    /// `#[functions_app(max_instances)]` outside 1..=1000.
    MaxInstances = "ATK0202", Error;
    /// `#[functions_app(always_ready)]` above `max_instances`.
    AlwaysReady = "ATK0203", Error;
    /// `always_ready = 1` on a functions app of a backend with a production environment: its
    /// zone-redundant plan keeps at least two always-ready instances per function group.
    AlwaysReadyZoneRedundant = "ATK0204", Error;
    /// A backend field that is not `CrudApi<T>` or `FunctionsApp<T>`.
    BackendField = "ATK0301", Error;
    /// A backend with no components.
    EmptyBackend = "ATK0302", Error;
    /// The same entity or functions app twice in one backend.
    DuplicateComponent = "ATK0303", Error;
    /// An environment name that is not legal, or given twice.
    EnvironmentName = "ATK0304", Error;
    /// `location` is not an Azure region.
    Location = "ATK0305", Error;
    /// `retention_days`, `sampling_percentage` or alert values out of range.
    Monitoring = "ATK0307", Error;
    /// `alerting(email)` not an e-mail address.
    Email = "ATK0310", Error;
    /// `naming(pattern)` with an unknown placeholder, or without `{type}`.
    NamingPattern = "ATK0311", Error;
    /// A tag key or value Azure refuses.
    Tag = "ATK0312", Error;
    /// `networking(...)` malformed (e.g. an address space that is not a CIDR block).
    Networking = "ATK0313", Error;
    /// `app` not usable in resource names.
    AppName = "ATK0314", Error;
    /// `auto_scale(...)` out of range.
    AutoScale = "ATK0315", Error;
    /// `health_check` on an API of a backend with `monitoring = false` (availability tests
    /// live in Application Insights).
    HealthCheckNeedsMonitoring = "ATK0317", Error;
    /// `limits(...)` value of 0.
    LimitValue = "ATK0316", Error;
    /// `cors(allowed_origins)` with an origin that is not `https://host[:port]` (or `*`).
    Cors = "ATK0318", Error;
    /// `owner`/`tenant` path malformed, nested, or not a serialized field of the entity.
    IsolationPath = "ATK0601", Error;
    /// The field `owner`/`tenant` names is not a string (trait bound).
    IsolationType = "ATK0602", Error;
    /// `owner` and `tenant` name the same field.
    IsolationSamePath = "ATK0603", Error;
    /// `roles(...)` names an operation the API does not serve.
    RoleOperation = "ATK0604", Error;
    /// An app role name that is empty or that Entra ID does not accept.
    RoleName = "ATK0605", Error;
    /// `auth(...)` malformed: an audience that is not a URI or an application id.
    Auth = "ATK0606", Error;
    /// `owner`, `tenant` or `roles` on an API of a backend with `auth = "anonymous"`: there
    /// is no caller to own, scope or authorize anything (cross-item).
    IsolationWithoutAuth = "ATK0607", Error;
    /// A plan asked for an environment the backend does not declare.
    UnknownEnvironment = "ATK0401", Error;
    /// More Cosmos DB accounts than `limits(max_cosmos_accounts)` allows.
    CosmosAccountLimit = "ATK0402", Error;
    /// A database's summed throughput above `limits(max_throughput_per_database)`.
    DatabaseThroughputLimit = "ATK0403", Error;
    /// More Function Apps than `limits(max_function_apps)` allows.
    FunctionAppLimit = "ATK0404", Error;
    /// More storage accounts than `limits(max_storage_accounts)` allows.
    StorageAccountLimit = "ATK0405", Error;
    /// A name that cannot be made legal for its resource type.
    IllegalName = "ATK0406", Error;
    /// Two resources of one type and scope with the same name.
    NameCollision = "ATK0407", Error;
    /// The template is over an ARM limit (4 MB, 800 resources, 256 parameters, 64 outputs).
    ArmLimit = "ATK0408", Error;
    /// A change would rename a stateful resource recorded in `atakora.lock` (its data would be
    /// left behind in the old one).
    LockedRename = "ATK0409", Error;
    /// A change would alter an immutable property recorded in `atakora.lock` (partition key,
    /// unique keys), which Azure cannot change in place.
    LockedImmutable = "ATK0410", Error;
    /// `#[atakora::function]` on an item that is not a non-generic `async fn` with one argument.
    FunctionItem = "ATK0500", Error;
    /// `#[atakora::function]` without its `app` or its `trigger`, or with one that is not a path.
    FunctionOptions = "ATK0501", Error;
    /// `#[atakora::function(app = T)]` whose `T` has no `#[functions_app]` (trait bound).
    FunctionAppNotFunctionsApp = "ATK0502", Error;
    /// A trigger that is not `queue(...)`, `timer(...)`, `changes(...)` or `http(...)`, or
    /// whose arguments are not the trigger's.
    Trigger = "ATK0503", Error;
    /// A timer schedule that is not a six-field NCRONTAB expression.
    TimerSchedule = "ATK0504", Error;
    /// A queue name Azure Storage refuses, or too long for its `-poison` twin.
    QueueName = "ATK0505", Error;
    /// `max_attempts` of 0, or above the Functions host's limit.
    MaxAttempts = "ATK0506", Error;
    /// `changes(T)` whose `T` has no `#[crud_api]` (trait bound).
    ChangesNotEntity = "ATK0507", Error;
    /// A handler whose argument or result does not fit its trigger (trait bound).
    HandlerSignature = "ATK0508", Error;
    /// A function name the Functions host refuses (`^[a-z][a-z0-9_-]{0,127}$`, not `host`).
    FunctionName = "ATK0509", Error;
    /// Two functions of one app with the same name, or a function named like the first
    /// segment of one of the app's HTTP routes.
    FunctionNameClash = "ATK0510", Error;
    /// `http(route = ..., methods(...))` with a malformed route or an unknown method.
    HttpRoute = "ATK0511", Error;
    /// Queue functions of one app with different `max_attempts` (the host's
    /// `maxDequeueCount` is one per app).
    MaxAttemptsDiffer = "ATK0512", Error;
    /// `changes(T)` on an entity that is not a `CrudApi<T>` of the functions app's backend.
    ChangesOutsideBackend = "ATK0513", Error;
    /// `always_ready` on a function of an HTTP trigger (HTTP functions share the app's `http`
    /// group: set `always_ready` on the `#[functions_app]`).
    FunctionAlwaysReady = "ATK0514", Error;
    /// The backend's databases and containers need more Cosmos DB accounts (500 each) than
    /// `limits(max_cosmos_accounts)` allows.
    AccountCapacityLimit = "ATK0420", Error;
    /// An accepted option whose Azure effect is not built yet; the template does not reflect it.
    NotYetEmitted = "ATK0901", Warning;
    /// Serverless and provisioned entities in one backend: two Cosmos DB accounts.
    CosmosAccountSplit = "ATK0902", Warning;
    /// A name was shortened to fit its resource type (a hash keeps it unique).
    NameShortened = "ATK0903", Warning;
    /// HTTPS enforcement turned off.
    HttpsOff = "ATK0904", Warning;
    /// More than 25 containers share one database's throughput: another database is added.
    DatabaseSplit = "ATK0905", Warning;
    /// Monitoring off, or sampling below 100%, in a production environment.
    ProductionMonitoring = "ATK0906", Warning;
    /// `managed_identity = false`: the apps use keys held in Key Vault.
    IdentityOff = "ATK0907", Warning;
    /// Dedicated throughput above 4,000 RU/s in a non-production environment.
    CostlyDevThroughput = "ATK0908", Warning;
    /// More than 50 resources in one template: consider splitting the backend.
    LargeBackend = "ATK0909", Warning;
    /// `auto_scale(...)` on a backend without a provisioned database to scale.
    AutoScaleUnused = "ATK0910", Warning;
    /// Isolated networking needs the `Microsoft.App` resource provider registered in the
    /// subscription, which a template cannot do.
    ProviderRegistration = "ATK0911", Warning;
    /// A naming pattern without `{env}` in a backend with several environments: every
    /// environment's resources get the same names.
    PatternWithoutEnvironment = "ATK0912", Warning;
    /// `auth = "anonymous"`: anyone who reaches the API may read and write its data.
    AnonymousApi = "ATK0920", Warning;
    /// More than 500 databases and containers: the backend gets further Cosmos DB accounts.
    AccountCapacitySplit = "ATK0913", Warning;
    /// The template is over ARM's limits and is deployed in ordered parts.
    TemplateSplit = "ATK0914", Warning;
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Whether a diagnostic stops the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Stops the build.
    Error,
    /// Informs.
    Warning,
}

/// One finding: a code, one sentence naming the construct, and the fix when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The stable code.
    pub code: Code,
    /// Error or warning (follows from the code).
    pub severity: Severity,
    /// One sentence naming the construct.
    pub message: String,
    /// The fix, when there is an obvious one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// What in the source the diagnostic is about, for tools that point at it (the compiler
    /// has spans; `validate()` and the build helper have this).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<Subject>,
    /// The compiler reports this one too, with a span (a cross-item rule `#[backend]` asserts
    /// when the crate compiles): a build script can leave it to the compiler.
    #[serde(skip)]
    pub compile_time: bool,
}

/// What a diagnostic is about: a backend, one of its components, one of its options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Subject {
    /// The backend struct's Rust name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backend: Option<String>,
    /// The backend field (component) concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    /// The attribute option concerned, dotted for nested options
    /// (`limits.max_throughput_per_database`); on the component's attribute when `component`
    /// is set, else on `#[backend]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with `code` (its severity follows) and `message`.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            help: None,
            subject: None,
            compile_time: false,
        }
    }

    /// The same diagnostic, about `subject`.
    pub fn about(mut self, subject: Subject) -> Self {
        self.subject = Some(subject);
        self
    }

    /// With a help.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// With a help, when there is one.
    pub fn help_opt(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    /// Whether it stops a build.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The compiler-facing text: `ATK0110: message` and, on its own line, `help: ...`.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n\n= help: {help}")?;
        }
        Ok(())
    }
}

/// The closest candidate to `input`, when it is close enough to be a likely typo: at most
/// one edit per three characters (transpositions count once), or a Jaro-Winkler similarity
/// of 0.9, or one word a prefix of the other (`production` → `prod`). Case is ignored.
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = input.to_ascii_lowercase();
    candidates
        .into_iter()
        .filter_map(|c| {
            let cl = c.to_ascii_lowercase();
            let distance = strsim::osa_distance(&lower, &cl);
            let similarity = strsim::jaro_winkler(&lower, &cl);
            let (short, long) = if lower.len() <= cl.len() {
                (&lower, &cl)
            } else {
                (&cl, &lower)
            };
            let prefix = short.len() >= 3 && long.starts_with(short.as_str());
            let close = distance <= (lower.len().max(cl.len()) / 3).max(1) || similarity >= 0.9 || prefix;
            close.then_some((distance, std::cmp::Reverse((similarity * 1e6) as u64), c))
        })
        .min()
        .map(|(_, _, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for c in Code::ALL {
            let s = c.as_str();
            assert!(
                s.len() == 7 && s.starts_with("ATK") && s[3..].bytes().all(|b| b.is_ascii_digit()),
                "{s}"
            );
            assert!(seen.insert(s), "duplicate code {s}");
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(closest("tll", ["ttl", "throughput", "cache"]), Some("ttl"));
        assert_eq!(
            closest("partition_kye", ["partition_key", "ttl"]),
            Some("partition_key")
        );
        assert_eq!(closest("zzzz", ["ttl", "cache"]), None);
        assert_eq!(
            closest("lst", ["create", "read", "update", "delete", "list"]),
            Some("list")
        );
        assert_eq!(closest("Sesion", ["Eventual", "Session", "Strong"]), Some("Session"));
        assert_eq!(closest("autoscal", ["autoscale", "auto_scale"]), Some("autoscale"));
        assert_eq!(closest("production", ["dev", "staging", "prod"]), Some("prod"));
    }

    #[test]
    fn display_has_code_and_help() {
        let d = Diagnostic::new(Code::TtlRange, "`ttl` must be -1 or 1..=2147483647, not 0").help("use -1");
        assert_eq!(
            d.to_string(),
            "ATK0110: `ttl` must be -1 or 1..=2147483647, not 0\n\n= help: use -1"
        );
        assert_eq!(d.severity, Severity::Error);
    }
}

#[cfg(test)]
mod catalogue {
    use super::Code;

    /// Every code has its section in docs/errors.md, and the docs name no code that is gone.
    #[test]
    fn docs_list_every_code() {
        let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/errors.md")).unwrap();
        for c in Code::ALL {
            assert!(
                docs.contains(&format!("## {} — ", c.as_str())),
                "docs/errors.md has no section for {c}"
            );
        }
        let documented = docs.lines().filter(|l| l.starts_with("## ATK")).count();
        assert_eq!(
            documented,
            Code::ALL.len(),
            "docs/errors.md documents codes that do not exist"
        );
    }
}
