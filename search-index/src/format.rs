//! Binary encoding of the static browser index (shared by the exporter and the reader).
//!
//! A cold query reads the meta file, one term shard per word (which holds the first
//! postings of its terms), a few posting packs for words with many sections, and one
//! fragment file per result page. Each of these is raw DEFLATE on its own, but only the
//! meta file, the vocabulary, the validity table and the bundle are files: the term shards
//! with their packs, and the fragment files, are members of a few archives, so that a site
//! has few files whatever its size (a host's file limit, a deploy's cost per file). The
//! reader names what it needs as `<archive>@<offset>+<length>` ([`range_name`]); the
//! browser fetches that with a `Range` request (every server the README lists answers
//! them), and inflates it as it would a file.
//!
//! An archive starts with its directory: a [`RECORD_LEN`]-byte record per member
//! ([`encode_record`]: where the member is). A member's record follows from its number, so
//! the reader first reads the record and then the member: a round trip more than a file of
//! its own, for a few bytes. The meta file carries the directory of a kind instead while
//! it is small ([`INLINE_DIRECTORY_MAX`]), and the bundle carries the others.
//!
//! Files (all in `<site>/search-index/`; names carry a content hash as 8 hex digits):
//! - `manifest.json`: `{"format":9,"meta":"meta-<h>.bin","meta_data":"<base64 of it>"}`
//!   (small, not hashed; tools read it).
//! - `manifest.meta` ([`BROWSER_MANIFEST`]): the same for the browser, binary: the meta
//!   file's name on a line, then the meta file (`indexer::write_browser_manifest`).
//! - `meta-<h>.bin`: counts, the separator of every term shard, the hash of every archive
//!   of term shards and of fragment files ([`hash_group`]: the archives hold a power of two
//!   of members each, so that the meta file lists at most [`MAX_GROUP_HASHES`] of each
//!   kind) and of packs, the directories of small kinds ([`INLINE_DIRECTORY_MAX`]), facet
//!   values (kinds, strategy groups, services, statuses), the hashes of the
//!   vocabulary, the bundle and the validity table, and the synonym pairs
//!   ([`crate::synonyms`]; the browser expands queries with them).
//! - `valid-<h>.bin`: the validity intervals of the pages that have one
//!   ([`crate::validity::ValidityTable`]), read only by a search with a date, in the round
//!   of its term shards.
//! - `t<g>-<h>.bin` ([`shard_archive`]): archive g of term shards: the directory, then
//!   the shards (member `i % group` is shard i). A term shard: a sorted run of terms with
//!   df, flags, compound parts, display form, where their posting chunks are, and the first
//!   chunk ("head") of each; then copies of the entries (and heads) of the compound parts
//!   and `-ing` siblings of its words that live in other shards (`reader::Foreign`), so
//!   that a query for a word needs one round of term shards. It says where its packs are
//!   (`reader::PackSet`), so a pack is read with no record.
//! - `p<k>-<h>.bin` ([`pack_archive`]): archive k of posting and position packs, no
//!   directory, in shard order, up to [`PACK_ARCHIVE_TARGET`] bytes each. A posting pack:
//!   later chunks of its shard's terms. A position pack: per chunk, per posting the word
//!   positions (field `all`) phrases need.
//! - `f<g>-<h>.bin` ([`frag_archive`]): archive g of fragment files (member `v % group` is
//!   virtual page v): the sections of a virtual page (title, heading, url, kind, status,
//!   doc id, text for snippets).
//! - `bundle-<h>.bin`: copies of all term shards and the vocabulary
//!   (where the shards do not fit in [`BUNDLE_MAX`]: the vocabulary and the shards of the
//!   most postings per byte, never those of terms that each occur once), then the packs of
//!   the second chunks of the most frequent terms (`indexer::bundle_contents`), each under
//!   the name the reader asks for; fragment files and whole packs are not copied (a query
//!   fetches the few it reads); and the directories the meta file does not carry
//!   ([`SHARD_PLACES`], [`FRAG_PLACES`]). The browser fetches it in one request once a
//!   second query shows that the visitor is searching, so that later queries need fewer
//!   round trips (see [`encode_bundle`]).
//!
//! Postings: a term's postings are ordered by impact (the field-boosted BM25 score of the
//! term in the section, times the section's status factor; descending) and cut into chunks
//! of growing size ([`chunk_sizes`]). Inside a chunk, postings with the same impact form a
//! segment (impact as f32, so scores are exact; sections in ascending order, delta coded),
//! as in impact-ordered indexes (JASS). A cold query reads the heads, and further chunks
//! only while they can change the top results (or up to a byte budget).
//!
//! Section numbers ("docs") are virtual: `page << SLOT_BITS | slot`, where a page with more
//! than [`SLOTS`] sections takes several virtual pages. So a hit's fragment file is
//! `doc >> SLOT_BITS`, with no table, and a result page costs one small read.

/// The file the browser's search starts from (not hashed: fetched revalidated).
pub const BROWSER_MANIFEST: &str = "manifest.meta";

/// Version of the static index format (manifest.json's `format`).
pub const FORMAT_VERSION: u32 = 9;
pub const META_MAGIC: &[u8; 4] = b"SSM9";
/// A meta file combined with the live preview's overlay (`reader::overlay`).
pub const OVERLAID_MAGIC: &[u8; 4] = b"SSO1";
pub const BUNDLE_MAGIC: &[u8; 4] = b"SSB5";
pub const SHARD_MAGIC: &[u8; 4] = b"SST6";
pub const FRAG_MAGIC: &[u8; 4] = b"SSF4";

/// Bits of the section slot in a virtual section number.
pub const SLOT_BITS: u32 = 3;
/// Sections per virtual page.
pub const SLOTS: usize = 1 << SLOT_BITS;
/// Most archives of one kind (term shards, fragment files), each named by its content
/// hash ([`hash_group`]): so the meta file, which every cold search loads and which lists
/// the hashes, does not grow with the book, nor does the number of files.
pub const MAX_GROUP_HASHES: usize = 32;
/// Fewest fragment files per archive.
pub const MIN_FRAG_GROUP: usize = 256;
/// Fewest term shards per archive: a small book's shards take one archive or a few.
pub const MIN_SHARD_GROUP: usize = 16;

/// Members per archive for `n` members of a kind, at least `min`: a power of two, so that
/// at most [`MAX_GROUP_HASHES`] archives are needed. A changed member renames its archive
/// (the cost: a deploy uploads the archive again, a browser's stored ranges of it are
/// fetched again).
pub fn hash_group(n: usize, min: usize) -> usize {
    n.div_ceil(MAX_GROUP_HASHES)
        .next_power_of_two()
        .max(min)
        .max(1)
}

/// Postings in a term's first chunk (stored in the term shard).
pub const HEAD_POSTINGS: usize = 16;

/// Term flag: the term is the stem of a word of the corpus (not only a compound part).
pub const FLAG_WORD: u8 = 1;
/// Term flag: no impacts stored (facet terms).
pub const FLAG_NO_IMPACTS: u8 = 2;
/// Term flag: blocks have positions.
pub const FLAG_POSITIONS: u8 = 4;
/// Term flag: the word's `-ing` sibling ([`crate::query::derived_key`]) is a word of the
/// corpus too.
pub const FLAG_DERIVED: u8 = 8;

/// Separator in the key of an exact term (abbreviation, id): `<stem>\u{1}<form>`, so that
/// it sorts right after the stem of the word (and lands in the same term shard as the stem a
/// query looks up with it).
const EXACT_MARK: char = '\u{1}';

/// The term key of an exact form (`SIP` -> `sip\u{1}SIP`).
pub fn exact_key(form: &str) -> String {
    let analyzer = crate::analyzer::Analyzer::new();
    let mut key = analyzer.stem_folded(&crate::analyzer::fold(form));
    key.push(EXACT_MARK);
    key.push_str(form);
    key
}

/// The exact form of an exact term key (None for other keys).
pub fn exact_form(key: &str) -> Option<&str> {
    key.split_once(EXACT_MARK).map(|(_, form)| form)
}
/// Term key prefixes of facet terms.
pub const KIND_PREFIX: &str = "#k:";
pub const GROUP_PREFIX: &str = "#g:";
pub const SERVICE_PREFIX: &str = "#s:";
pub const STATUS_PREFIX: &str = "#t:";

pub fn hash_name(prefix: &str, hash: u32) -> String {
    format!("{prefix}-{hash:08x}.bin")
}
/// Archive `group` of term shards, named by the hash of its content.
pub fn shard_archive(group: usize, hash: u32) -> String {
    hash_name(&format!("t{group}"), hash)
}
/// Archive `k` of posting and position packs.
pub fn pack_archive(k: usize, hash: u32) -> String {
    hash_name(&format!("p{k}"), hash)
}
/// Bytes an archive of packs takes before the next is started (the largest files of a
/// site: hosts cap a file's size, Cloudflare Pages at 25 MiB).
pub const PACK_ARCHIVE_TARGET: usize = 16 << 20;
/// Archive `group` of fragment files.
pub fn frag_archive(group: usize, hash: u32) -> String {
    hash_name(&format!("f{group}"), hash)
}

/// Most bytes (before compression) the meta file spends on the directory of one kind of
/// archive member (`reader::Directory`): within it, a small book's reader reads no
/// record (the bundled book: both kinds; 10,000 pages: the term shards; 100,000 pages:
/// neither), at the cost of bytes every search loads.
pub const INLINE_DIRECTORY_MAX: usize = 2560;

/// The names in a bundle of the directories of term shards and of fragment files, when
/// the meta file does not carry them.
pub const SHARD_PLACES: &str = "directory-t";
pub const FRAG_PLACES: &str = "directory-f";

/// Bytes of a directory record ([`encode_record`]).
pub const RECORD_LEN: usize = 13;

/// A directory record: where member `k` of an archive is (offset and length in the
/// archive, u32 LE each), written as a raw DEFLATE stored block, so that the reader
/// inflates every range it reads alike.
pub fn encode_record(off: usize, len: usize) -> [u8; RECORD_LEN] {
    let mut r = [0u8; RECORD_LEN];
    // BFINAL = 1, BTYPE = 00 (stored); LEN = 8, NLEN = !8.
    r[..5].copy_from_slice(&[0x01, 0x08, 0x00, 0xf7, 0xff]);
    r[5..9].copy_from_slice(&(off as u32).to_le_bytes());
    r[9..].copy_from_slice(&(len as u32).to_le_bytes());
    r
}

/// The (offset, length) of an inflated directory record.
pub fn decode_record(inflated: &[u8]) -> R<(usize, usize)> {
    let [a, b, c, d, e, f, g, h] = *inflated else {
        return Err(Corrupt);
    };
    let off = u32::from_le_bytes([a, b, c, d]) as usize;
    let len = u32::from_le_bytes([e, f, g, h]) as usize;
    off.checked_add(len).ok_or(Corrupt)?;
    Ok((off, len))
}

/// The reader's name for `len` bytes at `off` of archive `file`: `<file>@<off>+<len>` (the
/// browser fetches them with a `Range` request).
pub fn range_name(file: &str, off: usize, len: usize) -> String {
    format!("{file}@{off}+{len}")
}

/// The parts of a [`range_name`]: archive, offset, length.
pub fn split_range_name(name: &str) -> Option<(&str, usize, usize)> {
    let (file, range) = name.split_once('@')?;
    let (off, len) = range.split_once('+')?;
    Some((file, off.parse().ok()?, len.parse().ok()?))
}

/// Most stored bytes of the files a bundle copies.
pub const BUNDLE_MAX: u64 = 384 * 1024;

/// A bundle: `SSB5`, then per file its name and its (inflated) bytes.
pub fn encode_bundle<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Vec<u8> {
    let mut e = Enc::default();
    e.bytes(BUNDLE_MAGIC);
    for (name, bytes) in files {
        e.str(name);
        e.usize(bytes.len());
        e.bytes(bytes);
    }
    e.buf
}

/// The files of a bundle (name, inflated bytes).
pub fn decode_bundle(bytes: &[u8]) -> R<Vec<(String, Vec<u8>)>> {
    let mut d = Dec::new(bytes);
    d.magic(BUNDLE_MAGIC)?;
    let mut out = Vec::new();
    while !d.at_end() {
        let name = d.str()?.to_string();
        let len = d.usize()?;
        out.push((name, d.take(len)?.to_vec()));
    }
    Ok(out)
}

/// Compresses an index file (raw DEFLATE) at [`COMPRESSION_LEVEL`].
#[cfg(feature = "inflate")]
pub fn compress(bytes: &[u8]) -> Vec<u8> {
    compress_at(bytes, COMPRESSION_LEVEL)
}

/// Compresses at a DEFLATE level (1 = fastest ... 9 = smallest).
#[cfg(feature = "inflate")]
pub fn compress_at(bytes: &[u8], level: u8) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec(bytes, level)
}

/// DEFLATE level of the files a cold query reads (meta, shards, fragments, near chunks).
pub const COMPRESSION_LEVEL: u8 = 6;
/// DEFLATE level of deep posting and position packs (rarely read; most of the bytes).
pub const DEEP_COMPRESSION_LEVEL: u8 = 1;

/// Largest inflated index file accepted (guards against corrupt or hostile input).
pub const MAX_FILE: usize = 64 << 20;

/// Inflates an index file (natively; the browser's worker uses DecompressionStream).
#[cfg(feature = "inflate")]
pub fn decompress(bytes: &[u8]) -> R<Vec<u8>> {
    miniz_oxide::inflate::decompress_to_vec_with_limit(bytes, MAX_FILE).map_err(|_| Corrupt)
}

/// Writer of varints, strings and floats.
#[derive(Default)]
pub struct Enc {
    pub buf: Vec<u8>,
}

impl Enc {
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    pub fn var(&mut self, mut v: u64) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.buf.push(b);
                return;
            }
            self.buf.push(b | 0x80);
        }
    }
    pub fn usize(&mut self, v: usize) {
        self.var(v as u64);
    }
    pub fn str(&mut self, s: &str) {
        self.usize(s.len());
        self.buf.extend_from_slice(s.as_bytes());
    }
    pub fn f32(&mut self, v: f32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }
}

/// Error of a malformed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corrupt;

impl std::fmt::Display for Corrupt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("corrupt search index file")
    }
}
impl std::error::Error for Corrupt {}

pub type R<T> = Result<T, Corrupt>;

/// Reader of what [`Enc`] writes; every read is bounds-checked.
pub struct Dec<'a> {
    pub buf: &'a [u8],
    pub pos: usize,
}

impl<'a> Dec<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Dec { buf, pos: 0 }
    }
    pub fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }
    pub fn u8(&mut self) -> R<u8> {
        let b = *self.buf.get(self.pos).ok_or(Corrupt)?;
        self.pos += 1;
        Ok(b)
    }
    pub fn var(&mut self) -> R<u64> {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let b = self.u8()?;
            if shift > 63 {
                return Err(Corrupt);
            }
            v |= ((b & 0x7f) as u64) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
            shift += 7;
        }
    }
    pub fn usize(&mut self) -> R<usize> {
        usize::try_from(self.var()?).map_err(|_| Corrupt)
    }
    /// A count that cannot exceed the remaining bytes (guards allocations).
    pub fn count(&mut self) -> R<usize> {
        let n = self.usize()?;
        if n > self.buf.len().saturating_sub(self.pos) + 1 {
            return Err(Corrupt);
        }
        Ok(n)
    }
    pub fn take(&mut self, n: usize) -> R<&'a [u8]> {
        let end = self.pos.checked_add(n).ok_or(Corrupt)?;
        let s = self.buf.get(self.pos..end).ok_or(Corrupt)?;
        self.pos = end;
        Ok(s)
    }
    pub fn str(&mut self) -> R<&'a str> {
        let n = self.usize()?;
        std::str::from_utf8(self.take(n)?).map_err(|_| Corrupt)
    }
    pub fn f32(&mut self) -> R<f32> {
        let b = self.take(4)?;
        Ok(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    pub fn u32(&mut self) -> R<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    pub fn magic(&mut self, m: &[u8; 4]) -> R<()> {
        if self.take(4)? == m {
            Ok(())
        } else {
            Err(Corrupt)
        }
    }
}

/// Byte length of the longest common prefix of `a` and `b` (on character boundaries); the
/// shared prefix that front-coded term lists (term shards, vocabulary) leave out.
pub(crate) fn common_prefix(a: &str, b: &str) -> usize {
    let mut n = 0;
    for ((i, ca), cb) in a.char_indices().zip(b.chars()) {
        if ca != cb {
            return i;
        }
        n = i + ca.len_utf8();
    }
    n
}

/// Decodes a chunk of `count` postings: with impacts, segments of equal impact (f32,
/// length, ascending delta-coded sections), in descending impact order; without (facet
/// terms), ascending delta-coded sections with impact 0.
pub fn decode_chunk(bytes: &[u8], count: usize, impacts: bool) -> R<Vec<(u32, f32)>> {
    if count > bytes.len() {
        return Err(Corrupt);
    }
    let mut d = Dec::new(bytes);
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let (imp, n) = if impacts {
            (d.f32()?, d.usize()?)
        } else {
            (0.0, count)
        };
        if n == 0 || n > count - out.len() {
            return Err(Corrupt);
        }
        let mut doc = 0u64;
        for i in 0..n {
            let delta = d.var()?;
            if i > 0 && delta == 0 {
                return Err(Corrupt);
            }
            doc = doc.checked_add(delta).ok_or(Corrupt)?;
            out.push((u32::try_from(doc).map_err(|_| Corrupt)?, imp));
        }
    }
    Ok(out)
}

/// Encodes a chunk (postings in chunk order: impact descending, then section ascending;
/// see [`decode_chunk`]).
pub fn encode_chunk(postings: &[(u32, f32)], impacts: bool) -> Vec<u8> {
    let mut e = Enc::default();
    let mut i = 0;
    while i < postings.len() {
        let mut j = i + 1;
        if impacts {
            while j < postings.len() && postings[j].1.to_bits() == postings[i].1.to_bits() {
                j += 1;
            }
            e.f32(postings[i].1);
            e.usize(j - i);
        } else {
            j = postings.len();
        }
        let mut prev = 0;
        for (k, &(d, _)) in postings[i..j].iter().enumerate() {
            e.var(if k == 0 { d as u64 } else { (d - prev) as u64 });
            prev = d;
        }
        i = j;
    }
    e.buf
}

/// Positions of one block: per posting (in block order) its sorted positions.
pub fn decode_positions(bytes: &[u8], count: usize) -> R<Vec<Vec<u32>>> {
    let mut d = Dec::new(bytes);
    let mut out = Vec::with_capacity(count.min(bytes.len()));
    for _ in 0..count {
        let n = d.count()?;
        let mut ps = Vec::with_capacity(n);
        let mut p = 0u64;
        for i in 0..n {
            let delta = d.var()?;
            p = if i == 0 {
                delta
            } else {
                p.checked_add(delta).ok_or(Corrupt)?
            };
            ps.push(u32::try_from(p).map_err(|_| Corrupt)?);
        }
        out.push(ps);
    }
    Ok(out)
}

pub fn encode_positions(lists: &[Vec<u32>]) -> Vec<u8> {
    encode_position_lists(lists.iter().map(Vec::as_slice))
}

/// [`encode_positions`] over borrowed lists.
pub fn encode_position_lists<'a>(lists: impl Iterator<Item = &'a [u32]>) -> Vec<u8> {
    let mut e = Enc::default();
    for ps in lists {
        encode_position_list(&mut e, ps);
    }
    e.buf
}

/// One posting's positions (ascending) as a position pack stores them: their number, the
/// first, then the gaps.
pub fn encode_position_list(e: &mut Enc, ps: &[u32]) {
    e.usize(ps.len());
    let mut prev = 0;
    for &p in ps {
        e.var(u64::from(p - prev));
        prev = p;
    }
}

/// Reads past one list that [`encode_position_list`] wrote; corrupt if its positions do
/// not fit a `u32`.
pub fn skip_position_list(d: &mut Dec) -> R<()> {
    let mut p = 0u32;
    for _ in 0..d.count()? {
        let gap = u32::try_from(d.var()?).map_err(|_| Corrupt)?;
        p = p.checked_add(gap).ok_or(Corrupt)?;
    }
    Ok(())
}

/// Chunk sizes of a posting list of `n` postings (impact order): the head of
/// [`HEAD_POSTINGS`], then chunks that end at 32, 128, 512, ... times the head (16, 496,
/// 1536, 6144, ...): a query that reads past the head reads the next 500 postings in one
/// round, and each further chunk triples what it has read.
pub fn chunk_sizes(n: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut end = HEAD_POSTINGS;
    let mut start = 0;
    while start < n {
        let e = end.min(n);
        out.push(e - start);
        start = e;
        end = end.saturating_mul(if out.len() == 1 { 32 } else { 4 });
    }
    out
}

/// Longest text stored per section for snippets (bytes, cut at a char boundary).
pub const MAX_FRAGMENT_TEXT: usize = 1200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip() {
        let mut e = Enc::default();
        e.var(0);
        e.var(300);
        e.var(u64::MAX);
        e.str("hälsa");
        e.f32(1.5);
        let mut d = Dec::new(&e.buf);
        assert_eq!(d.var().unwrap(), 0);
        assert_eq!(d.var().unwrap(), 300);
        assert_eq!(d.var().unwrap(), u64::MAX);
        assert_eq!(d.str().unwrap(), "hälsa");
        assert_eq!(d.f32().unwrap(), 1.5);
        assert!(d.u8().is_err());
        let chunk = [(7, 2.0), (3, 1.0), (9, 1.0), (100, 0.5)];
        let b = encode_chunk(&chunk, true);
        assert_eq!(decode_chunk(&b, 4, true).unwrap(), chunk);
        let facet = [(3, 0.0), (9, 0.0)];
        assert_eq!(
            decode_chunk(&encode_chunk(&facet, false), 2, false).unwrap(),
            facet
        );
        assert!(decode_chunk(&b, 5, true).is_err());
        let p = encode_positions(&[vec![1, 5], vec![], vec![9]]);
        assert_eq!(
            decode_positions(&p, 3).unwrap(),
            vec![vec![1, 5], vec![], vec![9]]
        );
        assert!(decode_chunk(&[0xff, 0xff], 5, true).is_err());
    }

    #[cfg(feature = "inflate")]
    #[test]
    fn deflate_roundtrip() {
        let text = "barn och unga ".repeat(100);
        let z = compress(text.as_bytes());
        assert!(z.len() < text.len() / 5);
        assert_eq!(decompress(&z).unwrap(), text.as_bytes());
        assert!(decompress(&[0xff, 0x00, 0x12]).is_err());
        assert_eq!(chunk_sizes(3000), vec![16, 496, 1536, 952]);
        assert_eq!(chunk_sizes(10), vec![10]);
        assert!(chunk_sizes(0).is_empty());
    }
}
