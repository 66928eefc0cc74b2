//! What the last build's check found clean, page by page, so that a build does not parse
//! a page again whose text did not change and whose links resolve against the same book.
//!
//! A page's entry is keyed by a hash of everything [`crate::validate::markdown_checks`]
//! reads for it ([`PageKeys`]): samsyn itself, what links resolve against
//! ([`crate::links::Resolver::digest_into`]: the pages' paths, URLs, document and heading
//! ids, the source folder's files), the page's number, file name, front-matter block and
//! Markdown. Only pages the check found nothing in have an entry, so no diagnostic is
//! stored: it holds the number of links checked and the pages they point at.
//!
//! A key names what it was made from, so an entry is true whichever build wrote it: the
//! file (`checks.bin` in the build cache's folder) is replaced by a rename, and read
//! without the cache's lock. Anything unexpected in it (another layout, a cut-off file)
//! makes it empty: the pages are then checked as in a build without a cache.

use crate::book::LoadedBook;
use crate::cache::{Key, KeyHasher};
use crate::links::Resolver;
use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;

/// The file in the cache folder.
const FILE: &str = "checks.bin";
/// The prefix of a memo being written (left behind by a build that was killed: the build
/// cache removes it, `crate::cache::BuildCache::open`).
pub const NEXT_PREFIX: &str = "checks.next-";
/// Its first bytes (the layout's version).
const MAGIC: &[u8; 8] = b"SSCHECK1";

/// A page the check found nothing in: its links and the pages they point at (itself
/// left out), as `markdown_checks` returns them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clean {
    pub links: usize,
    pub targets: Vec<usize>,
}

/// The clean pages of the last build, by key.
#[derive(Debug, Default)]
pub struct CheckMemo {
    clean: HashMap<Key, Clean>,
}

impl CheckMemo {
    /// The memo in the cache folder `dir`; empty when there is none or it cannot be read.
    pub fn read(dir: &Path) -> CheckMemo {
        let clean = std::fs::read(dir.join(FILE))
            .ok()
            .and_then(|bytes| decode(&bytes))
            .unwrap_or_default();
        CheckMemo { clean }
    }

    pub fn get(&self, key: &Key) -> Option<&Clean> {
        self.clean.get(key)
    }

    pub fn len(&self) -> usize {
        self.clean.len()
    }

    pub fn is_empty(&self) -> bool {
        self.clean.is_empty()
    }
}

/// The keys of a book's pages, all made with one digest of samsyn and of what the links
/// resolve against. `None` when samsyn cannot tell which samsyn it is.
pub struct PageKeys(Key);

impl PageKeys {
    pub fn new(resolver: &Resolver<'_>) -> Option<PageKeys> {
        let mut h = KeyHasher::new("check");
        h.part(&crate::cache::executable_key()?);
        resolver.digest_into(&mut h);
        Some(PageKeys(h.finish()))
    }

    /// The key of page `index`.
    pub fn of(&self, book: &LoadedBook, index: usize) -> Key {
        let page = &book.pages[index];
        let mut h = KeyHasher::new("check-page");
        h.part(&self.0)
            .part(&(index as u64).to_le_bytes())
            .part(page.file.as_bytes())
            .part(page.front_block.as_bytes())
            .part(page.markdown.as_bytes());
        h.finish()
    }
}

/// Replaces the memo in the cache folder `dir` (created if need be) with `clean`.
pub fn write(dir: &Path, clean: &[(Key, Clean)]) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut bytes = Vec::with_capacity(MAGIC.len() + 8 + clean.len() * 48);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&(clean.len() as u64).to_le_bytes());
    for (key, page) in clean {
        bytes.extend_from_slice(key);
        bytes.extend_from_slice(&(page.links as u64).to_le_bytes());
        bytes.extend_from_slice(&(page.targets.len() as u32).to_le_bytes());
        for &t in &page.targets {
            bytes.extend_from_slice(&(t as u32).to_le_bytes());
        }
    }
    let mut file = tempfile::Builder::new()
        .prefix(NEXT_PREFIX)
        .tempfile_in(dir)?;
    file.write_all(&bytes)?;
    file.persist(dir.join(FILE)).map_err(|e| e.error)?;
    Ok(())
}

/// The entries of a memo file; `None` unless it is whole and of this layout.
fn decode(bytes: &[u8]) -> Option<HashMap<Key, Clean>> {
    let mut rest = bytes.strip_prefix(MAGIC.as_slice())?;
    let mut take = |n: usize| -> Option<&[u8]> {
        let (head, tail) = rest.split_at_checked(n)?;
        rest = tail;
        Some(head)
    };
    let count = u64::from_le_bytes(take(8)?.try_into().ok()?);
    // Each entry takes at least 44 bytes: a count past that is a damaged file.
    let count = usize::try_from(count)
        .ok()
        .filter(|&c| c <= bytes.len() / 44)?;
    let mut clean = HashMap::with_capacity(count);
    for _ in 0..count {
        let key: Key = take(32)?.try_into().ok()?;
        let links = usize::try_from(u64::from_le_bytes(take(8)?.try_into().ok()?)).ok()?;
        let n = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
        let targets = take(n.checked_mul(4)?)?
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
            .collect();
        clean.insert(key, Clean { links, targets });
    }
    take(1).is_none().then_some(clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<(Key, Clean)> {
        vec![
            (
                [1; 32],
                Clean {
                    links: 3,
                    targets: vec![0, 7],
                },
            ),
            (
                [2; 32],
                Clean {
                    links: 0,
                    targets: vec![],
                },
            ),
        ]
    }

    #[test]
    fn a_written_memo_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &sample()).unwrap();
        let memo = CheckMemo::read(dir.path());
        assert_eq!(memo.len(), 2);
        assert_eq!(memo.get(&[1; 32]), Some(&sample()[0].1));
        assert_eq!(memo.get(&[2; 32]), Some(&sample()[1].1));
        assert_eq!(memo.get(&[3; 32]), None);
    }

    #[test]
    fn a_damaged_memo_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &sample()).unwrap();
        let whole = std::fs::read(dir.path().join(FILE)).unwrap();
        for cut in [0, 5, MAGIC.len() + 8, whole.len() - 1] {
            std::fs::write(dir.path().join(FILE), &whole[..cut]).unwrap();
            assert!(CheckMemo::read(dir.path()).is_empty(), "cut at {cut}");
        }
        let mut longer = whole.clone();
        longer.push(0);
        std::fs::write(dir.path().join(FILE), &longer).unwrap();
        assert!(CheckMemo::read(dir.path()).is_empty());
        let mut other = whole;
        other[7] = b'9';
        std::fs::write(dir.path().join(FILE), &other).unwrap();
        assert!(CheckMemo::read(dir.path()).is_empty());
        assert!(CheckMemo::read(&dir.path().join("none")).is_empty());
    }
}
