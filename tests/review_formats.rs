//! The review formats of `diff`: the JSON matches its published schema and lists exactly the
//! references `check` reports before the change; after the cutover only what it lists as
//! unmoved remains; the HTML page loads nothing from anywhere.

mod common;

use common::{Cutover, copy_tree, scratch, testdata};

/// `cutover diff --format FORMAT` (and `--mode MODE`) on a fixture tree, naming files from
/// the fixture's directory as `check` does (`--relative`: the fixtures lie in this
/// repository's git work tree, which would otherwise be the root).
fn review(fixture: &str, mode: &str, format: &str) -> String {
    Cutover::new(&[
        "diff",
        "--relative",
        "--mode",
        mode,
        "--format",
        format,
        "--mapping",
        "mapping.yaml",
        "export",
    ])
    .current_dir(&testdata(fixture))
    .expect(0)
    .stdout
}

fn json(fixture: &str, mode: &str) -> serde_json::Value {
    serde_json::from_str(&review(fixture, mode, "json")).unwrap()
}

#[test]
fn json_matches_its_schema_in_both_modes() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(testdata("../schemas/review.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for fixture in ["demo", "check", "formats", "cases/gate-addresses.in"] {
        for mode in ["replace", "add"] {
            let review = json(fixture, mode);
            let errors: Vec<String> = validator
                .iter_errors(&review)
                .map(|e| e.to_string())
                .collect();
            assert!(errors.is_empty(), "{fixture} {mode}: {errors:?}");
        }
    }
}

/// (path, line, column, value) of each reference `check` reports as removed.
fn checked(dir: &std::path::Path) -> Vec<(String, u64, u64, String)> {
    let out = Cutover::new(&[
        "check",
        "--mapping",
        "mapping.yaml",
        "--format",
        "json",
        "export",
    ])
    .current_dir(dir)
    .run();
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let mut found: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "removed")
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["account"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn json_lists_exactly_what_check_reports_and_only_the_unmoved_remains_after_the_cutover() {
    for fixture in [
        "demo",
        "check",
        "formats",
        "transition/demo-after-add",
        "cases/gate-addresses.in",
    ] {
        let dir = testdata(fixture);
        let mut unmoved = Vec::new();
        for mode in ["replace", "add"] {
            let review = json(fixture, mode);
            // What the mapping does not move is listed apart, and stays.
            unmoved = review["unmoved"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| {
                    (
                        u["path"].as_str().unwrap().to_owned(),
                        u["line"].as_u64().unwrap(),
                        u["column"].as_u64().unwrap(),
                        u["value"].as_str().unwrap().to_owned(),
                    )
                })
                .collect::<Vec<_>>();
            assert_eq!(
                review["summary"]["unmoved"].as_u64(),
                Some(unmoved.len() as u64)
            );
            let mut listed: Vec<_> = review["changes"]
                .as_array()
                .unwrap()
                .iter()
                // Old values only: dropped copies hold new values.
                .filter(|c| !c["to"].is_null())
                .map(|c| {
                    (
                        c["path"].as_str().unwrap().to_owned(),
                        c["line"].as_u64().unwrap(),
                        c["column"].as_u64().unwrap(),
                        c["from"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            listed.extend(unmoved.iter().cloned());
            listed.sort();
            let expected = checked(&dir);
            // check reports addresses as written; the review too.
            assert_eq!(listed, expected, "{fixture} {mode}");
            let remaining = review["summary"]["remaining"].as_u64().unwrap();
            match mode {
                "replace" => assert_eq!(remaining, 0, "{fixture}"),
                _ => assert_eq!(
                    remaining as usize,
                    expected.len() - unmoved.len(),
                    "{fixture}"
                ),
            }
        }
        // And after applying the cutover, check agrees: only what the mapping does not
        // move is left.
        let work = scratch(&format!("review-{}", fixture.replace('/', "-")));
        copy_tree(&dir, &work);
        Cutover::new(&["apply", "--mapping", "mapping.yaml", "export"])
            .current_dir(&work)
            .expect(0);
        unmoved.sort();
        assert_eq!(checked(&work), unmoved, "{fixture}");
    }
}

#[test]
fn json_names_accounts_by_their_declarations() {
    let review = json("demo", "replace");
    let info = review["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["from"] == "716be7a6-fd40-45a2-bfcb-43b9ed38d1f0")
        .unwrap();
    assert_eq!(info["from_account"]["address"], "info@acme-old.example");
    assert_eq!(info["from_account"]["host"], "imap.oldmail.example");
    assert_eq!(info["to_account"]["host"], "imap.newmail.example");
    assert_eq!(info["references"], 6);
    let summary = &review["summary"];
    assert_eq!(summary["remaining"], 0);
    assert_eq!(
        summary["removable"].as_array().unwrap().len(),
        3,
        "{summary}"
    );
}

#[test]
fn the_html_page_stands_alone() {
    let page = review("demo", "replace", "html");
    assert!(page.starts_with("<!DOCTYPE html>"));
    for outside in [
        "http://", "https://", "src=", "<script", "url(", "@import", "<link",
    ] {
        assert!(!page.contains(outside), "the page refers to {outside}");
    }
    // Names beside IDs, the gate and the patch.
    assert!(page.contains("info@acme-old.example"));
    assert!(page.contains("imap.newmail.example"));
    assert!(page.contains("id=\"gate\""));
    assert!(page.contains("<details id=\"patch\">"));
}

/// A tree whose export's text is hostile: an organisation that drives the terminal.
fn hostile(name: &str, accounts: &str, rules: &str) -> std::path::PathBuf {
    let dir = scratch(name);
    std::fs::create_dir(dir.join("export")).unwrap();
    std::fs::write(
        dir.join("export/all.yaml"),
        format!(
            "schema_version: 1\norganization: \"Acme Ltd\\e[8m\"\naccounts:\n{accounts}rules:\n{rules}"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("mapping.yaml"),
        "schema_version: 1\naccounts:\n  716be7a6-fd40-45a2-bfcb-43b9ed38d1f0: \
         3f9c2a10-5b7e-4c1d-9a8e-2d4f6b8c0e13\n",
    )
    .unwrap();
    dir
}

const ACCOUNTS: &str = "  - {id: 716be7a6-fd40-45a2-bfcb-43b9ed38d1f0, type: email, address: \
    info@acme-old.example, name: Acme Info, imap: {host: imap.oldmail.example}}
  - {id: 3f9c2a10-5b7e-4c1d-9a8e-2d4f6b8c0e13, type: email, address: info@acme.example, \
    name: Acme Info, imap: {host: imap.newmail.example}}
";

const RULES: &str = "  - id: r1
    description: \"01. Support triage\"
    conditions: {match: all, items: [{field: email_account, op: is, value: \
    [716be7a6-fd40-45a2-bfcb-43b9ed38d1f0]}]}
";

fn run_in(dir: &std::path::Path, args: &[&str]) -> String {
    Cutover::new(args).current_dir(dir).expect(0).stdout
}

/// The organisation is the export's own text: the review and the checklist show it
/// escaped, as they show names, never with the escape sequences it holds.
#[test]
fn the_organization_is_shown_inert() {
    let dir = hostile("review-organization", ACCOUNTS, RULES);
    for args in [
        &[
            "diff",
            "--format",
            "review",
            "--mapping",
            "mapping.yaml",
            "export",
        ][..],
        &["checklist", "--mapping", "mapping.yaml", "export"],
    ] {
        let out = run_in(&dir, args);
        assert!(!out.contains('\x1b'), "{args:?}: {out}");
        assert!(out.contains("Acme Ltd\\033[8m"), "{args:?}: {out}");
    }
    // Programs get the text as it is.
    let json: serde_json::Value = serde_json::from_str(&run_in(
        &dir,
        &[
            "diff",
            "--format",
            "json",
            "--mapping",
            "mapping.yaml",
            "export",
        ],
    ))
    .unwrap();
    assert_eq!(json["organization"], "Acme Ltd\x1b[8m");
}

/// Every text of the export's that reaches the page (the organisation, an account's fields,
/// a rule's name) is shown as names are: a host written backwards behind a right-to-left
/// override must not read as the real host, a zero-width space must not hide.
#[test]
fn the_html_page_shows_the_exports_text_inert() {
    let accounts = format!(
        "{ACCOUNTS}  - {{id: 31e0c8b6f4d2-e8a9-d1c4-e7b5-01a2c9f3, type: email, address: \
         \"info@acme.example\\u200B\", name: \"Acme\\u2028Info\", imap: {{host: \
         \"\\u202Eelpmaxe.liamwen.pami\"}}}}\n"
    );
    let dir = hostile("review-html-inert", &accounts, RULES);
    std::fs::write(
        dir.join("mapping.yaml"),
        "schema_version: 1\naccounts:\n  716be7a6-fd40-45a2-bfcb-43b9ed38d1f0: \
         31e0c8b6f4d2-e8a9-d1c4-e7b5-01a2c9f3\n",
    )
    .unwrap();
    let page = run_in(
        &dir,
        &[
            "diff",
            "--format",
            "html",
            "--mapping",
            "mapping.yaml",
            "export",
        ],
    );
    for hidden in ['\x1b', '\u{202e}', '\u{200b}', '\u{2028}'] {
        assert!(!page.contains(hidden), "{hidden:?} on the page");
    }
    for escaped in [
        "Acme Ltd\\033[8m",
        "\\342\\200\\256elpmaxe.liamwen.pami",
        "info@acme.example\\342\\200\\213",
        "Acme\\342\\200\\250Info",
    ] {
        assert!(page.contains(escaped), "{escaped} not on the page");
    }
}

/// A file name is the export's own text too: formats for people escape it, formats for
/// programs (the review's and check's JSON, SARIF) hold it as it is.
#[test]
fn machine_formats_hold_file_names_as_they_are() {
    let dir = hostile("review-real-names", ACCOUNTS, RULES);
    let odd = "a\nb\x1b[31m\u{202e}.yaml";
    std::fs::rename(dir.join("export/all.yaml"), dir.join("export").join(odd)).unwrap();
    let real = format!("export/{odd}");
    let json: serde_json::Value = serde_json::from_str(&run_in(
        &dir,
        &[
            "diff",
            "--relative",
            "--format",
            "json",
            "--mapping",
            "mapping.yaml",
            "export",
        ],
    ))
    .unwrap();
    assert_eq!(json["changes"][0]["path"], real.as_str());
    let review = run_in(
        &dir,
        &[
            "diff",
            "--relative",
            "--format",
            "review",
            "--mapping",
            "mapping.yaml",
            "export",
        ],
    );
    assert!(
        review.contains("export/a\\nb\\033[31m\\342\\200\\256.yaml:"),
        "{review}"
    );
    let check = |format: &str| {
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
    let findings: serde_json::Value = serde_json::from_str(&check("json")).unwrap();
    assert_eq!(findings["findings"][0]["path"], real.as_str());
    let sarif: serde_json::Value = serde_json::from_str(&check("sarif")).unwrap();
    // (Named from the git work tree's root, when the scratch directory lies in one.)
    let uri = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"];
    assert!(
        uri.as_str()
            .is_some_and(|u| u.ends_with("export/a%0Ab%1B%5B31m%E2%80%AE.yaml")),
        "{uri}"
    );
    let human = check("human");
    assert!(
        human.contains("export/a\\nb\\033[31m\\342\\200\\256.yaml:"),
        "{human}"
    );
}

/// A setting's name is the export's text too: check's JSON holds it as it is, its messages
/// (for people) show it escaped.
#[test]
fn check_holds_setting_names_as_they_are() {
    let rules = RULES.replace("01. Support triage", "01. Triage\\e[8m");
    let dir = hostile("check-real-holders", ACCOUNTS, &rules);
    let out = Cutover::new(&[
        "check",
        "--mapping",
        "mapping.yaml",
        "--format",
        "json",
        "export",
    ])
    .current_dir(&dir)
    .expect(1)
    .stdout;
    let findings: serde_json::Value = serde_json::from_str(&out).unwrap();
    let finding = &findings["findings"][0];
    assert_eq!(finding["holder"], "rule \"01. Triage\x1b[8m\"");
    let message = finding["message"].as_str().unwrap();
    assert!(message.contains("rule \"01. Triage\\033[8m\""), "{message}");
    assert!(!message.contains('\x1b'), "{message}");
}
