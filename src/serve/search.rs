//! The preview's search index, kept up with the saves on two threads: the full index is
//! rebuilt in the background (seconds on a large book), and meanwhile each save writes an
//! overlay of the pages changed since the full index was built, in a moment (see
//! `search_index::overlay`). Both tell the open pages with the `search` event.

use super::engine::{Output, Sections};
use super::http::Shared;
use search_index::SectionDoc;
use search_index::overlay;
use search_index::synonyms::Synonyms;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

/// What the search index is built from: the pages' sections and the glossary's synonyms,
/// as of a site generation ([`super::http::Status::generation`]).
struct SearchInput {
    generation: u64,
    sections: Sections,
    synonyms: Synonyms,
    /// The served reader opens overlays; else the full rebuild alone follows the save.
    overlays: bool,
}

type Input = Arc<SearchInput>;

/// The full index being served: its input and what overlays over it need.
struct Full {
    input: Input,
    base: overlay::Base,
    /// Each page's sections in `input`, by the page's URL.
    pages: HashMap<String, Arc<Vec<SectionDoc>>>,
}

#[derive(Default)]
struct State {
    /// The newest input and its number (0: none yet).
    latest: Option<Input>,
    number: u64,
    /// The input numbers the full rebuild and the overlay last took, and the one the
    /// served index last showed (by an overlay, or by the full index itself).
    full_taken: u64,
    overlay_taken: u64,
    shown: u64,
    full: Option<Arc<Full>>,
    /// Overlays written (their file prefixes are numbered by it).
    overlays: u64,
}

/// Keeps the served search index up with the newest sections.
#[derive(Clone)]
pub struct SearchWorker {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    wake: Condvar,
    /// Held while the served index folder changes (a full index replacing it, an overlay
    /// written into it).
    publish: Mutex<()>,
    /// The preview is stopping: nothing more is written into the served folder.
    stopping: AtomicBool,
    out: Arc<Output>,
    shared: Arc<Shared>,
}

impl Inner {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The right to change the served index folder; None once the preview is stopping.
    fn publish(&self) -> MutexGuard<'_, ()> {
        self.publish.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn may_publish(&self) -> Option<MutexGuard<'_, ()>> {
        let guard = self.publish();
        (!self.stopping.load(Ordering::SeqCst)).then_some(guard)
    }

    /// Waits until `take` finds work in the state.
    fn wait_for<T>(&self, mut take: impl FnMut(&mut State) -> Option<T>) -> T {
        let mut state = self.state();
        loop {
            if let Some(work) = take(&mut state) {
                return work;
            }
            state = self.wake.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn search_dir(&self) -> Result<PathBuf, String> {
        self.out
            .confined(crate::book::SEARCH_INDEX_DIR)
            .map_err(|e| e.0)
    }

    /// Tells the pages that the served index changed (to an overlay or a full index) and
    /// now shows `input`.
    fn announce(&self, overlay: bool, input: &SearchInput) {
        {
            let mut status = self.shared.status();
            status.search_generation += 1;
            status.search_overlay = overlay;
            status.search_shows = input.generation;
        }
        self.shared.broadcast("search");
    }
}

impl SearchWorker {
    pub fn start(out: Arc<Output>, shared: Arc<Shared>) -> SearchWorker {
        let inner = Arc::new(Inner {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            publish: Mutex::new(()),
            stopping: AtomicBool::new(false),
            out,
            shared,
        });
        let full = inner.clone();
        std::thread::spawn(move || full_loop(&full));
        let overlays = inner.clone();
        std::thread::spawn(move || overlay_loop(&overlays));
        SearchWorker { inner }
    }

    /// Writes nothing more into the served folder (waits for a write under way): the
    /// preview is stopping and removes it. A full index being built in the scratch folder
    /// fails once that folder is gone.
    pub fn stop(&self) {
        let _publishing = self.inner.publish();
        self.inner.stopping.store(true, Ordering::SeqCst);
    }

    /// The sections of site generation `generation`, the newest: an overlay follows at
    /// once (if the served reader opens overlays), the full index in the background.
    pub fn submit(&self, generation: u64, sections: Sections, synonyms: Synonyms, overlays: bool) {
        let mut state = self.inner.state();
        state.latest = Some(Arc::new(SearchInput {
            generation,
            sections,
            synonyms,
            overlays,
        }));
        state.number += 1;
        drop(state);
        self.inner.wake.notify_all();
    }
}

/// Rebuilds the full index whenever there is newer input than it was built from.
fn full_loop(inner: &Inner) {
    // The index is built on a pool of its own with one thread, so that the pages a save
    // re-renders (on rayon's global pool) do not queue behind its work: a reload waits
    // for at most a core's share, not for the whole build.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .thread_name(|_| "samsyn-search-index".into())
        .build()
        .ok();
    loop {
        // A save's overlay goes first: the full index is rebuilt once the served one
        // shows the newest input (so a save is findable at once, and the pages hear of
        // the overlay before the full index).
        let (number, input) = inner.wait_for(full_work);
        let Some(input) = input else { continue };
        let started = Instant::now();
        let build = || build_full(inner, &input);
        let built = match &pool {
            Some(pool) => pool.install(build),
            None => build(),
        };
        match built {
            Ok((count, built)) => {
                // (No overlay is announced before the first full index.)
                let first = inner.shared.status().search_generation == 0;
                {
                    let Some(_publishing) = inner.may_publish() else {
                        return;
                    };
                    if let Err(e) = publish_full(inner, &built) {
                        eprintln!("varning: sökindexet kunde inte bytas ut: {e}");
                        continue;
                    }
                    // Announced before an overlay over it can be.
                    inner.announce(false, &input);
                    let mut state = inner.state();
                    state.full = Some(Arc::new(built.index));
                    // Saves made during the build get an overlay over the new index.
                    state.overlay_taken = number;
                    state.shown = number;
                }
                inner.wake.notify_all();
                if first {
                    eprintln!(
                        "Sökindexet är klart: {count} avsnitt på {:.2} s.",
                        started.elapsed().as_secs_f64()
                    );
                }
            }
            Err(e) => eprintln!("varning: sökindexet kunde inte byggas: {e}"),
        }
    }
}

/// The input the full rebuild takes next (its number), if it may start: there is newer
/// input than it took, and the served index shows the newest (by its overlay), so that a
/// save is findable at once and its overlay is announced before the full index.
fn full_work(s: &mut State) -> Option<(u64, Option<Input>)> {
    let overlay_first = s.full.is_some() && s.shown < s.number;
    (s.number > s.full_taken && !overlay_first).then(|| {
        s.full_taken = s.number;
        (s.number, s.latest.clone())
    })
}

/// What the overlay thread takes next: the newest input, the full index it is laid over,
/// the input's number and the overlay's; once there is a full index and newer input than
/// the overlay took.
fn overlay_work(s: &mut State) -> Option<(Option<Input>, Arc<Full>, u64, u64)> {
    let full = s.full.clone()?;
    (s.number > s.overlay_taken).then(|| {
        s.overlay_taken = s.number;
        s.overlays += 1;
        (s.latest.clone(), full, s.number, s.overlays)
    })
}

/// A full index built in the scratch folder, not served yet.
struct Built {
    dir: PathBuf,
    index: Full,
}

/// Builds the browser's search index in the scratch folder (no tantivy index: nothing in
/// the preview reads it).
fn build_full(inner: &Inner, input: &Input) -> anyhow::Result<(usize, Built)> {
    let SearchInput {
        sections, synonyms, ..
    } = &**input;
    let docs: Vec<SectionDoc> = sections.iter().flat_map(|s| s.iter().cloned()).collect();
    let dir = inner.out.temp_path("search");
    let (_, base) = overlay::build_base(&docs, synonyms, &dir)?;
    let pages = sections
        .iter()
        .filter_map(|s| Some((page_key(s)?, s.clone())))
        .collect();
    let index = Full {
        input: input.clone(),
        base,
        pages,
    };
    Ok((docs.len(), Built { dir, index }))
}

fn publish_full(inner: &Inner, built: &Built) -> Result<(), String> {
    inner
        .out
        .replace_dir(&built.dir, crate::book::SEARCH_INDEX_DIR)
        .map_err(|e| e.0)
}

/// The URL (without anchor) of a page's sections; None for a page without any.
fn page_key(sections: &[SectionDoc]) -> Option<String> {
    Some(overlay::page_url(&sections.first()?.url).to_string())
}

/// Writes an overlay whenever there is newer input than the served index shows.
fn overlay_loop(inner: &Inner) {
    loop {
        let (input, full, number, n) = inner.wait_for(overlay_work);
        let Some(input) = input else { continue };
        let started = Instant::now();
        let Some(publishing) = inner.may_publish() else {
            return;
        };
        // A full index published while this one waited is newer than `full`.
        let current = inner.state().full.clone();
        if !current.is_some_and(|c| Arc::ptr_eq(&c, &full)) {
            continue;
        }
        // (The input the full index was built from needs no overlay.)
        if input.overlays && !Arc::ptr_eq(&input, &full.input) {
            match write_overlay(inner, &input, &full, n) {
                // Too much of the book changed: the full rebuild follows it alone.
                Ok(None) => {}
                Ok(Some(sections)) => {
                    if std::env::var_os("SAMSYN_TIMINGS").is_some() {
                        eprintln!(
                            "tid: förhandsvisning, sökindexets tillägg ({sections} avsnitt) {:.3} s",
                            started.elapsed().as_secs_f64()
                        );
                    }
                    inner.announce(true, &input);
                }
                Err(e) => eprintln!("varning: sökindexet kunde inte uppdateras: {e}"),
            }
        }
        // Shown (announced before the full rebuild can start), or given up on: either way
        // the full rebuild may go on.
        inner.state().shown = number;
        inner.wake.notify_all();
        drop(publishing);
    }
}

/// Writes overlay `n`: the pages of `input` whose sections differ from those `full` was
/// built from, in place of those pages and of the pages gone since. Returns its sections.
fn write_overlay(
    inner: &Inner,
    input: &Input,
    full: &Full,
    n: u64,
) -> anyhow::Result<Option<usize>> {
    let (docs, replaced) = changes(&input.sections, &full.pages);
    let sections: usize = input.sections.iter().map(|p| p.len()).sum();
    if !overlay_pays(docs.len(), sections) {
        return Ok(None);
    }
    let hidden = full.base.vpages_of(replaced.iter().map(String::as_str));
    let dir = inner.search_dir().map_err(anyhow::Error::msg)?;
    overlay::write(&docs, &input.synonyms, &full.base, &hidden, &dir, n)?;
    Ok(Some(docs.len()))
}

/// Whether an overlay of `changed` sections of a book of `total` is worth writing: one
/// that covers much of the book (a renamed part changes the heading path of every page in
/// it) would cost about what the full rebuild costs, on the cores the next save's
/// re-render needs, and the full rebuild would follow it anyway.
fn overlay_pays(changed: usize, total: usize) -> bool {
    changed <= OVERLAY_MIN_SECTIONS.max(total / 10)
}

/// Sections an overlay may always have (a few seconds' work at most).
const OVERLAY_MIN_SECTIONS: usize = 5_000;

/// The sections of the pages that differ from `before` (by URL), and the URLs of the pages
/// whose sections in `before` they replace: the changed pages and those gone.
fn changes(
    sections: &Sections,
    before: &HashMap<String, Arc<Vec<SectionDoc>>>,
) -> (Vec<SectionDoc>, Vec<String>) {
    let mut docs = Vec::new();
    let mut replaced = Vec::new();
    let mut present = HashSet::new();
    for page in sections {
        let Some(key) = page_key(page) else { continue };
        // Pages the engine did not render again keep their sections' Arc; a change of the
        // page list renders every page again.
        match before.get_key_value(&key) {
            Some((k, old)) => {
                present.insert(k.as_str());
                if !Arc::ptr_eq(old, page) && old != page {
                    docs.extend(page.iter().cloned());
                    replaced.push(key);
                }
            }
            None => docs.extend(page.iter().cloned()),
        }
    }
    replaced.extend(
        before
            .keys()
            .filter(|k| !present.contains(k.as_str()))
            .cloned(),
    );
    (docs, replaced)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(url: &str, body: &str) -> Arc<Vec<SectionDoc>> {
        Arc::new(vec![SectionDoc {
            url: format!("{url}#a"),
            body: body.to_string(),
            ..SectionDoc::default()
        }])
    }

    #[test]
    fn a_saves_overlay_goes_before_the_full_rebuild_that_follows_it() {
        let mut s = State::default();
        let submit = |s: &mut State| s.number += 1;
        // The first full index goes at once (there is nothing to lay an overlay over).
        submit(&mut s);
        assert_eq!(full_work(&mut s).map(|w| w.0), Some(1));
        assert!(
            overlay_work(&mut s).is_none(),
            "no overlay before a full index"
        );
        s.full = Some(Arc::new(Full {
            input: Arc::new(SearchInput {
                generation: 1,
                sections: Vec::new(),
                synonyms: Synonyms::default(),
                overlays: true,
            }),
            base: overlay::Base::default(),
            pages: HashMap::new(),
        }));
        (s.overlay_taken, s.shown) = (1, 1);
        // A save: the overlay first; the full rebuild once the overlay is shown.
        submit(&mut s);
        assert!(full_work(&mut s).is_none());
        assert_eq!(overlay_work(&mut s).map(|w| (w.2, w.3)), Some((2, 1)));
        assert!(overlay_work(&mut s).is_none());
        s.shown = 2;
        assert_eq!(full_work(&mut s).map(|w| w.0), Some(2));
        // Two saves while it builds: one overlay of the newest, then one rebuild.
        submit(&mut s);
        submit(&mut s);
        assert!(full_work(&mut s).is_none());
        assert_eq!(overlay_work(&mut s).map(|w| (w.2, w.3)), Some((4, 2)));
        s.shown = 4;
        assert_eq!(full_work(&mut s).map(|w| w.0), Some(4));
    }

    #[test]
    fn an_overlay_of_much_of_a_large_book_is_left_to_the_full_rebuild() {
        assert!(overlay_pays(1, 10));
        assert!(overlay_pays(5_000, 6_000));
        assert!(overlay_pays(60_000, 650_000));
        assert!(!overlay_pays(70_000, 650_000));
        assert!(!overlay_pays(650_000, 650_000));
    }

    #[test]
    fn an_overlay_takes_the_changed_and_new_pages_in_place_of_the_changed_and_gone_ones() {
        let kept = page("kept.html", "same");
        let before: HashMap<String, Arc<Vec<SectionDoc>>> = [
            ("kept.html", kept.clone()),
            ("again.html", page("again.html", "same text")),
            ("edited.html", page("edited.html", "old")),
            ("gone.html", page("gone.html", "old")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let now: Sections = vec![
            kept,
            // Rendered again with the same sections: not in the overlay.
            page("again.html", "same text"),
            page("edited.html", "new"),
            page("new.html", "new"),
            Arc::new(Vec::new()),
        ];
        let (docs, mut replaced) = changes(&now, &before);
        let urls: Vec<&str> = docs.iter().map(|d| d.url.as_str()).collect();
        assert_eq!(urls, ["edited.html#a", "new.html#a"]);
        replaced.sort();
        assert_eq!(replaced, ["edited.html", "gone.html"]);
    }
}
