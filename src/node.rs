//! The spanned document tree that both loaders build and every later step reads.
//!
//! A [`Node`] is a value that remembers where it stands in its file: the byte span of its
//! text (quotes included for a quoted scalar) and, when it was reached through a YAML alias,
//! where that alias stands. JSONPath selectors run directly on this tree ([`crate::select`]
//! evaluates the queries jsonpath-rust parses), so a match is already a located value: there
//! is no second lookup from a path back to a position.

use std::fmt;

use crate::text::Text;

/// A byte range in a source file. `u32` keeps nodes small; files over 4 GiB are refused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// How a scalar was written, so that a rewritten value can be written the same way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Style {
    /// A JSON string.
    #[default]
    Json,
    /// A YAML plain (unquoted) scalar.
    Plain,
    /// A YAML single-quoted scalar.
    SingleQuoted,
    /// A YAML double-quoted scalar.
    DoubleQuoted,
    /// A YAML literal (`|`) or folded (`>`) block scalar.
    Block,
    /// A Sieve quoted string (`"..."`, escaping only `\"` and `\\`). `encoded` when the
    /// script requires `encoded-character`, so that `${hex:…}` and `${unicode:…}` in it are
    /// decoded (and a `${` written into it must be spelled so it is not).
    SieveQuoted { encoded: bool },
    /// A Sieve multi-line string (`text:` to a line holding only `.`), dot-stuffed;
    /// `encoded` as for [`Style::SieveQuoted`].
    SieveText { encoded: bool },
    /// A name read from a Sieve script that is not a string there: a command, test or tag
    /// name, or a rule's name from its comment. Never rewritten.
    SieveName,
}

/// One value of a loaded document. Read the value with [`Node::value`].
#[derive(Clone, Debug)]
pub struct Node {
    pub span: Span,
    repr: Repr,
}

/// A value, or, for the rare node reached through a YAML alias, the value and where that
/// alias stands, boxed: that keeps every other node at 32 bytes (the compiler stores which
/// one it is in `Value`'s own tag).
#[derive(Clone, Debug)]
enum Repr {
    Plain(Value),
    Aliased(Box<Aliased>),
}

#[derive(Clone, Debug)]
struct Aliased {
    /// Where the (outermost) alias that brought this node here stands.
    site: Span,
    /// Whether that alias stands for this very node (`value: *x`), rather than for a
    /// node around it (`<<: *template`, or `*rule` for a whole rule).
    own: bool,
    value: Value,
}

impl Default for Node {
    fn default() -> Node {
        Node::new(Span::default(), Value::Null)
    }
}

#[derive(Clone, Debug, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Text, Style),
    /// Items, and whether the list is written in flow style (`[a, b]`; every JSON array).
    /// Boxed slices, not vectors: a tree is built once, and 8 bytes a value add up.
    List(Box<[Node]>, bool),
    Map(Box<[Entry]>),
}

/// A mapping entry: the key's text and span, and the value.
#[derive(Clone, Debug, Default)]
pub struct Entry {
    pub key: Text,
    pub key_span: Span,
    pub value: Node,
}

impl Node {
    pub fn new(span: Span, value: Value) -> Node {
        Node {
            span,
            repr: Repr::Plain(value),
        }
    }

    pub fn value(&self) -> &Value {
        match &self.repr {
            Repr::Plain(value) => value,
            Repr::Aliased(aliased) => &aliased.value,
        }
    }

    pub fn value_mut(&mut self) -> &mut Value {
        match &mut self.repr {
            Repr::Plain(value) => value,
            Repr::Aliased(aliased) => &mut aliased.value,
        }
    }

    pub fn into_value(self) -> Value {
        match self.repr {
            Repr::Plain(value) => value,
            Repr::Aliased(aliased) => aliased.value,
        }
    }

    /// Where the YAML alias stands when this node was reached through one.
    pub fn alias(&self) -> Option<Span> {
        match &self.repr {
            Repr::Plain(_) => None,
            Repr::Aliased(aliased) => Some(aliased.site),
        }
    }

    /// The alias token (`*name`) that stands for this very node, when there is one: the
    /// place where this use alone can be changed without changing the anchor's other uses.
    pub fn alias_token(&self) -> Option<Span> {
        match &self.repr {
            Repr::Aliased(aliased) if aliased.own => Some(aliased.site),
            _ => None,
        }
    }

    /// Marks the node as reached through the alias at `site`; `own` says whether that
    /// alias stands for this node itself (see [`Node::alias_token`]).
    pub fn set_alias(&mut self, site: Span, own: bool) {
        match &mut self.repr {
            Repr::Aliased(aliased) => {
                aliased.site = site;
                aliased.own = own;
            }
            Repr::Plain(value) => {
                let value = std::mem::take(value);
                self.repr = Repr::Aliased(Box::new(Aliased { site, own, value }));
            }
        }
    }

    /// Where a finding about this node should point: the alias if it came through one.
    pub fn site(&self) -> Span {
        self.alias().unwrap_or(self.span)
    }

    pub fn str(&self) -> Option<&str> {
        match self.value() {
            Value::Str(s, _) => Some(s),
            _ => None,
        }
    }

    pub fn style(&self) -> Style {
        match self.value() {
            Value::Str(_, style) => *style,
            _ => Style::Json,
        }
    }

    pub fn items(&self) -> Option<&[Node]> {
        match self.value() {
            Value::List(items, _) => Some(items),
            _ => None,
        }
    }

    pub fn entries(&self) -> Option<&[Entry]> {
        match self.value() {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn field(&self, key: &str) -> Option<&Node> {
        self.entries()?
            .iter()
            .find(|e| e.key == key)
            .map(|e| &e.value)
    }

    /// The node at a path of keys and indexes below this one.
    pub fn at(&self, path: &[Step]) -> Option<&Node> {
        path.iter().try_fold(self, |node, step| match step {
            Step::Key(k) => node.field(k),
            Step::Index(i) => node.items()?.get(*i),
        })
    }

    /// A short word for the kind of value, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self.value() {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(..) => "a string",
            Value::List(..) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// The plain data, for decoding into typed structs with serde.
    pub fn to_json(&self) -> serde_json::Value {
        match self.value() {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Int(i) => (*i).into(),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Str(s, _) => s.as_str().into(),
            Value::List(items, _) => items.iter().map(Node::to_json).collect(),
            Value::Map(entries) => entries
                .iter()
                .map(|e| (e.key.to_string(), e.value.to_json()))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        }
    }

    /// Every node of the tree, depth first, with its path (borrowed: no allocation per
    /// node; `to_path` makes an owned one when it is needed).
    pub fn walk<'a>(
        &'a self,
        path: &mut Vec<StepRef<'a>>,
        visit: &mut dyn FnMut(&[StepRef<'a>], &'a Node),
    ) {
        visit(path, self);
        match self.value() {
            Value::List(items, _) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(StepRef::Index(i));
                    item.walk(path, visit);
                    path.pop();
                }
            }
            Value::Map(entries) => {
                for (i, e) in entries.iter().enumerate() {
                    path.push(StepRef::Key(&e.key, i));
                    e.value.walk(path, visit);
                    path.pop();
                }
            }
            _ => {}
        }
    }
}

/// A step of a borrowed path, as `Node::walk` gives it.
#[derive(Clone, Copy, Debug)]
pub enum StepRef<'a> {
    /// A mapping key, and the entry's position in its mapping. The key's text, not its
    /// `str`: a walk over every node reads a key's text only for the few it reports.
    Key(&'a Text, usize),
    Index(usize),
}

pub fn to_path(path: &[StepRef]) -> Vec<Step> {
    path.iter()
        .map(|s| match s {
            StepRef::Key(k, _) => Step::Key((*k).clone()),
            StepRef::Index(i) => Step::Index(*i),
        })
        .collect()
}

/// Finds duplicate keys while a mapping is built: a scan while the mapping is small, a hash
/// set once it is large (so a hostile mapping with a million keys stays linear).
#[derive(Default)]
pub struct KeySet {
    large: Option<std::collections::HashSet<Text>>,
}

impl KeySet {
    const SCAN: usize = 24;

    /// Whether `key` is new among `entries` (the mapping built so far); records it.
    pub fn insert(&mut self, entries: &[Entry], key: &str) -> bool {
        if let Some(set) = &mut self.large {
            return set.insert(key.into());
        }
        if entries.iter().any(|e| e.key == key) {
            return false;
        }
        if entries.len() >= Self::SCAN {
            let mut set: std::collections::HashSet<Text> =
                entries.iter().map(|e| e.key.clone()).collect();
            set.insert(key.into());
            self.large = Some(set);
        }
        true
    }
}

/// One step of a path into a document.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    Key(Text),
    Index(usize),
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Key(k) => write!(f, ".{k}"),
            Step::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// Writes a path the way a reader of the export would: `rules[3].conditions.items[0]`.
pub fn path_text(path: &[Step]) -> String {
    steps_text(path.iter().map(|step| match step {
        Step::Key(k) => StepRef::Key(k, 0),
        Step::Index(i) => StepRef::Index(*i),
    }))
}

/// [`path_text`] of borrowed steps (the position of a key does not show).
pub fn steps_text<'a>(steps: impl IntoIterator<Item = StepRef<'a>>) -> String {
    use fmt::Write as _;
    let mut out = String::new();
    for step in steps {
        match step {
            StepRef::Key(k, _) if out.is_empty() => out.push_str(k),
            StepRef::Key(k, _) => {
                out.push('.');
                out.push_str(k);
            }
            StepRef::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    if out.is_empty() { "$".into() } else { out }
}

impl PartialEq for Node {
    /// Nodes compare by value only, as the verifier needs. (JSONPath filters compare with
    /// RFC 9535's rules, in `select`.)
    fn eq(&self, other: &Node) -> bool {
        match (self.value(), other.value()) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::Int(a), Value::Float(b)) | (Value::Float(b), Value::Int(a)) => *a as f64 == *b,
            (Value::Str(a, _), Value::Str(b, _)) => a == b,
            (Value::List(a, _), Value::List(b, _)) => a == b,
            (Value::Map(a), Value::Map(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|(x, y)| x.key == y.key && x.value == y.value)
            }
            _ => false,
        }
    }
}

impl From<&str> for Node {
    fn from(s: &str) -> Node {
        Node::new(Span::default(), Value::Str(s.into(), Style::Json))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_has_no_alias_until_given_one() {
        let mut node = Node::default();
        assert_eq!(node.alias(), None);
        assert_eq!(node.site(), Span::default());
        node.set_alias(Span::new(4, 6), true);
        assert_eq!(node.alias(), Some(Span::new(4, 6)));
        assert_eq!(node.alias_token(), Some(Span::new(4, 6)));
        assert_eq!(node.site(), Span::new(4, 6));
        // Reached again through another alias, around it: the new site, the same value,
        // and no token of its own.
        let mut node = Node::from("x");
        node.set_alias(Span::new(1, 2), true);
        node.set_alias(Span::new(7, 9), false);
        assert_eq!(node.alias(), Some(Span::new(7, 9)));
        assert_eq!(node.alias_token(), None);
        assert_eq!(node.str(), Some("x"));
        assert_eq!(std::mem::size_of::<Node>(), 32);
        assert_eq!(std::mem::size_of::<Entry>(), 56);
    }

    #[test]
    fn path_text_reads_naturally() {
        let path = vec![
            Step::Key("rules".into()),
            Step::Index(3),
            Step::Key("value".into()),
        ];
        assert_eq!(path_text(&path), "rules[3].value");
        assert_eq!(path_text(&[]), "$");
    }
}
