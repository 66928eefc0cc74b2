//! Confinement: the one place that decides which files samsyn may read and write.
//!
//! Every file read for a page or an asset goes through a [`SourceRoot`] and must
//! resolve, symlinks followed, to a regular file inside the book's source folder.
//! Every file written goes through an [`OutputRoot`] and must land inside the output
//! (or staging) folder. Paths are checked lexically first (not absolute, no drive or
//! UNC prefix, no `..` that leaves the root), then on disk (symlinks resolved).

use std::collections::{HashMap, HashSet};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Why a path was refused or could not be used.
#[derive(Debug)]
pub enum PathProblem {
    /// Empty, or names the root folder itself.
    Empty,
    /// Absolute (`/x`), or with a drive or UNC prefix (`C:\x`, `\\server\x`).
    Absolute,
    /// A `..` leads out of the root.
    LeavesRoot,
    /// Resolves (through a symlink) to a place outside the root.
    OutsideRoot,
    /// Does not exist.
    NotFound,
    /// Exists but is not a regular file (a folder, a FIFO, a device).
    NotAFile,
    /// Any other I/O failure.
    Io(io::Error),
}

impl PathProblem {
    /// A Swedish message about `written` (as the editor wrote it) relative to the
    /// folder named `root` (e.g. `book/src`), and what to do about it.
    pub fn describe(&self, written: &str, root: &str) -> (String, String) {
        let relative_hint =
            format!("skriv sökvägen relativt {root}/ och låt filen ligga under den mappen");
        match self {
            PathProblem::Empty => (
                format!("sökvägen `{written}` pekar inte på någon fil"),
                "ange en Markdown-fil, till exempel `kapitel.md`".into(),
            ),
            PathProblem::Absolute => (
                format!("sökvägen `{written}` är absolut; samsyn läser bara filer under {root}/"),
                relative_hint,
            ),
            PathProblem::LeavesRoot => (
                format!("sökvägen `{written}` leder ut ur {root}/"),
                relative_hint,
            ),
            PathProblem::OutsideRoot => (
                format!("`{written}` är en symbolisk länk som pekar ut ur {root}/"),
                format!(
                    "ersätt länken med en riktig fil under {root}/; samsyn läser inga filer utanför källmappen"
                ),
            ),
            PathProblem::NotFound => (
                format!("`{written}` finns inte under {root}/"),
                format!("skapa filen {root}/{written} eller ta bort raden"),
            ),
            PathProblem::NotAFile => (
                format!("`{written}` är inte en vanlig fil (utan en mapp, en FIFO eller en enhet)"),
                "ange en Markdown-fil".into(),
            ),
            PathProblem::Io(e) => (
                format!("`{written}` kan inte läsas: {e}"),
                "kontrollera filens rättigheter".into(),
            ),
        }
    }
}

impl std::fmt::Display for PathProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PathProblem::Empty => f.write_str("tom sökväg"),
            PathProblem::Absolute => f.write_str("absolut sökväg"),
            PathProblem::LeavesRoot => f.write_str("sökvägen leder ut ur mappen"),
            PathProblem::OutsideRoot => f.write_str("sökvägen pekar ut ur mappen"),
            PathProblem::NotFound => f.write_str("finns inte"),
            PathProblem::NotAFile => f.write_str("inte en vanlig fil"),
            PathProblem::Io(e) => write!(f, "{e}"),
        }
    }
}

fn from_io(e: io::Error) -> PathProblem {
    if e.kind() == io::ErrorKind::NotFound {
        PathProblem::NotFound
    } else {
        PathProblem::Io(e)
    }
}

/// The lexical check: `rel` as a `/`-separated path of plain names inside a root.
/// `\` counts as a separator (as on Windows), `.` parts are dropped and `..` parts
/// taken back; a `..` past the root, an absolute path or a drive/UNC prefix is refused.
pub fn normalize(rel: &str) -> Result<String, PathProblem> {
    let unified = rel.replace('\\', "/");
    let bytes = unified.as_bytes();
    if unified.starts_with('/')
        || (bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':')
    {
        return Err(PathProblem::Absolute);
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in unified.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(PathProblem::LeavesRoot);
                }
            }
            name => parts.push(name),
        }
    }
    if parts.is_empty() {
        return Err(PathProblem::Empty);
    }
    Ok(parts.join("/"))
}

/// `path` made absolute and, as far as it exists, canonical.
fn canonical_or_absolute(path: &Path) -> PathBuf {
    path.canonicalize()
        .unwrap_or_else(|_| std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// The book's source folder: the only place pages and assets are read from.
#[derive(Debug, Clone)]
pub struct SourceRoot {
    dir: PathBuf,
    canonical: PathBuf,
}

/// A file inside a [`SourceRoot`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Normalised path relative to the root, `/`-separated.
    pub rel: String,
    /// Where it really is (symlinks resolved).
    pub path: PathBuf,
}

impl SourceRoot {
    pub fn new(dir: &Path) -> SourceRoot {
        SourceRoot {
            dir: dir.to_path_buf(),
            canonical: canonical_or_absolute(dir),
        }
    }

    /// The folder as configured (not resolved).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Resolves `rel` to a regular file inside the root, symlinks followed.
    pub fn resolve(&self, rel: &str) -> Result<SourceFile, PathProblem> {
        let rel = normalize(rel)?;
        let path = self.dir.join(&rel).canonicalize().map_err(from_io)?;
        if !path.starts_with(&self.canonical) {
            return Err(PathProblem::OutsideRoot);
        }
        // Checked before opening: opening a FIFO would block.
        if !std::fs::metadata(&path).map_err(from_io)?.is_file() {
            return Err(PathProblem::NotAFile);
        }
        Ok(SourceFile { rel, path })
    }

    /// [`SourceRoot::resolve`] in a pass over many files (a book's load): each folder's
    /// real path is found once (in `dirs`), so that a file costs one `lstat` where
    /// resolving its whole path costs one per folder on the way and a `readlink` each.
    /// A file that is a symlink is resolved whole. For one pass only: a folder replaced
    /// by a symlink after it was resolved would not be seen.
    pub fn resolve_in(&self, rel: &str, dirs: &ResolvedDirs) -> Result<SourceFile, PathProblem> {
        let rel = normalize(rel)?;
        let (parent, name) = rel.rsplit_once('/').unwrap_or(("", rel.as_str()));
        let known = dirs.0.lock().ok().and_then(|d| d.get(parent).cloned());
        let dir = match known {
            Some(dir) => dir,
            None => {
                let dir = self.dir.join(parent).canonicalize().map_err(from_io)?;
                if !dir.starts_with(&self.canonical) {
                    return Err(PathProblem::OutsideRoot);
                }
                if let Ok(mut d) = dirs.0.lock() {
                    d.insert(parent.to_string(), dir.clone());
                }
                dir
            }
        };
        let path = dir.join(name);
        let meta = std::fs::symlink_metadata(&path).map_err(from_io)?;
        if meta.file_type().is_symlink() {
            return self.resolve(&rel);
        }
        if !meta.is_file() {
            return Err(PathProblem::NotAFile);
        }
        Ok(SourceFile { rel, path })
    }

    /// Reads the file `rel` (see [`SourceRoot::resolve`]).
    pub fn read(&self, rel: &str) -> Result<Vec<u8>, PathProblem> {
        Self::read_resolved(&self.resolve(rel)?)
    }

    /// Reads a file [`SourceRoot::resolve`] found (a regular file when it is opened too).
    pub fn read_resolved(file: &SourceFile) -> Result<Vec<u8>, PathProblem> {
        let mut opened = std::fs::File::open(&file.path).map_err(from_io)?;
        if !opened.metadata().map_err(from_io)?.is_file() {
            return Err(PathProblem::NotAFile);
        }
        let mut bytes = Vec::new();
        opened.read_to_end(&mut bytes).map_err(from_io)?;
        Ok(bytes)
    }

    /// Reads the file `rel` with `read` once it is known to be a regular file inside
    /// the root (see [`SourceRoot::resolve`]); `read` gets the path under the root as
    /// configured, so that a caller which follows the folder's change events (the
    /// preview) sees the path those events name.
    pub fn read_with<T>(
        &self,
        rel: &str,
        read: impl FnOnce(&Path) -> io::Result<T>,
    ) -> Result<T, PathProblem> {
        let file = self.resolve(rel)?;
        read(&self.dir.join(&file.rel)).map_err(from_io)
    }

    /// Symlinks under the root that do not resolve to a file or folder inside it
    /// (they lead out, or nowhere), as `/`-separated paths relative to the root.
    pub fn links_out(&self) -> Vec<String> {
        let mut out: Vec<String> = walkdir::WalkDir::new(&self.dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.path_is_symlink())
            .filter(|e| {
                e.path()
                    .canonicalize()
                    .map_or(true, |p| !p.starts_with(&self.canonical))
            })
            .filter_map(|e| {
                e.path()
                    .strip_prefix(&self.dir)
                    .ok()
                    .map(|p| p.to_string_lossy().replace('\\', "/"))
            })
            .collect();
        out.sort();
        out
    }
}

/// The folders [`SourceRoot::resolve_in`] resolved, by their path under the root.
#[derive(Debug, Default)]
pub struct ResolvedDirs(Mutex<HashMap<String, PathBuf>>);

/// A folder samsyn writes (the staging folder of a build, the served folder of the
/// preview): nothing is written outside it.
#[derive(Debug)]
pub struct OutputRoot {
    canonical: PathBuf,
    /// Folders under the root already checked to resolve inside it.
    checked: Mutex<HashSet<PathBuf>>,
}

impl OutputRoot {
    /// Creates the folder if needed.
    pub fn new(dir: &Path) -> io::Result<OutputRoot> {
        std::fs::create_dir_all(dir)?;
        Ok(OutputRoot {
            canonical: dir.canonicalize()?,
            checked: Mutex::new(HashSet::new()),
        })
    }

    /// The folder (canonical).
    pub fn dir(&self) -> &Path {
        &self.canonical
    }

    /// The path of `rel` inside the folder. Every folder on the way must be a real
    /// folder (not a symlink), and the path itself must not be a symlink.
    pub fn path(&self, rel: &str) -> Result<PathBuf, PathProblem> {
        self.locate(rel, false)
    }

    /// [`OutputRoot::path`] with the missing folders on the way created.
    pub fn prepare(&self, rel: &str) -> Result<PathBuf, PathProblem> {
        self.locate(rel, true)
    }

    fn locate(&self, rel: &str, create: bool) -> Result<PathBuf, PathProblem> {
        let rel = normalize(rel)?;
        let mut dir = self.canonical.clone();
        let mut parts: Vec<&str> = rel.split('/').collect();
        let name = parts.pop().unwrap_or_default();
        for part in parts {
            dir.push(part);
            if self.checked.lock().is_ok_and(|c| c.contains(&dir)) {
                continue;
            }
            match std::fs::symlink_metadata(&dir) {
                Ok(m) if m.is_dir() => {}
                Ok(m) if m.file_type().is_symlink() => return Err(PathProblem::OutsideRoot),
                Ok(_) => return Err(PathProblem::NotAFile),
                Err(e) if e.kind() == io::ErrorKind::NotFound && create => {
                    match std::fs::create_dir(&dir) {
                        Ok(()) => {}
                        // Created meanwhile by another thread: check it on the next call.
                        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                            return self.locate(&rel, create);
                        }
                        Err(e) => return Err(PathProblem::Io(e)),
                    }
                }
                Err(e) => return Err(from_io(e)),
            }
            if let Ok(mut c) = self.checked.lock() {
                c.insert(dir.clone());
            }
        }
        let target = dir.join(name);
        if std::fs::symlink_metadata(&target).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(PathProblem::OutsideRoot);
        }
        Ok(target)
    }

    /// A folder `rel` inside the folder, created.
    pub fn subdir(&self, rel: &str) -> Result<PathBuf, PathProblem> {
        let dir = self.prepare(rel)?;
        match std::fs::create_dir(&dir) {
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(PathProblem::Io(e)),
            _ if std::fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) => Ok(dir),
            _ => Err(PathProblem::NotAFile),
        }
    }

    /// Writes `bytes` to `rel`, creating folders.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), PathProblem> {
        let target = self.prepare(rel)?;
        std::fs::write(&target, bytes).map_err(PathProblem::Io)
    }

    /// Removes the file `rel` if it exists.
    pub fn remove(&self, rel: &str) {
        if let Ok(path) = self.path(rel) {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_checks() {
        assert_eq!(normalize("a/./b/../c.md").unwrap(), "a/c.md");
        assert_eq!(normalize("./a.md").unwrap(), "a.md");
        assert_eq!(normalize("a\\b.md").unwrap(), "a/b.md");
        for absolute in [
            "/etc/passwd",
            "\\\\server\\share\\x.md",
            "C:\\x.md",
            "c:x.md",
            "//x",
        ] {
            assert!(
                matches!(normalize(absolute), Err(PathProblem::Absolute)),
                "{absolute}"
            );
        }
        for escaping in ["../book.toml", "a/../../x", "..\\..\\x", "..", "a/../.."] {
            assert!(
                matches!(normalize(escaping), Err(PathProblem::LeavesRoot)),
                "{escaping}"
            );
        }
        for empty in ["", ".", "a/..", "./"] {
            assert!(
                matches!(normalize(empty), Err(PathProblem::Empty)),
                "{empty}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn reads_stay_inside_the_source_folder() {
        use std::os::unix::fs::symlink;
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        std::fs::create_dir_all(src.join("del")).unwrap();
        std::fs::write(src.join("del/a.md"), "# A").unwrap();
        let victim = tmp.path().join("victim");
        std::fs::create_dir_all(&victim).unwrap();
        std::fs::write(victim.join("secret.md"), "hemligt").unwrap();
        symlink(victim.join("secret.md"), src.join("ut.md")).unwrap();
        symlink(&victim, src.join("utmapp")).unwrap();
        symlink(src.join("del/a.md"), src.join("inne.md")).unwrap();
        let root = SourceRoot::new(&src);

        assert_eq!(root.read("del/../del/a.md").unwrap(), b"# A");
        assert_eq!(
            root.read("inne.md").unwrap(),
            b"# A",
            "a link inside is fine"
        );
        assert!(matches!(root.read("ut.md"), Err(PathProblem::OutsideRoot)));
        assert!(matches!(
            root.read("utmapp/secret.md"),
            Err(PathProblem::OutsideRoot)
        ));
        assert!(matches!(
            root.read("../victim/secret.md"),
            Err(PathProblem::LeavesRoot)
        ));
        let absolute = victim.join("secret.md");
        assert!(matches!(
            root.read(absolute.to_str().unwrap()),
            Err(PathProblem::Absolute)
        ));
        assert!(matches!(root.read("del"), Err(PathProblem::NotAFile)));
        assert!(matches!(root.read("saknas.md"), Err(PathProblem::NotFound)));
        assert_eq!(root.links_out(), vec!["ut.md", "utmapp"]);

        // A load's resolution, each folder once, finds what resolving each path finds,
        // from its folders' first resolution and from the ones it remembers.
        let dirs = ResolvedDirs::default();
        let cases = [
            "del/a.md",
            "del/../del/a.md",
            "inne.md",
            "ut.md",
            "utmapp/secret.md",
            "../victim/secret.md",
            absolute.to_str().unwrap(),
            "del",
            "saknas.md",
            "del/saknas.md",
            "saknas/a.md",
        ];
        for _ in 0..2 {
            for rel in cases {
                let whole = root.resolve(rel).map(|f| (f.rel, f.path));
                let by_folder = root.resolve_in(rel, &dirs).map(|f| (f.rel, f.path));
                assert_eq!(format!("{whole:?}"), format!("{by_folder:?}"), "{rel}");
            }
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_not_read() {
        let tmp = tempfile::tempdir().unwrap();
        let fifo = tmp.path().join("kö.md");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            return; // no mkfifo here
        }
        let root = SourceRoot::new(tmp.path());
        assert!(matches!(root.read("kö.md"), Err(PathProblem::NotAFile)));
    }

    #[cfg(unix)]
    #[test]
    fn writes_stay_inside_the_output_folder() {
        use std::os::unix::fs::symlink;
        let tmp = tempfile::tempdir().unwrap();
        let victim = tmp.path().join("victim");
        std::fs::create_dir_all(&victim).unwrap();
        let out = OutputRoot::new(&tmp.path().join("site")).unwrap();
        out.write("a/b.html", b"ok").unwrap();
        assert_eq!(std::fs::read(out.dir().join("a/b.html")).unwrap(), b"ok");
        for bad in ["../x.html", "/tmp/x.html", "a/../../x.html", "C:/x.html"] {
            assert!(out.write(bad, b"x").is_err(), "{bad}");
        }
        symlink(&victim, out.dir().join("ut")).unwrap();
        assert!(matches!(
            out.write("ut/x.html", b"x"),
            Err(PathProblem::OutsideRoot)
        ));
        symlink(victim.join("fil"), out.dir().join("fil.html")).unwrap();
        assert!(matches!(
            out.write("fil.html", b"x"),
            Err(PathProblem::OutsideRoot)
        ));
        assert!(out.write("ut/ny/x.html", b"x").is_err());
        assert_eq!(std::fs::read_dir(&victim).unwrap().count(), 0);
        assert!(!tmp.path().join("x.html").exists());
    }
}
