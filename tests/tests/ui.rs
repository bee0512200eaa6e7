//! Compile-time diagnostics, matched against their `.stderr` files (trybuild).
//! Regenerate after an intended change with `TRYBUILD=overwrite cargo test -p atakora-tests --test ui`.

/// Compile-fail and pass cases in separate runs, one after the other: trybuild builds the
/// compile-fail cases of a run in one cargo invocation only when the run has no pass case.
#[test]
fn ui() {
    {
        let t = trybuild::TestCases::new();
        t.compile_fail("ui/fail/*.rs");
    }
    {
        let t = trybuild::TestCases::new();
        t.pass("ui/pass/*.rs");
    }
}

/// Every code docs/errors.md describes as a compile-time error has a UI case whose `.stderr`
/// shows it (codes found only when resolving, from the lock or as warnings are tested elsewhere).
#[test]
fn every_compile_time_code_has_a_ui_case() {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/errors.md")).unwrap();
    let stderr: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/ui/fail"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "stderr"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let mut checked = 0;
    for heading in docs.lines().filter(|l| l.starts_with("## ATK")) {
        let later = ["*(resolution)*", "*(lock)*", "(warning)", "*(build)*"];
        if later.iter().any(|m| heading.contains(m)) {
            continue;
        }
        let code = &heading[3..10];
        assert!(
            stderr.iter().any(|s| s.contains(&format!("{code}:"))),
            "no UI case shows {code} ({heading})"
        );
        checked += 1;
    }
    assert!(checked >= 45, "{checked} compile-time codes");
}
