//! Add mode: while the old and the new accounts both exist, settings must cover both. A
//! list reference gets the new value right after the old one (once); a single value that
//! may be a list becomes a list of both, at that use only; a single value that cannot hold
//! both (an action's `from.account`) stays as it is and is reported as left for the
//! cutover. Settings copied as a whole are planned in `settings`.

use super::Planner;
use crate::address;
use crate::fast_hash::FastSet;
use crate::mapping::comparable;
use crate::node::Node;
use crate::profile::{AddRule, Kind};

pub(super) fn plan(p: &mut Planner) {
    p.each_reference(
        |p, index| {
            let reference = p.reference(index);
            if reference.kind == Kind::AddressInText {
                let (start, written) = reference.written(p.source());
                let from = start - reference.span.start as usize;
                for (range, entry, _) in address::find(written, p.mapping) {
                    p.keep(index, entry, Some(from + range.start..from + range.end));
                }
                return false;
            }
            let Some((entry, new)) = p.target(reference) else {
                return false;
            };
            match (reference.add, reference.list()) {
                (AddRule::List, Some(_)) => return true,
                (AddRule::List, None) => p.widen(index, new, entry),
                _ => p.keep(index, entry, None),
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
    let items = node.items().unwrap_or_default();
    let mut present: FastSet<std::borrow::Cow<str>> = items
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
        let (Some((entry, new)), Some((_, position))) = (p.target(reference), reference.list())
        else {
            continue;
        };
        if present.insert(comparable(kind, new)) {
            p.insert_item(
                list_place.clone(),
                position,
                new,
                reference.style,
                (r, entry),
            );
        }
    }
}
