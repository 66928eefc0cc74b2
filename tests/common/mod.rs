//! Helpers shared by the integration tests: running the binary, copying books,
//! reading built sites.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The fixed date tests build with, so revision warnings are reproducible.
pub const TODAY: &str = "2026-11-23";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures").join(name)
}

/// Runs samsyn with `args` in `cwd`.
pub fn samsyn(cwd: &Path, args: &[&str]) -> Output {
    samsyn_on(TODAY, cwd, args)
}

/// Runs samsyn with `args` in `cwd` on the day `today` (`SAMSYN_TODAY`).
pub fn samsyn_on(today: &str, cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_samsyn"))
        .args(args)
        .current_dir(cwd)
        .env("SAMSYN_TODAY", today)
        .env("NO_COLOR", "1")
        .output()
        .expect("samsyn runs")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Copies a folder recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A copy of the fixture book `name` at `tmp/book` (in a fresh temporary folder) with
/// `text` appended to its page `page` (under `src/`). Returns the folder and the book.
pub fn fixture_with(name: &str, page: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("book");
    copy_dir(&fixture(name), &book);
    let path = book.join("src").join(page);
    let mut content = std::fs::read_to_string(&path).unwrap();
    content.push_str(text);
    std::fs::write(&path, content).unwrap();
    (tmp, book)
}

/// Every file of a folder with its bytes, by relative path.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path()
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Builds `book` into a fresh temporary folder and returns (tempdir, site path).
pub fn build(book: &Path) -> (tempfile::TempDir, PathBuf) {
    build_on(TODAY, book)
}

/// Builds `book` into `site` with the build options `extra` (e.g. `--precompress`).
pub fn build_into(book: &Path, site: &Path, extra: &[&str]) {
    let (book, site) = (book.to_str().unwrap(), site.to_str().unwrap());
    let args: Vec<&str> = ["build", book, "-o", site, "--quiet"]
        .into_iter()
        .chain(extra.iter().copied())
        .collect();
    let out = samsyn(&repo(), &args);
    assert!(out.status.success(), "build failed: {}", stderr(&out));
}

/// A Content-Security-Policy as a page's `<meta http-equiv>` carries it: without
/// `frame-ancestors`, which a `<meta>` cannot deliver.
pub fn meta_policy_of(header_policy: &str) -> String {
    header_policy
        .split("; ")
        .filter(|d| !d.starts_with("frame-ancestors"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// What every run of `tests/browser/csp.mjs` must have done, whoever served the site:
/// every page visited with its `<meta>` policy and no violation, each query answered with
/// hits, a hit opened in the site's folder `folder`, the theme toggled and kept, the menu
/// opened, the 404 answer.
pub fn assert_csp_run(r: &serde_json::Value, pages: usize, queries: usize, folder: &str) {
    assert_eq!(r["pages"], pages, "{r}");
    assert_eq!(r["violations"], serde_json::json!([]), "{r}");
    assert_eq!(r["metaMissing"], serde_json::json!([]), "{r}");
    let answered = r["queries"].as_array().unwrap();
    assert_eq!(answered.len(), queries, "{r}");
    assert!(
        answered.iter().all(|q| q["hits"].as_u64().unwrap() > 0),
        "search under the policy: {r}"
    );
    assert!(r["opened"].as_str().unwrap().contains(folder), "{r}");
    assert_eq!(r["theme"]["toggled"], r["theme"]["kept"], "{r}");
    assert_ne!(r["theme"]["start"], r["theme"]["toggled"], "{r}");
    assert_eq!(r["menu"]["open"], true, "{r}");
    assert_eq!(r["notFound"]["status"], 404, "{r}");
}

/// Builds `book` on the day `today` into a fresh temporary folder.
pub fn build_on(today: &str, book: &Path) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let out = samsyn_on(
        today,
        &repo(),
        &[
            "build",
            book.to_str().unwrap(),
            "-o",
            site.to_str().unwrap(),
            "--quiet",
        ],
    );
    assert!(out.status.success(), "build failed: {}", stderr(&out));
    (tmp, site)
}

/// HTML files of a site, relative paths.
pub fn html_files(site: &Path) -> Vec<String> {
    snapshot(site)
        .into_keys()
        .filter(|p| p.ends_with(".html"))
        .collect()
}

pub fn parse(site: &Path, rel: &str) -> scraper::Html {
    let text = std::fs::read_to_string(site.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    scraper::Html::parse_document(&text)
}

pub fn sel(s: &str) -> scraper::Selector {
    scraper::Selector::parse(s).unwrap()
}

/// Percent-decodes a URL fragment or path.
pub fn decode(s: &str) -> String {
    samsyn::markdown::percent_decode(s).to_string()
}

/// Follows every `href` and `src` in every HTML page of `site` that is not external:
/// the target file must exist inside the site and a `#fragment` must be an id in it.
/// Returns the number of links followed; panics listing every broken one.
pub fn follow_all_links(site: &Path) -> usize {
    let mut broken = Vec::new();
    let mut followed = 0;
    let mut ids_cache: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let any = sel("[href], [src]");
    for page in html_files(site) {
        let doc = parse(site, &page);
        for el in doc.select(&any) {
            let v = el.value();
            let Some(url) = v.attr("href").or(v.attr("src")) else {
                continue;
            };
            if url.starts_with('/') {
                broken.push(format!("{page}: absolute URL {url}"));
                continue;
            }
            if url.contains("://") || url.starts_with("mailto:") || url.starts_with("tel:") {
                continue;
            }
            followed += 1;
            let (path, fragment) = match url.split_once('#') {
                Some((p, f)) => (p, Some(f)),
                None => (url, None),
            };
            let path = path.split('?').next().unwrap();
            let target = if path.is_empty() {
                page.clone()
            } else {
                let base = Path::new(&page).parent().unwrap().join(decode(path));
                normalize(&base)
            };
            if !site.join(&target).is_file() {
                broken.push(format!("{page}: {url} -> {target} does not exist"));
                continue;
            }
            if let Some(f) = fragment.filter(|f| !f.is_empty()) {
                let ids = ids_cache.entry(target.clone()).or_insert_with(|| {
                    parse(site, &target)
                        .select(&sel("[id]"))
                        .map(|e| e.value().attr("id").unwrap().to_string())
                        .collect()
                });
                if !ids.contains(&decode(f)) {
                    broken.push(format!("{page}: {url} -> no id {f} in {target}"));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    followed
}

fn normalize(p: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                assert!(
                    parts.pop().is_some(),
                    "link leaves the site: {}",
                    p.display()
                );
            }
            std::path::Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    parts.join("/")
}

/// Runs the browser script `tests/browser/NAME` with Node on the site folder `www` and the
/// spec (written to `dir/spec.json`), and returns the one JSON line it prints as its
/// report. A failing script fails the test with what it printed. Needs Node, Chromium and
/// playwright-core (`scripts/setup` installs them): without them it fails, it does not skip.
pub fn run_browser_script(
    name: &str,
    www: &Path,
    spec: &serde_json::Value,
    dir: &Path,
) -> serde_json::Value {
    let spec_file = dir.join("spec.json");
    std::fs::write(&spec_file, serde_json::to_string_pretty(spec).unwrap()).unwrap();
    let out = Command::new("node")
        .arg(repo().join("tests/browser").join(name))
        .arg(www)
        .arg(&spec_file)
        .current_dir(repo().join("tests/browser"))
        .output()
        .expect("node runs (scripts/setup installs Node, Chromium and playwright-core)");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "browser test {name} failed:\n{}\n{report}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(report.trim()).expect("one JSON line")
}

/// The errors among diagnostics in their JSON form (`samsyn check --format json`, the
/// preview's status).
pub fn errors(diags: &[serde_json::Value]) -> Vec<&serde_json::Value> {
    diags.iter().filter(|d| d["severity"] == "error").collect()
}

/// Writes a book from (path, content) pairs into `dir/book`.
pub fn write_book(dir: &Path, files: &[(&str, &str)]) {
    write_book_with_toml(dir, "", files);
}

/// Writes a book as [`write_book`] does, with `extra_toml` after book.toml's `[book]` table.
pub fn write_book_with_toml(dir: &Path, extra_toml: &str, files: &[(&str, &str)]) {
    let book = dir.join("book");
    std::fs::create_dir_all(book.join("src")).unwrap();
    std::fs::write(
        book.join("book.toml"),
        format!("[book]\ntitle = \"T\"\nlanguage = \"sv\"\n{extra_toml}"),
    )
    .unwrap();
    for (path, content) in files {
        let p = book.join("src").join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
}

/// A chapter of a book written by [`write_chapters`]: its depth and title in SUMMARY.md,
/// its file (below `src/`) and the file's text.
pub struct Chapter {
    pub depth: usize,
    pub title: String,
    pub path: String,
    pub text: String,
}

/// Writes a book into `dir/book` (as [`write_book_with_toml`]) whose SUMMARY.md is
/// `summary_head` (e.g. a part title) followed by an entry for each of `chapters` in order.
pub fn write_chapters(dir: &Path, extra_toml: &str, summary_head: &str, chapters: &[Chapter]) {
    let mut summary = format!("# S\n\n{summary_head}");
    for c in chapters {
        summary.push_str(&format!(
            "{}- [{}]({})\n",
            "  ".repeat(c.depth),
            c.title,
            c.path
        ));
    }
    let mut files: Vec<(&str, &str)> = vec![("SUMMARY.md", &summary)];
    files.extend(chapters.iter().map(|c| (c.path.as_str(), c.text.as_str())));
    write_book_with_toml(dir, extra_toml, &files);
}

/// `samsyn check book --format json` in `dir`: exit code and diagnostics.
pub fn check_json(dir: &Path) -> (Option<i32>, Vec<serde_json::Value>) {
    let out = samsyn(dir, &["check", "book", "--format", "json"]);
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    (out.status.code(), v.as_array().unwrap().clone())
}

// A book with git history (tests/history.rs, tests/serve.rs).

pub const GIT_SUMMARY: &str = "# Summary\n\n- [Riktlinjer](riktlinjer.md)\n- [Om](om.md)\n";

pub const V1: &str = "+++\nversion = \"1.0\"\n+++\n# Riktlinjer\n\nBarn ska få stöd i tid.\n";
pub const V2: &str = "+++\nversion = \"1.1\"\n+++\n# Riktlinjer\n\nBarn och unga ska få stöd i tid.\n\nAnsvaret ligger hos kommunen.\n";
pub const V3: &str = "+++\nversion = \"2.0\"\n+++\n# Riktlinjer\n\nBarn och unga ska få stöd i rätt tid.\n\nAnsvaret ligger hos regionen.\n\n## Uppföljning\n\nUppföljning sker varje år.\n";

/// The three commits of `riktlinjer.md`: (date as committed, message, text). The site
/// shows only a message's `Ändring:` line; the second commit has none (its subject is a
/// developer's and must not be published).
pub const COMMITS: [(&str, &str, &str); 3] = [
    (
        "2026-01-10T10:00:00+01:00",
        "book: first version\n\nÄndring: Första versionen",
        V1,
    ),
    ("2026-02-15T09:30:00+01:00", DEVELOPER_SUBJECT, V2),
    // 23:30 UTC on the 20th: the date shown is the committer's own (the 21st).
    (
        "2026-03-21T00:30:00+01:00",
        "docs: follow-up section\n\nÄndring: Lägg till uppföljning",
        V3,
    ),
];

/// A commit subject written for developers, which the site never shows.
pub const DEVELOPER_SUBJECT: &str = "Merge branch 'wording' into main";

/// Runs git in `dir` with a fixed identity and dates, and no user or system config.
pub fn git(dir: &Path, args: &[&str], date: &str) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Redaktör")
        .env("GIT_AUTHOR_EMAIL", "redaktor@example.org")
        .env("GIT_COMMITTER_NAME", "Redaktör")
        .env("GIT_COMMITTER_EMAIL", "redaktor@example.org")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    stdout(&out).trim().to_string()
}

/// A book in a fresh git repository (`tmp/book`, the repository's root) whose page
/// `riktlinjer.md` went through [`COMMITS`]; `om.md` came with the first. Returns the
/// folder, the book and the commit ids, oldest first.
pub fn book_in_git(extra_toml: &str) -> (tempfile::TempDir, std::path::PathBuf, Vec<String>) {
    let tmp = tempfile::tempdir().unwrap();
    write_book_with_toml(
        tmp.path(),
        extra_toml,
        &[
            ("SUMMARY.md", GIT_SUMMARY),
            ("om.md", "# Om\n\nOm webbplatsen.\n"),
        ],
    );
    let book = tmp.path().join("book");
    git(&book, &["init", "-q", "-b", "main"], COMMITS[0].0);
    let mut ids = Vec::new();
    for (date, subject, text) in COMMITS {
        std::fs::write(book.join("src/riktlinjer.md"), text).unwrap();
        git(&book, &["add", "-A"], date);
        git(&book, &["commit", "-q", "-m", subject], date);
        ids.push(git(&book, &["rev-parse", "HEAD"], date));
    }
    (tmp, book, ids)
}

/// The axe-core rule tags every page must pass (tests/a11y.rs, tests/history.rs,
/// tests/cite.rs).
pub const AXE_TAGS: [&str; 6] = [
    "wcag2a",
    "wcag2aa",
    "wcag21a",
    "wcag21aa",
    "wcag22aa",
    "best-practice",
];

/// The site path that a relative `href` on site page `from` leads to (its fragment
/// dropped).
pub fn site_path(from: &str, href: &str) -> String {
    let path = href.split('#').next().unwrap_or_default();
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for seg in path.split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// A page the preview served without its reload script line (and the search script's
/// hash), to compare with `build`.
pub fn without_live_reload(html: &str) -> String {
    html.lines()
        .map(|l| {
            if l.contains("js/live-reload.") {
                String::new()
            } else {
                // The preview's search script names the preview's wasm reader (it also
                // searches the overlay of changed pages), so its content hash differs.
                hash_of("search/search.", ".js", l)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `line` with the content hash in `<stem><hash><ext>` replaced by `#`.
fn hash_of(stem: &str, ext: &str, line: &str) -> String {
    let Some(at) = line.find(stem) else {
        return line.to_string();
    };
    let rest = &line[at + stem.len()..];
    match rest.find(ext) {
        Some(end) if end == 8 && rest[..8].bytes().all(|b| b.is_ascii_hexdigit()) => {
            format!("{}{stem}#{}", &line[..at], &rest[8..])
        }
        _ => line.to_string(),
    }
}

/// The site path of the theme file or navigation script `name` (`css/samsyn.css`) in the
/// folder `site`: its name with its content hash (`css/samsyn.1f2e3d4c.css`); exactly one.
pub fn asset_path(site: &Path, name: &str) -> String {
    let (dir, file) = name.rsplit_once('/').unwrap_or(("", name));
    let (stem, rest) = file.split_once('.').expect("a name with an extension");
    let hashed = |f: &str| {
        f.strip_prefix(&format!("{stem}."))
            .and_then(|r| r.strip_suffix(&format!(".{rest}")))
            .is_some_and(|h| h.len() == 8 && h.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    let found: Vec<String> = std::fs::read_dir(site.join(dir))
        .unwrap_or_else(|e| panic!("{}: {e}", site.join(dir).display()))
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|f| hashed(f))
        .collect();
    assert_eq!(found.len(), 1, "{name}: {found:?}");
    if dir.is_empty() {
        found[0].clone()
    } else {
        format!("{dir}/{}", found[0])
    }
}

/// The first address in `html` (an `src` or `href` value) that starts with `prefix`
/// (`css/samsyn.`: the page's link to the theme's style sheet, whatever its hash).
pub fn linked_path(html: &str, prefix: &str) -> String {
    let at = html
        .find(&format!("=\"{prefix}"))
        .unwrap_or_else(|| panic!("nothing linked at {prefix}… in the page"));
    let path = &html[at + 2..];
    path[..path.find('"').expect("a closed attribute")].to_string()
}
