//! Template contexts: what the minijinja templates in `theme/` get to see.

use super::page::Section;
use crate::book::{LoadedBook, NavItem, Page};
use crate::frontmatter::{FrontMatter, Kind};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// Site-wide values shared by every template.
pub struct Site<'a> {
    pub title: &'a str,
    pub asset_version: &'a str,
    pub today: NaiveDate,
    /// The book's git history, when the build has one (change logs, diff pages, feed).
    pub history: Option<&'a crate::history::History>,
}

impl<'a> Site<'a> {
    pub fn new(book: &'a LoadedBook, asset_version: &'a str, today: NaiveDate) -> Self {
        Site {
            title: &book.title,
            asset_version,
            today,
            history: None,
        }
    }

    /// The same site with the book's git history.
    pub fn with_history(self, history: Option<&'a crate::history::History>) -> Self {
        Site { history, ..self }
    }

    /// The common context of a page at `url` (relative to the site root).
    pub fn common(&self, page_title: &str, url: &str) -> Common<'a> {
        Common {
            root: "../".repeat(url.matches('/').count()),
            site_title: self.title,
            page_title: page_title.to_string(),
            asset_version: self.asset_version,
            current_path: url.to_string(),
            build_date: self.today.to_string(),
            csp: &crate::csp::META_POLICY,
        }
    }
}

/// Values every template gets.
#[derive(Serialize)]
pub struct Common<'a> {
    /// Relative prefix from the page to the site root (`""`, `"../"`, …).
    pub root: String,
    pub site_title: &'a str,
    pub page_title: String,
    pub asset_version: &'a str,
    pub current_path: String,
    pub build_date: String,
    /// The Content-Security-Policy for the page's `<meta http-equiv>`.
    pub csp: &'static str,
}

/// A link from one page to another, relative to the first.
#[derive(Serialize)]
pub struct Link {
    pub title: String,
    pub url: Option<String>,
}

pub fn link_to(book: &LoadedBook, from: usize, to: usize) -> Link {
    Link {
        title: book.pages[to].title.clone(),
        url: Some(format!(
            "{}{}",
            book.pages[from].root_prefix(),
            book.pages[to].url
        )),
    }
}

/// The metadata panel of a document.
#[derive(Serialize)]
pub struct Meta {
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub doc_id: Option<String>,
    pub version: Option<String>,
    pub valid_from: Option<String>,
    pub review_by: Option<String>,
    pub owner: Option<String>,
    pub approved_by: Option<String>,
    pub strategy_group: Option<String>,
    pub services: Vec<String>,
    pub target_group: Option<String>,
    pub status: Option<&'static str>,
    pub status_label: Option<&'static str>,
    pub summary: Option<String>,
    pub review_overdue: bool,
}

/// The panel for a page's front matter, or `None` for a plain page.
pub fn meta(front: &FrontMatter, today: NaiveDate) -> Option<Meta> {
    let has_panel = front.present
        && (front.kind != Kind::Page
            || front.doc_id.is_some()
            || front.version.is_some()
            || front.status.is_some());
    has_panel.then(|| Meta {
        kind: front.kind.as_str(),
        kind_label: front.kind.label(),
        doc_id: front.doc_id.clone(),
        version: front.version.clone(),
        valid_from: front.valid_from.map(|d| d.to_string()),
        review_by: front.review_by.map(|d| d.to_string()),
        owner: front.owner.clone(),
        approved_by: front.approved_by.clone(),
        strategy_group: front.strategy_group.clone(),
        services: front.services.clone(),
        target_group: front.target_group.clone(),
        status: front.status.map(|s| s.as_str()),
        status_label: front.status.map(|s| s.label()),
        summary: front.summary.clone(),
        review_overdue: review_overdue(front, today),
    })
}

/// Whether a document's revision date has passed (repealed documents excepted).
pub fn review_overdue(front: &FrontMatter, today: NaiveDate) -> bool {
    front.review_by.is_some_and(|d| d < today)
        && front.status != Some(crate::frontmatter::Status::Repealed)
}

/// The page's name in `<title>`: its title, and where another page has the same title
/// the nearest ancestor's as well ("ReKo – Organisation"), so that no two pages share one.
pub fn document_title(book: &LoadedBook, index: usize) -> String {
    let page = &book.pages[index];
    let shared = book
        .pages
        .iter()
        .enumerate()
        .any(|(i, p)| i != index && p.title == page.title);
    match page.ancestors.last() {
        Some((parent, _)) if shared => format!("{} – {parent}", page.title),
        _ => page.title.clone(),
    }
}

/// Ancestors and the page itself.
pub fn breadcrumbs(book: &LoadedBook, index: usize) -> Vec<Link> {
    let page = &book.pages[index];
    let root = page.root_prefix();
    page.ancestors
        .iter()
        .map(|(title, p)| Link {
            title: title.clone(),
            url: p.map(|p| format!("{root}{}", book.pages[p].url)),
        })
        .chain(std::iter::once(Link {
            title: page.title.clone(),
            url: Some(page.url.rsplit('/').next().unwrap_or("").to_string()),
        }))
        .collect()
}

/// h2/h3 headings for the on-page table of contents.
#[derive(Serialize)]
pub struct TocHeading {
    pub level: u8,
    pub id: String,
    pub text: String,
}

pub fn toc_headings(page: &Page) -> Vec<TocHeading> {
    page.headings
        .iter()
        .filter(|h| matches!(h.level, 2 | 3))
        .map(|h| TocHeading {
            level: h.level,
            id: h.id.clone(),
            text: h.text.clone(),
        })
        .collect()
}

/// A top-level section of the book for the start page.
#[derive(Serialize)]
pub struct StartSection {
    pub title: String,
    pub url: Option<String>,
    pub children: Vec<Link>,
}

pub fn start_sections(book: &LoadedBook) -> Vec<StartSection> {
    let url = |p: &Option<usize>| p.map(|p| book.pages[p].url.clone());
    book.nav
        .iter()
        .filter_map(|n| match n {
            NavItem::Chapter {
                title,
                page,
                children,
            } => Some(StartSection {
                title: title.clone(),
                url: url(page),
                children: children
                    .iter()
                    .filter_map(|c| match c {
                        NavItem::Chapter { title, page, .. } => Some(Link {
                            title: title.clone(),
                            url: url(page),
                        }),
                        _ => None,
                    })
                    .collect(),
            }),
            _ => None,
        })
        .collect()
}

/// A document whose revision is overdue, for the start page.
#[derive(Serialize)]
pub struct Overdue {
    pub title: String,
    pub url: String,
    pub review_by: String,
}

pub fn overdue(book: &LoadedBook, today: NaiveDate) -> Vec<Overdue> {
    book.pages
        .iter()
        .filter(|p| review_overdue(&p.front, today))
        .map(|p| Overdue {
            title: p.title.clone(),
            url: p.url.clone(),
            review_by: p.front.review_by.map(|d| d.to_string()).unwrap_or_default(),
        })
        .collect()
}

/// A row of the document register.
#[derive(Serialize)]
pub struct RegisterRow {
    pub title: String,
    pub url: String,
    pub doc_id: Option<String>,
    pub version: Option<String>,
    pub valid_from: Option<String>,
    pub review_by: Option<String>,
    pub status: Option<&'static str>,
    pub status_label: Option<&'static str>,
    pub owner: Option<String>,
    pub review_overdue: bool,
}

#[derive(Serialize)]
pub struct RegisterGroup {
    pub name: String,
    pub documents: Vec<RegisterRow>,
}

#[derive(Serialize)]
pub struct RegisterKind {
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub groups: Vec<RegisterGroup>,
}

/// Name of the group of documents without a strategy group.
pub const NO_GROUP: &str = "Övriga";

/// Documents by kind, then by strategy group (alphabetically, "Övriga" last).
pub fn register(book: &LoadedBook, today: NaiveDate) -> Vec<RegisterKind> {
    Kind::ALL
        .iter()
        .filter(|k| **k != Kind::Page)
        .filter_map(|&kind| {
            let mut groups: BTreeMap<(bool, String), Vec<RegisterRow>> = BTreeMap::new();
            for p in book
                .pages
                .iter()
                .filter(|p| p.front.present && p.front.kind == kind)
            {
                let group = p.front.strategy_group.clone();
                let key = (group.is_none(), group.unwrap_or_else(|| NO_GROUP.into()));
                let f = &p.front;
                groups.entry(key).or_default().push(RegisterRow {
                    title: p.title.clone(),
                    url: p.url.clone(),
                    doc_id: f.doc_id.clone(),
                    version: f.version.clone(),
                    valid_from: f.valid_from.map(|d| d.to_string()),
                    review_by: f.review_by.map(|d| d.to_string()),
                    status: f.status.map(|s| s.as_str()),
                    status_label: f.status.map(|s| s.label()),
                    owner: f.owner.clone(),
                    review_overdue: review_overdue(f, today),
                });
            }
            (!groups.is_empty()).then(|| RegisterKind {
                kind: kind.as_str(),
                kind_label: kind.plural_label(),
                groups: groups
                    .into_iter()
                    .map(|((_, name), mut documents)| {
                        documents.sort_by(|a, b| a.title.cmp(&b.title));
                        RegisterGroup { name, documents }
                    })
                    .collect(),
            })
        })
        .collect()
}

/// The search documents of a rendered page: one per section.
pub fn search_docs(
    book: &LoadedBook,
    index: usize,
    sections: &[Section],
) -> Vec<search_index::SectionDoc> {
    let page = &book.pages[index];
    let f = &page.front;
    sections
        .iter()
        .map(|s| search_index::SectionDoc {
            title: page.title.clone(),
            heading_path: page.ancestors.iter().map(|(t, _)| t.clone()).collect(),
            heading: s.heading.trim().to_string(),
            body: s.text.trim().to_string(),
            kind: f.kind.as_str().to_string(),
            strategy_group: f.strategy_group.clone(),
            services: f.services.clone(),
            status: f.status.map(|s| s.as_str().to_string()),
            doc_id: f.doc_id.clone(),
            url: match &s.id {
                Some(id) => format!("{}#{id}", page.url),
                None => page.url.clone(),
            },
        })
        .collect()
}

/// The accessibility statement (`tillganglighet.html`): book.toml's
/// `[output.samsyn.accessibility]` and the automated checks' results.
#[derive(Serialize)]
pub struct Statement {
    pub organisation: Option<String>,
    pub email: Option<String>,
    pub contact_form: Option<String>,
    pub phone: Option<String>,
    pub has_contact: bool,
    pub last_review: Option<String>,
    pub supervision: bool,
    /// "63 sidor".
    pub pages: String,
    /// "639 länkar kontrollerade" (a broken one stops the build, so none is).
    pub links: String,
    pub checks: Vec<StatementCheck>,
    /// "2 brister", or `None` when the checks found none.
    pub problems: Option<String>,
}

/// One automated check and what it found.
#[derive(Serialize)]
pub struct StatementCheck {
    pub label: &'static str,
    pub count: usize,
    /// "Inga brister", "1 brist", "2 brister".
    pub result: String,
}

fn problems(n: usize) -> String {
    crate::plural::count(n, "brist", "brister")
}

pub fn statement(book: &LoadedBook) -> Statement {
    let config = crate::a11y::AccessibilityConfig::from_config(&book.config).unwrap_or_default();
    let given = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let checks: Vec<StatementCheck> = crate::a11y::check_counts(book)
        .into_iter()
        .map(|(check, count)| StatementCheck {
            label: check.label,
            count,
            result: if count == 0 {
                "Inga brister".into()
            } else {
                problems(count)
            },
        })
        .collect();
    let total: usize = checks.iter().map(|c| c.count).sum();
    Statement {
        has_contact: config.has_contact(),
        organisation: given(config.organisation),
        email: given(config.email),
        contact_form: given(config.contact_form),
        phone: given(config.phone),
        last_review: config.last_review.map(|d| d.to_string()),
        supervision: config.supervision.unwrap_or(true),
        pages: crate::plural::pages(book.pages.len()),
        links: crate::plural::links_checked(
            book.pages
                .iter()
                .map(|p| crate::markdown::links(&p.markdown).len())
                .sum(),
        ),
        checks,
        problems: (total > 0).then(|| problems(total)),
    }
}
