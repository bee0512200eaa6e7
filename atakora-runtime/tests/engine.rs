//! The local engine over real SQLite files, in tokio's paused time (timeouts, leases and
//! schedules pass without waiting): queue leases and redelivery, attempts and permanent
//! failures to `-poison`, durability across restarts, timers (schedule, no overlap, past due
//! after a restart), change-feed checkpoints across restarts and lost batches, run now. Every
//! queue and change-feed case runs with handlers called directly and through the custom
//! handler's router with the Functions host's payloads (`ATAKORA_LOCAL_PAYLOADS=azure`).

mod common;

use atakora_core::spec::{FunctionSpec, Trigger};
use atakora_runtime::engine::{Engine, EngineClock, EngineConfig, LocalFunction, Payloads, Running};
use atakora_runtime::functions::{BoxFuture, Endpoint, Failure, Handler};
use atakora_runtime::payload::{Invocation, Shape};
use atakora_runtime::store::{ContainerDef, LocalEngine, PartitionKey, Precondition, SqliteStore, Store, Synchronous};
use common::{Captured, TempDir};
use serde_json::{Map, Value, json};
use std::borrow::Cow;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// 2026-12-01T00:00:00Z.
const T0: i64 = 1_796_083_200_000;
const MINUTE: i64 = 60_000;

/// One call of a handler: when (engine clock), its input and metadata.
type Call = (i64, Value, Map<String, Value>);

/// What a handler saw.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<Call>>>);

impl Seen {
    fn all(&self) -> Vec<Call> {
        self.0.lock().unwrap().clone()
    }
    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

type Behaviour = Arc<dyn Fn(usize, &Value) -> BoxFuture<Result<(), Failure>> + Send + Sync>;

fn spec(name: &str, trigger: Trigger) -> &'static FunctionSpec {
    Box::leak(Box::new(FunctionSpec {
        name: Cow::Owned(name.to_string()),
        app: Cow::Borrowed("Worker"),
        trigger,
        always_ready: None,
    }))
}

/// A payload function that records each call, then behaves as `behaviour` (given the call's
/// number, from 0, and its input).
fn function(name: &str, trigger: Trigger, clock: EngineClock, seen: &Seen, behaviour: Behaviour) -> LocalFunction {
    let (binding, shape, queue) = match &trigger {
        Trigger::Queue { queue, .. } => ("msg", Shape::Message, Some(queue.to_string())),
        Trigger::Timer { .. } => ("timer", Shape::Timer, None),
        Trigger::Changes { .. } => ("batch", Shape::Batch, None),
        Trigger::Http { .. } => unreachable!(),
    };
    let seen = seen.clone();
    LocalFunction {
        app: "worker".into(),
        spec: spec(name, trigger),
        endpoint: Endpoint {
            name: name.to_string(),
            handler: Handler::Payload {
                binding,
                shape,
                queue,
                run: Arc::new(move |inv: Invocation| {
                    let n = {
                        let mut s = seen.0.lock().unwrap();
                        s.push((clock.now_ms(), inv.data.clone(), inv.metadata.clone()));
                        s.len() - 1
                    };
                    behaviour(n, &inv.data)
                }),
            },
        },
    }
}

fn ok() -> Behaviour {
    Arc::new(|_, _| Box::pin(async { Ok(()) }))
}

fn queue(name: &str, max_attempts: u32) -> Trigger {
    Trigger::Queue {
        queue: Cow::Owned(name.to_string()),
        max_attempts,
    }
}

fn config(payloads: Payloads) -> EngineConfig {
    EngineConfig {
        lease: Duration::from_secs(30),
        poll: Duration::from_millis(200),
        feed_poll: Duration::from_millis(200),
        payloads,
        ..EngineConfig::default()
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

async fn open(path: &Path) -> Arc<SqliteStore> {
    let store = Arc::new(SqliteStore::open(path, Synchronous::Normal).unwrap());
    store.ensure(&[orders()], true).await.unwrap();
    store
}

fn engine(store: &Arc<SqliteStore>, functions: Vec<LocalFunction>, config: EngineConfig, clock: EngineClock) -> Engine {
    let local: Arc<dyn LocalEngine> = store.clone();
    Engine::new(local, functions, &[("Order".into(), "orders".into())], config, clock).unwrap()
}

/// Wait until `done` holds, moving the engine's (paused) clock on a second at a time; fails
/// after a real minute. The clock moves only here: first the store's writer thread gets a
/// moment to finish what it was asked (tokio's auto-advance would otherwise jump the clock
/// ahead while the engine waits for the disk), then the second passes.
async fn until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !done().await {
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}");
        for _ in 0..3 {
            std::thread::sleep(Duration::from_micros(300));
            tokio::task::yield_now().await;
        }
        tokio::time::advance(Duration::from_secs(1)).await;
    }
}

async fn queued(store: &Arc<SqliteStore>, queue: &str) -> Vec<atakora_runtime::store::QueueMessage> {
    store.messages(queue).await.unwrap()
}

const MODES: [Payloads; 2] = [Payloads::Direct, Payloads::Azure];

#[tokio::test(start_paused = true)]
async fn a_failing_message_comes_back_and_moves_to_poison_after_max_attempts() {
    for mode in MODES {
        let dir = TempDir::new("engine-poison");
        let store = open(&dir.0.join("app.db")).await;
        let clock = EngineClock::starting_at(T0);
        let seen = Seen::default();
        let failing: Behaviour =
            Arc::new(|_, _| Box::pin(async { Err(Failure::Retry("the mail server is down".into())) }));
        let e = engine(
            &store,
            vec![function("mail", queue("mail", 3), clock, &seen, failing)],
            config(mode),
            clock,
        );
        let running = e.start().await.unwrap();
        e.send("mail", r#"{"to":"ada"}"#).await.unwrap();
        until("the poison message", async || {
            queued(&store, "mail-poison").await.len() == 1
        })
        .await;
        let counts: Vec<Value> = seen.all().iter().map(|(_, _, m)| m["DequeueCount"].clone()).collect();
        match mode {
            Payloads::Direct => assert_eq!(counts, [json!(1), json!(2), json!(3)]),
            // Through the decoder: the host's quoted numbers, unquoted.
            Payloads::Azure => assert_eq!(counts, [json!("1"), json!("2"), json!("3")]),
        }
        assert_eq!(seen.all()[0].1, json!({ "to": "ada" }), "{mode:?}");
        assert!(queued(&store, "mail").await.is_empty());
        // After max_attempts the host moves the message itself, unchanged.
        assert_eq!(queued(&store, "mail-poison").await[0].body, r#"{"to":"ada"}"#);
        running.stop().await;
        assert_eq!(seen.len(), 3);
    }
}

#[tokio::test(start_paused = true)]
async fn a_permanent_failure_is_dead_lettered_at_once_with_why() {
    for mode in MODES {
        let dir = TempDir::new("engine-permanent");
        let store = open(&dir.0.join("app.db")).await;
        let clock = EngineClock::starting_at(T0);
        let seen = Seen::default();
        let refusing: Behaviour =
            Arc::new(|_, _| Box::pin(async { Err(Failure::Permanent("an order without an id".into())) }));
        let e = engine(
            &store,
            vec![function("process_order", queue("orders", 5), clock, &seen, refusing)],
            config(mode),
            clock,
        );
        let running = e.start().await.unwrap();
        e.send("orders", r#"{"orderId":""}"#).await.unwrap();
        until("the dead letter", async || {
            queued(&store, "orders-poison").await.len() == 1
        })
        .await;
        let envelope: Value = serde_json::from_str(&queued(&store, "orders-poison").await[0].body).unwrap();
        assert_eq!(envelope["function"], "process_order", "{mode:?}");
        assert_eq!(envelope["queue"], "orders");
        assert_eq!(envelope["permanent"], true);
        assert_eq!(envelope["error"], "an order without an id");
        assert_eq!(envelope["message"], json!({ "orderId": "" }));
        assert_eq!(envelope["dequeueCount"], 1);
        // Through the router the envelope is written first, then the message deleted.
        until("the message to leave its queue", async || {
            queued(&store, "orders").await.is_empty()
        })
        .await;
        running.stop().await;
        assert_eq!(seen.len(), 1, "{mode:?}: not retried");
    }
}

#[tokio::test(start_paused = true)]
async fn a_leased_message_stays_invisible_until_its_lease_runs_out_even_across_a_crash() {
    let dir = TempDir::new("engine-lease");
    let path = dir.0.join("app.db");
    let clock = EngineClock::starting_at(T0);
    let store = open(&path).await;
    let first = Seen::default();
    // The handler never answers: the process dies while it runs.
    let hanging: Behaviour = Arc::new(|_, _| Box::pin(std::future::pending()));
    let e = engine(
        &store,
        vec![function("process_order", queue("orders", 5), clock, &first, hanging)],
        config(Payloads::Direct),
        clock,
    );
    let running = e.start().await.unwrap();
    e.send("orders", r#"{"orderId":"o-1"}"#).await.unwrap();
    until("the first delivery", async || first.len() == 1).await;
    let leased = queued(&store, "orders").await;
    assert_eq!(leased[0].dequeue_count, 1);
    let visible_at = leased[0].visible_at_ms;
    assert!((T0 + 30_000..=first.all()[0].0 + 30_000).contains(&visible_at));
    running.abort().await;
    drop((e, store));

    // Restarted on the same file at once: the message is still leased.
    let store = open(&path).await;
    let second = Seen::default();
    let e = engine(
        &store,
        vec![function("process_order", queue("orders", 5), clock, &second, ok())],
        config(Payloads::Direct),
        clock,
    );
    let running = e.start().await.unwrap();
    until("the redelivery", async || second.len() == 1).await;
    let (at, data, metadata) = second.all()[0].clone();
    assert!(
        at >= visible_at,
        "redelivered only after the lease: {} ms early",
        visible_at - at
    );
    assert_eq!(data, json!({ "orderId": "o-1" }));
    assert_eq!(metadata["DequeueCount"], 2);
    until("the message to be deleted", async || {
        queued(&store, "orders").await.is_empty()
    })
    .await;
    running.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_long_handler_keeps_its_lease_and_is_delivered_once() {
    let dir = TempDir::new("engine-renew");
    let store = open(&dir.0.join("app.db")).await;
    let clock = EngineClock::starting_at(T0);
    let seen = Seen::default();
    // 100 s of work against a 30 s lease: renewed every 15 s.
    let slow: Behaviour = Arc::new(|_, _| {
        Box::pin(async {
            tokio::time::sleep(Duration::from_secs(100)).await;
            Ok(())
        })
    });
    let e = engine(
        &store,
        vec![function("report", queue("reports", 5), clock, &seen, slow)],
        config(Payloads::Direct),
        clock,
    );
    let running = e.start().await.unwrap();
    e.send("reports", r#"{"month":11}"#).await.unwrap();
    until("the report to be done", async || {
        queued(&store, "reports").await.is_empty()
    })
    .await;
    assert!(clock.now_ms() - T0 >= 100_000);
    running.stop().await;
    assert_eq!(seen.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn queued_messages_survive_a_restart() {
    let dir = TempDir::new("engine-durable");
    let path = dir.0.join("app.db");
    let clock = EngineClock::starting_at(T0);
    {
        // Sent while nothing consumes them (the worker is not started), then the process ends.
        let store = open(&path).await;
        let e = engine(
            &store,
            vec![function("mail", queue("mail", 5), clock, &Seen::default(), ok())],
            config(Payloads::Direct),
            clock,
        );
        for to in ["ada", "grace", "edsger"] {
            e.send("mail", &json!({ "to": to }).to_string()).await.unwrap();
        }
    }
    let store = open(&path).await;
    assert_eq!(queued(&store, "mail").await.len(), 3);
    let seen = Seen::default();
    let e = engine(
        &store,
        vec![function("mail", queue("mail", 5), clock, &seen, ok())],
        config(Payloads::Direct),
        clock,
    );
    let running = e.start().await.unwrap();
    until("every message", async || queued(&store, "mail").await.is_empty()).await;
    running.stop().await;
    let mut to: Vec<String> = seen
        .all()
        .iter()
        .map(|(_, d, _)| d["to"].as_str().unwrap().to_string())
        .collect();
    to.sort();
    assert_eq!(to, ["ada", "edsger", "grace"]);
}

fn timer(schedule: &str) -> Trigger {
    Trigger::Timer {
        schedule: Cow::Owned(schedule.to_string()),
    }
}

/// Runs in flight now, and the most ever at once.
#[derive(Clone, Default)]
struct Runs(Arc<Mutex<(usize, usize)>>);

#[tokio::test(start_paused = true)]
async fn timers_run_on_their_utc_schedule_one_run_at_a_time() {
    let dir = TempDir::new("engine-timer");
    let store = open(&dir.0.join("app.db")).await;
    let clock = EngineClock::starting_at(T0);
    let seen = Seen::default();
    let runs = Runs::default();
    let r = runs.clone();
    // The first run takes 12 minutes: the 00:10 and 00:15 ticks fall while it runs.
    let behaviour: Behaviour = Arc::new(move |n, _| {
        let r = r.clone();
        Box::pin(async move {
            {
                let mut g = r.0.lock().unwrap();
                g.0 += 1;
                g.1 = g.1.max(g.0);
            }
            if n == 0 {
                tokio::time::sleep(Duration::from_secs(12 * 60)).await;
            }
            r.0.lock().unwrap().0 -= 1;
            Ok(())
        })
    });
    let e = engine(
        &store,
        vec![function("cleanup", timer("0 */5 * * * *"), clock, &seen, behaviour)],
        config(Payloads::Direct),
        clock,
    );
    let running = e.start().await.unwrap();
    until("four runs", async || seen.len() == 4).await;
    running.stop().await;
    let starts: Vec<i64> = seen.all().iter().map(|(t, _, _)| (t - T0) / MINUTE).collect();
    assert_eq!(starts, [5, 20, 25, 30], "minutes after 00:00 UTC");
    assert_eq!(runs.0.lock().unwrap().1, 1, "never two runs at once");
    let infos: Vec<Value> = seen.all().into_iter().map(|(_, d, _)| d).collect();
    assert_eq!(infos[0]["ScheduleStatus"], Value::Null, "the first run has no status");
    assert_eq!(infos[0]["IsPastDue"], false);
    assert_eq!(infos[1]["ScheduleStatus"]["Last"], "2026-12-01T00:05:00+00:00");
    assert_eq!(infos[1]["ScheduleStatus"]["Next"], "2026-12-01T00:20:00+00:00");
}

#[tokio::test(start_paused = true)]
async fn a_tick_missed_while_down_runs_once_past_due_after_a_restart() {
    let dir = TempDir::new("engine-past-due");
    let path = dir.0.join("app.db");
    let seen = Seen::default();
    {
        let store = open(&path).await;
        let clock = EngineClock::starting_at(T0);
        let e = engine(
            &store,
            vec![function("cleanup", timer("0 */5 * * * *"), clock, &seen, ok())],
            config(Payloads::Direct),
            clock,
        );
        let running = e.start().await.unwrap();
        until("the 00:05 run's status", async || {
            let status = store.state("timer:worker.cleanup").await.unwrap().unwrap_or_default();
            status.contains(&format!("\"last\":{}", T0 + 5 * MINUTE))
        })
        .await;
        running.stop().await;
    }
    // Down from 00:05 until 00:23: the 00:10, 00:15 and 00:20 ticks are missed.
    let store = open(&path).await;
    let clock = EngineClock::starting_at(T0 + 23 * MINUTE);
    let e = engine(
        &store,
        vec![function("cleanup", timer("0 */5 * * * *"), clock, &seen, ok())],
        config(Payloads::Azure),
        clock,
    );
    let running = e.start().await.unwrap();
    until("the catch-up and the 00:25 run", async || seen.len() == 3).await;
    running.stop().await;
    let all = seen.all();
    let at: Vec<i64> = all.iter().map(|(t, _, _)| (t - T0) / MINUTE).collect();
    assert_eq!(at, [5, 23, 25], "one catch-up run at start, then the schedule");
    assert_eq!(all[1].1["IsPastDue"], true);
    assert_eq!(all[1].1["ScheduleStatus"]["Last"], "2026-12-01T00:05:00+00:00");
    assert_eq!(all[1].1["ScheduleStatus"]["Next"], "2026-12-01T00:10:00+00:00");
    assert_eq!(all[2].1["IsPastDue"], false);
}

fn changes() -> Trigger {
    Trigger::Changes {
        entity: Cow::Borrowed("Order"),
    }
}

async fn put(store: &Arc<SqliteStore>, id: &str, total: f64) {
    let doc = json!({ "id": id, "userId": "u-1", "total": total });
    let key = PartitionKey::new(vec![json!("u-1")]);
    if store.create("orders", &key, &doc).await.is_err() {
        store.replace("orders", &key, &doc, &Precondition::None).await.unwrap();
    }
}

fn ids(seen: &Seen) -> Vec<Vec<String>> {
    seen.all()
        .iter()
        .map(|(_, d, _)| {
            d.as_array()
                .unwrap()
                .iter()
                .map(|x| x["id"].as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn the_change_feed_resumes_from_its_checkpoint_after_a_restart() {
    for mode in MODES {
        let dir = TempDir::new("engine-feed");
        let path = dir.0.join("app.db");
        let clock = EngineClock::starting_at(T0);
        let seen = Seen::default();
        {
            let store = open(&path).await;
            // Written before the function ever ran: a first run starts from now.
            put(&store, "before", 1.0).await;
            let e = engine(
                &store,
                vec![function("on_order", changes(), clock, &seen, ok())],
                config(mode),
                clock,
            );
            let running = e.start().await.unwrap();
            put(&store, "a", 10.0).await;
            until("a", async || ids(&seen).concat() == ["a"]).await;
            put(&store, "b", 20.0).await;
            until("b", async || ids(&seen).concat() == ["a", "b"]).await;
            let end = store.feed_end("orders").await.unwrap().to_string();
            until("the checkpoint", async || {
                store.state("leases:worker.on_order").await.unwrap() == Some(end.clone())
            })
            .await;
            running.stop().await;
            // While the app is down: a new order, a change to `a`, and one created and deleted.
            put(&store, "c", 30.0).await;
            put(&store, "a", 11.0).await;
            put(&store, "gone", 1.0).await;
            let key = PartitionKey::new(vec![json!("u-1")]);
            store.delete("orders", &key, "gone", &Precondition::None).await.unwrap();
        }
        let store = open(&path).await;
        let e = engine(
            &store,
            vec![function("on_order", changes(), clock, &seen, ok())],
            config(mode),
            clock,
        );
        let running = e.start().await.unwrap();
        until("the changes made while down", async || ids(&seen).concat().len() == 4).await;
        running.stop().await;
        let batches = ids(&seen);
        assert_eq!(
            batches.concat(),
            ["a", "b", "c", "a"],
            "{mode:?}: in order, latest versions, no deletes"
        );
        let last = seen.all().last().unwrap().1.clone();
        assert_eq!(last.as_array().unwrap().last().unwrap()["total"], 11.0);
        // System properties the host adds are gone before the handler sees the documents.
        assert!(last[0].get("_lsn").is_none());
    }
}

#[tokio::test(start_paused = true)]
async fn a_batch_that_keeps_failing_is_retried_then_logged_item_by_item_and_passed() {
    use tracing_subscriber::layer::SubscriberExt;
    for mode in MODES {
        let captured = Captured::default();
        let c = captured.clone();
        let subscriber = tracing_subscriber::registry().with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(move || c.clone()),
        );
        let _guard = tracing::subscriber::set_default(subscriber);
        let dir = TempDir::new("engine-feed-lost");
        let store = open(&dir.0.join("app.db")).await;
        let clock = EngineClock::starting_at(T0);
        let seen = Seen::default();
        // The batch holding `x` always fails; later batches succeed.
        let picky: Behaviour = Arc::new(|_, data| {
            let bad = data.as_array().is_some_and(|a| a.iter().any(|d| d["id"] == "x"));
            Box::pin(async move {
                if bad {
                    Err(Failure::Retry("the warehouse is down".into()))
                } else {
                    Ok(())
                }
            })
        });
        let cfg = EngineConfig {
            change_retries: 2,
            ..config(mode)
        };
        let e = engine(
            &store,
            vec![function("on_order", changes(), clock, &seen, picky)],
            cfg,
            clock,
        );
        let running = e.start().await.unwrap();
        put(&store, "x", 1.0).await;
        until("three attempts", async || seen.len() == 3).await;
        put(&store, "y", 2.0).await;
        until("the next batch", async || {
            ids(&seen).concat().contains(&"y".to_string())
        })
        .await;
        running.stop().await;
        let attempts: Vec<i64> = seen
            .all()
            .iter()
            .map(|(t, _, _)| (t - seen.all()[0].0) / 1000)
            .collect();
        assert_eq!(&attempts[..3], [0, 4, 12], "{mode:?}: 4 s, then 8 s");
        if mode == Payloads::Azure {
            // The host's retry context reaches the handler.
            assert_eq!(seen.all()[2].2["RetryContext"]["RetryCount"], 2);
        }
        let log = captured.text();
        let lost: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("change-feed document not processed"))
            .collect();
        assert_eq!(lost.len(), 1, "{mode:?}: {log}");
        assert!(lost[0].contains("ERROR") && lost[0].contains("id=\"x\""), "{}", lost[0]);
    }
}

async fn post(addr: std::net::SocketAddr, path: &str, body: &str) -> common::Resp {
    common::request(
        addr,
        "POST",
        path,
        &[("content-type", "application/json")],
        Some(body.as_bytes()),
    )
    .await
}

async fn admin_server(e: &Engine, bind: &str) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind(bind).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = e.admin_router();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap()
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_now_tells_a_permanent_failure_from_a_retryable_one_in_both_payload_modes() {
    for payloads in [Payloads::Direct, Payloads::Azure] {
        let dir = TempDir::new("engine-run-now-failures");
        let store = open(&dir.0.join("app.db")).await;
        let clock = EngineClock::system();
        let seen = Seen::default();
        let failing: Behaviour = Arc::new(|_, data| {
            let permanent = data["orderId"] == "";
            Box::pin(async move {
                Err(if permanent {
                    Failure::Permanent("an order without an id".into())
                } else {
                    Failure::Retry("the warehouse is down".into())
                })
            })
        });
        let e = engine(
            &store,
            vec![function("process_order", queue("orders", 5), clock, &seen, failing)],
            config(payloads),
            clock,
        );
        let addr = admin_server(&e, "127.0.0.1:0").await;
        for (input, permanent, error) in [
            (r#"{"input": "{\"orderId\":\"\"}"}"#, true, "an order without an id"),
            (r#"{"input": "{\"orderId\":\"o-1\"}"}"#, false, "the warehouse is down"),
        ] {
            let r = post(addr, "/admin/functions/process_order", input).await;
            assert_eq!(r.status, 500, "{payloads:?}: {}", r.body);
            let body: Value = serde_json::from_str(&r.body).unwrap();
            assert_eq!(body["permanent"], permanent, "{payloads:?}: {body}");
            assert_eq!(body["error"], error, "{payloads:?}: {body}");
        }
        assert!(
            queued(&store, "orders-poison").await.is_empty(),
            "run now dead-letters nothing"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_now_invokes_one_function_for_loopback_callers_only() {
    let dir = TempDir::new("engine-run-now");
    let store = open(&dir.0.join("app.db")).await;
    let clock = EngineClock::system();
    let seen = Seen::default();
    let refusing: Behaviour = Arc::new(|_, data| {
        let bad = data["orderId"] == "";
        Box::pin(async move {
            if bad {
                Err(Failure::Permanent("an order without an id".into()))
            } else {
                Ok(())
            }
        })
    });
    let e = engine(
        &store,
        vec![
            function("process_order", queue("orders", 5), clock, &seen, refusing),
            function("cleanup", timer("0 0 3 * * *"), clock, &seen, ok()),
        ],
        config(Payloads::Direct),
        clock,
    );
    let addr = admin_server(&e, "127.0.0.1:0").await;
    let r = post(
        addr,
        "/admin/functions/process_order",
        r#"{"input": "{\"orderId\":\"o-9\"}"}"#,
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(seen.all()[0].1, json!({ "orderId": "o-9" }));
    assert!(
        queued(&store, "orders").await.is_empty(),
        "run now does not go through the queue"
    );
    let r = post(addr, "/admin/functions/cleanup", "{}").await;
    assert_eq!(r.status, 202);
    assert_eq!(seen.all()[1].1["IsPastDue"], false);
    let r = post(
        addr,
        "/admin/functions/process_order",
        r#"{"input": "{\"orderId\":\"\"}"}"#,
    )
    .await;
    assert_eq!(r.status, 500);
    let body: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["permanent"], true);
    assert_eq!(body["error"], "an order without an id");
    let r = post(addr, "/admin/functions/nope", "{}").await;
    assert_eq!(r.status, 404);
    assert!(r.body.contains("worker.process_order"), "{}", r.body);

    // From another address of this machine, when it has one: refused.
    let Some(ip) = own_address() else {
        eprintln!("no non-loopback address here: the refusal is covered by is_loopback's unit test");
        return;
    };
    let addr = admin_server(&e, "0.0.0.0:0").await;
    let outside = std::net::SocketAddr::new(ip, addr.port());
    let r = post(outside, "/admin/functions/cleanup", "{}").await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(seen.len(), 3);
}

/// A non-loopback address of this machine (the one its default route leaves from).
fn own_address() -> Option<std::net::IpAddr> {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("192.0.2.1:9").ok()?;
    let ip = s.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[tokio::test]
async fn running_engines_are_dropped_cleanly() {
    // `Running` stops its workers when dropped (no task outlives the engine's owner).
    let dir = TempDir::new("engine-drop");
    let store = open(&dir.0.join("app.db")).await;
    let clock = EngineClock::system();
    let e = engine(
        &store,
        vec![function("mail", queue("mail", 5), clock, &Seen::default(), ok())],
        config(Payloads::Direct),
        clock,
    );
    let running: Running = e.start().await.unwrap();
    drop(running);
}

/// The queue and change-feed contract of both embedded stores, at explicit times.
#[tokio::test]
async fn both_embedded_stores_keep_leases_receipts_and_the_latest_version_feed() {
    use atakora_runtime::store::MemoryStore;
    let dir = TempDir::new("engine-stores");
    let sqlite = open(&dir.0.join("app.db")).await;
    let memory = Arc::new(MemoryStore::new());
    memory.ensure(&[orders()], true).await.unwrap();
    // Each store as the engine sees it and as the CRUD API does.
    type Both = (&'static str, Arc<dyn LocalEngine>, Arc<dyn Store>);
    let stores: [Both; 2] = [
        ("sqlite", sqlite.clone(), sqlite.clone()),
        ("memory", memory.clone(), memory.clone()),
    ];
    for (kind, q, docs) in stores {
        q.enqueue("jobs", "first", T0).await.unwrap();
        q.enqueue("jobs", "later", T0 + 60_000).await.unwrap();
        // Leased for 30 s: invisible until then, visible again after.
        let got = q.dequeue("jobs", 16, T0, 30_000).await.unwrap();
        assert_eq!(
            got.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
            ["first"],
            "{kind}"
        );
        assert_eq!((got[0].dequeue_count, got[0].visible_at_ms), (1, T0 + 30_000));
        assert!(
            q.dequeue("jobs", 16, T0 + 29_999, 30_000).await.unwrap().is_empty(),
            "{kind}"
        );
        let again = q.dequeue("jobs", 16, T0 + 30_000, 30_000).await.unwrap();
        assert_eq!(again[0].dequeue_count, 2, "{kind}");
        // The first lease's receipt no longer holds the message.
        assert!(!q.complete(&got[0]).await.unwrap(), "{kind}");
        assert!(!q.dead_letter(&got[0], "jobs-poison", "x", T0).await.unwrap());
        // Released for a retry in 5 s, then dead-lettered by its holder.
        assert!(q.release(&again[0], T0 + 35_000).await.unwrap());
        assert!(q.dequeue("jobs", 16, T0 + 34_000, 30_000).await.unwrap().is_empty());
        let third = q.dequeue("jobs", 16, T0 + 35_000, 30_000).await.unwrap();
        assert!(q.renew(&third[0], T0 + 99_000).await.unwrap());
        assert!(
            q.dead_letter(&third[0], "jobs-poison", "first", T0 + 36_000)
                .await
                .unwrap()
        );
        assert_eq!(q.messages("jobs-poison").await.unwrap()[0].body, "first", "{kind}");
        assert_eq!(q.messages("jobs").await.unwrap()[0].body, "later");

        // The feed: write order, latest versions, no deletes, checkpoints by position.
        let key = PartitionKey::new(vec![json!("u-1")]);
        let start = q.feed_end("orders").await.unwrap();
        for (id, total) in [("a", 1), ("b", 2), ("c", 3)] {
            docs.create("orders", &key, &json!({ "id": id, "userId": "u-1", "total": total }))
                .await
                .unwrap();
        }
        docs.replace(
            "orders",
            &key,
            &json!({ "id": "a", "userId": "u-1", "total": 10 }),
            &Precondition::None,
        )
        .await
        .unwrap();
        docs.delete("orders", &key, "b", &Precondition::None).await.unwrap();
        let feed = q.changes("orders", start, 100, T0).await.unwrap();
        let seen: Vec<Value> = feed.iter().map(|c| serde_json::from_str(&c.json).unwrap()).collect();
        assert_eq!(
            seen.iter()
                .map(|d| (d["id"].as_str().unwrap(), d["total"].as_i64().unwrap()))
                .collect::<Vec<_>>(),
            [("c", 3), ("a", 10)],
            "{kind}"
        );
        assert_eq!(q.feed_end("orders").await.unwrap(), feed[1].lsn);
        assert_eq!(q.changes("orders", feed[0].lsn, 100, T0).await.unwrap().len(), 1);
        q.set_state("leases:x.y", "7").await.unwrap();
        assert_eq!(q.state("leases:x.y").await.unwrap().as_deref(), Some("7"));
    }
}

#[tokio::test(start_paused = true)]
async fn a_stopped_engine_puts_the_messages_of_running_handlers_back() {
    let dir = TempDir::new("engine-stop");
    let store = open(&dir.0.join("app.db")).await;
    let clock = EngineClock::starting_at(T0);
    let seen = Seen::default();
    let hanging: Behaviour = Arc::new(|_, _| Box::pin(std::future::pending()));
    // A lease far longer than the test: only the stop can make the message visible again.
    let cfg = EngineConfig {
        lease: Duration::from_secs(3600),
        ..config(Payloads::Direct)
    };
    let e = engine(
        &store,
        vec![function("work", queue("work", 5), clock, &seen, hanging)],
        cfg,
        clock,
    );
    let running = e.start().await.unwrap();
    e.send("work", r#"{"n":1}"#).await.unwrap();
    until("the delivery", async || seen.len() == 1).await;
    running.stop().await;
    let left = queued(&store, "work").await;
    assert_eq!(left.len(), 1);
    assert!(
        left[0].visible_at_ms <= clock.now_ms(),
        "visible at once, not after its 30 s lease"
    );
    assert_eq!((left[0].dequeue_count, left[0].receipt.as_str()), (1, ""));
}
