//! The glossary's abbreviations, read as search synonyms.
//!
//! The convention (README, "Förkortningar i ordlistan"): book.toml names the section of
//! the glossary that lists abbreviations,
//!
//! ```toml
//! [output.samsyn]
//! glossary = "begrepp.md#forkortningar"
//! ```
//!
//! and every heading one level below that section's heading is an abbreviation. The first
//! sentence of the paragraph right after it is the abbreviation written out (what comes
//! after a colon or in parentheses is explanation, not part of it), or
//! "Källorna skriver inte ut förkortningen." when the sources never write it out: then the
//! abbreviation is searched as written only. A first sentence that does not spell the
//! abbreviation out (it does not start with its first letter, lacks its letters in order,
//! or uses the abbreviation itself) describes it instead and gives no synonym.
//! `samsyn check` reports what breaks the convention ([`check`]).

use search_index::synonyms::{Pair, Synonyms, form_stems};

use crate::book::{LoadedBook, Page};
use crate::diagnostics::{Diagnostic, Severity};
use crate::markdown::Heading;

/// The first sentence of an abbreviation the sources never write out.
pub const UNEXPANDED: &str = "Källorna skriver inte ut förkortningen.";

const EXAMPLE: &str = "glossary = \"begrepp.md#forkortningar\"";

/// `[output.samsyn] glossary` of book.toml as (page path, heading id); `None` when not
/// set. A value that is no text or has no `#heading` is a configuration error (exit 2),
/// checked when book.toml is loaded.
pub fn setting(config: &mdbook_driver::config::Config) -> Result<Option<(String, String)>, String> {
    let Some(value) = crate::book::text_setting(config, "glossary", EXAMPLE)? else {
        return Ok(None);
    };
    match value.split_once('#') {
        Some((page, id)) if !page.trim().is_empty() && !id.trim().is_empty() => {
            Ok(Some((page.trim().to_string(), id.trim().to_string())))
        }
        _ => Err(format!(
            "[output.samsyn] glossary = \"{value}\" ska ange ordlistans sida och rubriken över förkortningarna, till exempel {EXAMPLE}"
        )),
    }
}

/// One abbreviation of the glossary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub abbreviation: String,
    /// Written out (a synonym), or `None`: never written out by the sources, or described
    /// rather than written out.
    pub expansion: Option<String>,
}

/// What the glossary gives: its abbreviations, and what breaks the convention.
#[derive(Debug, Default)]
pub struct Glossary {
    pub entries: Vec<Entry>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The synonym pairs of the book's glossary (none without one).
pub fn synonyms(book: &LoadedBook) -> Synonyms {
    Synonyms::new(read(book).entries.into_iter().filter_map(|e| {
        e.expansion.map(|expansion| Pair {
            abbreviation: e.abbreviation,
            expansion,
        })
    }))
}

/// The glossary's diagnostics, for `samsyn check`.
pub fn check(book: &LoadedBook) -> Vec<Diagnostic> {
    read(book).diagnostics
}

/// The page that holds the glossary named in book.toml, if the book has it.
pub fn page(book: &LoadedBook) -> Option<usize> {
    let Ok(Some((path, _))) = setting(&book.config) else {
        return None;
    };
    book.by_path.get(&path).copied()
}

/// Reads the glossary named in book.toml.
pub fn read(book: &LoadedBook) -> Glossary {
    let Ok(Some((path, id))) = setting(&book.config) else {
        return Glossary::default();
    };
    let Some(page) = book.by_path.get(&path).map(|&i| &book.pages[i]) else {
        return config_problem(
            book,
            "glossary-missing-page",
            format!("ordlistan `{path}` som book.toml anger finns inte i boken"),
            "ange sökvägen till ordlistans sida under src/, som i SUMMARY.md".to_string(),
        );
    };
    let Some(at) = page.headings.iter().position(|h| h.id == id) else {
        return config_problem(
            book,
            "glossary-missing-section",
            format!("ordlistan `{path}` har ingen rubrik med id `{id}`"),
            format!(
                "ange id:t för rubriken över förkortningarna, till exempel `{path}#forkortningar`"
            ),
        );
    };
    read_section(page, at)
}

/// A problem with the glossary setting, located at it in book.toml.
fn config_problem(
    book: &LoadedBook,
    code: &'static str,
    message: String,
    suggestion: String,
) -> Glossary {
    let file = crate::book::display_path(&book.root.join("book.toml"));
    let text = std::fs::read_to_string(book.root.join("book.toml")).unwrap_or_default();
    let at = text
        .lines()
        .scan(0, |offset, line| {
            let start = *offset;
            *offset += line.len() + 1;
            Some((start, line))
        })
        .find(|(_, line)| line.trim_start().starts_with("glossary"));
    let diagnostic = match at {
        Some((start, line)) => Diagnostic::at(
            file,
            &text,
            start..start + line.len(),
            Severity::Error,
            code,
            message,
        ),
        None => Diagnostic::file_level(file, Severity::Error, code, message),
    };
    Glossary {
        entries: Vec::new(),
        diagnostics: vec![diagnostic.with_suggestion(Some(suggestion))],
    }
}

/// The abbreviations under heading `at` of `page`: the headings one level below it.
fn read_section(page: &Page, at: usize) -> Glossary {
    let level = page.headings[at].level;
    let source = page.source();
    let mut glossary = Glossary::default();
    let under: Vec<&Heading> = page.headings[at + 1..]
        .iter()
        .take_while(|h| h.level > level)
        .collect();
    let entries: Vec<(usize, &Heading)> = under
        .iter()
        .enumerate()
        .filter(|(_, h)| h.level == level + 1)
        .map(|(i, h)| (i, *h))
        .collect();
    let folded = |s: &str| search_index::analyzer::fold(s.trim());
    let problem = |span: std::ops::Range<usize>, code, message: String, suggestion: String| {
        Diagnostic::at(&page.file, &source, span, Severity::Error, code, message)
            .with_suggestion(Some(suggestion))
    };
    for (n, &(i, heading)) in entries.iter().enumerate() {
        let abbreviation = heading.text.trim().to_string();
        if let Some(&(_, first)) = entries[..n]
            .iter()
            .find(|(_, h)| folded(&h.text) == folded(&abbreviation))
        {
            let line = crate::diagnostics::Location::of(&source, first.span.start).line;
            glossary.diagnostics.push(problem(
                heading.span.clone(),
                "glossary-duplicate",
                format!("förkortningen {abbreviation} står redan i ordlistan (rad {line})"),
                "ta bort den ena rubriken, eller för samman förklaringarna under den första"
                    .to_string(),
            ));
            continue;
        }
        let end = under
            .get(i + 1)
            .map_or(page.markdown.len(), |h| h.span.start);
        let Some((sentence, span)) = first_sentence(&page.markdown, heading.span.end..end) else {
            glossary.diagnostics.push(problem(
                heading.span.clone(),
                "glossary-no-expansion",
                format!("förkortningen {abbreviation} har inget stycke direkt under rubriken som skriver ut den"),
                format!("skriv förkortningen utskriven som första mening, till exempel ”Socialtjänstlagen.”, eller ”{UNEXPANDED}”"),
            ));
            continue;
        };
        if sentence == UNEXPANDED {
            glossary.entries.push(Entry {
                abbreviation,
                expansion: None,
            });
            continue;
        }
        let expansion = written_out(&sentence);
        let other = entries
            .iter()
            .find(|(_, h)| folded(&h.text) == folded(&expansion) && !expansion.is_empty());
        if let Some((_, other)) = other {
            glossary.diagnostics.push(problem(
                span,
                "glossary-abbreviation-as-expansion",
                format!(
                    "förkortningen {abbreviation} förklaras med förkortningen {}, som inte skriver ut den",
                    other.text.trim()
                ),
                format!(
                    "skriv ut {abbreviation} så som källan gör, eller skriv ”{UNEXPANDED}”"
                ),
            ));
            continue;
        }
        if form_stems(&expansion)
            .iter()
            .all(|s| search_index::query::is_stop_word(s))
        {
            glossary.diagnostics.push(problem(
                span,
                "glossary-empty-expansion",
                format!("första meningen under {abbreviation} har inga sökbara ord före kolon eller parentes"),
                format!("skriv förkortningen utskriven först i stycket, eller skriv ”{UNEXPANDED}”"),
            ));
            continue;
        }
        let spelled = spells_out(&abbreviation, &expansion);
        glossary.entries.push(Entry {
            abbreviation,
            expansion: spelled.then_some(expansion),
        });
    }
    glossary
}

/// The first sentence of the paragraph that comes first in `range` of `markdown` (its
/// plain text: link text kept, markup dropped) and the byte range of its first line, or
/// `None` when something else comes first (or nothing).
fn first_sentence(
    markdown: &str,
    range: std::ops::Range<usize>,
) -> Option<(String, std::ops::Range<usize>)> {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let body = &markdown[..range.end];
    let mut text = String::new();
    let mut start = None;
    for (event, at) in Parser::new_ext(body, crate::markdown::options()).into_offset_iter() {
        if at.start < range.start {
            continue;
        }
        match (&event, start) {
            (Event::Start(Tag::Paragraph), None) => start = Some(at.start),
            (_, None) => return None,
            (Event::End(TagEnd::Paragraph), Some(_)) => break,
            (Event::Text(t) | Event::Code(t), Some(_)) => text.push_str(t),
            (Event::SoftBreak | Event::HardBreak, Some(_)) => text.push(' '),
            _ => {}
        }
    }
    let start = start?;
    let line_end = markdown[start..]
        .find('\n')
        .map_or(markdown.len(), |n| start + n);
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let end = chars
        .iter()
        .enumerate()
        .find(|(k, (_, c))| {
            matches!(c, '.' | '!' | '?')
                && chars
                    .get(k + 1)
                    .is_none_or(|(_, next)| next.is_whitespace())
        })
        .map_or(text.len(), |(_, (i, c))| i + c.len_utf8());
    Some((text[..end].trim().to_string(), start..line_end))
}

/// The written-out form in a first sentence: before a colon or parenthesis, without the
/// closing punctuation.
fn written_out(sentence: &str) -> String {
    let cut = sentence.find([':', '(']).unwrap_or(sentence.len());
    sentence[..cut]
        .trim()
        .trim_end_matches(['.', '!', '?', ',', ';'])
        .trim()
        .to_string()
}

/// Whether `expansion` spells `abbreviation` out: it starts with the abbreviation's first
/// letter, has all its letters in that order, and does not use the abbreviation itself.
fn spells_out(abbreviation: &str, expansion: &str) -> bool {
    let letters = |s: &str| -> Vec<char> {
        search_index::analyzer::fold(s)
            .chars()
            .filter(|c| c.is_alphabetic())
            .collect()
    };
    let (a, e) = (letters(abbreviation), letters(expansion));
    if a.is_empty() || e.first() != a.first() {
        return false;
    }
    let mut rest = e.iter();
    if !a.iter().all(|c| rest.any(|x| x == c)) {
        return false;
    }
    let (own, words) = (form_stems(abbreviation), form_stems(expansion));
    !words.windows(own.len()).any(|w| w == own.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_sentence_before_a_colon_or_parenthesis_is_written_out() {
        assert_eq!(written_out("Socialtjänstlagen."), "Socialtjänstlagen");
        assert_eq!(
            written_out("Hälsosam aktiv livsstil: en utveckling av hälsocenter."),
            "Hälsosam aktiv livsstil"
        );
        assert_eq!(
            written_out("Vård- och insatsprogram (nationella vård- och insatsprogram)."),
            "Vård- och insatsprogram"
        );
    }

    proptest::proptest! {
        /// Any text (Markdown pieces, odd characters), from any heading end to any later
        /// place, gives a first sentence or none, never a panic.
        #[test]
        fn reading_the_first_sentence_of_any_text_never_panics(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "### SoL\n\n", "Socialtjänstlagen. ", "Hälsosam: aktiv (se x). ", "- lista\n",
                    "[länk](a.md) ", "`kod`. ", "ö.å.ä ", "\r\n", "\n\n", "(", ")", ":", ".", "é\u{301}", "\u{2028}",
                    "> citat\n", "| a | b |\n|---|---|\n", "<span>x</span>", "***", "\\.",
                ]),
                0..24,
            ),
            cut in 0usize..400,
            start in 0usize..400,
        ) {
            let text: String = pieces.concat();
            let at = |n: usize| (0..=n.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            let end = at(cut);
            let from = at(start.min(end));
            if let Some((sentence, span)) = first_sentence(&text, from..end) {
                proptest::prop_assert!(span.start <= span.end && span.end <= text.len());
                let form = written_out(&sentence);
                let _ = spells_out("SoL", &form);
                let _ = spells_out(&form, "SoL");
            }
        }
    }

    #[test]
    fn only_a_spelled_out_form_is_a_synonym() {
        assert!(spells_out("SoL", "Socialtjänstlagen"));
        assert!(spells_out("HVB", "Hem för vård och boende"));
        assert!(spells_out("HSL", "Hälso- och sjukvårdslagen"));
        assert!(spells_out(
            "PSVF",
            "Person-centrerade och sammanhållna vårdförlopp"
        ));
        // Descriptions.
        assert!(!spells_out("LAG", "En arbetsgrupp inom ett LPO"));
        assert!(!spells_out(
            "FoU-rum",
            "FoU-rum social välfärd är en forsknings- och utvecklingsenhet"
        ));
    }
}
