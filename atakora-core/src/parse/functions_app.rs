//! `#[functions_app(...)]`.

use super::attrs::{self, each_option};
use super::{Ctxt, Parsed};
use crate::check;
use crate::diag::{Code, Diagnostic};
use crate::spec::FunctionsAppSpec;
use proc_macro2::TokenStream;
use std::borrow::Cow;
use syn::{Data, DeriveInput};

/// The options the attribute accepts at its top level.
pub const OPTIONS: &[&str] = &["memory_mb", "max_instances", "always_ready"];
const WHAT: &str = "`#[functions_app]`";

/// Parse `#[functions_app(<args>)]` on `item` (any non-generic struct).
pub fn functions_app(args: TokenStream, item: &DeriveInput) -> Parsed<FunctionsAppSpec> {
    let mut cx = Ctxt::default();
    let type_name = item.ident.to_string();
    if !matches!(item.data, Data::Struct(_)) {
        cx.error(
            &item.ident,
            Diagnostic::new(
                Code::WrongItem,
                format!("{WHAT} must be on a struct, and `{type_name}` is not one"),
            )
            .help(format!("declare `pub struct {type_name};`")),
        );
    }
    if !item.generics.params.is_empty() {
        cx.error(
            &item.generics,
            Diagnostic::new(Code::GenericItem, format!("{WHAT} `{type_name}` cannot be generic")),
        );
    }
    let mut spec = FunctionsAppSpec {
        type_name: Cow::Owned(type_name),
        memory_mb: FunctionsAppSpec::DEFAULT_MEMORY_MB,
        max_instances: FunctionsAppSpec::DEFAULT_MAX_INSTANCES,
        always_ready: FunctionsAppSpec::DEFAULT_ALWAYS_READY,
    };
    let metas = attrs::nested(&mut cx, args);
    let mut always_ready = None;
    each_option(&mut cx, WHAT, OPTIONS, &metas, |cx, key, meta| {
        let Some((v, e)) = attrs::int(cx, meta, key, &format!("{key} = 2048")) else {
            return;
        };
        match key {
            "memory_mb" => spec.memory_mb = cx.check(&e, check::memory_mb(v)).unwrap_or(spec.memory_mb),
            "max_instances" => spec.max_instances = cx.check(&e, check::max_instances(v)).unwrap_or(spec.max_instances),
            _ => always_ready = Some((v, e)),
        }
    });
    // Checked after the loop: the bound is `max_instances`, wherever it is written.
    if let Some((v, e)) = always_ready {
        spec.always_ready = cx.check(&e, check::always_ready(v, spec.max_instances)).unwrap_or(0);
    }
    cx.finish(spec)
}
