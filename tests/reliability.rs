//! Reliability: saved plans apply exactly what was reviewed and refuse to go stale; writes
//! are all or nothing; hostile input is a clear error (exit 2) with every file untouched.

mod common;

use std::path::Path;

use common::{Cutover, copy_tree, read_tree, scratch, testdata};

fn demo(name: &str) -> std::path::PathBuf {
    let dir = scratch(name);
    copy_tree(&testdata("demo"), &dir);
    dir
}

/// `diff --save-plan plan.json` over the demo tree in `dir`, its files named from `dir`
/// (`--relative`: the scratch directories may lie in a git work tree).
fn save_plan(dir: &Path) {
    save_plan_with(dir, &[]);
}

/// [`save_plan`] with more arguments (a `--profile`).
fn save_plan_with(dir: &Path, more: &[&str]) {
    let mut args = vec![
        "diff",
        "--relative",
        "--mapping",
        "mapping.yaml",
        "--save-plan",
        "plan.json",
    ];
    args.extend_from_slice(more);
    args.push("export");
    Cutover::new(&args).current_dir(dir).expect(0);
}

#[test]
fn a_saved_plan_applies_exactly_what_diff_showed() {
    let dir = demo("plan-apply");
    save_plan(&dir);
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("plan.json")).unwrap()).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(testdata("../schemas/plan.schema.json")).unwrap(),
    )
    .unwrap();
    assert!(jsonschema::validator_for(&schema).unwrap().is_valid(&plan));
    Cutover::new(&["apply", "--plan", "plan.json"])
        .current_dir(&dir)
        .expect(0);
    assert_eq!(
        read_tree(&dir.join("export")),
        read_tree(&dir.join("expected"))
    );
}

#[test]
fn a_stale_plan_is_refused_and_nothing_is_written() {
    type Change = fn(&Path);
    let changes: [(&str, Change, &str); 4] = [
        (
            "file-changed",
            |d| std::fs::write(d.join("export/accounts.yaml"), "schema_version: 1\n").unwrap(),
            "export/accounts.yaml: error: stale plan: the file changed",
        ),
        (
            "file-gone",
            |d| std::fs::remove_file(d.join("export/sharing.yaml")).unwrap(),
            "export/sharing.yaml: error: stale plan: the file is gone",
        ),
        (
            "mapping-changed",
            |d| {
                std::fs::write(
                    d.join("mapping.yaml"),
                    "schema_version: 1\naccounts: {a: b}\n",
                )
                .unwrap()
            },
            "mapping.yaml: error: stale plan: the mapping changed",
        ),
        (
            "plan-altered",
            |d| {
                let text = std::fs::read_to_string(d.join("plan.json")).unwrap();
                std::fs::write(
                    d.join("plan.json"),
                    text.replacen("3f9c2a10", "00000000", 1),
                )
                .unwrap();
            },
            "the plan file was altered",
        ),
    ];
    for (name, change, message) in changes {
        let dir = demo(&format!("plan-stale-{name}"));
        save_plan(&dir);
        change(&dir);
        let before = read_tree(&dir);
        let out = Cutover::new(&["apply", "--plan", "plan.json"])
            .current_dir(&dir)
            .expect(2);
        assert!(out.stderr.contains(message), "{name}: {}", out.stderr);
        assert_eq!(read_tree(&dir), before, "{name}: something was written");
    }
}

/// A folder of Sieve scripts beside JSON and YAML exports, without `--profile`: the plan
/// records both built-in profiles it read them with, and refuses to apply when one of them
/// is not the one it was saved with; a profile file given with `--profile` likewise.
#[test]
fn a_saved_plan_records_every_profile_it_used() {
    let dir = scratch("plan-profiles");
    copy_tree(&testdata("mixed"), &dir);
    let save = |dir: &Path, profile: &[&str]| {
        let mut args = vec![
            "diff",
            "--mapping",
            "mapping.yaml",
            "--save-plan",
            "plan.json",
        ];
        args.extend_from_slice(profile);
        args.push("export");
        Cutover::new(&args).current_dir(dir).expect(0);
        serde_json::from_str::<serde_json::Value>(
            &std::fs::read_to_string(dir.join("plan.json")).unwrap(),
        )
        .unwrap()
    };
    let plan = save(&dir, &[]);
    let builtin = |name: &str| {
        let (_, text) = cutover::profile::BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap();
        serde_json::json!({"path": name, "sha256": cutover::saved_plan::sha256(text.as_bytes())})
    };
    assert_eq!(
        plan["profiles"],
        serde_json::json!([builtin("missive"), builtin("sieve")])
    );
    // The hash of one of them altered: refused, nothing written.
    let text = std::fs::read_to_string(dir.join("plan.json")).unwrap();
    let sieve_hash = builtin("sieve")["sha256"].as_str().unwrap().to_owned();
    std::fs::write(
        dir.join("plan.json"),
        text.replace(&sieve_hash, &"0".repeat(64)),
    )
    .unwrap();
    let before = read_tree(&dir);
    let out = Cutover::new(&["apply", "--plan", "plan.json"])
        .current_dir(&dir)
        .expect(2);
    assert!(
        out.stderr
            .contains("sieve: error: stale plan: the profile changed"),
        "{}",
        out.stderr
    );
    assert_eq!(read_tree(&dir), before);
    // Saved again, it applies exactly the reviewed result.
    save(&dir, &[]);
    Cutover::new(&["apply", "--plan", "plan.json"])
        .current_dir(&dir)
        .expect(0);
    assert_eq!(
        read_tree(&dir.join("export")),
        read_tree(&dir.join("expected"))
    );

    // A profile file given for every input: changed after the plan was saved, refused.
    let dir = scratch("plan-profile-file");
    copy_tree(&testdata("profiles/sieve-custom"), &dir);
    let plan = save(&dir, &["--profile", "profile.yaml"]);
    assert_eq!(plan["profiles"].as_array().unwrap().len(), 1);
    // Named relative to the plan's root (the work tree holding the files).
    let path = plan["profiles"][0]["path"].as_str().unwrap();
    assert!(
        path.ends_with("profile.yaml") && !path.starts_with('/'),
        "{path}"
    );
    let profile = std::fs::read_to_string(dir.join("profile.yaml")).unwrap();
    std::fs::write(dir.join("profile.yaml"), format!("{profile}# edited\n")).unwrap();
    let out = Cutover::new(&["apply", "--plan", "plan.json"])
        .current_dir(&dir)
        .expect(2);
    assert!(
        out.stderr
            .contains("profile.yaml: error: stale plan: the profile changed"),
        "{}",
        out.stderr
    );
    // A profile file named like a built-in profile (`./sieve`): the plan reads the file.
    let named = scratch("plan-profile-named-builtin");
    copy_tree(&testdata("profiles/sieve-custom"), &named);
    std::fs::rename(named.join("profile.yaml"), named.join("sieve")).unwrap();
    // (Named from the directory, where the file's name is the built-in's.)
    save_plan_with(&named, &["--profile", "./sieve"]);
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(named.join("plan.json")).unwrap()).unwrap();
    assert_eq!(plan["profiles"][0]["path"], "./sieve");
    Cutover::new(&["apply", "--plan", "plan.json"])
        .current_dir(&named)
        .expect(0);
    assert_eq!(
        read_tree(&named.join("export")),
        read_tree(&named.join("expected"))
    );
    // Deleted: gone, as a deleted export is.
    std::fs::remove_file(dir.join("profile.yaml")).unwrap();
    let out = Cutover::new(&["apply", "--plan", "plan.json"])
        .current_dir(&dir)
        .expect(2);
    assert!(
        out.stderr
            .contains("profile.yaml: error: stale plan: the profile is gone"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_plan_applied_twice_is_a_no_op_the_second_time() {
    let dir = demo("plan-twice");
    save_plan(&dir);
    Cutover::new(&["apply", "--plan", "plan.json"])
        .current_dir(&dir)
        .expect(0);
    let applied = read_tree(&dir);
    let out = Cutover::new(&["apply", "--plan", "plan.json"])
        .current_dir(&dir)
        .expect(0);
    assert!(
        out.stderr.contains("plan.json is already applied"),
        "{}",
        out.stderr
    );
    assert_eq!(read_tree(&dir), applied);
    // One file put back by hand: the plan finishes the rest, naming what was in place.
    std::fs::copy(
        testdata("demo/export/rules.yaml"),
        dir.join("export/rules.yaml"),
    )
    .unwrap();
    let out = Cutover::new(&["apply", "--plan", "plan.json"])
        .current_dir(&dir)
        .expect(0);
    assert!(
        out.stderr.contains("already applied: export/"),
        "{}",
        out.stderr
    );
    // The count says which files this run wrote.
    assert!(
        out.stderr.contains("already held their result)"),
        "{}",
        out.stderr
    );
    assert_eq!(read_tree(&dir), applied);
}

/// A plan is a file anyone can edit: what it may write, and which edits, is checked again.
#[test]
fn an_edited_plan_writes_nothing_it_was_not_made_for() {
    let plan_of = |dir: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join("plan.json")).unwrap()).unwrap()
    };
    let put = |dir: &Path, plan: &serde_json::Value| {
        std::fs::write(dir.join("plan.json"), plan.to_string()).unwrap();
    };
    let file_with_edits = |plan: &serde_json::Value| -> usize {
        plan["files"]
            .as_array()
            .unwrap()
            .iter()
            .position(|f| f.get("edits").is_some())
            .unwrap()
    };
    // `apply --plan` refuses, saying `message`, and the tree is as it was.
    let refused = |dir: &Path, message: &str, context: &str| {
        let before = read_tree(dir);
        let out = Cutover::new(&["apply", "--plan", "plan.json"])
            .current_dir(dir)
            .expect(2);
        assert!(out.stderr.contains(message), "{context}: {}", out.stderr);
        assert_eq!(read_tree(dir), before, "{context}");
    };
    // A path that climbs out of the plan's root, or that is not an export file.
    for (name, target, message) in [
        (
            "outside",
            "../outside.yaml",
            "not a path below the plan's root",
        ),
        (
            "not-export",
            "notes.txt",
            "is not a .json, .yaml, .yml, .sieve or .siv file",
        ),
    ] {
        let dir = demo(&format!("plan-edited-{name}"));
        save_plan(&dir);
        let mut plan = plan_of(&dir);
        let i = file_with_edits(&plan);
        let original = plan["files"][i]["path"].as_str().unwrap().to_owned();
        std::fs::copy(dir.join(&original), dir.join(target)).unwrap();
        plan["files"][i]["path"] = target.into();
        put(&dir, &plan);
        let outside_before = std::fs::read(dir.join(target)).unwrap();
        refused(&dir, message, name);
        assert_eq!(std::fs::read(dir.join(target)).unwrap(), outside_before);
    }
    // A file's entry again, its path spelt apart (`export/./rules.yaml`): one file, named
    // twice, whose edits would be counted twice.
    for spelling in ["/./", "//"] {
        let dir = demo("plan-edited-twice");
        save_plan(&dir);
        let mut plan = plan_of(&dir);
        let i = file_with_edits(&plan);
        let mut again = plan["files"][i].clone();
        let path = again["path"].as_str().unwrap().replacen('/', spelling, 1);
        again["path"] = path.into();
        plan["files"].as_array_mut().unwrap().push(again);
        put(&dir, &plan);
        refused(&dir, "the same file is named twice", spelling);
    }
    // Edits changed together with the result's hash, so that every hash matches: the
    // edits are planned again from the mapping, and these are not those.
    let dir = demo("plan-edited-consistently");
    save_plan(&dir);
    let mut plan = plan_of(&dir);
    let i = file_with_edits(&plan);
    let path = plan["files"][i]["path"].as_str().unwrap().to_owned();
    let text = std::fs::read_to_string(dir.join(&path)).unwrap();
    plan["files"][i]["edits"][0]["content"] = "evil-account".into();
    let mut all = text.clone();
    // The result of every edit, with the first one replaced.
    let edits: Vec<(usize, usize, String)> = plan["files"][i]["edits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["start"].as_u64().unwrap() as usize,
                e["end"].as_u64().unwrap() as usize,
                e["content"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for (start, end, content) in edits.iter().rev() {
        all.replace_range(start..end, content);
    }
    assert!(all.contains("evil-account"));
    use sha2::Digest;
    let hash: String = sha2::Sha256::digest(all.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    plan["files"][i]["result_sha256"] = hash.into();
    put(&dir, &plan);
    refused(
        &dir,
        "the edits are not those its mode, mapping and profiles give",
        "consistently",
    );
    // A file's edits and result deleted, or only its result: the entry reads as a file
    // the plan leaves alone, and was applied as a success that wrote nothing there.
    for (name, strip) in [
        ("all", &["edits", "result_sha256"][..]),
        ("result", &["result_sha256"][..]),
    ] {
        let dir = demo(&format!("plan-edited-stripped-{name}"));
        save_plan(&dir);
        let mut plan = plan_of(&dir);
        let i = file_with_edits(&plan);
        for key in strip {
            plan["files"][i].as_object_mut().unwrap().remove(*key);
        }
        put(&dir, &plan);
        refused(&dir, "the plan file was altered", name);
    }
}

#[cfg(unix)]
#[test]
fn a_read_only_file_among_several_stops_everything() {
    use std::os::unix::fs::PermissionsExt;
    let dir = demo("read-only");
    let file = dir.join("export/sharing.yaml");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = read_tree(&dir);
    let out = Cutover::new(&["apply", "--mapping", "mapping.yaml", "export"])
        .current_dir(&dir)
        .expect(2);
    assert!(
        out.stderr
            .contains("export/sharing.yaml: error: is read-only"),
        "{}",
        out.stderr
    );
    assert_eq!(read_tree(&dir), before);
}

#[cfg(unix)]
#[test]
fn symbolic_links_are_written_through_only_when_allowed_and_inside_the_paths() {
    let dir = demo("links");
    std::fs::rename(
        dir.join("export/sharing.yaml"),
        dir.join("real-sharing.yaml"),
    )
    .unwrap();
    std::os::unix::fs::symlink("../real-sharing.yaml", dir.join("export/sharing.yaml")).unwrap();
    let before = read_tree(&dir);
    let out = Cutover::new(&["apply", "--mapping", "mapping.yaml", "export"])
        .current_dir(&dir)
        .expect(2);
    assert!(out.stderr.contains("is a symbolic link"), "{}", out.stderr);
    assert_eq!(read_tree(&dir), before);
    // Following it would write outside the given paths.
    let out = Cutover::new(&[
        "apply",
        "--follow-symlinks",
        "--mapping",
        "mapping.yaml",
        "export",
    ])
    .current_dir(&dir)
    .expect(2);
    assert!(
        out.stderr.contains("outside the given paths"),
        "{}",
        out.stderr
    );
    assert_eq!(read_tree(&dir), before);
    // Inside them it is followed, and the link stays a link.
    Cutover::new(&[
        "apply",
        "--follow-symlinks",
        "--mapping",
        "mapping.yaml",
        "export",
        "real-sharing.yaml",
    ])
    .current_dir(&dir)
    .expect(0);
    assert!(
        std::fs::symlink_metadata(dir.join("export/sharing.yaml"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read(dir.join("real-sharing.yaml")).unwrap(),
        std::fs::read(dir.join("expected/sharing.yaml")).unwrap()
    );
}

#[cfg(unix)]
#[test]
fn a_directory_link_loop_does_not_hang_the_search() {
    let dir = demo("loop");
    std::os::unix::fs::symlink("..", dir.join("export/loop")).unwrap();
    // Not followed: a link to a directory is an error naming it (skipping it could hide
    // an export), at once.
    let out = Cutover::new(&["diff", "--mapping", "mapping.yaml", "export"])
        .current_dir(&dir)
        .expect(2);
    assert!(
        out.stderr
            .contains("export/loop: error: is a symbolic link to a directory (..)"),
        "{}",
        out.stderr
    );
    Cutover::new(&[
        "diff",
        "--mapping",
        "mapping.yaml",
        "--exclude",
        "loop",
        "export",
    ])
    .current_dir(&dir)
    .expect(0);
}

/// Each hostile input: a clear error naming the file (exit 2), every file untouched.
#[test]
fn hostile_inputs_are_refused_cleanly() {
    let deep_json = "[".repeat(100_000);
    let mut bomb = String::from("schema_version: 1\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        bomb.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            vec![format!("*a{}", i - 1); 10].join(", ")
        ));
    }
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("deep.json", deep_json.into_bytes(), "deep.json:1:257: error: invalid JSON: nesting deeper than 256 levels"),
        ("deep.yaml", "a: ".bytes().chain("[".repeat(100_000).bytes()).collect(), "deep.yaml:1:"),
        ("bomb.yaml", bomb.into_bytes(), "(an alias bomb?)"),
        ("dup.json", b"{\"schema_version\": 1, \"schema_version\": 1}".to_vec(), "dup.json:1:23: error: duplicate key \"schema_version\""),
        ("nul.yaml", b"schema_version: 1\x00\n".to_vec(), "nul.yaml:1:18: error: file contains a NUL byte"),
        ("latin1.yaml", b"schema_version: 1\n# caf\xe9\n".to_vec(), "latin1.yaml:2:6: error: file is not valid UTF-8"),
        ("deep.sieve", "if true {".repeat(100_000).into_bytes(), "invalid Sieve: blocks and tests nested more than 124 deep"),
        ("unclosed.sieve", b"require \"fileinto\";\nfileinto \"INBOX;\n".to_vec(), "unclosed.sieve:2:10: error: invalid Sieve: string is not closed"),
        ("empty-key.json", b"{\"schema_version\": 1, \"rules\": [{\"conditions\": {\"items\": [{\"field\": \"account\", \"value\": true}]}}]}".to_vec(), "holds account references, so it must be a string, not a boolean"),
    ];
    for (name, bytes, message) in cases {
        let dir = demo(&format!("hostile-{name}"));
        std::fs::write(dir.join("export").join(name), bytes).unwrap();
        let before = read_tree(&dir);
        let out = Cutover::new(&["apply", "--mapping", "mapping.yaml", "export"])
            .current_dir(&dir)
            .expect(2);
        assert!(out.stderr.contains(message), "{name}: {}", out.stderr);
        assert!(
            out.stderr.contains(&format!("export/{name}")),
            "{name}: the file is not named"
        );
        assert_eq!(read_tree(&dir), before, "{name}: something was written");
    }
}

/// A large single-line JSON export is handled, not refused. The size is modest here (tests
/// run unoptimised); `CUTOVER_HOSTILE_MB=100` runs the issue's 100 MB case.
#[test]
fn a_large_single_line_json_is_rewritten() {
    let megabytes: usize = std::env::var("CUTOVER_HOSTILE_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    let dir = scratch("large-line");
    std::fs::write(
        dir.join("mapping.yaml"),
        "schema_version: 1\naccounts: {old-acc: new-acc}\n",
    )
    .unwrap();
    let rule = r#"{"description":"padding padding padding padding","conditions":{"match":"all","items":[{"field":"account","op":"is","value":["old-acc"]}]}},"#;
    let count = megabytes * 1_000_000 / rule.len();
    let mut text = String::from("\u{feff}{\"schema_version\":1,\"rules\":[");
    for _ in 0..count {
        text.push_str(rule);
    }
    text.pop();
    text.push_str("]}");
    std::fs::write(dir.join("big.json"), &text).unwrap();
    let out = Cutover::new(&["apply", "--mapping", "mapping.yaml", "big.json"])
        .current_dir(&dir)
        .expect(0);
    assert!(
        out.stderr.contains(&format!("{count} rewritten")),
        "{}",
        out.stderr
    );
    let after = std::fs::read_to_string(dir.join("big.json")).unwrap();
    assert_eq!(after, text.replace("old-acc", "new-acc"));
    assert!(after.starts_with('\u{feff}'));
}

/// Every input the fuzzers once broke (`testdata/fuzz-regressions/`), with every mapping
/// kept there, in both modes: a clean result or a clean error, never a crash and never a
/// plan that fails its own verification.
#[test]
fn fuzz_regressions_stay_fixed() {
    let dir = testdata("fuzz-regressions");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut files: Vec<String> = entries
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let (mappings, inputs): (Vec<&String>, Vec<&String>) =
        files.iter().partition(|f| f.contains("mapping"));
    let fallback = scratch("fuzz-mapping").join("mapping.yaml");
    std::fs::write(&fallback, "schema_version: 1\naccounts: {a: b}\n").unwrap();
    let mut mapping_paths: Vec<std::path::PathBuf> = mappings.iter().map(|m| dir.join(m)).collect();
    mapping_paths.push(fallback);
    for input in inputs {
        for mapping in &mapping_paths {
            for mode in ["replace", "add"] {
                let out = Cutover::new(&[
                    "diff",
                    "--mode",
                    mode,
                    "--mapping",
                    mapping.to_str().unwrap(),
                    dir.join(input).to_str().unwrap(),
                ])
                .run();
                assert!(
                    out.code == 0 || out.code == 2,
                    "{input} ({mode}): exit {}\n{}",
                    out.code,
                    out.stderr
                );
                assert!(
                    !out.stderr.contains("Please report") && !out.stderr.contains("panicked"),
                    "{input} ({mode}):\n{}",
                    out.stderr
                );
            }
        }
    }
}

#[test]
fn schema_check_fails_when_a_schema_is_stale() {
    let dir = scratch("schemas");
    Cutover::new(&["schema", "--out", dir.to_str().unwrap()]).expect(0);
    Cutover::new(&["schema", "--check", "--out", dir.to_str().unwrap()]).expect(0);
    std::fs::write(dir.join("mapping.schema.json"), "{}\n").unwrap();
    let out = Cutover::new(&["schema", "--check", "--out", dir.to_str().unwrap()]).expect(1);
    assert!(out.stderr.contains("mapping.schema.json"), "{}", out.stderr);
}

/// Two identical exports the plan leaves alone, merged into one file by a link after the
/// plan was saved (a deduplicating tool): the plan still applies, and nothing is written
/// to them.
#[cfg(unix)]
#[test]
fn a_plan_applies_when_two_unedited_files_became_one() {
    let dir = demo("plan-unedited-linked");
    let empty = "schema_version: 1\nrules: []\n";
    std::fs::write(dir.join("export/empty-1.yaml"), empty).unwrap();
    std::fs::write(dir.join("export/empty-2.yaml"), empty).unwrap();
    save_plan(&dir);
    std::fs::remove_file(dir.join("export/empty-2.yaml")).unwrap();
    std::os::unix::fs::symlink("empty-1.yaml", dir.join("export/empty-2.yaml")).unwrap();
    let out = Cutover::new(&["apply", "--plan", "plan.json"])
        .current_dir(&dir)
        .expect(0);
    assert!(out.stderr.contains("applied plan.json"), "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.join("export/empty-1.yaml")).unwrap(),
        empty
    );
}
