//! `cutover check`: the CI gate. Exit 0 when no setting references a removed or undeclared
//! account, 1 when one does, 2 when the check could not run.

use crate::check::{self, Removed};
use crate::cli::{CheckArgs, CheckFormat, ColorChoice, stdout_color};
use crate::commands::{both, print, release};
use crate::diagnostic::Error;
use crate::inputs;
use crate::mapping::Mapping;
use crate::profile::Profiles;

pub fn check(args: &CheckArgs, color: ColorChoice) -> Result<u8, Error> {
    let profiles = Profiles::resolve(args.profile.as_deref())?;
    let mapping = args.mapping.as_deref().map(Mapping::read).transpose();
    let (mapping, inputs) = both(mapping, inputs::load(&args.paths, &profiles))?;
    let removed = Removed {
        mapping: mapping.as_ref(),
        ids: args.removed.iter().cloned().collect(),
    };
    let report = check::findings(&inputs, &removed);
    let text = match args.format {
        CheckFormat::Human => check::render_human(&report, stdout_color(color)),
        CheckFormat::Json => report.render_json(),
        CheckFormat::Github => check::render_github(&report),
        CheckFormat::Sarif => check::render_sarif(&report),
    };
    print(&text)?;
    let code = report.exit_code(args.strict);
    release((inputs, report));
    Ok(code)
}
