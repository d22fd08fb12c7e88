//! The rules of `docs/rewrite-rules.md`, on parsed data, written without looking at the
//! planner: where the references are (R1-R6), what replace and add make of them, what
//! `check` must report, and which lines may change.

use std::collections::{BTreeSet, HashSet};

use crate::tree::{Node, V, data_eq};

/// The mapping file, as the oracle reads it (it is written from this, so no parser is
/// involved).
#[derive(Clone, Debug, Default)]
pub struct Mapping {
    pub accounts: Vec<(String, String)>,
    pub addresses: Vec<(String, String)>,
}

impl Mapping {
    pub fn account(&self, id: &str) -> Option<&str> {
        self.accounts
            .iter()
            .find(|(o, _)| o == id)
            .map(|(_, n)| n.as_str())
    }

    pub fn address(&self, address: &str) -> Option<&str> {
        let lower = address.to_lowercase();
        self.addresses
            .iter()
            .find(|(o, _)| o.to_lowercase() == lower)
            .map(|(_, n)| n.as_str())
    }

    fn map(&self, kind: RefKind, value: &str) -> Option<&str> {
        match kind {
            RefKind::Account => self.account(value),
            RefKind::Address => self.address(value),
        }
    }

    /// Every value a mapping writes (accounts and addresses).
    pub fn targets(&self) -> HashSet<&str> {
        self.accounts
            .iter()
            .chain(&self.addresses)
            .map(|(_, n)| n.as_str())
            .collect()
    }

    pub fn to_yaml(&self) -> String {
        let mut out = String::from("schema_version: 1\naccounts:\n");
        for (o, n) in &self.accounts {
            out.push_str(&format!("  {}: {}\n", json_string(o), json_string(n)));
        }
        if !self.addresses.is_empty() {
            out.push_str("addresses:\n");
            for (o, n) in &self.addresses {
                out.push_str(&format!("  {}: {}\n", json_string(o), json_string(n)));
            }
        }
        out
    }
}

/// A double-quoted scalar valid in JSON and YAML alike.
pub fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loc {
    /// R1: a condition's value (account IDs; a string or a list of strings).
    Condition,
    /// R2: an action's `from.account`.
    FromAccount,
    /// R3: an action's `from.address`.
    FromAddress,
    /// R4: `aliases[*].account`.
    AliasAccount,
    /// R5: `aliases[*].address`.
    AliasAddress,
    /// R6: `sharing[*].account`.
    SharingAccount,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefKind {
    Account,
    Address,
}

impl Loc {
    fn kind(self) -> RefKind {
        match self {
            Loc::FromAddress | Loc::AliasAddress => RefKind::Address,
            _ => RefKind::Account,
        }
    }
}

/// How to reach a value from the document's root: list indexes and mapping keys.
#[derive(Clone, Debug)]
pub enum Step {
    Index(usize),
    Key(String),
}

/// One reference use: a place in the expanded data.
#[derive(Clone, Debug)]
pub struct Use {
    pub loc: Loc,
    pub path: Vec<Step>,
    /// The lines of the aliases (and merge keys) on the way from the root, outermost first.
    pub via: Vec<u32>,
}

fn children(node: &Node) -> Vec<(Step, &Node)> {
    match &node.v {
        V::Seq(items) => items
            .iter()
            .enumerate()
            .map(|(i, n)| (Step::Index(i), n))
            .collect(),
        V::Map(entries) => entries
            .iter()
            .map(|(k, n)| (Step::Key(k.clone()), n))
            .collect(),
        _ => Vec::new(),
    }
}

fn child<'a>(node: &'a Node, step: &Step) -> Option<&'a Node> {
    match (step, &node.v) {
        (Step::Index(i), V::Seq(items)) => items.get(*i),
        (Step::Key(k), _) => node.get(k),
        _ => None,
    }
}

fn child_mut<'a>(node: &'a mut Node, step: &Step) -> Option<&'a mut Node> {
    match (step, &mut node.v) {
        (Step::Index(i), V::Seq(items)) => items.get_mut(*i),
        (Step::Key(k), V::Map(entries)) => entries.iter_mut().find(|(e, _)| e == k).map(|(_, v)| v),
        _ => None,
    }
}

pub fn at<'a>(root: &'a Node, path: &[Step]) -> &'a Node {
    path.iter()
        .fold(root, |n, s| child(n, s).expect("path exists"))
}

pub fn at_mut<'a>(root: &'a mut Node, path: &[Step]) -> &'a mut Node {
    path.iter()
        .fold(root, |n, s| child_mut(n, s).expect("path exists"))
}

fn join(path: &[Step], step: Step) -> Vec<Step> {
    let mut p = path.to_vec();
    p.push(step);
    p
}

fn with_via(via: &[u32], node: &Node) -> Vec<u32> {
    via.iter().chain(&node.via).copied().collect()
}

/// Every reference use in a document, in document order, by the built-in profile's
/// selectors (RFC 9535: `[*]` selects a list's items or a mapping's values; `..items`
/// applies to `conditions` itself and every value below it).
pub fn uses(root: &Node) -> Vec<Use> {
    let mut out = Vec::new();
    let via = root.via.clone();
    let push =
        |out: &mut Vec<Use>, loc, path: Vec<Step>, via: Vec<u32>| out.push(Use { loc, path, via });
    if let Some(rules) = root.get("rules") {
        let rules_path = vec![Step::Key("rules".into())];
        let rules_via = with_via(&via, rules);
        for (step, rule) in children(rules) {
            let rule_path = join(&rules_path, step);
            let rule_via = with_via(&rules_via, rule);
            if let Some(conditions) = rule.get("conditions") {
                let p = join(&rule_path, Step::Key("conditions".into()));
                descend(conditions, p, with_via(&rule_via, conditions), &mut out);
            }
            if let Some(actions) = rule.get("actions") {
                let actions_path = join(&rule_path, Step::Key("actions".into()));
                let actions_via = with_via(&rule_via, actions);
                for (step, action) in children(actions) {
                    let action_path = join(&actions_path, step);
                    let action_via = with_via(&actions_via, action);
                    if let Some(from) = action.get("from") {
                        let from_path = join(&action_path, Step::Key("from".into()));
                        let from_via = with_via(&action_via, from);
                        for (key, loc) in
                            [("account", Loc::FromAccount), ("address", Loc::FromAddress)]
                        {
                            if let Some(value) = from.get(key) {
                                push(
                                    &mut out,
                                    loc,
                                    join(&from_path, Step::Key(key.into())),
                                    with_via(&from_via, value),
                                );
                            }
                        }
                    }
                }
            }
        }
    }
    for (list, fields) in [
        (
            "aliases",
            &[
                ("account", Loc::AliasAccount),
                ("address", Loc::AliasAddress),
            ][..],
        ),
        ("sharing", &[("account", Loc::SharingAccount)][..]),
    ] {
        if let Some(entries) = root.get(list) {
            let list_path = vec![Step::Key(list.into())];
            let list_via = with_via(&via, entries);
            for (step, entry) in children(entries) {
                let entry_path = join(&list_path, step);
                let entry_via = with_via(&list_via, entry);
                for (key, loc) in fields {
                    if let Some(value) = entry.get(key) {
                        push(
                            &mut out,
                            *loc,
                            join(&entry_path, Step::Key((*key).into())),
                            with_via(&entry_via, value),
                        );
                    }
                }
            }
        }
    }
    out
}

/// `..items[?@.field == 'email_account' || @.field == 'account'].value` below a rule's
/// `conditions`.
fn descend(node: &Node, path: Vec<Step>, via: Vec<u32>, out: &mut Vec<Use>) {
    if let Some(items) = node.get("items") {
        let items_path = join(&path, Step::Key("items".into()));
        let items_via = with_via(&via, items);
        for (step, item) in children(items) {
            let field = item.get("field").and_then(Node::as_str);
            if matches!(field, Some("email_account" | "account"))
                && let Some(value) = item.get("value")
            {
                let item_via = with_via(&items_via, item);
                let p = join(&join(&items_path, step), Step::Key("value".into()));
                out.push(Use {
                    loc: Loc::Condition,
                    path: p,
                    via: with_via(&item_via, value),
                });
            }
        }
    }
    for (step, child) in children(node) {
        descend(child, join(&path, step), with_via(&via, child), out);
    }
}

/// A `check` finding the oracle expects: a use (or list item) whose value is a source, at
/// the line of the outermost alias it is reached through, or else where it is written.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub line: u32,
    pub value: String,
}

pub fn findings(root: &Node, mapping: &Mapping) -> Vec<Finding> {
    let mut out = Vec::new();
    for u in uses(root) {
        let node = at(root, &u.path);
        let kind = u.loc.kind();
        let line_of = |via: &[u32], n: &Node| via.first().copied().unwrap_or(n.line) + 1;
        match &node.v {
            V::Str(s) if mapping.map(kind, s).is_some() => out.push(Finding {
                line: line_of(&u.via, node),
                value: s.clone(),
            }),
            V::Seq(items) if u.loc == Loc::Condition => {
                for item in items {
                    if let Some(s) = item.as_str()
                        && mapping.map(kind, s).is_some()
                    {
                        let via = with_via(&u.via, item);
                        out.push(Finding {
                            line: line_of(&via, item),
                            value: s.to_owned(),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out.sort();
    out
}

/// What replace changed that is not a rewritten value: the lines of dropped list items and
/// entries (where their own text stands).
#[derive(Default, Debug)]
pub struct Dropped {
    pub lines: BTreeSet<u32>,
}

fn own_lines(node: &Node, out: &mut BTreeSet<u32>) {
    match node.via.first() {
        Some(alias) => {
            out.insert(*alias);
        }
        None => out.extend(node.line..=last_line(node)),
    }
}

/// The last line a value's own text takes: a block collection ends with its last item,
/// which may be an alias (`name: *x`), written where the alias stands.
fn last_line(node: &Node) -> u32 {
    children(node)
        .into_iter()
        .map(|(_, child)| match child.via.first() {
            Some(alias) => *alias,
            None => last_line(child),
        })
        .fold(node.end_line, u32::max)
}

/// The lines that hold a reference use (its text, the aliases and merge keys it is reached
/// through, and the anchored text it stands for).
pub fn reference_lines(root: &Node) -> BTreeSet<u32> {
    let mut out = BTreeSet::new();
    for u in uses(root) {
        out.extend(u.via.iter().copied());
        at(root, &u.path).text_lines(&mut out);
    }
    out
}

/// The lines of aliases to text that goes (a dropped item or entry defined the anchor): the
/// value they stand for is written out there, so those lines may change.
pub fn aliases_into(root: &Node, gone: &BTreeSet<u32>) -> BTreeSet<u32> {
    fn walk(node: &Node, gone: &BTreeSet<u32>, out: &mut BTreeSet<u32>) {
        if !node.via.is_empty() && (node.line..=node.end_line).any(|l| gone.contains(&l)) {
            out.extend(node.via.iter().copied());
        }
        for (_, child) in children(node) {
            walk(child, gone, out);
        }
    }
    let mut out = BTreeSet::new();
    walk(root, gone, &mut out);
    out
}

/// The closing-bracket lines of flow `aliases`/`sharing` lists and their entries: a copy
/// inserted after the last entry, or a last entry dropped, moves a separator there (in a
/// pretty-printed JSON file, `}` becomes `},` or the reverse).
pub fn separator_lines(root: &Node) -> BTreeSet<u32> {
    let mut out = BTreeSet::new();
    for list in ["aliases", "sharing"] {
        if let Some(entries) = root.get(list)
            && entries.flow
            && entries.via.is_empty()
        {
            out.insert(entries.end_line);
            for (_, entry) in children(entries) {
                if entry.flow && entry.via.is_empty() {
                    out.insert(entry.end_line);
                }
            }
        }
    }
    out
}

fn map_scalar(node: &mut Node, kind: RefKind, mapping: &Mapping) -> bool {
    if let V::Str(s) = &node.v
        && let Some(new) = mapping.map(kind, s)
    {
        node.v = V::Str(new.to_owned());
        return true;
    }
    false
}

/// Replace (the cutover), docs/rewrite-rules.md "Replace" 1-3, on one document.
pub fn replace(root: &Node, mapping: &Mapping, dropped: &mut Dropped) -> Node {
    let mut out = root.clone();
    for u in uses(root) {
        let kind = u.loc.kind();
        let node = at_mut(&mut out, &u.path);
        match &mut node.v {
            V::Seq(items) if u.loc == Loc::Condition => {
                // Step 1, then step 2: an item equal to an earlier item is dropped when it
                // or that earlier item was mapped.
                let mapped: Vec<(Node, bool)> = items
                    .iter()
                    .map(|item| {
                        let mut item = item.clone();
                        let was = map_scalar(&mut item, kind, mapping);
                        (item, was)
                    })
                    .collect();
                // "Earlier" is an earlier item that stays: in `[new, old, new]` the old one
                // goes and the duplicate that was already there stays.
                let mut kept: Vec<(Node, bool)> = Vec::new();
                for (i, (item, was)) in mapped.into_iter().enumerate() {
                    let duplicate = kept.iter().any(|(earlier, earlier_was)| {
                        (was || *earlier_was) && data_eq(earlier, &item)
                    });
                    if duplicate {
                        own_lines(&items[i], &mut dropped.lines);
                    } else {
                        kept.push((item, was));
                    }
                }
                *items = kept.into_iter().map(|(item, _)| item).collect();
            }
            V::Seq(_) => {}
            _ => {
                map_scalar(node, kind, mapping);
            }
        }
    }
    for (list, identity) in [
        ("aliases", &["account", "address"][..]),
        ("sharing", &["account"][..]),
    ] {
        let (Some(original), Some(V::Seq(entries))) =
            (root.get(list), out.get_mut(list).map(|n| &mut n.v))
        else {
            continue;
        };
        let V::Seq(original) = &original.v else {
            continue;
        };
        let drop = entries_to_drop(original, entries, identity, mapping);
        for &i in drop.iter().rev() {
            own_lines(&original[i], &mut dropped.lines);
            entries.remove(i);
        }
    }
    out
}

/// An entry's identity: its identity fields (addresses lower-cased), `None` when one is
/// not a string.
fn identity(entry: &Node, fields: &[&str]) -> Vec<Option<String>> {
    fields
        .iter()
        .map(|f| {
            entry.get(f).and_then(Node::as_str).map(|s| {
                if *f == "address" {
                    s.to_lowercase()
                } else {
                    s.to_owned()
                }
            })
        })
        .collect()
}

fn is_old(entry: &Node, mapping: &Mapping) -> bool {
    entry
        .get("account")
        .and_then(Node::as_str)
        .is_some_and(|a| mapping.account(a).is_some())
}

/// The copy of an entry for its new account: every reference mapped, `id` removed.
fn copy_of(mapped: &Node) -> Node {
    let mut copy = mapped.clone();
    if let V::Map(entries) = &mut copy.v {
        entries.retain(|(k, _)| k != "id");
    }
    copy
}

/// Replace 3: the entries (indexes) dropped from one `aliases` or `sharing` list.
fn entries_to_drop(
    original: &[Node],
    mapped: &[Node],
    fields: &[&str],
    mapping: &Mapping,
) -> Vec<usize> {
    let mut drop = Vec::new();
    let mut seen: Vec<Vec<Option<String>>> = Vec::new();
    for entry in mapped {
        let id = identity(entry, fields);
        if !seen.contains(&id) {
            seen.push(id);
        }
    }
    for id in seen {
        let group: Vec<usize> = (0..mapped.len())
            .filter(|&i| identity(&mapped[i], fields) == id)
            .collect();
        let old: Vec<usize> = group
            .iter()
            .copied()
            .filter(|&i| is_old(&original[i], mapping))
            .collect();
        if old.is_empty() || group.len() < 2 {
            continue;
        }
        let copies: Vec<Node> = old.iter().map(|&i| copy_of(&mapped[i])).collect();
        let unmodified_copy = |i: usize| copies.iter().any(|c| data_eq(c, &mapped[i]));
        let new: Vec<usize> = group.iter().copied().filter(|i| !old.contains(i)).collect();
        if new.iter().any(|&i| !unmodified_copy(i)) {
            drop.extend(old.iter().copied());
            drop.extend(new.iter().copied().filter(|&i| unmodified_copy(i)));
        } else {
            // The first old entry stays; another old entry goes only when it says what the
            // kept one says, and was not the same setting before the mapping too (a
            // duplicate that was there before is not the mapping's to merge).
            let keeper = old[0];
            let before = identity(&original[keeper], fields);
            let said = copy_of(&mapped[keeper]);
            drop.extend(old[1..].iter().copied().filter(|&i| {
                identity(&original[i], fields) != before && data_eq(&copy_of(&mapped[i]), &said)
            }));
            drop.extend(new.iter().copied());
        }
    }
    drop.sort_unstable();
    drop
}

/// Add (the transition), docs/rewrite-rules.md "Add" 1-4, on one document. Also says whether a
/// condition's string value became a list.
pub fn add(root: &Node, mapping: &Mapping) -> (Node, bool) {
    let mut out = root.clone();
    let mut string_to_list = false;
    for u in uses(root).into_iter().filter(|u| u.loc == Loc::Condition) {
        let node = at_mut(&mut out, &u.path);
        match &mut node.v {
            V::Str(s) => {
                if let Some(new) = mapping.account(s) {
                    node.v = V::Seq(vec![Node::str(s), Node::str(new)]);
                    string_to_list = true;
                }
            }
            V::Seq(items) => {
                let mut present: Vec<Node> = items.clone();
                let mut result = Vec::new();
                for item in items.drain(..) {
                    let new = item
                        .as_str()
                        .and_then(|s| mapping.account(s))
                        .map(Node::str);
                    result.push(item);
                    if let Some(new) = new
                        && !present.iter().any(|p| data_eq(p, &new))
                    {
                        present.push(new.clone());
                        result.push(new);
                    }
                }
                *items = result;
            }
            _ => {}
        }
    }
    for (list, fields) in [
        ("aliases", &["account", "address"][..]),
        ("sharing", &["account"][..]),
    ] {
        let Some(V::Seq(entries)) = out.get_mut(list).map(|n| &mut n.v) else {
            continue;
        };
        let mut present: Vec<Vec<Option<String>>> =
            entries.iter().map(|e| identity(e, fields)).collect();
        let mut result = Vec::new();
        for entry in entries.drain(..) {
            let copy = is_old(&entry, mapping).then(|| {
                let mut mapped = entry.clone();
                for f in fields {
                    if let Some(value) = mapped.get_mut(f) {
                        map_scalar(
                            value,
                            if *f == "address" {
                                RefKind::Address
                            } else {
                                RefKind::Account
                            },
                            mapping,
                        );
                    }
                }
                copy_of(&mapped)
            });
            result.push(entry);
            if let Some(copy) = copy {
                let id = identity(&copy, fields);
                if !present.contains(&id) {
                    present.push(id);
                    result.push(copy);
                }
            }
        }
        *entries = result;
    }
    (out, string_to_list)
}

/// Replace after add keeps a condition's string value as a one-item list: compare `"x"`
/// and `["x"]` as equal by making every condition string a one-item list.
pub fn conditions_as_lists(root: &Node) -> Node {
    let mut out = root.clone();
    for u in uses(root).into_iter().filter(|u| u.loc == Loc::Condition) {
        let node = at_mut(&mut out, &u.path);
        if let V::Str(_) = node.v {
            let item = node.clone();
            node.v = V::Seq(vec![item]);
        }
    }
    out
}

/// Compares an expected document with an actual one; template keys (see `tree::Doc`) must
/// be present but their values may differ.
pub fn compare_doc(expected: &Node, actual: &Node, templates: &BTreeSet<String>) -> Option<String> {
    let strip = |n: &Node| {
        let mut n = n.clone();
        if let V::Map(entries) = &mut n.v {
            for (k, v) in entries.iter_mut() {
                if templates.contains(k) {
                    *v = Node::str("<template>");
                }
            }
        }
        n
    };
    crate::tree::first_difference(&strip(expected), &strip(actual), "$")
}
