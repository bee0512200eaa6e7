//! The Functions package: its files, the executable bit, the glibc check, and that its
//! functions are exactly the routes the running router answers.

mod common;

use atakora_runtime::package::{self, PackageError};
use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::Read;

/// `(function folder, route, methods)` of one function.json.
type Function = (String, String, Vec<String>);

/// Every function of the zip, its `(name, unix mode)` entries, and its host.json.
fn unzip(path: &std::path::Path) -> (Vec<Function>, Vec<(String, u32)>, Value) {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut functions = Vec::new();
    let mut entries = Vec::new();
    let mut host = Value::Null;
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        entries.push((name.clone(), f.unix_mode().unwrap() & 0o777));
        if name.ends_with("function.json") || name == "host.json" {
            let mut text = String::new();
            f.read_to_string(&mut text).unwrap();
            let v: Value = serde_json::from_str(&text).unwrap();
            if name == "host.json" {
                host = v;
                continue;
            }
            let trigger = &v["bindings"][0];
            assert_eq!(trigger["type"], "httpTrigger");
            assert_eq!(trigger["authLevel"], "anonymous");
            assert_eq!(
                v["bindings"][1],
                serde_json::json!({ "type": "http", "direction": "out", "name": "res" })
            );
            let methods = trigger["methods"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m.as_str().unwrap().to_uppercase())
                .collect();
            functions.push((
                name.trim_end_matches("/function.json").to_string(),
                trigger["route"].as_str().unwrap().to_string(),
                methods,
            ));
        }
    }
    (functions, entries, host)
}

#[test]
fn the_package_has_host_json_one_function_per_route_and_an_executable_handler() {
    let dir = TempDir::new("pkg");
    let exe = std::env::current_exe().unwrap();
    let p = package::build(&service(), &exe, &dir.0, (99, 99)).unwrap();
    assert_eq!(p.path, dir.0.join("released-package.zip"));
    let (functions, entries, host) = unzip(&p.path);
    assert_eq!(entries[0], ("handler".to_string(), 0o755));
    assert!(entries[1..].iter().all(|(_, m)| *m == 0o644), "{entries:?}");
    assert_eq!(entries, p.entries);
    assert_eq!(host["customHandler"]["description"]["defaultExecutablePath"], "handler");
    assert_eq!(host["customHandler"]["enableProxyingHttpRequest"], true);
    assert_eq!(
        host["extensions"]["http"]["routePrefix"],
        atakora_core::contract::HOST_ROUTE_PREFIX
    );
    assert_eq!(host["version"], "2.0");
    let names: Vec<&str> = functions.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "api_members",
            "api_members_id",
            "api_member_view",
            "api_member_view_id",
            "api_events",
            "api_events_id",
            "api_places",
            "api_places_id",
            "api_audit_labels",
            "api_audit_labels_id",
            "health",
            "healthz",
            "api_openapi_json"
        ]
    );
    let view = functions.iter().find(|f| f.0 == "api_member_view_id").unwrap();
    assert_eq!(
        (view.1.as_str(), view.2.clone()),
        ("api/member-view/{id}", vec!["GET".to_string()])
    );
    // Deterministic: the same inputs give the same bytes.
    let first = std::fs::read(&p.path).unwrap();
    package::build(&service(), &exe, &dir.0, (99, 99)).unwrap();
    assert_eq!(std::fs::read(&p.path).unwrap(), first);
}

#[test]
fn the_glibc_check_reads_the_binary_and_fails_clearly() {
    let exe = std::env::current_exe().unwrap();
    let bytes = std::fs::read(&exe).unwrap();
    let needed = package::required_glibc(&bytes)
        .unwrap()
        .expect("a glibc-linked test binary");
    assert_eq!(needed.0, 2);
    assert!(needed.1 >= 2, "{needed:?}");
    let dir = TempDir::new("glibc");
    let err = package::build(&service(), &exe, &dir.0, (2, 1)).unwrap_err();
    match &err {
        PackageError::Glibc { needed: n, allowed } => assert_eq!((*n, *allowed), (needed, (2, 1))),
        other => panic!("{other}"),
    }
    let text = err.to_string();
    assert!(
        text.contains(&format!("GLIBC_{}.{}", needed.0, needed.1)) && text.contains("zigbuild"),
        "{text}"
    );
    assert!(!dir.0.join("released-package.zip").exists(), "no package on failure");
    let not_elf = dir.0.join("script.sh");
    std::fs::write(&not_elf, "#!/bin/sh\n").unwrap();
    let err = package::build(&service(), &not_elf, &dir.0, (99, 99)).unwrap_err();
    assert!(matches!(err, PackageError::NotLinuxX86_64(_)), "{err}");
    let mut arm = bytes[..64].to_vec();
    arm[18] = 0xb7; // EM_AARCH64
    assert!(matches!(
        package::required_glibc(&arm),
        Err(PackageError::NotLinuxX86_64(_))
    ));
}

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

#[tokio::test]
async fn the_package_functions_are_the_routes_the_router_answers() {
    let dir = TempDir::new("parity");
    let exe = std::env::current_exe().unwrap();
    let p = package::build(&service(), &exe, &dir.0, (99, 99)).unwrap();
    let (functions, _, _) = unzip(&p.path);
    let packaged: BTreeSet<(String, String)> = functions
        .iter()
        .flat_map(|(_, route, methods)| methods.iter().map(move |m| (format!("/{route}"), m.clone())))
        .collect();
    // Probe the live router with every method on every path a client could try: each
    // component's collection and item path, every health path, the OpenAPI path, and paths
    // that are not served.
    let s = start_sqlite(&dir).await;
    let mut candidates: Vec<String> = [
        "/health",
        "/healthz",
        "/api/openapi.json",
        "/",
        "/api",
        "/api/unknown",
        "/api/unknown/{id}",
    ]
    .map(String::from)
    .to_vec();
    for api in &service().apis {
        candidates.push(format!("/api/{}", api.segment));
        candidates.push(format!("/api/{}/{{id}}", api.segment));
    }
    let mut served = BTreeSet::new();
    for path in &candidates {
        for m in METHODS {
            let url = path.replace("{id}", "probe");
            let r = s
                .send(m, &url, &[("content-type", "application/json")], Some("{}"))
                .await;
            let kind = r.json()["type"].as_str().map(String::from);
            // Not a route: 404 `no-route`; a route without this method: 405.
            let answered = r.status != 405 && kind.as_deref() != Some("urn:atakora:problem:no-route");
            if answered {
                served.insert((path.clone(), m.to_string()));
            }
        }
    }
    assert_eq!(packaged, served, "package functions vs. the router's routes");
    s.stop().await;
}
