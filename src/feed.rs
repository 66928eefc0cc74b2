//! The change feed: `feed.xml` (Atom 1.0) and the "Nytt och ändrat" page (`nytt.html`),
//! one entry per change of a page, newest first, at most [`MAX_ENTRIES`].
//!
//! Entries come from the git history ([`crate::history`]). Links are absolute when
//! book.toml has `[output.samsyn] site-url`, otherwise relative to the feed (which lies
//! at the site root, so a reader resolves them against the feed's own address).

use crate::book::LoadedBook;
use crate::frontmatter;
use crate::history::History;
use crate::render::changes::{self, MAX_CHANGES};
use serde::Serialize;

/// How many changes the feed and `nytt.html` list.
pub const MAX_ENTRIES: usize = 50;

/// The feed's site path.
pub const FEED: &str = "feed.xml";
/// The "Nytt och ändrat" page's site path.
pub const NEWS_PAGE: &str = "nytt.html";

/// One change of one page.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// A permanent id (`urn:samsyn:change:COMMIT:PATH`).
    pub id: String,
    pub page_title: String,
    /// The page, relative to the site root.
    pub page_url: String,
    /// Its diff page, relative to the site root; none for a first version or deletion,
    /// or a change older than the page's last [`MAX_CHANGES`].
    pub diff_url: Option<String>,
    /// YYYY-MM-DD where the commit was made.
    pub date: String,
    /// RFC 3339.
    pub updated: String,
    pub subject: String,
    /// The front matter's `version` of the page as changed.
    pub version: Option<String>,
    /// "Sidan skapades" / "Sidan togs bort".
    pub event: Option<&'static str>,
}

/// `[output.samsyn] site-url` of book.toml with a trailing `/`.
// Minimal reader of the key; replaced at merge by the citation part's parsing in src/book.rs.
pub fn site_url(book: &LoadedBook) -> Option<String> {
    book.config
        .get::<String>("output.samsyn.site-url")
        .ok()
        .flatten()
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty())
        .map(|u| if u.ends_with('/') { u } else { format!("{u}/") })
}

/// The latest changes of the book's pages, newest first (git's first-parent order,
/// then the book's order), at most [`MAX_ENTRIES`].
pub fn entries(history: Option<&History>, book: &LoadedBook) -> Vec<Entry> {
    let Some(history) = history else {
        return Vec::new();
    };
    // (commit, page, position in the page's changes)
    let mut all: Vec<(usize, usize, usize)> = book
        .pages
        .iter()
        .enumerate()
        .flat_map(|(i, p)| {
            history
                .changes(&p.path)
                .iter()
                .enumerate()
                .map(move |(n, c)| (c.commit, i, n))
        })
        .collect();
    all.sort_unstable();
    all.truncate(MAX_ENTRIES);
    let reader = history.reader();
    // Hook for the lifecycle fields (issue 16, item 2): once `FrontMatter.history`
    // (`Vec<HistoryEntry { version, date, decided_by, summary }>`) is in this branch, add
    // one entry per `[[history]]` entry here (its date, version and summary; the page as
    // link) and sort all entries by date, newest first, before the cap.
    all.into_iter()
        .map(|(_, i, n)| {
            let page = &book.pages[i];
            let change = history.changes(&page.path)[n];
            let commit = history.commit(&change);
            let version = change.blob.and_then(|blob| {
                let text = crate::book::chapter_text(reader.bytes(blob), &page.file).text;
                frontmatter::parse(&page.file, &text).0.version
            });
            Entry {
                id: format!("urn:samsyn:change:{}:{}", commit.id, urn_path(&page.path)),
                page_title: page.title.clone(),
                page_url: page.url.clone(),
                diff_url: (n < MAX_CHANGES && change.blob.is_some() && change.previous.is_some())
                    .then(|| changes::diff_url(&page.url, commit)),
                date: commit.date().to_string(),
                updated: commit.time().to_rfc3339(),
                subject: commit.subject.clone(),
                version,
                event: match (change.previous, change.blob) {
                    (None, _) => Some("Sidan skapades"),
                    (_, None) => Some("Sidan togs bort"),
                    _ => None,
                },
            }
        })
        .collect()
}

/// A source path as a URN's text: `/` and unreserved ASCII kept, everything else `%XX`.
fn urn_path(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The entry's one-line summary: what changed and the version.
fn summary(entry: &Entry) -> String {
    let mut text = match entry.event {
        Some(event) => format!("{event}: {}", entry.subject),
        None => entry.subject.clone(),
    };
    if let Some(v) = &entry.version {
        text.push_str(&format!(" (version {v})"));
    }
    text
}

/// `feed.xml`: Atom 1.0. `built` is the build date, the feed's `updated` when it has no
/// entry.
pub fn atom(book: &LoadedBook, entries: &[Entry], built: chrono::NaiveDate) -> String {
    let text = |s: &str| html_escape::encode_text(s).into_owned();
    let attr = |s: &str| html_escape::encode_double_quoted_attribute(s).into_owned();
    let base = site_url(book).unwrap_or_default();
    let feed_id = if base.is_empty() {
        format!("urn:samsyn:feed:{}", slug(&book.title))
    } else {
        format!("{base}{FEED}")
    };
    let authors = &book.config.book.authors;
    let author = if authors.is_empty() {
        book.title.clone()
    } else {
        authors.join(", ")
    };
    let updated = entries
        .first()
        .map(|e| e.updated.clone())
        .unwrap_or_else(|| format!("{built}T00:00:00Z"));
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"sv\">\n");
    out.push_str(&format!("  <id>{}</id>\n", text(&feed_id)));
    out.push_str(&format!(
        "  <title>Nytt och ändrat – {}</title>\n",
        text(&book.title)
    ));
    out.push_str(&format!("  <updated>{updated}</updated>\n"));
    out.push_str(&format!(
        "  <author><name>{}</name></author>\n",
        text(&author)
    ));
    out.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        attr(&format!("{base}{FEED}"))
    ));
    out.push_str(&format!(
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        attr(&format!("{base}{NEWS_PAGE}"))
    ));
    out.push_str("  <generator>samsyn</generator>\n");
    for e in entries {
        let link = e.diff_url.as_deref().unwrap_or(&e.page_url);
        out.push_str("  <entry>\n");
        out.push_str(&format!("    <id>{}</id>\n", text(&e.id)));
        out.push_str(&format!(
            "    <title>{}: {}</title>\n",
            text(&e.page_title),
            text(&e.subject)
        ));
        out.push_str(&format!("    <updated>{}</updated>\n", e.updated));
        out.push_str(&format!(
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            attr(&format!("{base}{link}"))
        ));
        out.push_str(&format!("    <summary>{}</summary>\n", text(&summary(e))));
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

/// ASCII letters and digits of `s`, lowercased, other runs as one `-`.
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().map(|c| c.to_ascii_lowercase()) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urn_paths_and_slugs_are_plain_ascii() {
        assert_eq!(urn_path("om/styrning å.md"), "om/styrning%20%C3%A5.md");
        assert_eq!(slug("Samverkan för barn"), "samverkan-f-r-barn");
    }
}
