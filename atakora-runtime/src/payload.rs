//! The Functions host's custom-handler payload protocol, for every function that is not a
//! proxied HTTP function (queue, timer and change-feed triggers): the host posts
//! `{"Data": {<binding>: value}, "Metadata": {...}}` to `POST /<function>` and reads back
//! `{"Outputs": {...}, "Logs": [...], "ReturnValue": ...}` from a 2xx response; any other status
//! fails the invocation.
//!
//! The host re-serialises every input that is not a JSON object, so a queue message or a
//! change-feed batch may arrive as a JSON string holding JSON (one or two levels, field reports
//! show both), metadata scalars arrive quoted (`"Id": "\"4434...\""`) and numbers as strings
//! (`"DequeueCount": "5"`). [`decode`] undoes all of that; change-feed documents lose the
//! system properties Cosmos DB adds (`_rid`, `_self`, `_etag`, `_attachments`, `_ts`, `_lsn`).

use serde_json::{Map, Value, json};

/// The system properties Cosmos DB adds to every document of a change-feed batch.
pub const SYSTEM_PROPERTIES: [&str; 6] = ["_rid", "_self", "_etag", "_attachments", "_ts", "_lsn"];

/// How many times a string input is unwrapped at most (the host's re-serialisation, once or
/// twice).
pub const MAX_UNWRAP: usize = 2;

/// One decoded invocation: the trigger binding's value and the metadata, both unwrapped.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    /// The binding's value: a queue message's JSON, a timer's `TimerInfo` object, or a
    /// change-feed batch as an array of documents.
    pub data: Value,
    /// The metadata, scalars unquoted.
    pub metadata: Map<String, Value>,
}

impl Invocation {
    /// A metadata value as text (`"Id"`, `"InsertionTime"`).
    pub fn metadata_str(&self, key: &str) -> Option<&str> {
        self.metadata.get(key).and_then(Value::as_str)
    }

    /// A metadata value as a number, whether the host sent `5` or `"5"` (`"DequeueCount"`).
    pub fn metadata_u64(&self, key: &str) -> Option<u64> {
        match self.metadata.get(key)? {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }
}

/// Why a payload could not be decoded (the host would not send it: a failure, not a retry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadError(pub String);

impl std::fmt::Display for PayloadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PayloadError {}

/// What kind of input the binding carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A queue message: any JSON value.
    Message,
    /// A timer's `TimerInfo`: an object.
    Timer,
    /// A change-feed batch: an array of documents.
    Batch,
}

/// Decode the body of `POST /<function>` for the trigger binding `binding` of shape `shape`.
pub fn decode(body: &[u8], binding: &str, shape: Shape) -> Result<Invocation, PayloadError> {
    let payload: Value =
        serde_json::from_slice(body).map_err(|e| PayloadError(format!("the invocation is not JSON: {e}")))?;
    let Value::Object(mut payload) = payload else {
        return Err(PayloadError("the invocation is not a JSON object".into()));
    };
    let mut data = match payload.remove("Data") {
        Some(Value::Object(d)) => d,
        Some(other) => return Err(PayloadError(format!("`Data` is not an object but {}", kind(&other)))),
        None => return Err(PayloadError("the invocation has no `Data`".into())),
    };
    let value = data
        .remove(binding)
        .ok_or_else(|| PayloadError(format!("`Data` has no `{binding}` binding")))?;
    let value = unwrap_strings(value, shape);
    let value = match (shape, value) {
        (Shape::Batch, Value::Array(items)) => Value::Array(items.into_iter().map(strip_system_properties).collect()),
        // One document (some host versions send a single change as an object).
        (Shape::Batch, Value::Object(o)) => Value::Array(vec![strip_system_properties(Value::Object(o))]),
        (Shape::Batch, other) => {
            return Err(PayloadError(format!(
                "a change-feed batch is an array, not {}",
                kind(&other)
            )));
        }
        (Shape::Timer, Value::Object(o)) => Value::Object(o),
        (Shape::Timer, other) => {
            return Err(PayloadError(format!(
                "a timer's input is an object, not {}",
                kind(&other)
            )));
        }
        (Shape::Message, v) => v,
    };
    let metadata = match payload.remove("Metadata") {
        Some(Value::Object(m)) => m.into_iter().map(|(k, v)| (k, unquote(v))).collect(),
        _ => Map::new(),
    };
    Ok(Invocation { data: value, metadata })
}

/// A string that holds JSON, unwrapped up to [`MAX_UNWRAP`] times while what it holds fits
/// the shape (a message stops at a string that is not JSON: it is the message's text).
pub fn unwrap_strings(mut value: Value, shape: Shape) -> Value {
    for _ in 0..MAX_UNWRAP {
        let Value::String(s) = &value else { break };
        match serde_json::from_str::<Value>(s) {
            Ok(inner) => {
                let fits = match shape {
                    Shape::Message => true,
                    Shape::Timer => inner.is_object() || inner.is_string(),
                    Shape::Batch => inner.is_array() || inner.is_object() || inner.is_string(),
                };
                if !fits {
                    break;
                }
                value = inner;
            }
            Err(_) => break,
        }
    }
    value
}

/// A document without the system properties Cosmos DB adds.
pub fn strip_system_properties(doc: Value) -> Value {
    match doc {
        Value::Object(mut o) => {
            for p in SYSTEM_PROPERTIES {
                o.remove(p);
            }
            Value::Object(o)
        }
        other => other,
    }
}

/// A quoted metadata scalar (`"\"abc\""`) as its value (`"abc"`); objects keep their keys,
/// each value unquoted.
pub fn unquote(v: Value) -> Value {
    match v {
        Value::String(s) if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') => {
            match serde_json::from_str::<Value>(&s) {
                Ok(Value::String(inner)) => Value::String(inner),
                _ => Value::String(s),
            }
        }
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, unquote(v))).collect()),
        other => other,
    }
}

/// The response of a successful invocation: always an object (the host base64-decodes string
/// outputs that happen to be valid base64), with the handler's log lines.
pub fn success(logs: Vec<String>) -> Value {
    json!({ "Outputs": {}, "Logs": logs, "ReturnValue": null })
}

/// The status and body of a failed invocation: non-2xx, so the host fails it (and retries a
/// queue message after its visibility timeout, or a change-feed batch under its retry policy).
pub fn failure(error: &str, logs: Vec<String>) -> (u16, Value) {
    let mut logs = logs;
    logs.push(format!("error: {error}"));
    (
        500,
        json!({ "Outputs": {}, "Logs": logs, "ReturnValue": null, "Error": error }),
    )
}

/// [`failure`] of a permanent error that was not dead-lettered (no dead-letter writer, or not
/// a queue): the same to the host, and `"Permanent": true` (a key the host ignores) so that
/// the local engine's run now can report it as permanent.
pub fn permanent_failure(error: &str, logs: Vec<String>) -> (u16, Value) {
    let (status, mut body) = failure(error, logs);
    body["Permanent"] = Value::Bool(true);
    (status, body)
}

/// Whether a failed invocation's answer says the error was permanent ([`permanent_failure`]).
pub fn is_permanent(answer: &Value) -> bool {
    answer.get("Permanent").and_then(Value::as_bool) == Some(true)
}

/// The dead-letter envelope a permanent failure writes to `<queue>-poison`: the message as it
/// came, why it failed, and where it came from, so nothing disappears silently.
pub fn dead_letter(function: &str, queue: &str, invocation: &Invocation, error: &str) -> Value {
    json!({
        "function": function,
        "queue": queue,
        "error": error,
        "permanent": true,
        "messageId": invocation.metadata_str("Id"),
        "dequeueCount": invocation.metadata_u64("DequeueCount"),
        "message": invocation.data,
    })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
