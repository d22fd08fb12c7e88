//! The inputs of a run: every export file found under the given paths, loaded and located
//! with the profile for its kind, and the checks of a mapping against what they declare.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

use crate::diagnostic::{Error, collect};
use crate::exclude::{Exclude, suggestion};
use crate::load::{File, Format, find_inputs, walked_from};
use crate::locate::{Located, in_parts, lacks_schema_version, locate};
use crate::mapping::Mapping;
use crate::parallel;
use crate::plan::{FilePlan, Mode, plan};
use crate::profile::{Kind, Profiles};
use crate::source::Source;
use crate::source::display_name;
use crate::verbosity;

pub struct Input {
    pub file: File,
    pub located: Located,
    /// The profile it was located with (see [`Profiles::get`]).
    pub profile: usize,
}

/// What to read: the PATHs given, and what to leave out of the directories among them.
#[derive(Clone, Debug, Default)]
pub struct Paths {
    pub given: Vec<PathBuf>,
    pub exclude: Exclude,
}

impl Paths {
    /// Exactly these files (a saved plan's), nothing excluded.
    pub fn files(files: Vec<PathBuf>) -> Paths {
        Paths {
            given: files,
            exclude: Exclude::default(),
        }
    }
}

/// The export files under the given paths; none at all is an error, because a command that
/// looked at nothing must not report success (a CI job pointed at the wrong directory
/// would stay green).
pub fn find(paths: &Paths) -> Result<Vec<PathBuf>, Error> {
    let files = find_inputs(&paths.given, &paths.exclude)?;
    if files.is_empty() {
        let names: Vec<String> = paths.given.iter().map(|p| display_name(p)).collect();
        return Err(Error::plain(format!(
            "no export file (.json, .yaml, .yml, .sieve or .siv) found in {}: nothing was read",
            names.join(", ")
        )));
    }
    Ok(files)
}

/// Whether a command reads each file's whole tree (`check` looks at every string, the
/// review formats at whole settings): then it is built while loading, once. Otherwise a
/// JSON export is located in parts and its tree is built only if a step asks for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trees {
    Whole,
    AsNeeded,
}

/// Loads and locates every input; reports the problems of all files at once. A file a
/// walk found that cannot be read as an export gets a hint at `--exclude` (it stays an
/// error: skipping it silently could hide a broken export).
pub fn load(paths: &Paths, profiles: &Profiles, trees: Trees) -> Result<Vec<Input>, Error> {
    let files = find(paths)?;
    let loaded = collect(parallel::map(&files, |path| {
        let started = Instant::now();
        let hint = |mut error: Error| {
            if let (Some((_, relative)), Some(last)) = (
                walked_from(path, &paths.given),
                error.diagnostics.last_mut(),
            ) {
                last.message.push_str(&format!(
                    "; not an export? leave it out with --exclude {} (or `exclude` in cutover.toml)",
                    suggestion(relative)
                ));
            }
            error
        };
        let source = Source::read(path).map_err(hint)?;
        let format = Format::of(&source.path, &source.text);
        let profile = profiles.index_for(format);
        // A JSON export is located in parts when the profile allows it; otherwise, and
        // on any error (which the whole parse words), from its whole tree.
        let source = match (format, trees) {
            (Format::Json, Trees::AsNeeded) => match in_parts(source, profiles.get(profile)) {
                Ok((file, located)) => {
                    return Ok((
                        Input {
                            file,
                            located,
                            profile,
                        },
                        started.elapsed(),
                    ));
                }
                Err(source) => *source,
            },
            _ => source,
        };
        let file = File::parse(source).map_err(hint)?;
        let located = match locate(&file, profiles.get(profile)) {
            Err(e) if lacks_schema_version(&file, profiles.get(profile)) => {
                return Err(hint(e));
            }
            result => result?,
        };
        Ok((
            Input {
                file,
                located,
                profile,
            },
            started.elapsed(),
        ))
    }))?;
    Ok(loaded
        .into_iter()
        .map(|(input, took)| {
            verbosity::detail(
                "timing",
                &format!(
                    "{}: read, parsed and located in {}",
                    input.file.source.name,
                    verbosity::millis(took)
                ),
            );
            input
        })
        .collect())
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
    let planned = collect(parallel::map(inputs, |input| {
        let started = Instant::now();
        let plan = plan(&input.file, &input.located, mapping, mode)?;
        Ok((plan, started.elapsed()))
    }))?;
    Ok(inputs
        .iter()
        .zip(planned)
        .map(|(input, (plan, took))| {
            verbosity::detail(
                "timing",
                &format!(
                    "{}: planned in {}",
                    input.file.source.name,
                    verbosity::millis(took)
                ),
            );
            plan
        })
        .collect())
}
