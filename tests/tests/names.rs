//! Property test over random app, environment and component names: every generated name is
//! legal for its type once the deployment suffix is appended, names within a plan never
//! collide, and shortening never makes two different names meet.
//!
//! `ATAKORA_NAME_CASES` sets the number of random backends (default 2000).

use atakora::naming::{ResourceKind, suffix_for};
use atakora::spec::*;
use atakora_tests::Rng;
use std::borrow::Cow;
use std::collections::HashMap;

/// Name-shaped random values.
trait Words {
    fn word(&mut self, min: usize, max: usize) -> String;
    fn type_name(&mut self) -> String;
}

impl Words for Rng {
    /// A lowercase word as the app and environment rules allow: a letter first, then letters,
    /// digits and single hyphens, no hyphen last.
    fn word(&mut self, min: usize, max: usize) -> String {
        let len = min + self.below(max - min + 1);
        let mut s = String::new();
        while s.len() < len {
            let c = match self.below(10) {
                0 if !s.is_empty() && !s.ends_with('-') && s.len() + 1 < len => '-',
                1 | 2 if !s.is_empty() => (b'0' + self.below(10) as u8) as char,
                _ => (b'a' + self.below(26) as u8) as char,
            };
            s.push(c);
        }
        s
    }
    fn type_name(&mut self) -> String {
        let mut s = String::new();
        for _ in 0..1 + self.below(4) {
            let w = self.word(2, 9).replace('-', "");
            let mut c = w.chars();
            if let Some(f) = c.next() {
                s.extend(f.to_uppercase());
                s.extend(c);
            }
        }
        s
    }
}

fn random_spec(rng: &mut Rng, i: usize) -> BackendSpec {
    let mut components = Vec::new();
    for n in 0..rng.below(4) {
        let ty = format!("{}{n}", rng.type_name());
        let mut api = CrudApiSpec::with_defaults(&ty);
        api.serverless = rng.below(4) == 0;
        if rng.below(3) == 0 {
            api.cache = Some(CacheSpec { ttl: 60 });
        }
        if rng.below(3) == 0 {
            api.health_check = Some(HealthCheckSpec {
                path: Cow::Borrowed("/health"),
                interval: 300,
                timeout: 30,
                unhealthy_threshold: 3,
            });
        }
        components.push(ComponentSpec::CrudApi {
            field: Cow::Owned(format!("c{n}")),
            api: Cow::Owned(api),
        });
    }
    let entities: Vec<String> = components
        .iter()
        .filter_map(|c| match c {
            ComponentSpec::CrudApi { api, .. } => Some(api.type_name.to_string()),
            ComponentSpec::FunctionsApp { .. } => None,
        })
        .collect();
    for n in 0..1 + rng.below(3) {
        let ty = format!("{}{n}", rng.type_name());
        // Functions: a queue (its queues and their poison twins), and the change feed of an
        // entity (a leases container and the metadata-reader role definition).
        let mut functions = Vec::new();
        if rng.below(2) == 0 {
            let queue = rng.word(3, 56);
            functions.push(FunctionSpec {
                name: Cow::Owned(format!("drain{n}")),
                app: Cow::Owned(ty.clone()),
                trigger: Trigger::Queue {
                    queue: Cow::Owned(queue),
                    max_attempts: 5,
                },
                always_ready: None,
            });
        }
        if let Some(entity) = entities.first().filter(|_| rng.below(2) == 0) {
            functions.push(FunctionSpec {
                name: Cow::Owned(format!("watch{n}")),
                app: Cow::Owned(ty.clone()),
                trigger: Trigger::Changes {
                    entity: Cow::Owned(entity.clone()),
                },
                always_ready: None,
            });
        }
        let app = FunctionsAppSpec {
            type_name: Cow::Owned(ty),
            memory_mb: 2048,
            max_instances: 100,
            always_ready: 0,
            functions: Cow::Owned(functions),
        };
        components.push(ComponentSpec::FunctionsApp {
            field: Cow::Owned(format!("f{n}")),
            app: Cow::Owned(app),
        });
    }
    let environments: Vec<Str> = (0..1 + rng.below(3))
        .map(|_| Cow::Owned(rng.word(1, 32)))
        .collect::<Vec<_>>();
    let mut environments = environments;
    environments.dedup();
    let app = rng.word(2, 24);
    let mut spec = BackendSpec {
        environments: Cow::Owned(environments),
        components: Cow::Owned(components),
        ..BackendSpec::with_defaults(&format!("Backend{i}"), &app)
    };
    // Every family: isolated networking either way, alerting with an action group, keys mode.
    if rng.below(3) == 0 {
        spec.networking = Networking::Isolated(IsolatedNetwork {
            vnet_name: None,
            subnet_name: None,
            address_space: Cow::Borrowed(IsolatedNetwork::DEFAULT_ADDRESS_SPACE),
            private_endpoints: rng.below(2) == 0,
        });
    }
    if rng.below(3) == 0
        && let Some(m) = spec.monitoring.as_mut()
    {
        m.alerting = Some(AlertingSpec {
            error_threshold: 5,
            latency_threshold_ms: 1000,
            email: Some(Cow::Borrowed("ops@example.com")),
        });
    }
    spec.managed_identity = rng.below(4) != 0;
    spec
}

#[test]
fn every_generated_name_is_legal_and_distinct() {
    let cases: usize = std::env::var("ATAKORA_NAME_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let mut rng = Rng(0x4E41_4D45);
    let (mut plans, mut names, mut shortened) = (0usize, 0usize, 0usize);
    let mut illegal = Vec::new();
    let mut collisions = Vec::new();
    // (kind, final base) → the unshortened name it came from: two different sources must never
    // share a final name.
    let mut seen: HashMap<(ResourceKind, String), String> = HashMap::new();
    let mut kinds_seen = std::collections::HashSet::new();
    for i in 0..cases {
        let spec = random_spec(&mut rng, i);
        let suffix = suffix_for(&format!(
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-{i}"
        ));
        for env in spec.environments.iter() {
            let plan = atakora::Plan::resolve(&spec, env).unwrap();
            plans += 1;
            let report = plan.validate();
            for d in report
                .errors
                .iter()
                .filter(|d| matches!(d.code.as_str(), "ATK0406" | "ATK0407"))
            {
                collisions.push(format!("{}/{env}: {}", spec.app, d.message));
            }
            shortened += report.warnings.iter().filter(|d| d.code.as_str() == "ATK0903").count();
            // Effective host ids: the explicit one, else the platform's (the name's first 32
            // characters; the host trims a trailing hyphen).
            let host_ids: Vec<String> = plan
                .model()
                .function_apps
                .iter()
                .map(|a| match &a.host_id {
                    Some(h) => {
                        if !(1..=32).contains(&h.len()) || h.contains("--") || h.starts_with('-') || h.ends_with('-') {
                            illegal.push(format!("host id `{h}`"));
                        }
                        h.clone()
                    }
                    None => a
                        .name
                        .with_suffix(&suffix)
                        .chars()
                        .take(32)
                        .collect::<String>()
                        .trim_end_matches('-')
                        .to_string(),
                })
                .collect();
            for (k, h) in host_ids.iter().enumerate() {
                if host_ids[..k].contains(h) {
                    collisions.push(format!("host id `{h}` twice in {}/{env}", spec.app));
                }
            }
            let rg = format!("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-{i}");
            let model = plan.model();
            let finals: Vec<String> = (0..model.named.len())
                .map(|id| {
                    model.final_name_with(id, &rg, &suffix, &mut |identity| {
                        // A principal id: a GUID the identity gets when it is created.
                        atakora::naming::arm_guid(&[identity])
                    })
                })
                .collect();
            for (r, full) in model.named_resources().iter().zip(&finals) {
                names += 1;
                kinds_seen.insert(r.kind);
                if let Err(why) = r.kind.check_final(full) {
                    illegal.push(format!("{} `{full}`: {why}", r.kind.label()));
                }
                let Some(planned) = r.planned() else { continue };
                if r.parent.is_none() {
                    let source = format!("{}|{}|{}|{}", spec.app, env, r.declared_by, r.kind.label());
                    let key = (r.kind, planned.base.clone());
                    if let Some(other) = seen.get(&key)
                        && other != &source
                        && other.split('|').take(2).collect::<Vec<_>>() != source.split('|').take(2).collect::<Vec<_>>()
                        // Names Azure fixes (private DNS zones) are the same in every backend.
                        && r.kind != ResourceKind::PrivateDnsZone
                    {
                        // Same final name from a different app/environment: only acceptable when
                        // the sanitized inputs were equal (e.g. `a-b` and `ab` for storage).
                        let strip = |s: &str| s.replace('-', "");
                        let (a, b): (Vec<&str>, Vec<&str>) = (other.split('|').collect(), source.split('|').collect());
                        if strip(a[0]) + &strip(a[1]) != strip(b[0]) + &strip(b[1])
                            || r.kind != ResourceKind::StorageAccount
                        {
                            collisions.push(format!(
                                "{} `{}` from {other} and {source}",
                                r.kind.label(),
                                planned.base
                            ));
                        }
                    }
                    seen.entry(key).or_insert(source);
                }
            }
            // GUID names are distinct within the plan.
            let mut guids: Vec<&String> = plan
                .model()
                .named_resources()
                .iter()
                .zip(&finals)
                .filter(|(r, _)| r.planned().is_none())
                .map(|(_, n)| n)
                .collect();
            let count = guids.len();
            guids.sort();
            guids.dedup();
            if guids.len() != count {
                collisions.push(format!("two role assignments share a GUID in {}/{env}", spec.app));
            }
        }
    }
    let missing: Vec<_> = ResourceKind::ALL.iter().filter(|k| !kinds_seen.contains(k)).collect();
    assert!(missing.is_empty(), "the generator never reached {missing:?}");
    eprintln!(
        "names property test: {cases} random backends, {plans} plans, {names} names checked, {shortened} shortened, illegal {}, collisions {}",
        illegal.len(),
        collisions.len()
    );
    assert!(illegal.is_empty(), "illegal names:\n{}", illegal.join("\n"));
    assert!(collisions.is_empty(), "collisions:\n{}", collisions.join("\n"));
    assert!(shortened > 0, "the generator must reach names that need shortening");
}

#[test]
fn production_eastus_blue_gets_legal_names_for_every_type() {
    let mut spec = random_spec(&mut Rng(7), 0);
    spec.app = Cow::Borrowed("shop");
    spec.environments = Cow::Owned(vec![Cow::Borrowed("production-eastus-blue")]);
    let plan = atakora::Plan::resolve(&spec, "production-eastus-blue").unwrap();
    let rg = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/my-rg";
    let names = plan.model().final_names(rg);
    let suffix = suffix_for(rg);
    assert_eq!(
        suffix, "bmg7c6",
        "take(uniqueString(rg id), 6), from the ARM test vector bmg7c6xu4tw46"
    );
    let storage = names.iter().find(|(k, _)| *k == ResourceKind::StorageAccount).unwrap();
    // `st` + `shop` + `productioneastusblue` is 26 characters before the suffix: cut to 14 and
    // 4 characters of a hash of the full name (18), then the 6-character suffix: 24.
    let hash = &atakora::naming::unique_string(&["stshopproductioneastusblue"])[..4];
    assert_eq!(storage.1, format!("stshopproducti{hash}bmg7c6"));
    for (kind, name) in &names {
        kind.check_final(name)
            .unwrap_or_else(|e| panic!("{} `{name}`: {e}", kind.label()));
    }
    let cosmos = names.iter().find(|(k, _)| *k == ResourceKind::CosmosAccount);
    if let Some((_, name)) = cosmos {
        assert!(name.starts_with("cosno-shop-production-eastus-blue"), "{name}");
    }
    assert!(
        plan.validate().warnings.iter().any(|w| w.code.as_str() == "ATK0903"),
        "the shortening is reported"
    );
}
