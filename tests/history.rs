//! History from git (issue 16, items 2 and 3): a page's "Senast ändrad" and change log,
//! its diff pages under `andringar/`, `feed.xml` and `nytt-och-andrat.html`, from a fixture git
//! repository made in a temporary folder with fixed dates; a shallow clone and a book
//! outside git build without history and say so once.

mod common;

use common::*;
use std::path::Path;

const SITE_URL: &str = "[output.samsyn]\nsite-url = \"https://example.org/kb\"\n";

/// Builds `book` into `tmp/site` (without `--quiet`); returns the output and the site.
fn build_loud(tmp: &Path, book: &Path) -> (std::process::Output, std::path::PathBuf) {
    let site = tmp.join("site");
    let out = samsyn(
        &repo(),
        &[
            "build",
            book.to_str().unwrap(),
            "-o",
            site.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "build failed: {}", stderr(&out));
    (out, site)
}

const ATOM: &str = "http://www.w3.org/2005/Atom";

/// The Atom child element `name` of `n`.
fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> roxmltree::Node<'a, 'i> {
    n.children()
        .find(|c| c.has_tag_name((ATOM, name)))
        .unwrap_or_else(|| panic!("no <{name}>"))
}

/// The text of the Atom child element `name` of `n`.
fn text(n: roxmltree::Node<'_, '_>, name: &str) -> String {
    child(n, name).text().unwrap_or("").to_string()
}

fn texts(doc: &scraper::Html, selector: &str) -> Vec<String> {
    doc.select(&sel(selector))
        .map(|e| e.text().collect::<String>())
        .collect()
}

#[test]
fn a_page_lists_its_commits_with_links_to_their_diff_pages() {
    let (tmp, book, ids) = book_in_git(SITE_URL);
    let (out, site) = build_loud(tmp.path(), &book);
    assert!(!stderr(&out).contains("info:"), "{}", stderr(&out));
    let page = parse(&site, "riktlinjer.html");
    assert_eq!(
        texts(&page, ".last-changed"),
        ["Senast ändrad 2026-03-21"],
        "the committer's date, not UTC's"
    );
    assert_eq!(texts(&page, ".page-changes-heading"), ["Ändringshistorik"]);
    // Developers' commit subjects are not published, on the page, the news page, the
    // diff pages or in the feed: only a message's `Ändring:` line is.
    let files = html_files(&site);
    assert!(
        files.iter().any(|f| f.starts_with("andringar/")),
        "{files:?}"
    );
    for file in files.iter().map(String::as_str).chain(["feed.xml"]) {
        let text = std::fs::read_to_string(site.join(file)).unwrap();
        for hidden in [DEVELOPER_SUBJECT, "book: first version", "docs: follow-up"] {
            assert!(!text.contains(hidden), "{file} shows {hidden:?}");
        }
    }
    let entries: Vec<_> = page.select(&sel(".changes-list li")).collect();
    assert_eq!(entries.len(), 3);
    let entry_text = |i: usize| entries[i].text().collect::<String>();
    assert!(
        entry_text(0).starts_with("2026-03-21 Lägg till uppföljning"),
        "{}",
        entry_text(0)
    );
    assert!(
        entry_text(1).starts_with("2026-02-15 Texten ändrades"),
        "{}",
        entry_text(1)
    );
    assert_eq!(entry_text(2), "2026-01-10 Sidan skapades: Första versionen");
    let links: Vec<String> = page
        .select(&sel(".changes-list a"))
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect();
    assert_eq!(
        links,
        [
            format!("andringar/riktlinjer--{}.html", &ids[2][..12]),
            format!("andringar/riktlinjer--{}.html", &ids[1][..12]),
        ]
    );
    // The other page changed once (created), and the feed is linked from every page.
    let om = parse(&site, "om.html");
    assert_eq!(texts(&om, ".changes-list li").len(), 1);
    for doc in [&page, &om, &parse(&site, "index.html")] {
        let feed = doc
            .select(&sel(
                "head link[rel=alternate][type='application/atom+xml']",
            ))
            .next()
            .expect("feed link");
        assert_eq!(feed.value().attr("href"), Some("feed.xml"));
    }
    follow_all_links(&site);
}

#[test]
fn a_diff_page_marks_the_words_that_were_added_and_removed() {
    let (tmp, book, ids) = book_in_git(SITE_URL);
    let (_, site) = build_loud(tmp.path(), &book);
    let rel = format!("andringar/riktlinjer--{}.html", &ids[2][..12]);
    let diff = parse(&site, &rel);
    let ins = texts(&diff, ".diff-text ins");
    let del = texts(&diff, ".diff-text del");
    assert!(ins.iter().all(|t| t.starts_with("Tillagt: ")), "{ins:?}");
    assert!(del.iter().all(|t| t.starts_with("Borttaget: ")), "{del:?}");
    let strip = |v: &[String], p: &str| -> Vec<String> {
        v.iter()
            .map(|t| t.trim_start_matches(p).trim().to_string())
            .collect()
    };
    let (ins, del) = (strip(&ins, "Tillagt: "), strip(&del, "Borttaget: "));
    assert!(ins.contains(&"rätt".to_string()), "{ins:?}");
    assert!(ins.iter().any(|t| t.contains("regionen.")), "{ins:?}");
    assert!(
        ins.iter().any(|t| t.contains("Uppföljning sker varje år.")),
        "{ins:?}"
    );
    assert!(del.iter().any(|t| t.contains("kommunen.")), "{del:?}");
    // The document information (the front matter as the page shows it) is compared too.
    assert!(
        ins.contains(&"2.0.".to_string()) && del.contains(&"1.1.".to_string()),
        "{ins:?} {del:?}"
    );
    // Unchanged words are plain text, and the heading is its own block.
    assert!(
        !ins.iter().chain(&del).any(|t| t.contains("Barn")),
        "{ins:?} {del:?}"
    );
    assert!(
        texts(&diff, ".diff-text .diff-heading")
            .iter()
            .any(|h| h.contains("Uppföljning"))
    );
    // The page: its own title, the site's CSP, a link back, the date compared with.
    let title = texts(&diff, "title").join("");
    assert!(
        title.starts_with("Riktlinjer – ändring 2026-03-21 ("),
        "{title}"
    );
    assert!(
        diff.select(&sel("meta[http-equiv=Content-Security-Policy]"))
            .next()
            .is_some()
    );
    assert!(
        texts(&diff, "main")
            .join("")
            .contains("jämfört med versionen från 2026-02-15")
    );
    assert!(
        diff.select(&sel("a[href='../riktlinjer.html']"))
            .next()
            .is_some()
    );
    // The earlier change: "och unga" and the new paragraph added.
    let earlier = parse(
        &site,
        &format!("andringar/riktlinjer--{}.html", &ids[1][..12]),
    );
    let ins = strip(&texts(&earlier, ".diff-text ins"), "Tillagt: ");
    assert!(ins.contains(&"och unga".to_string()), "{ins:?}");
    assert!(
        ins.iter()
            .any(|t| t.contains("Ansvaret ligger hos kommunen.")),
        "{ins:?}"
    );
    // Of the text nothing was removed; only the version number changed.
    let del = strip(&texts(&earlier, ".diff-text del"), "Borttaget: ");
    assert_eq!(del, ["1.0."]);
    let counts = |doc: &scraper::Html| texts(doc, "main").join("");
    assert!(counts(&earlier).contains("tillägg och 1 borttagning)"));
    assert!(counts(&diff).contains("tillägg och 2 borttagningar)"));
    // No diff page for a first version; none in the sitemap or the search index.
    let pages: Vec<String> = html_files(&site)
        .into_iter()
        .filter(|p| p.starts_with("andringar/"))
        .collect();
    assert_eq!(pages.len(), 2, "{pages:?}");
    let sitemap = std::fs::read_to_string(site.join("sitemap.xml")).unwrap();
    assert!(!sitemap.contains("andringar/") && sitemap.contains("nytt-och-andrat.html"));
    let found = samsyn(
        &repo(),
        &["search", site.to_str().unwrap(), "kommunen", "--json"],
    );
    let hits: serde_json::Value = serde_json::from_slice(&found.stdout).unwrap();
    assert!(
        hits.as_array()
            .unwrap()
            .iter()
            .all(|h| !h["url"].as_str().unwrap().starts_with("andringar")),
        "{hits}"
    );
}

#[test]
fn the_feed_lists_each_change_newest_first_with_absolute_links() {
    let (tmp, book, ids) = book_in_git(SITE_URL);
    let (_, site) = build_loud(tmp.path(), &book);
    let xml = std::fs::read_to_string(site.join("feed.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let feed = doc.root_element();
    assert!(feed.has_tag_name((ATOM, "feed")));
    assert_eq!(text(feed, "id"), "https://example.org/kb/feed.xml");
    assert_eq!(text(feed, "updated"), "2026-03-21T00:30:00+01:00");
    assert_eq!(text(child(feed, "author"), "name"), "T");
    let self_link = feed
        .children()
        .find(|c| c.has_tag_name((ATOM, "link")) && c.attribute("rel") == Some("self"))
        .unwrap();
    assert_eq!(
        self_link.attribute("href"),
        Some("https://example.org/kb/feed.xml")
    );
    let entries: Vec<_> = feed
        .children()
        .filter(|c| c.has_tag_name((ATOM, "entry")))
        .collect();
    // Three changes of riktlinjer.md and the creation of om.md (in the first commit).
    assert_eq!(entries.len(), 4, "{xml}");
    let updated: Vec<String> = entries.iter().map(|e| text(*e, "updated")).collect();
    assert_eq!(
        updated,
        [
            "2026-03-21T00:30:00+01:00",
            "2026-02-15T09:30:00+01:00",
            "2026-01-10T10:00:00+01:00",
            "2026-01-10T10:00:00+01:00",
        ]
    );
    assert_eq!(
        text(entries[0], "title"),
        "Riktlinjer: Lägg till uppföljning"
    );
    assert_eq!(
        text(entries[0], "summary"),
        "Lägg till uppföljning (version 2.0)"
    );
    assert_eq!(text(entries[1], "summary"), "Texten ändrades (version 1.1)");
    assert_eq!(
        text(entries[2], "summary"),
        "Sidan skapades: Första versionen (version 1.0)"
    );
    assert_eq!(
        text(entries[3], "title"),
        "Om: Sidan skapades: Första versionen"
    );
    assert_eq!(
        child(entries[0], "link").attribute("href").unwrap(),
        format!(
            "https://example.org/kb/andringar/riktlinjer--{}.html",
            &ids[2][..12]
        )
    );
    assert_eq!(
        child(entries[2], "link").attribute("href"),
        Some("https://example.org/kb/riktlinjer.html")
    );
    let ids_seen: std::collections::BTreeSet<String> =
        entries.iter().map(|e| text(*e, "id")).collect();
    assert_eq!(ids_seen.len(), 4);
    assert!(ids_seen.contains(&format!("urn:samsyn:change:{}:riktlinjer.md", ids[2])));
    // "Nytt och ändrat" lists the same, and the footer links to it.
    let news = parse(&site, "nytt-och-andrat.html");
    let items = texts(&news, ".news-list li");
    assert_eq!(items.len(), 4);
    assert!(
        items[0].starts_with("2026-03-21 Riktlinjer: Lägg till uppföljning (version 2.0)"),
        "{items:?}"
    );
    let page = parse(&site, "riktlinjer.html");
    assert!(
        page.select(&sel("footer a[href='nytt-och-andrat.html']"))
            .next()
            .is_some()
    );
}

#[test]
fn without_a_site_url_feed_links_are_relative_to_the_feed() {
    let (tmp, book, _) = book_in_git("");
    let (_, site) = build_loud(tmp.path(), &book);
    let xml = std::fs::read_to_string(site.join("feed.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let hrefs: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("link"))
        .filter_map(|n| n.attribute("href"))
        .collect();
    assert_eq!(hrefs[..2], ["feed.xml", "nytt-och-andrat.html"]);
    assert!(hrefs.iter().all(|h| !h.contains("://")), "{hrefs:?}");
    let id = doc.descendants().find(|n| n.has_tag_name("id")).unwrap();
    assert_eq!(id.text(), Some("urn:samsyn:feed:t"));
}

#[test]
fn a_shallow_clone_builds_without_history_and_says_so_once() {
    let (tmp, book, _) = book_in_git("");
    let clone = tmp.path().join("clone");
    let url = format!("file://{}", book.display());
    git(
        tmp.path(),
        &["clone", "-q", "--depth", "1", &url, clone.to_str().unwrap()],
        COMMITS[0].0,
    );
    assert!(clone.join(".git/shallow").exists());
    let (out, site) = build_loud(tmp.path(), &clone);
    let err = stderr(&out);
    assert_eq!(err.matches("grund klon").count(), 1, "{err}");
    assert_eq!(err.matches("info:").count(), 1, "{err}");
    let page = parse(&site, "riktlinjer.html");
    assert!(page.select(&sel(".page-changes")).next().is_none());
    assert!(!site.join("andringar").exists());
    let news = parse(&site, "nytt-och-andrat.html");
    assert!(
        texts(&news, "main")
            .join("")
            .contains("byggdes utan ändringshistorik")
    );
}

#[test]
fn a_book_outside_git_builds_without_history_and_says_so_once() {
    let tmp = tempfile::tempdir().unwrap();
    write_book(
        tmp.path(),
        &[
            ("SUMMARY.md", GIT_SUMMARY),
            ("riktlinjer.md", V3),
            ("om.md", "# Om\n"),
        ],
    );
    let (out, site) = build_loud(tmp.path(), &tmp.path().join("book"));
    let err = stderr(&out);
    assert_eq!(err.matches("inte i ett git-arkiv").count(), 1, "{err}");
    assert_eq!(err.matches("info:").count(), 1, "{err}");
    assert!(
        parse(&site, "om.html")
            .select(&sel(".page-changes"))
            .next()
            .is_none()
    );
    let xml = std::fs::read_to_string(site.join("feed.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("entry"))
            .count(),
        0
    );
    // --quiet keeps it quiet.
    let quiet = samsyn(
        &repo(),
        &[
            "build",
            tmp.path().join("book").to_str().unwrap(),
            "-o",
            tmp.path().join("site2").to_str().unwrap(),
            "--quiet",
        ],
    );
    assert!(
        quiet.status.success() && !stderr(&quiet).contains("info:"),
        "{}",
        stderr(&quiet)
    );
}

/// The versions decided in the front matter's `[[history]]` are feed entries too, placed
/// by their date among git's commits; without git they are the whole feed.
#[test]
fn decided_versions_join_the_feed_by_date_with_or_without_git() {
    let decided = "+++\nkind = \"agreement\"\n\n[[history]]\nversion = \"2.0\"\ndate = 2026-02-20\ndecided_by = \"Ledningsgruppen\"\nsummary = \"Reviderad.\"\n\n[[history]]\nversion = \"1.0\"\ndate = \"2014\"\n+++\n# Om\n\nOm webbplatsen.\n";
    let feed = |site: &Path| -> Vec<(String, String, String)> {
        let xml = std::fs::read_to_string(site.join("feed.xml")).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        doc.descendants()
            .filter(|n| n.has_tag_name("entry"))
            .map(|e| (text(e, "title"), text(e, "updated"), text(e, "summary")))
            .collect()
    };
    let (tmp, book, _) = book_in_git(SITE_URL);
    std::fs::write(book.join("src/om.md"), decided).unwrap();
    let (_, site) = build_loud(tmp.path(), &book);
    let titles: Vec<String> = feed(&site).into_iter().map(|(t, _, _)| t).collect();
    assert_eq!(
        titles,
        [
            "Riktlinjer: Lägg till uppföljning",
            "Om: Beslutad av Ledningsgruppen: Reviderad.",
            "Riktlinjer: Texten ändrades",
            "Riktlinjer: Sidan skapades: Första versionen",
            "Om: Sidan skapades: Första versionen",
            "Om: Ny version",
        ]
    );
    let tmp = tempfile::tempdir().unwrap();
    write_book(
        tmp.path(),
        &[
            ("SUMMARY.md", GIT_SUMMARY),
            ("riktlinjer.md", V1),
            ("om.md", decided),
        ],
    );
    let (_, site) = build_loud(tmp.path(), &tmp.path().join("book"));
    assert_eq!(
        feed(&site),
        [
            (
                "Om: Beslutad av Ledningsgruppen: Reviderad.".to_string(),
                "2026-02-20T00:00:00+00:00".to_string(),
                "Beslutad av Ledningsgruppen: Reviderad. (version 2.0)".to_string()
            ),
            (
                "Om: Ny version".to_string(),
                "2014-01-01T00:00:00+00:00".to_string(),
                "Ny version (version 1.0)".to_string()
            ),
        ]
    );
    let news = texts(&parse(&site, "nytt-och-andrat.html"), ".news-list li");
    assert_eq!(news.len(), 2, "{news:?}");
    assert!(
        news[0].starts_with("2026-02-20 Om: Beslutad av Ledningsgruppen"),
        "{news:?}"
    );
}

#[test]
fn history_can_be_turned_off_in_book_toml() {
    let (tmp, book, _) = book_in_git("[output.samsyn]\nhistory = false\n");
    let (out, site) = build_loud(tmp.path(), &book);
    assert!(!stderr(&out).contains("info:"), "{}", stderr(&out));
    assert!(
        parse(&site, "riktlinjer.html")
            .select(&sel(".page-changes"))
            .next()
            .is_none()
    );
    assert!(!site.join("andringar").exists());
}

#[test]
fn a_chapter_may_not_render_into_the_diff_pages_folder() {
    let tmp = tempfile::tempdir().unwrap();
    write_book(
        tmp.path(),
        &[
            ("SUMMARY.md", "# S\n\n- [X](andringar/x.md)\n"),
            ("andringar/x.md", "# X\n"),
        ],
    );
    let (code, diags) = check_json(tmp.path());
    assert_eq!(code, Some(1));
    assert!(
        errors(&diags).iter().any(|d| d["code"] == "reserved-path"),
        "{diags:?}"
    );
}

#[test]
fn change_logs_diff_pages_and_the_news_page_pass_axe_in_chromium() {
    // No site URL: the 404 page would take its styles from the published address.
    let (tmp, book, _) = book_in_git("");
    let (_, site) = build_loud(tmp.path(), &book);
    let www = tmp.path().join("www");
    copy_dir(&site, &www.join("site"));
    let pages = html_files(&site);
    assert!(pages.iter().filter(|p| p.starts_with("andringar/")).count() == 2);
    let run = |width: u32, mode: &str| serde_json::json!({ "width": width, "mode": mode });
    let spec = serde_json::json!({
        "site": "site/",
        "pages": pages,
        "runs": [run(1280, "light"), run(1280, "dark-toggle"), run(320, "light"), run(320, "dark-toggle")],
        "tags": AXE_TAGS,
        "exclude": ["#search-results"],
        "keyboard": "riktlinjer.html",
        "motion": "riktlinjer.html",
    });
    let r = run_browser_script("a11y.mjs", &www, &spec, tmp.path());
    assert_eq!(r["violations"], serde_json::json!([]), "{r}");
    assert_eq!(r["reflow"], serde_json::json!([]), "{r}");
    assert_eq!(r["spacing"], serde_json::json!([]), "{r}");
}

#[test]
fn screen_readers_hear_what_was_added_and_removed_and_it_is_not_only_colour() {
    let (tmp, book, ids) = book_in_git(SITE_URL);
    let (_, site) = build_loud(tmp.path(), &book);
    let www = tmp.path().join("www");
    copy_dir(&site, &www.join("site"));
    let spec = serde_json::json!({
        "site": "site/",
        "page": format!("andringar/riktlinjer--{}.html", &ids[2][..12]),
    });
    let r = run_browser_script("diff-marks.mjs", &www, &spec, tmp.path());
    let tree = r["tree"].as_str().unwrap();
    assert!(tree.contains("Tillagt: rätt"), "{tree}");
    assert!(tree.contains("Borttaget: kommunen."), "{tree}");
    for scheme in ["light", "dark"] {
        let marks = r["decorations"][scheme].as_array().unwrap();
        assert!(!marks.is_empty());
        for m in marks {
            let want = if m["tag"] == "ins" {
                "underline"
            } else {
                "line-through"
            };
            assert_eq!(m["line"], want, "{scheme}: {m}");
        }
    }
}
