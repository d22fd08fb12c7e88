//! The mapping file: which old account IDs and addresses become which new ones.
//!
//! A mapping is validated as a whole before any file is touched: a chain (`a → b → c`) or a
//! cycle would make the result depend on the order of edits, and a target that no input
//! declares is almost always a typo in a long UUID.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use crate::fast_hash::FastMap;
use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::accounts::Account;
use crate::decode::decode;
use crate::diagnostic::{Diagnostic, Error};
use crate::load::File;
use crate::node::{Node, Span};
use crate::profile::Kind;
use crate::source::Source;

/// The mapping file format (schema_version 1).
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "cutover mapping")]
pub struct MappingFile {
    /// Always 1.
    pub schema_version: u32,
    /// Old account ID to new account ID. IDs are opaque strings, compared exactly.
    #[serde(default)]
    pub accounts: BTreeMap<String, String>,
    /// Old address to new address, compared case-insensitively, written as given here.
    #[serde(default)]
    pub addresses: BTreeMap<String, String>,
}

/// One entry of the mapping, with where it stands for error messages.
#[derive(Clone, Debug)]
pub struct Pair {
    pub old: String,
    pub new: String,
    /// Where the old value (the entry's key) is written.
    pub span: Span,
    /// Where the new value is written: a problem of the new value points there.
    pub new_span: Span,
}

#[derive(Debug)]
pub struct Mapping {
    pub source: Source,
    pub accounts: Vec<Pair>,
    pub addresses: Vec<Pair>,
    account_index: FastMap<String, usize>,
    address_index: FastMap<String, usize>,
}

/// Which mapping entry a value matched: its table and position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryId {
    pub addresses: bool,
    /// `u32`: a plan keeps one per change, and a large export has hundreds of thousands.
    pub index: u32,
}

/// A value as the mapping compares it: an account ID exactly, an address without regard
/// to case (borrowed when it is lower-case ASCII already, as most are).
pub fn comparable(kind: Kind, value: &str) -> Cow<'_, str> {
    match kind {
        Kind::Account => Cow::Borrowed(value),
        Kind::Address | Kind::AddressInText => {
            if value
                .bytes()
                .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
            {
                Cow::Borrowed(value)
            } else {
                Cow::Owned(value.to_lowercase())
            }
        }
    }
}

impl Mapping {
    pub fn read(path: &Path) -> Result<Mapping, Error> {
        Mapping::from_source(Source::read(path)?)
    }

    pub fn from_source(source: Source) -> Result<Mapping, Error> {
        let (source, docs) = File::parse(source)?.into_parts();
        let [doc] = docs.as_slice() else {
            return Err(Diagnostic::file(
                &source.name,
                "a mapping file holds exactly one document",
            )
            .into());
        };
        // An export given as the mapping: say so, rather than name its first key unknown.
        if let Some(key) = doc.entries().and_then(|entries| {
            entries.iter().find(|e| {
                matches!(
                    e.key.as_str(),
                    "organization" | "aliases" | "sharing" | "rules"
                ) || (e.key == "accounts"
                    && e.value
                        .items()
                        .is_some_and(|items| items.iter().any(|item| item.field("id").is_some())))
            })
        }) {
            return Err(Diagnostic::at(
                &source,
                key.key_span,
                format!(
                    "this is an export (it has `{}`), not a mapping: the mapping maps each old \
                     ID to its new one (`accounts:` with `OLD: NEW` lines); give that file with \
                     --mapping, and the exports as PATH",
                    key.key
                ),
            )
            .into());
        }
        let spec: MappingFile = decode(&source, doc, "invalid mapping")?;
        crate::decode::schema_version(&source, doc, spec.schema_version, "mapping")?;
        let accounts = pairs(doc.field("accounts"));
        let addresses = pairs(doc.field("addresses"));
        if accounts.is_empty() && addresses.is_empty() {
            // Point at the empty table, or at the end of the document when there is none.
            let at = ["accounts", "addresses"]
                .iter()
                .find_map(|key| doc.field(key).map(|n| n.site()))
                .unwrap_or_else(|| {
                    let end = source.text.trim_end().len();
                    Span::new(end, end)
                });
            return Err(Diagnostic::at(
                &source,
                at,
                "the mapping is empty: give at least one entry under `accounts` or `addresses`",
            )
            .into());
        }
        let mut errors = Vec::new();
        validate(&source, &accounts, |s| s.to_owned(), "account", &mut errors);
        validate(
            &source,
            &addresses,
            |s| s.to_lowercase(),
            "address",
            &mut errors,
        );
        if !errors.is_empty() {
            return Err(Error::many(errors));
        }
        let account_index = accounts
            .iter()
            .enumerate()
            .map(|(i, p)| (p.old.clone(), i))
            .collect();
        let address_index = addresses
            .iter()
            .enumerate()
            .map(|(i, p)| (p.old.to_lowercase(), i))
            .collect();
        Ok(Mapping {
            source,
            accounts,
            addresses,
            account_index,
            address_index,
        })
    }

    /// The entry a value of this kind matches, if any.
    pub fn lookup(&self, kind: Kind, value: &str) -> Option<(EntryId, &str)> {
        let key = comparable(kind, value);
        let (index, addresses) = match kind {
            Kind::Account => (self.account_index.get(key.as_ref()).copied(), false),
            Kind::Address | Kind::AddressInText => {
                (self.address_index.get(key.as_ref()).copied(), true)
            }
        };
        let index = index?;
        let table = if addresses {
            &self.addresses
        } else {
            &self.accounts
        };
        Some((
            EntryId {
                addresses,
                index: index as u32,
            },
            &table[index].new,
        ))
    }

    pub fn entry(&self, id: EntryId) -> &Pair {
        if id.addresses {
            &self.addresses[id.index as usize]
        } else {
            &self.accounts[id.index as usize]
        }
    }

    pub fn entries(&self) -> impl Iterator<Item = EntryId> {
        (0..self.accounts.len())
            .map(|index| EntryId {
                addresses: false,
                index: index as u32,
            })
            .chain((0..self.addresses.len()).map(|index| EntryId {
                addresses: true,
                index: index as u32,
            }))
    }

    /// When the inputs declare accounts, every source and every target of `accounts` must
    /// be one of them: an ID that no input declares is almost always a typo in a long UUID
    /// (or a missing export), and a mistyped source would leave the real account unmoved
    /// while the rest of the move goes ahead. Each such entry is named with its line, and
    /// with the closest declared ID when one is a small edit away.
    pub fn check_declared(&self, declared_accounts: &HashSet<String>) -> Result<(), Error> {
        let mut errors = Vec::new();
        for pair in &self.accounts {
            for (side, id) in [("old", &pair.old), ("new", &pair.new)] {
                if declared_accounts.contains(id.as_str()) {
                    continue;
                }
                let hint = match suggest_for(errors.len(), id, declared_accounts) {
                    Some(close) => format!("did you mean {close}?"),
                    None => {
                        format!("is the ID mistyped, or is the {side} account's export missing?")
                    }
                };
                errors.push(Diagnostic::at(
                    &self.source,
                    if side == "new" {
                        pair.new_span
                    } else {
                        pair.span
                    },
                    format!(
                        "{side} account {id} is not declared in any input's `accounts`; {hint}"
                    ),
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Error::many(errors))
        }
    }

    /// Old accounts mapped to one new account while their declared addresses differ: two
    /// mailboxes merged into one, which may be meant, but is as often a copy-paste slip in
    /// the mapping. One entry per account after the first of its group.
    pub fn many_to_one<'a>(&'a self, declared: &'a [Account]) -> Vec<ManyToOne<'a>> {
        let addresses: HashMap<&str, &'a str> = declared
            .iter()
            .filter_map(|a| Some((a.id.as_str(), a.address.as_deref()?)))
            .collect();
        let address = |id: &str| addresses.get(id).copied();
        let mut by_target: BTreeMap<&str, Vec<&Pair>> = BTreeMap::new();
        for pair in &self.accounts {
            by_target.entry(&pair.new).or_default().push(pair);
        }
        let mut found = Vec::new();
        for pairs in by_target.values().filter(|p| p.len() > 1) {
            let Some((first, first_address)) =
                pairs.iter().find_map(|p| Some((*p, address(&p.old)?)))
            else {
                continue;
            };
            for pair in pairs {
                if let Some(other_address) = address(&pair.old)
                    && !other_address.eq_ignore_ascii_case(first_address)
                {
                    found.push(ManyToOne {
                        first,
                        first_address,
                        other: pair,
                        other_address,
                        new_address: address(&pair.new),
                    });
                }
            }
        }
        found.sort_by_key(|m| m.other.span);
        found
    }
}

/// Two old accounts with different addresses mapped to one new account.
#[derive(Debug)]
pub struct ManyToOne<'a> {
    pub first: &'a Pair,
    pub first_address: &'a str,
    /// The later entry, where the finding is reported.
    pub other: &'a Pair,
    pub other_address: &'a str,
    pub new_address: Option<&'a str>,
}

impl ManyToOne<'_> {
    pub fn message(&self) -> String {
        let new = match self.new_address {
            Some(address) => format!("{} ({address})", self.other.new),
            None => self.other.new.clone(),
        };
        format!(
            "old accounts {} ({}) and {} ({}) are both mapped to new account {new}: \
             mail for {} and {} would arrive in one account; map each old account to its own \
             new one unless that is meant",
            self.first.old,
            self.first_address,
            self.other.old,
            self.other_address,
            self.first_address,
            self.other_address
        )
    }
}

/// Suggestions are looked for only for the first few refused entries: a wrong export can
/// leave every entry of a large mapping undeclared, and each search reads every declared ID.
const MAX_SUGGESTIONS: usize = 50;

fn suggest_for<'a>(
    errors_so_far: usize,
    id: &str,
    declared: &'a HashSet<String>,
) -> Option<&'a str> {
    if errors_so_far >= MAX_SUGGESTIONS {
        return None;
    }
    crate::suggest::closest(id, declared.iter().map(String::as_str))
}

fn pairs(table: Option<&Node>) -> Vec<Pair> {
    table
        .and_then(Node::entries)
        .unwrap_or_default()
        .iter()
        .map(|e| Pair {
            old: e.key.to_string(),
            new: e.value.str().unwrap_or_default().to_owned(),
            span: e.key_span,
            new_span: match e.value.span.start == e.value.span.end {
                true => e.key_span,
                false => e.value.site(),
            },
        })
        .collect()
}

fn validate(
    source: &Source,
    pairs: &[Pair],
    normalize: impl Fn(&str) -> String,
    what: &str,
    errors: &mut Vec<Diagnostic>,
) {
    let mut seen = HashSet::new();
    let sources: HashMap<String, &Pair> = pairs.iter().map(|p| (normalize(&p.old), p)).collect();
    for pair in pairs {
        let (old, new) = (normalize(&pair.old), normalize(&pair.new));
        // A problem of the new value alone points at it; the others at the entry's key.
        let at_new = |value: &String| match std::ptr::eq(value, &pair.new) {
            true => pair.new_span,
            false => pair.span,
        };
        let mut span = pair.span;
        let problem = if pair.old.trim().is_empty() {
            Some(format!("empty old {what}"))
        } else if pair.new.trim().is_empty() {
            span = pair.new_span;
            Some(format!("{what} {} is mapped to an empty value", pair.old))
        } else if let Some(value) = [&pair.old, &pair.new]
            .into_iter()
            .find(|v| v.chars().any(invisible) || v.trim() != v.as_str())
        {
            span = at_new(value);
            Some(format!(
                "{what} {value:?} has {}: no ID or address does, so it would never match, or \
                 would be written into the exports as it is",
                if value.chars().any(invisible) {
                    "a line break or another invisible character"
                } else {
                    "a space at its start or end"
                }
            ))
        } else if let Some(value) = [&pair.old, &pair.new]
            .into_iter()
            .find(|v| what == "address" && !address_shaped(v))
        {
            span = at_new(value);
            Some(format!(
                "address {value:?} is not an address (a local part, `@`, a domain, no spaces): \
                 it would never match one, or would be written into the exports as it is"
            ))
        } else if old == new {
            Some(format!("{what} {} is mapped to itself", pair.old))
        } else if !seen.insert(old.clone()) {
            Some(format!(
                "{what} {} is mapped twice (addresses compare case-insensitively)",
                pair.old
            ))
        } else {
            span = pair.new_span;
            sources.get(&new).map(|next| {
                format!(
                    "{what} {} is mapped to {}, which is itself mapped (to {}); \
                 chains and cycles are not allowed: map every old {what} straight to its final one",
                    pair.old, pair.new, next.new
                )
            })
        };
        if let Some(message) = problem {
            errors.push(Diagnostic::at(source, span, message));
        }
    }
}

/// Whether `value` reads as one address: text, `@`, a domain, and no white space.
fn address_shaped(value: &str) -> bool {
    value
        .rsplit_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
        && !value.chars().any(char::is_whitespace)
}

/// A character no ID or address holds: a control character or another line break, or an
/// invisible formatting one (a zero-width space, a bidirectional override).
pub fn invisible(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Mapping, String> {
        Mapping::from_source(Source::from_text("m.yaml", text)).map_err(|e| {
            e.diagnostics
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("")
        })
    }

    #[test]
    fn lookups_are_exact_for_ids_and_case_insensitive_for_addresses() {
        let m = load("schema_version: 1\naccounts: {a1: b1}\naddresses: {Info@Old.example: info@new.example}\n").unwrap();
        assert_eq!(m.lookup(Kind::Account, "a1").unwrap().1, "b1");
        assert!(m.lookup(Kind::Account, "A1").is_none());
        assert_eq!(
            m.lookup(Kind::Address, "INFO@old.example").unwrap().1,
            "info@new.example"
        );
    }

    #[test]
    fn invalid_mappings_are_refused_with_their_line() {
        let cases = [
            (
                "schema_version: 2\naccounts: {a: b}\n",
                "m.yaml:1:17: error: unsupported mapping schema_version 2",
            ),
            (
                "schema_version: 1\n",
                "m.yaml:1:18: error: the mapping is empty",
            ),
            (
                "schema_version: 1\naccounts: {}\n",
                "m.yaml:2:11: error: the mapping is empty",
            ),
            (
                "schema_version: 1\naccounts:\n  a: b\n  a: c\n",
                "m.yaml:4:3: error: duplicate key \"a\"",
            ),
            (
                "schema_version: 1\naccounts:\n  a: ''\n",
                "m.yaml:3:6: error: account a is mapped to an empty value",
            ),
            ("schema_version: 1\naccounts:\n  a: a\n", "mapped to itself"),
            (
                "schema_version: 1\naccounts:\n  a: ' b'\n",
                "m.yaml:3:6: error: account \" b\" has a space at its start or end",
            ),
            (
                "schema_version: 1\naddresses:\n  a@x.example: \"b@x.example\\n\"\n",
                "address \"b@x.example\\n\" has a line break or another invisible character",
            ),
            (
                "schema_version: 1\naddresses:\n  a@x.example: c@d e\n",
                "m.yaml:3:16: error: address \"c@d e\" is not an address",
            ),
            (
                "schema_version: 1\naddresses:\n  info: info@x.example\n",
                "address \"info\" is not an address",
            ),
            (
                "schema_version: 1\naddresses:\n  a@x.example: \"@x.example\"\n",
                "address \"@x.example\" is not an address",
            ),
            (
                "schema_version: 1\naccounts:\n  \"a\\u200b\": b\n",
                "account \"a\\u{200b}\" has a line break",
            ),
            (
                "schema_version: 1\naccounts:\n  a: b\n  b: c\n",
                "m.yaml:3:6: error: account a is mapped to b, which is itself mapped (to c)",
            ),
            (
                "schema_version: 1\naddresses:\n  A@x.example: b@x.example\n  a@X.example: c@x.example\n",
                "mapped twice",
            ),
            (
                "schema_version: 1\naccounts: {a: 1}\n",
                "the number 1 where text (an ID that looks like a number is quoted: \"456\") belongs",
            ),
            (
                "schema_version: 1\naccount: {a: b}\n",
                "m.yaml:2:1: error: invalid mapping: unknown field `account`",
            ),
            (
                "schema_version: 1\naccounts:\n  - {id: a, address: a@x.example}\nrules: []\n",
                "m.yaml:2:1: error: this is an export (it has `accounts`), not a mapping",
            ),
            (
                "schema_version: 1\naccounts:\n  - a: b\n",
                "m.yaml:3:3: error: invalid mapping: a list where a mapping (`key: value` lines) belongs",
            ),
        ];
        for (text, expected) in cases {
            let e = load(text).unwrap_err();
            assert!(e.contains(expected), "{text:?}\n{e}");
        }
    }

    #[test]
    fn undeclared_sources_and_targets_are_named() {
        let m = load("schema_version: 1\naccounts:\n  acc-old-1: b\n  c: acc-new-1\n").unwrap();
        let declared: HashSet<String> = ["acc-old-2", "b", "acc-new-2", "c"]
            .map(str::to_owned)
            .into();
        let e = m.check_declared(&declared).unwrap_err();
        let messages: Vec<String> = e.diagnostics.iter().map(|d| d.to_string()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages[0].starts_with(
                "m.yaml:3:3: error: old account acc-old-1 is not declared in any input's `accounts`; did you mean acc-old-2?"
            ),
            "{messages:?}"
        );
        assert!(
            messages[1].starts_with(
                "m.yaml:4:6: error: new account acc-new-1 is not declared in any input's `accounts`; did you mean acc-new-2?"
            ),
            "{messages:?}"
        );
        let declared: HashSet<String> = ["b", "c", "acc-new-1"].map(str::to_owned).into();
        let e = m.check_declared(&declared).unwrap_err();
        assert_eq!(e.diagnostics.len(), 1);
        assert!(
            e.diagnostics[0]
                .message
                .ends_with("is the ID mistyped, or is the old account's export missing?")
        );
        let declared: HashSet<String> = ["acc-old-1", "b", "c", "acc-new-1"]
            .map(str::to_owned)
            .into();
        assert!(m.check_declared(&declared).is_ok());
    }

    #[test]
    fn many_to_one_needs_different_declared_addresses() {
        let account = |id: &str, address: Option<&str>| Account {
            id: id.into(),
            address: address.map(Into::into),
            name: None,
            channel: None,
            hosts: vec![],
            file: "f".into(),
            span: Span::default(),
        };
        let m =
            load("schema_version: 1\naccounts:\n  o1: n1\n  o2: n1\n  o3: n1\n  o4: n2\n").unwrap();
        let declared = [
            account("o1", Some("info@old.example")),
            account("o2", Some("sales@old.example")),
            account("o3", Some("INFO@old.example")),
            account("o4", Some("x@old.example")),
            account("n1", Some("info@new.example")),
        ];
        let found = m.many_to_one(&declared);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (found[0].first.old.as_str(), found[0].other.old.as_str()),
            ("o1", "o2")
        );
        let message = found[0].message();
        assert!(message.contains("info@old.example") && message.contains("sales@old.example"));
        assert!(message.contains("n1 (info@new.example)"), "{message}");
        // Without declared addresses nothing can be said.
        assert!(m.many_to_one(&[]).is_empty());
    }
}
