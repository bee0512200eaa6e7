//! The store interface every backend of the runtime implements, and its implementations:
//! [`MemoryStore`] (tests), [`SqliteStore`] (the embedded default) and, with the `cosmos`
//! feature, `CosmosStore` (Azure).
//!
//! A store keeps JSON documents in named containers. Each document lives in one logical
//! partition ([`PartitionKey`]); `(partition, id)` is unique. Every write returns a new ETag,
//! and conditional writes ([`Precondition::IfMatch`]) succeed for exactly one of several
//! writers holding the same tag. Documents carry the container's TTL semantics (see
//! [`ContainerDef::expiry`]): an expired document is invisible at once. The conformance suite
//! in [`crate::conformance`] is the executable form of this contract.

use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

#[cfg(feature = "cosmos")]
pub mod cosmos;
mod local;
mod memory;
mod sqlite;

pub use local::{Change, LocalEngine, QueueMessage};
pub use memory::MemoryStore;
pub use sqlite::{SqliteStore, Synchronous};

/// The future every store method returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// What a store needs to know of one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerDef {
    /// The container's name (unique in the store).
    pub name: String,
    /// The partition key paths (`/tenantId`, `/address/zip`), 1..=3.
    pub partition_key: Vec<String>,
    /// The container's `defaultTtl`: `None` = TTL off, `-1` = on without default, `n` seconds.
    pub default_ttl: Option<i32>,
    /// Unique keys: each one or more paths, unique within a logical partition.
    pub unique_keys: Vec<Vec<String>>,
}

impl ContainerDef {
    /// Seconds until `doc` expires after a write, under Cosmos DB's rules: with TTL off
    /// (`default_ttl = None`) never; a numeric `ttl` property of the document overrides the
    /// container's default (`-1` = never); else the default (`-1` = never).
    pub fn expiry(&self, doc: &Value) -> Option<i64> {
        let default = self.default_ttl?;
        let own = doc.get("ttl").and_then(Value::as_i64);
        match own.unwrap_or(i64::from(default)) {
            n if n > 0 => Some(n),
            _ => None,
        }
    }

    /// The unique key's name in errors: its paths joined by `+` (`/email`, `/first+/last`).
    pub fn unique_key_name(paths: &[String]) -> String {
        paths.join("+")
    }
}

/// A logical partition: one value per partition key path, as canonical text
/// (strings as they are, numbers and booleans as JSON prints them), with the typed JSON value
/// kept for stores that hash the typed value (Cosmos DB).
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionKey {
    /// The typed values, one per level.
    pub values: Vec<Value>,
}

impl PartitionKey {
    /// The key of `values` (strings, numbers or booleans).
    pub fn new(values: Vec<Value>) -> Self {
        PartitionKey { values }
    }

    /// A value's canonical text: strings as they are, other scalars as JSON.
    pub fn canonical_value(v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }

    /// The canonical text of every level.
    pub fn levels(&self) -> Vec<String> {
        self.values.iter().map(Self::canonical_value).collect()
    }

    /// One string for the whole key (a JSON array of the levels' canonical text): equal for
    /// equal keys, whatever JSON type the URL and the document gave a value.
    pub fn canonical(&self) -> String {
        // The same text as `Value::from(self.levels()).to_string()`, without building the
        // array: this runs on every request.
        serde_json::to_string(&self.levels()).unwrap_or_default()
    }
}

/// A write condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// Unconditional.
    None,
    /// Only if the document's current ETag is this one (quoted, as returned).
    IfMatch(String),
}

/// A stored document as a store returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    /// The document as JSON text, without store metadata.
    pub json: String,
    /// Its ETag, quoted (`"…"`): changes with every write.
    pub etag: String,
    /// When it expires (milliseconds since the Unix epoch), if it does.
    pub expires_at_ms: Option<i64>,
}

impl Stored {
    /// The document as a JSON value.
    pub fn doc(&self) -> Value {
        serde_json::from_str(&self.json).unwrap_or(Value::Null)
    }
}

/// The result of a store operation with its cost (Cosmos DB request units), when the store
/// has one.
#[derive(Debug, Clone, PartialEq)]
pub struct Charged<T> {
    /// The result.
    pub value: T,
    /// Request units charged, on Cosmos DB.
    pub charge: Option<f64>,
}

impl<T> Charged<T> {
    /// A result without a cost.
    pub fn free(value: T) -> Self {
        Charged { value, charge: None }
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The documents, in the store's stable order.
    pub items: Vec<Stored>,
    /// Where the next page starts; `None` on the last page.
    pub continuation: Option<String>,
}

/// Why a store operation failed.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreError {
    /// No such document (or it has expired).
    NotFound,
    /// The write would break uniqueness: `key` is `id` or a unique key's name.
    Conflict {
        /// `id`, or the unique key ([`ContainerDef::unique_key_name`]).
        key: String,
    },
    /// The document's ETag is not the one required.
    PreconditionFailed,
    /// A continuation token this store did not issue.
    BadContinuation,
    /// The container is not as the spec says (checked at start).
    Mismatch(String),
    /// The store cannot be reached or failed.
    Unavailable(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::NotFound => f.write_str("not found"),
            StoreError::Conflict { key } => write!(f, "conflict on {key}"),
            StoreError::PreconditionFailed => f.write_str("precondition failed"),
            StoreError::BadContinuation => f.write_str("invalid continuation token"),
            StoreError::Mismatch(m) | StoreError::Unavailable(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for StoreError {}

/// A condition of a list: the document's top-level field `field` equals `value` (a caller's
/// owner or tenant scope).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldEquals {
    /// The top-level field's name.
    pub field: String,
    /// The value it must have.
    pub value: Value,
}

impl FieldEquals {
    /// Whether `doc` matches.
    pub fn matches(&self, doc: &Value) -> bool {
        doc.get(&self.field) == Some(&self.value)
    }
}

/// A document store (see the module documentation for the contract).
pub trait Store: Send + Sync {
    /// The store's kind in logs: `memory`, `sqlite`, `cosmos`.
    fn kind(&self) -> &'static str;

    /// Make sure the containers exist as defined: create them when `create` (local stores),
    /// else only check them (Azure, where the template made them).
    fn ensure<'a>(&'a self, containers: &'a [ContainerDef], create: bool) -> StoreFuture<'a, ()>;

    /// Insert a new document; `Conflict { key: "id" }` if `(partition, id)` exists.
    fn create<'a>(
        &'a self,
        container: &'a str,
        key: &'a PartitionKey,
        doc: &'a Value,
    ) -> StoreFuture<'a, Charged<Stored>>;

    /// The document, if it exists and has not expired.
    fn read<'a>(
        &'a self,
        container: &'a str,
        key: &'a PartitionKey,
        id: &'a str,
    ) -> StoreFuture<'a, Charged<Option<Stored>>>;

    /// Replace an existing document (whose `id` is `doc["id"]`).
    fn replace<'a>(
        &'a self,
        container: &'a str,
        key: &'a PartitionKey,
        doc: &'a Value,
        condition: &'a Precondition,
    ) -> StoreFuture<'a, Charged<Stored>>;

    /// Delete a document.
    fn delete<'a>(
        &'a self,
        container: &'a str,
        key: &'a PartitionKey,
        id: &'a str,
        condition: &'a Precondition,
    ) -> StoreFuture<'a, Charged<()>>;

    /// Up to `limit` documents in a stable order, scoped to the partitions whose first levels
    /// equal `prefix` (all partitions when empty) and to the documents matching every one of
    /// `only` (in the query itself: a page is never filtered afterwards), starting after
    /// `continuation`.
    fn list<'a>(
        &'a self,
        container: &'a str,
        prefix: &'a [Value],
        only: &'a [FieldEquals],
        limit: usize,
        continuation: Option<&'a str>,
    ) -> StoreFuture<'a, Charged<Page>>;

    /// `Ok` when the store answers.
    fn health(&self) -> StoreFuture<'_, ()>;

    /// Periodic upkeep (purging expired documents); nothing by default.
    fn maintain(&self) -> StoreFuture<'_, ()> {
        Box::pin(async { Ok(()) })
    }

    /// The local engine's queues, change log and state in this store ([`LocalEngine`]):
    /// the embedded stores have them, Cosmos DB has none (in Azure the Functions host runs the
    /// triggers).
    fn local_engine(self: Arc<Self>) -> Option<Arc<dyn LocalEngine>> {
        None
    }
}

/// Where the stores and caches read the time: the system clock, or a manual one in tests.
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
}

/// A clock that moves only when told to (tests of TTL and cache expiry, without sleeping).
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock showing `now_ms`.
    pub fn new(now_ms: i64) -> Arc<Self> {
        Arc::new(ManualClock(AtomicI64::new(now_ms)))
    }

    /// Move the clock forward by `ms` milliseconds.
    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A fresh strong ETag.
pub(crate) fn new_etag() -> String {
    format!("\"{}\"", unique_hex())
}

/// 32 hex digits, unique in this process and, with a random per-process prefix, across
/// restarts: a counter, so no system call per request (ETags, request ids).
pub fn unique_hex() -> String {
    use std::sync::OnceLock;
    use std::sync::atomic::AtomicU64;
    static PREFIX: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| {
        let u = uuid::Uuid::now_v7().as_u128();
        (u >> 64) as u64 ^ u as u64
    });
    format!("{prefix:016x}{:016x}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// The document's `id` (the HTTP layer has checked that it is a string).
pub(crate) fn doc_id(doc: &Value) -> &str {
    doc.get("id").and_then(Value::as_str).unwrap_or_default()
}

/// The value at a JSON path (`/address/zip`) of `doc`.
pub fn value_at<'v>(doc: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .try_fold(doc, |v, seg| v.get(seg))
}

/// The local stores' continuation token: the last `(partition, id)` of a page, as JSON text.
pub(crate) fn local_token(partition: &str, id: &str) -> String {
    Value::from(vec![partition, id]).to_string()
}

/// The `(partition, id)` a local continuation token names.
pub(crate) fn parse_local_token(token: &str) -> Result<(String, String), StoreError> {
    match serde_json::from_str::<Value>(token) {
        Ok(Value::Array(a)) if a.len() == 2 => match (&a[0], &a[1]) {
            (Value::String(p), Value::String(i)) => Ok((p.clone(), i.clone())),
            _ => Err(StoreError::BadContinuation),
        },
        _ => Err(StoreError::BadContinuation),
    }
}

/// Whether a value of unique key `paths` in `a` equals that in `b` (a missing value counts as
/// `null`, so two documents without it collide, as in Cosmos DB).
pub(crate) fn same_unique_values(paths: &[String], a: &Value, b: &Value) -> bool {
    paths
        .iter()
        .all(|p| value_at(a, p).unwrap_or(&Value::Null) == value_at(b, p).unwrap_or(&Value::Null))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_keys_are_the_json_array_of_the_levels_text() {
        let key = PartitionKey::new(vec![json!("acme \"co\""), json!(10115), json!(true), json!(1.5)]);
        assert_eq!(key.canonical(), r#"["acme \"co\"","10115","true","1.5"]"#);
        assert_eq!(key.canonical(), Value::from(key.levels()).to_string());
        // A number given as text in a URL and as a number in a document: one key.
        assert_eq!(
            PartitionKey::new(vec![json!("10115")]).canonical(),
            PartitionKey::new(vec![json!(10115)]).canonical()
        );
    }
}
