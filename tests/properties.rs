//! Property tests of the core guarantees, over exports generated in random styles: YAML in
//! flow and block style with plain, single- and double-quoted IDs, comments, 2- or 4-space
//! indentation and LF or CRLF line endings; JSON pretty or minified.
//!
//! - a mapping that matches nothing leaves the bytes identical;
//! - replace with a mapping, then with its inverse, restores the original bytes (no list
//!   holds both an old ID and its target, so nothing is de-duplicated);
//! - the output always re-parses, and a second run changes nothing.

use cutover::load::File;
use cutover::locate::locate;
use cutover::mapping::Mapping;
use cutover::plan::{Mode, plan};
use cutover::profile::Profile;
use cutover::source::Source;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Quote {
    Plain,
    Single,
    Double,
}

#[derive(Clone, Debug)]
struct Condition {
    field_is_account: bool,
    /// Indexes into the account IDs; one value is written as a scalar, more as a list.
    values: Vec<usize>,
    list_even_if_one: bool,
    flow: bool,
    quote: Quote,
    comment: bool,
}

#[derive(Clone, Debug)]
struct Export {
    conditions: Vec<Condition>,
    alias_accounts: Vec<usize>,
    /// An account index mentioned in a description (never a reference).
    described: usize,
    crlf: bool,
    indent: usize,
    json: bool,
    minified: bool,
}

const ACCOUNTS: usize = 6;

fn old_id(i: usize) -> String {
    // Not valid UUIDs on purpose: IDs are opaque.
    format!("o{i}ld-7x9q-45n1-bh67-0a0cb8da908{i}")
}

fn new_id(i: usize) -> String {
    format!("n{i}ew-3f9c-4c1d-9a8e-2d4f6b8c0e1{i}")
}

fn quote() -> impl Strategy<Value = Quote> {
    prop_oneof![Just(Quote::Plain), Just(Quote::Single), Just(Quote::Double)]
}

fn condition() -> impl Strategy<Value = Condition> {
    (
        any::<bool>(),
        proptest::sample::subsequence((0..ACCOUNTS).collect::<Vec<_>>(), 1..4),
        any::<bool>(),
        any::<bool>(),
        quote(),
        any::<bool>(),
    )
        .prop_map(
            |(field_is_account, values, list_even_if_one, flow, quote, comment)| Condition {
                field_is_account,
                values,
                list_even_if_one,
                flow,
                quote,
                comment,
            },
        )
}

fn export() -> impl Strategy<Value = Export> {
    (
        proptest::collection::vec(condition(), 1..5),
        proptest::collection::vec(0..ACCOUNTS, 0..3),
        0..ACCOUNTS,
        any::<bool>(),
        prop_oneof![Just(2usize), Just(4usize)],
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(conditions, alias_accounts, described, crlf, indent, json, minified)| Export {
                conditions,
                alias_accounts,
                described,
                crlf,
                indent,
                json,
                minified,
            },
        )
}

fn yaml_scalar(id: &str, quote: &Quote) -> String {
    match quote {
        Quote::Plain => id.to_owned(),
        Quote::Single => format!("'{id}'"),
        Quote::Double => format!("\"{id}\""),
    }
}

fn render_yaml(e: &Export) -> String {
    let i = " ".repeat(e.indent);
    let mut out = format!(
        "# export mentioning {} in a comment\nschema_version: 1\nrules:\n",
        old_id(e.described)
    );
    out.push_str(&format!(
        "{i}- description: \"rule for {}\"\n",
        old_id(e.described)
    ));
    out.push_str(&format!(
        "{i}  conditions:\n{i}    match: all\n{i}    items:\n"
    ));
    for c in &e.conditions {
        let field = if c.field_is_account {
            "account"
        } else {
            "email_account"
        };
        let ids: Vec<String> = c
            .values
            .iter()
            .map(|&v| yaml_scalar(&old_id(v), &c.quote))
            .collect();
        let comment = if c.comment { "  # note" } else { "" };
        let as_list = ids.len() > 1 || c.list_even_if_one;
        if !as_list {
            out.push_str(&format!(
                "{i}      - field: {field}\n{i}        op: is\n{i}        value: {}{comment}\n",
                ids[0]
            ));
        } else if c.flow {
            out.push_str(&format!(
                "{i}      - {{field: {field}, op: is_not, value: [{}]}}{comment}\n",
                ids.join(", ")
            ));
        } else {
            out.push_str(&format!(
                "{i}      - field: {field}\n{i}        op: is\n{i}        value:\n"
            ));
            for id in ids {
                out.push_str(&format!("{i}          - {id}{comment}\n"));
            }
        }
    }
    if !e.alias_accounts.is_empty() {
        out.push_str("aliases:\n");
        for &a in &e.alias_accounts {
            out.push_str(&format!(
                "{i}- {{id: al-{a}, account: {}, address: a{a}@old.example}}\n",
                old_id(a)
            ));
        }
    }
    if e.crlf {
        out = out.replace('\n', "\r\n");
    }
    out
}

fn render_json(e: &Export) -> String {
    let conditions: Vec<serde_json::Value> = e
        .conditions
        .iter()
        .map(|c| {
            let ids: Vec<String> = c.values.iter().map(|&v| old_id(v)).collect();
            let value = if ids.len() == 1 && !c.list_even_if_one { serde_json::json!(ids[0]) } else { serde_json::json!(ids) };
            serde_json::json!({"field": if c.field_is_account { "account" } else { "email_account" }, "op": "is", "value": value})
        })
        .collect();
    let aliases: Vec<serde_json::Value> = e
        .alias_accounts
        .iter()
        .map(|&a| serde_json::json!({"id": format!("al-{a}"), "account": old_id(a), "address": format!("a{a}@old.example")}))
        .collect();
    let doc = serde_json::json!({
        "schema_version": 1,
        "rules": [{"description": format!("rule for {}", old_id(e.described)), "conditions": {"match": "all", "items": conditions}}],
        "aliases": aliases,
        "x-note": old_id(e.described),
    });
    let text = if e.minified {
        serde_json::to_string(&doc).unwrap()
    } else {
        serde_json::to_string_pretty(&doc).unwrap()
    };
    if e.crlf {
        text.replace('\n', "\r\n")
    } else {
        text
    }
}

fn render(e: &Export) -> (String, String) {
    if e.json {
        ("e.json".into(), render_json(e))
    } else {
        ("e.yaml".into(), render_yaml(e))
    }
}

fn mapping(pairs: &[(String, String)]) -> Mapping {
    let mut text = String::from("schema_version: 1\naccounts:\n");
    for (old, new) in pairs {
        text.push_str(&format!("  '{old}': '{new}'\n"));
    }
    Mapping::from_source(Source::from_text("m.yaml", &text)).unwrap()
}

/// Runs replace mode; returns the new text.
fn rewrite(name: &str, text: &str, mapping: &Mapping) -> String {
    run(name, text, mapping, Mode::Replace)
}

fn run(name: &str, text: &str, mapping: &Mapping, mode: Mode) -> String {
    let file = File::parse(Source::from_text(name, text)).expect("generated export loads");
    let located = locate(&file, &Profile::resolve("missive").unwrap()).expect("references locate");
    plan(&file, &located, mapping, mode)
        .expect("plan verifies")
        .new_text(&file.source)
}

/// The settings as data, with what may differ between "replace" and "add, then replace"
/// taken out: alias ids, and a one-element condition list against its value.
fn settings(name: &str, text: &str) -> serde_json::Value {
    fn normalize(value: &mut serde_json::Value, key: &str) {
        match value {
            serde_json::Value::Object(map) => {
                if key == "aliases" {
                    map.remove("id");
                }
                for (k, v) in map.iter_mut() {
                    normalize(v, if key == "aliases" { key } else { k });
                }
            }
            serde_json::Value::Array(items) => {
                for item in items.iter_mut() {
                    normalize(item, key);
                }
                if key == "value" && items.len() == 1 {
                    *value = items[0].clone();
                }
            }
            _ => {}
        }
    }
    let file = File::parse(Source::from_text(name, text)).unwrap();
    let mut value = file.docs()[0].to_json();
    normalize(&mut value, "");
    value
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn a_mapping_that_matches_nothing_changes_no_byte(e in export()) {
        let (name, text) = render(&e);
        let m = mapping(&[("zz-unused-1".into(), "zz-unused-2".into())]);
        prop_assert_eq!(rewrite(&name, &text, &m), text);
    }

    #[test]
    fn the_inverse_mapping_restores_the_original(e in export(), mapped in proptest::sample::subsequence((0..ACCOUNTS).collect::<Vec<_>>(), 1..ACCOUNTS)) {
        let (name, text) = render(&e);
        let forward: Vec<(String, String)> = mapped.iter().map(|&i| (old_id(i), new_id(i))).collect();
        let inverse: Vec<(String, String)> = forward.iter().map(|(o, n)| (n.clone(), o.clone())).collect();
        let moved = rewrite(&name, &text, &mapping(&forward));
        // Same number of lines: every change is inside a value.
        prop_assert_eq!(moved.lines().count(), text.lines().count());
        prop_assert_eq!(rewrite(&name, &moved, &mapping(&inverse)), text);
    }

    #[test]
    fn output_reparses_and_a_second_run_is_a_no_op(e in export(), mapped in proptest::sample::subsequence((0..ACCOUNTS).collect::<Vec<_>>(), 1..ACCOUNTS), collide in any::<bool>()) {
        let (name, text) = render(&e);
        // With `collide`, several old IDs map to one new ID, so lists get de-duplicated.
        let pairs: Vec<(String, String)> = mapped.iter().map(|&i| (old_id(i), if collide { new_id(0) } else { new_id(i) })).collect();
        let m = mapping(&pairs);
        let once = rewrite(&name, &text, &m);
        prop_assert!(File::parse(Source::from_text(&name, &once)).is_ok());
        prop_assert_eq!(rewrite(&name, &once, &m), once.clone());
        // The old IDs are gone from every reference; the description and comment keep theirs.
        let file = File::parse(Source::from_text(&name, &once)).unwrap();
        let located = locate(&file, &Profile::resolve("missive").unwrap()).unwrap();
        for r in &located.references {
            prop_assert!(!pairs.iter().any(|(old, _)| **old == *r.value));
        }
        let description = format!("rule for {}", old_id(e.described));
        prop_assert!(once.contains(&description), "description changed");
    }

    #[test]
    fn add_mode_is_idempotent_and_replace_after_add_equals_replace(e in export(), mapped in proptest::sample::subsequence((0..ACCOUNTS).collect::<Vec<_>>(), 1..ACCOUNTS)) {
        let (name, text) = render(&e);
        let pairs: Vec<(String, String)> = mapped.iter().map(|&i| (old_id(i), new_id(i))).collect();
        let m = mapping(&pairs);
        let added = run(&name, &text, &m, Mode::Add);
        prop_assert_eq!(run(&name, &added, &m, Mode::Add), added.clone());
        let replaced_after = run(&name, &added, &m, Mode::Replace);
        let replaced = run(&name, &text, &m, Mode::Replace);
        prop_assert_eq!(settings(&name, &replaced_after), settings(&name, &replaced));
        // Add mode only inserts: every line of the original that holds no old ID is still
        // there, in order.
        if !e.minified {
            let new_lines: Vec<&str> = added.lines().collect();
            let mut at = 0;
            for line in text.lines() {
                match new_lines[at..].iter().position(|l| *l == line) {
                    Some(offset) => at += offset + 1,
                    None => prop_assert!(pairs.iter().any(|(old, _)| line.contains(old.as_str())), "line changed: {}", line),
                }
            }
        }
    }
}
