//! Realize: from the operations a mode planned, per use of a value, to the edits that make
//! them and to what the edited text must read as — both from the same operation.
//!
//! A value is written once but may be used in several places (YAML anchors, aliases and
//! merge keys). The text is changed where the value is written when that is right for
//! every use of it: every use wants the same change, or is a template outside every
//! setting (`x-defaults: &d ...`), which exists to be used. Otherwise the text keeps what
//! its own place (its *home*) wants, and each use that wants something else gets its own
//! value written out at its alias token (`value: *info` becomes `value: [*info, NEW]`, or
//! `*x` becomes the value it must read as). When a use has no alias token of its own (it
//! comes through a merge key or an alias of what holds it), that is a documented limit:
//! the run stops with a clear error and nothing is written.

use std::collections::BTreeMap;
use std::ops::Range;

use super::{Insertion, Op, Planner};
use crate::address;
use crate::diagnostic::{Diagnostic, Error};
use crate::edit::{self, Edit};
use crate::fast_hash::{FastMap, FastSet};
use crate::layout::{self, Container, extent, insert_after, removal_edits};
use crate::node::{Node, Span, Style, Value};
use crate::path::Place;
use crate::profile::Kind;
use crate::scalar;
use crate::text::Text;
use crate::verify::{Expected, ListChange, Want};

use super::shared::Shared;

/// The changes planned for one list (at one place).
#[derive(Default)]
struct ListOps<'o> {
    drops: Vec<usize>,
    inserts: Vec<(usize, &'o Op)>,
}

impl ListOps<'_> {
    /// The change as data: comparable between two uses of one list.
    fn change(&self) -> ListChange {
        let mut drops = self.drops.clone();
        drops.sort_unstable();
        drops.dedup();
        let mut inserted: Vec<(usize, Node)> = self
            .inserts
            .iter()
            .map(|(after, op)| match op {
                Op::Insert { value, .. } => (*after, (**value).clone()),
                _ => unreachable!("only inserts are kept here"),
            })
            .collect();
        inserted.sort_by_key(|(after, _)| *after);
        ListChange {
            removed: drops,
            inserted,
        }
    }
}

/// Where a use can be given its own value, written out.
#[derive(Clone, Debug, PartialEq)]
enum Token {
    /// At the alias token of the value at this place (the use's own, or that of the value
    /// around it the alias brought).
    Own(Place),
    /// At the merge key's alias (`<<: *name`, the token at `site`) of the mapping at `map`:
    /// the merged mapping written out, with this mapping's changes.
    Merge { map: Place, site: Span },
}

struct Realizer<'p, 'a> {
    p: &'p Planner<'a>,
    shared: Shared,
    edits: Vec<Edit>,
    expected: Expected,
    /// Alias tokens where a use gets its own value written out.
    fixes: Vec<Token>,
    /// Items that go: nothing inside them needs anything.
    gone: Vec<Place>,
    /// The text of items that go.
    removed: Vec<Range<usize>>,
    /// Where the references stand (built for files with aliases only).
    references: FastSet<Place>,
    /// Templates: anchored values used elsewhere, written outside every setting.
    templates: Vec<Place>,
    /// Each new value as written in each style, written once: a large export writes a
    /// few hundred values tens of thousands of times.
    written: FastMap<(&'p str, Style), Text>,
}

/// The edits and what they must give. `repairs`: places where an earlier attempt's result
/// differed from the plan (see [`super::Planner::finish`]); each gets its value written out
/// at its alias token.
pub(super) fn realize(p: &Planner, repairs: &[Place]) -> Result<(Vec<Edit>, Expected), Error> {
    let shared = Shared::of(p.file);
    let references = if shared.is_empty() {
        FastSet::default()
    } else {
        (0..p.located.references.len())
            .map(|r| p.place(r))
            .collect()
    };
    let mut r = Realizer {
        p,
        shared,
        edits: Vec::new(),
        expected: Expected::default(),
        fixes: Vec::new(),
        gone: Vec::new(),
        removed: Vec::new(),
        references,
        templates: Vec::new(),
        written: FastMap::default(),
    };
    r.templates = r.templates();
    // List operations, by list.
    let mut lists: BTreeMap<&Place, ListOps> = BTreeMap::new();
    for op in &p.ops {
        match op {
            Op::Insert { list, after, .. } => {
                lists.entry(list).or_default().inserts.push((*after, op))
            }
            Op::Drop { list, item } => {
                lists.entry(list).or_default().drops.push(*item);
                r.gone.push(list.child(*item));
            }
            _ => {}
        }
    }
    // Lists first: the strings must know what text goes.
    r.lists(lists)?;
    r.strings()?;
    r.widenings()?;
    r.expected.seal();
    r.anchors_of_removed_text();
    for place in repairs {
        if let Some(token) = r.token(place)
            && !r.fixes.contains(&token)
        {
            r.fixes.push(token);
        }
    }
    r.write_fixes()?;
    Ok((r.edits, r.expected))
}

impl<'p, 'a> Realizer<'p, 'a> {
    fn node(&self, place: &Place) -> Option<&'a Node> {
        self.p.node(place)
    }

    /// The edits that rewrite a string where it is written.
    fn push_set_edits(&mut self, op: &'p Op) {
        let Op::Set {
            span,
            style,
            new,
            parts,
            ..
        } = op
        else {
            return;
        };
        match parts {
            Some(parts) => self.edits.extend(parts.iter().map(|(range, address)| {
                let start = span.start as usize;
                Edit::replace(start + range.start..start + range.end, address.clone())
            })),
            None => {
                let written = self
                    .written
                    .entry((new.as_str(), *style))
                    .or_insert_with(|| Text::from(scalar::write(new, *style)))
                    .clone();
                self.edits.push(Edit::replace(span.range(), written));
            }
        }
    }

    /// Every use of the value at `place` (the uses of its text), or just `place` when it
    /// has no other.
    fn uses(&self, place: &Place) -> Vec<Place> {
        match self.node(place).and_then(|n| self.shared.uses(n)) {
            Some(uses) => uses.to_vec(),
            None => vec![place.clone()],
        }
    }

    /// The place where the value written at `span` stands in its own right.
    fn home_of(&self, span: Span) -> Option<Place> {
        // Found from the root (anchored values are few).
        for (doc, root) in self.p.file.docs().iter().enumerate() {
            let mut found = None;
            root.walk(&mut Vec::new(), &mut |path, node| {
                if found.is_none() && node.span == span && node.alias().is_none() {
                    found = Some(crate::path::Path::of(path));
                }
            });
            if let Some(path) = found {
                return Some(Place {
                    doc: doc as u32,
                    path,
                });
            }
        }
        None
    }

    fn is_gone(&self, place: &Place) -> bool {
        self.gone.iter().any(|g| place.within(g))
    }

    /// The use of a text written where the text stands (not reached through an alias).
    fn home<'u>(&self, uses: &'u [Place]) -> Option<&'u Place> {
        uses.iter()
            .find(|u| self.node(u).is_some_and(|n| n.alias().is_none()))
    }

    /// The templates of the file: anchored values that are used elsewhere and are written
    /// outside every setting, where no reference or declaration stands (`x-defaults: &d`).
    fn templates(&self) -> Vec<Place> {
        let located = self.p.located;
        let mut templates = Vec::new();
        for anchor in &self.p.file.anchors {
            if !self.shared.used_within(anchor.node) {
                continue;
            }
            let Some(home) = self.home_of(anchor.node) else {
                continue;
            };
            let home = &home;
            let outside = located
                .holders_around(home.doc as usize, &home.path)
                .next()
                .is_none()
                && !self.references.contains(home)
                && !located.declarations.iter().any(|d| d.span == anchor.node);
            if outside {
                templates.push(home.clone());
            }
        }
        templates
    }

    /// Whether what the data at one of the `uses` of a text becomes matters: not when it
    /// goes, nor inside a template (it exists to be used: it follows its uses).
    fn cares(&self, place: &Place, uses: &[Place]) -> bool {
        if self.is_gone(place) {
            return false;
        }
        uses.len() < 2
            || self.references.contains(place)
            || !self.templates.iter().any(|t| place.within(t))
    }

    /// Strings rewritten: once where they are written when that serves every use.
    fn strings(&mut self) -> Result<(), Error> {
        let p = self.p;
        let sets = p.ops.iter().filter(|op| matches!(op, Op::Set { .. }));
        if self.shared.is_empty() {
            // In the order they stand (a mode plans them in runs, each in order: a list's
            // members after the single values), so that the edits and expectations come
            // out sorted: sorting those, far larger, took a copy of all of them.
            let mut sets: Vec<&Op> = sets.collect();
            sets.sort_by_key(|op| match op {
                Op::Set { span, .. } => *span,
                _ => Span::default(),
            });
            // One edit and one expectation a string, about (room for them from the start).
            self.edits.reserve(sets.len());
            self.expected.reserve(sets.len());
            for op in sets {
                let Op::Set {
                    reference,
                    span,
                    new,
                    ..
                } = op
                else {
                    continue;
                };
                self.push_set_edits(op);
                self.expected
                    .value(p.place(*reference as usize), *span, Want::Str(new.clone()));
            }
            return Ok(());
        }
        let mut by_span: BTreeMap<Span, Vec<&Op>> = BTreeMap::new();
        for op in sets {
            if let Op::Set { span, .. } = op {
                by_span.entry(*span).or_default().push(op);
            }
        }
        for (span, ops) in by_span {
            let at = |op: &&Op| match op {
                Op::Set { reference, .. } => p.place(*reference as usize),
                _ => unreachable!(),
            };
            let uses = self.uses(&at(&ops[0]));
            // What each use wants, looked up by place: a scan of the ops for each use was
            // quadratic in the aliases of one anchor (20,000 `*t` took 6 s).
            let mut wanted: FastMap<Place, &Text> = FastMap::default();
            for op in &ops {
                if let Op::Set { new, .. } = op {
                    wanted.entry(at(op)).or_insert(new);
                }
            }
            let want = |u: &Place| -> Option<&Text> { wanted.get(u).copied() };
            let home = self.home(&uses);
            // Text that goes with a dropped item cannot be rewritten: every use that stays
            // gets its own value instead.
            let removed = self
                .removed
                .iter()
                .any(|r| r.start <= span.start as usize && span.end as usize <= r.end);
            let chosen: Option<&Text> = match home {
                _ if removed => None,
                Some(h) if self.is_gone(h) => None,
                Some(h) if self.cares(h, &uses) => want(h),
                _ => self.chosen(&uses, &want),
            };
            if let Some(new) = chosen
                && let Some(op) = ops.iter().find(|op| match op {
                    Op::Set { new: n, .. } => n == new,
                    _ => false,
                })
            {
                self.push_set_edits(op);
            }
            for u in &uses {
                let wanted = want(u);
                if let Some(new) = wanted {
                    self.expected.value(u.clone(), span, Want::Str(new.clone()));
                } else if let (Some(new), false) = (chosen, self.cares(u, &uses)) {
                    self.expected.value(u.clone(), span, Want::Str(new.clone()));
                }
                if self.cares(u, &uses) && wanted != chosen {
                    self.fix(u)?;
                }
            }
        }
        Ok(())
    }

    /// Single strings widened to a list of themselves and the new value, at their own use.
    fn widenings(&mut self) -> Result<(), Error> {
        let p = self.p;
        let source = &p.file.source;
        for op in &p.ops {
            let Op::Widen {
                at,
                span,
                style,
                add,
            } = op
            else {
                continue;
            };
            let Some(node) = self.node(at) else {
                continue;
            };
            // Where this use's string is written: its own alias token, or the string's text
            // (for a use that an alias of what holds it brings, where that is written).
            let written = self.written_at(at);
            let Some(slot_node) = self.node(&written) else {
                continue;
            };
            let slot = match slot_node.alias_token() {
                Some(token) => token.range(),
                None => layout::properties_start(p.file, slot_node)..span.end as usize,
            };
            // Every use written there gets the list; those through an alias of the string
            // itself still read the string (the anchor stays on it).
            let affected: Vec<Place> = self
                .uses(at)
                .into_iter()
                .filter(|u| self.written_at(u) == written)
                .collect();
            let widened = |u: &Place| {
                p.ops
                    .iter()
                    .any(|o| matches!(o, Op::Widen { at: a, add: b, .. } if a == u && b == add))
            };
            // A use that sees the slot but wants the string as it is gets it written out
            // at its own alias token, and reads as before.
            let mut kept = Vec::new();
            for other in &affected {
                if other != at && self.cares(other, &affected) && !widened(other) {
                    self.fix(other)?;
                    kept.push(other.clone());
                }
            }
            // A Sieve `text:` string ends its line: the list then closes on a line of its
            // own, so that what followed the string still starts a line.
            let old_text = &source.text[slot.clone()];
            let close = if old_text.ends_with("\r\n") {
                "]\r\n"
            } else if old_text.ends_with('\n') {
                "]\n"
            } else {
                "]"
            };
            let list = format!("[{old_text}, {}{close}", scalar::write(add, *style));
            self.edits.push(Edit::replace(slot, list));
            let old = node.str().unwrap_or_default();
            let both = Node::new(
                *span,
                Value::List([Node::from(old), Node::from(add.as_str())].into(), true),
            );
            for u in affected.into_iter().filter(|u| !kept.contains(u)) {
                self.expected
                    .value(u, *span, Want::Node(Box::new(both.clone())));
            }
        }
        Ok(())
    }

    /// Items dropped from and inserted into lists: once where the list is written when
    /// that serves every use of it.
    fn lists(&mut self, lists: BTreeMap<&Place, ListOps>) -> Result<(), Error> {
        let mut by_span: BTreeMap<Span, Vec<(&Place, ListOps)>> = BTreeMap::new();
        for (place, ops) in lists {
            let span = self.node(place).map_or(Span::default(), |n| n.span);
            by_span.entry(span).or_default().push((place, ops));
        }
        for (_, lists) in by_span {
            let uses = self.uses(lists[0].0);
            let want = |u: &Place| lists.iter().find(|(p, _)| *p == u).map(|(_, ops)| ops);
            let change = |u: &Place| want(u).map(ListOps::change).unwrap_or_default();
            let home = self.home(&uses);
            let changes: Vec<(&Place, ListChange)> = uses.iter().map(|u| (u, change(u))).collect();
            let want_change = |u: &Place| {
                changes
                    .iter()
                    .find(|(p, c)| *p == u && !c.is_empty())
                    .map(|(_, c)| c)
            };
            let chosen: Option<&ListOps> = match home {
                Some(h) if self.is_gone(h) => None,
                Some(h) if self.cares(h, &uses) => want(h),
                _ => self.chosen(&uses, &want_change).and_then(|c| {
                    lists
                        .iter()
                        .find(|(_, ops)| ops.change() == *c)
                        .map(|(_, ops)| ops)
                }),
            };
            let chosen_change = chosen.map(ListOps::change).unwrap_or_default();
            if let Some(ops) = chosen {
                let list = home
                    .and_then(|h| self.node(h))
                    .or_else(|| self.node(lists[0].0));
                if let Some(list) = list {
                    self.write_list(list, ops)?;
                }
            }
            for u in &uses {
                let wanted = change(u);
                if !wanted.is_empty() {
                    *self.expected.list(u.clone()) = wanted.clone();
                } else if !self.cares(u, &uses) && !chosen_change.is_empty() {
                    *self.expected.list(u.clone()) = chosen_change.clone();
                }
                if self.cares(u, &uses) && wanted != chosen_change {
                    self.fix(u)?;
                }
            }
        }
        Ok(())
    }

    /// The edits of one list's changes, written in the list's own text.
    fn write_list(&mut self, list: &Node, ops: &ListOps) -> Result<(), Error> {
        let p = self.p;
        let source = &p.file.source;
        let container = Container::of_list(p.file, list);
        let items = list.items().unwrap_or_default();
        if !ops.drops.is_empty() {
            let mut flags = vec![false; container.items.len()];
            for &i in &ops.drops {
                if let Some(flag) = flags.get_mut(i) {
                    *flag = true;
                    self.removed.push(container.items[i].range());
                }
            }
            self.edits.extend(removal_edits(source, &container, &flags));
        }
        let mut inserts: Vec<&(usize, &Op)> = ops.inserts.iter().collect();
        if let (Some(_), Some(at)) = (inserts.first(), layout::lone_carriage_return(source)) {
            return Err(Diagnostic::at(
                source,
                Span::new(at, at + 1),
                "this file ends lines with a carriage return alone (classic Mac OS style), \
                 and adding items here means adding lines in it: convert its line endings \
                 to LF or CRLF (for example `tr '\\r' '\\n'`), then run again",
            )
            .into());
        }
        inserts.sort_by_key(|(after, _)| *after);
        for group in inserts.chunk_by(|a, b| a.0 == b.0) {
            let after = group[0].0;
            let (Some(&span), Some(item)) = (container.items.get(after), items.get(after)) else {
                continue;
            };
            let texts: Vec<String> = group
                .iter()
                .filter_map(|(_, op)| match op {
                    Op::Insert {
                        list, value, text, ..
                    } => Some(match text {
                        Insertion::Scalar(style) => {
                            scalar::write(value.str().unwrap_or_default(), *style)
                        }
                        Insertion::Copy(copy) => {
                            let (inside, without) = (&copy.inside, &copy.without);
                            copy_text(p, item, list.path.len() + 1, inside, without).unwrap_or_else(
                                || match p.file.format {
                                    crate::load::Format::Yaml => scalar::flow(value),
                                    // Neither JSON nor Sieve has aliases or merge keys, so
                                    // their copies come from their own text; this is data.
                                    _ => value.to_json().to_string(),
                                },
                            )
                        }
                    }),
                    _ => None,
                })
                .collect();
            self.edits
                .push(insert_after(source, &container, span, &texts));
        }
        Ok(())
    }

    /// The place where a use's value is written in its own right: the use itself when it
    /// stands where it is written or at an alias token of its own; else, for a use that an
    /// alias (or a merge key) of what holds it brings, the same place under that alias's
    /// anchor, followed further when that is brought too.
    fn written_at(&self, place: &Place) -> Place {
        let mut place = place.clone();
        // Each step moves to text written earlier in the file: a bounded walk.
        for _ in 0..crate::load::MAX_DEPTH {
            let Some(next) = self.brought_from(&place) else {
                break;
            };
            place = next;
        }
        place
    }

    /// One step of [`Realizer::written_at`].
    fn brought_from(&self, place: &Place) -> Option<Place> {
        let node = self.node(place)?;
        let site = node.alias()?;
        if node.alias_token().is_some() {
            return None;
        }
        // The value the alias brought: the nearest one around with that alias as its own,
        // or (a merge key) the mapping it was merged into.
        let doc = &self.p.file.docs()[place.doc as usize];
        let depth = (0..place.path.len()).rev().find(|&depth| {
            doc.at_positions(&place.path[..depth])
                .is_some_and(|n| n.alias_token() == Some(site) || n.alias() != Some(site))
        })?;
        let root = doc.at_positions(&place.path[..depth])?;
        let home = self.home_of(self.anchor_named(site)?.node)?;
        let home_node = self.node(&home)?;
        let mut path = home.path.to_vec();
        let rest = &place.path[depth..];
        if root.alias_token() == Some(site) {
            // `*name` for the whole value: the same path below its anchor.
            path.extend_from_slice(rest);
        } else {
            // `<<: *name`: the merged entry, by key, in the anchor's mapping.
            let (&entry, below) = rest.split_first()?;
            let key = &root.entries()?.get(entry as usize)?.key;
            let at = home_node.entries()?.iter().position(|e| e.key == *key)?;
            path.push(at as u32);
            path.extend_from_slice(below);
        }
        Some(Place::new(home.doc as usize, &path))
    }

    /// Where a use can be given its own value: its own alias token, the token of the alias
    /// that brought the value around it, or the merge key that merged it. `None` when it
    /// has none (it is where its text is written).
    fn token(&self, place: &Place) -> Option<Token> {
        let node = self.node(place)?;
        if node.alias_token().is_some() {
            return Some(Token::Own(place.clone()));
        }
        let site = node.alias()?;
        let doc = &self.p.file.docs()[place.doc as usize];
        (0..place.path.len()).rev().find_map(|depth| {
            let ancestor = doc.at_positions(&place.path[..depth])?;
            if ancestor.alias_token() == Some(site) {
                return Some(Token::Own(Place::new(
                    place.doc as usize,
                    &place.path[..depth],
                )));
            }
            // The mapping the value was merged into: outside the alias's reach.
            (ancestor.alias() != Some(site)).then(|| Token::Merge {
                map: Place::new(place.doc as usize, &place.path[..depth]),
                site,
            })
        })
    }

    /// A use that its written text cannot serve gets its own value written out (see
    /// [`Realizer::token`]).
    fn fix(&mut self, place: &Place) -> Result<(), Error> {
        if self.node(place).is_none() {
            return Ok(());
        }
        let Some(token) = self.token(place) else {
            let home = self.home(&self.uses(place)).cloned().unwrap_or_default();
            return Err(self.limit(place, &home));
        };
        if !self.fixes.contains(&token) {
            self.fixes.push(token);
        }
        Ok(())
    }

    /// The anchor an alias token (`*name`) names: the last one of that name before it.
    fn anchor_named(&self, site: Span) -> Option<&'a crate::load::yaml::Anchor> {
        let source = &self.p.file.source;
        let name = source
            .text
            .get(site.start as usize + 1..site.end as usize)?;
        self.p.file.anchors.iter().rev().find(|a| {
            a.token.end <= site.start
                && source
                    .text
                    .get(a.token.start as usize + 1..a.token.end as usize)
                    == Some(name)
        })
    }

    /// What the text of a value used in several places should say, when its home does not
    /// decide (a template, or gone): what the uses that are hardest to give their own value
    /// want, when they agree — those with no alias at all, and those merged in (a merge key
    /// written out is a lot of text) — else what every use that cares wants.
    fn chosen<'w, W: PartialEq>(
        &self,
        uses: &[Place],
        want: &dyn Fn(&Place) -> Option<&'w W>,
    ) -> Option<&'w W> {
        let caring: Vec<&Place> = uses.iter().filter(|u| self.cares(u, uses)).collect();
        let hard = |merged_too: bool| -> Vec<&Place> {
            caring
                .iter()
                .copied()
                .filter(|u| match self.token(u) {
                    None => true,
                    Some(Token::Merge { .. }) => merged_too,
                    Some(Token::Own(_)) => false,
                })
                .collect()
        };
        let (hardest, hard) = (hard(false), hard(true));
        if !hard.is_empty()
            && let Some(agreed) = agreed(hard.iter().map(|u| want(u)))
        {
            return agreed;
        }
        if !hardest.is_empty() {
            return agreed(hardest.into_iter().map(want)).flatten();
        }
        agreed(caring.into_iter().map(want)).flatten()
    }

    /// Anchors defined inside text that goes: every alias of them outside it is written
    /// out, as the value it must read as.
    fn anchors_of_removed_text(&mut self) {
        let p = self.p;
        let inside = |token: Span, ranges: &[Range<usize>]| {
            ranges
                .iter()
                .any(|r| r.start <= token.start as usize && token.end as usize <= r.end)
        };
        if !p
            .file
            .anchors
            .iter()
            .any(|a| inside(a.token, &self.removed))
        {
            return;
        }
        // Every alias token that stays and names an anchor that goes: where the value it
        // stood for is written out.
        let mut found: Vec<Token> = Vec::new();
        for (doc, root) in p.file.docs().iter().enumerate() {
            root.walk(&mut Vec::new(), &mut |path, node| {
                let Some(site) = node.alias() else {
                    return;
                };
                let lost = self
                    .anchor_named(site)
                    .is_some_and(|a| inside(a.token, &self.removed));
                if !lost || inside(site, &self.removed) {
                    return;
                }
                let place = Place {
                    doc: doc as u32,
                    path: crate::path::Path::of(path),
                };
                if let Some(token) = self.token(&place)
                    && !found.contains(&token)
                {
                    found.push(token);
                }
            });
        }
        for token in found {
            if !self.fixes.contains(&token) {
                self.fixes.push(token);
            }
        }
    }

    /// Writes out each fixed use at its alias token, as the plan says it must read.
    fn write_fixes(&mut self) -> Result<(), Error> {
        let inside_removed = |site: Span, removed: &[Range<usize>]| {
            removed
                .iter()
                .any(|r| r.start <= site.start as usize && site.end as usize <= r.end)
        };
        for token in std::mem::take(&mut self.fixes) {
            let (site, value) = match &token {
                Token::Own(place) => {
                    let Some(node) = self.node(place) else {
                        continue;
                    };
                    let Some(site) = node.alias_token() else {
                        continue;
                    };
                    let value = self
                        .expected
                        .apply(place.doc, &mut place.path.to_vec(), node);
                    (site, value)
                }
                Token::Merge { map, site } => {
                    let Some(value) = self.merged(map, *site) else {
                        continue;
                    };
                    (*site, value)
                }
            };
            // Two tokens can name one alias (its own, and as a merge key).
            if inside_removed(site, &self.removed)
                || self.edits.iter().any(|e| e.range == site.range())
            {
                continue;
            }
            self.edits
                .push(Edit::replace(site.range(), scalar::flow(&value)));
        }
        Ok(())
    }

    /// What the merge key's alias at `site` in the mapping at `map` must stand for: the
    /// entries this mapping takes from the merged one, each as the plan says it must read.
    /// (The entries this mapping has its own of would be overridden: they are left out.)
    fn merged(&self, map: &Place, site: Span) -> Option<Node> {
        let anchor = self.anchor_named(site)?;
        let home = self.node(&self.home_of(anchor.node)?)?;
        let merging = self.node(map)?.entries()?;
        let entries: Vec<crate::node::Entry> = home
            .entries()?
            .iter()
            .filter_map(|e| {
                let taken = merging
                    .iter()
                    .position(|m| m.key == e.key && m.value.alias() == Some(site))?;
                let mut path = map.path.to_vec();
                path.push(taken as u32);
                Some(crate::node::Entry {
                    key: e.key.clone(),
                    key_span: e.key_span,
                    value: self
                        .expected
                        .apply(map.doc, &mut path, &merging[taken].value),
                })
            })
            .collect();
        Some(Node::new(home.span, Value::Map(entries.into())))
    }

    /// The error for a use that needs another change than the text it comes from gives,
    /// and has no alias token of its own to change instead.
    fn limit(&self, place: &Place, other: &Place) -> Error {
        let p = self.p;
        let node = self.node(place);
        let doc = &p.file.docs()[place.doc as usize];
        let site = node.map_or(Span::default(), Node::site);
        Diagnostic::at(
            &p.file.source,
            site,
            format!(
                "the value at {} is written once (through a YAML anchor) for places that need \
                 different changes, such as {}, and this place has no alias of its own to \
                 change instead; give it its own value (or its own `*alias`), then run again",
                doc.path_text(&place.path),
                p.file.docs()[other.doc as usize].path_text(&other.path),
            ),
        )
        .into()
    }
}

/// The value every item gives, when they all give the same.
fn agreed<T: PartialEq>(mut items: impl Iterator<Item = T>) -> Option<T> {
    let first = items.next()?;
    items.all(|x| x == first).then_some(first)
}

/// The text of a setting's copy for the new account, from the setting's own text: its
/// mapped references rewritten, the `without` fields and every anchor left out (a copy
/// must not define an anchor again). `None` when the text cannot serve: a reference
/// inside comes through a merge key or the setting is an alias; the copy is then written
/// out from its data.
fn copy_text(
    p: &Planner,
    item: &Node,
    item_depth: usize,
    inside: &[usize],
    without: &[String],
) -> Option<String> {
    let file = p.file;
    let source = &file.source;
    if item.alias().is_some() {
        return None;
    }
    let span = extent(file, item);
    let (start, end) = (span.start as usize, span.end as usize);
    let mut edits = Vec::new();
    for &r in inside {
        let reference = p.reference(r);
        let path = &p.located.path(reference)[item_depth..];
        let node = item.at_positions(path)?;
        let at = match node.alias_token() {
            Some(token) => token,
            None if node.alias().is_some() => {
                if p.target(reference).is_some() || reference.kind == Kind::AddressInText {
                    return None;
                }
                continue;
            }
            None => node.span,
        };
        match reference.kind {
            Kind::AddressInText => {
                if node.alias().is_some() {
                    return None;
                }
                let raw = &source.text[node.span.range()];
                for (range, _, new) in address::find(raw, p.mapping) {
                    let s = node.span.start as usize;
                    edits.push(Edit::replace(s + range.start..s + range.end, new));
                }
            }
            _ => {
                if let Some((_, new)) = p.target(reference) {
                    let new = p.whole(r, new);
                    edits.push(Edit::replace(at.range(), scalar::write(&new, node.style())));
                }
            }
        }
    }
    if edits
        .iter()
        .any(|e| e.range.start < start || e.range.end > end)
    {
        return None;
    }
    // The fields left out (each with its key's anchor and tag).
    let mut left_out = Vec::new();
    if let Some(entries) = item.entries() {
        if entries
            .iter()
            .any(|e| layout::is_merged(e) && without.iter().any(|f| *f == e.key))
        {
            return None;
        }
        // (The container holds the item's own fields: merged ones are written in their
        // template, and a merged field's span there ran backwards from the item's.)
        let fields = Container::of_map(file, item);
        let flags: Vec<bool> = entries
            .iter()
            .filter(|e| !layout::is_merged(e))
            .map(|e| without.iter().any(|f| *f == e.key))
            .collect();
        left_out = removal_edits(source, &fields, &flags);
    }
    // Anchors inside: the copy must not define them again (one in a field left out goes
    // with it).
    for anchor in &file.anchors {
        let (a, b) = (anchor.token.start as usize, anchor.token.end as usize);
        let gone = left_out
            .iter()
            .any(|e| e.range.start <= a && b <= e.range.end);
        if start <= a && b <= end && !gone {
            let spaces = source.text[b..end].len()
                - source.text[b..end].trim_start_matches([' ', '\t']).len();
            edits.push(Edit::delete(a..b + spaces));
        }
    }
    edits.extend(left_out);
    let edits = edit::normalize(edits).ok()?;
    // A dropped last field may take the rest of its line (a comment, the line ending)
    // after the setting: that is not part of the copy's text.
    let ignorable = |range: Range<usize>| {
        source.text[range]
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    };
    let mut shifted = Vec::new();
    for e in edits {
        let (a, b) = (e.range.start.max(start), e.range.end.min(end));
        if (e.range.start < start && !ignorable(e.range.start..start))
            || (e.range.end > end && !ignorable(end..e.range.end))
        {
            return None;
        }
        shifted.push(Edit::replace(a - start..b.max(a) - start, e.content));
    }
    // A dropped last field leaves the line break before it, and maybe comment lines that
    // stood before it: the copy ends with its content.
    let mut text = edit::apply(&source.text[start..end], &shifted);
    loop {
        let trimmed = text.trim_end();
        let last = trimmed.rfind('\n').map_or(0, |i| i + 1);
        if last > 0 && trimmed[last..].trim_start().starts_with('#') {
            text.truncate(last);
        } else {
            text.truncate(trimmed.len());
            break;
        }
    }
    // A dropped first field on a line of its own (an item below a lone `-`) leaves the next
    // line's indentation first: the copy is placed at the setting's own.
    let indent = text.len() - text.trim_start_matches([' ', '\t']).len();
    text.drain(..indent);
    Some(text)
}
