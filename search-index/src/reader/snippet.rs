//! Snippets: the terms a query highlights, and the excerpt of a section's text shown
//! with a hit.

use super::*;

/// A part of a snippet: text, and whether it is a match.
pub type Snippet = Vec<(String, bool)>;

/// Terms to highlight: the plan's term keys (normal ones), the synonym forms of several
/// words (their stems, highlighted only where they stand together), and the typed prefix.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Highlight {
    pub terms: FxHashSet<String>,
    pub phrases: Vec<Vec<String>>,
    pub prefix: Option<String>,
}

pub fn highlight_terms(plan: &Plan, pq: &query::ParsedQuery) -> Highlight {
    let mut terms = FxHashSet::default();
    let mut phrases = Vec::new();
    for t in plan.terms() {
        if let Some(e) = exact_form(&t) {
            terms.insert(analyzer::fold(e));
        } else if t.contains(' ') {
            // A synonym form of several words: its words where they stand together
            // (`plan` alone is no `samordnad individuell plan`).
            let stems: Vec<String> = t.split(' ').map(str::to_string).collect();
            if !phrases.contains(&stems) {
                phrases.push(stems);
            }
        } else {
            terms.insert(t);
        }
    }
    let prefix = pq
        .typing
        .and_then(|i| pq.words.get(i))
        .map(|w| analyzer::fold(w))
        .filter(|p| p.chars().count() >= query::MIN_PREFIX_CHARS);
    Highlight {
        terms,
        phrases,
        prefix,
    }
}

/// Which words of a text are highlighted: each word that [`highlights`], and each run of
/// words that is one of the synonym forms of several words. The snippets and the marks on
/// a page opened from a hit ([`Engine::marks`]) both use it.
pub fn highlighted(analyzer: &Analyzer, hl: &Highlight, toks: &[analyzer::RawToken]) -> Vec<bool> {
    let mut out: Vec<bool> = toks
        .iter()
        .map(|t| highlights(analyzer, hl, t.text))
        .collect();
    if hl.phrases.is_empty() {
        return out;
    }
    let stems: Vec<String> = toks.iter().map(|t| analyzer.term(t.text)).collect();
    for phrase in &hl.phrases {
        for start in 0..stems.len() {
            let end = start + phrase.len();
            if end <= stems.len() && stems[start..end] == phrase[..] {
                out[start..end].iter_mut().for_each(|m| *m = true);
            }
        }
    }
    out
}

/// Whether a word of a text is highlighted on its own: it contains a term (4+ letters), has
/// its stem, or starts with the typed prefix (see [`highlighted`] for runs of words).
pub fn highlights(analyzer: &Analyzer, hl: &Highlight, word: &str) -> bool {
    let folded = analyzer::fold(word);
    hl.terms.iter().any(|q| {
        (q.chars().count() >= 4 && folded.contains(q.as_str())) || has_stem(analyzer, &folded, q)
    }) || hl
        .prefix
        .as_ref()
        .is_some_and(|p| folded.starts_with(p.as_str()))
}

/// Words of a snippet window.
const SNIPPET_WORDS: usize = 28;

/// A snippet of `text` around its best run of matches.
pub fn make_snippet(text: &str, hl: &Highlight) -> Snippet {
    let analyzer = Analyzer::new();
    let toks = analyzer::raw_tokens(text);
    let matched = highlighted(&analyzer, hl, &toks);
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
