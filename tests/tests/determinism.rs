//! Same input, same bytes: rendering twice, reading the sources twice, and reading them with
//! the declarations in another order all give identical files.

use atakora::build::{emit_to, read_sources};
use atakora_tests::example_plans;
use std::fs;
use std::path::{Path, PathBuf};

fn shop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/shop")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every file under `dir`, relative path → bytes.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.strip_prefix(dir).unwrap().to_path_buf(), fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn rendering_twice_is_byte_identical() {
    for plan in example_plans() {
        assert_eq!(plan.render(), plan.render());
        let again = atakora::Plan::resolve(&plan.model().spec.clone(), plan.environment()).unwrap();
        assert_eq!(plan.render(), again.render());
    }
}

/// Every example crate's folder and package name.
fn example_crates() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut out: Vec<(PathBuf, String)> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .map(|p| {
            let name = format!("atakora-example-{}", p.file_name().unwrap().to_string_lossy());
            (p, name)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn sources_give_the_registry_specs() {
    let _ = example_plans();
    let mut from_sources = Vec::new();
    for (dir, name) in example_crates() {
        let sources = read_sources(&dir, &name).unwrap();
        assert!(sources.errors.is_empty(), "{name}: {:?}", sources.errors);
        from_sources.extend(sources.backends);
    }
    from_sources.sort_by(|a, b| a.type_name.cmp(&b.type_name));
    let registry = atakora::registry::backends();
    assert_eq!(from_sources.len(), registry.len());
    assert!(registry.len() >= 14, "every example is linked: {}", registry.len());
    for (a, b) in from_sources.iter().zip(registry) {
        assert_eq!(a, b, "the build helper and the macros disagree on {}", b.type_name);
    }
}

#[test]
fn two_emissions_are_byte_identical() {
    let a = scratch("emit-a");
    let b = scratch("emit-b");
    emit_to(&shop_dir(), "atakora-example-shop", &a).unwrap();
    emit_to(&shop_dir(), "atakora-example-shop", &b).unwrap();
    let (ta, tb) = (tree(&a), tree(&b));
    // 3 files for each of the shop's 3 deployments.
    assert_eq!(ta.len(), 9);
    assert!(ta == tb, "two emissions differ");
    // No temporary files are left behind by the atomic writes.
    assert!(ta.iter().all(|(p, _)| !p.to_string_lossy().contains(".tmp")));
}

#[test]
fn declaration_order_on_disk_does_not_change_the_output() {
    // A copy of the shop crate with its modules declared in the other order and the items of
    // each module reversed.
    let krate = scratch("shop-reordered");
    fs::create_dir_all(krate.join("src")).unwrap();
    let lib = fs::read_to_string(shop_dir().join("src/lib.rs")).unwrap();
    let lib = lib.replace("pub mod api;\npub mod processing;", "pub mod processing;\npub mod api;");
    fs::write(krate.join("src/lib.rs"), lib).unwrap();
    for module in ["api.rs", "processing.rs"] {
        let text = fs::read_to_string(shop_dir().join("src").join(module)).unwrap();
        let file = syn::parse_file(&text).unwrap();
        let mut items = file.items.clone();
        items.reverse();
        let reordered = syn::File { items, ..file };
        fs::write(krate.join("src").join(module), quote::quote!(#reordered).to_string()).unwrap();
    }
    let a = scratch("emit-original");
    let b = scratch("emit-reordered");
    emit_to(&shop_dir(), "atakora-example-shop", &a).unwrap();
    emit_to(&krate, "atakora-example-shop", &b).unwrap();
    assert!(tree(&a) == tree(&b), "reordering declarations changed the output");
}
