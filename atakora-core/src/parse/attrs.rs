//! Option tables: one `#[derive(darling::FromMeta)]` struct per attribute and per nested list,
//! declared once with `options!`, and the values their options take.
//!
//! darling's derive matches each `name = value` / `name(...)` to its field. A table never fails
//! as a whole: every field is `#[darling(multiple)]` and read through `#[darling(with = ...)]`
//! into an [`Opt`] that keeps each occurrence's value *or* its error, with the spans of its
//! tokens; a `#[darling(flatten)]` field ([`Rest`]) receives the options no field claims. So one
//! bad option never loses the others, and every rule runs on spanned values after parsing.
//!
//! darling's error kinds are private (`ErrorKind` is `pub(in crate::error)`), so its errors
//! cannot be told apart once made, and its did-you-mean is not atakora's. Each error darling
//! would report is therefore intercepted where it arises and reported with atakora's code:
//!
//! | darling would report                          | reported instead                                  |
//! |-----------------------------------------------|---------------------------------------------------|
//! | `parse_meta_list` fails                       | ATK0001 invalid attribute syntax                  |
//! | a literal item: `unsupported_format("literal")` | ATK0001 expected an option (taken out first)    |
//! | `key = <no value>`: the stored parse error    | ATK0001 no valid value (taken out first)          |
//! | `unknown_field_with_alts`                     | ATK0002 by [`Rest`] (flatten), help from `closest` |
//! | `duplicate_field`, at the whole item          | ATK0003 by [`Opt`] (multiple), at the 2nd name    |
//! | `unsupported_format` / `unexpected_lit_type`  | ATK0004 by the [`Value`], help `e.g. <example>`   |
//! | `unknown_value`                               | ATK0005 by the [`Value`] (`consistency`, ...)     |
//!
//! Adding an option: a row `name: Type = "example",` in its table, where `Type` is a [`Value`]
//! (`i64`, `f64`, `String`, `bool`, a nested table, or a form of its own), and its rule where the
//! attribute's entry point builds the spec, calling the `check::*` rule on the spanned value.

use super::{At, Ctxt};
use crate::diag::{Code, Diagnostic, closest};
use crate::spec::Str;
use darling::FromMeta;
use darling::ast::NestedMeta;
use darling::util::SpannedValue;
use proc_macro2::{Span, TokenStream};
use std::borrow::Cow;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit, Meta, UnOp};

/// Declares option tables: for each, the struct, its darling derive and its [`Table`] and
/// [`Value`] impls, from one row per option: `name: Type = "example",` (the example is a correct
/// use, shown by the help of a wrong-kind error). `Type` is a [`Value`].
macro_rules! options {
    ($( $name:ident($what:literal) { $( $(#[$fdoc:meta])* $field:ident: $ty:ty = $example:literal, )* } )*) => {$(
        #[doc = concat!("The options of ", $what, ".")]
        #[derive(Default, darling::FromMeta)]
        pub(crate) struct $name {
            $(
                $(#[$fdoc])*
                #[darling(multiple, with = |m| $crate::parse::attrs::Given::read(m, stringify!($field), $example))]
                pub(crate) $field: $crate::parse::attrs::Opt<$ty>,
            )*
            /// The options no field claims, and what is not an option at all.
            #[darling(flatten)]
            pub(crate) rest: $crate::parse::attrs::Rest,
        }

        impl $crate::parse::attrs::Table for $name {
            const WHAT: &'static str = $what;
            const NAMES: &'static [&'static str] = &[$(stringify!($field)),*];
            fn rest(&mut self) -> &mut $crate::parse::attrs::Rest {
                &mut self.rest
            }
        }

        impl $crate::parse::attrs::Value for $name {
            fn read(meta: &syn::Meta, key: &str, example: &str) -> darling::Result<Self> {
                $crate::parse::attrs::nested_table(meta, key, example)
            }
            fn report(&mut self, cx: &mut $crate::parse::Ctxt) {
                self.rest.report(cx, $what, <Self as $crate::parse::attrs::Table>::NAMES);
                $( self.$field.report(cx, $what, stringify!($field)); )*
            }
        }
    )*};
}

/// A table of options (declared with `options!`).
pub(crate) trait Table: FromMeta + Default + Value {
    /// How errors name the list: `` `#[crud_api]` ``, `` `limits(...)` ``.
    const WHAT: &'static str;
    /// The option names, in declaration order.
    const NAMES: &'static [&'static str];
    /// The part darling fills with what no option claims.
    fn rest(&mut self) -> &mut Rest;

    /// Read a list. Never fails: its errors wait in the table until [`Value::report`]. What
    /// darling would refuse as a whole (items that are no option) is taken out first.
    fn from_tokens(tokens: TokenStream) -> Self {
        let mut errors = darling::Error::accumulator();
        let mut options = Vec::new();
        let mut order = Vec::new();
        let what = Self::WHAT;
        let items = errors.handle(NestedMeta::parse_meta_list(tokens).map_err(syntax));
        for item in items.unwrap_or_default() {
            let (at, d) = match item {
                NestedMeta::Meta(m) => {
                    order.push(path_text(m.path()));
                    options.push(NestedMeta::Meta(m));
                    continue;
                }
                NestedMeta::NameValueInvalidExpr(nv) => {
                    let msg = format!("option `{}` in {what} has no valid value", path_text(&nv.path));
                    let help = "write a literal after `=`, e.g. a string, a number or `true`";
                    (nv.span(), Diagnostic::new(Code::Syntax, msg).help(help))
                }
                NestedMeta::Lit(lit) => {
                    let msg = format!("expected an option of {what} (`name = value` or `name(...)`)");
                    (lit.span(), Diagnostic::new(Code::Syntax, msg))
                }
            };
            errors.push(d.at(at));
        }
        // Cannot fail: every field takes any number of values and keeps their errors, and the
        // flatten field takes any option. Kept as an error, not a panic, all the same.
        let mut table = errors.handle(Self::from_list(&options)).unwrap_or_default();
        let rest = table.rest();
        rest.errors = errors.into_inner();
        rest.order = order;
        table
    }
}

/// A nested table as an option's value: `key(...)`.
pub(crate) fn nested_table<T: Table>(meta: &Meta, key: &str, example: &str) -> darling::Result<T> {
    match meta {
        Meta::List(l) => Ok(T::from_tokens(l.tokens.clone())),
        _ => Err(wrong(meta.span(), key, "a list", example)),
    }
}

/// What darling's `flatten` hands over: the options no field claims. Also holds the errors of
/// items that are no option at all, and the order options were written in.
#[derive(Default)]
pub(crate) struct Rest {
    unknown: Vec<syn::Path>,
    errors: Vec<darling::Error>,
    order: Vec<String>,
}

impl FromMeta for Rest {
    fn from_list(items: &[NestedMeta]) -> darling::Result<Self> {
        let path = |item: &NestedMeta| {
            if let NestedMeta::Meta(m) = item {
                Some(m.path().clone())
            } else {
                None
            }
        };
        let unknown = items.iter().filter_map(path).collect();
        Ok(Rest {
            unknown,
            ..Rest::default()
        })
    }
}

impl Rest {
    /// Whether every option of the list is known and well-formed: rules that stand on the
    /// defaults of options left out only run then (a misspelt option may have meant to set one).
    pub(crate) fn is_clean(&self) -> bool {
        self.errors.is_empty() && self.unknown.is_empty()
    }

    /// Rule: of options that exclude each other, one is given; each written after the first is
    /// reported at its name with `conflict(later, first)`. `options` are names and, when given,
    /// where; the answer is the index of the one written first.
    pub(crate) fn first_written(
        &self,
        cx: &mut Ctxt,
        options: &[(&str, Option<Span>)],
        conflict: impl Fn(&str, &str) -> Diagnostic,
    ) -> Option<usize> {
        let position = |name: &str| self.order.iter().position(|n| n == name);
        let mut given: Vec<(usize, Span)> = options
            .iter()
            .enumerate()
            .filter_map(|(i, (_, at))| Some((i, (*at)?)))
            .collect();
        given.sort_by_key(|(i, _)| position(options[*i].0));
        let (&(first, _), later) = given.split_first()?;
        for &(i, at) in later {
            cx.error(at, conflict(options[i].0, options[first].0));
        }
        Some(first)
    }

    /// Rule: every option is known (else ATK0002 with the closest known name).
    pub(crate) fn report(&mut self, cx: &mut Ctxt, what: &str, names: &[&str]) {
        self.errors.drain(..).for_each(|e| cx.push(e));
        for path in &self.unknown {
            let key = path_text(path);
            let help = one_of(&key, names, |names| format!("{what} accepts: {names}"));
            let d = Diagnostic::new(Code::UnknownOption, format!("unknown option `{key}` in {what}"));
            cx.error(path.span(), d.help(help));
        }
    }
}

/// One option of a table: every occurrence, as written. The first counts.
pub(crate) struct Opt<T>(Vec<Given<T>>);

impl<T> Default for Opt<T> {
    fn default() -> Self {
        Opt(Vec::new())
    }
}

/// One occurrence of an option: its name and where its value is, and the value or why it could
/// not be read (serde's `Attr<T>`: a value that remembers its tokens).
pub(crate) struct Given<T> {
    /// The option's name, as declared.
    pub(crate) key: &'static str,
    /// The option's name, as written.
    pub(crate) name: Span,
    /// The value: `v` of `name = v`; the whole option for `name` and `name(...)`.
    pub(crate) at: Span,
    /// The error is taken by [`Opt::report`].
    value: Result<T, Option<darling::Error>>,
}

impl<T: Value> Given<T> {
    /// Read one occurrence (darling's `with` for every table field). Never fails: the error is
    /// kept for [`Value::report`].
    pub(crate) fn read(meta: &Meta, key: &'static str, example: &str) -> darling::Result<Self> {
        let value = T::read(meta, key, example).map_err(Some);
        Ok(Given {
            key,
            name: meta.path().span(),
            at: value_span(meta),
            value,
        })
    }
}

impl<T> Given<T> {
    /// The value, if it could be read.
    pub(crate) fn value(&self) -> Option<&T> {
        self.value.as_ref().ok()
    }
}

impl<T> Opt<T> {
    /// For darling's `multiple`.
    pub(crate) fn push(&mut self, given: Given<T>) {
        self.0.push(given);
    }

    /// For darling's `multiple`.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// The occurrence that counts, whether its value could be read or not.
    pub(crate) fn given(&self) -> Option<&Given<T>> {
        self.0.first()
    }

    /// The value, when given and readable.
    pub(crate) fn get(&self) -> Option<&T> {
        self.given().and_then(Given::value)
    }

    /// Apply `rule` (which reports what it finds) to the value: `Ok(None)` when the option is
    /// left out, `Err` when its value is wrong already or `rule` finds it wrong.
    pub(crate) fn rule<U>(&self, rule: impl FnOnce(&Given<T>, &T) -> Option<U>) -> Ruled<U> {
        let Some(given) = self.given() else { return Ok(None) };
        let value = given.value().ok_or(Invalid)?;
        rule(given, value).map(Some).ok_or(Invalid)
    }

    /// Rule: an option is given once (else ATK0003 at each later occurrence).
    pub(crate) fn report(&mut self, cx: &mut Ctxt, what: &str, key: &str)
    where
        T: Value,
    {
        for (i, given) in self.0.iter_mut().enumerate() {
            match &mut given.value {
                _ if i > 0 => {
                    let d = Diagnostic::new(
                        Code::DuplicateOption,
                        format!("option `{key}` is given twice in {what}"),
                    );
                    cx.error(given.name, d.help("remove one of them"))
                }
                Ok(v) => v.report(cx),
                Err(e) => e.take().into_iter().for_each(|e| cx.push(e)),
            }
        }
    }
}

/// What a rule made of an option: `Ok(None)` not given (the default stands), `Ok(Some(v))` given
/// and valid, `Err(Invalid)` given but wrong and reported: rules that depend on it do not run,
/// so one mistake gives one error.
pub(crate) type Ruled<U> = Result<Option<U>, Invalid>;

/// An option that was given but is wrong; its error is reported.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Invalid;

impl Ctxt {
    /// Run `rule` on an option's value, reporting a broken rule at the value.
    pub(crate) fn rule<T: Clone, U>(
        &mut self,
        opt: &Opt<T>,
        rule: impl FnOnce(T) -> Result<U, Diagnostic>,
    ) -> Ruled<U> {
        opt.rule(|given, value| self.check(given.at, rule(value.clone())))
    }

    /// Store the value of `opt` in `slot` if it passes `rule` (else reported at the value);
    /// `true` when later rules may rely on the option (left out, or valid).
    pub(crate) fn set<T: Clone, U>(
        &mut self,
        slot: &mut U,
        opt: &Opt<T>,
        rule: impl FnOnce(T) -> Result<U, Diagnostic>,
    ) -> bool {
        set(slot, self.rule(opt, rule))
    }

    /// Store what `rule` (which reports what it finds) makes of `opt` in `slot`; `true` when
    /// later rules may rely on the option (left out, or valid).
    pub(crate) fn apply<T, U>(
        &mut self,
        slot: &mut U,
        opt: &Opt<T>,
        rule: impl FnOnce(&mut Ctxt, &T) -> Option<U>,
    ) -> bool {
        set(slot, opt.rule(|_, value| rule(self, value)))
    }
}

/// A rule on a string that keeps the string: `keep(check::location)`.
pub(crate) fn keep<U: From<Str>>(
    rule: impl FnOnce(&str) -> Result<(), Diagnostic>,
) -> impl FnOnce(String) -> Result<U, Diagnostic> {
    move |v| rule(&v).map(|()| U::from(Cow::Owned(v)))
}

/// Store a ruled value in `slot`; `true` when later rules may rely on the option (left out, or
/// valid).
pub(crate) fn set<U>(slot: &mut U, ruled: Ruled<U>) -> bool {
    let valid = ruled.is_ok();
    if let Ok(Some(v)) = ruled {
        *slot = v;
    }
    valid
}

/// A value an option takes, read from the option's tokens.
pub(crate) trait Value: Sized {
    /// Read `meta` (the option `key`); `example` is a correct use, for the help.
    fn read(meta: &Meta, key: &str, example: &str) -> darling::Result<Self>;
    /// Report the errors a value keeps inside (a nested table's); plain values keep none.
    fn report(&mut self, _cx: &mut Ctxt) {}
}

/// The help for a word that is not one of `names`: the closest, else `all(names)`.
pub(crate) fn one_of(word: &str, names: &[&str], all: impl FnOnce(String) -> String) -> String {
    match closest(word, names.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => all(names.join(", ")),
    }
}

/// ATK0004: the value has the wrong kind.
pub(crate) fn wrong(at: Span, key: &str, expected: &str, example: &str) -> darling::Error {
    let d = Diagnostic::new(Code::WrongValueType, format!("`{key}` expects {expected}"));
    d.help(format!("e.g. `{example}`")).at(at)
}

/// ATK0001 for a list that does not parse.
pub(crate) fn syntax(e: syn::Error) -> darling::Error {
    Diagnostic::new(Code::Syntax, format!("invalid attribute syntax: {e}")).at(e.span())
}

/// The items of `key(...)`.
pub(crate) fn list_items(meta: &Meta, key: &str, example: &str) -> darling::Result<Vec<NestedMeta>> {
    match meta {
        Meta::List(l) => NestedMeta::parse_meta_list(l.tokens.clone()).map_err(syntax),
        _ => Err(wrong(meta.span(), key, "a list", example)),
    }
}

/// Where a value is: `v` of `name = v`; the whole option for `name` and `name(...)`.
pub(crate) fn value_span(meta: &Meta) -> Span {
    match meta {
        Meta::NameValue(nv) => nv.value.span(),
        _ => meta.span(),
    }
}

/// The value of `key = value`.
pub(crate) fn name_value<'m>(meta: &'m Meta, key: &str, expected: &str, example: &str) -> darling::Result<&'m Expr> {
    match meta {
        Meta::NameValue(nv) => Ok(&nv.value),
        _ => Err(wrong(meta.span(), key, expected, example)),
    }
}

/// `a::b` as written.
pub(crate) fn path_text(p: &syn::Path) -> String {
    let segments: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
    segments.join("::")
}

/// `key = <literal>` read by `parse`; `expected` names what is missing: without `=`, and after it.
fn literal<T>(
    meta: &Meta,
    (key, example): (&str, &str),
    expected: [&str; 2],
    parse: fn(&Expr) -> Option<T>,
) -> darling::Result<T> {
    let e = name_value(meta, key, expected[0], example)?;
    parse(e).ok_or_else(|| wrong(e.span(), key, expected[1], example))
}

/// An integer literal, possibly negative.
fn int_expr(expr: &Expr) -> Option<i64> {
    match expr {
        Expr::Lit(ExprLit { lit: Lit::Int(i), .. }) => i.base10_parse::<i64>().ok(),
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => int_expr(&u.expr).map(|v| -v),
        Expr::Group(g) => int_expr(&g.expr),
        _ => None,
    }
}

/// A number literal: a float or an integer.
fn float_expr(expr: &Expr) -> Option<f64> {
    match expr {
        Expr::Lit(ExprLit { lit: Lit::Float(f), .. }) => f.base10_parse::<f64>().ok(),
        other => int_expr(other).map(|i| i as f64),
    }
}

/// A string literal's value.
pub(crate) fn str_expr(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => Some(s.value()),
        Expr::Group(g) => str_expr(&g.expr),
        _ => None,
    }
}

/// `key = n`: an integer literal, possibly negative.
impl Value for i64 {
    fn read(meta: &Meta, key: &str, example: &str) -> darling::Result<Self> {
        literal(meta, (key, example), ["an integer", "an integer literal"], int_expr)
    }
}

/// `key = x.y` or `key = n`.
impl Value for f64 {
    fn read(meta: &Meta, key: &str, example: &str) -> darling::Result<Self> {
        literal(meta, (key, example), ["a number", "a number"], float_expr)
    }
}

/// `key = "text"`.
impl Value for String {
    fn read(meta: &Meta, key: &str, example: &str) -> darling::Result<Self> {
        literal(meta, (key, example), ["a string", "a string literal"], str_expr)
    }
}

/// `key` alone (true) or `key = true|false`.
impl Value for bool {
    fn read(meta: &Meta, key: &str, example: &str) -> darling::Result<Self> {
        match meta {
            Meta::Path(_) => Ok(true),
            Meta::NameValue(syn::MetaNameValue {
                value: Expr::Lit(ExprLit { lit: Lit::Bool(b), .. }),
                ..
            }) => Ok(b.value),
            _ => Err(wrong(value_span(meta), key, "`true` or `false`", example)),
        }
    }
}

/// `key` alone, without a value (`networking(public)`).
impl Value for () {
    fn read(meta: &Meta, key: &str, example: &str) -> darling::Result<Self> {
        match meta {
            Meta::Path(_) => Ok(()),
            _ => Err(wrong(meta.span(), key, "no value", example)),
        }
    }
}

/// `key` alone (every option of `T` at its default) or `key(...)`: `cache`, `health_check`,
/// `alerting`, `isolated`.
pub(crate) struct OrWord<T>(pub(crate) T);

impl<T: Table + Value> Value for OrWord<T> {
    fn read(meta: &Meta, key: &str, example: &str) -> darling::Result<Self> {
        match meta {
            Meta::Path(_) => Ok(OrWord(T::default())),
            _ => nested_table(meta, key, example).map(OrWord),
        }
    }
    fn report(&mut self, cx: &mut Ctxt) {
        Value::report(&mut self.0, cx)
    }
}

/// `key = false` (off), `key` or `key = true` (on, defaults), or `key(...)` (on): `monitoring`.
pub(crate) struct Switch<T>(pub(crate) Option<T>);

impl<T: Table + Value> Value for Switch<T> {
    fn read(meta: &Meta, key: &str, example: &str) -> darling::Result<Self> {
        match meta {
            Meta::List(_) => nested_table(meta, key, example).map(|t| Switch(Some(t))),
            _ => Ok(Switch(bool::read(meta, key, example)?.then(T::default))),
        }
    }
    fn report(&mut self, cx: &mut Ctxt) {
        self.0.iter_mut().for_each(|t| Value::report(t, cx))
    }
}

/// `key = "a"` or `key = ["a", "b"]` (also one item of `unique_keys(...)`): string literals,
/// each with its span. `not_string` is the error for an item that is not one.
pub(crate) fn strings(e: &Expr, not_string: &dyn Fn() -> Diagnostic) -> darling::Result<Vec<SpannedValue<String>>> {
    let items: Vec<&Expr> = match e {
        Expr::Array(a) => a.elems.iter().collect(),
        other => vec![other],
    };
    let mut errors = darling::Error::accumulator();
    let paths = items.into_iter().filter_map(|item| match str_expr(item) {
        Some(s) => Some(SpannedValue::new(s, item.span())),
        None => {
            errors.push(not_string().at(item.span()));
            None
        }
    });
    let paths = paths.collect();
    errors.finish_with(paths)
}

/// `key = "a"` or `key = ["a", "b"]`: `partition_key`.
pub(crate) struct Strings(pub(crate) Vec<SpannedValue<String>>);

impl Value for Strings {
    fn read(meta: &Meta, key: &str, example: &str) -> darling::Result<Self> {
        let e = name_value(meta, key, "a path or a list of up to 3 paths", example)?;
        let help = format!("e.g. `{example}` or `{key} = [\"/tenantId\", \"/userId\"]`");
        let not_string = || Diagnostic::new(Code::WrongValueType, format!("`{key}` expects string paths")).help(&help);
        strings(e, &not_string).map(Strings)
    }
}
