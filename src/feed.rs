//! The change feed: `feed.xml` (Atom 1.0) and the "Nytt och ändrat" page (`nytt-och-andrat.html`),
//! one entry per change of a page, newest first, at most [`MAX_ENTRIES`].
//!
//! Entries come from the git history ([`crate::history`]) and the decided versions of the
//! front matter's `[[history]]`. Links are absolute when
//! book.toml has `[output.samsyn] site-url`, otherwise relative to the feed (which lies
//! at the site root, so a reader resolves them against the feed's own address).

use crate::book::LoadedBook;
use crate::frontmatter;
use crate::history::History;
use crate::render::changes::{self, MAX_CHANGES};
use serde::Serialize;

/// How many changes the feed and `nytt-och-andrat.html` list.
pub const MAX_ENTRIES: usize = 50;

/// The feed's site path.
pub const FEED: &str = "feed.xml";
/// The "Nytt och ändrat" page's site path.
pub const NEWS_PAGE: &str = "nytt-och-andrat.html";

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
    /// What changed, for readers (`changes::describe`).
    pub text: String,
    /// The front matter's `version` of the page as changed.
    pub version: Option<String>,
}

/// The feed's base: `[output.samsyn] site-url` (absolute, checked when the book is
/// loaded), or none for links relative to the feed.
pub fn site_url(book: &LoadedBook) -> Option<String> {
    book.site_url()
}

/// Where an entry comes from.
enum Source {
    /// A git commit that changed a page: (page, position in its changes).
    Commit(usize, usize),
    /// A version as decided, from a page's `[[history]]`: (page, entry).
    Decided(usize, usize),
}

/// The latest changes of the book's pages, newest first, at most [`MAX_ENTRIES`]: each
/// commit that changed a page (with git history) and each decided version in the front
/// matter's `[[history]]` (a date given as a year or month counts from its first day).
pub fn entries(history: Option<&History>, book: &LoadedBook) -> Vec<Entry> {
    // (seconds since the epoch, tie-breaker, source)
    let mut all: Vec<(i64, usize, Source)> = Vec::new();
    if let Some(history) = history {
        for (i, p) in book.pages.iter().enumerate() {
            for (n, c) in history.changes(&p.path).iter().enumerate() {
                let seconds = history.commit(c).seconds;
                all.push((seconds, c.commit, Source::Commit(i, n)));
            }
        }
    }
    for (i, p) in book.pages.iter().enumerate() {
        for (n, h) in p.front.history.iter().enumerate() {
            all.push((first_second(h.date), usize::MAX, Source::Decided(i, n)));
        }
    }
    // Newest first; among equal times git's order (newest commit first), then the book's.
    all.sort_by_key(|(seconds, tie, source)| {
        let page = match source {
            Source::Commit(i, _) | Source::Decided(i, _) => *i,
        };
        (std::cmp::Reverse(*seconds), *tie, page)
    });
    all.truncate(MAX_ENTRIES);
    let reader = history.map(History::reader);
    all.into_iter()
        .map(|(_, _, source)| match source {
            Source::Commit(i, n) => {
                let history = history.expect("commit entries come from the history");
                let reader = reader.as_ref().expect("a reader with the history");
                commit_entry(history, reader, book, i, n)
            }
            Source::Decided(i, n) => decided_entry(book, i, n),
        })
        .collect()
}

/// The feed entry of the `n`th latest change of page `i` in git.
fn commit_entry(
    history: &History,
    reader: &crate::history::Reader,
    book: &LoadedBook,
    i: usize,
    n: usize,
) -> Entry {
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
        text: changes::describe(changes::event(&change), commit.note.as_deref()),
        version,
    }
}

/// The feed entry of page `i`'s `n`th `[[history]]` entry: a version as decided.
fn decided_entry(book: &LoadedBook, i: usize, n: usize) -> Entry {
    let page = &book.pages[i];
    let h = &page.front.history[n];
    let decided = h.decided_by.as_ref().map(|by| format!("Beslutad av {by}"));
    let text = match (decided, &h.summary) {
        (Some(d), Some(s)) => format!("{d}: {s}"),
        (Some(d), None) => d,
        (None, Some(s)) => s.clone(),
        (None, None) => "Ny version".to_string(),
    };
    let key = h.version.clone().unwrap_or_else(|| h.date.to_string());
    Entry {
        id: format!(
            "urn:samsyn:version:{}:{}",
            urn_path(&page.path),
            urn_path(&key)
        ),
        page_title: page.title.clone(),
        page_url: page.url.clone(),
        diff_url: None,
        date: h.date.to_string(),
        updated: chrono::DateTime::from_timestamp(first_second(h.date), 0)
            .unwrap_or_default()
            .to_rfc3339(),
        text,
        version: h.version.clone(),
    }
}

/// The first second (UTC) of a history date: a year or month counts from its first day.
fn first_second(date: frontmatter::HistoryDate) -> i64 {
    let (y, m, d) = date.sort_key();
    chrono::NaiveDate::from_ymd_opt(y, m.max(1), d.max(1))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(0, |t| t.and_utc().timestamp())
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
    let mut text = entry.text.clone();
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
            text(&e.text)
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
