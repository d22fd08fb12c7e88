//! The inputs of a run: every export file found under the given paths, loaded and located
//! with the profile for its kind, and the checks of a mapping against what they declare.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::diagnostic::{Diagnostic, Error, collect};
use crate::exclude::{Exclude, suggestion};
use crate::export::Export;
use crate::load::{EXPORT_EXTENSIONS, File, Format, find_inputs, walked_from};
use crate::locate::{Located, in_parts, lacks_schema_version, locate};
use crate::mapping::Mapping;
use crate::node::Span;
use crate::output::Output;
use crate::parallel;
use crate::plan::{FilePlan, Mode, plan};
use crate::profile::{Kind, Profile, Profiles};
use crate::source::{Source, display_name};
use crate::verbosity;

pub struct Input {
    pub file: File,
    pub located: Located,
    /// The profile it was located with (see [`Profiles::get`]).
    pub profile: usize,
}

/// What to read: the PATHs given, what to leave out of the directories among them, and
/// the files the run was given in another role, which a search never reads as exports.
#[derive(Clone, Debug, Default)]
pub struct Paths {
    pub given: Vec<PathBuf>,
    pub exclude: Exclude,
    pub own: Vec<OwnFile>,
    /// When `given` is the files an earlier search found: the PATHs it searched, so a
    /// message can still say how to leave a found file out.
    pub found_in: Vec<PathBuf>,
}

/// A file the run itself was given in another role — its mapping, profile file, baseline,
/// saved plan or config file — kept, as teams do, beside the exports: a search that meets
/// it leaves it out (and `-v` says so) instead of failing on it as a broken export.
#[derive(Clone, Debug)]
pub struct OwnFile {
    pub path: PathBuf,
    /// What it is to the run, for `-v`: `mapping`, `profile`, ...
    pub role: &'static str,
}

impl Paths {
    /// Exactly these files (a saved plan's), nothing excluded.
    pub fn files(files: Vec<PathBuf>) -> Paths {
        Paths {
            given: files,
            ..Paths::default()
        }
    }

    /// Exactly the files a search of `searched` found (locked before they are read).
    pub fn found(files: Vec<PathBuf>, searched: &Paths) -> Paths {
        Paths {
            given: files,
            found_in: searched.given.clone(),
            ..Paths::default()
        }
    }

    /// Adds a file the run was given in another role (see [`OwnFile`]).
    pub fn own(mut self, role: &'static str, path: Option<&Path>) -> Paths {
        if let Some(path) = path {
            self.own.push(OwnFile {
                path: path.to_path_buf(),
                role,
            });
        }
        self
    }
}

/// The export files under the given paths; none at all is an error, because a command that
/// looked at nothing must not report success (a CI job pointed at the wrong directory
/// would stay green).
pub fn find(paths: &Paths) -> Result<Vec<PathBuf>, Error> {
    let files = find_inputs(paths)?;
    if files.is_empty() {
        return Err(nothing_found(paths));
    }
    Ok(files)
}

/// The error of a run that found no export to read.
pub fn nothing_found(paths: &Paths) -> Error {
    let names: Vec<String> = paths.given.iter().map(|p| display_name(p)).collect();
    Error::plain(format!(
        "no export file ({EXPORT_EXTENSIONS}) found in {}: nothing was read",
        names.join(", ")
    ))
}

/// Whether a command reads each file's whole tree (the review formats read whole
/// settings): then it is built while loading, once. Otherwise a JSON export is located in
/// parts, keeping what the plan the run makes reads of the values found (see
/// [`Keep`](crate::locate::Keep)), and its tree is built only if a step asks for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trees {
    Whole,
    AsNeeded(crate::locate::Keep),
}

/// Loads and locates every input; reports the problems of all files at once. A file a
/// walk found that does not look like an export at all gets a hint at `--exclude`: one
/// that is not text and names none of the export's keys, or that the profile would read
/// as an export (it requires `schema_version`) and that has none of the export's keys,
/// whether it parses (a `docker-compose.yml`) or not. It stays an error: skipping it silently could hide a
/// broken export. An export with an error in it gets no such hint, which would only push
/// towards leaving out a file that needs fixing.
pub fn load(paths: &Paths, profiles: &Profiles, trees: Trees) -> Result<Vec<Input>, Error> {
    load_noting(paths, profiles, trees, None)
}

/// As [`load`]; a JSON export located in parts also notes its strings of at least
/// `note_from` bytes and those holding an `@` (see [`Noted`](crate::load::json::Noted)):
/// `check` reads those for mentions of removed accounts.
pub fn load_noting(
    paths: &Paths,
    profiles: &Profiles,
    trees: Trees,
    note_from: Option<usize>,
) -> Result<Vec<Input>, Error> {
    let files = find(paths)?;
    let loaded = collect(parallel::map(&files, |path| {
        let started = Instant::now();
        let (source, profile) = read_source(path, paths, profiles)?;
        // A JSON export is located in parts when the profile allows it; otherwise, and
        // on any error (which the whole parse words), from its whole tree.
        let source = match (Format::of(path, &source.text), trees) {
            (Format::Json, Trees::AsNeeded(keep)) => {
                match in_parts(source, profiles.get(profile), keep, note_from) {
                    Ok((file, located)) => {
                        refuse_mapping_file(&file, path, paths, profiles.get(profile))?;
                        if skipped_as_own(&file, profiles.get(profile)) {
                            return Ok(None);
                        }
                        return Ok(Some((
                            Input {
                                file,
                                located,
                                profile,
                            },
                            started.elapsed(),
                        )));
                    }
                    Err(source) => *source,
                }
            }
            _ => source,
        };
        let file = parse(source, path, paths, profiles.get(profile))?;
        if skipped_as_own(&file, profiles.get(profile)) {
            return Ok(None);
        }
        let located = locate(&file, profiles.get(profile))
            .map_err(|e| hint_if_no_export(e, path, paths, &file, profiles.get(profile)))?;
        Ok(Some((
            Input {
                file,
                located,
                profile,
            },
            started.elapsed(),
        )))
    }))?;
    let loaded: Vec<(Input, std::time::Duration)> = loaded.into_iter().flatten().collect();
    if loaded.is_empty() {
        return Err(nothing_found(paths));
    }
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

/// Reads and parses one input found in `paths`, with the index of the profile it is to be
/// read with; a file that does not look like an export gets the hint (see [`load`]).
pub fn read(path: &Path, paths: &Paths, profiles: &Profiles) -> Result<(File, usize), Error> {
    let (source, profile) = read_source(path, paths, profiles)?;
    Ok((parse(source, path, paths, profiles.get(profile))?, profile))
}

/// Reads one input's text (not empty), with the index of the profile it is to be read
/// with.
fn read_source(path: &Path, paths: &Paths, profiles: &Profiles) -> Result<(Source, usize), Error> {
    // A file that is not text gets the hint unless it names the export's keys (an export
    // saved in Latin-1, say).
    let source = Source::read_text(path).map_err(|failure| match failure.not_text {
        Some(text) if !Export::mentioned_in(&text) => exclude_hint(failure.error, path, paths),
        _ => failure.error,
    })?;
    let profile = profiles.index_for(Format::of(path, &source.text));
    // An empty file is a failed export, not a stranger: no hint to leave it out.
    File::check_not_blank(&source)?;
    Ok((source, profile))
}

/// Parses an input's text (see [`read`]).
fn parse(source: Source, path: &Path, paths: &Paths, profile: &Profile) -> Result<File, Error> {
    // Looked for before parsing, as the text is gone with a parse error; cheap, as an
    // export names `schema_version` first.
    let foreign = profile.export_schema_version.is_some() && !Export::mentioned_in(&source.text);
    let file = File::parse(source).map_err(|e| match foreign {
        true => exclude_hint(e, path, paths),
        false => e,
    })?;
    file.check_input()?;
    refuse_mapping_file(&file, path, paths, profile)?;
    Ok(file)
}

/// Refuses a mapping file that a walk took for an export, naming it as one (read as an
/// export, it would declare nothing and change nothing).
fn refuse_mapping_file(
    file: &File,
    path: &Path,
    paths: &Paths,
    profile: &Profile,
) -> Result<(), Error> {
    if profile.export_schema_version.is_some()
        && let Some(at) = mapping_file_at(file)
    {
        let leave_out = exclude_flag(path, paths).map_or(String::new(), |flag| {
            format!(", or leave it out with {flag}")
        });
        return Err(Error::from(Diagnostic::at(
            &file.source,
            at,
            format!(
                "this is a mapping file (`accounts` and `addresses` map old to new), not an \
                 export: give it with --mapping{leave_out}"
            ),
        )));
    }
    Ok(())
}

/// Whether `file` is a saved plan or a baseline that cutover wrote, kept among the exports
/// (a search found it): it is left out, with a note under `-v`.
pub fn skipped_as_own(file: &File, profile: &Profile) -> bool {
    let Some(output) = profile.export_schema_version.and_then(|_| own_output(file)) else {
        return false;
    };
    verbosity::detail(
        "skipped",
        &format!(
            "{}: {} that cutover wrote, not an export",
            file.source.name,
            output.noun()
        ),
    );
    true
}

/// What a file is when it is a saved plan or a baseline: recognised by its own top-level
/// keys and none of an export's beside `schema_version`, so that an export is never taken
/// for one (an export allows unknown keys).
pub fn own_output(file: &File) -> Option<Output> {
    let no_export_keys = file.top_levels().iter().all(|doc| {
        doc.entries().is_some_and(|entries| {
            entries
                .iter()
                .all(|e| e.key == "schema_version" || !Export::KEYS.contains(&e.key.as_str()))
        })
    });
    [Output::Plan, Output::Baseline]
        .into_iter()
        .find(|output| no_export_keys && output.holds(file))
}

/// Where a mapping file that a walk took for an export says so: a document whose
/// `accounts` or `addresses` is a mapping of strings to strings, beside nothing but
/// `schema_version`. (In an export, `accounts` is a list of declarations.)
pub(crate) fn mapping_file_at(file: &File) -> Option<Span> {
    file.top_levels().iter().find_map(|doc| {
        let entries = doc.entries()?;
        let pairs = |node: &crate::node::Node| {
            node.entries().is_some_and(|pairs| {
                !pairs.is_empty() && pairs.iter().all(|p| p.value.str().is_some())
            })
        };
        let mut found = None;
        for e in entries {
            match e.key.as_str() {
                "schema_version" => {}
                "accounts" | "addresses" if pairs(&e.value) => found = found.or(Some(e.key_span)),
                _ => return None,
            }
        }
        found
    })
}

/// A parsed file's error, with the hint when the file is no export at all: the profile
/// requires `schema_version`, some document lacks it, and no document has any of the
/// export's keys (a `docker-compose.yml`). A Sieve script is a mail server's filters,
/// which move too: leaving it out is never the advice.
pub fn hint_if_no_export(
    error: Error,
    path: &Path,
    paths: &Paths,
    file: &File,
    profile: &Profile,
) -> Error {
    if file.format != crate::load::Format::Sieve
        && lacks_schema_version(file, profile)
        && !has_export_keys(file)
    {
        exclude_hint(error, path, paths)
    } else {
        error
    }
}

/// Adds to the last diagnostic how to leave the file out, when a search found it.
fn exclude_hint(mut error: Error, path: &Path, paths: &Paths) -> Error {
    if let (Some(flag), Some(last)) = (exclude_flag(path, paths), error.diagnostics.last_mut()) {
        last.message.push_str(&format!(
            "; not an export? leave it out with {flag} (or `exclude` in cutover.toml)"
        ));
    }
    error
}

/// `--exclude PATTERN` that leaves out a file a search found; `None` for a file given
/// by name.
fn exclude_flag(path: &Path, paths: &Paths) -> Option<String> {
    let searched = match paths.found_in.is_empty() {
        true => &paths.given,
        false => &paths.found_in,
    };
    walked_from(path, searched).map(|(_, relative)| format!("--exclude {}", suggestion(relative)))
}

/// Whether some document of a parsed file has one of the export's top-level keys.
pub(crate) fn has_export_keys(file: &File) -> bool {
    file.docs().iter().any(|doc| {
        doc.entries().is_some_and(|entries| {
            entries
                .iter()
                .any(|e| Export::KEYS.contains(&e.key.as_str()))
        })
    })
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
