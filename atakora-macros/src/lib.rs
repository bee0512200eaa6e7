//! The proc-macro entry points of atakora. Each is one call into `atakora-core`'s parser and
//! expansion, which hold all the logic and are tested as an ordinary library.

#![warn(missing_docs)]

use proc_macro::TokenStream;

/// Declares a CRUD API over Cosmos DB for the entity struct it is on. Every option, with its
/// type, default and Azure effect, is documented at `atakora::crud_api`.
#[proc_macro_attribute]
pub fn crud_api(args: TokenStream, item: TokenStream) -> TokenStream {
    atakora_core::parse::expand::crud_api(args.into(), item.into()).into()
}

/// Declares a Function App of its own for the struct it is on. Every option is documented at
/// `atakora::functions_app`.
#[proc_macro_attribute]
pub fn functions_app(args: TokenStream, item: TokenStream) -> TokenStream {
    atakora_core::parse::expand::functions_app(args.into(), item.into()).into()
}

/// Declares a backend: its fields are the components that share its Azure resources. Every
/// option is documented at `atakora::backend`.
#[proc_macro_attribute]
pub fn backend(args: TokenStream, item: TokenStream) -> TokenStream {
    atakora_core::parse::expand::backend(args.into(), item.into()).into()
}

/// Declares a function of a functions app: an `async fn` handler and its trigger. Every
/// option is documented at `atakora::function`.
#[proc_macro_attribute]
pub fn function(args: TokenStream, item: TokenStream) -> TokenStream {
    atakora_core::parse::expand::function(args.into(), item.into()).into()
}
