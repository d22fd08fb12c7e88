//! Builds the spanned [`Node`] tree from granit-parser's event stream, one tree per document,
//! or from the line reader's nodes (`yaml_block`) for the plain block YAML it takes: both
//! feed the same [`Builder`].
//!
//! granit-parser reports every event with an exact byte range and the scalar's style, which
//! is what format-preserving edits need. Plain scalars are typed by the YAML 1.2 core schema.
//! An alias is expanded into a copy of its anchor's tree whose spans still point at the
//! anchor's text (that is where an edit must go) and which remembers where the alias stands
//! (that is where a finding must point). Expansion is bounded, so an alias bomb is an error.

use std::collections::HashMap;

use granit_parser::{Event, Parser, ScalarStyle, StructureStyle};

use crate::diagnostic::{Diagnostic, Error};
use crate::load::MAX_DEPTH;
use crate::node::{Entry, KeySet, Node, Span, Style, Value};
use crate::source::Source;
use crate::text::{Interner, Text};

/// Most nodes that alias expansion may add to one file.
const MAX_ALIAS_NODES: usize = 1_000_000;

/// Where an anchor (`&name`) is defined: its token, and the span of the node it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Anchor {
    pub token: Span,
    pub node: Span,
}

pub fn parse(source: &Source) -> Result<Vec<Node>, Error> {
    parse_with_anchors(source).map(|(docs, _)| docs)
}

/// The documents, and every anchor definition in text order (for edits that must keep,
/// move or leave out an anchor: see `plan`).
pub fn parse_with_anchors(source: &Source) -> Result<(Vec<Node>, Vec<Anchor>), Error> {
    if source.text.len() >= SPLIT_FROM
        && let Some(docs) = super::yaml_split::parse(source)
    {
        // Every test run proves the two halves give exactly the one-core tree.
        #[cfg(debug_assertions)]
        {
            let whole = parse_text(source, &source.text, 0)
                .expect("a YAML text that parses in two halves parses whole");
            assert_eq!(format!("{:?}", whole.docs), format!("{docs:?}"));
            assert!(whole.anchors.is_empty());
        }
        return Ok((docs, Vec::new()));
    }
    let parsed = parse_text(source, &source.text, 0)?;
    Ok((parsed.docs, parsed.anchors))
}

/// Texts at least this long are parsed on two cores when they can be (see `yaml_split`);
/// in debug builds every text that can be is, and checked against the one-core parse.
/// Since the line reader (`yaml_block`), a cut costs about what it saves at 3 MB (the
/// blanked copy, a second thread and builder): 2 MB read 7% faster on one core, 5 MB and
/// 20 MB 6% slower.
const SPLIT_FROM: usize = if cfg!(debug_assertions) { 1 } else { 4 << 20 };

/// What parsing a text (or a part of one) gives.
pub(super) struct Parsed {
    pub docs: Vec<Node>,
    /// Every anchor definition, in text order.
    pub anchors: Vec<Anchor>,
    /// Whether it defines an anchor or uses an alias.
    pub uses_anchors: bool,
    /// The most collections open at once while it was built.
    pub deepest: usize,
}

/// Parses `text`, which stands at `offset` in `source` (the whole of it, or a part that
/// is YAML of its own): spans are `source`'s. Plain block YAML is read a line at a time
/// (see `yaml_block`); anything else, or anything that reader declines, by granit-parser.
pub(super) fn parse_text(source: &Source, text: &str, offset: usize) -> Result<Parsed, Error> {
    if let Some(parsed) = read_lines(source, text, offset) {
        // Every test run proves the line reader gives exactly granit-parser's tree.
        #[cfg(debug_assertions)]
        {
            let events = parse_events(source, text, offset)
                .expect("a text the line reader reads is YAML granit-parser reads");
            assert_eq!(format!("{:?}", events.docs), format!("{:?}", parsed.docs));
            assert_eq!(events.deepest, parsed.deepest);
            assert!(!events.uses_anchors);
        }
        return Ok(parsed);
    }
    parse_events(source, text, offset)
}

/// Both readers' trees of `text`, for the tests that compare them: the line reader's
/// (`None` when it declines) and granit-parser's.
#[doc(hidden)]
pub fn both_readers(source: &Source) -> (Option<Vec<Node>>, Result<Vec<Node>, Error>) {
    let text = &source.text;
    let lines = read_lines(source, text, 0).map(|p| p.docs);
    (lines, parse_events(source, text, 0).map(|p| p.docs))
}

/// [`parse_text`] by the line reader, or `None` where it declines.
fn read_lines(source: &Source, text: &str, offset: usize) -> Option<Parsed> {
    let mut builder = Builder::new(source, text.len());
    super::yaml_block::read(text, offset, &mut builder)?;
    Some(builder.parsed())
}

/// [`parse_text`] by granit-parser's events.
fn parse_events(source: &Source, text: &str, offset: usize) -> Result<Parsed, Error> {
    let options = granit_parser::options! { emit_comments: false, emit_anchor_events: true };
    let mut builder = Builder::new(source, text.len());
    for event in Parser::new_from_str_with_options(text, options) {
        let (event, span) = event.map_err(|e| {
            let at = offset + e.marker().byte_offset().unwrap_or(text.len());
            Diagnostic::at(
                source,
                Span::new(at, at + 1),
                format!("invalid YAML: {}", e.info()),
            )
        })?;
        let range = span.byte_range().unwrap_or(0..0);
        builder.event(event, Span::new(offset + range.start, offset + range.end))?;
    }
    Ok(builder.parsed())
}

/// Builds the trees of one text from its nodes in order: granit-parser's events, or the
/// line reader's.
pub(super) struct Builder<'a> {
    source: &'a Source,
    stack: Vec<Frame>,
    /// Scratch stacks for the items and entries of the open collections: each collection
    /// takes its own off the top in one exact-size allocation when it closes.
    items: Vec<Node>,
    entries: Vec<Entry>,
    anchors: HashMap<usize, (Node, usize)>,
    /// Where each anchor's `&name` token stands, by anchor ID.
    anchor_tokens: HashMap<usize, Span>,
    alias_nodes: usize,
    uses_anchors: bool,
    deepest: usize,
    docs: Vec<Node>,
    /// One shared copy of each long key and string.
    texts: Interner,
}

enum Frame {
    List {
        start: Span,
        anchor: usize,
        flow: bool,
        base: usize,
    },
    Map {
        start: Span,
        anchor: usize,
        base: usize,
        key: Option<(Text, Span)>,
        seen: KeySet,
    },
}

impl<'a> Builder<'a> {
    pub(super) fn new(source: &'a Source, len: usize) -> Builder<'a> {
        Builder {
            source,
            stack: Vec::new(),
            items: Vec::new(),
            entries: Vec::new(),
            anchors: HashMap::new(),
            anchor_tokens: HashMap::new(),
            alias_nodes: 0,
            uses_anchors: false,
            deepest: 0,
            docs: Vec::new(),
            texts: Interner::for_len(len),
        }
    }

    pub(super) fn parsed(self) -> Parsed {
        // Every anchor's node and token, joined by the parser's anchor ID (unique in a stream).
        let mut anchors: Vec<Anchor> = self
            .anchors
            .iter()
            .filter_map(|(id, (node, _))| {
                let token = *self.anchor_tokens.get(id)?;
                Some(Anchor {
                    token,
                    node: node.span,
                })
            })
            .collect();
        anchors.sort_by_key(|a| a.token);
        Parsed {
            docs: self.docs,
            anchors,
            uses_anchors: self.uses_anchors,
            deepest: self.deepest,
        }
    }
}

impl Builder<'_> {
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), Error> {
        match event {
            Event::DocumentStart(..) => {}
            Event::Anchor(id, _) => {
                self.uses_anchors = true;
                self.anchor_tokens.insert(id, span);
            }
            Event::Scalar(text, style, anchor, tag) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted => Style::SingleQuoted,
                    ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                    _ => Style::Block,
                };
                let tag = tag.map(|t| t.suffix().to_owned());
                self.scalar(span, &text, style, tag.as_deref(), anchor)?;
            }
            Event::SequenceStart(style, anchor, tag) => {
                self.open()?;
                self.check_collection_tag(tag.as_deref(), span, "list")?;
                self.push_list(span, style == StructureStyle::Flow, anchor);
            }
            Event::MappingStart(_, anchor, tag) => {
                self.open()?;
                self.check_collection_tag(tag.as_deref(), span, "mapping")?;
                self.push_map(span, anchor);
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(span)?,
            Event::Alias(id) => {
                self.uses_anchors = true;
                let (target, size) = self.anchors.get(&id).cloned().ok_or_else(|| {
                    Diagnostic::at(self.source, span, "alias to an unknown anchor")
                })?;
                self.alias_nodes += size;
                if self.alias_nodes > MAX_ALIAS_NODES {
                    return Err(Diagnostic::at(
                        self.source,
                        span,
                        format!(
                            "YAML aliases expand to more than {MAX_ALIAS_NODES} values \
                             (an alias bomb?); refusing to load"
                        ),
                    )
                    .into());
                }
                let mut copy = target;
                mark_alias(&mut copy, span, true);
                self.finish(copy, 0)?;
            }
            Event::UnresolvedAlias(name) => {
                return Err(Diagnostic::at(
                    self.source,
                    span,
                    format!("alias *{name} names no anchor"),
                )
                .into());
            }
            _ => {}
        }
        Ok(())
    }

    /// A scalar, typed by the core schema unless its tag says otherwise.
    pub(super) fn scalar(
        &mut self,
        span: Span,
        text: &str,
        style: Style,
        tag: Option<&str>,
        anchor: usize,
    ) -> Result<(), Error> {
        let value = scalar_value(text, style, tag, &mut self.texts);
        self.finish(Node::new(span, value), anchor)
    }

    /// A list (neither anchored nor tagged) opens at `span`.
    pub(super) fn open_list(&mut self, span: Span, flow: bool) -> Result<(), Error> {
        self.open()?;
        self.push_list(span, flow, 0);
        Ok(())
    }

    /// A mapping (neither anchored nor tagged) opens at `span`.
    pub(super) fn open_map(&mut self, span: Span) -> Result<(), Error> {
        self.open()?;
        self.push_map(span, 0);
        Ok(())
    }

    fn push_list(&mut self, start: Span, flow: bool, anchor: usize) {
        self.stack.push(Frame::List {
            start,
            anchor,
            flow,
            base: self.items.len(),
        });
    }

    fn push_map(&mut self, start: Span, anchor: usize) {
        self.stack.push(Frame::Map {
            start,
            anchor,
            base: self.entries.len(),
            key: None,
            seen: KeySet::default(),
        });
    }

    /// The innermost open collection ends at `span`.
    pub(super) fn close(&mut self, span: Span) -> Result<(), Error> {
        let (node, anchor) = match self.stack.pop() {
            Some(Frame::List {
                start,
                anchor,
                flow,
                base,
            }) => (
                Node::new(
                    Span::new(start.range().start, span.range().end),
                    Value::List(self.items.split_off(base).into(), flow),
                ),
                anchor,
            ),
            Some(Frame::Map {
                start,
                anchor,
                base,
                ..
            }) => (
                Node::new(
                    Span::new(start.range().start, span.range().end),
                    Value::Map(merge(self.source, self.entries.split_off(base)).into()),
                ),
                anchor,
            ),
            None => return Ok(()),
        };
        self.finish(node, anchor)
    }

    /// A core-schema scalar tag (`!!str`, `!!int`, ...) on a list or mapping is invalid.
    fn check_collection_tag(
        &self,
        tag: Option<&granit_parser::Tag>,
        span: Span,
        what: &str,
    ) -> Result<(), Error> {
        if let Some(tag) = tag
            && tag.handle() == "tag:yaml.org,2002:"
            && ["str", "int", "float", "bool", "null", "binary", "timestamp"]
                .contains(&tag.suffix())
        {
            return Err(Diagnostic::at(
                self.source,
                span,
                format!(
                    "invalid YAML: the tag !!{} cannot stand on a {what}",
                    tag.suffix()
                ),
            )
            .into());
        }
        Ok(())
    }

    fn open(&mut self) -> Result<(), Error> {
        self.deepest = self.deepest.max(self.stack.len() + 1);
        if self.stack.len() >= MAX_DEPTH {
            let at = match self.stack.last() {
                Some(Frame::List { start, .. } | Frame::Map { start, .. }) => *start,
                None => Span::default(),
            };
            return Err(Diagnostic::at(
                self.source,
                at,
                format!("nesting deeper than {MAX_DEPTH} levels"),
            )
            .into());
        }
        Ok(())
    }

    /// Places a finished node: into its parent, or as a document root.
    fn finish(&mut self, node: Node, anchor: usize) -> Result<(), Error> {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), count(&node)));
        }
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::List { .. }) => self.items.push(node),
            Some(Frame::Map {
                base, key, seen, ..
            }) => match key.take() {
                None => {
                    let text = match node.value() {
                        Value::Str(s, _) => s.clone(),
                        Value::Null => Default::default(),
                        _ => self.texts.text(&self.source.text[node.span.range()]),
                    };
                    if !seen.insert(&self.entries[*base..], &text) {
                        return Err(Diagnostic::at(
                            self.source,
                            node.span,
                            format!("duplicate key \"{text}\""),
                        )
                        .into());
                    }
                    *key = Some((text, node.span));
                }
                Some((key, key_span)) => self.entries.push(Entry {
                    key,
                    key_span,
                    value: node,
                }),
            },
        }
        Ok(())
    }
}

/// Applies YAML merge keys (`<<: *defaults`, or `<<: [*a, *b]`): the merged mappings'
/// entries join the mapping unless it has the key already (earlier merged mappings win).
/// They keep their spans, so a reference inside is found, and rewritten, at the anchor.
fn merge(source: &Source, entries: Vec<Entry>) -> Vec<Entry> {
    let is_merge = |e: &Entry| e.key == "<<" && &source.text[e.key_span.range()] == "<<";
    if !entries.iter().any(is_merge) {
        return entries;
    }
    let (merges, mut own): (Vec<Entry>, Vec<Entry>) = entries.into_iter().partition(is_merge);
    for merge in merges {
        let maps: Vec<Value> = match merge.value.into_value() {
            map @ Value::Map(_) => vec![map],
            Value::List(items, _) => items.into_iter().map(Node::into_value).collect(),
            _ => Vec::new(),
        };
        for map in maps {
            if let Value::Map(merged) = map {
                for entry in merged.into_iter() {
                    if !own.iter().any(|e| e.key == entry.key) {
                        own.push(entry);
                    }
                }
            }
        }
    }
    own
}

fn count(node: &Node) -> usize {
    1 + match node.value() {
        Value::List(items, _) => items.iter().map(count).sum(),
        Value::Map(entries) => entries.iter().map(|e| count(&e.value)).sum(),
        _ => 0,
    }
}

/// Marks a node copied for the alias at `site`, and everything inside it: the alias
/// stands for the node itself (`own`), and for the rest only through it.
fn mark_alias(node: &mut Node, site: Span, own: bool) {
    node.set_alias(site, own);
    match node.value_mut() {
        Value::List(items, _) => items.iter_mut().for_each(|n| mark_alias(n, site, false)),
        Value::Map(entries) => entries
            .iter_mut()
            .for_each(|e| mark_alias(&mut e.value, site, false)),
        _ => {}
    }
}

/// Types a scalar by the YAML 1.2 core schema: only plain scalars can be non-strings.
fn scalar_value(text: &str, style: Style, tag: Option<&str>, texts: &mut Interner) -> Value {
    if style == Style::Plain
        && tag != Some("str")
        && let Some(value) = plain_non_string(text)
    {
        return value;
    }
    Value::Str(texts.text(text), style)
}

/// What a plain scalar is when it is not a string (null, a boolean or a number).
fn plain_non_string(text: &str) -> Option<Value> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Some(Value::Float(f64::INFINITY));
        }
        "-.inf" | "-.Inf" | "-.INF" => return Some(Value::Float(f64::NEG_INFINITY)),
        ".nan" | ".NaN" | ".NAN" => return Some(Value::Float(f64::NAN)),
        _ => {}
    }
    if let Some(int) = parse_int(text) {
        return Some(Value::Int(int));
    }
    if is_float(text)
        && let Ok(f) = text.parse::<f64>()
    {
        return Some(Value::Float(f));
    }
    None
}

fn parse_int(text: &str) -> Option<i64> {
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok();
    }
    if let Some(oct) = text.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok();
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    None
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
fn is_float(text: &str) -> bool {
    let t = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && (frac.is_empty() || digits(frac)),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

/// Whether `text` would load back as this same string when written as a plain scalar, by
/// YAML 1.2 readers (this one) and YAML 1.1 readers alike (PyYAML and many import scripts,
/// which read `yes`, `12:30:00` or `2001-12-14` as a boolean, a number or a date).
pub fn plain_safe(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    if "-?:,[]{}#&*!|>'\"%@`\u{feff}".contains(first) || first.is_whitespace() {
        return false;
    }
    if text.ends_with(char::is_whitespace) || text.ends_with(':') {
        return false;
    }
    if text.contains(": ") || text.contains(" #") || text.contains(['\n', '\r', '\t']) {
        return false;
    }
    // Flow indicators would end the scalar inside `[...]` or `{...}`.
    if text.contains([',', '[', ']', '{', '}']) || text.chars().any(crate::scalar::yaml_escaped) {
        return false;
    }
    plain_non_string(text).is_none() && !yaml_1_1_non_string(text)
}

/// Whether a YAML 1.1 reader takes this plain scalar for something else than a string:
/// the types of the YAML 1.1 type repository (bool, int, float, null, timestamp, merge,
/// value), as PyYAML resolves them.
fn yaml_1_1_non_string(text: &str) -> bool {
    static TYPES: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(concat!(
            "^(?:",
            // bool
            "y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF",
            // null
            "|~|null|Null|NULL",
            // int: binary, octal, decimal, hex, base 60
            "|[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+",
            "|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+",
            // float, base 60 float, infinity, not a number
            // (the type repository's float takes several dots: `[0-9.]*`)
            "|[-+]?(?:[0-9][0-9_]*)?\\.[0-9._]*(?:[eE][-+]?[0-9]+)?",
            "|[-+]?[0-9][0-9_]*(?:[eE][-+]?[0-9]+)",
            "|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*",
            "|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN)",
            // timestamp
            "|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}",
            "(?:(?:[Tt]|[ \\t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]*)?",
            "(?:[ \\t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?",
            // merge, value
            "|<<|=",
            ")$"
        ))
        .expect("a valid expression")
    });
    TYPES.is_match(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Vec<Node>, String> {
        parse(&Source::from_text("t.yaml", text)).map_err(|e| e.diagnostics[0].to_string())
    }

    #[test]
    fn scalars_keep_style_and_span() {
        let text = "a: plain\nb: 'single'\nc: \"dou\\u00e9\"\nd: [x, 'y']\n";
        let doc = &load(text).unwrap()[0];
        let c = doc.field("c").unwrap();
        assert_eq!(c.str(), Some("doué"));
        assert_eq!(c.style(), Style::DoubleQuoted);
        assert_eq!(&text[c.span.range()], "\"dou\\u00e9\"");
        let d = doc.field("d").unwrap();
        assert!(matches!(d.value(), Value::List(_, true)));
        assert_eq!(&text[d.items().unwrap()[1].span.range()], "'y'");
    }

    #[test]
    fn plain_scalars_follow_the_core_schema() {
        let doc =
            &load("a: 12\nb: true\nc: ~\nd: 1e3\ne: 716be7a6-fd40\nf: '12'\ng: 0x1F\n").unwrap()[0];
        assert!(matches!(doc.field("a").unwrap().value(), Value::Int(12)));
        assert!(matches!(doc.field("b").unwrap().value(), Value::Bool(true)));
        assert!(matches!(doc.field("c").unwrap().value(), Value::Null));
        assert!(matches!(doc.field("d").unwrap().value(), Value::Float(_)));
        assert_eq!(doc.field("e").unwrap().str(), Some("716be7a6-fd40"));
        assert_eq!(doc.field("f").unwrap().str(), Some("12"));
        assert!(matches!(doc.field("g").unwrap().value(), Value::Int(31)));
    }

    #[test]
    fn aliases_point_at_the_anchor_and_remember_the_site() {
        let text = "a: &x id1\nb: *x\n";
        let doc = &load(text).unwrap()[0];
        let b = doc.field("b").unwrap();
        assert_eq!(&text[b.span.range()], "id1");
        assert_eq!(&text[b.site().range()], "*x");
    }

    #[test]
    fn a_scalar_tag_on_a_collection_is_refused() {
        assert!(
            load("a: !!str [x, y]\n")
                .unwrap_err()
                .contains("the tag !!str cannot stand on a list")
        );
        assert!(load("a: !!str x\n").is_ok());
    }

    #[test]
    fn merge_keys_merge() {
        let text = "d: &d {a: 1, b: 2}\nx:\n  <<: *d\n  b: 3\ny: {'<<': 4}\n";
        let doc = &load(text).unwrap()[0];
        let x = doc.field("x").unwrap();
        let keys: Vec<&str> = x
            .entries()
            .unwrap()
            .iter()
            .map(|e| e.key.as_str())
            .collect();
        assert_eq!(keys, ["b", "a"]);
        assert!(matches!(x.field("b").unwrap().value(), Value::Int(3)));
        assert_eq!(&text[x.field("a").unwrap().site().range()], "*d");
        // A quoted '<<' is an ordinary key.
        assert!(doc.field("y").unwrap().field("<<").is_some());
    }

    #[test]
    fn documents_split() {
        assert_eq!(load("a: 1\n---\nb: 2\n").unwrap().len(), 2);
    }

    #[test]
    fn hostile_yaml_is_refused() {
        assert!(
            load("a: 1\na: 2\n")
                .unwrap_err()
                .contains("duplicate key \"a\"")
        );
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for i in 0..9 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            };
            bomb.push_str(&format!(
                "l{i}: &l{i} [{}]\n",
                vec![format!("*{prev}"); 9].join(", ")
            ));
        }
        assert!(load(&bomb).unwrap_err().contains("alias bomb"));
        let deep = load(&"[".repeat(10_000)).unwrap_err();
        assert!(
            deep.contains("nesting deeper") || deep.contains("recursion"),
            "{deep}"
        );
        assert!(load("a: [1, 2\n").unwrap_err().starts_with("t.yaml:"));
    }

    #[test]
    fn plain_safety() {
        assert!(plain_safe("716be7a6-fd40-45a2"));
        assert!(plain_safe("info@example.com"));
        for unsafe_text in [
            "", "12", "true", "null", "a: b", "-x", "a,b", "x #y", "1e5", "~",
        ] {
            assert!(!plain_safe(unsafe_text), "{unsafe_text}");
        }
        // What YAML 1.1 readers take for booleans, numbers, dates and the like.
        for yaml_1_1 in [
            "yes",
            "No",
            "ON",
            "off",
            "y",
            "N",
            "12:30:00",
            "190:20:30.15",
            "2001-12-14",
            "2001-12-14t21:59:43.10-05:00",
            "1_000",
            "0b101",
            "017",
            ".5",
            "+1",
            "1.",
            "<<",
            "=",
            "\u{feff}x",
            "1e+5",
        ] {
            assert!(!plain_safe(yaml_1_1), "{yaml_1_1}");
        }
        for fine in [
            "716be7a6-fd40-45a2",
            "0e24f298-965d",
            "12ab",
            "2001-12-14x",
            "yes-no",
            "a=b",
        ] {
            assert!(plain_safe(fine), "{fine}");
        }
    }
}
