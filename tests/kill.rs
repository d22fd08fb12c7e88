//! The kill test: `apply --plan` on a generated 50-file export, SIGKILLed at random moments
//! (now and then its successor too, mid-recovery), then the same command run to the end.
//! Every time, the export must be exactly the clean result, with no temporary, journal or
//! lock file left. Each step of the commit pauses briefly (a debug-build hook), so that the
//! random moments land between all the steps, not only in the ones that take time.
//!
//! `CUTOVER_KILL_TRIALS` sets the number of trials (default 20) and `CUTOVER_KILL_SEED` the
//! seed (printed, to replay a failure).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Cutover, Random, copy_tree, read_tree};

/// Fifty export files in five directories, JSON and YAML, every kind of reference to six
/// old accounts and an old address, and a mapping for them.
fn generate(dir: &Path, random: &mut Random) {
    std::fs::write(
        dir.join("mapping.yaml"),
        "schema_version: 1\naccounts:\n".to_owned()
            + &(0..6)
                .map(|a| format!("  old-account-{a}: new-account-{a}\n"))
                .collect::<String>()
            + "addresses:\n  info@old.example: info@new.example\n",
    )
    .unwrap();
    for file in 0..50 {
        let team = dir.join(format!("export/team-{}", file % 5));
        std::fs::create_dir_all(&team).unwrap();
        let mut account = || format!("old-account-{}", random.below(8));
        let rules: Vec<(String, String, String)> =
            (0..12).map(|_| (account(), account(), account())).collect();
        let (alias, share) = (account(), account());
        if file % 2 == 0 {
            let mut text = String::from("schema_version: 1\nrules:\n");
            for (j, (a, b, c)) in rules.iter().enumerate() {
                text.push_str(&format!(
                    "  - id: rule-{file}-{j}\n    description: \"Rule {j} of file {file}\"\n    conditions:\n      match: all\n      items:\n        - {{field: email_account, op: is, value: [{a}, {b}]}}\n    actions:\n      - {{type: send_response, from: {{account: {c}, address: info@old.example}}}}\n"
                ));
            }
            text.push_str(&format!(
                "aliases:\n  - {{id: alias-{file}, account: {alias}, address: help{file}@old.example, name: Help}}\nsharing:\n  - {{account: {share}, organization: true}}\n"
            ));
            std::fs::write(team.join(format!("settings-{file}.yaml")), text).unwrap();
        } else {
            let rules: Vec<String> = rules
                .iter()
                .enumerate()
                .map(|(j, (a, b, c))| {
                    format!(
                        "    {{\"id\": \"rule-{file}-{j}\", \"conditions\": {{\"match\": \"all\", \"items\": [{{\"field\": \"account\", \"op\": \"is\", \"value\": \"{a}\"}}, {{\"field\": \"email_account\", \"op\": \"is\", \"value\": [\"{b}\"]}}]}}, \"actions\": [{{\"type\": \"send_response\", \"from\": {{\"account\": \"{c}\", \"address\": \"info@old.example\"}}}}]}}"
                    )
                })
                .collect();
            let text = format!(
                "{{\n  \"schema_version\": 1,\n  \"rules\": [\n{}\n  ],\n  \"aliases\": [{{\"id\": \"alias-{file}\", \"account\": \"{alias}\", \"address\": \"help{file}@old.example\"}}],\n  \"sharing\": [{{\"account\": \"{share}\", \"organization\": false}}]\n}}\n",
                rules.join(",\n")
            );
            std::fs::write(team.join(format!("settings-{file}.json")), text).unwrap();
        }
    }
}

const PAUSE_US: &str = "200";

/// A fresh directory for this test, in memory when the machine has a tmpfs at /dev/shm:
/// this test is about processes killed, not power lost, so the disk's flushes (which the
/// other tests exercise) would only make it slow.
fn scratch(name: &str) -> PathBuf {
    let leaf = format!("cutover-{name}-{}", std::process::id());
    let in_memory = Path::new("/dev/shm").join(&leaf);
    let _ = std::fs::remove_dir_all(&in_memory);
    if std::fs::create_dir_all(&in_memory).is_ok() {
        return in_memory;
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(leaf);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Starts `apply --plan` with the step pause and SIGKILLs it after `delay` (if it is still
/// running then).
fn apply_killed_after(dir: &Path, delay: Duration) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(["apply", "--plan", "plan.json"])
        .current_dir(dir)
        .env("CUTOVER_STEP_PAUSE_US", PAUSE_US)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let _ = child.kill();
    child.wait().unwrap();
}

#[test]
fn sigkill_at_any_moment_of_apply_plan_then_the_same_command_gives_the_clean_result() {
    let seed = std::env::var("CUTOVER_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    let trials: usize = std::env::var("CUTOVER_KILL_TRIALS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    eprintln!("kill test: seed {seed} (CUTOVER_KILL_SEED), {trials} trials");
    let mut random = Random(seed);

    let pristine = scratch("kill-pristine");
    generate(&pristine, &mut random);
    Cutover::new(&[
        "diff",
        "--mapping",
        "mapping.yaml",
        "--save-plan",
        "plan.json",
        "export",
    ])
    .current_dir(&pristine)
    .expect(0);
    // The clean result, and how long a paused run takes (to spread the kills over it).
    let clean = scratch("kill-clean");
    copy_tree(&pristine, &clean);
    let started = Instant::now();
    Cutover::new(&["apply", "--plan", "plan.json"])
        .env("CUTOVER_STEP_PAUSE_US", PAUSE_US)
        .current_dir(&clean)
        .expect(0);
    let span = started.elapsed().as_micros() as u64 * 11 / 10;
    let expected = read_tree(&clean.join("export"));
    let changed = expected
        .iter()
        .filter(|(name, bytes)| {
            std::fs::read(pristine.join("export").join(name)).unwrap() != **bytes
        })
        .count();
    assert!(
        changed >= 45,
        "the generated export changes in {changed} files only"
    );

    let dir = scratch("kill-trial");
    for trial in 0..trials {
        let _ = std::fs::remove_dir_all(&dir);
        copy_tree(&pristine, &dir);
        // Reading and planning take the first half or so of a run; two kills in three land
        // in the second half, where the commit is.
        let first = Duration::from_micros(match random.below(3) {
            0 => random.below(span),
            _ => span / 2 + random.below(span / 2),
        });
        apply_killed_after(&dir, first);
        // Now and then the next run is killed too, in the middle of its recovery.
        let second = (random.below(4) == 0).then(|| Duration::from_micros(random.below(span / 2)));
        if let Some(delay) = second {
            apply_killed_after(&dir, delay);
        }
        let out = Cutover::new(&["apply", "--plan", "plan.json"])
            .current_dir(&dir)
            .run();
        let context = format!(
            "seed {seed}, trial {trial}: killed after {first:?}{}",
            second.map_or(String::new(), |d| format!(" and then after {d:?}"))
        );
        assert_eq!(
            out.code, 0,
            "{context}: the same command failed:\n{}",
            out.stderr
        );
        let tree = read_tree(&dir.join("export"));
        let differ: Vec<&String> = tree
            .keys()
            .chain(expected.keys())
            .filter(|k| tree.get(*k) != expected.get(*k))
            .collect();
        assert!(
            differ.is_empty(),
            "{context}: not the clean result (or something left behind): {differ:?}\n{}",
            out.stderr
        );
    }
    for done in [pristine, clean, dir] {
        let _ = std::fs::remove_dir_all(done);
    }
}
