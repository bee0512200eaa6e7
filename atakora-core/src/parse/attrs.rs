//! Walking `key = value, key(...)` option lists: unknown keys with suggestions, duplicates at
//! their second occurrence, and typed values with a clear error when the kind is wrong.

use super::Ctxt;
use crate::diag::{Code, Diagnostic, closest};
use crate::spec::PerEnv;
use darling::ast::NestedMeta;
use proc_macro2::TokenStream;
use std::borrow::Cow;
use syn::{Expr, ExprLit, Lit, Meta, UnOp};

/// Parse an option list (`a = 1, b(...)`); a syntax error is reported and yields no options.
pub(crate) fn nested(cx: &mut Ctxt, tokens: TokenStream) -> Vec<NestedMeta> {
    NestedMeta::parse_meta_list(tokens).unwrap_or_else(|e| {
        cx.error(
            &e.span(),
            Diagnostic::new(Code::Syntax, format!("invalid attribute syntax: {e}")),
        );
        Vec::new()
    })
}

/// Visit each option of `metas`, calling `f` with its name for the known ones.
/// Rule: every option is known (else ATK0002 with the closest known name) and given once
/// (else ATK0003 at the second occurrence).
pub(crate) fn each_option(
    cx: &mut Ctxt,
    what: &str,
    known: &[&str],
    metas: &[NestedMeta],
    mut f: impl FnMut(&mut Ctxt, &str, &Meta),
) {
    let mut seen: Vec<String> = Vec::new();
    for m in metas {
        let meta = match m {
            NestedMeta::Meta(meta) => meta,
            NestedMeta::NameValueInvalidExpr(nv) => {
                let key = path_text(&nv.path);
                cx.error(
                    nv,
                    Diagnostic::new(Code::Syntax, format!("option `{key}` in {what} has no valid value"))
                        .help("write a literal after `=`, e.g. a string, a number or `true`"),
                );
                continue;
            }
            other => {
                cx.error(
                    other,
                    Diagnostic::new(
                        Code::Syntax,
                        format!("expected an option of {what} (`name = value` or `name(...)`)"),
                    ),
                );
                continue;
            }
        };
        let key = meta
            .path()
            .get_ident()
            .map(|i| i.to_string())
            .unwrap_or_else(|| path_text(meta.path()));
        if !known.contains(&key.as_str()) {
            let help = match closest(&key, known.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("{what} accepts: {}", known.join(", ")),
            };
            cx.error(
                meta.path(),
                Diagnostic::new(Code::UnknownOption, format!("unknown option `{key}` in {what}")).help(help),
            );
            continue;
        }
        if seen.contains(&key) {
            cx.error(
                meta.path(),
                Diagnostic::new(
                    Code::DuplicateOption,
                    format!("option `{key}` is given twice in {what}"),
                )
                .help("remove one of them"),
            );
            continue;
        }
        seen.push(key.clone());
        f(cx, &key, meta);
    }
}

fn path_text(p: &syn::Path) -> String {
    p.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

fn wrong(cx: &mut Ctxt, at: &impl syn::spanned::Spanned, key: &str, expected: &str, example: &str) {
    cx.error(
        at,
        Diagnostic::new(Code::WrongValueType, format!("`{key}` expects {expected}")).help(format!("e.g. `{example}`")),
    );
}

/// The value of `key = value`, or an error naming the expected form.
pub(crate) fn value<'m>(cx: &mut Ctxt, meta: &'m Meta, key: &str, expected: &str, example: &str) -> Option<&'m Expr> {
    match meta {
        Meta::NameValue(nv) => Some(&nv.value),
        _ => {
            wrong(cx, meta, key, expected, example);
            None
        }
    }
}

/// An integer literal, possibly negative.
pub(crate) fn int_expr(expr: &Expr) -> Option<i64> {
    match expr {
        Expr::Lit(ExprLit { lit: Lit::Int(i), .. }) => i.base10_parse::<i64>().ok(),
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => int_expr(&u.expr).map(|v| -v),
        Expr::Group(g) => int_expr(&g.expr),
        _ => None,
    }
}

pub(crate) fn int(cx: &mut Ctxt, meta: &Meta, key: &str, example: &str) -> Option<(i64, Expr)> {
    let e = value(cx, meta, key, "an integer", example)?;
    match int_expr(e) {
        Some(v) => Some((v, e.clone())),
        None => {
            wrong(cx, e, key, "an integer literal", example);
            None
        }
    }
}

pub(crate) fn float(cx: &mut Ctxt, meta: &Meta, key: &str, example: &str) -> Option<(f64, Expr)> {
    let e = value(cx, meta, key, "a number", example)?;
    let v = match e {
        Expr::Lit(ExprLit { lit: Lit::Float(f), .. }) => f.base10_parse::<f64>().ok(),
        other => int_expr(other).map(|i| i as f64),
    };
    match v {
        Some(v) => Some((v, e.clone())),
        None => {
            wrong(cx, e, key, "a number", example);
            None
        }
    }
}

pub(crate) fn string(cx: &mut Ctxt, meta: &Meta, key: &str, example: &str) -> Option<(String, Expr)> {
    let e = value(cx, meta, key, "a string", example)?;
    match e {
        Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => Some((s.value(), e.clone())),
        _ => {
            wrong(cx, e, key, "a string literal", example);
            None
        }
    }
}

/// `key` alone (true) or `key = true|false`.
pub(crate) fn flag(cx: &mut Ctxt, meta: &Meta, key: &str) -> Option<bool> {
    match meta {
        Meta::Path(_) => Some(true),
        Meta::NameValue(nv) => match &nv.value {
            Expr::Lit(ExprLit { lit: Lit::Bool(b), .. }) => Some(b.value),
            other => {
                wrong(cx, other, key, "`true` or `false`", &format!("{key} = true"));
                None
            }
        },
        Meta::List(_) => {
            wrong(cx, meta, key, "`true` or `false`", &format!("{key} = true"));
            None
        }
    }
}

/// `key(...)`: the nested options.
pub(crate) fn list(cx: &mut Ctxt, meta: &Meta, key: &str, example: &str) -> Option<Vec<NestedMeta>> {
    match meta {
        Meta::List(l) => Some(nested(cx, l.tokens.clone())),
        _ => {
            wrong(cx, meta, key, "a list", example);
            None
        }
    }
}

/// `key = n` or `key(env = n, ..., default = n)`; `alias_default` also names the default
/// (`autoscale(max_throughput = n)`). Each value passes `rule`.
pub(crate) fn per_env(
    cx: &mut Ctxt,
    meta: &Meta,
    key: &str,
    alias_default: Option<&str>,
    rule: &dyn Fn(i64) -> Result<u32, Diagnostic>,
) -> Option<PerEnv> {
    let example = format!("{key}(dev = 400, prod = 4000)");
    match meta {
        Meta::NameValue(_) => {
            let (v, e) = int(cx, meta, key, &example)?;
            let v = cx.check(&e, rule(v))?;
            Some(PerEnv {
                default: Some(v),
                values: Cow::Owned(Vec::new()),
            })
        }
        Meta::List(_) => {
            let items = list(cx, meta, key, &example)?;
            let mut default = None;
            let mut values = Vec::new();
            let mut seen: Vec<String> = Vec::new();
            for item in &items {
                let NestedMeta::Meta(m) = item else {
                    cx.error(
                        item,
                        Diagnostic::new(Code::Syntax, format!("expected `environment = value` in `{key}(...)`")),
                    );
                    continue;
                };
                let Some(name) = m.path().get_ident().map(|i| i.to_string()) else {
                    cx.error(
                        m.path(),
                        Diagnostic::new(Code::Syntax, format!("expected an environment name in `{key}(...)`")),
                    );
                    continue;
                };
                if seen.contains(&name) {
                    cx.error(
                        m.path(),
                        Diagnostic::new(
                            Code::DuplicateOption,
                            format!("`{name}` is given twice in `{key}(...)`"),
                        ),
                    );
                    continue;
                }
                seen.push(name.clone());
                let Some((v, e)) = int(cx, m, &name, &example) else {
                    continue;
                };
                let Some(v) = cx.check(&e, rule(v)) else {
                    continue;
                };
                if name == "default" || alias_default == Some(name.as_str()) {
                    if default.is_some() {
                        cx.error(
                            m.path(),
                            Diagnostic::new(Code::DuplicateOption, format!("`{key}(...)` has two defaults")),
                        );
                    }
                    default = Some(v);
                } else {
                    values.push((Cow::Owned(name), v));
                }
            }
            // Only when nothing was written: an invalid value has been reported already.
            if items.is_empty() {
                cx.error(
                    meta,
                    Diagnostic::new(Code::WrongValueType, format!("`{key}(...)` gives no value"))
                        .help(format!("e.g. `{example}`")),
                );
                return None;
            }
            if default.is_none() && values.is_empty() {
                return None;
            }
            Some(PerEnv {
                default,
                values: Cow::Owned(values),
            })
        }
        Meta::Path(_) => {
            wrong(cx, meta, key, "a number or per-environment values", &example);
            None
        }
    }
}
