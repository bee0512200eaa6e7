//! Shared by the authentication tests: a backend with owner, tenant and roles, a key set
//! served on 127.0.0.1 by the test, tokens signed with the test keys in `tests/keys`, and a
//! server that checks them.
#![allow(dead_code)]

use crate::common::{Resp, TempDir, request};
use atakora::{Backend, CrudApi, backend, crud_api};
use atakora_runtime::auth::{AuthConfig, Authenticator, KeySource};
use atakora_runtime::cache::MemoryCache;
use atakora_runtime::store::{Clock, ManualClock, SqliteStore, Store, Synchronous};
use atakora_runtime::{Runtime, Service};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Each order belongs to its creator (the owner is the partition key); only admins delete.
#[crud_api(partition_key = "/userId", owner = "/userId", roles(delete = "Orders.Admin"))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub id: String,
    pub user_id: String,
    pub total: f64,
}

/// Products belong to a tenant; writing them needs `Catalog.Write`.
#[crud_api(
    partition_key = "/tenantId",
    tenant = "/tenantId",
    roles(create = "Catalog.Write", update = "Catalog.Write", delete = "Catalog.Write")
)]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
}

/// Notes: the owner is not the partition key, so owner scoping is a filter in the query.
#[crud_api(partition_key = "/board", owner = "/author")]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Note {
    pub id: String,
    pub board: String,
    pub author: Option<String>,
    pub text: String,
}

#[backend(app = "authrt", auth(entra(audience = "api://shop-api")))]
pub struct AuthBackend {
    pub orders: CrudApi<Order>,
    pub products: CrudApi<Product>,
    pub notes: CrudApi<Note>,
}

pub const ISSUER: &str = "https://login.microsoftonline.com/tenant-a/v2.0";
pub const AUDIENCE: &str = "api://shop-api";

/// A test key: its PKCS#1 DER and its public JWK (kid `atakora-test-<n>`).
pub fn key(n: u8) -> (Vec<u8>, Value) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/keys");
    let der = std::fs::read(format!("{dir}/test-key-{n}.der")).unwrap();
    let jwk: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/test-key-{n}.jwk.json")).unwrap()).unwrap();
    (der, jwk)
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Valid claims of caller `oid` in tenant `tid` with `roles`.
pub fn claims(oid: &str, tid: &str, roles: &[&str]) -> Value {
    json!({ "iss": ISSUER, "aud": AUDIENCE, "exp": now() + 600, "nbf": now() - 10, "iat": now() - 10,
            "oid": oid, "tid": tid, "roles": roles })
}

/// `claims` signed RS256 with test key `n`, the header naming `kid`.
pub fn sign_with(n: u8, kid: &str, claims: &Value) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(kid.to_string());
    let key = jsonwebtoken::EncodingKey::from_rsa_der(&key(n).0);
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

/// `claims` signed with test key 1.
pub fn token(claims: &Value) -> String {
    sign_with(1, "atakora-test-1", claims)
}

/// A key set served over HTTP on 127.0.0.1, replaceable while it runs (key rotation).
pub struct Jwks {
    pub url: String,
    pub body: Arc<Mutex<String>>,
    pub hits: Arc<AtomicU64>,
}

impl Jwks {
    pub async fn serve(keys: &[u8]) -> Jwks {
        let body = Arc::new(Mutex::new(String::new()));
        let hits = Arc::new(AtomicU64::new(0));
        let jwks = Jwks {
            url: String::new(),
            body: body.clone(),
            hits: hits.clone(),
        };
        jwks.publish(keys);
        let app = axum::Router::new().route(
            "/keys",
            axum::routing::get(move || {
                let (body, hits) = (body.clone(), hits.clone());
                async move {
                    hits.fetch_add(1, Ordering::SeqCst);
                    let text = body.lock().unwrap().clone();
                    ([("content-type", "application/json")], text)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Jwks {
            url: format!("http://{addr}/keys"),
            ..jwks
        }
    }

    /// Serve the test keys `keys` from now on.
    pub fn publish(&self, keys: &[u8]) {
        let set = json!({ "keys": keys.iter().map(|n| key(*n).1).collect::<Vec<_>>() });
        *self.body.lock().unwrap() = set.to_string();
    }

    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::SeqCst)
    }
}

pub struct AuthServer {
    pub addr: SocketAddr,
    pub auth: Arc<Authenticator>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: TempDir,
}

impl AuthServer {
    /// The auth backend on a fresh SQLite file, checking tokens against `jwks`.
    pub async fn start(jwks: &Jwks, refetch_interval: Duration) -> AuthServer {
        let dir = TempDir::new("auth");
        let clock = ManualClock::new(1_700_000_000_000);
        let store: Arc<dyn Store> =
            Arc::new(SqliteStore::open_with_clock(dir.0.join("auth.db"), Synchronous::Normal, clock.clone()).unwrap());
        let service = Service::new(AuthBackend::spec(), AuthBackend::components());
        store.ensure(&service.containers(), true).await.unwrap();
        let mut rt = Runtime::new(
            service,
            store,
            Arc::new(MemoryCache::new(100, clock.clone())),
            clock as Arc<dyn Clock>,
        );
        let config = AuthConfig {
            issuer: ISSUER.into(),
            audiences: vec![AUDIENCE.into()],
            keys: KeySource::Url(jwks.url.clone()),
        };
        let mut auth = Authenticator::new(config);
        auth.refetch_interval = refetch_interval;
        let auth = Arc::new(auth);
        rt.auth = Some(auth.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(atakora_runtime::serve(listener, Arc::new(rt), async {
            let _ = rx.await;
        }));
        AuthServer {
            addr,
            auth,
            stop: Some(tx),
            _dir: dir,
        }
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }

    /// A request with `Authorization: Bearer <token>` (none when `token` is `None`).
    pub async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> Resp {
        let bearer = token.map(|t| format!("Bearer {t}"));
        let mut headers: Vec<(&str, &str)> = vec![("content-type", "application/json")];
        if let Some(b) = &bearer {
            headers.push(("authorization", b));
        }
        request(self.addr, method, path, &headers, body.map(str::as_bytes)).await
    }
}
