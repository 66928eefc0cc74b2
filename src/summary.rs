//! SUMMARY.md: where each entry is written (for located diagnostics), duplicate
//! entries, and the chapters it lists read through the confined source folder into
//! mdBook's book model.

use crate::book::{ChapterText, chapter_text};
use crate::confine::{PathProblem, ResolvedDirs, SourceRoot, normalize};
use crate::diagnostics::{Diagnostic, Severity, nearest};
use crate::markdown::{self, LinkSource};
use mdbook_driver::book::{Book, BookItem, Chapter};
use mdbook_summary::{Link, Summary, SummaryItem};
use rayon::prelude::*;
use std::cell::OnceCell;
use std::collections::HashMap;
use std::ops::Range;

/// SUMMARY.md as read, with its entries located.
pub struct SummaryText<'a> {
    /// The file as diagnostics name it (`book/src/SUMMARY.md`).
    pub file: &'a str,
    pub text: &'a str,
    /// The source folder as diagnostics name it (`book/src`).
    pub src_name: &'a str,
    /// Every chapter link: its location as mdBook reads it, and where it is written.
    entries: Vec<(String, Range<usize>)>,
}

impl<'a> SummaryText<'a> {
    pub fn new(file: &'a str, text: &'a str, src_name: &'a str) -> Self {
        let entries = markdown::links(text)
            .into_iter()
            .filter(|l| l.source == LinkSource::Inline)
            .map(|l| (l.dest.replace("%20", " "), l.span))
            .collect();
        SummaryText {
            file,
            text,
            src_name,
            entries,
        }
    }

    /// Where the entry for `location` is written (its first occurrence), compared
    /// as written or, failing that, with `./` and `..` resolved.
    pub fn span_of(&self, location: &str) -> Range<usize> {
        let normal = normalize(location).ok();
        self.entries
            .iter()
            .find(|(l, _)| l == location)
            .or_else(|| {
                self.entries
                    .iter()
                    .find(|(l, _)| normal.is_some() && normalize(l).ok() == normal)
            })
            .map_or(0..0, |(_, span)| span.clone())
    }

    fn at(
        &self,
        span: Range<usize>,
        code: &'static str,
        message: String,
        suggestion: String,
    ) -> Diagnostic {
        Diagnostic::at(self.file, self.text, span, Severity::Error, code, message)
            .with_suggestion(Some(suggestion))
    }

    /// Entries that name a file an earlier entry already names (after `./` and `..`
    /// are resolved), each located at the repeat.
    pub fn duplicates(&self) -> Vec<Diagnostic> {
        let mut first: HashMap<String, &Range<usize>> = HashMap::new();
        let mut diags = Vec::new();
        for (location, span) in &self.entries {
            if location.is_empty() {
                continue; // a draft chapter
            }
            let key = normalize(location).unwrap_or_else(|_| location.clone());
            match first.get(&key) {
                None => {
                    first.insert(key, span);
                }
                Some(earlier) => {
                    let line = self.text[..earlier.start].matches('\n').count() + 1;
                    diags.push(self.at(
                        span.clone(),
                        "duplicate-chapter",
                        format!(
                            "`{location}` finns redan i SUMMARY.md, på rad {line}; en fil kan bara vara ett kapitel"
                        ),
                        format!("ta bort den här raden eller den på rad {line}"),
                    ));
                }
            }
        }
        diags
    }

    /// The diagnostic for an entry whose file cannot be used.
    fn entry_problem(
        &self,
        location: &str,
        problem: &PathProblem,
        existing: &dyn Fn() -> Vec<String>,
    ) -> Diagnostic {
        let span = self.span_of(location);
        let src = self.src_name;
        let (code, message, suggestion) = match problem {
            PathProblem::NotFound => {
                let existing = existing();
                (
                    "missing-chapter",
                    format!("kapitlet `{location}` finns inte under {src}/"),
                    match nearest(location, existing.iter().map(String::as_str)) {
                        Some(p) => format!("menade du `{p}`? (samsyn skapar aldrig tomma sidor)"),
                        None => format!(
                            "skapa filen {src}/{location} eller ta bort raden (samsyn skapar aldrig tomma sidor)"
                        ),
                    },
                )
            }
            PathProblem::Absolute | PathProblem::LeavesRoot | PathProblem::OutsideRoot => {
                let (message, suggestion) = problem.describe(location, src);
                ("chapter-outside-src", message, suggestion)
            }
            PathProblem::Empty | PathProblem::NotAFile => {
                let (message, suggestion) = problem.describe(location, src);
                ("chapter-not-a-file", message, suggestion)
            }
            PathProblem::Io(_) => {
                let (message, suggestion) = problem.describe(location, src);
                ("unreadable-chapter", message, suggestion)
            }
        };
        self.at(span, code, message, suggestion)
    }
}

/// The chapters of a loaded SUMMARY.md.
pub struct Chapters {
    pub book: Book,
    /// Problems inside chapter files (text that is not UTF-8).
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads every chapter `summary` lists from `source`. Entries whose files cannot be
/// read (missing, outside the source folder, not a file) are all returned as errors
/// located in SUMMARY.md, with the problems of the chapters that could be read.
pub fn load_chapters(
    summary: &Summary,
    source: &SourceRoot,
    text: &SummaryText<'_>,
) -> Result<Chapters, Vec<Diagnostic>> {
    let mut locations = Vec::new();
    for item in [
        &summary.prefix_chapters,
        &summary.numbered_chapters,
        &summary.suffix_chapters,
    ]
    .into_iter()
    .flatten()
    {
        chapter_locations(item, &mut locations);
    }
    // The chapters' files, read in parallel (at 100,000 pages one after another took
    // 3.6 s); the walk below takes them in book order.
    let dirs = ResolvedDirs::default();
    let read = locations
        .into_par_iter()
        .map(|location| {
            let read = read_located(source, &dirs, text, &location);
            (location, read)
        })
        .collect();
    let mut loader = Loader {
        source,
        text,
        dirs,
        read,
        problems: Vec::new(),
        diagnostics: Vec::new(),
        existing: OnceCell::new(),
    };
    let items = [
        &summary.prefix_chapters,
        &summary.numbered_chapters,
        &summary.suffix_chapters,
    ]
    .into_iter()
    .flatten()
    .map(|item| loader.item(item, &[]))
    .collect();
    if !loader.problems.is_empty() {
        // The problems found inside the chapters that could be read, too.
        loader.problems.append(&mut loader.diagnostics);
        return Err(loader.problems);
    }
    Ok(Chapters {
        book: Book::new_with_items(items),
        diagnostics: loader.diagnostics,
    })
}

/// Every chapter file location in `item` and below it, in book order.
fn chapter_locations(item: &SummaryItem, out: &mut Vec<String>) {
    if let SummaryItem::Link(link) = item {
        if let Some(location) = &link.location {
            out.push(location.to_string_lossy().into_owned());
        }
        for nested in &link.nested_items {
            chapter_locations(nested, out);
        }
    }
}

/// A chapter file read: its path relative to the source folder and its text.
type ReadChapter = Result<(String, ChapterText), PathProblem>;

/// Reads the chapter file at `location` (as written in SUMMARY.md).
fn read_located(
    source: &SourceRoot,
    dirs: &ResolvedDirs,
    text: &SummaryText<'_>,
    location: &str,
) -> ReadChapter {
    // Resolved once: the file it found is the one read.
    let file = source.resolve_in(location, dirs)?;
    let display = format!("{}/{}", text.src_name, file.rel);
    let bytes = SourceRoot::read_resolved(&file)?;
    Ok((file.rel, chapter_text(bytes, &display)))
}

struct Loader<'a, 'b> {
    source: &'a SourceRoot,
    text: &'a SummaryText<'b>,
    /// The folders the read-ahead resolved, for a location read again.
    dirs: ResolvedDirs,
    /// The chapter files read ahead, by location.
    read: HashMap<String, ReadChapter>,
    problems: Vec<Diagnostic>,
    diagnostics: Vec<Diagnostic>,
    /// The Markdown files under the source folder, for "did you mean" (read once).
    existing: OnceCell<Vec<String>>,
}

impl Loader<'_, '_> {
    fn item(&mut self, item: &SummaryItem, parents: &[String]) -> BookItem {
        match item {
            SummaryItem::Link(link) => BookItem::Chapter(self.chapter(link, parents)),
            SummaryItem::PartTitle(title) => BookItem::PartTitle(title.clone()),
            _ => BookItem::Separator,
        }
    }

    fn chapter(&mut self, link: &Link, parents: &[String]) -> Chapter {
        let mut name = link.name.clone();
        markdown::replace_nul(&mut name);
        let loaded = link.location.as_ref().and_then(|location| {
            let location = location.to_string_lossy().into_owned();
            let read = match self.read.remove(&location) {
                Some(read) => read,
                // Read ahead once: a location that repeats is read again.
                None => read_located(self.source, &self.dirs, self.text, &location),
            };
            match read {
                Ok((rel, text)) => {
                    self.diagnostics.extend(text.problem);
                    Some(Chapter::new(&name, text.text, rel, parents.to_vec()))
                }
                Err(problem) => {
                    let existing = || {
                        self.existing
                            .get_or_init(|| {
                                let mut files = crate::book::markdown_files(self.source.dir());
                                files.retain(|f| f != "SUMMARY.md");
                                files
                            })
                            .clone()
                    };
                    let diag = self.text.entry_problem(&location, &problem, &existing);
                    self.problems.push(diag);
                    None
                }
            }
        });
        let mut chapter = loaded.unwrap_or_else(|| Chapter::new_draft(&name, parents.to_vec()));
        chapter.number = link.number.clone();
        let mut inner = parents.to_vec();
        inner.push(name);
        chapter.sub_items = link
            .nested_items
            .iter()
            .map(|i| self.item(i, &inner))
            .collect();
        chapter
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_located_as_written_or_resolved() {
        let text = "# S\n\n- [A](a.md)\n- [B](./del/../b%20c.md)\n- [Utkast]()\n";
        let summary = SummaryText::new("src/SUMMARY.md", text, "src");
        assert_eq!(&text[summary.span_of("a.md")], "a.md");
        assert_eq!(&text[summary.span_of("b c.md")], "./del/../b%20c.md");
        assert_eq!(summary.span_of("saknas.md"), 0..0);
        assert!(summary.duplicates().is_empty(), "a draft is no file");
    }
}
