//! The HTTP contract: one axum router over a [`Runtime`], made from the route table.

use crate::api::{Api, DEFAULT_LIMIT, MAX_BODY_BYTES, MAX_LIMIT, Route, RouteKind, Service, check_id};
use crate::auth::{Authenticator, Caller};
use crate::cache::{self, Cache};
use crate::problem::Problem;
use crate::store::{Charged, Clock, FieldEquals, PartitionKey, Precondition, Store, StoreError, Stored};
use atakora_core::spec::Operations;
use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use axum::routing::any;
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
use serde_json::Value;
use std::sync::Arc;
use std::time::Instant;

/// Everything a request needs: the service, its store and cache, the clock.
pub struct Runtime {
    /// The backend's APIs and routes.
    pub service: Service,
    /// Where the documents are.
    pub store: Arc<dyn Store>,
    /// The read cache, for the APIs with a cache TTL.
    pub cache: Arc<dyn Cache>,
    /// Cache TTL in seconds per API (same order as `service.apis`); `None` = not cached.
    pub cache_ttls: Vec<Option<u32>>,
    /// The time, for cache entries.
    pub clock: Arc<dyn Clock>,
    /// Bearer-token checks; `None`: requests are not authenticated (no issuer configured, or
    /// `auth = "anonymous"`), and owner, tenant and roles are not enforced.
    pub auth: Option<Arc<Authenticator>>,
    openapi: String,
}

impl Runtime {
    /// A runtime serving `service` from `store`, caching in `cache` with each API's declared
    /// TTL (override them with [`Runtime::cache_ttls`]).
    pub fn new(service: Service, store: Arc<dyn Store>, cache: Arc<dyn Cache>, clock: Arc<dyn Clock>) -> Runtime {
        let cache_ttls = service
            .apis
            .iter()
            .map(|a| a.spec.cache.as_ref().map(|c| c.ttl))
            .collect();
        let openapi = crate::openapi::document(&service).to_string();
        Runtime {
            service,
            store,
            cache,
            cache_ttls,
            clock,
            auth: None,
            openapi,
        }
    }
}

/// The router of `rt`: every route of the table, and a problem+json 404 for the rest.
pub fn router(rt: Arc<Runtime>) -> Router {
    let mut r = Router::new();
    for route in rt.service.routes() {
        let shared = rt.clone();
        let route = Arc::new(route);
        r = r.route(
            &route.path.clone(),
            any(move |req: Request| {
                let (rt, route) = (shared.clone(), route.clone());
                async move { handle(&rt, &route, req).await }
            }),
        );
    }
    let shared = rt.clone();
    r.fallback(move |req: Request| {
        let rt = shared.clone();
        async move {
            let start = Instant::now();
            let path = req.uri().path().to_string();
            let mut p = Problem::no_route(&path);
            if let Some(seg) = path.strip_prefix("/api/").and_then(|s| s.split('/').next())
                && !rt.service.apis.iter().any(|a| a.segment == seg)
            {
                p.detail = format!("no component `{seg}` is served (see /api/openapi.json)");
            }
            let reply = Reply::problem(p);
            finish(&rt, req.headers(), req.method(), &path, "-", "-", start, reply)
        }
    })
}

/// What a handler produces before logging.
struct Reply {
    status: StatusCode,
    headers: Vec<(header::HeaderName, String)>,
    body: Option<(&'static str, String)>,
    charge: Option<f64>,
    cache: Option<&'static str>,
    /// The authenticated caller's `oid`, for the request log.
    caller: Option<String>,
}

const JSON: &str = "application/json";
const PROBLEM: &str = "application/problem+json";
const MERGE_PATCH: &str = "application/merge-patch+json";

impl Reply {
    fn json(status: StatusCode, body: String) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Some((JSON, body)),
            charge: None,
            cache: None,
            caller: None,
        }
    }

    fn document(status: StatusCode, stored: &Stored) -> Reply {
        Reply::json(status, stored.json.clone()).header(header::ETAG, stored.etag.clone())
    }

    fn empty(status: StatusCode) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: None,
            charge: None,
            cache: None,
            caller: None,
        }
    }

    fn problem(p: Problem) -> Reply {
        let mut r = Reply::empty(StatusCode::from_u16(p.status).unwrap_or(StatusCode::BAD_REQUEST));
        if let Some(allow) = &p.allow {
            r.headers.push((header::ALLOW, allow.to_string()));
        }
        if p.status == 415 && p.detail.contains(MERGE_PATCH) {
            r.headers
                .push((header::HeaderName::from_static("accept-patch"), MERGE_PATCH.to_string()));
        }
        r.body = Some((PROBLEM, p.to_json()));
        r
    }

    fn header(mut self, name: header::HeaderName, value: String) -> Reply {
        self.headers.push((name, value));
        self
    }
}

/// The request id: `x-request-id`, else the W3C trace id of `traceparent`, else a new one
/// (32 hex digits, like a trace id).
fn request_id(headers: &HeaderMap) -> String {
    if let Some(id) = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
    {
        return id.to_string();
    }
    if let Some(trace) = headers
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split('-').nth(1))
        .filter(|t| t.len() == 32)
    {
        return trace.to_string();
    }
    crate::store::unique_hex()
}

#[allow(clippy::too_many_arguments)]
fn finish(
    rt: &Runtime,
    headers: &HeaderMap,
    method: &Method,
    path: &str,
    component: &str,
    operation: &str,
    start: Instant,
    reply: Reply,
) -> Response {
    let id = request_id(headers);
    let status = reply.status;
    let mut builder = Response::builder().status(status);
    for (name, value) in &reply.headers {
        if let Ok(v) = HeaderValue::from_str(value) {
            builder = builder.header(name, v);
        }
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        builder = builder.header("x-request-id", v);
    }
    let response = match reply.body {
        Some((ct, body)) => builder.header(header::CONTENT_TYPE, ct).body(Body::from(body)),
        None => builder.body(Body::empty()),
    }
    .unwrap_or_else(|_| Response::new(Body::empty()));
    let duration_ms = (start.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0;
    tracing::info!(
        target: "atakora::request",
        request_id = id.as_str(),
        component,
        operation,
        method = method.as_str(),
        path,
        status = status.as_u16(),
        duration_ms,
        store = rt.store.kind(),
        cache = reply.cache,
        request_charge = reply.charge,
        caller = reply.caller.as_deref(),
        "request"
    );
    response
}

async fn handle(rt: &Runtime, route: &Route, req: Request) -> Response {
    let start = Instant::now();
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let method = parts.method.clone();
    let headers = &parts.headers;
    let allowed = route.methods.contains(&method.as_str());
    let not_allowed = || Err(Problem::method_not_allowed(method.as_str(), &route.methods));
    let (component, operation, reply) = match route.kind {
        RouteKind::Health if allowed => ("-", "health", health(rt).await),
        RouteKind::OpenApi if allowed => ("-", "openapi", Ok(Reply::json(StatusCode::OK, rt.openapi.clone()))),
        RouteKind::Health | RouteKind::OpenApi => ("-", "-", not_allowed()),
        RouteKind::Collection(i) | RouteKind::Item(i) => {
            let api = &rt.service.apis[i];
            let item = matches!(route.kind, RouteKind::Item(_));
            let op = match (item, method.as_str()) {
                (false, "GET") => "list",
                (false, "POST") => "create",
                (true, "GET") => "read",
                (true, "PUT") => "replace",
                (true, "PATCH") => "patch",
                (true, "DELETE") => "delete",
                _ => "-",
            };
            let reply = if !allowed || op == "-" {
                not_allowed()
            } else {
                match authorize(rt, api, op, headers).await {
                    Err(denied) => Ok(denied),
                    Ok(caller) => {
                        let oid = caller.as_ref().map(|c| c.oid.clone());
                        let mut cx = Cx {
                            rt,
                            api,
                            index: i,
                            charge: None,
                            caller: caller.as_ref(),
                        };
                        let id = path.rsplit('/').next().unwrap_or_default();
                        let id = percent_decode_str(id).decode_utf8_lossy().to_string();
                        let out = match op {
                            "list" => cx.list(&query).await,
                            "create" => cx.create(&query, headers, body).await,
                            "read" => cx.read(&query, headers, &id).await,
                            "replace" => cx.replace(&query, headers, body, &id).await,
                            "patch" => cx.patch(&query, headers, body, &id).await,
                            _ => cx.delete(&query, headers, &id).await,
                        };
                        let charge = cx.charge;
                        match out {
                            Ok(mut r) => {
                                r.charge = charge;
                                r.caller = oid;
                                Ok(r)
                            }
                            Err(p) => {
                                let mut r = Reply::problem(p);
                                r.caller = oid;
                                Ok(r)
                            }
                        }
                    }
                }
            };
            (api.field, op, reply)
        }
    };
    let reply = reply.unwrap_or_else(Reply::problem);
    finish(rt, headers, &method, &path, component, operation, start, reply)
}

/// The operation bit of a handler operation (`replace` and `patch` are `update`).
fn operation_bit(op: &str) -> u8 {
    match op {
        "create" => Operations::CREATE,
        "read" => Operations::READ,
        "replace" | "patch" => Operations::UPDATE,
        "delete" => Operations::DELETE,
        _ => Operations::LIST,
    }
}

/// The caller of a request on `api`, when authentication is on: a 401 without a valid token,
/// a 403 without the operation's role. `Ok(None)`: authentication is off.
async fn authorize(rt: &Runtime, api: &Api, op: &str, headers: &HeaderMap) -> Result<Option<Caller>, Reply> {
    let Some(auth) = &rt.auth else { return Ok(None) };
    let header = headers.get(header::AUTHORIZATION).map(|v| v.to_str().unwrap_or(""));
    let caller = match auth.authenticate(header).await {
        Ok(c) => c,
        Err(why) => {
            let challenge = why.challenge();
            return Err(Reply::problem(why.problem()).header(header::WWW_AUTHENTICATE, challenge));
        }
    };
    let operation = if op == "replace" || op == "patch" { "update" } else { op };
    if let Some(role) = api.spec.roles.for_operation(operation_bit(op))
        && !caller.has_role(role)
    {
        let mut r = Reply::problem(crate::auth::forbidden_role(role, operation));
        r.caller = Some(caller.oid.clone());
        return Err(r);
    }
    Ok(Some(caller))
}

async fn health(rt: &Runtime) -> Result<Reply, Problem> {
    match rt.store.health().await {
        Ok(()) => Ok(Reply::json(
            StatusCode::OK,
            serde_json::json!({ "status": "ok", "store": rt.store.kind() }).to_string(),
        )),
        Err(e) => Err(Problem::unavailable(&format!(
            "the {} store does not answer: {e}",
            rt.store.kind()
        ))),
    }
}

/// A request on one API.
struct Cx<'a> {
    rt: &'a Runtime,
    api: &'a Api,
    index: usize,
    charge: Option<f64>,
    /// The authenticated caller; `None` when authentication is off.
    caller: Option<&'a Caller>,
}

fn store_problem(e: StoreError, id: &str) -> Problem {
    match e {
        StoreError::NotFound => Problem::not_found(id),
        StoreError::Conflict { key } => Problem::conflict(&key),
        StoreError::PreconditionFailed => {
            Problem::precondition_failed("the document has changed since the ETag given in If-Match")
        }
        StoreError::BadContinuation => Problem::invalid_query("continuation", "this continuation token is not valid"),
        StoreError::Mismatch(m) | StoreError::Unavailable(m) => Problem::unavailable(&m),
    }
}

/// Query parameters; a name given twice is a 400.
fn query_pairs(query: &str) -> Result<Vec<(String, String)>, Problem> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        if out.iter().any(|(n, _)| *n == k) {
            return Err(Problem::invalid_query(&k, "given more than once"));
        }
        out.push((k.into_owned(), v.into_owned()));
    }
    Ok(out)
}

/// Parsed entity tags of an `If-Match` / `If-None-Match` header; `None` for `*`.
fn entity_tags(headers: &HeaderMap, name: header::HeaderName) -> Result<Option<Option<Vec<String>>>, Problem> {
    let Some(v) = headers.get(&name) else {
        return Ok(None);
    };
    let text = v
        .to_str()
        .map_err(|_| Problem::invalid_header(name.as_str(), "not a list of entity tags"))?
        .trim();
    if text == "*" {
        return Ok(Some(None));
    }
    let tags: Vec<String> = text
        .split(',')
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    if tags.is_empty()
        || tags
            .iter()
            .any(|t| !(t.ends_with('"') && (t.starts_with('"') || t.starts_with("W/\""))))
    {
        return Err(Problem::invalid_header(
            name.as_str(),
            "expected `*` or quoted entity tags",
        ));
    }
    Ok(Some(Some(tags)))
}

const COMPONENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'?')
    .add(b'<')
    .add(b'>')
    .add(b'\\');

/// Whether `stored` holds every field of the caller's scope. Without a scope (authentication
/// off, or an API without `owner`/`tenant`) the document is not parsed: point reads stay a
/// copy of the stored text.
fn in_scope(scope: &[FieldEquals], stored: &Stored) -> bool {
    if scope.is_empty() {
        return true;
    }
    let doc = stored.doc();
    scope.iter().all(|f| f.matches(&doc))
}

/// The 403 of a body that gives an owner or tenant field another caller's value.
fn foreign_field(f: &FieldEquals, what: &str) -> Problem {
    let claim = if what == "owner" { "oid" } else { "tid" };
    let message = format!(
        "must be the caller's `{claim}` (or left out, and it is set): a document cannot be written for another {what}"
    );
    let mut p = Problem::new(
        403,
        "forbidden",
        "The caller may not write this document",
        format!("{}: {message}", f.field),
    );
    p.errors.push(crate::problem::FieldProblem {
        location: crate::problem::Location::Body,
        path: f.field.clone(),
        message,
    });
    p
}

impl Cx<'_> {
    /// The fields every document the caller may see holds: the `owner` field equal to their
    /// `oid`, the `tenant` field equal to their `tid`. Empty when authentication is off or the
    /// entity has neither.
    fn scope(&self) -> Result<Vec<FieldEquals>, Problem> {
        let Some(caller) = self.caller else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        if let Some(owner) = &self.api.spec.owner {
            out.push(FieldEquals {
                field: owner.trim_start_matches('/').to_string(),
                value: Value::String(caller.oid.clone()),
            });
        }
        if let Some(tenant) = &self.api.spec.tenant {
            let Some(tid) = &caller.tid else {
                return Err(Problem::new(
                    403,
                    "forbidden",
                    "The caller has no tenant",
                    "the token has no `tid` claim, and this API keeps documents per tenant",
                ));
            };
            out.push(FieldEquals {
                field: tenant.trim_start_matches('/').to_string(),
                value: Value::String(tid.clone()),
            });
        }
        Ok(out)
    }

    /// `owner` or `tenant`: what the scope field `f` is, for messages.
    fn scope_kind(&self, f: &FieldEquals) -> &'static str {
        match &self.api.spec.owner {
            Some(o) if o.trim_start_matches('/') == f.field => "owner",
            _ => "tenant",
        }
    }

    /// A body written by the caller: scope fields left out (or null) are set to the caller's
    /// values; another caller's value is a 403 naming the field.
    fn claim(&self, scope: &[FieldEquals], raw: &mut Value) -> Result<(), Problem> {
        let Some(obj) = raw.as_object_mut() else { return Ok(()) };
        for f in scope {
            match obj.get(&f.field) {
                None | Some(Value::Null) => {
                    obj.insert(f.field.clone(), f.value.clone());
                }
                Some(v) if *v == f.value => {}
                Some(_) => return Err(foreign_field(f, self.scope_kind(f))),
            }
        }
        Ok(())
    }

    /// The current document, when the caller's scope holds it; a document of another owner or
    /// tenant is "not found", so that its existence does not leak.
    async fn current_in_scope(
        &mut self,
        scope: &[FieldEquals],
        key: &PartitionKey,
        id: &str,
    ) -> Result<Stored, Problem> {
        let found = self.rt.store.read(&self.api.container.name, key, id).await;
        match self.add(found.map_err(|e| store_problem(e, id))?) {
            Some(s) if in_scope(scope, &s) => Ok(s),
            _ => Err(Problem::not_found(id)),
        }
    }

    /// The condition of a scoped write: the client's `If-Match` checked against `current`,
    /// else `current`'s own tag (the document was in scope when read, and must still be).
    fn scoped_condition(tags: &Option<Vec<String>>, current: &Stored, id: &str) -> Result<Precondition, Problem> {
        match tags {
            Some(tags) if !tags.contains(&current.etag) => Err(store_problem(StoreError::PreconditionFailed, id)),
            _ => Ok(Precondition::IfMatch(current.etag.clone())),
        }
    }

    fn add<T>(&mut self, c: Charged<T>) -> T {
        if let Some(x) = c.charge {
            self.charge = Some(self.charge.unwrap_or(0.0) + x);
        }
        c.value
    }

    fn cache_ttl(&self) -> Option<u32> {
        self.rt.cache_ttls.get(self.index).copied().flatten()
    }

    async fn invalidate(&self, key: &PartitionKey, id: &str) {
        if self.cache_ttl().is_some()
            && let Err(e) = self
                .rt
                .cache
                .remove(&cache::key(&self.api.container.name, &key.canonical(), id))
                .await
        {
            tracing::warn!("cache invalidation failed (the entry expires by its TTL): {e}");
        }
    }

    /// The partition key of an item route, from the query.
    fn item_key(&self, query: &str, id: &str) -> Result<PartitionKey, Problem> {
        check_id(id).map_err(|m| Problem::invalid_path("id", m))?;
        let pairs = query_pairs(query)?;
        if self.api.key_is_id() {
            if let Some((k, _)) = pairs.first() {
                return Err(Problem::invalid_query(
                    k,
                    "unexpected parameter: this API's partition key is the id",
                ));
            }
            return Ok(PartitionKey::new(vec![Value::String(id.to_string())]));
        }
        self.unexpected(&pairs, &[])?;
        let mut values = Vec::new();
        for level in &self.api.key {
            let Some((_, text)) = pairs.iter().find(|(k, _)| *k == level.param) else {
                return Err(Problem::invalid_query(
                    &level.param,
                    "missing: this partition key parameter is required",
                ));
            };
            values.push(self.api.parse_level(level, text)?);
        }
        Ok(PartitionKey::new(values))
    }

    fn unexpected(&self, pairs: &[(String, String)], also: &[&str]) -> Result<(), Problem> {
        for (k, _) in pairs {
            if !self.api.key.iter().any(|l| l.param == *k) && !also.contains(&k.as_str()) {
                let known: Vec<&str> = self
                    .api
                    .key
                    .iter()
                    .map(|l| l.param.as_str())
                    .chain(also.iter().copied())
                    .collect();
                return Err(Problem::invalid_query(
                    k,
                    &format!("unexpected parameter (expected: {})", known.join(", ")),
                ));
            }
        }
        Ok(())
    }

    /// The body as JSON of `media` (`application/json` or merge patch), within the limit.
    async fn body(&self, headers: &HeaderMap, body: Body, patch: bool) -> Result<Value, Problem> {
        let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
        let essence = ct.map(|c| c.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
        let ok = match (&essence, patch) {
            (Some(e), true) => e == MERGE_PATCH,
            (None, true) => false,
            (Some(e), false) => {
                e == JSON || (e.starts_with("application/") && e.ends_with("+json") && e != MERGE_PATCH)
            }
            (None, false) => true,
        };
        if !ok {
            return Err(Problem::unsupported_media(if patch { MERGE_PATCH } else { JSON }));
        }
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
            return Err(Problem::too_large(MAX_BODY_BYTES));
        }
        let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
            Ok(b) => b,
            Err(e) => {
                let mut src: Option<&(dyn std::error::Error + 'static)> = Some(&e);
                while let Some(s) = src {
                    if s.is::<http_body_util::LengthLimitError>() {
                        return Err(Problem::too_large(MAX_BODY_BYTES));
                    }
                    src = s.source();
                }
                return Err(Problem::invalid_body(".", &format!("the body could not be read: {e}")));
            }
        };
        serde_json::from_slice(&bytes).map_err(|e| Problem::invalid_body(".", &format!("malformed JSON: {e}")))
    }

    /// The stored form of `raw`: the entity type's serde applied, `ttl` validated and kept,
    /// `id` checked.
    fn normalize(&self, raw: Value) -> Result<Value, Problem> {
        if !raw.is_object() {
            return Err(Problem::invalid_body(".", "the document must be a JSON object"));
        }
        let ttl = match (self.api.spec.ttl, raw.get("ttl")) {
            (Some(_), Some(v)) => {
                let ok = v.as_i64().filter(|n| *n == -1 || (1..=i64::from(i32::MAX)).contains(n));
                if ok.is_none() {
                    return Err(Problem::invalid_body(
                        "ttl",
                        "must be -1 (never expires) or a whole number of seconds from 1 to 2147483647",
                    ));
                }
                Some(v.clone())
            }
            _ => None,
        };
        let mut doc = self
            .api
            .codec
            .normalize(raw)
            .map_err(|e| Problem::invalid_body(&e.path, &e.message))?;
        if let (Some(ttl), Some(obj)) = (ttl, doc.as_object_mut())
            && obj.get("ttl").is_none_or(Value::is_null)
        {
            obj.insert("ttl".to_string(), ttl);
        }
        match doc.get("id") {
            Some(Value::String(id)) => check_id(id).map_err(|m| Problem::invalid_body("id", m))?,
            _ => return Err(Problem::invalid_body("id", "the id must be a string")),
        }
        Ok(doc)
    }

    /// `/api/users/u1?tenantId=acme`.
    fn location(&self, id: &str, key: &PartitionKey) -> String {
        let mut loc = format!(
            "{}/{}",
            atakora_core::contract::collection_path(self.api.field),
            utf8_percent_encode(id, COMPONENT)
        );
        if !self.api.key_is_id() {
            let mut q = form_urlencoded::Serializer::new(String::new());
            for (level, v) in self.api.key.iter().zip(key.levels()) {
                q.append_pair(&level.param, &v);
            }
            loc.push('?');
            loc.push_str(&q.finish());
        }
        loc
    }

    fn precondition(&self, headers: &HeaderMap) -> Result<Option<Vec<String>>, Problem> {
        Ok(entity_tags(headers, header::IF_MATCH)?.flatten())
    }

    /// The store's condition for an `If-Match` list: one tag is passed on; several are
    /// checked against the current document, whose tag is then required.
    async fn condition(
        &mut self,
        tags: &Option<Vec<String>>,
        key: &PartitionKey,
        id: &str,
    ) -> Result<Precondition, Problem> {
        match tags.as_deref() {
            None => Ok(Precondition::None),
            Some([one]) => Ok(Precondition::IfMatch(one.clone())),
            Some(many) => {
                let read = self.rt.store.read(&self.api.container.name, key, id).await;
                let current = read.map_err(|e| store_problem(e, id))?;
                match self.add(current) {
                    None => Err(Problem::not_found(id)),
                    Some(s) if many.contains(&s.etag) => Ok(Precondition::IfMatch(s.etag)),
                    Some(_) => Err(store_problem(StoreError::PreconditionFailed, id)),
                }
            }
        }
    }

    async fn create(&mut self, query: &str, headers: &HeaderMap, body: Body) -> Result<Reply, Problem> {
        if let Some((k, _)) = query_pairs(query)?.first() {
            return Err(Problem::invalid_query(
                k,
                "unexpected parameter: create takes the partition key from the body",
            ));
        }
        let mut raw = self.body(headers, body, false).await?;
        if let Some(obj) = raw.as_object_mut()
            && !obj.contains_key("id")
        {
            obj.insert("id".to_string(), Value::String(uuid::Uuid::now_v7().to_string()));
        }
        let scope = self.scope()?;
        self.claim(&scope, &mut raw)?;
        let doc = self.normalize(raw)?;
        let key = self.api.key_of(&doc)?;
        let id = crate::store::doc_id(&doc).to_string();
        let stored = self.rt.store.create(&self.api.container.name, &key, &doc).await;
        let stored = self.add(stored.map_err(|e| store_problem(e, &id))?);
        Ok(Reply::document(StatusCode::CREATED, &stored).header(header::LOCATION, self.location(&id, &key)))
    }

    async fn read(&mut self, query: &str, headers: &HeaderMap, id: &str) -> Result<Reply, Problem> {
        let key = self.item_key(query, id)?;
        let scope = self.scope()?;
        let none_match = entity_tags(headers, header::IF_NONE_MATCH)?;
        let reply = |stored: &Stored, cache| {
            let weak = |t: &str| t.trim_start_matches("W/").to_string();
            let matched = match &none_match {
                Some(None) => true,
                Some(Some(tags)) => tags.iter().any(|t| weak(t) == weak(&stored.etag)),
                None => false,
            };
            let mut r = if matched {
                Reply::empty(StatusCode::NOT_MODIFIED).header(header::ETAG, stored.etag.clone())
            } else {
                Reply::document(StatusCode::OK, stored)
            };
            r.cache = cache;
            r
        };
        let ttl = self.cache_ttl();
        // The cache key only when the API is cached: uncached reads build no key.
        let ckey = ttl.map(|_| cache::key(&self.api.container.name, &key.canonical(), id));
        if let Some(ckey) = &ckey {
            match self.rt.cache.get(ckey).await {
                Ok(Some(hit)) if hit.expires_at_ms.is_none_or(|t| t > self.rt.clock.now_ms()) => {
                    if !in_scope(&scope, &hit) {
                        return Err(Problem::not_found(id));
                    }
                    return Ok(reply(&hit, Some("hit")));
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("cache read failed, reading the store: {e}"),
            }
        }
        let found = self.rt.store.read(&self.api.container.name, &key, id).await;
        let Some(stored) = self.add(found.map_err(|e| store_problem(e, id))?) else {
            return Err(Problem::not_found(id));
        };
        if !in_scope(&scope, &stored) {
            return Err(Problem::not_found(id));
        }
        if let (Some(ttl), Some(ckey)) = (ttl, &ckey) {
            let ms = cache::entry_ttl_ms(ttl, &stored, self.rt.clock.now_ms());
            if ms > 0
                && let Err(e) = self.rt.cache.put(ckey, &stored, ms).await
            {
                tracing::warn!("cache write failed: {e}");
            }
        }
        Ok(reply(&stored, ttl.map(|_| "miss")))
    }

    async fn replace(&mut self, query: &str, headers: &HeaderMap, body: Body, id: &str) -> Result<Reply, Problem> {
        let key = self.item_key(query, id)?;
        let if_match = self.precondition(headers)?;
        let create_only = match entity_tags(headers, header::IF_NONE_MATCH)? {
            Some(None) => true,
            Some(Some(_)) => {
                return Err(Problem::invalid_header(
                    "if-none-match",
                    "on PUT only `*` (create-only) is supported",
                ));
            }
            None => false,
        };
        let scope = self.scope()?;
        if !scope.is_empty() && !create_only {
            // Another caller's document is not found, before its body is looked at.
            self.current_in_scope(&scope, &key, id).await?;
        }
        let mut raw = self.body(headers, body, false).await?;
        self.claim(&scope, &mut raw)?;
        if let Some(obj) = raw.as_object_mut() {
            match obj.get("id") {
                None => {
                    obj.insert("id".to_string(), Value::String(id.to_string()));
                }
                Some(Value::String(s)) if s == id => {}
                Some(_) => return Err(Problem::invalid_body("id", "the id in the body differs from the URL's")),
            }
        }
        let doc = self.normalize(raw)?;
        self.same_key(&doc, &key, "differs from the URL's")?;
        let container = &self.api.container.name;
        let result = if create_only {
            match self.rt.store.create(container, &key, &doc).await {
                Err(StoreError::Conflict { key: k }) if k == "id" => {
                    return Err(Problem::precondition_failed("If-None-Match: * but the document exists"));
                }
                other => other.map(|s| (StatusCode::CREATED, s)),
            }
        } else if !scope.is_empty() {
            self.replace_in_scope(&scope, &if_match, &key, &doc, id)
                .await
                .map(|s| (StatusCode::OK, s))
        } else {
            let cond = self.condition(&if_match, &key, id).await?;
            self.rt
                .store
                .replace(container, &key, &doc, &cond)
                .await
                .map(|s| (StatusCode::OK, s))
        };
        let (status, stored) = result.map_err(|e| store_problem(e, id))?;
        let stored = self.add(stored);
        self.invalidate(&key, id).await;
        let mut reply = Reply::document(status, &stored);
        if status == StatusCode::CREATED {
            reply = reply.header(header::LOCATION, self.location(id, &key));
        }
        Ok(reply)
    }

    /// Replace a document the caller's scope holds: on the tag it was read with, read again
    /// when another write got in between (unless the client gave `If-Match`).
    async fn replace_in_scope(
        &mut self,
        scope: &[FieldEquals],
        tags: &Option<Vec<String>>,
        key: &PartitionKey,
        doc: &Value,
        id: &str,
    ) -> Result<Charged<Stored>, StoreError> {
        for _ in 0..8 {
            let current = match self.current_in_scope(scope, key, id).await {
                Ok(c) => c,
                Err(_) => return Err(StoreError::NotFound),
            };
            let Ok(cond) = Self::scoped_condition(tags, &current, id) else {
                return Err(StoreError::PreconditionFailed);
            };
            match self.rt.store.replace(&self.api.container.name, key, doc, &cond).await {
                Err(StoreError::PreconditionFailed | StoreError::NotFound) if tags.is_none() => continue,
                other => return other,
            }
        }
        Err(StoreError::PreconditionFailed)
    }

    /// A 400 naming the first partition key parameter whose value in `doc` is not `key`'s.
    fn same_key(&self, doc: &Value, key: &PartitionKey, what: &str) -> Result<(), Problem> {
        let theirs = self.api.key_of(doc)?.levels();
        for ((level, a), b) in self.api.key.iter().zip(theirs).zip(key.levels()) {
            if a != b {
                return Err(Problem::invalid_body(
                    &level.param,
                    &format!("the partition key value {what}"),
                ));
            }
        }
        Ok(())
    }

    async fn patch(&mut self, query: &str, headers: &HeaderMap, body: Body, id: &str) -> Result<Reply, Problem> {
        let key = self.item_key(query, id)?;
        let if_match = self.precondition(headers)?;
        let patch = self.body(headers, body, true).await?;
        let scope = self.scope()?;
        let container = &self.api.container.name;
        // Read, merge, replace on the read's ETag; a concurrent write in between is retried
        // unless the client asked for a specific ETag.
        for _ in 0..8 {
            let found = self.rt.store.read(container, &key, id).await;
            let Some(current) = self
                .add(found.map_err(|e| store_problem(e, id))?)
                .filter(|c| in_scope(&scope, c))
            else {
                return Err(Problem::not_found(id));
            };
            if let Some(tags) = &if_match
                && !tags.contains(&current.etag)
            {
                return Err(store_problem(StoreError::PreconditionFailed, id));
            }
            let mut doc = current.doc();
            merge_patch(&mut doc, &patch);
            if let Some(f) = scope.iter().find(|f| !f.matches(&doc)) {
                return Err(foreign_field(f, self.scope_kind(f)));
            }
            if doc.get("id").and_then(Value::as_str) != Some(id) {
                return Err(Problem::invalid_body("id", "a PATCH may not change the id"));
            }
            self.same_key(&doc, &key, "may not be changed by a PATCH")?;
            let doc = self.normalize(doc)?;
            let cond = Precondition::IfMatch(current.etag.clone());
            match self.rt.store.replace(container, &key, &doc, &cond).await {
                Ok(stored) => {
                    let stored = self.add(stored);
                    self.invalidate(&key, id).await;
                    return Ok(Reply::document(StatusCode::OK, &stored));
                }
                Err(StoreError::PreconditionFailed | StoreError::NotFound) if if_match.is_none() => continue,
                Err(e) => return Err(store_problem(e, id)),
            }
        }
        Err(Problem::new(
            409,
            "contention",
            "Too many concurrent writes",
            "the document kept changing while the patch was applied: retry",
        ))
    }

    async fn delete(&mut self, query: &str, headers: &HeaderMap, id: &str) -> Result<Reply, Problem> {
        let key = self.item_key(query, id)?;
        let tags = self.precondition(headers)?;
        let scope = self.scope()?;
        if scope.is_empty() {
            let cond = self.condition(&tags, &key, id).await?;
            let done = self.rt.store.delete(&self.api.container.name, &key, id, &cond).await;
            self.add(done.map_err(|e| store_problem(e, id))?);
        } else {
            // On the tag the document was read with in scope, read again when another write
            // got in between (unless the client gave `If-Match`).
            let mut deleted = false;
            for _ in 0..8 {
                let current = self.current_in_scope(&scope, &key, id).await?;
                let cond = Self::scoped_condition(&tags, &current, id)?;
                match self.rt.store.delete(&self.api.container.name, &key, id, &cond).await {
                    Ok(done) => {
                        self.add(done);
                        deleted = true;
                        break;
                    }
                    Err(StoreError::PreconditionFailed | StoreError::NotFound) if tags.is_none() => continue,
                    Err(e) => return Err(store_problem(e, id)),
                }
            }
            if !deleted {
                return Err(store_problem(StoreError::PreconditionFailed, id));
            }
        }
        self.invalidate(&key, id).await;
        Ok(Reply::empty(StatusCode::NO_CONTENT))
    }

    async fn list(&mut self, query: &str) -> Result<Reply, Problem> {
        let pairs = query_pairs(query)?;
        self.unexpected(&pairs, &["limit", "continuation"])?;
        let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let limit = match get("limit") {
            None => DEFAULT_LIMIT,
            Some(t) => match t.parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    return Err(Problem::invalid_query(
                        "limit",
                        &format!("expected a whole number from 1 to {MAX_LIMIT}"),
                    ));
                }
            },
        };
        let mut prefix = Vec::new();
        for (i, level) in self.api.key.iter().enumerate() {
            match get(&level.param) {
                Some(t) if prefix.len() == i => prefix.push(self.api.parse_level(level, t)?),
                Some(_) => {
                    return Err(Problem::invalid_query(
                        &self.api.key[i - 1].param,
                        "missing: a hierarchical key scopes a list by a prefix of its levels",
                    ));
                }
                None => {}
            }
        }
        // The caller's scope is part of the query; where an owner or tenant field is the next
        // partition key level, it also narrows the query to that partition.
        let only = self.scope()?;
        while let Some(f) = self
            .api
            .key
            .get(prefix.len())
            .and_then(|l| only.iter().find(|f| l.path == format!("/{}", f.field)))
        {
            prefix.push(f.value.clone());
        }
        let scope = PartitionKey::new(prefix.clone()).canonical();
        let after = match get("continuation") {
            None => None,
            Some(t) => Some(open_token(t, &scope)?),
        };
        let page = self
            .rt
            .store
            .list(&self.api.container.name, &prefix, &only, limit, after.as_deref())
            .await;
        let page = self.add(page.map_err(|e| store_problem(e, "-"))?);
        let mut body = String::with_capacity(page.items.iter().map(|s| s.json.len() + 1).sum::<usize>() + 40);
        body.push_str("{\"items\":[");
        for (i, item) in page.items.iter().enumerate() {
            if i > 0 {
                body.push(',');
            }
            body.push_str(&item.json);
        }
        body.push_str("],\"continuation\":");
        match page.continuation {
            Some(t) => body.push_str(&Value::String(seal_token(&t, &scope)).to_string()),
            None => body.push_str("null"),
        }
        body.push('}');
        Ok(Reply::json(StatusCode::OK, body))
    }
}

/// The client's continuation token: the store's token bound to the list's scope, base64url.
fn seal_token(store_token: &str, scope: &str) -> String {
    base64url(serde_json::json!([scope, store_token]).to_string().as_bytes())
}

fn open_token(token: &str, scope: &str) -> Result<String, Problem> {
    let bad = |m: &str| Problem::invalid_query("continuation", m);
    let bytes = unbase64url(token).ok_or_else(|| bad("not a continuation token of this API"))?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| bad("not a continuation token of this API"))?;
    match (v.get(0).and_then(Value::as_str), v.get(1).and_then(Value::as_str)) {
        (Some(s), Some(t)) if s == scope => Ok(t.to_string()),
        (Some(_), Some(_)) => Err(bad("this token belongs to a list with other partition key parameters")),
        _ => Err(bad("not a continuation token of this API")),
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64url(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() * 4 / 3 + 3);
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

pub(crate) fn unbase64url(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.bytes() {
        let v = B64.iter().position(|b| *b == c)? as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// RFC 7396 JSON merge patch.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Default::default());
    }
    if let Value::Object(t) = target {
        for (k, v) in p {
            if v.is_null() {
                t.remove(k);
            } else {
                merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_patch_follows_rfc_7396_examples() {
        let cases = [
            (r#"{"a":"b"}"#, r#"{"a":"c"}"#, r#"{"a":"c"}"#),
            (r#"{"a":"b"}"#, r#"{"b":"c"}"#, r#"{"a":"b","b":"c"}"#),
            (r#"{"a":"b"}"#, r#"{"a":null}"#, r#"{}"#),
            (
                r#"{"a":{"b":"c"}}"#,
                r#"{"a":{"b":"d","c":null}}"#,
                r#"{"a":{"b":"d"}}"#,
            ),
            (r#"{"a":[{"b":"c"}]}"#, r#"{"a":[1]}"#, r#"{"a":[1]}"#),
            (r#"["a","b"]"#, r#"["c","d"]"#, r#"["c","d"]"#),
            (r#"{"e":null}"#, r#"{"a":1}"#, r#"{"e":null,"a":1}"#),
            (r#"[1,2]"#, r#"{"a":"b","c":null}"#, r#"{"a":"b"}"#),
            (r#"{}"#, r#"{"a":{"bb":{"ccc":null}}}"#, r#"{"a":{"bb":{}}}"#),
        ];
        for (t, p, want) in cases {
            let mut t: Value = serde_json::from_str(t).unwrap();
            merge_patch(&mut t, &serde_json::from_str(p).unwrap());
            assert_eq!(t, serde_json::from_str::<Value>(want).unwrap(), "{p}");
        }
    }

    #[test]
    fn tokens_round_trip_and_bind_to_their_scope() {
        for s in ["", "a", "ab", "abc", "[\"acme\",\"u1\"]", "ü∂"] {
            assert_eq!(unbase64url(&base64url(s.as_bytes())).unwrap(), s.as_bytes());
        }
        let t = seal_token("[\"p\",\"i\"]", "[\"acme\"]");
        assert_eq!(open_token(&t, "[\"acme\"]").unwrap(), "[\"p\",\"i\"]");
        assert_eq!(open_token(&t, "[]").unwrap_err().status, 400);
        assert_eq!(open_token("!!", "[]").unwrap_err().errors[0].path, "continuation");
    }
}
