//! The order processor's custom handler, over HTTP on a real server: payload-mode invocations
//! at `POST /<function>` (the host's payload shapes, double-encoded messages included), the
//! proxied HTTP function at its route, the readiness path, retries as non-2xx and permanent
//! failures dead-lettered.

use atakora::serve::{DeadLetters, functions_router};
use atakora_example_shop::ApiBackend;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What `Queue::send` put where, in order.
fn sent() -> &'static Mutex<Vec<(String, Value)>> {
    static SENT: OnceLock<Mutex<Vec<(String, Value)>>> = OnceLock::new();
    SENT.get_or_init(Default::default)
}

/// Records every message; refuses those for user `unreachable` (a dependency that is down).
struct Recording;

impl atakora::functions::QueueTransport for Recording {
    fn send(&self, queue: &'static str, body: String) -> atakora::functions::BoxFuture<Result<(), String>> {
        let value: Value = serde_json::from_str(&body).unwrap();
        let result = if value["userId"] == "unreachable" {
            Err("the queue service is unreachable".to_string())
        } else {
            sent().lock().unwrap().push((queue.to_string(), value));
            Ok(())
        };
        Box::pin(std::future::ready(result))
    }
}

#[derive(Default)]
struct Poison(Mutex<Vec<(String, Value)>>);

impl DeadLetters for Poison {
    fn write(&self, queue: &str, envelope: Value) -> atakora::functions::BoxFuture<Result<(), String>> {
        self.0.lock().unwrap().push((format!("{queue}-poison"), envelope));
        Box::pin(std::future::ready(Ok(())))
    }
}

async fn call(addr: std::net::SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nhost: localhost\r\nx-user-id: u-7\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    let status = out[9..12].parse().unwrap();
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn message(value: &Value) -> String {
    // The host re-serialises the message text: a JSON string holding the JSON, twice over.
    let once = serde_json::to_string(&value.to_string()).unwrap();
    json!({ "Data": { "msg": once }, "Metadata": { "DequeueCount": "1", "Id": "\"m-1\"" } }).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_order_processor_serves_its_invocations_and_routes() {
    assert!(atakora::functions::install_queue_transport(Box::new(Recording)));
    let endpoints = atakora::serve::function_endpoints::<ApiBackend>("order-processor");
    let names: Vec<&str> = endpoints.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["cleanup", "notify", "on_order", "process_order", "ship"]);
    let poison = Arc::new(Poison::default());
    let app = functions_router(endpoints, Some(poison.clone() as Arc<dyn DeadLetters>));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum_serve(listener, app).await });

    // The host's readiness poll.
    assert_eq!(call(addr, "GET", "/", "").await.0, 200);

    // A queue message: decoded from the double-encoded payload, handled, answered with an object.
    let (status, body) = call(
        addr,
        "POST",
        "/process_order",
        &message(&json!({ "orderId": "o-1", "userId": "u-1" })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({ "Outputs": {}, "Logs": [], "ReturnValue": null })
    );
    assert_eq!(
        sent().lock().unwrap().last().unwrap(),
        &(
            "notifications".to_string(),
            json!({ "userId": "u-1", "text": "order o-1 is being prepared" })
        )
    );

    // A retryable failure is a non-2xx: the host puts the message back.
    let (status, body) = call(
        addr,
        "POST",
        "/process_order",
        &message(&json!({ "orderId": "o-2", "userId": "unreachable" })),
    )
    .await;
    assert_eq!(status, 500, "{body}");
    assert!(body.contains("the queue service is unreachable"), "{body}");
    assert!(poison.0.lock().unwrap().is_empty());

    // A permanent failure, and a message that does not decode, are dead-lettered at once.
    let (status, body) = call(
        addr,
        "POST",
        "/process_order",
        &message(&json!({ "orderId": "", "userId": "u-3" })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("dead-lettered to orders-poison"), "{body}");
    let (status, _) = call(addr, "POST", "/process_order", &message(&json!({ "unexpected": true }))).await;
    assert_eq!(status, 200);
    let poisoned = poison.0.lock().unwrap().clone();
    assert_eq!(poisoned.len(), 2);
    assert_eq!(poisoned[0].0, "orders-poison");
    assert_eq!(poisoned[0].1["error"], "permanent: an order without an id");
    assert_eq!(poisoned[0].1["message"], json!({ "orderId": "", "userId": "u-3" }));
    assert_eq!(poisoned[0].1["messageId"], "m-1");
    assert!(
        poisoned[1].1["error"].as_str().unwrap().contains("missing field"),
        "{:?}",
        poisoned[1]
    );

    // A timer tick.
    let tick =
        json!({ "Data": { "timer": { "Schedule": {}, "ScheduleStatus": null, "IsPastDue": true } }, "Metadata": {} });
    assert_eq!(call(addr, "POST", "/cleanup", &tick.to_string()).await.0, 200);

    // The proxied HTTP function at its route, with its placeholder; other methods are refused.
    let (status, body) = call(addr, "POST", "/orders/o-9/ship", "").await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({ "orderId": "o-9" })
    );
    assert_eq!(
        sent().lock().unwrap().last().unwrap(),
        &("orders".to_string(), json!({ "orderId": "o-9", "userId": "u-7" }))
    );
    assert_eq!(call(addr, "GET", "/orders/o-9/ship", "").await.0, 405);

    // An invocation the host would never send fails with its reason.
    let (status, body) = call(addr, "POST", "/process_order", r#"{"Data": {}}"#).await;
    assert_eq!(status, 500);
    assert!(body.contains("`Data` has no `msg` binding"), "{body}");
}

async fn axum_serve(listener: tokio::net::TcpListener, app: atakora::serve::FunctionsRouter) {
    atakora::serve::serve_functions(listener, app).await.unwrap();
}
