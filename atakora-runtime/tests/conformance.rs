//! The store conformance suite against the memory and SQLite stores (the Cosmos DB servers
//! are in `cosmos.rs`, feature `cosmos`).

mod common;

use atakora_runtime::conformance::{self, CHECKS};
use atakora_runtime::store::{ManualClock, MemoryStore, SqliteStore, Store, Synchronous};

fn assert_clean(report: &conformance::Report, store: &str) {
    eprint!("{}", report.table(store));
    assert!(report.failures().is_empty(), "{store}: {:#?}", report.failures());
    assert_eq!(
        report.counts(),
        (CHECKS.len(), 0, 0),
        "{store}: every check runs and passes"
    );
}

#[tokio::test]
async fn memory_store_conforms() {
    let clock = ManualClock::new(1_700_000_000_000);
    let store = MemoryStore::with_clock(clock.clone());
    let report = conformance::run(&store, Some(clock), &[], "c-").await;
    assert_clean(&report, "memory");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_conforms() {
    let dir = common::TempDir::new("conf");
    let clock = ManualClock::new(1_700_000_000_000);
    let store = SqliteStore::open_with_clock(dir.0.join("c.db"), Synchronous::Normal, clock.clone()).unwrap();
    let report = conformance::run(&store, Some(clock), &[], "c-").await;
    assert_clean(&report, "sqlite");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_rejects_a_changed_partition_key_and_drops_stale_unique_keys() {
    let dir = common::TempDir::new("schema");
    let path = dir.0.join("s.db");
    let store = SqliteStore::open(&path, Synchronous::Full).unwrap();
    let mut def = atakora_runtime::store::ContainerDef {
        name: "things".into(),
        partition_key: vec!["/a".into()],
        default_ttl: None,
        unique_keys: vec![vec!["/email".into()]],
    };
    store.ensure(std::slice::from_ref(&def), true).await.unwrap();
    let key = atakora_runtime::store::PartitionKey::new(vec!["x".into()]);
    let doc = |id: &str| serde_json::json!({ "id": id, "a": "x", "email": "same" });
    store.create("things", &key, &doc("1")).await.unwrap();
    assert!(store.create("things", &key, &doc("2")).await.is_err());
    // Reopened with the unique key removed: the old index is dropped.
    drop(store);
    let store = SqliteStore::open(&path, Synchronous::Normal).unwrap();
    def.unique_keys.clear();
    store.ensure(std::slice::from_ref(&def), true).await.unwrap();
    store.create("things", &key, &doc("2")).await.unwrap();
    def.partition_key = vec!["/b".into()];
    let err = store.ensure(&[def], true).await.unwrap_err();
    assert!(err.to_string().contains("partition key"), "{err}");
}
