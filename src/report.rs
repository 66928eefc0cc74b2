//! The upkeep report for content owners (`samsyn report`): per owner (front matter
//! `owner`), the documents whose review is overdue or due soon, the planned documents
//! without text, and (when checked) the external links that fail.
//!
//! Three renderings of one [`Report`]: human (Swedish, for a terminal), JSON (stable,
//! documented in the README) and CSV (one finding per row).

use crate::book::{LoadedBook, Page};
use crate::diagnostics::Location;
use crate::external::{CheckRun, ExternalLink};
use crate::frontmatter::Status;
use crate::lifecycle::DerivedStatus;
use crate::markdown;
use crate::plural;
use chrono::NaiveDate;
use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use serde::Serialize;
use std::collections::BTreeMap;

/// The group of documents whose front matter names no owner.
pub const NO_OWNER: &str = "Ingen innehållsansvarig angiven";

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    ReviewOverdue,
    ReviewDue,
    PlannedWithoutText,
    ExternalLink,
}

impl Kind {
    const ALL: [Kind; 4] = [
        Kind::ReviewOverdue,
        Kind::ReviewDue,
        Kind::PlannedWithoutText,
        Kind::ExternalLink,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ReviewOverdue => "review-overdue",
            Kind::ReviewDue => "review-due",
            Kind::PlannedWithoutText => "planned-without-text",
            Kind::ExternalLink => "external-link",
        }
    }

    /// The heading of the findings of this kind in the human report.
    fn heading(self, due_within: u32) -> String {
        match self {
            Kind::ReviewOverdue => "Revision försenad".into(),
            Kind::ReviewDue => format!(
                "Revision inom {}",
                plural::count(due_within as usize, "dag", "dagar")
            ),
            Kind::PlannedWithoutText => "Planerade dokument utan text".into(),
            Kind::ExternalLink => "Externa länkar som inte fungerar".into(),
        }
    }

    /// "N försenade revisioner" and so on, for the summary line.
    fn count(self, n: usize, due_within: u32) -> String {
        match self {
            Kind::ReviewOverdue => plural::count(n, "försenad revision", "försenade revisioner"),
            Kind::ReviewDue => format!(
                "{} inom {}",
                plural::count(n, "revision", "revisioner"),
                plural::count(due_within as usize, "dag", "dagar")
            ),
            Kind::PlannedWithoutText => plural::count(
                n,
                "planerat dokument utan text",
                "planerade dokument utan text",
            ),
            Kind::ExternalLink => plural::count(
                n,
                "extern länk som inte fungerar",
                "externa länkar som inte fungerar",
            ),
        }
    }
}

/// One thing a content owner should act on. Every kind has the same fields (unused
/// ones `null`), so JSON and CSV consumers see one shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub kind: Kind,
    /// The page's file, relative to where samsyn runs (as diagnostics name it).
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The page's title (from SUMMARY.md).
    pub title: String,
    pub doc_id: Option<String>,
    /// `review_by` (ÅÅÅÅ-MM-DD) of review findings.
    pub review_by: Option<String>,
    /// Days from today to `review_by`: negative when overdue.
    pub days: Option<i64>,
    /// The link as written, for external links.
    pub url: Option<String>,
    /// The diagnostic code of an external link (`external-link-broken`, …).
    pub code: Option<&'static str>,
    /// The final HTTP status, where there was one.
    pub status: Option<u16>,
    /// Where redirects led, where there were any.
    pub location: Option<String>,
    /// What is wrong, in Swedish.
    pub detail: String,
    /// What to do about it, in Swedish.
    pub suggestion: Option<String>,
}

/// The findings of one owner.
#[derive(Debug, Clone, Serialize)]
pub struct OwnerGroup {
    /// The owner as written in front matter; `null` for the documents without one.
    pub owner: Option<String>,
    /// The heading shown: the owner, or [`NO_OWNER`].
    pub name: String,
    pub findings: Vec<Finding>,
}

/// Counts by kind.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub review_overdue: usize,
    pub review_due: usize,
    pub planned_without_text: usize,
    pub external_link: usize,
}

impl Counts {
    fn of(&self, kind: Kind) -> usize {
        match kind {
            Kind::ReviewOverdue => self.review_overdue,
            Kind::ReviewDue => self.review_due,
            Kind::PlannedWithoutText => self.planned_without_text,
            Kind::ExternalLink => self.external_link,
        }
    }

    fn add(&mut self, kind: Kind) {
        match kind {
            Kind::ReviewOverdue => self.review_overdue += 1,
            Kind::ReviewDue => self.review_due += 1,
            Kind::PlannedWithoutText => self.planned_without_text += 1,
            Kind::ExternalLink => self.external_link += 1,
        }
    }

    pub fn total(&self) -> usize {
        Kind::ALL.iter().map(|k| self.of(*k)).sum()
    }
}

/// Figures of the external link check.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ExternalSummary {
    /// External links written in the pages.
    pub links: usize,
    /// Distinct URLs among them.
    pub urls: usize,
    /// URLs asked over the network in this run.
    pub asked: usize,
    /// URLs answered from the cache.
    pub cached: usize,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The date the report is made for (ÅÅÅÅ-MM-DD).
    pub today: String,
    pub due_within_days: u32,
    /// `null` unless external links were checked.
    pub external: Option<ExternalSummary>,
    pub counts: Counts,
    /// Owners in alphabetical order; the documents without an owner last.
    pub owners: Vec<OwnerGroup>,
}

/// Makes the report of `book` for `today`; `external` holds the links and the
/// results of their check when `--external` was given.
pub fn build(
    book: &LoadedBook,
    today: NaiveDate,
    due_within: u32,
    external: Option<(&[ExternalLink], &CheckRun)>,
) -> Report {
    let mut findings: Vec<(usize, Finding)> = Vec::new();
    for (index, page) in book.pages.iter().enumerate() {
        let status = book.lifecycle.status(index);
        findings.extend(review(page, status, today, due_within).map(|f| (index, f)));
        findings.extend(planned_without_text(page).map(|f| (index, f)));
    }
    if let Some((links, run)) = external {
        for (link, outcome) in run.findings(links) {
            let page = &book.pages[link.page];
            findings.push((
                link.page,
                Finding {
                    url: Some(link.url.clone()),
                    code: outcome.code(),
                    status: outcome.status(),
                    location: outcome.location().map(str::to_string),
                    suggestion: outcome.suggestion(),
                    ..finding(
                        page,
                        Kind::ExternalLink,
                        link.line,
                        link.column,
                        outcome.describe(),
                    )
                },
            ));
        }
    }
    let mut groups: BTreeMap<(bool, String), Vec<Finding>> = BTreeMap::new();
    let mut counts = Counts::default();
    for (index, f) in findings {
        counts.add(f.kind);
        let owner = book.pages[index].front.owner.clone();
        groups
            .entry((owner.is_none(), owner.unwrap_or_default()))
            .or_default()
            .push(f);
    }
    let owners = groups
        .into_iter()
        .map(|((no_owner, owner), mut findings)| {
            findings.sort_by(|a, b| {
                (a.kind, a.days, &a.file, a.line, a.column)
                    .cmp(&(b.kind, b.days, &b.file, b.line, b.column))
            });
            OwnerGroup {
                name: if no_owner {
                    NO_OWNER.into()
                } else {
                    owner.clone()
                },
                owner: (!no_owner).then_some(owner),
                findings,
            }
        })
        .collect();
    Report {
        today: today.to_string(),
        due_within_days: due_within,
        external: external.map(|(links, run)| ExternalSummary {
            links: links.len(),
            urls: run.outcomes.len(),
            asked: run.asked,
            cached: run.cached,
        }),
        counts,
        owners,
    }
}

/// A finding about `page` at `line:column` with the common fields filled in.
fn finding(page: &Page, kind: Kind, line: usize, column: usize, detail: String) -> Finding {
    Finding {
        kind,
        file: page.file.clone(),
        line,
        column,
        title: page.title.clone(),
        doc_id: page.front.doc_id.clone(),
        review_by: None,
        days: None,
        url: None,
        code: None,
        status: None,
        location: None,
        detail,
        suggestion: None,
    }
}

/// Line and column of a front-matter key's line (the file's first line without it).
fn key_location(page: &Page, key: &str) -> (usize, usize) {
    let at = page.front.span_of(key).map_or(0, |s| s.start);
    let loc = Location::of(&page.front_block, at);
    (loc.line, loc.column)
}

/// A review overdue or due within `due_within` days (only documents in force or upcoming
/// need one: `validate::review_applies`). A derived date says so.
fn review(
    page: &Page,
    status: DerivedStatus,
    today: NaiveDate,
    due_within: u32,
) -> Option<Finding> {
    let date = page.front.review_by?;
    if !crate::validate::review_applies(status) {
        return None;
    }
    let days = (date - today).num_days();
    let (kind, detail, suggestion) = if days < 0 {
        (
            Kind::ReviewOverdue,
            format!(
                "skulle ha reviderats senast {date}, för {} sedan",
                plural::count(days.unsigned_abs() as usize, "dag", "dagar")
            ),
            "revidera dokumentet och sätt ett nytt `review_by`",
        )
    } else if days <= i64::from(due_within) {
        (
            Kind::ReviewDue,
            match days {
                0 => format!("ska revideras senast {date}, i dag"),
                _ => format!(
                    "ska revideras senast {date}, om {}",
                    plural::count(days as usize, "dag", "dagar")
                ),
            },
            "planera revisionen och sätt ett nytt `review_by` när den är gjord",
        )
    } else {
        return None;
    };
    let detail = match page.front.derived("review_by") {
        Some(why) => format!("{detail} (datumet är härlett: {why})"),
        None => detail,
    };
    let (line, column) = key_location(page, "review_by");
    Some(Finding {
        review_by: Some(date.to_string()),
        days: Some(days),
        suggestion: Some(suggestion.into()),
        ..finding(page, kind, line, column, detail)
    })
}

/// A page marked planned, or whose body is empty apart from headings.
fn planned_without_text(page: &Page) -> Option<Finding> {
    let planned = page.front.status == Some(Status::Planned);
    if !planned && has_text(&page.markdown) {
        return None;
    }
    let (detail, (line, column), suggestion) = if planned {
        (
            "planerat (status = \"planned\"); texten är inte publicerad".to_string(),
            key_location(page, "status"),
            "lägg in dokumentets text och ändra `status` när det är beslutat",
        )
    } else {
        let at = page.headings.first().map_or(0, |h| h.span.start);
        let loc = Location::of(&page.markdown, at);
        (
            "sidan har ingen text, bara rubriker".to_string(),
            (loc.line, loc.column),
            "skriv sidans text, eller markera den som planerad med `status = \"planned\"`",
        )
    };
    Some(Finding {
        suggestion: Some(suggestion.into()),
        ..finding(page, Kind::PlannedWithoutText, line, column, detail)
    })
}

/// Whether a Markdown body has anything but headings (and HTML comments).
fn has_text(body: &str) -> bool {
    let mut heading_depth = 0usize;
    for event in Parser::new_ext(body, markdown::options()) {
        match event {
            Event::Start(Tag::Heading { .. }) => heading_depth += 1,
            Event::End(TagEnd::Heading(_)) => heading_depth = heading_depth.saturating_sub(1),
            _ if heading_depth > 0 => {}
            Event::Text(t) | Event::Code(t) if !t.trim().is_empty() => return true,
            Event::Html(h) | Event::InlineHtml(h)
                if !h.trim().is_empty() && !h.trim_start().starts_with("<!--") =>
            {
                return true;
            }
            Event::Start(Tag::Image { .. }) | Event::Rule | Event::TaskListMarker(_) => {
                return true;
            }
            _ => {}
        }
    }
    false
}

/// The report as JSON (see the README for its fields).
pub fn render_json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|_| "{}".into()) + "\n"
}

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 15] = [
    "owner",
    "kind",
    "file",
    "line",
    "column",
    "title",
    "doc_id",
    "review_by",
    "days",
    "url",
    "code",
    "status",
    "location",
    "detail",
    "suggestion",
];

/// The report as CSV (RFC 4180): a header row, then one finding per row; `owner` is
/// the group's name (so [`NO_OWNER`] for documents without one).
pub fn render_csv(report: &Report) -> Result<String, String> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let problem = |e: csv::Error| e.to_string();
    writer.write_record(CSV_COLUMNS).map_err(problem)?;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let number = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    for group in &report.owners {
        for f in &group.findings {
            writer
                .write_record([
                    group.name.clone(),
                    f.kind.as_str().into(),
                    f.file.clone(),
                    f.line.to_string(),
                    f.column.to_string(),
                    f.title.clone(),
                    text(&f.doc_id),
                    text(&f.review_by),
                    number(f.days),
                    text(&f.url),
                    f.code.unwrap_or_default().into(),
                    number(f.status.map(i64::from)),
                    text(&f.location),
                    f.detail.clone(),
                    text(&f.suggestion),
                ])
                .map_err(problem)?;
        }
    }
    let bytes = writer.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

/// The report for a person at a terminal, in Swedish.
pub fn render_human(report: &Report) -> String {
    let mut out = format!(
        "Underhållsrapport {}: revisioner som är försenade eller infaller inom {}, planerade dokument utan text{}.\n",
        report.today,
        plural::count(report.due_within_days as usize, "dag", "dagar"),
        if report.external.is_some() {
            " och externa länkar som inte fungerar"
        } else {
            ""
        }
    );
    for group in &report.owners {
        out.push_str(&format!(
            "\n{} ({})\n",
            group.name,
            plural::count(group.findings.len(), "sak att åtgärda", "saker att åtgärda")
        ));
        for kind in Kind::ALL {
            let of_kind: Vec<&Finding> = group.findings.iter().filter(|f| f.kind == kind).collect();
            if of_kind.is_empty() {
                continue;
            }
            out.push_str(&format!("  {}\n", kind.heading(report.due_within_days)));
            // A suggestion that every finding of the block shares is written once, after it.
            let shared = (of_kind.len() > 1
                && of_kind
                    .iter()
                    .all(|f| f.suggestion == of_kind[0].suggestion))
            .then(|| of_kind[0].suggestion.clone())
            .flatten();
            for f in &of_kind {
                let what = match (&f.url, &f.doc_id) {
                    (Some(url), _) => url.clone(),
                    (None, Some(id)) => format!("{} (dokument-ID {id})", f.title),
                    (None, None) => f.title.clone(),
                };
                out.push_str(&format!(
                    "    {}:{}:{}  {what}: {}\n",
                    f.file, f.line, f.column, f.detail
                ));
                if let Some(s) = f.suggestion.as_ref().filter(|_| shared.is_none()) {
                    out.push_str(&format!("      → {s}\n"));
                }
            }
            if let Some(s) = shared {
                out.push_str(&format!("    → alla ovan: {s}\n"));
            }
        }
    }
    if report.owners.is_empty() {
        out.push_str("\nInget att åtgärda.\n");
    }
    let parts: Vec<String> = Kind::ALL
        .iter()
        .filter(|k| **k != Kind::ExternalLink || report.external.is_some())
        .map(|k| k.count(report.counts.of(*k), report.due_within_days))
        .collect();
    out.push_str(&format!("\nTotalt: {}.\n", join_swedish(&parts)));
    if let Some(ext) = &report.external {
        out.push_str(&format!(
            "{} ({} olika adresser: {} nu, {} från cachen).\n",
            plural::count(
                ext.links,
                "extern länk kontrollerad",
                "externa länkar kontrollerade"
            ),
            ext.urls,
            plural::count(ext.asked, "frågad", "frågade"),
            ext.cached
        ));
    }
    out
}

/// "a, b och c".
fn join_swedish(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} och {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_alone_are_no_text() {
        assert!(!has_text("# Rubrik\n\n## Under\n\n<!-- kommer -->\n"));
        assert!(!has_text("   \n\n# Rubrik\n"));
        assert!(has_text("# Rubrik\n\nEn mening.\n"));
        assert!(has_text("# Rubrik\n\n- [länk](a.md)\n"));
        assert!(has_text("# Rubrik\n\n![bild](a.png)\n"));
    }

    #[test]
    fn lists_are_joined_in_swedish() {
        let parts = ["a".to_string(), "b".into(), "c".into()];
        assert_eq!(join_swedish(&parts), "a, b och c");
        assert_eq!(join_swedish(&parts[..1]), "a");
    }
}
