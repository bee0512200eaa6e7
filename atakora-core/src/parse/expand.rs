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
    let facts = lower::throughput_facts(&parsed.value);
    let container = parsed.value.container.as_ref();
    let partition_key: Vec<&str> = parsed.value.partition_key.iter().map(|p| p.as_ref()).collect();
    // Spanned at the struct's name: a missing serde derive is reported there, once.
    let codec = quote_spanned! {ident.span()=> ::atakora::__private::codec::<Self>() };
    let type_checks = parsed.obligations.iter().map(|o| {
        let assert = match o.bound {
            Bound::PartitionKeyValue => quote!(assert_partition_key_value),
            Bound::IdValue => quote!(assert_id_value),
        };
        // Spanned at the literal or field that imposes the bound, so the error points there.
        let ty = &o.ty;
        let ty = respan(quote!(#ty), o.span);
        quote_spanned! {o.span=>
            const _: fn() = || { ::atakora::__private::#assert::<#ty>(); };
        }
    });
    quote! {
        #item
        #errors
        const _: () = {
            impl ::atakora::__private::CrudEntity for #ident {
                const SPEC: ::atakora::__private::spec::CrudApiSpec = #spec;
                const THROUGHPUT: ::atakora::__private::ThroughputFacts = #facts;
                const CONTAINER: &'static str = #container;
                const PARTITION_KEY: &'static [&'static str] = &[#(#partition_key),*];
                const CODEC: ::atakora::__private::Codec = #codec;
            }
            ::atakora::__private::inventory::submit! {
                ::atakora::__private::Registration::CrudApi(&<#ident as ::atakora::__private::CrudEntity>::SPEC)
            }
            #(#type_checks)*
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
    let ident = &item.ident;
    if !item.generics.params.is_empty() {
        return quote!(#item #errors);
    }
    let spec = parsed.value.lower();
    quote! {
        #item
        #errors
        const _: () = {
            impl ::atakora::__private::FunctionsAppDef for #ident {
                const SPEC: ::atakora::__private::spec::FunctionsAppSpec = #spec;
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
    let components: Vec<TokenStream> = parsed
        .value
        .components
        .iter()
        .map(|c| {
            let field = c.field.to_string().trim_start_matches("r#").to_string();
            let field = field.as_str().lower();
            let ty = &c.ty;
            // The trait bound is spanned on the field's type: a missing attribute is reported there.
            match c.kind {
                ComponentKind::CrudApi => {
                    let spec = quote_spanned!(syn::spanned::Spanned::span(ty)=> <#ty as ::atakora::__private::CrudEntity>::SPEC);
                    quote!(::atakora::__private::spec::ComponentSpec::CrudApi { field: #field, api: ::atakora::__private::Cow::Borrowed(&#spec) })
                }
                ComponentKind::FunctionsApp => {
                    let spec = quote_spanned!(syn::spanned::Spanned::span(ty)=> <#ty as ::atakora::__private::FunctionsAppDef>::SPEC);
                    quote!(::atakora::__private::spec::ComponentSpec::FunctionsApp { field: #field, app: ::atakora::__private::Cow::Borrowed(&#spec) })
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
        .map(|c| {
            let field = c.field.to_string().trim_start_matches("r#").to_string();
            let ty = &c.ty;
            let span = syn::spanned::Spanned::span(ty);
            match c.kind {
                ComponentKind::CrudApi => {
                    let entity = quote_spanned!(span=> <#ty as ::atakora::__private::CrudEntity>);
                    quote!(::atakora::__private::Component::CrudApi { field: #field, spec: &#entity::SPEC, codec: &#entity::CODEC })
                }
                ComponentKind::FunctionsApp => {
                    let app = quote_spanned!(span=> <#ty as ::atakora::__private::FunctionsAppDef>);
                    quote!(::atakora::__private::Component::FunctionsApp { field: #field, spec: &#app::SPEC })
                }
            }
        })
        .collect();
    let component_count = runtime_components.len();
    let cross_item = cross_item_checks(&parsed.value, ident);
    quote! {
        #item
        #errors
        #cross_item
        const _: () = {
            static SPEC: ::atakora::__private::spec::BackendSpec = #spec;
            ::atakora::__private::inventory::submit! {
                ::atakora::__private::Registration::Backend(&SPEC)
            }
            static COMPONENTS: [::atakora::__private::Component; #component_count] = [#(#runtime_components),*];
            #[automatically_derived]
            impl ::atakora::Backend for #ident {
                fn spec() -> &'static ::atakora::__private::spec::BackendSpec {
                    &SPEC
                }
                fn components() -> &'static [::atakora::__private::Component] {
                    &COMPONENTS
                }
            }
            impl #ident {
                /// The resolved plan of this backend for `environment` (see `atakora::Backend::plan`).
                pub fn plan(environment: &str) -> ::core::result::Result<::atakora::Plan, ::atakora::PlanError> {
                    <Self as ::atakora::Backend>::plan(environment)
                }
            }
        };
    }
}

/// Cross-item rules as `const` assertions over the components' [`ThroughputFacts`]: they run
/// when the crate compiles, and fail it with the rule's code. Each mirrors a rule of
/// `resolve` (which `validate()` runs): per-environment coverage (ATK0120), Cosmos DB account
/// count (ATK0402), RU/s per database (ATK0403).
///
/// [`ThroughputFacts`]: crate::check::ThroughputFacts
fn cross_item_checks(attr: &super::BackendAttr, backend: &syn::Ident) -> TokenStream {
    let spec = &attr.spec;
    let envs: Vec<&str> = spec.environments.iter().map(|e| e.as_ref()).collect();
    let declared = envs.join(", ");
    // (field, `<T as CrudEntity>`, span of `T`)
    let crud: Vec<(String, TokenStream, Span)> = attr
        .components
        .iter()
        .filter(|c| c.kind == ComponentKind::CrudApi)
        .map(|c| {
            let ty = &c.ty;
            let span = syn::spanned::Spanned::span(ty);
            (
                c.field.to_string(),
                quote_spanned!(span=> <#ty as ::atakora::__private::CrudEntity>),
                span,
            )
        })
        .collect();
    let facts = |entity: &TokenStream| quote!(#entity::THROUGHPUT);
    let mut checks = Vec::new();
    for (field, entity, span) in &crud {
        let facts = facts(entity);
        let msg = format!(
            "ATK0120: a per-environment throughput of `{field}` names an environment that backend `{backend}` does not declare (declared: {declared})"
        );
        checks.push(
            quote_spanned! {*span=> const _: () = if !#facts.names_only(&[#(#envs),*]) { ::core::panic!(#msg) }; },
        );
        for env in &envs {
            let msg = format!(
                "ATK0120: the throughput of `{field}` has no value for environment `{env}`: add `{env} = ...` or `default = ...`"
            );
            checks.push(quote_spanned! {*span=> const _: () = if !#facts.covers(#env) { ::core::panic!(#msg) }; });
        }
    }
    for (i, (b, b_entity, span)) in crud.iter().enumerate() {
        for (a, a_entity, _) in &crud[..i] {
            let msg = format!(
                "ATK0407: `{a}` and `{b}` of backend `{backend}` use one Cosmos DB container with different partition keys: give one of them its own `container = \"...\"`, or the same `partition_key`"
            );
            checks.push(quote_spanned! {*span=>
                const _: () = if ::atakora::__private::container_conflict(
                    #a_entity::CONTAINER, #a_entity::THROUGHPUT.serverless, #a_entity::PARTITION_KEY,
                    #b_entity::CONTAINER, #b_entity::THROUGHPUT.serverless, #b_entity::PARTITION_KEY
                ) { ::core::panic!(#msg) };
            });
        }
    }
    let names = crud
        .iter()
        .map(|(f, _, _)| format!("`{f}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let all_facts: Vec<TokenStream> = crud.iter().map(|(_, e, _)| facts(e)).collect();
    if let Some(max) = spec.limits.max_cosmos_accounts
        && !crud.is_empty()
    {
        let msg = format!(
            "ATK0402: backend `{backend}` mixes serverless and provisioned entities ({names}), which needs 2 Cosmos DB accounts, above `max_cosmos_accounts = {max}`"
        );
        checks.push(quote_spanned! {backend.span()=>
            const _: () = {
                let serverless = false #(|| #all_facts.serverless)*;
                let provisioned = false #(|| !#all_facts.serverless)*;
                if (serverless as u32) + (provisioned as u32) > #max { ::core::panic!(#msg) }
            };
        });
    }
    if let Some(max) = spec.limits.max_throughput_per_database
        && !crud.is_empty()
    {
        let shared = spec
            .auto_scale
            .as_ref()
            .map_or(crate::resolve::DEFAULT_SHARED_RUS, |a| a.max_throughput);
        for env in &envs {
            let msg = format!(
                "ATK0403: in environment `{env}`, the database of backend `{backend}` needs more RU/s than `max_throughput_per_database = {max}` (components: {names})"
            );
            checks.push(quote_spanned! {backend.span()=>
                const _: () = {
                    let shares = false #(|| #all_facts.shares())*;
                    let total: u64 = (if shares { #shared as u64 } else { 0 }) #(+ #all_facts.dedicated_rus(#env) as u64)*;
                    if total > #max as u64 { ::core::panic!(#msg) }
                };
            });
        }
    }
    quote!(#(#checks)*)
}
