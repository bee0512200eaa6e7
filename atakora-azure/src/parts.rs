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
use crate::text::{self, Member};
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
    // A part with no resources, and its text: without the outputs (the parts before the last)
    // and with them (the last). Each is rendered once, and its resources' texts are put in.
    let frames: [(Map<String, Value>, String); 2] = [Value::Object(Map::new()), outputs].map(|outputs| {
        let mut part = top.clone();
        part.insert("resources".into(), Value::Array(Vec::new()));
        part.insert("outputs".into(), outputs);
        let text = crate::to_text(&Value::Object(part.clone()));
        (part, text)
    });
    // The parameters, variables and outputs every part may carry.
    let budget = MAX_PART_BYTES.saturating_sub(frames[1].1.len());
    let targets = dependency_targets(&resources);
    let order = dependency_order(&targets);
    let mut sized: Vec<Option<(Value, usize, Rendered)>> = resources
        .into_iter()
        .map(|r| {
            let weight = weight(&r);
            let text = indented(&r);
            Some((r, weight, text))
        })
        .collect();
    // Each member: the resource's index in the template, the resource, its text.
    let mut parts: Vec<Vec<(usize, Value, Rendered)>> = vec![Vec::new()];
    let mut part_of = vec![0usize; sized.len()];
    let (mut count, mut bytes) = (0usize, 0usize);
    for i in order {
        let Some((resource, weight, text)) = sized[i].take() else {
            continue;
        };
        let size = text.0.len() + 2;
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
            let mut items = Vec::with_capacity(members.len());
            for (i, mut resource, (text, member)) in members {
                let changed = keep_local_dependencies(&mut resource, &targets[i], |j| part_of[j] == k);
                items.push(match member {
                    Some(member) if changed => with_dependencies(&text, member, &resource),
                    _ => text,
                });
                resources.push(resource);
            }
            let (frame, frame_text) = &frames[usize::from(k == last)];
            let mut part = frame.clone();
            let text = with_resources(frame_text, &items);
            part.insert("resources".into(), Value::Array(resources));
            (Value::Object(part), text)
        })
        .collect()
}

/// A resource's text, and where its `dependsOn` is in it.
type Rendered = (String, Option<Member>);

/// How an empty resource list renders at the top of a template: on its own line, two spaces
/// in (a `resources` inside a parameter or variable is deeper).
const EMPTY_RESOURCES: &str = "\n  \"resources\": []";

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
    text.push_str("\n  \"resources\": [\n");
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

/// A resource as it renders inside a template's `resources` (four spaces deeper), and where
/// its `dependsOn` is in that text.
fn indented(resource: &Value) -> (String, Option<Member>) {
    let mut out = String::from("    ");
    let member = match resource {
        Value::Object(map) if !map.is_empty() => text::object(&mut out, map, 2, Some("dependsOn")),
        other => {
            text::write(&mut out, other, 2);
            None
        }
    };
    (out, member)
}

/// The text of `resource` whose `dependsOn` lost entries, from its text before (`text`, with
/// `dependsOn` at `member`): only the list is written again. A resource's text can be
/// hundreds of kilobytes (an access deployment, a Function App's settings); rendering it
/// whole again would cost a split as much as rendering the template.
fn with_dependencies(text: &str, member: Member, resource: &Value) -> String {
    let mut out = String::with_capacity(text.len());
    match resource.get("dependsOn") {
        Some(list) => {
            out.push_str(&text[..member.value]);
            text::write(&mut out, list, 3);
            out.push_str(&text[member.end..]);
        }
        // No entry left: the member goes, with the comma between it and a neighbour.
        None if text[..member.start].ends_with(',') => {
            out.push_str(&text[..member.start - 1]);
            out.push_str(&text[member.end..]);
        }
        None if text[member.end..].starts_with(',') => {
            out.push_str(&text[..member.start]);
            out.push_str(&text[member.end + 1..]);
        }
        None => return indented(resource).0,
    }
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
#[cfg(test)]
fn own_key(resource: &Value) -> Option<String> {
    let mut keys = Keys::default();
    keys.own(resource).then(|| keys.text())
}

/// The key a `dependsOn` entry names, when it is a `resourceId(...)`.
#[cfg(test)]
fn dependency_key(entry: &str) -> Option<String> {
    let mut keys = Keys::default();
    keys.dependency(entry).then(|| keys.text())
}

/// A resource's key: its type's number in [`Keys`], and its name's segments
/// (`segment, segment`).
type Key = (usize, String);

/// The keys of resources, written one at a time into [`Keys::key`]. A split reads every name
/// and every `dependsOn` entry of thousands of resources in a build script, which cargo
/// compiles without optimisation: so a key is written into one reused buffer rather than built
/// from formatted pieces, and each type (a template has a few dozen, over thousands of
/// resources) is lower-cased once (ARM compares types so) and then known by its number.
#[derive(Default)]
struct Keys<'a> {
    /// The key written last.
    key: Key,
    /// Each type as written, and its number.
    seen: Vec<(&'a str, usize)>,
    /// Each type's number: the type in lower case.
    lowered: Vec<String>,
}

impl<'a> Keys<'a> {
    /// Write the key of `resource`; whether it has one.
    fn own(&mut self, resource: &'a Value) -> bool {
        let (Some(ty), Some(name)) = (
            resource.get("type").and_then(Value::as_str),
            resource.get("name").and_then(Value::as_str),
        ) else {
            return false;
        };
        self.start(ty);
        let key = &mut self.key.1;
        let Some(expression) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) else {
            // A literal name: each segment as an ARM string literal.
            for (i, segment) in name.split('/').enumerate() {
                separate(key, i);
                key.push('\'');
                for (j, piece) in segment.split('\'').enumerate() {
                    if j > 0 {
                        key.push_str("''");
                    }
                    key.push_str(piece);
                }
                key.push('\'');
            }
            return true;
        };
        let Some(args) = expression.strip_prefix("format(").and_then(|e| e.strip_suffix(')')) else {
            key.push_str(expression);
            return true;
        };
        let mut args = top_level_args(args);
        let Some(pattern) = args.next().and_then(|p| p.strip_prefix('\'')?.strip_suffix('\'')) else {
            return false;
        };
        // Only `{0}/{1}/...`: every segment one argument.
        let mut pattern = pattern;
        for (i, segment) in args.enumerate() {
            if i > 0 {
                let Some(rest) = pattern.strip_prefix('/') else {
                    return false;
                };
                pattern = rest;
            }
            let Some((number, rest)) = pattern.strip_prefix('{').and_then(|p| p.split_once('}')) else {
                return false;
            };
            if !is_decimal(number, i) {
                return false;
            }
            pattern = rest;
            separate(key, i);
            key.push_str(segment);
        }
        pattern.is_empty()
    }

    /// Write the key a `dependsOn` entry names; whether it is a `resourceId(...)`.
    fn dependency(&mut self, entry: &'a str) -> bool {
        let Some(e) = entry.strip_prefix("[resourceId(").and_then(|e| e.strip_suffix(")]")) else {
            return false;
        };
        let mut args = top_level_args(e);
        let Some(ty) = args.next().and_then(|t| t.strip_prefix('\'')?.strip_suffix('\'')) else {
            return false;
        };
        self.start(ty);
        for (i, segment) in args.enumerate() {
            separate(&mut self.key.1, i);
            self.key.1.push_str(segment);
        }
        true
    }

    /// Start a key of type `ty`: its number, no segments yet.
    fn start(&mut self, ty: &'a str) {
        self.key.1.clear();
        self.key.0 = match self.seen.iter().find(|(seen, _)| *seen == ty) {
            Some(&(_, number)) => number,
            None => {
                let lower = ty.to_ascii_lowercase();
                let number = match self.lowered.iter().position(|l| *l == lower) {
                    Some(number) => number,
                    None => {
                        self.lowered.push(lower);
                        self.lowered.len() - 1
                    }
                };
                self.seen.push((ty, number));
                number
            }
        };
    }

    /// The key written last, as text: `type|segment, segment`.
    #[cfg(test)]
    fn text(&self) -> String {
        format!("{}|{}", self.lowered[self.key.0], self.key.1)
    }
}

/// Whether `text` is `n` written in decimal, as `format` placeholders are.
fn is_decimal(text: &str, n: usize) -> bool {
    let canonical = text.bytes().all(|b| b.is_ascii_digit()) && (text.len() == 1 || !text.starts_with('0'));
    canonical && text.parse() == Ok(n)
}

/// The separator before segment `i` of a key.
fn separate(key: &mut String, i: usize) {
    if i > 0 {
        key.push_str(", ");
    }
}

/// The comma-separated arguments of an ARM call, outside quotes and parentheses, trimmed.
fn top_level_args(args: &str) -> impl Iterator<Item = &str> {
    let bytes = args.as_bytes();
    let (mut depth, mut quoted, mut start, mut at) = (0i32, false, 0usize, 0usize);
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        // The delimiters are ASCII, so every cut is on a character boundary.
        while at < bytes.len() {
            let byte = bytes[at];
            at += 1;
            match byte {
                b'\'' => quoted = !quoted,
                b'(' | b'[' if !quoted => depth += 1,
                b')' | b']' if !quoted => depth -= 1,
                b',' if !quoted && depth == 0 => {
                    let arg = args[start..at - 1].trim();
                    start = at;
                    return Some(arg);
                }
                _ => {}
            }
        }
        done = true;
        Some(args[start..].trim())
    })
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
    let mut keys = Keys::default();
    let mut named = std::collections::HashSet::new();
    for r in resources {
        if keys.own(r) {
            named.insert(keys.key.clone());
        }
    }
    resources
        .iter()
        .flat_map(depends_on)
        .filter(|d| !(keys.dependency(d) && named.contains(&keys.key)))
        .map(str::to_string)
        .collect()
}

/// Per resource, the resource each of its `dependsOn` entries names, by index (`None`: an
/// entry that names no resource of `resources`). Each name is read once.
fn dependency_targets(resources: &[Value]) -> Vec<Vec<Option<usize>>> {
    let mut keys = Keys::default();
    let mut index: HashMap<Key, usize> = HashMap::with_capacity(resources.len());
    for (i, r) in resources.iter().enumerate() {
        if keys.own(r) {
            index.insert(keys.key.clone(), i);
        }
    }
    resources
        .iter()
        .map(|r| {
            // Every entry, in order (a non-string one names nothing), so that the list and
            // its targets line up entry for entry.
            r.get("dependsOn")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|d| {
                    let named = d.as_str().is_some_and(|d| keys.dependency(d));
                    named.then(|| index.get(&keys.key).copied()).flatten()
                })
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
    // An empty list goes (even one that was empty already), and that changes the text too.
    let changed = list.len() != before || list.is_empty();
    if list.is_empty()
        && let Some(o) = resource.as_object_mut()
    {
        // In place: the text keeps the other members in their order, and so does the value.
        o.shift_remove("dependsOn");
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
        assert_eq!(
            top_level_args("'a, b', f(x, y), z").collect::<Vec<_>>(),
            vec!["'a, b'", "f(x, y)", "z"]
        );
        let literal = json!({ "type": "A/B", "name": "x/it's" });
        assert_eq!(own_key(&literal).as_deref(), Some("a/b|'x', 'it''s'"));
        assert_eq!(dependency_key("[resourceId('A/B', 'x', 'it''s')]"), own_key(&literal));
        // Only `{0}/{1}/...` names segments one for one.
        for name in [
            "[format('{1}/{0}', 'a', 'b')]",
            "[format('{0}-{1}', 'a', 'b')]",
            "[format('{0}', 'a', 'b')]",
            "[format('{0}/{1}/{2}', 'a', 'b')]",
            "[format('{00}', 'a')]",
        ] {
            assert_eq!(own_key(&json!({ "type": "A/B", "name": name })), None, "{name}");
        }
        assert_eq!(
            own_key(&json!({ "type": "A/B", "name": "[format('{0}/{1}', 'a', 'b')]" })).as_deref(),
            Some("a/b|'a', 'b'")
        );
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
        // Chained resources cut into two parts; at the cut, `dependsOn` loses entries of the
        // first part: all of them (a list that goes, wherever it stands among the members)
        // or some (a list that stays shorter).
        let resources: Vec<Value> = (0..900)
            .map(|i| {
                let mut r = json!({ "type": "T/x", "name": format!("r{i}"), "properties": { "a": [1, { "b": "c\nd" }], "e": {} } });
                let previous = |k: usize| json!(format!("[resourceId('T/x', 'r{k}')]"));
                match i % 4 {
                    _ if i == 0 => {}
                    0 => r["dependsOn"] = json!([previous(i - 1)]),
                    1 => {
                        // First among the members.
                        let rest = r.as_object().unwrap().clone();
                        let mut first = Map::new();
                        first.insert("dependsOn".into(), json!([previous(i - 1), "not a resourceId"]));
                        first.extend(rest);
                        r = Value::Object(first);
                    }
                    2 => r["dependsOn"] = json!([previous(i - 1), previous(i - 2)]),
                    _ => {
                        // Between members, and a later resource of the same part.
                        r["dependsOn"] = json!([previous(i - 3)]);
                        r["tags"] = json!({ "t": "v" });
                        if i + 1 < 900 {
                            r["dependsOn"].as_array_mut().unwrap().push(json!(format!("[resourceId('T/x', 'r{}')]", i + 1)));
                        }
                    }
                }
                r
            })
            .collect();
        let before: HashMap<String, usize> = resources
            .iter()
            .map(|r| (r["name"].as_str().unwrap().to_string(), depends_on(r).count()))
            .collect();
        // A variable that holds an empty `resources` of its own comes before the template's.
        let template = json!({ "$schema": "s", "parameters": { "p": { "type": "string" } }, "variables": { "v": { "resources": [] } }, "resources": resources, "outputs": { "o": { "type": "string", "value": "v" } } });
        let parts = split_rendered(template);
        assert_eq!(parts.len(), 2);
        let (mut shortened, mut gone) = (0, 0);
        for (part, text) in &parts {
            assert_eq!(text, &crate::to_text(part));
            for r in part["resources"].as_array().unwrap() {
                let (now, was) = (depends_on(r).count(), before[r["name"].as_str().unwrap()]);
                shortened += usize::from(now > 0 && now < was);
                gone += usize::from(now == 0 && was > 0);
            }
        }
        // At the cut, some lists lost entries and kept others, and some went.
        assert!(shortened > 0 && gone > 0, "{shortened} shortened, {gone} gone");
        // The members keep their order where `dependsOn` went.
        for (part, _) in &parts[1..] {
            for r in part["resources"].as_array().unwrap() {
                let keys: Vec<&String> = r.as_object().unwrap().keys().filter(|k| *k != "dependsOn").collect();
                assert_eq!(keys[..3], ["type", "name", "properties"]);
            }
        }
    }

    #[test]
    fn a_shorter_dependency_list_is_written_into_the_text_as_a_whole_render_would() {
        let first = json!({ "dependsOn": ["a", "b"], "type": "T/x", "name": "n" });
        let between = json!({ "type": "T/x", "dependsOn": ["a", "b"], "name": "n" });
        let last = json!({ "type": "T/x", "name": "n", "dependsOn": ["a", "b"] });
        let only = json!({ "dependsOn": ["a", "b"] });
        let empty = json!({ "type": "T/x", "dependsOn": [], "name": "n" });
        let (text, member) = indented(&empty);
        let mut without = empty.clone();
        assert!(keep_local_dependencies(&mut without, &[], |_| true));
        assert_eq!(
            with_dependencies(&text, member.unwrap(), &without),
            indented(&without).0
        );
        for resource in [first, between, last, only] {
            let (text, member) = indented(&resource);
            let member = member.expect("a dependsOn member");
            for keep in [vec![true, false], vec![false, false]] {
                let mut shorter = resource.clone();
                let targets: Vec<Option<usize>> = (0..2).map(Some).collect();
                assert!(keep_local_dependencies(&mut shorter, &targets, |j| keep[j]));
                assert_eq!(
                    with_dependencies(&text, member, &shorter),
                    indented(&shorter).0,
                    "{resource} keeping {keep:?}"
                );
            }
        }
    }
}
