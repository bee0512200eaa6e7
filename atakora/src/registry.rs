//! Every backend and component linked into this binary, as the macros registered them.
//!
//! The macros register each backend (with its components) and each function with `inventory`,
//! so the registry holds the items of every crate **linked into the binary**. Entities and
//! functions apps are found through the backends they are components of: an entity that no
//! backend names is neither deployed nor served, and not listed.
//!
//! Rust links a dependency only when the binary names it: a `main.rs` that calls
//! `atakora::registry::backends()` but never mentions the app crate that declares the backends
//! gets an empty list. Naming anything of that crate links it, and `use my_app as _;` does
//! exactly that and nothing else:
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

use crate::functions::FunctionDef;
use atakora_core::entity::Component;
use atakora_core::spec::{BackendSpec, ComponentSpec, CrudApiSpec, FunctionSpec, FunctionsAppSpec};
use std::borrow::Cow;
use std::sync::OnceLock;

/// One registration made by a macro expansion: each backend (its components with it) and
/// each function.
#[doc(hidden)]
pub enum Registration {
    Backend(&'static BackendDef),
    Function(&'static FunctionDef),
}

/// A `#[backend]` as registered: its `const` spec and its components' types.
#[doc(hidden)]
pub struct BackendDef {
    pub spec: &'static BackendSpec,
    pub components: &'static [Component],
}

inventory::collect!(Registration);

/// The registrations `pick` selects, ordered by `key` (link order is not stable).
fn collect<T: ?Sized>(pick: impl Fn(&Registration) -> Option<&'static T>, key: impl Fn(&T) -> &str) -> Vec<&'static T> {
    let mut v: Vec<&'static T> = inventory::iter::<Registration>.into_iter().filter_map(pick).collect();
    v.sort_by(|a, b| key(a).cmp(key(b)));
    v
}

/// Every `#[backend]`, ordered by type name, each functions app with its functions.
pub fn backends() -> Vec<&'static BackendSpec> {
    static COMPLETE: OnceLock<Vec<BackendSpec>> = OnceLock::new();
    COMPLETE
        .get_or_init(|| {
            collect(
                |r| match r {
                    Registration::Backend(b) => Some(*b),
                    _ => None,
                },
                |b| &b.spec.type_name,
            )
            .into_iter()
            .map(|b| with_functions(b.spec, b.components))
            .collect()
        })
        .iter()
        .collect()
}

/// Every `#[atakora::function]`, ordered by app then name.
pub fn functions() -> Vec<&'static FunctionDef> {
    let mut v: Vec<&'static FunctionDef> = inventory::iter::<Registration>
        .into_iter()
        .filter_map(|r| match r {
            Registration::Function(f) => Some(*f),
            _ => None,
        })
        .collect();
    v.sort_by(|a, b| (&a.spec.app, &a.spec.name).cmp(&(&b.spec.app, &b.spec.name)));
    v
}

/// `spec` with each functions app's `functions` filled from the registry: the `const` spec
/// `#[backend]` emits cannot name the handlers, which are other items. A function joins the
/// app whose type its `app = T` names (`components` carry the types), never another crate's
/// app of the same name.
pub fn with_functions(spec: &BackendSpec, components: &[Component]) -> BackendSpec {
    let registered = functions();
    let mut spec = spec.clone();
    let components: Vec<ComponentSpec> = spec
        .components
        .iter()
        .map(|c| match c {
            ComponentSpec::FunctionsApp { field, app } if app.functions.is_empty() => {
                let mut app = app.clone().into_owned();
                let type_id = components.iter().find_map(|c| match c {
                    Component::FunctionsApp { field: f, type_id, .. } if *f == field.as_ref() => Some(type_id()),
                    _ => None,
                });
                let mine: Vec<FunctionSpec> = registered
                    .iter()
                    .filter(|f| Some((f.app)()) == type_id)
                    .map(|f| f.spec.clone())
                    .collect();
                app.functions = Cow::Owned(mine);
                ComponentSpec::FunctionsApp {
                    field: field.clone(),
                    app: Cow::Owned(app),
                }
            }
            other => other.clone(),
        })
        .collect();
    spec.components = Cow::Owned(components);
    spec
}

/// The backend whose Rust name or id (`ShopBackend` / `shop-backend`) is `name`.
pub fn backend(name: &str) -> Option<&'static BackendSpec> {
    backends()
        .into_iter()
        .find(|b| b.type_name == name || atakora_core::spec::kebab_case(&b.type_name) == name)
}

/// Every `#[crud_api]` entity a registered backend serves, ordered by type name. An entity
/// is registered through the backends it is a component of (one registration per backend, not
/// one per entity): an entity no backend names is not deployed or served, and not listed; one
/// that several backends name is listed once.
pub fn crud_apis() -> Vec<&'static CrudApiSpec> {
    components(
        |c| match c {
            ComponentSpec::CrudApi { api, .. } => Some(api.as_ref()),
            ComponentSpec::FunctionsApp { .. } => None,
        },
        |c| &c.type_name,
    )
}

/// Every `#[functions_app]` a registered backend hosts, ordered by type name, each with its
/// functions; listed as [`crud_apis`] lists entities.
pub fn functions_apps() -> Vec<&'static FunctionsAppSpec> {
    components(
        |c| match c {
            ComponentSpec::FunctionsApp { app, .. } => Some(app.as_ref()),
            ComponentSpec::CrudApi { .. } => None,
        },
        |f| &f.type_name,
    )
}

/// The components `pick` selects from every backend, ordered by `key`, each distinct spec
/// once.
fn components<T: PartialEq>(
    pick: impl Fn(&'static ComponentSpec) -> Option<&'static T>,
    key: impl Fn(&T) -> &str,
) -> Vec<&'static T> {
    let all = backends()
        .into_iter()
        .flat_map(|b| b.components.iter())
        .filter_map(pick)
        .collect();
    distinct(all, key)
}

/// `all` ordered by `key`, without repeats: equal specs have equal keys, so a spec is a repeat
/// when one of the kept specs with its key equals it (specs of one name that differ, as two
/// crates' entities may, are both kept).
fn distinct<T: PartialEq>(mut all: Vec<&T>, key: impl Fn(&T) -> &str) -> Vec<&T> {
    all.sort_by(|a, b| key(a).cmp(key(b)));
    let mut out: Vec<&T> = Vec::with_capacity(all.len());
    for spec in all {
        let mut same_key = out.iter().rev().take_while(|kept| key(kept) == key(spec));
        if !same_key.any(|kept| *kept == spec) {
            out.push(spec);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_orders_by_key_and_keeps_one_of_each_spec() {
        let (a, b) = (CrudApiSpec::with_defaults("A"), CrudApiSpec::with_defaults("B"));
        let mut other_b = CrudApiSpec::with_defaults("B");
        other_b.container = Cow::Borrowed("elsewhere");
        let found = distinct(vec![&b, &a, &other_b, &b, &a], |c| &c.type_name);
        let names: Vec<(&str, &str)> = found
            .iter()
            .map(|c| (c.type_name.as_ref(), c.container.as_ref()))
            .collect();
        assert_eq!(names, [("A", "as"), ("B", "bs"), ("B", "elsewhere")]);
    }
}
