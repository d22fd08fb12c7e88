//! The high-level arguments: what each command takes, resolved once from the command line
//! (`cli`, the low-level arguments) and `cutover.toml` (`settings`), validated, with every
//! default applied. The commands never look at clap's structs or the config file.

use std::path::PathBuf;

use crate::cli::{
    ChecklistFormat, Cli, ColorChoice, Command, DiffFormat, MapArgs, ProfilesArgs, SchemaArgs,
    Selection as SelectionArgs,
};
use crate::diagnostic::{Diagnostic, Error};
use crate::exclude::Exclude;
use crate::inputs::Paths;
use crate::plan::Mode;
use crate::settings::{ConfigChoice, Flags, Settings};
use crate::verbosity::{self, Verbosity};

pub struct HiArgs {
    pub color: ColorChoice,
    pub command: Run,
}

pub enum Run {
    Diff(Diff),
    Apply(Apply),
    Check(Check),
    Validate(Validate),
    Schema(SchemaArgs),
    Map(Map),
    Checklist(Checklist),
    Profiles(ProfilesArgs),
    Config(Box<Settings>),
    Completions(clap_complete::Shell),
    Man,
}

/// What `diff` and `apply` read and how they change it.
#[derive(Clone, Debug)]
pub struct Selection {
    pub mapping: PathBuf,
    /// A built-in profile name or a profile file, for every input; `None`: the built-in
    /// profile of each file's kind.
    pub profile: Option<String>,
    pub mode: Mode,
    pub paths: Paths,
}

pub struct Diff {
    pub selection: Selection,
    pub format: DiffFormat,
    pub exit_code: bool,
    pub save_plan: Option<PathBuf>,
    /// `--relative[=DIR]`.
    pub relative: Option<PathBuf>,
}

pub enum ApplyFrom {
    /// `--plan FILE`.
    Plan(PathBuf),
    Selection(Box<Selection>),
}

pub struct Apply {
    pub from: ApplyFrom,
    pub backup: bool,
    pub follow_symlinks: bool,
    pub break_hardlinks: bool,
}

pub struct Check {
    pub mapping: Option<PathBuf>,
    /// As in [`Selection::profile`].
    pub profile: Option<String>,
    pub mode: Mode,
    pub removed: Vec<String>,
    pub removed_host: Vec<String>,
    pub baseline: Option<PathBuf>,
    pub write_baseline: Option<PathBuf>,
    pub format: crate::cli::CheckFormat,
    pub strict: bool,
    pub paths: Paths,
}

pub struct Map {
    pub args: MapArgs,
    pub paths: Paths,
}

pub struct Validate {
    /// As in [`Selection::profile`].
    pub profile: Option<String>,
    pub paths: Paths,
}

pub struct Checklist {
    pub mapping: PathBuf,
    /// As in [`Selection::profile`].
    pub profile: Option<String>,
    pub removed_host: Vec<String>,
    pub format: ChecklistFormat,
    pub paths: Paths,
}

impl HiArgs {
    /// Resolves the command line. Sets the process-wide size limit and verbosity first:
    /// reading the config file already obeys them.
    pub fn from_low(cli: Cli) -> Result<HiArgs, Error> {
        crate::source::set_max_file_size(cli.max_file_size);
        verbosity::set(match (cli.quiet, cli.verbose) {
            (true, _) => Verbosity::Quiet,
            (_, true) => Verbosity::Verbose,
            _ => Verbosity::Normal,
        });
        let choice = match (&cli.config, cli.no_config) {
            (Some(path), _) => ConfigChoice::File(path.clone()),
            (None, true) => ConfigChoice::None,
            (None, false) => ConfigChoice::Discover,
        };
        // A file named with --config is read whatever the command (`apply --plan` reads
        // no settings), so that one that is missing or broken is an error, never ignored.
        if let ConfigChoice::File(_) = &choice {
            choice.load()?;
        }
        let command = match cli.command {
            Command::Diff(args) => {
                let settings = Settings::resolve(&choice, selection_flags(&args.selection))?;
                let mut selection = selection(&settings)?;
                selection.paths = selection.paths.own("plan", args.save_plan.as_deref());
                Run::Diff(Diff {
                    selection,
                    format: args.format,
                    exit_code: args.exit_code,
                    save_plan: args.save_plan,
                    relative: args.relative,
                })
            }
            Command::Apply(args) => {
                let from = match args.plan {
                    // A plan carries its own mapping, profile, mode and files.
                    Some(plan) => ApplyFrom::Plan(plan),
                    None => {
                        let flags = Flags {
                            mapping: args.mapping,
                            profile: args.profile,
                            mode: args.mode,
                            paths: args.paths,
                            exclude: args.walk.exclude,
                            ..Flags::default()
                        };
                        ApplyFrom::Selection(Box::new(selection(&Settings::resolve(
                            &choice, flags,
                        )?)?))
                    }
                };
                Run::Apply(Apply {
                    from,
                    backup: args.backup,
                    follow_symlinks: args.follow_symlinks,
                    break_hardlinks: args.break_hardlinks,
                })
            }
            Command::Check(args) => {
                let flags = Flags {
                    mapping: args.mapping,
                    profile: args.profile,
                    mode: args.mode,
                    paths: args.paths,
                    exclude: args.walk.exclude,
                    removed: args.removed,
                    removed_host: args.removed_host,
                    // Writing a baseline starts a new one: the configured one is not read.
                    baseline: args.baseline,
                    strict: match (args.strict, args.no_strict) {
                        (true, _) => Some(true),
                        (_, true) => Some(false),
                        _ => None,
                    },
                    format: args.format,
                };
                let settings = Settings::resolve(&choice, flags)?;
                let mapping = settings.mapping.as_ref().map(|m| m.value.clone());
                if settings.mode.value == Mode::Add && mapping.is_none() {
                    return Err(Error::plain(
                        "check --mode add needs a mapping (its new accounts are what each old \
                         reference must be covered by): pass --mapping FILE, or set `mapping` \
                         in cutover.toml",
                    ));
                }
                Run::Check(Check {
                    mapping,
                    profile: settings.profile_spec(),
                    mode: settings.mode.value,
                    removed: values(&settings.removed),
                    removed_host: values(&settings.removed_host),
                    baseline: if args.write_baseline.is_some() {
                        None
                    } else {
                        settings.baseline_to_read()?
                    },
                    write_baseline: args.write_baseline.clone(),
                    format: settings.format.value,
                    strict: settings.strict.value,
                    paths: paths(&settings)?.own("baseline", args.write_baseline.as_deref()),
                })
            }
            Command::Validate(args) => {
                let flags = Flags {
                    profile: args.profile,
                    paths: args.paths,
                    exclude: args.walk.exclude,
                    ..Flags::default()
                };
                let settings = Settings::resolve(&choice, flags)?;
                Run::Validate(Validate {
                    profile: settings.profile_spec(),
                    paths: paths(&settings)?,
                })
            }
            Command::Checklist(args) => {
                let flags = Flags {
                    mapping: args.mapping,
                    profile: args.profile,
                    paths: args.paths,
                    exclude: args.walk.exclude,
                    ..Flags::default()
                };
                let settings = Settings::resolve(&choice, flags)?;
                Run::Checklist(Checklist {
                    mapping: settings.required_mapping()?,
                    profile: settings.profile_spec(),
                    removed_host: args.removed_host,
                    format: args.format,
                    paths: paths(&settings)?,
                })
            }
            Command::Map(mut args) => {
                // Only the host form reads exports; the file form names its two files.
                let by_host = args.old.is_none() && args.new.is_none();
                let flags = Flags {
                    paths: if by_host {
                        std::mem::take(&mut args.paths)
                    } else {
                        Vec::new()
                    },
                    exclude: std::mem::take(&mut args.walk.exclude),
                    ..Flags::default()
                };
                let settings = Settings::resolve(&choice, flags)?;
                let given = if by_host {
                    settings.paths.iter().map(|p| p.value.clone()).collect()
                } else {
                    Vec::new()
                };
                Run::Map(Map {
                    paths: Paths {
                        given,
                        exclude: Exclude::new(&settings.exclude_patterns())?,
                        ..Paths::default()
                    }
                    .own("mapping file it writes", args.output.as_deref())
                    .with_own_files(&settings),
                    args,
                })
            }
            Command::Config(args) => {
                let settings = Settings::resolve(&choice, selection_flags(&args.selection))?;
                // What a command would refuse to use, `config` refuses to show as used.
                crate::profile::Profiles::resolve(settings.profile_spec().as_deref())?;
                let missing: Vec<Diagnostic> = settings
                    .mapping
                    .iter()
                    .chain(&settings.paths)
                    .filter_map(|path| {
                        let e = std::fs::symlink_metadata(&path.value).err()?;
                        Some(Diagnostic::file(
                            &crate::source::display_name(&path.value),
                            crate::source::io_reason(&e),
                        ))
                    })
                    .collect();
                if !missing.is_empty() {
                    return Err(Error::many(missing));
                }
                Run::Config(Box::new(settings))
            }
            Command::Schema(args) => Run::Schema(args),
            Command::Profiles(args) => Run::Profiles(args),
            Command::Completions(args) => Run::Completions(args.shell),
            Command::Man => Run::Man,
        };
        Ok(HiArgs {
            color: cli.color,
            command,
        })
    }
}

fn selection_flags(args: &SelectionArgs) -> Flags {
    Flags {
        mapping: args.mapping.clone(),
        profile: args.profile.clone(),
        mode: args.mode,
        paths: args.paths.clone(),
        exclude: args.walk.exclude.clone(),
        ..Flags::default()
    }
}

fn selection(settings: &Settings) -> Result<Selection, Error> {
    Ok(Selection {
        mapping: settings.required_mapping()?,
        profile: settings.profile_spec(),
        mode: settings.mode.value,
        paths: paths(settings)?,
    })
}

fn paths(settings: &Settings) -> Result<Paths, Error> {
    Ok(Paths {
        given: settings.required_paths()?,
        exclude: Exclude::new(&settings.exclude_patterns())?,
        ..Paths::default()
    }
    .with_own_files(settings))
}

impl Paths {
    /// Adds the files the settings name in another role than export: the mapping, a
    /// profile file, the baseline and the config file itself (see [`crate::inputs::OwnFile`]).
    fn with_own_files(self, settings: &Settings) -> Paths {
        let profile_file = settings
            .profile_spec()
            .filter(|spec| !crate::profile::is_builtin(spec))
            .map(PathBuf::from);
        self.own(
            "mapping",
            settings.mapping.as_ref().map(|m| m.value.as_path()),
        )
        .own("profile", profile_file.as_deref())
        .own(
            "baseline",
            settings.baseline.as_ref().map(|b| b.value.as_path()),
        )
        .own(
            "config file",
            settings.config.as_ref().map(|c| c.source.path.as_path()),
        )
    }
}

fn values(settings: &[crate::settings::Setting<String>]) -> Vec<String> {
    settings.iter().map(|s| s.value.clone()).collect()
}
