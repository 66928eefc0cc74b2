//! Link resolution: what a link written in a page points at. The validator reports
//! the links that resolve to nothing; the renderer rewrites the ones that resolve.

use crate::book::{LoadedBook, RESERVED_URLS};
use crate::diagnostics::nearest;
use crate::markdown::{self, LinkSource};
use std::collections::{HashMap, HashSet};

/// What a link points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Another site, an e-mail address, a phone number…: not checked.
    External,
    /// A chapter (possibly the page itself), with an optional heading id.
    Page {
        page: usize,
        fragment: Option<String>,
    },
    /// A page samsyn generates (start page, register).
    Generated(&'static str),
    /// A file copied from the source folder (image, PDF…), relative to it.
    Asset(String),
}

/// Why a link resolves to nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkProblem {
    pub code: &'static str,
    pub message: String,
    pub suggestion: Option<String>,
}

impl LinkProblem {
    fn new(code: &'static str, message: String, suggestion: Option<String>) -> Self {
        LinkProblem {
            code,
            message,
            suggestion,
        }
    }
}

/// Resolves links against one loaded book.
pub struct Resolver<'a> {
    book: &'a LoadedBook,
    /// Pages by front-matter `doc_id` (the first page wins when ids repeat).
    pub doc_ids: HashMap<&'a str, usize>,
    /// Every file under the source folder, `/`-separated.
    files: HashSet<String>,
}

impl<'a> Resolver<'a> {
    pub fn new(book: &'a LoadedBook) -> Self {
        let files = walkdir::WalkDir::new(&book.src_dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .filter_map(|e| {
                e.path()
                    .strip_prefix(&book.src_dir)
                    .ok()
                    .map(|p| p.to_string_lossy().replace('\\', "/"))
            })
            .collect();
        Resolver::with_files(book, files)
    }

    /// The files under the source folder this resolver scanned, to build another
    /// resolver over a changed book without scanning again ([`Resolver::with_files`]).
    pub fn into_files(self) -> HashSet<String> {
        self.files
    }

    /// A resolver over `book` with the files of an earlier scan.
    pub fn with_files(book: &'a LoadedBook, files: HashSet<String>) -> Self {
        let mut doc_ids = HashMap::new();
        for (i, page) in book.pages.iter().enumerate() {
            if let Some(id) = page.front.doc_id.as_deref() {
                doc_ids.entry(id).or_insert(i);
            }
        }
        Resolver {
            book,
            doc_ids,
            files,
        }
    }

    /// Adds everything a link resolves against (the pages' paths, URLs, document ids and
    /// heading ids in book order, and the files under the source folder) to a cache key
    /// ([`crate::cache`]): pages whose links this does not change render the same.
    pub fn digest_into(&self, h: &mut crate::cache::KeyHasher) {
        h.part(self.book.src_name.as_bytes())
            .part(&(self.book.pages.len() as u64).to_le_bytes());
        for page in &self.book.pages {
            let doc_id = page.front.doc_id.as_deref();
            h.part(page.path.as_bytes())
                .part(page.url.as_bytes())
                .part(&[u8::from(doc_id.is_some())])
                .part(doc_id.unwrap_or_default().as_bytes())
                .part(&(page.headings.len() as u64).to_le_bytes());
            for heading in &page.headings {
                h.part(heading.id.as_bytes());
            }
        }
        let mut files: Vec<&str> = self.files.iter().map(String::as_str).collect();
        files.sort_unstable();
        for file in files {
            h.part(file.as_bytes());
        }
    }

    /// Resolves `dest`, written in page `from`.
    pub fn resolve(
        &self,
        from: usize,
        dest: &str,
        source: LinkSource,
    ) -> Result<Target, LinkProblem> {
        let dest = dest.trim();
        if dest.is_empty() {
            return Err(LinkProblem::new(
                "empty-link",
                "länken saknar mål".into(),
                Some("skriv sökvägen inom parentesen, till exempel `[text](sida.md)`".into()),
            ));
        }
        if let Some(rest) = markdown::doc_link(dest) {
            return self.resolve_doc(rest);
        }
        if markdown::has_scheme(dest) {
            return Ok(Target::External);
        }
        if let Some(fragment) = dest.strip_prefix('#') {
            return self.check_fragment(from, Some(fragment));
        }
        if dest.starts_with('/') {
            return Err(LinkProblem::new(
                "absolute-link",
                format!(
                    "`{dest}` är en absolut sökväg och fungerar inte när webbplatsen ligger i en undermapp"
                ),
                Some("skriv sökvägen relativt till sidan, till exempel `../mapp/sida.md`".into()),
            ));
        }
        let (raw_path, fragment) = markdown::split_fragment(dest);
        let decoded = markdown::percent_decode(raw_path);
        let Some(path) = join(&self.book.pages[from].path, &decoded) else {
            return Err(LinkProblem::new(
                "link-outside-book",
                format!(
                    "`{raw_path}` pekar utanför bokens källmapp `{}/`",
                    self.book.src_name
                ),
                Some("länka bara till filer under källmappen".into()),
            ));
        };
        if path.is_empty() {
            return self.check_fragment(from, fragment);
        }
        if let Some(&page) = self.book.by_path.get(&path) {
            return self.check_fragment(page, fragment);
        }
        // A folder link (`fakta/`) means the folder's index page.
        let index_page = if path.is_empty() {
            "index.md".to_string()
        } else {
            format!("{path}/index.md")
        };
        if let Some(&page) = self.book.by_path.get(&index_page) {
            return self.check_fragment(page, fragment);
        }
        if let Some(stem) = path.strip_suffix(".html") {
            if let Some(&page) = self.book.by_path.get(&format!("{stem}.md")) {
                return self.check_fragment(page, fragment);
            }
            if let Some(url) = RESERVED_URLS.iter().find(|u| **u == path) {
                return Ok(Target::Generated(url));
            }
        }
        if path.ends_with(".md") && self.files.contains(&path) {
            return Err(LinkProblem::new(
                "link-to-unlisted-page",
                format!("`{path}` finns men saknas i SUMMARY.md, så den publiceras aldrig"),
                Some(format!("lägg till `{path}` i SUMMARY.md")),
            ));
        }
        if self.files.contains(&path) {
            return Ok(Target::Asset(path));
        }
        let folder = format!("{path}/");
        if let Some(chapter) = self.book.pages.iter().find(|p| p.path.starts_with(&folder)) {
            return Err(LinkProblem::new(
                "link-to-folder",
                format!("`{raw_path}` är en mapp utan index.md"),
                Some(format!(
                    "länka till en sida i mappen, till exempel `{}`",
                    relative_path(&self.book.pages[from].path, &chapter.path)
                )),
            ));
        }
        let what = if source == LinkSource::Image {
            "bilden"
        } else {
            "filen"
        };
        let hint = self.nearest_path(from, &path, raw_path);
        Err(LinkProblem::new(
            "broken-link",
            format!("{what} `{raw_path}` finns inte"),
            hint,
        ))
    }

    fn resolve_doc(&self, rest: &str) -> Result<Target, LinkProblem> {
        let (id, fragment) = markdown::split_fragment(rest);
        match self.doc_ids.get(id) {
            Some(&page) => self.check_fragment(page, fragment),
            None => {
                let hint = nearest(id, self.doc_ids.keys().copied())
                    .map(|n| format!("menade du `doc:{n}`?"))
                    .or_else(|| {
                        Some("doc-länkar pekar på `doc_id` i en sidas front matter".into())
                    });
                Err(LinkProblem::new(
                    "unknown-doc-id",
                    format!("inget dokument har doc_id `{id}`"),
                    hint,
                ))
            }
        }
    }

    fn check_fragment(&self, page: usize, fragment: Option<&str>) -> Result<Target, LinkProblem> {
        let target = &self.book.pages[page];
        match fragment {
            None | Some("") => Ok(Target::Page {
                page,
                fragment: None,
            }),
            Some(f) => {
                let f = markdown::percent_decode(f);
                if target.has_anchor(&f) {
                    return Ok(Target::Page {
                        page,
                        fragment: Some(f.to_string()),
                    });
                }
                let hint = nearest(&f, target.headings.iter().map(|h| h.id.as_str()))
                    .map(|n| format!("menade du `#{n}`?"))
                    .or_else(|| {
                        let ids: Vec<_> = target
                            .headings
                            .iter()
                            .take(8)
                            .map(|h| h.id.as_str())
                            .collect();
                        (!ids.is_empty())
                            .then(|| format!("rubrikerna på sidan har id: {}", ids.join(", ")))
                    });
                Err(LinkProblem::new(
                    "broken-anchor",
                    format!("`{}` har ingen rubrik med id `{f}`", target.path),
                    hint,
                ))
            }
        }
    }

    fn nearest_path(&self, from: usize, wanted: &str, written: &str) -> Option<String> {
        let found = nearest(wanted, self.files.iter().map(String::as_str))?;
        let base = &self.book.pages[from].path;
        let relative = relative_path(base, found);
        let _ = written;
        Some(format!("menade du `{relative}`?"))
    }

    /// The URL of `target` as written in page `from` (relative), or `None` for external.
    pub fn href(&self, from: usize, target: &Target) -> Option<String> {
        let root = self.book.pages[from].root_prefix();
        match target {
            Target::External => None,
            Target::Page { page, fragment } => {
                let url = if *page == from {
                    String::new()
                } else {
                    format!("{root}{}", self.book.pages[*page].url)
                };
                Some(match fragment {
                    Some(f) => format!("{url}#{f}"),
                    None if url.is_empty() => "#".into(),
                    None => url,
                })
            }
            Target::Generated(url) => Some(format!("{root}{url}")),
            Target::Asset(path) => Some(format!("{root}{path}")),
        }
    }
}

/// Joins a relative link to the folder of the page `from` (both `/`-separated and
/// relative to the source folder), normalising `.` and `..`; `None` when it leaves
/// the folder.
pub fn join(from: &str, link: &str) -> Option<String> {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for part in link.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The relative path from page `from` to file `to` (both relative to the source folder).
pub fn relative_path(from: &str, to: &str) -> String {
    let from_dirs: Vec<&str> = from.split('/').collect();
    let from_dirs = &from_dirs[..from_dirs.len() - 1];
    let to_parts: Vec<&str> = to.split('/').collect();
    let common = from_dirs
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count()
        .min(to_parts.len() - 1);
    let mut out = "../".repeat(from_dirs.len() - common);
    out.push_str(&to_parts[common..].join("/"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joining_and_relative_paths() {
        assert_eq!(join("a/b.md", "../c.md").as_deref(), Some("c.md"));
        assert_eq!(join("a/b.md", "./d/e.md").as_deref(), Some("a/d/e.md"));
        assert_eq!(join("a/b.md", "../../c.md"), None);
        assert_eq!(relative_path("a/b.md", "a/c.md"), "c.md");
        assert_eq!(relative_path("a/b.md", "d/c.md"), "../d/c.md");
        assert_eq!(relative_path("b.md", "d/c.md"), "d/c.md");
    }
}
