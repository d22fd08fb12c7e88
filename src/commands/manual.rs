//! `cutover completions SHELL` and `cutover man`: both generated from the clap definitions
//! the program parses with, so they cannot drift from the flags.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::commands::print_with;
use crate::diagnostic::Error;

pub fn completions(shell: clap_complete::Shell) -> Result<u8, Error> {
    let mut command = Cli::command();
    print_with(|out| {
        clap_complete::generate(shell, &mut command, "cutover", out);
        Ok(())
    })?;
    Ok(0)
}

/// One page: the program's sections, then a section per subcommand with its synopsis,
/// description and options (as ripgrep's one page holds every flag), then the exit codes
/// and the version.
pub fn man() -> Result<u8, Error> {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let page = clap_mangen::Man::new(command.clone());
    print_with(|out| {
        page.render_title(out)?;
        page.render_name_section(out)?;
        page.render_synopsis_section(out)?;
        page.render_description_section(out)?;
        page.render_options_section(out)?;
        page.render_subcommands_section(out)?;
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
            subcommand_section(out, sub)?;
        }
        page.render_extra_section(out)?;
        page.render_version_section(out)
    })?;
    Ok(0)
}

/// A subcommand as one section of the page, its parts as subsections.
fn subcommand_section(out: &mut impl std::io::Write, sub: &clap::Command) -> std::io::Result<()> {
    let name = format!("cutover {}", sub.get_name());
    let man = clap_mangen::Man::new(sub.clone().bin_name(name.clone()));
    let mut parts = Vec::new();
    man.render_synopsis_section(&mut parts)?;
    man.render_description_section(&mut parts)?;
    if sub.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut parts)?;
    }
    if sub.has_subcommands() {
        man.render_subcommands_section(&mut parts)?;
    }
    let parts = String::from_utf8_lossy(&parts).replace(".SH ", ".SS ");
    writeln!(out, ".SH \"{}\"", name.to_uppercase())?;
    out.write_all(parts.as_bytes())
}
