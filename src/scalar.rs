//! Writing a new string value the way the old one was written.
//!
//! A rewritten value keeps its quoting: plain stays plain, single-quoted stays single-quoted,
//! double-quoted stays double-quoted, a JSON string stays a JSON string with the same
//! minimal escaping, and a Sieve string stays quoted or `text:`. Only when the new text
//! cannot be written in the old style (a plain scalar that would read back as a number, a
//! `text:` string for text that does not end a line) is it quoted instead.

use crate::load::yaml::plain_safe;
use crate::node::{Node, Style, Value};

pub fn write(value: &str, style: Style) -> String {
    match style {
        Style::Json => json_string(value),
        Style::Plain if plain_safe(value) => value.to_owned(),
        Style::Plain | Style::SingleQuoted if !value.chars().any(yaml_escaped) => {
            format!("'{}'", value.replace('\'', "''"))
        }
        Style::SieveText { encoded } if value.is_empty() || value.ends_with('\n') => {
            sieve_text(value, encoded)
        }
        Style::SieveQuoted { encoded } | Style::SieveText { encoded } => {
            sieve_quoted(value, encoded)
        }
        // Names are never rewritten (`locate` refuses them as references).
        Style::SieveName => sieve_quoted(value, false),
        _ => yaml_double_quoted(value),
    }
}

/// A whole value written out in YAML flow style (`{account: b, teams: [t1]}`), for a place
/// that must get its own copy of a value its anchor's text cannot give it.
pub fn flow(node: &Node) -> String {
    match node.value() {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) if f.is_nan() => ".nan".into(),
        Value::Float(f) if f.is_infinite() => if *f > 0.0 { ".inf" } else { "-.inf" }.into(),
        Value::Float(f) => format!("{f:?}"),
        Value::Str(s, style) => flow_string(s, *style),
        Value::List(items, _) => {
            let items: Vec<String> = items.iter().map(flow).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Map(entries) => {
            let entries: Vec<String> = entries
                .iter()
                .map(|e| format!("{}: {}", flow_string(&e.key, Style::Plain), flow(&e.value)))
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
    }
}

/// A string inside a flow collection, in its own style where that can be written there: a
/// plain scalar must not hold the flow indicators, and a block scalar cannot stand there.
fn flow_string(value: &str, style: Style) -> String {
    let style = match style {
        Style::Plain if value.contains([',', '[', ']', '{', '}']) => Style::SingleQuoted,
        Style::Plain | Style::SingleQuoted | Style::DoubleQuoted => style,
        _ => Style::DoubleQuoted,
    };
    write(value, style)
}

/// A Sieve quoted string: only `"` and `\\` are escaped (a line break is written as it is).
fn sieve_quoted(value: &str, encoded: bool) -> String {
    let value = sieve_encode(value, encoded);
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A Sieve `text:` string: the lines of `value` (which ends one), each starting with `.`
/// stuffed with another, then the closing `.` line, with the value's own line ending.
fn sieve_text(value: &str, encoded: bool) -> String {
    let eol = if value.ends_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let value = sieve_encode(value, encoded);
    let mut out = String::with_capacity(value.len() + 16);
    out.push_str("text:");
    out.push_str(eol);
    for line in value.split_inclusive('\n') {
        if line.starts_with('.') {
            out.push('.');
        }
        out.push_str(line);
    }
    out.push('.');
    out.push_str(eol);
    out
}

/// Where the script decodes `encoded-character`, a `${` in the value is spelled
/// `${hex:24}{` (else a `${hex:…}` after it would be decoded), and a NUL, which a file
/// cannot hold, `${unicode:0}`.
fn sieve_encode(value: &str, encoded: bool) -> std::borrow::Cow<'_, str> {
    if encoded && (value.contains("${") || value.contains('\0')) {
        value
            .replace("${", "${hex:24}{")
            .replace('\0', "${unicode:0}")
            .into()
    } else {
        value.into()
    }
}

pub fn json_string(value: &str) -> String {
    // A byte-order mark inside a value is kept, but never raw: readers drop it.
    double_quoted(value, |c| (c as u32) < 0x20 || c == '\u{feff}')
}

fn yaml_double_quoted(value: &str) -> String {
    // JSON's escapes are all valid in YAML double-quoted scalars; the other characters a
    // YAML reader would not take raw are escaped the same way (`\uXXXX`).
    double_quoted(value, yaml_escaped)
}

/// `value` in double quotes with JSON's escapes, and `\uXXXX` for the other characters
/// `escaped` says may not stand raw.
fn double_quoted(value: &str, escaped: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if escaped(c) => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Characters a YAML scalar cannot hold raw without changing its value for some reader:
/// control characters; the byte-order mark; U+2028 and U+2029, which YAML 1.1 readers
/// (PyYAML) take as line breaks; and U+FFFE, U+FFFF, which YAML does not allow.
pub fn yaml_escaped(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{feff}' | '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_style_where_it_can() {
        assert_eq!(write("new-id", Style::Plain), "new-id");
        assert_eq!(write("new-id", Style::SingleQuoted), "'new-id'");
        assert_eq!(write("new-id", Style::DoubleQuoted), "\"new-id\"");
        assert_eq!(write("new-id", Style::Json), "\"new-id\"");
        assert_eq!(write("it's", Style::SingleQuoted), "'it''s'");
        // YAML 1.1 readers take U+2028 for a line break: escaped, in any style.
        for style in [Style::Plain, Style::SingleQuoted, Style::DoubleQuoted] {
            assert_eq!(write("a\u{2028}b", style), "\"a\\u2028b\"");
        }
        assert_eq!(
            write("a\"b\\c\u{1}\u{85}", Style::DoubleQuoted),
            "\"a\\\"b\\\\c\\u0001\\u0085\""
        );
        assert_eq!(write("a\"b\\c\u{1}", Style::Json), "\"a\\\"b\\\\c\\u0001\"");
    }

    #[test]
    fn values_are_written_out_in_flow_style() {
        let file = crate::load::File::parse(crate::source::Source::from_text(
            "f.yaml",
            "a: {k: [b, 'yes', 1, 2.5, null, true], 'x y': {}}\n",
        ))
        .unwrap();
        let node = file.docs()[0].field("a").unwrap();
        let text = flow(node);
        assert_eq!(text, "{k: [b, 'yes', 1, 2.5, null, true], x y: {}}");
        let again = crate::load::File::parse(crate::source::Source::from_text(
            "g.yaml",
            &format!("a: {text}\n"),
        ))
        .unwrap();
        assert_eq!(again.docs()[0].field("a").unwrap(), node);
    }

    #[test]
    fn sieve_strings_stay_quoted_or_text() {
        let quoted = Style::SieveQuoted { encoded: false };
        assert_eq!(write("a@b.example", quoted), "\"a@b.example\"");
        assert_eq!(
            write("say \"hi\" \\o/\nbye", quoted),
            "\"say \\\"hi\\\" \\\\o/\nbye\""
        );
        assert_eq!(write("${x}", quoted), "\"${x}\"");
        let encoded = Style::SieveQuoted { encoded: true };
        assert_eq!(
            write("${hex:40}\0", encoded),
            "\"${hex:24}{hex:40}${unicode:0}\""
        );
        let text = Style::SieveText { encoded: false };
        assert_eq!(
            write("Hi,\r\n.sig\r\n", text),
            "text:\r\nHi,\r\n..sig\r\n.\r\n"
        );
        assert_eq!(write("", text), "text:\n.\n");
        // Text that does not end a line cannot be a `text:` string.
        assert_eq!(write("a@b.example", text), "\"a@b.example\"");
    }

    /// Whatever the value, the Sieve string written for it reads back as that value.
    #[test]
    fn sieve_strings_read_back_as_written() {
        use crate::load::sieve;
        use crate::source::Source;
        let values = [
            "a@b.example",
            "",
            "\"",
            "\\",
            "\\\"",
            ".",
            "..\n",
            ".\n..\n.x\n",
            "${hex:40}",
            "$${unicode:41}",
            "a\r\nb\r\n",
            "\0",
            "é ✓\t",
            "text:\n.\n",
            "# not a comment\n",
            "/* nor this */",
        ];
        for value in values {
            for encoded in [false, true] {
                if value.contains('\0') && !encoded {
                    continue;
                }
                for style in [Style::SieveQuoted { encoded }, Style::SieveText { encoded }] {
                    let require = if encoded {
                        "require \"encoded-character\";\n"
                    } else {
                        ""
                    };
                    let script = format!("{require}set \"v\" {};\n", write(value, style));
                    let doc = sieve::parse(&Source::from_text("t.sieve", &script))
                        .unwrap_or_else(|e| panic!("{script:?}: {}", e.diagnostics[0]));
                    let set = doc.items().unwrap().last().unwrap();
                    assert_eq!(set.field("value").unwrap().str(), Some(value), "{script:?}");
                }
            }
        }
    }

    #[test]
    fn quotes_a_plain_value_that_would_change_type() {
        assert_eq!(write("12345", Style::Plain), "'12345'");
        assert_eq!(write("true", Style::Plain), "'true'");
        assert_eq!(write("a\nb", Style::Plain), "\"a\\nb\"");
        assert_eq!(write("yes", Style::Plain), "'yes'");
        assert_eq!(write("2001-12-14", Style::Plain), "'2001-12-14'");
        assert_eq!(write("\u{feff}x", Style::Plain), "\"\\ufeffx\"");
        assert_eq!(write("\u{feff}x", Style::Json), "\"\\ufeffx\"");
    }
}
