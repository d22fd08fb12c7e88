//! Plan: turn located references and a mapping into the edits for one file.
//!
//! Replace mode rewrites each mapped reference to its target, written in the old value's
//! style. In a list, an old value whose target is already there is dropped instead (with its
//! separator, and its whole line where it stands on one), so `[old, new]` becomes `[new]`
//! and a second run changes nothing. The planned text is then re-parsed and compared with
//! the expected data (see `verify`): a plan that would change anything else is refused.

use std::collections::HashSet;

use crate::diagnostic::{Diagnostic, Error};
use crate::edit::{self, Edit};
use crate::load::File;
use crate::locate::{List, Located, Reference};
use crate::mapping::{EntryId, Mapping};
use crate::profile::Kind;
use crate::scalar;
use crate::source::Source;
use crate::verify::{self, Expected};

/// What happened to one reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Its value was replaced by the target.
    Rewritten,
    /// It was dropped from its list, which already held the target.
    Removed,
}

#[derive(Clone, Debug)]
pub struct Change {
    /// Index into `Located::references`.
    pub reference: usize,
    pub entry: EntryId,
    pub action: Action,
}

#[derive(Debug)]
pub struct FilePlan {
    pub edits: Vec<Edit>,
    pub changes: Vec<Change>,
    /// The file's text after the edits.
    pub new_text: String,
}

impl FilePlan {
    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }
}

pub fn plan(file: &File, located: &Located, mapping: &Mapping) -> Result<FilePlan, Error> {
    let text = &file.source.text;
    let mut edits = Vec::new();
    let mut changes = Vec::new();
    let mut expected = Expected::default();
    let mut in_lists: Vec<Vec<usize>> = vec![Vec::new(); located.lists.len()];

    for (index, reference) in located.references.iter().enumerate() {
        match (reference.kind, reference.list) {
            (Kind::AddressInText, _) => {
                let raw = &text[reference.span.range()];
                let found = find_addresses(raw, mapping);
                if found.is_empty() {
                    continue;
                }
                for (range, entry, new) in &found {
                    let start = reference.span.start as usize;
                    edits.push(Edit::replace(start + range.start..start + range.end, *new));
                    changes.push(Change {
                        reference: index,
                        entry: *entry,
                        action: Action::Rewritten,
                    });
                }
                let decoded =
                    replace_all(&reference.value, &find_addresses(&reference.value, mapping));
                expected.values.insert(reference.span, decoded);
            }
            (_, Some((list, _))) => in_lists[list].push(index),
            (kind, None) => {
                if let Some((entry, new)) = mapping.lookup(kind, &reference.value) {
                    edits.push(Edit::replace(
                        reference.span.range(),
                        scalar::write(new, reference.style),
                    ));
                    expected.values.insert(reference.span, new.to_owned());
                    changes.push(Change {
                        reference: index,
                        entry,
                        action: Action::Rewritten,
                    });
                }
            }
        }
    }

    for (list_index, members) in in_lists.iter().enumerate() {
        if members.is_empty() {
            continue;
        }
        let list = &located.lists[list_index];
        let mut removed = vec![false; list.items.len()];
        let kind = located.references[members[0]].kind;
        let normal = |v: &str| match kind {
            Kind::Account => v.to_owned(),
            _ => v.to_lowercase(),
        };
        let mapped: Vec<(usize, EntryId, &str)> = members
            .iter()
            .filter_map(|&r| {
                let (entry, new) = mapping.lookup(kind, &located.references[r].value)?;
                Some((r, entry, new))
            })
            .collect();
        let changed: HashSet<usize> = mapped
            .iter()
            .map(|(r, ..)| position(&located.references[*r]))
            .collect();
        let mut present: HashSet<String> = list
            .items
            .iter()
            .enumerate()
            .filter(|(i, _)| !changed.contains(i))
            .filter_map(|(_, item)| item.value.as_deref().map(normal))
            .collect();
        for (r, entry, new) in mapped {
            let reference = &located.references[r];
            let action = if present.insert(normal(new)) {
                edits.push(Edit::replace(
                    reference.span.range(),
                    scalar::write(new, reference.style),
                ));
                expected.values.insert(reference.span, new.to_owned());
                Action::Rewritten
            } else {
                removed[position(reference)] = true;
                expected.removed.insert(reference.span);
                Action::Removed
            };
            changes.push(Change {
                reference: r,
                entry,
                action,
            });
        }
        edits.extend(removal_edits(&file.source, list, &removed));
    }

    let edits = edit::normalize(edits).map_err(|(a, b)| {
        internal(
            &file.source,
            a.range.start,
            format!("two edits overlap ({:?} and {:?})", a.range, b.range),
        )
    })?;
    changes.sort_by_key(|c| located.references[c.reference].site);
    let new_text = edit::apply(text, &edits);
    if !edits.is_empty() {
        verify::verify(file, &new_text, &expected)
            .map_err(|(at, why)| internal(&file.source, at, why))?;
    }
    Ok(FilePlan {
        edits,
        changes,
        new_text,
    })
}

fn position(reference: &Reference) -> usize {
    reference.list.map_or(0, |(_, p)| p)
}

fn internal(source: &Source, at: usize, why: String) -> Error {
    Diagnostic::at(
        source,
        crate::node::Span::new(at, at),
        format!(
            "refusing to edit this file: the planned edit would not give the expected data ({why}); \
             nothing was written. Please report this with the file."
        ),
    )
    .into()
}

/// Edits that drop the marked items of a list, each with its separator: runs of dropped
/// items go with the separator that follows them, or at the end of the list the one that
/// precedes them (so no trailing comma is left), and whole lines where they stand alone.
pub fn removal_edits(source: &Source, list: &List, removed: &[bool]) -> Vec<Edit> {
    let items = &list.items;
    let mut edits = Vec::new();
    let mut i = 0;
    while i < items.len() {
        if !removed[i] {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < items.len() && removed[j + 1] {
            j += 1;
        }
        let (first, last) = (items[i].span, items[j].span);
        let alone = stands_alone(source, first.start as usize, list.flow);
        if let Some(next) = items.get(j + 1) {
            let next_line = source.line_index(next.span.start as usize);
            if alone
                && next_line > source.line_index(last.end as usize)
                && stands_alone(source, next.span.start as usize, list.flow)
            {
                let from = source
                    .line_range(source.line_index(first.start as usize))
                    .start;
                edits.push(Edit::delete(from..source.line_range(next_line).start));
            } else {
                edits.push(Edit::delete(first.start as usize..next.span.start as usize));
            }
        } else if i > 0 {
            if alone && !list.flow {
                let from = source
                    .line_range(source.line_index(first.start as usize))
                    .start;
                let to = source.line_range(source.line_index(last.end as usize)).end;
                edits.push(Edit::delete(from..to));
            } else {
                edits.push(Edit::delete(
                    items[i - 1].span.end as usize..last.end as usize,
                ));
            }
        }
        i = j + 1;
    }
    edits
}

/// Whether the item starting at `offset` is the first thing on its line (after the block
/// sequence indicator `- ` in a block list).
pub fn stands_alone(source: &Source, offset: usize, flow: bool) -> bool {
    let line_start = source.line_range(source.line_index(offset)).start;
    let before = source.text[line_start..offset].trim_start();
    if flow {
        before.is_empty()
    } else {
        before
            .strip_prefix('-')
            .is_some_and(|rest| rest.trim().is_empty())
    }
}

/// Whole addresses inside a text that the mapping maps: an `@` with address characters
/// around it, not part of a longer address.
pub fn find_addresses<'m>(
    text: &str,
    mapping: &'m Mapping,
) -> Vec<(std::ops::Range<usize>, EntryId, &'m str)> {
    let bytes = text.as_bytes();
    let local = |b: u8| b.is_ascii_alphanumeric() || b"._%+-".contains(&b);
    let domain = |b: u8| b.is_ascii_alphanumeric() || b".-".contains(&b);
    let mut found = Vec::new();
    for (at, _) in text.match_indices('@') {
        let mut start = at;
        while start > 0 && local(bytes[start - 1]) {
            start -= 1;
        }
        let mut end = at + 1;
        while end < bytes.len() && domain(bytes[end]) {
            end += 1;
        }
        while end > at + 1 && bytes[end - 1] == b'.' {
            end -= 1;
        }
        let glued = |b: Option<&u8>| {
            b.is_some_and(|&b| b == b'@' || b.is_ascii_alphanumeric() || b == b'_')
        };
        if start == at || end == at + 1 || glued(start.checked_sub(1).and_then(|p| bytes.get(p))) {
            continue;
        }
        if glued(bytes.get(end)) {
            continue;
        }
        if let Some((entry, new)) = mapping.lookup(Kind::AddressInText, &text[start..end])
            && found
                .last()
                .is_none_or(|(r, ..): &(std::ops::Range<usize>, _, _)| r.end <= start)
        {
            found.push((start..end, entry, new));
        }
    }
    found
}

fn replace_all(text: &str, found: &[(std::ops::Range<usize>, EntryId, &str)]) -> String {
    let edits: Vec<Edit> = found
        .iter()
        .map(|(r, _, new)| Edit::replace(r.clone(), *new))
        .collect();
    edit::apply(text, &edits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::locate::locate;
    use crate::profile::Profile;

    const MAPPING: &str = "schema_version: 1
accounts: {old-1: new-1, old-2: new-2}
addresses: {info@old.example: info@new.example}
";

    fn run(name: &str, text: &str) -> String {
        run_with(name, text, "missive")
    }

    fn run_with(name: &str, text: &str, profile: &str) -> String {
        let mapping = Mapping::from_source(Source::from_text("m.yaml", MAPPING)).unwrap();
        let file = File::parse(Source::from_text(name, text)).unwrap();
        let located = locate(&file, &Profile::resolve(profile).unwrap()).unwrap();
        plan(&file, &located, &mapping).unwrap().new_text
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
            run("e.yaml", &rule("[old-1, \"old-2\", x]"))
                .ends_with("value: [new-1, \"new-2\", x]\n")
        );
        // The description holds the old ID as text and is never changed.
        assert!(run("e.yaml", &rule("old-1")).contains("description: old-1\n"));
    }

    #[test]
    fn a_list_that_already_holds_the_target_drops_the_old_id() {
        assert!(run("e.yaml", &rule("[old-1, new-1]")).ends_with("value: [new-1]\n"));
        assert!(run("e.yaml", &rule("[new-1, old-1]")).ends_with("value: [new-1]\n"));
        assert!(run("e.yaml", &rule("[a, new-1, old-1, b]")).ends_with("value: [a, new-1, b]\n"));
        let block = rule(
            "\n            - old-1  # the old one\n            - new-1\n            - old-1b\n",
        );
        assert!(
            run("e.yaml", &block)
                .ends_with("value: \n            - new-1\n            - old-1b\n\n"),
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
        // Both old IDs map to targets already present: the list keeps one of each.
        let twice = json("[\"old-1\", \"old-2\", \"new-2\", \"new-1\"]");
        assert!(run("e.json", &twice).contains("\"value\": [\"new-2\", \"new-1\"]"));
    }

    #[test]
    fn a_second_run_changes_nothing() {
        let once = run("e.yaml", &rule("[old-1, old-2, new-1]"));
        assert_eq!(run("e.yaml", &once), once);
    }

    #[test]
    fn addresses_in_text_are_replaced_only_as_whole_addresses() {
        let mapping = Mapping::from_source(Source::from_text("m.yaml", MAPPING)).unwrap();
        let cases = [
            (
                "from:(info@old.example) OR to:INFO@OLD.EXAMPLE.",
                "from:(info@new.example) OR to:info@new.example.",
            ),
            (
                "xinfo@old.example info@old.example.com info@old.examples",
                "xinfo@old.example info@old.example.com info@old.examples",
            ),
            (
                "{info@old.example b@c.example}",
                "{info@new.example b@c.example}",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(replace_all(text, &find_addresses(text, &mapping)), expected);
        }
    }
}
