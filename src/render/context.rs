//! Template contexts: what the minijinja templates in `theme/` get to see.

use super::page::Section;
use crate::book::{LoadedBook, NavItem, Page};
use crate::frontmatter::{FrontMatter, Kind};
use crate::lifecycle::DerivedStatus;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// Site-wide values shared by every template.
pub struct Site<'a> {
    pub title: &'a str,
    /// The sidebar's navigation (its files written by `write_generated`).
    pub nav: &'a super::Navigation,
    pub today: NaiveDate,
    /// The book's git history, when the build has one (change logs, diff pages, feed).
    pub history: Option<&'a crate::history::History>,
}

impl<'a> Site<'a> {
    pub fn new(book: &'a LoadedBook, nav: &'a super::Navigation, today: NaiveDate) -> Self {
        Site {
            title: &book.title,
            nav,
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
            sidebar: self.nav.sidebar(url),
            ..self.common_without_sidebar(page_title, url)
        }
    }

    /// [`Site::common`] without the sidebar (a chapter's is made only when it is
    /// rendered: its cache key holds the navigation's digest instead).
    pub fn common_without_sidebar(&self, page_title: &str, url: &str) -> Common<'a> {
        Common {
            root: crate::book::root_prefix(url),
            site_title: self.title,
            page_title: page_title.to_string(),
            nav_script: self.nav.script_path(),
            sidebar: None,
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
    /// The site path of the navigation script, when the whole navigation is one
    /// ([`super::nav`]).
    pub nav_script: Option<&'a str>,
    /// The page's sidebar as HTML, when the navigation comes in branches.
    pub sidebar: Option<String>,
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

/// A link to another document, with its derived status (for the panel and banners).
#[derive(Serialize)]
pub struct DocLink {
    pub title: String,
    /// Relative to the page it is shown on.
    pub url: String,
    pub status: Option<&'static str>,
    pub status_label: Option<&'static str>,
    pub valid_from: Option<String>,
}

fn doc_link(book: &LoadedBook, from: usize, to: usize) -> DocLink {
    let status = book.lifecycle.shown_status(to);
    DocLink {
        title: book.pages[to].title.clone(),
        url: format!("{}{}", book.pages[from].root_prefix(), book.pages[to].url),
        status: status.map(DerivedStatus::as_str),
        status_label: status.map(DerivedStatus::label),
        valid_from: book.pages[to].front.valid_from.map(|d| d.to_string()),
    }
}

fn doc_links(book: &LoadedBook, from: usize, to: &[usize]) -> Vec<DocLink> {
    to.iter().map(|&t| doc_link(book, from, t)).collect()
}

/// The banner of a document that does not apply today: ended (replaced, expired) or
/// upcoming.
#[derive(Serialize)]
pub struct LifecycleNotice {
    /// `replaced`, `expired` or `upcoming`.
    pub status: &'static str,
    pub label: &'static str,
    /// The first day it applies (upcoming) and the last day it applied (ended).
    pub from: Option<String>,
    pub until: Option<String>,
    /// What applies now instead (the replacement chain followed to its end).
    pub current: Vec<DocLink>,
    /// Replacements decided but not yet in force.
    pub upcoming: Vec<DocLink>,
}

/// The metadata panel of a document.
#[derive(Serialize)]
pub struct Meta {
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub doc_id: Option<String>,
    pub version: Option<String>,
    pub valid_from: Option<String>,
    /// The last day it applies (`valid_until`, or the day before its replacement).
    pub valid_until: Option<String>,
    pub review_by: Option<String>,
    pub owner: Option<String>,
    pub approved_by: Option<String>,
    pub strategy_group: Option<String>,
    pub services: Vec<String>,
    pub target_group: Option<String>,
    /// The derived status (`lifecycle::DerivedStatus::as_str`) and its label.
    pub status: Option<&'static str>,
    pub status_label: Option<&'static str>,
    pub summary: Option<String>,
    pub review_overdue: bool,
    /// Values derived rather than stated by the source: key → why (`derived` in the
    /// front matter); every place that shows such a value says so.
    pub derived: BTreeMap<&'static str, String>,
    pub replaces: Vec<DocLink>,
    pub replaced_by: Vec<DocLink>,
    pub annex_to: Option<DocLink>,
    pub annexes: Vec<DocLink>,
    pub related: Vec<DocLink>,
    pub notice: Option<LifecycleNotice>,
    /// A replaced document's print line names what applies now (relative to the page;
    /// the first of several); `None` prints the page's own address.
    pub current_url: Option<String>,
}

/// The panel for page `index`'s front matter, or `None` for a plain page.
pub fn meta(book: &LoadedBook, index: usize, today: NaiveDate) -> Option<Meta> {
    let front = &book.pages[index].front;
    let life = book.lifecycle.page(index);
    let status = book.lifecycle.shown_status(index);
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string());
    let notice = match status {
        Some(s @ (DerivedStatus::Replaced | DerivedStatus::Expired)) => Some(LifecycleNotice {
            status: s.as_str(),
            label: s.label(),
            from: None,
            until: date(life.valid_until),
            current: doc_links(book, index, &life.current),
            upcoming: doc_links(book, index, &life.upcoming_replacements),
        }),
        Some(s @ DerivedStatus::Upcoming) => {
            // What it replaces, as far as that still applies today.
            let applying: Vec<usize> = life
                .replaces
                .iter()
                .copied()
                .filter(|&r| book.lifecycle.status(r) == DerivedStatus::InForce)
                .collect();
            Some(LifecycleNotice {
                status: s.as_str(),
                label: s.label(),
                from: date(life.valid_from),
                until: None,
                current: doc_links(book, index, &applying),
                upcoming: Vec::new(),
            })
        }
        _ => None,
    };
    front.has_panel().then(|| Meta {
        kind: front.kind.as_str(),
        kind_label: front.kind.label(),
        doc_id: front.doc_id.clone(),
        version: front.version.clone(),
        valid_from: date(front.valid_from),
        valid_until: date(life.valid_until),
        review_by: date(front.review_by),
        owner: front.owner.clone(),
        approved_by: front.approved_by.clone(),
        strategy_group: front.strategy_group.clone(),
        services: front.services.clone(),
        target_group: front.target_group.clone(),
        status: status.map(DerivedStatus::as_str),
        status_label: status.map(DerivedStatus::label),
        summary: front.summary.clone(),
        review_overdue: review_overdue(book, index, today),
        derived: derived(front),
        replaces: doc_links(book, index, &life.replaces),
        replaced_by: doc_links(book, index, &life.replaced_by),
        annex_to: life.annex_to.map(|a| doc_link(book, index, a)),
        annexes: doc_links(book, index, &life.annexes),
        related: doc_links(book, index, &life.related),
        current_url: (status == Some(DerivedStatus::Replaced))
            .then(|| life.current.first().map(|&c| doc_link(book, index, c).url))
            .flatten(),
        notice,
    })
}

/// The derived values of a page's front matter, key → reason.
fn derived(front: &FrontMatter) -> BTreeMap<&'static str, String> {
    front
        .derived
        .iter()
        .map(|(k, why)| (*k, why.clone()))
        .collect()
}

/// Whether page `index`'s revision date has passed while it applies (an ended,
/// planned or draft document is not revised).
pub fn review_overdue(book: &LoadedBook, index: usize, today: NaiveDate) -> bool {
    book.pages[index].front.review_by.is_some_and(|d| d < today)
        && crate::validate::review_applies(book.lifecycle.status(index))
}

/// The pages that link to page `index` or name it in a relation ("Hänvisas från").
pub fn referenced_by(book: &LoadedBook, index: usize) -> Vec<Link> {
    book.lifecycle
        .page(index)
        .referenced_by
        .iter()
        .map(|&from| link_to(book, index, from))
        .collect()
}

/// A row of the "Versionshistorik" table.
#[derive(Serialize)]
pub struct HistoryRow {
    pub version: Option<String>,
    /// As precise as written (`2014`, `2016-10`, `2016-10-21`): a `<time datetime>`.
    pub date: String,
    pub decided_by: Option<String>,
    pub summary: Option<String>,
}

/// The page's `[[history]]`, newest first (entries of the same date as written).
pub fn history(front: &FrontMatter) -> Vec<HistoryRow> {
    let mut entries: Vec<_> = front.history.iter().collect();
    entries.sort_by_key(|e| std::cmp::Reverse(e.date.sort_key()));
    entries
        .into_iter()
        .map(|e| HistoryRow {
            version: e.version.clone(),
            date: e.date.to_string(),
            decided_by: e.decided_by.clone(),
            summary: e.summary.clone(),
        })
        .collect()
}

/// The page's name in `<title>`: its title, and where another page has the same title
/// the nearest ancestor's as well ("ReKo – Organisation"), so that no two pages share one.
pub fn document_title(book: &LoadedBook, index: usize) -> String {
    let page = &book.pages[index];
    match page.ancestors.last() {
        Some((parent, _)) if page.title_shared => format!("{} – {parent}", page.title),
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
    /// Why the date is derived, when it is.
    pub review_by_derived: Option<String>,
}

/// The start page's overdue documents: the [`OVERDUE_SHOWN`] that have waited longest
/// (earliest review date first, then in the book's order), and how many there are in all
/// (the register marks every one).
#[derive(Serialize)]
pub struct OverdueList {
    pub shown: Vec<Overdue>,
    pub total: usize,
}

/// Overdue documents the start page lists at most, so that it does not grow with the book.
pub const OVERDUE_SHOWN: usize = 10;

pub fn overdue(book: &LoadedBook, today: NaiveDate) -> OverdueList {
    let mut pages: Vec<usize> = (0..book.pages.len())
        .filter(|&i| review_overdue(book, i, today))
        .collect();
    let total = pages.len();
    pages.sort_by_key(|&i| book.pages[i].front.review_by);
    let shown = pages
        .into_iter()
        .take(OVERDUE_SHOWN)
        .map(|i| {
            let p = &book.pages[i];
            Overdue {
                title: p.title.clone(),
                url: p.url.clone(),
                review_by: p.front.review_by.map(|d| d.to_string()).unwrap_or_default(),
                review_by_derived: p.front.derived("review_by").map(str::to_string),
            }
        })
        .collect();
    OverdueList { shown, total }
}

/// A row of the document register.
#[derive(Serialize)]
pub struct RegisterRow {
    pub title: String,
    pub url: String,
    pub doc_id: Option<String>,
    pub version: Option<String>,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    pub review_by: Option<String>,
    pub status: Option<&'static str>,
    pub status_label: Option<&'static str>,
    pub owner: Option<String>,
    pub review_overdue: bool,
    /// Values derived rather than stated by the source: key → why.
    pub derived: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
pub struct RegisterGroup {
    pub name: String,
    pub documents: Vec<RegisterRow>,
    /// The group's documents in all (more than `documents` when the group goes on over
    /// several register pages).
    pub total: usize,
    /// Whether the group began on an earlier register page.
    pub continued: bool,
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
            for (i, p) in book
                .pages
                .iter()
                .enumerate()
                .filter(|(_, p)| p.front.present && p.front.kind == kind)
            {
                let group = p.front.strategy_group.clone();
                let key = (group.is_none(), group.unwrap_or_else(|| NO_GROUP.into()));
                let f = &p.front;
                let status = book.lifecycle.shown_status(i);
                groups.entry(key).or_default().push(RegisterRow {
                    title: p.title.clone(),
                    url: p.url.clone(),
                    doc_id: f.doc_id.clone(),
                    version: f.version.clone(),
                    valid_from: f.valid_from.map(|d| d.to_string()),
                    valid_until: book.lifecycle.validity(i).1.map(|d| d.to_string()),
                    review_by: f.review_by.map(|d| d.to_string()),
                    status: status.map(DerivedStatus::as_str),
                    status_label: status.map(DerivedStatus::label),
                    owner: f.owner.clone(),
                    review_overdue: review_overdue(book, i, today),
                    derived: derived(f),
                });
            }
            (!groups.is_empty()).then(|| RegisterKind {
                kind: kind.as_str(),
                kind_label: kind.plural_label(),
                groups: groups
                    .into_iter()
                    .map(|((_, name), mut documents)| {
                        documents.sort_by(|a, b| a.title.cmp(&b.title));
                        RegisterGroup {
                            name,
                            total: documents.len(),
                            documents,
                            continued: false,
                        }
                    })
                    .collect(),
            })
        })
        .collect()
}

/// Documents a register page lists at most: a larger register goes on over several pages
/// ([`register_pages`]), so that no page grows with the book.
pub const REGISTER_PAGE_ROWS: usize = 500;

/// One page of the register: its number (from 1) and the kinds and groups with rows on it.
pub struct RegisterPage {
    pub number: usize,
    pub kinds: Vec<RegisterKind>,
}

/// The register split into pages of at most `rows` documents, in its order (kind, group,
/// title); a group that goes on over a page break is on both pages. Always at least one
/// page.
pub fn register_pages(kinds: Vec<RegisterKind>, rows: usize) -> Vec<RegisterPage> {
    let mut pages = vec![RegisterPage {
        number: 1,
        kinds: Vec::new(),
    }];
    let mut on_page = 0;
    for kind in kinds {
        for group in kind.groups {
            let total = group.total;
            let mut documents = group.documents.into_iter().peekable();
            let mut continued = false;
            while documents.peek().is_some() {
                if on_page == rows {
                    pages.push(RegisterPage {
                        number: pages.len() + 1,
                        kinds: Vec::new(),
                    });
                    on_page = 0;
                }
                let part: Vec<RegisterRow> = documents.by_ref().take(rows - on_page).collect();
                on_page += part.len();
                let page = pages.last_mut().expect("one page at least");
                if page.kinds.last().is_none_or(|k| k.kind != kind.kind) {
                    page.kinds.push(RegisterKind {
                        kind: kind.kind,
                        kind_label: kind.kind_label,
                        groups: Vec::new(),
                    });
                }
                let page_kind = page.kinds.last_mut().expect("pushed above");
                page_kind.groups.push(RegisterGroup {
                    name: group.name.clone(),
                    documents: part,
                    total,
                    continued,
                });
                continued = true;
            }
        }
    }
    pages
}

/// The search documents of a rendered page: one per section.
pub fn search_docs(
    book: &LoadedBook,
    index: usize,
    sections: &[Section],
) -> Vec<search_index::SectionDoc> {
    let page = &book.pages[index];
    let f = &page.front;
    // Ends the day before a replacement starts, not only at `valid_until`.
    let validity = book.lifecycle.validity(index);
    let fields = std::sync::Arc::new(search_index::PageFields {
        title: page.title.clone(),
        heading_path: page.ancestors.iter().map(|(t, _)| t.clone()).collect(),
        kind: f.kind.as_str().to_string(),
        strategy_group: f.strategy_group.clone(),
        services: f.services.clone(),
        status: book
            .lifecycle
            .shown_status(index)
            .map(|s| s.as_str().to_string()),
        doc_id: f.doc_id.clone(),
        valid_from_day: validity.0.map(epoch_day),
        valid_until_day: validity.1.map(epoch_day),
    });
    sections
        .iter()
        .map(|s| search_index::SectionDoc {
            page: fields.clone(),
            heading: s.heading.trim().to_string(),
            body: s.text.trim().to_string(),
            url: match &s.id {
                Some(id) => format!("{}#{id}", page.url),
                None => page.url.clone(),
            },
        })
        .collect()
}

/// Days since 1970-01-01 of a date (the search index's day numbers).
fn epoch_day(date: NaiveDate) -> i32 {
    use chrono::Datelike;
    search_index::validity::days_from_civil(date.year(), date.month(), date.day())
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

pub fn statement(book: &LoadedBook, counts: &crate::a11y::CheckCounts) -> Statement {
    let config = crate::a11y::AccessibilityConfig::from_config(&book.config).unwrap_or_default();
    let given = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let checks: Vec<StatementCheck> = counts
        .checks
        .iter()
        .map(|&(check, count)| StatementCheck {
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
        links: crate::plural::links_checked(counts.links),
        checks,
        problems: (total > 0).then(|| problems(total)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(title: &str) -> RegisterRow {
        RegisterRow {
            title: title.into(),
            url: format!("{title}.html"),
            doc_id: None,
            version: None,
            valid_from: None,
            valid_until: None,
            review_by: None,
            status: None,
            status_label: None,
            owner: None,
            review_overdue: false,
            derived: BTreeMap::new(),
        }
    }

    fn kind(kind: &'static str, groups: &[(&str, usize)]) -> RegisterKind {
        RegisterKind {
            kind,
            kind_label: kind,
            groups: groups
                .iter()
                .map(|&(name, n)| RegisterGroup {
                    name: name.into(),
                    documents: (0..n).map(|i| row(&format!("{name}{i}"))).collect(),
                    total: n,
                    continued: false,
                })
                .collect(),
        }
    }

    #[test]
    fn a_register_is_split_in_its_order_and_groups_go_on_over_page_breaks() {
        let kinds = vec![kind("a", &[("x", 3), ("y", 1)]), kind("b", &[("z", 4)])];
        let pages = register_pages(kinds, 3);
        // (page, kind, group, titles, total, continued)
        let mut seen = Vec::new();
        for p in &pages {
            for k in &p.kinds {
                for g in &k.groups {
                    let titles: Vec<&str> = g.documents.iter().map(|d| d.title.as_str()).collect();
                    seen.push((
                        p.number,
                        k.kind,
                        g.name.clone(),
                        titles.join(","),
                        g.total,
                        g.continued,
                    ));
                }
            }
        }
        let expected = [
            (1, "a", "x", "x0,x1,x2", 3, false),
            (2, "a", "y", "y0", 1, false),
            (2, "b", "z", "z0,z1", 4, false),
            (3, "b", "z", "z2,z3", 4, true),
        ];
        let expected: Vec<_> = expected
            .iter()
            .map(|&(n, k, g, t, total, c)| (n, k, g.to_string(), t.to_string(), total, c))
            .collect();
        assert_eq!(seen, expected);
        assert_eq!(register_pages(Vec::new(), 3).len(), 1);
    }
}
