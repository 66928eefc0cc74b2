//! Validation of a loaded book: cross-links, document ids and revision dates.

use crate::book::LoadedBook;
use crate::diagnostics::{Diagnostic, Severity};
use crate::links::Resolver;
use crate::markdown;
use chrono::NaiveDate;
use rayon::prelude::*;
use std::collections::HashMap;

/// The result of checking a book.
#[derive(Debug, Default)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    pub links_checked: usize,
}

/// Checks every page of `book`; `today` decides which revisions are overdue.
pub fn validate(book: &LoadedBook, resolver: &Resolver<'_>, today: NaiveDate) -> Report {
    let mut diagnostics = book.diagnostics.clone();
    diagnostics.extend(duplicate_doc_ids(book));
    diagnostics.extend(overdue_reviews(book, today));
    diagnostics.extend(crate::a11y::missing_contact(book));
    let per_page: Vec<(Vec<Diagnostic>, usize)> = (0..book.pages.len())
        .into_par_iter()
        .map(|i| {
            let (mut diags, links) = check_links(book, resolver, i);
            diags.extend(blocked_html(book, i));
            diags.extend(crate::a11y::content_warnings(&book.pages[i]));
            diags.extend(crate::editorial::unmarked_notes(&book.pages[i]));
            (diags, links)
        })
        .collect();
    let mut links_checked = 0;
    for (diags, count) in per_page {
        diagnostics.extend(diags);
        links_checked += count;
    }
    crate::diagnostics::sort(&mut diagnostics);
    Report {
        diagnostics,
        links_checked,
    }
}

fn check_links(
    book: &LoadedBook,
    resolver: &Resolver<'_>,
    index: usize,
) -> (Vec<Diagnostic>, usize) {
    let page = &book.pages[index];
    let links = markdown::links(&page.markdown);
    let diags = links
        .iter()
        .filter_map(|link| {
            let problem = resolver.resolve(index, &link.dest, link.source).err()?;
            Some(
                Diagnostic::at(
                    &page.file,
                    &page.source(),
                    link.span.clone(),
                    Severity::Error,
                    problem.code,
                    problem.message,
                )
                .with_suggestion(problem.suggestion),
            )
        })
        .collect();
    (diags, links.len())
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

fn overdue_reviews(book: &LoadedBook, today: NaiveDate) -> Vec<Diagnostic> {
    book.pages
        .iter()
        .filter_map(|page| {
            let date = page.front.review_by?;
            if date >= today || page.front.status == Some(crate::frontmatter::Status::Repealed) {
                return None;
            }
            let span = page.front.span_of("review_by").unwrap_or(0..0);
            Some(
                Diagnostic::at(
                    &page.file,
                    &page.source(),
                    span,
                    Severity::Warning,
                    "review-overdue",
                    format!("revisionen skulle ha gjorts senast {date}; sidan visar \"revision försenad\""),
                )
                .with_suggestion(Some(
                    "revidera dokumentet och sätt ett nytt `review_by`".into(),
                )),
            )
        })
        .collect()
}
