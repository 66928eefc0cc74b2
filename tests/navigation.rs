//! The sidebar's navigation in its two forms (`src/render/nav.rs`): the bundled book's
//! whole tree in one script, and a large book's branches (`navigation = "branches"`):
//! each page rendered with its part of the tree, the rest in branch files fetched when
//! opened (`tests/browser/nav-branches.mjs`, in Chromium).

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

const BRANCHES: &str = "\n[output.samsyn]\nnavigation = \"branches\"\n";
const LONG: usize = 60;

/// A book with nested chapters, a part title, a draft and a chapter with [`LONG`] pages.
fn nested_book(dir: &Path, extra_toml: &str) {
    let mut summary = String::from(
        "# S\n\n- [Start](a.md)\n  - [A1](a/1.md)\n    - [A1x](a/1x.md)\n      - [A1x djup](a/1xd.md)\n  - [A2](a/2.md)\n    - [A2x](a/2x.md)\n      - [A2x djup](a/2xd.md)\n\n# Del två\n\n- [Lång](l.md)\n",
    );
    let mut files: Vec<(String, String)> =
        ["a", "a/1", "a/1x", "a/1xd", "a/2", "a/2x", "a/2xd", "l"]
            .iter()
            .map(|p| (format!("{p}.md"), format!("# Sida {p}\n\nText.\n")))
            .collect();
    for i in 1..=LONG {
        summary.push_str(&format!("  - [L {i}](l/{i}.md)\n"));
        files.push((format!("l/{i}.md"), format!("# L {i}\n\nText.\n")));
    }
    summary.push_str("- [Utkast]()\n");
    files.push(("SUMMARY.md".into(), summary));
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    write_book_with_toml(dir, extra_toml, &files);
}

/// The `data-entry` of the closed branch titled `title` on the page `rel`.
fn entry_of(site: &Path, rel: &str, title: &str) -> String {
    let doc = parse(site, rel);
    doc.select(&sel("#sidebar li[data-entry]"))
        .find(|li| {
            li.select(&sel(".toc-row > a"))
                .next()
                .is_some_and(|a| a.text().collect::<String>() == title)
        })
        .and_then(|li| li.value().attr("data-entry"))
        .unwrap_or_else(|| panic!("{rel}: no closed branch {title}"))
        .to_string()
}

#[test]
fn a_book_in_branches_renders_each_pages_path_and_names_the_file_of_every_closed_branch() {
    let tmp = tempfile::tempdir().unwrap();
    nested_book(tmp.path(), BRANCHES);
    let (_out, site) = build(&tmp.path().join("book"));

    let page = parse(&site, "a/1.html");
    assert_eq!(page.select(&sel("script[src*=\"toc-data\"]")).count(), 0);
    assert_eq!(
        page.select(&sel("nav#sidebar[data-nav=\"branches\"]"))
            .count(),
        1
    );
    let current: Vec<_> = page
        .select(&sel("#sidebar a[aria-current=\"page\"]"))
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect();
    assert_eq!(current, ["../a/1.html"]);
    let shown: Vec<String> = page
        .select(&sel("#sidebar .sidebar-tree a"))
        .map(|a| a.text().collect())
        .collect();
    // The top level, Start's children (A1 is the page) and A1's child; nothing deeper and
    // nothing of the closed branches.
    assert_eq!(shown, ["Start", "A1", "A1x", "A2", "Lång"], "{shown:?}");
    assert_eq!(page.select(&sel("#sidebar .toc-part-title")).count(), 1);
    assert_eq!(page.select(&sel("#sidebar .toc-draft")).count(), 1);

    // Every toggle, on every page, names a file that lists its entry's children.
    let mut checked = 0;
    for rel in html_files(&site) {
        let doc = parse(&site, &rel);
        for button in doc.select(&sel("#sidebar [data-branch]")) {
            let file = button.value().attr("data-branch").unwrap();
            let entry = button.value().attr("data-entry").unwrap();
            assert!(file.starts_with("js/nav/branch."), "{rel}: {file}");
            let json: Value =
                serde_json::from_slice(&std::fs::read(site.join(file)).unwrap()).unwrap();
            assert!(
                json[entry].as_array().is_some_and(|a| !a.is_empty()),
                "{rel}: {entry} not in {file}"
            );
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked} toggles checked");
    // The sidebars' links, like every other, lead to pages that exist.
    follow_all_links(&site);

    // A page in the long list shows 50 of its 60 siblings and a button for the rest.
    let long = parse(&site, &format!("l/{LONG}.html"));
    assert_eq!(long.select(&sel("#sidebar a[href^=\"../l/\"]")).count(), 50);
    let all: Vec<String> = long
        .select(&sel("#sidebar .toc-all"))
        .map(|b| b.text().collect())
        .collect();
    assert_eq!(all, [format!("Visa alla {LONG} sidor")]);
    // The table of contents still lists every page.
    let toc = parse(&site, "toc.html");
    assert_eq!(toc.select(&sel(".toc-full a")).count(), 8 + LONG);

    let report = run_browser_script(
        "nav-branches.mjs",
        &site,
        &serde_json::json!({
            "page": "a/1.html",
            "closed": { "entry": entry_of(&site, "a/1.html", "A2"), "children": 1 },
            "long": format!("l/{LONG}.html"),
            "longCount": LONG,
        }),
        tmp.path(),
    );
    assert_eq!(report["opened"]["links"], 1, "{report}");
    assert_eq!(report["nestedSameFile"], true, "{report}");
}

#[test]
fn a_small_book_keeps_its_whole_navigation_in_one_script() {
    let (_out, site) = build(&repo().join("book"));
    let script = linked_path(
        &std::fs::read_to_string(site.join("index.html")).unwrap(),
        "js/toc-data.",
    );
    let text = std::fs::read_to_string(site.join(&script)).unwrap();
    assert!(text.starts_with("window.SAMSYN_TOC = ["), "{script}");
    assert!(!site.join("js/nav").exists());
    assert_eq!(
        parse(&site, "index.html")
            .select(&sel("#sidebar > *"))
            .count(),
        0,
        "the sidebar is built in the browser"
    );
}

#[test]
fn an_unknown_navigation_setting_is_refused_where_it_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    nested_book(tmp.path(), "\n[output.samsyn]\nnavigation = \"allt\"\n");
    let book = tmp.path().join("book");
    let out = samsyn(tmp.path(), &["build", book.to_str().unwrap(), "-o", "site"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("book.toml:6:"), "{err}");
    assert!(
        err.contains("navigation = \"allt\"") && err.contains("\"branches\""),
        "{err}"
    );
    assert!(!tmp.path().join("site").exists());
}
