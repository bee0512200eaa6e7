//! The Redis cache adapter against a real `redis-server` on loopback (started by
//! `.ci/services.sh`, found through `ATAKORA_REDIS_URL`; required under CI).
#![cfg(feature = "redis")]

mod common;

use atakora_runtime::cache::Cache;
use atakora_runtime::cache::redis::RedisCache;
use atakora_runtime::store::{ManualClock, PartitionKey, Precondition, SqliteStore, Stored, Synchronous};
use common::*;
use serde_json::json;
use std::sync::Arc;

fn doc(n: i64) -> Stored {
    Stored {
        json: json!({ "id": "a", "n": n }).to_string(),
        etag: format!("\"e{n}\""),
        expires_at_ms: Some(1_700_000_000_000 + n),
    }
}

#[tokio::test]
async fn put_get_remove_round_trip() {
    let Some(url) = service_url("ATAKORA_REDIS_URL") else {
        return;
    };
    let cache = RedisCache::from_url(&url).unwrap();
    let key = format!("atakora-test:{}", std::process::id());
    assert_eq!(cache.get(&key).await.unwrap(), None);
    cache.put(&key, &doc(1), 60_000).await.unwrap();
    assert_eq!(cache.get(&key).await.unwrap(), Some(doc(1)));
    cache.put(&key, &doc(2), 60_000).await.unwrap();
    assert_eq!(cache.get(&key).await.unwrap(), Some(doc(2)));
    cache.remove(&key).await.unwrap();
    assert_eq!(cache.get(&key).await.unwrap(), None);
}

#[tokio::test]
async fn the_api_reads_through_redis_and_writes_invalidate() {
    let Some(url) = service_url("ATAKORA_REDIS_URL") else {
        return;
    };
    let dir = TempDir::new("redis");
    let clock = ManualClock::new(1_700_000_000_000);
    let store = SqliteStore::open_with_clock(dir.0.join("r.db"), Synchronous::Normal, clock.clone()).unwrap();
    let s = start_with(Arc::new(store), Arc::new(RedisCache::from_url(&url).unwrap()), clock).await;
    // A tenant of its own per run: the Redis server outlives the test.
    let tenant = format!("t{}", std::process::id());
    let body = format!(r#"{{"id":"m1","tenantId":"{tenant}","email":"a@x"}}"#);
    assert_eq!(s.post("/api/members", &body).await.status, 201);
    let path = format!("/api/members/m1?tenantId={tenant}");
    assert_eq!(s.get(&path).await.json()["age"], 0);
    let key = PartitionKey::new(vec![json!(tenant)]);
    let changed = json!({ "id": "m1", "tenantId": tenant, "email": "a@x", "age": 7, "address": null, "tags": [] });
    s.store
        .replace("members", &key, &changed, &Precondition::None)
        .await
        .unwrap();
    assert_eq!(s.get(&path).await.json()["age"], 0, "served from Redis");
    let mp = ("content-type", "application/merge-patch+json");
    assert_eq!(s.send("PATCH", &path, &[mp], Some(r#"{"age":9}"#)).await.status, 200);
    assert_eq!(s.get(&path).await.json()["age"], 9, "the write dropped the entry");
    assert_eq!(s.send("DELETE", &path, &[], None).await.status, 204);
    assert_eq!(s.get(&path).await.status, 404);
    s.stop().await;
}

#[tokio::test]
async fn an_unreachable_redis_degrades_to_the_store() {
    // A port nothing listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = TempDir::new("redis-down");
    let clock = ManualClock::new(1_700_000_000_000);
    let store = SqliteStore::open_with_clock(dir.0.join("r.db"), Synchronous::Normal, clock.clone()).unwrap();
    let cache = RedisCache::from_url(&format!("redis://127.0.0.1:{port}/")).unwrap();
    assert!(cache.get("k").await.is_err());
    let s = start_with(Arc::new(store), Arc::new(cache), clock).await;
    assert_eq!(
        s.post("/api/members", r#"{"id":"m1","tenantId":"acme","email":"a@x"}"#)
            .await
            .status,
        201
    );
    assert_eq!(s.get("/api/members/m1?tenantId=acme").await.status, 200);
    s.stop().await;
}
