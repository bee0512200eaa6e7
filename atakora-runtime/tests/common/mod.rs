//! Shared by the runtime's integration tests: a backend declared with the real macros, a
//! server on 127.0.0.1:0 over a real store, and a minimal HTTP/1.1 client.
#![allow(dead_code)]

use atakora::{Backend, CrudApi, backend, crud_api};
use atakora_runtime::cache::{Cache, MemoryCache};
use atakora_runtime::store::{Clock, ManualClock, SqliteStore, Store, Synchronous};
use atakora_runtime::{Runtime, Service};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Members of a tenant: TTL, a unique key, a cache, a health path of its own.
#[crud_api(
    partition_key = "/tenantId",
    ttl = 3600,
    unique_keys(["/email"]),
    cache(ttl = 60),
    health_check(path = "/healthz")
)]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub id: String,
    pub tenant_id: String,
    pub email: String,
    #[serde(default)]
    pub age: u32,
    pub address: Option<Address>,
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Address {
    pub zip: String,
    pub city: String,
}

/// The read-only view of the same container (least privilege).
#[crud_api(partition_key = "/tenantId", container = "members", ttl = 3600, unique_keys(["/email"]), operations(read, list))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberView {
    pub id: String,
    pub tenant_id: String,
    pub email: String,
}

/// A hierarchical key.
#[crud_api(partition_key = ["/tenantId", "/userId"])]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub id: String,
    pub tenant_id: String,
    pub user_id: String,
    pub kind: String,
}

/// A nested key.
#[crud_api(partition_key = "/address/zip")]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Place {
    pub id: String,
    pub name: String,
    pub address: Address,
}

/// Keyed by its id; only create and read.
#[crud_api(operations(create, read))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Label {
    pub id: String,
    pub text: String,
    pub count: i64,
}

#[backend(app = "rt")]
pub struct TestBackend {
    pub members: CrudApi<Member>,
    pub member_view: CrudApi<MemberView>,
    pub events: CrudApi<Event>,
    pub places: CrudApi<Place>,
    pub audit_labels: CrudApi<Label>,
}

pub fn service() -> Service {
    Service::new(TestBackend::spec(), TestBackend::components())
}

/// A temporary folder removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("atakora-rt-{tag}-{}-{}", std::process::id(), uuid_like()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn uuid_like() -> u128 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    t ^ u128::from(N.fetch_add(1, Ordering::SeqCst))
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub clock: Arc<ManualClock>,
    pub store: Arc<dyn Store>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), String>>>,
}

impl TestServer {
    /// Stop the server and wait until it has finished.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.unwrap().unwrap();
        }
    }

    pub async fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> Resp {
        request(self.addr, method, path, headers, body.map(str::as_bytes)).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send("GET", path, &[], None).await
    }

    pub async fn post(&self, path: &str, body: &str) -> Resp {
        self.send("POST", path, &[("content-type", "application/json")], Some(body))
            .await
    }
}

/// A server for the test backend over `store`, with a memory cache, on `clock`.
pub async fn start_with(store: Arc<dyn Store>, cache: Arc<dyn Cache>, clock: Arc<ManualClock>) -> TestServer {
    let service = service();
    store.ensure(&service.containers(), true).await.unwrap();
    let rt = Runtime::new(service, store.clone(), cache, clock.clone() as Arc<dyn Clock>);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(atakora_runtime::serve(listener, Arc::new(rt), async {
        let _ = rx.await;
    }));
    TestServer {
        addr,
        clock,
        store,
        stop: Some(tx),
        task: Some(task),
    }
}

/// A server on a fresh SQLite file in `dir`.
pub async fn start_sqlite(dir: &TempDir) -> TestServer {
    let clock = ManualClock::new(1_700_000_000_000);
    let store = SqliteStore::open_with_clock(dir.0.join("test.db"), Synchronous::Normal, clock.clone()).unwrap();
    let cache = Arc::new(MemoryCache::new(1000, clock.clone()));
    start_with(Arc::new(store), cache, clock).await
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// A problem+json response with `status` whose first error names `path`.
    pub fn assert_problem(&self, status: u16, path: &str) -> Value {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{}",
            self.body
        );
        let p = self.json();
        assert_eq!(p["status"], status);
        assert_eq!(p["errors"][0]["path"], path, "{p}");
        p
    }
}

/// One HTTP/1.1 request on a fresh connection.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Resp {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        head.push_str(&format!("content-length: {}\r\n", b.len()));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    if let Some(b) = body {
        // The server may answer (413) before reading everything.
        let _ = s.write_all(b).await;
    }
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw).await;
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no response: {text:?}"));
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
        .collect();
    Resp {
        status,
        headers,
        body: body.to_string(),
    }
}

/// The address of a server `.ci/services.sh start` runs: `$var`, else the line `var=...` of
/// `.ci/.services/env` at the workspace root. When it is missing, a test under CI (`CI` or
/// `ATAKORA_REQUIRE_SERVICES` set) fails; on a developer machine it is skipped, loudly.
pub fn service_url(var: &str) -> Option<String> {
    let from_env = std::env::var(var).ok().filter(|v| !v.is_empty());
    let from_file = || {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/.services/env");
        std::fs::read_to_string(path).ok().and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix(var).and_then(|r| r.strip_prefix('=')).map(String::from))
        })
    };
    if let Some(v) = from_env.or_else(from_file) {
        return Some(v);
    }
    let required = ["CI", "ATAKORA_REQUIRE_SERVICES"]
        .iter()
        .any(|k| std::env::var(k).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false"));
    assert!(
        !required,
        "{var} is not set: run `.ci/services.sh start` first (required under CI)"
    );
    eprintln!("\n*** SKIPPED: {var} is not set; run `.ci/services.sh start` to run this test ***\n");
    None
}

/// Collects what a log writer is given (a `MakeWriter` through `move || captured.clone()`).
#[derive(Clone, Default)]
pub struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl Captured {
    /// Everything written so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
