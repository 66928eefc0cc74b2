//! `samsyn build` on fixture books: the HTML is parsed and its links followed.

mod common;
use common::*;

#[test]
fn fixture_site_has_metadata_panel_navigation_404_and_sitemap() {
    let (_tmp, site) = build(&fixture("basic"));
    let doc = parse(&site, "avtal/huvud.html");
    let panel = doc
        .select(&sel("aside.doc-meta"))
        .next()
        .expect("metadata panel");
    let text: String = panel.text().collect::<Vec<_>>().join(" ");
    for expected in [
        "Dokument-ID",
        "100",
        "Version",
        "5.0",
        "Gäller från",
        "2020-11-27",
        "Nästa revision",
        "2021-10-31",
        "Innehållsansvarig",
        "Anna Andersson",
        "Godkänd av",
        "Ledningsgruppen",
        "Status",
        "Gällande",
    ] {
        assert!(text.contains(expected), "panel lacks {expected}: {text}");
    }
    let overdue: String = doc
        .select(&sel(".review-overdue, .overdue-flag"))
        .flat_map(|e| e.text())
        .collect();
    assert!(
        overdue.to_lowercase().contains("revision försenad"),
        "overdue note: {overdue}"
    );
    // The front matter is not in the body.
    let main: String = doc.select(&sel("main")).flat_map(|e| e.text()).collect();
    assert!(!main.contains("+++") && !main.contains("doc_id"), "{main}");

    // lang, landmarks, skip link, one search field.
    let html = doc.select(&sel("html")).next().unwrap();
    assert_eq!(html.value().attr("lang"), Some("sv"));
    assert_eq!(html.value().attr("data-root"), Some("../"));
    for landmark in [
        "header",
        "main#main",
        "nav#sidebar",
        "footer",
        "a[href='#main']",
    ] {
        assert!(
            doc.select(&sel(landmark)).next().is_some(),
            "missing {landmark}"
        );
    }
    assert_eq!(doc.select(&sel("input[type=search]")).count(), 1);

    // Navigation is a shared asset, not copied into pages.
    let nav = std::fs::read_to_string(site.join(asset_path(&site, "js/toc-data.js"))).unwrap();
    assert!(
        nav.contains("\"avtal/huvud.html\"") && nav.contains("Planerat avtal"),
        "{nav}"
    );
    assert!(
        !std::fs::read_to_string(site.join("om.html"))
            .unwrap()
            .contains("Planerat avtal")
    );

    // Headings are in order: exactly one h1 per chapter page.
    for page in [
        "om.html",
        "avtal/huvud.html",
        "avtal/index.html",
        "begrepp.html",
    ] {
        assert_eq!(
            parse(&site, page).select(&sel("main h1")).count(),
            1,
            "{page}"
        );
    }

    // Start page, register, 404, sitemap.
    let start = parse(&site, "index.html");
    assert!(
        start
            .select(&sel("a[href='dokumentregister.html']"))
            .next()
            .is_some()
    );
    let register = parse(&site, "dokumentregister.html");
    let rows: Vec<String> = register
        .select(&sel("table tbody tr"))
        .map(|r| r.text().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        rows.iter()
            .any(|r| r.contains("Huvudavtal") && r.contains("100"))
    );
    assert!(
        rows.iter()
            .any(|r| r.contains("Planerat avtal") && r.contains("Planerad"))
    );
    let caption: String = register
        .select(&sel("caption, h2, h3"))
        .flat_map(|e| e.text())
        .collect();
    assert!(caption.contains("Barn och unga"), "{caption}");
    let not_found: String = parse(&site, "404.html").root_element().text().collect();
    assert!(not_found.contains("Sidan kunde inte hittas"));
    let sitemap = std::fs::read_to_string(site.join("sitemap.xml")).unwrap();
    assert!(sitemap.contains("<loc>avtal/huvud.html</loc>"), "{sitemap}");
    assert!(site.join("bilder/logo.svg").is_file(), "assets are copied");
    let scripts: Vec<String> = std::fs::read_dir(site.join("js"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        scripts.iter().any(|f| f.starts_with("samsyn."))
            && !scripts.iter().any(|f| f.starts_with("live-reload")),
        "the preview's reload script is not in static builds: {scripts:?}"
    );
}

#[test]
fn every_url_in_the_site_is_relative_and_resolves() {
    let (_tmp, site) = build(&fixture("basic"));
    let followed = follow_all_links(&site);
    assert!(followed > 30, "followed only {followed} links");
    let om = parse(&site, "om.html");
    let hrefs: Vec<&str> = om
        .select(&sel("main a[href]"))
        .map(|a| a.value().attr("href").unwrap())
        .collect();
    assert!(
        hrefs.contains(&"avtal/huvud.html#sip"),
        "doc: link rewritten: {hrefs:?}"
    );
    assert!(
        hrefs.contains(&"avtal/huvud.html#ansvar"),
        "raw HTML href rewritten: {hrefs:?}"
    );
}

#[test]
fn content_errors_exit_1_and_leave_the_previous_site_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("book");
    copy_dir(&fixture("basic"), &book);
    let site = tmp.path().join("site");
    let args = ["build", "book", "-o", "site", "--quiet"];
    assert!(samsyn(tmp.path(), &args).status.success());
    let before = snapshot(&site);

    let page = book.join("src/om.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, text.replace("begrepp.md#bup", "begrepp.md#bupp")).unwrap();
    let out = samsyn(tmp.path(), &args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("book/src/om.md:3:"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(&site), before, "previous site changed");

    // A failure while rendering (a broken theme) also leaves it whole, and no
    // temporary folder behind.
    std::fs::write(&page, text).unwrap();
    let theme = tmp.path().join("theme");
    copy_dir(&repo().join("theme"), &theme);
    std::fs::write(
        theme.join("page.html"),
        "{% extends \"base.html\" %}{% block main %}{{ content | nosuchfilter }}{% endblock %}",
    )
    .unwrap();
    let out = samsyn(
        tmp.path(),
        &["build", "book", "-o", "site", "--quiet", "--theme", "theme"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(snapshot(&site), before, "previous site changed");
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains("samsyn-tmp")), "{names:?}");
}

#[test]
fn refuses_to_overwrite_a_folder_it_did_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("docs")).unwrap();
    std::fs::write(tmp.path().join("docs/viktigt.txt"), "behåll").unwrap();
    let book = fixture("basic");
    let out = samsyn(tmp.path(), &["build", book.to_str().unwrap(), "-o", "docs"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("docs/viktigt.txt")).unwrap(),
        "behåll"
    );
}

#[test]
fn usage_and_configuration_errors_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let out = samsyn(tmp.path(), &["build", "finns-inte"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("finns-inte"), "{}", stderr(&out));
    assert_eq!(
        samsyn(tmp.path(), &["build", "--okand-flagga"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        samsyn(tmp.path(), &["check", "--format", "xml"])
            .status
            .code(),
        Some(2)
    );
    std::fs::create_dir_all(tmp.path().join("b/src")).unwrap();
    std::fs::write(tmp.path().join("b/book.toml"), "[book]\ntitle = 3\n").unwrap();
    let out = samsyn(tmp.path(), &["check", "b"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("book.toml"), "{}", stderr(&out));
}

#[test]
fn deny_warnings_turns_warnings_into_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let book = fixture("basic");
    let out = samsyn(
        tmp.path(),
        &[
            "build",
            book.to_str().unwrap(),
            "-o",
            "s",
            "--deny-warnings",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "the overdue revision is a warning"
    );
    assert!(!tmp.path().join("s").exists());
}

#[test]
fn a_killed_build_leaves_the_previous_site_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("book");
    std::fs::create_dir_all(book.join("src")).unwrap();
    std::fs::write(book.join("book.toml"), "[book]\ntitle = \"Stor\"\n").unwrap();
    let mut summary = String::new();
    for i in 0..600 {
        summary.push_str(&format!("- [Sida {i}](s{i}.md)\n"));
        let body = "Barn och unga i samverkan mellan socialtjänst och skola. ".repeat(200);
        std::fs::write(
            book.join(format!("src/s{i}.md")),
            format!("# Sida {i}\n\n## Del\n\n{body}\n"),
        )
        .unwrap();
    }
    std::fs::write(book.join("src/SUMMARY.md"), summary).unwrap();
    let site = tmp.path().join("site");
    let args = ["build", "book", "-o", "site", "--quiet"];
    assert!(samsyn(tmp.path(), &args).status.success());
    let before = snapshot(&site);
    let mut killed = 0;
    for delay_ms in [30, 80, 150, 300] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_samsyn"))
            .args(args)
            .current_dir(tmp.path())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let status = child.wait().unwrap();
        if status.success() {
            // It finished before the kill: the new site is complete.
            assert!(site.join("index.html").is_file() && site.join(".samsyn-site").is_file());
            return;
        }
        killed += 1;
        assert_eq!(
            snapshot(&site),
            before,
            "killed after {delay_ms} ms: previous site changed"
        );
    }
    assert!(killed > 0);
    // The next build removes what the killed ones left beside the site.
    assert!(samsyn(tmp.path(), &args).status.success());
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".samsyn-") && n != ".samsyn-cache")
        .collect();
    assert!(left.is_empty(), "leftovers: {left:?}");
    // The build cache keeps only its tables, its lock, the sections file the table names
    // and the check's memo (no memo a killed build was writing).
    let mut cache: Vec<_> = std::fs::read_dir(tmp.path().join(".samsyn-cache/site"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    cache.sort();
    assert_eq!(cache.len(), 5, "{cache:?}");
    assert_eq!(
        cache[..4],
        ["checks.bin", "index.json", "lock", "manifest.jsonl"],
        "{cache:?}"
    );
    assert!(cache[4].starts_with("sections-"), "{cache:?}");
}

/// Titles, front matter and the book's title are the editors' text, not markup: wherever
/// samsyn inserts them (pages, start page, register, navigation, 404) they are escaped,
/// so no element or attribute can be smuggled in through them.
#[test]
fn every_value_samsyn_inserts_is_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("book");
    std::fs::create_dir_all(book.join("src")).unwrap();
    std::fs::write(
        book.join("book.toml"),
        "[book]\ntitle = \"</title><script>alert(1)</script>\"\ndescription = \"<img src=x onerror=alert(2)>\"\n",
    )
    .unwrap();
    std::fs::write(
        book.join("src/SUMMARY.md"),
        "# S\n\n- [\\<img src=x onerror=alert(3)\\>](a.md)\n- [\"\\><svg onload=alert(4)\\>](b.md)\n",
    )
    .unwrap();
    std::fs::write(
        book.join("src/a.md"),
        "+++\nkind = \"agreement\"\ndoc_id = \"<b onclick=alert(5)>1</b>\"\nowner = \"<script>alert(6)</script>\"\nsummary = \"\\\" onmouseover=\\\"alert(7)\"\nstrategy_group = \"<iframe src=javascript:alert(8)>\"\nservices = [\"<svg onload=alert(9)>\"]\nstatus = \"in-force\"\n+++\n# A\n\nText.\n",
    )
    .unwrap();
    std::fs::write(book.join("src/b.md"), "# B\n\nText.\n").unwrap();
    let (_out, site) = build(&book);
    let pages = html_files(&site);
    assert!(pages.len() >= 5, "{pages:?}");
    let mut injected = Vec::new();
    for rel in &pages {
        let doc = parse(&site, rel);
        for el in doc.select(&sel("*")) {
            let v = el.value();
            // (The theme's own icons are inline <svg> without handlers.)
            if matches!(v.name(), "img" | "iframe" | "b") {
                injected.push(format!("{rel}: <{}>", v.name()));
            }
            if v.name() == "script" && v.attr("src").is_none() {
                injected.push(format!("{rel}: inline script"));
            }
            for (name, _) in v.attrs() {
                if name.starts_with("on") {
                    injected.push(format!("{rel}: {name}= on <{}>", v.name()));
                }
            }
        }
    }
    assert!(injected.is_empty(), "{injected:#?}");
    // The text is there, as text.
    let panel: String = parse(&site, "a.html")
        .select(&sel("aside.doc-meta"))
        .flat_map(|e| e.text())
        .collect();
    assert!(panel.contains("<script>alert(6)</script>"), "{panel}");
}

/// `--precompress`: every page, script and style sheet of the site has a `.gz` and a `.br`
/// copy that inflates to it (the copies are made in the staging folder, so they are of
/// this build); the search index's files and the wasm, compressed already, have none;
/// without the option no copies are written.
#[test]
fn precompress_writes_gzip_and_brotli_copies_of_the_text_files() {
    use std::io::Read;
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    build_into(&fixture("basic"), &site, &["--precompress"]);
    let files = snapshot(&site);
    let texts: Vec<&String> = files
        .keys()
        .filter(|p| {
            [".html", ".css", ".js", ".xml"]
                .iter()
                .any(|e| p.ends_with(e))
        })
        .collect();
    assert!(
        texts.iter().any(|p| p.ends_with("avtal/huvud.html")),
        "{texts:?}"
    );
    for path in texts {
        let text = &files[path];
        if text.len() < 100 {
            continue; // too small to shrink
        }
        let mut gz = Vec::new();
        flate2::read::GzDecoder::new(&files[&format!("{path}.gz")][..])
            .read_to_end(&mut gz)
            .unwrap();
        let mut br = Vec::new();
        brotli::Decompressor::new(&files[&format!("{path}.br")][..], 4096)
            .read_to_end(&mut br)
            .unwrap();
        assert!(
            gz == *text && br == *text,
            "{path}: a copy differs from the file"
        );
    }
    assert!(
        !files
            .keys()
            .any(|p| p.contains(".bin.") || p.contains(".deflate.")),
        "the index's files are compressed already"
    );

    let (_tmp, plain) = build(&fixture("basic"));
    assert!(
        !snapshot(&plain)
            .keys()
            .any(|p| p.ends_with(".gz") || p.ends_with(".br")),
        "copies without --precompress"
    );
}
