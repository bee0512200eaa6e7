//! `#[crud_api(...)]`: options, the entity's shape, and its serialized fields.

use super::attrs::{self, each_option};
use super::serde_names::{SerializedFields, serialized_fields};
use super::{Bound, Ctxt, Parsed};
use crate::check;
use crate::diag::{Code, Diagnostic, closest};
use crate::spec::{CacheSpec, CrudApiSpec, FieldSpec, HealthCheckSpec, Operations, Throughput};
use darling::ast::NestedMeta;
use proc_macro2::TokenStream;
use std::borrow::Cow;
use syn::punctuated::Punctuated;
use syn::{Data, DeriveInput, Expr, ExprLit, Fields, Lit, Meta, Token};

/// The options `#[crud_api]` accepts.
pub const OPTIONS: &[&str] = &[
    "partition_key",
    "ttl",
    "throughput",
    "autoscale",
    "auto_scale",
    "serverless",
    "operations",
    "cache",
    "health_check",
    "entity_name",
    "container",
    "unique_keys",
];
const WHAT: &str = "`#[crud_api]`";

/// Parse `#[crud_api(<args>)]` on `item`.
pub fn crud_api(args: TokenStream, item: &DeriveInput) -> Parsed<CrudApiSpec> {
    let mut cx = Ctxt::default();
    let type_name = item.ident.to_string();
    let mut spec = CrudApiSpec::with_defaults(&type_name);

    // Rule: the entity is a struct with named fields and no generics (its spec is one const).
    let fields = match &item.data {
        Data::Struct(s) if matches!(s.fields, Fields::Named(_)) => Some(&s.fields),
        Data::Struct(_) => {
            cx.error(
                &item.ident,
                Diagnostic::new(
                    Code::WrongItem,
                    format!("{WHAT} entity `{type_name}` must have named fields"),
                )
                .help("Cosmos DB items are JSON objects: declare `struct Name { id: String, ... }`"),
            );
            None
        }
        Data::Enum(e) => {
            cx.error(
                &e.enum_token,
                Diagnostic::new(
                    Code::WrongItem,
                    format!("{WHAT} must be on a struct with named fields, not on enum `{type_name}`"),
                ),
            );
            None
        }
        Data::Union(u) => {
            cx.error(
                &u.union_token,
                Diagnostic::new(
                    Code::WrongItem,
                    format!("{WHAT} must be on a struct with named fields, not on union `{type_name}`"),
                ),
            );
            None
        }
    };
    if !item.generics.params.is_empty() {
        cx.error(
            &item.generics,
            Diagnostic::new(
                Code::GenericItem,
                format!("{WHAT} entity `{type_name}` cannot be generic"),
            )
            .help("declare one concrete struct per entity"),
        );
    }
    let serialized = fields.map(|f| serialized_fields(&item.attrs, f));

    // Rule: Cosmos DB requires every item to have a string `id`.
    if let Some(s) = &serialized
        && !s.has_flatten
        && s.get("id").is_none()
    {
        let help = match s.fields.iter().find(|f| f.rust == "id") {
            Some(f) => format!("field `id` is serialized as `{}`; remove its rename", f.json),
            None => "add `pub id: String`".to_string(),
        };
        cx.error(
            &item.ident,
            Diagnostic::new(
                Code::MissingId,
                format!("{WHAT} entity `{type_name}` has no field serialized as `id`"),
            )
            .help(help),
        );
    }
    if let Some(s) = &serialized {
        spec.fields = Cow::Owned(
            s.fields
                .iter()
                .map(|f| {
                    let (ty, optional) = super::serde_names::json_type(&f.ty);
                    FieldSpec {
                        name: Cow::Owned(f.json.clone()),
                        ty,
                        required: !optional && !f.has_default,
                    }
                })
                .collect(),
        );
    }
    if let Some(id) = serialized.as_ref().and_then(|s| s.get("id")) {
        cx.require(Bound::IdValue, &id.ty, &id.ty);
    }

    let metas = attrs::nested(&mut cx, args);
    let mut throughput_meta: Option<Meta> = None;
    each_option(&mut cx, WHAT, OPTIONS, &metas, |cx, key, meta| match key {
        "partition_key" => {
            if let Some(paths) = partition_key(cx, meta, serialized.as_ref(), &type_name) {
                spec.partition_key = Cow::Owned(paths.into_iter().map(Cow::Owned).collect());
            }
        }
        "ttl" => {
            if let Some((v, e)) = attrs::int(cx, meta, key, "ttl = 86400") {
                spec.ttl = cx.check(&e, check::ttl(v));
            }
        }
        "throughput" | "autoscale" | "auto_scale" => {
            // Rule: at most one kind of dedicated throughput.
            if let Some(first) = &throughput_meta {
                let first = first.path().get_ident().map(|i| i.to_string()).unwrap_or_default();
                cx.error(
                    meta.path(),
                    Diagnostic::new(
                        Code::ThroughputConflict,
                        format!("`{key}` and `{first}` cannot both be set"),
                    )
                    .help("choose manual `throughput` or `autoscale`"),
                );
                return;
            }
            throughput_meta = Some(meta.clone());
            spec.throughput = if key == "throughput" {
                attrs::per_env(cx, meta, key, None, &check::throughput).map(|rus| Throughput::Manual { rus })
            } else {
                let rule = |v| check::autoscale_max(v, key, Code::AutoscaleRange);
                attrs::per_env(cx, meta, key, Some("max_throughput"), &rule)
                    .map(|max_rus| Throughput::Autoscale { max_rus })
            };
        }
        "serverless" => spec.serverless = attrs::flag(cx, meta, key).unwrap_or(false),
        "operations" => {
            if let Some(ops) = operations(cx, meta) {
                spec.operations = ops;
            }
        }
        "cache" => spec.cache = cache(cx, meta),
        "health_check" => spec.health_check = health_check(cx, meta),
        "entity_name" | "container" => {
            if let Some((v, e)) = attrs::string(cx, meta, key, &format!("{key} = \"orders\""))
                && cx.check(&e, check::resource_word(&v, key)).is_some()
            {
                if key == "entity_name" {
                    spec.entity_name = Cow::Owned(v)
                } else {
                    spec.container = Cow::Owned(v)
                }
            }
        }
        "unique_keys" => {
            if let Some(keys) = unique_keys(cx, meta, serialized.as_ref(), &type_name) {
                spec.unique_keys = Cow::Owned(
                    keys.into_iter()
                        .map(|k| Cow::Owned(k.into_iter().map(Cow::Owned).collect()))
                        .collect(),
                );
            }
        }
        _ => unreachable!("each_option passes only known options"),
    });

    // Rule: serverless accounts have no provisioned throughput.
    if spec.serverless
        && let Some(meta) = &throughput_meta
    {
        cx.error(
            meta.path(),
            Diagnostic::new(
                Code::ThroughputConflict,
                format!(
                    "`{}` cannot be combined with `serverless`",
                    meta.path().get_ident().map(|i| i.to_string()).unwrap_or_default()
                ),
            )
            .help("serverless accounts bill per request; remove one of the two"),
        );
        spec.throughput = None;
    }
    cx.finish(spec)
}

/// Rule: a key path's first segment is a serialized field of the entity (nested segments
/// below it are not checked here: the nested type is another item).
/// Which key option a path belongs to, and the codes its mistakes get.
#[derive(Clone, Copy)]
struct KeyOption {
    name: &'static str,
    syntax: Code,
    unknown: Code,
    partition_key: bool,
}

const PARTITION_KEY: KeyOption = KeyOption {
    name: "partition_key",
    syntax: Code::PartitionKeySyntax,
    unknown: Code::PartitionKeyUnknownField,
    partition_key: true,
};
const UNIQUE_KEYS: KeyOption = KeyOption {
    name: "unique_keys",
    syntax: Code::UniqueKeys,
    unknown: Code::UniqueKeys,
    partition_key: false,
};

fn field_path(
    cx: &mut Ctxt,
    at: &Expr,
    path: &str,
    key: &KeyOption,
    fields: Option<&SerializedFields>,
    type_name: &str,
) -> bool {
    let KeyOption {
        name: option,
        syntax,
        unknown: code,
        partition_key,
    } = *key;
    if cx.check(at, check::key_path_syntax(path, option, syntax)).is_none() {
        return false;
    }
    let Some(fields) = fields else { return true };
    let first = path[1..].split('/').next().unwrap_or_default();
    let nested = path[1..].contains('/');
    if let Some(field) = fields.get(first) {
        // Rule: a partition key value is a string, number or bool; a nested path goes into
        // a field that has fields (deeper segments are checked by the build helper).
        if nested {
            if let Some(scalar) = scalar_name(&field.ty) {
                cx.error(
                    at,
                    Diagnostic::new(
                        Code::PartitionKeyType,
                        format!("`{option}` path `{path}` goes into `{first}`, a `{scalar}`, which has no fields"),
                    )
                    .help(format!("write `/{first}`, or point into a struct field")),
                );
                return false;
            }
        } else if partition_key {
            cx.require(Bound::PartitionKeyValue, &field.ty, at);
        }
        return true;
    }
    if fields.has_flatten {
        return true;
    }
    let rest = &path[1 + first.len()..];
    let help = if let Some(f) = fields.fields.iter().find(|f| f.rust == first) {
        format!(
            "field `{}` is serialized as `{}`: write `/{}{rest}`",
            f.rust, f.json, f.json
        )
    } else if let Some(s) = closest(first, fields.fields.iter().map(|f| f.json.as_str())) {
        format!("did you mean `/{s}{rest}`?")
    } else {
        format!(
            "serialized fields: {}",
            fields
                .fields
                .iter()
                .map(|f| format!("`{}`", f.json))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    cx.error(
        at,
        Diagnostic::new(
            code,
            format!("`{option}` path `{path}` is not a serialized field of `{type_name}`"),
        )
        .help(help),
    );
    false
}

fn str_of(e: &Expr) -> Option<String> {
    match e {
        Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => Some(s.value()),
        _ => None,
    }
}

fn partition_key(
    cx: &mut Ctxt,
    meta: &Meta,
    fields: Option<&SerializedFields>,
    type_name: &str,
) -> Option<Vec<String>> {
    let example = "partition_key = \"/tenantId\"";
    let e = attrs::value(cx, meta, "partition_key", "a path or a list of up to 3 paths", example)?;
    let items: Vec<&Expr> = match e {
        Expr::Array(a) => a.elems.iter().collect(),
        other => vec![other],
    };
    let mut paths = Vec::new();
    let mut ok = true;
    for item in &items {
        match str_of(item) {
            Some(p) => {
                ok &= field_path(cx, item, &p, &PARTITION_KEY, fields, type_name);
                paths.push(p);
            }
            None => {
                cx.error(
                    *item,
                    Diagnostic::new(Code::WrongValueType, "`partition_key` expects string paths").help(format!(
                        "e.g. `{example}` or `partition_key = [\"/tenantId\", \"/userId\"]`"
                    )),
                );
                ok = false;
            }
        }
    }
    let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
    ok &= cx.check(e, check::partition_key_count(&refs)).is_some();
    ok.then_some(paths)
}

fn unique_keys(
    cx: &mut Ctxt,
    meta: &Meta,
    fields: Option<&SerializedFields>,
    type_name: &str,
) -> Option<Vec<Vec<String>>> {
    let example = "unique_keys([\"/email\"])";
    let Meta::List(l) = meta else {
        cx.error(
            meta,
            Diagnostic::new(Code::WrongValueType, "`unique_keys` expects a list of path lists")
                .help(format!("e.g. `{example}`")),
        );
        return None;
    };
    let exprs = match Punctuated::<Expr, Token![,]>::parse_terminated.parse2(l.tokens.clone()) {
        Ok(p) => p,
        Err(e) => {
            cx.error(
                &e.span(),
                Diagnostic::new(Code::Syntax, format!("invalid `unique_keys`: {e}")),
            );
            return None;
        }
    };
    let mut keys = Vec::new();
    let mut ok = !exprs.is_empty();
    if exprs.is_empty() {
        cx.error(
            meta,
            Diagnostic::new(Code::UniqueKeys, "`unique_keys(...)` lists no key").help(format!("e.g. `{example}`")),
        );
    }
    for e in &exprs {
        let items: Vec<&Expr> = match e {
            Expr::Array(a) => a.elems.iter().collect(),
            other => vec![other],
        };
        let mut key = Vec::new();
        for item in items {
            match str_of(item) {
                Some(p) => {
                    ok &= field_path(cx, item, &p, &UNIQUE_KEYS, fields, type_name);
                    key.push(p);
                }
                None => {
                    cx.error(
                        item,
                        Diagnostic::new(Code::WrongValueType, "`unique_keys` expects string paths")
                            .help(format!("e.g. `{example}`")),
                    );
                    ok = false;
                }
            }
        }
        if key.is_empty() {
            cx.error(
                e,
                Diagnostic::new(Code::UniqueKeys, "a unique key needs at least one path"),
            );
            ok = false;
        }
        keys.push(key);
    }
    ok.then_some(keys)
}

use syn::parse::Parser;

fn operations(cx: &mut Ctxt, meta: &Meta) -> Option<Operations> {
    let items = attrs::list(cx, meta, "operations", "operations(read, list)")?;
    let mut bits = 0u8;
    let names: Vec<&str> = Operations::NAMES.iter().map(|(n, _)| *n).collect();
    let mut ok = true;
    for item in &items {
        let ident = match item {
            NestedMeta::Meta(Meta::Path(p)) => p.get_ident(),
            _ => None,
        };
        let Some(ident) = ident else {
            cx.error(
                item,
                Diagnostic::new(Code::Operations, "`operations(...)` lists operation names")
                    .help("e.g. `operations(read, list)`"),
            );
            ok = false;
            continue;
        };
        let name = ident.to_string();
        match Operations::NAMES.iter().find(|(n, _)| *n == name) {
            Some((_, bit)) if bits & bit != 0 => {
                cx.error(
                    ident,
                    Diagnostic::new(Code::Operations, format!("operation `{name}` is listed twice")),
                );
                ok = false;
            }
            Some((_, bit)) => bits |= bit,
            None => {
                let help = match closest(&name, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("operations are: {}", names.join(", ")),
                };
                cx.error(
                    ident,
                    Diagnostic::new(Code::Operations, format!("unknown operation `{name}`")).help(help),
                );
                ok = false;
            }
        }
    }
    if items.is_empty() {
        cx.error(
            meta,
            Diagnostic::new(Code::Operations, "`operations()` is empty: the API would serve nothing")
                .help("list at least one of create, read, update, delete, list"),
        );
        return None;
    }
    ok.then_some(Operations(bits))
}

fn cache(cx: &mut Ctxt, meta: &Meta) -> Option<CacheSpec> {
    match meta {
        Meta::Path(_) => Some(CacheSpec {
            ttl: CacheSpec::DEFAULT_TTL,
        }),
        _ => {
            let items = attrs::list(cx, meta, "cache", "cache(ttl = 300)")?;
            let mut ttl = CacheSpec::DEFAULT_TTL;
            each_option(cx, "`cache(...)`", &["ttl"], &items, |cx, key, m| {
                if let Some((v, e)) = attrs::int(cx, m, key, "cache(ttl = 300)") {
                    ttl = cx.check(&e, check::cache_ttl(v)).unwrap_or(ttl);
                }
            });
            Some(CacheSpec { ttl })
        }
    }
}

fn health_check(cx: &mut Ctxt, meta: &Meta) -> Option<HealthCheckSpec> {
    let mut h = HealthCheckSpec {
        path: Cow::Borrowed(HealthCheckSpec::DEFAULT_PATH),
        interval: HealthCheckSpec::DEFAULT_INTERVAL,
        timeout: HealthCheckSpec::DEFAULT_TIMEOUT,
        unhealthy_threshold: HealthCheckSpec::DEFAULT_UNHEALTHY_THRESHOLD,
    };
    if let Meta::Path(_) = meta {
        return Some(h);
    }
    let items = attrs::list(cx, meta, "health_check", "health_check(path = \"/health\")")?;
    let mut ok = true;
    let mut nums: [i64; 3] = [h.interval.into(), h.timeout.into(), h.unhealthy_threshold.into()];
    each_option(
        cx,
        "`health_check(...)`",
        &["path", "interval", "timeout", "unhealthy_threshold"],
        &items,
        |cx, key, m| match key {
            "path" => match attrs::string(cx, m, key, "path = \"/health\"") {
                Some((p, _)) => h.path = Cow::Owned(p),
                None => ok = false,
            },
            _ => {
                let i = ["interval", "timeout", "unhealthy_threshold"]
                    .iter()
                    .position(|k| *k == key)
                    .unwrap_or(0);
                match attrs::int(cx, m, key, &format!("{key} = 10")) {
                    Some((v, _)) => nums[i] = v,
                    None => ok = false,
                }
            }
        },
    );
    if ok
        && cx
            .check(meta, check::health_check(&h.path, nums[0], nums[1], nums[2]))
            .is_some()
    {
        h.interval = nums[0] as u32;
        h.timeout = nums[1] as u32;
        h.unhealthy_threshold = nums[2] as u32;
    }
    Some(h)
}

/// The scalar a type names (`String`, `u64`, `Option<bool>`...), if it is one: such fields have
/// no fields of their own for a nested path to go into.
fn scalar_name(ty: &syn::Type) -> Option<String> {
    const SCALARS: &[&str] = &[
        "String", "str", "bool", "char", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128",
        "isize", "f32", "f64",
    ];
    match ty {
        syn::Type::Reference(r) => scalar_name(&r.elem),
        syn::Type::Path(p) => {
            let last = p.path.segments.last()?;
            let name = last.ident.to_string();
            if name == "Option" || name == "Box" {
                if let syn::PathArguments::AngleBracketed(a) = &last.arguments
                    && let Some(syn::GenericArgument::Type(inner)) = a.args.first()
                {
                    return scalar_name(inner);
                }
                return None;
            }
            SCALARS.contains(&name.as_str()).then_some(name)
        }
        _ => None,
    }
}

/// The struct a field type names (`Address`, `Option<Address>`, `Box<Address>`), by its last
/// path segment.
fn struct_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Reference(r) => struct_name(&r.elem),
        syn::Type::Path(p) => {
            let last = p.path.segments.last()?;
            let name = last.ident.to_string();
            if (name == "Option" || name == "Box")
                && let syn::PathArguments::AngleBracketed(a) = &last.arguments
                && let Some(syn::GenericArgument::Type(inner)) = a.args.first()
            {
                return struct_name(inner);
            }
            Some(name)
        }
        _ => None,
    }
}

/// Rule: every segment of a nested key path (`/address/zip`) is a serialized field of the
/// struct the previous segment's field holds. The macro sees only the entity; the build helper,
/// which reads the whole crate, calls this with a lookup of the crate's structs. A struct that
/// is not in the crate (or holds a `#[serde(flatten)]`) ends the check: nothing false is said.
pub fn nested_path_errors(
    entity: &DeriveInput,
    spec: &CrudApiSpec,
    lookup: &dyn Fn(&str) -> Option<DeriveInput>,
) -> Vec<Diagnostic> {
    let fields_of = |item: &DeriveInput| match &item.data {
        Data::Struct(s) => Some(serialized_fields(&item.attrs, &s.fields)),
        _ => None,
    };
    let mut out = Vec::new();
    let paths = spec
        .partition_key
        .iter()
        .map(|p| ("partition_key", Code::PartitionKeyUnknownField, p.as_ref()))
        .chain(
            spec.unique_keys
                .iter()
                .flat_map(|k| k.iter().map(|p| ("unique_keys", Code::UniqueKeys, p.as_ref()))),
        );
    for (option, code, path) in paths {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        if segments.len() < 2 {
            continue;
        }
        let Some(mut fields) = fields_of(entity) else {
            continue;
        };
        let mut holder = entity.ident.to_string();
        for (i, seg) in segments.iter().enumerate() {
            if fields.has_flatten && fields.get(seg).is_none() {
                break;
            }
            let Some(field) = fields.get(seg) else {
                out.push(
                    Diagnostic::new(
                        code,
                        format!(
                            "`{option}` path `{path}` of `{}`: `{holder}` has no serialized field `{seg}`",
                            spec.type_name
                        ),
                    )
                    .help_opt(
                        closest(seg, fields.fields.iter().map(|f| f.json.as_str()))
                            .map(|s| format!("did you mean `{s}`?")),
                    ),
                );
                break;
            };
            if i + 1 == segments.len() {
                break;
            }
            let Some(next) = struct_name(&field.ty).and_then(|n| lookup(&n).map(|d| (n, d))) else {
                break;
            };
            let Some(next_fields) = fields_of(&next.1) else {
                break;
            };
            holder = next.0;
            fields = next_fields;
        }
    }
    out
}
