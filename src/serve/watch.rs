//! Watching the book and theme folders: notify events, debounced into one set of
//! changed paths per save, whatever way the editor saves.
//!
//! Editors save in many ways: writing in place (several modify events), writing a
//! temporary file and renaming it over the page (create + rename), or removing the
//! page and writing it anew, with swap, backup and lock files beside it. The watcher
//! collects paths until the folder has been quiet for [`QUIET`], drops editor
//! noise, and waits a little longer when a path has just disappeared (it is usually
//! back a moment later).

use notify::{EventKind, RecursiveMode, Watcher};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// How long the folders must be quiet before a batch of changes is processed.
pub const QUIET: Duration = Duration::from_millis(25);
/// The longest a batch waits for quiet (an editor that never stops writing).
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

/// Starts watching `dirs` (recursively). Events arrive on the returned receiver;
/// the watcher stops when the returned handle is dropped.
pub fn watch(
    dirs: &[PathBuf],
) -> notify::Result<(
    notify::RecommendedWatcher,
    Receiver<notify::Result<notify::Event>>,
)> {
    let (tx, rx) = channel();
    let mut watcher = notify::recommended_watcher(move |ev| {
        let _ = tx.send(ev);
    })?;
    for dir in dirs {
        watcher.watch(dir, RecursiveMode::Recursive)?;
    }
    Ok((watcher, rx))
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

/// Blocks until a batch of changes is complete and returns it (absolute paths,
/// noise included: the engine decides what matters). `None` when the watcher is
/// gone.
pub fn next_batch(rx: &Receiver<notify::Result<notify::Event>>) -> Option<BTreeSet<PathBuf>> {
    let mut paths = BTreeSet::new();
    loop {
        let first = rx.recv().ok()?;
        paths.extend(changed_paths(first));
        if !paths.is_empty() {
            break;
        }
    }
    let started = Instant::now();
    let mut quiet = QUIET;
    loop {
        match rx.recv_timeout(quiet) {
            Ok(ev) => {
                paths.extend(changed_paths(ev));
                if started.elapsed() > MAX_WAIT {
                    break;
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                let missing = paths.iter().any(|p| !is_editor_noise(p) && !p.exists());
                if missing && quiet < REAPPEAR && started.elapsed() < MAX_WAIT {
                    quiet = REAPPEAR;
                    continue;
                }
                break;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    Some(paths)
}

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
        let (_w, rx) = watch(&[dir.path().to_path_buf()]).unwrap();
        // How many editors save: a temporary file, renamed over the page.
        let tmp = dir.path().join(".sida.md.tmp");
        std::fs::write(&tmp, "två").unwrap();
        std::fs::rename(&tmp, &page).unwrap();
        let batch = next_batch(&rx).unwrap();
        assert!(batch.contains(&page), "{batch:?}");
        // Nothing of that save is left for a second batch.
        assert!(rx.recv_timeout(Duration::from_millis(100)).is_err());
    }

    #[test]
    fn a_page_removed_and_rewritten_is_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("sida.md");
        std::fs::write(&page, "ett").unwrap();
        let (_w, rx) = watch(&[dir.path().to_path_buf()]).unwrap();
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
        let batch = next_batch(&rx).unwrap();
        let back_when_done = rewritten.load(std::sync::atomic::Ordering::SeqCst);
        writer.join().unwrap();
        assert!(batch.contains(&page));
        assert!(back_when_done, "the batch waited until the page was back");
    }
}
