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

use std::fmt::Write;
use std::ops::Range;

use crate::edit::{self, Edit};
use crate::source::{Lines, Source};

pub const CONTEXT: usize = 3;

/// One run of changed lines: old lines `old` (0-based, half-open) become `new_text`; `at`
/// is where its first edit stands (the last byte it removes, or where it inserts).
struct Block {
    old: Range<usize>,
    /// Where the old lines are in the text (whole lines).
    old_text: Range<usize>,
    new_text: String,
    at: usize,
}

pub struct Style {
    pub color: bool,
    /// Written to a terminal: the lines' control characters (but a tab, and the CR of a
    /// CRLF) and characters that are not drawn are shown escaped, as names are, so that
    /// text in an export cannot move the cursor or hide a line of the change. A patch for
    /// a file or a pipe keeps every byte.
    pub terminal: bool,
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
///
/// A large file's hunks are written on two cores (see [`parts`]): every other part by
/// another thread, into memory, at most one part ahead of this one's writing. Each part's
/// hunks are what one pass would write, as the parts stand far apart; only a part's new
/// line numbers wait for the count of lines added and removed before it.
pub fn write<'s>(
    sink: &mut impl std::io::Write,
    source: &Source,
    edits: &[Edit],
    name: impl AsRef<std::path::Path>,
    style: &Style,
    setting: &(dyn Fn(usize) -> Option<&'s str> + Sync),
) -> std::io::Result<()> {
    let parts = match crate::parallel::workers() {
        1 => Parts::ONE,
        _ => Parts::LARGE,
    };
    write_in(sink, source, edits, name.as_ref(), style, setting, parts)
}

/// How a file's hunks are parted (see [`parts`]).
#[derive(Clone, Copy)]
struct Parts {
    /// From this size of text a file's hunks are written in parts.
    from: usize,
    /// About this many bytes of text a part.
    size: usize,
}

impl Parts {
    const ONE: Parts = Parts {
        from: usize::MAX,
        size: usize::MAX,
    };
    const LARGE: Parts = Parts {
        from: 4 << 20,
        size: 1 << 20,
    };
}

/// [`write`], in parts as `parts` says.
fn write_in<'s>(
    sink: &mut impl std::io::Write,
    source: &Source,
    edits: &[Edit],
    name: &std::path::Path,
    style: &Style,
    setting: &(dyn Fn(usize) -> Option<&'s str> + Sync),
    parts: Parts,
) -> std::io::Result<()> {
    if edits.is_empty() {
        return Ok(());
    }
    let mut out = Out::new(sink, String::new());
    for (marker, prefix) in [("---", "a/"), ("+++", "b/")] {
        let header = crate::file_name::git_quoted(prefix, name);
        // As git writes it: a name with a space ends with a tab, or `patch` would take
        // what follows the space for a timestamp.
        let tab = if header.contains(' ') { "\t" } else { "" };
        let buffer = &mut out.buffer;
        if style.color {
            buffer.push_str("\x1b[1m");
        }
        for piece in [marker, " ", &header, tab] {
            buffer.push_str(piece);
        }
        if style.color {
            buffer.push_str("\x1b[0m");
        }
        buffer.push('\n');
    }
    let hunks = &Hunks {
        source,
        style,
        setting,
    };
    let parts = self::parts(source, edits, parts);
    if parts.len() == 1 {
        hunks.write(&mut out, &Lines::new(source), edits, Delta::Known(0))?;
        return out.finish();
    }
    let (ours, theirs): (Vec<_>, Vec<_>) =
        parts.into_iter().enumerate().partition(|(i, _)| i % 2 == 0);
    let (send, receive) = std::sync::mpsc::sync_channel(1);
    std::thread::scope(|scope| {
        // Owned here, so that it is dropped as soon as the writing here fails (a closed
        // pipe, a full disk): the other thread's next send then fails and it stops. Kept
        // until the scope ends, it left that thread waiting to send, and the scope waiting
        // for that thread, for ever.
        let receive = receive;
        scope.spawn(move || {
            for (_, (range, lines)) in theirs {
                let (mut part, mut marks) =
                    (Out::new(Pieces::default(), String::new()), Vec::new());
                let written = hunks
                    .write(
                        &mut part,
                        &lines,
                        &edits[range],
                        Delta::Deferred(&mut marks),
                    )
                    .and_then(|delta| part.finish().map(|()| (part.sink, marks, delta)));
                // (Nobody waits for it once the writing here has failed.)
                if send.send(written).is_err() {
                    break;
                }
            }
        });
        let mut delta = 0;
        for (_, (range, lines)) in ours {
            delta += hunks.write(&mut out, &lines, &edits[range], Delta::Known(delta))?;
            // The part after, once the other thread has written it: none after the last
            // one, and none when that thread stopped (its panic is raised as the scope
            // ends).
            let Ok(written) = receive.recv() else {
                break;
            };
            let (pieces, marks, part_delta) = written?;
            out.finish()?;
            write_marked(&mut out.sink, pieces, marks, delta)?;
            delta += part_delta;
        }
        out.finish()
    })
}

/// Writes the text of a part written with [`Delta::Deferred`], each hunk's new start
/// counted on from the `delta` lines added before the part. (A mark stands inside its
/// header's line, which is never cut between pieces.) The text goes out through a buffer:
/// between two marks is about a hunk, and standard output, line-buffered, made a system
/// call of each (14,000 for the 28.5 MB export).
fn write_marked(
    sink: &mut impl std::io::Write,
    pieces: Pieces,
    marks: Vec<Mark>,
    delta: isize,
) -> std::io::Result<()> {
    use std::io::Write as _;
    let sink = &mut std::io::BufWriter::with_capacity(1 << 16, sink);
    let mut marks = marks.into_iter().peekable();
    let (mut offset, mut range) = (0, String::new());
    for piece in pieces.0 {
        let mut from = 0;
        while let Some(mark) = marks.next_if(|mark| mark.at < offset + piece.len()) {
            sink.write_all(&piece[from..mark.at - offset])?;
            range.clear();
            let line = mark.start as isize + delta + mark.delta;
            push_range(&mut range, new_start(line, mark.len), mark.len);
            sink.write_all(range.as_bytes())?;
            from = mark.at - offset;
        }
        sink.write_all(&piece[from..])?;
        offset += piece.len();
    }
    sink.flush()
}

/// Text kept in the pieces it was written in: one growing vector would copy it all again
/// each time it doubles.
#[derive(Default)]
struct Pieces(Vec<Vec<u8>>);

impl std::io::Write for Pieces {
    fn write(&mut self, text: &[u8]) -> std::io::Result<usize> {
        self.0.push(text.to_vec());
        Ok(text.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The parts a file's hunks are written in, each a range of its edits and the lines found
/// up to its first: one part for a small file; for a large one, parts of about
/// `sizes.size` bytes of text each, every one starting at an edit so far from the edit
/// before it that no hunk spans both (their context lines cannot touch). Writing them on
/// two cores in halves held half the patch in memory (6 MB for the 28.5 MB export); in
/// parts, two or three of them at a time.
fn parts<'a>(source: &'a Source, edits: &[Edit], sizes: Parts) -> Vec<(Range<usize>, Lines<'a>)> {
    let lines = Lines::new(source);
    if source.text.len() < sizes.from {
        return vec![(0..edits.len(), lines)];
    }
    let mut parts = Vec::new();
    let (mut first, mut first_lines) = (0, lines.clone());
    loop {
        let far = edits[first].range.start.saturating_add(sizes.size);
        let from = edits
            .partition_point(|e| e.range.start < far)
            .max(first + 1);
        let next = (from..edits.len()).find(|&at| {
            // Lines counted generously: the line of where the edit before ends (its end
            // is past its last byte), and one more than any two hunks' context needs.
            let before = lines.index(edits[at - 1].range.end);
            lines.index(edits[at].range.start) > before + 2 * CONTEXT + 2
        });
        let Some(next) = next else { break };
        // (The lines were last asked about the part's first edit.)
        parts.push((
            first..next,
            std::mem::replace(&mut first_lines, lines.clone()),
        ));
        first = next;
    }
    parts.push((first..edits.len(), first_lines));
    parts
}

/// A hunk's new start as `diff -u` writes it, from the 0-based line it starts at in the
/// new text: the line before an empty hunk, else its first line counted from 1.
fn new_start(line: isize, len: usize) -> usize {
    let line = if len == 0 { line } else { line + 1 };
    line.max(0) as usize
}

/// How the new line numbers of a run of hunks are known: from the lines added and removed
/// before its first (`Known`), or only later (`Deferred`: each header's place for them is
/// marked, to be written when the lines before are counted).
enum Delta<'m> {
    Known(isize),
    Deferred(&'m mut Vec<Mark>),
}

/// Where a hunk header's new range goes in the text written of a run of hunks whose new
/// line numbers are not known yet.
struct Mark {
    /// Byte offset in the run's text.
    at: usize,
    /// The hunk's first line (0-based) in the old text.
    start: usize,
    /// Lines added less lines removed by the run's hunks before this one.
    delta: isize,
    /// The hunk's length in the new text.
    len: usize,
}

/// Patch text on its way to a sink: gathered in a buffer, handed over in pieces of about
/// [`Out::CHUNK`], and counted (a [`Mark`] is an offset in what was written).
struct Out<W> {
    sink: W,
    buffer: String,
    written: usize,
}

impl<W: std::io::Write> Out<W> {
    /// Output is handed to the sink in pieces of about this size.
    const CHUNK: usize = 1 << 16;

    fn new(sink: W, buffer: String) -> Out<W> {
        Out {
            sink,
            buffer,
            written: 0,
        }
    }

    /// Hands the buffer over when it has grown to a piece.
    fn flush_full(&mut self) -> std::io::Result<()> {
        if self.buffer.len() >= Self::CHUNK {
            self.finish()?;
        }
        Ok(())
    }

    /// Hands everything written so far over to the sink.
    fn finish(&mut self) -> std::io::Result<()> {
        self.sink.write_all(self.buffer.as_bytes())?;
        self.written += self.buffer.len();
        self.buffer.clear();
        Ok(())
    }
}

/// Writes the hunks of one file's edits.
struct Hunks<'a, 's> {
    source: &'a Source,
    style: &'a Style,
    setting: &'a (dyn Fn(usize) -> Option<&'s str> + Sync),
}

impl Hunks<'_, '_> {
    /// Writes the hunks of `edits`; gives the lines they add less the lines they remove.
    fn write<W: std::io::Write>(
        &self,
        out: &mut Out<W>,
        lines: &Lines,
        edits: &[Edit],
        mut new_lines: Delta,
    ) -> std::io::Result<isize> {
        let (source, style) = (self.source, self.style);
        let bytes = source.text.as_bytes();
        let mut blocks = blocks(lines, edits).peekable();
        let mut delta: isize = 0;
        // The hunk's lines, as where their text is: counted before the header is written,
        // then written straight into the output (a one-line minified export's hunk is the
        // whole file twice: held once more, and copied once more, it doubled the run's
        // memory).
        let mut rows: Vec<Row> = Vec::new();
        // Blocks are made as the hunks need them: on a large export, all of them at once
        // would be tens of megabytes.
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
            rows.clear();
            // Context before, as far back as the text goes.
            let first = &hunk[0];
            let mut line_start = first.old_text.start;
            while rows.len() < CONTEXT && line_start > 0 {
                let end = line_start;
                line_start = memchr::memrchr(b'\n', &bytes[..end - 1]).map_or(0, |at| at + 1);
                rows.push(Row::old(' ', line_start..end));
            }
            rows.reverse();
            let start = first.old.start - rows.len();
            let (mut removed, mut added) = (0, 0);
            let mut from = first.old_text.start;
            for (b, block) in hunk.iter().enumerate() {
                rows.extend(lines_of(bytes, from..block.old_text.start).map(|l| Row::old(' ', l)));
                rows.extend(lines_of(bytes, block.old_text.clone()).map(|l| Row::old('-', l)));
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
                from = block.old_text.end;
            }
            // Context after, as far as the text goes (not the empty line after a final
            // break).
            let after = lines_of(bytes, from..bytes.len()).take(CONTEXT);
            rows.extend(after.map(|l| Row::old(' ', l)));
            let (old_len, new_len) = (rows.len() - added, rows.len() - removed);
            let old_start = if old_len == 0 { start } else { start + 1 };
            // Written straight into the output: a large export's patch has tens of
            // thousands of hunks, and the header's few strings each were a fifth of the
            // patch's time.
            let buffer = &mut out.buffer;
            if style.color {
                buffer.push_str("\x1b[36m");
            }
            buffer.push_str("@@ -");
            push_range(buffer, old_start, old_len);
            buffer.push_str(" +");
            match &mut new_lines {
                Delta::Known(before) => {
                    let line = start as isize + *before + delta;
                    push_range(buffer, new_start(line, new_len), new_len);
                }
                Delta::Deferred(marks) => marks.push(Mark {
                    // (What was handed over, and what waits in the buffer.)
                    at: out.written + buffer.len(),
                    start,
                    delta,
                    len: new_len,
                }),
            }
            buffer.push_str(" @@");
            if style.color {
                buffer.push_str("\x1b[0m");
            }
            if let Some(name) = hunk.iter().find_map(|b| (self.setting)(b.at)) {
                // One line: a name with a line break in it would end the header.
                buffer.push(' ');
                match name.contains(['\n', '\r']) {
                    true => buffer.push_str(&name.replace(['\n', '\r'], " ")),
                    false => buffer.push_str(name),
                }
            }
            buffer.push('\n');
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
                if text.len() >= Out::<W>::CHUNK {
                    out.finish()?;
                    out.written += write_line(&mut out.sink, row.sign, text, style, code)?;
                    continue;
                }
                push_line(&mut out.buffer, row.sign, text, style, code);
                out.flush_full()?;
            }
            delta += new_len as isize - old_len as isize;
        }
        Ok(delta)
    }
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

/// The byte ranges of the lines in `range` of `bytes` (which starts at a line's start), each
/// with its line break; the last one without, when the text ends without one.
fn lines_of(bytes: &[u8], range: Range<usize>) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = range.start;
    std::iter::from_fn(move || {
        (start < range.end).then(|| {
            let end = memchr::memchr(b'\n', &bytes[start..range.end])
                .map_or(range.end, |at| start + at + 1);
            std::mem::replace(&mut start, end)..end
        })
    })
}

/// Writes one patch line; `code` is its colour (SGR) when the style has colour.
fn push_line(out: &mut String, sign: char, line: &str, style: &Style, code: &str) {
    line_pieces(sign, line, style, code, |piece| out.push_str(piece));
}

/// Writes one patch line straight to `sink`, without copying it: for a line longer than
/// the output's buffer (a minified export is one line of megabytes).
fn write_line(
    sink: &mut impl std::io::Write,
    sign: char,
    line: &str,
    style: &Style,
    code: &str,
) -> std::io::Result<usize> {
    let (mut result, mut written) = (Ok(()), 0);
    line_pieces(sign, line, style, code, |piece| {
        if result.is_ok() {
            result = sink.write_all(piece.as_bytes());
            written += piece.len();
        }
    });
    result.map(|()| written)
}

/// The pieces of one patch line, in order, to `emit`.
fn line_pieces(sign: char, line: &str, style: &Style, code: &str, mut emit: impl FnMut(&str)) {
    let (content, newline) = match line.strip_suffix('\n') {
        Some(content) => (content, true),
        None => (line, false),
    };
    let mut buffer = [0; 4];
    let sign: &str = sign.encode_utf8(&mut buffer);
    let plain = code.is_empty() || !style.color;
    if plain && !style.terminal {
        // (A patch for a file or a pipe: every line as it is.)
        emit(sign);
        emit(content);
    } else {
        // Colour must not swallow a CR, nor escaping show it: keep it outside.
        let (visible, cr) = match content.strip_suffix('\r') {
            Some(v) => (v, "\r"),
            None => (content, ""),
        };
        let visible = match style.terminal {
            true => crate::file_name::shown_text(visible),
            false => std::borrow::Cow::Borrowed(visible),
        };
        let colour: [&str; 3] = match plain {
            true => ["", "", ""],
            false => ["\x1b[", code, "m"],
        };
        let reset = if plain { "" } else { "\x1b[0m" };
        for piece in colour.into_iter().chain([sign, &visible, reset, cr]) {
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
    let text = lines.text();
    // Line range, the edits (as a range of indexes) and the text of each run; the text is
    // found as its edits are, while the lines know where they are (the next edit, looked at
    // to end a run, may stand far on).
    let mut next = 0;
    let runs = std::iter::from_fn(move || {
        let mut run: Option<(Range<usize>, Range<usize>, Range<usize>)> = None;
        while let Some(e) = edits.get(next) {
            let first = lines.index(e.range.start);
            let line_start = lines.start_of(first).unwrap_or(text.len());
            let at_line_start = line_start == e.range.start;
            // An insertion at a line's start adds lines before it when it ends with a line
            // break, and so does any insertion after the text's last line break: the empty
            // "line" there is no line of the file, and shown as removed, no tool applies it.
            let adds_lines = e.content.ends_with('\n') || e.range.start == text.len();
            let changed = if e.range.is_empty() && at_line_start && adds_lines {
                first..first
            } else if e.range.is_empty() {
                first..first + 1
            } else {
                first..lines.index(e.range.end - 1) + 1
            };
            let end = match changed.is_empty() {
                true => line_start,
                false => lines.range(changed.end - 1).end,
            };
            match &mut run {
                None => run = Some((changed, next..next + 1, line_start..end)),
                Some((range, members, bytes))
                    if changed.start <= range.end
                        && !(range.start == range.end && changed.is_empty()) =>
                {
                    range.end = range.end.max(changed.end);
                    members.end = next + 1;
                    bytes.end = bytes.end.max(end);
                }
                Some(_) => break,
            }
            next += 1;
        }
        run
    });
    runs.flat_map(
        move |(
            changed,
            members,
            Range {
                start: from,
                end: to,
            },
        )| {
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
                text,
                changed,
                from..to,
                edit::apply_in(text, from..to, &edits[members]),
                at,
            )
        },
    )
}

/// The changed lines of a run of old lines `old` (the text's bytes `old_text`) that become
/// `new_text`: only the lines that differ, as a line diff finds them, so that an insertion
/// shows as added lines only and an unchanged line is never shown as removed and added
/// again.
fn minimal(
    text: &str,
    old: Range<usize>,
    old_text: Range<usize>,
    new_text: String,
    at: usize,
) -> Vec<Block> {
    let new_lines: Vec<&str> = new_text.split_inclusive('\n').collect();
    let whole = |new_text| Block {
        old: old.clone(),
        old_text: old_text.clone(),
        new_text,
        at,
    };
    // One line that changes (most edits): nothing to find.
    if old.len() <= 1 && new_lines.len() <= 1 {
        let unchanged = old.len() == new_lines.len() && text[old_text.clone()] == new_text;
        if unchanged || (old.is_empty() && new_lines.is_empty()) {
            return Vec::new();
        }
        return vec![whole(new_text)];
    }
    let old_lines: Vec<&str> = text[old_text.clone()].split_inclusive('\n').collect();
    // No line in common (a few lines that each change: most runs that are not one line):
    // the line diff would find them all changed; they are, without its search.
    if old_lines.len() * new_lines.len() <= 16 && !old_lines.iter().any(|l| new_lines.contains(l)) {
        return vec![whole(new_text)];
    }
    line_diff(old.start, old_text.start, &old_lines, &new_lines, at)
}

/// The blocks of lines that differ between `old_lines` (the first is line `first`, at byte
/// `offset`) and `new_lines`, as similar's Myers diff finds them.
fn line_diff(
    first: usize,
    offset: usize,
    old_lines: &[&str],
    new_lines: &[&str],
    at: usize,
) -> Vec<Block> {
    // Where each old line starts, and where the last one ends.
    let starts: Vec<usize> = std::iter::once(offset)
        .chain(old_lines.iter().scan(offset, |end, line| {
            *end += line.len();
            Some(*end)
        }))
        .collect();
    similar::capture_diff_slices(similar::Algorithm::Myers, old_lines, new_lines)
        .into_iter()
        .filter_map(|op| {
            let (tag, a, b) = op.as_tag_tuple();
            (tag != similar::DiffTag::Equal).then(|| Block {
                old: first + a.start..first + a.end,
                old_text: starts[a.start]..starts[a.end],
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
            &Style {
                color: false,
                terminal: false,
            },
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
            &Style {
                color: false,
                terminal: false,
            },
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
            &Style {
                color: false,
                terminal: false,
            },
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
                &render(
                    &source,
                    &edits,
                    "f.json",
                    &Style {
                        color: false,
                        terminal: false,
                    },
                ),
                &format!(
                    "--- a/f.json\n+++ b/f.json\n@@ -1 +1 @@\n-{old}{cr}\n{marker}+{new}{cr}\n{marker}"
                ),
            );
            let painted = render(
                &source,
                &edits,
                "f.json",
                &Style {
                    color: true,
                    terminal: false,
                },
            );
            let lines =
                format!("\x1b[31m-{old}\x1b[0m{cr}\n{marker}\x1b[32m+{new}\x1b[0m{cr}\n{marker}");
            same(&painted[painted.len() - lines.len()..], &lines);
        }
    }

    /// On a terminal, an export's control characters cannot move the cursor over the lines
    /// of the change, nor a line look like another: they are shown escaped. A tab and the CR
    /// of a CRLF stay; so does every byte in a patch for a file or a pipe.
    #[test]
    fn a_terminal_sees_control_characters_escaped() {
        let text = "a: x \x1b[1A\x1b[2K\u{202e}\tz\r\nb: 1\r\n";
        let source = Source::from_text("f", text);
        let edits = [Edit::replace(3..4, "y")];
        let shown = |terminal| {
            let style = Style {
                color: false,
                terminal,
            };
            render(&source, &edits, "f.yaml", &style)
        };
        assert_eq!(
            shown(true),
            "--- a/f.yaml\n+++ b/f.yaml\n@@ -1,2 +1,2 @@\n\
             -a: x \\033[1A\\033[2K\\342\\200\\256\tz\r\n\
             +a: y \\033[1A\\033[2K\\342\\200\\256\tz\r\n b: 1\r\n"
        );
        assert!(shown(false).contains("-a: x \x1b[1A\x1b[2K\u{202e}\tz\r\n"));
    }
}

#[cfg(test)]
mod line_tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn far_apart_edits_part_a_large_patch_and_near_ones_do_not() {
        let text: String = (0..2000).map(|i| format!("line {i}\n")).collect();
        let source = Source::from_text("f", &text);
        let at = |line: usize| text.find(&format!("line {line}\n")).unwrap();
        let edits: Vec<Edit> = (0..2000)
            .step_by(50)
            .map(|line| Edit::replace(at(line)..at(line) + 4, "LINE"))
            .collect();
        let parted = parts(
            &source,
            &edits,
            Parts {
                from: 0,
                size: 2000,
            },
        );
        assert!(parted.len() > 5, "{}", parted.len());
        // Each part starts where the one before ends, and its lines know where it is.
        let mut next = 0;
        for (range, lines) in &parted {
            assert_eq!(range.start, next);
            next = range.end;
            assert_eq!(
                lines.index(edits[range.start].range.start),
                range.start * 50
            );
        }
        assert_eq!(next, edits.len());
        let mut rendered = Vec::new();
        let style = Style {
            color: false,
            terminal: false,
        };
        let name = std::path::Path::new("f");
        for sizes in [
            Parts::ONE,
            Parts {
                from: 0,
                size: 2000,
            },
        ] {
            let mut out = Vec::new();
            write_in(&mut out, &source, &edits, name, &style, &|_| None, sizes).unwrap();
            rendered.push(out);
        }
        assert_eq!(rendered[0], rendered[1]);
        assert_eq!(
            String::from_utf8_lossy(&rendered[0])
                .matches("@@ -")
                .count(),
            40
        );
        // Edits whose hunks touch are never parted.
        let near: Vec<Edit> = (0..2000)
            .step_by(7)
            .map(|line| Edit::replace(at(line)..at(line) + 4, "LINE"))
            .collect();
        assert_eq!(parts(&source, &near, Parts { from: 0, size: 10 }).len(), 1);
    }

    #[test]
    fn a_failed_write_in_parts_is_an_error_not_a_hang() {
        /// A sink that takes `room` bytes, then fails as a full disk or a closed pipe does.
        struct Full {
            room: usize,
        }
        impl std::io::Write for Full {
            fn write(&mut self, text: &[u8]) -> std::io::Result<usize> {
                if text.len() > self.room {
                    return Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
                }
                self.room -= text.len();
                Ok(text.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let text: String = (0..20_000).map(|i| format!("line {i}\n")).collect();
        let edits: Vec<Edit> = (0..20_000)
            .step_by(20)
            .map(|line| {
                let at = text
                    .find(&format!("\nline {line}\n"))
                    .map_or(0, |at| at + 1);
                Edit::replace(at..at + 4, "LINE")
            })
            .collect();
        let edits = edit::normalize(edits).unwrap();
        let sizes = Parts { from: 0, size: 500 };
        let source = Source::from_text("f", &text);
        assert!(parts(&source, &edits, sizes).len() > 100);
        // On another thread, so that a hang fails the test instead of stopping the run.
        for room in [0, 100, 5_000, 50_000] {
            let (done, finished) = std::sync::mpsc::channel();
            let text = text.clone();
            let edits = edits.clone();
            std::thread::spawn(move || {
                let source = Source::from_text("f", &text);
                let style = Style {
                    color: false,
                    terminal: false,
                };
                let name = std::path::Path::new("f");
                let result = write_in(
                    &mut Full { room },
                    &source,
                    &edits,
                    name,
                    &style,
                    &|_| None,
                    sizes,
                );
                let _ = done.send(result.map_err(|e| e.kind()));
            });
            let result = finished.recv_timeout(std::time::Duration::from_secs(60));
            assert_eq!(
                result,
                Ok(Err(std::io::ErrorKind::BrokenPipe)),
                "room {room}"
            );
        }
    }

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
            let patch = render(&source, &edits, "f", &Style { color: false, terminal: false });
            let expected = edit::apply(&text, &edits);
            if expected == text {
                // Nothing changes: no hunk may claim otherwise.
                prop_assert!(!patch.contains("@@"), "{}", patch);
            } else {
                prop_assert_eq!(apply_patch(&text, &patch), expected);
            }
        }

        /// Written in parts on two cores, a patch is byte for byte the patch written in
        /// one pass: the parts' hunks, their new line numbers counted on across parts
        /// (edits that add and remove lines), colours and the settings' names.
        #[test]
        fn a_patch_written_in_parts_is_the_one_written_whole(
            lines in prop::collection::vec(prop::sample::select(vec!["a\n", "bc\r\n", "\n", "é x\n", "a longer line\n"]), 1..300),
            cuts in prop::collection::vec((0usize..300, 0usize..4, prop::sample::select(vec!["", "N", "\n", "M\n", "P\nQ", "\n\n\n"])), 1..30),
            size in 1usize..600,
            color: bool,
            final_break: bool,
        ) {
            let mut text: String = lines.concat();
            if !final_break {
                text.pop();
            }
            let boundaries: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
            let mut edits: Vec<Edit> = cuts
                .into_iter()
                .map(|(at, len, content)| {
                    let start = at * boundaries.len() / 300;
                    let end = (start + len).min(boundaries.len() - 1);
                    Edit::replace(boundaries[start]..boundaries[end], content)
                })
                .collect();
            edits.sort_by_key(|e| (e.range.start, e.range.end));
            let Ok(edits) = edit::normalize(edits) else {
                return Ok(());
            };
            let source = Source::from_text("f", &text);
            let named = |at: usize| Some(if at.is_multiple_of(3) { "setting \"a\"" } else { "b" });
            let written = |parts: Parts| {
                let mut out = Vec::new();
                let name = std::path::Path::new("f.json");
                write_in(&mut out, &source, &edits, name, &Style { color, terminal: false }, &named, parts).unwrap();
                String::from_utf8(out).unwrap()
            };
            let whole = written(Parts::ONE);
            prop_assert_eq!(written(Parts { from: 0, size }), whole);
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
            let old_len = old.concat().len();
            let all = Block { old: 0..old.len(), old_text: 0..old_len, new_text: new.concat(), at: 0 };
            prop_assert_eq!(rows(&line_diff(0, 0, &old, &new, 0)), rows(&[all]));
        }
    }
}
