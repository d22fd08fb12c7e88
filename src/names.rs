//! Names: accounts and settings as a person knows them, for every output.
//!
//! A reviewer cannot check `9853065c-…` against `5584b5bb-…`; they can check
//! `support@acme.example [mail.oldhost.example]` against `support@acme.example
//! [mail.newhost.example]`. An account is named by its declaration in the inputs — address,
//! name, mail host, and the first characters of its ID so that two accounts with one address
//! stay apart; an undeclared ID is shown as it is. A setting is named by its profile label,
//! with any account ID in it named the same way. The patch's hunk headers, the summary,
//! `check`, `checklist` and the review all name things through here.

use std::sync::OnceLock;

use crate::accounts::{self, Account};
use crate::fast_hash::FastMap;
use crate::file_name::shown;
use crate::inputs::Input;
use crate::profile::Kind;

#[derive(Debug, Default)]
pub struct Names {
    /// Each declared account, with its short name once something asked for it (`check`
    /// names an account in every finding: tens of thousands of times, a few hundred names).
    accounts: FastMap<String, (Account, OnceLock<String>)>,
    /// The byte length of the shortest declared ID: a shorter word of a label is none
    /// (labels are named for every setting, and most of their words are not IDs).
    shortest_id: usize,
    /// How many characters of an ID a name shows (see [`Names::short_id`]).
    id_shown: usize,
}

/// How many characters of an ID a name shows at least.
const ID_SHOWN: usize = 8;

impl Names {
    pub fn of(inputs: &[Input]) -> Names {
        Names::from_accounts(accounts::declared(inputs.iter().map(|i| &i.file)))
    }

    pub fn from_accounts(declared: Vec<Account>) -> Names {
        let shortest_id = declared.iter().map(|a| a.id.len()).min().unwrap_or(0);
        // As git lengthens a short hash: one character past the longest start that two
        // declared IDs share (neighbours once sorted), so that no two start alike.
        let mut ids: Vec<&str> = declared.iter().map(|a| a.id.as_str()).collect();
        ids.sort_unstable();
        let id_shown = ids
            .windows(2)
            .map(|pair| {
                let shared = pair[0].chars().zip(pair[1].chars());
                shared.take_while(|(a, b)| a == b).count() + 1
            })
            .fold(ID_SHOWN, usize::max);
        Names {
            accounts: declared
                .into_iter()
                .map(|a| (a.id.clone(), (a, OnceLock::new())))
                .collect(),
            shortest_id,
            id_shown,
        }
    }

    /// The start of an ID, as names show it: its first 8 characters, or as many more as
    /// tell every declared ID apart.
    pub fn short_id<'i>(&self, id: &'i str) -> &'i str {
        match id.char_indices().nth(self.id_shown) {
            Some((at, _)) => &id[..at],
            None => id,
        }
    }

    /// The declaration of an account ID, when an input declares it.
    pub fn declared(&self, id: &str) -> Option<&Account> {
        self.accounts.get(id).map(|(account, _)| account)
    }

    /// An account in full: `info@acme.example "Acme Info" [mail.newhost.example] 3f9c2a10`;
    /// an undeclared ID as it is.
    pub fn account(&self, id: &str) -> String {
        let Some(account) = self.declared(id) else {
            return id.to_owned();
        };
        let mut parts: Vec<String> = Vec::new();
        if let Some(address) = &account.address {
            parts.push(address.clone());
        }
        if let Some(name) = &account.name {
            parts.push(format!("\"{}\"", crate::file_name::quotes_escaped(name)));
        }
        if let Some(host) = account.hosts.first() {
            parts.push(format!("[{host}]"));
        }
        parts.push(self.short_id(id).to_owned());
        shown(&parts.join(" ")).into_owned()
    }

    /// An account in short, for inside a sentence: its address (or name) and the start of
    /// its ID; an undeclared ID as it is.
    pub fn short<'s>(&'s self, id: &'s str) -> &'s str {
        match self.accounts.get(id) {
            Some((account, short)) if account.address.is_some() || account.name.is_some() => short
                .get_or_init(|| {
                    shown(&format!("{} ({})", account.label(), self.short_id(id))).into_owned()
                }),
            _ => id,
        }
    }

    /// A referenced value as a person reads it: an account by its name, an address as it is.
    pub fn value(&self, kind: Kind, value: &str) -> String {
        match kind {
            Kind::Account => self.account(value),
            Kind::Address | Kind::AddressInText => value.to_owned(),
        }
    }

    /// A setting's label with every declared account ID in it named in short, on one line
    /// and safe to show (see [`shown`]): it is made of the export's own text.
    pub fn label(&self, label: &str) -> String {
        shown(&self.label_text(label)).into_owned()
    }

    /// [`Names::label`] as it is, not made safe to show: for programs (JSON).
    pub fn label_text(&self, label: &str) -> String {
        if self.accounts.is_empty() {
            return label.to_owned();
        }
        let mut named = String::new();
        let mut copied = 0;
        for (start, word) in id_words(label) {
            if word.len() >= self.shortest_id && self.declared(word).is_some() {
                named.push_str(&label[copied..start]);
                named.push_str(self.short(word));
                copied = start + word.len();
            }
        }
        if copied == 0 {
            return label.to_owned();
        }
        named.push_str(&label[copied..]);
        named
    }
}

/// The settings of one file by where their text stands, to name the setting around an
/// offset (a patch hunk's header).
#[derive(Debug, Default)]
pub struct SettingsAt {
    /// Each setting's text, through the end of its last line (what add mode inserts right
    /// after it belongs to it), and its name; by start.
    spans: Vec<(crate::node::Span, String)>,
}

impl SettingsAt {
    pub fn of(input: &Input, names: &Names) -> SettingsAt {
        let mut spans: Vec<(crate::node::Span, String)> = input
            .located
            .holders
            .iter()
            // A setting reached through an alias is written elsewhere: it has none.
            .filter_map(|holder| Some((holder.extent?, names.label(&holder.label))))
            .collect();
        through_line_ends(&input.file.source.text, &mut spans);
        spans.sort_by_key(|(span, _)| (span.start, std::cmp::Reverse(span.end)));
        SettingsAt { spans }
    }

    /// The innermost setting whose text holds `offset`.
    pub fn at(&self, offset: usize) -> Option<&str> {
        let after = self
            .spans
            .partition_point(|(span, _)| span.start as usize <= offset);
        self.spans[..after]
            .iter()
            .rev()
            .find(|(span, _)| offset <= span.end as usize)
            .map(|(_, name)| name.as_str())
    }
}

/// Extends each span through the end of its last line, its line break included: the end
/// of the source's `line_range` of that line. Found in the order the spans end, each search
/// for a line break going on from the last (on a minified export, one line, a search from
/// each setting's end would cross the rest of the file every time); the spans stay in
/// their order (settings that tie are named as before).
fn through_line_ends<T>(text: &str, spans: &mut [(crate::node::Span, T)]) {
    let mut by_end: Vec<usize> = (0..spans.len()).collect();
    by_end.sort_by_key(|&i| spans[i].0.end);
    let text = text.as_bytes();
    // The first line break at or after the last end looked at (`None`: there is none).
    let mut found = memchr::memchr(b'\n', text);
    for i in by_end {
        let span = &mut spans[i].0;
        let end = span.end as usize;
        if found.is_some_and(|at| at < end) {
            found = memchr::memchr(b'\n', &text[end..]).map(|at| end + at);
        }
        let reach = found.map_or(text.len(), |at| at + 1);
        *span = crate::node::Span::new(span.start as usize, reach);
    }
}

/// The words of a text that could be IDs, each with where it starts: runs of letters (of
/// any script), digits, `-` and `_`.
pub fn id_words(text: &str) -> IdWords<'_> {
    IdWords { text, at: 0 }
}

/// See [`id_words`]. ASCII bytes are classed by a table, run by run (every string a check
/// reads for mentions, and every setting's label, is split into words: decoding each
/// character was most of that); another character by whether it is a letter or digit.
pub struct IdWords<'t> {
    text: &'t str,
    at: usize,
}

/// What each byte is to [`IdWords`]: a byte of a word (an ASCII letter or digit, `-`, `_`),
/// of no word (other ASCII), or part of a character to decode (`OTHER`).
const BYTE_CLASS: [u8; 256] = {
    let mut table = [OTHER; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = match c.is_ascii_alphanumeric() || c == b'-' || c == b'_' {
            true => WORD,
            false => GAP,
        };
        b += 1;
    }
    table
};
const GAP: u8 = 0;
const WORD: u8 = 1;
const OTHER: u8 = 2;

impl IdWords<'_> {
    /// Moves past the bytes of class `class`, and the characters beyond ASCII that are
    /// letters or digits exactly when `class` is `WORD`.
    fn pass(&mut self, class: u8) {
        let bytes = self.text.as_bytes();
        loop {
            self.at += bytes[self.at..]
                .iter()
                .position(|&b| BYTE_CLASS[usize::from(b)] != class)
                .unwrap_or(bytes.len() - self.at);
            match self.text[self.at..].chars().next() {
                Some(c) if !c.is_ascii() && c.is_alphanumeric() == (class == WORD) => {
                    self.at += c.len_utf8();
                }
                _ => return,
            }
        }
    }
}

impl<'t> Iterator for IdWords<'t> {
    type Item = (usize, &'t str);

    fn next(&mut self) -> Option<(usize, &'t str)> {
        self.pass(GAP);
        let start = self.at;
        self.pass(WORD);
        (self.at > start).then(|| (start, &self.text[start..self.at]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::Span;

    proptest::proptest! {
        /// The words, and where each starts, are those a split at every character that is
        /// not a letter, digit, `-` or `_` gives, in any script.
        #[test]
        fn id_words_split_as_characters_do(
            text in "([a-zA-Z0-9_ @.:\\-]|é|ß|١|中|\u{2028}|\u{00a0}|😀|ǅ){0,40}"
        ) {
            let mut split = Vec::new();
            let mut word: Option<usize> = None;
            for (at, c) in text.char_indices().chain([(text.len(), ' ')]) {
                match (c.is_alphanumeric() || c == '-' || c == '_', word) {
                    (true, None) => word = Some(at),
                    (false, Some(start)) => {
                        split.push((start, &text[start..at]));
                        word = None;
                    }
                    _ => {}
                }
            }
            proptest::prop_assert_eq!(id_words(&text).collect::<Vec<_>>(), split);
        }
    }

    fn names() -> Names {
        Names::from_accounts(vec![Account {
            id: "716be7a6-fd40-45a2-bfcb-43b9ed38d1f0".into(),
            address: Some("info@acme-old.example".into()),
            name: Some("Acme Info".into()),
            channel: Some("email".into()),
            hosts: vec!["mail.oldhost.example".into()],
            file: "a.yaml".into(),
            span: Span::default(),
        }])
    }

    #[test]
    fn settings_reach_the_end_of_their_last_line_as_the_line_index_says() {
        for text in [
            "",
            "x",
            "{\"a\": [1, 2, 3]}",
            "a\nbc\r\n\nd",
            "ab\n",
            "\n\n",
        ] {
            let source = crate::source::Source::from_text("f", text);
            let mut spans: Vec<(Span, usize)> = Vec::new();
            for start in 0..=text.len() {
                for end in start..=text.len() {
                    spans.push((Span::new(start, end), spans.len()));
                }
            }
            let want: Vec<Span> = spans
                .iter()
                .map(|(span, _)| {
                    let line = source.line_index(span.end as usize);
                    Span::new(span.start as usize, source.line_range(line).end)
                })
                .collect();
            // In an order other than by end, as holders come; and kept in it.
            spans.reverse();
            through_line_ends(text, &mut spans);
            let order: Vec<usize> = spans.iter().map(|(_, i)| *i).collect();
            assert!(
                order.iter().rev().copied().eq(0..order.len()),
                "{text:?}: order kept"
            );
            for (span, i) in spans {
                assert_eq!(span, want[i], "{text:?}");
            }
        }
    }

    /// Two IDs that share their first 8 characters are shown as far as they differ, and so
    /// is every other ID (one length for all, as git lengthens short hashes).
    #[test]
    fn ids_are_shown_as_far_as_they_differ() {
        let account = |id: &str| Account {
            id: id.into(),
            ..names()
                .declared("716be7a6-fd40-45a2-bfcb-43b9ed38d1f0")
                .unwrap()
                .clone()
        };
        let names = Names::from_accounts(vec![
            account("3f9c2a10-5b7e-4c1d"),
            account("716be7a6-fd40-45a2"),
            account("3f9c2a10-ffff-4c1d"),
        ]);
        assert_eq!(names.short_id("3f9c2a10-5b7e-4c1d"), "3f9c2a10-5");
        assert_eq!(names.short_id("3f9c2a10-ffff-4c1d"), "3f9c2a10-f");
        assert_eq!(names.short_id("716be7a6-fd40-45a2"), "716be7a6-f");
        assert_ne!(
            names.account("3f9c2a10-5b7e-4c1d"),
            names.account("3f9c2a10-ffff-4c1d")
        );
        // Otherwise 8.
        assert_eq!(self::names().short_id("716be7a6-fd40-45a2"), "716be7a6");
    }

    #[test]
    fn accounts_are_named_by_their_declaration() {
        let names = names();
        assert_eq!(
            names.account("716be7a6-fd40-45a2-bfcb-43b9ed38d1f0"),
            "info@acme-old.example \"Acme Info\" [mail.oldhost.example] 716be7a6"
        );
        assert_eq!(names.account("zz-undeclared"), "zz-undeclared");
        // A quote in a name is escaped: the name shown in quotes ends where it ends.
        let mut quoted = names
            .declared("716be7a6-fd40-45a2-bfcb-43b9ed38d1f0")
            .unwrap()
            .clone();
        quoted.name = Some("Acme\" [x] \"Info".into());
        assert_eq!(
            Names::from_accounts(vec![quoted]).account("716be7a6-fd40-45a2-bfcb-43b9ed38d1f0"),
            "info@acme-old.example \"Acme\\\" [x] \\\"Info\" [mail.oldhost.example] 716be7a6"
        );
        assert_eq!(
            names.short("716be7a6-fd40-45a2-bfcb-43b9ed38d1f0"),
            "info@acme-old.example (716be7a6)"
        );
        assert_eq!(
            names.label("sharing of 716be7a6-fd40-45a2-bfcb-43b9ed38d1f0, or x"),
            "sharing of info@acme-old.example (716be7a6), or x"
        );
        assert_eq!(names.value(Kind::Address, "a@b.example"), "a@b.example");
        // A label is the export's own text: shown on one line, in its order, inert.
        assert_eq!(
            names.label("rule \"evil\u{202e}\x1b[31mred\nline\""),
            "rule \"evil\\342\\200\\256\\033[31mred\\nline\""
        );
    }
}
