//! A fast hasher for the maps the tool keys by spans, indexes and short IDs.
//!
//! std's default, SipHash, is built to resist keys chosen to collide; that protection is
//! for servers hashing strangers' input. Here the keys are offsets and values of the
//! user's own file, and SipHash alone was a tenth of the time spent locating references in
//! a large export. This is the multiply-rotate hash rustc uses for the same reason (FxHash).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;
pub type FastSet<K> = HashSet<K, BuildHasherDefault<FastHasher>>;

#[derive(Clone, Copy, Debug, Default)]
pub struct FastHasher(u64);

impl FastHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        // A product's low bits depend only on the low bits of what was multiplied, and the
        // table picks buckets by the low bits: two `u32`s packed in one word (a path's
        // positions, hashed as bytes) that differ only in the upper one would all collide.
        // The high bits are mixed from every input bit; rotating brings them down (as
        // rustc-hash 2 does).
        self.0.rotate_left(26)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_keys_stay_distinct() {
        let mut set: FastSet<(u32, u32)> = FastSet::default();
        for a in 0..300 {
            for b in 0..300 {
                assert!(set.insert((a, b)));
            }
        }
        assert_eq!(set.len(), 90_000);
        let words: FastSet<String> = ["", "a", "ab", "abcdefgh", "abcdefghi"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(words.len(), 5);
        assert!(words.contains("abcdefgh"));
    }

    /// Paths `[1, i]` differ only in the upper half of the word they are hashed as; the
    /// table's bucket comes from the low bits, which must still tell them apart.
    #[test]
    fn low_bits_spread_for_keys_that_differ_high() {
        use std::hash::BuildHasher;
        let build = BuildHasherDefault::<FastHasher>::default();
        let buckets: FastSet<u64> = (0..1024u32)
            .map(|i| build.hash_one(&[1u32, i][..]) & 1023)
            .collect();
        assert!(buckets.len() > 512, "{} buckets of 1024", buckets.len());
    }
}
