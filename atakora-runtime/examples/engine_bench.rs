//! The local engine's benchmark (not a test; `docs/performance.md`, "Functions"):
//!
//! ```sh
//! cargo run --release -p atakora-runtime --example engine_bench -- [messages] [latency-samples]
//! ```
//!
//! - **Queue throughput**: a queue function with an empty handler drains `messages` messages
//!   from a SQLite file (pre-filled, then timed until the queue is empty), and takes
//!   `messages` messages sent by 16 concurrent senders while it runs (send + process). Each
//!   against the baseline of the same run: raw rusqlite on its own file with the same settings
//!   (WAL, `synchronous=NORMAL`), one `DELETE` per message for the drain, an `INSERT` and a
//!   `DELETE` per message for send + process, one transaction each.
//! - **Change-feed latency**: documents written one at a time through the store, from the
//!   start of the write to the change-feed handler seeing the document (p50, p99), against the
//!   write's own latency.
//!
//! Both payload modes: handlers called directly, and through the custom handler's router with
//! the Functions host's payloads.

use atakora_core::spec::{FunctionSpec, Trigger};
use atakora_runtime::engine::{Engine, EngineClock, EngineConfig, LocalFunction, Payloads};
use atakora_runtime::functions::{Endpoint, Handler};
use atakora_runtime::payload::{Invocation, Shape};
use atakora_runtime::store::{ContainerDef, LocalEngine, PartitionKey, SqliteStore, Store, Synchronous};
use serde_json::{Value, json};
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("atakora-engine-bench-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn spec(name: &str, trigger: Trigger) -> &'static FunctionSpec {
    Box::leak(Box::new(FunctionSpec {
        name: Cow::Owned(name.to_string()),
        app: Cow::Borrowed("Bench"),
        trigger,
        always_ready: None,
    }))
}

fn function(name: &str, trigger: Trigger, on: impl Fn(&Value) + Send + Sync + 'static) -> LocalFunction {
    let (binding, shape, queue) = match &trigger {
        Trigger::Queue { queue, .. } => ("msg", Shape::Message, Some(queue.to_string())),
        _ => ("batch", Shape::Batch, None),
    };
    LocalFunction {
        app: "bench".into(),
        spec: spec(name, trigger),
        endpoint: Endpoint {
            name: name.to_string(),
            handler: Handler::Payload {
                binding,
                shape,
                queue,
                run: Arc::new(move |inv: Invocation| {
                    on(&inv.data);
                    Box::pin(std::future::ready(Ok(())))
                }),
            },
        },
    }
}

fn orders() -> ContainerDef {
    ContainerDef {
        name: "orders".into(),
        partition_key: vec!["/userId".into()],
        default_ttl: None,
        unique_keys: vec![],
    }
}

fn raw(path: &Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
         CREATE TABLE q (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, body TEXT NOT NULL);",
    )
    .unwrap();
    c
}

/// Raw SQLite: messages per second of a `DELETE` per message (pre-filled), and of an `INSERT`
/// then a `DELETE` per message.
fn baseline(n: usize) -> (f64, f64) {
    let dir = scratch("baseline");
    let c = raw(&dir.join("raw.db"));
    let body = json!({ "orderId": "o-1", "userId": "u-1" }).to_string();
    {
        let tx = c.unchecked_transaction().unwrap();
        for i in 0..n {
            tx.execute(
                "INSERT INTO q (id, body) VALUES (?1, ?2)",
                rusqlite::params![format!("m{i}"), body],
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }
    let start = Instant::now();
    for _ in 0..n {
        let (seq, _body): (i64, String) = c
            .query_row("SELECT seq, body FROM q ORDER BY seq LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        c.execute("DELETE FROM q WHERE seq = ?1", [seq]).unwrap();
    }
    let drain = n as f64 / start.elapsed().as_secs_f64();
    let start = Instant::now();
    for i in 0..n {
        c.execute(
            "INSERT INTO q (id, body) VALUES (?1, ?2)",
            rusqlite::params![format!("s{i}"), body],
        )
        .unwrap();
        c.execute("DELETE FROM q WHERE id = ?1", [format!("s{i}")]).unwrap();
    }
    let both = n as f64 / start.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&dir);
    (drain, both)
}

async fn wait_for(count: &AtomicUsize, n: usize) {
    while count.load(Ordering::Relaxed) < n {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// The engine: messages per second drained (pre-filled), and sent and processed at once.
async fn queue(n: usize, payloads: Payloads) -> (f64, f64) {
    let dir = scratch("queue");
    let store = Arc::new(SqliteStore::open(dir.join("app.db"), Synchronous::Normal).unwrap());
    let local: Arc<dyn LocalEngine> = store.clone();
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    let f = function(
        "process",
        Trigger::Queue {
            queue: "orders".into(),
            max_attempts: 5,
        },
        move |_| {
            c.fetch_add(1, Ordering::Relaxed);
        },
    );
    let config = EngineConfig {
        payloads,
        ..EngineConfig::default()
    };
    let engine = Engine::new(local, vec![f], &[], config, EngineClock::system()).unwrap();
    let body = json!({ "orderId": "o-1", "userId": "u-1" }).to_string();
    for _ in 0..n {
        engine.send("orders", &body).await.unwrap();
    }
    let start = Instant::now();
    let running = engine.start().await.unwrap();
    wait_for(&count, n).await;
    while !store.messages("orders").await.unwrap().is_empty() {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let drain = n as f64 / start.elapsed().as_secs_f64();

    let start = Instant::now();
    let senders: Vec<_> = (0..16)
        .map(|s| {
            let (engine, body) = (engine.clone(), body.clone());
            tokio::spawn(async move {
                for _ in (s..n).step_by(16) {
                    engine.send("orders", &body).await.unwrap();
                }
            })
        })
        .collect();
    for s in senders {
        s.await.unwrap();
    }
    wait_for(&count, 2 * n).await;
    while !store.messages("orders").await.unwrap().is_empty() {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let both = n as f64 / start.elapsed().as_secs_f64();
    running.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
    (drain, both)
}

fn percentiles(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    let at = |p: f64| v[((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1];
    (at(0.50), at(0.99))
}

/// Write → change-feed handler, and the write alone: (p50, p99) of each.
async fn feed(k: usize, payloads: Payloads) -> ((Duration, Duration), (Duration, Duration)) {
    let dir = scratch("feed");
    let store = Arc::new(SqliteStore::open(dir.join("app.db"), Synchronous::Normal).unwrap());
    store.ensure(&[orders()], true).await.unwrap();
    let local: Arc<dyn LocalEngine> = store.clone();
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    let f = function("on_order", Trigger::Changes { entity: "Order".into() }, move |data| {
        for d in data.as_array().into_iter().flatten() {
            let _ = tx.send(d["id"].as_str().unwrap_or_default().to_string());
        }
    });
    let config = EngineConfig {
        payloads,
        ..EngineConfig::default()
    };
    let engine = Engine::new(
        local,
        vec![f],
        &[("Order".into(), "orders".into())],
        config,
        EngineClock::system(),
    )
    .unwrap();
    let running = engine.start().await.unwrap();
    let key = PartitionKey::new(vec![json!("u-1")]);
    let (mut seen, mut written) = (Vec::with_capacity(k), Vec::with_capacity(k));
    for i in 0..k {
        let id = format!("o-{i}");
        let doc = json!({ "id": id, "userId": "u-1", "productIds": ["p-1"], "total": 12.5 });
        let start = Instant::now();
        store.create("orders", &key, &doc).await.unwrap();
        written.push(start.elapsed());
        loop {
            let got = rx.recv().await.unwrap();
            if got == id {
                break;
            }
        }
        seen.push(start.elapsed());
    }
    running.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
    (percentiles(seen), percentiles(written))
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let n = args.first().copied().unwrap_or(20_000);
    let k = args.get(1).copied().unwrap_or(2_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (raw_drain, raw_both) = baseline(n);
    println!("queue throughput, {n} messages (messages/s; ratio to raw SQLite of the same run)");
    println!("| what | drain | send + process |");
    println!("|---|---:|---:|");
    println!("| raw SQLite (baseline) | {raw_drain:.0} | {raw_both:.0} |");
    let mut feeds = Vec::new();
    for payloads in [Payloads::Direct, Payloads::Azure] {
        let (drain, both) = rt.block_on(queue(n, payloads));
        println!(
            "| engine, {payloads:?} | {drain:.0} ({:.2}×) | {both:.0} ({:.2}×) |",
            drain / raw_drain,
            both / raw_both
        );
        feeds.push((payloads, rt.block_on(feed(k, payloads))));
    }
    println!();
    println!("change-feed latency, {k} documents written one at a time");
    println!("| what | p50 | p99 |");
    println!("|---|---:|---:|");
    for (payloads, ((p50, p99), (w50, w99))) in feeds {
        println!(
            "| write alone ({payloads:?} run, baseline) | {} | {} |",
            ms(w50),
            ms(w99)
        );
        println!(
            "| write → handler, {payloads:?} | {} ({:.1}×) | {} ({:.1}×) |",
            ms(p50),
            p50.as_secs_f64() / w50.as_secs_f64(),
            ms(p99),
            p99.as_secs_f64() / w99.as_secs_f64()
        );
    }
}
