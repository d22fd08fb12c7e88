//! `cutover diff` and `cutover apply`: the same plan, printed as a patch or written.

use std::path::Path;

use crate::cli::{ApplyArgs, ColorChoice, DiffArgs, Selection, stdout_color};
use crate::commands::{both, print_with, release};
use crate::diagnostic::Error;
use crate::inputs::{self, Input};
use crate::mapping::Mapping;
use crate::patch;
use crate::plan::FilePlan;
use crate::profile::Profiles;
use crate::saved_plan::SavedPlan;
use crate::source::{display_name, io_reason};
use crate::summary;
use crate::write::{self, Replacement};

struct Planned {
    profiles: Profiles,
    mapping: Mapping,
    inputs: Vec<Input>,
    plans: Vec<FilePlan>,
}

impl Planned {
    /// The change summary for stderr; `verb` says what happened to the files.
    fn summary(&self, verb: &str) -> String {
        summary::render(
            &self.inputs,
            &self.plans,
            &self.mapping,
            &self.profiles,
            verb,
        )
    }
}

fn plan(selection: &Selection) -> Result<Planned, Error> {
    let profiles = Profiles::resolve(selection.profile.as_deref())?;
    let (mapping, inputs) = both(
        Mapping::read(&selection.mapping),
        inputs::load(&selection.paths, &profiles),
    )?;
    // (The patch's line index is built when the patch needs it, not on another core during
    // the plan: the plan's scratch memory is free by then, and the peak stays lower.)
    let plans = inputs::plan_all(&inputs, &mapping, selection.mode)?;
    Ok(Planned {
        profiles,
        mapping,
        inputs,
        plans,
    })
}

pub fn diff(args: &DiffArgs, color: ColorChoice) -> Result<u8, Error> {
    let mut planned = plan(&args.selection)?;
    if let Some(path) = &args.save_plan {
        let saved = SavedPlan::new(
            args.selection.mode,
            &planned.mapping,
            &planned.profiles,
            &planned.inputs,
            &planned.plans,
        );
        std::fs::write(path, saved.to_json()).map_err(|e| {
            Error::plain(format!(
                "{}: cannot write the plan: {}",
                display_name(path),
                io_reason(&e)
            ))
        })?;
    }
    // From here on only the texts, edits and references are needed. The trees are freed
    // first, so that the patch's line index takes their memory instead of adding to the
    // peak (on a large export the tree is twice the size of its text).
    for input in &mut planned.inputs {
        input.file.docs = Vec::new();
    }
    let style = patch::Style {
        color: stdout_color(color),
    };
    // The summary is written on another core while the patches are.
    let summary = std::thread::scope(|scope| {
        let summary = scope.spawn(|| planned.summary("would change"));
        for (input, plan) in planned.inputs.iter().zip(&planned.plans) {
            let source = &input.file.source;
            print_with(|out| {
                patch::write(out, source, &plan.edits, &patch_name(&source.path), &style)
            })?;
        }
        Ok::<_, Error>(summary.join().expect("the summary does not panic"))
    })?;
    eprint!("{summary}");
    let changed = planned.plans.iter().any(|p| !p.is_empty());
    release(planned);
    Ok(u8::from(args.exit_code && changed))
}

pub fn apply(args: &ApplyArgs, _color: ColorChoice) -> Result<u8, Error> {
    let options = write::Options {
        backup: args.backup,
        follow_symlinks: args.follow_symlinks,
        roots: args.paths.clone(),
    };
    if let Some(plan_path) = &args.plan {
        let saved = SavedPlan::read(plan_path)?;
        let writes = saved.resolve(&display_name(plan_path))?;
        let replacements: Vec<Replacement> = writes
            .iter()
            .map(|(path, text)| Replacement { path, text })
            .collect();
        let options = write::Options {
            roots: saved.files.iter().map(|f| f.path.clone().into()).collect(),
            ..options
        };
        write::replace_all(&replacements, &options)?;
        let edits: usize = saved.files.iter().map(|f| f.edits.len()).sum();
        eprintln!(
            "applied {}: {edits} edits in {} of {} files",
            display_name(plan_path),
            writes.len(),
            saved.files.len()
        );
        return Ok(0);
    }
    let selection = Selection {
        mapping: args.mapping.clone().unwrap_or_default(),
        profile: args.profile.clone(),
        mode: args.mode,
        paths: args.paths.clone(),
    };
    let planned = plan(&selection)?;
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
            path: &input.file.source.path,
            text,
        })
        .collect();
    write::replace_all(&replacements, &options)?;
    eprint!("{}", planned.summary("changed"));
    release(planned);
    Ok(0)
}

/// The path written after `a/` and `b/`: relative to the working directory, so that
/// `patch -p1` and `git apply` find the file from there.
pub fn patch_name(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(|p| p.to_path_buf()))
        .unwrap_or_else(|| path.to_path_buf());
    display_name(&relative)
}
