//! Compile-time diagnostics, matched against their `.stderr` files (trybuild).
//! Regenerate after an intended change with `TRYBUILD=overwrite cargo test -p atakora-tests --test ui`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/fail/*.rs");
    t.pass("ui/pass/*.rs");
}
