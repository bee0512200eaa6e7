//! `cargo atakora invoke <function>`: run one function of a locally served backend now, through
//! the local engine's admin endpoint (`POST /admin/functions/<name>` with `{"input": "..."}`, as
//! the Functions host's), which answers loopback callers only. Plain HTTP to the local server:
//! no client library needed.

use crate::ui::Ui;
use crate::{Failure, Result};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The local server's address when neither `--url` nor `PORT` says otherwise.
pub const DEFAULT_URL: &str = "http://127.0.0.1:7071";

/// `host:port` of an `http://` URL (a path after it is ignored).
pub fn authority(url: &str) -> Result<String> {
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        Failure::new(format!(
            "`{url}`: the local server is reached over plain http (http://127.0.0.1:<port>)"
        ))
    })?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() {
        return Err(Failure::new(format!("`{url}` names no host")));
    }
    Ok(if host.contains(':') && !host.ends_with(']') {
        host.to_string()
    } else {
        format!("{host}:80")
    })
}

/// The request body: `input` (JSON text, a message or a batch) as the `input` string.
pub fn body(input: Option<&str>) -> Result<String> {
    if let Some(text) = input {
        serde_json::from_str::<serde_json::Value>(text)
            .map_err(|e| Failure::new(format!("--input is not JSON: {e}")))?;
    }
    Ok(serde_json::json!({ "input": input.unwrap_or_default() }).to_string())
}

/// Post the run-now request and report the answer; fails unless the function succeeded.
pub fn run(ui: &Ui, function: &str, input: Option<&str>, url: Option<&str>) -> Result<()> {
    let url = match url {
        Some(u) => u.to_string(),
        None => match std::env::var("PORT").ok().filter(|p| !p.is_empty()) {
            Some(port) => format!("http://127.0.0.1:{port}"),
            None => DEFAULT_URL.to_string(),
        },
    };
    let authority = authority(&url)?;
    let body = body(input)?;
    let path = format!("/admin/functions/{function}");
    let (status, answer) = post(&authority, &path, &body).map_err(|e| {
        Failure::new(format!(
            "cannot reach {url}: {e}\nhelp: is the backend served (`cargo run`)?"
        ))
    })?;
    println!("{answer}");
    if (200..300).contains(&status) {
        ui.line(&format!("  {} {function} ({status})", ui.green("ran:")));
        Ok(())
    } else {
        Err(Failure::new(format!("{function}: {url}{path} answered {status}")))
    }
}

fn post(authority: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(authority)?;
    s.set_read_timeout(Some(Duration::from_secs(300)))?;
    write!(
        s,
        "POST {path} HTTP/1.1\r\nhost: {authority}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let status = text
        .get(9..12)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("the answer is not HTTP"))?;
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let chunked = head.lines().any(|l| {
        l.to_ascii_lowercase().starts_with("transfer-encoding:") && l.to_ascii_lowercase().contains("chunked")
    });
    let answer = if chunked { dechunk(rest) } else { rest.to_string() };
    Ok((status, answer))
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_bodies() {
        assert_eq!(authority("http://127.0.0.1:7071").unwrap(), "127.0.0.1:7071");
        assert_eq!(authority("http://localhost/x").unwrap(), "localhost:80");
        assert!(authority("https://x.azurewebsites.net").is_err());
        assert_eq!(
            body(Some(r#"{"orderId":"o-1"}"#)).unwrap(),
            r#"{"input":"{\"orderId\":\"o-1\"}"}"#
        );
        assert_eq!(body(None).unwrap(), r#"{"input":""}"#);
        assert!(body(Some("not json")).is_err());
        assert_eq!(dechunk("5\r\nhello\r\n0\r\n\r\n"), "hello");
    }
}
