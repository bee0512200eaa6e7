//! The structured request log: one JSON object per line, written by a `tracing` layer of its
//! own rather than `tracing-subscriber`'s generic JSON formatter. Every request writes one
//! line, so the line is built by hand into a reused buffer (fields in the order the event
//! gives them, strings escaped once, the timestamp computed without a calendar library) and
//! handed to the writer in one `write_all`: the log costs a small part of a point read
//! instead of a third of the handler (`docs/performance.md`).
//!
//! A line: `{"timestamp":"2026-12-02T10:04:05.123456Z","level":"INFO","message":"request",
//! "request_id":"…","component":"users",…}` — `None` fields are left out.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::io::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer};

/// The layer: formats each event it sees as one JSON line on `writer`.
pub(crate) struct JsonLines<W> {
    writer: W,
}

impl<W> JsonLines<W> {
    pub(crate) fn new(writer: W) -> JsonLines<W> {
        JsonLines { writer }
    }
}

thread_local! {
    /// The line being built: one per thread, reused, so a request allocates nothing here.
    static LINE: RefCell<String> = RefCell::new(String::with_capacity(512));
}

impl<S, W> Layer<S> for JsonLines<W>
where
    S: Subscriber,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        LINE.with(|line| {
            // A re-entrant event (a writer that logs) gets a fresh buffer, never a panic.
            let mut fresh = String::new();
            let mut guard = line.try_borrow_mut();
            let buf = match guard.as_deref_mut() {
                Ok(b) => b,
                Err(_) => &mut fresh,
            };
            buf.clear();
            buf.push_str("{\"timestamp\":\"");
            push_timestamp(buf, SystemTime::now());
            buf.push_str("\",\"level\":\"");
            buf.push_str(event.metadata().level().as_str());
            buf.push('"');
            event.record(&mut Fields { buf });
            buf.push_str("}\n");
            let _ = self.writer.make_writer().write_all(buf.as_bytes());
        });
    }
}

/// Writes each field as `,"name":value`.
struct Fields<'a> {
    buf: &'a mut String,
}

impl Fields<'_> {
    fn key(&mut self, field: &Field) {
        self.buf.push_str(",\"");
        push_escaped(self.buf, field.name());
        self.buf.push_str("\":");
    }
}

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.key(field);
        self.buf.push('"');
        push_escaped(self.buf, value);
        self.buf.push('"');
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.key(field);
        let _ = write!(self.buf, "{value}");
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.key(field);
        let _ = write!(self.buf, "{value}");
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.key(field);
        self.buf.push_str(if value { "true" } else { "false" });
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.key(field);
        if value.is_finite() {
            let _ = write!(self.buf, "{value}");
        } else {
            self.buf.push_str("null");
        }
    }

    /// `%value`, `?value` and the message: their text, as a JSON string.
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.key(field);
        self.buf.push('"');
        let _ = write!(Escaping(self.buf), "{value:?}");
        self.buf.push('"');
    }
}

/// A `fmt::Write` that escapes what it is given for a JSON string.
struct Escaping<'a>(&'a mut String);

impl fmt::Write for Escaping<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        push_escaped(self.0, s);
        Ok(())
    }
}

/// `s` escaped for the inside of a JSON string (RFC 8259 §7).
fn push_escaped(buf: &mut String, s: &str) {
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        buf.push_str(&s[start..i]);
        if escape.is_empty() {
            let _ = write!(buf, "\\u{b:04x}");
        } else {
            buf.push_str(escape);
        }
        start = i + 1;
    }
    buf.push_str(&s[start..]);
}

/// RFC 3339 in UTC with microseconds: `2026-12-02T10:04:05.123456Z`.
fn push_timestamp(buf: &mut String, now: SystemTime) {
    let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs() as i64;
    let (year, month, day) = atakora_core::cron::civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    let _ = write!(
        buf,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_micros()
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn strings_are_escaped_for_json() {
        let mut s = String::new();
        push_escaped(&mut s, "a\"b\\c\nd\u{1}é/");
        assert_eq!(s, r#"a\"b\\c\nd\u0001é/"#);
        let parsed: String = serde_json::from_str(&format!("\"{s}\"")).unwrap();
        assert_eq!(parsed, "a\"b\\c\nd\u{1}é/");
    }

    #[test]
    fn timestamps_are_rfc3339_utc_with_microseconds() {
        let mut s = String::new();
        // 2024-02-29T23:59:58.000042Z: a leap day, a second before the next day's minute.
        push_timestamp(&mut s, UNIX_EPOCH + Duration::new(1_709_251_198, 42_000));
        assert_eq!(s, "2024-02-29T23:59:58.000042Z");
        s.clear();
        push_timestamp(&mut s, UNIX_EPOCH);
        assert_eq!(s, "1970-01-01T00:00:00.000000Z");
    }
}
