//! What each attribute expands to. Data, not logic: the user's item unchanged, its spec as a
//! `const`, an `inventory` registration, trait impls that tie the types together, and the
//! compile errors found, if any. On error the item and its impls are still emitted (with
//! defaults where a value was invalid), so one mistake gives one error.

use super::backend::ComponentKind;
use super::lower::{self, Lower};
use proc_macro2::TokenStream;
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
    let serde_check = quote_spanned! {ident.span()=>
        const _: fn() = || { ::atakora::__private::assert_serde_entity::<#ident>(); };
    };
    quote! {
        #item
        #errors
        const _: () = {
            impl ::atakora::__private::CrudEntity for #ident {
                const SPEC: ::atakora::__private::spec::CrudApiSpec = #spec;
            }
            ::atakora::__private::inventory::submit! {
                ::atakora::__private::Registration::CrudApi(&<#ident as ::atakora::__private::CrudEntity>::SPEC)
            }
            #serde_check
        };
    }
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
    quote! {
        #item
        #errors
        const _: () = {
            static SPEC: ::atakora::__private::spec::BackendSpec = #spec;
            ::atakora::__private::inventory::submit! {
                ::atakora::__private::Registration::Backend(&SPEC)
            }
            impl ::atakora::Backend for #ident {
                fn spec() -> &'static ::atakora::__private::spec::BackendSpec {
                    &SPEC
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
