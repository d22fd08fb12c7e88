//! Where a located value stands in its document, kept small.
//!
//! A large export holds hundreds of thousands of references, and each one keeps its path
//! for as long as the plan lives. A [`Path`] is the position of each child taken from the
//! root (an item's index in a list, an entry's index in a mapping): four bytes a step and
//! one allocation, where a path of names (`Vec<Step>`) takes 24 bytes a step. The names a
//! reader wants (`rules[3].conditions`) are looked up in the tree when a message needs them.

use crate::node::{Node, StepRef, Value};

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Path(Box<[u32]>);

impl Path {
    /// The positions of a borrowed path, as the selectors and `Node::walk` give it.
    pub fn of(steps: &[StepRef]) -> Path {
        Path(positions(steps).collect())
    }

    pub fn positions(&self) -> &[u32] {
        &self.0
    }

    /// The same path with its second step `by` further on: the item of a list at the root
    /// that a thread parsing the list from its middle counted from 0 (see `locate::join`).
    pub fn shift_item(&mut self, by: u32) {
        if let Some(item) = self.0.get_mut(1) {
            *item += by;
        }
    }
}

/// The positions of a borrowed path's steps.
pub fn positions<'s>(steps: &'s [StepRef]) -> impl Iterator<Item = u32> + 's {
    steps.iter().map(|s| match *s {
        StepRef::Key(_, i) | StepRef::Index(i) => i as u32,
    })
}

/// Where one use of a value stands in a file: its document and its path there. With YAML
/// aliases one piece of text has several uses; edits are planned per use.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Place {
    pub doc: u32,
    pub path: Path,
}

impl Place {
    pub fn new(doc: usize, path: &[u32]) -> Place {
        Place {
            doc: doc as u32,
            path: Path::from(path),
        }
    }

    /// The place of the child at `position`.
    pub fn child(&self, position: usize) -> Place {
        let mut path = self.path.to_vec();
        path.push(position as u32);
        Place {
            doc: self.doc,
            path: Path(path.into()),
        }
    }

    /// The place of the parent and this place's position in it (`None` for a root).
    pub fn parent(&self) -> Option<(Place, usize)> {
        let (&last, rest) = self.path.split_last()?;
        Some((Place::new(self.doc as usize, rest), last as usize))
    }

    /// Whether `self` is `other` or lies inside it.
    pub fn within(&self, other: &Place) -> bool {
        self.doc == other.doc && self.path.starts_with(&other.path)
    }
}

impl From<Box<[u32]>> for Path {
    fn from(positions: Box<[u32]>) -> Path {
        Path(positions)
    }
}

impl From<&[u32]> for Path {
    fn from(positions: &[u32]) -> Path {
        Path(positions.into())
    }
}

impl std::ops::Deref for Path {
    type Target = [u32];

    fn deref(&self) -> &[u32] {
        &self.0
    }
}

impl std::borrow::Borrow<[u32]> for Path {
    fn borrow(&self) -> &[u32] {
        &self.0
    }
}

impl Node {
    /// The child at `position`: a list's item or a mapping entry's value.
    pub fn child(&self, position: u32) -> Option<&Node> {
        let i = position as usize;
        match self.value() {
            Value::List(items, _) => items.get(i),
            Value::Map(entries) => entries.get(i).map(|e| &e.value),
            _ => None,
        }
    }

    pub fn child_mut(&mut self, position: u32) -> Option<&mut Node> {
        let i = position as usize;
        match self.value_mut() {
            Value::List(items, _) => items.get_mut(i),
            Value::Map(entries) => entries.get_mut(i).map(|e| &mut e.value),
            _ => None,
        }
    }

    /// The node at `positions` below this one.
    pub fn at_positions(&self, positions: &[u32]) -> Option<&Node> {
        positions
            .iter()
            .try_fold(self, |node, &position| node.child(position))
    }

    pub fn at_positions_mut(&mut self, positions: &[u32]) -> Option<&mut Node> {
        positions
            .iter()
            .try_fold(self, |node, &position| node.child_mut(position))
    }

    /// The names of the steps to `positions` below this one (keys and indexes), as far as
    /// the tree goes.
    #[cfg(test)]
    pub fn steps(&self, positions: &[u32]) -> Vec<crate::node::Step> {
        self.step_refs(positions)
            .map(|step| match step {
                StepRef::Key(k, _) => crate::node::Step::Key(k.clone()),
                StepRef::Index(i) => crate::node::Step::Index(i),
            })
            .collect()
    }

    /// [`Node::steps`], borrowed from the tree.
    fn step_refs<'a>(&'a self, positions: &'a [u32]) -> impl Iterator<Item = StepRef<'a>> {
        let mut node = Some(self);
        positions.iter().map_while(move |&position| {
            let i = position as usize;
            let (step, child) = match node?.value() {
                Value::List(items, _) if i < items.len() => (StepRef::Index(i), &items[i]),
                Value::Map(entries) if i < entries.len() => {
                    (StepRef::Key(&entries[i].key, i), &entries[i].value)
                }
                _ => return None,
            };
            node = Some(child);
            Some(step)
        })
    }

    /// A path below this node written the way a reader of the export would:
    /// `rules[3].conditions.items[0]`.
    pub fn path_text(&self, positions: &[u32]) -> String {
        crate::node::steps_text(self.step_refs(positions))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Source;

    #[test]
    fn positions_name_the_same_value_as_keys() {
        let source = Source::from_text("x.json", r#"{"a": 1, "rules": [{"x": 2}, {"id": "r2"}]}"#);
        let doc = crate::load::json::parse(&source).unwrap();
        let mut found = None;
        doc.walk(&mut Vec::new(), &mut |steps, node| {
            if node.str() == Some("r2") {
                found = Some(Path::of(steps));
            }
        });
        let path = found.unwrap();
        assert_eq!(path.positions(), &[1, 1, 0]);
        assert_eq!(doc.path_text(&path), "rules[1].id");
        assert_eq!(doc.at_positions(&path).and_then(Node::str), Some("r2"));
        assert_eq!(doc.path_text(&[]), "$");
        // A path that leaves the tree names as much of it as there is.
        assert_eq!(doc.path_text(&[1, 7]), "rules");
        assert!(doc.at_positions(&[1, 7]).is_none());
    }
}
