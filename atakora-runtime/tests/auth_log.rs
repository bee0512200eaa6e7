//! The request log names the caller by `oid` and never carries the token, in a test binary of
//! its own (a thread-local subscriber must not race other tests for the call site's interest).

#[path = "auth_common/mod.rs"]
mod auth_common;
mod common;

use auth_common::*;
use common::Captured;
use serde_json::Value;

#[tokio::test]
async fn the_log_names_the_caller_and_never_the_token() {
    use tracing_subscriber::layer::SubscriberExt;
    let out = Captured::default();
    let writer = out.clone();
    let subscriber = tracing_subscriber::registry().with(atakora_runtime::server::request_log(move || writer.clone()));
    let _guard = tracing::subscriber::set_default(subscriber);
    let jwks = Jwks::serve(&[1]).await;
    let s = AuthServer::start(&jwks, std::time::Duration::from_secs(3600)).await;
    let alice = token(&claims("alice-oid", "tenant-a", &[]));
    assert_eq!(
        s.call("POST", "/api/orders", Some(&alice), Some(r#"{"id":"o1","total":1}"#))
            .await
            .status,
        201
    );
    assert_eq!(
        s.call("DELETE", "/api/orders/o1?userId=alice-oid", Some(&alice), None)
            .await
            .status,
        403
    );
    assert_eq!(s.call("GET", "/api/orders", None, None).await.status, 401);
    s.stop().await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let text = out.text();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(
        (lines[0]["caller"].as_str(), lines[0]["status"].as_u64()),
        (Some("alice-oid"), Some(201))
    );
    assert_eq!(
        (lines[1]["caller"].as_str(), lines[1]["status"].as_u64()),
        (Some("alice-oid"), Some(403))
    );
    assert_eq!((lines[2].get("caller"), lines[2]["status"].as_u64()), (None, Some(401)));
    let signature = alice.rsplit('.').next().unwrap();
    assert!(
        !text.contains(signature) && !text.contains("Bearer"),
        "the token is in the log"
    );
}
