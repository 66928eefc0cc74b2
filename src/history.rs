//! The book's history from git: for each source file under the book's `src/`, the
//! commits that changed it.
//!
//! Read once per build (and once when `samsyn serve` starts), in one pass over the
//! first-parent history from HEAD: each commit's `src/` tree is compared with its
//! parent's (an unchanged subtree id ends the comparison of that folder at once), so the
//! cost grows with the number of commits and of files they changed, not with pages ×
//! commits. Renames are not followed: a renamed page's history starts at the rename.
//! Uncommitted edits are not history: a page's "Senast ändrad" is its last commit.
//! A shallow clone (its history is cut) and a book outside git build without history.

use chrono::{DateTime, FixedOffset, NaiveDate};
use gix::ObjectId;
use std::collections::HashMap;
use std::path::Path;

/// A commit that changed something under the book's source folder.
#[derive(Debug, Clone)]
pub struct Commit {
    /// The full hexadecimal id.
    pub id: String,
    /// Committer time: seconds since the epoch.
    pub seconds: i64,
    /// The committer's offset from UTC, in seconds (the time zone the commit was made in).
    pub offset: i32,
    pub author: String,
    /// What the commit tells readers: the text of a message line `Ändring: …` (see
    /// [`public_note`]). Commit subjects are written for developers ("Merge branch …",
    /// English), so without such a line the site says only that the text changed.
    pub note: Option<String>,
}

impl Commit {
    /// The commit's abbreviated id as shown (7 hex digits, as git shows it).
    pub fn short(&self) -> &str {
        &self.id[..7.min(self.id.len())]
    }

    /// The commit's id as used in file names: 12 hex digits, unique in practice.
    pub fn file_id(&self) -> &str {
        &self.id[..12.min(self.id.len())]
    }

    /// The committer time in the committer's own time zone.
    pub fn time(&self) -> DateTime<FixedOffset> {
        let offset =
            FixedOffset::east_opt(self.offset).unwrap_or(FixedOffset::east_opt(0).unwrap());
        DateTime::from_timestamp(self.seconds, 0)
            .unwrap_or_default()
            .with_timezone(&offset)
    }

    /// The date of the commit where it was made (its committer's time zone).
    pub fn date(&self) -> NaiveDate {
        self.time().date_naive()
    }
}

/// One change of one file.
#[derive(Debug, Clone, Copy)]
pub struct Change {
    /// Index into [`History::commits`].
    pub commit: usize,
    /// The file's blob after the commit; `None` when the commit deleted it.
    pub blob: Option<ObjectId>,
    /// The file's blob before the commit; `None` when the commit added it.
    pub previous: Option<ObjectId>,
}

/// The history of a book's source folder.
pub struct History {
    repo: gix::ThreadSafeRepository,
    /// Commits that changed the source folder, newest first.
    pub commits: Vec<Commit>,
    /// Changes by source path (relative to `src/`, `/`-separated), newest first.
    changes: HashMap<String, Vec<Change>>,
}

impl std::fmt::Debug for History {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("History")
            .field("commits", &self.commits.len())
            .field("files", &self.changes.len())
            .finish()
    }
}

/// Why a build has no history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    /// `[output.samsyn] history = false` in book.toml.
    Disabled,
    /// The book is not in a git repository (or one without a work tree).
    NotInGit,
    /// A shallow clone: its history is cut, so dates would be wrong.
    Shallow,
    /// The repository could not be read.
    Unreadable(String),
}

impl Unavailable {
    /// The one line a build prints about it (none when history was turned off).
    pub fn message(&self) -> Option<String> {
        match self {
            Unavailable::Disabled => None,
            Unavailable::NotInGit => Some(
                "boken ligger inte i ett git-arkiv: sidorna byggs utan ändringshistorik (Senast ändrad, Ändringshistorik, feed.xml)".into(),
            ),
            Unavailable::Shallow => Some(
                "git-arkivet är en grund klon (historiken är avkortad): sidorna byggs utan ändringshistorik; klona med full historik (`git fetch --unshallow`) för att få den".into(),
            ),
            Unavailable::Unreadable(e) => Some(format!(
                "git-historiken kunde inte läsas ({e}): sidorna byggs utan ändringshistorik"
            )),
        }
    }
}

/// `[output.samsyn] history` in book.toml: whether to read the history (default true).
pub fn enabled(config: &mdbook_driver::config::Config) -> bool {
    config
        .get::<bool>("output.samsyn.history")
        .ok()
        .flatten()
        .unwrap_or(true)
}

/// The book's history, or why there is none. `src_dir` is the book's source folder.
pub fn for_book(
    config: &mdbook_driver::config::Config,
    src_dir: &Path,
) -> Result<History, Unavailable> {
    if !enabled(config) {
        return Err(Unavailable::Disabled);
    }
    read(src_dir)
}

/// Reads the history of everything under `src_dir` from the git repository it lies in.
pub fn read(src_dir: &Path) -> Result<History, Unavailable> {
    let unreadable = |e: &dyn std::fmt::Display| Unavailable::Unreadable(e.to_string());
    let Ok(repo) = gix::discover(src_dir) else {
        return Err(Unavailable::NotInGit);
    };
    let Some(workdir) = repo.workdir().map(Path::to_path_buf) else {
        return Err(Unavailable::NotInGit);
    };
    if repo.is_shallow().map_err(|e| unreadable(&e))? {
        return Err(Unavailable::Shallow);
    }
    let (Ok(workdir), Ok(src)) = (workdir.canonicalize(), src_dir.canonicalize()) else {
        return Err(Unavailable::NotInGit);
    };
    let Ok(prefix) = src.strip_prefix(&workdir).map(Path::to_path_buf) else {
        return Err(Unavailable::NotInGit);
    };
    let mut walk = Walk {
        repo: &repo,
        commits: Vec::new(),
        changes: HashMap::new(),
    };
    // An unborn HEAD (a repository without commits) has no history yet.
    if let Ok(head) = repo.head_id() {
        walk.first_parent_history(head.detach(), &prefix)
            .map_err(|e| unreadable(&e))?;
    }
    let Walk {
        commits, changes, ..
    } = walk;
    // The handle that walked holds on to what it read (about 7 MB at 10,000 pages, which
    // the build's peak, in the search index, would carry); file versions are read later
    // through a fresh one.
    drop(repo);
    let repo = gix::discover(src_dir).map_err(|e| unreadable(&e))?;
    Ok(History {
        repo: repo.into_sync(),
        commits,
        changes,
    })
}

struct Walk<'r> {
    repo: &'r gix::Repository,
    commits: Vec<Commit>,
    changes: HashMap<String, Vec<Change>>,
}

impl Walk<'_> {
    /// Walks from `head` along first parents, recording every commit whose source
    /// folder differs from its parent's and the files that differ.
    fn first_parent_history(&mut self, head: ObjectId, prefix: &Path) -> gix::Result<()> {
        let mut id = head;
        let mut src_tree = self.src_tree(id, prefix)?;
        loop {
            let commit = self.repo.find_commit(id)?;
            let parent = commit.parent_ids().next().map(|p| p.detach());
            let parent_tree = match parent {
                Some(p) => self.src_tree(p, prefix)?,
                None => None,
            };
            if parent_tree != src_tree {
                let index = self.commits.len();
                self.commits.push(commit_info(&commit)?);
                self.diff_trees(parent_tree, src_tree, "", index)?;
            }
            match parent {
                Some(p) => {
                    id = p;
                    src_tree = parent_tree;
                }
                None => return Ok(()),
            }
        }
    }

    /// The id of the tree at `prefix` in commit `id` (`None` where there is none).
    fn src_tree(&self, id: ObjectId, prefix: &Path) -> gix::Result<Option<ObjectId>> {
        let tree = self.repo.find_commit(id)?.tree()?;
        if prefix.as_os_str().is_empty() {
            return Ok(Some(tree.id));
        }
        Ok(tree
            .lookup_entry_by_path(prefix)?
            .filter(|e| e.mode().is_tree())
            .map(|e| e.object_id()))
    }

    /// The entries of tree `id` (none for `None`): name → (is a tree, id). Submodules
    /// are left out.
    fn entries(&self, id: Option<ObjectId>) -> gix::Result<HashMap<String, (bool, ObjectId)>> {
        let Some(id) = id else {
            return Ok(HashMap::new());
        };
        let tree = self.repo.find_tree(id)?;
        let decoded = tree.decode()?;
        Ok(decoded
            .entries
            .iter()
            .filter(|e| e.mode.is_tree() || e.mode.is_blob())
            .map(|e| (e.filename.to_string(), (e.mode.is_tree(), e.oid.to_owned())))
            .collect())
    }

    /// Records the files that differ between trees `old` and `new` (folder `base`).
    fn diff_trees(
        &mut self,
        old: Option<ObjectId>,
        new: Option<ObjectId>,
        base: &str,
        commit: usize,
    ) -> gix::Result<()> {
        let mut old_entries = self.entries(old)?;
        let new_entries = self.entries(new)?;
        let path = |name: &str| {
            if base.is_empty() {
                name.to_string()
            } else {
                format!("{base}/{name}")
            }
        };
        for (name, (new_is_tree, new_id)) in new_entries {
            let previous = old_entries.remove(&name);
            if previous == Some((new_is_tree, new_id)) {
                continue;
            }
            let (old_tree, old_blob) = match previous {
                Some((true, id)) => (Some(id), None),
                Some((false, id)) => (None, Some(id)),
                None => (None, None),
            };
            let path = path(&name);
            if new_is_tree {
                self.diff_trees(old_tree, Some(new_id), &path, commit)?;
                if old_blob.is_some() {
                    self.record(path, commit, None, old_blob);
                }
            } else {
                if old_tree.is_some() {
                    self.diff_trees(old_tree, None, &path, commit)?;
                }
                self.record(path, commit, Some(new_id), old_blob);
            }
        }
        for (name, (old_is_tree, old_id)) in old_entries {
            let path = path(&name);
            if old_is_tree {
                self.diff_trees(Some(old_id), None, &path, commit)?;
            } else {
                self.record(path, commit, None, Some(old_id));
            }
        }
        Ok(())
    }

    fn record(
        &mut self,
        path: String,
        commit: usize,
        blob: Option<ObjectId>,
        previous: Option<ObjectId>,
    ) {
        self.changes.entry(path).or_default().push(Change {
            commit,
            blob,
            previous,
        });
    }
}

fn commit_info(commit: &gix::Commit<'_>) -> gix::Result<Commit> {
    let time = commit.time()?;
    Ok(Commit {
        id: commit.id.to_string(),
        seconds: time.seconds,
        offset: time.offset,
        author: commit.author()?.name.to_string(),
        note: public_note(&String::from_utf8_lossy(commit.message_raw()?.as_ref())),
    })
}

/// The note for readers in a commit message: the rest of the first line that starts with
/// `Ändring:` (any case, leading spaces allowed), e.g. `Ändring: Avsnittet om SIP är
/// förtydligat.`; `None` when there is none or it is empty.
pub fn public_note(message: &str) -> Option<String> {
    message.lines().find_map(|line| {
        let (key, rest) = line.trim_start().split_once(':')?;
        (key.trim().to_lowercase() == "ändring")
            .then(|| rest.trim().to_string())
            .filter(|t| !t.is_empty())
    })
}

impl History {
    /// The changes of the file at source path `path`, newest first.
    pub fn changes(&self, path: &str) -> &[Change] {
        self.changes.get(path).map_or(&[], Vec::as_slice)
    }

    /// The commit of a change.
    pub fn commit(&self, change: &Change) -> &Commit {
        &self.commits[change.commit]
    }

    /// A handle for reading blobs on this thread.
    pub fn reader(&self) -> Reader {
        Reader {
            repo: self.repo.to_thread_local(),
        }
    }
}

/// Reads file versions from the repository (one per thread).
pub struct Reader {
    repo: gix::Repository,
}

impl Reader {
    /// The bytes of blob `id`, or empty where it cannot be read.
    pub fn bytes(&self, id: ObjectId) -> Vec<u8> {
        self.repo
            .find_blob(id)
            .map(|mut b| b.take_data())
            .unwrap_or_default()
    }
}
