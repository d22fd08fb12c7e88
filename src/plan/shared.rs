//! Shared text: with YAML anchors and aliases one piece of text stands for a value in
//! several places (its *uses*). An edit to that text changes every use, so before writing
//! one the planner asks here who else would see it.
//!
//! Most files have no aliases: then every span has one use and this index is empty, at no
//! cost. Otherwise the tree is walked twice: once counting the uses of every span, once
//! recording where the spans used more than once stand.

use crate::fast_hash::FastMap;
use crate::load::File;
use crate::node::{Node, Span, Value};
use crate::path::Place;

#[derive(Debug, Default)]
pub struct Shared {
    /// Every use of the texts used more than once, in document order.
    uses: FastMap<Key, Vec<Place>>,
    /// Their spans, sorted.
    spans: Vec<Span>,
}

/// A text: its span and the kind of value written there (a block list and its only item
/// can start and end at the same place, and are still two values).
type Key = (Span, u8);

fn key(node: &Node) -> Key {
    let kind = match node.value() {
        Value::List(..) => 1,
        Value::Map(_) => 2,
        _ => 0,
    };
    (node.span, kind)
}

impl Shared {
    pub fn of(file: &File) -> Shared {
        if file.anchors.is_empty() {
            return Shared::default();
        }
        let mut counts: FastMap<Key, u32> = FastMap::default();
        for doc in file.docs() {
            visit(doc, &mut Vec::new(), &mut |_, node| {
                *counts.entry(key(node)).or_default() += 1;
            });
        }
        let mut uses: FastMap<Key, Vec<Place>> = FastMap::default();
        for (index, doc) in file.docs().iter().enumerate() {
            visit(doc, &mut Vec::new(), &mut |path, node| {
                if counts.get(&key(node)).is_some_and(|&n| n > 1) {
                    uses.entry(key(node))
                        .or_default()
                        .push(Place::new(index, path));
                }
            });
        }
        let mut spans: Vec<Span> = uses.keys().map(|(span, _)| *span).collect();
        spans.sort_unstable();
        Shared { uses, spans }
    }

    /// Whether any text inside `span` (or `span` itself) is used more than once: the
    /// value written there is used elsewhere, whole or in part (merge keys use the
    /// entries of a mapping, not the mapping itself).
    pub fn used_within(&self, span: Span) -> bool {
        let at = self.spans.partition_point(|s| s.start < span.start);
        self.spans[at..]
            .iter()
            .take_while(|s| s.start < span.end.max(span.start + 1))
            .any(|s| s.end <= span.end)
    }

    /// Every use of the value written where `node` is, when there is more than one.
    pub fn uses(&self, node: &Node) -> Option<&[Place]> {
        self.uses.get(&key(node)).map(Vec::as_slice)
    }

    pub fn is_empty(&self) -> bool {
        self.uses.is_empty()
    }
}

/// Every node below `node`, with its path, depth first.
fn visit(node: &Node, path: &mut Vec<u32>, each: &mut dyn FnMut(&[u32], &Node)) {
    each(path, node);
    match node.value() {
        Value::List(items, _) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i as u32);
                visit(item, path, each);
                path.pop();
            }
        }
        Value::Map(entries) => {
            for (i, entry) in entries.iter().enumerate() {
                path.push(i as u32);
                visit(&entry.value, path, each);
                path.pop();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Source;

    #[test]
    fn lists_the_uses_of_aliased_text_only() {
        let file = File::parse(Source::from_text(
            "s.yaml",
            "a: &x v\nb: *x\nc: [*x, w]\nd: plain\n",
        ))
        .unwrap();
        let shared = Shared::of(&file);
        let x = &file.docs()[0].field("a").unwrap();
        let uses: Vec<&[u32]> = shared.uses(x).unwrap().iter().map(|p| &*p.path).collect();
        assert_eq!(uses, [&[0][..], &[1], &[2, 0]]);
        assert!(shared.uses(file.docs()[0].field("d").unwrap()).is_none());
        // A block list and its only item share a span: two values, one use each.
        let block = File::parse(Source::from_text(
            "b.yaml",
            "a: &x v
l:
- k: *x
",
        ))
        .unwrap();
        let list = &block.docs()[0].field("l").unwrap();
        assert!(Shared::of(&block).uses(list).is_none());
        assert!(Shared::of(&block).uses(&list.items().unwrap()[0]).is_none());
        let plain = File::parse(Source::from_text("p.yaml", "a: v\n")).unwrap();
        assert!(Shared::of(&plain).is_empty());
    }
}
