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
    let mut roff = Vec::new();
    render(&mut roff, &page, &command).expect("writing to memory does not fail");
    print_with(|out| out.write_all(tidy(&String::from_utf8_lossy(&roff)).as_bytes()))?;
    Ok(0)
}

/// The page as clap_mangen renders its parts, which each begin with the same preamble
/// (`.ie \n(.g .ds Aq ...`), and name a nested subcommand as a page of its own
/// (`cutover\-profiles\-show(1)`): the preamble is kept once, and a subcommand is named as
/// the section of this page it is.
fn tidy(roff: &str) -> String {
    let mut seen_preamble = false;
    let mut out = String::with_capacity(roff.len());
    let mut lines = roff.lines().peekable();
    while let Some(line) = lines.next() {
        if line.starts_with(".ie \\n(.g .ds Aq") {
            let else_line = lines.next_if(|next| next.starts_with(".el .ds Aq"));
            if !seen_preamble {
                seen_preamble = true;
                out.push_str(line);
                out.push('\n');
                if let Some(else_line) = else_line {
                    out.push_str(else_line);
                    out.push('\n');
                }
            }
            continue;
        }
        out.push_str(&subcommand_reference(line));
        out.push('\n');
    }
    out
}

/// `cutover\-profiles\-show(1)` as `cutover profiles show`: every subcommand is a section
/// of the one page.
fn subcommand_reference(line: &str) -> String {
    match line
        .strip_prefix("cutover\\-")
        .and_then(|rest| rest.strip_suffix("(1)"))
    {
        Some(words) => format!("cutover {}", words.replace("\\-", " ")),
        None => line.to_owned(),
    }
}

fn render(
    out: &mut Vec<u8>,
    page: &clap_mangen::Man,
    command: &clap::Command,
) -> std::io::Result<()> {
    {
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
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_has_its_preamble_once_and_names_subcommands_as_its_sections() {
        let mut command = Cli::command().disable_help_subcommand(true);
        command.build();
        let mut roff = Vec::new();
        render(&mut roff, &clap_mangen::Man::new(command.clone()), &command).unwrap();
        let page = tidy(&String::from_utf8_lossy(&roff));
        assert_eq!(page.matches(".ds Aq").count(), 2, "{page}");
        assert!(page.starts_with(".ie \\n(.g .ds Aq"), "{page}");
        assert!(
            !page.contains("cutover\\-"),
            "a subcommand named as a page of its own"
        );
        assert!(page.contains("cutover profiles show"));
    }
}
