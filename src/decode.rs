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
        let span = if target.span.start == target.span.end {
            key_span.unwrap_or(target.site())
        } else {
            target.site()
        };
        let inner = e.inner().to_string();
        let message = match inner.find(" at line ") {
            Some(i) => inner[..i].to_owned(),
            None => inner,
        };
        Diagnostic::at(source, span, format!("{what}: {message}")).into()
    })
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
            text.starts_with("t.yaml:5:11: error: bad item: invalid type: string \"big\""),
            "{text}"
        );
    }
}
