//! File names, whatever bytes they hold: shown safely, quoted for patches, stored losslessly.
//!
//! A Unix file name is any bytes but `/` and NUL: a newline, an ESC that would recolour the
//! terminal, bytes that are not UTF-8. Each place a name leaves the program needs its own
//! form, and this module is the one place that makes them:
//! - [`shown`]: for people (diagnostics, summaries) — control characters escaped C-style,
//!   so a name can neither break a line nor drive the terminal;
//! - [`git_quoted`]: for patch headers — quoted exactly as git quotes a path, so `git apply`
//!   and `patch` read back the same bytes;
//! - [`stored`] / [`from_stored`]: for saved plans and journals — the name as a string, plus
//!   its bytes in hex when it is not UTF-8, so nothing is lost.

use std::borrow::Cow;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// `text` with every control character (C0, DEL, C1) and every character that is not
/// drawn ([`is_hidden`]: bidirectional and other format characters, line and paragraph
/// separators) escaped the way C and git write bytes (`\n`, `\t`, `\033`,
/// `\342\200\256`), for output to a terminal or a page: a name can neither break a line,
/// drive the terminal, show its characters in another order than they are, nor look the
/// same as another name. Other text is unchanged.
pub fn shown(text: &str) -> Cow<'_, str> {
    let hidden = |c: char| is_control(c) || is_hidden(c);
    if printable_ascii(text, false) || !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut before = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        // The joiners between letters of the scripts they shape (RFC 5892's ContextJ
        // scripts: Arabic, Syriac, N'Ko, Mongolian, and the Brahmic scripts of South and
        // Southeast Asia; Persian کتاب‌خانه, Devanagari conjuncts) are part of how a word
        // is spelt: shown as they are. Elsewhere they change nothing that shows.
        let shaping = |c: &char| {
            matches!(*c,
                '\u{600}'..='\u{8ff}' | '\u{900}'..='\u{dff}' | '\u{1000}'..='\u{109f}'
                | '\u{1780}'..='\u{18af}' | '\u{a800}'..='\u{a8ff}'
                | '\u{fb50}'..='\u{fdff}' | '\u{fe70}'..='\u{fefc}')
                && !is_hidden(*c)
        };
        let in_word = matches!(c, '\u{200c}' | '\u{200d}')
            && before.as_ref().is_some_and(shaping)
            && chars.peek().is_some_and(shaping);
        before = Some(c);
        if hidden(c) && !in_word {
            let mut utf8 = [0; 4];
            for &byte in c.encode_utf8(&mut utf8).as_bytes() {
                push_escape(&mut out, byte);
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` with each `"` escaped (`\"`), for a name shown between quotes: a quote in it
/// would end the name early (`rule "a" b"`). Nothing else is escaped, so it stays one to
/// one: every `"` left is a quote that was there.
pub fn quotes_escaped(text: &str) -> Cow<'_, str> {
    match text.contains('"') {
        true => Cow::Owned(text.replace('"', "\\\"")),
        false => Cow::Borrowed(text),
    }
}

/// Like [`shown`], but keeps line breaks and tabs: for messages, which may be laid out in
/// lines, and whose names are already [`shown`].
pub fn shown_text(text: &str) -> Cow<'_, str> {
    if printable_ascii(text, true) {
        return Cow::Borrowed(text);
    }
    if !text
        .chars()
        .any(|c| (is_control(c) && c != '\n' && c != '\t') || is_hidden(c))
    {
        return Cow::Borrowed(text);
    }
    text.split_inclusive(['\n', '\t'])
        .map(|piece| {
            let end = piece.len() - piece.ends_with(['\n', '\t']) as usize;
            format!("{}{}", shown(&piece[..end]), &piece[end..])
        })
        .collect::<String>()
        .into()
}

/// Whether `text` is printable ASCII only (and line breaks and tabs, with `breaks`):
/// nothing in it is hidden, told byte by byte (a check `check` makes on tens of thousands
/// of messages, faster than decoding their characters). Each block is folded whole, not
/// stopped at its first other byte, so that its bytes are compared many at once.
pub fn printable_ascii(text: &str, breaks: bool) -> bool {
    text.as_bytes().chunks(64).all(|block| {
        block.iter().fold(true, |plain, &b| {
            plain & (b.wrapping_sub(b' ') < 0x5f || (breaks & (b == b'\n' || b == b'\t')))
        })
    })
}

fn is_control(c: char) -> bool {
    c.is_control()
}

/// The characters a terminal or a browser does not draw as themselves: the format
/// characters (Unicode's category Cf, as of Unicode 15.1: bidirectional embeddings,
/// overrides, isolates and marks, which reorder text; zero-width spaces and joiners, the
/// word joiner, the byte-order mark, the soft hyphen, tags, which show nothing) and the
/// line and paragraph separators (U+2028, U+2029, which break a line). Text that differs
/// only in them looks the same, or in another order than it is.
pub fn is_hidden(c: char) -> bool {
    matches!(c,
        '\u{ad}' | '\u{600}'..='\u{605}' | '\u{61c}' | '\u{6dd}' | '\u{70f}'
        | '\u{890}'..='\u{891}' | '\u{8e2}' | '\u{180e}' | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206f}'
        | '\u{feff}' | '\u{fff9}'..='\u{fffb}' | '\u{110bd}' | '\u{110cd}'
        | '\u{13430}'..='\u{1343f}' | '\u{1bca0}'..='\u{1bca3}' | '\u{1d173}'..='\u{1d17a}'
        | '\u{e0001}' | '\u{e0020}'..='\u{e007f}')
}

/// The C escape of one byte, as git writes it.
fn push_escape(out: &mut String, byte: u8) {
    match byte {
        0x07 => out.push_str("\\a"),
        0x08 => out.push_str("\\b"),
        b'\t' => out.push_str("\\t"),
        b'\n' => out.push_str("\\n"),
        0x0b => out.push_str("\\v"),
        0x0c => out.push_str("\\f"),
        b'\r' => out.push_str("\\r"),
        b'"' => out.push_str("\\\""),
        b'\\' => out.push_str("\\\\"),
        _ => out.push_str(&format!("\\{byte:03o}")),
    }
}

/// `prefix` + `path` as a patch header names it: as is when that is plain, otherwise in
/// double quotes with C escapes, as git does (`"a/odd\nname.yaml"`). A control character,
/// a `"` or a `\`, or bytes that are not UTF-8 make a name need quoting; UTF-8 text does
/// not (git with `core.quotePath` off), so a name in any script stays readable.
pub fn git_quoted(prefix: &str, path: &Path) -> String {
    let bytes = path.as_os_str().as_bytes();
    let mut whole = Vec::with_capacity(prefix.len() + bytes.len());
    whole.extend_from_slice(prefix.as_bytes());
    whole.extend_from_slice(bytes);
    let needs_quotes = |text: &str| text.chars().any(|c| is_control(c) || c == '"' || c == '\\');
    match std::str::from_utf8(&whole) {
        Ok(text) if !needs_quotes(text) => text.to_owned(),
        _ => {
            let mut out = String::from("\"");
            for chunk in whole.utf8_chunks() {
                for c in chunk.valid().chars() {
                    if is_control(c) || c == '"' || c == '\\' {
                        let mut utf8 = [0; 4];
                        for &byte in c.encode_utf8(&mut utf8).as_bytes() {
                            push_escape(&mut out, byte);
                        }
                    } else {
                        out.push(c);
                    }
                }
                for &byte in chunk.invalid() {
                    push_escape(&mut out, byte);
                }
            }
            out.push('"');
            out
        }
    }
}

/// A path as saved in a file: its text, and its bytes in hex when the text cannot hold
/// them (a name that is not UTF-8). The text alone is then only for people to read.
pub fn stored(path: &Path) -> (String, Option<String>) {
    match path.to_str() {
        Some(text) => (text.to_owned(), None),
        None => (
            path.to_string_lossy().into_owned(),
            Some(
                path.as_os_str()
                    .as_bytes()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect(),
            ),
        ),
    }
}

/// The path [`stored`] saved: the hex bytes when present, else the text.
pub fn from_stored(text: &str, hex: Option<&str>) -> Result<PathBuf, String> {
    let Some(hex) = hex else {
        return Ok(PathBuf::from(text));
    };
    let digits = hex.as_bytes();
    if digits.len() % 2 != 0 {
        return Err(format!("the hex bytes of {text:?} have an odd length"));
    }
    let bytes = digits
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| format!("the hex bytes of {text:?} are not hex"))?;
    Ok(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Characters that are not drawn are escaped: two names that differ only in them, or in
    /// where a line breaks, must not look the same.
    #[test]
    fn characters_that_are_not_drawn_are_escaped() {
        for (c, escaped) in [
            ('\u{200b}', "\\342\\200\\213"),
            ('\u{200d}', "\\342\\200\\215"),
            ('\u{2060}', "\\342\\201\\240"),
            ('\u{feff}', "\\357\\273\\277"),
            ('\u{2028}', "\\342\\200\\250"),
            ('\u{2029}', "\\342\\200\\251"),
            ('\u{202e}', "\\342\\200\\256"),
            ('\u{2066}', "\\342\\201\\246"),
            ('\u{e0041}', "\\363\\240\\201\\201"),
        ] {
            assert_eq!(shown(&format!("a{c}b")), format!("a{escaped}b"), "{c:?}");
        }
        // Drawn characters beside them stay as they are.
        assert_eq!(shown("\u{2027}\u{202f}é"), "\u{2027}\u{202f}é");
        // Joiners inside a word of a script they shape are part of its spelling; elsewhere
        // (between Latin letters or emoji, at an end) they are escaped.
        for word in ["کتاب\u{200c}خانه", "क्\u{200d}ष"] {
            assert_eq!(shown(word), word);
        }
        assert_eq!(shown("👨\u{200d}👩"), "👨\\342\\200\\215👩");
        assert_eq!(shown("خ\u{200c}"), "خ\\342\\200\\214");
        for looks_alike in ["ạ\u{200d}ạ", "א\u{200c}ב"] {
            assert!(
                shown(looks_alike).contains("\\342\\200\\2"),
                "{looks_alike}"
            );
        }
    }

    #[test]
    fn control_characters_are_escaped_for_people() {
        assert_eq!(shown("plain/é.yaml"), "plain/é.yaml");
        assert_eq!(
            shown("a\nb\x1b[31m\u{9b}.yaml"),
            "a\\nb\\033[31m\\302\\233.yaml"
        );
    }

    /// Printable ASCII is shown as it is; DEL and the C0 controls beside it are escaped
    /// (messages keep their line breaks and tabs).
    #[test]
    fn the_printable_ascii_range_ends_where_controls_start() {
        assert!(matches!(shown(" ~plain"), Cow::Borrowed(" ~plain")));
        assert_eq!(shown("a\x7fb\x1fc"), "a\\177b\\037c");
        assert!(matches!(shown_text("a\n\tb~"), Cow::Borrowed("a\n\tb~")));
        assert_eq!(shown_text("a\n\x7f\tb"), "a\n\\177\tb");
        assert_eq!(shown_text("a\n\u{202e}b"), "a\n\\342\\200\\256b");
        assert_eq!(shown("a\tb"), "a\\tb");
    }

    #[test]
    fn patch_names_are_quoted_as_git_does() {
        assert_eq!(git_quoted("a/", Path::new("x/é.yaml")), "a/x/é.yaml");
        assert_eq!(
            git_quoted("a/", Path::new("odd\nname.yaml")),
            "\"a/odd\\nname.yaml\""
        );
        assert_eq!(
            git_quoted("b/", Path::new("q\"\\.yaml")),
            "\"b/q\\\"\\\\.yaml\""
        );
        let latin1 = PathBuf::from(std::ffi::OsString::from_vec(b"caf\xe9.yaml".to_vec()));
        assert_eq!(git_quoted("a/", &latin1), "\"a/caf\\351.yaml\"");
    }

    #[test]
    fn stored_names_round_trip() {
        for raw in [&b"plain.yaml"[..], b"caf\xe9.yaml", b"odd\nname.yaml"] {
            let path = PathBuf::from(std::ffi::OsString::from_vec(raw.to_vec()));
            let (text, hex) = stored(&path);
            assert_eq!(hex.is_some(), std::str::from_utf8(raw).is_err());
            assert_eq!(from_stored(&text, hex.as_deref()).unwrap(), path);
        }
        assert!(from_stored("x", Some("zz")).is_err());
        assert!(from_stored("x", Some("abc")).is_err());
    }
}
