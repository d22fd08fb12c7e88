//! The inputs of a run: every export file found under the given paths, loaded and located
//! with the profile for its kind, and the checks of a mapping against what they declare.

use std::collections::HashSet;
use std::path::PathBuf;

use crate::diagnostic::{Error, collect};
use crate::load::{File, find_inputs};
use crate::locate::{Located, locate};
use crate::mapping::Mapping;
use crate::parallel;
use crate::plan::{FilePlan, Mode, plan};
use crate::profile::{Kind, Profiles};
use crate::source::display_name;

pub struct Input {
    pub file: File,
    pub located: Located,
    /// The profile it was located with (see [`Profiles::get`]).
    pub profile: usize,
}

/// The export files under the given paths; none at all is an error, because a command that
/// looked at nothing must not report success (a CI job pointed at the wrong directory
/// would stay green).
pub fn find(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let files = find_inputs(paths)?;
    if files.is_empty() {
        let names: Vec<String> = paths.iter().map(|p| display_name(p)).collect();
        return Err(Error::plain(format!(
            "no export file (.json, .yaml, .yml, .sieve or .siv) found in {}: nothing was read",
            names.join(", ")
        )));
    }
    Ok(files)
}

/// Loads and locates every input; reports the problems of all files at once.
pub fn load(paths: &[PathBuf], profiles: &Profiles) -> Result<Vec<Input>, Error> {
    let files = find(paths)?;
    collect(parallel::map(&files, |path| {
        let file = File::read(path)?;
        let profile = profiles.index_for(file.format);
        let located = locate(&file, profiles.get(profile))?;
        Ok(Input {
            file,
            located,
            profile,
        })
    }))
}

/// Every account ID the inputs declare; `None` when no input declares accounts.
pub fn declared(inputs: &[Input], kind: Kind) -> Option<HashSet<String>> {
    let mut any = false;
    let mut set = HashSet::new();
    for input in inputs {
        for d in input.located.declarations.iter().filter(|d| d.kind == kind) {
            any = true;
            set.insert(if kind == Kind::Account {
                d.value.clone()
            } else {
                d.value.to_lowercase()
            });
        }
    }
    any.then_some(set)
}

/// When the inputs declare accounts, every old and new account of the mapping must be
/// one of them (see [`Mapping::check_declared`]).
pub fn check_mapping(inputs: &[Input], mapping: &Mapping) -> Result<(), Error> {
    match declared(inputs, Kind::Account) {
        Some(accounts) => mapping.check_declared(&accounts),
        None => Ok(()),
    }
}

/// Plans every file, after checking the mapping against what the inputs declare.
pub fn plan_all(inputs: &[Input], mapping: &Mapping, mode: Mode) -> Result<Vec<FilePlan>, Error> {
    check_mapping(inputs, mapping)?;
    collect(parallel::map(inputs, |input| {
        plan(&input.file, &input.located, mapping, mode)
    }))
}
