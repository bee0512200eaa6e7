//! atakora's model, Azure-agnostic where it can be.
//!
//! The pipeline, one module per stage:
//!
//! | stage | module | input → output |
//! |---|---|---|
//! | spec | [`spec`] | the typed, `const`-constructible description of every attribute |
//! | parse | `parse` (feature `parse`) | attribute tokens + the annotated item → spec, with spanned errors |
//! | check | [`check`] | every value rule, in one place, shared by the parser and [`resolve`](mod@resolve) |
//! | resolve | [`resolve`](mod@resolve) | a backend spec + an environment → a [`plan::Plan`] of shared resources |
//! | naming | [`naming`] | pattern, per-type rules, sanitising → final resource names |
//!
//! ARM emission lives in `atakora-azure`; this crate never produces JSON.

#![warn(missing_docs)]
// Rules return `Result<_, Diagnostic>`: a diagnostic carries its message, help, notes and
// subject, and is built only on the error path of a compile-time or build-time check, so its
// size costs nothing that matters; boxing it would only add noise at every call site.
#![allow(clippy::result_large_err)]

pub mod check;
pub mod contract;
pub mod cron;
pub mod diag;
pub mod entity;
pub mod lock;
pub mod naming;
pub mod plan;
pub mod resolve;
pub mod rules;
pub mod spec;

#[cfg(feature = "parse")]
pub mod parse;

pub use diag::{Code, Diagnostic, Severity};
pub use plan::Plan;
pub use resolve::{ResolveError, resolve};
