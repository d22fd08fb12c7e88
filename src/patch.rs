//! Renders a file's edits as a unified diff that `patch -p1` and `git apply` accept.
//!
//! Hunks are built from the known edits rather than by diffing the whole file: the changed
//! lines are exactly the lines the edits touch, so the cost grows with the number of edits,
//! not with the size of the file (a general line diff over a large file with many edits is
//! quadratic). Within the few lines one run of edits touches, a line diff (similar's Myers)
//! keeps the hunk minimal, as `diff -u` prints it: a line that comes out unchanged is never
//! shown as removed and added again. Each hunk header names the setting it changes, the way
//! `git diff` names the enclosing function (git and patch ignore that text). Line endings
//! are kept byte for byte, so a CRLF file gives a CRLF patch.

use std::cell::Cell;
use std::fmt::Write;
use std::ops::Range;

use crate::edit::{self, Edit};
use crate::source::Source;

pub const CONTEXT: usize = 3;

/// One run of changed lines: old lines `old` (0-based, half-open) become `new_text`; `at`
/// is where its first edit stands (the last byte it removes, or where it inserts).
struct Block {
    old: Range<usize>,
    new_text: String,
    at: usize,
}

pub struct Style {
    pub color: bool,
}

/// The unified diff of one file, as text (the tests' view of `write`).
#[cfg(test)]
pub fn render(source: &Source, edits: &[Edit], name: &str, style: &Style) -> String {
    let mut out = Vec::new();
    write(&mut out, source, edits, name, style, &|_| None)
        .expect("writing to memory does not fail");
    String::from_utf8(out).expect("a patch of UTF-8 text is UTF-8")
}

/// Writes the unified diff of one file to `sink` hunk by hunk, so that a large patch is
/// never held whole in memory; nothing when there are no edits. `setting` names the
/// setting that holds an offset of the old text, for the hunk headers.
pub fn write<'s>(
    sink: &mut impl std::io::Write,
    source: &Source,
    edits: &[Edit],
    name: impl AsRef<std::path::Path>,
    style: &Style,
    setting: &dyn Fn(usize) -> Option<&'s str>,
) -> std::io::Result<()> {
    /// Output is handed to the sink in pieces of about this size.
    const CHUNK: usize = 1 << 16;
    if edits.is_empty() {
        return Ok(());
    }
    let lines = Lines::new(source);
    let mut blocks = blocks(&lines, edits).peekable();
    let paint = |code: &str, line: &str| {
        if style.color {
            format!("\x1b[{code}m{line}\x1b[0m")
        } else {
            line.to_owned()
        }
    };
    let mut out = String::new();
    let name = name.as_ref();
    for (marker, prefix) in [("---", "a/"), ("+++", "b/")] {
        let header = crate::file_name::git_quoted(prefix, name);
        // As git writes it: a name with a space ends with a tab, or `patch` would take
        // what follows the space for a timestamp.
        let tab = if header.contains(' ') { "\t" } else { "" };
        out.push_str(&paint("1", &format!("{marker} {header}{tab}")));
        out.push('\n');
    }

    let mut delta: isize = 0;
    // The hunk's lines, as where their text is: counted before the header is written, then
    // written straight into the output (a one-line minified export's hunk is the whole
    // file twice: held once more, and copied once more, it doubled the run's memory).
    let mut rows: Vec<Row> = Vec::new();
    // Blocks are made as the hunks need them: on a large export, all of them at once would
    // be tens of megabytes.
    let mut hunk = Vec::new();
    while let Some(first) = blocks.next() {
        // Blocks whose context would touch are one hunk.
        hunk.clear();
        hunk.push(first);
        while let Some(next) = blocks.next_if(|next| {
            next.old.start <= hunk.last().map_or(0, |b: &Block| b.old.end) + 2 * CONTEXT
        }) {
            hunk.push(next);
        }
        let start = hunk[0].old.start.saturating_sub(CONTEXT);
        rows.clear();
        let (mut removed, mut added) = (0, 0);
        let mut line = start;
        for (b, block) in hunk.iter().enumerate() {
            for l in line..block.old.start {
                rows.push(Row::old(' ', lines.range(l)));
            }
            for l in block.old.clone() {
                rows.push(Row::old('-', lines.range(l)));
            }
            removed += block.old.len();
            let mut at = 0;
            for new_line in block.new_text.split_inclusive('\n') {
                rows.push(Row {
                    sign: '+',
                    text: RowText::New(b, at..at + new_line.len()),
                });
                at += new_line.len();
                added += 1;
            }
            line = block.old.end;
        }
        // Context after, as far as the text goes (not the empty line after a final break).
        for l in line..hunk[hunk.len() - 1].old.end + CONTEXT {
            match lines.start_of(l) {
                Some(start) if start < source.text.len() => {}
                _ => break,
            }
            rows.push(Row::old(' ', lines.range(l)));
        }
        let (old_len, new_len) = (rows.len() - added, rows.len() - removed);
        let old_start = if old_len == 0 { start } else { start + 1 };
        let new_start_line = start as isize + delta;
        let new_start = if new_len == 0 {
            new_start_line
        } else {
            new_start_line + 1
        };
        // Written straight into the output: a large export's patch has tens of thousands
        // of hunks, and the header's few strings each were a fifth of the patch's time.
        if style.color {
            out.push_str("\x1b[36m");
        }
        out.push_str("@@ -");
        push_range(&mut out, old_start, old_len);
        out.push_str(" +");
        push_range(&mut out, new_start.max(0) as usize, new_len);
        out.push_str(" @@");
        if style.color {
            out.push_str("\x1b[0m");
        }
        if let Some(name) = hunk.iter().find_map(|b| setting(b.at)) {
            // One line: a name with a line break in it would end the header.
            out.push(' ');
            match name.contains(['\n', '\r']) {
                true => out.push_str(&name.replace(['\n', '\r'], " ")),
                false => out.push_str(name),
            }
        }
        out.push('\n');
        for row in &rows {
            let text = match &row.text {
                RowText::Old(range) => &source.text[range.clone()],
                RowText::New(b, range) => &hunk[*b].new_text[range.clone()],
            };
            let code = match row.sign {
                '-' => "31",
                '+' => "32",
                _ => "",
            };
            if text.len() >= CHUNK {
                sink.write_all(out.as_bytes())?;
                out.clear();
                write_line(sink, row.sign, text, style.color, code)?;
                continue;
            }
            push_line(&mut out, row.sign, text, style.color, code);
            if out.len() >= CHUNK {
                sink.write_all(out.as_bytes())?;
                out.clear();
            }
        }
        delta += new_len as isize - old_len as isize;
    }
    sink.write_all(out.as_bytes())
}

/// One line of a hunk: its sign (` `, `-`, `+`) and where its text is.
struct Row {
    sign: char,
    text: RowText,
}

enum RowText {
    /// A line of the old text, at this byte range.
    Old(Range<usize>),
    /// A line of block `.0`'s new text, at this byte range of it.
    New(usize, Range<usize>),
}

impl Row {
    fn old(sign: char, range: Range<usize>) -> Row {
        Row {
            sign,
            text: RowText::Old(range),
        }
    }
}

/// A hunk's line range as `diff -u` writes it: `start`, or `start,len` unless `len` is 1.
fn push_range(out: &mut String, start: usize, len: usize) {
    let _ = match len {
        1 => write!(out, "{start}"),
        _ => write!(out, "{start},{len}"),
    };
}

/// The lines of the text a patch is written of, read through the source's line index.
/// Lines are as the index counts them: a line break ends a line (CRs stay in it), and a
/// text that ends with one has an empty last line.
///
/// The index is built when the patch starts, after the plan: its memory (4 bytes a line,
/// 4.5 MB for the 28.5 MB export) is then what the plan freed, and the peak does not
/// grow. Built on the idle core during the plan, it saved 6 ms more and raised the peak
/// by 3 to 6 MB. Scanning for lines instead (from the last one asked about, back for the
/// context before each hunk) took half the patch's time.
struct Lines<'a> {
    source: &'a Source,
    text: &'a str,
    starts: &'a [u32],
    /// The line found last: a patch asks in file order, so the next one is found by
    /// looking ahead from it rather than by a search through the whole index (each step of
    /// which is a read far into memory).
    line: Cell<usize>,
}

impl<'a> Lines<'a> {
    fn new(source: &'a Source) -> Lines<'a> {
        Lines {
            source,
            text: &source.text,
            starts: source.line_starts(),
            line: Cell::new(0),
        }
    }

    /// 0-based index of the line holding `offset`.
    fn index(&self, offset: usize) -> usize {
        let starts = self.starts;
        let before = |line: usize| starts[line] as usize <= offset;
        // (The first line starts at 0: some line holds every offset.)
        let from = self.line.get().min(starts.len() - 1);
        let line = if before(from) {
            // Ahead of the last one: steps that double until one passes `offset`.
            let (mut known, mut step) = (from, 1);
            let past = loop {
                let next = known + step;
                if next >= starts.len() || !before(next) {
                    break next.min(starts.len());
                }
                known = next;
                step *= 2;
            };
            known + starts[known..past].partition_point(|&s| s as usize <= offset) - 1
        } else {
            starts[..from].partition_point(|&s| s as usize <= offset) - 1
        };
        self.line.set(line);
        line
    }

    /// Where line `index` starts, when the text has that line.
    fn start_of(&self, index: usize) -> Option<usize> {
        self.starts.get(index).map(|&start| start as usize)
    }

    /// The byte range of line `index`, its line break included (empty at the end of the
    /// text for a line the text does not have).
    fn range(&self, index: usize) -> Range<usize> {
        match index < self.starts.len() {
            true => self.source.line_range(index),
            false => self.text.len()..self.text.len(),
        }
    }

    fn line(&self, index: usize) -> &'a str {
        &self.text[self.range(index)]
    }
}

/// Writes one patch line; `code` is its colour (SGR) when `color` is on.
fn push_line(out: &mut String, sign: char, line: &str, color: bool, code: &str) {
    line_pieces(sign, line, color, code, |piece| out.push_str(piece));
}

/// Writes one patch line straight to `sink`, without copying it: for a line longer than
/// the output's buffer (a minified export is one line of megabytes).
fn write_line(
    sink: &mut impl std::io::Write,
    sign: char,
    line: &str,
    color: bool,
    code: &str,
) -> std::io::Result<()> {
    let mut result = Ok(());
    line_pieces(sign, line, color, code, |piece| {
        if result.is_ok() {
            result = sink.write_all(piece.as_bytes());
        }
    });
    result
}

/// The pieces of one patch line, in order, to `emit`.
fn line_pieces(sign: char, line: &str, color: bool, code: &str, mut emit: impl FnMut(&str)) {
    let (content, newline) = match line.strip_suffix('\n') {
        Some(content) => (content, true),
        None => (line, false),
    };
    let mut buffer = [0; 4];
    let sign: &str = sign.encode_utf8(&mut buffer);
    if code.is_empty() || !color {
        emit(sign);
        emit(content);
    } else {
        // Colour must not swallow a CR: keep it outside the escape.
        let (visible, cr) = match content.strip_suffix('\r') {
            Some(v) => (v, "\r"),
            None => (content, ""),
        };
        for piece in ["\x1b[", code, "m", sign, visible, "\x1b[0m", cr] {
            emit(piece);
        }
    }
    emit("\n");
    if !newline {
        emit("\\ No newline at end of file\n");
    }
}

/// Groups edits into runs of whole changed lines, in order, one run at a time.
fn blocks<'a>(lines: &'a Lines<'a>, edits: &'a [Edit]) -> impl Iterator<Item = Block> + 'a {
    let text = lines.text;
    // Line range and the edits (as a range of indexes) of each block.
    let mut next = 0;
    let runs = std::iter::from_fn(move || {
        let mut run: Option<(Range<usize>, Range<usize>)> = None;
        while let Some(e) = edits.get(next) {
            let first = lines.index(e.range.start);
            let at_line_start = lines.range(first).start == e.range.start;
            // An insertion at a line's start adds lines before it when it ends with a line
            // break, and so does any insertion after the text's last line break: the empty
            // "line" there is no line of the file, and shown as removed, no tool applies it.
            let adds_lines = e.content.ends_with('\n') || e.range.start == text.len();
            let lines = if e.range.is_empty() && at_line_start && adds_lines {
                first..first
            } else if e.range.is_empty() {
                first..first + 1
            } else {
                first..lines.index(e.range.end - 1) + 1
            };
            match &mut run {
                None => run = Some((lines, next..next + 1)),
                Some((range, members))
                    if lines.start <= range.end
                        && !(range.start == range.end && lines.is_empty()) =>
                {
                    range.end = range.end.max(lines.end);
                    members.end = next + 1;
                }
                Some(_) => break,
            }
            next += 1;
        }
        run
    });
    runs.flat_map(move |(changed, members)| {
        let from = lines.start_of(changed.start).unwrap_or(text.len());
        let to = if changed.is_empty() {
            from
        } else {
            lines.range(changed.end - 1).end
        };
        // An edit is named by where it ends: a dropped setting's text starts before the
        // setting itself (its `- ` or the separator after the one before), which would
        // name the setting before it, unchanged.
        let first = &edits[members.start].range;
        let at = if first.is_empty() {
            first.start
        } else {
            first.end - 1
        };
        minimal(
            lines,
            changed,
            edit::apply_in(text, from..to, &edits[members]),
            at,
        )
    })
}

/// The changed lines of a run of old lines `old` that become `new_text`: only the lines
/// that differ, as a line diff finds them, so that an insertion shows as added lines only
/// and an unchanged line is never shown as removed and added again.
fn minimal(lines: &Lines, old: Range<usize>, new_text: String, at: usize) -> Vec<Block> {
    let new_lines: Vec<&str> = new_text.split_inclusive('\n').collect();
    // One line that changes (most edits): nothing to find.
    if old.len() <= 1 && new_lines.len() <= 1 {
        let unchanged =
            old.len() == new_lines.len() && old.len() == 1 && lines.line(old.start) == new_lines[0];
        if unchanged || (old.is_empty() && new_lines.is_empty()) {
            return Vec::new();
        }
        return vec![Block { old, new_text, at }];
    }
    let old_lines: Vec<&str> = old.clone().map(|l| lines.line(l)).collect();
    // No line in common (a few lines that each change: most runs that are not one line):
    // the line diff would find them all changed; they are, without its search.
    if old_lines.len() * new_lines.len() <= 16 && !old_lines.iter().any(|l| new_lines.contains(l)) {
        return vec![Block { old, new_text, at }];
    }
    line_diff(old.start, &old_lines, &new_lines, at)
}

/// The blocks of lines that differ between `old_lines` (the first is line `first`) and
/// `new_lines`, as similar's Myers diff finds them.
fn line_diff(first: usize, old_lines: &[&str], new_lines: &[&str], at: usize) -> Vec<Block> {
    similar::capture_diff_slices(similar::Algorithm::Myers, old_lines, new_lines)
        .into_iter()
        .filter_map(|op| {
            let (tag, a, b) = op.as_tag_tuple();
            (tag != similar::DiffTag::Equal).then(|| Block {
                old: first + a.start..first + a.end,
                new_text: new_lines[b].concat(),
                at,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diff(text: &str, edits: Vec<Edit>) -> String {
        let source = Source::from_text("f", text);
        render(
            &source,
            &edit::normalize(edits).unwrap(),
            "f.yaml",
            &Style { color: false },
        )
    }

    #[test]
    fn one_changed_line_with_context() {
        let text = "1\n2\n3\n4 old\n5\n6\n7\n8\n";
        let d = diff(text, vec![Edit::replace(8..11, "new")]);
        assert_eq!(
            d,
            "--- a/f.yaml\n+++ b/f.yaml\n@@ -1,7 +1,7 @@\n 1\n 2\n 3\n-4 old\n+4 new\n 5\n 6\n 7\n"
        );
    }

    #[test]
    fn a_deleted_line_and_a_missing_final_newline() {
        let text = "a\nold\nb";
        let d = diff(text, vec![Edit::delete(2..6)]);
        assert_eq!(
            d,
            "--- a/f.yaml\n+++ b/f.yaml\n@@ -1,3 +1,2 @@\n a\n-old\n b\n\\ No newline at end of file\n"
        );
        let d = diff(text, vec![Edit::replace(6..7, "c")]);
        assert!(
            d.ends_with("-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"),
            "{d}"
        );
    }

    #[test]
    fn distant_edits_make_separate_hunks_with_shifted_starts() {
        let text: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let start_of = |n: usize| text.find(&format!("\n{n}\n")).unwrap() + 1;
        let d = diff(
            &text,
            vec![
                Edit::delete(start_of(2)..start_of(3)),
                Edit::replace(start_of(15)..start_of(15) + 2, "XV"),
            ],
        );
        assert!(d.contains("@@ -1,5 +1,4 @@\n"), "{d}");
        assert!(d.contains("@@ -12,7 +11,7 @@\n"), "{d}");
    }

    #[test]
    fn an_insertion_shows_as_added_lines_only() {
        let d = diff("a: 1\nb: 2\nc: 3\n", vec![Edit::insert(9, "\nb2: 2")]);
        assert_eq!(
            d,
            "--- a/f.yaml\n+++ b/f.yaml\n@@ -1,3 +1,4 @@\n a: 1\n b: 2\n+b2: 2\n c: 3\n"
        );
    }

    #[test]
    fn a_run_of_edits_shows_only_the_lines_that_differ() {
        // Two insertions on neighbouring lines and a rewrite: the unchanged line is
        // context, never removed and added again (as `diff -u` prints it).
        let text = "a\nb\nc\n";
        let d = diff(
            text,
            vec![
                Edit::insert(1, "\nA"),
                Edit::insert(3, "\nB"),
                Edit::replace(4..5, "C"),
            ],
        );
        assert_eq!(
            d,
            "--- a/f.yaml\n+++ b/f.yaml\n@@ -1,3 +1,5 @@\n a\n+A\n b\n-c\n+B\n+C\n"
        );
    }

    #[test]
    fn hunk_headers_name_the_setting() {
        let source = Source::from_text("f", "1\n2\n3 old\n4\n");
        let mut out = Vec::new();
        write(
            &mut out,
            &source,
            &[Edit::replace(6..9, "new")],
            "f.yaml",
            &Style { color: false },
            &|offset| (6..9).contains(&offset).then_some("rule \"01\""),
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("@@ -1,4 +1,4 @@ rule \"01\"\n"), "{text}");
    }

    #[test]
    fn a_dropped_setting_names_itself_not_the_one_before() {
        // As `SettingsAt` sees it: each setting from its own text (after `- `) through
        // the end of its line.
        let text = "list:\n  - {id: a0}\n  - {id: a1}\n";
        let source = Source::from_text("f", text);
        let a1 = text.find("{id: a1}").unwrap();
        let mut out = Vec::new();
        write(
            &mut out,
            &source,
            &[Edit::replace(a1 - 4..text.len(), "")],
            "f.yaml",
            &Style { color: false },
            &|offset| Some(if offset >= a1 { "alias a1" } else { "alias a0" }),
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("@@ -1,3 +1,2 @@ alias a1\n"), "{text}");
    }

    #[test]
    fn an_insertion_after_the_last_line_break_adds_a_line() {
        // The empty "line" after a final line break is no line of the file: shown as
        // removed, neither `patch` nor `git apply` took the patch.
        let d = diff("a\n", vec![Edit::insert(2, "N")]);
        assert_eq!(
            d,
            "--- a/f.yaml\n+++ b/f.yaml\n@@ -1 +1,2 @@\n a\n+N\n\\ No newline at end of file\n"
        );
        let d = diff("", vec![Edit::insert(0, "N")]);
        assert_eq!(
            d,
            "--- a/f.yaml\n+++ b/f.yaml\n@@ -0,0 +1 @@\n+N\n\\ No newline at end of file\n"
        );
    }

    #[test]
    fn crlf_lines_stay_crlf() {
        let d = diff("a: old\r\nb: c\r\n", vec![Edit::replace(3..6, "new")]);
        assert!(d.contains("-a: old\r\n+a: new\r\n b: c\r\n"), "{d:?}");
    }

    /// A line longer than the output's buffer (written straight to the sink) reads as a
    /// short one does: in colour, with a CR, without a final line break.
    #[test]
    fn a_line_longer_than_the_buffer_is_written_as_any_other() {
        let long = |x: &str| format!("{{\"a\": \"{x}\", \"b\": \"{}\"}}", "y".repeat(70_000));
        let (old, new) = (long("old"), long("new"));
        // Where two long texts first differ (they are too long to print).
        let same = |a: &str, b: &str| {
            let at = a.bytes().zip(b.bytes()).position(|(x, y)| x != y);
            assert!(a == b, "differ at {at:?} of {} and {}", a.len(), b.len());
        };
        for (end, cr, marker) in [
            ("\r\n", "\r", ""),
            ("", "", "\\ No newline at end of file\n"),
        ] {
            let source = Source::from_text("f", &format!("{old}{end}"));
            let edits = [Edit::replace(7..10, "new")];
            same(
                &render(&source, &edits, "f.json", &Style { color: false }),
                &format!(
                    "--- a/f.json\n+++ b/f.json\n@@ -1 +1 @@\n-{old}{cr}\n{marker}+{new}{cr}\n{marker}"
                ),
            );
            let painted = render(&source, &edits, "f.json", &Style { color: true });
            let lines =
                format!("\x1b[31m-{old}\x1b[0m{cr}\n{marker}\x1b[32m+{new}\x1b[0m{cr}\n{marker}");
            same(&painted[painted.len() - lines.len()..], &lines);
        }
    }
}

#[cfg(test)]
mod line_tests {
    use super::*;
    use proptest::prelude::*;

    /// Applies a unified diff of one file to `old`, as `patch` does, written here apart
    /// from the writer: each hunk's context and removed lines must be the old text's, and
    /// its counts must match its lines.
    fn apply_patch(old: &str, patch: &str) -> String {
        let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
        let mut lines = patch.split_inclusive('\n').peekable();
        assert!(
            lines.next().is_some_and(|l| l.starts_with("--- ")),
            "{patch}"
        );
        assert!(
            lines.next().is_some_and(|l| l.starts_with("+++ ")),
            "{patch}"
        );
        let range = |part: &str| -> (usize, usize) {
            let (start, len) = part.split_once(',').unwrap_or((part, "1"));
            (start.parse().unwrap(), len.parse().unwrap())
        };
        let (mut out, mut next) = (String::new(), 0);
        while let Some(header) = lines.next() {
            let fields: Vec<&str> = header.split(' ').collect();
            assert_eq!(fields[0], "@@", "{patch}");
            let (old_start, old_len) = range(&fields[1][1..]);
            let (_, new_len) = range(&fields[2][1..]);
            let first = if old_len == 0 {
                old_start
            } else {
                old_start - 1
            };
            assert!(first >= next, "hunks out of order:\n{patch}");
            out.extend(old_lines[next..first].iter().copied());
            next = first;
            let (mut removed, mut added) = (0, 0);
            while removed < old_len || added < new_len {
                let line = lines.next().expect("a hunk's line");
                let (sign, rest) = line.split_at(1);
                let mut text = rest.to_owned();
                if lines.peek().is_some_and(|l| l.starts_with('\\')) {
                    lines.next();
                    assert_eq!(text.pop(), Some('\n'));
                }
                if sign != "+" {
                    assert_eq!(old_lines.get(next), Some(&text.as_str()), "{patch}");
                    next += 1;
                    removed += 1;
                }
                if sign != "-" {
                    out.push_str(&text);
                    added += 1;
                }
            }
            assert_eq!((removed, added), (old_len, new_len), "{patch}");
        }
        out.extend(old_lines[next..].iter().copied());
        out
    }

    proptest! {
        /// The patch applied to the text gives the text with the edits applied, whatever
        /// the edits (in a line, across lines, inserting lines, at the text's ends) and
        /// the lines (CRLF, a lone CR, no final line break, empty lines, long runs).
        #[test]
        fn the_patch_applied_gives_the_edited_text(
            pieces in prop::collection::vec(prop::sample::select(vec!["a", "bc", "\n", "\n", "\r\n", "\r", "é", "x\ny\n"]), 0..60),
            cuts in prop::collection::vec((0usize..200, 0usize..4, prop::sample::select(vec!["", "N", "\n", "M\n", "\r\n", "P\nQ"])), 0..8),
        ) {
            let text: String = pieces.concat();
            let boundaries: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
            // Edits at sorted, separate places of the text, each a few characters long.
            let mut at = 0;
            let mut edits = Vec::new();
            for (skip, len, content) in cuts {
                let start = (at + skip % 40).min(boundaries.len() - 1);
                let end = (start + len).min(boundaries.len() - 1);
                edits.push(Edit::replace(boundaries[start]..boundaries[end], content));
                at = end + 1;
            }
            let Ok(edits) = edit::normalize(edits) else {
                return Ok(());
            };
            let source = Source::from_text("f", &text);
            let patch = render(&source, &edits, "f", &Style { color: false });
            let expected = edit::apply(&text, &edits);
            if expected == text {
                // Nothing changes: no hunk may claim otherwise.
                prop_assert!(!patch.contains("@@"), "{}", patch);
            } else {
                prop_assert_eq!(apply_patch(&text, &patch), expected);
            }
        }

        /// Lines with none in common are all changed, as the line diff finds them: the
        /// shortcut `minimal` takes for them writes the same patch lines.
        #[test]
        fn lines_with_none_in_common_are_all_changed(
            old in prop::collection::vec(prop::sample::select(vec!["a\n", "b\n", "c\n", "d"]), 1..5),
            new in prop::collection::vec(prop::sample::select(vec!["A\n", "B\n", "C\n", "D"]), 1..5),
        ) {
            prop_assume!(!old.iter().any(|l| new.contains(l)));
            let rows = |blocks: &[Block]| -> Vec<String> {
                blocks
                    .iter()
                    .flat_map(|b| {
                        let removed = b.old.clone().map(|l| format!("-{}", old[l]));
                        let added = b.new_text.split_inclusive('\n').map(|l| format!("+{l}"));
                        removed.chain(added).collect::<Vec<_>>()
                    })
                    .collect()
            };
            let all = Block { old: 0..old.len(), new_text: new.concat(), at: 0 };
            prop_assert_eq!(rows(&line_diff(0, &old, &new, 0)), rows(&[all]));
        }

        /// `Lines` answers as counting the line breaks does, whatever order it is asked
        /// in (forward, back, the same line again, after a jump far ahead).
        #[test]
        fn lines_answer_as_counting_line_breaks(
            pieces in prop::collection::vec(prop::sample::select(vec!["a", "bc", "\n", "\r\n", "\r", "é"]), 0..40),
            asks in prop::collection::vec((0u8..2, 0usize..64), 0..40),
        ) {
            let text: String = pieces.concat();
            let source = Source::from_text("f", &text);
            let lines = Lines::new(&source);
            // Where each line starts: at 0, and after each line break.
            let starts: Vec<usize> = std::iter::once(0)
                .chain(text.match_indices('\n').map(|(at, _)| at + 1))
                .collect();
            for (what, at) in asks {
                match what {
                    0 => {
                        let offset = at.min(text.len());
                        let breaks = text.as_bytes()[..offset].iter().filter(|&&b| b == b'\n').count();
                        prop_assert_eq!(lines.index(offset), breaks);
                    }
                    _ => {
                        prop_assert_eq!(lines.start_of(at), starts.get(at).copied());
                        let end = starts.get(at + 1).copied().unwrap_or(text.len());
                        let start = starts.get(at).copied().unwrap_or(text.len());
                        prop_assert_eq!(lines.range(at), start..end);
                    }
                }
            }
        }
    }
}
