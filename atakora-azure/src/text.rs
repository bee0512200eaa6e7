//! The one JSON text form of every file atakora writes: two-space indentation, keys in
//! emission order, `"key": value`, empty containers as `[]` / `{}` — byte for byte what
//! `serde_json::to_string_pretty` writes.
//!
//! Written by hand because it runs in the user's build script, which cargo compiles without
//! optimisation: serde_json's generic serializer then spends most of its time in calls that an
//! optimised build would inline. This walk writes straight into one `String`, copies strings
//! that need no escaping in one piece, and starts at any depth, so a template's resources can
//! be rendered once each (to measure a part) and put into the part's text as they are.

use serde_json::Value;

/// `value` as text at nesting `depth` (0: a whole file; each level indents two spaces): the
/// first line is not indented, the following lines are.
pub(crate) fn write(out: &mut String, value: &Value, depth: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => {
            use std::fmt::Write as _;
            let _ = write!(out, "{n}");
        }
        Value::String(s) => string(out, s),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                write(out, item, depth + 1);
            }
            newline(out, depth);
            out.push(']');
        }
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Object(map) => {
            object(out, map, depth, None);
        }
    }
}

/// Where a member of an object is in its text (byte offsets into the `String` written to):
/// `start` is the line break before its key, `value` where its value starts, `end` just after
/// the value. A member before it ends at `start - 1`, with a comma; one after it starts at
/// `end + 1`, after a comma.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Member {
    pub start: usize,
    pub value: usize,
    pub end: usize,
}

/// A non-empty `map` as text at `depth` (as [`write`] writes it), and where its member `key`
/// is, when it has one: so a caller can change that member's value in the text without
/// rendering the rest again.
pub(crate) fn object(
    out: &mut String,
    map: &serde_json::Map<String, Value>,
    depth: usize,
    key: Option<&str>,
) -> Option<Member> {
    let mut found = None;
    out.push('{');
    for (i, (name, item)) in map.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let start = out.len();
        newline(out, depth + 1);
        string(out, name);
        out.push_str(": ");
        let value = out.len();
        write(out, item, depth + 1);
        if key == Some(name.as_str()) {
            found = Some(Member {
                start,
                value,
                end: out.len(),
            });
        }
    }
    newline(out, depth);
    out.push('}');
    found
}

/// A line break and the indentation of `depth`.
fn newline(out: &mut String, depth: usize) {
    const SPACES: &str = "                                                                ";
    out.push('\n');
    let mut left = depth * 2;
    while left > 0 {
        let n = left.min(SPACES.len());
        out.push_str(&SPACES[..n]);
        left -= n;
    }
}

/// `s` as a JSON string, escaped as serde_json escapes: `"` and `\`, the short forms of
/// backspace, form feed, newline, carriage return and tab, `\u00XX` for the other control
/// characters; everything else (`/`, non-ASCII) as it is.
fn string(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b >= 0x20 && b != b'"' && b != b'\\' {
            continue;
        }
        out.push_str(&s[start..i]);
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 0xf) as usize] as char);
            }
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(v: &Value) -> String {
        let mut s = String::new();
        write(&mut s, v, 0);
        s
    }

    #[test]
    fn the_same_text_as_serde_json() {
        let v = json!({
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "empty": {}, "none": [], "null": null, "yes": true, "no": false,
            "numbers": [0, -1, 18446744073709551615u64, 0.5, 1e300, -2.25e-7, 100.0],
            "strings": ["", "plain", "quote \" backslash \\ slash /", "\u{8}\u{c}\n\r\t\u{1}\u{1f}\u{7f}", "é ü 漢字 🙂"],
            "nested": [[[]], [{}], {"a": {"b": [1, {"c": "d"}]}}],
            "[format('{0}', parameters('x'))]": "keys are escaped too: \"k\""
        });
        assert_eq!(text(&v), serde_json::to_string_pretty(&v).unwrap());
        for scalar in [json!(null), json!(1), json!("s"), json!([]), json!({})] {
            assert_eq!(text(&scalar), serde_json::to_string_pretty(&scalar).unwrap());
        }
    }

    #[test]
    fn deep_values_indent_past_the_space_table() {
        let mut v = json!("leaf");
        for _ in 0..40 {
            v = json!({ "k": [v] });
        }
        assert_eq!(text(&v), serde_json::to_string_pretty(&v).unwrap());
    }

    #[test]
    fn a_value_written_at_a_depth_is_the_indented_whole_text() {
        let v = json!({"type": "t", "properties": {"list": [1, 2]}});
        let mut at_two = String::new();
        write(&mut at_two, &v, 2);
        let whole = serde_json::to_string_pretty(&v).unwrap();
        let indented: Vec<String> = whole
            .lines()
            .enumerate()
            .map(|(i, l)| if i == 0 { l.to_string() } else { format!("    {l}") })
            .collect();
        assert_eq!(at_two, indented.join("\n"));
    }
}
