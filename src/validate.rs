//! Validation of a loaded book: cross-links, document ids, revision dates, and the
//! documents' relations and validity (`crate::lifecycle`).

use crate::book::LoadedBook;
use crate::cache::Key;
use crate::check_memo::{CheckMemo, Clean, PageKeys};
use crate::diagnostics::{Diagnostic, Severity};
use crate::lifecycle::Lifecycle;
use crate::links::{Resolver, Target};
use crate::markdown;
use chrono::NaiveDate;
use rayon::prelude::*;
use std::collections::HashMap;

/// The result of checking a book.
#[derive(Debug, Default)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    pub links_checked: usize,
    /// For each page, the pages its links point at (itself left out), sorted.
    pub links: Vec<Vec<usize>>,
    /// The documents' statuses, validity and relations on `today`.
    pub lifecycle: Lifecycle,
}

/// Checks every page of `book`; `today` decides which revisions are overdue and which
/// documents are in force.
pub fn validate(book: &LoadedBook, resolver: &Resolver<'_>, today: NaiveDate) -> Report {
    validate_with(book, resolver, today, None).0
}

/// [`validate`], taking the pages `memo` has found clean with the same key
/// ([`crate::check_memo`]) as found again; also returns every clean page's key, for the
/// next build's memo (empty without a memo).
pub fn validate_with(
    book: &LoadedBook,
    resolver: &Resolver<'_>,
    today: NaiveDate,
    memo: Option<(&CheckMemo, &PageKeys)>,
) -> (Report, Vec<(Key, Clean)>) {
    let mut diagnostics = book.diagnostics.clone();
    diagnostics.extend(duplicate_doc_ids(book));
    diagnostics.extend(crate::a11y::missing_contact(book));
    diagnostics.extend(crate::glossary::check(book));
    let per_page: Vec<PageCheck> = (0..book.pages.len())
        .into_par_iter()
        .map(|i| {
            let key = memo.map(|(_, keys)| keys.of(book, i));
            if let Some(clean) = memo.zip(key.as_ref()).and_then(|((m, _), k)| m.get(k)) {
                return PageCheck {
                    diags: Vec::new(),
                    links: clean.links,
                    targets: clean.targets.clone(),
                    clean: key,
                };
            }
            let (diags, links, targets) = markdown_checks(book, resolver, i);
            let clean = key.filter(|_| diags.is_empty());
            PageCheck {
                diags,
                links,
                targets,
                clean,
            }
        })
        .collect();
    let mut links_checked = 0;
    let mut links = Vec::with_capacity(per_page.len());
    let mut clean = Vec::new();
    for page in per_page {
        diagnostics.extend(page.diags);
        links_checked += page.links;
        if let Some(key) = page.clean {
            clean.push((
                key,
                Clean {
                    links: page.links,
                    targets: page.targets.clone(),
                },
            ));
        }
        links.push(page.targets);
    }
    let (lifecycle, lifecycle_diags) = Lifecycle::new(book, resolver, &links, today);
    diagnostics.extend(lifecycle_diags);
    diagnostics.extend(overdue_reviews(book, &lifecycle, today));
    crate::diagnostics::sort(&mut diagnostics);
    let report = Report {
        diagnostics,
        links_checked,
        links,
        lifecycle,
    };
    (report, clean)
}

/// What [`validate_with`] found in one page.
struct PageCheck {
    diags: Vec<Diagnostic>,
    links: usize,
    targets: Vec<usize>,
    /// The page's key when it has no finding and the check keeps a memo.
    clean: Option<Key>,
}

/// The problems in the Markdown of page `index` (its links, HTML the site's policy blocks,
/// accessibility and editorial warnings), the number of links checked, and the pages its
/// links point at (itself left out). Every one is located in the page's own file.
pub fn markdown_checks(
    book: &LoadedBook,
    resolver: &Resolver<'_>,
    index: usize,
) -> (Vec<Diagnostic>, usize, Vec<usize>) {
    let (mut diags, links, targets) = check_links(book, resolver, index);
    diags.extend(blocked_html(book, index));
    diags.extend(crate::a11y::content_warnings(&book.pages[index]));
    diags.extend(crate::editorial::unmarked_notes(&book.pages[index]));
    (diags, links, targets)
}

/// The link problems of page `index`, the number of links checked, and the pages its
/// links point at (itself left out).
fn check_links(
    book: &LoadedBook,
    resolver: &Resolver<'_>,
    index: usize,
) -> (Vec<Diagnostic>, usize, Vec<usize>) {
    let page = &book.pages[index];
    let links = markdown::links(&page.markdown);
    let mut targets = Vec::new();
    let mut diags = Vec::new();
    for link in &links {
        match resolver.resolve(index, &link.dest, link.source) {
            Ok(Target::Page { page, .. }) if page != index => targets.push(page),
            Ok(_) => {}
            Err(problem) => diags.push(
                Diagnostic::at(
                    &page.file,
                    &page.source(),
                    link.span.clone(),
                    Severity::Error,
                    problem.code,
                    problem.message,
                )
                .with_suggestion(problem.suggestion),
            ),
        }
    }
    targets.sort_unstable();
    targets.dedup();
    (diags, links.len(), targets)
}

/// Raw HTML that the site's Content-Security-Policy blocks: it builds, but does nothing
/// on the published site (warnings).
fn blocked_html(book: &LoadedBook, index: usize) -> Vec<Diagnostic> {
    let page = &book.pages[index];
    crate::csp::blocked_in(&page.markdown)
        .into_iter()
        .map(|blocked| {
            Diagnostic::at(
                &page.file,
                &page.source(),
                blocked.span,
                Severity::Warning,
                "blocked-by-csp",
                format!(
                    "webbplatsens Content-Security-Policy stoppar {}: det fungerar inte på den publicerade webbplatsen",
                    blocked.what
                ),
            )
            .with_suggestion(Some(blocked.instead.into()))
        })
        .collect()
}

fn duplicate_doc_ids(book: &LoadedBook) -> Vec<Diagnostic> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut diags = Vec::new();
    for (i, page) in book.pages.iter().enumerate() {
        let Some(id) = page.front.doc_id.as_deref() else {
            continue;
        };
        match seen.get(id) {
            None => {
                seen.insert(id, i);
            }
            Some(&first) => {
                let span = page.front.span_of("doc_id").unwrap_or(0..0);
                diags.push(
                    Diagnostic::at(
                        &page.file,
                        &page.source(),
                        span,
                        Severity::Error,
                        "duplicate-doc-id",
                        format!("doc_id `{id}` används redan av {}", book.pages[first].file),
                    )
                    .with_suggestion(Some(
                        "varje dokument behöver ett eget doc_id; rätta det ena".into(),
                    )),
                );
            }
        }
    }
    diags
}

/// Documents in force (or upcoming) whose `review_by` has passed (warnings); an
/// ended, planned or draft document is not revised.
fn overdue_reviews(book: &LoadedBook, lifecycle: &Lifecycle, today: NaiveDate) -> Vec<Diagnostic> {
    book.pages
        .iter()
        .enumerate()
        .filter_map(|(i, page)| {
            let date = page.front.review_by?;
            if date >= today || !review_applies(lifecycle.status(i)) {
                return None;
            }
            let span = page.front.span_of("review_by").unwrap_or(0..0);
            let derived = page
                .front
                .derived("review_by")
                .map(|why| format!(" (datumet är härlett: {why})"))
                .unwrap_or_default();
            Some(
                Diagnostic::at(
                    &page.file,
                    &page.source(),
                    span,
                    Severity::Warning,
                    "review-overdue",
                    format!("revisionen skulle ha gjorts senast {date}{derived}; sidan visar \"revision försenad\""),
                )
                .with_suggestion(Some(
                    "revidera dokumentet och sätt ett nytt `review_by`".into(),
                )),
            )
        })
        .collect()
}

/// Whether a document with this status is due for revision by its `review_by`.
pub fn review_applies(status: crate::lifecycle::DerivedStatus) -> bool {
    use crate::lifecycle::DerivedStatus::*;
    matches!(status, InForce | Upcoming)
}
