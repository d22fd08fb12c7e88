//! How much a run says on stderr besides its errors and warnings: `-q/--quiet` drops the
//! summary and notes, `-v/--verbose` adds per-file timings and the files a walk skipped
//! (and why). Errors and warnings are always written.
//!
//! Resolved once from the command line, like the size limit, and read where the output is
//! made: the summary, notes and details are written from deep inside loading and walking,
//! where threading a flag through every call would only add noise.

use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

static LEVEL: OnceLock<Verbosity> = OnceLock::new();

/// Sets the level for this process; the first setting stands.
pub fn set(level: Verbosity) {
    let _ = LEVEL.set(level);
}

pub fn level() -> Verbosity {
    *LEVEL.get().unwrap_or(&Verbosity::Normal)
}

/// Whether summaries and notes are written.
pub fn chatty() -> bool {
    level() >= Verbosity::Normal
}

pub fn verbose() -> bool {
    level() == Verbosity::Verbose
}

/// Writes a summary or other text meant for people (not with `--quiet`).
pub fn summary(text: &str) {
    if chatty() {
        eprint!("{text}");
    }
}

/// Writes `note: MESSAGE` (not with `--quiet`).
pub fn note(message: &str) {
    if chatty() {
        eprintln!("note: {}", crate::file_name::shown_text(message));
    }
}

/// Writes a detail only `--verbose` asks for, as `KIND: MESSAGE` (`timing`, `skipped`).
pub fn detail(kind: &str, message: &str) {
    if verbose() {
        eprintln!("{kind}: {}", crate::file_name::shown_text(message));
    }
}

/// How many names a list on stderr shows without `--verbose`.
const LISTED: usize = 5;

/// Names for one line on stderr: all of them with `--verbose`; otherwise the first few and
/// how many more, so that a note about 800 files stays one readable line.
pub fn some_of(names: &[String]) -> String {
    if names.len() <= LISTED || verbose() {
        return names.join(", ");
    }
    format!(
        "{} and {} more (-v lists them all)",
        names[..LISTED].join(", "),
        names.len() - LISTED
    )
}

/// `N files: NAMES` (as [`some_of`] shows them), or the name alone when there is one.
pub fn count_of_files(names: &[String]) -> String {
    match names {
        [one] => one.clone(),
        _ => format!("{} files: {}", names.len(), some_of(names)),
    }
}

/// Times the steps of a command for `--verbose`: each `step` reports how long it took
/// since the last one, so a slow run says where its time went.
pub struct Steps(std::time::Instant);

impl Steps {
    pub fn start() -> Steps {
        Steps(std::time::Instant::now())
    }

    /// Reports `WHAT in N ms` (a `timing` detail, with the memory resident then where the
    /// system says) and starts timing the next step.
    pub fn step(&mut self, what: &str) {
        if verbose() {
            let resident =
                resident_bytes().map_or(String::new(), |b| format!(", {} MB resident", b >> 20));
            detail(
                "timing",
                &format!("{what} in {}{resident}", millis(self.0.elapsed())),
            );
            self.0 = std::time::Instant::now();
        }
    }
}

/// The process's resident memory, where `/proc` tells it (Linux): `VmRSS`, in kB there
/// (`statm` counts pages, whose size is not always 4 KiB: 16 or 64 KiB on some ARM
/// systems).
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    vm_rss(&status)
}

/// The `VmRSS:` line of a `/proc/PID/status` text, in bytes.
fn vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?;
    let kilobytes: u64 = line.trim().strip_suffix("kB")?.trim().parse().ok()?;
    Some(kilobytes * 1024)
}

/// A duration for `--verbose`, in milliseconds.
pub fn millis(duration: std::time::Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_memory_is_read_in_kilobytes() {
        let status = "Name:\tcutover\nVmPeak:\t  90000 kB\nVmRSS:\t   81234 kB\nThreads:\t1\n";
        assert_eq!(vm_rss(status), Some(81234 * 1024));
        assert_eq!(vm_rss("Name:\tx\n"), None);
        // (This process's own, where there is a /proc.)
        if std::path::Path::new("/proc/self/status").exists() {
            assert!(resident_bytes().is_some_and(|b| b > 0));
        }
    }

    #[test]
    fn long_lists_are_cut_to_a_few_names() {
        let names: Vec<String> = (1..=800).map(|i| format!("f{i}.yaml")).collect();
        let line = count_of_files(&names);
        assert_eq!(
            line,
            "800 files: f1.yaml, f2.yaml, f3.yaml, f4.yaml, f5.yaml and 795 more (-v lists them all)"
        );
        assert_eq!(count_of_files(&names[..2]), "2 files: f1.yaml, f2.yaml");
        assert_eq!(count_of_files(&names[..1]), "f1.yaml");
    }
}
