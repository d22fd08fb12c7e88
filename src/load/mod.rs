//! Load: bytes on disk to spanned documents.
//!
//! The first step of every command. An input path is a file or a directory searched for
//! `.json`, `.yaml`, `.yml`, `.sieve` and `.siv` files; each file is read once, checked to be
//! text, and parsed by the loader for its format into one [`Node`] tree per document.

pub mod json;
pub mod sieve;
mod split;
pub mod yaml;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::diagnostic::{Diagnostic, Error};
use crate::exclude::Exclude;
use crate::node::Node;
use crate::source::{Source, display_name, io_reason, not_regular};

/// Deepest nesting accepted, in every format: deeper input is refused, never a stack overflow.
pub const MAX_DEPTH: usize = 256;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
    /// A Sieve mail filter script (RFC 5228).
    Sieve,
}

impl Format {
    /// By extension; a file of another name is taken as JSON when it starts like JSON.
    pub fn of(path: &Path, text: &str) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Format::Json,
            Some("yaml" | "yml") => Format::Yaml,
            Some("sieve" | "siv") => Format::Sieve,
            _ => match text
                .trim_start_matches('\u{feff}')
                .trim_start()
                .chars()
                .next()
            {
                Some('{' | '[') => Format::Json,
                _ => Format::Yaml,
            },
        }
    }
}

/// One parsed input file.
#[derive(Debug)]
pub struct File {
    pub source: Source,
    pub format: Format,
    /// One root per document (YAML files may hold several), read with [`File::docs`]: a
    /// large JSON export located in parts builds it only when a step needs it whole.
    docs: OnceLock<Vec<Node>>,
    /// YAML anchor definitions, in text order (none in JSON).
    pub anchors: Vec<yaml::Anchor>,
    /// A JSON file located in parts: what was kept of its tree, until it is built whole.
    parts: Option<Parts>,
}

/// What a JSON export located in parts keeps of its tree (see `locate::in_parts`): the
/// root with every entry but the streamed lists, and the values the selectors found inside
/// those lists. [`File::node`] answers from here; anything else builds the whole tree.
#[derive(Debug)]
pub struct Parts {
    parted: json::Parted,
    /// By path (document order), each once.
    found: Vec<(crate::path::Path, Node)>,
    /// Where the last value asked for stands in `found`: a plan asks for them in document
    /// order, so the next one is usually right after it (a search through a large export's
    /// values, each a read far into memory, is the slow way).
    next: std::sync::atomic::AtomicUsize,
}

impl Parts {
    pub fn new(parted: json::Parted, mut found: Vec<(crate::path::Path, Node)>) -> Parts {
        found.sort_unstable_by(|(a, _), (b, _)| a.cmp(b));
        found.dedup_by(|(a, _), (b, _)| a == b);
        Parts {
            parted,
            found,
            next: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    fn found(&self, path: &[u32]) -> Option<&Node> {
        use std::sync::atomic::Ordering::Relaxed;
        /// How far ahead of the last one to look before searching (other selectors' values
        /// of the same setting stand between two that one step reads).
        const AHEAD: usize = 8;
        let next = self.next.load(Relaxed);
        let ahead = self.found.get(next..).unwrap_or_default();
        let at = match ahead
            .iter()
            .take(AHEAD)
            .position(|(p, _)| p.positions() == path)
        {
            Some(i) => next + i,
            None => self
                .found
                .binary_search_by(|(p, _)| p.positions().cmp(path))
                .ok()?,
        };
        self.next.store(at + 1, Relaxed);
        Some(&self.found[at].1)
    }
}

impl File {
    pub fn read(path: &Path) -> Result<File, Error> {
        File::parse(Source::read(path)?)
    }

    /// The documents' trees. A JSON file whose text was already proven to parse (see
    /// [`File::unbuilt`]) is parsed here, the first time a step asks.
    pub fn docs(&self) -> &[Node] {
        self.docs.get_or_init(|| {
            // The text parsed once already, in parts, with this same parser: it cannot
            // fail now (`unbuilt`'s callers prove it), and nothing can be reported here.
            json::parse(&self.source)
                .map(|node| vec![node])
                .unwrap_or_else(|e| {
                    panic!(
                        "a JSON text that parsed in parts does not parse whole: {:?}",
                        e.diagnostics
                    )
                })
        })
    }

    /// Whether the whole tree has been built (a file located in parts has none until a step
    /// asks for it).
    pub fn is_built(&self) -> bool {
        self.docs.get().is_some()
    }

    /// A JSON file whose whole text has been parsed and found valid, without its tree: the
    /// tree is built when [`File::docs`] is first called.
    pub fn unbuilt(source: Source) -> File {
        File {
            format: Format::Json,
            source,
            docs: OnceLock::new(),
            anchors: Vec::new(),
            parts: None,
        }
    }

    /// The source, without the trees.
    pub fn into_source(self) -> Source {
        self.source
    }

    /// Keeps what was found while the file was located in parts.
    pub fn set_parts(&mut self, parts: Parts) {
        self.parts = Some(parts);
    }

    /// How many documents the file holds.
    pub fn doc_count(&self) -> usize {
        match (&self.parts, self.docs.get()) {
            (_, Some(docs)) => docs.len(),
            (Some(_), None) => 1,
            (None, None) => self.docs().len(),
        }
    }

    /// The node at `path` of document `doc`: from what a file located in parts kept when
    /// it is there, else from the whole tree.
    pub fn node(&self, doc: usize, path: &[u32]) -> Option<&Node> {
        if let (Some(parts), None, 0) = (&self.parts, self.docs.get(), doc) {
            match path.first() {
                Some(first) if parts.parted.streamed.contains(first) => {
                    if let Some(node) = parts.found(path) {
                        return Some(node);
                    }
                }
                // (Not the root itself: its streamed lists are empty there.)
                Some(_) => return parts.parted.root.at_positions(path),
                None => {}
            }
        }
        self.docs().get(doc)?.at_positions(path)
    }

    /// The value of the top-level `key` of document `doc` (see [`File::node`]).
    pub fn field(&self, doc: usize, key: &str) -> Option<&Node> {
        if let (Some(parts), None, 0) = (&self.parts, self.docs.get(), doc) {
            let entries = parts.parted.root.entries()?;
            let position = entries.iter().position(|e| e.key == key)?;
            if !parts.parted.streamed.contains(&(position as u32)) {
                return Some(&entries[position].value);
            }
        }
        self.docs().get(doc)?.field(key)
    }

    /// The source and the trees, for a caller that keeps both.
    pub fn into_parts(self) -> (Source, Vec<Node>) {
        self.docs();
        let docs = self.docs.into_inner().unwrap_or_default();
        (self.source, docs)
    }

    /// Frees the trees (a later [`File::docs`] parses a JSON file again).
    pub fn release_docs(&mut self) {
        self.docs = OnceLock::new();
        self.parts = None;
    }

    /// The anchor defined on the node written at `span`, if any.
    pub fn anchor_of(&self, span: crate::node::Span) -> Option<&yaml::Anchor> {
        // Sorted by token, and a token comes right before its node: sorted by node too.
        let at = self.anchors.partition_point(|a| a.node.start < span.start);
        self.anchors[at..]
            .iter()
            .take_while(|a| a.node.start == span.start)
            .find(|a| a.node == span)
    }

    pub fn parse(source: Source) -> Result<File, Error> {
        let format = Format::of(&source.path, &source.text);
        let (docs, anchors) = match format {
            Format::Json => (vec![json::parse(&source)?], Vec::new()),
            Format::Yaml => yaml::parse_with_anchors(&source)?,
            Format::Sieve => (vec![sieve::parse(&source)?], Vec::new()),
        };
        Ok(File {
            source,
            format,
            docs: OnceLock::from(docs),
            anchors,
            parts: None,
        })
    }
}

/// Parses text in the given format; a JSON file and a Sieve script are one document each.
pub fn parse_text(source: &Source, format: Format) -> Result<Vec<Node>, Error> {
    match format {
        Format::Json => json::parse(source).map(|node| vec![node]),
        Format::Yaml => yaml::parse(source),
        Format::Sieve => sieve::parse(source).map(|node| vec![node]),
    }
}

/// Whether a file's name says it is an export or a script cutover reads.
pub fn is_export_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("json" | "yaml" | "yml" | "sieve" | "siv")
    )
}

/// Expands the given paths into the list of files to read, in a stable order, after
/// completing any commit an interrupted `apply` left unfinished among them (so every
/// command reads either all the old files or all the new ones).
///
/// Files named directly are taken whatever their extension; directories are searched
/// recursively for export files, skipping hidden entries and what `exclude` leaves out
/// (matched relative to the directory given). Every missing path is reported, and so is
/// anything that is not a regular file (a FIFO, a device, a socket), named or found: it is
/// never opened. With `--verbose`, each entry a walk skips is listed with the reason.
pub fn find_inputs(paths: &[PathBuf], exclude: &Exclude) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Err(e) => errors.push(Diagnostic::file(&display_name(path), io_reason(&e))),
            Ok(meta) if meta.is_dir() => {
                if let Err(e) = walk(path, path, exclude, &mut files) {
                    errors.push(e);
                }
            }
            Ok(meta) if meta.is_file() => files.push(path.clone()),
            Ok(meta) => errors.push(Diagnostic::file(
                &display_name(path),
                not_regular(meta.file_type()),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(Error::many(errors));
    }
    // One file given twice (directly and inside a directory, or through a link) is read
    // once, by the path that is not a link when there is one.
    let mut unique: Vec<PathBuf> = Vec::new();
    let mut index: std::collections::HashMap<PathBuf, usize> = std::collections::HashMap::new();
    for file in files {
        let key = std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone());
        match index.get(&key) {
            Some(&i) => {
                let is_link = |p: &Path| {
                    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
                };
                if is_link(&unique[i]) && !is_link(&file) {
                    unique[i] = file;
                }
            }
            None => {
                index.insert(key, unique.len());
                unique.push(file);
            }
        }
    }
    // The resolved paths, to find the journals of interrupted commits covering them.
    let resolved: Vec<PathBuf> = index.into_keys().filter(|k| k.is_absolute()).collect();
    crate::write::recover_for(&resolved)?;
    Ok(unique)
}

/// Where a walked file was found: the directory given on the command line and the file's
/// path relative to it (what `--exclude` matches). `None` for a file named directly.
pub fn walked_from<'a>(file: &'a Path, given: &'a [PathBuf]) -> Option<(&'a Path, &'a Path)> {
    if given.iter().any(|g| g == file) {
        return None;
    }
    given
        .iter()
        .filter_map(|dir| Some((dir.as_path(), file.strip_prefix(dir).ok()?)))
        .filter(|(_, relative)| !relative.as_os_str().is_empty())
        .max_by_key(|(dir, _)| dir.components().count())
}

fn walk(
    dir: &Path,
    base: &Path,
    exclude: &Exclude,
    files: &mut Vec<PathBuf>,
) -> Result<(), Diagnostic> {
    let read = std::fs::read_dir(dir).map_err(|e| {
        Diagnostic::file(
            &display_name(dir),
            format!("cannot read directory: {}", io_reason(&e)),
        )
    })?;
    let mut entries: Vec<_> = read.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        let skip = |why: &str| {
            crate::verbosity::detail("skipped", &format!("{}: {why}", display_name(&path)));
        };
        if hidden {
            skip("hidden");
            continue;
        }
        // Linked directories are not followed: a link loop must not hang the walk. A linked
        // file is read like any other (and refused when written, unless allowed).
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            skip("vanished while the directory was read");
            continue;
        };
        let relative = path.strip_prefix(base).unwrap_or(&path);
        if let Some(pattern) = exclude.excluding(relative, meta.is_dir()) {
            skip(&format!("excluded by `{pattern}`"));
            continue;
        }
        if meta.is_dir() {
            walk(&path, base, exclude, files)?;
        } else if !is_export_file(&path) {
            skip("not a .json, .yaml or .yml file");
        } else {
            match std::fs::metadata(&path) {
                Ok(target) if target.is_file() => files.push(path),
                // A link to a directory is not followed; a dangling link is no file.
                Ok(target) if target.is_dir() => skip("a link to a directory (not followed)"),
                Err(_) => skip("a link that points nowhere"),
                Ok(target) => {
                    return Err(Diagnostic::file(
                        &display_name(&path),
                        not_regular(target.file_type()),
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_by_extension_then_content() {
        assert_eq!(Format::of(Path::new("a.yml"), "{}"), Format::Yaml);
        assert_eq!(Format::of(Path::new("a.json"), "x: 1"), Format::Json);
        assert_eq!(Format::of(Path::new("mapping"), "\u{feff} {"), Format::Json);
        assert_eq!(Format::of(Path::new("mapping"), "accounts:"), Format::Yaml);
        assert_eq!(Format::of(Path::new("a.sieve"), "{"), Format::Sieve);
        assert_eq!(Format::of(Path::new("a.siv"), "keep;"), Format::Sieve);
    }
}
