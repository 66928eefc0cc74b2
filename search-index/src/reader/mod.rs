//! The static index reader: the same code runs in the browser (wasm32, files fetched by the
//! Web Worker) and natively (files read from disk, see [`search_static`]).
//!
//! The reader is driven by [`Engine::search`], which either answers or names the files it
//! still needs ([`Step::Need`]); the caller fetches them, hands them over with
//! [`Engine::add_file`] and asks again. Top-k evaluation over impact-ordered posting chunks
//! (no-random-access threshold algorithm, see the `evaluate` module) is exact, or within a
//! byte budget the browser sets.

use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::analyzer::{self, Analyzer};
use crate::format::*;
use crate::query::{self, Lexicon, Plan, TermInfo};
use crate::validity::ValidityTable;

mod codec;
mod evaluate;
mod marks;
#[cfg(feature = "overlay")]
mod overlay;
#[cfg(feature = "overlay")]
use overlay::Decision;
#[cfg(feature = "overlay")]
pub use overlay::encode_overlaid;
/// Without overlays an index decides on a ranking by coverage alone.
#[cfg(not(feature = "overlay"))]
#[derive(Clone, Default)]
struct Decision;
#[cfg(not(feature = "overlay"))]
impl Decision {
    fn same_count(&self, _: &Decision) -> bool {
        true
    }
    fn all_words(&mut self, top: &[(u32, f32)]) -> usize {
        top.len()
    }
}
mod snippet;
mod speculate;

pub use codec::*;
pub use evaluate::phrase_at;
pub use marks::MarkStep;
pub use snippet::*;

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
    /// Answer as soon as the hits of the first `fragments` result pages are proven (no
    /// section whose postings are not all read yet can score above them), with only those
    /// hits ([`SearchResult::partial`]): the browser shows them while the rest of the
    /// ranking is fetched. A warm query then waits for its first page's text alone.
    pub early: bool,
}

impl Request {
    /// Whether two requests rank the same way (they may differ in the result pages that
    /// get fragments: the browser asks for its first result pages, then for more; and in
    /// `early`, which only makes an answer come before the ranking is complete).
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

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResultHit {
    /// Virtual section number (see [`crate::format`]).
    pub doc: u32,
    pub score: f32,
    /// Present for the hits of the first `fragments` result pages.
    pub fragment: Option<Fragment>,
    pub snippet: Snippet,
    /// The other synonym forms it matched through (with its fragment; see
    /// [`crate::synonyms::via`]).
    pub via: Vec<String>,
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
    /// An early answer ([`Request::early`]): the hits of the first result pages only, in
    /// their final order; the rest of the ranking was not read yet.
    pub partial: bool,
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
    /// `top` is only the proven beginning of the ranking (an early answer).
    partial: bool,
}

impl Ranked {
    fn exact(top: Vec<(u32, f32)>) -> Ranked {
        Ranked {
            top,
            unverified: FxHashMap::default(),
            partial: false,
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
    /// Stop, rather than fetch postings, once the best sections so far cover this many
    /// result pages and are proven to stay the best (see [`Request::early`]).
    early: Option<usize>,
}

/// The ranking of the last request whose evaluation finished, with its fallback and
/// approximate flags: the fetch rounds for its fragments do not evaluate it again.
struct LastRanking {
    request: Request,
    /// The [`Engine::decision`] it was ranked with and found.
    decision: Decision,
    ranked: Ranked,
    fallback: bool,
    approximate: bool,
}

/// The static index reader.
pub struct Engine {
    pub meta: Meta,
    files: FxHashMap<String, Vec<u8>>,
    shards: FxHashMap<usize, Shard>,
    /// Decoded chunks, positions and fragment files: a query is evaluated again after each
    /// fetch round, and later queries reuse them. Keys: (shard, pack + 1 or 0 for the
    /// head area, offset).
    chunk_cache: FxHashMap<(usize, usize, usize), DecodedChunk>,
    positions_cache: FxHashMap<(usize, usize, usize), ChunkPositions>,
    frag_cache: FxHashMap<usize, Rc<Vec<Fragment>>>,
    /// Files found missing, in the order they were asked for (the fragment files of better
    /// sections first: the browser fetches them first).
    need: Vec<String>,
    /// The decoded typo vocabulary, once loaded.
    vocab: Option<Vec<crate::typo::VocabEntry>>,
    /// The decoded validity table, once a search with a date loaded it.
    validity: Option<Rc<ValidityTable>>,
    last: Option<LastRanking>,
    /// The last step's need is the text of ranked hits alone ([`Engine::waits_for_text_only`]).
    text_only: bool,
    /// Words (folded, stem) of fragments checked for unverified hits.
    words_cache: FxHashMap<u32, Rc<Vec<String>>>,
    /// Snippets made for the highlight of the last query: the browser asks for its first
    /// result pages, then for all of them.
    snippets: (Highlight, FxHashMap<u32, Snippet>),
    /// The live preview's index of the pages changed since this one was built.
    #[cfg(feature = "overlay")]
    overlay: Option<overlay::Overlay>,
    /// How a query of several words is decided to be ranked by coverage (an index
    /// searched with an overlay decides with the sections with every word in both).
    decision: Decision,
}

impl Engine {
    pub fn new(meta_bytes: &[u8]) -> R<Engine> {
        Ok(Engine {
            meta: Meta::decode(meta_bytes)?,
            files: FxHashMap::default(),
            shards: FxHashMap::default(),
            chunk_cache: FxHashMap::default(),
            positions_cache: FxHashMap::default(),
            frag_cache: FxHashMap::default(),
            need: Vec::new(),
            vocab: None,
            validity: None,
            last: None,
            text_only: false,
            words_cache: FxHashMap::default(),
            snippets: Default::default(),
            #[cfg(feature = "overlay")]
            overlay: None,
            decision: Default::default(),
        })
    }

    /// Opens an index from its meta file (inflated), or with the `overlay` feature also from
    /// the live preview's meta file combined with its overlay (`overlay::encode_overlaid`).
    pub fn open(meta_bytes: &[u8]) -> R<Engine> {
        #[cfg(feature = "overlay")]
        if let Some(engine) = overlay::open_overlaid(meta_bytes)? {
            return Ok(engine);
        }
        Engine::new(meta_bytes)
    }

    /// Hands over a fetched file, inflated (see [`read_index_file`]).
    pub fn add_file(&mut self, name: &str, bytes: Vec<u8>) {
        #[cfg(feature = "overlay")]
        let Some(bytes) = self.add_overlay_file(name, bytes) else {
            return;
        };
        self.files.insert(name.to_string(), bytes);
    }

    /// Hands over the bundle (inflated): its files are added as if fetched one by one.
    /// With it come the directories the meta file does not carry ([`SHARD_PLACES`],
    /// [`FRAG_PLACES`]): later searches read no record.
    pub fn add_bundle(&mut self, bytes: &[u8]) -> R<()> {
        for (name, file) in decode_bundle(bytes)? {
            let meta = &mut self.meta;
            let (places, n, group) = match name.as_str() {
                SHARD_PLACES => (&mut meta.shard_places, meta.n_shards, meta.shard_group),
                FRAG_PLACES => (
                    &mut meta.frag_places,
                    meta.n_vpages as usize,
                    meta.frag_group,
                ),
                _ => {
                    self.files.entry(name).or_insert(file);
                    continue;
                }
            };
            if places.is_none() {
                *places = Directory::decode(&mut Dec::new(&file), n, group)?;
            }
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

    /// The name of member `slot` of `archive`, at `place` when the meta file's directory
    /// gives it, else at what the member's record says; None = the record is not loaded
    /// (recorded).
    fn member_name(
        &mut self,
        archive: &str,
        slot: usize,
        place: Option<(usize, usize)>,
    ) -> R<Option<String>> {
        let (off, len) = match place {
            Some(place) => place,
            None => match self.file(range_name(archive, slot * RECORD_LEN, RECORD_LEN)) {
                Some(bytes) => decode_record(bytes)?,
                None => return Ok(None),
            },
        };
        Ok(Some(range_name(archive, off, len)))
    }

    /// The name of pack `j` of a set.
    pub fn pack_name(&self, set: &PackSet, j: usize) -> R<String> {
        let hash = *self.meta.pack_archives.get(set.archive).ok_or(Corrupt)?;
        let (off, len) = set.range(j)?;
        Ok(range_name(&pack_archive(set.archive, hash), off, len))
    }

    /// The archive of term shard `i`.
    pub(crate) fn shard_archive(&self, i: usize) -> R<String> {
        let hash = self.meta.shards.get(i).ok_or(Corrupt)?.1;
        Ok(shard_archive(i / self.meta.shard_group, hash))
    }

    /// Term shard `i`'s name as a member of its archive; None = its record is not loaded
    /// (recorded).
    fn shard_name(&mut self, i: usize) -> R<Option<String>> {
        let archive = self.shard_archive(i)?;
        let place = inline_place(&self.meta.shard_places, i)?;
        self.member_name(&archive, i % self.meta.shard_group, place)
    }

    /// Whether term shard `i` is at hand (asks for nothing: a record it names is taken
    /// back out of `need`).
    fn shard_at_hand(&mut self, i: usize) -> bool {
        let needed_before = self.need.len();
        let at_hand =
            matches!(self.shard_name(i), Ok(Some(name)) if self.files.contains_key(&name));
        self.need.truncate(needed_before);
        at_hand
    }

    fn shard(&mut self, i: usize) -> R<Option<&Shard>> {
        if !self.shards.contains_key(&i) {
            let Some(name) = self.shard_name(i)? else {
                return Ok(None);
            };
            let Some(bytes) = self.file(name) else {
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
        let at_hand = self.shards.contains_key(&i) || self.shard_at_hand(i);
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
                    packs: f.packs.clone(),
                    pos_packs: f.pos_packs.clone(),
                };
                (loc, f.entry.clone())
            })
        })
    }

    /// The postings of a chunk; None = its pack is not loaded (recorded in `need`).
    fn chunk(&mut self, loc: &Loc, c: &ChunkRef, impacts: bool) -> R<Option<DecodedChunk>> {
        // A head by its shard; a pack by its place (a copy of an entry numbers the packs
        // it reads its own way).
        let key = match c.pack {
            None => (loc.heads, 0, c.off),
            Some(p) => pack_key(&loc.packs, p, c.off)?,
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
                let name = self.pack_name(&loc.packs, p)?;
                let Some(bytes) = self.file(name) else {
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
        let key = pack_key(&loc.pos_packs, p, off)?;
        if let Some(d) = self.positions_cache.get(&key) {
            return Ok(Some(d.clone()));
        }
        let name = self.pack_name(&loc.pos_packs, p)?;
        let Some(bytes) = self.file(name) else {
            return Ok(None);
        };
        let end = off.checked_add(len).ok_or(Corrupt)?;
        let decoded = Rc::new(decode_positions(
            bytes.get(off..end).ok_or(Corrupt)?,
            c.count,
        )?);
        self.positions_cache.insert(key, decoded.clone());
        Ok(Some(decoded))
    }

    /// Whether the [`Step::Need`] of the last search step names only the fragment files of
    /// hits whose ranking is known (read to the end, or proven for an early answer): their
    /// text is all the answer still waits for.
    pub fn waits_for_text_only(&self) -> bool {
        self.text_only
    }

    /// The files lookups found missing since the last call.
    pub fn take_needed(&mut self) -> Vec<String> {
        std::mem::take(&mut self.need)
    }

    fn take_need(&mut self) -> Step {
        Step::Need(self.take_needed())
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

    /// Runs a search step (over this index and its overlay, if it has one).
    pub fn search(&mut self, req: &Request) -> R<Step> {
        #[cfg(feature = "overlay")]
        if let Some(mut overlay) = self.overlay.take() {
            let step = self.search_with(&mut overlay, req);
            self.overlay = Some(overlay);
            return step;
        }
        self.search_own(req)
    }

    /// Runs a search step over this index alone.
    fn search_own(&mut self, req: &Request) -> R<Step> {
        self.need.clear();
        self.text_only = false;
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
            .filter(|l| l.request.same_ranking(req) && l.decision.same_count(&self.decision))
            .map(|l| {
                (
                    l.ranked.clone(),
                    l.fallback,
                    l.approximate,
                    l.decision.clone(),
                )
            });
        let mut evaluated = cached.is_none();
        if let Some((r, fallback, approximate, decision)) = cached {
            ranked = r;
            result.fallback = fallback;
            result.approximate = approximate;
            self.decision = decision;
        } else if !plan.clauses.is_empty() && req.limit > 0 {
            let mut approx = false;
            let goal = Goal {
                and: true,
                k: req.limit.max(query::WEAK_MATCHES),
                budget: req.budget,
                speculate: req.fragments,
                day,
                early: req.early.then_some(req.fragments),
            };
            let Some(mut all) = self.evaluate(&plan, &filter_keys, goal, &mut approx)? else {
                return Ok(self.take_need());
            };
            let all_words = self.decision.all_words(&all.top);
            if all.unverified.is_empty() {
                all.top.truncate(req.limit);
            }
            // An early answer was proven to need no fallback; it is not the whole ranking,
            // so the next step ranks again.
            result.partial = all.partial;
            evaluated &= !all.partial;
            ranked = all;
            if !result.partial && query::use_ranked_fallback(&plan, all_words) {
                let goal = Goal {
                    and: false,
                    k: req.limit,
                    budget: req.budget,
                    speculate: 0,
                    day,
                    early: None,
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
                decision: self.decision.clone(),
                ranked: ranked.clone(),
                fallback: result.fallback,
                approximate: result.approximate,
            });
        }
        // The sections of the terms that tell a match through a synonym.
        let mut via_docs: Vec<(String, FxHashSet<u32>)> = Vec::new();
        for key in crate::synonyms::via_keys(&plan.synonyms) {
            match self.all_docs(&key)? {
                Some(docs) => via_docs.push((key, docs)),
                None => return Ok(self.take_need()),
            }
        }
        let via = |doc: u32| {
            crate::synonyms::via(&plan.synonyms, |key| {
                via_docs
                    .iter()
                    .any(|(k, docs)| k == key && docs.contains(&doc))
            })
        };
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
                via: via(doc),
                fragment: Some(f.clone()),
            });
        }
        if !requested.is_empty() {
            self.text_only = true;
            return Ok(self.take_need());
        }
        result.hits.truncate(req.limit);
        result.suggestion = query::suggestion(&pq, &plan);
        result.valid_on = day;
        Ok(Step::Done(result))
    }

    /// The sections of a virtual page; None = not loaded (recorded).
    fn fragments_of(&mut self, vpage: usize) -> R<Option<Rc<Vec<Fragment>>>> {
        if let Some(f) = self.frag_cache.get(&vpage) {
            return Ok(Some(f.clone()));
        }
        let group = self.meta.frag_group;
        let hash = *self.meta.frag_groups.get(vpage / group).ok_or(Corrupt)?;
        let place = inline_place(&self.meta.frag_places, vpage)?;
        let Some(name) =
            self.member_name(&frag_archive(vpage / group, hash), vpage % group, place)?
        else {
            return Ok(None);
        };
        let Some(bytes) = self.file(name) else {
            return Ok(None);
        };
        let f = Rc::new(decode_fragments(bytes)?);
        self.frag_cache.insert(vpage, f.clone());
        Ok(Some(f))
    }
}

/// The cache key of what is at `off` in pack `j` of a set: the pack's archive (counted down
/// from the top, apart from the shard numbers of heads) and offset.
fn pack_key(set: &PackSet, j: usize, off: usize) -> R<(usize, usize, usize)> {
    Ok((usize::MAX - set.archive, set.range(j)?.0, off))
}

/// Member `n`'s place from the meta file's directory of its kind, if it has one.
fn inline_place(places: &Option<Directory>, n: usize) -> R<Option<(usize, usize)>> {
    match places {
        Some(d) => d.places.get(n).copied().map(Some).ok_or(Corrupt),
        None => Ok(None),
    }
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
        phrases: Vec::new(),
        prefix: Some("sam".to_string()),
    };
    let snippet = make_snippet(SAMPLE, &hl);
    let pq = query::parse(SAMPLE);
    words.len() + snippet.len() + pq.words.len() + usize::from(has_term(&words, "barn"))
}

/// The words of a text as (folded, stem) pairs, for [`has_term`].
/// The ranking order of (section, score) pairs: the best score first, ties by section.
/// A total order, so an unstable sort gives the same order as a stable one; one function
/// for every ranking sort, so the browser's wasm holds one copy of the sort.
fn best_first(a: &(u32, f32), b: &(u32, f32)) -> std::cmp::Ordering {
    b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
}

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

impl Lexicon for Engine {
    fn synonyms(&self) -> Option<&crate::synonyms::Synonyms> {
        Some(&self.meta.synonyms)
    }

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

/// The stored bytes of one index file of `search_dir`, or of the range of an archive a
/// [`range_name`] names (the browser's worker fetches them with a `Range` request).
#[cfg(feature = "inflate")]
pub fn read_stored(search_dir: &std::path::Path, name: &str) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Seek};
    let invalid = || {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("bad index file name {name}"),
        )
    };
    if name.contains('/') || name.contains('\\') || name.contains("..") {
        return Err(invalid());
    }
    match split_range_name(name) {
        Some((_, _, len)) if len > MAX_FILE => Err(invalid()),
        Some((file, off, len)) => {
            let mut f = std::fs::File::open(search_dir.join(file))?;
            f.seek(std::io::SeekFrom::Start(off as u64))?;
            let mut buf = vec![0; len];
            f.read_exact(&mut buf)?;
            Ok(buf)
        }
        None if name.contains('@') => Err(invalid()),
        None => std::fs::read(search_dir.join(name)),
    }
}

/// Reads and inflates what [`read_stored`] reads (natively; the browser's worker inflates
/// with DecompressionStream). Returns the inflated bytes and the stored size.
#[cfg(feature = "inflate")]
pub fn read_index_file(
    search_dir: &std::path::Path,
    name: &str,
) -> std::io::Result<(Vec<u8>, usize)> {
    let stored = read_stored(search_dir, name)?;
    let bytes = crate::format::decompress(&stored).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{name}: {Corrupt}"),
        )
    })?;
    Ok((bytes, stored.len()))
}

/// Every name the reader may ask for in an exported index folder: the meta file, the
/// bundle, vocabulary and validity table, and in the archives each member's directory
/// record, the member, and a term shard's packs (for tests and tools that walk an index).
#[cfg(feature = "inflate")]
pub fn index_names(search_dir: &std::path::Path) -> std::io::Result<Vec<String>> {
    let bad = |e: Corrupt| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
    let (engine, opened) = open_static(search_dir)?;
    let meta = &engine.meta;
    let mut names: Vec<String> = opened.into_iter().skip(1).map(|f| f.0).collect();
    names.extend(meta.bundle_name());
    names.extend(meta.validity_name());
    if meta.vocab != 0 {
        names.push(hash_name("vocab", meta.vocab));
    }
    // A member's record (unless the meta file gives its place) and name.
    let member =
        |names: &mut Vec<String>, archive: &str, slot: usize, place: Option<(usize, usize)>| {
            let (off, len) = match place {
                Some(place) => place,
                None => {
                    let record = range_name(archive, slot * RECORD_LEN, RECORD_LEN);
                    let inflated = read_index_file(search_dir, &record)?.0;
                    names.push(record);
                    decode_record(&inflated).map_err(bad)?
                }
            };
            names.push(range_name(archive, off, len));
            Ok::<_, std::io::Error>(range_name(archive, off, len))
        };
    for i in 0..meta.n_shards {
        let archive = engine.shard_archive(i).map_err(bad)?;
        let place = inline_place(&meta.shard_places, i).map_err(bad)?;
        let name = member(&mut names, &archive, i % meta.shard_group, place)?;
        let shard = Shard::decode(&read_index_file(search_dir, &name)?.0).map_err(bad)?;
        for set in [&shard.packs, &shard.pos_packs] {
            for j in 0..set.count() {
                names.push(engine.pack_name(set, j).map_err(bad)?);
            }
        }
    }
    for v in 0..meta.n_vpages as usize {
        let group = meta.frag_group;
        let hash = *meta
            .frag_groups
            .get(v / group)
            .ok_or(Corrupt)
            .map_err(bad)?;
        let place = inline_place(&meta.frag_places, v).map_err(bad)?;
        member(&mut names, &frag_archive(v / group, hash), v % group, place)?;
    }
    Ok(names)
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
    let (mut engine, files) = open_static(search_dir)?;
    search_opened(&mut engine, search_dir, req, files)
}

/// Runs a request with an opened engine, reading the files it needs from `search_dir`;
/// returns the result and `files` followed by the files read.
#[cfg(feature = "inflate")]
pub fn search_opened(
    engine: &mut Engine,
    search_dir: &std::path::Path,
    req: &Request,
    mut files: Vec<(String, usize)>,
) -> std::io::Result<(SearchResult, Vec<(String, usize)>)> {
    let bad = |e: Corrupt| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
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
    fn a_synonym_form_of_several_words_is_highlighted_only_where_its_words_stand_together() {
        let analyzer = Analyzer::new();
        let hl = Highlight {
            phrases: vec![crate::synonyms::form_stems("samordnad individuell plan")],
            ..Highlight::default()
        };
        let text =
            "En plan är ingen samordnad individuell plan, och individuella planer inte heller.";
        let toks = analyzer::raw_tokens(text);
        let marked: Vec<&str> = toks
            .iter()
            .zip(highlighted(&analyzer, &hl, &toks))
            .filter(|(_, m)| *m)
            .map(|(t, _)| t.text)
            .collect();
        assert_eq!(marked, ["samordnad", "individuell", "plan"]);
    }

    #[test]
    fn snippet_highlights_and_escapes_nothing() {
        let hl = Highlight {
            terms: ["barn".to_string()].into_iter().collect(),
            phrases: Vec::new(),
            prefix: None,
        };
        let s = make_snippet("Om <b>barnen</b> och barnhälsovården.", &hl);
        assert_eq!(
            snippet_text(&s),
            "Om <b>«barnen»</b> och «barnhälsovården»."
        );
    }

    #[test]
    fn the_meta_file_names_one_hash_per_group_of_shards_and_of_fragment_files() {
        let meta = Meta {
            n_vpages: 300,
            shards: (0..10u32)
                .map(|i| (format!("s{i:02}"), 100 + i / 4))
                .collect(),
            n_shards: 10,
            shard_group: 4,
            frag_group: 256,
            frag_groups: vec![7, 8],
            ..Default::default()
        };
        let bytes = meta.encode();
        let back = Meta::decode(&bytes).unwrap();
        assert_eq!(back.shards, meta.shards);
        assert_eq!((back.shard_group, back.frag_group), (4, 256));
        assert_eq!(back.frag_groups, vec![7, 8]);
        // Ten separators, then three hashes, not ten.
        let one_hash_each = Meta {
            shard_group: 1,
            ..meta.clone()
        };
        assert_eq!(one_hash_each.encode().len(), bytes.len() + 7 * 4);
        // The fragment hashes must cover the virtual pages.
        let short = Meta {
            frag_groups: vec![7],
            ..meta.clone()
        };
        assert!(Meta::decode(&short.encode()).is_err());
    }

    #[test]
    fn the_file_groups_of_a_large_book_keep_the_meta_file_small() {
        use crate::format::{MAX_GROUP_HASHES, MIN_FRAG_GROUP, hash_group};
        assert_eq!(hash_group(0, 1), 1);
        assert_eq!(hash_group(244, 1), 8);
        assert_eq!(hash_group(1_608, 1), 64);
        assert_eq!(hash_group(40, MIN_FRAG_GROUP), MIN_FRAG_GROUP);
        assert_eq!(hash_group(116_758, MIN_FRAG_GROUP), 4_096);
        for n in [1usize, 63, 64, 65, 1_000, 1_000_000] {
            assert!(n.div_ceil(hash_group(n, 1)) <= MAX_GROUP_HASHES, "{n}");
        }
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
