//! The static index reader: the same code runs in the browser (wasm32, files fetched by the
//! Web Worker) and natively (files read from disk, see [`search_static`]).
//!
//! The reader is driven by [`Engine::search`], which either answers or names the files it
//! still needs ([`Step::Need`]); the caller fetches them, hands them over with
//! [`Engine::add_file`] and asks again. Top-k evaluation over impact-ordered posting chunks
//! (no-random-access threshold algorithm, see [`Engine::evaluate`]) is exact, or within a
//! byte budget the browser sets.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::analyzer::{self, Analyzer};
use crate::format::*;
use crate::query::{self, Lexicon, Plan, TermInfo};
use crate::validity::ValidityTable;

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
    /// after the previous shard's last term; empty for the first) and file hash.
    pub shards: Vec<(String, u32)>,
    /// Hash of each group of [`FRAG_GROUP`] fragment files.
    pub frag_groups: Vec<u32>,
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
}

impl Meta {
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Enc::default();
        e.bytes(META_MAGIC);
        e.var(self.n_docs as u64);
        e.var(self.n_pages as u64);
        e.var(self.n_vpages as u64);
        encode_seps(&mut e, &self.shards);
        e.usize(self.frag_groups.len());
        for h in &self.frag_groups {
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
        let shards = decode_seps(&mut d)?;
        let mut frag_groups = Vec::new();
        for _ in 0..d.count()? {
            frag_groups.push(d.u32()?);
        }
        if frag_groups.len() != (n_vpages as usize).div_ceil(FRAG_GROUP) {
            return Err(Corrupt);
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
            frag_groups,
            kinds,
            groups,
            services,
            statuses,
            vocab,
            bundle,
            validity,
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

/// Index of the last separator <= key (0 if none).
fn sep_index(seps: &[(String, u32)], key: &str) -> usize {
    match seps.binary_search_by(|(t, _)| t.as_str().cmp(key)) {
        Ok(i) => i,
        Err(0) => 0,
        Err(i) => i - 1,
    }
}

/// Front-coded (separator, hash) list.
pub fn encode_seps(e: &mut Enc, seps: &[(String, u32)]) {
    e.usize(seps.len());
    let mut prev = "";
    for (t, h) in seps {
        let shared = common_prefix(prev, t);
        e.usize(shared);
        e.str(&t[shared..]);
        e.u32(*h);
        prev = t;
    }
}

fn decode_seps(d: &mut Dec) -> R<Vec<(String, u32)>> {
    let mut out: Vec<(String, u32)> = Vec::new();
    for _ in 0..d.count()? {
        let shared = d.usize()?;
        let prev = out.last().map_or("", |s| s.0.as_str());
        let mut t = prev.get(..shared).ok_or(Corrupt)?.to_string();
        t.push_str(d.str()?);
        out.push((t, d.u32()?));
    }
    Ok(out)
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

/// Files of one kind of a shard: their number and the hash of all of them together (in
/// every name).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PackSet {
    pub count: usize,
    pub hash: u32,
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
#[derive(Debug, Clone, Copy, Default, PartialEq)]
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
fn decode_entry(d: &mut Dec, term: String, packs: PackSet, pos_packs: PackSet) -> R<Entry> {
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
        if pack.is_some_and(|p| p >= packs.count)
            || pos.is_some_and(|p| p.2 > 0 && p.0 >= pos_packs.count)
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

fn encode_pack_set(e: &mut Enc, set: PackSet) {
    e.usize(set.count);
    e.u32(set.hash);
}

fn decode_pack_set(d: &mut Dec) -> R<PackSet> {
    Ok(PackSet {
        count: d.usize()?,
        hash: d.u32()?,
    })
}

impl Shard {
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Enc::default();
        e.bytes(SHARD_MAGIC);
        encode_pack_set(&mut e, self.packs);
        encode_pack_set(&mut e, self.pos_packs);
        e.usize(self.entries.len());
        let mut prev = "";
        for en in &self.entries {
            let shared = common_prefix(prev, &en.term);
            e.usize(shared);
            e.str(&en.term[shared..]);
            prev = &en.term;
            encode_entry(&mut e, en);
        }
        e.usize(self.foreign.len());
        for f in &self.foreign {
            e.str(&f.entry.term);
            e.usize(f.home);
            encode_pack_set(&mut e, f.packs);
            encode_pack_set(&mut e, f.pos_packs);
            encode_entry(&mut e, &f.entry);
        }
        e.bytes(&self.heads);
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
                .push(decode_entry(&mut d, term, s.packs, s.pos_packs)?);
        }
        for _ in 0..d.count()? {
            let term = d.str()?.to_string();
            let home = d.usize()?;
            let packs = decode_pack_set(&mut d)?;
            let pos_packs = decode_pack_set(&mut d)?;
            let entry = decode_entry(&mut d, term, packs, pos_packs)?;
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
    fn loc(&self, i: usize) -> Loc {
        Loc {
            heads: i,
            home: i,
            packs: self.packs,
            pos_packs: self.pos_packs,
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

/// Filters: exact facet values, and a date.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub kind: Option<String>,
    pub group: Option<String>,
    pub service: Option<String>,
    pub status: Option<String>,
    /// Only pages that applied on this day (days since 1970-01-01; see
    /// [`crate::validity`]). A date in the query (`gällande den …`) takes its place.
    pub valid_on: Option<i32>,
}

impl Filters {
    /// The day a query with these filters asks for: the query's own date, else this one.
    pub fn day(&self, pq: &query::ParsedQuery) -> Option<i32> {
        pq.valid_on.or(self.valid_on)
    }

    /// Term keys of the facet filters.
    pub fn keys(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (p, v) in [
            (KIND_PREFIX, &self.kind),
            (GROUP_PREFIX, &self.group),
            (SERVICE_PREFIX, &self.service),
            (STATUS_PREFIX, &self.status),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                let mut key = p.to_string();
                key.push_str(v);
                out.push(key);
            }
        }
        out
    }
}

/// A search request.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub query: String,
    pub filters: Filters,
    /// Most section hits.
    pub limit: usize,
    /// Result pages (distinct pages of the hits, in rank order) whose hits get their
    /// fragment (title, heading, snippet...).
    pub fragments: usize,
    /// Most bytes of posting chunks read beyond the heads; past it the best sections found
    /// so far are returned (`approximate`): those seen with every word first, then those
    /// seen with some, whose other words (and phrases) are checked in the text of their
    /// fragment before they are shown. 0 = no limit (exact).
    pub budget: usize,
}

impl Request {
    /// Whether two requests rank the same way (they may differ in the result pages that
    /// get fragments: the browser asks for its first result pages, then for more).
    fn same_ranking(&self, other: &Request) -> bool {
        self.query == other.query
            && self.filters == other.filters
            && self.limit == other.limit
            && self.budget == other.budget
    }
}

/// A budgeted evaluation keeps this many times the hits asked for, as some of those not
/// seen with every word turn out not to have it.
const UNVERIFIED_ROOM: usize = 4;

/// A part of a snippet: text, and whether it is a match.
pub type Snippet = Vec<(String, bool)>;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResultHit {
    /// Virtual section number (see [`crate::format`]).
    pub doc: u32,
    pub score: f32,
    /// Present for the hits of the first `fragments` result pages.
    pub fragment: Option<Fragment>,
    pub snippet: Snippet,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchResult {
    pub hits: Vec<ResultHit>,
    /// No section matched all words: ranked fallback where any may match.
    pub fallback: bool,
    /// "Menade du …?" query.
    pub suggestion: Option<String>,
    /// The posting budget ran out: the ranking may differ from the exact one.
    pub approximate: bool,
    /// The day the hits applied on (the query's date, else the request's), if any.
    pub valid_on: Option<i32>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Fetch these files (names relative to the index folder) and ask again.
    Need(Vec<String>),
    Done(SearchResult),
}

/// Decoded postings of one chunk (chunk order).
type DecodedChunk = Rc<Vec<(u32, f32)>>;

/// Decoded positions of one chunk (per posting).
type ChunkPositions = Rc<Vec<Vec<u32>>>;

/// Ranked sections of an evaluation: (section, score), best first; sections whose match
/// of some clauses (indexes into the plan's clauses) is not known yet.
#[derive(Debug, Clone, Default)]
struct Ranked {
    top: Vec<(u32, f32)>,
    unverified: FxHashMap<u32, Vec<usize>>,
}

impl Ranked {
    fn exact(top: Vec<(u32, f32)>) -> Ranked {
        Ranked {
            top,
            unverified: FxHashMap::default(),
        }
    }
}

/// What an evaluation ranks: sections with every word (`and`) or the ranked fallback, the
/// `k` best, reading at most `budget` bytes of chunks beyond the heads (0 = no limit); while
/// it fetches chunks it also asks for the fragment files of its first `speculate` result
/// pages so far.
#[derive(Debug, Clone, Copy)]
struct Goal {
    and: bool,
    k: usize,
    budget: usize,
    speculate: usize,
    /// Only sections of pages that applied on this day (the validity table is loaded).
    day: Option<i32>,
}

/// The ranking of the last request whose evaluation finished, with its fallback and
/// approximate flags: the fetch rounds for its fragments do not evaluate it again.
struct LastRanking {
    request: Request,
    ranked: Ranked,
    fallback: bool,
    approximate: bool,
}

/// The static index reader.
pub struct Engine {
    pub meta: Meta,
    files: HashMap<String, Vec<u8>>,
    shards: HashMap<usize, Shard>,
    /// Decoded chunks, positions and fragment files: a query is evaluated again after each
    /// fetch round, and later queries reuse them. Keys: (shard, pack + 1 or 0 for the
    /// head area, offset).
    chunk_cache: HashMap<(usize, usize, usize), DecodedChunk>,
    positions_cache: HashMap<(usize, usize, usize), ChunkPositions>,
    frag_cache: HashMap<usize, Rc<Vec<Fragment>>>,
    /// Files found missing, in the order they were asked for (the fragment files of better
    /// sections first: the browser fetches them first).
    need: Vec<String>,
    /// The decoded typo vocabulary, once loaded.
    vocab: Option<Vec<crate::typo::VocabEntry>>,
    /// The decoded validity table, once a search with a date loaded it.
    validity: Option<Rc<ValidityTable>>,
    last: Option<LastRanking>,
    /// Words (folded, stem) of fragments checked for unverified hits.
    words_cache: FxHashMap<u32, Rc<Vec<String>>>,
    /// Snippets made for the highlight of the last query: the browser asks for its first
    /// result pages, then for all of them.
    snippets: (Highlight, FxHashMap<u32, Snippet>),
}

/// A query term's postings as far as they are read.
struct TermState {
    loc: Loc,
    flags: u8,
    chunks: Vec<ChunkRef>,
    loaded: usize,
    /// doc -> (impact, chunk, index in chunk)
    docs: FxHashMap<u32, (f32, usize, usize)>,
    /// Docs of the chunks loaded last.
    fresh: Vec<u32>,
}

impl TermState {
    fn exhausted(&self) -> bool {
        self.loaded >= self.chunks.len()
    }
    /// Highest impact of a posting not read yet.
    fn bound(&self) -> f32 {
        self.chunks.get(self.loaded).map_or(0.0, |c| c.max)
    }
}

impl Engine {
    pub fn new(meta_bytes: &[u8]) -> R<Engine> {
        Ok(Engine {
            meta: Meta::decode(meta_bytes)?,
            files: HashMap::new(),
            shards: HashMap::new(),
            chunk_cache: HashMap::new(),
            positions_cache: HashMap::new(),
            frag_cache: HashMap::new(),
            need: Vec::new(),
            vocab: None,
            validity: None,
            last: None,
            words_cache: FxHashMap::default(),
            snippets: Default::default(),
        })
    }

    /// Hands over a fetched file, inflated (see [`read_index_file`]).
    pub fn add_file(&mut self, name: &str, bytes: Vec<u8>) {
        self.files.insert(name.to_string(), bytes);
    }

    /// Hands over the bundle (inflated): its files are added as if fetched one by one.
    pub fn add_bundle(&mut self, bytes: &[u8]) -> R<()> {
        for (name, file) in decode_bundle(bytes)? {
            self.files.entry(name).or_insert(file);
        }
        Ok(())
    }

    /// Drops what was decoded or ranked (keeps the files): the next search costs what a
    /// first search over fetched files costs (for measurements).
    pub fn forget_decoded(&mut self) {
        self.shards.clear();
        self.chunk_cache.clear();
        self.positions_cache.clear();
        self.frag_cache.clear();
        self.words_cache.clear();
        self.last = None;
    }

    fn file(&mut self, name: String) -> Option<&[u8]> {
        if self.files.contains_key(&name) {
            self.files.get(&name).map(Vec::as_slice)
        } else {
            if !self.need.contains(&name) {
                self.need.push(name);
            }
            None
        }
    }

    fn shard(&mut self, i: usize) -> R<Option<&Shard>> {
        if !self.shards.contains_key(&i) {
            let hash = self.meta.shards.get(i).ok_or(Corrupt)?.1;
            let Some(bytes) = self.file(shard_name(i, hash)) else {
                return Ok(None);
            };
            let s = Shard::decode(bytes)?;
            self.shards.insert(i, s);
        }
        Ok(self.shards.get(&i))
    }

    /// Entry of a term: None = shard not loaded; Some(None) = no such term. While the
    /// term's own shard is not at hand, a copy in a loaded shard (a compound part, see
    /// [`Foreign`]) serves.
    fn entry(&mut self, key: &str) -> R<Option<Option<(Loc, Entry)>>> {
        if self.meta.n_shards == 0 {
            return Ok(Some(None));
        }
        let i = sep_index(&self.meta.shards, key);
        let at_hand = self.shards.contains_key(&i)
            || self
                .meta
                .shards
                .get(i)
                .is_some_and(|(_, h)| self.files.contains_key(&shard_name(i, *h)));
        if !at_hand && let Some(found) = self.foreign_entry(i, key) {
            return Ok(Some(Some(found)));
        }
        let Some(s) = self.shard(i)? else {
            return Ok(None);
        };
        Ok(Some(
            s.entries
                .binary_search_by(|e| e.term.as_str().cmp(key))
                .ok()
                .map(|j| (s.loc(i), s.entries[j].clone())),
        ))
    }

    /// A copy of the entry of `key` (whose own shard is `home`) in a decoded shard.
    fn foreign_entry(&self, home: usize, key: &str) -> Option<(Loc, Entry)> {
        self.shards.iter().find_map(|(&carrier, s)| {
            let j = s
                .foreign
                .binary_search_by(|f| f.entry.term.as_str().cmp(key))
                .ok()?;
            let f = &s.foreign[j];
            (f.home == home).then(|| {
                let loc = Loc {
                    heads: carrier,
                    home,
                    packs: f.packs,
                    pos_packs: f.pos_packs,
                };
                (loc, f.entry.clone())
            })
        })
    }

    /// The postings of a chunk; None = its pack is not loaded (recorded in `need`).
    fn chunk(&mut self, loc: &Loc, c: &ChunkRef, impacts: bool) -> R<Option<DecodedChunk>> {
        let key = match c.pack {
            None => (loc.heads, 0, c.off),
            Some(p) => (loc.home, p + 1, c.off),
        };
        if let Some(d) = self.chunk_cache.get(&key) {
            // Decoded for a reference at the same place: a corrupt shard may claim
            // another count for it.
            if d.len() != c.count {
                return Err(Corrupt);
            }
            return Ok(Some(d.clone()));
        }
        let end = c.off.checked_add(c.len).ok_or(Corrupt)?;
        let decoded = match c.pack {
            None => {
                let s = self.shards.get(&loc.heads).ok_or(Corrupt)?;
                decode_chunk(s.heads.get(c.off..end).ok_or(Corrupt)?, c.count, impacts)?
            }
            Some(p) => {
                let Some(bytes) = self.file(pack_name(loc.home, p, loc.packs.hash)) else {
                    return Ok(None);
                };
                decode_chunk(bytes.get(c.off..end).ok_or(Corrupt)?, c.count, impacts)?
            }
        };
        let decoded = Rc::new(decoded);
        self.chunk_cache.insert(key, decoded.clone());
        Ok(Some(decoded))
    }

    /// Positions of a chunk's postings; None = not loaded (recorded).
    fn positions(&mut self, loc: &Loc, c: &ChunkRef) -> R<Option<ChunkPositions>> {
        let Some((p, off, len)) = c.pos.filter(|p| p.2 > 0) else {
            // A posting takes at least a byte of the chunk: a larger count is corrupt
            // (and must not size an allocation).
            if c.count > c.len {
                return Err(Corrupt);
            }
            return Ok(Some(Rc::new(vec![Vec::new(); c.count])));
        };
        if let Some(d) = self.positions_cache.get(&(loc.home, p, off)) {
            return Ok(Some(d.clone()));
        }
        let Some(bytes) = self.file(pos_pack_name(loc.home, p, loc.pos_packs.hash)) else {
            return Ok(None);
        };
        let end = off.checked_add(len).ok_or(Corrupt)?;
        let decoded = Rc::new(decode_positions(
            bytes.get(off..end).ok_or(Corrupt)?,
            c.count,
        )?);
        self.positions_cache
            .insert((loc.home, p, off), decoded.clone());
        Ok(Some(decoded))
    }

    /// The files lookups found missing since the last call.
    pub fn take_needed(&mut self) -> Vec<String> {
        std::mem::take(&mut self.need)
    }

    fn take_need(&mut self) -> Step {
        Step::Need(self.take_needed())
    }

    /// All docs of a term (all chunks). None = data missing (all of it recorded).
    fn all_docs(&mut self, key: &str) -> R<Option<HashSet<u32>>> {
        let Some(entry) = self.entry(key)? else {
            return Ok(None);
        };
        let Some((loc, entry)) = entry else {
            return Ok(Some(HashSet::new()));
        };
        let mut out = HashSet::new();
        let mut missing = false;
        for c in &entry.chunks {
            match self.chunk(&loc, c, entry.flags & FLAG_NO_IMPACTS == 0)? {
                Some(chunk) => out.extend(chunk.iter().map(|p| p.0)),
                None => missing = true,
            }
        }
        Ok(if missing { None } else { Some(out) })
    }

    /// Reads the next chunk of every term in `which` (one fetch round for all of them),
    /// with its positions when `positions`. False = data missing (all of it recorded).
    fn load_next(&mut self, terms: &mut [TermState], which: &[usize], positions: bool) -> R<bool> {
        let mut loaded = Vec::new();
        for &ti in which {
            let t = &terms[ti];
            let c = t.chunks[t.loaded].clone();
            let impacts = t.flags & FLAG_NO_IMPACTS == 0;
            let chunk = self.chunk(&t.loc, &c, impacts)?;
            let pos_ok = !positions || self.positions(&t.loc, &c)?.is_some();
            if let (Some(chunk), true) = (chunk, pos_ok) {
                loaded.push((ti, chunk));
            }
        }
        if loaded.len() < which.len() {
            return Ok(false);
        }
        for (ti, chunk) in loaded {
            let t = &mut terms[ti];
            t.fresh.clear();
            for (i, &(d, imp)) in chunk.iter().enumerate() {
                t.docs.insert(d, (imp, t.loaded, i));
                t.fresh.push(d);
            }
            t.loaded += 1;
        }
        Ok(true)
    }

    /// The validity table; None = not loaded (recorded). An index without one has an
    /// empty table.
    fn validity_table(&mut self) -> R<Option<Rc<ValidityTable>>> {
        if self.validity.is_none() {
            let table = match self.meta.validity_name() {
                None => ValidityTable::default(),
                Some(name) => match self.file(name) {
                    Some(bytes) => ValidityTable::decode(bytes)?,
                    None => return Ok(None),
                },
            };
            self.validity = Some(Rc::new(table));
        }
        Ok(self.validity.clone())
    }

    /// Runs a search step.
    pub fn search(&mut self, req: &Request) -> R<Step> {
        self.need.clear();
        let pq = query::parse(&req.query);
        let plan = query::plan(&pq, self);
        let filter_keys = req.filters.keys();
        for k in &filter_keys {
            let _ = self.entry(k)?;
        }
        // A date needs the validity table, fetched with the term shards.
        let day = req.filters.day(&pq);
        if day.is_some() {
            self.validity_table()?;
        }
        if plan.pending || !self.need.is_empty() {
            return Ok(self.take_need());
        }
        let mut result = SearchResult::default();
        let mut ranked = Ranked::default();
        let cached = self
            .last
            .as_ref()
            .filter(|l| l.request.same_ranking(req))
            .map(|l| (l.ranked.clone(), l.fallback, l.approximate));
        let evaluated = cached.is_none();
        if let Some((r, fallback, approximate)) = cached {
            ranked = r;
            result.fallback = fallback;
            result.approximate = approximate;
        } else if !plan.clauses.is_empty() && req.limit > 0 {
            let mut approx = false;
            let goal = Goal {
                and: true,
                k: req.limit.max(query::WEAK_MATCHES),
                budget: req.budget,
                speculate: req.fragments,
                day,
            };
            let Some(mut all) = self.evaluate(&plan, &filter_keys, goal, &mut approx)? else {
                return Ok(self.take_need());
            };
            let all_words = all.top.len();
            if all.unverified.is_empty() {
                all.top.truncate(req.limit);
            }
            ranked = all;
            if query::use_ranked_fallback(&plan, all_words) {
                let goal = Goal {
                    and: false,
                    k: req.limit,
                    budget: req.budget,
                    speculate: 0,
                    day,
                };
                let Some(any) = self.evaluate(&plan, &filter_keys, goal, &mut approx)? else {
                    return Ok(self.take_need());
                };
                if !any.top.is_empty() {
                    ranked = any;
                    result.fallback = all_words == 0;
                }
            }
            result.approximate = approx;
        }
        if evaluated {
            self.last = Some(LastRanking {
                request: req.clone(),
                ranked: ranked.clone(),
                fallback: result.fallback,
                approximate: result.approximate,
            });
        }
        // Fragments of the hits of the first result pages; unverified hits there are
        // checked against their text (and dropped if a word is missing), unverified hits
        // further down are left out.
        let highlight = highlight_terms(&plan, &pq);
        if self.snippets.0 != highlight {
            self.snippets = (highlight, FxHashMap::default());
        }
        let mut pages: Vec<usize> = Vec::new();
        // Pages whose fragment file is being fetched: the hits from there on wait for it.
        // A page asked for an unverified hit counts as the share of the unverified hits
        // checked so far that had every word (as a whole page before any was checked), so
        // that a round fetches enough of them.
        let mut requested: Vec<(usize, bool)> = Vec::new();
        let (mut checked, mut passed) = (0usize, 0usize);
        let expected = |pages: &[usize], requested: &[(usize, bool)], checked, passed| {
            let share = if checked == 0 {
                1.0
            } else {
                (passed as f32 / checked as f32).max(0.15)
            };
            pages.len() as f32
                + requested
                    .iter()
                    .map(|r| if r.1 { share } else { 1.0 })
                    .sum::<f32>()
        };
        for &(doc, score) in &ranked.top {
            let vpage = (doc >> SLOT_BITS) as usize;
            let unverified = ranked.unverified.get(&doc);
            let known_page = pages.contains(&vpage) || requested.iter().any(|r| r.0 == vpage);
            if !known_page && expected(&pages, &requested, checked, passed) >= req.fragments as f32
            {
                if unverified.is_none() && requested.is_empty() {
                    result.hits.push(ResultHit {
                        doc,
                        score,
                        ..Default::default()
                    });
                }
                continue;
            }
            let Some(frags) = self.fragments_of(vpage)? else {
                if !known_page {
                    requested.push((vpage, unverified.is_some()));
                }
                continue;
            };
            if !requested.is_empty() {
                continue;
            }
            let f = frags.get(doc as usize & (SLOTS - 1)).ok_or(Corrupt)?;
            if let Some(clauses) = unverified {
                let words = self
                    .words_cache
                    .entry(doc)
                    .or_insert_with(|| Rc::new(text_terms(&[&f.title, &f.heading, &f.text])))
                    .clone();
                let all_there = clauses.iter().all(|&ci| {
                    plan.clauses[ci]
                        .alts
                        .iter()
                        .any(|(key, _)| has_term(&words, key))
                });
                let analyzer = Analyzer::new();
                let phrases = plan.phrases.iter().all(|p| {
                    words.windows(p.len().max(1)).any(|w| {
                        w.iter()
                            .zip(p)
                            .all(|(word, key)| has_stem(&analyzer, word, key))
                    })
                });
                checked += 1;
                if !all_there || !phrases {
                    continue;
                }
                passed += 1;
            }
            if !pages.contains(&vpage) {
                pages.push(vpage);
            }
            result.hits.push(ResultHit {
                doc,
                score,
                snippet: {
                    let (highlight, made) = &mut self.snippets;
                    made.entry(doc)
                        .or_insert_with(|| make_snippet(&f.text, highlight))
                        .clone()
                },
                fragment: Some(f.clone()),
            });
        }
        if !requested.is_empty() {
            return Ok(self.take_need());
        }
        result.hits.truncate(req.limit);
        result.suggestion = query::suggestion(&pq, &plan);
        result.valid_on = day;
        Ok(Step::Done(result))
    }

    /// Asks for the fragment files of the first `pages` result pages of a provisional
    /// ranking (section, score), along with the data the evaluation still needs.
    fn speculate_fragments(&mut self, mut provisional: Vec<(u32, f32)>, pages: usize) -> R<()> {
        if pages == 0 {
            return Ok(());
        }
        provisional.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut asked: Vec<usize> = Vec::new();
        for (d, _) in provisional {
            let vpage = (d >> SLOT_BITS) as usize;
            if !asked.contains(&vpage) {
                asked.push(vpage);
                self.fragments_of(vpage)?;
                if asked.len() >= pages {
                    break;
                }
            }
        }
        Ok(())
    }

    /// The sections of a virtual page; None = not loaded (recorded).
    fn fragments_of(&mut self, vpage: usize) -> R<Option<Rc<Vec<Fragment>>>> {
        if let Some(f) = self.frag_cache.get(&vpage) {
            return Ok(Some(f.clone()));
        }
        let hash = *self
            .meta
            .frag_groups
            .get(vpage / FRAG_GROUP)
            .ok_or(Corrupt)?;
        let Some(bytes) = self.file(frag_name(vpage, hash)) else {
            return Ok(None);
        };
        let f = Rc::new(decode_fragments(bytes)?);
        self.frag_cache.insert(vpage, f.clone());
        Ok(Some(f))
    }

    /// Top-k sections by score ([`Goal`]: all words when `and`, else the coverage-scaled ranked
    /// fallback). Impact-ordered, no random access (NRA): a section's score is known once
    /// it is seen in every word's postings read so far or the word's list is read to the
    /// end; chunks are read (the next one of every open word per round) until no partly
    /// seen or unseen section can beat the k-th known one, or up to the budget.
    /// When the budget stops it, sections seen in some words' postings only come after the
    /// complete ones of higher score, by their known score, marked unverified (the words
    /// they were not seen with are checked in their fragment text before they are shown).
    /// None = data missing (recorded in `need`).
    fn evaluate(
        &mut self,
        plan: &Plan,
        filters: &[String],
        goal: Goal,
        approximate: &mut bool,
    ) -> R<Option<Ranked>> {
        let Goal {
            and,
            k,
            budget,
            speculate,
            day,
        } = goal;
        // Sections of pages that did not apply on the day asked for.
        let table = day.and_then(|day| self.validity.clone().map(|t| (t, day)));
        let outside = |d: u32| {
            table
                .as_ref()
                .is_some_and(|(t, day)| !t.applies(d >> SLOT_BITS, *day))
        };
        // Exclusions and filters: complete doc sets.
        let mut excluded = HashSet::new();
        let mut missing = false;
        for key in &plan.excluded {
            match self.all_docs(key)? {
                Some(s) => excluded.extend(s),
                None => missing = true,
            }
        }
        let mut filter_sets = Vec::new();
        for key in filters {
            match self.all_docs(key)? {
                Some(s) => filter_sets.push(s),
                None => missing = true,
            }
        }
        let keys = plan.terms();
        if plan.phrases.iter().flatten().any(|t| !keys.contains(t)) {
            // A phrase word the index lacks: the phrase cannot match.
            return Ok(if missing {
                None
            } else {
                Some(Ranked::default())
            });
        }
        let positions = !plan.phrases.is_empty();
        let mut terms: Vec<TermState> = Vec::new();
        for key in &keys {
            let mut t = TermState {
                loc: Loc::default(),
                flags: 0,
                chunks: Vec::new(),
                loaded: 0,
                docs: FxHashMap::default(),
                fresh: Vec::new(),
            };
            match self.entry(key)? {
                None => missing = true,
                Some(None) => {}
                Some(Some((loc, e))) => {
                    t.loc = loc;
                    t.flags = e.flags;
                    t.chunks = e.chunks;
                }
            }
            terms.push(t);
        }
        if missing {
            return Ok(None);
        }
        let heads: Vec<usize> = (0..terms.len())
            .filter(|&i| !terms[i].exhausted())
            .collect();
        if !self.load_next(&mut terms, &heads, positions)? {
            return Ok(None);
        }
        let idx = |key: &str| keys.iter().position(|k| k == key).unwrap_or(0);
        let clauses: Vec<Vec<(usize, f32)>> = plan
            .clauses
            .iter()
            .map(|c| c.alts.iter().map(|(t, w)| (idx(t), *w)).collect())
            .collect();
        let n = clauses.len();
        // Heaviest weight of each term in the clauses.
        let mut weights = vec![0f32; terms.len()];
        for c in &clauses {
            for &(ti, w) in c {
                weights[ti] = weights[ti].max(w);
            }
        }
        // Open candidates; settled docs (complete, or unable to match or to reach the top k)
        // are never looked at again: complete scores are final and bounds only shrink.
        let mut candidates: BTreeSet<u32> = BTreeSet::new();
        for t in &mut terms {
            candidates.extend(t.fresh.drain(..));
        }
        let mut settled: FxHashSet<u32> = FxHashSet::default();
        let mut complete: Vec<(u32, f32)> = Vec::new();
        let mut kth = f32::NEG_INFINITY;
        let mut spent = 0usize;
        loop {
            let mut max_ub = f32::NEG_INFINITY;
            let mut settle: Vec<u32> = Vec::new();
            for &d in &candidates {
                if excluded.contains(&d)
                    || filter_sets.iter().any(|s| !s.contains(&d))
                    || outside(d)
                {
                    settle.push(d);
                    continue;
                }
                let mut known = 0f32;
                let mut unknown = 0f32;
                let mut is_complete = true;
                let (mut sat, mut poss) = (0, 0);
                for c in &clauses {
                    let (mut s, mut p) = (false, false);
                    for &(ti, w) in c {
                        let t = &terms[ti];
                        if let Some(&(imp, _, _)) = t.docs.get(&d) {
                            known += w * imp;
                            s = true;
                        } else if !t.exhausted() {
                            unknown += w * t.bound();
                            is_complete = false;
                            p = true;
                        }
                    }
                    if s {
                        sat += 1;
                    } else if p {
                        poss += 1;
                    }
                }
                if (and && sat + poss < n) || (!and && sat + poss == 0) {
                    settle.push(d);
                    continue;
                }
                // The ranked fallback scales by coverage (an upper bound for open docs).
                let (cov, cov_ub) = if and {
                    (1.0, 1.0)
                } else {
                    (query::coverage(sat, n), query::coverage(sat + poss, n))
                };
                if is_complete {
                    if (and && sat < n) || sat == 0 {
                        settle.push(d);
                        continue;
                    }
                    match self.phrases_match(plan, &keys, &terms, d)? {
                        None => missing = true,
                        Some(false) => settle.push(d),
                        Some(true) => {
                            complete.push((d, known * cov));
                            settle.push(d);
                        }
                    }
                } else {
                    let ub = (known + unknown) * cov_ub;
                    if ub < kth {
                        settle.push(d);
                    } else {
                        max_ub = max_ub.max(ub);
                    }
                }
            }
            for d in settle {
                candidates.remove(&d);
                settled.insert(d);
            }
            if missing {
                return Ok(None);
            }
            // Bound of sections not seen in any chunk read.
            let mut unseen = 0f32;
            let mut open_clauses = 0;
            for c in &clauses {
                let mut open = false;
                for &(ti, w) in c {
                    if !terms[ti].exhausted() {
                        open = true;
                        unseen += w * terms[ti].bound();
                    }
                }
                open_clauses += usize::from(open);
            }
            let possible = if and {
                open_clauses == n
            } else {
                unseen *= query::coverage(open_clauses, n);
                open_clauses > 0
            };
            if possible {
                max_ub = max_ub.max(unseen);
            }
            complete.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            // The rest can never return (kth only grows).
            complete.truncate(k);
            kth = if complete.len() >= k {
                complete[k - 1].1
            } else {
                f32::NEG_INFINITY
            };
            if max_ub == f32::NEG_INFINITY || (kth > f32::NEG_INFINITY && max_ub <= kth) {
                return Ok(Some(Ranked::exact(complete)));
            }
            // Read the next chunk of the open words whose unread postings weigh most (at
            // least half of the heaviest; all of them in the first round past the heads,
            // which saves a round trip, and for phrases).
            let first_round = spent == 0;
            let gain = |ti: usize| {
                if positions || first_round {
                    1.0
                } else {
                    weights[ti] * terms[ti].bound()
                }
            };
            let best = (0..terms.len())
                .filter(|&i| !terms[i].exhausted())
                .map(gain)
                .fold(f32::NEG_INFINITY, f32::max);
            let open: Vec<usize> = (0..terms.len())
                .filter(|&i| !terms[i].exhausted() && gain(i) >= 0.5 * best)
                .collect();
            if open.is_empty() {
                return Ok(Some(Ranked::exact(complete)));
            }
            // Saturating: a corrupt chunk length is only rejected when the chunk is read.
            let cost = open
                .iter()
                .map(|&ti| terms[ti].chunks[terms[ti].loaded].len)
                .fold(0usize, usize::saturating_add);
            if budget > 0 && spent.saturating_add(cost) > budget {
                *approximate = true;
                let mut ranked = Ranked::exact(complete);
                {
                    for &d in &candidates {
                        if excluded.contains(&d)
                            || filter_sets.iter().any(|s| !s.contains(&d))
                            || outside(d)
                        {
                            continue;
                        }
                        let (known, unseen_clauses) = seen_score(&clauses, &terms, d);
                        let sat = n - unseen_clauses.len();
                        if and || positions {
                            ranked.top.push((d, known));
                            ranked.unverified.insert(d, unseen_clauses);
                        } else {
                            ranked.top.push((d, known * query::coverage(sat, n)));
                        }
                    }
                }
                ranked
                    .top
                    .sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                // Room for the unverified ones that their text will rule out.
                ranked.top.truncate(k * UNVERIFIED_ROOM);
                return Ok(Some(ranked));
            }
            if !self.load_next(&mut terms, &open, positions)? {
                // While the chunks are fetched, so are the fragment files of the best
                // sections so far that are seen with every word: most of them stay on the
                // first result pages.
                let mut provisional = complete.clone();
                for &d in &candidates {
                    let (known, unseen) = seen_score(&clauses, &terms, d);
                    if unseen.is_empty() {
                        provisional.push((d, known));
                    }
                }
                self.speculate_fragments(provisional, speculate)?;
                return Ok(None);
            }
            spent = spent.saturating_add(cost);
            for &ti in &open {
                for d in std::mem::take(&mut terms[ti].fresh) {
                    if !settled.contains(&d) {
                        candidates.insert(d);
                    }
                }
            }
        }
    }

    /// Whether all phrases occur in doc d (positions of field `all`). None = data missing.
    fn phrases_match(
        &mut self,
        plan: &Plan,
        keys: &[String],
        terms: &[TermState],
        d: u32,
    ) -> R<Option<bool>> {
        for phrase in &plan.phrases {
            let mut lists: Vec<Vec<u32>> = Vec::new();
            for key in phrase {
                let Some(ti) = keys.iter().position(|k| k == key) else {
                    return Ok(Some(false));
                };
                let t = &terms[ti];
                let Some(&(_, ci, pi)) = t.docs.get(&d) else {
                    return Ok(Some(false));
                };
                let c = t.chunks[ci].clone();
                let Some(pos) = self.positions(&t.loc, &c)? else {
                    return Ok(None);
                };
                lists.push(pos.get(pi).cloned().ok_or(Corrupt)?);
            }
            if !phrase_at(&lists) {
                return Ok(Some(false));
            }
        }
        Ok(Some(true))
    }
}

/// What the postings read so far know of section `d`: the weighted sum of the impacts seen,
/// and the clauses (indexes into `clauses`: (term, weight) alternatives) it was not seen in.
fn seen_score(clauses: &[Vec<(usize, f32)>], terms: &[TermState], d: u32) -> (f32, Vec<usize>) {
    let mut known = 0f32;
    let mut unseen = Vec::new();
    for (ci, c) in clauses.iter().enumerate() {
        let mut seen = false;
        for &(ti, w) in c {
            if let Some(&(imp, _, _)) = terms[ti].docs.get(&d) {
                known += w * imp;
                seen = true;
            }
        }
        if !seen {
            unseen.push(ci);
        }
    }
    (known, unseen)
}

/// Runs the analyzer, the text checks and the snippet code once on a sample text: the
/// browser calls it while the first query's files are in flight, so that the engine's
/// code is compiled by then (wasm functions are compiled on their first call).
pub fn warm_up() -> usize {
    const SAMPLE: &str = "Överenskommelsen om samordnad individuell plan (SIP) gäller \
        barn och unga; vårdnadshavare, socialtjänsten och elevhälsan följer upp insatserna.";
    let words = text_terms(&[SAMPLE]);
    let analyzer = Analyzer::new();
    let hl = Highlight {
        terms: words
            .iter()
            .take(4)
            .map(|w| analyzer.stem_folded(w))
            .collect(),
        prefix: Some("sam".to_string()),
    };
    let snippet = make_snippet(SAMPLE, &hl);
    let pq = query::parse(SAMPLE);
    words.len() + snippet.len() + pq.words.len() + usize::from(has_term(&words, "barn"))
}

/// The words of a text as (folded, stem) pairs, for [`has_term`].
fn text_terms(texts: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for text in texts {
        for t in analyzer::raw_tokens(text) {
            out.push(analyzer::fold(t.text));
        }
    }
    out
}

/// Whether a folded word has the stem `key` (a stem is always a prefix of its word, so
/// only words that start with it are stemmed).
fn has_stem(analyzer: &Analyzer, folded: &str, key: &str) -> bool {
    folded.starts_with(key) && analyzer.stem_folded(folded) == key
}

/// Whether a text (its folded words) has a term: a word that contains it (its stem, or a
/// compound part of it); exact terms (abbreviations, ids) as whole words. A superset of
/// what the indexer matched, as the snippet highlighting.
fn has_term(words: &[String], key: &str) -> bool {
    match exact_form(key) {
        Some(exact) => {
            let exact = analyzer::fold(exact);
            words.contains(&exact)
        }
        None => words.iter().any(|folded| folded.contains(key)),
    }
}

/// Whether the position lists contain p, p+1, p+2, ...
pub fn phrase_at(lists: &[Vec<u32>]) -> bool {
    let Some(first) = lists.first() else {
        return true;
    };
    first.iter().any(|&p| {
        lists
            .iter()
            .enumerate()
            .skip(1)
            .all(|(i, l)| l.binary_search(&(p + i as u32)).is_ok())
    })
}

impl Lexicon for Engine {
    fn lookup(&mut self, key: &str) -> Option<Option<TermInfo>> {
        match self.entry(key) {
            Ok(Some(e)) => Some(e.map(|(_, e)| e.info)),
            Ok(None) => None,
            Err(_) => Some(None),
        }
    }

    fn with_prefix(&mut self, prefix: &str) -> Option<Vec<(String, u32)>> {
        if self.meta.n_shards == 0 {
            return Some(Vec::new());
        }
        let first = sep_index(&self.meta.shards, prefix);
        let mut out = Vec::new();
        let mut pending = false;
        // At most two shards: the one where the prefix sorts and the next if it still has
        // the prefix (a short prefix of a large vocabulary would otherwise load many).
        for i in first..self.meta.n_shards.min(first + 2) {
            if i > first && !self.meta.shards[i].0.starts_with(prefix) {
                break;
            }
            match self.shard(i) {
                Ok(Some(s)) => {
                    for e in &s.entries {
                        if e.info.word && e.term.starts_with(prefix) {
                            out.push((e.term.clone(), e.info.df));
                        }
                    }
                }
                Ok(None) => pending = true,
                Err(_) => {}
            }
        }
        if pending { None } else { Some(out) }
    }

    fn near(&mut self, folded: &str, stem: &str) -> Option<Vec<(String, String)>> {
        if self.vocab.is_none() {
            if self.meta.vocab == 0 {
                self.vocab = Some(Vec::new());
            } else {
                let bytes = self.file(hash_name("vocab", self.meta.vocab))?;
                let vocab = crate::typo::decode_vocab(bytes).unwrap_or_default();
                self.vocab = Some(vocab);
            }
        }
        let vocab = self.vocab.as_deref().unwrap_or_default();
        Some(
            crate::typo::nearest(folded, stem, vocab)
                .into_iter()
                .map(|(e, _)| (e.term.clone(), e.display.clone()))
                .collect(),
        )
    }
}

/// Terms to highlight: the plan's term keys (normal ones), and the typed prefix.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Highlight {
    pub terms: HashSet<String>,
    pub prefix: Option<String>,
}

pub fn highlight_terms(plan: &Plan, pq: &query::ParsedQuery) -> Highlight {
    let mut terms = HashSet::new();
    for t in plan.terms() {
        if let Some(e) = exact_form(&t) {
            terms.insert(analyzer::fold(e));
        } else {
            terms.insert(t);
        }
    }
    let prefix = pq
        .typing
        .and_then(|i| pq.words.get(i))
        .map(|w| analyzer::fold(w))
        .filter(|p| p.chars().count() >= query::MIN_PREFIX_CHARS);
    Highlight { terms, prefix }
}

/// Words of a snippet window.
const SNIPPET_WORDS: usize = 28;

/// A snippet of `text` around its best run of matches.
pub fn make_snippet(text: &str, hl: &Highlight) -> Snippet {
    let analyzer = Analyzer::new();
    let toks = analyzer::raw_tokens(text);
    // A word matches a term it contains (4+ letters), whose stem it has, or the typed prefix.
    let matched: Vec<bool> = toks
        .iter()
        .map(|t| {
            let folded = analyzer::fold(t.text);
            hl.terms.iter().any(|q| {
                (q.chars().count() >= 4 && folded.contains(q.as_str()))
                    || has_stem(&analyzer, &folded, q)
            }) || hl
                .prefix
                .as_ref()
                .is_some_and(|p| folded.starts_with(p.as_str()))
        })
        .collect();
    if toks.is_empty() {
        return vec![(text.chars().take(200).collect(), false)];
    }
    // Window start with the most matches.
    let mut best = (0usize, 0usize);
    for i in 0..toks.len() {
        if matched[i] {
            let c = matched[i..(i + SNIPPET_WORDS).min(toks.len())]
                .iter()
                .filter(|m| **m)
                .count();
            if c > best.1 {
                best = (i, c);
            }
        }
    }
    let start_tok = best.0.saturating_sub(if best.1 > 0 { 4 } else { 0 });
    let end_tok = (start_tok + SNIPPET_WORDS).min(toks.len());
    let start = if start_tok == 0 {
        0
    } else {
        toks[start_tok].from
    };
    let end = if end_tok == toks.len() {
        text.len()
    } else {
        toks[end_tok - 1].to
    };
    let mut out: Snippet = Vec::new();
    let mut push = |s: &str, m: bool| {
        if s.is_empty() {
            return;
        }
        match out.last_mut() {
            Some(last) if last.1 == m && !m => last.0.push_str(s),
            _ => out.push((s.to_string(), m)),
        }
    };
    if start > 0 {
        push("… ", false);
    }
    let mut cur = start;
    for (t, m) in toks[start_tok..end_tok]
        .iter()
        .zip(&matched[start_tok..end_tok])
    {
        if *m {
            push(&text[cur..t.from], false);
            push(&text[t.from..t.to], true);
            cur = t.to;
        }
    }
    push(&text[cur..end], false);
    if end < text.len() {
        push(" …", false);
    }
    out
}

/// Plain text of a snippet, matches between « and ».
pub fn snippet_text(s: &Snippet) -> String {
    let mut out = String::new();
    for (t, m) in s {
        if *m {
            out.push('«');
            out.push_str(t);
            out.push('»');
        } else {
            out.push_str(t);
        }
    }
    out
}

/// Reads and inflates one index file of `search_dir` (natively; the browser's worker does
/// the same with DecompressionStream). Returns the inflated bytes and the stored size.
#[cfg(feature = "inflate")]
pub fn read_index_file(
    search_dir: &std::path::Path,
    name: &str,
) -> std::io::Result<(Vec<u8>, usize)> {
    let invalid = |what: String| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
    if name.contains('/') || name.contains('\\') || name.contains("..") {
        return Err(invalid(format!("bad index file name {name}")));
    }
    let stored = std::fs::read(search_dir.join(name))?;
    let bytes =
        crate::format::decompress(&stored).map_err(|_| invalid(format!("{name}: {Corrupt}")))?;
    Ok((bytes, stored.len()))
}

/// Native driver: runs a request against an exported index folder on disk.
/// Returns the result and the bytes of the files it read.
#[cfg(feature = "inflate")]
pub fn search_static(
    search_dir: &std::path::Path,
    req: &Request,
) -> std::io::Result<(SearchResult, usize)> {
    let (r, files) = search_static_traced(search_dir, req)?;
    Ok((r, files.iter().map(|f| f.1).sum()))
}

/// Opens the engine of an exported index folder. Returns it with the files read
/// (manifest and meta: name, stored bytes).
#[cfg(feature = "inflate")]
pub fn open_static(
    search_dir: &std::path::Path,
) -> std::io::Result<(Engine, Vec<(String, usize)>)> {
    let manifest = std::fs::read_to_string(search_dir.join("manifest.json"))?;
    let meta_name = manifest_meta_name(&manifest)
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "bad manifest.json"))?;
    let (meta, stored) = read_index_file(search_dir, &meta_name)?;
    let engine =
        Engine::new(&meta).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
    Ok((
        engine,
        vec![
            ("manifest.json".to_string(), manifest.len()),
            (meta_name, stored),
        ],
    ))
}

/// Like [`search_static`], returning the files read (name, stored bytes) in order: what a
/// cold browser session transfers for the request.
#[cfg(feature = "inflate")]
pub fn search_static_traced(
    search_dir: &std::path::Path,
    req: &Request,
) -> std::io::Result<(SearchResult, Vec<(String, usize)>)> {
    let bad = |e: Corrupt| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
    let (mut engine, mut files) = open_static(search_dir)?;
    for _ in 0..10_000 {
        match engine.search(req).map_err(bad)? {
            Step::Done(r) => return Ok((r, files)),
            Step::Need(need) => {
                for f in need {
                    let (b, stored) = read_index_file(search_dir, &f)?;
                    files.push((f.clone(), stored));
                    engine.add_file(&f, b);
                }
            }
        }
    }
    Err(bad(Corrupt))
}

/// The meta file name in manifest.json (tiny parser: `"meta":"<name>"`).
pub fn manifest_meta_name(manifest: &str) -> Option<String> {
    let i = manifest.find("\"meta\"")?;
    let rest = &manifest[i + 6..];
    let rest = rest
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .strip_prefix('"')?;
    let end = rest.find('"')?;
    Some(rest[..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrase_positions() {
        assert!(phrase_at(&[vec![1, 5], vec![6], vec![7]]));
        assert!(!phrase_at(&[vec![1, 5], vec![3], vec![7]]));
    }

    #[test]
    fn snippet_highlights_and_escapes_nothing() {
        let hl = Highlight {
            terms: ["barn".to_string()].into_iter().collect(),
            prefix: None,
        };
        let s = make_snippet("Om <b>barnen</b> och barnhälsovården.", &hl);
        assert_eq!(
            snippet_text(&s),
            "Om <b>«barnen»</b> och «barnhälsovården»."
        );
    }

    #[test]
    fn corrupt_files_are_errors() {
        assert!(Meta::decode(b"").is_err());
        assert!(Meta::decode(b"SSM1\xff\xff\xff").is_err());
        assert!(Shard::decode(b"SST1\x05").is_err());
        assert!(decode_fragments(b"SSF1\x01\x09abc").is_err());
        assert_eq!(
            manifest_meta_name(r#"{"format":1, "meta": "meta-0a.bin"}"#).as_deref(),
            Some("meta-0a.bin")
        );
    }
}
