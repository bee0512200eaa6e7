//! What each attribute expands to. Data, not logic: the user's item unchanged, its spec as a
//! `const`, trait impls that tie the types together, an `inventory` registration for each
//! backend (its components with it) and each function, and the compile errors found, if any.
//! On error the item and its impls are still emitted (with defaults where a value was
//! invalid), so one mistake gives one error.
//!
//! An app of thousands of entities compiles thousands of expansions, and every token of them
//! is read, resolved and hashed again after each edit, so an entity's expansion is small: its
//! spec literal names only what the attribute sets, its trait-bound checks add no item of
//! their own, and it is registered only through its backends.

use super::Bound;
use super::backend::ComponentKind;
use super::lower::{self, Lower};
use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use syn::DeriveInput;

/// The item an attribute is on, or the tokens for the syntax error that stops us. The
/// expansion emits the item's own tokens (`input`), not the parsed item printed again: the
/// same tokens, without building each one anew.
fn item(input: &TokenStream) -> Result<DeriveInput, TokenStream> {
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
    let item = match item(&input) {
        Ok(i) => i,
        Err(t) => return t,
    };
    let parsed = super::crud_api(args, &item);
    let errors = parsed.error_tokens();
    let ident = &item.ident;
    if !matches!(item.data, syn::Data::Struct(_)) || !item.generics.params.is_empty() {
        return quote!(#input #errors);
    }
    let spec = lower::literal(&parsed.value);
    let invalid = invalid(parsed.is_ok());
    // The codec, built by a local function whose bounds are also the parser's obligations
    // (`Checks`): a missing serde derive is reported at the struct's name, once, a field of
    // the wrong type at its token, and the bound each breaks is this local function's, not
    // one inside atakora.
    let Checks { params, args } = checks(&parsed.obligations, ident.span());
    let codec = quote_spanned! {ident.span()=> {
        const fn crud_api_checks<T: ::atakora::Document, #params>() -> ::atakora::__private::Codec {
            ::atakora::__private::Codec::of::<T>()
        }
        crud_api_checks::<Self, #args>()
    }};
    quote! {
        #input
        #errors
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::absolute_paths)]
        const _: () = {
            #[automatically_derived]
            impl ::atakora::__private::CrudEntity for #ident {
                const SPEC: ::atakora::__private::spec::CrudApiSpec = #spec;
                #invalid
                const CODEC: ::atakora::__private::Codec = #codec;
            }
        };
    }
}

/// The parser's obligations as the generic parameters of a local function and the types it
/// is called with: a type that does not satisfy its parameter's bound is an error at the
/// literal or field that imposes it, and the checks add no item of their own.
struct Checks {
    /// `A0: Bound + ?Sized, ...`, each parameter with its bound.
    params: TokenStream,
    /// The types, in the same order, each spanned at its token.
    args: TokenStream,
}

/// `at`: where the compiler's note on a broken bound points, the function's name included (one
/// place for both).
fn checks(obligations: &[super::Obligation], at: Span) -> Checks {
    let (mut params, mut args) = (Vec::new(), Vec::new());
    for (i, o) in obligations.iter().enumerate() {
        let bound = match o.bound {
            Bound::PartitionKeyValue => quote!(::atakora::PartitionKeyValue),
            Bound::IdValue => quote!(::atakora::IdValue),
            Bound::FunctionsApp => quote!(::atakora::HostsFunctions),
            Bound::ChangeFeedEntity => quote!(::atakora::ChangeFeedSource),
            Bound::IsolationValue => quote!(::atakora::IsolationValue),
        };
        let param = quote::format_ident!("A{}", i);
        params.push(respan(quote!(#param: #bound + ?::core::marker::Sized), at));
        let ty = &o.ty;
        args.push(respan(quote!(#ty), o.span));
    }
    Checks {
        params: quote!(#(#params),*),
        args: quote!(#(#args),*),
    }
}

/// The obligations of an item that has no codec to build, as a `const` calling the local
/// function that carries them (see [`Checks`]).
fn type_checks(obligations: &[super::Obligation]) -> TokenStream {
    if obligations.is_empty() {
        return TokenStream::new();
    }
    let Checks { params, args } = checks(obligations, Span::call_site());
    quote! {
        const _: () = {
            const fn function_checks<#params>() {}
            function_checks::<#args>()
        };
    }
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
            #input
            #errors
            #[doc(hidden)]
            const _: () = { #type_checks };
        };
    }
    let spec = lower::literal(&attr.spec);
    let Some(app) = &attr.app else {
        return quote!(#input #errors);
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
        #input
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

/// `VALID` is `true` unless the impl says otherwise: only an attribute with errors says it.
fn invalid(valid: bool) -> TokenStream {
    if valid {
        TokenStream::new()
    } else {
        quote!(
            const VALID: bool = false;
        )
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
    let item = match item(&input) {
        Ok(i) => i,
        Err(t) => return t,
    };
    let parsed = super::functions_app(args, &item);
    let errors = parsed.error_tokens();
    let invalid = invalid(parsed.is_ok());
    let ident = &item.ident;
    if !item.generics.params.is_empty() {
        return quote!(#input #errors);
    }
    let spec = lower::literal(&parsed.value);
    quote! {
        #input
        #errors
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::absolute_paths)]
        const _: () = {
            #[automatically_derived]
            impl ::atakora::__private::FunctionsAppDef for #ident {
                const SPEC: ::atakora::__private::spec::FunctionsAppSpec = #spec;
                #invalid
            }
        };
    }
}

/// `#[backend(...)]`. The default `app` is the crate being compiled (`CARGO_PKG_NAME`).
pub fn backend(args: TokenStream, input: TokenStream) -> TokenStream {
    let item = match item(&input) {
        Ok(i) => i,
        Err(t) => return t,
    };
    let crate_name = std::env::var("CARGO_PKG_NAME").unwrap_or_default();
    let parsed = super::backend(args, &item, &crate_name);
    let errors = parsed.error_tokens();
    let ident = &item.ident;
    if !item.generics.params.is_empty() || !matches!(item.data, syn::Data::Struct(_)) {
        return quote!(#input #errors);
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
                ComponentKind::CrudApi => quote!(ComponentSpec::CrudApi { field: #field, api: B(#name.spec) }),
                ComponentKind::FunctionsApp => {
                    quote!(ComponentSpec::FunctionsApp { field: #field, app: B(#name.spec) })
                }
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
        #input
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

/// Cross-item rules as `const` assertions over the backend's `const` spec (`SPEC`, whose
/// components are the entities' own `const` specs): one per component, spanned at its type,
/// and one for the backend, spanned at its name, each calling the rule functions of
/// `atakora_core::rules` that `resolve` calls for `validate()`, so a violation fails the build
/// with the same code and text. They run only when every component parsed cleanly (`VALID`):
/// an item's own mistake is reported once, at its token, and never again here.
fn cross_item_checks(attr: &super::BackendAttr, backend: &syn::Ident) -> TokenStream {
    let count = attr.components.len();
    let valid = (0..count).map(|i| {
        let name = quote::format_ident!("__COMPONENT_{}", i);
        quote!(#name.valid)
    });
    let rules = quote!(::atakora::__private::rules);
    // The call is spanned where its error points (`#[track_caller]` reports the call's span),
    // its path included: an interpolated path would keep the attribute's span.
    let checks = attr.components.iter().enumerate().map(|(i, c)| {
        quote_spanned! {syn::spanned::Spanned::span(&c.ty)=>
            const _: () = ::atakora::__private::rules::assert_component(VALID, SPEC, &SHARERS, #i);
        }
    });
    // Only with a throughput limit: the rule needs every component's first declarer.
    let firsts = if attr.spec.limits.max_throughput_per_database.is_some() {
        quote!(&#rules::container_firsts(&SHARERS))
    } else {
        quote!(&[])
    };
    let backend_check = quote_spanned! {backend.span()=>
        const _: () = ::atakora::__private::rules::assert_backend(VALID, SPEC, #firsts);
    };
    quote! {
        const VALID: bool = true #(&& #valid)*;
        // Which component each shares its container with, computed once for all of them.
        const SHARERS: [usize; #count] = #rules::container_sharers::<#count>(SPEC);
        #(#checks)*
        #backend_check
    }
}
