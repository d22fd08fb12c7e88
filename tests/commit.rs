//! The commit protocol: every step failing, every step crashing, crashes during recovery,
//! signals, leftovers of dead runs, two runs at once, and another program writing an input
//! while cutover works. After each, the tree is whole (all old or all new) and nothing of
//! cutover's is left beside the inputs.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::{Cutover, copy_tree, leftovers, read_tree, scratch, testdata};

fn demo(name: &str) -> PathBuf {
    let dir = scratch(name);
    copy_tree(&testdata("demo"), &dir);
    dir
}

fn export_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    read_tree(&dir.join("export"))
}

/// Asserts two trees are equal, naming the files that differ (not printing them whole).
fn assert_same(
    actual: &BTreeMap<String, Vec<u8>>,
    expected: &BTreeMap<String, Vec<u8>>,
    context: &str,
) {
    let differ: Vec<&String> = actual
        .keys()
        .chain(expected.keys())
        .filter(|k| actual.get(*k) != expected.get(*k))
        .collect();
    assert!(
        differ.is_empty(),
        "{context}: these files differ: {differ:?}"
    );
}

fn old() -> BTreeMap<String, Vec<u8>> {
    read_tree(&testdata("demo/export"))
}

fn new() -> BTreeMap<String, Vec<u8>> {
    read_tree(&testdata("demo/expected"))
}

const APPLY: &[&str] = &["apply", "--mapping", "mapping.yaml", "export"];

/// Starts cutover without waiting for it.
fn spawn(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(args)
        .current_dir(dir)
        .env_remove("CUTOVER_FAILPOINT")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cutover starts")
}

fn finish(child: Child) -> (i32, String) {
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Waits until a `wait:` hook has been reached (the run is paused there).
fn await_reached(hook: &Path, child: &mut Child) {
    while !hook.join("reached").exists() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("cutover ended ({status}) before reaching the hook");
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

#[test]
fn a_failure_at_any_step_before_the_renames_changes_nothing() {
    for step in [
        "locked",
        "journal",
        "stage:1",
        "stage:3",
        "backup:1",
        "backup:3",
        "sync",
        "unchanged:2",
        "rename:1",
    ] {
        let dir = demo(&format!("fail-{}", step.replace(':', "-")));
        let before = read_tree(&dir);
        let out = Cutover::new(&["apply", "--backup", "--mapping", "mapping.yaml", "export"])
            .env("CUTOVER_FAILPOINT", step)
            .current_dir(&dir)
            .expect(2);
        assert!(
            out.stderr.contains("injected failure"),
            "{step}: {}",
            out.stderr
        );
        if step != "locked" {
            assert!(
                out.stderr.contains("no file was changed"),
                "{step}: {}",
                out.stderr
            );
        }
        // The whole tree, hidden files included: no temporary, backup, journal or lock.
        assert_same(&read_tree(&dir), &before, step);
    }
}

#[test]
fn a_failure_among_the_renames_is_completed_by_the_next_command() {
    let dir = demo("fail-rename-2");
    let out = Cutover::new(APPLY)
        .env("CUTOVER_FAILPOINT", "rename:2")
        .current_dir(&dir)
        .expect(2);
    assert!(
        out.stderr.contains("already replaced: export/aliases.json"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("completes the commit"),
        "{}",
        out.stderr
    );
    // Any command that reads the files finishes it first, and says so.
    let out = Cutover::new(&["check", "--mapping", "mapping.yaml", "export"])
        .current_dir(&dir)
        .expect(0);
    assert!(
        out.stderr
            .contains("finished an interrupted commit (export/.cutover-journal)"),
        "{}",
        out.stderr
    );
    assert_same(&export_of(&dir), &new(), "after the next command");
    assert_eq!(leftovers(&dir), Vec::<String>::new());
}

/// A crash (the process gone at once, cleaning nothing) at every step of the protocol, with
/// backups: the next command sees all old or all new files, never a mix; a second apply
/// then gives exactly the result, and nothing is left behind.
#[test]
fn a_crash_at_any_step_is_finished_or_undone_by_the_next_command() {
    let steps = [
        ("locked", false),
        ("journal", false),
        ("stage:1", false),
        ("stage:3", false),
        ("backup:1", false),
        ("backup:3", false),
        ("sync", true),
        ("unchanged:1", true),
        ("rename:1", true),
        ("rename:2", true),
        ("rename:3", true),
        ("renamed", true),
        ("unjournal", true),
        ("done", true),
    ];
    for (step, forward) in steps {
        let dir = demo(&format!("crash-{}", step.replace(':', "-")));
        Cutover::new(&["apply", "--backup", "--mapping", "mapping.yaml", "export"])
            .env("CUTOVER_FAILPOINT", &format!("{step}=crash"))
            .current_dir(&dir)
            .expect(137);
        let out = Cutover::new(&["diff", "--mapping", "mapping.yaml", "export"])
            .current_dir(&dir)
            .expect(0);
        let (expected, backups) = if forward { (new(), 3) } else { (old(), 0) };
        // A lock file the crash left is removed by the next command, even one that reads.
        let files: BTreeMap<String, Vec<u8>> = export_of(&dir)
            .into_iter()
            .filter(|(name, _)| !name.contains(".orig"))
            .collect();
        assert_same(&files, &expected, &format!("{step}: {}", out.stderr));
        assert_eq!(leftovers(&dir), Vec::<String>::new(), "{step}");
        let originals = export_of(&dir)
            .into_iter()
            .filter(|(name, _)| name.ends_with(".orig"))
            .map(|(name, bytes)| (name.trim_end_matches(".orig").to_owned(), bytes));
        let originals: BTreeMap<String, Vec<u8>> = originals.collect();
        assert_eq!(originals.len(), backups, "{step}");
        if forward {
            // A backup of each changed file (accounts.yaml has no edits).
            let mut changed = old();
            changed.remove("accounts.yaml");
            assert_same(&originals, &changed, &format!("{step}: backups"));
        }
        // And the same apply again ends with exactly the result.
        Cutover::new(APPLY).current_dir(&dir).expect(0);
        let files: BTreeMap<String, Vec<u8>> = export_of(&dir)
            .into_iter()
            .filter(|(name, _)| !name.contains(".orig"))
            .collect();
        assert_same(&files, &new(), step);
        assert_eq!(leftovers(&dir), Vec::<String>::new(), "{step}");
    }
}

/// Recovery itself crashing, rolling forward and rolling back, is recovered the same way.
#[test]
fn a_crash_during_recovery_is_recovered_by_the_next_command() {
    for (first, second, expected) in [
        ("rename:2", "recover-rename:2", new()),
        ("rename:3", "recovered", new()),
        ("stage:3", "recover-remove:1", old()),
        ("stage:3", "recover-remove:2", old()),
        ("backup:2", "recovered", old()),
    ] {
        let dir = demo(&format!(
            "crash-recovery-{}-{}",
            first.replace(':', "-"),
            second.replace(':', "-")
        ));
        Cutover::new(&["apply", "--backup", "--mapping", "mapping.yaml", "export"])
            .env("CUTOVER_FAILPOINT", &format!("{first}=crash"))
            .current_dir(&dir)
            .expect(137);
        Cutover::new(&["diff", "--mapping", "mapping.yaml", "export"])
            .env("CUTOVER_FAILPOINT", &format!("{second}=crash"))
            .current_dir(&dir)
            .expect(137);
        let out = Cutover::new(&["validate", "export"])
            .current_dir(&dir)
            .expect(0);
        assert!(
            out.stderr.contains("an interrupted commit"),
            "{first}/{second}: {}",
            out.stderr
        );
        let files: BTreeMap<String, Vec<u8>> = export_of(&dir)
            .into_iter()
            .filter(|(name, _)| !name.contains(".orig"))
            .collect();
        assert_same(&files, &expected, &format!("{first}/{second}"));
        assert_eq!(leftovers(&dir), Vec::<String>::new(), "{first}/{second}");
    }
}

#[test]
fn leftovers_of_dead_runs_are_cleaned_and_never_an_obstacle() {
    let dir = demo("leftovers");
    // An earlier version's name (PID 1, as in a container) and this version's.
    std::fs::write(dir.join("export/.rules.yaml.cutover-1.tmp"), "half").unwrap();
    std::fs::write(
        dir.join("export/.sharing.yaml.cutover-0123456789abcdef.tmp"),
        "",
    )
    .unwrap();
    // Not ours: kept.
    std::fs::write(dir.join("export/.notes.tmp"), "mine").unwrap();
    let out = Cutover::new(APPLY).current_dir(&dir).expect(0);
    assert!(
        out.stderr
            .contains("removed 2 temporary files of interrupted runs"),
        "{}",
        out.stderr
    );
    assert_eq!(leftovers(&dir), Vec::<String>::new());
    let mut expected = new();
    expected.insert(".notes.tmp".into(), b"mine".to_vec());
    assert_same(&export_of(&dir), &expected, "leftovers");
}

/// Two applies (the cutover and the transition) started together: both succeed, one after
/// the other, and the tree is what one order or the other gives. Each step pauses, so that
/// without the lock their reads and writes would interleave.
#[test]
fn two_applies_started_together_give_the_tree_of_some_order() {
    let orders: Vec<BTreeMap<String, Vec<u8>>> = [["replace", "add"], ["add", "replace"]]
        .iter()
        .map(|order| {
            let dir = demo(&format!("order-{}", order.join("-")));
            for mode in order {
                Cutover::new(&[
                    "apply",
                    "--mode",
                    mode,
                    "--mapping",
                    "mapping.yaml",
                    "export",
                ])
                .current_dir(&dir)
                .expect(0);
            }
            export_of(&dir)
        })
        .collect();
    for round in 0..6 {
        let dir = demo(&format!("together-{round}"));
        let pause = [("CUTOVER_STEP_PAUSE_US", "3000")];
        let runs: Vec<Child> = ["replace", "add"]
            .iter()
            .map(|mode| {
                spawn(
                    &dir,
                    &[
                        "apply",
                        "--mode",
                        mode,
                        "--mapping",
                        "mapping.yaml",
                        "export",
                    ],
                    &pause,
                )
            })
            .collect();
        for run in runs {
            let (code, stderr) = finish(run);
            assert_eq!(code, 0, "round {round}: {stderr}");
        }
        let tree = export_of(&dir);
        assert!(
            orders.contains(&tree),
            "round {round}: a tree no order gives"
        );
        assert_eq!(leftovers(&dir), Vec::<String>::new());
    }
}

/// A run that cannot get the lock waits a bounded time, then stops naming the lock and its
/// holder, having written nothing.
#[test]
fn a_second_run_gives_up_naming_the_lock_and_its_holder() {
    let dir = demo("locked");
    let lock_path = dir.join("export/.cutover-lock");
    let lock = std::fs::File::create(&lock_path).unwrap();
    lock.lock().unwrap();
    std::fs::write(
        &lock_path,
        "4242 0 cutover apply --mapping other.yaml export\n",
    )
    .unwrap();
    let before = read_tree(&dir);
    let out = Cutover::new(APPLY)
        .env("CUTOVER_LOCK_WAIT_MS", "100")
        .current_dir(&dir)
        .expect(2);
    assert!(
        out.stderr
            .contains("export/.cutover-lock: error: another cutover run"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("pid 4242, `cutover apply --mapping other.yaml export`"),
        "{}",
        out.stderr
    );
    assert_same(&read_tree(&dir), &before, "while locked");
    drop(lock);
    Cutover::new(APPLY).current_dir(&dir).expect(0);
    assert_same(&export_of(&dir), &new(), "after the lock was released");
}

/// Another program writes an input after cutover read it: the commit is abandoned before
/// any rename, naming the file, and the write stands. Both for apply and apply --plan.
#[test]
fn a_write_to_an_input_during_apply_is_never_lost() {
    for with_plan in [false, true] {
        let dir = demo(&format!("concurrent-write-{with_plan}"));
        if with_plan {
            Cutover::new(&[
                "diff",
                "--mapping",
                "mapping.yaml",
                "--save-plan",
                "plan.json",
                "export",
            ])
            .current_dir(&dir)
            .expect(0);
        }
        let hook = scratch(&format!("concurrent-write-hook-{with_plan}"));
        let wait = format!("sync=wait:{}", hook.display());
        let args: &[&str] = if with_plan {
            &["apply", "--plan", "plan.json"]
        } else {
            APPLY
        };
        let mut run = spawn(&dir, args, &[("CUTOVER_FAILPOINT", &wait)]);
        await_reached(&hook, &mut run);
        // An editor saves the file in place, same size: only the bytes differ.
        let rules = dir.join("export/rules.yaml");
        let edited = std::fs::read_to_string(&rules)
            .unwrap()
            .replacen("Support", "SUPPORT", 1);
        std::fs::write(&rules, &edited).unwrap();
        std::fs::write(hook.join("go"), "").unwrap();
        let (code, stderr) = finish(run);
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains("export/rules.yaml: error: changed since cutover read it"),
            "{stderr}"
        );
        assert_eq!(std::fs::read_to_string(&rules).unwrap(), edited);
        let mut expected = old();
        expected.insert("rules.yaml".into(), edited.into_bytes());
        assert_same(&export_of(&dir), &expected, "concurrent write");
        assert_eq!(leftovers(&dir), Vec::<String>::new());
    }
}

/// SIGINT or SIGTERM while the new files are being written: they are removed, no original
/// changed, and the exit code says which signal.
#[test]
fn a_signal_before_the_renames_removes_the_temporaries() {
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let dir = demo(&format!("signal-{signal}"));
        let before = read_tree(&dir);
        let hook = scratch(&format!("signal-hook-{signal}"));
        let wait = format!("backup:3=wait:{}", hook.display());
        let mut run = spawn(
            &dir,
            &["apply", "--backup", "--mapping", "mapping.yaml", "export"],
            &[("CUTOVER_FAILPOINT", &wait)],
        );
        await_reached(&hook, &mut run);
        assert!(!leftovers(&dir).is_empty(), "the run had created its files");
        let sent = Command::new("sh")
            .args(["-c", &format!("kill -{signal} {}", run.id())])
            .status()
            .unwrap();
        assert!(sent.success());
        let (exit, stderr) = finish(run);
        assert_eq!(exit, code, "{stderr}");
        assert!(
            stderr.contains(&format!(
                "interrupted by SIG{signal} before any file was replaced"
            )),
            "{stderr}"
        );
        assert_same(&read_tree(&dir), &before, signal);
    }
}

/// A journal planted beside the exports whose temporary is a link to a file outside the
/// tree (holding the content the journal promises): recovery must not rename the link
/// over the export, which would make the export that link.
#[cfg(unix)]
#[test]
fn a_planted_journal_with_a_linked_temporary_changes_nothing() {
    use sha2::Digest;
    let hex = |bytes: &[u8]| -> String {
        sha2::Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let dir = demo("planted-journal");
    let outside = scratch("planted-journal-outside").join("evil.yaml");
    let evil = b"schema_version: 1\nrules: []\n# evil\n";
    std::fs::write(&outside, evil).unwrap();
    let export = dir.join("export");
    let temporary = ".rules.yaml.cutover-0123456789abcdef.tmp";
    std::os::unix::fs::symlink(&outside, export.join(temporary)).unwrap();
    let journal = format!(
        "{{\"cutover_journal\": 1, \"pid\": 999999, \"files\": [{{\"original\": \"rules.yaml\", \
         \"temporary\": \"{temporary}\", \"old_sha256\": \"{}\", \"new_sha256\": \"{}\"}}]}}",
        hex(&std::fs::read(export.join("rules.yaml")).unwrap()),
        hex(evil)
    );
    std::fs::write(export.join(".cutover-journal"), journal).unwrap();
    let out = Cutover::new(&["validate", "export"])
        .current_dir(&dir)
        .expect(2);
    assert!(
        out.stderr.contains("is not a regular file"),
        "{}",
        out.stderr
    );
    let rules = std::fs::symlink_metadata(export.join("rules.yaml")).unwrap();
    assert!(rules.file_type().is_file(), "the export became a link");
    assert_eq!(
        std::fs::read(export.join("rules.yaml")).unwrap(),
        std::fs::read(testdata("demo/export/rules.yaml")).unwrap()
    );
}
