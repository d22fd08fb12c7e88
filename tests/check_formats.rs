//! Machine-readable check output: the JSON matches its published schema, the SARIF has the
//! shape SARIF 2.1.0 requires, and every GitHub line is a well-formed workflow command.

mod common;

use common::{Cutover, copy_tree, own_work_tree, scratch, testdata};

/// A copy of `testdata/check` as the top of a git work tree of its own (a `.git` holding
/// `HEAD` is what marks one), so that paths from the repository root are known.
fn repository(name: &str) -> std::path::PathBuf {
    let dir = scratch(name);
    copy_tree(&testdata("check"), &dir);
    own_work_tree(&dir);
    dir
}

fn check_in(dir: &std::path::Path, format: &str, export: &str) -> String {
    Cutover::new(&[
        "check",
        "--mapping",
        "mapping.yaml",
        "--format",
        format,
        export,
    ])
    .current_dir(dir)
    .expect(1)
    .stdout
}

fn check(format: &str) -> String {
    check_in(&repository(&format!("check-{format}")), format, "export")
}

/// GitHub places annotations (and code scanning SARIF results) by the path from the
/// repository's root, wherever the job ran: from a subdirectory, the paths still start
/// there. The human and JSON formats keep the paths as given.
#[test]
fn annotations_name_files_from_the_repository_root() {
    let dir = repository("check-from-subdirectory");
    let mapping = dir.join("mapping.yaml");
    let run = |format: &str| {
        Cutover::new(&[
            "check",
            "--mapping",
            mapping.to_str().unwrap(),
            "--format",
            format,
            ".",
        ])
        .current_dir(&dir.join("export"))
        .expect(1)
        .stdout
    };
    let github = run("github");
    assert_eq!(github.lines().count(), 7);
    assert!(
        github
            .lines()
            .all(|l| l.contains(" file=export/") && !l.contains("file=./")),
        "{github}"
    );
    let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).unwrap();
    for result in sarif["runs"][0]["results"].as_array().unwrap() {
        let uri = &result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
        assert!(uri.as_str().unwrap().starts_with("export/"), "{uri}");
    }
    let json: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    assert!(
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| !f["path"].as_str().unwrap().starts_with("export/"))
    );
}

#[test]
fn json_output_matches_its_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(testdata("../schemas/check-output.schema.json")).unwrap(),
    )
    .unwrap();
    let report: serde_json::Value = serde_json::from_str(&check("json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(report["summary"]["errors"], 4);
    assert_eq!(report["summary"]["warnings"], 3);
    // Columns count characters: "Ünïcödé désk" stands before the reference.
    let alias = findings
        .iter()
        .find(|f| f["path"] == "export/aliases.json" && f["kind"] == "removed")
        .unwrap();
    assert_eq!(
        (alias["line"].as_u64(), alias["column"].as_u64()),
        (Some(4), Some(53))
    );
    // A reference through a YAML alias is reported where the alias stands.
    assert!(
        findings
            .iter()
            .any(|f| f["line"] == 13 && f["column"] == 47 && f["kind"] == "removed")
    );
    let dangling: Vec<_> = findings
        .iter()
        .filter(|f| f["kind"] == "dangling")
        .collect();
    assert_eq!(dangling.len(), 1);
    assert_eq!(
        dangling[0]["account"],
        "dead0000-aaaa-4bbb-8ccc-000000000000"
    );
}

#[test]
fn sarif_output_has_the_required_shape() {
    let log: serde_json::Value = serde_json::from_str(&check("sarif")).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "cutover");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "removed",
            "dangling",
            "mention",
            "uncovered",
            "left-for-cutover",
            "many-to-one",
            "stale-baseline"
        ]
    );
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 7);
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(result["ruleId"], rules[index]["id"]);
        assert!(["error", "warning"].contains(&result["level"].as_str().unwrap()));
        assert!(
            result["message"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
        let location = &result["locations"][0]["physicalLocation"];
        assert!(
            location["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .starts_with("export/")
        );
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(location["region"]["startColumn"].as_u64().unwrap() >= 1);
    }
}

#[test]
fn github_lines_are_well_formed_commands() {
    let out = check("github");
    assert_eq!(out.lines().count(), 7);
    for line in out.lines() {
        let (head, message) = line
            .split_once("::")
            .map(|(_, rest)| rest.split_once("::").unwrap())
            .unwrap();
        let (command, properties) = head.split_once(' ').unwrap();
        assert!(command == "error" || command == "warning", "{line}");
        let keys: Vec<&str> = properties
            .split(',')
            .map(|p| p.split_once('=').unwrap().0)
            .collect();
        assert_eq!(keys, ["file", "line", "col", "title"], "{line}");
        assert!(!message.is_empty() && !message.contains('\n'));
    }
}

#[test]
fn check_passes_after_apply() {
    let dir = scratch("check-after-apply");
    copy_tree(&testdata("check"), &dir);
    Cutover::new(&["apply", "--mapping", "mapping.yaml", "export"])
        .current_dir(&dir)
        .expect(0);
    // The undeclared account is still referenced: only the removed ones are gone.
    let out = Cutover::new(&[
        "check",
        "--mapping",
        "mapping.yaml",
        "--format",
        "json",
        "export",
    ])
    .current_dir(&dir)
    .expect(1);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let kinds: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["dangling"]);
    copy_tree(&testdata("demo"), &dir.join("demo"));
    Cutover::new(&["apply", "--mapping", "mapping.yaml", "export"])
        .current_dir(&dir.join("demo"))
        .expect(0);
    Cutover::new(&["check", "--mapping", "mapping.yaml", "export"])
        .current_dir(&dir.join("demo"))
        .expect(0);
}

fn validate(schema_file: &str, value: &serde_json::Value) {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(testdata(&format!("../schemas/{schema_file}"))).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{schema_file}: {errors:?}");
}

/// The transition gate's kinds in every format: the JSON matches the schema, SARIF and
/// GitHub name the same kinds, and the counts agree.
#[test]
fn transition_findings_carry_their_kind_in_every_format() {
    let run = |format: &str| {
        Cutover::new(&[
            "check",
            "--mode",
            "add",
            "--mapping",
            "mapping.yaml",
            "--removed-host",
            "oldmail.example",
            "--format",
            format,
            "export",
        ])
        .current_dir(&testdata("gate"))
        .expect(1)
        .stdout
    };
    let report: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    validate("check-output.schema.json", &report);
    let kinds: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    let count = |kind: &str| kinds.iter().filter(|k| **k == kind).count();
    // sales@ is on the old host and unmapped: nothing can cover it, so its five
    // references stay `removed`; every other old reference is covered or left.
    assert_eq!(
        (
            count("uncovered"),
            count("left-for-cutover"),
            count("removed")
        ),
        (8, 1, 5),
        "{kinds:?}"
    );
    assert_eq!(kinds.len(), 14);
    let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).unwrap();
    let sarif_kinds: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(sarif_kinds, kinds);
    let github = run("github");
    let github_kinds: Vec<&str> = github
        .lines()
        .map(|l| {
            let title = l.split("title=cutover[").nth(1).unwrap();
            &title[..title.find(']').unwrap()]
        })
        .collect();
    assert_eq!(github_kinds, kinds);
}

#[test]
fn a_written_baseline_matches_its_schema_and_is_read_back() {
    let dir = scratch("baseline-schema");
    copy_tree(&testdata("gate"), &dir);
    Cutover::new(&[
        "check",
        "--mapping",
        "mapping.yaml",
        "--removed-host",
        "oldmail.example",
        "--write-baseline",
        "ci/baseline.json",
        "export",
    ])
    .current_dir(&dir)
    .run();
    // The directory is missing: refused, nothing half-written.
    assert!(!dir.join("ci/baseline.json").exists());
    std::fs::create_dir(dir.join("ci")).unwrap();
    let written = Cutover::new(&[
        "check",
        "--mapping",
        "mapping.yaml",
        "--removed-host",
        "oldmail.example",
        "--write-baseline",
        "ci/baseline.json",
        "export",
    ])
    .current_dir(&dir)
    .expect(0);
    assert!(
        written.stderr.contains("wrote 14 findings"),
        "{}",
        written.stderr
    );
    let baseline: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("ci/baseline.json")).unwrap())
            .unwrap();
    validate("check-baseline.schema.json", &baseline);
    // Paths are relative to the baseline, so the check may run from anywhere.
    assert_eq!(baseline["findings"][0]["file"], "../export/aliases.json");
    let from_inside = Cutover::new(&[
        "check",
        "--mapping",
        "../mapping.yaml",
        "--removed-host",
        "oldmail.example",
        "--baseline",
        "../ci/baseline.json",
        "--format",
        "json",
        ".",
    ])
    .current_dir(&dir.join("export"))
    .expect(0);
    let report: serde_json::Value = serde_json::from_str(&from_inside.stdout).unwrap();
    assert_eq!(report["summary"]["baselined"], 14);
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
    // A baseline that does not exist, or is not a baseline, stops the check (exit 2).
    for (name, text) in [
        ("missing.json", None),
        ("bad.json", Some("{\"schema_version\": 1}")),
    ] {
        if let Some(text) = text {
            std::fs::write(dir.join(name), text).unwrap();
        }
        let out = Cutover::new(&[
            "check",
            "--mapping",
            "mapping.yaml",
            "--baseline",
            name,
            "export",
        ])
        .current_dir(&dir)
        .expect(2);
        assert!(out.stderr.contains(name), "{}", out.stderr);
    }
}

/// `check` on Sieve scripts, in every format: the JSON matches its schema, each finding
/// points at the address it names (its line and column), a mention an out-of-office text
/// makes twice is reported at each place, and an address spelled with encoded characters
/// is reported at its string.
#[test]
fn sieve_findings_point_at_the_addresses() {
    let dir = scratch("check-sieve");
    copy_tree(&testdata("sieve"), &dir);
    // The top of a work tree, as in a repository of exports.
    own_work_tree(&dir);
    std::fs::write(
        dir.join("export/twice.sieve"),
        "require \"vacation\";\nvacation :addresses \"info@acme-old.example\" text:\nWrite to sales@acme-old.example,\nnot info@acme.example: sales@acme-old.example reads it.\n.\n;\n",
    )
    .unwrap();
    let run = |format: &str| {
        Cutover::new(&[
            "check",
            "--mapping",
            "mapping.yaml",
            "--format",
            format,
            "export",
        ])
        .current_dir(&dir)
        .expect(1)
        .stdout
    };
    let report: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(testdata("../schemas/check-output.schema.json")).unwrap(),
    )
    .unwrap();
    assert!(
        jsonschema::validator_for(&schema)
            .unwrap()
            .is_valid(&report)
    );
    let findings = report["findings"].as_array().unwrap();
    for f in findings {
        let text = std::fs::read_to_string(dir.join(f["path"].as_str().unwrap())).unwrap();
        let line = text
            .lines()
            .nth(f["line"].as_u64().unwrap() as usize - 1)
            .unwrap();
        let at: String = line
            .chars()
            .skip(f["column"].as_u64().unwrap() as usize - 1)
            .collect();
        let account = f["account"].as_str().unwrap();
        let spelled = f["message"]
            .as_str()
            .unwrap()
            .contains("spelled with encoded characters");
        assert!(
            at.starts_with(account) || at.starts_with(&format!("\"{account}\"")) || spelled,
            "{f}: points at {at:?}"
        );
    }
    let twice: Vec<(u64, u64)> = findings
        .iter()
        .filter(|f| f["path"] == "export/twice.sieve" && f["account"] == "sales@acme-old.example")
        .map(|f| (f["line"].as_u64().unwrap(), f["column"].as_u64().unwrap()))
        .collect();
    assert_eq!(twice, [(3, 10), (4, 24)]);
    // The other formats carry the same findings.
    let github = run("github");
    assert_eq!(github.lines().count(), findings.len());
    assert!(github.contains("::warning file=export/twice.sieve,line=4,col=24,"));
    let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"].as_array().unwrap().len(),
        findings.len()
    );
    let human = run("human");
    assert!(human.contains("export/encoded.siv:3:23: error[removed]: if at line 3 references removed address billing@acme-old.example, spelled with encoded characters"));
}
