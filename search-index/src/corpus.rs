//! Corpus analysis for indexing (feature `indexer`): every section's text is split into
//! words once, every DISTINCT word is analyzed once (fold, stem, compound parts, exact
//! form), and the per-field statistics BM25 needs are computed from the result: term
//! frequencies, field lengths (tantivy's fieldnorms) and the positions of field `all`.
//!
//! The same token lists feed tantivy (see [`PreAnalyzed`]): the indexer hands tantivy a key
//! per field value instead of the text, and the tokenizer replays the analyzed tokens of
//! that value. Both indexes therefore see exactly the same tokens, and the static index's
//! impacts can be computed here with tantivy's BM25 (`Bm25Weight`) instead of being read
//! back from tantivy.

use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use std::borrow::Cow;

use crate::SectionDoc;
use crate::analyzer::{self, Analyzer, WordSet};
use crate::bodies::Bodies;
use crate::derivation;
use crate::synonyms::{self, Synonyms};

/// No term (a word whose stem is empty).
pub const NONE: u32 = u32::MAX;

/// tantivy drops longer tokens (`MAX_TOKEN_LEN`); so do we, to keep the statistics equal.
const MAX_TOKEN_LEN: usize = u16::MAX as usize - 5;

/// One word occurrence in a field value, in 32 bits: its distinct-word id, and whether it
/// stands at the position of the token before it (a synonym form's token after the form's
/// first word) rather than one past it (the value's first token is at 0). Half the memory
/// of a (word, position) pair: at 100,000 pages the book has 57 million tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tok(u32);

impl Tok {
    const SAME_POSITION: u32 = 1 << 31;

    /// The next word of a value. Word ids stay below 2^31 (there are fewer distinct words
    /// than tokens, and token ranges are `u32`).
    pub fn next(word: u32) -> Tok {
        debug_assert!(word < Self::SAME_POSITION);
        Tok(word)
    }

    /// A token at the position of the one before it.
    pub fn at_same_position(word: u32) -> Tok {
        Tok(Self::next(word).0 | Self::SAME_POSITION)
    }

    pub fn word(self) -> u32 {
        self.0 & !Self::SAME_POSITION
    }

    /// Whether it stands at the position of the token before it.
    pub fn at_previous_position(self) -> bool {
        self.0 & Self::SAME_POSITION != 0
    }

    /// The same occurrence as another word.
    fn with_word(self, word: u32) -> Tok {
        Tok((self.0 & Self::SAME_POSITION) | Tok::next(word).0)
    }
}

/// The positions of a value's tokens, read in order from its first.
#[derive(Default)]
pub struct Positions {
    next: u32,
}

impl Positions {
    /// The position of `t`, the token after those already read.
    pub fn of(&mut self, t: Tok) -> u32 {
        if !t.at_previous_position() {
            self.next += 1;
        }
        self.next.saturating_sub(1)
    }
}

/// Analyzed tokens of every section, and the analysis of every distinct word.
pub struct Analysis {
    /// Per section: token ranges (into `toks`) of its values, in this order: title, the
    /// heading path entries, heading, body, and (only when the section has one) doc id.
    pub values: Vec<Vec<(u32, u32)>>,
    pub toks: Vec<Tok>,
    /// Per distinct word: main term (or [`NONE`]), compound parts, exact term (or NONE).
    pub word_main: Vec<u32>,
    pub word_parts: Vec<(u32, u32)>,
    pub part_ids: Vec<u32>,
    pub word_exact: Vec<u32>,
    /// Texts of the normal terms (stems and compound parts) and the exact terms.
    pub terms: Vec<String>,
    pub exact_terms: Vec<String>,
    /// Per normal term: the most frequent surface form (lowercase) if the term is the stem
    /// of a word of the corpus, and the compound parts of that form.
    pub display: Vec<Option<(String, Vec<u32>)>>,
}

impl Analysis {
    /// Number of values of section `d` that belong to the text fields (without the doc id).
    pub fn text_values(docs: &[SectionDoc], d: usize) -> usize {
        docs[d].heading_path.len() + 3
    }

    /// The normal terms a word emits: main term first, then its compound parts.
    pub fn word_terms(&self, w: u32) -> impl Iterator<Item = u32> + '_ {
        let main = self.word_main[w as usize];
        let (a, b) = self.word_parts[w as usize];
        let parts: &[u32] = if main == NONE {
            &[]
        } else {
            &self.part_ids[a as usize..b as usize]
        };
        (main != NONE)
            .then_some(main)
            .into_iter()
            .chain(parts.iter().copied())
    }

    /// How often each term occurs: the normal terms, then the exact terms (an estimate of
    /// the size of their postings).
    pub fn term_occurrences(&self) -> Vec<u64> {
        let mut per_word = vec![0u64; self.word_main.len()];
        for t in &self.toks {
            per_word[t.word() as usize] += 1;
        }
        let n = self.terms.len();
        let mut out = vec![0u64; n + self.exact_terms.len()];
        for (w, &count) in per_word.iter().enumerate() {
            for term in self.word_terms(w as u32) {
                out[term as usize] += count;
            }
            let x = self.word_exact[w];
            if x != NONE {
                out[n + x as usize] += count;
            }
        }
        out
    }
}

struct FxVocab<'a>(&'a FxHashSet<String>);

impl WordSet for FxVocab<'_> {
    fn is_word(&mut self, stem: &str) -> bool {
        self.0.contains(stem)
    }
    fn cheap(&self) -> bool {
        true
    }
}

/// A section's field values in order (see [`Analysis::values`]), its text being `body`.
fn doc_values<'a>(d: &'a SectionDoc, body: &'a str) -> impl Iterator<Item = &'a str> {
    std::iter::once(d.title.as_str())
        .chain(d.heading_path.iter().map(String::as_str))
        .chain(std::iter::once(d.heading.as_str()))
        .chain(std::iter::once(body))
        .chain(d.doc_id.as_deref())
}

/// Words of a chunk of sections, interned locally.
struct ChunkWords<'a> {
    words: Vec<&'a str>,
    /// Occurrences in the text fields (doc ids excluded).
    counts: Vec<u32>,
    values: Vec<Vec<(u32, u32)>>,
    toks: Vec<Tok>,
}

fn tokenize_chunk<'a>(docs: &'a [SectionDoc], bodies: &'a [Cow<'a, str>]) -> ChunkWords<'a> {
    let mut ids: FxHashMap<&str, u32> = FxHashMap::default();
    let mut out = ChunkWords {
        words: Vec::new(),
        counts: Vec::new(),
        values: Vec::with_capacity(docs.len()),
        toks: Vec::new(),
    };
    for (d, body) in docs.iter().zip(bodies) {
        let n_text = d.heading_path.len() + 3;
        let mut ranges = Vec::with_capacity(n_text + 1);
        for (vi, text) in doc_values(d, body).enumerate() {
            let start = out.toks.len() as u32;
            for t in analyzer::raw_tokens(text) {
                let id = *ids.entry(t.text).or_insert_with(|| {
                    out.words.push(t.text);
                    out.counts.push(0);
                    (out.words.len() - 1) as u32
                });
                if vi < n_text {
                    out.counts[id as usize] += 1;
                }
                // raw_tokens numbers a value's words 0, 1, 2…: what `Tok::next` implies.
                debug_assert_eq!(t.position, (out.toks.len() - start as usize));
                out.toks.push(Tok::next(id));
            }
            ranges.push((start, out.toks.len() as u32));
        }
        out.values.push(ranges);
    }
    out
}

/// Sections per parallel work unit.
const CHUNK: usize = 512;

/// Analyzes the corpus (see the module documentation), without synonyms, the sections'
/// texts in the sections.
pub fn analyze(docs: &[SectionDoc]) -> std::io::Result<Analysis> {
    analyze_with(docs, &Bodies::InSections, &Synonyms::default())
}

/// Analyzes the corpus, the sections' texts in `bodies`; where a synonym form of several
/// words occurs, its term is added (see [`mark_phrase_forms`]).
pub fn analyze_with(
    docs: &[SectionDoc],
    bodies: &Bodies,
    synonyms: &Synonyms,
) -> std::io::Result<Analysis> {
    // Words, per chunk in parallel, then interned globally.
    // (A group of chunks at a time: the group's texts and the chunks' token lists are freed
    // as they are merged.)
    // Each distinct word's id (in order of first occurrence); `words` is made from it once
    // every text has been read.
    let mut ids: FxHashMap<Box<str>, u32> = FxHashMap::default();
    let mut counts: Vec<u32> = Vec::new();
    let mut values = Vec::with_capacity(docs.len());
    let mut toks: Vec<Tok> = Vec::new();
    for start in (0..docs.len()).step_by(CHUNK * 8) {
        let range = start..(start + CHUNK * 8).min(docs.len());
        let texts = bodies.read(docs, range.clone())?;
        let chunks: Vec<ChunkWords> = docs[range]
            .par_chunks(CHUNK)
            .zip(texts.par_chunks(CHUNK))
            .map(|(docs, texts)| tokenize_chunk(docs, texts))
            .collect();
        for c in chunks {
            let map: Vec<u32> = c
                .words
                .iter()
                .zip(&c.counts)
                .map(|(&w, n)| {
                    let id = match ids.get(w) {
                        Some(&id) => id,
                        None => {
                            let id = ids.len() as u32;
                            ids.insert(w.into(), id);
                            counts.push(0);
                            id
                        }
                    };
                    counts[id as usize] += n;
                    id
                })
                .collect();
            let base = toks.len() as u32;
            toks.extend(c.toks.iter().map(|t| t.with_word(map[t.word() as usize])));
            for ranges in c.values {
                values.push(
                    ranges
                        .into_iter()
                        .map(|(a, b)| (a + base, b + base))
                        .collect::<Vec<_>>(),
                );
            }
        }
    }
    toks.shrink_to_fit();
    let mut words: Vec<Box<str>> = vec![Box::default(); ids.len()];
    for (w, id) in ids {
        words[id as usize] = w;
    }

    // Each distinct word once: folded form, stem, exact form.
    let analyzed: Vec<(String, String, Option<String>)> = words
        .par_iter()
        .map_init(Analyzer::new, |a, w| {
            let folded = analyzer::fold(w);
            let stem = a.stem_folded(&folded);
            (folded, stem, analyzer::exact_form(w))
        })
        .collect();
    // Vocabulary: stems of the words of the text fields.
    let vocab: FxHashSet<String> = analyzed
        .iter()
        .zip(&counts)
        .filter(|((_, s, _), n)| **n > 0 && !s.is_empty())
        .map(|((_, s, _), _)| s.clone())
        .collect();
    // Compound parts once per distinct folded form.
    let mut folded_ids: FxHashMap<&str, u32> = FxHashMap::default();
    let mut folded_list: Vec<&str> = Vec::new();
    let word_folded: Vec<u32> = analyzed
        .iter()
        .map(|(f, _, _)| {
            *folded_ids.entry(f.as_str()).or_insert_with(|| {
                folded_list.push(f.as_str());
                (folded_list.len() - 1) as u32
            })
        })
        .collect();
    let folded_parts: Vec<Vec<String>> = folded_list
        .par_iter()
        .map_init(Analyzer::new, |a, f| {
            a.compound_parts(f, &mut FxVocab(&vocab))
        })
        .collect();

    // Terms.
    let mut term_ids: FxHashMap<String, u32> = FxHashMap::default();
    let mut terms: Vec<String> = Vec::new();
    let mut intern = |s: &str, term_ids: &mut FxHashMap<String, u32>| -> u32 {
        if let Some(&id) = term_ids.get(s) {
            return id;
        }
        terms.push(s.to_string());
        let id = (terms.len() - 1) as u32;
        term_ids.insert(s.to_string(), id);
        id
    };
    let mut exact_ids: FxHashMap<String, u32> = FxHashMap::default();
    let mut exact_terms: Vec<String> = Vec::new();
    let mut word_main = Vec::with_capacity(words.len());
    let mut word_parts = Vec::with_capacity(words.len());
    let mut word_exact = Vec::with_capacity(words.len());
    let mut part_ids: Vec<u32> = Vec::new();
    let analyzer = Analyzer::new();
    for (i, (_, stem, exact)) in analyzed.iter().enumerate() {
        let main = if stem.is_empty() || stem.len() > MAX_TOKEN_LEN {
            NONE
        } else {
            intern(stem, &mut term_ids)
        };
        word_main.push(main);
        let a = part_ids.len() as u32;
        for p in &folded_parts[word_folded[i] as usize] {
            if p.len() <= MAX_TOKEN_LEN {
                let id = intern(p, &mut term_ids);
                part_ids.push(id);
            }
        }
        word_parts.push((a, part_ids.len() as u32));
        word_exact.push(match exact {
            Some(e) if e.len() <= MAX_TOKEN_LEN => {
                if let Some(&id) = exact_ids.get(e) {
                    id
                } else {
                    exact_terms.push(e.clone());
                    let id = (exact_terms.len() - 1) as u32;
                    exact_ids.insert(e.clone(), id);
                    id
                }
            }
            _ => NONE,
        });
    }

    contextual_terms(
        &analyzer,
        &values,
        &mut toks,
        &analyzed,
        &vocab,
        &mut ContextWords {
            word_main: &mut word_main,
            word_parts: &mut word_parts,
            part_ids: &mut part_ids,
            word_exact: &mut word_exact,
        },
        &mut |t: &str| intern(t, &mut term_ids),
    );

    // Display forms: per stem the most frequent lowercase surface form (ties: the smaller).
    let mut forms: FxHashMap<(u32, String), u32> = FxHashMap::default();
    for (i, w) in words.iter().enumerate() {
        if counts[i] > 0 && word_main[i] != NONE {
            *forms.entry((word_main[i], w.to_lowercase())).or_insert(0) += counts[i];
        }
    }
    let mut best: Vec<Option<(String, u32)>> = vec![None; terms.len()];
    for ((t, form), n) in forms {
        let slot = &mut best[t as usize];
        let better = match slot {
            None => true,
            Some((f, m)) => n > *m || (n == *m && form < *f),
        };
        if better {
            *slot = Some((form, n));
        }
    }
    let display: Vec<Option<(String, Vec<u32>)>> = best
        .into_iter()
        .map(|b| {
            b.map(|(form, _)| {
                let folded = analyzer::fold(&form);
                let parts: Vec<String> = match folded_ids.get(folded.as_str()) {
                    Some(&fi) => folded_parts[fi as usize].clone(),
                    None => Analyzer::new().compound_parts(&folded, &mut FxVocab(&vocab)),
                };
                let ids = parts
                    .iter()
                    .filter_map(|p| term_ids.get(p).copied())
                    .collect();
                (form, ids)
            })
        })
        .collect();
    let mut a = Analysis {
        values,
        toks,
        word_main,
        word_parts,
        part_ids,
        word_exact,
        terms,
        exact_terms,
        display,
    };
    mark_phrase_forms(&mut a, &mut term_ids, synonyms);
    Ok(a)
}

/// Adds the term of each synonym form of several words ([`synonyms::form_key`]) where its
/// words stand in that order in a field value: a token of a word of its own (no parts, no
/// exact form) at the position of the form's first word, right after that word's token.
fn mark_phrase_forms(a: &mut Analysis, term_ids: &mut FxHashMap<String, u32>, syn: &Synonyms) {
    // Per form: its words' term ids and the pseudo word that carries its term.
    let mut forms: Vec<(Vec<u32>, u32)> = Vec::new();
    for stems in synonyms::phrase_forms(syn) {
        let Some(ids) = stems
            .iter()
            .map(|s| term_ids.get(s).copied())
            .collect::<Option<Vec<u32>>>()
        else {
            continue;
        };
        let key = synonyms::form_key(&stems);
        let term = *term_ids.entry(key.clone()).or_insert_with(|| {
            a.terms.push(key);
            a.display.push(None);
            (a.terms.len() - 1) as u32
        });
        let parts = a.part_ids.len() as u32;
        a.word_main.push(term);
        a.word_parts.push((parts, parts));
        a.word_exact.push(NONE);
        forms.push((ids, (a.word_main.len() - 1) as u32));
    }
    if forms.is_empty() {
        return;
    }
    let mut toks = Vec::with_capacity(a.toks.len());
    for ranges in &mut a.values {
        for range in ranges.iter_mut() {
            let value = &a.toks[range.0 as usize..range.1 as usize];
            let start = toks.len() as u32;
            for (i, t) in value.iter().enumerate() {
                toks.push(*t);
                for (ids, pseudo) in &forms {
                    let here = value[i..]
                        .iter()
                        .take(ids.len())
                        .map(|t| a.word_main[t.word() as usize]);
                    if value.len() - i >= ids.len() && here.eq(ids.iter().copied()) {
                        toks.push(Tok::at_same_position(*pseudo));
                    }
                }
            }
            *range = (start, toks.len() as u32);
        }
    }
    a.toks = toks;
}

/// The per-word analysis tables that [`contextual_terms`] extends.
struct ContextWords<'a> {
    word_main: &'a mut Vec<u32>,
    word_parts: &'a mut Vec<(u32, u32)>,
    part_ids: &'a mut Vec<u32>,
    word_exact: &'a mut Vec<u32>,
}

/// Terms a word takes from its neighbours (see [`derivation`]): the key of a particle verb
/// (`följs upp` -> `uppfolj`, see [`derivation::keeps_particle_verb`]) and of
/// a negated word's counterpart (`inte är överens` -> `oen`). Such an occurrence gets a
/// word id of its own: the word's terms plus these keys.
fn contextual_terms(
    analyzer: &Analyzer,
    values: &[Vec<(u32, u32)>],
    toks: &mut [Tok],
    analyzed: &[(String, String, Option<String>)],
    vocab: &FxHashSet<String>,
    words: &mut ContextWords,
    intern: &mut dyn FnMut(&str) -> u32,
) {
    let families: Vec<String> = vocab
        .par_iter()
        .filter_map(|s| derivation::family(s, &mut FxVocab(vocab)))
        .collect();
    let mut known: FxHashSet<String> = families.into_iter().collect();
    known.extend(vocab.iter().cloned());
    // Per word: whether it is a particle, a negation. Only a token with a particle among
    // the words after it (a verb's particle) or a negation among the two before it (a
    // negated word) can take a term from its neighbours.
    const PARTICLE: u8 = 1;
    const NEGATION: u8 = 2;
    let marks: Vec<u8> = analyzed
        .par_iter()
        .map(|(f, _, _)| {
            let particle = derivation::particle_prefix(f).is_some();
            u8::from(particle) * PARTICLE + u8::from(derivation::is_negation(f)) * NEGATION
        })
        .collect();
    // The tokens that take keys from their neighbours, found on the thread pool (a chunk
    // of sections at a time): (token, keys).
    let found: Vec<Vec<(usize, Vec<String>)>> = values
        .par_chunks(CHUNK)
        .map(|values| {
            let mut found = Vec::new();
            // The value's folded words; its strings are reused from value to value.
            let mut folded: Vec<String> = Vec::new();
            let mut value_marks: Vec<u8> = Vec::new();
            for &(s, e) in values.iter().flatten() {
                let range = &toks[s as usize..e as usize];
                value_marks.clear();
                value_marks.extend(range.iter().map(|t| marks[t.word() as usize]));
                if value_marks.iter().all(|&m| m == 0) {
                    continue;
                }
                folded.resize_with(range.len(), String::new);
                for (f, t) in folded.iter_mut().zip(range) {
                    f.clear();
                    f.push_str(&analyzed[t.word() as usize].0);
                }
                let folded = &folded[..range.len()];
                let near = |from: usize, to: usize, mark: u8| {
                    value_marks[from.min(value_marks.len())..to.min(value_marks.len())]
                        .iter()
                        .any(|&m| m & mark != 0)
                };
                for i in 0..range.len() {
                    let mut keys: Vec<String> = Vec::new();
                    if near(i + 1, i + 2 + derivation::MAX_PARTICLE_GAP, PARTICLE)
                        && let Some((key, j)) = derivation::particle_verb(analyzer, folded, i)
                        && derivation::keeps_particle_verb(folded, i, j, known.contains(&key))
                    {
                        keys.push(key);
                    }
                    if near(i.saturating_sub(2), i, NEGATION)
                        && let Some(key) = derivation::negated(folded, i)
                    {
                        keys.push(key.to_string());
                    }
                    if !keys.is_empty() {
                        found.push((s as usize + i, keys));
                    }
                }
            }
            found
        })
        .collect();
    // In token order, so that keys and variants are numbered as they come.
    let mut variants: FxHashMap<(u32, Vec<u32>), u32> = FxHashMap::default();
    for (t, keys) in found.into_iter().flatten() {
        let mut extra: Vec<u32> = keys.iter().map(|k| intern(k)).collect();
        let tok = &mut toks[t];
        let w = tok.word();
        let (a, b) = words.word_parts[w as usize];
        extra.retain(|x| {
            *x != words.word_main[w as usize] && !words.part_ids[a as usize..b as usize].contains(x)
        });
        if extra.is_empty() || words.word_main[w as usize] == NONE {
            continue;
        }
        let variant = *variants.entry((w, extra)).or_insert_with_key(|(_, extra)| {
            let start = words.part_ids.len() as u32;
            words.part_ids.extend_from_within(a as usize..b as usize);
            words.part_ids.extend(extra);
            words.word_parts.push((start, words.part_ids.len() as u32));
            words.word_main.push(words.word_main[w as usize]);
            words.word_exact.push(words.word_exact[w as usize]);
            (words.word_main.len() - 1) as u32
        });
        *tok = tok.with_word(variant);
    }
}

/// Which analyzed field a tantivy field replays.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// Stems and compound parts.
    Normal,
    /// Exact forms (abbreviations, ids).
    Exact,
}

/// The key tantivy receives instead of the text of a field value.
pub fn value_key(doc: usize, value: usize) -> String {
    format!("{doc}:{value}")
}

fn parse_key(key: &str) -> Option<(usize, usize)> {
    let (d, v) = key.split_once(':')?;
    Some((d.parse().ok()?, v.parse().ok()?))
}

/// tantivy tokenizer replaying the analyzed tokens of a field value named by its
/// [`value_key`]. Only meaningful while indexing the corpus it was made for; searching
/// never tokenizes (queries are analyzed by `query.rs` into terms).
#[derive(Clone)]
pub struct PreAnalyzed {
    pub analysis: Arc<Analysis>,
    pub kind: Kind,
}

pub struct PreAnalyzedStream {
    analysis: Arc<Analysis>,
    kind: Kind,
    /// Remaining word tokens of the value.
    next: usize,
    end: usize,
    positions: Positions,
    /// Terms of the current word still to emit (normal kind: main then parts).
    pending: Vec<u32>,
    token: Token,
}

impl Tokenizer for PreAnalyzed {
    type TokenStream<'a> = PreAnalyzedStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> PreAnalyzedStream {
        let (next, end) = parse_key(text)
            .and_then(|(d, v)| self.analysis.values.get(d)?.get(v).copied())
            .map_or((0, 0), |(a, b)| (a as usize, b as usize));
        PreAnalyzedStream {
            analysis: self.analysis.clone(),
            kind: self.kind,
            next,
            end,
            positions: Positions::default(),
            pending: Vec::new(),
            token: Token::default(),
        }
    }
}

impl TokenStream for PreAnalyzedStream {
    fn advance(&mut self) -> bool {
        let a = &*self.analysis;
        loop {
            if let Some(t) = self.pending.pop() {
                self.token.text.clear();
                self.token.text.push_str(&a.terms[t as usize]);
                return true;
            }
            if self.next >= self.end {
                return false;
            }
            let tok = a.toks[self.next];
            self.next += 1;
            self.token.position = self.positions.of(tok) as usize;
            self.token.position_length = 1;
            match self.kind {
                Kind::Exact => {
                    let e = a.word_exact[tok.word() as usize];
                    if e != NONE {
                        self.token.text.clear();
                        self.token.text.push_str(&a.exact_terms[e as usize]);
                        return true;
                    }
                }
                Kind::Normal => {
                    // Reversed: popped main first, then the parts in order.
                    self.pending.extend(a.word_terms(tok.word()));
                    self.pending.reverse();
                }
            }
        }
    }
    fn token(&self) -> &Token {
        &self.token
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// Field statistics of one section: lengths (tokens, as tantivy counts them) of title,
/// heading, body, exact; per normal term its frequencies in title, heading and body and its
/// positions in `all`; per exact term its frequency.
#[derive(Default)]
pub struct DocStats {
    pub norms: [u32; 4],
    /// (term, [tf title, tf heading, tf body], positions start, positions end), by term.
    pub terms: Vec<(u32, [u32; 3], u32, u32)>,
    pub positions: Vec<u32>,
    /// (exact term, tf), by term.
    pub exact: Vec<(u32, u32)>,
}

/// Statistics of section `d` (see [`DocStats`]); positions are computed the way tantivy
/// does for a multi-valued field (each value starts one past the end of the previous).
pub fn doc_stats(a: &Analysis, docs: &[SectionDoc], d: usize) -> DocStats {
    let vals = &a.values[d];
    let n_text = Analysis::text_values(docs, d);
    let body_v = n_text - 1;
    // (term << 32 | position in all, field 0..3): sorted by term, then position. A term
    // has one field at a position (each value starts past the end of the one before).
    let mut occ: Vec<(u64, u8)> = Vec::new();
    let mut st = DocStats::default();
    let mut end = 0u32;
    for (vi, &(s, e)) in vals.iter().enumerate().take(n_text) {
        let field = if vi == 0 {
            0u8
        } else if vi == body_v {
            2
        } else {
            1
        };
        let base = end;
        let mut positions = Positions::default();
        for &t in &a.toks[s as usize..e as usize] {
            let pos = positions.of(t);
            let mut any = false;
            for term in a.word_terms(t.word()) {
                occ.push(((u64::from(term) << 32) | u64::from(base + pos), field));
                st.norms[field as usize] += 1;
                any = true;
            }
            if any {
                end = end.max(base + pos + 1);
            }
        }
        end += 1;
    }
    occ.sort_unstable_by_key(|o| o.0);
    let mut i = 0;
    while i < occ.len() {
        let term = (occ[i].0 >> 32) as u32;
        let mut tf = [0u32; 3];
        let ps = st.positions.len() as u32;
        while i < occ.len() && (occ[i].0 >> 32) as u32 == term {
            tf[occ[i].1 as usize] += 1;
            st.positions.push(occ[i].0 as u32);
            i += 1;
        }
        let pe = st.positions.len() as u32;
        st.terms.push((term, tf, ps, pe));
    }
    let mut ex: Vec<u32> = Vec::new();
    for &(s, e) in vals {
        for t in &a.toks[s as usize..e as usize] {
            let x = a.word_exact[t.word() as usize];
            if x != NONE {
                ex.push(x);
            }
        }
    }
    st.norms[3] = ex.len() as u32;
    ex.sort_unstable();
    for x in ex {
        match st.exact.last_mut() {
            Some((t, n)) if *t == x => *n += 1,
            _ => st.exact.push((x, 1)),
        }
    }
    st
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_tokens_give_back_their_words_and_positions() {
        let big = (1 << 31) - 1;
        let value = [
            Tok::next(7),
            Tok::next(big),
            Tok::at_same_position(3),
            Tok::at_same_position(0),
            Tok::next(0),
            Tok::next(9).with_word(4),
            Tok::at_same_position(9).with_word(5),
        ];
        let words: Vec<u32> = value.iter().map(|t| t.word()).collect();
        assert_eq!(words, [7, big, 3, 0, 0, 4, 5]);
        let mut positions = Positions::default();
        let read: Vec<u32> = value.iter().map(|&t| positions.of(t)).collect();
        assert_eq!(read, [0, 1, 1, 1, 2, 3, 3]);
    }
}
