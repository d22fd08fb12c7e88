//! Check: find every setting that still points at a removed account, or at an account no
//! input declares, for CI; in the transition (`--mode add`), every setting add mode would
//! still change. Each finding is a [`Diagnostic`] plus the facts a machine reader needs
//! (among them what identifies it in a [`baseline`]); the four output formats are small
//! renderers over the same [`Report`].

pub mod baseline;
mod github;
mod human;
mod sarif;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::accounts;
use crate::address;
use crate::diagnostic::{Diagnostic, Error, Severity, Shown, Snippet};
use crate::fast_hash::{FastMap, FastSet};
use crate::file_name::shown;
use crate::inputs::{self, Input};
use crate::load::{Format, sieve};
use crate::locate::{Holder, Located};
use crate::mapping::Mapping;
use crate::names::Names;
use crate::node::{Node, Span, Value};
use crate::plan::{Action, FilePlan};
use crate::profile::Kind;
use crate::source::{Lines, Location, Source};

pub use github::write as write_github;
pub use human::write as write_human;
pub use sarif::write as write_sarif;

/// What `cutover check --format json` prints.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(title = "cutover check report")]
pub struct Report {
    #[schemars(with = "Vec<Finding>")]
    pub findings: Findings,
    pub summary: Summary,
}

/// Findings as each file's were made, in order: a run over a thousand files makes tens of
/// thousands of them, and gathering them into one vector copied them all (a tenth of the
/// check). Read, written and serialized as the one sequence they are.
#[derive(Debug, Default)]
pub struct Findings(Vec<Vec<Finding>>);

impl Findings {
    pub fn iter(&self) -> impl Iterator<Item = &Finding> {
        self.0.iter().flatten()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Finding> {
        self.0.iter_mut().flatten()
    }

    pub fn len(&self) -> usize {
        self.0.iter().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Vec::is_empty)
    }

    /// Findings of a file of their own (the mapping's).
    pub fn push_file(&mut self, findings: Vec<Finding>) {
        self.0.push(findings);
    }

    pub fn into_vec(self) -> Vec<Finding> {
        match <[_; 1]>::try_from(self.0) {
            Ok([one]) => one,
            Err(files) => files.into_iter().flatten().collect(),
        }
    }

    /// Runs of about `size` findings in order, each made of whole slices of the files'
    /// findings: what one worker renders.
    pub fn runs(&self, size: usize) -> Vec<Vec<&[Finding]>> {
        let mut runs: Vec<Vec<&[Finding]>> = Vec::new();
        let mut filled = 0;
        for piece in self.0.iter().flat_map(|file| file.chunks(size)) {
            match runs.last_mut() {
                Some(run) if filled + piece.len() <= size => run.push(piece),
                _ => {
                    runs.push(vec![piece]);
                    filled = 0;
                }
            }
            filled += piece.len();
        }
        runs
    }

    /// In file order (by path), then by line, column and kind, as one stable sort of
    /// them all orders them: each file's sorted on its own when every file's findings name
    /// its one path and no two files share one (a run reads each file once), else all
    /// sorted together.
    fn sort(&mut self) {
        let key = |f: &Finding| (f.line, f.column, f.kind);
        self.0.retain(|file| !file.is_empty());
        let one_path_each = self
            .0
            .iter()
            .all(|file| file.iter().all(|f| f.path == file[0].path));
        let mut paths: Vec<&str> = self.0.iter().map(|file| &*file[0].path).collect();
        paths.sort_unstable();
        let distinct = paths.windows(2).all(|w| w[0] != w[1]);
        if one_path_each && distinct {
            self.0.sort_by(|a, b| a[0].path.cmp(&b[0].path));
            for file in &mut self.0 {
                file.sort_by_key(key);
            }
        } else {
            let mut all = std::mem::take(self).into_vec();
            all.sort_by(|a, b| (&a.path, key(a)).cmp(&(&b.path, key(b))));
            self.0 = vec![all];
        }
    }
}

impl From<Vec<Finding>> for Findings {
    fn from(findings: Vec<Finding>) -> Findings {
        Findings(vec![findings])
    }
}

impl Serialize for Findings {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Finding {
    // (`path` and `holder` are shared by the findings that name them: a run makes tens of
    // thousands of findings in a few files and settings.)
    /// The file, as given on the command line: its name as it is (formats for people
    /// escape it as they show it).
    pub path: Arc<str>,
    /// 1-based line of the reference (of the alias, when reached through one).
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    pub severity: FindingSeverity,
    pub kind: FindingKind,
    /// The account ID (or address) referenced.
    pub account: Arc<str>,
    /// The new ID, when the mapping has one.
    // (Shared by every finding it replaces in.)
    pub replacement: Option<Arc<str>>,
    /// The setting that holds the reference, e.g. `rule "01. Support triage"`.
    pub holder: Option<Arc<str>>,
    // (`setting` and `place` are left out, none and empty, when the run asks for no
    // `Keys`: only the JSON report, which always asks, shows them.)
    /// What identifies the setting in a baseline: its group and `id`
    /// (`rules[id=45408b30]`), or its identity fields (`sharing[account=716be7a6]`), or
    /// its label; none outside any setting.
    pub setting: Option<String>,
    /// Where the value stands within the setting (within the document, outside any), e.g.
    /// `conditions.items[0].value[1]`.
    pub place: String,
    pub message: String,
    // (The source line and caret the human format shows under the message; the finding's
    // path, line and column are its diagnostic's, kept once: a run makes tens of thousands.)
    #[serde(skip)]
    #[schemars(skip)]
    pub snippet: Option<Snippet>,
}

impl Finding {
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The finding as a diagnostic shows it (see [`Shown`]).
    pub fn shown(&self) -> Shown<'_> {
        Shown {
            severity: self.severity.into(),
            file: Some(&self.path),
            location: Some(Location {
                line: self.line,
                column: self.column,
            }),
            snippet: self.snippet.as_ref(),
            message: &self.message,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FindingSeverity {
    Error,
    Warning,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// A reference to an account that is being removed.
    Removed,
    /// A reference to an account that no input declares.
    Dangling,
    /// A removed account's ID outside any reference location: maybe a reference the
    /// profile does not know.
    Mention,
    /// In the transition: a reference to an old account without its new one beside it,
    /// or a setting of an old account without its copy for the new account.
    Uncovered,
    /// In the transition: a reference that holds one value only, left for the cutover.
    LeftForCutover,
    /// Two old accounts with different addresses mapped to one new account.
    ManyToOne,
    /// A baseline entry that matches no finding any more.
    StaleBaseline,
}

impl FindingKind {
    pub const ALL: [FindingKind; 7] = [
        FindingKind::Removed,
        FindingKind::Dangling,
        FindingKind::Mention,
        FindingKind::Uncovered,
        FindingKind::LeftForCutover,
        FindingKind::ManyToOne,
        FindingKind::StaleBaseline,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Removed => "removed",
            FindingKind::Dangling => "dangling",
            FindingKind::Mention => "mention",
            FindingKind::Uncovered => "uncovered",
            FindingKind::LeftForCutover => "left-for-cutover",
            FindingKind::ManyToOne => "many-to-one",
            FindingKind::StaleBaseline => "stale-baseline",
        }
    }

    /// How a finding of this kind counts: warnings fail only with `--strict`.
    pub fn severity(self) -> FindingSeverity {
        match self {
            FindingKind::Removed | FindingKind::Dangling | FindingKind::Uncovered => {
                FindingSeverity::Error
            }
            FindingKind::Mention
            | FindingKind::LeftForCutover
            | FindingKind::ManyToOne
            | FindingKind::StaleBaseline => FindingSeverity::Warning,
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            FindingKind::Removed => "A setting references an account that is being removed.",
            FindingKind::Dangling => "A setting references an account that no input declares.",
            FindingKind::Mention => {
                "A removed account's ID appears outside any known reference location."
            }
            FindingKind::Uncovered => {
                "In the transition, a setting covers an old account but not its new one."
            }
            FindingKind::LeftForCutover => {
                "In the transition, a reference that holds one value only stays on the old account until the cutover."
            }
            FindingKind::ManyToOne => {
                "Two old accounts with different addresses are mapped to one new account."
            }
            FindingKind::StaleBaseline => "A baseline entry matches no finding any more.",
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    /// Files checked.
    pub files: usize,
    /// False when no input declares accounts, so references could not be checked against them.
    pub dangling_checked: bool,
    /// Findings left out because the baseline (`--baseline`) holds them.
    pub baselined: usize,
}

/// Why an account is removed when the mapping does not say so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Why {
    /// Named with `--removed`.
    Flag,
    /// Its IMAP or SMTP server is on a `--removed-host`.
    Host {
        /// The server host that matched.
        host: String,
        address: Option<String>,
    },
    /// An address only removed accounts declare (with the mapping's new account's address,
    /// when it has one): it goes with them, and the mapping's `addresses` has no entry for
    /// it, so nothing rewrites it.
    AddressOf {
        account: String,
        new: Option<String>,
    },
}

/// What counts as removed: the mapping's old values, the `--removed` IDs and addresses,
/// and the accounts on a `--removed-host`.
#[derive(Default)]
pub struct Removed<'a> {
    pub mapping: Option<&'a Mapping>,
    /// Account IDs beyond the mapping's, compared exactly.
    pub accounts: HashMap<String, Why>,
    /// Addresses beyond the mapping's, lower-cased.
    pub addresses: HashMap<String, Why>,
    /// The byte lengths of the removed account IDs, found at the first search of a text.
    id_lengths: OnceLock<IdLengths>,
    /// The mapping's new values, accounts' then addresses', by entry: each shared by the
    /// findings it replaces in (copied once, at the first hit).
    new_values: OnceLock<[Vec<Arc<str>>; 2]>,
}

/// A set of byte lengths: most words of a text are not IDs, and a word of a length no
/// removed ID has is passed over without a lookup.
struct IdLengths {
    /// Bit `n` for length `n` below 256.
    short: [u64; 4],
    /// Whether an ID is 256 bytes or longer.
    long: bool,
    /// The shortest: a shorter text holds none.
    min: usize,
}

impl IdLengths {
    fn insert(&mut self, len: usize) {
        self.min = self.min.min(len);
        match len {
            0..256 => self.short[len / 64] |= 1 << (len % 64),
            _ => self.long = true,
        }
    }

    fn contains(&self, len: usize) -> bool {
        match len {
            0..256 => self.short[len / 64] & (1 << (len % 64)) != 0,
            _ => self.long,
        }
    }
}

/// A removed value a reference holds.
struct Hit<'r> {
    /// The new value, when the mapping has one (the one shared copy of it: most lookups
    /// only ask whether there is a hit, and a finding shares it).
    replacement: Option<&'r Arc<str>>,
    /// Why it is removed, when the mapping does not say.
    why: Option<&'r Why>,
}

impl<'a> Removed<'a> {
    /// Resolves `--removed` and `--removed-host` against what the inputs declare. When the
    /// inputs declare accounts, a `--removed` value none of them declares is refused (a
    /// typo would make the gate pass), and so is a host no declared account is on.
    pub fn resolve(
        inputs: &[Input],
        mapping: Option<&'a Mapping>,
        ids: &[String],
        hosts: &[String],
    ) -> Result<Removed<'a>, Error> {
        let mut removed = Removed {
            mapping,
            ..Removed::default()
        };
        let mut errors = Vec::new();
        let declared_ids = inputs::declared(inputs, Kind::Account);
        let declared_addresses = inputs::declared(inputs, Kind::Address).unwrap_or_default();
        let all_declared = std::cell::OnceCell::new();
        let declared_accounts =
            || all_declared.get_or_init(|| accounts::declared(inputs.iter().map(|i| &i.file)));
        for id in ids {
            // Without declarations nothing else would catch a mangled value: it would
            // match nothing, and the gate would pass.
            let mangled = if id.trim().is_empty() {
                Some("is empty")
            } else if id.chars().any(crate::mapping::invisible) {
                Some("has a line break or another invisible character")
            } else if id.trim() != id.as_str() {
                Some("has a space at its start or end")
            } else if id.contains(',') {
                Some("holds a comma")
            } else {
                None
            };
            if let Some(problem) = mangled {
                errors.push(Diagnostic::plain(format!(
                    "--removed {id:?} {problem}: no account ID or address does, so it would \
                     match nothing and the check would pass{}",
                    if id.contains(',') {
                        " (pass --removed once for each account)"
                    } else {
                        ""
                    }
                )));
                continue;
            }
            if let Some(declared) = &declared_ids
                && !declared.contains(id)
                && !declared_addresses.contains(&id.to_lowercase())
            {
                let hint = match crate::suggest::closest(id, declared.iter().map(String::as_str)) {
                    Some(close) => format!("did you mean {close}?"),
                    None => "is the ID mistyped, or is the export that declares it missing?".into(),
                };
                errors.push(Diagnostic::plain(format!(
                    "--removed {id}: no input declares this account; {hint}"
                )));
                continue;
            }
            let address = id.to_lowercase();
            removed.accounts.insert(id.clone(), Why::Flag);
            removed.addresses.insert(address.clone(), Why::Flag);
            // An address that is not an ID names the account that declares it: the
            // account's references by ID go too. When several declare it (the same
            // address on the old and the new provider), which one is meant is unknown.
            if declared_ids.as_ref().is_some_and(|d| !d.contains(id)) {
                let holders: Vec<&accounts::Account> = declared_accounts()
                    .iter()
                    .filter(|a| {
                        a.address
                            .as_deref()
                            .is_some_and(|x| x.to_lowercase() == address)
                    })
                    .collect();
                match holders.as_slice() {
                    [] => {}
                    [account] => {
                        removed.accounts.insert(account.id.clone(), Why::Flag);
                    }
                    several => errors.push(Diagnostic::plain(format!(
                        "--removed {id}: {} accounts have this address, so which one goes is \
                         unknown; name it by its ID (or use --removed-host):\n{}",
                        several.len(),
                        several
                            .iter()
                            .map(|a| format!("  {} [{}] {}", a.label(), a.hosts.join(", "), a.id))
                            .collect::<Vec<_>>()
                            .join("\n")
                    ))),
                }
            }
        }
        if !hosts.is_empty() {
            let declared = declared_accounts();
            for host in hosts {
                let on_host: Vec<&accounts::Account> =
                    declared.iter().filter(|a| a.on_host(host)).collect();
                if on_host.is_empty() {
                    errors.push(Diagnostic::plain(format!(
                        "--removed-host {host}: no declared account's IMAP or SMTP server is \
                         this host or under it; the hosts the inputs declare:\n{}",
                        accounts::hosts_seen(declared).trim_end()
                    )));
                }
                for account in on_host {
                    let matched = account
                        .hosts
                        .iter()
                        .find(|h| accounts::host_matches(h, host));
                    removed
                        .accounts
                        .entry(account.id.clone())
                        .or_insert(Why::Host {
                            host: matched.cloned().unwrap_or_else(|| host.clone()),
                            address: account.address.clone(),
                        });
                }
            }
        }
        if errors.is_empty() {
            removed.addresses_of_removed_accounts(inputs);
            Ok(removed)
        } else {
            Err(Error::many(errors))
        }
    }

    /// The declared addresses of removed accounts that no account staying declares: a
    /// reference to one outlives the account (an auto-reply sent from `info@old.example`
    /// after old.example is gone) unless the mapping's `addresses` moves it too.
    fn addresses_of_removed_accounts(&mut self, inputs: &[Input]) {
        let declared = accounts::declared(inputs.iter().map(|i| &i.file));
        let is_removed = |id: &str| {
            self.accounts.contains_key(id)
                || self
                    .mapping
                    .is_some_and(|m| m.lookup(Kind::Account, id).is_some())
        };
        let staying: HashSet<String> = declared
            .iter()
            .filter(|a| !is_removed(&a.id))
            .filter_map(|a| Some(a.address.as_deref()?.to_lowercase()))
            .collect();
        let address_of = |id: &str| {
            declared
                .iter()
                .find(|a| a.id == id)
                .and_then(|a| a.address.clone())
        };
        let mut found = Vec::new();
        for account in declared.iter().filter(|a| is_removed(&a.id)) {
            let Some(address) = &account.address else {
                continue;
            };
            let key = address.to_lowercase();
            let mapped = self
                .mapping
                .is_some_and(|m| m.lookup(Kind::Address, address).is_some());
            if staying.contains(&key) || mapped || self.addresses.contains_key(&key) {
                continue;
            }
            let new = self
                .mapping
                .and_then(|m| m.lookup(Kind::Account, &account.id))
                .and_then(|(_, new)| address_of(new));
            found.push((
                key,
                Why::AddressOf {
                    account: account.id.clone(),
                    new,
                },
            ));
        }
        self.addresses.extend(found);
    }

    /// Whether there is anything to check references against.
    pub fn is_empty(&self) -> bool {
        self.mapping.is_none() && self.accounts.is_empty() && self.addresses.is_empty()
    }

    fn id_lengths(&self) -> &IdLengths {
        self.id_lengths.get_or_init(|| {
            let mut lengths = IdLengths {
                short: [0; 4],
                long: false,
                min: usize::MAX,
            };
            let mapped = self.mapping.iter().flat_map(|m| &m.accounts);
            for id in mapped.map(|pair| &pair.old).chain(self.accounts.keys()) {
                lengths.insert(id.len());
            }
            lengths
        })
    }

    /// Whether a text may mention a removed account ID or address: one shorter than every
    /// ID, and without an `@`, cannot (most keys and short values are passed over). A JSON
    /// parse notes the same strings as it reads them (`json::Noted`), from the IDs known
    /// before loading (`note_strings_from`).
    fn may_mention(&self, text: &[u8]) -> bool {
        text.len() >= self.id_lengths().min || memchr::memchr(b'@', text).is_some()
    }

    /// Why, and with what replacement, a word of a text is a removed account ID.
    fn lookup_word(&self, word: &str) -> Option<Hit<'_>> {
        if !self.id_lengths().contains(word.len()) {
            return None;
        }
        self.lookup(Kind::Account, word)
    }

    /// Why, and with what replacement, a whole value of this kind is removed.
    fn lookup(&self, kind: Kind, value: &str) -> Option<Hit<'_>> {
        if let Some(mapping) = self.mapping
            && let Some((entry, _)) = mapping.lookup(kind, value)
        {
            let new_values = self.new_values.get_or_init(|| {
                let shared = |pairs: &[crate::mapping::Pair]| {
                    pairs.iter().map(|p| Arc::from(p.new.as_str())).collect()
                };
                [shared(&mapping.accounts), shared(&mapping.addresses)]
            });
            return Some(Hit {
                replacement: Some(&new_values[usize::from(entry.addresses)][entry.index as usize]),
                why: None,
            });
        }
        let why = match kind {
            Kind::Account => self.accounts.get(value),
            _ if self.addresses.is_empty() => None,
            _ => self.addresses.get(&value.to_lowercase()),
        }?;
        Some(Hit {
            replacement: None,
            why: Some(why),
        })
    }
}

/// What the removed value is, for a message: `account X` or `account X (sales@…, on
/// imap.oldmail.example; the mapping has no entry for it)`.
/// `spelled` says how the value is written when not as it reads (`, spelled with escapes`).
fn removed_text(
    out: &mut String,
    what: &str,
    value: &str,
    spelled: &str,
    hit: &Hit,
    has_mapping: bool,
    names: &Names,
) {
    use std::fmt::Write as _;
    // An account by its short name, an address as it is.
    fn named<'s>(what: &str, names: &'s Names, v: &'s str) -> &'s str {
        if what == "account" { names.short(v) } else { v }
    }
    for piece in [what, " ", named(what, names, value), spelled] {
        out.push_str(piece);
    }
    let unmapped = if has_mapping {
        "; the mapping has no entry for it"
    } else {
        ""
    };
    let _ = match (&hit.replacement, hit.why) {
        (Some(new), _) => write!(out, " (replace it with {})", named(what, names, new)),
        (None, Some(Why::Host { host, address })) => {
            out.push_str(" (");
            if let Some(address) = address {
                let _ = write!(out, "{address}, ");
            }
            write!(out, "on {host}{unmapped})")
        }
        (None, Some(Why::AddressOf { account, new })) => {
            let _ = write!(
                out,
                ", the address of removed account {}; no account staying declares it and the \
                 mapping's `addresses` has no entry for it: map it there",
                names.short(account)
            );
            match new {
                Some(n) => write!(out, " (to {n}, the new account's address?)"),
                None => Ok(()),
            }
        }
        (None, _) if has_mapping => write!(out, " (the mapping has no entry for it)"),
        (None, _) => Ok(()),
    };
}

/// The length from which a string may name an account known to be removed before the
/// inputs are read: the shortest of the mapping's old IDs and the `--removed` values (none
/// at all: no string is that long). Loading notes the strings this long, and those holding
/// an `@`, for the mention scan (see `json_mentions`).
pub fn note_strings_from(mapping: Option<&Mapping>, removed: &[String]) -> usize {
    let mapped = mapping
        .iter()
        .flat_map(|m| &m.accounts)
        .map(|p| p.old.len());
    mapped
        .chain(removed.iter().map(String::len))
        .min()
        .unwrap_or(usize::MAX)
}

/// Everything `check` reports about the inputs. `transition` holds each input's add-mode
/// plan when checking the transition: then references to the mapping's old accounts are
/// expected, and what add mode would still do is reported instead.
pub fn findings(
    inputs: &[Input],
    removed: &Removed,
    transition: Option<&[FilePlan]>,
    keys: Keys,
) -> Findings {
    findings_in_chunks(inputs, removed, transition, keys, CHUNK)
}

/// Whether findings carry what identifies them in a baseline, their `setting` and `place`:
/// the JSON report shows them and a baseline matches by them; the human, GitHub and SARIF
/// reports show neither, and naming each place (walking the tree from its root) is a fifth
/// of the work of checking a large export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keys {
    Named,
    Left,
}

/// References checked by one worker at a time in a large file; a file with no more is
/// checked on one core (a thread costs more than a small file's findings).
const CHUNK: usize = 8192;

/// [`findings`], a file's references checked `chunk` at a time (the tests make small files
/// take the large files' way).
fn findings_in_chunks(
    inputs: &[Input],
    removed: &Removed,
    transition: Option<&[FilePlan]>,
    keys: Keys,
    chunk: usize,
) -> Findings {
    let declared = inputs::declared(inputs, Kind::Account);
    // Asked of every account reference: hashed fast.
    let declared: Option<FastSet<&str>> = declared
        .as_ref()
        .map(|d| d.iter().map(String::as_str).collect());
    let names = Names::of(inputs);
    // (The transition's findings below name theirs from the same trees.)
    let trees = match transition {
        Some(_) => NamingTrees::Kept,
        None => NamingTrees::Dropped,
    };
    let per_file = crate::parallel::map(inputs, |input| {
        file_findings(
            &Named::new(input, &names, keys, trees),
            declared.as_ref(),
            removed,
            chunk,
        )
    });
    let mut findings = Findings(per_file);
    if let Some(plans) = transition {
        let mapping = removed
            .mapping
            .expect("the transition is checked against a mapping");
        // References to the mapping's old accounts are expected in the transition: the plan
        // says what is still missing beside them. A removed account the mapping has no entry
        // for stays an error: nothing can cover it.
        for ((input, plan), file) in inputs.iter().zip(plans).zip(&mut findings.0) {
            file.retain(|f| f.kind != FindingKind::Removed || f.replacement.is_none());
            transition_findings(
                &Named::new(input, &names, keys, NamingTrees::Kept),
                plan,
                mapping,
                file,
            );
        }
    }
    findings
}

/// The references to old accounts or addresses that `check` reports and this mapping does
/// not move (see [`Removed`]): what fails the gate whatever is applied.
pub fn unmoved(inputs: &[Input], mapping: &Mapping) -> Vec<Finding> {
    let mut removed = Removed {
        mapping: Some(mapping),
        ..Removed::default()
    };
    removed.addresses_of_removed_accounts(inputs);
    findings(inputs, &removed, None, Keys::Named)
        .into_vec()
        .into_iter()
        .filter(|f| f.kind == FindingKind::Removed && f.replacement.is_none())
        .collect()
}

/// Old accounts mapped to one new account whose addresses differ: warnings at the mapping
/// entry.
pub fn many_to_one(mapping: &Mapping, inputs: &[Input]) -> Vec<Finding> {
    let declared = accounts::declared(inputs.iter().map(|i| &i.file));
    mapping
        .many_to_one(&declared)
        .iter()
        .map(|m| {
            finding(
                &mapping.source,
                None,
                &crate::source::path_text(&mapping.source.path).into(),
                m.other.span,
                FindingKind::ManyToOne,
                Key {
                    account: m.other.old.as_str().into(),
                    setting: None,
                    place: format!("accounts.{}", m.other.old),
                },
                Some(m.other.new.as_str().into()),
                None,
                m.message(),
            )
        })
        .collect()
}

impl Report {
    /// Findings in file order, counted; `baselined` is how many a baseline left out.
    pub fn new(
        mut findings: Findings,
        files: usize,
        dangling_checked: bool,
        baselined: usize,
    ) -> Report {
        findings.sort();
        let errors = findings
            .iter()
            .filter(|f| f.severity == FindingSeverity::Error)
            .count();
        Report {
            summary: Summary {
                errors,
                warnings: findings.len() - errors,
                files,
                dangling_checked,
                baselined,
            },
            findings,
        }
    }

    /// Exit code: 1 when an error was found (or a warning, when strict).
    pub fn exit_code(&self, strict: bool) -> u8 {
        u8::from(self.summary.errors > 0 || (strict && self.summary.warnings > 0))
    }

    /// Writes the JSON report as it is serialized: held whole, a report of tens of
    /// thousands of findings was twice the memory of the run that found them.
    pub fn write_json(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        out.write_all(b"\n")
    }
}

/// What identifies a finding besides its file and kind.
struct Key {
    account: Arc<str>,
    setting: Option<String>,
    place: String,
}

/// How a setting is named in a baseline: its group and `id`, or its identity fields, or
/// its label. Names that survive editing the setting's other fields and moving it.
fn setting_name(docs: &[Node], holder: &Holder) -> String {
    let node = docs[holder.doc].at_positions(&holder.path);
    let field = |key: &str| -> Option<String> {
        match node?.field(key)?.value() {
            Value::Str(s, _) => Some(s.to_string()),
            Value::Int(i) => Some(i.to_string()),
            _ => None,
        }
    };
    if let Some(id) = field("id") {
        return format!("{}[id={id}]", holder.group());
    }
    let identity: Option<Vec<String>> = holder
        .identity()
        .iter()
        .map(|key| Some(format!("{key}={}", field(key)?)))
        .collect();
    match identity {
        Some(parts) if !parts.is_empty() => format!("{}[{}]", holder.group(), parts.join(",")),
        _ => holder.label.to_string(),
    }
}

/// One file's settings as its findings name them, each named once (a rule with ten
/// findings would be named ten times), and the account names of all inputs.
struct Named<'a> {
    input: &'a Input,
    /// The file's name, shared by its findings.
    file: Arc<str>,
    names: &'a Names,
    keys: Keys,
    labels: Vec<OnceLock<Arc<str>>>,
    settings: Vec<OnceLock<String>>,
    /// The file's trees, when a finding's place or setting is named from them (`Keys`), or
    /// a mention's: the file's own, or built for these findings alone when the file has
    /// none (a JSON export located in parts) and [`NamingTrees`] says so.
    docs: OnceLock<std::borrow::Cow<'a, [Node]>>,
    trees: NamingTrees,
}

/// Whether a file's tree built to name its findings stays with the file, for later steps
/// (the transition's findings name theirs from it too), or goes with the findings: a run
/// over a thousand files kept every tree it had built, twice the memory of the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NamingTrees {
    Kept,
    Dropped,
}

impl<'a> Named<'a> {
    fn new(input: &'a Input, names: &'a Names, keys: Keys, trees: NamingTrees) -> Named<'a> {
        let holders = input.located.holders.len();
        Named {
            input,
            file: crate::source::path_text(&input.file.source.path).into(),
            names,
            keys,
            labels: vec![OnceLock::new(); holders],
            settings: vec![OnceLock::new(); holders],
            docs: OnceLock::new(),
            trees,
        }
    }

    /// The file's trees (see [`NamingTrees`]).
    fn docs(&self) -> &[Node] {
        self.docs.get_or_init(|| match self.trees {
            NamingTrees::Kept => std::borrow::Cow::Borrowed(self.input.file.docs()),
            NamingTrees::Dropped => self.input.file.docs_for_now(),
        })
    }

    /// Holder `h`'s label as a finding holds it: the export's text as it is (for
    /// programs; a message shows it with [`shown`]).
    fn label(&self, h: usize) -> &Arc<str> {
        self.labels[h].get_or_init(|| {
            self.names
                .label_text(&self.input.located.holders[h].label)
                .into()
        })
    }

    /// Holder `h` as a baseline names it (see [`setting_name`]).
    fn setting(&self, h: usize) -> &str {
        self.settings[h].get_or_init(|| setting_name(self.docs(), &self.input.located.holders[h]))
    }

    /// The setting holding a reference, as a message names it.
    fn owner(&self, reference: &crate::locate::Reference) -> std::borrow::Cow<'_, str> {
        match reference.holder() {
            Some(h) => shown(self.label(h)),
            None => {
                let doc = &self.docs()[reference.doc()];
                let path = self.input.located.path(reference);
                format!("the setting at {}", doc.path_text(path)).into()
            }
        }
    }

    /// What identifies a finding: its account, and its setting and place unless the run
    /// asked for no [`Keys`].
    fn key(&self, account: Arc<str>, setting: Option<String>, place: String) -> Key {
        match self.keys {
            Keys::Named => Key {
                account,
                setting,
                place,
            },
            Keys::Left => Key {
                account,
                setting: None,
                place: String::new(),
            },
        }
    }

    /// The setting around the value at `path` of document `doc`, and the value's place
    /// in it (neither when the run asked for no [`Keys`]: naming them is the costly part).
    fn site(&self, doc: usize, path: &[u32]) -> (Option<String>, String) {
        if self.keys == Keys::Left {
            return (None, String::new());
        }
        let located = &self.input.located;
        let root = &self.docs()[doc];
        match located.holder_around(doc, path) {
            Some(h) => {
                let holder = &located.holders[h];
                let within = &path[holder.path.len().min(path.len())..];
                let place = root
                    .at_positions(&holder.path)
                    .map_or_else(|| root.path_text(path), |node| node.path_text(within));
                (Some(self.setting(h).to_owned()), place)
            }
            None => (None, root.path_text(path)),
        }
    }
}

/// The findings of one file, given the accounts all inputs declare.
///
/// A JSON file's mentions are in its strings, read from its text: it has no comments and
/// no aliases. Its tree is walked (built, for an export loaded in parts) only when a string
/// names a removed account, to name the places as the walk of any other file does.
fn file_findings(
    named: &Named,
    declared: Option<&FastSet<&str>>,
    removed: &Removed,
    chunk: usize,
) -> Vec<Finding> {
    enum Part<'r> {
        References(&'r [crate::locate::Reference]),
        /// Part of a JSON file's text, between two references, read for mentions.
        Strings(std::ops::Range<usize>),
        /// Every other string, key and comment, for mentions.
        Text,
    }
    let input = named.input;
    let references = &input.located.references;
    let text = input.file.source.text.len();
    let json = input.file.format == Format::Json;
    let mut parts: Vec<Part> = Vec::new();
    let mut from = 0;
    for chunk in references.chunks(chunk) {
        parts.push(Part::References(chunk));
        if json {
            // (A reference is a string: its end is outside every string. References are
            // in text order; were one not, the parts would still cover the whole text,
            // one after the other, an out-of-order cut only making a part empty.)
            let to = chunk.last().map_or(text, |r| r.span.range().end).max(from);
            parts.push(Part::Strings(from..to));
            from = to;
        }
    }
    parts.push(if json {
        Part::Strings(from..text)
    } else {
        Part::Text
    });
    let spans = reference_spans(&input.located);
    let mentioned = std::sync::atomic::AtomicBool::new(false);
    let findings_of = |part: &Part, findings: &mut Vec<Finding>| match part {
        Part::References(references) => {
            reference_findings(named, references, declared, removed, findings)
        }
        Part::Strings(range) => {
            if json_mentions(input, range.clone(), &spans, removed) {
                mentioned.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }
        Part::Text => text_findings(named, &spans, removed, findings),
    };
    let mut findings = if references.len() > chunk {
        let parts = crate::parallel::map(&parts, |part| {
            let mut findings = Vec::new();
            findings_of(part, &mut findings);
            findings
        });
        parts.into_iter().flatten().collect()
    } else {
        // Every part's findings onto one vector: collecting them from one per part copied
        // each finding again, into memory newly faulted in.
        let mut findings = Vec::new();
        for part in &parts {
            findings_of(part, &mut findings);
        }
        findings
    };
    if mentioned.into_inner() {
        text_findings(named, &spans, removed, &mut findings);
    }
    findings
}

/// The findings of some references of one file, onto `findings`.
fn reference_findings(
    named: &Named,
    references: &[crate::locate::Reference],
    declared: Option<&FastSet<&str>>,
    removed: &Removed,
    findings: &mut Vec<Finding>,
) {
    let (input, names) = (named.input, named.names);
    let source = &input.file.source;
    let located = &input.located;
    let has_mapping = removed.mapping.is_some();
    // (value, hit, where, whether it is spelled otherwise than it reads): an address
    // inside text is pointed at itself. One vector for all the references, emptied by each.
    let mut hits: Vec<(Arc<str>, Hit, Span, bool)> = Vec::new();
    let mut scratch = String::new();
    // The references are in text order: their lines are counted as they come.
    let lines = Lines::new(source);
    for reference in references {
        let holder = || reference.holder().map(|h| named.label(h).clone());
        let owner = || named.owner(reference);
        let key = |account: Arc<str>| {
            let (setting, place) = named.site(reference.doc(), located.path(reference));
            named.key(account, setting, place)
        };
        let raw = &source.text[reference.span.range()];
        match reference.kind {
            Kind::AddressInText => {
                // Each address is pointed at where it is written; one spelled with escapes
                // or encoded characters (found in the value only), at its string.
                let lookup = |a: &str| removed.lookup(Kind::Address, a);
                let (start, written_text) = reference.written(source);
                let mut written =
                    address::find_with(written_text, |a| lookup(a).map(|_| a.to_lowercase()));
                for (range, hit) in address::find_with(&reference.value, lookup) {
                    let key = reference.value[range.clone()].to_lowercase();
                    let at = written.iter().position(|(_, k)| *k == key);
                    hits.push(match at.map(|i| written.remove(i).0) {
                        Some(range) => {
                            let site = if reference.site == reference.span {
                                Span::new(start + range.start, start + range.end)
                            } else {
                                reference.site
                            };
                            (written_text[range].into(), hit, site, false)
                        }
                        None => (reference.value[range].into(), hit, reference.site, true),
                    });
                }
                // An address spelled as a URI or a pattern spells it (`mailto:info%40old…`):
                // nothing rewrites it, so it is an error to fix by hand.
                if hits.is_empty()
                    && let Some(loose) = loosened(&reference.value)
                {
                    for (range, hit) in address::find_with(&loose, lookup) {
                        hits.push((loose[range].into(), hit, reference.site, true));
                    }
                }
            }
            kind => {
                if let Some(hit) = removed.lookup(kind, &reference.value) {
                    let spelled = sieve::spelled_encoded(raw, reference.style);
                    hits.push((reference.value.clone(), hit, reference.site, spelled));
                }
            }
        }
        let what = if reference.kind == Kind::Account {
            "account"
        } else {
            "address"
        };
        let spelling = if sieve::spelled_encoded(raw, reference.style) {
            ", spelled with encoded characters"
        } else {
            ", spelled with escapes"
        };
        for (account, hit, site, spelled) in hits.drain(..) {
            let spelled = if spelled { spelling } else { "" };
            // (Built in one buffer for all, then copied at its length: a run makes tens of
            // thousands of these.)
            scratch.clear();
            scratch.push_str(&owner());
            scratch.push_str(" references removed ");
            removed_text(
                &mut scratch,
                what,
                &account,
                spelled,
                &hit,
                has_mapping,
                names,
            );
            let message = scratch.as_str().to_owned();
            findings.push(finding(
                source,
                Some(&lines),
                &named.file,
                site,
                FindingKind::Removed,
                key(account),
                hit.replacement.cloned(),
                holder(),
                message,
            ));
        }
        let dangling = reference.kind == Kind::Account
            && declared.is_some_and(|d| !d.contains(&*reference.value))
            && removed.lookup(Kind::Account, &reference.value).is_none();
        if dangling {
            let message = format!(
                "{} references account {}, which no input declares",
                owner(),
                reference.value
            );
            findings.push(finding(
                source,
                Some(&lines),
                &named.file,
                reference.site,
                FindingKind::Dangling,
                key(reference.value.clone()),
                None,
                holder(),
                message,
            ));
        }
    }
}

/// The mentions of removed accounts in one file's text outside its references, onto
/// `findings`: in every key and string of its documents, found by walking them, and in
/// its comments.
fn text_findings(
    named: &Named,
    references: &FastMap<Span, Option<(Kind, &str)>>,
    removed: &Removed,
    findings: &mut Vec<Finding>,
) {
    for (index, doc) in named.docs().iter().enumerate() {
        doc.walk(&mut Vec::new(), &mut |path, node| {
            mentions(named, index, path, node, references, removed, findings);
        });
    }
    comment_mentions(named, removed, findings);
}

/// The spans of the strings whose whole value is checked as a reference (with its kind and
/// value), and of declarations: a mention inside one is still reported unless its whole
/// value was.
fn reference_spans(located: &Located) -> FastMap<Span, Option<(Kind, &str)>> {
    let mut spans: FastMap<Span, Option<(Kind, &str)>> = located
        .references
        .iter()
        .map(|r| (r.span, Some((r.kind, &*r.value))))
        .collect();
    spans.extend(located.declarations.iter().map(|d| (d.span, None)));
    spans
}

/// Whether some string of a JSON file between `range`'s ends (each outside every string)
/// names a removed account where [`mentions`] looks: in a key, or in a string value that
/// is not a reference to it.
fn json_mentions(
    input: &Input,
    range: std::ops::Range<usize>,
    references: &FastMap<Span, Option<(Kind, &str)>>,
    removed: &Removed,
) -> bool {
    use std::ops::ControlFlow::{Break, Continue};
    let mut found = false;
    let visit = |span, text: &str, key| {
        let looked = match key {
            true => removed.may_mention(text.as_bytes()),
            false => looked_in(text, span, references, removed).is_some(),
        };
        found = looked && !named_in(text, removed).is_empty();
        if found { Break(()) } else { Continue(()) }
    };
    let source = &input.file.source;
    // Only a string `may_mention` passes can name one: those were noted while the file
    // was read, unless an account found removed since (on a `--removed-host`) has a
    // shorter ID than the notes were taken for.
    let noted = input
        .file
        .noted()
        .filter(|noted| noted.from_length <= removed.id_lengths().min);
    let read = match noted {
        Some(noted) => {
            let from = |at: usize| noted.starts.partition_point(|&s| (s as usize) < at);
            let starts = &noted.starts[from(range.start)..from(range.end)];
            crate::load::json::strings_at(source, starts, visit)
        }
        None => crate::load::json::strings(source, range, visit),
    };
    // (The file parsed, so reading its strings cannot fail; if it did, the walk decides.)
    found || read.is_err()
}

/// Warns about removed IDs and addresses in comments (YAML `#`, Sieve `#` and `/* */`):
/// a note an old account is named in, or a rule disabled by commenting it out, which
/// comes back with its old references when it is enabled again. Comments are the text
/// outside every key and scalar, so they are found by skipping those.
fn comment_mentions(named: &Named, removed: &Removed, findings: &mut Vec<Finding>) {
    let input = named.input;
    let file = &input.file;
    if file.format == Format::Json {
        return; // JSON has no comments
    }
    // What every key and scalar covers, with the path of the innermost node around it
    // (for the setting a comment lies in); containers only for that.
    let mut written: Vec<Span> = Vec::new();
    let mut containers: Vec<(Span, usize, Vec<u32>)> = Vec::new();
    for (index, doc) in named.docs().iter().enumerate() {
        doc.walk(&mut Vec::new(), &mut |path, node| match node.value() {
            Value::Map(entries) => {
                written.extend(entries.iter().map(|e| e.key_span));
                containers.push((node.span, index, crate::path::positions(path).collect()));
            }
            Value::List(..) => {
                containers.push((node.span, index, crate::path::positions(path).collect()));
            }
            // A Sieve `text:` string's lines: its `text:` line may end with a comment.
            _ => {
                let raw = &file.source.text[node.span.range()];
                let lines = crate::load::sieve::value_range(raw, node.style());
                let start = node.span.start as usize;
                written.push(Span::new(start + lines.start, start + lines.end));
            }
        });
    }
    written.retain(|s| s.start < s.end);
    written.sort_by_key(|s| (s.start, s.end));
    let text = &file.source.text;
    let bytes = text.as_bytes();
    let sieve = file.format == Format::Sieve;
    let mut next = 0; // the first span of `written` that may lie at or after `at`
    let mut at = 0;
    while at < bytes.len() {
        while next < written.len() && (written[next].end as usize) <= at {
            next += 1;
        }
        if let Some(span) = written.get(next).filter(|s| (s.start as usize) <= at) {
            at = span.end as usize;
            continue;
        }
        // In YAML `#` starts a comment only after white space; in Sieve anywhere.
        let hash = bytes[at] == b'#' && (sieve || at == 0 || bytes[at - 1].is_ascii_whitespace());
        let block = sieve && bytes[at..].starts_with(b"/*");
        if !hash && !block {
            at += 1;
            continue;
        }
        let end = if hash {
            text[at..].find(['\n', '\r']).map_or(text.len(), |i| at + i)
        } else {
            text[at + 2..]
                .find("*/")
                .map_or(text.len(), |i| at + 2 + i + 2)
        };
        let comment = &text[at..end];
        let mut hits = Vec::new();
        for (start, token) in crate::names::id_words(comment) {
            if let Some(hit) = removed.lookup_word(token) {
                hits.push((
                    start..start + token.len(),
                    hit.replacement.cloned(),
                    "account",
                ));
            }
        }
        for (range, hit) in address::find_with(comment, |a| removed.lookup(Kind::Address, a)) {
            hits.push((range, hit.replacement.cloned(), "address"));
        }
        hits.sort_by_key(|(range, ..)| range.start);
        for (range, replacement, what) in hits {
            let span = Span::new(at + range.start, at + range.end);
            // A Sieve rule name in a comment is a value of its own, reported above.
            if written
                .iter()
                .any(|w| w.start < span.end && span.start < w.end)
            {
                continue;
            }
            let token = &comment[range];
            let around = containers
                .iter()
                .filter(|(s, ..)| s.start <= span.start && span.end <= s.end)
                .min_by_key(|(s, ..)| s.end - s.start);
            let (setting, holder) = match around {
                Some((_, doc, path)) => {
                    let holder = input
                        .located
                        .holder_around(*doc, path)
                        .map(|h| (named.setting(h).to_owned(), named.label(h).clone()));
                    (holder.clone().map(|h| h.0), holder.map(|h| h.1))
                }
                None => (None, None),
            };
            let within = holder
                .as_ref()
                .map_or(String::new(), |h| format!(" (in {})", shown(h)));
            let message = format!(
                "a comment{within} mentions removed {what} {token}; if it is a reference \
                 (a rule commented out comes back with it), change it by hand"
            );
            let place = format!("comment {:?}", comment.trim());
            findings.push(finding(
                &file.source,
                None,
                &named.file,
                span,
                FindingKind::Mention,
                named.key(token.into(), setting, place),
                replacement,
                holder,
                message,
            ));
        }
        at = end;
    }
}

/// The transition's findings for one file, from its add-mode plan: what add mode would
/// still add or copy is `uncovered` (an error), what it leaves for the cutover a warning.
fn transition_findings(
    named: &Named,
    plan: &FilePlan,
    mapping: &Mapping,
    findings: &mut Vec<Finding>,
) {
    let (input, names) = (named.input, named.names);
    let source = &input.file.source;
    let located = &input.located;
    // Settings copied whole: one finding per setting, at its first changed reference.
    let mut copied: HashSet<usize> = HashSet::new();
    for change in &plan.changes {
        let reference = &located.references[change.reference as usize];
        let mut pair = mapping.entry(change.entry);
        let owner = named.owner(reference);
        let holder = reference.holder().map(|h| named.label(h).clone());
        let what = if change.entry.addresses {
            "address"
        } else {
            "account"
        };
        let value_named = |entry: crate::mapping::EntryId, value: &str| {
            if entry.addresses {
                value.to_owned()
            } else {
                names.short(value).to_owned()
            }
        };
        let (kind, message) = match change.action {
            Action::Added => (
                FindingKind::Uncovered,
                format!(
                    "{owner} covers old {what} {} but not its new {what} {} \
                     (`apply --mode add` adds it beside the old one)",
                    value_named(change.entry, &pair.old),
                    value_named(change.entry, &pair.new)
                ),
            ),
            Action::Copied => {
                let Some(h) = reference.holder() else {
                    continue;
                };
                if !copied.insert(h) {
                    continue;
                }
                // Name the new account, the one the copy is for, when it is mapped here.
                let account_change = plan.changes.iter().find(|c| {
                    c.action == Action::Copied
                        && !c.entry.addresses
                        && located.references[c.reference as usize].holder() == Some(h)
                });
                let mut entry = change.entry;
                let what = if let Some(c) = account_change {
                    pair = mapping.entry(c.entry);
                    entry = c.entry;
                    "account"
                } else {
                    what
                };
                (
                    FindingKind::Uncovered,
                    format!(
                        "{owner} has no copy for new {what} {} (`apply --mode add` copies it)",
                        value_named(entry, &pair.new)
                    ),
                )
            }
            Action::Kept => (
                FindingKind::LeftForCutover,
                format!(
                    "{owner} holds one value only: old {what} {} stays until the cutover \
                     (then {})",
                    value_named(change.entry, &pair.old),
                    value_named(change.entry, &pair.new)
                ),
            ),
            Action::Rewritten | Action::Removed | Action::Superseded => continue,
        };
        let (setting, place) = named.site(reference.doc(), located.path(reference));
        let key = named.key(pair.old.as_str().into(), setting, place);
        findings.push(finding(
            source,
            None,
            &named.file,
            change.site,
            kind,
            key,
            Some(pair.new.as_str().into()),
            holder,
            message,
        ));
    }
}

/// Warns about removed IDs in keys and in strings that are not references.
#[allow(clippy::too_many_arguments)]
fn mentions(
    named: &Named,
    doc: usize,
    path: &[crate::node::StepRef],
    node: &Node,
    references: &FastMap<Span, Option<(Kind, &str)>>,
    removed: &Removed,
    findings: &mut Vec<Finding>,
) {
    let input = named.input;
    if node.alias().is_some() {
        return; // reported at the anchor
    }
    let source = &input.file.source;
    // (text, span, key position): keys, strings that are not references, and references
    // that hold an old value without being one (`Info <info@old.example>` in an address
    // field). Declarations and addresses inside text are reported above.
    let keys = match node.value() {
        Value::Map(entries) => &entries[..],
        _ => &[],
    };
    // (Told from their bytes first: most keys are short, and reading an inline one as a
    // `str` checks its UTF-8.)
    let keys = keys
        .iter()
        .enumerate()
        .filter(|(_, e)| removed.may_mention(e.key.as_bytes()))
        .map(|(i, e)| (e.key.as_str(), e.key_span, Some(i as u32)));
    // A reference holding an old value inside it: nothing rewrites it, so it is an error.
    let mut in_reference = false;
    let mut string = None;
    if let Value::Str(s, _) = node.value()
        && let Some(reference) = looked_in(s, node.span, references, removed)
    {
        in_reference = reference;
        string = Some((&**s, node.span, None));
    }
    for (text, span, key) in keys.chain(string) {
        let in_reference = in_reference && key.is_none();
        let hits = named_in(text, removed);
        if hits.is_empty() {
            continue;
        }
        let mut positions: Vec<u32> = crate::path::positions(path).collect();
        positions.extend(key);
        let (setting, place) = named.site(doc, &positions);
        let shown = crate::node::steps_text(path.iter().copied());
        let (shown, place) = match key {
            Some(_) => (format!("a key of {shown}"), format!("{place} (key)")),
            None => (format!("the text of {shown}"), place),
        };
        let holder = input
            .located
            .holder_around(doc, &positions)
            .map(|h| named.label(h).clone());
        let within = holder.as_ref().map_or(String::new(), |h| {
            format!(" (in {})", crate::file_name::shown(h))
        });
        // Where the search for each token goes on: a token the text holds twice is pointed
        // at twice, each time where it stands.
        let mut searched: Vec<(&str, usize)> = Vec::new();
        for (token, replacement, what) in &hits {
            let (token, replacement, what) = (&**token, *replacement, *what);
            // Point at the value itself when it is written verbatim inside the text (a
            // `text:` string's lines: a comment on its `text:` line is not its text).
            let raw = &source.text[span.range()];
            let value_at = match key {
                Some(_) => 0,
                None => crate::load::sieve::value_range(raw, node.style()).start,
            };
            let from = searched
                .iter()
                .rev()
                .find(|(t, _)| *t == token)
                .map_or(value_at, |(_, end)| *end);
            let span = match raw[from..].find(token) {
                Some(i) => {
                    searched.push((token, from + i + token.len()));
                    Span::new(
                        span.start as usize + from + i,
                        span.start as usize + from + i + token.len(),
                    )
                }
                None => span,
            };
            let (kind, message, replacement) = if in_reference {
                let to = replacement
                    .as_ref()
                    .map_or(String::new(), |new| format!(" (with {new})"));
                (
                    FindingKind::Removed,
                    format!(
                        "{}{within} holds removed {what} {token} inside a longer value ({:?}); \
                         only whole values are rewritten: replace it by hand{to}",
                        shown.replacen("the text of", "the reference", 1),
                        text
                    ),
                    // Nothing covers it, in the transition either.
                    None,
                )
            } else {
                (
                    FindingKind::Mention,
                    format!(
                        "{shown}{within} mentions removed {what} {token}; if it is a reference the profile does not know, change it by hand"
                    ),
                    replacement.cloned(),
                )
            };
            findings.push(finding(
                source,
                None,
                &named.file,
                span,
                kind,
                named.key(token.into(), setting.clone(), place.clone()),
                replacement,
                holder.clone(),
                message,
            ));
        }
    }
}

/// Whether a string value is looked in for removed IDs and addresses, and if so whether it
/// is a reference (which holds one inside it only by mistake). A reference's value is what
/// it names (a Sieve address string's value is the address without its display name or
/// line break): one that names a removed account is reported as a reference, not here.
fn looked_in(
    text: &str,
    span: Span,
    references: &FastMap<Span, Option<(Kind, &str)>>,
    removed: &Removed,
) -> Option<bool> {
    if !removed.may_mention(text.as_bytes()) {
        return None;
    }
    match references.get(&span) {
        None => Some(false),
        Some(Some((kind @ (Kind::Account | Kind::Address), value))) => {
            removed.lookup(*kind, value).is_none().then_some(true)
        }
        Some(_) => None,
    }
}

/// A removed account or address a text names: as the text spells it, its replacement, and
/// `account` or `address`.
type Mentioned<'t, 'r> = (Cow<'t, str>, Option<&'r Arc<str>>, &'static str);

/// The removed accounts a text names: old account IDs as words, then old addresses as
/// whole addresses; each as (its text, its replacement, `account` or `address`). When it
/// names none, the text as a pattern or a URI reads (see [`loosened`]) is searched too.
fn named_in<'t>(text: &'t str, removed: &'t Removed) -> Vec<Mentioned<'t, 't>> {
    let hits = named_in_plain(text, removed);
    if !hits.is_empty() {
        return hits;
    }
    // (Only a text with an `@` can hold an escaped address; a percent-encoded one in a
    // URI is a reference, loosened where references are checked.)
    let Some(loose) = memchr::memchr(b'@', text.as_bytes()).and_then(|_| loosened(text)) else {
        return Vec::new();
    };
    named_in_plain(&loose, removed)
        .into_iter()
        .map(|(t, r, w)| (Cow::Owned(t.into_owned()), r, w))
        .collect()
}

fn named_in_plain<'t, 'r>(text: &'t str, removed: &'r Removed) -> Vec<Mentioned<'t, 'r>> {
    let mut hits: Vec<Mentioned> = crate::names::id_words(text)
        .filter_map(|(_, token)| {
            let hit = removed.lookup_word(token)?;
            Some((token.into(), hit.replacement, "account"))
        })
        .collect();
    for (range, hit) in address::find_with(text, |a| removed.lookup(Kind::Address, a)) {
        hits.push((text[range].into(), hit.replacement, "address"));
    }
    hits
}

/// A text as a regular expression or a URI reads: `\.` and `[.]` as `.`, `%40` as `@`.
/// An old address in a Sieve `:regex` key (`"^info@old\\.example$"`) or a `mailto:` URI
/// (`mailto:info%40old.example`) is then found, as a mention: nothing rewrites it there.
/// `None` when the text holds no escape.
fn loosened(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    memchr::memchr3(b'\\', b'[', b'%', bytes)?;
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at..] {
            [b'\\', c, ..] if c.is_ascii_punctuation() => {
                out.push(c);
                at += 2;
            }
            [b'[', c, b']', ..] if c.is_ascii_graphic() && c != b'^' && c != b']' => {
                out.push(c);
                at += 3;
            }
            [b'%', h, l, ..] if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h)? * 16 + hex(l)?) as u8);
                at += 3;
            }
            _ => {
                out.push(bytes[at]);
                at += 1;
            }
        }
    }
    let out = String::from_utf8_lossy(&out).into_owned();
    (out != text).then_some(out)
}

/// A finding in `source`, which is named `file`.
#[allow(clippy::too_many_arguments)]
fn finding(
    source: &Source,
    lines: Option<&Lines>,
    file: &Arc<str>,
    span: Span,
    kind: FindingKind,
    key: Key,
    replacement: Option<Arc<str>>,
    holder: Option<Arc<str>>,
    message: String,
) -> Finding {
    let severity = kind.severity();
    let Diagnostic {
        location,
        snippet,
        message,
        ..
    } = Diagnostic::at_in_lines(source, lines, file.clone(), span, message);
    let location = location.unwrap_or(Location { line: 1, column: 1 });
    Finding {
        path: file.clone(),
        line: location.line,
        column: location.column,
        severity,
        kind,
        account: key.account,
        replacement,
        holder,
        setting: key.setting,
        place: key.place,
        message,
        snippet,
    }
}

impl From<FindingSeverity> for Severity {
    fn from(s: FindingSeverity) -> Severity {
        match s {
            FindingSeverity::Error => Severity::Error,
            FindingSeverity::Warning => Severity::Warning,
        }
    }
}

#[cfg(test)]
mod findings_order {
    use super::*;
    use proptest::prelude::*;

    fn finding(id: usize, (path, line, column, kind): (u8, u8, u8, usize)) -> Finding {
        let kind = FindingKind::ALL[kind % FindingKind::ALL.len()];
        Finding {
            path: format!("f{path}.json").into(),
            line: line.into(),
            column: column.into(),
            severity: kind.severity(),
            kind,
            account: id.to_string().into(),
            replacement: None,
            holder: None,
            setting: None,
            place: String::new(),
            message: "m".to_owned(),
            snippet: None,
        }
    }

    proptest! {
        /// Each file's findings sorted on their own, or all together when files share a
        /// path or one holds two, come out as one stable sort of them all did, ties included.
        #[test]
        fn sorted_by_file_as_one_stable_sort(
            files in prop::collection::vec(
                prop::collection::vec((0u8..4, 0u8..3, 0u8..3, 0usize..3), 0..6),
                0..6,
            ),
            one_path_each in any::<bool>(),
        ) {
            let groups = || -> Vec<Vec<Finding>> {
                let mut id = 0;
                files
                    .iter()
                    .enumerate()
                    .map(|(g, file)| {
                        file.iter()
                            .map(|&(path, line, column, kind)| {
                                id += 1;
                                // (One path a file, some files sharing one, unless
                                // mixed paths are asked for.)
                                let path = if one_path_each { (g % 3) as u8 } else { path };
                                finding(id, (path, line, column, kind))
                            })
                            .collect()
                    })
                    .collect()
            };
            let mut all: Vec<Finding> = groups().into_iter().flatten().collect();
            all.sort_by(|a, b| {
                (&a.path, a.line, a.column, a.kind).cmp(&(&b.path, b.line, b.column, b.kind))
            });
            let mut findings = Findings(groups());
            findings.sort();
            let order = |f: &Finding| f.account.clone();
            prop_assert_eq!(
                findings.iter().map(order).collect::<Vec<_>>(),
                all.iter().map(order).collect::<Vec<_>>()
            );
            prop_assert_eq!(findings.len(), all.len());
            let runs = findings.runs(4);
            prop_assert!(runs.iter().all(|run| run.iter().map(|p| p.len()).sum::<usize>() <= 4));
            prop_assert_eq!(
                runs.iter().flatten().copied().flatten().map(order).collect::<Vec<_>>(),
                all.iter().map(order).collect::<Vec<_>>()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::{Paths, Trees};
    use crate::profile::Profiles;

    /// A test folder's export, loaded as `trees` says, and its mapping.
    fn fixture(dir: &str, trees: Trees) -> (Vec<Input>, Mapping) {
        fixture_noting(dir, trees, None)
    }

    fn fixture_noting(dir: &str, trees: Trees, note_from: Option<usize>) -> (Vec<Input>, Mapping) {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let profiles = Profiles::resolve(None).expect("the built-in profiles");
        let paths = Paths {
            given: vec![root.join("export")],
            ..Paths::default()
        };
        let inputs = inputs::load_noting(&paths, &profiles, trees, note_from).expect("loads");
        let mapping = Mapping::read(&root.join("mapping.yaml")).expect("a mapping");
        (inputs, mapping)
    }

    /// Naming the places of a JSON file's findings builds its tree for them alone: the
    /// file located in parts is left without one (a run over a thousand files kept every
    /// tree it had built); in the transition, whose findings name theirs from it after,
    /// the file keeps it.
    #[test]
    fn loosened_reads_pattern_and_uri_escapes() {
        assert_eq!(loosened("plain text"), None);
        assert_eq!(loosened("100% [sure]"), None);
        assert_eq!(
            loosened(r"^info@old\.example$").as_deref(),
            Some("^info@old.example$")
        );
        assert_eq!(
            loosened("help@old[.]example").as_deref(),
            Some("help@old.example")
        );
        assert_eq!(
            loosened("mailto:%69nfo%40old.example%").as_deref(),
            Some("mailto:info@old.example%")
        );
        // Not an escape: a letter after the backslash, a class of two, a bad hex pair.
        assert_eq!(loosened(r"\d[ab]%4g"), None);
    }

    #[test]
    fn a_tree_built_to_name_findings_goes_with_them() {
        for dir in ["testdata/check", "testdata/gate", "testdata/demo"] {
            let (inputs, mapping) = fixture(dir, Trees::AsNeeded(crate::locate::Keep::All));
            let removed = Removed::resolve(&inputs, Some(&mapping), &[], &[]).expect("resolves");
            let parted: Vec<&Input> = inputs
                .iter()
                .filter(|i| i.file.format == Format::Json && !i.file.is_built())
                .collect();
            assert!(!parted.is_empty(), "{dir}: a JSON export located in parts");
            let in_parted = |f: &Finding| {
                parted
                    .iter()
                    .any(|i| crate::source::path_text(&i.file.source.path) == *f.path)
            };
            let named = findings(&inputs, &removed, None, Keys::Named);
            assert!(
                named.iter().any(|f| in_parted(f) && !f.place.is_empty()),
                "{dir}: places named in a file located in parts"
            );
            assert!(
                parted.iter().all(|i| !i.file.is_built()),
                "{dir}: the tree went with the findings"
            );
            // (Planned from a second load of the same files: planning may build the tree.)
            let (planned, _) = fixture(dir, Trees::AsNeeded(crate::locate::Keep::All));
            let plans: Vec<FilePlan> = planned
                .iter()
                .map(|i| {
                    crate::plan::plan(&i.file, &i.located, &mapping, crate::plan::Mode::Add)
                        .expect("plans")
                })
                .collect();
            findings(&inputs, &removed, Some(&plans), Keys::Named);
            assert!(
                parted.iter().all(|i| i.file.is_built()),
                "{dir}: kept for the transition"
            );
        }
    }

    /// A large file's references are checked in chunks on every core: the findings are
    /// exactly those of checking them in one go, in the same order. So are those of files
    /// whose strings were noted while they were read, whose mentions are looked for in
    /// those alone; and of files noted for IDs longer than the removed ones, whose notes
    /// are passed over (every string is read).
    #[test]
    fn chunks_and_keys_leave_the_findings_as_one_pass_finds_them() {
        let mut json_mentions = 0;
        for dir in ["testdata/check", "testdata/gate", "testdata/demo"] {
            let (inputs, mapping) = fixture(dir, Trees::Whole);
            // (`check` loads JSON in parts: its trees are built only to name a mention.)
            let (parted, _) = fixture(dir, Trees::AsNeeded(crate::locate::Keep::Nothing));
            let removed = Removed::resolve(&inputs, Some(&mapping), &[], &[]).expect("resolves");
            let shown = |findings: Findings| -> Vec<(String, String)> {
                findings
                    .iter()
                    .map(|f| {
                        let json = serde_json::to_string(f).expect("serializes");
                        (json, f.shown().render_coded(false, Some(f.kind.as_str())))
                    })
                    .collect()
            };
            let whole = shown(findings_in_chunks(
                &inputs,
                &removed,
                None,
                Keys::Named,
                usize::MAX,
            ));
            assert!(!whole.is_empty(), "{dir}: the fixture has findings");
            let removed_parted =
                Removed::resolve(&parted, Some(&mapping), &[], &[]).expect("resolves");
            assert_eq!(
                shown(findings(&parted, &removed_parted, None, Keys::Named)),
                whole,
                "{dir}: loaded in parts"
            );
            json_mentions += whole
                .iter()
                .filter(|(json, _)| json.contains(".json\"") && json.contains("\"mention\""))
                .count();
            let shortest = note_strings_from(Some(&mapping), &[]);
            for note_from in [shortest, shortest + 1, usize::MAX] {
                let parted = Trees::AsNeeded(crate::locate::Keep::Nothing);
                let (noted, _) = fixture_noting(dir, parted, Some(note_from));
                assert!(
                    noted.iter().any(|i| i.file.noted().is_some()),
                    "{dir}: notes"
                );
                let removed = Removed::resolve(&noted, Some(&mapping), &[], &[]).expect("resolves");
                for chunk in [1, 2, usize::MAX] {
                    assert_eq!(
                        shown(findings_in_chunks(
                            &noted,
                            &removed,
                            None,
                            Keys::Named,
                            chunk
                        )),
                        whole,
                        "{dir}: noting from {note_from}, chunks of {chunk}"
                    );
                }
            }
            for chunk in [1, 2, 5] {
                let chunked = shown(findings_in_chunks(
                    &inputs,
                    &removed,
                    None,
                    Keys::Named,
                    chunk,
                ));
                assert_eq!(chunked, whole, "{dir}: chunks of {chunk}");
            }
            // Without keys: the same findings, only their setting and place left out.
            let keyed = findings_in_chunks(&inputs, &removed, None, Keys::Named, 2);
            assert!(
                keyed.iter().any(|f| !f.place.is_empty()),
                "{dir}: places are named"
            );
            let unkeyed = findings_in_chunks(&inputs, &removed, None, Keys::Left, 2);
            assert!(
                unkeyed
                    .iter()
                    .all(|f| f.setting.is_none() && f.place.is_empty()),
                "{dir}: no keys named when none are asked for"
            );
            let without_keys = |findings: Findings| {
                shown(
                    findings
                        .into_vec()
                        .into_iter()
                        .map(|f| Finding {
                            setting: None,
                            place: String::new(),
                            ..f
                        })
                        .collect::<Vec<_>>()
                        .into(),
                )
            };
            assert_eq!(
                without_keys(unkeyed),
                without_keys(keyed),
                "{dir}: without keys"
            );
        }
        assert!(
            json_mentions > 0,
            "a mention in a JSON file, which notes must not miss"
        );
    }

    /// A JSON file's strings read from its text name a removed account where the walk of
    /// its tree finds a mention, and only there: whichever accounts are removed, by the
    /// mapping or one at a time.
    #[test]
    fn the_text_read_finds_mentions_exactly_where_the_walk_does() {
        let (mut with, mut without) = (0, 0);
        for dir in ["testdata/check", "testdata/gate", "testdata/demo"] {
            let (inputs, mapping) = fixture(dir, Trees::AsNeeded(crate::locate::Keep::Nothing));
            let names = Names::of(&inputs);
            let declared = inputs::declared(&inputs, Kind::Account).unwrap_or_default();
            let mut cases = vec![Removed::resolve(&inputs, Some(&mapping), &[], &[])];
            for id in &declared {
                cases.push(Removed::resolve(
                    &inputs,
                    None,
                    std::slice::from_ref(id),
                    &[],
                ));
            }
            for removed in cases {
                let removed = removed.expect("resolves");
                for input in inputs.iter().filter(|i| i.file.format == Format::Json) {
                    let spans = reference_spans(&input.located);
                    let mut walked = Vec::new();
                    let named = Named::new(input, &names, Keys::Named, NamingTrees::Kept);
                    text_findings(&named, &spans, &removed, &mut walked);
                    let text = 0..input.file.source.text.len();
                    let read = json_mentions(input, text, &spans, &removed);
                    assert_eq!(read, !walked.is_empty(), "{}", input.file.source.name);
                    if read { with += 1 } else { without += 1 }
                }
            }
        }
        assert!(
            with > 0 && without > 0,
            "both cases are seen: {with} with, {without} without"
        );
    }
}
