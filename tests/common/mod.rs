//! A small fluent builder for running the `cutover` binary in tests, and tree helpers.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Cutover {
    args: Vec<String>,
    dir: PathBuf,
    env: Vec<(String, String)>,
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Cutover {
    pub fn new(args: &[&str]) -> Cutover {
        Cutover {
            args: args.iter().map(|a| a.to_string()).collect(),
            dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            env: Vec::new(),
        }
    }

    pub fn env(mut self, key: &str, value: &str) -> Cutover {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    pub fn current_dir(mut self, dir: &Path) -> Cutover {
        self.dir = dir.to_path_buf();
        self
    }

    pub fn run(self) -> Output {
        let out = Command::new(env!("CARGO_BIN_EXE_cutover"))
            .args(&self.args)
            .current_dir(&self.dir)
            .env_remove("NO_COLOR")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .expect("cutover runs");
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs and asserts the exit code.
    pub fn expect(self, code: i32) -> Output {
        let description = self.args.join(" ");
        let out = self.run();
        assert_eq!(
            out.code, code,
            "cutover {description}\nstdout:\n{}\nstderr:\n{}",
            out.stdout, out.stderr
        );
        out
    }
}

/// A fresh, empty directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Makes `dir` the top of a git work tree of its own (a `.git` holding `HEAD` is what marks
/// one), as a repository of exports is: patch paths and annotations then start at `dir`
/// whatever repository the scratch directory lies in (this one's `target/`, in a clone).
#[allow(dead_code)]
pub fn own_work_tree(dir: &Path) {
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    std::fs::write(dir.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
}

pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Every file below `dir`, by relative path, with its bytes.
pub fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    fn walk(base: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, files);
            } else {
                let name = path
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                files.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    walk(dir, dir, &mut files);
    files
}

pub fn testdata(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(path)
}

pub fn has_program(name: &str) -> bool {
    Command::new(name).arg("--version").output().is_ok()
}

/// What cutover leaves beside the inputs only while it runs (temporaries, the journal, the
/// lock): every such name below `dir`. After a run that ended, this must be empty.
pub fn leftovers(dir: &Path) -> Vec<String> {
    read_names(dir)
        .into_iter()
        .filter(|name| {
            let base = name.rsplit('/').next().unwrap_or(name);
            base.contains(".cutover-")
        })
        .collect()
}

/// Every path below `dir` (files of any kind), relative, without reading any file.
pub fn read_names(dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    fn walk(base: &Path, dir: &Path, names: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            names.push(
                path.strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            );
            if entry.file_type().unwrap().is_dir() {
                walk(base, &path, names);
            }
        }
    }
    walk(dir, dir, &mut names);
    names.sort();
    names
}

/// Whether a system tool a test needs is there. When it is not, the test prints a note
/// and skips, unless `CUTOVER_REQUIRE_TOOLS=1` (CI), when it fails.
pub fn require_tool(name: &str) -> bool {
    if has_program(name) {
        return true;
    }
    assert!(
        std::env::var("CUTOVER_REQUIRE_TOOLS").as_deref() != Ok("1"),
        "{name} is required (CUTOVER_REQUIRE_TOOLS=1) but not installed"
    );
    eprintln!("note: {name} is not installed; skipping the part of this test that needs it");
    false
}

/// Whether the tests run as root (ownership cases need it); prints a note when not.
pub fn is_root(what: &str) -> bool {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !root {
        eprintln!("note: not running as root; skipping {what}");
    }
    root
}

/// A small, seedable generator (xorshift64*), so a failing sequence can be replayed.
pub struct Random(pub u64);

impl Random {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// [`Random::below`] in `usize`s, for picking among a generator's choices.
    pub fn under(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.under(100) < percent
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.under(items.len())]
    }
}

/// A number from the environment (a test's case count or seed), or `default`; a value
/// that is not a number is an error, not the default.
pub fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a number")),
        Err(_) => default,
    }
}
