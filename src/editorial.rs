//! The site's own notes in text quoted from its sources. Pages reproduce source
//! documents; where the site adds something (a picture the text lacks, a typo kept or
//! corrected, a text that breaks off), the addition is marked as the site's, so that no
//! reader takes it for the source's words:
//!
//! ```markdown
//! Identifiera <span class="site-note">[Webbplatsens anmärkning: texten slutar här i källan.]</span>
//! Avvikelserapportering <span class="site-note">[Webbplatsens rättelse, i källan: ”Avvikels rapportering”]</span>
//! ```
//!
//! The text says whose note it is (and the brackets set it apart in mdBook too); the theme
//! styles `.site-note`. `samsyn check` warns about a note in parentheses that speaks of the
//! source ("(så i källan)", "(bilden finns inte med i källtexten)", "(sic)") written
//! outside that convention.

use crate::book::Page;
use crate::diagnostics::{Diagnostic, Severity};
use crate::markdown;
use pulldown_cmark::{Event, Parser};
use std::ops::Range;

/// The class of the site's notes.
pub const NOTE_CLASS: &str = "site-note";

/// Words that make a parenthesised remark an editorial note about the source, and
/// whether they must stand alone (`sic`, not `sice`) or may start a longer word
/// (`källtexten`).
const NOTE_WORDS: &[(&str, bool)] = &[("i källan", true), ("källtext", false), ("sic", true)];

/// The events of a Markdown body that are not inside the site's notes, with their byte
/// ranges (the notes' own `<span>` tags left out too).
pub fn outside_notes(markdown: &str) -> Vec<(Event<'_>, Range<usize>)> {
    let mut depth = 0usize;
    let mut out = Vec::new();
    for (event, range) in Parser::new_ext(markdown, markdown::options()).into_offset_iter() {
        if let Event::InlineHtml(html) | Event::Html(html) = &event {
            let html = html.trim();
            if html.starts_with("<span") && html.contains(NOTE_CLASS) {
                depth += 1;
                continue;
            }
            if html.starts_with("</span") && depth > 0 {
                depth -= 1;
                continue;
            }
        }
        if depth == 0 {
            out.push((event, range));
        }
    }
    out
}

/// Warnings for editorial notes in parentheses outside `<span class="site-note">`.
pub fn unmarked_notes(page: &Page) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut source = None;
    for (event, range) in outside_notes(&page.markdown) {
        let Event::Text(text) = event else { continue };
        for found in parenthesised_notes(&text) {
            // The text event's bytes are the file's, unless escapes changed them.
            let start = page.markdown[range.clone()]
                .find(&text[found.clone()])
                .map_or(range.start, |at| range.start + at);
            let source = source.get_or_insert_with(|| page.source().into_owned());
            diags.push(
                Diagnostic::at(
                    &page.file,
                    source,
                    start..start + found.len(),
                    Severity::Warning,
                    "editorial-note",
                    "anmärkningen i parentesen är webbplatsens, men kan läsas som källans text",
                )
                .with_suggestion(Some(format!(
                    "skriv den som <span class=\"{NOTE_CLASS}\">[Webbplatsens anmärkning: …]</span> (se README, \"Webbplatsens anmärkningar\")"
                ))),
            );
        }
    }
    diags
}

/// Byte ranges of `(…)` groups in `text` that speak of the source.
fn parenthesised_notes(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut open = None;
    for (i, c) in text.char_indices() {
        match c {
            '(' => open = Some(i),
            ')' => {
                if let Some(start) = open.take() {
                    let inner = text[start + 1..i].to_lowercase();
                    if NOTE_WORDS
                        .iter()
                        .any(|&(word, whole)| mentions(&inner, word, whole))
                    {
                        out.push(start..i + 1);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether `word` starts a word of `text` (and, if `whole`, ends it too).
fn mentions(text: &str, word: &str, whole: bool) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        let glued = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        !(glued(before) || whole && glued(after))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warnings(body: &str) -> Vec<String> {
        let mut page = Page::new("a.md".into(), "src", "A".into(), Vec::new());
        page.set_text(body.to_string());
        unmarked_notes(&page)
            .into_iter()
            .map(|d| format!("{}:{}", d.line, d.column))
            .collect()
    }

    #[test]
    fn notes_in_parentheses_outside_the_convention_are_found_where_written() {
        assert_eq!(
            warnings(
                "# A\n\nEtt år 2019 – 2012 (så i källan) och\nen bild (bilden finns inte med i källtexten).\n"
            ),
            ["3:20", "4:9"]
        );
        assert_eq!(warnings("| a |\n| - |\n| ordet (sic) |\n"), ["3:9"]);
    }

    #[test]
    fn the_convention_and_ordinary_parentheses_pass() {
        assert!(warnings("# A\n\nEtt år <span class=\"site-note\">[Webbplatsens anmärkning: så i källan (sic)]</span>.\n").is_empty());
        assert!(warnings("# A\n\nEtt streck (–) betyder att cellen är tom i källan. Basic (sice) (klassiker)\n").is_empty());
        assert!(warnings("# A\n\n`(så i källan)` i kod\n").is_empty());
    }
}
