//! The export format (schema_version 1), as serde types.
//!
//! These types are what `validate` decodes each setting into and what `cutover schema`
//! turns into `schemas/export.schema.json`. Unknown keys are allowed everywhere (the app
//! adds fields over time) and survive untouched, because rewriting never goes through these
//! types: it edits the original text.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[schemars(title = "cutover export (schema_version 1)")]
pub struct Export {
    /// Always 1.
    #[schemars(range(min = 1, max = 1))]
    pub schema_version: u32,
    pub organization: Option<String>,
    /// Connected accounts: declarations, never rewritten.
    pub accounts: Option<Vec<Account>>,
    pub aliases: Option<Vec<Alias>>,
    /// Sharing settings of team inboxes.
    pub sharing: Option<Vec<Sharing>>,
    pub rules: Option<Vec<Rule>>,
}

impl Export {
    /// The top-level keys of an export: a file with none of them is no export at all (a
    /// `docker-compose.yml` beside the exports), as opposed to an export with an error.
    pub const KEYS: [&str; 6] = [
        "schema_version",
        "organization",
        "accounts",
        "aliases",
        "sharing",
        "rules",
    ];

    /// Whether `text` names one of [`Export::KEYS`] as a key where an export has them: at
    /// the start of a line (a YAML export's top level) or as a quoted JSON key. For text
    /// that does not parse, where there is no tree to look at.
    pub fn mentioned_in(text: &str) -> bool {
        Export::KEYS.iter().any(|key| {
            text.match_indices(key).any(|(at, _)| {
                let before = &text[..at];
                let after = &text[at + key.len()..];
                let yaml_top = (before.is_empty() || before.ends_with('\n'))
                    && after.trim_start_matches(' ').starts_with(':');
                let quoted = |q: char| {
                    before.ends_with(q)
                        && after
                            .strip_prefix(q)
                            .is_some_and(|a| a.trim_start().starts_with(':'))
                };
                yaml_top || quoted('"') || quoted('\'')
            })
        })
    }
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct Account {
    /// An opaque ID; it often looks like a UUID but need not be one.
    pub id: String,
    #[serde(rename = "type")]
    pub kind_of_channel: Option<AccountType>,
    pub address: Option<String>,
    pub name: Option<String>,
    pub kind: Option<AccountKind>,
    pub imap: Option<Server>,
    pub smtp: Option<Server>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountType {
    Email,
    Sms,
    Whatsapp,
    Messenger,
    Instagram,
    LiveChat,
    Custom,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    Shared,
    Personal,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct Server {
    pub host: Option<String>,
    pub port: Option<u16>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct Alias {
    pub id: Option<String>,
    /// Account reference.
    pub account: String,
    /// Address reference.
    pub address: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub signature: Option<String>,
    pub sharing: Option<AliasSharing>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct AliasSharing {
    pub organization: Option<bool>,
    pub teams: Option<Vec<String>>,
    pub users: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct Sharing {
    /// Account reference.
    pub account: String,
    pub organization: Option<bool>,
    pub teams: Option<Vec<String>>,
    pub users: Option<Vec<String>>,
    pub delivery: Option<Delivery>,
    /// Team ID.
    pub team_inbox: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    TeamInbox,
    Inbox,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct Rule {
    pub id: Option<String>,
    pub scope: Option<Scope>,
    #[serde(rename = "type")]
    pub direction: Option<RuleType>,
    pub channel: Option<String>,
    /// Orders rules in the app; never changed.
    pub description: Option<String>,
    pub enabled: Option<bool>,
    pub conditions: Option<Group>,
    pub actions: Option<Vec<Action>>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Organization,
    Personal,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleType {
    Incoming,
    Outgoing,
    UserAction,
}

/// A condition group: all or at least one of its items must hold.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct Group {
    #[serde(rename = "match")]
    pub match_: Option<Match>,
    pub items: Vec<Item>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Match {
    All,
    AtLeastOne,
}

/// A nested group (`match`, `items`) or a condition (`field`, `op`, `value`). When `field`
/// is `email_account` or `account`, `value` holds account references: a string or a list.
/// (`validate` also requires the keys of each shape: see [`Item::CONDITION_KEYS`].)
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct Item {
    #[serde(rename = "match")]
    pub match_: Option<Match>,
    pub items: Option<Vec<Item>>,
    pub field: Option<String>,
    /// `is` or `is_not`; other operators are kept as they are.
    pub op: Option<String>,
    pub value: Option<serde_json::Value>,
}

impl Item {
    /// A condition needs all three: without `field` (say, written `feild`) it matches
    /// nothing the profile knows, so its accounts would never be rewritten.
    pub const CONDITION_KEYS: [&str; 3] = ["field", "op", "value"];
    /// A nested group is an item with `match` or `items`; it needs `items`.
    pub const GROUP_KEYS: [&str; 2] = ["match", "items"];
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct Action {
    #[serde(rename = "type")]
    pub kind: String,
    pub from: Option<From>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct From {
    /// Account reference.
    pub account: Option<String>,
    /// Address reference.
    pub address: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_keys_are_those_of_the_schema() {
        let schema = serde_json::to_value(schemars::schema_for!(Export)).unwrap();
        let mut properties: Vec<&str> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        properties.sort_unstable();
        let mut keys = Export::KEYS.to_vec();
        keys.sort_unstable();
        assert_eq!(properties, keys);
    }

    #[test]
    fn keys_are_found_where_an_export_has_them() {
        assert!(Export::mentioned_in("schema_version: 1\nrules: [oops\n"));
        assert!(Export::mentioned_in("# x\nrules:\n  - {"));
        assert!(Export::mentioned_in("{\n  \"accounts\" : [1,,]"));
        // A docker-compose.yml that does not parse: `aliases` nested, not at the top.
        assert!(!Export::mentioned_in(
            "services:\n  web:\n    networks:\n      default:\n        aliases: [a\n"
        ));
        assert!(!Export::mentioned_in(
            "description: the rules: all of them\n"
        ));
    }
}
