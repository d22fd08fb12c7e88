//! Replace mode: each mapped reference becomes its target (a text holding mapped
//! addresses: the text with them replaced). In a list where that makes two items equal, the
//! first stays and the later one goes: `[old, new]` becomes `[new]` with the old item's
//! position, comment and quoting (so replace after add gives what replace alone gives), and
//! a second run changes nothing.

use std::borrow::Cow;

use super::{Action, Planner, Replacement};
use crate::fast_hash::FastMap;
use crate::mapping::{EntryId, comparable};

pub(super) fn plan(p: &mut Planner) {
    p.each_reference(
        |p, index| {
            if p.reference(index).list().is_some() {
                return true;
            }
            p.rewrite_reference(index);
            false
        },
        list_members,
    );
}

/// The mapped members of one list: rewritten, and then of two equal items the later one
/// dropped when either was mapped.
fn list_members(p: &mut Planner, _list: usize, members: &[usize]) {
    let replacements: Vec<_> = members.iter().map(|&r| p.replacement(r)).collect();
    if replacements.iter().all(Option::is_none) {
        return;
    }
    let kind = p.reference(members[0]).kind;
    let Some((list_place, _)) = p.place(members[0]).parent() else {
        return;
    };
    let Some(node) = p.node(&list_place) else {
        return;
    };
    let items = node.items().unwrap_or_default();
    // The references by position, with what each becomes: a list of accounts has one per
    // item.
    let mut at: Vec<Option<(usize, Option<Replacement>)>> = Vec::new();
    at.resize_with(items.len(), || None);
    for (&r, replacement) in members.iter().zip(replacements) {
        if let Some((_, position)) = p.reference(r).list()
            && position < at.len()
        {
            at[position] = Some((r, replacement));
        }
    }
    // Each item's value after the rewrite, and the entry of its first mapped value.
    let after: Vec<Option<(Cow<str>, Option<EntryId>)>> = items
        .iter()
        .zip(&at)
        .map(|(item, at)| match at {
            Some((_, Some(replacement))) => Some((
                comparable(kind, &replacement.value),
                replacement.changes.first().map(|&(entry, _)| entry),
            )),
            _ => item.str().map(|v| (comparable(kind, v), None)),
        })
        .collect();
    // The first item of each value, and the entry that mapped it.
    let mut first_of: FastMap<&str, Option<EntryId>> = FastMap::default();
    for (i, value) in after.iter().enumerate() {
        let Some((value, entry)) = value else {
            continue;
        };
        let entry = *entry;
        let reference = at[i].as_ref();
        match first_of.get(value.as_ref()) {
            Some(&earlier) if entry.is_some() || earlier.is_some() => {
                // Equal to an earlier item: this one goes, with the entries that made it so.
                p.drop_item(list_place.clone(), i, Action::Removed, &[]);
                match reference {
                    Some((r, Some(replacement))) => {
                        p.changes_at(*r, Action::Removed, &replacement.changes)
                    }
                    Some((r, None)) => {
                        let site = p.reference(*r).site;
                        let earlier = earlier.expect("mapped, as this one is not");
                        p.changes_at(*r, Action::Removed, &[(earlier, site)]);
                    }
                    None => {}
                }
            }
            Some(_) => {} // two equal unmapped items were there before: not ours to change
            None => {
                first_of.insert(value.as_ref(), entry);
                if let Some((r, Some(replacement))) = reference {
                    p.rewrite_as(*r, replacement);
                }
            }
        }
    }
}
