//! samsyn's search: the Swedish analyzer, the tantivy indexer (feature `indexer`), the
//! static browser index format and its reader (native and wasm32, feature `wasm`).

pub mod analyzer;
#[cfg(feature = "indexer")]
pub mod bodies;
#[cfg(feature = "indexer")]
pub mod corpus;
pub mod derivation;
pub mod format;
#[cfg(feature = "indexer")]
pub mod indexer;
pub mod json;
#[cfg(feature = "indexer")]
pub mod keys;
#[cfg(feature = "indexer")]
pub mod memory;
#[cfg(feature = "indexer")]
pub mod overlay;
#[cfg(feature = "indexer")]
mod postings;
pub mod query;
pub mod reader;
pub mod stemmer;
pub mod synonyms;
pub mod typo;
pub mod validity;
#[cfg(feature = "wasm")]
pub mod wasm;

/// What the sections of one page share (held once per page: at 100,000 pages repeating
/// them in each of 650,000 sections took about 390 MB).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageFields {
    /// Page title.
    pub title: String,
    /// Titles of the page's ancestors in SUMMARY.md, outermost first.
    pub heading_path: Vec<String>,
    /// Document kind (agreement, fakta, process, action-plan, page).
    pub kind: String,
    pub strategy_group: Option<String>,
    pub services: Vec<String>,
    /// Document status (`in-force`, `upcoming`, `expired`, `replaced`, `planned`,
    /// `draft`; none for plain pages): a filter and a ranking factor.
    pub status: Option<String>,
    pub doc_id: Option<String>,
    /// First day the page's document applies (days since 1970-01-01; None = open).
    pub valid_from_day: Option<i32>,
    /// Last day it applies (inclusive; None = open). Without either date the page has no
    /// validity: see [`validity`].
    pub valid_until_day: Option<i32>,
}

impl PageFields {
    /// The interval a search by date uses ([`validity::effective_interval`]).
    pub fn validity(&self) -> Option<(i32, i32)> {
        validity::effective_interval(
            self.status.as_deref(),
            self.valid_from_day,
            self.valid_until_day,
        )
    }
}

/// One section of one page (a page is split at its headings). Its page's fields are
/// read through it (`doc.title`: [`PageFields`] by `Deref`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SectionDoc {
    pub page: std::sync::Arc<PageFields>,
    /// Text of the section's heading (empty for the part before the first heading).
    pub heading: String,
    /// Plain text of the section.
    pub body: String,
    /// URL relative to the site root, with `#anchor` for sections.
    pub url: String,
}

impl std::ops::Deref for SectionDoc {
    type Target = PageFields;
    fn deref(&self) -> &PageFields {
        &self.page
    }
}

/// What building the index produced.
#[derive(Debug, Clone, Default)]
pub struct IndexStats {
    pub sections: usize,
    /// Bytes of the static browser index (without the tantivy index).
    pub bytes: u64,
    /// Term shards taken over from the previous build's index.
    pub taken_over_shards: usize,
}

/// One search result.
#[derive(Debug, Clone, Default)]
pub struct Hit {
    /// Page title.
    pub title: String,
    /// URL relative to the site root, with `#anchor`.
    pub url: String,
    pub score: f32,
    /// Text around the matches; matches are between « and ».
    pub snippet: String,
    /// Section heading (empty for the part before the first heading).
    pub heading: String,
    /// Document kind.
    pub kind: String,
    /// Document status (see [`SectionDoc::status`]).
    pub status: Option<String>,
    pub doc_id: Option<String>,
    /// The other forms of synonym pairs the hit matched through, when its text has only
    /// those (see [`synonyms::via`]).
    pub via: Vec<String>,
}

#[cfg(feature = "indexer")]
pub use indexer::{
    build_browser_index, build_site_index, build_site_index_from, build_site_index_with,
    search_site,
};
#[cfg(feature = "inflate")]
pub use reader::search_static;
pub use reader::{Filters, Request};
