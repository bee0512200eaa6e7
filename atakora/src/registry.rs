//! Every backend and component linked into this binary, as the macros registered them.
//!
//! The macros register each item with `inventory`, so the registry holds the items of every
//! crate **linked into the binary**. Rust links a dependency only when the binary names it: a
//! `main.rs` that calls `atakora::registry::backends()` but never mentions the app crate that
//! declares the backends gets an empty list. Naming anything of that crate links it, and
//! `use my_app as _;` does exactly that and nothing else:
//!
//! ```ignore
//! use my_app as _; // links my_app, so its #[backend]s are registered
//!
//! fn main() {
//!     for backend in atakora::registry::backends() {
//!         println!("{}", backend.type_name);
//!     }
//! }
//! ```
//!
//! Within the app crate itself (its tests, its own `main.rs`, code that uses its types) there is
//! nothing to do. Code that knows the backend it wants needs no registry: `MyBackend::spec()`
//! and `MyBackend::plan(env)` come from the type.

use atakora_core::spec::{BackendSpec, CrudApiSpec, FunctionsAppSpec};

/// One registration made by a macro expansion.
#[doc(hidden)]
pub enum Registration {
    CrudApi(&'static CrudApiSpec),
    FunctionsApp(&'static FunctionsAppSpec),
    Backend(&'static BackendSpec),
}

inventory::collect!(Registration);

/// The registrations `pick` selects, ordered by `key` (link order is not stable).
fn collect<T: ?Sized>(pick: impl Fn(&Registration) -> Option<&'static T>, key: impl Fn(&T) -> &str) -> Vec<&'static T> {
    let mut v: Vec<&'static T> = inventory::iter::<Registration>.into_iter().filter_map(pick).collect();
    v.sort_by(|a, b| key(a).cmp(key(b)));
    v
}

/// Every `#[backend]`, ordered by type name.
pub fn backends() -> Vec<&'static BackendSpec> {
    collect(
        |r| match r {
            Registration::Backend(b) => Some(*b),
            _ => None,
        },
        |b| &b.type_name,
    )
}

/// The backend whose Rust name or id (`ShopBackend` / `shop-backend`) is `name`.
pub fn backend(name: &str) -> Option<&'static BackendSpec> {
    backends()
        .into_iter()
        .find(|b| b.type_name == name || atakora_core::spec::kebab_case(&b.type_name) == name)
}

/// Every `#[crud_api]` entity, ordered by type name.
pub fn crud_apis() -> Vec<&'static CrudApiSpec> {
    collect(
        |r| match r {
            Registration::CrudApi(c) => Some(*c),
            _ => None,
        },
        |c| &c.type_name,
    )
}

/// Every `#[functions_app]`, ordered by type name.
pub fn functions_apps() -> Vec<&'static FunctionsAppSpec> {
    collect(
        |r| match r {
            Registration::FunctionsApp(f) => Some(*f),
            _ => None,
        },
        |f| &f.type_name,
    )
}
