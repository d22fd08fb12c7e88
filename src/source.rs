//! An input file as read: its name as the user gave it, its exact text, and a line index.
//!
//! Everything downstream works with byte offsets into `text`; this is the one place that
//! turns an offset into the line and column a person reads (1-based, columns in characters).

use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Error};
use crate::node::Span;

/// Largest file accepted: spans are `u32`.
const MAX_LEN: usize = u32::MAX as usize - 1;

#[derive(Debug)]
pub struct Source {
    /// The path used to open the file.
    pub path: PathBuf,
    /// The path as shown to the user and written in patches.
    pub name: String,
    pub text: String,
    /// Where each line starts; built on first use (a file that loads cleanly and needs no
    /// patch never needs it). `u32`, like spans: half the memory of `usize` on a large file.
    line_starts: std::sync::OnceLock<Vec<u32>>,
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
    /// Reads a file, refusing what is not text: invalid UTF-8 and NUL bytes.
    pub fn read(path: &Path) -> Result<Source, Error> {
        let name = display_name(path);
        let bytes = std::fs::read(path)
            .map_err(|e| Diagnostic::file(&name, format!("cannot read file: {}", io_reason(&e))))?;
        if bytes.len() > MAX_LEN {
            return Err(Diagnostic::file(&name, "file is larger than 4 GiB").into());
        }
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                let bytes = e.into_bytes();
                let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
                let source = Source::new(path.to_path_buf(), name, prefix);
                return Err(Diagnostic::at(
                    &source,
                    Span::new(valid, valid),
                    "file is not valid UTF-8",
                )
                .into());
            }
        };
        let source = Source::new(path.to_path_buf(), name, text);
        if let Some(nul) = source.text.find('\0') {
            return Err(Diagnostic::at(
                &source,
                Span::new(nul, nul + 1),
                "file contains a NUL byte; it is not a text export",
            )
            .into());
        }
        Ok(source)
    }

    pub fn new(path: PathBuf, name: String, text: String) -> Source {
        Source {
            path,
            name,
            text,
            line_starts: std::sync::OnceLock::new(),
        }
    }

    /// Replaces the text (reusing its buffer), for a source parsed many times over.
    pub fn set_text(&mut self, text: &str) {
        self.text.clear();
        self.text.push_str(text);
        self.line_starts = std::sync::OnceLock::new();
    }

    /// A source with no file behind it (built-in profiles, tests).
    pub fn from_text(name: &str, text: &str) -> Source {
        Source::new(PathBuf::from(name), name.to_owned(), text.to_owned())
    }

    fn line_starts(&self) -> &[u32] {
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
        let line = &self.text[self.line_range(index)];
        line.trim_end_matches('\n').trim_end_matches('\r')
    }

    pub fn location(&self, offset: usize) -> Location {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let index = self.line_index(offset);
        let start = self.line_starts()[index] as usize;
        Location {
            line: index + 1,
            column: self.text[start..offset].chars().count() + 1,
        }
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// A path as the user should see it: relative to the working directory where it was given so.
pub fn display_name(path: &Path) -> String {
    let text = path.to_string_lossy();
    text.strip_prefix("./").unwrap_or(&text).replace('\\', "/")
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
    fn offsets_inside_a_character_round_down() {
        let s = Source::from_text("x", "é");
        assert_eq!(s.location(1).column, 1);
    }
}
