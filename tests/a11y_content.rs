//! Accessibility of the content and the generated accessibility statement: the content
//! checks of `samsyn check` (located warnings with suggestions), `tillganglighet.html`
//! from book.toml's `[output.samsyn.accessibility]`, the footer link and icon on every
//! page, unescaped slashes in URLs, and Swedish singular and plural in the counts.

mod common;
use common::*;
use serde_json::Value;

const SUMMARY: &str = "# S\n\n- [A](a.md)\n- [B](b/b.md)\n";

/// A page with every content problem, and one without any.
const PROBLEMS: &str = "# A\n\n![](karta.png) [Här](b/b.md). [läs mer »](b/b.md)\n\n<https://example.se/a> [www.example.se](https://www.example.se)\n\nText <img src=\"karta.png\">\n\n| | |\n|---|---|\n| 1 | 2 |\n\n<table>\n<tr><td>1</td></tr>\n</table>\n";
const GOOD: &str = "# B\n\n![Karta över länet](../karta.png) [Riktlinjer för SIP](../a.md) <namn@example.se>\n\n<img src=\"../karta.png\" alt=\"\">\n\n| Kommun | Antal |\n|---|---|\n| Eksjö | 2 |\n";

#[test]
fn content_problems_are_located_warnings_with_suggestions() {
    let tmp = tempfile::tempdir().unwrap();
    write_book(
        tmp.path(),
        &[
            ("SUMMARY.md", SUMMARY),
            ("a.md", PROBLEMS),
            ("b/b.md", GOOD),
            ("karta.png", "x"),
        ],
    );
    let (code, diags) = check_json(tmp.path());
    assert_eq!(code, Some(0), "warnings only: {diags:#?}");
    let found: Vec<(&str, &str, u64, u64)> = diags
        .iter()
        .filter(|d| d["code"] != "accessibility-contact-missing")
        .map(|d| {
            assert_eq!(d["severity"], "warning", "{d:#?}");
            assert!(
                d["suggestion"].as_str().is_some_and(|s| !s.is_empty()),
                "{d:#?}"
            );
            (
                d["code"].as_str().unwrap(),
                d["file"].as_str().unwrap(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    let a = "book/src/a.md";
    assert_eq!(
        found,
        [
            ("image-missing-alt", a, 3, 1),
            ("link-text-unclear", a, 3, 16),
            ("link-text-unclear", a, 3, 31),
            ("link-text-url", a, 5, 1),
            ("link-text-url", a, 5, 24),
            ("image-missing-alt", a, 7, 6),
            ("table-missing-header", a, 9, 1),
            ("table-missing-header", a, 13, 1),
        ],
        "{diags:#?}"
    );
}

/// Without a contact in book.toml the build warns at book.toml and the statement says
/// plainly that there is none; nothing is invented.
#[test]
fn without_a_contact_the_build_warns_and_the_statement_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    write_book_with_toml(
        tmp.path(),
        "\n[output.samsyn.accessibility]\norganisation = \"Region Exempel\"\n",
        &[
            ("SUMMARY.md", SUMMARY),
            ("a.md", "# A\n"),
            ("b/b.md", GOOD),
            ("karta.png", "x"),
        ],
    );
    let (code, diags) = check_json(tmp.path());
    assert_eq!(code, Some(0), "{diags:#?}");
    let missing: Vec<&Value> = diags
        .iter()
        .filter(|d| d["code"] == "accessibility-contact-missing")
        .collect();
    assert_eq!(missing.len(), 1, "{diags:#?}");
    assert_eq!(
        (
            &missing[0]["file"],
            &missing[0]["line"],
            &missing[0]["column"]
        ),
        (
            &Value::from("book/book.toml"),
            &Value::from(5),
            &Value::from(1)
        ),
        "{diags:#?}"
    );
    let (_tmp, site) = build(&tmp.path().join("book"));
    let page = std::fs::read_to_string(site.join("tillganglighet.html")).unwrap();
    assert!(
        page.contains("Region Exempel står bakom webbplatsen"),
        "{page}"
    );
    assert!(
        page.contains("Det finns ingen kontaktväg för att rapportera brister"),
        "{page}"
    );
    assert!(!page.contains("mailto:"), "{page}");
}

/// With the table filled in, the statement gives the contact, the review date and the
/// supervisory authority, and follows the structure of Swedish statements; the checks'
/// results are counted with Swedish numbers.
#[test]
fn the_statement_is_built_from_book_toml_and_the_checks() {
    let tmp = tempfile::tempdir().unwrap();
    write_book_with_toml(
        tmp.path(),
        "\n[output.samsyn.accessibility]\norganisation = \"Region Exempel\"\nemail = \"tillganglighet@example.se\"\ncontact-form = \"https://example.se/rapportera\"\nphone = \"010-123 45 67\"\nlast-review = 2026-10-01\n",
        &[
            ("SUMMARY.md", SUMMARY),
            ("a.md", "# A\n\n![](karta.png)\n"),
            ("b/b.md", GOOD),
            ("karta.png", "x"),
        ],
    );
    let (_, diags) = check_json(tmp.path());
    assert!(
        diags.iter().all(|d| d["code"] == "image-missing-alt"),
        "{diags:#?}"
    );
    let (_tmp, site) = build(&tmp.path().join("book"));
    let doc = parse(&site, "tillganglighet.html");
    let headings: Vec<String> = doc
        .select(&sel("main h1, main h2"))
        .map(|h| h.text().collect())
        .collect();
    assert_eq!(
        headings,
        [
            "Tillgänglighetsredogörelse",
            "Hur tillgänglig är webbplatsen?",
            "Vad kan du göra om du inte kan använda delar av webbplatsen?",
            "Rapportera brister i webbplatsens tillgänglighet",
            "Tillsyn",
            "Teknisk information om webbplatsens tillgänglighet",
            "Hur vi testat webbplatsen",
        ]
    );
    let page = std::fs::read_to_string(site.join("tillganglighet.html")).unwrap();
    for expected in [
        "href=\"mailto:tillganglighet@example.se\"",
        "href=\"https://example.se/rapportera\"",
        "Telefon: 010-123 45 67",
        "<time datetime=\"2026-10-01\">2026-10-01</time>",
        "Myndigheten för digital förvaltning (Digg)",
        "alla 2 sidor automatiskt",
        "(5 länkar kontrollerade)",
        "hittade 1 brist:",
        "<td>bilder utan alternativtext</td><td>1 brist</td>",
        "<td>tabeller utan rubrikrad</td><td>Inga brister</td>",
    ] {
        assert!(page.contains(expected), "{expected}\n{page}");
    }
    assert!(!page.contains("kontaktväg har inte angetts"), "{page}");
    // An e-mail autolink is an address, not a missing file.
    let b = std::fs::read_to_string(site.join("b/b.html")).unwrap();
    assert!(b.contains("href=\"mailto:namn@example.se\""), "{b}");
    let sitemap = std::fs::read_to_string(site.join("sitemap.xml")).unwrap();
    assert!(
        sitemap.contains("<loc>tillganglighet.html</loc>"),
        "{sitemap}"
    );
}

/// Every page links the statement from its footer and the icon relatively (so both work
/// in a subfolder), and no URL has its slashes escaped.
#[test]
fn every_page_links_the_statement_and_the_icon_with_readable_urls() {
    let (_tmp, site) = build(&fixture("basic"));
    let svg = asset_path(&site, "icons/favicon.svg");
    let png = asset_path(&site, "icons/favicon.png");
    let mut pages = 0;
    for rel in html_files(&site) {
        let html = std::fs::read_to_string(site.join(&rel)).unwrap();
        assert!(!html.contains("&#x2f;"), "{rel} escapes a slash");
        if !html.contains("<link rel=\"icon\"") {
            continue; // search-index and other non-page HTML
        }
        let root = "../".repeat(rel.matches('/').count());
        let doc = scraper::Html::parse_document(&html);
        let icons: Vec<&str> = doc
            .select(&sel("link[rel=icon]"))
            .filter_map(|l| l.value().attr("href"))
            .collect();
        if rel == "404.html" {
            continue; // its URLs start at the site's address (tests/build.rs)
        }
        assert_eq!(
            icons,
            [format!("{root}{svg}"), format!("{root}{png}")],
            "{rel}"
        );
        let footer: Vec<&str> = doc
            .select(&sel("footer a"))
            .filter_map(|a| a.value().attr("href"))
            .collect();
        assert!(
            footer.contains(&format!("{root}tillganglighet.html").as_str()),
            "{rel}: {footer:?}"
        );
        pages += 1;
    }
    assert!(pages >= 5, "{pages} pages checked");
    follow_all_links(&site);
}

/// A chapter may not take the statement's name, and a bad table is a configuration error.
#[test]
fn the_statement_name_is_reserved_and_bad_values_stop_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    write_book(
        tmp.path(),
        &[
            ("SUMMARY.md", "# S\n\n- [T](tillganglighet.md)\n"),
            ("tillganglighet.md", "# T\n"),
        ],
    );
    let (code, diags) = check_json(tmp.path());
    assert_eq!(code, Some(1));
    assert!(
        diags.iter().any(|d| d["code"] == "reserved-path"),
        "{diags:#?}"
    );

    let tmp = tempfile::tempdir().unwrap();
    write_book_with_toml(
        tmp.path(),
        "\n[output.samsyn.accessibility]\nlast-review = \"i våras\"\n",
        &[("SUMMARY.md", "# S\n\n- [A](a.md)\n"), ("a.md", "# A\n")],
    );
    let out = samsyn(tmp.path(), &["check", "book"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("`i våras` är inte ett datum (ÅÅÅÅ-MM-DD)"),
        "{}",
        stderr(&out)
    );
}

/// "1 fel och 1 varning", "1 sida, 1 länk kontrollerad", "2 varningar".
#[test]
fn counts_use_swedish_singular_and_plural() {
    let tmp = tempfile::tempdir().unwrap();
    write_book_with_toml(
        tmp.path(),
        "\n[output.samsyn.accessibility]\nemail = \"a@example.se\"\n",
        &[
            ("SUMMARY.md", "# S\n\n- [A](a.md)\n"),
            ("a.md", "# A\n\n[här](saknas.md)\n"),
        ],
    );
    let out = samsyn(tmp.path(), &["check", "book"]);
    assert!(
        stderr(&out).contains("1 sida, 1 länk kontrollerad: 1 fel och 1 varning\n"),
        "{}",
        stderr(&out)
    );
    let out = samsyn(tmp.path(), &["build", "book", "-o", "site"]);
    assert!(
        stderr(&out).contains("Bygget stoppades: 1 fel och 1 varning."),
        "{}",
        stderr(&out)
    );
    std::fs::write(
        tmp.path().join("book/src/a.md"),
        "# A\n\n[här](a.md) ![](a.png)\n",
    )
    .unwrap();
    std::fs::write(tmp.path().join("book/src/a.png"), "x").unwrap();
    let out = samsyn(tmp.path(), &["build", "book", "-o", "site"]);
    assert!(
        stderr(&out).contains("Klart: 1 sida, 2 länkar kontrollerade, 2 varningar på"),
        "{}",
        stderr(&out)
    );
    let start = std::fs::read_to_string(tmp.path().join("site/index.html")).unwrap();
    assert!(
        start.contains("<span class=\"stat-label\">sida</span>"),
        "{start}"
    );
}

/// A build takes the statement's counts from its check instead of reading every page
/// again (the preview still reads them again): both give the same numbers, for a book with
/// every kind of problem (a skipped heading level is found by the loader) and for the
/// bundled book.
#[test]
fn the_statement_counts_from_the_check_equal_those_read_again() {
    use samsyn::a11y::CheckCounts;
    let tmp = tempfile::tempdir().unwrap();
    write_book(
        tmp.path(),
        &[
            ("SUMMARY.md", SUMMARY),
            ("a.md", &format!("{PROBLEMS}\n### Hoppar över en nivå\n")),
            ("b/b.md", GOOD),
            ("karta.png", "x"),
        ],
    );
    let bundled = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("book");
    for dir in [tmp.path().join("book"), bundled] {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let checked = samsyn::pipeline::check(&dir, today).unwrap();
        let from_check = CheckCounts::from_check(checked.links_checked, &checked.diagnostics);
        let read_again = CheckCounts::of_book(checked.book.as_ref().unwrap());
        assert_eq!(from_check, read_again, "{}", dir.display());
        assert!(from_check.links > 0, "{from_check:?}");
    }
    // The book with problems: every check found something.
    let checked = samsyn::pipeline::check(
        &tmp.path().join("book"),
        chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
    )
    .unwrap();
    let counts = CheckCounts::from_check(checked.links_checked, &checked.diagnostics);
    let found: Vec<(&str, usize)> = counts.checks.iter().map(|(c, n)| (c.code, *n)).collect();
    assert_eq!(
        found,
        [
            ("image-missing-alt", 2),
            ("link-text-unclear", 2),
            ("link-text-url", 2),
            ("table-missing-header", 2),
            ("heading-level-skipped", 1),
        ]
    );
}
