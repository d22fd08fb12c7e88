//! `cutover checklist`: the provider-move procedure, for this organisation's exports.
//!
//! The steps are always the same; what each involves here is read from the exports and the
//! mapping: which accounts move, which sharing settings and aliases the new accounts need
//! (and which they already have), which rules change, what `check` still reports. A step
//! the exports can show as finished is ticked.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::check::{self, Removed};
use crate::cli::ChecklistFormat;
use crate::commands::{both, print};
use crate::diagnostic::Error;
use crate::hiargs;
use crate::inputs::{self, Input};
use crate::mapping::Mapping;
use crate::names::Names;
use crate::node::Node;
use crate::profile::{Kind, Profiles};

#[derive(Debug, Serialize)]
pub struct Checklist {
    pub organization: Option<String>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Serialize)]
pub struct Step {
    pub number: usize,
    pub title: &'static str,
    pub status: Status,
    pub items: Vec<Item>,
}

#[derive(Debug, Serialize)]
pub struct Item {
    pub done: bool,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Work remains, as the exports show.
    Todo,
    /// The exports show it finished.
    Done,
    /// Done outside the app; the exports cannot tell.
    Manual,
}

pub fn checklist(args: &hiargs::Checklist) -> Result<u8, Error> {
    let profiles = Profiles::resolve(args.profile.as_deref())?;
    let (mapping, inputs) = both(
        Mapping::read(&args.mapping),
        inputs::load(&args.paths, &profiles, inputs::Trees::Whole),
    )?;
    inputs::check_mapping(&inputs, &mapping)?;
    let removed = Removed::resolve(&inputs, Some(&mapping), &[], &args.removed_host)?;
    let list = build(&inputs, &mapping, &removed);
    let text = match args.format {
        ChecklistFormat::Text => render(&list),
        ChecklistFormat::Json => {
            let mut text =
                serde_json::to_string_pretty(&list).expect("a checklist is always valid JSON");
            text.push('\n');
            text
        }
    };
    print(&text)?;
    Ok(0)
}

fn item(done: bool, text: String) -> Item {
    Item { done, text }
}

fn step(number: usize, title: &'static str, manual: bool, items: Vec<Item>) -> Step {
    let status = if manual {
        Status::Manual
    } else if items.iter().all(|i| i.done) {
        Status::Done
    } else {
        Status::Todo
    };
    Step {
        number,
        title,
        status,
        items,
    }
}

/// The checklist; `removed` is what `check` would take as removed (the mapping's old
/// accounts, and those on a `--removed-host`).
pub fn build(inputs: &[Input], mapping: &Mapping, removed: &Removed) -> Checklist {
    let names = Names::of(inputs);
    let find = |id: &str| names.declared(id);
    let name = |id: &str| names.account(id);
    let organization = inputs.iter().flat_map(|i| i.file.docs()).find_map(|d| {
        d.field("organization")
            .and_then(Node::str)
            .map(str::to_owned)
    });

    let keep = mapping
        .accounts
        .iter()
        .map(|p| match find(&p.old) {
            Some(_) => item(
                true,
                format!("{}: keep it connected until step 8", name(&p.old)),
            ),
            None => item(
                false,
                format!(
                    "{}: not declared in the exports; is it still connected?",
                    p.old
                ),
            ),
        })
        .collect();

    let connect = mapping
        .accounts
        .iter()
        .map(|p| match find(&p.new) {
            Some(_) => item(
                true,
                format!("{} is connected (replaces {})", name(&p.new), name(&p.old)),
            ),
            None => item(
                false,
                format!(
                    "{}: not declared in the exports; connect it, then export again",
                    p.new
                ),
            ),
        })
        .collect();

    // Each setting of a group, and whether the app has it: a setting that lacks the
    // fields a copy leaves out (the `id` the app assigns) is add mode's copy, only prepared
    // in the export.
    let settings = |group: &str| -> Vec<(&Node, bool)> {
        let mut found = Vec::new();
        for input in inputs {
            for holder in input.located.holders.iter().filter(|h| h.group() == group) {
                if let Some(node) = input.file.docs()[holder.doc].at_positions(&holder.path) {
                    let in_app = holder.copy_without().is_empty()
                        || holder
                            .copy_without()
                            .iter()
                            .any(|f| node.field(f).is_some());
                    found.push((node, in_app));
                }
            }
        }
        found
    };
    let field = |node: &Node, key: &str| node.field(key).and_then(Node::str).map(str::to_owned);
    let sharing_entries = settings("sharing");
    let status = |found: Option<&(&Node, bool)>| match found {
        Some((_, true)) => (true, ""),
        Some((_, false)) => (false, " (prepared in the export: create it in the app)"),
        None => (false, ""),
    };
    // An old account on a removed host that the mapping forgot: its settings have nowhere
    // to go.
    let forgot = |old: &str, what: String| {
        removed.accounts.contains_key(old).then(|| {
            item(
                false,
                format!(
                    "{what}: its account {} is removed, and the mapping has no new account \
                     for it: map it",
                    name(old)
                ),
            )
        })
    };
    // What `check` reports about these inputs: a step whose settings it still fails on is
    // not done.
    let findings = check::findings(inputs, removed, None, check::Keys::Named);
    // The sharing entries and aliases are steps 3 and 4; every other setting (the app's
    // rules, a Sieve script's filters, another tool's) is step 6.
    let copied = |f: &check::Finding| matches!(group(f), Some("sharing" | "aliases"));
    // The references of a step's settings to accounts no input declares (a new ID
    // mistyped, or an account not connected yet), each setting and account once: `check`
    // fails on them.
    let dangling = |in_step: &dyn Fn(&check::Finding) -> bool| -> Vec<Item> {
        let mut seen: Vec<(String, &str)> = Vec::new();
        for finding in findings
            .iter()
            .filter(|f| f.kind == check::FindingKind::Dangling && in_step(f))
        {
            let at = (setting_named(finding), &*finding.account);
            if !seen.contains(&at) {
                seen.push(at);
            }
        }
        seen.into_iter()
            .map(|(setting, account)| {
                item(
                    false,
                    format!(
                        "{setting}: references account {account}, which no account in the \
                         exports declares: correct the ID, or connect that account and export \
                         again (run `cutover check`)"
                    ),
                )
            })
            .collect()
    };
    let sharing = sharing_entries
        .iter()
        .filter_map(|(entry, _)| {
            let old = field(entry, "account")?;
            let Some((_, new)) = mapping.lookup(Kind::Account, &old) else {
                return forgot(&old, format!("sharing of {}", name(&old)));
            };
            let found = sharing_entries
                .iter()
                .find(|(e, _)| field(e, "account").as_deref() == Some(new));
            let (done, note) = status(found);
            Some(item(
                done,
                format!(
                    "share {} like {}: {}{note}",
                    name(new),
                    name(&old),
                    describe_sharing(entry)
                ),
            ))
        })
        .chain(dangling(&|f| group(f) == Some("sharing")))
        .collect();

    let alias_entries = settings("aliases");
    let aliases = alias_entries
        .iter()
        .filter_map(|(alias, _)| {
            let old = field(alias, "account")?;
            let address = field(alias, "address").unwrap_or_default();
            let Some((_, new)) = mapping.lookup(Kind::Account, &old) else {
                return forgot(&old, format!("alias {address}"));
            };
            let new_address = mapping
                .lookup(Kind::Address, &address)
                .map_or(address.clone(), |(_, a)| a.to_owned());
            let found = alias_entries.iter().find(|(a, _)| {
                field(a, "account").as_deref() == Some(new)
                    && field(a, "address").is_some_and(|x| x.eq_ignore_ascii_case(&new_address))
            });
            let (done, note) = status(found);
            let label = field(alias, "name").map_or(String::new(), |n| format!(" ({n})"));
            Some(item(
                done,
                format!(
                    "alias {address}{label}: recreate as {new_address} on {}{note}",
                    name(new)
                ),
            ))
        })
        .chain(dangling(&|f| group(f) == Some("aliases")))
        .collect();

    let domains: BTreeSet<String> = mapping
        .accounts
        .iter()
        .filter_map(|p| find(&p.old).and_then(|a| a.address.clone()))
        .filter_map(|a| a.split_once('@').map(|(_, d)| d.to_lowercase()))
        .collect();
    let switch = domains
        .into_iter()
        .map(|d| {
            item(
                false,
                format!("{d}: point its MX records at the new provider"),
            )
        })
        .collect();

    let mut rules: Vec<(String, usize)> = Vec::new();
    for finding in findings
        .iter()
        .filter(|f| f.kind == check::FindingKind::Removed && !copied(f))
    {
        let holder = setting_named(finding);
        match rules.iter_mut().find(|(h, _)| *h == holder) {
            Some((_, n)) => *n += 1,
            None => rules.push((holder, 1)),
        }
    }
    let rule_items = rules
        .into_iter()
        .map(|(h, n)| {
            item(
                false,
                format!(
                    "{h}: {n} reference{} to old accounts",
                    if n == 1 { "" } else { "s" }
                ),
            )
        })
        .chain(dangling(&|f| !copied(f)))
        .collect();

    // By its ID, or by its declared address (an auto-reply still sent from it): the gate
    // fails on either, so the account cannot go yet.
    let referenced = |id: &str| {
        let address = find(id).and_then(|a| a.address.as_deref());
        findings.iter().any(|f| {
            f.kind == check::FindingKind::Removed
                && (*f.account == *id || address.is_some_and(|a| f.account.eq_ignore_ascii_case(a)))
        })
    };
    let mut remove: Vec<Item> = mapping
        .accounts
        .iter()
        .map(|p| {
            let clear = !referenced(&p.old);
            let text = if clear {
                format!("{}: nothing references it any more", name(&p.old))
            } else {
                format!("{}: still referenced (run `cutover check`)", name(&p.old))
            };
            item(clear, text)
        })
        .collect();
    // Old addresses still referenced that no mapped account declares (a Sieve script's): the
    // mail they name must still arrive, or be moved first.
    let declared: BTreeSet<String> = mapping
        .accounts
        .iter()
        .filter_map(|p| find(&p.old).and_then(|a| a.address.as_deref()))
        .map(str::to_lowercase)
        .collect();
    let mut addresses: Vec<&str> = findings
        .iter()
        .filter(|f| f.kind == check::FindingKind::Removed && f.account.contains('@'))
        .map(|f| &*f.account)
        .filter(|a| !declared.contains(&a.to_lowercase()))
        .collect();
    // Once an address, however it is spelt (by its first spelling in the files).
    addresses.sort_by_cached_key(|a| a.to_lowercase());
    addresses.dedup_by(|a, b| a.to_lowercase() == b.to_lowercase());
    remove.extend(addresses.into_iter().map(|a| {
        item(
            false,
            format!("{a}: still referenced (run `cutover check`)"),
        )
    }));
    // Accounts on a removed host that the mapping forgot: removing them loses their
    // settings unless they are mapped (or really unused).
    let mut forgotten: Vec<(&String, &check::Why)> = removed
        .accounts
        .iter()
        .filter(|(id, _)| mapping.lookup(Kind::Account, id).is_none())
        .collect();
    forgotten.sort_by_key(|(id, _)| *id);
    for (id, why) in forgotten {
        let host = match why {
            check::Why::Host { host, .. } => format!(" is on {host} but"),
            check::Why::Flag | check::Why::AddressOf { .. } => String::new(),
        };
        let text = if referenced(id) {
            format!(
                "{}{host} the mapping has no entry for it, and settings still reference it: \
                 map it to its new account",
                name(id)
            )
        } else {
            format!(
                "{}{host} the mapping has no entry for it; nothing references it",
                name(id)
            )
        };
        remove.push(item(!referenced(id), text));
    }

    Checklist {
        organization,
        steps: vec![
            step(1, "Keep the old accounts connected", true, keep),
            step(2, "Connect the new accounts", false, connect),
            step(
                3,
                "Give the new accounts the same sharing settings",
                false,
                sharing,
            ),
            step(
                4,
                "Recreate the aliases on the new accounts",
                false,
                aliases,
            ),
            step(
                5,
                "Switch the domain's mail to the new provider",
                true,
                switch,
            ),
            step(
                6,
                "Update the rules and filters that reference old accounts",
                false,
                rule_items,
            ),
            step(7, "Migrate the old mail", true, Vec::new()),
            step(8, "Remove the old accounts", false, remove),
        ],
    }
}

/// The group of the setting a finding is in (`sharing` for `sharing[account=…]`), when its
/// setting is named by group.
fn group(finding: &check::Finding) -> Option<&str> {
    finding
        .setting
        .as_deref()
        .and_then(|s| s.split_once('['))
        .map(|(group, _)| group)
}

/// The setting a finding is in, as the checklist names it: by file too (two scripts may
/// each have a `redirect at line 4`), and by line outside any setting.
fn setting_named(finding: &check::Finding) -> String {
    let path = crate::file_name::shown(&finding.path);
    match finding.holder.as_deref() {
        Some(holder) => format!("{path}: {}", crate::file_name::shown(holder)),
        None => format!("{path}:{}", finding.line),
    }
}

fn describe_sharing(entry: &Node) -> String {
    let list = |key: &str| -> Vec<String> {
        entry
            .field(key)
            .and_then(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(|n| n.str().map(str::to_owned))
            .collect()
    };
    let mut parts = Vec::new();
    if entry.field("organization").map(|n| n.to_json()) == Some(serde_json::Value::Bool(true)) {
        parts.push("the whole organization".to_owned());
    }
    let teams = list("teams");
    if !teams.is_empty() {
        parts.push(format!("teams {}", teams.join(", ")));
    }
    let users = list("users");
    if !users.is_empty() {
        parts.push(format!("users {}", users.join(", ")));
    }
    if parts.is_empty() {
        parts.push("nobody".to_owned());
    }
    let mut text = parts.join("; ");
    if let Some(delivery) = entry.field("delivery").and_then(Node::str) {
        text.push_str(&format!("; delivery {delivery}"));
        if let Some(team) = entry.field("team_inbox").and_then(Node::str) {
            text.push_str(&format!(" to {team}"));
        }
    }
    text
}

fn render(list: &Checklist) -> String {
    let mut out = String::new();
    if let Some(org) = &list.organization {
        // The export's own text: shown on one line and inert, as names are.
        let org = crate::file_name::shown(org);
        out.push_str(&format!("Moving {org} to the new provider\n\n"));
    }
    for step in &list.steps {
        let mark = match step.status {
            Status::Done => "[x]",
            Status::Todo => "[ ]",
            Status::Manual => "[~]",
        };
        out.push_str(&format!("{mark} {}. {}\n", step.number, step.title));
        if step.items.is_empty() {
            let note = match step.number {
                6 => "no rule or filter references an old account",
                7 => "outside the app: copy the old mailboxes' mail to the new ones",
                _ => "nothing to do here",
            };
            out.push_str(&format!("      {note}\n"));
        }
        for item in &step.items {
            let tick = if step.status == Status::Manual {
                "-"
            } else if item.done {
                "[x]"
            } else {
                "[ ]"
            };
            // (Items quote the exports' text: an alias's address, a rule's name.)
            let text = crate::file_name::shown(&item.text);
            out.push_str(&format!("      {tick} {text}\n"));
        }
    }
    out.push_str("\n[x] done as the exports show  [ ] to do  [~] done outside the app\n");
    out
}
