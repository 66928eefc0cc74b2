//! Incremental builds: a build with the cache of the previous one writes, byte for byte,
//! the site a clean build writes, whatever changed in between (pages, titles, headings,
//! front matter, the date, the theme, the history), and renders again only the pages an
//! edit affects.

mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// tantivy names its segment files at random: two clean builds differ there too.
fn site_files(site: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = snapshot(site);
    files.retain(|path, _| !path.starts_with("search-index/tantivy"));
    files
}

/// A book being edited, its site (built with the cache beside it) and the day.
struct Editing {
    tmp: tempfile::TempDir,
    book: PathBuf,
    site: PathBuf,
    today: &'static str,
    extra: Vec<String>,
    /// Whether the last [`Editing::build`] took the previous site's search index.
    index_reused: bool,
}

impl Editing {
    /// A copy of the bundled book.
    fn bundled() -> Editing {
        let tmp = tempfile::tempdir().unwrap();
        let book = tmp.path().join("book");
        copy_dir(&repo().join("book"), &book);
        Editing::of(tmp, book)
    }

    fn of(tmp: tempfile::TempDir, book: PathBuf) -> Editing {
        let site = tmp.path().join("site");
        Editing {
            tmp,
            book,
            site,
            today: TODAY,
            extra: Vec::new(),
            index_reused: false,
        }
    }

    fn src(&self, rel: &str) -> PathBuf {
        self.book.join("src").join(rel)
    }

    fn edit(&self, rel: &str, change: impl FnOnce(String) -> String) {
        let path = self.src(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        let changed = change(text.clone());
        assert_ne!(changed, text, "the edit of {rel} changes nothing");
        std::fs::write(path, changed).unwrap();
    }

    fn run(&self, site: &Path, extra: &[&str]) -> String {
        let mut args = vec![
            "build",
            self.book.to_str().unwrap(),
            "-o",
            site.to_str().unwrap(),
        ];
        args.extend(self.extra.iter().map(String::as_str));
        args.extend(extra);
        let out = samsyn_on(self.today, &repo(), &args);
        assert!(out.status.success(), "build failed: {}", stderr(&out));
        stderr(&out)
    }

    /// Builds with the cache; asserts that the site equals a clean build's (without a
    /// cache, into another folder). Returns how many pages came from the previous site.
    fn build(&mut self) -> usize {
        let said = self.run(&self.site, &[]);
        self.index_reused = said.contains("sökindexet oförändrat");
        let clean = self.tmp.path().join("clean");
        self.run(&clean, &["--no-cache"]);
        let (incremental, fresh) = (site_files(&self.site), site_files(&clean));
        let differing: Vec<&String> = fresh
            .keys()
            .chain(incremental.keys())
            .filter(|p| fresh.get(*p) != incremental.get(*p))
            .collect();
        assert!(
            differing.is_empty(),
            "the incremental build differs from a clean one in {differing:?}"
        );
        std::fs::remove_dir_all(&clean).unwrap();
        reused(&said)
    }
}

/// The number in the build's "(N oförändrade tagna från förra bygget)", else 0.
fn reused(said: &str) -> usize {
    said.split_once(" oförändrade tagna från förra bygget")
        .and_then(|(before, _)| before.rsplit('(').next())
        .map_or(0, |n| n.trim().parse().unwrap())
}

/// The number of chapter pages of the bundled book (its SUMMARY.md entries).
fn chapters(book: &Path) -> usize {
    std::fs::read_to_string(book.join("src/SUMMARY.md"))
        .unwrap()
        .lines()
        .filter(|l| l.trim_start().starts_with("- [") || l.trim_start().starts_with('['))
        .count()
}

#[cfg(unix)]
fn inode(path: &Path) -> u64 {
    std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(path).unwrap())
}

#[test]
fn an_incremental_build_writes_what_a_clean_build_writes_after_every_kind_of_edit() {
    let mut e = Editing::bundled();
    let pages = chapters(&e.book);
    assert_eq!(e.build(), 0, "the first build has no cache");
    assert!(
        e.tmp
            .path()
            .join(".samsyn-cache/site/manifest.jsonl")
            .is_file(),
        "the cache is kept beside the site"
    );
    assert_eq!(e.build(), pages, "nothing changed: every page is reused");
    assert!(
        e.index_reused,
        "nothing changed: the search index is the previous one"
    );

    // A page's text: only that page is rendered again.
    let page = "fakta/index.md";
    #[cfg(unix)]
    let other_before = inode(&e.site.join("begrepp.html"));
    e.edit(page, |t| {
        t + "\nEtt nytt stycke om samordnad individuell plan.\n"
    });
    assert_eq!(e.build(), pages - 1, "one page's text changed");
    assert!(!e.index_reused, "a page's text changed: the index is built");
    #[cfg(unix)]
    assert_eq!(
        inode(&e.site.join("begrepp.html")),
        other_before,
        "an unchanged page is the previous site's file, linked"
    );

    // A heading's text under its own id: links to it do not change.
    e.edit("begrepp.md", |t| t.replacen("\n## ", "\n## Ny rubrik: ", 1));
    assert_eq!(e.build(), pages - 1, "a heading's text changed, not its id");
    // A new heading id: links resolve against heading ids, so every page is rendered.
    e.edit("barndialogen/styrning.md", |t| {
        t + "\n## Uppföljning\n\nStrategigruppen följer upp arbetet.\n"
    });
    assert_eq!(e.build(), 0, "a heading id was added");

    // A title in SUMMARY.md (the navigation, neighbours' links, breadcrumbs).
    e.edit("SUMMARY.md", |t| {
        t.replacen(
            "[Barndialogens styrning]",
            "[Styrningen av Barndialogen]",
            1,
        )
    });
    let after_title = e.build();
    assert!(after_title < pages, "a title shows on other pages");

    // Front matter: a document's status and validity show on the pages that link to it.
    let document = "overenskommelser/barn-och-unga/familjecentral.md";
    e.edit(document, |t| {
        t.replacen("+++\n", "+++\nvalid_until = 2026-01-31\n", 1)
    });
    e.build();

    // A page added, then removed.
    std::fs::write(
        e.src("barndialogen/ny-sida.md"),
        "# Ny sida\n\nOm [styrningen](styrning.md).\n",
    )
    .unwrap();
    e.edit("SUMMARY.md", |t| {
        t.replacen(
            "  - [Styrningen av Barndialogen](barndialogen/styrning.md)\n",
            "  - [Styrningen av Barndialogen](barndialogen/styrning.md)\n  - [Ny sida](barndialogen/ny-sida.md)\n",
            1,
        )
    });
    e.build();
    e.edit("SUMMARY.md", |t| {
        t.replacen("  - [Ny sida](barndialogen/ny-sida.md)\n", "", 1)
    });
    e.build();

    // Another day: statuses, overdue revisions and the build date change.
    e.today = "2027-06-30";
    e.build();

    // Another theme: nothing is reused.
    let theme = e.tmp.path().join("theme");
    copy_dir(&repo().join("theme"), &theme);
    let template = theme.join("page.html");
    let text = std::fs::read_to_string(&template).unwrap();
    std::fs::write(
        &template,
        text.replacen("{% block main %}", "{% block main %}<!-- tema -->", 1),
    )
    .unwrap();
    e.extra = vec!["--theme".into(), theme.to_str().unwrap().into()];
    assert_eq!(e.build(), 0, "a template changed");
    assert!(e.index_reused, "a template is not in the search index");
    assert_eq!(e.build(), pages);
}

#[test]
fn a_site_file_changed_by_hand_is_rendered_again() {
    let mut e = Editing::bundled();
    e.build();
    let page = e.site.join("begrepp.html");
    let text = std::fs::read_to_string(&page).unwrap();
    // Written in place, as an editor on the server might.
    std::fs::write(&page, text.replace("<main", "<!-- ändrad --><main")).unwrap();
    let pages = chapters(&e.book);
    assert_eq!(e.build(), pages - 1, "the changed file is not taken");
    assert_eq!(std::fs::read_to_string(&page).unwrap(), text);
    assert!(e.index_reused);

    // An index file changed by hand: the index is built again.
    let manifest = e.site.join("search-index/manifest.json");
    let index = std::fs::read(&manifest).unwrap();
    std::fs::write(&manifest, b"{}").unwrap();
    assert_eq!(e.build(), pages);
    assert!(!e.index_reused, "the changed index file is not taken");
    assert_eq!(std::fs::read(&manifest).unwrap(), index);
}

#[test]
fn a_damaged_or_foreign_cache_is_rebuilt_and_said_so() {
    let mut e = Editing::bundled();
    e.build();
    let manifest = e.tmp.path().join(".samsyn-cache/site/manifest.jsonl");
    std::fs::write(&manifest, "{ inte json").unwrap();
    let said = e.run(&e.site, &[]);
    assert!(said.contains("cachen är skadad"), "{said}");
    assert_eq!(reused(&said), 0);
    assert_eq!(e.build(), chapters(&e.book), "the cache was written again");

    // A sections file cut short: its pages are rendered, the site is still right.
    let cache = e.tmp.path().join(".samsyn-cache/site");
    let sections = std::fs::read_dir(&cache)
        .unwrap()
        .map(|d| d.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("sections-")
        })
        .unwrap();
    let bytes = std::fs::read(&sections).unwrap();
    std::fs::write(&sections, &bytes[..bytes.len() / 2]).unwrap();
    let reused = e.build();
    assert!(reused > 0 && reused < chapters(&e.book), "{reused}");
}

#[test]
fn the_cache_goes_where_it_is_told_and_nowhere_it_must_not() {
    let e = Editing::bundled();
    let elsewhere = e.tmp.path().join("cachen");
    e.run(&e.site, &["--cache", elsewhere.to_str().unwrap()]);
    assert!(elsewhere.join("manifest.jsonl").is_file());
    assert!(!e.tmp.path().join(".samsyn-cache").exists());
    let said = e.run(&e.site, &["--cache", elsewhere.to_str().unwrap()]);
    assert_eq!(reused(&said), chapters(&e.book));

    let none = e.tmp.path().join("utan");
    e.run(&none, &["--no-cache"]);
    assert!(!e.tmp.path().join(".samsyn-cache/utan").exists());

    let roundabout = e.book.join("nej/../src/cache");
    for forbidden in [e.src("cache"), e.site.join("cache"), roundabout] {
        let out = samsyn(
            &repo(),
            &[
                "build",
                e.book.to_str().unwrap(),
                "-o",
                e.site.to_str().unwrap(),
                "--cache",
                forbidden.to_str().unwrap(),
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("cachemappen"), "{}", stderr(&out));
        assert!(
            !forbidden.exists(),
            "nothing written at {}",
            forbidden.display()
        );
    }
}

#[test]
fn a_new_commit_changes_the_history_pages_as_a_clean_build_would() {
    let (tmp, book, _) = book_in_git("");
    let mut e = Editing::of(tmp, book);
    e.build();
    e.edit("om.md", |t| t + "\nMer om webbplatsen.\n");
    git(&e.book, &["add", "-A"], "2026-11-20T10:00:00+01:00");
    git(
        &e.book,
        &[
            "commit",
            "-q",
            "-m",
            "Om: mer text\n\nÄndring: Mer om webbplatsen",
        ],
        "2026-11-20T10:00:00+01:00",
    );
    e.build();
}

#[test]
fn precompressed_copies_of_unchanged_pages_are_the_previous_sites() {
    let mut e = Editing::bundled();
    e.extra = vec!["--precompress".into()];
    e.build();
    let copy = e.site.join("begrepp.html.br");
    #[cfg(unix)]
    let before = inode(&copy);
    e.edit("fakta/index.md", |t| t + "\nEtt nytt stycke.\n");
    assert_eq!(e.build(), chapters(&e.book) - 1);
    assert!(copy.is_file());
    #[cfg(unix)]
    assert_eq!(inode(&copy), before, "the unchanged page's copy is linked");
}

/// The inodes of the files in `dir` (not below it), by name.
#[cfg(unix)]
fn inodes(dir: &Path) -> BTreeMap<String, u64> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                inode(&e.path()),
            )
        })
        .collect()
}

/// How many of `after`'s files are `before`'s (the same inode), and how many are not.
#[cfg(unix)]
fn kept_and_new(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> (usize, usize) {
    let old: std::collections::HashSet<u64> = before.values().copied().collect();
    let kept = after.values().filter(|i| old.contains(i)).count();
    (kept, after.len() - kept)
}

/// The search of `samsyn search --json` in `site`.
fn search_json(site: &Path, query: &str) -> String {
    let out = samsyn(
        &repo(),
        &[
            "search",
            site.to_str().unwrap(),
            query,
            "--json",
            "--limit",
            "30",
        ],
    );
    assert!(out.status.success(), "search failed: {}", stderr(&out));
    stdout(&out)
}

#[test]
#[cfg(unix)]
fn a_text_edit_in_a_large_book_indexes_only_what_it_changed() {
    // 1,000 pages of 10 sections: tantivy's index is three runs of sections, the
    // fragments eight archives.
    let tmp = tempfile::tempdir().unwrap();
    let chapters: Vec<Chapter> = (0..1000)
        .map(|i| {
            let mut text = format!("# Sida {i}\n\nInledning om barn och skola {i}.\n");
            for s in 0..9 {
                text.push_str(&format!(
                    "\n## Avsnitt {s}\n\nStycke om samverkan kring ord{} och vård nummer {i}.\n",
                    (i * 7 + s) % 50
                ));
            }
            Chapter {
                depth: 0,
                title: format!("Sida {i}"),
                path: format!("sida-{i:04}.md"),
                text,
            }
        })
        .collect();
    write_chapters(tmp.path(), "", "", &chapters);
    let mut e = Editing::of(tmp, PathBuf::new());
    e.book = e.tmp.path().join("book");
    e.build();
    let index = e.site.join("search-index");
    let (static_before, tantivy_before) = (inodes(&index), inodes(&index.join("tantivy")));

    // A word only this page has, in a section of its own: the number of sections stays.
    e.edit("sida-0500.md", |t| {
        t.replacen("vård nummer 500", "vård nummer 500 zebrafink", 1)
    });
    assert_eq!(e.build(), 999, "one page's text changed");
    assert!(!e.index_reused);

    let (kept, new) = kept_and_new(&static_before, &inodes(&index));
    assert!(
        kept >= 7,
        "the unchanged fragment archives are linked: {kept} kept, {new} new"
    );
    let (kept, new) = kept_and_new(&tantivy_before, &inodes(&index.join("tantivy")));
    assert!(
        kept >= 10 && new >= 5,
        "tantivy's unchanged runs are kept and the changed one is indexed again: \
         {kept} files kept, {new} new"
    );

    // tantivy's answers (scores included) are a clean build's, and find the new word.
    let clean = e.tmp.path().join("clean");
    e.run(&clean, &["--no-cache"]);
    for query in [
        "zebrafink",
        "barn",
        "samverkan ord7",
        "vård -skola",
        "\"nummer 500\"",
    ] {
        assert_eq!(
            search_json(&e.site, query),
            search_json(&clean, query),
            "{query}"
        );
    }
    assert!(search_json(&e.site, "zebrafink").contains("sida-0500.html"));
    // Equal scores come in section order, as in the browser, whatever the order of
    // tantivy's segments: every page's introduction scores the same for "barn".
    let hits: serde_json::Value = serde_json::from_str(&search_json(&e.site, "barn")).unwrap();
    let urls: Vec<&str> = hits
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["url"].as_str().unwrap())
        .collect();
    let first: Vec<String> = (0..30)
        .map(|i| format!("sida-{i:04}.html#sida-{i}"))
        .collect();
    assert_eq!(urls, first);
}

/// The findings a build printed: each `error[…]`/`warning[…]` line and where it points.
fn findings(said: &str) -> Vec<&str> {
    said.lines()
        .filter(|l| l.starts_with("error[") || l.starts_with("warning[") || l.contains(" --> "))
        .collect()
}

#[test]
fn a_page_found_clean_is_checked_again_when_what_its_links_point_at_changes() {
    let tmp = tempfile::tempdir().unwrap();
    write_book(
        tmp.path(),
        &[
            (
                "SUMMARY.md",
                "# S\n\n- [A](a.md)\n- [B](b.md)\n- [C](c.md)\n",
            ),
            ("a.md", "# A\n\nSe [delen](b.md#del).\n"),
            ("b.md", "# B\n\n## Del\n\nText.\n"),
            ("c.md", "# C\n\n![](bild.png)\n"),
            ("bild.png", "png"),
        ],
    );
    let book = tmp.path().join("book");
    let site = tmp.path().join("site");
    let build = |extra: &[&str]| {
        let mut args = vec![
            "build",
            book.to_str().unwrap(),
            "-o",
            site.to_str().unwrap(),
        ];
        args.extend(extra);
        samsyn_on(TODAY, &repo(), &args)
    };
    let first = build(&[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let memo = tmp.path().join(".samsyn-cache/site/checks.bin");
    assert!(
        memo.is_file(),
        "the clean pages are kept for the next check"
    );
    let warned = stderr(&first);
    assert!(
        findings(&warned).iter().any(|l| l.contains("src/c.md:3:")),
        "the image without alt text is found: {warned}"
    );
    // Unchanged: the page with a finding is checked again and reports it again.
    let again = build(&[]);
    assert!(again.status.success());
    assert_eq!(findings(&stderr(&again)), findings(&warned));

    // a.md is unchanged, but the heading its link points at is gone.
    let b = book.join("src/b.md");
    std::fs::write(&b, "# B\n\n## Annan\n\nText.\n").unwrap();
    let broken = build(&[]);
    assert_eq!(broken.status.code(), Some(1), "{}", stderr(&broken));
    let said = stderr(&broken);
    assert!(said.contains("error[broken-anchor]"), "{said}");
    assert!(said.contains("src/a.md:3:12"), "{said}");
    let uncached = build(&["--no-cache"]);
    assert_eq!(findings(&said), findings(&stderr(&uncached)));

    // A damaged memo is not believed.
    std::fs::write(&memo, b"SSCHECK1 nonsense").unwrap();
    assert_eq!(findings(&stderr(&build(&[]))), findings(&said));

    std::fs::write(&b, "# B\n\n## Del\n\nText.\n").unwrap();
    let mended = build(&[]);
    assert!(mended.status.success(), "{}", stderr(&mended));
    assert_eq!(findings(&stderr(&mended)), findings(&warned));
}

/// The build cache's sections file: its name and size.
fn sections_file(cache: &Path) -> (String, u64) {
    let files: Vec<(String, u64)> = std::fs::read_dir(cache)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().starts_with("sections-"))
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, e.metadata().unwrap().len())
        })
        .collect();
    assert_eq!(files.len(), 1, "one sections file: {files:?}");
    files.into_iter().next().unwrap()
}

#[test]
fn the_sections_of_pages_taken_over_stay_in_the_previous_file_until_most_of_it_is_stale() {
    let mut e = Editing::bundled();
    let pages = chapters(&e.book);
    let cache = e.tmp.path().join(".samsyn-cache/site");
    e.build();
    let (name, size) = sections_file(&cache);
    // One page's text: its sections are added to the file, the others stay where they are.
    e.edit("fakta/index.md", |t| t + "\nEtt nytt stycke.\n");
    assert_eq!(e.build(), pages - 1);
    let (same, grown) = sections_file(&cache);
    assert_eq!(same, name, "the previous file is appended to");
    assert!(grown > size && grown < size + size / 4, "{size} → {grown}");
    // Another day renders every page: their sections are added too, until the file
    // holds more than as much again as its table names; then it starts over.
    let mut files = vec![(same, grown)];
    for today in ["2026-11-24", "2026-11-25", "2026-11-26"] {
        e.today = today;
        assert_eq!(e.build(), 0, "every page shows the build date");
        files.push(sections_file(&cache));
    }
    let appended = files
        .windows(2)
        .any(|w| w[1].0 == w[0].0 && w[1].1 > w[0].1 + size / 2);
    let restarted = files
        .windows(2)
        .any(|w| w[1].0 != w[0].0 && w[1].1 < w[0].1 / 2);
    assert!(appended && restarted, "{files:?}");
    assert!(files.iter().all(|f| f.1 <= 3 * size), "{files:?}");
    // And the pages are taken from the new file.
    assert_eq!(e.build(), pages);
}
