//! Add mode: while the old and the new accounts both exist, settings must cover both. A
//! list reference gets the new value right after the old one (once); a single value that
//! may be a list becomes a list of both; a single value that cannot hold both (an action's
//! `from.account`) stays as it is and is reported as left for the cutover. Settings copied
//! as a whole are planned in `holders`.

use std::collections::HashSet;

use super::{Action, Planner};
use crate::address;
use crate::edit::Edit;
use crate::layout::{Container, insert_after, node_properties_before};
use crate::node::{Node, Style, Value};
use crate::profile::{AddRule, Kind};
use crate::scalar;

pub(super) fn plan(p: &mut Planner) {
    p.each_reference(
        |p, index| {
            let reference = p.reference(index);
            if reference.kind == Kind::AddressInText {
                for (_, entry, _) in address::find(&reference.value, p.mapping) {
                    p.change(index, entry, Action::Kept);
                }
                return false;
            }
            let Some((entry, new)) = p.target(reference) else {
                return false;
            };
            match (reference.add, reference.list()) {
                (AddRule::List, Some(_)) => return true,
                (AddRule::List, None) => {
                    single_to_list(p, index, new);
                    p.change(index, entry, Action::Added);
                }
                _ => p.change(index, entry, Action::Kept),
            }
            false
        },
        list_members,
    );
}

/// Adds each target right after its old value, unless the list already holds it.
fn list_members(p: &mut Planner, list_index: usize, members: &[usize]) {
    let list = &p.located.lists[list_index];
    let Some(node) = p.list_node(list) else {
        return;
    };
    let container = Container::of_list(p.source(), node);
    let items = node.items().unwrap_or_default();
    let mut present: HashSet<&str> = items.iter().filter_map(Node::str).collect();
    for &r in members {
        let reference = p.reference(r);
        let Some((entry, new)) = p.target(reference) else {
            continue;
        };
        let Some((_, position)) = reference.list() else {
            continue;
        };
        if present.insert(new) {
            let text = scalar::write(new, reference.style);
            p.edits.push(insert_after(
                p.source(),
                &container,
                container.items[position],
                &text,
            ));
            p.expected
                .inserted
                .entry(reference.span)
                .or_default()
                .push(Node::from(new));
            p.change(r, entry, Action::Added);
        }
    }
}

/// `value: old` becomes `value: [old, new]`, each written in the old value's style. The
/// old value's anchor and tag move inside the list with it, so its aliases still mean the
/// old value and a `!!str` tag still applies to a string.
fn single_to_list(p: &mut Planner, index: usize, new: &str) {
    let reference = p.reference(index);
    let text = &p.source().text;
    let start = reference.span.start as usize;
    let style = reference.style;
    // Only YAML writes node properties before a value (JSON and Sieve have none to move).
    let yaml = matches!(
        style,
        Style::Plain | Style::SingleQuoted | Style::DoubleQuoted | Style::Block
    );
    let anchor_start = if yaml {
        node_properties_before(text, start)
    } else {
        start
    };
    let anchor = &text[anchor_start..start];
    let old = scalar::write(&reference.value, style);
    let new_text = scalar::write(new, style);
    let list = format!("[{anchor}{old}, {new_text}]");
    p.edits.push(Edit::replace(
        anchor_start..reference.span.end as usize,
        list,
    ));
    let both = Node::new(
        reference.span,
        Value::List(
            [Node::from(&*reference.value), Node::from(new)].into(),
            true,
        ),
    );
    p.expected.value(reference.span, both, false);
}
