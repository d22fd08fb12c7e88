//! Golden CLI tests: every `testdata/cases/*.toml` is a command with its input tree, and
//! its expected stdout, stderr, exit code and (for `apply`) resulting tree beside it.
//! Regenerate the expected files after a deliberate change with
//! `TRYCMD=overwrite cargo test --test cli`, then review the diff.

#[test]
fn cli_cases() {
    trycmd::TestCases::new().case("testdata/cases/*.toml");
}
