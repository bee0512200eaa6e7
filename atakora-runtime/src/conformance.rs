//! The store conformance suite: the [`Store`] contract as one list of checks, run against
//! every implementation (memory, SQLite, Cosmos DB servers). A server that lacks a feature is
//! run with that check named in its `gaps`: the check still runs and is reported as a gap,
//! never as a pass, and a listed gap that passes fails the suite (so the lists stay true).

use crate::store::{ContainerDef, FieldEquals, ManualClock, PartitionKey, Precondition, Store, StoreError};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;

/// How one check ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The store behaves as the contract says.
    Pass,
    /// It does not.
    Fail(String),
    /// A listed gap of this store: the check failed as expected.
    Gap(String),
    /// A listed gap, but the check passed: the list is wrong.
    UnexpectedPass,
    /// Not run: it needs a controllable clock and the store runs on real time.
    NeedsClock,
}

/// The outcome of every check.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// `(check, outcome)` in the order run.
    pub results: Vec<(&'static str, Outcome)>,
}

impl Report {
    /// Checks that failed, or listed gaps that passed.
    pub fn failures(&self) -> Vec<String> {
        self.results
            .iter()
            .filter_map(|(n, o)| match o {
                Outcome::Fail(m) => Some(format!("{n}: {m}")),
                Outcome::UnexpectedPass => Some(format!("{n}: listed as a gap but passes")),
                _ => None,
            })
            .collect()
    }

    /// `passed, gaps, not run` counts.
    pub fn counts(&self) -> (usize, usize, usize) {
        let c = |f: fn(&Outcome) -> bool| self.results.iter().filter(|(_, o)| f(o)).count();
        (
            c(|o| *o == Outcome::Pass),
            c(|o| matches!(o, Outcome::Gap(_))),
            c(|o| *o == Outcome::NeedsClock),
        )
    }

    /// One line per check, for the test log.
    pub fn table(&self, store: &str) -> String {
        let mut out = String::new();
        for (n, o) in &self.results {
            let o = match o {
                Outcome::Pass => "pass".to_string(),
                Outcome::Fail(m) => format!("FAIL {m}"),
                Outcome::Gap(m) => format!("gap ({m})"),
                Outcome::UnexpectedPass => "FAIL listed gap passes".to_string(),
                Outcome::NeedsClock => "not run (needs a controllable clock)".to_string(),
            };
            out.push_str(&format!("{store:<10} {n:<40} {o}\n"));
        }
        let (p, g, s) = self.counts();
        out.push_str(&format!(
            "{store:<10} {p} passed, {} failed, {g} gaps, {s} not run\n",
            self.failures().len()
        ));
        out
    }
}

/// The checks, by name.
pub const CHECKS: &[&str] = &[
    "ensure_creates_and_checks",
    "create_then_read",
    "duplicate_id_conflicts_per_partition",
    "unique_key_conflicts_per_partition",
    "unique_key_missing_value_counts_once",
    "replace_changes_etag",
    "replace_missing_is_not_found",
    "if_match_stale_fails",
    "concurrent_writers_one_wins",
    "delete_with_precondition",
    "list_pages_cover_all_once",
    "list_scoped_to_partition",
    "list_hierarchical_prefix",
    "list_continuation_survives_writes",
    "list_bad_continuation",
    "list_only_matching_fields",
    "nested_partition_key",
    "ttl_default_expires",
    "ttl_document_overrides",
    "ttl_minus_one_without_default",
    "ttl_expired_frees_id_and_unique_key",
];

fn check(cond: bool, what: &str) -> Result<(), String> {
    if cond { Ok(()) } else { Err(what.to_string()) }
}

fn pk(v: &[&str]) -> PartitionKey {
    PartitionKey::new(v.iter().map(|s| Value::from(*s)).collect())
}

struct Env<'a> {
    store: &'a dyn Store,
    clock: Option<Arc<ManualClock>>,
    names: Names,
}

/// Container names of one run (prefixed, so runs against a shared server do not collide).
struct Names {
    plain: String,
    hier: String,
    nested: String,
    ttl: String,
    ttl_on: String,
}

impl Names {
    fn new(prefix: &str) -> Names {
        Names {
            plain: format!("{prefix}plain"),
            hier: format!("{prefix}hier"),
            nested: format!("{prefix}nested"),
            ttl: format!("{prefix}ttl"),
            ttl_on: format!("{prefix}ttlon"),
        }
    }

    fn defs(&self) -> Vec<ContainerDef> {
        let def = |name: &str, pk: &[&str], ttl: Option<i32>, uk: &[&[&str]]| ContainerDef {
            name: name.to_string(),
            partition_key: pk.iter().map(|s| s.to_string()).collect(),
            default_ttl: ttl,
            unique_keys: uk.iter().map(|k| k.iter().map(|s| s.to_string()).collect()).collect(),
        };
        vec![
            def(&self.plain, &["/tenantId"], None, &[&["/email"]]),
            def(&self.hier, &["/tenantId", "/userId"], None, &[]),
            def(&self.nested, &["/address/zip"], None, &[]),
            def(&self.ttl, &["/p"], Some(10), &[&["/email"]]),
            def(&self.ttl_on, &["/p"], Some(-1), &[]),
        ]
    }
}

/// The containers a run with `prefix` uses (for stores that must know them up front).
pub fn containers(prefix: &str) -> Vec<ContainerDef> {
    Names::new(prefix).defs()
}

/// Run every check against `store`. `clock` is the store's clock when it is a
/// [`ManualClock`] (TTL checks need one); `gaps` names checks this store is known to fail,
/// with the reason; `prefix` starts every container name.
pub async fn run(
    store: &dyn Store,
    clock: Option<Arc<ManualClock>>,
    gaps: &[(&'static str, &'static str)],
    prefix: &str,
) -> Report {
    let env = Env {
        store,
        clock,
        names: Names::new(prefix),
    };
    let mut report = Report::default();
    for name in CHECKS {
        let needs_clock = name.starts_with("ttl_");
        let outcome = if needs_clock && env.clock.is_none() {
            Outcome::NeedsClock
        } else {
            let r = run_one(&env, name).await;
            match (gaps.iter().find(|(g, _)| g == name), r) {
                (None, Ok(())) => Outcome::Pass,
                (None, Err(e)) => Outcome::Fail(e),
                (Some((_, why)), Err(e)) => Outcome::Gap(format!("{why}; observed: {e}")),
                (Some(_), Ok(())) => Outcome::UnexpectedPass,
            }
        };
        report.results.push((name, outcome));
    }
    report
}

async fn run_one(env: &Env<'_>, name: &str) -> Result<(), String> {
    let s = env.store;
    let n = &env.names;
    let e = |x: StoreError| x.to_string();
    match name {
        "ensure_creates_and_checks" => {
            s.ensure(&n.defs(), true).await.map_err(e)?;
            s.ensure(&n.defs(), false)
                .await
                .map_err(|x| format!("check after create: {x}"))?;
            let missing = ContainerDef {
                name: format!("{}-missing", n.plain),
                ..n.defs()[0].clone()
            };
            check(
                s.ensure(&[missing], false).await.is_err(),
                "a missing container passes the check",
            )?;
            s.health().await.map_err(e)
        }
        "create_then_read" => {
            let doc = json!({ "id": "a1", "tenantId": "t1", "email": "a@x", "n": 1 });
            let created = s.create(&n.plain, &pk(&["t1"]), &doc).await.map_err(e)?.value;
            check(
                created.etag.starts_with('"') && created.etag.ends_with('"'),
                "the ETag is not quoted",
            )?;
            check(created.doc() == doc, "create did not return the document")?;
            let read = s.read(&n.plain, &pk(&["t1"]), "a1").await.map_err(e)?.value;
            let read = read.ok_or("the created document is not found")?;
            check(
                read.doc() == doc && read.etag == created.etag,
                "read differs from create",
            )?;
            let other = s.read(&n.plain, &pk(&["t2"]), "a1").await.map_err(e)?.value;
            check(other.is_none(), "found in another partition")
        }
        "duplicate_id_conflicts_per_partition" => {
            let doc = json!({ "id": "d1", "tenantId": "t1", "email": "d1@x" });
            s.create(&n.plain, &pk(&["t1"]), &doc).await.map_err(e)?;
            let again = s
                .create(
                    &n.plain,
                    &pk(&["t1"]),
                    &json!({ "id": "d1", "tenantId": "t1", "email": "d1b@x" }),
                )
                .await;
            check(
                again == Err(StoreError::Conflict { key: "id".into() }),
                &format!("duplicate id: {again:?}"),
            )?;
            let other = json!({ "id": "d1", "tenantId": "t2", "email": "d1@x" });
            s.create(&n.plain, &pk(&["t2"]), &other)
                .await
                .map(|_| ())
                .map_err(|x| format!("same id in another partition: {x}"))
        }
        "unique_key_conflicts_per_partition" => {
            s.create(
                &n.plain,
                &pk(&["u1"]),
                &json!({ "id": "u1", "tenantId": "u1", "email": "same@x" }),
            )
            .await
            .map_err(e)?;
            let dup = s
                .create(
                    &n.plain,
                    &pk(&["u1"]),
                    &json!({ "id": "u2", "tenantId": "u1", "email": "same@x" }),
                )
                .await;
            check(
                dup == Err(StoreError::Conflict { key: "/email".into() }),
                &format!("unique key on create: {dup:?}"),
            )?;
            s.create(
                &n.plain,
                &pk(&["u1"]),
                &json!({ "id": "u3", "tenantId": "u1", "email": "other@x" }),
            )
            .await
            .map_err(e)?;
            let upd = s
                .replace(
                    &n.plain,
                    &pk(&["u1"]),
                    &json!({ "id": "u3", "tenantId": "u1", "email": "same@x" }),
                    &Precondition::None,
                )
                .await;
            check(
                upd == Err(StoreError::Conflict { key: "/email".into() }),
                &format!("unique key on replace: {upd:?}"),
            )?;
            s.create(
                &n.plain,
                &pk(&["u2"]),
                &json!({ "id": "u4", "tenantId": "u2", "email": "same@x" }),
            )
            .await
            .map(|_| ())
            .map_err(|x| format!("same value in another partition: {x}"))
        }
        "unique_key_missing_value_counts_once" => {
            s.create(&n.plain, &pk(&["m1"]), &json!({ "id": "m1", "tenantId": "m1" }))
                .await
                .map_err(e)?;
            let second = s
                .create(&n.plain, &pk(&["m1"]), &json!({ "id": "m2", "tenantId": "m1" }))
                .await;
            check(
                matches!(second, Err(StoreError::Conflict { .. })),
                &format!("second document without the key: {second:?}"),
            )
        }
        "replace_changes_etag" => {
            let first = s
                .create(
                    &n.plain,
                    &pk(&["r1"]),
                    &json!({ "id": "r1", "tenantId": "r1", "email": "r@x", "v": 1 }),
                )
                .await
                .map_err(e)?
                .value;
            let doc2 = json!({ "id": "r1", "tenantId": "r1", "email": "r@x", "v": 2 });
            let second = s
                .replace(
                    &n.plain,
                    &pk(&["r1"]),
                    &doc2,
                    &Precondition::IfMatch(first.etag.clone()),
                )
                .await
                .map_err(e)?
                .value;
            check(second.etag != first.etag, "the ETag did not change")?;
            let read = s
                .read(&n.plain, &pk(&["r1"]), "r1")
                .await
                .map_err(e)?
                .value
                .ok_or("gone")?;
            check(
                read.doc() == doc2 && read.etag == second.etag,
                "read does not show the replacement",
            )
        }
        "replace_missing_is_not_found" => {
            let r = s
                .replace(
                    &n.plain,
                    &pk(&["x"]),
                    &json!({ "id": "nope", "tenantId": "x" }),
                    &Precondition::None,
                )
                .await;
            check(r == Err(StoreError::NotFound), &format!("{r:?}"))
        }
        "if_match_stale_fails" => {
            let first = s
                .create(
                    &n.plain,
                    &pk(&["s1"]),
                    &json!({ "id": "s1", "tenantId": "s1", "email": "s@x" }),
                )
                .await
                .map_err(e)?
                .value;
            let doc = json!({ "id": "s1", "tenantId": "s1", "email": "s@x", "v": 2 });
            s.replace(&n.plain, &pk(&["s1"]), &doc, &Precondition::None)
                .await
                .map_err(e)?;
            let stale = s
                .replace(&n.plain, &pk(&["s1"]), &doc, &Precondition::IfMatch(first.etag))
                .await;
            check(
                stale == Err(StoreError::PreconditionFailed),
                &format!("stale If-Match: {stale:?}"),
            )
        }
        "concurrent_writers_one_wins" => {
            let first = s
                .create(
                    &n.plain,
                    &pk(&["c1"]),
                    &json!({ "id": "c1", "tenantId": "c1", "email": "c@x" }),
                )
                .await
                .map_err(e)?
                .value;
            let docs: Vec<Value> = (0..8)
                .map(|i| json!({ "id": "c1", "tenantId": "c1", "email": "c@x", "writer": i }))
                .collect();
            let key = pk(&["c1"]);
            let cond = Precondition::IfMatch(first.etag.clone());
            let writes = docs.iter().map(|d| s.replace(&n.plain, &key, d, &cond));
            let results = futures_join_all(writes.collect()).await;
            let wins = results.iter().filter(|r| r.is_ok()).count();
            let lost = results
                .iter()
                .filter(|r| **r == Err(StoreError::PreconditionFailed))
                .count();
            check(
                wins == 1 && lost == 7,
                &format!("{wins} writers won, {lost} got 412 (want 1 and 7)"),
            )
        }
        "delete_with_precondition" => {
            let first = s
                .create(
                    &n.plain,
                    &pk(&["x1"]),
                    &json!({ "id": "x1", "tenantId": "x1", "email": "x@x" }),
                )
                .await
                .map_err(e)?
                .value;
            let doc = json!({ "id": "x1", "tenantId": "x1", "email": "x@x", "v": 2 });
            let second = s
                .replace(&n.plain, &pk(&["x1"]), &doc, &Precondition::None)
                .await
                .map_err(e)?
                .value;
            let stale = s
                .delete(&n.plain, &pk(&["x1"]), "x1", &Precondition::IfMatch(first.etag))
                .await;
            check(
                stale == Err(StoreError::PreconditionFailed),
                &format!("stale delete: {stale:?}"),
            )?;
            s.delete(&n.plain, &pk(&["x1"]), "x1", &Precondition::IfMatch(second.etag))
                .await
                .map_err(e)?;
            let gone = s.read(&n.plain, &pk(&["x1"]), "x1").await.map_err(e)?.value;
            check(gone.is_none(), "still readable after delete")?;
            let again = s.delete(&n.plain, &pk(&["x1"]), "x1", &Precondition::None).await;
            check(again == Err(StoreError::NotFound), &format!("second delete: {again:?}"))
        }
        "list_pages_cover_all_once" => {
            let mut want = BTreeSet::new();
            for i in 0..23 {
                let (t, u) = (format!("L{}", i % 3), format!("u{i:02}"));
                s.create(
                    &n.hier,
                    &pk(&[&t, &u]),
                    &json!({ "id": format!("l{i:02}"), "tenantId": t, "userId": u }),
                )
                .await
                .map_err(e)?;
                want.insert(format!("l{i:02}"));
            }
            let got = list_all(s, &n.hier, &[], 5).await?;
            let set: BTreeSet<String> = got.iter().cloned().collect();
            check(got.len() == set.len(), "a document came twice")?;
            check(set == want, &format!("pages gave {set:?}"))?;
            let again = list_all(s, &n.hier, &[], 7).await?;
            check(
                again.iter().collect::<BTreeSet<_>>() == got.iter().collect::<BTreeSet<_>>(),
                "another page size gives other documents",
            )
        }
        "list_scoped_to_partition" => {
            for (id, t) in [("p1", "P1"), ("p2", "P1"), ("p3", "P2")] {
                s.create(&n.plain, &pk(&[t]), &json!({ "id": id, "tenantId": t, "email": id }))
                    .await
                    .map_err(e)?;
            }
            let got = list_all(s, &n.plain, &[json!("P1")], 1).await?;
            check(sorted(got) == ["p1", "p2"], "the list is not scoped to the partition")
        }
        "list_hierarchical_prefix" => {
            for (id, t, u) in [("h1", "H1", "a"), ("h2", "H1", "b"), ("h3", "H2", "a")] {
                s.create(&n.hier, &pk(&[t, u]), &json!({ "id": id, "tenantId": t, "userId": u }))
                    .await
                    .map_err(e)?;
            }
            let prefix = list_all(s, &n.hier, &[json!("H1")], 1).await?;
            check(
                sorted(prefix) == ["h1", "h2"],
                "a prefix does not scope to its partitions",
            )?;
            let full = list_all(s, &n.hier, &[json!("H1"), json!("b")], 10).await?;
            check(
                full == ["h2"],
                "a full hierarchical key does not scope to its partition",
            )
        }
        "list_continuation_survives_writes" => {
            for i in 0..6 {
                s.create(
                    &n.plain,
                    &pk(&["K"]),
                    &json!({ "id": format!("k{i}"), "tenantId": "K", "email": format!("k{i}") }),
                )
                .await
                .map_err(e)?;
            }
            let first = s.list(&n.plain, &[json!("K")], &[], 3, None).await.map_err(e)?.value;
            let token = first.continuation.ok_or("no continuation after a full page")?;
            s.create(
                &n.plain,
                &pk(&["K"]),
                &json!({ "id": "k9", "tenantId": "K", "email": "k9" }),
            )
            .await
            .map_err(e)?;
            let mut seen: Vec<String> = first.items.iter().map(|d| id_of(&d.doc())).collect();
            let mut next = Some(token);
            while let Some(t) = next {
                let page = s
                    .list(&n.plain, &[json!("K")], &[], 3, Some(&t))
                    .await
                    .map_err(e)?
                    .value;
                seen.extend(page.items.iter().map(|d| id_of(&d.doc())));
                next = page.continuation;
            }
            let set: BTreeSet<&String> = seen.iter().collect();
            check(
                set.len() == seen.len(),
                "a document came twice after a write between pages",
            )?;
            check(
                (0..6).all(|i| seen.contains(&format!("k{i}"))),
                "a document present before the first page is missing",
            )
        }
        "list_bad_continuation" => {
            let r = s.list(&n.plain, &[], &[], 5, Some("not-a-token")).await;
            check(r == Err(StoreError::BadContinuation), &format!("{r:?}"))
        }
        "list_only_matching_fields" => {
            // Owner scoping happens in the query: pages of 1 still hold only matching
            // documents, across partitions and within one.
            for (id, tenant, owner) in [
                ("o1", "P", "alice"),
                ("o2", "P", "bob"),
                ("o3", "Q", "alice"),
                ("o4", "Q", "bob"),
                ("o5", "Q", "alice"),
            ] {
                let doc = json!({ "id": id, "tenantId": tenant, "email": id, "ownerId": owner });
                s.create(&n.plain, &pk(&[tenant]), &doc).await.map_err(e)?;
            }
            let alice = [FieldEquals {
                field: "ownerId".into(),
                value: json!("alice"),
            }];
            let mut seen = Vec::new();
            let mut token: Option<String> = None;
            loop {
                let page = s
                    .list(&n.plain, &[], &alice, 1, token.as_deref())
                    .await
                    .map_err(e)?
                    .value;
                check(page.items.len() <= 1, "a page larger than its limit")?;
                seen.extend(page.items.iter().map(|d| id_of(&d.doc())));
                token = page.continuation;
                if token.is_none() {
                    break;
                }
            }
            check(
                sorted(seen.clone()) == ["o1", "o3", "o5"],
                &format!("across partitions: {seen:?}"),
            )?;
            let page = s
                .list(&n.plain, &[json!("Q")], &alice, 10, None)
                .await
                .map_err(e)?
                .value;
            let ids = sorted(page.items.iter().map(|d| id_of(&d.doc())).collect());
            check(ids == ["o3", "o5"], &format!("within a partition: {ids:?}"))
        }
        "nested_partition_key" => {
            let doc = json!({ "id": "n1", "address": { "zip": "10115" } });
            s.create(&n.nested, &pk(&["10115"]), &doc).await.map_err(e)?;
            let read = s.read(&n.nested, &pk(&["10115"]), "n1").await.map_err(e)?.value;
            check(read.is_some_and(|r| r.doc() == doc), "nested key document not found")?;
            let listed = list_all(s, &n.nested, &[json!("10115")], 10).await?;
            check(listed == ["n1"], "nested key list")
        }
        "ttl_default_expires" => {
            let clock = env.clock.as_ref().ok_or("no clock")?;
            s.create(&n.ttl, &pk(&["a"]), &json!({ "id": "t1", "p": "a", "email": "t1" }))
                .await
                .map_err(e)?;
            clock.advance(9_000);
            check(
                s.read(&n.ttl, &pk(&["a"]), "t1").await.map_err(e)?.value.is_some(),
                "expired early",
            )?;
            clock.advance(1_001);
            check(
                s.read(&n.ttl, &pk(&["a"]), "t1").await.map_err(e)?.value.is_none(),
                "visible after its TTL",
            )?;
            check(
                list_all(s, &n.ttl, &[json!("a")], 10).await?.is_empty(),
                "listed after its TTL",
            )
        }
        "ttl_document_overrides" => {
            let clock = env.clock.as_ref().ok_or("no clock")?;
            s.create(
                &n.ttl,
                &pk(&["b"]),
                &json!({ "id": "short", "p": "b", "email": "s", "ttl": 2 }),
            )
            .await
            .map_err(e)?;
            s.create(
                &n.ttl,
                &pk(&["b"]),
                &json!({ "id": "never", "p": "b", "email": "n", "ttl": -1 }),
            )
            .await
            .map_err(e)?;
            s.create(&n.ttl, &pk(&["b"]), &json!({ "id": "default", "p": "b", "email": "d" }))
                .await
                .map_err(e)?;
            clock.advance(2_001);
            check(
                list_all(s, &n.ttl, &[json!("b")], 10).await? == ["default", "never"],
                "after 2 s",
            )?;
            clock.advance(100_000);
            check(
                list_all(s, &n.ttl, &[json!("b")], 10).await? == ["never"],
                "after 102 s",
            )
        }
        "ttl_minus_one_without_default" => {
            let clock = env.clock.as_ref().ok_or("no clock")?;
            s.create(&n.ttl_on, &pk(&["c"]), &json!({ "id": "keep", "p": "c" }))
                .await
                .map_err(e)?;
            s.create(&n.ttl_on, &pk(&["c"]), &json!({ "id": "go", "p": "c", "ttl": 5 }))
                .await
                .map_err(e)?;
            clock.advance(5_001);
            check(
                list_all(s, &n.ttl_on, &[json!("c")], 10).await? == ["keep"],
                "ttl -1 container",
            )
        }
        "ttl_expired_frees_id_and_unique_key" => {
            let clock = env.clock.as_ref().ok_or("no clock")?;
            s.create(
                &n.ttl,
                &pk(&["d"]),
                &json!({ "id": "e1", "p": "d", "email": "e@x", "ttl": 1 }),
            )
            .await
            .map_err(e)?;
            clock.advance(1_001);
            s.create(&n.ttl, &pk(&["d"]), &json!({ "id": "e1", "p": "d", "email": "e@x" }))
                .await
                .map(|_| ())
                .map_err(|x| format!("an expired document still holds its id: {x}"))?;
            s.create(
                &n.ttl,
                &pk(&["d"]),
                &json!({ "id": "e2", "p": "d", "email": "f@x", "ttl": 1 }),
            )
            .await
            .map_err(e)?;
            clock.advance(1_001);
            s.create(&n.ttl, &pk(&["d"]), &json!({ "id": "e3", "p": "d", "email": "f@x" }))
                .await
                .map(|_| ())
                .map_err(|x| format!("an expired document still holds its unique key: {x}"))?;
            let r = s
                .replace(
                    &n.ttl,
                    &pk(&["d"]),
                    &json!({ "id": "e2", "p": "d" }),
                    &Precondition::None,
                )
                .await;
            check(
                r == Err(StoreError::NotFound),
                &format!("replace of an expired document: {r:?}"),
            )
        }
        other => Err(format!("unknown check {other}")),
    }
}

fn id_of(doc: &Value) -> String {
    doc["id"].as_str().unwrap_or_default().to_string()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

async fn list_all(s: &dyn Store, container: &str, prefix: &[Value], limit: usize) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..1000 {
        let page = s
            .list(container, prefix, &[], limit, token.as_deref())
            .await
            .map_err(|x| x.to_string())?
            .value;
        if page.items.len() > limit {
            return Err(format!("a page of {} for limit {limit}", page.items.len()));
        }
        out.extend(page.items.iter().map(|d| id_of(&d.doc())));
        match page.continuation {
            Some(t) => token = Some(t),
            None => return Ok(sorted(out)),
        }
    }
    Err("the pages never end".into())
}

/// Run futures concurrently on the current task (the suite needs no extra dependency).
async fn futures_join_all<F: std::future::Future>(futs: Vec<F>) -> Vec<F::Output>
where
    F::Output: Unpin,
{
    use std::pin::Pin;
    use std::task::{Context, Poll};
    struct JoinAll<F: std::future::Future> {
        futs: Vec<Option<Pin<Box<F>>>>,
        out: Vec<Option<F::Output>>,
    }
    impl<F: std::future::Future> std::future::Future for JoinAll<F>
    where
        F::Output: Unpin,
    {
        type Output = Vec<F::Output>;
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
            let this = self.get_mut();
            let mut pending = false;
            for (slot, out) in this.futs.iter_mut().zip(this.out.iter_mut()) {
                if let Some(f) = slot {
                    match f.as_mut().poll(cx) {
                        Poll::Ready(v) => {
                            *out = Some(v);
                            *slot = None;
                        }
                        Poll::Pending => pending = true,
                    }
                }
            }
            if pending {
                Poll::Pending
            } else {
                Poll::Ready(this.out.iter_mut().filter_map(Option::take).collect())
            }
        }
    }
    let n = futs.len();
    JoinAll {
        futs: futs.into_iter().map(|f| Some(Box::pin(f))).collect(),
        out: (0..n).map(|_| None).collect(),
    }
    .await
}
