//! What the emitted templates and the running backend agree on: the HTTP routes, the
//! Functions auth level, and the names of the app settings the templates set and the runtime
//! reads. One copy, used by `atakora-azure` (templates, availability tests, outputs) and by
//! the runtime (router, Functions package), so a probe or a setting can never point at
//! something the other side does not serve or read.

use crate::spec::kebab_case;

/// Every CRUD route starts with `/api/`; the template's `apiBaseUrl` output ends in it.
pub const API_PREFIX: &str = "api";

/// The Functions host's auth level for every HTTP function. The host's function keys are not
/// an identity: callers are authenticated by the app itself (Entra ID bearer tokens).
pub const AUTH_LEVEL: &str = "anonymous";

/// `extensions.http.routePrefix` in `host.json`: empty, so the routes below are the whole
/// path (the health path is served at the root, the CRUD routes under [`API_PREFIX`]).
pub const HOST_ROUTE_PREFIX: &str = "";

/// The health path served when no `health_check(path = ...)` is declared.
pub const DEFAULT_HEALTH_PATH: &str = "/health";

/// HTTP requests one instance of the CRUD APIs' app takes at once
/// (`scaleAndConcurrency.triggers.http.perInstanceConcurrency`): the runtime is one async
/// process, so an instance serves many requests while it waits on Cosmos DB.
pub const HTTP_CONCURRENCY: u32 = 64;

/// The OpenAPI document of every route.
pub const OPENAPI_PATH: &str = "/api/openapi.json";

/// `audit_logs` → `audit-logs`: a component's segment in its routes.
pub fn component_segment(field: &str) -> String {
    kebab_case(field)
}

/// `/api/audit-logs`: create and list.
pub fn collection_path(field: &str) -> String {
    format!("/{API_PREFIX}/{}", component_segment(field))
}

/// `/api/audit-logs/{id}`: read, update and delete of one document of a component.
pub fn item_path(field: &str) -> String {
    format!("{}/{{id}}", collection_path(field))
}

/// How `cargo atakora package` and the app's binary agree on its deployment package: the CLI
/// builds the binary and runs it with these variables set, and `atakora::serve::<B>()`
/// writes the package instead of serving (only the binary knows its backend's Rust types).
pub mod package {
    /// The package's file name: what Flex Consumption runs from the deployment container.
    pub const FILE: &str = "released-package.zip";
    /// The folder the binary writes [`FILE`] to.
    pub const OUT_ENV: &str = "ATAKORA_PACKAGE_OUT";
    /// The id of the backend (`shop-backend`) whose API app is packaged; a binary serving
    /// another backend refuses.
    pub const BACKEND_ENV: &str = "ATAKORA_PACKAGE_BACKEND";
    /// The environment packaged for (informational: one package serves every environment).
    pub const ENVIRONMENT_ENV: &str = "ATAKORA_ENVIRONMENT";
    /// The key of the backend's functions app (`order-processor`) to package instead of its API
    /// app: the same binary, with that app's `host.json` and one `function.json` per function.
    pub const APP_ENV: &str = "ATAKORA_PACKAGE_APP";
}

/// What a functions app's package (`function.json`) and its handler (the payload decoder)
/// agree on.
pub mod functions {
    use crate::plan::PlannedTrigger;
    use serde_json::{Value, json};

    /// The trigger binding's name: the key of the invocation's `Data` the handler reads.
    pub fn binding(trigger: &PlannedTrigger) -> &'static str {
        match trigger {
            PlannedTrigger::Queue { .. } => QUEUE_BINDING,
            PlannedTrigger::Timer { .. } => TIMER_BINDING,
            PlannedTrigger::Changes { .. } => CHANGES_BINDING,
            PlannedTrigger::Http { .. } => HTTP_BINDING,
        }
    }

    /// A queue trigger's binding.
    pub const QUEUE_BINDING: &str = "msg";
    /// A timer trigger's binding.
    pub const TIMER_BINDING: &str = "timer";
    /// A change-feed trigger's binding.
    pub const CHANGES_BINDING: &str = "batch";
    /// An HTTP trigger's binding.
    pub const HTTP_BINDING: &str = "req";

    /// Retries of a failed change-feed batch (without a policy the host skips it for good).
    pub const CHANGE_FEED_RETRIES: u32 = 5;

    /// The first retry's delay of a failed change-feed batch, in seconds (doubling after).
    pub const CHANGE_FEED_RETRY_MIN_SECS: u64 = 4;
    /// The longest delay between retries of a failed change-feed batch, in seconds.
    pub const CHANGE_FEED_RETRY_MAX_SECS: u64 = 15 * 60;

    /// The `retry` policy of change-feed functions: exponential back-off, 4 s to 15 min.
    pub fn change_feed_retry() -> Value {
        let span = |s: u64| format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
        json!({
            "strategy": "exponentialBackoff",
            "maxRetryCount": CHANGE_FEED_RETRIES,
            "minimumInterval": span(CHANGE_FEED_RETRY_MIN_SECS),
            "maximumInterval": span(CHANGE_FEED_RETRY_MAX_SECS)
        })
    }
}

/// The app settings the templates write and the runtime reads.
pub mod settings {
    /// The connection name of the (primary) Cosmos DB account: `COSMOS__accountEndpoint` with
    /// identities, `COSMOS` (a Key Vault reference to a connection string) with keys.
    pub const COSMOS: &str = "COSMOS";
    /// The connection name of the serverless account split off next to a provisioned one.
    pub const COSMOS_SERVERLESS: &str = "COSMOS_SERVERLESS";
    /// `<connection>__accountEndpoint`: the account's endpoint, reached with the app's identity.
    pub const ACCOUNT_ENDPOINT_SUFFIX: &str = "__accountEndpoint";
    /// The connection name of the backend's storage queues (queue triggers and
    /// `Queue::send`): `QUEUES__queueServiceUri` with identities.
    pub const QUEUES: &str = "QUEUES";
    /// Whether app setting `name` belongs to the queues' connection ([`QUEUES`] itself or a
    /// `QUEUES__…` part of it): one such setting means the app is meant to reach queues.
    pub fn is_queue_setting(name: &str) -> bool {
        name.strip_prefix(QUEUES)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("__"))
    }

    /// `<connection>__queueServiceUri`: the queue service's endpoint, reached with the app's
    /// identity.
    pub const QUEUE_SERVICE_URI_SUFFIX: &str = "__queueServiceUri";
    /// `<connection>__credential`: `managedidentity` (the app's user-assigned identity).
    pub const CREDENTIAL_SUFFIX: &str = "__credential";
    /// `<connection>__clientId`: the user-assigned identity's client id.
    pub const CLIENT_ID_SUFFIX: &str = "__clientId";
    /// `ATAKORA_FUNCTIONS_APP`: the key of the functions app a handler runs (`order-processor`);
    /// set on every functions app with functions, so one binary serves the app it is deployed as.
    pub const FUNCTIONS_APP: &str = "ATAKORA_FUNCTIONS_APP";
    /// `CACHE__endpoint`: `host:port` of the backend's Azure Managed Redis (Entra ID auth).
    pub const CACHE_ENDPOINT: &str = "CACHE__endpoint";

    /// The token issuer the CRUD APIs accept (`https://login.microsoftonline.com/<tenant>/v2.0`);
    /// setting it turns authentication on.
    pub const AUTH_ISSUER: &str = "ATAKORA_AUTH_ISSUER";
    /// The token audiences the CRUD APIs accept, comma-separated.
    pub const AUTH_AUDIENCE: &str = "ATAKORA_AUTH_AUDIENCE";
    /// Where the token signing keys are (a URL or a file); default: the issuer's OpenID
    /// discovery document.
    pub const AUTH_JWKS: &str = "ATAKORA_AUTH_JWKS";

    /// `ATAKORA_COSMOS_DATABASE` / `ATAKORA_COSMOS_SERVERLESS_DATABASE`: the account's first
    /// database.
    pub fn database(connection: &str) -> String {
        format!("ATAKORA_{connection}_DATABASE")
    }

    /// `ATAKORA_CONTAINER_<FIELD>`: `<database>/<container>` of a component.
    pub fn container(field: &str) -> String {
        format!("ATAKORA_CONTAINER_{}", field.to_ascii_uppercase())
    }

    /// `ATAKORA_CONNECTION_<FIELD>`: the connection name (`COSMOS_2`, ...) of a component
    /// whose container is in a further account of its kind; unset: `COSMOS` (or
    /// `COSMOS_SERVERLESS` for serverless entities next to provisioned ones).
    pub fn connection(field: &str) -> String {
        format!("ATAKORA_CONNECTION_{}", field.to_ascii_uppercase())
    }

    /// `ATAKORA_CACHE_TTL_<FIELD>`: seconds a component's point reads stay cached.
    pub fn cache_ttl(field: &str) -> String {
        format!("ATAKORA_CACHE_TTL_{}", field.to_ascii_uppercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_and_settings() {
        assert_eq!(collection_path("audit_logs"), "/api/audit-logs");
        assert_eq!(item_path("audit_logs"), "/api/audit-logs/{id}");
        assert_eq!(settings::container("audit_logs"), "ATAKORA_CONTAINER_AUDIT_LOGS");
        assert_eq!(
            settings::database(settings::COSMOS_SERVERLESS),
            "ATAKORA_COSMOS_SERVERLESS_DATABASE"
        );
        assert_eq!(settings::cache_ttl("products"), "ATAKORA_CACHE_TTL_PRODUCTS");
    }

    #[test]
    fn the_queues_connection_is_queues_and_its_parts_only() {
        use super::settings::is_queue_setting;
        for name in ["QUEUES", "QUEUES__queueServiceUri", "QUEUES__clientId"] {
            assert!(is_queue_setting(name), "{name}");
        }
        for name in ["QUEUESX", "QUEUES_X", "MY_QUEUES", "COSMOS__accountEndpoint"] {
            assert!(!is_queue_setting(name), "{name}");
        }
    }
}
