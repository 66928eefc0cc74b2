//! The sidebar's navigation, in one of two forms.
//!
//! - **Whole** (small books, the default up to [`WHOLE_LIMIT`] entries): the whole tree in
//!   one script that every page loads (`js/toc-data.<hash>.js`) and `theme/js/toc.js`
//!   builds into the sidebar.
//! - **Branches** (large books): that script would grow every page view with the book
//!   (1.3 MB gzipped at 100,000 pages). Instead each page is rendered with its own part of
//!   the tree (the top level, the path down to the page with the siblings along it, and
//!   the page's children), and every other branch is fetched when the visitor opens it,
//!   from JSON files under `js/nav/` named by their content. A file packs consecutive
//!   branches in the book's order, up to [`PACK_LIMIT`] entries, so that a large book
//!   needs few files and opening a branch usually finds the ones below it already loaded.
//!
//! `[output.samsyn] navigation = "whole"` or `"branches"` in book.toml chooses the form
//! whatever the book's size.

use crate::book::{LoadedBook, NavItem};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

/// The navigation script of the whole form (written at this name with its content's
/// hash: [`NavScript`]).
pub const NAV_SCRIPT: &str = "js/toc-data.js";
/// The folder of the branch files.
pub const BRANCH_DIR: &str = "js/nav/";
/// Entries (chapters, drafts and part titles) up to which a book gets the whole form.
/// The county's book has about 70; at 2,000 the script is about 30 KB gzipped.
pub const WHOLE_LIMIT: usize = 2_000;
/// Entries a branch file lists at most (more only when one branch alone is longer).
const PACK_LIMIT: usize = 500;
/// Entries of one list that a page's sidebar shows at most: a longer list shows those
/// around the page's path and a button that fetches the rest.
const LIST_LIMIT: usize = 50;

const SETTING_EXAMPLE: &str = "navigation = \"branches\"";

/// The book's navigation tree and how the site's pages get it. The table of contents
/// ([`Navigation::toc_pages`]) is built from the same tree.
#[derive(Debug, Clone)]
pub struct Navigation {
    tree: Arc<Tree>,
    form: Form,
}

#[derive(Debug, Clone)]
enum Form {
    Whole(NavScript),
    Branches(Branches),
}

impl Default for Navigation {
    fn default() -> Self {
        Navigation {
            tree: Arc::new(Tree {
                entries: vec![Entry::top()],
            }),
            form: Form::Whole(NavScript::default()),
        }
    }
}

/// `[output.samsyn] navigation` of book.toml: `Some(true)` for branches, `Some(false)`
/// for whole, `None` when not set (chosen by size). Checked when book.toml is loaded.
pub fn setting(config: &mdbook_driver::config::Config) -> Result<Option<bool>, String> {
    match crate::book::text_setting(config, "navigation", SETTING_EXAMPLE)?.as_deref() {
        None => Ok(None),
        Some("branches") => Ok(Some(true)),
        Some("whole") => Ok(Some(false)),
        Some(other) => Err(format!(
            "[output.samsyn] navigation = \"{other}\" finns inte; välj \"whole\" (hela innehållsförteckningen på varje sida) eller \"branches\" (grenar som hämtas när de öppnas), till exempel {SETTING_EXAMPLE}"
        )),
    }
}

impl Navigation {
    /// The form `book` gets: its setting, else by its number of entries.
    pub fn of(book: &LoadedBook) -> Navigation {
        let tree = Arc::new(Tree::of(book));
        let branches = setting(&book.config)
            .ok()
            .flatten()
            .unwrap_or(tree.entries.len() - 1 > WHOLE_LIMIT);
        let form = if branches {
            Form::Branches(Branches::of(tree.clone()))
        } else {
            Form::Whole(NavScript::of(&tree))
        };
        Navigation { tree, form }
    }

    /// The table of contents (`toc.html`): every entry of SUMMARY.md in its order, in
    /// pages of at most [`TOC_PAGE_ENTRIES`] entries. Always at least one page.
    pub fn toc_pages(&self) -> Vec<TocPage> {
        toc_pages_of(self.tree.clone(), TOC_PAGE_ENTRIES)
    }

    /// The site path of the script every page loads (the whole form only).
    pub fn script_path(&self) -> Option<&str> {
        match &self.form {
            Form::Whole(script) => Some(&script.path),
            Form::Branches(_) => None,
        }
    }

    /// Adds what every page's sidebar is made from to a cache key ([`crate::cache`]): the
    /// form, the entries and the branch files' names (named by their content). A page's
    /// key then holds its address, not its sidebar's HTML.
    pub fn digest_into(&self, h: &mut crate::cache::KeyHasher) {
        let Form::Branches(branches) = &self.form else {
            h.part(b"whole");
            return;
        };
        h.part(b"branches")
            .part(&(self.tree.entries.len() as u64).to_le_bytes());
        for e in &self.tree.entries {
            h.part(e.title.as_bytes())
                .part(e.url.as_deref().unwrap_or_default().as_bytes())
                .part(&[u8::from(e.url.is_some()), u8::from(e.part)])
                .part(&(e.parent as u64).to_le_bytes());
        }
        for file in &branches.files {
            h.part(file.path.as_bytes());
        }
    }

    /// The sidebar of the page at `url` as HTML (the branches form only; the whole form
    /// builds it in the browser).
    pub fn sidebar(&self, url: &str) -> Option<String> {
        match &self.form {
            Form::Whole(_) => None,
            Form::Branches(branches) => Some(branches.sidebar(url)),
        }
    }

    /// The files the navigation adds to the site: site path and content.
    pub fn files(&self) -> Vec<(&str, &str)> {
        match &self.form {
            Form::Whole(script) => vec![(&script.path, &script.text)],
            Form::Branches(branches) => branches
                .files
                .iter()
                .map(|f| (f.path.as_str(), f.text.as_str()))
                .collect(),
        }
    }
}

/// Whether `rel` is a site path the navigation writes (the script of the whole form or
/// a branch file), so that no source file of that name is copied over it.
pub fn is_nav_file(rel: &str) -> bool {
    let named = |prefix: &str, suffix: &str| {
        rel.strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(suffix))
            .is_some_and(|hash| hash.len() == 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    named("js/toc-data.", ".js")
        || (rel.starts_with(BRANCH_DIR) && named("js/nav/branch.", ".json"))
}

/// Entries (chapters, drafts, part titles) that one page of the table of contents lists
/// at most: a larger book's goes on over several pages ([`Navigation::toc_pages`]).
pub const TOC_PAGE_ENTRIES: usize = 1_000;

fn toc_pages_of(tree: Arc<Tree>, per_page: usize) -> Vec<TocPage> {
    let mut depth = vec![0usize; tree.entries.len()];
    for id in 1..tree.entries.len() {
        let parent = tree.entries[id].parent;
        depth[id] = if parent == 0 { 0 } else { depth[parent] + 1 };
    }
    let depth = Arc::new(depth);
    let ids: Vec<usize> = (1..tree.entries.len()).collect();
    let mut pages: Vec<TocPage> = ids
        .chunks(per_page)
        .map(|chunk| TocPage {
            tree: tree.clone(),
            depth: depth.clone(),
            from: chunk[0],
            to: chunk[chunk.len() - 1] + 1,
        })
        .collect();
    if pages.is_empty() {
        pages.push(TocPage {
            tree,
            depth,
            from: 1,
            to: 1,
        });
    }
    pages
}

/// One page of the table of contents: the entries `from..to` of the tree (in its order).
pub struct TocPage {
    tree: Arc<Tree>,
    depth: Arc<Vec<usize>>,
    from: usize,
    to: usize,
}

impl TocPage {
    /// The page's entries as nested `<ol>`s, links prefixed with `root`. A page that
    /// begins inside a branch first names the branch's ancestors ("fortsättning").
    pub fn html(&self, root: &str) -> String {
        let entries = &self.tree.entries;
        let mut out = String::from("<ol class=\"toc\">");
        let mut ancestors = Vec::new();
        let mut at = entries.get(self.from).map_or(0, |e| e.parent);
        while at != 0 {
            ancestors.push(at);
            at = entries[at].parent;
        }
        for &id in ancestors.iter().rev() {
            out.push_str("<li class=\"toc-continued\">");
            self.label(&mut out, id, root);
            out.push_str(" <span class=\"continued-note\">(fortsättning)</span><ol>");
        }
        // Lists open at the last entry (each inside an open <li>).
        let mut open = ancestors.len();
        for (id, &d) in self.depth.iter().enumerate().take(self.to).skip(self.from) {
            if id > self.from {
                if d > open {
                    out.push_str("<ol>");
                } else {
                    out.push_str("</li>");
                    for _ in d..open {
                        out.push_str("</ol></li>");
                    }
                }
            }
            out.push_str(if entries[id].part {
                "<li class=\"part-title\">"
            } else {
                "<li>"
            });
            self.label(&mut out, id, root);
            open = d;
        }
        if self.to > self.from {
            out.push_str("</li>");
        }
        for _ in 0..open {
            out.push_str("</ol></li>");
        }
        out.push_str("</ol>");
        out
    }

    fn label(&self, out: &mut String, id: usize, root: &str) {
        let e = &self.tree.entries[id];
        let title = html_escape::encode_text(&e.title);
        match &e.url {
            _ if e.part => out.push_str(&title),
            Some(u) => {
                let _ = write!(
                    out,
                    "<a href=\"{root}{}\">{title}</a>",
                    html_escape::encode_double_quoted_attribute(u)
                );
            }
            None => {
                let _ = write!(out, "<span>{title}</span>");
            }
        }
    }
}

/// The navigation tree, flattened: entry 0 is the top (no title), the others are
/// SUMMARY.md's chapters, drafts and part titles in order.
#[derive(Debug, Clone)]
struct Tree {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    title: String,
    /// The page's site path; `None` for a draft or a part title.
    url: Option<String>,
    part: bool,
    parent: usize,
    children: Vec<usize>,
}

impl Entry {
    /// Entry 0 of a [`Tree`]: the top, whose children are SUMMARY.md's first level.
    fn top() -> Entry {
        Entry {
            title: String::new(),
            url: None,
            part: false,
            parent: 0,
            children: Vec::new(),
        }
    }
}

impl Tree {
    fn of(book: &LoadedBook) -> Tree {
        fn add(book: &LoadedBook, items: &[NavItem], parent: usize, entries: &mut Vec<Entry>) {
            for item in items {
                let (title, url, part, children) = match item {
                    NavItem::Chapter {
                        title,
                        page,
                        children,
                    } => (
                        title,
                        page.map(|p| book.pages[p].url.clone()),
                        false,
                        &children[..],
                    ),
                    NavItem::PartTitle(title) => (title, None, true, &[][..]),
                    NavItem::Separator => continue,
                };
                let id = entries.len();
                entries.push(Entry {
                    title: title.clone(),
                    url,
                    part,
                    parent,
                    children: Vec::new(),
                });
                entries[parent].children.push(id);
                add(book, children, id, entries);
            }
        }
        let mut entries = vec![Entry::top()];
        add(book, &book.nav, 0, &mut entries);
        Tree { entries }
    }
}

/// The whole form's script and its site path, named by its content as the theme's
/// assets are, so that it can be cached for a year.
#[derive(Debug, Clone, Default)]
struct NavScript {
    pub path: String,
    pub text: String,
}

impl NavScript {
    /// `window.SAMSYN_TOC = [...]`: `{t: title, u: url|null, c: [...]}`, part titles as
    /// `{t, u: null, c: [], p: 1}`. URLs are relative to the site root.
    fn of(tree: &Tree) -> NavScript {
        fn item(tree: &Tree, id: usize) -> serde_json::Value {
            let e = &tree.entries[id];
            if e.part {
                return serde_json::json!({"t": e.title, "u": null, "c": [], "p": 1});
            }
            serde_json::json!({
                "t": e.title,
                "u": e.url,
                "c": e.children.iter().map(|&c| item(tree, c)).collect::<Vec<_>>(),
            })
        }
        let items: Vec<_> = tree.entries[0]
            .children
            .iter()
            .map(|&c| item(tree, c))
            .collect();
        let text = format!(
            "window.SAMSYN_TOC = {};\n",
            serde_json::to_string(&items).unwrap_or_else(|_| "[]".into())
        );
        NavScript {
            path: crate::theme::content_path(NAV_SCRIPT, text.as_bytes()),
            text,
        }
    }
}

/// The branches form: the tree, the branch files and which file lists each entry's
/// children.
#[derive(Debug, Clone)]
struct Branches {
    tree: Arc<Tree>,
    files: Vec<BranchFile>,
    /// For each entry with children, the index of the file that lists them.
    file_of: Vec<Option<usize>>,
    /// Each page's entry, by site path.
    entry_of_url: HashMap<String, usize>,
}

#[derive(Debug, Clone)]
struct BranchFile {
    path: String,
    text: String,
}

impl Branches {
    fn of(tree: Arc<Tree>) -> Branches {
        let (packs, file_of) = pack(&tree);
        // A file names the files of deeper branches, which come later in `packs`: name
        // them from the last.
        let mut files: Vec<BranchFile> = Vec::with_capacity(packs.len());
        for listed in packs.iter().rev() {
            let text = branch_json(&tree, listed, &file_of, |i| {
                &files[packs.len() - 1 - i].path
            });
            let path = crate::theme::content_path("js/nav/branch.json", text.as_bytes());
            files.push(BranchFile { path, text });
        }
        files.reverse();
        let entry_of_url = tree
            .entries
            .iter()
            .enumerate()
            .filter_map(|(id, e)| Some((e.url.clone()?, id)))
            .collect();
        Branches {
            tree,
            files,
            file_of,
            entry_of_url,
        }
    }

    /// The sidebar of the page at `url`: the top level, the path down to the page with
    /// each level's entries (at most [`LIST_LIMIT`] of them, around the path), and the
    /// page's children. Closed branches name the file that lists them.
    fn sidebar(&self, url: &str) -> String {
        let root = crate::book::root_prefix(url);
        let current = self.entry_of_url.get(url).copied();
        let mut open = Vec::new();
        let mut at = current;
        while let Some(id) = at.filter(|&id| id != 0) {
            open.push(id);
            at = Some(self.tree.entries[id].parent);
        }
        let mut out = String::new();
        let _ = write!(
            out,
            "<ol class=\"sidebar-extra\"><li><div class=\"toc-row\"><a href=\"{root}index.html\"{}>Startsida</a></div></li><li><div class=\"toc-row\"><a href=\"{root}dokumentregister.html\"{}>Dokumentregister</a></div></li></ol>",
            aria_current(url == "index.html"),
            aria_current(url == "dokumentregister.html"),
        );
        self.list(&mut out, 0, &open, current, &root, "sidebar-tree");
        out
    }

    /// The children of `id` as an `<ol>`, entries on the path `open` opened.
    fn list(
        &self,
        out: &mut String,
        id: usize,
        open: &[usize],
        current: Option<usize>,
        root: &str,
        class: &str,
    ) {
        let children = &self.tree.entries[id].children;
        let on_path = children.iter().position(|c| open.contains(c));
        let (from, to) = window(children.len(), on_path.unwrap_or(0));
        let class_attr = if class.is_empty() {
            String::new()
        } else {
            format!(" class=\"{class}\"")
        };
        let _ = write!(out, "<ol{class_attr} id=\"toc-n{id}\">");
        for &child in &children[from..to] {
            let e = &self.tree.entries[child];
            let title = html_escape::encode_text(&e.title);
            if e.part {
                let _ = write!(out, "<li class=\"toc-part-title\">{title}</li>");
                continue;
            }
            let part = id == 0 && e.url.is_none() && !e.children.is_empty();
            let expanded = open.contains(&child);
            // A closed branch names the file that lists its children; `toc.js` gives it
            // its toggle (this markup is on every page, so it is kept short).
            let closed = !e.children.is_empty() && !expanded;
            let _ = write!(
                out,
                "<li{}{}><div class=\"toc-row\">",
                if part { " class=\"toc-part\"" } else { "" },
                if closed {
                    self.branch_attrs(child)
                } else {
                    String::new()
                },
            );
            match &e.url {
                Some(u) => {
                    let _ = write!(
                        out,
                        "<a href=\"{root}{}\"{}>{title}</a>",
                        html_escape::encode_double_quoted_attribute(u),
                        aria_current(current == Some(child))
                    );
                }
                None => {
                    let draft = if e.children.is_empty() {
                        " toc-draft"
                    } else {
                        ""
                    };
                    let _ = write!(out, "<span class=\"toc-label{draft}\">{title}</span>");
                }
            }
            if !expanded || e.children.is_empty() {
                out.push_str("</div></li>");
                continue;
            }
            let _ = write!(
                out,
                "<button type=\"button\" class=\"toc-toggle\" aria-controls=\"toc-n{child}\" aria-expanded=\"true\" aria-label=\"Undersidor till {}\"{}></button></div>",
                html_escape::encode_double_quoted_attribute(&e.title),
                self.branch_attrs(child),
            );
            self.list(out, child, open, current, root, "");
            out.push_str("</li>");
        }
        if to - from < children.len() {
            let _ = write!(
                out,
                "<li class=\"toc-more\"><button type=\"button\" class=\"toc-all\" aria-controls=\"toc-n{id}\"{}>Visa alla {} sidor</button></li>",
                self.branch_attrs(id),
                children.len()
            );
        }
        out.push_str("</ol>");
    }

    /// ` data-branch="<file>" data-entry="<id>"`: where `toc.js` finds `id`'s children.
    fn branch_attrs(&self, id: usize) -> String {
        match self.file_of[id] {
            Some(f) => format!(
                " data-branch=\"{}\" data-entry=\"{id}\"",
                self.files[f].path
            ),
            None => String::new(),
        }
    }
}

fn aria_current(yes: bool) -> &'static str {
    if yes { " aria-current=\"page\"" } else { "" }
}

/// The part `[from, to)` of a list of `len` entries that a sidebar shows: all of it up to
/// [`LIST_LIMIT`], else that many around `at`.
fn window(len: usize, at: usize) -> (usize, usize) {
    if len <= LIST_LIMIT {
        return (0, len);
    }
    let from = at.saturating_sub(LIST_LIMIT / 2).min(len - LIST_LIMIT);
    (from, from + LIST_LIMIT)
}

/// Assigns every entry with children to a branch file: the child lists in the order of
/// the book (depth first), a file taking lists while it stays within [`PACK_LIMIT`]
/// entries (a longer list gets a file of its own). So a file holds a branch and the
/// branches below it, and a large book needs about one file per [`PACK_LIMIT`] entries.
/// Returns the entries each file lists (a branch's file never comes after the files of
/// the branches below it) and each entry's file.
fn pack(tree: &Tree) -> (Vec<Vec<usize>>, Vec<Option<usize>>) {
    let mut file_of = vec![None; tree.entries.len()];
    let mut packs: Vec<Vec<usize>> = Vec::new();
    let mut size = 0;
    let mut stack = vec![0usize];
    while let Some(id) = stack.pop() {
        let children = &tree.entries[id].children;
        if packs.is_empty() || (size > 0 && size + children.len() > PACK_LIMIT) {
            packs.push(Vec::new());
            size = 0;
        }
        size += children.len();
        file_of[id] = Some(packs.len() - 1);
        packs.last_mut().expect("a file was started").push(id);
        stack.extend(
            children
                .iter()
                .rev()
                .filter(|&&c| !tree.entries[c].children.is_empty()),
        );
    }
    (packs, file_of)
}

/// A branch file: `{"<entry>": [{"t": title, "u": url, "e": entry, "f": file}, …], …}`
/// for each entry it lists. `u` is absent for drafts, `p: 1` marks a part title, `e` is
/// present for entries with children and `f` when another file (named by `path_of` from
/// its index) lists them.
fn branch_json<'a>(
    tree: &Tree,
    listed: &[usize],
    file_of: &[Option<usize>],
    path_of: impl Fn(usize) -> &'a str,
) -> String {
    let this = listed.first().and_then(|&id| file_of[id]);
    let mut map = serde_json::Map::new();
    for &id in listed {
        let items: Vec<serde_json::Value> = tree.entries[id]
            .children
            .iter()
            .map(|&c| {
                let e = &tree.entries[c];
                let mut item = serde_json::Map::new();
                item.insert("t".into(), e.title.clone().into());
                if let Some(u) = &e.url {
                    item.insert("u".into(), u.clone().into());
                }
                if e.part {
                    item.insert("p".into(), 1.into());
                }
                if !e.children.is_empty() {
                    item.insert("e".into(), c.into());
                    if let Some(f) = file_of[c].filter(|&f| Some(f) != this) {
                        item.insert("f".into(), path_of(f).into());
                    }
                }
                serde_json::Value::Object(item)
            })
            .collect();
        map.insert(id.to_string(), items.into());
    }
    serde_json::Value::Object(map).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tree of `fan` entries a level, `depth` levels deep, all pages.
    fn tree(fan: usize, depth: usize) -> Tree {
        fn add(entries: &mut Vec<Entry>, parent: usize, fan: usize, depth: usize) {
            for _ in 0..fan {
                let id = entries.len();
                entries.push(Entry {
                    title: format!("Sida {id}"),
                    url: Some(format!("s{id}.html")),
                    part: false,
                    parent,
                    children: Vec::new(),
                });
                entries[parent].children.push(id);
                if depth > 1 {
                    add(entries, id, fan, depth - 1);
                }
            }
        }
        let mut entries = vec![Entry::top()];
        add(&mut entries, 0, fan, depth);
        Tree { entries }
    }

    use std::collections::VecDeque;

    #[test]
    fn every_branch_is_in_one_file_within_the_limit_and_files_are_few() {
        let t = tree(10, 5); // 111,110 entries
        let (packs, file_of) = pack(&t);
        for (id, e) in t.entries.iter().enumerate() {
            assert_eq!(file_of[id].is_some(), !e.children.is_empty(), "entry {id}");
        }
        let listed: usize = packs.iter().map(Vec::len).sum();
        assert_eq!(
            listed,
            t.entries.iter().filter(|e| !e.children.is_empty()).count()
        );
        for listed in &packs {
            let size: usize = listed.iter().map(|&id| t.entries[id].children.len()).sum();
            assert!(size <= PACK_LIMIT, "a file lists {size} entries");
        }
        assert!(
            packs.len() <= t.entries.len() / 400,
            "{} files for {} entries",
            packs.len(),
            t.entries.len()
        );
    }

    #[test]
    fn a_file_names_the_files_of_branches_it_does_not_list() {
        let b = Branches::of(Arc::new(tree(10, 4)));
        let files: HashMap<&str, serde_json::Value> = b
            .files
            .iter()
            .map(|f| (f.path.as_str(), serde_json::from_str(&f.text).unwrap()))
            .collect();
        // Follow every entry from the top through the files: each is reached once.
        let mut seen = 0;
        let mut queue = VecDeque::from([(b.files[0].path.clone(), 0u64)]);
        while let Some((file, entry)) = queue.pop_front() {
            let items = files[file.as_str()][entry.to_string()].as_array().unwrap();
            for item in items {
                seen += 1;
                if let Some(e) = item["e"].as_u64() {
                    let next = item["f"].as_str().unwrap_or(&file).to_string();
                    queue.push_back((next, e));
                }
            }
        }
        assert_eq!(seen, b.tree.entries.len() - 1);
    }

    #[test]
    fn a_sidebar_shows_the_path_its_siblings_and_the_pages_children_only() {
        let b = Branches::of(Arc::new(tree(10, 4)));
        // Entry ids in depth-first order: 1, 2 (child of 1), 3 (child of 2).
        let html = b.sidebar("s2.html");
        assert!(html.contains("<a href=\"s2.html\" aria-current=\"page\">"));
        // The two extra links, the top level, 1's children (2 among them), 2's children.
        assert_eq!(html.matches("<a href=").count(), 2 + 30);
        // 3's children are not listed; its entry names the file that does.
        let file = &b.files[b.file_of[3].unwrap()].path;
        assert!(html.contains(&format!("<li data-branch=\"{file}\" data-entry=\"3\"><div class=\"toc-row\"><a href=\"s3.html\">Sida 3</a></div></li>")), "{html}");
        // 1 and 2, on the path, are open.
        assert!(html.contains("aria-controls=\"toc-n2\" aria-expanded=\"true\""));
        assert_eq!(html.matches("toc-toggle").count(), 2);
        // A page without children is marked, with no toggle and no list of its own.
        let leaf = b.sidebar("s4.html");
        assert!(
            leaf.contains("<a href=\"s4.html\" aria-current=\"page\">Sida 4</a></div></li>"),
            "{leaf}"
        );
        assert!(!leaf.contains("toc-n4"), "{leaf}");
    }

    #[test]
    fn a_long_list_shows_a_window_around_the_path_and_a_button_for_the_rest() {
        let b = Branches::of(Arc::new(tree(200, 2)));
        let last_child = b.tree.entries[0].children[199];
        let html = b.sidebar(&format!("s{last_child}.html"));
        assert!(html.contains("Visa alla 200 sidor"));
        assert!(html.contains(&format!("href=\"s{last_child}.html\" aria-current")));
        assert!(!html.contains("href=\"s1.html\""));
        assert_eq!(window(200, 199), (150, 200));
        assert_eq!(window(200, 0), (0, 50));
        assert_eq!(window(200, 100), (75, 125));
    }

    #[test]
    fn a_page_of_the_table_of_contents_is_well_nested_and_names_the_branch_it_goes_on_in() {
        // Three levels of three: entries 1 (top), 2 (its child), 3, 4, 5 (2's children), 6…
        let pages = toc_pages_of(Arc::new(tree(3, 3)), 5);
        assert_eq!(pages.len(), 8); // 39 entries
        let second = pages[1].html("../");
        // Entries 6–10: 6 is 1's second child (7–9 its own), 10 its third: the page
        // names 1 first.
        assert_eq!(
            second,
            "<ol class=\"toc\"><li class=\"toc-continued\"><a href=\"../s1.html\">Sida 1</a> <span class=\"continued-note\">(fortsättning)</span><ol><li><a href=\"../s6.html\">Sida 6</a><ol><li><a href=\"../s7.html\">Sida 7</a></li><li><a href=\"../s8.html\">Sida 8</a></li><li><a href=\"../s9.html\">Sida 9</a></li></ol></li><li><a href=\"../s10.html\">Sida 10</a></li></ol></li></ol>"
        );
        // Entries 26–30 begin two levels down (26 is a child of 23, a child of 14).
        assert!(
            pages[5].html("").matches("toc-continued").count() == 2,
            "{}",
            pages[5].html("")
        );
        for page in &pages {
            let html = page.html("");
            let doc = format!("<root>{}</root>", html.replace("&", "&amp;"));
            assert!(
                roxmltree::Document::parse(&doc).is_ok(),
                "not well nested: {html}"
            );
            assert_eq!(
                html.matches("<ol").count(),
                html.matches("</ol>").count(),
                "{html}"
            );
        }
        let listed: usize = pages
            .iter()
            .map(|p| p.html("").matches("<li>").count())
            .sum();
        assert_eq!(listed, 39);
        assert_eq!(toc_pages_of(Arc::new(tree(0, 1)), 5).len(), 1);
    }

    #[test]
    fn nav_file_names_are_recognised() {
        assert!(is_nav_file("js/toc-data.0123abcd.js"));
        assert!(is_nav_file("js/nav/branch.0123abcd.json"));
        assert!(!is_nav_file("js/nav/branch.json"));
        assert!(!is_nav_file("js/toc.js"));
    }
}
