//! Document metadata: TOML front matter between `+++` lines at the top of a page.

use crate::diagnostics::{Diagnostic, Severity, nearest};
use chrono::NaiveDate;
use serde::Serialize;

/// The front-matter keys samsyn knows.
pub const KEYS: &[&str] = &[
    "kind",
    "doc_id",
    "version",
    "valid_from",
    "valid_until",
    "review_by",
    "owner",
    "approved_by",
    "strategy_group",
    "services",
    "target_group",
    "status",
    "summary",
    "replaces",
    "annex_to",
    "related",
    "derived",
    "history",
];

/// Keys that samsyn derives and that may not be written.
pub const DERIVED_KEYS: &[&str] = &["replaced_by"];

/// Keys whose value may be marked as derived (`derived = { review_by = "…" }`).
pub const DERIVABLE_KEYS: &[&str] = &[
    "version",
    "valid_from",
    "valid_until",
    "review_by",
    "owner",
    "approved_by",
    "strategy_group",
    "target_group",
];

/// The keys of a `[[history]]` entry.
pub const HISTORY_KEYS: &[&str] = &["version", "date", "decided_by", "summary"];

/// What kind of document a page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Agreement,
    Fakta,
    Process,
    ActionPlan,
    #[default]
    Page,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Agreement,
        Kind::Fakta,
        Kind::Process,
        Kind::ActionPlan,
        Kind::Page,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Agreement => "agreement",
            Kind::Fakta => "fakta",
            Kind::Process => "process",
            Kind::ActionPlan => "action-plan",
            Kind::Page => "page",
        }
    }

    /// The Swedish label shown on the site.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Agreement => "Överenskommelse",
            Kind::Fakta => "FAKTA-dokument",
            Kind::Process => "Process",
            Kind::ActionPlan => "Handlingsplan",
            Kind::Page => "Sida",
        }
    }

    /// The Swedish plural, used as a heading in the register.
    pub fn plural_label(self) -> &'static str {
        match self {
            Kind::Agreement => "Överenskommelser",
            Kind::Fakta => "FAKTA-dokument",
            Kind::Process => "Processer",
            Kind::ActionPlan => "Handlingsplaner",
            Kind::Page => "Övriga sidor",
        }
    }
}

/// The status a page states (`status = "…"`). What the site shows is derived from it,
/// the validity dates and the relations (see `crate::lifecycle`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    InForce,
    Draft,
    Planned,
    Repealed,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::InForce,
        Status::Draft,
        Status::Planned,
        Status::Repealed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::InForce => "in-force",
            Status::Draft => "draft",
            Status::Planned => "planned",
            Status::Repealed => "repealed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::InForce => "Gällande",
            Status::Draft => "Utkast",
            Status::Planned => "Planerad – ej publicerad",
            Status::Repealed => "Upphävd",
        }
    }
}

/// Parsed front matter, with the line of each key for later diagnostics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrontMatter {
    /// Whether the page had a front-matter block at all.
    pub present: bool,
    pub kind: Kind,
    pub doc_id: Option<String>,
    pub version: Option<String>,
    pub valid_from: Option<NaiveDate>,
    /// The last day the document applies (as decided; replacement may end it earlier).
    pub valid_until: Option<NaiveDate>,
    pub review_by: Option<NaiveDate>,
    pub owner: Option<String>,
    pub approved_by: Option<String>,
    pub strategy_group: Option<String>,
    pub services: Vec<String>,
    pub target_group: Option<String>,
    pub status: Option<Status>,
    pub summary: Option<String>,
    /// Documents this one replaces (`replaces = ["doc:ID", …]`).
    pub replaces: Vec<Relation>,
    /// The document this one is an annex to (`annex_to = "doc:ID"`).
    pub annex_to: Option<Relation>,
    /// Related documents (`related = ["doc:ID", …]`).
    pub related: Vec<Relation>,
    /// Values that are derived rather than stated by the source: key → reason.
    pub derived: Vec<(&'static str, String)>,
    /// Versions as decided (`[[history]]`), in the order written.
    pub history: Vec<HistoryEntry>,
    /// Byte span in the page source of each key's line, by key name.
    pub key_spans: Vec<(&'static str, std::ops::Range<usize>)>,
}

/// A relation to another document as written: a `doc:ID` or a page path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub target: String,
    /// Byte span of the target in the page source (inside its quotes).
    pub span: std::ops::Range<usize>,
}

/// One `[[history]]` entry: a version as decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub version: Option<String>,
    pub date: HistoryDate,
    pub decided_by: Option<String>,
    pub summary: Option<String>,
}

/// The date of a history entry: as precise as the source is (`2014`, `2016-10`,
/// `2016-10-21`). Displayed as written, which is also a valid `<time datetime>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryDate {
    Year(i32),
    Month(i32, u32),
    Day(NaiveDate),
}

impl HistoryDate {
    /// Sort key: earlier first; a year sorts before its months and days.
    pub fn sort_key(self) -> (i32, u32, u32) {
        use chrono::Datelike;
        match self {
            HistoryDate::Year(y) => (y, 0, 0),
            HistoryDate::Month(y, m) => (y, m, 0),
            HistoryDate::Day(d) => (d.year(), d.month(), d.day()),
        }
    }

    fn parse(text: &str) -> Option<HistoryDate> {
        let parts: Vec<&str> = text.split('-').collect();
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        match parts.as_slice() {
            [y] if digits(y, 4) => y.parse().ok().map(HistoryDate::Year),
            [y, m] if digits(y, 4) && digits(m, 2) => {
                let (y, m) = (y.parse().ok()?, m.parse().ok()?);
                (1..=12).contains(&m).then_some(HistoryDate::Month(y, m))
            }
            [_, _, _] => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .map(HistoryDate::Day),
            _ => None,
        }
    }
}

impl std::fmt::Display for HistoryDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HistoryDate::Year(y) => write!(f, "{y:04}"),
            HistoryDate::Month(y, m) => write!(f, "{y:04}-{m:02}"),
            HistoryDate::Day(d) => write!(f, "{d}"),
        }
    }
}

impl FrontMatter {
    /// The span of a key's line in the page source, for diagnostics.
    pub fn span_of(&self, key: &str) -> Option<std::ops::Range<usize>> {
        self.key_spans
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, s)| s.clone())
    }

    /// Whether the page is a document (has metadata worth a panel).
    pub fn is_document(&self) -> bool {
        self.present && self.kind != Kind::Page
    }

    /// Whether the page gets a metadata panel (and a status): a document, or a page
    /// with an id, a version, a status, validity dates, relations or a history.
    pub fn has_panel(&self) -> bool {
        self.present
            && (self.kind != Kind::Page
                || self.doc_id.is_some()
                || self.version.is_some()
                || self.status.is_some()
                || self.valid_from.is_some()
                || self.valid_until.is_some()
                || !self.replaces.is_empty()
                || self.annex_to.is_some()
                || !self.history.is_empty())
    }

    /// Why the value of `key` is derived rather than stated by the source, if it is.
    pub fn derived(&self, key: &str) -> Option<&str> {
        self.derived
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, reason)| reason.as_str())
    }

    /// Every relation written (`replaces`, `annex_to`, `related`), with its key.
    pub fn relations(&self) -> impl Iterator<Item = (&'static str, &Relation)> {
        self.replaces
            .iter()
            .map(|r| ("replaces", r))
            .chain(self.annex_to.iter().map(|r| ("annex_to", r)))
            .chain(self.related.iter().map(|r| ("related", r)))
    }
}

/// A page split into its front matter and body.
#[derive(Debug, Clone, PartialEq)]
pub struct Split<'a> {
    /// The TOML text between the `+++` lines (empty when there is none).
    pub toml: &'a str,
    /// Byte offset of the TOML text in the page source.
    pub toml_offset: usize,
    /// Byte offset where the Markdown body starts.
    pub body_offset: usize,
    /// Whether a front-matter block was found.
    pub present: bool,
    /// Byte offset of an opening `+++` that is never closed.
    pub unclosed_at: Option<usize>,
}

/// Finds the front-matter block: `+++` on the first line, up to the next line that is `+++`.
pub fn split(source: &str) -> Split<'_> {
    let none = Split {
        toml: "",
        toml_offset: 0,
        body_offset: 0,
        present: false,
        unclosed_at: None,
    };
    let start = if source.starts_with('\u{feff}') { 3 } else { 0 };
    let rest = &source[start..];
    let first_line_end = rest.find('\n').map_or(rest.len(), |i| i + 1);
    if rest[..first_line_end].trim_end() != "+++" {
        return none;
    }
    let toml_offset = start + first_line_end;
    let mut pos = toml_offset;
    for line in source[toml_offset..].split_inclusive('\n') {
        if line.trim_end() == "+++" {
            return Split {
                toml: &source[toml_offset..pos],
                toml_offset,
                body_offset: pos + line.len(),
                present: true,
                unclosed_at: None,
            };
        }
        pos += line.len();
    }
    Split {
        unclosed_at: Some(start),
        ..none
    }
}

/// Parses and validates the front matter of a page. `file` is the name used in
/// diagnostics; `today` decides whether `review_by` is overdue (checked elsewhere).
pub fn parse(file: &str, source: &str) -> (FrontMatter, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let split = split(source);
    if let Some(at) = split.unclosed_at {
        diags.push(
            Diagnostic::at(
                file,
                source,
                at..at + 3,
                Severity::Error,
                "front-matter-unclosed",
                "front matter öppnas med `+++` men stängs aldrig",
            )
            .with_suggestion(Some(
                "avsluta metadatablocket med en rad som bara innehåller `+++`".into(),
            )),
        );
        return (FrontMatter::default(), diags);
    }
    let mut fm = FrontMatter {
        present: split.present,
        ..FrontMatter::default()
    };
    if !split.present {
        return (fm, diags);
    }
    let table: toml::Table = match split.toml.parse() {
        Ok(t) => t,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let start = split.toml_offset + span.start;
            let end = split.toml_offset + span.end.max(span.start + 1);
            let message = e.message().trim().to_string();
            diags.push(
                Diagnostic::at(
                    file,
                    source,
                    start..end.min(source.len()),
                    Severity::Error,
                    "front-matter-syntax",
                    format!("front matter är inte giltig TOML: {message}"),
                )
                .with_suggestion(Some(
                    "skriv `nyckel = \"värde\"`, datum som 2024-01-31 och listor som [\"a\", \"b\"]"
                        .into(),
                )),
            );
            return (fm, diags);
        }
    };
    for (key, value) in &table {
        let span = key_span(source, &split, key);
        let err = |code: &'static str, message: String, suggestion: Option<String>| {
            Diagnostic::at(file, source, span.clone(), Severity::Error, code, message)
                .with_suggestion(suggestion)
        };
        if DERIVED_KEYS.contains(&key.as_str()) {
            diags.push(err(
                "front-matter-derived-key",
                format!("`{key}` härleds av samsyn och skrivs inte för hand"),
                Some(replaced_by_hint(value)),
            ));
            continue;
        }
        let Some(known) = KEYS.iter().copied().find(|k| k == key) else {
            let hint = nearest(key, KEYS.iter().copied())
                .map(|k| format!("menade du `{k}`?"))
                .unwrap_or_else(|| format!("kända nycklar: {}", KEYS.join(", ")));
            diags.push(err(
                "front-matter-unknown-key",
                format!("okänd nyckel `{key}` i front matter"),
                Some(hint),
            ));
            continue;
        };
        fm.key_spans.push((known, span.clone()));
        let located = Located {
            file,
            source,
            split: &split,
            key_span: span.clone(),
        };
        let result = match known {
            "replaces" | "related" | "annex_to" => apply_relations(&mut fm, &located, known, value),
            "derived" => {
                apply_derived(&mut fm, &located, value, &mut diags);
                Ok(())
            }
            "history" => {
                apply_history(&mut fm, &located, value, &mut diags);
                Ok(())
            }
            _ => apply(&mut fm, known, value),
        };
        if let Err((message, suggestion)) = result {
            diags.push(err("front-matter-type", message, suggestion));
        }
    }
    for (key, _) in &fm.derived {
        if !fm.key_spans.iter().any(|(k, _)| k == key) {
            let span = sub_key_span(source, &split, "derived", 0, key);
            diags.push(
                Diagnostic::at(
                    file,
                    source,
                    span,
                    Severity::Error,
                    "derived-without-value",
                    format!("`derived` förklarar `{key}`, men sidan har inget `{key}`"),
                )
                .with_suggestion(Some(format!(
                    "skriv `{key} = …` i front matter, eller ta bort `{key}` ur `derived`"
                ))),
            );
        }
    }
    diags.sort_by_key(|d| (d.line, d.column));
    (fm, diags)
}

/// What the key-specific parsers need to locate their diagnostics.
struct Located<'a> {
    file: &'a str,
    source: &'a str,
    split: &'a Split<'a>,
    /// The span of the key's line.
    key_span: std::ops::Range<usize>,
}

impl Located<'_> {
    fn error(
        &self,
        span: std::ops::Range<usize>,
        code: &'static str,
        message: String,
        suggestion: Option<String>,
    ) -> Diagnostic {
        Diagnostic::at(self.file, self.source, span, Severity::Error, code, message)
            .with_suggestion(suggestion)
    }
}

/// The suggestion for a written `replaced_by`: write `replaces` in the other document.
fn replaced_by_hint(value: &toml::Value) -> String {
    let targets: Vec<&str> = match value {
        toml::Value::String(s) => vec![s.as_str()],
        toml::Value::Array(items) => items.iter().filter_map(|v| v.as_str()).collect(),
        _ => Vec::new(),
    };
    let place = match targets.as_slice() {
        [] => "det dokument som ersätter det här".to_string(),
        list => format!(
            "{} {}",
            if list.len() == 1 {
                "dokumentet"
            } else {
                "dokumenten"
            },
            list.iter()
                .map(|t| format!("`{t}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    format!(
        "ta bort raden och skriv i stället `replaces = [\"doc:<det här dokumentets doc_id>\"]` i {place}; \"Ersatt av\" visas då här av sig själv"
    )
}

/// `replaces = ["doc:ID", …]`, `related = [...]` (lists) and `annex_to = "doc:ID"`.
fn apply_relations(
    fm: &mut FrontMatter,
    at: &Located<'_>,
    key: &'static str,
    value: &toml::Value,
) -> Result<(), ApplyError> {
    let example = if key == "annex_to" {
        format!("{key} = \"doc:104623\"")
    } else {
        format!("{key} = [\"doc:104623\"]")
    };
    let wrong = |got: &toml::Value| {
        let wanted = if key == "annex_to" {
            "en textsträng (`doc:ID` eller en sidas sökväg)"
        } else {
            "en lista av textsträngar (`doc:ID` eller sidors sökvägar)"
        };
        (
            format!("`{key}` ska vara {wanted}, men är {}", type_name(got)),
            Some(format!("skriv till exempel `{example}`")),
        )
    };
    let mut search_from = at.key_span.start;
    let mut relation = |text: &str| -> Result<Relation, ApplyError> {
        let target = text.trim();
        if target.is_empty() {
            return Err((
                format!("`{key}` innehåller en tom textsträng"),
                Some(format!("skriv till exempel `{example}`")),
            ));
        }
        let span = value_span(at.source, search_from, at.split.body_offset, text)
            .unwrap_or_else(|| at.key_span.clone());
        search_from = span.end;
        Ok(Relation {
            target: target.to_string(),
            span,
        })
    };
    match (key, value) {
        ("annex_to", toml::Value::String(s)) => fm.annex_to = Some(relation(s)?),
        ("annex_to", other) => return Err(wrong(other)),
        (_, toml::Value::String(s)) => {
            return Err((
                format!("`{key}` ska vara en lista, inte en textsträng"),
                Some(format!("skriv `{key} = [\"{s}\"]`")),
            ));
        }
        (_, toml::Value::Array(items)) => {
            let list = items
                .iter()
                .map(|v| match v {
                    toml::Value::String(s) => relation(s),
                    other => Err(wrong(other)),
                })
                .collect::<Result<Vec<_>, _>>()?;
            if key == "replaces" {
                fm.replaces = list;
            } else {
                fm.related = list;
            }
        }
        (_, other) => return Err(wrong(other)),
    }
    Ok(())
}

/// `derived = { review_by = "why" }`: which values are derived, and why (in Swedish).
fn apply_derived(
    fm: &mut FrontMatter,
    at: &Located<'_>,
    value: &toml::Value,
    diags: &mut Vec<Diagnostic>,
) {
    let toml::Value::Table(table) = value else {
        diags.push(at.error(
            at.key_span.clone(),
            "front-matter-type",
            format!("`derived` ska vara en tabell, men är {}", type_name(value)),
            Some(
                "skriv till exempel `derived = { review_by = \"härlett ur att uppföljningen sker årligen i oktober\" }`"
                    .into(),
            ),
        ));
        return;
    };
    for (key, reason) in table {
        let span = sub_key_span(at.source, at.split, "derived", 0, key);
        let Some(known) = DERIVABLE_KEYS.iter().copied().find(|k| k == key) else {
            let hint = nearest(key, DERIVABLE_KEYS.iter().copied())
                .map(|k| format!("menade du `{k}`?"))
                .unwrap_or_else(|| {
                    format!(
                        "värden som kan vara härledda: {}",
                        DERIVABLE_KEYS.join(", ")
                    )
                });
            diags.push(at.error(
                span,
                "front-matter-unknown-key",
                format!("okänd nyckel `{key}` i `derived`"),
                Some(hint),
            ));
            continue;
        };
        match reason {
            toml::Value::String(s) if !s.trim().is_empty() => {
                fm.derived.push((known, s.trim().to_string()));
            }
            other => diags.push(at.error(
                span,
                "front-matter-type",
                format!(
                    "`derived.{key}` ska säga varför värdet är härlett (en textsträng som inte är tom), men är {}",
                    type_name(other)
                ),
                Some(format!(
                    "skriv till exempel `{key} = \"härlett ur …\"` under `derived`"
                )),
            )),
        }
    }
}

/// `[[history]]` entries: `version`, `date` (required), `decided_by`, `summary`.
fn apply_history(
    fm: &mut FrontMatter,
    at: &Located<'_>,
    value: &toml::Value,
    diags: &mut Vec<Diagnostic>,
) {
    let example =
        "[[history]]\nversion = \"5.0\"\ndate = 2020-11-27\ndecided_by = \"…\"\nsummary = \"…\"";
    let toml::Value::Array(entries) = value else {
        diags.push(at.error(
            at.key_span.clone(),
            "front-matter-type",
            format!(
                "`history` ska vara en lista av poster, men är {}",
                type_name(value)
            ),
            Some(format!("skriv varje version som en egen post:\n{example}")),
        ));
        return;
    };
    for (nth, entry) in entries.iter().enumerate() {
        let toml::Value::Table(table) = entry else {
            diags.push(at.error(
                at.key_span.clone(),
                "front-matter-type",
                format!(
                    "posterna i `history` ska vara tabeller, men post {} är {}",
                    nth + 1,
                    type_name(entry)
                ),
                Some(format!("skriv varje version som en egen post:\n{example}")),
            ));
            continue;
        };
        let mut version = None;
        let mut date = None;
        let mut decided_by = None;
        let mut summary = None;
        for (key, v) in table {
            let span = sub_key_span(at.source, at.split, "history", nth, key);
            let result = match key.as_str() {
                "version" => string_value(key, v).map(|s| version = Some(s)),
                "decided_by" => string_value(key, v).map(|s| decided_by = Some(s)),
                "summary" => string_value(key, v).map(|s| summary = Some(s)),
                "date" => history_date(v).map(|d| date = Some(d)),
                _ => {
                    let hint = if KEYS.contains(&key.as_str()) {
                        format!(
                            "rader efter `[[history]]` hör till versionsposten; flytta `{key}` upp före den första `[[history]]`"
                        )
                    } else {
                        nearest(key, HISTORY_KEYS.iter().copied())
                            .map(|k| format!("menade du `{k}`?"))
                            .unwrap_or_else(|| {
                                format!("en post har nycklarna {}", HISTORY_KEYS.join(", "))
                            })
                    };
                    diags.push(at.error(
                        span,
                        "front-matter-unknown-key",
                        format!("okänd nyckel `{key}` i `[[history]]`"),
                        Some(hint),
                    ));
                    continue;
                }
            };
            if let Err((message, suggestion)) = result {
                diags.push(at.error(span, "front-matter-type", message, suggestion));
            }
        }
        match date {
            Some(date) => fm.history.push(HistoryEntry {
                version,
                date,
                decided_by,
                summary,
            }),
            None if !table.contains_key("date") => {
                let span = entry_header_span(at.source, at.split, "history", nth)
                    .unwrap_or_else(|| at.key_span.clone());
                diags.push(at.error(
                    span,
                    "history-without-date",
                    format!("versionsposten nr {} i `[[history]]` saknar `date`", nth + 1),
                    Some(
                        "skriv när versionen beslutades eller började gälla, till exempel `date = 2020-11-27` (eller bara året: `date = \"2014\"`)"
                            .into(),
                    ),
                ));
            }
            None => {}
        }
    }
}

fn history_date(value: &toml::Value) -> Result<HistoryDate, ApplyError> {
    let hint = Some(
        "skriv `date = 2020-11-27`, eller så exakt som källan är: `date = \"2016-10\"` eller `date = \"2014\"`"
            .into(),
    );
    match value {
        toml::Value::Datetime(_) => date_value("date", value).map(HistoryDate::Day),
        toml::Value::String(s) => HistoryDate::parse(s.trim()).ok_or_else(|| {
            (
                format!("`date` = \"{s}\" är inget datum på formen ÅÅÅÅ-MM-DD, ÅÅÅÅ-MM eller ÅÅÅÅ"),
                hint,
            )
        }),
        toml::Value::Integer(y) => Err((
            "`date` ska vara ett datum, men är ett heltal".into(),
            Some(format!("skriv `date = \"{y}\"` för ett årtal")),
        )),
        other => Err((
            format!("`date` ska vara ett datum, men är {}", type_name(other)),
            hint,
        )),
    }
}

type ApplyError = (String, Option<String>);

fn apply(fm: &mut FrontMatter, key: &'static str, value: &toml::Value) -> Result<(), ApplyError> {
    match key {
        "kind" => {
            fm.kind = enum_value(key, value, &Kind::ALL, |k| k.as_str())?;
        }
        "status" => {
            if let Some(how) = value.as_str().and_then(|s| derived_status_hint(s.trim())) {
                return Err((
                    format!(
                        "status `{}` härleds av samsyn och skrivs inte för hand",
                        value.as_str().unwrap_or("").trim()
                    ),
                    Some(how.into()),
                ));
            }
            fm.status = Some(enum_value(key, value, &Status::ALL, |s| s.as_str())?);
        }
        "doc_id" => fm.doc_id = Some(string_value(key, value)?),
        "version" => fm.version = Some(string_value(key, value)?),
        "owner" => fm.owner = Some(string_value(key, value)?),
        "approved_by" => fm.approved_by = Some(string_value(key, value)?),
        "strategy_group" => fm.strategy_group = Some(string_value(key, value)?),
        "target_group" => fm.target_group = Some(string_value(key, value)?),
        "summary" => fm.summary = Some(string_value(key, value)?),
        "valid_from" => fm.valid_from = Some(date_value(key, value)?),
        "valid_until" => fm.valid_until = Some(date_value(key, value)?),
        "review_by" => fm.review_by = Some(date_value(key, value)?),
        "services" => {
            let items = match value {
                toml::Value::Array(items) => items,
                toml::Value::String(s) => {
                    return Err((
                        format!("`{key}` ska vara en lista, inte en textsträng"),
                        Some(format!("skriv `{key} = [\"{s}\"]`")),
                    ));
                }
                other => return Err(type_error(key, "en lista av textsträngar", other)),
            };
            fm.services = items
                .iter()
                .map(|v| match v {
                    toml::Value::String(s) => Ok(s.clone()),
                    other => Err(type_error(key, "en lista av textsträngar", other)),
                })
                .collect::<Result<_, _>>()?;
        }
        _ => unreachable!("every key in KEYS is handled"),
    }
    Ok(())
}

/// How to get a status that is derived rather than written.
fn derived_status_hint(status: &str) -> Option<&'static str> {
    Some(match status {
        "expired" => {
            "ange sista giltighetsdag med `valid_until = ÅÅÅÅ-MM-DD`; statusen blir Upphört dagen efter"
        }
        "replaced" => {
            "skriv `replaces = [\"doc:<det här dokumentets doc_id>\"]` i dokumentet som ersätter det här; statusen blir Ersatt när det börjar gälla"
        }
        "upcoming" => "ange `valid_from = ÅÅÅÅ-MM-DD`; statusen är Kommande fram till dess",
        _ => return None,
    })
}

fn type_name(value: &toml::Value) -> &'static str {
    match value {
        toml::Value::String(_) => "en textsträng",
        toml::Value::Integer(_) => "ett heltal",
        toml::Value::Float(_) => "ett decimaltal",
        toml::Value::Boolean(_) => "ett sanningsvärde",
        toml::Value::Datetime(_) => "ett datum",
        toml::Value::Array(_) => "en lista",
        toml::Value::Table(_) => "en tabell",
    }
}

fn type_error(key: &str, wanted: &str, got: &toml::Value) -> ApplyError {
    let example = match key {
        "services" => format!("{key} = [\"Skola\", \"Socialtjänst\"]"),
        "valid_from" | "valid_until" | "review_by" => format!("{key} = 2024-10-31"),
        _ => format!("{key} = \"…\""),
    };
    (
        format!("`{key}` ska vara {wanted}, men är {}", type_name(got)),
        Some(format!("skriv till exempel `{example}`")),
    )
}

fn string_value(key: &str, value: &toml::Value) -> Result<String, ApplyError> {
    match value {
        toml::Value::String(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        toml::Value::String(_) => Err((
            format!("`{key}` är tom"),
            Some(format!("ta bort raden eller fyll i `{key}`")),
        )),
        toml::Value::Integer(_) | toml::Value::Float(_) => {
            let text = value.to_string();
            Err((
                format!(
                    "`{key}` ska vara en textsträng, men är {}",
                    type_name(value)
                ),
                Some(format!("skriv `{key} = \"{text}\"`")),
            ))
        }
        other => Err(type_error(key, "en textsträng", other)),
    }
}

fn date_value(key: &str, value: &toml::Value) -> Result<NaiveDate, ApplyError> {
    let text = match value {
        toml::Value::Datetime(dt) => match (dt.date, dt.time) {
            (Some(d), None) => {
                return NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into())
                    .ok_or_else(|| (format!("`{key}` är inget giltigt datum"), None));
            }
            _ => {
                return Err((
                    format!("`{key}` ska vara ett datum utan klockslag"),
                    Some(format!("skriv till exempel `{key} = 2024-10-31`")),
                ));
            }
        },
        toml::Value::String(s) => s.trim().to_string(),
        other => return Err(type_error(key, "ett datum (ÅÅÅÅ-MM-DD)", other)),
    };
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| {
        (
            format!("`{key}` = \"{text}\" är inget datum på formen ÅÅÅÅ-MM-DD"),
            Some(format!("skriv till exempel `{key} = 2024-10-31`")),
        )
    })
}

fn enum_value<T: Copy>(
    key: &str,
    value: &toml::Value,
    all: &[T],
    name: impl Fn(T) -> &'static str,
) -> Result<T, ApplyError> {
    let toml::Value::String(s) = value else {
        return Err(type_error(key, "en textsträng", value));
    };
    if let Some(v) = all.iter().copied().find(|v| name(*v) == s.trim()) {
        return Ok(v);
    }
    let names: Vec<&str> = all.iter().map(|v| name(*v)).collect();
    let hint = match nearest(s, names.iter().copied()) {
        Some(n) => format!("menade du `{key} = \"{n}\"`?"),
        None => format!("tillåtna värden: {}", names.join(", ")),
    };
    Err((format!("okänt värde `{s}` för `{key}`"), Some(hint)))
}

/// The byte span of `text` written as a quoted TOML string at or after `from` (and
/// before `end`): the text inside its quotes.
fn value_span(source: &str, from: usize, end: usize, text: &str) -> Option<std::ops::Range<usize>> {
    let region = source.get(from..end)?;
    ['"', '\''].iter().find_map(|q| {
        let quoted = format!("{q}{text}{q}");
        region
            .find(&quoted)
            .map(|i| from + i + 1..from + i + 1 + text.len())
    })
}

/// The line range (in the page source) of the `nth` table called `name`: after its
/// `[[name]]` (or `[name]`) header up to the next header.
fn section_range(split: &Split<'_>, name: &str, nth: usize) -> Option<std::ops::Range<usize>> {
    let mut pos = split.toml_offset;
    let mut seen = 0;
    let mut start = None;
    for line in split.toml.split_inclusive('\n') {
        let header = line.trim();
        if header.starts_with('[') {
            if start.is_some() {
                return start.map(|s| s..pos);
            }
            let inner = header.trim_matches(|c| c == '[' || c == ']').trim();
            if inner == name {
                if seen == nth {
                    start = Some(pos + line.len());
                }
                seen += 1;
            }
        }
        pos += line.len();
    }
    start.map(|s| s..pos)
}

/// The span of the `[[name]]` header of the `nth` entry.
fn entry_header_span(
    source: &str,
    split: &Split<'_>,
    name: &str,
    nth: usize,
) -> Option<std::ops::Range<usize>> {
    let body = section_range(split, name, nth)?;
    let before = &source[..body.start];
    let line_start = before
        .trim_end_matches('\n')
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let text = source[line_start..body.start].trim_end();
    let indent = text.len() - text.trim_start().len();
    Some(line_start + indent..line_start + text.len())
}

/// The span of `key` inside the `nth` table `name` (`[[history]]`, `[derived]`), or
/// inside an inline table on the `name = …` line; the table's line otherwise.
fn sub_key_span(
    source: &str,
    split: &Split<'_>,
    name: &str,
    nth: usize,
    key: &str,
) -> std::ops::Range<usize> {
    if let Some(range) = section_range(split, name, nth) {
        let mut pos = range.start;
        for line in source[range.clone()].split_inclusive('\n') {
            let trimmed = line.trim_start();
            let indent = line.len() - trimmed.len();
            let first = trimmed
                .split(['=', ' ', '\t'])
                .next()
                .unwrap_or("")
                .trim_matches('"');
            if first == key {
                return pos + indent..pos + indent + trimmed.trim_end().len();
            }
            pos += line.len();
        }
        return entry_header_span(source, split, name, nth).unwrap_or(range.start..range.start);
    }
    let line = key_span(source, split, name);
    let found = source[line.clone()]
        .match_indices(key)
        .map(|(i, _)| line.start + i)
        .find(|&i| {
            let after = source[i + key.len()..].trim_start();
            after.starts_with('=')
        });
    match found {
        Some(i) => i..i + key.len(),
        None => line,
    }
}

/// The byte span of the line that defines `key`, or of the block start.
fn key_span(source: &str, split: &Split<'_>, key: &str) -> std::ops::Range<usize> {
    let mut pos = split.toml_offset;
    for line in split.toml.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let name = trimmed
            .split(['=', ' ', '\t'])
            .next()
            .unwrap_or("")
            .trim_matches(|c| c == '"' || c == '[' || c == ']');
        if name == key {
            return pos + indent..pos + indent + trimmed.trim_end().len();
        }
        pos += line.len();
    }
    // Not found (a dotted or quoted key): the opening `+++`, after a byte-order mark.
    let start = if source.starts_with('\u{feff}') { 3 } else { 0 };
    start..(start + 3).min(source.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "+++\nkind = \"agreement\"\ndoc_id = \"104623\"\nvalid_from = 2020-11-27\nreview_by = \"2021-10-31\"\nservices = [\"Skola\"]\nstatus = \"in-force\"\n+++\n# Rubrik\n";

    #[test]
    fn parses_all_value_forms() {
        let (fm, diags) = parse("a.md", PAGE);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(fm.kind, Kind::Agreement);
        assert_eq!(fm.doc_id.as_deref(), Some("104623"));
        assert_eq!(fm.valid_from, NaiveDate::from_ymd_opt(2020, 11, 27));
        assert_eq!(fm.review_by, NaiveDate::from_ymd_opt(2021, 10, 31));
        assert_eq!(fm.services, vec!["Skola"]);
        assert_eq!(fm.status, Some(Status::InForce));
        assert_eq!(&PAGE[split(PAGE).body_offset..], "# Rubrik\n");
    }

    #[test]
    fn unknown_key_and_wrong_type_point_at_their_lines() {
        let src = "+++\nkind = \"fakta\"\nowner_name = \"X\"\ndoc_id = 104623\n+++\n";
        let (_, diags) = parse("a.md", src);
        assert_eq!(diags.len(), 2, "{diags:?}");
        assert_eq!(diags[0].line, 3);
        assert_eq!(diags[0].suggestion.as_deref(), Some("menade du `owner`?"));
        assert_eq!(diags[1].line, 4);
        assert_eq!(
            diags[1].suggestion.as_deref(),
            Some("skriv `doc_id = \"104623\"`")
        );
    }

    #[test]
    fn bad_enum_value_gets_a_suggestion() {
        let (_, diags) = parse("a.md", "+++\nstatus = \"inforce\"\n+++\n");
        assert_eq!(
            diags[0].suggestion.as_deref(),
            Some("menade du `status = \"in-force\"`?")
        );
    }

    #[test]
    fn syntax_error_and_unclosed_block_are_reported() {
        let (_, d) = parse("a.md", "+++\nkind = \n+++\n");
        assert_eq!(d[0].code, "front-matter-syntax");
        assert_eq!(d[0].line, 2);
        let (_, d) = parse("a.md", "+++\nkind = \"page\"\n# Rubrik\n");
        assert_eq!(d[0].code, "front-matter-unclosed");
        assert_eq!(d[0].line, 1);
    }

    #[test]
    fn bad_dates_are_errors() {
        let (_, d) = parse("a.md", "+++\nreview_by = \"31/10/2021\"\n+++\n");
        assert_eq!(d[0].code, "front-matter-type");
        let (_, d) = parse("a.md", "+++\nreview_by = 2021-02-30\n+++\n");
        assert_eq!(d.len(), 1, "{d:?}");
    }

    #[test]
    fn relations_derived_values_and_history_are_parsed_and_located() {
        let src = "+++\nkind = \"agreement\"\nreview_by = 2021-10-31\nreplaces = [\"doc:1\", \"doc:2\"]\nannex_to = \"doc:3\"\nrelated = [\"../a.md\"]\nderived = { review_by = \"årlig uppföljning i oktober\" }\n\n[[history]]\nversion = \"2.0\"\ndate = 2020-11-27\n\n[[history]]\ndate = \"2014\"\nsummary = \"Vidgad målgrupp.\"\n+++\n";
        let (fm, diags) = parse("a.md", src);
        assert!(diags.is_empty(), "{diags:?}");
        let targets: Vec<&str> = fm.replaces.iter().map(|r| r.target.as_str()).collect();
        assert_eq!(targets, ["doc:1", "doc:2"]);
        assert_eq!(&src[fm.replaces[1].span.clone()], "doc:2");
        assert_eq!(&src[fm.annex_to.as_ref().unwrap().span.clone()], "doc:3");
        assert_eq!(fm.related[0].target, "../a.md");
        assert_eq!(fm.derived("review_by"), Some("årlig uppföljning i oktober"));
        assert_eq!(fm.history.len(), 2);
        assert_eq!(fm.history[0].version.as_deref(), Some("2.0"));
        assert_eq!(fm.history[1].date, HistoryDate::Year(2014));
        assert_eq!(fm.history[1].date.to_string(), "2014");
        assert!(HistoryDate::Year(2014).sort_key() < HistoryDate::Month(2014, 1).sort_key());
    }

    #[test]
    fn unknown_history_and_derived_keys_are_located_with_suggestions() {
        let src = "+++\nversion = \"1\"\nderived = { reviw_by = \"x\", version = \"\" }\n\n[[history]]\ndate = 2020-01-01\n\n[[history]]\nversoin = \"2\"\ndecided_by = 3\nstatus = \"draft\"\n+++\n";
        let (_, diags) = parse("a.md", src);
        let found: Vec<(usize, &str, Option<&str>)> = diags
            .iter()
            .map(|d| (d.line, d.code, d.suggestion.as_deref()))
            .collect();
        assert_eq!(found.len(), 6, "{diags:#?}");
        assert_eq!(found[0].0, 3);
        assert_eq!(found[0].2, Some("menade du `review_by`?"));
        assert_eq!((found[1].0, found[1].1), (3, "front-matter-type"));
        assert_eq!((found[2].0, found[2].1), (8, "history-without-date"));
        assert_eq!((found[3].0, found[3].2), (9, Some("menade du `version`?")));
        assert_eq!((found[4].0, found[4].1), (10, "front-matter-type"));
        assert!(
            found[5]
                .2
                .unwrap()
                .contains("före den första `[[history]]`")
        );
        assert_eq!(found[5].0, 11);
    }

    #[test]
    fn derived_keys_and_statuses_may_not_be_written() {
        let (_, d) = parse("a.md", "+++\nreplaced_by = [\"doc:7\"]\n+++\n");
        assert_eq!(d[0].code, "front-matter-derived-key");
        assert!(
            d[0].suggestion
                .as_deref()
                .unwrap()
                .contains("`replaces = [\"doc:")
        );
        assert!(d[0].suggestion.as_deref().unwrap().contains("`doc:7`"));
        let (_, d) = parse("a.md", "+++\nstatus = \"replaced\"\n+++\n");
        assert!(d[0].message.contains("härleds"), "{d:?}");
        let (_, d) = parse("a.md", "+++\nderived = { valid_from = \"x\" }\n+++\n");
        assert_eq!(d[0].code, "derived-without-value");
        let (_, d) = parse("a.md", "+++\nreplaces = \"doc:1\"\n+++\n");
        assert_eq!(
            d[0].suggestion.as_deref(),
            Some("skriv `replaces = [\"doc:1\"]`")
        );
    }

    #[test]
    fn no_front_matter_means_a_plain_page() {
        let (fm, d) = parse("a.md", "# Bara text\n+++\n");
        assert!(d.is_empty() && !fm.present && fm.kind == Kind::Page);
    }
}
