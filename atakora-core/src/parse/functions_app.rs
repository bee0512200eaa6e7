//! `#[functions_app(...)]`.

use super::{Ctxt, Parsed};
use crate::check;
use crate::diag::{Code, Diagnostic};
use crate::spec::FunctionsAppSpec;
use proc_macro2::TokenStream;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput};

options! {
    FunctionsAppOptions("`#[functions_app]`") {
        memory_mb: i64 = "memory_mb = 2048",
        max_instances: i64 = "max_instances = 100",
        always_ready: i64 = "always_ready = 1",
    }
}

/// Parse `#[functions_app(<args>)]` on `item` (any non-generic struct).
pub fn functions_app(args: TokenStream, item: &DeriveInput) -> Parsed<FunctionsAppSpec> {
    let mut cx = Ctxt::default();
    let type_name = item.ident.to_string();
    // Rule: a functions app is a non-generic struct (its spec is one const).
    if !matches!(item.data, Data::Struct(_)) {
        let msg = format!("`#[functions_app]` must be on a struct, and `{type_name}` is not one");
        let help = format!("declare `pub struct {type_name};`");
        cx.error(item.ident.span(), Diagnostic::new(Code::WrongItem, msg).help(help));
    }
    if !item.generics.params.is_empty() {
        let msg = format!("`#[functions_app]` `{type_name}` cannot be generic");
        cx.error(item.generics.span(), Diagnostic::new(Code::GenericItem, msg));
    }
    let o: FunctionsAppOptions = cx.options(args);
    let mut spec = FunctionsAppSpec::with_defaults(&type_name);
    cx.set(&mut spec.memory_mb, &o.memory_mb, check::memory_mb);
    // Rule: `always_ready` is within `max_instances`, wherever that is written; not checked
    // against a `max_instances` that is itself wrong.
    if cx.set(&mut spec.max_instances, &o.max_instances, check::max_instances) {
        let max = spec.max_instances;
        cx.set(&mut spec.always_ready, &o.always_ready, |v| check::always_ready(v, max));
    }
    cx.finish(spec)
}
