//! `#[atakora::function(app = App, trigger = queue("orders"))]` on an `async fn`.
//!
//! The arguments are expressions (`queue("orders", max_attempts = 5)` is a call), so this
//! attribute reads them with syn rather than an option table; the unknown-option,
//! duplicate and value rules are the grammar's as everywhere else.

use super::{Bound, Ctxt, Parsed};
use crate::check;
use crate::diag::{Code, Diagnostic, closest};
use crate::spec::{FunctionSpec, Trigger};
use proc_macro2::{Span, TokenStream};
use std::borrow::Cow;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, Lit, Meta, Token};

/// The options of `#[atakora::function]`, in the order the reference lists them.
pub const OPTIONS: &[&str] = &["app", "trigger", "always_ready"];
/// The triggers, with the example each error's help shows.
pub const TRIGGERS: &[(&str, &str)] = &[
    ("queue", "queue(\"orders\", max_attempts = 5)"),
    ("timer", "timer(\"0 */5 * * * *\")"),
    ("changes", "changes(Order)"),
    ("http", "http(route = \"orders/{id}/ship\", methods(post))"),
];

/// What the expansion needs besides the spec: the handler's shape, read from its signature.
#[derive(Debug, Clone)]
pub struct FunctionAttr {
    /// The spec.
    pub spec: FunctionSpec,
    /// The handler's name.
    pub ident: syn::Ident,
    /// `app = <path>`, as written.
    pub app: Option<syn::Path>,
    /// `changes(<path>)`, as written.
    pub entity: Option<syn::Path>,
    /// Where the signature's errors point: the handler's argument, else its name.
    pub signature_span: Span,
    /// Whether the item is a handler the expansion can register (an `async fn` with one
    /// argument, not generic).
    pub registrable: bool,
}

/// Parse `#[atakora::function(<args>)]` on `item`.
pub fn function(args: TokenStream, item: &syn::ItemFn) -> Parsed<FunctionAttr> {
    let mut cx = Ctxt::default();
    let sig = &item.sig;
    let name = sig.ident.to_string().trim_start_matches("r#").to_string();
    let mut registrable = true;
    // Rule: a handler is an `async fn` (the runtime awaits it), not generic (one
    // registration per function), with exactly one argument: its trigger's input.
    if sig.asyncness.is_none() {
        let msg = format!("the handler `{name}` of `#[atakora::function]` must be an `async fn`");
        cx.error(
            sig.fn_token.span(),
            Diagnostic::new(Code::FunctionItem, msg).help(format!("write `async fn {name}(...)`")),
        );
        registrable = false;
    }
    if !sig.generics.params.is_empty() {
        let msg = format!("the handler `{name}` of `#[atakora::function]` cannot be generic");
        cx.error(sig.generics.span(), Diagnostic::new(Code::FunctionItem, msg));
        registrable = false;
    }
    let typed: Vec<&syn::PatType> = sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            syn::FnArg::Typed(t) => Some(t),
            syn::FnArg::Receiver(_) => None,
        })
        .collect();
    if typed.len() != 1 || sig.inputs.len() != 1 {
        let msg = format!(
            "the handler `{name}` must take exactly one argument, its trigger's input, not {}",
            sig.inputs.len()
        );
        let at = if sig.inputs.is_empty() {
            sig.ident.span()
        } else {
            sig.inputs.span()
        };
        let help = "e.g. `msg: T` for a queue, `timer: atakora::TimerInfo`, `batch: Vec<Entity>` for changes, `req: atakora::Request` for http";
        cx.error(at, Diagnostic::new(Code::FunctionItem, msg).help(help));
        registrable = false;
    }
    let signature_span = typed.first().map_or(sig.ident.span(), |t| t.ty.span());
    cx.check(sig.ident.span(), check::function_name(&name));

    let mut app: Option<syn::Path> = None;
    let mut trigger: Option<(Trigger, Option<syn::Path>)> = None;
    let mut always_ready: Option<(u32, Span)> = None;
    let metas = match syn::parse::Parser::parse2(Punctuated::<Meta, Token![,]>::parse_terminated, args) {
        Ok(m) => m,
        Err(e) => {
            let msg = format!("`#[atakora::function]` arguments are `app = App, trigger = ...`: {e}");
            cx.error(e.span(), Diagnostic::new(Code::Syntax, msg));
            Punctuated::new()
        }
    };
    let mut seen: Vec<String> = Vec::new();
    for meta in &metas {
        let key = meta.path().get_ident().map(|i| i.to_string()).unwrap_or_default();
        if seen.contains(&key) {
            let msg = format!("`{key}` is given twice");
            cx.error(
                meta.path().span(),
                Diagnostic::new(Code::DuplicateOption, msg).help("keep one"),
            );
            continue;
        }
        seen.push(key.clone());
        let value = match meta {
            Meta::NameValue(nv) if OPTIONS.contains(&key.as_str()) => &nv.value,
            _ if OPTIONS.contains(&key.as_str()) => {
                let msg = format!("`{key}` of `#[atakora::function]` takes a value: `{key} = ...`");
                let help = match key.as_str() {
                    "app" => "app = OrderProcessor",
                    "trigger" => "trigger = queue(\"orders\")",
                    _ => "always_ready = 2",
                };
                cx.error(
                    meta.span(),
                    Diagnostic::new(Code::Syntax, msg).help(format!("write `{help}`")),
                );
                continue;
            }
            _ => {
                let msg = format!("`#[atakora::function]` has no option `{key}`");
                let help = closest(&key, OPTIONS.iter().copied())
                    .map(|c| format!("did you mean `{c}`?"))
                    .unwrap_or_else(|| format!("the options are {}", quoted(OPTIONS)));
                cx.error(meta.path().span(), Diagnostic::new(Code::UnknownOption, msg).help(help));
                continue;
            }
        };
        match key.as_str() {
            "app" => match value {
                Expr::Path(p) if p.qself.is_none() => app = Some(p.path.clone()),
                other => {
                    let msg = "`app` names the `#[functions_app]` struct hosting this function, as a path";
                    cx.error(
                        other.span(),
                        Diagnostic::new(Code::FunctionOptions, msg).help("write `app = OrderProcessor`"),
                    );
                }
            },
            "trigger" => trigger = parse_trigger(&mut cx, value),
            _ => {
                if let Some(n) = int(&mut cx, value, "always_ready", "always_ready = 2")
                    && let Some(v) = cx.check(value.span(), function_always_ready(n))
                {
                    always_ready = Some((v, value.span()));
                }
            }
        }
    }
    for (option, example) in [
        ("app", "app = OrderProcessor"),
        ("trigger", "trigger = queue(\"orders\")"),
    ] {
        if !seen.iter().any(|s| s == option) {
            let msg = format!("`#[atakora::function]` on `{name}` needs `{option}`");
            cx.error(
                Span::call_site(),
                Diagnostic::new(Code::FunctionOptions, msg).help(format!("add `{example}`")),
            );
        }
    }
    let (trigger, entity) = trigger.unwrap_or((
        Trigger::Http {
            route: Cow::Owned(name.clone()),
            methods: Cow::Borrowed(&[]),
        },
        None,
    ));
    if let (Trigger::Http { .. }, Some((_, at))) = (&trigger, always_ready) {
        cx.error(at, check::http_always_ready(&name));
    }
    if let Some(path) = &app {
        cx.require(Bound::FunctionsApp, &path_type(path), path.span());
    }
    if let Some(path) = &entity {
        cx.require(Bound::ChangeFeedEntity, &path_type(path), path.span());
    }
    let app_name = app
        .as_ref()
        .and_then(|p| p.segments.last())
        .map(|s| s.ident.to_string())
        .unwrap_or_default();
    let spec = FunctionSpec {
        name: Cow::Owned(name),
        app: Cow::Owned(app_name),
        trigger,
        always_ready: always_ready.map(|(v, _)| v),
    };
    cx.finish(FunctionAttr {
        spec,
        ident: sig.ident.clone(),
        app,
        entity,
        signature_span,
        registrable,
    })
}

/// Rule: a function's `always_ready` is 1..=1000 instances (leave it out for none).
pub(crate) fn function_always_ready(value: i64) -> Result<u32, Diagnostic> {
    if (1..=1000).contains(&value) {
        Ok(value as u32)
    } else {
        Err(Diagnostic::new(
            Code::FunctionAlwaysReady,
            format!("`always_ready` of a function must be between 1 and 1000, not {value}"),
        )
        .help("leave it out to keep no instance warm"))
    }
}

fn path_type(path: &syn::Path) -> syn::Type {
    syn::parse_quote!(#path)
}

fn quoted(names: &[&str]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// An integer literal, or an ATK0004 error at `value`.
fn int(cx: &mut Ctxt, value: &Expr, option: &str, example: &str) -> Option<i64> {
    if let Expr::Lit(l) = value
        && let Lit::Int(i) = &l.lit
        && let Ok(n) = i.base10_parse::<i64>()
    {
        return Some(n);
    }
    let msg = format!("`{option}` takes an integer");
    cx.error(
        value.span(),
        Diagnostic::new(Code::WrongValueType, msg).help(format!("write `{example}`")),
    );
    None
}

/// A string literal, or an ATK0503 error at `value`.
fn string(cx: &mut Ctxt, value: &Expr, what: &str, example: &str) -> Option<String> {
    if let Expr::Lit(l) = value
        && let Lit::Str(s) = &l.lit
    {
        return Some(s.value());
    }
    let msg = format!("{what} is a string literal");
    cx.error(
        value.span(),
        Diagnostic::new(Code::Trigger, msg).help(format!("write `{example}`")),
    );
    None
}

fn trigger_error(cx: &mut Ctxt, at: Span, msg: String, kind: Option<&str>) {
    let help = match kind.and_then(|k| TRIGGERS.iter().find(|(n, _)| *n == k)) {
        Some((_, example)) => format!("write `trigger = {example}`"),
        None => format!(
            "the triggers are {}",
            TRIGGERS
                .iter()
                .map(|(_, e)| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    cx.error(at, Diagnostic::new(Code::Trigger, msg).help(help));
}

/// `queue(...)`, `timer(...)`, `changes(...)` or `http(...)`, with the entity path of `changes`.
fn parse_trigger(cx: &mut Ctxt, value: &Expr) -> Option<(Trigger, Option<syn::Path>)> {
    let Expr::Call(call) = value else {
        trigger_error(
            cx,
            value.span(),
            "`trigger` is a call such as `queue(\"orders\")`".to_string(),
            None,
        );
        return None;
    };
    let kind = match &*call.func {
        Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        _ => None,
    };
    let Some(kind) = kind else {
        trigger_error(
            cx,
            call.func.span(),
            "a trigger is `queue`, `timer`, `changes` or `http`".to_string(),
            None,
        );
        return None;
    };
    let args: Vec<&Expr> = call.args.iter().collect();
    match kind.as_str() {
        "queue" => {
            let Some(first) = args.first().filter(|a| !matches!(a, Expr::Assign(_))) else {
                trigger_error(
                    cx,
                    call.span(),
                    "`queue(...)` names its queue first".to_string(),
                    Some("queue"),
                );
                return None;
            };
            let queue = string(cx, first, "the queue's name", "queue(\"orders\")")?;
            let queue_ok = cx.check(first.span(), check::queue_name(&queue)).is_some();
            let mut max_attempts = FunctionSpec::DEFAULT_MAX_ATTEMPTS;
            let mut seen = false;
            for a in &args[1..] {
                let named = named(a);
                match named.as_ref().map(|(k, v)| (k.as_str(), *v)) {
                    Some(("max_attempts", v)) if !seen => {
                        seen = true;
                        if let Some(n) = int(cx, v, "max_attempts", "max_attempts = 5") {
                            max_attempts = cx.check(v.span(), check::max_attempts(n)).unwrap_or(max_attempts);
                        }
                    }
                    Some(("max_attempts", _)) => {
                        cx.error(
                            a.span(),
                            Diagnostic::new(Code::DuplicateOption, "`max_attempts` is given twice").help("keep one"),
                        );
                    }
                    Some((other, _)) => trigger_error(
                        cx,
                        a.span(),
                        format!(
                            "`queue(...)` has no option `{other}`{}",
                            suggest(other, &["max_attempts"])
                        ),
                        Some("queue"),
                    ),
                    None => trigger_error(
                        cx,
                        a.span(),
                        "`queue(...)` takes one queue name".to_string(),
                        Some("queue"),
                    ),
                }
            }
            queue_ok.then(|| {
                (
                    Trigger::Queue {
                        queue: Cow::Owned(queue),
                        max_attempts,
                    },
                    None,
                )
            })
        }
        "timer" => {
            let [schedule] = args[..] else {
                trigger_error(
                    cx,
                    call.span(),
                    "`timer(...)` takes one NCRONTAB schedule".to_string(),
                    Some("timer"),
                );
                return None;
            };
            let text = string(cx, schedule, "the timer's schedule", "timer(\"0 */5 * * * *\")")?;
            cx.check(schedule.span(), check::timer_schedule(&text))?;
            Some((
                Trigger::Timer {
                    schedule: Cow::Owned(text),
                },
                None,
            ))
        }
        "changes" => {
            let [Expr::Path(p)] = args[..] else {
                trigger_error(
                    cx,
                    call.span(),
                    "`changes(...)` names one `#[crud_api]` entity type".to_string(),
                    Some("changes"),
                );
                return None;
            };
            let entity = p.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
            Some((
                Trigger::Changes {
                    entity: Cow::Owned(entity),
                },
                Some(p.path.clone()),
            ))
        }
        "http" => {
            let mut route: Option<String> = None;
            let mut methods: Vec<Cow<'static, str>> = Vec::new();
            let mut ok = true;
            for a in &args {
                let named = named(a);
                match (named.as_ref().map(|(k, v)| (k.as_str(), *v)), a) {
                    (Some(("route", v)), _) if route.is_none() => {
                        let Some(r) = string(cx, v, "`route`", "route = \"orders/{id}/ship\"") else {
                            ok = false;
                            continue;
                        };
                        ok &= cx.check(v.span(), check::http_route(&r)).is_some();
                        route = Some(r);
                    }
                    (_, Expr::Call(m)) if matches!(&*m.func, Expr::Path(p) if p.path.is_ident("methods")) => {
                        for e in &m.args {
                            let word = match e {
                                Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
                                _ => None,
                            };
                            match word {
                                Some(w) => {
                                    if cx.check(e.span(), check::http_method(&w)).is_some() {
                                        if methods.iter().any(|m| *m == w) {
                                            cx.error(
                                                e.span(),
                                                Diagnostic::new(
                                                    Code::DuplicateOption,
                                                    format!("method `{w}` is given twice"),
                                                )
                                                .help("keep one"),
                                            );
                                        }
                                        methods.push(Cow::Owned(w));
                                    } else {
                                        ok = false;
                                    }
                                }
                                None => {
                                    ok = false;
                                    cx.error(
                                        e.span(),
                                        Diagnostic::new(Code::HttpRoute, "a method is a word such as `post`")
                                            .help("write `methods(get, post)`"),
                                    );
                                }
                            }
                        }
                    }
                    (Some((other, _)), _) => {
                        ok = false;
                        trigger_error(
                            cx,
                            a.span(),
                            format!(
                                "`http(...)` has no option `{other}` here{}",
                                suggest(other, &["route", "methods"])
                            ),
                            Some("http"),
                        )
                    }
                    (None, _) => {
                        ok = false;
                        trigger_error(
                            cx,
                            a.span(),
                            "`http(...)` takes `route = \"...\"` and `methods(...)`".to_string(),
                            Some("http"),
                        )
                    }
                }
            }
            let Some(route) = route else {
                if ok {
                    trigger_error(
                        cx,
                        call.span(),
                        "`http(...)` needs `route = \"...\"`".to_string(),
                        Some("http"),
                    );
                }
                return None;
            };
            ok.then(|| {
                (
                    Trigger::Http {
                        route: Cow::Owned(route),
                        methods: Cow::Owned(methods),
                    },
                    None,
                )
            })
        }
        other => {
            let names: Vec<&str> = TRIGGERS.iter().map(|(n, _)| *n).collect();
            let msg = format!("`{other}` is not a trigger{}", suggest(other, &names));
            trigger_error(cx, call.func.span(), msg, closest(other, names.iter().copied()));
            None
        }
    }
}

/// `name = value` inside a trigger's arguments.
fn named(e: &Expr) -> Option<(String, &Expr)> {
    let Expr::Assign(a) = e else { return None };
    let Expr::Path(p) = &*a.left else { return None };
    Some((p.path.get_ident()?.to_string(), &a.right))
}

fn suggest(word: &str, names: &[&str]) -> String {
    closest(word, names.iter().copied())
        .map(|c| format!(": did you mean `{c}`?"))
        .unwrap_or_default()
}
