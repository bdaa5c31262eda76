//! Every accepted form of `#[webhook_endpoint]` compiles and registers its path; every misuse fails
//! with the message snapshotted beside it. Regenerate snapshots with `TRYBUILD=overwrite`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
