//! Binary encoding of the static browser index (shared by the exporter and the reader).
//!
//! Files (all in `<site>/search-index/`, names carry the first 4 bytes of the SHA-256 of
//! their content as 8 hex digits). Few files, sized for a cold query: a build writes
//! roughly one file per 10-20 KB of index, and a query reads the meta file, one term shard
//! per word, the posting packs it needs and one fragment pack per result page.
//! Every `.bin` file is compressed (raw DEFLATE, see [`compress`]) and handed to the engine
//! inflated: natively by [`crate::reader::read_index_file`], in the browser by the worker
//! (DecompressionStream). Hashes are of the uncompressed content.
//! - `manifest.json`: `{"format":3,"meta":"meta-<h>.bin"}` (small, not hashed).
//! - `meta-<h>.bin`: counts, the separator and hash of every term shard, first section and
//!   hash of every fragment pack, facet values.
//! - `t<i>-<h>.bin`: term shard i: a sorted run of terms with df, flags, compound parts,
//!   display form and the location of their posting blocks.
//! - `p<i>-<j>-<h>.bin`: posting pack j of shard i: blocks of postings. A term's postings are
//!   sorted by impact (descending) and cut into blocks of growing size; inside a block, doc
//!   ids ascend (delta coded) followed by the f32 impacts. The first blocks of all terms of
//!   a shard come first (a cold query needs only those, mostly).
//! - `x<i>-<j>-<h>.bin`: position pack j of shard i: per block, per posting the word
//!   positions (field `all`) phrases need.
//! - `f<i>-<h>.bin`: fragment pack i: consecutive sections (title, heading, url, kind,
//!   status, doc id, text for snippets), page data not repeated within a page.

pub const META_MAGIC: &[u8; 4] = b"SSM2";
pub const SHARD_MAGIC: &[u8; 4] = b"SST1";
pub const FRAG_MAGIC: &[u8; 4] = b"SSF2";

/// Term flag: the term is the stem of a word of the corpus (not only a compound part).
pub const FLAG_WORD: u8 = 1;
/// Term flag: no impacts stored (facet terms).
pub const FLAG_NO_IMPACTS: u8 = 2;
/// Term flag: blocks have positions.
pub const FLAG_POSITIONS: u8 = 4;

/// Term key prefix of exact terms (abbreviations, ids).
pub const EXACT_PREFIX: char = '=';
/// Term key prefixes of facet terms.
pub const KIND_PREFIX: &str = "#k:";
pub const GROUP_PREFIX: &str = "#g:";
pub const SERVICE_PREFIX: &str = "#s:";

pub fn hash_name(prefix: &str, hash: u32) -> String {
    format!("{prefix}-{hash:08x}.bin")
}
pub fn shard_name(i: usize, hash: u32) -> String {
    hash_name(&format!("t{i}"), hash)
}
pub fn pack_name(shard: usize, j: usize, hash: u32) -> String {
    hash_name(&format!("p{shard}-{j}"), hash)
}
pub fn pos_pack_name(shard: usize, j: usize, hash: u32) -> String {
    hash_name(&format!("x{shard}-{j}"), hash)
}
pub fn frag_name(i: usize, hash: u32) -> String {
    hash_name(&format!("f{i}"), hash)
}

/// Compresses an index file (raw DEFLATE).
#[cfg(feature = "inflate")]
pub fn compress(bytes: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec(bytes, COMPRESSION_LEVEL)
}

/// DEFLATE level of the index files (speed of the build against bytes transferred).
pub const COMPRESSION_LEVEL: u8 = 1;

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

/// Postings of one block, sorted by doc id.
pub fn decode_block(bytes: &[u8], count: usize, impacts: bool) -> R<(Vec<u32>, Vec<f32>)> {
    let mut d = Dec::new(bytes);
    if count > bytes.len() {
        return Err(Corrupt);
    }
    let mut docs = Vec::with_capacity(count);
    let mut doc = 0u64;
    for i in 0..count {
        let delta = d.var()?;
        doc = if i == 0 { delta } else { doc + delta };
        docs.push(u32::try_from(doc).map_err(|_| Corrupt)?);
    }
    let mut imps = Vec::with_capacity(if impacts { count } else { 0 });
    if impacts {
        for _ in 0..count {
            imps.push(d.f32()?);
        }
    }
    Ok((docs, imps))
}

pub fn encode_block(docs_impacts: &[(u32, f32)], impacts: bool) -> Vec<u8> {
    let mut e = Enc::default();
    let mut prev = 0u32;
    for (i, (d, _)) in docs_impacts.iter().enumerate() {
        e.var(if i == 0 {
            *d as u64
        } else {
            (*d - prev) as u64
        });
        prev = *d;
    }
    if impacts {
        for (_, s) in docs_impacts {
            e.f32(*s);
        }
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
            p = if i == 0 { delta } else { p + delta };
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
        e.usize(ps.len());
        let mut prev = 0;
        for (i, p) in ps.iter().enumerate() {
            e.var(if i == 0 {
                *p as u64
            } else {
                (*p - prev) as u64
            });
            prev = *p;
        }
    }
    e.buf
}

/// Block sizes of a posting list: 64, 128, 256, ... (impact order).
pub fn block_sizes(n: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut size = 64usize;
    let mut left = n;
    while left > 0 {
        let s = size.min(left);
        out.push(s);
        left -= s;
        size = size.saturating_mul(2);
    }
    out
}

/// Target size of a fragment pack (bytes before the last section added).
pub const FRAG_PACK_TARGET: usize = 24 * 1024;

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
        let b = encode_block(&[(3, 1.0), (7, 2.0), (100, 0.5)], true);
        assert_eq!(
            decode_block(&b, 3, true).unwrap(),
            (vec![3, 7, 100], vec![1.0, 2.0, 0.5])
        );
        let p = encode_positions(&[vec![1, 5], vec![], vec![9]]);
        assert_eq!(
            decode_positions(&p, 3).unwrap(),
            vec![vec![1, 5], vec![], vec![9]]
        );
        assert!(decode_block(&[0xff, 0xff], 5, true).is_err());
    }

    #[cfg(feature = "inflate")]
    #[test]
    fn deflate_roundtrip() {
        let text = "barn och unga ".repeat(100);
        let z = compress(text.as_bytes());
        assert!(z.len() < text.len() / 5);
        assert_eq!(decompress(&z).unwrap(), text.as_bytes());
        assert!(decompress(&[0xff, 0x00, 0x12]).is_err());
        assert_eq!(block_sizes(400), vec![64, 128, 208]);
    }
}
