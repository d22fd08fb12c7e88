//! Load: bytes on disk to spanned documents.
//!
//! The first step of every command. An input path is a file or a directory searched for
//! `.json`, `.yaml`, `.yml`, `.sieve` and `.siv` files; each file is read once, checked to be
//! text, and parsed by the loader for its format into one [`Node`] tree per document.

pub mod json;
pub mod sieve;
mod split;
pub mod yaml;
mod yaml_block;
mod yaml_split;

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::diagnostic::{Diagnostic, Error};
use crate::exclude::Exclude;
use crate::inputs::Paths;
use crate::node::{Node, Span, Value};
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
    /// By extension (in any case: `RULES.YAML` is YAML); a file of another name is taken
    /// as JSON when it starts like JSON.
    pub fn of(path: &Path, text: &str) -> Format {
        match Format::by_extension(path) {
            Some(format) => format,
            None => match text
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

    /// The format an export file's extension names, compared without regard to case
    /// (exports saved on Windows or by hand are often `RULES.YAML`); `None` for any other.
    pub fn by_extension(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "json" => Some(Format::Json),
            "yaml" | "yml" => Some(Format::Yaml),
            "sieve" | "siv" => Some(Format::Sieve),
            _ => None,
        }
    }
}

/// The extensions of the files a directory search reads, for messages.
pub const EXPORT_EXTENSIONS: &str = ".json, .yaml, .yml, .sieve or .siv";

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
        // By path, sorted by where each value starts: in JSON (no aliases, no duplicate
        // keys) that is the same order, and the start is read where the value is stored,
        // where each path is a read far into memory (this sort took 8 ms on a 28.5 MB
        // export, and set the pace of the step). Two values found at one start are one.
        found.sort_unstable_by_key(|(_, node)| node.span.start);
        found.dedup_by(|(a, _), (b, _)| a == b);
        debug_assert!(
            found.is_sorted_by(|(a, _), (b, _)| a < b),
            "values in text order are in path order"
        );
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
    /// Reads an input file: an export, a script, a saved plan. A JSON or YAML file among
    /// them must hold an export in every document (see [`refuse_blank`]); an empty Sieve
    /// script is a valid script and stays accepted.
    pub fn read(path: &Path) -> Result<File, Error> {
        File::input(Source::read(path)?)
    }

    /// An input file's text parsed, as [`File::read`] reads it.
    pub fn input(source: Source) -> Result<File, Error> {
        File::check_not_blank(&source)?;
        let file = File::parse(source)?;
        file.check_input()?;
        Ok(file)
    }

    /// An input's text, before it is parsed: not empty (see [`refuse_blank`]).
    pub fn check_not_blank(source: &Source) -> Result<(), Error> {
        refuse_blank(source, Format::of(&source.path, &source.text))
    }

    /// What a parsed input must hold besides valid syntax: an export in every document
    /// (see [`refuse_blank`]).
    pub fn check_input(&self) -> Result<(), Error> {
        match self.format {
            Format::Yaml | Format::Json => {
                refuse_documents_without_export(&self.source, self.docs())
            }
            Format::Sieve => Ok(()),
        }
    }

    /// The documents' trees. A JSON file whose text was already proven to parse (see
    /// [`File::unbuilt`]) is parsed here, the first time a step asks.
    pub fn docs(&self) -> &[Node] {
        self.docs.get_or_init(|| self.parse_unbuilt())
    }

    /// The tree of a JSON file without one.
    fn parse_unbuilt(&self) -> Vec<Node> {
        // The text parsed once already, in parts, with this same parser: it cannot fail
        // now (`unbuilt`'s callers prove it), and nothing can be reported here.
        json::parse(&self.source)
            .map(|node| vec![node])
            .unwrap_or_else(|e| {
                panic!(
                    "a JSON text that parsed in parts does not parse whole: {:?}",
                    e.diagnostics
                )
            })
    }

    /// The documents' trees, the file's own when it has them; else (a JSON file located in
    /// parts, or proven valid without a tree) built for the caller alone, and gone when it
    /// drops them: `check` names one file's findings from its tree at a time, rather than
    /// keep every file's.
    pub fn docs_for_now(&self) -> std::borrow::Cow<'_, [Node]> {
        match self.docs.get() {
            Some(docs) => std::borrow::Cow::Borrowed(docs),
            None => std::borrow::Cow::Owned(self.parse_unbuilt()),
        }
    }

    /// The documents as far as their top-level entries: the whole trees, or for a file
    /// located in parts its root, where each streamed list stands empty at its span (a
    /// caller reads there which keys the document has, and the values of the others).
    pub fn top_levels(&self) -> &[Node] {
        match (&self.parts, self.docs.get()) {
            (Some(parts), None) => std::slice::from_ref(&parts.parted.root),
            _ => self.docs(),
        }
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

    /// The strings noted while the file was located in parts, when it was asked to note
    /// them (see [`json::Noted`]).
    pub fn noted(&self) -> Option<&json::Noted> {
        self.parts.as_ref()?.parted.noted.as_ref()
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

/// Refuses an input that holds no export: an empty file (or only whitespace), a YAML file
/// with only comments, or a document that is empty or `null`. Such a file is what a failed
/// export job leaves (0 bytes), and read as "nothing to check" it would keep a gate green.
/// A Sieve script may be empty (it then does nothing), and is read. Only inputs are held
/// to this: a mapping, a profile or a plan says what is missing from it in its own terms.
fn refuse_blank(source: &Source, format: Format) -> Result<(), Error> {
    if format != Format::Sieve && source.text.trim_start_matches('\u{feff}').trim().is_empty() {
        return Err(Diagnostic::file(&source.name, format!("is empty: {NO_EXPORT}")).into());
    }
    Ok(())
}

/// What [`refuse_blank`] and [`File::check_input`] say after what they found.
const NO_EXPORT: &str =
    "no export in it (a failed export can leave such a file); export it again, or delete it";

fn refuse_documents_without_export(source: &Source, docs: &[Node]) -> Result<(), Error> {
    if docs.is_empty() {
        return Err(
            Diagnostic::file(&source.name, format!("holds only comments: {NO_EXPORT}")).into(),
        );
    }
    let errors: Vec<Diagnostic> = docs
        .iter()
        .enumerate()
        .filter(|(_, doc)| matches!(doc.value(), Value::Null))
        .map(|(index, doc)| {
            let written = source.text[doc.span.range()].trim();
            // An empty document stands right after its `---`: point at that.
            let (what, span) = if written.is_empty() {
                let start = doc.span.start as usize;
                let line_start = source.text[..start].rfind('\n').map_or(0, |at| at + 1);
                ("empty".to_owned(), Span::new(line_start, start))
            } else {
                (format!("`{written}`"), doc.span)
            };
            let message = if docs.len() == 1 {
                format!("the file's only document is {what}: {NO_EXPORT}")
            } else {
                format!(
                    "document {} of {} is {what}, not an export; remove it (and its `---`)",
                    index + 1,
                    docs.len()
                )
            };
            Diagnostic::at(source, span, message)
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::many(errors))
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

/// Whether a file's name says it is an export or a script cutover reads (see
/// [`Format::by_extension`]).
pub fn is_export_file(path: &Path) -> bool {
    Format::by_extension(path).is_some()
}

/// Expands the given paths into the list of files to read, in a stable order, after
/// completing any commit an interrupted `apply` left unfinished among them (so every
/// command reads either all the old files or all the new ones).
///
/// Files named directly are taken whatever their extension; directories are searched
/// recursively for export files (see [`walk`]). Every missing path is reported, and so is
/// anything that is not a regular file (a FIFO, a device, a socket), named or found: it is
/// never opened. One file reached twice — the same path given twice, overlapping PATHs, a
/// link, or a hard link — is read once: two readings would print its patch twice (the
/// second copy would not apply) and report its findings twice.
pub fn find_inputs(paths: &Paths) -> Result<Vec<PathBuf>, Error> {
    let mut walk = Walk {
        exclude: &paths.exclude,
        own: paths
            .own
            .iter()
            .map(|own| (Identity::of(&own.path), own.role))
            .collect(),
        roots: paths
            .given
            .iter()
            .filter(|p| p.is_dir())
            .filter_map(|p| std::fs::canonicalize(p).ok())
            .collect(),
        files: Vec::new(),
        errors: Vec::new(),
        searched: false,
        excluded_by: Vec::new(),
    };
    for path in &paths.given {
        match std::fs::metadata(path) {
            Err(e) => walk
                .errors
                .push(Diagnostic::file(&display_name(path), io_reason(&e))),
            Ok(meta) if meta.is_dir() => walk.dir(path, path),
            Ok(meta) if meta.is_file() => walk.files.push((path.clone(), None)),
            Ok(meta) => walk.errors.push(Diagnostic::file(
                &display_name(path),
                not_regular(meta.file_type()),
            )),
        }
    }
    if !walk.errors.is_empty() {
        return Err(Error::many(walk.errors));
    }
    // (A `!` pattern takes back; it need not have.)
    let idle = paths.exclude.patterns().iter().filter(|p| {
        walk.searched && !p.starts_with('!') && !walk.excluded_by.iter().any(|e| e == *p)
    });
    for pattern in idle {
        crate::verbosity::note(&format!(
            "exclude pattern `{pattern}` left nothing out of the directories searched; if it \
             is misspelt, what it was meant to leave out was read (patterns match paths \
             relative to the PATH given)"
        ));
    }
    let mut unique: Vec<PathBuf> = Vec::new();
    let mut resolved_paths: Vec<PathBuf> = Vec::new();
    let mut index: HashMap<(u64, u64), usize> = HashMap::new();
    for (file, known) in walk.files {
        let (inode, canonical) = match known {
            Some(known) => known,
            None => {
                let canonical = resolved(&file).unwrap_or_else(|| file.clone());
                let Ok(meta) = std::fs::metadata(&file) else {
                    // Vanished since the search: kept, so that reading it says so (a
                    // file left out without a word could hide an export from the gate).
                    unique.push(file);
                    resolved_paths.push(canonical);
                    continue;
                };
                ((meta.dev(), meta.ino()), canonical)
            }
        };
        match index.get(&inode) {
            Some(&i) => {
                let is_link = |p: &Path| {
                    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
                };
                let kept = if is_link(&unique[i]) && !is_link(&file) {
                    std::mem::replace(&mut unique[i], file)
                } else {
                    file
                };
                let (read, other) = (display_name(&unique[i]), display_name(&kept));
                if resolved_paths[i] == canonical {
                    crate::verbosity::detail("skipped", &format!("{other}: read once, as {read}"));
                } else {
                    // Two names of one file: say so, as the patch names only one of them.
                    crate::verbosity::note(&format!(
                        "{other} and {read} are one file (hard links): read once, as {read}"
                    ));
                }
            }
            None => {
                index.insert(inode, unique.len());
                unique.push(file);
                resolved_paths.push(canonical);
            }
        }
    }
    // The resolved paths, to find the journals of interrupted commits covering them.
    resolved_paths.retain(|r| r.is_absolute());
    crate::write::recover_for(&resolved_paths)?;
    Ok(unique)
}

/// A path resolved from the root, links followed; or, when the system cannot resolve it
/// whole (a file not there yet, a path over its length limit), its directory resolved and
/// its name: what the search gives a file it finds in a directory it resolved (see
/// `Walk::files`), so that one file named directly and found by a search resolves alike.
fn resolved(path: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(path).ok().or_else(|| {
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        Some(std::fs::canonicalize(parent).ok()?.join(path.file_name()?))
    })
}

/// What identifies a file the run was given for another role: its device and inode when
/// it exists, and its resolved path (a plan about to be saved does not exist yet).
struct Identity {
    inode: Option<(u64, u64)>,
    path: Option<PathBuf>,
}

impl Identity {
    fn of(path: &Path) -> Identity {
        let inode = std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()));
        Identity {
            inode,
            path: resolved(path),
        }
    }

    fn is(&self, path: &Path, meta: &std::fs::Metadata) -> bool {
        match (self.inode, &self.path) {
            (Some(inode), _) => inode == (meta.dev(), meta.ino()),
            // Not there when the run began, but there now (the plan just saved): by path,
            // resolved only for a file of the same name.
            (None, Some(own)) => {
                own.file_name() == path.file_name()
                    && std::fs::canonicalize(path).is_ok_and(|p| p == *own)
            }
            (None, None) => false,
        }
    }
}

/// One search of the given directories.
struct Walk<'a> {
    exclude: &'a Exclude,
    /// The files the run was given as mapping, profile, baseline, plan or config.
    own: Vec<(Identity, &'static str)>,
    /// The directories given, resolved: a link to a directory inside one is searched anyway.
    roots: Vec<PathBuf>,
    /// The files found, each with its device and inode and its resolved path when the
    /// search learned them on the way (an entry that is not a link: its directory's
    /// resolved path and its name), so that a search of thousands of files does not ask
    /// the system for them again, file by file.
    files: Vec<(PathBuf, Option<Known>)>,
    errors: Vec<Diagnostic>,
    /// Whether a directory was searched, and the exclude patterns that left something out
    /// there: one that left nothing out may be misspelt.
    searched: bool,
    excluded_by: Vec<String>,
}

/// A found file's device and inode, and its resolved path.
type Known = ((u64, u64), PathBuf);

impl Walk<'_> {
    /// Searches `dir` (below `base`, the PATH given) for export files: those named
    /// `.json`, `.yaml`, `.yml`, `.sieve` or `.siv` in any case, skipping hidden entries,
    /// what `exclude` leaves out (matched relative to `base`) and the files the run itself
    /// was given in another role (a mapping kept beside the exports). A link to a file is
    /// read like the file; a link to a directory is not followed (a loop must not hang the
    /// search) and is an error unless a given PATH covers what it points to, since
    /// skipping it could hide an export. With `--verbose`, each skipped entry is listed
    /// with the reason.
    fn dir(&mut self, dir: &Path, base: &Path) {
        self.searched = true;
        let read = match std::fs::read_dir(dir) {
            Ok(read) => read,
            Err(e) => {
                self.errors.push(Diagnostic::file(
                    &display_name(dir),
                    format!("cannot read directory: {}", io_reason(&e)),
                ));
                return;
            }
        };
        let mut entries: Vec<_> = read.filter_map(Result::ok).map(|e| e.path()).collect();
        entries.sort();
        // Resolved once: an entry that is not a link resolves to it and its name.
        let resolved_dir = std::fs::canonicalize(dir).ok();
        for path in entries {
            let skip = |why: &str| {
                crate::verbosity::detail("skipped", &format!("{}: {why}", display_name(&path)));
            };
            let hidden = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if hidden {
                skip("hidden");
                continue;
            }
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                skip("vanished while the directory was read");
                continue;
            };
            let relative = path.strip_prefix(base).unwrap_or(&path);
            if let Some(pattern) = self.exclude.excluding(relative, meta.is_dir()) {
                skip(&format!("excluded by `{pattern}`"));
                if !self.excluded_by.iter().any(|e| e == pattern) {
                    self.excluded_by.push(pattern.to_owned());
                }
                continue;
            }
            let leave_out = || {
                format!(
                    "leave it out with --exclude {} (or `exclude` in cutover.toml)",
                    crate::exclude::suggestion(relative)
                )
            };
            if meta.is_dir() {
                self.dir(&path, base);
                continue;
            }
            let is_link = meta.file_type().is_symlink();
            let target = match is_link {
                true => std::fs::metadata(&path),
                false => Ok(meta),
            };
            if is_link {
                let points_to = std::fs::read_link(&path)
                    .map(|t| display_name(&t))
                    .unwrap_or_default();
                match &target {
                    // (A loop of links, each pointing on to the next, resolves to nothing.)
                    Err(e)
                        if is_export_file(&path)
                            && rustix::io::Errno::from_io_error(e)
                                == Some(rustix::io::Errno::LOOP) =>
                    {
                        self.errors.push(Diagnostic::file(
                            &display_name(&path),
                            format!(
                                "is a symbolic link to {points_to}, which leads back to itself \
                                 (a loop of links); point it at the export, or {}",
                                leave_out()
                            ),
                        ));
                        continue;
                    }
                    Err(_) if is_export_file(&path) => {
                        self.errors.push(Diagnostic::file(
                            &display_name(&path),
                            format!(
                                "is a symbolic link to {points_to}, which does not exist; \
                                 restore the export it stood for, or {}",
                                leave_out()
                            ),
                        ));
                        continue;
                    }
                    Err(_) => {
                        skip("a link that points nowhere, not named as an export file");
                        continue;
                    }
                    Ok(target) if target.is_dir() => {
                        let covered = std::fs::canonicalize(&path)
                            .is_ok_and(|t| self.roots.iter().any(|root| t.starts_with(root)));
                        if covered {
                            skip("a link to a directory that is searched anyway");
                        } else {
                            self.errors.push(Diagnostic::file(
                                &display_name(&path),
                                format!(
                                    "is a symbolic link to a directory ({points_to}), which a \
                                     search does not follow; to read it, name it as a PATH of \
                                     its own ({}), or {}",
                                    display_name(&path),
                                    leave_out()
                                ),
                            ));
                        }
                        continue;
                    }
                    Ok(target)
                        if target.is_file()
                            && !is_export_file(&path)
                            && std::fs::canonicalize(&path).is_ok_and(|t| is_export_file(&t)) =>
                    {
                        self.errors.push(Diagnostic::file(
                            &display_name(&path),
                            format!(
                                "is a symbolic link to an export file ({points_to}) under a \
                                 name that is not one's ({EXPORT_EXTENSIONS}); to read it, \
                                 name it as a PATH of its own, or {}",
                                leave_out()
                            ),
                        ));
                        continue;
                    }
                    Ok(_) => {}
                }
            }
            if !is_export_file(&path) {
                skip(&format!("not a {EXPORT_EXTENSIONS} file"));
                continue;
            }
            match target {
                Ok(target) if target.is_file() => {
                    match self.own.iter().find(|(own, _)| own.is(&path, &target)) {
                        Some((_, role)) => skip(&format!("the {role} of this run, not an export")),
                        None => {
                            let known = match (&resolved_dir, path.file_name()) {
                                (Some(dir), Some(name)) if !is_link => {
                                    Some(((target.dev(), target.ino()), dir.join(name)))
                                }
                                _ => None,
                            };
                            self.files.push((path, known));
                        }
                    }
                }
                Ok(target) => self.errors.push(Diagnostic::file(
                    &display_name(&path),
                    not_regular(target.file_type()),
                )),
                Err(e) => self
                    .errors
                    .push(Diagnostic::file(&display_name(&path), io_reason(&e))),
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_without_an_export_document_is_refused() {
        let refused = |name: &str, text: &str| {
            File::input(Source::from_text(name, text))
                .err()
                .map(|e| e.diagnostics[0].to_string())
        };
        for (text, says) in [
            ("", "e.yaml: error: is empty"),
            (" \n\n", "e.yaml: error: is empty"),
            ("# nothing\n", "e.yaml: error: holds only comments"),
            (
                "null\n",
                "e.yaml:1:1: error: the file's only document is `null`",
            ),
            ("~\n", "the file's only document is `~`"),
            ("---\n", "the file's only document is empty"),
            (
                "schema_version: 1\n---\n---\nschema_version: 1\n",
                "e.yaml:2:1: error: document 2 of 3 is empty",
            ),
        ] {
            let message = refused("e.yaml", text).unwrap_or_else(|| panic!("{text:?} accepted"));
            assert!(message.contains(says), "{text:?}: {message}");
        }
        assert_eq!(refused("e.yaml", "schema_version: 1\n"), None);
        assert_eq!(refused("e.yaml", "---\nschema_version: 1\n...\n"), None);
        // JSON alike; an empty Sieve script is a script.
        assert!(
            refused("e.json", " \n")
                .unwrap()
                .contains("e.json: error: is empty")
        );
        assert!(
            refused("e.json", "null")
                .unwrap()
                .contains("only document is `null`")
        );
        assert_eq!(refused("e.sieve", ""), None);
    }

    #[test]
    fn format_by_extension_then_content() {
        assert_eq!(Format::of(Path::new("a.yml"), "{}"), Format::Yaml);
        assert_eq!(Format::of(Path::new("a.json"), "x: 1"), Format::Json);
        assert_eq!(Format::of(Path::new("mapping"), "\u{feff} {"), Format::Json);
        assert_eq!(Format::of(Path::new("mapping"), "accounts:"), Format::Yaml);
        assert_eq!(Format::of(Path::new("a.sieve"), "{"), Format::Sieve);
        assert_eq!(Format::of(Path::new("a.siv"), "keep;"), Format::Sieve);
        // In any case: exports saved on Windows are often upper-case.
        assert_eq!(Format::of(Path::new("RULES.YAML"), "{}"), Format::Yaml);
        assert_eq!(Format::of(Path::new("aliases.JSON"), "x: 1"), Format::Json);
        assert_eq!(Format::of(Path::new("Main.Sieve"), "{"), Format::Sieve);
        assert!(is_export_file(Path::new("a/B.YmL")));
        assert!(!is_export_file(Path::new("a/README.md")));
    }
}
