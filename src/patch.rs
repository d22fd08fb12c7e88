//! Renders a file's edits as a unified diff that `patch -p1` and `git apply` accept.
//!
//! Hunks are built from the known edits rather than by diffing the whole file: the changed
//! lines are exactly the lines the edits touch, so the cost grows with the number of edits,
//! not with the size of the file (a general line diff over a large file with many edits is
//! quadratic). Line endings are kept byte for byte, so a CRLF file gives a CRLF patch.
//! Hunks are made and written one at a time, in file order, and lines are found by a
//! cursor that moves through the text with them: no index of every line is built.

use std::fmt::Write;
use std::ops::Range;

use crate::edit::{self, Edit};
use crate::source::Source;

pub const CONTEXT: usize = 3;

/// One run of changed lines: old lines `old` (0-based, half-open) become `new_text`.
struct Block {
    old: Range<usize>,
    /// Where old line `old.start` starts.
    at: usize,
    new_text: String,
}

pub struct Style {
    pub color: bool,
}

/// The unified diff of one file; empty when there are no edits.
pub fn render(source: &Source, edits: &[Edit], name: &str, style: &Style) -> String {
    let mut out = Vec::new();
    write(&mut out, source, edits, name, style).expect("writing to memory does not fail");
    String::from_utf8(out).expect("a patch of UTF-8 text is UTF-8")
}

/// Writes the unified diff of one file to `sink` hunk by hunk, so that a large patch is
/// never held whole in memory; nothing when there are no edits.
pub fn write(
    sink: &mut impl std::io::Write,
    source: &Source,
    edits: &[Edit],
    name: &str,
    style: &Style,
) -> std::io::Result<()> {
    /// Output is handed to the sink in pieces of about this size.
    const CHUNK: usize = 1 << 16;
    if edits.is_empty() {
        return Ok(());
    }
    let paint = |code: &str, line: &str| {
        if style.color {
            format!("\x1b[{code}m{line}\x1b[0m")
        } else {
            line.to_owned()
        }
    };
    let mut out = String::new();
    out.push_str(&paint("1", &format!("--- a/{name}")));
    out.push('\n');
    out.push_str(&paint("1", &format!("+++ b/{name}")));
    out.push('\n');

    let text = source.text.as_str();
    let mut blocks = Blocks {
        text,
        edits,
        next: 0,
        pending: None,
        lines: Lines::new(text),
    }
    .peekable();
    let mut lines = Lines::new(text);
    let mut hunk: Vec<Block> = Vec::new();
    let mut delta: isize = 0;
    let mut body = String::new();
    while let Some(first) = blocks.next() {
        // Blocks whose context would touch are one hunk.
        hunk.clear();
        hunk.push(first);
        loop {
            let reach = hunk[hunk.len() - 1].old.end + 2 * CONTEXT;
            match blocks.next_if(|b| b.old.start <= reach) {
                Some(block) => hunk.push(block),
                None => break,
            }
        }
        let start = hunk[0].old.start.saturating_sub(CONTEXT);
        let end = hunk[hunk.len() - 1].old.end + CONTEXT;
        body.clear();
        let (mut old_len, mut new_len) = (0, 0);
        let mut line = start;
        for block in &hunk {
            // The cursor jumps to each block; the context around it is a few lines away.
            lines.seek(block.old.start, block.at);
            for l in line..block.old.start {
                push_line(&mut body, ' ', lines.text(l), style.color, "");
                old_len += 1;
                new_len += 1;
            }
            for l in block.old.clone() {
                push_line(&mut body, '-', lines.text(l), style.color, "31");
                old_len += 1;
            }
            for new_line in block.new_text.split_inclusive('\n') {
                push_line(&mut body, '+', new_line, style.color, "32");
                new_len += 1;
            }
            line = block.old.end;
        }
        for l in line..end {
            let range = lines.range(l);
            if range.start == text.len() {
                break; // past the last line
            }
            push_line(&mut body, ' ', &text[range], style.color, "");
            old_len += 1;
            new_len += 1;
        }
        let old_start = if old_len == 0 { start } else { start + 1 };
        let new_start_line = start as isize + delta;
        let new_start = if new_len == 0 {
            new_start_line
        } else {
            new_start_line + 1
        };
        let header = format!(
            "@@ -{} +{} @@",
            range_text(old_start, old_len),
            range_text(new_start.max(0) as usize, new_len)
        );
        out.push_str(&paint("36", &header));
        out.push('\n');
        out.push_str(&body);
        delta += new_len as isize - old_len as isize;
        if out.len() >= CHUNK {
            sink.write_all(out.as_bytes())?;
            out.clear();
        }
    }
    sink.write_all(out.as_bytes())
}

fn range_text(start: usize, len: usize) -> String {
    if len == 1 {
        start.to_string()
    } else {
        format!("{start},{len}")
    }
}

/// Writes one patch line; `code` is its colour (SGR) when `color` is on.
fn push_line(out: &mut String, sign: char, line: &str, color: bool, code: &str) {
    let (content, newline) = match line.strip_suffix('\n') {
        Some(content) => (content, true),
        None => (line, false),
    };
    if code.is_empty() || !color {
        out.push(sign);
        out.push_str(content);
    } else {
        // Colour must not swallow a CR: keep it outside the escape.
        let (visible, cr) = match content.strip_suffix('\r') {
            Some(v) => (v, "\r"),
            None => (content, ""),
        };
        let _ = write!(out, "\x1b[{code}m{sign}{visible}\x1b[0m{cr}");
    }
    out.push('\n');
    if !newline {
        out.push_str("\\ No newline at end of file\n");
    }
}

/// A cursor over the lines of a text. It moves to the line asked for, counting line
/// endings on the way. Hunks are written in file order, so this costs about one pass over
/// the text, where an index of every line would cost a word per line.
struct Lines<'t> {
    text: &'t str,
    /// The line the cursor stands on, and where it starts.
    line: usize,
    start: usize,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Lines<'t> {
        Lines {
            text,
            line: 0,
            start: 0,
        }
    }

    /// The number (0-based) of the line holding byte `offset`.
    fn holding(&mut self, offset: usize) -> usize {
        let count = |s: &str| s.bytes().filter(|&b| b == b'\n').count();
        if offset >= self.start {
            let skipped = &self.text[self.start..offset];
            if let Some(last) = skipped.rfind('\n') {
                self.line += count(skipped);
                self.start += last + 1;
            }
        } else {
            self.line -= count(&self.text[offset..self.start]);
            self.start = self.text[..offset].rfind('\n').map_or(0, |i| i + 1);
        }
        self.line
    }

    /// Puts the cursor on line `n`, which starts at `start`.
    fn seek(&mut self, n: usize, start: usize) {
        self.line = n;
        self.start = start;
    }

    /// The byte range of line `n`, its line ending included (empty past the end).
    fn range(&mut self, n: usize) -> Range<usize> {
        while self.line < n {
            match self.text[self.start..].find('\n') {
                Some(i) => {
                    self.start += i + 1;
                    self.line += 1;
                }
                None => return self.text.len()..self.text.len(),
            }
        }
        while self.line > n {
            self.start = self.text[..self.start - 1].rfind('\n').map_or(0, |i| i + 1);
            self.line -= 1;
        }
        let end = self.text[self.start..]
            .find('\n')
            .map_or(self.text.len(), |i| self.start + i + 1);
        self.start..end
    }

    /// Where the line the cursor stands on ends, its line ending included.
    fn end(&self) -> usize {
        self.text[self.start..]
            .find('\n')
            .map_or(self.text.len(), |i| self.start + i + 1)
    }

    fn text(&mut self, n: usize) -> &'t str {
        let range = self.range(n);
        &self.text[range]
    }
}

/// The lines an edit touches (an empty range: it only inserts whole lines there) and the
/// bytes of those lines.
#[derive(Clone)]
struct Touched {
    lines: Range<usize>,
    bytes: Range<usize>,
}

/// The edits grouped into runs of whole changed lines, in file order. One forward pass:
/// each block's old text is known from the bytes its edits touch.
struct Blocks<'a> {
    text: &'a str,
    edits: &'a [Edit],
    /// The first edit not yet in a block, and what it touches when already looked at.
    next: usize,
    pending: Option<Touched>,
    lines: Lines<'a>,
}

impl Blocks<'_> {
    fn touched(&mut self, index: usize) -> Touched {
        let e = &self.edits[index];
        let first = self.lines.holding(e.range.start);
        let start = self.lines.start;
        if e.range.is_empty() && start == e.range.start && e.content.ends_with('\n') {
            return Touched {
                lines: first..first,
                bytes: start..start,
            };
        }
        let last = if e.range.is_empty() {
            first
        } else {
            self.lines.holding(e.range.end - 1)
        };
        Touched {
            lines: first..last + 1,
            bytes: start..self.lines.end(),
        }
    }
}

impl Iterator for Blocks<'_> {
    type Item = Block;

    fn next(&mut self) -> Option<Block> {
        loop {
            let first = self.next;
            if first >= self.edits.len() {
                return None;
            }
            let mut block = match self.pending.take() {
                Some(touched) => touched,
                None => self.touched(first),
            };
            self.next += 1;
            while self.next < self.edits.len() {
                let more = self.touched(self.next);
                let lines = &block.lines;
                if more.lines.start <= lines.end && !(lines.is_empty() && more.lines.is_empty()) {
                    block.lines.end = block.lines.end.max(more.lines.end);
                    block.bytes.end = block.bytes.end.max(more.bytes.end);
                    self.next += 1;
                } else {
                    self.pending = Some(more);
                    break;
                }
            }
            let Touched { lines, bytes } = block;
            let new_text = edit::apply_in(self.text, bytes.clone(), &self.edits[first..self.next]);
            let block = trim(lines, bytes.start, &self.text[bytes], new_text);
            if !(block.old.is_empty() && block.new_text.is_empty()) {
                return Some(block);
            }
        }
    }
}

/// Leaves out of a block the whole lines that come out unchanged at its start and end, so
/// an insertion shows as added lines only. `old_text` is the text of lines `old`, which
/// starts at byte `at`.
fn trim(mut old: Range<usize>, at: usize, old_text: &str, new_text: String) -> Block {
    let old_lines: Vec<&str> = old_text.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new_text.split_inclusive('\n').collect();
    let (mut head, mut tail) = (0, 0);
    while head < old_lines.len() && head < new_lines.len() && old_lines[head] == new_lines[head] {
        head += 1;
    }
    while tail < old_lines.len() - head
        && tail < new_lines.len() - head
        && old_lines[old_lines.len() - tail - 1] == new_lines[new_lines.len() - tail - 1]
    {
        tail += 1;
    }
    old = old.start + head..old.end - tail;
    Block {
        old,
        at: at + old_lines[..head].iter().map(|l| l.len()).sum::<usize>(),
        new_text: new_lines[head..new_lines.len() - tail].concat(),
    }
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
    fn crlf_lines_stay_crlf() {
        let d = diff("a: old\r\nb: c\r\n", vec![Edit::replace(3..6, "new")]);
        assert!(d.contains("-a: old\r\n+a: new\r\n b: c\r\n"), "{d:?}");
    }
}
