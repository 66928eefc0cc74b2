//! Diagnostics: what is wrong in the book, where, and what to do about it.
//!
//! Every check produces [`Diagnostic`]s; they are printed in the style of rustc
//! (annotate-snippets) or as JSON, and decide the exit code.

use serde::Serialize;
use std::fmt;

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem at one place in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Path relative to the book directory, with `/` separators (e.g. `src/om.md`).
    pub file: String,
    /// 1-based line; 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based column in characters; 0 when the problem concerns the whole file.
    pub column: usize,
    pub severity: Severity,
    /// Stable machine-readable code, e.g. `broken-link`.
    pub code: &'static str,
    pub message: String,
    pub suggestion: Option<String>,
    /// The source line, for the snippet (not part of the JSON output).
    #[serde(skip)]
    pub source_line: Option<String>,
    /// Length in characters of the marked part of the source line.
    #[serde(skip)]
    pub span_chars: usize,
}

impl Diagnostic {
    /// A problem concerning a whole file.
    pub fn file_level(
        file: impl Into<String>,
        severity: Severity,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            file: file.into(),
            line: 0,
            column: 0,
            severity,
            code,
            message: message.into(),
            suggestion: None,
            source_line: None,
            span_chars: 0,
        }
    }

    /// A problem at byte range `span` of `source` (the whole file's text).
    pub fn at(
        file: impl Into<String>,
        source: &str,
        span: std::ops::Range<usize>,
        severity: Severity,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        let loc = Location::of(source, span.start);
        let line_text = source[loc.line_start..]
            .split('\n')
            .next()
            .unwrap_or("")
            .trim_end_matches('\r');
        // The marked part ends at the end of the line; a span that starts past it (at a
        // line's `\r`, say) marks one character.
        let line_end = (loc.line_start + line_text.len()).max(span.start);
        let end = span.end.clamp(span.start, line_end);
        let span_chars = source
            .get(span.start..end)
            .map_or(1, |s| s.chars().count())
            .max(1);
        Diagnostic {
            file: file.into(),
            line: loc.line,
            // A span at the line's `\r` (of `\r\n`) is shown just past the line's text.
            column: loc.column.min(line_text.chars().count() + 1),
            severity,
            code,
            message: message.into(),
            suggestion: None,
            source_line: Some(line_text.to_string()),
            span_chars,
        }
    }

    pub fn with_suggestion(mut self, suggestion: Option<String>) -> Self {
        self.suggestion = suggestion;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Line and column (1-based, column in characters) of a byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
    /// Byte offset where the line starts.
    pub line_start: usize,
}

impl Location {
    pub fn of(source: &str, offset: usize) -> Self {
        let offset = floor_char_boundary(source, offset.min(source.len()));
        let before = &source[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Location {
            line: before.matches('\n').count() + 1,
            column: source[line_start..offset].chars().count() + 1,
            line_start,
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Sorts diagnostics by file and position, errors before warnings at one place.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.severity, &a.message)
            .cmp(&(&b.file, b.line, b.column, b.severity, &b.message))
    });
}

/// Counts of errors and warnings.
pub fn counts(diags: &[Diagnostic]) -> (usize, usize) {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    (errors, diags.len() - errors)
}

/// Renders diagnostics the way rustc does: header, `file:line:column`, the source
/// line with a marker under the problem, and a help line with the suggestion.
pub fn render_human(diags: &[Diagnostic], color: bool) -> String {
    use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for d in diags {
        let level = match d.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let title = level.primary_title(d.message.as_str()).id(d.code);
        let location = format!("{}:{}:{}", d.file, d.line.max(1), d.column.max(1));
        let mut report = Vec::new();
        match &d.source_line {
            Some(line) => {
                let start: usize = line
                    .char_indices()
                    .nth(d.column.saturating_sub(1))
                    .map_or(line.len(), |(i, _)| i);
                let end = line[start..]
                    .char_indices()
                    .nth(d.span_chars)
                    .map_or(line.len(), |(i, _)| start + i);
                report.push(
                    title.element(
                        Snippet::source(line.as_str())
                            .line_start(d.line)
                            .path(d.file.as_str())
                            .annotation(AnnotationKind::Primary.span(start..end)),
                    ),
                );
            }
            None => report.push(title.element(Level::NOTE.message(format!("i {location}")))),
        }
        if let Some(s) = &d.suggestion {
            report.push(Group::with_title(Level::HELP.secondary_title(s.as_str())));
        }
        out.push_str(&renderer.render(&report));
        out.push_str("\n\n");
    }
    out
}

/// Renders diagnostics as a JSON array of
/// `{file, line, column, severity, code, message, suggestion}`.
pub fn render_json(diags: &[Diagnostic]) -> String {
    serde_json::to_string_pretty(diags).unwrap_or_else(|_| "[]".into())
}

/// The nearest candidate to `wanted` by edit distance, if it is close enough to help.
pub fn nearest<'a, I>(wanted: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let wanted_l = wanted.to_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::normalized_damerau_levenshtein(&wanted_l, &c.to_lowercase()),
                c,
            )
        })
        .filter(|(score, _)| *score >= 0.5)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_counts_characters_not_bytes() {
        let src = "rad ett\nåäö [x](y.md)\n";
        let off = src.find("[x]").unwrap();
        let loc = Location::of(src, off);
        assert_eq!((loc.line, loc.column), (2, 5));
    }

    #[test]
    fn human_rendering_names_file_line_and_marks_the_span() {
        let src = "# Rubrik\n\nSe [här](saknas.md).\n";
        let start = src.find("saknas.md").unwrap();
        let d = Diagnostic::at(
            "src/a.md",
            src,
            start..start + 9,
            Severity::Error,
            "broken-link",
            "länken pekar på en fil som inte finns",
        )
        .with_suggestion(Some("menade du `finns.md`?".into()));
        let out = render_human(&[d], false);
        assert!(out.contains("src/a.md:3:10"), "{out}");
        assert!(out.contains("^^^^^^^^^"), "{out}");
        assert!(out.contains("menade du `finns.md`?"), "{out}");
    }

    #[test]
    fn nearest_finds_close_candidates_only() {
        let c = ["sip", "ansvar-skola", "mal"];
        assert_eq!(nearest("sipp", c), Some("sip"));
        assert_eq!(nearest("helt-annat-ord", c), None);
    }
}
