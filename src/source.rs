//! An input file as read: its name as the user gave it, its exact text, and a line index.
//!
//! Everything downstream works with byte offsets into `text`; this is the one place that
//! turns an offset into the line and column a person reads (1-based, columns in characters).
//!
//! It is also the one place files are read, so it decides what may be read: regular files
//! only (a FIFO would block forever, `/dev/zero` never ends), and nothing larger than the
//! size limit, checked before a byte is read (a sparse 2 GB file must not exhaust memory).

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::diagnostic::{Diagnostic, Error};
use crate::node::Span;

/// Largest file that can be read at all: spans are `u32`.
pub const MAX_LEN: u64 = u32::MAX as u64 - 1;

/// The size limit when `--max-file-size` is not given: 1 GiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 1 << 30;

static MAX_FILE_SIZE: OnceLock<u64> = OnceLock::new();

/// Sets the size limit for every file this process reads (`--max-file-size`, resolved once
/// when the command line is); the first setting stands.
pub fn set_max_file_size(bytes: u64) {
    let _ = MAX_FILE_SIZE.set(bytes.min(MAX_LEN));
}

pub fn max_file_size() -> u64 {
    *MAX_FILE_SIZE.get().unwrap_or(&DEFAULT_MAX_FILE_SIZE)
}

/// What identifies a file as read, to tell later whether it is still the same file: where
/// it lives (device, inode), what it is allowed (mode, owner) and how many names it has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub dev: u64,
    pub ino: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub nlink: u64,
    pub size: u64,
    pub mtime: (i64, i64),
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            dev: meta.dev(),
            ino: meta.ino(),
            mode: meta.mode(),
            uid: meta.uid(),
            gid: meta.gid(),
            nlink: meta.nlink(),
            size: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
        }
    }

    /// The same file with the same permissions and owner (its contents aside).
    pub fn same_file(&self, other: &Stamp) -> bool {
        (self.dev, self.ino, self.mode, self.uid, self.gid)
            == (other.dev, other.ino, other.mode, other.uid, other.gid)
    }
}

/// Why a file could not be read.
pub enum ReadError {
    /// An I/O error (missing file, permissions): the reason, in plain words.
    Io(std::io::Error),
    /// Not a file that can be read whole; the message says what it is.
    Refused(String),
}

impl ReadError {
    pub fn message(&self) -> String {
        match self {
            ReadError::Io(e) => format!("cannot read file: {}", io_reason(e)),
            ReadError::Refused(why) => why.clone(),
        }
    }
}

/// What kind of thing a non-regular file is, for messages.
pub fn kind_of(file_type: std::fs::FileType) -> &'static str {
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_fifo() {
        "a FIFO (named pipe)"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else {
        "not a regular file"
    }
}

/// The refusal for a file that is not a regular one.
pub fn not_regular(file_type: std::fs::FileType) -> String {
    format!(
        "is {}, not a regular file; refusing to read it",
        kind_of(file_type)
    )
}

/// Reads a regular file whole, with its stamp, refusing anything else and anything over
/// `limit` bytes before reading it. The type is checked on the path first (so a FIFO or a
/// device is never opened), then again on the opened file (it may have been swapped in
/// between; opening is non-blocking, so even then nothing waits for a writer).
pub fn read_regular(path: &Path, limit: u64) -> Result<(Vec<u8>, Stamp), ReadError> {
    let meta = std::fs::metadata(path).map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::Refused(not_regular(meta.file_type())));
    }
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::Refused(not_regular(meta.file_type())));
    }
    let too_large = |size: u64| {
        ReadError::Refused(format!(
            "is {}, over the size limit of {}; refusing to read it (--max-file-size raises the limit)",
            size_text(size),
            size_text(limit)
        ))
    };
    if meta.len() > limit {
        return Err(too_large(meta.len()));
    }
    let bytes = match read_known_length(&file, meta.len() as usize) {
        Some(bytes) => bytes,
        None => {
            let mut bytes = Vec::with_capacity(meta.len() as usize);
            // A file that grows while it is read still stops at the limit.
            (&file as &File)
                .take(limit + 1)
                .read_to_end(&mut bytes)
                .map_err(ReadError::Io)?;
            bytes
        }
    };
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok((bytes, Stamp::of(&meta)))
}

/// A file read at the length it had when it was opened, in one read (`pread`) and a probe
/// that it ends there: `read_to_end` reads in growing pieces (four reads for a file of
/// 30 KB), and `check` reads thousands of files. A large file is read on two cores, each
/// half by one (copying a file into memory is most of the time `cat` takes, and the pages
/// it lands in are faulted in by the thread that writes them). `None` whenever the file is
/// not exactly `len` bytes to the end (it changed while it was read, or a read failed):
/// then it is read again the ordinary way, which says what went wrong. Reads at offsets
/// leave the file's position at its start for that.
fn read_known_length(file: &File, len: usize) -> Option<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    const HALVES_FROM: usize = 4 << 20;
    let mut bytes = vec![0; len];
    let read = if len < HALVES_FROM || crate::parallel::workers() < 2 {
        file.read_exact_at(&mut bytes, 0).is_ok()
    } else {
        let (head, tail) = bytes.split_at_mut(len / 2);
        std::thread::scope(|scope| {
            let tail = scope.spawn(|| file.read_exact_at(tail, (len / 2) as u64));
            let head = file.read_exact_at(head, 0);
            head.is_ok() && tail.join().is_ok_and(|read| read.is_ok())
        })
    };
    // Nothing after the end: a file that grew is read again, to the limit.
    let ended = matches!(file.read_at(&mut [0], len as u64), Ok(0));
    (read && ended).then_some(bytes)
}

/// A size for people: bytes below 1 KiB, otherwise in the largest binary unit that fits.
pub fn size_text(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if bytes >= size {
            return if bytes.is_multiple_of(size) {
                format!("{} {unit}", bytes / size)
            } else {
                format!("{:.1} {unit}", bytes as f64 / size as f64)
            };
        }
    }
    format!("{bytes} bytes")
}

/// Parses a size as `--max-file-size` takes it: bytes, or a number with K, M or G (also
/// KiB, MiB, GiB: powers of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a size (a number of bytes, or with K, M or G)"))?;
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(format!("{text:?}: unknown unit {unit:?} (use K, M or G)")),
    };
    let bytes = number
        .checked_mul(scale)
        .filter(|&b| b <= MAX_LEN)
        .ok_or_else(|| format!("{text:?} is more than the 4 GiB a file may have"))?;
    Ok(bytes)
}

#[derive(Debug)]
pub struct Source {
    /// The path used to open the file.
    pub path: PathBuf,
    /// The path as shown to the user and written in patches.
    pub name: String,
    pub text: String,
    /// The file as it was read (`None` for text with no file behind it), so that a writer
    /// can tell whether it is still the same file.
    pub stamp: Option<Stamp>,
    /// Where each line starts; built on first use (a file that loads cleanly and needs no
    /// patch never needs it). `u32`, like spans: half the memory of `usize` on a large file.
    line_starts: std::sync::OnceLock<Vec<u32>>,
    /// How many characters stand before each [`CHAR_BLOCK`]-byte block; built on first use
    /// on a long line (minified JSON), where counting from the line's start for every
    /// finding would take time in the square of its length.
    char_blocks: std::sync::OnceLock<Vec<u32>>,
}

/// Bytes per entry of [`Source`]'s character index.
const CHAR_BLOCK: usize = 4096;

/// Characters in `bytes` (UTF-8 text): the bytes that start one. Additive over any split,
/// char boundary or not. (ASCII text, nearly every line of an export, is told a word at a
/// time and has as many characters as bytes: a finding counts its line's three times.)
fn chars_in(bytes: &[u8]) -> usize {
    if bytes.is_ascii() {
        return bytes.len();
    }
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

/// Why [`Source::read_text`] refused a file.
pub struct ReadFailure {
    pub error: Error,
    /// When the file is not text at all (bytes that are not UTF-8, or a NUL byte), as
    /// opposed to a file that cannot be read or text in another encoding: its bytes read
    /// as text as far as they can be (invalid bytes as U+FFFD), to tell an export with a
    /// bad byte from a file that is no export.
    pub not_text: Option<String>,
}

/// The Unicode encoding other than UTF-8 that `bytes` are in, when they say so with a
/// byte-order mark, or when their first character is ASCII written in two bytes (UTF-16
/// without a mark: `{` as `7B 00`). UTF-32 is told apart from UTF-16 by its longer mark.
fn utf16_or_32(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xFE, 0, 0, ..] => Some("UTF-32 (little-endian, byte-order mark FF FE 00 00)"),
        [0, 0, 0xFE, 0xFF, ..] => Some("UTF-32 (big-endian, byte-order mark 00 00 FE FF)"),
        [0xFF, 0xFE, ..] => Some("UTF-16 (little-endian, byte-order mark FF FE)"),
        [0xFE, 0xFF, ..] => Some("UTF-16 (big-endian, byte-order mark FE FF)"),
        [a, 0, b, 0, ..] if a.is_ascii_graphic() && (b.is_ascii_graphic() || *b == b'\n') => {
            Some("UTF-16 (little-endian, without a byte-order mark)")
        }
        [0, a, 0, b, ..] if a.is_ascii_graphic() && (b.is_ascii_graphic() || *b == b'\n') => {
            Some("UTF-16 (big-endian, without a byte-order mark)")
        }
        _ => None,
    }
}

/// A human position in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

impl Source {
    /// Reads a file, refusing what is not a regular file, a file over the size limit, and
    /// what is not text: invalid UTF-8 and NUL bytes.
    pub fn read(path: &Path) -> Result<Source, Error> {
        Source::read_text(path).map_err(|failure| failure.error)
    }

    /// [`Source::read`], saying whether a refusal was because the file is not UTF-8 text
    /// (then it may be no export at all: a binary file beside the exports).
    pub fn read_text(path: &Path) -> Result<Source, ReadFailure> {
        let name = display_name(path);
        let (bytes, stamp) = read_regular(path, max_file_size()).map_err(|e| ReadFailure {
            error: Diagnostic::file(
                &name,
                match path.as_os_str() == "-" && !path.exists() {
                    // Every input is a file that a plan can stamp and a change can replace.
                    true => "standard input (`-`) is not read: save it to a file and name \
                             the file"
                        .to_owned(),
                    false => e.message(),
                },
            )
            .into(),
            not_text: None,
        })?;
        if let Some(encoding) = utf16_or_32(&bytes) {
            // Text, but not in UTF-8: PowerShell's `>` and `Out-File` write UTF-16 by default.
            return Err(ReadFailure {
                error: Diagnostic::file(
                    &name,
                    format!(
                        "the file is {encoding}, not UTF-8; save it as UTF-8 (in PowerShell: \
                         `Out-File -Encoding utf8`; or `iconv -f {} -t UTF-8`)",
                        encoding.split(' ').next().unwrap_or("UTF-16")
                    ),
                )
                .into(),
                not_text: None,
            });
        }
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                let bytes = e.into_bytes();
                let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
                let source = Source::new(path.to_path_buf(), name, prefix);
                let message = format!(
                    "file is not valid UTF-8 (byte 0x{:02X}); cutover reads UTF-8 text",
                    bytes[valid]
                );
                // At the very start there is no line to show.
                let error = if valid == 0 {
                    Diagnostic::file(&source.name, message)
                } else {
                    Diagnostic::at(&source, Span::new(valid, valid), message)
                };
                return Err(ReadFailure {
                    error: error.into(),
                    not_text: Some(String::from_utf8_lossy(&bytes).into_owned()),
                });
            }
        };
        let mut source = Source::new(path.to_path_buf(), name, text);
        source.stamp = Some(stamp);
        // (`memchr` searches a large export several times faster than `str::find`, and this
        // search is on the one core before the export is parsed on two.)
        if let Some(nul) = memchr::memchr(0, source.text.as_bytes()) {
            return Err(ReadFailure {
                error: Diagnostic::at(
                    &source,
                    Span::new(nul, nul + 1),
                    "file contains a NUL byte; it is not a text export",
                )
                .into(),
                not_text: Some(std::mem::take(&mut source.text)),
            });
        }
        Ok(source)
    }

    pub fn new(path: PathBuf, name: String, text: String) -> Source {
        Source {
            path,
            name,
            text,
            stamp: None,
            line_starts: std::sync::OnceLock::new(),
            char_blocks: std::sync::OnceLock::new(),
        }
    }

    /// Replaces the text (reusing its buffer), for a source parsed many times over.
    pub fn set_text(&mut self, text: &str) {
        self.text.clear();
        self.text.push_str(text);
        self.line_starts = std::sync::OnceLock::new();
        self.char_blocks = std::sync::OnceLock::new();
    }

    /// A source with no file behind it (built-in profiles, tests).
    pub fn from_text(name: &str, text: &str) -> Source {
        Source::new(PathBuf::from(name), name.to_owned(), text.to_owned())
    }

    /// Where each line starts: at 0, and after each line break.
    pub fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            // Counted first, so the index is allocated once at its size (both passes use
            // memchr's vector search).
            let bytes = self.text.as_bytes();
            let lines = memchr::memchr_iter(b'\n', bytes).count();
            let mut starts = Vec::with_capacity(lines + 1);
            starts.push(0);
            starts.extend(memchr::memchr_iter(b'\n', bytes).map(|at| (at + 1) as u32));
            starts
        })
    }

    /// 0-based index of the line holding `offset`.
    pub fn line_index(&self, offset: usize) -> usize {
        self.line_starts()
            .partition_point(|&s| s as usize <= offset)
            - 1
    }

    pub fn line_count(&self) -> usize {
        self.line_starts().len()
    }

    /// Byte range of 0-based line `index`, including its line ending.
    pub fn line_range(&self, index: usize) -> std::ops::Range<usize> {
        let starts = self.line_starts();
        let start = starts[index] as usize;
        let end = starts
            .get(index + 1)
            .map_or(self.text.len(), |&s| s as usize);
        start..end
    }

    /// The text of line `index` without its line ending.
    pub fn line_text(&self, index: usize) -> &str {
        without_break(&self.text[self.line_range(index)])
    }

    pub fn location(&self, offset: usize) -> Location {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let index = self.line_index(offset);
        let start = self.columns_start(self.line_starts()[index] as usize, offset);
        Location {
            line: index + 1,
            column: self.chars_between(start, offset) + 1,
        }
    }

    /// Where the columns of the line starting at `line_start` are counted from, for a spot
    /// at `offset`: the first line's after a byte-order mark, which editors do not show or
    /// count.
    pub fn columns_start(&self, line_start: usize, offset: usize) -> usize {
        match line_start == 0 && self.text.starts_with('\u{feff}') {
            true => '\u{feff}'.len_utf8().min(offset),
            false => line_start,
        }
    }

    /// How many characters the text holds from byte `from` to byte `to`.
    pub fn chars_between(&self, from: usize, to: usize) -> usize {
        let bytes = self.text.as_bytes();
        if to - from <= 2 * CHAR_BLOCK {
            return chars_in(&bytes[from..to]);
        }
        let blocks = self.char_blocks.get_or_init(|| {
            let mut before = 0;
            let mut blocks = Vec::with_capacity(bytes.len() / CHAR_BLOCK + 1);
            for block in bytes.chunks(CHAR_BLOCK) {
                blocks.push(before as u32);
                before += chars_in(block);
            }
            blocks.push(before as u32);
            blocks
        });
        let before = |at: usize| {
            let block = at / CHAR_BLOCK;
            blocks[block] as usize + chars_in(&bytes[block * CHAR_BLOCK..at])
        };
        before(to) - before(from)
    }
}

/// A line's text without its line break and the CRs before it.
pub fn without_break(line: &str) -> &str {
    line.trim_end_matches('\n').trim_end_matches('\r')
}

/// The last character boundary of `text` at or before `offset`.
pub fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The lines of a text, found by counting line breaks from the line found last. Lines are
/// as [`Source::line_starts`] counts them: a line break ends a line (CRs stay in it), and a
/// text that ends with one has an empty last line.
///
/// For a step that asks about offsets in text order: a patch about its edits' lines (a
/// hunk's context is found from its runs' byte offsets, not asked for here), `check` about
/// its findings. The answers then take one pass of memchr's vector count over the text;
/// asked out of order, it steps back, line by line. An index of every line's start costs 4
/// bytes a line (4.5 MB on the 28.5 MB export), and building it took a quarter of the
/// patch's time, most in faulting that memory in; it cannot be shared by two cores without
/// being built first.
#[derive(Clone)]
pub struct Lines<'a> {
    text: &'a str,
    known: std::cell::Cell<Known>,
}

/// A line found last: its index and where it starts, and how far it is known to hold no
/// line break (a minified export is one line of megabytes: it is not scanned again for
/// each edit on it).
#[derive(Clone, Copy)]
struct Known {
    line: usize,
    start: usize,
    clear_to: usize,
}

impl<'a> Lines<'a> {
    pub fn new(source: &'a Source) -> Lines<'a> {
        Lines {
            text: &source.text,
            known: std::cell::Cell::new(Known {
                line: 0,
                start: 0,
                clear_to: 0,
            }),
        }
    }

    /// The text the lines are of.
    pub fn text(&self) -> &'a str {
        self.text
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// 0-based index of the line holding `offset` (at most the text's length).
    pub fn index(&self, offset: usize) -> usize {
        let known = self.known.get();
        let bytes = self.bytes();
        if offset < known.start {
            // Back: the line breaks between are the lines stepped over. The line after
            // the one asked about starts after the first of them.
            let between = &bytes[offset..known.start];
            let breaks = memchr::memchr_iter(b'\n', between).count();
            let first =
                offset + memchr::memchr(b'\n', between).expect("a line starts after a break");
            self.known.set(Known {
                line: known.line - breaks + 1,
                start: first + 1,
                clear_to: first + 1,
            });
            return known.line - breaks;
        }
        if offset <= known.clear_to {
            return known.line;
        }
        let ahead = &bytes[known.clear_to..offset];
        let breaks = memchr::memchr_iter(b'\n', ahead).count();
        let start = match breaks {
            0 => known.start,
            _ => known.clear_to + memchr::memrchr(b'\n', ahead).expect("counted") + 1,
        };
        self.known.set(Known {
            line: known.line + breaks,
            start,
            clear_to: offset,
        });
        known.line + breaks
    }

    /// Where line `index` starts, when the text has that line.
    pub fn start_of(&self, index: usize) -> Option<usize> {
        let mut known = self.known.get();
        let bytes = self.bytes();
        while known.line > index {
            // The start of the line before: after the break before the one that ends it.
            let end = known.start - 1;
            known.start = memchr::memrchr(b'\n', &bytes[..end]).map_or(0, |at| at + 1);
            known.line -= 1;
            known.clear_to = end;
        }
        while known.line < index {
            let next = memchr::memchr(b'\n', &bytes[known.clear_to..])?;
            known.line += 1;
            known.start = known.clear_to + next + 1;
            known.clear_to = known.start;
        }
        self.known.set(known);
        Some(known.start)
    }

    /// The byte range of line `index`, its line break included (empty at the end of the
    /// text for a line the text does not have).
    pub fn range(&self, index: usize) -> std::ops::Range<usize> {
        let len = self.text.len();
        let Some(start) = self.start_of(index) else {
            return len..len;
        };
        // Found from where it is known to hold no break.
        let from = self.known.get().clear_to;
        let end = memchr::memchr(b'\n', &self.bytes()[from..]).map_or(len, |at| from + at + 1);
        self.known.set(Known {
            line: index,
            start,
            clear_to: end.saturating_sub(1).max(start),
        });
        start..end
    }
}

/// A path as the user should see it: relative to the working directory where it was given
/// so, control characters escaped (a name may hold a newline or an ESC).
pub fn display_name(path: &Path) -> String {
    crate::file_name::shown(&path_text(path)).into_owned()
}

/// A path as text, as it is (for programs: JSON, SARIF, annotations), without a leading
/// `./`, its separators written `/`. Only the system's own separator is one: on Unix a `\`
/// is part of a name (`x\b.yaml` is not `x/b.yaml`) and stays.
pub fn path_text(path: &Path) -> String {
    let text = path.to_string_lossy();
    let text = text.strip_prefix("./").unwrap_or(&text);
    match std::path::MAIN_SEPARATOR {
        '/' => text.to_owned(),
        separator => text.replace(separator, "/"),
    }
}

/// The part of an I/O error a person needs, without Rust's `(os error 2)`.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_lowercase(),
                None => text,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_between_offsets_are_counted_through_the_index_as_directly() {
        // Other scripts throughout, and ASCII lines with one now and then (counted by
        // their bytes up to it).
        let mixed: String = (0..3000)
            .map(|i| match i % 7 {
                0 => "a line of plain ASCII, \"quoted\"\té\n",
                _ => "a line of plain ASCII, \"quoted\"\t\n",
            })
            .collect();
        for text in ["aé€😀\n".repeat(5000), mixed] {
            let s = Source::from_text("x", &text);
            let boundaries: Vec<usize> = (0..=text.len())
                .filter(|&i| text.is_char_boundary(i))
                .step_by(37)
                .collect();
            for &from in boundaries.iter().step_by(11) {
                for &to in boundaries.iter().filter(|&&to| to >= from).step_by(13) {
                    assert_eq!(s.chars_between(from, to), text[from..to].chars().count());
                }
            }
        }
    }

    /// A backslash is part of a Unix file name: two files that differ in it keep apart.
    #[test]
    fn names_keep_backslashes_as_they_are() {
        assert_eq!(
            display_name(Path::new("./export/x\\b.yaml")),
            "export/x\\b.yaml"
        );
        assert_eq!(
            path_text(Path::new("export/x\\b\n.yaml")),
            "export/x\\b\n.yaml"
        );
        assert_eq!(
            display_name(Path::new("export/x/b.yaml")),
            "export/x/b.yaml"
        );
    }

    /// A byte-order mark is not a column: editors neither show nor count it.
    #[test]
    fn a_byte_order_mark_is_not_a_column() {
        let s = Source::from_text("x", "\u{feff}ab\nc");
        let at = |offset| {
            let l = s.location(offset);
            (l.line, l.column)
        };
        assert_eq!(
            [at(0), at(3), at(4), at(6)],
            [(1, 1), (1, 1), (1, 2), (2, 1)]
        );
        let d = Diagnostic::at(&s, Span::new(4, 5), "m").to_string();
        assert!(d.starts_with("x:1:2: error: m\n  |\n1 | ab\n  |  ^"), "{d}");
    }

    #[test]
    fn locations_count_characters_and_lines() {
        let s = Source::from_text("x", "ab\r\né x\nlast");
        assert_eq!(s.location(0), Location { line: 1, column: 1 });
        assert_eq!(s.location(4), Location { line: 2, column: 1 });
        // 'x' stands after a two-byte character and a space.
        assert_eq!(s.location(7), Location { line: 2, column: 3 });
        assert_eq!(s.line_text(0), "ab");
        assert_eq!(s.line_text(2), "last");
        assert_eq!(s.line_count(), 3);
    }

    #[test]
    fn a_file_read_at_its_length_is_the_file() {
        // Over the size read in halves, with a character of three bytes at the middle;
        // and a small file, read in one piece.
        let mut large = "ab\n".repeat((5 << 20) / 3);
        let middle = large.len() / 2 - 1;
        large.replace_range(middle..middle + 3, "\u{20ac}");
        for text in ["", "x", "{\"a\": 1}\n", &large] {
            let path = std::env::temp_dir().join(format!("cutover-halves-{}", std::process::id()));
            std::fs::write(&path, text).unwrap();
            let file = File::open(&path).unwrap();
            assert_eq!(
                read_known_length(&file, text.len()).as_deref(),
                Some(text.as_bytes())
            );
            // A file that is not the length it had (it grew, or shrank) is not taken.
            if !text.is_empty() {
                assert_eq!(read_known_length(&file, text.len() - 1), None);
            }
            assert_eq!(read_known_length(&file, text.len() + 1), None);
            std::fs::remove_file(&path).unwrap();
        }
        let text = large;
        let path = std::env::temp_dir().join(format!("cutover-halves-{}", std::process::id()));
        std::fs::write(&path, &text).unwrap();
        let read = Source::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(read.text, text);
    }

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("10K"), Ok(10 << 10));
        assert_eq!(parse_size("2MiB"), Ok(2 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert!(parse_size("5T").is_err());
        assert!(parse_size("lots").is_err());
        assert!(parse_size("8G").is_err());
        assert_eq!(size_text(1 << 30), "1 GiB");
        assert_eq!(size_text(1536), "1.5 KiB");
    }

    #[test]
    fn only_regular_files_are_read() {
        let err = read_regular(Path::new("/dev/zero"), 100).err().unwrap();
        assert!(
            err.message().contains("character device"),
            "{}",
            err.message()
        );
        let err = read_regular(Path::new("/"), 100).err().unwrap();
        assert!(err.message().contains("directory"));
    }

    #[test]
    fn utf16_and_utf32_are_recognised() {
        let utf16le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("a: 1".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert!(
            utf16_or_32(&utf16le)
                .unwrap()
                .starts_with("UTF-16 (little-endian")
        );
        let utf16be: Vec<u8> = "{}".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert!(
            utf16_or_32(&utf16be)
                .unwrap()
                .contains("big-endian, without")
        );
        assert!(
            utf16_or_32(&[0xFF, 0xFE, 0, 0, b'a', 0, 0, 0])
                .unwrap()
                .starts_with("UTF-32")
        );
        for text in ["a: 1\n", "{\"a\": 1}", "", "\u{feff}x: 1", "é"] {
            assert_eq!(utf16_or_32(text.as_bytes()), None, "{text:?}");
        }
    }

    #[test]
    fn offsets_inside_a_character_round_down() {
        let s = Source::from_text("x", "é");
        assert_eq!(s.location(1).column, 1);
    }

    proptest::proptest! {
        /// `Lines` answers as counting the line breaks does, whatever order it is asked
        /// in (forward, back, the same line again, after a jump far ahead).
        #[test]
        fn lines_answer_as_counting_line_breaks(
            pieces in proptest::collection::vec(proptest::sample::select(vec!["a", "bc", "\n", "\r\n", "\r", "é"]), 0..40),
            asks in proptest::collection::vec((0u8..2, 0usize..64), 0..40),
        ) {
            let text: String = pieces.concat();
            let source = Source::from_text("f", &text);
            let lines = Lines::new(&source);
            // Where each line starts: at 0, and after each line break.
            let starts: Vec<usize> = std::iter::once(0)
                .chain(text.match_indices('\n').map(|(at, _)| at + 1))
                .collect();
            for (what, at) in asks {
                match what {
                    0 => {
                        let offset = at.min(text.len());
                        let breaks = text.as_bytes()[..offset].iter().filter(|&&b| b == b'\n').count();
                        proptest::prop_assert_eq!(lines.index(offset), breaks);
                    }
                    _ => {
                        proptest::prop_assert_eq!(lines.start_of(at), starts.get(at).copied());
                        let end = starts.get(at + 1).copied().unwrap_or(text.len());
                        let start = starts.get(at).copied().unwrap_or(text.len());
                        proptest::prop_assert_eq!(lines.range(at), start..end);
                    }
                }
            }
        }
    }
}
