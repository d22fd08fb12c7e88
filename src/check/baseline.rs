//! Baselines: the findings a team has accepted, so that a gate adopted on an existing
//! repository fails only on new ones.
//!
//! An entry says what a finding *is*, never where its line is: the file (relative to the
//! baseline's own directory, so the check may run from anywhere), the setting (by `id`, or
//! identity fields, or label), the value's place within the setting, the account and the
//! kind. Inserting lines or reordering keys changes none of these. Inserting or reordering
//! list items (conditions, list values) changes a place's positions, so an entry that
//! matches no finding exactly is tried once more with every list position ignored. Matching
//! counts: two identical entries cover two identical findings, not three.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Finding, FindingKind, Key, finding};
use crate::decode::decode;
use crate::diagnostic::{Diagnostic, Error};
use crate::load::File;
use crate::node::{Node, Span};
use crate::source::Source;

/// The baseline file (`check --write-baseline`, `check --baseline`).
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "cutover check baseline")]
pub struct BaselineFile {
    /// Always 1.
    #[schemars(range(min = 1, max = 1))]
    pub schema_version: u32,
    /// The accepted findings, one entry each (identical findings are listed as often as
    /// they occur).
    pub findings: Vec<Entry>,
}

/// One accepted finding.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The file, relative to the baseline file's directory, with `/` separators.
    pub file: String,
    /// The setting: its group and `id` (`rules[id=45408b30]`), or its identity fields
    /// (`sharing[account=716be7a6]`), or its label; absent outside any setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setting: Option<String>,
    /// Where the value stands within the setting, e.g. `conditions.items[0].value[1]`.
    pub place: String,
    /// The account ID or address the finding is about.
    pub account: String,
    pub kind: FindingKind,
}

impl Entry {
    /// The entry with every list position of its place ignored (`items[*]`).
    fn loose(&self) -> Entry {
        let mut place = String::with_capacity(self.place.len());
        let mut rest = self.place.as_str();
        while let Some(open) = rest.find('[') {
            place.push_str(&rest[..=open]);
            rest = &rest[open + 1..];
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0 && rest[digits..].starts_with(']') {
                place.push('*');
                rest = &rest[digits..];
            }
        }
        place.push_str(rest);
        Entry {
            place,
            ..self.clone()
        }
    }
}

/// The entry for a finding, given the directory that file paths are relative to.
fn entry(finding: &Finding, base: &Path) -> Entry {
    Entry {
        file: relative(base, Path::new(&*finding.path)),
        setting: finding.setting.clone(),
        place: finding.place.clone(),
        account: finding.account.to_string(),
        kind: finding.kind,
    }
}

/// Writes every finding to `path` as a baseline; returns how many were written.
pub fn write(path: &Path, findings: &[Finding]) -> Result<usize, Error> {
    let base = directory_of(path);
    let mut entries: Vec<Entry> = findings.iter().map(|f| entry(f, &base)).collect();
    entries.sort();
    // One entry a line: a reviewer reads the baseline's diff entry by entry, and a stale
    // entry is reported at its own line.
    crate::output::write(path, crate::output::Output::Baseline, |out| {
        out.write_all(b"{\n  \"schema_version\": 1,\n  \"findings\": [")?;
        for (i, entry) in entries.iter().enumerate() {
            out.write_all(if i == 0 { b"\n    " } else { b",\n    " })?;
            serde_json::to_writer(&mut *out, entry)?;
        }
        out.write_all(if entries.is_empty() {
            b"]\n}\n"
        } else {
            b"\n  ]\n}\n"
        })
    })?;
    Ok(entries.len())
}

/// A baseline read back, each entry with where it stands.
pub struct Baseline {
    source: Source,
    base: PathBuf,
    entries: Vec<(Entry, Span)>,
}

/// What a baseline leaves of the findings.
pub struct Applied {
    /// Findings the baseline does not hold, and a warning for every entry that matched
    /// nothing.
    pub findings: Vec<Finding>,
    /// How many findings the baseline held.
    pub baselined: usize,
}

impl Baseline {
    pub fn read(path: &Path) -> Result<Baseline, Error> {
        let (source, docs) = File::parse(Source::read(path)?)?.into_parts();
        let [doc] = docs.as_slice() else {
            return Err(
                Diagnostic::file(&source.name, "a baseline holds exactly one document").into(),
            );
        };
        let spec: BaselineFile = decode(&source, doc, "invalid baseline")?;
        crate::decode::schema_version(&source, doc, spec.schema_version, "baseline")?;
        let spans = doc
            .field("findings")
            .and_then(Node::items)
            .unwrap_or_default()
            .iter()
            .map(|n| n.span);
        let entries = spec.findings.into_iter().zip(spans).collect();
        Ok(Baseline {
            base: directory_of(path),
            source,
            entries,
        })
    }

    /// Leaves out the findings the baseline holds, entry for entry: first those whose place
    /// is the same, then those whose place differs only in list positions. An entry that
    /// matches none is stale when the run checked its file: one it `read`, or one gone from
    /// below a PATH it `searched`. A run over some files only (a pre-commit hook's, or with
    /// some excluded) says nothing of the others.
    pub fn apply(&self, findings: Vec<Finding>, read: &[&Path], searched: &[&Path]) -> Applied {
        let mut used = vec![false; self.entries.len()];
        let mut exact: HashMap<&Entry, Vec<usize>> = HashMap::new();
        let loose_entries: Vec<Entry> = self.entries.iter().map(|(e, _)| e.loose()).collect();
        let mut loose: HashMap<&Entry, Vec<usize>> = HashMap::new();
        for (i, (entry, _)) in self.entries.iter().enumerate().rev() {
            exact.entry(entry).or_default().push(i);
            loose.entry(&loose_entries[i]).or_default().push(i);
        }
        let keys: Vec<Entry> = findings.iter().map(|f| entry(f, &self.base)).collect();
        let mut matched = vec![false; findings.len()];
        let take = |candidates: Option<&mut Vec<usize>>, used: &mut Vec<bool>| {
            let candidates = candidates?;
            while let Some(i) = candidates.pop() {
                if !used[i] {
                    used[i] = true;
                    return Some(i);
                }
            }
            None
        };
        for (f, key) in keys.iter().enumerate() {
            matched[f] = take(exact.get_mut(key), &mut used).is_some();
        }
        for (f, key) in keys.iter().enumerate() {
            if !matched[f] {
                matched[f] = take(loose.get_mut(&key.loose()), &mut used).is_some();
            }
        }
        let baselined = matched.iter().filter(|m| **m).count();
        let mut kept: Vec<Finding> = findings
            .into_iter()
            .zip(matched)
            .filter(|(_, m)| !m)
            .map(|(f, _)| f)
            .collect();
        let read: Vec<PathBuf> = read.iter().map(|p| absolute(p)).collect();
        let searched: Vec<PathBuf> = searched.iter().map(|p| absolute(p)).collect();
        let in_scope = |entry: &Entry| {
            let file = absolute(&self.base.join(&entry.file));
            read.contains(&file)
                || (searched.iter().any(|s| file.starts_with(s))
                    && std::fs::symlink_metadata(&file).is_err())
        };
        let stale = self.entries.iter().zip(used).filter(|(_, u)| !u);
        for ((entry, span), _) in stale.filter(|((e, _), _)| in_scope(e)) {
            let setting = entry
                .setting
                .as_ref()
                .map_or(String::new(), |s| format!(" {s}"));
            let message = format!(
                "baseline entry for {} {} in {}{setting} at {} matches no finding any more; \
                 remove it, or write the baseline again",
                entry.kind.as_str(),
                entry.account,
                entry.file,
                entry.place
            );
            kept.push(finding(
                &self.source,
                None,
                &crate::source::path_text(&self.source.path).into(),
                *span,
                FindingKind::StaleBaseline,
                Key {
                    account: entry.account.as_str().into(),
                    setting: entry.setting.clone(),
                    place: entry.place.clone(),
                },
                None,
                None,
                message,
            ));
        }
        Applied {
            findings: kept,
            baselined,
        }
    }
}

/// The absolute directory a file stands in (its paths are written relative to it).
fn directory_of(path: &Path) -> PathBuf {
    let absolute = absolute(path);
    absolute
        .parent()
        .map_or_else(|| absolute.clone(), Path::to_path_buf)
}

/// A path made absolute against the working directory and normalised without touching the
/// filesystem (`a/./b/../c` is `a/c`).
fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` relative to the directory `base`, with `/` separators (`../x` when outside it).
fn relative(base: &Path, path: &Path) -> String {
    let path = absolute(path);
    let (from, to): (Vec<Component>, Vec<Component>) =
        (base.components().collect(), path.components().collect());
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loose_places_ignore_list_positions_only() {
        let e = |place: &str| Entry {
            file: "f".into(),
            setting: None,
            place: place.into(),
            account: "a".into(),
            kind: FindingKind::Removed,
        };
        assert_eq!(
            e("conditions.items[1].items[12].value[0]").loose().place,
            "conditions.items[*].items[*].value[*]"
        );
        assert_eq!(e("notes.x[y] (key)").loose().place, "notes.x[y] (key)");
        assert_eq!(e("a[").loose().place, "a[");
    }

    #[test]
    fn paths_are_relative_to_the_baseline() {
        let base = Path::new("/repo/ci");
        assert_eq!(
            relative(base, Path::new("/repo/exports/r.yaml")),
            "../exports/r.yaml"
        );
        assert_eq!(
            relative(base, Path::new("/repo/ci/./x/../r.yaml")),
            "r.yaml"
        );
        assert_eq!(
            directory_of(Path::new("/repo/ci/b.json")),
            Path::new("/repo/ci")
        );
    }
}
