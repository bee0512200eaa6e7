//! Azure Storage queues over their REST API (feature `storage-queues`): where a deployed
//! functions app's `Queue::send` puts messages and where its handler writes the dead letter of
//! a permanent failure (`<queue>-poison`).
//!
//! The connection is the one the template writes for the app's queue triggers: with
//! identities, `QUEUES__queueServiceUri` and the app's user-assigned identity
//! (`QUEUES__clientId`), an Entra ID token for `https://storage.azure.com`; with
//! `managed_identity = false`, `QUEUES` holds the account's connection string (a Key Vault
//! reference the platform resolves) and requests are signed with its key (Shared Key).
//!
//! Messages are the JSON text itself, not base64: the apps' `host.json` sets
//! `messageEncoding: none`. They never expire (`messagettl=-1`): nothing accepted is lost to
//! the service's default of seven days.

use atakora_core::contract::settings;
use atakora_core::spec::FunctionSpec;
use serde_json::Value;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The largest message text the queue service takes (64 KiB).
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// The storage REST API version the requests speak (Entra ID needs 2017-11-09 or later).
const API_VERSION: &str = "2021-08-06";

/// The token audience of Azure Storage.
const STORAGE_SCOPE: &str = "https://storage.azure.com/.default";

/// Attempts of one send: transient failures (connection errors, 408, 429, 5xx) are retried
/// after 0.5 s, 1 s and 2 s.
const ATTEMPTS: u32 = 4;

/// The queue service of one storage account (cheap to clone: clones share the HTTP client
/// and the credential's token cache).
#[derive(Clone)]
pub struct StorageQueues {
    /// `https://<account>.queue.core.windows.net`, without a trailing `/`.
    endpoint: Arc<str>,
    auth: Arc<Auth>,
    http: reqwest::Client,
}

enum Auth {
    Token(Arc<dyn azure_core::credentials::TokenCredential>),
    SharedKey { account: String, key: Vec<u8> },
}

impl StorageQueues {
    /// The queues the app settings name: `QUEUES__queueServiceUri` (identity) or `QUEUES` (a
    /// connection string). `Ok(None)` when neither is set: the app has no queues.
    pub fn from_env() -> Result<Option<StorageQueues>, String> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let c = settings::QUEUES;
        if let Some(uri) = var(&format!("{c}{}", settings::QUEUE_SERVICE_URI_SUFFIX)) {
            let client_id = var(&format!("{c}{}", settings::CLIENT_ID_SUFFIX));
            let credential = crate::identity::credential(client_id.as_deref())
                .map_err(|e| format!("{c}: no credential for the queue service at {uri}: {e}"))?;
            return StorageQueues::with_credential(&uri, credential).map(Some);
        }
        match var(c) {
            Some(cs) => StorageQueues::from_connection_string(&cs).map(Some),
            None => Ok(None),
        }
    }

    /// The queue service at `endpoint`, reached with Entra ID tokens from `credential`.
    pub fn with_credential(
        endpoint: &str,
        credential: Arc<dyn azure_core::credentials::TokenCredential>,
    ) -> Result<StorageQueues, String> {
        StorageQueues::new(endpoint, Auth::Token(credential))
    }

    /// The queue service of a storage connection string (`AccountName`, `AccountKey` and
    /// `QueueEndpoint` or `DefaultEndpointsProtocol` + `EndpointSuffix`), signed with its key.
    pub fn from_connection_string(connection: &str) -> Result<StorageQueues, String> {
        use base64::Engine as _;
        let part = |k: &str| crate::identity::connection_string_part(connection, k);
        let missing = |k: &str| format!("{}: the connection string has no {k}", settings::QUEUES);
        let account = part("AccountName").ok_or_else(|| missing("AccountName"))?;
        let key = part("AccountKey").ok_or_else(|| missing("AccountKey"))?;
        let key = base64::engine::general_purpose::STANDARD
            .decode(key.as_bytes())
            .map_err(|e| format!("{}: the AccountKey is not base64: {e}", settings::QUEUES))?;
        let endpoint = match part("QueueEndpoint") {
            Some(e) => e,
            None => {
                let protocol = part("DefaultEndpointsProtocol").unwrap_or_else(|| "https".to_string());
                let suffix = part("EndpointSuffix").unwrap_or_else(|| "core.windows.net".to_string());
                format!("{protocol}://{account}.queue.{suffix}")
            }
        };
        StorageQueues::new(&endpoint, Auth::SharedKey { account, key })
    }

    fn new(endpoint: &str, auth: Auth) -> Result<StorageQueues, String> {
        let parsed = reqwest::Url::parse(endpoint)
            .map_err(|e| format!("{}: `{endpoint}` is not a queue service URL: {e}", settings::QUEUES))?;
        if !matches!(parsed.scheme(), "https" | "http") {
            return Err(format!("{}: `{endpoint}` is not an http(s) URL", settings::QUEUES));
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| format!("no HTTP client: {e}"))?;
        Ok(StorageQueues {
            endpoint: endpoint.trim_end_matches('/').into(),
            auth: Arc::new(auth),
            http,
        })
    }

    /// The queue service's endpoint.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Put `text` on `queue`. Transient failures are retried; the error names the queue, the
    /// service's status and error code, and what to do.
    pub async fn send(&self, queue: &str, text: &str) -> Result<(), String> {
        if text.len() > MAX_MESSAGE_BYTES {
            return Err(format!(
                "the message for queue `{queue}` has {} bytes; Azure Storage queues take at most {MAX_MESSAGE_BYTES}",
                text.len()
            ));
        }
        let body = message_xml(text).map_err(|c| {
            format!(
                "the message for queue `{queue}` contains U+{:04X}, which a queue message cannot carry",
                c as u32
            )
        })?;
        let put = Call {
            method: reqwest::Method::POST,
            path: format!("{queue}/messages"),
            query: vec![("messagettl", "-1".to_string())],
            body,
            expect: 201,
        };
        self.retried(queue, &put).await.map(drop)
    }

    /// The texts of up to `max` (1 to 32) messages at the front of `queue`, left in place:
    /// how an operator looks into a `-poison` queue.
    pub async fn peek(&self, queue: &str, max: u32) -> Result<Vec<String>, String> {
        let peek = Call {
            method: reqwest::Method::GET,
            path: format!("{queue}/messages"),
            query: vec![
                ("numofmessages", max.clamp(1, 32).to_string()),
                ("peekonly", "true".to_string()),
            ],
            body: String::new(),
            expect: 200,
        };
        let xml = self.retried(queue, &peek).await?;
        Ok(xml
            .split("<QueueMessage>")
            .skip(1)
            .filter_map(|m| xml_element(m, "MessageText"))
            .collect())
    }

    /// Create `queue` when it does not exist. The backend's template creates its queues; this
    /// is for tools and tests that bring their own.
    pub async fn create(&self, queue: &str) -> Result<(), String> {
        let create = Call {
            method: reqwest::Method::PUT,
            path: queue.to_string(),
            query: Vec::new(),
            body: String::new(),
            expect: 201,
        };
        match self.retried(queue, &create).await {
            Ok(_) => Ok(()),
            // 204: it exists already, with the same metadata.
            Err(e) if e.contains(" answered 204 ") => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// `call`, with transient failures retried; the answer's body.
    async fn retried(&self, queue: &str, call: &Call) -> Result<String, String> {
        let mut delay = Duration::from_millis(500);
        let mut attempt = 1;
        loop {
            match self.once(queue, call).await {
                Ok(body) => return Ok(body),
                Err(Attempt::Final(e)) => return Err(e),
                Err(Attempt::Transient(e)) if attempt >= ATTEMPTS => {
                    return Err(format!("{e} (after {ATTEMPTS} attempts)"));
                }
                Err(Attempt::Transient(_)) => {}
            }
            tokio::time::sleep(delay).await;
            delay *= 2;
            attempt += 1;
        }
    }

    async fn once(&self, queue: &str, call: &Call) -> Result<String, Attempt> {
        let date = http_date(SystemTime::now());
        let content_type = if call.body.is_empty() {
            ""
        } else {
            "application/xml; charset=utf-8"
        };
        let url = format!("{}/{}", self.endpoint, call.path);
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&call.query)
            .finish();
        let full = if query.is_empty() {
            url.clone()
        } else {
            format!("{url}?{query}")
        };
        let mut request = self
            .http
            .request(call.method.clone(), &full)
            .header("x-ms-version", API_VERSION)
            .header("x-ms-date", &date)
            .body(call.body.clone());
        if !content_type.is_empty() {
            request = request.header("content-type", content_type);
        }
        request = match &*self.auth {
            Auth::Token(credential) => {
                let token = credential.get_token(&[STORAGE_SCOPE], None).await.map_err(|e| {
                    Attempt::Transient(format!("no token for the queue service at {}: {e}", self.endpoint))
                })?;
                request.header("authorization", format!("Bearer {}", token.token.secret()))
            }
            Auth::SharedKey { account, key } => {
                let path = reqwest::Url::parse(&url)
                    .map(|u| u.path().to_string())
                    .unwrap_or_default();
                // The canonical query: `name:value` lines, sorted by name (the calls' names are
                // lowercase already).
                let mut query: Vec<String> = call.query.iter().map(|(k, v)| format!("{k}:{v}")).collect();
                query.sort();
                let to_sign = string_to_sign(
                    call.method.as_str(),
                    call.body.len(),
                    content_type,
                    &date,
                    account,
                    &path,
                    &query.join("\n"),
                );
                request.header("authorization", format!("SharedKey {account}:{}", sign(key, &to_sign)))
            }
        };
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return Err(Attempt::Transient(format!("queue `{queue}` at {}: {e}", self.endpoint))),
        };
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        if status == call.expect {
            return Ok(text);
        }
        let code = xml_element(&text, "Code").unwrap_or_default();
        let what = format!("queue `{queue}` at {} answered {status} {code}", self.endpoint);
        Err(match (status, code.as_str()) {
            (403, "AuthorizationPermissionMismatch") => Attempt::Final(format!(
                "{what}: the app's identity needs Storage Queue Data Message Sender (or Contributor) on the queue"
            )),
            (403, _) | (400, "InvalidAuthenticationInfo") => Attempt::Final(format!(
                "{what}: the service refused the credential ({})",
                match &*self.auth {
                    Auth::Token(_) => "an Entra ID token of the app's identity",
                    Auth::SharedKey { .. } => "the connection string's account key",
                }
            )),
            (404, _) => Attempt::Final(format!(
                "{what}: the queue does not exist; the backend's template creates it"
            )),
            (408 | 429 | 500..=599, _) => Attempt::Transient(what),
            _ => Attempt::Final(format!(
                "{what}: {}",
                xml_element(&text, "Message").unwrap_or_default().trim()
            )),
        })
    }
}

/// One request of the queue service: `<endpoint>/<path>?<query>`, answered with `expect`.
struct Call {
    method: reqwest::Method,
    path: String,
    query: Vec<(&'static str, String)>,
    body: String,
    expect: u16,
}

enum Attempt {
    Transient(String),
    Final(String),
}

impl crate::functions::DeadLetters for StorageQueues {
    fn write(&self, queue: &str, envelope: Value) -> crate::functions::BoxFuture<Result<(), String>> {
        let (queues, poison) = (self.clone(), format!("{queue}{}", FunctionSpec::POISON_SUFFIX));
        Box::pin(async move { queues.send(&poison, &envelope.to_string()).await })
    }
}

/// `<QueueMessage><MessageText>…</MessageText></QueueMessage>` with `text` escaped; the
/// first character XML 1.0 cannot carry, if any.
fn message_xml(text: &str) -> Result<String, char> {
    let mut out = String::with_capacity(text.len() + 64);
    out.push_str("<QueueMessage><MessageText>");
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => return Err(c),
            c => out.push(c),
        }
    }
    out.push_str("</MessageText></QueueMessage>");
    Ok(out)
}

/// The text of the first `<name>` element of an XML document, unescaped.
fn xml_element(xml: &str, name: &str) -> Option<String> {
    let start = xml.find(&format!("<{name}>"))? + name.len() + 2;
    let end = start + xml[start..].find(&format!("</{name}>"))?;
    Some(
        xml[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

/// Shared Key's string to sign for a request with only `x-ms-date` and `x-ms-version` among
/// the `x-ms-` headers (learn.microsoft.com, "Authorize with Shared Key"); `query` is the
/// canonical query (`name:value` lines, names lowercase and sorted).
fn string_to_sign(
    verb: &str,
    content_length: usize,
    content_type: &str,
    date: &str,
    account: &str,
    path: &str,
    query: &str,
) -> String {
    let length = if content_length == 0 {
        String::new()
    } else {
        content_length.to_string()
    };
    let mut s = String::new();
    // VERB, Content-Encoding, Content-Language, Content-Length, Content-MD5, Content-Type,
    // Date (empty: x-ms-date is sent), If-Modified-Since, If-Match, If-None-Match,
    // If-Unmodified-Since, Range.
    let _ = write!(s, "{verb}\n\n\n{length}\n\n{content_type}\n\n\n\n\n\n\n");
    let _ = write!(s, "x-ms-date:{date}\nx-ms-version:{API_VERSION}\n");
    let _ = write!(s, "/{account}{path}");
    if !query.is_empty() {
        let _ = write!(s, "\n{query}");
    }
    s
}

fn sign(key: &[u8], to_sign: &str) -> String {
    use base64::Engine as _;
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    base64::engine::general_purpose::STANDARD.encode(ring::hmac::sign(&key, to_sign.as_bytes()).as_ref())
}

/// `Wed, 02 Dec 2026 04:32:38 GMT` (RFC 1123, what `x-ms-date` takes).
fn http_date(t: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = t.duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let days = secs.div_euclid(86_400);
    let (year, month, day) = atakora_core::cron::civil_from_days(days);
    let rem = secs.rem_euclid(86_400);
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_escaped_and_illegal_characters_refused() {
        assert_eq!(
            message_xml(r#"{"a":"<b & c>"}"#).unwrap(),
            r#"<QueueMessage><MessageText>{"a":"&lt;b &amp; c&gt;"}</MessageText></QueueMessage>"#
        );
        assert_eq!(message_xml("a\u{1}b"), Err('\u{1}'));
        assert_eq!(
            message_xml("é\n"),
            Ok("<QueueMessage><MessageText>é\n</MessageText></QueueMessage>".into())
        );
    }

    #[test]
    fn dates_are_rfc1123() {
        assert_eq!(http_date(UNIX_EPOCH), "Thu, 01 Jan 1970 00:00:00 GMT");
        let t = UNIX_EPOCH + Duration::from_secs(1_796_185_958);
        assert_eq!(http_date(t), "Wed, 02 Dec 2026 04:32:38 GMT");
    }

    #[test]
    fn error_codes_are_read_from_the_service_answer() {
        let xml = "<?xml version=\"1.0\"?><Error><Code>QueueNotFound</Code><Message>The specified queue &amp; more</Message></Error>";
        assert_eq!(xml_element(xml, "Code").as_deref(), Some("QueueNotFound"));
        assert_eq!(
            xml_element(xml, "Message").as_deref(),
            Some("The specified queue & more")
        );
        assert_eq!(xml_element(xml, "Nope"), None);
    }

    #[test]
    fn the_string_to_sign_has_every_standard_header_slot() {
        let s = string_to_sign(
            "POST",
            12,
            "application/xml",
            "D",
            "acct",
            "/acct/q/messages",
            "messagettl:-1",
        );
        assert_eq!(
            s,
            "POST\n\n\n12\n\napplication/xml\n\n\n\n\n\n\nx-ms-date:D\nx-ms-version:2021-08-06\n/acct/acct/q/messages\nmessagettl:-1"
        );
    }

    #[test]
    fn connection_strings_give_the_queue_endpoint() {
        let q = StorageQueues::from_connection_string(
            "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net",
        )
        .unwrap();
        assert_eq!(q.endpoint(), "https://acct.queue.core.windows.net");
        let q = StorageQueues::from_connection_string(
            "AccountName=devstoreaccount1;AccountKey=a2V5;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1/",
        )
        .unwrap();
        assert_eq!(q.endpoint(), "http://127.0.0.1:10001/devstoreaccount1");
        let e = StorageQueues::from_connection_string("AccountName=a").err().unwrap();
        assert_eq!(e, "QUEUES: the connection string has no AccountKey");
    }
}
