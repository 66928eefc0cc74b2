//! Synonyms: abbreviation/expansion pairs (from the book's glossary), so that a query for
//! either form also finds sections that use only the other (`SoL` ~ `socialtjänstlagen`,
//! `HVB` ~ `hem för vård och boende`).
//!
//! A form is its words' stems. A form of one word is found by its stem, the term the index
//! has anyway; a form of several words is found by a term of its own, its stems joined by
//! spaces (no word term has a space), which the indexer puts where the words stand in that
//! order ([`phrase_forms`], so `vård` alone is never `HVB`). The pairs travel in the
//! index's meta file, so the static reader and tantivy expand a query the same way
//! ([`query_forms`], used by `query::plan`): a query word (or run of words) that is one form
//! of a pair also matches the other form's term at [`SYNONYM_WEIGHT`], and a run of words
//! that is a form of several words matches as that phrase. A hit that has only the other
//! form says so ([`via`]: "träff via SoL").

use crate::analyzer::{self, Analyzer};
use crate::format::{Dec, Enc, R};

/// Weight of the other form of a pair: a direct match ranks above a match through it.
pub const SYNONYM_WEIGHT: f32 = 0.5;

/// One abbreviation and its expansion, as the glossary writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub abbreviation: String,
    pub expansion: String,
}

/// The synonym pairs of an index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Synonyms {
    pub pairs: Vec<Pair>,
}

/// The stems of the words of a form (each word analysed as a query word is).
pub fn form_stems(text: &str) -> Vec<String> {
    let analyzer = Analyzer::new();
    analyzer::raw_tokens(text)
        .iter()
        .map(|t| analyzer.term(t.text))
        .filter(|s| !s.is_empty())
        .collect()
}

/// The term key of a form: its stem, or for several words their stems joined by spaces.
pub fn form_key(stems: &[String]) -> String {
    // By hand: `join` would add its own code to the wasm reader.
    let mut key = String::new();
    for (i, s) in stems.iter().enumerate() {
        if i > 0 {
            key.push(' ');
        }
        key.push_str(s);
    }
    key
}

impl Synonyms {
    /// The pairs whose two forms both have words and differ.
    pub fn new(pairs: impl IntoIterator<Item = Pair>) -> Synonyms {
        Synonyms {
            pairs: pairs
                .into_iter()
                .filter(|p| {
                    let (a, e) = (form_stems(&p.abbreviation), form_stems(&p.expansion));
                    !a.is_empty() && !e.is_empty() && a != e
                })
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    pub fn encode(&self, e: &mut Enc) {
        e.usize(self.pairs.len());
        for p in &self.pairs {
            e.str(&p.abbreviation);
            e.str(&p.expansion);
        }
    }

    pub fn decode(d: &mut Dec) -> R<Synonyms> {
        let mut pairs = Vec::new();
        for _ in 0..d.count()? {
            let abbreviation = d.str()?.to_string();
            let expansion = d.str()?.to_string();
            pairs.push(Pair {
                abbreviation,
                expansion,
            });
        }
        Ok(Synonyms { pairs })
    }

    /// Every form with its counterpart: (stems, the other form's stems, the other form as
    /// written), both directions of every pair.
    fn forms(&self) -> Vec<(Vec<String>, Vec<String>, &str)> {
        let mut out = Vec::new();
        for p in &self.pairs {
            let (a, e) = (form_stems(&p.abbreviation), form_stems(&p.expansion));
            out.push((a.clone(), e.clone(), p.expansion.as_str()));
            out.push((e, a, p.abbreviation.as_str()));
        }
        out
    }
}

/// The forms of several words, as stems: the indexer gives each place where one occurs
/// (its words in that order) the term [`form_key`].
pub fn phrase_forms(syn: &Synonyms) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    for (stems, _, _) in syn.forms() {
        if stems.len() > 1 && !out.contains(&stems) {
            out.push(stems);
        }
    }
    out
}

/// A run of query words that is one form of a pair.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryForm {
    /// The words `start..end` of the parsed query.
    pub start: usize,
    pub end: usize,
    pub stems: Vec<String>,
    pub other_stems: Vec<String>,
    /// The other form as the glossary writes it (shown as "träff via …").
    pub other: String,
}

impl QueryForm {
    pub fn key(&self) -> String {
        form_key(&self.stems)
    }
    pub fn other_key(&self) -> String {
        form_key(&self.other_stems)
    }
}

/// The runs of `words` (a parsed query's words) that are forms of pairs, left to right,
/// the longest at each place; words for which `skip` holds (those of quoted phrases, which
/// are matched as written) are never part of one.
pub fn query_forms(
    syn: &Synonyms,
    words: &[String],
    skip: impl Fn(&str) -> bool,
) -> Vec<QueryForm> {
    if syn.is_empty() {
        return Vec::new();
    }
    let forms = syn.forms();
    let analyzer = Analyzer::new();
    let stems: Vec<Option<String>> = words
        .iter()
        .map(|w| (!skip(w)).then(|| analyzer.term(w)))
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let best = forms
            .iter()
            .filter(|(f, _, _)| {
                i + f.len() <= words.len()
                    && f.iter()
                        .zip(&stems[i..])
                        .all(|(s, q)| q.as_deref() == Some(s.as_str()))
            })
            .max_by_key(|(f, _, _)| f.len());
        match best {
            Some((f, other, written)) => {
                out.push(QueryForm {
                    start: i,
                    end: i + f.len(),
                    stems: f.clone(),
                    other_stems: other.clone(),
                    other: written.to_string(),
                });
                i += f.len();
            }
            None => i += 1,
        }
    }
    out
}

/// A query form's use in a plan: the clause that also matches the other form.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SynonymUse {
    /// Index of the clause in the plan.
    pub clause: usize,
    /// The query form's own term keys (the clause's full-weight alternatives: not its
    /// compound parts, prefixes or the like).
    pub own_keys: Vec<String>,
    /// The other form's term key (one of the clause's alternatives).
    pub other_key: String,
    /// The other form as the glossary writes it.
    pub other: String,
}

/// The term keys whose sections decide [`via`]: the own and other forms' keys of every
/// synonym use (a query plan's `synonyms`).
pub fn via_keys(uses: &[SynonymUse]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for u in uses {
        for key in u.own_keys.iter().chain([&u.other_key]) {
            if !out.contains(key) {
                out.push(key.clone());
            }
        }
    }
    out
}

/// The other forms a section matched through: those of a query plan's synonym uses whose
/// other form's term the section has while it has none of the query form's own (`has`:
/// whether the section has a term, for the keys of [`via_keys`]). Both engines answer
/// `has` from their postings, so they agree.
pub fn via(uses: &[SynonymUse], has: impl Fn(&str) -> bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for u in uses {
        if has(&u.other_key) && !u.own_keys.iter().any(|k| has(k)) && !out.contains(&u.other) {
            out.push(u.other.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Synonyms {
        Synonyms::new([
            Pair {
                abbreviation: "SoL".into(),
                expansion: "Socialtjänstlagen".into(),
            },
            Pair {
                abbreviation: "HVB".into(),
                expansion: "Hem för vård och boende".into(),
            },
        ])
    }

    fn words(q: &str) -> Vec<String> {
        crate::query::parse(q).words
    }

    #[test]
    fn either_form_in_a_query_is_found_and_the_longest_run_wins() {
        let t = table();
        let f = query_forms(
            &t,
            &words("placering på hem för vård och boende"),
            |_| false,
        );
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].start, f[0].end), (2, 7));
        assert_eq!(f[0].other_key(), "hvb");
        assert_eq!(f[0].key(), "hem for vard och boend");
        let f = query_forms(&t, &words("sol"), |_| false);
        assert_eq!(f[0].other_key(), "socialtjanstlag");
        assert_eq!(f[0].other, "Socialtjänstlagen");
        // One word of a form of several is no form.
        assert!(query_forms(&t, &words("vård"), |_| false).is_empty());
        // Words of a quoted phrase are matched as written.
        assert!(query_forms(&t, &words("hvb"), |_| true).is_empty());
    }

    #[test]
    fn the_pairs_survive_the_meta_encoding() {
        let t = table();
        let mut e = Enc::default();
        t.encode(&mut e);
        let mut d = Dec::new(&e.buf);
        assert_eq!(Synonyms::decode(&mut d).unwrap(), t);
        assert_eq!(
            phrase_forms(&t),
            vec![form_stems("hem för vård och boende")]
        );
    }

    #[test]
    fn a_section_matched_via_the_other_form_only_when_it_lacks_its_own() {
        let uses = [SynonymUse {
            clause: 0,
            own_keys: vec!["sol".into()],
            other_key: "socialtjanstlag".into(),
            other: "Socialtjänstlagen".into(),
        }];
        assert_eq!(via_keys(&uses), ["sol", "socialtjanstlag"]);
        assert_eq!(
            via(&uses, |k| k == "socialtjanstlag"),
            ["Socialtjänstlagen"]
        );
        assert!(via(&uses, |_| true).is_empty());
        assert!(via(&uses, |k| k == "sol").is_empty());
    }
}
