//! Start-up: settings from the environment, the store and cache they name, logging, the
//! listener, graceful shutdown.

use crate::api::Service;
use crate::auth::{AuthConfig, Authenticator};
use crate::cache::{Cache, MemoryCache};
use crate::engine::{Engine, EngineClock, EngineConfig, LocalFunction, Payloads};
use crate::functions::Endpoint;
use crate::http::{Runtime, router};
use crate::store::{Clock, ContainerDef, MemoryStore, SqliteStore, Store, Synchronous, SystemClock};
use atakora_core::contract::settings;
use atakora_core::entity::Component;
use atakora_core::spec::{AuthSpec, BackendSpec, Trigger};
use std::future::Future;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// The port the Functions host gives a custom handler.
pub const FUNCTIONS_PORT: &str = "FUNCTIONS_CUSTOMHANDLER_PORT";
/// The local default port (the Functions host's own default).
pub const DEFAULT_PORT: u16 = 7071;
/// `sqlite:<path>`, `memory` or `cosmos`.
pub const STORE: &str = "ATAKORA_STORE";
/// `normal` (default) or `full`: `PRAGMA synchronous` of the SQLite store.
pub const SQLITE_SYNC: &str = "ATAKORA_SQLITE_SYNC";
/// `redis://host:port/`: a Redis cache without Entra ID (local runs; feature `redis`).
pub const CACHE_URL: &str = "ATAKORA_CACHE_URL";

/// Which store to serve from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreChoice {
    /// In memory, lost at exit.
    Memory,
    /// A SQLite file.
    Sqlite(PathBuf),
    /// Cosmos DB, from the `COSMOS*` settings.
    Cosmos,
}

/// What the environment says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The port to listen on (127.0.0.1); 0 picks a free one.
    pub port: u16,
    /// Whether the Functions host runs us (`FUNCTIONS_CUSTOMHANDLER_PORT` is set).
    pub in_functions_host: bool,
    /// The store.
    pub store: StoreChoice,
    /// `CACHE__endpoint`, if set.
    pub cache_endpoint: Option<String>,
    /// `ATAKORA_CACHE_URL`, if set.
    pub cache_url: Option<String>,
    /// The SQLite durability level.
    pub sync: Synchronous,
}

impl Settings {
    /// The settings of `backend` (its id names the default SQLite file) from `env`.
    pub fn from_env(backend: &str, env: impl Fn(&str) -> Option<String>) -> Result<Settings, String> {
        let functions_port = env(FUNCTIONS_PORT).filter(|v| !v.is_empty());
        let port_text = functions_port.clone().or_else(|| env("PORT").filter(|v| !v.is_empty()));
        let port = match port_text {
            None => DEFAULT_PORT,
            Some(t) => t
                .parse()
                .map_err(|_| format!("the port `{t}` is not a number from 0 to 65535"))?,
        };
        let cosmos_endpoint = env(&format!("{}{}", settings::COSMOS, settings::ACCOUNT_ENDPOINT_SUFFIX))
            .or_else(|| env(settings::COSMOS))
            .filter(|v| !v.is_empty());
        let store = match env(STORE).filter(|v| !v.is_empty()) {
            Some(s) if s == "memory" => StoreChoice::Memory,
            Some(s) if s == "cosmos" => StoreChoice::Cosmos,
            Some(s) if s.starts_with("sqlite:") && s.len() > "sqlite:".len() => {
                StoreChoice::Sqlite(PathBuf::from(&s[7..]))
            }
            Some(s) => return Err(format!("{STORE}=`{s}`: expected `sqlite:<path>`, `memory` or `cosmos`")),
            None if cosmos_endpoint.is_some() => StoreChoice::Cosmos,
            None => StoreChoice::Sqlite(PathBuf::from(format!(".atakora/{backend}.db"))),
        };
        let sync = match env(SQLITE_SYNC).as_deref() {
            None | Some("") | Some("normal") => Synchronous::Normal,
            Some("full") => Synchronous::Full,
            Some(s) => return Err(format!("{SQLITE_SYNC}=`{s}`: expected `normal` or `full`")),
        };
        Ok(Settings {
            port,
            in_functions_host: functions_port.is_some(),
            store,
            cache_endpoint: env(settings::CACHE_ENDPOINT).filter(|v| !v.is_empty()),
            cache_url: env(CACHE_URL).filter(|v| !v.is_empty()),
            sync,
        })
    }

    /// How the store is named in the start-up banner.
    pub fn store_label(&self) -> String {
        match &self.store {
            StoreChoice::Memory => "memory".into(),
            StoreChoice::Sqlite(p) => format!("sqlite:{}", p.display()),
            StoreChoice::Cosmos => "cosmos".into(),
        }
    }
}

/// The structured request log: one JSON object per line on `writer`, only the
/// `atakora::request` events (one per request).
pub fn request_log<S, W>(writer: W) -> Box<dyn tracing_subscriber::Layer<S> + Send + Sync>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    use tracing::level_filters::LevelFilter;
    use tracing_subscriber::{Layer, filter::Targets};
    crate::request_log::JsonLines::new(writer)
        .with_filter(Targets::new().with_target("atakora::request", LevelFilter::INFO))
        .boxed()
}

/// Logs: the structured request log ([`request_log`]) on stdout; everything else on stderr,
/// filtered by `RUST_LOG` (`info` by default).
pub fn init_logging() {
    use tracing::level_filters::LevelFilter;
    use tracing_subscriber::{Layer, filter::Targets, fmt, layer::SubscriberExt, util::SubscriberInitExt};
    let default = Targets::new()
        .with_default(LevelFilter::INFO)
        .with_target("hyper", LevelFilter::WARN)
        .with_target("azure_core", LevelFilter::WARN);
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|s| s.parse::<Targets>().ok())
        .unwrap_or(default)
        .with_target("atakora::request", LevelFilter::OFF);
    let other = fmt::layer().with_writer(std::io::stderr).with_filter(filter);
    let _ = tracing_subscriber::registry()
        .with(request_log(std::io::stdout))
        .with(other)
        .try_init();
}

/// Serve backend `spec` with `components` as the environment says, until SIGINT/SIGTERM.
/// The exit code is a failure when start-up fails (the reason is on stderr).
pub fn run(spec: &'static BackendSpec, components: &'static [Component]) -> ExitCode {
    run_with_functions(spec, components, Vec::new())
}

/// [`run`], with the backend's `functions` run by the local engine next to the CRUD API (on
/// the embedded stores; not under the Functions host, where each functions app runs its own).
pub fn run_with_functions(
    spec: &'static BackendSpec,
    components: &'static [Component],
    functions: Vec<LocalFunction>,
) -> ExitCode {
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("atakora: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve_from_env(spec, components, functions)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("atakora: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The store a choice names (created or checked against the service's containers).
pub async fn open_store(service: &Service, settings: &Settings, spec: &BackendSpec) -> Result<Arc<dyn Store>, String> {
    let containers = service.containers();
    let store: Arc<dyn Store> = match &settings.store {
        StoreChoice::Memory => Arc::new(MemoryStore::new()),
        StoreChoice::Sqlite(path) => Arc::new(SqliteStore::open(path, settings.sync).map_err(|e| e.to_string())?),
        StoreChoice::Cosmos => cosmos_store(service, spec)?,
    };
    if settings.store == StoreChoice::Cosmos {
        // In Azure the template made the containers: check them in the background, so the
        // port is bound within the host's start-up limit (the health route reports failures).
        let store = store.clone();
        tokio::spawn(async move { check_containers(store, containers).await });
    } else {
        store.ensure(&containers, true).await.map_err(|e| e.to_string())?;
    }
    Ok(store)
}

async fn check_containers(store: Arc<dyn Store>, containers: Vec<ContainerDef>) {
    match store.ensure(&containers, false).await {
        Ok(()) => tracing::info!("every container exists as the specs say"),
        Err(e) => tracing::error!("container check failed: {e}"),
    }
}

#[cfg(feature = "cosmos")]
fn cosmos_store(service: &Service, spec: &BackendSpec) -> Result<Arc<dyn Store>, String> {
    let env = |k: &str| std::env::var(k).ok();
    crate::store::cosmos::CosmosStore::from_settings(service, spec, env).map(|s| Arc::new(s) as Arc<dyn Store>)
}

#[cfg(not(feature = "cosmos"))]
fn cosmos_store(_: &Service, _: &BackendSpec) -> Result<Arc<dyn Store>, String> {
    Err(
        "the Cosmos DB store was asked for, but this binary was built without it: build with the \
         `serve-azure` feature of atakora (or `cosmos` of atakora-runtime), or set ATAKORA_STORE=sqlite:<path>"
            .into(),
    )
}

/// The cache the settings name: with the `redis` feature, Redis at `ATAKORA_CACHE_URL` or
/// Azure Managed Redis at `CACHE__endpoint`; else (or when it cannot be set up) in memory.
pub async fn open_cache(settings: &Settings, clock: Arc<dyn Clock>) -> Arc<dyn Cache> {
    let wanted = settings.cache_url.as_ref().or(settings.cache_endpoint.as_ref());
    #[cfg(feature = "redis")]
    if let Some(target) = wanted {
        use crate::cache::redis::RedisCache;
        let made = match &settings.cache_url {
            Some(url) => RedisCache::from_url(url),
            None => RedisCache::from_endpoint(target).await,
        };
        match made {
            Ok(c) => return Arc::new(c),
            Err(e) => tracing::warn!("the Redis cache at {target} cannot be used, caching in memory: {e}"),
        }
    }
    #[cfg(not(feature = "redis"))]
    if let Some(target) = wanted {
        tracing::warn!(
            "a Redis cache is configured ({target}) but this binary has no Redis adapter (feature `redis`): caching in memory"
        );
    }
    Arc::new(MemoryCache::new(100_000, clock))
}

/// App Service's own setting, present on every app it runs (Function Apps included).
pub const SITE_NAME: &str = "WEBSITE_SITE_NAME";

/// The authenticator the environment configures for a backend whose `auth` is `spec` (see
/// [`AuthConfig::from_env`]); its key set is fetched at once, so a wrong location is logged at
/// start-up (requests fetch it again).
pub async fn open_auth(spec: &AuthSpec, settings: &Settings) -> Result<Option<Arc<Authenticator>>, String> {
    let deployed = settings.in_functions_host || std::env::var(SITE_NAME).is_ok_and(|v| !v.is_empty());
    let Some(config) = AuthConfig::from_env(spec, deployed, |k| std::env::var(k).ok())? else {
        return Ok(None);
    };
    let auth = Authenticator::new(config);
    if let Err(e) = auth.load().await {
        tracing::error!("the token signing keys cannot be fetched yet (retried on the first request): {e}");
    }
    Ok(Some(Arc::new(auth)))
}

async fn serve_from_env(
    spec: &'static BackendSpec,
    components: &'static [Component],
    functions: Vec<LocalFunction>,
) -> Result<(), String> {
    let service = Service::new(spec, components);
    let settings = Settings::from_env(&service.backend, |k| std::env::var(k).ok())?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", settings.port))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", settings.port))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store = open_store(&service, &settings, spec).await?;
    let cache = open_cache(&settings, clock.clone()).await;
    let auth = open_auth(&spec.auth, &settings).await?;
    let mut rt = Runtime::new(service, store, cache.clone(), clock);
    rt.auth = auth;
    for (i, api) in rt.service.apis.iter().enumerate() {
        if let Some(ttl) = std::env::var(settings::cache_ttl(api.field))
            .ok()
            .and_then(|v| v.parse().ok())
        {
            rt.cache_ttls[i] = Some(ttl);
        }
    }
    eprintln!(
        "atakora: serving {} on http://{addr} (store {}, cache {})",
        rt.service.type_name,
        settings.store_label(),
        cache.kind()
    );
    match (&rt.auth, rt.service.auth.is_required()) {
        (Some(a), _) => eprintln!(
            "  auth: Entra ID bearer tokens from {} for {}",
            a.config().issuer,
            a.config().audiences.join(", ")
        ),
        (None, true) => eprintln!(
            "  auth: off ({} not set): no token needed, owner, tenant and roles not enforced",
            crate::auth::ISSUER
        ),
        (None, false) => eprintln!("  auth: anonymous (`auth = \"anonymous\"`)"),
    }
    for route in rt.service.routes() {
        eprintln!("  {:<22} {}", route.methods.join(" "), route.path);
    }
    // Under the Functions host each functions app's own package runs its functions.
    let functions = if settings.in_functions_host {
        Vec::new()
    } else {
        functions
    };
    let taken: Vec<String> = rt.service.routes().iter().map(|r| r.path.clone()).collect();
    let endpoints: Vec<Endpoint> = functions.iter().map(|f| f.endpoint.clone()).collect();
    let mut extra = crate::functions::http_router(&endpoints, &taken);
    for f in &functions {
        eprintln!(
            "  function {:<29} {}",
            format!("{}.{}", f.app, f.spec.name),
            describe(&f.spec.trigger)
        );
    }
    let engine = local_engine(&rt, &settings, functions)?;
    let running = match &engine {
        Some(engine) => {
            extra = extra.merge(engine.admin_router());
            eprintln!("  POST                   /admin/functions/{{name}} (run a function now; loopback only)");
            let running = engine.start().await?;
            crate::engine::set_current(Some(engine.clone()));
            Some(running)
        }
        None => None,
    };
    let out = serve_with(listener, Arc::new(rt), extra, shutdown_signal()).await;
    crate::engine::set_current(None);
    if let Some(r) = running {
        r.stop().await;
    }
    out
}

fn describe(t: &Trigger) -> String {
    match t {
        Trigger::Queue { queue, max_attempts } => format!("queue {queue} (max_attempts {max_attempts})"),
        Trigger::Timer { schedule } => format!("timer \"{schedule}\" (UTC)"),
        Trigger::Changes { entity } => format!("changes of {entity}"),
        Trigger::Http { route, methods } => format!("http {} /{route}", methods.join(" ")),
    }
}

/// The local engine of `functions` on `rt`'s store, when there are functions and the store
/// is an embedded one (in Azure the Functions host runs the triggers).
fn local_engine(rt: &Runtime, settings: &Settings, functions: Vec<LocalFunction>) -> Result<Option<Engine>, String> {
    if functions.is_empty() || settings.in_functions_host {
        return Ok(None);
    }
    let Some(local) = rt.store.clone().local_engine() else {
        eprintln!(
            "  functions: not run locally on the {} store (queues, timers and the change feed run on sqlite or memory)",
            rt.store.kind()
        );
        return Ok(None);
    };
    let payloads = Payloads::from_env(std::env::var(crate::engine::PAYLOADS_ENV).ok().as_deref())?;
    if payloads == Payloads::Azure {
        eprintln!("  functions: invoked through the custom handler with the Functions host's payloads");
    }
    let containers: Vec<(String, String)> = rt
        .service
        .apis
        .iter()
        .map(|a| (a.spec.type_name.to_string(), a.container.name.clone()))
        .collect();
    let config = EngineConfig {
        payloads,
        ..EngineConfig::default()
    };
    Engine::new(local, functions, &containers, config, EngineClock::system()).map(Some)
}

/// Serve `rt` on `listener` until `shutdown` completes, purging expired documents every
/// minute; requests in flight are finished first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    rt: Arc<Runtime>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    serve_with(listener, rt, axum::Router::new(), shutdown).await
}

/// [`serve`], with the routes of `extra` (HTTP functions, the admin endpoint) beside the CRUD
/// API's; handlers see the peer's address (`ConnectInfo`).
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    rt: Arc<Runtime>,
    extra: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let store = rt.store.clone();
    let upkeep = tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            if let Err(e) = store.maintain().await {
                tracing::warn!("store upkeep failed: {e}");
            }
        }
    });
    let app = extra.merge(router(rt));
    let out = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .map_err(|e| format!("server failed: {e}"));
    upkeep.abort();
    out
}

pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    eprintln!("atakora: shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(pairs: &[(&str, &str)]) -> Result<Settings, String> {
        let map: std::collections::HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_env("shop", |k| map.get(k).cloned())
    }

    #[test]
    fn port_and_store_follow_the_documented_order() {
        let s = from(&[]).unwrap();
        assert_eq!(
            (s.port, s.store.clone(), s.in_functions_host),
            (7071, StoreChoice::Sqlite(".atakora/shop.db".into()), false)
        );
        let s = from(&[("PORT", "0"), ("FUNCTIONS_CUSTOMHANDLER_PORT", "4000")]).unwrap();
        assert_eq!((s.port, s.in_functions_host), (4000, true));
        assert_eq!(from(&[("PORT", "0")]).unwrap().port, 0);
        assert_eq!(
            from(&[("COSMOS__accountEndpoint", "https://a.documents.azure.com:443/")])
                .unwrap()
                .store,
            StoreChoice::Cosmos
        );
        assert_eq!(
            from(&[("COSMOS__accountEndpoint", "https://x/"), ("ATAKORA_STORE", "memory")])
                .unwrap()
                .store,
            StoreChoice::Memory
        );
        assert_eq!(
            from(&[("ATAKORA_STORE", "sqlite:/tmp/x.db")]).unwrap().store,
            StoreChoice::Sqlite("/tmp/x.db".into())
        );
        assert!(from(&[("ATAKORA_STORE", "postgres")]).unwrap_err().contains("expected"));
        assert!(from(&[("PORT", "http")]).unwrap_err().contains("not a number"));
        assert_eq!(
            from(&[("ATAKORA_SQLITE_SYNC", "full")]).unwrap().sync,
            Synchronous::Full
        );
    }
}
