//! Atomic output: the site is written into a temporary folder beside the destination
//! and swapped in at the end, so a failed or killed build leaves the previous site whole.
//! What a killed build leaves behind is removed by the next one (see
//! [`remove_leftovers`]).

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Name of the marker file that identifies a folder as samsyn output.
pub const MARKER: &str = ".samsyn-site";

/// Name prefix of the folder a previous site is moved to while the new one is swapped in.
const OLD_PREFIX: &str = ".samsyn-old-";
/// What the name of a staging folder contains (`.NAME.samsyn-tmp-XXXXXX`).
const STAGING_INFIX: &str = ".samsyn-tmp-";

/// A site being written. The staging folder's marker stays locked while the build
/// runs, so another build never takes it for a leftover.
pub struct Staging {
    dir: tempfile::TempDir,
    dest: PathBuf,
    _lock: File,
}

/// Checks that `dest` may be replaced by a site built from the book in `book_root`
/// with sources in `src_dir`: not the book or a folder containing it, not inside the
/// source folder (each build would copy the previous site into the next), not a
/// file, not a non-empty folder that samsyn did not write. Returns `dest` absolute.
pub fn check_destination(dest: &Path, book_root: &Path, src_dir: &Path) -> Result<PathBuf, String> {
    let dest = absolute(dest);
    let book = absolute(book_root);
    let src = absolute(src_dir);
    if book.starts_with(&dest) {
        return Err(format!(
            "utmappen `{}` innehåller boken själv; välj en annan mapp med --dest-dir",
            dest.display()
        ));
    }
    if dest.starts_with(&src) || src.starts_with(&dest) {
        return Err(format!(
            "utmappen `{}` ligger i bokens källmapp `{}`; då skulle varje bygge kopiera den förra webbplatsen in i nästa. Välj en mapp utanför källmappen med --dest-dir, till exempel `site`",
            dest.display(),
            src.display()
        ));
    }
    if dest.exists() {
        if !dest.is_dir() {
            return Err(format!(
                "utmappen `{}` är en fil, inte en mapp",
                dest.display()
            ));
        }
        let empty = std::fs::read_dir(&dest)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty && !dest.join(MARKER).is_file() {
            return Err(format!(
                "utmappen `{}` finns redan och innehåller annat än en samsyn-webbplats; samsyn ersätter den inte (välj en tom eller ny mapp)",
                dest.display()
            ));
        }
    }
    Ok(dest)
}

impl Staging {
    /// Prepares to write to `dest` (see [`check_destination`]), after removing what
    /// killed builds left beside it.
    pub fn new(dest: &Path, book_root: &Path, src_dir: &Path) -> Result<Staging, String> {
        let dest = check_destination(dest, book_root, src_dir)?;
        let parent = dest.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("kan inte skapa `{}`: {e}", parent.display()))?;
        remove_leftovers(parent);
        let name = dest
            .file_name()
            .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned());
        let mut attempt = 0;
        loop {
            let dir = tempfile::Builder::new()
                .prefix(&format!(".{name}{STAGING_INFIX}"))
                .tempdir_in(parent)
                .map_err(|e| {
                    format!(
                        "kan inte skapa en tillfällig mapp i `{}`: {e}",
                        parent.display()
                    )
                })?;
            match lock_marker(dir.path()) {
                Ok(lock) => {
                    return Ok(Staging {
                        dir,
                        dest,
                        _lock: lock,
                    });
                }
                // Another build's clean-up took the folder while it was still empty.
                Err(_) if attempt < 3 => attempt += 1,
                Err(e) => {
                    return Err(format!("kan inte skriva i `{}`: {e}", dir.path().display()));
                }
            }
        }
    }

    /// The folder to write into.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The final destination.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Swaps the finished site in place of the previous one.
    pub fn commit(self) -> io::Result<()> {
        let Staging { dir, dest, _lock } = self;
        let staged = dir.keep();
        let parent = dest.parent().unwrap_or(Path::new("."));
        // Held while the previous site (if any) sits in its `.samsyn-old-` folder, so that
        // another build does not remove it under us.
        let old_marker = File::open(dest.join(MARKER)).ok();
        if let Some(marker) = &old_marker {
            let _ = marker.try_lock();
        }
        let aside = || -> io::Result<PathBuf> {
            let old = tempfile::Builder::new()
                .prefix(OLD_PREFIX)
                .tempdir_in(parent)?
                .keep();
            std::fs::remove_dir(&old)?;
            Ok(old)
        };
        match swap_dir(&staged, &dest, aside) {
            Ok(Some(previous)) => match remove_tree(previous.path()) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            },
            Ok(None) => {}
            Err(e) => {
                let _ = std::fs::remove_dir_all(&staged);
                return Err(e);
            }
        }
        Ok(())
    }
}

/// Removes the folder `dir` and everything in it (symlinks are removed, never followed),
/// its top-level entries in parallel: a site's files are spread over a few folders, and
/// removing them one at a time took 0.9 s of a 100,000-page build.
pub fn remove_tree(dir: &Path) -> io::Result<()> {
    use rayon::prelude::*;
    let entries: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)?.collect::<io::Result<_>>()?;
    entries.par_iter().try_for_each(|entry| {
        let removed = match entry.file_type()?.is_dir() {
            true => std::fs::remove_dir_all(entry.path()),
            false => std::fs::remove_file(entry.path()),
        };
        match removed {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    })?;
    std::fs::remove_dir(dir)
}

/// Where [`swap_dir`] left the folder it replaced (for the caller to remove).
#[derive(Debug, PartialEq, Eq)]
pub enum Previous {
    /// Exchanged in one step: the old folder now has the new one's former name, and
    /// `dest` existed at every moment.
    Exchanged(PathBuf),
    /// Moved aside first, then the new folder moved in: for that moment `dest` did
    /// not exist (where the system cannot exchange two names).
    MovedAside(PathBuf),
}

impl Previous {
    pub fn path(&self) -> &Path {
        match self {
            Previous::Exchanged(p) | Previous::MovedAside(p) => p,
        }
    }
}

/// Puts the folder `new` in place of the folder `dest` (same file system); where there
/// is none yet, `new` is only renamed (and None returned). On Linux the two names are
/// exchanged atomically, so a server reading `dest` never finds it missing; elsewhere,
/// or where the file system cannot exchange, `dest` is moved to `aside()` first. On
/// failure `dest` is as it was and `new` still exists.
pub fn swap_dir(
    new: &Path,
    dest: &Path,
    aside: impl FnOnce() -> io::Result<PathBuf>,
) -> io::Result<Option<Previous>> {
    if !dest.exists() {
        return std::fs::rename(new, dest).map(|()| None);
    }
    if exchange(new, dest).is_ok() {
        return Ok(Some(Previous::Exchanged(new.to_path_buf())));
    }
    let old = aside()?;
    std::fs::rename(dest, &old)?;
    if let Err(e) = std::fs::rename(new, dest) {
        let _ = std::fs::rename(&old, dest);
        return Err(e);
    }
    Ok(Some(Previous::MovedAside(old)))
}

/// Exchanges the names `a` and `b` in one step (`renameat2` with `RENAME_EXCHANGE`).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both pointers are NUL-terminated strings that live across the call;
    // AT_FDCWD makes relative paths relative to the working folder, as `rename` does.
    let status = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if status == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Creates the marker in the staging folder `dir` and locks it (exclusive, for the
/// life of the returned file).
fn lock_marker(dir: &Path) -> io::Result<File> {
    let mut marker = File::create_new(dir.join(MARKER))?;
    marker.try_lock().map_err(io::Error::from)?;
    // A clean-up may have removed the folder between its creation and the lock.
    if !dir.join(MARKER).is_file() {
        return Err(io::Error::from(io::ErrorKind::NotFound));
    }
    marker.write_all(b"samsyn\n")?;
    Ok(marker)
}

/// Removes the staging and old-site folders in `parent` that killed samsyn builds
/// left: named like samsyn's (`.NAME.samsyn-tmp-*`, `.samsyn-old-*`), and either
/// empty or marked with samsyn's marker that no running build holds locked. A
/// folder without the marker is someone else's and is kept. Returns how many
/// folders were removed.
pub fn remove_leftovers(parent: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours =
            name.starts_with(OLD_PREFIX) || (name.starts_with('.') && name.contains(STAGING_INFIX));
        // `file_type` does not follow symlinks: a link is never entered.
        if !ours || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let dir = entry.path();
        let marker = dir.join(MARKER);
        let is_marker = std::fs::symlink_metadata(&marker).is_ok_and(|m| m.is_file());
        let gone = if is_marker {
            match File::open(&marker) {
                // Held until the folder is gone.
                Ok(file) if file.try_lock().is_ok() => std::fs::remove_dir_all(&dir).is_ok(),
                _ => false,
            }
        } else {
            // Only succeeds when empty: a build killed before it wrote its marker.
            std::fs::remove_dir(&dir).is_ok()
        };
        removed += usize::from(gone);
    }
    removed
}

/// `p` as an absolute path that compares correctly with others: the part that exists is
/// canonicalised (symlinks and `..` resolved), and the rest, which does not exist yet, is
/// appended with its `.` and `..` resolved by name.
pub fn absolute(p: &Path) -> PathBuf {
    use std::path::Component;
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    // The longest part of the path that exists, and the parts after it.
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    let mut base = loop {
        if let Ok(c) = existing.canonicalize() {
            break c;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            // `a/..`-ending paths have no file name: resolve them by name from here.
            (Some(parent), None) => {
                rest.push("..".into());
                existing = parent;
            }
            _ => return abs,
        }
    };
    for part in rest.iter().rev() {
        match Path::new(part).components().next() {
            Some(Component::ParentDir) => {
                base.pop();
            }
            Some(Component::CurDir) | None => {}
            _ => base.push(part),
        }
    }
    base
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_paths_resolve_what_does_not_exist_yet_by_name() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().canonicalize().unwrap();
        assert_eq!(absolute(tmp.path()), real);
        assert_eq!(absolute(&tmp.path().join("a/b/../c")), real.join("a/c"));
        assert_eq!(
            absolute(&tmp.path().join("a/../../x")),
            real.parent().unwrap().join("x")
        );
        std::fs::create_dir(tmp.path().join("src")).unwrap();
        assert!(absolute(&tmp.path().join("nej/../src/cache")).starts_with(real.join("src")));
    }

    #[test]
    fn refuses_to_replace_foreign_folders_and_the_book() {
        let tmp = tempfile::tempdir().unwrap();
        let book = tmp.path().join("book");
        std::fs::create_dir_all(&book).unwrap();
        let foreign = tmp.path().join("docs");
        std::fs::create_dir_all(&foreign).unwrap();
        std::fs::write(foreign.join("viktig.txt"), "x").unwrap();
        let src = book.join("src");
        assert!(Staging::new(&foreign, &book, &src).is_err());
        assert!(Staging::new(tmp.path(), &book, &src).is_err());
        assert!(Staging::new(&book, &book, &src).is_err());
        assert!(Staging::new(&src, &book, &src).is_err());
        assert!(Staging::new(&src.join("site"), &book, &src).is_err());
    }

    #[test]
    fn swap_dir_puts_the_new_folder_in_place_and_hands_back_the_old() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("sok");
        let new = tmp.path().join("ny");
        std::fs::create_dir_all(&dest).unwrap();
        std::fs::write(dest.join("manifest.json"), "gammal").unwrap();
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(new.join("manifest.json"), "ny").unwrap();
        let aside = tmp.path().join("undan");
        let previous = swap_dir(&new, &dest, || Ok(aside.clone()))
            .unwrap()
            .expect("a previous folder");
        assert_eq!(
            std::fs::read_to_string(dest.join("manifest.json")).unwrap(),
            "ny"
        );
        let old = std::fs::read_to_string(previous.path().join("manifest.json")).unwrap();
        assert_eq!(old, "gammal");
        // Linux exchanges the two names, so the folder is never missing.
        if cfg!(all(target_os = "linux", target_env = "gnu")) {
            assert_eq!(previous, Previous::Exchanged(new.clone()));
        }
        // Where there is no folder yet, the new one is only moved in.
        let first = tmp.path().join("forsta");
        assert_eq!(swap_dir(&new, &first, || Ok(aside.clone())).unwrap(), None);
        assert_eq!(
            std::fs::read_to_string(first.join("manifest.json")).unwrap(),
            "gammal"
        );
        // A failed swap leaves both folders as they were.
        let missing = tmp.path().join("saknas");
        assert!(swap_dir(&missing, &dest, || Ok(aside.clone())).is_err());
        assert_eq!(
            std::fs::read_to_string(dest.join("manifest.json")).unwrap(),
            "ny"
        );
    }

    #[test]
    fn commit_replaces_previous_site() {
        let tmp = tempfile::tempdir().unwrap();
        let book = tmp.path().join("book");
        let dest = tmp.path().join("site");
        for text in ["ett", "två"] {
            let s = Staging::new(&dest, &book, &book.join("src")).unwrap();
            std::fs::write(s.path().join("index.html"), text).unwrap();
            s.commit().unwrap();
        }
        assert_eq!(
            std::fs::read_to_string(dest.join("index.html")).unwrap(),
            "två"
        );
        let leftovers = std::fs::read_dir(tmp.path()).unwrap().count();
        assert_eq!(leftovers, 1, "only site/ remains");
    }
}
