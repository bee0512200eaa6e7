//! Temporary app crates that depend on the workspace's `atakora` by path, the built binary,
//! and a fake `az` on `PATH` that records its arguments and answers like `az`.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// One target dir for every app crate the tests build, so each dependency compiles once.
pub fn shared_target() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("apps-target")
}

/// A fresh app crate `name` with `lib` as `src/lib.rs` (and a build.rs calling the helper).
pub fn app(name: &str, lib: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-apps").join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("src")).unwrap();
    let atakora = workspace().join("atakora");
    fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n\
             [dependencies]\natakora = {{ path = \"{a}\" }}\nserde = {{ version = \"1\", features = [\"derive\"] }}\n\n\
             [build-dependencies]\natakora = {{ path = \"{a}\", features = [\"build\"] }}\n",
            a = atakora.display()
        ),
    )
    .unwrap();
    fs::write(dir.join("build.rs"), "fn main() {\n    atakora::build::emit();\n}\n").unwrap();
    fs::write(dir.join("src/lib.rs"), lib).unwrap();
    // The workspace's lock pins the same versions the workspace builds with.
    fs::copy(workspace().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    dir
}

/// The fake `az`: logs `az <args>` to `$FAKE_AZ_LOG`, answers the calls deploy makes.
pub fn fake_az() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fake-az-bin");
    fs::create_dir_all(&dir).unwrap();
    let script = r#"#!/bin/sh
# A fake Azure CLI for cargo-atakora's tests: records each call, answers like az.
echo "az $*" >> "${FAKE_AZ_LOG:-/dev/null}"
case "$1 $2 $3" in
  "account show "*) echo '{"id":"00000000-0000-0000-0000-000000000001","name":"test-subscription","user":{"name":"ci@example.com","type":"servicePrincipal"}}' ;;
  "group show "*)
    if [ -n "$FAKE_AZ_NO_GROUP" ]; then echo "(ResourceGroupNotFound) Resource group '$4' could not be found." >&2; exit 3; fi
    echo "{\"id\":\"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/$4\",\"location\":\"eastus\",\"name\":\"$4\"}" ;;
  "provider show "*)
    if [ "$4" = "$FAKE_AZ_UNREGISTERED" ]; then echo NotRegistered; else echo Registered; fi ;;
  "deployment group what-if") echo '{"status":"Succeeded","changes":[{"changeType":"Create","resourceId":"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.DocumentDB/databaseAccounts/cosno-notes"},{"changeType":"NoChange","resourceId":"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st"}]}' ;;
  "deployment group create") echo '{"name":"d","properties":{"provisioningState":"Succeeded","outputs":{"apiBaseUrl":{"type":"String","value":"https://func-notes.azurewebsites.net/api"}}}}' ;;
  "functionapp deployment source") echo '{}' ;;
  "rest --method get") echo '{"status":"healthy"}' ;;
  *) echo "fake az: unexpected command: $*" >&2; exit 2 ;;
esac
"#;
    let path = dir.join("az");
    // Written once, through a rename: another test may be running the script right now.
    if fs::read_to_string(&path).ok().as_deref() != Some(script) {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = dir.join(format!("az.{}.{n}.tmp", std::process::id()));
        fs::write(&tmp, script).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&tmp, fs::Permissions::from_mode(0o755)).unwrap();
        }
        fs::rename(&tmp, &path).unwrap();
    }
    dir
}

/// Run the built `cargo-atakora` in `dir` as cargo runs a subcommand, with the fake `az` first
/// on `PATH` and no colours.
pub fn cli(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let path = format!("{}:{}", fake_az().display(), std::env::var("PATH").unwrap_or_default());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-atakora"));
    cmd.arg("atakora")
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("CARGO_TARGET_DIR", shared_target())
        // Each app its own output folder: the apps of these tests share backend names.
        .env("ATAKORA_OUT_DIR", dir.join("atakora-out"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// `cargo <args>` in `dir` with the shared target dir.
pub fn cargo(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", shared_target())
        .env_remove("ATAKORA_OUT_DIR")
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap()
}

/// stdout and stderr as text.
pub fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A git repository with one commit of `dir`.
pub fn git_commit_all(dir: &Path) {
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "app"]);
}
