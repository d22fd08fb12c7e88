//! Typed decoding of a loaded document, with errors that point into the file.
//!
//! Mappings, profiles and exports are described by serde types (the same types schemars
//! turns into the JSON Schemas in `schemas/`). Decoding goes through the spanned tree, and
//! when serde rejects a value the path it reports is walked back to that value's position.

use serde::de::DeserializeOwned;

use crate::diagnostic::{Diagnostic, Error};
use crate::node::{Node, Step};
use crate::source::Source;

/// Refuses a file of a `schema_version` this build does not know, at that value.
pub fn schema_version(source: &Source, doc: &Node, version: u32, what: &str) -> Result<(), Error> {
    if version == 1 {
        return Ok(());
    }
    let at = doc.field("schema_version").map_or(doc.span, |n| n.span);
    Err(Diagnostic::at(
        source,
        at,
        format!("unsupported {what} schema_version {version} (expected 1)"),
    )
    .into())
}

pub fn decode<T: DeserializeOwned>(source: &Source, node: &Node, what: &str) -> Result<T, Error> {
    serde_path_to_error::deserialize(node.to_json()).map_err(|e| {
        let mut steps = Vec::new();
        for segment in e.path().iter() {
            match segment {
                serde_path_to_error::Segment::Seq { index } => steps.push(Step::Index(*index)),
                serde_path_to_error::Segment::Map { key } => {
                    steps.push(Step::Key(key.as_str().into()))
                }
                _ => {}
            }
        }
        // The deepest node the path reaches: a missing field points at its parent.
        let mut target = node;
        let mut key_span = None;
        for step in &steps {
            let next = match (step, target.entries()) {
                (Step::Key(k), Some(entries)) => entries.iter().find(|e| e.key == *k).map(|e| {
                    key_span = Some(e.key_span);
                    &e.value
                }),
                _ => target.at(std::slice::from_ref(step)),
            };
            match next {
                Some(n) => target = n,
                None => break,
            }
        }
        let inner = e.inner().to_string();
        let message = match inner.find(" at line ") {
            Some(i) => inner[..i].to_owned(),
            None => inner,
        };
        // An unknown key is wrong as a key: point at it, not at its value.
        let span = match key_span {
            Some(key) if target.span.start == target.span.end => key,
            Some(key) if message.starts_with("unknown field") => key,
            _ => target.site(),
        };
        Diagnostic::at(source, span, format!("{what}: {}", plain(&message))).into()
    })
}

/// serde's "invalid type: sequence, expected a map" in the words of the file's author:
/// what was written, and what belongs there.
pub fn plain(message: &str) -> String {
    let Some((found, expected)) = message
        .strip_prefix("invalid type: ")
        .and_then(|rest| rest.rsplit_once(", expected "))
    else {
        return message.to_owned();
    };
    let number = found.starts_with("integer ") || found.starts_with("floating point ");
    let found = match found {
        "sequence" => "a list".to_owned(),
        "map" => "a mapping".to_owned(),
        "null" => "no value".to_owned(),
        _ => match found.split_once(' ') {
            Some(("integer" | "floating", rest)) => {
                format!(
                    "the number {}",
                    rest.trim_start_matches("point ").trim_matches('`')
                )
            }
            Some(("boolean", value)) => format!("the boolean {}", value.trim_matches('`')),
            Some(("string", value)) if value.chars().count() > 60 => {
                format!("the text {}…\"", value.chars().take(48).collect::<String>())
            }
            Some(("string", value)) => format!("the text {value}"),
            _ => found.to_owned(),
        },
    };
    let expected = match expected {
        "a map" => "a mapping (`key: value` lines)",
        _ if expected.starts_with("struct ") => "a mapping (`key: value` lines)",
        "a sequence" => "a list",
        "a boolean" => "`true` or `false`",
        "u8" | "u16" | "u32" | "u64" | "i32" | "i64" | "usize" => "a whole number",
        "a string" if number => "text (an ID that looks like a number is quoted: \"456\")",
        "a string" => "text",
        other => other,
    };
    format!("{found} where {expected} belongs")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Item {
        name: String,
        port: u16,
    }

    #[test]
    fn errors_point_at_the_offending_value() {
        let source = Source::from_text(
            "t.yaml",
            "items:\n  - name: a\n    port: 1\n  - name: b\n    port: big\n",
        );
        let doc = &crate::load::yaml::parse(&source).unwrap()[0];
        let items = doc.field("items").unwrap();
        let e = decode::<Vec<Item>>(&source, items, "bad item").unwrap_err();
        let text = e.diagnostics[0].to_string();
        assert!(
            text.starts_with(
                "t.yaml:5:11: error: bad item: the text \"big\" where a whole number belongs"
            ),
            "{text}"
        );
    }

    #[test]
    fn serde_type_errors_are_said_in_plain_words() {
        for (message, expected) in [
            (
                "invalid type: sequence, expected a map",
                "a list where a mapping (`key: value` lines) belongs",
            ),
            (
                "invalid type: null, expected a string",
                "no value where text belongs",
            ),
            (
                "invalid type: integer `456`, expected a string",
                "the number 456 where text (an ID that looks like a number is quoted: \"456\") belongs",
            ),
            (
                "invalid type: string \"a,b\", expected struct MappingFile",
                "the text \"a,b\" where a mapping (`key: value` lines) belongs",
            ),
            (
                "invalid type: string \"maybe\", expected a boolean",
                "the text \"maybe\" where `true` or `false` belongs",
            ),
            ("missing field `accounts`", "missing field `accounts`"),
        ] {
            assert_eq!(plain(message), expected);
        }
    }

    #[test]
    fn an_unknown_key_is_pointed_at_as_a_key() {
        #[derive(Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Top {
            name: Option<String>,
        }
        let source = Source::from_text(
            "t.yaml",
            "name: a
nmae: b
",
        );
        let doc = &crate::load::yaml::parse(&source).unwrap()[0];
        let e = decode::<Top>(&source, doc, "bad").unwrap_err();
        let text = e.diagnostics[0].to_string();
        assert!(
            text.starts_with("t.yaml:2:1: error: bad: unknown field `nmae`"),
            "{text}"
        );
    }
}
