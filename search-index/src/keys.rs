//! Keys of what something is made from, for the build cache and the index memo: SHA-256
//! of length-prefixed parts, so that parts never run into each other.

use sha2::{Digest, Sha256};
use std::io::{self, Write};

/// A hash of what something is made from.
pub type Key = [u8; 32];

/// Builds a [`Key`] from parts. As an [`io::Write`] it takes serialised values (written
/// as they come, without length prefixes).
pub struct KeyHasher(Sha256);

impl KeyHasher {
    /// A hasher for keys of the kind `domain`.
    pub fn new(domain: &str) -> KeyHasher {
        let mut h = KeyHasher(Sha256::new());
        h.part(domain.as_bytes());
        h
    }

    /// Adds one part.
    pub fn part(&mut self, bytes: &[u8]) -> &mut KeyHasher {
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }

    pub fn finish(self) -> Key {
        self.0.finalize().into()
    }

    /// The key in hex.
    pub fn finish_hex(self) -> String {
        hex::encode(self.finish())
    }
}

impl Write for KeyHasher {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What the index takes of each page of the book, for keys of its parts: the number of
/// the page's first section and a digest of its sections' records and texts (as
/// [`crate::bodies::EncodedPage`] holds them), in page order. A part of the index made
/// from a range of sections is then keyed by the digests of the pages it covers instead
/// of the sections' texts.
#[derive(Debug, Clone, Default)]
pub struct PageDigests {
    starts: Vec<usize>,
    digests: Vec<Key>,
    sections: usize,
}

impl PageDigests {
    /// Adds the next page: its `sections` and its digest.
    pub fn push(&mut self, sections: usize, digest: Key) {
        self.starts.push(self.sections);
        self.digests.push(digest);
        self.sections += sections;
    }

    /// Sections of all the pages.
    pub fn sections(&self) -> usize {
        self.sections
    }

    /// The pages' digests, in page order.
    pub fn digests(&self) -> &[Key] {
        &self.digests
    }

    /// Hashes into `h` what sections `range` are made from: the range, and each page it
    /// covers (its digest and the part of it covered, counted from its first section).
    pub fn hash_range(&self, range: std::ops::Range<usize>, h: &mut KeyHasher) {
        h.part(&(range.start as u64).to_le_bytes())
            .part(&(range.end as u64).to_le_bytes());
        let first = self.starts.partition_point(|&s| s <= range.start);
        for p in first.saturating_sub(1)..self.starts.len() {
            let start = self.starts[p];
            let end = self.starts.get(p + 1).copied().unwrap_or(self.sections);
            if start >= range.end {
                break;
            }
            if end <= range.start || end == start {
                continue;
            }
            let from = range.start.max(start) - start;
            let to = range.end.min(end) - start;
            h.part(&self.digests[p])
                .part(&(from as u64).to_le_bytes())
                .part(&(to as u64).to_le_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_of(pages: &PageDigests, range: std::ops::Range<usize>) -> Key {
        let mut h = KeyHasher::new("test");
        pages.hash_range(range, &mut h);
        h.finish()
    }

    #[test]
    fn a_range_is_keyed_by_the_pages_it_covers_and_no_other() {
        let mut a = PageDigests::default();
        a.push(3, [1; 32]);
        a.push(0, [9; 32]);
        a.push(2, [2; 32]);
        a.push(4, [3; 32]);
        assert_eq!(a.sections(), 9);
        let mut b = a.clone();
        b.digests[3] = [4; 32];
        // Sections 1..5 lie in the first and third pages: the fourth's change is not seen.
        assert_eq!(key_of(&a, 1..5), key_of(&b, 1..5));
        assert_ne!(key_of(&a, 1..6), key_of(&b, 1..6));
        // Another part of the same pages, or the same part elsewhere in the book, differs.
        assert_ne!(key_of(&a, 1..5), key_of(&a, 0..5));
        let mut c = PageDigests::default();
        c.push(1, [0; 32]);
        c.push(3, [1; 32]);
        c.push(2, [2; 32]);
        assert_ne!(key_of(&a, 1..5), key_of(&c, 2..6));
        let mut e = a.clone();
        e.digests[2] = [5; 32];
        assert_ne!(key_of(&a, 1..5), key_of(&e, 1..5));
    }
}
