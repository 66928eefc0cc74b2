//! Marks on arrival: the words of a page's text that a query highlights, for the page a hit
//! opens (`theme/search/search.js` asks the worker, which asks [`Engine::marks`]). The same
//! plan and the same word test as the snippets ([`highlighted`]), so what a snippet marks is
//! what the page marks.

use super::*;

/// A step of [`Engine::marks`]: files to fetch first, or the byte ranges of the words to
/// mark, in text order.
#[derive(Debug, Clone, PartialEq)]
pub enum MarkStep {
    Need(Vec<String>),
    Done(Vec<(usize, usize)>),
}

impl Engine {
    /// The words of `text` that `query` highlights (its plan needs the query's term
    /// shards: until they are added, the files to fetch).
    pub fn marks(&mut self, query: &str, text: &str) -> R<MarkStep> {
        self.need.clear();
        let pq = query::parse(query);
        let plan = query::plan(&pq, self);
        if plan.pending || !self.need.is_empty() {
            return Ok(MarkStep::Need(self.take_needed()));
        }
        // The query is complete here (a hit was chosen): a last word that is no word of the
        // index stands for the words it begins (the plan's prefix terms), and a word that is
        // one marks only its own forms (`SIP` marks no `sipp`).
        let hl = Highlight {
            prefix: None,
            ..highlight_terms(&plan, &pq)
        };
        let analyzer = Analyzer::new();
        let toks = analyzer::raw_tokens(text);
        let marked = highlighted(&analyzer, &hl, &toks);
        Ok(MarkStep::Done(
            toks.iter()
                .zip(marked)
                .filter(|(_, m)| *m)
                .map(|(t, _)| (t.from, t.to))
                .collect(),
        ))
    }
}
