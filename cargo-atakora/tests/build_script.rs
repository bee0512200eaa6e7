//! `cargo build` of real app crates with a `build.rs` calling `atakora::build::emit()`: what
//! the user sees for each kind of mistake (spanned, never a panic or a backtrace), component
//! types from a workspace dependency, the lock before and after a deployment, and the output
//! folder's housekeeping. Also `cargo atakora init` → `cargo build` → `cargo run`.

mod common;

use common::*;
use std::fs;
use std::path::Path;

const ENTITY: &str = r#"use atakora::{backend, crud_api, CrudApi};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/category", THROUGHPUT)]
#[derive(Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub category: String,
}

#[backend(app = "shop", environments(dev, prod)LIMITS)]
pub struct ShopBackend {
    pub products: CrudApi<Product>,
}
"#;

fn lib(throughput: &str, limits: &str) -> String {
    ENTITY.replace("THROUGHPUT", throughput).replace("LIMITS", limits)
}

/// `cargo build` of `dir` with `RUST_BACKTRACE=1` (a panic would show one): status, stderr.
fn build(dir: &Path) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO"))
        .args(["build", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", shared_target())
        .env("ATAKORA_OUT_DIR", dir.join("atakora-out"))
        .env("RUST_BACKTRACE", "1")
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("thread 'main' panicked"), "no panic: {stderr}");
    assert!(!stderr.contains("stack backtrace"), "no backtrace: {stderr}");
    (out.status.success(), stderr)
}

#[test]
fn a_missing_environment_value_is_rustcs_spanned_error() {
    let dir = app("b-atk0120", &lib("throughput(dev = 400)", ""));
    let (ok, stderr) = build(&dir);
    eprintln!("{stderr}");
    assert!(!ok);
    assert!(
        stderr.contains("ATK0120: `throughput` of `products` has no value for environment `prod`"),
        "{stderr}"
    );
    assert!(stderr.contains("--> src/lib.rs:13:27"), "{stderr}");
    assert!(
        !stderr.contains("build script"),
        "the build script did not fail first: {stderr}"
    );
    assert!(!dir.join("atakora-out").exists(), "nothing written");
}

#[test]
fn a_database_over_its_throughput_limit_is_rustcs_spanned_error() {
    let dir = app(
        "b-atk0403",
        &lib("throughput = 20000", ", limits(max_throughput_per_database = 10000)"),
    );
    let (ok, stderr) = build(&dir);
    eprintln!("{stderr}");
    assert!(!ok);
    assert!(stderr.contains("ATK0403: database `shop` in `dev` needs 20000 RU/s (20000 dedicated to `products`), above `max_throughput_per_database = 10000`"), "{stderr}");
    assert!(stderr.contains("--> src/lib.rs:12:12"), "{stderr}");
    assert!(!stderr.contains("build script"), "{stderr}");
}

#[test]
fn a_mistake_only_the_build_helper_sees_is_rendered_through_cargo() {
    let two = "use atakora::{backend, functions_app, FunctionsApp};\n\n#[functions_app]\npub struct Worker;\n\n#[functions_app]\npub struct Mailer;\n\n\
               #[backend(app = \"jobs\")]\npub struct Jobs {\n    pub worker: FunctionsApp<Worker>,\n}\n\n\
               #[backend(app = \"jobs\")]\npub struct Mail {\n    pub mailer: FunctionsApp<Mailer>,\n}\n";
    let dir = app("b-atk0407", two);
    let (ok, stderr) = build(&dir);
    eprintln!("{stderr}");
    assert!(!ok);
    let expected = "error: b-atk0407@0.1.0: ATK0407: backends `Jobs` and `Mail` both name a storage account `stjobsdev{suffix}` in environment `dev`\n\
                    error: b-atk0407@0.1.0:   --> src/lib.rs:14:11\n\
                    error: b-atk0407@0.1.0:    |\n\
                    error: b-atk0407@0.1.0: 14 | #[backend(app = \"jobs\")]\n\
                    error: b-atk0407@0.1.0:    |           ^^^^^^^^^^^^\n";
    assert!(stderr.contains(expected), "{stderr}");
    assert!(stderr.contains("error: build script logged errors"), "{stderr}");
}

#[test]
fn entities_of_a_workspace_dependency_are_found_and_a_missing_one_is_an_error() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli-apps")
        .join("b-cross-crate");
    let _ = fs::remove_dir_all(&root);
    let atakora = workspace().join("atakora");
    let write = |p: &str, t: &str| {
        let p = root.join(p);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, t).unwrap();
    };
    write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"domain\", \"app\"]\nresolver = \"3\"\n\n[workspace.dependencies]\ndomain = { path = \"domain\" }\n",
    );
    let deps = format!(
        "atakora = {{ path = \"{}\" }}\nserde = {{ version = \"1\", features = [\"derive\"] }}\n",
        atakora.display()
    );
    write(
        "domain/Cargo.toml",
        &format!("[package]\nname = \"domain\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[dependencies]\n{deps}"),
    );
    write(
        "domain/src/lib.rs",
        "#[atakora::crud_api(partition_key = \"/ownerId\")]\n#[derive(serde::Serialize, serde::Deserialize)]\n#[serde(rename_all = \"camelCase\")]\npub struct Note {\n    pub id: String,\n    pub owner_id: String,\n}\n",
    );
    write(
        "app/Cargo.toml",
        &format!(
            "[package]\nname = \"notes-app\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[dependencies]\ndomain.workspace = true\n{deps}\n[build-dependencies]\natakora = {{ path = \"{}\", features = [\"build\"] }}\n",
            atakora.display()
        ),
    );
    write("app/build.rs", "fn main() {\n    atakora::build::emit();\n}\n");
    write(
        "app/src/lib.rs",
        "use atakora::{backend, CrudApi};\n\n#[backend(app = \"notes\")]\npub struct NotesBackend {\n    pub notes: CrudApi<domain::Note>,\n}\n",
    );
    fs::copy(workspace().join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    let app = root.join("app");
    let (ok, stderr) = build(&app);
    assert!(ok, "{stderr}");
    let template = app.join("atakora-out/notes-backend/dev/azuredeploy.json");
    let text = fs::read_to_string(&template).unwrap();
    assert!(text.contains("\"/ownerId\""), "the partition key from the domain crate");
    // A type the dependency does not annotate: an error that says where it looked.
    write(
        "app/src/lib.rs",
        "use atakora::{backend, CrudApi};\n\n#[backend(app = \"notes\")]\npub struct NotesBackend {\n    pub notes: CrudApi<domain::Missing>,\n}\n",
    );
    let (ok, stderr) = build(&app);
    eprintln!("{stderr}");
    assert!(!ok);
    assert!(
        stderr.contains("the component type `Missing` of field `notes` of backend `NotesBackend` was not found: no #[crud_api(...)] struct `Missing` in this crate or its path and workspace dependencies `domain`"),
        "{stderr}"
    );
    assert!(stderr.contains("--> src/lib.rs:5:5"), "{stderr}");
}

#[test]
fn the_lock_waits_for_a_deployment_and_outputs_stay_tidy() {
    let dir = app("b-lock", &lib("throughput(dev = 400, prod = 1000)", ""));
    let out = dir.join("atakora-out");
    let (ok, stderr) = build(&dir);
    assert!(ok, "{stderr}");
    assert!(!dir.join("atakora.lock").exists(), "a build records no deployment");
    // A naming change before any deployment builds cleanly.
    let renamed = lib(
        "throughput(dev = 400, prod = 1000)",
        ", naming(pattern = \"{type}-{app}-{env}-{purpose}-eu\")",
    );
    fs::write(dir.join("src/lib.rs"), &renamed).unwrap();
    let (ok, stderr) = build(&dir);
    assert!(ok, "{stderr}");
    assert!(!stderr.contains("ATK0409"), "{stderr}");
    // Deleting the output folder regenerates it on the next build.
    fs::remove_dir_all(&out).unwrap();
    let (ok, _) = build(&dir);
    assert!(
        ok && out.join("shop-backend/prod/azuredeploy.json").is_file(),
        "regenerated"
    );
    // A removed environment's folder goes.
    fs::write(
        dir.join("src/lib.rs"),
        renamed
            .replace("environments(dev, prod)", "environments(dev)")
            .replace(", prod = 1000", ""),
    )
    .unwrap();
    let (ok, stderr) = build(&dir);
    assert!(ok, "{stderr}");
    assert!(!out.join("shop-backend/prod").exists(), "stale environment removed");
    // Once deployed (recorded), the same rename is refused with the record's wording.
    let accepted = cli(
        &dir,
        &["accept", "--env", "dev", "--resource-group", "rg-shop-dev"],
        &[],
    );
    assert!(accepted.status.success(), "{}", text(&accepted).1);
    fs::write(
        dir.join("src/lib.rs"),
        lib("throughput(dev = 400)", "").replace("environments(dev, prod)", "environments(dev)"),
    )
    .unwrap();
    let (ok, stderr) = build(&dir);
    eprintln!("{stderr}");
    assert!(!ok);
    assert!(
        stderr.contains("ATK0409: `shop-backend/dev` was recorded as deployed by `cargo atakora accept`"),
        "{stderr}"
    );
}

#[test]
fn init_then_cargo_build_then_cargo_run() {
    let parent = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-apps");
    fs::create_dir_all(&parent).unwrap();
    let _ = fs::remove_dir_all(parent.join("my-notes"));
    let out = cli(&parent, &["init", "my-notes"], &[]);
    assert!(out.status.success(), "{}", text(&out).1);
    let dir = parent.join("my-notes");
    assert!(text(&out).1.contains("is inside the workspace"), "{}", text(&out).1);
    // This test's folder is inside atakora's own workspace: build the crate on its own.
    let manifest = fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    fs::write(dir.join("Cargo.toml"), format!("{manifest}\n[workspace]\n")).unwrap();
    for f in [
        "Cargo.toml",
        "build.rs",
        "src/lib.rs",
        "src/main.rs",
        ".gitignore",
        ".github/workflows/deploy.yml",
    ] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    let workflow = fs::read_to_string(dir.join(".github/workflows/deploy.yml")).unwrap();
    for step in [
        "id-token: write",
        "azure/login@v2",
        "cargo atakora validate",
        "cargo atakora plan",
        "--env dev",
        "--env prod",
        "refs/tags/v",
    ] {
        assert!(workflow.contains(step), "{step}");
    }
    assert!(!workflow.contains("client-secret"));
    fs::copy(workspace().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let (ok, stderr) = build(&dir);
    assert!(ok, "{stderr}");
    assert!(dir.join("atakora-out/my-notes-backend/dev/azuredeploy.json").is_file());
    // `cargo run` serves the CRUD API: start it on a free port with the memory store, create
    // a note and read it back, then stop it.
    let mut server = std::process::Command::new(env!("CARGO"))
        .args(["run", "--quiet"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", shared_target())
        .env("ATAKORA_OUT_DIR", dir.join("atakora-out"))
        .env("PORT", "0")
        .env("ATAKORA_STORE", "memory")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut banner = std::io::BufReader::new(server.stderr.take().unwrap());
    let address = loop {
        let mut line = String::new();
        if std::io::BufRead::read_line(&mut banner, &mut line).unwrap() == 0 {
            let _ = server.kill();
            panic!("the served app exited before listening");
        }
        eprint!("{line}");
        if let Some(rest) = line.split("on http://").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    let created = http(
        &address,
        "POST",
        "/api/notes",
        r#"{"id":"n1","ownerId":"ann","text":"hello"}"#,
    );
    let read = http(&address, "GET", "/api/notes/n1?ownerId=ann", "");
    let _ = server.kill();
    let _ = server.wait();
    assert!(created.starts_with("HTTP/1.1 201"), "{created}");
    assert!(
        read.starts_with("HTTP/1.1 200") && read.contains(r#""text":"hello""#),
        "{read}"
    );
    let validate = cli(&dir, &["validate"], &[]);
    assert!(validate.status.success(), "{}", text(&validate).1);
}

/// One HTTP/1.1 request to `address` (`host:port`); the whole response as text.
fn http(address: &str, method: &str, path: &str, body: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}
