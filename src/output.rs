//! Atomic output: the site is written into a temporary folder beside the destination
//! and swapped in at the end, so a failed or killed build leaves the previous site whole.

use std::io;
use std::path::{Path, PathBuf};

/// Name of the marker file that identifies a folder as samsyn output.
pub const MARKER: &str = ".samsyn-site";

/// A site being written.
pub struct Staging {
    dir: tempfile::TempDir,
    dest: PathBuf,
}

impl Staging {
    /// Prepares to write to `dest`. Refuses destinations whose replacement would lose
    /// content: the book itself, a folder containing it, or a non-empty folder that
    /// samsyn did not write.
    pub fn new(dest: &Path, book_root: &Path) -> Result<Staging, String> {
        let dest = absolute(dest);
        let book = absolute(book_root);
        if book.starts_with(&dest) {
            return Err(format!(
                "utmappen `{}` innehåller boken själv; välj en annan mapp med --dest-dir",
                dest.display()
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
        let parent = dest.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("kan inte skapa `{}`: {e}", parent.display()))?;
        let name = dest
            .file_name()
            .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned());
        let dir = tempfile::Builder::new()
            .prefix(&format!(".{name}.samsyn-tmp-"))
            .tempdir_in(parent)
            .map_err(|e| {
                format!(
                    "kan inte skapa en tillfällig mapp i `{}`: {e}",
                    parent.display()
                )
            })?;
        std::fs::write(dir.path().join(MARKER), "samsyn\n")
            .map_err(|e| format!("kan inte skriva i `{}`: {e}", dir.path().display()))?;
        Ok(Staging { dir, dest })
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
        let staged = self.dir.keep();
        let parent = self.dest.parent().unwrap_or(Path::new("."));
        if self.dest.exists() {
            let old = tempfile::Builder::new()
                .prefix(".samsyn-old-")
                .tempdir_in(parent)?
                .keep();
            std::fs::remove_dir(&old)?;
            std::fs::rename(&self.dest, &old)?;
            if let Err(e) = std::fs::rename(&staged, &self.dest) {
                // Put the previous site back before reporting.
                let _ = std::fs::rename(&old, &self.dest);
                let _ = std::fs::remove_dir_all(&staged);
                return Err(e);
            }
            std::fs::remove_dir_all(&old)?;
        } else if let Err(e) = std::fs::rename(&staged, &self.dest) {
            let _ = std::fs::remove_dir_all(&staged);
            return Err(e);
        }
        Ok(())
    }
}

fn absolute(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    // Canonicalise what exists so `a/../b` and symlinks compare correctly.
    match abs.canonicalize() {
        Ok(c) => c,
        Err(_) => match (
            abs.parent().and_then(|p| p.canonicalize().ok()),
            abs.file_name(),
        ) {
            (Some(parent), Some(name)) => parent.join(name),
            _ => abs,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_replace_foreign_folders_and_the_book() {
        let tmp = tempfile::tempdir().unwrap();
        let book = tmp.path().join("book");
        std::fs::create_dir_all(&book).unwrap();
        let foreign = tmp.path().join("docs");
        std::fs::create_dir_all(&foreign).unwrap();
        std::fs::write(foreign.join("viktig.txt"), "x").unwrap();
        assert!(Staging::new(&foreign, &book).is_err());
        assert!(Staging::new(tmp.path(), &book).is_err());
        assert!(Staging::new(&book, &book).is_err());
    }

    #[test]
    fn commit_replaces_previous_site() {
        let tmp = tempfile::tempdir().unwrap();
        let book = tmp.path().join("book");
        let dest = tmp.path().join("site");
        for text in ["ett", "två"] {
            let s = Staging::new(&dest, &book).unwrap();
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
