//! The workspace's tests that can share one binary, one module per file: one link instead of
//! one per file. `cargo test -p atakora-tests --test workspace names::` runs one module.
//! Files that must be alone (a registry that holds exactly their items, or backends of their
//! own) are their own `[[test]]` in `tests/Cargo.toml`; `every_test_file_runs` below fails
//! when a file is in neither.

mod build_helper;
mod deployable;
mod determinism;
mod manifest;
mod names;
mod parser_never_panics;
mod reference;
mod scale;
mod templates;
mod validate_parity;

#[test]
fn every_test_file_runs() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let manifest =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let this = std::fs::read_to_string(dir.join("workspace.rs")).unwrap();
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let Some(stem) = name.strip_suffix(".rs") else { continue };
        let is_target = manifest.contains(&format!("path = \"tests/{name}\""));
        let is_module = this.lines().any(|l| l == format!("mod {stem};"));
        if !is_target && !is_module {
            missing.push(name);
        }
    }
    assert!(
        missing.is_empty(),
        "test files compiled by no target: {missing:?} (add `mod <name>;` to tests/workspace.rs or a [[test]] to tests/Cargo.toml)"
    );
}
