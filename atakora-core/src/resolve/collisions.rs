//! Name collisions, read from the plan's record of every resource it names.

use super::compute::host_ids_may_meet;
use crate::diag::{Code, Diagnostic};
use crate::plan::{FunctionApp, NamedResource, Plan};
use std::collections::HashMap;

/// Rule (ATK0407): two resources of one type and scope never share a name (compared without
/// case, as Azure does); Function Apps sharing the storage account differ in their host ids.
pub(crate) fn collisions(plan: &Plan) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut seen: HashMap<(crate::naming::ResourceKind, Option<usize>, String), &NamedResource> = HashMap::new();
    for r in &plan.named {
        let Some(name) = r.planned() else { continue };
        let key = (r.kind, r.parent, name.to_string().to_ascii_lowercase());
        if let Some(first) = seen.get(&key) {
            // Two purposes, one name: the pattern drops the purpose.
            let help = if first.purpose != r.purpose {
                "put `{purpose}` in the naming pattern"
            } else {
                "give one of them another name (`container = \"...\"`, or a different `app`)"
            };
            out.push(
                Diagnostic::new(
                    Code::NameCollision,
                    format!(
                        "{} and {} both name {} `{}` in {}",
                        first.declared_by,
                        r.declared_by,
                        a(r.kind.label()),
                        name,
                        plan.scope_of(r)
                    ),
                )
                .help(help)
                .about(naming()),
            );
        } else {
            seen.insert(key, r);
        }
    }
    let apps: Vec<&FunctionApp> = plan.function_apps.iter().collect();
    for (i, a) in apps.iter().enumerate() {
        let meets = |b: &&&FunctionApp| match (&a.host_id, &b.host_id) {
            (Some(x), Some(y)) => x == y,
            (None, None) => host_ids_may_meet(&a.name, &b.name),
            // Assigned together: either every app has an explicit id or none has.
            _ => true,
        };
        if let Some(b) = apps[..i].iter().find(meets) {
            out.push(
                Diagnostic::new(
                    Code::NameCollision,
                    format!(
                        "Function Apps `{}` and `{}` share one storage account and their host id",
                        b.name, a.name
                    ),
                )
                .help("shorten `app` or the environment name")
                .about(naming()),
            );
        }
    }
    out
}

/// `a storage account`, `an App Service plan`.
fn a(label: &str) -> String {
    // `u` reads as a consonant in these labels (`a user-assigned identity`).
    let article = if label.starts_with(['A', 'E', 'I', 'O', 'a', 'e', 'i', 'o']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {label}")
}

/// What a name collision is about: the names the naming pattern makes.
fn naming() -> crate::diag::Subject {
    crate::diag::Subject {
        backend: None,
        component: None,
        option: Some("naming.pattern".into()),
    }
}

/// Rule (ATK0407): two backends of one crate deployed in the same environment never give two
/// resources the same name in one scope (they may share a resource group; global names would
/// meet there too, since the suffix is per resource group).
pub fn cross_backend_collisions(plans: &[&Plan]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // (environment, kind, name) → the backend that named it first.
    let mut seen: HashMap<(&str, crate::naming::ResourceKind, String), &Plan> = HashMap::new();
    for plan in plans {
        let mut mine = std::collections::HashSet::new();
        for r in plan.named.iter().filter(|r| r.parent.is_none()) {
            let Some(name) = r.planned() else { continue };
            let key = (plan.environment.as_str(), r.kind, name.to_string().to_ascii_lowercase());
            match seen.get(&key) {
                Some(other) if other.backend != plan.backend => out.push(
                    Diagnostic::new(
                        Code::NameCollision,
                        format!(
                            "backends `{}` and `{}` both name {} `{}` in environment `{}`",
                            other.backend_type,
                            plan.backend_type,
                            a(r.kind.label()),
                            name,
                            plan.environment
                        ),
                    )
                    .help("give each backend its own `app`, or put `{backend}` in their naming pattern"),
                ),
                Some(_) => {}
                None => {
                    mine.insert(key);
                }
            }
        }
        for key in mine {
            seen.insert(key, plan);
        }
    }
    out
}
