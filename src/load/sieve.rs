//! Sieve mail filter scripts (RFC 5228) to the spanned [`Node`] tree.
//!
//! When an organisation moves its mailboxes, the mail server's own filters name the old
//! addresses too (`redirect "support@old.example";`). Reading a script into the same tree as
//! the JSON and YAML exports lets profiles, `diff`, `apply`, `check`, saved plans and the
//! all-or-nothing writes work on it unchanged. Written here rather than taken from a crate:
//! the Sieve libraries parse to regenerate a script (losing comments and layout), while this
//! needs the exact byte span of every string, errors at their line and column, and a depth
//! limit — in a few hundred lines, as RFC 5228 is small.
//!
//! # The model
//!
//! A script is one document: the list of its commands. A command is a mapping:
//!
//! - `command`: its name, in lower case (`if`, `redirect`, `vacation`);
//! - `rule`: the rule's name, when a comment right before it names one the way Roundcube
//!   and other rules editors do (`# rule:[Forward sales]`);
//! - `match` (`is`, `contains`, `matches`, `regex`, `count`, `value`, `list`), `relation`
//!   (the string after `:count` or `:value`), `comparator` (the string after `:comparator`),
//!   `address_part` (`all`, `localpart`, `domain`, `user`, `detail`): the tags every
//!   comparison shares, as fields, each present only when written (`:is` is the default);
//! - `tags`: every other tag, by name without the colon: the value that follows it when the
//!   tag takes one (`:from "a@b"`, `:addresses [...]`, `:days 7`), else `true` (`:copy`).
//!   A tag cutover does not know is taken as one without a value;
//! - the positional arguments, by name for the commands and tests of [`ROLES`] (`redirect`
//!   has `address`, `vacation` `reason`, `address`/`header` tests `headers` and `keys`),
//!   else as the list `arguments`. A string list is a list, a single string a string;
//! - `tests`: the test, or the tests of a test list (`anyof (…)`), after the arguments;
//! - `block`: the commands of its block (`{ … }`), when it has one.
//!
//! A test is the same mapping with `test` for its name (and no `rule` or `block`), so `not`,
//! `anyof` and `allof` hold theirs under `tests`. Strings keep their byte span (quotes, or
//! `text:` to the closing `.` line, included) and a [`Style`] saying how they are written,
//! so a rewritten value is written the same way; names are [`Style::SieveName`] and never
//! rewritten. Values are as Sieve reads them: escapes (`\"`, `\\`) and dot-stuffing undone,
//! and, when the script requires `encoded-character`, `${hex:…}` and `${unicode:…}` decoded.
//!
//! The lexer takes the whole RFC 5228 syntax: quoted strings (which may span lines), `text:`
//! strings, `#` and `/* */` comments, numbers with `K`, `M`, `G`, tags, string lists, test
//! lists and blocks. It checks the syntax, not the meaning (which extension a command needs,
//! which arguments it takes): that is the Sieve compiler's job.

use std::borrow::Cow;

use crate::diagnostic::{Diagnostic, Error};
use crate::load::MAX_DEPTH;
use crate::node::{Entry, Node, Span, Style, Value};
use crate::source::Source;
use crate::text::Interner;

/// Blocks, test lists and tests nested deeper than this are refused: each level is two
/// levels of the tree (a mapping and the list holding it), and the innermost holds a few
/// more (its arguments), so the tree stays within [`MAX_DEPTH`] like the other formats'.
const MAX_NESTING: usize = MAX_DEPTH / 2 - 4;

/// The names of the positional arguments of the commands and tests cutover knows, in
/// order, so that profiles can select them by name (`keys`, not the last argument). `true`
/// when an optional argument comes first, so fewer arguments are named from the end.
/// Arguments of a command not listed here, or more of them than it takes, are `arguments`.
pub const ROLES: &[(&str, bool, &[&str])] = &[
    // Commands (RFC 5228 and extensions).
    ("require", false, &["capabilities"]),
    ("redirect", false, &["address"]),
    ("fileinto", false, &["mailbox"]),
    ("reject", false, &["reason"]),
    ("ereject", false, &["reason"]),
    ("vacation", false, &["reason"]),
    ("notify", false, &["method"]),
    ("set", false, &["name", "value"]),
    ("include", false, &["script"]),
    ("global", false, &["names"]),
    ("addheader", false, &["name", "value"]),
    ("deleteheader", false, &["name", "patterns"]),
    ("setflag", true, &["variable", "flags"]),
    ("addflag", true, &["variable", "flags"]),
    ("removeflag", true, &["variable", "flags"]),
    ("error", false, &["message"]),
    ("extracttext", false, &["variable"]),
    ("replace", false, &["replacement"]),
    ("enclose", false, &["body"]),
    ("convert", false, &["from", "to", "parameters"]),
    // Tests.
    ("address", false, &["headers", "keys"]),
    ("header", false, &["headers", "keys"]),
    ("envelope", false, &["parts", "keys"]),
    ("exists", false, &["headers"]),
    ("size", false, &["limit"]),
    ("string", false, &["sources", "keys"]),
    ("hasflag", true, &["variables", "flags"]),
    ("body", false, &["keys"]),
    ("date", false, &["header", "part", "keys"]),
    ("currentdate", false, &["part", "keys"]),
    ("environment", false, &["name", "keys"]),
    ("valid_notify_method", false, &["uris"]),
    (
        "notify_method_capability",
        false,
        &["uri", "capability", "keys"],
    ),
    ("ihave", false, &["capabilities"]),
    ("mailboxexists", false, &["mailboxes"]),
    ("metadata", false, &["mailbox", "annotation", "keys"]),
    ("metadataexists", false, &["mailbox", "annotations"]),
    ("servermetadata", false, &["annotation", "keys"]),
    ("servermetadataexists", false, &["annotations"]),
    ("specialuse_exists", true, &["mailbox", "uses"]),
    ("spamtest", false, &["value"]),
    ("virustest", false, &["value"]),
    ("valid_ext_list", false, &["lists"]),
];

/// The positional arguments of [`ROLES`] that take a string list (`keys`, `headers`); the
/// others take one string or a number. A single string there may be widened into a list
/// of the old and the new value (add mode); anywhere else the compiler refuses a list.
const STRING_LIST_ARGUMENTS: &[&str] = &[
    "annotations",
    "capabilities",
    "flags",
    "headers",
    "keys",
    "lists",
    "mailboxes",
    "names",
    "parameters",
    "parts",
    "patterns",
    "sources",
    "uris",
    "uses",
    "variables",
];

/// The tags whose value is a string list (`vacation :addresses`, `notify :options`,
/// `:flags` of imap4flags).
const STRING_LIST_TAGS: &[&str] = &["addflags", "addresses", "flags", "options"];

/// Whether Sieve takes a string list where a script has the argument `name` (a tag's
/// value when `tag`): a single string written there may become a list.
pub fn takes_string_list(name: &str, tag: bool) -> bool {
    match tag {
        true => STRING_LIST_TAGS.contains(&name),
        false => STRING_LIST_ARGUMENTS.contains(&name),
    }
}

/// Tags that take the value after them (RFC 5228 and the extensions Dovecot and Cyrus
/// implement); any other tag stands alone.
const TAGS_WITH_VALUE: &[&str] = &[
    "addflags",
    "addresses",
    "bymode",
    "bytimeabsolute",
    "bytimerelative",
    "content",
    "days",
    "fcc",
    "first",
    "flags",
    "from",
    "handle",
    "header",
    "headers",
    "id",
    "importance",
    "index",
    "input",
    "mailbox",
    "mailboxid",
    "message",
    "method",
    "name",
    "notify",
    "options",
    "output",
    "param",
    "removeflags",
    "ret",
    "seconds",
    "specialuse",
    "subject",
    "tzid",
    "uniqueid",
    "weekdays",
    "zone",
];

/// The commands and tests that take a test or a test list.
const TAKE_TESTS: &[&str] = &["if", "elsif", "not", "anyof", "allof"];

const MATCH_TYPES: &[&str] = &[
    "is", "contains", "matches", "regex", "count", "value", "list",
];
const ADDRESS_PARTS: &[&str] = &["all", "localpart", "domain", "user", "detail"];

/// Parses a script into its one document.
pub fn parse(source: &Source) -> Result<Node, Error> {
    let mut parser = Parser {
        source,
        text: &source.text,
        bytes: source.text.as_bytes(),
        pos: 0,
        last_end: 0,
        peeked: None,
        texts: Interner::for_len(source.text.len()),
        encoded: false,
    };
    parser.script()
}

/// Where, in a string's text as written (`raw`), its characters are: for a `text:` string its
/// lines (not the `text:` line, which may hold a comment, nor the closing `.`), for any other
/// string the whole token.
pub fn value_range(raw: &str, style: Style) -> std::ops::Range<usize> {
    match style {
        Style::SieveText { .. } => {
            let body = text_body(raw);
            let start = raw.find('\n').map_or(raw.len(), |i| i + 1);
            start..start + body.len()
        }
        _ => 0..raw.len(),
    }
}

/// Where the address is in the value of a Sieve string that stands for one (`redirect`,
/// `vacation :from` and `:addresses`, the `:is` keys of address tests): Sieve reads such a
/// string as an RFC 5322 mailbox, so the white space around it — among it the line break
/// that ends a `text:` string's last line — and a display name (`Info <info@example.com>`)
/// are not part of the address. The whole value when it is nothing but the address.
pub fn address_range(value: &str) -> std::ops::Range<usize> {
    let space = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    let trimmed = |range: std::ops::Range<usize>| {
        let text = &value[range.clone()];
        let start = range.start + (text.len() - text.trim_start_matches(space).len());
        start..start + text.trim_matches(space).len()
    };
    let mailbox = trimmed(0..value.len());
    let text = &value[mailbox.clone()];
    match (text.strip_suffix('>'), text.rfind('<')) {
        (Some(_), Some(open)) => {
            let inner = trimmed(mailbox.start + open + 1..mailbox.end - 1);
            if inner.is_empty() { mailbox } else { inner }
        }
        _ => mailbox,
    }
}

/// The address a Sieve string at an address position holds and where it is written, when
/// that is not the whole string (see [`address_range`]): `redirect text:` and its line
/// break, `"Info <info@old.example>"`. Where is the address itself when it is written as
/// it reads (no escape or encoded character inside it), else the whole string. `None` for
/// a string that is only the address or only white space, and for any string not in a
/// Sieve script.
pub fn address_within<'v>(node: &Node, value: &'v str, text: &str) -> Option<(&'v str, Span)> {
    let style = node.style();
    if !matches!(style, Style::SieveQuoted { .. } | Style::SieveText { .. }) {
        return None;
    }
    let range = address_range(value);
    if range.is_empty() || range.len() == value.len() {
        return None;
    }
    let address = &value[range.clone()];
    let raw = &text[node.span.range()];
    let written = match style {
        Style::SieveText { .. } => value_range(raw, style),
        // A quoted string's inside (the loader gives it both quotes).
        _ => 1..raw.len().max(2) - 1,
    };
    let start = node.span.start as usize + written.start;
    let site = if raw[written.clone()] == *value {
        Span::new(start + range.start, start + range.end)
    } else {
        // Escapes or dot-stuffing elsewhere in the string: the address is the last place
        // it is written (a display name comes before it).
        match raw[written].rfind(address) {
            Some(at) => Span::new(start + at, start + at + address.len()),
            None => node.span,
        }
    };
    Some((address, site))
}

/// Whether `piece`, written into a Sieve string of this style in place of other text,
/// reads back as itself: no quote or backslash in a quoted string, no line break (nor a
/// `.` that could start a line) in a `text:` string, no `${` where encoded characters are
/// decoded, no control character anywhere.
pub fn writes_as_is(piece: &str, style: Style) -> bool {
    let plain = !piece.chars().any(char::is_control);
    match style {
        Style::SieveQuoted { encoded } => {
            plain && !piece.contains(['"', '\\']) && !(encoded && piece.contains("${"))
        }
        Style::SieveText { encoded } => {
            plain && !piece.starts_with('.') && !(encoded && piece.contains("${"))
        }
        _ => true,
    }
}

/// `address` as it must be written inside a `:matches` key to match only itself: its
/// wildcards (`*`, `?`) and `\` escaped with a `\`.
pub fn matches_literal(address: &str) -> Cow<'_, str> {
    if !address.contains(['*', '?', '\\']) {
        return Cow::Borrowed(address);
    }
    let mut out = String::with_capacity(address.len() + 4);
    for c in address.chars() {
        if matches!(c, '*' | '?' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    Cow::Owned(out)
}

/// Whether the string at `path` in a script is a key of a test with `:matches`, whose
/// `*`, `?` and `\` are wildcards and escapes rather than characters.
pub fn in_matches_test(doc: &Node, path: &[u32]) -> bool {
    // The test is the nearest mapping above the string that names one.
    (0..path.len())
        .rev()
        .filter_map(|len| doc.at_positions(&path[..len]))
        .find(|node| node.field("test").is_some())
        .is_some_and(|test| test.field("match").and_then(Node::str) == Some("matches"))
}

/// Whether a Sieve string as written (`raw`, quotes or `text:` included) spells some of its
/// characters with `encoded-character` (`${hex:40}` for `@`): such a string, when cutover
/// changes it, is written in plain text.
pub fn spelled_encoded(raw: &str, style: Style) -> bool {
    let plain = match style {
        Style::SieveQuoted { encoded: true } if raw.len() >= 2 && raw.ends_with('"') => unescape(
            raw.strip_prefix('"')
                .unwrap_or(raw)
                .strip_suffix('"')
                .unwrap_or(raw),
        ),
        Style::SieveText { encoded: true } => Cow::Owned(unstuff(text_body(raw))),
        _ => return false,
    };
    decode_encoded(&plain).map_or(true, |decoded| decoded != plain)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Ident,
    Tag,
    Number,
    Quoted,
    Text,
    Punct(u8),
    Eof,
}

#[derive(Clone, Copy, Debug)]
struct Token {
    kind: Kind,
    span: Span,
    /// The rule name a comment between the previous token and this one gives, if any.
    rule: Option<Span>,
}

struct Parser<'a> {
    source: &'a Source,
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// Where the last token taken ends (a test ends with its last argument).
    last_end: usize,
    peeked: Option<Token>,
    texts: Interner,
    /// Whether a `require` so far asked for `encoded-character`.
    encoded: bool,
}

/// The fields of a command or test as its arguments are read.
#[derive(Default)]
struct Fields {
    head: Vec<Entry>,
    tags: Vec<Entry>,
    positional: Vec<Node>,
    tests: Option<Node>,
}

impl Parser<'_> {
    fn error(&self, span: Span, message: impl AsRef<str>) -> Error {
        Diagnostic::at(
            self.source,
            span,
            format!("invalid Sieve: {}", message.as_ref()),
        )
        .into()
    }

    fn at(&self, pos: usize) -> Span {
        Span::new(pos, (pos + 1).min(self.bytes.len()).max(pos))
    }

    // --- lexer ---------------------------------------------------------------------------

    fn peek(&mut self) -> Result<Token, Error> {
        if let Some(token) = self.peeked {
            return Ok(token);
        }
        let token = self.lex()?;
        self.peeked = Some(token);
        Ok(token)
    }

    fn next(&mut self) -> Result<Token, Error> {
        let token = self.peek()?;
        self.peeked = None;
        if token.kind != Kind::Eof {
            self.last_end = token.span.end as usize;
        }
        Ok(token)
    }

    /// Skips white space and comments, and gives the rule name the last `rule:[…]`
    /// comment among them holds.
    fn trivia(&mut self) -> Result<Option<Span>, Error> {
        let mut rule = None;
        loop {
            match self.bytes.get(self.pos) {
                Some(b' ' | b'\t' | b'\r' | b'\n') => self.pos += 1,
                Some(b'#') => {
                    let end = memchr::memchr(b'\n', &self.bytes[self.pos..])
                        .map_or(self.bytes.len(), |i| self.pos + i);
                    rule = rule_name(self.text, self.pos + 1, end).or(rule);
                    self.pos = end;
                }
                Some(b'/') if self.bytes.get(self.pos + 1) == Some(&b'*') => {
                    let start = self.pos;
                    let Some(close) = memchr::memmem::find(&self.bytes[start + 2..], b"*/") else {
                        return Err(self.error(
                            Span::new(start, start + 2),
                            "comment is not closed (`*/` is missing)",
                        ));
                    };
                    let end = start + 2 + close;
                    let line_end =
                        memchr::memchr(b'\n', &self.bytes[start..end]).map_or(end, |i| start + i);
                    rule = rule_name(self.text, start + 2, line_end).or(rule);
                    self.pos = end + 2;
                }
                _ => return Ok(rule),
            }
        }
    }

    fn lex(&mut self) -> Result<Token, Error> {
        let rule = self.trivia()?;
        let start = self.pos;
        let token = |kind, end: usize| Token {
            kind,
            span: Span::new(start, end),
            rule,
        };
        let Some(&byte) = self.bytes.get(start) else {
            return Ok(token(Kind::Eof, start));
        };
        let kind = match byte {
            b'[' | b']' | b'(' | b')' | b',' | b';' | b'{' | b'}' => {
                self.pos += 1;
                Kind::Punct(byte)
            }
            b'"' => {
                let mut i = start + 1;
                loop {
                    match self.bytes.get(i) {
                        None => return Err(self.error(self.at(start), "string is not closed")),
                        Some(b'"') => break,
                        Some(b'\\') => i += 2,
                        Some(_) => i += 1,
                    }
                }
                self.pos = i + 1;
                Kind::Quoted
            }
            b':' => {
                self.pos += 1;
                if !self.identifier() {
                    return Err(self.error(
                        self.at(start),
                        "expected a tag name right after ':' (such as `:is`)",
                    ));
                }
                Kind::Tag
            }
            b'0'..=b'9' => {
                while self.bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
                    self.pos += 1;
                }
                if let Some(b'K' | b'M' | b'G' | b'k' | b'm' | b'g') = self.bytes.get(self.pos) {
                    self.pos += 1;
                }
                if self
                    .bytes
                    .get(self.pos)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
                {
                    return Err(self.error(
                        self.at(self.pos),
                        format!("unexpected {} after a number", self.describe_at(self.pos)),
                    ));
                }
                Kind::Number
            }
            _ if self.identifier() => {
                let word = &self.text[start..self.pos];
                if word.eq_ignore_ascii_case("text") && self.bytes.get(self.pos) == Some(&b':') {
                    self.pos += 1;
                    self.multiline(start)?;
                    Kind::Text
                } else {
                    Kind::Ident
                }
            }
            _ => {
                return Err(self.error(
                    self.at(start),
                    format!("unexpected {}", self.describe_at(start)),
                ));
            }
        };
        Ok(token(kind, self.pos))
    }

    /// Reads an identifier at `pos`; false (nothing read) when none starts there.
    fn identifier(&mut self) -> bool {
        if !self
            .bytes
            .get(self.pos)
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
        {
            return false;
        }
        while self
            .bytes
            .get(self.pos)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            self.pos += 1;
        }
        true
    }

    /// Reads a `text:` string from just after the colon to the end of its `.` line.
    fn multiline(&mut self, start: usize) -> Result<(), Error> {
        while let Some(b' ' | b'\t') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
        match self.bytes.get(self.pos) {
            Some(b'#') | Some(b'\n') => {}
            Some(b'\r') if self.bytes.get(self.pos + 1) == Some(&b'\n') => {}
            _ => {
                return Err(self.error(
                    self.at(self.pos),
                    "expected the end of the line (or a `#` comment) after `text:`",
                ));
            }
        }
        let not_closed = |p: &Self| {
            p.error(
                Span::new(start, start + 5),
                "`text:` string is not closed (a line holding only `.` ends it)",
            )
        };
        // The rest of the `text:` line, then the lines up to the one holding only `.`.
        let mut line = self.pos;
        loop {
            let Some(newline) = memchr::memchr(b'\n', &self.bytes[line..]) else {
                return Err(not_closed(self));
            };
            let end = line + newline;
            if line > self.pos && matches!(&self.text[line..end], "." | ".\r") {
                self.pos = end + 1;
                return Ok(());
            }
            line = end + 1;
        }
    }

    fn describe_at(&self, pos: usize) -> String {
        match self.text[pos..].chars().next() {
            None => "the end of the file".into(),
            Some(c) if c.is_control() => format!("{c:?}"),
            Some(c) => format!("'{c}'"),
        }
    }

    fn describe(&self, token: Token) -> String {
        let text = &self.text[token.span.range()];
        match token.kind {
            Kind::Eof => "the end of the file".into(),
            Kind::Ident | Kind::Tag => format!("`{text}`"),
            Kind::Number => format!("the number {text}"),
            Kind::Quoted | Kind::Text => "a string".into(),
            Kind::Punct(_) => format!("'{text}'"),
        }
    }

    // --- parser --------------------------------------------------------------------------

    fn script(&mut self) -> Result<Node, Error> {
        if self.text.starts_with('\u{feff}') {
            self.pos = 3;
        }
        let commands = self.commands(0)?;
        let token = self.peek()?;
        if token.kind != Kind::Eof {
            return Err(self.error(
                token.span,
                format!("expected a command, found {}", self.describe(token)),
            ));
        }
        Ok(Node::new(
            Span::new(0, self.text.len()),
            Value::List(commands.into(), false),
        ))
    }

    fn commands(&mut self, depth: usize) -> Result<Vec<Node>, Error> {
        let mut commands = Vec::new();
        while self.peek()?.kind == Kind::Ident {
            commands.push(self.command(depth)?);
        }
        Ok(commands)
    }

    fn name(&mut self, token: Token) -> Node {
        let name = self.text[token.span.range()].to_ascii_lowercase();
        Node::new(
            token.span,
            Value::Str(self.texts.text(&name), Style::SieveName),
        )
    }

    fn command(&mut self, depth: usize) -> Result<Node, Error> {
        let token = self.next()?;
        let name = self.name(token);
        let mut fields = Fields::default();
        fields.head.push(entry("command", token.span, name));
        if let Some(rule) = token.rule {
            let value = Value::Str(self.texts.text(&self.text[rule.range()]), Style::SieveName);
            fields
                .head
                .push(entry("rule", rule, Node::new(rule, value)));
        }
        self.arguments(&mut fields, depth)?;
        let end = self.next()?;
        let block = match end.kind {
            Kind::Punct(b';') => None,
            Kind::Punct(b'{') => {
                self.nest(depth, end.span)?;
                let commands = self.commands(depth + 1)?;
                let close = self.next()?;
                if close.kind != Kind::Punct(b'}') {
                    return Err(self.error(
                        close.span,
                        format!(
                            "expected a command or the '}}' that closes the block of `{}` (line {}), found {}",
                            &self.text[token.span.range()],
                            self.source.location(end.span.start as usize).line,
                            self.describe(close)
                        ),
                    ));
                }
                let span = Span::new(end.span.start as usize, close.span.end as usize);
                Some(Node::new(span, Value::List(commands.into(), false)))
            }
            _ => {
                return Err(self.error(
                    end.span,
                    format!(
                        "expected ';' or a block after the arguments of `{}`, found {}",
                        &self.text[token.span.range()],
                        self.describe(end)
                    ),
                ));
            }
        };
        let span = Span::new(token.span.start as usize, self.last_end);
        let node = self.build(fields, span, block);
        if node.field("command").and_then(Node::str) == Some("require") {
            let capabilities =
                node.field("capabilities")
                    .into_iter()
                    .flat_map(|n| match n.value() {
                        Value::List(items, _) => items.iter().collect(),
                        _ => vec![n],
                    });
            self.encoded |= capabilities
                .filter_map(Node::str)
                .any(|c| c.eq_ignore_ascii_case("encoded-character"));
        }
        Ok(node)
    }

    fn nest(&self, depth: usize, at: Span) -> Result<(), Error> {
        if depth >= MAX_NESTING {
            return Err(self.error(
                at,
                format!("blocks and tests nested more than {MAX_NESTING} deep"),
            ));
        }
        Ok(())
    }

    fn test(&mut self, depth: usize) -> Result<Node, Error> {
        let token = self.next()?;
        if token.kind != Kind::Ident {
            return Err(self.error(
                token.span,
                format!("expected a test, found {}", self.describe(token)),
            ));
        }
        let name = self.name(token);
        let mut fields = Fields::default();
        fields.head.push(entry("test", token.span, name));
        self.arguments(&mut fields, depth)?;
        let span = Span::new(token.span.start as usize, self.last_end);
        Ok(self.build(fields, span, None))
    }

    /// Reads arguments: tags, string lists and numbers, then a test or a test list.
    fn arguments(&mut self, fields: &mut Fields, depth: usize) -> Result<(), Error> {
        // Only these take tests: a name after another command's or test's arguments is far
        // more likely a missing `;` than a test, and is reported where the `;` is missing.
        let takes_tests = fields.head[0]
            .value
            .str()
            .is_some_and(|name| TAKE_TESTS.contains(&name));
        loop {
            let token = self.peek()?;
            if !takes_tests && matches!(token.kind, Kind::Ident | Kind::Punct(b'(')) {
                return Ok(());
            }
            match token.kind {
                Kind::Tag => {
                    self.next()?;
                    self.tag(fields, token)?;
                }
                Kind::Quoted | Kind::Text | Kind::Punct(b'[') | Kind::Number => {
                    let value = self.value()?;
                    fields.positional.push(value);
                }
                Kind::Ident => {
                    self.nest(depth, token.span)?;
                    let test = self.test(depth + 1)?;
                    fields.tests = Some(Node::new(test.span, Value::List([test].into(), true)));
                    return Ok(());
                }
                Kind::Punct(b'(') => {
                    self.next()?;
                    self.nest(depth, token.span)?;
                    let mut tests = Vec::new();
                    loop {
                        tests.push(self.test(depth + 1)?);
                        let next = self.next()?;
                        match next.kind {
                            Kind::Punct(b',') => {}
                            Kind::Punct(b')') => break,
                            _ => {
                                return Err(self.error(
                                    next.span,
                                    format!(
                                        "expected ',' or ')' in the test list, found {}",
                                        self.describe(next)
                                    ),
                                ));
                            }
                        }
                    }
                    let span = Span::new(token.span.start as usize, self.last_end);
                    fields.tests = Some(Node::new(span, Value::List(tests.into(), true)));
                    return Ok(());
                }
                _ => return Ok(()),
            }
        }
    }

    fn tag(&mut self, fields: &mut Fields, token: Token) -> Result<(), Error> {
        let name = self.text[token.span.range()][1..].to_ascii_lowercase();
        let field = if MATCH_TYPES.contains(&name.as_str()) {
            "match"
        } else if ADDRESS_PARTS.contains(&name.as_str()) {
            "address_part"
        } else if name == "comparator" {
            "comparator"
        } else {
            "tags"
        };
        let earlier = match field {
            "tags" => fields.tags.iter().find(|e| e.key == name.as_str()),
            _ => fields.head.iter().find(|e| e.key == field),
        };
        if let Some(earlier) = earlier {
            let what = match field {
                "match" => "more than one match type".to_owned(),
                "address_part" => "more than one address part".to_owned(),
                _ => format!("the tag :{name} is given twice"),
            };
            let first = self.source.location(earlier.key_span.start as usize);
            return Err(self.error(
                token.span,
                format!(
                    "{what} (the first at line {}, column {})",
                    first.line, first.column
                ),
            ));
        }
        match field {
            "match" | "address_part" => {
                let word = Value::Str(self.texts.text(&name), Style::SieveName);
                fields
                    .head
                    .push(entry(field, token.span, Node::new(token.span, word)));
                if name == "count" || name == "value" {
                    let relation = self.string_after(token, "a relation such as \"gt\"")?;
                    fields.head.push(entry("relation", relation.span, relation));
                }
            }
            "comparator" => {
                let comparator = self.string_after(token, "a comparator such as \"i;octet\"")?;
                fields
                    .head
                    .push(entry("comparator", token.span, comparator));
            }
            _ => {
                let takes_value = TAGS_WITH_VALUE.contains(&name.as_str());
                let value = match self.peek()?.kind {
                    Kind::Quoted | Kind::Text | Kind::Punct(b'[') | Kind::Number if takes_value => {
                        self.value()?
                    }
                    _ => Node::new(token.span, Value::Bool(true)),
                };
                fields.tags.push(Entry {
                    key: self.texts.text(&name),
                    key_span: token.span,
                    value,
                });
            }
        }
        Ok(())
    }

    /// The string a tag such as `:comparator` must be followed by.
    fn string_after(&mut self, tag: Token, what: &str) -> Result<Node, Error> {
        let token = self.peek()?;
        if !matches!(token.kind, Kind::Quoted | Kind::Text) {
            return Err(self.error(
                token.span,
                format!(
                    "expected {what} after `{}`, found {}",
                    &self.text[tag.span.range()],
                    self.describe(token)
                ),
            ));
        }
        self.value()
    }

    /// A string, a string list or a number.
    fn value(&mut self) -> Result<Node, Error> {
        let token = self.next()?;
        match token.kind {
            Kind::Quoted | Kind::Text => self.string(token),
            Kind::Number => self.number(token),
            Kind::Punct(b'[') => {
                let mut items = Vec::new();
                loop {
                    let item = self.next()?;
                    if !matches!(item.kind, Kind::Quoted | Kind::Text) {
                        let found = self.describe(item);
                        let message = if items.is_empty() && item.kind == Kind::Punct(b']') {
                            "a string list may not be empty".to_owned()
                        } else {
                            format!("expected a string in the list, found {found}")
                        };
                        return Err(self.error(item.span, message));
                    }
                    items.push(self.string(item)?);
                    let next = self.next()?;
                    match next.kind {
                        Kind::Punct(b',') => {}
                        Kind::Punct(b']') => break,
                        _ => {
                            return Err(self.error(
                                next.span,
                                format!(
                                    "expected ',' or ']' in the string list, found {}",
                                    self.describe(next)
                                ),
                            ));
                        }
                    }
                }
                let span = Span::new(token.span.start as usize, self.last_end);
                Ok(Node::new(span, Value::List(items.into(), true)))
            }
            _ => Err(self.error(
                token.span,
                format!("expected a value, found {}", self.describe(token)),
            )),
        }
    }

    fn string(&mut self, token: Token) -> Result<Node, Error> {
        let raw = &self.text[token.span.range()];
        let encoded = self.encoded;
        let (plain, style) = match token.kind {
            Kind::Quoted => (
                unescape(&raw[1..raw.len() - 1]),
                Style::SieveQuoted { encoded },
            ),
            _ => (
                Cow::Owned(unstuff(text_body(raw))),
                Style::SieveText { encoded },
            ),
        };
        let value = if encoded {
            decode_encoded(&plain).map_err(|why| self.error(token.span, why))?
        } else {
            plain
        };
        Ok(Node::new(
            token.span,
            Value::Str(self.texts.text(&value), style),
        ))
    }

    fn number(&mut self, token: Token) -> Result<Node, Error> {
        let written = &self.text[token.span.range()];
        let (digits, unit) = match written.as_bytes()[written.len() - 1] {
            b'K' | b'k' => (&written[..written.len() - 1], 1u64 << 10),
            b'M' | b'm' => (&written[..written.len() - 1], 1 << 20),
            b'G' | b'g' => (&written[..written.len() - 1], 1 << 30),
            _ => (written, 1),
        };
        let number = digits
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(unit))
            .ok_or_else(|| {
                self.error(
                    token.span,
                    format!("number too large (the largest is {})", u64::MAX),
                )
            })?;
        let value = match i64::try_from(number) {
            Ok(n) => Value::Int(n),
            Err(_) => Value::Float(number as f64),
        };
        Ok(Node::new(token.span, value))
    }

    /// The mapping of a command or test, its positional arguments named by [`ROLES`].
    fn build(&self, fields: Fields, span: Span, block: Option<Node>) -> Node {
        let Fields {
            mut head,
            tags,
            positional,
            tests,
        } = fields;
        let name = head[0].value.str().unwrap_or_default();
        let roles = ROLES
            .iter()
            .find(|(n, ..)| *n == name)
            .filter(|(_, _, roles)| positional.len() <= roles.len());
        if !tags.is_empty() {
            let tags_span = Span::new(
                tags[0].key_span.start as usize,
                tags.iter().map(|e| e.value.span.end).max().unwrap_or(0) as usize,
            );
            head.push(entry(
                "tags",
                empty(tags_span.start),
                Node::new(tags_span, Value::Map(tags.into())),
            ));
        }
        match roles {
            Some((_, from_end, roles)) => {
                let skip = if *from_end {
                    roles.len() - positional.len()
                } else {
                    0
                };
                for (role, value) in roles[skip..].iter().zip(positional) {
                    head.push(entry(role, empty(value.span.start), value));
                }
            }
            None if !positional.is_empty() => {
                let list_span = Span::new(
                    positional[0].span.start as usize,
                    positional[positional.len() - 1].span.end as usize,
                );
                head.push(entry(
                    "arguments",
                    empty(list_span.start),
                    Node::new(list_span, Value::List(positional.into(), true)),
                ));
            }
            None => {}
        }
        if let Some(tests) = tests {
            head.push(entry("tests", empty(tests.span.start), tests));
        }
        if let Some(block) = block {
            head.push(entry("block", empty(block.span.start), block));
        }
        Node::new(span, Value::Map(head.into()))
    }
}

fn entry(key: &str, key_span: Span, value: Node) -> Entry {
    Entry {
        key: key.into(),
        key_span,
        value,
    }
}

/// An empty span at `at`: where a key with no text of its own stands.
fn empty(at: u32) -> Span {
    Span { start: at, end: at }
}

/// The name in a `rule:[NAME]` comment (the text between `from` and `end`), as a span.
fn rule_name(text: &str, from: usize, end: usize) -> Option<Span> {
    let comment = &text[from..end];
    let body = comment.trim_start();
    let rest = body.strip_prefix("rule:")?.trim_start_matches([' ', '\t']);
    let inner = rest.strip_prefix('[')?;
    let close = inner.rfind(']')?;
    let start = end - inner.len();
    (close > 0).then(|| Span::new(start, start + close))
}

/// The value of a quoted string's inside: `\` takes the next character as it is.
fn unescape(inside: &str) -> Cow<'_, str> {
    if !inside.contains('\\') {
        return Cow::Borrowed(inside);
    }
    let mut out = String::with_capacity(inside.len());
    let mut chars = inside.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The lines of a `text:` string as written: after the `text:` line, before the `.` line.
fn text_body(raw: &str) -> &str {
    let body = raw.find('\n').map_or("", |i| &raw[i + 1..]);
    let body = body.strip_suffix('\n').unwrap_or(body);
    let body = body.strip_suffix('\r').unwrap_or(body);
    body.strip_suffix('.').unwrap_or(body)
}

/// The value of a `text:` string's lines: a line starting with `..` loses one `.`.
fn unstuff(body: &str) -> String {
    body.split_inclusive('\n')
        .map(|line| line.strip_prefix("..").map_or(line, |_| &line[1..]))
        .collect()
}

/// Decodes `${hex:…}` and `${unicode:…}` (RFC 5228 §2.4.2.4); a sequence that is not
/// well formed stays as written, as the RFC says.
fn decode_encoded(value: &str) -> Result<Cow<'_, str>, String> {
    if !value.contains("${") {
        return Ok(Cow::Borrowed(value));
    }
    let mut out: Vec<u8> = Vec::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find("${") {
        out.extend_from_slice(&rest.as_bytes()[..at]);
        let sequence = &rest[at..];
        match encoded_sequence(sequence)? {
            Some((bytes, len)) => {
                out.extend_from_slice(&bytes);
                rest = &sequence[len..];
            }
            None => {
                out.extend_from_slice(b"${");
                rest = &sequence[2..];
            }
        }
    }
    out.extend_from_slice(rest.as_bytes());
    String::from_utf8(out).map(Cow::Owned).map_err(|_| {
        "its `${hex:…}` characters are not UTF-8 text, which cutover cannot read".into()
    })
}

/// The bytes one encoded sequence at the start of `text` stands for, and its length; `None`
/// when it is not one.
fn encoded_sequence(text: &str) -> Result<Option<(Vec<u8>, usize)>, String> {
    let bytes = text.as_bytes();
    let has = |prefix: &[u8]| {
        bytes
            .get(2..2 + prefix.len())
            .is_some_and(|b| b.eq_ignore_ascii_case(prefix))
    };
    let (unicode, open) = if has(b"hex:") {
        (false, 6)
    } else if has(b"unicode:") {
        (true, 10)
    } else {
        return Ok(None);
    };
    let Some(close) = text[open..].find('}').map(|i| open + i) else {
        return Ok(None);
    };
    let items: Vec<&str> = text[open..close]
        .split([' ', '\t', '\r', '\n'])
        .filter(|item| !item.is_empty())
        .collect();
    let hex = |item: &str| item.bytes().all(|b| b.is_ascii_hexdigit());
    if items.is_empty() || !items.iter().all(|item| hex(item)) {
        return Ok(None);
    }
    let mut out = Vec::new();
    for item in items {
        if unicode {
            let digits = item.trim_start_matches('0');
            let c = u32::from_str_radix(if digits.is_empty() { "0" } else { digits }, 16)
                .ok()
                .filter(|_| digits.len() <= 6)
                .and_then(char::from_u32)
                .ok_or_else(|| format!("`${{unicode:{item}}}` is not a Unicode character"))?;
            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        } else if item.len() <= 2 {
            out.push(u8::from_str_radix(item, 16).unwrap_or(0));
        } else {
            return Ok(None);
        }
    }
    Ok(Some((out, close + 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Node {
        parse(&Source::from_text("s.sieve", text))
            .unwrap_or_else(|e| panic!("{}", e.diagnostics[0]))
    }

    fn error(text: &str) -> String {
        parse(&Source::from_text("s.sieve", text))
            .unwrap_err()
            .diagnostics[0]
            .to_string()
    }

    /// The tree as compact JSON with keys in their order, for comparing whole models.
    fn json(text: &str) -> String {
        fn write(node: &Node, out: &mut String) {
            match node.value() {
                Value::List(items, _) => {
                    out.push('[');
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        write(item, out);
                    }
                    out.push(']');
                }
                Value::Map(entries) => {
                    out.push('{');
                    for (i, e) in entries.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        out.push_str(&format!("{:?}:", e.key.as_str()));
                        write(&e.value, out);
                    }
                    out.push('}');
                }
                _ => out.push_str(&node.to_json().to_string()),
            }
        }
        let mut out = String::new();
        write(&load(text), &mut out);
        out
    }

    #[test]
    fn the_string_list_arguments_are_arguments_cutover_names() {
        for name in STRING_LIST_ARGUMENTS {
            assert!(
                ROLES.iter().any(|(_, _, roles)| roles.contains(name)),
                "{name} is no argument of ROLES"
            );
        }
        for tag in STRING_LIST_TAGS {
            assert!(TAGS_WITH_VALUE.contains(tag), "{tag} takes no value");
        }
        assert!(takes_string_list("keys", false) && !takes_string_list("address", false));
        assert!(takes_string_list("addresses", true) && !takes_string_list("from", true));
    }

    #[test]
    fn commands_tests_tags_and_arguments_form_the_model() {
        let text = r#"require ["fileinto", "copy"];
# rule:[Forward sales]
if anyof (address :all :comparator "i;octet" :is ["From", "Sender"] "boss@old.example",
          not header :contains "subject" "x") {
    redirect :copy "sales@old.example";
    fileinto "INBOX.Sales";
} elsif size :over 100K { discard; } else { keep; }
"#;
        assert_eq!(
            json(text),
            r#"[{"command":"require","capabilities":["fileinto","copy"]},{"command":"if","rule":"Forward sales","tests":[{"test":"anyof","tests":[{"test":"address","address_part":"all","comparator":"i;octet","match":"is","headers":["From","Sender"],"keys":"boss@old.example"},{"test":"not","tests":[{"test":"header","match":"contains","headers":"subject","keys":"x"}]}]}],"block":[{"command":"redirect","tags":{"copy":true},"address":"sales@old.example"},{"command":"fileinto","mailbox":"INBOX.Sales"}]},{"command":"elsif","tests":[{"test":"size","tags":{"over":true},"limit":102400}],"block":[{"command":"discard"}]},{"command":"else","block":[{"command":"keep"}]}]"#
        );
    }

    #[test]
    fn strings_keep_their_spans_and_read_as_sieve_reads_them() {
        let text = "vacation :days 7 :from \"Info \\\"Desk\\\" <info@old.example>\" :addresses [\"a@old.example\",\n  \"b@old.example\"] text: # the reply\r\nHello,\r\n..signed\r\n.dot\r\n.\r\n;";
        let doc = load(text);
        let vacation = &doc.items().unwrap()[0];
        let tags = vacation.field("tags").unwrap();
        let from = tags.field("from").unwrap();
        assert_eq!(
            &text[from.span.range()],
            "\"Info \\\"Desk\\\" <info@old.example>\""
        );
        assert_eq!(from.str(), Some("Info \"Desk\" <info@old.example>"));
        assert_eq!(from.style(), Style::SieveQuoted { encoded: false });
        let addresses = tags.field("addresses").unwrap().items().unwrap();
        assert_eq!(&text[addresses[1].span.range()], "\"b@old.example\"");
        let reason = vacation.field("reason").unwrap();
        assert!(text[reason.span.range()].starts_with("text: # the reply"));
        assert!(text[reason.span.range()].ends_with("\r\n.\r\n"));
        assert_eq!(reason.str(), Some("Hello,\r\n.signed\r\n.dot\r\n"));
        assert_eq!(reason.style(), Style::SieveText { encoded: false });
        assert!(matches!(tags.field("days").unwrap().value(), Value::Int(7)));
        // Names are lower case, and never strings to rewrite.
        let doc = load("REDIRECT :COPY \"x@y.example\";");
        let redirect = &doc.items().unwrap()[0];
        assert_eq!(redirect.field("command").unwrap().str(), Some("redirect"));
        assert_eq!(redirect.field("command").unwrap().style(), Style::SieveName);
        assert!(redirect.field("tags").unwrap().field("copy").is_some());
    }

    #[test]
    fn an_address_string_is_the_mailbox_sieve_reads_in_it() {
        fn address(value: &str) -> &str {
            &value[address_range(value)]
        }
        assert_eq!(address("info@old.example"), "info@old.example");
        assert_eq!(address("info@old.example\r\n"), "info@old.example");
        assert_eq!(address(" info@old.example\t"), "info@old.example");
        assert_eq!(address("\"Info\" <info@old.example>"), "info@old.example");
        assert_eq!(address("< info@old.example >"), "info@old.example");
        assert_eq!(address("<>"), "<>");
        assert_eq!(
            address("a@b.example\nc@d.example\n"),
            "a@b.example\nc@d.example"
        );

        // Where it is written: the address itself, past escapes and the `text:` line.
        let text = "redirect text: # x\ninfo@old.example\n.\n;\n\
                    redirect \"\\\"Info\\\" <info@old.example>\";\n\
                    redirect \"info@old.example\";\n";
        let script = load(text);
        let strings: Vec<&Node> = script
            .items()
            .unwrap()
            .iter()
            .map(|c| c.field("address").unwrap())
            .collect();
        fn within<'a>(node: &'a Node, text: &'a str) -> Option<(&'a str, &'a str, u32)> {
            address_within(node, node.str().unwrap(), text)
                .map(|(value, site)| (value, &text[site.range()], site.start))
        }
        assert_eq!(
            within(strings[0], text),
            Some(("info@old.example", "info@old.example", 19))
        );
        let (value, written, _) = within(strings[1], text).unwrap();
        assert_eq!((value, written), ("info@old.example", "info@old.example"));
        assert_eq!(within(strings[2], text), None);

        assert!(writes_as_is(
            "a@b.example",
            Style::SieveQuoted { encoded: false }
        ));
        assert!(!writes_as_is(
            "a\\*@b.example",
            Style::SieveQuoted { encoded: false }
        ));
        assert!(writes_as_is(
            "a\\*@b.example",
            Style::SieveText { encoded: false }
        ));
        assert!(!writes_as_is(
            ".a@b.example",
            Style::SieveText { encoded: false }
        ));
        assert!(!writes_as_is(
            "${x}@b.example",
            Style::SieveQuoted { encoded: true }
        ));
        assert_eq!(
            matches_literal("a*b?c\\d@e.example"),
            "a\\*b\\?c\\\\d@e.example"
        );
        assert_eq!(matches_literal("info@new.example"), "info@new.example");
    }

    #[test]
    fn keys_of_matches_tests_are_patterns() {
        let script = load(
            "if anyof (header :matches \"to\" [\"*a@b.example\"], \
             header :contains \"to\" \"a@b.example\") { redirect \"a@b.example\"; }",
        );
        // commands[0].tests[i].keys[...]: find the paths by walking the model.
        let mut paths = Vec::new();
        script.walk(&mut Vec::new(), &mut |path, node| {
            if node.str() == Some("*a@b.example") || node.str() == Some("a@b.example") {
                paths.push(crate::path::positions(path).collect::<Vec<u32>>());
            }
        });
        let pattern: Vec<bool> = paths.iter().map(|p| in_matches_test(&script, p)).collect();
        assert_eq!(pattern, [true, false, false]);
    }

    #[test]
    fn unknown_commands_keep_their_arguments_in_order() {
        assert_eq!(
            json("pipe :try \"prog\" [\"a\", \"b\"];"),
            r#"[{"command":"pipe","tags":{"try":true},"arguments":["prog",["a","b"]]}]"#
        );
        // More arguments than the command takes: all of them, in order.
        assert_eq!(
            json("redirect \"a\" \"b\";"),
            r#"[{"command":"redirect","arguments":["a","b"]}]"#
        );
        // An optional first argument: the named ones are the last.
        assert_eq!(
            json("addflag \"\\\\Seen\"; addflag \"v\" \"\\\\Seen\";"),
            r#"[{"command":"addflag","flags":"\\Seen"},{"command":"addflag","variable":"v","flags":"\\Seen"}]"#
        );
    }

    #[test]
    fn rule_names_come_from_the_comment_right_before() {
        let doc = load(
            "# rule:[One]\n# another comment\nkeep;\n/* rule:[Two] */ stop;\ndiscard;\n#rule: [Three]\nkeep;",
        );
        let commands = doc.items().unwrap();
        let rule = |i: usize| commands[i].field("rule").and_then(Node::str);
        assert_eq!(
            (rule(0), rule(1), rule(2), rule(3)),
            (Some("One"), Some("Two"), None, Some("Three"))
        );
    }

    #[test]
    fn encoded_characters_are_decoded_when_the_script_requires_them() {
        let text = "require [\"encoded-character\"];\nredirect \"info${hex:40}old.example\";\nset \"a\" \"${HEX: 24 }{hex:41} ${unicode:1F600} ${hex:zz} ${hex:}\";";
        let doc = load(text);
        let commands = doc.items().unwrap();
        let address = commands[1].field("address").unwrap();
        assert_eq!(address.str(), Some("info@old.example"));
        assert_eq!(address.style(), Style::SieveQuoted { encoded: true });
        assert!(spelled_encoded(
            &text[address.span.range()],
            address.style()
        ));
        assert_eq!(
            commands[2].field("value").unwrap().str(),
            Some("${hex:41} 😀 ${hex:zz} ${hex:}")
        );
        let name = commands[2].field("name").unwrap();
        assert!(!spelled_encoded(&text[name.span.range()], name.style()));
        // Without the require they are plain text.
        let doc = load("redirect \"info${hex:40}old.example\";");
        assert_eq!(
            doc.items().unwrap()[0].field("address").unwrap().str(),
            Some("info${hex:40}old.example")
        );
        let e = error("require \"encoded-character\";\nkeep \"${unicode:D800}\";");
        assert!(
            e.contains(
                "s.sieve:2:6: error: invalid Sieve: `${unicode:D800}` is not a Unicode character"
            ),
            "{e}"
        );
        let e = error("require \"encoded-character\";\nkeep \"${hex:C3}\";");
        assert!(e.contains("not UTF-8 text"), "{e}");
        assert_eq!(decode_encoded("${unicode:0000000041}").unwrap(), "A");
        assert_eq!(decode_encoded("${hex:C3 A9}").unwrap(), "é");
        assert_eq!(decode_encoded("${hex:4041}").unwrap(), "${hex:4041}");
    }

    #[test]
    fn syntax_errors_name_their_line_and_column() {
        for (text, expected) in [
            (
                "keep",
                "s.sieve:1:5: error: invalid Sieve: expected ';' or a block after the arguments of `keep`, found the end of the file",
            ),
            (
                "if true {\n  keep;\n",
                "s.sieve:3:1: error: invalid Sieve: expected a command or the '}' that closes the block of `if` (line 1), found the end of the file",
            ),
            (
                "redirect \"a@b;\n",
                "s.sieve:1:10: error: invalid Sieve: string is not closed",
            ),
            (
                "keep;\n/* note",
                "s.sieve:2:1: error: invalid Sieve: comment is not closed",
            ),
            (
                "vacation text:\nhi\n",
                "s.sieve:1:10: error: invalid Sieve: `text:` string is not closed",
            ),
            (
                "vacation text: x\n.\n;",
                "s.sieve:1:16: error: invalid Sieve: expected the end of the line",
            ),
            (
                "if header :is [] \"x\" {}",
                "s.sieve:1:16: error: invalid Sieve: a string list may not be empty",
            ),
            (
                "if header :is [\"a\" \"b\"] \"x\" {}",
                "s.sieve:1:20: error: invalid Sieve: expected ',' or ']' in the string list, found a string",
            ),
            (
                "if anyof (true; false) {}",
                "s.sieve:1:15: error: invalid Sieve: expected ',' or ')' in the test list, found ';'",
            ),
            (
                "if anyof () {}",
                "s.sieve:1:11: error: invalid Sieve: expected a test, found ')'",
            ),
            (
                "fileinto :copy :copy \"x\";",
                "s.sieve:1:16: error: invalid Sieve: the tag :copy is given twice (the first at line 1, column 10)",
            ),
            (
                "if header :is :contains \"a\" \"b\" {}",
                "s.sieve:1:15: error: invalid Sieve: more than one match type",
            ),
            ("if header :count \"a\" \"b\" {}", ""),
            (
                "if header :count [\"a\"] \"b\" {}",
                "s.sieve:1:18: error: invalid Sieve: expected a relation such as \"gt\" after `:count`, found '['",
            ),
            (
                "keep;\n}",
                "s.sieve:2:1: error: invalid Sieve: expected a command, found '}'",
            ),
            (
                "keep; @",
                "s.sieve:1:7: error: invalid Sieve: unexpected '@'",
            ),
            (
                "if size :over 100KB {}",
                "s.sieve:1:19: error: invalid Sieve: unexpected 'B' after a number",
            ),
            ("if size :over 99999999999999999999 {}", "number too large"),
            (
                "keep : x;",
                "s.sieve:1:6: error: invalid Sieve: expected a tag name right after ':'",
            ),
            // A missing `;` is reported where it is missing, not read as a test.
            (
                "if true {\n  fileinto \"a\"\n  stop;\n}",
                "s.sieve:3:3: error: invalid Sieve: expected ';' or a block after the arguments of `fileinto`, found `stop`",
            ),
            (
                "if header :is \"a\" \"b\" keep;",
                "s.sieve:1:23: error: invalid Sieve: expected ';' or a block after the arguments of `if`, found `keep`",
            ),
            (
                "if anyof (header :is \"a\" \"b\" true) {}",
                "s.sieve:1:30: error: invalid Sieve: expected ',' or ')' in the test list, found `true`",
            ),
        ] {
            let result = parse(&Source::from_text("s.sieve", text));
            match (expected, result) {
                ("", Ok(_)) => {}
                ("", Err(e)) => panic!("{text}: {}", e.diagnostics[0]),
                (_, Ok(_)) => panic!("{text}: parsed"),
                (expected, Err(e)) => {
                    let e = e.diagnostics[0].to_string();
                    assert!(e.contains(expected), "{text}:\n{e}");
                }
            }
        }
    }

    #[test]
    fn odd_but_valid_scripts_load() {
        for text in [
            "",
            "# only a comment",
            "\u{feff}keep;",
            "keep;\r\n# no newline at the end",
            "if true {}",
            "vacation text:\n.\n;",
            "vacation text:\t\r\n...\r\n.\r\n;",
            "set \"a\" \"line\nbreak \\\\ \\q\";",
            "if size :under 1g { keep; }",
            "if header :value \"ge\" :comparator \"i;ascii-numeric\" \"x\" \"5\" { keep; }",
        ] {
            load(text);
        }
        let doc = load("vacation text:\n...\n.x\n.\n;");
        assert_eq!(
            doc.items().unwrap()[0].field("reason").unwrap().str(),
            Some("..\n.x\n")
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!(
            "{}keep;{}",
            "if true {".repeat(100_000),
            "}".repeat(100_000)
        );
        assert!(error(&deep).contains("nested more than 124 deep"));
        let deep = format!("if {}true {{}}", "not ".repeat(100_000));
        assert!(error(&deep).contains("nested more than 124 deep"));
        let deep = format!(
            "if {}true{} {{}}",
            "anyof(".repeat(100_000),
            ")".repeat(100_000)
        );
        assert!(error(&deep).contains("nested more than 124 deep"));
        // Just within the limit, blocks then tests: the tree stays within MAX_DEPTH.
        let half = MAX_NESTING / 2;
        let ok = format!(
            "{}if {}address :is [\"to\"] [\"a\"]{} {{}}{}",
            "if true {".repeat(half),
            "anyof(".repeat(MAX_NESTING - half - 1),
            ")".repeat(MAX_NESTING - half - 1),
            "}".repeat(half)
        );
        fn depth(node: &Node) -> usize {
            1 + match node.value() {
                Value::List(items, _) => items.iter().map(depth).max().unwrap_or(0),
                Value::Map(entries) => entries.iter().map(|e| depth(&e.value)).max().unwrap_or(0),
                _ => 0,
            }
        }
        assert!(depth(&load(&ok)) <= MAX_DEPTH, "{}", depth(&load(&ok)));
        // And the text of a string is read whatever it holds.
        let raw = "text: # from info@x.example\r\nto a@b.c\r\n.\r\n";
        let range = value_range(raw, Style::SieveText { encoded: false });
        assert_eq!(&raw[range], "to a@b.c\r\n");
        assert_eq!(value_range("\"x\"", Style::Json), 0..3);
        assert!(!spelled_encoded("é", Style::SieveQuoted { encoded: true }));
        assert!(!spelled_encoded(
            "text:",
            Style::SieveText { encoded: true }
        ));
    }
}
