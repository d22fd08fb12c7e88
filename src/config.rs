//! `cutover.toml`: the settings a team would otherwise repeat on every command line.
//!
//! Found the way ruff, taplo, just and cargo find theirs: by walking up from the working
//! directory to the first directory holding a `cutover.toml` (or named with `--config
//! FILE`; `--no-config` ignores it). Paths in it are relative to the file, so a command
//! works the same from any subdirectory. It only supplies values: the command line wins
//! (see `settings`), and nothing here is read until a command needs its settings, so a
//! broken file never stops `cutover completions` or `cutover schema`.
//!
//! The file is decoded by serde into [`ConfigFile`], the same type `cutover schema` turns
//! into `schemas/config.schema.json` (editors complete and check the file from it). Every
//! value keeps its byte span, so a problem is reported at the file's line and column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use crate::cli::CheckFormat;
use crate::diagnostic::{Diagnostic, Error};
use crate::node::Span;
use crate::patch_root::relative_to;
use crate::plan::Mode;
use crate::source::{Source, display_name};

/// The file name searched for.
pub const FILE_NAME: &str = "cutover.toml";

/// The `cutover.toml` format.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "cutover configuration (cutover.toml)")]
pub struct ConfigFile {
    /// Mapping file of old to new accounts (`--mapping`), relative to this file.
    #[schemars(with = "Option<String>")]
    pub mapping: Option<Spanned<String>>,
    /// Where references are, for every input (`--profile`): a built-in profile name
    /// (`missive`, `gmail`, `graph`) or a profile file relative to this file.
    #[schemars(with = "Option<String>")]
    pub profile: Option<Spanned<String>>,
    /// A profile per glob (`"*.sieve" = "sieve"`): each input takes the profile of the
    /// glob that matches it, others `profile`. Takes effect with per-file profiles (Sieve
    /// support); until then a run reads every file with one profile, and this table is
    /// refused.
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub profiles: Option<Spanned<BTreeMap<String, Spanned<String>>>>,
    /// Export files or directories (the PATH arguments), relative to this file; used when
    /// the command line names none.
    #[schemars(with = "Option<Vec<String>>")]
    pub paths: Option<Spanned<Vec<Spanned<String>>>>,
    /// Globs (gitignore syntax) of entries to leave out of walked directories, matched
    /// relative to each PATH; `--exclude` adds to them.
    #[schemars(with = "Option<Vec<String>>")]
    pub exclude: Option<Vec<Spanned<String>>>,
    /// `replace` (the cutover) or `add` (the transition), for `diff`, `apply` and `check`.
    #[serde(default)]
    #[schemars(schema_with = "mode_schema", extend("default" = "replace"))]
    pub mode: Option<Spanned<String>>,
    /// Settings of `cutover check`.
    pub check: Option<CheckTable>,
}

/// The `[check]` table.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CheckTable {
    /// Account IDs (or addresses) that are removed (`--removed`; the flag adds to them).
    #[schemars(with = "Option<Vec<String>>")]
    pub removed: Option<Vec<Spanned<String>>>,
    /// Hosts whose declared accounts are removed, mapped or not (`--removed-host`; the
    /// flag adds to them).
    #[schemars(with = "Option<Vec<String>>")]
    pub removed_host: Option<Vec<Spanned<String>>>,
    /// Baseline file (`--baseline`), relative to this file.
    #[schemars(with = "Option<String>")]
    pub baseline: Option<Spanned<String>>,
    /// Fail on warnings too (`--strict`; `--no-strict` overrides it).
    #[schemars(with = "Option<bool>")]
    pub strict: Option<Spanned<bool>>,
    /// Output format (`--format`): `human`, `json`, `github` or `sarif`.
    #[serde(default)]
    #[schemars(schema_with = "check_format_schema", extend("default" = "human"))]
    pub format: Option<Spanned<String>>,
}

/// The values of a clap enum, as a schema: the file takes exactly what the flag takes.
fn enum_schema<T: ValueEnum>() -> schemars::Schema {
    let names: Vec<String> = T::value_variants()
        .iter()
        .filter_map(|v| v.to_possible_value())
        .map(|v| v.get_name().to_owned())
        .collect();
    schemars::json_schema!({ "type": "string", "enum": names })
}

fn mode_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    enum_schema::<Mode>()
}

fn check_format_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    enum_schema::<CheckFormat>()
}

/// How the file was chosen, for `cutover config`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    /// Walking up from the working directory.
    WalkingUp,
    /// `--config FILE`.
    Given,
}

/// A `cutover.toml` as read.
#[derive(Debug)]
pub struct Config {
    pub source: Source,
    /// The file's directory, physical: relative paths in the file start here.
    pub dir: PathBuf,
    pub file: ConfigFile,
    pub found: Found,
    /// The working directory, physical: paths are handed on relative to it when they can
    /// be, so messages name them as a person there would.
    cwd: PathBuf,
}

impl Config {
    /// The `cutover.toml` in the working directory or the nearest directory above it.
    pub fn discover() -> Result<Option<Config>, Error> {
        let cwd = crate::patch_root::working_directory()?;
        for dir in cwd.ancestors() {
            let candidate = dir.join(FILE_NAME);
            if std::fs::symlink_metadata(&candidate).is_ok() {
                let shown = relative_to(&candidate, &cwd);
                return Config::read_at(&shown, Found::WalkingUp, cwd).map(Some);
            }
        }
        Ok(None)
    }

    /// The file `--config` names.
    pub fn read(path: &Path) -> Result<Config, Error> {
        let cwd = crate::patch_root::working_directory()?;
        Config::read_at(path, Found::Given, cwd)
    }

    fn read_at(path: &Path, found: Found, cwd: PathBuf) -> Result<Config, Error> {
        let source = Source::read(path)?;
        let dir = crate::patch_root::physical(path)?
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("/"));
        let text = source.text.trim_start_matches('\u{feff}');
        let bom = source.text.len() - text.len();
        let file: ConfigFile = toml::from_str(text).map_err(|e| {
            let span = e
                .span()
                .map_or(Span::new(0, 0), |r| Span::new(r.start + bom, r.end + bom));
            Diagnostic::at(&source, span, toml_message(&e))
        })?;
        Ok(Config {
            source,
            dir,
            file,
            found,
            cwd,
        })
    }

    /// `[profiles]` (a profile per glob) is not supported: refused at its line rather than
    /// ignored, since ignoring it would read files with a profile the user did not mean.
    pub fn check_profiles(&self) -> Result<(), Diagnostic> {
        match &self.file.profiles {
            Some(profiles) => Err(self.error(
                profiles,
                "`[profiles]` (a profile per glob) is not supported yet: without `profile`, \
                 each file is read with the built-in profile of its kind (`sieve` for Sieve \
                 scripts, `missive` for JSON and YAML); with `profile = \"NAME\"` or \
                 `profile = \"FILE\"`, every file is read with that one",
            )),
            None => Ok(()),
        }
    }

    /// A value of a clap enum (`mode`, `format`), checked against the names the flag takes.
    pub fn choice<T: ValueEnum>(
        &self,
        value: &Spanned<String>,
        key: &str,
    ) -> Result<T, Diagnostic> {
        T::from_str(value.get_ref(), false).map_err(|_| {
            let names: Vec<String> = T::value_variants()
                .iter()
                .filter_map(|v| v.to_possible_value())
                .map(|v| format!("`{}`", v.get_name()))
                .collect();
            let close = crate::suggest::closest(
                value.get_ref(),
                T::value_variants()
                    .iter()
                    .filter_map(|v| v.to_possible_value())
                    .map(|v| v.get_name().to_owned())
                    .collect::<Vec<_>>()
                    .iter()
                    .map(String::as_str),
            )
            .map_or(String::new(), |c| format!("; did you mean `{c}`?"));
            self.error(
                value,
                format!(
                    "`{key}` is {:?}, which is none of {}{close}",
                    value.get_ref(),
                    names.join(", ")
                ),
            )
        })
    }

    /// A problem at a value of the file.
    pub fn error<T>(&self, value: &Spanned<T>, message: impl Into<String>) -> Diagnostic {
        let bom = self.bom();
        let span = value.span();
        Diagnostic::at(
            &self.source,
            Span::new(span.start + bom, span.end + bom),
            message,
        )
    }

    /// The line a value stands on, for `cutover config`.
    pub fn line<T>(&self, value: &Spanned<T>) -> usize {
        self.source.location(value.span().start + self.bom()).line
    }

    fn bom(&self) -> usize {
        if self.source.text.starts_with('\u{feff}') {
            3
        } else {
            0
        }
    }

    /// A path written in the file (relative to it), as the run uses it: relative to the
    /// working directory when the two are related, else absolute. The path must exist;
    /// otherwise the error points at the line that names it.
    pub fn path(&self, value: &Spanned<String>, key: &str) -> Result<PathBuf, Diagnostic> {
        let path = self.path_maybe_missing(value, key)?;
        self.exists(value, key, &path)?;
        Ok(path)
    }

    /// [`Config::path`] for a file a command may be the one to write first (the
    /// baseline: `check --write-baseline` writes it, and `diff` never reads it), so that
    /// the commands that do not read it need not find it.
    pub fn path_maybe_missing(
        &self,
        value: &Spanned<String>,
        key: &str,
    ) -> Result<PathBuf, Diagnostic> {
        if value.get_ref().is_empty() {
            return Err(self.error(value, format!("`{key}` is empty")));
        }
        Ok(relative_to(
            &self.dir.join(Path::new(value.get_ref())),
            &self.cwd,
        ))
    }

    /// Whether the file a value of this file names (as [`Config::path`] resolved it)
    /// exists; if not, the error points at the line that names it.
    pub fn exists(
        &self,
        value: &Spanned<String>,
        key: &str,
        path: &Path,
    ) -> Result<(), Diagnostic> {
        match std::fs::symlink_metadata(path) {
            Ok(_) => Ok(()),
            Err(e) => Err(self.error(
                value,
                format!(
                    "`{key}`: {}: {} (paths in {} are relative to the file)",
                    display_name(path),
                    crate::source::io_reason(&e),
                    FILE_NAME
                ),
            )),
        }
    }

    /// `profile`: a built-in name stays a name; anything else is a file relative to this
    /// file.
    pub fn profile(&self, value: &Spanned<String>) -> Result<String, Diagnostic> {
        let spec = value.get_ref();
        if crate::profile::is_builtin(spec) {
            return Ok(spec.clone());
        }
        let path = self.path(value, "profile").map_err(|_| {
            let names: Vec<&str> = crate::profile::BUILTIN.iter().map(|(n, _)| *n).collect();
            self.error(
                value,
                format!(
                    "`profile`: no built-in profile is named {spec:?} and there is no such file next to {} (built-in profiles: {})",
                    FILE_NAME,
                    names.join(", ")
                ),
            )
        })?;
        Ok(path.to_string_lossy().into_owned())
    }

    /// The file as a person in the working directory names it.
    pub fn shown(&self) -> String {
        self.source.name.clone()
    }
}

/// toml's message, with the known key a misspelt one is a small edit away from.
fn toml_message(e: &toml::de::Error) -> String {
    let message = crate::decode::plain(e.message().trim());
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return format!("invalid {FILE_NAME}: {message}");
    };
    let Some((unknown, _)) = rest.split_once('`') else {
        return format!("invalid {FILE_NAME}: {message}");
    };
    let known = [
        "mapping",
        "profile",
        "profiles",
        "paths",
        "exclude",
        "mode",
        "check",
        "removed",
        "removed-host",
        "baseline",
        "strict",
        "format",
    ];
    match crate::suggest::closest(unknown, known) {
        Some(close) => format!("invalid {FILE_NAME}: {message}; did you mean `{close}`?"),
        None => format!("invalid {FILE_NAME}: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_lists_the_values_the_flags_take() {
        let schema = serde_json::to_string(&schemars::schema_for!(ConfigFile)).unwrap();
        for value in [
            "\"replace\"",
            "\"add\"",
            "\"github\"",
            "\"sarif\"",
            "\"removed-host\"",
        ] {
            assert!(schema.contains(value), "{value} missing from {schema}");
        }
    }

    #[test]
    fn a_value_of_the_wrong_type_is_said_in_plain_words() {
        let e = toml::from_str::<ConfigFile>("paths = \"export\"\n").unwrap_err();
        assert_eq!(
            toml_message(&e),
            "invalid cutover.toml: the text \"export\" where a list belongs"
        );
    }
}
