//! Verify: prove that the planned edits change nothing but the planned values.
//!
//! The plan says, for each *place* (a document and a path in it: with YAML aliases one
//! piece of text has several places), what the data there becomes: a new string, a new
//! value, or a list with items gone and items added. The old tree with those changes must
//! equal the edited file's tree value for value and key for key. This is the guard behind
//! the promise that nothing but the referenced values changes; a mismatch is a bug, and the
//! file is not written.
//!
//! Most plans only swap scalar tokens: `"old"` becomes `"new"`. A JSON string and a
//! one-line YAML scalar are self-delimiting, so the file around such a swap reads exactly as
//! before, and parsing each new token on its own proves as much as re-parsing the file,
//! at a fraction of the time and without a second tree. Anything else (insertions,
//! removals, a file with YAML aliases, a token that might not stand alone) re-parses the
//! whole edited text.

use std::cmp::Ordering;

use crate::edit::{self, Edit};
use crate::fast_hash::FastSet;
use crate::load::{File, Format, parse_text};
use crate::node::{Node, Span, Value};
use crate::path::Place;
use crate::source::Source;
use crate::text::Text;

/// What the plan expects the edited file to hold.
#[derive(Debug, Default)]
pub struct Expected {
    /// Values replaced, by place, with the span of the old value (for the token fast path):
    /// in the order planned, then sorted by `seal`. A vector rather than a map: a plan holds
    /// one per rewritten value, and it is at its largest when the whole run is.
    values: Vec<(Place, Span, Want)>,
    /// Lists whose items change, by place.
    lists: Vec<(Place, ListChange)>,
}

/// How the items of one list change.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListChange {
    /// Positions of the old items that are gone.
    pub removed: Vec<usize>,
    /// Values added right after the old item at each position, in order.
    pub inserted: Vec<(usize, Node)>,
}

impl ListChange {
    pub fn is_empty(&self) -> bool {
        self.removed.is_empty() && self.inserted.is_empty()
    }

    /// The list's items after the change, each an old item (its position) or a new value.
    pub fn items<'a>(&'a self, old: &'a [Node]) -> Vec<Item<'a>> {
        let mut out = Vec::with_capacity(old.len() + self.inserted.len());
        for (i, item) in old.iter().enumerate() {
            if !self.removed.contains(&i) {
                out.push(Item::Old(i, item));
            }
            out.extend(
                self.inserted
                    .iter()
                    .filter(|(after, _)| *after == i)
                    .map(|(_, node)| Item::New(node)),
            );
        }
        out
    }
}

/// An item of a changed list.
pub enum Item<'a> {
    Old(usize, &'a Node),
    New(&'a Node),
}

/// A value the edited file must hold where the old one stood. A plan rewrites thousands of
/// strings, kept as just the string; anything else (add mode's `[old, new]`) is boxed.
#[derive(Clone, Debug)]
pub enum Want {
    Str(Text),
    Node(Box<Node>),
}

impl Want {
    fn matches(&self, node: &Node) -> bool {
        match self {
            Want::Str(s) => node.str() == Some(s.as_str()),
            Want::Node(want) => **want == *node,
        }
    }

    fn describe(&self) -> String {
        match self {
            Want::Str(s) => format!("the string {s:?}"),
            Want::Node(node) => describe(node),
        }
    }

    pub fn node(&self) -> Node {
        match self {
            Want::Str(s) => Node::from(s.as_str()),
            Want::Node(node) => (**node).clone(),
        }
    }
}

fn cmp_place(place: &Place, doc: u32, path: &[u32]) -> Ordering {
    (place.doc, &*place.path).cmp(&(doc, path))
}

impl Expected {
    /// Room for `values` more values.
    pub fn reserve(&mut self, values: usize) {
        self.values.reserve(values);
    }

    /// The value at `place` (whose old text is `span`) becomes `want`.
    pub fn value(&mut self, place: Place, span: Span, want: Want) {
        self.values.push((place, span, want));
    }

    /// The change of the list at `place`, to fill in.
    pub fn list(&mut self, place: Place) -> &mut ListChange {
        self.lists.push((place, ListChange::default()));
        &mut self.lists.last_mut().expect("just pushed").1
    }

    /// Sorts everything by place; where a place was planned twice, the later plan stands.
    pub fn seal(&mut self) {
        // Stable: the values planned for one place stay in the order planned.
        self.values.sort_by(|a, b| a.0.cmp(&b.0));
        self.values.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                std::mem::swap(later, earlier);
            }
            same
        });
        self.lists.sort_by(|a, b| a.0.cmp(&b.0));
        self.lists.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                let later = std::mem::take(&mut later.1);
                earlier.1.removed.extend(later.removed);
                earlier.1.inserted.extend(later.inserted);
            }
            same
        });
        for (_, change) in &mut self.lists {
            change.removed.sort_unstable();
            change.removed.dedup();
            change.inserted.sort_by_key(|(after, _)| *after);
        }
    }

    /// The value planned for a place (once sealed).
    pub fn get(&self, doc: u32, path: &[u32]) -> Option<&Want> {
        let at = self
            .values
            .binary_search_by(|(p, ..)| cmp_place(p, doc, path))
            .ok()?;
        Some(&self.values[at].2)
    }

    /// The change planned for the list at a place (once sealed).
    pub fn list_change(&self, doc: u32, path: &[u32]) -> Option<&ListChange> {
        let at = self
            .lists
            .binary_search_by(|(p, _)| cmp_place(p, doc, path))
            .ok()?;
        Some(&self.lists[at].1)
    }

    /// What the data at `place` (whose old value is `node`) should be after the plan (once
    /// sealed): the old value with every planned change at and below it.
    pub fn apply(&self, doc: u32, path: &mut Vec<u32>, node: &Node) -> Node {
        match self.get(doc, path) {
            // A new string keeps the old one's style (quoting), for whoever writes it out.
            Some(Want::Str(new)) => {
                return Node::new(node.span, Value::Str(new.clone(), node.style()));
            }
            Some(want) => return want.node(),
            None => {}
        }
        let value = match node.value() {
            Value::List(items, flow) => {
                let change = self.list_change(doc, path).cloned().unwrap_or_default();
                let new: Vec<Node> = change
                    .items(items)
                    .into_iter()
                    .map(|item| match item {
                        Item::Old(i, item) => {
                            path.push(i as u32);
                            let node = self.apply(doc, path, item);
                            path.pop();
                            node
                        }
                        Item::New(node) => node.clone(),
                    })
                    .collect();
                Value::List(new.into(), *flow)
            }
            Value::Map(entries) => {
                let mut new = entries.to_vec();
                for (i, entry) in new.iter_mut().enumerate() {
                    path.push(i as u32);
                    entry.value = self.apply(doc, path, &entry.value);
                    path.pop();
                }
                Value::Map(new.into())
            }
            other => other.clone(),
        };
        Node::new(node.span, value)
    }
}

/// The first difference between the edited text and the plan.
#[derive(Debug, PartialEq)]
pub struct Mismatch {
    /// The old offset near which it was found.
    pub at: usize,
    pub why: String,
    /// The place where it was found, when it is one (not a parse error).
    pub place: Option<Place>,
}

impl Mismatch {
    fn new(at: usize, why: String) -> Mismatch {
        Mismatch {
            at,
            why,
            place: None,
        }
    }
}

/// Proves the edits, or says where the edited text first differs from the plan.
pub fn verify(old: &File, edits: &[Edit], mut expected: Expected) -> Result<(), Mismatch> {
    expected.seal();
    if token_swaps(old, edits, &expected) {
        // Debug builds (every test) prove the shortcut against the whole re-parse too.
        debug_assert_eq!(reparse(old, edits, &expected), Ok(()));
        return Ok(());
    }
    reparse(old, edits, &expected)
}

fn reparse(old: &File, edits: &[Edit], expected: &Expected) -> Result<(), Mismatch> {
    let new_text = edit::apply(&old.source.text, edits);
    let source = Source::new(old.source.path.clone(), old.source.name.clone(), new_text);
    compare(old, &source, expected)
}

/// Whether every edit swaps one planned string's token for a token that, parsed on its
/// own, is exactly the expected string. False sends the file to the whole re-parse, which
/// also words the error when there is one.
fn token_swaps(old: &File, edits: &[Edit], expected: &Expected) -> bool {
    let format = old.format;
    if !expected.lists.is_empty()
        || expected.values.len() != edits.len()
        || !old.anchors.is_empty()
        || (format == Format::Yaml && old.docs().iter().any(has_alias))
    {
        return false;
    }
    // Edits are sorted by where they stand; the values, by place, which is the same order
    // in a file without aliases but for merge keys: sorted by span to be sure.
    let mut values: Vec<(Span, &Want)> = expected.values.iter().map(|(_, s, w)| (*s, w)).collect();
    if !values.is_sorted_by_key(|(span, _)| *span) {
        values.sort_by_key(|(span, _)| *span);
    }
    // One source for every token, its text replaced each time. Edits and values are as
    // many: each edit must swap its value's span.
    let mut token = Source::from_text("token", "");
    // Tokens proven to read as their strings: what a token reads as depends on its text
    // alone, and a large export writes a few hundred tokens tens of thousands of times.
    let mut proven: FastSet<(&str, &str)> = FastSet::default();
    edits.iter().zip(&values).all(|(edit, (span, want))| {
        let Want::Str(string) = want else {
            return false;
        };
        if *span != Span::new(edit.range.start, edit.range.end) {
            return false;
        }
        if proven.contains(&(edit.content.as_str(), string.as_str())) {
            return true;
        }
        if !stands_alone(format, &edit.content) {
            return false;
        }
        token.set_text(&edit.content);
        let reads = parse_text(&token, format).is_ok_and(|docs| {
            matches!(&docs[..], [node] if node.span == Span::new(0, edit.content.len())
                && want.matches(node))
        });
        if reads {
            proven.insert((edit.content.as_str(), string.as_str()));
        }
        reads
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

fn compare(old: &File, source: &Source, expected: &Expected) -> Result<(), Mismatch> {
    let new_docs = parse_text(source, old.format).map_err(|e| {
        Mismatch::new(
            0,
            format!("the result does not parse: {}", e.diagnostics[0].message),
        )
    })?;
    if new_docs.len() != old.docs().len() {
        return Err(Mismatch::new(0, "the number of documents changed".into()));
    }
    for (doc, (a, b)) in old.docs().iter().zip(&new_docs).enumerate() {
        same(a, b, doc as u32, &mut Vec::new(), expected)?;
    }
    Ok(())
}

fn same(
    old: &Node,
    new: &Node,
    doc: u32,
    path: &mut Vec<u32>,
    expected: &Expected,
) -> Result<(), Mismatch> {
    let at = old.site().start as usize;
    if let Some(want) = expected.get(doc, path) {
        return if want.matches(new) {
            Ok(())
        } else {
            Err(mismatch(
                doc,
                path,
                at,
                format!("expected {}, found {}", want.describe(), describe(new)),
            ))
        };
    }
    match (old.value(), new.value()) {
        (Value::List(a, _), Value::List(b, _)) => {
            let none = ListChange::default();
            let change = expected.list_change(doc, path).unwrap_or(&none);
            let wanted = change.items(a);
            if wanted.len() != b.len() {
                return Err(mismatch(
                    doc,
                    path,
                    at,
                    format!("expected {} list items, found {}", wanted.len(), b.len()),
                ));
            }
            for (item, y) in wanted.into_iter().zip(b) {
                match item {
                    Item::Old(i, x) => {
                        path.push(i as u32);
                        let result = same(x, y, doc, path, expected);
                        path.pop();
                        result?;
                    }
                    Item::New(x) if x == y => {}
                    Item::New(x) => {
                        return Err(mismatch(
                            doc,
                            path,
                            at,
                            format!(
                                "an added item differs: expected {}, found {}",
                                describe(x),
                                describe(y)
                            ),
                        ));
                    }
                }
            }
            Ok(())
        }
        (Value::Map(a), Value::Map(b)) => {
            if a.len() != b.len() {
                return Err(mismatch(
                    doc,
                    path,
                    at,
                    format!("expected {} keys, found {}", a.len(), b.len()),
                ));
            }
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                if x.key != y.key {
                    return Err(mismatch(
                        doc,
                        path,
                        x.key_span.start as usize,
                        format!("key {:?} became {:?}", x.key, y.key),
                    ));
                }
                path.push(i as u32);
                let result = same(&x.value, &y.value, doc, path, expected);
                path.pop();
                result?;
            }
            Ok(())
        }
        _ if old == new => Ok(()),
        _ => Err(mismatch(
            doc,
            path,
            at,
            format!("{} became {}", describe(old), describe(new)),
        )),
    }
}

/// A difference found at the place `doc`, `path`.
fn mismatch(doc: u32, path: &[u32], at: usize, why: String) -> Mismatch {
    Mismatch {
        at,
        why,
        place: Some(Place::new(doc as usize, path)),
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

    fn place(path: &[u32]) -> Place {
        Place::new(0, path)
    }

    #[test]
    fn catches_a_change_outside_the_plan() {
        let old = file("a.yaml", "a: x\nb: [y, z]\n");
        let y = old.docs()[0].field("b").unwrap().items().unwrap()[0].span;
        let mut expected = Expected::default();
        expected.value(place(&[1, 0]), y, Want::Str("Y".into()));
        expected.seal();
        let check = |text: &str, expected: &Expected| {
            compare(&old, &Source::from_text("a.yaml", text), expected)
        };
        assert!(check("a: x\nb: [Y, z]\n", &expected).is_ok());
        assert!(check("a: x2\nb: [Y, z]\n", &expected).is_err());
        assert!(check("a: x\nb: [Y]\n", &expected).is_err());
        assert!(check("a: x\nb: [Y, z\n", &expected).is_err());
        let mut expected = Expected::default();
        expected.list(place(&[1])).removed.push(0);
        expected.seal();
        assert!(check("a: x\nb: [z]\n", &expected).is_ok());
        assert!(check("a: x\nb: [y]\n", &expected).is_err());
    }

    #[test]
    fn places_tell_the_uses_of_one_anchor_apart() {
        // One text, two uses: only the alias becomes a list.
        let old = file("a.yaml", "a: &x v\nb: *x\n");
        let span = old.docs()[0].field("a").unwrap().span;
        let mut expected = Expected::default();
        let both = Node::new(
            span,
            Value::List([Node::from("v"), Node::from("w")].into(), true),
        );
        expected.value(place(&[1]), span, Want::Node(Box::new(both)));
        expected.seal();
        let check = |text: &str| compare(&old, &Source::from_text("a.yaml", text), &expected);
        assert!(check("a: &x v\nb: [*x, w]\n").is_ok());
        assert!(check("a: [&x v, w]\nb: [*x, w]\n").is_err());
        assert_eq!(
            expected
                .apply(0, &mut vec![], &old.docs()[0])
                .to_json()
                .to_string(),
            r#"{"a":"v","b":["v","w"]}"#
        );
    }

    /// The swap of the value at `key` for `token`, planned as the string `want`.
    fn swap(old: &File, key: &str, token: &str, want: &str) -> (Vec<Edit>, Expected) {
        let doc = &old.docs()[0];
        let position = doc
            .entries()
            .unwrap()
            .iter()
            .position(|e| e.key == key)
            .unwrap();
        let span = doc.field(key).unwrap().span;
        let mut expected = Expected::default();
        expected.value(place(&[position as u32]), span, Want::Str(want.into()));
        (vec![Edit::replace(span.range(), token)], expected)
    }

    fn swaps(old: &File, edits: &[Edit], mut expected: Expected) -> bool {
        expected.seal();
        token_swaps(old, edits, &expected)
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
            let (edits2, expected2) = swap(&old, key, token, want);
            assert!(swaps(&old, &edits, expected), "{token}");
            assert!(verify(&old, &edits2, expected2).is_ok(), "{token}");
        }
        let json = file("a.json", "{\"a\": \"x\"}");
        let (edits, expected) = swap(&json, "a", "\"n\\\"w\"", "n\"w");
        assert!(swaps(&json, &edits, expected));
    }

    #[test]
    fn a_token_proven_once_stands_for_its_own_string_only() {
        // Two strings rewritten to one token: proven for the first string's expectation,
        // it must still be proven against the second's (a wrong plan is caught).
        let old = file("a.json", "{\"a\": \"x\", \"b\": \"y\"}");
        let docs = old.docs();
        let span = |key: &str| docs[0].field(key).unwrap().span;
        let edits = vec![
            Edit::replace(span("a").range(), "\"new\""),
            Edit::replace(span("b").range(), "\"new\""),
        ];
        let expect = |second: &str| {
            let mut expected = Expected::default();
            expected.value(place(&[0]), span("a"), Want::Str("new".into()));
            expected.value(place(&[1]), span("b"), Want::Str(second.into()));
            expected
        };
        assert!(swaps(&old, &edits, expect("new")));
        assert!(!swaps(&old, &edits, expect("other")));
        assert!(verify(&old, &edits, expect("other")).is_err());
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
            assert!(!swaps(&old, &edits, expected), "{token}");
            if let Some(ok) = ok {
                let (edits, expected) = swap(&old, "a", token, want);
                assert_eq!(verify(&old, &edits, expected).is_ok(), ok, "{token}");
            }
        }
        // The comma inside a flow list: the whole re-parse catches it.
        let span = old.docs()[0].field("b").unwrap().items().unwrap()[0].span;
        let mut expected = Expected::default();
        expected.value(place(&[1, 0]), span, Want::Str("a,b".into()));
        let edits = [Edit::replace(span.range(), "a,b")];
        assert!(verify(&old, &edits, expected).is_err());
    }

    #[test]
    fn a_place_planned_twice_expects_the_later_value() {
        let mut expected = Expected::default();
        let span = Span::new(1, 2);
        expected.value(place(&[5]), span, Want::Str("first".into()));
        expected.value(place(&[1]), span, Want::Str("other".into()));
        expected.value(place(&[5]), span, Want::Str("second".into()));
        expected.seal();
        assert_eq!(expected.values.len(), 2);
        assert!(matches!(expected.get(0, &[5]), Some(Want::Str(s)) if s == "second"));
        assert!(matches!(expected.get(0, &[1]), Some(Want::Str(s)) if s == "other"));
        assert!(expected.get(0, &[0]).is_none());
    }

    #[test]
    fn a_sieve_script_is_proved_by_the_whole_reparse() {
        let old = file("s.sieve", "redirect \"a@old.example\"; # note\nkeep;\n");
        let redirect = &old.docs()[0].items().unwrap()[0];
        let position = redirect
            .entries()
            .unwrap()
            .iter()
            .position(|e| e.key == "address")
            .unwrap();
        let span = redirect.field("address").unwrap().span;
        let check = |token: &str, want: &str| {
            let mut expected = Expected::default();
            expected.value(place(&[0, position as u32]), span, Want::Str(want.into()));
            let edits = [Edit::replace(span.range(), token)];
            expected.seal();
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
        let (edits, mut expected) = swap(&old, "a", "new", "new");
        let span = old.docs()[0].field("a").unwrap().span;
        expected.value(place(&[1]), span, Want::Str("new".into()));
        let (edits2, expected2) = swap(&old, "a", "new", "new");
        assert!(!swaps(&old, &edits2, expected2));
        assert!(verify(&old, &edits, expected).is_ok());
    }
}
