//! What an index build can take over from the previous build's index, so that a build
//! after a small edit does not redo the whole book: the fragment archives whose members
//! did not change, and tantivy's segments of the runs of sections that did not change.
//!
//! The clean build's steps stay the only algorithm. Each memoized step hashes its whole
//! input (before compression, before indexing); when the hash equals the one recorded by
//! the previous build, the previous build's file is the step's output, byte for byte, and
//! is hard-linked instead of made again.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;
use std::sync::{Arc, Mutex};

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
    /// The compressed members of the term shard and pack archives and the files of one
    /// member (vocabulary, validity table), file by file.
    #[serde(default)]
    pub compressed: Vec<CompressedFile>,
    /// The term shards, each with the key of what it was built from.
    #[serde(default)]
    pub shards: Option<ShardsMemo>,
}

/// The term shards of an index, so that the next build takes over each shard whose terms,
/// postings and scoring did not change: its entries from its member of the shard archive,
/// its packs' stored bytes from the pack archives. Its bytes, once its packs are placed
/// again, are then what building it would give.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardsMemo {
    /// What scoring read of each section (the field norm ids, the status factor and the
    /// virtual section number: [`SECTION_SCORING_BYTES`] bytes a section), base64. A term
    /// found in a section whose values changed is scored anew.
    pub sections: String,
    /// The shard archives' file names, by group, and the pack archives', by number.
    pub shard_archives: Vec<String>,
    pub pack_archives: Vec<String>,
    /// Each shard, in shard order.
    pub shards: Vec<ShardMemo>,
}

/// Bytes of a section's values in [`ShardsMemo::sections`].
pub const SECTION_SCORING_BYTES: usize = 12;

/// One term shard ([`ShardsMemo`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardMemo {
    /// The hash of the scoring statistics and of its terms with their postings (hex).
    pub key: String,
    /// Its member (compressed): shard archive group, offset and length.
    pub group: usize,
    pub offset: u64,
    pub len: u64,
    /// The bundle weight of each of its posting packs.
    pub weights: Vec<usize>,
}

/// A file of compressed members: its name, and each member's key ([`Compressor`]: the
/// hash of its bytes before compression and of the level), offset and length.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompressedFile {
    pub name: String,
    pub members: Vec<(String, u64, u64)>,
}

/// The key of a member before compression ([`Compressor::compress`]).
pub(super) type MemberKey = [u8; 16];

/// A member compressed by a [`Compressor`]: its stored bytes, and its key when the
/// compressor keys members.
pub(super) struct Compressed {
    pub bytes: Vec<u8>,
    pub key: Option<MemberKey>,
}

/// Compresses the members of the static index (term shards, posting and position
/// packs, the vocabulary). A member whose bytes and level the previous build compressed
/// too is that build's stored bytes, read from its file, instead of compressed again:
/// DEFLATE at a level is a function of its input, so they are the same bytes.
pub(super) struct Compressor<'a> {
    /// Whether members are keyed (for the next build's memo, or to look them up).
    keyed: bool,
    previous: Option<PreviousMembers<'a>>,
}

/// The previous build's compressed members, by key: (file, offset, length).
struct PreviousMembers<'a> {
    files: &'a [CompressedFile],
    by_key: HashMap<MemberKey, (usize, u64, u64)>,
    reader: PreviousFiles<'a>,
}

/// Reads parts of the previous build's files, each file opened once.
pub(super) struct PreviousFiles<'a> {
    dir: &'a Path,
    open: Mutex<HashMap<String, Arc<File>>>,
}

impl<'a> PreviousFiles<'a> {
    pub fn new(dir: &'a Path) -> Self {
        PreviousFiles {
            dir,
            open: Mutex::default(),
        }
    }

    /// `len` bytes at `offset` of the file `name`; `None` when it cannot be read.
    pub fn read(&self, name: &str, offset: u64, len: u64) -> Option<Vec<u8>> {
        let file = {
            let mut open = self.open.lock().ok()?;
            match open.get(name) {
                Some(file) => file.clone(),
                None => {
                    let file = Arc::new(File::open(self.dir.join(name)).ok()?);
                    open.insert(name.to_string(), file.clone());
                    file
                }
            }
        };
        let mut bytes = vec![0; usize::try_from(len).ok()?];
        read_exact_at(&file, &mut bytes, offset).ok()?;
        Some(bytes)
    }
}

impl<'a> Compressor<'a> {
    /// A compressor that takes members from `previous` and, when `keyed`, keys every
    /// member for the next build.
    pub fn new(previous: Option<&PreviousIndex<'a>>, keyed: bool) -> Compressor<'a> {
        let previous = previous.map(|p| {
            let files = p.memo.compressed.as_slice();
            let mut by_key = HashMap::new();
            for (f, file) in files.iter().enumerate() {
                for (key, offset, len) in &file.members {
                    if let Some(key) = unhex(key) {
                        by_key.insert(key, (f, *offset, *len));
                    }
                }
            }
            PreviousMembers {
                files,
                by_key,
                reader: PreviousFiles::new(p.dir),
            }
        });
        Compressor {
            keyed: keyed || previous.is_some(),
            previous,
        }
    }

    /// `bytes` compressed at DEFLATE `level` (1–9).
    pub fn compress(&self, bytes: &[u8], level: u8) -> Compressed {
        if !self.keyed {
            return Compressed {
                bytes: crate::format::compress_at(bytes, level),
                key: None,
            };
        }
        let mut h = Sha256::new();
        h.update([level]);
        h.update(bytes);
        let key: MemberKey = h.finalize()[..16].try_into().expect("16 of 32 bytes");
        let taken = self.previous.as_ref().and_then(|p| p.read(&key));
        Compressed {
            bytes: taken.unwrap_or_else(|| crate::format::compress_at(bytes, level)),
            key: Some(key),
        }
    }
}

impl PreviousMembers<'_> {
    /// The stored bytes of the previous member `key`; `None` when there is none or it
    /// cannot be read.
    fn read(&self, key: &MemberKey) -> Option<Vec<u8>> {
        let &(f, offset, len) = self.by_key.get(key)?;
        self.reader.read(&self.files[f].name, offset, len)
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

/// Reads at an offset without moving a cursor that other threads share (a seek and a
/// read could interleave with theirs).
#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

/// Elsewhere the member is compressed again.
#[cfg(not(any(unix, windows)))]
fn read_exact_at(_: &File, _: &mut [u8], _: u64) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// A member's key from the memo's hex; `None` unless it is one.
fn unhex(s: &str) -> Option<MemberKey> {
    let mut key = [0; 16];
    hex::decode_to_slice(s, &mut key).ok()?;
    Some(key)
}

/// The members of one file for the memo: each key with its (offset, length); members
/// without a key (a compressor that does not key them) leave the file out.
pub(super) fn compressed_file(
    name: &str,
    members: impl IntoIterator<Item = (Option<MemberKey>, (usize, usize))>,
) -> Option<CompressedFile> {
    let members = members
        .into_iter()
        .map(|(key, (offset, len))| Some((hex::encode(key?), offset as u64, len as u64)))
        .collect::<Option<Vec<_>>>()?;
    Some(CompressedFile {
        name: name.to_string(),
        members,
    })
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

/// The previous build's term shards ([`ShardsMemo`]), found by key.
pub(super) struct PreviousShards<'a> {
    pub memo: &'a ShardsMemo,
    by_key: HashMap<&'a str, &'a ShardMemo>,
    /// [`ShardsMemo::sections`], decoded.
    sections: Vec<u8>,
    /// Each pack archive's members' keys, by offset.
    pack_keys: Vec<HashMap<u64, MemberKey>>,
    pub files: PreviousFiles<'a>,
}

impl<'a> PreviousShards<'a> {
    /// The shards of `previous`; `None` when its memo has none, or they cannot be read.
    pub fn new(previous: &PreviousIndex<'a>) -> Option<Self> {
        let memo = previous.memo.shards.as_ref()?;
        let engine = &base64::engine::general_purpose::STANDARD;
        let sections = base64::Engine::decode(engine, &memo.sections).ok()?;
        let files: HashMap<&str, &CompressedFile> = previous
            .memo
            .compressed
            .iter()
            .map(|f| (f.name.as_str(), f))
            .collect();
        let pack_keys = memo
            .pack_archives
            .iter()
            .map(|name| {
                files.get(name.as_str()).map_or_else(HashMap::new, |f| {
                    f.members
                        .iter()
                        .filter_map(|(key, offset, _)| Some((*offset, unhex(key)?)))
                        .collect()
                })
            })
            .collect();
        Some(PreviousShards {
            memo,
            by_key: memo.shards.iter().map(|m| (m.key.as_str(), m)).collect(),
            sections,
            pack_keys,
            files: PreviousFiles::new(previous.dir),
        })
    }

    /// What scoring read of section `d` in the previous build, if it had it.
    pub fn section(&self, d: usize) -> Option<&[u8]> {
        self.sections
            .get(d * SECTION_SCORING_BYTES..(d + 1) * SECTION_SCORING_BYTES)
    }

    /// The previous shard built from what `key` hashes.
    pub fn shard(&self, key: &str) -> Option<&'a ShardMemo> {
        self.by_key.get(key).copied()
    }

    /// The key of the pack at `offset` of pack archive number `archive`.
    pub fn pack_key(&self, archive: usize, offset: u64) -> Option<MemberKey> {
        self.pack_keys.get(archive)?.get(&offset).copied()
    }
}

/// [`ShardsMemo::sections`] from the values of every section, in order.
pub(super) fn encode_sections(
    values: impl ExactSizeIterator<Item = [u8; SECTION_SCORING_BYTES]>,
) -> String {
    let mut bytes = Vec::with_capacity(values.len() * SECTION_SCORING_BYTES);
    for v in values {
        bytes.extend_from_slice(&v);
    }
    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes)
}

/// Sections per tantivy run in a book of `sections`: at most 32 runs (a run is about six
/// files), and none shorter than 4,096 sections (each run is a commit).
pub(super) fn run_len(sections: usize) -> usize {
    sections.div_ceil(32).max(4096)
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

/// How [`link_or_copy`] put a file in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placed {
    Linked,
    Copied,
}

/// Puts a previous build's file `from` at `to`: a hard link (the previous build never
/// changes its files), or a copy on a file system without them.
pub fn link_or_copy(from: &Path, to: &Path) -> std::io::Result<Placed> {
    match std::fs::hard_link(from, to) {
        Ok(()) => Ok(Placed::Linked),
        Err(_) => std::fs::copy(from, to).map(|_| Placed::Copied),
    }
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
    fn a_member_the_previous_build_compressed_is_read_from_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let text = b"barn och unga, barn och unga, barn och unga".as_slice();
        // The previous build's file: another member first, then this one's stored bytes.
        let first = Compressor::new(None, true).compress(text, 6);
        assert_eq!(first.bytes, crate::format::compress_at(text, 6));
        // Bytes that are not DEFLATE's, so that taking them shows they were read.
        let stored = b"stored".to_vec();
        std::fs::write(
            dir.path().join("p0-1.bin"),
            [b"xx".as_slice(), &stored].concat(),
        )
        .unwrap();
        let memo = IndexMemo {
            compressed: vec![
                compressed_file("p0-1.bin", [(first.key, (2, stored.len()))]).unwrap(),
            ],
            ..IndexMemo::default()
        };
        let previous = PreviousIndex {
            dir: dir.path(),
            memo: &memo,
        };
        let compressor = Compressor::new(Some(&previous), false);
        assert_eq!(compressor.compress(text, 6).bytes, stored);
        // Another level or other bytes are compressed.
        assert_eq!(
            compressor.compress(text, 1).bytes,
            crate::format::compress_at(text, 1)
        );
        assert_eq!(
            compressor.compress(b"unga", 6).bytes,
            crate::format::compress_at(b"unga", 6)
        );
        // A file cut short is not read past its end: the member is compressed.
        std::fs::write(dir.path().join("p0-1.bin"), b"xxsto").unwrap();
        let compressor = Compressor::new(Some(&previous), false);
        assert_eq!(compressor.compress(text, 6).bytes, first.bytes);
    }

    #[test]
    fn members_without_keys_are_not_recorded() {
        let plain = Compressor::new(None, false).compress(b"barn", 6);
        assert!(plain.key.is_none());
        assert!(compressed_file("f", [(plain.key, (0, 4))]).is_none());
        let keyed = Compressor::new(None, true).compress(b"barn", 6);
        let file = compressed_file("f", [(keyed.key, (0, 4))]).unwrap();
        assert_eq!(unhex(&file.members[0].0), keyed.key);
    }
}
