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

/// Every `#[backend]`, ordered by type name (link order is not stable).
pub fn backends() -> Vec<&'static BackendSpec> {
    let mut v: Vec<_> = inventory::iter::<Registration>
        .into_iter()
        .filter_map(|r| match r {
            Registration::Backend(b) => Some(*b),
            _ => None,
        })
        .collect();
    v.sort_by(|a, b| a.type_name.cmp(&b.type_name));
    v
}

/// The backend whose Rust name or id (`ShopBackend` / `shop-backend`) is `name`.
pub fn backend(name: &str) -> Option<&'static BackendSpec> {
    backends().into_iter().find(|b| b.type_name == name || atakora_core::spec::kebab_case(&b.type_name) == name)
}

/// Every `#[crud_api]` entity, ordered by type name.
pub fn crud_apis() -> Vec<&'static CrudApiSpec> {
    let mut v: Vec<_> = inventory::iter::<Registration>
        .into_iter()
        .filter_map(|r| match r {
            Registration::CrudApi(c) => Some(*c),
            _ => None,
        })
        .collect();
    v.sort_by(|a, b| a.type_name.cmp(&b.type_name));
    v
}

/// Every `#[functions_app]`, ordered by type name.
pub fn functions_apps() -> Vec<&'static FunctionsAppSpec> {
    let mut v: Vec<_> = inventory::iter::<Registration>
        .into_iter()
        .filter_map(|r| match r {
            Registration::FunctionsApp(f) => Some(*f),
            _ => None,
        })
        .collect();
    v.sort_by(|a, b| a.type_name.cmp(&b.type_name));
    v
}
