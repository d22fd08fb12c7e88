//! The strings of the tree (keys and string values), kept small.
//!
//! A large export spells the same few dozen keys and the same few hundred account IDs
//! millions of times. A [`Text`] is 16 bytes: a string of up to 7 bytes (`id`, `type`,
//! `is`) is stored inline, and a longer one is shared (the loaders hand them out through an
//! [`Interner`]). A `CompactString` is 24 bytes, and gave each long value its own
//! allocation.

use std::fmt;
use std::sync::Arc;

type FastBuild = std::hash::BuildHasherDefault<crate::fast_hash::FastHasher>;

#[derive(Clone)]
pub struct Text(Repr);

/// The compiler packs this in 16 bytes: `Shared`'s pointer is never null, and `Inline`
/// fits beside it.
#[derive(Clone)]
enum Repr {
    Inline(Inline),
    Shared(Arc<str>),
}

#[derive(Clone, Copy)]
struct Inline {
    len: u8,
    bytes: [u8; Inline::CAPACITY],
}

impl Inline {
    const CAPACITY: usize = 7;
}

impl Text {
    /// The bytes, without the UTF-8 check `as_str` makes on an inline text: comparing and
    /// hashing (every key a selector looks up) need only these, and so does telling
    /// whether a text may hold an account ID (`check`'s walk over every key).
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline(i) => &i.bytes[..usize::from(i.len)],
            Repr::Shared(s) => s.as_bytes(),
        }
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Only ever filled from a `&str` cut at its own length, so it is valid UTF-8.
            Repr::Inline(_) => std::str::from_utf8(self.as_bytes()).unwrap_or(""),
            Repr::Shared(s) => s,
        }
    }

    /// The shared string behind a long text (`None` for one stored inline).
    pub fn shared(&self) -> Option<&Arc<str>> {
        match &self.0 {
            Repr::Inline(_) => None,
            Repr::Shared(s) => Some(s),
        }
    }

    /// A text that is not shared with others (built outside a loader).
    fn new(s: &str) -> Text {
        Text::inline(s).unwrap_or_else(|| Text(Repr::Shared(s.into())))
    }

    fn inline(s: &str) -> Option<Text> {
        (s.len() <= Inline::CAPACITY).then(|| {
            let mut bytes = [0; Inline::CAPACITY];
            bytes[..s.len()].copy_from_slice(s.as_bytes());
            Text(Repr::Inline(Inline {
                len: s.len() as u8,
                bytes,
            }))
        })
    }
}

/// Shares the long strings a file repeats.
///
/// A cache, not a table of every string: each string has one slot (by its hash), and a
/// string seen again while it holds its slot is shared. The strings a file repeats (keys,
/// account IDs, addresses) stay in their slots; the ones it spells once (descriptions,
/// timestamps, the settings' own IDs) pass through. A table of every distinct string cost
/// a seventh of the time of loading a large export, growing and missing the CPU cache.
///
/// A string takes a slot only from its second sighting on (`seen` has a bit per slot):
/// the strings a file spells once then never touch the slots, and do not push out the IDs
/// that will be seen again. Reading a slot is the costly step (a cache miss, in a table of
/// megabytes); the bits are 64 times smaller.
#[derive(Debug, Default)]
pub struct Interner {
    slots: Vec<Option<Arc<str>>>,
    seen: Vec<u64>,
}

impl Interner {
    const MIN_SLOTS: usize = 16;
    const MAX_SLOTS: usize = 1 << 18;

    /// An interner for a text of `len` bytes (a slot for every kilobyte, 16 bytes each):
    /// a token parsed on its own gets a few slots, a large export up to 262,144, so that
    /// its thousands of account IDs keep their slots.
    pub fn for_len(len: usize) -> Interner {
        Interner::with_slots(len / 1024)
    }

    /// An interner with about `slots` slots (a power of two, 16 to 262,144).
    pub fn with_slots(slots: usize) -> Interner {
        let slots = slots
            .clamp(Self::MIN_SLOTS, Self::MAX_SLOTS)
            .next_power_of_two();
        Interner {
            slots: vec![None; slots],
            seen: vec![0; slots.div_ceil(64)],
        }
    }

    pub fn text(&mut self, s: &str) -> Text {
        if let Some(text) = Text::inline(s) {
            return text;
        }
        if self.slots.is_empty() {
            *self = Interner::with_slots(Self::MIN_SLOTS);
        }
        let hash = std::hash::BuildHasher::hash_one(&FastBuild::default(), s);
        let at = hash as usize & (self.slots.len() - 1);
        let (word, bit) = (at / 64, 1u64 << (at % 64));
        if self.seen[word] & bit == 0 {
            self.seen[word] |= bit;
            return Text(Repr::Shared(s.into()));
        }
        let slot = &mut self.slots[at];
        match slot {
            Some(shared) if **shared == *s => Text(Repr::Shared(shared.clone())),
            _ => {
                let shared: Arc<str> = s.into();
                *slot = Some(shared.clone());
                Text(Repr::Shared(shared))
            }
        }
    }
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl Default for Text {
    fn default() -> Text {
        Text::new("")
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::new(s)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::new(&s)
    }
}

/// Whether two texts' bytes are equal, told by their lengths and first bytes before the
/// rest is compared: a mapping's keys are compared with each other and with the names
/// selectors look for (`field`, `value`, `items`, of one length and different), and the
/// comparison of the rest is a call.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.first() == b.first() && a == b
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        same(self.as_bytes(), other.as_bytes())
    }
}

impl Eq for Text {}

impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // As `str` hashes itself, so a `&str` finds its `Text` in a map (`Borrow<str>`).
        state.write(self.as_bytes());
        state.write_u8(0xff);
    }
}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Text) -> std::cmp::Ordering {
        // Byte order is UTF-8's code point order, as for `str`.
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        same(self.as_bytes(), other.as_bytes())
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        same(self.as_bytes(), other.as_bytes())
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        same(self.as_bytes(), other.as_bytes())
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        same(self.as_bytes(), other.as_bytes())
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        same(self.as_bytes(), other.as_bytes())
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_equal_exactly_when_their_bytes_are() {
        let words = [
            "",
            "a",
            "b",
            "ab",
            "ba",
            "field",
            "value",
            "items",
            "fielD",
            "é",
            "e",
            "fieldsss",
            "fieldssss",
            "716be7a6-fd40-45a2-bfcb-43b9ed38d1f0",
            "716be7a6-fd40-45a2-bfcb-43b9ed38d1f1",
        ];
        let mut interner = Interner::default();
        for a in words {
            for b in words {
                let (ta, tb, owned) = (interner.text(a), Text::from(b), String::from(b));
                let equal = [ta == tb, ta == *b, *a == tb, ta == owned, owned == ta];
                assert_eq!(equal, [a == b; 5], "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn sixteen_bytes() {
        assert_eq!(std::mem::size_of::<Text>(), 16);
    }

    #[test]
    fn short_and_long_strings_read_back() {
        let mut interner = Interner::default();
        for s in [
            "",
            "id",
            "1234567",
            "12345678",
            "é",
            "ééé€",
            "a longer value, shared",
        ] {
            assert_eq!(interner.text(s).as_str(), s);
            assert_eq!(Text::from(s).as_str(), s);
        }
        // "ééé€" is 9 bytes: shared, not cut inside a character.
        assert!(matches!(Text::from("ééé€").0, Repr::Shared(_)));
        assert!(matches!(Text::from("1234567").0, Repr::Inline(_)));
    }

    #[test]
    fn a_text_hashes_and_orders_as_its_str() {
        use std::hash::BuildHasher;
        let build = std::collections::hash_map::RandomState::new();
        for s in ["", "id", "12345678", "ééé€"] {
            assert_eq!(build.hash_one(Text::from(s)), build.hash_one(s));
        }
        let mut texts: Vec<Text> = ["b", "é", "a longer one", "a"].map(Text::from).to_vec();
        texts.sort();
        assert_eq!(texts, ["a", "a longer one", "b", "é"]);
    }

    fn shared(text: &Text) -> &Arc<str> {
        match &text.0 {
            Repr::Shared(shared) => shared,
            Repr::Inline(_) => panic!("a long string is shared"),
        }
    }

    #[test]
    fn an_interner_shares_a_repeated_long_string() {
        let mut interner = Interner::for_len(1 << 20);
        let id = "cd613e30-d8f1-4adf-91b7-584a2265b1f5";
        // The first sighting keeps its own copy; from the second on, one is shared.
        let first = interner.text(id);
        let second = interner.text(id);
        assert!(!Arc::ptr_eq(shared(&first), shared(&second)));
        // Other strings in between, as in a file.
        for i in 0..100 {
            interner.text(&format!("description number {i}"));
        }
        let third = interner.text(id);
        assert!(Arc::ptr_eq(shared(&second), shared(&third)));
        assert_eq!(third.as_str(), id);
    }

    #[test]
    fn strings_that_share_a_slot_stay_themselves() {
        // Two slots: most of these strings collide, and each must still read back as
        // itself.
        let mut interner = Interner {
            slots: vec![None; 2],
            seen: vec![0],
        };
        let words: Vec<String> = (0..50).map(|i| format!("a long string {i}")).collect();
        for _ in 0..3 {
            for w in &words {
                assert_eq!(interner.text(w).as_str(), w);
            }
        }
        assert_eq!(
            Interner::default().text("not yet sized").as_str(),
            "not yet sized"
        );
    }
}
