//! An overlay: a small index of the pages the live preview changed since its full index was
//! built (see `crate::overlay`), searched beside it (feature `overlay`: the native reader
//! and the preview's wasm; the site's wasm leaves it out). The overlay's hits stand in for those
//! of the pages it replaces; both were scored with the full index's statistics, so their
//! scores compare and the two rankings merge into one.

use rustc_hash::FxHashSet;

use super::{Engine, Request, ResultHit, SearchResult, Step, best_first};
use crate::format::{Dec, Enc, OVERLAID_MAGIC, R, SLOT_BITS, SLOTS};

/// The meta file the preview inlines in manifest.json while an overlay is laid over its
/// index: `SSO1`, the index's meta file, the overlay's meta file, the overlay's file name
/// prefix and the index's virtual pages it hides. The preview's reader opens both from it
/// ([`Engine::open`]), so the browser's scripts need not know about overlays.
pub fn encode_overlaid(meta: &[u8], overlay_meta: &[u8], prefix: &str, hidden: &[u32]) -> Vec<u8> {
    let mut e = Enc::default();
    e.bytes(OVERLAID_MAGIC);
    e.usize(meta.len());
    e.bytes(meta);
    e.usize(overlay_meta.len());
    e.bytes(overlay_meta);
    e.str(prefix);
    e.usize(hidden.len());
    for &v in hidden {
        e.var(u64::from(v));
    }
    e.buf
}

/// The engine of an [`encode_overlaid`] meta file; None for any other file.
pub(super) fn open_overlaid(bytes: &[u8]) -> R<Option<Engine>> {
    if !bytes.starts_with(OVERLAID_MAGIC) {
        return Ok(None);
    }
    let mut d = Dec::new(bytes);
    d.magic(OVERLAID_MAGIC)?;
    let n = d.usize()?;
    let mut engine = Engine::new(d.take(n)?)?;
    let n = d.usize()?;
    let overlay_meta = d.take(n)?;
    let prefix = d.str()?;
    let hidden = (0..d.count()?)
        .map(|_| u32::try_from(d.var()?).map_err(|_| crate::format::Corrupt))
        .collect::<R<Vec<u32>>>()?;
    engine.set_overlay(overlay_meta, prefix, &hidden)?;
    Ok(Some(engine))
}

/// How an index searched with an overlay decides on a ranking by coverage (see
/// `query::use_ranked_fallback`): with a count of sections with every word given for both
/// indexes, once each has found its own.
#[derive(Clone, Default)]
pub(super) struct Decision {
    /// The count to decide with; None: the index's own.
    count: Option<usize>,
    /// The sections with every word the last ranking found (as far as it counted).
    all_word_docs: Vec<u32>,
}

impl Decision {
    /// Whether a ranking made with `other`'s count is the one this count makes.
    pub(super) fn same_count(&self, other: &Decision) -> bool {
        self.count == other.count
    }

    /// Notes the sections with every word (`top`) and returns the count to decide with.
    pub(super) fn all_words(&mut self, top: &[(u32, f32)]) -> usize {
        self.all_word_docs = top.iter().map(|d| d.0).collect();
        self.count.unwrap_or(top.len())
    }
}

/// The overlay an engine searches beside its own index.
pub(super) struct Overlay {
    engine: Box<Engine>,
    /// The overlay's file names are its meta's names behind this prefix.
    prefix: String,
    /// Virtual pages of the main index whose sections the overlay replaces.
    hidden: FxHashSet<u32>,
    /// Added to the overlay's section numbers in results, so that they follow the main
    /// index's (the browser counts result pages by virtual page).
    offset: u32,
}

impl Engine {
    /// Searches `meta_bytes`'s index (files named with `prefix`) beside this one, in place
    /// of the `hidden` virtual pages of this one.
    pub fn set_overlay(&mut self, meta_bytes: &[u8], prefix: &str, hidden: &[u32]) -> R<()> {
        let engine = Box::new(Engine::new(meta_bytes)?);
        self.overlay = Some(Overlay {
            engine,
            prefix: prefix.to_string(),
            hidden: hidden.iter().copied().collect(),
            offset: self.meta.n_vpages << SLOT_BITS,
        });
        self.last = None;
        Ok(())
    }

    /// Hands an overlay's file to it; gives the bytes back if `name` is not one of its
    /// files.
    pub(super) fn add_overlay_file(&mut self, name: &str, bytes: Vec<u8>) -> Option<Vec<u8>> {
        let Some(o) = &mut self.overlay else {
            return Some(bytes);
        };
        match name.strip_prefix(o.prefix.as_str()) {
            Some(own) => {
                o.engine.add_file(own, bytes);
                None
            }
            None => Some(bytes),
        }
    }

    /// A search step over this index and the overlay `o` (taken out of it meanwhile).
    pub(super) fn search_with(&mut self, o: &mut Overlay, req: &Request) -> R<Step> {
        // Early answers are proven per index, not for the merge: both rank in full. The
        // main index ranks as many more sections, and gives the text of as many more
        // result pages, as the hidden pages could take.
        let req = Request {
            early: false,
            ..req.clone()
        };
        let own = Request {
            limit: req.limit + o.hidden.len() * SLOTS,
            fragments: req.fragments + o.hidden.len(),
            ..req.clone()
        };
        // First the sections with every word in both; then the ranking, decided (ranked
        // by coverage or not) with the count of both, as one index of the whole book would
        // decide it.
        let all_words = match self.search_both(o, &own, &req, usize::MAX)? {
            Ok(_) => {
                let visible = self.decision.all_word_docs.iter();
                visible
                    .filter(|&&d| !o.hidden.contains(&(d >> SLOT_BITS)))
                    .count()
                    + o.engine.decision.all_word_docs.len()
            }
            Err(need) => return Ok(need),
        };
        let (mut a, mut b) = match self.search_both(o, &own, &req, all_words)? {
            Ok(both) => both,
            Err(need) => return Ok(need),
        };
        a.hits.retain(|h| !o.hidden.contains(&(h.doc >> SLOT_BITS)));
        for h in &mut b.hits {
            h.doc += o.offset;
        }
        Ok(Step::Done(merge(a, b, req.limit, req.fragments)))
    }

    /// A search step in this index (`own`) and in the overlay (`req`), both deciding on
    /// a ranking by coverage with `all_words` (see [`Decision`]): both
    /// results, or the files either still needs (the overlay's under its prefix).
    fn search_both(
        &mut self,
        o: &mut Overlay,
        own: &Request,
        req: &Request,
        all_words: usize,
    ) -> R<Result<(SearchResult, SearchResult), Step>> {
        // Counts from WEAK_MATCHES up decide alike: as one count, a ranking made in the
        // first step is reused in the second when the decision is the same.
        let all_words = all_words.min(crate::query::WEAK_MATCHES);
        self.decision.count = Some(all_words);
        o.engine.decision.count = Some(all_words);
        let mine = self.search_own(own)?;
        let mine_text_only = self.text_only;
        let theirs = o.engine.search_own(req)?;
        let theirs_text_only = o.engine.text_only;
        match (mine, theirs) {
            (Step::Done(a), Step::Done(b)) => Ok(Ok((a, b))),
            (mine, theirs) => {
                let mut need = Vec::new();
                self.text_only = true;
                if let Step::Need(files) = mine {
                    self.text_only &= mine_text_only;
                    need.extend(files);
                }
                if let Step::Need(files) = theirs {
                    self.text_only &= theirs_text_only;
                    need.extend(files.into_iter().map(|f| format!("{}{f}", o.prefix)));
                }
                Ok(Err(Step::Need(need)))
            }
        }
    }
}

/// One result from the main index's (`a`, the hidden pages' hits removed) and the
/// overlay's (`b`), each ranked best first: where only one of them found sections with
/// every word, its hits alone.
fn merge(a: SearchResult, b: SearchResult, limit: usize, fragments: usize) -> SearchResult {
    let a_any = !a.hits.is_empty();
    let b_any = !b.hits.is_empty();
    let (keep_a, keep_b) = match (a.fallback && a_any, b.fallback && b_any) {
        (true, false) if b_any => (false, true),
        (false, true) if a_any => (true, false),
        _ => (true, true),
    };
    let fallback = (a.fallback || !keep_a || !a_any) && (b.fallback || !keep_b || !b_any);
    let mut mine = a.hits.into_iter().filter(|_| keep_a).peekable();
    let mut theirs = b.hits.into_iter().filter(|_| keep_b).peekable();
    // As one index answers: only the hits of the first `fragments` result pages with
    // their text (each index gave the text of its own first pages).
    let mut pages: Vec<u32> = Vec::new();
    let mut hits = Vec::new();
    while hits.len() < limit {
        let from_mine = match (mine.peek(), theirs.peek()) {
            (Some(x), Some(y)) => best_first(&(x.doc, x.score), &(y.doc, y.score)).is_le(),
            (x, _) => x.is_some(),
        };
        let Some(hit) = (if from_mine {
            mine.next()
        } else {
            theirs.next()
        }) else {
            break;
        };
        let page = hit.doc >> SLOT_BITS;
        if !pages.contains(&page) {
            pages.push(page);
        }
        hits.push(if pages.len() > fragments {
            ResultHit {
                doc: hit.doc,
                score: hit.score,
                ..ResultHit::default()
            }
        } else {
            hit
        });
    }
    SearchResult {
        fallback: fallback && !hits.is_empty(),
        // A correction only where neither index knows the words.
        suggestion: a.suggestion.filter(|_| b.suggestion.is_some() || !b_any),
        approximate: a.approximate || b.approximate,
        valid_on: a.valid_on,
        partial: false,
        hits,
    }
}
