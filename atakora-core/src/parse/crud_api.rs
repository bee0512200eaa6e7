//! `#[crud_api(...)]`: its option table, the entity's shape, and its serialized fields.

use super::attrs::{Opt, OrWord, Strings, Value, keep, list_items, one_of, path_text, strings, value_span, wrong};
use super::serde_names::{SerializedField, SerializedFields, json_type, serialized_fields};
use super::{At, Bound, Ctxt, Parsed};
use crate::check;
use crate::diag::{Code, Diagnostic, closest};
use crate::spec::{
    CacheSpec, CrudApiSpec, FieldSpec, HealthCheckSpec, List, Operations, PerEnv, RolesSpec, Str, Throughput,
};
use darling::ast::NestedMeta;
use darling::util::SpannedValue;
use proc_macro2::{Span, TokenStream};
use std::borrow::Cow;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Expr, Fields, Meta, Token};

options! {
    CrudApiOptions("`#[crud_api]`") {
        partition_key: Strings = "partition_key = \"/tenantId\"",
        ttl: i64 = "ttl = 86400",
        throughput: PerEnvValue = "throughput(dev = 400, prod = 4000)",
        autoscale: PerEnvValue = "autoscale(dev = 1000, prod = 4000)",
        /// `autoscale`, spelt as in `#[backend(auto_scale(...))]`.
        auto_scale: PerEnvValue = "auto_scale(dev = 1000, prod = 4000)",
        serverless: bool = "serverless = true",
        operations: Operations = "operations(read, list)",
        cache: OrWord<CacheOptions> = "cache(ttl = 300)",
        health_check: OrWord<HealthCheckOptions> = "health_check(path = \"/health\")",
        entity_name: String = "entity_name = \"orders\"",
        container: String = "container = \"orders\"",
        unique_keys: UniqueKeys = "unique_keys([\"/email\"])",
        owner: String = "owner = \"/userId\"",
        tenant: String = "tenant = \"/tenantId\"",
        roles: RolesOptions = "roles(create = \"Catalog.Write\", delete = \"Catalog.Admin\")",
    }

    RolesOptions("`roles(...)`") {
        create: String = "create = \"Catalog.Write\"",
        read: String = "read = \"Catalog.Read\"",
        update: String = "update = \"Catalog.Write\"",
        delete: String = "delete = \"Catalog.Admin\"",
        list: String = "list = \"Catalog.Read\"",
    }

    CacheOptions("`cache(...)`") {
        ttl: i64 = "cache(ttl = 300)",
    }

    HealthCheckOptions("`health_check(...)`") {
        path: String = "path = \"/health\"",
        interval: i64 = "interval = 30",
        timeout: i64 = "timeout = 10",
        unhealthy_threshold: i64 = "unhealthy_threshold = 3",
    }
}

/// Parse `#[crud_api(<args>)]` on `item`.
pub fn crud_api(args: TokenStream, item: &DeriveInput) -> Parsed<CrudApiSpec> {
    let mut cx = Ctxt::default();
    let type_name = item.ident.to_string();
    let mut spec = CrudApiSpec::with_defaults(&type_name);
    let fields = entity(&mut cx, item, &type_name);
    if let Some(s) = &fields {
        spec.fields = Cow::Owned(s.fields.iter().map(field_spec).collect());
        if let Some(id) = s.get("id") {
            cx.require(Bound::IdValue, &id.ty, id.ty.span());
        }
    }
    let keys = KeyFields {
        fields: fields.as_ref(),
        type_name: &type_name,
    };
    let o: CrudApiOptions = cx.options(args);
    if let Some(paths) = partition_key(&mut cx, &o, keys) {
        spec.partition_key = Cow::Owned(paths);
    }
    cx.set(&mut spec.ttl, &o.ttl, |v| check::ttl(v).map(Some));
    cx.set(&mut spec.serverless, &o.serverless, Ok);
    spec.throughput = throughput(&mut cx, &o, spec.serverless);
    cx.set(&mut spec.operations, &o.operations, Ok);
    spec.cache = o.cache.get().map(|c| cache(&mut cx, &c.0));
    let health_check = o.health_check.rule(|g, h| Some(health_check(&mut cx, &h.0, g.at)));
    spec.health_check = health_check.ok().flatten();
    let word = |key| keep(move |v| check::resource_word(v, key));
    cx.set(&mut spec.entity_name, &o.entity_name, word("entity_name"));
    cx.set(&mut spec.container, &o.container, word("container"));
    if let Some(keys) = unique_keys(&mut cx, &o, keys) {
        spec.unique_keys = Cow::Owned(keys);
    }
    spec.owner = isolation(&mut cx, &o.owner, KeyOption::Owner, keys);
    spec.tenant = isolation(&mut cx, &o.tenant, KeyOption::Tenant, keys);
    if let (Some(owner), Some(tenant), Some(at)) = (&spec.owner, &spec.tenant, o.tenant.given()) {
        cx.check(at.at, check::isolation_paths_differ(owner, tenant));
    }
    if let Some(r) = o.roles.get() {
        spec.roles = roles(&mut cx, r, spec.operations);
    }
    cx.finish(spec)
}

/// Rule: the entity is a non-generic struct with named fields (its spec is one const), and has
/// a field serialized as `id` (Cosmos DB requires every item to have a string `id`).
fn entity(cx: &mut Ctxt, item: &DeriveInput, type_name: &str) -> Option<SerializedFields> {
    let not_struct = |what| {
        let msg = format!("`#[crud_api]` must be on a struct with named fields, not on {what} `{type_name}`");
        Diagnostic::new(Code::WrongItem, msg)
    };
    let (fields, wrong) = match &item.data {
        Data::Struct(s) if matches!(s.fields, Fields::Named(_)) => (Some(&s.fields), None),
        Data::Struct(_) => {
            let help = "Cosmos DB items are JSON objects: declare `struct Name { id: String, ... }`";
            let msg = format!("`#[crud_api]` entity `{type_name}` must have named fields");
            (
                None,
                Some((item.ident.span(), Diagnostic::new(Code::WrongItem, msg).help(help))),
            )
        }
        Data::Enum(e) => (None, Some((e.enum_token.span(), not_struct("enum")))),
        Data::Union(u) => (None, Some((u.union_token.span(), not_struct("union")))),
    };
    if let Some((at, d)) = wrong {
        cx.error(at, d);
    }
    if !item.generics.params.is_empty() {
        let msg = format!("`#[crud_api]` entity `{type_name}` cannot be generic");
        let d = Diagnostic::new(Code::GenericItem, msg).help("declare one concrete struct per entity");
        cx.error(item.generics.span(), d);
    }
    let s = serialized_fields(&item.attrs, fields?);
    if !s.has_flatten && s.get("id").is_none() {
        let help = match s.fields.iter().find(|f| f.rust == "id") {
            Some(f) => format!("field `id` is serialized as `{}`; remove its rename", f.json),
            None => "add `pub id: String`".to_string(),
        };
        let msg = format!("`#[crud_api]` entity `{type_name}` has no field serialized as `id`");
        cx.error(item.ident.span(), Diagnostic::new(Code::MissingId, msg).help(help));
    }
    Some(s)
}

fn field_spec(f: &SerializedField) -> FieldSpec {
    let (ty, optional) = json_type(&f.ty);
    let required = !optional && !f.has_default;
    FieldSpec {
        name: Cow::Owned(f.json.clone()),
        ty,
        required,
    }
}

/// Rule: each partition key path is well-formed and names a serialized field (see
/// [`field_path`]); a hierarchical key has 1 to 3 distinct paths.
fn partition_key(cx: &mut Ctxt, o: &CrudApiOptions, keys: KeyFields) -> Option<Vec<Str>> {
    let given = o.partition_key.given()?;
    let Strings(paths) = given.value()?;
    let fields_ok = paths
        .iter()
        .fold(true, |ok, p| field_path(cx, p, KeyOption::PartitionKey, keys) & ok);
    let refs: Vec<&str> = paths.iter().map(|p| p.as_str()).collect();
    let count_ok = cx.check(given.at, check::partition_key_count(&refs)).is_some();
    (fields_ok && count_ok).then(|| owned_all(paths))
}

/// Rule: each unique key path is well-formed and names a serialized field (see [`field_path`]).
fn unique_keys(cx: &mut Ctxt, o: &CrudApiOptions, keys: KeyFields) -> Option<Vec<List<Str>>> {
    let UniqueKeys(list) = o.unique_keys.get()?;
    let ok = list
        .iter()
        .flatten()
        .fold(true, |ok, p| field_path(cx, p, KeyOption::UniqueKeys, keys) & ok);
    ok.then(|| list.iter().map(|k| Cow::Owned(owned_all(k))).collect())
}

/// Rule: an `owner`/`tenant` path is a top-level serialized string field (see [`field_path`]).
fn isolation(cx: &mut Ctxt, opt: &Opt<String>, option: KeyOption, keys: KeyFields) -> Option<Str> {
    let given = opt.given()?;
    let path = given.value()?;
    let path = SpannedValue::new(path.clone(), given.at);
    field_path(cx, &path, option, keys).then(|| Cow::Owned(path.to_string()))
}

/// Rules: every role is a name Entra ID accepts, for an operation the API serves.
fn roles(cx: &mut Ctxt, o: &RolesOptions, served: Operations) -> RolesSpec {
    let mut role = |opt: &Opt<String>, operation: &str| {
        let given = opt.given()?;
        let name = given.value()?;
        let ok = cx.check(given.at, check::role_name(name, operation)).is_some()
            & cx.check(given.name, check::role_operation_served(operation, served))
                .is_some();
        ok.then(|| Cow::Owned(name.clone()))
    };
    RolesSpec {
        create: role(&o.create, "create"),
        read: role(&o.read, "read"),
        update: role(&o.update, "update"),
        delete: role(&o.delete, "delete"),
        list: role(&o.list, "list"),
    }
}

fn owned_all(paths: &[SpannedValue<String>]) -> Vec<Str> {
    paths.iter().map(|p| Cow::Owned(p.to_string())).collect()
}

/// Rule: at most one kind of dedicated throughput (ATK0113 at each kind written after the
/// first), its values in range (see [`per_env`]), and none at all on a serverless entity.
fn throughput(cx: &mut Ctxt, o: &CrudApiOptions, serverless: bool) -> Option<Throughput> {
    // Each kind: its option, and whether it is manual RU/s (else an autoscale maximum).
    let kinds = [
        ("throughput", &o.throughput, true),
        ("autoscale", &o.autoscale, false),
        ("auto_scale", &o.auto_scale, false),
    ];
    let written = kinds.map(|(key, opt, _)| (key, opt.given().map(|g| g.name)));
    let conflict = |later: &str, first: &str| {
        let msg = format!("`{later}` and `{first}` cannot both be set");
        Diagnostic::new(Code::ThroughputConflict, msg).help("choose manual `throughput` or `autoscale`")
    };
    let (key, opt, manual) = kinds[o.rest.first_written(cx, &written, conflict)?];
    let rule = |n| match manual {
        true => check::throughput(n),
        false => check::autoscale_max(n, key, Code::AutoscaleRange),
    };
    let alias = (!manual).then_some("max_throughput");
    let rus = opt.get().and_then(|v| per_env(cx, v, key, alias, &rule));
    if let Some(given) = opt.given().filter(|_| serverless) {
        let msg = format!("`{key}` cannot be combined with `serverless`");
        let help = "serverless accounts bill per request; remove one of the two";
        cx.error(given.name, Diagnostic::new(Code::ThroughputConflict, msg).help(help));
        return None;
    }
    let rus = rus?;
    Some(if manual {
        Throughput::Manual { rus }
    } else {
        Throughput::Autoscale { max_rus: rus }
    })
}

/// `key = n` or `key(env = n, ..., default = n)`: each number with the environment it is for
/// (`None`: the single value) and its span.
pub(crate) struct PerEnvValue(Vec<(Option<syn::Ident>, SpannedValue<i64>)>);

impl Value for PerEnvValue {
    fn read(meta: &Meta, key: &str, example: &str) -> darling::Result<Self> {
        let items = match meta {
            Meta::NameValue(_) => {
                let n = SpannedValue::new(i64::read(meta, key, example)?, value_span(meta));
                return Ok(PerEnvValue(vec![(None, n)]));
            }
            Meta::List(_) => list_items(meta, key, example)?,
            Meta::Path(_) => return Err(wrong(meta.span(), key, "a number or per-environment values", example)),
        };
        if items.is_empty() {
            let d = Diagnostic::new(Code::WrongValueType, format!("`{key}(...)` gives no value"));
            return Err(d.help(format!("e.g. `{example}`")).at(meta.span()));
        }
        let mut errors = darling::Error::accumulator();
        let syntax = |what: &str| Diagnostic::new(Code::Syntax, format!("{what} in `{key}(...)`"));
        let mut values: Vec<(Option<syn::Ident>, SpannedValue<i64>)> = Vec::new();
        let mut seen: Vec<&syn::Ident> = Vec::new();
        for item in &items {
            let NestedMeta::Meta(m) = item else {
                errors.push(syntax("expected `environment = value`").at(item.span()));
                continue;
            };
            let Some(name) = m.path().get_ident() else {
                errors.push(syntax("expected an environment name").at(m.path().span()));
                continue;
            };
            if seen.contains(&name) {
                let msg = format!("`{name}` is given twice in `{key}(...)`");
                errors.push(Diagnostic::new(Code::DuplicateOption, msg).at(name.span()));
                continue;
            }
            seen.push(name);
            if let Some(n) = errors.handle(i64::read(m, &name.to_string(), example)) {
                values.push((Some(name.clone()), SpannedValue::new(n, value_span(m))));
            }
        }
        errors.finish_with(PerEnvValue(values))
    }
}

/// Rule: each per-environment value passes `rule`; the default (`default = n`, or `alias = n`)
/// is given once.
fn per_env(
    cx: &mut Ctxt,
    v: &PerEnvValue,
    key: &str,
    alias: Option<&str>,
    rule: &dyn Fn(i64) -> Result<u32, Diagnostic>,
) -> Option<PerEnv> {
    let mut ok = true;
    let mut default = None;
    let mut values = Vec::new();
    for (name, n) in &v.0 {
        let Some(n) = cx.check(n.span(), rule(**n)) else {
            ok = false;
            continue;
        };
        match name {
            Some(env) if env != "default" && alias.is_none_or(|a| env != a) => {
                values.push((Cow::Owned(env.to_string()), n))
            }
            _ if default.is_some() => {
                let at = name.as_ref().map_or_else(Span::call_site, |n| n.span());
                let msg = format!("`{key}(...)` has two defaults");
                cx.error(at, Diagnostic::new(Code::DuplicateOption, msg));
                ok = false;
            }
            _ => default = Some(n),
        }
    }
    ok.then_some(PerEnv {
        default,
        values: Cow::Owned(values),
    })
}

/// `unique_keys(["/a"], ["/b", "/c"])`: each key's paths with their spans.
pub(crate) struct UniqueKeys(Vec<Vec<SpannedValue<String>>>);

impl Value for UniqueKeys {
    fn read(meta: &Meta, key: &str, example: &str) -> darling::Result<Self> {
        let Meta::List(l) = meta else {
            return Err(wrong(meta.span(), key, "a list of path lists", example));
        };
        let invalid = |e: syn::Error| Diagnostic::new(Code::Syntax, format!("invalid `{key}`: {e}")).at(e.span());
        let exprs = Punctuated::<Expr, Token![,]>::parse_terminated
            .parse2(l.tokens.clone())
            .map_err(invalid)?;
        let e_g = format!("e.g. `{example}`");
        if exprs.is_empty() {
            let d = Diagnostic::new(Code::UniqueKeys, format!("`{key}(...)` lists no key"));
            return Err(d.help(e_g).at(meta.span()));
        }
        let not_string = || Diagnostic::new(Code::WrongValueType, format!("`{key}` expects string paths")).help(&e_g);
        let mut errors = darling::Error::accumulator();
        let mut keys = Vec::new();
        for e in &exprs {
            match errors.handle(strings(e, &not_string)) {
                Some(k) if k.is_empty() => {
                    let d = Diagnostic::new(Code::UniqueKeys, "a unique key needs at least one path");
                    errors.push(d.at(e.span()))
                }
                Some(k) => keys.push(k),
                None => {}
            }
        }
        errors.finish_with(UniqueKeys(keys))
    }
}

/// `operations(read, list)`: known operation names, each once, at least one.
impl Value for Operations {
    fn read(meta: &Meta, key: &str, example: &str) -> darling::Result<Self> {
        let items = list_items(meta, key, example)?;
        if items.is_empty() {
            let d = Diagnostic::new(Code::Operations, "`operations()` is empty: the API would serve nothing");
            return Err(d
                .help("list at least one of create, read, update, delete, list")
                .at(meta.span()));
        }
        let names: Vec<&str> = Operations::NAMES.iter().map(|(n, _)| *n).collect();
        let mut bits = 0u8;
        let mut errors = darling::Error::accumulator();
        for item in &items {
            let NestedMeta::Meta(Meta::Path(p)) = item else {
                let d = Diagnostic::new(Code::Operations, "`operations(...)` lists operation names");
                errors.push(d.help(format!("e.g. `{example}`")).at(item.span()));
                continue;
            };
            let name = path_text(p);
            let d = match Operations::NAMES.iter().find(|(n, _)| *n == name) {
                Some((_, bit)) if bits & bit == 0 => {
                    bits |= bit;
                    continue;
                }
                Some(_) => Diagnostic::new(Code::Operations, format!("operation `{name}` is listed twice")),
                None => {
                    let help = one_of(&name, &names, |names| format!("operations are: {names}"));
                    Diagnostic::new(Code::Operations, format!("unknown operation `{name}`")).help(help)
                }
            };
            errors.push(d.at(p.span()));
        }
        errors.finish_with(Operations(bits))
    }
}

/// Rule: `cache(ttl)` is at least one second.
fn cache(cx: &mut Ctxt, o: &CacheOptions) -> CacheSpec {
    let mut c = CacheSpec::DEFAULT;
    cx.set(&mut c.ttl, &o.ttl, check::cache_ttl);
    c
}

/// Rule: the health check's values together pass [`check::health_check`] (reported at
/// `health_check`); not checked when one of them is wrong already.
fn health_check(cx: &mut Ctxt, o: &HealthCheckOptions, at: Span) -> HealthCheckSpec {
    let d = HealthCheckSpec::DEFAULT;
    let mut h = (
        d.path.to_string(),
        i64::from(d.interval),
        i64::from(d.timeout),
        i64::from(d.unhealthy_threshold),
    );
    let valid = cx.set(&mut h.0, &o.path, Ok)
        & cx.set(&mut h.1, &o.interval, Ok)
        & cx.set(&mut h.2, &o.timeout, Ok)
        & cx.set(&mut h.3, &o.unhealthy_threshold, Ok);
    if !valid || cx.check(at, check::health_check(&h.0, h.1, h.2, h.3)).is_none() {
        return d;
    }
    let (path, interval, timeout, threshold) = h;
    HealthCheckSpec {
        path: Cow::Owned(path),
        interval: interval as u32,
        timeout: timeout as u32,
        unhealthy_threshold: threshold as u32,
    }
}

/// The entity's serialized fields and name, for the key path rules.
#[derive(Clone, Copy)]
struct KeyFields<'a> {
    fields: Option<&'a SerializedFields>,
    type_name: &'a str,
}

/// The options whose values are paths into the entity's document.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyOption {
    PartitionKey,
    UniqueKeys,
    Owner,
    Tenant,
}

impl KeyOption {
    /// The option's name, and the codes of a malformed path and of a path to no field.
    fn describe(self) -> (&'static str, Code, Code) {
        match self {
            KeyOption::PartitionKey => (
                "partition_key",
                Code::PartitionKeySyntax,
                Code::PartitionKeyUnknownField,
            ),
            KeyOption::UniqueKeys => ("unique_keys", Code::UniqueKeys, Code::UniqueKeys),
            KeyOption::Owner => ("owner", Code::IsolationPath, Code::IsolationPath),
            KeyOption::Tenant => ("tenant", Code::IsolationPath, Code::IsolationPath),
        }
    }
}

/// Rule: a key path is well-formed, and its first segment is a serialized field of the entity
/// (nested segments below it are not checked here: the nested type is another item). An
/// `owner`/`tenant` path has one segment and names a string field.
fn field_path(cx: &mut Ctxt, path: &SpannedValue<String>, option: KeyOption, keys: KeyFields) -> bool {
    let (name, syntax, code) = option.describe();
    let isolation = matches!(option, KeyOption::Owner | KeyOption::Tenant);
    let (at, path) = (path.span(), path.as_str());
    let syntax_ok = match isolation {
        true => check::isolation_path_syntax(path, name),
        false => check::key_path_syntax(path, name, syntax),
    };
    if cx.check(at, syntax_ok).is_none() {
        return false;
    }
    let option = name;
    let Some(fields) = keys.fields else { return true };
    let first = path[1..].split('/').next().unwrap_or_default();
    let nested = path[1..].contains('/');
    if let Some(field) = fields.get(first) {
        // Rule: a partition key value is a string, number or bool; a nested path goes into
        // a field that has fields (deeper segments are checked by the build helper). An
        // owner or tenant holds a token's `oid`/`tid`: a string.
        match scalar_name(&field.ty) {
            Some(scalar) if nested => {
                let msg = format!("`{option}` path `{path}` goes into `{first}`, a `{scalar}`, which has no fields");
                let help = format!("write `/{first}`, or point into a struct field");
                cx.error(at, Diagnostic::new(Code::PartitionKeyType, msg).help(help));
                return false;
            }
            _ if isolation => cx.require(Bound::IsolationValue, &field.ty, at),
            _ if name == "partition_key" && !nested => cx.require(Bound::PartitionKeyValue, &field.ty, at),
            _ => {}
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
        let names: Vec<String> = fields.fields.iter().map(|f| format!("`{}`", f.json)).collect();
        format!("serialized fields: {}", names.join(", "))
    };
    let msg = format!(
        "`{option}` path `{path}` is not a serialized field of `{}`",
        keys.type_name
    );
    cx.error(at, Diagnostic::new(code, msg).help(help));
    false
}

/// The scalar a type names (`String`, `u64`, `Option<bool>`...), if it is one: such fields have
/// no fields of their own for a nested path to go into.
fn scalar_name(ty: &syn::Type) -> Option<String> {
    const SCALARS: &[&str] = &[
        "String", "str", "bool", "char", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128",
        "isize", "f32", "f64",
    ];
    struct_name(ty).filter(|name| SCALARS.contains(&name.as_str()))
}

/// The type a field type names (`Address`, `Option<Address>`, `Box<Address>`, `&Address`), by
/// its last path segment.
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
    let partition_key = spec
        .partition_key
        .iter()
        .map(|p| ("partition_key", Code::PartitionKeyUnknownField, p));
    let unique_keys = spec
        .unique_keys
        .iter()
        .flat_map(|k| k.iter().map(|p| ("unique_keys", Code::UniqueKeys, p)));
    let mut out = Vec::new();
    for (option, code, path) in partition_key.chain(unique_keys) {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        // A top-level path was checked by the macro; only nested ones need the crate's structs
        // (reading the entity's fields first would cost every entity that much for nothing).
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
                let msg = format!(
                    "`{option}` path `{path}` of `{}`: `{holder}` has no serialized field `{seg}`",
                    spec.type_name
                );
                let help =
                    closest(seg, fields.fields.iter().map(|f| f.json.as_str())).map(|s| format!("did you mean `{s}`?"));
                let subject = crate::diag::Subject {
                    option: Some(option.into()),
                    ..Default::default()
                };
                out.push(Diagnostic::new(code, msg).help_opt(help).about(subject));
                break;
            };
            if i + 1 == segments.len() {
                break;
            }
            let next = struct_name(&field.ty).and_then(|n| Some((fields_of(&lookup(&n)?)?, n)));
            let Some((next_fields, next)) = next else { break };
            (holder, fields) = (next, next_fields);
        }
    }
    out
}
