//! The result cache of external links: `.samsyn-cache/external-links.json` in the
//! book folder, so that repeated runs do not ask hosts again within its time to live.
//!
//! The folder is written only if it is a real folder inside the book folder (not a
//! symlink) and the file only if it is not a symlink ([`OutputRoot`]); the file is
//! replaced atomically (a temporary file renamed over it). The folder carries a
//! `.gitignore` of its own, so that the cache is never committed by accident.

use super::Outcome;
use crate::confine::OutputRoot;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The cache folder, relative to the book folder.
pub const CACHE_DIR: &str = ".samsyn-cache";
/// The cache file, inside [`CACHE_DIR`].
pub const CACHE_FILE: &str = "external-links.json";
const FORMAT_VERSION: u32 = 1;
/// Entries older than this (or than the time to live, if longer) are dropped when the
/// cache is written, so that it does not grow with links long removed.
const KEEP_AT_MOST: Duration = Duration::from_secs(30 * 24 * 3600);

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[derive(Debug, Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    /// By request URL.
    entries: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    /// When the URL was asked (seconds since the Unix epoch).
    checked_at: u64,
    outcome: Outcome,
}

/// The cache as read at the start of a run.
#[derive(Debug)]
pub struct Cache {
    /// Where it is written; `None` when it cannot be (see `problem`).
    location: Option<(OutputRoot, PathBuf)>,
    entries: BTreeMap<String, Entry>,
    /// Why the cache is not used, if it is not.
    pub problem: Option<String>,
}

impl Cache {
    /// Reads the cache of the book in `book_root` whose source folder is `src_dir`. A
    /// missing or unreadable file is an empty cache; a cache folder that is not a real
    /// folder inside the book, or that lies in the source folder (whose files are
    /// published), disables it.
    pub fn open(book_root: &Path, src_dir: &Path) -> Cache {
        let location = match locate(book_root, src_dir) {
            Ok(l) => l,
            Err(problem) => {
                return Cache {
                    location: None,
                    entries: BTreeMap::new(),
                    problem: Some(problem),
                };
            }
        };
        let entries = std::fs::read(&location.1)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<CacheFile>(&bytes).ok())
            .filter(|file| file.version == FORMAT_VERSION)
            .map(|file| file.entries)
            .unwrap_or_default();
        Cache {
            location: Some(location),
            entries,
            problem: None,
        }
    }

    /// The cached outcome of `url` if it is younger than `ttl`.
    pub fn fresh(&self, url: &str, ttl: Duration, now: u64) -> Option<&Outcome> {
        let entry = self.entries.get(url)?;
        let age = now.saturating_sub(entry.checked_at);
        (entry.checked_at <= now && u128::from(age) * 1000 < ttl.as_millis())
            .then_some(&entry.outcome)
    }

    /// Keeps `outcome` of `url` if it is worth keeping ([`Outcome::cacheable`]).
    pub fn store(&mut self, url: &str, outcome: &Outcome, now: u64) {
        if outcome.cacheable() {
            self.entries.insert(
                url.to_string(),
                Entry {
                    checked_at: now,
                    outcome: outcome.clone(),
                },
            );
        } else {
            self.entries.remove(url);
        }
    }

    /// Writes the cache back, without the entries older than `ttl` and [`KEEP_AT_MOST`]
    /// (a run with a short time to live does not discard what later runs may use).
    pub fn save(&mut self, ttl: Duration, now: u64) -> Result<(), String> {
        let Some((root, path)) = &self.location else {
            return Ok(());
        };
        let keep = ttl.max(KEEP_AT_MOST).as_secs();
        self.entries
            .retain(|_, e| now.saturating_sub(e.checked_at) <= keep);
        let file = CacheFile {
            version: FORMAT_VERSION,
            entries: std::mem::take(&mut self.entries),
        };
        let json = serde_json::to_vec_pretty(&file).map_err(|e| e.to_string())?;
        self.entries = file.entries;
        let problem = |e: &dyn std::fmt::Display| {
            format!(
                "kan inte skriva länkcachen {CACHE_DIR}/{CACHE_FILE}: {e}; nästa körning frågar servrarna igen"
            )
        };
        if root
            .path(".gitignore")
            .is_ok_and(|p| std::fs::symlink_metadata(p).is_err())
        {
            root.write(".gitignore", b"# samsyn's cache: not part of the book\n*\n")
                .map_err(|e| problem(&e))?;
        }
        let mut temp = tempfile::NamedTempFile::new_in(root.dir()).map_err(|e| problem(&e))?;
        temp.write_all(&json).map_err(|e| problem(&e))?;
        temp.persist(path).map_err(|e| problem(&e.error))?;
        Ok(())
    }
}

/// The cache folder (created) and file, if the folder is a real folder inside the book
/// folder and the file is not a symlink.
fn locate(book_root: &Path, src_dir: &Path) -> Result<(OutputRoot, PathBuf), String> {
    let dir = book_root.join(CACHE_DIR);
    let refused = |why: &str| format!("länkcachen används inte: {} {why}", dir.display());
    if let Ok(meta) = std::fs::symlink_metadata(&dir) {
        if meta.file_type().is_symlink() {
            return Err(refused(
                "är en symbolisk länk; samsyn skriver bara i en riktig mapp i bokmappen",
            ));
        }
        if !meta.is_dir() {
            return Err(refused("är ingen mapp"));
        }
    }
    let book = book_root
        .canonicalize()
        .map_err(|e| refused(&format!("(bokmappen kan inte läsas: {e})")))?;
    // Checked before the folder is created; it is no symlink (above), so this is its place.
    if src_dir
        .canonicalize()
        .is_ok_and(|src| book.join(CACHE_DIR).starts_with(src))
    {
        return Err(refused(
            "ligger i källmappen, vars filer publiceras; låt `src` i book.toml vara en egen mapp",
        ));
    }
    let root = OutputRoot::new(&dir).map_err(|e| refused(&format!("kan inte skapas: {e}")))?;
    if !root.dir().starts_with(&book) {
        return Err(refused("ligger utanför bokmappen"));
    }
    let path = root
        .path(CACHE_FILE)
        .map_err(|e| refused(&format!("({CACHE_FILE}: {e})")))?;
    Ok((root, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_after_their_time_to_live() {
        let tmp = tempfile::tempdir().unwrap();
        let mut cache = Cache::open(tmp.path(), &tmp.path().join("src"));
        let ok = Outcome::Ok { status: 200 };
        cache.store("https://a.se/", &ok, 1000);
        cache.store("https://b.se/", &Outcome::Timeout { seconds: 1.0 }, 1000);
        cache.save(Duration::from_secs(60), 1000).unwrap();
        let cache = Cache::open(tmp.path(), &tmp.path().join("src"));
        let ttl = Duration::from_secs(60);
        assert_eq!(cache.fresh("https://a.se/", ttl, 1059), Some(&ok));
        assert_eq!(cache.fresh("https://a.se/", ttl, 1060), None);
        assert_eq!(cache.fresh("https://b.se/", ttl, 1001), None, "not kept");
        assert_eq!(cache.fresh("https://a.se/", Duration::ZERO, 1000), None);
        // A run that trusts nothing (time to live 0) still keeps what it found.
        let mut cache = Cache::open(tmp.path(), &tmp.path().join("src"));
        cache.save(Duration::ZERO, 2000).unwrap();
        let month = KEEP_AT_MOST.as_secs();
        assert!(
            Cache::open(tmp.path(), &tmp.path().join("src"))
                .fresh("https://a.se/", ttl * 100, 2000)
                .is_some()
        );
        let mut cache = Cache::open(tmp.path(), &tmp.path().join("src"));
        cache.save(Duration::ZERO, 1001 + month).unwrap();
        assert!(
            Cache::open(tmp.path(), &tmp.path().join("src"))
                .entries
                .is_empty(),
            "dropped after a month"
        );
        let ignore = std::fs::read_to_string(tmp.path().join(CACHE_DIR).join(".gitignore"));
        assert!(ignore.unwrap().contains('*'));
    }
}
