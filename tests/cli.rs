//! Golden CLI tests: every `testdata/cases/*.toml` is a command with its input tree, and
//! its expected stdout, stderr, exit code and (for `apply`) resulting tree beside it; every
//! `testdata/cases/*.trycmd` is a sequence of commands run in one copy of its `.in` tree
//! (a flow: check, apply, check again), its expected outputs written inline.
//! Regenerate the expected files after a deliberate change with
//! `TRYCMD=overwrite cargo test --test cli`, then review the diff.

use std::path::PathBuf;

/// The tools the flows run besides cutover, and the flows that need each: they change
/// their tree between runs (`cp tomorrow/rules.yaml export/`), make a git repository, run
/// cutover from a subdirectory (`sh -c 'cd team && cutover ...'`, with cutover on `PATH`),
/// and compare outputs.
const TOOLS: &[(&str, &str)] = &[
    ("cp", "testdata/cases/*.trycmd"),
    ("sh", "testdata/cases/*.trycmd"),
    ("cat", "testdata/cases/*.trycmd"),
    ("cmp", "testdata/cases/*.trycmd"),
    ("grep", "testdata/cases/shell-completions.trycmd"),
    ("git", "testdata/cases/paths-git.trycmd"),
    ("bash", "testdata/cases/shell-completions.trycmd"),
];

#[test]
fn cli_cases() {
    let cases = trycmd::TestCases::new();
    cases
        .case("testdata/cases/*.toml")
        .case("testdata/cases/*.trycmd");
    // `sh -c '... cutover ...'` finds this build first.
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_cutover"));
    let path = std::env::var_os("PATH").unwrap_or_default();
    let path = std::env::join_paths(
        std::iter::once(bin.parent().unwrap().to_path_buf()).chain(std::env::split_paths(&path)),
    )
    .unwrap();
    cases.env("PATH", path.to_string_lossy());
    // No config file of the machine's takes part.
    cases.env("HOME", "/nonexistent");
    for (tool, flows) in TOOLS {
        match on_path(tool) {
            Some(found) => {
                cases.register_bin(*tool, found);
            }
            None if std::env::var_os("CUTOVER_REQUIRE_TOOLS").is_some_and(|v| v == "1") => {
                panic!("`{tool}` is not on PATH, and CUTOVER_REQUIRE_TOOLS=1")
            }
            None => {
                eprintln!("note: `{tool}` is not on PATH: {flows} skipped");
                cases.skip(*flows);
            }
        }
    }
}

/// Every run reads the `cutover.toml` it finds above its working directory: one above the
/// test trees or the temporary directories would change what every case does.
#[test]
fn no_config_file_above_the_test_trees() {
    let roots = [
        PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")),
        std::env::temp_dir(),
    ];
    for root in roots {
        for dir in root.ancestors() {
            let stray = dir.join("cutover.toml");
            assert!(
                !stray.exists(),
                "{} would be read by the test cases: move it away",
                stray.display()
            );
        }
    }
}

/// The first executable named `name` on `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

/// The flows' input trees hold copies of `testdata/gate` and `testdata/demo` (and of their
/// expected results), so that each runs in a sandbox of its own: the copies must stay the
/// same as the originals.
#[test]
fn flow_inputs_are_copies_of_the_fixture_exports() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let exports = [
        "accounts.yaml",
        "rules.yaml",
        "aliases.json",
        "sharing.yaml",
    ];
    let copies = [
        ("gate/export", "cases/gate-transition.in/export"),
        ("gate/export", "cases/gate-baseline.in/export"),
        ("demo/export", "cases/paths-git.in/repo/export"),
        ("demo/export", "cases/config.in/export"),
        ("demo/export", "cases/exclude.in/export"),
        ("demo/expected", "cases/paths-git.out/repo/export"),
        ("demo/expected", "cases/config.out/export"),
    ];
    for (original, copy) in copies {
        for file in exports {
            let copy = root.join(copy).join(file);
            let Ok(bytes) = std::fs::read(&copy) else {
                // (An expected tree holds only the files that change.)
                assert!(
                    original.ends_with("expected"),
                    "{} is missing",
                    copy.display()
                );
                continue;
            };
            assert!(
                bytes == std::fs::read(root.join(original).join(file)).unwrap(),
                "{} differs from testdata/{original}/{file}",
                copy.display()
            );
        }
    }
    for mapping in ["paths-git.in/repo", "config.in", "exclude.in"] {
        assert_eq!(
            std::fs::read(root.join("cases").join(mapping).join("mapping.yaml")).unwrap(),
            std::fs::read(root.join("demo/mapping.yaml")).unwrap(),
            "{mapping}"
        );
    }
}
