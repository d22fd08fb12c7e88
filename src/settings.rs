//! The settings `cutover.toml` can hold, resolved with the command line: each value with
//! where it came from (a flag, a line of the file, or the default).
//!
//! One merge for every command, so they cannot disagree about precedence:
//! - a single value (`mapping`, `profile`, `mode`, `baseline`, `strict`, `format`): the
//!   flag when given, else the file's, else the default;
//! - `paths`: the PATH arguments when any are given, else the file's;
//! - lists that add up (`exclude`, `removed`, `removed-host`): the file's, then the flags'
//!   — a flag never silently drops a removed account or an exclude the team wrote down
//!   (an exclude takes a file back with `!GLOB`).
//!
//! `cutover config` prints the result ([`Settings::render`]), as TOML a person can copy.

use std::path::PathBuf;

use toml::Spanned;

use crate::cli::CheckFormat;
use crate::config::{Config, Found};
use crate::diagnostic::{Diagnostic, Error};
use crate::plan::Mode;
use crate::source::display_name;

/// Where a value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The command line: the flag's name (`--mapping`, `PATH`).
    Flag(&'static str),
    /// The config file, at this line.
    File(usize),
    Default,
}

#[derive(Clone, Debug)]
pub struct Setting<T> {
    pub value: T,
    pub origin: Origin,
}

/// How to find the config file: `--config FILE`, `--no-config`, or by walking up.
#[derive(Clone, Debug)]
pub enum ConfigChoice {
    Discover,
    File(PathBuf),
    None,
}

impl ConfigChoice {
    pub fn load(&self) -> Result<Option<Config>, Error> {
        match self {
            ConfigChoice::Discover => Config::discover(),
            ConfigChoice::File(path) => Config::read(path).map(Some),
            ConfigChoice::None => Ok(None),
        }
    }
}

/// What the command line said about the settings (absent or empty: not given).
#[derive(Clone, Debug, Default)]
pub struct Flags {
    pub mapping: Option<PathBuf>,
    pub profile: Option<String>,
    pub mode: Option<Mode>,
    pub paths: Vec<PathBuf>,
    pub exclude: Vec<String>,
    pub removed: Vec<String>,
    pub removed_host: Vec<String>,
    pub baseline: Option<PathBuf>,
    pub strict: Option<bool>,
    pub format: Option<CheckFormat>,
}

#[derive(Debug)]
pub struct Settings {
    pub config: Option<Config>,
    pub mapping: Option<Setting<PathBuf>>,
    /// `None`: the default profile (see [`Settings::profile_spec`]).
    pub profile: Option<Setting<String>>,
    pub paths: Vec<Setting<PathBuf>>,
    pub exclude: Vec<Setting<String>>,
    pub mode: Setting<Mode>,
    pub removed: Vec<Setting<String>>,
    pub removed_host: Vec<Setting<String>>,
    pub baseline: Option<Setting<PathBuf>>,
    pub strict: Setting<bool>,
    pub format: Setting<CheckFormat>,
}

impl Settings {
    /// Merges the flags with the config file (every problem of the file reported at once).
    pub fn resolve(choice: &ConfigChoice, flags: Flags) -> Result<Settings, Error> {
        let config = choice.load()?;
        let mut errors: Vec<Diagnostic> = Vec::new();
        let file = config.as_ref().map(|c| &c.file);
        let check = file.and_then(|f| f.check.as_ref());
        let from_file = |value: &Spanned<String>| Origin::File(line(&config, value));
        if let Some(config) = &config {
            keep(&mut errors, config.check_profiles());
        }

        let mapping = match (flags.mapping, file.and_then(|f| f.mapping.as_ref())) {
            (Some(path), _) => Some(flag(path, "--mapping")),
            (None, Some(value)) => {
                keep(&mut errors, cfg(&config).path(value, "mapping")).map(|path| Setting {
                    value: path,
                    origin: from_file(value),
                })
            }
            (None, None) => None,
        };
        let profile = match (flags.profile, file.and_then(|f| f.profile.as_ref())) {
            (Some(spec), _) => Some(flag(spec, "--profile")),
            (None, Some(value)) => {
                keep(&mut errors, cfg(&config).profile(value)).map(|spec| Setting {
                    value: spec,
                    origin: from_file(value),
                })
            }
            (None, None) => None,
        };
        let paths = if !flags.paths.is_empty() {
            flags.paths.into_iter().map(|p| flag(p, "PATH")).collect()
        } else {
            file.and_then(|f| f.paths.as_ref())
                .map(|list| {
                    if list.get_ref().is_empty() {
                        errors.push(cfg(&config).error(list, "`paths` is empty: name the exports"));
                    }
                    list.get_ref()
                        .iter()
                        .filter_map(|value| {
                            keep(&mut errors, cfg(&config).path(value, "paths")).map(|path| {
                                Setting {
                                    value: path,
                                    origin: from_file(value),
                                }
                            })
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let added = |file_list: Option<&Vec<Spanned<String>>>,
                     flag_list: Vec<String>,
                     name: &'static str| {
            file_list
                .into_iter()
                .flatten()
                .map(|value| Setting {
                    value: value.get_ref().clone(),
                    origin: from_file(value),
                })
                .chain(flag_list.into_iter().map(|v| flag(v, name)))
                .collect::<Vec<_>>()
        };
        for value in file.and_then(|f| f.exclude.as_ref()).into_iter().flatten() {
            if let Some(problem) = crate::exclude::problem(value.get_ref()) {
                errors.push(cfg(&config).error(value, format!("`exclude`: {problem}")));
            }
        }
        for pattern in &flags.exclude {
            if let Some(problem) = crate::exclude::problem(pattern) {
                errors.push(Diagnostic::plain(format!("--exclude: {problem}")));
            }
        }
        let exclude = added(
            file.and_then(|f| f.exclude.as_ref()),
            flags.exclude,
            "--exclude",
        );
        let removed = added(
            check.and_then(|c| c.removed.as_ref()),
            flags.removed,
            "--removed",
        );
        let removed_host = added(
            check.and_then(|c| c.removed_host.as_ref()),
            flags.removed_host,
            "--removed-host",
        );
        let mode = match (flags.mode, file.and_then(|f| f.mode.as_ref())) {
            (Some(mode), _) => flag(mode, "--mode"),
            (None, Some(value)) => Setting {
                value: keep(&mut errors, cfg(&config).choice::<Mode>(value, "mode"))
                    .unwrap_or_default(),
                origin: from_file(value),
            },
            (None, None) => default(Mode::Replace),
        };
        let baseline = match (flags.baseline, check.and_then(|c| c.baseline.as_ref())) {
            (Some(path), _) => Some(flag(path, "--baseline")),
            (None, Some(value)) => keep(
                &mut errors,
                cfg(&config).path_maybe_missing(value, "baseline"),
            )
            .map(|path| Setting {
                value: path,
                origin: from_file(value),
            }),
            (None, None) => None,
        };
        let strict = match (flags.strict, check.and_then(|c| c.strict.as_ref())) {
            (Some(strict), _) => flag(strict, if strict { "--strict" } else { "--no-strict" }),
            (None, Some(value)) => Setting {
                value: *value.get_ref(),
                origin: Origin::File(line(&config, value)),
            },
            (None, None) => default(false),
        };
        let format = match (flags.format, check.and_then(|c| c.format.as_ref())) {
            (Some(format), _) => flag(format, "--format"),
            (None, Some(value)) => Setting {
                value: keep(
                    &mut errors,
                    cfg(&config).choice::<CheckFormat>(value, "format"),
                )
                .unwrap_or_default(),
                origin: from_file(value),
            },
            (None, None) => default(CheckFormat::Human),
        };
        if !errors.is_empty() {
            return Err(Error::many(errors));
        }
        Ok(Settings {
            config,
            mapping,
            profile,
            paths,
            exclude,
            mode,
            removed,
            removed_host,
            baseline,
            strict,
            format,
        })
    }

    /// The profile to read every input with, when one is given.
    /// `None`: each file gets the built-in profile of its kind.
    pub fn profile_spec(&self) -> Option<String> {
        self.profile.as_ref().map(|p| p.value.clone())
    }

    /// The baseline `check` reads: one named in the config file must exist (it is
    /// resolved without that test, for the commands that never read it and for
    /// `--write-baseline`, which writes it); the error says how to write it first.
    pub fn baseline_to_read(&self) -> Result<Option<PathBuf>, Error> {
        let Some(baseline) = &self.baseline else {
            return Ok(None);
        };
        if let (Origin::File(_), Some(config)) = (&baseline.origin, &self.config) {
            let value = config
                .file
                .check
                .as_ref()
                .and_then(|c| c.baseline.as_ref())
                .expect("a baseline from the file is in the file");
            config
                .exists(value, "baseline", &baseline.value)
                .map_err(|mut diagnostic| {
                    diagnostic.message.push_str(&format!(
                        "; write it first with `cutover check --write-baseline {}`",
                        crate::source::display_name(&baseline.value)
                    ));
                    Error::from(diagnostic)
                })?;
        }
        Ok(Some(baseline.value.clone()))
    }

    /// The mapping, which this command needs. Without one, a PATH that is a mapping file
    /// (`cutover diff mapping.yaml export`) is named: the flag was forgotten.
    pub fn required_mapping(&self) -> Result<PathBuf, Error> {
        if let Some(mapping) = &self.mapping {
            return Ok(mapping.value.clone());
        }
        let given_as_path = self.paths.iter().map(|p| &p.value).find(|path| {
            path.is_file()
                && crate::source::Source::read_text(path)
                    .ok()
                    .and_then(|source| crate::load::File::parse(source).ok())
                    .is_some_and(|file| crate::inputs::mapping_file_at(&file).is_some())
        });
        Err(Error::plain(match given_as_path {
            Some(path) => format!(
                "no mapping: {} is a mapping file, given as a PATH: give it with --mapping {0}",
                crate::source::display_name(path)
            ),
            None => format!(
                "no mapping: pass --mapping FILE, or set `mapping = \"FILE\"` in {}",
                self.config_named()
            ),
        }))
    }

    /// The PATHs, of which this command needs at least one.
    pub fn required_paths(&self) -> Result<Vec<PathBuf>, Error> {
        if self.paths.is_empty() {
            return Err(Error::plain(format!(
                "no PATH: name the export files or directories, or set `paths = [\"DIR\"]` in {}",
                self.config_named()
            )));
        }
        Ok(self.paths.iter().map(|p| p.value.clone()).collect())
    }

    pub fn exclude_patterns(&self) -> Vec<String> {
        self.exclude.iter().map(|e| e.value.clone()).collect()
    }

    fn config_named(&self) -> String {
        match &self.config {
            Some(config) => config.shown(),
            None => format!(
                "a {} (none was found in the working directory or above it)",
                crate::config::FILE_NAME
            ),
        }
    }

    /// The settings as TOML, each value with where it came from.
    pub fn render(&self) -> String {
        let origin = |o: &Origin| match o {
            Origin::Flag(name) => (*name).to_owned(),
            Origin::File(line) => format!(
                "{}:{line}",
                self.config.as_ref().map_or(String::new(), Config::shown)
            ),
            Origin::Default => "default".to_owned(),
        };
        let mut out = String::new();
        match &self.config {
            Some(config) => out.push_str(&format!(
                "# config file: {} ({})\n",
                config.shown(),
                match config.found {
                    Found::WalkingUp => "found walking up from the working directory",
                    Found::Given => "--config",
                }
            )),
            None => out.push_str("# config file: none\n"),
        }
        let line = |out: &mut String, text: String, from: &Origin| {
            out.push_str(&format!("{text:<40} # {}\n", origin(from)));
        };
        let list = |out: &mut String, key: &str, items: Vec<(String, &Origin)>| {
            if items.is_empty() {
                line(out, format!("{key} = []"), &Origin::Default);
                return;
            }
            out.push_str(&format!("{key} = [\n"));
            for (value, from) in items {
                line(out, format!("    {},", quoted(&value)), from);
            }
            out.push_str("]\n");
        };
        let path_text = |p: &PathBuf| display_name(p);
        match &self.mapping {
            Some(m) => line(
                &mut out,
                format!("mapping = {}", quoted(&path_text(&m.value))),
                &m.origin,
            ),
            None => out.push_str("# mapping = (not set)\n"),
        }
        match &self.profile {
            Some(p) => line(
                &mut out,
                format!("profile = {}", quoted(&p.value)),
                &p.origin,
            ),
            None => out.push_str(
                "# profile = (not set: each file gets the built-in profile of its kind, \
                 sieve for Sieve scripts, missive for JSON and YAML)\n",
            ),
        }
        if self.paths.is_empty() {
            out.push_str("# paths = (not set)\n");
        } else {
            list(
                &mut out,
                "paths",
                self.paths
                    .iter()
                    .map(|p| (path_text(&p.value), &p.origin))
                    .collect(),
            );
        }
        list(
            &mut out,
            "exclude",
            self.exclude
                .iter()
                .map(|e| (e.value.clone(), &e.origin))
                .collect(),
        );
        line(
            &mut out,
            format!("mode = {}", quoted(&value_name(self.mode.value))),
            &self.mode.origin,
        );
        out.push_str("\n[check]\n");
        fn strings(items: &[Setting<String>]) -> Vec<(String, &Origin)> {
            items.iter().map(|s| (s.value.clone(), &s.origin)).collect()
        }
        list(&mut out, "removed", strings(&self.removed));
        list(&mut out, "removed-host", strings(&self.removed_host));
        match &self.baseline {
            Some(b) => line(
                &mut out,
                format!("baseline = {}", quoted(&path_text(&b.value))),
                &b.origin,
            ),
            None => out.push_str("# baseline = (not set)\n"),
        }
        line(
            &mut out,
            format!("strict = {}", self.strict.value),
            &self.strict.origin,
        );
        line(
            &mut out,
            format!("format = {}", quoted(&value_name(self.format.value))),
            &self.format.origin,
        );
        out
    }
}

fn flag<T>(value: T, name: &'static str) -> Setting<T> {
    Setting {
        value,
        origin: Origin::Flag(name),
    }
}

fn default<T>(value: T) -> Setting<T> {
    Setting {
        value,
        origin: Origin::Default,
    }
}

/// The config, where a value of it is being read (so there is one).
fn cfg(config: &Option<Config>) -> &Config {
    config.as_ref().expect("a value from the file has a file")
}

fn line<T>(config: &Option<Config>, value: &Spanned<T>) -> usize {
    cfg(config).line(value)
}

/// The value, or `None` with its problem recorded.
fn keep<T>(errors: &mut Vec<Diagnostic>, result: Result<T, Diagnostic>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

/// A TOML string literal.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// The name a clap enum value is written with (`replace`, `github`).
fn value_name(value: impl clap::ValueEnum) -> String {
    value
        .to_possible_value()
        .map(|v| v.get_name().to_owned())
        .unwrap_or_default()
}
