//! The structured request log, in a test binary of its own: a thread-local subscriber must
//! not race other tests for the log call site's interest.

mod common;

use common::*;
use serde_json::Value;

const MEMBER: &str = r#"{"id":"m1","tenantId":"acme","email":"ann@acme.test"}"#;

#[tokio::test]
async fn one_structured_log_line_per_request() {
    use tracing_subscriber::layer::SubscriberExt;
    let out = Captured::default();
    let writer = out.clone();
    let subscriber = tracing_subscriber::registry().with(atakora_runtime::server::request_log(move || writer.clone()));
    // The test runtime has one thread: the server's tasks log through this subscriber.
    let _guard = tracing::subscriber::set_default(subscriber);
    let dir = TempDir::new("log");
    let s = start_sqlite(&dir).await;
    let json = ("content-type", "application/json");
    s.send("POST", "/api/members", &[json, ("x-request-id", "req-1")], Some(MEMBER))
        .await;
    let trace = ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    s.send("GET", "/api/members/m1?tenantId=acme", &[trace], None).await;
    s.send("GET", "/api/members/m1?tenantId=acme", &[], None).await;
    s.send("POST", "/api/member-view", &[json], Some(MEMBER)).await;
    s.get("/health").await;
    s.stop().await;
    let text = out.text();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 5, "{text}");
    let l = &lines[0];
    assert_eq!(l["request_id"], "req-1");
    assert_eq!(l["component"], "members");
    assert_eq!(l["operation"], "create");
    assert_eq!(l["method"], "POST");
    assert_eq!(l["status"], 201);
    assert_eq!(l["store"], "sqlite");
    assert_eq!(l["level"], "INFO");
    assert!(l["duration_ms"].as_f64().unwrap() >= 0.0);
    assert!(l["timestamp"].is_string());
    assert_eq!(lines[1]["request_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(
        (lines[1]["operation"].as_str(), lines[1]["cache"].as_str()),
        (Some("read"), Some("miss"))
    );
    assert_eq!(lines[2]["cache"], "hit");
    let generated = lines[2]["request_id"].as_str().unwrap();
    assert!(
        generated.len() == 32 && generated.chars().all(|c| c.is_ascii_hexdigit()),
        "a generated id: {generated}"
    );
    assert_ne!(generated, lines[3]["request_id"].as_str().unwrap());
    assert_eq!(
        (lines[3]["component"].as_str(), lines[3]["status"].as_u64()),
        (Some("member_view"), Some(405))
    );
    assert_eq!(lines[4]["operation"], "health");
}
