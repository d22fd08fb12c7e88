//! The GitHub Actions format: one workflow command per finding, escaped as the runner
//! requires, so each finding shows as an annotation on the line in the pull request,
//! titled with its kind (`cutover[removed]`). Control characters of the exports (an ESC
//! in a value or a file name) are shown escaped, as in the other formats: a CI log viewer
//! acts on them.

use super::{FindingSeverity, Report};

pub fn write(report: &Report, out: &mut impl std::io::Write) -> std::io::Result<()> {
    for f in report.findings.iter() {
        let command = match f.severity {
            FindingSeverity::Error => "error",
            FindingSeverity::Warning => "warning",
        };
        writeln!(
            out,
            "::{command} file={},line={},col={},title=cutover[{}]::{}",
            property(&crate::file_name::shown(&f.path)),
            f.line,
            f.column,
            f.kind.as_str(),
            data(&crate::file_name::shown_text(f.message()))
        )?;
    }
    Ok(())
}

fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_as_the_runner_requires() {
        assert_eq!(super::data("50%\r\nx"), "50%25%0D%0Ax");
        assert_eq!(super::property("a:b,c"), "a%3Ab%2Cc");
    }
}
