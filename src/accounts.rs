//! The accounts an export declares (`accounts[]`), as `map`, `checklist` and `check` need
//! them: with their address (to pair old with new, and to name them) and their mail
//! server hosts (to tell the old provider's accounts from the new one's).

use std::collections::{BTreeMap, HashSet};

use crate::diagnostic::Diagnostic;
use crate::load::File;
use crate::node::{Node, Span};

#[derive(Clone, Debug)]
pub struct Account {
    pub id: String,
    pub address: Option<String>,
    pub name: Option<String>,
    /// The channel (`email`, `sms`, ...), when declared.
    pub channel: Option<String>,
    /// The IMAP and SMTP hosts, lower-cased.
    pub hosts: Vec<String>,
    /// Where it is declared: the file's name and the span of its ID.
    pub file: String,
    pub span: Span,
}

/// Whether `host` is `pattern` or lies under it (`imap.oldmail.example` is under
/// `oldmail.example`). Hosts compare without regard to case or a final dot, as DNS names
/// do, and by name only: a port, a scheme or brackets around it (`imaps://imap.oldmail
/// .example:993`, `[2001:db8::1]:993`) are not part of it. This is the one host test of
/// every command.
pub fn host_matches(host: &str, pattern: &str) -> bool {
    let normal = |h: &str| host_name(h).trim_end_matches('.').to_ascii_lowercase();
    let (host, pattern) = (normal(host), normal(pattern.trim_start_matches('.')));
    !pattern.is_empty()
        && (host == pattern
            || host
                .strip_suffix(&pattern)
                .is_some_and(|rest| rest.ends_with('.')))
}

/// The name in a server setting as exports write it: without a scheme, a path, a port, or
/// the brackets of an IPv6 address.
fn host_name(text: &str) -> &str {
    let text = text.trim();
    let text = text.split_once("://").map_or(text, |(_, rest)| rest);
    let text = text.split('/').next().unwrap_or(text);
    if let Some(bracketed) = text.strip_prefix('[') {
        return bracketed.split(']').next().unwrap_or(bracketed);
    }
    match text.split_once(':') {
        // One colon: a port. More: an IPv6 address without brackets.
        Some((name, port)) if !port.contains(':') => name,
        _ => text,
    }
}

impl Account {
    /// Whether the account's IMAP or SMTP server is `host` or lies under it.
    pub fn on_host(&self, host: &str) -> bool {
        self.hosts.iter().any(|h| host_matches(h, host))
    }

    /// Whether it is an email account (the only kind a mail provider move concerns).
    pub fn is_email(&self) -> bool {
        self.channel.as_deref().is_none_or(|c| c == "email")
    }

    /// The address, or failing that the name, or the ID: how a person knows the account.
    pub fn label(&self) -> &str {
        self.address
            .as_deref()
            .or(self.name.as_deref())
            .unwrap_or(&self.id)
    }
}

/// What makes the accounts the files declare unfit to pair (`map`, which writes a mapping
/// from them, must not guess): an account without a string `id` (left out of [`declared`],
/// it would go unpaired without a word) and one ID declared again as another account
/// (another address or host: the first declaration would win, and may be the stale one).
pub fn problems<'f>(files: impl IntoIterator<Item = &'f File>) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let mut first: BTreeMap<String, (&'f File, &'f Node)> = BTreeMap::new();
    // Another account: another address, or servers on other hosts (a declaration that
    // leaves out its address or servers says nothing against the other's).
    fn address(n: &Node) -> Option<&str> {
        n.field("address").and_then(Node::str).map(str::trim)
    }
    let another = |a: &Node, b: &Node| {
        let addresses = match (address(a), address(b)) {
            (Some(x), Some(y)) => !x.eq_ignore_ascii_case(y),
            _ => false,
        };
        // (Server by server: one declaration may give IMAP only, the other SMTP only.)
        let hosts = ["imap", "smtp"].iter().any(|server| {
            match (server_host(a, server), server_host(b, server)) {
                (Some(x), Some(y)) => !host_matches(x, y) && !host_matches(y, x),
                _ => false,
            }
        });
        addresses || hosts
    };
    // Only email accounts are paired (an SMS channel's numeric ID is its own business).
    let email = |item: &Node| {
        item.field("type")
            .and_then(Node::str)
            .is_none_or(|t| t == "email")
    };
    for file in files {
        for doc in 0..file.doc_count() {
            let Some(items) = file.field(doc, "accounts").and_then(Node::items) else {
                continue;
            };
            for item in items.iter().filter(|item| email(item)) {
                let Some(id) = item.field("id").and_then(Node::str) else {
                    let site = item.field("id").map_or(item.site(), Node::site);
                    problems.push(Diagnostic::at(
                        &file.source,
                        site,
                        "this account has no `id` that is a string, so it cannot be paired; \
                         fix the export (`cutover validate` names every problem)",
                    ));
                    continue;
                };
                match first.get(id) {
                    None => {
                        first.insert(id.to_owned(), (file, item));
                    }
                    Some((first_file, first_item)) if another(first_item, item) => {
                        let at = first_file.source.location(
                            first_item
                                .field("id")
                                .map_or(first_item.site(), Node::site)
                                .start as usize,
                        );
                        problems.push(Diagnostic::at(
                            &file.source,
                            item.field("id").map_or(item.site(), Node::site),
                            format!(
                                "account {id} is declared again here as another account (its \
                                 first declaration, {}:{}, has another address or server); \
                                 keep one declaration",
                                crate::file_name::shown(&first_file.source.name),
                                at.line
                            ),
                        ));
                    }
                    Some(_) => {}
                }
            }
        }
    }
    problems
}

/// An account's IMAP and SMTP hosts, lower-cased: `imap: {host: ...}` as the app writes
/// it, or a hand-edited `imap: host` (which `validate` refuses): an account on an old host
/// is found either way.
fn declared_hosts(item: &Node) -> Vec<String> {
    ["imap", "smtp"]
        .iter()
        .filter_map(|server| server_host(item, server))
        .map(str::to_lowercase)
        .collect()
}

/// The host of one of an account's servers (`imap`, `smtp`), as it is written.
fn server_host<'n>(item: &'n Node, server: &str) -> Option<&'n str> {
    let server = item.field(server)?;
    server.str().or_else(|| server.field("host")?.str())
}

/// Every account declared in the files, once per ID (the first declaration wins).
pub fn declared<'f>(files: impl IntoIterator<Item = &'f File>) -> Vec<Account> {
    let mut accounts: Vec<Account> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for file in files {
        for doc in 0..file.doc_count() {
            let Some(items) = file.field(doc, "accounts").and_then(Node::items) else {
                continue;
            };
            for item in items {
                let Some(id) = item.field("id").and_then(Node::str) else {
                    continue;
                };
                if !seen.insert(id.to_owned()) {
                    continue;
                }
                let text = |key: &str| item.field(key).and_then(Node::str).map(str::to_owned);
                let hosts = declared_hosts(item);
                accounts.push(Account {
                    id: id.to_owned(),
                    address: text("address"),
                    name: text("name"),
                    channel: text("type"),
                    hosts,
                    file: file.source.name.clone(),
                    span: item.field("id").map_or(item.span, |n| n.site()),
                });
            }
        }
    }
    accounts
}

/// The hosts the accounts use, each with its accounts (`label (id)`), one line a host,
/// sorted; accounts with no host are listed last. For a message saying which hosts there
/// are when a host given on the command line matched none.
pub fn hosts_seen(accounts: &[Account]) -> String {
    let mut hosts: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut none = Vec::new();
    for account in accounts {
        let name = format!("{} ({})", account.label(), account.id);
        if account.hosts.is_empty() {
            none.push(name);
            continue;
        }
        let mut own: Vec<&str> = account.hosts.iter().map(String::as_str).collect();
        own.dedup();
        for host in own {
            hosts.entry(host).or_default().push(name.clone());
        }
    }
    let mut out = String::new();
    // (A few names a host unless -v asks for all: an export of 200 accounts without hosts
    // made this one line of 15 KB.)
    for (host, names) in &hosts {
        out.push_str(&format!("  {host}: {}\n", crate::verbosity::some_of(names)));
    }
    if !none.is_empty() {
        out.push_str(&format!(
            "  (no host declared): {}\n",
            crate::verbosity::some_of(&none)
        ));
    }
    if out.is_empty() {
        out.push_str("  (no input declares an account)\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_unfit_to_pair_are_named() {
        let file = |name: &str, text: &str| {
            File::parse(crate::source::Source::from_text(name, text)).unwrap()
        };
        let a = file(
            "a.yaml",
            "accounts:\n  - {id: o1, address: sales@x.example}\n  - {id: 12}\n  - {address: c@x}\n",
        );
        let b = file(
            "b.yaml",
            "accounts:\n  - {id: o1, address: SALES@x.example}\n  - {id: o1, address: info@x.example}\n\
             \x20 - {id: 5, type: sms}\n",
        );
        let found: Vec<String> = problems([&a, &b]).iter().map(|d| d.to_string()).collect();
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(found[0].starts_with("a.yaml:3:10: error: this account has no `id`"));
        assert!(found[1].starts_with("a.yaml:4:5: error: this account has no `id`"));
        // (The same account again, its address in another case, is no problem; nor is an
        // SMS channel's numeric ID, or a declaration without servers beside one with them.)
        let c = file(
            "c.yaml",
            "accounts:\n  - {id: o2, imap: {host: imap.old.example}}\n  - {id: o2}\n\
             \x20 - {id: o2, smtp: {host: smtp.old.example}}\n\
             \x20 - {id: o2, imap: {host: 'IMAP.old.example.:993'}}\n",
        );
        assert!(problems([&c]).is_empty());
        // Servers on other hosts are another account.
        let d = file(
            "d.yaml",
            "accounts:\n  - {id: o3, imap: {host: imap.old.example}}\n\
             \x20 - {id: o3, imap: {host: imap.new.example}}\n",
        );
        assert_eq!(problems([&d]).len(), 1);
        assert!(
            found[2].starts_with("b.yaml:3:10: error: account o1 is declared again here")
                && found[2].contains("a.yaml:2"),
            "{}",
            found[2]
        );
    }

    #[test]
    fn hosts_seen_names_a_few_accounts_of_each_host() {
        let account = |i: usize, host: Option<&str>| Account {
            id: format!("id-{i}"),
            address: Some(format!("team-{i}@old.example")),
            name: None,
            channel: None,
            hosts: host.map(str::to_owned).into_iter().collect(),
            file: "accounts.json".into(),
            span: Span::new(0, 0),
        };
        let mut accounts: Vec<Account> = (0..8).map(|i| account(i, None)).collect();
        accounts.extend((8..10).map(|i| account(i, Some("imap.old.example"))));
        let seen = hosts_seen(&accounts);
        assert!(
            seen.contains(
                "imap.old.example: team-8@old.example (id-8), team-9@old.example (id-9)\n"
            ),
            "{seen}"
        );
        assert!(
            seen.contains("(id-4) and 3 more (-v lists them all)\n"),
            "{seen}"
        );
        assert!(!seen.contains("id-5"), "{seen}");
    }

    #[test]
    fn a_server_written_as_its_host_alone_is_read_too() {
        let file = File::parse(crate::source::Source::from_text(
            "accounts.yaml",
            "accounts:\n  - {id: a, imap: {host: imap.old.example}}\n  \
             - {id: b, imap: imap.old.example:993, smtp: SMTP.old.example}\n  - {id: c}\n",
        ))
        .unwrap();
        let hosts: Vec<Vec<String>> = declared([&file]).into_iter().map(|a| a.hosts).collect();
        assert_eq!(
            hosts,
            [
                vec!["imap.old.example".to_owned()],
                vec!["imap.old.example:993".into(), "smtp.old.example".into()],
                vec![],
            ]
        );
    }

    #[test]
    fn a_host_matches_itself_and_the_hosts_under_it() {
        assert!(host_matches("imap.oldmail.example", "oldmail.example"));
        assert!(host_matches("oldmail.example", "OldMail.Example."));
        assert!(host_matches("IMAP.oldmail.example.", ".oldmail.example"));
        assert!(host_matches("imap.oldmail.example", "imap.oldmail.example"));
        assert!(!host_matches("imap.myoldmail.example", "oldmail.example"));
        assert!(!host_matches("oldmail.example.net", "oldmail.example"));
        assert!(!host_matches("oldmail.example", "imap.oldmail.example"));
        assert!(!host_matches("oldmail.example", ""));
        // A port, a scheme, brackets are not part of the name.
        assert!(host_matches("imap.oldmail.example:993", "oldmail.example"));
        assert!(host_matches(
            "imaps://IMAP.oldmail.example:993/",
            "oldmail.example:143"
        ));
        assert!(host_matches("[2001:db8::1]:993", "2001:db8::1"));
        assert!(host_matches("2001:db8::1", "[2001:db8::1]"));
        assert!(!host_matches("imap.oldmail.example:993", "993"));
    }
}
