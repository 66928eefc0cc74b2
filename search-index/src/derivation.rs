//! Swedish derivations that the stemmer does not join: the same thing said as a verb, a
//! noun, a particle verb or a negation. Shared by indexing (`corpus.rs`) and query analysis
//! (`query.rs`), so that the CLI (tantivy) and the browser (wasm) agree.
//!
//! - A stem's *family* key ([`family`]): `utredning` -> `utred` (utreda, utreds),
//!   `uppföljning` -> `uppfolj`, `samverkan` -> `samverk` (samverka), plus a small table
//!   drawn from the bundled book's vocabulary (irregular stems such as `kostnad`).
//! - A *particle verb* spans two words (`följs upp`, `tas fram`, `skrivs ut`, and with one
//!   two words between, `tar strategigrupperna fram`); [`particle_verb`] gives the key of the
//!   joined verb (`uppfolj`, `framtag`, `utskriv`), which is the family key of its
//!   nominalisation (`uppföljning`, `framtagande`, `utskrivning`).
//! - A *negation* (`inte är överens`) gets the key of its negated counterpart (`oenig`,
//!   `oenighet`, `oense`): see [`negated`].
//!
//! Families are joined at query time (`query.rs` looks up the family key of a word and
//! the derived forms of its stem), so the index does not grow; the two-word forms are
//! joined at indexing time too (their key is a term of the occurrence, see `corpus.rs`).
//!
//! No Swedish lexical resource with derivations (SALDO or similar) is available as a
//! package of the registries this project uses; these are rules plus a hand-made table.

use crate::analyzer::{Analyzer, WordSet};

/// Irregular family keys (stems as [`Analyzer::stem_folded`] gives them).
const FAMILY_TABLE: &[(&str, &str)] = &[("kostn", "kost"), ("kostnad", "kost"), ("oens", "oen")];

/// Shortest base left when a derivational ending is cut.
const MIN_BASE_CHARS: usize = 3;

/// The family key of a stem, if it is a derived form of another: `-ning` nouns give the
/// verb (`utredning` -> `utred`; `samordning` -> `samordn` when that is a word, the verbs in
/// `-na`), `-an` nouns give the verb when that is a word (`samverkan` -> `samverk`).
pub fn family(stem: &str, words: &mut dyn WordSet) -> Option<String> {
    if let Some(&(_, key)) = FAMILY_TABLE.iter().find(|(s, _)| *s == stem) {
        return Some(key.to_string());
    }
    let long_enough = |base: &str| base.chars().count() >= MIN_BASE_CHARS;
    if let Some(base) = stem.strip_suffix("ning")
        && long_enough(base)
    {
        let with_n = format!("{base}n");
        return Some(if words.is_word(&with_n) {
            with_n
        } else {
            base.to_string()
        });
    }
    if let Some(base) = stem.strip_suffix("an")
        && base.chars().count() > MIN_BASE_CHARS
        && words.is_word(base)
    {
        return Some(base.to_string());
    }
    None
}

/// The stems derived from a stem that [`family`] leads back to it: its `-ning` and `-an`
/// nouns and the irregular ones of the table (`utred` -> `utredning`, `samverk` ->
/// `samverkan`, `kost` -> `kostnad`). Which of them are words is for the caller to look up.
pub fn derived_forms(stem: &str) -> Vec<String> {
    let mut out = Vec::new();
    if stem.chars().count() >= MIN_BASE_CHARS {
        out.push(format!("{stem}ning"));
        out.push(format!("{stem}an"));
    }
    out.extend(
        FAMILY_TABLE
            .iter()
            .filter(|(_, key)| *key == stem)
            .map(|(s, _)| s.to_string()),
    );
    out
}

/// Verb particles (folded) and the prefix each takes in the joined verb.
const PARTICLES: &[(&str, &str)] = &[
    ("upp", "upp"),
    ("fram", "fram"),
    ("ut", "ut"),
    ("in", "in"),
    ("emot", "mot"),
    ("bort", "bort"),
    ("samman", "samman"),
];

/// Strong verb forms (folded) and the stem they take in a joined verb (`tas fram` ->
/// `framtag`, `skrevs ut` -> `utskriv`).
const STRONG_VERBS: &[(&str, &str)] = &[
    ("ta", "tag"),
    ("tar", "tag"),
    ("tas", "tag"),
    ("tog", "tag"),
    ("togs", "tag"),
    ("tagit", "tag"),
    ("tagits", "tag"),
    ("skrev", "skriv"),
    ("skrevs", "skriv"),
    ("skrivit", "skriv"),
    ("skrivits", "skriv"),
    ("ger", "giv"),
    ("ges", "giv"),
    ("gav", "giv"),
    ("gavs", "giv"),
    ("givit", "giv"),
    ("givits", "giv"),
    ("drar", "drag"),
    ("dras", "drag"),
    ("drog", "drag"),
    ("dragit", "drag"),
];

/// Most words between a verb and its particle (`tar strategigrupperna fram`, `skrivs en
/// patient ut`).
pub const MAX_PARTICLE_GAP: usize = 2;

/// The prefix of a particle, if the folded word is one.
pub fn particle_prefix(folded: &str) -> Option<&'static str> {
    PARTICLES
        .iter()
        .find(|(p, _)| *p == folded)
        .map(|&(_, x)| x)
}

/// Whether a folded word has the form of a verb (infinitive, present, passive, past,
/// supine, or a strong form of the table): `följs`, `följer`, `följa`, `följde`, `tas`.
pub fn looks_like_verb(folded: &str) -> bool {
    STRONG_VERBS.iter().any(|(f, _)| *f == folded)
        || (folded.chars().count() >= 3
            && ["s", "r", "a", "de", "te", "t"]
                .iter()
                .any(|e| folded.ends_with(e)))
}

/// Whether the index keeps the key of a particle verb found by [`particle_verb`]: a verb
/// form right before its particle (`följs upp`, `tas fram`), or any key the corpus knows
/// as a word or a family key (`tar strategigrupperna fram`: `framtagande` is a word).
pub fn keeps_particle_verb(folded: &[String], i: usize, j: usize, known: bool) -> bool {
    known || (j == i + 1 && looks_like_verb(&folded[i]))
}

/// The key of the particle verb whose verb is `folded[i]` and the index of its particle:
/// the first particle among the next `1 + MAX_PARTICLE_GAP` words, joined in front of the
/// verb's stem. What tells a particle verb from a verb and a preposition is
/// [`keeps_particle_verb`].
pub fn particle_verb(analyzer: &Analyzer, folded: &[String], i: usize) -> Option<(String, usize)> {
    let verb = folded.get(i)?;
    if verb.chars().count() < 2 || particle_prefix(verb).is_some() {
        return None;
    }
    let (j, prefix) = (i + 1..=i + 1 + MAX_PARTICLE_GAP)
        .filter_map(|j| Some((j, particle_prefix(folded.get(j)?)?)))
        .next()?;
    let stem = match STRONG_VERBS.iter().find(|(f, _)| f == verb) {
        Some(&(_, s)) => s.to_string(),
        None => analyzer.stem_folded(verb),
    };
    Some((format!("{prefix}{stem}"), j))
}

/// Negation words (folded).
const NEGATIONS: &[&str] = &["inte", "ej", "icke"];

/// Whether a folded word is a negation.
pub fn is_negation(folded: &str) -> bool {
    NEGATIONS.contains(&folded)
}

/// Words (folded) whose negation has a word of its own, and that word's key: `inte
/// överens` is `oenig`, `oenighet`, `oeniga` (stem `oen`).
const NEGATED: &[(&str, &str)] = &[("overens", "oen"), ("ense", "oen")];

/// The key of the negated counterpart of `folded[i]`, when a negation stands among the two
/// words before it (`inte överens`, `inte är överens`).
pub fn negated(folded: &[String], i: usize) -> Option<&'static str> {
    let word = folded.get(i)?;
    let &(_, key) = NEGATED.iter().find(|(w, _)| w == word)?;
    let negated = (i.saturating_sub(2)..i).any(|j| is_negation(&folded[j]));
    negated.then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn folded(text: &str) -> Vec<String> {
        crate::analyzer::raw_tokens(text)
            .iter()
            .map(|t| crate::analyzer::fold(t.text))
            .collect()
    }

    #[test]
    fn nouns_join_their_verbs() {
        let a = Analyzer::new();
        let mut vocab: HashSet<String> = ["utreda", "samordna", "samverka", "leder"]
            .iter()
            .map(|w| a.term(w))
            .collect();
        let fam = |w: &str, v: &mut HashSet<String>| family(&a.term(w), v);
        assert_eq!(fam("utredningen", &mut vocab), Some(a.term("utreds")));
        assert_eq!(fam("uppföljning", &mut vocab).as_deref(), Some("uppfolj"));
        assert_eq!(fam("samordning", &mut vocab), Some(a.term("samordnas")));
        assert_eq!(fam("samverkan", &mut vocab), Some(a.term("samverkar")));
        assert_eq!(fam("ledningen", &mut vocab), Some(a.term("leder")));
        assert_eq!(fam("kostnader", &mut vocab), Some(a.term("kostar")));
        assert_eq!(fam("oense", &mut vocab), Some(a.term("oeniga")));
        // `-an` only where the verb is a word; short words are left alone.
        assert_eq!(fam("mellan", &mut vocab), None);
        assert_eq!(fam("mening", &mut vocab), None);
        assert_eq!(fam("barn", &mut vocab), None);
        // And back: each derived form leads to the key it came from.
        for (stem, derived) in [
            ("utred", "utredning"),
            ("samverk", "samverkan"),
            ("kost", "kostnad"),
        ] {
            assert!(derived_forms(stem).contains(&a.term(derived)), "{stem}");
        }
    }

    #[test]
    fn particle_verbs_join_across_up_to_two_words() {
        let a = Analyzer::new();
        let nominal = |w: &str| family(&a.term(w), &mut HashSet::new()).unwrap();
        for (text, i, noun) in [
            ("överenskommelsen följs upp årligen", 1, "uppföljning"),
            ("när följs överenskommelsen upp", 1, "uppföljning"),
            ("de tas fram i samverkan", 1, "framtagning"),
            (
                "tar strategigrupperna fram handlingsplaner",
                0,
                "framtagning",
            ),
            ("när skrivs en patient ut", 1, "utskrivning"),
        ] {
            let (key, _) = particle_verb(&a, &folded(text), i).expect(text);
            assert_eq!(key, nominal(noun), "{text}");
        }
        assert_eq!(a.term("framtagande"), "framtag");
        assert_eq!(
            a.term("mottagande"),
            particle_verb(&a, &folded("tas emot"), 0).unwrap().0
        );
        // Three words between: no particle verb; a particle alone is no verb.
        assert!(particle_verb(&a, &folded("följs av alla dem upp"), 0).is_none());
        assert!(particle_verb(&a, &folded("upp ut"), 0).is_none());
    }

    #[test]
    fn a_negation_has_the_key_of_its_counterpart() {
        let a = Analyzer::new();
        let oenig = a.term("oenighet");
        for text in ["parterna inte är överens", "de är inte överens", "ej ense"] {
            let f = folded(text);
            assert_eq!(negated(&f, f.len() - 1), Some(oenig.as_str()), "{text}");
        }
        assert_eq!(a.term("oeniga"), oenig);
        let f = folded("parterna är överens");
        assert_eq!(negated(&f, 2), None);
        let f = folded("inte alls helt överens");
        assert_eq!(negated(&f, 3), None);
    }
}
