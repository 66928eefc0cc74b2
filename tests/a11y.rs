//! Accessibility of every page of the bundled book in headless Chromium
//! (`tests/browser/a11y.mjs`): axe-core (WCAG 2.0/2.1 A and AA, WCAG 2.2 AA, best practice)
//! in light and dark, at 1280, 390 and 320 px; reflow at 320 px; WCAG 1.4.12 text spacing
//! and text at 200 % without clipped text; `prefers-reduced-motion`; keyboard walks (skip
//! link, menu, no focus trap). And in the built HTML: tables named by their heading, page
//! titles unique. The browser test needs Node, Chromium, playwright-core and axe-core
//! (`scripts/setup` installs them); without them it fails, it does not skip.

mod common;

use common::*;
use std::collections::BTreeMap;

/// Pages checked in the modes and widths that are not run over every page: the start
/// page, the register, the table of contents, the 404 page, and content pages with wide
/// tables, badges, a planned document and an overdue review.
const SAMPLE: [&str; 8] = [
    "index.html",
    "dokumentregister.html",
    "toc.html",
    "404.html",
    "handlingsplaner/gemensam-handlingsplan/aldre.html",
    "organisation/reko.html",
    "overenskommelser/huvudoverenskommelse.html",
    "barndialogen/processer/barn-och-kultur.html",
];

#[test]
fn every_page_passes_axe_reflow_text_spacing_and_the_keyboard_in_chromium() {
    let (tmp, site) = build(&repo().join("book"));
    let www = tmp.path().join("www");
    copy_dir(&site, &www.join("site"));
    let pages = html_files(&site);
    assert!(
        SAMPLE.iter().all(|s| pages.iter().any(|p| p == s)),
        "{pages:?}"
    );
    let every = |width: u32, mode: &str| serde_json::json!({ "width": width, "mode": mode });
    let sample = |width: u32, mode: &str| serde_json::json!({ "width": width, "mode": mode, "pages": SAMPLE });
    // Every page light and dark (the theme toggle) at 1280, 390 and 320 px; dark through
    // the system setting (`prefers-color-scheme`, the same styles) on the sample.
    let runs = [
        every(1280, "light"),
        every(1280, "dark-toggle"),
        every(390, "light"),
        every(390, "dark-toggle"),
        every(320, "light"),
        every(320, "dark-toggle"),
        sample(1280, "dark-scheme"),
        sample(390, "dark-scheme"),
        sample(320, "dark-scheme"),
    ];
    let spec = serde_json::json!({
        "site": "site/",
        "pages": pages,
        "runs": runs,
        "tags": AXE_TAGS,
        // The search dropdown's internals are checked with the search's own tests.
        "exclude": ["#search-results"],
        "keyboard": "index.html",
        "motion": "overenskommelser/huvudoverenskommelse.html",
    });
    let r = run_browser_script("a11y.mjs", &www, &spec, tmp.path());
    let expected_runs: u64 = runs
        .iter()
        .map(|run| run["pages"].as_array().map_or(pages.len(), Vec::len) as u64)
        .sum();
    assert_eq!(r["axeRuns"], expected_runs, "{r}");
    assert_eq!(r["violations"], serde_json::json!([]), "{r}");
    assert_eq!(r["reflow"], serde_json::json!([]), "{r}");
    assert_eq!(r["spacing"], serde_json::json!([]), "{r}");
    assert_eq!(r["motion"], serde_json::json!([]), "{r}");
    assert_eq!(r["keyboard"]["skip"]["first"], "a.skip-link", "{r}");
    assert_eq!(r["keyboard"]["menu"]["opened"]["expanded"], "true", "{r}");
    assert_eq!(r["keyboard"]["walk"]["left"], true, "{r}");
    eprintln!(
        "a11y: {} axe runs over {} pages, {} ms: {}",
        r["axeRuns"],
        pages.len(),
        r["ms"],
        r["runs"]
    );
}

/// A book large enough for the forms that only large books get: the navigation in
/// branches, the register and the table of contents over several pages. 1,010 pages: ten
/// chapters of ten sections of nine pages (and a part title), four in five of them FAKTA
/// documents.
fn large_book(dir: &std::path::Path) {
    let mut chapters = Vec::new();
    let mut add = |depth: usize, path: String| {
        let n = chapters.len() + 1;
        let front = if n.is_multiple_of(5) {
            ""
        } else {
            "+++\nkind = \"fakta\"\n+++\n"
        };
        chapters.push(Chapter {
            depth,
            title: format!("Sida {n}"),
            path,
            text: format!(
                "{front}# Sida {n}\n\nText om barn och unga.\n\n## Ansvar\n\nVem gör vad.\n"
            ),
        });
    };
    for c in 0..10 {
        add(0, format!("k{c}.md"));
        for s in 0..10 {
            add(1, format!("k{c}/s{s}.md"));
            for p in 0..9 {
                add(2, format!("k{c}/s{s}/p{p}.md"));
            }
        }
    }
    write_chapters(
        dir,
        "\n[output.samsyn]\nnavigation = \"branches\"\n",
        "# Del ett\n\n",
        &chapters,
    );
}

#[test]
fn the_pages_only_a_large_book_gets_pass_axe_reflow_and_the_keyboard() {
    let tmp = tempfile::tempdir().unwrap();
    large_book(tmp.path());
    let (out, site) = build(&tmp.path().join("book"));
    let www = out.path().join("www");
    copy_dir(&site, &www.join("site"));
    let pages = [
        "index.html",
        "k3/s4/p5.html",
        "dokumentregister.html",
        "listor/dokumentregister-2.html",
        "toc.html",
        "listor/toc-2.html",
    ];
    for p in pages {
        assert!(site.join(p).is_file(), "{p} was not built");
    }
    let runs: Vec<_> = [
        (1280, "light"),
        (1280, "dark-toggle"),
        (320, "light"),
        (320, "dark-toggle"),
    ]
    .into_iter()
    .map(|(width, mode)| serde_json::json!({ "width": width, "mode": mode }))
    .collect();
    let spec = serde_json::json!({
        "site": "site/",
        "pages": pages,
        "runs": runs,
        "tags": AXE_TAGS,
        "exclude": ["#search-results"],
        "keyboard": "k3/s4/p5.html",
        "motion": "k3/s4/p5.html",
    });
    let r = run_browser_script("a11y.mjs", &www, &spec, tmp.path());
    assert_eq!(r["axeRuns"], 4 * pages.len(), "{r}");
    assert_eq!(r["violations"], serde_json::json!([]), "{r}");
    assert_eq!(r["reflow"], serde_json::json!([]), "{r}");
    assert_eq!(r["spacing"], serde_json::json!([]), "{r}");
    assert_eq!(r["keyboard"]["walk"]["left"], true, "{r}");
}

#[test]
fn wide_tables_under_one_heading_get_scroll_regions_with_different_names() {
    let wide_row = |cell: &str| format!("|{}\n", format!(" {cell} |").repeat(12));
    let table = format!(
        "{}{}{}",
        wide_row("Kolumnrubrik"),
        wide_row("---"),
        wide_row("Innehåll")
    );
    let (_tmp, book) = fixture_with(
        "basic",
        "om.md",
        &format!("\n## Två tabeller\n\n{table}\nMellan tabellerna.\n\n{table}"),
    );
    let (out, site) = build(&book);
    let www = out.path().join("www");
    copy_dir(&site, &www.join("site"));
    let spec = serde_json::json!({
        "site": "site/",
        "pages": ["om.html"],
        "runs": [{ "width": 320, "mode": "light" }],
        "tags": AXE_TAGS,
        "exclude": ["#search-results"],
        "keyboard": "index.html",
        "motion": "om.html",
    });
    let r = run_browser_script("a11y.mjs", &www, &spec, out.path());
    assert_eq!(
        r["regions"]["om.html"],
        serde_json::json!([
            "Tabell: Två tabeller (rullbar)",
            "Tabell 2: Två tabeller (rullbar)"
        ]),
        "{r}"
    );
}

#[test]
fn page_titles_are_unique() {
    let (_tmp, site) = build(&repo().join("book"));
    let mut by_title: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for rel in html_files(&site) {
        let doc = parse(&site, &rel);
        let title = doc.select(&sel("title")).next().unwrap().text().collect();
        by_title.entry(title).or_default().push(rel);
    }
    let shared: Vec<_> = by_title.iter().filter(|(_, p)| p.len() > 1).collect();
    assert!(shared.is_empty(), "shared titles: {shared:?}");
    // Made unique from the page's own data: its parent's title.
    let reko = parse(&site, "organisation/reko.html");
    let title: String = reko.select(&sel("title")).next().unwrap().text().collect();
    assert!(title.starts_with("ReKo – Organisation – "), "{title}");
}

#[test]
fn tables_are_named_after_the_nearest_preceding_heading() {
    let (_tmp, site) = build(&repo().join("book"));
    let heading_or_table = sel(".doc-content :is(h1, h2, h3, h4, h5, h6, table)");
    let mut named = 0;
    for rel in html_files(&site) {
        let doc = parse(&site, &rel);
        let mut heading = String::new();
        for el in doc.select(&heading_or_table) {
            // The heading's own text, without its anchor link's label.
            let text = || {
                el.text()
                    .collect::<String>()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            if el.value().name() != "table" {
                heading = text();
                continue;
            }
            let has_caption = el.select(&sel("caption")).next().is_some();
            let name = el.value().attr("aria-label");
            assert!(
                has_caption || name == Some(heading.as_str()),
                "{rel}: a table named {name:?} after the heading {heading:?}"
            );
            named += 1;
        }
    }
    assert!(named > 20, "{named}");
    let doc = parse(&site, "handlingsplaner/gemensam-handlingsplan/aldre.html");
    let names: Vec<_> = doc
        .select(&sel(".doc-content table"))
        .filter_map(|t| t.value().attr("aria-label"))
        .collect();
    assert_eq!(
        names,
        [
            "Äldres hälsa främjas genom att vi arbetar förebyggande och hälsofrämjande",
            "Äldrevänligt samhälle och Nära vård",
            "Insatser för mest sjuka och sköra äldre"
        ]
    );
}

/// A heading's accessible name is its text alone: its anchor link (the `#` that copies
/// the section's link) is hidden from assistive technology (and out of the tab order,
/// which axe checks), so a screen reader does not end every heading with the link's name.
#[test]
fn headings_are_named_by_their_text_alone() {
    let (_tmp, site) = build(&repo().join("book"));
    let headings = sel(":is(h1, h2, h3, h4, h5, h6)");
    let mut checked = 0;
    let mut named_otherwise = Vec::new();
    for rel in html_files(&site) {
        let doc = parse(&site, &rel);
        for h in doc.select(&headings) {
            for el in h.descendants().filter_map(scraper::ElementRef::wrap) {
                let v = el.value();
                let hidden = v.attr("aria-hidden") == Some("true");
                let exposed_name = v.attr("aria-label").is_some() || v.attr("title").is_some();
                // A link around the heading's own text is named by that text; an empty
                // one (an icon) is named some other way.
                let empty_link = v.name() == "a" && el.text().all(|t| t.trim().is_empty());
                if (exposed_name || empty_link) && !hidden {
                    named_otherwise.push(format!("{rel}: {}", h.html()));
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 300, "only {checked} headings");
    assert!(named_otherwise.is_empty(), "{named_otherwise:#?}");
}
