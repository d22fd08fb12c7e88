//! The review: what a person approving the cutover reads, in their terms.
//!
//! One model, built once from the plan, and one small renderer per format: `text` (a plan
//! in the style of `terraform plan`: the accounts that move, then one block per setting
//! that changes, then the counts and the gate), JSON (this model, for programs; schema in
//! `schemas/`) and `html` (one self-contained page). Every reference to a mapped account or
//! address is listed — the same ones `check` reports before the change — with what happens
//! to it, named as the user names things (see `names`), and the gate says what would still
//! point at an old account afterwards.

pub mod html;
pub mod text;

use std::collections::{BTreeMap, HashMap};

use schemars::JsonSchema;
use serde::Serialize;

use crate::address;
use crate::fast_hash::FastMap;
use crate::inputs::Input;
use crate::locate::fill_label;
use crate::mapping::{EntryId, Mapping};
use crate::names::Names;
use crate::node::{Node, Span, Value};
use crate::plan::{Action, FilePlan, Mode};
use crate::profile::{Kind, Profile, Profiles};

/// What `cutover diff --format json` prints.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(title = "cutover review")]
pub struct Review {
    /// `replace` (the cutover) or `add` (the transition).
    pub mode: &'static str,
    /// The organisation the exports name, if any.
    pub organization: Option<String>,
    /// Each mapping entry that matches something: old → new, and how many references move.
    pub accounts: Vec<Move>,
    /// Every reference to a mapped account or address, in file order, and what happens to
    /// it; and every item or setting the change drops.
    pub changes: Vec<ChangeRecord>,
    pub summary: ReviewSummary,
    /// References to old accounts or addresses that this change does not move, as `check`
    /// reports them: an address of an old account the mapping's `addresses` lacks, an old
    /// value inside a longer one. Nothing covers them; the gate fails until they are fixed.
    pub unmoved: Vec<Unmoved>,
    /// The declaration of each of `summary.removable`, when an input declares it (for the
    /// renderers; the JSON names them in `accounts`).
    #[serde(skip)]
    #[schemars(skip)]
    pub removable_declared: Vec<Option<Declared>>,
}

/// One mapping entry.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Move {
    pub kind: RefKind,
    pub from: String,
    pub to: String,
    /// The old account's declaration, when an input declares it.
    pub from_account: Option<Declared>,
    /// The new account's declaration, when an input declares it.
    pub to_account: Option<Declared>,
    /// References that this change moves to the new value.
    pub references: usize,
    /// References that get the new value beside them (add mode).
    pub added: usize,
    /// References to the old value that remain after this change.
    pub remaining: usize,
}

/// An account as its declaration says.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Declared {
    pub id: String,
    pub address: Option<String>,
    pub name: Option<String>,
    /// The IMAP (or SMTP) host.
    pub host: Option<String>,
    /// How the review shows it.
    pub display: String,
    /// The start of its ID that names show (see `Names::short_id`).
    #[serde(skip)]
    #[schemars(skip)]
    pub short_id: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RefKind {
    Account,
    Address,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChangeAction {
    /// The value is replaced by the new one.
    Rewrite,
    /// The item goes (the list holds the value already), or, with `whole_setting`, the
    /// setting goes (another one for the new account stays).
    Drop,
    /// The new value is added beside the old one (add mode).
    Insert,
    /// The setting is copied for the new account (add mode).
    Copy,
    /// The reference stays as it is: it holds one value only (add mode: left for the
    /// cutover).
    Keep,
    /// Nothing to do: the new value is there already (add mode).
    Covered,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ChangeRecord {
    /// The file, as the patch names it: relative to the patch's root (the git work tree
    /// holding the inputs, else the working directory, else their deepest common
    /// directory; or `--relative`). As it is: the text and HTML formats escape it, as they
    /// do every text of the exports'.
    pub path: String,
    /// 1-based line of the reference (of the alias, when reached through one).
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The setting that holds the reference, named as `check` names it.
    pub holder: Option<String>,
    /// Where that setting stands, e.g. `rules[0]`.
    pub setting_path: Option<String>,
    /// The 1-based line of that setting.
    pub setting_line: Option<usize>,
    /// Where in the setting, e.g. `condition Email account is`.
    pub place: String,
    pub kind: RefKind,
    pub action: ChangeAction,
    /// Whether the action is on the whole setting (a copy, or the setting dropped).
    pub whole_setting: bool,
    /// The value as it is.
    pub from: String,
    /// The value it becomes, or stands beside (none when it is dropped).
    pub to: Option<String>,
    pub from_account: Option<Declared>,
    pub to_account: Option<Declared>,
}

/// The changes of one setting, as the renderers show them: a block each.
pub struct SettingChanges<'r> {
    pub path: &'r str,
    /// The setting's line (or the first change's, outside any setting).
    pub line: usize,
    /// Its name (none outside any setting).
    pub holder: Option<&'r str>,
    pub what: SettingChange,
    pub changes: Vec<&'r ChangeRecord>,
    /// Where the setting stands (`rules[1]`), when another block has its name and line
    /// (a minified export has every setting on line 1): shown then, to tell them apart.
    pub also_at: Option<&'r str>,
}

/// What happens to a setting as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingChange {
    /// Values in it change.
    Changed,
    /// A copy of it is added for the new account.
    Copied,
    /// It goes.
    Dropped,
    /// Nothing changes in it (add mode: left for the cutover, or covered).
    Kept,
}

impl Review {
    /// How the list of removable accounts is introduced: at once, or once the references
    /// the change leaves (`unmoved`) are fixed.
    pub fn removable_lead(&self) -> &'static str {
        if self.unmoved.is_empty() {
            "Then"
        } else {
            "Once those are fixed,"
        }
    }

    /// The old accounts that can be removed after the change, each with its declaration.
    pub fn removable(&self) -> impl Iterator<Item = (&str, Option<&Declared>)> {
        self.summary
            .removable
            .iter()
            .zip(&self.removable_declared)
            .map(|(id, declared)| (id.as_str(), declared.as_ref()))
    }

    /// The changes grouped by file and setting, in file order.
    pub fn settings(&self) -> Vec<SettingChanges<'_>> {
        let mut settings: Vec<SettingChanges> = Vec::new();
        // Each setting by file, place and line (two settings of one name may share a line,
        // and one place a path in two documents): a change joins its setting's block.
        let mut index: FastMap<(&str, &str, usize), usize> = FastMap::default();
        for change in &self.changes {
            let holder = change.holder.as_deref();
            let key = change
                .setting_path
                .as_deref()
                .zip(change.setting_line)
                .map(|(at, line)| (change.path.as_str(), at, line));
            match key.and_then(|key| index.get(&key)) {
                Some(&i) => settings[i].changes.push(change),
                None => {
                    if let Some(key) = key {
                        index.insert(key, settings.len());
                    }
                    settings.push(SettingChanges {
                        path: &change.path,
                        line: change.setting_line.unwrap_or(change.line),
                        holder,
                        what: SettingChange::Kept,
                        changes: vec![change],
                        also_at: None,
                    });
                }
            }
        }
        // Blocks a reader would take for one: the same file, name and line.
        let mut named: FastMap<(&str, Option<&str>, usize), usize> = FastMap::default();
        for setting in &settings {
            *named
                .entry((setting.path, setting.holder, setting.line))
                .or_default() += 1;
        }
        for setting in &mut settings {
            if named[&(setting.path, setting.holder, setting.line)] > 1 {
                setting.also_at = setting.changes[0].setting_path.as_deref();
            }
        }
        // Files in the order given, settings in file order.
        let mut order: FastMap<&str, usize> = FastMap::default();
        for change in &self.changes {
            let next = order.len();
            order.entry(change.path.as_str()).or_insert(next);
        }
        settings.sort_by_key(|s| (order[s.path], s.line));
        for setting in &mut settings {
            let all = |f: &dyn Fn(&ChangeRecord) -> bool| setting.changes.iter().all(|c| f(c));
            setting.what = if setting
                .changes
                .iter()
                .any(|c| c.action == ChangeAction::Copy)
            {
                SettingChange::Copied
            } else if all(&|c| c.action == ChangeAction::Drop && c.whole_setting) {
                SettingChange::Dropped
            } else if all(&|c| !c.changes()) {
                SettingChange::Kept
            } else {
                SettingChange::Changed
            };
        }
        settings
    }
}

impl ChangeRecord {
    /// Whether the text changes for it.
    pub fn changes(&self) -> bool {
        !matches!(self.action, ChangeAction::Keep | ChangeAction::Covered)
    }
}

/// A reference the change does not move (see [`Review::unmoved`]).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Unmoved {
    /// The file, as the patch names it.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The setting that holds it, named as `check` names it.
    pub holder: Option<String>,
    /// The old account or address.
    pub value: String,
    /// What `check` says about it.
    pub message: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ReviewSummary {
    /// Files that change.
    pub files: usize,
    /// Settings that change (rules, aliases, sharing entries).
    pub settings: usize,
    /// Settings added (copies for the new accounts).
    pub added: usize,
    /// Settings dropped.
    pub dropped: usize,
    /// References that change.
    pub references: usize,
    /// References to a mapping's old values that remain after the change.
    pub remaining: usize,
    /// References to old values that the change does not move (`unmoved`).
    pub unmoved: usize,
    /// Old accounts (IDs) that nothing references after the change: they can be removed.
    pub removable: Vec<String>,
}

/// The review of these plans; `paths` names each input as the patch does.
pub fn build(
    inputs: &[Input],
    paths: &[std::path::PathBuf],
    plans: &[FilePlan],
    mapping: &Mapping,
    profiles: &Profiles,
    names: &Names,
    mode: Mode,
) -> Review {
    let declared = |kind: Kind, value: &str| match kind {
        Kind::Account => names.declared(value).map(|a| Declared {
            id: a.id.clone(),
            address: a.address.clone(),
            name: a.name.clone(),
            host: a.hosts.first().cloned(),
            display: names.account(value),
            short_id: names.short_id(&a.id).to_owned(),
        }),
        _ => None,
    };
    let mut changes = Vec::new();
    // Per mapping entry: references moved, and references left.
    let mut moved: HashMap<EntryId, usize> = HashMap::new();
    let mut added: HashMap<EntryId, usize> = HashMap::new();
    let mut left: HashMap<EntryId, usize> = HashMap::new();
    let mut files = 0;
    for ((input, plan), path) in inputs.iter().zip(plans).zip(paths) {
        files += usize::from(!plan.is_empty());
        let source = &input.file.source;
        let path = crate::source::path_text(path);
        let located = &input.located;
        // What the plan does, by reference and where it points.
        let mut done: BTreeMap<(u32, Span), (Action, EntryId)> = BTreeMap::new();
        for change in &plan.changes {
            done.insert(
                (change.reference, change.site),
                (change.action, change.entry),
            );
        }
        for (index, reference) in located.references.iter().enumerate() {
            // The old values it holds: (value, where, entry, new value).
            let mut found: Vec<(String, Span, EntryId, String)> = Vec::new();
            match reference.kind {
                Kind::AddressInText => {
                    // As `check` finds them: where each is written, or (spelled with
                    // escapes or encoded characters) in the value, at its string.
                    let (start, written) = reference.written(source);
                    let mut spelled = address::find(written, mapping);
                    for (range, entry, new) in address::find(&reference.value, mapping) {
                        let at = spelled.iter().position(|(_, e, _)| *e == entry);
                        let (value, site) = match at.map(|i| spelled.remove(i).0) {
                            Some(range) if reference.site == reference.span => (
                                written[range.clone()].to_owned(),
                                Span::new(start + range.start, start + range.end),
                            ),
                            Some(range) => (written[range].to_owned(), reference.site),
                            None => (reference.value[range].to_owned(), reference.site),
                        };
                        found.push((value, site, entry, new.to_owned()));
                    }
                }
                kind => {
                    if let Some((entry, new)) = mapping.lookup(kind, &reference.value) {
                        found.push((
                            reference.value.to_string(),
                            reference.site,
                            entry,
                            new.into(),
                        ));
                    }
                }
            }
            // (value, where, new value, what happens; `None`: nothing, it is covered).
            let mut rows: Vec<(String, Span, Option<String>, Option<Action>)> = Vec::new();
            for (value, site, entry, new) in found {
                let action = done.remove(&(index as u32, site)).map(|(action, _)| action);
                match action {
                    Some(Action::Rewritten | Action::Removed | Action::Superseded) => {
                        *moved.entry(entry).or_default() += 1
                    }
                    Some(Action::Added | Action::Copied) => {
                        *added.entry(entry).or_default() += 1;
                        *left.entry(entry).or_default() += 1;
                    }
                    Some(Action::Kept) | None => *left.entry(entry).or_default() += 1,
                }
                rows.push((value, site, Some(new), action));
            }
            // Items and settings dropped that held no old value (a copy, the new value
            // already there): listed too, for they go.
            let extra: Vec<(u32, Span)> = done
                .range((index as u32, Span::default())..(index as u32 + 1, Span::default()))
                .map(|(k, _)| *k)
                .collect();
            for key in extra {
                if let Some((action, _)) = done.remove(&key) {
                    rows.push((reference.value.to_string(), key.1, None, Some(action)));
                }
            }
            for (value, site, new, action) in rows {
                let location = source.location(site.start as usize);
                let holder = located.holder(reference);
                let setting = holder.and_then(|h| {
                    let doc = input.file.docs().get(h.doc)?;
                    let node = doc.at_positions(&h.path)?;
                    Some((
                        doc.path_text(&h.path),
                        source.location(node.site().start as usize).line,
                    ))
                });
                let kind = match reference.kind {
                    Kind::Account => RefKind::Account,
                    _ => RefKind::Address,
                };
                let (action, whole) = match action {
                    Some(Action::Rewritten) => (ChangeAction::Rewrite, false),
                    Some(Action::Removed) => (ChangeAction::Drop, false),
                    Some(Action::Superseded) => (ChangeAction::Drop, true),
                    Some(Action::Added) => (ChangeAction::Insert, false),
                    Some(Action::Copied) => (ChangeAction::Copy, true),
                    Some(Action::Kept) => (ChangeAction::Keep, false),
                    None if mode == Mode::Add => (ChangeAction::Covered, false),
                    None => (ChangeAction::Keep, false),
                };
                changes.push(ChangeRecord {
                    path: path.clone(),
                    line: location.line,
                    column: location.column,
                    holder: holder.map(|h| names.label_text(&h.label)),
                    setting_path: setting.as_ref().map(|(p, _)| p.clone()),
                    setting_line: setting.map(|(_, l)| l),
                    place: place_label(input, profiles.get(input.profile), index),
                    kind,
                    action,
                    whole_setting: whole,
                    from_account: declared(reference.kind, &value),
                    to_account: new.as_deref().and_then(|n| declared(reference.kind, n)),
                    from: value,
                    to: new,
                });
            }
        }
    }
    let accounts: Vec<Move> = mapping
        .entries()
        .filter(|e| moved.contains_key(e) || left.contains_key(e) || added.contains_key(e))
        .map(|entry| {
            let pair = mapping.entry(entry);
            let kind = if entry.addresses {
                Kind::Address
            } else {
                Kind::Account
            };
            Move {
                kind: if entry.addresses {
                    RefKind::Address
                } else {
                    RefKind::Account
                },
                from_account: declared(kind, &pair.old),
                to_account: declared(kind, &pair.new),
                from: pair.old.clone(),
                to: pair.new.clone(),
                references: moved.get(&entry).copied().unwrap_or(0),
                added: added.get(&entry).copied().unwrap_or(0),
                remaining: left.get(&entry).copied().unwrap_or(0),
            }
        })
        .collect();
    let settings_of = |filter: &dyn Fn(&ChangeRecord) -> bool| {
        let mut seen: Vec<(&str, Option<usize>, Option<&str>)> = changes
            .iter()
            .filter(|c| filter(c))
            .map(|c| (c.path.as_str(), c.setting_line, c.setting_path.as_deref()))
            .collect();
        seen.sort();
        seen.dedup();
        seen.len()
    };
    let remaining = left.values().sum();
    let removable: Vec<String> = mapping
        .accounts
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            let entry = EntryId {
                addresses: false,
                index: *i as u32,
            };
            !left.contains_key(&entry)
        })
        .map(|(_, pair)| pair.old.clone())
        .collect();
    let removable_declared = removable
        .iter()
        .map(|id| declared(Kind::Account, id))
        .collect();
    let unmoved = crate::check::unmoved(inputs, mapping);
    let summary = ReviewSummary {
        files,
        settings: settings_of(&|c| c.changes()),
        added: settings_of(&|c| c.action == ChangeAction::Copy),
        dropped: settings_of(&|c| c.action == ChangeAction::Drop && c.whole_setting),
        references: changes.iter().filter(|c| c.changes()).count(),
        remaining,
        unmoved: unmoved.len(),
        removable,
    };
    // Findings name files as given; the review, as the patch does.
    let patch_name: HashMap<String, String> = inputs
        .iter()
        .map(|i| crate::source::path_text(&i.file.source.path))
        .zip(paths.iter().map(|p| crate::source::path_text(p)))
        .collect();
    let unmoved = unmoved
        .into_iter()
        .map(|f| Unmoved {
            path: patch_name
                .get(&*f.path)
                .cloned()
                .unwrap_or_else(|| f.path.to_string()),
            line: f.line,
            column: f.column,
            holder: f.holder.as_deref().map(str::to_owned),
            value: f.account.to_string(),
            message: f.message,
        })
        .collect();
    let organization = inputs.iter().flat_map(|i| i.file.docs()).find_map(|d| {
        d.field("organization")
            .and_then(Node::str)
            .map(str::to_owned)
    });
    Review {
        mode: match mode {
            Mode::Replace => "replace",
            Mode::Add => "add",
        },
        organization,
        accounts,
        changes,
        summary,
        unmoved,
        removable_declared,
    }
}

/// Where in its setting a reference stands, as the profile names it (`condition Email
/// account is`), its fields filled from the mapping around the value.
fn place_label(input: &Input, profile: &Profile, index: usize) -> String {
    let reference = &input.located.references[index];
    let Some(selector) = profile.references.get(reference.selector()) else {
        return String::new();
    };
    let template = &selector.label;
    if !template.contains('{') {
        return template.clone();
    }
    let path = input.located.path(reference);
    let Some(doc) = input.file.docs().get(reference.doc()) else {
        return template.clone();
    };
    // The nearest mapping around the value (a list item's list is in between).
    let around = (0..path.len())
        .rev()
        .filter_map(|depth| doc.at_positions(&path[..depth]))
        .find(|n| matches!(n.value(), Value::Map(_)));
    match around {
        Some(map) => fill_label(template, map, &input.file.source),
        None => template.clone(),
    }
}
