//! The strings of the tree (keys and string values), kept small.
//!
//! A large export spells the same few dozen keys and the same few hundred account IDs
//! millions of times. A [`Text`] is 16 bytes: a string of up to 7 bytes (`id`, `type`,
//! `is`) is stored inline, and a longer one is shared, one allocation per distinct string
//! in a file (the loaders hand them out through an [`Interner`]). A `CompactString` is 24
//! bytes, and gave each long value its own allocation.

use std::fmt;
use std::sync::Arc;

use crate::fast_hash::FastMap;

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
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Only ever filled from a `&str` cut at its own length, so it is valid UTF-8.
            Repr::Inline(i) => std::str::from_utf8(&i.bytes[..usize::from(i.len)]).unwrap_or(""),
            Repr::Shared(s) => s,
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

/// Hands out one shared [`Text`] per distinct long string.
#[derive(Debug, Default)]
pub struct Interner {
    shared: FastMap<Arc<str>, ()>,
}

impl Interner {
    pub fn text(&mut self, s: &str) -> Text {
        if let Some(text) = Text::inline(s) {
            return text;
        }
        if let Some((shared, ())) = self.shared.get_key_value(s) {
            return Text(Repr::Shared(shared.clone()));
        }
        let shared: Arc<str> = s.into();
        self.shared.insert(shared.clone(), ());
        Text(Repr::Shared(shared))
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

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Text) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
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
    fn an_interner_shares_each_long_string_once() {
        let mut interner = Interner::default();
        let a = interner.text("cd613e30-d8f1-4adf-91b7-584a2265b1f5");
        let b = interner.text("cd613e30-d8f1-4adf-91b7-584a2265b1f5");
        let (Repr::Shared(a), Repr::Shared(b)) = (&a.0, &b.0) else {
            panic!("long strings are shared");
        };
        assert!(Arc::ptr_eq(a, b));
        assert_eq!(interner.shared.len(), 1);
    }
}
