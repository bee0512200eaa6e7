//! A functions app's custom handler: the payload-mode invocations (`POST /<function>`, see
//! [`crate::payload`]) and the proxied HTTP functions' routes, side by side on one server,
//! told apart by path (the resolver refuses a function named like a route's first segment,
//! ATK0510), and `GET /` for the host's readiness poll.
//!
//! The handlers themselves are the app's `#[atakora::function]`s; the facade turns each into an
//! [`Endpoint`], so this crate needs nothing of the user's types.

use crate::payload::{self, Invocation, Shape};
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Path, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{any, get, post};
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// The handler's router (axum's).
pub type AppRouter = Router;

/// A boxed, sendable future.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// The largest invocation body read (the host's payloads are small; a batch is at most
/// `maxItemsPerInvocation` documents).
pub const MAX_INVOCATION_BYTES: usize = 16 * 1024 * 1024;

/// Why a function failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Worth retrying: the host tries again.
    Retry(String),
    /// Never going to succeed: dead-lettered (queue) or logged item by item (change feed).
    Permanent(String),
}

/// An HTTP function's request, as the handler sees it.
#[derive(Debug, Clone, Default)]
pub struct HttpCall {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path.
    pub path: String,
    /// The query string, without `?`.
    pub query: Option<String>,
    /// Headers, names lowercase.
    pub headers: Vec<(String, String)>,
    /// The route's placeholders.
    pub params: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// An HTTP function's response.
#[derive(Debug, Clone, Default)]
pub struct HttpReply {
    /// The status.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// Runs a payload-mode function on its decoded invocation.
pub type RunPayload = Arc<dyn Fn(Invocation) -> BoxFuture<Result<(), Failure>> + Send + Sync>;
/// Runs an HTTP function.
pub type RunHttp = Arc<dyn Fn(HttpCall) -> BoxFuture<HttpReply> + Send + Sync>;

/// How one function is reached.
#[derive(Clone)]
pub enum Handler {
    /// Queue, timer or change feed: `POST /<function>` with the host's payload.
    Payload {
        /// The trigger binding's name (`Data`'s key).
        binding: &'static str,
        /// What the binding carries.
        shape: Shape,
        /// The queue of a queue function (for its dead letters).
        queue: Option<String>,
        /// The function.
        run: RunPayload,
    },
    /// An HTTP function, proxied by the host at its route.
    Http {
        /// `orders/{id}/ship`.
        route: String,
        /// Lowercase methods; empty = every method.
        methods: Vec<String>,
        /// The function.
        run: RunHttp,
    },
}

/// One function of the app.
#[derive(Clone)]
pub struct Endpoint {
    /// The function's name.
    pub name: String,
    /// How it is reached.
    pub handler: Handler,
}

/// Where a permanent failure's message goes: the queue's `-poison` twin.
pub trait DeadLetters: Send + Sync + 'static {
    /// Write `envelope` to `<queue>-poison`.
    fn write(&self, queue: &str, envelope: Value) -> BoxFuture<Result<(), String>>;
}

/// The handler's router over `endpoints`; `dead_letters` receives permanent queue failures
/// (without one, such a message fails its invocation and the host dead-letters it after
/// `max_attempts`: nothing disappears).
pub fn router(endpoints: Vec<Endpoint>, dead_letters: Option<Arc<dyn DeadLetters>>) -> Router {
    let mut app = Router::new().route("/", get(|| async { "ready" }));
    for e in endpoints {
        match e.handler {
            Handler::Payload {
                binding,
                shape,
                queue,
                run,
            } => {
                let name = e.name.clone();
                let dead = dead_letters.clone();
                app = app.route(
                    &format!("/{}", e.name),
                    post(move |req: Request| {
                        let (name, queue, run, dead) = (name.clone(), queue.clone(), run.clone(), dead.clone());
                        async move { invoke(&name, binding, shape, queue.as_deref(), run, dead, req).await }
                    }),
                );
            }
            Handler::Http { route, methods, run } => app = http_route(app, &route, methods, run),
        }
    }
    app
}

fn http_route(app: Router, route: &str, methods: Vec<String>, run: RunHttp) -> Router {
    app.route(
        &format!("/{route}"),
        any(move |params: Option<Path<HashMap<String, String>>>, req: Request| {
            let (methods, run) = (methods.clone(), run.clone());
            async move { http(&methods, run, params.map(|p| p.0).unwrap_or_default(), req).await }
        }),
    )
}

/// The routes of the HTTP functions among `endpoints` alone (served locally next to the
/// CRUD API); a route taken already (by `taken`, or by an earlier function) is left out with
/// an error logged, since two handlers cannot share one.
pub fn http_router(endpoints: &[Endpoint], taken: &[String]) -> Router {
    let mut app = Router::new();
    let mut seen: Vec<String> = taken.to_vec();
    for e in endpoints {
        if let Handler::Http { route, methods, run } = &e.handler {
            let path = format!("/{route}");
            if seen.contains(&path) {
                tracing::error!(function = %e.name, "the route {path} is served already: the function is not routed");
                continue;
            }
            seen.push(path);
            app = http_route(app, route, methods.clone(), run.clone());
        }
    }
    app
}

fn json(status: u16, body: &Value) -> Response {
    let mut r = Response::new(Body::from(body.to_string()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// One payload-mode invocation: decode, run, answer as the host expects.
async fn invoke(
    name: &str,
    binding: &'static str,
    shape: Shape,
    queue: Option<&str>,
    run: RunPayload,
    dead_letters: Option<Arc<dyn DeadLetters>>,
    req: Request,
) -> Response {
    let body = match to_bytes(req.into_body(), MAX_INVOCATION_BYTES).await {
        Ok(b) => b,
        Err(e) => {
            let (status, body) = payload::failure(&format!("the invocation body could not be read: {e}"), Vec::new());
            return json(status, &body);
        }
    };
    let invocation = match payload::decode(&body, binding, shape) {
        Ok(i) => i,
        Err(e) => {
            tracing::error!(function = name, "undecodable invocation: {e}");
            let (status, body) = payload::failure(&e.0, Vec::new());
            return json(status, &body);
        }
    };
    match run(invocation.clone()).await {
        Ok(()) => json(200, &payload::success(Vec::new())),
        Err(Failure::Retry(e)) => {
            if shape == Shape::Batch && last_attempt(&invocation) {
                lost(name, &invocation, &e);
            }
            let (status, body) = payload::failure(&e, Vec::new());
            json(status, &body)
        }
        Err(Failure::Permanent(e)) => match (shape, queue, dead_letters) {
            (Shape::Message, Some(queue), Some(dead)) => {
                let envelope = payload::dead_letter(name, queue, &invocation, &e);
                match dead.write(queue, envelope).await {
                    Ok(()) => {
                        let line = format!("dead-lettered to {queue}-poison: {e}");
                        tracing::warn!(function = name, "{line}");
                        json(200, &payload::success(vec![line]))
                    }
                    // The host puts the message back and dead-letters it after max_attempts.
                    Err(w) => json(
                        500,
                        &payload::failure(&format!("{e}; the dead letter could not be written: {w}"), Vec::new()).1,
                    ),
                }
            }
            (Shape::Batch, _, _) => {
                // Retrying cannot help: every document's key is logged, and the batch is done.
                lost(name, &invocation, &e);
                json(200, &payload::success(vec![format!("batch dropped as permanent: {e}")]))
            }
            _ => json(500, &payload::permanent_failure(&e, Vec::new()).1),
        },
    }
}

/// Whether the host's retry policy has no retry left (`Metadata.RetryContext`).
fn last_attempt(i: &Invocation) -> bool {
    let Some(ctx) = i.metadata.get("RetryContext") else {
        return false;
    };
    let n = |k: &str| match &ctx[k] {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    };
    matches!((n("RetryCount"), n("MaxRetryCount")), (Some(r), Some(m)) if r >= m)
}

/// A change-feed batch that will not be delivered again: each document's key, at error level.
fn lost(name: &str, i: &Invocation, error: &str) {
    for doc in i.data.as_array().into_iter().flatten() {
        let id = doc.get("id").and_then(Value::as_str).unwrap_or("?");
        tracing::error!(function = name, id, "change-feed document not processed: {error}");
    }
}

async fn http(methods: &[String], run: RunHttp, params: HashMap<String, String>, req: Request) -> Response {
    let method = req.method().as_str().to_string();
    if !methods.is_empty() && !methods.iter().any(|m| m.eq_ignore_ascii_case(&method)) {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        return r;
    }
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    let headers = req
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let body = to_bytes(req.into_body(), MAX_INVOCATION_BYTES)
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    let mut params: Vec<(String, String)> = params.into_iter().collect();
    params.sort();
    let reply = run(HttpCall {
        method,
        path,
        query,
        headers,
        params,
        body,
    })
    .await;
    let mut r = Response::new(Body::from(reply.body));
    *r.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (k, v) in reply.headers {
        if let (Ok(k), Ok(v)) = (header::HeaderName::try_from(k), HeaderValue::try_from(v)) {
            r.headers_mut().append(k, v);
        }
    }
    r
}

/// Serve a functions app's handler `app` on `listener` until SIGINT/SIGTERM.
pub async fn serve(listener: tokio::net::TcpListener, app: Router) -> Result<(), String> {
    axum::serve(listener, app)
        .with_graceful_shutdown(crate::server::shutdown_signal())
        .await
        .map_err(|e| format!("server failed: {e}"))
}

/// Run functions app `app`'s handler: on `127.0.0.1:$FUNCTIONS_CUSTOMHANDLER_PORT` in Azure,
/// else `$PORT`, else 7072.
pub fn run(app: &str, endpoints: Vec<Endpoint>, dead_letters: Option<Arc<dyn DeadLetters>>) -> std::process::ExitCode {
    crate::server::init_logging();
    let port = [crate::server::FUNCTIONS_PORT, "PORT"]
        .iter()
        .find_map(|k| std::env::var(k).ok()?.parse::<u16>().ok())
        .unwrap_or(7072);
    let names: Vec<String> = endpoints.iter().map(|e| e.name.clone()).collect();
    let router = router(endpoints, dead_letters);
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
        .and_then(|rt| {
            rt.block_on(async {
                let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
                    .await
                    .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
                eprintln!(
                    "atakora: functions app {app} on http://{} ({})",
                    listener.local_addr().map_err(|e| e.to_string())?,
                    names.join(", ")
                );
                serve(listener, router).await
            })
        });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("atakora: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
