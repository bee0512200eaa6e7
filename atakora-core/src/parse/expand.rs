//! What each attribute expands to. Data, not logic: the user's item unchanged, its spec as a
//! `const`, an `inventory` registration, trait impls that tie the types together, and the
//! compile errors found, if any. On error the item and its impls are still emitted (with
//! defaults where a value was invalid), so one mistake gives one error.

use super::Bound;
use super::backend::ComponentKind;
use super::lower::{self, Lower};
use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use syn::DeriveInput;

/// The item an attribute is on, or the tokens for the syntax error that stops us.
fn item(input: TokenStream) -> Result<DeriveInput, TokenStream> {
    syn::parse2::<DeriveInput>(input.clone()).map_err(|e| {
        let msg = format!(
            "{}: atakora's attributes go on a struct ({e})",
            crate::diag::Code::WrongItem
        );
        let err = syn::Error::new(e.span(), msg).to_compile_error();
        quote!(#input #err)
    })
}

/// `#[crud_api(...)]`.
pub fn crud_api(args: TokenStream, input: TokenStream) -> TokenStream {
    let item = match item(input) {
        Ok(i) => i,
        Err(t) => return t,
    };
    let parsed = super::crud_api(args, &item);
    let errors = parsed.error_tokens();
    let ident = &item.ident;
    if !matches!(item.data, syn::Data::Struct(_)) || !item.generics.params.is_empty() {
        return quote!(#item #errors);
    }
    let spec = parsed.value.lower();
    let valid = parsed.is_ok();
    // Spanned at the struct's name: a missing serde derive is reported there, once, and the
    // bound it breaks is this local function's, not one inside atakora.
    let codec = quote_spanned! {ident.span()=> {
        const fn stored_as_json<T: ::atakora::Document>() -> ::atakora::__private::Codec {
            ::atakora::__private::Codec::of::<T>()
        }
        stored_as_json::<Self>()
    }};
    let type_checks = type_checks(&parsed.obligations);
    quote! {
        #item
        #errors
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::absolute_paths)]
        const _: () = {
            #[automatically_derived]
            impl ::atakora::__private::CrudEntity for #ident {
                const SPEC: ::atakora::__private::spec::CrudApiSpec = #spec;
                const VALID: bool = #valid;
                const FACTS: ::atakora::__private::EntityFacts = ::atakora::__private::EntityFacts {
                    spec: &<Self as ::atakora::__private::CrudEntity>::SPEC,
                    codec: &<Self as ::atakora::__private::CrudEntity>::CODEC,
                    valid: #valid,
                };
                const CODEC: ::atakora::__private::Codec = #codec;
            }
            ::atakora::__private::inventory::submit! {
                ::atakora::__private::Registration::CrudApi(&<#ident as ::atakora::__private::CrudEntity>::SPEC)
            }
            #type_checks
        };
    }
}

/// The parser's obligations as trait-bound assertions, each spanned at its token.
fn type_checks(obligations: &[super::Obligation]) -> TokenStream {
    obligations
        .iter()
        .map(|o| {
            // A local function, so the bound the compiler quotes is in the user's file, not in
            // atakora's.
            let (assert, bound) = match o.bound {
                Bound::PartitionKeyValue => (quote!(is_a_partition_key_value), quote!(::atakora::PartitionKeyValue)),
                Bound::IdValue => (quote!(is_an_id_value), quote!(::atakora::IdValue)),
                Bound::FunctionsApp => (quote!(hosts_functions), quote!(::atakora::HostsFunctions)),
                Bound::ChangeFeedEntity => (quote!(has_a_change_feed), quote!(::atakora::ChangeFeedSource)),
                Bound::IsolationValue => (quote!(is_an_owner_or_tenant_value), quote!(::atakora::IsolationValue)),
            };
            // Spanned at the literal or field that imposes the bound, so the error points there.
            let ty = &o.ty;
            let ty = respan(quote!(#ty), o.span);
            quote_spanned! {o.span=>
                const _: fn() = || {
                    fn #assert<T: #bound + ?Sized>() {}
                    #assert::<#ty>();
                };
            }
        })
        .collect()
}

/// `#[atakora::function(...)]`: the handler unchanged, its spec as a `static`, and a
/// registration pairing the spec with the library's invoker for its trigger, whose trait
/// bound checks that the handler fits the trigger (spanned at the handler's argument).
pub fn function(args: TokenStream, input: TokenStream) -> TokenStream {
    let item: syn::ItemFn = match syn::parse2(input.clone()) {
        Ok(i) => i,
        Err(e) => {
            let msg = format!(
                "{}: `#[atakora::function]` goes on an `async fn` handler ({e})",
                crate::diag::Code::FunctionItem
            );
            let err = syn::Error::new(e.span(), msg).to_compile_error();
            return quote!(#input #err);
        }
    };
    let parsed = super::function(args, &item);
    let errors = parsed.error_tokens();
    let type_checks = type_checks(&parsed.obligations);
    let attr = &parsed.value;
    // A handler with a wrong shape, or a trigger that did not parse, is reported once, at its
    // token: registering it would only repeat the mistake as a signature error.
    if !attr.registrable || !parsed.is_ok() {
        return quote! {
            #item
            #errors
            #[doc(hidden)]
            const _: () = { #type_checks };
        };
    }
    let spec = attr.spec.lower();
    let Some(app) = &attr.app else {
        return quote!(#item #errors);
    };
    let span = attr.signature_span;
    let handler = syn::Ident::new(&attr.ident.to_string(), span);
    let invoke = quote!(::atakora::__private::invoke);
    let call = match (&attr.spec.trigger, &attr.entity) {
        (crate::spec::Trigger::Changes { .. }, Some(entity)) => {
            let entity = respan(quote!(#entity), span);
            quote_spanned!(span=> #invoke::changes::<#entity, _>(input, #handler))
        }
        (crate::spec::Trigger::Queue { .. }, _) => quote_spanned!(span=> #invoke::queue(input, #handler)),
        (crate::spec::Trigger::Timer { .. }, _) => quote_spanned!(span=> #invoke::timer(input, #handler)),
        _ => quote_spanned!(span=> #invoke::http(input, #handler)),
    };
    quote! {
        #item
        #errors
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::absolute_paths)]
        const _: () = {
            static SPEC: ::atakora::__private::spec::FunctionSpec = #spec;
            static FUNCTION: ::atakora::__private::FunctionDef = ::atakora::__private::FunctionDef {
                spec: &SPEC,
                app: ::core::any::TypeId::of::<#app>,
                invoke: |input| #call,
            };
            ::atakora::__private::inventory::submit! {
                ::atakora::__private::Registration::Function(&FUNCTION)
            }
            #type_checks
        };
    }
}

/// `tokens` with every span set to `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|tt| match tt {
            TokenTree::Group(g) => {
                let mut group = Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                TokenTree::Group(group)
            }
            mut other => {
                other.set_span(span);
                other
            }
        })
        .collect()
}

/// `#[functions_app(...)]`.
pub fn functions_app(args: TokenStream, input: TokenStream) -> TokenStream {
    let item = match item(input) {
        Ok(i) => i,
        Err(t) => return t,
    };
    let parsed = super::functions_app(args, &item);
    let errors = parsed.error_tokens();
    let valid = parsed.is_ok();
    let ident = &item.ident;
    if !item.generics.params.is_empty() {
        return quote!(#item #errors);
    }
    let spec = parsed.value.lower();
    quote! {
        #item
        #errors
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::absolute_paths)]
        const _: () = {
            #[automatically_derived]
            impl ::atakora::__private::FunctionsAppDef for #ident {
                const SPEC: ::atakora::__private::spec::FunctionsAppSpec = #spec;
                const VALID: bool = #valid;
                const FACTS: ::atakora::__private::FunctionsAppFacts = ::atakora::__private::FunctionsAppFacts {
                    spec: &<Self as ::atakora::__private::FunctionsAppDef>::SPEC,
                    valid: #valid,
                };
            }
            ::atakora::__private::inventory::submit! {
                ::atakora::__private::Registration::FunctionsApp(&<#ident as ::atakora::__private::FunctionsAppDef>::SPEC)
            }
        };
    }
}

/// `#[backend(...)]`. The default `app` is the crate being compiled (`CARGO_PKG_NAME`).
pub fn backend(args: TokenStream, input: TokenStream) -> TokenStream {
    let item = match item(input) {
        Ok(i) => i,
        Err(t) => return t,
    };
    let crate_name = std::env::var("CARGO_PKG_NAME").unwrap_or_default();
    let parsed = super::backend(args, &item, &crate_name);
    let errors = parsed.error_tokens();
    let ident = &item.ident;
    if !item.generics.params.is_empty() || !matches!(item.data, syn::Data::Struct(_)) {
        return quote!(#item #errors);
    }
    // One const per component reads everything of its type (`FACTS`), spanned on the field's
    // type: a missing attribute is one error, there.
    let facts: Vec<(syn::Ident, TokenStream)> = parsed
        .value
        .components
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let ty = &c.ty;
            let name = quote::format_ident!("__COMPONENT_{}", i);
            let def = match c.kind {
                ComponentKind::CrudApi => quote_spanned! {syn::spanned::Spanned::span(ty)=>
                    const #name: ::atakora::__private::EntityFacts = <#ty as ::atakora::__private::CrudEntity>::FACTS;
                },
                ComponentKind::FunctionsApp => quote_spanned! {syn::spanned::Spanned::span(ty)=>
                    const #name: ::atakora::__private::FunctionsAppFacts = <#ty as ::atakora::__private::FunctionsAppDef>::FACTS;
                },
            };
            (name, def)
        })
        .collect();
    let fact_defs = facts.iter().map(|(_, d)| d);
    let components: Vec<TokenStream> = parsed
        .value
        .components
        .iter()
        .zip(&facts)
        .map(|(c, (name, _))| {
            let field = c.field.to_string().trim_start_matches("r#").to_string();
            let field = field.as_str().lower();
            match c.kind {
                ComponentKind::CrudApi => quote!(::atakora::__private::spec::ComponentSpec::CrudApi { field: #field, api: ::atakora::__private::Cow::Borrowed(#name.spec) }),
                ComponentKind::FunctionsApp => quote!(::atakora::__private::spec::ComponentSpec::FunctionsApp { field: #field, app: ::atakora::__private::Cow::Borrowed(#name.spec) }),
            }
        })
        .collect();
    let spec = lower::backend(&parsed.value.spec, &components);
    // What the runtime needs of each component's type, from the same consts.
    let runtime_components: Vec<TokenStream> = parsed
        .value
        .components
        .iter()
        .zip(&facts)
        .map(|(c, (name, _))| {
            let field = c.field.to_string().trim_start_matches("r#").to_string();
            match c.kind {
                ComponentKind::CrudApi => {
                    quote!(::atakora::__private::Component::CrudApi { field: #field, spec: #name.spec, codec: #name.codec })
                }
                ComponentKind::FunctionsApp => {
                    let ty = &c.ty;
                    quote!(::atakora::__private::Component::FunctionsApp { field: #field, spec: #name.spec, type_id: ::core::any::TypeId::of::<#ty> })
                }
            }
        })
        .collect();
    let component_count = runtime_components.len();
    let cross_item = if parsed.is_ok() {
        cross_item_checks(&parsed.value, ident)
    } else {
        // The attribute's own errors are reported; rules over a spec it could not build
        // would only repeat them.
        TokenStream::new()
    };
    quote! {
        #item
        #errors
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::absolute_paths)]
        const _: () = {
            #(#fact_defs)*
            // A reference: the spec lives in static memory, so the rules below read it without
            // ever dropping it.
            const SPEC: &::atakora::__private::spec::BackendSpec = &#spec;
            #cross_item
            static COMPONENTS: [::atakora::__private::Component; #component_count] = [#(#runtime_components),*];
            ::atakora::__private::inventory::submit! {
                ::atakora::__private::Registration::Backend(&::atakora::__private::BackendDef { spec: SPEC, components: &COMPONENTS })
            }
            #[automatically_derived]
            impl ::atakora::Backend for #ident {
                fn spec() -> &'static ::atakora::__private::spec::BackendSpec {
                    // The functions apps' handlers are other items: the registry adds them.
                    static COMPLETE: ::atakora::__private::OnceLock<::atakora::__private::spec::BackendSpec> =
                        ::atakora::__private::OnceLock::new();
                    COMPLETE.get_or_init(|| ::atakora::__private::with_functions(SPEC, &COMPONENTS))
                }
                fn components() -> &'static [::atakora::__private::Component] {
                    &COMPONENTS
                }
            }
            #[automatically_derived]
            impl #ident {
                /// The resolved plan of this backend for `environment` (see `atakora::Backend::plan`).
                pub fn plan(environment: &str) -> ::core::result::Result<::atakora::Plan, ::atakora::PlanError> {
                    <Self as ::atakora::Backend>::plan(environment)
                }
            }
        };
    }
}

/// Cross-item rules as `const` assertions over the backend's `const` spec (`SPEC`,
/// whose components are the entities' own `const` specs): each calls the rule function of
/// `atakora_core::rules` that `resolve` calls for `validate()`, so a violation fails the
/// build with the same code and text. They run only when every component parsed cleanly
/// (`VALID`): an item's own mistake is reported once, at its token, and never again here.
fn cross_item_checks(attr: &super::BackendAttr, backend: &syn::Ident) -> TokenStream {
    let envs: Vec<&str> = attr.spec.environments.iter().map(|e| e.as_ref()).collect();
    let count = attr.components.len();
    let valid = (0..attr.components.len()).map(|i| {
        let name = quote::format_ident!("__COMPONENT_{}", i);
        quote!(#name.valid)
    });
    // `rule` is a call of a rule function returning `Option<Finding>`.
    let assert = |span: Span, rule: TokenStream| {
        quote_spanned! {span=>
            const _: () = if VALID {
                if let ::core::option::Option::Some(f) = #rule {
                    ::core::panic!("{}", f.render().as_str())
                }
            };
        }
    };
    let rules = quote!(::atakora::__private::rules);
    let mut checks = Vec::new();
    for (i, c) in attr.components.iter().enumerate() {
        let span = syn::spanned::Spanned::span(&c.ty);
        if c.kind == ComponentKind::FunctionsApp {
            checks.push(assert(span, quote!(#rules::always_ready_zone_redundant(SPEC, #i))));
            continue;
        }
        checks.push(assert(
            span,
            quote!(#rules::throughput_names_declared_environments(SPEC, #i)),
        ));
        for env in &envs {
            checks.push(assert(span, quote!(#rules::throughput_covers(SPEC, #i, #env))));
        }
        checks.push(assert(
            span,
            quote!(#rules::container_conflict_with(SPEC, SHARERS[#i], #i)),
        ));
        checks.push(assert(span, quote!(#rules::health_check_needs_monitoring(SPEC, #i))));
        checks.push(assert(span, quote!(#rules::isolation_needs_auth(SPEC, #i))));
    }
    let span = backend.span();
    checks.push(assert(span, quote!(#rules::cosmos_account_limit(SPEC))));
    // Only with a throughput limit: the rule needs every component's first declarer.
    if attr.spec.limits.max_throughput_per_database.is_some() {
        for env in &envs {
            checks.push(assert(
                span,
                quote!(#rules::database_throughput(SPEC, &#rules::container_firsts::<#count>(SPEC), #env)),
            ));
        }
    }
    quote! {
        const VALID: bool = true #(&& #valid)*;
        // Which component each shares its container with, computed once for all of them.
        const SHARERS: [usize; #count] = #rules::container_sharers::<#count>(SPEC);
        #(#checks)*
    }
}
