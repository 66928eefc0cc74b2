//! Query syntax and query analysis, shared by the tantivy searcher and the static reader.
//!
//! Syntax: words (all must match; when fewer than [`WEAK_MATCHES`] sections match all,
//! ranked by the sum of the matched words' impacts times the share of the words matched,
//! see [`coverage`]; `fallback` when no section matches all), `"a phrase"`, `-exclude`,
//! and the last word is also a prefix while it is being typed (the query does not end with
//! a space). `gällande den 2021-03-01` (or `gällande 2021-03-01`, also `gallande`, in any
//! case, anywhere outside a phrase) is no words but a date: only what applied on that day
//! is shown (see [`crate::validity`]); a date still being typed at the end of the query is
//! left out until it is complete.
//!
//! Swedish stop and question words (`vad`, `vilka`, `för`, `av`, ...) are dropped, unless
//! they are part of a phrase or the query has nothing else. A word the index does not know
//! (and that is no compound of known words) is expanded to its nearest vocabulary words
//! (see [`crate::typo`]), weighted slightly below exact matches, and the corrected query is
//! offered as "Menade du …?". A word, or a run of words, that is one form of a synonym
//! pair of the glossary also matches the other form, below a direct match (see
//! [`crate::synonyms`]; a run of several words becomes one clause, matched as a phrase).

use crate::analyzer::{self, Analyzer, WordSet};
use crate::derivation;
use crate::format::exact_key;

/// Weight of a compound part of a known query word.
pub const PART_WEIGHT: f32 = 0.25;
/// Weight of a prefix expansion of the word being typed.
pub const PREFIX_WEIGHT: f32 = 0.5;
/// Most prefix expansions.
pub const MAX_PREFIX_TERMS: usize = 5;
/// Shortest typed prefix (chars) that is expanded.
pub const MIN_PREFIX_CHARS: usize = 3;
/// Weight of the -ing noun of a verb and the other way round (placerade ~ placering).
pub const DERIVED_WEIGHT: f32 = 0.5;
/// Weight of a typo correction (a word at the smallest edit distance found).
pub const TYPO_WEIGHT: f32 = 0.8;

/// An all-words result with fewer sections than this is weak: the query is ranked by
/// [`coverage`] instead (any word may match).
pub const WEAK_MATCHES: usize = 10;

/// Whether a query whose all-words evaluation found `all_words` sections (counted up to at
/// least [`WEAK_MATCHES`]) is ranked by coverage: several words, and a weak all-words set
/// (an empty one only for a query with a phrase, which must match anyway).
pub fn use_ranked_fallback(plan: &Plan, all_words: usize) -> bool {
    plan.clauses.len() > 1
        && (all_words == 0 || (all_words < WEAK_MATCHES && plan.phrases.is_empty()))
}

/// Score factor of a section matching `sat` of the `n` clauses in the ranked (any-word)
/// ranking of a query of several words: `sat / n`. Sections matching all words keep their
/// score, so a partial match comes first only where it scores far higher (the all-words
/// set is weak).
pub fn coverage(sat: usize, n: usize) -> f32 {
    if n == 0 {
        return 1.0;
    }
    sat.min(n) as f32 / n as f32
}

/// Swedish stop and question words (folded): they do not restrict or score a query.
pub const STOP_WORDS: &[&str] = &[
    "ar", "att", "av", "da", "dar", "de", "dem", "den", "denna", "dessa", "det", "detta", "du",
    "eller", "en", "er", "ett", "for", "fran", "ha", "har", "hade", "han", "hon", "hos", "hur",
    "i", "jag", "kan", "man", "med", "men", "nar", "ni", "nagon", "nagot", "nagra", "och", "om",
    "pa", "sa", "sig", "ska", "skall", "som", "till", "ut", "vad", "var", "vara", "vart", "vem",
    "vi", "vid", "vilka", "vilken", "vilket", "inte", "finns", "galler", "gor", "gors", "gjorde",
    "menas", "innebar", "betyder", "sin", "sitt", "sina",
];

/// Whether a query word is a stop word. A word typed in capitals (2+ letters) is an
/// abbreviation, never a stop word.
pub fn is_stop_word(word: &str) -> bool {
    let caps = word.chars().count() >= 2 && word.chars().all(|c| c.is_uppercase());
    !caps && STOP_WORDS.contains(&analyzer::fold(word).as_str())
}

/// The parsed query, before analysis.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedQuery {
    /// Required words (raw, as typed); phrase words are included.
    pub words: Vec<String>,
    /// Phrases: raw words of each.
    pub phrases: Vec<Vec<String>>,
    /// Excluded words.
    pub excluded: Vec<String>,
    /// Index in `words` of the word being typed (prefix search).
    pub typing: Option<usize>,
    /// The date of a `gällande den YYYY-MM-DD` in the query (days since 1970-01-01).
    pub valid_on: Option<i32>,
}

/// Takes `gällande [den] YYYY-MM-DD` out of a query (outside phrases): the query without
/// it (a space where it was) and the date. A date prefix at the very end (being typed) is
/// taken out too, without a date; an impossible date stays as words.
pub fn take_date(query: &str) -> (String, Option<i32>) {
    // Whitespace-separated pieces outside quotes: (start, end).
    let mut pieces: Vec<(usize, usize)> = Vec::new();
    let mut quoted = false;
    let mut start: Option<usize> = None;
    for (i, c) in query.char_indices() {
        if c == '"' {
            quoted = !quoted;
        }
        if c.is_whitespace() || c == '"' {
            if let Some(s) = start.take() {
                pieces.push((s, i));
            }
        } else if start.is_none() && !quoted {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        pieces.push((s, query.len()));
    }
    let is = |p: (usize, usize), w: &str| analyzer::fold(&query[p.0..p.1]) == w;
    for (i, &p) in pieces.iter().enumerate() {
        if !is(p, "gallande") {
            continue;
        }
        let at = if pieces.get(i + 1).is_some_and(|&q| is(q, "den")) {
            i + 2
        } else {
            i + 1
        };
        let Some(&d) = pieces.get(at) else {
            continue;
        };
        let text = &query[d.0..d.1];
        let day = crate::validity::parse_date(text);
        let typing = d.1 == query.len() && crate::validity::is_date_prefix(text);
        if day.is_some() || typing {
            let mut out = String::with_capacity(query.len());
            out.push_str(&query[..p.0]);
            out.push(' ');
            out.push_str(&query[d.1..]);
            return (out, day);
        }
    }
    (query.to_string(), None)
}

pub fn parse(query: &str) -> ParsedQuery {
    let (query, valid_on) = take_date(query);
    let mut pq = ParsedQuery {
        valid_on,
        ..Default::default()
    };
    let mut rest = query.as_str();
    let mut last_plain: Option<usize> = None;
    while !rest.is_empty() {
        let trimmed = rest.trim_start();
        if trimmed.is_empty() {
            last_plain = None;
            break;
        }
        rest = trimmed;
        let (negated, body) = match rest.strip_prefix('-') {
            Some(b) => (true, b),
            None => (false, rest),
        };
        if let Some(inner) = body.strip_prefix('"') {
            let (phrase, after) = match inner.find('"') {
                Some(i) => (&inner[..i], &inner[i + 1..]),
                None => (inner, ""),
            };
            let words: Vec<String> = analyzer::raw_tokens(phrase)
                .iter()
                .map(|t| t.text.to_string())
                .collect();
            if negated {
                pq.excluded.extend(words);
            } else if !words.is_empty() {
                pq.words.extend(words.iter().cloned());
                if words.len() > 1 {
                    pq.phrases.push(words);
                }
            }
            rest = after;
            last_plain = None;
            continue;
        }
        let end = body
            .find(|c: char| c.is_whitespace() || c == '"')
            .unwrap_or(body.len());
        let chunk = &body[..end];
        let words: Vec<String> = analyzer::raw_tokens(chunk)
            .iter()
            .map(|t| t.text.to_string())
            .collect();
        last_plain = None;
        if negated {
            pq.excluded.extend(words);
        } else {
            pq.words.extend(words);
            if !pq.words.is_empty() && end == body.len() {
                last_plain = Some(pq.words.len() - 1);
            }
        }
        rest = &body[end..];
    }
    pq.typing = last_plain;
    pq
}

/// What the index knows about a term.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TermInfo {
    pub df: u32,
    /// The stem of a word of the corpus (not only a compound part).
    pub word: bool,
    /// Compound parts (for words).
    pub parts: Vec<String>,
    /// The word's `-ing` sibling ([`derived_key`]) is a word of the corpus.
    pub derived: bool,
    /// Most frequent surface form (for spelling suggestions).
    pub display: String,
}

/// The `-ing` sibling of a word's stem: the noun of a verb (`placer` -> `placering`) or
/// the verb of such a noun, for stems of at least four letters.
pub fn derived_key(stem: &str) -> Option<String> {
    match stem.strip_suffix("ing") {
        Some(base) => (base.chars().count() >= 4).then(|| base.to_string()),
        None => (stem.chars().count() >= 4).then(|| format!("{stem}ing")),
    }
}

/// Term lookups; `None` means the data is not loaded yet (the browser fetches it and asks
/// again).
pub trait Lexicon {
    fn lookup(&mut self, key: &str) -> Option<Option<TermInfo>>;
    /// Word terms starting with `prefix`, with their df.
    fn with_prefix(&mut self, prefix: &str) -> Option<Vec<(String, u32)>>;
    /// The vocabulary words nearest to an unknown word (typo candidates, see
    /// [`crate::typo::nearest`]) as (term, display); `None` = the table is not loaded yet.
    fn near(&mut self, folded: &str, stem: &str) -> Option<Vec<(String, String)>>;
    /// The index's synonym pairs ([`crate::synonyms`]).
    fn synonyms(&self) -> Option<&crate::synonyms::Synonyms> {
        None
    }
}

/// One required clause: alternative term keys with weights; a section matches the clause if
/// it has any of them, and scores the weighted sum of their impacts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Clause {
    pub word: String,
    pub alts: Vec<(String, f32)>,
}

/// The analyzed query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub clauses: Vec<Clause>,
    /// Term keys of each phrase (main stems).
    pub phrases: Vec<Vec<String>>,
    /// Excluded term keys.
    pub excluded: Vec<String>,
    /// Words the index does not know at all.
    pub unknown: Vec<String>,
    /// Typo corrections: (query word, the nearest vocabulary word's surface form).
    pub corrections: Vec<(String, String)>,
    /// Some lookups are pending (data not loaded): the plan is incomplete.
    pub pending: bool,
    /// Clauses that also match the other form of a synonym pair.
    pub synonyms: Vec<crate::synonyms::SynonymUse>,
}

impl Plan {
    /// All distinct scored term keys.
    pub fn terms(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in &self.clauses {
            for (t, _) in &c.alts {
                if !out.contains(t) {
                    out.push(t.clone());
                }
            }
        }
        out
    }
}

struct LexWords<'a> {
    lex: &'a mut dyn Lexicon,
    pending: bool,
}

impl WordSet for LexWords<'_> {
    fn is_word(&mut self, stem: &str) -> bool {
        match self.lex.lookup(stem) {
            Some(Some(info)) => info.word,
            Some(None) => false,
            None => {
                self.pending = true;
                false
            }
        }
    }
}

fn push_alt(alts: &mut Vec<(String, f32)>, key: String, w: f32) {
    if let Some(a) = alts.iter_mut().find(|(k, _)| *k == key) {
        if w > a.1 {
            a.1 = w;
        }
    } else {
        alts.push((key, w));
    }
}

/// Weight of the noun derived from a query's verb (utreds ~ utredning, samverka ~
/// samverkan): headings and definitions name things with nouns, staff ask with verbs.
pub const NOMINAL_WEIGHT: f32 = 1.0;

/// The known words of a stem's family (see [`crate::derivation`]) with their weights: its
/// family key (utredning ~ utred) and the nouns derived from it (utred ~ utredning).
fn relatives(stem: &str, lex: &mut dyn Lexicon, pending: &mut bool) -> Vec<(String, f32)> {
    let mut words = LexWords {
        lex: &mut *lex,
        pending: false,
    };
    let family = derivation::family(stem, &mut words);
    *pending |= words.pending;
    let candidates = family.map(|f| (f, DERIVED_WEIGHT)).into_iter().chain(
        derivation::derived_forms(stem)
            .into_iter()
            .map(|f| (f, NOMINAL_WEIGHT)),
    );
    let mut out = Vec::new();
    for (key, weight) in candidates {
        match lex.lookup(&key) {
            Some(Some(_)) => out.push((key, weight)),
            Some(None) => {}
            None => *pending = true,
        }
    }
    out
}

/// What the words of a query take from their neighbours (see [`crate::derivation`]).
#[derive(Default)]
struct DerivationContext {
    /// (word index, key): the joined key of a particle verb at its verb, the key of a
    /// negated word's counterpart.
    keys: Vec<(usize, String)>,
    /// (verb, particle) indexes of particle verbs; the particle makes no clause of its own.
    particles: Vec<(usize, usize)>,
    /// Indexes of negated words: their clause is their counterpart's key alone (`inte
    /// överens` is not `överens`).
    negated: Vec<usize>,
}

/// Particle verbs (`följs upp`) and negations (`inte överens`) of a query, as the index
/// has them: a particle verb counts where the index knows its key.
fn derivation_context(
    analyzer: &Analyzer,
    folded: &[String],
    lex: &mut dyn Lexicon,
    pending: &mut bool,
) -> DerivationContext {
    let mut out = DerivationContext::default();
    for i in 0..folded.len() {
        if let Some((key, j)) = derivation::particle_verb(analyzer, folded, i) {
            // The joined verb and its nouns (följs upp ~ uppfölj, uppföljning).
            let mut known = match lex.lookup(&key) {
                Some(Some(_)) => vec![key.clone()],
                Some(None) => Vec::new(),
                None => {
                    *pending = true;
                    Vec::new()
                }
            };
            known.extend(relatives(&key, lex, pending).into_iter().map(|(k, _)| k));
            if !known.is_empty() {
                out.keys.extend(known.into_iter().map(|k| (i, k)));
                out.particles.push((i, j));
            }
        }
        if let Some(key) = derivation::negated(folded, i) {
            match lex.lookup(key) {
                Some(Some(_)) => {
                    out.keys.push((i, key.to_string()));
                    out.negated.push(i);
                }
                Some(None) => {}
                None => *pending = true,
            }
        }
    }
    out
}

/// A word's relatives (see [`relatives`]) and whether looking them up needs data that is
/// not loaded yet.
#[derive(Default)]
struct Related {
    keys: Vec<(String, f32)>,
    pending: bool,
}

/// The relatives of each word of the query (none for the stop words the plan skips), looked
/// up before the words are planned so that a reader that loads the vocabulary in parts asks
/// for their parts in the same round as the words' own (looked up once a word is known,
/// they would take a round of their own). The -ing sibling ([`derived_key`]) is asked for
/// too, for the same reason; whether it counts is known once the word is.
fn words_relatives(
    analyzer: &Analyzer,
    pq: &ParsedQuery,
    folded: &[String],
    lex: &mut dyn Lexicon,
) -> Vec<Related> {
    let content = pq.words.iter().any(|w| !is_stop_word(w));
    pq.words
        .iter()
        .zip(folded)
        .map(|(word, folded)| {
            if content && is_stop_word(word) && !pq.phrases.iter().any(|p| p.contains(word)) {
                return Related::default();
            }
            let stem = analyzer.stem_folded(folded);
            let mut pending = false;
            let keys = relatives(&stem, lex, &mut pending);
            if let Some(derived) = derived_key(&stem) {
                lex.lookup(&derived);
            }
            Related { keys, pending }
        })
        .collect()
}

/// Analyzes a parsed query against the index vocabulary.
pub fn plan(pq: &ParsedQuery, lex: &mut dyn Lexicon) -> Plan {
    let analyzer = Analyzer::new();
    let mut plan = Plan::default();
    let content = pq.words.iter().any(|w| !is_stop_word(w));
    let in_phrase = |w: &str| pq.phrases.iter().any(|p| p.iter().any(|x| x == w));
    let forms = lex.synonyms().map_or_else(Vec::new, |s| {
        crate::synonyms::query_forms(s, &pq.words, in_phrase)
    });
    // Words up to here belong to a form of several words that became one clause.
    let mut taken = 0;
    let folded_words: Vec<String> = pq.words.iter().map(|w| analyzer::fold(w)).collect();
    let context = derivation_context(&analyzer, &folded_words, lex, &mut plan.pending);
    let related = words_relatives(&analyzer, pq, &folded_words, lex);
    for (i, word) in pq.words.iter().enumerate() {
        if i < taken {
            continue;
        }
        let form = forms.iter().find(|f| f.start == i);
        if let Some(f) = form.filter(|f| f.end - f.start > 1)
            && let Some(clause) = phrase_form_clause(&pq.words, f, lex, &mut plan)
        {
            taken = f.end;
            plan.synonyms
                .push(synonym_use(plan.clauses.len(), &clause, f));
            plan.clauses.push(clause);
            continue;
        }
        if content && is_stop_word(word) && !pq.phrases.iter().any(|p| p.contains(word)) {
            continue;
        }
        let in_phrase = pq.phrases.iter().any(|p| p.contains(word));
        if context.particles.iter().any(|&(_, p)| p == i) && !in_phrase {
            continue;
        }
        let folded = &folded_words[i];
        let stem = analyzer.stem_folded(folded);
        let mut clause = Clause {
            word: word.clone(),
            alts: Vec::new(),
        };
        for (_, key) in context.keys.iter().filter(|(at, _)| *at == i) {
            push_alt(&mut clause.alts, key.clone(), 1.0);
        }
        if context.negated.contains(&i) {
            plan.clauses.push(clause);
            continue;
        }
        // The verb of a particle verb says less alone (`skrivs ut` is not `skrivs`).
        let joined = context.particles.iter().any(|&(verb, _)| verb == i);
        let mut known = false;
        match lex.lookup(&stem) {
            Some(Some(info)) if joined => {
                known = true;
                push_alt(&mut clause.alts, stem.clone(), PART_WEIGHT);
                for p in info.parts {
                    if lex.lookup(&p).is_none() {
                        plan.pending = true;
                    }
                    push_alt(&mut clause.alts, p, PART_WEIGHT);
                }
            }
            Some(Some(info)) => {
                known = true;
                push_alt(&mut clause.alts, stem.clone(), 1.0);
                plan.pending |= related[i].pending;
                for (key, weight) in related[i].keys.iter().cloned() {
                    push_alt(&mut clause.alts, key, weight);
                }
                for p in info.parts {
                    if lex.lookup(&p).is_none() {
                        plan.pending = true;
                    }
                    push_alt(&mut clause.alts, p, PART_WEIGHT);
                }
                // The verb and its -ing noun (placerade ~ placering).
                if info.derived
                    && let Some(derived) = derived_key(&stem)
                {
                    push_alt(&mut clause.alts, derived, DERIVED_WEIGHT);
                }
            }
            Some(None) => {
                // Unknown word: the words of its family (framtagning ~ tas fram, kostar ~
                // kostnad), else its compound parts.
                plan.pending |= related[i].pending;
                let relatives = related[i].keys.clone();
                if relatives.is_empty() {
                    let mut words = LexWords {
                        lex: &mut *lex,
                        pending: false,
                    };
                    let parts = analyzer.compound_parts(folded, &mut words);
                    plan.pending |= words.pending;
                    for p in parts {
                        push_alt(&mut clause.alts, p, 1.0);
                    }
                }
                for (key, _) in relatives {
                    push_alt(&mut clause.alts, key, 1.0);
                }
            }
            None => plan.pending = true,
        }
        if let Some(e) = analyzer::query_exact_form(word) {
            let key = exact_key(&e);
            match lex.lookup(&key) {
                Some(Some(_)) => push_alt(&mut clause.alts, key, 1.0),
                Some(None) => {}
                None => plan.pending = true,
            }
        }
        // The word being typed is also a prefix, unless it already is a word of the index.
        if pq.typing == Some(i) && !known && folded.chars().count() >= MIN_PREFIX_CHARS {
            match lex.with_prefix(folded) {
                Some(mut cands) => {
                    cands.retain(|(t, _)| *t != stem);
                    let best = least_k(cands, MAX_PREFIX_TERMS, |a, b| {
                        b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0))
                    });
                    for (t, _) in best {
                        push_alt(&mut clause.alts, t, PREFIX_WEIGHT);
                    }
                }
                None => plan.pending = true,
            }
        }
        // An unknown word: its nearest vocabulary words.
        if clause.alts.is_empty() && !plan.pending {
            match lex.near(folded, &stem) {
                Some(cands) => {
                    if let Some((_, display)) = cands.first() {
                        plan.corrections.push((word.clone(), display.clone()));
                    }
                    for (t, _) in cands {
                        push_alt(&mut clause.alts, t, TYPO_WEIGHT);
                    }
                }
                None => plan.pending = true,
            }
        }
        // A word that is a form of a synonym pair also matches the other form.
        if let Some(f) = form.filter(|f| f.end - f.start == 1) {
            match lex.lookup(&f.other_key()) {
                Some(Some(_)) => {
                    push_alt(
                        &mut clause.alts,
                        f.other_key(),
                        crate::synonyms::SYNONYM_WEIGHT,
                    );
                    plan.synonyms
                        .push(synonym_use(plan.clauses.len(), &clause, f));
                }
                Some(None) => {}
                None => plan.pending = true,
            }
        }
        if clause.alts.is_empty() {
            plan.unknown.push(word.clone());
        }
        plan.clauses.push(clause);
    }
    for phrase in &pq.phrases {
        plan.phrases
            .push(phrase.iter().map(|w| analyzer.term(w)).collect());
    }
    for word in &pq.excluded {
        let stem = analyzer.term(word);
        match lex.lookup(&stem) {
            Some(Some(_)) => plan.excluded.push(stem),
            Some(None) => {}
            None => plan.pending = true,
        }
        if let Some(e) = analyzer::query_exact_form(word) {
            let key = exact_key(&e);
            match lex.lookup(&key) {
                Some(Some(_)) => plan.excluded.push(key),
                Some(None) => {}
                None => plan.pending = true,
            }
        }
    }
    plan
}

/// The clause of a run of query words that is a synonym form of several words: the form's
/// own term (the words in that order) and the other form's; None when the index has neither
/// (or they are not looked up yet), and the words are then clauses of their own.
fn phrase_form_clause(
    words: &[String],
    f: &crate::synonyms::QueryForm,
    lex: &mut dyn Lexicon,
    plan: &mut Plan,
) -> Option<Clause> {
    let mut clause = Clause {
        word: crate::synonyms::form_key(&words[f.start..f.end]),
        alts: Vec::new(),
    };
    for (key, w) in [
        (f.key(), 1.0),
        (f.other_key(), crate::synonyms::SYNONYM_WEIGHT),
    ] {
        match lex.lookup(&key) {
            Some(Some(_)) => push_alt(&mut clause.alts, key, w),
            Some(None) => {}
            None => plan.pending = true,
        }
    }
    (!clause.alts.is_empty()).then_some(clause)
}

/// The use of query form `f` by `clause` (number `at` in the plan).
fn synonym_use(
    at: usize,
    clause: &Clause,
    f: &crate::synonyms::QueryForm,
) -> crate::synonyms::SynonymUse {
    let other_key = f.other_key();
    crate::synonyms::SynonymUse {
        clause: at,
        own_keys: clause
            .alts
            .iter()
            .filter(|(k, w)| *w >= 1.0 && *k != other_key)
            .map(|(k, _)| k.clone())
            .collect(),
        other_key,
        other: f.other.clone(),
    }
}

/// The "Menade du …?" query: the query's words with each corrected word replaced by its
/// nearest vocabulary word (None without corrections).
pub fn suggestion(pq: &ParsedQuery, plan: &Plan) -> Option<String> {
    if plan.corrections.is_empty() {
        return None;
    }
    let words: Vec<&str> = pq
        .words
        .iter()
        .map(|w| {
            plan.corrections
                .iter()
                .find(|(q, _)| q == w)
                .map_or(w.as_str(), |(_, d)| d.as_str())
        })
        .collect();
    Some(words.join(" "))
}

/// The `k` least of `items` by `cmp`, least first: what sorting and truncating gives for a
/// total order. The lists are short and `k` is a few, and a sort of each element type would
/// add a kilobyte or more to the browser's wasm.
pub(crate) fn least_k<T>(
    mut items: Vec<T>,
    k: usize,
    cmp: impl Fn(&T, &T) -> std::cmp::Ordering,
) -> Vec<T> {
    let mut out = Vec::with_capacity(k.min(items.len()));
    while out.len() < k {
        let Some(i) = (0..items.len()).min_by(|&a, &b| cmp(&items[a], &items[b])) else {
            break;
        };
        out.push(items.swap_remove(i));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_k_is_sort_and_truncate() {
        // (df, term): most frequent first, then by term, as the prefix candidates are ranked.
        let cmp = |a: &(u32, String), b: &(u32, String)| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1));
        let mut items: Vec<(u32, String)> = (0..40u32)
            .map(|i| ((i * 7919) % 13, format!("t{:02}", (i * 31) % 40)))
            .collect();
        for k in [0, 1, 3, 5, 39, 40, 60] {
            let mut sorted = items.clone();
            sorted.sort_by(cmp);
            sorted.truncate(k);
            assert_eq!(least_k(items.clone(), k, cmp), sorted, "k = {k}");
        }
        items.clear();
        assert!(least_k(items, 3, cmp).is_empty());
    }

    /// A reader's lexicon before any part of the vocabulary has arrived: every lookup asks
    /// for its part, and the keys asked for are kept.
    #[derive(Default)]
    struct NothingLoaded(Vec<String>);

    impl Lexicon for NothingLoaded {
        fn lookup(&mut self, key: &str) -> Option<Option<TermInfo>> {
            self.0.push(key.to_string());
            None
        }
        fn with_prefix(&mut self, _: &str) -> Option<Vec<(String, u32)>> {
            None
        }
        fn near(&mut self, _: &str, _: &str) -> Option<Vec<(String, String)>> {
            None
        }
    }

    /// A word's family and its -ing sibling are asked for in the same round as the word,
    /// not once the word is known (a round trip more in the browser).
    #[test]
    fn the_first_planning_step_asks_for_the_words_relatives_too() {
        let mut lex = NothingLoaded::default();
        let plan = plan(&parse("utredning placerade"), &mut lex);
        assert!(plan.pending);
        for key in ["utredning", "utredn", "utred", "placer", "placering"] {
            assert!(lex.0.iter().any(|k| k == key), "{key}: {:?}", lex.0);
        }
    }

    #[test]
    fn parse_syntax() {
        let q = parse(r#"barn "samordnad plan" -skola sip"#);
        assert_eq!(q.words, ["barn", "samordnad", "plan", "sip"]);
        assert_eq!(
            q.phrases,
            vec![vec!["samordnad".to_string(), "plan".to_string()]]
        );
        assert_eq!(q.excluded, ["skola"]);
        assert_eq!(q.typing, Some(3));
        assert_eq!(parse("barn ").typing, None);
        assert_eq!(parse("\"barn").words, ["barn"]);
        assert_eq!(parse("\"barn").typing, None);
        for s in [
            "",
            "-",
            "\"",
            "\"\"",
            "- -",
            "<img src=x onerror=alert(1)>",
            "--\"-\"",
        ] {
            let _ = parse(s);
        }
    }

    #[test]
    fn a_date_in_the_query_is_a_filter() {
        let day = crate::validity::parse_date("2021-03-01");
        let q = parse("sip gällande den 2021-03-01 barn");
        assert_eq!(
            (q.words.clone(), q.valid_on),
            (vec!["sip".into(), "barn".into()], day)
        );
        assert_eq!(q.typing, Some(1));
        let q = parse("Gallande 2021-03-01");
        assert!(q.words.is_empty() && q.valid_on == day);
        // At the end: the word before is no longer being typed.
        let q = parse("barn gällande den 2021-03-01");
        assert_eq!((q.words.clone(), q.typing), (vec!["barn".into()], None));
        // Being typed: left out, no date yet.
        let q = parse("barn gällande den 2021-0");
        assert_eq!((q.words.clone(), q.valid_on), (vec!["barn".into()], None));
        // Not a date, or inside a phrase: words.
        assert_eq!(
            parse("gällande 2021-02-30 ").words,
            ["gällande", "2021", "02", "30"]
        );
        assert_eq!(parse("gällande regler").words, ["gällande", "regler"]);
        let q = parse("\"gällande den 2021-03-01\"");
        assert_eq!((q.words.len(), q.valid_on), (5, None));
    }

    #[test]
    fn stop_words() {
        assert!(is_stop_word("vilka"));
        assert!(is_stop_word("För"));
        assert!(is_stop_word("är"));
        assert!(!is_stop_word("barn"));
        assert!(!is_stop_word("OM"));
        assert!(!is_stop_word("mål"));
    }
}
