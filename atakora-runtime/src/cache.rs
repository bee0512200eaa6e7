//! The read cache of `cache(ttl)` APIs: point reads are kept for the TTL and dropped by every
//! write to the same document. [`MemoryCache`] locally; with the `redis` feature,
//! `redis::RedisCache` for Azure Managed Redis. A cache
//! error is never a request error: the runtime logs it and reads the store.

use crate::store::{Clock, Stored};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

#[cfg(feature = "redis")]
pub mod redis;

/// A cache failure (logged, then the store answers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheError(pub String);

impl std::fmt::Display for CacheError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The future every cache method returns.
pub type CacheFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, CacheError>> + Send + 'a>>;

/// A read cache keyed by container, partition and id.
pub trait Cache: Send + Sync {
    /// `memory`, `redis`.
    fn kind(&self) -> &'static str;
    /// The cached document, if any.
    fn get<'a>(&'a self, key: &'a str) -> CacheFuture<'a, Option<Stored>>;
    /// Keep `value` for `ttl_ms` milliseconds.
    fn put<'a>(&'a self, key: &'a str, value: &'a Stored, ttl_ms: i64) -> CacheFuture<'a, ()>;
    /// Forget `key`.
    fn remove<'a>(&'a self, key: &'a str) -> CacheFuture<'a, ()>;
}

/// The cache key of a document: one per container, so two APIs over one container share
/// entries and invalidations.
pub fn key(container: &str, partition: &str, id: &str) -> String {
    format!("atakora:{container}:{partition}:{id}")
}

/// The cache's value for a stored document, as JSON text (what the Redis adapter keeps).
pub fn encode(value: &Stored) -> String {
    serde_json::json!([value.etag, value.expires_at_ms, value.json]).to_string()
}

/// The stored document `encode` made.
pub fn decode(text: &str) -> Option<Stored> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    Some(Stored {
        etag: v.get(0)?.as_str()?.to_string(),
        expires_at_ms: v.get(1)?.as_i64(),
        json: v.get(2)?.as_str()?.to_string(),
    })
}

/// An in-process cache with a bounded number of entries.
pub struct MemoryCache {
    entries: Mutex<HashMap<String, (i64, Stored)>>,
    capacity: usize,
    clock: Arc<dyn Clock>,
}

impl MemoryCache {
    /// A cache of at most `capacity` entries on `clock`.
    pub fn new(capacity: usize, clock: Arc<dyn Clock>) -> Self {
        MemoryCache {
            entries: Mutex::new(HashMap::new()),
            capacity,
            clock,
        }
    }
}

impl Cache for MemoryCache {
    fn kind(&self) -> &'static str {
        "memory"
    }

    fn get<'a>(&'a self, key: &'a str) -> CacheFuture<'a, Option<Stored>> {
        let now = self.clock.now_ms();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let hit = match entries.get(key) {
            Some((until, v)) if *until > now => Some(v.clone()),
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        };
        Box::pin(async move { Ok(hit) })
    }

    fn put<'a>(&'a self, key: &'a str, value: &'a Stored, ttl_ms: i64) -> CacheFuture<'a, ()> {
        let now = self.clock.now_ms();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.capacity {
            entries.retain(|_, (until, _)| *until > now);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key.to_string(), (now + ttl_ms, value.clone()));
        Box::pin(async { Ok(()) })
    }

    fn remove<'a>(&'a self, key: &'a str) -> CacheFuture<'a, ()> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
        Box::pin(async { Ok(()) })
    }
}

/// How long a read may stay cached: the API's TTL, but never past the document's expiry.
pub fn entry_ttl_ms(api_ttl_s: u32, value: &Stored, now_ms: i64) -> i64 {
    let ttl = i64::from(api_ttl_s) * 1000;
    match value.expires_at_ms {
        Some(t) => ttl.min(t - now_ms),
        None => ttl,
    }
}
