//! Watching the book and theme folders: notify events, debounced into one set of
//! changed paths per save, whatever way the editor saves.
//!
//! Editors save in many ways: writing in place (several modify events), writing a
//! temporary file and renaming it over the page (create + rename), or removing the
//! page and writing it anew, with swap, backup and lock files beside it. The watcher
//! collects paths until the folder has been quiet for [`QUIET`], drops editor
//! noise, and waits a little longer when a path has just disappeared (it is usually
//! back a moment later). A path is never handed over while its events go on or its
//! writer has it open (see [`Writers`]): a save written in place (truncate, then
//! chunks) is read only once it is complete.

use notify::{EventKind, RecursiveMode, Watcher};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use super::settle::{QUIET, Writers};

/// How long a batch waits for the whole folder to be quiet; after that, the paths
/// that are quiet go ahead of one that is still being written.
pub const MAX_WAIT: Duration = Duration::from_millis(1000);
/// How long to wait for a file that disappeared to come back (remove + rewrite).
pub const REAPPEAR: Duration = Duration::from_millis(150);

/// Whether a file name is an editor's temporary, swap, backup or lock file.
pub fn is_editor_noise(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return true;
    };
    let lower = name.to_ascii_lowercase();
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || [
            ".swp",
            ".swx",
            ".swo",
            ".tmp",
            ".temp",
            ".bak",
            ".orig",
            ".crswap",
            ".part",
            "___jb_tmp___",
            "___jb_old___",
        ]
        .iter()
        .any(|s| lower.ends_with(s))
        || name.chars().all(|c| c.is_ascii_digit())
        || lower.contains(".tmp.")
        || lower.starts_with("~$")
}

/// Starts watching `dirs` (recursively), telling `writers` about every event as it
/// arrives. The watcher stops when the returned handle is dropped.
pub fn watch(
    dirs: &[PathBuf],
    writers: &Writers,
) -> notify::Result<(notify::RecommendedWatcher, Batches)> {
    let (tx, rx) = channel();
    let seen_by = writers.clone();
    let mut watcher = notify::recommended_watcher(move |ev: notify::Result<notify::Event>| {
        if let Ok(event) = &ev
            && seen_by.note(event)
        {
            return;
        }
        let _ = tx.send(ev);
    })?;
    for dir in dirs {
        watcher.watch(dir, RecursiveMode::Recursive)?;
    }
    if let Some(dir) = writers.probe_dir() {
        watcher.watch(dir, RecursiveMode::NonRecursive)?;
    }
    Ok((watcher, Batches::new(rx, writers.clone())))
}

/// The paths an event is about, when it is a change (reads and opens are not).
fn changed_paths(event: notify::Result<notify::Event>) -> Vec<PathBuf> {
    match event {
        Ok(ev) => match ev.kind {
            EventKind::Access(notify::event::AccessKind::Close(
                notify::event::AccessMode::Write,
            ))
            | EventKind::Create(_)
            | EventKind::Modify(_)
            | EventKind::Remove(_)
            | EventKind::Any => ev.paths,
            EventKind::Other if ev.need_rescan() => ev.paths,
            _ => Vec::new(),
        },
        Err(_) => Vec::new(),
    }
}

/// Turns the watcher's events into batches of changed paths, each handed over only
/// once it is quiet: a file that is still being written is never part of a batch.
pub struct Batches {
    rx: Receiver<notify::Result<notify::Event>>,
    writers: Writers,
    /// Changed paths not handed over yet, with the time of their last event.
    pending: BTreeMap<PathBuf, Instant>,
}

impl Batches {
    fn new(rx: Receiver<notify::Result<notify::Event>>, writers: Writers) -> Batches {
        Batches {
            rx,
            writers,
            pending: BTreeMap::new(),
        }
    }

    fn note(&mut self, event: notify::Result<notify::Event>) {
        let now = Instant::now();
        for path in changed_paths(event) {
            self.pending.insert(path, now);
        }
    }

    /// Whether a pending path has had no event for `quiet` and no one is writing it.
    fn is_quiet(&self, path: &Path, last: Instant, quiet: Duration) -> bool {
        last.elapsed() >= quiet && !self.writers.is_writing(path)
    }

    /// Blocks until a batch of changes is complete and returns it (absolute paths,
    /// noise included: the engine decides what matters). `None` when the watcher is
    /// gone.
    ///
    /// A batch is complete when every changed path has been quiet for [`QUIET`]
    /// (longer while a page has just disappeared, see [`REAPPEAR`]) and none is still
    /// open for writing. When changes go on for longer than [`MAX_WAIT`], the quiet
    /// paths are handed over without the others, which stay for a later batch: a
    /// file is never handed over in the middle of a save.
    pub fn next_batch(&mut self) -> Option<BTreeSet<PathBuf>> {
        while self.pending.is_empty() {
            let event = self.rx.recv().ok()?;
            self.note(event);
        }
        let started = Instant::now();
        let mut quiet = QUIET;
        loop {
            let all_quiet = self
                .pending
                .iter()
                .all(|(p, &at)| self.is_quiet(p, at, quiet));
            if all_quiet {
                let missing = self
                    .pending
                    .keys()
                    .any(|p| !is_editor_noise(p) && !p.exists());
                if missing && quiet < REAPPEAR && started.elapsed() < MAX_WAIT {
                    quiet = REAPPEAR;
                    continue;
                }
                return Some(std::mem::take(&mut self.pending).into_keys().collect());
            }
            if started.elapsed() >= MAX_WAIT {
                let ready: BTreeSet<PathBuf> = self
                    .pending
                    .iter()
                    .filter(|(p, at)| self.is_quiet(p, **at, QUIET))
                    .map(|(p, _)| p.clone())
                    .collect();
                if !ready.is_empty() {
                    self.pending.retain(|p, _| !ready.contains(p));
                    return Some(ready);
                }
            }
            // Until the newest event is `quiet` old, or a writer may have closed.
            let newest = self.pending.values().max().copied().unwrap_or(started);
            let wait = quiet.saturating_sub(newest.elapsed()).max(POLL);
            match self.rx.recv_timeout(wait) {
                Ok(event) => self.note(event),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    return Some(std::mem::take(&mut self.pending).into_keys().collect());
                }
            }
        }
    }
}

/// How often a batch that waits for a writer looks again.
const POLL: Duration = Duration::from_millis(10);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_noise_is_recognised() {
        for noise in [
            "src/.sida.md.swp",
            "src/sida.md~",
            "src/4913",
            "src/.#sida.md",
            "src/#sida.md#",
            "src/sida.md.tmp",
            "src/sida.md___jb_tmp___",
            "src/sida.md.crswap",
            "src/.goutputstream-ABC123",
        ] {
            assert!(is_editor_noise(Path::new(noise)), "{noise}");
        }
        for real in ["src/sida.md", "src/bilder/logo.svg", "src/2024-plan.md"] {
            assert!(!is_editor_noise(Path::new(real)), "{real}");
        }
    }

    #[test]
    fn a_save_by_rename_is_one_batch_with_the_page() {
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("sida.md");
        std::fs::write(&page, "ett").unwrap();
        let (_w, mut batches) = watch(&[dir.path().to_path_buf()], &Writers::default()).unwrap();
        // How many editors save: a temporary file, renamed over the page.
        let tmp = dir.path().join(".sida.md.tmp");
        std::fs::write(&tmp, "två").unwrap();
        std::fs::rename(&tmp, &page).unwrap();
        let batch = batches.next_batch().unwrap();
        assert!(batch.contains(&page), "{batch:?}");
        // Nothing of that save is left for a second batch.
        assert!(batches.rx.recv_timeout(Duration::from_millis(100)).is_err());
        assert!(batches.pending.is_empty());
    }

    #[test]
    fn a_page_removed_and_rewritten_is_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("sida.md");
        std::fs::write(&page, "ett").unwrap();
        let (_w, mut batches) = watch(&[dir.path().to_path_buf()], &Writers::default()).unwrap();
        std::fs::remove_file(&page).unwrap();
        let rewritten = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writer = {
            let page = page.clone();
            let rewritten = rewritten.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(60));
                std::fs::write(&page, "två").unwrap();
                rewritten.store(true, std::sync::atomic::Ordering::SeqCst);
            })
        };
        let batch = batches.next_batch().unwrap();
        let back_when_done = rewritten.load(std::sync::atomic::Ordering::SeqCst);
        writer.join().unwrap();
        assert!(batch.contains(&page));
        assert!(back_when_done, "the batch waited until the page was back");
    }

    /// A file written in place (truncated, then written in chunks with pauses longer
    /// than the quiet window) is held back until its writer closes it; a file saved
    /// meanwhile goes ahead of it. Deterministic on a loaded machine: the writer says it
    /// has finished before it closes the file, and only a pause longer than
    /// [`super::super::settle::OPEN_LIMIT`] (1 s) would let the file go early.
    #[test]
    fn a_file_still_being_written_is_not_handed_over() {
        use std::io::Write;
        use std::sync::atomic::{AtomicBool, Ordering};
        let dir = tempfile::tempdir().unwrap();
        let busy = dir.path().join("lang.md");
        let other = dir.path().join("annan.md");
        std::fs::write(&busy, "ett").unwrap();
        std::fs::write(&other, "ett").unwrap();
        let (_w, mut batches) = watch(&[dir.path().to_path_buf()], &Writers::default()).unwrap();
        let finished = std::sync::Arc::new(AtomicBool::new(false));
        let writer = {
            let (busy, finished) = (busy.clone(), finished.clone());
            std::thread::spawn(move || {
                // Long past MAX_WAIT, so that the other file is handed over while this one
                // is still being written.
                let until = Instant::now() + MAX_WAIT + Duration::from_millis(1500);
                let mut file = std::fs::File::create(&busy).unwrap();
                while Instant::now() < until {
                    file.write_all("en del till\n".as_bytes()).unwrap();
                    std::thread::sleep(QUIET + Duration::from_millis(30));
                }
                finished.store(true, Ordering::SeqCst);
                drop(file);
            })
        };
        std::fs::write(&other, "två").unwrap();
        let first = batches.next_batch().unwrap();
        let writing_after_first = !finished.load(Ordering::SeqCst);
        assert!(first.contains(&other), "{first:?}");
        assert!(!first.contains(&busy), "handed over mid-write: {first:?}");
        assert!(
            writing_after_first,
            "the other file did not wait for the writer"
        );
        let second = batches.next_batch().unwrap();
        assert!(second.contains(&busy), "{second:?}");
        assert!(finished.load(Ordering::SeqCst), "handed over mid-write");
        writer.join().unwrap();
    }
}
