//! Check: find every setting that still points at a removed account, or at an account no
//! input declares, for CI. Each finding is a [`Diagnostic`] plus the facts a machine reader
//! needs; the four output formats are small renderers over the same [`Report`].

mod github;
mod human;
mod sarif;

use std::collections::HashSet;

use schemars::JsonSchema;
use serde::Serialize;

use crate::address;
use crate::diagnostic::{Diagnostic, Severity};
use crate::inputs::{self, Input};
use crate::load::sieve;
use crate::mapping::Mapping;
use crate::node::{Node, Span, Value};
use crate::profile::Kind;

pub use github::render as render_github;
pub use human::render as render_human;
pub use sarif::render as render_sarif;

/// What `cutover check --format json` prints.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(title = "cutover check report")]
pub struct Report {
    pub findings: Vec<Finding>,
    pub summary: Summary,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Finding {
    /// The file, as given on the command line.
    pub path: String,
    /// 1-based line of the reference (of the alias, when reached through one).
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    pub severity: FindingSeverity,
    pub kind: FindingKind,
    /// The account ID (or address) referenced.
    pub account: String,
    /// The new ID, when the mapping has one.
    pub replacement: Option<String>,
    /// The setting that holds the reference, e.g. `rule "01. Support triage"`.
    pub holder: Option<String>,
    pub message: String,
    /// The rendered source line and caret, for the human format.
    #[serde(skip)]
    pub diagnostic: Diagnostic,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FindingSeverity {
    Error,
    Warning,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FindingKind {
    /// A reference to an account that is being removed.
    Removed,
    /// A reference to an account that no input declares.
    Dangling,
    /// A removed account's ID outside any reference location: maybe a reference the
    /// profile does not know.
    Mention,
}

impl FindingKind {
    pub const ALL: [FindingKind; 3] = [
        FindingKind::Removed,
        FindingKind::Dangling,
        FindingKind::Mention,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Removed => "removed",
            FindingKind::Dangling => "dangling",
            FindingKind::Mention => "mention",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            FindingKind::Removed => "A setting references an account that is being removed.",
            FindingKind::Dangling => "A setting references an account that no input declares.",
            FindingKind::Mention => {
                "A removed account's ID appears outside any known reference location."
            }
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
}

/// What counts as removed: the mapping's old values and the `--removed` IDs.
pub struct Removed<'a> {
    pub mapping: Option<&'a Mapping>,
    pub ids: HashSet<String>,
}

impl Removed<'_> {
    /// The replacement (if any) when `value` of this kind is removed.
    fn lookup(&self, kind: Kind, value: &str) -> Option<Option<String>> {
        if let Some((_, new)) = self.mapping.and_then(|m| m.lookup(kind, value)) {
            return Some(Some(new.to_owned()));
        }
        let removed = match kind {
            Kind::Account => self.ids.contains(value),
            _ => self.ids.iter().any(|id| id.eq_ignore_ascii_case(value)),
        };
        removed.then_some(None)
    }
}

pub fn findings(inputs: &[Input], removed: &Removed) -> Report {
    let declared = inputs::declared(inputs, Kind::Account);
    let per_file = crate::parallel::map(inputs, |input| {
        file_findings(input, declared.as_ref(), removed)
    });
    let mut findings: Vec<Finding> = per_file.into_iter().flatten().collect();
    findings.sort_by(|a, b| {
        (&a.path, a.line, a.column, a.kind as u8).cmp(&(&b.path, b.line, b.column, b.kind as u8))
    });
    let errors = findings
        .iter()
        .filter(|f| f.severity == FindingSeverity::Error)
        .count();
    Report {
        summary: Summary {
            errors,
            warnings: findings.len() - errors,
            files: inputs.len(),
            dangling_checked: declared.is_some(),
        },
        findings,
    }
}

/// The findings of one file, given the accounts all inputs declare.
fn file_findings(
    input: &Input,
    declared: Option<&HashSet<String>>,
    removed: &Removed,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let source = &input.file.source;
    let located = &input.located;
    let mut reference_spans: HashSet<Span> = located.references.iter().map(|r| r.span).collect();
    reference_spans.extend(located.declarations.iter().map(|d| d.span));
    for reference in &located.references {
        let holder = || located.holder(reference).map(|h| h.label.to_string());
        let owner = || {
            holder().unwrap_or_else(|| {
                let doc = &input.file.docs[reference.doc()];
                format!("the setting at {}", doc.path_text(located.path(reference)))
            })
        };
        // (value, replacement, where): an address inside text is pointed at itself.
        // (value, replacement, where, whether it is spelled otherwise than it reads).
        let mut hits: Vec<(String, Option<String>, Span, bool)> = Vec::new();
        let raw = &source.text[reference.span.range()];
        match reference.kind {
            Kind::AddressInText => {
                if let Some(mapping) = removed.mapping {
                    // Each address is pointed at where it is written; one spelled with
                    // escapes or encoded characters (found in the value only), at its string.
                    let (start, raw) = reference.written(source);
                    let mut written = address::find(raw, mapping);
                    for (range, entry, new) in address::find(&reference.value, mapping) {
                        let at = written.iter().position(|(_, e, _)| *e == entry);
                        let hit = match at.map(|i| written.remove(i).0) {
                            Some(range) => {
                                let site = if reference.site == reference.span {
                                    Span::new(start + range.start, start + range.end)
                                } else {
                                    reference.site
                                };
                                (raw[range].to_owned(), Some(new.to_owned()), site, false)
                            }
                            None => {
                                let old = reference.value[range].to_owned();
                                (old, Some(new.to_owned()), reference.site, true)
                            }
                        };
                        hits.push(hit);
                    }
                }
            }
            kind => {
                if let Some(replacement) = removed.lookup(kind, &reference.value) {
                    let spelled = sieve::spelled_encoded(raw, reference.style);
                    hits.push((
                        reference.value.to_string(),
                        replacement,
                        reference.site,
                        spelled,
                    ));
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
        for (account, replacement, site, spelled) in hits {
            let owner = owner();
            let spelled = if spelled { spelling } else { "" };
            let message = match &replacement {
                Some(new) => format!(
                    "{owner} references removed {what} {account}{spelled} (replace it with {new})"
                ),
                None => format!("{owner} references removed {what} {account}{spelled}"),
            };
            findings.push(finding(
                source,
                site,
                FindingKind::Removed,
                account,
                replacement,
                holder(),
                message,
            ));
        }
        let dangling = reference.kind == Kind::Account
            && declared.is_some_and(|d| !d.contains(&*reference.value))
            && removed.lookup(Kind::Account, &reference.value).is_none();
        if dangling {
            let owner = owner();
            let message = format!(
                "{owner} references account {}, which no input declares",
                reference.value
            );
            findings.push(finding(
                source,
                reference.site,
                FindingKind::Dangling,
                reference.value.to_string(),
                None,
                holder(),
                message,
            ));
        }
    }
    for (index, doc) in input.file.docs.iter().enumerate() {
        doc.walk(&mut Vec::new(), &mut |path, node| {
            let holder = || {
                located
                    .holder_around(index, &crate::path::Path::of(path))
                    .map(|h| located.holders[h].label.to_string())
            };
            mentions(
                source,
                path,
                node,
                &holder,
                &reference_spans,
                removed,
                &mut findings,
            );
        });
    }
    findings
}

/// Warns about removed IDs in keys and in strings that are not references.
#[allow(clippy::too_many_arguments)]
fn mentions(
    source: &crate::source::Source,
    path: &[crate::node::StepRef],
    node: &Node,
    holder: &dyn Fn() -> Option<String>,
    references: &HashSet<Span>,
    removed: &Removed,
    findings: &mut Vec<Finding>,
) {
    if node.alias().is_some() {
        return; // reported at the anchor
    }
    // (text, span, whether it is a key): only strings that are not references.
    let mut texts: Vec<(&str, Span, bool)> = Vec::new();
    if let Value::Map(entries) = node.value() {
        texts.extend(entries.iter().map(|e| (e.key.as_str(), e.key_span, true)));
    }
    if let Value::Str(s, _) = node.value()
        && !references.contains(&node.span)
    {
        texts.push((s, node.span, false));
    }
    for (text, span, is_key) in texts {
        // Old account IDs as words, and old addresses as whole addresses.
        let mut hits: Vec<(&str, Option<String>, &str)> = id_tokens(text)
            .filter_map(|token| Some((token, removed.lookup(Kind::Account, token)?, "account")))
            .collect();
        if let Some(mapping) = removed.mapping {
            for (range, _, new) in address::find(text, mapping) {
                hits.push((&text[range], Some(new.to_owned()), "address"));
            }
        }
        // Where the search for each token goes on: a token the text holds twice is pointed
        // at twice, each time where it stands.
        let mut searched: Vec<(&str, usize)> = Vec::new();
        for (token, replacement, what) in hits {
            // Point at the value itself when it is written verbatim inside the text.
            let raw = &source.text[span.range()];
            let from = searched
                .iter()
                .rev()
                .find(|(t, _)| *t == token)
                .map_or(0, |(_, end)| *end);
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
            let place = crate::node::path_text(&crate::node::to_path(path));
            let place = if is_key {
                format!("a key of {place}")
            } else {
                format!("the text of {place}")
            };
            let holder = holder();
            let within = holder
                .as_ref()
                .map_or(String::new(), |h| format!(" (in {h})"));
            let message = format!(
                "{place}{within} mentions removed {what} {token}; if it is a reference the profile does not know, change it by hand"
            );
            let mut f = finding(
                source,
                span,
                FindingKind::Mention,
                token.to_owned(),
                replacement,
                holder,
                message,
            );
            f.severity = FindingSeverity::Warning;
            f.diagnostic = f.diagnostic.warning();
            findings.push(f);
        }
    }
}

/// The words of a text that could be IDs: runs of letters, digits, `-` and `_`.
fn id_tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
        .filter(|t| !t.is_empty())
}

fn finding(
    source: &crate::source::Source,
    span: Span,
    kind: FindingKind,
    account: String,
    replacement: Option<String>,
    holder: Option<String>,
    message: String,
) -> Finding {
    let diagnostic = Diagnostic::at(source, span, message.clone());
    let location = diagnostic
        .location
        .clone()
        .unwrap_or(crate::source::Location { line: 1, column: 1 });
    Finding {
        path: source.name.clone(),
        line: location.line,
        column: location.column,
        severity: FindingSeverity::Error,
        kind,
        account,
        replacement,
        holder,
        message,
        diagnostic,
    }
}

impl Report {
    /// Exit code: 1 when an error was found (or a warning, when strict).
    pub fn exit_code(&self, strict: bool) -> u8 {
        u8::from(self.summary.errors > 0 || (strict && self.summary.warnings > 0))
    }

    pub fn render_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a report is always valid JSON");
        text.push('\n');
        text
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
