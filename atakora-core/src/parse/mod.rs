//! The one parser of the attribute grammar (feature `parse`).
//!
//! Used by the proc macros (through [`expand`]) and by the build helper (through
//! [`crud_api`], [`functions_app`], [`backend`]). Each entry point returns the spec it could
//! build *and* every error it found (serde_derive's `Ctxt` style): an invalid option leaves its
//! default in the spec, so the macro still emits the user's item and its impls, and one
//! mistake gives one error.

mod attrs;
mod backend;
mod crud_api;
pub mod expand;
mod functions_app;
mod lower;
mod serde_names;

pub use backend::{BackendAttr, ComponentKind, ComponentRef, backend};
pub use crud_api::{crud_api, nested_path_errors};
pub use functions_app::functions_app;

/// The top-level option names of each attribute.
pub mod options {
    pub use super::backend::OPTIONS as BACKEND;
    pub use super::crud_api::OPTIONS as CRUD_API;
    pub use super::functions_app::OPTIONS as FUNCTIONS_APP;
}

use crate::diag::Diagnostic;
use syn::spanned::Spanned;

/// A spec and the errors found while building it. `errors` empty = the spec is exactly what
/// the attribute says.
#[derive(Debug)]
pub struct Parsed<T> {
    pub value: T,
    pub errors: Vec<darling::Error>,
    /// Rules only the type checker can decide (a field's type): the expansion turns each into
    /// a trait bound spanned at the token that asked for it.
    pub obligations: Vec<Obligation>,
}

/// A trait bound the expansion must assert.
#[derive(Debug, Clone)]
pub struct Obligation {
    pub bound: Bound,
    pub ty: syn::Type,
    /// Where the error points: the literal or field that imposes the bound.
    pub span: proc_macro2::Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// A partition key field: string, number or bool, or `Option` of those.
    PartitionKeyValue,
    /// The `id` field: a string.
    IdValue,
}

impl<T> Parsed<T> {
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

/// The error context: collects every error of one item, each with its span.
#[derive(Default)]
pub(crate) struct Ctxt {
    errors: Vec<darling::Error>,
    obligations: Vec<Obligation>,
}

impl Ctxt {
    pub(crate) fn error(&mut self, at: &impl Spanned, d: Diagnostic) {
        self.errors.push(darling::Error::custom(d).with_span(at));
    }

    /// Keep the value of a passed check; report a failed one at `at`.
    pub(crate) fn check<T>(&mut self, at: &impl Spanned, r: Result<T, Diagnostic>) -> Option<T> {
        r.map_err(|d| self.error(at, d)).ok()
    }

    /// Ask the expansion to assert `bound` on `ty`, reported at `at`.
    pub(crate) fn require(&mut self, bound: Bound, ty: &syn::Type, at: &impl Spanned) {
        self.obligations.push(Obligation {
            bound,
            ty: ty.clone(),
            span: at.span(),
        });
    }

    pub(crate) fn finish<T>(self, value: T) -> Parsed<T> {
        Parsed {
            value,
            errors: self.errors,
            obligations: self.obligations,
        }
    }
}
