//! Accessibility: the content checks `samsyn check` runs on every page (images without
//! alternative text, link texts that do not say where they lead, tables without a header
//! row) and the `[output.samsyn.accessibility]` table of book.toml that the generated
//! accessibility statement (`tillganglighet.html`) is built from.

use crate::book::{LoadedBook, Page};
use crate::diagnostics::{Diagnostic, Severity};
use crate::markdown;
use pulldown_cmark::{Event, LinkType, Parser, Tag, TagEnd};
use std::ops::Range;

/// An automated accessibility check of the content, as the statement lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Check {
    /// The diagnostic code it reports with.
    pub code: &'static str,
    /// What it looks for, in Swedish, for the statement page.
    pub label: &'static str,
}

pub const IMAGE_WITHOUT_ALT: &str = "image-missing-alt";
pub const LINK_TEXT_UNCLEAR: &str = "link-text-unclear";
pub const LINK_TEXT_URL: &str = "link-text-url";
pub const TABLE_WITHOUT_HEADER: &str = "table-missing-header";
pub const HEADING_LEVEL_SKIPPED: &str = "heading-level-skipped";
/// The warning that book.toml names no way to report accessibility problems.
pub const CONTACT_MISSING: &str = "accessibility-contact-missing";

/// Every accessibility check `samsyn check` runs on the pages (the heading check lives
/// with the headings, in [`crate::book`]).
pub const CONTENT_CHECKS: &[Check] = &[
    Check {
        code: IMAGE_WITHOUT_ALT,
        label: "bilder utan alternativtext",
    },
    Check {
        code: LINK_TEXT_UNCLEAR,
        label: "länkar vars text inte säger vart de leder (”här”, ”klicka här”, ”läs mer”) eller som saknar text",
    },
    Check {
        code: LINK_TEXT_URL,
        label: "länkar vars text är en bar webbadress",
    },
    Check {
        code: TABLE_WITHOUT_HEADER,
        label: "tabeller utan rubrikrad",
    },
    Check {
        code: HEADING_LEVEL_SKIPPED,
        label: "rubriker som hoppar över en nivå",
    },
];

/// Link texts that do not say where a link leads (compared lowercased, without the
/// punctuation around them).
const UNCLEAR_LINK_TEXTS: &[&str] = &[
    "här",
    "klicka här",
    "klicka",
    "läs mer",
    "läs mer här",
    "läs här",
    "se här",
    "mer",
    "länk",
    "länken",
];

/// The accessibility warnings of one page, in order.
pub fn content_warnings(page: &Page) -> Vec<Diagnostic> {
    let body = &page.markdown;
    let source = page.source();
    let warn = |span: Range<usize>, code: &'static str, message: String, suggestion: &str| {
        Diagnostic::at(&page.file, &source, span, Severity::Warning, code, message)
            .with_suggestion(Some(suggestion.to_string()))
    };
    let mut out = Vec::new();
    // The open link or image: its range, kind and the text read so far.
    let mut open: Option<(Range<usize>, Opened, String)> = None;
    let mut table_head: Option<(Range<usize>, bool)> = None;
    for (event, range) in Parser::new_ext(body, markdown::options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Image { .. }) if open.is_none() => {
                open = Some((range, Opened::Image, String::new()));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) if open.is_none() => {
                let kind = match link_type {
                    LinkType::Autolink => Opened::BareUrl,
                    LinkType::Email => Opened::Email,
                    _ => Opened::Link(dest_url.to_string()),
                };
                open = Some((range, kind, String::new()));
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, _, text)) = open.as_mut() {
                    text.push_str(&t);
                }
                if let Some((_, has_text)) = table_head.as_mut() {
                    *has_text |= !t.trim().is_empty();
                }
            }
            Event::End(TagEnd::Image) if matches!(open, Some((_, Opened::Image, _))) => {
                let Some((span, _, text)) = open.take() else {
                    continue;
                };
                if text.trim().is_empty() {
                    out.push(warn(
                        span,
                        IMAGE_WITHOUT_ALT,
                        "bilden saknar alternativtext: den som inte ser bilden får inte veta vad den visar".into(),
                        "skriv vad bilden visar inom hakparenteserna: `![Beskrivning av bilden](bild.png)`",
                    ));
                }
            }
            Event::End(TagEnd::Link) if open.is_some() => {
                let Some((span, kind, text)) = open.take() else {
                    continue;
                };
                out.extend(
                    link_problem(&kind, &text)
                        .map(|(code, message, suggestion)| warn(span, code, message, suggestion)),
                );
            }
            Event::Start(Tag::TableHead) => table_head = Some((range, false)),
            Event::End(TagEnd::TableHead) => {
                if let Some((span, false)) = table_head.take() {
                    out.push(warn(
                        span,
                        TABLE_WITHOUT_HEADER,
                        "tabellen saknar rubrikrad: skärmläsare kan inte koppla cellerna till kolumnernas rubriker".into(),
                        "skriv kolumnernas rubriker i tabellens första rad (raden före `|---|`)",
                    ));
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                let verbatim = body.get(range.clone()) == Some(&*html);
                for tag in crate::csp::tags(&html) {
                    let at = if verbatim {
                        range.start + tag.span.start..range.start + tag.span.end
                    } else {
                        range.clone()
                    };
                    if tag.name.eq_ignore_ascii_case("img") && !tag.has_attribute("alt") {
                        out.push(warn(
                            at,
                            IMAGE_WITHOUT_ALT,
                            "<img> saknar alt-attribut: den som inte ser bilden får inte veta vad den visar".into(),
                            "lägg till `alt=\"Beskrivning av bilden\"` (eller `alt=\"\"` om bilden bara är utsmyckning)",
                        ));
                    } else if tag.name.eq_ignore_ascii_case("a")
                        && let Some(href) = tag
                            .attributes
                            .iter()
                            .find(|a| a.name.eq_ignore_ascii_case("href"))
                        && let Some(text) = raw_link_text(body, at.end)
                    {
                        let kind = Opened::Link(href.value.to_string());
                        out.extend(link_problem(&kind, &text).map(
                            |(code, message, suggestion)| warn(at, code, message, suggestion),
                        ));
                    } else if tag.name.eq_ignore_ascii_case("table")
                        && !html_table_has_header(body, at.start)
                    {
                        out.push(warn(
                            at,
                            TABLE_WITHOUT_HEADER,
                            "tabellen saknar rubrikceller (<th>): skärmläsare kan inte koppla cellerna till kolumnernas rubriker".into(),
                            "skriv tabellens första rad med <th scope=\"col\">Rubrik</th> i stället för <td>",
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// What a link or image being read is.
enum Opened {
    Image,
    /// `<https://…>`: the address is the text.
    BareUrl,
    /// `<namn@example.se>`: the address is the text, and that is what a reader needs.
    Email,
    /// A link to this destination.
    Link(String),
}

/// The problem with a link's text, if any: code, message and suggestion.
fn link_problem(kind: &Opened, text: &str) -> Option<(&'static str, String, &'static str)> {
    const DESCRIBE: &str = "skriv vart länken leder som länktext, till exempel `[Riktlinjer för samordnad individuell plan](sip.md)`";
    const URL: &str =
        "ge länken en text som säger vad sidan innehåller: `[Sidans namn](https://…)`";
    let text = text.trim();
    match kind {
        Opened::Image | Opened::Email => None,
        Opened::BareUrl => Some((
            LINK_TEXT_URL,
            "länktexten är en bar webbadress: den läses upp tecken för tecken och säger inte vad sidan innehåller".into(),
            URL,
        )),
        Opened::Link(_) if text.is_empty() => Some((
            LINK_TEXT_UNCLEAR,
            "länken saknar text: en skärmläsare kan bara läsa upp adressen".into(),
            DESCRIBE,
        )),
        Opened::Link(dest) if looks_like_url(text) || text == dest => Some((
            LINK_TEXT_URL,
            "länktexten är en bar webbadress: den läses upp tecken för tecken och säger inte vad sidan innehåller".into(),
            URL,
        )),
        Opened::Link(_) => {
            let words = text
                .trim_matches(|c: char| c.is_ascii_punctuation() || "»›→…".contains(c))
                .trim()
                .to_lowercase();
            UNCLEAR_LINK_TEXTS.contains(&words.as_str()).then(|| {
                (
                    LINK_TEXT_UNCLEAR,
                    format!(
                        "länktexten \"{text}\" säger inte vart länken leder: den som hoppar mellan länkar med skärmläsare hör bara \"{text}\""
                    ),
                    DESCRIBE,
                )
            })
        }
    }
}

fn looks_like_url(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    !text.contains(char::is_whitespace)
        && ["http://", "https://", "www."]
            .iter()
            .any(|p| lower.starts_with(p))
}

/// The text of a raw HTML link whose start tag ends at `start` in `body`: what is
/// written up to its `</a>`, without tags. `None` when the link is not closed.
fn raw_link_text(body: &str, start: usize) -> Option<String> {
    let rest = body.get(start..)?;
    let end = rest.to_ascii_lowercase().find("</a")?;
    let mut text = String::new();
    let mut in_tag = false;
    for c in rest[..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    Some(text)
}

/// Whether the raw HTML table that starts at `start` in `body` has a header cell
/// (`<th>`) before its end tag.
fn html_table_has_header(body: &str, start: usize) -> bool {
    let rest = &body[start..];
    let lower = rest.to_ascii_lowercase();
    let end = lower.find("</table").unwrap_or(rest.len());
    crate::csp::tags(&rest[..end])
        .iter()
        .any(|t| t.name.eq_ignore_ascii_case("th"))
}

/// The `[output.samsyn.accessibility]` table of book.toml: who publishes the site, how
/// visitors report accessibility problems and when it was last reviewed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct AccessibilityConfig {
    /// The organisation responsible for the site.
    pub organisation: Option<String>,
    /// E-mail address for reports.
    pub email: Option<String>,
    /// Address of a web form for reports.
    pub contact_form: Option<String>,
    /// Telephone number for reports.
    pub phone: Option<String>,
    /// Date (YYYY-MM-DD) of the last review of the site's accessibility.
    #[serde(default, deserialize_with = "review_date")]
    pub last_review: Option<chrono::NaiveDate>,
    /// Whether the statement names the supervisory authority (Digg); on unless `false`.
    pub supervision: Option<bool>,
}

/// A TOML date (`2026-05-01`) or a string of one.
fn review_date<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<chrono::NaiveDate>, D::Error> {
    use serde::de::{Deserialize, Error};
    let text = match toml::Value::deserialize(d)? {
        toml::Value::String(s) => s,
        toml::Value::Datetime(dt) if dt.time.is_none() => dt.to_string(),
        other => {
            return Err(D::Error::custom(format!(
                "`{other}` är inte ett datum (ÅÅÅÅ-MM-DD)"
            )));
        }
    };
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map(Some)
        .map_err(|_| D::Error::custom(format!("`{text}` är inte ett datum (ÅÅÅÅ-MM-DD)")))
}

/// The book.toml key of [`AccessibilityConfig`].
pub const CONFIG_KEY: &str = "output.samsyn.accessibility";

impl AccessibilityConfig {
    /// Reads the table from the book's configuration (defaults when absent).
    pub fn from_config(config: &mdbook_driver::config::Config) -> Result<Self, String> {
        config
            .get::<AccessibilityConfig>(CONFIG_KEY)
            .map(Option::unwrap_or_default)
            .map_err(|e| {
                let causes: Vec<String> = e.chain().map(|c| c.to_string()).collect();
                format!(
                    "[{CONFIG_KEY}] kan inte läsas: {}; nycklarna är organisation, email, contact-form, phone, last-review (ÅÅÅÅ-MM-DD) och supervision (true/false)",
                    causes.join(": ")
                )
            })
    }

    /// Whether visitors are told at least one way to report a problem.
    pub fn has_contact(&self) -> bool {
        [&self.email, &self.contact_form, &self.phone]
            .iter()
            .any(|c| c.as_deref().is_some_and(|c| !c.trim().is_empty()))
    }
}

/// The warning that book.toml names no way to report accessibility problems, located at
/// the `[output.samsyn.accessibility]` table when it is there (else at the file).
pub fn missing_contact(book: &LoadedBook) -> Option<Diagnostic> {
    let config = AccessibilityConfig::from_config(&book.config).unwrap_or_default();
    if config.has_contact() {
        return None;
    }
    let file = crate::book::display_path(&book.root.join("book.toml"));
    let message = "book.toml anger ingen kontaktväg för att rapportera brister i tillgängligheten; tillgänglighetsredogörelsen (tillganglighet.html) säger att den saknas";
    let header = format!("[{CONFIG_KEY}]");
    let text = std::fs::read_to_string(book.root.join("book.toml")).unwrap_or_default();
    let diagnostic = match text.find(&header) {
        Some(at) => Diagnostic::at(
            file,
            &text,
            at..at + header.len(),
            Severity::Warning,
            CONTACT_MISSING,
            message,
        ),
        None => Diagnostic::file_level(file, Severity::Warning, CONTACT_MISSING, message),
    };
    Some(diagnostic.with_suggestion(Some(format!(
        "lägg till `{header}` med `email`, `contact-form` eller `phone` (och `organisation` och `last-review`)"
    ))))
}

/// What the accessibility statement counts: the links checked and each content check's
/// warnings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckCounts {
    pub links: usize,
    /// Each of [`CONTENT_CHECKS`], in that order, with its number of warnings.
    pub checks: Vec<(Check, usize)>,
}

impl CheckCounts {
    /// From a check of the whole book (`validate::validate`): the links it checked and
    /// its findings, so a build does not read every page's Markdown again for them.
    pub fn from_check(links: usize, diagnostics: &[Diagnostic]) -> CheckCounts {
        CheckCounts {
            links,
            checks: count_by_check(diagnostics.iter().map(|d| d.code)),
        }
    }

    /// By reading every page again (the live preview, whose checks run page by page).
    pub fn of_book(book: &LoadedBook) -> CheckCounts {
        let warnings: Vec<Diagnostic> = book.pages.iter().flat_map(content_warnings).collect();
        CheckCounts {
            links: book
                .pages
                .iter()
                .map(|p| markdown::links(&p.markdown).len())
                .sum(),
            checks: count_by_check(warnings.iter().chain(&book.diagnostics).map(|d| d.code)),
        }
    }
}

/// How many of `codes` each content check reported.
fn count_by_check<'a>(codes: impl Iterator<Item = &'a str>) -> Vec<(Check, usize)> {
    let mut counts = vec![0; CONTENT_CHECKS.len()];
    for code in codes {
        if let Some(i) = CONTENT_CHECKS.iter().position(|c| c.code == code) {
            counts[i] += 1;
        }
    }
    CONTENT_CHECKS.iter().copied().zip(counts).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(markdown: &str) -> Vec<(&'static str, usize)> {
        let mut page = Page::new("a.md".into(), "src", "A".into(), Vec::new());
        page.set_text(markdown.to_string());
        content_warnings(&page)
            .into_iter()
            .map(|d| (d.code, d.column))
            .collect()
    }

    #[test]
    fn good_content_passes() {
        assert_eq!(
            codes(
                "# A\n\n![Karta över länet](k.png) [Riktlinjer](r.md) <namn@x.se>\n\n<img src=\"d.png\" alt=\"\">\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\n<table><tr><th>A</th></tr></table>\n"
            ),
            []
        );
    }

    #[test]
    fn each_problem_is_found_where_it_is_written() {
        assert_eq!(
            codes(
                "# A\n\n![](x.png) [Här](a.md). [läs mer »](b.md) <https://x.se> [www.x.se](https://www.x.se) [](c.md)\n"
            ),
            [
                (IMAGE_WITHOUT_ALT, 1),
                (LINK_TEXT_UNCLEAR, 12),
                (LINK_TEXT_UNCLEAR, 25),
                (LINK_TEXT_URL, 43),
                (LINK_TEXT_URL, 58),
                (LINK_TEXT_UNCLEAR, 87),
            ]
        );
        assert_eq!(
            codes(
                "Text <img src=\"x.png\">\n\n| | |\n|---|---|\n| 1 | 2 |\n\n<table>\n<tr><td>1</td></tr>\n</table>\n"
            ),
            [
                (IMAGE_WITHOUT_ALT, 6),
                (TABLE_WITHOUT_HEADER, 1),
                (TABLE_WITHOUT_HEADER, 1)
            ]
        );
        // Raw HTML links: inline (text between events) and in a block.
        assert_eq!(
            codes(
                "<a href=\"b.md\">Klicka här</a> <a href=\"c.md\"><img src=\"c.png\" alt=\"\"></a> <a href=\"d.md\">Riktlinjer</a>\n\n<p><a href=\"https://x.se\">https://x.se</a></p>\n"
            ),
            [
                (LINK_TEXT_UNCLEAR, 1),
                (LINK_TEXT_UNCLEAR, 31),
                (LINK_TEXT_URL, 4),
            ]
        );
    }
}
