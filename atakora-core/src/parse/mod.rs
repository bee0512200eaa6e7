//! The one parser of the attribute grammar (feature `parse`).
//!
//! Used by the proc macros (through [`expand`]) and by the build helper (through
//! [`crud_api()`], [`functions_app()`], [`backend()`]). Each attribute's options are one table (a
//! `#[derive(darling::FromMeta)]` struct, see `attrs.rs`) whose values keep their spans; its
//! rules run after parsing, each when its own inputs are valid. Each entry point returns the
//! spec it could build *and* every error it found (serde_derive's `Ctxt` style): an invalid
//! option leaves its default in the spec, so the macro still emits the user's item and its
//! impls, and one mistake gives one error.
#![warn(missing_docs)]

#[macro_use]
mod attrs;
mod backend;
mod crud_api;
pub mod expand;
mod function;
mod functions_app;
mod lower;
mod serde_names;

pub use backend::{BackendAttr, ComponentKind, ComponentRef, backend};
pub use crud_api::{crud_api, nested_path_errors};
pub use function::{FunctionAttr, function};
pub use functions_app::functions_app;

/// The option names of each attribute, in declaration order (read from the option tables).
pub mod options {
    use super::attrs::Table;
    use super::{backend as b, crud_api as c};

    /// `#[backend(...)]`.
    pub const BACKEND: &[&str] = b::BackendOptions::NAMES;
    /// `#[crud_api(...)]`.
    pub const CRUD_API: &[&str] = c::CrudApiOptions::NAMES;
    /// `#[functions_app(...)]`.
    pub const FUNCTIONS_APP: &[&str] = super::functions_app::FunctionsAppOptions::NAMES;
    /// `#[atakora::function(...)]`.
    pub const FUNCTION: &[&str] = super::function::OPTIONS;
    /// The nested lists, each with its options: `("`cache(...)`", &["ttl"])`.
    pub const NESTED: &[(&str, &[&str])] = &[
        (c::CacheOptions::WHAT, c::CacheOptions::NAMES),
        (c::HealthCheckOptions::WHAT, c::HealthCheckOptions::NAMES),
        (c::RolesOptions::WHAT, c::RolesOptions::NAMES),
        (b::LimitsOptions::WHAT, b::LimitsOptions::NAMES),
        (b::NamingOptions::WHAT, b::NamingOptions::NAMES),
        (b::MonitoringOptions::WHAT, b::MonitoringOptions::NAMES),
        (b::AlertingOptions::WHAT, b::AlertingOptions::NAMES),
        (b::AutoScaleOptions::WHAT, b::AutoScaleOptions::NAMES),
        (b::NetworkingModes::WHAT, b::NetworkingModes::NAMES),
        (b::IsolatedOptions::WHAT, b::IsolatedOptions::NAMES),
        (b::CorsOptions::WHAT, b::CorsOptions::NAMES),
        (b::AuthModes::WHAT, b::AuthModes::NAMES),
        (b::EntraOptions::WHAT, b::EntraOptions::NAMES),
    ];
}

use crate::diag::Diagnostic;
use proc_macro2::Span;

/// A spec and the errors found while building it. `errors` empty = the spec is exactly what
/// the attribute says.
#[derive(Debug)]
pub struct Parsed<T> {
    /// The spec: what the attribute says, with defaults where an option is left out or wrong.
    pub value: T,
    /// Every error, each spanned at the token it is about.
    pub errors: Vec<darling::Error>,
    /// Rules only the type checker can decide (a field's type): the expansion turns each into
    /// a trait bound spanned at the token that asked for it.
    pub obligations: Vec<Obligation>,
}

/// A trait bound the expansion must assert.
#[derive(Debug, Clone)]
pub struct Obligation {
    /// The bound.
    pub bound: Bound,
    /// The type it is asserted on.
    pub ty: syn::Type,
    /// Where the error points: the literal or field that imposes the bound.
    pub span: Span,
}

/// The bounds the parser asks the expansion for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// A partition key field: string, number or bool, or `Option` of those.
    PartitionKeyValue,
    /// The `id` field: a string.
    IdValue,
    /// `#[atakora::function(app = T)]`: `T` is a `#[functions_app]`.
    FunctionsApp,
    /// `changes(T)`: `T` is a `#[crud_api]` entity.
    ChangeFeedEntity,
    /// An `owner`/`tenant` field: a string (it holds a token's `oid` or `tid`).
    IsolationValue,
}

impl<T> Parsed<T> {
    /// No errors.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// The errors as `compile_error!` invocations, each at its span.
    pub fn error_tokens(&self) -> proc_macro2::TokenStream {
        self.errors.iter().cloned().map(darling::Error::write_errors).collect()
    }

    /// The errors as text (for the build helper's log and for tests).
    pub fn error_messages(&self) -> Vec<String> {
        self.errors
            .iter()
            .cloned()
            .flat_map(|e| e.flatten().into_iter().map(|e| e.to_string()))
            .collect()
    }
}

/// A diagnostic as a darling error at a span.
pub(crate) trait At {
    /// `self`, reported at `at`.
    fn at(self, at: Span) -> darling::Error;
}

impl At for Diagnostic {
    fn at(self, at: Span) -> darling::Error {
        syn::Error::new(at, self).into()
    }
}

/// The error context of one item: collects every error, each with its span, and the type
/// obligations. It must end in [`Ctxt::finish`]: the errors are held in darling's
/// `Accumulator`, which panics when dropped unfinished (serde's `Ctxt` does the same), so no
/// error can be lost unnoticed.
#[must_use = "an error context holds errors: end it with `finish`"]
#[derive(Default)]
pub(crate) struct Ctxt {
    errors: darling::error::Accumulator,
    obligations: Vec<Obligation>,
}

impl Ctxt {
    /// Report `d` at `at`.
    pub(crate) fn error(&mut self, at: Span, d: Diagnostic) {
        self.push(d.at(at));
    }

    /// Report an error found while reading an option table.
    pub(crate) fn push(&mut self, e: darling::Error) {
        self.errors.push(e);
    }

    /// Keep the value of a passed check; report a failed one at `at`.
    pub(crate) fn check<T>(&mut self, at: Span, r: Result<T, Diagnostic>) -> Option<T> {
        self.errors.handle(r.map_err(|d| d.at(at)))
    }

    /// Ask the expansion to assert `bound` on `ty`, reported at `at`.
    pub(crate) fn require(&mut self, bound: Bound, ty: &syn::Type, at: Span) {
        let ty = ty.clone();
        self.obligations.push(Obligation { bound, ty, span: at });
    }

    /// Read an attribute's arguments as option table `T`, reporting what is wrong in it.
    pub(crate) fn options<T: attrs::Table>(&mut self, args: proc_macro2::TokenStream) -> T {
        let mut table = T::from_tokens(args);
        attrs::Value::report(&mut table, self);
        table
    }

    /// The spec and every error found.
    pub(crate) fn finish<T>(self, value: T) -> Parsed<T> {
        let Ctxt { errors, obligations } = self;
        Parsed {
            value,
            errors: errors.into_inner(),
            obligations,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Ctxt;

    #[test]
    #[should_panic(expected = "dropped without being finished")]
    fn an_unfinished_context_panics() {
        let mut cx = Ctxt::default();
        cx.error(
            proc_macro2::Span::call_site(),
            crate::Diagnostic::new(crate::Code::Syntax, "lost"),
        );
        drop(cx);
    }

    #[test]
    fn a_finished_context_hands_over_its_errors() {
        let mut cx = Ctxt::default();
        cx.error(
            proc_macro2::Span::call_site(),
            crate::Diagnostic::new(crate::Code::Syntax, "kept"),
        );
        assert_eq!(cx.finish(()).error_messages(), ["ATK0001: kept"]);
    }
}
