//! Plan: turn located references and a mapping into the edits for one file.
//!
//! Two modes share one planner. **Replace** (the cutover) rewrites each mapped reference to
//! its target, in the old value's style; in a list that already holds the target the old
//! value is dropped instead, and a setting whose copy for the new account already exists is
//! dropped as a whole. **Add** (the transition, while old and new accounts both exist) puts
//! the new value beside the old one: into lists, by copying settings, and leaves
//! single-valued references for the cutover. Either way the planned text is re-parsed and
//! compared with the expected data (see `verify`): a plan that would change anything else
//! is refused, and nothing is written.

mod add;
mod holders;
mod replace;

use crate::diagnostic::{Diagnostic, Error};
use crate::edit::{self, Edit};
use crate::load::File;
use crate::locate::{Located, Reference};
use crate::mapping::{EntryId, Mapping};
use crate::node::{Node, Span, Style};
use crate::profile::Kind;
use crate::source::Source;
use crate::text::Interner;
use crate::verify::{self, Expected};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Move every reference to the new account (the cutover).
    #[default]
    Replace,
    /// Cover old and new accounts both (the transition).
    Add,
}

/// What happened to one reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Its value was replaced by the target.
    Rewritten,
    /// It was dropped: from a list that already held the target, or with a setting whose
    /// copy for the new account already exists.
    Removed,
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
        edits: Vec::new(),
        changes: Vec::new(),
        expected: Expected::default(),
        done: vec![false; located.references.len()],
        // Room for each new value, written and as is, in a style or two.
        texts: Interner::with_slots(4 * (mapping.accounts.len() + mapping.addresses.len())),
    };
    holders::plan(&mut planner, mode);
    match mode {
        Mode::Replace => replace::plan(&mut planner),
        Mode::Add => add::plan(&mut planner),
    }
    planner.finish()
}

/// The state shared by the steps of one file's plan.
struct Planner<'a> {
    file: &'a File,
    located: &'a Located,
    mapping: &'a Mapping,
    edits: Vec<Edit>,
    changes: Vec<Change>,
    expected: Expected,
    /// References already dealt with (inside a setting copied or dropped as a whole).
    done: Vec<bool>,
    /// New values and edit contents, shared: each is written many times.
    texts: Interner,
}

impl<'a> Planner<'a> {
    fn source(&self) -> &'a Source {
        &self.file.source
    }

    fn reference(&self, index: usize) -> &'a Reference {
        &self.located.references[index]
    }

    /// The mapping entry and new value for a whole-value reference.
    fn target(&self, reference: &Reference) -> Option<(EntryId, &'a str)> {
        match reference.kind {
            Kind::AddressInText => None,
            kind => self.mapping.lookup(kind, &reference.value),
        }
    }

    fn node(&self, doc: usize, path: &[u32]) -> Option<&'a Node> {
        self.file.docs[doc].at_positions(path)
    }

    fn list_node(&self, list: &crate::locate::List) -> Option<&'a Node> {
        self.node(list.doc, self.located.list_path(list)?)
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

    /// Plans a string rewritten in place: the edit, and the value the edited text must
    /// read as.
    fn rewrite(&mut self, span: Span, style: Style, new: &str) {
        let content = self.texts.text(&crate::scalar::write(new, style));
        self.edits.push(Edit::replace(span.range(), content));
        self.expected.string(span, self.texts.text(new));
    }

    fn change(&mut self, reference: usize, entry: EntryId, action: Action) {
        self.changes.push(Change {
            reference: reference as u32,
            entry,
            action,
        });
    }

    fn finish(self) -> Result<FilePlan, Error> {
        let source = self.source();
        let edits = edit::normalize(self.edits).map_err(|(a, b)| {
            internal(
                source,
                a.range.start,
                format!("two edits overlap ({:?} and {:?})", a.range, b.range),
            )
        })?;
        let mut changes = self.changes;
        // Keys looked up once, not at every comparison (each is a read far into memory).
        changes.sort_by_cached_key(|c| {
            (
                self.located.references[c.reference as usize].site,
                c.reference,
            )
        });
        if !edits.is_empty() {
            verify::verify(self.file, &edits, self.expected)
                .map_err(|(at, why)| internal(source, at, why))?;
        }
        Ok(FilePlan { edits, changes })
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
