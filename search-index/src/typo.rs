//! Typo tolerance: the vocabulary table shipped with the static index (one file, fetched
//! only when a query word is not in the index) and the nearest-word search over it, shared
//! by the native searcher and the browser reader.
//!
//! The table lists every word term (the stem of a corpus word, not only a compound part)
//! with its df and most frequent surface form, front-coded in term order. Large
//! vocabularies keep their [`MAX_VOCAB`] most frequent words. A query word is compared
//! with each entry by Damerau-Levenshtein (optimal string alignment) distance, both stem to
//! stem and folded word to folded surface form, so that a typo in the first letter is found
//! like any other.

use crate::analyzer;
use crate::format::{Corrupt, Dec, Enc, R, common_prefix};

/// Magic of the vocabulary file.
pub const VOCAB_MAGIC: &[u8; 4] = b"SSV1";
/// Most entries in the vocabulary table (by df).
pub const MAX_VOCAB: usize = 40_000;
/// Most typo candidates a query word is expanded to.
pub const MAX_TYPO_TERMS: usize = 3;
/// Shortest query word (folded chars) that is corrected.
pub const MIN_TYPO_CHARS: usize = 4;
/// From this length (folded chars) on, two edits are allowed; below, one.
pub const TWO_EDITS_FROM: usize = 8;

/// One vocabulary entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VocabEntry {
    pub term: String,
    pub df: u32,
    pub display: String,
}

/// Encodes the table: entries sorted by term, at most [`MAX_VOCAB`] (the most frequent).
pub fn encode_vocab(mut entries: Vec<VocabEntry>) -> Vec<u8> {
    if entries.len() > MAX_VOCAB {
        entries.sort_by(|a, b| b.df.cmp(&a.df).then_with(|| a.term.cmp(&b.term)));
        entries.truncate(MAX_VOCAB);
    }
    entries.sort_by(|a, b| a.term.cmp(&b.term));
    entries.dedup_by(|a, b| a.term == b.term);
    let mut e = Enc::default();
    e.bytes(VOCAB_MAGIC);
    e.usize(entries.len());
    let mut prev = "";
    for en in &entries {
        let shared = common_prefix(prev, &en.term);
        e.usize(shared);
        e.str(&en.term[shared..]);
        e.var(en.df as u64);
        let shared = common_prefix(&en.term, &en.display);
        e.usize(shared);
        e.str(&en.display[shared..]);
        prev = &en.term;
    }
    e.buf
}

pub fn decode_vocab(bytes: &[u8]) -> R<Vec<VocabEntry>> {
    let mut d = Dec::new(bytes);
    d.magic(VOCAB_MAGIC)?;
    let mut out: Vec<VocabEntry> = Vec::new();
    for _ in 0..d.count()? {
        let shared = d.usize()?;
        let prev = out.last().map_or("", |e| e.term.as_str());
        let mut term = prev.get(..shared).ok_or(Corrupt)?.to_string();
        term.push_str(d.str()?);
        let df = u32::try_from(d.var()?).map_err(|_| Corrupt)?;
        let shared = d.usize()?;
        let mut display = term.get(..shared).ok_or(Corrupt)?.to_string();
        display.push_str(d.str()?);
        out.push(VocabEntry { term, df, display });
    }
    Ok(out)
}

/// Optimal string alignment distance if it is at most `max` (None otherwise).
pub fn bounded_distance(a: &[char], b: &[char], max: usize) -> Option<usize> {
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > max {
        return None;
    }
    // Three rolling rows: i - 2, i - 1, i.
    let mut pp: Vec<usize> = vec![0; m + 1];
    let mut p: Vec<usize> = (0..=m).collect();
    let mut c: Vec<usize> = vec![0; m + 1];
    for i in 1..=n {
        c[0] = i;
        let mut row_min = c[0];
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (p[j] + 1).min(c[j - 1] + 1).min(p[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(pp[j - 2] + 1);
            }
            c[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut pp, &mut p);
        std::mem::swap(&mut p, &mut c);
    }
    Some(p[m]).filter(|&d| d <= max)
}

/// Edits allowed for a folded query word of `n` chars.
pub fn max_edits(n: usize) -> usize {
    if n < MIN_TYPO_CHARS {
        0
    } else if n < TWO_EDITS_FROM {
        1
    } else {
        2
    }
}

/// The vocabulary words nearest to an unknown query word (given folded, and its stem):
/// those at the smallest distance found (within [`max_edits`]), same first letter first,
/// then by df; at most [`MAX_TYPO_TERMS`]. Returns (entry, distance).
pub fn nearest<'a>(
    folded: &str,
    stem: &str,
    vocab: &'a [VocabEntry],
) -> Vec<(&'a VocabEntry, usize)> {
    let f: Vec<char> = folded.chars().collect();
    let max = max_edits(f.len());
    if max == 0 || f.len() > 40 {
        return Vec::new();
    }
    let s: Vec<char> = stem.chars().collect();
    let mut found: Vec<(&VocabEntry, usize)> = Vec::new();
    let mut best = max;
    let mut buf: Vec<char> = Vec::new();
    for e in vocab {
        if e.term == stem {
            continue;
        }
        buf.clear();
        buf.extend(e.term.chars());
        let mut d = bounded_distance(&s, &buf, best);
        let dl = e.display.chars().count();
        if d != Some(0) && dl.abs_diff(f.len()) <= best {
            buf.clear();
            buf.extend(analyzer::fold(&e.display).chars());
            if let Some(d2) = bounded_distance(&f, &buf, best) {
                d = Some(d.map_or(d2, |d| d.min(d2)));
            }
        }
        if let Some(d) = d {
            if d < best {
                best = d;
                found.retain(|(_, x)| *x <= d);
            }
            found.push((e, d));
        }
    }
    let first = f.first().copied();
    crate::query::least_k(found, MAX_TYPO_TERMS, |a, b| {
        a.1.cmp(&b.1)
            .then_with(|| {
                let fa = a.0.term.chars().next() == first;
                let fb = b.0.term.chars().next() == first;
                fb.cmp(&fa)
            })
            .then_with(|| b.0.df.cmp(&a.0.df))
            .then_with(|| a.0.term.cmp(&b.0.term))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzer::Analyzer;

    fn entry(word: &str, df: u32) -> VocabEntry {
        VocabEntry {
            term: Analyzer::new().term(word),
            df,
            display: word.to_lowercase(),
        }
    }

    fn near(word: &str, vocab: &[VocabEntry]) -> Vec<String> {
        let f = analyzer::fold(word);
        let s = Analyzer::new().stem_folded(&f);
        nearest(&f, &s, vocab)
            .into_iter()
            .map(|(e, _)| e.display.clone())
            .collect()
    }

    #[test]
    fn distances() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(bounded_distance(&c("barn"), &c("bran"), 2), Some(1));
        assert_eq!(bounded_distance(&c("barn"), &c("barn"), 0), Some(0));
        assert_eq!(
            bounded_distance(&c("samverkan"), &c("samverkn"), 1),
            Some(1)
        );
        assert_eq!(bounded_distance(&c("abcdef"), &c("badcfe"), 2), None);
        assert_eq!(bounded_distance(&c("abcdef"), &c("badcfe"), 3), Some(3));
        assert_eq!(bounded_distance(&c(""), &c("ab"), 2), Some(2));
    }

    #[test]
    fn typos_find_their_words_in_any_position() {
        let vocab = vec![
            entry("överenskommelse", 40),
            entry("barnkonventionen", 12),
            entry("vårdnadshavare", 30),
            entry("vårdnad", 3),
            entry("samverkan", 50),
            entry("barn", 100),
            entry("bark", 1),
        ];
        let mut vocab = vocab;
        vocab.sort_by(|a, b| a.term.cmp(&b.term));
        assert_eq!(near("överenskomelse", &vocab), ["överenskommelse"]);
        assert_eq!(near("barnkonvetionen", &vocab), ["barnkonventionen"]);
        assert_eq!(near("vårdnadshavre", &vocab), ["vårdnadshavare"]);
        // First letter wrong, dropped or swapped.
        assert_eq!(near("damverkan", &vocab), ["samverkan"]);
        assert_eq!(near("amverkan", &vocab), ["samverkan"]);
        assert_eq!(near("asmverkan", &vocab), ["samverkan"]);
        // Short words: one edit; too short: none.
        assert_eq!(near("barm", &vocab), ["barn", "bark"]);
        assert!(near("bar", &vocab).is_empty());
        assert!(near("xyzxyzxyz", &vocab).is_empty());
        for s in ["", "🙂", "ǅ𝔘𝔫𝔦", &"a".repeat(100)] {
            let _ = near(s, &vocab);
        }
    }

    #[test]
    fn vocabulary_round_trip() {
        let vocab = vec![entry("barn", 9), entry("barnen", 3), entry("övrig", 2)];
        let bytes = encode_vocab(vocab.clone());
        let mut sorted = vocab;
        sorted.sort_by(|a, b| a.term.cmp(&b.term));
        sorted.dedup_by(|a, b| a.term == b.term);
        assert_eq!(decode_vocab(&bytes).unwrap(), sorted);
        assert!(decode_vocab(b"SSV1\x05\x00").is_err());
        assert!(decode_vocab(b"").is_err());
    }
}
