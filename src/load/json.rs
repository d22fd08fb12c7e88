//! A strict JSON (RFC 8259) parser that builds the spanned [`Node`] tree.
//!
//! Written here rather than taken from a crate because the tool needs, in one pass: the byte
//! span of every value, refusal of duplicate keys (which JSON permits and the app does not),
//! a nesting limit instead of a stack overflow on hostile input, and errors that name the
//! exact byte. A leading UTF-8 byte-order mark is accepted and left in the text.

use crate::diagnostic::{Diagnostic, Error};
use crate::load::MAX_DEPTH;

use super::split::{self, Split, Tail};
use crate::node::{Entry, KeySet, Node, Span, Style, Value};
use crate::source::Source;
use crate::text::{Interner, Text};

/// Files at least this large are parsed on two cores (see `split`).
const PARALLEL_FROM: usize = 1 << 20;

pub fn parse(source: &Source) -> Result<Node, Error> {
    // (The core count is asked for only then: it reads files under /sys.)
    if source.text.len() < PARALLEL_FROM || crate::parallel::workers() < 2 {
        return Parser::new(source).document();
    }
    let split = Split::default();
    std::thread::scope(|scope| {
        let tail = scope.spawn(|| parse_tail(source, &split));
        let mut parser = Parser::new(source);
        parser.split = Some((&split, Box::new(move || tail.join().ok().flatten())));
        let result = parser.document();
        split.abandon();
        result
    })
}

/// Every string of a JSON text that has parsed (keys too: `true` with them) that starts in
/// `range`, decoded, with its span (quotes included, as its [`Node`]'s), in text order,
/// built into no tree. Each end of `range` must lie outside every string (the start or end
/// of the text, or the end of a string), so that parts of a text can be read on every core.
///
/// For a step that reads every string and nothing else: `check` looks for old IDs in any
/// text, and on a large export that is parsed in parts, building the tree only for that
/// doubled its time and memory. A `"` outside a string is not JSON, so each one found
/// from between two strings opens the next string; [`Parser::decoded_string`] reads it as
/// the parse did. A text that does not parse may be cut short or give an error here.
pub fn strings(
    source: &Source,
    range: std::ops::Range<usize>,
    mut visit: impl FnMut(Span, &str, bool) -> std::ops::ControlFlow<()>,
) -> Result<(), Error> {
    // (Nothing is interned: the smallest table.)
    let mut parser = Parser::with_texts(source, Interner::with_slots(0));
    parser.pos = range.start;
    let end = range.end.min(parser.bytes.len());
    while let Some(offset) = memchr::memchr(b'"', &parser.bytes[parser.pos..end]) {
        if parser
            .visit_string(parser.pos + offset, &mut visit)?
            .is_break()
        {
            break;
        }
    }
    Ok(())
}

/// As [`strings`], the strings starting at `starts` alone (each the opening quote of a
/// string of the text, such as those a parse [`Noted`]).
pub fn strings_at(
    source: &Source,
    starts: &[u32],
    mut visit: impl FnMut(Span, &str, bool) -> std::ops::ControlFlow<()>,
) -> Result<(), Error> {
    let mut parser = Parser::with_texts(source, Interner::with_slots(0));
    for &start in starts {
        if parser.visit_string(start as usize, &mut visit)?.is_break() {
            break;
        }
    }
    Ok(())
}

/// How many bytes `bytes` starts with that a string holds as they are: up to the first
/// quote, backslash or control character, or all of them.
///
/// Eight bytes at a time, each test a word-wide "has a byte below" (`(x - n) & !x` sets a
/// byte's high bit where the byte is below `n`; a borrow can only set more above the
/// first, so the lowest flagged byte is the first match). Strings are most of an export's
/// bytes, and a byte at a time with three tests each was a twentieth of a diff's time.
fn plain_run(bytes: &[u8]) -> usize {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGHS: u64 = ONES << 7;
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x;
    let mut at = 0;
    while let Some(word) = bytes.get(at..at + 8) {
        let x = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let quote = x ^ (ONES * u64::from(b'"'));
        let backslash = x ^ (ONES * u64::from(b'\\'));
        let stops = (below(quote, 1) | below(backslash, 1) | below(x, 0x20)) & HIGHS;
        if stops != 0 {
            return at + (stops.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at + bytes[at..]
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .unwrap_or(bytes.len() - at)
}

/// A JSON document whose root mapping was parsed in parts (see [`parse_in_parts`]).
#[derive(Debug)]
pub struct Parted {
    /// The root, where the value of each streamed entry is an empty list at its span.
    pub root: Node,
    /// The positions of the root's entries whose lists were streamed, in order.
    pub streamed: Vec<u32>,
    /// The strings noted, when the parse was asked to note them.
    pub noted: Option<Noted>,
}

/// The strings a parse in parts noted as it read them (see [`parse_in_parts`]): those of
/// at least `from_length` bytes (decoded) or holding an `@`, by where each starts (its
/// opening quote), in text order. They are what `check` reads for mentions of removed
/// accounts (an ID that long or an address) outside the references, the strings
/// `Removed::may_mention` passes: noted while the text is read anyway, so that a second
/// pass need not read every string of it again.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Noted {
    pub from_length: usize,
    pub starts: Vec<u32>,
}

impl Noted {
    fn from_length(from_length: usize) -> Noted {
        Noted {
            from_length,
            starts: Vec::new(),
        }
    }

    /// Notes the string starting at `start` whose text is `decoded` then `rest`, if it is
    /// one to note.
    fn note(&mut self, start: usize, decoded: &str, rest: &str) {
        let at = |text: &str| memchr::memchr(b'@', text.as_bytes()).is_some();
        let long = decoded.len() + rest.len() >= self.from_length;
        if long || at(rest) || (!decoded.is_empty() && at(decoded)) {
            self.starts.push(start as u32);
        }
    }
}

/// Which parts of a value to build when it is parsed in parts: the rest is only checked
/// (parsed as strictly, nothing kept) and stands in the tree as a null at its span, so
/// that every other value keeps its position. Whoever asks for a mask must never read
/// what it leaves out (see `locate::in_parts`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mask {
    /// The whole value.
    pub all: bool,
    /// In a mapping: the entries to build, by key, each with its own mask.
    pub keys: Vec<(String, Mask)>,
    /// Every entry of a mapping not in `keys`, and every item of a list.
    pub any: Option<Box<Mask>>,
}

impl Mask {
    pub fn all() -> Mask {
        Mask {
            all: true,
            ..Mask::default()
        }
    }

    pub fn key(key: &str, mask: Mask) -> Mask {
        Mask {
            keys: vec![(key.to_owned(), mask)],
            ..Mask::default()
        }
    }

    pub fn any(mask: Mask) -> Mask {
        Mask {
            any: Some(Box::new(mask)),
            ..Mask::default()
        }
    }

    /// What to build of the entry `key` of a mapping.
    fn child(&self, key: &str) -> Option<&Mask> {
        match self.keys.iter().find(|(k, _)| k == key) {
            Some((_, mask)) => Some(mask),
            None => self.any.as_deref(),
        }
    }

    /// Everything either mask builds.
    pub fn union(&self, other: &Mask) -> Mask {
        if self.all || other.all {
            return Mask::all();
        }
        let any = match (&self.any, &other.any) {
            (Some(a), Some(b)) => Some(Box::new(a.union(b))),
            (a, b) => a.clone().or_else(|| b.clone()),
        };
        let mut keys: Vec<(String, Mask)> = Vec::new();
        for (key, _) in self.keys.iter().chain(&other.keys) {
            if keys.iter().any(|(k, _)| k == key) {
                continue;
            }
            let mask = match (self.child(key), other.child(key)) {
                (Some(a), Some(b)) => a.union(b),
                (Some(m), None) | (None, Some(m)) => m.clone(),
                (None, None) => continue,
            };
            keys.push((key.clone(), mask));
        }
        Mask {
            all: false,
            keys,
            any,
        }
    }
}

/// What receives the items of a list parsed in parts (see [`parse_in_parts`]).
pub trait Items: Send + Sized {
    /// What to build of each item.
    fn mask(&self) -> &Mask;
    /// One item, with its index in the list.
    fn item(&mut self, index: u32, node: Node);
    /// Takes over what another thread received for the items from index `from` on (it
    /// counted them from 0).
    fn append(&mut self, other: Self, from: u32);
}

/// Parses a document whose root is a mapping, handing each item of the lists under the
/// keys `streamed` accepts to an [`Items`] made for that list (`items` gets the entry's
/// position and key) instead of keeping it: the tree of a large export's main list never
/// exists whole. On a large file, a second thread takes the second half of the list that
/// spans the middle of the text (as [`parse`] does, see `split`). Every byte goes through
/// the same parser as [`parse`], so a text is accepted here exactly when it is accepted
/// there; any other document (a list at the root), and any error, is an `Err` (the caller
/// parses the whole text then, which words the error).
pub fn parse_in_parts<I: Items>(
    source: &Source,
    streamed: &(dyn Fn(&str) -> bool + Sync),
    items: &(dyn Fn(u32, &str) -> I + Sync),
    note_from: Option<usize>,
) -> Result<(Parted, Vec<I>), Error> {
    let mut parser = Parser::new(source);
    parser.noted = note_from.map(Noted::from_length);
    if source.text.starts_with('\u{feff}') {
        parser.pos = 3;
    }
    parser.skip_ws();
    let parted = parser.root_in_parts(streamed, items)?;
    parser.skip_ws();
    if parser.pos < parser.bytes.len() {
        return Err(parser.error("unexpected text after the JSON value"));
    }
    Ok(parted)
}

/// The second thread's part of a list parsed in parts: from the item the scan chose to
/// the list's end, when that list is the one starting at `list`. Gives what it received
/// and the offset after the `]`.
fn tail_in_parts<I: Items>(
    source: &Source,
    split: &Split,
    list: usize,
    mut items: I,
    note_from: Option<usize>,
) -> Option<TailParts<I>> {
    // Where the split goes: guessed from the list's layout at the middle, else found by a
    // scan from the text's start, which delays this thread (a sixth of its half on an
    // export): then it takes the smaller part, so that both end together. Either is taken
    // only if the main parser reaches an item of this list exactly there.
    let bytes = source.text.as_bytes();
    let from = match split::guess_item_after(bytes, list, bytes.len() / 2) {
        Some(from) => from,
        None => match split::find_after(bytes, bytes.len() / 7 * 4)? {
            (found, from, 2) if found == list => from,
            _ => return None,
        },
    };
    if !split.propose(list, from) {
        return None;
    }
    let mut parser = Parser::new(source);
    parser.pos = from;
    parser.noted = note_from.map(Noted::from_length);
    let mut index = 0;
    loop {
        if split.is_abandoned() {
            return None;
        }
        let node = parser.value_masked(2, items.mask()).ok()?;
        items.item(index, node);
        index += 1;
        parser.skip_ws();
        match parser.bytes.get(parser.pos) {
            Some(b',') => {
                parser.pos += 1;
                parser.skip_ws();
            }
            Some(b']') => return Some((items, parser.pos + 1, parser.noted)),
            _ => return None,
        }
    }
}

/// The second thread's part: the second half of the list the scan chose.
fn parse_tail(source: &Source, split: &Split) -> Tail {
    let (list, from, depth) = split::find(source.text.as_bytes())?;
    if !split.propose(list, from) {
        return None;
    }
    let mut parser = Parser::new(source);
    parser.pos = from;
    let mut items = Vec::new();
    loop {
        if split.is_abandoned() {
            return None;
        }
        items.push(parser.value(depth).ok()?);
        parser.skip_ws();
        match parser.bytes.get(parser.pos) {
            Some(b',') => {
                parser.pos += 1;
                parser.skip_ws();
            }
            Some(b']') => return Some((items, parser.pos + 1)),
            _ => return None,
        }
    }
}

struct Parser<'a> {
    source: &'a Source,
    bytes: &'a [u8],
    pos: usize,
    /// Scratch stacks for the items and entries of the open containers: each container
    /// takes its own off the top in one exact-size allocation when it closes.
    items: Vec<Node>,
    entries: Vec<Entry>,
    /// One shared copy of each long key and string.
    texts: Interner,
    /// The strings read so far that a parse in parts was asked to note.
    noted: Option<Noted>,
    /// On a large file: the hand-off with the thread parsing the second half of the main
    /// list, and how to collect its result.
    split: Option<(&'a Split, CollectTail<'a>)>,
}

/// The thread parsing the second half of a list in parts.
type TailThread<'s, I> = std::thread::ScopedJoinHandle<'s, Option<TailParts<I>>>;

/// What the second thread received of a list parsed in parts, the offset after its `]`,
/// and the strings it noted.
type TailParts<I> = (I, usize, Option<Noted>);

/// Waits for the second thread and gives its result.
type CollectTail<'a> = Box<dyn FnOnce() -> Tail + 'a>;

impl<'a> Parser<'a> {
    fn new(source: &'a Source) -> Parser<'a> {
        Parser::with_texts(source, Interner::for_len(source.text.len()))
    }

    fn with_texts(source: &'a Source, texts: Interner) -> Parser<'a> {
        Parser {
            source,
            bytes: source.text.as_bytes(),
            pos: 0,
            items: Vec::new(),
            entries: Vec::new(),
            texts,
            noted: None,
            split: None,
        }
    }

    fn document(mut self) -> Result<Node, Error> {
        if self.source.text.starts_with('\u{feff}') {
            self.pos = 3;
        }
        self.skip_ws();
        let node = self.value(0)?;
        self.skip_ws();
        if self.pos < self.bytes.len() {
            return Err(self.error("unexpected text after the JSON value"));
        }
        Ok(node)
    }

    /// The second half of the list starting at `list`, when the next item (at `pos`) is
    /// where the other thread began it and it parsed cleanly.
    fn adopt(&mut self, list: usize) -> Tail {
        match &self.split {
            Some((split, _)) if split.is_point(list, self.pos) => {
                let (_, collect) = self.split.take()?;
                collect()
            }
            _ => None,
        }
    }

    fn error(&self, message: &str) -> Error {
        self.error_at(self.pos, message)
    }

    fn error_at(&self, pos: usize, message: &str) -> Error {
        let end = (pos + 1).min(self.bytes.len());
        Diagnostic::at(
            self.source,
            Span::new(pos, end),
            format!("invalid JSON: {message}"),
        )
        .into()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn found(&self) -> String {
        match self.source.text[self.pos..].chars().next() {
            None => "the end of the file".into(),
            Some(c) if c.is_control() => format!("{c:?}"),
            Some(c) => format!("'{c}'"),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, Error> {
        if depth >= MAX_DEPTH {
            return Err(self.error(&format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        let start = self.pos;
        match self.bytes.get(self.pos) {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => {
                let text = self.string()?;
                Ok(Node::new(
                    Span::new(start, self.pos),
                    Value::Str(text, Style::Json),
                ))
            }
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.error(&format!("expected a value, found {}", self.found()))),
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Node, Error> {
        let start = self.pos;
        if self.bytes[start..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(Node::new(Span::new(start, self.pos), value))
        } else {
            Err(self.error(&format!("expected a value, found {}", self.found())))
        }
    }

    fn number(&mut self) -> Result<Node, Error> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let from = p.pos;
            while p.bytes.get(p.pos).is_some_and(u8::is_ascii_digit) {
                p.pos += 1;
            }
            p.pos > from
        };
        if self.bytes[self.pos] == b'-' {
            self.pos += 1;
        }
        let int_start = self.pos;
        if !digits(self) {
            return Err(self.error("expected a digit"));
        }
        if self.bytes[int_start] == b'0' && self.pos - int_start > 1 {
            return Err(self.error_at(int_start, "numbers may not start with 0"));
        }
        let mut float = false;
        if self.bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            float = true;
            if !digits(self) {
                return Err(self.error("expected a digit after '.'"));
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.pos) {
            self.pos += 1;
            float = true;
            if let Some(b'+' | b'-') = self.bytes.get(self.pos) {
                self.pos += 1;
            }
            if !digits(self) {
                return Err(self.error("expected a digit in the exponent"));
            }
        }
        let text = &self.source.text[start..self.pos];
        let value = match (float, text.parse::<i64>()) {
            (false, Ok(i)) => Value::Int(i),
            _ => Value::Float(text.parse().unwrap_or(f64::INFINITY)),
        };
        Ok(Node::new(Span::new(start, self.pos), value))
    }

    fn string(&mut self) -> Result<Text, Error> {
        let decoded = self.decoded_string()?;
        Ok(self.texts.text(&decoded))
    }

    fn escape(&mut self, out: &mut String) -> Result<(), Error> {
        let c = match self.bytes.get(self.pos) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let high = self.hex4()?;
                let code = if (0xD800..0xDC00).contains(&high)
                    && self.bytes[self.pos + 1..].starts_with(b"\\u")
                {
                    self.pos += 2;
                    let low = self.hex4()?;
                    if !(0xDC00..0xE000).contains(&low) {
                        return Err(self.error("invalid surrogate pair in \\u escape"));
                    }
                    0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    high
                };
                // A lone surrogate cannot be held in a Rust string; keep the replacement
                // character so the value still loads (it is never rewritten in place).
                char::from_u32(code).unwrap_or('\u{fffd}')
            }
            _ => return Err(self.error("invalid escape sequence")),
        };
        out.push(c);
        self.pos += 1;
        Ok(())
    }

    /// Reads the four hex digits after `\u`; leaves `pos` on the last digit.
    fn hex4(&mut self) -> Result<u32, Error> {
        let digits = self
            .source
            .text
            .get(self.pos + 1..self.pos + 5)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.error("expected four hex digits after \\u"))?;
        self.pos += 4;
        Ok(u32::from_str_radix(digits, 16).unwrap_or(0xFFFD))
    }

    fn array(&mut self, depth: usize) -> Result<Node, Error> {
        self.array_with(true, |parser| parser.value(depth + 1))
    }

    /// A list whose items `item` parses; with `adopt`, a second core's part of it is taken
    /// over where it starts (see [`Parser::adopt`]).
    fn array_with(
        &mut self,
        adopt: bool,
        mut item: impl FnMut(&mut Self) -> Result<Node, Error>,
    ) -> Result<Node, Error> {
        let start = self.pos;
        self.pos += 1;
        let base = self.items.len();
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(Node::new(
                Span::new(start, self.pos),
                Value::List(Box::default(), true),
            ));
        }
        loop {
            self.skip_ws();
            let item = item(self)?;
            self.items.push(item);
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                    if let Some((rest, end)) = adopt.then(|| self.adopt(start)).flatten() {
                        self.pos = end;
                        let mut items = self.items.split_off(base);
                        items.extend(rest);
                        return Ok(Node::new(
                            Span::new(start, self.pos),
                            Value::List(items.into(), true),
                        ));
                    }
                }
                Some(b']') => {
                    self.pos += 1;
                    let items = self.items.split_off(base);
                    return Ok(Node::new(
                        Span::new(start, self.pos),
                        Value::List(items.into(), true),
                    ));
                }
                _ => {
                    return Err(self.error(&format!(
                        "expected ',' or ']' in a list, found {}",
                        self.found()
                    )));
                }
            }
        }
    }

    /// The root mapping, as [`Parser::object`] parses it at depth 0, but with the lists of
    /// streamed keys handed over item by item (as [`Parser::array`] parses them at depth 1).
    fn root_in_parts<I: Items>(
        &mut self,
        streamed: &(dyn Fn(&str) -> bool + Sync),
        items: &(dyn Fn(u32, &str) -> I + Sync),
    ) -> Result<(Parted, Vec<I>), Error> {
        if self.bytes.get(self.pos) != Some(&b'{') {
            return Err(self.error("the root is not a mapping"));
        }
        let mut position = 0;
        let mut positions = Vec::new();
        let mut received = Vec::new();
        let root = self.object_with(|parser, key| {
            let at = position;
            position += 1;
            if parser.bytes.get(parser.pos) == Some(&b'[') && streamed(key) {
                positions.push(at);
                let (stub, got) = parser.list_in_parts(&|| items(at, key))?;
                received.push(got);
                Ok(stub)
            } else {
                parser.value(1)
            }
        })?;
        Ok((
            Parted {
                root,
                streamed: positions,
                noted: self.noted.take(),
            },
            received,
        ))
    }

    /// A list at depth 1 whose items go to an [`Items`] one by one (on a large file, its
    /// second half on another thread); gives an empty list at its span, and the items.
    fn list_in_parts<I: Items>(
        &mut self,
        items: &(dyn Fn() -> I + Sync),
    ) -> Result<(Node, I), Error> {
        let large = self.bytes.len() >= PARALLEL_FROM
            && self.pos < self.bytes.len() / 2
            && crate::parallel::workers() >= 2;
        if !large {
            return self.list_items(items(), None);
        }
        let split = Split::default();
        let source = self.source;
        let list = self.pos;
        let note_from = self.noted.as_ref().map(|n| n.from_length);
        std::thread::scope(|scope| {
            let tail = scope.spawn(|| tail_in_parts(source, &split, list, items(), note_from));
            let result = self.list_items(items(), Some((&split, tail)));
            split.abandon();
            result
        })
    }

    /// The items of the list at `pos`, to `received`; with a split, the second half from
    /// the other thread when it parsed it cleanly.
    fn list_items<I: Items>(
        &mut self,
        mut received: I,
        mut split: Option<(&Split, TailThread<'_, I>)>,
    ) -> Result<(Node, I), Error> {
        let start = self.pos;
        self.pos += 1;
        self.skip_ws();
        let stub = |parser: &Self| {
            Node::new(
                Span::new(start, parser.pos),
                Value::List(Box::default(), true),
            )
        };
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok((stub(self), received));
        }
        let mut index = 0;
        loop {
            self.skip_ws();
            let item = self.value_masked(2, received.mask())?;
            received.item(index, item);
            index += 1;
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                    if split
                        .as_ref()
                        .is_some_and(|(split, _)| split.is_point(start, self.pos))
                        && let Some((_, tail)) = split.take()
                        && let Ok(Some((rest, end, noted))) = tail.join()
                    {
                        received.append(rest, index);
                        if let (Some(mine), Some(theirs)) = (&mut self.noted, noted) {
                            mine.starts.extend(theirs.starts);
                        }
                        self.pos = end;
                        return Ok((stub(self), received));
                    }
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok((stub(self), received));
                }
                _ => return Err(self.error("expected ',' or ']' in a list")),
            }
        }
    }

    /// A value as [`Parser::value`] parses it, building only what `mask` asks for.
    fn value_masked(&mut self, depth: usize, mask: &Mask) -> Result<Node, Error> {
        if mask.all {
            return self.value(depth);
        }
        if depth >= MAX_DEPTH {
            return Err(self.error(&format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        match self.bytes.get(self.pos) {
            Some(b'{') => self.object_masked(depth, mask),
            Some(b'[') => self.array_masked(depth, mask),
            _ => self.value(depth),
        }
    }

    /// What a mask leaves out: checked as it would be parsed, and a null at its span.
    fn left_out(&mut self, depth: usize) -> Result<Node, Error> {
        let start = self.pos;
        self.skip_value(depth)?;
        Ok(Node::new(Span::new(start, self.pos), Value::Null))
    }

    fn object_masked(&mut self, depth: usize, mask: &Mask) -> Result<Node, Error> {
        self.object_with(|parser, key| match mask.child(key) {
            Some(mask) => parser.value_masked(depth + 1, mask),
            None => parser.left_out(depth + 1),
        })
    }

    fn array_masked(&mut self, depth: usize, mask: &Mask) -> Result<Node, Error> {
        // (No other core parses a part of a masked list: nothing to adopt.)
        self.array_with(false, |parser| match mask.any.as_deref() {
            Some(mask) => parser.value_masked(depth + 1, mask),
            // A list where the mask expects a mapping: its items are built as that mapping
            // would be, so that a selector sees the misshapen list for what it holds.
            None if !mask.keys.is_empty() => parser.value_masked(depth + 1, mask),
            None => parser.left_out(depth + 1),
        })
    }

    /// Parses a value as [`Parser::value`] does, with every check (duplicate keys, escapes,
    /// numbers, nesting), keeping nothing.
    fn skip_value(&mut self, depth: usize) -> Result<(), Error> {
        if depth >= MAX_DEPTH {
            return Err(self.error(&format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        match self.bytes.get(self.pos) {
            Some(b'{') => self.skip_object(depth),
            Some(b'[') => self.skip_array(depth),
            Some(b'"') => self.decoded_string().map(drop),
            // Numbers and literals: nothing to allocate.
            _ => self.value(depth).map(drop),
        }
    }

    fn skip_array(&mut self, depth: usize) -> Result<(), Error> {
        self.pos += 1;
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            self.skip_value(depth + 1)?;
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.error("expected ',' or ']' in a list")),
            }
        }
    }

    fn skip_object(&mut self, depth: usize) -> Result<(), Error> {
        /// As `KeySet`: a scan while the mapping is small, a hash set once it is large.
        const SCAN: usize = 24;
        self.pos += 1;
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(());
        }
        let mut keys: Vec<std::borrow::Cow<'a, str>> = Vec::new();
        let mut large: Option<std::collections::HashSet<std::borrow::Cow<'a, str>>> = None;
        loop {
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b'"') {
                return Err(self.error("expected a quoted key"));
            }
            let key = self.decoded_string()?;
            let new = match &mut large {
                Some(set) => set.insert(key),
                None if keys.contains(&key) => false,
                None => {
                    keys.push(key);
                    if keys.len() > SCAN {
                        large = Some(keys.drain(..).collect());
                    }
                    true
                }
            };
            if !new {
                return Err(self.error("duplicate key"));
            }
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b':') {
                return Err(self.error("expected ':' after a key"));
            }
            self.pos += 1;
            self.skip_ws();
            self.skip_value(depth + 1)?;
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.error("expected ',' or '}' in an object")),
            }
        }
    }

    /// Reads the string at `start` for [`strings`]: its span, its text, and whether it is
    /// a key (followed by a colon); leaves the position at its end.
    fn visit_string(
        &mut self,
        start: usize,
        visit: &mut impl FnMut(Span, &str, bool) -> std::ops::ControlFlow<()>,
    ) -> Result<std::ops::ControlFlow<()>, Error> {
        self.pos = start;
        let text = self.decoded_string()?;
        let span = Span::new(start, self.pos);
        // A key is followed by a colon; the next string is looked for from the end of this
        // one, which may be the end of the range.
        self.skip_ws();
        let key = self.bytes.get(self.pos) == Some(&b':');
        self.pos = span.range().end;
        Ok(visit(span, &text, key))
    }

    /// A string's value: its text when it has no escapes (straight from the source), else
    /// decoded.
    fn decoded_string(&mut self) -> Result<std::borrow::Cow<'a, str>, Error> {
        let open = self.pos;
        self.pos += 1;
        let mut out: Option<String> = None;
        loop {
            let run_start = self.pos;
            self.pos += plain_run(&self.bytes[run_start..]);
            let source: &'a Source = self.source;
            let run = &source.text[run_start..self.pos];
            match self.bytes.get(self.pos) {
                None => return Err(self.error_at(open, "string is not closed")),
                Some(b'"') => {
                    self.pos += 1;
                    // (Noted from its pieces, before the value is made: noting the value
                    // made first cost every parse, noting or not, a sixth more instructions
                    // in this function, the parser's hottest.)
                    if let Some(noted) = &mut self.noted {
                        noted.note(open, out.as_deref().unwrap_or_default(), run);
                    }
                    return Ok(match out {
                        None => std::borrow::Cow::Borrowed(run),
                        Some(mut owned) => {
                            owned.push_str(run);
                            std::borrow::Cow::Owned(owned)
                        }
                    });
                }
                Some(b'\\') => {
                    let mut owned = out.take().unwrap_or_default();
                    owned.push_str(run);
                    self.pos += 1;
                    self.escape(&mut owned)?;
                    out = Some(owned);
                }
                Some(_) => {
                    return Err(self.error("control character in a string (escape it)"));
                }
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Node, Error> {
        self.object_with(|parser, _| parser.value(depth + 1))
    }

    /// An object whose values `value` parses, given each key (all of each value, or as a
    /// mask says).
    fn object_with(
        &mut self,
        mut value: impl FnMut(&mut Self, &str) -> Result<Node, Error>,
    ) -> Result<Node, Error> {
        let start = self.pos;
        self.pos += 1;
        let base = self.entries.len();
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(Node::new(
                Span::new(start, self.pos),
                Value::Map(Box::default()),
            ));
        }
        let mut keys = KeySet::default();
        loop {
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b'"') {
                return Err(self.error(&format!("expected a quoted key, found {}", self.found())));
            }
            let key_start = self.pos;
            // (The key is compared and handed on as decoded: an inline `Text` is checked
            // as UTF-8 again each time it is read as a `str`, twice a key of every mapping.)
            let decoded = self.decoded_string()?;
            let key = self.texts.text(&decoded);
            let key_span = Span::new(key_start, self.pos);
            if !keys.insert(&self.entries[base..], &decoded) {
                return Err(Diagnostic::at(
                    self.source,
                    key_span,
                    format!("duplicate key \"{key}\""),
                )
                .into());
            }
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b':') {
                return Err(
                    self.error(&format!("expected ':' after a key, found {}", self.found()))
                );
            }
            self.pos += 1;
            self.skip_ws();
            let value = value(self, &decoded)?;
            self.entries.push(Entry {
                key,
                key_span,
                value,
            });
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    let entries = self.entries.split_off(base);
                    return Ok(Node::new(
                        Span::new(start, self.pos),
                        Value::Map(entries.into()),
                    ));
                }
                _ => {
                    return Err(self.error(&format!(
                        "expected ',' or '}}' in an object, found {}",
                        self.found()
                    )));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Node, String> {
        parse(&Source::from_text("t.json", text)).map_err(|e| e.diagnostics[0].to_string())
    }

    #[test]
    fn spans_cover_the_value_text() {
        let text = "\u{feff}{ \"a\" : [\"x\\u00e9\", 12, -1.5e3, true, null] }";
        let node = load(text).unwrap();
        let list = node.field("a").unwrap().items().unwrap();
        assert_eq!(&text[list[0].span.range()], "\"x\\u00e9\"");
        assert_eq!(list[0].str(), Some("xé"));
        assert_eq!(&text[list[2].span.range()], "-1.5e3");
        assert!(matches!(list[1].value(), Value::Int(12)));
    }

    #[test]
    fn surrogate_pairs_decode() {
        let node = load(r#""\ud83d\ude00""#).unwrap();
        assert_eq!(node.str(), Some("😀"));
    }

    #[test]
    fn errors_name_the_position() {
        let e = load("{\n  \"a\": 1,\n  \"a\": 2\n}").unwrap_err();
        assert!(
            e.starts_with("t.json:3:3: error: duplicate key \"a\""),
            "{e}"
        );
        let e = load("[1, 2").unwrap_err();
        assert!(
            e.contains("t.json:1:6: error: invalid JSON: expected ',' or ']'"),
            "{e}"
        );
        let e = load("[01]").unwrap_err();
        assert!(e.contains("may not start with 0"), "{e}");
        let e = load("{\"a\": \"b\nc\"}").unwrap_err();
        assert!(e.contains("control character"), "{e}");
        assert!(load("[1] x").unwrap_err().contains("after the JSON value"));
        assert!(load("").unwrap_err().contains("found the end of the file"));
    }

    /// An export-like file large enough to be parsed on two cores, with `bad` written
    /// into item `at`.
    fn large(at: usize, bad: &str) -> Source {
        let items: Vec<String> = (0..30_000)
            .map(|i| {
                let extra = if i == at { bad } else { "" };
                format!("{{\"id\": \"r{i}\", \"v\": [\"a,]\\\"\", {i}, {{\"k\": []}}]{extra}}}")
            })
            .collect();
        let text = format!(
            "{{\"schema_version\": 1, \"rules\": [\n  {}\n], \"after\": [1]}}",
            items.join(",\n  ")
        );
        assert!(text.len() > PARALLEL_FROM);
        assert!(split::find(text.as_bytes()).is_some());
        Source::from_text("big.json", &text)
    }

    #[test]
    fn a_large_file_parses_the_same_on_two_cores() {
        let source = large(usize::MAX, "");
        let two = parse(&source).unwrap();
        let one = Parser::new(&source).document().unwrap();
        // Debug output shows every span and style as well as the values.
        assert_eq!(format!("{two:?}"), format!("{one:?}"));
        assert_eq!(two.field("rules").unwrap().items().unwrap().len(), 30_000);
        for (at, bad) in [(29_000, ", \"id\": 1"), (10, ", \"id\": 1"), (20_000, ",")] {
            let source = large(at, bad);
            let message = |e: Error| e.diagnostics[0].to_string();
            assert_eq!(
                parse(&source).map_err(message).unwrap_err(),
                Parser::new(&source)
                    .document()
                    .map_err(message)
                    .unwrap_err(),
            );
        }
    }

    /// Receives the items of a list parsed in parts.
    struct Collect {
        mask: Mask,
        items: Vec<Node>,
    }

    impl Items for Collect {
        fn mask(&self) -> &Mask {
            &self.mask
        }
        fn item(&mut self, _: u32, node: Node) {
            self.items.push(node);
        }
        fn append(&mut self, other: Self, _: u32) {
            self.items.extend(other.items);
        }
    }

    fn in_parts(text: &str, mask: &Mask) -> Result<Vec<Node>, Error> {
        let source = Source::from_text("t.json", text);
        let make = |_: u32, _: &str| Collect {
            mask: mask.clone(),
            items: Vec::new(),
        };
        parse_in_parts(&source, &|key| key == "list", &make, None)
            .map(|(_, mut lists)| lists.pop().map(|c| c.items).unwrap_or_default())
    }

    /// A list parsed in parts whose split is guessed wrong (the middle of the text is in
    /// another list of the same layout, after it) is parsed by the main thread alone, to
    /// the same items; and one guessed right is split there.
    #[test]
    fn a_wrong_guess_at_the_split_changes_nothing() {
        let items = |n: usize, tag: &str| -> String {
            (0..n)
                .map(|i| format!("{{\"{tag}\": {i}, \"v\": [\"a,\\n  {{\"]}}"))
                .collect::<Vec<_>>()
                .join(",\n  ")
        };
        let mask = Mask::all();
        for (list, other) in [(10, 60_000), (60_000, 10)] {
            let text = format!(
                "{{\"list\": [\n  {}\n], \"other\": [\n  {}\n]}}",
                items(list, "l"),
                items(other, "o")
            );
            assert!(text.len() > PARALLEL_FROM);
            let at = text.find('[').unwrap();
            let guess = split::guess_item_after(text.as_bytes(), at, text.len() / 2).unwrap();
            let list_end = text.find("\n], ").unwrap();
            assert_eq!(
                guess < list_end,
                list > other,
                "{list}: the guess at {guess}"
            );
            let whole = Parser::new(&Source::from_text("t.json", &text))
                .document()
                .unwrap();
            let expected = whole.field("list").unwrap().items().unwrap();
            let got = in_parts(&text, &mask).unwrap();
            assert_eq!(format!("{got:?}"), format!("{expected:?}"));
        }
    }

    #[test]
    fn what_a_mask_leaves_out_is_checked_as_strictly() {
        let mask = Mask::key("keep", Mask::all());
        let many_keys: Vec<String> = (0..30).map(|i| format!("\"k{i}\": {i}")).collect();
        let many = format!("{{{}}}", many_keys.join(", "));
        let many_twice = format!("{{{}, \"k29\": 0}}", many_keys.join(", "));
        let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
        let good = [
            r#"{"a": 1, "b": [1, {"c": "\u00e9\n"}], "d": null}"#,
            r#""\ud800""#,
            r#""\ud83d\ude00""#,
            "-0.5e+3",
            "[]",
            "{}",
            "true",
            many.as_str(),
        ];
        let bad = [
            r#"{"a": 1, "a": 2}"#,
            r#"{"a": 1, "\u0061": 2}"#,
            many_twice.as_str(),
            "[01]",
            r#""\x""#,
            "\"a\u{1}\"",
            "[1,]",
            r#"{"a" 1}"#,
            r#"{"a": 1,}"#,
            r#""\ud800\u0041""#,
            r#""\u12""#,
            "tru",
            "1.",
            "\"open",
            deep.as_str(),
        ];
        for (snippet, ok) in good
            .iter()
            .map(|s| (s, true))
            .chain(bad.iter().map(|s| (s, false)))
        {
            let text =
                format!(r#"{{"list": [{{"keep": [1, "x"], "skip": {snippet}}}, 2], "b": 1}}"#);
            let whole = parse(&Source::from_text("t.json", &text));
            assert_eq!(whole.is_ok(), ok, "{snippet}");
            assert_eq!(in_parts(&text, &mask).is_ok(), ok, "{snippet}");
        }
        // What it keeps is as the whole parse gives it; what it leaves out is a null at the
        // value's span, in its place.
        let text = r#"{"list": [{"skip": {"a": [1]}, "keep": ["x", {"y": 2}], "s": "t"}]}"#;
        let whole = parse(&Source::from_text("t.json", text)).unwrap();
        let item = &in_parts(text, &mask).unwrap()[0];
        let full = &whole.field("list").unwrap().items().unwrap()[0];
        assert_eq!(item.span, full.span);
        for (kept, entry) in item.entries().unwrap().iter().zip(full.entries().unwrap()) {
            assert_eq!((&kept.key, kept.key_span), (&entry.key, entry.key_span));
            assert_eq!(kept.value.span, entry.value.span);
            if kept.key == "keep" {
                assert_eq!(format!("{:?}", kept.value), format!("{:?}", entry.value));
            } else {
                assert!(matches!(kept.value.value(), Value::Null), "{}", kept.key);
            }
        }
    }

    #[test]
    fn masks_unite() {
        let a = Mask::key("a", Mask::key("x", Mask::all()));
        let b = Mask::any(Mask::key("y", Mask::all()));
        let both = a.union(&b);
        // `a` is read by both: as `a` reads it and as every entry is.
        assert_eq!(
            both.child("a"),
            Some(&Mask::key("x", Mask::all()).union(&Mask::key("y", Mask::all())))
        );
        assert_eq!(both.child("z"), Some(&Mask::key("y", Mask::all())));
        assert_eq!(a.child("z"), None);
        assert!(a.union(&Mask::all()).all);
    }

    #[test]
    fn whitespace_is_passed_to_the_first_byte_that_is_not() {
        let pieces = [" ", "   ", "        ", "\n", "\t", "\r\n"];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    for end in ["", "x", " x", "\"", "é"] {
                        let ws = format!("{a}{b}{c}{}", &a[..a.len() / 2]);
                        let source = Source::from_text("t.json", &format!("{ws}{end}"));
                        let mut parser = Parser::new(&source);
                        parser.skip_ws();
                        let expected = ws.len() + end.len() - end.trim_start().len();
                        assert_eq!(parser.pos, expected, "{ws:?} then {end:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(100_000);
        assert!(load(&text).unwrap_err().contains("nesting deeper than"));
    }

    /// A JSON value with strings of every kind: quotes, backslashes, colons and braces
    /// inside them, non-ASCII text, and characters written as escapes.
    #[derive(Clone, Debug)]
    enum Json {
        Str(String),
        Number,
        List(Vec<Json>),
        Map(Vec<(String, Json)>),
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = Json> {
        use proptest::prelude::*;
        let text = "[a-c\"\\\\:,{}\\[\\] é💡\t\n/@]{0,6}";
        let leaf = prop_oneof![text.prop_map(Json::Str), Just(Json::Number)];
        leaf.prop_recursive(4, 40, 5, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Json::List),
                prop::collection::vec((text, inner), 0..5).prop_map(|mut entries| {
                    // (Duplicate keys are refused: one of each.)
                    let mut seen = std::collections::HashSet::new();
                    entries.retain(|(k, _)| seen.insert(k.clone()));
                    Json::Map(entries)
                }),
            ]
        })
    }

    /// `value` as JSON text, with `spaces` between tokens and each character escaped
    /// when its bit in `escapes` (cycled) says so, or when JSON requires it.
    fn write(value: &Json, spaces: &str, escapes: u64, out: &mut String, at: &mut u32) {
        let string = |text: &str, out: &mut String, at: &mut u32| {
            out.push('"');
            for c in text.chars() {
                *at = at.rotate_left(1);
                let chosen = escapes >> (*at % 64) & 1 == 1;
                match c {
                    '"' | '\\' => out.extend(['\\', c]),
                    '\n' => out.push_str("\\n"),
                    '\t' => out.push_str("\\t"),
                    '/' if chosen => out.push_str("\\/"),
                    c if chosen => {
                        for unit in c.encode_utf16(&mut [0; 2]) {
                            out.push_str(&format!("\\u{unit:04x}"));
                        }
                    }
                    c => out.push(c),
                }
            }
            out.push('"');
        };
        match value {
            Json::Str(text) => string(text, out, at),
            Json::Number => out.push_str("-1.5e3"),
            Json::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    out.push_str(if i == 0 { spaces } else { "," });
                    write(item, spaces, escapes, out, at);
                }
                out.push_str(spaces);
                out.push(']');
            }
            Json::Map(entries) => {
                out.push('{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    out.push_str(if i == 0 { spaces } else { "," });
                    string(key, out, at);
                    out.push_str(spaces);
                    out.push(':');
                    out.push_str(spaces);
                    write(value, spaces, escapes, out, at);
                }
                out.push_str(spaces);
                out.push('}');
            }
        }
    }

    proptest::proptest! {
        /// [`strings`] reads every key and string value the parsed tree holds, with the
        /// same span and text, in text order, and nothing else.
        #[test]
        fn strings_are_the_trees_strings(
            value in json_value(),
            spaces in proptest::sample::select(vec!["", " ", "\n  ", "\r\n\t", "\n          \t   ", "                 "]),
            escapes in proptest::prelude::any::<u64>(),
            bom in proptest::prelude::any::<bool>(),
        ) {
            let mut text = String::from(if bom { "\u{feff}" } else { "" });
            write(&value, spaces, escapes, &mut text, &mut 1);
            let source = Source::from_text("t.json", &text);
            let tree = parse(&source).map_err(|e| format!("{:?}", e.diagnostics))
                .expect("the written text parses");
            let mut expected = Vec::new();
            tree.walk(&mut Vec::new(), &mut |_, node| match node.value() {
                Value::Str(s, _) => expected.push((node.span, s.to_string(), false)),
                Value::Map(entries) => expected
                    .extend(entries.iter().map(|e| (e.key_span, e.key.to_string(), true))),
                _ => {}
            });
            expected.sort_by_key(|(span, _, _)| span.start);
            let read = |range: std::ops::Range<usize>, read: &mut Vec<(Span, String, bool)>| {
                strings(&source, range, |span, text, key| {
                    read.push((span, text.to_owned(), key));
                    std::ops::ControlFlow::Continue(())
                })
                .expect("the strings of a parsed text read");
            };
            let mut whole = Vec::new();
            read(0..text.len(), &mut whole);
            proptest::prop_assert_eq!(&whole, &expected);
            // In parts cut at the ends of strings, as `check` reads a large file.
            let mut cuts: Vec<usize> = expected
                .iter()
                .map(|(span, _, _)| span.range().end)
                .filter(|end| (escapes as usize).wrapping_mul(*end) % 3 == 0)
                .collect();
            cuts.push(text.len());
            let (mut parted, mut from) = (Vec::new(), 0);
            for to in cuts {
                read(from..to, &mut parted);
                from = to;
            }
            proptest::prop_assert_eq!(parted, expected);
        }
    }

    /// The starts of the strings [`strings`] reads in `source` that a parse noting from
    /// `from` bytes must note: at least that long, or holding an `@`, once decoded.
    fn to_note(source: &Source, from: usize) -> Vec<u32> {
        let mut starts = Vec::new();
        strings(source, 0..source.text.len(), |span, text, _| {
            if text.len() >= from || text.contains('@') {
                starts.push(span.start);
            }
            std::ops::ControlFlow::Continue(())
        })
        .expect("the strings of a parsed text read");
        starts
    }

    proptest::proptest! {
        /// A parse in parts notes the strings [`strings`] reads that are at least as long
        /// as it is told or hold an `@` (`\u0040` is one), keys as well as values, inside
        /// the streamed list and outside it, in text order, and no other.
        #[test]
        fn a_parse_in_parts_notes_the_strings_a_mention_scan_reads(
            other in json_value(),
            items in proptest::collection::vec(json_value(), 0..4),
            spaces in proptest::sample::select(vec!["", " ", "\n  ", "\n                "]),
            escapes in proptest::prelude::any::<u64>(),
            from in 0usize..8,
        ) {
            let mut text = String::from("{\"other\":");
            let at = &mut 1;
            write(&other, spaces, escapes, &mut text, at);
            text.push_str(",\"list\":[");
            for (i, item) in items.iter().enumerate() {
                text.push_str(if i == 0 { spaces } else { "," });
                write(item, spaces, escapes, &mut text, at);
            }
            text.push_str("]}");
            let source = Source::from_text("t.json", &text);
            let make = |_: u32, _: &str| Collect { mask: Mask::default(), items: Vec::new() };
            let (parted, _) = parse_in_parts(&source, &|key| key == "list", &make, Some(from))
                .map_err(|e| format!("{:?}", e.diagnostics))
                .expect("the written text parses");
            let noted = parted.noted.expect("asked to note");
            proptest::prop_assert_eq!(noted.from_length, from);
            proptest::prop_assert_eq!(noted.starts, to_note(&source, from));
            let (unnoted, _) = parse_in_parts(&source, &|key| key == "list", &make, None)
                .expect("the written text parses");
            proptest::prop_assert!(unnoted.noted.is_none());
        }
    }

    /// A list parsed in parts on two cores notes what one core would: the second core's
    /// strings, after the first's.
    #[test]
    fn a_large_file_notes_its_strings_on_two_cores() {
        struct Split {
            appended: bool,
        }
        impl Items for Split {
            fn mask(&self) -> &Mask {
                static NOTHING: std::sync::LazyLock<Mask> = std::sync::LazyLock::new(Mask::default);
                &NOTHING
            }
            fn item(&mut self, _: u32, _: Node) {}
            fn append(&mut self, _: Self, _: u32) {
                self.appended = true;
            }
        }
        let items: Vec<String> = (0..12_000)
            .map(|i| {
                format!(
                    "{{\"id\": \"r{i}\", \"to\": \"u{i}@example.com\", \"note\": \"{}\", \"x\": \"a\\u0040\"}}",
                    "n".repeat(i % 40)
                )
            })
            .collect();
        let text = format!(
            "{{\"rules\": [\n  {}\n], \"after\": [\"{}\"]}}",
            items.join(",\n  "),
            "m".repeat(36)
        );
        assert!(text.len() > PARALLEL_FROM);
        let source = Source::from_text("big.json", &text);
        let make = |_: u32, _: &str| Split { appended: false };
        let (parted, lists) =
            parse_in_parts(&source, &|key| key == "rules", &make, Some(36)).unwrap();
        if crate::parallel::workers() >= 2 {
            assert!(lists[0].appended, "the list was parsed on two cores");
        }
        let noted = parted.noted.unwrap().starts;
        // Each item's address and escaped `@`, the notes of 36 to 39 `n`s, and the `m`s.
        assert_eq!(noted.len(), 12_000 * 2 + 1_200 + 1);
        assert_eq!(noted, to_note(&source, 36));
    }

    proptest::proptest! {
        /// [`plain_run`] stops where a byte-by-byte search for a quote, a backslash or a
        /// control character stops, whatever stands before (multi-byte characters, bytes
        /// just above or below the stops) and wherever the stop falls in a word.
        #[test]
        fn a_plain_run_stops_where_a_byte_search_stops(
            bytes in proptest::collection::vec(proptest::sample::select(vec![
                b'a', b'a', b'a', b'a', b'a', b'a', b'a', b'a', b' ', b'!', b'#', b'[', b']',
                0x20, 0x7f, 0x80, 0xa2, 0xff, b'"', b'\\', 0, 0x1f,
            ]), 0..64),
            from in 0usize..8,
        ) {
            let bytes = &bytes[from.min(bytes.len())..];
            let expected = bytes
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .unwrap_or(bytes.len());
            proptest::prop_assert_eq!(plain_run(bytes), expected);
        }
    }
}
