//! Add mode: while the old and the new accounts both exist, settings must cover both. A
//! list reference gets the new value right after the old one (once); a single value that
//! may be a list becomes a list of both, at that use only; a single value that cannot hold
//! both (an action's `from.account`) stays as it is and is reported as left for the
//! cutover. The new value of an address inside a text (a Sieve `:contains` key) is that
//! text with its addresses replaced. Settings copied as a whole are planned in `settings`.

use std::borrow::Cow;

use super::{Action, Planner};
use crate::fast_hash::FastSet;
use crate::mapping::comparable;
use crate::node::Node;
use crate::profile::AddRule;

pub(super) fn plan(p: &mut Planner) {
    p.each_reference(
        |p, index| {
            let reference = p.reference(index);
            if reference.add == AddRule::List {
                // A list (or a single value that may be one) gets the new value beside the
                // old: the string with its mapped values replaced (an address inside a
                // text, such as a Sieve `:contains` key, gets the key with it replaced).
                match (reference.list(), p.replacement(index)) {
                    (_, None) => {}
                    (Some(_), Some(_)) => return true,
                    (None, Some(replacement)) if p.may_widen(index) => p.widen(index, &replacement),
                    // A single string where the format takes no list (a Sieve `redirect`
                    // address under a custom profile's `add: list`) holds one value only.
                    (None, Some(replacement)) => {
                        p.changes_at(index, Action::Kept, &replacement.changes)
                    }
                }
                return false;
            }
            // One value only: each mapped value in it stays for the cutover (an address
            // spelled with encoded characters too, reported at its string).
            match p.target(reference) {
                Some((entry, _)) => p.change(index, entry, Action::Kept),
                None => {
                    if let Some(replacement) = p.replacement(index) {
                        p.changes_at(index, Action::Kept, &replacement.changes);
                    }
                }
            }
            false
        },
        list_members,
    );
}

/// Adds each target right after its old value, unless the list already holds it.
fn list_members(p: &mut Planner, _list: usize, members: &[usize]) {
    let kind = p.reference(members[0]).kind;
    let Some((list_place, _)) = p.place(members[0]).parent() else {
        return;
    };
    let Some(node) = p.node(&list_place) else {
        return;
    };
    if !p.may_extend(&list_place) {
        // A list the format holds no more values in (a Sieve command's `arguments`): each
        // mapped value stays for the cutover.
        for &r in members {
            if let Some(replacement) = p.replacement(r) {
                p.changes_at(r, Action::Kept, &replacement.changes);
            }
        }
        return;
    }
    let items = node.items().unwrap_or_default();
    let mut present: FastSet<Cow<str>> = items
        .iter()
        .filter_map(Node::str)
        .map(|v| comparable(kind, v))
        .collect();
    // In list order: two old items that map to one new value get it after the first
    // (references are in the order of their text, which an alias item breaks).
    let mut members = members.to_vec();
    members.sort_by_key(|&r| p.reference(r).list().map(|(_, at)| at));
    for &r in &members {
        let reference = p.reference(r);
        let (Some(replacement), Some((_, position))) = (p.replacement(r), reference.list()) else {
            continue;
        };
        if present.insert(Cow::Owned(
            comparable(kind, &replacement.value).into_owned(),
        )) {
            p.insert_item(
                list_place.clone(),
                position,
                reference.style,
                r,
                &replacement,
            );
        }
    }
}
