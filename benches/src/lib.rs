//! Large backends for the scale tests and benchmarks: `n` CRUD entities in one backend, as a
//! spec (for in-process resolve + emit) or as the source of an app crate (for the whole
//! process: the build script and `cargo atakora synth`).

use atakora_core::spec::{BackendSpec, ComponentSpec, CrudApiSpec};
use std::borrow::Cow;

/// The entity type of number `i` (`Entity0042`).
pub fn entity(i: usize) -> String {
    format!("Entity{i:04}")
}

/// A backend `ScaleBackend` of app `scale` with `n` CRUD entities of default options (shared
/// throughput, partition key `/id`), and every fourth one read-only.
pub fn spec(n: usize) -> BackendSpec {
    let mut backend = BackendSpec::with_defaults("ScaleBackend", "scale");
    let components: Vec<ComponentSpec> = (0..n)
        .map(|i| {
            let mut api = CrudApiSpec::with_defaults(&entity(i));
            if i % 4 == 3 {
                api.operations = atakora_core::spec::Operations(
                    atakora_core::spec::Operations::READ | atakora_core::spec::Operations::LIST,
                );
            }
            ComponentSpec::CrudApi {
                field: Cow::Owned(format!("e{i:04}")),
                api: Cow::Owned(api),
            }
        })
        .collect();
    backend.components = Cow::Owned(components);
    backend
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_generated_backend_resolves_without_errors() {
        let plan = atakora_core::resolve::resolve(&super::spec(30), "dev").unwrap();
        assert!(plan.validate().errors.is_empty());
        assert_eq!(plan.containers().count(), 30);
    }
}
