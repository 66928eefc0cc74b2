//! samsyn's search: the Swedish analyzer, the tantivy indexer (feature `indexer`),
//! the static browser index format and its reader.
//!
//! STUB: the interface the samsyn pipeline calls; the implementation is being written.

/// One section of one page (a page is split at its headings).
#[derive(Debug, Clone, Default)]
pub struct SectionDoc {
    /// Page title.
    pub title: String,
    /// Titles of the page's ancestors in SUMMARY.md, outermost first.
    pub heading_path: Vec<String>,
    /// Text of the section's heading (empty for the part before the first heading).
    pub heading: String,
    /// Plain text of the section.
    pub body: String,
    /// Document kind (agreement, fakta, process, action-plan, page).
    pub kind: String,
    pub strategy_group: Option<String>,
    pub services: Vec<String>,
    pub status: Option<String>,
    pub doc_id: Option<String>,
    /// URL relative to the site root, with `#anchor` for sections.
    pub url: String,
}

/// What building the index produced.
#[derive(Debug, Clone, Default)]
pub struct IndexStats {
    pub sections: usize,
    pub bytes: u64,
}

/// One search result.
#[derive(Debug, Clone, Default)]
pub struct Hit {
    pub title: String,
    pub url: String,
    pub score: f32,
    pub snippet: String,
}

#[cfg(feature = "indexer")]
pub fn build_site_index(
    docs: &[SectionDoc],
    search_dir: &std::path::Path,
) -> Result<IndexStats, Box<dyn std::error::Error + Send + Sync>> {
    let _ = (docs, search_dir);
    Ok(IndexStats { sections: docs.len(), bytes: 0 })
}

#[cfg(feature = "indexer")]
pub fn search_site(
    search_dir: &std::path::Path,
    query: &str,
    limit: usize,
) -> Result<Vec<Hit>, Box<dyn std::error::Error + Send + Sync>> {
    let _ = (search_dir, query, limit);
    Ok(Vec::new())
}
