//! The live preview's search after a save: rebuilding the whole browser index takes seconds
//! on a large book (its analysis needs the whole vocabulary, its scores the whole book's
//! statistics), so the preview writes an overlay at once: a small index of the pages
//! changed since the full index was built, scored with the full index's statistics (see
//! [`ScoreStats`]), whose hits replace those of the pages it covers. manifest.json inlines
//! it with the full index's meta file (its file prefix and the full index's virtual pages it
//! hides with it); the preview's reader searches both and merges the rankings
//! (`reader::overlay`). The full index is
//! rebuilt behind it and drops it.
//!
//! An overlay's ranking is close to a full rebuild's, not equal to it: its words are
//! analysed with its own vocabulary (compound parts), and a term's section frequency is
//! the full index's (the changed pages' old and new text are not counted in or out).

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};

use crate::bodies::Bodies;
use crate::indexer::{Export, Exported, ScoreStats, export_static};
use crate::reader::{Engine, page_of};
use crate::synonyms::Synonyms;
use crate::{IndexStats, SectionDoc, corpus};

/// What an overlay needs of the full index it is laid over.
#[derive(Debug, Clone, Default)]
pub struct Base {
    stats: ScoreStats,
    /// The full index's meta file (not compressed), combined with each overlay's.
    meta: Vec<u8>,
    /// The virtual pages of each page (its URL without the anchor).
    pages: HashMap<String, Vec<u32>>,
}

impl Base {
    /// The full index's virtual pages of these pages (URLs without anchors); pages it does
    /// not have (new ones) have none.
    pub fn vpages_of<'a>(&self, pages: impl IntoIterator<Item = &'a str>) -> Vec<u32> {
        let mut out: Vec<u32> = pages
            .into_iter()
            .filter_map(|p| self.pages.get(p))
            .flatten()
            .copied()
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The URL of a section's page (without the anchor): how overlays name pages.
pub fn page_url(url: &str) -> &str {
    page_of(url)
}

/// Builds the browser index (no tantivy index) as [`crate::build_browser_index`] does,
/// and keeps what overlays over it need.
pub fn build_base(
    docs: &[SectionDoc],
    synonyms: &Synonyms,
    search_dir: &Path,
) -> Result<(IndexStats, Base)> {
    if search_dir.exists() {
        std::fs::remove_dir_all(search_dir)
            .with_context(|| format!("removing the old {}", search_dir.display()))?;
    }
    // Not `create_dir_all`: a preview that is stopping has moved its folder aside, and
    // this must not make it again.
    std::fs::create_dir(search_dir)
        .with_context(|| format!("creating {}", search_dir.display()))?;
    let how = Export {
        keep_stats: true,
        ..Export::default()
    };
    let exported = export(docs, synonyms, search_dir, &how)?;
    let mut pages: HashMap<String, Vec<u32>> = HashMap::new();
    for (d, v) in docs.iter().zip(&exported.vdocs) {
        let vpages = pages.entry(page_of(&d.url).to_string()).or_default();
        let vpage = v >> crate::format::SLOT_BITS;
        if vpages.last() != Some(&vpage) {
            vpages.push(vpage);
        }
    }
    let base = Base {
        stats: exported.score_stats.unwrap_or_default(),
        meta: exported.meta,
        pages,
    };
    Ok((exported.stats, base))
}

/// Analyses `docs` (their texts in them: the preview's pages are held anyway) and writes
/// their browser index as `how` says.
fn export(
    docs: &[SectionDoc],
    synonyms: &Synonyms,
    search_dir: &Path,
    how: &Export,
) -> Result<Exported> {
    let analysis = corpus::analyze_with(docs, &Bodies::InSections, synonyms)?;
    export_static(
        docs,
        &Bodies::InSections,
        &analysis,
        synonyms,
        search_dir,
        how,
    )
}

/// The file prefix of overlay number `n`. No file of a full index starts with `o`.
pub fn prefix(n: u64) -> String {
    format!("o{n}-")
}

/// Whether an index file belongs to an overlay (any number).
pub fn is_overlay_file(name: &str) -> bool {
    name.strip_prefix('o')
        .and_then(|rest| rest.split_once('-'))
        .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Writes overlay number `n` into the full index's folder: an index of `docs` (the
/// sections of the changed and new pages) in place of the full index's virtual pages
/// `hidden` (those of the changed and removed pages). manifest.json then inlines the full
/// index's meta file combined with the overlay's (`reader::encode_overlaid`; `meta` still
/// names the full index's, and `overlay` the prefix), and so does the browser's
/// manifest.meta. Older overlays' files are removed.
pub fn write(
    docs: &[SectionDoc],
    synonyms: &Synonyms,
    base: &Base,
    hidden: &[u32],
    search_dir: &Path,
    n: u64,
) -> Result<IndexStats> {
    let prefix = prefix(n);
    let how = Export {
        base: Some(&base.stats),
        overlay_prefix: Some(&prefix),
        ..Export::default()
    };
    let exported = export(docs, synonyms, search_dir, &how)?;
    let path = search_dir.join("manifest.json");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut manifest: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("reading {}", path.display()))?;
    let overlaid = crate::reader::encode_overlaid(&base.meta, &exported.meta, &prefix, hidden);
    let object = manifest
        .as_object_mut()
        .with_context(|| format!("{}: not an object", path.display()))?;
    let stored = crate::format::compress(&overlaid);
    object.insert(
        "meta_data".to_string(),
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &stored).into(),
    );
    object.insert("overlay".to_string(), prefix.clone().into());
    let meta_file = object
        .get("meta")
        .and_then(|m| m.as_str())
        .with_context(|| format!("{}: no meta file", path.display()))?
        .to_string();
    crate::indexer::replace_file(
        search_dir,
        "manifest.json",
        (serde_json::to_string_pretty(&manifest)? + "\n").as_bytes(),
    )?;
    crate::indexer::write_browser_manifest(search_dir, &meta_file, &stored)?;
    remove_overlays(search_dir, &prefix)?;
    Ok(exported.stats)
}

/// Removes the files of overlays other than the one with prefix `keep`.
fn remove_overlays(search_dir: &Path, keep: &str) -> Result<()> {
    for entry in std::fs::read_dir(search_dir)? {
        let name = entry?.file_name();
        let Some(name) = name.to_str() else { continue };
        if is_overlay_file(name) && !name.starts_with(keep) {
            std::fs::remove_file(search_dir.join(name))?;
        }
    }
    Ok(())
}

/// Opens the engine of an index folder with its overlay, if manifest.json has one (as the
/// preview's reader in the browser does).
pub fn open(search_dir: &Path) -> Result<Engine> {
    open_manifest(&std::fs::read_to_string(search_dir.join("manifest.json"))?)
}

/// [`open`] from the text of manifest.json (its inlined meta file).
pub fn open_manifest(manifest: &str) -> Result<Engine> {
    let manifest: serde_json::Value = serde_json::from_str(manifest)?;
    let stored = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        manifest
            .get("meta_data")
            .and_then(|m| m.as_str())
            .context("manifest.json inlines no meta file")?,
    )?;
    let meta = crate::format::decompress(&stored).map_err(anyhow::Error::msg)?;
    Engine::open(&meta).map_err(anyhow::Error::msg)
}
