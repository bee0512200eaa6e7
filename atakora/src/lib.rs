//! # atakora
//!
//! Infrastructure-from-code for Azure. Annotate the domain structs of your crate and
//! `cargo build` writes deployable ARM templates for a backend whose components share one
//! Cosmos DB account, one Function App and one storage account — secured, monitored, named
//! and limited by rule. Mistakes in the attributes are compile errors on the token that caused
//! them, each with a stable code (`ATK0xxx`).
//!
//! ```
//! use atakora::{backend, crud_api, Backend, CrudApi};
//! use serde::{Deserialize, Serialize};
//!
//! #[crud_api(partition_key = "/tenantId", ttl = 86400)]
//! #[derive(Serialize, Deserialize)]
//! #[serde(rename_all = "camelCase")]
//! pub struct User {
//!     pub id: String,
//!     pub tenant_id: String,
//! }
//!
//! #[backend(app = "shop", environments(dev, prod))]
//! pub struct ShopBackend {
//!     pub users: CrudApi<User>,
//! }
//!
//! # fn main() -> Result<(), atakora::PlanError> {
//! let plan = ShopBackend::plan("prod")?;
//! assert!(plan.validate().is_ok());
//! let template = plan.to_arm();
//! let containers = atakora::testing::resources(&template, "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers");
//! assert_eq!(containers[0]["properties"]["resource"]["partitionKey"]["paths"][0], "/tenantId");
//! assert_eq!(containers[0]["properties"]["resource"]["defaultTtl"], 86400);
//! // Every resource with its name (global names end in the deployment's unique suffix).
//! assert!(plan.resources().iter().any(|(ty, name)| ty == "Microsoft.Web/sites" && name == "func-shop-prod-api-{suffix}"));
//! # Ok(())
//! # }
//! ```
//!
//! In `build.rs`, with `atakora` also a build-dependency with its `build` feature,
//! [`build::emit`] writes `target/atakora/<backend>/<env>/{azuredeploy.json,
//! azuredeploy.parameters.json, manifest.json}` for every backend and environment.
//!
//! The attributes and all their options: [`crud_api`], [`functions_app`], [`backend`].
//! Feature `build` gives the build-script helper, [`build`].

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[doc = include_str!("../doc/crud_api.md")]
pub use atakora_macros::crud_api;

#[doc = include_str!("../doc/functions_app.md")]
pub use atakora_macros::functions_app;

#[doc = include_str!("../doc/backend.md")]
pub use atakora_macros::backend;

#[doc = include_str!("../doc/function.md")]
pub use atakora_macros::function;

pub mod functions;
pub use functions::{Error, Queue, Request, Response, TimerInfo};

pub use atakora_core::ResolveError as PlanError;
pub use atakora_core::contract;
pub use atakora_core::diag::{Code, Diagnostic, Severity};
pub use atakora_core::naming;
pub use atakora_core::plan::Report;
pub use atakora_core::spec;

#[cfg(feature = "build")]
#[cfg_attr(docsrs, doc(cfg(feature = "build")))]
pub mod build;
pub mod registry;
#[cfg(feature = "serve")]
pub mod serve;
#[cfg(feature = "serve")]
pub use serve::serve;
pub mod testing;

use std::marker::PhantomData;

/// What a CRUD entity must be to be stored as a JSON document: serde's `Serialize` and
/// `Deserialize`. Implemented for every such type; `#[crud_api]` requires it of its struct.
#[diagnostic::on_unimplemented(
    message = "ATK0014: the CRUD entity `{Self}` must derive `Serialize` and `Deserialize`",
    label = "`{Self}` is stored as JSON documents",
    note = "add `#[derive(serde::Serialize, serde::Deserialize)]` to `{Self}`"
)]
pub trait Document: serde::Serialize + serde::de::DeserializeOwned {}

// Not recommended: the error names `Document` (one error, its message) rather than each missing
// serde trait.
#[diagnostic::do_not_recommend]
impl<T: serde::Serialize + serde::de::DeserializeOwned> Document for T {}

/// Types a partition key field may have: Cosmos DB hashes strings, numbers and booleans.
/// `#[crud_api]` requires it of the field each `partition_key` path names (ATK0104).
#[diagnostic::on_unimplemented(
    message = "ATK0104: a partition key field cannot be of type `{Self}`",
    label = "this path names a `{Self}` field",
    note = "partition key values are strings, numbers or booleans (or `Option` of those)"
)]
pub trait PartitionKeyValue {}

/// Types the `id` field may have: Cosmos DB item ids are strings. `#[crud_api]` requires it of
/// the entity's `id` field (ATK0015).
#[diagnostic::on_unimplemented(
    message = "ATK0015: the `id` field must be a string, not `{Self}`",
    label = "Cosmos DB item ids are strings",
    note = "declare `pub id: String`"
)]
pub trait IdValue {}

/// Types an `owner`/`tenant` field may have: it holds a token's `oid` or `tid`, a string.
/// `#[crud_api]` requires it of the field `owner`/`tenant` names (ATK0602).
#[diagnostic::on_unimplemented(
    message = "ATK0602: an `owner` or `tenant` field must be a string, not `{Self}`",
    label = "this path names a `{Self}` field",
    note = "it holds the caller's object id (`oid`) or tenant id (`tid`): declare it `String` (or `Option<String>`)"
)]
pub trait IsolationValue {}

macro_rules! mark {
    ($tr:ident: $($ty:ty),*) => { $( impl $tr for $ty {} )* };
}
mark!(PartitionKeyValue: String, str, bool, char, u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64);
mark!(IdValue: String, str);
mark!(IsolationValue: String, str);
impl<T: IsolationValue + ?Sized> IsolationValue for &T {}
impl<T: IsolationValue> IsolationValue for Option<T> {}
impl<T: IsolationValue + ?Sized> IsolationValue for Box<T> {}
impl IsolationValue for std::borrow::Cow<'_, str> {}
impl IsolationValue for std::sync::Arc<str> {}
impl<T: PartitionKeyValue + ?Sized> PartitionKeyValue for &T {}
impl<T: PartitionKeyValue> PartitionKeyValue for Option<T> {}
impl<T: PartitionKeyValue + ?Sized> PartitionKeyValue for Box<T> {}
impl PartitionKeyValue for std::borrow::Cow<'_, str> {}
impl<T: IdValue + ?Sized> IdValue for &T {}
impl<T: IdValue + ?Sized> IdValue for Box<T> {}
impl IdValue for std::borrow::Cow<'_, str> {}
impl IdValue for std::sync::Arc<str> {}

/// A backend field serving `T` (a `#[crud_api]` entity) as a CRUD API.
///
/// `T` is not bounded here: `#[backend]` requires `T: CrudEntity` where it reads the spec, so
/// a missing attribute is reported once, at the type.
pub struct CrudApi<T>(PhantomData<T>);

/// A backend field deploying `T` (a `#[functions_app]` struct) as its own Function App.
pub struct FunctionsApp<T>(PhantomData<T>);

/// Implemented by `#[backend]` for its struct.
pub trait Backend {
    /// The backend's spec, as the attribute describes it.
    fn spec() -> &'static spec::BackendSpec;

    /// The backend's components with what a server needs of their Rust types, in
    /// declaration order (the CRUD runtime serves them without any registry).
    fn components() -> &'static [atakora_core::entity::Component];

    /// The resolved plan of this backend for `environment`: the shared resources with their
    /// final names, and the diagnostics found while resolving.
    fn plan(environment: &str) -> Result<Plan, PlanError> {
        Plan::resolve(Self::spec(), environment)
    }
}

/// One backend in one environment, resolved: what `cargo build` deploys.
#[derive(Debug, Clone)]
pub struct Plan {
    inner: atakora_core::Plan,
    /// The files, rendered once: validating and writing a plan read the same rendering.
    rendered: std::sync::OnceLock<atakora_azure::Rendered>,
}

impl Plan {
    /// Resolve `spec` for `environment`.
    pub fn resolve(spec: &spec::BackendSpec, environment: &str) -> Result<Plan, PlanError> {
        atakora_core::resolve(spec, environment).map(|inner| Plan {
            inner,
            rendered: std::sync::OnceLock::new(),
        })
    }

    /// The errors and warnings of this plan (and of its template's ARM limits), with codes.
    pub fn validate(&self) -> Report {
        let mut report = self.inner.validate();
        for d in self.rendered().limit_findings.iter().cloned() {
            if d.is_error() {
                report.errors.push(d)
            } else {
                report.warnings.push(d)
            }
        }
        report
    }

    /// The ARM template (resource-group scope).
    pub fn to_arm(&self) -> serde_json::Value {
        atakora_azure::template(&self.inner)
    }

    /// The parameters file for this environment.
    pub fn parameters(&self) -> serde_json::Value {
        atakora_azure::parameters(&self.inner)
    }

    /// The manifest: resources with final names, the template's parts, and diagnostics.
    pub fn manifest(&self) -> serde_json::Value {
        serde_json::from_str(&self.rendered().manifest).expect("the manifest is JSON")
    }

    /// The files of `target/atakora/<backend>/<env>/`, as text: the template (in parts
    /// when ARM's limits need it), its parameters and the manifest.
    pub fn render(&self) -> atakora_azure::Rendered {
        self.rendered().clone()
    }

    /// The rendering, made on first use.
    pub fn rendered(&self) -> &atakora_azure::Rendered {
        self.rendered.get_or_init(|| atakora_azure::render(&self.inner))
    }

    /// The resolved model: accounts, databases, containers, apps, names.
    pub fn model(&self) -> &atakora_core::Plan {
        &self.inner
    }

    /// The backend's components (its fields), as the attributes describe them.
    pub fn components(&self) -> &[spec::ComponentSpec] {
        &self.inner.spec.components
    }

    /// Every named resource: `(ARM type, name as planned)`, e.g.
    /// `("Microsoft.DocumentDB/databaseAccounts", "cosno-shop-prod-{suffix}")`.
    pub fn resources(&self) -> Vec<(String, String)> {
        self.manifest()["resources"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                (
                    r["type"].as_str().unwrap_or_default().to_string(),
                    r["name"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    /// The backend's id (`shop-backend`): the folder its templates go to.
    pub fn backend_id(&self) -> &str {
        &self.inner.backend
    }

    /// The environment this plan is for.
    pub fn environment(&self) -> &str {
        &self.inner.environment
    }
}

/// Implemented by `#[crud_api]` for its entity; `CrudApi<T>` needs it. Its items are the
/// attribute's data, read by `#[backend]` and the runtime: never implement it by hand.
#[diagnostic::on_unimplemented(
    message = "ATK0013: `{Self}` is not a CRUD entity",
    label = "`CrudApi<{Self}>` needs `#[crud_api(...)]` on `{Self}`",
    note = "add `#[atakora::crud_api(partition_key = \"/...\")]` above the struct `{Self}`"
)]
pub trait CrudEntity {
    /// The attribute's spec.
    const SPEC: spec::CrudApiSpec;
    /// Whether `#[crud_api]` parsed without errors: `#[backend]`'s cross-item rules run
    /// only over valid components (one mistake, one error). The expansion sets it only when
    /// it is `false`.
    const VALID: bool = true;
    /// The entity's serde implementations, for the runtime.
    const CODEC: __private::Codec;
    /// All of the above, read by `#[backend]` through this one const.
    const FACTS: __private::EntityFacts = __private::EntityFacts {
        spec: &Self::SPEC,
        codec: &Self::CODEC,
        valid: Self::VALID,
    };
}

/// Implemented by `#[functions_app]` for its struct; `FunctionsApp<T>` needs it. Never
/// implement it by hand.
#[diagnostic::on_unimplemented(
    message = "ATK0016: `{Self}` is not a functions app",
    label = "`FunctionsApp<{Self}>` needs `#[functions_app]` on `{Self}`",
    note = "add `#[atakora::functions_app]` above the struct `{Self}`"
)]
pub trait FunctionsAppDef {
    /// The attribute's spec.
    const SPEC: spec::FunctionsAppSpec;
    /// Whether `#[functions_app]` parsed without errors (see [`CrudEntity::VALID`]).
    const VALID: bool = true;
    /// Both, read by `#[backend]` through this one const.
    const FACTS: __private::FunctionsAppFacts = __private::FunctionsAppFacts {
        spec: &Self::SPEC,
        valid: Self::VALID,
    };
}

/// What `#[atakora::function(app = T)]` needs of `T`: a `#[functions_app]` (ATK0502).
#[diagnostic::on_unimplemented(
    message = "ATK0502: `{Self}` is not a functions app",
    label = "`app` names the `#[functions_app]` struct hosting this function",
    note = "add `#[atakora::functions_app]` above the struct `{Self}`"
)]
pub trait HostsFunctions {}

#[diagnostic::do_not_recommend]
impl<T: FunctionsAppDef> HostsFunctions for T {}

/// What `changes(T)` needs of `T`: a `#[crud_api]` entity, whose container has the change
/// feed (ATK0507).
#[diagnostic::on_unimplemented(
    message = "ATK0507: `changes({Self})` needs a CRUD entity, and `{Self}` is not one",
    label = "the change feed is a `#[crud_api]` entity's container's",
    note = "add `#[atakora::crud_api(...)]` above the struct `{Self}`, or name an entity"
)]
pub trait ChangeFeedSource {}

#[diagnostic::do_not_recommend]
impl<T: CrudEntity> ChangeFeedSource for T {}

/// Not public API: what the macros' expansions reach through `::atakora::__private`.
#[doc(hidden)]
pub mod __private {
    pub use crate::functions::{FunctionDef, invoke};
    pub use crate::registry::Registration;
    pub use crate::registry::{BackendDef, with_functions};
    pub use crate::{CrudEntity, FunctionsAppDef};
    pub use atakora_core::entity::{Codec, Component, EntityFacts, FunctionsAppFacts};
    pub use atakora_core::rules;
    pub use atakora_core::spec;
    pub use inventory;
    pub use serde;
    pub use std::borrow::Cow;
    pub use std::sync::OnceLock;
}
