//! `cutover diff` and `cutover apply`: the same plan, printed as a patch or written.

use std::path::PathBuf;

use crate::cli::{ColorChoice, DiffFormat, stdout_color};
use crate::commands::{both, print, print_buffered, print_with, release};
use crate::diagnostic::{Diagnostic, Error};
use crate::hiargs::{Apply, ApplyFrom, Diff, Selection};
use crate::inputs::{self, Input, Paths, Trees};
use crate::load::find_inputs;
use crate::mapping::Mapping;
use crate::names::{Names, SettingsAt};
use crate::patch;
use crate::patch_root::PatchRoot;
use crate::plan::FilePlan;
use crate::profile::Profiles;
use crate::review;
use crate::saved_plan::{Resolution, SavedPlan, check_plan_path};
use crate::source::display_name;
use crate::summary;
use crate::verbosity;
use crate::write::{self, Replacement};

struct Planned {
    profiles: Profiles,
    mapping: Mapping,
    inputs: Vec<Input>,
    plans: Vec<FilePlan>,
    /// How accounts and settings are named (read from the inputs while their trees are
    /// there).
    names: Names,
    /// The settings each file's patch hunks name, when the patch is asked for: found on
    /// another core while the files are planned, for the files that may change (see
    /// [`settings_of`]).
    settings: Vec<Option<SettingsAt>>,
    /// Warnings about the mapping, for the end of the summary.
    warnings: String,
}

impl Planned {
    /// The change summary for stderr (empty with `--quiet`); `verb` says what happened to
    /// the files.
    fn summary(&self, verb: &str) -> String {
        if !verbosity::chatty() {
            return String::new();
        }
        summary::render(
            &self.inputs,
            &self.plans,
            &self.mapping,
            &self.profiles,
            &self.names,
            verb,
        )
    }

    /// The summary, then the warnings (which `--quiet` keeps).
    fn report(&self, summary: &str) {
        verbosity::summary(summary);
        eprint!("{}", self.warnings);
    }
}

/// Loads and plans the selection; with `name_settings`, the settings the patch's hunks
/// name are found on another core while the plan is made (a large export is planned on
/// one).
fn plan(selection: &Selection, trees: Trees, name_settings: bool) -> Result<Planned, Error> {
    let mut steps = verbosity::Steps::start();
    let profiles = Profiles::resolve(selection.profile.as_deref())?;
    let (mapping, inputs) = both(
        Mapping::read(&selection.mapping),
        inputs::load(&selection.paths, &profiles, trees),
    )?;
    steps.step("all files read, parsed and located");
    let names = Names::of(&inputs);
    let (plans, settings) = std::thread::scope(|scope| {
        let settings = name_settings.then(|| {
            scope.spawn(|| {
                inputs
                    .iter()
                    .map(|input| may_change(input, &mapping).then(|| SettingsAt::of(input, &names)))
                    .collect()
            })
        });
        let plans = inputs::plan_all(&inputs, &mapping, selection.mode);
        let settings = settings.map(|s| s.join().expect("naming settings does not panic"));
        (plans, settings.unwrap_or_default())
    });
    let plans = plans?;
    steps.step(if name_settings {
        "all files planned, and the settings the patch names found"
    } else {
        "all files planned"
    });
    let warnings = summary::many_to_one(&inputs, &mapping);
    steps.step("accounts named");
    Ok(Planned {
        profiles,
        mapping,
        inputs,
        plans,
        names,
        settings,
        warnings,
    })
}

/// Whether a file's plan may change it: some reference holds a mapped value, or is text
/// that may hold a mapped address. Only a guess at which files to name the settings of
/// ahead (see [`settings_of`]): cheap, and never wrong in a way that matters.
fn may_change(input: &Input, mapping: &Mapping) -> bool {
    input.located.references.iter().any(|r| {
        r.kind == crate::profile::Kind::AddressInText || mapping.lookup(r.kind, &r.value).is_some()
    })
}

pub fn diff(args: &Diff, color: ColorChoice) -> Result<u8, Error> {
    if let Some(path) = &args.save_plan {
        crate::output::may_replace(path, crate::output::Output::Plan)?;
    }
    // The review formats read whole settings: their trees are built while loading.
    let trees = match args.format {
        DiffFormat::Patch => Trees::AsNeeded(args.selection.mode.reads()),
        _ => Trees::Whole,
    };
    let mut planned = plan(&args.selection, trees, args.format == DiffFormat::Patch)?;
    // One root for the patch, the review and the saved plan (see `patch_root`).
    let files: Vec<PathBuf> = planned
        .inputs
        .iter()
        .map(|i| i.file.source.path.clone())
        .collect();
    let root = PatchRoot::decide(&files, args.relative.as_deref())?;
    let patch_names: Vec<PathBuf> = files.iter().map(|f| root.name(f)).collect();
    if let Some(note) = root.note() {
        verbosity::note(&note);
    }
    if let Some(path) = &args.save_plan {
        let refused: Vec<Diagnostic> = planned
            .inputs
            .iter()
            .filter_map(|input| {
                let source = &input.file.source;
                check_plan_path(&source.path, &root.dir).err().map(|why| {
                    Diagnostic::file(&source.name, format!("{why}; the plan was not saved"))
                })
            })
            .collect();
        if !refused.is_empty() {
            return Err(Error::many(refused));
        }
        let saved = SavedPlan::new(
            args.selection.mode,
            &planned.mapping,
            &planned.profiles,
            &args.selection.paths,
            &planned.inputs,
            &planned.plans,
            &root,
            path,
        );
        crate::output::write(path, crate::output::Output::Plan, |out| saved.write(out))?;
    }
    let names = &planned.names;
    let changed = planned.plans.iter().any(|p| !p.is_empty());
    if args.format != DiffFormat::Patch {
        let review = review::build(
            &planned.inputs,
            &patch_names,
            &planned.plans,
            &planned.mapping,
            &planned.profiles,
            names,
            args.selection.mode,
        );
        match args.format {
            DiffFormat::Review => print(&review::text::render(&review, stdout_color(color)))?,
            // Written as it is serialized: the review of a large export is tens of megabytes
            // of JSON, which held whole was a fifth of the run's memory.
            DiffFormat::Json => print_buffered(|out| {
                serde_json::to_writer_pretty(&mut *out, &review)?;
                std::io::Write::write_all(out, b"\n")
            })?,
            _ => {
                let mut patches = Vec::new();
                let settings = settings_of(&mut planned);
                write_patches(
                    &mut patches,
                    &planned,
                    &patch_names,
                    &settings,
                    &patch::Style {
                        color: false,
                        terminal: false,
                    },
                )
                .map_err(|e| Error::plain(format!("cannot write the patch: {e}")))?;
                print(&review::html::render(
                    &review,
                    &String::from_utf8_lossy(&patches),
                ))?;
            }
        }
        planned.report(&planned.summary("would change"));
        release(planned);
        return Ok(u8::from(args.exit_code && changed));
    }
    // The settings each hunk names (most of them found while planning). The trees stay,
    // as everything else does, until the process ends: the patch takes little memory of
    // its own, so freeing them first lowered no peak, and took a tenth of its time.
    let mut steps = verbosity::Steps::start();
    let settings = settings_of(&mut planned);
    let style = patch::Style {
        color: stdout_color(color),
        terminal: std::io::IsTerminal::is_terminal(&std::io::stdout()),
    };
    // The summary is written on another core while the patches are.
    let summary = std::thread::scope(|scope| {
        let summary = scope.spawn(|| planned.summary("would change"));
        print_with(|out| write_patches(out, &planned, &patch_names, &settings, &style))?;
        Ok::<_, Error>(summary.join().expect("the summary does not panic"))
    })?;
    steps.step("patch and summary written");
    planned.report(&summary);
    release((planned, settings));
    Ok(u8::from(args.exit_code && changed))
}

/// The settings each file's patch hunks name: those found while planning, else (a file
/// that changes though [`may_change`] guessed not, or settings not asked for then) found
/// now; none for a file that does not change.
fn settings_of(planned: &mut Planned) -> Vec<SettingsAt> {
    let mut found = std::mem::take(&mut planned.settings);
    found.resize_with(planned.inputs.len(), || None);
    planned
        .inputs
        .iter()
        .zip(&planned.plans)
        .zip(found)
        .map(|((input, plan), found)| match found {
            _ if plan.is_empty() => SettingsAt::default(),
            Some(settings) => settings,
            None => SettingsAt::of(input, &planned.names),
        })
        .collect()
}

/// Writes the patch of every file, each named as `names` says (relative to the patch's
/// root) and each hunk headed by the setting it changes.
fn write_patches(
    out: &mut impl std::io::Write,
    planned: &Planned,
    names: &[PathBuf],
    settings: &[SettingsAt],
    style: &patch::Style,
) -> std::io::Result<()> {
    for (((input, plan), settings), name) in planned
        .inputs
        .iter()
        .zip(&planned.plans)
        .zip(settings)
        .zip(names)
    {
        patch::write(
            out,
            &input.file.source,
            &plan.edits,
            name,
            style,
            &|offset| settings.at(offset),
        )?;
    }
    Ok(())
}

pub fn apply(args: &Apply, _color: ColorChoice) -> Result<u8, Error> {
    let options = |roots: Vec<PathBuf>| write::Options {
        backup: args.backup,
        follow_symlinks: args.follow_symlinks,
        break_hardlinks: args.break_hardlinks,
        roots,
    };
    let selection = match &args.from {
        ApplyFrom::Selection(selection) => selection,
        ApplyFrom::Plan(plan_path) => {
            let plan_name = display_name(plan_path);
            let saved = SavedPlan::read(plan_path)?;
            let (root, moved) = saved.root(plan_path, &plan_name)?;
            if let Some(moved) = moved {
                verbosity::note(&moved);
            }
            let paths = saved.file_paths(&root, &plan_name)?;
            let commit = write::Commit::begin(&paths, options(paths.clone()))?;
            let (inputs, writes, already) = match saved.resolve(&root, plan_path, &plan_name)? {
                Resolution::AlreadyApplied => {
                    verbosity::summary(&format!(
                        "{plan_name} is already applied: every file holds its planned result; nothing to do\n"
                    ));
                    return Ok(0);
                }
                Resolution::Apply {
                    inputs,
                    writes,
                    already,
                } => (inputs, writes, already),
            };
            let replacements: Vec<Replacement> = writes
                .iter()
                .map(|(index, text)| Replacement {
                    source: &inputs[*index].file.source,
                    text,
                })
                .collect();
            let report = commit.replace_all(&replacements)?;
            drop(commit);
            print_notes(&report);
            let edits: usize = saved.files.iter().map(|f| f.edits.len()).sum();
            if !already.is_empty() {
                verbosity::summary(&format!("already applied: {}\n", already.join(", ")));
            }
            let written_now = match already.len() {
                0 => String::new(),
                n => format!(
                    " ({} written now, {n} already held their result)",
                    writes.len()
                ),
            };
            verbosity::summary(&format!(
                "applied {plan_name}: {edits} edits in {} of {} files{written_now}\n",
                writes.len() + already.len(),
                saved.files.len()
            ));
            release(inputs);
            return Ok(0);
        }
    };
    // Locked before anything is read, until the last file is replaced; exactly the files
    // locked are read.
    let files = find_inputs(&selection.paths)?;
    let commit = write::Commit::begin(&files, options(selection.paths.given.clone()))?;
    let selection = Selection {
        paths: Paths::found(files, &selection.paths),
        ..(**selection).clone()
    };
    let planned = plan(&selection, Trees::AsNeeded(selection.mode.reads()), false)?;
    let changed: Vec<(&Input, String)> = planned
        .inputs
        .iter()
        .zip(&planned.plans)
        .filter(|(_, plan)| !plan.is_empty())
        .map(|(input, plan)| (input, plan.new_text(&input.file.source)))
        .collect();
    let replacements: Vec<Replacement> = changed
        .iter()
        .map(|(input, text)| Replacement {
            source: &input.file.source,
            text,
        })
        .collect();
    let report = commit.replace_all(&replacements)?;
    drop(commit);
    print_notes(&report);
    planned.report(&planned.summary("changed"));
    release(planned);
    Ok(0)
}

/// What the commit has to tell besides the summary (broken hard links, an owner that
/// could not be kept): said even with `--quiet`, since it is about what became of the
/// user's files.
fn print_notes(report: &write::Report) {
    for note in &report.notes {
        eprintln!("note: {note}");
    }
}
