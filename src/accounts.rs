//! The accounts an export declares (`accounts[]`), as `map` and `checklist` need them.

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

impl Account {
    /// Whether the account's mail server is `host` or lies under it.
    pub fn on_host(&self, host: &str) -> bool {
        let host = host.to_lowercase();
        self.hosts
            .iter()
            .any(|h| *h == host || h.ends_with(&format!(".{host}")))
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

/// Every account declared in the files, once per ID (the first declaration wins).
pub fn declared<'f>(files: impl IntoIterator<Item = &'f File>) -> Vec<Account> {
    let mut accounts: Vec<Account> = Vec::new();
    for file in files {
        for doc in &file.docs {
            let Some(items) = doc.field("accounts").and_then(Node::items) else {
                continue;
            };
            for item in items {
                let Some(id) = item.field("id").and_then(Node::str) else {
                    continue;
                };
                if accounts.iter().any(|a| a.id == id) {
                    continue;
                }
                let text = |key: &str| item.field(key).and_then(Node::str).map(str::to_owned);
                let hosts = ["imap", "smtp"]
                    .iter()
                    .filter_map(|server| item.field(server)?.field("host")?.str())
                    .map(str::to_lowercase)
                    .collect();
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
