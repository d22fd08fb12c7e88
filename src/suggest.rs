//! "Did you mean": the closest known word to a mistyped one, when it is a small edit away.
//!
//! Shared by every refusal that names something unknown (an old account ID in the mapping,
//! a `--removed` ID, a key of a condition), so they all suggest alike. The distance is
//! optimal string alignment (Levenshtein plus swapping two neighbours, the commonest typo:
//! `feild` is one edit from `field`), counted in characters.

/// The candidate closest to `word`, if one is at most a small distance away (one edit in
/// six characters, at least one); ties go to the first candidate in sorted order.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word: Vec<char> = word.chars().collect();
    let limit = (word.len() / 6).max(1);
    let mut best: Option<(usize, &str)> = None;
    let mut other: Vec<char> = Vec::new();
    for candidate in candidates {
        other.clear();
        other.extend(candidate.chars());
        if other == word {
            continue;
        }
        let bound = best.map_or(limit, |(d, _)| d.min(limit));
        if let Some(d) = distance(&word, &other, bound)
            && best.is_none_or(|(bd, bc)| (d, candidate) < (bd, bc))
        {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// The optimal-string-alignment distance between `a` and `b`, or `None` when it exceeds
/// `limit` (found early: once a whole row exceeds it, no later row can come back under).
pub fn distance(a: &[char], b: &[char], limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let width = b.len() + 1;
    // Three rows: two back (for the swap), the previous one, and the one being filled.
    let mut rows = vec![0usize; 3 * width];
    for (j, cell) in rows[width..2 * width].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        let (older, rest) = rows.split_at_mut(width);
        let (previous, current) = rest.split_at_mut(width);
        current[0] = i;
        let mut row_min = current[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(older[j - 2] + 1);
            }
            current[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > limit {
            return None;
        }
        // Rotate: the previous row becomes the older one, the current the previous.
        rows.rotate_left(width);
    }
    // After the last rotation the last row filled stands in the middle.
    let d = rows[2 * width - 1];
    (d <= limit).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(a: &str, b: &str) -> Option<usize> {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        distance(&a, &b, 10)
    }

    #[test]
    fn distances_count_swaps_as_one_edit() {
        assert_eq!(d("feild", "field"), Some(1));
        assert_eq!(d("fild", "field"), Some(1));
        assert_eq!(d("field", "field"), Some(0));
        assert_eq!(d("", "op"), Some(2));
        assert_eq!(d("kitten", "sitting"), Some(3));
        assert_eq!(d("ab", "ba"), Some(1));
        assert_eq!(d("ca", "abc"), Some(3));
        let (a, b): (Vec<char>, Vec<char>) =
            ("abcdef".chars().collect(), "uvwxyz".chars().collect());
        assert_eq!(distance(&a, &b, 2), None);
    }

    #[test]
    fn suggests_only_what_is_close() {
        let keys = ["field", "op", "value", "match", "items"];
        assert_eq!(closest("feild", keys), Some("field"));
        assert_eq!(closest("vaule", keys), Some("value"));
        assert_eq!(closest("itmes", keys), Some("items"));
        assert_eq!(closest("comment", keys), None);
        let ids = [
            "8a1e55c2-0d9f-4b8a-a7c3-91e2f0b4d6a8",
            "716be7a6-fd40-45a2-bfcb-43b9ed38f9c6",
        ];
        assert_eq!(
            closest("716be7a6-fd40-45a2-bfcb-43b9ed38f9c7", ids),
            Some("716be7a6-fd40-45a2-bfcb-43b9ed38f9c6")
        );
        assert_eq!(closest("3f9c2a10-5b7e-4c1d-9a8e-2d4f6b8c0e13", ids), None);
        // The word itself is not a suggestion.
        assert_eq!(closest("field", keys), None);
    }
}
