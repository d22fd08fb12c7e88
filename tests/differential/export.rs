//! Random exports in the styles real ones have, deterministic from a seed: the account IDs
//! and addresses (with the mapping), and the settings that use them, with anchors, aliases,
//! merge keys, tags and comments across reference kinds.

use std::collections::HashSet;

use crate::model::{Entry, G, Item, JsonStyle, MERGE, Props, Q, YamlStyle, plain_ok};
use crate::oracle::Mapping;
use crate::prng::Rng;

/// One input file.
#[derive(Clone, Debug)]
pub struct FileSpec {
    pub name: String,
    pub json: Option<JsonStyle>,
    pub yaml: YamlStyle,
    pub docs: Vec<G>,
    pub crlf: bool,
    pub bom: bool,
    pub final_newline: bool,
    /// `---` before the first document too.
    pub explicit_start: bool,
    /// `...` after each document.
    pub doc_end: bool,
    pub header: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Case {
    pub files: Vec<FileSpec>,
    pub mapping: Mapping,
}

pub struct Rendered {
    pub name: String,
    pub bytes: Vec<u8>,
    pub json: bool,
    pub comments: Vec<String>,
}

impl FileSpec {
    pub fn render(&self) -> Rendered {
        let (mut text, comments) = match &self.json {
            Some(style) => (
                crate::model::json(&self.docs[0], style, 0) + "\n",
                Vec::new(),
            ),
            None => {
                let mut y = crate::model::Yaml::new(&self.yaml);
                if let Some(h) = &self.header {
                    y.comment_line(0, h);
                }
                for (i, doc) in self.docs.iter().enumerate() {
                    if i > 0 || self.explicit_start {
                        y.raw("---\n");
                    }
                    y.document(doc);
                    if self.doc_end {
                        y.raw("...\n");
                    }
                }
                y.finish()
            }
        };
        if !self.final_newline {
            while text.ends_with('\n') {
                text.pop();
            }
        }
        if self.crlf {
            text = text.replace('\n', "\r\n");
        }
        if self.bom {
            text.insert(0, '\u{feff}');
        }
        Rendered {
            name: self.name.clone(),
            bytes: text.into_bytes(),
            json: self.json.is_some(),
            comments,
        }
    }
}

impl Case {
    pub fn render(&self) -> Vec<Rendered> {
        self.files.iter().map(FileSpec::render).collect()
    }
}

/// The accounts and addresses of a case.
pub struct Pool {
    pub old: Vec<String>,
    pub unmapped: Vec<String>,
    pub new: Vec<String>,
    pub old_addresses: Vec<String>,
    pub other_addresses: Vec<String>,
    pub new_addresses: Vec<String>,
}

const WORDS: &[&str] = &[
    "info", "support", "billing", "help", "sales", "team", "ops", "hello", "jobs", "press",
];

/// New values that YAML 1.1 (or 1.2) would read as something other than this string.
const YAML11_VALUES: &[&str] = &[
    "yes",
    "No",
    "on",
    "OFF",
    "y",
    "N",
    "12:30:00",
    "2001-12-14",
    "1_000",
    "0b101",
    ".5",
    "+1",
    "<<",
    "=",
    "~",
    "null",
    "1e3",
    "190:20:30",
    "0o17",
    "true",
    "017",
    "1.2.3",
    "Off",
    "0x1F",
];

/// New values that cannot be written plain at all (or only in block context). (None starts
/// or ends with a space or holds an invisible character: a mapping refuses those.)
const AWKWARD_VALUES: &[&str] = &[
    "two  spaces",
    "a:b",
    "x - y",
    "id, comma",
    "#hash",
    "x #y",
    "a: b",
    "-lead",
    "[br]",
    "'q",
    "\"dq",
    "trail:",
    "back\\slash",
    "*star",
    "&amp",
    "!bang",
    "%pct",
    "@at",
    "`tick",
    "{brace}",
    "?q",
    "|pipe",
    ">gt",
    "ü-id",
    "naïve/ünï",
    "a'b\"c",
];

fn hex(rng: &mut Rng, n: usize, alphabet: &[u8]) -> String {
    (0..n).map(|_| *rng.pick(alphabet) as char).collect()
}

/// An opaque ID: a UUID, something shaped like one that is not, a slug, or digits (which a
/// YAML reader types as a number unless quoted).
fn some_id(rng: &mut Rng) -> String {
    let hexd = b"0123456789abcdef";
    match rng.below(10) {
        0..=3 => format!(
            "{}-{}-4{}-{}-{}",
            hex(rng, 8, hexd),
            hex(rng, 4, hexd),
            hex(rng, 3, hexd),
            hex(rng, 4, hexd),
            hex(rng, 12, hexd)
        ),
        4 | 5 => {
            let odd = b"0123456789abcdefghnqxz";
            format!(
                "{}-{}-{}-{}",
                hex(rng, 8, odd),
                hex(rng, 4, odd),
                hex(rng, 4, odd),
                hex(rng, 12, odd)
            )
        }
        6 | 7 => format!("{}-{}", rng.pick(WORDS), rng.range(1, 999)),
        8 => format!("{:05}", rng.below(100_000)),
        _ => format!("acct_{}{}", rng.pick(WORDS), rng.below(10)),
    }
}

fn vary_case(rng: &mut Rng, text: &str) -> String {
    match rng.below(4) {
        0 => text.to_uppercase(),
        1 => text
            .char_indices()
            .map(|(i, c)| {
                if i == 0 || text[..i].ends_with(['@', '.']) {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect(),
        _ => text.to_owned(),
    }
}

pub fn pool_and_mapping(rng: &mut Rng) -> (Pool, Mapping) {
    let mut used = HashSet::new();
    let mut fresh = |rng: &mut Rng, make: &mut dyn FnMut(&mut Rng) -> String| loop {
        let s = make(rng);
        if used.insert(s.clone()) {
            return s;
        }
    };
    let n_old = rng.range(1, 3);
    let old: Vec<String> = (0..n_old).map(|_| fresh(rng, &mut some_id)).collect();
    let mut new_of: Vec<String> = Vec::new();
    let mut new = Vec::new();
    for i in 0..n_old {
        if i > 0 && rng.chance(25) {
            // Two old accounts mapped to one new account.
            new_of.push(new_of[0].clone());
            continue;
        }
        let target = match rng.below(20) {
            0..=2 => fresh(rng, &mut |r| r.pick(YAML11_VALUES).to_string()),
            3..=5 => fresh(rng, &mut |r| r.pick(AWKWARD_VALUES).to_string()),
            _ => fresh(rng, &mut some_id),
        };
        new.push(target.clone());
        new_of.push(target);
    }
    let unmapped: Vec<String> = (0..rng.range(0, 2))
        .map(|_| fresh(rng, &mut some_id))
        .collect();
    let mut old_addresses = Vec::new();
    let mut new_addresses = Vec::new();
    let mut addresses = Vec::new();
    let old_host = *rng.pick(&["oldmail.example", "acme-old.example"]);
    for _ in 0..rng.range(0, 2) {
        let local = fresh(rng, &mut |r| r.pick(WORDS).to_string());
        let o = format!("{local}@{old_host}");
        let n = match rng.below(8) {
            0 => format!("O'{local}@newmail.example"),
            1 => format!("\"{local}\"@newmail.example"),
            2 => format!("{}@NewMail.example", local.to_uppercase()),
            _ => format!("{local}@newmail.example"),
        };
        addresses.push((vary_case(rng, &o), n.clone()));
        old_addresses.push(o);
        new_addresses.push(n);
    }
    let other_addresses: Vec<String> = (0..rng.range(1, 2))
        .map(|_| {
            format!(
                "{}@{}",
                fresh(rng, &mut |r| format!("{}{}", r.pick(WORDS), r.below(9))),
                "elsewhere.example"
            )
        })
        .collect();
    let mapping = Mapping {
        accounts: old.iter().cloned().zip(new_of).collect(),
        addresses,
    };
    (
        Pool {
            old,
            unmapped,
            new,
            old_addresses,
            other_addresses,
            new_addresses,
        },
        mapping,
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Account,
    Address,
    IdList,
    CondItem,
    Conditions,
    Teams,
    Text,
    RuleTemplate,
    /// A condition template holding `field`, `op` and `value`.
    CondTemplate,
    /// A condition template holding `field` and `op`, merged into items that set `value`.
    CondTemplateNoValue,
}

/// How much of each YAML feature a case uses (some cases use none).
#[derive(Clone, Copy)]
struct Density {
    comment: u32,
    anchor: u32,
    alias: u32,
    tag: u32,
    flow: u32,
}

struct Gen<'a> {
    rng: &'a mut Rng,
    pool: &'a Pool,
    mapping: &'a Mapping,
    yaml: bool,
    d: Density,
    anchors: Vec<(String, Kind, G)>,
    comment_counter: &'a mut usize,
}

impl Gen<'_> {
    fn comment(&mut self) -> Option<String> {
        if !self.yaml || !self.rng.chance(self.d.comment) {
            return None;
        }
        *self.comment_counter += 1;
        let n = *self.comment_counter;
        let text = match self.rng.below(5) {
            0 => format!("was {}", self.rng.pick(&self.pool.old)),
            1 if !self.pool.old_addresses.is_empty() => {
                format!("({})", self.rng.pick(&self.pool.old_addresses))
            }
            2 => format!("new: {}", self.rng.pick(&self.pool.new)),
            _ => "note".to_owned(),
        };
        Some(format!("# c{n}: {text}"))
    }

    fn comments(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        while out.len() < 2
            && let Some(c) = self.comment()
        {
            out.push(c);
        }
        out
    }

    fn flow(&mut self) -> bool {
        !self.yaml || self.rng.chance(self.d.flow)
    }

    /// A string scalar in a random quoting style (plain only where that reads back the same).
    fn scalar(&mut self, text: &str) -> G {
        let q = if plain_ok(text) && self.rng.chance(55) {
            Q::Plain
        } else {
            *self.rng.pick(&[
                Q::Single,
                Q::Single,
                Q::Double,
                Q::Double,
                Q::Double,
                Q::Single,
                Q::Double,
                Q::Escaped,
            ])
        };
        let mut props = Props::default();
        if self.yaml && self.rng.chance(self.d.tag) {
            props.tag = true;
            props.tag_first = self.rng.chance(50);
        }
        G::Scalar {
            text: text.to_owned(),
            q,
            props,
        }
    }

    fn anchor(&mut self, mut g: G, kind: Kind) -> G {
        if self.yaml && self.rng.chance(self.d.anchor) {
            let name = format!(
                "{}{}",
                ["a", "x", "ref_", "tmpl", "id"][self.rng.below(5)],
                self.anchors.len()
            );
            if let Some(p) = g.props_mut() {
                p.anchor = Some(name.clone());
                if matches!(g, G::Seq { .. } | G::Map { .. }) && self.rng.chance(self.d.tag) {
                    // `!!seq` / `!!map` on an anchored collection, in either order.
                    if let Some(p) = g.props_mut() {
                        p.tag = true;
                        p.tag_first = self.rng.chance(50);
                    }
                }
                self.anchors.push((name, kind, g.stripped()));
            }
        }
        g
    }

    /// An alias to an earlier anchor of this kind (with this value, when given).
    fn alias(&mut self, kind: Kind, value: Option<&str>) -> Option<G> {
        if !self.yaml || !self.rng.chance(self.d.alias) {
            return None;
        }
        let candidates: Vec<&(String, Kind, G)> = self
            .anchors
            .iter()
            .filter(|(_, k, g)| {
                *k == kind && value.is_none_or(|v| matches!(g, G::Scalar { text, .. } if text == v))
            })
            .collect();
        if candidates.is_empty() {
            return None;
        }
        let (name, _, g) = candidates[self.rng.below(candidates.len())];
        Some(G::Alias {
            name: name.clone(),
            fallback: Box::new(g.clone()),
        })
    }

    fn any_account(&mut self) -> String {
        let pool = self.pool;
        match self.rng.below(10) {
            0..=4 => self.rng.pick(&pool.old).clone(),
            5 | 6 if !pool.unmapped.is_empty() => self.rng.pick(&pool.unmapped).clone(),
            _ => self.rng.pick(&pool.new).clone(),
        }
    }

    fn any_address(&mut self) -> String {
        let pool = self.pool;
        let a = match self.rng.below(10) {
            0..=5 if !pool.old_addresses.is_empty() => self.rng.pick(&pool.old_addresses).clone(),
            6 | 7 if !pool.new_addresses.is_empty() => self.rng.pick(&pool.new_addresses).clone(),
            _ => self.rng.pick(&pool.other_addresses).clone(),
        };
        vary_case(self.rng, &a)
    }

    /// An account ID at a reference (or, `anchorable` only, a declaration or unknown
    /// field), maybe anchored, maybe an alias to an earlier one.
    fn account(&mut self, value: Option<String>) -> G {
        if let Some(a) = self.alias(Kind::Account, value.as_deref()) {
            return a;
        }
        let v = value.unwrap_or_else(|| self.any_account());
        let g = self.scalar(&v);
        self.anchor(g, Kind::Account)
    }

    fn address(&mut self, value: Option<String>) -> G {
        if let Some(a) = self.alias(Kind::Address, value.as_deref()) {
            return a;
        }
        let v = value.unwrap_or_else(|| self.any_address());
        let g = self.scalar(&v);
        self.anchor(g, Kind::Address)
    }

    fn text(&mut self, text: &str) -> G {
        if let Some(a) = self.alias(Kind::Text, None) {
            return a;
        }
        let g = self.scalar(text);
        self.anchor(g, Kind::Text)
    }

    fn map(&mut self, entries: Vec<(&str, G)>, flow: bool) -> G {
        let entries = entries
            .into_iter()
            .map(|(k, node)| Entry {
                key: k.to_owned(),
                node,
                before: self.comments(),
                eol: self.comment(),
            })
            .collect();
        let trailing = if flow {
            Vec::new()
        } else {
            self.comment().into_iter().collect()
        };
        G::Map {
            entries,
            flow,
            props: Props::default(),
            trailing,
        }
    }

    fn seq(&mut self, nodes: Vec<G>, flow: bool) -> G {
        let items = nodes
            .into_iter()
            .map(|node| Item {
                node,
                before: self.comments(),
                eol: self.comment(),
            })
            .collect();
        let trailing = if flow {
            Vec::new()
        } else {
            self.comment().into_iter().collect()
        };
        G::Seq {
            items,
            flow,
            props: Props::default(),
            trailing,
        }
    }

    /// A condition's list of account IDs: sometimes already holding a new value, sometimes
    /// with duplicates.
    fn id_list(&mut self) -> G {
        if let Some(a) = self.alias(Kind::IdList, None) {
            return a;
        }
        let mut values: Vec<Option<String>> = (0..self.rng.range(0, 4)).map(|_| None).collect();
        if self.rng.chance(30) {
            // The list already holds the new value of an old one it holds.
            let i = self.rng.below(self.pool.old.len());
            let new = self.mapping.account(&self.pool.old[i]).unwrap().to_owned();
            values.push(Some(self.pool.old[i].clone()));
            let at = self.rng.below(values.len() + 1);
            values.insert(at, Some(new));
        }
        if self.rng.chance(10) && !values.is_empty() {
            let dup = values[self.rng.below(values.len())].clone();
            values.push(dup);
        }
        let nodes = values.into_iter().map(|v| self.account(v)).collect();
        let flow = self.flow();
        let g = self.seq(nodes, flow);
        self.anchor(g, Kind::IdList)
    }

    fn account_condition(&mut self) -> G {
        let field = *self.rng.pick(&["email_account", "account", "account"]);
        let op = *self.rng.pick(&["is", "is_not", "is", "in"]);
        let value = match self.rng.below(12) {
            0 => G::plain(if self.rng.chance(50) { "null" } else { "~" }),
            1..=5 => self.account(None),
            _ => self.id_list(),
        };
        let mut entries = vec![
            ("field", G::plain(field)),
            ("op", G::plain(op)),
            ("value", value),
        ];
        if self.rng.chance(20) {
            entries.swap(0, 2);
        }
        if self.rng.chance(15) {
            entries.remove(1);
        }
        let flow = self.flow();
        self.map(entries, flow)
    }

    /// A condition that holds no reference (its value is never changed, even when it is an
    /// old ID or address).
    fn other_condition(&mut self) -> G {
        let pool = self.pool;
        let (field, value) = match self.rng.below(3) {
            0 => ("subject", format!("from {}", self.rng.pick(&pool.old))),
            1 => ("to", self.any_address()),
            _ => ("account_name", self.rng.pick(&pool.old).clone()),
        };
        let value = self.scalar(&value);
        let flow = self.flow();
        self.map(
            vec![
                ("field", G::plain(field)),
                ("op", G::plain("contains")),
                ("value", value),
            ],
            flow,
        )
    }

    fn merged_condition(&mut self) -> Option<G> {
        if let Some(alias) = self.alias(Kind::CondTemplate, None) {
            let mut entries = vec![(MERGE, alias)];
            if self.rng.chance(30) {
                entries.push(("op", G::plain("is_not")));
            }
            let flow = self.flow();
            return Some(self.map(entries, flow));
        }
        let alias = self.alias(Kind::CondTemplateNoValue, None)?;
        let value = if self.rng.chance(50) {
            self.account(None)
        } else {
            self.id_list()
        };
        let flow = self.flow();
        Some(self.map(vec![(MERGE, alias), ("value", value)], flow))
    }

    fn condition_item(&mut self, depth: usize) -> G {
        if let Some(a) = self.alias(Kind::CondItem, None) {
            return a;
        }
        let g = match self.rng.below(12) {
            0 if depth < 2 => {
                let items = self.items(depth + 1);
                let flow = self.flow();
                self.map(
                    vec![("match", G::plain("at_least_one")), ("items", items)],
                    flow,
                )
            }
            1 | 2 => self.other_condition(),
            3 | 4 => match self.merged_condition() {
                Some(g) => g,
                None => self.account_condition(),
            },
            _ => self.account_condition(),
        };
        self.anchor(g, Kind::CondItem)
    }

    fn items(&mut self, depth: usize) -> G {
        let nodes = (0..self.rng.range(1, 3))
            .map(|_| self.condition_item(depth))
            .collect();
        let flow = self.flow();
        self.seq(nodes, flow)
    }

    fn conditions(&mut self) -> G {
        if let Some(a) = self.alias(Kind::Conditions, None) {
            return a;
        }
        let items = self.items(0);
        let mut entries = vec![("items", items)];
        if self.rng.chance(70) {
            let m = self.rng.pick(&["all", "at_least_one"]).to_string();
            entries.insert(0, ("match", G::plain(&m)));
        }
        let flow = self.flow();
        let g = self.map(entries, flow);
        self.anchor(g, Kind::Conditions)
    }

    fn actions(&mut self) -> G {
        let mut nodes = Vec::new();
        for _ in 0..self.rng.range(1, 2) {
            let mut from = Vec::new();
            if self.rng.chance(80) {
                from.push(("account", self.account(None)));
            }
            if self.rng.chance(60) {
                from.push(("address", self.address(None)));
            }
            let kind = self
                .rng
                .pick(&["send_response", "forward", "assign"])
                .to_string();
            let mut entries = vec![("type", G::plain(&kind))];
            if !from.is_empty() {
                let flow = self.flow();
                entries.push(("from", self.map(from, flow)));
            }
            let flow = self.flow();
            nodes.push(self.map(entries, flow));
        }
        let flow = self.flow();
        self.seq(nodes, flow)
    }

    fn rule(&mut self, n: usize) -> G {
        let mut entries: Vec<(&str, G)> = Vec::new();
        let template = if self.rng.chance(40) {
            self.alias(Kind::RuleTemplate, None)
        } else {
            None
        };
        let templated = template.is_some();
        if let Some(t) = template {
            entries.push((MERGE, t));
        }
        if self.rng.chance(60) {
            let id = format!("rule-{n}-{}", self.rng.below(1000));
            entries.push(("id", self.scalar(&id)));
        }
        if !templated || self.rng.chance(40) {
            let old = self.rng.pick(&self.pool.old).clone();
            let d = format!("{n:02}. Route mail for {old}");
            entries.push(("description", self.text(&d)));
        }
        if self.rng.chance(30) {
            entries.push(("enabled", G::plain("true")));
        }
        if !templated || self.rng.chance(20) {
            entries.push(("conditions", self.conditions()));
        }
        if !templated && self.rng.chance(60) {
            entries.push(("actions", self.actions()));
        }
        if self.rng.chance(15) {
            entries.push(("x-legacy-account", self.account(None)));
        }
        if templated && self.rng.chance(30) {
            let t = entries.remove(0);
            let at = self.rng.below(entries.len() + 1);
            entries.insert(at, t);
        }
        let flow = self.flow();
        self.map(entries, flow)
    }

    fn rule_template(&mut self) -> G {
        let mut entries = vec![("conditions", self.conditions())];
        if self.rng.chance(40) {
            entries.push(("actions", self.actions()));
        }
        if self.rng.chance(30) {
            entries.push(("description", self.scalar("from the template")));
        }
        let flow = self.flow();
        let mut g = self.map(entries, flow);
        self.name(&mut g, Kind::RuleTemplate);
        g
    }

    fn cond_template(&mut self) -> G {
        let with_value = self.rng.chance(50);
        let field = *self.rng.pick(&["email_account", "account"]);
        let mut entries = vec![("field", G::plain(field)), ("op", G::plain("is"))];
        if with_value {
            let value = if self.rng.chance(60) {
                self.account(None)
            } else {
                self.id_list()
            };
            entries.push(("value", value));
        }
        let flow = self.flow();
        let mut g = self.map(entries, flow);
        self.name(
            &mut g,
            if with_value {
                Kind::CondTemplate
            } else {
                Kind::CondTemplateNoValue
            },
        );
        g
    }

    /// Anchors a template (always: it is only useful with its anchor).
    fn name(&mut self, g: &mut G, kind: Kind) {
        let name = format!("t{}", self.anchors.len());
        g.props_mut().unwrap().anchor = Some(name.clone());
        self.anchors.push((name, kind, g.stripped()));
    }

    /// An alias entry; with `id` first, last, or last with a comment after it.
    fn alias_entry(&mut self, account: &str, address: &str, id: Option<String>, name: &str) -> G {
        let mut entries: Vec<(&str, G)> = vec![
            ("account", self.account(Some(account.to_owned()))),
            ("address", self.address(Some(address.to_owned()))),
            ("name", self.text(name)),
        ];
        if self.rng.chance(15) {
            let teams = self.teams();
            entries.push(("x-tags", teams));
        }
        if self.rng.chance(15) {
            entries.push(("x-legacy-account", self.account(None)));
        }
        self.with_id(entries, id)
    }

    fn with_id(&mut self, mut entries: Vec<(&str, G)>, id: Option<String>) -> G {
        let mut last_comment = false;
        if let Some(id) = id {
            let id = self.scalar(&id);
            if self.rng.chance(50) {
                entries.insert(0, ("id", id));
            } else {
                entries.push(("id", id));
                last_comment = self.yaml && self.rng.chance(50);
            }
        }
        let flow = self.flow();
        let mut g = self.map(entries, flow);
        if last_comment && let G::Map { entries, .. } = &mut g {
            *self.comment_counter += 1;
            entries.last_mut().unwrap().eol = Some(format!("# c{}: app id", self.comment_counter));
        }
        g
    }

    fn teams(&mut self) -> G {
        if let Some(a) = self.alias(Kind::Teams, None) {
            return a;
        }
        let nodes = (0..self.rng.range(0, 2))
            .map(|i| G::plain(&format!("team-{i}")))
            .collect();
        let flow = self.flow();
        let g = self.seq(nodes, flow);
        self.anchor(g, Kind::Teams)
    }

    fn sharing_entry(
        &mut self,
        account: &str,
        id: Option<String>,
        organization: bool,
        delivery: &str,
    ) -> G {
        let mut entries: Vec<(&str, G)> = vec![
            ("account", self.account(Some(account.to_owned()))),
            (
                "organization",
                G::plain(if organization { "true" } else { "false" }),
            ),
        ];
        if self.rng.chance(70) {
            let teams = self.teams();
            entries.push(("teams", teams));
        }
        entries.push(("delivery", G::plain(delivery)));
        self.with_id(entries, id)
    }

    fn entry_id(&mut self, prefix: &str) -> Option<String> {
        self.rng
            .chance(50)
            .then(|| format!("{prefix}-{}", self.rng.below(10_000)))
    }

    fn aliases(&mut self) -> G {
        let mut nodes = Vec::new();
        for i in 0..self.rng.range(1, 4) {
            let account = self.any_account();
            let address = self.any_address();
            let name = format!("Alias {i}");
            let id = self.entry_id("al");
            nodes.push(self.alias_entry(&account, &address, id, &name));
            if let Some(new) = self.mapping.account(&account).map(str::to_owned)
                && self.rng.chance(35)
            {
                // The new account already has this alias: an unmodified copy, one with the
                // app's id, or one changed since.
                let new_address = self
                    .mapping
                    .address(&address)
                    .map_or(address.clone(), str::to_owned);
                let (id, name) = match self.rng.below(3) {
                    0 => (None, name.clone()),
                    1 => (Some(format!("al-{}", self.rng.below(10_000))), name.clone()),
                    _ => (None, format!("{name} (new)")),
                };
                let copy = self.alias_entry(&new, &new_address, id, &name);
                let at = if self.rng.chance(60) {
                    nodes.len()
                } else {
                    self.rng.below(nodes.len() + 1)
                };
                nodes.insert(at, copy);
            }
        }
        let flow = self.flow();
        self.seq(nodes, flow)
    }

    fn sharing(&mut self) -> G {
        let mut nodes = Vec::new();
        for _ in 0..self.rng.range(1, 3) {
            let account = self.any_account();
            let organization = self.rng.chance(50);
            let delivery = self.rng.pick(&["team_inbox", "inbox"]).to_string();
            let id = self.entry_id("sh");
            nodes.push(self.sharing_entry(&account, id, organization, &delivery));
            if let Some(new) = self.mapping.account(&account).map(str::to_owned)
                && self.rng.chance(35)
            {
                let (id, delivery) = match self.rng.below(3) {
                    0 => (None, delivery.clone()),
                    1 => (
                        Some(format!("sh-{}", self.rng.below(10_000))),
                        delivery.clone(),
                    ),
                    _ => (
                        None,
                        if delivery == "inbox" {
                            "team_inbox".into()
                        } else {
                            "inbox".into()
                        },
                    ),
                };
                let copy = self.sharing_entry(&new, id, organization, &delivery);
                let at = if self.rng.chance(60) {
                    nodes.len()
                } else {
                    self.rng.below(nodes.len() + 1)
                };
                nodes.insert(at, copy);
            }
        }
        let flow = self.flow();
        self.seq(nodes, flow)
    }

    fn accounts(&mut self) -> G {
        let pool = self.pool;
        let mut nodes = Vec::new();
        let all: Vec<&String> = pool
            .old
            .iter()
            .chain(&pool.unmapped)
            .chain(&pool.new)
            .collect();
        for (i, id) in all.into_iter().enumerate() {
            let mut entries = vec![
                ("id", self.account(Some(id.clone()))),
                ("type", G::plain("email")),
            ];
            if i < pool.old_addresses.len() && self.rng.chance(60) {
                entries.push(("address", self.address(Some(pool.old_addresses[i].clone()))));
            }
            let flow = self.flow();
            nodes.push(self.map(entries, flow));
        }
        let flow = self.flow();
        self.seq(nodes, flow)
    }

    /// Unknown data that mentions old IDs, as values and as keys (never references).
    fn notes(&mut self) -> G {
        let old = self.rng.pick(&self.pool.old).clone();
        let entries = vec![
            (old.as_str(), self.scalar("moved")),
            ("note", self.scalar(&format!("{old} goes away"))),
        ];
        let entries: Vec<Entry> = entries
            .into_iter()
            .map(|(k, node)| Entry {
                key: k.to_owned(),
                node,
                before: Vec::new(),
                eol: None,
            })
            .collect();
        let flow = self.flow();
        G::Map {
            entries,
            flow,
            props: Props::default(),
            trailing: Vec::new(),
        }
    }

    /// Aliases, outside every setting, to anchors inside them: these must keep their data.
    fn other(&mut self) -> Option<G> {
        let nodes: Vec<G> = (0..self.rng.range(1, 3))
            .filter_map(|_| {
                if self.anchors.is_empty() {
                    return None;
                }
                let (name, _, g) = self.anchors[self.rng.below(self.anchors.len())].clone();
                Some(G::Alias {
                    name,
                    fallback: Box::new(g),
                })
            })
            .collect();
        if nodes.is_empty() {
            return None;
        }
        let flow = self.flow();
        Some(self.seq(nodes, flow))
    }
}

fn document(w: &mut Gen, declare_accounts: bool, only: Option<&str>) -> G {
    let mut sections: Vec<&str> = match only {
        Some(s) => vec![s],
        None => [
            "organization",
            "aliases",
            "sharing",
            "rules",
            "rules",
            "x-notes",
        ]
        .into_iter()
        .filter(|_| w.rng.chance(60))
        .collect(),
    };
    sections.dedup();
    if declare_accounts {
        sections.insert(w.rng.below(sections.len() + 1), "accounts");
    }
    if w.yaml && only.is_none() {
        // Templates first: anchors must come before their aliases.
        for t in ["x-tmpl", "x-cond"] {
            if w.rng.chance(30) {
                sections.insert(0, t);
            }
        }
        if w.rng.chance(40) {
            sections.push("x-other");
        }
    }
    let mut entries = Vec::new();
    for s in sections {
        let node = match s {
            "organization" => Some(w.scalar("Acme Support")),
            "accounts" => Some(w.accounts()),
            "aliases" => Some(w.aliases()),
            "sharing" => Some(w.sharing()),
            "rules" => {
                let nodes = (0..w.rng.range(1, 4)).map(|n| w.rule(n)).collect();
                let flow = w.flow();
                Some(w.seq(nodes, flow))
            }
            "x-notes" => Some(w.notes()),
            "x-cond" => Some(w.cond_template()),
            "x-tmpl" => Some(w.rule_template()),
            "x-other" => w.other(),
            _ => unreachable!(),
        };
        if let Some(node) = node {
            entries.push((s, node));
        }
    }
    let version = ("schema_version", G::plain("1"));
    let at = if w.rng.chance(85) {
        0
    } else {
        w.rng.below(entries.len() + 1)
    };
    entries.insert(at, version);
    let flow = w.d.flow == 100;
    w.map(entries, flow)
}

fn density(rng: &mut Rng, yaml: bool) -> Density {
    if !yaml {
        return Density {
            comment: 0,
            anchor: 0,
            alias: 0,
            tag: 0,
            flow: 100,
        };
    }
    let level = |rng: &mut Rng, levels: &[u32]| *rng.pick(levels);
    Density {
        comment: level(rng, &[0, 15, 40]),
        anchor: level(rng, &[0, 15, 35]),
        alias: level(rng, &[0, 30, 60]),
        tag: level(rng, &[0, 0, 10]),
        flow: level(rng, &[0, 0, 30, 70, 100]),
    }
}

/// Case number `index` of a run with `seed`.
pub fn case(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let (pool, mapping) = pool_and_mapping(&mut rng);
    let n_files = *rng.pick(&[1, 1, 1, 2, 3]);
    let declare_at = rng.chance(30).then(|| rng.below(n_files));
    let mut comment_counter = 0;
    let mut files = Vec::new();
    for f in 0..n_files {
        let json = rng.chance(25);
        let only = if n_files > 1 && rng.chance(50) {
            Some(*rng.pick(&["aliases", "sharing", "rules"]))
        } else {
            None
        };
        let n_docs = if !json && rng.chance(20) { 2 } else { 1 };
        let d = density(&mut rng, !json);
        let mut docs = Vec::new();
        for doc_index in 0..n_docs {
            let mut w = Gen {
                rng: &mut rng,
                pool: &pool,
                mapping: &mapping,
                yaml: !json,
                d,
                anchors: Vec::new(),
                comment_counter: &mut comment_counter,
            };
            let declare = declare_at == Some(f) && doc_index == 0;
            docs.push(document(&mut w, declare, only));
        }
        let ext = if json {
            "json"
        } else {
            *rng.pick(&["yaml", "yml"])
        };
        let stem = only.unwrap_or("export");
        let name = if n_files > 1 && rng.chance(30) {
            format!("team{f}/{stem}.{ext}")
        } else {
            format!("{stem}{f}.{ext}")
        };
        let json_style = json.then(|| match rng.below(4) {
            0 => JsonStyle::Minified,
            1 => JsonStyle::Pretty("\t".into()),
            2 => JsonStyle::Pretty("    ".into()),
            _ => JsonStyle::Pretty("  ".into()),
        });
        let header = (!json && rng.chance(d.comment)).then(|| {
            comment_counter += 1;
            format!("# c{comment_counter}: exported settings")
        });
        files.push(FileSpec {
            name,
            json: json_style,
            yaml: YamlStyle {
                indent: *rng.pick(&[2, 2, 4]),
                seq_indented: rng.chance(60),
                tabs: rng.chance(5),
                flow_pad: rng.chance(20),
            },
            docs,
            crlf: rng.chance(15),
            bom: rng.chance(10),
            final_newline: !rng.chance(15),
            explicit_start: !json && rng.chance(15),
            doc_end: !json && rng.chance(5),
            header,
        });
    }
    Case { files, mapping }
}

/// Smaller cases, coarse steps first: a file, a document, a list item or an entry, a
/// mapping pair, then styles and YAML features.
pub fn smaller(case: &Case) -> Vec<Case> {
    let mut out = Vec::new();
    if case.files.len() > 1 {
        for i in 0..case.files.len() {
            let mut c = case.clone();
            c.files.remove(i);
            out.push(c);
        }
    }
    for (f, file) in case.files.iter().enumerate() {
        if file.docs.len() > 1 {
            for d in 0..file.docs.len() {
                let mut c = case.clone();
                c.files[f].docs.remove(d);
                out.push(c);
            }
        }
    }
    for list in [0, 1] {
        let len = if list == 0 {
            case.mapping.accounts.len()
        } else {
            case.mapping.addresses.len()
        };
        for i in 0..len {
            let mut c = case.clone();
            if list == 0 {
                if len == 1 {
                    continue;
                }
                c.mapping.accounts.remove(i);
            } else {
                c.mapping.addresses.remove(i);
            }
            out.push(c);
        }
    }
    for (f, file) in case.files.iter().enumerate() {
        for (d, doc) in file.docs.iter().enumerate() {
            for variant in variants(doc, true) {
                let mut c = case.clone();
                c.files[f].docs[d] = variant;
                out.push(c);
            }
        }
    }
    for f in 0..case.files.len() {
        let file = &case.files[f];
        let mut tweak = |change: &dyn Fn(&mut FileSpec)| {
            let mut c = case.clone();
            change(&mut c.files[f]);
            out.push(c);
        };
        if file.crlf {
            tweak(&|s| s.crlf = false);
        }
        if file.bom {
            tweak(&|s| s.bom = false);
        }
        if !file.final_newline {
            tweak(&|s| s.final_newline = true);
        }
        if file.header.is_some() {
            tweak(&|s| s.header = None);
        }
        if file.yaml.tabs {
            tweak(&|s| s.yaml.tabs = false);
        }
        if file.explicit_start || file.doc_end {
            tweak(&|s| {
                s.explicit_start = false;
                s.doc_end = false;
            });
        }
        for comments in [
            [true; 3],
            [true, false, false],
            [false, true, false],
            [false, false, true],
        ] {
            tweak(&|s| s.docs = s.docs.iter().map(|d| d.without(comments, false)).collect());
        }
        tweak(&|s| s.docs = s.docs.iter().map(|d| d.without([false; 3], true)).collect());
    }
    out
}

/// Every tree with one thing less: an entry or item removed (pre-order, so whole
/// settings go first), an alias replaced by its value, or an anchor removed.
fn variants(g: &G, top: bool) -> Vec<G> {
    let mut out = Vec::new();
    match g {
        G::Map {
            entries,
            flow,
            props,
            trailing,
        } => {
            for i in 0..entries.len() {
                // An alias or sharing entry without `account` is not one the rules speak of.
                if top && entries[i].key == "schema_version" || entries[i].key == "account" {
                    continue;
                }
                let mut e = entries.clone();
                e.remove(i);
                out.push(G::Map {
                    entries: e,
                    flow: *flow,
                    props: props.clone(),
                    trailing: trailing.clone(),
                });
            }
            for i in 0..entries.len() {
                for v in variants(&entries[i].node, false) {
                    let mut e = entries.clone();
                    e[i].node = v;
                    out.push(G::Map {
                        entries: e,
                        flow: *flow,
                        props: props.clone(),
                        trailing: trailing.clone(),
                    });
                }
            }
        }
        G::Seq {
            items,
            flow,
            props,
            trailing,
        } => {
            for i in 0..items.len() {
                let mut it = items.clone();
                it.remove(i);
                out.push(G::Seq {
                    items: it,
                    flow: *flow,
                    props: props.clone(),
                    trailing: trailing.clone(),
                });
            }
            for i in 0..items.len() {
                for v in variants(&items[i].node, false) {
                    let mut it = items.clone();
                    it[i].node = v;
                    out.push(G::Seq {
                        items: it,
                        flow: *flow,
                        props: props.clone(),
                        trailing: trailing.clone(),
                    });
                }
            }
        }
        G::Alias { fallback, .. } => out.push((**fallback).clone()),
        G::Scalar { .. } => {}
    }
    if let Some(p) = g.clone().props_mut()
        && p.anchor.is_some()
    {
        let mut h = g.clone();
        h.props_mut().unwrap().anchor = None;
        out.push(h);
    }
    if matches!(g, G::Map { flow: false, .. } | G::Seq { flow: false, .. }) {
        let mut h = g.clone();
        if let G::Map { flow, .. } | G::Seq { flow, .. } = &mut h {
            *flow = true;
        }
        out.push(h);
    }
    out
}
