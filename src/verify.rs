//! Verify: re-parse an edited file and prove that only the planned values changed.
//!
//! The old tree, with the planned values substituted and the dropped list items left out,
//! must equal the new tree value for value and key for key. This is the guard behind the
//! promise that nothing but the referenced values changes; a mismatch is a bug, and the
//! file is not written.

use std::collections::{HashMap, HashSet};

use crate::load::{File, parse_text};
use crate::node::{Node, Span, Value};
use crate::source::Source;

/// What the plan expects the edited file to hold, keyed by the old value's span.
#[derive(Debug, Default)]
pub struct Expected {
    /// Values replaced in place (a new string; in add mode, a list of the old and new),
    /// and whether copies reached through aliases change too (they do when the anchor's
    /// value is rewritten; not when the anchor moves inside the new list).
    pub values: HashMap<Span, (Node, bool)>,
    /// List items that are gone.
    pub removed: HashSet<Span>,
    /// Values inserted into a list right after the item with this span.
    pub inserted: HashMap<Span, Vec<Node>>,
}

impl Expected {
    pub fn string(&mut self, span: Span, value: &str) {
        self.values.insert(span, (Node::from(value), true));
    }
}

/// Returns the old offset near which the first difference was found, and what it was.
pub fn verify(
    old: &File,
    new_text: String,
    expected: &Expected,
) -> (String, Result<(), (usize, String)>) {
    let source = Source::new(old.source.path.clone(), old.source.name.clone(), new_text);
    let result = compare(old, &source, expected);
    (source.text, result)
}

fn compare(old: &File, source: &Source, expected: &Expected) -> Result<(), (usize, String)> {
    let new_docs = parse_text(source, old.format).map_err(|e| {
        (
            0,
            format!("the result does not parse: {}", e.diagnostics[0].message),
        )
    })?;
    if new_docs.len() != old.docs.len() {
        return Err((0, "the number of documents changed".into()));
    }
    for (a, b) in old.docs.iter().zip(&new_docs) {
        same(a, b, expected)?;
    }
    Ok(())
}

fn same(old: &Node, new: &Node, expected: &Expected) -> Result<(), (usize, String)> {
    let at = old.span.start as usize;
    if let Some((value, aliases_follow)) = expected.values.get(&old.span)
        && (old.alias.is_none() || *aliases_follow)
    {
        return if value == new {
            Ok(())
        } else {
            Err((
                at,
                format!("expected {}, found {}", describe(value), describe(new)),
            ))
        };
    }
    match (&old.value, &new.value) {
        (Value::List(a, _), Value::List(b, _)) => {
            // Old items (compared recursively) and inserted ones (compared as data).
            let mut wanted: Vec<(&Node, bool)> = Vec::new();
            for item in a {
                if !expected.removed.contains(&item.span) {
                    wanted.push((item, false));
                }
                if let Some(extra) = expected.inserted.get(&item.span) {
                    wanted.extend(extra.iter().map(|n| (n, true)));
                }
            }
            if wanted.len() != b.len() {
                return Err((
                    at,
                    format!("expected {} list items, found {}", wanted.len(), b.len()),
                ));
            }
            wanted
                .into_iter()
                .zip(b)
                .try_for_each(|((x, inserted), y)| match inserted {
                    false => same(x, y, expected),
                    true if x == y => Ok(()),
                    true => Err((
                        at,
                        format!(
                            "an added item differs: expected {}, found {}",
                            describe(x),
                            describe(y)
                        ),
                    )),
                })
        }
        (Value::Map(a), Value::Map(b)) => {
            if a.len() != b.len() {
                return Err((at, format!("expected {} keys, found {}", a.len(), b.len())));
            }
            a.iter().zip(b).try_for_each(|(x, y)| {
                if x.key != y.key {
                    return Err((
                        x.key_span.start as usize,
                        format!("key {:?} became {:?}", x.key, y.key),
                    ));
                }
                same(&x.value, &y.value, expected)
            })
        }
        _ if old == new => Ok(()),
        _ => Err((at, format!("{} became {}", describe(old), describe(new)))),
    }
}

fn describe(node: &Node) -> String {
    match &node.value {
        Value::Str(s, _) => format!("the string {s:?}"),
        _ => node.type_name().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catches_a_change_outside_the_plan() {
        let old = File::parse(Source::from_text("a.yaml", "a: x\nb: [y, z]\n")).unwrap();
        let y = old.docs[0].field("b").unwrap().items().unwrap()[0].span;
        let mut expected = Expected::default();
        expected.string(y, "Y");
        let check = |text: &str, expected: &Expected| verify(&old, text.to_owned(), expected).1;
        assert!(check("a: x\nb: [Y, z]\n", &expected).is_ok());
        assert!(check("a: x2\nb: [Y, z]\n", &expected).is_err());
        assert!(check("a: x\nb: [Y]\n", &expected).is_err());
        assert!(check("a: x\nb: [Y, z\n", &expected).is_err());
        expected.removed.insert(y);
        expected.values.clear();
        assert!(check("a: x\nb: [z]\n", &expected).is_ok());
    }
}
