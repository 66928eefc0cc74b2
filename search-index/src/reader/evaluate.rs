//! Ranking: top-k evaluation of a query plan over impact-ordered posting chunks
//! ([`Engine::evaluate`]), with phrase checks on word positions.

use super::*;

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
    /// All docs of a term (all chunks). None = data missing (all of it recorded).
    pub(super) fn all_docs(&mut self, key: &str) -> R<Option<FxHashSet<u32>>> {
        let Some(entry) = self.entry(key)? else {
            return Ok(None);
        };
        let Some((loc, entry)) = entry else {
            return Ok(Some(FxHashSet::default()));
        };
        let mut out = FxHashSet::default();
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
    /// Top-k sections by score ([`Goal`]: all words when `and`, else the coverage-scaled ranked
    /// fallback). Impact-ordered, no random access (NRA): a section's score is known once
    /// it is seen in every word's postings read so far or the word's list is read to the
    /// end; chunks are read (the next one of every open word per round) until no partly
    /// seen or unseen section can beat the k-th known one, or up to the budget.
    /// When the budget stops it, sections seen in some words' postings only come after the
    /// complete ones of higher score, by their known score, marked unverified (the words
    /// they were not seen with are checked in their fragment text before they are shown).
    /// None = data missing (recorded in `need`).
    pub(super) fn evaluate(
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
            early,
        } = goal;
        // Sections of pages that did not apply on the day asked for.
        let table = day.and_then(|day| self.validity.clone().map(|t| (t, day)));
        let outside = |d: u32| {
            table
                .as_ref()
                .is_some_and(|(t, day)| !t.applies(d >> SLOT_BITS, *day))
        };
        let (excluded, filter_sets, mut missing) = self.excluded_and_filtered(plan, filters)?;
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
        let mut terms = self.term_states(&keys, &mut missing)?;
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
        // Ascending and without repeats (a sorted set as a plain vector: the same order as a
        // BTreeSet, with less code in the browser's wasm).
        let mut candidates: Vec<u32> = Vec::new();
        for t in &mut terms {
            candidates.append(&mut t.fresh);
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut settled: FxHashSet<u32> = FxHashSet::default();
        let mut complete: Vec<(u32, f32)> = Vec::new();
        let mut kth = f32::NEG_INFINITY;
        let mut spent = 0usize;
        loop {
            let mut max_ub = f32::NEG_INFINITY;
            let mut settle: Vec<u32> = Vec::new();
            // The open candidates' bounds, for an early answer.
            let mut open_bounds: Vec<OpenBound> = Vec::new();
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
                        open_bounds.push(OpenBound {
                            doc: d,
                            known,
                            ub,
                            every_clause: sat == n,
                        });
                    }
                }
            }
            // `settle` is ascending, as `candidates` is.
            candidates.retain(|d| settle.binary_search(d).is_err());
            settled.extend(settle);
            if missing {
                return Ok(None);
            }
            let unseen = unseen_bound(&clauses, &terms, and);
            if let Some(unseen) = unseen {
                max_ub = max_ub.max(unseen);
            }
            complete.sort_unstable_by(best_first);
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
                ranked.top.sort_unstable_by(best_first);
                // Room for the unverified ones that their text will rule out.
                ranked.top.truncate(k * UNVERIFIED_ROOM);
                return Ok(Some(ranked));
            }
            let needed_before = self.need.len();
            if !self.load_next(&mut terms, &open, positions)? {
                if let Some(pages) = early
                    && let Some(prefix) =
                        proven_prefix(plan, &complete, &open_bounds, unseen, pages)
                {
                    // The postings are not fetched for this answer.
                    self.need.truncate(needed_before);
                    return Ok(Some(Ranked {
                        top: prefix,
                        partial: true,
                        ..Ranked::default()
                    }));
                }
                // While the chunks are fetched, so are the fragment files of the best
                // sections so far that are seen with every word: most of them stay on the
                // first result pages.
                let mut provisional = complete.clone();
                let mut partial = Vec::new();
                for &d in &candidates {
                    let (known, unseen) = seen_score(&clauses, &terms, d);
                    if unseen.is_empty() {
                        provisional.push((d, known));
                    } else {
                        partial.push((d, n - unseen.len(), known));
                    }
                }
                self.speculate_fragments(provisional, &partial, speculate)?;
                return Ok(None);
            }
            spent = spent.saturating_add(cost);
            for &ti in &open {
                for d in std::mem::take(&mut terms[ti].fresh) {
                    if !settled.contains(&d) {
                        candidates.push(d);
                    }
                }
            }
            candidates.sort_unstable();
            candidates.dedup();
        }
    }

    /// A state per query term (its entry's chunks, none read yet); a term whose shard is
    /// not loaded sets `missing`.
    fn term_states(&mut self, keys: &[String], missing: &mut bool) -> R<Vec<TermState>> {
        let mut terms: Vec<TermState> = Vec::new();
        for key in keys {
            let mut t = TermState {
                loc: Loc::default(),
                flags: 0,
                chunks: Vec::new(),
                loaded: 0,
                docs: FxHashMap::default(),
                fresh: Vec::new(),
            };
            match self.entry(key)? {
                None => *missing = true,
                Some(None) => {}
                Some(Some((loc, e))) => {
                    t.loc = loc;
                    t.flags = e.flags;
                    t.chunks = e.chunks;
                }
            }
            terms.push(t);
        }
        Ok(terms)
    }

    /// Exclusions and filters as complete doc sets: the sections an excluded word occurs in,
    /// one set per filter key, and whether some file they need is still missing.
    fn excluded_and_filtered(
        &mut self,
        plan: &Plan,
        filters: &[String],
    ) -> R<(FxHashSet<u32>, Vec<FxHashSet<u32>>, bool)> {
        let mut excluded = FxHashSet::default();
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
        Ok((excluded, filter_sets, missing))
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

/// An open candidate's bounds: its score is at least `known` (the impacts seen) and at most
/// `ub`; `every_clause`: it was seen with every word already.
struct OpenBound {
    doc: u32,
    known: f32,
    ub: f32,
    every_clause: bool,
}

/// The beginning of the ranking that no further posting can change, for an early answer
/// (`Some` once it covers `pages` result pages). Sections are placed by their lower
/// bounds: the complete ones (`complete`, best first) at their scores, and, in a query
/// without phrases, the open ones already seen with every word at the impacts seen so far
/// (their hits carry that lower bound as score). A section is proven in place when its
/// lower bound beats the upper bound of every section after it: the open ones, and those
/// not seen yet (`unseen`). Not when the query may still turn into the ranked fallback
/// (too few sections known to have every word).
fn proven_prefix(
    plan: &Plan,
    complete: &[(u32, f32)],
    open: &[OpenBound],
    unseen: Option<f32>,
    pages: usize,
) -> Option<Vec<(u32, f32)>> {
    let placeable = |o: &&OpenBound| o.every_clause && plan.phrases.is_empty();
    let matches = complete.len() + open.iter().filter(placeable).count();
    if pages == 0 || query::use_ranked_fallback(plan, matches) {
        return None;
    }
    // (section, lower bound), by the ranking's order (the sort every ranking uses: one copy
    // of it in the wasm).
    let mut placed: Vec<(u32, f32)> = complete.to_vec();
    placed.extend(open.iter().filter(placeable).map(|o| (o.doc, o.known)));
    placed.sort_unstable_by(best_first);
    // `open` is in section order (the candidates'); a complete section's bounds are its score.
    let ub = |&(d, lb): &(u32, f32)| {
        open.binary_search_by_key(&d, |o| o.doc)
            .map_or(lb, |i| open[i].ub)
    };
    let outside = open
        .iter()
        .filter(|o| !placeable(o))
        .map(|o| o.ub)
        .chain(unseen)
        .fold(f32::NEG_INFINITY, f32::max);
    // The highest upper bound from each place on.
    let mut after = vec![outside; placed.len() + 1];
    for i in (0..placed.len()).rev() {
        after[i] = after[i + 1].max(ub(&placed[i]));
    }
    let mut prefix = Vec::new();
    let mut seen_pages: Vec<u32> = Vec::new();
    for (i, &hit) in placed.iter().enumerate() {
        if hit.1 <= after[i + 1] {
            break;
        }
        prefix.push(hit);
        if !seen_pages.contains(&(hit.0 >> SLOT_BITS)) {
            seen_pages.push(hit.0 >> SLOT_BITS);
        }
    }
    (seen_pages.len() >= pages).then_some(prefix)
}

/// Upper bound of the score of sections not seen in any chunk read so far, or None when
/// no such section can match any more.
fn unseen_bound(clauses: &[Vec<(usize, f32)>], terms: &[TermState], and: bool) -> Option<f32> {
    let n = clauses.len();
    let mut unseen = 0f32;
    let mut open_clauses = 0;
    for c in clauses {
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
    possible.then_some(unseen)
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
