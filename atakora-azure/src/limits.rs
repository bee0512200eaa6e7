//! ARM's own limits on one template (shared/azure-facts.md §8), checked before a template is
//! written: a template over them would be refused at deployment.

use atakora_core::{Code, Diagnostic};
use serde_json::Value;

/// Bytes of one template.
pub const MAX_TEMPLATE_BYTES: usize = 4 * 1024 * 1024;
/// Resources in one template (children and copies included).
pub const MAX_RESOURCES: usize = 800;
/// Parameters of one template.
pub const MAX_PARAMETERS: usize = 256;
/// Variables of one template.
pub const MAX_VARIABLES: usize = 512;
/// Outputs of one template.
pub const MAX_OUTPUTS: usize = 64;
/// Above this many resources a backend is worth splitting (warning ATK0909).
pub const LARGE_BACKEND: usize = 50;

/// Resources in `template`, nested children included (a nested deployment counts as one: its
/// template has limits of its own).
pub fn resource_count(template: &Value) -> usize {
    fn count(list: Option<&Value>) -> usize {
        list.and_then(Value::as_array)
            .map_or(0, |rs| rs.iter().map(|r| 1 + count(r.get("resources"))).sum())
    }
    count(template.get("resources"))
}

/// The templates of `template`'s nested deployments.
fn nested_templates(template: &Value) -> impl Iterator<Item = &Value> {
    template["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["type"] == "Microsoft.Resources/deployments")
        .map(|r| &r["properties"]["template"])
}

/// Every resource a deployment of `template` creates, those of its nested deployments
/// included.
pub fn total_resources(template: &Value) -> usize {
    resource_count(template) + nested_templates(template).map(total_resources).sum::<usize>()
}

/// Every ARM limit `template` (rendered as `text`) breaks, and the large-backend warning.
pub fn check(template: &Value, text: &str) -> Vec<Diagnostic> {
    let mut out = limits_broken(template, text);
    out.extend(large(total_resources(template)));
    out
}

/// Every ARM limit a part of a split template breaks (`texts` are the parts rendered), and
/// the large-backend warning over all of them.
pub fn check_parts(parts: &[Value], texts: &[String]) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = parts.iter().zip(texts).flat_map(|(p, t)| limits_broken(p, t)).collect();
    let resources: usize = parts.iter().map(total_resources).sum();
    out.extend(large(resources));
    if parts.len() > 1 {
        out.push(
            Diagnostic::new(
                Code::TemplateSplit,
                format!(
                    "the template's {resources} resources ({} bytes) are over ARM's limits: written as {} ordered parts",
                    texts.iter().map(String::len).sum::<usize>(),
                    parts.len()
                ),
            )
            .help("deploy them with `cargo atakora deploy`, which runs the parts in order (manifest.json lists them)"),
        );
    }
    out
}

fn large(resources: usize) -> Option<Diagnostic> {
    (resources > LARGE_BACKEND).then(|| {
        Diagnostic::new(
            Code::LargeBackend,
            format!("the template has {resources} resources (more than {LARGE_BACKEND})"),
        )
        .help("consider splitting the backend: group related components, one backend per security boundary")
    })
}

fn limits_broken(template: &Value, text: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let len = |k: &str| template.get(k).and_then(Value::as_object).map_or(0, |o| o.len());
    let mut over = |what: &str, n: usize, max: usize| {
        if n > max {
            out.push(
                Diagnostic::new(
                    Code::ArmLimit,
                    format!("the template has {n} {what}, above ARM's limit of {max}"),
                )
                .help("split the backend into two backends"),
            );
        }
    };
    over("bytes", text.len(), MAX_TEMPLATE_BYTES);
    over("resources", resource_count(template), MAX_RESOURCES);
    for inner in nested_templates(template) {
        over("resources in a nested deployment", resource_count(inner), MAX_RESOURCES);
    }
    over("parameters", len("parameters"), MAX_PARAMETERS);
    over("variables", len("variables"), MAX_VARIABLES);
    over("outputs", len("outputs"), MAX_OUTPUTS);
    out
}
