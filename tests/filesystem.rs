//! The filesystem's corner cases: what is not a regular file, files too large to read,
//! backups and planted links, hard links, owners, sticky directories, extended attributes,
//! modes, and file names with any bytes in them.

mod common;

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{
    Cutover, copy_tree, is_root, leftovers, read_names, read_tree, require_tool, scratch, testdata,
};

fn demo(name: &str) -> PathBuf {
    let dir = scratch(name);
    copy_tree(&testdata("demo"), &dir);
    dir
}

const APPLY: &[&str] = &["apply", "--mapping", "mapping.yaml", "export"];

fn spawn(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(args)
        .current_dir(dir)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cutover starts")
}

/// Runs cutover on input that could make it hang; a run still going after a minute is a
/// hang (killed, so the suite goes on, and reported).
fn run_guarded(dir: &Path, args: &[&str]) -> (i32, String) {
    let mut child = spawn(dir, args, &[]);
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("cutover {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_fifo_or_a_device_is_refused_at_once_and_never_read() {
    let dir = demo("fifo");
    let fifo = dir.join("export/pipe.yaml");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    // Found in a directory, and named.
    for target in ["export", "export/pipe.yaml"] {
        let (code, stderr) = run_guarded(&dir, &["diff", "--mapping", "mapping.yaml", target]);
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains("export/pipe.yaml: error: is a FIFO (named pipe), not a regular file"),
            "{stderr}"
        );
    }
    std::fs::remove_file(&fifo).unwrap();
    // /dev/zero named, as the mapping, and through a link among the exports.
    std::os::unix::fs::symlink("/dev/zero", dir.join("export/zero.json")).unwrap();
    for args in [
        &["diff", "--mapping", "mapping.yaml", "/dev/zero"][..],
        &["diff", "--mapping", "/dev/zero", "export/rules.yaml"],
        &["apply", "--mapping", "mapping.yaml", "export"],
    ] {
        let (code, stderr) = run_guarded(&dir, args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(
            stderr.contains("is a character device, not a regular file"),
            "{args:?}: {stderr}"
        );
    }
    std::fs::remove_file(dir.join("export/zero.json")).unwrap();
    assert_eq!(
        read_tree(&dir.join("export")),
        read_tree(&testdata("demo/export"))
    );
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_it_is_read() {
    let dir = demo("too-large");
    // A sparse 2 GiB file: reading it would take 2 GiB of memory.
    let huge = std::fs::File::create(dir.join("export/huge.json")).unwrap();
    huge.set_len(2 << 30).unwrap();
    let (code, stderr) = run_guarded(&dir, APPLY);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("export/huge.json: error: is 2 GiB, over the size limit of 1 GiB"),
        "{stderr}"
    );
    std::fs::remove_file(dir.join("export/huge.json")).unwrap();
    // The limit is a flag, for every command.
    let size = std::fs::metadata(dir.join("export/rules.yaml"))
        .unwrap()
        .len();
    assert!(size > 1024);
    for command in ["diff", "check", "apply"] {
        let out = Cutover::new(&[
            command,
            "--max-file-size",
            "1K",
            "--mapping",
            "mapping.yaml",
            "export",
        ])
        .current_dir(&dir)
        .expect(2);
        assert!(
            out.stderr.contains("export/rules.yaml: error: is ")
                && out.stderr.contains("over the size limit of 1 KiB"),
            "{command}: {}",
            out.stderr
        );
    }
    let out = Cutover::new(&["validate", "--max-file-size", "lots", "export"]).expect(2);
    assert!(out.stderr.contains("not a size"), "{}", out.stderr);
    assert_eq!(
        read_tree(&dir.join("export")),
        read_tree(&testdata("demo/export"))
    );
}

/// `--backup` creates its files exclusively: a link planted at `FILE.orig` (dangling, or to
/// a file outside the export) is never written through; the backup takes the next name.
#[test]
fn a_backup_is_never_written_through_a_link() {
    let dir = demo("backup-links");
    std::fs::write(dir.join("victim.txt"), "untouched").unwrap();
    std::os::unix::fs::symlink("../victim.txt", dir.join("export/rules.yaml.orig")).unwrap();
    std::os::unix::fs::symlink(
        "../created-by-cutover.txt",
        dir.join("export/sharing.yaml.orig"),
    )
    .unwrap();
    Cutover::new(&["apply", "--backup", "--mapping", "mapping.yaml", "export"])
        .current_dir(&dir)
        .expect(0);
    assert_eq!(
        std::fs::read_to_string(dir.join("victim.txt")).unwrap(),
        "untouched"
    );
    assert!(!dir.join("created-by-cutover.txt").exists());
    for name in ["rules.yaml", "sharing.yaml"] {
        let planted = dir.join(format!("export/{name}.orig"));
        assert!(
            std::fs::symlink_metadata(&planted)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            std::fs::read(dir.join(format!("export/{name}.orig.1"))).unwrap(),
            std::fs::read(testdata(&format!("demo/export/{name}"))).unwrap()
        );
    }
    assert_eq!(
        std::fs::read(dir.join("export/aliases.json.orig")).unwrap(),
        std::fs::read(testdata("demo/export/aliases.json")).unwrap()
    );
    assert_eq!(leftovers(&dir), Vec::<String>::new());
}

/// A failure after the backups were written removes them too: exit 2 means nothing written.
#[test]
fn backups_are_removed_when_the_run_fails() {
    let dir = demo("backup-failure");
    let before = read_tree(&dir);
    let out = Cutover::new(&["apply", "--backup", "--mapping", "mapping.yaml", "export"])
        .env("CUTOVER_FAILPOINT", "sync")
        .current_dir(&dir)
        .expect(2);
    assert!(out.stderr.contains("no file was changed"), "{}", out.stderr);
    assert_eq!(read_tree(&dir), before);
}

#[test]
fn a_hard_link_is_never_split_silently() {
    let dir = demo("hard-links");
    std::fs::hard_link(
        dir.join("export/rules.yaml"),
        dir.join("rules-elsewhere.yaml"),
    )
    .unwrap();
    let before = read_tree(&dir);
    let out = Cutover::new(APPLY).current_dir(&dir).expect(2);
    assert!(
        out.stderr
            .contains("export/rules.yaml: error: has 2 hard links"),
        "{}",
        out.stderr
    );
    assert_eq!(read_tree(&dir), before);
    let out = Cutover::new(&[
        "apply",
        "--break-hardlinks",
        "--mapping",
        "mapping.yaml",
        "export",
    ])
    .current_dir(&dir)
    .expect(0);
    assert!(
        out.stderr.contains(
            "note: export/rules.yaml: broke its hard link: 1 other names keep the old text"
        ),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read(dir.join("export/rules.yaml")).unwrap(),
        std::fs::read(testdata("demo/expected/rules.yaml")).unwrap()
    );
    assert_eq!(
        std::fs::read(dir.join("rules-elsewhere.yaml")).unwrap(),
        std::fs::read(testdata("demo/export/rules.yaml")).unwrap()
    );
}

/// A temporary is created with its original's mode: a private file is never readable by
/// others, not even for the moment between creating and writing its copy.
#[test]
fn a_private_file_stays_private_from_the_first_moment() {
    let dir = demo("private");
    let rules = dir.join("export/rules.yaml");
    std::fs::set_permissions(&rules, std::fs::Permissions::from_mode(0o600)).unwrap();
    let hook = scratch("private-hook");
    // rules.yaml is the second file with edits (after aliases.json).
    let wait = format!("created:2=wait:{}", hook.display());
    let mut run = spawn(&dir, APPLY, &[("CUTOVER_FAILPOINT", &wait)]);
    while !hook.join("reached").exists() {
        assert!(run.try_wait().unwrap().is_none(), "cutover ended early");
        std::thread::sleep(Duration::from_millis(2));
    }
    let temporary: Vec<PathBuf> = std::fs::read_dir(dir.join("export"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".rules.yaml.cutover-"))
        .collect();
    assert_eq!(temporary.len(), 1);
    let mode = std::fs::metadata(&temporary[0]).unwrap().mode() & 0o777;
    std::fs::write(hook.join("go"), "").unwrap();
    assert!(run.wait().unwrap().success());
    assert_eq!(mode, 0o600, "the temporary was created {mode:o}");
    assert_eq!(std::fs::metadata(&rules).unwrap().mode() & 0o7777, 0o600);
}

/// Run as root, a file owned by another user keeps its owner and group (and its backup
/// gets them too).
#[test]
fn a_file_owned_by_another_user_keeps_its_owner() {
    if !is_root("keeping another user's ownership (needs root)") {
        return;
    }
    let dir = demo("owner");
    let rules = dir.join("export/rules.yaml");
    std::os::unix::fs::chown(&rules, Some(12345), Some(23456)).unwrap();
    std::fs::set_permissions(&rules, std::fs::Permissions::from_mode(0o640)).unwrap();
    Cutover::new(&["apply", "--backup", "--mapping", "mapping.yaml", "export"])
        .current_dir(&dir)
        .expect(0);
    for file in [rules.clone(), dir.join("export/rules.yaml.orig")] {
        let meta = std::fs::metadata(&file).unwrap();
        assert_eq!(
            (meta.uid(), meta.gid(), meta.mode() & 0o7777),
            (12345, 23456, 0o640),
            "{}",
            file.display()
        );
    }
    assert_eq!(
        std::fs::read(&rules).unwrap(),
        std::fs::read(testdata("demo/expected/rules.yaml")).unwrap()
    );
}

/// The same run as an ordinary user (uid 65534): in a sticky directory another user's file
/// cannot be replaced, which is found before anything is written; elsewhere it can, but
/// its owner cannot be kept, which the run says.
#[test]
fn another_users_file_as_an_ordinary_user() {
    if !is_root("running as another user (needs root to switch)") || !require_tool("setpriv") {
        return;
    }
    let as_nobody = |dir: &Path| -> (i32, String) {
        let out = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_cutover"))
            .args(APPLY)
            .current_dir(dir)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // Under the system's temporary directory, not the target directory: every directory
    // above the tree must let that user through, and a clone may lie in a private one
    // (`mktemp -d` makes them 0700).
    let prepare = |name: &str, dir_mode: u32| -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cutover-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        copy_tree(&testdata("demo"), &dir);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        for entry in std::fs::read_dir(dir.join("export")).unwrap() {
            let path = entry.unwrap().path();
            std::os::unix::fs::chown(&path, Some(12345), Some(12345)).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        }
        std::fs::set_permissions(
            dir.join("export"),
            std::fs::Permissions::from_mode(dir_mode),
        )
        .unwrap();
        dir
    };
    let sticky = prepare("sticky", 0o1777);
    let dir = sticky.clone();
    let before = read_tree(&dir);
    let (code, stderr) = as_nobody(&dir);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "export/aliases.json: error: is owned by another user (uid 12345) in a sticky directory"
        ),
        "{stderr}"
    );
    assert_eq!(read_tree(&dir), before);
    let dir = prepare("not-sticky", 0o777);
    let (code, stderr) = as_nobody(&dir);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(
            "note: export/rules.yaml: its owner and group (uid 12345, gid 12345) could not be kept"
        ),
        "{stderr}"
    );
    assert_eq!(
        std::fs::metadata(dir.join("export/rules.yaml"))
            .unwrap()
            .uid(),
        65534
    );
    assert_eq!(leftovers(&dir), Vec::<String>::new());
    // A directory the user may not write to: the lock file cannot be made, and the error
    // says why (it said "no such file", from a second, read-only try).
    let closed = prepare("closed", 0o755);
    let before = read_tree(&closed);
    let (code, stderr) = as_nobody(&closed);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("cannot create the lock file: permission denied"),
        "{stderr}"
    );
    assert_eq!(read_tree(&closed), before);
    for dir in [sticky, dir, closed] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn extended_attributes_are_kept() {
    let dir = demo("xattrs");
    let rules = dir.join("export/rules.yaml");
    if let Err(e) = rustix::fs::setxattr(
        &rules,
        "user.cutover-test",
        b"kept",
        rustix::fs::XattrFlags::empty(),
    ) {
        eprintln!("note: this filesystem takes no user extended attributes ({e}); skipping");
        return;
    }
    Cutover::new(APPLY).current_dir(&dir).expect(0);
    let mut value = [0u8; 16];
    let len = rustix::fs::getxattr(&rules, "user.cutover-test", &mut value[..]).unwrap();
    assert_eq!(&value[..len], b"kept");
    assert_eq!(
        std::fs::read(&rules).unwrap(),
        std::fs::read(testdata("demo/expected/rules.yaml")).unwrap()
    );
}

/// A newline in a file name: the patch quotes it as git does, and `git apply` and `patch`
/// both write exactly what `apply` writes.
#[test]
fn a_newline_in_a_file_name_gives_a_patch_git_apply_accepts() {
    let out = odd_name(
        "newline-name",
        "odd\nname.yaml",
        "--- \"a/export/odd\\nname.yaml\"\n+++ \"b/export/odd\\nname.yaml\"\n",
    );
    // Terminal output escapes it.
    assert!(
        out.stderr.contains("export/odd\\nname.yaml: "),
        "{}",
        out.stderr
    );
}

/// A space in a file name: the header ends with a tab, as git writes it, or `patch` would
/// take what follows the space for a timestamp and not find the file.
#[test]
fn a_space_in_a_file_name_gives_a_patch_patch_accepts() {
    odd_name(
        "space-name",
        "team rules.yaml",
        "--- a/export/team rules.yaml\t\n+++ b/export/team rules.yaml\t\n",
    );
}

/// The demo with its rules under the name `odd`: the patch has `headers`, and `git apply`
/// and `patch -p1` both write exactly what `apply` writes.
fn odd_name(case: &str, odd: &str, headers: &str) -> common::Output {
    let dir = demo(case);
    std::fs::rename(dir.join("export/rules.yaml"), dir.join("export").join(odd)).unwrap();
    let out = Cutover::new(&["diff", "--relative", "--mapping", "mapping.yaml", "export"])
        .current_dir(&dir)
        .expect(0);
    assert!(out.stdout.contains(headers), "{}", out.stdout);
    let applied = demo(&format!("{case}-applied"));
    std::fs::rename(
        applied.join("export/rules.yaml"),
        applied.join("export").join(odd),
    )
    .unwrap();
    Cutover::new(APPLY).current_dir(&applied).expect(0);
    for tool in ["git", "patch"] {
        if !require_tool(tool) {
            continue;
        }
        let copy = scratch(&format!("{case}-{tool}"));
        copy_tree(&dir, &copy);
        let args: &[&str] = if tool == "git" {
            &["apply", "-"]
        } else {
            &["-p1", "--quiet"]
        };
        let mut child = Command::new(tool)
            .args(args)
            .current_dir(&copy)
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(out.stdout.as_bytes())
            .unwrap();
        assert!(child.wait().unwrap().success(), "{tool} rejected the patch");
        assert_eq!(
            read_tree(&copy.join("export")),
            read_tree(&applied.join("export")),
            "{tool}"
        );
    }
    out
}

/// An ESC in a file name is shown escaped, never sent to the terminal.
#[test]
fn control_characters_in_names_are_escaped_on_the_terminal() {
    let dir = demo("esc-name");
    std::fs::write(
        dir.join("export/evil\x1b[2Jname.yaml"),
        "schema_version: 1\nrules: [\n",
    )
    .unwrap();
    let out = Cutover::new(&["diff", "--mapping", "mapping.yaml", "export"])
        .current_dir(&dir)
        .expect(2);
    assert!(!out.stderr.contains('\x1b'), "{:?}", out.stderr);
    assert!(
        out.stderr.contains("export/evil\\033[2Jname.yaml:"),
        "{}",
        out.stderr
    );
}

/// A name that is not UTF-8 is kept exactly in a saved plan (as hex bytes beside the
/// readable text), so `apply --plan` writes that very file; the patch quotes it as git does.
#[test]
fn a_name_that_is_not_utf8_survives_a_saved_plan() {
    let dir = demo("latin1-name");
    let name = OsString::from_vec(b"export/caf\xe9.yaml".to_vec());
    std::fs::rename(dir.join("export/rules.yaml"), dir.join(&name)).unwrap();
    let out = Cutover::new(&[
        "diff",
        "--relative",
        "--mapping",
        "mapping.yaml",
        "--save-plan",
        "plan.json",
        "export",
    ])
    .current_dir(&dir)
    .expect(0);
    assert!(
        out.stdout.contains("--- \"a/export/caf\\351.yaml\""),
        "{}",
        out.stdout
    );
    let plan = std::fs::read_to_string(dir.join("plan.json")).unwrap();
    assert!(
        plan.contains("\"path_hex\": \"6578706f72742f636166e92e79616d6c\""),
        "{plan}"
    );
    Cutover::new(&["apply", "--plan", "plan.json"])
        .current_dir(&dir)
        .expect(0);
    assert_eq!(
        std::fs::read(dir.join(&name)).unwrap(),
        std::fs::read(testdata("demo/expected/rules.yaml")).unwrap()
    );
    let names = read_names(&dir.join("export"));
    assert_eq!(names.len(), 4, "{names:?}");
    if require_tool("git") {
        let copy = scratch("latin1-name-git");
        copy_tree(&testdata("demo"), &copy);
        std::fs::rename(copy.join("export/rules.yaml"), copy.join(&name)).unwrap();
        let mut child = Command::new("git")
            .args(["apply", "-"])
            .current_dir(&copy)
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(out.stdout.as_bytes())
            .unwrap();
        assert!(
            child.wait().unwrap().success(),
            "git apply rejected the patch"
        );
        assert_eq!(
            std::fs::read(copy.join(&name)).unwrap(),
            std::fs::read(dir.join(&name)).unwrap()
        );
    }
}
