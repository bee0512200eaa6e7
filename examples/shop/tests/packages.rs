//! `cargo atakora package` runs the app's own binary to write each app's package: the API app's
//! without `ATAKORA_PACKAGE_APP`, a functions app's with it. The binary built here needs a newer
//! glibc than Flex Consumption's image has, so what these tests can see end to end is that the
//! binary takes the functions-app path, checks the app it was asked for, and applies the same
//! glibc check as the API package; the package's contents are tested with a handler of any
//! glibc in `atakora-runtime/tests/functions_package.rs`.

use std::process::{Command, Output};

fn package(app: Option<&str>) -> (Output, std::path::PathBuf) {
    let out = std::env::temp_dir().join(format!(
        "atakora-shop-package-{}-{}",
        std::process::id(),
        app.unwrap_or("api")
    ));
    let _ = std::fs::remove_dir_all(&out);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_atakora-example-shop"));
    cmd.env("ATAKORA_PACKAGE_OUT", &out)
        .env("ATAKORA_PACKAGE_BACKEND", "api-backend")
        .env("ATAKORA_ENVIRONMENT", "dev")
        .env_remove("ATAKORA_PACKAGE_APP");
    if let Some(app) = app {
        cmd.env("ATAKORA_PACKAGE_APP", app);
    }
    (cmd.output().unwrap(), out)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_functions_app_that_the_backend_does_not_have_is_refused_with_the_ones_it_has() {
    let (o, out) = package(Some("order-procesor"));
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains(
            "backend `api-backend` has no functions app `order-procesor` (its functions apps: order-processor)"
        ),
        "{err}"
    );
    assert!(!out.join("released-package.zip").exists());
}

#[test]
fn the_functions_app_package_applies_the_flex_glibc_check_like_the_api_package() {
    let exe = std::fs::read(env!("CARGO_BIN_EXE_atakora-example-shop")).unwrap();
    let needed = atakora_runtime::package::required_glibc(&exe).unwrap();
    let flex = atakora_runtime::package::FLEX_GLIBC;
    for app in [None, Some("order-processor")] {
        let (o, out) = package(app);
        let zip = out.join("released-package.zip");
        match needed {
            Some(n) if n > flex => {
                assert!(!o.status.success(), "{app:?}");
                let err = stderr(&o);
                assert!(err.contains("glibc"), "{app:?}: {err}");
                assert!(!zip.exists());
            }
            // A binary old enough for Flex (built for its image): the package is written.
            _ => {
                assert!(o.status.success(), "{app:?}: {}", stderr(&o));
                assert!(zip.is_file());
            }
        }
    }
}
