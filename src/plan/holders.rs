//! Settings moved as a whole: aliases and sharing entries, whose profile selector says
//! `add: copy`.
//!
//! In add mode such a setting gets a copy for the new account right after itself: its own
//! text, with every mapped reference inside rewritten and the holder's `copy_without`
//! fields (the `id` the app assigns anew) left out. In replace mode a setting whose copy
//! already exists is dropped instead of rewritten, so replace after add gives the same
//! settings as replace alone. Two settings are the same when their `identity` fields agree
//! (addresses compared case-insensitively); a copy is never added twice.

use std::collections::{BTreeMap, HashMap};

use super::{Action, Mode, Planner};
use crate::address;
use crate::edit::{self, Edit};
use crate::layout::{Container, extent, insert_after, removal_edits};
use crate::locate::Holder;
use crate::node::{Node, Step, Value};
use crate::profile::{AddRule, Kind};
use crate::scalar;

pub(super) fn plan(p: &mut Planner, mode: Mode) {
    let mut holders: std::collections::BTreeSet<usize> = std::collections::BTreeSet::new();
    for reference in &p.located.references {
        if reference.add == AddRule::Copy
            && p.target(reference).is_some()
            && let Some(h) = reference.holder()
        {
            holders.insert(h);
        }
    }
    // The references inside each of those settings (only references that have a holder
    // can be inside one; the common case, no setting to copy, costs nothing).
    let mut inside: HashMap<usize, Vec<usize>> = HashMap::new();
    if !holders.is_empty() {
        for (r, reference) in p.located.references.iter().enumerate() {
            if reference.holder().is_none() {
                continue;
            }
            for h in p
                .located
                .holders_around(reference.doc(), p.located.path(reference))
            {
                if holders.contains(&h) {
                    inside.entry(h).or_default().push(r);
                }
            }
        }
    }
    // Items to drop, per list: (doc, list path) -> positions.
    let mut drops: BTreeMap<(usize, &[u32]), Vec<usize>> = BTreeMap::new();
    // The identities in each list, computed once per list: comparing every setting with
    // all of its siblings would be quadratic in a list of thousands of aliases.
    let mut lists: HashMap<(usize, &[u32], &str), Identities> = HashMap::new();
    for &h in &holders {
        let holder = &p.located.holders[h];
        let Some((&position, list_path)) = holder.path.split_last() else {
            continue;
        };
        let position = position as usize;
        let Some(siblings) = p.node(holder.doc, list_path).and_then(Node::items) else {
            continue;
        };
        let Some(item) = siblings.get(position) else {
            continue;
        };
        let inside = inside.get(&h).map(Vec::as_slice).unwrap_or_default();
        let copy = expected_copy(p, holder, item, inside);
        let wanted = identity(holder, &copy).to_string();
        let known = lists
            .entry((holder.doc, list_path, holder.group()))
            .or_insert_with(|| Identities::of(holder, siblings));
        // Another setting than this one has the copy's identity.
        let exists = known.count(&wanted) > usize::from(known.own[position] == wanted);
        match mode {
            Mode::Replace if exists => {
                drops
                    .entry((holder.doc, list_path))
                    .or_default()
                    .push(position);
                p.expected.removed.insert(item.span);
                for &r in inside {
                    p.done[r] = true;
                    if let Some((entry, _)) = p.target(p.reference(r)) {
                        p.change(r, entry, Action::Removed);
                    }
                }
            }
            Mode::Replace => {}
            Mode::Add => {
                if !exists && !add_copy(p, holder, item, position, inside, copy) {
                    continue; // cannot be copied as text: left to the per-reference rules
                }
                for &r in inside {
                    p.done[r] = true;
                    if let (false, Some((entry, _))) = (exists, p.target(p.reference(r))) {
                        p.change(r, entry, Action::Copied);
                    }
                }
            }
        }
    }
    for ((doc, list_path), positions) in drops {
        let Some(list) = p.node(doc, list_path) else {
            continue;
        };
        let container = Container::of_list(p.source(), list);
        let mut flags = vec![false; container.items.len()];
        for position in positions {
            flags[position] = true;
        }
        let edits = removal_edits(p.source(), &container, &flags);
        p.edits.extend(edits);
    }
}

/// The identity of each setting of a list (as JSON text), and how often each occurs.
struct Identities {
    own: Vec<String>,
    counts: HashMap<String, usize>,
}

impl Identities {
    fn of(holder: &Holder, settings: &[Node]) -> Identities {
        let own: Vec<String> = settings
            .iter()
            .map(|s| identity(holder, &without(holder, s)).to_string())
            .collect();
        let mut counts = HashMap::new();
        for id in &own {
            *counts.entry(id.clone()).or_insert(0) += 1;
        }
        Identities { own, counts }
    }

    fn count(&self, identity: &str) -> usize {
        self.counts.get(identity).copied().unwrap_or(0)
    }
}

/// The setting as its copy for the new account should read, as data.
fn expected_copy(p: &Planner, holder: &Holder, item: &Node, inside: &[usize]) -> Node {
    let mut copy = without(holder, item);
    for &r in inside {
        let reference = p.reference(r);
        let new = match reference.kind {
            Kind::AddressInText => address::replace(&reference.value, p.mapping),
            _ => match p.target(reference) {
                Some((_, new)) => new.to_owned(),
                None => continue,
            },
        };
        // By name: the copy has lost its `copy_without` fields, so positions would shift.
        let steps = item.steps(&p.located.path(reference)[holder.path.len()..]);
        if let Some(node) = at_mut(&mut copy, &steps) {
            *node = Node::from(new.as_str());
        }
    }
    copy
}

/// The setting without its `copy_without` fields.
fn without(holder: &Holder, item: &Node) -> Node {
    let mut copy = item.clone();
    if let Value::Map(entries) = copy.value_mut() {
        let mut kept = std::mem::take(entries).into_vec();
        kept.retain(|e| !holder.copy_without().iter().any(|f| *f == e.key));
        *entries = kept.into();
    }
    copy
}

/// What makes two settings the same: their identity fields, or all of their data.
fn identity(holder: &Holder, item: &Node) -> serde_json::Value {
    let normal = |v: serde_json::Value| match v {
        serde_json::Value::String(s) if s.contains('@') => s.to_lowercase().into(),
        v => v,
    };
    if holder.identity().is_empty() {
        return item.to_json();
    }
    holder
        .identity()
        .iter()
        .map(|field| {
            item.field(field)
                .map_or(serde_json::Value::Null, |n| normal(n.to_json()))
        })
        .collect()
}

fn at_mut<'n>(node: &'n mut Node, path: &[Step]) -> Option<&'n mut Node> {
    path.iter()
        .try_fold(node, |node, step| match (step, node.value_mut()) {
            (Step::Key(k), Value::Map(entries)) => entries
                .iter_mut()
                .find(|e| e.key == *k)
                .map(|e| &mut e.value),
            (Step::Index(i), Value::List(items, _)) => items.get_mut(*i),
            _ => None,
        })
}

/// Writes the copy of a setting right after it. Returns false when the setting's text
/// cannot be copied on its own (a reference inside it is written elsewhere, through an
/// alias).
/// Whether a setting's text uses YAML anchors or aliases: copied, an anchor would be
/// defined twice (later aliases would mean the copy) and an alias would still mean the
/// original, so such a setting is not copied as text.
fn uses_anchors(source: &crate::source::Source, node: &Node) -> bool {
    let mut found = false;
    node.walk(&mut Vec::new(), &mut |_, n| {
        found |= n.alias().is_some()
            || crate::layout::anchor_before(&source.text, n.span.start as usize)
                < n.span.start as usize;
    });
    found
}

fn add_copy(
    p: &mut Planner,
    holder: &Holder,
    item: &Node,
    position: usize,
    inside: &[usize],
    copy: Node,
) -> bool {
    let source = p.source();
    if uses_anchors(source, item) {
        return false;
    }
    let span = extent(source, item);
    let (start, end) = (span.start as usize, span.end as usize);
    let mut edits = Vec::new();
    for &r in inside {
        let reference = p.reference(r);
        let (a, b) = (reference.span.start as usize, reference.span.end as usize);
        let raw = &source.text[a..b];
        let replacements: Vec<Edit> = match reference.kind {
            Kind::AddressInText => address::find(raw, p.mapping)
                .into_iter()
                .map(|(range, _, new)| Edit::replace(a + range.start..a + range.end, new))
                .collect(),
            _ => match p.target(reference) {
                Some((_, new)) => vec![Edit::replace(a..b, scalar::write(new, reference.style))],
                None => Vec::new(),
            },
        };
        if !replacements.is_empty() && (a < start || b > end || reference.site != reference.span) {
            return false;
        }
        edits.extend(replacements);
    }
    if let Some(entries) = item.entries() {
        let fields = Container::of_map(source, item);
        let flags: Vec<bool> = entries
            .iter()
            .map(|e| holder.copy_without().iter().any(|f| *f == e.key))
            .collect();
        edits.extend(removal_edits(source, &fields, &flags));
    }
    let Ok(edits) = edit::normalize(edits) else {
        return false;
    };
    // A dropped last field may take the line ending after the setting: that is not part
    // of the copy's text.
    let blank = |range: std::ops::Range<usize>| source.text[range].trim().is_empty();
    let mut shifted = Vec::new();
    for e in edits {
        let (a, b) = (e.range.start.max(start), e.range.end.min(end));
        if (e.range.start < start && !blank(e.range.start..start))
            || (e.range.end > end && !blank(end..e.range.end))
        {
            return false;
        }
        shifted.push(Edit::replace(a - start..b.max(a) - start, e.content));
    }
    // A dropped last field leaves the line break before it: the copy ends with its content.
    let text = edit::apply(&source.text[start..end], &shifted)
        .trim_end()
        .to_owned();
    let Some(list) = item_list(p, holder) else {
        return false;
    };
    let container = Container::of_list(source, list);
    p.edits.push(insert_after(
        source,
        &container,
        container.items[position],
        &text,
    ));
    p.expected.inserted.entry(item.span).or_default().push(copy);
    true
}

fn item_list<'a>(p: &Planner<'a>, holder: &Holder) -> Option<&'a Node> {
    let (_, list_path) = holder.path.split_last()?;
    p.node(holder.doc, list_path)
}
