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
];

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

/// Where a document is in its life.
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
    /// Byte span in the page source of each key's line, by key name.
    pub key_spans: Vec<(&'static str, std::ops::Range<usize>)>,
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
        let result = apply(&mut fm, known, value);
        if let Err((message, suggestion)) = result {
            diags.push(err("front-matter-type", message, suggestion));
        }
    }
    diags.sort_by_key(|d| (d.line, d.column));
    (fm, diags)
}

type ApplyError = (String, Option<String>);

fn apply(fm: &mut FrontMatter, key: &'static str, value: &toml::Value) -> Result<(), ApplyError> {
    match key {
        "kind" => {
            fm.kind = enum_value(key, value, &Kind::ALL, |k| k.as_str())?;
        }
        "status" => {
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
            .trim_matches('"');
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
    fn no_front_matter_means_a_plain_page() {
        let (fm, d) = parse("a.md", "# Bara text\n+++\n");
        assert!(d.is_empty() && !fm.present && fm.kind == Kind::Page);
    }
}
