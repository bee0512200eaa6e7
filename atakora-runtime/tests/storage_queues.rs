//! Azure Storage queues (feature `storage-queues`) against azurite's queue service over HTTPS
//! with OAuth on (started by `.ci/services.sh`, found through `ATAKORA_AZURITE_QUEUES` and its
//! certificate `ATAKORA_AZURITE_CA`; required under CI). The app's identity is reached the
//! way a deployed Function App reaches it: the App Service identity endpoint named by
//! `IDENTITY_ENDPOINT`/`IDENTITY_HEADER`, served here on loopback, whose tokens azurite checks
//! (issuer, audience, lifetime). Shared Key runs use azurite's well-known account key.
#![cfg(feature = "storage-queues")]

mod common;

use atakora_runtime::functions::{DeadLetters, Endpoint, Failure, Handler, router};
use atakora_runtime::payload::Shape;
use atakora_runtime::storage_queues::StorageQueues;
use axum::extract::Request;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};
use tower_service::Service as _;

/// azurite's account key (public, in its documentation).
const DEV_KEY: &str = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const CLIENT_ID: &str = "11111111-2222-3333-4444-555555555555";
const IDENTITY_SECRET: &str = "identity-header-secret";

/// What the identity endpoint was asked: (query, X-IDENTITY-HEADER).
type TokenRequests = Arc<Mutex<Vec<(HashMap<String, String>, String)>>>;

struct Azurite {
    queues: String,
    tokens: TokenRequests,
}

/// azurite's queue service, with this process set up as a Function App would be: its
/// certificate trusted, its identity endpoint running. `None` (skipped) off CI without it.
fn azurite() -> Option<&'static Azurite> {
    static AZURITE: OnceLock<Option<Azurite>> = OnceLock::new();
    AZURITE
        .get_or_init(|| {
            let queues = common::service_url("ATAKORA_AZURITE_QUEUES")?;
            let ca = common::service_url("ATAKORA_AZURITE_CA")?;
            let tokens = TokenRequests::default();
            let endpoint = identity_endpoint(tokens.clone());
            // SAFETY: set once, before any test reads the environment (every test starts here).
            unsafe {
                std::env::set_var("SSL_CERT_FILE", ca);
                std::env::set_var("IDENTITY_ENDPOINT", endpoint);
                std::env::set_var("IDENTITY_HEADER", IDENTITY_SECRET);
                std::env::set_var("QUEUES__queueServiceUri", &queues);
                std::env::set_var("QUEUES__credential", "managedidentity");
                std::env::set_var("QUEUES__clientId", CLIENT_ID);
            }
            Some(Azurite { queues, tokens })
        })
        .as_ref()
}

/// An App Service identity endpoint on loopback (its own thread and runtime, so it outlives
/// each test's runtime): a token for the asked resource, valid for an hour.
fn identity_endpoint(seen: TokenRequests) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/msi/token", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = axum::Router::new().route(
                "/msi/token",
                axum::routing::get(move |req: Request| {
                    let seen = seen.clone();
                    async move {
                        let q: HashMap<String, String> =
                            form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes())
                                .into_owned()
                                .collect();
                        let header = req
                            .headers()
                            .get("x-identity-header")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_string();
                        let resource = q.get("resource").cloned().unwrap_or_default();
                        seen.lock().unwrap().push((q, header));
                        let exp = now() + 3600;
                        let body = json!({
                            "access_token": token(&resource, exp),
                            "expires_on": exp.to_string(),
                            "resource": resource,
                            "token_type": "Bearer",
                            "client_id": CLIENT_ID
                        });
                        ([("content-type", "application/json")], body.to_string())
                    }
                }),
            );
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    url
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// An Entra ID-shaped access token (azurite checks the claims, not the signature).
fn token(audience: &str, exp: u64) -> String {
    use base64::Engine as _;
    let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let iat = now() - 60;
    format!(
        "{}.{}.c2ln",
        b64(json!({ "alg": "RS256", "typ": "JWT" })),
        b64(json!({
            "aud": audience,
            "iss": "https://sts.windows.net/00000000-0000-0000-0000-000000000001/",
            "iat": iat, "nbf": iat, "exp": exp,
            "appid": CLIENT_ID
        }))
    )
}

/// A request of the test itself (not of the code under test), with a token of its own.
async fn admin(method: reqwest::Method, url: &str) -> (u16, String) {
    let r = reqwest::Client::new()
        .request(method, url)
        .header("x-ms-version", "2021-08-06")
        .header(
            "authorization",
            format!("Bearer {}", token("https://storage.azure.com", now() + 600)),
        )
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// A queue of this run (azurite outlives the test process).
async fn new_queue(az: &Azurite, name: &str) -> String {
    let q = format!("{name}-{}", std::process::id());
    let (status, body) = admin(reqwest::Method::PUT, &format!("{}/{q}", az.queues)).await;
    assert!(status == 201 || status == 204, "creating {q}: {status} {body}");
    q
}

/// The texts of the messages on `queue` (peeked, left in place).
async fn messages(az: &Azurite, queue: &str) -> Vec<String> {
    let (status, xml) = admin(
        reqwest::Method::GET,
        &format!("{}/{queue}/messages?peekonly=true&numofmessages=32", az.queues),
    )
    .await;
    assert_eq!(status, 200, "{xml}");
    xml.split("<MessageText>")
        .skip(1)
        .map(|m| {
            m.split("</MessageText>")
                .next()
                .unwrap()
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        })
        .collect()
}

/// The app's queues as a deployed app finds them: the settings its template writes.
fn with_identity(_: &Azurite) -> StorageQueues {
    // The settings were set once, with the rest of the environment, in `azurite()`.
    StorageQueues::from_env()
        .unwrap()
        .expect("QUEUES__queueServiceUri is set")
}

#[tokio::test]
async fn a_message_sent_with_the_apps_identity_arrives_as_its_json_text() {
    let Some(az) = azurite() else { return };
    let q = new_queue(az, "orders").await;
    let queues = with_identity(az);
    let text = json!({ "id": "o-1", "note": "<b> & \"c\" é ✓", "qty": 2 }).to_string();
    queues.send(&q, &text).await.unwrap();
    queues.send(&q, r#"{"id":"o-2"}"#).await.unwrap();
    assert_eq!(messages(az, &q).await, vec![text, r#"{"id":"o-2"}"#.to_string()]);
    // The token came from the app's user-assigned identity, for Azure Storage.
    let asked = az.tokens.lock().unwrap().clone();
    let (query, header) = asked.last().expect("a token was asked for");
    assert_eq!(
        query.get("resource").map(String::as_str),
        Some("https://storage.azure.com")
    );
    assert_eq!(query.get("client_id").map(String::as_str), Some(CLIENT_ID));
    assert_eq!(query.get("api-version").map(String::as_str), Some("2019-08-01"));
    assert_eq!(header, IDENTITY_SECRET);
}

#[tokio::test]
async fn peek_and_create_read_what_send_wrote_with_either_credential() {
    let Some(az) = azurite() else { return };
    let q = format!("peek-{}", std::process::id());
    let cs = format!(
        "DefaultEndpointsProtocol=https;AccountName=devstoreaccount1;AccountKey={DEV_KEY};QueueEndpoint={}",
        az.queues
    );
    for queues in [with_identity(az), StorageQueues::from_connection_string(&cs).unwrap()] {
        queues.create(&q).await.unwrap();
        queues.create(&q).await.unwrap(); // exists: fine
    }
    let queues = with_identity(az);
    queues.send(&q, r#"{"n":1,"s":"a&b"}"#).await.unwrap();
    queues.send(&q, r#"{"n":2}"#).await.unwrap();
    let keyed = StorageQueues::from_connection_string(&cs).unwrap();
    for peeked in [queues.peek(&q, 32).await.unwrap(), keyed.peek(&q, 32).await.unwrap()] {
        assert_eq!(peeked, [r#"{"n":1,"s":"a&b"}"#, r#"{"n":2}"#]);
    }
    assert_eq!(keyed.peek(&q, 1).await.unwrap().len(), 1);
    assert_eq!(messages(az, &q).await.len(), 2, "peeking leaves the messages in place");
    let e = keyed.peek("no-such-queue", 1).await.unwrap_err();
    assert!(e.contains("answered 404 QueueNotFound"), "{e}");
}

#[tokio::test]
async fn messages_never_expire() {
    let Some(az) = azurite() else { return };
    let q = new_queue(az, "ttl").await;
    with_identity(az).send(&q, "{}").await.unwrap();
    let (_, xml) = admin(
        reqwest::Method::GET,
        &format!("{}/{q}/messages?peekonly=true", az.queues),
    )
    .await;
    assert!(xml.contains("<ExpirationTime>Fri, 31 Dec 9999"), "{xml}");
}

#[tokio::test]
async fn a_shared_key_connection_string_signs_its_requests() {
    let Some(az) = azurite() else { return };
    let q = new_queue(az, "keys").await;
    let cs = format!(
        "DefaultEndpointsProtocol=https;AccountName=devstoreaccount1;AccountKey={DEV_KEY};QueueEndpoint={}",
        az.queues
    );
    let queues = StorageQueues::from_connection_string(&cs).unwrap();
    queues.send(&q, r#"{"signed":true}"#).await.unwrap();
    assert_eq!(messages(az, &q).await, vec![r#"{"signed":true}"#.to_string()]);

    let wrong = cs.replace(DEV_KEY, "d3Jvbmcga2V5");
    let e = StorageQueues::from_connection_string(&wrong)
        .unwrap()
        .send(&q, "{}")
        .await
        .unwrap_err();
    // Azure answers a wrong signature with 403 AuthenticationFailed, azurite with 400.
    let refused = [
        "answered 403 AuthenticationFailed",
        "answered 400 InvalidAuthenticationInfo",
    ];
    assert!(
        e.contains(&format!("queue `{q}`")) && refused.iter().any(|r| e.contains(r)),
        "{e}"
    );
    assert!(e.contains("the connection string's account key"), "{e}");
    assert_eq!(
        messages(az, &q).await.len(),
        1,
        "nothing was added by the refused request"
    );
}

#[tokio::test]
async fn a_missing_queue_an_oversized_message_and_an_unusable_character_are_clear_errors() {
    let Some(az) = azurite() else { return };
    let queues = with_identity(az);
    let e = queues.send("no-such-queue", "{}").await.unwrap_err();
    assert!(
        e.contains("queue `no-such-queue`") && e.contains("answered 404 QueueNotFound"),
        "{e}"
    );
    assert!(e.contains("the queue does not exist"), "{e}");

    let big = format!("\"{}\"", "x".repeat(64 * 1024));
    let e = queues.send("orders", &big).await.unwrap_err();
    assert_eq!(
        e,
        "the message for queue `orders` has 65538 bytes; Azure Storage queues take at most 65536"
    );
    let e = queues.send("orders", "a\u{1}b").await.unwrap_err();
    assert_eq!(
        e,
        "the message for queue `orders` contains U+0001, which a queue message cannot carry"
    );
}

#[tokio::test]
async fn a_permanent_failure_in_azure_is_dead_lettered_to_the_poison_queue() {
    let Some(az) = azurite() else { return };
    let q = new_queue(az, "work").await;
    // The template creates every queue's `-poison` twin.
    let poison_of_q = format!("{q}-poison");
    let (status, body) = admin(reqwest::Method::PUT, &format!("{}/{poison_of_q}", az.queues)).await;
    assert!(status == 201 || status == 204, "{status} {body}");
    let dead: Arc<dyn DeadLetters> = Arc::new(with_identity(az));
    let endpoint = Endpoint {
        name: "work".into(),
        handler: Handler::Payload {
            binding: "msg",
            shape: Shape::Message,
            queue: Some(q.clone()),
            run: Arc::new(|_| Box::pin(async { Err(Failure::Permanent("order o-9 has no lines".into())) })),
        },
    };
    let mut app = router(vec![endpoint], Some(dead));
    let invocation = json!({
        "Data": { "msg": "{\"id\":\"o-9\"}" },
        "Metadata": { "Id": "\"m-1\"", "DequeueCount": "1" }
    });
    let request = axum::http::Request::post("/work")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(invocation.to_string()))
        .unwrap();
    let response = app.call(request).await.unwrap();
    assert_eq!(response.status(), 200, "a dead-lettered message is done with");
    let letters = messages(az, &poison_of_q).await;
    assert_eq!(letters.len(), 1, "{letters:?}");
    let letter: Value = serde_json::from_str(&letters[0]).unwrap();
    assert_eq!(letter["function"], "work");
    assert_eq!(letter["queue"], q.as_str());
    assert_eq!(letter["error"], "order o-9 has no lines");
    assert_eq!(letter["permanent"], true);
    assert_eq!(letter["message"], json!({ "id": "o-9" }));
    assert_eq!(letter["messageId"], "m-1");
}
