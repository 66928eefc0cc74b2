//! samsyn's renderer: the whole site from a validated book, through mdBook's
//! renderer interface. Pages are rendered in parallel; the navigation is written
//! once as a shared asset.

pub mod changes;
pub mod cite;
pub mod context;
pub mod nav;
pub mod page;

use crate::book::{LoadedBook, SEARCH_INDEX_DIR};
use crate::cache::IndexReuse;
use crate::confine::OutputRoot;
use crate::links::Resolver;
use crate::theme::Theme;
use crate::timings::{Memory, Phases};
use chrono::NaiveDate;
use context::Common;
use minijinja::{Environment, context};
pub use nav::Navigation;
use rayon::prelude::*;
use search_index::bodies::{Bodies, EncodedPage};
use search_index::indexer::PreviousIndex;
use std::path::Path;

/// Everything a render needs besides the book.
pub struct RenderOptions<'a> {
    pub theme: &'a Theme,
    pub today: NaiveDate,
    /// Called once per rendered page (for progress bars).
    pub on_page: &'a (dyn Fn() + Sync),
    /// Whether to build the search index.
    pub search: bool,
    /// The book's git history (change logs, diff pages, the feed), when there is one.
    pub history: Option<&'a crate::history::History>,
    /// What the book's check counted for the accessibility statement.
    pub check_counts: &'a crate::a11y::CheckCounts,
    /// The build cache: pages whose key it recorded are taken from the previous site.
    pub cache: Option<&'a crate::cache::BuildCache>,
}

/// What a render produced.
#[derive(Debug, Default, Clone)]
pub struct RenderStats {
    pub pages: usize,
    pub sections: usize,
    /// Pages taken from the previous site through the build cache, not rendered.
    pub reused: usize,
    /// Whether the search index was the previous site's (built from the same sections).
    pub index_reused: bool,
}

/// A render failure (template error, I/O).
#[derive(Debug)]
pub struct RenderError(pub String);

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RenderError {}

/// A write the output folder refused or could not do.
pub fn write_error(out: &OutputRoot, rel: &str, e: impl std::fmt::Display) -> RenderError {
    RenderError(format!(
        "kan inte skriva `{rel}` i `{}`: {e}{}",
        out.dir().display(),
        disk_full_note(out.dir(), DISK_NEARLY_FULL)
    ))
}

/// Free space below which a failed write is put down to a full disk.
const DISK_NEARLY_FULL: u64 = 64 << 20;

/// When the file system of `dir` has less than `below` bytes free: a sentence saying so
/// and what to do, to follow a failed write's message (a full disk otherwise shows as an
/// I/O error in English, or as the search index's "index writer was killed"). Else empty.
fn disk_full_note(dir: &Path, below: u64) -> String {
    match fs4::available_space(dir) {
        Ok(free) if free < below => format!(
            ". Disken där `{}` ligger är full ({} MB ledigt): frigör utrymme, eller bygg till en mapp på en annan disk med `-o`, och bygg igen",
            dir.display(),
            free >> 20
        ),
        _ => String::new(),
    }
}

/// Writes `bytes` to `rel` inside the output folder, creating folders.
pub fn write_file(out: &OutputRoot, rel: &str, bytes: &[u8]) -> Result<(), RenderError> {
    out.write(rel, bytes).map_err(|e| write_error(out, rel, e))
}

/// Renders the whole site of `book` into the folder `out`. The book is consumed: it is
/// freed once the pages are written, before the search index is built from their
/// sections (at 100,000 pages the book is about 0.7 GB the index does not need).
pub fn render_site(
    mut book: LoadedBook,
    opts: &RenderOptions<'_>,
    out: &Path,
) -> Result<RenderStats, RenderError> {
    let out = &OutputRoot::new(out)
        .map_err(|e| RenderError(format!("kan inte skapa `{}`: {e}", out.display())))?;
    let Rendered {
        sections,
        bodies,
        synonyms,
        reused,
        index_key,
        page_digests,
    } = render_pages(&mut book, opts, out)?;
    let pages = book.pages.len();
    let mut phases = Phases::from_env("");
    drop(book);
    search_index::memory::release_free_memory();
    phases.done_with_memory("boken släppt", Memory::Now);
    let n_sections = sections.len();
    let mut index_reused = false;
    if let Sections::Spilled(sections) = sections {
        let dir = out
            .subdir(SEARCH_INDEX_DIR)
            .map_err(|e| write_error(out, SEARCH_INDEX_DIR, e))?;
        let cached = opts.cache.zip(index_key.as_ref());
        let reuse = cached.map(|(c, key)| c.reuse_index(key, SEARCH_INDEX_DIR, out));
        index_reused = matches!(reuse, Some(IndexReuse::Whole));
        let mut memo = None;
        if !index_reused {
            let docs = sections.read().map_err(|e| {
                RenderError(format!(
                    "kan inte läsa sidornas avsnitt tillbaka från en tillfällig fil i `{}`: {e}",
                    out.dir().display()
                ))
            })?;
            let failed = |e: anyhow::Error| {
                RenderError(format!(
                    "sökindexet kunde inte byggas: {e}{}",
                    disk_full_note(out.dir(), DISK_NEARLY_FULL)
                ))
            };
            // With a cache, what the next build can take over is recorded; without one
            // there is nothing to record it in.
            match reuse {
                Some(reuse) => {
                    let previous = match &reuse {
                        IndexReuse::Parts(dir, memo) => Some(PreviousIndex { dir, memo }),
                        _ => None,
                    };
                    let (_, built) = search_index::indexer::build_site_index_reusing(
                        &docs,
                        &bodies,
                        &synonyms,
                        &dir,
                        previous.as_ref(),
                        &page_digests,
                    )
                    .map_err(failed)?;
                    memo = Some(built);
                }
                None => {
                    search_index::build_site_index_from(&docs, &bodies, &synonyms, &dir)
                        .map_err(failed)?;
                }
            }
        }
        if let Some((cache, key)) = cached {
            cache.record_index(key, memo, SEARCH_INDEX_DIR, out);
        }
    }
    phases.done_with_memory("sökindex", Memory::Peak);
    Ok(RenderStats {
        pages,
        sections: n_sections,
        reused,
        index_reused,
    })
}

/// Pages rendered between two writes of their sections' texts to the spill file.
const RENDER_BATCH: usize = 512;

/// What the search index needs of a rendered book (see [`render_pages`]).
struct Rendered {
    /// The pages' sections (their texts in `bodies`).
    sections: Sections,
    bodies: Bodies,
    /// The glossary's synonym pairs.
    synonyms: search_index::synonyms::Synonyms,
    /// Pages taken from the previous site.
    reused: usize,
    /// The key of what the search index is built from, with a build cache.
    index_key: Option<crate::cache::Key>,
    /// With it, the digests of the pages, which key the parts of the index.
    page_digests: search_index::keys::PageDigests,
}

/// Everything of the site but the search index: the theme's and the book's assets, the
/// pages, the generated pages and, with history, the diff pages. The pages' Markdown is
/// taken out of the book and freed as the pages are rendered (at 100,000 pages it is
/// 420 MB); what the rest needs of it is read first (the glossary, the accessibility
/// statement's counts).
fn render_pages(
    book: &mut LoadedBook,
    opts: &RenderOptions<'_>,
    out: &OutputRoot,
) -> Result<Rendered, RenderError> {
    let mut phases = Phases::from_env("");
    let synonyms = crate::glossary::synonyms(book);
    let statement = context::statement(book, opts.check_counts);
    phases.done("ordlista och tillgänglighetsredogörelse");
    let mut markdown: Vec<String> = book
        .pages
        .iter_mut()
        .map(|p| std::mem::take(&mut p.markdown))
        .collect();
    let book = &*book;
    let resolver = &Resolver::new(book);
    let env = opts.theme.environment().map_err(RenderError)?;
    let nav = Navigation::of(book);
    let site = context::Site::new(book, &nav, opts.today).with_history(opts.history);

    for asset in &opts.theme.assets {
        if !crate::theme::PREVIEW_ONLY_ASSETS.contains(&asset.name.as_str()) {
            write_file(out, &asset.path, &asset.bytes)?;
        }
    }
    copy_source_assets(book, opts.theme, out)?;
    let site_key = opts.cache.and_then(|_| {
        crate::cache::site_key(
            book,
            resolver,
            &nav,
            opts.theme,
            opts.search,
            opts.history.is_some(),
        )
    });
    phases.done("tema och filer");
    let index_key = site_key
        .filter(|_| opts.search)
        .and_then(|_| crate::cache::IndexKey::new(&synonyms));
    let chapters = render_chapters(
        &env,
        &site,
        book,
        &mut markdown,
        resolver,
        site_key.as_ref(),
        index_key.is_some(),
        opts,
        out,
    )?;
    write_generated(&env, &site, book, &statement, out)?;
    phases.done_with_memory("sidor och genererade sidor", Memory::Peak);
    if let Some(history) = opts.history {
        write_diff_pages(&env, &site, book, resolver, history, out)?;
    }
    phases.done_with_memory("ändringssidor", Memory::Peak);
    Ok(Rendered {
        sections: chapters.sections,
        bodies: chapters.bodies,
        synonyms,
        reused: chapters.reused,
        index_key: index_key.map(|key| key.finish(&chapters.page_digests)),
        page_digests: chapters.page_digests,
    })
}

/// The chapter pages as [`render_chapters`] wrote them.
struct Chapters {
    /// Their sections (their texts in `bodies`).
    sections: Sections,
    bodies: Bodies,
    /// How many were taken from the previous site (the build cache).
    reused: usize,
    /// With an index key, each page's digest (see [`crate::cache::IndexKey::page_digest`]).
    page_digests: search_index::keys::PageDigests,
}

/// One chapter page as [`render_chapters`] wrote it.
struct WrittenChapter {
    sections: Vec<page::Section>,
    /// Its cache key, and its file as written, when the build keeps a cache.
    cached: Option<(crate::cache::Key, crate::cache::FileStamp)>,
    /// Where its sections are in the previous cache, when it was taken from there.
    reused: Option<crate::cache::SectionsPlace>,
    /// Its sections for the search index, encoded (without a search index none), and
    /// their digest for the index's key (without a cache none).
    indexed: Option<(EncodedPage, Option<crate::cache::Key>)>,
}

/// The pages' sections for the search index, written to an unnamed temporary file
/// (`search_index::bodies::SectionWriter`) and read back once the book is freed; without
/// a search index only their number.
enum Sections {
    Spilled(search_index::bodies::SpilledSections),
    Counted(usize),
}

impl Sections {
    fn len(&self) -> usize {
        match self {
            Sections::Spilled(s) => s.len(),
            Sections::Counted(n) => *n,
        }
    }
}

/// Renders and writes every chapter page (chapter i's Markdown: `markdown[i]`, freed once
/// its batch is written), in parallel, a batch of [`RENDER_BATCH`] pages at
/// a time. For the search index, each batch's sections' texts then go, in page order, to
/// an unnamed temporary file in the output folder, which the index reads them from (see
/// `search_index::bodies`): held in memory they were 340 MB at 100,000 pages, beside the
/// book's own text. With a build cache (`site_key` set), a page whose key the cache
/// recorded is taken from the previous site instead, and every page is recorded for the
/// next build; with `indexing_key`, each page's digest for the index's key is made.
#[allow(clippy::too_many_arguments)]
fn render_chapters(
    env: &Environment<'_>,
    site: &context::Site<'_>,
    book: &LoadedBook,
    markdown: &mut [String],
    resolver: &Resolver<'_>,
    site_key: Option<&crate::cache::Key>,
    indexing_key: bool,
    opts: &RenderOptions<'_>,
    out: &OutputRoot,
) -> Result<Chapters, RenderError> {
    let spill_error = |e: std::io::Error| {
        RenderError(format!(
            "kan inte skriva sidornas text till en tillfällig fil i `{}`: {e}{}",
            out.dir().display(),
            disk_full_note(out.dir(), DISK_NEARLY_FULL)
        ))
    };
    // For the search index: the sections' texts and the rest of them, each to a file.
    let mut spill = match opts.search {
        true => {
            let file = || tempfile::tempfile_in(out.dir()).map_err(spill_error);
            Some((
                search_index::bodies::BodyWriter::new(file()?),
                search_index::bodies::SectionWriter::new(file()?),
            ))
        }
        false => None,
    };
    let cache = opts.cache.filter(|_| site_key.is_some());
    // The cache left for the next build; none when it cannot be written.
    let mut next = cache.and_then(|c| c.start_next().ok());
    let mut counted = 0;
    let mut reused = 0;
    let mut page_digests = search_index::keys::PageDigests::default();
    for start in (0..book.pages.len()).step_by(RENDER_BATCH) {
        let batch = start..(start + RENDER_BATCH).min(book.pages.len());
        let written: Vec<WrittenChapter> = batch
            .clone()
            .into_par_iter()
            .map(|i| {
                let page = &book.pages[i];
                let context = chapter_context(site, book, i);
                let key = site_key
                    .and_then(|s| crate::cache::page_key(s, &page.title, &markdown[i], &context));
                let taken = cache
                    .zip(key.as_ref())
                    .and_then(|(c, key)| c.reuse(&page.path, &page.url, key, out));
                let chapter = match taken {
                    Some(taken) => WrittenChapter {
                        sections: taken.sections,
                        cached: key.map(|k| (k, taken.file)),
                        reused: Some(taken.place),
                        indexed: None,
                    },
                    None => {
                        let body = page::render(book, resolver, i, &markdown[i]);
                        let html = fill_chapter(env, site, &context, &body.html)?;
                        write_file(out, &page.url, html.as_bytes())?;
                        let file = || {
                            let path = out.path(&page.url).ok()?;
                            crate::cache::FileStamp::of(&path)
                        };
                        WrittenChapter {
                            sections: body.sections,
                            cached: key.and_then(|k| Some((k, file()?))),
                            reused: None,
                            indexed: None,
                        }
                    }
                };
                // The index's sections (one per rendered section) only for a search index.
                let chapter = WrittenChapter {
                    indexed: opts.search.then(|| {
                        let docs = context::search_docs(book, i, &chapter.sections);
                        let encoded = EncodedPage::of(&docs);
                        let digest =
                            indexing_key.then(|| crate::cache::IndexKey::page_digest(&encoded));
                        (encoded, digest)
                    }),
                    ..chapter
                };
                (opts.on_page)();
                Ok(chapter)
            })
            .collect::<Result<_, RenderError>>()?;
        for text in &mut markdown[batch.clone()] {
            drop(std::mem::take(text));
        }
        for (i, chapter) in batch.zip(written) {
            counted += chapter.sections.len();
            reused += usize::from(chapter.reused.is_some());
            // A page the next build cannot check is left out of its cache (rendered then).
            if let (Some(n), Some((key, file))) = (&mut next, &chapter.cached) {
                let page = &book.pages[i];
                let pushed = n.push(
                    &page.path,
                    &page.url,
                    key,
                    *file,
                    &chapter.sections,
                    chapter.reused,
                );
                if pushed.is_err() {
                    next = None;
                }
            }
            if let (Some((texts, rest)), Some((encoded, digest))) = (&mut spill, &chapter.indexed) {
                texts.push_page(encoded).map_err(spill_error)?;
                rest.push_page(encoded).map_err(spill_error)?;
                if let Some(digest) = digest {
                    page_digests.push(encoded.text_ends().len(), *digest);
                }
            }
        }
    }
    if let Some(cache) = cache {
        cache.release_previous();
        // Without it the next build renders every page: not a reason to fail this one.
        if let Some(next) = next {
            let _ = next.finish(cache);
        }
    }
    Ok(match spill {
        Some((texts, rest)) => Chapters {
            sections: Sections::Spilled(rest.finish().map_err(spill_error)?),
            bodies: Bodies::Spilled(texts.finish().map_err(spill_error)?),
            reused,
            page_digests,
        },
        None => Chapters {
            sections: Sections::Counted(counted),
            bodies: Bodies::InSections,
            reused,
            page_digests,
        },
    })
}

/// Writes the diff pages of every page (`render::changes`), in parallel.
fn write_diff_pages(
    env: &Environment<'_>,
    site: &context::Site<'_>,
    book: &LoadedBook,
    resolver: &Resolver<'_>,
    history: &crate::history::History,
    out: &OutputRoot,
) -> Result<(), RenderError> {
    (0..book.pages.len())
        .into_par_iter()
        .map_init(
            || history.reader(),
            |reader, i| {
                for (rel, html) in
                    changes::diff_pages(env, site, book, resolver, history, reader, i)?
                {
                    write_file(out, &rel, html.as_bytes())?;
                }
                Ok(())
            },
        )
        .collect()
}

/// Renders one chapter page with the `page.html` template.
pub fn render_chapter(
    env: &Environment<'_>,
    site: &context::Site<'_>,
    book: &LoadedBook,
    index: usize,
    body_html: &str,
) -> Result<String, RenderError> {
    fill_chapter(env, site, &chapter_context(site, book, index), body_html)
}

/// What the `page.html` template gets for a chapter, except its rendered body (a page's
/// cache key is made from it: [`crate::cache::page_key`], so a reused page never has it
/// turned into template values).
#[derive(serde::Serialize)]
pub struct ChapterContext<'a> {
    meta: Option<context::Meta>,
    referenced_by: Vec<context::Link>,
    history: Vec<context::HistoryRow>,
    breadcrumbs: Vec<context::Link>,
    headings: Vec<context::TocHeading>,
    prev: Option<context::Link>,
    next: Option<context::Link>,
    cite: cite::Citation,
    changes: Option<changes::ChangeLog>,
    #[serde(flatten)]
    common: Common<'a>,
}

/// The [`ChapterContext`] of chapter `index`.
pub fn chapter_context<'a>(
    site: &context::Site<'a>,
    book: &LoadedBook,
    index: usize,
) -> ChapterContext<'a> {
    let page = &book.pages[index];
    ChapterContext {
        meta: context::meta(book, index, site.today),
        referenced_by: context::referenced_by(book, index),
        history: context::history(&page.front),
        breadcrumbs: context::breadcrumbs(book, index),
        headings: context::toc_headings(page),
        prev: index
            .checked_sub(1)
            .map(|p| context::link_to(book, index, p)),
        next: (index + 1 < book.pages.len()).then(|| context::link_to(book, index, index + 1)),
        cite: cite::citation(book, index),
        changes: site
            .history
            .and_then(|h| changes::change_log(h, book, index)),
        common: site.common_without_sidebar(&context::document_title(book, index), &page.url),
    }
}

/// The `page.html` template filled with a chapter's `context`, its sidebar and its
/// rendered body.
fn fill_chapter(
    env: &Environment<'_>,
    site: &context::Site<'_>,
    context: &ChapterContext<'_>,
    body_html: &str,
) -> Result<String, RenderError> {
    let ctx = context! {
        content => minijinja::Value::from_safe_string(body_html.to_string()),
        sidebar => site.nav.sidebar(&context.common.current_path),
        ..minijinja::Value::from_serialize(context)
    };
    render_template(env, "page.html", ctx)
}

pub(crate) fn render_template(
    env: &Environment<'_>,
    name: &str,
    ctx: minijinja::Value,
) -> Result<String, RenderError> {
    env.get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| RenderError(format!("mallen {name} kunde inte renderas: {e:#}")))
}

/// The start page, the register, 404, the accessibility statement, the navigation
/// assets and the sitemap.
pub fn write_generated(
    env: &Environment<'_>,
    site: &context::Site<'_>,
    book: &LoadedBook,
    statement: &context::Statement,
    out: &OutputRoot,
) -> Result<(), RenderError> {
    let common = |title: &str, url: &str| minijinja::Value::from_serialize(site.common(title, url));
    let page = |template: &str, rel: &str, ctx| -> Result<(), RenderError> {
        write_file(out, rel, render_template(env, template, ctx)?.as_bytes())
    };

    let start = context! {
        intro => book.description.clone(),
        sections => context::start_sections(book),
        overdue => context::overdue(book, site.today),
        counts => context! { pages => book.pages.len(), documents => book.pages.iter().filter(|p| p.front.is_document()).count() },
        ..common(&book.title, "index.html")
    };
    page("index.html", "index.html", start)?;

    let register_pages = write_register(site, book, &page)?;

    let not_found = context! {
        site_url => site_url(book),
        ..common("Sidan kunde inte hittas", "404.html")
    };
    page("404.html", "404.html", not_found)?;

    let statement = context! {
        statement => statement,
        ..common("Tillgänglighetsredogörelse", "tillganglighet.html")
    };
    page("tillganglighet.html", "tillganglighet.html", statement)?;

    let toc_pages = site.nav.toc_pages();
    let toc_count = toc_pages.len();
    for (i, slice) in toc_pages.iter().enumerate() {
        let url = list_url("toc", i + 1);
        let root = crate::book::root_prefix(&url);
        let title = if i == 0 {
            "Innehållsförteckning".to_string()
        } else {
            format!("Innehållsförteckning, sida {}", i + 1)
        };
        let toc = context! {
            toc_html => minijinja::Value::from_safe_string(slice.html(&root)),
            pager => list_pager("toc", i + 1, toc_count, format!("Högst {} rader på varje sida.", nav::TOC_PAGE_ENTRIES)),
            ..common(&title, &url)
        };
        page("toc.html", &url, toc)?;
    }
    let news = crate::feed::entries(site.history, book);
    let changes_page = context! {
        entries => news.clone(),
        has_history => site.history.is_some(),
        max_entries => crate::feed::MAX_ENTRIES,
        here => "Nytt och ändrat",
        ..common("Nytt och ändrat", crate::feed::NEWS_PAGE)
    };
    page("nytt.html", crate::feed::NEWS_PAGE, changes_page)?;
    write_file(
        out,
        crate::feed::FEED,
        crate::feed::atom(book, &news, site.today).as_bytes(),
    )?;
    let search_page = context! {
        here => "Sök",
        ..common("Sök", SEARCH_PAGE)
    };
    page("sok.html", SEARCH_PAGE, search_page)?;
    for (rel, text) in site.nav.files() {
        write_file(out, rel, text.as_bytes())?;
    }
    for (rel, text) in sitemaps(book, register_pages) {
        write_file(out, &rel, text.as_bytes())?;
    }
    Ok(())
}

/// The document register (`theme/register.html`): `dokumentregister.html`, and for a
/// register of more than [`context::REGISTER_PAGE_ROWS`] documents the pages after it
/// ([`list_url`]), each with its number, the links to the pages
/// before and after it, and the page where each kind begins. Returns the number of pages.
fn write_register(
    site: &context::Site<'_>,
    book: &LoadedBook,
    page: &dyn Fn(&str, &str, minijinja::Value) -> Result<(), RenderError>,
) -> Result<usize, RenderError> {
    let kinds = context::register(book, site.today);
    let documents: usize = kinds.iter().flat_map(|k| &k.groups).map(|g| g.total).sum();
    let pages = context::register_pages(kinds, context::REGISTER_PAGE_ROWS);
    let count = pages.len();
    // Where each kind begins.
    let mut starts: Vec<(&str, &str, usize)> = Vec::new();
    for p in &pages {
        for k in &p.kinds {
            if !starts.iter().any(|(kind, _, _)| *kind == k.kind) {
                starts.push((k.kind, k.kind_label, p.number));
            }
        }
    }
    for p in pages {
        let url = list_url("dokumentregister", p.number);
        let root = crate::book::root_prefix(&url);
        let jump: Vec<_> = starts
            .iter()
            .map(|&(kind, label, number)| {
                let href = if number == p.number {
                    format!("#typ-{kind}")
                } else {
                    format!("{root}{}#typ-{kind}", list_url("dokumentregister", number))
                };
                context! { kind, label, href }
            })
            .collect();
        let pager = list_pager(
            "dokumentregister",
            p.number,
            count,
            format!(
                "Registret har {documents} dokument, högst {} på varje sida.",
                context::REGISTER_PAGE_ROWS
            ),
        );
        let title = if p.number == 1 {
            "Dokumentregister".to_string()
        } else {
            format!("Dokumentregister, sida {}", p.number)
        };
        let ctx = context! {
            kinds => p.kinds,
            jump,
            pager,
            ..minijinja::Value::from_serialize(site.common(&title, &url))
        };
        page("register.html", &url, ctx)?;
    }
    Ok(count)
}

/// The site path of page `number` (from 1) of the list `name` (`dokumentregister`,
/// `toc`): `name.html`, then `listor/name-2.html`, ….
pub fn list_url(name: &str, number: usize) -> String {
    if number == 1 {
        format!("{name}.html")
    } else {
        format!("{}/{name}-{number}.html", crate::book::LISTS_DIR)
    }
}

/// The context of `theme/list-pages.html` for page `number` of `count` of the list
/// `name` ([`list_url`]); `None` for a list on one page.
fn list_pager(
    name: &str,
    number: usize,
    count: usize,
    summary: String,
) -> Option<minijinja::Value> {
    (count > 1).then(|| {
        context! {
            number,
            count,
            summary,
            prev => (number > 1).then(|| list_url(name, number - 1)),
            next => (number < count).then(|| list_url(name, number + 1)),
        }
    })
}

/// The results page (`theme/sok.html`, `theme/search/results-page.js`): every hit of the
/// query in its address, paged; the search box links to it ("Visa alla träffar").
pub const SEARCH_PAGE: &str = "sok.html";

/// Whether the site path `rel` belongs to the site itself: a theme file, a page samsyn
/// generates, the navigation's files, the output marker or the search index. A source
/// file of the same name is not copied over it.
pub fn owned_by_site(rel: &str, theme: &Theme) -> bool {
    crate::book::is_reserved(rel)
        || nav::is_nav_file(rel)
        || rel == crate::output::MARKER
        || theme.assets.iter().any(|asset| asset.path == rel)
}

/// Copies the files of the source folder that are not Markdown (images, PDFs…),
/// except those whose names the site itself uses ([`owned_by_site`]).
/// Symlinks are not followed (the walk lists them as links, not files), so nothing
/// outside the source folder is copied; every read goes through the confined root.
fn copy_source_assets(
    book: &LoadedBook,
    theme: &Theme,
    out: &OutputRoot,
) -> Result<(), RenderError> {
    for entry in walkdir::WalkDir::new(&book.src_dir)
        .into_iter()
        .filter_map(Result::ok)
    {
        let path = entry.path();
        if !entry.file_type().is_file() || path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let Ok(rel) = path.strip_prefix(&book.src_dir) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        if owned_by_site(&rel, theme) {
            continue;
        }
        let bytes = book
            .source
            .read(&rel)
            .map_err(|e| RenderError(format!("kan inte läsa `{}/{rel}`: {e}", book.src_name)))?;
        write_file(out, &rel, &bytes)?;
    }
    Ok(())
}

/// Where IT hosts the site, if told, ending in `/`: `[output.samsyn] site-url` (an
/// absolute address, also used by citations), else mdBook's `output.html.site-url`
/// (which may be a path such as `/samverkan/`).
fn site_url(book: &LoadedBook) -> Option<String> {
    book.site_url().or_else(|| {
        book.config
            .html_config()
            .and_then(|h| h.site_url)
            .map(|u| if u.ends_with('/') { u } else { format!("{u}/") })
    })
}

/// Most URLs in one sitemap file: the sitemap protocol's limit (search engines ignore a
/// longer one).
const SITEMAP_MAX_URLS: usize = 50_000;

/// `sitemap.xml`: every page, the generated pages and the register's later pages. With a
/// site URL in book.toml (see `site_url`) the locations are absolute; without it they are
/// relative to the sitemap. `register_pages`: the register's number of pages
/// ([`list_url`]). Returns the files to write (see [`sitemap_files`]).
fn sitemaps(book: &LoadedBook, register_pages: usize) -> Vec<(String, String)> {
    let base = site_url(book).unwrap_or_default();
    // The diff pages (`andringar/`) are left out: they are views of the pages' history.
    let urls: Vec<String> = [
        "index.html",
        "dokumentregister.html",
        "tillganglighet.html",
        crate::feed::NEWS_PAGE,
        SEARCH_PAGE,
    ]
    .into_iter()
    .map(str::to_string)
    .chain((2..=register_pages).map(|n| list_url("dokumentregister", n)))
    .chain(book.pages.iter().map(|p| p.url.clone()))
    .collect();
    sitemap_files(&base, &urls, SITEMAP_MAX_URLS)
}

/// The sitemap of `urls` (each prefixed with `base`): one `sitemap.xml` of up to `max`
/// URLs; a longer list in parts of `max` ([`crate::book::sitemap_part`]) with
/// `sitemap.xml` the index that names them.
fn sitemap_files(base: &str, urls: &[String], max: usize) -> Vec<(String, String)> {
    let loc = |url: &str| html_escape::encode_text(&format!("{base}{url}")).into_owned();
    let urlset = |urls: &[String]| {
        let mut out = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        for url in urls {
            out.push_str(&format!("  <url><loc>{}</loc></url>\n", loc(url)));
        }
        out.push_str("</urlset>\n");
        out
    };
    if urls.len() <= max {
        return vec![("sitemap.xml".to_string(), urlset(urls))];
    }
    let mut index = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let mut files = Vec::new();
    for (n, part) in urls.chunks(max.max(1)).enumerate() {
        let name = crate::book::sitemap_part(n + 1);
        index.push_str(&format!("  <sitemap><loc>{}</loc></sitemap>\n", loc(&name)));
        files.push((name, urlset(part)));
    }
    index.push_str("</sitemapindex>\n");
    files.push(("sitemap.xml".to_string(), index));
    files
}

/// Keeps `Common` reachable for templates rendered elsewhere (serve).
pub type CommonContext<'a> = Common<'a>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sitemap_over_the_protocols_limit_goes_in_parts_under_an_index() {
        let urls: Vec<String> = (1..=5).map(|i| format!("s{i}.html")).collect();
        let one = sitemap_files("https://x.se/", &urls, 5);
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].0, "sitemap.xml");
        assert_eq!(one[0].1.matches("<url>").count(), 5);
        let parts = sitemap_files("https://x.se/", &urls, 2);
        let names: Vec<&str> = parts.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "sitemap-1.xml",
                "sitemap-2.xml",
                "sitemap-3.xml",
                "sitemap.xml"
            ]
        );
        let counts: Vec<usize> = parts
            .iter()
            .map(|(_, t)| t.matches("<url>").count())
            .collect();
        assert_eq!(counts, [2, 2, 1, 0]);
        assert!(parts[2].1.contains("<loc>https://x.se/s5.html</loc>"));
        let index = &parts[3].1;
        assert!(index.contains("<sitemapindex"), "{index}");
        assert_eq!(index.matches("<sitemap>").count(), 3);
        assert!(
            index.contains("<loc>https://x.se/sitemap-3.xml</loc>"),
            "{index}"
        );
        for (name, _) in &parts {
            assert!(crate::book::is_reserved(name), "{name}");
        }
    }

    #[test]
    fn a_failed_write_on_a_full_disk_says_so_and_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        // Any disk is "full" below more bytes than it has; none is below zero.
        let note = disk_full_note(dir.path(), u64::MAX);
        assert!(note.starts_with(". Disken där `"), "{note}");
        assert!(
            note.contains("är full (") && note.contains("`-o`"),
            "{note}"
        );
        assert_eq!(disk_full_note(dir.path(), 0), "");
        assert_eq!(disk_full_note(&dir.path().join("finns-inte"), u64::MAX), "");
    }
}
