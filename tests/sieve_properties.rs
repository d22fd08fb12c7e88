//! Property tests of the core guarantees on Sieve scripts generated in the styles people
//! write them: nested `if`/`elsif`/`else`, `anyof`/`allof`/`not`, address, header and
//! envelope tests with `:is`, `:contains` and `:matches`, header names in any case, single
//! strings and string lists (on one line or several), `text:` keys and vacation replies
//! with dot-stuffed lines, escapes, comments of both kinds, LF or CRLF; addresses written
//! the ways Sieve reads them (`text:` with its line break, a display name, white space) in
//! `:is` keys, `redirect` and `vacation :addresses`.
//!
//! - a mapping that matches nothing leaves the bytes identical;
//! - replace with a mapping, then with its inverse, restores the original bytes;
//! - the output re-parses, no reference holds an old address any more, a header test on a
//!   header that holds no address keeps its key, and a second run changes nothing;
//! - add mode is idempotent, and replace after add gives the same data as replace alone;
//! - with Dovecot's `sievec` installed, every generated script and every rewrite of it
//!   compiles.
//!
//! Also: the loader never panics on a soup of Sieve tokens, broken or not.

mod common;

use cutover::address;
use cutover::load::File;
use cutover::locate::locate;
use cutover::mapping::Mapping;
use cutover::node::{Node, Value};
use cutover::plan::{Action as PlanAction, Mode, plan};
use cutover::profile::{Kind, Profile};
use cutover::source::Source;
use proptest::prelude::*;

const ADDRESSES: usize = 6;

fn old(i: usize) -> String {
    format!("u{i}@old.example")
}

fn new(i: usize) -> String {
    format!("n{i}.user@new.example")
}

#[derive(Clone, Debug)]
enum Test {
    /// `address`/`envelope`/`header` (0, 1, 2) on address headers, `:is` (keys are whole
    /// addresses, one string or a list, maybe on several lines), each key in a [`Form`].
    Is(u8, Vec<usize>, bool, bool, Form),
    /// The same with `:contains` (0) or `:matches` (1): text around an address; `text:`
    /// when the flag says so.
    Within(u8, u8, usize, bool),
    /// A header test on `Subject` naming an address: not a reference.
    Subject(usize),
    Not(Box<Test>),
    AnyOf(Vec<Test>),
    AllOf(Vec<Test>),
}

/// How a string that stands for an address is written: quoted, `text:`, with a display
/// name, with white space around.
#[derive(Clone, Copy, Debug)]
enum Form {
    Quoted,
    Text,
    Named,
    Spaced,
}

fn form() -> impl Strategy<Value = Form> {
    prop_oneof![
        Just(Form::Quoted),
        Just(Form::Text),
        Just(Form::Named),
        Just(Form::Spaced)
    ]
}

/// `address` written in `form`.
fn written(address: &str, form: Form) -> String {
    match form {
        Form::Quoted => format!("\"{address}\""),
        Form::Text => format!("text: # {address}\n{address}\n.\n"),
        Form::Named => format!("\"\\\"Team\\\" <{address}>\""),
        Form::Spaced => format!("\" {address}\t\""),
    }
}

#[derive(Clone, Debug)]
enum Action {
    Redirect(usize, bool, Form),
    FileInto(u8),
    Keep,
    Stop,
}

#[derive(Clone, Debug)]
struct Rule {
    test: Test,
    actions: Vec<Action>,
    elsif: Vec<(Test, Vec<Action>)>,
    otherwise: Option<Vec<Action>>,
    /// 0 none, 1 `#`, 2 `/* */`, 3 a Roundcube `# rule:[…]`.
    comment: u8,
}

#[derive(Clone, Debug)]
struct Script {
    rules: Vec<Rule>,
    /// The addresses a vacation reply is sent for (in a form), and its `:from`; no reply
    /// when empty.
    vacation: Vec<usize>,
    vacation_form: Form,
    from: usize,
    /// Header names written in upper case rather than capitalised.
    shout: bool,
    crlf: bool,
}

fn test() -> impl Strategy<Value = Test> {
    let leaf = prop_oneof![
        (
            0u8..3,
            proptest::sample::subsequence((0..ADDRESSES).collect::<Vec<_>>(), 1..4),
            any::<bool>(),
            any::<bool>(),
            form()
        )
            .prop_map(|(kind, keys, list, lines, form)| Test::Is(kind, keys, list, lines, form)),
        (0u8..3, 0u8..2, 0..ADDRESSES, any::<bool>())
            .prop_map(|(kind, how, key, text)| Test::Within(kind, how, key, text)),
        (0..ADDRESSES).prop_map(Test::Subject),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|t| Test::Not(Box::new(t))),
            proptest::collection::vec(inner.clone(), 1..4).prop_map(Test::AnyOf),
            proptest::collection::vec(inner, 1..4).prop_map(Test::AllOf),
        ]
    })
}

fn actions() -> impl Strategy<Value = Vec<Action>> {
    proptest::collection::vec(
        prop_oneof![
            (0..ADDRESSES, any::<bool>(), form())
                .prop_map(|(a, copy, form)| Action::Redirect(a, copy, form)),
            (0u8..3).prop_map(Action::FileInto),
            Just(Action::Keep),
            Just(Action::Stop),
        ],
        1..4,
    )
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        test(),
        actions(),
        proptest::collection::vec((test(), actions()), 0..3),
        proptest::option::of(actions()),
        0u8..4,
    )
        .prop_map(|(test, actions, elsif, otherwise, comment)| Rule {
            test,
            actions,
            elsif,
            otherwise,
            comment,
        })
}

fn script() -> impl Strategy<Value = Script> {
    (
        proptest::collection::vec(rule(), 1..5),
        proptest::sample::subsequence((0..ADDRESSES).collect::<Vec<_>>(), 0..3),
        form(),
        0..ADDRESSES,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(rules, vacation, vacation_form, from, shout, crlf)| Script {
                rules,
                vacation,
                vacation_form,
                from,
                shout,
                crlf,
            },
        )
}

/// Writes the test at `indent` (its continuation lines indented further).
fn write_test(t: &Test, s: &Script, indent: &str, out: &mut String) {
    let header = |name: &str| {
        if s.shout {
            name.to_uppercase()
        } else {
            name.to_owned()
        }
    };
    let command = |kind: u8| ["address", "envelope", "header"][usize::from(kind)];
    let part = |kind: u8| match kind {
        1 => "\"from\"".to_owned(),
        _ => format!("[\"{}\", \"{}\"]", header("To"), header("Reply-To")),
    };
    match t {
        Test::Is(kind, keys, list, lines, form) => {
            let keys: Vec<String> = keys.iter().map(|&k| written(&old(k), *form)).collect();
            let keys = if keys.len() == 1 && !list {
                keys[0].clone()
            } else if *lines {
                let inner = format!("{indent}        ");
                format!(
                    "[\n{inner}{}\n{indent}    ]",
                    keys.join(&format!(",\n{inner}"))
                )
            } else {
                format!("[{}]", keys.join(", "))
            };
            out.push_str(&format!("{} :is {} {keys}", command(*kind), part(*kind)));
        }
        Test::Within(kind, how, key, text) => {
            let (how, key) = match how {
                0 => ("contains", format!("\\\"Team\\\" <{}>", old(*key))),
                _ => ("matches", format!("*{}*", old(*key))),
            };
            let key = if *text {
                format!("text: # the key\n.. {}\n.\n", key.replace("\\\"", "\""))
            } else {
                format!("\"{key}\"")
            };
            out.push_str(&format!("{} :{how} {} {key}", command(*kind), part(*kind)));
        }
        Test::Subject(key) => out.push_str(&format!(
            "header :contains \"{}\" \"{}\"",
            header("Subject"),
            old(*key)
        )),
        Test::Not(inner) => {
            out.push_str("not ");
            write_test(inner, s, indent, out);
        }
        Test::AnyOf(tests) | Test::AllOf(tests) => {
            out.push_str(if matches!(t, Test::AnyOf(_)) {
                "anyof ("
            } else {
                "allof ("
            });
            for (i, inner) in tests.iter().enumerate() {
                if i > 0 {
                    out.push_str(&format!(",\n{indent}    "));
                }
                write_test(inner, s, &format!("{indent}    "), out);
            }
            out.push(')');
        }
    }
}

fn write_actions(actions: &[Action], indent: &str, out: &mut String) {
    for action in actions {
        out.push_str(indent);
        match action {
            Action::Redirect(a, true, form) => {
                out.push_str(&format!("redirect :copy {};", written(&old(*a), *form)))
            }
            Action::Redirect(a, false, form) => {
                out.push_str(&format!("redirect {};", written(&old(*a), *form)))
            }
            Action::FileInto(f) => out.push_str(&format!("fileinto \"INBOX.F{f}\";")),
            Action::Keep => out.push_str("keep;"),
            Action::Stop => out.push_str("stop;"),
        }
        out.push('\n');
    }
}

fn render(s: &Script) -> String {
    let mut out = String::from("require [\"fileinto\", \"envelope\", \"copy\", \"vacation\"];\n");
    for (n, rule) in s.rules.iter().enumerate() {
        match rule.comment {
            1 => out.push_str(&format!("# Rule {n}: mentions {} in passing\n", old(0))),
            2 => out.push_str(&format!("/* Rule {n}.\n   Written by hand. */\n")),
            3 => out.push_str(&format!("# rule:[Rule {n}]\n")),
            _ => {}
        }
        out.push_str("if ");
        write_test(&rule.test, s, "", &mut out);
        out.push_str(" {\n");
        write_actions(&rule.actions, "    ", &mut out);
        for (test, actions) in &rule.elsif {
            out.push_str("} elsif ");
            write_test(test, s, "", &mut out);
            out.push_str(" {\n");
            write_actions(actions, "    ", &mut out);
        }
        if let Some(actions) = &rule.otherwise {
            out.push_str("} else {\n");
            write_actions(actions, "    ", &mut out);
        }
        out.push_str("}\n");
    }
    if !s.vacation.is_empty() {
        let addresses: Vec<String> = s
            .vacation
            .iter()
            .map(|&a| written(&old(a), s.vacation_form))
            .collect();
        out.push_str(&format!(
            "vacation :days 3 :from \"Desk <{}>\" :addresses [{}] text:\nAway.\n..Write to {} instead.\n.\n;\n",
            old(s.from),
            addresses.join(", "),
            old(s.from)
        ));
    }
    if s.crlf {
        out = out.replace('\n', "\r\n");
    }
    out
}

fn mapping(pairs: &[(String, String)]) -> Mapping {
    let mut text = String::from("schema_version: 1\naddresses:\n");
    for (old, new) in pairs {
        text.push_str(&format!("  '{old}': '{new}'\n"));
    }
    Mapping::from_source(Source::from_text("m.yaml", &text)).unwrap()
}

fn profile() -> Profile {
    Profile::resolve("sieve").unwrap()
}

fn run(text: &str, mapping: &Mapping, mode: Mode) -> String {
    let file = File::parse(Source::from_text("s.sieve", text))
        .unwrap_or_else(|e| panic!("{}\n{text}", e.diagnostics[0]));
    let located = locate(&file, &profile()).expect("references locate");
    plan(&file, &located, mapping, mode)
        .unwrap_or_else(|e| panic!("{}\n{text}", e.diagnostics[0]))
        .new_text(&file.source)
}

/// The script as data, a one-string list read as its string (what add then replace leaves).
fn data(text: &str) -> serde_json::Value {
    fn normalize(node: &Node) -> serde_json::Value {
        match node.value() {
            Value::List(items, _) if items.len() == 1 && items[0].str().is_some() => {
                normalize(&items[0])
            }
            Value::List(items, _) => items.iter().map(normalize).collect(),
            Value::Map(entries) => entries
                .iter()
                .map(|e| (e.key.to_string(), normalize(&e.value)))
                .collect::<serde_json::Map<_, _>>()
                .into(),
            _ => node.to_json(),
        }
    }
    normalize(
        &File::parse(Source::from_text("s.sieve", text))
            .unwrap()
            .docs()[0],
    )
}

/// Compiles a script with `sievec`; its messages when it refuses it.
fn sievec(text: &str, name: &str) -> Result<(), String> {
    let dir = common::scratch(name);
    std::fs::write(dir.join("s.sieve"), text).unwrap();
    let out = std::process::Command::new("sievec")
        .arg(dir.join("s.sieve"))
        .arg(dir.join("s.svbin"))
        .output()
        .unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{}\n{text}", String::from_utf8_lossy(&out.stderr)))
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_mapping_that_matches_nothing_changes_no_byte(s in script()) {
        let text = render(&s);
        let m = mapping(&[("zz@unused.example".into(), "yy@unused.example".into())]);
        prop_assert_eq!(run(&text, &m, Mode::Replace), text.clone());
        prop_assert_eq!(run(&text, &m, Mode::Add), text);
    }

    #[test]
    fn the_inverse_mapping_restores_the_original(s in script(), mapped in proptest::sample::subsequence((0..ADDRESSES).collect::<Vec<_>>(), 1..ADDRESSES)) {
        let text = render(&s);
        let forward: Vec<(String, String)> = mapped.iter().map(|&i| (old(i), new(i))).collect();
        let inverse: Vec<(String, String)> = forward.iter().map(|(o, n)| (n.clone(), o.clone())).collect();
        let moved = run(&text, &mapping(&forward), Mode::Replace);
        prop_assert_eq!(moved.lines().count(), text.lines().count());
        prop_assert_eq!(run(&moved, &mapping(&inverse), Mode::Replace), text);
    }

    #[test]
    fn output_reparses_holds_no_old_reference_and_a_second_run_is_a_no_op(s in script(), mapped in proptest::sample::subsequence((0..ADDRESSES).collect::<Vec<_>>(), 1..ADDRESSES)) {
        let text = render(&s);
        let pairs: Vec<(String, String)> = mapped.iter().map(|&i| (old(i), new(i))).collect();
        let m = mapping(&pairs);
        let once = run(&text, &m, Mode::Replace);
        prop_assert_eq!(run(&once, &m, Mode::Replace), once.clone());
        let file = File::parse(Source::from_text("s.sieve", &once)).unwrap();
        let located = locate(&file, &profile()).unwrap();
        for r in &located.references {
            match r.kind {
                Kind::AddressInText => prop_assert!(address::find(&r.value, &m).is_empty(), "{}", r.value),
                kind => prop_assert!(m.lookup(kind, &r.value).is_none(), "{}", r.value),
            }
        }
        // Subject keys, comments and the reply's text are not references: they keep their
        // old addresses. Nothing else does, however the address was written.
        let subject = if s.shout { "SUBJECT" } else { "Subject" };
        let mut rest = once.clone();
        for i in 0..ADDRESSES {
            for kept in [format!("\"{subject}\" \"{}\"", old(i)), format!("mentions {} in passing", old(i))] {
                prop_assert_eq!(text.matches(&kept).count(), once.matches(&kept).count(), "{}", kept);
            }
            for kept in [format!("\"{subject}\" \"{}\"", old(i)), format!("mentions {} in passing", old(i)), format!("text: # {}", old(i)), format!("Write to {} instead", old(i))] {
                rest = rest.replace(&kept, "");
            }
        }
        for &i in &mapped {
            prop_assert!(!rest.contains(&old(i)), "{} stays in\n{}", old(i), once);
        }
    }

    #[test]
    fn add_mode_is_idempotent_and_replace_after_add_equals_replace(s in script(), mapped in proptest::sample::subsequence((0..ADDRESSES).collect::<Vec<_>>(), 1..ADDRESSES)) {
        let text = render(&s);
        let pairs: Vec<(String, String)> = mapped.iter().map(|&i| (old(i), new(i))).collect();
        let m = mapping(&pairs);
        let added = run(&text, &m, Mode::Add);
        prop_assert_eq!(run(&added, &m, Mode::Add), added.clone());
        // What stays old-only for the cutover holds one value (`redirect`, `:from`): every
        // key list, `:contains` and `:matches` keys too, matches the new address as well.
        let file = File::parse(Source::from_text("s.sieve", &added)).unwrap();
        let located = locate(&file, &profile()).unwrap();
        let again = plan(&file, &located, &m, Mode::Add).unwrap();
        for change in &again.changes {
            let reference = &located.references[change.reference as usize];
            let before = added[..reference.span.start as usize].trim_end();
            prop_assert_eq!(change.action, PlanAction::Kept);
            prop_assert!(
                ["redirect", ":copy", ":from"].iter().any(|w| before.ends_with(w)),
                "{} left old-only in\n{}", reference.value, added
            );
        }
        prop_assert_eq!(data(&run(&added, &m, Mode::Replace)), data(&run(&text, &m, Mode::Replace)));
    }

    #[test]
    fn the_loader_never_panics_on_a_soup_of_tokens(tokens in proptest::collection::vec(prop_oneof![
        Just("if"), Just("elsif"), Just("else"), Just("anyof"), Just("not"), Just("address"),
        Just("{"), Just("}"), Just("("), Just(")"), Just("["), Just("]"), Just(","), Just(";"),
        Just(":is"), Just(":comparator"), Just(":count"), Just(":from"), Just(":"), Just("10K"),
        Just("99999999999999999999G"), Just("\"a\""), Just("\"a@b.c\""), Just("\"\\\""), Just("\""),
        Just("text:\n"), Just("text: x\n"), Just("\n.\n"), Just("\n..\n"), Just("#c\n"), Just("/*"),
        Just("*/"), Just("\r\n"), Just(" "), Just("require \"encoded-character\";"),
        Just("\"${hex:40}\""), Just("\"${unicode:110000}\""), Just("\"${hex:FF}\""), Just("é"),
        Just("\u{feff}"), Just("\0"),
    ], 0..60)) {
        let text: String = tokens.concat();
        let _ = File::parse(Source::from_text("s.sieve", &text));
    }
}

proptest! {
    // Each case runs the compiler four times: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn every_generated_script_and_its_rewrites_compile(s in script(), mapped in proptest::sample::subsequence((0..ADDRESSES).collect::<Vec<_>>(), 1..ADDRESSES)) {
        if !common::require_tool("sievec") {
            return Ok(());
        }
        let text = render(&s);
        let m = mapping(&mapped.iter().map(|&i| (old(i), new(i))).collect::<Vec<_>>());
        let replaced = run(&text, &m, Mode::Replace);
        let added = run(&text, &m, Mode::Add);
        let after_add = run(&added, &m, Mode::Replace);
        for (what, script) in [("generated", &text), ("replaced", &replaced), ("added", &added), ("replaced after add", &after_add)] {
            prop_assert!(sievec(script, "sieve-prop").is_ok(), "{what}: {}", sievec(script, "sieve-prop").unwrap_err());
        }
    }
}

/// A new address with `*` or `?` (valid in an address) is written into a `:matches` key
/// escaped, so that the key matches that address only; elsewhere it is written as it is.
#[test]
fn a_new_address_goes_into_a_matches_key_as_a_literal() {
    let m = mapping(&[(old(0), "a*b?c@new.example".into())]);
    let text = "require \"fileinto\";\n\
        if header :matches \"To\" \"*<u0@old.example>*\" { stop; }\n\
        if header :matches \"To\" text:\n*u0@old.example\n.\n{ stop; }\n\
        if header :contains \"To\" \"u0@old.example\" { stop; }\n";
    let replaced = run(text, &m, Mode::Replace);
    assert_eq!(
        replaced,
        "require \"fileinto\";\n\
        if header :matches \"To\" \"*<a\\\\*b\\\\?c@new.example>*\" { stop; }\n\
        if header :matches \"To\" text:\n*a\\*b\\?c@new.example\n.\n{ stop; }\n\
        if header :contains \"To\" \"a*b?c@new.example\" { stop; }\n"
    );
    let added = run(text, &m, Mode::Add);
    assert!(added.contains(r#"["*<u0@old.example>*", "*<a\\*b\\?c@new.example>*"]"#));
    assert_eq!(run(&added, &m, Mode::Add), added);
    assert_eq!(data(&run(&added, &m, Mode::Replace)), data(&replaced));
    if common::require_tool("sievec") {
        for script in [&replaced, &added] {
            sievec(script, "sieve-literal").unwrap();
        }
    }
}
