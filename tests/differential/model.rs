//! The generated export as a tree of YAML nodes with their style (quoting, flow or block,
//! anchors, tags, comments), and how it is written as YAML or JSON text.
//!
//! An alias carries a copy of the value it stands for, so that a tree with an anchor
//! removed (while shrinking) is still written as valid YAML: an alias whose anchor has not
//! been written yet is written as that copy instead, and a merge key (`<<: *t`) as the
//! template's entries.

use std::collections::HashSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Q {
    Plain,
    Single,
    Double,
    /// Double-quoted with some characters written as `\uXXXX`.
    Escaped,
}

#[derive(Clone, Debug, Default)]
pub struct Props {
    pub anchor: Option<String>,
    /// `!!str` / `!!seq` / `!!map`.
    pub tag: bool,
    /// The tag written before the anchor (`!!str &x a`), or after it (`&x !!str a`).
    pub tag_first: bool,
}

#[derive(Clone, Debug)]
pub enum G {
    Scalar {
        text: String,
        q: Q,
        props: Props,
    },
    Seq {
        items: Vec<Item>,
        flow: bool,
        props: Props,
        trailing: Vec<String>,
    },
    Map {
        entries: Vec<Entry>,
        flow: bool,
        props: Props,
        trailing: Vec<String>,
    },
    /// `*name`; `fallback` is the value it stands for.
    Alias {
        name: String,
        fallback: Box<G>,
    },
}

#[derive(Clone, Debug)]
pub struct Item {
    pub node: G,
    /// Full-line comments before the item.
    pub before: Vec<String>,
    /// A comment at the end of the item's (first) line.
    pub eol: Option<String>,
}

/// A mapping entry; the key `<<` with an alias is a merge key.
#[derive(Clone, Debug)]
pub struct Entry {
    pub key: String,
    pub node: G,
    pub before: Vec<String>,
    pub eol: Option<String>,
}

pub const MERGE: &str = "<<";

impl G {
    pub fn plain(text: &str) -> G {
        G::Scalar {
            text: text.to_owned(),
            q: Q::Plain,
            props: Props::default(),
        }
    }

    pub fn props_mut(&mut self) -> Option<&mut Props> {
        match self {
            G::Scalar { props, .. } | G::Seq { props, .. } | G::Map { props, .. } => Some(props),
            G::Alias { .. } => None,
        }
    }

    /// The value without anchors or comments anywhere: what an alias to it stands for.
    pub fn stripped(&self) -> G {
        let mut g = self.clone();
        g.strip();
        g
    }

    fn strip(&mut self) {
        if let Some(p) = self.props_mut() {
            p.anchor = None;
        }
        match self {
            G::Seq {
                items, trailing, ..
            } => {
                trailing.clear();
                for i in items {
                    i.before.clear();
                    i.eol = None;
                    i.node.strip();
                }
            }
            G::Map {
                entries, trailing, ..
            } => {
                trailing.clear();
                for e in entries {
                    e.before.clear();
                    e.eol = None;
                    e.node.strip();
                }
            }
            _ => {}
        }
    }

    pub fn entries(&self) -> &[Entry] {
        match self {
            G::Map { entries, .. } => entries,
            _ => &[],
        }
    }

    /// Removes comments of the kinds given (before, end of line, trailing) and, with
    /// `tags`, every tag (the shrinker's coarse steps).
    pub fn without(&self, comments: [bool; 3], tags: bool) -> G {
        let mut g = self.clone();
        g.remove(comments, tags);
        g
    }

    fn remove(&mut self, [before, eol, trail]: [bool; 3], tags: bool) {
        if tags && let Some(p) = self.props_mut() {
            p.tag = false;
        }
        let flags = [before, eol, trail];
        match self {
            G::Seq {
                items, trailing, ..
            } => {
                if trail {
                    trailing.clear();
                }
                for i in items {
                    if before {
                        i.before.clear();
                    }
                    if eol {
                        i.eol = None;
                    }
                    i.node.remove(flags, tags);
                }
            }
            G::Map {
                entries, trailing, ..
            } => {
                if trail {
                    trailing.clear();
                }
                for e in entries {
                    if before {
                        e.before.clear();
                    }
                    if eol {
                        e.eol = None;
                    }
                    e.node.remove(flags, tags);
                }
            }
            G::Alias { fallback, .. } => fallback.remove(flags, tags),
            G::Scalar { .. } => {}
        }
    }
}

/// Whether `text` may be written as a plain scalar anywhere (block or flow) and read back
/// as this same string by YAML 1.1 and 1.2 readers alike (the generator's own, conservative
/// rule; the inputs it writes are thereby YAML 1.1-clean).
pub fn plain_ok(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    crate::yaml11::plain_reads_as_string(text)
        && !"-?:,[]{}#&*!|>'\"%@`".contains(first)
        && !first.is_whitespace()
        && !text.ends_with(char::is_whitespace)
        && !text.contains([':', ',', '[', ']', '{', '}', '#'])
        && !text.chars().any(|c| c.is_control() || c == '\u{feff}')
}

pub fn double_quoted(text: &str, escape_some: bool) -> String {
    let mut out = String::from("\"");
    for (i, c) in text.chars().enumerate() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || c == '\u{feff}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if escape_some && (i % 3 == 0 || !c.is_ascii()) && (c as u32) < 0x10000 => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn scalar_text(text: &str, q: Q) -> String {
    match q {
        Q::Plain => text.to_owned(),
        Q::Single if !text.chars().any(|c| c.is_control() || c == '\u{feff}') => {
            format!("'{}'", text.replace('\'', "''"))
        }
        Q::Single | Q::Double => double_quoted(text, false),
        Q::Escaped => double_quoted(text, true),
    }
}

fn key_text(key: &str) -> String {
    if plain_ok(key) || key == MERGE {
        key.to_owned()
    } else {
        double_quoted(key, false)
    }
}

#[derive(Clone, Debug)]
pub struct YamlStyle {
    pub indent: usize,
    /// A block list under a key indented (`key:\n  - a`) or not (`key:\n- a`).
    pub seq_indented: bool,
    /// A tab, not a space, after `key:` and before end-of-line comments.
    pub tabs: bool,
    /// `[ a, b ]` rather than `[a, b]`.
    pub flow_pad: bool,
}

/// Writes YAML; `comments` collects every comment written (each is unique).
pub struct Yaml<'a> {
    out: String,
    style: &'a YamlStyle,
    defined: HashSet<String>,
    pub comments: Vec<String>,
}

impl<'a> Yaml<'a> {
    pub fn new(style: &'a YamlStyle) -> Yaml<'a> {
        Yaml {
            out: String::new(),
            style,
            defined: HashSet::new(),
            comments: Vec::new(),
        }
    }

    pub fn finish(self) -> (String, Vec<String>) {
        (self.out, self.comments)
    }

    pub fn raw(&mut self, text: &str) {
        self.out.push_str(text);
    }

    pub fn document(&mut self, root: &G) {
        self.defined.clear();
        match self.resolve(root) {
            G::Map {
                entries,
                flow: false,
                trailing,
                props,
            } if !self.effective(entries).is_empty() && props.anchor.is_none() && !props.tag => {
                let (entries, trailing) = (entries.clone(), trailing.clone());
                self.block_entries(&entries, &trailing, 0, None);
            }
            g => {
                let g = g.clone();
                let text = self.inline(&g);
                self.out.push_str(&text);
                self.out.push('\n');
            }
        }
    }

    fn sep(&self) -> &'static str {
        if self.style.tabs { "\t" } else { " " }
    }

    pub fn comment_line(&mut self, indent: usize, comment: &str) {
        self.comments.push(comment.to_owned());
        self.out.push_str(&" ".repeat(indent));
        self.out.push_str(comment);
        self.out.push('\n');
    }

    fn eol(&mut self, comment: &Option<String>) -> String {
        match comment {
            Some(c) => {
                self.comments.push(c.clone());
                format!("{}{c}", self.sep())
            }
            None => String::new(),
        }
    }

    /// An alias whose anchor is not written yet stands for its copy.
    fn resolve<'g>(&self, g: &'g G) -> &'g G {
        match g {
            G::Alias { name, fallback } if !self.defined.contains(name) => self.resolve(fallback),
            g => g,
        }
    }

    /// A mapping's entries with each merge key whose template is not written replaced by
    /// the template's entries that the mapping does not set itself.
    fn effective(&self, entries: &[Entry]) -> Vec<Entry> {
        let own: HashSet<&str> = entries
            .iter()
            .filter(|e| e.key != MERGE)
            .map(|e| e.key.as_str())
            .collect();
        let mut out = Vec::new();
        for e in entries {
            if e.key == MERGE {
                match self.resolve(&e.node) {
                    G::Alias { .. } => out.push(e.clone()),
                    template => {
                        for t in self.effective(template.entries()) {
                            if !own.contains(t.key.as_str())
                                && !out.iter().any(|o: &Entry| o.key == t.key)
                            {
                                out.push(t);
                            }
                        }
                    }
                }
            } else {
                out.push(e.clone());
            }
        }
        out
    }

    fn props(&mut self, props: &Props, tag: &str) -> Vec<String> {
        let anchor = props.anchor.as_ref().map(|a| {
            self.defined.insert(a.clone());
            format!("&{a}")
        });
        let tag = props.tag.then(|| tag.to_owned());
        let mut tokens: Vec<String> = Vec::new();
        if props.tag_first {
            tokens.extend(tag);
            tokens.extend(anchor);
        } else {
            tokens.extend(anchor);
            tokens.extend(tag);
        }
        tokens
    }

    fn with_props(mut tokens: Vec<String>, text: String) -> String {
        tokens.push(text);
        tokens.join(" ")
    }

    pub fn inline(&mut self, g: &G) -> String {
        let (open_pad, close_pad) = if self.style.flow_pad {
            (" ", " ")
        } else {
            ("", "")
        };
        match self.resolve(g) {
            G::Scalar { text, q, props } => {
                let tokens = self.props(props, "!!str");
                Self::with_props(tokens, scalar_text(text, *q))
            }
            G::Alias { name, .. } => format!("*{name}"),
            G::Seq { items, props, .. } => {
                let tokens = self.props(props, "!!seq");
                let items: Vec<String> = items.iter().map(|i| self.inline(&i.node)).collect();
                let body = if items.is_empty() {
                    "[]".to_owned()
                } else {
                    format!("[{open_pad}{}{close_pad}]", items.join(", "))
                };
                Self::with_props(tokens, body)
            }
            G::Map { entries, props, .. } => {
                let tokens = self.props(props, "!!map");
                let entries = self.effective(entries);
                let parts: Vec<String> = entries
                    .iter()
                    .map(|e| format!("{}: {}", key_text(&e.key), self.inline(&e.node)))
                    .collect();
                let body = if parts.is_empty() {
                    "{}".to_owned()
                } else {
                    format!("{{{open_pad}{}{close_pad}}}", parts.join(", "))
                };
                Self::with_props(tokens, body)
            }
        }
    }

    /// Whether a value is written as a block collection here.
    fn is_block(&self, g: &G) -> bool {
        match self.resolve(g) {
            G::Seq {
                items, flow: false, ..
            } => !items.is_empty(),
            G::Map {
                entries,
                flow: false,
                ..
            } => !self.effective(entries).is_empty(),
            _ => false,
        }
    }

    /// Entries of a block mapping at `indent`; `lead` starts the first line instead of the
    /// indentation (`- ` of a list item), and then the first entry's comments were written
    /// by the caller.
    fn block_entries(
        &mut self,
        entries: &[Entry],
        trailing: &[String],
        indent: usize,
        mut lead: Option<String>,
    ) {
        for e in self.effective(entries) {
            if lead.is_none() {
                for c in &e.before {
                    self.comment_line(indent, c);
                }
            }
            self.block_entry(&e, indent, lead.take());
        }
        for c in trailing {
            self.comment_line(indent, c);
        }
    }

    fn block_entry(&mut self, e: &Entry, indent: usize, lead: Option<String>) {
        let start = lead.unwrap_or_else(|| " ".repeat(indent));
        let key = key_text(&e.key);
        let node = self.resolve(&e.node).clone();
        if self.is_block(&node) {
            let (tokens, items_or_entries) = match &node {
                G::Seq { props, .. } => (self.props(props, "!!seq"), true),
                G::Map { props, .. } => (self.props(props, "!!map"), false),
                _ => unreachable!(),
            };
            let props = if tokens.is_empty() {
                String::new()
            } else {
                format!(" {}", tokens.join(" "))
            };
            let eol = self.eol(&e.eol);
            self.out.push_str(&format!("{start}{key}:{props}{eol}\n"));
            match node {
                G::Seq {
                    items, trailing, ..
                } if items_or_entries => {
                    let step = if self.style.seq_indented {
                        self.style.indent
                    } else {
                        0
                    };
                    self.seq_items(&items, &trailing, indent + step);
                }
                G::Map {
                    entries, trailing, ..
                } => self.block_entries(&entries, &trailing, indent + self.style.indent, None),
                _ => unreachable!(),
            }
        } else {
            let value = self.inline(&node);
            let eol = self.eol(&e.eol);
            let sep = self.sep();
            self.out
                .push_str(&format!("{start}{key}:{sep}{value}{eol}\n"));
        }
    }

    fn seq_items(&mut self, items: &[Item], trailing: &[String], indent: usize) {
        let pad = " ".repeat(indent);
        for item in items {
            for c in &item.before {
                self.comment_line(indent, c);
            }
            let node = self.resolve(&item.node).clone();
            match &node {
                G::Map {
                    entries,
                    props,
                    trailing,
                    ..
                } if self.is_block(&node) => {
                    let tokens = self.props(props, "!!map");
                    if tokens.is_empty() {
                        let effective = self.effective(entries);
                        for c in &effective[0].before {
                            self.comment_line(indent, c);
                        }
                        self.block_entries(entries, trailing, indent + 2, Some(format!("{pad}- ")));
                    } else {
                        let eol = self.eol(&item.eol);
                        self.out
                            .push_str(&format!("{pad}- {}{eol}\n", tokens.join(" ")));
                        self.block_entries(entries, trailing, indent + 2, None);
                    }
                }
                G::Seq {
                    items,
                    props,
                    trailing,
                    ..
                } if self.is_block(&node) => {
                    let tokens = self.props(props, "!!seq");
                    let props = if tokens.is_empty() {
                        String::new()
                    } else {
                        format!(" {}", tokens.join(" "))
                    };
                    let eol = self.eol(&item.eol);
                    self.out.push_str(&format!("{pad}-{props}{eol}\n"));
                    self.seq_items(items, trailing, indent + 2);
                }
                _ => {
                    let value = self.inline(&node);
                    let eol = self.eol(&item.eol);
                    self.out.push_str(&format!("{pad}- {value}{eol}\n"));
                }
            }
        }
        for c in trailing {
            self.comment_line(indent, c);
        }
    }
}

#[derive(Clone, Debug)]
pub enum JsonStyle {
    /// Pretty-printed with this indentation unit (spaces or a tab).
    Pretty(String),
    Minified,
}

/// Writes a tree as JSON: aliases and merge keys expanded, comments and tags dropped; a
/// plain scalar that YAML 1.2 reads as a non-string is a JSON literal.
pub fn json(g: &G, style: &JsonStyle, depth: usize) -> String {
    let (nl, ind, inner, colon) = match style {
        JsonStyle::Pretty(unit) => ("\n", unit.repeat(depth), unit.repeat(depth + 1), ": "),
        JsonStyle::Minified => ("", String::new(), String::new(), ":"),
    };
    let comma = format!(",{nl}");
    match g {
        G::Alias { fallback, .. } => json(fallback, style, depth),
        G::Scalar { text, q, .. } => {
            if *q == Q::Plain && crate::yaml11::core_type(text) != crate::yaml11::Type::Str {
                match crate::yaml11::core_type(text) {
                    crate::yaml11::Type::Null => "null".to_owned(),
                    _ => text.to_lowercase(),
                }
            } else {
                let mut s = double_quoted(text, *q == Q::Escaped);
                if *q == Q::Single {
                    s = s.replace('/', "\\/");
                }
                s
            }
        }
        G::Seq { items, .. } if items.is_empty() => "[]".to_owned(),
        G::Seq { items, .. } => {
            let parts: Vec<String> = items
                .iter()
                .map(|i| format!("{inner}{}", json(&i.node, style, depth + 1)))
                .collect();
            format!("[{nl}{}{nl}{ind}]", parts.join(&comma))
        }
        G::Map { entries, .. } => {
            let entries = expand_merges(entries);
            if entries.is_empty() {
                return "{}".to_owned();
            }
            let parts: Vec<String> = entries
                .iter()
                .map(|e| {
                    format!(
                        "{inner}{}{colon}{}",
                        double_quoted(&e.key, false),
                        json(&e.node, style, depth + 1)
                    )
                })
                .collect();
            format!("{{{nl}{}{nl}{ind}}}", parts.join(&comma))
        }
    }
}

fn expand_merges(entries: &[Entry]) -> Vec<Entry> {
    let own: HashSet<&str> = entries
        .iter()
        .filter(|e| e.key != MERGE)
        .map(|e| e.key.as_str())
        .collect();
    let mut out: Vec<Entry> = Vec::new();
    for e in entries {
        if e.key == MERGE {
            let mut template = &e.node;
            while let G::Alias { fallback, .. } = template {
                template = fallback;
            }
            for t in expand_merges(template.entries()) {
                if !own.contains(t.key.as_str()) && !out.iter().any(|o| o.key == t.key) {
                    out.push(t);
                }
            }
        } else {
            out.push(e.clone());
        }
    }
    out
}
