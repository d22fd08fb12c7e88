//! Diagnostics: a message tied to a file position, rendered the way rustc and ruff do.
//!
//! Every problem the tool reports — bad input (exit 2) and `check` findings alike — is a
//! [`Diagnostic`]. It captures the line, column and source line when it is made, so it can be
//! rendered after the source is gone, and it renders as
//! `PATH:LINE:COL: error: MESSAGE` followed by the source line with a caret under the spot.

use std::fmt;
use std::sync::Arc;

use crate::node::Span;
use crate::source::{Lines, Location, Source, floor_char_boundary, without_break};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The file, as shown to the user; `None` for problems with no file (usage). Shared:
    /// `check` makes tens of thousands of diagnostics in a few files.
    pub file: Option<Arc<str>>,
    pub location: Option<Location>,
    /// The source line and the caret's start column and width, in characters.
    pub snippet: Option<Snippet>,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snippet {
    /// The source line, cut to a window around the spot when it is long.
    pub line_text: String,
    /// 1-based column of the caret within `line_text`.
    pub column: usize,
    pub width: usize,
}

/// Longest source line shown whole; longer ones (minified JSON) are cut around the spot.
const MAX_SHOWN: usize = 160;

/// Where the `n`th character of `text` starts (`char_indices().nth(n)`). When the bytes
/// up to it are ASCII (nearly every line a diagnostic shows), it is the `n`th byte; only
/// those are read, as a long line (minified JSON) must not be read whole for each finding.
fn nth_char(text: &str, n: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    match bytes[..bytes.len().min(n.saturating_add(1))].is_ascii() {
        true => (n < bytes.len()).then_some(n),
        false => text.char_indices().nth(n).map(|(i, _)| i),
    }
}

/// Where the `n`th character from the end of `text` starts (`char_indices().rev().nth(n)`),
/// read as [`nth_char`] reads.
fn nth_char_back(text: &str, n: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    match bytes[bytes.len().saturating_sub(n.saturating_add(1))..].is_ascii() {
        true => bytes.len().checked_sub(n.saturating_add(1)),
        false => text.char_indices().rev().nth(n).map(|(i, _)| i),
    }
}

/// The part of line `index` shown under a diagnostic, the caret's column in it and the
/// caret's width: the whole line, or a window of [`MAX_SHOWN`] characters around the spot
/// marked with `…` where cut (minified JSON). Only the window is read, so that a finding on
/// a line of megabytes costs what a short line does. `column` is the spot's 1-based column
/// and `spot` its byte offset.
fn shown_line(
    source: &Source,
    line_start: usize,
    text: &str,
    spot: usize,
    column: usize,
    width: usize,
) -> (String, usize, usize) {
    let count = source.chars_between(line_start, line_start + text.len());
    // The caret stands at most just past the shown line (a trailing CR is not shown).
    let caret = column.min(count + 1);
    let (from, to) = match count <= MAX_SHOWN {
        true => (0, count),
        false => {
            let from = caret.saturating_sub(MAX_SHOWN / 2).min(count - MAX_SHOWN);
            (from, from + MAX_SHOWN)
        }
    };
    // Byte offsets of the window's ends, walked from the spot (character `caret - 1`).
    let at = spot.clamp(line_start, line_start + text.len()) - line_start;
    let at = (0..=at)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let from_byte = match (caret - 1).checked_sub(from + 1) {
        None => at,
        Some(back) => nth_char_back(&text[..at], back).unwrap_or(0),
    };
    let to_byte =
        nth_char(&text[at..], to.saturating_sub(caret - 1)).map_or(text.len(), |i| at + i);
    // Control characters (a NUL, say) would garble the terminal, and characters that are
    // not drawn (bidirectional overrides, zero-width spaces, line separators) would show
    // the line in another order or shape than it is read: show a symbol
    // in their place, one character for one so that the caret stays under its spot.
    let window = &text[from_byte..to_byte];
    // (A line holds no line break.)
    let mut shown: String = match crate::file_name::printable_ascii(window, true) {
        // Nothing to replace (most lines): copied whole.
        true => window.to_owned(),
        false => window
            .chars()
            .map(|c| match c {
                '\t' => c,
                c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32).unwrap_or('?'),
                '\u{7f}' => '\u{2421}',
                c if c.is_control() || crate::file_name::is_hidden(c) => '\u{fffd}',
                c => c,
            })
            .collect(),
    };
    if count <= MAX_SHOWN {
        return (shown, caret, width);
    }
    let mut column = caret - from;
    if from > 0 {
        shown.insert(0, '…');
        column += 1;
    }
    if to < count {
        shown.push('…');
    }
    let width = width.min((MAX_SHOWN + 2).saturating_sub(column)).max(1);
    (shown, column, width)
}

impl Diagnostic {
    /// A problem at a span of a source file.
    pub fn at(source: &Source, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::at_in(source, source.name.as_str().into(), span, message)
    }

    /// [`Diagnostic::at`], the file named by `file` (its name, shared by many).
    pub fn at_in(
        source: &Source,
        file: Arc<str>,
        span: Span,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::at_in_lines(source, None, file, span, message)
    }

    /// [`Diagnostic::at_in`], its line found by `lines` when given: for many problems found
    /// in text order (see [`Lines`]), without an index of every line.
    pub fn at_in_lines(
        source: &Source,
        lines: Option<&Lines>,
        file: Arc<str>,
        span: Span,
        message: impl Into<String>,
    ) -> Diagnostic {
        let start = span.start as usize;
        let offset = floor_char_boundary(&source.text, start.min(source.text.len()));
        let (index, line) = match lines {
            Some(lines) => {
                let index = lines.index(offset);
                (index, lines.range(index))
            }
            None => {
                let index = source.line_index(offset);
                (index, source.line_range(index))
            }
        };
        let line = source.columns_start(line.start, offset)..line.end;
        let location = Location {
            line: index + 1,
            column: source.chars_between(line.start, offset) + 1,
        };
        let text = without_break(&source.text[line.clone()]);
        let line_end = line.start + text.len();
        let start = start.min(source.text.len());
        let end = (span.end as usize).clamp(start, line_end.max(start));
        let width = match source.text.is_char_boundary(start) && source.text.is_char_boundary(end) {
            true => source.chars_between(start, end).max(1),
            false => 1,
        };
        let (line, location_column, width) =
            shown_line(source, line.start, text, start, location.column, width);
        Diagnostic {
            severity: Severity::Error,
            file: Some(file),
            location: Some(location),
            snippet: Some(Snippet {
                line_text: line,
                column: location_column,
                width,
            }),
            message: message.into(),
        }
    }

    /// A problem with a whole file.
    pub fn file(name: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            file: Some(name.into()),
            location: None,
            snippet: None,
            message: message.into(),
        }
    }

    /// A problem with no file, such as a bad combination of flags.
    pub fn plain(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            file: None,
            location: None,
            snippet: None,
            message: message.into(),
        }
    }

    pub fn warning(mut self) -> Diagnostic {
        self.severity = Severity::Warning;
        self
    }

    /// Renders the diagnostic; `color` wraps the severity and caret in ANSI colours.
    pub fn render(&self, color: bool) -> String {
        self.render_coded(color, None)
    }

    /// Renders it with a short name of its kind, `error[code]`, as rustc shows its error
    /// codes (`check` names each finding's kind this way).
    pub fn render_coded(&self, color: bool, code: Option<&str>) -> String {
        self.shown().render_coded(color, code)
    }

    /// What it shows, borrowed.
    pub fn shown(&self) -> Shown<'_> {
        Shown {
            severity: self.severity,
            file: self.file.as_deref(),
            location: self.location.clone(),
            snippet: self.snippet.as_ref(),
            message: &self.message,
        }
    }
}

/// What a diagnostic shows, borrowed from where it is kept: a [`Diagnostic`], or a `check`
/// finding, which keeps its file and position once for every format (a run makes tens of
/// thousands of them). Rendered the same whichever it comes from.
pub struct Shown<'a> {
    pub severity: Severity,
    pub file: Option<&'a str>,
    pub location: Option<Location>,
    pub snippet: Option<&'a Snippet>,
    pub message: &'a str,
}

impl Shown<'_> {
    /// See [`Diagnostic::render_coded`].
    pub fn render_coded(&self, color: bool, code: Option<&str>) -> String {
        let mut out = String::new();
        self.write_coded(&mut out, color, code);
        out
    }

    /// [`Shown::render_coded`] onto the end of `out`: `check` writes tens of thousands of
    /// findings into one text.
    pub fn write_coded(&self, out: &mut String, color: bool, code: Option<&str>) {
        // Piece by piece with `push_str`: through `write!` each piece went through the
        // formatter's padding logic, and this runs once for each of tens of thousands.
        let (on, bold, off) = match (color, self.severity) {
            (false, _) => ("", "", ""),
            (true, Severity::Error) => ("\x1b[1;31m", "\x1b[1m", "\x1b[0m"),
            (true, Severity::Warning) => ("\x1b[1;33m", "\x1b[1m", "\x1b[0m"),
        };
        // Control characters never reach the terminal, whatever a message quotes.
        if let Some(file) = self.file {
            out.push_str(bold);
            out.push_str(&crate::file_name::shown(file));
            if let Some(l) = &self.location {
                out.push(':');
                push_number(out, l.line);
                out.push(':');
                push_number(out, l.column);
            }
            out.push(':');
            out.push_str(off);
            out.push(' ');
        }
        out.push_str(on);
        out.push_str(self.severity.as_str());
        if let Some(code) = code {
            out.push('[');
            out.push_str(code);
            out.push(']');
        }
        out.push_str(off);
        out.push_str(": ");
        out.push_str(bold);
        out.push_str(&crate::file_name::shown_text(self.message));
        out.push_str(off);
        out.push('\n');
        if let (Some(location), Some(snippet)) = (&self.location, self.snippet) {
            let number = location.line;
            let digits = number.checked_ilog10().unwrap_or(0) as usize + 1;
            push_repeated(out, SPACES, digits);
            out.push_str(" |\n");
            push_number(out, number);
            out.push_str(" | ");
            out.push_str(&snippet.line_text);
            out.push('\n');
            push_repeated(out, SPACES, digits);
            out.push_str(" | ");
            // Under the line, a space for each character before the caret, a tab for a tab
            // (in ASCII without tabs, nearly every line, a space a byte).
            let before = snippet.column - 1;
            match snippet.line_text.as_bytes().get(..before) {
                Some(prefix) if prefix.is_ascii() && !prefix.contains(&b'\t') => {
                    push_repeated(out, SPACES, before);
                }
                _ => {
                    let mut spaces = 0;
                    for c in snippet.line_text.chars().take(before) {
                        if c == '\t' {
                            push_repeated(out, SPACES, std::mem::take(&mut spaces));
                            out.push('\t');
                        } else {
                            spaces += 1;
                        }
                    }
                    push_repeated(out, SPACES, spaces);
                }
            }
            out.push_str(on);
            push_repeated(out, CARETS, snippet.width);
            out.push_str(off);
            out.push('\n');
        }
    }
}

/// Runs of one character for [`push_repeated`].
const SPACES: &str = "                                                                ";
const CARETS: &str = "^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^";

/// Writes `n` times the one ASCII character `run` repeats, a run at a time (a character
/// at a time was most of writing a finding's caret line).
fn push_repeated(out: &mut String, run: &str, mut n: usize) {
    while n > 0 {
        let take = n.min(run.len());
        out.push_str(&run[..take]);
        n -= take;
    }
}

/// Writes `n` in decimal onto `out`, by hand: `check` writes three numbers a finding, and
/// through `write!` they cost 1% more of a run over 1,000 files (callgrind).
fn push_number(out: &mut String, n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

/// Why a command could not run: one or more diagnostics. Always exit code 2.
#[derive(Debug)]
pub struct Error {
    pub diagnostics: Vec<Diagnostic>,
}

impl Error {
    pub fn many(diagnostics: Vec<Diagnostic>) -> Error {
        Error { diagnostics }
    }

    pub fn plain(message: impl Into<String>) -> Error {
        Diagnostic::plain(message).into()
    }
}

impl From<Diagnostic> for Error {
    fn from(d: Diagnostic) -> Error {
        Error {
            diagnostics: vec![d],
        }
    }
}

/// Collects diagnostics from many independent steps, so one run reports every problem.
pub fn collect<T>(results: impl IntoIterator<Item = Result<T, Error>>) -> Result<Vec<T>, Error> {
    let mut ok = Vec::new();
    let mut errors = Vec::new();
    for result in results {
        match result {
            Ok(value) => ok.push(value),
            Err(e) => errors.extend(e.diagnostics),
        }
    }
    if errors.is_empty() {
        Ok(ok)
    } else {
        Err(Error::many(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_display_writes_them() {
        for n in [0, 1, 9, 10, 99, 100, 12345, usize::MAX] {
            let mut out = String::from("x");
            push_number(&mut out, n);
            assert_eq!(out, format!("x{n}"));
        }
    }

    #[test]
    fn runs_are_written_as_repeat_writes_them() {
        for n in [0, 1, 63, 64, 65, 200] {
            for (run, c) in [(SPACES, ' '), (CARETS, '^')] {
                let mut out = String::from("x");
                push_repeated(&mut out, run, n);
                assert_eq!(out, format!("x{}", c.to_string().repeat(n)));
            }
        }
    }

    #[test]
    fn the_caret_stands_under_its_spot_past_tabs_and_wide_characters() {
        let line = "\t\tname:\t\"é💡x\"";
        let source = Source::from_text("a.yaml", &format!("{line}\n"));
        let at = line.find('x').unwrap();
        let d = Diagnostic::at(&source, Span::new(at, at + 1), "m");
        assert_eq!(
            d.render(false),
            format!("a.yaml:1:12: error: m\n  |\n1 | {line}\n  | \t\t     \t   ^\n")
        );
    }

    #[test]
    fn renders_like_rustc() {
        let source = Source::from_text("a.yaml", "x: 1\nkey: [oops\n");
        let d = Diagnostic::at(&source, Span::new(10, 15), "unclosed list");
        assert_eq!(
            d.render(false),
            "a.yaml:2:6: error: unclosed list\n  |\n2 | key: [oops\n  |      ^^^^^\n"
        );
    }

    #[test]
    fn long_lines_are_cut_around_the_spot() {
        let text = format!("{}X{}", "a".repeat(500), "b".repeat(500));
        let source = Source::from_text("m.json", &text);
        let d = Diagnostic::at(&source, Span::new(500, 501), "here");
        assert_eq!(d.location.as_ref().unwrap().column, 501);
        let rendered = d.render(false);
        let lines: Vec<&str> = rendered.lines().collect();
        assert!(lines[2].chars().count() < 180, "{rendered}");
        let caret = lines[3].find('^').unwrap();
        assert_eq!(
            lines[2].chars().nth(lines[3][..caret].chars().count()),
            Some('X')
        );
    }

    /// The window as the whole line's characters give it: what `shown_line` must show
    /// while reading only the window.
    fn naive_window(chars: &[char], column: usize) -> (String, usize) {
        let caret = column.min(chars.len() + 1);
        if chars.len() <= MAX_SHOWN {
            return (chars.iter().collect(), caret);
        }
        let from = caret
            .saturating_sub(MAX_SHOWN / 2)
            .min(chars.len() - MAX_SHOWN);
        let to = from + MAX_SHOWN;
        let mut shown: String = chars[from..to].iter().collect();
        let mut column = caret - from;
        if from > 0 {
            shown.insert(0, '…');
            column += 1;
        }
        if to < chars.len() {
            shown.push('…');
        }
        (shown, column)
    }

    #[test]
    fn long_lines_are_windowed_as_their_characters_say() {
        // Several megabytes of one line with characters of every UTF-8 length.
        let unit = "{\"a\":\"é€😀x\"},";
        let line = unit.repeat(200_000);
        let text = format!("x\n{line}\r\nlast");
        let source = Source::from_text("m.json", &text);
        let chars: Vec<char> = line.chars().collect();
        let line_start = 2;
        for (i, (at, _)) in line.char_indices().enumerate() {
            // The start, the end, and a spread of spots between.
            if !(i < 200 || i % 99_991 == 0 || line.len() - at < 400) {
                continue;
            }
            let d = Diagnostic::at(&source, Span::new(line_start + at, line_start + at), "m");
            let column = d.location.as_ref().unwrap().column;
            assert_eq!(column, i + 1);
            let snippet = d.snippet.unwrap();
            let (shown, caret) = naive_window(&chars, column);
            assert_eq!(
                (snippet.line_text, snippet.column),
                (shown, caret),
                "at {at}"
            );
        }
        // Past the end (in the CR): the caret just past the shown line.
        let end = line_start + line.len();
        let d = Diagnostic::at(&source, Span::new(end + 1, end + 1), "m");
        let (shown, caret) = naive_window(&chars, chars.len() + 2);
        let snippet = d.snippet.unwrap();
        assert_eq!((snippet.line_text, snippet.column), (shown, caret));
    }

    #[test]
    fn a_spot_past_a_long_line_with_a_trailing_cr_is_shown() {
        let text = format!("[{}\r", "1,".repeat(100));
        let source = Source::from_text("cr.json", &text);
        let d = Diagnostic::at(&source, Span::new(text.len(), text.len()), "end");
        assert!(d.render(false).contains('^'));
    }

    #[test]
    fn snippets_show_controls_and_bidi_overrides_as_symbols_in_place() {
        // A right-to-left override would show `"b"` before `# a` on the terminal.
        let source = Source::from_text("a.yaml", "k: v # \u{202e}x\u{2066}\u{7f}\u{85} end\n");
        let d = Diagnostic::at(
            &source,
            Span::new(source.text.len() - 4, source.text.len() - 1),
            "m",
        );
        let rendered = d.render(false);
        assert_eq!(
            rendered,
            "a.yaml:1:14: error: m\n  |\n1 | k: v # \u{fffd}x\u{fffd}\u{2421}\u{fffd} end\n  |              ^^^\n"
        );
    }

    /// A line of ASCII only is copied whole unless a control character is in it: DEL and
    /// C0 stand just beside the printable range, and a tab stays a tab.
    #[test]
    fn ascii_snippets_keep_tabs_and_show_controls_as_symbols() {
        for (line, shown) in [
            ("k:\t~ v", "k:\t~ v"),
            ("k:\t~\x7f v", "k:\t~\u{2421} v"),
            ("k: \x01 v", "k: \u{2401} v"),
        ] {
            let source = Source::from_text("a.yaml", &format!("{line}\n"));
            let end = source.text.len() - 1;
            let d = Diagnostic::at(&source, Span::new(end - 1, end), "m");
            assert_eq!(
                d.snippet.as_ref().map(|s| s.line_text.as_str()),
                Some(shown)
            );
        }
    }

    #[test]
    fn caret_stops_at_line_end_and_is_never_empty() {
        let source = Source::from_text("a.json", "{\n\"a\": \"b\r\n}");
        let d = Diagnostic::at(&source, Span::new(7, 20), "m");
        let snippet = d.snippet.unwrap();
        assert_eq!(snippet.line_text, "\"a\": \"b");
        assert_eq!(snippet.width, 2);
        let d = Diagnostic::at(&source, Span::new(13, 13), "m");
        assert_eq!(d.snippet.unwrap().width, 1);
    }

    /// A line longer than a diagnostic shows.
    const LONG: &str = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

    proptest::proptest! {
        /// A diagnostic whose line is counted by [`Lines`] is the one the line index gives,
        /// whatever order the spans come in (one `Lines` asked about them all): lines with
        /// CRLF, a lone CR, tabs, control and multi-byte characters, long lines, spans
        /// inside a character or past the end.
        #[test]
        fn counted_lines_give_the_indexed_diagnostic(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "a", "bc", "\n", "\r\n", "\r", "é", "\t", "\u{1}", "💡", LONG,
            ]), 0..40),
            spans in proptest::collection::vec((0usize..400, 0usize..60), 1..20),
        ) {
            let text: String = pieces.concat();
            let source = Source::from_text("f.json", &text);
            let lines = Lines::new(&source);
            for (start, len) in spans {
                let span = Span::new(start, start + len);
                let file: Arc<str> = "f.json".into();
                proptest::prop_assert_eq!(
                    Diagnostic::at_in_lines(&source, Some(&lines), file.clone(), span, "m"),
                    Diagnostic::at_in(&source, file, span, "m")
                );
            }
        }

        /// The byte shortcuts for ASCII find the characters `char_indices` finds, in
        /// text of any script and where ASCII and other characters meet.
        #[test]
        fn nth_char_finds_what_char_indices_finds(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "a", "b c", "\t", "é", "💡", "\u{1}", "ü\n",
            ]), 0..12),
            n in 0usize..40,
        ) {
            let text: String = pieces.concat();
            proptest::prop_assert_eq!(
                nth_char(&text, n),
                text.char_indices().nth(n).map(|(i, _)| i)
            );
            proptest::prop_assert_eq!(
                nth_char_back(&text, n),
                text.char_indices().rev().nth(n).map(|(i, _)| i)
            );
        }
    }
}
