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
