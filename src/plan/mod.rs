//! Plan: turn located references and a mapping into the edits for one file.
//!
//! Two modes share one planner. **Replace** (the cutover) rewrites each mapped reference to
//! its target, in the old value's style; in a list where that makes two items equal the
//! later one goes, and of a setting and its copy for the new account one goes. **Add** (the
//! transition, while old and new accounts both exist) puts the new value beside the old
//! one: into lists, by widening a single value to a list, by copying settings; it leaves
//! single-valued references for the cutover.
//!
//! The modes decide *what* changes, per use of a value (`replace`, `add`, `settings`), and
//! say so only through the operations of [`Planner`]: rewrite a string, rewrite inside a
//! string, widen a string to a list, insert into a list, drop from a list, copy a setting.
//! Each operation records what the data at its place becomes and the change for the
//! summary together. `realize` then decides *where* the text changes — once where a YAML
//! anchor is written when every use of it wants the same, or at a single use's own alias
//! — and derives the edits and what the edited text must read as from the same operations.
//! Finally the edited text is re-parsed and compared with that (see `verify`): a plan that
//! would change anything else is refused, and nothing is written.

mod add;
mod realize;
mod replace;
mod settings;
mod shared;

use std::borrow::Cow;
use std::cell::RefCell;
use std::ops::Range;
use std::sync::Arc;

use crate::address;
use crate::diagnostic::{Diagnostic, Error};
use crate::edit::{self, Edit};
use crate::fast_hash::FastMap;
use crate::load::{File, Format, sieve};
use crate::locate::{Located, Reference};
use crate::mapping::{EntryId, Mapping};
use crate::node::{Node, Span, Style};
use crate::path::Place;
use crate::profile::Kind;
use crate::source::Source;
use crate::text::{Interner, Text};
use crate::verify::Mismatch;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Move every reference to the new account (the cutover).
    #[default]
    Replace,
    /// Cover old and new accounts both (the transition).
    Add,
}

impl Mode {
    /// What this mode's plan reads of the values found in a file located in parts (see
    /// [`Keep`](crate::locate::Keep)): the lists that hold references, in either mode (an
    /// item equal to another goes, a new one goes in); in add mode also the strings,
    /// each of which it may widen to a list.
    pub fn reads(self) -> crate::locate::Keep {
        match self {
            Mode::Replace => crate::locate::Keep::Lists,
            Mode::Add => crate::locate::Keep::All,
        }
    }
}

/// What happened to one reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Its value was replaced by the target.
    Rewritten,
    /// It was dropped from a list that holds its value already.
    Removed,
    /// It was dropped with the setting holding it: another setting for the new account
    /// stays (the new account's own, or the original of a copy).
    Superseded,
    /// The target was added beside it (add mode).
    Added,
    /// The setting holding it was copied for the target (add mode).
    Copied,
    /// It holds one value only and stays as it is until the cutover (add mode).
    Kept,
}

#[derive(Clone, Debug)]
pub struct Change {
    /// Index into `Located::references` (`u32`: a plan holds hundreds of thousands).
    pub reference: u32,
    pub entry: EntryId,
    pub action: Action,
    /// Where a report about it points: the reference's site, or the address inside a
    /// longer text.
    pub site: Span,
}

#[derive(Debug)]
pub struct FilePlan {
    pub edits: Vec<Edit>,
    pub changes: Vec<Change>,
}

impl FilePlan {
    /// The file's text after the edits (built when it is written, not for a patch).
    pub fn new_text(&self, source: &Source) -> String {
        edit::apply(&source.text, &self.edits)
    }

    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }
}

pub fn plan(
    file: &File,
    located: &Located,
    mapping: &Mapping,
    mode: Mode,
) -> Result<FilePlan, Error> {
    let mut planner = Planner {
        file,
        located,
        mapping,
        // One op and one change a reference, about: room for them from the start (the
        // vectors doubling on a large export copied megabytes, and room never written to is
        // never faulted in).
        ops: Vec::with_capacity(located.references.len()),
        changes: Vec::with_capacity(located.references.len()),
        done: vec![false; located.references.len()],
        // Room for each new value, written and as is, in a style or two.
        texts: Interner::with_slots(4 * (mapping.accounts.len() + mapping.addresses.len())),
        targets: Default::default(),
        new_texts: FastMap::default(),
    };
    if mode == Mode::Add {
        settings::copyable(&planner)?;
    }
    settings::plan(&mut planner, mode);
    match mode {
        Mode::Replace => replace::plan(&mut planner),
        Mode::Add => add::plan(&mut planner),
    }
    planner.finish()
}

/// One logical change at one place: what the data there becomes. (A plan holds one for
/// each rewritten reference, tens of thousands: the rare variants' payloads are boxed, and
/// a rewrite names its reference rather than holding a copy of its place.)
#[derive(Debug)]
enum Op {
    /// The string of reference `reference` (written at `span` in `style`) becomes `new`;
    /// `parts`, when given, are the pieces of its text to replace instead of writing it
    /// anew (addresses inside a longer text).
    Set {
        reference: u32,
        span: Span,
        style: Style,
        new: Text,
        parts: Option<Pieces>,
    },
    /// The string at `at` becomes the list of itself and `add`.
    Widen {
        at: Place,
        span: Span,
        style: Style,
        add: Text,
    },
    /// `value` goes into the list at `list`, right after its item `after`.
    Insert {
        list: Place,
        after: usize,
        value: Box<Node>,
        text: Insertion,
    },
    /// Item `item` of the list at `list` goes.
    Drop { list: Place, item: usize },
}

/// Pieces of a string's text (ranges within its token), each with what it becomes.
type Pieces = Box<[(Range<usize>, Text)]>;

/// How an inserted value is written.
#[derive(Debug)]
enum Insertion {
    /// A string, in the style of its neighbour.
    Scalar(Style),
    /// A copy of the setting at item `after`, from its own text (see [`SettingCopy`]).
    Copy(Box<SettingCopy>),
}

/// How a copy of a setting is written: the references in `inside` rewritten, the fields
/// `without` left out.
#[derive(Debug)]
struct SettingCopy {
    inside: Vec<usize>,
    without: Vec<String>,
}

/// What a whole value maps to: its mapping entry and new value (see `Planner::target`).
type Target<'a> = Option<(EntryId, &'a str)>;

/// The state shared by the steps of one file's plan.
struct Planner<'a> {
    file: &'a File,
    located: &'a Located,
    mapping: &'a Mapping,
    ops: Vec<Op>,
    changes: Vec<Change>,
    /// References already dealt with (inside a setting copied or dropped as a whole).
    done: Vec<bool>,
    /// New values and edit contents, shared: each is written many times.
    texts: Interner,
    /// What each value a reference holds maps to, by kind and by the value's shared copy
    /// (see `Reference::value`): a large export names each account thousands of times,
    /// and a mapping lookup hashes and compares the whole value, where this hashes its
    /// address. Two copies of one value are looked up once each.
    targets: RefCell<FastMap<(Kind, usize), Target<'a>>>,
    /// The shared text of each new value of the mapping, by where it is stored (see
    /// `targets`; it lives as long as the plan, so no other text is ever stored there).
    new_texts: FastMap<(usize, usize), Text>,
}

impl<'a> Planner<'a> {
    fn source(&self) -> &'a Source {
        &self.file.source
    }

    fn reference(&self, index: usize) -> &'a Reference {
        &self.located.references[index]
    }

    /// Where a reference stands.
    fn place(&self, index: usize) -> Place {
        let reference = self.reference(index);
        Place::new(reference.doc(), self.located.path(reference))
    }

    /// The mapping entry and new value for a whole-value reference.
    fn target(&self, reference: &Reference) -> Target<'a> {
        match reference.kind {
            Kind::AddressInText => None,
            kind => *self
                .targets
                .borrow_mut()
                .entry((kind, Arc::as_ptr(&reference.value).cast::<u8>() as usize))
                .or_insert_with(|| self.mapping.lookup(kind, &reference.value)),
        }
    }

    fn node(&self, place: &Place) -> Option<&'a Node> {
        self.file.node(place.doc as usize, &place.path)
    }

    /// Whether the single string at reference `index` may become a list of the old and
    /// the new value: anywhere in JSON and YAML (the profile's `add: list` says the app
    /// takes one), and in a Sieve script only where Sieve takes a string list (a test's
    /// `keys`, not a `redirect` address).
    fn may_widen(&self, index: usize) -> bool {
        let reference = self.reference(index);
        if self.file.format != crate::load::Format::Sieve {
            return true;
        }
        let path = self.located.path(reference);
        let last = path.len().saturating_sub(1);
        match (self.named(reference.doc(), path, last), last.checked_sub(1)) {
            (Some(tag), Some(up)) if self.named(reference.doc(), path, up) == Some("tags") => {
                crate::load::sieve::takes_string_list(tag, true)
            }
            (Some(argument), _) => crate::load::sieve::takes_string_list(argument, false),
            // (An item of an unknown command's `arguments`: whether it takes a list is
            // unknown.)
            (None, _) => false,
        }
    }

    /// Whether items may be added to the list at `list`: in a Sieve script, a string list
    /// may take more strings, but a command's `arguments` (its arguments, when cutover
    /// does not know the command) would take another argument.
    fn may_extend(&self, list: &Place) -> bool {
        self.file.format != crate::load::Format::Sieve
            || self.named(
                list.doc as usize,
                &list.path,
                list.path.len().saturating_sub(1),
            ) != Some("arguments")
    }

    /// The key of step `at` of `path` in document `doc`, when that step is a mapping's
    /// entry.
    fn named(&self, doc: usize, path: &[u32], at: usize) -> Option<&'a str> {
        let (&position, parent) = path.get(..=at)?.split_last()?;
        let entries = self.file.node(doc, parent)?.entries()?;
        Some(entries.get(position as usize)?.key.as_str())
    }

    /// Plans every reference not dealt with yet: `each` sees them in turn and returns
    /// true for one that is planned together with the rest of its list; `list` then sees
    /// each such list's members at once.
    fn each_reference(
        &mut self,
        mut each: impl FnMut(&mut Self, usize) -> bool,
        mut list: impl FnMut(&mut Self, usize, &[usize]),
    ) {
        // (list, reference) pairs, grouped by list below: one flat vector rather than a
        // vector per list, which on a large export is a hundred thousand small allocations.
        let mut in_lists: Vec<(u32, u32)> = Vec::new();
        for index in 0..self.located.references.len() {
            if !self.done[index]
                && each(self, index)
                && let Some((list, _)) = self.reference(index).list()
            {
                in_lists.push((list as u32, index as u32));
            }
        }
        // Stable: each list's members stay in reference order.
        in_lists.sort_by_key(|&(list, _)| list);
        let mut members = Vec::new();
        for group in in_lists.chunk_by(|a, b| a.0 == b.0) {
            members.clear();
            members.extend(group.iter().map(|&(_, index)| index as usize));
            list(self, group[0].0 as usize, &members);
        }
    }

    fn change(&mut self, reference: usize, entry: EntryId, action: Action) {
        let site = self.reference(reference).site;
        self.changes.push(Change {
            reference: reference as u32,
            entry,
            action,
            site,
        });
    }

    /// Changes to one reference, each pointed at its own place (an address inside a text).
    fn changes_at(&mut self, index: usize, action: Action, changes: &[(EntryId, Span)]) {
        for &(entry, site) in changes {
            self.change(index, entry, action);
            self.changes.last_mut().expect("just pushed").site = site;
        }
    }

    /// The string a whole-value reference's string becomes with `new`: `new`, but for a
    /// Sieve string that holds an address inside white space or a display name (`text:`
    /// and its line break, `Info <info@old.example>`), that string with its address
    /// replaced.
    fn whole<'n>(&self, index: usize, new: &'n str) -> Cow<'n, str> {
        let reference = self.reference(index);
        if reference.kind == Kind::Address
            && is_sieve(reference.style)
            && let Some(old) = self.node(&self.place(index)).and_then(Node::str)
        {
            let range = sieve::address_range(old);
            if range.len() != old.len() {
                return Cow::Owned(format!("{}{new}{}", &old[..range.start], &old[range.end..]));
            }
        }
        Cow::Borrowed(new)
    }

    /// Whether the reference is a key of a Sieve `:matches` test, where an address written
    /// in must have its wildcards escaped.
    fn in_pattern(&self, index: usize) -> bool {
        let reference = self.reference(index);
        self.file.format == Format::Sieve
            && self
                .file
                .docs()
                .get(reference.doc())
                .is_some_and(|doc| sieve::in_matches_test(doc, self.located.path(reference)))
    }

    /// What the string at a reference becomes with its mapped values replaced, and where
    /// each of them is; `None` when it holds none.
    fn replacement(&self, index: usize) -> Option<Replacement<'a>> {
        let reference = self.reference(index);
        if let Some((entry, new)) = self.target(reference) {
            return Some(Replacement {
                value: self.whole(index, new),
                changes: Found::One([(entry, reference.site)]),
                target: Some((entry, new)),
            });
        }
        if reference.kind != Kind::AddressInText {
            return None;
        }
        let found = address::find(&reference.value, self.mapping);
        if found.is_empty() {
            return None;
        }
        let pattern = self.in_pattern(index);
        let edits: Vec<Edit> = found
            .iter()
            .map(|(range, _, new)| Edit::replace(range.clone(), &*literal(new, pattern)))
            .collect();
        // Each address is pointed at where it is written; one spelled with escapes or
        // encoded characters (found in the value only), at its string.
        let (start, written) = reference.written(self.source());
        let from = start - reference.span.start as usize;
        let mut spelled = address::find(written, self.mapping);
        let changes = found
            .iter()
            .map(|&(_, entry, _)| {
                let at = spelled.iter().position(|(_, e, _)| *e == entry);
                let site = match at.map(|i| spelled.remove(i).0) {
                    Some(range) => within(reference, from + range.start..from + range.end),
                    None => reference.site,
                };
                (entry, site)
            })
            .collect();
        Some(Replacement {
            value: Cow::Owned(edit::apply(&reference.value, &edits)),
            changes: Found::Many(changes),
            target: None,
        })
    }

    // The operations: every change a mode plans goes through one of these.

    /// The string at a reference becomes `new`: all of it, or, for a Sieve string that holds
    /// an address inside white space or a display name, that address (only it is written
    /// anew, where it stands, when it is written as it reads).
    fn rewrite(&mut self, index: usize, new: &'a str, entry: EntryId) {
        let reference = self.reference(index);
        let whole = self.whole(index, new);
        let parts = (reference.site != reference.span
            && is_sieve(reference.style)
            && sieve::writes_as_is(new, reference.style))
        .then(|| {
            let start = reference.span.start;
            Box::from([(
                (reference.site.start - start) as usize..(reference.site.end - start) as usize,
                self.texts.text(new),
            )])
        });
        let new = match whole {
            Cow::Borrowed(new) => self
                .new_texts
                .entry((new.as_ptr() as usize, new.len()))
                .or_insert_with(|| self.texts.text(new))
                .clone(),
            Cow::Owned(whole) => self.texts.text(&whole),
        };
        self.ops.push(Op::Set {
            reference: index as u32,
            span: reference.span,
            style: reference.style,
            new,
            parts,
        });
        self.change(index, entry, Action::Rewritten);
    }

    /// The mapped addresses inside the string at a reference are replaced: where they
    /// stand when each is written as it reads and its new address can be written there as
    /// it reads; else (escapes, Sieve's encoded characters, a new address a Sieve string
    /// must escape) the whole string is written anew, in its style.
    fn rewrite_in_text(&mut self, index: usize, replacement: &Replacement) {
        let reference = self.reference(index);
        let (start, written) = reference.written(self.source());
        let from = start - reference.span.start as usize;
        let pattern = self.in_pattern(index);
        let mut parts = Vec::new();
        let mut as_is = address::verbatim(written, &reference.value, self.mapping);
        for (range, _, address) in address::find(written, self.mapping).into_iter() {
            let piece = literal(address, pattern);
            as_is &= !is_sieve(reference.style) || sieve::writes_as_is(&piece, reference.style);
            parts.push((
                from + range.start..from + range.end,
                self.texts.text(&piece),
            ));
        }
        self.ops.push(Op::Set {
            reference: index as u32,
            span: reference.span,
            style: reference.style,
            new: self.texts.text(&replacement.value),
            parts: as_is.then(|| parts.into()),
        });
        self.changes_at(index, Action::Rewritten, &replacement.changes);
    }

    /// Rewrites the mapped values of the string at a reference, whatever its kind.
    fn rewrite_reference(&mut self, index: usize) {
        if let Some(replacement) = self.replacement(index) {
            self.rewrite_as(index, &replacement);
        }
    }

    /// Rewrites the string at a reference to what [`Planner::replacement`] found it becomes.
    fn rewrite_as(&mut self, index: usize, replacement: &Replacement<'a>) {
        match replacement.target {
            Some((entry, new)) => self.rewrite(index, new, entry),
            None => self.rewrite_in_text(index, replacement),
        }
    }

    /// The single string at a reference becomes the list of itself and what it becomes
    /// with its mapped values replaced.
    fn widen(&mut self, index: usize, replacement: &Replacement) {
        let reference = self.reference(index);
        let add = self.texts.text(&replacement.value);
        self.ops.push(Op::Widen {
            at: self.place(index),
            span: reference.span,
            style: reference.style,
            add,
        });
        self.changes_at(index, Action::Added, &replacement.changes);
    }

    /// What the string at reference `index` becomes goes right after item `after` of the
    /// list at `list`, written in `style`.
    fn insert_item(
        &mut self,
        list: Place,
        after: usize,
        style: Style,
        index: usize,
        replacement: &Replacement,
    ) {
        self.ops.push(Op::Insert {
            list,
            after,
            value: Box::new(Node::from(replacement.value.as_ref())),
            text: Insertion::Scalar(style),
        });
        self.changes_at(index, Action::Added, &replacement.changes);
    }

    /// Item `item` of the list at `list` goes; the changes (`action`: the item dropped, or
    /// the setting superseded) are recorded for the references it held.
    fn drop_item(
        &mut self,
        list: Place,
        item: usize,
        action: Action,
        changes: &[(usize, EntryId)],
    ) {
        self.ops.push(Op::Drop { list, item });
        for &(index, entry) in changes {
            self.change(index, entry, action);
        }
    }

    /// A copy of the setting at item `item` of the list at `list`, reading as `copy`, goes
    /// right after it: its own text with the references `inside` rewritten and the fields
    /// `without` left out.
    fn copy_setting(
        &mut self,
        list: Place,
        item: usize,
        copy: Node,
        inside: Vec<usize>,
        without: Vec<String>,
        changes: &[(usize, EntryId)],
    ) {
        self.ops.push(Op::Insert {
            list,
            after: item,
            value: Box::new(copy),
            text: Insertion::Copy(Box::new(SettingCopy { inside, without })),
        });
        for &(index, entry) in changes {
            self.change(index, entry, Action::Copied);
        }
    }

    /// Realizes the plan and proves it. Where the proof finds a use whose value differs from
    /// the plan (a shape of shared text the realization did not foresee), that use gets its
    /// own value written out and the plan is realized again: the result is always proven,
    /// and the text stays shared wherever that serves every use.
    fn finish(self) -> Result<FilePlan, Error> {
        /// More repairs than any file needs: past this, the plan is refused.
        const MOST_REPAIRS: usize = 64;
        let source = self.source();
        let mut repairs: Vec<Place> = Vec::new();
        let edits = loop {
            let (edits, expected) = realize::realize(&self, &repairs)?;
            let edits = edit::normalize(edits).map_err(|(a, b)| {
                internal(
                    source,
                    a.range.start,
                    format!("two edits overlap ({:?} and {:?})", a.range, b.range),
                )
            })?;
            if edits.is_empty() {
                break edits;
            }
            match crate::verify::verify(self.file, &edits, expected) {
                Ok(()) => break edits,
                Err(Mismatch {
                    place: Some(place), ..
                }) if !repairs.contains(&place) && repairs.len() < MOST_REPAIRS => {
                    repairs.push(place)
                }
                Err(m) => return Err(internal(source, m.at, m.why)),
            }
        };
        let mut changes = self.changes;
        // Keys looked up once, not at every comparison (each is a read far into memory).
        changes.sort_by_cached_key(|c| {
            (
                self.located.references[c.reference as usize].site,
                c.reference,
            )
        });
        Ok(FilePlan { edits, changes })
    }
}

/// What a reference's string becomes with its mapped values replaced.
struct Replacement<'a> {
    value: Cow<'a, str>,
    /// Each mapped value's entry, and where a report about it points.
    changes: Found,
    /// For a whole value, its mapping entry and the new value.
    target: Option<(EntryId, &'a str)>,
}

/// The mapped values of one string: one for a whole value, without an allocation (a large
/// export has hundreds of thousands), or those inside a text.
enum Found {
    One([(EntryId, Span); 1]),
    Many(Vec<(EntryId, Span)>),
}

impl std::ops::Deref for Found {
    type Target = [(EntryId, Span)];

    fn deref(&self) -> &Self::Target {
        match self {
            Found::One(one) => one,
            Found::Many(many) => many,
        }
    }
}

fn is_sieve(style: Style) -> bool {
    matches!(style, Style::SieveQuoted { .. } | Style::SieveText { .. })
}

/// A new address as written into a string: inside a Sieve `:matches` key, with its
/// wildcards escaped so that it matches only itself.
fn literal(address: &str, pattern: bool) -> Cow<'_, str> {
    if pattern {
        sieve::matches_literal(address)
    } else {
        Cow::Borrowed(address)
    }
}

/// Where an address found at `range` of a reference's text stands: there, when the text is
/// written where the reference stands; else (through an alias) the reference's site.
fn within(reference: &Reference, range: Range<usize>) -> Span {
    if reference.site == reference.span {
        let start = reference.span.start as usize;
        Span::new(start + range.start, start + range.end)
    } else {
        reference.site
    }
}

fn internal(source: &Source, at: usize, why: String) -> Error {
    Diagnostic::at(
        source,
        Span::new(at, at),
        format!(
            "refusing to edit this file: the planned edit would not give the expected data ({why}); \
             nothing was written. Please report this with the file."
        ),
    )
    .into()
}

#[cfg(test)]
mod tests;
