//! Reading plain block YAML a line at a time.
//!
//! granit-parser reads a character at a time through a general state machine, and that is
//! most of the time a YAML export takes to load (about 15 MB/s a core). Exports are almost
//! always the plainest YAML there is: block mappings and lists, one scalar a line, plain or
//! quoted without escapes, `[]` and `{}` for empty ones, comments and blank lines, a first
//! `---`, LF or CRLF. This reader takes exactly that and hands the same nodes, with the
//! same spans, to the same [`Builder`] granit-parser's events go to; at anything else it
//! declines, and the whole text is read again by granit-parser (which also reports every
//! error, so errors stay its own):
//!
//! * flow collections (but `[]` and `{}` alone), anchors, aliases, tags, block scalars
//!   (`|`, `>`), explicit keys (`?`), directives, document ends (`...`) and a `---` after
//!   the first or after content;
//! * a scalar that goes on to another line (a plain one continued, a quote not closed),
//!   a line of content deeper than the innermost open collection after a line that ends
//!   in a scalar (blank and comment lines between do not matter), escapes in double
//!   quotes, a key longer than 1,000 bytes or with a space before its `:`;
//! * a list item that is a list (`- - a`), a list at its key's indentation whose first
//!   item is empty, a value or item alone on a line below its key or `-`;
//! * tabs, a CR not followed by LF, control characters, C1 and other characters YAML
//!   does not allow or reads as line breaks (NEL, LS, PS), a byte order mark;
//! * indentation that does not line up with an open collection, content after the root
//!   node, a text with no node;
//! * nesting as deep as granit-parser refuses (256 collections), and whatever the builder
//!   refuses (a duplicate key).
//!
//! Where granit-parser puts each node is matched exactly: a mapping starts at its first
//! key; a list at its first `-`, or, at its key's indentation (`key:\n- a`), where its first
//! item starts; an empty value is at its key's `:`, an empty item at the end of its `-`'s
//! line (at its CR in a CRLF); a collection ends where the next token starts (the end of
//! the text at the end).
//! Debug builds (every test) read each text this reader takes with granit-parser too and
//! assert that the trees are the same, spans and all; `tests/yaml_block.rs` generates
//! texts in and around the subset and compares the two.

use std::borrow::Cow;

use memchr::{memchr, memchr2};

use super::yaml::Builder;
use crate::load::MAX_DEPTH;
use crate::node::{Span, Style};

/// Reads `text` (standing at `offset` in its source) into `builder`, or declines (`None`)
/// and leaves `builder` to be dropped.
pub(super) fn read(text: &str, offset: usize, builder: &mut Builder) -> Option<()> {
    if !allowed_characters(text) {
        return None;
    }
    Reader {
        bytes: text.as_bytes(),
        text,
        offset,
        builder,
        frames: Vec::new(),
        pending: None,
        started: false,
    }
    .read()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Collection {
    Map,
    List,
}

/// An open block collection: a mapping whose keys, or a list whose `-`, stand at
/// `indent`; `indentless`, a list at its key's indentation.
#[derive(Clone, Copy)]
struct Frame {
    kind: Collection,
    indent: usize,
    indentless: bool,
}

/// A node announced but not on its line: its value comes from deeper lines, or it is empty.
#[derive(Clone, Copy)]
enum Pending {
    /// `key:` with nothing after it, in a mapping at `indent`; the `:` at `colon`.
    Value { indent: usize, colon: usize },
    /// `-` with nothing after it, in a list at `indent`; its line ends at `eol`.
    Item { indent: usize, eol: usize },
}

struct Reader<'t, 'b, 's> {
    text: &'t str,
    bytes: &'t [u8],
    offset: usize,
    builder: &'b mut Builder<'s>,
    frames: Vec<Frame>,
    pending: Option<Pending>,
    started: bool,
}

impl<'t> Reader<'t, '_, '_> {
    fn read(mut self) -> Option<()> {
        let len = self.bytes.len();
        let mut at = 0;
        // After a line that ends in a scalar: the indentation a later line must not pass
        // (a deeper one continues the scalar, or is an error).
        let mut limit = None;
        // Whether a `---` line has been passed.
        let mut marked = false;
        while at < len {
            let next = memchr(b'\n', &self.bytes[at..]).map_or(len, |i| at + i);
            // A CRLF line ends at its CR (every CR is one: see `allowed_characters`).
            let eol = match next > at && self.bytes[next - 1] == b'\r' {
                true => next - 1,
                false => next,
            };
            let indent = self.bytes[at..eol]
                .iter()
                .take_while(|&&b| b == b' ')
                .count();
            let start = at + indent;
            at = next + 1;
            if start == eol {
                continue;
            }
            // A comment line ends a plain scalar wherever it stands: only a deeper line of
            // content would go on with it.
            if self.bytes[start] == b'#' {
                continue;
            }
            if limit.is_some_and(|limit| indent > limit) {
                return None;
            }
            if indent == 0 && matches!(self.bytes[start], b'-' | b'.' | b'%') {
                let line = &self.bytes[start..eol];
                if line.starts_with(b"---") || line.starts_with(b"...") || line[0] == b'%' {
                    // One `---` may start the one document (granit-parser's event for it
                    // is one the builder passes over).
                    if self.started || marked || !line.starts_with(b"---") {
                        return None;
                    }
                    self.after_scalar(start + 3, eol)?;
                    marked = true;
                    continue;
                }
            }
            limit = match self.line(indent, start, eol)? {
                true => Some(self.frames.last()?.indent),
                false => None,
            };
        }
        if !self.started {
            return None;
        }
        self.settle_pending()?;
        while !self.frames.is_empty() {
            self.close(len)?;
        }
        Some(())
    }

    /// One line holding a node, indented by `indent`, its text from `start` to `eol`.
    /// Whether it ends in a scalar.
    fn line(&mut self, indent: usize, start: usize, eol: usize) -> Option<bool> {
        let dash = self.is_dash(start, eol);
        if !self.started {
            self.started = true;
            return self.block(indent, start, eol, dash);
        }
        match self.pending {
            Some(Pending::Value { indent: of, .. } | Pending::Item { indent: of, .. })
                if indent > of =>
            {
                self.pending = None;
                return self.block(indent, start, eol, dash);
            }
            Some(Pending::Value { indent: of, .. }) if indent == of && dash => {
                self.pending = None;
                return self.indentless(indent, start, eol);
            }
            _ => self.settle_pending()?,
        }
        while let Some(top) = self.frames.last() {
            if top.indent > indent || (top.indentless && top.indent == indent && !dash) {
                self.close(start)?;
            } else {
                break;
            }
        }
        let top = *self.frames.last()?;
        let expected = if dash {
            Collection::List
        } else {
            Collection::Map
        };
        if top.indent != indent || top.kind != expected {
            return None;
        }
        match dash {
            true => self.item(indent, start, eol),
            false => self.entry(start, eol, self.key(start, eol)?),
        }
    }

    /// A collection that starts on this line: the root, or a pending node's value.
    fn block(&mut self, indent: usize, start: usize, eol: usize, dash: bool) -> Option<bool> {
        if dash {
            self.open(Collection::List, indent, false, start)?;
            self.item(indent, start, eol)
        } else {
            let key = self.key(start, eol)?;
            self.open(Collection::Map, indent, false, start)?;
            self.entry(start, eol, key)
        }
    }

    /// A list at its key's indentation: it starts where its first item starts.
    fn indentless(&mut self, indent: usize, dash: usize, eol: usize) -> Option<bool> {
        let first = self.skip_spaces(dash + 1, eol);
        if first == eol || self.bytes[first] == b'#' {
            return None;
        }
        self.open(Collection::List, indent, true, first)?;
        self.item(indent, dash, eol)
    }

    /// A list item: its `-` at `dash`, in a list at `indent`.
    fn item(&mut self, indent: usize, dash: usize, eol: usize) -> Option<bool> {
        let start = self.skip_spaces(dash + 1, eol);
        if start == eol || self.bytes[start] == b'#' {
            self.pending = Some(Pending::Item { indent, eol });
            return Some(false);
        }
        if self.is_dash(start, eol) {
            return None;
        }
        match self.content(start, eol)? {
            Content::Key(key) => {
                let column = start - self.line_start(start);
                self.open(Collection::Map, column, false, start)?;
                self.entry(start, eol, key)
            }
            value => {
                self.value(start, value)?;
                Some(true)
            }
        }
    }

    /// A mapping entry whose `key` starts at `start`: `key: value` or `key:`.
    fn entry(&mut self, start: usize, eol: usize, key: Key<'t>) -> Option<bool> {
        let colon = key.colon;
        self.scalar(start, key.scalar)?;
        let value = self.skip_spaces(colon + 1, eol);
        if value == eol || self.bytes[value] == b'#' {
            let indent = self.frames.last()?.indent;
            self.pending = Some(Pending::Value { indent, colon });
            return Some(false);
        }
        let content = self.content(value, eol)?;
        self.value(value, content)?;
        Some(true)
    }

    /// The key at `start`, on a line that must be `key:` or `key: ...`.
    fn key(&self, start: usize, eol: usize) -> Option<Key<'t>> {
        match self.content(start, eol)? {
            Content::Key(key) => Some(key),
            _ => None,
        }
    }

    /// What a line holds from `start` on: a key and its `:`, or a value alone (up to a
    /// comment). Each scalar is scanned once.
    fn content(&self, start: usize, eol: usize) -> Option<Content<'t>> {
        let (bytes, text) = (self.bytes, self.text);
        let empty_flow = match bytes.get(start..start + 2) {
            Some(b"[]") => Some(Collection::List),
            Some(b"{}") => Some(Collection::Map),
            _ => None,
        };
        if let Some(kind) = empty_flow {
            self.after_scalar(start + 2, eol)?;
            return Some(Content::EmptyFlow(kind));
        }
        if let Some(quoted) = self.quoted(start, eol)? {
            let colon = quoted.end;
            if colon < eol && bytes[colon] == b':' && self.is_gap(colon + 1, eol) {
                // (granit-parser looks for a key's `:` 1,024 characters ahead at most.)
                return (colon - start <= 1000).then_some(Content::Key(Key {
                    colon,
                    scalar: quoted,
                }));
            }
            self.after_scalar(quoted.end, eol)?;
            return Some(Content::Scalar(quoted));
        }
        self.plain_start(start, eol)?;
        let mut end = eol;
        let mut from = start;
        while let Some(i) = memchr2(b':', b'#', &bytes[from..eol]).map(|i| from + i) {
            if bytes[i] == b'#' {
                if bytes[i - 1] == b' ' {
                    end = i;
                    break;
                }
            } else if self.is_gap(i + 1, eol) {
                if bytes[i - 1] == b' ' || i - start > 1000 {
                    return None;
                }
                return Some(Content::Key(Key {
                    colon: i,
                    scalar: Scalar {
                        end: i,
                        text: Cow::Borrowed(&text[start..i]),
                        style: Style::Plain,
                    },
                }));
            }
            from = i + 1;
        }
        while bytes[end - 1] == b' ' {
            end -= 1;
        }
        Some(Content::Scalar(Scalar {
            end,
            text: Cow::Borrowed(&text[start..end]),
            style: Style::Plain,
        }))
    }

    /// A value or item alone at `start`.
    fn value(&mut self, start: usize, content: Content<'t>) -> Option<()> {
        match content {
            Content::Scalar(scalar) => self.scalar(start, scalar),
            // An empty flow list or mapping, from its bracket to the closing one.
            Content::EmptyFlow(kind) => {
                self.room_for_one_more()?;
                let span = self.span(start, start + 1);
                match kind {
                    Collection::Map => self.builder.open_map(span).ok()?,
                    Collection::List => self.builder.open_list(span, true).ok()?,
                }
                self.builder.close(self.span(start + 1, start + 2)).ok()
            }
            // `a: b: c`, or a key where a value belongs.
            Content::Key(_) => None,
        }
    }

    /// A quoted scalar at `start`, closed on its line (`Some(None)` when `start` is no
    /// quote).
    fn quoted(&self, start: usize, eol: usize) -> Option<Option<Scalar<'t>>> {
        let (bytes, text) = (self.bytes, self.text);
        match bytes[start] {
            b'"' => {
                let close = start + 1 + memchr2(b'"', b'\\', &bytes[start + 1..eol])?;
                if bytes[close] == b'\\' {
                    return None;
                }
                Some(Some(Scalar {
                    end: close + 1,
                    text: Cow::Borrowed(&text[start + 1..close]),
                    style: Style::DoubleQuoted,
                }))
            }
            b'\'' => {
                let mut from = start + 1;
                let mut doubled = false;
                loop {
                    let quote = from + memchr(b'\'', &bytes[from..eol])?;
                    if quote + 1 < eol && bytes[quote + 1] == b'\'' {
                        doubled = true;
                        from = quote + 2;
                        continue;
                    }
                    let inner = &text[start + 1..quote];
                    let text = match doubled {
                        true => Cow::Owned(inner.replace("''", "'")),
                        false => Cow::Borrowed(inner),
                    };
                    return Some(Some(Scalar {
                        end: quote + 1,
                        text,
                        style: Style::SingleQuoted,
                    }));
                }
            }
            _ => Some(None),
        }
    }

    /// What may follow a scalar on its line: spaces, then a comment or nothing.
    fn after_scalar(&self, end: usize, eol: usize) -> Option<()> {
        let rest = self.skip_spaces(end, eol);
        (rest == eol || (rest > end && self.bytes[rest] == b'#')).then_some(())
    }

    /// Whether a plain scalar may start at `start` (not an indicator this reader leaves to
    /// granit-parser).
    fn plain_start(&self, start: usize, eol: usize) -> Option<()> {
        match self.bytes[start] {
            b'-' => (!self.is_dash(start, eol)).then_some(()),
            b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|'
            | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`' => None,
            _ => Some(()),
        }
    }

    /// Whether the `-` at `at` is a list item's (followed by a space or the line's end).
    fn is_dash(&self, at: usize, eol: usize) -> bool {
        self.bytes[at] == b'-' && self.is_gap(at + 1, eol)
    }

    /// Whether `at` is a space or the line's end.
    fn is_gap(&self, at: usize, eol: usize) -> bool {
        at == eol || self.bytes[at] == b' '
    }

    fn skip_spaces(&self, mut at: usize, eol: usize) -> usize {
        while at < eol && self.bytes[at] == b' ' {
            at += 1;
        }
        at
    }

    fn line_start(&self, at: usize) -> usize {
        memchr::memrchr(b'\n', &self.bytes[..at]).map_or(0, |i| i + 1)
    }

    /// An announced node that no deeper line took is empty, where granit-parser puts it.
    fn settle_pending(&mut self) -> Option<()> {
        match self.pending.take() {
            Some(Pending::Value { colon, .. }) => self.empty(colon),
            Some(Pending::Item { eol, .. }) => self.empty(eol),
            None => Some(()),
        }
    }

    fn empty(&mut self, at: usize) -> Option<()> {
        let scalar = Scalar {
            end: at,
            text: Cow::Borrowed("~"),
            style: Style::Plain,
        };
        self.scalar(at, scalar)
    }

    fn scalar(&mut self, start: usize, scalar: Scalar<'_>) -> Option<()> {
        let span = self.span(start, scalar.end);
        self.builder
            .scalar(span, &scalar.text, scalar.style, None, 0)
            .ok()
    }

    /// granit-parser refuses a collection nested `MAX_DEPTH` deep, one level before the
    /// builder would.
    fn room_for_one_more(&self) -> Option<()> {
        (self.frames.len() + 1 < MAX_DEPTH).then_some(())
    }

    fn open(&mut self, kind: Collection, indent: usize, indentless: bool, at: usize) -> Option<()> {
        self.room_for_one_more()?;
        let span = self.span(at, at);
        match kind {
            Collection::Map => self.builder.open_map(span).ok()?,
            Collection::List => self.builder.open_list(span, false).ok()?,
        }
        self.frames.push(Frame {
            kind,
            indent,
            indentless,
        });
        Some(())
    }

    fn close(&mut self, at: usize) -> Option<()> {
        self.frames.pop();
        self.builder.close(self.span(at, at)).ok()
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.offset + start, self.offset + end)
    }
}

/// What a line holds from a given column on (see `Reader::content`).
enum Content<'t> {
    Key(Key<'t>),
    Scalar(Scalar<'t>),
    /// `[]` or `{}`.
    EmptyFlow(Collection),
}

/// A key and where its `:` stands.
struct Key<'t> {
    colon: usize,
    scalar: Scalar<'t>,
}

/// A scalar read on one line: where it ends (past a closing quote), its value, its style.
struct Scalar<'t> {
    end: usize,
    text: Cow<'t, str>,
    style: Style,
}

/// Whether every character is one this reader takes: no tab, CR but in a CRLF, or other
/// control character, and none of the characters YAML refuses or reads as a line break or
/// a byte order mark (C1 controls with NEL, LS, PS, U+FEFF, U+FFFE, U+FFFF).
fn allowed_characters(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes
        .iter()
        .any(|&b| (b < 0x20 && b != b'\n' && b != b'\r') || b == 0x7f)
    {
        return false;
    }
    if memchr::memchr_iter(b'\r', bytes).any(|at| bytes.get(at + 1) != Some(&b'\n')) {
        return false;
    }
    if bytes.is_ascii() {
        return true;
    }
    !text.chars().any(|c| {
        matches!(
            c,
            '\u{80}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
        )
    })
}
