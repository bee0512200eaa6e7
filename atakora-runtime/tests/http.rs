//! The HTTP contract, against a server on 127.0.0.1:0 over a real SQLite file.

mod common;

use atakora_runtime::cache::{Cache, CacheError, CacheFuture, MemoryCache};
use atakora_runtime::store::{
    Charged, ContainerDef, FieldEquals, ManualClock, Page, PartitionKey, Precondition, SqliteStore, Store, StoreError,
    StoreFuture, Stored, Synchronous,
};
use common::*;
use serde_json::{Value, json};
use std::sync::Arc;

const MEMBER: &str = r#"{"id":"m1","tenantId":"acme","email":"ann@acme.test"}"#;

#[tokio::test]
async fn create_read_and_conditional_get() {
    let dir = TempDir::new("create");
    let s = start_sqlite(&dir).await;
    let r = s.post("/api/members", MEMBER).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.header("location"), Some("/api/members/m1?tenantId=acme"));
    let etag = r.header("etag").unwrap().to_string();
    assert!(etag.starts_with('"') && etag.ends_with('"'));
    // The stored document is the type re-serialized: defaults applied.
    assert_eq!(
        r.json(),
        json!({ "id": "m1", "tenantId": "acme", "email": "ann@acme.test", "age": 0, "address": null, "tags": [] })
    );
    let g = s.get("/api/members/m1?tenantId=acme").await;
    assert_eq!(g.status, 200);
    assert_eq!(g.header("etag"), Some(etag.as_str()));
    assert_eq!(g.header("content-type"), Some("application/json"));
    assert_eq!(g.json(), r.json());
    let nm = s
        .send(
            "GET",
            "/api/members/m1?tenantId=acme",
            &[("if-none-match", &etag)],
            None,
        )
        .await;
    assert_eq!(nm.status, 304);
    assert_eq!(nm.body, "");
    let other = s
        .send(
            "GET",
            "/api/members/m1?tenantId=acme",
            &[("if-none-match", "\"other\"")],
            None,
        )
        .await;
    assert_eq!(other.status, 200);
    // The read-only view over the same container reads it too.
    assert_eq!(s.get("/api/member-view/m1?tenantId=acme").await.status, 200);
    s.get("/api/members/m1?tenantId=other").await.assert_problem_status(404);
    // Without an id, one is generated.
    let generated = s
        .post("/api/members", r#"{"tenantId":"acme","email":"gen@acme.test"}"#)
        .await;
    assert_eq!(generated.status, 201);
    let id = generated.json()["id"].as_str().unwrap().to_string();
    assert_eq!(s.get(&format!("/api/members/{id}?tenantId=acme")).await.status, 200);
    s.stop().await;
}

trait StatusOnly {
    fn assert_problem_status(&self, status: u16);
}

impl StatusOnly for Resp {
    fn assert_problem_status(&self, status: u16) {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.header("content-type"), Some("application/problem+json"));
        assert_eq!(self.json()["status"], status);
    }
}

#[tokio::test]
async fn invalid_bodies_are_400_with_the_field_path() {
    let dir = TempDir::new("invalid");
    let s = start_sqlite(&dir).await;
    let p = s
        .post(
            "/api/members",
            r#"{"id":"m1","tenantId":"acme","email":"a@x","age":"old"}"#,
        )
        .await
        .assert_problem(400, "age");
    assert_eq!(p["errors"][0]["location"], "body");
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("u32"), "{p}");
    s.post(
        "/api/members",
        r#"{"id":"m1","tenantId":"acme","email":"a@x","address":{"zip":10115,"city":"Berlin"}}"#,
    )
    .await
    .assert_problem(400, "address.zip");
    s.post(
        "/api/members",
        r#"{"id":"m1","tenantId":"acme","email":"a@x","tags":["a",3]}"#,
    )
    .await
    .assert_problem(400, "tags[1]");
    let missing = s
        .post("/api/members", r#"{"id":"m1","tenantId":"acme"}"#)
        .await
        .assert_problem(400, ".");
    assert!(
        missing["errors"][0]["message"].as_str().unwrap().contains("email"),
        "{missing}"
    );
    let malformed = s.post("/api/members", r#"{"id":"m1","#).await.assert_problem(400, ".");
    assert!(
        malformed["detail"].as_str().unwrap().contains("malformed JSON"),
        "{malformed}"
    );
    s.post("/api/members", "[1,2]").await.assert_problem(400, ".");
    s.post("/api/members", r#"{"id":"a/b","tenantId":"acme","email":"a@x"}"#)
        .await
        .assert_problem(400, "id");
    s.post("/api/members", r#"{"id":"","tenantId":"acme","email":"a@x"}"#)
        .await
        .assert_problem(400, "id");
    s.post("/api/members", r#"{"id":7,"tenantId":"acme","email":"a@x"}"#)
        .await
        .assert_problem(400, "id");
    let long = format!(r#"{{"id":"{}","tenantId":"acme","email":"a@x"}}"#, "x".repeat(1024));
    s.post("/api/members", &long).await.assert_problem(400, "id");
    s.post("/api/members", r#"{"id":"m1","tenantId":"acme","email":"a@x","ttl":0}"#)
        .await
        .assert_problem(400, "ttl");
    s.post(
        "/api/members",
        r#"{"id":"m1","tenantId":"acme","email":"a@x","ttl":"soon"}"#,
    )
    .await
    .assert_problem(400, "ttl");
    s.post("/api/members?tenantId=acme", MEMBER)
        .await
        .assert_problem(400, "tenantId");
    // The media type: 415.
    let t = s
        .send("POST", "/api/members", &[("content-type", "text/plain")], Some(MEMBER))
        .await;
    t.assert_problem_status(415);
    // Over 2 MB: 413.
    let big = format!(
        r#"{{"id":"big","tenantId":"acme","email":"a@x","tags":["{}"]}}"#,
        "x".repeat(2 * 1024 * 1024)
    );
    s.post("/api/members", &big).await.assert_problem_status(413);
    // Nothing above was stored.
    let list = s.get("/api/members?tenantId=acme").await.json();
    assert_eq!(list["items"], json!([]));
    s.stop().await;
}

#[tokio::test]
async fn partition_key_parameters() {
    let dir = TempDir::new("pk");
    let s = start_sqlite(&dir).await;
    assert_eq!(s.post("/api/members", MEMBER).await.status, 201);
    let p = s.get("/api/members/m1").await.assert_problem(400, "tenantId");
    assert_eq!(p["errors"][0]["location"], "query");
    s.get("/api/members/m1?tenantId=acme&x=1")
        .await
        .assert_problem(400, "x");
    s.get("/api/members/m1?tenantId=acme&tenantId=b")
        .await
        .assert_problem(400, "tenantId");
    s.get("/api/members/a%2Fb?tenantId=acme")
        .await
        .assert_problem(400, "id");
    // Nested: dotted parameter.
    let place = r#"{"id":"p1","name":"Mitte","address":{"zip":"10115","city":"Berlin"}}"#;
    let r = s.post("/api/places", place).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.header("location"), Some("/api/places/p1?address.zip=10115"));
    assert_eq!(s.get("/api/places/p1?address.zip=10115").await.status, 200);
    s.get("/api/places/p1?zip=10115").await.assert_problem(400, "zip");
    // Hierarchical: one parameter per level.
    let ev = r#"{"id":"e1","tenantId":"acme","userId":"u1","kind":"login"}"#;
    assert_eq!(s.post("/api/events", ev).await.status, 201);
    assert_eq!(s.get("/api/events/e1?tenantId=acme&userId=u1").await.status, 200);
    s.get("/api/events/e1?tenantId=acme")
        .await
        .assert_problem(400, "userId");
    // Keyed by id: no parameters.
    assert_eq!(
        s.post("/api/audit-labels", r#"{"id":"l1","text":"x","count":1}"#)
            .await
            .status,
        201
    );
    assert_eq!(s.get("/api/audit-labels/l1").await.status, 200);
    s.get("/api/audit-labels/l1?id=l1").await.assert_problem(400, "id");
    s.stop().await;
}

#[tokio::test]
async fn put_if_match_and_create_only() {
    let dir = TempDir::new("put");
    let s = start_sqlite(&dir).await;
    let etag = s.post("/api/members", MEMBER).await.header("etag").unwrap().to_string();
    let json = ("content-type", "application/json");
    let body = r#"{"tenantId":"acme","email":"ann@acme.test","age":41}"#;
    let ok = s
        .send(
            "PUT",
            "/api/members/m1?tenantId=acme",
            &[json, ("if-match", &etag)],
            Some(body),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.json()["age"], 41);
    assert_eq!(ok.json()["id"], "m1");
    let new_tag = ok.header("etag").unwrap().to_string();
    assert_ne!(new_tag, etag);
    let stale = s
        .send(
            "PUT",
            "/api/members/m1?tenantId=acme",
            &[json, ("if-match", &etag)],
            Some(body),
        )
        .await;
    stale.assert_problem_status(412);
    s.send(
        "PUT",
        "/api/members/m1?tenantId=acme",
        &[json],
        Some(r#"{"id":"m2","tenantId":"acme","email":"a@x"}"#),
    )
    .await
    .assert_problem(400, "id");
    s.send(
        "PUT",
        "/api/members/m1?tenantId=acme",
        &[json],
        Some(r#"{"tenantId":"other","email":"a@x"}"#),
    )
    .await
    .assert_problem(400, "tenantId");
    s.send("PUT", "/api/members/zz?tenantId=acme", &[json], Some(body))
        .await
        .assert_problem_status(404);
    let co = s
        .send(
            "PUT",
            "/api/members/m1?tenantId=acme",
            &[json, ("if-none-match", "*")],
            Some(body),
        )
        .await;
    co.assert_problem_status(412);
    let created = s
        .send(
            "PUT",
            "/api/members/m3?tenantId=acme",
            &[json, ("if-none-match", "*")],
            Some(r#"{"tenantId":"acme","email":"m3@x"}"#),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.header("location"), Some("/api/members/m3?tenantId=acme"));
    s.send(
        "PUT",
        "/api/members/m1?tenantId=acme",
        &[json, ("if-match", "nope")],
        Some(body),
    )
    .await
    .assert_problem(400, "if-match");
    // Several tags: one of them current is enough.
    let list = format!("\"x\", {new_tag}");
    let multi = s
        .send(
            "PUT",
            "/api/members/m1?tenantId=acme",
            &[json, ("if-match", &list)],
            Some(body),
        )
        .await;
    assert_eq!(multi.status, 200, "{}", multi.body);
    s.stop().await;
}

#[tokio::test]
async fn concurrent_writers_with_one_etag_exactly_one_wins() {
    let dir = TempDir::new("race");
    let s = start_sqlite(&dir).await;
    let etag = s.post("/api/members", MEMBER).await.header("etag").unwrap().to_string();
    let mut tasks = Vec::new();
    for i in 0..12 {
        let (addr, etag) = (s.addr, etag.clone());
        tasks.push(tokio::spawn(async move {
            let body = format!(r#"{{"tenantId":"acme","email":"ann@acme.test","age":{i}}}"#);
            let (method, ct) = if i % 2 == 0 {
                ("PUT", "application/json")
            } else {
                ("PATCH", "application/merge-patch+json")
            };
            request(
                addr,
                method,
                "/api/members/m1?tenantId=acme",
                &[("content-type", ct), ("if-match", &etag)],
                Some(body.as_bytes()),
            )
            .await
            .status
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 412).count(), 11, "{statuses:?}");
    s.stop().await;
}

#[tokio::test]
async fn patch_is_a_merge_patch() {
    let dir = TempDir::new("patch");
    let s = start_sqlite(&dir).await;
    let etag = s
        .post(
            "/api/members",
            r#"{"id":"m1","tenantId":"acme","email":"a@x","address":{"zip":"1","city":"B"},"tags":["t"]}"#,
        )
        .await
        .header("etag")
        .unwrap()
        .to_string();
    let mp = ("content-type", "application/merge-patch+json");
    let path = "/api/members/m1?tenantId=acme";
    let r = s
        .send(
            "PATCH",
            path,
            &[mp],
            Some(r#"{"age":5,"address":{"city":"C"},"tags":null}"#),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json(),
        json!({ "id": "m1", "tenantId": "acme", "email": "a@x", "age": 5, "address": { "zip": "1", "city": "C" }, "tags": [] })
    );
    assert_ne!(r.header("etag"), Some(etag.as_str()));
    s.send("PATCH", path, &[mp, ("if-match", &etag)], Some(r#"{"age":6}"#))
        .await
        .assert_problem_status(412);
    s.send("PATCH", path, &[mp], Some(r#"{"id":"m9"}"#))
        .await
        .assert_problem(400, "id");
    s.send("PATCH", path, &[mp], Some(r#"{"tenantId":"other"}"#))
        .await
        .assert_problem(400, "tenantId");
    s.send("PATCH", path, &[mp], Some(r#"{"age":-1}"#))
        .await
        .assert_problem(400, "age");
    s.send("PATCH", path, &[mp], Some(r#"{"email":null}"#))
        .await
        .assert_problem(400, ".");
    let wrong = s
        .send(
            "PATCH",
            path,
            &[("content-type", "application/json")],
            Some(r#"{"age":1}"#),
        )
        .await;
    wrong.assert_problem_status(415);
    assert_eq!(wrong.header("accept-patch"), Some("application/merge-patch+json"));
    s.send("PATCH", "/api/members/none?tenantId=acme", &[mp], Some("{}"))
        .await
        .assert_problem_status(404);
    assert_eq!(s.get(path).await.json()["age"], 5);
    s.stop().await;
}

#[tokio::test]
async fn delete_and_conflicts() {
    let dir = TempDir::new("delete");
    let s = start_sqlite(&dir).await;
    let etag = s.post("/api/members", MEMBER).await.header("etag").unwrap().to_string();
    let dup = s.post("/api/members", MEMBER).await;
    let p = dup.assert_problem(409, "id");
    assert!(p["detail"].as_str().unwrap().contains("id"));
    let uk = s
        .post(
            "/api/members",
            r#"{"id":"m2","tenantId":"acme","email":"ann@acme.test"}"#,
        )
        .await;
    let p = uk.assert_problem(409, "email");
    assert!(p["detail"].as_str().unwrap().contains("/email"), "{p}");
    // Unique per partition only.
    assert_eq!(
        s.post(
            "/api/members",
            r#"{"id":"m2","tenantId":"beta","email":"ann@acme.test"}"#
        )
        .await
        .status,
        201
    );
    let path = "/api/members/m1?tenantId=acme";
    s.send("DELETE", path, &[("if-match", "\"stale\"")], None)
        .await
        .assert_problem_status(412);
    let d = s.send("DELETE", path, &[("if-match", &etag)], None).await;
    assert_eq!(d.status, 204);
    assert_eq!(d.body, "");
    s.send("DELETE", path, &[], None).await.assert_problem_status(404);
    s.get(path).await.assert_problem_status(404);
    // The email is free again.
    assert_eq!(
        s.post(
            "/api/members",
            r#"{"id":"m3","tenantId":"acme","email":"ann@acme.test"}"#
        )
        .await
        .status,
        201
    );
    s.stop().await;
}

#[tokio::test]
async fn operations_outside_the_spec_are_405_with_allow_and_unknown_routes_404() {
    let dir = TempDir::new("405");
    let s = start_sqlite(&dir).await;
    let r = s.post("/api/member-view", MEMBER).await;
    r.assert_problem_status(405);
    assert_eq!(r.header("allow"), Some("GET"));
    let r = s.send("DELETE", "/api/member-view/m1?tenantId=acme", &[], None).await;
    r.assert_problem_status(405);
    assert_eq!(r.header("allow"), Some("GET"));
    let r = s
        .send(
            "PUT",
            "/api/audit-labels/l1",
            &[("content-type", "application/json")],
            Some("{}"),
        )
        .await;
    assert_eq!(r.header("allow"), Some("GET"));
    let r = s.get("/api/audit-labels").await;
    r.assert_problem_status(405);
    assert_eq!(r.header("allow"), Some("POST"));
    let r = s.send("DELETE", "/api/members", &[], None).await;
    assert_eq!(r.header("allow"), Some("GET, POST"));
    let r = s.get("/api/nothing").await;
    r.assert_problem_status(404);
    assert!(r.json()["detail"].as_str().unwrap().contains("nothing"));
    s.get("/elsewhere").await.assert_problem_status(404);
    s.stop().await;
}

async fn list_ids(s: &TestServer, query: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut q = query.to_string();
        if let Some(t) = &token {
            q.push_str(&format!("&continuation={t}"));
        }
        let r = s.get(&format!("/api/events?{q}")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let v = r.json();
        ids.extend(
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].as_str().unwrap().to_string()),
        );
        match &v["continuation"] {
            Value::String(t) => token = Some(t.clone()),
            Value::Null => return ids,
            other => panic!("continuation {other}"),
        }
    }
}

#[tokio::test]
async fn list_with_prefixes_limits_and_continuations() {
    let dir = TempDir::new("list");
    let s = start_sqlite(&dir).await;
    for i in 0..30 {
        let (t, u) = (if i % 3 == 0 { "beta" } else { "acme" }, format!("u{}", i % 2));
        let body = format!(r#"{{"id":"e{i:02}","tenantId":"{t}","userId":"{u}","kind":"k"}}"#);
        assert_eq!(s.post("/api/events", &body).await.status, 201);
    }
    let all = list_ids(&s, "limit=4").await;
    assert_eq!(all.len(), 30);
    let acme = list_ids(&s, "tenantId=acme&limit=3").await;
    assert_eq!(acme.len(), 20);
    let acme_u1 = list_ids(&s, "tenantId=acme&userId=u1&limit=3").await;
    assert_eq!(acme_u1.len(), 10);
    let page = s.get("/api/events?tenantId=acme").await.json();
    assert_eq!(page["items"].as_array().unwrap().len(), 20);
    assert_eq!(page["continuation"], Value::Null);
    let default = s.get("/api/events").await.json();
    assert_eq!(default["items"].as_array().unwrap().len(), 30);
    s.get("/api/events?userId=u1").await.assert_problem(400, "tenantId");
    for bad in ["0", "1001", "ten", "-1"] {
        s.get(&format!("/api/events?limit={bad}"))
            .await
            .assert_problem(400, "limit");
    }
    let first = s.get("/api/events?tenantId=acme&limit=2").await.json();
    let token = first["continuation"].as_str().unwrap();
    s.get(&format!("/api/events?tenantId=beta&continuation={token}"))
        .await
        .assert_problem(400, "continuation");
    s.get("/api/events?continuation=garbage!")
        .await
        .assert_problem(400, "continuation");
    s.get("/api/events?sort=id").await.assert_problem(400, "sort");
    s.stop().await;
}

#[tokio::test]
async fn ttl_hides_expired_documents_at_once() {
    let dir = TempDir::new("ttl");
    let s = start_sqlite(&dir).await;
    assert_eq!(s.post("/api/members", MEMBER).await.status, 201);
    let short = s
        .post(
            "/api/members",
            r#"{"id":"m2","tenantId":"acme","email":"b@x","ttl":10}"#,
        )
        .await;
    assert_eq!(short.status, 201);
    assert_eq!(short.json()["ttl"], 10, "the document's ttl is kept");
    assert_eq!(
        s.post(
            "/api/members",
            r#"{"id":"m3","tenantId":"acme","email":"c@x","ttl":-1}"#
        )
        .await
        .status,
        201
    );
    s.clock.advance(10_001);
    s.get("/api/members/m2?tenantId=acme").await.assert_problem_status(404);
    let ids = |v: Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(s.get("/api/members?tenantId=acme").await.json()), ["m1", "m3"]);
    s.clock.advance(3_600_000);
    assert_eq!(ids(s.get("/api/members?tenantId=acme").await.json()), ["m3"]);
    // The expired document's id and email are free.
    assert_eq!(
        s.post("/api/members", r#"{"id":"m2","tenantId":"acme","email":"b@x"}"#)
            .await
            .status,
        201
    );
    s.stop().await;
}

#[tokio::test]
async fn cached_reads_are_invalidated_by_writes_and_expire() {
    let dir = TempDir::new("cache");
    let s = start_sqlite(&dir).await;
    assert_eq!(s.post("/api/members", MEMBER).await.status, 201);
    let path = "/api/members/m1?tenantId=acme";
    assert_eq!(s.get(path).await.json()["age"], 0);
    // A write behind the API's back is not seen while the entry lives: the read is cached.
    let key = PartitionKey::new(vec![json!("acme")]);
    let changed =
        json!({ "id": "m1", "tenantId": "acme", "email": "ann@acme.test", "age": 7, "address": null, "tags": [] });
    s.store
        .replace("members", &key, &changed, &Precondition::None)
        .await
        .unwrap();
    assert_eq!(s.get(path).await.json()["age"], 0);
    s.clock.advance(60_001);
    assert_eq!(
        s.get(path).await.json()["age"],
        7,
        "the entry expires with the cache TTL"
    );
    // A write through the API invalidates at once.
    let mp = ("content-type", "application/merge-patch+json");
    assert_eq!(s.send("PATCH", path, &[mp], Some(r#"{"age":8}"#)).await.status, 200);
    assert_eq!(s.get(path).await.json()["age"], 8);
    assert_eq!(s.send("DELETE", path, &[], None).await.status, 204);
    s.get(path).await.assert_problem_status(404);
    s.stop().await;
}

/// A cache that always fails.
struct BrokenCache;

impl Cache for BrokenCache {
    fn kind(&self) -> &'static str {
        "broken"
    }
    fn get<'a>(&'a self, _: &'a str) -> CacheFuture<'a, Option<Stored>> {
        Box::pin(async { Err(CacheError("down".into())) })
    }
    fn put<'a>(&'a self, _: &'a str, _: &'a Stored, _: i64) -> CacheFuture<'a, ()> {
        Box::pin(async { Err(CacheError("down".into())) })
    }
    fn remove<'a>(&'a self, _: &'a str) -> CacheFuture<'a, ()> {
        Box::pin(async { Err(CacheError("down".into())) })
    }
}

#[tokio::test]
async fn a_failing_cache_degrades_to_the_store() {
    let dir = TempDir::new("broken");
    let clock = ManualClock::new(1_700_000_000_000);
    let store = SqliteStore::open_with_clock(dir.0.join("b.db"), Synchronous::Normal, clock.clone()).unwrap();
    let s = start_with(Arc::new(store), Arc::new(BrokenCache), clock).await;
    assert_eq!(s.post("/api/members", MEMBER).await.status, 201);
    let path = "/api/members/m1?tenantId=acme";
    assert_eq!(s.get(path).await.status, 200);
    let mp = ("content-type", "application/merge-patch+json");
    assert_eq!(s.send("PATCH", path, &[mp], Some(r#"{"age":3}"#)).await.status, 200);
    assert_eq!(s.get(path).await.json()["age"], 3);
    s.stop().await;
}

#[tokio::test]
async fn health_paths_and_openapi() {
    let dir = TempDir::new("health");
    let s = start_sqlite(&dir).await;
    for p in ["/health", "/healthz"] {
        let r = s.get(p).await;
        assert_eq!(r.status, 200, "{p}");
        assert_eq!(r.json(), json!({ "status": "ok", "store": "sqlite" }));
    }
    let doc = s.get("/api/openapi.json").await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    assert_eq!(
        paths,
        [
            "/api/members",
            "/api/members/{id}",
            "/api/member-view",
            "/api/member-view/{id}",
            "/api/events",
            "/api/events/{id}",
            "/api/places",
            "/api/places/{id}",
            "/api/audit-labels",
            "/api/audit-labels/{id}",
            "/health",
            "/healthz",
            "/api/openapi.json"
        ]
    );
    let view: Vec<&String> = doc["paths"]["/api/member-view/{id}"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(view, ["get"]);
    let member = &doc["components"]["schemas"]["Member"];
    assert_eq!(member["properties"]["age"]["type"], "integer");
    assert_eq!(member["properties"]["tags"]["type"], "array");
    assert_eq!(member["required"], json!(["id", "tenantId", "email"]));
    let params = &doc["paths"]["/api/events/{id}"]["get"]["parameters"];
    let names: Vec<&str> = params
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["id", "tenantId", "userId"]);
    s.stop().await;
}

/// A store whose every data call fails (as an unreachable Cosmos DB account does).
struct DownStore;

impl Store for DownStore {
    fn kind(&self) -> &'static str {
        "down"
    }
    fn ensure<'a>(&'a self, _: &'a [ContainerDef], _: bool) -> StoreFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }
    fn create<'a>(&'a self, _: &'a str, _: &'a PartitionKey, _: &'a Value) -> StoreFuture<'a, Charged<Stored>> {
        Box::pin(async { Err(StoreError::Unavailable("unreachable".into())) })
    }
    fn read<'a>(&'a self, _: &'a str, _: &'a PartitionKey, _: &'a str) -> StoreFuture<'a, Charged<Option<Stored>>> {
        Box::pin(async { Err(StoreError::Unavailable("unreachable".into())) })
    }
    fn replace<'a>(
        &'a self,
        _: &'a str,
        _: &'a PartitionKey,
        _: &'a Value,
        _: &'a Precondition,
    ) -> StoreFuture<'a, Charged<Stored>> {
        Box::pin(async { Err(StoreError::Unavailable("unreachable".into())) })
    }
    fn delete<'a>(
        &'a self,
        _: &'a str,
        _: &'a PartitionKey,
        _: &'a str,
        _: &'a Precondition,
    ) -> StoreFuture<'a, Charged<()>> {
        Box::pin(async { Err(StoreError::Unavailable("unreachable".into())) })
    }
    fn list<'a>(
        &'a self,
        _: &'a str,
        _: &'a [Value],
        _: &'a [FieldEquals],
        _: usize,
        _: Option<&'a str>,
    ) -> StoreFuture<'a, Charged<Page>> {
        Box::pin(async { Err(StoreError::Unavailable("unreachable".into())) })
    }
    fn health(&self) -> StoreFuture<'_, ()> {
        Box::pin(async { Err(StoreError::Unavailable("unreachable".into())) })
    }
}

#[tokio::test]
async fn an_unavailable_store_is_503_on_health_and_data() {
    let clock = ManualClock::new(0);
    let s = start_with(
        Arc::new(DownStore),
        Arc::new(MemoryCache::new(10, clock.clone())),
        clock,
    )
    .await;
    s.get("/health").await.assert_problem_status(503);
    s.get("/healthz").await.assert_problem_status(503);
    s.get("/api/members/m1?tenantId=acme").await.assert_problem_status(503);
    s.post("/api/members", MEMBER).await.assert_problem_status(503);
    // Validation still comes first: a bad request is a 400 whatever the store.
    s.post("/api/members", "{").await.assert_problem(400, ".");
    s.stop().await;
}

#[tokio::test]
async fn accepted_writes_survive_a_restart() {
    let dir = TempDir::new("durable");
    let s = start_sqlite(&dir).await;
    for i in 0..40 {
        let body = format!(r#"{{"id":"m{i}","tenantId":"t{}","email":"m{i}@x"}}"#, i % 4);
        assert_eq!(s.post("/api/members", &body).await.status, 201);
    }
    let mp = ("content-type", "application/merge-patch+json");
    assert_eq!(
        s.send("PATCH", "/api/members/m0?tenantId=t0", &[mp], Some(r#"{"age":9}"#))
            .await
            .status,
        200
    );
    s.stop().await;
    let again = start_sqlite(&dir).await;
    for i in 0..40 {
        let r = again.get(&format!("/api/members/m{i}?tenantId=t{}", i % 4)).await;
        assert_eq!(r.status, 200, "m{i} lost");
    }
    assert_eq!(again.get("/api/members/m0?tenantId=t0").await.json()["age"], 9);
    again.stop().await;
}
