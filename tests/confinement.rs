//! Hostile books: SUMMARY.md entries and symlinks that lead out of the source folder,
//! output folders inside it, leftovers of killed builds, bytes that are not text.
//! Every "victim" file lives in the test's own temporary folder.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A temporary folder `tmp` with the book at `tmp/w/book` (SUMMARY.md `summary`,
/// chapters `a.md` and `b.md`) and victims at `tmp/w/victim/` and `tmp/victim/`.
/// The output goes to `tmp/w/out/site`, so the staging folder is as deep as the
/// source folder: a `../../../x` there and in `src/` is the same file.
struct Book {
    tmp: tempfile::TempDir,
}

impl Book {
    fn new(summary: &str) -> Book {
        let tmp = tempfile::tempdir().unwrap();
        let book = tmp.path().join("w/book");
        std::fs::create_dir_all(book.join("src")).unwrap();
        std::fs::write(book.join("book.toml"), "[book]\ntitle = \"Test\"\n").unwrap();
        std::fs::write(book.join("src/a.md"), "# A\n\nSidan a.\n").unwrap();
        std::fs::write(book.join("src/b.md"), "# B\n\nSidan b.\n").unwrap();
        for victim in [tmp.path().join("w/victim"), tmp.path().join("victim")] {
            std::fs::create_dir_all(&victim).unwrap();
            std::fs::write(victim.join("page.md"), "# Offer\n\nfladdermusvinge\n").unwrap();
            std::fs::write(victim.join("secret"), "hemlig fladdermusvinge\n").unwrap();
        }
        let b = Book { tmp };
        b.summary(summary);
        b
    }

    fn root(&self) -> &Path {
        self.tmp.path()
    }

    fn work(&self) -> PathBuf {
        self.root().join("w")
    }

    fn src(&self) -> PathBuf {
        self.work().join("book/src")
    }

    fn site(&self) -> PathBuf {
        self.work().join("out/site")
    }

    fn summary(&self, entries: &str) {
        std::fs::write(self.src().join("SUMMARY.md"), format!("# S\n\n{entries}")).unwrap();
    }

    /// `samsyn ARGS` in `tmp/w`.
    fn run(&self, args: &[&str]) -> std::process::Output {
        samsyn(&self.work(), args)
    }

    fn build(&self) -> std::process::Output {
        self.run(&["build", "book", "-o", "out/site", "--quiet"])
    }

    /// `samsyn check --format json`: the diagnostics.
    fn check(&self) -> Vec<serde_json::Value> {
        let out = self.run(&["check", "book", "--format", "json"]);
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)))
    }

    /// Every file under `tmp` except the built site.
    fn files_outside_site(&self) -> BTreeMap<String, Vec<u8>> {
        let mut all = snapshot(self.root());
        all.retain(|path, _| !Path::new(path).starts_with("w/out/site"));
        all
    }
}

fn assert_no_panic(out: &std::process::Output) {
    assert!(
        !stderr(out).contains("panicked"),
        "samsyn panicked: {}",
        stderr(out)
    );
}

#[test]
fn summary_entries_that_leave_src_are_located_errors_and_nothing_escapes() {
    for (entry, what) in [
        ("../../victim/page.md", "a chapter beside the book"),
        (
            "../../../victim/secret",
            "a file without .md, also the output's path",
        ),
        ("../book.toml", "a file of the book folder"),
    ] {
        let book = Book::new(&format!("- [A](a.md)\n- [X]({entry})\n- [B](b.md)\n"));
        let before = book.files_outside_site();
        let out = book.build();
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(1), "{what}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("book/src/SUMMARY.md:4:7"),
            "{what}: located at the entry: {}",
            stderr(&out)
        );
        assert!(
            stderr(&out).contains("chapter-outside-src"),
            "{}",
            stderr(&out)
        );
        assert_eq!(
            book.files_outside_site(),
            before,
            "{what}: nothing read was changed and nothing written outside the output"
        );
        assert!(!book.site().exists(), "{what}: no site written");
    }

    // All of them at once: every one reported.
    let book = Book::new(
        "- [A](a.md)\n- [X](../../victim/page.md)\n- [Y](../../../victim/secret)\n- [Z](../book.toml)\n",
    );
    let diags = book.check();
    let lines: Vec<_> = errors(&diags).iter().map(|d| d["line"].clone()).collect();
    assert_eq!(lines, [4, 5, 6], "{diags:?}");
    assert!(
        errors(&diags)
            .iter()
            .all(|d| d["suggestion"].as_str().unwrap().contains("book/src/")),
        "each says what to do: {diags:?}"
    );
}

#[test]
fn an_absolute_path_in_summary_is_a_located_error_not_a_panic() {
    let book = Book::new("- [A](a.md)\n");
    let victim = book.root().join("victim/page.md");
    book.summary(&format!("- [A](a.md)\n- [X]({})\n", victim.display()));
    let before = book.files_outside_site();
    let out = book.build();
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("book/src/SUMMARY.md:4:7") && stderr(&out).contains("är absolut"),
        "{}",
        stderr(&out)
    );
    assert_eq!(book.files_outside_site(), before);
}

#[cfg(unix)]
#[test]
fn symlinks_that_lead_out_of_src_are_not_published() {
    use std::os::unix::fs::symlink;
    let book = Book::new("- [A](a.md)\n- [X](x.md)\n- [U](ut/page.md)\n- [I](inne.md)\n");
    let src = book.src();
    symlink(book.root().join("victim/page.md"), src.join("x.md")).unwrap();
    symlink(book.root().join("victim"), src.join("ut")).unwrap();
    symlink(book.root().join("victim/secret"), src.join("bild.png")).unwrap();
    // A link that stays inside the source folder is fine.
    symlink(src.join("b.md"), src.join("inne.md")).unwrap();

    let out = book.build();
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let diags = book.check();
    let outside: Vec<_> = errors(&diags)
        .into_iter()
        .filter(|d| d["code"] == "chapter-outside-src")
        .map(|d| (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap()))
        .collect();
    assert_eq!(outside, [(4, 7), (5, 7)], "{diags:?}");
    assert_eq!(errors(&diags).len(), 2, "{diags:?}");

    // Without the entries the book builds; the links stay unpublished, with warnings.
    book.summary("- [A](a.md)\n- [I](inne.md)\n- [B](b.md)\n");
    let out = book.build();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for link in ["x.md", "ut", "bild.png"] {
        assert!(
            stderr(&out).contains(&format!("book/src/{link}"))
                && stderr(&out).contains("link-outside-src"),
            "warned about {link}: {}",
            stderr(&out)
        );
    }
    let site = book.site();
    for (path, bytes) in snapshot(&site) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("fladdermusvinge"),
            "{path} has the victim's text"
        );
    }
    assert!(!site.join("bild.png").exists() && !site.join("ut").exists());
    assert!(
        parse(&site, "inne.html")
            .root_element()
            .html()
            .contains("Sidan b."),
        "a link inside src is published"
    );
    let found = book.run(&["search", "out/site", "fladdermusvinge", "--json"]);
    assert_eq!(found.status.code(), Some(0), "{}", stderr(&found));
    let hits: serde_json::Value = serde_json::from_str(&stdout(&found)).unwrap();
    assert_eq!(hits, serde_json::json!([]), "not in the search index");
}

#[test]
fn an_output_folder_inside_src_is_refused() {
    let book = Book::new("- [A](a.md)\n");
    for dest in ["book/src", "book/src/site", "book/src/a/b"] {
        let before = snapshot(book.root());
        let out = book.run(&["build", "book", "-o", dest, "--quiet"]);
        assert_eq!(out.status.code(), Some(2), "{dest}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("källmapp"),
            "{dest}: says why: {}",
            stderr(&out)
        );
        assert_eq!(snapshot(book.root()), before, "{dest}: nothing written");
    }
}

#[cfg(unix)]
#[test]
fn leftovers_of_killed_builds_are_removed_and_nothing_else() {
    let book = Book::new("- [A](a.md)\n");
    let out_dir = book.work().join("out");
    let make = |name: &str, marker: bool, file: bool| {
        let dir = out_dir.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        if marker {
            std::fs::write(dir.join(".samsyn-site"), "samsyn\n").unwrap();
        }
        if file {
            std::fs::write(dir.join("index.html"), "gammal").unwrap();
        }
        dir
    };
    let killed = make(".site.samsyn-tmp-AbC123", true, true);
    let old = make(".samsyn-old-XyZ789", true, true);
    let empty = make(".site.samsyn-tmp-Empty1", false, false);
    let foreign = make(".site.samsyn-tmp-Främm1", false, true);
    let running = make(".site.samsyn-tmp-Live12", true, true);
    let unrelated = make(".cache", true, true);
    // A build still running holds its marker locked.
    let lock = std::fs::OpenOptions::new()
        .append(true)
        .open(running.join(".samsyn-site"))
        .unwrap();
    lock.try_lock().unwrap();

    let out = book.build();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for (dir, kept) in [
        (&killed, false),
        (&old, false),
        (&empty, false),
        (&foreign, true),
        (&running, true),
        (&unrelated, true),
    ] {
        assert_eq!(dir.exists(), kept, "{}", dir.display());
    }
    assert!(book.site().join("a.html").is_file());
    let names: Vec<_> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    // Beside the site, only its build cache.
    assert!(names.iter().any(|n| n == ".samsyn-cache"), "{names:?}");
    assert_eq!(
        names.len(),
        5,
        "the build left nothing of its own but its cache: {names:?}"
    );
    drop(lock);
}

#[test]
fn text_that_is_not_utf8_is_located_and_other_problems_still_reported() {
    let book = Book::new("- [A](a.md)\n- [B](b.md)\n");
    std::fs::write(
        book.src().join("a.md"),
        b"# A\n\nR\xc3\xa4tt text.\nS\xc3\xa5 h\xe4r: [l\xc3\xa4nk](b.md)\n".as_slice(),
    )
    .unwrap();
    std::fs::write(book.src().join("b.md"), "# B\n\n[trasig](saknas.md)\n").unwrap();
    let out = book.build();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("book/src/a.md:4:5"),
        "at the bad byte: {}",
        stderr(&out)
    );
    let diags = book.check();
    let found: Vec<_> = errors(&diags)
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "book/src/a.md".to_string(),
                4,
                5,
                "invalid-utf8".to_string()
            ),
            (
                "book/src/b.md".to_string(),
                3,
                10,
                "broken-link".to_string()
            ),
        ],
        "{diags:?}"
    );

    // With an entry SUMMARY.md cannot load, the chapter's problem is still reported.
    book.summary("- [A](a.md)\n- [B](b.md)\n- [C](saknas.md)\n");
    let diags = book.check();
    let codes: Vec<_> = errors(&diags).iter().map(|d| d["code"].clone()).collect();
    assert_eq!(codes, ["missing-chapter", "invalid-utf8"], "{diags:?}");
}

#[test]
fn nul_bytes_become_replacement_characters() {
    let book = Book::new("- [A](a.md)\n- [B](b.md)\n");
    std::fs::write(
        book.src().join("a.md"),
        "# Rubrik\0ord\n\nOrdet fladder\0mus och `kod\0x`.\n",
    )
    .unwrap();
    let out = book.build();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let html = std::fs::read_to_string(book.site().join("a.html")).unwrap();
    assert!(!html.contains('\0'), "no NUL in the HTML");
    assert!(html.contains("fladder\u{FFFD}mus") && html.contains("kod\u{FFFD}x"));
    let found = book.run(&["search", "out/site", "fladder", "--json"]);
    let text = stdout(&found);
    assert!(!text.contains('\0') && !text.contains("\\u0000"), "{text}");
    let hits: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(
        hits[0]["snippet"].as_str().unwrap().contains('\u{FFFD}'),
        "{hits}"
    );

    // Positions after a NUL are those of the file.
    std::fs::write(book.src().join("b.md"), "# B\n\nx\0y [trasig](saknas.md)\n").unwrap();
    let diags = book.check();
    let broken = errors(&diags);
    assert_eq!(broken.len(), 1, "{diags:?}");
    assert_eq!(
        (broken[0]["line"].clone(), broken[0]["column"].clone()),
        (3.into(), 14.into())
    );
}

#[test]
fn a_repeated_chapter_is_reported_at_its_line() {
    let book = Book::new("- [A](a.md)\n- [B](b.md)\n    - [A igen](a.md)\n- [B igen](./b.md)\n");
    let out = book.build();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let diags = book.check();
    let found: Vec<_> = errors(&diags)
        .iter()
        .map(|d| {
            (
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["code"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(found.len(), 2, "{diags:?}");
    assert_eq!((found[0].0, found[0].1), (5, 16));
    assert_eq!((found[1].0, found[1].1), (6, 12));
    assert!(found.iter().all(|f| f.2 == "duplicate-chapter"));
    assert!(
        found[0].3.contains("rad 3"),
        "names the first: {}",
        found[0].3
    );
    assert!(
        found[1].3.contains("rad 4"),
        "names the first: {}",
        found[1].3
    );
}

#[test]
fn a_summary_entry_naming_a_folder_is_a_located_error() {
    let book = Book::new("- [A](a.md)\n- [Mapp](del)\n- [B](b.md)\n");
    std::fs::create_dir_all(book.src().join("del")).unwrap();
    let out = book.build();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let diags = book.check();
    let found: Vec<_> = errors(&diags)
        .iter()
        .map(|d| (d["line"].clone(), d["column"].clone(), d["code"].clone()))
        .collect();
    assert_eq!(found, [(4.into(), 10.into(), "chapter-not-a-file".into())]);
}

#[test]
fn a_source_folder_outside_the_book_is_refused() {
    let book = Book::new("- [A](a.md)\n");
    let elsewhere = book.root().join("annan");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("SUMMARY.md"), "# S\n\n- [A](page.md)\n").unwrap();
    std::fs::write(elsewhere.join("page.md"), "# fladdermusvinge\n").unwrap();
    let toml = book.work().join("book/book.toml");
    let mut configs = vec![
        "[book]\nsrc = \"../../annan\"\n".to_string(),
        format!("[book]\nsrc = \"{}\"\n", elsewhere.display()),
    ];
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&elsewhere, book.work().join("book/länk")).unwrap();
        configs.push("[book]\nsrc = \"länk\"\n".into());
    }
    for config in configs {
        std::fs::write(&toml, &config).unwrap();
        let out = book.build();
        assert_eq!(out.status.code(), Some(2), "{config}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("utanför bokmappen"),
            "{config}: {}",
            stderr(&out)
        );
        assert!(!book.site().exists());
    }
}

/// A chapter whose file is not called `.md` still renders to `NAME.html` (as in mdBook),
/// so it can neither replace a theme file nor land in the search index's folder.
#[test]
fn a_chapter_cannot_take_the_name_of_a_theme_file_or_the_search_index() {
    let book = Book::new("- [A](a.md)\n- [Stil](css/samsyn.css)\n");
    std::fs::create_dir_all(book.src().join("css")).unwrap();
    std::fs::write(book.src().join("css/samsyn.css"), "# Stil\n\nInte CSS.\n").unwrap();
    // Also a file of the book's own in a theme folder.
    std::fs::write(book.src().join("css/logo.png"), b"PNG").unwrap();
    let out = book.build();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let index = std::fs::read_to_string(book.site().join("index.html")).unwrap();
    let css = book.site().join(linked_path(&index, "css/samsyn."));
    let css = std::fs::read_to_string(css).unwrap();
    let page = std::fs::read_to_string(book.site().join("css/samsyn.html")).unwrap();
    assert!(!css.contains("Inte CSS") && !css.contains("<html"), "{css}");
    assert!(page.contains("Inte CSS"));
    // Both are published, with a warning each: servers may keep the theme's folders a year.
    assert!(book.site().join("css/logo.png").is_file());
    let diags = book.check();
    let in_theme: Vec<_> = diags
        .iter()
        .filter(|d| d["code"] == "site-folder")
        .map(|d| (d["file"].as_str().unwrap(), d["line"].as_u64()))
        .collect();
    assert_eq!(
        in_theme,
        [
            ("book/src/SUMMARY.md", Some(4)),
            ("book/src/css/logo.png", Some(0))
        ],
        "{diags:#?}"
    );

    let book = Book::new("- [A](a.md)\n- [Index](search-index/x.md)\n");
    std::fs::create_dir_all(book.src().join("search-index")).unwrap();
    std::fs::write(book.src().join("search-index/x.md"), "# X\n").unwrap();
    let diags = book.check();
    let reserved: Vec<_> = diags
        .iter()
        .filter(|d| d["code"] == "reserved-path")
        .collect();
    assert_eq!(reserved.len(), 1, "{diags:#?}");
    assert_eq!(reserved[0]["file"], "book/src/SUMMARY.md");
    assert_eq!(reserved[0]["line"], 4);
}
