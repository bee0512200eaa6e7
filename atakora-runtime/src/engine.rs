//! The local engine: a backend's `#[atakora::function]`s run next to its CRUD API, with the
//! triggers' Azure semantics, from the embedded store (SQLite, or memory) and no Azure.
//!
//! - **Queues** ([`LocalEngine`]'s messages): a worker per queue function leases up to
//!   [`EngineConfig::batch_size`] messages at a time (invisible for [`EngineConfig::lease`],
//!   renewed while the handler runs, visible again if the process dies, put back at once on
//!   [`Running::stop`]), deletes a message
//!   whose handler succeeded, puts a failed one back (visible after
//!   [`EngineConfig::retry_delay`]) and moves it to `<queue>-poison` after `max_attempts`
//!   deliveries. A permanent failure (`atakora::Error::permanent`, or a message that does not
//!   decode into the handler's type) writes the dead-letter envelope to `<queue>-poison` at
//!   once.
//! - **Timers**: each timer function on its NCRONTAB schedule in UTC, one run at a time (ticks
//!   that fall while it runs are skipped); its last and next ticks are kept in the store, so a
//!   tick missed while the app was down gives one catch-up run with `is_past_due` at start.
//! - **Change feed**: each `changes(T)` function reads the store's change log of `T`'s
//!   container in batches of up to [`EngineConfig::max_items`], from a checkpoint kept in the
//!   store under `leases:<app>.<function>` (a first run starts from now, like the trigger's
//!   `startFromBeginning: false`). A failed batch is retried with the exponential back-off the
//!   templates give the trigger; once retries are spent (or at once for a permanent failure)
//!   every document's `id` is logged at error level and the checkpoint moves on.
//! - **Run now** ([`Engine::admin_router`]): `POST /admin/functions/<name>` with
//!   `{"input": "..."}`, as the Functions host's admin API, from loopback callers only.
//!
//! With [`PAYLOADS_ENV`]`=azure` every invocation goes through the custom handler's router
//! ([`crate::functions::router`]) as the exact payload the Functions host posts, so the decoder,
//! the dead-letter writer and the lost-batch logging Azure uses are the ones exercised.

use crate::functions::{BoxFuture, DeadLetters, Endpoint, Failure, Handler, RunPayload};
use crate::payload::{self, Invocation, Shape};
use crate::store::{Change, LocalEngine, QueueMessage};
use atakora_core::contract::functions as binding;
use atakora_core::cron::Schedule;
use atakora_core::spec::{FunctionSpec, Trigger};
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Path, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::post;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::{Notify, Semaphore, watch};

/// `direct` (the default: handlers are called with their decoded input) or `azure` (every
/// invocation is posted to the handler's router as the Functions host's payload).
pub const PAYLOADS_ENV: &str = "ATAKORA_LOCAL_PAYLOADS";

/// How the engine hands a function its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payloads {
    /// Call the handler with its decoded input.
    Direct,
    /// Post the Functions host's payload to the custom handler's router.
    Azure,
}

impl Payloads {
    /// The mode [`PAYLOADS_ENV`] names (`None` or empty: [`Payloads::Direct`]).
    pub fn from_env(value: Option<&str>) -> Result<Payloads, String> {
        match value.unwrap_or_default() {
            "" | "direct" => Ok(Payloads::Direct),
            "azure" => Ok(Payloads::Azure),
            other => Err(format!("{PAYLOADS_ENV}=`{other}`: expected `direct` or `azure`")),
        }
    }
}

/// The engine's knobs; the defaults are the Functions host's where it has one.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// How long a leased message stays invisible; renewed at half time while its handler runs.
    pub lease: Duration,
    /// When a failed message is visible again (the host's `visibilityTimeout`, default 0).
    pub retry_delay: Duration,
    /// How often an idle queue is polled (a local send wakes its worker at once).
    pub poll: Duration,
    /// Messages of one queue processed at once (the host's `batchSize`, default 16).
    pub batch_size: usize,
    /// Documents per change-feed batch (the trigger's `maxItemsPerInvocation`, default 100).
    pub max_items: usize,
    /// How often an idle change feed is read (a write wakes it at once).
    pub feed_poll: Duration,
    /// Retries of a failed change-feed batch, and the first and the longest delay between them.
    pub change_retries: u32,
    /// See [`EngineConfig::change_retries`].
    pub change_retry_min: Duration,
    /// See [`EngineConfig::change_retries`].
    pub change_retry_max: Duration,
    /// How invocations are delivered.
    pub payloads: Payloads,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            lease: Duration::from_secs(10 * 60),
            retry_delay: Duration::ZERO,
            poll: Duration::from_secs(1),
            batch_size: 16,
            max_items: 100,
            feed_poll: Duration::from_secs(5),
            change_retries: binding::CHANGE_FEED_RETRIES,
            change_retry_min: Duration::from_secs(binding::CHANGE_FEED_RETRY_MIN_SECS),
            change_retry_max: Duration::from_secs(binding::CHANGE_FEED_RETRY_MAX_SECS),
            payloads: Payloads::Direct,
        }
    }
}

/// The engine's time: the wall clock when it started, moved on by tokio's clock (so tests
/// with paused time move it too).
#[derive(Debug, Clone, Copy)]
pub struct EngineClock {
    wall_ms: i64,
    start: tokio::time::Instant,
}

impl EngineClock {
    /// Now, from the system clock.
    pub fn system() -> EngineClock {
        use crate::store::Clock;
        EngineClock::starting_at(crate::store::SystemClock.now_ms())
    }

    /// A clock that shows `wall_ms` (ms since the Unix epoch) now.
    pub fn starting_at(wall_ms: i64) -> EngineClock {
        EngineClock {
            wall_ms,
            start: tokio::time::Instant::now(),
        }
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        self.wall_ms + self.start.elapsed().as_millis() as i64
    }

    /// Sleep until the clock shows `at_ms`.
    async fn sleep_until(&self, at_ms: i64) {
        let wait = at_ms - self.now_ms();
        if wait > 0 {
            tokio::time::sleep(Duration::from_millis(wait as u64)).await;
        }
    }
}

/// One function the engine runs: its app's key (`order-processor`), its spec and how it is
/// reached (what [`crate::functions`] serves in Azure).
#[derive(Clone)]
pub struct LocalFunction {
    /// The functions app's key.
    pub app: String,
    /// The function's spec.
    pub spec: &'static FunctionSpec,
    /// Its handler.
    pub endpoint: Endpoint,
}

enum Kind {
    Queue {
        queue: String,
        poison: String,
        max_attempts: u32,
    },
    Timer {
        schedule: Schedule,
    },
    Changes {
        container: String,
    },
    Http,
}

struct Function {
    app: String,
    name: String,
    kind: Kind,
    run: Option<RunPayload>,
}

impl Function {
    /// Its key in the store's state and in logs: `<app>.<function>` (the trigger's lease prefix).
    fn key(&self) -> String {
        format!("{}.{}", self.app, self.name)
    }
}

struct Inner {
    store: Arc<dyn LocalEngine>,
    functions: Vec<Arc<Function>>,
    config: EngineConfig,
    clock: EngineClock,
    /// Queue name → the signal that wakes its workers.
    wake: HashMap<String, Arc<Notify>>,
    /// App key → its custom handler's router (in [`Payloads::Azure`] mode).
    routers: HashMap<String, Router>,
    /// The same without a dead-letter writer: run now reports a permanent failure.
    run_now_routers: HashMap<String, Router>,
    /// Message id → the leased messages whose handlers run now.
    in_flight: std::sync::Mutex<HashMap<String, QueueMessage>>,
}

impl Inner {
    fn lock_in_flight(&self) -> std::sync::MutexGuard<'_, HashMap<String, QueueMessage>> {
        self.in_flight.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The local engine of one backend (see the module documentation).
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

/// The running engine's workers. [`Running::stop`] stops them and puts the messages whose
/// handlers were still running back on their queues; [`Running::abort`] (and dropping it) stops
/// them as a crash would: leased messages come back after their lease.
pub struct Running {
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    inner: Arc<Inner>,
}

impl Running {
    /// Stop every worker, handlers in flight included, and make their messages visible again
    /// at once (their dequeue count kept: the interrupted delivery counts as an attempt).
    pub async fn stop(mut self) {
        let leased: Vec<QueueMessage> = self.inner.lock_in_flight().values().cloned().collect();
        self.abort_now().await;
        let now = self.inner.clock.now_ms();
        for m in leased {
            if let Ok(true) = self.inner.store.release(&m, now).await {
                tracing::warn!(queue = %m.queue, message_id = %m.id, "stopped while its handler ran: delivered again on the next start");
            }
        }
    }

    /// Stop every worker and handler at once, as a crash would.
    pub async fn abort(mut self) {
        self.abort_now().await;
    }

    async fn abort_now(&mut self) {
        let _ = self.stop.send(true);
        for t in std::mem::take(&mut self.tasks) {
            t.abort();
            let _ = t.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Why a run-now invocation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunError {
    /// The HTTP status the admin endpoint answers.
    pub status: u16,
    /// What went wrong.
    pub message: String,
    /// Whether the handler failed permanently.
    pub permanent: bool,
}

impl Engine {
    /// The engine of `functions` over `store`. `containers` maps each CRUD entity's Rust name
    /// to its container (the watched container of `changes(T)`).
    pub fn new(
        store: Arc<dyn LocalEngine>,
        functions: Vec<LocalFunction>,
        containers: &[(String, String)],
        config: EngineConfig,
        clock: EngineClock,
    ) -> Result<Engine, String> {
        let mut made = Vec::new();
        let mut wake = HashMap::new();
        let mut by_app: HashMap<String, Vec<Endpoint>> = HashMap::new();
        for f in functions {
            let name = f.spec.name.to_string();
            let kind = match &f.spec.trigger {
                Trigger::Queue { queue, max_attempts } => {
                    wake.entry(queue.to_string()).or_insert_with(|| Arc::new(Notify::new()));
                    Kind::Queue {
                        queue: queue.to_string(),
                        poison: format!("{queue}{}", FunctionSpec::POISON_SUFFIX),
                        max_attempts: *max_attempts,
                    }
                }
                Trigger::Timer { schedule } => Kind::Timer {
                    schedule: Schedule::parse(schedule)
                        .map_err(|e| format!("function {name}: schedule `{schedule}`: {e:?}"))?,
                },
                Trigger::Changes { entity } => {
                    let container = containers
                        .iter()
                        .find(|(e, _)| e == entity.as_ref())
                        .map(|(_, c)| c.clone())
                        .ok_or_else(|| {
                            format!(
                                "function {name} watches `changes({entity})`, but this backend serves no `CrudApi<{entity}>` (ATK0513)"
                            )
                        })?;
                    Kind::Changes { container }
                }
                Trigger::Http { .. } => Kind::Http,
            };
            let run = match &f.endpoint.handler {
                Handler::Payload { run, .. } => Some(run.clone()),
                Handler::Http { .. } => None,
            };
            by_app.entry(f.app.clone()).or_default().push(f.endpoint.clone());
            made.push(Arc::new(Function {
                app: f.app,
                name,
                kind,
                run,
            }));
        }
        let (routers, run_now_routers) = match config.payloads {
            Payloads::Direct => (HashMap::new(), HashMap::new()),
            Payloads::Azure => {
                let dead: Arc<dyn DeadLetters> = Arc::new(PoisonQueues {
                    store: store.clone(),
                    clock,
                });
                let with = |dead: Option<Arc<dyn DeadLetters>>| {
                    by_app
                        .iter()
                        .map(|(app, endpoints)| {
                            (app.clone(), crate::functions::router(endpoints.clone(), dead.clone()))
                        })
                        .collect()
                };
                (with(Some(dead)), with(None))
            }
        };
        Ok(Engine {
            inner: Arc::new(Inner {
                store,
                functions: made,
                config,
                clock,
                wake,
                routers,
                run_now_routers,
                in_flight: Default::default(),
            }),
        })
    }

    /// The functions' names, `<app>.<function>`, in order.
    pub fn function_keys(&self) -> Vec<String> {
        self.inner.functions.iter().map(|f| f.key()).collect()
    }

    /// The engine's clock.
    pub fn clock(&self) -> EngineClock {
        self.inner.clock
    }

    /// Start a worker per queue, timer and change-feed function.
    pub async fn start(&self) -> Result<Running, String> {
        let (stop, stopped) = watch::channel(false);
        let mut tasks = Vec::new();
        for f in &self.inner.functions {
            let (inner, f, stopped) = (self.inner.clone(), f.clone(), stopped.clone());
            let task = match &f.kind {
                Kind::Queue { .. } => tokio::spawn(async move { queue_worker(inner, f, stopped).await }),
                Kind::Timer { .. } => tokio::spawn(async move { timer_worker(inner, f).await }),
                Kind::Changes { container } => {
                    let checkpoint = checkpoint(&inner, &f, container).await.map_err(|e| e.to_string())?;
                    tokio::spawn(async move { changes_worker(inner, f, checkpoint).await })
                }
                Kind::Http => continue,
            };
            tasks.push(task);
        }
        Ok(Running {
            stop,
            tasks,
            inner: self.inner.clone(),
        })
    }

    /// Put `body` (JSON text) on `queue`, waking its workers: what `atakora::Queue::send` does
    /// locally.
    pub async fn send(&self, queue: &str, body: &str) -> Result<(), String> {
        let now = self.inner.clock.now_ms();
        self.inner
            .store
            .enqueue(queue, body, now)
            .await
            .map_err(|e| format!("queue {queue}: {e}"))?;
        if let Some(w) = self.inner.wake.get(queue) {
            w.notify_one();
        }
        Ok(())
    }

    /// Every message of `queue`, oldest first.
    pub async fn messages(&self, queue: &str) -> Result<Vec<QueueMessage>, String> {
        self.inner.store.messages(queue).await.map_err(|e| e.to_string())
    }

    /// Run function `name` now with `input` (a queue message's text, a change-feed batch as a
    /// JSON array or one document; a timer ignores it), as `POST /admin/functions/<name>` does.
    pub async fn run_now(&self, name: &str, input: &str) -> Result<(), RunError> {
        let refuse = |status: u16, message: String| RunError {
            status,
            message,
            permanent: false,
        };
        let found: Vec<&Arc<Function>> = self
            .inner
            .functions
            .iter()
            .filter(|f| f.name == name || f.key() == name)
            .collect();
        let f = match found.as_slice() {
            [one] => *one,
            [] => {
                let known: Vec<String> = self.function_keys();
                return Err(refuse(
                    404,
                    format!("no function `{name}` runs here (functions: {})", known.join(", ")),
                ));
            }
            many => {
                let keys: Vec<String> = many.iter().map(|f| f.key()).collect();
                return Err(refuse(
                    409,
                    format!("`{name}` names several functions: use one of {}", keys.join(", ")),
                ));
            }
        };
        let call = match &f.kind {
            Kind::Queue { .. } => {
                let now = self.inner.clock.now_ms();
                message_call(
                    &QueueMessage {
                        id: crate::store::unique_hex(),
                        queue: String::new(),
                        body: input.to_string(),
                        inserted_at_ms: now,
                        dequeue_count: 1,
                        visible_at_ms: now,
                        receipt: String::new(),
                    },
                    now,
                )
            }
            Kind::Timer { .. } => {
                let status = load_status(&self.inner, f).await;
                timer_call(timer_info(status.as_ref(), false))
            }
            Kind::Changes { .. } => {
                let docs = match serde_json::from_str::<Value>(input) {
                    Ok(Value::Array(docs)) => docs,
                    Ok(doc @ Value::Object(_)) => vec![doc],
                    _ => {
                        return Err(refuse(
                            400,
                            "a change-feed function's input is a JSON array of documents, or one document".into(),
                        ));
                    }
                };
                batch_call(&docs, None)
            }
            Kind::Http => {
                return Err(refuse(
                    400,
                    format!("`{name}` is an HTTP function: call its route instead"),
                ));
            }
        };
        match invoke(&self.inner, f, call, false).await {
            Ok(()) => Ok(()),
            Err(Failure::Retry(e)) => Err(RunError {
                status: 500,
                message: e,
                permanent: false,
            }),
            Err(Failure::Permanent(e)) => Err(RunError {
                status: 500,
                message: e,
                permanent: true,
            }),
        }
    }

    /// `POST /admin/functions/{name}` with `{"input": "..."}`: [`Engine::run_now`], answering
    /// 202 when the function succeeded, for loopback callers only (403 otherwise).
    pub fn admin_router(&self) -> Router {
        let engine = self.clone();
        Router::new().route(
            "/admin/functions/{name}",
            post(move |Path(name): Path<String>, req: Request| {
                let engine = engine.clone();
                async move { admin(engine, name, req).await }
            }),
        )
    }
}

/// Whether `peer` may use the admin endpoint: a loopback address (unknown peers may not).
pub fn is_loopback(peer: Option<SocketAddr>) -> bool {
    peer.is_some_and(|p| match p.ip() {
        std::net::IpAddr::V4(v4) => v4.is_loopback(),
        std::net::IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    })
}

fn json_reply(status: u16, body: &Value) -> Response {
    let mut r = Response::new(Body::from(body.to_string()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

async fn admin(engine: Engine, name: String, req: Request) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    if !is_loopback(peer) {
        tracing::warn!(function = %name, ?peer, "run-now refused: the caller is not on this machine");
        return json_reply(
            403,
            &json!({ "error": "the admin endpoint answers loopback callers only" }),
        );
    }
    let body = to_bytes(req.into_body(), crate::functions::MAX_INVOCATION_BYTES)
        .await
        .unwrap_or_default();
    let input = if body.iter().all(u8::is_ascii_whitespace) {
        String::new()
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(o)) => match o.get("input") {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                // A JSON value given as such rather than as text: its text.
                Some(other) => other.to_string(),
            },
            _ => {
                return json_reply(400, &json!({ "error": "the body is `{\"input\": \"...\"}`" }));
            }
        }
    };
    tracing::info!(function = %name, "run now");
    match engine.run_now(&name, &input).await {
        Ok(()) => json_reply(202, &json!({ "function": name, "status": "succeeded" })),
        Err(e) => json_reply(
            e.status,
            &json!({ "function": name, "status": "failed", "permanent": e.permanent, "error": e.message }),
        ),
    }
}

/// The dead-letter writer of the Azure-payload mode: `<queue>-poison` in the local store.
struct PoisonQueues {
    store: Arc<dyn LocalEngine>,
    clock: EngineClock,
}

impl DeadLetters for PoisonQueues {
    fn write(&self, queue: &str, envelope: Value) -> BoxFuture<Result<(), String>> {
        let (store, poison, now) = (
            self.store.clone(),
            format!("{queue}{}", FunctionSpec::POISON_SUFFIX),
            self.clock.now_ms(),
        );
        Box::pin(async move {
            store
                .enqueue(&poison, &envelope.to_string(), now)
                .await
                .map(drop)
                .map_err(|e| e.to_string())
        })
    }
}

/// One invocation's input in both forms: decoded (what the handler gets) and as the
/// Functions host posts it.
struct Call {
    binding: &'static str,
    shape: Shape,
    /// The binding's value as the decoder gives it.
    data: Value,
    /// The binding's value as the host sends it.
    wire: Value,
    /// Metadata, unquoted.
    metadata: Map<String, Value>,
}

fn message_call(m: &QueueMessage, now_ms: i64) -> Call {
    let data = payload::unwrap_strings(Value::String(m.body.clone()), Shape::Message);
    let mut metadata = Map::new();
    metadata.insert("Id".into(), json!(m.id));
    metadata.insert("DequeueCount".into(), json!(m.dequeue_count));
    metadata.insert("InsertionTime".into(), json!(iso(m.inserted_at_ms)));
    metadata.insert("NextVisibleTime".into(), json!(iso(m.visible_at_ms)));
    metadata.insert("PopReceipt".into(), json!(m.receipt));
    // The host also lists a JSON message's top-level properties.
    if let Value::Object(o) = &data {
        for (k, v) in o {
            metadata.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    metadata.insert("sys".into(), json!({ "UtcNow": iso(now_ms) }));
    Call {
        binding: binding::QUEUE_BINDING,
        shape: Shape::Message,
        data,
        // Not an object to the host: it sends the text as a JSON string.
        wire: Value::String(m.body.clone()),
        metadata,
    }
}

fn timer_call(info: Value) -> Call {
    Call {
        binding: binding::TIMER_BINDING,
        shape: Shape::Timer,
        data: info.clone(),
        wire: info,
        metadata: Map::new(),
    }
}

/// `retry`: `(RetryCount, MaxRetryCount)` when the batch is being retried.
fn batch_call(docs: &[Value], retry: Option<(u32, u32)>) -> Call {
    let mut metadata = Map::new();
    if let Some((count, max)) = retry {
        metadata.insert(
            "RetryContext".into(),
            json!({ "RetryCount": count, "MaxRetryCount": max }),
        );
    }
    // The host's documents carry Cosmos DB's system properties, and the batch (an array)
    // arrives re-serialised as a string.
    let wire: Vec<Value> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut d = d.clone();
            if let Value::Object(o) = &mut d {
                o.insert("_rid".into(), json!(format!("local{i}")));
                o.insert("_self".into(), json!(format!("dbs/local/colls/local/docs/{i}")));
                o.insert("_etag".into(), json!("\"local\""));
                o.insert("_attachments".into(), json!("attachments/"));
                o.insert("_ts".into(), json!(0));
                o.insert("_lsn".into(), json!(i));
            }
            d
        })
        .collect();
    Call {
        binding: binding::CHANGES_BINDING,
        shape: Shape::Batch,
        data: Value::Array(docs.to_vec()),
        wire: Value::String(Value::Array(wire).to_string()),
        metadata,
    }
}

/// A metadata value as the host writes it: strings quoted once more, numbers as strings.
fn host_quoted(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(Value::String(s.clone()).to_string()),
        Value::Number(n) => Value::String(n.to_string()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), host_quoted(v))).collect()),
        other => other.clone(),
    }
}

/// Run `f` on `call`: its handler directly, or its router with the host's payload (the router
/// that dead-letters permanent queue failures, or, for run now, the one that reports them).
async fn invoke(inner: &Inner, f: &Function, call: Call, dead_letters: bool) -> Result<(), Failure> {
    let Some(run) = &f.run else {
        return Err(Failure::Permanent(format!("{} is not a payload function", f.name)));
    };
    match inner.config.payloads {
        Payloads::Direct => {
            run(Invocation {
                data: call.data,
                metadata: call.metadata,
            })
            .await
        }
        Payloads::Azure => {
            let routers = if dead_letters {
                &inner.routers
            } else {
                &inner.run_now_routers
            };
            let Some(router) = routers.get(&f.app) else {
                return Err(Failure::Permanent(format!("no handler router for app {}", f.app)));
            };
            let metadata: Map<String, Value> = match call.binding {
                // The host quotes metadata scalars of queue messages; RetryContext stays an object.
                binding::QUEUE_BINDING => call.metadata.iter().map(|(k, v)| (k.clone(), host_quoted(v))).collect(),
                _ => call.metadata,
            };
            let _ = call.shape;
            let body = json!({ "Data": { call.binding: call.wire }, "Metadata": metadata }).to_string();
            let req = axum::http::Request::post(format!("/{}", f.name))
                .header(header::CONTENT_TYPE, "application/json")
                .header("x-azure-functions-invocationid", crate::store::unique_hex())
                .body(Body::from(body))
                .map_err(|e| Failure::Retry(e.to_string()))?;
            let mut svc = router.clone();
            std::future::poll_fn(|cx| tower_service::Service::<axum::http::Request<Body>>::poll_ready(&mut svc, cx))
                .await
                .map_err(|e| Failure::Retry(e.to_string()))?;
            let res = tower_service::Service::call(&mut svc, req)
                .await
                .map_err(|e| Failure::Retry(e.to_string()))?;
            let status = res.status();
            let bytes = to_bytes(res.into_body(), crate::functions::MAX_INVOCATION_BYTES)
                .await
                .unwrap_or_default();
            if status.is_success() {
                Ok(())
            } else {
                let answer = serde_json::from_slice::<Value>(&bytes).unwrap_or_default();
                let error = answer
                    .get("Error")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("the handler answered {status}"));
                // Only run now's router (no dead-letter writer) reports a permanent failure as
                // such; the worker's router dead-letters those itself, and a 500 from it is
                // retried, as the host retries it.
                Err(if !dead_letters && crate::payload::is_permanent(&answer) {
                    Failure::Permanent(error)
                } else {
                    Failure::Retry(error)
                })
            }
        }
    }
}

async fn stopped(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}

async fn queue_worker(inner: Arc<Inner>, f: Arc<Function>, stop: watch::Receiver<bool>) {
    let Kind::Queue { queue, .. } = &f.kind else { return };
    let wake = inner.wake.get(queue).cloned().unwrap_or_default();
    let batch = inner.config.batch_size.max(1);
    let slots = Arc::new(Semaphore::new(batch));
    // As the host: a new batch is fetched once half of the last one is done.
    let threshold = batch.div_ceil(2) as u32;
    let lease_ms = inner.config.lease.as_millis() as i64;
    loop {
        let Ok(mut first) = slots.clone().acquire_many_owned(threshold).await else {
            return;
        };
        let mut held = Vec::with_capacity(batch);
        while first.num_permits() > 1 {
            if let Some(one) = first.split(1) {
                held.push(one);
            }
        }
        held.push(first);
        while let Ok(p) = slots.clone().try_acquire_owned() {
            held.push(p);
        }
        let now = inner.clock.now_ms();
        let got = match inner.store.dequeue(queue, held.len(), now, lease_ms).await {
            Ok(m) => m,
            Err(e) => {
                tracing::error!(function = %f.key(), queue = %queue, "cannot read the queue: {e}");
                drop(held);
                tokio::time::sleep(inner.config.poll).await;
                continue;
            }
        };
        if got.is_empty() {
            drop(held);
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(inner.config.poll) => {}
            }
            continue;
        }
        for (message, slot) in got.into_iter().zip(held) {
            let (inner, f, stop) = (inner.clone(), f.clone(), stop.clone());
            let id = message.id.clone();
            inner.lock_in_flight().insert(id.clone(), message.clone());
            tokio::spawn(async move {
                tokio::select! {
                    // Stopped: the entry stays for `Running::stop` to put the message back.
                    _ = stopped(stop) => {}
                    _ = process(&inner, &f, message) => {
                        inner.lock_in_flight().remove(&id);
                    }
                }
                drop(slot);
            });
        }
    }
}

/// One leased message: run the handler (renewing the lease meanwhile), then delete it, put it
/// back or dead-letter it.
async fn process(inner: &Inner, f: &Function, m: QueueMessage) {
    let Kind::Queue {
        queue,
        poison,
        max_attempts,
    } = &f.kind
    else {
        return;
    };
    let key = f.key();
    let store = &inner.store;
    if m.dequeue_count > *max_attempts {
        // Delivered more often than allowed without an answer (the process died mid-run).
        match store.dead_letter(&m, poison, &m.body, inner.clock.now_ms()).await {
            Ok(true) => {
                tracing::error!(function = %key, message_id = %m.id, "moved to {poison} after {} deliveries", m.dequeue_count - 1)
            }
            Ok(false) => {}
            Err(e) => tracing::error!(function = %key, message_id = %m.id, "cannot dead-letter: {e}"),
        }
        return;
    }
    let call = message_call(&m, inner.clock.now_ms());
    let invocation = Invocation {
        data: call.data.clone(),
        metadata: call.metadata.clone(),
    };
    let lease = inner.config.lease;
    let work = invoke(inner, f, call, true);
    tokio::pin!(work);
    let mut renew = tokio::time::interval_at(
        tokio::time::Instant::now() + lease / 2,
        (lease / 2).max(Duration::from_millis(1)),
    );
    let result = loop {
        tokio::select! {
            r = &mut work => break r,
            _ = renew.tick() => {
                let until = inner.clock.now_ms() + lease.as_millis() as i64;
                if let Ok(false) = store.renew(&m, until).await {
                    tracing::warn!(function = %key, message_id = %m.id, "the lease was lost while the handler ran");
                }
            }
        }
    };
    let now = inner.clock.now_ms();
    let outcome = match result {
        Ok(()) => store.complete(&m).await.map(|held| (held, "done")),
        Err(Failure::Permanent(e)) => {
            let envelope = payload::dead_letter(&f.name, queue, &invocation, &e);
            tracing::warn!(function = %key, message_id = %m.id, "dead-lettered to {poison}: {e}");
            store
                .dead_letter(&m, poison, &envelope.to_string(), now)
                .await
                .map(|held| (held, "dead-lettered"))
        }
        Err(Failure::Retry(e)) if m.dequeue_count >= *max_attempts => {
            tracing::error!(
                function = %key,
                message_id = %m.id,
                "failed {} times, moved to {poison}: {e}",
                m.dequeue_count
            );
            store
                .dead_letter(&m, poison, &m.body, now)
                .await
                .map(|held| (held, "poisoned"))
        }
        Err(Failure::Retry(e)) => {
            tracing::warn!(
                function = %key,
                message_id = %m.id,
                attempt = m.dequeue_count,
                "failed, retried: {e}"
            );
            store
                .release(&m, now + inner.config.retry_delay.as_millis() as i64)
                .await
                .map(|held| (held, "released"))
        }
    };
    match outcome {
        Ok((true, _)) => {}
        Ok((false, what)) => {
            tracing::warn!(function = %key, message_id = %m.id, "{what}, but the lease had run out: the message will be delivered again")
        }
        Err(e) => tracing::error!(function = %key, message_id = %m.id, "cannot update the queue: {e}"),
    }
}

/// A timer's status as kept in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct TimerStatus {
    last: Option<i64>,
    next: i64,
    updated: i64,
}

async fn load_status(inner: &Inner, f: &Function) -> Option<TimerStatus> {
    let raw = inner.store.state(&format!("timer:{}", f.key())).await.ok()??;
    serde_json::from_str(&raw).ok()
}

async fn save_status(inner: &Inner, f: &Function, status: &TimerStatus) {
    let text = serde_json::to_string(status).unwrap_or_default();
    if let Err(e) = inner.store.set_state(&format!("timer:{}", f.key()), &text).await {
        tracing::error!(function = %f.key(), "cannot save the timer's status: {e}");
    }
}

/// The host's `TimerInfo` (`ScheduleStatus` null before the first run).
fn timer_info(status: Option<&TimerStatus>, past_due: bool) -> Value {
    let status = status.and_then(|s| {
        s.last
            .map(|last| json!({ "Last": iso(last), "Next": iso(s.next), "LastUpdated": iso(s.updated) }))
    });
    json!({ "Schedule": { "AdjustForDST": false }, "ScheduleStatus": status, "IsPastDue": past_due })
}

/// The first tick of `schedule` strictly after `ms` (ms since the Unix epoch).
fn next_tick(schedule: &Schedule, ms: i64) -> Option<i64> {
    schedule.next_after(ms.div_euclid(1000)).map(|s| s * 1000)
}

async fn timer_worker(inner: Arc<Inner>, f: Arc<Function>) {
    let Kind::Timer { schedule } = &f.kind else { return };
    let key = f.key();
    let now = inner.clock.now_ms();
    let mut status = load_status(&inner, &f).await;
    // A tick missed while the app was down: one catch-up run now.
    if let Some(s) = status
        && s.next <= now
    {
        tracing::warn!(function = %key, "the tick of {} was missed: running now, past due", iso(s.next));
        run_timer(&inner, &f, &mut status, now, true).await;
    }
    loop {
        let next = match status {
            Some(s) if s.next > inner.clock.now_ms() => s.next,
            _ => match next_tick(schedule, inner.clock.now_ms()) {
                Some(n) => {
                    let s = TimerStatus {
                        last: status.and_then(|s| s.last),
                        next: n,
                        updated: inner.clock.now_ms(),
                    };
                    save_status(&inner, &f, &s).await;
                    status = Some(s);
                    n
                }
                None => {
                    tracing::warn!(function = %key, "the schedule has no tick in the next eight years");
                    return;
                }
            },
        };
        inner.clock.sleep_until(next).await;
        run_timer(&inner, &f, &mut status, next, false).await;
    }
}

/// One run of a timer for its tick `tick`; the next tick is the first after the run ends (no
/// overlap: ticks during the run are skipped).
async fn run_timer(inner: &Inner, f: &Function, status: &mut Option<TimerStatus>, tick: i64, past_due: bool) {
    let Kind::Timer { schedule } = &f.kind else { return };
    let key = f.key();
    // `Next` is the tick as recorded: this one, or the one missed while the app was down.
    let info = timer_info(status.as_ref(), past_due);
    match invoke(inner, f, timer_call(info), true).await {
        Ok(()) => tracing::info!(function = %key, tick = %iso(tick), "timer ran"),
        // A timer has no retry (the host's, without a retry policy): the next tick comes.
        Err(Failure::Retry(e) | Failure::Permanent(e)) => {
            tracing::error!(function = %key, tick = %iso(tick), "timer failed: {e}")
        }
    }
    let done = inner.clock.now_ms();
    let Some(next) = next_tick(schedule, done.max(tick)) else {
        return;
    };
    let s = TimerStatus {
        last: Some(tick),
        next,
        updated: done,
    };
    save_status(inner, f, &s).await;
    *status = Some(s);
}

/// The change-feed checkpoint of `f`; a first run starts from the feed's current end.
async fn checkpoint(inner: &Inner, f: &Function, container: &str) -> Result<i64, crate::store::StoreError> {
    let key = format!("leases:{}", f.key());
    if let Some(v) = inner.store.state(&key).await?
        && let Ok(n) = v.parse()
    {
        return Ok(n);
    }
    let end = inner.store.feed_end(container).await?;
    inner.store.set_state(&key, &end.to_string()).await?;
    Ok(end)
}

async fn changes_worker(inner: Arc<Inner>, f: Arc<Function>, mut at: i64) {
    let Kind::Changes { container } = &f.kind else { return };
    let key = f.key();
    let lease_key = format!("leases:{key}");
    let mut signal = inner.store.feed_signal();
    loop {
        let batch: Vec<Change> = match inner
            .store
            .changes(container, at, inner.config.max_items, inner.clock.now_ms())
            .await
        {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(function = %key, "cannot read the change feed of {container}: {e}");
                tokio::time::sleep(inner.config.feed_poll).await;
                continue;
            }
        };
        let Some(last) = batch.last().map(|c| c.lsn) else {
            tokio::select! {
                _ = signal.changed() => {}
                _ = tokio::time::sleep(inner.config.feed_poll) => {}
            }
            continue;
        };
        let docs: Vec<Value> = batch
            .iter()
            .map(|c| serde_json::from_str(&c.json).unwrap_or(Value::Null))
            .collect();
        deliver(&inner, &f, &docs).await;
        at = last;
        if let Err(e) = inner.store.set_state(&lease_key, &at.to_string()).await {
            tracing::error!(function = %key, "cannot save the checkpoint: {e}");
        }
    }
}

/// One change-feed batch, retried under the trigger's policy; when it is lost, every
/// document's `id` is logged at error level (by the handler's router in the Azure-payload
/// mode, as in Azure).
async fn deliver(inner: &Inner, f: &Function, docs: &[Value]) {
    let key = f.key();
    let max = inner.config.change_retries;
    let mut delay = inner.config.change_retry_min;
    for attempt in 0..=max {
        let retry = (attempt > 0 || inner.config.payloads == Payloads::Azure).then_some((attempt, max));
        let error = match invoke(inner, f, batch_call(docs, retry), true).await {
            Ok(()) => return,
            Err(Failure::Permanent(e)) => {
                lost(&key, docs, &e);
                return;
            }
            Err(Failure::Retry(e)) => e,
        };
        if attempt == max {
            if inner.config.payloads == Payloads::Direct {
                lost(&key, docs, &error);
            }
            return;
        }
        tracing::warn!(function = %key, attempt = attempt + 1, "change-feed batch failed, retried in {delay:?}: {error}");
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(inner.config.change_retry_max);
    }
}

fn lost(function: &str, docs: &[Value], error: &str) {
    for doc in docs {
        let id = doc.get("id").and_then(Value::as_str).unwrap_or("?");
        tracing::error!(function, id, "change-feed document not processed: {error}");
    }
}

/// `ms` (since the Unix epoch) as ISO 8601 in UTC, as the host writes times.
pub fn iso(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (y, mo, d) = atakora_core::cron::civil_from_days(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    let frac = ms.rem_euclid(1000);
    let frac = if frac == 0 {
        String::new()
    } else {
        format!(".{frac:03}")
    };
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}{frac}+00:00",
        t / 3600,
        t / 60 % 60,
        t % 60
    )
}

/// The process's engine, which `atakora::Queue::send` reaches (the facade's transport): set
/// by the server when it starts the engine.
pub fn current() -> Option<Engine> {
    CURRENT.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Make `engine` the one [`current`] returns (`None`: none).
pub fn set_current(engine: Option<Engine>) {
    *CURRENT.write().unwrap_or_else(|e| e.into_inner()) = engine;
}

static CURRENT: RwLock<Option<Engine>> = RwLock::new(None);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_iso_8601_utc() {
        assert_eq!(iso(1_796_083_200_000), "2026-12-01T00:00:00+00:00");
        assert_eq!(iso(1_796_083_200_000 + 3_723_045), "2026-12-01T01:02:03.045+00:00");
    }

    #[test]
    fn only_loopback_peers_may_run_functions() {
        let p = |s: &str| Some(s.parse::<SocketAddr>().unwrap());
        assert!(is_loopback(p("127.0.0.1:5000")));
        assert!(is_loopback(p("[::1]:5000")));
        assert!(is_loopback(p("[::ffff:127.0.0.1]:5000")));
        assert!(!is_loopback(p("192.168.1.20:5000")));
        assert!(!is_loopback(p("[2001:db8::1]:5000")));
        assert!(!is_loopback(None));
    }

    #[test]
    fn the_payload_switch_reads_direct_or_azure() {
        assert_eq!(Payloads::from_env(None), Ok(Payloads::Direct));
        assert_eq!(Payloads::from_env(Some("azure")), Ok(Payloads::Azure));
        assert!(Payloads::from_env(Some("cosmos")).unwrap_err().contains("expected"));
    }
}
