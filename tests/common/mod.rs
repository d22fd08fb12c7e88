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

/// Whether a system tool that a test needs is installed. When it is not, the test prints a
/// note and should return — unless `CUTOVER_REQUIRE_TOOLS=1` (CI sets it), where a missing
/// tool fails the test rather than letting it pass unrun.
pub fn tool_available(name: &str, test: &str) -> bool {
    if has_program(name) {
        return true;
    }
    if std::env::var("CUTOVER_REQUIRE_TOOLS").as_deref() == Ok("1") {
        panic!("{test} needs `{name}`, which is not installed (CUTOVER_REQUIRE_TOOLS=1)");
    }
    eprintln!(
        "note: {test} skipped: `{name}` is not installed (CUTOVER_REQUIRE_TOOLS=1 makes this an error)"
    );
    false
}
