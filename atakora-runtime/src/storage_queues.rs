//! Azure Storage queues (feature `storage-queues`) through the official SDK's queue client,
//! `azure_storage_queue`: where a deployed functions app's `Queue::send` puts messages and
//! where its handler writes the dead letter of a permanent failure (`<queue>-poison`).
//!
//! The connection is the one the template writes for the app's queue triggers: with
//! identities, `QUEUES__queueServiceUri` and the app's user-assigned identity
//! (`QUEUES__clientId`), an Entra ID token for `https://storage.azure.com` that the SDK's
//! bearer-token policy asks for and caches; with `managed_identity = false`, `QUEUES` holds
//! the account's connection string (a Key Vault reference the platform resolves). The SDK's
//! client takes only a token credential or a SAS URL, so for a connection string this module
//! adds a pipeline policy of its own that signs every request with the account key (Shared
//! Key). It is a per-try policy: it runs on each attempt after the SDK's own policies have
//! added their headers, right before the transport, so what it signs is what is sent.
//!
//! Messages are the JSON text itself, not base64: the apps' `host.json` sets
//! `messageEncoding: none`. They never expire (`messagettl=-1`): nothing accepted is lost to
//! the service's default of seven days.

use atakora_core::contract::settings;
use atakora_core::spec::FunctionSpec;
use azure_core::error::ErrorKind;
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{ClientOptions, Context, ExponentialRetryOptions, Request, RetryOptions, StatusCode, Url};
use azure_core::time::Duration;
use azure_storage_queue::models::{QueueClientPeekMessagesOptions, QueueClientSendMessageOptions, QueueMessage};
use azure_storage_queue::{QueueClient, QueueServiceClient, QueueServiceClientOptions};
use serde_json::Value;
use std::fmt::Write as _;
use std::sync::Arc;

/// The largest message text the queue service takes (64 KiB).
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Retries of one request after a transient failure (connection errors, 408, 429, 500, 502,
/// 503, 504: the SDK's retry policy), after about 0.5 s, 1 s and 2 s: four attempts in all.
const RETRIES: u32 = 3;

/// How long one attempt may take before it counts as a (retried) connection failure.
const ATTEMPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The queue service of one storage account (cheap to clone: clones share the SDK's pipeline,
/// its HTTP client and the credential's token cache).
#[derive(Clone)]
pub struct StorageQueues {
    /// `https://<account>.queue.core.windows.net`, without a trailing `/`.
    endpoint: Arc<str>,
    service: Arc<QueueServiceClient>,
    /// How the requests are authorized, for the error of a refused credential.
    keyed: bool,
}

impl StorageQueues {
    /// The queues the app settings name, read as the Functions host reads the triggers'
    /// connection: `QUEUES` (a connection string) when it has a value, else
    /// `QUEUES__queueServiceUri` with the app's identity. `Ok(None)` when no `QUEUES` setting
    /// exists: the app has no queues. Settings that name the connection but cannot reach it
    /// (an identity setting without the URI, a Key Vault reference the platform did not
    /// resolve) are refused, saying which.
    pub fn from_env() -> Result<Option<StorageQueues>, String> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let c = settings::QUEUES;
        if let Some(cs) = var(c) {
            if cs.starts_with("@Microsoft.KeyVault(") {
                return Err(format!(
                    "{c} is still the Key Vault reference `{cs}`: the platform could not resolve it (check the app's access to the vault and its keyVaultReferenceIdentity)"
                ));
            }
            return StorageQueues::from_connection_string(&cs).map(Some);
        }
        let uri_setting = format!("{c}{}", settings::QUEUE_SERVICE_URI_SUFFIX);
        let Some(uri) = var(&uri_setting) else {
            // `QUEUES` itself is unset or empty here: any other setting of the connection is a part.
            return match std::env::vars()
                .map(|(k, _)| k)
                .find(|k| settings::is_queue_setting(k) && k != c)
            {
                Some(k) => Err(format!(
                    "{k} is set but {uri_setting} is not: the queue service's URI is missing"
                )),
                None => Ok(None),
            };
        };
        let client_id = var(&format!("{c}{}", settings::CLIENT_ID_SUFFIX));
        let credential = crate::identity::credential(client_id.as_deref())
            .map_err(|e| format!("{c}: no credential for the queue service at {uri}: {e}"))?;
        StorageQueues::with_credential(&uri, credential).map(Some)
    }

    /// The queue service at `endpoint`, reached with Entra ID tokens from `credential`. The
    /// endpoint must be `https`: the SDK sends tokens over TLS only.
    pub fn with_credential(
        endpoint: &str,
        credential: Arc<dyn azure_core::credentials::TokenCredential>,
    ) -> Result<StorageQueues, String> {
        StorageQueues::new(endpoint, Some(credential), None)
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
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key);
        StorageQueues::new(&endpoint, None, Some(SharedKey { account, key }))
    }

    fn new(
        endpoint: &str,
        credential: Option<Arc<dyn azure_core::credentials::TokenCredential>>,
        shared_key: Option<SharedKey>,
    ) -> Result<StorageQueues, String> {
        // Without the trailing `/` the queue's name is appended as a path segment of its own
        // (`…/devstoreaccount1/<queue>`, not `…/devstoreaccount1//<queue>`).
        let trimmed = endpoint.trim_end_matches('/');
        let url = Url::parse(trimmed)
            .map_err(|e| format!("{}: `{endpoint}` is not a queue service URL: {e}", settings::QUEUES))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(format!("{}: `{endpoint}` is not an http(s) URL", settings::QUEUES));
        }
        let keyed = shared_key.is_some();
        let mut per_try: Vec<Arc<dyn Policy>> = vec![Arc::new(AttemptTimeout)];
        if let Some(key) = shared_key {
            // Last of the per-try policies, so it signs the headers every earlier policy set.
            per_try.push(Arc::new(key));
        }
        let options = QueueServiceClientOptions {
            client_options: ClientOptions {
                per_try_policies: per_try,
                retry: RetryOptions::exponential(ExponentialRetryOptions {
                    // The policy waits initial_delay × 2^n (plus up to 0.25 s): 0.5 s, 1 s, 2 s.
                    initial_delay: Duration::milliseconds(250),
                    max_retries: RETRIES,
                    max_delay: Duration::seconds(8),
                    // Above four timed-out attempts and their waits: the count is what stops.
                    max_total_elapsed: Duration::seconds(150),
                }),
                ..ClientOptions::default()
            },
            // The SDK's own service version (azurite is started with its version check off).
            ..QueueServiceClientOptions::default()
        };
        let service = QueueServiceClient::new(url, credential, Some(options))
            .map_err(|e| format!("{}: no queue client for `{endpoint}`: {e}", settings::QUEUES))?;
        Ok(StorageQueues {
            endpoint: trimmed.into(),
            service: Arc::new(service),
            keyed,
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
        if let Some(c) = unusable_char(text) {
            return Err(format!(
                "the message for queue `{queue}` contains U+{:04X}, which a queue message cannot carry",
                c as u32
            ));
        }
        let message = QueueMessage {
            message_text: Some(text.to_string()),
        };
        let content = message
            .try_into()
            .map_err(|e| format!("the message for queue `{queue}` could not be written as XML: {e}"))?;
        let options = QueueClientSendMessageOptions {
            message_time_to_live: Some(-1),
            ..Default::default()
        };
        self.queue(queue)?
            .send_message(content, Some(options))
            .await
            .map(drop)
            .map_err(|e| self.failure(queue, e))
    }

    /// The texts of up to `max` (1 to 32) messages at the front of `queue`, left in place:
    /// how an operator looks into a `-poison` queue.
    pub async fn peek(&self, queue: &str, max: u32) -> Result<Vec<String>, String> {
        if !(1..=32).contains(&max) {
            return Err(format!(
                "peek at queue `{queue}`: the service returns 1 to 32 messages at a time, not {max}"
            ));
        }
        let options = QueueClientPeekMessagesOptions {
            number_of_messages: Some(max as i32),
            ..Default::default()
        };
        let peeked = self
            .queue(queue)?
            .peek_messages(Some(options))
            .await
            .map_err(|e| self.failure(queue, e))?;
        let peeked = peeked.into_model().map_err(|e| self.failure(queue, e))?;
        Ok(peeked
            .items
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| m.message_text)
            .collect())
    }

    /// Create `queue` when it does not exist (the service answers 204 when it does, with the
    /// same metadata). The backend's template creates its queues; this is for tools and tests
    /// that bring their own.
    pub async fn create(&self, queue: &str) -> Result<(), String> {
        self.queue(queue)?
            .create(None)
            .await
            .map(drop)
            .map_err(|e| self.failure(queue, e))
    }

    /// Delete every message of `queue` (after its dead letters were dealt with, say).
    pub async fn clear(&self, queue: &str) -> Result<(), String> {
        self.queue(queue)?
            .clear(None)
            .await
            .map(drop)
            .map_err(|e| self.failure(queue, e))
    }

    fn queue(&self, queue: &str) -> Result<QueueClient, String> {
        self.service
            .queue_client(queue)
            .map_err(|e| format!("queue `{queue}` at {}: {e}", self.endpoint))
    }

    /// The SDK's error as the runtime words it: the queue, the status and the service's error
    /// code (its `x-ms-error-code` header, or the `<Code>` of the XML body), and what to do.
    fn failure(&self, queue: &str, e: azure_core::Error) -> String {
        let at = format!("queue `{queue}` at {}", self.endpoint);
        let (status, header_code, body) = match e.kind() {
            ErrorKind::HttpResponse {
                status, raw_response, ..
            } => (
                *status,
                raw_response
                    .as_ref()
                    .and_then(|r| r.headers().get_optional_string(&"x-ms-error-code".into())),
                raw_response.as_ref().map(|r| r.body().clone()),
            ),
            ErrorKind::Io | ErrorKind::Connection => {
                return format!("{at}: {} (after {} attempts)", causes(&e), RETRIES + 1);
            }
            ErrorKind::Credential => {
                return format!("{at}: no token for the queue service: {}", causes(&e));
            }
            _ => return format!("{at}: {}", causes(&e)),
        };
        let detail: ServiceError = body.and_then(|b| azure_core::xml::from_xml(b).ok()).unwrap_or_default();
        let code = header_code.or(detail.code).unwrap_or_default();
        let what = format!("{at} answered {} {code}", u16::from(status));
        match (status, code.as_str()) {
            (StatusCode::Forbidden, "AuthorizationPermissionMismatch") => format!(
                "{what}: the app's identity needs Storage Queue Data Message Sender (or Contributor) on the queue"
            ),
            (StatusCode::Forbidden, "AuthorizationFailure") => format!(
                "{what}: the storage account's network rules refused the request (is the app on the integrated subnet?): {}",
                detail.message.unwrap_or_default().trim()
            ),
            (StatusCode::Forbidden | StatusCode::Unauthorized, _)
            | (StatusCode::BadRequest, "InvalidAuthenticationInfo") => {
                format!(
                    "{what}: the service refused the credential ({}): {}",
                    if self.keyed {
                        "the connection string's account key"
                    } else {
                        "an Entra ID token of the app's identity"
                    },
                    detail.message.unwrap_or_default().trim()
                )
            }
            (StatusCode::NotFound, _) => {
                format!("{what}: the queue does not exist; the backend's template creates it")
            }
            (
                StatusCode::RequestTimeout
                | StatusCode::TooManyRequests
                | StatusCode::InternalServerError
                | StatusCode::BadGateway
                | StatusCode::ServiceUnavailable
                | StatusCode::GatewayTimeout,
                _,
            ) => format!("{what} (after {} attempts)", RETRIES + 1),
            _ => format!("{what}: {}", detail.message.unwrap_or_default().trim()),
        }
    }
}

impl crate::functions::DeadLetters for StorageQueues {
    fn write(&self, queue: &str, envelope: Value) -> crate::functions::BoxFuture<Result<(), String>> {
        let (queues, poison) = (self.clone(), format!("{queue}{}", FunctionSpec::POISON_SUFFIX));
        Box::pin(async move { queues.send(&poison, &envelope.to_string()).await })
    }
}

/// `e` and its sources, outermost first: the SDK wraps a transport error in what its retry
/// policy did ("retry policy expired…"), and the cause is what tells an operator what failed.
fn causes(e: &azure_core::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// The `<Error>` body of a refused request.
#[derive(Default, serde::Deserialize)]
struct ServiceError {
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(rename = "Message")]
    message: Option<String>,
}

/// The first character XML 1.0 cannot carry, if any: the SDK escapes markup but would send a
/// control character the service then refuses with a bare 400.
fn unusable_char(text: &str) -> Option<char> {
    text.chars()
        .find(|&c| !matches!(c, '\t' | '\n' | '\r') && ((c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}'))
}

/// Ends an attempt that takes longer than [`ATTEMPT_TIMEOUT`] as a connection error, which
/// the SDK's retry policy (before it in the pipeline) retries.
#[derive(Debug)]
struct AttemptTimeout;

#[async_trait::async_trait]
impl Policy for AttemptTimeout {
    async fn send(&self, ctx: &Context, request: &mut Request, next: &[Arc<dyn Policy>]) -> PolicyResult {
        match tokio::time::timeout(ATTEMPT_TIMEOUT, next[0].send(ctx, request, &next[1..])).await {
            Ok(result) => result,
            Err(_) => Err(azure_core::Error::with_message(
                ErrorKind::Connection,
                format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs()),
            )),
        }
    }
}

/// Shared Key authorization (learn.microsoft.com, "Authorize with Shared Key"): each attempt
/// gets a fresh `x-ms-date` and an `Authorization: SharedKey <account>:<signature>` header,
/// the HMAC-SHA256 with the account key of the request's string to sign.
struct SharedKey {
    account: String,
    key: ring::hmac::Key,
}

impl std::fmt::Debug for SharedKey {
    // The key stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedKey")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl Policy for SharedKey {
    async fn send(&self, ctx: &Context, request: &mut Request, next: &[Arc<dyn Policy>]) -> PolicyResult {
        use base64::Engine as _;
        let date = azure_core::time::to_rfc7231(&azure_core::time::OffsetDateTime::now_utc());
        request.insert_header("x-ms-date", date);
        let to_sign = string_to_sign(&self.account, request);
        let signature = ring::hmac::sign(&self.key, to_sign.as_bytes());
        let signature = base64::engine::general_purpose::STANDARD.encode(signature.as_ref());
        request.insert_header("authorization", format!("SharedKey {}:{signature}", self.account));
        next[0].send(ctx, request, &next[1..]).await
    }
}

/// Shared Key's string to sign for `request` as it will be sent: the verb, the standard
/// headers' slots, the `x-ms-` headers (lowercase, sorted) and the canonical resource
/// (`/<account><path>`, then the query's `name:value` lines, names lowercase and sorted,
/// values decoded, a repeated name's values sorted and joined by commas).
fn string_to_sign(account: &str, request: &Request) -> String {
    let headers = request.headers();
    let header = |name: &'static str| {
        headers
            .get_optional_str(&name.into())
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    // Since version 2015-02-21 an empty body's length is signed as an empty string; the
    // transport sets `content-length: 0` on empty PUTs and POSTs after this policy has run.
    let length = match request.body().len() {
        Some(0) | None => String::new(),
        Some(n) => n.to_string(),
    };
    let mut s = String::new();
    let _ = writeln!(s, "{}", request.method().as_str());
    for slot in ["content-encoding", "content-language"] {
        let _ = writeln!(s, "{}", header(slot));
    }
    let _ = writeln!(s, "{length}");
    for slot in [
        "content-md5",
        "content-type",
        // `Date` stays empty: `x-ms-date` is signed below.
        "date",
        "if-modified-since",
        "if-match",
        "if-none-match",
        "if-unmodified-since",
        "range",
    ] {
        let value = if slot == "date" { String::new() } else { header(slot) };
        let _ = writeln!(s, "{value}");
    }
    let mut ms: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.as_str().to_ascii_lowercase(), v.as_str().trim().to_string()))
        .filter(|(k, _)| k.starts_with("x-ms-"))
        .collect();
    ms.sort();
    for (k, v) in ms {
        let _ = writeln!(s, "{k}:{v}");
    }
    let url = request.url();
    let _ = write!(s, "/{account}{}", url.path());
    let mut query: Vec<(String, Vec<String>)> = Vec::new();
    for (k, v) in url.query_pairs() {
        let k = k.to_ascii_lowercase();
        match query.iter_mut().find(|(name, _)| *name == k) {
            Some((_, values)) => values.push(v.into_owned()),
            None => query.push((k, vec![v.into_owned()])),
        }
    }
    query.sort();
    for (k, mut values) in query {
        values.sort();
        let _ = write!(s, "\n{k}:{}", values.join(","));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_core::http::Method;

    #[test]
    fn characters_xml_cannot_carry_are_found() {
        assert_eq!(unusable_char(r#"{"a":"<b & c>"}"#), None);
        assert_eq!(unusable_char("a\u{1}b"), Some('\u{1}'));
        assert_eq!(unusable_char("é\n\t\r✓"), None);
        assert_eq!(unusable_char("x\u{FFFF}"), Some('\u{FFFF}'));
    }

    #[test]
    fn error_codes_are_read_from_the_service_answer() {
        let xml = "\u{FEFF}<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>QueueNotFound</Code><Message>The specified queue &amp; more</Message><AuthenticationErrorDetail>x</AuthenticationErrorDetail></Error>";
        let e: ServiceError = azure_core::xml::from_xml(xml).unwrap();
        assert_eq!(e.code.as_deref(), Some("QueueNotFound"));
        assert_eq!(e.message.as_deref(), Some("The specified queue & more"));
    }

    #[test]
    fn the_string_to_sign_has_every_standard_header_slot() {
        let url = Url::parse("https://acct.queue.core.windows.net/q/messages?messagettl=-1&B=2&b=1").unwrap();
        let mut request = Request::new(url, Method::Post);
        request.insert_header("x-ms-version", "V");
        request.insert_header("x-ms-date", "D");
        request.insert_header("x-ms-client-request-id", " r ");
        request.insert_header("content-type", "application/xml");
        request.insert_header("accept", "application/xml");
        request.set_body(azure_core::Bytes::from_static(b"<QueueMessage/>"));
        assert_eq!(
            string_to_sign("acct", &request),
            "POST\n\n\n15\n\napplication/xml\n\n\n\n\n\n\n\
             x-ms-client-request-id:r\nx-ms-date:D\nx-ms-version:V\n\
             /acct/q/messages\nb:1,2\nmessagettl:-1"
        );
        // An empty body's length is an empty slot, whatever the content-length header says.
        let mut put = Request::new(
            Url::parse("https://acct.queue.core.windows.net/q").unwrap(),
            Method::Put,
        );
        put.insert_header("content-length", "0");
        assert_eq!(string_to_sign("acct", &put), "PUT\n\n\n\n\n\n\n\n\n\n\n\n/acct/q");
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

    #[tokio::test]
    async fn connection_failures_are_retried_then_named() {
        // Nothing listens on port 1: every attempt is refused.
        let q = StorageQueues::from_connection_string(
            "AccountName=acct;AccountKey=a2V5;QueueEndpoint=http://127.0.0.1:1/acct",
        )
        .unwrap();
        let started = std::time::Instant::now();
        let e = q.send("orders", "{}").await.unwrap_err();
        assert!(e.starts_with("queue `orders` at http://127.0.0.1:1/acct: "), "{e}");
        assert!(e.ends_with("(after 4 attempts)"), "{e}");
        // Three waits of about 0.5 s, 1 s and 2 s.
        assert!(started.elapsed() >= std::time::Duration::from_millis(3500), "{e}");
    }

    #[test]
    fn queue_urls_are_the_endpoint_and_the_queue_name() {
        for endpoint in [
            "https://acct.queue.core.windows.net/",
            "https://127.0.0.1:10011/devstoreaccount1/",
        ] {
            let cs = format!("AccountName=acct;AccountKey=a2V5;QueueEndpoint={endpoint}");
            let q = StorageQueues::from_connection_string(&cs).unwrap();
            assert_eq!(q.queue("orders").unwrap().url().as_str(), format!("{endpoint}orders"));
        }
    }
}
