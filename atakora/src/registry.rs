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

use crate::functions::FunctionDef;
use atakora_core::entity::Component;
use atakora_core::spec::{BackendSpec, ComponentSpec, CrudApiSpec, FunctionSpec, FunctionsAppSpec};
use std::borrow::Cow;
use std::sync::OnceLock;

/// One registration made by a macro expansion.
#[doc(hidden)]
pub enum Registration {
    CrudApi(&'static CrudApiSpec),
    FunctionsApp(&'static FunctionsAppSpec),
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
