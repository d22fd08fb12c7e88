//! Locate: run a profile's selectors over a loaded file and collect the references.
//!
//! A [`Reference`] is one string the profile says holds an account or an address: its value,
//! the span to edit, the site to report (the alias, when reached through one), the list it
//! is an element of (replace mode may drop it from there) and the setting that holds it.

use std::sync::Arc;

use crate::fast_hash::FastMap;

use crate::diagnostic::{Diagnostic, Error};
use crate::load::File;
use crate::load::json::Mask;
use crate::mapping::Mapping;
use crate::node::{Node, Span, Style, Value};
use crate::path::Path;
use crate::profile::{AddRule, Kind, Profile};
use crate::select::Selection;
use jsonpath_rust::parser::model::JpQuery;

/// Its indexes are stored as `u32` (read them through the methods): an export holds
/// hundreds of thousands of references, and this keeps each one at 64 bytes.
#[derive(Clone, Debug)]
pub struct Reference {
    doc: u32,
    /// Where its path stands in `Located::positions` (read it with `Located::path`).
    path: (u32, u32),
    pub kind: Kind,
    /// Shared by every reference to the same account or address (a large export names
    /// each one thousands of times).
    pub value: Arc<str>,
    /// The text to rewrite.
    pub span: Span,
    /// Where to point when reporting it.
    pub site: Span,
    pub style: Style,
    list: Option<(Index, u32)>,
    holder: Option<Index>,
    /// Index of the profile selector that found it.
    selector: u32,
    pub add: AddRule,
}

impl Reference {
    /// Whether a mapped address of this reference is spelled with Sieve encoded characters
    /// (`${hex:40}` for `@`): the whole value spelled so, or an address inside text that is
    /// not written as it reads. cutover then writes the changed string in plain text.
    pub fn spelled_encoded(
        &self,
        source: &crate::source::Source,
        mapping: Option<&Mapping>,
    ) -> bool {
        let raw = &source.text[self.span.range()];
        crate::load::sieve::spelled_encoded(raw, self.style)
            && match self.kind {
                Kind::AddressInText => mapping.is_some_and(|m| {
                    !crate::address::verbatim(self.written(source).1, &self.value, m)
                }),
                Kind::Account | Kind::Address => true,
            }
    }

    /// The text that spells the value and where it starts in the file: the whole token
    /// (quotes and escapes included), or a Sieve `text:` string's lines.
    pub fn written<'s>(&self, source: &'s crate::source::Source) -> (usize, &'s str) {
        let raw = &source.text[self.span.range()];
        let range = crate::load::sieve::value_range(raw, self.style);
        (self.span.start as usize + range.start, &raw[range])
    }

    /// Which document of its file it stands in.
    pub fn doc(&self) -> usize {
        self.doc as usize
    }

    /// The list holding this reference (an index into `Located::lists`), and its position
    /// there.
    pub fn list(&self) -> Option<(usize, usize)> {
        self.list.map(|(list, at)| (list.get(), at as usize))
    }

    /// The innermost setting around it (an index into `Located::holders`).
    pub fn holder(&self) -> Option<usize> {
        self.holder.map(Index::get)
    }

    /// The profile selector that found it (an index into `Profile::references`).
    pub fn selector(&self) -> usize {
        self.selector as usize
    }
}

/// An index into one of `Located`'s vectors in four bytes, with "none" free beside it in an
/// `Option` (it keeps the index plus one): two of them in each reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Index(std::num::NonZeroU32);

impl Index {
    fn new(index: usize) -> Index {
        // (Every count fits in `u32`: files over 4 GiB are refused.)
        Index(std::num::NonZeroU32::MIN.saturating_add(index as u32))
    }

    fn get(self) -> usize {
        self.0.get() as usize - 1
    }
}

/// A list some reference is an element of.
#[derive(Clone, Debug)]
pub struct List {
    pub doc: usize,
    /// How many items it has.
    pub len: usize,
    /// One of its references (an index into `Located::references`): the list's path is
    /// that reference's path without its last step, so it is not stored twice.
    member: usize,
}

/// A setting that holds references: a rule, an alias, a sharing entry.
#[derive(Clone, Debug)]
pub struct Holder {
    pub doc: usize,
    pub path: Path,
    /// What every setting of its group shares.
    group: Arc<Group>,
    /// The setting's name for people, e.g. `rule "01. Support triage"`.
    pub label: Box<str>,
    /// Its text, when written where it stands (not reached through a YAML alias): what
    /// a patch hunk inside it is named by.
    pub extent: Option<Span>,
}

/// A group of settings as the profile describes it.
#[derive(Debug)]
struct Group {
    /// e.g. `rules`.
    name: String,
    /// Fields that identify a setting, and fields a copy leaves out (see the profile).
    identity: Vec<String>,
    copy_without: Vec<String>,
}

impl Holder {
    /// The group, e.g. `rules`.
    pub fn group(&self) -> &str {
        &self.group.name
    }

    /// Fields that identify the setting (none: all of its data does).
    pub fn identity(&self) -> &[String] {
        &self.group.identity
    }

    /// Fields a copy of the setting leaves out.
    pub fn copy_without(&self) -> &[String] {
        &self.group.copy_without
    }
}

/// A declared account or address.
#[derive(Clone, Debug)]
pub struct Declaration {
    pub kind: Kind,
    pub value: String,
    pub span: Span,
}

#[derive(Default)]
pub struct Located {
    pub references: Vec<Reference>,
    /// The positions of every reference's path, one after the other: a vector each would
    /// be hundreds of thousands of allocations on a large export.
    positions: Vec<u32>,
    pub lists: Vec<List>,
    pub holders: Vec<Holder>,
    pub declarations: Vec<Declaration>,
    /// Holders by document and path: the holders around a value are found from the
    /// prefixes of its path, without walking the tree.
    holder_index: Vec<FastMap<Path, usize>>,
    /// The deepest holder's path length: no holder stands below it.
    holder_depth: usize,
}

/// Shown by what it holds, not by how it is stored: each reference with its path (not
/// where the path stands in `positions`), and the holders' index in path order. A file
/// located whole and one located in parts store these in different orders, and must show
/// the same (see `tests/differential.rs`).
impl std::fmt::Debug for Located {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let references: Vec<_> = self
            .references
            .iter()
            .map(|r| {
                let stored = Reference {
                    path: (0, 0),
                    ..r.clone()
                };
                (self.path(r), stored)
            })
            .collect();
        let holder_index: Vec<std::collections::BTreeMap<&Path, &usize>> = self
            .holder_index
            .iter()
            .map(|index| index.iter().collect())
            .collect();
        f.debug_struct("Located")
            .field("references", &references)
            .field("lists", &self.lists)
            .field("holders", &self.holders)
            .field("declarations", &self.declarations)
            .field("holder_index", &holder_index)
            .field("holder_depth", &self.holder_depth)
            .finish()
    }
}

impl Located {
    /// The innermost holder around the value at `path` of document `doc`.
    pub fn holder_around(&self, doc: usize, path: &[u32]) -> Option<usize> {
        self.holders_around(doc, path).next()
    }

    /// Every holder around the value at `path`, innermost first.
    pub fn holders_around(&self, doc: usize, path: &[u32]) -> impl Iterator<Item = usize> {
        let index = self.holder_index.get(doc);
        (0..=path.len().min(self.holder_depth))
            .rev()
            .filter_map(move |depth| index?.get(&path[..depth]).copied())
    }

    /// Where a reference stands in its document (see [`Path`]).
    pub fn path(&self, reference: &Reference) -> &[u32] {
        let (start, len) = reference.path;
        &self.positions[start as usize..(start + len) as usize]
    }

    /// Where a list stands in its document.
    pub fn list_path(&self, list: &List) -> Option<&[u32]> {
        let (_, parent) = self.path(self.references.get(list.member)?).split_last()?;
        Some(parent)
    }

    pub fn holder(&self, reference: &Reference) -> Option<&Holder> {
        reference.holder().map(|h| &self.holders[h])
    }

    /// The summary group of a reference: its holder's group, or `other`.
    pub fn group(&self, reference: &Reference) -> &str {
        self.holder(reference).map_or("other", Holder::group)
    }
}

/// Which of the values its selectors found a file located in parts keeps for its plan
/// (see `load::Parts`). A value not kept is read from the whole tree, built when a step
/// asks for one: keeping more than the plan reads costs memory and time (a path and a node
/// a value), keeping less only time. `plan::Mode::reads` says what each mode reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// None: no plan is made (`check` without a transition).
    Nothing,
    /// The lists that hold references.
    Lists,
    /// Every value found.
    All,
}

impl Keep {
    fn keeps(self, node: &Node) -> bool {
        match self {
            Keep::Nothing => false,
            Keep::Lists => matches!(node.value(), Value::List(..)),
            Keep::All => true,
        }
    }
}

/// Documents larger than this run their selectors in parallel.
const PARALLEL_FROM: usize = 1 << 20;

pub fn locate(file: &File, profile: &Profile) -> Result<Located, Error> {
    let mut assembly = Assembly::default();
    for (doc_index, doc) in file.docs().iter().enumerate() {
        if let Some(version) = profile.export_schema_version
            && let Err(d) = check_schema_version(file, doc, version, &profile.name)
        {
            assembly.errors.push(d);
            continue;
        }
        // Every selector of the profile, run at once: on a large document, on every core.
        let queries = profile.queries();
        let run = |query: &&JpQuery| crate::select::select(query, doc);
        // (By the document's size, not the file's: a file of 50,000 small documents
        // started two threads for each.)
        let size = (doc.span.end - doc.span.start) as usize;
        let results: Vec<_> = if size > PARALLEL_FROM {
            crate::parallel::map(&queries, run)
        } else {
            queries.iter().map(run).collect()
        };
        // A single entry where the profile expects a list of them: the selectors find
        // nothing in it, and every reference it holds would go unseen.
        let mut misshapen: Vec<_> = results.iter().flat_map(|s| &s.misshapen).collect();
        misshapen.sort_by_key(|(_, node)| node.span);
        misshapen.dedup_by_key(|(_, node)| node.span);
        for (path, node) in misshapen {
            let place = match path.is_empty() {
                true => "the document".to_owned(),
                false => format!("`{}`", doc.path_text(path)),
            };
            let how = match file.format {
                crate::load::Format::Yaml => "`- ` before its first key",
                _ => "inside `[ ]`",
            };
            let (is, expected, write) = match node.value() {
                // (One entry in a list of its own, a list of entries nested in another, or
                // grouped in a mapping under names: the entries go where the list stands.)
                Value::List(..) => (
                    "a list",
                    "one entry",
                    "as the entries it holds, in its place (or give the profile a selector \
                     that reads them there)"
                        .to_owned(),
                ),
                _ => (
                    "a single mapping",
                    "a list of entries",
                    format!("as a list ({how})"),
                ),
            };
            assembly.errors.push(Diagnostic::at(
                &file.source,
                Span::new(node.span.start as usize, node.span.start as usize),
                format!(
                    "{place} is {is} where the profile `{}` expects {expected}, so nothing in \
                     it would be found; write it {write}",
                    profile.name
                ),
            ));
        }
        // Room for every holder and reference at once: growing the vectors as they fill
        // would copy them over and over on a large export.
        let (holders, rest) = results.split_at(profile.holders.len().min(results.len()));
        let room = rest
            .iter()
            .take(profile.references.len())
            .flat_map(Selection::iter)
            .map(|(path, node)| Room::of(path, node))
            .fold(Room::default(), Room::add);
        assembly.reserve(holders.iter().map(Selection::len).sum(), room);
        let mut results = results.into_iter();
        for holder in &profile.holders {
            let group = Group::of(holder);
            for (path, node) in results.next().unwrap_or_default().iter() {
                assembly.holder(
                    doc_index,
                    &group,
                    path,
                    fill_label(&holder.label, node, &file.source).into(),
                    setting_extent(file, node),
                );
            }
        }
        let describe = |path: &[u32]| doc.path_text(path);
        for (selector_index, selector) in profile.references.iter().enumerate() {
            for (path, node) in results.next().unwrap_or_default().iter() {
                // A list's items are references, the list their parent; a single value's
                // parent is found from the root (when it is a list, the value is an item).
                let parent = ListInfo::around(doc, path, node);
                assembly.reference(
                    &file.source,
                    (doc_index, selector_index, selector),
                    path,
                    node,
                    parent,
                    &describe,
                );
            }
        }
        for (_, kind) in &profile.declarations {
            for (_, node) in results.next().unwrap_or_default().iter() {
                assembly.declaration(*kind, node);
            }
        }
    }
    assembly.finish(file, profile)
}

/// The error for a value two selectors find as different kinds: it is one reference, the
/// first selector's, so the other kind's mapping would never be looked up for it (an old
/// account in a field read as text would pass the gate).
fn conflict(
    file: &File,
    profile: &Profile,
    site: Span,
    (first, second): (u32, u32),
    values: usize,
) -> Diagnostic {
    let selector = |i: u32| {
        let s = &profile.references[i as usize];
        format!("`{}` ({})", s.path, s.kind.as_str())
    };
    let more = match values {
        1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    };
    Diagnostic::at(
        &file.source,
        site,
        format!(
            "two selectors of the profile `{}` find this value{more} as different kinds, {} \
             and {}; a value is one kind, and the other's would never be looked for: make \
             the selectors exclusive (a filter on one of them, say)",
            profile.name,
            selector(first),
            selector(second)
        ),
    )
}

/// The root keys whose lists a JSON export can be located in, item by item, with this
/// profile: every selector starts with a single name (and reads no root in its filters),
/// and every selector into such a key's list takes each of its items (`$.rules[*]...`)
/// and goes below them when it selects references. A key whose list a plan reads whole is
/// never one: declarations (`accounts`) and settings moved as a whole (`add: copy`).
fn streamed_keys(profile: &Profile) -> Vec<&str> {
    use jsonpath_rust::parser::model::{Segment, Selector as Sel};
    let first = first_name;
    let each_item = |query: &JpQuery| {
        matches!(
            query.segments.get(1),
            Some(Segment::Selector(Sel::Wildcard))
        )
    };
    let all = profile
        .holders
        .iter()
        .map(|h| &h.query)
        .chain(profile.references.iter().map(|r| &r.query))
        .chain(profile.declarations.iter().map(|(q, _)| q));
    if all
        .clone()
        .any(|q| first(q).is_none() || crate::select::reads_root(&q.segments))
    {
        return Vec::new();
    }
    let mut keys: Vec<&str> = Vec::new();
    for query in all.clone() {
        if let Some(name) = first(query)
            && !keys.contains(&name)
        {
            keys.push(name);
        }
    }
    keys.retain(|&key| {
        let on = |q: &&JpQuery| first(q) == Some(key);
        all.clone().filter(on).all(each_item)
            && !profile.declarations.iter().map(|(q, _)| q).any(|q| on(&q))
            && !profile
                .references
                .iter()
                .any(|r| on(&&r.query) && (r.add == AddRule::Copy || r.query.segments.len() < 3))
    });
    keys
}

/// The name a query starts with (`rules` of `$.rules[*]`), when it starts with one.
fn first_name(query: &JpQuery) -> Option<&str> {
    use jsonpath_rust::parser::model::{Segment, Selector};
    match query.segments.first() {
        Some(Segment::Selector(Selector::Name(name))) => Some(name.as_str()),
        _ => None,
    }
}

/// What of a value the segments read, ending with `selected` for what they select: a name
/// reads that entry, a wildcard or an index every entry or item; any other segment (a
/// filter, a descendant, a slice, several selectors) reads the whole value.
fn mask_of(segments: &[jsonpath_rust::parser::model::Segment], selected: Mask) -> Mask {
    use jsonpath_rust::parser::model::{Segment, Selector};
    match segments.split_first() {
        None => selected,
        Some((Segment::Selector(Selector::Name(name)), rest)) => {
            Mask::key(name, mask_of(rest, selected))
        }
        Some((Segment::Selector(Selector::Wildcard | Selector::Index(_)), rest)) => {
            Mask::any(mask_of(rest, selected))
        }
        Some(_) => Mask::all(),
    }
}

/// The fields a holder's label reads (`{description|id}`), as `fill_label` finds them.
fn label_fields(template: &str) -> Vec<&str> {
    let mut fields = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        fields.extend(
            rest[open + 1..open + close]
                .split('|')
                .filter(|f| *f != "@line"),
        );
        rest = &rest[open + close + 1..];
    }
    fields
}

/// What every streamed list's selectors share.
struct ListFinds<'a> {
    queries: &'a [&'a JpQuery],
    file: &'a File,
    profile: &'a Profile,
    /// The group of each holder selector.
    groups: Vec<Arc<Group>>,
}

/// The selectors' finds in one streamed list (or the part of it one thread parsed),
/// assembled as each item is parsed, on the thread that parses it: what the items hold
/// becomes references, lists and holders there, and the item's tree is dropped.
struct Finds<'a> {
    of: &'a ListFinds<'a>,
    /// The root entry the list is the value of.
    entry: u32,
    /// The selectors that go into this list (indexes into `queries`).
    on: Vec<usize>,
    /// What of each item they read.
    mask: &'a Mask,
    /// Which of the values found the plan reads.
    keep: Keep,
    piece: Piece,
    /// A path's positions, built before it is handed to the assembly.
    path: Vec<u32>,
    /// What another thread found in the rest of the list, and the index of its first item.
    rest: Option<(Box<Finds<'a>>, u32)>,
    /// Set when a find cannot be assembled in parts (a single value whose parent is the
    /// streamed list itself: its length is known only at its end), when a mapping stands
    /// where a selector expects a list (see `Selection::misshapen`), and on any error (the
    /// whole parse words it).
    lost: bool,
}

/// A part of a file located on its own: a streamed list's items (or some of them), or the
/// rest of the root. `join` puts the pieces together.
#[derive(Default)]
struct Piece {
    assembly: Assembly,
    /// The holder selector of each of the assembly's holders: a whole file's holders are
    /// in selector order (then document order), and a piece finds them item by item.
    holder_selectors: Vec<u32>,
    /// The values the reference selectors found, by where each starts, for the plan (see
    /// `Parts`).
    found: Vec<(Path, Node)>,
    /// How far this piece's item indexes are from the list's (the second thread counts
    /// its items from 0).
    shift: u32,
}

impl Piece {
    /// A piece of a list in a text of `bytes` bytes, with room for what the whole text
    /// holds, about (one reference in 256 bytes; a large export has one in 300, and a
    /// denser one grows the vectors as they fill): the first piece's vectors take the
    /// others' in the end (see `join`), and for the values it keeps (a list holds a few
    /// references). Room is only reserved: what is never written to is never given memory.
    fn with_room(bytes: usize, keep: Keep) -> Piece {
        let mut piece = Piece::default();
        let references = bytes / 256;
        piece.assembly.reserve(
            references / 4,
            Room {
                references,
                steps: references * 7,
                lists: 0,
            },
        );
        // (Its index of lists stays a few entries: an item's lists are its own, and each
        // item's are forgotten once it is assembled; see `Finds::item`.)
        piece.assembly.located.lists.reserve(references / 4);
        piece.found.reserve(match keep {
            Keep::Nothing => 0,
            Keep::Lists => references / 4,
            Keep::All => references,
        });
        piece
    }
}

impl<'a> Finds<'a> {
    fn lost(&self) -> bool {
        self.lost || self.rest.as_ref().is_some_and(|(rest, _)| rest.lost())
    }

    /// The pieces, in document order, each with its items' indexes in the list.
    fn into_pieces(self, shift: u32, pieces: &mut Vec<Piece>) {
        let mut piece = self.piece;
        piece.shift = shift;
        pieces.push(piece);
        if let Some((rest, from)) = self.rest {
            rest.into_pieces(shift + from, pieces);
        }
    }
}

impl crate::load::json::Items for Finds<'_> {
    fn mask(&self) -> &Mask {
        self.mask
    }

    fn item(&mut self, index: u32, item: Node) {
        let ListFinds {
            queries,
            file,
            profile,
            ref groups,
        } = *self.of;
        let holders = profile.holders.len();
        let Finds {
            entry,
            on,
            piece,
            path: full,
            lost,
            keep,
            ..
        } = self;
        let references_before = piece.assembly.located.references.len();
        let found_before = piece.found.len();
        // (Selectors in profile order: an item's holders are known before its references.)
        for &q in on.iter() {
            // A list where the selector expects an entry: the whole parse words the error.
            if crate::select::item_list_for_entry(&queries[q].segments[2..], &item) {
                *lost = true;
                return;
            }
            let misshapen = crate::select::select_segments_each(
                &queries[q].segments[2..],
                &item,
                &mut |path, node| {
                    full.clear();
                    full.extend([*entry, index]);
                    full.extend(crate::path::positions(path));
                    if q < holders {
                        piece.assembly.holder(
                            0,
                            &groups[q],
                            full,
                            fill_label(&profile.holders[q].label, node, &file.source).into(),
                            setting_extent(file, node),
                        );
                        piece.holder_selectors.push(q as u32);
                        return;
                    }
                    let Some(selector) = profile.references.get(q - holders) else {
                        return;
                    };
                    let parent = match node.value() {
                        Value::List(..) => None,
                        _ => match path.split_last() {
                            None => {
                                *lost = true;
                                return;
                            }
                            Some((_, parent)) => crate::path::positions(parent)
                                .try_fold(&item, |node, at| node.child(at))
                                .and_then(ListInfo::of),
                        },
                    };
                    if keep.keeps(node) {
                        piece.found.push((Path::from(&full[..]), node.clone()));
                    }
                    // (Errors are worded by the whole parse: no path is described here.)
                    piece.assembly.reference(
                        &file.source,
                        (0, q - holders, selector),
                        full,
                        node,
                        parent,
                        &|_| String::new(),
                    );
                },
            );
            // A mapping where a list is expected: the whole parse words the error.
            *lost |= misshapen;
        }
        // In document order, as a whole file's are: the item's, after those before it.
        piece.assembly.order_from(references_before, false);
        // A value found as two kinds: the whole locate words the error.
        *lost |= !piece.assembly.conflicts.is_empty();
        // Every list this item's references stand in lies inside it: the next item's are others.
        piece.assembly.lists.clear();
        let found = &mut piece.found;
        found[found_before..].sort_unstable_by_key(|(_, node)| node.span.start);
        dedup_from(found, found_before, |(a, _), (b, _)| a == b);
        *lost |= !piece.assembly.errors.is_empty();
    }

    fn append(&mut self, other: Self, from: u32) {
        self.rest = Some((Box::new(other), from));
    }
}

/// Removes the elements from `from` on that `same` finds equal to the one kept before them
/// (as `Vec::dedup_by` does for a whole vector, keeping the first).
fn dedup_from<T>(items: &mut Vec<T>, from: usize, same: impl Fn(&T, &T) -> bool) {
    let mut kept = from;
    for at in from..items.len() {
        if kept > from && same(&items[kept - 1], &items[at]) {
            continue;
        }
        items.swap(kept, at);
        kept += 1;
    }
    items.truncate(kept);
}

/// Locates a JSON export without building its whole tree, when the profile allows it (see
/// `streamed_keys`): the large lists are parsed an item at a time, and the selectors run on
/// each item as it is parsed, on the thread parsing it; what they find is assembled there
/// (see [`Finds`]), and the item's tree is dropped. Only the values they found that `keep`
/// admits are kept (with the rest of the root) for the plan; [`File::docs`] builds the
/// whole tree if a step asks for anything else. Gives the source back, for the whole
/// parse, when the profile does not allow it and on any error (that path words it).
pub fn in_parts(
    source: crate::source::Source,
    profile: &Profile,
    keep: Keep,
    note_from: Option<usize>,
) -> Result<(File, Located), Box<crate::source::Source>> {
    let streamed = streamed_keys(profile);
    if streamed.is_empty() {
        return Err(Box::new(source));
    }
    let mut file = File::unbuilt(source);
    match locate_parts(&file, profile, &streamed, keep, note_from) {
        Some((parts, located)) => {
            file.set_parts(parts);
            Ok((file, located))
        }
        None => Err(Box::new(file.into_source())),
    }
}

fn locate_parts(
    file: &File,
    profile: &Profile,
    streamed: &[&str],
    keep: Keep,
    note_from: Option<usize>,
) -> Option<(crate::load::Parts, Located)> {
    let source = &file.source;
    let queries = profile.queries();
    let holders = profile.holders.len();
    fn first(query: &JpQuery) -> &str {
        first_name(query).unwrap_or_default()
    }
    let on_streamed: Vec<bool> = queries
        .iter()
        .map(|q| streamed.contains(&first(q)))
        .collect();
    let shared = ListFinds {
        queries: &queries,
        file,
        profile,
        groups: profile.holders.iter().map(Group::of).collect(),
    };
    // What each streamed list's items must be built of: what the selectors into it read.
    let masks: Vec<Mask> = streamed
        .iter()
        .map(|&key| {
            queries
                .iter()
                .enumerate()
                .filter(|(_, query)| first(query) == key)
                .map(|(q, query)| {
                    // A holder is read for its label only (and its span).
                    let selected = match profile.holders.get(q) {
                        Some(holder) => label_fields(&holder.label)
                            .into_iter()
                            .fold(Mask::default(), |mask, field| {
                                mask.union(&Mask::key(field, Mask::all()))
                            }),
                        None => Mask::all(),
                    };
                    mask_of(&query.segments[2..], selected)
                })
                .fold(Mask::default(), |all, mask| all.union(&mask))
        })
        .collect();
    let (parted, lists) = crate::load::json::parse_in_parts(
        source,
        &|key| streamed.contains(&key),
        &|entry, key| Finds {
            of: &shared,
            entry,
            mask: &masks[streamed.iter().position(|&k| k == key).unwrap_or_default()],
            on: queries
                .iter()
                .enumerate()
                .filter(|&(q, query)| on_streamed[q] && first(query) == key)
                .map(|(q, _)| q)
                .collect(),
            keep,
            piece: Piece::with_room(source.text.len(), keep),
            path: Vec::new(),
            rest: None,
            lost: false,
        },
        note_from,
    )
    .ok()?;
    if lists.iter().any(Finds::lost) {
        return None;
    }
    let root = &parted.root;
    if let Some(version) = profile.export_schema_version {
        check_schema_version(file, root, version, &profile.name).ok()?;
    }
    // A streamed key whose value is not a list stands whole in the root, where the
    // selectors into it do not run here: the whole tree serves that export.
    let entries = root.entries()?;
    let unstreamed = |key: &str| {
        entries
            .iter()
            .enumerate()
            .any(|(at, e)| e.key == key && !parted.streamed.contains(&(at as u32)))
    };
    if streamed.iter().any(|&key| unstreamed(key)) {
        return None;
    }
    // The selectors outside the streamed lists run on the rest of the root.
    let results: Vec<Selection> = queries
        .iter()
        .zip(&on_streamed)
        .map(|(query, &on)| {
            if on {
                Selection::default()
            } else {
                crate::select::select(query, root)
            }
        })
        .collect();
    // A mapping where a selector expects a list: the whole parse words the error.
    if results.iter().any(|s| !s.misshapen.is_empty()) {
        return None;
    }
    let mut rest = Piece::default();
    let references = holders..holders + profile.references.len();
    let room = results[references]
        .iter()
        .flat_map(Selection::iter)
        .map(|(path, node)| Room::of(path, node))
        .fold(Room::default(), Room::add);
    rest.assembly
        .reserve(results[..holders].iter().map(Selection::len).sum(), room);
    for (q, group) in shared.groups.iter().enumerate() {
        for (path, node) in results[q].iter() {
            rest.assembly.holder(
                0,
                group,
                path,
                fill_label(&profile.holders[q].label, node, source).into(),
                setting_extent(file, node),
            );
            rest.holder_selectors.push(q as u32);
        }
    }
    for (selector_index, selector) in profile.references.iter().enumerate() {
        for (path, node) in results[holders + selector_index].iter() {
            let parent = ListInfo::around(root, path, node);
            // (Errors are worded by the whole parse: no path is described here.)
            rest.assembly.reference(
                source,
                (0, selector_index, selector),
                path,
                node,
                parent,
                &|_| String::new(),
            );
        }
    }
    for (d, (_, kind)) in profile.declarations.iter().enumerate() {
        for (_, node) in results[holders + profile.references.len() + d].iter() {
            rest.assembly.declaration(*kind, node);
        }
    }
    drop(results);
    if !rest.assembly.errors.is_empty() {
        return None;
    }
    rest.assembly.order_from(0, false);
    if !rest.assembly.conflicts.is_empty() {
        return None;
    }
    let mut pieces = Vec::new();
    for list in lists {
        list.into_pieces(0, &mut pieces);
    }
    let (located, found) = join(pieces, rest, holders);
    Some((crate::load::Parts::new(parted, found), located))
}

/// Puts together what was located piece by piece (see [`locate_parts`]): the streamed
/// lists' `pieces`, in document order, and the `rest` of the root. Gives what locating the
/// whole tree gives (see [`Assembly`]), and the values found for the plan.
fn join(
    mut pieces: Vec<Piece>,
    rest: Piece,
    holder_selectors: usize,
) -> (Located, Vec<(Path, Node)>) {
    pieces.push(rest);
    // Each piece's holders by selector, then by piece: where each one goes.
    let mut next = 0u32;
    let mut holder_at: Vec<Vec<u32>> = pieces
        .iter()
        .map(|p| vec![0; p.holder_selectors.len()])
        .collect();
    for q in 0..holder_selectors as u32 {
        for (piece, at) in pieces.iter().zip(&mut holder_at) {
            for (i, _) in piece
                .holder_selectors
                .iter()
                .enumerate()
                .filter(|&(_, &s)| s == q)
            {
                at[i] = next;
                next += 1;
            }
        }
    }
    let mut holders: Vec<Option<Holder>> = (0..next).map(|_| None).collect();
    let mut located = Located::default();
    located.holder_index.push(FastMap::default());
    located.holder_index[0].reserve(next as usize);
    let mut found = Vec::new();
    let last = pieces.len() - 1;
    let mut spliced = Vec::new();
    for (k, (piece, at)) in pieces.into_iter().zip(&holder_at).enumerate() {
        let Piece {
            assembly,
            found: mut piece_found,
            shift,
            ..
        } = piece;
        let mut part = assembly.located;
        let (steps, lists) = (located.positions.len() as u32, located.lists.len() as u32);
        for reference in &mut part.references {
            if shift > 0 {
                part.positions[reference.path.0 as usize + 1] += shift;
            }
            reference.path.0 += steps;
            if let Some((list, _)) = &mut reference.list {
                *list = Index::new(list.get() + lists as usize);
            }
            if let Some(holder) = &mut reference.holder {
                *holder = Index::new(at[holder.get()] as usize);
            }
        }
        for (i, mut holder) in part.holders.into_iter().enumerate() {
            holder.path.shift_item(shift);
            holders[at[i] as usize] = Some(holder);
        }
        for (mut path, i) in part.holder_index.into_iter().flatten() {
            path.shift_item(shift);
            located.holder_index[0].insert(path, at[i] as usize);
        }
        for (path, _) in &mut piece_found {
            path.shift_item(shift);
        }
        move_all(&mut found, &mut piece_found);
        located.holder_depth = located.holder_depth.max(part.holder_depth);
        move_all(&mut located.positions, &mut part.positions);
        move_all(&mut located.lists, &mut part.lists);
        move_all(&mut located.declarations, &mut part.declarations);
        if k == last {
            spliced = part.references;
        } else {
            move_all(&mut located.references, &mut part.references);
        }
    }
    // The rest of the root's references go where they stand in the document, between the
    // lists' (each run of them at once, from the end: the references after it move once).
    let key = |r: &Reference| (r.site, r.span);
    let mut runs: Vec<(usize, Vec<Reference>)> = Vec::new();
    for reference in spliced {
        let at = located
            .references
            .partition_point(|r| key(r) < key(&reference));
        match runs.last_mut() {
            Some((run_at, run)) if *run_at == at => run.push(reference),
            _ => runs.push((at, vec![reference])),
        }
    }
    for (at, run) in runs.into_iter().rev() {
        located.references.splice(at..at, run);
    }
    located.holders = holders
        .into_iter()
        .map(|h| h.expect("every holder has its place"))
        .collect();
    if located.holders.is_empty() {
        located.holder_index.clear();
    }
    located.settle_lists();
    (located, found)
}

/// Moves the elements of `from` to the end of `to`: the whole vector, not a copy, when `to`
/// is empty (the first piece's vectors, made with room for the file's, take the others').
fn move_all<T>(to: &mut Vec<T>, from: &mut Vec<T>) {
    if to.is_empty() {
        std::mem::swap(to, from);
    } else {
        to.append(from);
    }
}

/// The text of a setting written where it stands (a patch hunk names it); `None` for one
/// reached through a YAML alias, which is written elsewhere.
fn setting_extent(file: &File, node: &Node) -> Option<Span> {
    match node.alias() {
        Some(_) => None,
        None => Some(crate::layout::extent(file, node)),
    }
}

/// What the list around a reference is known by: its span, the alias that brings it, and
/// how many items it has.
#[derive(Clone, Copy, Debug)]
struct ListInfo {
    span: Span,
    alias: Option<Span>,
    len: usize,
}

impl ListInfo {
    fn of(node: &Node) -> Option<ListInfo> {
        Some(ListInfo {
            span: node.span,
            alias: node.alias(),
            len: node.items()?.len(),
        })
    }

    /// The list a single value selected at `path` under `root` is an item of (a list's
    /// own items are references, the list their parent, so none for a list).
    fn around(root: &Node, path: &[u32], node: &Node) -> Option<ListInfo> {
        match node.value() {
            Value::List(..) => None,
            _ => path
                .split_last()
                .and_then(|(_, parent)| root.at_positions(parent))
                .and_then(ListInfo::of),
        }
    }
}

impl Group {
    fn of(holder: &crate::profile::Holder) -> Arc<Group> {
        Arc::new(Group {
            name: holder.name.clone(),
            identity: holder.identity.clone(),
            copy_without: holder.copy_without.clone(),
        })
    }
}

/// A holder looked up: the document, the holder depth then, the path's first steps (as
/// many as the depth), and the holder around them.
type HolderAt = (usize, usize, Box<[u32]>, Option<usize>);

/// What the references of a selection take room for: themselves, their paths' steps, and
/// the lists they stand in (a selected list's items are references).
#[derive(Clone, Copy, Default)]
struct Room {
    references: usize,
    steps: usize,
    lists: usize,
}

impl Room {
    fn of(path: &[u32], node: &Node) -> Room {
        let items = node.items().map_or(1, <[Node]>::len);
        Room {
            references: items,
            steps: items * (path.len() + 1),
            lists: usize::from(node.items().is_some()),
        }
    }

    fn add(self, other: Room) -> Room {
        Room {
            references: self.references + other.references,
            steps: self.steps + other.steps,
            lists: self.lists + other.lists,
        }
    }
}

/// Builds a [`Located`] from what the selectors found, in the profile's order (holders,
/// references, declarations; each selector's finds in RFC 9535 order), whether they ran on
/// the whole tree or on its parts (see [`in_parts`]): both give the same result.
#[derive(Default)]
struct Assembly {
    located: Located,
    /// Lists by document, span and alias site (`u32`s: one entry per list of a large
    /// export): one list written once and used in several places through YAML aliases is
    /// a list per use.
    lists: FastMap<(u32, Span, Option<Span>, u64), u32>,
    /// One shared copy of each value.
    values: crate::fast_hash::FastSet<Arc<str>>,
    /// The last holder looked up (see `HolderAt`).
    last_holder: Option<HolderAt>,
    errors: Vec<Diagnostic>,
    /// Values two selectors find as different kinds: where, and the two selectors.
    conflicts: Vec<(Span, u32, u32)>,
}

impl Assembly {
    fn reserve(&mut self, holders: usize, room: Room) {
        self.located.holders.reserve(holders);
        self.located.references.reserve(room.references);
        self.located.positions.reserve(room.steps);
        self.located.lists.reserve(room.lists);
        self.lists.reserve(room.lists);
    }

    fn holder(
        &mut self,
        doc_index: usize,
        group: &Arc<Group>,
        path: &[u32],
        label: Box<str>,
        extent: Option<Span>,
    ) {
        let located = &mut self.located;
        let path = Path::from(path);
        if located.holder_index.len() <= doc_index {
            located
                .holder_index
                .resize_with(doc_index + 1, FastMap::default);
        }
        located.holder_index[doc_index].insert(path.clone(), located.holders.len());
        located.holder_depth = located.holder_depth.max(path.len());
        located.holders.push(Holder {
            doc: doc_index,
            label,
            group: group.clone(),
            path,
            extent,
        });
    }

    /// The references a selector found at `selected_path`: the string there, or each item
    /// of the list there. `parent` is the list around a single value, when it is one.
    fn reference(
        &mut self,
        source: &crate::source::Source,
        (doc_index, selector_index, selector): (usize, usize, &crate::profile::Selector),
        selected_path: &[u32],
        node: &Node,
        parent: Option<ListInfo>,
        describe: &dyn Fn(&[u32]) -> String,
    ) {
        let diag = |span: Span, message: String| Diagnostic::at(source, span, message);
        // A list holds one reference per item; the list itself is their parent.
        let (elements, parent, parent_path) = match node.value() {
            Value::Null => return,
            Value::List(items, _) => (&**items, ListInfo::of(node), selected_path),
            _ => (
                std::slice::from_ref(node),
                parent,
                selected_path.split_last().map_or(&[][..], |(_, p)| p),
            ),
        };
        let in_list = matches!(node.value(), Value::List(..));
        let mut registered = None;
        for (i, node) in elements.iter().enumerate() {
            let located = &mut self.located;
            // The reference's path, kept with all the others in `positions`.
            let start = located.positions.len();
            located.positions.extend_from_slice(selected_path);
            if in_list {
                located.positions.push(i as u32);
            }
            let path = &located.positions[start..];
            let Some(value) = node.str() else {
                self.errors.push(diag(
                    node.site(),
                    format!(
                        "{} at {} holds {} references, so it must be a string, not {} \
                         (profile selector {})",
                        node_word(node),
                        describe(path),
                        selector.kind.as_str(),
                        node.type_name(),
                        selector.path,
                    ),
                ));
                continue;
            };
            if node.style() == Style::Block {
                self.errors.push(diag(
                    node.site(),
                    format!(
                        "the reference at {} is a block scalar (| or >), which cutover \
                         does not rewrite; write it as a quoted or plain string",
                        describe(path)
                    ),
                ));
                continue;
            }
            if node.style() == Style::SieveName {
                self.errors.push(diag(
                    node.site(),
                    format!(
                        "the value at {} is a name in the Sieve script (of a command, \
                         test or tag, or a rule's name), not a string: cutover rewrites \
                         strings only (profile selector {})",
                        describe(path),
                        selector.path,
                    ),
                ));
                continue;
            }
            let position = path.last().copied();
            // (Registered at the first item that is a reference; the others are in it too.)
            let list = match (parent, position) {
                (Some(list), Some(position)) => Some((
                    *registered.get_or_insert_with(|| {
                        register_list(
                            doc_index,
                            list,
                            parent_path,
                            &mut self.lists,
                            &mut located.lists,
                        )
                    }),
                    position as usize,
                )),
                _ => None,
            };
            // The holder depends only on the path's first steps (no holder stands deeper):
            // the references of one setting, which come together, look it up once.
            let key = &path[..path.len().min(located.holder_depth)];
            let holder = match &self.last_holder {
                Some((doc, depth, last, holder))
                    if (*doc, *depth) == (doc_index, located.holder_depth) && **last == *key =>
                {
                    *holder
                }
                _ => {
                    let holder = located.holder_around(doc_index, path);
                    self.last_holder = Some((doc_index, located.holder_depth, key.into(), holder));
                    holder
                }
            };
            let path = (start as u32, (located.positions.len() - start) as u32);
            // A Sieve string at an address position: the address it holds, inside white
            // space or a display name, pointed at where it is written.
            let within = match selector.kind {
                Kind::Address => crate::load::sieve::address_within(node, value, &source.text),
                _ => None,
            };
            let (value, site) = within.unwrap_or((value, node.site()));
            // The loader shares the strings a file repeats already; a short one, stored
            // inline, is shared here (not when the value is an address within the string).
            let shared = match (node.value(), within) {
                (Value::Str(text, _), None) => text.shared(),
                _ => None,
            };
            let value = match shared.or_else(|| self.values.get(value)) {
                Some(shared) => shared.clone(),
                None => {
                    let shared: Arc<str> = value.into();
                    self.values.insert(shared.clone());
                    shared
                }
            };
            // (Every count fits in `u32`: files over 4 GiB are refused.)
            located.references.push(Reference {
                doc: doc_index as u32,
                kind: selector.kind,
                value,
                span: node.span,
                site,
                style: node.style(),
                list: list.map(|(list, at)| (Index::new(list), at as u32)),
                holder: holder.map(Index::new),
                selector: selector_index as u32,
                add: selector.add,
                path,
            });
        }
    }

    fn declaration(&mut self, kind: Kind, node: &Node) {
        if let Some(value) = node.str() {
            self.located.declarations.push(Declaration {
                kind,
                value: value.to_owned(),
                span: node.site(),
            });
        }
    }

    fn finish(mut self, file: &File, profile: &Profile) -> Result<Located, Error> {
        if !self.errors.is_empty() {
            return Err(Error::many(self.errors));
        }
        self.order_from(0, !file.anchors.is_empty());
        if !self.conflicts.is_empty() {
            // Once a pair of selectors, at the first value they share.
            let mut pairs: Vec<(u32, u32, Span, usize)> = Vec::new();
            for &(site, first, second) in &self.conflicts {
                match pairs.iter_mut().find(|p| (p.0, p.1) == (first, second)) {
                    Some(pair) => pair.3 += 1,
                    None => pairs.push((first, second, site, 1)),
                }
            }
            return Err(Error::many(
                pairs
                    .into_iter()
                    .map(|(first, second, site, values)| {
                        conflict(file, profile, site, (first, second), values)
                    })
                    .collect(),
            ));
        }
        let mut located = self.located;
        located.settle_lists();
        Ok(located)
    }

    /// Puts the references from `from` on in document order; a value two selectors find is
    /// one reference, the first selector's. In place: a stable sort would merge the
    /// selectors' runs faster, but takes a copy of half the references to do it, at the
    /// moment the run needs the most memory. One value used in several places through YAML
    /// aliases (`anchored`) is a reference per place: where alone cannot tell them apart
    /// there, so the path does.
    fn order_from(&mut self, from: usize, anchored: bool) {
        let located = &mut self.located;
        let positions = &located.positions;
        let path = |r: &Reference| {
            let (start, len) = r.path;
            &positions[start as usize..(start + len) as usize]
        };
        let references = &mut located.references;
        if !anchored {
            references[from..].sort_unstable_by_key(|r| (r.site, r.span, r.selector));
        } else {
            references[from..].sort_unstable_by(|a, b| {
                (a.site, a.span, path(a), a.selector).cmp(&(b.site, b.span, path(b), b.selector))
            });
        }
        let same = |a: &Reference, b: &Reference| {
            (a.site, a.span) == (b.site, b.span) && (!anchored || path(a) == path(b))
        };
        for pair in references[from..].windows(2) {
            if same(&pair[0], &pair[1]) && pair[0].kind != pair[1].kind {
                self.conflicts
                    .push((pair[0].site, pair[0].selector, pair[1].selector));
            }
        }
        dedup_from(references, from, same);
    }
}

impl Located {
    /// Numbers the lists in the order of their first references (each list's `member`),
    /// leaving out any no reference stands in: the order does not depend on the order in
    /// which the selectors found them (whole, or a list's items on two threads).
    fn settle_lists(&mut self) {
        const NONE: u32 = u32::MAX;
        let mut renumbered = vec![NONE; self.lists.len()];
        let mut lists = Vec::with_capacity(self.lists.len());
        for (index, reference) in self.references.iter_mut().enumerate() {
            if let Some((list, _)) = &mut reference.list {
                let new = &mut renumbered[list.get()];
                if *new == NONE {
                    *new = lists.len() as u32;
                    lists.push(List {
                        member: index,
                        ..self.lists[list.get()]
                    });
                }
                *list = Index::new(*new as usize);
            }
        }
        self.lists = lists;
    }
}

fn node_word(node: &Node) -> &'static str {
    if node.alias().is_some() {
        "the value reached through this alias"
    } else {
        "the value"
    }
}

/// Whether the file is no export of this profile at all: the profile requires a
/// `schema_version` and some document has none (a `docker-compose.yml` or a
/// `package.json` beside the exports), as opposed to an export with a problem.
pub fn lacks_schema_version(file: &File, profile: &Profile) -> bool {
    profile.export_schema_version.is_some()
        && file.docs().iter().any(|doc| {
            !matches!(doc.value(), Value::Null)
                && doc
                    .entries()
                    .is_none_or(|entries| !entries.iter().any(|e| e.key == "schema_version"))
        })
}

fn check_schema_version(
    file: &File,
    doc: &Node,
    expected: u32,
    profile: &str,
) -> Result<(), Diagnostic> {
    let diag = |span: Span, message: String| Diagnostic::at(&file.source, span, message);
    if file.format == crate::load::Format::Sieve {
        return Err(Diagnostic::file(
            &file.source.name,
            format!(
                "a Sieve script, which the profile `{profile}` does not read (it reads exports \
                 with `schema_version: {expected}`); with no profile given (no --profile, and \
                 no `profile` in cutover.toml) each file gets the built-in profile of its kind, \
                 the `sieve` profile for this one"
            ),
        ));
    }
    if matches!(doc.value(), Value::Null) {
        return Ok(());
    }
    let Some(entries) = doc.entries() else {
        return Err(diag(
            doc.span,
            format!(
                "an export must be a mapping with `schema_version: {expected}`, not {}",
                doc.type_name()
            ),
        ));
    };
    match entries.iter().find(|e| e.key == "schema_version") {
        None => Err(diag(
            Span::new(doc.span.start as usize, doc.span.start as usize),
            format!("missing `schema_version: {expected}` at the top of the export"),
        )),
        Some(e) => match e.value.value() {
            Value::Int(v) if *v == i64::from(expected) => Ok(()),
            Value::Str(text, _) if text.trim() == expected.to_string() => Err(diag(
                e.value.site(),
                format!(
                    "schema_version is the text {}: write it as a number, \
                     `schema_version: {expected}`",
                    &file.source.text[e.value.span.range()]
                ),
            )),
            _ => Err(diag(
                e.value.site(),
                format!(
                    "unsupported schema_version {} (this profile reads version {expected})",
                    &file.source.text[e.value.span.range()]
                ),
            )),
        },
    }
}

/// The list a reference stands in, registered once per document, span and place.
fn register_list(
    doc_index: usize,
    list: ListInfo,
    parent_path: &[u32],
    index: &mut FastMap<(u32, Span, Option<Span>, u64), u32>,
    lists: &mut Vec<List>,
) -> usize {
    // A list reached through an alias is a list per place: the path tells two places of one
    // alias apart (a template merged twice into one rule).
    let place = match list.alias {
        Some(_) => {
            use std::hash::{BuildHasher, BuildHasherDefault};
            BuildHasherDefault::<crate::fast_hash::FastHasher>::default().hash_one(parent_path)
        }
        None => 0,
    };
    let key = (doc_index as u32, list.span, list.alias, place);
    if let Some(&list) = index.get(&key) {
        return list as usize;
    }
    lists.push(List {
        doc: doc_index,
        len: list.len,
        member: usize::MAX,
    });
    index.insert(key, (lists.len() - 1) as u32);
    lists.len() - 1
}

/// Fills `{field}` and `{a|b}` placeholders from a holder node's fields, and `{@line}` with
/// the line it starts on.
pub fn fill_label(template: &str, node: &Node, source: &crate::source::Source) -> String {
    // (Room for the fields' text up front: grown from nothing, it was four allocations.)
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let fields = &rest[open + 1..open + close];
        let value = fields.split('|').find_map(|f| match f {
            "@line" => Some(
                source
                    .location(node.site().start as usize)
                    .line
                    .to_string()
                    .into(),
            ),
            f => match node.field(f).map(|n| n.value()) {
                Some(Value::Str(s, _)) => Some(std::borrow::Cow::Borrowed(s.as_str())),
                Some(Value::Int(i)) => Some(i.to_string().into()),
                _ => None,
            },
        });
        let value = value.as_deref().unwrap_or("?");
        rest = &rest[open + close + 1..];
        // A value the label quotes (`rule "{description}"`) has its own quotes escaped:
        // `rule "a" b"` would read as a name that ends early.
        if out.ends_with('"') && rest.starts_with('"') {
            out.push_str(&crate::file_name::quotes_escaped(value));
        } else {
            out.push_str(value);
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Source;

    fn locate_text(name: &str, text: &str) -> Result<Located, Error> {
        locate(&parse(name, text), &Profile::resolve("missive").unwrap())
    }

    fn parse(name: &str, text: &str) -> File {
        File::parse(Source::from_text(name, text)).unwrap()
    }

    const EXPORT: &str = "schema_version: 1
rules:
  - id: r1
    description: \"01. acc-old in a description\"
    conditions:
      match: all
      items:
        - {field: subject, op: is, value: acc-old}
        - match: at_least_one
          items:
            - {field: email_account, op: is, value: [acc-old, acc-2]}
            - {field: account, op: is_not, value: acc-3}
    actions:
      - {type: send_response, from: {account: acc-old, address: info@old.example}}
aliases:
  - {id: a1, account: acc-old, address: help@old.example}
sharing:
  - {account: acc-old, teams: [t1]}
accounts:
  - {id: acc-old, address: info@old.example}
";

    #[test]
    fn finds_exactly_the_profile_locations() {
        let file = parse("e.yaml", EXPORT);
        let located = locate(&file, &Profile::resolve("missive").unwrap()).unwrap();
        let doc = &file.docs()[0];
        let found: Vec<(String, &str, &str)> = located
            .references
            .iter()
            .map(|r| (doc.path_text(located.path(r)), &*r.value, located.group(r)))
            .collect();
        assert_eq!(
            found,
            vec![
                (
                    "rules[0].conditions.items[1].items[0].value[0]".into(),
                    "acc-old",
                    "rules"
                ),
                (
                    "rules[0].conditions.items[1].items[0].value[1]".into(),
                    "acc-2",
                    "rules"
                ),
                (
                    "rules[0].conditions.items[1].items[1].value".into(),
                    "acc-3",
                    "rules"
                ),
                (
                    "rules[0].actions[0].from.account".into(),
                    "acc-old",
                    "rules"
                ),
                (
                    "rules[0].actions[0].from.address".into(),
                    "info@old.example",
                    "rules"
                ),
                ("aliases[0].account".into(), "acc-old", "aliases"),
                ("aliases[0].address".into(), "help@old.example", "aliases"),
                ("sharing[0].account".into(), "acc-old", "sharing"),
            ]
        );
        assert_eq!(
            &*located.holder(&located.references[0]).unwrap().label,
            "rule \"01. acc-old in a description\""
        );
        assert_eq!(located.declarations.len(), 2);
        let list = &located.lists[located.references[0].list().unwrap().0];
        assert_eq!(
            doc.path_text(located.list_path(list).unwrap()),
            "rules[0].conditions.items[1].items[0].value"
        );
        assert_eq!(located.references[1].list(), Some((0, 1)));
        assert_eq!(std::mem::size_of::<Reference>(), 64);
    }

    #[test]
    fn a_non_string_reference_is_an_error() {
        let e =
            locate_text("e.yaml", "schema_version: 1\naliases:\n  - {account: 12}\n").unwrap_err();
        let text = e.diagnostics[0].to_string();
        assert!(
            text.starts_with("e.yaml:3:15: error: the value at aliases[0].account holds account references, so it must be a string, not a number"),
            "{text}"
        );
    }

    #[test]
    fn a_name_in_a_sieve_script_is_not_a_reference() {
        let profile = Profile::from_source(Source::from_text(
            "p.yaml",
            "schema_version: 1\nname: p\nreferences:\n  - {path: \"$[*].command\", kind: address}\n",
        ))
        .unwrap();
        let e = locate(
            &parse("s.sieve", "keep;\n  redirect \"a@b.example\";"),
            &profile,
        )
        .unwrap_err();
        let text = e.diagnostics[1].to_string();
        assert!(
            text.starts_with(
                "s.sieve:2:3: error: the value at [1].command is a name in the Sieve script"
            ),
            "{text}"
        );
    }

    #[test]
    fn schema_version_is_required() {
        let e = locate_text("e.json", "{\"rules\": []}").unwrap_err();
        assert!(
            e.diagnostics[0]
                .message
                .contains("missing `schema_version: 1`")
        );
        let e = locate_text("e.json", "{\"schema_version\": 2}").unwrap_err();
        assert!(
            e.diagnostics[0]
                .to_string()
                .starts_with("e.json:1:20: error: unsupported schema_version 2")
        );
    }

    #[test]
    fn dedup_from_keeps_what_stands_before_and_the_first_of_equals() {
        let mut items = vec![1, 1, 2, 2, 2, 3, 2, 2];
        dedup_from(&mut items, 2, |a, b| a == b);
        // (The first two are left as they are; from there on, as `Vec::dedup`.)
        assert_eq!(items, [1, 1, 2, 3, 2]);
        let mut items = vec![(1, 'a'), (1, 'b'), (2, 'c')];
        dedup_from(&mut items, 0, |a, b| a.0 == b.0);
        assert_eq!(items, [(1, 'a'), (2, 'c')]);
        let mut empty: Vec<u8> = Vec::new();
        dedup_from(&mut empty, 0, |a, b| a == b);
        assert!(empty.is_empty());
    }

    #[test]
    fn labels_fill_placeholders() {
        let source = Source::from_text("x.json", "{\"a\": \"x\", \"n\": 3}");
        let node = crate::load::json::parse(&source).unwrap();
        assert_eq!(fill_label("r {b|a} {n} {zz}", &node, &source), "r x 3 ?");
        let source = Source::from_text("x.json", "{\"a\": \"x\\\" y\"}");
        let node = crate::load::json::parse(&source).unwrap();
        assert_eq!(
            fill_label("r \"{a}\" {a}", &node, &source),
            "r \"x\\\" y\" x\" y"
        );
        let source = Source::from_text("x.sieve", "keep;\n\n  redirect \"a@b.example\";");
        let doc = crate::load::sieve::parse(&source).unwrap();
        let redirect = &doc.items().unwrap()[1];
        assert_eq!(
            fill_label("{command} at line {@line}", redirect, &source),
            "redirect at line 3"
        );
    }

    /// An item of a streamed list that is itself a list of entries: the part's selectors
    /// start below the `[*]` that reached it, so the whole parse words the error, as it
    /// does for the same text located whole.
    #[test]
    fn a_list_for_an_entry_in_a_streamed_list_is_left_to_the_whole_parse() {
        let profile = Profile::resolve("missive").unwrap();
        let text = r#"{"schema_version": 1, "rules": [{"id": "a"},
            [{"id": "r", "actions": [{"type": "x", "from": {"account": "acc-old"}}]}]]}"#;
        assert!(in_parts(Source::from_text("e.json", text), &profile, Keep::All, None).is_err());
        let e = locate_text("e.json", text).unwrap_err();
        let text = e.diagnostics[0].to_string();
        assert!(
            text.starts_with("e.json:2:13: error: `rules[1]` is a list where the profile"),
            "{text}"
        );
    }

    /// A file located in parts answers for the values its `Keep` admits from what it kept,
    /// and for any other value from its whole tree, which it then builds.
    #[test]
    fn a_file_located_in_parts_keeps_what_it_is_told() {
        let text = r#"{"schema_version": 1, "rules": [{"id": "r1", "conditions": {"items": [
            {"field": "email_account", "op": "is", "value": ["acc-old", "acc-2"]},
            {"field": "account", "op": "is", "value": "acc-3"}]}}]}"#;
        let profile = Profile::resolve("missive").unwrap();
        for keep in [Keep::Nothing, Keep::Lists, Keep::All] {
            let (file, located) =
                in_parts(Source::from_text("keep.json", text), &profile, keep, None).unwrap();
            let [first, _, single] = &located.references[..] else {
                panic!("three references: {located:?}");
            };
            let list = located.list_path(&located.lists[first.list().unwrap().0]);
            let single = located.path(single);
            assert!(!file.is_built());
            let list = file.node(0, list.unwrap()).unwrap();
            assert_eq!(list.items().map(<[Node]>::len), Some(2));
            assert_eq!(file.is_built(), keep == Keep::Nothing, "{keep:?}");
            assert_eq!(file.node(0, single).and_then(Node::str), Some("acc-3"));
            assert_eq!(file.is_built(), keep != Keep::All, "{keep:?}");
        }
    }
}
