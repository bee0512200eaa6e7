//! `#[backend(...)]`: its option tables, and the components its fields declare.

use super::attrs::{
    Opt, OrWord, Ruled, Switch, Value, keep, list_items, nested_table, one_of, set, str_expr, value_span,
};
use super::{At, Ctxt, Parsed};
use crate::check;
use crate::diag::{Code, Diagnostic};
use crate::spec::*;
use darling::ast::NestedMeta;
use darling::util::SpannedValue;
use proc_macro2::{Span, TokenStream};
use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, GenericArgument, Lit, Meta, PathArguments, Type};

options! {
    BackendOptions("`#[backend]`") {
        app: String = "app = \"shop\"",
        location: String = "location = \"eastus\"",
        environments: Environments = "environments(dev, staging, prod)",
        networking: NetworkingValue = "networking(isolated(address_space = \"10.0.0.0/16\"))",
        enforce_https: bool = "enforce_https = true",
        managed_identity: bool = "managed_identity = true",
        limits: LimitsOptions = "limits(max_cosmos_accounts = 1)",
        naming: NamingOptions = "naming(pattern = \"{type}-{app}-{env}-{purpose}\")",
        monitoring: Switch<MonitoringOptions> = "monitoring = true",
        auto_scale: AutoScaleOptions = "auto_scale(max_throughput = 10000)",
        consistency: Consistency = "consistency = \"Session\"",
        tags: Tags = "tags(cost_center = \"engineering\")",
        cors: CorsOptions = "cors(allowed_origins = [\"https://app.example.com\"])",
        auth: AuthValue = "auth(entra(audience = \"api://shop-api\"))",
    }

    AuthModes("`auth(...)`") {
        entra: OrWord<EntraOptions> = "auth(entra(audience = \"api://shop-api\"))",
        anonymous: () = "auth(anonymous)",
    }

    EntraOptions("`entra(...)`") {
        audience: String = "audience = \"api://shop-api\"",
    }

    CorsOptions("`cors(...)`") {
        allowed_origins: Origins = "allowed_origins = [\"https://app.example.com\"]",
    }

    LimitsOptions("`limits(...)`") {
        max_cosmos_accounts: i64 = "max_cosmos_accounts = 1",
        max_function_apps: i64 = "max_function_apps = 2",
        max_storage_accounts: i64 = "max_storage_accounts = 1",
        max_throughput_per_database: i64 = "max_throughput_per_database = 10000",
    }

    NamingOptions("`naming(...)`") {
        pattern: String = "pattern = \"{type}-{app}-{env}-{purpose}\"",
        unique_suffix: bool = "unique_suffix = true",
        strict: bool = "strict = true",
    }

    MonitoringOptions("`monitoring(...)`") {
        retention_days: i64 = "retention_days = 90",
        sampling_percentage: f64 = "sampling_percentage = 100",
        alerting: OrWord<AlertingOptions> = "alerting(error_threshold = 5)",
    }

    AlertingOptions("`alerting(...)`") {
        error_threshold: i64 = "error_threshold = 5",
        latency_threshold_ms: i64 = "latency_threshold_ms = 1000",
        email: String = "email = \"ops@example.com\"",
    }

    AutoScaleOptions("`auto_scale(...)`") {
        max_throughput: i64 = "max_throughput = 10000",
        target_utilization: i64 = "target_utilization = 70",
    }

    NetworkingModes("`networking(...)`") {
        public: () = "networking(public)",
        isolated: OrWord<IsolatedOptions> = "networking(isolated(address_space = \"10.0.0.0/16\"))",
    }

    IsolatedOptions("`isolated(...)`") {
        vnet_name: String = "vnet_name = \"vnet-shop\"",
        subnet_name: String = "subnet_name = \"snet-apps\"",
        address_space: String = "address_space = \"10.0.0.0/16\"",
        private_endpoints: bool = "private_endpoints = true",
    }
}

/// Which wrapper a backend field uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ComponentKind {
    /// `CrudApi<T>`.
    CrudApi,
    /// `FunctionsApp<T>`.
    FunctionsApp,
}

/// A backend field: `users: CrudApi<User>`.
#[derive(Debug, Clone)]
pub struct ComponentRef {
    /// The field's name.
    pub field: syn::Ident,
    /// Its wrapper.
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
    /// The options.
    pub spec: BackendSpec,
    /// The fields.
    pub components: Vec<ComponentRef>,
}

/// A rule over the whole backend, decided from its options and its fields.
type BackendRule = fn(&BackendSpec, &[ComponentRef]) -> Vec<Diagnostic>;

/// Parse `#[backend(<args>)]` on `item`. `crate_name` is the default `app`.
pub fn backend(args: TokenStream, item: &DeriveInput, crate_name: &str) -> Parsed<BackendAttr> {
    let mut cx = Ctxt::default();
    let type_name = item.ident.to_string();
    let mut spec = BackendSpec::with_defaults(&type_name, &crate_name.replace('_', "-").to_ascii_lowercase());
    let o: BackendOptions = cx.options(args);
    let s = &mut spec;

    let app = match cx.rule(&o.app, keep(check::app_name)) {
        // Rule: the crate name, the default `app`, is usable in names too.
        Ok(None) => {
            let app = check::app_name(&s.app).map_err(|d| d.help("set `app = \"...\"` in `#[backend(...)]`"));
            cx.check(item.ident.span(), app).is_some()
        }
        ruled => set(&mut s.app, ruled),
    };
    let location = cx.set(&mut s.location, &o.location, keep(check::location));
    let environments = cx.apply(&mut s.environments, &o.environments, environments);
    cx.apply(&mut s.networking, &o.networking, networking);
    cx.set(&mut s.enforce_https, &o.enforce_https, Ok);
    cx.set(&mut s.managed_identity, &o.managed_identity, Ok);
    cx.apply(&mut s.limits, &o.limits, limits);
    let naming = cx.apply(&mut s.naming, &o.naming, naming);
    let monitoring = cx.apply(&mut s.monitoring, &o.monitoring, |cx, m| Some(monitoring(cx, m)));
    let auto_scale_at = o.auto_scale.given().map_or_else(Span::call_site, |g| g.at);
    cx.apply(&mut s.auto_scale, &o.auto_scale, |cx, a| {
        auto_scale(cx, a, auto_scale_at).map(Some)
    });
    cx.set(&mut s.consistency, &o.consistency, Ok);
    cx.apply(&mut s.tags, &o.tags, tags);
    let cors_at = o.cors.given().map_or_else(Span::call_site, |g| g.at);
    cx.apply(&mut s.cors, &o.cors, |cx, c| cors(cx, c, cors_at).map(Some));
    cx.apply(&mut s.auth, &o.auth, auth);

    let components = components(&mut cx, item, &type_name);
    // The rules over the whole backend, each reported at the token that decides it, and each
    // run only when its inputs are valid.
    let pattern = o.naming.get().and_then(|n| n.pattern.given());
    let names_at = pattern.or(o.app.given()).map_or(item.ident.span(), |g| g.at);
    let mut names_valid = app && location && environments && naming && monitoring && o.rest.is_clean();
    // Rule: `{region}` in the pattern needs `location` (else the region is known only when
    // deploying, after names are made).
    if naming && location && spec.location.is_none() && spec.naming.pattern.contains("{region}") {
        cx.error(names_at, check::region_needs_location());
        names_valid = false;
    }
    let function_apps_at = o.limits.get().and_then(|l| l.max_function_apps.given()).map(|g| g.at);
    let rules: [(BackendRule, Option<Span>); 2] = [
        (function_app_count, function_apps_at),
        (naming_errors, names_valid.then_some(names_at)),
    ];
    for (rule, at) in rules {
        let Some(at) = at else { continue };
        rule(&spec, &components).into_iter().for_each(|d| cx.error(at, d));
    }
    cx.finish(BackendAttr { spec, components })
}

fn owned(v: &str) -> Str {
    Cow::Owned(v.to_string())
}

/// Rule (ATK0404): one Function App serves all CRUD APIs, one more per functions app; the
/// count is known from the fields alone.
fn function_app_count(spec: &BackendSpec, components: &[ComponentRef]) -> Vec<Diagnostic> {
    crate::rules::function_app_limit(&skeleton(spec, components))
        .map(|f| f.diagnostic(spec))
        .into_iter()
        .collect()
}

/// `spec` with a stand-in for each component: its kind and type name, every option at its
/// default. Enough for the rules whose inputs the backend's own tokens decide (how many
/// Function Apps, the names of the backend's resources): the real rules run on it.
fn skeleton(spec: &BackendSpec, components: &[ComponentRef]) -> BackendSpec {
    let mut skeleton = spec.clone();
    skeleton.components = Cow::Owned(
        components
            .iter()
            .map(|c| {
                let name = c.type_name().unwrap_or_default();
                let field = Cow::Owned(c.field.to_string().trim_start_matches("r#").to_string());
                match c.kind {
                    ComponentKind::CrudApi => ComponentSpec::CrudApi {
                        field,
                        api: Cow::Owned(CrudApiSpec::with_defaults(&name)),
                    },
                    ComponentKind::FunctionsApp => ComponentSpec::FunctionsApp {
                        field,
                        app: Cow::Owned(FunctionsAppSpec::with_defaults(&name)),
                    },
                }
            })
            .collect(),
    );
    skeleton
}

/// `environments(dev, "production-eastus")`: names with their spans, each once, at least one.
pub(crate) struct Environments(Vec<SpannedValue<String>>);

impl Value for Environments {
    fn read(meta: &Meta, key: &str, example: &str) -> darling::Result<Self> {
        let items = list_items(meta, key, example)?;
        let error = |msg: String| Diagnostic::new(Code::EnvironmentName, msg);
        if items.is_empty() {
            let d = error("`environments()` is empty".into()).help("e.g. `environments(dev, prod)`");
            return Err(d.at(meta.span()));
        }
        let mut names: Vec<SpannedValue<String>> = Vec::new();
        let mut errors = darling::Error::accumulator();
        for item in &items {
            let name = match item {
                NestedMeta::Meta(Meta::Path(p)) => p.get_ident().map(|i| i.to_string()),
                NestedMeta::Lit(Lit::Str(s)) => Some(s.value()),
                _ => None,
            };
            let d = match name {
                None => error("`environments(...)` lists names".into())
                    .help("e.g. `environments(dev, prod)` or `environments(\"production-eastus-blue\")`"),
                Some(name) if names.iter().any(|n| **n == name) => {
                    error(format!("environment `{name}` is declared twice"))
                }
                Some(name) => {
                    names.push(SpannedValue::new(name, item.span()));
                    continue;
                }
            };
            errors.push(d.at(item.span()));
        }
        errors.finish_with(Environments(names))
    }
}

/// Rule: every environment name is legal.
fn environments(cx: &mut Ctxt, Environments(names): &Environments) -> Option<List<Str>> {
    let ok = names.iter().fold(true, |ok, n| {
        cx.check(n.span(), check::environment_name(n)).is_some() & ok
    });
    ok.then(|| Cow::Owned(names.iter().map(|n| owned(n)).collect()))
}

/// `networking = "public" | "isolated"`, or `networking(public)` / `networking(isolated(...))`.
pub(crate) enum NetworkingValue {
    Public,
    Isolated,
    Modes(NetworkingModes),
}

impl Value for NetworkingValue {
    fn read(meta: &Meta, key: &str, example: &str) -> darling::Result<Self> {
        let Meta::NameValue(nv) = meta else {
            return nested_table(meta, key, example).map(NetworkingValue::Modes);
        };
        match str_expr(&nv.value).as_deref() {
            Some("public") => Ok(NetworkingValue::Public),
            Some("isolated") => Ok(NetworkingValue::Isolated),
            _ => {
                let msg = "`networking` is `\"public\"`, `\"isolated\"` or `isolated(...)`";
                let d = Diagnostic::new(Code::UnknownValue, msg).help(format!("e.g. `{example}`"));
                Err(d.at(nv.value.span()))
            }
        }
    }
    fn report(&mut self, cx: &mut Ctxt) {
        if let NetworkingValue::Modes(m) = self {
            Value::report(m, cx)
        }
    }
}

/// `auth = "entra" | "anonymous"`, or `auth(entra(...))` / `auth(anonymous)`.
pub(crate) enum AuthValue {
    Entra,
    Anonymous,
    Modes(AuthModes),
}

impl Value for AuthValue {
    fn read(meta: &Meta, key: &str, example: &str) -> darling::Result<Self> {
        let Meta::NameValue(nv) = meta else {
            return nested_table(meta, key, example).map(AuthValue::Modes);
        };
        match str_expr(&nv.value).as_deref() {
            Some("entra") => Ok(AuthValue::Entra),
            Some("anonymous") => Ok(AuthValue::Anonymous),
            _ => {
                let msg = "`auth` is `\"anonymous\"`, `\"entra\"` or `entra(audience = \"...\")`";
                let d = Diagnostic::new(Code::UnknownValue, msg)
                    .help(format!("e.g. `{example}` or `auth = \"anonymous\"`"));
                Err(d.at(nv.value.span()))
            }
        }
    }
    fn report(&mut self, cx: &mut Ctxt) {
        if let AuthValue::Modes(m) = self {
            Value::report(m, cx)
        }
    }
}

/// Rules: `auth(...)` takes one mode (ATK0606 at a second one; the first stands), and an
/// Entra audience is an application ID URI or id.
fn auth(cx: &mut Ctxt, v: &AuthValue) -> Option<AuthSpec> {
    let m = match v {
        AuthValue::Entra => return Some(AuthSpec::DEFAULT),
        AuthValue::Anonymous => return Some(AuthSpec::Anonymous),
        AuthValue::Modes(m) => m,
    };
    let modes = [
        ("entra", m.entra.given().map(|g| g.name)),
        ("anonymous", m.anonymous.given().map(|g| g.name)),
    ];
    let one_mode = |_: &str, _: &str| {
        Diagnostic::new(Code::Auth, "`auth(...)` takes one mode").help("keep `entra(...)` or `anonymous`")
    };
    match m.rest.first_written(cx, &modes, one_mode)? {
        0 => {
            let e = &m.entra.get()?.0;
            let mut audience = None;
            cx.set(&mut audience, &e.audience, |a| {
                check::audience(&a).map(|()| Some(owned(&a)))
            })
            .then_some(AuthSpec::Entra { audience })
        }
        _ => Some(AuthSpec::Anonymous),
    }
}

/// Rule: `networking(...)` takes one mode (ATK0313 at a second one; the first stands).
fn networking(cx: &mut Ctxt, v: &NetworkingValue) -> Option<Networking> {
    let m = match v {
        NetworkingValue::Public => return Some(Networking::Public),
        NetworkingValue::Isolated => return Some(isolated(cx, &IsolatedOptions::default())),
        NetworkingValue::Modes(m) => m,
    };
    let modes = [
        ("public", m.public.given().map(|g| g.name)),
        ("isolated", m.isolated.given().map(|g| g.name)),
    ];
    let one_mode = |_: &str, _: &str| Diagnostic::new(Code::Networking, "`networking(...)` takes one mode");
    match m.rest.first_written(cx, &modes, one_mode)? {
        0 => Some(Networking::Public),
        _ => m.isolated.get().map(|iso| isolated(cx, &iso.0)),
    }
}

/// Rule: an isolated network's address space is a CIDR block, its VNet and subnet names are
/// legal for their types.
fn isolated(cx: &mut Ctxt, o: &IsolatedOptions) -> Networking {
    let mut iso = IsolatedNetwork::DEFAULT;
    cx.set(&mut iso.address_space, &o.address_space, keep(check::address_space));
    cx.set(
        &mut iso.vnet_name,
        &o.vnet_name,
        keep(|v| check::network_name(v, "vnet_name")),
    );
    cx.set(
        &mut iso.subnet_name,
        &o.subnet_name,
        keep(|v| check::network_name(v, "subnet_name")),
    );
    cx.set(&mut iso.private_endpoints, &o.private_endpoints, Ok);
    Networking::Isolated(iso)
}

/// Rule: a count or threshold is positive.
fn positive(cx: &mut Ctxt, opt: &Opt<i64>, code: Code) -> Ruled<u32> {
    opt.rule(|g, v| cx.check(g.at, check::positive(*v, g.key, code)))
}

/// Rule: every limit is positive.
fn limits(cx: &mut Ctxt, o: &LimitsOptions) -> Option<Limits> {
    let mut limit = |opt| positive(cx, opt, Code::LimitValue).ok().flatten();
    Some(Limits {
        max_cosmos_accounts: limit(&o.max_cosmos_accounts),
        max_function_apps: limit(&o.max_function_apps),
        max_storage_accounts: limit(&o.max_storage_accounts),
        max_throughput_per_database: limit(&o.max_throughput_per_database),
    })
}

/// Rule: the naming pattern uses known placeholders and `{type}`. `None` unless every naming
/// option is valid (only then can the names be checked).
fn naming(cx: &mut Ctxt, o: &NamingOptions) -> Option<NamingSpec> {
    let mut n = NamingSpec::DEFAULT;
    let pattern = cx.set(&mut n.pattern, &o.pattern, keep(check::naming_pattern));
    let flags = cx.set(&mut n.unique_suffix, &o.unique_suffix, Ok) & cx.set(&mut n.strict, &o.strict, Ok);
    (pattern && flags && o.rest.is_clean()).then_some(n)
}

/// Rule: retention is 30..=730 days, sampling in (0, 100] percent (and the alerting rules).
fn monitoring(cx: &mut Ctxt, Switch(on): &Switch<MonitoringOptions>) -> Option<MonitoringSpec> {
    let o = on.as_ref()?;
    let mut m = MonitoringSpec::DEFAULT;
    cx.set(&mut m.retention_days, &o.retention_days, check::retention_days);
    cx.set(
        &mut m.sampling_percentage,
        &o.sampling_percentage,
        check::sampling_percentage,
    );
    m.alerting = o.alerting.get().map(|a| alerting(cx, &a.0));
    Some(m)
}

/// Rule: alert thresholds are positive, the alert e-mail is an address.
fn alerting(cx: &mut Ctxt, o: &AlertingOptions) -> AlertingSpec {
    let mut a = AlertingSpec::DEFAULT;
    set(
        &mut a.error_threshold,
        positive(cx, &o.error_threshold, Code::Monitoring),
    );
    set(
        &mut a.latency_threshold_ms,
        positive(cx, &o.latency_threshold_ms, Code::Monitoring),
    );
    cx.set(&mut a.email, &o.email, keep(check::email));
    a
}

/// Rule: `auto_scale(...)` gives `max_throughput`, an autoscale maximum, and a target
/// utilization of 1..=100 percent.
fn auto_scale(cx: &mut Ctxt, o: &AutoScaleOptions, at: Span) -> Option<AutoScaleSpec> {
    let max = cx.rule(&o.max_throughput, |v| {
        check::autoscale_max(v, "max_throughput", Code::AutoScale)
    });
    let mut target_utilization = AutoScaleSpec::DEFAULT_TARGET_UTILIZATION;
    cx.set(
        &mut target_utilization,
        &o.target_utilization,
        check::target_utilization,
    );
    // Not when the list has an unknown option: it may be `max_throughput` misspelt.
    if matches!(max, Ok(None)) && o.rest.is_clean() {
        let d = Diagnostic::new(Code::AutoScale, "`auto_scale(...)` needs `max_throughput`");
        cx.error(at, d.help("e.g. `auto_scale(max_throughput = 10000)`"));
    }
    let max_throughput = max.ok().flatten()?;
    Some(AutoScaleSpec {
        max_throughput,
        target_utilization,
    })
}

/// `allowed_origins = "https://a"` or `allowed_origins = ["https://a", "https://b"]`.
pub(crate) struct Origins(Vec<SpannedValue<String>>);

impl Value for Origins {
    fn read(meta: &Meta, key: &str, example: &str) -> darling::Result<Self> {
        let e = super::attrs::name_value(meta, key, "an origin or a list of origins", example)?;
        let not_string = || {
            Diagnostic::new(Code::WrongValueType, format!("`{key}` expects origins as strings"))
                .help(format!("e.g. `{example}`"))
        };
        super::attrs::strings(e, &not_string).map(Origins)
    }
}

/// Rules: `cors(...)` names at least one origin, and every origin is one a browser sends
/// (see `check::cors_origin`).
fn cors(cx: &mut Ctxt, o: &CorsOptions, at: Span) -> Option<CorsSpec> {
    let Some(Origins(origins)) = o.allowed_origins.get() else {
        // Not when the list has an unknown option: it may be `allowed_origins` misspelt.
        if o.rest.is_clean() {
            let d = Diagnostic::new(Code::Cors, "`cors(...)` needs `allowed_origins`");
            cx.error(
                at,
                d.help("e.g. `cors(allowed_origins = [\"https://app.example.com\"])`"),
            );
        }
        return None;
    };
    if origins.is_empty() {
        let d = Diagnostic::new(Code::Cors, "`cors(allowed_origins = [])` lists no origin");
        cx.error(
            at,
            d.help("list the origins, or leave `cors(...)` out to answer no browser origin"),
        );
        return None;
    }
    let mut valid = Vec::new();
    for origin in origins {
        if cx.check(origin.span(), check::cors_origin(origin)).is_some() {
            valid.push(owned(origin));
        }
    }
    (valid.len() == origins.len()).then_some(CorsSpec {
        allowed_origins: Cow::Owned(valid),
    })
}

/// `consistency = "Session"`: a Cosmos DB consistency level.
impl Value for Consistency {
    fn read(meta: &Meta, key: &str, example: &str) -> darling::Result<Self> {
        let v = String::read(meta, key, example)?;
        let names: Vec<&str> = Consistency::ALL.iter().map(|c| c.as_str()).collect();
        let help = one_of(&v, &names, |names| format!("levels: {names}"));
        let msg = format!("`{key}` `{v}` is not a Cosmos DB consistency level");
        let unknown = || Diagnostic::new(Code::UnknownValue, msg).help(help).at(value_span(meta));
        Consistency::from_name(&v).ok_or_else(unknown)
    }
}

/// `tags(name = "value", ...)`: each tag's name and value with their spans, each name once.
pub(crate) struct Tags(Vec<(String, SpannedValue<String>)>);

impl Value for Tags {
    fn read(meta: &Meta, key: &str, example: &str) -> darling::Result<Self> {
        let items = list_items(meta, key, example)?;
        let mut tags: Vec<(String, SpannedValue<String>)> = Vec::new();
        let mut errors = darling::Error::accumulator();
        for item in &items {
            let NestedMeta::Meta(m @ Meta::NameValue(_)) = item else {
                let d = Diagnostic::new(Code::Syntax, "`tags(...)` takes `name = \"value\"` pairs");
                errors.push(d.help(format!("e.g. `{example}`")).at(item.span()));
                continue;
            };
            let name = m.path().get_ident().map(|i| i.to_string()).unwrap_or_default();
            if tags.iter().any(|(k, _)| k == &name) {
                let d = Diagnostic::new(Code::DuplicateOption, format!("tag `{name}` is given twice"));
                errors.push(d.at(m.path().span()));
            } else if let Some(v) = errors.handle(String::read(m, &name, "cost_center = \"engineering\"")) {
                tags.push((name, SpannedValue::new(v, value_span(m))));
            }
        }
        errors.finish_with(Tags(tags))
    }
}

/// Rule: every tag is one Azure accepts and atakora does not set itself.
fn tags(cx: &mut Ctxt, Tags(tags): &Tags) -> Option<List<(Str, Str)>> {
    let mut valid = Vec::new();
    for (name, value) in tags {
        if cx.check(value.span(), check::tag(name, value)).is_some() {
            valid.push((owned(name), owned(value)));
        }
    }
    Some(Cow::Owned(valid))
}

/// Rule: every name the backend will get is legal for its type in every environment, none
/// collides with another, and under `naming(strict = true)` none needs shortening. The names
/// come from resolving the backend's skeleton (its components with default options) for each
/// environment: the very names `resolve` makes, for every resource the backend's own options
/// decide (the components' containers, caches and health checks are checked when resolving).
fn naming_errors(spec: &BackendSpec, components: &[ComponentRef]) -> Vec<Diagnostic> {
    let skeleton = skeleton(spec, components);
    let mut found: Vec<Diagnostic> = Vec::new();
    for env in spec.environments.iter() {
        let Ok(plan) = crate::resolve::resolve(&skeleton, env) else {
            continue;
        };
        for d in plan.diagnostics {
            let about_names = d.subject.as_ref().and_then(|s| s.option.as_deref()) == Some("naming.pattern");
            if d.is_error() && about_names && !found.iter().any(|o| o.message == d.message) {
                found.push(d);
            }
        }
    }
    // One mistake (the pattern, the app, an environment), one error: all names it breaks in one
    // message.
    let mut out = Vec::new();
    if let Some(first) = found.first() {
        let mut d = first.clone();
        d.subject = None;
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

/// Rules: the backend is a non-generic struct with named fields, each `CrudApi<T>` or
/// `FunctionsApp<T>`, each component once, at least one.
fn components(cx: &mut Ctxt, item: &DeriveInput, type_name: &str) -> Vec<ComponentRef> {
    if !item.generics.params.is_empty() {
        let msg = format!("`#[backend]` `{type_name}` cannot be generic");
        cx.error(item.generics.span(), Diagnostic::new(Code::GenericItem, msg));
    }
    let fields = match &item.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(f) => &f.named,
            _ => {
                let msg = format!("`#[backend]` `{type_name}` must have named fields, one per component");
                let help = "e.g. `pub struct ShopBackend { pub users: CrudApi<User> }`";
                cx.error(item.ident.span(), Diagnostic::new(Code::WrongItem, msg).help(help));
                return Vec::new();
            }
        },
        _ => {
            let msg = format!("`#[backend]` must be on a struct, and `{type_name}` is not one");
            cx.error(item.ident.span(), Diagnostic::new(Code::WrongItem, msg));
            return Vec::new();
        }
    };
    let mut out: Vec<ComponentRef> = Vec::new();
    // Each component's type as written, to its index in `out`: one lookup per field, so a
    // backend of thousands of components is read in linear time.
    let mut seen: HashMap<(ComponentKind, String), usize> = HashMap::new();
    for f in fields {
        let Some(field) = f.ident.clone() else { continue };
        let Some((kind, ty)) = wrapper(&f.ty) else {
            let msg = format!("backend field `{field}` must be `CrudApi<T>` or `FunctionsApp<T>`");
            let help = "wrap an entity with `#[crud_api]` in `CrudApi<...>`, or a `#[functions_app]` struct in `FunctionsApp<...>`";
            cx.error(f.ty.span(), Diagnostic::new(Code::BackendField, msg).help(help));
            continue;
        };
        // Rule: a component appears once per backend (reported at the second field).
        let written = quote::ToTokens::to_token_stream(&ty).to_string();
        match seen.entry((kind, written)) {
            Entry::Occupied(first) => {
                let msg = format!("`{field}` declares the same component as `{}`", out[*first.get()].field);
                let help = "a backend serves each entity or functions app once";
                cx.error(f.ty.span(), Diagnostic::new(Code::DuplicateComponent, msg).help(help));
                continue;
            }
            Entry::Vacant(v) => {
                v.insert(out.len());
            }
        }
        out.push(ComponentRef { field, kind, ty });
    }
    // Not when fields are there but wrong: they are reported already.
    if fields.is_empty() {
        let msg = format!("backend `{type_name}` has no components");
        let help = "add a field such as `pub users: CrudApi<User>`";
        cx.error(item.ident.span(), Diagnostic::new(Code::EmptyBackend, msg).help(help));
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
