//! The whole rewrite path on arbitrary input: load an export, locate its references with the
//! built-in profile of its kind (`missive`, or `sieve` for a Sieve script), plan the edits for
//! a mapping (replace or add mode), and check the plan.
//!
//! Input layout: the first byte holds flags, the rest is text.
//!
//! | bit  | meaning                                                                  |
//! | ---- | ------------------------------------------------------------------------ |
//! | 0    | export format: 0 = YAML (`x.yaml`), 1 = JSON (`x.json`)                  |
//! | 1    | mapping: 0 = one of the fixed mappings below, 1 = taken from the input   |
//! | 2, 3 | which fixed mapping (bit 1 = 0)                                          |
//! | 4    | format of a mapping taken from the input: 0 = `m.yaml`, 1 = `m.json`     |
//! | 5    | plan mode: 0 = replace (the cutover), 1 = add (the transition)           |
//! | 6    | 1 = the export is a Sieve script (`x.sieve`; bit 0 is then ignored)      |
//!
//! With a mapping taken from the input, the text is `MAPPING` + [`SEPARATOR`] + `EXPORT`
//! (split at the first separator; an input without one is skipped). Otherwise the whole
//! text is the export.
//!
//! Asserted, whenever the export loads and locates and the mapping loads:
//! - nothing panics (load, locate, mapping, plan);
//! - when no reference matches the mapping, the plan succeeds with no edits and `new_text`
//!   is byte-identical to the input;
//! - when the plan succeeds, `new_text` re-parses in the same format, locates again, and
//!   planning it again with the same mapping succeeds with no edits (idempotence);
//! - edits are sorted and disjoint, lie within the text and on character boundaries, and
//!   applying them gives `new_text`.
//!
//! A plan refused with an error is accepted (that is the design: `verify` refuses an edit
//! that would change anything else). With `CUTOVER_FUZZ_STRICT=1` in the environment, a
//! refusal that asks to be reported as a bug ("Please report this") is a failure too.
#![no_main]

use std::sync::OnceLock;

use cutover::edit;
use cutover::load::File;
use cutover::locate::{Located, locate};
use cutover::mapping::Mapping;
use cutover::address;
use cutover::plan::{Mode, plan};
use cutover::profile::{Kind, Profile, Profiles};
use cutover::source::Source;
use libfuzzer_sys::fuzz_target;

/// Separates the mapping from the export when both come from the input.
const SEPARATOR: &str = "\n%%%%\n";

/// Fixed mappings, picked by bits 2 and 3 of the first byte. Each must load.
const FIXED: [&str; 4] = [
    // 0: the demo mapping, as in testdata/demo/mapping.yaml.
    "schema_version: 1
accounts:
  716be7a6-fd40-45a2-bfcb-43b9ed38d1f0: 3f9c2a10-5b7e-4c1d-9a8e-2d4f6b8c0e13
  8a1e55c2-0d9f-4b8a-a7c3-91e2f0b4d6a8: c47d1e02-8f3a-4e6b-b5d9-7a0c2e4f6a81
  b2c4e6a8-1357-4d9f-8e2c-6a4b8d0f2e46: e5a7c9b1-2468-4ace-9bdf-13579bdf0246
addresses:
  info@acme-old.example: info@acme.example
  help@acme-old.example: help@acme.example
",
    // 1: short IDs easy for the fuzzer to hit; targets longer and shorter than the old values.
    "schema_version: 1
accounts:
  a: b
  old: a-much-longer-new-account-id
  a-long-old-account-id: n
  '1': '2'
addresses:
  a@b.c: d@e.f
  x@y.z: much-longer@new-domain.example
  Old@Example.COM: n@x.io
",
    // 2: targets that need quoting or escaping in some styles.
    "schema_version: 1
accounts:
  a: 'needs: quoting # and ''apostrophes'''
  b: \"back\\\\slash \\\"dq\\\" \\t tab é ✓\"
  c: \"line\\nbreak\"
  d: '- dash, [flow] {map} *star &amp !bang %pct @at `tick'
  e: 'true'
  f: ' lead and trail '
addresses:
  a@b.c: \"Quote\\\"d@x.io\"
  x@y.z: 'd@e.f'
",
    // 3: accounts and addresses that overlap with each other's strings.
    "schema_version: 1
accounts:
  a@b.c: acct-new
  x: y
  info@acme-old.example: z
addresses:
  a@b.c: a@b.cc
  b@b.c: a.b@b.c
  info@acme-old.example: info@acme.example
",
];

/// The built-in profile for a file of this kind, as a run without `--profile` takes it.
fn profile(file: &File) -> &'static Profile {
    static PROFILES: OnceLock<Profiles> = OnceLock::new();
    let profiles = PROFILES.get_or_init(|| Profiles::resolve(None).expect("built-in profiles load"));
    profiles.get(profiles.index_for(file.format))
}

fn fixed(index: usize) -> &'static Mapping {
    static MAPPINGS: OnceLock<Vec<Mapping>> = OnceLock::new();
    &MAPPINGS.get_or_init(|| {
        FIXED
            .iter()
            .enumerate()
            .map(|(i, text)| {
                Mapping::from_source(Source::from_text(&format!("fixed{i}.yaml"), text))
                    .unwrap_or_else(|e| panic!("fixed mapping {i} does not load: {e:?}"))
            })
            .collect()
    })[index]
}

/// Whether any reference would be changed by the mapping, judged independently of `plan`.
fn matches_any(text: &str, located: &Located, mapping: &Mapping) -> bool {
    located.references.iter().any(|r| match r.kind {
        Kind::AddressInText => {
            !address::find(&text[r.span.range()], mapping).is_empty()
                || !address::find(&r.value, mapping).is_empty()
        }
        kind => mapping.lookup(kind, &r.value).is_some(),
    })
}

fn strict() -> bool {
    static STRICT: OnceLock<bool> = OnceLock::new();
    *STRICT.get_or_init(|| std::env::var_os("CUTOVER_FUZZ_STRICT").is_some_and(|v| v == "1"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let name = match (flags & 64, flags & 1) {
        (64, _) => "x.sieve",
        (_, 0) => "x.yaml",
        _ => "x.json",
    };
    let mode = if flags & 32 == 0 { Mode::Replace } else { Mode::Add };

    let owned;
    let (mapping, export) = if flags & 2 == 0 {
        (fixed(usize::from(flags >> 2) & 3), text)
    } else {
        let Some((mapping_text, export)) = text.split_once(SEPARATOR) else {
            return;
        };
        let mapping_name = if flags & 16 == 0 { "m.yaml" } else { "m.json" };
        let Ok(m) = Mapping::from_source(Source::from_text(mapping_name, mapping_text)) else {
            return;
        };
        owned = m;
        (&owned, export)
    };

    let Ok(file) = File::parse(Source::from_text(name, export)) else {
        return;
    };
    let Ok(located) = locate(&file, profile(&file)) else {
        return;
    };
    let matches = matches_any(export, &located, mapping);

    let result = plan(&file, &located, mapping, mode);
    let planned = match result {
        Ok(p) => p,
        Err(e) => {
            assert!(
                matches,
                "the mapping matches no reference, yet the plan failed: {e:?}"
            );
            if strict() {
                let reported = e
                    .diagnostics
                    .iter()
                    .any(|d| d.message.contains("Please report this"));
                assert!(!reported, "plan refused its own edit: {e:?}");
            }
            return;
        }
    };

    // The edits are well formed and give new_text.
    let mut at = 0;
    for e in &planned.edits {
        assert!(e.range.start >= at && e.range.start <= e.range.end, "edits out of order: {:?}", planned.edits);
        assert!(e.range.end <= export.len(), "edit past the end: {e:?}");
        assert!(
            export.is_char_boundary(e.range.start) && export.is_char_boundary(e.range.end),
            "edit splits a character: {e:?}"
        );
        at = e.range.end;
    }
    let new_text = planned.new_text(&file.source);
    assert_eq!(new_text, edit::apply(export, &planned.edits));

    if !matches {
        assert!(
            planned.edits.is_empty() && planned.changes.is_empty(),
            "the mapping matches no reference, yet the plan has edits: {:?}",
            planned.edits
        );
        assert!(
            new_text == export,
            "the mapping matches no reference, yet new_text differs from the input"
        );
        return;
    }
    if planned.edits.is_empty() {
        assert!(new_text == export, "no edits, yet new_text differs from the input");
        return;
    }

    // new_text re-parses in the same format...
    let again = match File::parse(Source::from_text(name, &new_text)) {
        Ok(f) => f,
        Err(e) => panic!(
            "new_text does not re-parse as {name}: {e:?}\n--- new_text ---\n{}",
            new_text
        ),
    };
    assert_eq!(again.format, file.format);
    assert_eq!(again.docs().len(), file.docs().len(), "the number of documents changed");

    // ...and a second run changes nothing.
    let located_again = match locate(&again, profile(&again)) {
        Ok(l) => l,
        Err(e) => panic!(
            "new_text loads but no longer locates: {e:?}\n--- new_text ---\n{}",
            new_text
        ),
    };
    match plan(&again, &located_again, mapping, mode) {
        Ok(second) => assert!(
            second.edits.is_empty(),
            "not idempotent: a second run plans {:?}\n--- new_text ---\n{}\n--- second ---\n{}",
            second.edits,
            new_text,
            second.new_text(&again.source)
        ),
        Err(e) => panic!(
            "not idempotent: a second run fails: {e:?}\n--- new_text ---\n{}",
            new_text
        ),
    }
});
