//! Writing a new string value the way the old one was written.
//!
//! A rewritten value keeps its quoting: plain stays plain, single-quoted stays single-quoted,
//! double-quoted stays double-quoted, and a JSON string stays a JSON string with the same
//! minimal escaping. Only when the new text cannot be written in the old style (a plain
//! scalar that would read back as a number, say) is it quoted instead.

use crate::load::yaml::plain_safe;
use crate::node::{Node, Style, Value};

pub fn write(value: &str, style: Style) -> String {
    match style {
        Style::Json => json_string(value),
        Style::Plain if plain_safe(value) => value.to_owned(),
        Style::Plain | Style::SingleQuoted
            if !value.chars().any(|c| c.is_control() || c == '\u{feff}') =>
        {
            format!("'{}'", value.replace('\'', "''"))
        }
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
        Value::Str(s, _) => write(s, Style::Plain),
        Value::List(items, _) => {
            let items: Vec<String> = items.iter().map(flow).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Map(entries) => {
            let entries: Vec<String> = entries
                .iter()
                .map(|e| format!("{}: {}", write(&e.key, Style::Plain), flow(&e.value)))
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
    }
}

pub fn json_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // A byte-order mark inside a value is kept, but never raw: readers drop it.
            c if (c as u32) < 0x20 || c == '\u{feff}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn yaml_double_quoted(value: &str) -> String {
    // JSON's escapes are all valid in YAML double-quoted scalars; other control characters
    // (which YAML also forbids raw) are escaped the same way.
    let mut out = json_string(value);
    if value.chars().any(|c| c.is_control() && (c as u32) >= 0x7f) {
        out = value
            .chars()
            .map(|c| match c {
                c if c.is_control() && (c as u32) >= 0x7f => format!("\\u{:04x}", c as u32),
                c => json_string(&c.to_string()).trim_matches('"').to_owned(),
            })
            .collect();
        out = format!("\"{out}\"");
    }
    out
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
        assert_eq!(write("a\"b\\c\u{1}", Style::Json), "\"a\\\"b\\\\c\\u0001\"");
    }

    #[test]
    fn values_are_written_out_in_flow_style() {
        let file = crate::load::File::parse(crate::source::Source::from_text(
            "f.yaml",
            "a: {k: [b, 'yes', 1, 2.5, null, true], 'x y': {}}\n",
        ))
        .unwrap();
        let node = file.docs[0].field("a").unwrap();
        let text = flow(node);
        assert_eq!(text, "{k: [b, 'yes', 1, 2.5, null, true], x y: {}}");
        let again = crate::load::File::parse(crate::source::Source::from_text(
            "g.yaml",
            &format!("a: {text}\n"),
        ))
        .unwrap();
        assert_eq!(again.docs[0].field("a").unwrap(), node);
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
