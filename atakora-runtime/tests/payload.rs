//! The custom-handler payload decoder on fixtures written from the documented shapes
//! (`tests/fixtures/payloads`): double-encoded strings, quoted metadata, numbers as strings,
//! Cosmos DB system properties, and the response bodies.

use atakora_runtime::payload::{Shape, dead_letter, decode, failure, success};
use serde_json::json;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/payloads/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn a_queue_message_sent_as_json_text_arrives_as_its_object() {
    let i = decode(&fixture("queue_object.json"), "msg", Shape::Message).unwrap();
    assert_eq!(i.data, json!({ "orderId": "o-1" }));
    assert_eq!(i.metadata_str("Id"), Some("4434f1a5-5c3b-4c1c-b3c0-0a5c3f1e9d10"));
    assert_eq!(i.metadata_str("InsertionTime"), Some("2026-12-01T10:00:00+00:00"));
    assert_eq!(i.metadata_u64("DequeueCount"), Some(1));
    // The message's top-level properties appear in the metadata too, quoted.
    assert_eq!(i.metadata_str("orderId"), Some("o-1"));
    assert_eq!(i.metadata["sys"]["MethodName"], "process_order");
}

#[test]
fn a_doubly_encoded_message_is_unwrapped_twice() {
    let i = decode(&fixture("queue_double_encoded.json"), "msg", Shape::Message).unwrap();
    assert_eq!(i.data, json!({ "orderId": "o-2" }));
    assert_eq!(i.metadata_u64("DequeueCount"), Some(5));
}

#[test]
fn a_text_message_stays_text() {
    let i = decode(&fixture("queue_text.json"), "msg", Shape::Message).unwrap();
    assert_eq!(i.data, json!("hello"));
    assert_eq!(i.metadata_u64("DequeueCount"), Some(2));
}

#[test]
fn timer_info_arrives_as_an_object_or_a_string_of_one() {
    let i = decode(&fixture("timer.json"), "timer", Shape::Timer).unwrap();
    assert_eq!(i.data["IsPastDue"], true);
    assert_eq!(i.data["ScheduleStatus"]["Next"], "2026-12-01T10:05:00+00:00");
    let first = decode(&fixture("timer_first_run.json"), "timer", Shape::Timer).unwrap();
    assert_eq!(first.data["ScheduleStatus"], serde_json::Value::Null);
    assert_eq!(first.data["IsPastDue"], false);
}

#[test]
fn change_feed_batches_lose_their_system_properties() {
    let i = decode(&fixture("changes_string.json"), "batch", Shape::Batch).unwrap();
    assert_eq!(
        i.data,
        json!([{ "id": "o-1", "userId": "u-1" }, { "id": "o-2", "userId": "u-2" }])
    );
    let i = decode(&fixture("changes_array.json"), "batch", Shape::Batch).unwrap();
    assert_eq!(i.data, json!([{ "id": "o-3", "userId": "u-3" }]));
}

#[test]
fn malformed_invocations_are_refused_with_a_reason() {
    let e = |body: &str, shape| decode(body.as_bytes(), "msg", shape).unwrap_err().0;
    assert_eq!(e("[]", Shape::Message), "the invocation is not a JSON object");
    assert_eq!(e("{}", Shape::Message), "the invocation has no `Data`");
    assert_eq!(
        e(r#"{"Data": {"other": 1}}"#, Shape::Message),
        "`Data` has no `msg` binding"
    );
    assert_eq!(
        e(r#"{"Data": {"msg": 3}}"#, Shape::Batch),
        "a change-feed batch is an array, not a number"
    );
    assert_eq!(
        e(r#"{"Data": {"msg": [1]}}"#, Shape::Timer),
        "a timer's input is an object, not an array"
    );
    assert!(e("{", Shape::Message).starts_with("the invocation is not JSON"));
}

#[test]
fn responses_are_always_objects_and_failures_are_not_2xx() {
    assert_eq!(
        success(vec!["done".into()]),
        json!({ "Outputs": {}, "Logs": ["done"], "ReturnValue": null })
    );
    let (status, body) = failure("boom", vec![]);
    assert_eq!(status, 500);
    assert_eq!(body["Logs"], json!(["error: boom"]));
    assert!(body["Outputs"].is_object());
    let i = decode(&fixture("queue_double_encoded.json"), "msg", Shape::Message).unwrap();
    assert_eq!(
        dead_letter("process_order", "orders", &i, "an order without an id"),
        json!({
            "function": "process_order",
            "queue": "orders",
            "error": "an order without an id",
            "permanent": true,
            "messageId": "b2c9",
            "dequeueCount": 5,
            "message": { "orderId": "o-2" }
        })
    );
}
