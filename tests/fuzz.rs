//! Fuzz targets of the content checks (property-based, on stable): the front-matter
//! parser, SUMMARY.md loading, and link extraction and checking. They must never panic,
//! and every diagnostic must point inside its file (line, column on a character, the
//! marked part within the line). Long run: `scripts/fuzz` (see
//! `search-index/tests/support/fuzz.rs`).

#[path = "../search-index/tests/support/fuzz.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use samsyn::diagnostics::Diagnostic;
use samsyn::{book, frontmatter, markdown, pipeline};
use support::{fuzz, with_allocation_limit};

/// Checks that a diagnostic located in `source` points inside it.
fn check_in_source(d: &Diagnostic, source: &str) -> Result<(), TestCaseError> {
    if d.line == 0 {
        prop_assert_eq!(d.column, 0, "file-level diagnostic with a column: {:?}", d);
        return Ok(());
    }
    let lines: Vec<&str> = source.split('\n').collect();
    prop_assert!(d.line <= lines.len(), "line past the end: {:?}", d);
    let line = lines[d.line - 1].trim_end_matches('\r');
    prop_assert_eq!(
        d.source_line.as_deref(),
        Some(line),
        "wrong source line: {:?}",
        d
    );
    let chars = line.chars().count();
    prop_assert!(
        d.column >= 1 && d.column <= chars + 1,
        "column off the line: {:?}",
        d
    );
    prop_assert!(
        d.span_chars >= 1 && d.column - 1 + d.span_chars <= chars.max(d.column),
        "marked part off the line: {:?}",
        d
    );
    Ok(())
}

fn check_range(source: &str, r: &std::ops::Range<usize>) -> Result<(), TestCaseError> {
    prop_assert!(
        r.start <= r.end && r.end <= source.len(),
        "{:?} of {}",
        r,
        source.len()
    );
    prop_assert!(source.is_char_boundary(r.start) && source.is_char_boundary(r.end));
    Ok(())
}

// ---------------------------------------------------------------- front matter

fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "\"[^\"\\\\\n]{0,12}\"",
        Just("\"\"".to_string()),
        Just("\"  \"".to_string()),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}",
        "\"[0-9]{4}-[0-9]{1,2}-[0-9]{1,3}\"",
        Just("2024-02-30".to_string()),
        Just("2024-01-31T10:00:00".to_string()),
        Just("10:00:00".to_string()),
        "-?[0-9]{1,20}",
        "[0-9]{1,3}\\.[0-9]{1,3}",
        Just("true".to_string()),
        Just("[\"Skola\", \"Socialtjänst\"]".to_string()),
        Just("[1, \"a\"]".to_string()),
        Just("[]".to_string()),
        Just("{ a = 1 }".to_string()),
        Just("{ review_by = \"härlett\", x = 1 }".to_string()),
        Just("[\"doc:1\", \"doc:1#a\", \"../a.md\"]".to_string()),
        Just("[{ date = \"2014\" }, { date = 2 }]".to_string()),
        Just("\"oavslutad".to_string()),
        Just("'''\nflera\nrader'''".to_string()),
        prop::sample::select(
            &[
                "agreement",
                "fakta",
                "process",
                "action-plan",
                "page",
                "in-force",
                "draft",
                "planned",
                "repealed",
                "agrement",
                "Draft"
            ][..]
        )
        .prop_map(|v| format!("\"{v}\"")),
        "\\PC{0,10}",
    ]
}

fn toml_key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(frontmatter::KEYS).prop_map(String::from),
        1 => prop::sample::select(&["kidn", "doc-id", "Kind", "\"kind\"", "valid_from.x", "åäö", "services.a"][..]).prop_map(String::from),
        1 => "[a-z_]{1,10}",
        1 => "\\PC{0,6}",
    ]
}

fn toml_line() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (toml_key(), prop::sample::select(&[" = ", "=", " =", "  =  ", " : "][..]), toml_value())
            .prop_map(|(k, eq, v)| format!("{k}{eq}{v}")),
        1 => Just("[tabell]".to_string()),
        1 => prop::sample::select(&["[[history]]", "[derived]", "[[ history ]]", "[history]"][..]).prop_map(String::from),
        1 => Just("# kommentar".to_string()),
        1 => Just(String::new()),
        1 => Just("+++".to_string()),
        1 => Just("++++".to_string()),
        1 => "\\PC{0,20}",
        1 => any::<String>(),
    ]
}

/// Characters dropped into generated pages: NUL, BOM, CR, multibyte (2, 3, 4 bytes),
/// combining marks.
const ODD_CHARS: &[char] = &[
    '\0', '\u{feff}', '\r', 'ä', '€', '𝔘', '\u{301}', '\u{2028}', '+', '\n',
];

/// Inserts odd characters at (char-boundary-rounded) byte offsets.
fn insert_odd(mut text: String, inserts: &[(usize, usize)]) -> String {
    for &(at, which) in inserts {
        let mut i = at % (text.len() + 1);
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        text.insert(i, ODD_CHARS[which % ODD_CHARS.len()]);
    }
    text
}

fn page_with_front_matter() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(toml_line(), 0..8),
        prop::sample::select(&["+++", "+++ ", "++++", "", "+++\r"][..]),
        "\\PC{0,30}",
        prop::collection::vec((any::<usize>(), any::<usize>()), 0..3),
    )
        .prop_map(|(bom, crlf, lines, close, body, inserts)| {
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut s = String::new();
            if bom {
                s.push('\u{feff}');
            }
            s.push_str("+++");
            s.push_str(eol);
            for l in lines {
                s.push_str(&l);
                s.push_str(eol);
            }
            s.push_str(close);
            s.push_str(eol);
            s.push_str(&body);
            insert_odd(s, &inserts)
        })
}

#[test]
fn fuzz_front_matter() {
    let source = prop_oneof![3 => page_with_front_matter(), 1 => any::<String>()];
    fuzz("front-matter", 3000, source, |source| {
        let split = frontmatter::split(&source);
        check_range(
            &source,
            &(split.toml_offset..split.toml_offset + split.toml.len()),
        )?;
        prop_assert_eq!(
            &source[split.toml_offset..split.toml_offset + split.toml.len()],
            split.toml
        );
        check_range(
            &source,
            &(split.toml_offset.min(split.body_offset)..split.body_offset),
        )?;
        if let Some(at) = split.unclosed_at {
            check_range(&source, &(at..at))?;
        }
        // Parsing allocates in proportion to the page, whatever its lengths claim.
        let (fm, diags) = with_allocation_limit((1 << 20) + 64 * source.len(), || {
            frontmatter::parse("sida.md", &source)
        })?;
        for d in &diags {
            check_in_source(d, &source)?;
        }
        for (_, span) in &fm.key_spans {
            check_range(&source, span)?;
        }
        Ok(())
    });
}

// ---------------------------------------------------------------- books on disk

/// A temporary book: `<tmp>/book/` with `src/`, beside files outside the book that no
/// load may read (their text is [`OUTSIDE`]) or change.
struct TempBook {
    tmp: tempfile::TempDir,
}

const OUTSIDE: &str = "UTANFÖR BOKEN";

impl TempBook {
    fn new() -> TempBook {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("book/src")).unwrap();
        std::fs::write(tmp.path().join("utanfor.md"), format!("# {OUTSIDE}\n")).unwrap();
        std::fs::create_dir_all(tmp.path().join("annan")).unwrap();
        std::fs::write(tmp.path().join("annan/sida.md"), format!("# {OUTSIDE}\n")).unwrap();
        TempBook { tmp }
    }
    fn root(&self) -> PathBuf {
        self.tmp.path().join("book")
    }
    fn write(&self, rel: &str, text: &str) {
        let path = self.root().join("src").join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    /// Every file outside the book folder, with its bytes.
    fn outside(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        walk_files(self.tmp.path())
            .into_iter()
            .filter(|(p, _)| !p.starts_with(self.root()))
            .collect()
    }
}

fn walk_files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().to_path_buf(), std::fs::read(e.path()).unwrap()))
        .collect()
}

/// Checks every diagnostic against the file it names (read from disk).
fn check_diagnostics(diags: &[Diagnostic]) -> Result<(), TestCaseError> {
    for d in diags {
        if d.line == 0 {
            continue;
        }
        let source = std::fs::read_to_string(&d.file);
        prop_assert!(source.is_ok(), "diagnostic names no readable file: {:?}", d);
        // Lines and columns are those an editor shows: without a byte-order mark.
        let source = source.unwrap();
        check_in_source(d, source.strip_prefix('\u{feff}').unwrap_or(&source))?;
    }
    Ok(())
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

// ---------------------------------------------------------------- SUMMARY.md

/// Chapter paths of generated SUMMARY.md files; `@ABS` stands for the absolute path of
/// the file outside the book.
const SUMMARY_PATHS: &[&str] = &[
    "a.md",
    "b/c.md",
    "ä.md",
    "saknas.md",
    "b/saknas.md",
    "./a.md",
    "b/../a.md",
    "../utanfor.md",
    "../../utanfor.md",
    "../../annan/sida.md",
    "b/../../../utanfor.md",
    "@ABS",
    "index.md",
    "dokumentregister.md",
    "tillganglighet.md",
    "a.md#ankare",
    "<a.md>",
    "a%20b.md",
    "b",
    "",
    "b/",
    ".",
    "..",
    "/",
    "a.md?x=1",
    "ä\u{301}.md",
];

fn summary_line() -> impl Strategy<Value = String> {
    let path = prop_oneof![
        4 => prop::sample::select(SUMMARY_PATHS).prop_map(String::from),
        1 => "[a-zåäö./]{0,12}",
        1 => "\\PC{0,8}",
    ];
    let title = prop_oneof![
        3 => "[A-Za-zÅÄÖåäö ]{1,10}",
        1 => "\\PC{0,8}",
        1 => Just(String::new()),
    ];
    prop_oneof![
        6 => (0usize..4, prop::sample::select(&["- ", "* ", "", "1. "][..]), title.clone(), path)
            .prop_map(|(depth, bullet, t, p)| format!("{}{bullet}[{t}]({p})", "  ".repeat(depth))),
        1 => (0usize..3, title.clone()).prop_map(|(d, t)| format!("{}- [{t}]()", "  ".repeat(d))),
        1 => title.prop_map(|t| format!("# {t}")),
        1 => Just("---".to_string()),
        1 => Just(String::new()),
        1 => "\\PC{0,20}",
        1 => Just("- [Trasig](a.md".to_string()),
        1 => Just("\t- [Tabb](a.md)".to_string()),
    ]
}

#[test]
fn fuzz_summary_load() {
    let summary = (
        prop::collection::vec(summary_line(), 0..12),
        any::<bool>(),
        prop::collection::vec((any::<usize>(), any::<usize>()), 0..2),
    );
    fuzz("summary-load", 300, summary, |(lines, crlf, inserts)| {
        let book = TempBook::new();
        // `@ABS` in a generated line: an absolute path to a file outside the book.
        let abs = book.tmp.path().join("utanfor.md");
        let abs = abs.to_string_lossy();
        let eol = if crlf { "\r\n" } else { "\n" };
        let text = format!("# Summary{eol}{eol}{}", lines.join(eol)).replace("@ABS", &abs);
        let text = insert_odd(text, &inserts);
        book.write("SUMMARY.md", &text);
        book.write("a.md", "# A\n\nText.\n");
        book.write("b/c.md", "+++\nkind = \"fakta\"\n+++\n# C\n");
        book.write("ä.md", "# Ä\n");
        let before_outside = book.outside();
        let before_book = walk_files(&book.root());
        let loaded = book::load(&book.root());
        prop_assert_eq!(
            book.outside(),
            before_outside,
            "files outside the book changed"
        );
        prop_assert_eq!(walk_files(&book.root()), before_book, "the book changed");
        match loaded {
            Err(_) => {}
            Ok(Err(diags)) => {
                prop_assert!(!diags.is_empty());
                check_diagnostics(&diags)?;
            }
            Ok(Ok(loaded)) => {
                check_diagnostics(&loaded.diagnostics)?;
                for page in &loaded.pages {
                    prop_assert!(
                        !page.markdown.contains(OUTSIDE),
                        "read a file outside the book: {} ({})",
                        page.path,
                        page.file
                    );
                }
            }
        }
        Ok(())
    });
}

// ---------------------------------------------------------------- links

const LINK_DESTS: &[&str] = &[
    "a.md",
    "a.md#mal",
    "a.md#mål",
    "a.md#saknas",
    "#mal",
    "#",
    "b/c.md",
    "b/c.md#c",
    "../a.md",
    "../../utanfor.md",
    "b/../../utanfor.md",
    "/a.md",
    "doc:104623",
    "doc:104623#sip",
    "doc:104623#sipp",
    "doc:",
    "doc:#",
    "doc:999",
    "DOC:104623",
    "http://example.com/x",
    "mailto:a@b.se",
    "%C3%A4.md",
    "%",
    "%ZZ.md",
    "ä.md#ä",
    "bilder/x.png",
    "a.md?x#y",
    "",
    "<a.md>",
    "a.md \"titel\"",
];

fn dest() -> impl Strategy<Value = String> {
    prop_oneof![
        5 => prop::sample::select(LINK_DESTS).prop_map(String::from),
        1 => "[a-zåä./#:%]{0,12}",
        1 => "\\PC{0,8}",
    ]
}

fn markdown_piece() -> impl Strategy<Value = String> {
    let text = "[A-Za-zåäö ]{0,12}";
    prop_oneof![
        4 => (text, dest()).prop_map(|(t, d)| format!("[{t}]({d})")),
        1 => (text, dest()).prop_map(|(t, d)| format!("![{t}]({d})")),
        1 => dest().prop_map(|d| format!("<a href=\"{d}\">x</a>")),
        1 => dest().prop_map(|d| format!("<img src='{d}'>")),
        1 => dest().prop_map(|d| format!("<A HREF={d}>")),
        1 => dest().prop_map(|d| format!("\n\n<div>\n<a href=\"{d}\">x</a>\n</div>\n\n")),
        1 => dest().prop_map(|d| format!("\n> <a href=\"{d}\">i citat</a>\n\n")),
        1 => dest().prop_map(|d| format!("\n- <img src=\"{d}\">\n  - [x]({d})\n")),
        1 => dest().prop_map(|d| format!("\n>\t-\t<div>\n>\t\t<a href=\"{d}\">\n")),
        1 => ("[a-z]{1,4}", dest()).prop_map(|(r, d)| format!("[länk][{r}]\n\n[{r}]: {d}\n")),
        1 => dest().prop_map(|d| format!("<{d}>")),
        1 => "[A-Za-zåäö ]{1,12}".prop_map(|t| format!("\n## {t}\n")),
        1 => "[a-zåä]{1,6}".prop_map(|t| format!("\n## Rubrik {{#{t}}}\n")),
        1 => dest().prop_map(|d| format!("\n```\n[kod]({d})\n```\n")),
        1 => dest().prop_map(|d| format!("`[kod]({d})`")),
        2 => "\\PC{0,12}",
        1 => Just("\n".to_string()),
        1 => Just("\r\n".to_string()),
    ]
}

fn markdown_body() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(markdown_piece(), 0..10),
        prop::collection::vec((any::<usize>(), any::<usize>()), 0..2),
    )
        .prop_map(|(pieces, inserts)| insert_odd(pieces.join(" "), &inserts))
}

#[test]
fn fuzz_link_extraction() {
    fuzz("link-extraction", 3000, markdown_body(), |body| {
        for link in markdown::links(&body) {
            check_range(&body, &link.span)?;
            if link.source == markdown::LinkSource::RawHtml {
                // Raw HTML values are taken as written: the span is the value, or the
                // whole tag where the HTML is not written as is (across quoted lines).
                let marked = &body[link.span.clone()];
                prop_assert!(marked == link.dest || marked.starts_with('<'), "{:?}", link);
            }
        }
        for h in markdown::headings(&body) {
            let _ = h;
        }
        for (value, at) in markdown::html_urls(&body) {
            prop_assert_eq!(body.get(at..at + value.len()), Some(value.as_str()));
        }
        let _ = markdown::rewrite_html_urls(&body, |v| Some(v.to_uppercase()));
        let _ = markdown::percent_decode(&body);
        Ok(())
    });
}

#[test]
fn fuzz_link_check() {
    let pages = (
        markdown_body(),
        markdown_body(),
        markdown_body(),
        any::<bool>(),
    );
    fuzz("link-check", 300, pages, |(a, c, ae, front)| {
        let book = TempBook::new();
        book.write(
            "SUMMARY.md",
            "# Summary\n\n- [A](a.md)\n  - [C](b/c.md)\n- [Ä](ä.md)\n",
        );
        let a = if front {
            format!(
                "+++\nkind = \"agreement\"\ndoc_id = \"104623\"\n+++\n# Mål\n\n## SIP {{#sip}}\n{a}"
            )
        } else {
            a
        };
        book.write("a.md", &a);
        book.write("b/c.md", &format!("# C\n{c}"));
        book.write("ä.md", &ae);
        let before = book.outside();
        let checked = pipeline::check(&book.root(), today());
        prop_assert_eq!(book.outside(), before, "files outside the book changed");
        if let Ok(checked) = checked {
            check_diagnostics(&checked.diagnostics)?;
        }
        Ok(())
    });
}

// ---------------------------------------------------------------- found by the targets

/// A chapter path that leaves the book (`../../x.md`) was read from outside the book
/// folder. Found by `fuzz_summary_load`; fixed by the path confinement (`confine`).
#[test]
fn summary_chapter_outside_the_book_is_not_read() {
    let book = TempBook::new();
    book.write("SUMMARY.md", "# Summary\n\n- [Ö](../../annan/sida.md)\n");
    if let Ok(Ok(loaded)) = book::load(&book.root()) {
        assert!(loaded.pages.iter().all(|p| !p.markdown.contains(OUTSIDE)));
    }
}

/// An absolute chapter path outside the source folder: mdBook's loader panicked
/// ("Chapters are always inside a book"). Found by `fuzz_summary_load`; now an error at
/// its SUMMARY.md line (path confinement).
#[test]
fn summary_chapter_with_an_absolute_path_outside_is_no_panic() {
    let book = TempBook::new();
    let abs = book.tmp.path().join("utanfor.md");
    book.write(
        "SUMMARY.md",
        &format!("# Summary\n\n[Ut]({})\n", abs.display()),
    );
    let loaded = book::load(&book.root());
    assert!(matches!(loaded, Ok(Err(_))), "{loaded:?}");
}

/// A TOML error at a `\r` that ends no line (`\r\r\n`): the span started past the
/// shown line's end and `clamp` panicked (min > max); an error at the `\r` of `\r\n` got
/// a column past the shown line.
#[test]
fn front_matter_error_at_a_lone_carriage_return() {
    let source = "+++\r\n\r\nA = \"oavslutad\r\n+++\r\r\n0aA🜀A 0 ";
    let (_, diags) = frontmatter::parse("sida.md", source);
    assert!(!diags.is_empty());
    for d in &diags {
        check_in_source(d, source).unwrap();
    }
}

/// `src=` inside a quoted `href` value overlapped the href: rewriting the URLs sliced
/// backwards (begin > end).
#[test]
fn html_attribute_inside_another_attribute_value() {
    let html = "<A HREF=\"\u{1e026}> <img src='a.md \"titel\"'>";
    assert_eq!(markdown::html_urls(html).len(), 1);
    let rewritten = markdown::rewrite_html_urls(html, |v| Some(format!("[{v}]")));
    assert_eq!(
        rewritten,
        "<A HREF=\"[\u{1e026}> <img src='a.md ]\"titel\"'>"
    );
}

/// A dotted key (`services.a`) is not found on its line, and the fallback span (four
/// bytes before the TOML) fell inside the multibyte `\u{2028}` that ends the `+++` line.
#[test]
fn front_matter_key_span_falls_back_to_the_opening_line() {
    let source = "\u{feff}+++\u{2028}\r\nservices.a = [\"Skola\"]\r\n+++\r\n";
    let (fm, diags) = frontmatter::parse("sida.md", source);
    assert_eq!(fm.span_of("services"), Some(3..6));
    assert_eq!(diags.len(), 1);
    check_in_source(&diags[0], source).unwrap();
}

/// Inline HTML across two lines of a block quote: the HTML text lacks the second line's
/// `>`, so its offsets were not the body's and the span ended inside a character.
#[test]
fn raw_html_link_across_quoted_lines_has_a_valid_span() {
    let body = "> <a href=\"ⶸஜ\n>₠\">i citat</a>\n";
    let links = markdown::links(body);
    assert_eq!(links.len(), 1);
    check_range(body, &links[0].span).unwrap();
}
