//! Loading a book: `book.toml`, `SUMMARY.md` and the chapters (read through
//! [`crate::confine`]), through mdBook's book model, into samsyn's page model.

use crate::confine::{self, PathProblem, SourceRoot};
use crate::diagnostics::{Diagnostic, Severity};
use crate::frontmatter::{self, FrontMatter};
use crate::markdown::{self, Heading};
use crate::summary::{self, SummaryText};
use mdbook_driver::book::{Book, BookItem};
use mdbook_driver::config::Config;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Site paths that samsyn generates itself; no chapter may render to them.
pub const RESERVED_URLS: &[&str] = &[
    "index.html",
    "dokumentregister.html",
    "404.html",
    "toc.html",
    "tillganglighet.html",
    "sitemap.xml",
    crate::feed::NEWS_PAGE,
    crate::feed::FEED,
    crate::render::SEARCH_PAGE,
];

/// The folder of the pages after the first of lists that go on over several pages (the
/// register, the table of contents: `render::list_url`).
pub const LISTS_DIR: &str = "listor";

/// Whether the site path `url` is one samsyn generates itself: a [`RESERVED_URLS`] page,
/// or a path in the search index's, the diff pages' or the long lists' folder. No chapter
/// may render there and no source file is copied there.
pub fn is_reserved(url: &str) -> bool {
    let in_dir = |dir: &str| {
        url.strip_prefix(dir)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    RESERVED_URLS.contains(&url)
        || in_dir(SEARCH_INDEX_DIR)
        || in_dir(crate::render::changes::CHANGES_DIR)
        || in_dir(LISTS_DIR)
        || is_sitemap_part(url)
}

/// The site path of part `n` (from 1) of a sitemap too long for one file: at the site
/// root, since a sitemap may only list URLs at or below its own folder.
pub fn sitemap_part(n: usize) -> String {
    format!("sitemap-{n}.xml")
}

/// Whether `url` is a [`sitemap_part`] name (`sitemap-<number>.xml`).
fn is_sitemap_part(url: &str) -> bool {
    url.strip_prefix("sitemap-")
        .and_then(|rest| rest.strip_suffix(".xml"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The prefix that leads from the site path `url` to the site root (`""`, `"../"`, …).
pub fn root_prefix(url: &str) -> String {
    "../".repeat(url.matches('/').count())
}

/// A problem that stops samsyn before it can look at the content (exit code 2).
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// One chapter of the book.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Path relative to the source folder, `/`-separated (e.g. `om/styrning.md`).
    pub path: String,
    /// Path used in diagnostics, relative to the book folder (e.g. `src/om/styrning.md`).
    pub file: String,
    /// Title from SUMMARY.md.
    pub title: String,
    /// The front-matter block as written (`+++` lines included); empty when none.
    pub front_block: String,
    /// The Markdown to render: the file with its front-matter block blanked out, so
    /// byte offsets (and so lines and columns) are those of the file. The page's only
    /// copy of its text.
    pub markdown: String,
    /// One value shared by every page whose front matter is empty ([`no_front_matter`]):
    /// most pages of a large book have none, and the parsed form is about 450 bytes.
    pub front: std::sync::Arc<FrontMatter>,
    pub headings: Vec<Heading>,
    /// URL relative to the site root.
    pub url: String,
    /// Titles and pages of the ancestors in SUMMARY.md, outermost first (one list for all
    /// the pages under the same entry).
    pub ancestors: Ancestors,
    /// Whether another page of the book has the same title (set by [`from_book`]).
    pub title_shared: bool,
}

/// A page's ancestors in SUMMARY.md: titles and pages, outermost first.
pub type Ancestors = std::sync::Arc<[(String, Option<usize>)]>;

/// The front matter of a page without one (or with an empty block), one for all of them.
fn no_front_matter() -> std::sync::Arc<FrontMatter> {
    static NONE: std::sync::LazyLock<std::sync::Arc<FrontMatter>> =
        std::sync::LazyLock::new(Default::default);
    NONE.clone()
}

impl Page {
    /// A page for the chapter at source path `path` (under the source folder named
    /// `src_name` in diagnostics), without text yet (see [`Page::set_text`]).
    pub fn new(
        path: String,
        src_name: &str,
        title: String,
        ancestors: impl Into<Ancestors>,
    ) -> Page {
        Page {
            file: format!("{src_name}/{path}"),
            title,
            front_block: String::new(),
            markdown: String::new(),
            front: no_front_matter(),
            headings: Vec::new(),
            url: page_url(&path),
            ancestors: ancestors.into(),
            title_shared: false,
            path,
        }
    }

    /// The file as written, front matter included (rebuilt on demand: diagnostics only).
    pub fn source(&self) -> std::borrow::Cow<'_, str> {
        if self.front_block.is_empty() {
            return std::borrow::Cow::Borrowed(&self.markdown);
        }
        let mut text = self.front_block.clone();
        text.push_str(self.markdown.get(self.front_block.len()..).unwrap_or(""));
        std::borrow::Cow::Owned(text)
    }

    /// Replaces the page's text with `text` (as read from its file): front matter,
    /// Markdown and headings. Returns the front-matter diagnostics.
    pub fn set_text(&mut self, mut text: String) -> Vec<Diagnostic> {
        let (front, mut diags) = frontmatter::parse(&self.file, &text);
        let body_offset = frontmatter::split(&text).body_offset;
        self.front_block = text[..body_offset].to_string();
        let blank: String = text[..body_offset]
            .bytes()
            .map(|b| if b == b'\n' { '\n' } else { ' ' })
            .collect();
        text.replace_range(..body_offset, &blank);
        self.markdown = text;
        self.headings = markdown::headings(&self.markdown);
        self.headings.shrink_to_fit();
        self.front = match front == FrontMatter::default() {
            true => no_front_matter(),
            false => std::sync::Arc::new(front),
        };
        diags.extend(skipped_heading_levels(
            &self.file,
            &self.source(),
            &self.headings,
        ));
        diags
    }

    /// The prefix that leads from this page to the site root (`""`, `"../"`, …).
    pub fn root_prefix(&self) -> String {
        root_prefix(&self.url)
    }

    /// Whether the page has a heading with this id.
    pub fn has_anchor(&self, id: &str) -> bool {
        self.headings.iter().any(|h| h.id == id)
    }
}

/// Headings must not skip levels (h2 followed by h4): screen-reader users navigate by them.
fn skipped_heading_levels(file: &str, source: &str, headings: &[Heading]) -> Vec<Diagnostic> {
    let mut previous = 1;
    let mut diags = Vec::new();
    for h in headings {
        if h.level > previous + 1 {
            diags.push(
                Diagnostic::at(
                    file,
                    source,
                    h.span.start..h.span.start + usize::from(h.level),
                    Severity::Warning,
                    "heading-level-skipped",
                    format!("rubriken hoppar från nivå {previous} till nivå {}", h.level),
                )
                .with_suggestion(Some(format!(
                    "använd {} för en underrubrik här",
                    "#".repeat(usize::from(previous) + 1)
                ))),
            );
        }
        previous = h.level;
    }
    diags
}

/// An entry of the navigation tree.
#[derive(Debug, Clone)]
pub enum NavItem {
    Chapter {
        title: String,
        page: Option<usize>,
        children: Vec<NavItem>,
    },
    PartTitle(String),
    Separator,
}

/// A loaded book.
#[derive(Debug, Clone)]
pub struct LoadedBook {
    pub root: PathBuf,
    pub src_dir: PathBuf,
    /// The source folder that page and asset reads are confined to.
    pub source: SourceRoot,
    /// The source folder relative to the book folder, for diagnostics (`src`).
    pub src_name: String,
    pub config: Config,
    pub title: String,
    pub description: Option<String>,
    pub pages: Vec<Page>,
    pub nav: Vec<NavItem>,
    /// Pages by source path.
    pub by_path: HashMap<String, usize>,
    /// Problems found while loading (front matter, SUMMARY.md).
    pub diagnostics: Vec<Diagnostic>,
    /// Statuses, validity and relations of the pages on the build's day: empty when
    /// loaded, set once validated (`pipeline::check`, the preview's engine).
    pub lifecycle: std::sync::Arc<crate::lifecycle::Lifecycle>,
}

impl LoadedBook {
    /// The site's published base URL (see [`site_url`]); `None` when not set (or not
    /// valid: [`load_config`] has refused that already).
    pub fn site_url(&self) -> Option<String> {
        site_url(&self.config).ok().flatten()
    }

    /// Page indices by the file name diagnostics use (`Page::file`).
    pub fn pages_by_file(&self) -> HashMap<&str, usize> {
        self.pages
            .iter()
            .enumerate()
            .map(|(i, p)| (p.file.as_str(), i))
            .collect()
    }
}

/// Reads `book.toml` of `root` (defaults when absent).
pub fn load_config(root: &Path) -> Result<Config, ConfigError> {
    if !root.is_dir() {
        return Err(ConfigError(format!(
            "bokmappen `{}` finns inte; ange mappen som innehåller book.toml, till exempel `samsyn build book`",
            root.display()
        )));
    }
    let file = root.join("book.toml");
    let mut config = if file.is_file() {
        Config::from_disk(&file).map_err(|e| {
            ConfigError(format!(
                "{}: kan inte läsa konfigurationen: {}",
                file.display(),
                error_chain(&e)
            ))
        })?
    } else {
        Config::default()
    };
    config.build.create_missing = false;
    crate::a11y::AccessibilityConfig::from_config(&config)
        .map_err(|e| ConfigError(format!("{}: {e}", file.display())))?;
    crate::glossary::setting(&config)
        .map_err(|e| ConfigError(format!("{}: {e}", file.display())))?;
    let located = |name: &str, e: String| {
        let line = std::fs::read_to_string(&file)
            .ok()
            .and_then(|text| setting_line(&text, name))
            .map(|n| format!(":{n}"))
            .unwrap_or_default();
        ConfigError(format!("{}{line}: {e}", file.display()))
    };
    site_url(&config).map_err(|e| located("site-url", e))?;
    crate::render::nav::setting(&config).map_err(|e| located("navigation", e))?;
    Ok(config)
}

/// A text setting of book.toml's `[output.samsyn]` table (`name` below it); `None` when
/// not set. Anything but a text is an error naming the setting, with `example` (a line
/// of book.toml) to follow.
pub fn text_setting(config: &Config, name: &str, example: &str) -> Result<Option<String>, String> {
    match config.get::<toml::Value>(&format!("output.samsyn.{name}")) {
        Ok(None) => Ok(None),
        Ok(Some(toml::Value::String(s))) => Ok(Some(s)),
        Ok(Some(other)) => Err(format!(
            "[output.samsyn] {name} måste vara en text, inte `{other}`; till exempel {example}"
        )),
        Err(e) => Err(format!("[output.samsyn] {name} kan inte läsas: {e}")),
    }
}

/// `[output.samsyn] site-url` of book.toml: the absolute http(s) address the site is
/// published at, ending in `/` (added when missing); `None` when not set. Citations,
/// printed pages, `<link rel="canonical">` and the change feed build absolute URLs on
/// it. Anything else (a relative path, another scheme, a query or fragment) is an error
/// (exit 2), checked when book.toml is loaded.
pub fn site_url(config: &Config) -> Result<Option<String>, String> {
    const EXAMPLE: &str = "site-url = \"https://example.org/samverkan/\"";
    let Some(value) = text_setting(config, "site-url", EXAMPLE)? else {
        return Ok(None);
    };
    absolute_site_url(&value).map(Some).ok_or_else(|| {
        format!(
            "[output.samsyn] site-url = \"{value}\" är ingen absolut http- eller https-adress; ange adressen där webbplatsen publiceras, till exempel site-url = \"https://example.org/samverkan/\""
        )
    })
}

/// The 1-based line of the setting `name` in the `[output.samsyn]` table of book.toml's
/// `text`.
fn setting_line(text: &str, name: &str) -> Option<usize> {
    let mut table = "";
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('[') {
            table = line;
        } else if table.replace(' ', "") == "[output.samsyn]"
            && line
                .split('=')
                .next()
                .is_some_and(|k| k.trim().trim_matches('"') == name)
        {
            return Some(n + 1);
        }
    }
    None
}

/// `value` as a site's base URL (`http://` or `https://`, a host, no spaces, query or
/// fragment), ending in `/`; `None` when it is not one.
fn absolute_site_url(value: &str) -> Option<String> {
    let value = value.trim();
    let scheme_len = ["http://", "https://"]
        .into_iter()
        .find(|s| {
            value
                .get(..s.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(s))
        })?
        .len();
    let rest = &value[scheme_len..];
    let host = rest.split('/').next().unwrap_or("");
    let bad = |c: char| {
        c.is_whitespace() || c.is_control() || matches!(c, '?' | '#' | '\\' | '"' | '<' | '>')
    };
    if host.is_empty() || host.starts_with(':') || value.chars().any(bad) {
        return None;
    }
    Some(if value.ends_with('/') {
        value.to_string()
    } else {
        format!("{value}/")
    })
}

fn error_chain(e: &anyhow::Error) -> String {
    e.chain()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(": ")
}

/// Loads the book in `root` from disk. Problems with SUMMARY.md and its entries
/// (syntax, repeated, missing or unusable files) are returned as diagnostics, all
/// of them; chapter files are read through the confined source folder.
pub fn load(root: &Path) -> Result<Result<LoadedBook, Vec<Diagnostic>>, ConfigError> {
    let config = load_config(root)?;
    let source = source_root(root, &config)?;
    let src_name = display_src(root, &config);
    let summary_path = source.dir().join("SUMMARY.md");
    let summary_file = format!("{src_name}/SUMMARY.md");
    let bytes = source.read("SUMMARY.md").map_err(|e| {
        ConfigError(format!(
            "{}: kan inte läsa innehållsförteckningen: {e}",
            summary_path.display()
        ))
    })?;
    // Read as a chapter is: without a byte-order mark (positions as an editor shows
    // them), and text that is not UTF-8 is an error at its first bad byte.
    let summary_text = match chapter_text(bytes, &summary_file) {
        ChapterText {
            problem: Some(problem),
            ..
        } => return Ok(Err(vec![problem])),
        ChapterText { text, .. } => text,
    };
    let text = SummaryText::new(&summary_file, &summary_text, &src_name);
    let mut problems = text.duplicates();
    let summary = match mdbook_summary::parse_summary(&summary_text) {
        Ok(s) => s,
        Err(e) => {
            let message = error_chain(&e);
            // mdBook names a repeated file without its place; `duplicates` has it.
            if problems.is_empty() || !message.contains("Duplicate file in SUMMARY.md") {
                let (line, column) = line_col_in_message(&message).unwrap_or((1, 1));
                let offset = offset_of_line_col(&summary_text, line, column);
                problems.push(Diagnostic::at(
                    summary_file.clone(),
                    &summary_text,
                    offset..offset + 1,
                    Severity::Error,
                    "summary-syntax",
                    format!("SUMMARY.md kan inte tolkas: {message}"),
                ));
            }
            return Ok(Err(problems));
        }
    };
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let chapters = match summary::load_chapters(&summary, &source, &text) {
        Ok(c) => c,
        Err(mut problems) => {
            crate::diagnostics::sort(&mut problems);
            return Ok(Err(problems));
        }
    };
    let mut loaded = from_book(root, config, chapters.book);
    loaded.diagnostics.extend(chapters.diagnostics);
    loaded.diagnostics.extend(summary_checks(&loaded, &text));
    Ok(Ok(loaded))
}

/// The book's source folder, which must be inside the book folder (`src` in
/// book.toml neither absolute, nor leading out, nor a symlink to elsewhere).
fn source_root(root: &Path, config: &Config) -> Result<SourceRoot, ConfigError> {
    let configured = config.book.src.to_string_lossy().into_owned();
    let outside = || {
        ConfigError(format!(
            "{}: källmappen `src = \"{configured}\"` ligger utanför bokmappen; samsyn läser bara filer i bokmappen (till exempel `src = \"src\"`)",
            root.join("book.toml").display()
        ))
    };
    let src_dir = match confine::normalize(&configured) {
        Ok(rel) => root.join(rel),
        Err(PathProblem::Empty) => root.to_path_buf(),
        Err(_) => return Err(outside()),
    };
    if let (Ok(book), Ok(src)) = (root.canonicalize(), src_dir.canonicalize())
        && !src.starts_with(&book)
    {
        return Err(outside());
    }
    Ok(SourceRoot::new(&root.join(&config.book.src)))
}

/// A chapter file's text, as samsyn renders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChapterText {
    /// The text without a byte-order mark; bytes that are not UTF-8 became U+FFFD.
    pub text: String,
    /// The error located at the first byte that is not UTF-8, if any.
    pub problem: Option<Diagnostic>,
}

/// Reads chapter `rel` through the confined source folder; `file` names it in
/// diagnostics. Used by the loader and by the preview's re-read.
pub fn read_chapter(
    source: &SourceRoot,
    rel: &str,
    file: &str,
) -> Result<ChapterText, PathProblem> {
    source.read(rel).map(|bytes| chapter_text(bytes, file))
}

/// The text of the chapter file `file` from its bytes: without a byte-order mark, and
/// with a located `invalid-utf8` error when it is not UTF-8.
pub fn chapter_text(mut bytes: Vec<u8>, file: &str) -> ChapterText {
    if bytes.starts_with(b"\xef\xbb\xbf") {
        bytes.drain(..3);
    }
    match String::from_utf8(bytes) {
        Ok(text) => ChapterText {
            text,
            problem: None,
        },
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let byte = e.as_bytes()[at];
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let problem = Diagnostic::at(
                file,
                &text,
                at..at + 1,
                Severity::Error,
                "invalid-utf8",
                format!("filen är inte giltig UTF-8: byten 0x{byte:02X} kan inte läsas som text"),
            )
            .with_suggestion(Some(
                "spara filen med teckenkodningen UTF-8 (i de flesta redigerare: Spara som → Kodning)"
                    .into(),
            ));
            ChapterText {
                text,
                problem: Some(problem),
            }
        }
    }
}

/// The source folder as diagnostics name it: relative to where samsyn was started
/// (`book/src`), so `file:line:column` can be opened from the terminal.
fn display_src(root: &Path, config: &Config) -> String {
    display_path(&root.join(&config.book.src))
}

/// A path as diagnostics name it: relative to where samsyn was started, `/`-separated.
pub fn display_path(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&cwd)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
        .trim_start_matches("./")
        .to_string()
}

/// Builds samsyn's page model from an mdBook book (from disk or from the
/// preprocessor protocol). Front matter is parsed and its problems collected.
pub fn from_book(root: &Path, config: Config, book: Book) -> LoadedBook {
    let src_dir = root.join(&config.book.src);
    let src_name = display_src(root, &config);
    let mut pages = Vec::new();
    let mut texts = Vec::new();
    let nav = collect(
        book.items,
        &mut Vec::new(),
        &mut pages,
        &mut texts,
        &src_name,
    );
    // Front matter and headings, the pages in parallel; their diagnostics in page order.
    let found: Vec<Vec<Diagnostic>> = pages
        .par_iter_mut()
        .zip(texts.into_par_iter())
        .map(|(page, text)| page.set_text(text))
        .collect();
    let diagnostics: Vec<Diagnostic> = found.into_iter().flatten().collect();
    // Grown by doubling: at 100,000 pages the spare room was 14 MB.
    pages.shrink_to_fit();
    let mut titles: HashMap<&str, usize> = HashMap::with_capacity(pages.len());
    for page in &pages {
        *titles.entry(&page.title).or_default() += 1;
    }
    let shared: Vec<bool> = pages.iter().map(|p| titles[p.title.as_str()] > 1).collect();
    for (page, shared) in pages.iter_mut().zip(shared) {
        page.title_shared = shared;
    }
    let by_path = pages
        .iter()
        .enumerate()
        .map(|(i, p): (usize, &Page)| (p.path.clone(), i))
        .collect();
    LoadedBook {
        root: root.to_path_buf(),
        source: SourceRoot::new(&src_dir),
        src_dir,
        src_name,
        title: config
            .book
            .title
            .clone()
            .unwrap_or_else(|| "Kunskapsbank".into()),
        description: config.book.description.clone(),
        config,
        pages,
        nav,
        by_path,
        diagnostics,
        lifecycle: Default::default(),
    }
}

/// The navigation of `items`; their pages (without text yet) go to `pages` and their
/// texts, in the same order, to `texts`.
fn collect(
    items: Vec<BookItem>,
    ancestors: &mut Vec<(String, Option<usize>)>,
    pages: &mut Vec<Page>,
    texts: &mut Vec<String>,
    src_name: &str,
) -> Vec<NavItem> {
    // The ancestors of every page at this level.
    let shared: Ancestors = ancestors.as_slice().into();
    items
        .into_iter()
        .map(|item| match item {
            BookItem::Chapter(mut ch) => {
                let sub_items = std::mem::take(&mut ch.sub_items);
                let name = ch.name.clone();
                let page = ch.path.take().map(|path| {
                    let path = path.to_string_lossy().replace('\\', "/");
                    pages.push(Page::new(path, src_name, ch.name, shared.clone()));
                    texts.push(ch.content);
                    pages.len() - 1
                });
                ancestors.push((name.clone(), page));
                let children = collect(sub_items, ancestors, pages, texts, src_name);
                ancestors.pop();
                NavItem::Chapter {
                    title: name,
                    page,
                    children,
                }
            }
            BookItem::PartTitle(t) => NavItem::PartTitle(t),
            _ => NavItem::Separator,
        })
        .collect()
}

/// The site path of the chapter at source path `path`: its extension replaced with
/// `.html` (as mdBook does), so that no chapter, whatever its file is called, is
/// written under the name of a theme file or of the search index's files.
pub fn page_url(path: &str) -> String {
    let (folder, name) = path.rsplit_once('/').map_or(("", path), |(f, n)| (f, n));
    let stem = match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => name,
    };
    if folder.is_empty() {
        format!("{stem}.html")
    } else {
        format!("{folder}/{stem}.html")
    }
}

/// The folder of the site that the search index owns; no chapter may render into it.
pub const SEARCH_INDEX_DIR: &str = "search-index";

/// Checks that need SUMMARY.md's text: chapters that render to reserved paths; and
/// Markdown files under the source folder that SUMMARY.md does not list, and
/// symlinks there that lead out of it.
fn summary_checks(book: &LoadedBook, summary: &SummaryText<'_>) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for page in &book.pages {
        if is_reserved(&page.url) {
            diags.push(
                Diagnostic::at(
                    summary.file,
                    summary.text,
                    summary.span_of(&page.path),
                    Severity::Error,
                    "reserved-path",
                    format!(
                        "kapitlet `{}` skulle bli `{}`, som samsyn skapar själv",
                        page.path, page.url
                    ),
                )
                .with_suggestion(Some(
                    "byt namn på filen eller mappen; startsidan, dokumentregistret, sökindexet, flödet och ändringssidorna (andringar/) genereras".into(),
                )),
            );
        }
    }
    for page in &book.pages {
        if let Some(folder) = in_theme_folder(&page.url) {
            diags.push(
                Diagnostic::at(
                    summary.file,
                    summary.text,
                    summary.span_of(&page.path),
                    Severity::Warning,
                    "site-folder",
                    site_folder_message(&page.url, folder),
                )
                .with_suggestion(Some(site_folder_suggestion(folder))),
            );
        }
    }
    diags.extend(files_in_theme_folders(book));
    diags.extend(unlisted_pages(book));
    diags.extend(book.source.links_out().into_iter().map(|rel| {
        Diagnostic::file_level(
            format!("{}/{rel}", book.src_name),
            Severity::Warning,
            "link-outside-src",
            format!(
                "den symboliska länken pekar inte på något i {}/ och publiceras inte",
                book.src_name
            ),
        )
        .with_suggestion(Some(format!(
            "ersätt länken med en riktig fil under {}/, eller ta bort den",
            book.src_name
        )))
    }));
    diags
}

/// The theme's folder (`css`, `js`, `search`, `icons`) that the site path `rel` lies in.
fn in_theme_folder(rel: &str) -> Option<&'static str> {
    crate::theme::ASSET_DIRS.iter().copied().find(|dir| {
        rel.strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
    })
}

fn site_folder_message(url: &str, folder: &str) -> String {
    format!(
        "`{url}` hamnar i mappen {folder}/, där temats filer ligger; servrar och \
         webbhotell som sparar den mappens filer i ett år (README, \"Serving the site\") sparar \
         då också den här, så att ändringar inte når läsarna"
    )
}

fn site_folder_suggestion(folder: &str) -> String {
    format!("flytta den till en mapp med ett annat namn än {folder}/")
}

/// The book's own files (images, PDFs…) in the theme's folders (warnings, at the file).
fn files_in_theme_folders(book: &LoadedBook) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for folder in crate::theme::ASSET_DIRS {
        let files = files_below(&book.src_dir, &book.src_dir.join(folder), |p| {
            p.extension().is_none_or(|x| x != "md")
        });
        // A chapter (whatever its extension) is reported at its SUMMARY.md entry.
        let files = files
            .into_iter()
            .filter(|rel| !book.by_path.contains_key(rel));
        out.extend(files.map(|rel| {
            Diagnostic::file_level(
                format!("{}/{rel}", book.src_name),
                Severity::Warning,
                "site-folder",
                site_folder_message(&rel, folder),
            )
            .with_suggestion(Some(site_folder_suggestion(folder)))
        }));
    }
    out
}

/// Markdown files under the source folder that SUMMARY.md does not list (warnings).
pub fn unlisted_pages(book: &LoadedBook) -> Vec<Diagnostic> {
    markdown_files(&book.src_dir)
        .into_iter()
        .filter(|path| path != "SUMMARY.md" && !book.by_path.contains_key(path))
        .map(|path| {
            Diagnostic::file_level(
                format!("{}/{path}", book.src_name),
                Severity::Warning,
                "unlisted-page",
                "sidan finns inte med i SUMMARY.md och publiceras därför inte",
            )
            .with_suggestion(Some(format!(
                "lägg till `- [Titel]({path})` i SUMMARY.md, eller ta bort filen"
            )))
        })
        .collect()
}

/// Markdown files under `dir`, as `/`-separated paths relative to it, sorted.
pub fn markdown_files(dir: &Path) -> Vec<String> {
    files_below(dir, dir, |p| p.extension().is_some_and(|x| x == "md"))
}

/// The files below `under` (a folder in `root`; none if it does not exist) whose path
/// `keep` accepts, as `/`-separated paths relative to `root`, sorted.
fn files_below(root: &Path, under: &Path, keep: impl Fn(&Path) -> bool) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(under)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && keep(e.path()))
        .filter_map(|e| {
            e.path()
                .strip_prefix(root)
                .ok()
                .map(|p| p.to_string_lossy().replace('\\', "/"))
        })
        .collect();
    out.sort();
    out
}

fn line_col_in_message(message: &str) -> Option<(usize, usize)> {
    let after = message.split("line ").nth(1)?;
    let line: usize = after
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()?;
    let column = message
        .split("column ")
        .nth(1)
        .and_then(|c| {
            c.split(|ch: char| !ch.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or(1);
    Some((line, column))
}

fn offset_of_line_col(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (line_start + column.saturating_sub(1)).min(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanking_front_matter_keeps_offsets_and_the_source() {
        let src = "+++\nkind = \"fakta\"\nowner = \"Åsa\"\n+++\n# Rubrik\n";
        let mut page = Page::new("a.md".into(), "src", "A".into(), Vec::new());
        assert!(page.set_text(src.to_string()).is_empty());
        assert_eq!(page.markdown.len(), src.len());
        assert_eq!(page.markdown.find("# Rubrik"), src.find("# Rubrik"));
        assert_eq!(page.headings[0].id, "rubrik");
        assert_eq!(page.front.owner.as_deref(), Some("Åsa"));
        assert_eq!(page.source(), src);
    }

    #[test]
    fn page_urls_replace_the_extension_like_mdbook() {
        assert_eq!(page_url("a.md"), "a.html");
        assert_eq!(page_url("om/styrning.md"), "om/styrning.html");
        assert_eq!(page_url("css/samsyn.css"), "css/samsyn.html");
        assert_eq!(page_url("search-index"), "search-index.html");
        assert_eq!(page_url("v1.2/.hidden"), "v1.2/.hidden.html");
        assert_eq!(page_url("a.b.md"), "a.b.html");
    }

    #[test]
    fn site_urls_are_absolute_http_and_end_in_a_slash() {
        assert_eq!(
            absolute_site_url("https://example.org/samverkan").as_deref(),
            Some("https://example.org/samverkan/")
        );
        assert_eq!(
            absolute_site_url("HTTP://localhost:8080/").as_deref(),
            Some("HTTP://localhost:8080/")
        );
        for bad in [
            "/samverkan/",
            "example.org",
            "ftp://example.org/",
            "https://",
            "https:///x",
            "https://:80/",
            "https://example.org/a b/",
            "https://example.org/?q=1",
            "https://example.org/#x",
        ] {
            assert_eq!(absolute_site_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn generated_paths_and_folders_are_reserved() {
        for url in [
            "index.html",
            "search-index/manifest.json",
            "andringar/a--0123.html",
            "listor/dokumentregister-2.html",
            "sitemap-2.xml",
        ] {
            assert!(is_reserved(url), "{url}");
        }
        for url in [
            "a.html",
            "andringar2/x.html",
            "dokumentregister-2.html",
            "search-indexet.html",
        ] {
            assert!(!is_reserved(url), "{url}");
        }
    }

    #[test]
    fn the_site_url_is_found_in_its_table() {
        let text =
            "[output.html]\nsite-url = \"/x/\"\n\n[output.samsyn]\ntitle = 1\n  site-url = \"x\"\n";
        assert_eq!(setting_line(text, "site-url"), Some(6));
        assert_eq!(
            setting_line("[output.html]\nsite-url = \"/x/\"\n", "site-url"),
            None
        );
    }

    #[test]
    fn summary_error_positions_are_read() {
        assert_eq!(
            line_col_in_message("failed to parse SUMMARY.md line 3, column 5: x"),
            Some((3, 5))
        );
    }
}
