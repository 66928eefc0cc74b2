//! A page's change log from git ("Senast ändrad", "Ändringshistorik") and its diff
//! pages under `andringar/`: the rendered text of a version against the one before it,
//! word by word, insertions in `<ins>` and deletions in `<del>`, each introduced by
//! visually hidden text ("Tillagt:", "Borttaget:") that screen readers read.

use super::RenderError;
use super::context as site_context;
use super::page::{self, Section};
use crate::book::{self, LoadedBook, Page};
use crate::history::{Change, Commit, History, Reader};
use crate::links::Resolver;
use gix::ObjectId;
use minijinja::{Environment, context};
use serde::Serialize;
use std::collections::HashMap;
use std::time::Duration;

/// The site folder of the diff pages; no chapter may render into it.
pub const CHANGES_DIR: &str = "andringar";

/// How many of a page's latest changes are listed, each with its diff page.
pub const MAX_CHANGES: usize = 10;

/// How long one word diff may search for the smallest difference before it settles
/// for a larger one (a whole page rewritten); keeps the build's cost bounded.
const DIFF_TIMEOUT: Duration = Duration::from_millis(250);

/// The site path of the diff page of `commit`'s change of the page at `page_url`
/// (`om/styrning.html` → `andringar/om/styrning--0123456789ab.html`): beside the diff
/// pages of the page's neighbours, not in a folder per page (a folder costs as much to
/// create as a file).
pub fn diff_url(page_url: &str, commit: &Commit) -> String {
    let stem = page_url.strip_suffix(".html").unwrap_or(page_url);
    format!("{CHANGES_DIR}/{stem}--{}.html", commit.file_id())
}

/// Whether a change gets a diff page: both versions exist (a page's first version and
/// its deletion are listed without one).
fn has_diff(change: &Change) -> bool {
    change.blob.is_some() && change.previous.is_some()
}

/// The change log of a page, for `changes.html`.
#[derive(Serialize)]
pub struct ChangeLog {
    /// The date of the last commit that changed the page.
    pub last_changed: String,
    pub entries: Vec<LogEntry>,
    /// How many changes the page has in all (more than `entries` when capped).
    pub total: usize,
}

#[derive(Serialize)]
pub struct LogEntry {
    pub date: String,
    /// What changed, for readers: [`describe`].
    pub text: String,
    /// The diff page, relative to the page; none for the first version and a deletion.
    pub url: Option<String>,
    /// "skapades" or "togs bort" where the change is one of these.
    pub event: Option<&'static str>,
}

/// A change as readers see it: the event ("Sidan skapades") and the commit's note for
/// readers (`history::public_note`), or "Texten ändrades" when there is neither.
pub fn describe(event: Option<&str>, note: Option<&str>) -> String {
    match (event, note) {
        (Some(e), Some(n)) => format!("{e}: {n}"),
        (Some(e), None) => e.to_string(),
        (None, Some(n)) => n.to_string(),
        (None, None) => "Texten ändrades".to_string(),
    }
}

pub fn event(change: &Change) -> Option<&'static str> {
    match (change.previous, change.blob) {
        (None, _) => Some("Sidan skapades"),
        (_, None) => Some("Sidan togs bort"),
        _ => None,
    }
}

/// The change log of page `index`, or `None` when git has no change of it.
pub fn change_log(history: &History, book: &LoadedBook, index: usize) -> Option<ChangeLog> {
    let page = &book.pages[index];
    let changes = history.changes(&page.path);
    let last = changes.first()?;
    let root = page.root_prefix();
    Some(ChangeLog {
        last_changed: history.commit(last).date().to_string(),
        entries: changes
            .iter()
            .take(MAX_CHANGES)
            .map(|c| {
                let commit = history.commit(c);
                LogEntry {
                    date: commit.date().to_string(),
                    text: describe(event(c), commit.note.as_deref()),
                    url: has_diff(c).then(|| format!("{root}{}", diff_url(&page.url, commit))),
                    event: event(c),
                }
            })
            .collect(),
        total: changes.len(),
    })
}

/// A block of a rendered version: a heading or a paragraph (list item, table cell…).
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub heading: bool,
    /// The text with its whitespace collapsed to single spaces.
    pub text: String,
}

/// The blocks of a rendered page.
pub fn blocks(sections: &[Section]) -> Vec<Block> {
    let collapse = |s: &str| {
        let plain = !s.chars().any(|c| c.is_whitespace() && c != ' ')
            && !s.contains("  ")
            && !s.starts_with(' ')
            && !s.ends_with(' ');
        if plain {
            s.to_string()
        } else {
            s.split_whitespace().collect::<Vec<_>>().join(" ")
        }
    };
    let mut out = Vec::new();
    for s in sections {
        let heading = collapse(&s.heading);
        if !heading.is_empty() {
            out.push(Block {
                heading: true,
                text: heading,
            });
        }
        out.extend(
            s.text
                .split('\n')
                .map(collapse)
                .filter(|t| !t.is_empty())
                .map(|text| Block {
                    heading: false,
                    text,
                }),
        );
    }
    out
}

/// What a stretch of a diff is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Same,
    Added,
    Removed,
}

/// A block of the diff, in the new version's layout.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffBlock {
    pub heading: bool,
    pub parts: Vec<(Kind, String)>,
}

/// The diff of two versions' blocks, laid out as the new version's blocks: blocks are
/// matched first (unchanged ones cost nothing more, added and removed ones are marked
/// whole), then each run of changed blocks is compared word by word.
pub fn word_diff(old: &[Block], new: &[Block]) -> Vec<DiffBlock> {
    fn key(b: &Block) -> (bool, &str) {
        (b.heading, b.text.as_str())
    }
    let (old_keys, new_keys): (Vec<_>, Vec<_>) =
        (old.iter().map(key).collect(), new.iter().map(key).collect());
    let deadline = std::time::Instant::now() + DIFF_TIMEOUT;
    let ops = similar::capture_diff_slices_deadline(
        similar::Algorithm::Myers,
        &old_keys,
        &new_keys,
        Some(deadline),
    );
    let whole = |b: &Block, kind: Kind| DiffBlock {
        heading: b.heading,
        parts: vec![(kind, b.text.clone())],
    };
    let mut out = Vec::new();
    for op in ops {
        let (tag, old_range, new_range) = op.as_tag_tuple();
        match tag {
            similar::DiffTag::Equal => {
                out.extend(new[new_range].iter().map(|b| whole(b, Kind::Same)))
            }
            similar::DiffTag::Insert => {
                out.extend(new[new_range].iter().map(|b| whole(b, Kind::Added)))
            }
            similar::DiffTag::Delete => {
                out.extend(old[old_range].iter().map(|b| whole(b, Kind::Removed)))
            }
            similar::DiffTag::Replace => out.extend(words(&old[old_range], &new[new_range])),
        }
    }
    out
}

/// The word diff of changed blocks, laid out as the new blocks (deleted paragraph breaks
/// become spaces).
fn words(old: &[Block], new: &[Block]) -> Vec<DiffBlock> {
    let join = |b: &[Block]| {
        b.iter()
            .map(|b| b.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (old_text, new_text) = (join(old), join(new));
    let diff = similar::TextDiffConfig::default()
        .timeout(DIFF_TIMEOUT)
        .diff_words(old_text.as_str(), new_text.as_str());
    let mut out = Vec::new();
    let mut current = DiffBlock {
        heading: new.first().is_some_and(|b| b.heading),
        parts: Vec::new(),
    };
    let push = |block: &mut DiffBlock, kind: Kind, text: &str| match block.parts.last_mut() {
        Some((k, t)) if *k == kind => t.push_str(text),
        _ => block.parts.push((kind, text.to_string())),
    };
    for change in diff.iter_all_changes() {
        let value: &str = change.value();
        let kind = match change.tag() {
            similar::ChangeTag::Equal => Kind::Same,
            similar::ChangeTag::Insert => Kind::Added,
            similar::ChangeTag::Delete => Kind::Removed,
        };
        if !value.contains('\n') {
            push(&mut current, kind, value);
        } else if kind == Kind::Removed {
            push(&mut current, Kind::Same, " ");
        } else {
            // A paragraph break of the new version (blocks hold no other newline).
            let next = out.len() + 1;
            let heading = new.get(next).is_some_and(|b| b.heading);
            let done = std::mem::replace(
                &mut current,
                DiffBlock {
                    heading,
                    parts: Vec::new(),
                },
            );
            out.push(done);
        }
    }
    if !current.parts.is_empty() {
        out.push(current);
    }
    out.retain(|b| !b.parts.is_empty());
    for block in &mut out {
        block.parts = coalesce(std::mem::take(&mut block.parts));
    }
    out
}

/// Joins a run of changes that only whitespace separates into one deletion followed by
/// one insertion ("<del>a b</del> <ins>c d</ins>" rather than "<del>a</del><ins>c</ins>
/// <del>b</del><ins>d</ins>"), which reads as what happened: a phrase replaced.
fn coalesce(parts: Vec<(Kind, String)>) -> Vec<(Kind, String)> {
    let mut out: Vec<(Kind, String)> = Vec::new();
    let mut push = |kind: Kind, text: &str| {
        if text.is_empty() {
            return;
        }
        match out.last_mut() {
            Some((k, t)) if *k == kind => t.push_str(text),
            _ => out.push((kind, text.to_string())),
        }
    };
    let spacer = |(kind, text): &(Kind, String)| *kind == Kind::Same && text.trim().is_empty();
    let mut i = 0;
    while i < parts.len() {
        if parts[i].0 == Kind::Same {
            push(Kind::Same, &parts[i].1);
            i += 1;
            continue;
        }
        let mut last = i;
        let mut j = i;
        while j < parts.len() && (parts[j].0 != Kind::Same || spacer(&parts[j])) {
            if parts[j].0 != Kind::Same {
                last = j;
            }
            j += 1;
        }
        let (mut removed, mut added) = (String::new(), String::new());
        for (kind, text) in &parts[i..=last] {
            if *kind != Kind::Added {
                removed.push_str(text);
            }
            if *kind != Kind::Removed {
                added.push_str(text);
            }
        }
        let whole = parts[i..=last].iter().map(|(_, t)| t.as_str());
        let starts_with_space = whole.clone().next().is_some_and(|t| t.starts_with(' '));
        let ends_with_space = whole.clone().next_back().is_some_and(|t| t.ends_with(' '));
        if starts_with_space {
            push(Kind::Same, " ");
        }
        let (removed, added) = (removed.trim(), added.trim());
        push(Kind::Removed, removed);
        if !removed.is_empty() && !added.is_empty() {
            push(Kind::Same, " ");
        }
        push(Kind::Added, added);
        if ends_with_space {
            push(Kind::Same, " ");
        }
        i = last + 1;
    }
    out
}

/// The diff as HTML: a `<p>` per block; the first insertion or deletion carries the id
/// `forsta-andringen`, which the page's "Gå till första ändringen" link targets.
fn diff_html(blocks: &[DiffBlock]) -> (String, usize, usize) {
    let mut html = String::new();
    let (mut added, mut removed) = (0, 0);
    for block in blocks {
        html.push_str(if block.heading {
            "<p class=\"diff-heading\">"
        } else {
            "<p>"
        });
        for (kind, text) in &block.parts {
            let text = html_escape::encode_text(text);
            let id = if added + removed == 0 {
                " id=\"forsta-andringen\""
            } else {
                ""
            };
            match kind {
                Kind::Same => html.push_str(&text),
                Kind::Added => {
                    html.push_str(&format!(
                        "<ins{id}><span class=\"visually-hidden\">Tillagt: </span>{text}</ins>"
                    ));
                    added += 1;
                }
                Kind::Removed => {
                    html.push_str(&format!(
                        "<del{id}><span class=\"visually-hidden\">Borttaget: </span>{text}</del>"
                    ));
                    removed += 1;
                }
            }
        }
        html.push_str("</p>\n");
    }
    (html, added, removed)
}

/// The rendered blocks of page `index` as it was in blob `blob` (the page itself when
/// that is its current text).
fn version_blocks(
    book: &LoadedBook,
    resolver: &Resolver<'_>,
    reader: &Reader,
    index: usize,
    blob: ObjectId,
) -> Vec<Block> {
    let current = &book.pages[index];
    let text = book::chapter_text(reader.bytes(blob), &current.file).text;
    let page_blocks = |page: &Page| {
        let mut out: Vec<Block> = document_info(&page.front).into_iter().collect();
        out.extend(blocks(&page::version_sections(resolver, index, page)));
        out
    };
    if text == current.source() {
        return page_blocks(current);
    }
    let mut version = Page::new(
        current.path.clone(),
        &book.src_name,
        current.title.clone(),
        Vec::new(),
    );
    // Problems of an old version are history; only the current text is checked.
    let _ = version.set_text(text);
    page_blocks(&version)
}

/// The front matter as the page's "Dokumentinformation" panel shows it, as one block
/// (so that a diff shows a new version number or date too), or none for a plain page.
fn document_info(front: &crate::frontmatter::FrontMatter) -> Option<Block> {
    let mut parts = Vec::new();
    if let Some(v) = &front.version {
        parts.push(format!("Version {v}"));
    }
    if let Some(d) = front.valid_from {
        parts.push(format!("Gäller från {d}"));
    }
    if let Some(d) = front.review_by {
        parts.push(format!("Nästa revision {d}"));
    }
    if let Some(s) = front.status {
        parts.push(format!("Status {}", s.label()));
    }
    if let Some(o) = &front.owner {
        parts.push(format!("Innehållsansvarig {o}"));
    }
    (!parts.is_empty()).then(|| Block {
        heading: false,
        text: format!("Dokumentinformation: {}.", parts.join(", ")),
    })
}

/// Renders the diff pages of page `index` (its latest [`MAX_CHANGES`] changes that have
/// both versions): (site path, HTML) each.
#[allow(clippy::too_many_arguments)]
pub fn diff_pages(
    env: &Environment<'_>,
    site: &site_context::Site<'_>,
    book: &LoadedBook,
    resolver: &Resolver<'_>,
    history: &History,
    reader: &Reader,
    index: usize,
) -> Result<Vec<(String, String)>, RenderError> {
    let page = &book.pages[index];
    let changes = history.changes(&page.path);
    let mut rendered: HashMap<ObjectId, Vec<Block>> = HashMap::new();
    let mut blocks_of = |blob: ObjectId| {
        rendered
            .entry(blob)
            .or_insert_with(|| version_blocks(book, resolver, reader, index, blob))
            .clone()
    };
    let title = site_context::document_title(book, index);
    let mut out = Vec::new();
    for (n, change) in changes.iter().enumerate().take(MAX_CHANGES) {
        let (Some(blob), Some(previous)) = (change.blob, change.previous) else {
            continue;
        };
        let commit = history.commit(change);
        let url = diff_url(&page.url, commit);
        let (new, old) = (blocks_of(blob), blocks_of(previous));
        let (body, added, removed) = diff_html(&word_diff(&old, &new));
        let previous_date = changes
            .get(n + 1)
            .map(|c| history.commit(c).date().to_string());
        let date = commit.date().to_string();
        let common = site.common(
            &format!("{title} – ändring {date} ({})", commit.short()),
            &url,
        );
        let ctx = context! {
            page_title_plain => page.title.clone(),
            page_url => format!("{}{}", common.root, page.url),
            date => date,
            short => commit.short(),
            note => commit.note.clone(),
            previous_date => previous_date,
            diff => minijinja::Value::from_safe_string(body),
            added => added,
            removed => removed,
            counts => format!(
                "{} och {}",
                crate::plural::count(added, "tillägg", "tillägg"),
                crate::plural::count(removed, "borttagning", "borttagningar")
            ),
            ..minijinja::Value::from_serialize(&common)
        };
        out.push((url, super::render_template(env, "diff.html", ctx)?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn para(text: &str) -> Block {
        Block {
            heading: false,
            text: text.into(),
        }
    }

    #[test]
    fn words_are_marked_in_the_new_layout() {
        let old = [para("Barn ska få stöd i tid."), para("Borttaget stycke.")];
        let new = [
            Block {
                heading: true,
                text: "Mål".into(),
            },
            para("Barn och unga ska få stöd i rätt tid."),
        ];
        let diff = word_diff(&old, &new);
        assert_eq!(diff.len(), 2, "{diff:?}");
        assert!(diff[0].heading);
        let (html, added, removed) = diff_html(&diff);
        assert!(html.contains("<ins id=\"forsta-andringen\"><span class=\"visually-hidden\">Tillagt: </span>Mål</ins>"), "{html}");
        assert!(html.contains("Tillagt: </span>och unga</ins>"), "{html}");
        assert!(
            html.contains("Borttaget: </span>Borttaget stycke.</del>"),
            "{html}"
        );
        assert!(added >= 2 && removed >= 1);
    }

    #[test]
    fn diff_pages_live_in_their_own_folder() {
        let commit = Commit {
            id: "0123456789abcdef0123456789abcdef01234567".into(),
            seconds: 0,
            offset: 0,
            author: String::new(),
            note: None,
        };
        assert_eq!(
            diff_url("om/styrning.html", &commit),
            "andringar/om/styrning--0123456789ab.html"
        );
    }
}
