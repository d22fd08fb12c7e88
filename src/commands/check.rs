//! `cutover check`: the CI gate. Exit 0 when no setting references a removed or undeclared
//! account (in `--mode add`: when the transition is complete), 1 when one does, 2 when the
//! check could not run — including when there was nothing to check, so that a misconfigured
//! job never passes by accident.

use crate::check::{self, Removed, Report, baseline};
use crate::cli::{CheckFormat, ColorChoice, stdout_color};
use crate::commands::{both, print_buffered, release};
use crate::diagnostic::Error;
use crate::fast_hash::FastMap;
use crate::hiargs::Check;
use crate::inputs::{self, Input};
use crate::mapping::Mapping;
use crate::patch_root;
use crate::plan::{Mode, plan};
use crate::profile::{Kind, Profiles};
use crate::source::{display_name, path_text};

pub fn check(args: &Check, color: ColorChoice) -> Result<u8, Error> {
    if let Some(path) = &args.write_baseline {
        crate::output::may_replace(path, crate::output::Output::Baseline)?;
    }
    let mut steps = crate::verbosity::Steps::start();
    let profiles = Profiles::resolve(args.profile.as_deref())?;
    let mapping = args.mapping.as_deref().map(Mapping::read).transpose();
    let baseline = args
        .baseline
        .as_deref()
        .map(baseline::Baseline::read)
        .transpose();
    // A transition is checked against its add-mode plan (below), which reads what it reads.
    let transition = args.mode == Mode::Add && args.mapping.is_some();
    let keep = match transition {
        true => Mode::Add.reads(),
        false => crate::locate::Keep::Nothing,
    };
    let note_from = check::note_strings_from(
        mapping.as_ref().ok().and_then(Option::as_ref),
        &args.removed,
    );
    let ((mapping, baseline), inputs) = both(
        both(mapping, baseline),
        inputs::load_noting(
            &args.paths,
            &profiles,
            inputs::Trees::AsNeeded(keep),
            Some(note_from),
        ),
    )?;
    steps.step("all files read, parsed and located");
    if let Some(mapping) = &mapping {
        inputs::check_mapping(&inputs, mapping)?;
    }
    let removed = Removed::resolve(&inputs, mapping.as_ref(), &args.removed, &args.removed_host)?;
    let dangling_checked = inputs::declared(&inputs, Kind::Account).is_some();
    if removed.is_empty() && !dangling_checked {
        return Err(Error::plain(
            "nothing to check against: pass --mapping FILE (its old accounts are the removed \
             ones), --removed ID or --removed-host HOST; without them only references to \
             undeclared accounts are checked, and no input declares accounts",
        ));
    }
    if removed.is_empty() {
        // A gate whose config was not found passes on every old reference: say so.
        crate::verbosity::note(
            "no --mapping, --removed or --removed-host: only references to accounts no input \
             declares are checked, not references to old accounts",
        );
    }
    let transition = match (transition, &mapping) {
        (true, Some(mapping)) => Some(crate::diagnostic::collect(crate::parallel::map(
            &inputs,
            |input| plan(&input.file, &input.located, mapping, Mode::Add),
        ))?),
        _ => None,
    };
    let keys = match args.format {
        _ if args.baseline.is_some() || args.write_baseline.is_some() => check::Keys::Named,
        CheckFormat::Json => check::Keys::Named,
        CheckFormat::Human | CheckFormat::Github | CheckFormat::Sarif => check::Keys::Left,
    };
    let mut findings = check::findings(&inputs, &removed, transition.as_deref(), keys);
    if let Some(mapping) = &mapping {
        findings.push_file(check::many_to_one(mapping, &inputs));
    }
    steps.step("checked");
    if let Some(path) = &args.write_baseline {
        let findings = findings.into_vec();
        let written = baseline::write(path, &findings)?;
        let report = Report::new(findings.into(), inputs.len(), dangling_checked, 0);
        print_report(args.format, &report, color)?;
        crate::verbosity::summary(&format!(
            "wrote {written} finding{} to the baseline {}\n",
            if written == 1 { "" } else { "s" },
            display_name(path)
        ));
        release((inputs, report));
        return Ok(0);
    }
    let (findings, baselined) = match &baseline {
        Some(baseline) => {
            let mut read: Vec<&std::path::Path> = inputs
                .iter()
                .map(|i| i.file.source.path.as_path())
                .collect();
            read.extend(args.mapping.as_deref());
            let searched: Vec<&std::path::Path> =
                args.paths.given.iter().map(|p| p.as_path()).collect();
            let applied = baseline.apply(findings.into_vec(), &read, &searched);
            (applied.findings.into(), applied.baselined)
        }
        None => (findings, 0),
    };
    let mut findings = findings;
    if matches!(args.format, CheckFormat::Github | CheckFormat::Sarif) {
        from_repository_root(&inputs, &mut findings);
    }
    let report = Report::new(findings, inputs.len(), dangling_checked, baselined);
    print_report(args.format, &report, color)?;
    steps.step("findings sorted, rendered and written");
    let code = report.exit_code(args.strict);
    release((inputs, report, transition));
    Ok(code)
}

/// Writes the report to standard output as it is rendered (the human one in parts, the
/// others as they are serialized): never a whole report in memory.
fn print_report(format: CheckFormat, report: &Report, color: ColorChoice) -> Result<(), Error> {
    print_buffered(|out| match format {
        CheckFormat::Human => check::write_human(report, stdout_color(color), out),
        CheckFormat::Json => report.write_json(out),
        CheckFormat::Github => check::write_github(report, out),
        CheckFormat::Sarif => check::write_sarif(report, out),
    })
}

/// GitHub places an annotation, and code scanning a SARIF result, by the path from the
/// repository's root, whatever directory the job ran `check` in: a file in a git work tree
/// is named from its root; any other keeps the name it was given.
fn from_repository_root(inputs: &[Input], findings: &mut check::Findings) {
    let names: FastMap<String, std::sync::Arc<str>> = inputs
        .iter()
        .filter_map(|input| {
            let source = &input.file.source;
            let physical = patch_root::physical(&source.path).ok()?;
            let root = physical.parent().and_then(patch_root::git_work_tree)?;
            let name = physical.strip_prefix(&root).ok()?;
            Some((path_text(&source.path), path_text(name).into()))
        })
        .collect();
    for finding in findings.iter_mut() {
        if let Some(name) = names.get(&*finding.path) {
            finding.path = name.clone();
        }
    }
}
