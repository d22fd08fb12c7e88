//! The human format: each finding as rustc shows a diagnostic (its kind in brackets, as
//! rustc shows an error code), then a one-line summary.

use super::Report;

/// Findings rendered by one worker at a time: tens of thousands of them are written on
/// every core, in order.
const CHUNK: usize = 1024;

/// The report in parts, to be written in order (one text of them all would be another
/// copy of a large report).
pub fn render(report: &Report, color: bool) -> Vec<String> {
    let chunks: Vec<_> = report.findings.chunks(CHUNK).collect();
    let mut parts = crate::parallel::map(&chunks, |chunk| {
        let mut out = String::with_capacity(chunk.len() * 320);
        for finding in *chunk {
            let code = Some(finding.kind.as_str());
            finding.diagnostic.write_coded(&mut out, color, code);
            out.push('\n');
        }
        out
    });
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
    parts.push(out);
    parts
}
