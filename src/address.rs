//! Addresses inside longer text: a Gmail search query, a notification list.
//!
//! A whole address is an `@` with address characters on both sides that is not glued to a
//! longer address: `info@old.example` is found in `to:(info@old.example)` but not in
//! `team.info@old.example` or `info@old.example.lists.example`.

use std::ops::Range;

use crate::edit::{self, Edit};
use crate::mapping::{EntryId, Mapping};
use crate::profile::Kind;

/// Each mapped whole address in `text`: its byte range, mapping entry and new address.
pub fn find<'m>(text: &str, mapping: &'m Mapping) -> Vec<(Range<usize>, EntryId, &'m str)> {
    find_with(text, |address| mapping.lookup(Kind::AddressInText, address))
        .into_iter()
        .map(|(range, (entry, new))| (range, entry, new))
        .collect()
}

/// Each whole address in `text` that `lookup` knows: its byte range and what `lookup` says.
pub fn find_with<T>(text: &str, lookup: impl Fn(&str) -> Option<T>) -> Vec<(Range<usize>, T)> {
    let bytes = text.as_bytes();
    let local = |b: u8| b.is_ascii_alphanumeric() || b"._%+-".contains(&b);
    // RFC 5322 local-part characters that text also puts around addresses (quotes, a
    // Markdown backtick, `#` and `!` before a name): part of the address only between a
    // letter or digit and the rest of it (`o'brien@`, `a!info@`, not `` `info@ ``). The
    // others that text, patterns and queries put around addresses never are: `/` `=` `?`
    // (URIs, `to=`), `*` (Sieve `:matches` wildcards), `^` `$` `|` (regex anchors and
    // alternation), `{` `}` (Gmail's OR groups).
    let joining = |b: u8| b"'!#&~`".contains(&b);
    let domain = |b: u8| b.is_ascii_alphanumeric() || b".-".contains(&b);
    // A letter or digit of any script next to it makes it part of a longer (international)
    // address or word; ASCII punctuation that addresses may hold but text uses around them
    // (quotes, brackets, `=`, `/`) does not.
    let glued = |c: Option<char>| c.is_some_and(|c| c == '@' || c == '_' || c.is_alphanumeric());
    let mut found: Vec<(Range<usize>, T)> = Vec::new();
    for (at, _) in text.match_indices('@') {
        let mut start = at;
        while start > 0 && local(bytes[start - 1]) {
            start -= 1;
            if start > 1 && joining(bytes[start - 1]) && bytes[start - 2].is_ascii_alphanumeric() {
                start -= 1;
            }
        }
        let mut end = at + 1;
        while end < bytes.len() && domain(bytes[end]) {
            end += 1;
        }
        while end > at + 1 && bytes[end - 1] == b'.' {
            end -= 1;
        }
        let whole = start < at
            && end > at + 1
            && !glued(text[..start].chars().next_back())
            && !glued(text[end..].chars().next())
            // A `+` or `%` after the domain joins it to more address (`…example+x@…`).
            && !matches!(bytes.get(end), Some(b'+' | b'%'));
        if !whole || found.last().is_some_and(|(r, _)| r.end > start) {
            continue;
        }
        // A `-` or `+` before an address in a search query is an operator (Gmail's "not"
        // and "exactly"), and no address begins with a dot: when the whole run is not a
        // known address, the one after them is tried.
        let mut first = start;
        loop {
            if let Some(known) = lookup(&text[first..end]) {
                found.push((first..end, known));
                break;
            }
            match bytes[first] {
                b'-' | b'+' | b'.' if first + 1 < at => first += 1,
                _ => break,
            }
        }
    }
    found
}

/// Whether each mapped address that `value` holds is written as it reads in `raw` (the
/// value's text as written, quotes and escapes included), so that each can be replaced
/// where it stands. Not so when an escape (`\u0040`) or a Sieve encoded character
/// (`${hex:40}`) spells part of one.
pub fn verbatim(raw: &str, value: &str, mapping: &Mapping) -> bool {
    // Written as it reads, but for its quotes: the same addresses (a quote is not part of
    // one, nor glued to one), and no search needed.
    let unquoted = raw
        .strip_prefix(['"', '\''])
        .and_then(|r| r.strip_suffix(['"', '\'']))
        .unwrap_or(raw);
    if unquoted == value {
        return true;
    }
    let entries = |text: &str| {
        let mut entries: Vec<EntryId> =
            find(text, mapping).into_iter().map(|(_, e, _)| e).collect();
        entries.sort_unstable();
        entries
    };
    entries(raw) == entries(value)
}

/// `text` with every mapped whole address replaced.
pub fn replace(text: &str, mapping: &Mapping) -> String {
    let edits: Vec<Edit> = find(text, mapping)
        .into_iter()
        .map(|(r, _, new)| Edit::replace(r, new))
        .collect();
    edit::apply(text, &edits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Source;

    #[test]
    fn only_whole_addresses_are_replaced() {
        let mapping = Mapping::from_source(Source::from_text(
            "m.yaml",
            "schema_version: 1\naddresses: {info@old.example: info@new.example, \
             \"o'brien@old.example\": obrien@new.example}\n",
        ))
        .unwrap();
        let cases = [
            (
                "from:(info@old.example) OR to:INFO@OLD.EXAMPLE.",
                "from:(info@new.example) OR to:info@new.example.",
            ),
            (
                "xinfo@old.example info@old.example.com info@old.examples",
                "xinfo@old.example info@old.example.com info@old.examples",
            ),
            (
                "{info@old.example b@c.example}",
                "{info@new.example b@c.example}",
            ),
            // Query operators and punctuation before an address are not part of it.
            (
                "from:(a@b.example -info@old.example) -INFO@old.example +info@old.example \
                 ...info@old.example",
                "from:(a@b.example -info@new.example) -info@new.example +info@new.example \
                 ...info@new.example",
            ),
            (
                "-@old.example x-info@old.example",
                "-@old.example x-info@old.example",
            ),
            ("a@@info@old.example", "a@@info@old.example"),
            // Other characters an address may hold make a longer one (`a!info@…` is not
            // `info@…`); those text and patterns put around addresses do not.
            (
                "a!info@old.example a#info@old.example a&info@old.example a~info@old.example \
                 a`info@old.example",
                "a!info@old.example a#info@old.example a&info@old.example a~info@old.example \
                 a`info@old.example",
            ),
            // Before a letter or digit only: text puts them around addresses too.
            (
                "`info@old.example` #info@old.example !info@old.example x/#info@old.example",
                "`info@new.example` #info@new.example !info@new.example x/#info@new.example",
            ),
            (
                "to=info@old.example *info@old.example a^info@old.example$ a|info@old.example",
                "to=info@new.example *info@new.example a^info@new.example$ a|info@new.example",
            ),
            (
                "info@old.example+x@old.example info@old.example%x",
                "info@old.example+x@old.example info@old.example%x",
            ),
            // An apostrophe inside the local part makes a longer address; quotes do not.
            (
                "from:o'info@old.example 'info@old.example' x'@old.example",
                "from:o'info@old.example 'info@new.example' x'@old.example",
            ),
            // International addresses: a letter of any script glues.
            (
                "éinfo@old.example info@old.exampleé «info@old.example»",
                "éinfo@old.example info@old.exampleé «info@new.example»",
            ),
        ];
        let cases = cases.into_iter().chain([(
            "to:(o'brien@old.example OR 'o'brien@old.example')",
            "to:(obrien@new.example OR 'obrien@new.example')",
        )]);
        for (text, expected) in cases {
            assert_eq!(replace(text, &mapping), expected);
        }
        assert!(verbatim(
            "\"to: info@old.example\"",
            "to: info@old.example",
            &mapping
        ));
        assert!(!verbatim(
            "\"info${hex:40}old.example\"",
            "info@old.example",
            &mapping
        ));
        assert!(!verbatim(
            "\"info\\u0040old.example\"",
            "info@old.example",
            &mapping
        ));
    }
}
