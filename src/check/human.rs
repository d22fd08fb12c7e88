//! The human format: each finding as rustc shows a diagnostic (its kind in brackets, as
//! rustc shows an error code), then a one-line summary.

use super::Report;

/// Findings rendered by one worker at a time: tens of thousands of them are written on
/// every core, in order.
const CHUNK: usize = 1024;

/// Chunks rendered before they are written: a wave of a few per core keeps every core busy
/// while the memory for the text stays a few hundred kilobytes a core (all of a large
/// report at once was tens of megabytes, every page of it newly faulted in).
const WAVE: usize = 4;

/// Writes the report, the findings rendered on every core a wave of chunks at a time.
pub fn write(report: &Report, color: bool, out: &mut impl std::io::Write) -> std::io::Result<()> {
    let chunks = report.findings.runs(CHUNK);
    for wave in chunks.chunks(WAVE * crate::parallel::workers()) {
        for part in crate::parallel::map(wave, |chunk| render_chunk(chunk, color)) {
            out.write_all(part.as_bytes())?;
        }
    }
    out.write_all(summary(report).as_bytes())
}

fn render_chunk(findings: &[&[super::Finding]], color: bool) -> String {
    let count = findings.iter().map(|piece| piece.len()).sum::<usize>();
    let mut out = String::with_capacity(count * 320);
    for finding in findings.iter().copied().flatten() {
        let code = Some(finding.kind.as_str());
        finding.shown().write_coded(&mut out, color, code);
        out.push('\n');
    }
    out
}

/// The last line: how many errors and warnings in how many files.
fn summary(report: &Report) -> String {
    let mut out = String::new();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let s = &report.summary;
    let baselined = if s.baselined > 0 {
        format!(
            "; {} in the baseline not shown",
            plural(s.baselined, "finding")
        )
    } else {
        String::new()
    };
    out.push_str(&format!(
        "{}, {} in {}{baselined}\n",
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.files, "file")
    ));
    if !s.dangling_checked {
        out.push_str("note: no input declares `accounts`, so references to undeclared accounts were not checked\n");
    }
    out
}
