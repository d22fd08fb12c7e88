//! The human format: each finding as rustc shows a diagnostic (its kind in brackets, as
//! rustc shows an error code), then a one-line summary.

use super::Report;

pub fn render(report: &Report, color: bool) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        out.push_str(
            &finding
                .diagnostic
                .render_coded(color, Some(finding.kind.as_str())),
        );
        out.push('\n');
    }
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
