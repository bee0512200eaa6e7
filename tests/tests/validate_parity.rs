//! `validate()` on a spec built by hand reports the same code the compiler reports for the same
//! mistake in an attribute (each row has a UI case under tests/ui/fail with that code).

use atakora::Backend;
use atakora::spec::*;
use atakora_example_shop::ApiBackend;
use std::borrow::Cow;

type Mutation = fn(&mut BackendSpec);

fn crud(spec: &mut BackendSpec, f: impl Fn(&mut CrudApiSpec)) {
    let mut components = spec.components.to_vec();
    if let ComponentSpec::CrudApi { api, .. } = &mut components[0] {
        f(api.to_mut());
    }
    spec.components = Cow::Owned(components);
}

fn functions(spec: &mut BackendSpec, f: impl Fn(&mut FunctionsAppSpec)) {
    let mut components = spec.components.to_vec();
    if let Some(ComponentSpec::FunctionsApp { app, .. }) = components
        .iter_mut()
        .find(|c| matches!(c, ComponentSpec::FunctionsApp { .. }))
    {
        f(app.to_mut());
    }
    spec.components = Cow::Owned(components);
}

#[test]
fn hand_built_specs_get_the_compilers_codes() {
    let api = ApiBackend::spec();
    // The shop's backend has a functions app too (its `order_processor`).
    let jobs = api;
    let cases: Vec<(&str, &BackendSpec, Mutation)> = vec![
        ("ATK0110", api, |s| crud(s, |a| a.ttl = Some(0))),
        ("ATK0101", api, |s| {
            crud(s, |a| a.partition_key = Cow::Owned(vec![Cow::Borrowed("tenantId")]))
        }),
        ("ATK0103", api, |s| {
            crud(s, |a| {
                a.partition_key = Cow::Owned(vec!["/a".into(), "/b".into(), "/c".into(), "/d".into()])
            })
        }),
        ("ATK0111", api, |s| {
            crud(s, |a| {
                a.throughput = Some(Throughput::Manual {
                    rus: PerEnv {
                        default: Some(450),
                        values: Cow::Borrowed(&[]),
                    },
                })
            })
        }),
        ("ATK0112", api, |s| {
            crud(s, |a| {
                a.throughput = Some(Throughput::Autoscale {
                    max_rus: PerEnv {
                        default: Some(4500),
                        values: Cow::Borrowed(&[]),
                    },
                })
            })
        }),
        ("ATK0113", api, |s| {
            crud(s, |a| {
                a.serverless = true;
                a.throughput = Some(Throughput::Manual {
                    rus: PerEnv {
                        default: Some(400),
                        values: Cow::Borrowed(&[]),
                    },
                })
            })
        }),
        ("ATK0114", api, |s| crud(s, |a| a.operations = Operations(0))),
        ("ATK0115", api, |s| crud(s, |a| a.cache = Some(CacheSpec { ttl: 0 }))),
        ("ATK0116", api, |s| {
            crud(s, |a| {
                a.health_check = Some(HealthCheckSpec {
                    path: "/h".into(),
                    interval: 30,
                    timeout: 30,
                    unhealthy_threshold: 3,
                })
            })
        }),
        ("ATK0117", api, |s| crud(s, |a| a.container = "My Items".into())),
        ("ATK0118", api, |s| {
            crud(s, |a| {
                a.unique_keys = Cow::Owned(vec![Cow::Owned(vec!["email".into()])])
            })
        }),
        ("ATK0120", api, |s| {
            crud(s, |a| {
                a.throughput = Some(Throughput::Manual {
                    rus: PerEnv {
                        default: Some(400),
                        values: Cow::Owned(vec![("qa".into(), 400)]),
                    },
                })
            })
        }),
        ("ATK0201", jobs, |s| functions(s, |f| f.memory_mb = 1024)),
        ("ATK0202", jobs, |s| functions(s, |f| f.max_instances = 0)),
        ("ATK0203", jobs, |s| functions(s, |f| f.always_ready = 200)),
        ("ATK0302", jobs, |s| s.components = Cow::Borrowed(&[])),
        ("ATK0303", jobs, |s| {
            let c = s.components[0].clone();
            s.components.to_mut().push(c)
        }),
        ("ATK0304", jobs, |s| {
            s.environments = Cow::Owned(vec!["dev".into(), "Prod".into()])
        }),
        ("ATK0305", jobs, |s| s.location = Some("East US".into())),
        ("ATK0307", jobs, |s| s.monitoring.as_mut().unwrap().retention_days = 7),
        ("ATK0310", jobs, |s| {
            s.monitoring.as_mut().unwrap().alerting = Some(AlertingSpec {
                error_threshold: 5,
                latency_threshold_ms: 1000,
                email: Some("nope".into()),
            })
        }),
        ("ATK0311", jobs, |s| s.naming.pattern = "{app}-{env}".into()),
        ("ATK0312", jobs, |s| {
            s.tags = Cow::Owned(vec![("environment".into(), "x".into())])
        }),
        ("ATK0313", jobs, |s| {
            s.networking = Networking::Isolated(IsolatedNetwork {
                vnet_name: None,
                subnet_name: None,
                address_space: "10.0.0.0".into(),
                private_endpoints: true,
            })
        }),
        ("ATK0314", jobs, |s| s.app = "Shop_App".into()),
        ("ATK0315", jobs, |s| {
            s.auto_scale = Some(AutoScaleSpec {
                max_throughput: 4000,
                target_utilization: 150,
            })
        }),
        ("ATK0316", jobs, |s| s.limits.max_cosmos_accounts = Some(0)),
        ("ATK0318", api, |s| {
            s.cors = Some(CorsSpec {
                allowed_origins: Cow::Owned(vec!["*".into()]),
            })
        }),
        ("ATK0404", jobs, |s| s.limits.max_function_apps = Some(1)),
        ("ATK0405", jobs, |s| s.limits.max_storage_accounts = Some(0)),
    ];
    for (code, base, mutate) in cases {
        let mut spec = base.clone();
        mutate(&mut spec);
        let env = spec.environments[0].to_string();
        let report = atakora::Plan::resolve(&spec, &env).unwrap().validate();
        let codes: Vec<&str> = report.errors.iter().map(|d| d.code.as_str()).collect();
        assert!(codes.contains(&code), "expected {code}, got {codes:?}");
        let ui_case_exists = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/ui/fail"))
            .unwrap()
            .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
            .any(|text| text.contains(&format!("{code}:")));
        // ATK0405 cannot come from an attribute (a limit of 0 is ATK0316 there).
        assert!(ui_case_exists || code == "ATK0405", "no UI case reports {code}");
    }
}

/// Codes of rules that tie items together: the compiler reports them from `#[backend]`'s
/// `const` assertions, `validate()` from `resolve`, both through `atakora_core::rules`.
const CROSS_ITEM: &[&str] = &[
    "ATK0120", "ATK0317", "ATK0402", "ATK0403", "ATK0404", "ATK0405", "ATK0407",
];

fn codes_in(text: &str) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    for (i, _) in text.match_indices("ATK0") {
        let code = &text[i..(i + 7).min(text.len())];
        if code.len() == 7 && code[3..].bytes().all(|b| b.is_ascii_digit()) && CROSS_ITEM.contains(&code) {
            out.insert(code.to_string());
        }
    }
    out
}

/// Every UI case whose attributes parse cleanly goes through the build helper's parser and
/// `validate()`, and must give the cross-item codes its `.stderr` shows the compiler giving
/// (none for a pass case).
#[test]
fn cross_item_cases_give_the_same_codes_on_both_paths() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui");
    let tmp = std::env::temp_dir().join(format!("atakora-parity-{}", std::process::id()));
    let (mut compared, mut with_codes) = (0, 0);
    for dir in ["fail", "pass"] {
        let mut cases: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "rs"))
            .collect();
        cases.sort();
        for case in cases {
            let source = std::fs::read_to_string(&case).unwrap();
            std::fs::create_dir_all(tmp.join("src")).unwrap();
            std::fs::write(tmp.join("src/lib.rs"), &source).unwrap();
            let sources = atakora::build::read_sources(&tmp, "parity").unwrap();
            if !sources.errors.is_empty() || sources.backends.is_empty() {
                continue; // an attribute's own error (or no backend): the compiler's alone
            }
            let mut validated = std::collections::BTreeSet::new();
            for spec in &sources.backends {
                for env in spec.environments.iter() {
                    let report = atakora::Plan::resolve(spec, env).unwrap().validate();
                    for d in report.errors {
                        validated.extend(codes_in(d.code.as_str()));
                    }
                }
            }
            let compiled = match dir {
                "fail" => codes_in(&std::fs::read_to_string(case.with_extension("stderr")).unwrap()),
                _ => Default::default(),
            };
            assert_eq!(
                compiled,
                validated,
                "{}: the compiler reports {compiled:?}, validate() {validated:?}",
                case.display()
            );
            compared += 1;
            with_codes += usize::from(!compiled.is_empty());
        }
    }
    std::fs::remove_dir_all(&tmp).ok();
    eprintln!("parity: {compared} UI cases through both paths, {with_codes} with cross-item codes");
    assert!(with_codes >= 7, "only {with_codes} cross-item cases compared");
}
