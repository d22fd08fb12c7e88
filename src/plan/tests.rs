//! Plan tests: replace and add mode on small exports, checked as text.

use super::*;
use crate::locate::locate;
use crate::profile::Profile;

const MAPPING: &str = "schema_version: 1
accounts: {old-1: new-1, old-2: new-2}
addresses: {info@old.example: info@new.example}
";

fn run(name: &str, text: &str) -> String {
    run_mode(name, text, Mode::Replace)
}

fn run_mode(name: &str, text: &str, mode: Mode) -> String {
    let mapping = Mapping::from_source(Source::from_text("m.yaml", MAPPING)).unwrap();
    let file = File::parse(Source::from_text(name, text)).unwrap();
    let located = locate(&file, &Profile::resolve("missive").unwrap()).unwrap();
    plan(&file, &located, &mapping, mode)
        .unwrap()
        .new_text(&file.source)
}

fn add(name: &str, text: &str) -> String {
    run_mode(name, text, Mode::Add)
}

fn rule(value: &str) -> String {
    format!(
        "schema_version: 1\nrules:\n  - description: old-1\n    conditions:\n      match: all\n      items:\n        - field: email_account\n          op: is\n          value: {value}\n"
    )
}

#[test]
fn rewrites_keep_quoting() {
    assert!(run("e.yaml", &rule("old-1")).ends_with("value: new-1\n"));
    assert!(run("e.yaml", &rule("'old-1'")).ends_with("value: 'new-1'\n"));
    assert!(run("e.yaml", &rule("\"old-1\"")).ends_with("value: \"new-1\"\n"));
    assert!(
        run("e.yaml", &rule("[old-1, \"old-2\", x]")).ends_with("value: [new-1, \"new-2\", x]\n")
    );
    // The description holds the old ID as text and is never changed.
    assert!(run("e.yaml", &rule("old-1")).contains("description: old-1\n"));
}

#[test]
fn of_two_equal_items_the_later_goes() {
    // The old item is rewritten in place (with its quoting and comment), the later new
    // one goes: what replace alone gives after add mode's `[old, new]`.
    assert!(run("e.yaml", &rule("['old-1', new-1]")).ends_with("value: ['new-1']\n"));
    assert!(run("e.yaml", &rule("[new-1, old-1]")).ends_with("value: [new-1]\n"));
    assert!(run("e.yaml", &rule("[a, new-1, old-1, b]")).ends_with("value: [a, new-1, b]\n"));
    // Two equal items that were there before stay.
    assert!(run("e.yaml", &rule("[a, a, old-1]")).ends_with("value: [a, a, new-1]\n"));
    let block =
        rule("\n            - old-1  # the old one\n            - new-1\n            - old-1b\n");
    assert!(
        run("e.yaml", &block)
            .ends_with("value: \n            - new-1  # the old one\n            - old-1b\n\n"),
        "{}",
        run("e.yaml", &block)
    );
    let block = rule("\n            - new-1\n            - old-1  # the old one\n");
    assert!(run("e.yaml", &block).ends_with("value: \n            - new-1\n\n"));
}

#[test]
fn json_lists_lose_the_right_comma() {
    let json = |v: &str| {
        format!(
            "{{\"schema_version\": 1, \"rules\": [{{\"conditions\": {{\"items\": [{{\"field\": \"account\", \"value\": {v}}}]}}}}]}}"
        )
    };
    assert!(run("e.json", &json("[\"old-1\", \"new-1\"]")).contains("\"value\": [\"new-1\"]"));
    assert!(run("e.json", &json("[\"new-1\",\"old-1\"]")).contains("\"value\": [\"new-1\"]"));
    let pretty = json("[\n  \"new-1\",\n  \"old-1\"\n]");
    assert!(run("e.json", &pretty).contains("\"value\": [\n  \"new-1\"\n]"));
    let pretty = json("[\n  \"old-1\",\n  \"new-1\"\n]");
    assert!(run("e.json", &pretty).contains("\"value\": [\n  \"new-1\"\n]"));
    // Both old IDs map to targets already present: the list keeps one of each, the first.
    let twice = json("[\"old-1\", \"old-2\", \"new-2\", \"new-1\"]");
    assert!(run("e.json", &twice).contains("\"value\": [\"new-1\", \"new-2\"]"));
}

#[test]
fn a_second_run_changes_nothing() {
    let once = run("e.yaml", &rule("[old-1, old-2, new-1]"));
    assert_eq!(run("e.yaml", &once), once);
}

#[test]
fn add_mode_puts_the_new_id_beside_the_old() {
    assert!(add("e.yaml", &rule("[old-1, x]")).ends_with("value: [old-1, new-1, x]\n"));
    assert!(add("e.yaml", &rule("old-1")).ends_with("value: [old-1, new-1]\n"));
    assert!(add("e.yaml", &rule("'old-1'")).ends_with("value: ['old-1', 'new-1']\n"));
    // Not twice: the new ID is already there.
    assert!(add("e.yaml", &rule("[old-1, new-1]")).ends_with("value: [old-1, new-1]\n"));
    let block = rule("\n            - old-1  # info@\n            - x\n");
    assert!(
        add("e.yaml", &block)
            .ends_with("- old-1  # info@\n            - new-1\n            - x\n\n")
    );
}

#[test]
fn add_mode_keeps_an_anchor_on_the_old_value() {
    let text = "schema_version: 1\nrules:\n  - conditions: {match: all, items: [{field: account, op: is, value: &a old-1}]}\n    actions: [{type: reply, from: {account: *a}}]\n";
    let out = add("e.yaml", text);
    assert!(out.contains("value: [&a old-1, new-1]"), "{out}");
    let tagged = add("e.yaml", &rule("&b !!str old-1"));
    assert!(
        tagged.ends_with("value: [&b !!str old-1, new-1]\n"),
        "{tagged}"
    );
    assert!(out.contains("from: {account: *a}"));
}

const ALIASES: &str = "schema_version: 1
aliases:
  - id: a1
    account: old-1
    address: info@old.example
    name: Info
  - {id: a2, account: other, address: x@y.example}
sharing:
  - {account: old-1, teams: [t1], delivery: team_inbox}
";

/// Settings whose content starts below their `-` (alone, or with a tag), their first field
/// one the copy leaves out: the copy is written in their shape, at their indentation, and
/// replace after add gives what replace alone gives.
#[test]
fn add_mode_copies_settings_below_a_lone_dash() {
    let text = "schema_version: 1
aliases:
  -
    id: a1
    account: old-1
    address: x@y.example
  - !!map
    account: old-2
    address: z@y.example
";
    let out = add("e.yaml", text);
    assert_eq!(
        out,
        format!("{text}  -\n    account: new-2\n    address: z@y.example\n").replace(
            "    address: x@y.example\n",
            "    address: x@y.example\n  -\n    account: new-1\n    address: x@y.example\n"
        )
    );
    assert_eq!(add("e.yaml", &out), out);
    assert_eq!(run("e.yaml", &out), run("e.yaml", text));
}

/// A reference whose selector says `add: copy` with no holder around it: add mode refuses
/// it where it is mapped (there is nothing to copy); replace mode rewrites it.
#[test]
fn a_copy_without_a_holder_to_copy_is_refused_in_add_mode() {
    let profile = Profile::from_source(Source::from_text(
        "p.yaml",
        "schema_version: 1\nname: p\nreferences:\n  \
         - {path: \"$.aliases[*].account\", kind: account, add: copy}\n",
    ))
    .unwrap();
    let mapping = Mapping::from_source(Source::from_text("m.yaml", MAPPING)).unwrap();
    let file = File::parse(Source::from_text(
        "e.yaml",
        "aliases:\n  - {account: other}\n  - {account: old-1}\n",
    ))
    .unwrap();
    let located = locate(&file, &profile).unwrap();
    let e = plan(&file, &located, &mapping, Mode::Add).unwrap_err();
    assert_eq!(e.diagnostics.len(), 1, "{e:?}");
    let text = e.diagnostics[0].to_string();
    assert!(
        text.starts_with("e.yaml:3:15: error: the profile says `add: copy` for this value"),
        "{text}"
    );
    let replaced = plan(&file, &located, &mapping, Mode::Replace).unwrap();
    assert!(
        replaced
            .new_text(&file.source)
            .ends_with("{account: new-1}\n")
    );
}

/// A profile whose `identity` leaves out the field that moves: a setting is never taken
/// for its own copy.
#[test]
fn a_setting_is_not_its_own_copy() {
    let mut profile = Profile::resolve("missive").unwrap();
    for holder in &mut profile.holders {
        if holder.name == "aliases" {
            holder.identity = vec!["address".into()];
        }
    }
    let mapping = Mapping::from_source(Source::from_text("m.yaml", MAPPING)).unwrap();
    let text = "schema_version: 1\naliases:\n  - {account: old-1, address: x@y.example}\n";
    let planned = |text: &str| {
        let file = File::parse(Source::from_text("e.yaml", text)).unwrap();
        let located = locate(&file, &profile).unwrap();
        plan(&file, &located, &mapping, Mode::Add)
            .unwrap()
            .new_text(&file.source)
    };
    let out = planned(text);
    assert_eq!(
        out,
        format!("{text}  - {{account: new-1, address: x@y.example}}\n")
    );
    assert_eq!(planned(&out), out);
}

#[test]
fn add_mode_copies_aliases_and_sharing_for_the_new_account() {
    let out = add("e.yaml", ALIASES);
    assert_eq!(
        out,
        "schema_version: 1
aliases:
  - id: a1
    account: old-1
    address: info@old.example
    name: Info
  - account: new-1
    address: info@new.example
    name: Info
  - {id: a2, account: other, address: x@y.example}
sharing:
  - {account: old-1, teams: [t1], delivery: team_inbox}
  - {account: new-1, teams: [t1], delivery: team_inbox}
"
    );
    // Idempotent, and replace after add equals replace alone, byte for byte: the
    // original (with the app's id) stays, the copy goes.
    assert_eq!(add("e.yaml", &out), out);
    let replaced = run("e.yaml", &out);
    assert_eq!(
        replaced,
        "schema_version: 1
aliases:
  - id: a1
    account: new-1
    address: info@new.example
    name: Info
  - {id: a2, account: other, address: x@y.example}
sharing:
  - {account: new-1, teams: [t1], delivery: team_inbox}
"
    );
    assert_eq!(run("e.yaml", ALIASES), replaced);
}

#[test]
fn the_new_accounts_own_setting_stays_and_the_old_one_goes() {
    // The app created the alias on the new account (it has an id of its own).
    let text = "schema_version: 1
aliases:
  - {id: a1, account: old-1, address: info@old.example}
  - {id: n1, account: new-1, address: info@new.example}
";
    assert_eq!(
        run("e.yaml", text),
        "schema_version: 1
aliases:
  - {id: n1, account: new-1, address: info@new.example}
"
    );
}

#[test]
fn add_mode_copies_in_json_with_the_same_layout() {
    let text = "{\n  \"schema_version\": 1,\n  \"aliases\": [\n    {\n      \"id\": \"a1\",\n      \"account\": \"old-1\"\n    }\n  ]\n}\n";
    let out = add("e.json", text);
    assert_eq!(
        out,
        "{\n  \"schema_version\": 1,\n  \"aliases\": [\n    {\n      \"id\": \"a1\",\n      \"account\": \"old-1\"\n    },\n    {\n      \"account\": \"new-1\"\n    }\n  ]\n}\n"
    );
}

#[test]
fn add_mode_leaves_single_values_for_the_cutover() {
    let text = "schema_version: 1\nrules:\n  - actions: [{type: reply, from: {account: old-1, address: info@old.example}}]\n";
    let mapping = Mapping::from_source(Source::from_text("m.yaml", MAPPING)).unwrap();
    let file = File::parse(Source::from_text("e.yaml", text)).unwrap();
    let located = locate(&file, &Profile::resolve("missive").unwrap()).unwrap();
    let planned = plan(&file, &located, &mapping, Mode::Add).unwrap();
    assert!(planned.edits.is_empty());
    assert_eq!(
        planned
            .changes
            .iter()
            .filter(|c| c.action == Action::Kept)
            .count(),
        2
    );
}

#[test]
fn a_dropped_item_leaves_the_comment_lines_around_it() {
    let block = rule(
        "\n            # the old one\n            - old-1\n            # the new one\n            - new-1\n",
    );
    let out = run("e.yaml", &block);
    assert!(
        out.ends_with(
            "value: \n            # the old one\n            - new-1\n            # the new one\n\n"
        ),
        "{out}"
    );
}

#[test]
fn add_mode_copies_a_setting_whose_left_out_field_comes_last() {
    let text = "schema_version: 1\naliases:\n- account: old-1\n  name: Help\n  id: a1\n# trailing comment\n";
    assert_eq!(
        add("e.yaml", text),
        "schema_version: 1\naliases:\n- account: old-1\n  name: Help\n  id: a1\n- account: new-1\n  name: Help\n# trailing comment\n"
    );
    let mapping = Mapping::from_source(Source::from_text("m.yaml", MAPPING)).unwrap();
    let file = File::parse(Source::from_text("e.yaml", text)).unwrap();
    let located = locate(&file, &Profile::resolve("missive").unwrap()).unwrap();
    let planned = plan(&file, &located, &mapping, Mode::Add).unwrap();
    // One reference, one change: a block list at its parent's indentation shares a span
    // with its first item, and the holder is still found once.
    assert_eq!(planned.changes.len(), 1);
}

/// A plan holds an operation for every rewritten reference (tens of thousands in a large
/// export): the rare operations' payloads are boxed to keep each small.
#[test]
fn an_operation_stays_small() {
    assert!(
        std::mem::size_of::<Op>() <= 64,
        "{}",
        std::mem::size_of::<Op>()
    );
}

/// In a Sieve script, add mode makes or extends a list only where Sieve takes a string
/// list: a test's keys and a string list among an unknown command's arguments, but not a
/// `redirect` address or an argument of an unknown command, which stay for the cutover.
#[test]
fn add_mode_in_sieve_lists_only_where_sieve_takes_a_string_list() {
    let profile = Profile::from_source(Source::from_text(
        "p.yaml",
        "schema_version: 1\nname: p\nreferences:\n  \
         - {path: \"$..keys\", kind: address, add: list}\n  \
         - {path: \"$..[?@.command == 'redirect'].address\", kind: address, add: list}\n  \
         - {path: \"$..arguments[*]\", kind: address, add: list}\n  \
         - {path: \"$..arguments[*][*]\", kind: address, add: list}\n",
    ))
    .unwrap();
    let mapping = Mapping::from_source(Source::from_text("m.yaml", MAPPING)).unwrap();
    let text = "if address :is \"to\" \"info@old.example\" {\n  redirect \"info@old.example\";\n  \
                pipe \"info@old.example\";\n  pipe [\"-f\", \"info@old.example\"];\n}\n";
    let file = File::parse(Source::from_text("s.sieve", text)).unwrap();
    let located = locate(&file, &profile).unwrap();
    let planned = plan(&file, &located, &mapping, Mode::Add).unwrap();
    assert_eq!(
        planned.new_text(&file.source),
        "if address :is \"to\" [\"info@old.example\", \"info@new.example\"] {\n  \
         redirect \"info@old.example\";\n  pipe \"info@old.example\";\n  \
         pipe [\"-f\", \"info@old.example\", \"info@new.example\"];\n}\n"
    );
    let kept = planned
        .changes
        .iter()
        .filter(|c| c.action == Action::Kept)
        .count();
    assert_eq!(kept, 2);
}
