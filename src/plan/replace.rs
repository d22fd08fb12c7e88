//! Replace mode: each mapped reference becomes its target; in a list that already holds the
//! target, the old value is dropped instead, so `[old, new]` becomes `[new]` and a second
//! run changes nothing.

use std::borrow::Cow;

use super::{Action, Planner};
use crate::address;
use crate::edit::Edit;
use crate::fast_hash::FastSet;
use crate::layout::{Container, anchor_before, removal_edits};
use crate::mapping::comparable;
use crate::node::Node;
use crate::profile::Kind;

pub(super) fn plan(p: &mut Planner) {
    p.each_reference(
        |p, index| {
            let reference = p.reference(index);
            match (reference.kind, reference.list()) {
                (Kind::AddressInText, _) => address_in_text(p, index),
                (_, Some(_)) => return true,
                (_, None) => {
                    if let Some((entry, new)) = p.target(reference) {
                        p.rewrite(reference.span, reference.style, new);
                        p.change(index, entry, Action::Rewritten);
                    }
                }
            }
            false
        },
        list_members,
    );
}

/// Rewrites the mapped addresses inside one text, each where it stands; when one is spelled
/// with escapes or encoded characters, the whole string is written anew in its style.
fn address_in_text(p: &mut Planner, index: usize) {
    let reference = p.reference(index);
    let (start, raw) = reference.written(p.source());
    if !address::verbatim(raw, &reference.value, p.mapping) {
        let value = address::replace(&reference.value, p.mapping);
        p.rewrite(reference.span, reference.style, &value);
        for (_, entry, _) in address::find(&reference.value, p.mapping) {
            p.change(index, entry, Action::Rewritten);
        }
        return;
    }
    let found = address::find(raw, p.mapping);
    if found.is_empty() {
        return;
    }
    for (range, entry, new) in found {
        p.edits
            .push(Edit::replace(start + range.start..start + range.end, new));
        p.change(index, entry, Action::Rewritten);
    }
    let value = address::replace(&reference.value, p.mapping);
    p.expected.string(reference.span, value);
}

/// The mapped members of one list: rewritten, or dropped where the target is already there.
fn list_members(p: &mut Planner, list_index: usize, members: &[usize]) {
    let list = &p.located.lists[list_index];
    let mapped: Vec<_> = members
        .iter()
        .filter_map(|&r| p.target(p.reference(r)).map(|(entry, new)| (r, entry, new)))
        .collect();
    if mapped.is_empty() {
        return;
    }
    let kind = p.reference(members[0]).kind;
    let located = p.located;
    let position = |r: usize| located.references[r].list().map_or(0, |(_, at)| at);
    // Each item's value: from the references when every item is one (a condition's list
    // of accounts), or else from the tree.
    let mut values: Vec<Option<&str>> = vec![None; list.len];
    for &r in members {
        values[position(r)] = Some(&located.references[r].value);
    }
    let mut node = None;
    if values.contains(&None) {
        node = p.list_node(list);
        let items = node.and_then(Node::items).unwrap_or_default();
        values = items.iter().map(Node::str).collect();
    }
    // Per item: what was decided for it (the same item reached through several aliases,
    // a list merged into several rules, is decided once), and `Some(None)` for a mapped
    // item not decided yet.
    let mut decided: Vec<Option<Option<Action>>> = vec![None; values.len()];
    for (r, ..) in &mapped {
        decided[position(*r)] = Some(None);
    }
    // The values that stay: those of the items not mapped.
    let mut present: FastSet<Cow<str>> = values
        .iter()
        .zip(&decided)
        .filter(|(_, decided)| decided.is_none())
        .filter_map(|(value, _)| value.map(|v| comparable(kind, v)))
        .collect();
    for (r, entry, new) in mapped {
        if let Some(Some(action)) = decided[position(r)] {
            p.change(r, entry, action);
            continue;
        }
        let reference = p.reference(r);
        // An anchored item may be used through aliases elsewhere: dropping it would drop
        // the anchor, so it is rewritten (the list then holds the new value twice).
        let anchored = anchor_before(&p.source().text, reference.span.start as usize)
            < reference.span.start as usize;
        let action = if present.insert(comparable(kind, new)) || anchored {
            p.rewrite(reference.span, reference.style, new);
            Action::Rewritten
        } else {
            p.expected.removed.insert(reference.span);
            Action::Removed
        };
        p.change(r, entry, action);
        decided[position(r)] = Some(Some(action));
    }
    let removed: Vec<bool> = decided
        .iter()
        .map(|d| *d == Some(Some(Action::Removed)))
        .collect();
    if removed.contains(&true)
        && let Some(node) = node.or_else(|| p.list_node(list))
    {
        let container = Container::of_list(p.source(), node);
        let edits = removal_edits(p.source(), &container, &removed);
        p.edits.extend(edits);
    }
}
