//! `cutover completions SHELL` and `cutover man`: both generated from the clap definitions
//! the program parses with, so they cannot drift from the flags.

use std::io::Write;

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
        // The subcommands are sections of this page, not pages of their own.
        let mut list = Vec::new();
        page.render_subcommands_section(&mut list)?;
        let mut list = String::from_utf8_lossy(&list).into_owned();
        for sub in command.get_subcommands() {
            list = list.replace(
                &format!("cutover\\-{}(1)", sub.get_name()),
                &format!("cutover {}", sub.get_name()),
            );
        }
        out.write_all(list.as_bytes())?;
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
            subcommand_section(out, sub)?;
        }
        // The after-help text is the exit codes.
        let mut extra = Vec::new();
        page.render_extra_section(&mut extra)?;
        out.write_all(
            String::from_utf8_lossy(&extra)
                .replace(".SH EXTRA", ".SH \"EXIT STATUS\"")
                .as_bytes(),
        )?;
        page.render_version_section(out)
    })?;
    Ok(0)
}

/// A subcommand as one section of the page, its parts as subsections.
fn subcommand_section(out: &mut impl std::io::Write, sub: &clap::Command) -> std::io::Result<()> {
    let name = format!("cutover {}", sub.get_name());
    // The global flags are on the page once, under OPTIONS.
    let sub = sub
        .clone()
        .bin_name(name.clone())
        .mut_args(|a| if a.is_global_set() { a.hide(true) } else { a });
    let man = clap_mangen::Man::new(sub.clone());
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
