//! Saved plans: what was reviewed is exactly what is applied.
//!
//! `diff --save-plan` writes the exact edits of every file together with a SHA-256 of every
//! input, of the mapping and of each profile used. `apply --plan` checks every hash before it
//! touches anything and refuses a stale plan, naming what changed; the edits are then
//! applied as saved (the result's hash is checked too) and written all or nothing.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::decode::decode;
use crate::diagnostic::{Diagnostic, Error};
use crate::edit::{self, Edit};
use crate::inputs::Input;
use crate::load::File;
use crate::mapping::Mapping;
use crate::plan::{FilePlan, Mode};
use crate::profile::{Profile, Profiles};
use crate::source::{Source, display_name};

/// The saved plan file format (schema_version 1).
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "cutover saved plan")]
pub struct SavedPlan {
    /// Always 1.
    pub schema_version: u32,
    /// The cutover version that saved it.
    pub cutover_version: String,
    /// `replace` or `add`.
    pub mode: String,
    pub mapping: Hashed,
    /// Every profile the inputs were read with, as given (a built-in name such as `missive`,
    /// or a file), and the hash of its text.
    pub profiles: Vec<Hashed>,
    /// Every input file, changed or not.
    pub files: Vec<PlannedFile>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hashed {
    pub path: String,
    /// SHA-256 of the contents, in hex.
    pub sha256: String,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlannedFile {
    pub path: String,
    /// SHA-256 of the file as planned against.
    pub sha256: String,
    /// SHA-256 of the file after the edits; absent when it has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub edits: Vec<PlannedEdit>,
}

/// Replace bytes `start..end` of the original file with `content`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlannedEdit {
    pub start: usize,
    pub end: usize,
    pub content: String,
}

pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

impl SavedPlan {
    pub fn new(
        mode: Mode,
        mapping: &Mapping,
        profiles: &Profiles,
        inputs: &[Input],
        plans: &[FilePlan],
    ) -> SavedPlan {
        SavedPlan {
            schema_version: 1,
            cutover_version: env!("CARGO_PKG_VERSION").to_owned(),
            mode: match mode {
                Mode::Replace => "replace",
                Mode::Add => "add",
            }
            .to_owned(),
            mapping: Hashed {
                path: path_text(&mapping.source.path),
                sha256: sha256(mapping.source.text.as_bytes()),
            },
            profiles: profiles
                .iter()
                .enumerate()
                .filter(|(index, _)| inputs.iter().any(|input| input.profile == *index))
                .map(|(_, (spec, profile))| Hashed {
                    path: spec.to_owned(),
                    sha256: sha256(profile.text.as_bytes()),
                })
                .collect(),
            files: inputs
                .iter()
                .zip(plans)
                .map(|(input, plan)| PlannedFile {
                    path: path_text(&input.file.source.path),
                    sha256: sha256(input.file.source.text.as_bytes()),
                    result_sha256: (!plan.is_empty())
                        .then(|| sha256(plan.new_text(&input.file.source).as_bytes())),
                    edits: plan
                        .edits
                        .iter()
                        .map(|e| PlannedEdit {
                            start: e.range.start,
                            end: e.range.end,
                            content: e.content.to_string(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a plan is always valid JSON");
        text.push('\n');
        text
    }

    pub fn read(path: &Path) -> Result<SavedPlan, Error> {
        let file = File::read(path)?;
        let [doc] = file.docs.as_slice() else {
            return Err(Diagnostic::file(
                &file.source.name,
                "a plan file holds exactly one document",
            )
            .into());
        };
        let plan: SavedPlan = decode(&file.source, doc, "invalid plan")?;
        if plan.schema_version != 1 {
            return Err(Diagnostic::file(
                &file.source.name,
                format!(
                    "unsupported plan schema_version {} (expected 1)",
                    plan.schema_version
                ),
            )
            .into());
        }
        Ok(plan)
    }

    /// Checks every hash against the files as they are now, and returns each file to
    /// write with its new text. A stale plan is an error naming everything that changed.
    pub fn resolve(&self, plan_name: &str) -> Result<Vec<(PathBuf, String)>, Error> {
        let mut stale = Vec::new();
        let stale_file = |path: &str, why: &str| {
            Diagnostic::file(
                path,
                format!(
                    "stale plan: {why} since {plan_name} was saved; run `cutover diff --save-plan` again"
                ),
            )
        };
        match std::fs::read(&self.mapping.path) {
            Ok(bytes) if sha256(&bytes) == self.mapping.sha256 => {}
            Ok(_) => stale.push(stale_file(&self.mapping.path, "the mapping changed")),
            Err(_) => stale.push(stale_file(&self.mapping.path, "the mapping is gone")),
        }
        for saved in &self.profiles {
            match Profile::resolve(&saved.path) {
                Ok(profile) if sha256(profile.text.as_bytes()) == saved.sha256 => {}
                _ => stale.push(stale_file(&saved.path, "the profile changed")),
            }
        }
        let mut writes = Vec::new();
        for planned in &self.files {
            let path = PathBuf::from(&planned.path);
            let source = match Source::read(&path) {
                Ok(source) => source,
                Err(_) if !path.exists() => {
                    stale.push(stale_file(&planned.path, "the file is gone"));
                    continue;
                }
                Err(e) => {
                    stale.extend(e.diagnostics);
                    continue;
                }
            };
            if sha256(source.text.as_bytes()) != planned.sha256 {
                stale.push(stale_file(&display_name(&path), "the file changed"));
                continue;
            }
            let Some(result) = &planned.result_sha256 else {
                continue;
            };
            match apply_edits(&source.text, &planned.edits) {
                Some(text) if sha256(text.as_bytes()) == *result => writes.push((path, text)),
                _ => stale.push(Diagnostic::file(
                    &display_name(&path),
                    format!("the edits in {plan_name} do not give the result they promise; the plan file was altered"),
                )),
            }
        }
        if stale.is_empty() {
            Ok(writes)
        } else {
            Err(Error::many(stale))
        }
    }
}

/// Applies saved edits, or `None` when they do not fit the text.
fn apply_edits(text: &str, planned: &[PlannedEdit]) -> Option<String> {
    let edits: Vec<Edit> = planned
        .iter()
        .map(|e| Edit::replace(e.start..e.end, e.content.clone()))
        .collect();
    let fits = edits.iter().all(|e| {
        e.range.start <= e.range.end
            && e.range.end <= text.len()
            && text.is_char_boundary(e.range.start)
            && text.is_char_boundary(e.range.end)
    });
    if !fits {
        return None;
    }
    let edits = edit::normalize(edits).ok()?;
    Some(edit::apply(text, &edits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_sha256_hex() {
        assert_eq!(
            sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn edits_that_do_not_fit_are_refused() {
        let edit = |start, end| PlannedEdit {
            start,
            end,
            content: "x".into(),
        };
        assert_eq!(apply_edits("abc", &[edit(1, 2)]).as_deref(), Some("axc"));
        assert!(apply_edits("abc", &[edit(2, 9)]).is_none());
        assert!(apply_edits("é", &[edit(1, 2)]).is_none());
        assert!(apply_edits("abc", &[edit(0, 2), edit(1, 3)]).is_none());
    }
}
