//! The command line as clap parses it: the low-level arguments. They say only what was
//! typed; `hiargs` resolves them once, with `cutover.toml`, into what the commands take.
//! Every flag a config key can supply is therefore optional here (no clap defaults for
//! them, no `required`): a missing value is resolved, or refused, in one place.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "cutover",
    version,
    about = "Move shared-inbox settings from old email accounts to new ones, changing nothing else.",
    long_about = "Move shared-inbox settings from old email accounts to new ones, changing nothing else.\n\n\
        cutover reads exported rules, aliases and sharing settings (JSON or YAML) and Sieve mail \
        filter scripts, rewrites every reference to an old account ID or address through a \
        mapping file, and shows the change as a patch. Every byte outside the rewritten values \
        stays as it was.",
    after_help = "Exit codes: 0 success; 1 changes found (diff --exit-code), an error found (check; a warning too with --strict), an account left unpaired (map), or stale schemas (schema --check); 2 bad input or usage, or a file could not be written (then none was); 129, 130, 143 interrupted by SIGHUP, SIGINT, SIGTERM."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// When to colour output.
    #[arg(long, value_enum, global = true, default_value = "auto")]
    pub color: ColorChoice,

    /// Largest file read (inputs, mapping, profile, plan): bytes, or with K, M or G. A
    /// larger file is refused before it is read.
    #[arg(long, global = true, value_name = "SIZE", default_value = "1G", value_parser = crate::source::parse_size)]
    pub max_file_size: u64,

    /// Read settings from FILE instead of the cutover.toml found by walking up from the
    /// working directory.
    #[arg(long, global = true, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Read no cutover.toml.
    #[arg(long, global = true)]
    pub no_config: bool,

    /// Print errors and warnings only: no summary, no notes.
    #[arg(long, short = 'q', global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Also print how long each file and each step took (with the memory resident after it),
    /// and which files a directory walk skipped and why.
    #[arg(long, short = 'v', global = true)]
    pub verbose: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the patch that moves every reference to the new accounts (nothing is written).
    Diff(DiffArgs),
    /// Rewrite the files in place: all of them or, on any problem, none.
    Apply(ApplyArgs),
    /// Fail when a setting still references a removed or undeclared account (for CI).
    Check(CheckArgs),
    /// Check exports against the export format and report every problem.
    Validate(ValidateArgs),
    /// Write the JSON Schemas of the file formats, or check that they are up to date.
    Schema(SchemaArgs),
    /// Write the mapping file by pairing old and new accounts by address.
    Map(MapArgs),
    /// Print the provider-move procedure for these exports, step by step.
    Checklist(ChecklistArgs),
    /// List the built-in profiles, or print one to start a custom profile from.
    Profiles(ProfilesArgs),
    /// Print the settings in effect (from the command line, cutover.toml and defaults) and
    /// where each came from.
    Config(ConfigArgs),
    /// Print a shell completion script (see README for where to install it).
    Completions(CompletionsArgs),
    /// Print the manual page (roff), e.g. `cutover man > ~/.local/share/man/man1/cutover.1`.
    Man,
}

/// Entries to leave out of the directories walked, for every command that walks them.
#[derive(Args, Debug, Clone, Default)]
pub struct WalkArgs {
    /// Leave out entries matching GLOB (gitignore syntax: `NAME` at any depth, `/NAME` or
    /// `dir/NAME` from the PATH, `dir/` a whole directory, `!GLOB` takes one back),
    /// matched against paths relative to each PATH given (repeatable; adds to `exclude`
    /// in cutover.toml).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
}

#[derive(Args, Debug)]
pub struct ConfigArgs {
    #[command(flatten)]
    pub selection: Selection,
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Args, Debug)]
pub struct MapArgs {
    /// Mail server host of the old provider (accounts whose IMAP or SMTP host is it or lies under it).
    #[arg(long, value_name = "HOST", requires = "new_host")]
    pub old_host: Option<String>,

    /// Mail server host of the new provider.
    #[arg(long, value_name = "HOST", requires = "old_host")]
    pub new_host: Option<String>,

    /// An export declaring the old accounts (instead of hosts).
    #[arg(long, value_name = "FILE", requires = "new", conflicts_with_all = ["old_host", "new_host"])]
    pub old: Option<PathBuf>,

    /// An export declaring the new accounts.
    #[arg(long, value_name = "FILE", requires = "old")]
    pub new: Option<PathBuf>,

    /// Write the mapping to FILE instead of stdout, and only when every account was
    /// paired (exit 0).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exports declaring the accounts (with --old-host and --new-host).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub walk: WalkArgs,
}

#[derive(Args, Debug)]
pub struct ChecklistArgs {
    /// Mapping file of old to new accounts (see `cutover map`).
    #[arg(long, short = 'm', value_name = "FILE")]
    pub mapping: Option<PathBuf>,

    /// Where references are: a built-in profile name or a profile file, for every input
    /// (default: `profile` in cutover.toml). Without either, each file gets the built-in
    /// profile of its kind: `sieve` for Sieve scripts, `missive` for JSON and YAML.
    #[arg(long, value_name = "NAME|FILE")]
    pub profile: Option<String>,

    /// Accounts whose IMAP or SMTP server is HOST or lies under it are removed too, mapped
    /// or not: those the mapping forgot are listed (repeatable).
    #[arg(long, value_name = "HOST")]
    pub removed_host: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ChecklistFormat,

    /// Export files, or directories searched for .json, .yaml, .yml, .sieve and .siv files
    /// (default: `paths` in cutover.toml).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub walk: WalkArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ChecklistFormat {
    Text,
    Json,
}

#[derive(Args, Debug, Clone)]
pub struct Selection {
    /// Mapping file (YAML or JSON) of old to new account IDs and addresses (default:
    /// `mapping` in cutover.toml).
    #[arg(long, short = 'm', value_name = "FILE")]
    pub mapping: Option<PathBuf>,

    /// Where references are: a built-in profile name or a profile file, for every input
    /// (default: `profile` in cutover.toml). Without either, each file gets the built-in
    /// profile of its kind: `sieve` for Sieve scripts, `missive` for JSON and YAML.
    #[arg(long, value_name = "NAME|FILE")]
    pub profile: Option<String>,

    /// replace: move every reference to the new account (the cutover); add: cover the old
    /// and the new account both (the transition, while both are connected). Default:
    /// `mode` in cutover.toml, else replace.
    #[arg(long, value_enum)]
    pub mode: Option<crate::plan::Mode>,

    /// Export files, or directories searched for .json, .yaml, .yml, .sieve and .siv files
    /// (default: `paths` in cutover.toml).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub walk: WalkArgs,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    #[command(flatten)]
    pub selection: Selection,

    /// What to print: the patch (for `patch -p1` and `git apply`), a review a person reads,
    /// the review as JSON, or the review as one self-contained HTML page.
    #[arg(long, value_enum, default_value = "patch")]
    pub format: DiffFormat,

    /// Exit with 1 when there are changes.
    #[arg(long)]
    pub exit_code: bool,

    /// Also save the exact edits, with a hash of every input, of the mapping and of the
    /// profile, for `apply --plan`.
    #[arg(long, value_name = "FILE")]
    pub save_plan: Option<PathBuf>,

    /// Name files relative to DIR in the patch, the review and a saved plan (as `git diff
    /// --relative`); without DIR, the working directory. By default they are relative to
    /// the git work tree holding the inputs, else the working directory when it holds
    /// them, else the deepest directory holding them all.
    #[arg(
        long,
        value_name = "DIR",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "."
    )]
    pub relative: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Patch,
    Review,
    Json,
    Html,
}

#[derive(Args, Debug)]
pub struct ApplyArgs {
    /// Mapping file (YAML or JSON) of old to new account IDs and addresses (default:
    /// `mapping` in cutover.toml).
    #[arg(long, short = 'm', value_name = "FILE", conflicts_with = "plan")]
    pub mapping: Option<PathBuf>,

    /// Where references are: a built-in profile name or a profile file, for every input
    /// (default: `profile` in cutover.toml). Without either, each file gets the built-in
    /// profile of its kind: `sieve` for Sieve scripts, `missive` for JSON and YAML.
    #[arg(long, value_name = "NAME|FILE", conflicts_with = "plan")]
    pub profile: Option<String>,

    /// replace: move every reference to the new account (the cutover); add: cover the old
    /// and the new account both (the transition, while both are connected). Default:
    /// `mode` in cutover.toml, else replace.
    #[arg(long, value_enum, conflicts_with = "plan")]
    pub mode: Option<crate::plan::Mode>,

    /// Apply exactly the edits of a plan saved by `diff --save-plan` (from any working
    /// directory: the plan records where its files are); refused when any file, the
    /// mapping or the profile changed since. The plan holds its own excludes, so
    /// `--exclude` is refused beside it rather than ignored.
    #[arg(long, value_name = "FILE", conflicts_with = "exclude")]
    pub plan: Option<PathBuf>,

    /// Export files, or directories searched for .json, .yaml, .yml, .sieve and .siv files
    /// (default: `paths` in cutover.toml).
    #[arg(value_name = "PATH", conflicts_with = "plan")]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub walk: WalkArgs,

    /// Keep each original file beside it as FILE.orig.
    #[arg(long)]
    pub backup: bool,

    /// Write through symbolic links to their targets (refused by default).
    #[arg(long)]
    pub follow_symlinks: bool,

    /// Replace a file that has other hard links (refused by default): only the name given
    /// gets the new text, the other names keep the old one.
    #[arg(long)]
    pub break_hardlinks: bool,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Mapping file: its old accounts count as removed (default: `mapping` in
    /// cutover.toml).
    #[arg(long, short = 'm', value_name = "FILE")]
    pub mapping: Option<PathBuf>,

    /// An account ID (or address) that is removed (repeatable; adds to `removed` in
    /// cutover.toml).
    #[arg(long, value_name = "ID")]
    pub removed: Vec<String>,

    /// Every declared account whose IMAP or SMTP server is HOST or lies under it is
    /// removed, mapped or not (repeatable; adds to `removed-host` in cutover.toml).
    #[arg(long, value_name = "HOST")]
    pub removed_host: Vec<String>,

    /// replace: no setting may reference a removed account (after the cutover); add: every
    /// setting of an old account must cover its new one too (the transition; needs a
    /// mapping). Default: `mode` in cutover.toml, else replace.
    #[arg(long, value_enum)]
    pub mode: Option<crate::plan::Mode>,

    /// Report and fail only on findings this baseline (from --write-baseline) does not
    /// hold; warn about its entries that match nothing any more.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    pub baseline: Option<PathBuf>,

    /// Write today's findings to FILE as a baseline, and exit 0.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Output format (default: `format` in cutover.toml's [check], else human).
    #[arg(long, value_enum)]
    pub format: Option<CheckFormat>,

    /// Fail on warnings too.
    #[arg(long, overrides_with = "no_strict")]
    pub strict: bool,

    /// Do not fail on warnings (overrides `strict = true` in cutover.toml).
    #[arg(long, overrides_with = "strict")]
    pub no_strict: bool,

    /// Where references are: a built-in profile name or a profile file, for every input
    /// (default: `profile` in cutover.toml). Without either, each file gets the built-in
    /// profile of its kind: `sieve` for Sieve scripts, `missive` for JSON and YAML.
    #[arg(long, value_name = "NAME|FILE")]
    pub profile: Option<String>,

    /// Export files, or directories searched for .json, .yaml, .yml, .sieve and .siv files
    /// (default: `paths` in cutover.toml).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub walk: WalkArgs,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    #[default]
    Human,
    Json,
    Github,
    Sarif,
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Where references are: a built-in profile name or a profile file, for every input
    /// (default: `profile` in cutover.toml). Without either, each file gets the built-in
    /// profile of its kind: `sieve` for Sieve scripts, `missive` for JSON and YAML.
    #[arg(long, value_name = "NAME|FILE")]
    pub profile: Option<String>,

    /// Export files, or directories searched for .json, .yaml, .yml, .sieve and .siv files
    /// (default: `paths` in cutover.toml).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub walk: WalkArgs,
}

#[derive(Args, Debug)]
pub struct SchemaArgs {
    /// Directory to write the schemas to.
    #[arg(long, value_name = "DIR", default_value = "schemas")]
    pub out: PathBuf,

    /// Write nothing; fail when the files in DIR differ from the generated schemas.
    #[arg(long)]
    pub check: bool,
}

#[derive(Args, Debug)]
pub struct ProfilesArgs {
    #[command(subcommand)]
    pub action: Option<ProfilesAction>,
}

#[derive(Subcommand, Debug)]
pub enum ProfilesAction {
    /// Print a built-in profile as a file.
    Show {
        /// Profile name.
        name: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Whether to colour one stream, from `--color`, `NO_COLOR` and whether it is a terminal.
pub fn use_color(choice: ColorChoice, stream_is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            stream_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

pub fn stdout_color(choice: ColorChoice) -> bool {
    use_color(choice, std::io::stdout().is_terminal())
}

pub fn stderr_color(choice: ColorChoice) -> bool {
    use_color(choice, std::io::stderr().is_terminal())
}
