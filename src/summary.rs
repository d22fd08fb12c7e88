//! The change summary that `diff` and `apply` print on stderr: per file and in total, how
//! many references of each group were rewritten, dropped, added or copied, which ones add
//! mode left for the cutover, which mapping entries matched nothing (often a sign of a
//! wrong export or a mistyped ID), and old accounts with different addresses mapped to one
//! new account (two mailboxes merged: meant, or a slip in the mapping).

use crate::inputs::Input;
use crate::locate::Reference;
use crate::mapping::{EntryId, Mapping};
use crate::names::Names;
use crate::plan::{Action, FilePlan};
use crate::profile::Profiles;

const ACTIONS: [(Action, &str); 6] = [
    (Action::Rewritten, "rewritten"),
    (Action::Removed, "dropped (the new value was already there)"),
    (
        Action::Superseded,
        "dropped with their setting (another for the new account stays)",
    ),
    (Action::Added, "added beside the old value"),
    (Action::Copied, "copied for the new account"),
    (Action::Kept, "left for the cutover"),
];

#[derive(Default)]
struct Counts {
    actions: [usize; ACTIONS.len()],
    groups: Vec<(String, usize)>,
}

impl Counts {
    fn add(&mut self, group: &str, action: Action) {
        if let Some(i) = ACTIONS.iter().position(|(a, _)| *a == action) {
            self.actions[i] += 1;
        }
        match self.groups.iter_mut().find(|(g, _)| g == group) {
            Some((_, n)) => *n += 1,
            None => self.groups.push((group.to_owned(), 1)),
        }
    }

    fn text(&self, order: &[String]) -> String {
        let mut parts: Vec<String> = ACTIONS
            .iter()
            .zip(self.actions)
            .filter(|(_, n)| *n > 0)
            .map(|((_, word), n)| format!("{n} {word}"))
            .collect();
        if parts.is_empty() {
            parts.push("0 rewritten".into());
        }
        let mut groups = self.groups.clone();
        groups.sort_by_key(|(g, _)| order.iter().position(|o| o == g).unwrap_or(usize::MAX));
        let mut text = parts.join(", ");
        if !groups.is_empty() {
            let groups: Vec<String> = groups.iter().map(|(g, n)| format!("{g} {n}")).collect();
            text.push_str(&format!(" ({})", groups.join(", ")));
        }
        text
    }
}

/// Whether a change writes the reference's own string anew: a rewrite, or (add mode) a single
/// value turned into a list of the old and the new.
fn rewrites_own_string(action: Action, reference: &Reference) -> bool {
    action == Action::Rewritten || (action == Action::Added && reference.list().is_none())
}

/// `verb` is what happened to the files: "would change" for diff, "changed" for apply.
pub fn render(
    inputs: &[Input],
    plans: &[FilePlan],
    mapping: &Mapping,
    profiles: &Profiles,
    names: &Names,
    verb: &str,
) -> String {
    // A mapping entry's values, named.
    let named = |entry: EntryId, value: &str| {
        if entry.addresses {
            value.to_owned()
        } else {
            names.short(value).to_owned()
        }
    };
    let order: Vec<String> = profiles
        .iter()
        .flat_map(|(_, profile)| &profile.holders)
        .map(|h| h.name.clone())
        .collect();
    let mut out = String::new();
    let mut kept = String::new();
    // Strings spelled with encoded characters that change, each noted once.
    let mut encoded = String::new();
    let mut noted: Option<(&str, u32)> = None;
    let mut total = Counts::default();
    let mut used = Used::of(mapping);
    let mut changed_files = 0;
    for (input, plan) in inputs.iter().zip(plans) {
        let mut counts = Counts::default();
        for change in &plan.changes {
            let reference = &input.located.references[change.reference as usize];
            let group = input.located.group(reference);
            counts.add(group, change.action);
            total.add(group, change.action);
            used.insert(change.entry);
            let source = &input.file.source;
            let place = |site: crate::node::Span| {
                let location = source.location(site.start as usize);
                let holder = input
                    .located
                    .holder(reference)
                    .map_or(String::new(), |h| format!(" in {}", names.label(&h.label)));
                format!(
                    "{}:{}:{}{holder}",
                    source.name, location.line, location.column
                )
            };
            let pair = mapping.entry(change.entry);
            if change.action == Action::Kept {
                kept.push_str(&format!(
                    "left for the cutover: {}: {} (then {})\n",
                    place(change.site),
                    named(change.entry, &pair.old),
                    named(change.entry, &pair.new)
                ));
            } else if rewrites_own_string(change.action, reference)
                && noted != Some((source.name.as_str(), change.reference))
                && reference.spelled_encoded(source, Some(mapping))
            {
                noted = Some((source.name.as_str(), change.reference));
                encoded.push_str(&format!(
                    "note: {}: {} is spelled with encoded characters (${{hex:…}}, ${{unicode:…}}); \
                     cutover writes what it changes there in plain text\n",
                    place(reference.site),
                    pair.old
                ));
            }
        }
        if !plan.changes.is_empty() {
            changed_files += usize::from(!plan.is_empty());
            out.push_str(&format!(
                "{}: {}\n",
                input.file.source.name,
                counts.text(&order)
            ));
        }
    }
    out.push_str(&kept);
    out.push_str(&encoded);
    out.push_str(&format!(
        "total: {} in {changed_files} of {} files {verb}\n",
        total.text(&order),
        inputs.len()
    ));
    // An entry is used when some reference holds its old value, changed or not (add mode
    // has nothing to do where the new value is already there). (Once every entry is, the
    // rest need not be looked up: on a large export, the changes used them all.)
    for input in inputs {
        for reference in &input.located.references {
            if used.all() {
                break;
            }
            match reference.kind {
                crate::profile::Kind::AddressInText => {
                    used.extend(
                        crate::address::find(&reference.value, mapping)
                            .into_iter()
                            .map(|(_, e, _)| e),
                    );
                }
                kind => used.extend(mapping.lookup(kind, &reference.value).map(|(e, _)| e)),
            }
        }
    }
    for entry in mapping.entries().filter(|&e| !used.contains(e)) {
        let pair = mapping.entry(entry);
        let line = mapping.source.location(pair.span.start as usize).line;
        out.push_str(&format!(
            "note: mapping entry {} -> {} ({}:{line}) matched nothing\n",
            named(entry, &pair.old),
            named(entry, &pair.new),
            mapping.source.name
        ));
    }
    out
}

/// The mapping entries some reference used: a flag per entry, the accounts' then the
/// addresses' (a set ordered or hashed was a fifth of the summary's time on a large
/// export, one insertion per change).
struct Used {
    flags: Vec<bool>,
    accounts: usize,
    /// How many flags are set.
    count: usize,
}

impl Used {
    fn of(mapping: &Mapping) -> Used {
        Used {
            flags: vec![false; mapping.accounts.len() + mapping.addresses.len()],
            accounts: mapping.accounts.len(),
            count: 0,
        }
    }

    fn slot(&self, entry: EntryId) -> usize {
        entry.index as usize + if entry.addresses { self.accounts } else { 0 }
    }

    fn insert(&mut self, entry: EntryId) {
        let slot = self.slot(entry);
        if let Some(flag) = self.flags.get_mut(slot)
            && !*flag
        {
            *flag = true;
            self.count += 1;
        }
    }

    fn contains(&self, entry: EntryId) -> bool {
        self.flags.get(self.slot(entry)).is_some_and(|flag| *flag)
    }

    fn all(&self) -> bool {
        self.count == self.flags.len()
    }
}

impl Extend<EntryId> for Used {
    fn extend<I: IntoIterator<Item = EntryId>>(&mut self, entries: I) {
        for entry in entries {
            self.insert(entry);
        }
    }
}

/// The warnings about old accounts with different addresses mapped to one new account,
/// rendered for stderr. (Read from the trees.)
pub fn many_to_one(inputs: &[Input], mapping: &Mapping) -> String {
    let declared = crate::accounts::declared(inputs.iter().map(|i| &i.file));
    mapping
        .many_to_one(&declared)
        .iter()
        .map(|merged| {
            crate::diagnostic::Diagnostic::at(&mapping.source, merged.other.span, merged.message())
                .warning()
                .render_coded(false, Some("many-to-one"))
        })
        .collect()
}
