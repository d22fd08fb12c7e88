//! The oracle's own reading of a file: plain data with the lines it was written on.
//!
//! YAML (and JSON, which libyaml reads as YAML) is parsed with `libyaml-safer`, a port of
//! libyaml that shares no code with the crate's loader (granit-parser). Aliases and merge
//! keys are expanded here, so a value is a *use*: a value reached through `*x` or `<<: *t`
//! is a copy of the anchored value that remembers the alias's line (`via`). Plain scalars
//! are typed by the YAML 1.2 core schema, the schema the README promises. JSON files are
//! also read with serde_json, and both readings must agree.

use std::collections::{BTreeSet, HashMap, HashSet};

use libyaml_safer::{EventData, MappingStyle, Parser, ScalarStyle, SequenceStyle};

/// One value with where it stands (0-based lines). For a copy reached through an alias the
/// lines are those of the anchored text, and `via` holds the alias's line (outermost
/// first); merged entries carry the `<<: *t` alias line the same way.
#[derive(Clone, Debug)]
pub struct Node {
    pub v: V,
    pub line: u32,
    pub end_line: u32,
    pub flow: bool,
    pub via: Vec<u32>,
}

#[derive(Clone, Debug)]
pub enum V {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    pub fn new(v: V) -> Node {
        Node {
            v,
            line: 0,
            end_line: 0,
            flow: true,
            via: Vec::new(),
        }
    }

    pub fn str(s: &str) -> Node {
        Node::new(V::Str(s.to_owned()))
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.v {
            V::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.v {
            V::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.v {
            V::Map(entries) => entries.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Every line a value's text occupies, following aliases into the anchored text: its
    /// scalars, a sequence's opening and (flow) closing line and each item, a mapping's
    /// keys and values. Full-line comments between items are not among them.
    pub fn text_lines(&self, out: &mut BTreeSet<u32>) {
        out.extend(self.via.iter().copied());
        match &self.v {
            V::Seq(items) => {
                out.insert(self.line);
                if self.flow {
                    out.insert(self.end_line);
                }
                items.iter().for_each(|i| i.text_lines(out));
            }
            V::Map(entries) => {
                out.insert(self.line);
                if self.flow {
                    out.insert(self.end_line);
                }
                entries.iter().for_each(|(_, v)| v.text_lines(out));
            }
            _ => out.extend(self.line..=self.end_line),
        }
    }
}

/// Equality as data: mappings compare as sets of keys (order ignored), positions ignored.
pub fn data_eq(a: &Node, b: &Node) -> bool {
    match (&a.v, &b.v) {
        (V::Null, V::Null) => true,
        (V::Bool(x), V::Bool(y)) => x == y,
        (V::Int(x), V::Int(y)) => x == y,
        (V::Float(x), V::Float(y)) => x == y || (x.is_nan() && y.is_nan()),
        (V::Str(x), V::Str(y)) => x == y,
        (V::Seq(x), V::Seq(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| data_eq(p, q)),
        (V::Map(x), V::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.iter().any(|(k2, v2)| k == k2 && data_eq(v, v2)))
        }
        _ => false,
    }
}

/// Data as one line of JSON-like text, keys in their order, for reports.
pub fn show(n: &Node) -> String {
    match &n.v {
        V::Null => "null".into(),
        V::Bool(b) => b.to_string(),
        V::Int(i) => i.to_string(),
        V::Float(f) => format!("{f:?}"),
        V::Str(s) => format!("{s:?}"),
        V::Seq(items) => format!(
            "[{}]",
            items.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
        V::Map(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{k:?}: {}", show(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Where two values first differ, as a path and both sides (`None` when equal as data).
pub fn first_difference(expected: &Node, actual: &Node, path: &str) -> Option<String> {
    match (&expected.v, &actual.v) {
        (V::Seq(x), V::Seq(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, &format!("{path}[{i}]"))),
        (V::Map(x), V::Map(y)) => {
            for (k, v) in x {
                match y.iter().find(|(k2, _)| k2 == k) {
                    None => return Some(format!("{path}.{k}: expected {}, missing", show(v))),
                    Some((_, v2)) => {
                        if let Some(d) = first_difference(v, v2, &format!("{path}.{k}")) {
                            return Some(d);
                        }
                    }
                }
            }
            y.iter()
                .find(|(k, _)| !x.iter().any(|(k2, _)| k2 == k))
                .map(|(k, v)| format!("{path}.{k}: unexpected {}", show(v)))
        }
        _ if data_eq(expected, actual) => None,
        _ => Some(format!(
            "{path}: expected {}\n    actual   {}",
            show(expected),
            show(actual)
        )),
    }
}

/// One YAML document (or the JSON file): its root and the top-level keys that are
/// templates (see `docs/rewrite-rules.md`, replace 4: a value outside every setting that defines an
/// anchor the settings use may change as those uses need).
pub struct Doc {
    pub root: Node,
    pub templates: BTreeSet<String>,
}

pub struct Parsed {
    pub docs: Vec<Doc>,
    /// Every plain, untagged scalar that is a value (not a key), with its line.
    pub plain: Vec<(String, u32)>,
    /// Every alias: its line, and the lines of the value it stands for.
    pub aliases: Vec<(u32, BTreeSet<u32>)>,
}

const NOT_TEMPLATES: &[&str] = &[
    "schema_version",
    "organization",
    "accounts",
    "rules",
    "aliases",
    "sharing",
];

enum Frame {
    Seq {
        node: Node,
        anchor: Option<String>,
        items: Vec<Node>,
    },
    Map {
        node: Node,
        anchor: Option<String>,
        entries: Vec<(String, Node)>,
        merges: Vec<Node>,
        key: Option<(String, bool)>,
    },
}

#[derive(Default)]
struct DocState {
    anchors: HashMap<String, Node>,
    /// For each anchor: the top-level key it is defined under.
    anchor_top: HashMap<String, Option<String>>,
    /// For each anchor: the aliases its value holds.
    anchor_holds: HashMap<String, HashSet<String>>,
    /// Aliases used under each top-level key.
    aliases_in: Vec<(String, Option<String>)>,
    top_key: Option<String>,
}

pub fn parse(bytes: &[u8]) -> Result<Parsed, String> {
    let mut input = bytes;
    let mut parser = Parser::new();
    parser.set_input(&mut input);
    let mut docs = Vec::new();
    let mut plain = Vec::new();
    let mut aliases = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut state = DocState::default();
    let mut root: Option<Node> = None;
    loop {
        let event = parser.parse().map_err(|e| format!("libyaml: {e}"))?;
        let line = event.start_mark.line as u32;
        let end_line = event.end_mark.line as u32;
        // A completed value goes to its parent (or becomes the root).
        let mut done: Option<(Node, Option<String>)> = None;
        match event.data {
            EventData::StreamStart { .. } => {}
            EventData::StreamEnd => break,
            EventData::DocumentStart { .. } => {
                state = DocState::default();
                root = None;
            }
            EventData::DocumentEnd { .. } => {
                let root = root.take().ok_or("empty document")?;
                let templates = templates(&state);
                docs.push(Doc { root, templates });
            }
            EventData::Alias { anchor } => {
                let mut node = state
                    .anchors
                    .get(&anchor)
                    .cloned()
                    .ok_or_else(|| format!("unknown anchor {anchor}"))?;
                node.via.insert(0, line);
                for frame in &stack {
                    let a = match frame {
                        Frame::Seq { anchor, .. } | Frame::Map { anchor, .. } => anchor,
                    };
                    if let Some(a) = a {
                        state
                            .anchor_holds
                            .entry(a.clone())
                            .or_default()
                            .insert(anchor.clone());
                    }
                }
                let mut lines = BTreeSet::new();
                node.text_lines(&mut lines);
                lines.remove(&line);
                aliases.push((line, lines));
                state.aliases_in.push((anchor, state.top_key.clone()));
                if expecting_key(&stack) {
                    return Err(format!("line {}: an alias as a key", line + 1));
                }
                done = Some((node, None));
            }
            EventData::Scalar {
                anchor,
                tag,
                value,
                style,
                ..
            } => {
                if let Some(a) = &anchor {
                    state.anchor_top.insert(a.clone(), state.top_key.clone());
                }
                if expecting_key(&stack) {
                    if anchor.is_some() || tag.is_some() {
                        return Err(format!("line {}: a key with properties", line + 1));
                    }
                    let merge = style == ScalarStyle::Plain && value == "<<";
                    if stack.len() == 1 {
                        state.top_key = Some(value.clone());
                    }
                    if let Some(Frame::Map { key, .. }) = stack.last_mut() {
                        *key = Some((value, merge));
                    }
                    continue;
                }
                let v = resolve(&value, style, tag.as_deref())?;
                if style == ScalarStyle::Plain && tag.is_none() {
                    plain.push((value.clone(), line));
                }
                let node = Node {
                    v,
                    line,
                    end_line,
                    flow: true,
                    via: Vec::new(),
                };
                done = Some((node, anchor));
            }
            EventData::SequenceStart {
                anchor, tag, style, ..
            } => {
                check_tag(tag.as_deref(), "seq")?;
                if expecting_key(&stack) {
                    return Err(format!("line {}: a sequence as a key", line + 1));
                }
                if let Some(a) = &anchor {
                    state.anchor_top.insert(a.clone(), state.top_key.clone());
                }
                let flow = style == SequenceStyle::Flow;
                let node = Node {
                    v: V::Null,
                    line,
                    end_line: line,
                    flow,
                    via: Vec::new(),
                };
                stack.push(Frame::Seq {
                    node,
                    anchor,
                    items: Vec::new(),
                });
            }
            EventData::MappingStart {
                anchor, tag, style, ..
            } => {
                check_tag(tag.as_deref(), "map")?;
                if expecting_key(&stack) {
                    return Err(format!("line {}: a mapping as a key", line + 1));
                }
                if let Some(a) = &anchor {
                    state.anchor_top.insert(a.clone(), state.top_key.clone());
                }
                let flow = style == MappingStyle::Flow;
                let node = Node {
                    v: V::Null,
                    line,
                    end_line: line,
                    flow,
                    via: Vec::new(),
                };
                stack.push(Frame::Map {
                    node,
                    anchor,
                    entries: Vec::new(),
                    merges: Vec::new(),
                    key: None,
                });
            }
            EventData::SequenceEnd => {
                let Some(Frame::Seq {
                    mut node,
                    anchor,
                    items,
                }) = stack.pop()
                else {
                    return Err("unbalanced sequence".into());
                };
                node.end_line = if node.flow {
                    end_line
                } else {
                    items.iter().map(|i| i.end_line).max().unwrap_or(node.line)
                };
                node.v = V::Seq(items);
                done = Some((node, anchor));
            }
            EventData::MappingEnd => {
                let Some(Frame::Map {
                    mut node,
                    anchor,
                    entries,
                    merges,
                    ..
                }) = stack.pop()
                else {
                    return Err("unbalanced mapping".into());
                };
                node.end_line = if node.flow {
                    end_line
                } else {
                    entries
                        .iter()
                        .map(|(_, v)| v.end_line)
                        .chain(
                            merges
                                .iter()
                                .map(|m| m.via.first().copied().unwrap_or(m.end_line)),
                        )
                        .max()
                        .unwrap_or(node.line)
                };
                node.v = V::Map(merge(entries, merges)?);
                done = Some((node, anchor));
            }
        }
        if let Some((node, anchor)) = done {
            if let Some(a) = anchor {
                state.anchors.insert(a, node.clone());
            }
            match stack.last_mut() {
                None => root = Some(node),
                Some(Frame::Seq { items, .. }) => items.push(node),
                Some(Frame::Map {
                    entries,
                    merges,
                    key,
                    ..
                }) => {
                    let (k, is_merge) = key.take().ok_or("a value without a key")?;
                    if is_merge {
                        merges.push(node);
                    } else if entries.iter().any(|(e, _)| *e == k) {
                        return Err(format!("line {}: duplicate key {k:?}", line + 1));
                    } else {
                        entries.push((k, node));
                    }
                }
            }
        }
    }
    Ok(Parsed {
        docs,
        plain,
        aliases,
    })
}

fn expecting_key(stack: &[Frame]) -> bool {
    matches!(stack.last(), Some(Frame::Map { key: None, .. }))
}

fn check_tag(tag: Option<&str>, kind: &str) -> Result<(), String> {
    match tag {
        None => Ok(()),
        Some(t) if t == format!("tag:yaml.org,2002:{kind}") => Ok(()),
        Some(t) => Err(format!("unexpected tag {t}")),
    }
}

/// YAML merge keys: the mapping's own keys win, then earlier merged mappings over later
/// ones. A merged value remembers the alias it came through.
fn merge(
    mut entries: Vec<(String, Node)>,
    merges: Vec<Node>,
) -> Result<Vec<(String, Node)>, String> {
    let mut sources: Vec<(Vec<u32>, Node)> = Vec::new();
    for m in merges {
        match &m.v {
            V::Map(_) => sources.push((m.via.clone(), m)),
            V::Seq(items) => {
                for item in items {
                    let mut via = m.via.clone();
                    via.extend(item.via.iter().copied());
                    sources.push((via, item.clone()));
                }
            }
            _ => return Err("a merge key whose value is not a mapping".into()),
        }
    }
    for (via, source) in sources {
        let V::Map(merged) = source.v else {
            return Err("a merge key whose value is not a mapping".into());
        };
        for (k, mut v) in merged {
            if entries.iter().any(|(e, _)| *e == k) {
                continue;
            }
            let inner = std::mem::take(&mut v.via);
            v.via = via.iter().copied().chain(inner).collect();
            entries.push((k, v));
        }
    }
    Ok(entries)
}

/// The top-level keys outside the settings that define an anchor something uses: a
/// template exists to be used, and follows its uses (a template that merges another one
/// changes with it, whoever uses it).
fn templates(state: &DocState) -> BTreeSet<String> {
    let mut needed: HashSet<String> = state.aliases_in.iter().map(|(a, _)| a.clone()).collect();
    loop {
        let more: Vec<String> = needed
            .iter()
            .flat_map(|a| state.anchor_holds.get(a).into_iter().flatten())
            .filter(|a| !needed.contains(*a))
            .cloned()
            .collect();
        if more.is_empty() {
            break;
        }
        needed.extend(more);
    }
    needed
        .iter()
        .filter_map(|a| state.anchor_top.get(a).cloned().flatten())
        .filter(|t| !NOT_TEMPLATES.contains(&t.as_str()))
        .collect()
}

/// A scalar's value by the YAML 1.2 core schema (only plain, untagged scalars can be
/// anything but a string).
fn resolve(text: &str, style: ScalarStyle, tag: Option<&str>) -> Result<V, String> {
    match tag {
        None => {}
        Some("tag:yaml.org,2002:str") => return Ok(V::Str(text.to_owned())),
        Some(t) => return Err(format!("unexpected tag {t}")),
    }
    if style != ScalarStyle::Plain {
        return Ok(V::Str(text.to_owned()));
    }
    Ok(match crate::yaml11::core_type(text) {
        crate::yaml11::Type::Null => V::Null,
        crate::yaml11::Type::Bool => V::Bool(matches!(text, "true" | "True" | "TRUE")),
        crate::yaml11::Type::Int => V::Int(parse_int(text)),
        crate::yaml11::Type::Float => V::Float(parse_float(text)),
        _ => V::Str(text.to_owned()),
    })
}

fn parse_int(text: &str) -> i128 {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let value = if let Some(hex) = digits.strip_prefix("0x") {
        i128::from_str_radix(hex, 16)
    } else if let Some(oct) = digits.strip_prefix("0o") {
        i128::from_str_radix(oct, 8)
    } else {
        digits.parse()
    }
    .unwrap_or(i128::MAX);
    if negative { -value } else { value }
}

fn parse_float(text: &str) -> f64 {
    match text.trim_start_matches('+') {
        ".inf" | ".Inf" | ".INF" => f64::INFINITY,
        "-.inf" | "-.Inf" | "-.INF" => f64::NEG_INFINITY,
        ".nan" | ".NaN" | ".NAN" => f64::NAN,
        t => t.parse().unwrap_or(f64::NAN),
    }
}

/// serde_json's reading of a JSON file, as a `Node` without positions.
pub fn from_json(bytes: &[u8]) -> Result<Node, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("serde_json: {e}"))?;
    fn convert(v: serde_json::Value) -> Node {
        Node::new(match v {
            serde_json::Value::Null => V::Null,
            serde_json::Value::Bool(b) => V::Bool(b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => V::Int(i.into()),
                None => V::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => V::Str(s),
            serde_json::Value::Array(items) => V::Seq(items.into_iter().map(convert).collect()),
            serde_json::Value::Object(entries) => {
                V::Map(entries.into_iter().map(|(k, v)| (k, convert(v))).collect())
            }
        })
    }
    Ok(convert(value))
}
