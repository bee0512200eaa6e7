//! Small helpers for ARM expressions and the names the template refers to.

use atakora_core::Plan;
use atakora_core::naming::ResourceName;
use serde_json::{Map, Value};

/// `order-processor` → `orderProcessor`: variable and output keys.
pub(crate) fn camel(key: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in key.chars() {
        if c == '-' || c == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The template variable holding a resource name: a literal, or the base plus the
/// deployment-time suffix parameter.
pub(crate) fn name_variable(name: &ResourceName) -> Value {
    match name.suffix {
        None => Value::String(name.base.clone()),
        Some(sep) => Value::String(format!("[format('{}{sep}{{0}}', parameters('nameSuffix'))]", name.base)),
    }
}

/// `variables('x')`, for use inside an expression.
pub(crate) fn var(key: &str) -> String {
    format!("variables('{key}')")
}

/// `resourceId('<type>', <args>...)` (inside an expression).
pub(crate) fn resource_id(ty: &str, args: &[String]) -> String {
    format!("resourceId('{ty}', {})", args.join(", "))
}

/// An ARM string literal inside an expression.
pub(crate) fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The tags every taggable resource carries.
pub(crate) fn tags(plan: &Plan) -> Value {
    let mut m = Map::new();
    for (k, v) in &plan.tags {
        m.insert(k.clone(), Value::String(v.clone()));
    }
    Value::Object(m)
}

/// A JSON object of `entries`, in order, the values moved in. Emitters build their many
/// per-entity resources with it rather than `json!`, which copies every value it
/// interpolates through serde: slow in the unoptimised build scripts that render templates.
pub(crate) fn object<const N: usize>(entries: [(&str, Value); N]) -> Value {
    let mut m = Map::with_capacity(N);
    for (k, v) in entries {
        m.insert(k.to_string(), v);
    }
    Value::Object(m)
}

/// `[...]` around an expression.
pub(crate) fn expr(e: impl AsRef<str>) -> Value {
    Value::String(format!("[{}]", e.as_ref()))
}

/// Attach checkov suppressions, each with the reason a reviewer reads (docs/security.md
/// lists them all).
pub(crate) fn with_skips(mut resource: Value, skips: &[(&str, &str)]) -> Value {
    if !skips.is_empty() {
        let list: Vec<Value> = skips
            .iter()
            .map(|(id, why)| Value::String(format!("checkov:skip={id}:{why}")))
            .collect();
        resource["metadata"] = serde_json::json!({ "checkov": list });
    }
    resource
}
