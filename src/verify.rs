//! Verify: prove that the planned edits change nothing but the planned values.
//!
//! The old tree, with the planned values substituted and the dropped list items left out,
//! must equal the edited file's tree value for value and key for key. This is the guard
//! behind the promise that nothing but the referenced values changes; a mismatch is a bug,
//! and the file is not written.
//!
//! Most plans only swap scalar tokens: `"old"` becomes `"new"`. A JSON string and a
//! one-line YAML scalar are self-delimiting, so the file around such a swap reads exactly as
//! before, and parsing each new token on its own proves as much as re-parsing the file,
//! at a fraction of the time and without a second tree. Anything else (insertions,
//! removals, a file with YAML aliases, a token that might not stand alone) re-parses the
//! whole edited text.

use crate::fast_hash::{FastMap, FastSet};

use crate::edit::{self, Edit};
use crate::load::{File, Format, parse_text};
use crate::node::{Node, Span, Value};
use crate::source::Source;
use crate::text::Text;

/// What the plan expects the edited file to hold, keyed by the old value's span.
#[derive(Debug, Default)]
pub struct Expected {
    /// Values replaced in place (a new string; in add mode, a list of the old and new), by
    /// the old value's span: in the order planned, then sorted by `seal`. A vector rather
    /// than a hash map: a plan holds one per rewritten value, and it is at its largest
    /// when the whole run is.
    values: Vec<(Span, Want)>,
    /// List items that are gone.
    pub removed: FastSet<Span>,
    /// Values inserted into a list right after the item with this span.
    pub inserted: FastMap<Span, Vec<Node>>,
}

impl Expected {
    /// The string at `span` becomes `value` (and so do its copies reached through aliases).
    pub fn string(&mut self, span: Span, value: impl Into<Text>) {
        self.values.push((span, Want::Str(value.into())));
    }

    /// The value at `span` becomes `node`; `aliases_follow` says whether its copies reached
    /// through aliases change too (they do when the anchor's value is rewritten; not when
    /// the anchor moves inside a new list).
    pub fn value(&mut self, span: Span, node: Node, aliases_follow: bool) {
        self.values
            .push((span, Want::Node(Box::new(node), aliases_follow)));
    }

    /// Sorts the values by span; where a span was planned twice, the later plan stands.
    fn seal(&mut self) {
        // Stable: the values planned for one span stay in the order planned.
        self.values.sort_by_key(|(span, _)| *span);
        self.values.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                std::mem::swap(later, earlier);
            }
            same
        });
    }

    /// The value planned for `span` (once sealed).
    fn get(&self, span: Span) -> Option<&Want> {
        let at = self.values.binary_search_by_key(&span, |(s, _)| *s).ok()?;
        Some(&self.values[at].1)
    }
}

/// A value the edited file must hold where the old one stood. A plan rewrites thousands of
/// strings, kept as just the string; anything else (add mode's `[old, new]`) is boxed.
#[derive(Debug)]
enum Want {
    Str(Text),
    Node(Box<Node>, bool),
}

impl Want {
    fn aliases_follow(&self) -> bool {
        match self {
            Want::Str(_) => true,
            Want::Node(_, follow) => *follow,
        }
    }

    fn matches(&self, node: &Node) -> bool {
        match self {
            Want::Str(s) => node.str() == Some(s.as_str()),
            Want::Node(want, _) => **want == *node,
        }
    }

    fn describe(&self) -> String {
        match self {
            Want::Str(s) => format!("the string {s:?}"),
            Want::Node(node, _) => describe(node),
        }
    }
}

/// Returns the old offset near which the first difference was found, and what it was.
pub fn verify(old: &File, edits: &[Edit], mut expected: Expected) -> Result<(), (usize, String)> {
    expected.seal();
    if token_swaps(old, edits, &expected) {
        // Debug builds (every test) prove the shortcut against the whole re-parse too.
        debug_assert_eq!(reparse(old, edits, &expected), Ok(()));
        return Ok(());
    }
    reparse(old, edits, &expected)
}

fn reparse(old: &File, edits: &[Edit], expected: &Expected) -> Result<(), (usize, String)> {
    let new_text = edit::apply(&old.source.text, edits);
    let source = Source::new(old.source.path.clone(), old.source.name.clone(), new_text);
    compare(old, &source, expected)
}

/// Whether every edit swaps one planned string's token for a token that, parsed on its
/// own, is exactly the expected string. False sends the file to the whole re-parse, which
/// also words the error when there is one.
fn token_swaps(old: &File, edits: &[Edit], expected: &Expected) -> bool {
    let format = old.format;
    if !expected.removed.is_empty()
        || !expected.inserted.is_empty()
        || expected.values.len() != edits.len()
        || (format == Format::Yaml && old.docs.iter().any(has_alias))
    {
        return false;
    }
    // One source for every token, its text replaced each time. Edits and values are both
    // sorted by where they stand, and as many: each edit must swap its value's span.
    let mut token = Source::from_text("token", "");
    edits
        .iter()
        .zip(&expected.values)
        .all(|(edit, (span, want))| {
            if *span != Span::new(edit.range.start, edit.range.end) || !matches!(want, Want::Str(_))
            {
                return false;
            }
            if !stands_alone(format, &edit.content) {
                return false;
            }
            token.set_text(&edit.content);
            parse_text(&token, format).is_ok_and(|docs| {
                matches!(&docs[..], [node] if node.span == Span::new(0, edit.content.len())
                && want.matches(node))
            })
        })
}

/// Whether a token reads the same wherever a scalar stood: one line, and for a YAML plain
/// scalar, none of the characters that end it inside `[...]` or `{...}`. A Sieve string is
/// not a script of its own, so a Sieve script (small) is always re-parsed whole.
fn stands_alone(format: Format, token: &str) -> bool {
    match format {
        Format::Sieve => false,
        Format::Json => token.starts_with('"'),
        Format::Yaml => {
            !token.contains(['\n', '\r'])
                && (token.starts_with(['"', '\'']) || !token.contains([',', '[', ']', '{', '}']))
        }
    }
}

fn has_alias(node: &Node) -> bool {
    node.alias().is_some()
        || match node.value() {
            Value::List(items, _) => items.iter().any(has_alias),
            Value::Map(entries) => entries.iter().any(|e| has_alias(&e.value)),
            _ => false,
        }
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
    if let Some(want) = expected.get(old.span)
        && (old.alias().is_none() || want.aliases_follow())
    {
        return if want.matches(new) {
            Ok(())
        } else {
            Err((
                at,
                format!("expected {}, found {}", want.describe(), describe(new)),
            ))
        };
    }
    match (old.value(), new.value()) {
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
    match node.value() {
        Value::Str(s, _) => format!("the string {s:?}"),
        _ => node.type_name().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str) -> File {
        File::parse(Source::from_text(name, text)).unwrap()
    }

    #[test]
    fn catches_a_change_outside_the_plan() {
        let old = file("a.yaml", "a: x\nb: [y, z]\n");
        let y = old.docs[0].field("b").unwrap().items().unwrap()[0].span;
        let mut expected = Expected::default();
        expected.string(y, "Y");
        let check = |text: &str, expected: &Expected| {
            compare(&old, &Source::from_text("a.yaml", text), expected)
        };
        assert!(check("a: x\nb: [Y, z]\n", &expected).is_ok());
        assert!(check("a: x2\nb: [Y, z]\n", &expected).is_err());
        assert!(check("a: x\nb: [Y]\n", &expected).is_err());
        assert!(check("a: x\nb: [Y, z\n", &expected).is_err());
        expected.removed.insert(y);
        expected.values.clear();
        assert!(check("a: x\nb: [z]\n", &expected).is_ok());
    }

    /// The swap of the value at `key` for `token`, planned as the string `want`.
    fn swap(old: &File, key: &str, token: &str, want: &str) -> (Vec<Edit>, Expected) {
        let span = old.docs[0].field(key).unwrap().span;
        let mut expected = Expected::default();
        expected.string(span, want);
        (vec![Edit::replace(span.range(), token)], expected)
    }

    #[test]
    fn a_token_that_stands_alone_is_proved_on_its_own() {
        let old = file("a.yaml", "a: x # note\nb: [y, z]\nc: 'q'\n");
        for (key, token, want) in [
            ("a", "new-id", "new-id"),
            ("a", "\"n\\u00e9w\"", "n\u{e9}w"),
            ("c", "'it''s'", "it's"),
        ] {
            let (edits, expected) = swap(&old, key, token, want);
            assert!(token_swaps(&old, &edits, &expected), "{token}");
            assert!(verify(&old, &edits, expected).is_ok(), "{token}");
        }
        let json = file("a.json", "{\"a\": \"x\"}");
        let (edits, expected) = swap(&json, "a", "\"n\\\"w\"", "n\"w");
        assert!(token_swaps(&json, &edits, &expected));
    }

    #[test]
    fn a_token_that_may_not_stand_alone_reparses_the_file() {
        let old = file("a.yaml", "a: x\nb: [y, z]\n");
        for (token, want, ok) in [
            // Reads differently on its own: the whole file decides, and refuses.
            ("n # c", "n # c", Some(false)),
            ("true", "true", Some(false)),
            ("\"two\nlines\"", "two lines", None),
            // A plain scalar with a comma: fine here, not inside a flow list.
            ("a,b", "a,b", Some(true)),
        ] {
            let (edits, expected) = swap(&old, "a", token, want);
            assert!(!token_swaps(&old, &edits, &expected), "{token}");
            if let Some(ok) = ok {
                assert_eq!(verify(&old, &edits, expected).is_ok(), ok, "{token}");
            }
        }
        // The comma inside a flow list: the whole re-parse catches it.
        let span = old.docs[0].field("b").unwrap().items().unwrap()[0].span;
        let mut expected = Expected::default();
        expected.string(span, "a,b");
        let edits = [Edit::replace(span.range(), "a,b")];
        assert!(!token_swaps(&old, &edits, &expected));
        assert!(verify(&old, &edits, expected).is_err());
    }

    #[test]
    fn a_span_planned_twice_expects_the_later_value() {
        let mut expected = Expected::default();
        let (a, b) = (Span::new(5, 6), Span::new(1, 2));
        expected.string(a, "first");
        expected.string(b, "other");
        expected.string(a, "second");
        expected.seal();
        assert_eq!(expected.values.len(), 2);
        assert!(matches!(expected.get(a), Some(Want::Str(s)) if s == "second"));
        assert!(matches!(expected.get(b), Some(Want::Str(s)) if s == "other"));
        assert!(expected.get(Span::new(0, 1)).is_none());
    }

    #[test]
    fn a_sieve_script_is_proved_by_the_whole_reparse() {
        let old = file("s.sieve", "redirect \"a@old.example\"; # note\nkeep;\n");
        let span = old.docs[0].items().unwrap()[0]
            .field("address")
            .unwrap()
            .span;
        let check = |token: &str, want: &str| {
            let mut expected = Expected::default();
            expected.string(span, want);
            let edits = [Edit::replace(span.range(), token)];
            assert!(!token_swaps(&old, &edits, &expected), "{token}");
            verify(&old, &edits, expected)
        };
        assert!(check("\"a@new.example\"", "a@new.example").is_ok());
        assert!(check("\"say \\\"hi\\\"\"", "say \"hi\"").is_ok());
        // The right value, but another argument besides: the script reads differently.
        assert!(check("\"a@new.example\" \"b\"", "a@new.example").is_err());
        // A token that adds a command, or leaves a string open.
        assert!(check("\"a@new.example\"; discard", "a@new.example").is_err());
        assert!(check("\"a@new.example", "a@new.example").is_err());
    }

    #[test]
    fn a_file_with_aliases_reparses() {
        let old = file("a.yaml", "a: &x old\nb: *x\n");
        let (edits, expected) = swap(&old, "a", "new", "new");
        assert!(!token_swaps(&old, &edits, &expected));
        assert!(verify(&old, &edits, expected).is_ok());
    }
}
