//! Documents over time: the relations between documents (`replaces`, `annex_to`,
//! `related`) resolved over the whole book and checked, each document's status derived
//! from its front matter and today's date, its effective validity interval, and the
//! pages that refer to each page ("Hänvisas från").
//!
//! Computed once per build by [`crate::validate::validate`] (which reports its
//! diagnostics) and kept on the book ([`crate::book::LoadedBook::lifecycle`]) for the
//! renderer and the search index.

use crate::book::LoadedBook;
use crate::diagnostics::{Diagnostic, Severity};
use crate::frontmatter::{FrontMatter, Relation, Status};
use crate::links::{Resolver, Target};
use crate::markdown::LinkSource;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The status a document has on a given day, derived at build time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum DerivedStatus {
    /// Gällande: neither upcoming, expired nor replaced.
    #[default]
    InForce,
    /// Kommande: `valid_from` is in the future.
    Upcoming,
    /// Upphört: `valid_until` has passed (or `status = "repealed"`).
    Expired,
    /// Ersatt: a document that replaces it has come into force.
    Replaced,
    /// Planerad – ej publicerad (written).
    Planned,
    /// Utkast (written).
    Draft,
}

impl DerivedStatus {
    pub const ALL: [DerivedStatus; 6] = [
        DerivedStatus::InForce,
        DerivedStatus::Upcoming,
        DerivedStatus::Expired,
        DerivedStatus::Replaced,
        DerivedStatus::Planned,
        DerivedStatus::Draft,
    ];

    /// The stable name (CSS classes, the search index, JSON).
    pub fn as_str(self) -> &'static str {
        match self {
            DerivedStatus::InForce => "in-force",
            DerivedStatus::Upcoming => "upcoming",
            DerivedStatus::Expired => "expired",
            DerivedStatus::Replaced => "replaced",
            DerivedStatus::Planned => "planned",
            DerivedStatus::Draft => "draft",
        }
    }

    /// The Swedish label shown on the site.
    pub fn label(self) -> &'static str {
        match self {
            DerivedStatus::InForce => "Gällande",
            DerivedStatus::Upcoming => "Kommande",
            DerivedStatus::Expired => "Upphört",
            DerivedStatus::Replaced => "Ersatt",
            DerivedStatus::Planned => "Planerad – ej publicerad",
            DerivedStatus::Draft => "Utkast",
        }
    }

    /// Whether the document no longer applies (a banner points to what applies now).
    pub fn has_ended(self) -> bool {
        matches!(self, DerivedStatus::Expired | DerivedStatus::Replaced)
    }
}

/// What the lifecycle knows about one page. Page indices throughout.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageLife {
    pub status: DerivedStatus,
    /// Whether the page shows a status at all: it states one, has validity dates, or
    /// is in a replacement (a page without any of these makes no claim).
    pub has_status: bool,
    /// The first day it applies (`valid_from`).
    pub valid_from: Option<NaiveDate>,
    /// The last day it applies: `valid_until`, or the day before a replacement's
    /// `valid_from` when that is earlier.
    pub valid_until: Option<NaiveDate>,
    pub replaces: Vec<usize>,
    /// The documents that name this one in `replaces` (drafts left out).
    pub replaced_by: Vec<usize>,
    pub annex_to: Option<usize>,
    pub annexes: Vec<usize>,
    pub related: Vec<usize>,
    /// For an ended document: what applies now, the replacement chain followed to its
    /// end (each may itself have ended without a successor).
    pub current: Vec<usize>,
    /// Replacements decided but not yet in force.
    pub upcoming_replacements: Vec<usize>,
    /// Pages that link to this one or name it in a relation, itself left out, sorted
    /// by title.
    pub referenced_by: Vec<usize>,
}

/// The lifecycle of every page of a book on one day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lifecycle {
    pub today: Option<NaiveDate>,
    pages: Vec<PageLife>,
}

/// Which pages a change of the lifecycle affects (for the live preview).
#[derive(Debug, PartialEq, Eq)]
pub enum Affected {
    /// Statuses, dates or relations changed: every page's panel may show them.
    All,
    /// Only these pages' "Hänvisas från" lists changed.
    Pages(BTreeSet<usize>),
}

impl Lifecycle {
    /// Resolves the relations of every page of `book`, derives statuses on `today`,
    /// and collects the pages that refer to each page from `links` (for each page, the
    /// pages its validated links point at). Returns it with the problems found: broken
    /// or self-referencing relations, circular `replaces` or `annex_to` chains, and
    /// `valid_until` before `valid_from`.
    pub fn new(
        book: &LoadedBook,
        resolver: &Resolver<'_>,
        links: &[Vec<usize>],
        today: NaiveDate,
    ) -> (Lifecycle, Vec<Diagnostic>) {
        let n = book.pages.len();
        let mut diags = Vec::new();
        let mut pages: Vec<PageLife> = vec![PageLife::default(); n];
        // Resolve what each page names; `named[i]` holds every page i names.
        let mut named: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, page) in book.pages.iter().enumerate() {
            let front = &page.front;
            let mut resolve = |key: &'static str, rel: &Relation| -> Option<usize> {
                match resolve_relation(book, resolver, i, key, rel) {
                    Ok(to) => {
                        named[i].push(to);
                        Some(to)
                    }
                    Err(d) => {
                        diags.push(*d);
                        None
                    }
                }
            };
            let replaces: Vec<usize> = front
                .replaces
                .iter()
                .filter_map(|r| resolve("replaces", r))
                .collect();
            let annex_to = front.annex_to.as_ref().and_then(|r| resolve("annex_to", r));
            let related: Vec<usize> = front
                .related
                .iter()
                .filter_map(|r| resolve("related", r))
                .collect();
            let life = &mut pages[i];
            life.replaces = dedup(replaces);
            life.annex_to = annex_to;
            life.related = dedup(related);
            life.valid_from = front.valid_from;
            life.valid_until = front.valid_until;
            life.has_status = front.status.is_some()
                || front.valid_from.is_some()
                || front.valid_until.is_some()
                || !life.replaces.is_empty();
            if let (Some(from), Some(until)) = (front.valid_from, front.valid_until)
                && until < from
            {
                diags.push(
                    Diagnostic::at(
                        &page.file,
                        &page.source(),
                        front.span_of("valid_until").unwrap_or(0..0),
                        Severity::Error,
                        "valid-until-before-valid-from",
                        format!(
                            "`valid_until` ({until}) ligger före `valid_from` ({from}): dokumentet skulle aldrig gälla"
                        ),
                    )
                    .with_suggestion(Some(
                        "`valid_until` är den sista dagen dokumentet gäller; rätta något av datumen"
                            .into(),
                    )),
                );
            }
        }
        diags.extend(replaces_cycles(book, &pages));
        diags.extend(annex_cycles(book, &pages));

        for i in 0..n {
            for r in pages[i].replaces.clone() {
                if book.pages[i].front.status != Some(Status::Draft) {
                    pages[r].replaced_by.push(i);
                }
            }
            if let Some(a) = pages[i].annex_to {
                pages[a].annexes.push(i);
            }
        }
        // A replacement ends the replaced document the day before it starts.
        for life in &mut pages {
            let ends = life
                .replaced_by
                .iter()
                .filter_map(|&r| book.pages[r].front.valid_from?.pred_opt())
                .min();
            if let Some(end) = ends {
                life.valid_until = Some(life.valid_until.map_or(end, |u| u.min(end)));
            }
        }
        let statuses: Vec<DerivedStatus> = (0..n)
            .map(|i| derive_status(&book.pages[i].front, &pages[i], book, today))
            .collect();
        for (life, &status) in pages.iter_mut().zip(&statuses) {
            life.status = status;
            life.has_status |= !life.replaced_by.is_empty();
            life.upcoming_replacements = life
                .replaced_by
                .iter()
                .copied()
                .filter(|&r| !has_come(&book.pages[r].front, today))
                .collect();
        }
        for i in 0..n {
            if statuses[i].has_ended() {
                pages[i].current = current_of(i, &pages, &statuses, book, today);
            }
        }

        let mut referrers: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
        for (i, names) in named.iter().enumerate() {
            let linked = links.get(i).map_or(&[][..], Vec::as_slice);
            for &t in linked.iter().chain(names) {
                if t != i && t < n {
                    referrers[t].insert(i);
                }
            }
        }
        let keys: Vec<(Vec<u32>, &str)> = book.pages.iter().map(title_order).collect();
        let by_title = |a: &usize, b: &usize| keys[*a].cmp(&keys[*b]);
        for (life, set) in pages.iter_mut().zip(referrers) {
            life.referenced_by = set.into_iter().collect();
            life.referenced_by.sort_by(by_title);
            life.replaced_by.sort_by(by_title);
            life.annexes.sort_by(by_title);
        }
        crate::diagnostics::sort(&mut diags);
        (
            Lifecycle {
                today: Some(today),
                pages,
            },
            diags,
        )
    }

    /// After a save that changed links in the Markdown and nothing else (no front matter,
    /// so no relation or status), the "Hänvisas från" list of each of `targets`: the pages
    /// that link to it (`linkers`, for every page) and those that name it in a relation.
    /// Returns the targets whose list changed. The same lists as [`Lifecycle::new`] with
    /// the new links (tested), without its pass over the whole book.
    pub fn relink(
        &mut self,
        pages: &[crate::book::Page],
        targets: &BTreeSet<usize>,
        linkers: &[BTreeSet<usize>],
    ) -> BTreeSet<usize> {
        // The pages naming each target in a relation, in one pass over the book.
        let mut referrers: BTreeMap<usize, BTreeSet<usize>> = targets
            .iter()
            .filter(|&&t| t < self.pages.len())
            .map(|&t| (t, linkers.get(t).cloned().unwrap_or_default()))
            .collect();
        for (i, life) in self.pages.iter().enumerate() {
            let named = life
                .replaces
                .iter()
                .chain(&life.annex_to)
                .chain(&life.related);
            for t in named {
                if let Some(from) = referrers.get_mut(t) {
                    from.insert(i);
                }
            }
        }
        let mut changed = BTreeSet::new();
        for (t, mut from) in referrers {
            from.remove(&t);
            let mut list: Vec<usize> = from.into_iter().collect();
            list.sort_by_cached_key(|&i| title_order(&pages[i]));
            if list != self.pages[t].referenced_by {
                self.pages[t].referenced_by = list;
                changed.insert(t);
            }
        }
        changed
    }

    /// The lifecycle of page `page` (a default for a page it does not know).
    pub fn page(&self, page: usize) -> &PageLife {
        static NONE: std::sync::OnceLock<PageLife> = std::sync::OnceLock::new();
        self.pages
            .get(page)
            .unwrap_or_else(|| NONE.get_or_init(PageLife::default))
    }

    /// The derived status of page `page` on the build's day.
    pub fn status(&self, page: usize) -> DerivedStatus {
        self.page(page).status
    }

    /// The status the site shows for `page`: `None` for a plain page without one.
    pub fn shown_status(&self, page: usize) -> Option<DerivedStatus> {
        let life = self.page(page);
        life.has_status.then_some(life.status)
    }

    /// The effective validity interval of `page`, both ends inclusive: from its
    /// `valid_from`, until the earlier of its `valid_until` and the day before the
    /// `valid_from` of a document that replaces it. `None` is an open end.
    pub fn validity(&self, page: usize) -> (Option<NaiveDate>, Option<NaiveDate>) {
        let life = self.page(page);
        (life.valid_from, life.valid_until)
    }

    /// Whether `page` applied on `date` by its validity interval.
    pub fn valid_on(&self, page: usize, date: NaiveDate) -> bool {
        let (from, until) = self.validity(page);
        from.is_none_or(|f| f <= date) && until.is_none_or(|u| date <= u)
    }

    /// Whether this lifecycle was computed for a book of `pages` pages.
    pub fn covers(&self, pages: usize) -> bool {
        self.pages.len() == pages
    }

    /// The pages whose rendering differs between `old` and `self`.
    pub fn affected_since(&self, old: &Lifecycle) -> Affected {
        if self.pages.len() != old.pages.len() || self.today != old.today {
            return Affected::All;
        }
        let mut pages = BTreeSet::new();
        for (i, (new, old)) in self.pages.iter().zip(&old.pages).enumerate() {
            let same_apart_from_referrers = PageLife {
                referenced_by: Vec::new(),
                ..new.clone()
            } == PageLife {
                referenced_by: Vec::new(),
                ..old.clone()
            };
            if !same_apart_from_referrers {
                return Affected::All;
            }
            if new.referenced_by != old.referenced_by {
                pages.insert(i);
            }
        }
        Affected::Pages(pages)
    }
}

fn dedup(mut list: Vec<usize>) -> Vec<usize> {
    let mut seen = BTreeSet::new();
    list.retain(|x| seen.insert(*x));
    list
}

/// Where a page goes in a list of pages: by title (Swedish order, case-insensitive), then
/// URL.
fn title_order(page: &crate::book::Page) -> (Vec<u32>, &str) {
    (swedish_key(&page.title), page.url.as_str())
}

/// A sort key for Swedish titles: case-insensitive, å, ä and ö after z (in that
/// order), é and è as e.
fn swedish_key(title: &str) -> Vec<u32> {
    title
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'å' => 'z' as u32 * 4 + 1,
            'ä' | 'æ' => 'z' as u32 * 4 + 2,
            'ö' | 'ø' => 'z' as u32 * 4 + 3,
            'é' | 'è' => 'e' as u32 * 4,
            c if (c as u32) <= 'z' as u32 => c as u32 * 4,
            c => c as u32 + 'z' as u32 * 4 + 4,
        })
        .collect()
}

/// How a document names another in diagnostics: `doc:ID`, or its path.
pub fn name_of(book: &LoadedBook, page: usize) -> String {
    let p = &book.pages[page];
    match &p.front.doc_id {
        Some(id) => format!("doc:{id}"),
        None => p.path.clone(),
    }
}

/// Resolves one relation written in page `from` with the link resolver (`doc:ID` or
/// a page path, with its did-you-mean suggestions).
fn resolve_relation(
    book: &LoadedBook,
    resolver: &Resolver<'_>,
    from: usize,
    key: &'static str,
    rel: &Relation,
) -> Result<usize, Box<Diagnostic>> {
    let page = &book.pages[from];
    let error = |code: &'static str, message: String, suggestion: Option<String>| {
        Box::new(
            Diagnostic::at(
                &page.file,
                &page.source(),
                rel.span.clone(),
                Severity::Error,
                code,
                message,
            )
            .with_suggestion(suggestion),
        )
    };
    match resolver.resolve(from, &rel.target, LinkSource::Inline) {
        Ok(Target::Page { page: to, fragment }) => {
            if fragment.is_some() {
                return Err(error(
                    "relation-with-anchor",
                    format!(
                        "`{key}` pekar på ett helt dokument, inte på en rubrik: `{}`",
                        rel.target
                    ),
                    Some(format!(
                        "ta bort `#…`: skriv `{}`",
                        rel.target.split('#').next().unwrap_or("")
                    )),
                ));
            }
            if to == from {
                let what = match key {
                    "replaces" => "ett dokument kan inte ersätta sig självt",
                    "annex_to" => "ett dokument kan inte vara bilaga till sig självt",
                    _ => "ett dokument kan inte vara relaterat till sig självt",
                };
                return Err(error(
                    "relation-to-self",
                    format!("`{key}` pekar på sidan själv (`{}`): {what}", rel.target),
                    Some("ange ett annat dokuments doc_id, eller ta bort det här värdet".into()),
                ));
            }
            Ok(to)
        }
        Ok(_) => Err(error(
            "relation-not-a-document",
            format!(
                "`{key}` ska peka på ett dokument i boken, men `{}` är ingen sida i boken",
                rel.target
            ),
            Some("skriv `doc:ID` med dokumentets doc_id, eller sidans sökväg".into()),
        )),
        Err(problem) => Err(error(
            "broken-relation",
            format!("`{key}`: {}", problem.message),
            problem.suggestion,
        )),
    }
}

/// Whether a replacement has come into force on `today`: it is not a draft and its
/// `valid_from` (if any) has come.
fn has_come(front: &FrontMatter, today: NaiveDate) -> bool {
    front.status != Some(Status::Draft) && front.valid_from.is_none_or(|f| f <= today)
}

fn derive_status(
    front: &FrontMatter,
    life: &PageLife,
    book: &LoadedBook,
    today: NaiveDate,
) -> DerivedStatus {
    match front.status {
        Some(Status::Draft) => return DerivedStatus::Draft,
        Some(Status::Planned) => return DerivedStatus::Planned,
        Some(Status::Repealed) => return DerivedStatus::Expired,
        Some(Status::InForce) | None => {}
    }
    if life
        .replaced_by
        .iter()
        .any(|&r| has_come(&book.pages[r].front, today))
    {
        return DerivedStatus::Replaced;
    }
    if front.valid_from.is_some_and(|f| f > today) {
        return DerivedStatus::Upcoming;
    }
    if life.valid_until.is_some_and(|u| u < today) {
        return DerivedStatus::Expired;
    }
    DerivedStatus::InForce
}

/// What applies now in place of the ended document `page`: its replacements in force,
/// each followed to the end of its own chain.
fn current_of(
    page: usize,
    pages: &[PageLife],
    statuses: &[DerivedStatus],
    book: &LoadedBook,
    today: NaiveDate,
) -> Vec<usize> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::from([page]);
    let mut stack: Vec<usize> = vec![page];
    while let Some(p) = stack.pop() {
        let next: Vec<usize> = pages[p]
            .replaced_by
            .iter()
            .copied()
            .filter(|&r| has_come(&book.pages[r].front, today))
            .collect();
        if next.is_empty() {
            if p != page {
                out.push(p);
            }
            continue;
        }
        for r in next.into_iter().rev() {
            if seen.insert(r) {
                if statuses[r] == DerivedStatus::Replaced {
                    stack.push(r);
                } else {
                    out.push(r);
                }
            }
        }
    }
    dedup(out)
}

/// A relation whose chains must not close on themselves, and how its cycle is told.
struct CycleRule {
    key: &'static str,
    code: &'static str,
    /// Why a cycle is impossible, after the chain in the message.
    why: &'static str,
    suggestion: &'static str,
}

/// Circular `replaces` chains: an error at each page of a cycle, naming the cycle.
fn replaces_cycles(book: &LoadedBook, pages: &[PageLife]) -> Vec<Diagnostic> {
    let edges: Vec<Vec<usize>> = pages.iter().map(|p| p.replaces.clone()).collect();
    let rule = CycleRule {
        key: "replaces",
        code: "replaces-cycle",
        why: "ett dokument kan inte, via andra, ersätta sig självt",
        suggestion: "ta bort `replaces` i det dokument som är äldst i kedjan",
    };
    cycle_errors(book, &edges, &rule)
}

/// Circular `annex_to` chains (an annex of an annex of itself).
fn annex_cycles(book: &LoadedBook, pages: &[PageLife]) -> Vec<Diagnostic> {
    let edges: Vec<Vec<usize>> = pages
        .iter()
        .map(|p| p.annex_to.into_iter().collect())
        .collect();
    let rule = CycleRule {
        key: "annex_to",
        code: "annex-cycle",
        why: "en bilaga kan inte, via andra, vara bilaga till sig själv",
        suggestion: "ta bort `annex_to` i huvuddokumentet; bara bilagor har `annex_to`",
    };
    cycle_errors(book, &edges, &rule)
}

/// An error at each page of each cycle of `edges`, naming the whole cycle.
fn cycle_errors(book: &LoadedBook, edges: &[Vec<usize>], rule: &CycleRule) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for cycle in cycles(edges) {
        let names: Vec<String> = cycle
            .iter()
            .chain(cycle.first())
            .map(|&p| name_of(book, p))
            .collect();
        for (k, &p) in cycle.iter().enumerate() {
            let next = cycle[(k + 1) % cycle.len()];
            diags.push(cycle_error(
                book,
                p,
                rule.key,
                next,
                rule.code,
                format!(
                    "`{}` bildar en cirkel: {} ({})",
                    rule.key,
                    names.join(" → "),
                    rule.why
                ),
                rule.suggestion.into(),
            ));
        }
    }
    diags
}

fn cycle_error(
    book: &LoadedBook,
    page: usize,
    key: &'static str,
    next: usize,
    code: &'static str,
    message: String,
    suggestion: String,
) -> Diagnostic {
    let p = &book.pages[page];
    // The relation that points at the next page of the cycle, else the key's line.
    let span = p
        .front
        .relations()
        .filter(|(k, _)| *k == key)
        .map(|(_, r)| r)
        .find(|r| {
            let target = r.target.trim();
            crate::markdown::doc_link(target)
                .is_some_and(|id| Some(id) == book.pages[next].front.doc_id.as_deref())
                || crate::links::join(&p.path, target).as_deref()
                    == Some(book.pages[next].path.as_str())
        })
        .map(|r| r.span.clone())
        .or_else(|| p.front.span_of(key))
        .unwrap_or(0..0);
    Diagnostic::at(&p.file, &p.source(), span, Severity::Error, code, message)
        .with_suggestion(Some(suggestion))
}

/// The cycles of a directed graph: each strongly connected component with more than
/// one node, as one cycle through it (in edge order), smallest index first.
fn cycles(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = edges.len();
    // Tarjan's algorithm, iterative (chains may be long).
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut counter = 0;
    let mut components = Vec::new();
    for root in 0..n {
        if index[root] != usize::MAX || edges[root].is_empty() {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(&mut (v, ref mut next)) = work.last_mut() {
            if *next == 0 && index[v] == usize::MAX {
                index[v] = counter;
                low[v] = counter;
                counter += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = edges[v].get(*next) {
                *next += 1;
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    components.push(component);
                }
            }
        }
    }
    components
        .into_iter()
        .map(|component| {
            let members: BTreeSet<usize> = component.iter().copied().collect();
            let start = *members.iter().next().unwrap_or(&0);
            // Walk edges inside the component until the walk closes.
            let mut path = vec![start];
            let mut at = start;
            while let Some(&next) = edges[at].iter().find(|w| members.contains(w)) {
                if let Some(pos) = path.iter().position(|&p| p == next) {
                    path.drain(..pos);
                    break;
                }
                path.push(next);
                at = next;
            }
            path
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mdbook_driver::book::{Book, BookItem, Chapter};

    /// A book of chapters `(file name, front matter lines)` in a folder that does not
    /// exist (the resolver finds no other files).
    fn book(pages: &[(&str, &str)]) -> LoadedBook {
        let items = pages
            .iter()
            .map(|(name, front)| {
                let text = format!("+++\n{front}\n+++\n# {name}\n");
                BookItem::Chapter(Chapter::new(name, text, *name, Vec::new()))
            })
            .collect();
        let root = std::path::Path::new("/nonexistent-samsyn-test-book");
        crate::book::from_book(root, Default::default(), Book::new_with_items(items))
    }

    fn lifecycle(book: &LoadedBook, today: &str) -> (Lifecycle, Vec<Diagnostic>) {
        let today = NaiveDate::parse_from_str(today, "%Y-%m-%d").unwrap();
        let links = vec![Vec::new(); book.pages.len()];
        Lifecycle::new(book, &Resolver::new(book), &links, today)
    }

    fn date(s: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
    }

    #[test]
    fn status_and_validity_are_derived_from_dates_and_replacements() {
        let b = book(&[
            (
                "a.md",
                "doc_id = \"a\"\nvalid_from = 2020-01-01\nvalid_until = 2030-12-31",
            ),
            (
                "b.md",
                "doc_id = \"b\"\nvalid_from = 2025-01-01\nreplaces = [\"doc:a\"]",
            ),
            (
                "c.md",
                "doc_id = \"c\"\nvalid_from = 2027-01-01\nreplaces = [\"doc:b\"]",
            ),
            (
                "d.md",
                "doc_id = \"d\"\nstatus = \"draft\"\nreplaces = [\"doc:c\"]",
            ),
            ("e.md", "doc_id = \"e\"\nstatus = \"repealed\""),
            (
                "f.md",
                "doc_id = \"f\"\nstatus = \"planned\"\nvalid_until = 2020-01-01",
            ),
            ("g.md", "kind = \"fakta\""),
        ]);
        use DerivedStatus::*;
        let statuses = |today| {
            let (l, diags) = lifecycle(&b, today);
            assert!(diags.is_empty(), "{diags:?}");
            (0..7).map(|i| l.status(i)).collect::<Vec<_>>()
        };
        assert_eq!(
            statuses("2024-06-01"),
            [
                InForce, Upcoming, Upcoming, Draft, Expired, Planned, InForce
            ]
        );
        assert_eq!(
            statuses("2025-01-01"),
            [
                Replaced, InForce, Upcoming, Draft, Expired, Planned, InForce
            ]
        );
        assert_eq!(
            statuses("2027-01-01"),
            [
                Replaced, Replaced, InForce, Draft, Expired, Planned, InForce
            ]
        );
        let (l, _) = lifecycle(&b, "2027-01-01");
        // The replacement ends it the day before it starts; a draft replaces nothing.
        assert_eq!(l.validity(0), (date("2020-01-01"), date("2024-12-31")));
        assert_eq!(l.validity(1), (date("2025-01-01"), date("2026-12-31")));
        assert_eq!(l.validity(2), (date("2027-01-01"), None));
        assert!(l.page(2).replaced_by.is_empty());
        assert!(l.valid_on(1, date("2026-12-31").unwrap()));
        assert!(!l.valid_on(1, date("2027-01-01").unwrap()));
        // What applies now: the chain followed to its end.
        assert_eq!(l.page(0).current, [2]);
        assert_eq!(l.page(1).current, [2]);
        // A page that states nothing about its status shows none.
        assert_eq!(l.shown_status(6), None);
        assert_eq!(l.shown_status(4), Some(Expired));
        let (l, _) = lifecycle(&b, "2024-06-01");
        assert_eq!(l.page(0).upcoming_replacements, [1]);
    }

    #[test]
    fn broken_and_self_relations_and_reversed_dates_are_located() {
        let b = book(&[
            (
                "a.md",
                "doc_id = \"104623\"\nreplaces = [\"doc:104632\", \"doc:104623\"]",
            ),
            (
                "b.md",
                "annex_to = \"c.md\"\nvalid_from = 2024-02-01\nvalid_until = 2024-01-31",
            ),
        ]);
        let (_, diags) = lifecycle(&b, "2024-06-01");
        let found: Vec<(&str, usize, usize, &str)> = diags
            .iter()
            .map(|d| (d.file.rsplit('/').next().unwrap(), d.line, d.column, d.code))
            .collect();
        assert_eq!(
            found,
            [
                ("a.md", 3, 14, "broken-relation"),
                ("a.md", 3, 28, "relation-to-self"),
                ("b.md", 2, 13, "broken-relation"),
                ("b.md", 4, 1, "valid-until-before-valid-from"),
            ]
        );
        assert_eq!(
            diags[0].suggestion.as_deref(),
            Some("menade du `doc:104623`?")
        );
    }

    #[test]
    fn referrers_come_from_links_and_relations_sorted_by_title() {
        let b = book(&[
            ("c.md", "doc_id = \"c\""),
            ("b.md", "related = [\"doc:c\"]"),
            ("a.md", "annex_to = \"doc:c\""),
        ]);
        let today = date("2024-06-01").unwrap();
        // b links to c and to itself; c links to a.
        let links = vec![vec![2], vec![0, 1], vec![]];
        let (l, diags) = Lifecycle::new(&b, &Resolver::new(&b), &links, today);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(l.page(0).referenced_by, [2, 1], "a.md before b.md");
        assert_eq!(l.page(1).referenced_by, Vec::<usize>::new());
        assert_eq!(l.page(2).referenced_by, [0]);
        assert_eq!(l.page(0).annexes, [2]);
        // Only the referrers changed: only that page re-renders.
        let (fewer, _) = Lifecycle::new(&b, &Resolver::new(&b), &vec![vec![]; 3], today);
        assert_eq!(fewer.affected_since(&l), Affected::Pages([2].into()));
        assert_eq!(Lifecycle::default().affected_since(&l), Affected::All);
    }

    #[test]
    fn relinking_after_a_markdown_save_gives_the_lists_of_a_fresh_lifecycle() {
        let b = book(&[
            ("c.md", "doc_id = \"c\""),
            ("b.md", "related = [\"doc:c\"]"),
            ("a.md", "annex_to = \"doc:c\""),
            ("d.md", "replaces = [\"doc:c\"]"),
        ]);
        let today = date("2024-06-01").unwrap();
        let resolver = Resolver::new(&b);
        let linkers_of = |links: &[Vec<usize>]| {
            let mut linkers = vec![BTreeSet::new(); links.len()];
            for (from, to) in links.iter().enumerate() {
                for &t in to {
                    linkers[t].insert(from);
                }
            }
            linkers
        };
        let before = vec![vec![2], vec![0, 3], vec![], vec![]];
        let (mut l, _) = Lifecycle::new(&b, &resolver, &before, today);
        // b stops linking to d and links to a (which names c) and to itself: c's list keeps
        // the pages that name it; d's loses b; a's gains it.
        let after = vec![vec![2], vec![0, 2, 1], vec![], vec![]];
        let changed = l.relink(&b.pages, &[0, 1, 2, 3].into(), &linkers_of(&after));
        let (fresh, _) = Lifecycle::new(&b, &resolver, &after, today);
        assert_eq!(l, fresh);
        assert_eq!(changed, BTreeSet::from([2, 3]));
        assert_eq!(l.page(0).referenced_by, [2, 1, 3], "by title: a, b, d");
        assert!(
            l.relink(&b.pages, &[0, 3].into(), &linkers_of(&after))
                .is_empty()
        );
    }

    #[test]
    fn cycles_are_found_and_named_in_edge_order() {
        // 0 → 1 → 2 → 0, 3 → 0 (not in the cycle), 4 → 5 → 4.
        let edges = vec![vec![1], vec![2], vec![0], vec![0], vec![5], vec![4]];
        let mut found = cycles(&edges);
        found.sort();
        assert_eq!(found, vec![vec![0, 1, 2], vec![4, 5]]);
        assert!(cycles(&[vec![1], vec![2], vec![]]).is_empty());
    }

    #[test]
    fn titles_sort_in_swedish_order() {
        let mut titles = vec!["Öst", "Ärende", "Åtgärd", "zon", "Avtal", "épée", "Bilaga"];
        titles.sort_by_key(|t| swedish_key(t));
        assert_eq!(
            titles,
            ["Avtal", "Bilaga", "épée", "zon", "Åtgärd", "Ärende", "Öst"]
        );
    }

    #[test]
    fn status_names_and_labels_are_stable() {
        let names: Vec<&str> = DerivedStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            [
                "in-force", "upcoming", "expired", "replaced", "planned", "draft"
            ]
        );
        let labels: Vec<&str> = DerivedStatus::ALL.iter().map(|s| s.label()).collect();
        assert_eq!(
            labels,
            [
                "Gällande",
                "Kommande",
                "Upphört",
                "Ersatt",
                "Planerad – ej publicerad",
                "Utkast"
            ]
        );
    }
}
