//! The inputs of a run: every export file found under the given paths, loaded and located
//! with the profile for its kind.

use std::collections::HashSet;
use std::path::PathBuf;

use crate::diagnostic::{Error, collect};
use crate::load::{File, find_inputs};
use crate::locate::{Located, locate};
use crate::mapping::Mapping;
use crate::parallel;
use crate::plan::{FilePlan, Mode, plan};
use crate::profile::{Kind, Profiles};

pub struct Input {
    pub file: File,
    pub located: Located,
    /// The profile it was located with (see [`Profiles::get`]).
    pub profile: usize,
}

/// Loads and locates every input; reports the problems of all files at once.
pub fn load(paths: &[PathBuf], profiles: &Profiles) -> Result<Vec<Input>, Error> {
    let files = find_inputs(paths)?;
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

/// Plans every file, after checking the mapping against what the inputs declare.
pub fn plan_all(inputs: &[Input], mapping: &Mapping, mode: Mode) -> Result<Vec<FilePlan>, Error> {
    if let Some(accounts) = declared(inputs, Kind::Account) {
        mapping.check_targets(&accounts)?;
    }
    collect(parallel::map(inputs, |input| {
        plan(&input.file, &input.located, mapping, mode)
    }))
}
