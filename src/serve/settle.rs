//! Knowing when a save is complete, and reading a source file only then.
//!
//! An editor that saves in place truncates the file, then writes it, perhaps in
//! chunks; a read in between would show an empty or cut-off page as if it were the
//! editor's text. The watcher hands a path over once it is quiet, but a new save may
//! start while the engine works, and a writer may pause for longer than any quiet
//! window on a busy machine. So, where the watcher reports a writer closing its file
//! (Linux):
//! - [`Writers`] follows, as the watcher's events arrive, which files have been
//!   opened or written to and not closed after writing since. Opening with
//!   truncation reports only the opening, and readers report no close, so an open
//!   file is taken for one being saved only when it differs from the version last
//!   read. Before it answers, it makes sure the watcher has taken in every event up
//!   to now (the watcher's thread may lag behind): it writes a probe file of its
//!   own, in a folder the same watcher watches, and waits for that event, which
//!   comes after all earlier ones;
//! - [`read_settled`] reads a file only when no one is writing it, its modification
//!   time is at least [`QUIET`] old, and its size and modification time are the
//!   same before and after the read.
//!
//! Elsewhere only the quiet window and the unchanged size and time count.

use notify::EventKind;
use notify::event::{AccessKind, AccessMode, ModifyKind};
use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

/// How long the folders must be quiet before a batch of changes is processed (the
/// watcher's window, see `watch`), and how old a file's last change must be before it
/// is read.
pub const QUIET: Duration = Duration::from_millis(50);

/// How long a read waits for a file that keeps changing. After that the file is
/// left for its next change event (a file that changes has one coming).
pub const SETTLE_LIMIT: Duration = Duration::from_secs(2);

/// How long after its last opening or write a file not closed after writing counts
/// as being saved: the longest pause of a writer that is waited for. A writer that
/// keeps its file open, a reader that opened a changed file before the preview read
/// it, or a lost close event holds nothing back longer.
pub const OPEN_LIMIT: Duration = Duration::from_secs(1);

/// The longest wait for the watcher to catch up (its events can be lost when the
/// kernel's queue overflows).
const CATCH_UP_LIMIT: Duration = Duration::from_secs(1);

/// Whether the platform's watcher reports a writer closing its file.
const CLOSE_EVENTS: bool = cfg!(any(target_os = "linux", target_os = "android"));

/// What the watcher's events say about the files being saved (taken in on the
/// watcher's own thread, as they arrive), and the versions last read. Cheap to
/// clone.
#[derive(Clone, Default)]
pub struct Writers(Arc<Shared>);

#[derive(Default)]
struct Shared {
    /// Files opened or written to and not closed after writing since.
    open: Mutex<HashMap<PathBuf, Open>>,
    /// The version of each file [`read_settled`] last read.
    read: Mutex<HashMap<PathBuf, Stamp>>,
    probe: Option<Probe>,
}

/// A file opened and not closed after writing since.
struct Open {
    /// Whether it has been written to (an opening alone may be a reader's).
    written: bool,
    /// The last opening or write.
    at: Instant,
}

/// A file of ours in a folder the same watcher watches. Its events queue behind all
/// earlier ones, so once the watcher reports the n-th close of the probe, it has
/// reported everything that happened before the n-th write.
struct Probe {
    path: PathBuf,
    /// How many times the probe has been written.
    written: Mutex<u64>,
    /// How many of those writes the watcher has reported.
    seen: Mutex<u64>,
    reported: Condvar,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Writers {
    /// Writers that can catch up with the watcher through a probe file in `dir` (a
    /// folder of the preview's own, which [`super::watch::watch`] then watches too).
    /// Where the watcher reports no closes there is nothing to follow.
    pub fn with_probe(dir: &Path) -> io::Result<Writers> {
        if !CLOSE_EVENTS {
            return Ok(Writers::default());
        }
        std::fs::create_dir_all(dir)?;
        Ok(Writers(Arc::new(Shared {
            probe: Some(Probe {
                path: dir.join("probe"),
                written: Mutex::new(0),
                seen: Mutex::new(0),
                reported: Condvar::new(),
            }),
            ..Shared::default()
        })))
    }

    /// The folder to watch for the probe, if there is one.
    pub fn probe_dir(&self) -> Option<&Path> {
        self.0.probe.as_ref().and_then(|p| p.path.parent())
    }

    /// Takes in what one watcher event says about writers. Returns whether the
    /// event was the probe's (not a change to the book).
    pub fn note(&self, event: &notify::Event) -> bool {
        if let Some(probe) = &self.0.probe
            && event.paths.iter().any(|p| p == &probe.path)
        {
            if event.kind == EventKind::Access(AccessKind::Close(AccessMode::Write)) {
                *lock(&probe.seen) += 1;
                probe.reported.notify_all();
            }
            return true;
        }
        if !CLOSE_EVENTS {
            return false;
        }
        let written = match event.kind {
            EventKind::Access(AccessKind::Open(_)) => Some(false),
            EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Any) => Some(true),
            EventKind::Access(AccessKind::Close(AccessMode::Write))
            | EventKind::Modify(ModifyKind::Name(_))
            | EventKind::Remove(_) => None,
            _ => return false,
        };
        let now = Instant::now();
        let mut open = lock(&self.0.open);
        open.retain(|_, o| o.at.elapsed() < OPEN_LIMIT);
        for path in &event.paths {
            match written {
                Some(written) => {
                    let o = open
                        .entry(path.clone())
                        .or_insert(Open { written, at: now });
                    o.written |= written;
                    o.at = now;
                }
                None => {
                    open.remove(path);
                }
            }
        }
        false
    }

    /// Waits (at most [`CATCH_UP_LIMIT`]) until the watcher has reported every
    /// event that happened before this call.
    fn catch_up(&self) {
        let Some(probe) = &self.0.probe else {
            return;
        };
        let mut written = lock(&probe.written);
        if std::fs::write(&probe.path, written.to_string()).is_err() {
            return;
        }
        *written += 1;
        let target = *written;
        let seen = lock(&probe.seen);
        let _ = probe
            .reported
            .wait_timeout_while(seen, CATCH_UP_LIMIT, |seen| *seen < target);
    }

    /// Whether `path` is being written: written to and not closed since, not longer
    /// ago than [`OPEN_LIMIT`].
    pub fn is_writing(&self, path: &Path) -> bool {
        lock(&self.0.open)
            .get(path)
            .is_some_and(|o| o.written && o.at.elapsed() < OPEN_LIMIT)
    }

    /// Whether `path`, found as `now`, may be in the middle of a save: written to
    /// and not closed since, or opened and not closed after writing since and no
    /// longer the version last read.
    fn is_saving(&self, path: &Path, now: &Stamp) -> bool {
        let written = match lock(&self.0.open).get(path) {
            Some(o) if o.at.elapsed() < OPEN_LIMIT => o.written,
            _ => return false,
        };
        written || lock(&self.0.read).get(path) != Some(now)
    }

    fn remember_read(&self, path: &Path, version: Stamp) {
        lock(&self.0.read).insert(path.to_path_buf(), version);
    }
}

/// What identifies one version of a file's content on disk.
#[derive(PartialEq, Eq, Clone, Copy)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

fn stamp(path: &Path) -> io::Result<Stamp> {
    let meta = std::fs::metadata(path)?;
    Ok(Stamp {
        len: meta.len(),
        modified: meta.modified().ok(),
    })
}

/// How much longer to wait before a file last modified at `modified` counts as
/// quiet. A time in the future (a clock that differs, a copied date) does not make
/// anyone wait: the unchanged size and time across the read decide alone.
fn still_fresh(modified: Option<SystemTime>) -> Option<Duration> {
    let age = SystemTime::now().duration_since(modified?).ok()?;
    let left = QUIET.saturating_sub(age);
    (!left.is_zero()).then_some(left)
}

/// The bytes of `path` once it is not being written. `Ok(None)` when it was still
/// changing after [`SETTLE_LIMIT`]; errors are those of reading the file.
pub fn read_settled(path: &Path, writers: &Writers) -> io::Result<Option<Vec<u8>>> {
    let deadline = Instant::now() + SETTLE_LIMIT;
    loop {
        let before = stamp(path)?;
        writers.catch_up();
        let pause = match still_fresh(before.modified) {
            _ if writers.is_saving(path, &before) => QUIET,
            Some(left) => left,
            None => {
                let bytes = std::fs::read(path)?;
                if bytes.len() as u64 == before.len && stamp(path)? == before {
                    writers.remember_read(path, before);
                    return Ok(Some(bytes));
                }
                QUIET
            }
        };
        if Instant::now() + pause > deadline {
            return Ok(None);
        }
        std::thread::sleep(pause);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of `path` once settled (the test files are always UTF-8 and settle).
    fn text_settled(path: &Path, writers: &Writers) -> String {
        String::from_utf8(read_settled(path, writers).unwrap().unwrap()).unwrap()
    }
    use std::io::Write;

    #[test]
    fn a_saved_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sida.md");
        std::fs::write(&path, "klar").unwrap();
        assert_eq!(
            read_settled(&path, &Writers::default()).unwrap().unwrap(),
            b"klar"
        );
    }

    /// A file its writer keeps open after writing to it is left for its next event.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn a_file_that_never_settles_is_left_for_later() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sida.md");
        std::fs::write(&path, "halvfärdig").unwrap();
        let writers = Writers::default();
        let stop = Arc::new(AtomicBool::new(false));
        // What the watcher would report of a writer that writes now and then.
        let reporter = {
            let (writers, stop) = (writers.clone(), stop.clone());
            let written = notify::Event::new(EventKind::Modify(ModifyKind::Data(
                notify::event::DataChange::Any,
            )))
            .add_path(path.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    writers.note(&written);
                    std::thread::sleep(QUIET);
                }
            })
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !writers.is_writing(&path) {
            assert!(Instant::now() < deadline);
            std::thread::sleep(Duration::from_millis(1));
        }
        let result = read_settled(&path, &writers).unwrap();
        stop.store(true, Ordering::SeqCst);
        reporter.join().unwrap();
        assert_eq!(result, None);
    }

    #[test]
    fn a_date_in_the_future_does_not_hold_a_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sida.md");
        std::fs::write(&path, "framtid").unwrap();
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(SystemTime::now() + Duration::from_secs(3600))
            .unwrap();
        // Held back, it would come back empty-handed after the limit.
        assert_eq!(
            read_settled(&path, &Writers::default()).unwrap().unwrap(),
            b"framtid"
        );
    }

    #[test]
    fn a_missing_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read_settled(&dir.path().join("saknas.md"), &Writers::default()).is_err());
    }

    /// A writer that pauses in the middle of a save for longer than the quiet window
    /// (a slow disk, a busy machine) still has its file open: the read waits for it.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn a_writer_that_pauses_mid_save_is_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sida.md");
        std::fs::write(&path, "gammal text").unwrap();
        let probe = tempfile::tempdir().unwrap();
        let writers = Writers::with_probe(probe.path()).unwrap();
        let (_watcher, _batches) =
            super::super::watch::watch(&[dir.path().to_path_buf()], &writers).unwrap();
        let mut file = std::fs::File::create(&path).unwrap();
        // The opening has been seen, and the file has been quiet for longer than the
        // quiet window when the read starts.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !lock(&writers.0.open).contains_key(&path) {
            assert!(Instant::now() < deadline, "the opening was never seen");
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(QUIET * 2);
        let writer = std::thread::spawn(move || {
            std::thread::sleep(QUIET * 2);
            file.write_all("ny text".as_bytes()).unwrap();
        });
        let text = text_settled(&path, &writers);
        writer.join().unwrap();
        assert_eq!(text, "ny text");
    }

    /// A watcher thread that lags behind (a busy machine) has not yet reported a
    /// save's opening when the file already looks quiet: the read waits until it
    /// has caught up, and then for the save.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn a_lagging_watcher_is_caught_up_with() {
        use notify::{RecursiveMode, Watcher};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sida.md");
        std::fs::write(&path, "gammal text").unwrap();
        let probe = tempfile::tempdir().unwrap();
        let writers = Writers::with_probe(probe.path()).unwrap();
        let seen_by = writers.clone();
        let mut watcher = notify::recommended_watcher(move |ev: notify::Result<notify::Event>| {
            std::thread::sleep(QUIET * 2);
            if let Ok(event) = &ev {
                seen_by.note(event);
            }
        })
        .unwrap();
        watcher
            .watch(dir.path(), RecursiveMode::NonRecursive)
            .unwrap();
        watcher
            .watch(probe.path(), RecursiveMode::NonRecursive)
            .unwrap();
        let first = text_settled(&path, &writers);
        assert_eq!(first, "gammal text");
        let mut file = std::fs::File::create(&path).unwrap();
        let writer = std::thread::spawn(move || {
            std::thread::sleep(QUIET * 6);
            file.write_all("ny text".as_bytes()).unwrap();
        });
        let text = text_settled(&path, &writers);
        writer.join().unwrap();
        assert_eq!(text, "ny text");
    }
}
