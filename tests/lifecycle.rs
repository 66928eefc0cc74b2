//! Documents over time on fixture books and on the bundled book: relation errors
//! (located, with suggestions), cycles, the status derived at several dates (badge,
//! banner and the link it leads to), "Hänvisas från", the version history, derived
//! values, and the preview re-rendering the pages a relation change affects.

mod common;
use common::*;
use std::path::Path;

/// The text of the first element matching `selector`, whitespace collapsed.
fn text_of(doc: &scraper::Html, selector: &str) -> Option<String> {
    doc.select(&sel(selector)).next().map(|e| {
        e.text()
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// The metadata panel's value for `label` ("Status" → "Gällande").
fn panel(doc: &scraper::Html, label: &str) -> Option<String> {
    doc.select(&sel("aside.doc-meta .doc-meta-row"))
        .find(|row| text_of_el(row, "dt").as_deref() == Some(label))
        .and_then(|row| text_of_el(&row, "dd"))
}

fn text_of_el(el: &scraper::ElementRef<'_>, selector: &str) -> Option<String> {
    el.select(&sel(selector)).next().map(|e| {
        e.text()
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// The pages the banner of `page` links to, as site paths.
fn banner_targets(site: &Path, page: &str, selector: &str) -> Vec<String> {
    parse(site, page)
        .select(&sel(selector))
        .filter_map(|a| a.value().attr("href"))
        .map(|h| site_path(page, h))
        .collect()
}

const SUMMARY: &str = "# S\n\n- [Gammalt avtal](gammalt.md)\n- [Nytt avtal](nytt.md)\n- [Nyaste avtalet](nyaste.md)\n- [Tidsbegränsat avtal](tidsbegransat.md)\n- [Framtida avtal](framtida.md)\n- [Bilaga](bilaga.md)\n- [Om](om.md)\n";

/// 200 is replaced by 201 from 2025-01-01, which 202 replaces from 2027-01-01; 203 ends
/// 2024-12-31; 204 starts 2030-01-01; 205 is an annex to 201; `om` links to 200.
fn timeline_book(dir: &Path) {
    write_book(
        dir,
        &[
            ("SUMMARY.md", SUMMARY),
            (
                "gammalt.md",
                "+++\nkind = \"agreement\"\ndoc_id = \"200\"\nvalid_from = 2020-01-01\n+++\n# Gammalt avtal\n\nSe [bilagan](bilaga.md).\n",
            ),
            (
                "nytt.md",
                "+++\nkind = \"agreement\"\ndoc_id = \"201\"\nvalid_from = 2025-01-01\nreplaces = [\"doc:200\"]\n+++\n# Nytt avtal\n",
            ),
            (
                "nyaste.md",
                "+++\nkind = \"agreement\"\ndoc_id = \"202\"\nvalid_from = 2027-01-01\nreplaces = [\"doc:201\"]\nrelated = [\"doc:203\"]\n+++\n# Nyaste avtalet\n",
            ),
            (
                "tidsbegransat.md",
                "+++\nkind = \"agreement\"\ndoc_id = \"203\"\nvalid_from = 2020-01-01\nvalid_until = 2024-12-31\n+++\n# Tidsbegränsat avtal\n",
            ),
            (
                "framtida.md",
                "+++\nkind = \"agreement\"\ndoc_id = \"204\"\nvalid_from = 2030-01-01\n+++\n# Framtida avtal\n",
            ),
            (
                "bilaga.md",
                "+++\nkind = \"agreement\"\ndoc_id = \"205\"\nannex_to = \"doc:201\"\n+++\n# Bilaga\n\nTillbaka till [avtalet](#bilaga).\n",
            ),
            (
                "om.md",
                "# Om\n\nSe [det gamla avtalet](doc:200) och [det framtida](framtida.md).\n",
            ),
        ],
    );
}

#[test]
fn status_badges_and_banners_follow_the_date() {
    let tmp = tempfile::tempdir().unwrap();
    timeline_book(tmp.path());
    let book = tmp.path().join("book");
    // (day, [(page, status, banner links as site paths)])
    type PageExpectation<'a> = (&'a str, &'a str, &'a [&'a str]);
    let expected: &[(&str, &[PageExpectation])] = &[
        (
            "2024-06-01",
            &[
                ("gammalt.html", "Gällande", &[]),
                ("nytt.html", "Kommande", &["gammalt.html"]),
                // What it replaces is not in force yet either: "until then" names nothing.
                ("nyaste.html", "Kommande", &[]),
                ("tidsbegransat.html", "Gällande", &[]),
                ("framtida.html", "Kommande", &[]),
            ],
        ),
        (
            "2026-11-23",
            &[
                ("gammalt.html", "Ersatt", &["nytt.html"]),
                ("nytt.html", "Gällande", &[]),
                ("nyaste.html", "Kommande", &["nytt.html"]),
                ("tidsbegransat.html", "Upphört", &[]),
                ("framtida.html", "Kommande", &[]),
            ],
        ),
        (
            "2027-06-01",
            &[
                // The chain is followed to what applies now.
                ("gammalt.html", "Ersatt", &["nyaste.html"]),
                ("nytt.html", "Ersatt", &["nyaste.html"]),
                ("nyaste.html", "Gällande", &[]),
            ],
        ),
    ];
    for (day, pages) in expected {
        let (_out, site) = build_on(day, &book);
        for (page, status, targets) in *pages {
            let doc = parse(&site, page);
            assert_eq!(
                panel(&doc, "Status").as_deref(),
                Some(*status),
                "{page} on {day}"
            );
            let badge = text_of(&doc, ".doc-badges .badge[class*='status-']");
            if *status == "Gällande" {
                assert_eq!(badge, None, "{page} on {day}: no badge when in force");
                assert!(doc.select(&sel(".notice-lifecycle")).next().is_none());
            } else {
                assert_eq!(badge.as_deref(), Some(*status), "{page} on {day}");
                let banner = doc
                    .select(&sel(".notice-lifecycle[role='note']"))
                    .next()
                    .unwrap_or_else(|| panic!("{page} on {day} has a banner"));
                let text = banner.text().collect::<String>();
                assert!(text.contains(&format!("{status}.")), "{page}: {text}");
                let links = banner_targets(&site, page, ".notice-lifecycle a");
                assert_eq!(links, *targets, "{page} on {day}: banner links");
            }
        }
    }

    let (_out, site) = build_on("2026-11-23", &book);
    let old = parse(&site, "gammalt.html");
    assert_eq!(
        panel(&old, "Gäller till").as_deref(),
        Some("2024-12-31"),
        "replacement ends it the day before"
    );
    assert_eq!(
        panel(&old, "Ersatt av").as_deref(),
        Some("Nytt avtal (från 2025-01-01)")
    );
    // A printed replaced document names the address of what applies now.
    let print_url = |doc: &scraper::Html| {
        doc.select(&sel(".print-info .print-url"))
            .next()
            .and_then(|a| a.value().attr("href").map(str::to_string))
    };
    assert_eq!(print_url(&old).as_deref(), Some("nytt.html"));
    let current = parse(&site, "nytt.html");
    assert_eq!(print_url(&current).as_deref(), Some("nytt.html"));
    assert_eq!(
        panel(&current, "Ersätter").as_deref(),
        Some("Gammalt avtal")
    );
    assert_eq!(
        panel(&current, "Gäller till").as_deref(),
        Some("2026-12-31")
    );
    assert_eq!(panel(&current, "Bilagor").as_deref(), Some("Bilaga"));
    // The upcoming replacement is announced on the one it will replace.
    let ends = text_of(&current, "aside.doc-meta").unwrap();
    assert!(ends.contains("Nyaste avtalet (från 2027-01-01)"), "{ends}");
    assert_eq!(
        panel(&parse(&site, "bilaga.html"), "Bilaga till").as_deref(),
        Some("Nytt avtal")
    );
    assert_eq!(
        panel(&parse(&site, "nyaste.html"), "Relaterade dokument").as_deref(),
        Some("Tidsbegränsat avtal")
    );
    let upcoming = text_of(&parse(&site, "framtida.html"), ".notice-lifecycle").unwrap();
    assert!(upcoming.contains("gäller från 2030-01-01"), "{upcoming}");
    // The register shows the derived status and the effective end.
    let register = parse(&site, "dokumentregister.html");
    let row = register
        .select(&sel("tbody tr"))
        .map(|r| r.text().collect::<String>())
        .find(|r| r.contains("Gammalt avtal"))
        .unwrap();
    assert!(
        row.contains("Ersatt") && row.contains("2024-12-31"),
        "{row}"
    );
    follow_all_links(&site);
}

#[test]
fn pages_list_what_refers_to_them_sorted_without_themselves() {
    let tmp = tempfile::tempdir().unwrap();
    timeline_book(tmp.path());
    let (_out, site) = build(&tmp.path().join("book"));
    let referrers = |page: &str| -> Vec<(String, String)> {
        parse(&site, page)
            .select(&sel("section.doc-backlinks li a"))
            .map(|a| {
                (
                    a.text().collect::<String>(),
                    site_path(page, a.value().attr("href").unwrap()),
                )
            })
            .collect()
    };
    // Linked from `om` (doc: link), named by 201 in `replaces`; sorted by title.
    assert_eq!(
        referrers("gammalt.html"),
        [
            ("Nytt avtal".to_string(), "nytt.html".to_string()),
            ("Om".to_string(), "om.html".to_string())
        ]
    );
    // The annex's own link to itself does not count; 200 links to it.
    assert_eq!(
        referrers("bilaga.html"),
        [("Gammalt avtal".to_string(), "gammalt.html".to_string())]
    );
    // 205 names 201 (annex_to), 202 names it (replaces).
    assert_eq!(
        referrers("nytt.html"),
        [
            ("Bilaga".to_string(), "bilaga.html".to_string()),
            ("Nyaste avtalet".to_string(), "nyaste.html".to_string())
        ]
    );
    assert!(referrers("om.html").is_empty());
    let om = parse(&site, "om.html");
    assert!(om.select(&sel("section.doc-backlinks")).next().is_none());
    let heading = text_of(&parse(&site, "gammalt.html"), "section.doc-backlinks h2");
    assert_eq!(heading.as_deref(), Some("Hänvisas från"));
}

#[test]
fn relation_errors_are_located_with_suggestions() {
    let tmp = tempfile::tempdir().unwrap();
    write_book(
        tmp.path(),
        &[
            (
                "SUMMARY.md",
                "# S\n\n- [A](a.md)\n- [B](b.md)\n- [C](c.md)\n- [D](d.md)\n",
            ),
            (
                "a.md",
                "+++\nkind = \"agreement\"\ndoc_id = \"104623\"\nreplaces = [\"doc:104632\"]\n+++\n# A\n",
            ),
            (
                "b.md",
                "+++\nkind = \"agreement\"\ndoc_id = \"2\"\nreplaces = [\"doc:104623\", \"doc:2\"]\nannex_to = \"a.md#a\"\n+++\n# B\n",
            ),
            (
                "c.md",
                "+++\nkind = \"fakta\"\nvalid_from = 2024-01-01\nvalid_until = 2023-12-31\nrelated = [\"d.mdx\"]\nreplaced_by = [\"doc:2\"]\n+++\n# C\n",
            ),
            ("d.md", "# D\n"),
        ],
    );
    let (code, diags) = check_json(tmp.path());
    assert_eq!(code, Some(1), "{diags:#?}");
    let found: Vec<(String, u64, u64, String, Option<String>)> = errors(&diags)
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["code"].as_str().unwrap().to_string(),
                d["suggestion"].as_str().map(str::to_string),
            )
        })
        .collect();
    let at = |file: &str, line: u64, col: u64, code: &str| {
        found
            .iter()
            .find(|f| f.0 == format!("book/src/{file}") && f.1 == line && f.2 == col && f.3 == code)
            .unwrap_or_else(|| panic!("no {code} at {file}:{line}:{col} in {found:#?}"))
            .4
            .clone()
    };
    assert_eq!(
        at("a.md", 4, 14, "broken-relation").as_deref(),
        Some("menade du `doc:104623`?")
    );
    assert!(at("b.md", 4, 28, "relation-to-self").is_some());
    assert_eq!(
        at("b.md", 5, 13, "relation-with-anchor").as_deref(),
        Some("ta bort `#…`: skriv `a.md`")
    );
    assert!(at("c.md", 4, 1, "valid-until-before-valid-from").is_some());
    assert_eq!(
        at("c.md", 5, 13, "broken-relation").as_deref(),
        Some("menade du `d.md`?")
    );
    let derived = at("c.md", 6, 1, "front-matter-derived-key").unwrap();
    assert!(derived.contains("`replaces = [\"doc:"), "{derived}");
    assert!(derived.contains("`doc:2`"), "{derived}");
    assert_eq!(found.len(), 6, "{found:#?}");
}

#[test]
fn circular_chains_are_errors_at_each_page_naming_the_cycle() {
    let tmp = tempfile::tempdir().unwrap();
    let doc = |id: &str, extra: &str| {
        format!("+++\nkind = \"agreement\"\ndoc_id = \"{id}\"\n{extra}\n+++\n# {id}\n")
    };
    write_book(
        tmp.path(),
        &[
            (
                "SUMMARY.md",
                "# S\n\n- [1](a.md)\n- [2](b.md)\n- [3](c.md)\n- [4](d.md)\n- [5](e.md)\n- [6](f.md)\n",
            ),
            ("a.md", &doc("1", "replaces = [\"doc:2\"]")),
            ("b.md", &doc("2", "replaces = [\"doc:3\"]")),
            ("c.md", &doc("3", "replaces = [\"doc:1\"]")),
            ("d.md", &doc("4", "replaces = [\"doc:1\"]")),
            ("e.md", &doc("5", "annex_to = \"doc:6\"")),
            ("f.md", &doc("6", "annex_to = \"doc:5\"")),
        ],
    );
    let (code, diags) = check_json(tmp.path());
    assert_eq!(code, Some(1));
    let errs = errors(&diags);
    let cycle: Vec<(&str, &str)> = errs
        .iter()
        .filter(|d| d["code"] == "replaces-cycle")
        .map(|d| (d["file"].as_str().unwrap(), d["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        cycle.iter().map(|c| c.0).collect::<Vec<_>>(),
        ["book/src/a.md", "book/src/b.md", "book/src/c.md"],
        "{errs:#?}"
    );
    for (_, message) in &cycle {
        assert!(
            message.contains("doc:1 → doc:2 → doc:3 → doc:1"),
            "{message}"
        );
    }
    let annex: Vec<&str> = errs
        .iter()
        .filter(|d| d["code"] == "annex-cycle")
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    assert_eq!(annex, ["book/src/e.md", "book/src/f.md"]);
    assert!(
        errs.iter()
            .filter(|d| d["code"] == "annex-cycle")
            .all(|d| d["line"] == 4 && d["column"] == 13),
        "{errs:#?}"
    );
    assert_eq!(errs.len(), 5, "d.md is not in the cycle: {errs:#?}");
}

#[test]
fn history_table_is_newest_first_with_row_headers_and_times() {
    let history = "\n[[history]]\nversion = \"1.0\"\ndate = \"2014\"\nsummary = \"Första versionen.\"\n\n[[history]]\nversion = \"2.0\"\ndate = 2020-11-27\ndecided_by = \"<b>Ledningsgruppen</b>\"\nsummary = \"Reviderad.\"\n\n[[history]]\nversion = \"1.1\"\ndate = \"2016-10\"\n";
    let tmp = tempfile::tempdir().unwrap();
    write_book(
        tmp.path(),
        &[
            ("SUMMARY.md", "# S\n\n- [A](a.md)\n"),
            (
                "a.md",
                &format!(
                    "+++\nkind = \"agreement\"\nreview_by = 2021-10-31\nderived = {{ review_by = \"årlig uppföljning i oktober <i>\" }}\n{history}+++\n# A\n"
                ),
            ),
        ],
    );
    let (_out, site) = build(&tmp.path().join("book"));
    let doc = parse(&site, "a.html");
    let section = doc.select(&sel("section.doc-history")).next().unwrap();
    assert_eq!(
        text_of_el(&section, "h2").as_deref(),
        Some("Versionshistorik")
    );
    assert!(text_of_el(&section, "table caption").is_some());
    let cols: Vec<&str> = section
        .select(&sel("thead th[scope='col']"))
        .map(|t| t.text().next().unwrap_or(""))
        .collect();
    assert_eq!(cols, ["Version", "Datum", "Beslutad av", "Ändring"]);
    let rows: Vec<(String, String)> = section
        .select(&sel("tbody tr"))
        .map(|r| {
            (
                text_of_el(&r, "th[scope='row']").unwrap(),
                r.select(&sel("td time"))
                    .next()
                    .unwrap()
                    .value()
                    .attr("datetime")
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("2.0".to_string(), "2020-11-27".to_string()),
            ("1.1".to_string(), "2016-10".to_string()),
            ("1.0".to_string(), "2014".to_string())
        ]
    );
    // Values are text, never markup.
    assert!(section.select(&sel("b")).next().is_none());
    assert!(
        text_of_el(&section, "tbody")
            .unwrap()
            .contains("<b>Ledningsgruppen</b>")
    );
    // A derived date says so in the panel, the overdue notice and the start page.
    let next = panel(&doc, "Nästa revision").unwrap();
    assert!(
        next.contains("(härlett: årlig uppföljning i oktober <i>)"),
        "{next}"
    );
    assert!(
        doc.select(&sel("main i")).next().is_none(),
        "the reason is text"
    );
    let notice = text_of(&doc, ".notice.review-overdue").unwrap();
    assert!(
        notice.contains("härlett: årlig uppföljning i oktober"),
        "{notice}"
    );
    let start = text_of(&parse(&site, "index.html"), ".overdue-list").unwrap();
    assert!(
        start.contains("härlett: årlig uppföljning i oktober"),
        "{start}"
    );
    let register = text_of(&parse(&site, "dokumentregister.html"), "tbody").unwrap();
    assert!(
        register.contains("härlett: årlig uppföljning i oktober"),
        "{register}"
    );
}

#[test]
fn bundled_book_marks_derived_values_and_shows_history() {
    let (_out, site) = build(&repo().join("book"));
    let agreement = parse(&site, "overenskommelser/huvudoverenskommelse.html");
    let next = panel(&agreement, "Nästa revision").unwrap();
    assert!(
        next.starts_with("2021-10-31") && next.contains("härlett:"),
        "{next}"
    );
    assert_eq!(panel(&agreement, "Status").as_deref(), Some("Gällande"));
    let first_version = text_of(&agreement, "section.doc-history tbody tr th").unwrap();
    assert_eq!(first_version, "5.0");
    for page in ["index.html", "dokumentregister.html"] {
        let text = text_of(&parse(&site, page), "main").unwrap();
        assert!(
            text.contains("2021-10-31") && text.contains("härlett: uppföljningen ska vara klar"),
            "{page} shows 104623's review_by without saying it is derived"
        );
    }
    let plan = parse(&site, "handlingsplaner/handlingsplan-2017.html");
    assert_eq!(panel(&plan, "Status").as_deref(), Some("Upphört"));
    assert!(panel(&plan, "Gäller till").unwrap().contains("härlett:"));
    let plan_history = text_of(&plan, "section.doc-history tbody").unwrap();
    assert!(plan_history.contains("2016-10-21"), "{plan_history}");
    let lakar = parse(&site, "overenskommelser/aldre/lakaruppdrag.html");
    assert_eq!(
        panel(&lakar, "Status").as_deref(),
        Some("Planerad – ej publicerad")
    );
    assert_eq!(panel(&lakar, "Gäller till").as_deref(), Some("2026-12-31"));
    // 104623 is referred to from the pages that link to it.
    let referrers = agreement.select(&sel("section.doc-backlinks li")).count();
    assert!(referrers >= 5, "{referrers}");
}

/// The preview: adding `replaces` to one page re-renders the page it replaces (its
/// panel, banner and "Hänvisas från"), and a new link updates the target's list;
/// each served page equals a full build's.
#[test]
fn the_preview_re_renders_pages_a_relation_or_link_change_affects() {
    use samsyn::serve::engine::{Engine, EngineOptions, Output};
    use std::collections::BTreeSet;
    let tmp = tempfile::tempdir().unwrap();
    timeline_book(tmp.path());
    let book = tmp.path().join("book");
    let out = Output::new(tmp.path().join("served"), tmp.path().join("scratch")).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let options = EngineOptions {
        book_dir: book.clone(),
        theme_dir: None,
        today,
        writers: Default::default(),
    };
    let (mut engine, _) = Engine::start(options, std::sync::Arc::new(out)).unwrap();
    let served = tmp.path().join("served");
    let edit = |rel: &str, from: &str, to: &str| {
        let path = book.join("src").join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from));
        std::fs::write(&path, text.replace(from, to)).unwrap();
        // Saves are taken in once they are 50 ms old.
        std::thread::sleep(std::time::Duration::from_millis(60));
        path
    };
    let status = |page: &str| panel(&parse(&served, page), "Status");

    // The annex now also replaces 203 (expired): 203 becomes replaced, its banner links to the annex.
    let path = edit(
        "bilaga.md",
        "annex_to",
        "replaces = [\"doc:203\"]\nannex_to",
    );
    let outcome = engine.apply(&BTreeSet::from([path]));
    assert!(outcome.reloaded);
    assert_eq!(status("tidsbegransat.html").as_deref(), Some("Ersatt"));
    let banner = banner_targets(&served, "tidsbegransat.html", ".notice-lifecycle a");
    assert_eq!(banner, ["bilaga.html"]);

    // A new link from `framtida` to `nytt` adds it to nytt's "Hänvisas från".
    let path = edit(
        "framtida.md",
        "# Framtida avtal\n",
        "# Framtida avtal\n\nSe [nytt](nytt.md).\n",
    );
    engine.apply(&BTreeSet::from([path]));
    let listed: Vec<String> = parse(&served, "nytt.html")
        .select(&sel("section.doc-backlinks a"))
        .map(|a| a.text().collect())
        .collect();
    assert!(listed.contains(&"Framtida avtal".to_string()), "{listed:?}");

    // Every page served equals a full build of the book as it is now.
    let (_out, site) = build_on("2026-11-23", &book);
    for page in [
        "gammalt.html",
        "nytt.html",
        "tidsbegransat.html",
        "bilaga.html",
        "framtida.html",
        "dokumentregister.html",
    ] {
        let a = without_live_reload(&std::fs::read_to_string(served.join(page)).unwrap());
        let b = without_live_reload(&std::fs::read_to_string(site.join(page)).unwrap());
        assert_eq!(a, b, "{page} in the preview differs from a full build");
    }
}

#[test]
fn the_start_page_lists_the_ten_longest_overdue_documents_and_counts_the_rest() {
    // Twelve agreements overdue since 2020-01-12, 2020-01-11, … 2020-01-01 (in the book's
    // order, the latest first), and one whose review is still ahead.
    let agreement = |n: usize, title: &str, review_by: &str| Chapter {
        depth: 0,
        title: title.into(),
        path: format!("d{n}.md"),
        text: format!("+++\nkind = \"agreement\"\nreview_by = {review_by}\n+++\n# {title}\n"),
    };
    let mut chapters: Vec<Chapter> = (0..12)
        .map(|n| agreement(n, &format!("D{n}"), &format!("2020-01-{:02}", 12 - n)))
        .collect();
    chapters.push(agreement(12, "Ny", "2030-01-01"));
    let tmp = tempfile::tempdir().unwrap();
    write_chapters(tmp.path(), "", "", &chapters);
    let (_out, site) = build(&tmp.path().join("book"));
    let start = parse(&site, "index.html");
    let listed: Vec<String> = start
        .select(&sel(".overdue-list a"))
        .map(|a| a.text().collect())
        .collect();
    let longest: Vec<String> = (2..12).rev().map(|n| format!("D{n}")).collect();
    assert_eq!(listed, longest);
    let section = text_of(&start, ".home-overdue").unwrap();
    assert!(section.contains("12 dokument har passerat"), "{section}");
    let more: Vec<&str> = start
        .select(&sel(".overdue-more a"))
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert_eq!(more, ["dokumentregister.html"]);
    let register = parse(&site, "dokumentregister.html");
    assert_eq!(register.select(&sel("tr.is-overdue")).count(), 12);
}

#[test]
fn a_large_register_goes_on_over_pages_that_link_to_each_other() {
    // 3 agreements and 520 FAKTA documents: 500 rows on the first page, 23 on the second.
    let document = |kind: &str, title: String| Chapter {
        depth: 0,
        path: format!("{}.md", title.to_lowercase()),
        text: format!("+++\nkind = \"{kind}\"\n+++\n# {title}\n"),
        title,
    };
    let chapters: Vec<Chapter> = (0..520)
        .map(|n| document("fakta", format!("F{n:03}")))
        .chain((0..3).map(|n| document("agreement", format!("A{n}"))))
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    write_chapters(tmp.path(), "", "", &chapters);
    let (_out, site) = build(&tmp.path().join("book"));

    let first = parse(&site, "dokumentregister.html");
    let second = parse(&site, "listor/dokumentregister-2.html");
    let rows = |doc: &scraper::Html| doc.select(&sel("tbody tr")).count();
    assert_eq!((rows(&first), rows(&second)), (500, 23));
    let links = |doc: &scraper::Html, s: &str| -> Vec<String> {
        doc.select(&sel(s))
            .filter_map(|a| a.value().attr("href"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        links(&first, ".list-pages a[rel=next]"),
        ["listor/dokumentregister-2.html"]
    );
    assert_eq!(
        links(&second, ".list-pages a[rel=prev]"),
        ["../dokumentregister.html"]
    );
    assert!(
        text_of(&first, ".list-pages")
            .unwrap()
            .contains("Sida 1 av 2")
    );
    // The jump links lead to the page where each kind begins (both on the first: the
    // agreements come first, then the FAKTA documents).
    assert_eq!(
        links(&first, ".register-jump a"),
        ["#typ-agreement", "#typ-fakta"]
    );
    assert_eq!(
        links(&second, ".register-jump a"),
        [
            "../dokumentregister.html#typ-agreement",
            "../dokumentregister.html#typ-fakta"
        ]
    );
    // The FAKTA group goes on on page 2 and says so; its count is the whole group's.
    let caption = text_of(&second, "caption").unwrap();
    assert!(
        caption.contains("(520 dokument, fortsättning)"),
        "{caption}"
    );
    // No filter on a register in pages (it would filter one page only).
    assert_eq!(first.select(&sel(".register-filter")).count(), 0);
    let sitemap = std::fs::read_to_string(site.join("sitemap.xml")).unwrap();
    assert!(sitemap.contains("listor/dokumentregister-2.html"));
    follow_all_links(&site);
}
