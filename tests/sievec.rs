//! Every Sieve fixture compiles with Dovecot's own compiler, `sievec` (Debian package
//! `dovecot-sieve`), before cutover rewrites it and after: the reviewed `expected/` trees, and
//! the scripts `apply` writes in replace and in add mode. A script that compiled must still
//! compile. Without `sievec` the test prints a note and skips, unless
//! `CUTOVER_REQUIRE_TOOLS=1` (as `.ci/run` sets).

mod common;

use std::path::{Path, PathBuf};

use common::{Cutover, copy_tree, require_tool, scratch, testdata};

/// The fixture trees holding Sieve scripts (`mapping.yaml`, `export/`, `expected/`, and
/// maybe a `PROFILE`).
const TREES: &[&str] = &[
    "sieve",
    "sieve-forms",
    "profiles/sieve-custom",
    "mixed",
    "sieve-one-string",
];

fn sieve_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("sieve" | "siv")
            )
        })
        .collect();
    files.sort();
    files
}

/// Compiles one script; the compiler's messages when it refuses it.
fn compile(script: &Path, out: &Path) -> Result<(), String> {
    let output = std::process::Command::new("sievec")
        .arg(script)
        .arg(out)
        .output()
        .expect("sievec runs");
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

#[test]
fn every_sieve_fixture_compiles_before_and_after_the_rewrite() {
    if !require_tool("sievec") {
        return;
    }
    let out = scratch("sievec").join("script.svbin");
    let mut compiled = 0;
    let mut check = |file: &Path, when: &str| {
        if let Err(why) = compile(file, &out) {
            panic!("{} {when} does not compile:\n{why}", file.display());
        }
        compiled += 1;
    };
    for tree in TREES {
        let source = testdata(tree);
        let profile: Vec<String> = std::fs::read_to_string(source.join("PROFILE")).map_or_else(
            |_| Vec::new(),
            |p| vec!["--profile".into(), p.trim().into()],
        );
        let before = sieve_files(&source.join("export"));
        assert!(!before.is_empty(), "{tree}: no Sieve script in export/");
        for file in &before {
            check(file, "before the rewrite");
        }
        for file in sieve_files(&source.join("expected")) {
            check(&file, "as expected after the rewrite");
        }
        for mode in ["replace", "add"] {
            let dir = scratch(&format!("sievec-{}-{mode}", tree.replace('/', "-")));
            copy_tree(&source, &dir);
            let mut args = vec!["apply", "--mode", mode, "--mapping", "mapping.yaml"];
            args.extend(profile.iter().map(String::as_str));
            args.push("export");
            Cutover::new(&args).current_dir(&dir).expect(0);
            let after = sieve_files(&dir.join("export"));
            assert_eq!(after.len(), before.len());
            for file in &after {
                check(file, &format!("after apply --mode {mode}"));
            }
        }
    }
    // Every script of every tree, before and three times after.
    assert!(compiled >= 4 * 10, "only {compiled} scripts compiled");
}
