//! Every backend and component linked into this binary, as the macros registered them.

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
