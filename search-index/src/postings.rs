//! Postings while the index is built (feature `indexer`). The postings pass reads the
//! sections in order and hands each (term, section) posting to a [`PostingSpill`], which
//! appends it to the bucket of the term's key range; a bucket that grows past a megabyte
//! goes on to an unnamed temporary file. The shards are built in key order, each bucket
//! read back just before the first shard that needs it ([`SpilledPostings::take`]), so
//! that only a bucket's postings are unpacked in memory at a time (at 100,000 pages all
//! of them packed are about 350 MB). A small book's buckets never reach a file.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

use crate::format::{Corrupt, Dec, Enc, R, encode_position_list, skip_position_list};

/// Postings of one term in doc order, packed as the sections are read: per posting, as
/// varints, the gap from the previous posting's doc, the frequencies in title, heading,
/// body (or, for exact terms, in `exact` at index 0), the number of positions in `all` and
/// their gaps. As plain lists with their spare capacity they took about three times the
/// memory.
#[derive(Default)]
pub(crate) struct TermPostings {
    packed: Enc,
    count: u32,
    /// Bytes of the position lists in `packed`.
    position_bytes: usize,
    next_doc: u32,
}

/// A term's postings as lists (see [`TermPostings::unpack`]).
pub(crate) struct Postings {
    pub docs: Vec<u32>,
    /// Frequencies above 65535 in one field of one section are clamped (their BM25 tf
    /// factor differs from tantivy's by less than 1e-5).
    pub tfs: Vec<[u16; 3]>,
    /// Positions per posting, each list as a position pack stores it.
    pub pos: Vec<u8>,
}

impl TermPostings {
    /// Hashes the postings as packed (every document, frequency and position).
    pub fn hash_into(&self, h: &mut crate::keys::KeyHasher) {
        h.part(&self.count.to_le_bytes())
            .part(&(self.position_bytes as u64).to_le_bytes())
            .part(&self.packed.buf);
    }

    /// Adds the posting of `doc`, which follows the term's earlier ones; `positions`
    /// ascend.
    #[cfg(test)]
    pub fn push(&mut self, doc: u32, tf: [u32; 3], positions: &[u32]) {
        let mut tail = Enc::default();
        encode_tail(&mut tail, tf, positions);
        let mut d = Dec::new(&tail.buf);
        self.push_from(doc, &mut d).expect("a tail just encoded");
        assert!(d.at_end());
    }

    /// Adds the posting of `doc` whose frequencies and positions come next in `d`, encoded
    /// as [`encode_tail`] writes them (the packed form's own), and reads past them;
    /// corrupt if they are not, or if `doc` does not follow the term's earlier postings.
    fn push_from(&mut self, doc: u32, d: &mut Dec) -> R<()> {
        let start = d.pos;
        for _ in 0..3 {
            d.var()?;
        }
        let positions_start = d.pos;
        skip_position_list(d)?;
        if doc < self.next_doc {
            return Err(Corrupt);
        }
        let e = &mut self.packed;
        e.var(u64::from(doc - self.next_doc));
        self.next_doc = doc.saturating_add(1);
        e.bytes(&d.buf[start..d.pos]);
        self.position_bytes += d.pos - positions_start;
        self.count += 1;
        Ok(())
    }

    pub fn unpack(self) -> R<Postings> {
        let n = self.count as usize;
        let mut out = Postings {
            docs: Vec::with_capacity(n),
            tfs: Vec::with_capacity(n),
            pos: Vec::with_capacity(self.position_bytes),
        };
        let mut d = Dec::new(&self.packed.buf);
        let field = |d: &mut Dec| -> R<u16> { Ok(d.var()?.min(u64::from(u16::MAX)) as u16) };
        let buf = &self.packed.buf;
        let mut next_doc = 0u32;
        for _ in 0..n {
            let gap = u32::try_from(d.var()?).map_err(|_| Corrupt)?;
            let doc = next_doc.checked_add(gap).ok_or(Corrupt)?;
            next_doc = doc.saturating_add(1);
            out.docs.push(doc);
            out.tfs
                .push([field(&mut d)?, field(&mut d)?, field(&mut d)?]);
            let start = d.pos;
            skip_position_list(&mut d)?;
            out.pos.extend_from_slice(&buf[start..d.pos]);
        }
        Ok(out)
    }
}

/// A posting's frequencies and positions as the packed form holds them.
fn encode_tail(e: &mut Enc, tf: [u32; 3], positions: &[u32]) {
    for f in tf {
        e.var(u64::from(f));
    }
    encode_position_list(e, positions);
}

/// A bucket's postings held in memory before they go to its file.
const FLUSH_BYTES: usize = 1 << 20;

/// Estimated postings (occurrences) per bucket: about 24 MB packed.
pub(crate) const BUCKET_OCCURRENCES: u64 = 4_000_000;

/// The postings of a range of terms: a file (once they outgrew memory) and the rest.
struct Bucket {
    held: Enc,
    file: Option<File>,
}

/// Where the postings pass puts each term's postings. Terms are numbered by the caller
/// (its "codes"); each record is the term's code, the section, and the posting's tail.
pub(crate) struct PostingSpill {
    dir: PathBuf,
    bucket_of: Vec<u32>,
    buckets: Vec<Bucket>,
    counts: Vec<u32>,
    /// A bucket's bytes held before they are written ([`FLUSH_BYTES`]).
    flush_bytes: usize,
}

impl PostingSpill {
    /// Terms `order` (every code once, in the order their shards are built) go to buckets
    /// of consecutive terms, each of about `target` of the `weights` (estimated postings;
    /// a heavier term is a bucket of its own). Files are made in `dir` as needed.
    pub fn new(dir: &Path, order: &[u32], weights: &[u64], target: u64) -> PostingSpill {
        let mut bucket_of = vec![0u32; weights.len()];
        let mut bucket = 0u32;
        let mut filled = 0u64;
        for &code in order {
            let w = weights[code as usize];
            if filled > 0 && filled + w > target {
                bucket += 1;
                filled = 0;
            }
            filled += w;
            bucket_of[code as usize] = bucket;
        }
        let n_buckets = if order.is_empty() { 0 } else { bucket + 1 };
        PostingSpill {
            dir: dir.to_path_buf(),
            bucket_of,
            buckets: (0..n_buckets)
                .map(|_| Bucket {
                    held: Enc::default(),
                    file: None,
                })
                .collect(),
            counts: vec![0; weights.len()],
            flush_bytes: FLUSH_BYTES,
        }
    }

    /// Sets the bytes a bucket holds before they go to its file.
    pub fn set_flush_bytes(&mut self, bytes: usize) {
        self.flush_bytes = bytes.max(1);
    }

    /// Adds the posting of term `code` in section `doc` (sections in ascending order).
    pub fn push(&mut self, code: u32, doc: u32, tf: [u32; 3], positions: &[u32]) -> io::Result<()> {
        self.counts[code as usize] += 1;
        let bucket = &mut self.buckets[self.bucket_of[code as usize] as usize];
        let e = &mut bucket.held;
        e.var(u64::from(code));
        e.var(u64::from(doc));
        encode_tail(e, tf, positions);
        if e.buf.len() >= self.flush_bytes {
            let file = match &mut bucket.file {
                Some(f) => f,
                None => bucket.file.insert(tempfile::tempfile_in(&self.dir)?),
            };
            // A block of whole records, after its length: read back a block at a time.
            file.write_all(&(e.buf.len() as u64).to_le_bytes())?;
            file.write_all(&e.buf)?;
            e.buf.clear();
        }
        Ok(())
    }

    /// The number of postings of each term.
    pub fn counts(&self) -> &[u32] {
        &self.counts
    }

    /// Ends the pass: the postings can be taken back, a bucket at a time.
    pub fn finish(self) -> SpilledPostings {
        SpilledPostings {
            bucket_of: self.bucket_of,
            buckets: self.buckets.into_iter().map(Some).collect(),
        }
    }
}

/// The postings of a finished pass, until each bucket is taken.
pub(crate) struct SpilledPostings {
    bucket_of: Vec<u32>,
    buckets: Vec<Option<Bucket>>,
}

impl SpilledPostings {
    /// The bucket of term `code`.
    pub fn bucket_of(&self, code: u32) -> usize {
        self.bucket_of[code as usize] as usize
    }

    /// Whether any bucket was taken.
    pub fn any_taken(&self) -> bool {
        self.buckets.iter().any(Option::is_none)
    }

    /// The postings of every term of `bucket`, by code (in no particular order); the
    /// bucket's memory and file are freed.
    pub fn take(&mut self, bucket: usize) -> io::Result<Vec<(u32, TermPostings)>> {
        let Some(Bucket { held, file }) = self.buckets[bucket].take() else {
            return Err(io::Error::other(format!(
                "the postings of bucket {bucket} were read twice"
            )));
        };
        let corrupt = || io::Error::new(io::ErrorKind::InvalidData, "postings read back corrupt");
        let mut terms: FxHashMap<u32, TermPostings> = FxHashMap::default();
        let mut add_records = |block: &[u8]| -> R<()> {
            let mut d = Dec::new(block);
            while !d.at_end() {
                let code = u32::try_from(d.var()?).map_err(|_| Corrupt)?;
                let doc = u32::try_from(d.var()?).map_err(|_| Corrupt)?;
                if self.bucket_of.get(code as usize) != Some(&(bucket as u32)) {
                    return Err(Corrupt);
                }
                terms.entry(code).or_default().push_from(doc, &mut d)?;
            }
            Ok(())
        };
        if let Some(file) = file {
            let size = file.metadata()?.len();
            let mut file = io::BufReader::new(file);
            file.seek(SeekFrom::Start(0))?;
            let mut block = Vec::new();
            let mut len = [0u8; 8];
            loop {
                match file.read_exact(&mut len) {
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
                    other => other?,
                }
                let len = u64::from_le_bytes(len);
                if len > size {
                    return Err(corrupt());
                }
                let len = usize::try_from(len).map_err(|_| corrupt())?;
                block.resize(len, 0);
                file.read_exact(&mut block)?;
                add_records(&block).map_err(|_| corrupt())?;
            }
        }
        add_records(&held.buf).map_err(|_| corrupt())?;
        Ok(terms.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::encode_position_lists;

    #[test]
    fn packed_postings_unpack_to_the_lists_they_were_given() {
        let mut p = TermPostings::default();
        p.push(0, [1, 0, 2], &[0, 7, 9]);
        p.push(1, [0, 0, 0], &[]);
        p.push(300, [70_000, 1, 0], &[5, 200_000]);
        p.push(u32::MAX - 1, [0, 0, 1], &[u32::MAX]);
        let u = p.unpack().unwrap();
        assert_eq!(u.docs, [0, 1, 300, u32::MAX - 1]);
        // Frequencies above 65535 are clamped, as before packing.
        assert_eq!(u.tfs, [[1, 0, 2], [0, 0, 0], [65_535, 1, 0], [0, 0, 1]]);
        // The position lists as a position pack stores them.
        let lists: [&[u32]; 4] = [&[0, 7, 9], &[], &[5, 200_000], &[u32::MAX]];
        assert_eq!(u.pos, encode_position_lists(lists.into_iter()));
        assert!(TermPostings::default().unpack().unwrap().docs.is_empty());
    }

    /// The postings of each term, pushed straight and through a spill whose buckets
    /// (some in files, some in memory) are taken in another order than they were filled.
    #[test]
    fn spilled_postings_come_back_as_they_were_pushed() {
        let terms = 40u32;
        let order: Vec<u32> = (0..terms).rev().collect();
        let weights: Vec<u64> = (0..terms).map(|t| u64::from(t % 7) + 1).collect();
        let dir = tempfile::tempdir().unwrap();
        let mut spill = PostingSpill::new(dir.path(), &order, &weights, 20);
        spill.set_flush_bytes(4096);
        let mut straight: Vec<TermPostings> = (0..terms).map(|_| TermPostings::default()).collect();
        let mut positions = Vec::new();
        // Enough postings that every bucket goes to its file at least once.
        for doc in 0..5_000u32 {
            for t in (doc % 5..terms).step_by(5 + (doc % 3) as usize) {
                positions.clear();
                positions.extend((0..(doc + t) % 4).map(|i| i * 3 + doc % 11));
                let tf = [doc % 2, t % 3, positions.len() as u32];
                spill.push(t, doc, tf, &positions).unwrap();
                straight[t as usize].push(doc, tf, &positions);
            }
        }
        assert_eq!(
            spill.counts(),
            straight.iter().map(|p| p.count).collect::<Vec<_>>()
        );
        let mut spilled = spill.finish();
        let n_buckets = spilled.buckets.len();
        assert!(n_buckets > 3, "{n_buckets} buckets");
        assert!(spilled.buckets.iter().flatten().all(|b| b.file.is_some()));
        // Consecutive terms of `order` share buckets, in ascending bucket order.
        let buckets: Vec<usize> = order.iter().map(|&c| spilled.bucket_of(c)).collect();
        assert!(buckets.windows(2).all(|w| w[0] <= w[1]));
        let mut seen = 0;
        for bucket in (0..n_buckets).rev() {
            assert!(spilled.buckets[bucket].is_some());
            for (code, p) in spilled.take(bucket).unwrap() {
                assert_eq!(spilled.bucket_of(code), bucket);
                let want = std::mem::take(&mut straight[code as usize]);
                assert_eq!(p.packed.buf, want.packed.buf, "term {code}");
                assert_eq!(p.position_bytes, want.position_bytes);
                assert_eq!(p.count, want.count);
                seen += 1;
            }
            assert!(spilled.buckets[bucket].is_none());
            assert!(spilled.take(bucket).is_err());
        }
        assert_eq!(seen, terms);
    }
}
