//! Writing a new string value the way the old one was written.
//!
//! A rewritten value keeps its quoting: plain stays plain, single-quoted stays single-quoted,
//! double-quoted stays double-quoted, and a JSON string stays a JSON string with the same
//! minimal escaping. Only when the new text cannot be written in the old style (a plain
//! scalar that would read back as a number, say) is it quoted instead.

use crate::load::yaml::plain_safe;
use crate::node::Style;

pub fn write(value: &str, style: Style) -> String {
    match style {
        Style::Json => json_string(value),
        Style::Plain if plain_safe(value) => value.to_owned(),
        Style::Plain | Style::SingleQuoted if !value.chars().any(char::is_control) => {
            format!("'{}'", value.replace('\'', "''"))
        }
        _ => yaml_double_quoted(value),
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
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
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
    fn quotes_a_plain_value_that_would_change_type() {
        assert_eq!(write("12345", Style::Plain), "'12345'");
        assert_eq!(write("true", Style::Plain), "'true'");
        assert_eq!(write("a\nb", Style::Plain), "\"a\\nb\"");
    }
}
