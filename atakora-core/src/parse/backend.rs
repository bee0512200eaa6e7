//! `#[backend(...)]`: options, and the components its fields declare.

use super::attrs::{self, each_option};
use super::{Ctxt, Parsed};
use crate::check;
use crate::diag::{Code, Diagnostic, closest};
use crate::spec::*;
use darling::ast::NestedMeta;
use proc_macro2::TokenStream;
use std::borrow::Cow;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Expr, ExprLit, Fields, GenericArgument, Lit, Meta, PathArguments, Type};

/// The options the attribute accepts at its top level.
pub const OPTIONS: &[&str] = &[
    "app",
    "location",
    "environments",
    "networking",
    "enforce_https",
    "managed_identity",
    "limits",
    "naming",
    "monitoring",
    "auto_scale",
    "consistency",
    "tags",
];
const WHAT: &str = "`#[backend]`";

/// Which wrapper a backend field uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComponentKind {
    CrudApi,
    FunctionsApp,
}

/// A backend field: `users: CrudApi<User>`.
#[derive(Debug, Clone)]
pub struct ComponentRef {
    pub field: syn::Ident,
    pub kind: ComponentKind,
    /// `User`: the component type (its spec is `<User as CrudEntity>::SPEC`).
    pub ty: Type,
}

impl ComponentRef {
    /// The last segment of the component type's path, for matching specs by name.
    pub fn type_name(&self) -> Option<String> {
        match &self.ty {
            Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        }
    }
}

/// The backend's options (with `components` left empty) and the fields that declare them.
#[derive(Debug, Clone)]
pub struct BackendAttr {
    pub spec: BackendSpec,
    pub components: Vec<ComponentRef>,
}

/// Parse `#[backend(<args>)]` on `item`. `crate_name` is the default `app`.
pub fn backend(args: TokenStream, item: &DeriveInput, crate_name: &str) -> Parsed<BackendAttr> {
    let mut cx = Ctxt::default();
    let type_name = item.ident.to_string();
    let mut spec = BackendSpec::with_defaults(&type_name, &crate_name.replace('_', "-").to_ascii_lowercase());
    let mut app_given = false;
    let mut function_apps_limit: Option<Expr> = None;
    // Where naming errors point: the pattern if given, else `app`, else the struct's name.
    let mut names_at: Option<proc_macro2::Span> = None;
    let mut app_at: Option<proc_macro2::Span> = None;

    let metas = attrs::nested(&mut cx, args);
    each_option(&mut cx, WHAT, OPTIONS, &metas, |cx, key, meta| match key {
        "app" => {
            if let Some((v, e)) = attrs::string(cx, meta, key, "app = \"shop\"")
                && cx.check(&e, check::app_name(&v)).is_some()
            {
                spec.app = Cow::Owned(v);
                app_given = true;
                app_at.get_or_insert(e.span());
            }
        }
        "location" => {
            if let Some((v, e)) = attrs::string(cx, meta, key, "location = \"eastus\"")
                && cx.check(&e, check::location(&v)).is_some()
            {
                spec.location = Cow::Owned(v);
            }
        }
        "environments" => {
            if let Some(envs) = environments(cx, meta) {
                spec.environments = Cow::Owned(envs.into_iter().map(Cow::Owned).collect());
            }
        }
        "networking" => {
            if let Some(n) = networking(cx, meta) {
                spec.networking = n;
            }
        }
        "enforce_https" => spec.enforce_https = attrs::flag(cx, meta, key).unwrap_or(true),
        "managed_identity" => spec.managed_identity = attrs::flag(cx, meta, key).unwrap_or(true),
        "limits" => {
            if let Some(items) = attrs::list(cx, meta, key, "limits(max_cosmos_accounts = 1)") {
                let l = &mut spec.limits;
                each_option(
                    cx,
                    "`limits(...)`",
                    &[
                        "max_cosmos_accounts",
                        "max_function_apps",
                        "max_storage_accounts",
                        "max_throughput_per_database",
                    ],
                    &items,
                    |cx, key, m| {
                        let Some((v, e)) = attrs::int(cx, m, key, &format!("{key} = 1")) else {
                            return;
                        };
                        let v = cx.check(&e, check::positive(v, key, Code::LimitValue));
                        match key {
                            "max_cosmos_accounts" => l.max_cosmos_accounts = v,
                            "max_function_apps" => {
                                l.max_function_apps = v;
                                function_apps_limit = Some(e.clone());
                            }
                            "max_storage_accounts" => l.max_storage_accounts = v,
                            _ => l.max_throughput_per_database = v,
                        }
                    },
                );
            }
        }
        "naming" => {
            if let Some(items) = attrs::list(cx, meta, key, "naming(pattern = \"{type}-{app}-{env}-{purpose}\")") {
                let n = &mut spec.naming;
                each_option(
                    cx,
                    "`naming(...)`",
                    &["pattern", "unique_suffix", "strict"],
                    &items,
                    |cx, key, m| match key {
                        "pattern" => {
                            if let Some((v, e)) =
                                attrs::string(cx, m, key, "pattern = \"{type}-{app}-{env}-{purpose}\"")
                                && cx.check(&e, check::naming_pattern(&v)).is_some()
                            {
                                n.pattern = Cow::Owned(v);
                                names_at = Some(e.span());
                            }
                        }
                        "unique_suffix" => n.unique_suffix = attrs::flag(cx, m, key).unwrap_or(true),
                        _ => n.strict = attrs::flag(cx, m, key).unwrap_or(false),
                    },
                );
            }
        }
        "monitoring" => spec.monitoring = monitoring(cx, meta, spec.monitoring.take()),
        "auto_scale" => spec.auto_scale = auto_scale(cx, meta),
        "consistency" => {
            let names: Vec<&str> = Consistency::ALL.iter().map(|c| c.as_str()).collect();
            if let Some((v, e)) = attrs::string(cx, meta, key, "consistency = \"Session\"") {
                match Consistency::from_name(&v) {
                    Some(c) => spec.consistency = c,
                    None => cx.error(
                        &e,
                        Diagnostic::new(
                            Code::UnknownValue,
                            format!("`consistency` `{v}` is not a Cosmos DB consistency level"),
                        )
                        .help(match closest(&v, names.iter().copied()) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!("levels: {}", names.join(", ")),
                        }),
                    ),
                }
            }
        }
        "tags" => {
            if let Some(items) = attrs::list(cx, meta, key, "tags(cost_center = \"engineering\")") {
                let mut tags: Vec<(Str, Str)> = Vec::new();
                for item in &items {
                    let NestedMeta::Meta(m @ Meta::NameValue(_)) = item else {
                        cx.error(
                            item,
                            Diagnostic::new(Code::Syntax, "`tags(...)` takes `name = \"value\"` pairs")
                                .help("e.g. `tags(cost_center = \"engineering\")`"),
                        );
                        continue;
                    };
                    let name = m.path().get_ident().map(|i| i.to_string()).unwrap_or_default();
                    if tags.iter().any(|(k, _)| k == &name) {
                        cx.error(
                            m.path(),
                            Diagnostic::new(Code::DuplicateOption, format!("tag `{name}` is given twice")),
                        );
                        continue;
                    }
                    if let Some((v, e)) = attrs::string(cx, m, &name, "cost_center = \"engineering\"")
                        && cx.check(&e, check::tag(&name, &v)).is_some()
                    {
                        tags.push((Cow::Owned(name), Cow::Owned(v)));
                    }
                }
                spec.tags = Cow::Owned(tags);
            }
        }
        _ => unreachable!("each_option passes only known options"),
    });
    if !app_given {
        // The crate name is the default: it must be usable in names too.
        if let Err(d) = check::app_name(&spec.app) {
            cx.error(&item.ident, d.help("set `app = \"...\"` in `#[backend(...)]`"));
        }
    }

    let components = components(&mut cx, item, &type_name);
    // Rule (ATK0404): one Function App serves all CRUD APIs, one more per functions app; the
    // count is known from the fields alone.
    if let (Some(max), Some(at)) = (spec.limits.max_function_apps, &function_apps_limit) {
        let crud: Vec<String> = components
            .iter()
            .filter(|c| c.kind == ComponentKind::CrudApi)
            .map(|c| c.field.to_string())
            .collect();
        let functions: Vec<String> = components
            .iter()
            .filter(|c| c.kind == ComponentKind::FunctionsApp)
            .map(|c| format!("`{}`", c.field))
            .collect();
        let needed = functions.len() as u32 + u32::from(!crud.is_empty());
        if needed > max {
            let mut apps = functions;
            if !crud.is_empty() {
                apps.insert(0, "one for the CRUD APIs".to_string());
            }
            cx.error(
                at,
                Diagnostic::new(
                    Code::FunctionAppLimit,
                    format!(
                        "backend `{type_name}` needs {needed} Function Apps ({}), above `max_function_apps = {max}`",
                        apps.join(", ")
                    ),
                )
                .help("move functions apps to another backend, or raise the limit"),
            );
        }
    }
    if cx.errors.is_empty() {
        let at = names_at.or(app_at).unwrap_or_else(|| item.ident.span());
        for d in naming_errors(&spec, &components) {
            cx.error(&at, d);
        }
    }
    cx.finish(BackendAttr { spec, components })
}

/// Rule: every name the backend will get is legal for its type in every environment, and
/// under `naming(strict = true)` none needs shortening. Checked here for the names whose
/// purpose the fields show (the serverless account's name is checked when resolving).
fn naming_errors(spec: &BackendSpec, components: &[ComponentRef]) -> Vec<Diagnostic> {
    use crate::naming::{Namer, ResourceKind as K};
    let backend = kebab_case(&spec.type_name);
    let has_crud = components.iter().any(|c| c.kind == ComponentKind::CrudApi);
    let mut requests: Vec<(K, String)> = vec![(K::StorageAccount, String::new())];
    if has_crud {
        requests.push((K::CosmosAccount, String::new()));
        requests.push((K::FunctionApp, "api".into()));
        requests.push((K::AppServicePlan, "api".into()));
    }
    for c in components.iter().filter(|c| c.kind == ComponentKind::FunctionsApp) {
        let purpose = kebab_case(&c.type_name().unwrap_or_default());
        requests.push((K::FunctionApp, purpose.clone()));
        requests.push((K::AppServicePlan, purpose));
    }
    if spec.monitoring.is_some() {
        requests.push((K::LogAnalytics, String::new()));
        requests.push((K::AppInsights, String::new()));
    }
    let mut found: Vec<Diagnostic> = Vec::new();
    for env in spec.environments.iter() {
        let namer = Namer {
            pattern: &spec.naming.pattern,
            app: &spec.app,
            env,
            backend: &backend,
            region: &spec.location,
            unique_suffix: spec.naming.unique_suffix,
            strict: spec.naming.strict,
        };
        let mut named: Vec<(K, String, &str)> = Vec::new();
        for (kind, purpose) in &requests {
            match namer.name(*kind, purpose, &mut Vec::new()) {
                Err(d) if !found.iter().any(|o| o.message == d.message) => found.push(d),
                Err(_) => {}
                Ok(name) => {
                    let name = name.to_string();
                    // Rule (ATK0407): the pattern keeps resources of one type apart.
                    if let Some((_, _, other)) = named
                        .iter()
                        .find(|(k, n, _)| k == kind && n.eq_ignore_ascii_case(&name))
                    {
                        let d = Diagnostic::new(
                            Code::NameCollision,
                            format!("the naming pattern gives the {} of `{other}` and of `{purpose}` the same name `{name}`", kind.label()),
                        )
                        .help("put `{purpose}` in the pattern");
                        if !found.iter().any(|o| o.message == d.message) {
                            found.push(d);
                        }
                    }
                    named.push((*kind, name, purpose));
                }
            }
        }
    }
    // One mistake (the pattern, the app, an environment), one error: all names it breaks in one
    // message.
    let mut out = Vec::new();
    if let Some(first) = found.first() {
        let mut d = first.clone();
        if found.len() > 1 {
            d.message = format!(
                "{} problems with resource names: {}",
                found.len(),
                found
                    .iter()
                    .map(|f| f.message.trim_start_matches("the ").to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            );
        }
        out.push(d);
    }
    out
}

fn components(cx: &mut Ctxt, item: &DeriveInput, type_name: &str) -> Vec<ComponentRef> {
    if !item.generics.params.is_empty() {
        cx.error(
            &item.generics,
            Diagnostic::new(Code::GenericItem, format!("{WHAT} `{type_name}` cannot be generic")),
        );
    }
    let fields = match &item.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(f) => &f.named,
            _ => {
                cx.error(
                    &item.ident,
                    Diagnostic::new(
                        Code::WrongItem,
                        format!("{WHAT} `{type_name}` must have named fields, one per component"),
                    )
                    .help("e.g. `pub struct ShopBackend { pub users: CrudApi<User> }`"),
                );
                return Vec::new();
            }
        },
        _ => {
            cx.error(
                &item.ident,
                Diagnostic::new(
                    Code::WrongItem,
                    format!("{WHAT} must be on a struct, and `{type_name}` is not one"),
                ),
            );
            return Vec::new();
        }
    };
    let mut out: Vec<ComponentRef> = Vec::new();
    for f in fields {
        let Some(field) = f.ident.clone() else {
            continue;
        };
        let Some((kind, ty)) = wrapper(&f.ty) else {
            cx.error(&f.ty, Diagnostic::new(Code::BackendField, format!("backend field `{field}` must be `CrudApi<T>` or `FunctionsApp<T>`")).help("wrap an entity with `#[crud_api]` in `CrudApi<...>`, or a `#[functions_app]` struct in `FunctionsApp<...>`"));
            continue;
        };
        // Rule: a component appears once per backend (reported at the second field).
        let same = out.iter().find(|c| {
            c.kind == kind
                && quote::ToTokens::to_token_stream(&c.ty).to_string()
                    == quote::ToTokens::to_token_stream(&ty).to_string()
        });
        if let Some(first) = same {
            cx.error(
                &f.ty,
                Diagnostic::new(
                    Code::DuplicateComponent,
                    format!("`{field}` declares the same component as `{}`", first.field),
                )
                .help("a backend serves each entity or functions app once"),
            );
            continue;
        }
        out.push(ComponentRef { field, kind, ty });
    }
    if out.is_empty() && cx.errors.is_empty() {
        cx.error(
            &item.ident,
            Diagnostic::new(Code::EmptyBackend, format!("backend `{type_name}` has no components"))
                .help("add a field such as `pub users: CrudApi<User>`"),
        );
    }
    out
}

/// `CrudApi<T>` / `FunctionsApp<T>` (any path ending so, e.g. `atakora::CrudApi<T>`).
fn wrapper(ty: &Type) -> Option<(ComponentKind, Type)> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    let kind = match last.ident.to_string().as_str() {
        "CrudApi" => ComponentKind::CrudApi,
        "FunctionsApp" => ComponentKind::FunctionsApp,
        _ => return None,
    };
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.iter().collect::<Vec<_>>().as_slice() {
        [GenericArgument::Type(t)] => Some((kind, t.clone())),
        _ => None,
    }
}

fn environments(cx: &mut Ctxt, meta: &Meta) -> Option<Vec<String>> {
    let items = attrs::list(cx, meta, "environments", "environments(dev, staging, prod)")?;
    let mut envs: Vec<String> = Vec::new();
    let mut ok = true;
    for item in &items {
        let name = match item {
            NestedMeta::Meta(Meta::Path(p)) if p.get_ident().is_some() => p.get_ident().map(|i| i.to_string()),
            NestedMeta::Lit(Lit::Str(s)) => Some(s.value()),
            _ => None,
        };
        let Some(name) = name else {
            cx.error(
                item,
                Diagnostic::new(Code::EnvironmentName, "`environments(...)` lists names")
                    .help("e.g. `environments(dev, prod)` or `environments(\"production-eastus-blue\")`"),
            );
            ok = false;
            continue;
        };
        if envs.contains(&name) {
            cx.error(
                item,
                Diagnostic::new(Code::EnvironmentName, format!("environment `{name}` is declared twice")),
            );
            ok = false;
            continue;
        }
        ok &= cx.check(item, check::environment_name(&name)).is_some();
        envs.push(name);
    }
    if items.is_empty() {
        cx.error(
            meta,
            Diagnostic::new(Code::EnvironmentName, "`environments()` is empty").help("e.g. `environments(dev, prod)`"),
        );
        return None;
    }
    ok.then_some(envs)
}

fn networking(cx: &mut Ctxt, meta: &Meta) -> Option<Networking> {
    let example = "networking(isolated(address_space = \"10.0.0.0/16\"))";
    match meta {
        Meta::NameValue(nv) => match &nv.value {
            Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) if s.value() == "public" => Some(Networking::Public),
            Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) if s.value() == "isolated" => {
                Some(Networking::Isolated(IsolatedNetwork {
                    vnet_name: None,
                    subnet_name: None,
                    address_space: Cow::Borrowed(IsolatedNetwork::DEFAULT_ADDRESS_SPACE),
                    private_endpoints: true,
                }))
            }
            other => {
                cx.error(
                    other,
                    Diagnostic::new(
                        Code::UnknownValue,
                        "`networking` is `\"public\"`, `\"isolated\"` or `isolated(...)`",
                    )
                    .help(format!("e.g. `{example}`")),
                );
                None
            }
        },
        _ => {
            let items = attrs::list(cx, meta, "networking", example)?;
            let mut out = None;
            each_option(
                cx,
                "`networking(...)`",
                &["public", "isolated"],
                &items,
                |cx, key, m| {
                    if out.is_some() {
                        cx.error(
                            m.path(),
                            Diagnostic::new(Code::Networking, "`networking(...)` takes one mode"),
                        );
                        return;
                    }
                    out = Some(if key == "public" {
                        Networking::Public
                    } else {
                        let mut iso = IsolatedNetwork {
                            vnet_name: None,
                            subnet_name: None,
                            address_space: Cow::Borrowed(IsolatedNetwork::DEFAULT_ADDRESS_SPACE),
                            private_endpoints: true,
                        };
                        if let Meta::List(_) = m {
                            let items = attrs::list(cx, m, key, example).unwrap_or_default();
                            each_option(
                                cx,
                                "`isolated(...)`",
                                &["vnet_name", "subnet_name", "address_space", "private_endpoints"],
                                &items,
                                |cx, key, m| match key {
                                    "private_endpoints" => {
                                        iso.private_endpoints = attrs::flag(cx, m, key).unwrap_or(true)
                                    }
                                    _ => {
                                        let Some((v, e)) = attrs::string(cx, m, key, &format!("{key} = \"...\""))
                                        else {
                                            return;
                                        };
                                        match key {
                                            "address_space" => {
                                                if cx.check(&e, check::address_space(&v)).is_some() {
                                                    iso.address_space = Cow::Owned(v);
                                                }
                                            }
                                            _ => {
                                                if cx.check(&e, check::network_name(&v, key)).is_some() {
                                                    if key == "vnet_name" {
                                                        iso.vnet_name = Some(Cow::Owned(v));
                                                    } else {
                                                        iso.subnet_name = Some(Cow::Owned(v));
                                                    }
                                                }
                                            }
                                        }
                                    }
                                },
                            );
                        }
                        Networking::Isolated(iso)
                    });
                },
            );
            out
        }
    }
}

fn monitoring(cx: &mut Ctxt, meta: &Meta, default: Option<MonitoringSpec>) -> Option<MonitoringSpec> {
    let default = default.unwrap_or(MonitoringSpec {
        retention_days: MonitoringSpec::DEFAULT_RETENTION_DAYS,
        sampling_percentage: MonitoringSpec::DEFAULT_SAMPLING_PERCENTAGE,
        alerting: None,
    });
    match meta {
        Meta::List(_) => {
            let mut m = default;
            let items = attrs::list(cx, meta, "monitoring", "monitoring(retention_days = 90)")?;
            each_option(
                cx,
                "`monitoring(...)`",
                &["retention_days", "sampling_percentage", "alerting"],
                &items,
                |cx, key, o| match key {
                    "retention_days" => {
                        if let Some((v, e)) = attrs::int(cx, o, key, "retention_days = 90") {
                            m.retention_days = cx.check(&e, check::retention_days(v)).unwrap_or(m.retention_days);
                        }
                    }
                    "sampling_percentage" => {
                        if let Some((v, e)) = attrs::float(cx, o, key, "sampling_percentage = 100") {
                            m.sampling_percentage = cx
                                .check(&e, check::sampling_percentage(v))
                                .unwrap_or(m.sampling_percentage);
                        }
                    }
                    _ => m.alerting = alerting(cx, o),
                },
            );
            Some(m)
        }
        _ => match attrs::flag(cx, meta, "monitoring") {
            Some(false) => None,
            _ => Some(default),
        },
    }
}

fn alerting(cx: &mut Ctxt, meta: &Meta) -> Option<AlertingSpec> {
    let mut a = AlertingSpec {
        error_threshold: AlertingSpec::DEFAULT_ERROR_THRESHOLD,
        latency_threshold_ms: AlertingSpec::DEFAULT_LATENCY_THRESHOLD_MS,
        email: None,
    };
    if let Meta::Path(_) = meta {
        return Some(a);
    }
    let items = attrs::list(cx, meta, "alerting", "alerting(error_threshold = 5)")?;
    each_option(
        cx,
        "`alerting(...)`",
        &["error_threshold", "latency_threshold_ms", "email"],
        &items,
        |cx, key, o| match key {
            "email" => {
                if let Some((v, e)) = attrs::string(cx, o, key, "email = \"ops@example.com\"")
                    && cx.check(&e, check::email(&v)).is_some()
                {
                    a.email = Some(Cow::Owned(v));
                }
            }
            _ => {
                if let Some((v, e)) = attrs::int(cx, o, key, &format!("{key} = 5"))
                    && let Some(v) = cx.check(&e, check::positive(v, key, Code::Monitoring))
                {
                    if key == "error_threshold" {
                        a.error_threshold = v
                    } else {
                        a.latency_threshold_ms = v
                    }
                }
            }
        },
    );
    Some(a)
}

fn auto_scale(cx: &mut Ctxt, meta: &Meta) -> Option<AutoScaleSpec> {
    let items = attrs::list(cx, meta, "auto_scale", "auto_scale(max_throughput = 10000)")?;
    let mut max = None;
    let mut target = AutoScaleSpec::DEFAULT_TARGET_UTILIZATION;
    each_option(
        cx,
        "`auto_scale(...)`",
        &["max_throughput", "target_utilization"],
        &items,
        |cx, key, o| {
            let Some((v, e)) = attrs::int(cx, o, key, &format!("{key} = 10000")) else {
                return;
            };
            if key == "max_throughput" {
                max = cx.check(&e, check::autoscale_max(v, key, Code::AutoScale));
            } else {
                target = cx.check(&e, check::target_utilization(v)).unwrap_or(target);
            }
        },
    );
    match max {
        Some(max_throughput) => Some(AutoScaleSpec {
            max_throughput,
            target_utilization: target,
        }),
        None => {
            if cx.errors.is_empty() {
                cx.error(
                    meta,
                    Diagnostic::new(Code::AutoScale, "`auto_scale(...)` needs `max_throughput`")
                        .help("e.g. `auto_scale(max_throughput = 10000)`"),
                );
            }
            None
        }
    }
}
