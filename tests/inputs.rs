//! Which files a run reads, and how: upper-case extensions, empty YAML, linked directories
//! and files, text in other encodings, the `--exclude` hint, the run's own files beside the
//! exports, one file reached twice, saved plans over directories that gained a file, stray
//! lock files of killed runs and the note after completing a large interrupted commit.

mod common;

use std::path::{Path, PathBuf};

use common::{Cutover, copy_tree, own_work_tree, read_tree, scratch, testdata};

/// The demo: `export/` with old references, `mapping.yaml` beside it, at the top of a work
/// tree (patch paths start there).
fn demo(name: &str) -> PathBuf {
    let dir = scratch(name);
    copy_tree(&testdata("demo"), &dir);
    own_work_tree(&dir);
    dir
}

/// The demo after its cutover: `export/` holds no old reference, so `check --strict`
/// passes on it.
fn migrated(name: &str) -> PathBuf {
    let dir = scratch(name);
    copy_tree(&testdata("demo/expected"), &dir.join("export"));
    std::fs::copy(testdata("demo/mapping.yaml"), dir.join("mapping.yaml")).unwrap();
    // The demo's `mention` warnings (an old ID in a subject condition and in a comment)
    // would fail --strict: keep them out of the way.
    let rules = dir.join("export/rules.yaml");
    let text = std::fs::read_to_string(&rules)
        .unwrap()
        .replace(
            "value: \"716be7a6-fd40-45a2-bfcb-43b9ed38d1f0\"",
            "value: \"support\"",
        )
        .replace(
            "(old account 716be7a6-fd40-45a2-bfcb-43b9ed38d1f0)",
            "(old account)",
        );
    std::fs::write(&rules, text).unwrap();
    dir
}

fn run(dir: &Path, args: &[&str], code: i32) -> common::Output {
    Cutover::new(args).current_dir(dir).expect(code)
}

const CHECK: &[&str] = &["check", "--strict", "--mapping", "mapping.yaml", "export"];

#[test]
fn the_migrated_demo_passes_the_strict_gate() {
    // What the tests below start from.
    let dir = migrated("migrated");
    let out = run(&dir, CHECK, 0);
    assert!(
        out.stdout.contains("0 errors, 0 warnings in 4 files"),
        "{}",
        out.stdout
    );
}

#[test]
fn upper_case_extensions_are_read_and_migrated() {
    let dir = demo("upper-case");
    std::fs::rename(dir.join("export/rules.yaml"), dir.join("export/RULES.YAML")).unwrap();
    std::fs::rename(
        dir.join("export/aliases.json"),
        dir.join("export/aliases.JSON"),
    )
    .unwrap();
    std::fs::write(dir.join("export/README.md"), "notes\n").unwrap();
    let out = run(
        &dir,
        &["check", "-v", "--mapping", "mapping.yaml", "export"],
        1,
    );
    assert!(out.stdout.contains("export/RULES.YAML:"), "{}", out.stdout);
    assert!(
        out.stdout.contains("export/aliases.JSON:"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("in 4 files"), "{}", out.stdout);
    assert!(
        out.stderr
            .contains("skipped: export/README.md: not a .json, .yaml, .yml, .sieve or .siv file"),
        "{}",
        out.stderr
    );
    run(&dir, &["apply", "--mapping", "mapping.yaml", "export"], 0);
    let expected = read_tree(&testdata("demo/expected"));
    let after = read_tree(&dir.join("export"));
    assert_eq!(after["RULES.YAML"], expected["rules.yaml"]);
    assert_eq!(after["aliases.JSON"], expected["aliases.json"]);
}

#[test]
fn an_empty_yaml_file_is_no_export() {
    let dir = migrated("empty-yaml");
    for (text, says) in [
        ("", "export/rules.yaml: error: is empty: no export in it"),
        ("  \n\n", "export/rules.yaml: error: is empty"),
        ("# exported by the nightly job\n", "holds only comments"),
        (
            "null\n",
            "export/rules.yaml:1:1: error: the file's only document is `null`",
        ),
        ("~\n", "the file's only document is `~`"),
        ("---\n", "the file's only document is empty"),
    ] {
        std::fs::write(dir.join("export/rules.yaml"), text).unwrap();
        for args in [CHECK, &["validate", "export"]] {
            let out = run(&dir, args, 2);
            assert!(out.stderr.contains(says), "{text:?}: {}", out.stderr);
            // An export that failed is not "not an export": no hint to leave it out.
            assert!(!out.stderr.contains("--exclude"), "{}", out.stderr);
        }
    }
    // JSON alike.
    std::fs::copy(
        testdata("demo/expected/rules.yaml"),
        dir.join("export/rules.yaml"),
    )
    .unwrap();
    for (text, says) in [
        ("", "export/aliases.json: error: is empty: no export in it"),
        ("\n", "export/aliases.json: error: is empty"),
        (
            "null\n",
            "export/aliases.json:1:1: error: the file's only document is `null`",
        ),
    ] {
        std::fs::write(dir.join("export/aliases.json"), text).unwrap();
        let out = run(&dir, CHECK, 2);
        assert!(out.stderr.contains(says), "{text:?}: {}", out.stderr);
        assert!(!out.stderr.contains("--exclude"), "{}", out.stderr);
    }
    std::fs::copy(
        testdata("demo/expected/aliases.json"),
        dir.join("export/aliases.json"),
    )
    .unwrap();
    // One empty document among exports, in a stream of several.
    std::fs::write(
        dir.join("export/rules.yaml"),
        "schema_version: 1\n---\n---\nschema_version: 1\n",
    )
    .unwrap();
    let out = run(&dir, CHECK, 2);
    assert!(
        out.stderr
            .contains("export/rules.yaml:2:1: error: document 2 of 3 is empty, not an export"),
        "{}",
        out.stderr
    );
    // A stream of exports ended by `...` is fine; an empty Sieve script is a valid script.
    std::fs::write(
        dir.join("export/rules.yaml"),
        "schema_version: 1\n...\n---\nschema_version: 1\n...\n",
    )
    .unwrap();
    std::fs::write(dir.join("export/filters.sieve"), "").unwrap();
    run(&dir, CHECK, 0);
    run(&dir, &["validate", "export"], 0);
}

#[test]
fn a_linked_directory_in_a_search_is_an_error_with_the_way_out() {
    let dir = migrated("linked-dir");
    // A team's rules, with an old reference, kept elsewhere and linked in.
    std::fs::create_dir(dir.join("team-real")).unwrap();
    std::fs::copy(
        testdata("demo/export/rules.yaml"),
        dir.join("team-real/rules.yaml"),
    )
    .unwrap();
    std::os::unix::fs::symlink("../team-real", dir.join("export/team")).unwrap();
    let out = run(&dir, CHECK, 2);
    assert!(
        out.stderr.contains(
            "export/team: error: is a symbolic link to a directory (../team-real), which a search does not follow"
        ),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--exclude team"), "{}", out.stderr);
    // Named as a PATH of its own, it is read (and its old references found).
    let out = run(
        &dir,
        &[
            "check",
            "--strict",
            "--mapping",
            "mapping.yaml",
            "export",
            "export/team",
        ],
        1,
    );
    assert!(
        out.stdout.contains("export/team/rules.yaml:"),
        "{}",
        out.stdout
    );
    // Left out, the rest passes.
    run(
        &dir,
        &[
            "check",
            "--strict",
            "--mapping",
            "mapping.yaml",
            "--exclude",
            "team",
            "export",
        ],
        0,
    );
    // A link to a directory the search covers anyway is no error.
    std::fs::remove_file(dir.join("export/team")).unwrap();
    std::fs::create_dir(dir.join("export/sub")).unwrap();
    std::os::unix::fs::symlink("sub", dir.join("export/again")).unwrap();
    run(&dir, CHECK, 0);
}

#[test]
fn links_to_files_are_read_or_refused_never_skipped() {
    let dir = migrated("linked-file");
    std::fs::create_dir(dir.join("elsewhere")).unwrap();
    std::fs::copy(
        testdata("demo/export/rules.yaml"),
        dir.join("elsewhere/rules.yaml"),
    )
    .unwrap();
    // Named as an export: read like the file.
    std::os::unix::fs::symlink("../elsewhere/rules.yaml", dir.join("export/team.yaml")).unwrap();
    let out = run(&dir, CHECK, 1);
    assert!(out.stdout.contains("export/team.yaml:"), "{}", out.stdout);
    // Named otherwise, but an export behind it: refused, with the way out.
    std::fs::remove_file(dir.join("export/team.yaml")).unwrap();
    std::os::unix::fs::symlink("../elsewhere/rules.yaml", dir.join("export/team")).unwrap();
    let out = run(&dir, CHECK, 2);
    assert!(
        out.stderr
            .contains("export/team: error: is a symbolic link to an export file"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--exclude team"), "{}", out.stderr);
    // A link named as an export that points nowhere: the export it stood for is gone.
    std::fs::remove_file(dir.join("export/team")).unwrap();
    std::os::unix::fs::symlink("../elsewhere/gone.yaml", dir.join("export/gone.yaml")).unwrap();
    let out = run(&dir, CHECK, 2);
    assert!(
        out.stderr.contains(
            "export/gone.yaml: error: is a symbolic link to ../elsewhere/gone.yaml, which does not exist"
        ),
        "{}",
        out.stderr
    );
    // One that points at itself: a loop, not a missing export.
    std::fs::remove_file(dir.join("export/gone.yaml")).unwrap();
    std::os::unix::fs::symlink("loop.yaml", dir.join("export/loop.yaml")).unwrap();
    let out = run(&dir, CHECK, 2);
    assert!(
        out.stderr.contains(
            "export/loop.yaml: error: is a symbolic link to loop.yaml, which leads back to itself"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn utf16_is_named_and_the_exclude_hint_is_only_for_non_exports() {
    let dir = migrated("encodings");
    let sharing = std::fs::read_to_string(dir.join("export/sharing.yaml")).unwrap();
    for (bom, encode, says) in [
        (
            &[0xFF, 0xFE][..],
            u16::to_le_bytes as fn(u16) -> [u8; 2],
            "the file is UTF-16 (little-endian, byte-order mark FF FE), not UTF-8; save it as UTF-8",
        ),
        (
            &[0xFE, 0xFF][..],
            u16::to_be_bytes,
            "the file is UTF-16 (big-endian, byte-order mark FE FF), not UTF-8",
        ),
    ] {
        let bytes: Vec<u8> = bom
            .iter()
            .copied()
            .chain(sharing.encode_utf16().flat_map(encode))
            .collect();
        std::fs::write(dir.join("export/sharing.yaml"), bytes).unwrap();
        let out = run(&dir, CHECK, 2);
        assert!(
            out.stderr
                .contains(&format!("export/sharing.yaml: error: {says}")),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains("--exclude"), "{}", out.stderr);
    }
    std::fs::write(dir.join("export/sharing.yaml"), &sharing).unwrap();
    // Exports with an error in them: no hint to leave them out.
    std::fs::write(
        dir.join("export/broken.yaml"),
        "schema_version: 1\nrules: [oops\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("export/dup.json"),
        "{\"schema_version\": 1, \"aliases\": [], \"aliases\": []}",
    )
    .unwrap();
    std::fs::write(dir.join("export/noversion.yaml"), "rules: []\n").unwrap();
    std::fs::write(
        dir.join("export/latin1.yaml"),
        b"schema_version: 1\nrules: []\n# caf\xe9\n",
    )
    .unwrap();
    // Files that are no export at all: the hint.
    std::fs::write(
        dir.join("export/docker-compose.yml"),
        "services:\n  web: [a\n",
    )
    .unwrap();
    std::fs::write(dir.join("export/compose.yml"), "version: 3\n").unwrap();
    std::fs::write(dir.join("export/logo.json"), b"\x89PNG\r\n\x1a\n\0").unwrap();
    for args in [
        CHECK,
        &["validate", "export"],
        &["apply", "--mapping", "mapping.yaml", "export"],
    ] {
        let out = run(&dir, args, 2);
        let line = |name: &str| {
            out.stderr
                .lines()
                .find(|l| l.starts_with(&format!("export/{name}:")))
                .unwrap_or_else(|| panic!("{name} not reported: {}", out.stderr))
                .to_owned()
        };
        for name in ["broken.yaml", "dup.json", "noversion.yaml", "latin1.yaml"] {
            assert!(!line(name).contains("--exclude"), "{}", line(name));
        }
        for name in ["docker-compose.yml", "compose.yml", "logo.json"] {
            assert!(
                line(name).contains(&format!(
                    "not an export? leave it out with --exclude {name}"
                )),
                "{}",
                line(name)
            );
        }
    }
}

#[test]
fn the_runs_own_files_beside_the_exports_are_not_read_as_exports() {
    let dir = migrated("own-files");
    std::fs::rename(dir.join("mapping.yaml"), dir.join("export/mapping.yaml")).unwrap();
    let out = run(
        &dir,
        &[
            "check",
            "--strict",
            "-v",
            "--mapping",
            "export/mapping.yaml",
            "export",
        ],
        0,
    );
    assert!(
        out.stderr
            .contains("skipped: export/mapping.yaml: the mapping of this run, not an export"),
        "{}",
        out.stderr
    );
    // A baseline written there, and read from there.
    run(
        &dir,
        &[
            "check",
            "--mapping",
            "export/mapping.yaml",
            "--write-baseline",
            "export/baseline.json",
            "export",
        ],
        0,
    );
    assert!(dir.join("export/baseline.json").exists());
    run(
        &dir,
        &[
            "check",
            "--strict",
            "--mapping",
            "export/mapping.yaml",
            "--baseline",
            "export/baseline.json",
            "export",
        ],
        0,
    );
    // A plan saved there, and applied (it is not a new export file of its search).
    run(
        &dir,
        &[
            "diff",
            "--mapping",
            "export/mapping.yaml",
            "--save-plan",
            "export/plan.json",
            "export",
        ],
        0,
    );
    run(&dir, &["apply", "--plan", "export/plan.json"], 0);
    // Another command, not given that file, still reads it as the export it is not.
    let out = run(&dir, &["validate", "export"], 2);
    assert!(
        out.stderr.contains("export/mapping.yaml:"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_file_reached_through_a_link_to_its_directory_is_one_file_not_two() {
    // The search resolves a directory once and names its entries from it: a file found
    // through a link to its directory still resolves to the file named directly, so it is
    // read once without the note about hard links (which a wrong resolved path would
    // give).
    let dir = demo("through-link");
    std::os::unix::fs::symlink("export", dir.join("alias")).unwrap();
    let once = run(&dir, &["diff", "--mapping", "mapping.yaml", "export"], 0);
    let out = run(
        &dir,
        &[
            "-v",
            "diff",
            "--mapping",
            "mapping.yaml",
            "export/rules.yaml",
            "alias",
        ],
        0,
    );
    assert!(
        out.stderr
            .contains("alias/rules.yaml: read once, as export/rules.yaml"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("hard links"), "{}", out.stderr);
    assert_eq!(
        out.stdout.matches("+++ b/export/rules.yaml").count(),
        1,
        "{}",
        out.stdout
    );
    assert!(once.stdout.contains("+++ b/export/rules.yaml"));
}

#[test]
fn a_file_whose_path_is_too_long_to_resolve_whole_is_one_file_named_or_found() {
    // A directory whose resolved path is just under the system's limit (4,096 bytes):
    // its files' resolved paths are over it, so they are resolved as their directory and
    // their name, the same way whether a file is named directly or found by the search
    // (which once named one file twice as two hard links).
    let dir = demo("too-long");
    let room = 4087 - dir.canonicalize().unwrap().as_os_str().len() - 1;
    let mut deep = String::new();
    while deep.len() < room {
        if !deep.is_empty() {
            deep.push('/');
        }
        let take = (room - deep.len()).min(200);
        deep.push_str(&"d".repeat(take));
    }
    let made = std::process::Command::new("sh")
        .args([
            "-c",
            "mkdir -p \"$1\" && cp -r export \"$1/e\"",
            "sh",
            &deep,
        ])
        .current_dir(&dir)
        .status()
        .unwrap();
    assert!(made.success());
    std::os::unix::fs::symlink(&deep, dir.join("s")).unwrap();
    let out = run(
        &dir,
        &["diff", "--mapping", "mapping.yaml", "s/e/rules.yaml", "s/e"],
        0,
    );
    assert!(!out.stderr.contains("hard links"), "{}", out.stderr);
    assert_eq!(
        out.stdout.matches("rules.yaml\n@@").count(),
        1,
        "{}",
        out.stdout
    );
    let out = run(&dir, &["-v", "validate", "s/e", "./s/e"], 0);
    assert!(!out.stderr.contains("hard links"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("skipped: s/e/rules.yaml: read once, as s/e/rules.yaml"),
        "{}",
        out.stderr
    );
}

#[test]
fn one_file_reached_twice_is_read_once() {
    let dir = demo("twice");
    std::fs::hard_link(dir.join("export/rules.yaml"), dir.join("hard.yaml")).unwrap();
    let once = run(&dir, &["diff", "--mapping", "mapping.yaml", "export"], 0);
    for extra in ["hard.yaml", "export/rules.yaml", "export"] {
        let out = run(
            &dir,
            &["diff", "--mapping", "mapping.yaml", "export", extra],
            0,
        );
        assert_eq!(out.stdout, once.stdout, "export {extra}");
        assert_eq!(
            out.stdout.matches("+++ b/export/rules.yaml").count(),
            1,
            "{}",
            out.stdout
        );
    }
    let out = run(
        &dir,
        &["diff", "--mapping", "mapping.yaml", "export", "hard.yaml"],
        0,
    );
    assert!(
        out.stderr.contains(
            "note: hard.yaml and export/rules.yaml are one file (hard links): read once, as export/rules.yaml"
        ),
        "{}",
        out.stderr
    );
    // check: the same findings, not twice as many.
    let json = |extra: &[&str]| {
        let mut args = vec![
            "check",
            "--format",
            "json",
            "--mapping",
            "mapping.yaml",
            "export",
        ];
        args.extend_from_slice(extra);
        let out = run(&dir, &args, 1);
        let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        value["findings"].as_array().unwrap().len()
    };
    assert_eq!(json(&["hard.yaml"]), json(&[]));
    assert_eq!(json(&["export/rules.yaml"]), json(&[]));
}

#[test]
fn a_plan_over_directories_refuses_a_file_that_appeared_since() {
    let dir = demo("plan-new-file");
    run(
        &dir,
        &[
            "diff",
            "--mapping",
            "mapping.yaml",
            "--save-plan",
            "plan.json",
            "export",
        ],
        0,
    );
    let before = read_tree(&dir.join("export"));
    // An export with old references, added after the plan was saved.
    std::fs::create_dir(dir.join("export/team")).unwrap();
    std::fs::copy(
        dir.join("export/sharing.yaml"),
        dir.join("export/team/sharing.yaml"),
    )
    .unwrap();
    let out = run(&dir, &["apply", "--plan", "plan.json"], 2);
    assert!(
        out.stderr.contains(
            "export/team/sharing.yaml: error: stale plan: this export file appeared in a directory the plan searched"
        ),
        "{}",
        out.stderr
    );
    let mut expected = before.clone();
    expected.insert("team/sharing.yaml".into(), before["sharing.yaml"].clone());
    assert_eq!(read_tree(&dir.join("export")), expected, "nothing written");
    // A file the plan covers that is gone.
    std::fs::remove_dir_all(dir.join("export/team")).unwrap();
    std::fs::rename(dir.join("export/sharing.yaml"), dir.join("sharing.yaml")).unwrap();
    let out = run(&dir, &["apply", "--plan", "plan.json"], 2);
    assert!(
        out.stderr
            .contains("export/sharing.yaml: error: stale plan: the file is gone"),
        "{}",
        out.stderr
    );
    std::fs::rename(dir.join("sharing.yaml"), dir.join("export/sharing.yaml")).unwrap();
    // What the search left out when the plan was saved, it leaves out again; a file that
    // is not an export is no export file of the search either.
    run(
        &dir,
        &[
            "diff",
            "--mapping",
            "mapping.yaml",
            "--exclude",
            "drafts/",
            "--save-plan",
            "plan.json",
            "export",
        ],
        0,
    );
    std::fs::create_dir(dir.join("export/drafts")).unwrap();
    std::fs::write(dir.join("export/drafts/idea.yaml"), "- later\n").unwrap();
    std::fs::write(dir.join("export/NOTES.md"), "notes\n").unwrap();
    // An edited plan cannot make apply search outside its root.
    let plan = std::fs::read_to_string(dir.join("plan.json")).unwrap();
    for outside in ["..", "/", "export/../.."] {
        let edited = plan.replace(
            "\"searched\": [\n    {\n      \"path\": \"export\"",
            &format!("\"searched\": [\n    {{\n      \"path\": \"{outside}\""),
        );
        assert_ne!(edited, plan);
        std::fs::write(dir.join("edited.json"), edited).unwrap();
        let out = run(&dir, &["apply", "--plan", "edited.json"], 2);
        assert!(
            out.stderr
                .contains("is not a path below the plan's root; the plan file was altered"),
            "{}",
            out.stderr
        );
    }
    std::fs::remove_file(dir.join("edited.json")).unwrap();
    run(&dir, &["apply", "--plan", "plan.json"], 0);
    assert_eq!(
        read_tree(&dir.join("export"))["rules.yaml"],
        read_tree(&testdata("demo/expected"))["rules.yaml"]
    );
}

#[test]
fn a_lock_file_no_run_holds_is_removed_by_a_command_that_only_reads() {
    let dir = migrated("stray-lock");
    let lock = dir.join("export/.cutover-lock");
    for args in [
        &["validate", "export"][..],
        CHECK,
        &["diff", "--mapping", "mapping.yaml", "export"],
    ] {
        std::fs::write(
            &lock,
            "4242 1700000000 cutover apply --mapping mapping.yaml export\n",
        )
        .unwrap();
        let out = run(&dir, args, 0);
        assert!(!lock.exists(), "{args:?} left the lock file");
        assert!(
            out.stderr.contains(
                "note: removed export/.cutover-lock, left by a cutover run that did not end normally (pid 4242, `cutover apply --mapping mapping.yaml export`)"
            ),
            "{}",
            out.stderr
        );
    }
    // One that a live run holds stays, and the reading command does not wait for it.
    std::fs::write(&lock, "1 1700000000 cutover apply\n").unwrap();
    let held = std::fs::File::open(&lock).unwrap();
    held.lock().unwrap();
    let out = run(&dir, CHECK, 0);
    assert!(lock.exists(), "a held lock file was removed");
    assert!(!out.stderr.contains("removed"), "{}", out.stderr);
    drop(held);
}

#[test]
fn a_run_killed_before_its_journal_leaves_no_lock_behind_the_next_reader() {
    let dir = demo("killed-locked");
    // Killed right after taking its locks: no journal yet, so nothing to recover.
    let out = Cutover::new(&["apply", "--mapping", "mapping.yaml", "export"])
        .env("CUTOVER_FAILPOINT", "locked=crash")
        .current_dir(&dir)
        .run();
    assert_eq!(out.code, 137, "{}", out.stderr);
    assert!(dir.join("export/.cutover-lock").exists());
    run(&dir, &["validate", "export"], 0);
    assert_eq!(common::leftovers(&dir), Vec::<String>::new());
}

/// 30 exports whose commit was killed after the first rename.
fn interrupted_commit(name: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::copy(testdata("demo/mapping.yaml"), dir.join("mapping.yaml")).unwrap();
    let sharing = std::fs::read_to_string(testdata("demo/export/sharing.yaml")).unwrap();
    std::fs::create_dir(dir.join("export")).unwrap();
    for i in 0..30 {
        std::fs::write(dir.join(format!("export/s{i:02}.yaml")), &sharing).unwrap();
    }
    let out = Cutover::new(&["apply", "--mapping", "mapping.yaml", "export"])
        .env("CUTOVER_FAILPOINT", "rename:2=crash")
        .current_dir(&dir)
        .run();
    assert_eq!(out.code, 137, "{}", out.stderr);
    dir
}

fn recovery_note(out: &common::Output) -> String {
    out.stderr
        .lines()
        .find(|l| l.contains("finished an interrupted commit"))
        .unwrap_or_else(|| panic!("no note: {}", out.stderr))
        .to_owned()
}

#[test]
fn the_note_after_finishing_a_large_interrupted_commit_stays_short() {
    let dir = interrupted_commit("large-recovery");
    let note = recovery_note(&run(&dir, &["validate", "export"], 0));
    assert!(
        note.ends_with(
            "replaced 29 files: export/s01.yaml, export/s02.yaml, export/s03.yaml, export/s04.yaml, export/s05.yaml and 24 more (-v lists them all)"
        ),
        "{note}"
    );
    // -v lists every file.
    let dir = interrupted_commit("large-recovery-verbose");
    let note = recovery_note(&run(&dir, &["validate", "-v", "export"], 0));
    assert!(note.contains("export/s29.yaml"), "{note}");
    assert!(!note.contains("more"), "{note}");
}

/// A baseline and a saved plan kept in the exports folder are cutover's own files: every
/// command leaves them out (a note under -v), and a plan saved beside an older baseline
/// applies (the baseline is not a file that appeared since).
#[test]
fn a_plan_and_a_baseline_kept_among_the_exports_are_left_out() {
    let dir = demo("own-outputs");
    let expected = read_tree(&demo("own-outputs-expected").join("expected"));
    run(
        &dir,
        &[
            "check",
            "--mapping",
            "mapping.yaml",
            "--write-baseline",
            "export/accepted.json",
            "export",
        ],
        0,
    );
    run(
        &dir,
        &[
            "diff",
            "--mapping",
            "mapping.yaml",
            "--save-plan",
            "export/plan.json",
            "export",
        ],
        0,
    );
    let out = run(&dir, &["validate", "-v", "export"], 0);
    for name in ["accepted.json: a baseline", "plan.json: a saved plan"] {
        assert!(out.stderr.contains(name), "{}", out.stderr);
    }
    run(&dir, &["apply", "--plan", "export/plan.json"], 0);
    let mut after = read_tree(&dir.join("export"));
    for own in ["accepted.json", "plan.json"] {
        assert!(after.remove(own).is_some(), "{own}");
    }
    assert_eq!(after, expected);
    // A folder holding only such files holds no export.
    let only = dir.join("only");
    std::fs::create_dir(&only).unwrap();
    std::fs::rename(dir.join("export/plan.json"), only.join("plan.json")).unwrap();
    let out = run(&dir, &["check", "--removed", "x", "only"], 2);
    assert!(out.stderr.contains("no export file"), "{}", out.stderr);
}
