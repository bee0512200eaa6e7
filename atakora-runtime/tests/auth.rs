//! Authentication against a real server and a real SQLite store: tokens signed with the test
//! keys, checked against a key set the test serves on 127.0.0.1.

#[path = "auth_common/mod.rs"]
mod auth_common;
mod common;

use auth_common::*;
use serde_json::{Value, json};
use std::time::Duration;

const HOUR: Duration = Duration::from_secs(3600);

/// A 401 with a Bearer challenge whose problem says `why` and never echoes the token.
fn assert_401(r: &common::Resp, why: &str, token: Option<&str>) {
    assert_eq!(r.status, 401, "{}", r.body);
    let challenge = r.header("www-authenticate").unwrap_or_default();
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    let p = r.json();
    assert_eq!(p["type"], "urn:atakora:problem:unauthorized");
    assert!(p["detail"].as_str().unwrap().contains(why), "{p}");
    assert_eq!(p["errors"][0]["path"], "authorization");
    if let Some(t) = token {
        let signature = t.rsplit('.').next().unwrap();
        assert!(
            !r.body.contains(signature) && !challenge.contains(signature),
            "the token is echoed"
        );
    }
}

fn unsigned(header: &Value, claims: &Value) -> String {
    use base64_url as b;
    format!("{}.{}.", b::encode(&header.to_string()), b::encode(&claims.to_string()))
}

/// base64url without padding, for hand-made tokens.
mod base64_url {
    pub fn encode(s: &str) -> String {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for c in s.as_bytes().chunks(3) {
            let n = c
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
            for i in 0..=c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        out
    }
}

#[tokio::test]
async fn tokens_that_prove_nothing_are_401() {
    let jwks = Jwks::serve(&[1]).await;
    let s = AuthServer::start(&jwks, HOUR).await;
    let alice = claims("alice", "tenant-a", &[]);

    let r = s.call("GET", "/api/orders", None, None).await;
    assert_401(&r, "no bearer token", None);
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));

    let r = request_with(&s, "Basic YWxpY2U6cHc=").await;
    assert_401(&r, "not `Bearer", None);

    let mut expired = alice.clone();
    expired["exp"] = json!(now() - 3600);
    let t = token(&expired);
    assert_401(&s.call("GET", "/api/orders", Some(&t), None).await, "expired", Some(&t));

    let mut early = alice.clone();
    early["nbf"] = json!(now() + 3600);
    let t = token(&early);
    assert_401(
        &s.call("GET", "/api/orders", Some(&t), None).await,
        "not valid yet",
        Some(&t),
    );

    let mut other_aud = alice.clone();
    other_aud["aud"] = json!("api://another-api");
    let t = token(&other_aud);
    assert_401(
        &s.call("GET", "/api/orders", Some(&t), None).await,
        "another audience",
        Some(&t),
    );

    let mut other_iss = alice.clone();
    other_iss["iss"] = json!("https://login.microsoftonline.com/tenant-b/v2.0");
    let t = token(&other_iss);
    assert_401(
        &s.call("GET", "/api/orders", Some(&t), None).await,
        "another issuer",
        Some(&t),
    );

    // Signed by a key the issuer never published, under its own and under a published kid.
    let t = sign_with(2, "atakora-test-2", &alice);
    assert_401(
        &s.call("GET", "/api/orders", Some(&t), None).await,
        "not in the issuer's key set",
        Some(&t),
    );
    let t = sign_with(2, "atakora-test-1", &alice);
    assert_401(
        &s.call("GET", "/api/orders", Some(&t), None).await,
        "signature does not verify",
        Some(&t),
    );

    let t = unsigned(&json!({ "alg": "none", "typ": "JWT" }), &alice);
    assert_401(
        &s.call("GET", "/api/orders", Some(&t), None).await,
        "signed with `none`",
        None,
    );

    let mut hs = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    hs.kid = Some("atakora-test-1".into());
    // HS256 with the public key's modulus as the secret: the classic key-confusion attack.
    let secret = key(1).1["n"].as_str().unwrap().to_string();
    let t = jsonwebtoken::encode(&hs, &alice, &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes())).unwrap();
    assert_401(
        &s.call("GET", "/api/orders", Some(&t), None).await,
        "signed with `HS256`",
        Some(&t),
    );

    assert_401(
        &s.call("GET", "/api/orders", Some("not-a-jwt"), None).await,
        "not a JWT",
        None,
    );

    let mut no_oid = alice.clone();
    no_oid.as_object_mut().unwrap().remove("oid");
    let t = token(&no_oid);
    assert_401(
        &s.call("GET", "/api/orders", Some(&t), None).await,
        "no `oid`",
        Some(&t),
    );

    // Within the clock skew allowance a just-expired token still counts.
    let mut skewed = alice.clone();
    skewed["exp"] = json!(now() - 20);
    assert_eq!(
        s.call("GET", "/api/orders", Some(&token(&skewed)), None).await.status,
        200
    );

    // The health route and the OpenAPI document stay anonymous.
    assert_eq!(s.call("GET", "/health", None, None).await.status, 200);
    let doc = s.call("GET", "/api/openapi.json", None, None).await.json();
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert_eq!(
        doc["paths"]["/api/orders/{id}"]["delete"]["security"],
        json!([{ "bearer": ["Orders.Admin"] }])
    );
    assert_eq!(
        doc["paths"]["/api/orders/{id}"]["get"]["security"],
        json!([{ "bearer": [] }])
    );
    assert!(doc["paths"]["/api/orders/{id}"]["delete"]["responses"]["403"].is_object());
    assert!(doc["paths"]["/api/products"]["post"]["responses"]["401"].is_object());
    assert!(doc["paths"]["/health"]["get"].get("security").is_none());
    s.stop().await;
}

async fn request_with(s: &AuthServer, authorization: &str) -> common::Resp {
    common::request(s.addr, "GET", "/api/orders", &[("authorization", authorization)], None).await
}

#[tokio::test]
async fn a_valid_token_without_the_role_is_403() {
    let jwks = Jwks::serve(&[1]).await;
    let s = AuthServer::start(&jwks, HOUR).await;
    let writer = token(&claims("w", "tenant-a", &["Catalog.Write"]));
    let reader = token(&claims("r", "tenant-a", &["Catalog.Read"]));
    let product = r#"{"id":"p1","name":"Tea"}"#;
    let r = s.call("POST", "/api/products", Some(&reader), Some(product)).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let p = r.json();
    assert_eq!(p["type"], "urn:atakora:problem:forbidden");
    assert!(p["detail"].as_str().unwrap().contains("`Catalog.Write`"), "{p}");
    assert_eq!(
        s.call("POST", "/api/products", Some(&writer), Some(product))
            .await
            .status,
        201
    );
    // Reading needs no role; updating and deleting do.
    assert_eq!(
        s.call("GET", "/api/products/p1?tenantId=tenant-a", Some(&reader), None)
            .await
            .status,
        200
    );
    let put = r#"{"id":"p1","name":"Green tea"}"#;
    assert_eq!(
        s.call("PUT", "/api/products/p1?tenantId=tenant-a", Some(&reader), Some(put))
            .await
            .status,
        403
    );
    assert_eq!(
        s.call("DELETE", "/api/products/p1?tenantId=tenant-a", Some(&reader), None)
            .await
            .status,
        403
    );
    assert_eq!(
        s.call("PUT", "/api/products/p1?tenantId=tenant-a", Some(&writer), Some(put))
            .await
            .status,
        200
    );
    // Orders: anyone creates their own; deleting needs Orders.Admin.
    let alice = token(&claims("alice", "tenant-a", &[]));
    assert_eq!(
        s.call("POST", "/api/orders", Some(&alice), Some(r#"{"id":"o1","total":5}"#))
            .await
            .status,
        201
    );
    assert_eq!(
        s.call("DELETE", "/api/orders/o1?userId=alice", Some(&alice), None)
            .await
            .status,
        403
    );
    let admin = token(&claims("alice", "tenant-a", &["Orders.Admin"]));
    assert_eq!(
        s.call("DELETE", "/api/orders/o1?userId=alice", Some(&admin), None)
            .await
            .status,
        204
    );
    s.stop().await;
}

fn ids(r: &common::Resp) -> Vec<String> {
    assert_eq!(r.status, 200, "{}", r.body);
    let mut v: Vec<String> = r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn each_owner_sees_and_changes_only_their_documents() {
    let jwks = Jwks::serve(&[1]).await;
    let s = AuthServer::start(&jwks, HOUR).await;
    let admin = ["Orders.Admin"];
    let alice = token(&claims("alice", "tenant-a", &admin));
    let bob = token(&claims("bob", "tenant-a", &admin));

    // The owner field is set from the token when left out, accepted when it is the caller's.
    let r = s
        .call("POST", "/api/orders", Some(&alice), Some(r#"{"id":"a1","total":10}"#))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["userId"], "alice");
    assert_eq!(r.header("location"), Some("/api/orders/a1?userId=alice"));
    assert_eq!(
        s.call(
            "POST",
            "/api/orders",
            Some(&alice),
            Some(r#"{"id":"a2","userId":"alice","total":11}"#)
        )
        .await
        .status,
        201
    );
    assert_eq!(
        s.call("POST", "/api/orders", Some(&bob), Some(r#"{"id":"b1","total":20}"#))
            .await
            .status,
        201
    );

    // A create that names another owner is refused, naming the field.
    let r = s
        .call(
            "POST",
            "/api/orders",
            Some(&bob),
            Some(r#"{"id":"b2","userId":"alice","total":1}"#),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(r.json()["errors"][0]["path"], "userId");

    // Lists are scoped to the caller, whatever the query asks for.
    assert_eq!(
        ids(&s.call("GET", "/api/orders", Some(&alice), None).await),
        ["a1", "a2"]
    );
    assert_eq!(
        ids(&s.call("GET", "/api/orders?limit=1", Some(&bob), None).await),
        ["b1"]
    );
    assert!(ids(&s.call("GET", "/api/orders?userId=alice", Some(&bob), None).await).is_empty());

    // Another owner's document is not found: read, replace, patch, delete.
    let theirs = "/api/orders/a1?userId=alice";
    assert_eq!(s.call("GET", theirs, Some(&bob), None).await.status, 404);
    assert_eq!(
        s.call(
            "PUT",
            theirs,
            Some(&bob),
            Some(r#"{"id":"a1","userId":"alice","total":0}"#)
        )
        .await
        .status,
        404
    );
    assert_eq!(
        s.call("PUT", theirs, Some(&bob), Some(r#"{"id":"a1","total":0}"#))
            .await
            .status,
        404
    );
    let patch = common::request(
        s.addr,
        "PATCH",
        theirs,
        &[
            ("content-type", "application/merge-patch+json"),
            ("authorization", &format!("Bearer {bob}")),
        ],
        Some(br#"{"total":0}"#),
    )
    .await;
    assert_eq!(patch.status, 404);
    assert_eq!(s.call("DELETE", theirs, Some(&bob), None).await.status, 404);
    // ... and it is untouched.
    let r = s.call("GET", theirs, Some(&alice), None).await;
    assert_eq!((r.status, r.json()["total"].as_f64()), (200, Some(10.0)));

    // The owner changes their own; a patch may not hand it to someone else.
    assert_eq!(
        s.call("PUT", theirs, Some(&alice), Some(r#"{"id":"a1","total":12}"#))
            .await
            .status,
        200
    );
    let give_away = common::request(
        s.addr,
        "PATCH",
        theirs,
        &[
            ("content-type", "application/merge-patch+json"),
            ("authorization", &format!("Bearer {alice}")),
        ],
        Some(br#"{"userId":"bob"}"#),
    )
    .await;
    assert_eq!(give_away.status, 403, "{}", give_away.body);
    assert_eq!(give_away.json()["errors"][0]["path"], "userId");
    assert_eq!(s.call("DELETE", theirs, Some(&alice), None).await.status, 204);
    assert_eq!(ids(&s.call("GET", "/api/orders", Some(&alice), None).await), ["a2"]);

    // Owner not in the partition key: the list filter is in the query, pages of one included.
    for (id, who) in [
        ("n1", &alice),
        ("n2", &bob),
        ("n3", &alice),
        ("n4", &bob),
        ("n5", &alice),
    ] {
        let body = format!(r#"{{"id":"{id}","board":"general","text":"hi"}}"#);
        assert_eq!(s.call("POST", "/api/notes", Some(who), Some(&body)).await.status, 201);
    }
    let mut seen = Vec::new();
    let mut next = String::from("/api/notes?limit=1");
    loop {
        let r = s.call("GET", &next, Some(&alice), None).await;
        let v = r.json();
        assert!(v["items"].as_array().unwrap().len() <= 1);
        seen.extend(
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].as_str().unwrap().to_string()),
        );
        match v["continuation"].as_str() {
            Some(t) => next = format!("/api/notes?limit=1&continuation={t}"),
            None => break,
        }
    }
    assert_eq!(seen, ["n1", "n3", "n5"]);
    assert_eq!(
        s.call("GET", "/api/notes/n2?board=general", Some(&alice), None)
            .await
            .status,
        404
    );
    assert_eq!(
        s.call("GET", "/api/notes/n2?board=general", Some(&bob), None)
            .await
            .json()["author"],
        "bob"
    );
    s.stop().await;
}

#[tokio::test]
async fn each_tenant_sees_and_changes_only_its_documents() {
    let jwks = Jwks::serve(&[1]).await;
    let s = AuthServer::start(&jwks, HOUR).await;
    let write = ["Catalog.Write"];
    let a = token(&claims("ann", "tenant-a", &write));
    let a2 = token(&claims("art", "tenant-a", &write));
    let b = token(&claims("ben", "tenant-b", &write));
    assert_eq!(
        s.call("POST", "/api/products", Some(&a), Some(r#"{"id":"pa","name":"A"}"#))
            .await
            .status,
        201
    );
    assert_eq!(
        s.call(
            "POST",
            "/api/products",
            Some(&b),
            Some(r#"{"id":"pb","tenantId":"tenant-b","name":"B"}"#)
        )
        .await
        .status,
        201
    );
    let r = s
        .call(
            "POST",
            "/api/products",
            Some(&b),
            Some(r#"{"id":"px","tenantId":"tenant-a","name":"X"}"#),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["errors"][0]["path"].as_str()),
        (403, Some("tenantId"))
    );
    // Everyone in a tenant shares its documents; no one else sees them.
    assert_eq!(ids(&s.call("GET", "/api/products", Some(&a2), None).await), ["pa"]);
    assert_eq!(ids(&s.call("GET", "/api/products", Some(&b), None).await), ["pb"]);
    let theirs = "/api/products/pa?tenantId=tenant-a";
    assert_eq!(s.call("GET", theirs, Some(&a2), None).await.status, 200);
    assert_eq!(s.call("GET", theirs, Some(&b), None).await.status, 404);
    assert_eq!(
        s.call("PUT", theirs, Some(&b), Some(r#"{"id":"pa","name":"mine"}"#))
            .await
            .status,
        404
    );
    assert_eq!(s.call("DELETE", theirs, Some(&b), None).await.status, 404);
    assert_eq!(s.call("GET", theirs, Some(&a), None).await.json()["name"], "A");
    assert_eq!(s.call("DELETE", theirs, Some(&a2), None).await.status, 204);
    s.stop().await;
}

#[tokio::test]
async fn a_rotated_key_is_fetched_once_and_unknown_keys_do_not_hammer_the_issuer() {
    let jwks = Jwks::serve(&[1]).await;
    // Refetch allowed at once: the issuer rotates to key 2.
    let s = AuthServer::start(&jwks, Duration::ZERO).await;
    let alice = claims("alice", "tenant-a", &[]);
    assert_eq!(
        s.call("GET", "/api/orders", Some(&token(&alice)), None).await.status,
        200
    );
    assert_eq!(jwks.hits(), 1);
    assert_eq!(
        s.call("GET", "/api/orders", Some(&token(&alice)), None).await.status,
        200
    );
    assert_eq!(jwks.hits(), 1, "a known key is served from the cache");
    jwks.publish(&[1, 2]);
    let rotated = sign_with(2, "atakora-test-2", &alice);
    assert_eq!(s.call("GET", "/api/orders", Some(&rotated), None).await.status, 200);
    assert_eq!(jwks.hits(), 2, "an unknown kid fetches the key set again");
    assert_eq!(s.call("GET", "/api/orders", Some(&rotated), None).await.status, 200);
    assert_eq!(jwks.hits(), 2);
    s.stop().await;

    // With the default interval, made-up key ids fetch nothing more after the first fetch.
    let jwks = Jwks::serve(&[1]).await;
    let s = AuthServer::start(&jwks, HOUR).await;
    assert_eq!(
        s.call("GET", "/api/orders", Some(&token(&alice)), None).await.status,
        200
    );
    for i in 0..5 {
        let t = sign_with(2, &format!("made-up-{i}"), &alice);
        assert_eq!(s.call("GET", "/api/orders", Some(&t), None).await.status, 401);
    }
    assert_eq!((jwks.hits(), s.auth.fetch_count()), (1, 1));
    s.stop().await;
}
