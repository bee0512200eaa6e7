//! # atakora
//!
//! Infrastructure-from-code for Azure. Annotate the domain structs of your crate and
//! `cargo build` writes deployable ARM templates for a backend whose components share one
//! Cosmos DB account, one Function App and one storage account.
//!
//! ```ignore
//! use atakora::{backend, crud_api, CrudApi};
//! use serde::{Deserialize, Serialize};
//!
//! #[crud_api(partition_key = "/tenantId", ttl = 86400)]
//! #[derive(Serialize, Deserialize)]
//! #[serde(rename_all = "camelCase")]
//! pub struct User { pub id: String, pub tenant_id: String }
//!
//! #[backend(app = "shop", environments(dev, prod))]
//! pub struct ShopBackend { pub users: CrudApi<User> }
//!
//! let plan = ShopBackend::plan("prod")?;
//! assert!(plan.validate().is_ok());
//! let template = plan.to_arm();
//! ```
//!
//! In `build.rs` (with `atakora` as a build-dependency with the `build` feature):
//! `fn main() { atakora::build::emit().expect("atakora: templates"); }` writes
//! `target/atakora/<backend>/<env>/{azuredeploy.json, azuredeploy.parameters.json, manifest.json}`.

pub use atakora_macros::{backend, crud_api, functions_app};

pub use atakora_core::ResolveError as PlanError;
pub use atakora_core::diag::{Code, Diagnostic, Severity};
pub use atakora_core::naming;
pub use atakora_core::plan::Report;
pub use atakora_core::spec;

#[cfg(feature = "build")]
pub mod build;
pub mod registry;
#[cfg(feature = "serve")]
pub mod serve;
#[cfg(feature = "serve")]
pub use serve::serve;
pub mod testing;

use std::marker::PhantomData;

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
}

impl Plan {
    /// Resolve `spec` for `environment`.
    pub fn resolve(spec: &spec::BackendSpec, environment: &str) -> Result<Plan, PlanError> {
        atakora_core::resolve(spec, environment).map(|inner| Plan { inner })
    }

    /// The errors and warnings of this plan (and of its template's ARM limits), with codes.
    pub fn validate(&self) -> Report {
        let mut report = self.inner.validate();
        let template = self.to_arm();
        let text = atakora_azure::to_text(&template);
        for d in atakora_azure::limits::check(&template, &text) {
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

    /// The manifest: resources with final names, and diagnostics.
    pub fn manifest(&self) -> serde_json::Value {
        atakora_azure::manifest::manifest(&self.inner, &self.to_arm())
    }

    /// The three files of `target/atakora/<backend>/<env>/`, as text.
    pub fn render(&self) -> atakora_azure::Rendered {
        atakora_azure::render(&self.inner)
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

    pub fn environment(&self) -> &str {
        &self.inner.environment
    }
}

/// Not public API: what the macros' expansions reach through `::atakora::__private`.
#[doc(hidden)]
pub mod __private {
    pub use crate::registry::Registration;
    pub use atakora_core::check::{ThroughputFacts, container_conflict};
    pub use atakora_core::entity::{Codec, Component};
    pub use atakora_core::spec;
    pub use inventory;
    pub use serde;
    pub use std::borrow::Cow;

    /// Implemented by `#[crud_api]` for its entity.
    #[diagnostic::on_unimplemented(
        message = "ATK0013: `{Self}` is not a CRUD entity",
        label = "`CrudApi<{Self}>` needs `#[crud_api(...)]` on `{Self}`",
        note = "add `#[atakora::crud_api(partition_key = \"/...\")]` above the struct `{Self}`"
    )]
    pub trait CrudEntity {
        const SPEC: spec::CrudApiSpec;
        /// Plain `const` facts for `#[backend]`'s compile-time cross-item checks.
        const THROUGHPUT: ThroughputFacts;
        /// The container name and partition key, for the same checks.
        const CONTAINER: &'static str;
        const PARTITION_KEY: &'static [&'static str];
        /// The entity's serde implementations, for the runtime.
        const CODEC: Codec;
    }

    /// Implemented by `#[functions_app]` for its struct.
    #[diagnostic::on_unimplemented(
        message = "ATK0016: `{Self}` is not a functions app",
        label = "`FunctionsApp<{Self}>` needs `#[functions_app]` on `{Self}`",
        note = "add `#[atakora::functions_app]` above the struct `{Self}`"
    )]
    pub trait FunctionsAppDef {
        const SPEC: spec::FunctionsAppSpec;
    }

    /// What a CRUD entity must be for the API to store it: serializable both ways.
    #[diagnostic::on_unimplemented(
        message = "ATK0014: the CRUD entity `{Self}` must derive `Serialize` and `Deserialize`",
        label = "`{Self}` is stored as JSON documents",
        note = "add `#[derive(serde::Serialize, serde::Deserialize)]` to `{Self}`"
    )]
    pub trait SerdeEntity: serde::Serialize + serde::de::DeserializeOwned {}
    // Not recommended: the error names `SerdeEntity` (one error, our message) rather than each
    // missing serde trait.
    #[diagnostic::do_not_recommend]
    impl<T: serde::Serialize + serde::de::DeserializeOwned> SerdeEntity for T {}

    /// The codec of a CRUD entity; the bound is where a missing serde derive is reported.
    pub const fn codec<T: SerdeEntity>() -> Codec {
        Codec::of::<T>()
    }

    /// Types a partition key field may have: Cosmos DB hashes strings, numbers and booleans.
    #[diagnostic::on_unimplemented(
        message = "ATK0104: a partition key field cannot be of type `{Self}`",
        label = "this path names a `{Self}` field",
        note = "partition key values are strings, numbers or booleans (or `Option` of those)"
    )]
    pub trait PartitionKeyValue {}

    /// Types the `id` field may have: Cosmos DB ids are strings.
    #[diagnostic::on_unimplemented(
        message = "ATK0015: the `id` field must be a string, not `{Self}`",
        label = "Cosmos DB item ids are strings",
        note = "declare `pub id: String`"
    )]
    pub trait IdValue {}

    macro_rules! mark {
        ($tr:ident: $($ty:ty),*) => { $( impl $tr for $ty {} )* };
    }
    mark!(PartitionKeyValue: String, str, bool, char, u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64);
    mark!(IdValue: String, str);
    impl<T: PartitionKeyValue + ?Sized> PartitionKeyValue for &T {}
    impl<T: PartitionKeyValue> PartitionKeyValue for Option<T> {}
    impl<T: PartitionKeyValue + ?Sized> PartitionKeyValue for Box<T> {}
    impl PartitionKeyValue for Cow<'_, str> {}
    impl<T: IdValue + ?Sized> IdValue for &T {}
    impl<T: IdValue + ?Sized> IdValue for Box<T> {}
    impl IdValue for Cow<'_, str> {}
    impl IdValue for std::sync::Arc<str> {}

    pub fn assert_partition_key_value<T: PartitionKeyValue + ?Sized>() {}
    pub fn assert_id_value<T: IdValue + ?Sized>() {}
}
