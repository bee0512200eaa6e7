//! A template within ARM's limits, or ordered parts that are: a backend larger than one
//! template allows (800 resources, 4 MB) becomes several templates deployed one after another
//! (`cargo atakora deploy` runs them in order), each within the limits on its own.
//!
//! - A template within the limits is left exactly as it is: one part.
//! - Otherwise the resources are put in dependency order (each after everything its
//!   `dependsOn` names; otherwise in template order) and cut greedily into parts of at most
//!   [`MAX_PART_RESOURCES`] resources and [`MAX_PART_BYTES`] bytes. Every dependency is then
//!   in the same part or an earlier one.
//! - Inside a part, `dependsOn` keeps the resources of that part; a resource of an earlier
//!   part exists when the part is deployed (and `reference()` names its apiVersion, so it
//!   reads existing resources as well).
//! - Every part has the template's parameters (one parameters file serves them all) and
//!   variables (the names); the outputs go in the last part, when everything exists.

use crate::limits::{MAX_RESOURCES, MAX_TEMPLATE_BYTES, resource_count};
use serde_json::{Map, Value};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// Resources in one part: ARM's limit.
pub const MAX_PART_RESOURCES: usize = MAX_RESOURCES;
/// Bytes of one part's resources: ARM's 4 MB less room for its parameters, variables and
/// outputs (measured and subtracted too).
pub const MAX_PART_BYTES: usize = MAX_TEMPLATE_BYTES - 64 * 1024;

/// The file of part `index` (0-based): `azuredeploy.json`, then `azuredeploy.part-2.json`, ...
pub fn file_name(index: usize) -> String {
    match index {
        0 => "azuredeploy.json".to_string(),
        k => format!("azuredeploy.part-{}.json", k + 1),
    }
}

/// `template` as it is when it fits ARM's limits (its rendered length is `text_len`), else
/// its ordered parts.
pub fn split(template: Value, text_len: usize) -> Vec<Value> {
    if text_len <= MAX_TEMPLATE_BYTES && resource_count(&template) <= MAX_RESOURCES {
        return vec![template];
    }
    split_rendered(template).into_iter().map(|(part, _)| part).collect()
}

/// The ordered parts of `template` (which does not fit), each with its text exactly as
/// [`crate::to_text`] renders it: each resource is rendered once, to measure it and to write it.
pub(crate) fn split_rendered(template: Value) -> Vec<(Value, String)> {
    let Value::Object(mut top) = template else {
        let text = crate::to_text(&template);
        return vec![(template, text)];
    };
    let resources = match top.remove("resources") {
        Some(Value::Array(r)) => r,
        _ => Vec::new(),
    };
    let outputs = top.remove("outputs").unwrap_or_else(|| Value::Object(Map::new()));
    // The parameters, variables and outputs every part may carry.
    let frame = crate::to_text(&Value::Object(top.clone())).len() + crate::to_text(&outputs).len();
    let budget = MAX_PART_BYTES.saturating_sub(frame);
    let targets = dependency_targets(&resources);
    let order = dependency_order(&targets);
    let mut sized: Vec<Option<(Value, usize, String)>> = resources
        .into_iter()
        .map(|r| {
            let weight = weight(&r);
            let text = indented(&r);
            Some((r, weight, text))
        })
        .collect();
    // Each member: the resource's index in the template, the resource, its text.
    let mut parts: Vec<Vec<(usize, Value, String)>> = vec![Vec::new()];
    let mut part_of = vec![0usize; sized.len()];
    let (mut count, mut bytes) = (0usize, 0usize);
    for i in order {
        let Some((resource, weight, text)) = sized[i].take() else {
            continue;
        };
        let size = text.len() + 2;
        if !parts.last().is_some_and(Vec::is_empty) && (count + weight > MAX_PART_RESOURCES || bytes + size > budget) {
            parts.push(Vec::new());
            count = 0;
            bytes = 0;
        }
        count += weight;
        bytes += size;
        part_of[i] = parts.len() - 1;
        parts.last_mut().expect("one part at least").push((i, resource, text));
    }
    let last = parts.len() - 1;
    parts
        .into_iter()
        .enumerate()
        .map(|(k, members)| {
            let mut resources = Vec::with_capacity(members.len());
            let mut texts = Vec::with_capacity(members.len());
            let mut changed = Vec::with_capacity(members.len());
            for (i, mut resource, text) in members {
                changed.push(keep_local_dependencies(&mut resource, &targets[i], |j| part_of[j] == k));
                resources.push(resource);
                texts.push(text);
            }
            let mut part = top.clone();
            part.insert("resources".into(), Value::Array(Vec::new()));
            part.insert(
                "outputs".into(),
                if k == last {
                    outputs.clone()
                } else {
                    Value::Object(Map::new())
                },
            );
            // The frame rendered with no resources, then the resources' texts put in (those
            // whose `dependsOn` changed rendered again).
            let frame = crate::to_text(&Value::Object(part.clone()));
            let items: Vec<String> = resources
                .iter()
                .zip(texts)
                .zip(&changed)
                .map(|((r, t), changed)| if *changed { indented(r) } else { t })
                .collect();
            let text = with_resources(&frame, &items);
            part.insert("resources".into(), Value::Array(resources));
            (Value::Object(part), text)
        })
        .collect()
}

/// How an empty resource list renders at the top of a template.
const EMPTY_RESOURCES: &str = "\"resources\": []";

/// `frame` (a part rendered with no resources) with the rendered `items` as its resources,
/// written once into a string of the final size (a part's text is megabytes).
fn with_resources(frame: &str, items: &[String]) -> String {
    let Some(at) = frame.find(EMPTY_RESOURCES) else {
        return frame.to_string();
    };
    if items.is_empty() {
        return frame.to_string();
    }
    let size = frame.len() + items.iter().map(|t| t.len() + 2).sum::<usize>() + 8;
    let mut text = String::with_capacity(size);
    text.push_str(&frame[..at]);
    text.push_str("\"resources\": [\n");
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            text.push_str(",\n");
        }
        text.push_str(item);
    }
    text.push_str("\n  ]");
    text.push_str(&frame[at + EMPTY_RESOURCES.len()..]);
    text
}

/// A resource as it renders inside a template's `resources`: four spaces deeper.
fn indented(resource: &Value) -> String {
    let mut out = String::from("    ");
    crate::text::write(&mut out, resource, 2);
    out
}

/// A resource and its children, as ARM counts them.
fn weight(resource: &Value) -> usize {
    1 + resource
        .get("resources")
        .and_then(Value::as_array)
        .map_or(0, |children| children.iter().map(weight).sum())
}

/// The key of a resource (`type|segment, segment`), as its own name gives it and as a
/// `[resourceId('type', segment, ...)]` in a `dependsOn` gives it.
fn own_key(resource: &Value) -> Option<String> {
    let ty = resource.get("type")?.as_str()?;
    let name = resource.get("name")?.as_str()?;
    let segments: Vec<String> = match name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        None => name.split('/').map(quote).collect(),
        Some(e) => match e.strip_prefix("format(").and_then(|e| e.strip_suffix(')')) {
            Some(args) => {
                let args = top_level_args(args);
                let (pattern, rest) = args.split_first()?;
                let pattern = pattern.strip_prefix('\'')?.strip_suffix('\'')?;
                // Only `{0}/{1}/...`: every segment one argument.
                let expected: Vec<String> = (0..rest.len()).map(|i| format!("{{{i}}}")).collect();
                if pattern != expected.join("/") {
                    return None;
                }
                rest.to_vec()
            }
            None => vec![e.to_string()],
        },
    };
    Some(key(ty, &segments))
}

/// The key a `dependsOn` entry names, when it is a `resourceId(...)`.
fn dependency_key(entry: &str) -> Option<String> {
    let e = entry.strip_prefix("[resourceId(")?.strip_suffix(")]")?;
    let args = top_level_args(e);
    let (ty, segments) = args.split_first()?;
    let ty = ty.strip_prefix('\'')?.strip_suffix('\'')?;
    Some(key(ty, segments))
}

fn key(ty: &str, segments: &[String]) -> String {
    format!("{}|{}", ty.to_ascii_lowercase(), segments.join(", "))
}

/// `'text'`, as an ARM string literal.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The comma-separated arguments of an ARM call, outside quotes and parentheses, trimmed.
fn top_level_args(args: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut depth, mut quoted, mut start) = (0i32, false, 0usize);
    for (i, ch) in args.char_indices() {
        match ch {
            '\'' => quoted = !quoted,
            '(' | '[' if !quoted => depth += 1,
            ')' | ']' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(args[start..i].trim().to_string());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(args[start..].trim().to_string());
    out
}

fn depends_on(resource: &Value) -> impl Iterator<Item = &str> {
    resource
        .get("dependsOn")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// The `dependsOn` entries of `template`'s resources that name no resource of it (a split
/// would lose their order). Empty for every template atakora emits.
pub fn unresolved_dependencies(template: &Value) -> Vec<String> {
    let resources = template
        .get("resources")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let keys: std::collections::HashSet<String> = resources.iter().filter_map(own_key).collect();
    resources
        .iter()
        .flat_map(depends_on)
        .filter(|d| dependency_key(d).is_none_or(|k| !keys.contains(&k)))
        .map(str::to_string)
        .collect()
}

/// Per resource, the resource each of its `dependsOn` entries names, by index (`None`: an
/// entry that names no resource of `resources`). Each name is read once.
fn dependency_targets(resources: &[Value]) -> Vec<Vec<Option<usize>>> {
    let index: HashMap<String, usize> = resources
        .iter()
        .enumerate()
        .filter_map(|(i, r)| own_key(r).map(|k| (k, i)))
        .collect();
    resources
        .iter()
        .map(|r| {
            // Every entry, in order (a non-string one names nothing), so that the list and
            // its targets line up entry for entry.
            r.get("dependsOn")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|d| d.as_str().and_then(dependency_key).and_then(|k| index.get(&k).copied()))
                .collect()
        })
        .collect()
}

/// Indices of the resources (given by their [`dependency_targets`]) with every resource after
/// those it depends on, and otherwise in template order (Kahn's algorithm, smallest index
/// first). Linear in resources and edges.
fn dependency_order(targets: &[Vec<Option<usize>>]) -> Vec<usize> {
    let n = targets.len();
    let mut waiting = vec![0usize; n];
    let mut unblocks: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, deps) in targets.iter().enumerate() {
        for &j in deps.iter().flatten() {
            if j != i {
                waiting[i] += 1;
                unblocks[j].push(i);
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> = (0..n).filter(|&i| waiting[i] == 0).map(Reverse).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(Reverse(i)) = ready.pop() {
        order.push(i);
        for &j in &unblocks[i] {
            waiting[j] -= 1;
            if waiting[j] == 0 {
                ready.push(Reverse(j));
            }
        }
    }
    if order.len() < n {
        // A cycle ARM would refuse anyway: keep the template's order for the rest.
        let placed: std::collections::HashSet<usize> = order.iter().copied().collect();
        order.extend((0..n).filter(|i| !placed.contains(i)));
    }
    order
}

/// Drop each `dependsOn` entry of `resource` (whose entries name `targets`) that names no
/// resource of its own part (`local`): an earlier part's; whether any was dropped.
fn keep_local_dependencies(resource: &mut Value, targets: &[Option<usize>], local: impl Fn(usize) -> bool) -> bool {
    let Some(list) = resource.get_mut("dependsOn").and_then(Value::as_array_mut) else {
        return false;
    };
    // `targets` was read from this very list, entry by entry.
    let mut keep = targets.iter().map(|t| t.is_some_and(&local));
    let before = list.len();
    list.retain(|_| keep.next().unwrap_or(false));
    let changed = list.len() != before;
    if list.is_empty()
        && let Some(o) = resource.as_object_mut()
    {
        o.remove("dependsOn");
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_and_dependencies_give_the_same_keys() {
        let db = json!({
            "type": "Microsoft.DocumentDB/databaseAccounts/sqlDatabases",
            "name": "[format('{0}/{1}', variables('cosmosAccountName'), 'shop')]"
        });
        assert_eq!(
            own_key(&db),
            dependency_key(
                "[resourceId('Microsoft.DocumentDB/databaseAccounts/sqlDatabases', variables('cosmosAccountName'), 'shop')]"
            )
        );
        let deployment = json!({ "type": "Microsoft.Resources/deployments", "name": "access-api" });
        assert_eq!(
            own_key(&deployment),
            dependency_key("[resourceId('Microsoft.Resources/deployments', 'access-api')]")
        );
        assert_eq!(top_level_args("'a, b', f(x, y), z"), vec!["'a, b'", "f(x, y)", "z"]);
    }

    #[test]
    fn parts_keep_dependencies_in_order_and_within_the_limit() {
        let resources: Vec<Value> = (0..2000)
            .map(|i| {
                let mut r = json!({ "type": "T/x", "name": format!("r{i}") });
                if (1..1000).contains(&i) {
                    // Waits for one 1,000 later in the template.
                    r["dependsOn"] = json!([format!("[resourceId('T/x', 'r{}')]", i + 1000)]);
                }
                r
            })
            .collect();
        let template = json!({ "parameters": {}, "variables": {}, "resources": resources, "outputs": { "o": {} } });
        let parts = split(template, 0);
        assert_eq!(parts.len(), 3);
        let mut placed: HashMap<String, usize> = HashMap::new();
        for (k, p) in parts.iter().enumerate() {
            assert!(resource_count(p) <= MAX_PART_RESOURCES);
            for r in p["resources"].as_array().unwrap() {
                placed.insert(own_key(r).unwrap(), k);
            }
            assert!(
                unresolved_dependencies(p).is_empty(),
                "part {k} names resources outside it"
            );
        }
        for i in 1..1000 {
            // r{i} waited for r{i+1000}: that one is in the same part or an earlier one.
            let (me, dep) = (placed[&format!("t/x|'r{i}'")], placed[&format!("t/x|'r{}'", i + 1000)]);
            assert!(dep <= me);
        }
        assert_eq!(parts[2]["outputs"], json!({ "o": {} }));
        assert_eq!(parts[0]["outputs"], json!({}));
    }

    #[test]
    fn part_texts_are_the_parts_rendered() {
        let resources: Vec<Value> = (0..900)
            .map(|i| {
                let mut r = json!({ "type": "T/x", "name": format!("r{i}"), "properties": { "a": [1, { "b": "c\nd" }], "e": {} } });
                if i > 0 {
                    r["dependsOn"] = json!([format!("[resourceId('T/x', 'r{}')]", i - 1)]);
                }
                r
            })
            .collect();
        let template = json!({ "$schema": "s", "parameters": { "p": { "type": "string" } }, "variables": {}, "resources": resources, "outputs": { "o": { "type": "string", "value": "v" } } });
        let parts = split_rendered(template);
        assert_eq!(parts.len(), 2);
        for (part, text) in &parts {
            assert_eq!(text, &crate::to_text(part));
        }
    }
}
