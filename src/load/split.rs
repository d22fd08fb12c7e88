//! Parsing one large JSON file on two cores.
//!
//! An export is mostly one long list (the rules). While the main parser works from the top,
//! a second thread finds where the second half of that list begins, with a scan that only
//! follows strings and brackets, and parses the items from there to the list's end. When
//! the main parser reaches exactly that item of exactly that list, it takes those items
//! instead of parsing them itself. The scan is only a guess: on anything unexpected (a
//! wrong guess, malformed input, an error in the second half) the main parser goes on by
//! itself, so the tree and every error are the same as from one core.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::node::Node;

/// What the two threads share.
#[derive(Debug, Default)]
pub struct Split {
    /// Where the list starts and where its second half begins, once the scan has found it.
    point: OnceLock<(usize, usize)>,
    /// Set when the main parser no longer needs the second half.
    abandoned: AtomicBool,
}

/// The second half of a list: its items and the offset just after its `]`.
pub type Tail = Option<(Vec<Node>, usize)>;

impl Split {
    /// Publishes the split point; the second thread then parses from `from`.
    pub fn propose(&self, list: usize, from: usize) -> bool {
        self.point.set((list, from)).is_ok()
    }

    /// Whether the item at `at` of the list that starts at `list` is where the second half
    /// begins.
    pub fn is_point(&self, list: usize, at: usize) -> bool {
        self.point.get() == Some(&(list, at))
    }

    pub fn abandon(&self) {
        self.abandoned.store(true, Ordering::Relaxed);
    }

    pub fn is_abandoned(&self) -> bool {
        self.abandoned.load(Ordering::Relaxed)
    }
}

/// Where to split `bytes`: the outermost list open at the middle of the text (the root,
/// or a member of the root), the start of its first item after the middle, and the depth
/// of its items. `None` when there is no such list.
pub fn find(bytes: &[u8]) -> Option<(usize, usize, usize)> {
    find_after(bytes, bytes.len() / 2)
}

/// As [`find`], with the split at the first item after `middle` (a second thread that
/// does more than parse its half, such as locating in it, takes a smaller one).
pub fn find_after(bytes: &[u8], middle: usize) -> Option<(usize, usize, usize)> {
    // The bracket and offset of the open containers at depths 0 and 1.
    let mut outer = [(0u8, 0usize); 2];
    let mut depth = 0usize;
    // The chosen list's offset and the depth of its items, once the middle is passed.
    let mut target: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                // To the closing quote, jumping over the text between escapes (vector
                // search: strings are a good part of an export).
                i += 1;
                loop {
                    let rest = bytes.get(i..).unwrap_or_default();
                    // A string never closed: no split.
                    let at = memchr::memchr2(b'"', b'\\', rest)?;
                    i += at;
                    if bytes[i] == b'"' {
                        break;
                    }
                    i += 2;
                }
            }
            open @ (b'{' | b'[') => {
                if depth < outer.len() {
                    outer[depth] = (open, i);
                }
                depth += 1;
            }
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if target.is_some_and(|(_, items)| depth < items) {
                    return None; // the list ended before another item
                }
            }
            b',' => {
                if let Some((list, items)) = target
                    && depth == items
                {
                    let from = i
                        + 1
                        + bytes[i + 1..]
                            .iter()
                            .position(|b| !b.is_ascii_whitespace())?;
                    return Some((list, from, items));
                }
            }
            _ => {}
        }
        if target.is_none() && i >= middle {
            target = Some(
                (0..depth.min(outer.len()))
                    .find(|&d| outer[d].0 == b'[')
                    .map(|d| (outer[d].1, d + 1))?,
            );
        }
        i += 1;
    }
    None
}

/// A guess at the first item after `middle` of the list whose `[` is at `list`, for a
/// text written with one item a line (as jq, `json.dumps(indent=…)` and the app write
/// exports): after the list's first item comes a comma, the same line break and
/// indentation as before it, and a value starting as it does. A line break is never
/// inside a JSON string, so this is found without following the text from its start
/// (which [`find_after`] must, and which is a sixth of the second thread's time); a
/// deeper line has more indentation and does not match. Only a guess: the same at
/// another list at that indentation, or at a mapping's member written like an item.
/// `None` for a list whose first item is on its line (minified text).
pub fn guess_item_after(bytes: &[u8], list: usize, middle: usize) -> Option<usize> {
    let inside = bytes.get(list + 1..)?;
    let lead = &inside[..inside.iter().position(|b| !b.is_ascii_whitespace())?];
    let first = *inside.get(lead.len())?;
    if !lead.contains(&b'\n') || first == b']' {
        return None;
    }
    let mut separator = Vec::with_capacity(lead.len() + 2);
    separator.push(b',');
    separator.extend_from_slice(lead);
    separator.push(first);
    let from = middle.max(list + 1);
    let at = memchr::memmem::find(bytes.get(from..)?, &separator)?;
    Some(from + at + separator.len() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_the_outermost_list_after_the_middle() {
        let text = r#"{"a": 1, "rules": [{"x": "[,]"}, {"x": 2}, {"x": [3, 4]}, {"x": 5}]}"#;
        let (list, from, items) = find(text.as_bytes()).unwrap();
        assert_eq!(&text[list..list + 1], "[");
        assert_eq!(list, text.find("[{").unwrap());
        assert!(from >= text.len() / 2);
        assert_eq!(&text[from..], r#"{"x": [3, 4]}, {"x": 5}]}"#);
        assert_eq!(items, 2);
    }

    #[test]
    fn a_root_list_splits_too() {
        let text = "[1, 2, 3, 4, 5, 6]";
        let (list, from, items) = find(text.as_bytes()).unwrap();
        assert_eq!((list, items), (0, 1));
        assert_eq!(&text[from..], "5, 6]");
    }

    #[test]
    fn no_list_at_the_middle_no_split() {
        assert_eq!(
            find(br#"{"a": "a long string in the middle", "b": []}"#),
            None
        );
        assert_eq!(find(br#"{"a": [1, {"b": "the last item is long"}]}"#), None);
        assert_eq!(find(b"]]]]"), None);
        assert_eq!(find(br#"{"a": [1, 2, "never closed \" ]]]]]]]]]]]]"#), None);
    }

    #[test]
    fn a_guess_takes_the_next_item_at_the_first_item_s_indentation() {
        let text = "{\"rules\": [\n    {\"a\": [\n      {\"deeper\": 1},\n      {\"deeper\": 2}\n    ]},\n    {\"a\": 3},\n    {\"a\": 4}\n  ],\n  \"x\": 1}";
        let list = text.find('[').unwrap();
        // From the start: the second item (the deeper lines have more indentation).
        let second = text.find("{\"a\": 3}").unwrap();
        assert_eq!(guess_item_after(text.as_bytes(), list, 0), Some(second));
        assert_eq!(
            guess_item_after(text.as_bytes(), list, second),
            Some(text.find("{\"a\": 4}").unwrap())
        );
        // Both agree with the scan where it splits.
        let (found, from, _) = find_after(text.as_bytes(), list + 1).unwrap();
        assert_eq!((found, from), (list, second));
        // Nothing after the last item; a list on one line, or empty, is left to the scan.
        assert_eq!(
            guess_item_after(text.as_bytes(), list, text.find("{\"a\": 4}").unwrap()),
            None
        );
        assert_eq!(
            guess_item_after(b"{\"r\": [{\"a\": 1}, {\"a\": 2}]}", 6, 0),
            None
        );
        assert_eq!(
            guess_item_after(b"{\"r\": [\n  ],\n  \"s\": [\n  ]}", 6, 0),
            None
        );
        // CRLF and tabs are part of the layout.
        let crlf = "[\r\n\t{\"a\": 1},\r\n\t{\"a\": 22, \"b\": [\r\n\t\t{},\r\n\t\t{}\r\n\t]},\r\n\t{\"a\": 4}\r\n]";
        let (second, third) = (
            crlf.find("{\"a\": 22").unwrap(),
            crlf.find("{\"a\": 4").unwrap(),
        );
        assert_eq!(guess_item_after(crlf.as_bytes(), 0, 3), Some(second));
        assert_eq!(guess_item_after(crlf.as_bytes(), 0, second), Some(third));
        assert_eq!(guess_item_after(crlf.as_bytes(), 0, third), None);
    }

    #[test]
    fn escaped_quotes_stay_inside_their_string() {
        // `"\"[\\"` and `"\"]\\\""`: a quote and a backslash escaped, then the string ends.
        let text = r#"{"a": "\"[\\", "rules": [{"x": "\"]\\\""}, {"x": 2}, {"x": 3}, {"x": 4}, {"x": 5}]}"#;
        let (list, from, items) = find(text.as_bytes()).unwrap();
        assert_eq!(list, text.find("[{").unwrap());
        assert_eq!(items, 2);
        assert!(text[from..].starts_with("{\"x\": "), "{}", &text[from..]);
    }
}
