//! The incremental engine behind `samsyn serve`: it owns the loaded book and the
//! served site folder, and turns a set of changed files into the least work that
//! keeps the site equal to a full build.
//!
//! What a change costs:
//! - a chapter edit re-reads that file (front matter, headings), re-validates the
//!   links of the pages it can affect (itself, the pages that link to it, the pages
//!   that had errors), re-renders the page (and the generated pages when its front
//!   matter changed) and hands the search sections to the background indexer; the
//!   lifecycle is recomputed: a changed status, date or relation re-renders every
//!   page, a changed "Hänvisas från" list the pages whose list changed;
//! - SUMMARY.md, book.toml or the theme reload and re-render everything;
//! - an image or other file under `src/` is copied (a new or removed file
//!   re-validates every link).
//!
//! While the book has errors nothing is rendered: the last good site stays served
//! and the pages touched in the meantime are rendered once the errors are fixed.

use super::settle::{Writers, read_settled};
use crate::book::{self, LoadedBook};
use crate::confine::OutputRoot;
use crate::diagnostics::{self, Diagnostic, Severity};
use crate::lifecycle::{Affected, Lifecycle};
use crate::links::Resolver;
use crate::render::{self, RenderError, context, page};
use crate::theme::Theme;
use crate::timings::Phases;
use crate::validate;
use chrono::NaiveDate;
use minijinja::Environment;
use rayon::prelude::*;
use search_index::SectionDoc;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The search sections of every page, shared cheaply with the background indexer.
pub type Sections = Vec<Arc<Vec<SectionDoc>>>;

/// What one update did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// New content was written: open pages should reload.
    pub reloaded: bool,
    /// Site URLs that were rewritten (pages, generated pages, assets).
    pub changed: Vec<String>,
    /// The search index is out of date; these are the current sections.
    pub search: Option<Sections>,
    /// Source files the update looked at (for the terminal).
    pub touched: Vec<String>,
}

/// Where the served site lives and how files are replaced in it.
pub struct Output {
    /// The folder served over HTTP.
    pub site: PathBuf,
    /// A folder on the same file system for temporary files.
    pub scratch: PathBuf,
    /// The served folder that every write is confined to.
    root: OutputRoot,
    counter: AtomicU64,
}

impl Output {
    pub fn new(site: PathBuf, scratch: PathBuf) -> std::io::Result<Output> {
        let root = OutputRoot::new(&site)?;
        std::fs::create_dir_all(&scratch)?;
        Ok(Output {
            site,
            scratch,
            root,
            counter: AtomicU64::new(0),
        })
    }

    /// A fresh path in the scratch folder.
    pub fn temp_path(&self, prefix: &str) -> PathBuf {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        self.scratch.join(format!("{prefix}-{n}"))
    }

    /// Replaces `site/rel` with `bytes` in one rename, so the server never sends a
    /// half-written file.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), RenderError> {
        let tmp = self.temp_path("w");
        std::fs::write(&tmp, bytes).map_err(|e| io_err(&tmp, e))?;
        self.move_in(&tmp, rel)
    }

    /// Moves the file `from` (in the scratch folder) to `site/rel`.
    fn move_in(&self, from: &Path, rel: &str) -> Result<(), RenderError> {
        let moved = self
            .root
            .prepare(rel)
            .map_err(|e| render::write_error(&self.root, rel, e))
            .and_then(|target| std::fs::rename(from, &target).map_err(|e| io_err(&target, e)));
        if moved.is_err() {
            let _ = std::fs::remove_file(from);
        }
        moved
    }

    /// Puts the folder `from` (in the scratch folder) in place of the folder `site/rel`
    /// (exchanged in one step where the system can, so a page's search never finds the
    /// index missing), then removes the old one.
    pub fn replace_dir(&self, from: &Path, rel: &str) -> Result<(), RenderError> {
        let target = self
            .root
            .prepare(rel)
            .map_err(|e| render::write_error(&self.root, rel, e))?;
        let previous = crate::output::swap_dir(from, &target, || Ok(self.temp_path("old")))
            .map_err(|e| io_err(&target, e))?;
        if let Some(previous) = previous {
            let _ = std::fs::remove_dir_all(previous.path());
        }
        Ok(())
    }

    /// The path of `site/rel`, checked to stay in the served folder (its parents made).
    pub fn confined(&self, rel: &str) -> Result<PathBuf, RenderError> {
        self.root
            .prepare(rel)
            .map_err(|e| render::write_error(&self.root, rel, e))
    }

    /// Removes `site/rel` if it exists.
    fn remove(&self, rel: &str) {
        self.root.remove(rel);
    }
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> RenderError {
    RenderError(format!("kan inte skriva `{}`: {e}", path.display()))
}

/// How the engine was started.
pub struct EngineOptions {
    pub book_dir: PathBuf,
    /// A theme folder to read (and watch); the embedded theme otherwise.
    pub theme_dir: Option<PathBuf>,
    pub today: NaiveDate,
    /// The files being written, as the watcher sees them: a file is read once its
    /// save is complete.
    pub writers: Writers,
}

/// The state of the preview.
pub struct Engine {
    opts: EngineOptions,
    pub out: Arc<Output>,
    theme: Theme,
    env: Environment<'static>,
    book: Option<LoadedBook>,
    /// The book with every page's Markdown left out: validating it gives the
    /// diagnostics that do not come from page bodies (front matter, headings,
    /// document ids, SUMMARY.md). Pages to re-check get their Markdown back for one
    /// call. Validated with a resolver over `book` (they differ only in Markdown,
    /// which the resolver does not read), so one file scan serves a whole update.
    shadow: Option<LoadedBook>,
    /// The diagnostics of `shadow` (the book without Markdown), kept while no page's
    /// front matter, title or headings and no load diagnostic changes: most saves change
    /// only a page's text, and validating the whole shadow again cost a pass over the
    /// whole book on each save.
    base: Option<Vec<Diagnostic>>,
    /// The book's navigation (from SUMMARY.md: set with the book).
    nav: render::Navigation,
    /// Diagnostics that come from a page's Markdown (its links), per page.
    link_diags: Vec<Vec<Diagnostic>>,
    /// Markdown-derived diagnostics that name no page file.
    other_link_diags: Vec<Diagnostic>,
    /// For each page, the pages its links point at.
    forward: Vec<Vec<usize>>,
    /// For each page, the pages whose links point at it.
    linkers: Vec<BTreeSet<usize>>,
    diagnostics: Vec<Diagnostic>,
    /// Problems that are not the content's (theme, book.toml, I/O), as diagnostics.
    setup_diags: Vec<Diagnostic>,
    /// Pages to render at the next clean validation.
    dirty: BTreeSet<usize>,
    dirty_generated: bool,
    /// The next change reloads the whole book (after a SUMMARY.md, book.toml or
    /// theme problem).
    needs_reload: bool,
    /// The next clean validation renders the whole site.
    needs_full_render: bool,
    /// Files written by the last full render, relative to the site.
    written: BTreeSet<String>,
    /// Files under the source folder at the last scan, without editors' temporary files
    /// (the link resolver's list of files between scans).
    src_files: BTreeSet<String>,
    sections: Sections,
    /// The book's git history, read once when the preview starts (commits made while it
    /// runs show after a restart).
    history: Option<Arc<crate::history::History>>,
    /// Updates that checked only the saved pages' Markdown ([`Plan::Links`]).
    markdown_only_updates: usize,
}

/// What a path under the watched folders is to the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Change {
    /// book.toml, SUMMARY.md or the theme: reload everything.
    Structure,
    /// A chapter listed in SUMMARY.md, by page index.
    Chapter(usize),
    /// Any other file under the source folder, relative to it.
    Other(String),
}

/// What an update has to validate.
enum Plan {
    /// Nothing changed that validation sees.
    Nothing,
    /// The whole book (after a reload, or when files appeared or disappeared).
    Full,
    /// The Markdown of these pages; every other page keeps its link diagnostics.
    Pages(BTreeSet<usize>),
    /// As `Pages`, after a save that changed Markdown bodies only: no front matter, title
    /// or heading, and not the glossary's page. The rest of the book's diagnostics and its
    /// lifecycle stay as they are, apart from the "Hänvisas från" lists of the pages
    /// whose links came or went: no pass over the whole book (at 100,000 pages, the
    /// validation took 0.2 s and the lifecycle 0.3 s of each save).
    Links(BTreeSet<usize>),
}

impl Engine {
    /// Loads the theme and the book and renders the whole site into `out`. A book
    /// with content errors is rendered anyway (there is no earlier site to keep);
    /// configuration problems are returned (exit code 2).
    pub fn start(opts: EngineOptions, out: Arc<Output>) -> Result<(Engine, Outcome), String> {
        let theme = Theme::for_preview(opts.theme_dir.as_deref())?;
        let env = live_env(&theme)?;
        let history = book::load_config(&opts.book_dir).ok().and_then(|config| {
            crate::history::for_book(&config, &opts.book_dir.join(&config.book.src)).ok()
        });
        let mut engine = Engine {
            opts,
            out,
            theme,
            env,
            book: None,
            shadow: None,
            base: None,
            nav: render::Navigation::default(),
            link_diags: Vec::new(),
            other_link_diags: Vec::new(),
            forward: Vec::new(),
            linkers: Vec::new(),
            diagnostics: Vec::new(),
            setup_diags: Vec::new(),
            dirty: BTreeSet::new(),
            dirty_generated: false,
            needs_reload: false,
            needs_full_render: true,
            written: BTreeSet::new(),
            src_files: BTreeSet::new(),
            sections: Vec::new(),
            history: history.map(Arc::new),
            markdown_only_updates: 0,
        };
        match book::load(&engine.opts.book_dir).map_err(|e| e.0)? {
            Ok(b) => engine.set_book(b),
            Err(diags) => {
                engine.diagnostics = diags;
                engine.needs_reload = true;
            }
        }
        let mut outcome = Outcome::default();
        if engine.book.is_some() {
            // There is no earlier site to keep: render even a book with errors.
            engine
                .validate_and_render(Plan::Full, true, &mut outcome)
                .map_err(|e| e.0)?;
        } else {
            engine.write_placeholder().map_err(|e| e.0)?;
            outcome.reloaded = true;
        }
        Ok((engine, outcome))
    }

    /// The current diagnostics (content and setup), sorted.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut all = self.setup_diags.clone();
        all.extend(self.diagnostics.iter().cloned());
        diagnostics::sort(&mut all);
        all
    }

    /// Whether the served search reader opens overlays (the built-in one does; a theme's
    /// own may not, and then the search index follows saves by full rebuilds alone).
    pub fn reader_opens_overlays(&self) -> bool {
        self.theme.opens_overlays
    }

    /// The synonym pairs of the book's glossary, for the search index.
    pub fn synonyms(&self) -> search_index::synonyms::Synonyms {
        self.book
            .as_ref()
            .map(crate::glossary::synonyms)
            .unwrap_or_default()
    }

    /// How many updates checked only the saved pages' Markdown, not the whole book.
    pub fn markdown_only_updates(&self) -> usize {
        self.markdown_only_updates
    }

    /// The number of pages of the loaded book.
    pub fn pages(&self) -> usize {
        self.book.as_ref().map_or(0, |b| b.pages.len())
    }

    /// Applies a set of changed paths (files that were written, created, renamed or
    /// removed under the book or theme folder).
    pub fn apply(&mut self, paths: &BTreeSet<PathBuf>) -> Outcome {
        let mut outcome = Outcome::default();
        let changes: Vec<Change> = paths.iter().filter_map(|p| self.classify(p)).collect();
        if changes.is_empty() {
            return outcome;
        }
        outcome.touched = paths
            .iter()
            .filter(|p| self.classify(p).is_some())
            .map(|p| self.display(p))
            .collect();
        let structural = self.needs_reload
            || self.book.is_none()
            || changes.contains(&Change::Structure)
            || changes.iter().any(|c| match c {
                // Gone, or no longer a file inside the source folder: the loader
                // reports it at its SUMMARY.md entry.
                Change::Chapter(i) => !self.chapter_resolves(*i),
                _ => false,
            });
        let plan = if structural {
            if self.reload_all() {
                Plan::Full
            } else {
                Plan::Nothing
            }
        } else {
            match self.apply_incremental(&changes, &mut outcome) {
                Ok(plan) => plan,
                Err(e) => {
                    self.setup_error(e);
                    return outcome;
                }
            }
        };
        if let Err(e) = self.validate_and_render(plan, false, &mut outcome) {
            self.setup_error(e);
        }
        outcome
    }

    /// Validates as planned and, when the book has no errors (or `force`), renders
    /// what is dirty. One resolver (one scan of the source folder) serves both.
    fn validate_and_render(
        &mut self,
        plan: Plan,
        force: bool,
        outcome: &mut Outcome,
    ) -> Result<(), RenderError> {
        let Some(mut book) = self.book.take() else {
            return Ok(());
        };
        let mut phases = Phases::from_env("förhandsvisning, ");
        let result = {
            // The engine's own list of the source folder's files, kept current by the
            // watcher's events (rescanned when a file comes or goes): walking the folder
            // on each save cost 15 ms at 10,000 pages and 150 ms at 100,000.
            let resolver = Resolver::with_files(&book, self.src_files.iter().cloned().collect());
            phases.done("källmappens filer");
            let validated = !matches!(plan, Plan::Nothing);
            // After a save of Markdown only: the pages whose referrers may have changed.
            let mut relink = None;
            match plan {
                Plan::Nothing => {}
                Plan::Full => self.full_validate(&book, &resolver),
                Plan::Pages(recheck) => self.partial_validate(&book, &resolver, &recheck),
                Plan::Links(recheck) => {
                    relink = Some(self.check_markdown(&book, &resolver, &recheck));
                    self.markdown_only_updates += 1;
                }
            }
            phases.done(if relink.is_some() {
                "validering (de sparade sidornas markdown)"
            } else {
                "validering"
            });
            let resolver = if let Some(targets) = relink {
                let files = resolver.into_files();
                let changed =
                    Arc::make_mut(&mut book.lifecycle).relink(&book.pages, &targets, &self.linkers);
                self.dirty.extend(changed);
                Resolver::with_files(&book, files)
            } else if validated {
                let (lifecycle, _) =
                    Lifecycle::new(&book, &resolver, &self.forward, self.opts.today);
                let files = resolver.into_files();
                self.set_lifecycle(&mut book, lifecycle);
                Resolver::with_files(&book, files)
            } else {
                resolver
            };
            phases.done("livscykel");
            let rendered = if force || !self.has_errors() {
                self.render(&book, &resolver, outcome)
            } else {
                Ok(())
            };
            phases.done("rendering");
            rendered
        };
        self.book = Some(book);
        result
    }

    /// Puts a freshly computed lifecycle on the book and marks what it changes for
    /// rendering: a status, date or relation may show on any page (its panel, banner,
    /// the register), so those re-render everything; a changed "Hänvisas från" list
    /// only its page.
    fn set_lifecycle(&mut self, book: &mut LoadedBook, lifecycle: Lifecycle) {
        match lifecycle.affected_since(&book.lifecycle) {
            Affected::All => {
                self.dirty.extend(0..book.pages.len());
                self.dirty_generated = true;
            }
            Affected::Pages(pages) => self.dirty.extend(pages),
        }
        book.lifecycle = Arc::new(lifecycle);
    }

    fn setup_error(&mut self, e: RenderError) {
        let place = self.opts.theme_dir.as_ref().unwrap_or(&self.opts.book_dir);
        self.setup_diags = vec![Diagnostic::file_level(
            self.display(place),
            Severity::Error,
            "render-error",
            e.0,
        )];
        self.needs_reload = true;
    }

    fn has_errors(&self) -> bool {
        self.setup_diags.iter().any(Diagnostic::is_error)
            || self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// A path as diagnostics name files (relative to where samsyn was started).
    fn display(&self, p: &Path) -> String {
        let cwd = std::env::current_dir().unwrap_or_default();
        p.strip_prefix(&cwd)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    }

    fn src_dir(&self) -> PathBuf {
        match &self.book {
            Some(b) => b.src_dir.clone(),
            None => self.opts.book_dir.join("src"),
        }
    }

    fn chapter_resolves(&self, i: usize) -> bool {
        self.book
            .as_ref()
            .is_some_and(|b| b.source.resolve(&b.pages[i].path).is_ok())
    }

    fn classify(&self, path: &Path) -> Option<Change> {
        if let Some(theme) = &self.opts.theme_dir
            && path.starts_with(theme)
        {
            return (!super::watch::is_editor_noise(path)).then_some(Change::Structure);
        }
        if path == self.opts.book_dir.join("book.toml") {
            return Some(Change::Structure);
        }
        let src = self.src_dir();
        let rel = path.strip_prefix(&src).ok()?;
        if super::watch::is_editor_noise(path) {
            return None;
        }
        let rel = rel.to_string_lossy().replace('\\', "/");
        if rel == "SUMMARY.md" {
            return Some(Change::Structure);
        }
        if let Some(&i) = self.book.as_ref().and_then(|b| b.by_path.get(&rel)) {
            return Some(Change::Chapter(i));
        }
        if path.is_dir() {
            return None;
        }
        // A file that came and went within the batch (a `sed -i` or editor temporary).
        if !path.is_file() && !self.src_files.contains(&rel) {
            return None;
        }
        Some(Change::Other(rel))
    }

    /// Installs a freshly loaded book (to be validated in full).
    fn set_book(&mut self, book: LoadedBook) {
        self.nav = render::Navigation::of(&book);
        let mut shadow = book.clone();
        for p in &mut shadow.pages {
            p.markdown = String::new();
        }
        self.shadow = Some(shadow);
        self.base = None;
        self.book = Some(book);
        self.needs_reload = false;
        self.needs_full_render = true;
        self.src_files = scan_files(&self.src_dir());
    }

    /// Reloads the theme (when it is a folder) and the whole book.
    /// Returns whether a book was loaded (else the problems are in the diagnostics).
    fn reload_all(&mut self) -> bool {
        self.setup_diags.clear();
        if let Some(dir) = self.opts.theme_dir.clone() {
            let loaded =
                Theme::for_preview(Some(&dir)).and_then(|t| live_env(&t).map(|env| (t, env)));
            match loaded {
                Ok((theme, env)) => {
                    self.theme = theme;
                    self.env = env;
                }
                Err(message) => {
                    self.setup_diags.push(Diagnostic::file_level(
                        self.display(&dir),
                        Severity::Error,
                        "theme-error",
                        message,
                    ));
                    self.needs_reload = true;
                    return false;
                }
            }
        }
        match book::load(&self.opts.book_dir) {
            Err(e) => {
                self.setup_diags.push(
                    Diagnostic::file_level(
                        self.display(&self.opts.book_dir.join("book.toml")),
                        Severity::Error,
                        "config-error",
                        e.0,
                    )
                    .with_suggestion(Some(
                        "rätta book.toml; förhandsvisningen visar den senaste fungerande versionen"
                            .into(),
                    )),
                );
                self.needs_reload = true;
            }
            Ok(Err(diags)) => {
                self.diagnostics = diags;
                self.needs_reload = true;
            }
            Ok(Ok(book)) => {
                self.set_book(book);
                return true;
            }
        }
        false
    }

    fn apply_incremental(
        &mut self,
        changes: &[Change],
        outcome: &mut Outcome,
    ) -> Result<Plan, RenderError> {
        let mut changed_pages = BTreeSet::new();
        let mut files_changed = false;
        for change in changes {
            match change {
                Change::Chapter(i) => {
                    if self.reread_chapter(*i)? {
                        changed_pages.insert(*i);
                    }
                }
                Change::Other(rel) => {
                    // Only regular files under the source folder count; a symlink is
                    // never copied (as in a full build).
                    let is_file = std::fs::symlink_metadata(self.src_dir().join(rel))
                        .is_ok_and(|m| m.is_file());
                    let bytes_allowed = is_file && !render::owned_by_site(rel, &self.theme);
                    if is_file != self.src_files.contains(rel) {
                        files_changed = true;
                    }
                    if !rel.ends_with(".md") {
                        let confined = bytes_allowed.then(|| {
                            let book = self.book.as_ref()?;
                            book.source.resolve(rel).ok()
                        });
                        if confined.flatten().is_some() {
                            let from = self.src_dir().join(rel);
                            let read = read_settled(&from, &self.opts.writers);
                            // `None`: still being written; its next event brings it back.
                            let Some(bytes) = read.map_err(|e| io_err(&from, e))? else {
                                continue;
                            };
                            self.out.write(rel, &bytes)?;
                        } else {
                            self.out.remove(rel);
                        }
                        outcome.changed.push(rel.clone());
                        outcome.reloaded = true;
                    }
                }
                Change::Structure => {}
            }
        }
        if files_changed {
            self.src_files = scan_files(&self.src_dir());
            if let Some(book) = self.book.as_mut() {
                book.diagnostics.retain(|d| d.code != "unlisted-page");
                let unlisted = book::unlisted_pages(book);
                book.diagnostics.extend(unlisted);
            }
        }
        self.sync_shadow(&changed_pages);
        // Pages that had errors were last rendered before them; they may resolve
        // differently now.
        let before = self.error_pages();
        self.dirty.extend(before.iter().copied());
        self.dirty.extend(changed_pages.iter().copied());
        if files_changed {
            return Ok(Plan::Full);
        }
        if changed_pages.is_empty() {
            return Ok(Plan::Nothing);
        }
        let mut recheck = changed_pages.clone();
        for &i in &changed_pages {
            recheck.extend(self.linkers[i].iter().copied());
        }
        recheck.extend(before);
        // The cached diagnostics of the book without Markdown are still valid: nothing
        // but Markdown changed (`sync_shadow` drops them otherwise).
        let glossary = self.book.as_ref().and_then(crate::glossary::page);
        if self.base.is_some() && glossary.is_none_or(|g| !changed_pages.contains(&g)) {
            return Ok(Plan::Links(recheck));
        }
        Ok(Plan::Pages(recheck))
    }

    /// Copies the changed pages (without Markdown) and the load diagnostics into
    /// the shadow book.
    fn sync_shadow(&mut self, changed: &BTreeSet<usize>) {
        let (Some(book), Some(shadow)) = (self.book.as_ref(), self.shadow.as_mut()) else {
            return;
        };
        for &i in changed {
            let mut page = book.pages[i].clone();
            page.markdown = String::new();
            if shadow.pages[i] != page {
                shadow.pages[i] = page;
                self.base = None;
            }
        }
        if shadow.diagnostics != book.diagnostics {
            shadow.diagnostics = book.diagnostics.clone();
            self.base = None;
        }
    }

    /// Re-reads chapter `i` from disk (as the loader does, [`book::read_chapter`]).
    /// Returns whether its text or its problems changed.
    fn reread_chapter(&mut self, i: usize) -> Result<bool, RenderError> {
        let Some(book) = self.book.as_mut() else {
            return Ok(false);
        };
        let page = &book.pages[i];
        let file = page.file.clone();
        let had_problem = book.diagnostics.iter().any(|d| {
            d.file == file && (d.code == "unreadable-chapter" || d.code == "invalid-utf8")
        });
        let read = book
            .source
            .read_with(&page.path, |p| read_settled(p, &self.opts.writers));
        let read = match read {
            Ok(Some(bytes)) => book::chapter_text(bytes, &file),
            // Still being written: its next change event brings it back.
            Ok(None) => return Ok(false),
            Err(problem) => {
                let (message, suggestion) = problem.describe(&page.path, &book.src_name);
                book.diagnostics.retain(|d| d.file != file);
                book.diagnostics.push(
                    Diagnostic::file_level(file, Severity::Error, "unreadable-chapter", message)
                        .with_suggestion(Some(suggestion)),
                );
                return Ok(true);
            }
        };
        if page.source() == read.text && !had_problem && read.problem.is_none() {
            return Ok(false);
        }
        let page = &mut book.pages[i];
        let old_front = page.front.clone();
        let mut diags = page.set_text(read.text);
        diags.extend(read.problem);
        if page.front != old_front {
            self.dirty_generated = true;
        }
        book.diagnostics.retain(|d| d.file != file);
        book.diagnostics.extend(diags);
        Ok(true)
    }

    /// Pages that have an error in the current diagnostics.
    fn error_pages(&self) -> BTreeSet<usize> {
        let Some(book) = &self.book else {
            return BTreeSet::new();
        };
        let by_file = book.pages_by_file();
        self.diagnostics
            .iter()
            .filter(|d| d.is_error())
            .filter_map(|d| by_file.get(d.file.as_str()).copied())
            .collect()
    }

    /// Validates the whole book and rebuilds the link graph.
    fn full_validate(&mut self, book: &LoadedBook, resolver: &Resolver<'_>) {
        let Some(shadow) = self.shadow.as_ref() else {
            return;
        };
        let today = self.opts.today;
        let n = book.pages.len();
        let full = validate::validate(book, resolver, today);
        let base = validate::validate(shadow, resolver, today).diagnostics;
        self.base = Some(base.clone());
        self.link_diags = vec![Vec::new(); n];
        self.other_link_diags.clear();
        self.assign_link_diags(book, subtract(full.diagnostics, &base));
        // The validation followed every link already.
        self.forward = full.links;
        self.linkers = vec![BTreeSet::new(); n];
        for (from, targets) in self.forward.iter().enumerate() {
            for &t in targets {
                self.linkers[t].insert(from);
            }
        }
        self.diagnostics = self.combine(base);
    }

    /// Re-validates the Markdown of the pages in `recheck`; every other page keeps the
    /// link diagnostics it had.
    fn partial_validate(
        &mut self,
        book: &LoadedBook,
        resolver: &Resolver<'_>,
        recheck: &BTreeSet<usize>,
    ) {
        let Some(shadow) = self.shadow.as_mut() else {
            return;
        };
        let today = self.opts.today;
        for &i in recheck {
            shadow.pages[i].markdown = book.pages[i].markdown.clone();
        }
        let mut with = validate::validate(shadow, resolver, today);
        for &i in recheck {
            shadow.pages[i].markdown = String::new();
        }
        let base = self
            .base
            .get_or_insert_with(|| validate::validate(shadow, resolver, today).diagnostics)
            .clone();
        for &i in recheck {
            self.link_diags[i].clear();
        }
        self.assign_link_diags(book, subtract(with.diagnostics, &base));
        let links = recheck
            .iter()
            .map(|&i| (i, std::mem::take(&mut with.links[i])));
        self.update_links(links);
        self.diagnostics = self.combine(base);
    }

    /// [`Plan::Links`]: checks the Markdown of the pages in `recheck` alone (the book's
    /// other diagnostics are the cached ones of the book without Markdown, still valid).
    /// Returns the pages their links pointed at before or point at now.
    fn check_markdown(
        &mut self,
        book: &LoadedBook,
        resolver: &Resolver<'_>,
        recheck: &BTreeSet<usize>,
    ) -> BTreeSet<usize> {
        let base = self.base.clone().unwrap_or_default();
        let checked: Vec<(usize, Vec<Diagnostic>, Vec<usize>)> = recheck
            .par_iter()
            .map(|&i| {
                let (diags, _, targets) = validate::markdown_checks(book, resolver, i);
                (i, diags, targets)
            })
            .collect();
        let mut links = Vec::with_capacity(checked.len());
        for (i, diags, targets) in checked {
            self.link_diags[i] = subtract(diags, &base);
            links.push((i, targets));
        }
        let touched = self.update_links(links);
        self.diagnostics = self.combine(base);
        touched
    }

    /// Puts the pages that each of the given pages' links now point at (as validation
    /// found them) into the link graph (`forward`, `linkers`). Returns the pages they
    /// pointed at before or point at now.
    fn update_links(
        &mut self,
        links: impl IntoIterator<Item = (usize, Vec<usize>)>,
    ) -> BTreeSet<usize> {
        let mut touched = BTreeSet::new();
        for (i, targets) in links {
            for &t in &self.forward[i] {
                self.linkers[t].remove(&i);
                touched.insert(t);
            }
            for &t in &targets {
                self.linkers[t].insert(i);
                touched.insert(t);
            }
            self.forward[i] = targets;
        }
        touched
    }

    fn assign_link_diags(&mut self, book: &LoadedBook, diags: Vec<Diagnostic>) {
        let by_file = book.pages_by_file();
        for d in diags {
            match by_file.get(d.file.as_str()) {
                Some(&i) => self.link_diags[i].push(d),
                None => self.other_link_diags.push(d),
            }
        }
    }

    fn combine(&self, base: Vec<Diagnostic>) -> Vec<Diagnostic> {
        let mut all = base;
        all.extend(self.other_link_diags.iter().cloned());
        all.extend(self.link_diags.iter().flatten().cloned());
        diagnostics::sort(&mut all);
        all
    }

    /// Renders what is dirty (everything after a reload) into the site folder.
    fn render(
        &mut self,
        book: &LoadedBook,
        resolver: &Resolver<'_>,
        outcome: &mut Outcome,
    ) -> Result<(), RenderError> {
        let full = self.needs_full_render;
        let pages: Vec<usize> = if full {
            (0..book.pages.len()).collect()
        } else {
            self.dirty.iter().copied().collect()
        };
        if pages.is_empty() && !self.dirty_generated {
            return Ok(());
        }
        let history = self.history.as_deref();
        let site = context::Site::new(book, &self.nav, self.opts.today).with_history(history);
        let env = &self.env;
        let out = &self.out;
        // Diff pages depend only on the history, read at start: written by full renders.
        let rendered: Vec<(usize, Vec<SectionDoc>, Vec<String>)> = pages
            .par_iter()
            .map(|&i| {
                let body = page::render(book, resolver, i, &book.pages[i].markdown);
                let html = render::render_chapter(env, &site, book, i, &body.html)?;
                out.write(&book.pages[i].url, html.as_bytes())?;
                let mut diffs = Vec::new();
                if let Some(history) = history.filter(|_| full) {
                    let reader = history.reader();
                    for (rel, html) in render::changes::diff_pages(
                        env, &site, book, resolver, history, &reader, i,
                    )? {
                        out.write(&rel, html.as_bytes())?;
                        diffs.push(rel);
                    }
                }
                Ok((i, context::search_docs(book, i, &body.sections), diffs))
            })
            .collect::<Result<_, RenderError>>()?;
        let mut written: BTreeSet<String> = BTreeSet::new();
        if full {
            for asset in &self.theme.assets {
                self.out.write(&asset.path, &asset.bytes)?;
                written.insert(asset.path.clone());
            }
            for rel in &self.src_files {
                if rel.ends_with(".md") || render::owned_by_site(rel, &self.theme) {
                    continue;
                }
                let bytes = book.source.read(rel).map_err(|e| {
                    RenderError(format!("kan inte läsa `{}/{rel}`: {e}", book.src_name))
                })?;
                self.out.write(rel, &bytes)?;
                written.insert(rel.clone());
            }
            self.sections = (0..book.pages.len()).map(|_| Arc::default()).collect();
        }
        for &i in &pages {
            outcome.changed.push(book.pages[i].url.clone());
            written.insert(book.pages[i].url.clone());
        }
        for (i, docs, diffs) in rendered {
            self.sections[i] = Arc::new(docs);
            written.extend(diffs);
        }
        if full || self.dirty_generated {
            let generated = self.write_generated(book, &site)?;
            outcome.changed.extend(generated.iter().cloned());
            written.extend(generated);
        }
        if full {
            for stale in self.written.difference(&written) {
                self.out.remove(stale);
            }
            self.written = written;
        }
        self.out.remove(PLACEHOLDER_MARK);
        self.needs_full_render = false;
        self.dirty.clear();
        self.dirty_generated = false;
        outcome.reloaded = true;
        outcome.search = Some(self.sections.clone());
        Ok(())
    }

    /// Writes the generated pages through a scratch folder, each file replaced in one
    /// rename. Returns their site paths.
    fn write_generated(
        &self,
        book: &LoadedBook,
        site: &context::Site<'_>,
    ) -> Result<Vec<String>, RenderError> {
        let dir = self.out.temp_path("generated");
        let scratch = OutputRoot::new(&dir).map_err(|e| io_err(&dir, e))?;
        let statement = context::statement(book, &crate::a11y::CheckCounts::of_book(book));
        render::write_generated(&self.env, site, book, &statement, &scratch)?;
        let mut files = Vec::new();
        for entry in walkdir::WalkDir::new(&dir)
            .into_iter()
            .filter_map(Result::ok)
        {
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(rel) = entry.path().strip_prefix(&dir) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            self.out.move_in(entry.path(), &rel)?;
            files.push(rel);
        }
        let _ = std::fs::remove_dir_all(&dir);
        Ok(files)
    }

    /// A start page for a book that cannot be loaded yet: it only carries the live
    /// reload script (and its overlay's stylesheet), whose overlay lists the problems.
    fn write_placeholder(&self) -> Result<(), RenderError> {
        let preview_assets = self
            .theme
            .assets
            .iter()
            .filter(|a| crate::theme::PREVIEW_ONLY_ASSETS.contains(&a.name.as_str()));
        for asset in preview_assets {
            self.out.write(&asset.path, &asset.bytes)?;
        }
        let script = self
            .theme
            .asset_path("js/live-reload.js")
            .unwrap_or("js/live-reload.js");
        let html = format!(
            "<!doctype html>\n<html lang=\"sv\" data-root=\"\">\n<head><meta charset=\"utf-8\"><title>Boken kan inte byggas</title>\n<script src=\"{script}\" defer></script></head>\n<body><main><h1>Boken kan inte byggas än</h1><p>Rätta felen som visas här och i terminalen; sidan laddas om av sig själv.</p></main></body>\n</html>\n"
        );
        self.out.write("index.html", html.as_bytes())?;
        self.out.write(PLACEHOLDER_MARK, b"placeholder\n")
    }
}

/// Marks a site folder that only holds the placeholder start page.
const PLACEHOLDER_MARK: &str = ".samsyn-placeholder";

/// The theme's templates with `live_reload` set, so `base.html` adds the reload script.
fn live_env(theme: &Theme) -> Result<Environment<'static>, String> {
    let mut env = theme.environment()?;
    env.add_global("live_reload", true);
    Ok(env)
}

/// Every file under `dir`, `/`-separated and relative to it.
fn scan_files(dir: &Path) -> BTreeSet<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && !super::watch::is_editor_noise(e.path()))
        .filter_map(|e| {
            e.path()
                .strip_prefix(dir)
                .ok()
                .map(|p| p.to_string_lossy().replace('\\', "/"))
        })
        .collect()
}

type DiagKey = (String, usize, usize, &'static str, String);

fn key(d: &Diagnostic) -> DiagKey {
    (d.file.clone(), d.line, d.column, d.code, d.message.clone())
}

/// `all` without the diagnostics of `base` (as multisets).
fn subtract(all: Vec<Diagnostic>, base: &[Diagnostic]) -> Vec<Diagnostic> {
    let mut counts: HashMap<DiagKey, usize> = HashMap::new();
    for d in base {
        *counts.entry(key(d)).or_default() += 1;
    }
    all.into_iter()
        .filter(|d| match counts.get_mut(&key(d)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The date the engine tests validate with.
    const TODAY: NaiveDate = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();

    /// An engine started on a copy of the `basic` fixture at `tmp/bok`, serving
    /// `tmp/site`. Returns it and the book folder.
    fn fixture_engine(tmp: &Path) -> (Engine, PathBuf) {
        let book_dir = tmp.join("bok");
        copy_fixture(&book_dir);
        let out = Output::new(tmp.join("site"), tmp.join("scratch")).unwrap();
        let options = EngineOptions {
            book_dir: book_dir.clone(),
            theme_dir: None,
            today: TODAY,
            writers: Writers::default(),
        };
        let (engine, _) = Engine::start(options, Arc::new(out)).unwrap();
        (engine, book_dir)
    }

    fn copy_fixture(to: &Path) {
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/basic");
        for entry in walkdir::WalkDir::new(&from) {
            let entry = entry.unwrap();
            let target = to.join(entry.path().strip_prefix(&from).unwrap());
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&target).unwrap();
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
    }

    /// After every edit the engine's diagnostics (partly re-validated) equal a
    /// full check of the book as it is on disk.
    #[test]
    fn incremental_diagnostics_equal_a_full_check() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut engine, book_dir) = fixture_engine(tmp.path());
        let today = TODAY;
        let src = book_dir.join("src");
        let edit = |rel: &str, f: &dyn Fn(String) -> String| {
            let path = src.join(rel);
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            std::fs::write(&path, f(text)).unwrap();
            path
        };
        type Edit<'a> = (&'a str, Box<dyn Fn(String) -> String>);
        let steps: Vec<Edit> = vec![
            ("om.md", Box::new(|t| format!("{t}\n[trasig](saknas.md)\n"))),
            ("avtal/huvud.md", Box::new(|t| t.replace("{#sip}", "{#x}"))),
            ("avtal/huvud.md", Box::new(|t| t.replace("{#x}", "{#sip}"))),
            (
                "om.md",
                Box::new(|t| t.replace("[trasig](saknas.md)", "text")),
            ),
            (
                "avtal/huvud.md",
                Box::new(|t| t.replace("doc_id = \"100\"", "doc_id = \"101\"")),
            ),
            (
                "begrepp.md",
                Box::new(|t| format!("{t}\n+ [doc](doc:101)\n")),
            ),
            (
                "avtal/huvud.md",
                Box::new(|t| t.replace("doc_id = \"101\"", "doc_id = \"100\"")),
            ),
            ("begrepp.md", Box::new(|t| t.replace("doc:101", "doc:100"))),
            (
                "om.md",
                Box::new(|t| format!("{t}\n![ny](bilder/ny.png)\n")),
            ),
            ("bilder/ny.png", Box::new(|_| "png".into())),
            (
                "avtal/huvud.md",
                Box::new(|t| t.replacen("version", "versio", 1)),
            ),
            (
                "avtal/huvud.md",
                Box::new(|t| t.replacen("versio", "version", 1)),
            ),
            // A diagnostic of the book without Markdown (the overdue review) goes away
            // with a front-matter edit, and comes back.
            (
                "avtal/huvud.md",
                Box::new(|t| t.replace("review_by = 2021-10-31", "review_by = 2099-10-31")),
            ),
            (
                "avtal/huvud.md",
                Box::new(|t| t.replace("review_by = 2099-10-31", "review_by = 2021-10-31")),
            ),
        ];
        let mut errors_seen = 0;
        for (i, (rel, f)) in steps.iter().enumerate() {
            let path = edit(rel, f.as_ref());
            let outcome = engine.apply(&BTreeSet::from([path]));
            let checked = crate::pipeline::check(&book_dir, today).unwrap();
            let expected = checked.diagnostics;
            assert_eq!(engine.diagnostics(), expected, "after step {i} ({rel})");
            // The lifecycle too ("Hänvisas från" lists), where the book has no errors
            // (a book with errors keeps the lifecycle it was last rendered with).
            if !expected.iter().any(|d| d.is_error()) {
                let ours = engine.book.as_ref().map(|b| b.lifecycle.clone());
                let theirs = checked.book.map(|b| b.lifecycle);
                assert_eq!(ours, theirs, "lifecycle after step {i} ({rel})");
            }
            errors_seen += expected.iter().filter(|d| d.is_error()).count();
            if !expected.iter().any(|d| d.is_error()) {
                assert!(outcome.reloaded, "step {i} rendered");
            }
        }
        assert!(
            errors_seen >= 5,
            "the steps exercised errors: {errors_seen}"
        );
        // Most steps change only Markdown: those checked the saved pages alone.
        assert!(
            engine.markdown_only_updates() >= 5,
            "Markdown-only updates: {}",
            engine.markdown_only_updates()
        );
    }

    /// A chapter that is not UTF-8, a chapter replaced by a symlink out of the
    /// source folder, and an asset symlink: the preview reports exactly what a full
    /// check does and publishes nothing from outside.
    #[cfg(unix)]
    #[test]
    fn rereads_are_confined_and_located_like_a_full_check() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut engine, book_dir) = fixture_engine(tmp.path());
        let victim = tmp.path().join("hemlig.md");
        std::fs::write(&victim, "# Hemlig\n\nfladdermusvinge\n").unwrap();
        let today = TODAY;
        let site = tmp.path().join("site");
        let check = || {
            crate::pipeline::check(&book_dir, today)
                .unwrap()
                .diagnostics
        };
        let om = book_dir.join("src/om.md");
        let original = std::fs::read(&om).unwrap();
        let lines = original.iter().filter(|&&b| b == b'\n').count();

        let mut bad = original.clone();
        bad.extend_from_slice(b"\nTrasig \xff byte.\n");
        std::fs::write(&om, &bad).unwrap();
        engine.apply(&BTreeSet::from([om.clone()]));
        let diags = engine.diagnostics();
        assert_eq!(diags, check());
        assert!(
            diags.iter().any(|d| d.code == "invalid-utf8"
                && d.file.ends_with("src/om.md")
                && (d.line, d.column) == (lines + 2, 8)),
            "{diags:?}"
        );

        std::fs::write(&om, &original).unwrap();
        engine.apply(&BTreeSet::from([om.clone()]));
        assert!(!engine.diagnostics().iter().any(Diagnostic::is_error));

        std::fs::remove_file(&om).unwrap();
        std::os::unix::fs::symlink(&victim, &om).unwrap();
        engine.apply(&BTreeSet::from([om.clone()]));
        let diags = engine.diagnostics();
        assert_eq!(diags, check());
        assert!(
            diags.iter().any(|d| d.code == "chapter-outside-src"),
            "{diags:?}"
        );

        let image = book_dir.join("src/bilder/ut.png");
        std::os::unix::fs::symlink(&victim, &image).unwrap();
        engine.apply(&BTreeSet::from([image]));
        for (path, bytes) in walkdir::WalkDir::new(&site)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| (e.path().to_path_buf(), std::fs::read(e.path()).unwrap()))
        {
            assert!(
                !String::from_utf8_lossy(&bytes).contains("fladdermusvinge"),
                "{} has the victim's text",
                path.display()
            );
        }
        assert!(!site.join("bilder/ut.png").exists());
    }

    fn diag(file: &str, line: usize, message: &str) -> Diagnostic {
        let mut d = Diagnostic::file_level(file, Severity::Error, "broken-link", message);
        d.line = line;
        d
    }

    #[test]
    fn subtract_removes_each_base_diagnostic_once() {
        let all = vec![
            diag("a.md", 1, "x"),
            diag("a.md", 1, "x"),
            diag("b.md", 2, "y"),
        ];
        let base = vec![diag("a.md", 1, "x"), diag("c.md", 3, "z")];
        let left = subtract(all, &base);
        assert_eq!(left, vec![diag("a.md", 1, "x"), diag("b.md", 2, "y")]);
    }
}
