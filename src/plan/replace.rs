//! Replace mode: each mapped reference becomes its target. In a list where that makes two
//! items equal, the first stays and the later one goes: `[old, new]` becomes `[new]` with
//! the old item's position, comment and quoting (so replace after add gives what replace
//! alone gives), and a second run changes nothing.

use std::borrow::Cow;

use super::{Action, Planner};
use crate::address;
use crate::fast_hash::FastMap;
use crate::mapping::{EntryId, comparable};
use crate::profile::Kind;

pub(super) fn plan(p: &mut Planner) {
    p.each_reference(
        |p, index| {
            let reference = p.reference(index);
            match (reference.kind, reference.list()) {
                (Kind::AddressInText, _) => {
                    let (start, written) = reference.written(p.source());
                    if address::verbatim(written, &reference.value, p.mapping) {
                        let found = address::find(written, p.mapping);
                        if !found.is_empty() {
                            p.rewrite_in_text(index, start, found);
                        }
                    } else {
                        // An address spelled with escapes or encoded characters: the
                        // whole string is written anew, in its style.
                        p.rewrite_text_anew(index);
                    }
                }
                (_, Some(_)) => return true,
                (_, None) => {
                    if let Some((entry, new)) = p.target(reference) {
                        p.rewrite(index, new, entry);
                    }
                }
            }
            false
        },
        list_members,
    );
}

/// The mapped members of one list: rewritten, and then of two equal items the later one
/// dropped when either was mapped.
fn list_members(p: &mut Planner, _list: usize, members: &[usize]) {
    if !members.iter().any(|&r| p.target(p.reference(r)).is_some()) {
        return;
    }
    let first = p.reference(members[0]);
    let kind = first.kind;
    let Some((list_place, _)) = p.place(members[0]).parent() else {
        return;
    };
    let Some(node) = p.node(&list_place) else {
        return;
    };
    let items = node.items().unwrap_or_default();
    // The references by position: a list of accounts has one per item.
    let mut at: Vec<Option<usize>> = vec![None; items.len()];
    for &r in members {
        if let Some((_, position)) = p.reference(r).list()
            && position < at.len()
        {
            at[position] = Some(r);
        }
    }
    // Each item's value after the rewrite, and whether it was mapped.
    let after: Vec<Option<(Cow<str>, Option<EntryId>)>> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let mapped = at[i].and_then(|r| p.target(p.reference(r)));
            match mapped {
                Some((entry, new)) => Some((comparable(kind, new), Some(entry))),
                None => item.str().map(|v| (comparable(kind, v), None)),
            }
        })
        .collect();
    // The first item of each value, and whether it was mapped.
    let mut first_of: FastMap<&str, (bool, Option<EntryId>)> = FastMap::default();
    for (i, value) in after.iter().enumerate() {
        let Some((value, entry)) = value else {
            continue;
        };
        let entry = *entry;
        let reference = at[i];
        match first_of.get(value.as_ref()) {
            Some(&(earlier_mapped, earlier_entry)) if entry.is_some() || earlier_mapped => {
                // Equal to an earlier item: this one goes, with the entry that made it so.
                let changes: Vec<(usize, EntryId)> = reference
                    .into_iter()
                    .filter_map(|r| Some((r, entry.or(earlier_entry)?)))
                    .collect();
                p.drop_item(list_place.clone(), i, Action::Removed, &changes);
            }
            Some(_) => {} // two equal unmapped items were there before: not ours to change
            None => {
                first_of.insert(value.as_ref(), (entry.is_some(), entry));
                if let (Some(r), Some(entry)) = (reference, entry) {
                    let (_, new) = p.target(p.reference(r)).expect("mapped above");
                    p.rewrite(r, new, entry);
                }
            }
        }
    }
}
