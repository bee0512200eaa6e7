#!/usr/bin/env python3
"""Write an app crate with N CRUD entities in one backend (used by scale.sh and compile-cost.sh).

    gen-app.py DIR N [atakora|serde] [--repo REPO]

`atakora`: each entity is a #[crud_api] struct and the backend a #[backend] of N CrudApi
fields, with the build script calling atakora::build::emit(). `serde`: the same structs with
serde's derives only (the baseline of compile-cost.sh). Every fourth entity is read-only.
"""
import pathlib, sys

dest, n = pathlib.Path(sys.argv[1]), int(sys.argv[2])
mode = sys.argv[3] if len(sys.argv) > 3 else "atakora"
repo = pathlib.Path(__file__).resolve().parent.parent
(dest / "src").mkdir(parents=True, exist_ok=True)
deps = f'serde = {{ version = "1", default-features = false, features = ["std", "derive"] }}\n'
build = ""
if mode == "atakora":
    deps += f'atakora = {{ path = "{repo}/atakora" }}\n'
    build = f'\n[build-dependencies]\natakora = {{ path = "{repo}/atakora", features = ["build"] }}\n'
    (dest / "build.rs").write_text("fn main() {\n    atakora::build::emit();\n}\n")
(dest / "Cargo.toml").write_text(
    f'[package]\nname = "scale-app"\nversion = "0.1.0"\nedition = "2024"\npublish = false\n\n'
    f'[workspace]\n\n[dependencies]\n{deps}{build}'
)
out = ["//! A generated app crate.\n"]
if mode == "atakora":
    out.append("use atakora::{CrudApi, backend, crud_api};\n")
out.append("use serde::{Deserialize, Serialize};\n\n")
for i in range(n):
    if mode == "atakora":
        ops = ", operations(read, list)" if i % 4 == 3 else ""
        out.append(f'#[crud_api(partition_key = "/tenantId"{ops})]\n')
    out.append(
        "#[derive(Debug, Clone, Serialize, Deserialize)]\n"
        '#[serde(rename_all = "camelCase")]\n'
        f"pub struct Entity{i:04} {{\n    pub id: String,\n    pub tenant_id: String,\n"
        "    pub name: String,\n    pub count: u32,\n}\n\n"
    )
if mode == "atakora":
    out.append('#[backend(app = "scale", location = "eastus")]\npub struct ScaleBackend {\n')
    for i in range(n):
        out.append(f"    pub e{i:04}: CrudApi<Entity{i:04}>,\n")
    out.append("}\n")
(dest / "src" / "lib.rs").write_text("".join(out))
