//! Citations and printed pages: book.toml's `[output.samsyn] site-url`, the heading ids a
//! citation points at, the "Kopiera hänvisning" buttons and the print block, in the built
//! HTML and in headless Chromium (`tests/browser/cite.mjs`: the clipboard, the fallback
//! field, the keyboard, print media), and axe over a page with the buttons. The browser
//! tests need Node, Chromium and playwright-core (`scripts/setup` installs them).

mod common;

use common::*;
use std::path::{Path, PathBuf};

const PAGE: &str = "overenskommelser/huvudoverenskommelse.html";
const DOCUMENT: &str = "Överenskommelse om samverkan mellan kommunerna i Jönköpings län och Region Jönköpings län kring barns och ungas psykiska, sociala och fysiska hälsa (Dokument-ID 104623, version 5.0)";

/// A copy of the bundled book in `dir`, with `toml` added to its book.toml (keys of
/// `[output.samsyn]` go into the table the bundled book already has).
fn bundled_book_with(dir: &Path, toml: &str) -> PathBuf {
    const TABLE: &str = "[output.samsyn]\n";
    let book = dir.join("book");
    copy_dir(&repo().join("book"), &book);
    let config = book.join("book.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    match (toml.trim_start().strip_prefix(TABLE), text.find(TABLE)) {
        (Some(keys), Some(at)) => text.insert_str(at + TABLE.len(), keys),
        _ => text.push_str(toml),
    }
    std::fs::write(&config, text).unwrap();
    book
}

const SITE_URL: &str = "\n[output.samsyn]\nsite-url = \"https://example.org/samverkan\"\n";

/// Runs cite.mjs on the bundled book's agreement 104623, built with `toml` added to
/// book.toml; `base` is the address the citations must name (`{origin}` = the test server).
fn check_in_chromium(toml: &str, base: &str) -> serde_json::Value {
    let tmp = tempfile::tempdir().unwrap();
    let book = bundled_book_with(tmp.path(), toml);
    let (_out, site) = build(&book);
    let www = tmp.path().join("www");
    copy_dir(&site, &www.join("site"));
    let spec = serde_json::json!({
        "page": format!("site/{PAGE}"),
        "anchor": "sip",
        "buttonName": "Kopiera hänvisning till avsnittet Samordnad individuell plan - SIP",
        "section": format!("{DOCUMENT}, avsnitt \"Samordnad individuell plan - SIP\", {base}#sip"),
        "document": format!("{DOCUMENT}, {base}"),
        "printUrl": base,
        "docId": "104623",
        "version": "5.0",
        "buildDate": TODAY,
    });
    run_browser_script("cite.mjs", &www, &spec, tmp.path())
}

#[test]
fn the_buttons_copy_the_citation_with_the_site_url_in_chromium() {
    let base = format!("https://example.org/samverkan/{PAGE}");
    let r = check_in_chromium(SITE_URL, &base);
    assert_eq!(r["copied"]["canonical"], base.as_str(), "{r}");
    assert_eq!(r["failures"], serde_json::json!([]), "{r}");
}

#[test]
fn the_buttons_copy_the_citation_with_the_page_address_without_a_site_url_in_chromium() {
    let r = check_in_chromium("", &format!("{{origin}}/site/{PAGE}"));
    assert_eq!(r["copied"]["canonical"], serde_json::Value::Null, "{r}");
    assert_eq!(r["failures"], serde_json::json!([]), "{r}");
}

#[test]
fn a_page_with_citation_buttons_passes_axe_in_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let book = bundled_book_with(tmp.path(), SITE_URL);
    let (_out, site) = build(&book);
    let www = tmp.path().join("www");
    copy_dir(&site, &www.join("site"));
    let spec = serde_json::json!({
        "site": "site/",
        "pages": [PAGE],
        "runs": [
            { "width": 1280, "mode": "light" },
            { "width": 1280, "mode": "dark-toggle" },
            { "width": 320, "mode": "light" },
        ],
        "tags": AXE_TAGS,
        "exclude": ["#search-results"],
        "keyboard": PAGE,
        "motion": PAGE,
    });
    let r = run_browser_script("a11y.mjs", &www, &spec, tmp.path());
    assert_eq!(r["axeRuns"], 3, "{r}");
    assert_eq!(r["violations"], serde_json::json!([]), "{r}");
    assert_eq!(r["reflow"], serde_json::json!([]), "{r}");
    assert_eq!(r["spacing"], serde_json::json!([]), "{r}");
    assert_eq!(r["motion"], serde_json::json!([]), "{r}");
}

#[test]
fn every_h2_and_h3_has_a_button_named_after_its_section_and_the_document_one() {
    let tmp = tempfile::tempdir().unwrap();
    let book = bundled_book_with(tmp.path(), SITE_URL);
    let (_out, site) = build(&book);
    let doc = parse(&site, PAGE);
    let rows = doc.select(&sel(".doc-content .section-heading")).count();
    let headings = doc.select(&sel(".doc-content :is(h2, h3)")).count();
    assert!(
        rows > 20 && rows == headings,
        "{rows} rows, {headings} headings"
    );
    for row in doc.select(&sel(".section-heading")) {
        let heading = row.select(&sel("h2, h3")).next().unwrap();
        let button = row.select(&sel("button.cite-button")).next().unwrap();
        // Named by the shared label and the heading: "Kopiera hänvisning till avsnittet SIP".
        let id = heading.value().attr("id").unwrap();
        assert_eq!(
            button.value().attr("aria-labelledby"),
            Some(format!("samsyn-cite-label {id}").as_str())
        );
        assert_eq!(
            button.prev_siblings().find_map(scraper::ElementRef::wrap),
            Some(heading),
            "the script reads the section from the heading before the button"
        );
    }
    let label = doc.select(&sel("#samsyn-cite-label")).next().unwrap();
    assert_eq!(
        label.text().collect::<String>(),
        "Kopiera hänvisning till avsnittet"
    );
    assert!(
        doc.select(&sel("h4 + button, h1 + button"))
            .next()
            .is_none()
    );
    let data = doc.select(&sel(".doc-cite")).next().unwrap();
    assert_eq!(data.value().attr("data-cite"), Some(DOCUMENT));
    assert_eq!(
        data.value().attr("data-cite-url"),
        Some(format!("https://example.org/samverkan/{PAGE}").as_str())
    );
    let document_button = doc
        .select(&sel(".page-rail .cite-document"))
        .next()
        .unwrap();
    assert_eq!(
        document_button.text().collect::<String>(),
        "Kopiera hänvisning till dokumentet"
    );
    // The start page carries no citation data: it is no document.
    assert!(
        parse(&site, "index.html")
            .select(&sel(".doc-cite"))
            .next()
            .is_none()
    );
}

#[test]
fn the_site_url_must_be_an_absolute_http_address() {
    for (value, ok) in [
        ("\"https://example.org/samverkan/\"", true),
        ("\"http://localhost:8080\"", true),
        ("\"/samverkan/\"", false),
        ("\"example.org\"", false),
        ("\"ftp://example.org/\"", false),
        ("\"https://example.org/?a=1\"", false),
        ("42", false),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        write_book_with_toml(
            tmp.path(),
            &format!("[output.samsyn]\nsite-url = {value}\n"),
            &[("SUMMARY.md", "# S\n\n- [A](a.md)\n"), ("a.md", "# A\n")],
        );
        let out = samsyn(tmp.path(), &["check", "book"]);
        if ok {
            assert_eq!(out.status.code(), Some(0), "{value}: {}", stderr(&out));
        } else {
            assert_eq!(out.status.code(), Some(2), "{value}: {}", stderr(&out));
            let err = stderr(&out);
            assert!(
                err.contains("book.toml:5: ") && err.contains("[output.samsyn] site-url"),
                "{value}: {err}"
            );
        }
    }
}

/// A citation points at a heading's id: the same text gives the same id in every build,
/// repeated headings are numbered in order, and a link to a numbered one is checked.
#[test]
fn heading_ids_are_stable_and_repeated_headings_numbered() {
    let (_tmp, book) = fixture_with(
        "basic",
        "om.md",
        "\n## Återkoppling\n\nEtt.\n\n## Återkoppling\n\nTvå.\n\n### Återkoppling\n\nTre.\n\nSe [det andra](#återkoppling-1).\n",
    );
    let ids = |site: &Path| -> Vec<String> {
        parse(site, "om.html")
            .select(&sel(".doc-content [id]"))
            .map(|e| e.value().attr("id").unwrap().to_string())
            .collect()
    };
    let (_a, first) = build(&book);
    let (_b, second) = build(&book);
    let first_ids = ids(&first);
    assert_eq!(first_ids, ids(&second));
    let repeated: Vec<_> = first_ids
        .iter()
        .filter(|i| i.starts_with("återkoppling"))
        .collect();
    assert_eq!(
        repeated,
        ["återkoppling", "återkoppling-1", "återkoppling-2"]
    );
    follow_all_links(&first);
    // A link to a heading that is not there is an error, not a dead citation.
    let (_c, broken) = fixture_with(
        "basic",
        "om.md",
        "\n## Återkoppling\n\nSe [fel](#återkoppling-9).\n",
    );
    let out = samsyn(&repo(), &["check", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("återkoppling-9"), "{}", stderr(&out));
}

/// The one site URL of book.toml also makes the sitemap's locations absolute and the 404
/// page's links (served at any depth) start from it.
#[test]
fn the_site_url_also_serves_the_sitemap_and_the_404_page() {
    let tmp = tempfile::tempdir().unwrap();
    write_book_with_toml(
        tmp.path(),
        SITE_URL,
        &[("SUMMARY.md", "# S\n\n- [A](a.md)\n"), ("a.md", "# A\n")],
    );
    let (_out, site) = build(&tmp.path().join("book"));
    let sitemap = std::fs::read_to_string(site.join("sitemap.xml")).unwrap();
    assert!(
        sitemap.contains("<loc>https://example.org/samverkan/a.html</loc>"),
        "{sitemap}"
    );
    let home = parse(&site, "404.html")
        .select(&sel("header a"))
        .next()
        .map(|a| a.value().attr("href").unwrap().to_string());
    assert_eq!(
        home.as_deref(),
        Some("https://example.org/samverkan/index.html")
    );
}
