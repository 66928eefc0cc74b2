//! The jobs samsyn does on a book: check it, and build the site from it.

use crate::book::{self, ConfigError, LoadedBook};
use crate::cache::Key;
use crate::check_memo::{CheckMemo, Clean, PageKeys};
use crate::diagnostics::{self, Diagnostic};
use crate::links::Resolver;
use crate::output::{self, Staging};
use crate::render::{self, RenderOptions, RenderStats};
use crate::theme::Theme;
use crate::validate;
use chrono::NaiveDate;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The date revisions are compared with: `SAMSYN_TODAY` (YYYY-MM-DD) when set, so
/// builds and tests can be reproduced, else the local date.
pub fn today() -> NaiveDate {
    std::env::var("SAMSYN_TODAY")
        .ok()
        .and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok())
        .unwrap_or_else(|| chrono::Local::now().date_naive())
}

/// The result of checking a book.
#[derive(Debug)]
pub struct Checked {
    /// The loaded book, unless SUMMARY.md made loading impossible.
    pub book: Option<LoadedBook>,
    pub diagnostics: Vec<Diagnostic>,
    pub links_checked: usize,
}

impl Checked {
    pub fn counts(&self) -> (usize, usize) {
        diagnostics::counts(&self.diagnostics)
    }

    /// Whether the content stops a build.
    pub fn failed(&self, deny_warnings: bool) -> bool {
        let (errors, warnings) = self.counts();
        self.book.is_none() || errors > 0 || (deny_warnings && warnings > 0)
    }
}

/// Loads and validates the book in `book_dir`.
pub fn check(book_dir: &Path, today: NaiveDate) -> Result<Checked, ConfigError> {
    Ok(check_with(book_dir, today, None)?.0)
}

/// [`check`], not checking again the pages `memo` found clean ([`crate::check_memo`]);
/// also returns the keys of the pages found clean now (none without a memo).
fn check_with(
    book_dir: &Path,
    today: NaiveDate,
    memo: Option<&CheckMemo>,
) -> Result<(Checked, Vec<(Key, Clean)>), ConfigError> {
    let mut phases = crate::timings::Phases::from_env("");
    let loaded = book::load(book_dir)?;
    phases.done_with_memory("läsning", crate::timings::Memory::Peak);
    match loaded {
        Err(diagnostics) => Ok((
            Checked {
                book: None,
                diagnostics,
                links_checked: 0,
            },
            Vec::new(),
        )),
        Ok(mut book) => {
            let (report, clean) = {
                let resolver = Resolver::new(&book);
                let keys = memo.and_then(|_| PageKeys::new(&resolver));
                let memo = memo.zip(keys.as_ref());
                validate::validate_with(&book, &resolver, today, memo)
            };
            book.lifecycle = std::sync::Arc::new(report.lifecycle);
            phases.done_with_memory("kontroll", crate::timings::Memory::Peak);
            let checked = Checked {
                book: Some(book),
                diagnostics: report.diagnostics,
                links_checked: report.links_checked,
            };
            Ok((checked, clean))
        }
    }
}

/// How to build.
pub struct BuildOptions {
    pub book_dir: PathBuf,
    pub dest: PathBuf,
    pub theme: Theme,
    pub today: NaiveDate,
    pub deny_warnings: bool,
    /// Show a progress bar (only drawn on a terminal).
    pub progress: bool,
    pub search: bool,
    /// Also write `.gz` and `.br` copies of the site's text files ([`crate::precompress`]).
    pub precompress: bool,
    /// Where the build cache is kept ([`crate::cache`]).
    pub cache: CacheDir,
}

/// Where a build keeps its cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheDir {
    /// Beside the output: [`crate::cache::default_dir`].
    Beside,
    /// In this folder (`--cache DIR`).
    At(PathBuf),
    /// No cache (`--no-cache`): every page is rendered, nothing is kept.
    Off,
}

/// What a build did.
#[derive(Debug)]
pub struct Built {
    /// The check's findings. A build that renders takes the book from it (the render
    /// frees the book early), so `checked.book` is `None` after a rendered build.
    pub checked: Checked,
    /// `None` when the content had errors and nothing was written.
    pub stats: Option<RenderStats>,
    pub elapsed: Duration,
    /// Lines the build tells about itself (e.g. that it had no git history), each once.
    pub notes: Vec<String>,
}

/// Checks the book and, when it has no errors, renders the site atomically into
/// `dest`. Content errors leave the previous site untouched.
pub fn build(opts: &BuildOptions) -> Result<Built, ConfigError> {
    let started = Instant::now();
    let config = book::load_config(&opts.book_dir)?;
    let src_dir = opts.book_dir.join(&config.book.src);
    let dest =
        output::check_destination(&opts.dest, &opts.book_dir, &src_dir).map_err(ConfigError)?;
    let cache_dir = cache_dir(opts, &src_dir, &dest)?;
    let memo = cache_dir.as_deref().map(CheckMemo::read);
    let (mut checked, clean) = check_with(&opts.book_dir, opts.today, memo.as_ref())?;
    // The render takes the book (and frees it before the search index is built).
    let failed = checked.failed(opts.deny_warnings);
    if let (Some(dir), Some(memo), false) = (&cache_dir, &memo, failed) {
        // The next build checks every page again when it cannot be kept: not a reason
        // to fail this one.
        let changed = clean.len() != memo.len() || clean.iter().any(|(k, _)| memo.get(k).is_none());
        if changed {
            let _ = crate::check_memo::write(dir, &clean);
        }
    }
    // 100,000 pages' entries are some 20 MB: not kept through the render.
    drop((memo, clean));
    let Some(book) = checked.book.take_if(|_| !failed) else {
        return Ok(Built {
            checked,
            stats: None,
            elapsed: started.elapsed(),
            notes: Vec::new(),
        });
    };
    let staging = Staging::new(&opts.dest, &book.root, &book.src_dir).map_err(ConfigError)?;
    let mut phases = crate::timings::Phases::from_env("");
    let mut notes: Vec<String> = Vec::new();
    let opened = cache_dir.map(|dir| crate::cache::BuildCache::open(&dir, staging.dest()));
    let cache = opened.and_then(|opened| match opened {
        Ok(cache) => {
            notes.extend(cache.note.clone());
            Some(cache)
        }
        Err(why) => {
            notes.push(format!("{why}; alla sidor byggs"));
            None
        }
    });
    let history = crate::history::for_book(&book.config, &book.src_dir);
    phases.done("git-historik");
    notes.extend(history.as_ref().err().and_then(|u| u.message()));
    let check_counts =
        crate::a11y::CheckCounts::from_check(checked.links_checked, &checked.diagnostics);
    let bar = progress_bar(opts.progress, book.pages.len());
    let tick = || bar.inc(1);
    let ctx = mdbook_renderer::RenderContext::new(
        &book.root,
        mdbook_driver::book::Book::new(),
        book.config.clone(),
        staging.path(),
    );
    let renderer = SamsynRenderer {
        prepared: std::sync::Mutex::new(Some((book, check_counts))),
        theme: &opts.theme,
        today: opts.today,
        search: opts.search,
        on_page: &tick,
        history: history.as_ref().ok(),
        cache: cache.as_ref(),
    };
    let stats = renderer
        .render_with_stats(&ctx)
        .map_err(|e| ConfigError(e.to_string()))?;
    bar.finish_and_clear();
    let mut phases = crate::timings::Phases::from_env("");
    if opts.precompress {
        // The copies of the pages the cache took from the previous site are that site's.
        let previous = staging
            .dest()
            .is_dir()
            .then(|| crate::confine::OutputRoot::new(staging.dest()).ok())
            .flatten();
        crate::precompress::write_copies(staging.path(), previous.as_ref()).map_err(|e| {
            ConfigError(format!(
                "kan inte skriva de komprimerade kopiorna (--precompress): {e}"
            ))
        })?;
    }
    staging
        .commit()
        .map_err(|e| ConfigError(format!("kan inte flytta webbplatsen på plats: {e}")))?;
    if let Some(cache) = cache
        && let Err(e) = cache.commit()
    {
        notes.push(format!(
            "cachen kunde inte sparas ({e}); nästa bygge bygger alla sidor"
        ));
    }
    phases.done("på plats");
    Ok(Built {
        checked,
        stats: Some(stats),
        elapsed: started.elapsed(),
        notes,
    })
}

/// The folder of the build cache `opts` asks for, for the site at `dest` (absolute):
/// `None` for a build without one (`--no-cache`). An error when `--cache` names a folder
/// the build must not write (the book's source folder `src_dir`, the output).
fn cache_dir(
    opts: &BuildOptions,
    src_dir: &Path,
    dest: &Path,
) -> Result<Option<PathBuf>, ConfigError> {
    Ok(Some(match &opts.cache {
        CacheDir::Off => return Ok(None),
        CacheDir::Beside => crate::cache::default_dir(dest),
        CacheDir::At(dir) => {
            let resolved = output::absolute(dir);
            let src = output::absolute(src_dir);
            if resolved.starts_with(&src)
                || resolved.starts_with(dest)
                || dest.starts_with(&resolved)
            {
                return Err(ConfigError(format!(
                    "cachemappen `{}` får inte ligga i bokens källmapp eller i utmappen, eller innehålla utmappen; välj en annan mapp med --cache",
                    dir.display()
                )));
            }
            resolved
        }
    }))
}

fn progress_bar(show: bool, len: usize) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} Bygger {pos}/{len} sidor {wide_bar} {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// samsyn's renderer behind mdBook's renderer interface. Given a book already loaded
/// and validated by samsyn it renders that; otherwise it loads the book in the
/// render context (as an mdBook backend would).
pub struct SamsynRenderer<'a> {
    /// A book loaded and validated by samsyn, with what its check counted for the
    /// accessibility statement, taken by the first render (which frees the book as soon as
    /// it can: see [`render::render_site`]).
    pub prepared: std::sync::Mutex<Option<(LoadedBook, crate::a11y::CheckCounts)>>,
    pub theme: &'a Theme,
    pub today: NaiveDate,
    pub search: bool,
    pub on_page: &'a (dyn Fn() + Sync),
    /// The book's git history (read by [`build`]; none for a book from mdBook).
    pub history: Option<&'a crate::history::History>,
    /// The build cache (kept by [`build`]; none for a book from mdBook).
    pub cache: Option<&'a crate::cache::BuildCache>,
}

impl SamsynRenderer<'_> {
    /// Renders into `ctx.destination` and reports what it wrote.
    pub fn render_with_stats(
        &self,
        ctx: &mdbook_renderer::RenderContext,
    ) -> Result<RenderStats, render::RenderError> {
        let prepared = self
            .prepared
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        let (book, check_counts) = match prepared {
            Some(prepared) => prepared,
            None => {
                // Not validated by samsyn: the lifecycle and the statement's counts are
                // computed here.
                let mut loaded = book::from_book(&ctx.root, ctx.config.clone(), ctx.book.clone());
                let report = validate::validate(&loaded, &Resolver::new(&loaded), self.today);
                let counts =
                    crate::a11y::CheckCounts::from_check(report.links_checked, &report.diagnostics);
                loaded.lifecycle = std::sync::Arc::new(report.lifecycle);
                (loaded, counts)
            }
        };
        let opts = RenderOptions {
            theme: self.theme,
            today: self.today,
            on_page: self.on_page,
            search: self.search,
            history: self.history,
            check_counts: &check_counts,
            cache: self.cache,
        };
        render::render_site(book, &opts, &ctx.destination)
    }
}

impl mdbook_renderer::Renderer for SamsynRenderer<'_> {
    fn name(&self) -> &str {
        "samsyn"
    }

    fn render(&self, ctx: &mdbook_renderer::RenderContext) -> mdbook_driver::errors::Result<()> {
        self.render_with_stats(ctx)
            .map(|_| ())
            .map_err(|e| anyhow::anyhow!(e.0))
    }
}
