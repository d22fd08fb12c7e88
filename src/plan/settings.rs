//! Settings moved as a whole: aliases and sharing entries, whose profile selector says
//! `add: copy`.
//!
//! In add mode such a setting of an old account gets a copy for the new account right
//! after itself: its own text, with every mapped reference inside rewritten and the
//! holder's `copy_without` fields (the `id` the app assigns anew) left out — unless the
//! list already holds a setting with the copy's identity (two old accounts mapped to one
//! new account give one copy).
//!
//! In replace mode, settings that become the same setting (their `identity` fields agree
//! once mapped; addresses compared case-insensitively) keep one of them: the new
//! account's own setting when it has one that is not just a copy add mode made (it was
//! changed, or the app gave it an `id`), and otherwise the original, rewritten in place
//! with its position, comments and `id` — so replace after add gives what replace alone
//! gives. Two old settings that say different things (two old accounts mapped to one new
//! account, with different sharing) both stay: dropping one would lose what it says.

use std::collections::BTreeMap;

use super::{Action, Mode, Planner};
use crate::address;
use crate::diagnostic::{Diagnostic, Error};
use crate::locate::Holder;
use crate::mapping::EntryId;
use crate::node::{Node, Value};
use crate::path::Place;
use crate::profile::{AddRule, Kind};

/// One setting of a list that holds settings to move.
struct Setting<'a> {
    position: usize,
    node: &'a Node,
    /// The references inside it.
    inside: Vec<usize>,
    /// Whether it belongs to an old account (a reference that moves the setting as a whole
    /// is mapped).
    old: bool,
    /// Its data with every mapped reference inside rewritten.
    mapped: Node,
}

pub(super) fn plan(p: &mut Planner, mode: Mode) {
    // The settings to move: holders with a mapped `add: copy` reference inside, by list.
    let mut lists: BTreeMap<Place, Vec<usize>> = BTreeMap::new();
    // (Each holder once, in the order first seen: a search of its list's holders for
    // each was quadratic in a list of 200,000 aliases of one entry.)
    let mut seen = crate::fast_hash::FastSet::default();
    for reference in &p.located.references {
        if reference.add == AddRule::Copy
            && p.target(reference).is_some()
            && let Some(h) = reference.holder()
            && seen.insert(h)
            && let Some((list, _)) =
                Place::new(p.located.holders[h].doc, &p.located.holders[h].path).parent()
        {
            lists.entry(list).or_default().push(h);
        }
    }
    if lists.is_empty() {
        return;
    }
    // The references inside each setting of those lists. Only a reference below one of
    // the lists can be: the others (a large export's rules, for aliases and sharing) are
    // passed over without naming their place.
    let mut inside: BTreeMap<Place, Vec<usize>> = BTreeMap::new();
    for index in 0..p.located.references.len() {
        let reference = p.reference(index);
        let path = p.located.path(reference);
        let below = |list: &Place| {
            list.doc as usize == reference.doc()
                && path.len() > list.path.len()
                && path.starts_with(&list.path)
        };
        if !lists.keys().any(below) {
            continue;
        }
        let place = p.place(index);
        for h in p.located.holders_around(place.doc as usize, &place.path) {
            let holder = &p.located.holders[h];
            let holder_place = Place::new(holder.doc, &holder.path);
            if holder_place
                .parent()
                .is_some_and(|(list, _)| lists.contains_key(&list))
            {
                inside.entry(holder_place).or_default().push(index);
            }
        }
    }
    for (list, holders) in lists {
        let Some(node) = p.node(&list) else {
            continue;
        };
        let holder = &p.located.holders[holders[0]];
        let settings: Vec<Setting> = node
            .items()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(position, item)| {
                let place = list.child(position);
                let inside = inside.get(&place).cloned().unwrap_or_default();
                let old = inside.iter().any(|&r| {
                    let reference = p.reference(r);
                    reference.add == AddRule::Copy && p.target(reference).is_some()
                });
                let mapped = mapped(p, item, &place, &inside);
                Setting {
                    position,
                    node: item,
                    inside,
                    old,
                    mapped,
                }
            })
            .collect();
        match mode {
            Mode::Add => add(p, holder, &list, &settings),
            Mode::Replace => replace(p, holder, &list, &settings),
        }
    }
}

/// Add mode needs a setting to copy for each mapped reference whose selector says
/// `add: copy`: without a holder around it, the value would stay as it is, covering only
/// the old account. (A profile mistake, refused where it matters: replace mode copies
/// nothing.)
pub(super) fn copyable(p: &Planner) -> Result<(), Error> {
    let uncopyable = p
        .located
        .references
        .iter()
        .filter(|r| r.add == AddRule::Copy && r.holder().is_none() && p.target(r).is_some());
    let problems: Vec<Diagnostic> = uncopyable
        .map(|r| {
            Diagnostic::at(
                &p.file.source,
                r.site,
                "the profile says `add: copy` for this value, but none of its holders selects \
                 a setting around it to copy: add a holder whose path selects the settings of \
                 this list",
            )
        })
        .collect();
    match problems.is_empty() {
        true => Ok(()),
        false => Err(Error::many(problems)),
    }
}

/// Add mode: a copy for each old setting whose copy the list does not hold yet.
fn add(p: &mut Planner, holder: &Holder, list: &Place, settings: &[Setting]) {
    let mut identities: Vec<serde_json::Value> =
        settings.iter().map(|s| identity(holder, s.node)).collect();
    for setting in settings.iter().filter(|s| s.old) {
        // A setting inside one copied for the new account (lists are planned outer
        // first): the outer copy holds its copy, so a second one here would make the
        // original differ from it, and the next run copy again.
        if !setting.inside.is_empty() && setting.inside.iter().all(|&r| p.done[r]) {
            continue;
        }
        for &r in &setting.inside {
            p.done[r] = true;
        }
        let copy = without(holder, &setting.mapped);
        let wanted = identity(holder, &copy);
        // (Never the setting itself: an `identity` without the field that moves would take
        // every setting for its own copy, and no copy would ever be made.)
        let present = identities
            .iter()
            .enumerate()
            .any(|(i, id)| i != setting.position && *id == wanted);
        if present {
            continue; // the new account has it already
        }
        identities.push(wanted);
        let changes = mapped_references(p, &setting.inside);
        p.copy_setting(
            list.clone(),
            setting.position,
            copy,
            setting.inside.clone(),
            holder.copy_without().to_vec(),
            &changes,
        );
    }
}

/// Replace mode: of the settings that become one, one stays.
fn replace(p: &mut Planner, holder: &Holder, list: &Place, settings: &[Setting]) {
    let mut groups: Vec<(serde_json::Value, Vec<&Setting>)> = Vec::new();
    for setting in settings {
        let id = identity(holder, &setting.mapped);
        match groups.iter_mut().find(|(g, _)| *g == id) {
            Some((_, members)) => members.push(setting),
            None => groups.push((id, vec![setting])),
        }
    }
    for (_, members) in groups {
        if members.len() < 2 || !members.iter().any(|s| s.old) {
            continue;
        }
        // A setting of the new account that is not an unchanged copy of an old one.
        let copies: Vec<serde_json::Value> = members
            .iter()
            .filter(|s| s.old)
            .map(|s| without(holder, &s.mapped).to_json())
            .collect();
        // (Compared with its references mapped: a copy whose address is an alias of the
        // original's old address is still the copy.)
        let is_copy = |s: &Setting| !s.old && copies.contains(&s.mapped.to_json());
        let own = members.iter().any(|s| !s.old && !is_copy(s));
        let keeper = if own {
            members.iter().find(|s| !s.old && !is_copy(s))
        } else {
            members.iter().find(|s| s.old)
        };
        let kept = keeper.filter(|_| !own).map(|s| s.position);
        // Settings that were the same as the keeper before the mapping too were there
        // before: not the mapping's to merge.
        let before = keeper.map(|k| identity(holder, k.node));
        // Without a setting of the new account's own, another old setting goes only when
        // it says what the kept one says: two old accounts mapped to one new account whose
        // settings differ keep both (the many-to-one warning names them).
        let kept_data = keeper
            .filter(|_| !own)
            .map(|k| without(holder, &k.mapped).to_json());
        let redundant =
            |s: &Setting| own || kept_data.as_ref() == Some(&without(holder, &s.mapped).to_json());
        // The mapping entry the group moves by, for the summary of a dropped copy.
        let group_entry = members
            .iter()
            .filter(|s| s.old)
            .flat_map(|s| mapped_references(p, &s.inside))
            .map(|(_, entry)| entry)
            .next();
        for setting in members {
            let goes = if setting.old {
                Some(setting.position) != kept
                    && Some(identity(holder, setting.node)) != before
                    && redundant(setting)
            } else {
                is_copy(setting)
            };
            if !goes {
                continue;
            }
            for &r in &setting.inside {
                p.done[r] = true;
            }
            let mut changes: Vec<(usize, EntryId)> = mapped_references(p, &setting.inside);
            if !setting.old {
                // A copy's references to the new account go with the group's entry; an
                // old value it still holds (an address an alias of the original's) goes
                // with its own, above: the review must not count it as left.
                let own: Vec<usize> = changes.iter().map(|&(r, _)| r).collect();
                changes.extend(
                    setting
                        .inside
                        .iter()
                        .filter(|&&r| p.reference(r).add == AddRule::Copy && !own.contains(&r))
                        .filter_map(|&r| Some((r, group_entry?))),
                );
                changes.sort_by_key(|&(r, _)| r);
            }
            p.drop_item(list.clone(), setting.position, Action::Superseded, &changes);
        }
    }
}

/// The mapped references among `inside`, with their mapping entries.
fn mapped_references(p: &Planner, inside: &[usize]) -> Vec<(usize, EntryId)> {
    let mut out = Vec::new();
    for &r in inside {
        let reference = p.reference(r);
        match reference.kind {
            Kind::AddressInText => out.extend(
                address::find(&reference.value, p.mapping)
                    .into_iter()
                    .map(|(_, entry, _)| (r, entry)),
            ),
            _ => out.extend(p.target(reference).map(|(entry, _)| (r, entry))),
        }
    }
    out
}

/// A setting's data with every mapped reference inside rewritten.
fn mapped(p: &Planner, item: &Node, place: &Place, inside: &[usize]) -> Node {
    let mut copy = item.clone();
    for &r in inside {
        let reference = p.reference(r);
        let new = match reference.kind {
            Kind::AddressInText => address::replace(&reference.value, p.mapping),
            _ => match p.target(reference) {
                Some((_, new)) => p.whole(r, new).into_owned(),
                None => continue,
            },
        };
        let path = p.located.path(reference);
        if let Some(node) = copy.at_positions_mut(&path[place.path.len()..]) {
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
        return without(holder, item).to_json();
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
