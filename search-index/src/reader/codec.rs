//! The file formats the reader decodes (and the exporter encodes): meta, term shards and
//! their entries, fragment files. See [`crate::format`] for the layout of each file.

use super::*;

#[derive(Debug, Clone, Default)]
pub struct Meta {
    /// Sections indexed.
    pub n_docs: u32,
    pub n_pages: u32,
    /// Virtual pages (fragment files): section numbers are below `n_vpages << SLOT_BITS`.
    pub n_vpages: u32,
    /// Number of term shards (`shards.len()`).
    pub n_shards: usize,
    /// Per term shard: its separator (the shortest prefix of its first term that sorts
    /// after the previous shard's last term; empty for the first) and file hash (the hash
    /// of its group of `shard_group` shards, stored once per group).
    pub shards: Vec<(String, u32)>,
    /// Term shards per content hash ([`crate::format::hash_group`]).
    pub shard_group: usize,
    /// Fragment files per content hash.
    pub frag_group: usize,
    /// Hash of each group of `frag_group` fragment files.
    pub frag_groups: Vec<u32>,
    /// Where each term shard is in its archive, when the meta file carries the shards'
    /// directory (a small book: the reader then reads no record, see [`Directory`]).
    pub shard_places: Option<Directory>,
    /// The same for the fragment files.
    pub frag_places: Option<Directory>,
    /// Hash of each archive of posting and position packs.
    pub pack_archives: Vec<u32>,
    /// Facet values with section counts: kinds, strategy groups, services, statuses.
    pub kinds: Vec<(String, u32)>,
    pub groups: Vec<(String, u32)>,
    pub services: Vec<(String, u32)>,
    pub statuses: Vec<(String, u32)>,
    /// Hash of the vocabulary table for typo correction (`vocab-<hash>.bin`, see
    /// [`crate::typo`]); 0 = none.
    pub vocab: u32,
    /// Hash of the bundle (`bundle-<hash>.bin`, see [`crate::format::encode_bundle`]);
    /// 0 = none.
    pub bundle: u32,
    /// Hash of the validity table (`valid-<hash>.bin`, see [`ValidityTable`]); 0 = no page
    /// has an interval.
    pub validity: u32,
    /// Abbreviation/expansion pairs a query is expanded with ([`crate::synonyms`]).
    pub synonyms: crate::synonyms::Synonyms,
}

impl Meta {
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Enc::default();
        e.bytes(META_MAGIC);
        e.var(self.n_docs as u64);
        e.var(self.n_pages as u64);
        e.var(self.n_vpages as u64);
        encode_seps(&mut e, &self.shards, self.shard_group);
        e.usize(self.frag_group.max(1));
        e.usize(self.frag_groups.len());
        for h in &self.frag_groups {
            e.u32(*h);
        }
        for places in [&self.shard_places, &self.frag_places] {
            match places {
                Some(d) => d.encode(&mut e),
                None => e.usize(0),
            }
        }
        e.usize(self.pack_archives.len());
        for h in &self.pack_archives {
            e.u32(*h);
        }
        for list in [&self.kinds, &self.groups, &self.services, &self.statuses] {
            e.usize(list.len());
            for (v, n) in list {
                e.str(v);
                e.var(*n as u64);
            }
        }
        e.u32(self.vocab);
        e.u32(self.bundle);
        e.u32(self.validity);
        self.synonyms.encode(&mut e);
        e.buf
    }

    pub fn decode(bytes: &[u8]) -> R<Meta> {
        let mut d = Dec::new(bytes);
        d.magic(META_MAGIC)?;
        let n_docs = u32::try_from(d.var()?).map_err(|_| Corrupt)?;
        let n_pages = u32::try_from(d.var()?).map_err(|_| Corrupt)?;
        let n_vpages = u32::try_from(d.var()?).map_err(|_| Corrupt)?;
        if u64::from(n_vpages) << SLOT_BITS > u64::from(u32::MAX) {
            return Err(Corrupt);
        }
        let (shards, shard_group) = decode_seps(&mut d)?;
        let frag_group = group_size(&mut d)?;
        let mut frag_groups = Vec::new();
        for _ in 0..d.count()? {
            frag_groups.push(d.u32()?);
        }
        if frag_groups.len() != (n_vpages as usize).div_ceil(frag_group) {
            return Err(Corrupt);
        }
        let shard_places = Directory::decode(&mut d, shards.len(), shard_group)?;
        let frag_places = Directory::decode(&mut d, n_vpages as usize, frag_group)?;
        let mut pack_archives = Vec::new();
        for _ in 0..d.count()? {
            pack_archives.push(d.u32()?);
        }
        let mut lists: Vec<Vec<(String, u32)>> = Vec::new();
        for _ in 0..4 {
            let mut l = Vec::new();
            for _ in 0..d.count()? {
                l.push((d.str()?.to_string(), d.var()? as u32));
            }
            lists.push(l);
        }
        let vocab = d.u32()?;
        let bundle = d.u32()?;
        let validity = d.u32()?;
        let synonyms = crate::synonyms::Synonyms::decode(&mut d)?;
        let statuses = lists.pop().unwrap_or_default();
        let services = lists.pop().unwrap_or_default();
        let groups = lists.pop().unwrap_or_default();
        let kinds = lists.pop().unwrap_or_default();
        Ok(Meta {
            n_docs,
            n_pages,
            n_vpages,
            n_shards: shards.len(),
            shards,
            shard_group,
            frag_group,
            frag_groups,
            shard_places,
            frag_places,
            pack_archives,
            kinds,
            groups,
            services,
            statuses,
            vocab,
            bundle,
            validity,
            synonyms,
        })
    }

    /// The bundle's file name, if the index has one.
    pub fn bundle_name(&self) -> Option<String> {
        (self.bundle != 0).then(|| hash_name("bundle", self.bundle))
    }

    /// The validity table's file name, if any page has an interval.
    pub fn validity_name(&self) -> Option<String> {
        (self.validity != 0).then(|| hash_name("valid", self.validity))
    }
}

/// Where the members of one kind are in their archives (offset, stored length), by member
/// number: the directories of all its archives, carried by the meta file while they are
/// small ([`crate::format::INLINE_DIRECTORY_MAX`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Directory {
    pub places: Vec<(usize, usize)>,
}

impl Directory {
    /// The member count, then each member's length: an archive's members follow its
    /// directory ([`RECORD_LEN`] bytes per member) and each other.
    fn encode(&self, e: &mut Enc) {
        e.usize(self.places.len());
        for &(_, len) in &self.places {
            e.usize(len);
        }
    }

    /// As the bundle carries it.
    pub fn encoded(&self) -> Vec<u8> {
        let mut e = Enc::default();
        self.encode(&mut e);
        e.buf
    }

    /// None when the meta file carries no directory (0 members); else one of exactly `n`
    /// members, in archives of `group`.
    pub(super) fn decode(d: &mut Dec, n: usize, group: usize) -> R<Option<Directory>> {
        match d.count()? {
            0 => return Ok(None),
            count if count != n => return Err(Corrupt),
            _ => {}
        }
        let mut places = Vec::with_capacity(n);
        let mut at = 0usize;
        for i in 0..n {
            if i % group == 0 {
                at = RECORD_LEN * group.min(n - i);
            }
            let len = d.usize()?;
            places.push((at, len));
            at = at.checked_add(len).ok_or(Corrupt)?;
        }
        Ok(Some(Directory { places }))
    }
}

/// Index of the last separator <= key (0 if none).
pub(super) fn sep_index(seps: &[(String, u32)], key: &str) -> usize {
    match seps.binary_search_by(|(t, _)| t.as_str().cmp(key)) {
        Ok(i) => i,
        Err(0) => 0,
        Err(i) => i - 1,
    }
}

/// Front-coded separators, then the hash of each group of `group` shards (the first
/// shard's: every shard of a group has the group's hash).
pub fn encode_seps(e: &mut Enc, seps: &[(String, u32)], group: usize) {
    e.usize(seps.len());
    let mut prev = "";
    for (t, _) in seps {
        let shared = common_prefix(prev, t);
        e.usize(shared);
        e.str(&t[shared..]);
        prev = t;
    }
    let group = group.max(1);
    e.usize(group);
    for g in seps.chunks(group) {
        debug_assert!(
            g.iter().all(|s| s.1 == g[0].1),
            "a shard group has one hash"
        );
        e.u32(g[0].1);
    }
}

/// The separators with each shard's hash, and the shards per hash.
fn decode_seps(d: &mut Dec) -> R<(Vec<(String, u32)>, usize)> {
    let mut out: Vec<(String, u32)> = Vec::new();
    for _ in 0..d.count()? {
        let shared = d.usize()?;
        let prev = out.last().map_or("", |s| s.0.as_str());
        let mut t = prev.get(..shared).ok_or(Corrupt)?.to_string();
        t.push_str(d.str()?);
        out.push((t, 0));
    }
    let group = group_size(d)?;
    for g in out.chunks_mut(group) {
        let h = d.u32()?;
        for s in g {
            s.1 = h;
        }
    }
    Ok((out, group))
}

/// A group size (files per content hash): at least 1.
fn group_size(d: &mut Dec) -> R<usize> {
    match d.usize()? {
        0 => Err(Corrupt),
        n => Ok(n),
    }
}

/// Where a chunk of postings is: in the shard's head area (`pack` None) or in a posting
/// pack of the shard, at a byte range.
#[derive(Debug, Clone, PartialEq)]
pub struct ChunkRef {
    pub count: usize,
    /// Highest impact in the chunk (its first segment's).
    pub max: f32,
    pub pack: Option<usize>,
    pub off: usize,
    pub len: usize,
    /// (position pack, offset, len) of the chunk's positions.
    pub pos: Option<(usize, usize, usize)>,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub term: String,
    pub info: TermInfo,
    pub flags: u8,
    pub chunks: Vec<ChunkRef>,
}

/// Where the posting (or position) packs of a shard are: pack `j` is the stored bytes
/// at `ranges[j]` (offset, length) of pack archive `archive`
/// ([`crate::format::pack_archive`]), in ascending order. A copy of another shard's entry
/// ([`Foreign`]) carries only the packs it reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PackSet {
    pub archive: usize,
    pub ranges: Vec<(usize, usize)>,
}

impl PackSet {
    pub fn count(&self) -> usize {
        self.ranges.len()
    }

    /// Offset and length of pack `j` in the archive.
    pub fn range(&self, j: usize) -> R<(usize, usize)> {
        self.ranges.get(j).copied().ok_or(Corrupt)
    }
}

/// A copy of another shard's entry, kept beside the words of this shard that have it as a
/// compound part: a query for such a word finds the part's entry (and its head chunk, in
/// this shard's head area) without fetching the part's own shard first.
#[derive(Debug, Clone)]
pub struct Foreign {
    /// The part's own shard, whose packs hold its later chunks.
    pub home: usize,
    pub packs: PackSet,
    pub pos_packs: PackSet,
    pub entry: Entry,
}

#[derive(Debug, Clone, Default)]
pub struct Shard {
    pub packs: PackSet,
    pub pos_packs: PackSet,
    pub entries: Vec<Entry>,
    /// Entries of other shards (by term): see [`Foreign`].
    pub foreign: Vec<Foreign>,
    /// The head chunks (see [`ChunkRef::pack`]).
    pub heads: Vec<u8>,
}

/// Where a term's postings are: the shard whose head area holds its first chunk, and its
/// own shard, whose packs hold the later chunks and the positions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Loc {
    pub heads: usize,
    pub home: usize,
    pub packs: PackSet,
    pub pos_packs: PackSet,
}

/// Writes an entry after its term: df, flags, compound parts and display form (words),
/// chunk references.
fn encode_entry(e: &mut Enc, en: &Entry) {
    e.var(en.info.df as u64);
    e.u8(en.flags);
    if en.flags & FLAG_WORD != 0 {
        e.usize(en.info.parts.len());
        for p in &en.info.parts {
            e.str(p);
        }
        let shared = common_prefix(&en.term, &en.info.display);
        e.usize(shared);
        e.str(&en.info.display[shared..]);
    }
    e.usize(en.chunks.len());
    for c in &en.chunks {
        e.usize(c.count);
        if en.flags & FLAG_NO_IMPACTS == 0 {
            e.f32(c.max);
        }
        // 0 = head area, else pack + 1.
        e.usize(c.pack.map_or(0, |p| p + 1));
        e.usize(c.off);
        e.usize(c.len);
        if en.flags & FLAG_POSITIONS != 0 {
            let (p, o, l) = c.pos.unwrap_or((0, 0, 0));
            e.usize(p);
            e.usize(o);
            e.usize(l);
        }
    }
}

/// Reads what [`encode_entry`] wrote; pack numbers are checked against the sets.
fn decode_entry(d: &mut Dec, term: String, packs: &PackSet, pos_packs: &PackSet) -> R<Entry> {
    let df = d.var()? as u32;
    let flags = d.u8()?;
    let mut info = TermInfo {
        df,
        word: flags & FLAG_WORD != 0,
        derived: flags & FLAG_DERIVED != 0,
        ..Default::default()
    };
    if info.word {
        for _ in 0..d.count()? {
            info.parts.push(d.str()?.to_string());
        }
        let shared = d.usize()?;
        let mut display = term.get(..shared).ok_or(Corrupt)?.to_string();
        display.push_str(d.str()?);
        info.display = display;
    }
    let mut chunks = Vec::new();
    for _ in 0..d.count()? {
        let count = d.usize()?;
        let max = if flags & FLAG_NO_IMPACTS == 0 {
            d.f32()?
        } else {
            0.0
        };
        let pack = d.usize()?.checked_sub(1);
        let (off, len) = (d.usize()?, d.usize()?);
        let pos = if flags & FLAG_POSITIONS != 0 {
            Some((d.usize()?, d.usize()?, d.usize()?))
        } else {
            None
        };
        if pack.is_some_and(|p| p >= packs.count())
            || pos.is_some_and(|p| p.2 > 0 && p.0 >= pos_packs.count())
        {
            return Err(Corrupt);
        }
        chunks.push(ChunkRef {
            count,
            max,
            pack,
            off,
            len,
            pos,
        });
    }
    Ok(Entry {
        term,
        info,
        flags,
        chunks,
    })
}

/// The number of packs, then their archive and, per pack, the gap after the previous one
/// (0 for a shard's own packs, which follow each other) and its length.
fn encode_pack_set(e: &mut Enc, set: &PackSet) {
    e.usize(set.count());
    if !set.ranges.is_empty() {
        e.usize(set.archive);
        // Packs ascend; ranges that do not (a corrupt set) wrap, and decode as corrupt.
        let mut end = 0usize;
        for &(off, len) in &set.ranges {
            e.usize(off.wrapping_sub(end));
            e.usize(len);
            end = off.wrapping_add(len);
        }
    }
}

fn decode_pack_set(d: &mut Dec) -> R<PackSet> {
    let count = d.count()?;
    let mut ranges = Vec::new();
    let mut archive = 0;
    if count > 0 {
        archive = d.usize()?;
        let mut end = 0usize;
        for _ in 0..count {
            let off = end.checked_add(d.usize()?).ok_or(Corrupt)?;
            let len = d.usize()?;
            end = off.checked_add(len).ok_or(Corrupt)?;
            ranges.push((off, len));
        }
    }
    Ok(PackSet { archive, ranges })
}

impl Shard {
    pub fn encode(&self) -> Vec<u8> {
        Shard::encode_with(self.encode_own(), &self.foreign, &self.heads)
    }

    /// The start of the shard's bytes: its pack sets and its own entries (the indexer
    /// encodes these as soon as the shard is built, the copies once every shard is).
    pub fn encode_own(&self) -> Vec<u8> {
        let mut e = Enc::default();
        e.bytes(SHARD_MAGIC);
        encode_pack_set(&mut e, &self.packs);
        encode_pack_set(&mut e, &self.pos_packs);
        e.usize(self.entries.len());
        let mut prev = "";
        for en in &self.entries {
            let shared = common_prefix(prev, &en.term);
            e.usize(shared);
            e.str(&en.term[shared..]);
            prev = &en.term;
            encode_entry(&mut e, en);
        }
        e.buf
    }

    /// A shard's bytes from its start ([`Shard::encode_own`]), the copies of other
    /// shards' entries and the head area.
    pub fn encode_with(own: Vec<u8>, foreign: &[Foreign], heads: &[u8]) -> Vec<u8> {
        let mut e = Enc { buf: own };
        e.usize(foreign.len());
        for f in foreign {
            e.str(&f.entry.term);
            e.usize(f.home);
            encode_pack_set(&mut e, &f.packs);
            encode_pack_set(&mut e, &f.pos_packs);
            encode_entry(&mut e, &f.entry);
        }
        e.bytes(heads);
        e.buf
    }

    pub fn decode(bytes: &[u8]) -> R<Shard> {
        let mut d = Dec::new(bytes);
        d.magic(SHARD_MAGIC)?;
        let mut s = Shard {
            packs: decode_pack_set(&mut d)?,
            pos_packs: decode_pack_set(&mut d)?,
            ..Default::default()
        };
        let mut prev = String::new();
        for _ in 0..d.count()? {
            let shared = d.usize()?;
            let suffix = d.str()?;
            let mut term = prev.get(..shared).ok_or(Corrupt)?.to_string();
            term.push_str(suffix);
            prev = term.clone();
            s.entries
                .push(decode_entry(&mut d, term, &s.packs, &s.pos_packs)?);
        }
        for _ in 0..d.count()? {
            let term = d.str()?.to_string();
            let home = d.usize()?;
            let packs = decode_pack_set(&mut d)?;
            let pos_packs = decode_pack_set(&mut d)?;
            let entry = decode_entry(&mut d, term, &packs, &pos_packs)?;
            s.foreign.push(Foreign {
                home,
                packs,
                pos_packs,
                entry,
            });
        }
        s.heads = d.buf.get(d.pos..).ok_or(Corrupt)?.to_vec();
        if s.entries.windows(2).any(|w| w[0].term >= w[1].term)
            || s.foreign
                .windows(2)
                .any(|w| w[0].entry.term >= w[1].entry.term)
        {
            return Err(Corrupt);
        }
        Ok(s)
    }

    /// Where the postings of this shard's own entries are (shard `i`).
    pub(super) fn loc(&self, i: usize) -> Loc {
        Loc {
            heads: i,
            home: i,
            packs: self.packs.clone(),
            pos_packs: self.pos_packs.clone(),
        }
    }
}

/// One section's displayed data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fragment {
    pub title: String,
    pub heading: String,
    pub url: String,
    pub kind: String,
    pub status: String,
    pub doc_id: String,
    pub text: String,
}

/// The page part of a URL (before `#`).
pub(crate) fn page_of(url: &str) -> &str {
    url.split('#').next().unwrap_or("")
}

/// A fragment file (the sections of one virtual page, slot order): per section a flag (1 =
/// same page as the previous section: title, kind, status, doc id and the URL up to `#`
/// are not repeated), then the fields.
pub fn encode_fragments(frags: &[Fragment]) -> Vec<u8> {
    let mut e = Enc::default();
    e.bytes(FRAG_MAGIC);
    e.usize(frags.len());
    let mut prev: Option<&Fragment> = None;
    for f in frags {
        let same = prev.is_some_and(|p| {
            p.title == f.title
                && p.kind == f.kind
                && p.status == f.status
                && p.doc_id == f.doc_id
                && page_of(&p.url) == page_of(&f.url)
        });
        if same {
            e.u8(1);
            e.str(&f.url[page_of(&f.url).len()..]);
            e.str(&f.heading);
            e.str(&f.text);
        } else {
            e.u8(0);
            for s in [
                &f.title, &f.heading, &f.url, &f.kind, &f.status, &f.doc_id, &f.text,
            ] {
                e.str(s);
            }
        }
        prev = Some(f);
    }
    e.buf
}

pub fn decode_fragments(bytes: &[u8]) -> R<Vec<Fragment>> {
    let mut d = Dec::new(bytes);
    d.magic(FRAG_MAGIC)?;
    let mut out: Vec<Fragment> = Vec::new();
    for _ in 0..d.count()? {
        let f = match d.u8()? {
            0 => Fragment {
                title: d.str()?.to_string(),
                heading: d.str()?.to_string(),
                url: d.str()?.to_string(),
                kind: d.str()?.to_string(),
                status: d.str()?.to_string(),
                doc_id: d.str()?.to_string(),
                text: d.str()?.to_string(),
            },
            1 => {
                let p = out.last().ok_or(Corrupt)?;
                let mut url = page_of(&p.url).to_string();
                url.push_str(d.str()?);
                Fragment {
                    title: p.title.clone(),
                    heading: d.str()?.to_string(),
                    url,
                    kind: p.kind.clone(),
                    status: p.status.clone(),
                    doc_id: p.doc_id.clone(),
                    text: d.str()?.to_string(),
                }
            }
            _ => return Err(Corrupt),
        };
        out.push(f);
    }
    if out.len() > SLOTS {
        return Err(Corrupt);
    }
    Ok(out)
}
