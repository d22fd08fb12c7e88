//! Runs the `cutover` binary on one generated case and checks every promise of
//! docs/rewrite-rules.md against the oracle: replace and add data, idempotence, replace after add,
//! `patch -p1` / `git apply` agreement with `apply`, untouched lines and comments, final
//! newline, line endings and BOM, YAML 1.1 readings of new plain values, and `check`.
//!
//! The checks form four chains (check before; replace, its second run and check after;
//! add and its second run; replace after add), each stopped at its first failure, so a
//! case reports at most one failure per chain and the binary runs at most 9 times.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::export::{Case, Rendered};
use crate::oracle::{self, Mapping};
use crate::tree::{self, Doc, Node, Parsed};

pub struct Env {
    pub bin: PathBuf,
    pub patch: bool,
    pub git: bool,
}

#[derive(Clone, Debug)]
pub struct Failure {
    /// The failure class: the name of the check that failed.
    pub check: &'static str,
    /// The command (run in the case folder's copy) that shows it.
    pub command: String,
    pub detail: String,
}

/// The folder holding the exports, inside each copy (the patch names `a/x/FILE`).
const X: &str = "x";

struct Input {
    file: Rendered,
    parsed: Parsed,
}

/// What the oracle expects, per file (and per document).
struct Expect {
    replace: Vec<Vec<Node>>,
    add: Vec<Vec<Node>>,
    templates: Vec<Vec<BTreeSet<String>>>,
    string_to_list: Vec<bool>,
    findings: Vec<Found>,
    reference_lines: Vec<BTreeSet<u32>>,
    dropped: Vec<BTreeSet<u32>>,
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn fail(check: &'static str, command: &str, detail: impl Into<String>) -> Failure {
    Failure {
        check,
        command: command.to_owned(),
        detail: detail.into(),
    }
}

/// The chains to run (all of them, or only what a shrinking step needs).
#[derive(Clone, Copy)]
pub struct Chains {
    pub check: bool,
    pub replace: bool,
    pub add: bool,
    pub replace_after_add: bool,
}

impl Chains {
    pub const ALL: Chains = Chains {
        check: true,
        replace: true,
        add: true,
        replace_after_add: true,
    };

    /// The chains a failure class needs.
    pub fn for_check(check: &str) -> Chains {
        let none = Chains {
            check: false,
            replace: false,
            add: false,
            replace_after_add: false,
        };
        if check.starts_with("check before") {
            Chains {
                check: true,
                ..none
            }
        } else if check.starts_with("replace after add") {
            Chains {
                replace: true,
                add: true,
                replace_after_add: true,
                ..none
            }
        } else if check.starts_with("replace") || check.starts_with("check after") {
            Chains {
                replace: true,
                ..none
            }
        } else if check.starts_with("add") {
            Chains { add: true, ..none }
        } else {
            Chains::ALL
        }
    }
}

pub fn run(case: &Case, dir: &Path, env: &Env, chains: Chains) -> Vec<Failure> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("mapping.yaml"), case.mapping.to_yaml()).unwrap();
    let mut inputs = Vec::new();
    for file in case.render() {
        let path = dir.join("in").join(X).join(&file.name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &file.bytes).unwrap();
        match read(&file.bytes, file.json) {
            Ok(parsed) => inputs.push(Input { file, parsed }),
            Err(e) => {
                return vec![fail(
                    "oracle: generated input unreadable",
                    "",
                    format!("{}: {e}", file.name),
                )];
            }
        }
    }
    let expect = expectations(&inputs, &case.mapping);
    let mut failures = Vec::new();
    let r = Runner {
        dir,
        env,
        inputs: &inputs,
        expect: &expect,
        mapping: &case.mapping,
    };
    if chains.check
        && let Err(f) = r.check_before()
    {
        failures.push(f);
    }
    let replaced = if chains.replace {
        match r.replace_chain() {
            Ok(()) => true,
            Err(f) => {
                let ok =
                    f.check.starts_with("replace: second") || f.check.starts_with("check after");
                failures.push(f);
                ok
            }
        }
    } else {
        false
    };
    if chains.add || chains.replace_after_add {
        match r.add_chain() {
            Ok(()) => {
                if chains.replace_after_add
                    && let Err(f) = r.replace_after_add(replaced)
                {
                    failures.push(f);
                }
            }
            Err(f) => {
                if f.check.starts_with("add: second")
                    && chains.replace_after_add
                    && let Err(g) = r.replace_after_add(replaced)
                {
                    failures.push(g);
                }
                failures.push(f);
            }
        }
    }
    failures
}

/// Reads a file with the oracle's parser; a JSON file must read the same with serde_json.
fn read(bytes: &[u8], json: bool) -> Result<Parsed, String> {
    let parsed = tree::parse(bytes)?;
    if json {
        let value = tree::from_json(bytes)?;
        if parsed.docs.len() != 1 {
            return Err("a JSON file with more than one document".into());
        }
        if let Some(d) = tree::first_difference(&value, &parsed.docs[0].root, "$") {
            return Err(format!(
                "libyaml and serde_json read this JSON differently: {d}"
            ));
        }
    }
    Ok(parsed)
}

fn expectations(inputs: &[Input], mapping: &Mapping) -> Expect {
    let mut e = Expect {
        replace: Vec::new(),
        add: Vec::new(),
        templates: Vec::new(),
        string_to_list: Vec::new(),
        findings: Vec::new(),
        reference_lines: Vec::new(),
        dropped: Vec::new(),
    };
    for input in inputs {
        let mut dropped = oracle::Dropped::default();
        let mut lines = BTreeSet::new();
        let mut to_list = false;
        let (mut replace, mut add, mut templates) = (Vec::new(), Vec::new(), Vec::new());
        for Doc { root, templates: t } in &input.parsed.docs {
            replace.push(oracle::replace(root, mapping, &mut dropped));
            let (added, turned) = oracle::add(root, mapping);
            add.push(added);
            to_list |= turned;
            templates.push(t.clone());
            lines.extend(oracle::reference_lines(root));
            lines.extend(oracle::separator_lines(root));
            for f in oracle::findings(root, mapping) {
                e.findings
                    .push((format!("{X}/{}", input.file.name), f.line, f.value));
            }
        }
        e.replace.push(replace);
        e.add.push(add);
        e.templates.push(templates);
        e.string_to_list.push(to_list);
        // An alias to a value that holds a reference use may have to change with it (to
        // keep its own data, it must stop being an alias to what changed).
        let uses = lines.clone();
        for (line, target) in &input.parsed.aliases {
            if target.iter().any(|l| uses.contains(l)) {
                lines.insert(*line);
            }
        }
        e.reference_lines.push(lines);
        e.dropped.push(dropped.lines);
    }
    e.findings.sort();
    e
}

struct Runner<'a> {
    dir: &'a Path,
    env: &'a Env,
    inputs: &'a [Input],
    expect: &'a Expect,
    mapping: &'a Mapping,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Replace,
    Add,
}

impl Runner<'_> {
    fn cutover(&self, copy: &str, args: &[&str]) -> Out {
        let out = Command::new(&self.env.bin)
            .args(args)
            .current_dir(self.dir.join(copy))
            .env("NO_COLOR", "1")
            .output()
            .expect("cutover runs");
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs a command that must succeed on valid input (exit 0, or 1 where `ok1`), never
    /// asking to report a bug.
    fn expect_ok(
        &self,
        check: &'static str,
        copy: &str,
        args: &[&str],
        ok1: bool,
    ) -> Result<Out, Failure> {
        let out = self.cutover(copy, args);
        let command = format!("cd {copy} && cutover {}", args.join(" "));
        if out.stderr.to_lowercase().contains("please report")
            || !(out.code == 0 || ok1 && out.code == 1)
        {
            return Err(fail(
                check,
                &command,
                format!("exit {}\nstderr:\n{}", out.code, out.stderr),
            ));
        }
        Ok(out)
    }

    fn copy(&self, from: &str, to: &str) {
        let target = self.dir.join(to);
        let _ = std::fs::remove_dir_all(&target);
        copy_tree(&self.dir.join(from), &target);
    }

    fn files(&self, copy: &str) -> BTreeMap<String, Vec<u8>> {
        read_tree(&self.dir.join(copy).join(X))
    }

    fn check_before(&self) -> Result<(), Failure> {
        let args = [
            "check",
            "--format",
            "json",
            "--mapping",
            "../mapping.yaml",
            X,
        ];
        let out = self.expect_ok("check before: exit", "in", &args, true)?;
        let command = format!("cd in && cutover {}", args.join(" "));
        let (removed, errors) =
            findings(&out.stdout).map_err(|e| fail("check before: output", &command, e))?;
        if out.code != i32::from(errors > 0) {
            return Err(fail(
                "check before: exit",
                &command,
                format!("exit {} with {errors} errors", out.code),
            ));
        }
        if removed != self.expect.findings {
            return Err(fail(
                "check before: findings",
                &command,
                format!(
                    "expected (file, line, value):\n{}\nactual:\n{}",
                    listing(&self.expect.findings),
                    listing(&removed)
                ),
            ));
        }
        Ok(())
    }

    /// `diff` and `apply` in one mode on the copy `from`: the written tree is `to`; the
    /// patch applied by `patch -p1` and by `git apply` must give the same bytes.
    fn diff_and_apply(
        &self,
        mode: Mode,
        from: &str,
        to: &str,
        check: &'static str,
    ) -> Result<(), Failure> {
        let mode_args: &[&str] = if mode == Mode::Add {
            &["--mode", "add"]
        } else {
            &[]
        };
        // Paths relative to the case folder (the patch is applied from there), though the
        // folder lies in the repository's work tree.
        let mut args = vec!["diff", "--relative"];
        args.extend(mode_args);
        args.extend(["--mapping", "../mapping.yaml", X]);
        let diff = self.expect_ok(check, from, &args, false)?;
        self.copy(from, to);
        let mut apply = vec!["apply"];
        apply.extend(mode_args);
        apply.extend(["--mapping", "../mapping.yaml", X]);
        self.expect_ok(check, to, &apply, false)?;
        let applied = self.files(to);
        let diff_cmd = format!("cd {from} && cutover {}", args.join(" "));
        let name = if mode == Mode::Add {
            "add: patch"
        } else {
            "replace: patch"
        };
        if diff.stdout.is_empty() {
            if applied != self.files(from) {
                return Err(fail(
                    name,
                    &diff_cmd,
                    "diff printed nothing but apply changed files",
                ));
            }
            return Ok(());
        }
        for (tool, enabled, argv) in [
            (
                "patch",
                self.env.patch,
                &["patch", "-p1", "--quiet", "--no-backup-if-mismatch"][..],
            ),
            (
                "git",
                self.env.git,
                &["git", "apply", "--whitespace=nowarn", "-"][..],
            ),
        ] {
            if !enabled {
                continue;
            }
            let copy = format!("{to}-{tool}");
            self.copy(from, &copy);
            let result = pipe(argv, &self.dir.join(&copy), &diff.stdout);
            if let Err(e) = result {
                return Err(fail(
                    name,
                    &diff_cmd,
                    format!("{} failed: {e}\npatch:\n{}", argv.join(" "), diff.stdout),
                ));
            }
            let patched = self.files(&copy);
            if patched != applied {
                let which = first_differing(&patched, &applied);
                return Err(fail(
                    name,
                    &diff_cmd,
                    format!(
                        "`{}` gives other bytes than `apply` in {which}\npatch:\n{}",
                        argv.join(" "),
                        diff.stdout
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The promises on one mode's result, file by file.
    fn result_checks(&self, mode: Mode, copy: &str) -> Result<(), Failure> {
        let files = self.files(copy);
        let (prefix, expected, cmd) = match mode {
            Mode::Replace => (
                "replace",
                &self.expect.replace,
                "cd in && cutover diff --mapping ../mapping.yaml x",
            ),
            Mode::Add => (
                "add",
                &self.expect.add,
                "cd in && cutover diff --mode add --mapping ../mapping.yaml x",
            ),
        };
        let name = |what: &str| -> &'static str {
            match (prefix, what) {
                ("replace", "data") => "replace: data",
                ("replace", "lines") => "replace: untouched lines",
                ("replace", "comments") => "replace: comments",
                ("replace", "bytes") => "replace: newline, line endings, BOM, JSON",
                ("replace", "yaml11") => "replace: YAML 1.1 reading of a new plain value",
                ("add", "data") => "add: data",
                ("add", "lines") => "add: untouched lines",
                ("add", "comments") => "add: comments",
                ("add", "bytes") => "add: newline, line endings, BOM, JSON",
                _ => "add: YAML 1.1 reading of a new plain value",
            }
        };
        let targets = self.mapping.targets();
        for (f, input) in self.inputs.iter().enumerate() {
            let file = &input.file.name;
            let output = &files[file];
            let parsed = read(output, input.file.json).map_err(|e| {
                fail(
                    name("data"),
                    cmd,
                    format!(
                        "{file}: the result does not read back: {e}\n{}",
                        lossy(output)
                    ),
                )
            })?;
            if parsed.docs.len() != expected[f].len() {
                return Err(fail(
                    name("data"),
                    cmd,
                    format!(
                        "{file}: {} documents, expected {}",
                        parsed.docs.len(),
                        expected[f].len()
                    ),
                ));
            }
            for (d, doc) in parsed.docs.iter().enumerate() {
                if let Some(diff) =
                    oracle::compare_doc(&expected[f][d], &doc.root, &self.expect.templates[f][d])
                {
                    return Err(fail(
                        data_class(prefix, &diff),
                        cmd,
                        format!(
                            "{file}, document {}: {diff}\nexpected document: {}\nresult:\n{}",
                            d + 1,
                            tree::show(&expected[f][d]),
                            lossy(output)
                        ),
                    ));
                }
            }
            bytes_check(&input.file.bytes, output)
                .map_err(|e| fail(name("bytes"), cmd, format!("{file}: {e}")))?;
            let input_lines = split_lines(&input.file.bytes);
            let mut allowed = self.expect.reference_lines[f].clone();
            if mode == Mode::Replace {
                for doc in &input.parsed.docs {
                    allowed.extend(oracle::aliases_into(&doc.root, &self.expect.dropped[f]));
                }
                allowed.extend(with_trailing_comments(
                    &input_lines,
                    &self.expect.dropped[f],
                ));
            }
            kept_lines(&input_lines, &split_lines(output), &allowed).map_err(|e| {
                fail(
                    name("lines"),
                    cmd,
                    format!("{file}: {e}\nresult:\n{}", lossy(output)),
                )
            })?;
            let text = String::from_utf8_lossy(output);
            let dropped = with_trailing_comments(&input_lines, &self.expect.dropped[f]);
            for c in &input.file.comments {
                let count = text.matches(c.as_str()).count();
                let line = line_of(&input.file.bytes, c);
                // Kept (an alias expanded into a copy may repeat it), unless it stood on a
                // dropped line.
                let ok = count >= 1 || mode == Mode::Replace && dropped.contains(&line);
                if !ok {
                    return Err(fail(
                        name("comments"),
                        cmd,
                        format!(
                            "{file}: the comment `{c}` (line {}) is there {count} times\nresult:\n{}",
                            line + 1,
                            lossy(output)
                        ),
                    ));
                }
            }
            // Only values cutover wrote: YAML plain scalars (JSON has none: `true` there is
            // a boolean) that the input did not hold as many times.
            let count = |plain: &[(String, u32)], value: &str| {
                plain.iter().filter(|(v, _)| v == value).count()
            };
            for (value, line) in &parsed.plain {
                // (A plain value YAML 1.2 reads as something else than a string is not one
                // cutover wrote: its strings read back as strings.)
                if !input.file.json
                    && targets.contains(value.as_str())
                    && crate::yaml11::core_type(value) == crate::yaml11::Type::Str
                    && !crate::yaml11::plain_reads_as_string(value)
                    && count(&parsed.plain, value) > count(&input.parsed.plain, value)
                {
                    return Err(fail(
                        name("yaml11"),
                        cmd,
                        format!(
                            "{file}:{}: the new value {value:?} is written plain, but YAML 1.1 reads it as {:?} (1.2: {:?})",
                            line + 1,
                            crate::yaml11::yaml11_type(value),
                            crate::yaml11::core_type(value)
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    fn replace_chain(&self) -> Result<(), Failure> {
        self.diff_and_apply(Mode::Replace, "in", "r", "replace: exit")?;
        self.result_checks(Mode::Replace, "r")?;
        let args = ["diff", "--exit-code", "--mapping", "../mapping.yaml", X];
        let again = self.cutover("r", &args);
        if again.code != 0 || !again.stdout.is_empty() {
            return Err(fail(
                "replace: second run changes something",
                &format!("cd r && cutover {}", args.join(" ")),
                format!("exit {}\n{}{}", again.code, again.stdout, again.stderr),
            ));
        }
        let args = [
            "check",
            "--format",
            "json",
            "--mapping",
            "../mapping.yaml",
            X,
        ];
        let command = format!("cd r && cutover {}", args.join(" "));
        let out = self.expect_ok("check after replace: exit", "r", &args, true)?;
        let (removed, errors) =
            findings(&out.stdout).map_err(|e| fail("check after replace: output", &command, e))?;
        if !removed.is_empty() || errors > 0 || out.code != 0 {
            return Err(fail(
                "check after replace: findings",
                &command,
                format!(
                    "exit {}, {errors} errors; removed references left:\n{}\n{}",
                    out.code,
                    listing(&removed),
                    out.stdout
                ),
            ));
        }
        Ok(())
    }

    fn add_chain(&self) -> Result<(), Failure> {
        self.diff_and_apply(Mode::Add, "in", "a", "add: exit")?;
        self.result_checks(Mode::Add, "a")?;
        let args = [
            "diff",
            "--mode",
            "add",
            "--exit-code",
            "--mapping",
            "../mapping.yaml",
            X,
        ];
        let again = self.cutover("a", &args);
        if again.code != 0 || !again.stdout.is_empty() {
            return Err(fail(
                "add: second run changes something",
                &format!("cd a && cutover {}", args.join(" ")),
                format!("exit {}\n{}{}", again.code, again.stdout, again.stderr),
            ));
        }
        Ok(())
    }

    fn replace_after_add(&self, replaced: bool) -> Result<(), Failure> {
        self.copy("a", "ar");
        let args = ["apply", "--mapping", "../mapping.yaml", X];
        let command = "cd a && cutover apply --mapping ../mapping.yaml x  # after apply --mode add";
        self.expect_ok("replace after add: exit", "ar", &args, false)?;
        let files = self.files("ar");
        let alone = replaced.then(|| self.files("r"));
        for (f, input) in self.inputs.iter().enumerate() {
            let file = &input.file.name;
            let output = &files[file];
            let parsed = read(output, input.file.json).map_err(|e| {
                fail(
                    "replace after add: data",
                    command,
                    format!("{file}: does not read back: {e}"),
                )
            })?;
            for (d, doc) in parsed.docs.iter().enumerate() {
                let expected = oracle::conditions_as_lists(&self.expect.replace[f][d]);
                let actual = oracle::conditions_as_lists(&doc.root);
                if let Some(diff) =
                    oracle::compare_doc(&expected, &actual, &self.expect.templates[f][d])
                {
                    return Err(fail(
                        data_class("replace after add", &diff),
                        command,
                        format!(
                            "{file}, document {}: {diff}\nresult:\n{}",
                            d + 1,
                            lossy(output)
                        ),
                    ));
                }
            }
            // Add can also write out an alias in a rule whose uses come to want different
            // values; the text that stays shared is then another one, and so may be the
            // bytes. (Aliases and sharing entries are copied whole: held to the bytes.)
            let wrote_out = |dir: &str| {
                let rules = input
                    .parsed
                    .docs
                    .iter()
                    .any(|d| d.root.get("rules").is_some());
                rules
                    && tree::parse(&self.files(dir)[file]).map_or(0, |p| p.aliases.len())
                        < input.parsed.aliases.len()
            };
            if let Some(alone) = &alone
                && !self.expect.string_to_list[f]
                && alone[file] != *output
                && !wrote_out("a")
            {
                return Err(fail(
                    "replace after add: bytes",
                    command,
                    format!(
                        "{file}: add made only insertions and copies, so replace after add must give the bytes of replace alone\nreplace alone:\n{}\nreplace after add:\n{}",
                        lossy(&alone[file]),
                        lossy(output)
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// A data failure's class: the mode and where the first difference is.
fn data_class(mode: &str, diff: &str) -> &'static str {
    let path = diff.split(':').next().unwrap_or("");
    let place = if path.starts_with("$.rules") && path.contains(".conditions") {
        "condition value"
    } else if path.starts_with("$.rules") && path.contains(".from") {
        "action from"
    } else if path.starts_with("$.aliases") || path.starts_with("$.sharing") {
        "aliases and sharing"
    } else {
        "outside references"
    };
    match (mode, place) {
        ("replace", "condition value") => "replace: data (condition value)",
        ("replace", "action from") => "replace: data (action from)",
        ("replace", "aliases and sharing") => "replace: data (aliases and sharing)",
        ("replace", _) => "replace: data (outside references)",
        ("add", "condition value") => "add: data (condition value)",
        ("add", "action from") => "add: data (action from)",
        ("add", "aliases and sharing") => "add: data (aliases and sharing)",
        ("add", _) => "add: data (outside references)",
        (_, "condition value") => "replace after add: data (condition value)",
        (_, "action from") => "replace after add: data (action from)",
        (_, "aliases and sharing") => "replace after add: data (aliases and sharing)",
        _ => "replace after add: data (outside references)",
    }
}

/// A `removed` finding: file, line, value.
type Found = (String, u32, String);

/// `check --format json`: the `removed` findings as (path, line, value), and the count of
/// errors.
fn findings(stdout: &str) -> Result<(Vec<Found>, usize), String> {
    let json: serde_json::Value =
        serde_json::from_str(stdout).map_err(|e| format!("{e}: {stdout}"))?;
    let list = json["findings"].as_array().ok_or("no findings list")?;
    let mut removed: Vec<Found> = list
        .iter()
        .filter(|f| f["kind"] == "removed")
        .map(|f| {
            (
                f["path"].as_str().unwrap_or("").replace('\\', "/"),
                f["line"].as_u64().unwrap_or(0) as u32,
                f["account"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    removed.sort();
    let errors = list.iter().filter(|f| f["severity"] == "error").count();
    Ok((removed, errors))
}

fn listing(items: &[Found]) -> String {
    items
        .iter()
        .map(|(p, l, v)| format!("  {p}:{l} {v:?}\n"))
        .collect()
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn line_of(bytes: &[u8], needle: &str) -> u32 {
    let text = String::from_utf8_lossy(bytes);
    let at = text.find(needle).unwrap_or(0);
    text[..at].matches('\n').count() as u32
}

/// Lines without their `\n` (a `\r` stays part of the line).
pub fn split_lines(bytes: &[u8]) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    if bytes.ends_with(b"\n") {
        lines.pop();
    }
    lines
}

fn indent(line: &[u8]) -> usize {
    line.iter().take_while(|&&b| b == b' ').count()
}

/// The lines of dropped items and entries, with the full-line comments right after them
/// that are indented deeper than the item (they belong to it; a comment at the item's own
/// column belongs to the list and stays).
fn with_trailing_comments(lines: &[&[u8]], dropped: &BTreeSet<u32>) -> BTreeSet<u32> {
    let mut out = dropped.clone();
    for &d in dropped {
        if d > 0 && dropped.contains(&(d - 1)) {
            continue;
        }
        let Some(first) = lines.get(d as usize) else {
            continue;
        };
        let column = indent(first.strip_prefix("\u{feff}".as_bytes()).unwrap_or(first));
        let mut k = d as usize;
        while dropped.contains(&(k as u32)) {
            k += 1;
        }
        while let Some(line) = lines.get(k) {
            let trimmed = line.trim_ascii_start();
            if trimmed.starts_with(b"#") && indent(line) > column {
                out.insert(k as u32);
                k += 1;
            } else {
                break;
            }
        }
    }
    out
}

/// Every input line outside `allowed` is still there, in order: a longest common
/// subsequence in which such a line outweighs all others together.
fn kept_lines(input: &[&[u8]], output: &[&[u8]], allowed: &BTreeSet<u32>) -> Result<(), String> {
    // Lines compare without their CR: the line before the end of a file without a final
    // newline gains or loses its line ending when a line is added or dropped after it (the
    // bytes check says the file keeps its endings and its missing final newline).
    let strip = |line: &[u8]| -> Vec<u8> { line.strip_suffix(b"\r").unwrap_or(line).to_vec() };
    let input: Vec<Vec<u8>> = input.iter().map(|l| strip(l)).collect();
    let output: Vec<Vec<u8>> = output.iter().map(|l| strip(l)).collect();
    let (n, m) = (input.len(), output.len());
    let big = n as u64 + 1;
    let weight = |i: usize| {
        if allowed.contains(&(i as u32)) {
            1
        } else {
            big
        }
    };
    let mut dp = vec![0u64; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            let mut best = dp[at(i + 1, j)].max(dp[at(i, j + 1)]);
            if input[i] == output[j] {
                best = best.max(weight(i) + dp[at(i + 1, j + 1)]);
            }
            dp[at(i, j)] = best;
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut lost = Vec::new();
    while i < n {
        if j < m && input[i] == output[j] && dp[at(i, j)] == weight(i) + dp[at(i + 1, j + 1)] {
            i += 1;
            j += 1;
        } else if j < m && dp[at(i, j)] == dp[at(i, j + 1)] {
            j += 1;
        } else {
            if weight(i) == big {
                lost.push(i);
            }
            i += 1;
        }
    }
    if lost.is_empty() {
        return Ok(());
    }
    Err(format!(
        "lines that hold no reference changed or went:\n{}",
        lost.iter()
            .map(|&i| format!(
                "  line {}: {}\n",
                i + 1,
                String::from_utf8_lossy(&input[i]).trim_end()
            ))
            .collect::<String>()
    ))
}

/// No final-newline change, line endings and BOM kept, JSON stays JSON.
fn bytes_check(input: &[u8], output: &[u8]) -> Result<(), String> {
    if input.ends_with(b"\n") != output.ends_with(b"\n") {
        return Err(format!(
            "final newline: input {}, result {}",
            input.ends_with(b"\n"),
            output.ends_with(b"\n")
        ));
    }
    let bom = "\u{feff}".as_bytes();
    if input.starts_with(bom) != output.starts_with(bom) {
        return Err("the byte-order mark was not kept".into());
    }
    if input.windows(2).any(|w| w == b"\r\n") {
        if output
            .iter()
            .enumerate()
            .any(|(i, &b)| b == b'\n' && (i == 0 || output[i - 1] != b'\r'))
        {
            return Err("a CRLF file got a line ending in LF alone".into());
        }
    } else if output.contains(&b'\r') {
        return Err("an LF file got a CR".into());
    }
    Ok(())
}

fn pipe(argv: &[&str], dir: &Path, input: &str) -> Result<(), String> {
    use std::io::Write;
    let mut child = Command::new(argv[0])
        .args(&argv[1..])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("{}{}", lossy(&out.stdout), lossy(&out.stderr)));
    }
    Ok(())
}

fn first_differing(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> String {
    let keys: HashSet<&String> = a.keys().chain(b.keys()).collect();
    let mut keys: Vec<&&String> = keys.iter().collect();
    keys.sort();
    keys.into_iter()
        .find(|k| a.get(**k) != b.get(**k))
        .map_or_else(String::new, |k| k.to_string())
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

pub fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
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
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}
