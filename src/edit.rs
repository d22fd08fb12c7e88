//! Edits: the unit of change. A fix for a file is a list of [`Edit`]s, each replacing one
//! byte range with new text; nothing else in the file is touched.

use std::ops::Range;

use crate::text::Text;

/// The content is a [`Text`]: a plan writes the same few new values thousands of times,
/// and each edit then shares its content instead of owning a copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub content: Text,
}

impl Edit {
    pub fn replace(range: Range<usize>, content: impl Into<Text>) -> Edit {
        Edit {
            range,
            content: content.into(),
        }
    }

    pub fn delete(range: Range<usize>) -> Edit {
        Edit::replace(range, "")
    }

    pub fn insert(at: usize, content: impl Into<Text>) -> Edit {
        Edit::replace(at..at, content)
    }
}

/// Sorts edits, drops exact duplicates (one anchor reached through several aliases gives the
/// same edit more than once) and refuses overlaps, which would make the result ambiguous.
pub fn normalize(mut edits: Vec<Edit>) -> Result<Vec<Edit>, (Edit, Edit)> {
    // Unstable (in place, no scratch copy of the edits), on the whole edit so the order is
    // still fully determined.
    edits.sort_unstable_by(|a, b| {
        (a.range.start, a.range.end, &a.content).cmp(&(b.range.start, b.range.end, &b.content))
    });
    edits.dedup();
    for pair in edits.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let touching_inserts =
            a.range.is_empty() && b.range.is_empty() && a.range.start == b.range.start;
        if a.range.end > b.range.start || touching_inserts {
            return Err((a.clone(), b.clone()));
        }
    }
    Ok(edits)
}

/// Applies sorted, non-overlapping edits to a text.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    apply_in(text, 0..text.len(), edits)
}

/// The part `window` of a text with the given edits (which lie inside it) applied.
pub fn apply_in(text: &str, window: Range<usize>, edits: &[Edit]) -> String {
    let added: usize = edits.iter().map(|e| e.content.len()).sum();
    let mut out = String::with_capacity(window.len() + added);
    let mut at = window.start;
    for edit in edits {
        out.push_str(&text[at..edit.range.start]);
        out.push_str(&edit.content);
        at = edit.range.end;
    }
    out.push_str(&text[at..window.end]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_in_order_and_keeps_the_rest() {
        let edits = normalize(vec![
            Edit::replace(6..9, "NEW"),
            Edit::replace(0..1, "X"),
            Edit::replace(6..9, "NEW"),
        ])
        .unwrap();
        assert_eq!(edits.len(), 2);
        assert_eq!(apply("a: b, old, c", &edits), "X: b, NEW, c");
    }

    #[test]
    fn overlaps_are_refused() {
        assert!(normalize(vec![Edit::replace(0..3, "a"), Edit::replace(2..4, "b")]).is_err());
        assert!(normalize(vec![Edit::insert(2, "a"), Edit::insert(2, "b")]).is_err());
        assert!(normalize(vec![Edit::replace(0..2, "a"), Edit::replace(2..4, "b")]).is_ok());
    }
}
