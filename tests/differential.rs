//! The differential test of the rewrite: random exports in every style real ones have,
//! run through the `cutover` binary, each result checked against an oracle written from
//! the rules (docs/rewrite-rules.md) on independently parsed data.
//!
//! - `differential/export.rs` generates a case (files, mapping) from a seed: YAML block and
//!   flow, plain, single- and double-quoted scalars, comments everywhere, anchors, aliases,
//!   merge keys and tags across reference kinds, multi-document files, CRLF, BOM, no final
//!   newline; JSON pretty, tab-indented and minified with `\u` escapes.
//! - `differential/tree.rs` reads files with libyaml (libyaml-safer) and serde_json, not
//!   with the crate's loader; `differential/oracle.rs` computes from that data what replace,
//!   add and `check` must give.
//! - `differential/run.rs` runs the binary and checks each promise.
//!
//! A fixed-seed run of `CUTOVER_DIFFERENTIAL_CASES` cases (default 300) runs in `cargo
//! test`; `CUTOVER_DIFFERENTIAL_SEED` picks another seed. A failing case is shrunk (files,
//! documents, settings, entries, styles dropped while the same check still fails), printed,
//! and written under `<target>/tmp/differential/failures/` to become a regression test.

mod common;
#[path = "differential/export.rs"]
mod export;
#[path = "differential/model.rs"]
mod model;
#[path = "differential/oracle.rs"]
mod oracle;
#[path = "differential/prng.rs"]
mod prng;
#[path = "differential/run.rs"]
mod run;
#[path = "differential/tree.rs"]
mod tree;
#[path = "differential/yaml11.rs"]
mod yaml11;

use common::env_number;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use export::Case;
use run::{Chains, Env, Failure};

fn has_program(name: &str) -> bool {
    std::process::Command::new(name)
        .arg("--version")
        .output()
        .is_ok()
}

fn tools() -> Env {
    let require = std::env::var("CUTOVER_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    let (patch, git) = (has_program("patch"), has_program("git"));
    for (tool, present) in [("patch", patch), ("git", git)] {
        if !present {
            assert!(
                !require,
                "CUTOVER_REQUIRE_TOOLS=1 but `{tool}` is not installed"
            );
            eprintln!(
                "note: `{tool}` is not installed; the differential test skips its patch check"
            );
        }
    }
    Env {
        bin: PathBuf::from(env!("CARGO_BIN_EXE_cutover")),
        patch,
        git,
    }
}

fn work_root() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("differential")
}

/// Shrinking effort for each failure class, in runs of the case (deterministic: no clock).
const SHRINK_ATTEMPTS: usize = 250;

#[test]
fn generated_exports_follow_the_rules() {
    let cases = env_number("CUTOVER_DIFFERENTIAL_CASES", 300);
    let seed = env_number("CUTOVER_DIFFERENTIAL_SEED", 13);
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4) as u64;
    let env = tools();
    let root = work_root().join(format!("seed-{seed}"));
    if let Ok(index) = std::env::var("CUTOVER_DIFFERENTIAL_CASE") {
        let index = index
            .parse()
            .expect("CUTOVER_DIFFERENTIAL_CASE is a case number");
        return show_one(seed, index, &root, &env);
    }

    let _ = std::fs::remove_dir_all(&root);
    let started = std::time::Instant::now();
    let mut results = in_parallel(threads, (0..cases).collect(), |t, i| {
        let case = export::case(prng::Rng::case_seed(seed, i));
        let failures = run::run(&case, &root.join(format!("work-{t}")), &env, Chains::ALL);
        (!failures.is_empty()).then_some((i, failures))
    });
    eprintln!(
        "differential: {cases} cases (seed {seed}) on {threads} threads in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if results.is_empty() {
        let _ = std::fs::remove_dir_all(&root);
        return;
    }
    results.sort_by_key(|(i, _)| *i);

    // One class per check; every failing case is listed, and the first case of each class
    // is shrunk and written out.
    let mut classes: BTreeMap<&'static str, Vec<u64>> = BTreeMap::new();
    let mut all = String::new();
    for (i, failures) in &results {
        for f in failures {
            classes.entry(f.check).or_default().push(*i);
            let first = f.detail.lines().next().unwrap_or("");
            all.push_str(&format!("case {i}: {}: {first}\n", f.check));
        }
    }
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("all-failures.txt"), all).unwrap();
    let mut report = format!(
        "{} of {cases} generated cases failed (seed {seed}); failure classes:\n",
        results.len()
    );
    for (check, indexes) in &classes {
        let (n, first) = (indexes.len(), indexes[0]);
        report.push_str(&format!("  {check}: {n} cases (first: case {first})\n"));
    }
    let failures_dir = root.join("failures");
    let budget = env_number("CUTOVER_DIFFERENTIAL_SHRINK", SHRINK_ATTEMPTS as u64) as usize;
    let queue: Vec<(usize, &'static str, u64)> = classes
        .iter()
        .enumerate()
        .map(|(n, (check, indexes))| (n, *check, indexes[0]))
        .collect();
    let mut shrunk = in_parallel(threads, queue, |t, (n, check, index)| {
        let case = export::case(prng::Rng::case_seed(seed, index));
        let dir = root.join(format!("shrink-{t}"));
        let (small, failure) = shrink(case, check, &dir, &env, budget);
        let out = failures_dir.join(format!("{n:02}-{}", slug(check)));
        let text = reproducer(&small, &failure, seed, index, &dir, &out);
        Some((
            n,
            format!("\n===== {check} (case {index} of seed {seed}, shrunk) =====\n{text}"),
        ))
    });
    shrunk.sort();
    for (_, text) in shrunk {
        report.push_str(&text);
    }
    report.push_str(&format!(
        "\nReproducers: {}\nEvery failing case: {}\n",
        failures_dir.display(),
        root.join("all-failures.txt").display()
    ));
    panic!("{report}");
}

/// Runs `work` over the items on `threads` threads (each told its number, for a folder of
/// its own); the results in no particular order.
fn in_parallel<T: Send, R: Send>(
    threads: u64,
    items: Vec<T>,
    work: impl Fn(u64, T) -> Option<R> + Sync,
) -> Vec<R> {
    let queue = std::sync::Mutex::new(items.into_iter().rev().collect::<Vec<T>>());
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (queue, work) = (&queue, &work);
                s.spawn(move || {
                    let mut done = Vec::new();
                    while let Some(item) = { queue.lock().unwrap().pop() } {
                        done.extend(work(t, item));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

/// One case, shown whole: its files, and every failure unshrunk.
fn show_one(seed: u64, index: u64, root: &Path, env: &Env) {
    let case = export::case(prng::Rng::case_seed(seed, index));
    let dir = root.join(format!("case-{index}"));
    let failures = run::run(&case, &dir, env, Chains::ALL);
    eprintln!(
        "case {index} of seed {seed} (files in {}):\n{}",
        dir.display(),
        show_case(&case)
    );
    let text: String = failures
        .iter()
        .map(|f| format!("\n===== {}\n{}\n{}\n", f.check, f.command, f.detail))
        .collect();
    assert!(failures.is_empty(), "{text}");
}

/// Drops parts of a failing case while the same check still fails (a bounded number of
/// runs), and returns the smallest case found with its failure.
fn shrink(case: Case, check: &str, dir: &Path, env: &Env, budget: usize) -> (Case, Failure) {
    let chains = Chains::for_check(check);
    let find = |c: &Case| {
        run::run(c, dir, env, chains)
            .into_iter()
            .find(|f| f.check == check)
    };
    let mut failure = find(&case).expect("a failing case fails again (the runs are deterministic)");
    let mut current = case;
    let mut attempts = 0;
    // Passes over the candidates; after a success the next candidates are tried from the
    // same position (the earlier ones did not fail before), and a pass that found
    // something is followed by another.
    loop {
        let mut improved = false;
        let mut position = 0;
        'pass: loop {
            let size = show_case(&current).len();
            for (i, candidate) in export::smaller(&current)
                .into_iter()
                .enumerate()
                .skip(position)
            {
                if attempts >= budget {
                    break 'pass;
                }
                // Only a smaller text is progress (some variants change nothing written).
                if show_case(&candidate).len() >= size {
                    continue;
                }
                attempts += 1;
                if let Some(f) = find(&candidate) {
                    (current, failure, position, improved) = (candidate, f, i, true);
                    continue 'pass;
                }
            }
            break;
        }
        if !improved || attempts >= budget {
            break;
        }
    }
    // Leave the shrunk case's files in `dir` for the reproducer.
    let last = run::run(&current, dir, env, chains)
        .into_iter()
        .find(|f| f.check == check);
    (current, last.unwrap_or(failure))
}

fn slug(check: &str) -> String {
    let s: String = check
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    s.split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// Writes a failing case as a folder (input, mapping, command, what was expected and what
/// happened) and returns the same as text.
fn reproducer(
    case: &Case,
    failure: &Failure,
    seed: u64,
    index: u64,
    dir: &Path,
    out: &Path,
) -> String {
    let _ = std::fs::remove_dir_all(out);
    run::copy_tree(&dir.join("in"), &out.join("in"));
    std::fs::copy(dir.join("mapping.yaml"), out.join("mapping.yaml")).unwrap();
    let mut text = show_case(case);
    text.push_str(&format!(
        "--- command (from the case folder)\n{}\n",
        failure.command
    ));
    text.push_str(&format!(
        "--- {}\n{}\n",
        failure.check,
        failure.detail.trim_end()
    ));
    let report = format!(
        "Generated by tests/differential.rs: seed {seed}, case {index}, shrunk.\n\
         Rerun: CUTOVER_DIFFERENTIAL_SEED={seed} cargo test --test differential\n\n{text}"
    );
    std::fs::write(out.join("report.txt"), &report).unwrap();
    std::fs::write(
        out.join("cmd.sh"),
        format!(
            "#!/bin/sh\n# run from this folder; put cutover on PATH\n{}\n",
            failure.command.split("  #").next().unwrap()
        ),
    )
    .unwrap();
    text
}

fn show_case(case: &Case) -> String {
    let mut text = String::new();
    for file in case.render() {
        text.push_str(&format!(
            "--- in/x/{}{}\n",
            file.name,
            describe_bytes(&file.bytes)
        ));
        text.push_str(&String::from_utf8_lossy(&file.bytes));
        if !file.bytes.ends_with(b"\n") {
            text.push_str("\n(no final newline)\n");
        }
    }
    text.push_str(&format!("--- mapping.yaml\n{}", case.mapping.to_yaml()));
    text
}

fn describe_bytes(bytes: &[u8]) -> String {
    let mut notes = Vec::new();
    if bytes.starts_with("\u{feff}".as_bytes()) {
        notes.push("BOM");
    }
    if bytes.windows(2).any(|w| w == b"\r\n") {
        notes.push("CRLF");
    }
    if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join(", "))
    }
}

/// The oracle itself, on small documents whose results are known by hand from
/// docs/rewrite-rules.md (so that a change to the oracle that bends a rule fails here).
mod oracle_examples {
    use crate::oracle::{self, Mapping};
    use crate::tree::{self, Node, data_eq, show};

    fn mapping() -> Mapping {
        Mapping {
            accounts: vec![("a".into(), "b".into()), ("d".into(), "b".into())],
            addresses: vec![("Old@X.example".into(), "new@x.example".into())],
        }
    }

    fn doc(text: &str) -> Node {
        tree::parse(text.as_bytes()).unwrap().docs.remove(0).root
    }

    fn same(actual: &Node, expected: &str) {
        let expected = doc(expected);
        assert!(
            data_eq(actual, &expected),
            "expected {}\nactual   {}",
            show(&expected),
            show(actual)
        );
    }

    fn conditions(values: &[&str]) -> String {
        let items: Vec<String> = values
            .iter()
            .map(|v| format!("{{field: account, value: {v}}}"))
            .collect();
        format!("rules: [{{conditions: {{items: [{}]}}}}]", items.join(", "))
    }

    #[test]
    fn replace_drops_mapped_duplicates_only() {
        let mut dropped = oracle::Dropped::default();
        let input = doc(&conditions(&[
            "[b, a, a, z]",
            "[a, d, c]",
            "[b, a, b]",
            "[c, c, a]",
            "a",
            "null",
        ]));
        let out = oracle::replace(&input, &mapping(), &mut dropped);
        same(
            &out,
            &conditions(&["[b, z]", "[b, c]", "[b, b]", "[c, c, b]", "b", "null"]),
        );
    }

    #[test]
    fn replace_keeps_the_original_entry_or_the_new_accounts_own() {
        let mut dropped = oracle::Dropped::default();
        let m = mapping();
        let cases = [
            // An unmodified copy (add mode's) goes; the original stays, rewritten.
            (
                "[{id: 1, account: a, address: h@x}, {account: b, address: h@x}]",
                "[{id: 1, account: b, address: h@x}]",
            ),
            // The new account's own alias (it has an id) stays; the old one goes.
            (
                "[{account: a, address: h@x}, {id: 2, account: b, address: h@x}]",
                "[{id: 2, account: b, address: h@x}]",
            ),
            // Two old accounts with one new account: the first stays, when they say the
            // same; when they say different things both stay (dropping one would lose it).
            (
                "[{account: a, address: h@x}, {account: d, address: h@x}]",
                "[{account: b, address: h@x}]",
            ),
            (
                "[{account: a, address: h@x, name: A}, {account: d, address: h@x, name: D}]",
                "[{account: b, address: h@x, name: A}, {account: b, address: h@x, name: D}]",
            ),
            // A duplicate that was there before the mapping stays.
            (
                "[{account: a, address: h@x}, {account: a, address: h@x}]",
                "[{account: b, address: h@x}, {account: b, address: h@x}]",
            ),
            // Other addresses are other identities.
            (
                "[{account: a, address: h@x}, {account: b, address: i@x}]",
                "[{account: b, address: h@x}, {account: b, address: i@x}]",
            ),
            // Addresses are mapped case-insensitively, into the mapping's spelling.
            (
                "[{account: c, address: OLD@x.EXAMPLE}]",
                "[{account: c, address: new@x.example}]",
            ),
        ];
        for (input, expected) in cases {
            let out = oracle::replace(&doc(&format!("aliases: {input}")), &m, &mut dropped);
            same(&out, &format!("aliases: {expected}"));
        }
        let out = oracle::replace(
            &doc("sharing: [{account: b, teams: [t]}, {account: a, teams: [t], id: s}]"),
            &m,
            &mut dropped,
        );
        same(&out, "sharing: [{account: b, teams: [t], id: s}]");
    }

    #[test]
    fn add_inserts_after_each_old_value_once() {
        let input = doc(&conditions(&["a", "[a, d]", "[a, b]", "[c]", "null"]));
        let (out, turned) = oracle::add(&input, &mapping());
        same(
            &out,
            &conditions(&["[a, b]", "[a, b, d]", "[a, b]", "[c]", "null"]),
        );
        assert!(turned);
        let input = doc(
            "aliases: [{id: 1, account: a, address: Old@x.example}, {account: d, address: old@X.example}, {account: c}]",
        );
        let (out, turned) = oracle::add(&input, &mapping());
        same(
            &out,
            "aliases: [{id: 1, account: a, address: Old@x.example}, {account: b, address: new@x.example}, {account: d, address: old@X.example}, {account: c}]",
        );
        assert!(!turned);
    }

    #[test]
    fn uses_through_aliases_and_merge_keys() {
        let input = doc(
            "x-t: &t {conditions: {items: [{field: account, value: a}]}}\n\
             rules:\n  - <<: *t\n  - actions: [{from: {account: &x a}}]\n    conditions: {items: [{field: email_account, value: [c, *x]}]}\n\
             x-other: *x\n",
        );
        let findings: Vec<u32> = oracle::findings(&input, &mapping())
            .iter()
            .map(|f| f.line)
            .collect();
        assert_eq!(findings, vec![3, 4, 5]);
        let mut dropped = oracle::Dropped::default();
        let out = oracle::replace(&input, &mapping(), &mut dropped);
        assert_eq!(
            tree::show(oracle::at(&out, &[oracle::Step::Key("x-other".into())])),
            "\"a\""
        );
        let templates = tree::parse(b"x-t: &t {a: 1}\nx-u: &u {b: 1}\nrules: [{<<: *t}]\n")
            .unwrap()
            .docs
            .remove(0)
            .templates;
        assert_eq!(
            templates.into_iter().collect::<Vec<_>>(),
            vec!["x-t".to_owned()]
        );
    }
}

/// Locating a JSON export in parts (its large lists an item at a time, never its whole
/// tree: `locate::in_parts`) gives exactly what locating its whole tree gives, and so do
/// the plans made from each, in both modes, each from a file that keeps only what its mode
/// reads of the values found: on the generated exports and on every JSON fixture.
mod in_parts {
    use std::path::Path;

    use cutover::load::File;
    use cutover::locate::{Keep, locate};
    use cutover::mapping::Mapping;
    use cutover::plan::{FilePlan, Mode, plan};
    use cutover::profile::Profile;
    use cutover::source::Source;

    /// Locates in parts, keeping every value found.
    fn in_parts(
        source: Source,
        profile: &Profile,
    ) -> Result<(File, cutover::locate::Located), Box<Source>> {
        cutover::locate::in_parts(source, profile, Keep::All, None)
    }

    /// Compares both ways on one file; whether it was located in parts (not every profile
    /// or file allows it: then the whole tree serves, as it must).
    fn same(name: &str, text: &str, profile: &Profile, mapping: Option<&Mapping>) -> bool {
        let whole = File::parse(Source::from_text(name, text));
        let (parted, parted_located) = match (
            whole.as_ref(),
            // (Noting strings as `check` does for IDs of 36 bytes.)
            cutover::locate::in_parts(
                Source::from_text(name, text),
                profile,
                Keep::Nothing,
                Some(36),
            ),
        ) {
            (_, Err(source)) => {
                assert_eq!(source.text, text, "{name}: the source comes back whole");
                return false;
            }
            (Err(e), Ok(_)) => {
                panic!("{name}: located in parts, but the whole parse refuses it: {e:?}")
            }
            (Ok(_), Ok(parted)) => parted,
        };
        let whole = whole.unwrap();
        let expected = locate(&whole, profile).unwrap_or_else(|e| {
            panic!("{name}: located in parts, but the whole tree gives errors: {e:?}")
        });
        assert_eq!(
            format!("{parted_located:?}"),
            format!("{expected:?}"),
            "{name}: located differently in parts"
        );
        let show = |p: Result<FilePlan, cutover::diagnostic::Error>| match p {
            Ok(plan) => format!("{plan:?}"),
            Err(e) => format!("error: {:?}", e.diagnostics),
        };
        assert!(
            !parted.is_built(),
            "{name}: located in parts, but built whole"
        );
        // The strings noted for `check`'s mention scan are those of 36 bytes or more, or
        // holding an `@`, of every string the text holds.
        let mut strings = Vec::new();
        cutover::load::json::strings(&parted.source, 0..text.len(), |span, text, _| {
            if text.len() >= 36 || text.contains('@') {
                strings.push(span.start);
            }
            std::ops::ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(
            parted.noted().map(|n| &n.starts),
            Some(&strings),
            "{name}: the strings noted"
        );
        if let Some(mapping) = mapping {
            for mode in [Mode::Replace, Mode::Add] {
                let (parted, parted_located) = cutover::locate::in_parts(
                    Source::from_text(name, text),
                    profile,
                    mode.reads(),
                    None,
                )
                .expect("located in parts as before");
                assert_eq!(
                    show(plan(&parted, &parted_located, mapping, mode)),
                    show(plan(&whole, &expected, mapping, mode)),
                    "{name}: planned differently in parts ({mode:?})"
                );
            }
        }
        true
    }

    #[test]
    fn generated_exports() {
        let profile = Profile::resolve("missive").unwrap();
        let cases = crate::env_number("CUTOVER_DIFFERENTIAL_CASES", 300);
        let seed = crate::env_number("CUTOVER_DIFFERENTIAL_SEED", 13);
        let (mut json, mut parted) = (0, 0);
        for i in 0..cases {
            let case = crate::export::case(crate::prng::Rng::case_seed(seed, i));
            let mapping =
                Mapping::from_source(Source::from_text("mapping.yaml", &case.mapping.to_yaml()))
                    .ok();
            for file in case.render().iter().filter(|f| f.json) {
                let Ok(text) = std::str::from_utf8(&file.bytes) else {
                    continue;
                };
                json += 1;
                let name = format!("case {i} {}", file.name);
                parted += usize::from(same(&name, text, &profile, mapping.as_ref()));
            }
        }
        eprintln!("in parts: {parted} of {json} generated JSON exports");
        // Most generated JSON exports are located in parts: the comparison is not empty.
        assert!(parted * 2 > json, "{parted} of {json} located in parts");
    }

    /// An export over a megabyte, whose main list is parsed on two cores (see
    /// `load::split`), with `bad` written into rule `at`.
    fn large(at: usize, bad: &str) -> String {
        let rules: Vec<String> = (0..6000)
            .map(|i| {
                let extra = if i == at { bad } else { "" };
                let account = |k: usize| format!("acc-{}", (i + k) % 7);
                format!(
                    "{{\"id\": \"r{i}\", \"description\": \"rule {i}, \\\"q\\\"\"{extra}, \"conditions\": \
                     {{\"match\": \"all\", \"items\": [{{\"field\": \"email_account\", \"op\": \"is\", \
                     \"value\": [\"{}\", \"{}\"]}}, {{\"field\": \"subject\", \"value\": \"acc-1\"}}, \
                     {{\"match\": \"any\", \"items\": [{{\"field\": \"account\", \"value\": \"{}\"}}]}}]}}, \
                     \"actions\": [{{\"type\": \"send_response\", \"from\": {{\"account\": \"{}\", \
                     \"address\": \"Info-{}@old.example\"}}}}, {{\"type\": \"label\"}}]}}",
                    account(0),
                    account(3),
                    account(1),
                    account(2),
                    i % 5
                )
            })
            .collect();
        let text = format!(
            "{{\"schema_version\": 1, \"accounts\": [{{\"id\": \"acc-0\"}}, {{\"id\": \"n-0\"}}], \
             \"rules\": [\n  {}\n], \"aliases\": [{{\"account\": \"acc-0\", \"address\": \
             \"info-0@old.example\"}}, {{\"account\": \"n-0\", \"address\": \"info-0@new.example\"}}], \
             \"sharing\": [{{\"account\": \"acc-1\"}}]}}\n",
            rules.join(",\n  ")
        );
        assert!(text.len() > 1 << 20);
        text
    }

    #[test]
    fn a_large_export_on_two_cores() {
        let profile = Profile::resolve("missive").unwrap();
        let mapping = Mapping::from_source(Source::from_text(
            "mapping.yaml",
            "schema_version: 1\naccounts:\n  acc-0: n-0\n  acc-3: n-3\naddresses:\n  info-0@old.example: info-0@new.example\n  INFO-3@old.example: info-3@new.example\n",
        ))
        .unwrap();
        assert!(same(
            "large.json",
            &large(usize::MAX, ""),
            &profile,
            Some(&mapping)
        ));
        // Locating, and naming the accounts and settings, need no whole tree; nor does the
        // plan of a rewrite that only swaps strings (debug builds, this test's, prove every
        // such plan again by a re-parse, which reads the tree).
        let text = large(usize::MAX, "").replace("\"info-0@new.example\"", "\"x@y.example\"");
        let (file, located) = cutover::locate::in_parts(
            Source::from_text("large.json", &text),
            &profile,
            Mode::Replace.reads(),
            None,
        )
        .unwrap();
        assert_eq!(cutover::accounts::declared([&file]).len(), 2);
        let plan = plan(&file, &located, &mapping, Mode::Replace).unwrap();
        assert!(!plan.edits.is_empty());
        assert_eq!(
            file.is_built(),
            cfg!(debug_assertions),
            "the replace plan built the whole tree"
        );
        // An error in either half, or a second half the scan cannot use, leaves the file to
        // the whole parse, which refuses it the same way.
        for (at, bad) in [(5000, ", \"id\": 1"), (10, ", \"x\": ]"), (4000, "\u{1}")] {
            let text = large(at, bad);
            assert!(!same("bad.json", &text, &profile, None), "rule {at}: {bad}");
            assert!(File::parse(Source::from_text("bad.json", &text)).is_err());
        }
        // A reference that is no string, in the second half: the whole tree words it.
        let mut text = large(usize::MAX, "");
        let rule = text.find("\"r5500\"").unwrap();
        let from = rule + text[rule..].find("\"from\": {\"account\": ").unwrap() + 20;
        text.insert_str(from, "7, \"was\": ");
        assert!(File::parse(Source::from_text("nonstring.json", &text)).is_ok());
        assert!(!same("nonstring.json", &text, &profile, None));
    }

    /// A profile from its YAML text.
    fn profile_of(yaml: &str) -> Profile {
        Profile::from_source(Source::from_text("profile.yaml", yaml)).unwrap()
    }

    /// A mapping of two of `large`'s accounts, `acc-0` and `acc-3`.
    fn two_accounts_mapped() -> Mapping {
        Mapping::from_source(Source::from_text(
            "mapping.yaml",
            "schema_version: 1\naccounts:\n  acc-0: n-0\n  acc-3: n-3\n",
        ))
        .unwrap()
    }

    /// The pieces of a large export join as the whole tree orders them (`locate::join`)
    /// under a profile whose settings come from several selectors: one outside the streamed
    /// list listed first (aliases, moved whole in add mode, so not streamed), one below the
    /// list's items (each action, around its own references) and the items themselves; on
    /// two cores, so that the second thread's items, settings and lists are renumbered.
    #[test]
    fn settings_of_several_selectors_join_in_order() {
        let profile = profile_of(
            "schema_version: 1\nname: layered\nexport_schema_version: 1\nreferences:\n  \
             - path: \"$.rules[*].conditions..items[?@.field == 'email_account' || @.field == 'account'].value\"\n    \
             kind: account\n    add: list\n  \
             - path: \"$.rules[*].actions[*].from.account\"\n    kind: account\n  \
             - path: \"$.aliases[*].account\"\n    kind: account\n    add: copy\n\
             declarations:\n  - path: \"$.accounts[*].id\"\n    kind: account\n\
             holders:\n  \
             - path: \"$.aliases[*]\"\n    name: aliases\n    label: \"alias {address}\"\n  \
             - path: \"$.rules[*].actions[*]\"\n    name: actions\n    label: \"action {type}\"\n  \
             - path: \"$.rules[*]\"\n    name: rules\n    label: \"rule {id}\"\n",
        );
        let mapping = two_accounts_mapped();
        let text = large(usize::MAX, "");
        assert!(same("layered.json", &text, &profile, Some(&mapping)));
        let (_, located) = in_parts(Source::from_text("layered.json", &text), &profile).unwrap();
        // (Settings by selector, then by place: the aliases, every action, every rule.)
        let groups: Vec<&str> = located.holders.iter().map(|h| h.group()).collect();
        let first = |group| groups.iter().position(|g| *g == group).unwrap();
        assert!(first("aliases") < first("actions") && first("actions") < first("rules"));
        assert_eq!(groups.iter().filter(|g| **g == "actions").count(), 12000);
        let from = located
            .references
            .iter()
            .find(|r| located.path(r).len() == 6 && located.path(r)[1] == 5999)
            .unwrap();
        assert_eq!(
            located.holder(from).unwrap().label.as_ref(),
            "action send_response"
        );
    }

    /// Two streamed lists, each with its settings, and the one split across the two
    /// threads the second of them: its pieces join after the first list's, with its own
    /// entry's items renumbered; a reference two selectors find is one.
    #[test]
    fn two_streamed_lists_join_in_order() {
        let profile = profile_of(
            "schema_version: 1\nname: two\nreferences:\n  \
             - path: \"$.rules[*].actions[*].from.account\"\n    kind: account\n  \
             - path: \"$.sharing[*].account\"\n    kind: account\n  \
             - path: \"$.sharing[*].members[*]\"\n    kind: account\n  \
             - path: \"$.sharing[*]..account\"\n    kind: account\n\
             holders:\n  \
             - path: \"$.sharing[*]\"\n    name: sharing\n    label: \"sharing of {account}\"\n  \
             - path: \"$.rules[*]\"\n    name: rules\n    label: \"rule {id}\"\n",
        );
        let mapping = two_accounts_mapped();
        let rules: Vec<String> = (0..500)
            .map(|i| {
                format!(
                    "{{\"id\": \"r{i}\", \"actions\": [{{\"from\": {{\"account\": \"acc-{}\"}}}}]}}",
                    i % 7
                )
            })
            .collect();
        let sharing: Vec<String> = (0..20000)
            .map(|i| {
                format!(
                    "{{\"account\": \"acc-{}\", \"members\": [\"acc-{}\", \"acc-{}\"], \
                     \"note\": \"a sharing entry long enough to make the list cross the middle\"}}",
                    i % 7,
                    (i + 3) % 7,
                    (i + 1) % 7
                )
            })
            .collect();
        let text = format!(
            "{{\"rules\": [\n  {}\n], \"accounts\": [], \"sharing\": [\n  {}\n], \"tail\": 1}}\n",
            rules.join(",\n  "),
            sharing.join(",\n  ")
        );
        assert!(text.len() > 1 << 20);
        assert!(same("two.json", &text, &profile, Some(&mapping)));
        let (_, located) = in_parts(Source::from_text("two.json", &text), &profile).unwrap();
        assert_eq!(located.holders.len(), 20500);
        assert_eq!(located.holders[0].group(), "sharing");
        // (Each sharing entry: its account, found by two selectors, once; two members.)
        assert_eq!(located.references.len(), 500 + 20000 * 3);
        let last = located.references.last().unwrap();
        assert_eq!(located.path(last), [2, 19999, 1, 1]);
    }

    /// Shapes the parts cannot serve go to the whole tree, which reads them as main does: a
    /// single mapping where a list of entries is expected (an error there), in the second
    /// half of a large list; and a streamed key that holds a mapping of entries by name (a
    /// wildcard takes its values, and the references in them count).
    #[test]
    fn shapes_left_to_the_whole_tree() {
        let profile = Profile::resolve("missive").unwrap();
        let mut text = large(usize::MAX, "");
        let rule = text.find("\"r5500\"").unwrap();
        let items = rule + text[rule..].find("\"items\": [").unwrap();
        // (The list ends after its last item's own list: `...}]}]`.)
        let end = items + text[items..].find("}]}]").unwrap() + 3;
        let one = "\"items\": {\"field\": \"email_account\", \"value\": \"acc-0\"}";
        text.replace_range(items..end + 1, one);
        let whole = File::parse(Source::from_text("misshapen.json", &text)).unwrap();
        let error = locate(&whole, &profile).unwrap_err();
        assert!(
            format!("{:?}", error.diagnostics).contains("is a single mapping where"),
            "{:?}",
            error.diagnostics
        );
        assert!(!same("misshapen.json", &text, &profile, None));

        let keyed = "{\"schema_version\": 1, \"rules\": {\"r1\": {\"id\": \"r1\", \"conditions\": \
                     {\"match\": \"all\", \"items\": [{\"field\": \"email_account\", \"value\": \
                     [\"acc-0\"]}]}}}}\n";
        let whole = File::parse(Source::from_text("keyed.json", keyed)).unwrap();
        assert!(!locate(&whole, &profile).unwrap().references.is_empty());
        assert!(!same("keyed.json", keyed, &profile, None));
    }

    /// Adversarial shapes in a streamed list split across the two threads, under
    /// profiles that stress `join`: items that are no mappings (strings, numbers, null,
    /// lists) mixed in; holders on the items of lists nested in the items; filters on a
    /// key only some items have; references to a whole list (some empty) and to its
    /// items; references outside the streamed lists before, between and after them.
    #[test]
    fn mixed_items_nested_holders_and_whole_lists_join() {
        let item = |i: usize| {
            let a = |k: usize| format!("acc-{}", (i + k) % 7);
            let tags = if i.is_multiple_of(3) {
                String::from("[]")
            } else {
                format!("[\"{}\", \"{}\"]", a(1), a(2))
            };
            let owner = if i.is_multiple_of(4) {
                format!(", \"owner\": \"{}\"", a(3))
            } else {
                String::new()
            };
            match i % 11 {
                5 => String::from("\"just a string\""),
                7 => i.to_string(),
                9 => String::from("null"),
                10 => format!("[\"{}\"]", a(0)),
                _ => format!(
                    "{{\"id\": \"r{i}\", \"tags\": {tags}{owner}, \"conditions\": {{\"items\": \
                     [{{\"field\": \"account\", \"value\": \"{}\"}}, {{\"field\": \"x\", \"value\": \
                     \"{}\", \"sub\": {{\"account\": \"{}\"}}}}]}}, \"pad\": \"padding padding\"}}",
                    a(0),
                    a(4),
                    a(5)
                ),
            }
        };
        let list = |n: usize| {
            format!(
                "[\n  {}\n]",
                (0..n).map(item).collect::<Vec<_>>().join(",\n  ")
            )
        };
        let (big, small) = (list(20000), list(300));
        let texts = [
            format!(
                "{{\"meta\": {{\"owner\": \"acc-0\"}}, \"rules\": {big}, \"mid\": {{\"owner\": \
                 \"acc-3\"}}, \"sharing\": {small}, \"end\": {{\"owner\": \"acc-0\"}}}}\n"
            ),
            format!(
                "{{\"sharing\": {small}, \"mid\": {{\"owner\": \"acc-3\"}}, \"rules\": {big}, \
                 \"meta\": {{\"owner\": \"acc-0\"}}}}\n"
            ),
        ];
        let profiles = [
            "schema_version: 1\nname: nested\nreferences:\n  \
             - path: \"$.rules[*].conditions.items[*].value\"\n    kind: account\n  \
             - path: \"$.rules[*].conditions.items[?@.sub].sub.account\"\n    kind: account\n  \
             - path: \"$.rules[*]..account\"\n    kind: account\n  \
             - path: \"$.rules[*][0]\"\n    kind: account\n  \
             - path: \"$.sharing[*].owner\"\n    kind: account\n  \
             - path: \"$.meta.owner\"\n    kind: account\n  \
             - path: \"$.end.owner\"\n    kind: account\n\
             holders:\n  \
             - path: \"$.rules[*].conditions.items[?@.sub]\"\n    name: with_sub\n    label: \"sub {field}\"\n  \
             - path: \"$.rules[*].conditions.items[*]\"\n    name: conditions\n    label: \"condition {field}\"\n  \
             - path: \"$.sharing[*]\"\n    name: sharing\n    label: \"sharing {id}\"\n  \
             - path: \"$.rules[*]\"\n    name: rules\n    label: \"rule {id}\"\n",
            "schema_version: 1\nname: lists\nreferences:\n  \
             - path: \"$.rules[*].tags\"\n    kind: account\n    add: list\n  \
             - path: \"$.rules[*].tags[*]\"\n    kind: account\n  \
             - path: \"$.mid.owner\"\n    kind: account\n",
        ];
        let mapping = two_accounts_mapped();
        for yaml in profiles {
            let profile = profile_of(yaml);
            for (i, text) in texts.iter().enumerate() {
                assert!(text.len() > 1 << 20);
                let name = format!("{} text {i}", profile.name);
                assert!(
                    same(&name, text, &profile, Some(&mapping)),
                    "{name}: not in parts"
                );
            }
        }
    }

    #[test]
    fn fixtures() {
        let mut files = Vec::new();
        let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "json") {
                    files.push(path);
                }
            }
        }
        files.sort();
        // The built-in profiles for JSON, and every profile of the fixtures.
        let profiles: Vec<Profile> = ["missive", "gmail", "graph"]
            .iter()
            .map(|name| Profile::resolve(name).unwrap())
            .chain(
                std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/profiles"))
                    .unwrap()
                    .filter_map(|dir| {
                        Profile::resolve(dir.ok()?.path().join("profile.yaml").to_str()?).ok()
                    }),
            )
            .collect();
        assert!(profiles.len() > 4);
        let mut parted = 0;
        for path in &files {
            let text = std::fs::read_to_string(path).unwrap();
            // The mapping beside the export, when there is one.
            let mapping = ["mapping.yaml", "mapping.json"]
                .iter()
                .flat_map(|m| path.ancestors().skip(1).take(2).map(move |d| d.join(m)))
                .find(|m| m.is_file() && m != path)
                .and_then(|m| Mapping::read(&m).ok());
            for profile in &profiles {
                let name = format!("{} ({})", path.display(), profile.name);
                parted += usize::from(same(&name, &text, profile, mapping.as_ref()));
            }
        }
        eprintln!(
            "in parts: {parted} of {} fixtures and profiles",
            files.len() * profiles.len()
        );
        assert!(parted > 5, "only {parted} fixtures located in parts");
    }
}
