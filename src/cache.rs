//! The build cache: what a build keeps (beside its output, or in `--cache DIR`) so that
//! the next build renders again only the pages an edit affects.
//!
//! Each page gets a key: a hash of everything its HTML is made from (the site's key,
//! [`site_key`]: samsyn itself, the theme, book.toml and what links resolve against; the
//! page's title and Markdown; the whole template context, navigation and lifecycle
//! included). A page is reused when its key is the one the cache recorded and the
//! previous site's file is still the file the cache recorded (size, modification time,
//! inode): the file is hard-linked into the new site (copied where links are not
//! possible), and its sections for the search index are read from the cache. The
//! generated pages, the assets and the search index are built as in a clean build.
//!
//! Anything unexpected (a cache from another samsyn, a damaged file, a cache another
//! build holds) makes the build render everything; it never fails a build.

use crate::confine::OutputRoot;
use crate::render::page::Section;
use search_index::indexer::IndexMemo;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use search_index::indexer::{Placed, link_or_copy};
pub use search_index::keys::{Key, KeyHasher};

/// The version of the cache's layout; a cache of another version is not read.
const FORMAT: u32 = 2;
/// The cache's table of pages: JSON lines, a [`Header`] and then a [`Record`] per page
/// (written and read a line at a time: at 100,000 pages the table is 25 MB).
const MANIFEST: &str = "manifest.jsonl";
/// The table being written by a build that has not committed yet.
const MANIFEST_NEXT: &str = "manifest.next.jsonl";
/// Held locked by the build using the cache.
const LOCK: &str = "lock";
/// Prefix of the files of the pages' sections (`sections-<n>.bin`).
const SECTIONS_PREFIX: &str = "sections-";
/// The search index the previous build wrote: an [`IndexRecord`].
const INDEX: &str = "index.json";
/// The record being written by a build that has not committed yet.
const INDEX_NEXT: &str = "index.next.json";

/// The default cache folder of the site built into `dest`: `.samsyn-cache/<name>` in
/// the output's parent folder.
pub fn default_dir(dest: &Path) -> PathBuf {
    let parent = dest.parent().unwrap_or(Path::new("."));
    let name = dest
        .file_name()
        .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned());
    parent.join(".samsyn-cache").join(name)
}

/// The running samsyn's own bytes, hashed once: a page rendered by another samsyn is
/// never reused. `None` when the executable cannot be read.
pub(crate) fn executable_key() -> Option<Key> {
    static KEY: std::sync::OnceLock<Option<Key>> = std::sync::OnceLock::new();
    *KEY.get_or_init(|| {
        let exe = std::env::current_exe().ok()?;
        let mut file = File::open(exe).ok()?;
        let mut hasher = KeyHasher::new("samsyn");
        io::copy(&mut file, &mut hasher).ok()?;
        Some(hasher.finish())
    })
}

/// What every page of the site is made from besides its own content: samsyn itself, the
/// theme, book.toml, what the pages' links resolve against, what their sidebars are made
/// from, and whether the site has a search index and a history. `None` when samsyn
/// cannot tell (then nothing is reused).
pub fn site_key(
    book: &crate::book::LoadedBook,
    resolver: &crate::links::Resolver<'_>,
    nav: &crate::render::Navigation,
    theme: &crate::theme::Theme,
    search: bool,
    history: bool,
) -> Option<Key> {
    let mut h = KeyHasher::new("site");
    h.part(&executable_key()?);
    theme.digest_into(&mut h);
    serde_json::to_writer(&mut h, &book.config).ok()?;
    resolver.digest_into(&mut h);
    nav.digest_into(&mut h);
    h.part(&[u8::from(search), u8::from(history)]);
    Some(h.finish())
}

/// A page's key: the site's, the page's title and Markdown, and its template context
/// (everything `page.html` gets besides the rendered body).
pub fn page_key(site: &Key, title: &str, markdown: &str, context: &impl Serialize) -> Option<Key> {
    let mut h = KeyHasher::new("page");
    h.part(site)
        .part(title.as_bytes())
        .part(markdown.as_bytes());
    serde_json::to_writer(&mut h, context).ok()?;
    Some(h.finish())
}

/// Hashes what a search index is built from: samsyn itself, the glossary's synonym pairs
/// and every page's sections as the render spills them for the index (their records and
/// texts), in order. An index built from the same is the same.
pub struct IndexKey(KeyHasher);

impl IndexKey {
    /// `None` when samsyn cannot tell which samsyn it is (then the index is built).
    pub fn new(synonyms: &search_index::synonyms::Synonyms) -> Option<IndexKey> {
        let mut h = KeyHasher::new("index");
        h.part(&executable_key()?);
        let mut encoded = search_index::format::Enc::default();
        synonyms.encode(&mut encoded);
        h.part(&encoded.buf);
        Some(IndexKey(h))
    }

    /// The digest of one page's sections, made apart so that pages are hashed in
    /// parallel; the key is finished with every page's ([`IndexKey::finish`]).
    pub fn page_digest(page: &search_index::bodies::EncodedPage) -> Key {
        let mut h = KeyHasher::new("index-page");
        h.part(page.records()).part(page.texts());
        for end in page.text_ends() {
            h.part(&(*end as u64).to_le_bytes());
        }
        h.finish()
    }

    /// The key, with the pages' [`IndexKey::page_digest`]s in order.
    pub fn finish(mut self, pages: &search_index::keys::PageDigests) -> Key {
        for digest in pages.digests() {
            self.0.part(digest);
        }
        self.0.finish()
    }
}

/// What a build can take of the previous build's search index ([`BuildCache::reuse_index`]).
pub enum IndexReuse<'a> {
    /// The whole index, already put into the new site.
    Whole,
    /// Parts of it: its folder in the previous site, and what its memo says of them.
    Parts(PathBuf, &'a IndexMemo),
    Nothing,
}

/// The search index a build wrote: what it was built from and its files.
#[derive(Debug, Serialize, Deserialize)]
struct IndexRecord {
    format: u32,
    /// The site folder it is in.
    dest: PathBuf,
    /// Its [`IndexKey`], in hex.
    key: String,
    /// The samsyn that built it ([`executable_key`], in hex): only the same samsyn takes
    /// over parts of it ([`search_index::indexer::IndexMemo`]).
    executable: String,
    /// What the next build can take over of it.
    memo: IndexMemo,
    /// Its files (relative to its folder, `/`-separated) and their stamps.
    files: Vec<(String, FileStamp)>,
}

/// What identifies a file as the one the cache recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    len: u64,
    modified_s: i64,
    modified_ns: u32,
    inode: u64,
}

impl FileStamp {
    /// The stamp of the file at `path` (not following a symlink); `None` unless it is a
    /// regular file.
    pub fn of(path: &Path) -> Option<FileStamp> {
        let meta = std::fs::symlink_metadata(path).ok()?;
        if !meta.is_file() {
            return None;
        }
        let modified = meta
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        Some(FileStamp {
            len: meta.len(),
            modified_s: i64::try_from(modified.as_secs()).ok()?,
            modified_ns: modified.subsec_nanos(),
            inode: inode(&meta),
        })
    }
}

#[cfg(unix)]
fn inode(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(meta)
}

#[cfg(not(unix))]
fn inode(_: &std::fs::Metadata) -> u64 {
    0
}

/// One page as the cache recorded it (a line of the table).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Record {
    /// The page's source path (relative to the source folder).
    path: String,
    url: String,
    /// Its [`page_key`], in hex.
    key: String,
    /// Its file in the site the cache belongs to.
    file: FileStamp,
    /// Where its sections are in the sections file: offset and length.
    sections: (u64, u64),
}

/// A record as it is held while pages are matched against it.
struct Recorded {
    url: String,
    key: Key,
    file: FileStamp,
    sections: (u64, u64),
}

/// The first line of the table.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: u32,
    /// The site folder the records describe.
    dest: PathBuf,
    /// The sections file's name in the cache folder.
    sections: String,
}

/// The previous build's records, when they describe the site now at the destination.
struct Previous {
    /// Records by source path.
    pages: HashMap<String, Recorded>,
    sections: File,
    sections_name: String,
    /// The site at the destination.
    site: OutputRoot,
}

/// A page the cache gave back: its sections (its file is already in the new site).
pub struct Reused {
    pub sections: Vec<Section>,
    pub file: FileStamp,
    /// Where its sections are in the previous build's sections file.
    pub place: SectionsPlace,
}

/// Where a page's sections are in a sections file: offset and length.
pub type SectionsPlace = (u64, u64);

/// The cache of one site, locked for this build.
pub struct BuildCache {
    dir: PathBuf,
    dest: PathBuf,
    /// Dropped once the pages are rendered ([`BuildCache::release_previous`]).
    previous: std::sync::RwLock<Option<Previous>>,
    /// The previous build's sections file, removed when this build's cache is committed.
    previous_sections: Option<String>,
    /// The name of the sections file this build wrote ([`NextCache::finish`]).
    written: Mutex<Option<String>>,
    /// The search index of the site at the destination, when the cache recorded it.
    previous_index: Option<IndexRecord>,
    /// The search index this build wrote ([`BuildCache::record_index`]).
    next_index: Mutex<Option<IndexRecord>>,
    /// Why the previous build's records could not be used, when there were some.
    pub note: Option<String>,
    _lock: File,
}

impl BuildCache {
    /// Opens (creating it) the cache folder `dir` of the site at `dest` (absolute). An
    /// error when the folder cannot be used at all (then the build goes on without it).
    pub fn open(dir: &Path, dest: &Path) -> Result<BuildCache, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("kan inte skapa cachemappen `{}`: {e}", dir.display()))?;
        let lock = File::create(dir.join(LOCK))
            .map_err(|e| format!("kan inte skriva i cachemappen `{}`: {e}", dir.display()))?;
        if lock.try_lock().is_err() {
            return Err(format!(
                "cachemappen `{}` används av ett annat bygge just nu",
                dir.display()
            ));
        }
        let mut cache = BuildCache {
            dir: dir.to_path_buf(),
            dest: dest.to_path_buf(),
            previous: std::sync::RwLock::new(None),
            previous_sections: None,
            written: Mutex::new(None),
            previous_index: None,
            next_index: Mutex::new(None),
            note: None,
            _lock: lock,
        };
        match cache.read_previous() {
            Ok(previous) => {
                cache.previous_sections = previous.as_ref().map(|p| p.sections_name.clone());
                cache.previous = std::sync::RwLock::new(previous);
            }
            Err(why) => cache.note = Some(why),
        }
        cache.previous_index = cache.read_previous_index();
        cache.remove_stray_files();
        Ok(cache)
    }

    /// The previous build's records, if they belong to this site and this samsyn's
    /// cache format; `Ok(None)` when there are none; `Err` saying why they were not used.
    fn read_previous(&self) -> Result<Option<Previous>, String> {
        use std::io::BufRead;
        let file = match File::open(self.dir.join(MANIFEST)) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cachen kunde inte läsas: {e}")),
        };
        let damaged = |why: String| format!("cachen är skadad ({why}) och byggs om");
        let mut lines = io::BufReader::new(file).lines();
        let mut line = || -> Result<Option<String>, String> {
            lines.next().transpose().map_err(|e| damaged(e.to_string()))
        };
        let header: Header = serde_json::from_str(&line()?.unwrap_or_default())
            .map_err(|e| damaged(e.to_string()))?;
        if header.format != FORMAT {
            return Err("cachen är från en annan version av samsyn och byggs om".into());
        }
        if header.dest != self.dest || !self.dest.is_dir() {
            return Ok(None);
        }
        if header.sections.contains(['/', '\\']) || header.sections.starts_with('.') {
            return Err(damaged("sektionsfilens namn".into()));
        }
        let mut pages = HashMap::new();
        while let Some(text) = line()? {
            let record: Record = serde_json::from_str(&text).map_err(|e| damaged(e.to_string()))?;
            let key = unhex(&record.key).ok_or_else(|| damaged("en sidas nyckel".into()))?;
            pages.insert(
                record.path,
                Recorded {
                    url: record.url,
                    key,
                    file: record.file,
                    sections: record.sections,
                },
            );
        }
        let sections = File::open(self.dir.join(&header.sections))
            .map_err(|e| format!("cachens sektionsfil kunde inte läsas ({e}); den byggs om"))?;
        let site = OutputRoot::new(&self.dest)
            .map_err(|e| format!("den förra webbplatsen kunde inte läsas: {e}"))?;
        Ok(Some(Previous {
            pages,
            sections,
            sections_name: header.sections,
            site,
        }))
    }

    /// The previous build's search index record, if it is of this format and this site.
    fn read_previous_index(&self) -> Option<IndexRecord> {
        let text = std::fs::read(self.dir.join(INDEX)).ok()?;
        let record: IndexRecord = serde_json::from_slice(&text).ok()?;
        (record.format == FORMAT && record.dest == self.dest).then_some(record)
    }

    /// Removes what builds that did not finish left in the cache folder.
    fn remove_stray_files(&self) {
        let keep = self.previous_sections.as_deref();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            let stray = name == MANIFEST_NEXT
                || name == INDEX_NEXT
                || name.starts_with(crate::check_memo::NEXT_PREFIX)
                || (name.starts_with(SECTIONS_PREFIX) && Some(name.as_str()) != keep);
            if stray && entry.file_type().is_ok_and(|t| t.is_file()) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// Frees the previous build's records (once the pages are rendered).
    pub fn release_previous(&self) {
        let mut previous = self
            .previous
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *previous = None;
    }

    /// Puts the previous site's file of the page at source path `path` into the new site
    /// `out` at `url`, when the page's key is `key` and the file is the one recorded;
    /// returns its sections. `None` when the page must be rendered.
    pub fn reuse(&self, path: &str, url: &str, key: &Key, out: &OutputRoot) -> Option<Reused> {
        let previous = self
            .previous
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let previous = previous.as_ref()?;
        let record = previous.pages.get(path)?;
        if record.url != url || record.key != *key {
            return None;
        }
        let old = previous.site.path(url).ok()?;
        if FileStamp::of(&old)? != record.file {
            return None;
        }
        let sections = read_sections(&previous.sections, record.sections)?;
        let new = out.prepare(url).ok()?;
        // A link is the recorded file itself; a copy has a stamp of its own.
        let file = match link_or_copy(&old, &new).ok()? {
            Placed::Linked => record.file,
            Placed::Copied => FileStamp::of(&new)?,
        };
        Some(Reused {
            sections,
            file,
            place: record.sections,
        })
    }

    /// What this build can take of the previous site's search index (its folder `dir`):
    /// all of it, put into the new site `out`, when it was built from what `key` hashes;
    /// else, when this samsyn built it, the folder and what can be taken over of it.
    /// Nothing unless every file of it is still the one recorded.
    pub fn reuse_index(&self, key: &Key, dir: &str, out: &OutputRoot) -> IndexReuse<'_> {
        let Some((previous, files)) = self.intact_previous_index(dir) else {
            return IndexReuse::Nothing;
        };
        let linked = || {
            files.iter().all(|(rel, old)| {
                out.prepare(rel)
                    .is_ok_and(|new| link_or_copy(old, &new).is_ok())
            })
        };
        if unhex(&previous.key) == Some(*key) && linked() {
            return IndexReuse::Whole;
        }
        match executable_key() {
            Some(this) if previous.executable == hex::encode(this) => {
                IndexReuse::Parts(self.dest.join(dir), &previous.memo)
            }
            _ => IndexReuse::Nothing,
        }
    }

    /// The previous build's index record and its files in the previous site (the path in
    /// the site, and the file), when every file is still the one recorded.
    fn intact_previous_index(&self, dir: &str) -> Option<(&IndexRecord, Vec<(String, PathBuf)>)> {
        let previous = self.previous_index.as_ref()?;
        if !self.dest.is_dir() {
            return None;
        }
        let site = OutputRoot::new(&self.dest).ok()?;
        let mut files = Vec::with_capacity(previous.files.len());
        for (rel, stamp) in &previous.files {
            let rel = format!("{dir}/{rel}");
            let old = site.path(&rel).ok()?;
            if FileStamp::of(&old) != Some(*stamp) {
                return None;
            }
            files.push((rel, old));
        }
        Some((previous, files))
    }

    /// Records the search index in the new site `out`'s folder `dir`, built from what
    /// `key` hashes, for the next build: with `memo`, or (an index taken whole) the
    /// previous build's.
    pub fn record_index(&self, key: &Key, memo: Option<IndexMemo>, dir: &str, out: &OutputRoot) {
        let root = out.dir().join(dir);
        let files: Option<Vec<(String, FileStamp)>> = walkdir::WalkDir::new(&root)
            .follow_links(false)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| !e.file_type().is_dir())
            .map(|e| {
                let rel = e
                    .path()
                    .strip_prefix(&root)
                    .ok()?
                    .to_str()?
                    .replace('\\', "/");
                Some((rel, FileStamp::of(e.path())?))
            })
            .collect();
        *self
            .next_index
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = files.map(|files| IndexRecord {
            format: FORMAT,
            dest: self.dest.clone(),
            key: hex::encode(key),
            executable: executable_key().map(hex::encode).unwrap_or_default(),
            memo: memo
                .or_else(|| self.previous_index.as_ref().map(|p| p.memo.clone()))
                .unwrap_or_default(),
            files,
        });
    }

    /// Starts the cache this build leaves for the next one.
    pub fn start_next(&self) -> io::Result<NextCache> {
        if let Some(next) = self.append_next()? {
            return Ok(next);
        }
        let name = (1u32..)
            .map(|n| format!("{SECTIONS_PREFIX}{n}.bin"))
            .find(|n| !self.dir.join(n).exists())
            .unwrap_or_else(|| format!("{SECTIONS_PREFIX}0.bin"));
        let file = File::create(self.dir.join(&name))?;
        self.next_cache(name, file, 0, false)
    }

    /// A next cache that appends to the previous build's sections file, when most of
    /// that file is still its table's (a page taken from the previous site then keeps
    /// its sections where they are, and only the pages rendered again add theirs);
    /// `None` when a new file is better. Appending never changes the bytes the previous
    /// table names, so it stays true until the next table replaces it.
    fn append_next(&self) -> io::Result<Option<NextCache>> {
        let previous = self
            .previous
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(previous) = previous.as_ref() else {
            return Ok(None);
        };
        let live: u64 = previous.pages.values().map(|r| r.sections.1).sum();
        let path = self.dir.join(&previous.sections_name);
        let len = std::fs::metadata(&path)?.len();
        // At most as much again of sections no table names, or the file starts over.
        if len > live.saturating_mul(2) {
            return Ok(None);
        }
        let file = std::fs::OpenOptions::new().append(true).open(&path)?;
        let name = previous.sections_name.clone();
        self.next_cache(name, file, len, true).map(Some)
    }

    /// A next cache writing its sections to `file` (named `name`, `offset` bytes long).
    fn next_cache(
        &self,
        name: String,
        file: File,
        offset: u64,
        appending: bool,
    ) -> io::Result<NextCache> {
        let mut table = BufWriter::new(File::create(self.dir.join(MANIFEST_NEXT))?);
        let header = Header {
            format: FORMAT,
            dest: self.dest.clone(),
            sections: name.clone(),
        };
        serde_json::to_writer(&mut table, &header)?;
        table.write_all(b"\n")?;
        Ok(NextCache {
            name,
            file: BufWriter::new(file),
            table,
            offset,
            appending,
            scratch: Vec::new(),
        })
    }

    /// Makes the cache written by this build ([`NextCache::finish`]) the current one,
    /// once its site is in place. Without a finished cache, the previous one stays.
    pub fn commit(self) -> io::Result<()> {
        let written = self
            .written
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        let Some(name) = written else {
            return Ok(());
        };
        std::fs::rename(self.dir.join(MANIFEST_NEXT), self.dir.join(MANIFEST))?;
        let index = self
            .next_index
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        match index {
            Some(index) => {
                std::fs::write(self.dir.join(INDEX_NEXT), serde_json::to_vec(&index)?)?;
                std::fs::rename(self.dir.join(INDEX_NEXT), self.dir.join(INDEX))?;
            }
            None => match std::fs::remove_file(self.dir.join(INDEX)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            },
        }
        if let Some(previous) = &self.previous_sections
            && *previous != name
        {
            let _ = std::fs::remove_file(self.dir.join(previous));
        }
        Ok(())
    }

    fn finished(&self, name: String) {
        *self
            .written
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(name);
    }
}

/// The cache a build is writing: the pages' records and sections, in book order.
pub struct NextCache {
    /// The sections file's name.
    name: String,
    file: BufWriter<File>,
    /// The table, written as the pages come.
    table: BufWriter<File>,
    offset: u64,
    /// Whether the sections file is the previous build's ([`BuildCache::append_next`]).
    appending: bool,
    scratch: Vec<u8>,
}

impl NextCache {
    /// Records the page at source path `path`, written to `url` with key `key` (the file
    /// as `file`), and its sections: those of a page taken from the previous site stay
    /// where they are (`previous`) when this cache appends to the previous file.
    pub fn push(
        &mut self,
        path: &str,
        url: &str,
        key: &Key,
        file: FileStamp,
        sections: &[Section],
        previous: Option<SectionsPlace>,
    ) -> io::Result<()> {
        let place = match previous.filter(|_| self.appending) {
            Some(place) => place,
            None => {
                self.scratch.clear();
                encode_sections(sections, &mut self.scratch);
                self.file.write_all(&self.scratch)?;
                let len = self.scratch.len() as u64;
                self.offset += len;
                (self.offset - len, len)
            }
        };
        let record = Record {
            path: path.to_string(),
            url: url.to_string(),
            key: hex::encode(key),
            file,
            sections: place,
        };
        serde_json::to_writer(&mut self.table, &record)?;
        self.table.write_all(b"\n")?;
        Ok(())
    }

    /// Writes the table; [`BuildCache::commit`] makes it current.
    pub fn finish(self, cache: &BuildCache) -> io::Result<()> {
        let NextCache {
            name, file, table, ..
        } = self;
        file.into_inner().map_err(io::IntoInnerError::into_error)?;
        table
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?
            .sync_all()?;
        cache.finished(name);
        Ok(())
    }
}

/// A key from the cache's hex; `None` unless it is one.
fn unhex(text: &str) -> Option<Key> {
    let mut key = [0; 32];
    hex::decode_to_slice(text, &mut key).ok()?;
    Some(key)
}

/// Sections as bytes: their number, then each one's heading, id (empty: none, else a
/// `#` before it) and text, each length-prefixed.
fn encode_sections(sections: &[Section], out: &mut Vec<u8>) {
    let string = |out: &mut Vec<u8>, s: &str| {
        out.extend_from_slice(&(s.len() as u64).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    };
    out.extend_from_slice(&(sections.len() as u64).to_le_bytes());
    for s in sections {
        string(out, &s.heading);
        let id = s.id.as_ref().map(|id| format!("#{id}")).unwrap_or_default();
        string(out, &id);
        string(out, &s.text);
    }
}

fn decode_sections(mut bytes: &[u8]) -> Option<Vec<Section>> {
    fn number(bytes: &mut &[u8]) -> Option<usize> {
        let (n, rest) = bytes.split_first_chunk::<8>()?;
        *bytes = rest;
        usize::try_from(u64::from_le_bytes(*n)).ok()
    }
    fn string(bytes: &mut &[u8]) -> Option<String> {
        let len = number(bytes)?;
        let (s, rest) = bytes.split_at_checked(len)?;
        *bytes = rest;
        String::from_utf8(s.to_vec()).ok()
    }
    let count = number(&mut bytes)?;
    let mut sections = Vec::with_capacity(count.min(bytes.len()));
    for _ in 0..count {
        let heading = string(&mut bytes)?;
        let id = string(&mut bytes)?;
        let text = string(&mut bytes)?;
        sections.push(Section {
            heading,
            id: id.strip_prefix('#').map(str::to_string),
            text,
        });
    }
    bytes.is_empty().then_some(sections)
}

fn read_sections(file: &File, (offset, len): (u64, u64)) -> Option<Vec<Section>> {
    let mut bytes = vec![0; usize::try_from(len).ok()?];
    read_exact_at(file, &mut bytes, offset).ok()?;
    decode_sections(&bytes)
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_come_back_as_they_were_written() {
        let sections = vec![
            Section {
                heading: String::new(),
                id: None,
                text: "Inledning".into(),
            },
            Section {
                heading: "Ansvar".into(),
                id: Some("ansvar".into()),
                text: "BUP och elevhälsan\n".into(),
            },
            Section {
                heading: "Tom".into(),
                id: Some(String::new()),
                text: String::new(),
            },
        ];
        let mut bytes = Vec::new();
        encode_sections(&sections, &mut bytes);
        assert_eq!(decode_sections(&bytes), Some(sections));
        assert_eq!(decode_sections(&bytes[..bytes.len() - 1]), None);
        bytes.push(0);
        assert_eq!(decode_sections(&bytes), None, "trailing bytes");
    }

    #[test]
    fn key_parts_do_not_run_into_each_other() {
        let key = |parts: &[&str]| {
            let mut h = KeyHasher::new("t");
            for p in parts {
                h.part(p.as_bytes());
            }
            h.finish()
        };
        assert_ne!(key(&["ab", "c"]), key(&["a", "bc"]));
        assert_eq!(key(&["ab", "c"]), key(&["ab", "c"]));
        let k = key(&["x"]);
        assert_eq!(unhex(&hex::encode(k)), Some(k));
        assert_eq!(unhex("zz"), None);
    }
}
