//! `cargo atakora invoke` against the local engine's real admin endpoint: the function runs
//! with the given input, a failure or an unknown function fails the command.

use atakora_core::spec::{FunctionSpec, Trigger};
use atakora_runtime::engine::{Engine, EngineClock, EngineConfig, LocalFunction};
use atakora_runtime::functions::{Endpoint, Failure, Handler};
use atakora_runtime::payload::{Invocation, Shape};
use atakora_runtime::store::{LocalEngine, MemoryStore};
use serde_json::{Value, json};
use std::borrow::Cow;
use std::process::Command;
use std::sync::{Arc, Mutex};

fn process_order(seen: Arc<Mutex<Vec<Value>>>) -> LocalFunction {
    LocalFunction {
        app: "order-processor".into(),
        spec: Box::leak(Box::new(FunctionSpec {
            name: Cow::Borrowed("process_order"),
            app: Cow::Borrowed("OrderProcessor"),
            trigger: Trigger::Queue {
                queue: Cow::Borrowed("orders"),
                max_attempts: 5,
            },
            always_ready: None,
        })),
        endpoint: Endpoint {
            name: "process_order".into(),
            handler: Handler::Payload {
                binding: "msg",
                shape: Shape::Message,
                queue: Some("orders".into()),
                run: Arc::new(move |inv: Invocation| {
                    let empty = inv.data["orderId"] == "";
                    seen.lock().unwrap().push(inv.data);
                    Box::pin(async move {
                        if empty {
                            Err(Failure::Permanent("an order without an id".into()))
                        } else {
                            Ok(())
                        }
                    })
                }),
            },
        },
    }
}

fn invoke(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-atakora"))
        .arg("atakora")
        .arg("invoke")
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoke_runs_a_function_of_the_local_server_now() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let store: Arc<dyn LocalEngine> = Arc::new(MemoryStore::new());
    let engine = Engine::new(
        store,
        vec![process_order(seen.clone())],
        &[],
        EngineConfig::default(),
        EngineClock::system(),
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = engine.admin_router();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap()
    });
    let run = |args: Vec<String>| {
        tokio::task::spawn_blocking(move || invoke(&args.iter().map(String::as_str).collect::<Vec<_>>()))
    };

    let (ok, stdout, stderr) = run(vec![
        "process_order".into(),
        "--input".into(),
        r#"{"orderId":"o-1","userId":"u-1"}"#.into(),
        "--url".into(),
        url.clone(),
    ])
    .await
    .unwrap();
    assert!(ok, "{stderr}");
    assert_eq!(serde_json::from_str::<Value>(&stdout).unwrap()["status"], "succeeded");
    assert!(stderr.contains("ran: process_order (202)"), "{stderr}");
    assert_eq!(seen.lock().unwrap()[0], json!({ "orderId": "o-1", "userId": "u-1" }));

    let (ok, stdout, stderr) = run(vec![
        "process_order".into(),
        "--input".into(),
        r#"{"orderId":""}"#.into(),
        "--url".into(),
        url.clone(),
    ])
    .await
    .unwrap();
    assert!(!ok);
    assert_eq!(
        serde_json::from_str::<Value>(&stdout).unwrap()["error"],
        "an order without an id"
    );
    assert!(stderr.contains("answered 500"), "{stderr}");

    let (ok, stdout, _) = run(vec!["ship_it".into(), "--url".into(), url]).await.unwrap();
    assert!(!ok);
    assert!(stdout.contains("no function `ship_it`"), "{stdout}");
    assert_eq!(seen.lock().unwrap().len(), 2);
}
