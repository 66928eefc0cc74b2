//! What an index build can take over from the previous build's index, so that a build
//! after a small edit does not redo the whole book: the fragment archives whose members
//! did not change, and tantivy's segments of the runs of sections that did not change.
//!
//! The clean build's steps stay the only algorithm. Each memoized step hashes its whole
//! input (before compression, before indexing); when the hash equals the one recorded by
//! the previous build, the previous build's file is the step's output, byte for byte, and
//! is hard-linked instead of made again.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What an index build recorded for the next one (kept by the caller, e.g. a build cache,
/// beside the stamps of the index's files).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexMemo {
    /// Each fragment archive, in archive order.
    pub fragments: Vec<ArchiveMemo>,
    /// tantivy's runs of sections; `None` for an index without tantivy.
    pub tantivy: Option<RunsMemo>,
}

/// A fragment archive: the hash of its members before compression, its content hash
/// (in its file name) and each member's place in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveMemo {
    pub key: String,
    pub hash: u32,
    pub places: Vec<(usize, usize)>,
}

/// tantivy's index is written a run of sections at a time, each run committed as
/// segments of its own, so that a run can be replaced without touching the others
/// (deleting a run's sections empties its segments, which tantivy then drops, so the
/// index-wide statistics stay exactly a clean build's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunsMemo {
    /// Sections in the book.
    pub sections: usize,
    /// Sections per run (the last may have fewer).
    pub run_len: usize,
    /// Each run's key: the hash of every value and token tantivy got for its sections.
    pub keys: Vec<String>,
}

/// The previous build's index: its folder, and the memo it recorded. The caller vouches
/// that the folder's files are still the ones that build wrote.
pub struct PreviousIndex<'a> {
    pub dir: &'a Path,
    pub memo: &'a IndexMemo,
}

/// Sections per tantivy run in a book of `sections`: at most 32 runs (a run is about six
/// files), and none shorter than 4,096 sections (each run is a commit).
pub(super) fn run_len(sections: usize) -> usize {
    sections.div_ceil(32).max(4096)
}

/// A step's key: SHA-256 of its parts, each with its length, in hex.
#[derive(Default)]
pub(super) struct StepHasher(Sha256);

impl StepHasher {
    pub fn part(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }

    pub fn finish(self) -> String {
        self.0
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// The key of a fragment archive made of `members` (before compression).
pub(super) fn archive_key(members: &[Vec<u8>]) -> String {
    let mut h = StepHasher::default();
    h.part(b"fragments");
    for m in members {
        h.part(m);
    }
    h.finish()
}

impl PreviousIndex<'_> {
    /// The previous build's fragment archive number `g`, when its key is `key`: its file
    /// is linked into `dir` (copied where links fail); returns its memo and size.
    pub(super) fn take_archive(
        &self,
        g: usize,
        key: &str,
        dir: &Path,
    ) -> Option<(&ArchiveMemo, u64)> {
        let memo = self.memo.fragments.get(g).filter(|m| m.key == key)?;
        let name = crate::format::frag_archive(g, memo.hash);
        link_or_copy(&self.dir.join(&name), &dir.join(&name)).ok()?;
        Some((memo, std::fs::metadata(dir.join(&name)).ok()?.len()))
    }

    /// The previous build's tantivy runs, when they cut the book as `sections` and
    /// `run_len` do.
    pub(super) fn runs(&self, sections: usize, run_len: usize) -> Option<&RunsMemo> {
        self.memo
            .tantivy
            .as_ref()
            .filter(|r| r.sections == sections && r.run_len == run_len)
    }
}

/// Links the previous tantivy folder's files (not its lock files) into `to`. tantivy
/// never changes a file it wrote (it writes new segments and replaces its meta files by
/// renaming), so the previous site's files stay as they are.
pub(super) fn link_tantivy_files(from: &Path, to: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if !entry.file_type()?.is_file() || name.to_string_lossy().ends_with(".lock") {
            continue;
        }
        link_or_copy(&entry.path(), &to.join(&name))?;
    }
    Ok(())
}

fn link_or_copy(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::hard_link(from, to).or_else(|_| std::fs::copy(from, to).map(|_| ()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_at_most_32_and_never_short() {
        assert_eq!(run_len(10), 4096);
        assert_eq!(run_len(65_000), 4096);
        assert_eq!(run_len(650_000), 20_313);
        assert!(650_000usize.div_ceil(run_len(650_000)) <= 32);
    }

    #[test]
    fn an_archive_key_sees_where_members_are_cut() {
        let a = archive_key(&[b"ab".to_vec(), b"c".to_vec()]);
        let b = archive_key(&[b"a".to_vec(), b"bc".to_vec()]);
        assert_ne!(a, b);
        assert_eq!(a, archive_key(&[b"ab".to_vec(), b"c".to_vec()]));
    }
}
