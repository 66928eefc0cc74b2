//! The tantivy index (feature `indexer`): the analyzer as tantivy tokenizers, the index in
//! `<search_dir>/tantivy/`, the export of the static browser index, and `search_site`.

use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use tantivy::collector::DocSetCollector;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::query::{
    Bm25StatisticsProvider, Bm25Weight, BooleanQuery, BoostQuery, ConstScoreQuery, Occur,
    PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, SegmentReader, TantivyDocument, Term};

use crate::bodies::Bodies;
use crate::corpus::{self, Analysis};
use crate::format::*;
use crate::keys::{Key, KeyHasher, PageDigests};
use crate::postings::{BUCKET_OCCURRENCES, PostingSpill, SpilledPostings, TermPostings};
use crate::query::{self, Lexicon, Plan};
use crate::reader::{self, Engine, Filters, Fragment, Meta, Shard, page_of};
use crate::synonyms::Synonyms;
use crate::{Hit, IndexStats, SectionDoc};

mod memo;
use memo::SECTION_SCORING_BYTES;
pub use memo::{
    ArchiveMemo, IndexMemo, Placed, PreviousIndex, RunsMemo, ShardMemo, ShardsMemo, link_or_copy,
};

/// Field boosts: title > headings > body; exact abbreviations and ids far above.
pub const BOOST_TITLE: f32 = 3.0;
pub const BOOST_HEADING: f32 = 2.0;
pub const BOOST_BODY: f32 = 1.0;
pub const BOOST_EXACT: f32 = 10.0;

/// Score factor of a document status, multiplied into every score of its sections (the
/// same in tantivy and the static index): what is in force (and plain pages, without a
/// status) ranks first at 1.0; an upcoming document at 0.7; a draft or planned one, and
/// one that has expired without a successor (often still the only text on its subject,
/// such as a past action plan), at 0.6; a replaced one at 0.35, so that it shows above
/// what replaced it only where it matches about three times as well.
pub fn status_factor(status: Option<&str>) -> f32 {
    match status {
        Some("upcoming") => 0.7,
        Some("draft") | Some("planned") | Some("expired") | Some("repealed") => 0.6,
        Some("replaced") => 0.35,
        _ => 1.0,
    }
}

/// Target size of a term shard (entries and heads, before compression): a query reads one
/// per word, and the first query of a visit waits for them, so they are small (a shard of
/// 2.5 KB made the first results of the benchmark's cold query cost 4 KB more); the
/// queries after it read them from the bundle.
const SHARD_TARGET: usize = 1024;

struct Fields {
    title: Field,
    heading: Field,
    body: Field,
    exact: Field,
    all: Field,
    kind: Field,
    group: Field,
    services: Field,
    status: Field,
    url: Field,
    doc_id: Field,
    stored_title: Field,
    stored_heading: Field,
    stored_body: Field,
    ord: Field,
    factor: Field,
    /// The effective validity interval ([`SectionDoc::validity`]): i64::MIN..=i64::MAX for
    /// pages without one.
    valid_from: Field,
    valid_until: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |tok: &str, rec: IndexRecordOption| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tok)
                .set_index_option(rec),
        )
    };
    let f = Fields {
        title: b.add_text_field("title", text("sv", IndexRecordOption::WithFreqs)),
        heading: b.add_text_field("heading", text("sv", IndexRecordOption::WithFreqs)),
        body: b.add_text_field("body", text("sv", IndexRecordOption::WithFreqs)),
        exact: b.add_text_field("exact", text("sv_exact", IndexRecordOption::WithFreqs)),
        all: b.add_text_field("all", text("sv", IndexRecordOption::WithFreqsAndPositions)),
        kind: b.add_text_field("kind", STRING | STORED),
        group: b.add_text_field("strategy_group", STRING | STORED),
        services: b.add_text_field("services", STRING | STORED),
        status: b.add_text_field("status", STRING | STORED),
        url: b.add_text_field("url", STORED),
        doc_id: b.add_text_field("doc_id", STRING | STORED),
        stored_title: b.add_text_field("title_text", STORED),
        stored_heading: b.add_text_field("heading_text", STORED),
        stored_body: b.add_text_field("body_text", STORED),
        ord: b.add_u64_field("ord", NumericOptions::default().set_fast().set_stored()),
        factor: b.add_f64_field("factor", NumericOptions::default().set_fast()),
        valid_from: b.add_i64_field(
            "valid_from",
            NumericOptions::default().set_fast().set_indexed(),
        ),
        valid_until: b.add_i64_field(
            "valid_until",
            NumericOptions::default().set_fast().set_indexed(),
        ),
    };
    (b.build(), f)
}

fn fields_of(schema: &Schema) -> Result<Fields> {
    let g = |n: &str| {
        schema
            .get_field(n)
            .with_context(|| format!("field {n} missing in the index"))
    };
    Ok(Fields {
        title: g("title")?,
        heading: g("heading")?,
        body: g("body")?,
        exact: g("exact")?,
        all: g("all")?,
        kind: g("kind")?,
        group: g("strategy_group")?,
        services: g("services")?,
        status: g("status")?,
        url: g("url")?,
        doc_id: g("doc_id")?,
        stored_title: g("title_text")?,
        stored_heading: g("heading_text")?,
        stored_body: g("body_text")?,
        ord: g("ord")?,
        factor: g("factor")?,
        valid_from: g("valid_from")?,
        valid_until: g("valid_until")?,
    })
}

/// Heading text as shown: the page's ancestors are not repeated, only the section heading.
fn heading_line(d: &SectionDoc) -> String {
    d.heading.clone()
}

fn short_hash(bytes: &[u8]) -> u32 {
    hash_of(Sha256::new().chain_update(bytes))
}

/// The content hash of what `hasher` was given (see [`short_hash`]).
fn hash_of(hasher: Sha256) -> u32 {
    let h = hasher.finalize();
    u32::from_be_bytes([h[0], h[1], h[2], h[3]])
}

struct TermData {
    key: String,
    /// `info.df` is the number of postings.
    info: query::TermInfo,
    flags: u8,
    source: TermSource,
}

/// A term's postings until its shard is built. A word's are held packed, as the
/// statistics pass left them, and scored only when the shard is built, which frees them:
/// scored all at once they took about 100 MB more at 100,000 pages.
enum TermSource {
    /// A word or stem: scored in fields title, heading and body.
    Normal(TermPostings),
    /// An exact form: scored in field `exact`.
    Exact(TermPostings),
    /// A facet value: its (virtual) sections, without impacts.
    Facet(Vec<u32>),
    /// A word, stem or exact form (the term's code in the [`PostingSpill`]) whose postings
    /// are still spilled: [`load_postings`] takes them before its shard is built.
    Spilled(u32),
    /// Taken by its shard.
    Taken,
}

/// A term's postings as its shard stores them.
struct Scored {
    /// (virtual doc, impact), by doc.
    postings: Vec<(u32, f32)>,
    /// Positions (field `all`) per posting, in posting order, each list as a position pack
    /// stores it ([`encode_position_lists`]). Where each list ends is found when the term's
    /// shard is built ([`PositionLists`]), so that no offsets are held for every posting.
    positions: Option<Vec<u8>>,
    /// Sections with the term in title, heading and body (an exact form: in `exact`,
    /// first); None for a facet value. For [`ScoreStats`].
    dfs: Option<[u32; 3]>,
}

/// What scoring a term needs of the whole book.
struct Scoring<'a> {
    fields: &'a [FieldScorer],
    norm_ids: &'a [[u8; 4]],
    factors: &'a [f32],
    vdocs: &'a [u32],
    /// Statistics to score with instead of the book's own (an overlay's base).
    base: Option<&'a ScoreStats>,
}

impl Scoring<'_> {
    /// The postings of the term `key`, scored with tantivy's BM25 per field and the status
    /// factor of their sections.
    fn score(&self, key: &str, source: TermSource) -> Result<Scored> {
        let internal = |e: Corrupt| anyhow::anyhow!("the search index's postings of {key}: {e}");
        Ok(match source {
            TermSource::Normal(p) => {
                let p = p.unpack().map_err(internal)?;
                let mut imp = vec![0f32; p.docs.len()];
                let mut dfs = [0u32; 3];
                for (f, scorer) in self.fields.iter().enumerate().take(3) {
                    let df = p.tfs.iter().filter(|tf| tf[f] > 0).count() as u64;
                    dfs[f] = df as u32;
                    if df == 0 {
                        continue;
                    }
                    let w = scorer.weight(self.base.map_or(df, |b| b.df(key, f, df)));
                    for (i, (d, tf)) in p.docs.iter().zip(&p.tfs).enumerate() {
                        if tf[f] > 0 {
                            imp[i] += w.score(self.norm_ids[*d as usize][f], tf[f] as u32);
                        }
                    }
                }
                Scored {
                    postings: p
                        .docs
                        .iter()
                        .zip(imp)
                        .map(|(d, s)| (self.vdocs[*d as usize], s * self.factors[*d as usize]))
                        .collect(),
                    positions: Some(p.pos),
                    dfs: Some(dfs),
                }
            }
            TermSource::Exact(p) => {
                let p = p.unpack().map_err(internal)?;
                let df = p.docs.len() as u64;
                let w = self.fields[3].weight(self.base.map_or(df, |b| b.df(key, 0, df)));
                Scored {
                    postings: p
                        .docs
                        .iter()
                        .zip(&p.tfs)
                        .map(|(d, tf)| {
                            let d = *d as usize;
                            let score = w.score(self.norm_ids[d][3], tf[0] as u32);
                            (self.vdocs[d], score * self.factors[d])
                        })
                        .collect(),
                    positions: None,
                    dfs: Some([df as u32, 0, 0]),
                }
            }
            TermSource::Facet(docs) => Scored {
                postings: docs.into_iter().map(|d| (d, 0.0)).collect(),
                positions: None,
                dfs: None,
            },
            TermSource::Spilled(_) => {
                anyhow::bail!("the search index's postings of {key} were not read back")
            }
            TermSource::Taken => anyhow::bail!("the search index's term {key} was built twice"),
        })
    }
}

/// A term's encoded position lists, each found by its posting's number.
struct PositionLists<'a> {
    lists: &'a [u8],
    /// Where each posting's list ends.
    ends: Vec<usize>,
}

impl<'a> PositionLists<'a> {
    /// Finds the ends of the `n` lists of `lists`; None if they are not `n` lists.
    fn new(lists: &'a [u8], n: usize) -> Option<Self> {
        let mut d = Dec::new(lists);
        let mut ends = Vec::with_capacity(n);
        for _ in 0..n {
            skip_position_list(&mut d).ok()?;
            ends.push(d.pos);
        }
        d.at_end().then_some(PositionLists { lists, ends })
    }

    /// The encoded list of the i-th posting.
    fn list(&self, i: usize) -> &'a [u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.lists[start..self.ends[i]]
    }
}

/// With `SAMSYN_TIMINGS` set, prints the time since the previous call (per thread).
fn timing(what: &str) {
    thread_local! {
        static LAST: std::cell::Cell<Option<std::time::Instant>> = const { std::cell::Cell::new(None) };
    }
    if std::env::var_os("SAMSYN_TIMINGS").is_none() {
        return;
    }
    let now = std::time::Instant::now();
    LAST.with(|l| {
        if let Some(prev) = l.get() {
            eprintln!(
                "tid:   sökindex {what} {:.3} s (högsta minne hittills {})",
                (now - prev).as_secs_f64(),
                crate::memory::status("VmHWM:")
            );
        }
        l.set(Some(now));
    });
}

/// Sections per parallel unit of the statistics pass.
const EXPORT_CHUNK: usize = 1024;

/// Builds the tantivy index in `<search_dir>/tantivy/` and the static browser index in
/// `<search_dir>/` (manifest.json and content-hashed files). Replaces what was there.
pub fn build_site_index(docs: &[SectionDoc], search_dir: &Path) -> Result<IndexStats> {
    build_site_index_with(docs, &Synonyms::default(), search_dir)
}

/// [`build_site_index`] with synonym pairs: either form of a pair finds both (see
/// [`crate::synonyms`]); the pairs go into the meta file.
pub fn build_site_index_with(
    docs: &[SectionDoc],
    synonyms: &Synonyms,
    search_dir: &Path,
) -> Result<IndexStats> {
    Ok(build_index(
        docs,
        &Bodies::InSections,
        synonyms,
        search_dir,
        true,
        None,
        None,
    )?
    .0)
}

/// [`build_site_index_with`] with the sections' texts in `bodies` (a build spills them to a
/// file: see [`crate::bodies`]).
pub fn build_site_index_from(
    docs: &[SectionDoc],
    bodies: &Bodies,
    synonyms: &Synonyms,
    search_dir: &Path,
) -> Result<IndexStats> {
    Ok(build_index(docs, bodies, synonyms, search_dir, true, None, None)?.0)
}

/// [`build_site_index_from`] that takes over what it can of the previous build's index
/// (see [`memo`]), and returns what the next build can take over of this one. `pages`
/// are the digests of the pages the sections are of, which key the parts of the index
/// (digests that do not count every section are not used, and nothing is taken over).
pub fn build_site_index_reusing(
    docs: &[SectionDoc],
    bodies: &Bodies,
    synonyms: &Synonyms,
    search_dir: &Path,
    previous: Option<&PreviousIndex>,
    pages: &PageDigests,
) -> Result<(IndexStats, IndexMemo)> {
    let pages = (pages.sections() == docs.len()).then_some(pages);
    let previous = previous.filter(|_| pages.is_some());
    build_index(docs, bodies, synonyms, search_dir, true, previous, pages)
}

/// The static browser index alone, without the tantivy index that `samsyn search` reads:
/// for the live preview, whose search is the browser's (at 10,000 pages tantivy is most of
/// the index's time).
pub fn build_browser_index(
    docs: &[SectionDoc],
    synonyms: &Synonyms,
    search_dir: &Path,
) -> Result<IndexStats> {
    Ok(build_index(
        docs,
        &Bodies::InSections,
        synonyms,
        search_dir,
        false,
        None,
        None,
    )?
    .0)
}

fn build_index(
    docs: &[SectionDoc],
    bodies: &Bodies,
    synonyms: &Synonyms,
    search_dir: &Path,
    with_tantivy: bool,
    previous: Option<&PreviousIndex>,
    pages: Option<&PageDigests>,
) -> Result<(IndexStats, IndexMemo)> {
    timing("start");
    if let Bodies::Spilled(texts) = bodies
        && texts.len() != docs.len()
    {
        anyhow::bail!("{} texts given for {} sections", texts.len(), docs.len());
    }
    if search_dir.exists() {
        std::fs::remove_dir_all(search_dir)
            .with_context(|| format!("removing the old {}", search_dir.display()))?;
    }
    std::fs::create_dir_all(search_dir)
        .with_context(|| format!("creating {}", search_dir.display()))?;
    let analysis = Arc::new(
        corpus::analyze_with(docs, bodies, synonyms).context("reading the sections' texts")?,
    );
    timing("analysis");
    let whole = Export {
        previous,
        pages,
        ..Export::default()
    };
    if !with_tantivy {
        let exported = export_static(docs, bodies, &analysis, synonyms, search_dir, &whole)?;
        let memo = IndexMemo {
            fragments: exported.fragments,
            tantivy: None,
            compressed: exported.compressed,
            shards: exported.shards,
        };
        return Ok((exported.stats, memo));
    }
    let tantivy_dir = search_dir.join("tantivy");
    std::fs::create_dir_all(&tantivy_dir)
        .with_context(|| format!("creating {}", tantivy_dir.display()))?;
    let previous_runs = previous.and_then(|p| {
        let runs = p.runs(docs.len(), memo::run_len(docs.len()))?;
        Some((p.dir.join("tantivy"), runs))
    });
    std::thread::scope(|scope| -> Result<(IndexStats, IndexMemo)> {
        // tantivy indexes on its own thread while the static index is computed and written.
        let shared = analysis.clone();
        let previous_runs = previous_runs
            .as_ref()
            .map(|(dir, runs)| (dir.as_path(), *runs));
        let tantivy = scope
            .spawn(move || write_tantivy(docs, bodies, shared, &tantivy_dir, previous_runs, pages));
        let exported = export_static(docs, bodies, &analysis, synonyms, search_dir, &whole);
        let indexed = tantivy
            .join()
            .map_err(|_| anyhow::anyhow!("tantivy indexing panicked"))?;
        timing("static index written; waiting for tantivy");
        let runs = indexed?;
        timing("tantivy done");
        let exported = exported?;
        let memo = IndexMemo {
            fragments: exported.fragments,
            tantivy: runs,
            compressed: exported.compressed,
            shards: exported.shards,
        };
        Ok((exported.stats, memo))
    })
}

/// Memory budget of the tantivy writer (one indexing thread) for a book of `sections`.
/// Above it tantivy writes a segment and starts another; segments are never merged (BM25
/// statistics are index-wide, so scores do not depend on the segmentation). A run of
/// sections ([`memo::run_len`]) is committed alone and stays under the budget (one segment,
/// six files of the site): at 100,000 pages 32 runs of 20,313 sections each. A large book
/// gets twice the budget, so that its runs do too.
fn tantivy_memory(sections: usize) -> usize {
    if sections > 200_000 {
        40_000_000
    } else {
        20_000_000
    }
}
/// tantivy indexing threads. One: with several, sections are spread over segments in no
/// particular order, and tantivy breaks score ties by segment, not by section order as the
/// static reader does (the agreement tests compare the two at the top-k cutoff).
const TANTIVY_THREADS: usize = 1;

/// Writes the tantivy index: one document per section, the text fields replayed from the
/// analysis (see [`corpus::PreAnalyzed`]), a run of sections at a time ([`RunsMemo`]).
/// With the previous build's runs, its index is taken over and only the runs whose key
/// changed are indexed again. Returns the runs' keys, when there is a previous index or
/// `record` asks for them.
fn write_tantivy(
    docs: &[SectionDoc],
    bodies: &Bodies,
    analysis: Arc<Analysis>,
    dir: &Path,
    previous: Option<(&Path, &RunsMemo)>,
    pages: Option<&PageDigests>,
) -> Result<Option<RunsMemo>> {
    timing("tantivy start");
    let run_len = memo::run_len(docs.len());
    let runs: Vec<std::ops::Range<usize>> = (0..docs.len())
        .step_by(run_len)
        .map(|a| a..(a + run_len).min(docs.len()))
        .collect();
    let (schema, f) = schema();
    let tokenizer = |kind| corpus::PreAnalyzed {
        analysis: analysis.clone(),
        kind,
    };
    // The previous index, linked in; a clean one where that fails.
    let taken = previous.and_then(|(from, memo)| {
        memo::link_tantivy_files(from, dir).ok()?;
        Some((Index::open_in_dir(dir).ok()?, memo))
    });
    let (index, previous) = match taken {
        Some((index, memo)) => (index, Some(memo)),
        None => {
            if previous.is_some() {
                // What was linked before the previous index failed to open.
                std::fs::remove_dir_all(dir)?;
                std::fs::create_dir_all(dir)?;
            }
            (Index::create_in_dir(dir, schema)?, None)
        }
    };
    index
        .tokenizers()
        .register("sv", TextAnalyzer::from(tokenizer(corpus::Kind::Normal)));
    index.tokenizers().register(
        "sv_exact",
        TextAnalyzer::from(tokenizer(corpus::Kind::Exact)),
    );
    // Runs are keyed only with the pages' digests (and always are then: the keys are
    // recorded for the next build).
    let previous = previous.filter(|_| pages.is_some());
    let words = match pages {
        Some(_) => word_digests(&analysis),
        None => Vec::new(),
    };
    let hash_runs = |pages: &PageDigests| -> Vec<String> {
        runs.par_iter()
            .map(|run| {
                let mut h = RunHasher::new(&analysis, &words, pages, run.clone());
                for i in run.clone() {
                    h.add(i);
                }
                h.finish()
            })
            .collect()
    };
    // Over a previous index, every run is hashed first, to find the changed ones.
    let known = previous.and(pages).map(hash_runs);
    timing("tantivy runs hashed");
    let mut writer: tantivy::IndexWriter =
        index.writer_with_num_threads(TANTIVY_THREADS, tantivy_memory(docs.len()))?;
    writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
    let mut later = None;
    rayon::in_place_scope(|scope| -> Result<()> {
        // Without a previous index the keys are only recorded: hashed on the thread pool
        // while this thread indexes.
        if let (None, Some(pages)) = (&known, pages) {
            scope.spawn(|_| later = Some(hash_runs(pages)));
        }
        for (j, run) in runs.iter().enumerate() {
            if let (Some(keys), Some(previous)) = (&known, previous) {
                if previous.keys.get(j) == Some(&keys[j]) {
                    continue;
                }
                // Empties the run's segments, which the commit drops.
                let bound = |i: usize| Term::from_field_u64(f.ord, i as u64);
                writer.delete_query(Box::new(RangeQuery::new(
                    Bound::Included(bound(run.start)),
                    Bound::Excluded(bound(run.end)),
                )))?;
            }
            for_each_doc(docs, bodies, &f, run.clone(), |_, doc| {
                writer.add_document(doc)?;
                Ok(())
            })?;
            // A run is committed alone, so that its segments hold no other run's sections.
            writer.commit()?;
        }
        if runs.is_empty() {
            writer.commit()?; // A book without sections: an empty index.
        }
        Ok(())
    })?;
    timing("tantivy runs indexed");
    writer.wait_merging_threads()?;
    let keys = known.or(later);
    Ok(keys.map(|keys| RunsMemo {
        sections: docs.len(),
        run_len,
        keys,
    }))
}

/// Calls `each` with the tantivy document of every section in `range`, in order (their
/// texts read a chunk at a time).
fn for_each_doc(
    docs: &[SectionDoc],
    bodies: &Bodies,
    f: &Fields,
    range: std::ops::Range<usize>,
    mut each: impl FnMut(usize, TantivyDocument) -> Result<()>,
) -> Result<()> {
    for start in range.clone().step_by(EXPORT_CHUNK) {
        let chunk = start..(start + EXPORT_CHUNK).min(range.end);
        let texts = bodies
            .read(docs, chunk.clone())
            .context("reading the sections' texts")?;
        for (i, body) in chunk.zip(&texts) {
            each(i, tantivy_doc(docs, i, body, f))?;
        }
    }
    Ok(())
}

/// The tantivy document of section `i`, its text fields named by value keys.
fn tantivy_doc(docs: &[SectionDoc], i: usize, body: &str, f: &Fields) -> TantivyDocument {
    let d = &docs[i];
    let key = |v: usize| corpus::value_key(i, v);
    let n_text = Analysis::text_values(docs, i);
    let mut doc = TantivyDocument::default();
    doc.add_text(f.title, key(0));
    doc.add_text(f.stored_title, &d.title);
    for v in 1..n_text - 1 {
        doc.add_text(f.heading, key(v));
    }
    doc.add_text(f.stored_heading, heading_line(d));
    doc.add_text(f.body, key(n_text - 1));
    doc.add_text(f.stored_body, body);
    for v in 0..n_text {
        doc.add_text(f.all, key(v));
        doc.add_text(f.exact, key(v));
    }
    if let Some(id) = &d.doc_id {
        doc.add_text(f.exact, key(n_text));
        doc.add_text(f.doc_id, id);
    }
    doc.add_text(f.kind, &d.kind);
    if let Some(g) = &d.strategy_group {
        doc.add_text(f.group, g);
    }
    for s in &d.services {
        doc.add_text(f.services, s);
    }
    if let Some(s) = &d.status {
        doc.add_text(f.status, s);
    }
    doc.add_text(f.url, &d.url);
    doc.add_u64(f.ord, i as u64);
    doc.add_f64(f.factor, status_factor(d.status.as_deref()) as f64);
    let (from, until) = d
        .validity()
        .map_or((i64::MIN, i64::MAX), |(a, b)| (i64::from(a), i64::from(b)));
    doc.add_i64(f.valid_from, from);
    doc.add_i64(f.valid_until, until);
    doc
}

/// A run's key: the digests of the pages its sections are of (see [`PageDigests`]:
/// everything tantivy's documents are made of but the tokens), and for each analyzed
/// value the tokens tantivy makes of it: per token its word's terms ([`word_digests`])
/// and whether it stands at the previous token's position (which gives the positions).
///
/// A token is hashed as its word's number in the run (in order of first occurrence there)
/// and its position flag, 4 bytes; the run's words' digests are hashed once, in that
/// order, when the run is finished. The two together name every token's digest, at a
/// quarter of the bytes of hashing each token's digest.
struct RunHasher<'a> {
    h: KeyHasher,
    analysis: &'a Analysis,
    words: &'a [[u8; 16]],
    /// Per word of the analysis, its number in the run plus one (0: not yet seen).
    numbers: Vec<u32>,
    /// The run's words, in order of first occurrence.
    seen: Vec<u32>,
    buf: Vec<u8>,
}

impl<'a> RunHasher<'a> {
    fn new(
        analysis: &'a Analysis,
        words: &'a [[u8; 16]],
        pages: &PageDigests,
        run: std::ops::Range<usize>,
    ) -> Self {
        let mut h = KeyHasher::new("tantivy-run");
        pages.hash_range(run, &mut h);
        RunHasher {
            h,
            analysis,
            words,
            numbers: vec![0; words.len()],
            seen: Vec::new(),
            buf: Vec::new(),
        }
    }

    /// Adds the tokens of section `i`.
    fn add(&mut self, i: usize) {
        let buf = &mut self.buf;
        buf.clear();
        let a = self.analysis;
        for &(s, e) in &a.values[i] {
            buf.extend_from_slice(&(e - s).to_le_bytes());
            for &t in &a.toks[s as usize..e as usize] {
                let w = t.word() as usize;
                if self.numbers[w] == 0 {
                    self.seen.push(w as u32);
                    self.numbers[w] = self.seen.len() as u32;
                }
                // Below 2^31 (a run has fewer words than tokens): the top bit is free.
                let number = (self.numbers[w] - 1) | (u32::from(t.at_previous_position()) << 31);
                buf.extend_from_slice(&number.to_le_bytes());
            }
        }
        self.h.part(buf);
    }

    fn finish(mut self) -> String {
        self.buf.clear();
        for &w in &self.seen {
            self.buf.extend_from_slice(&self.words[w as usize]);
        }
        self.h.part(&self.buf);
        self.h.finish_hex()
    }
}

/// Per distinct word of the analysis, a digest of the terms its tokens give: the normal
/// terms (main, then compound parts) and the exact term.
fn word_digests(a: &Analysis) -> Vec<[u8; 16]> {
    (0..a.word_main.len() as u32)
        .into_par_iter()
        .map(|w| {
            let mut h = Sha256::new();
            for t in a.word_terms(w) {
                h.update((a.terms[t as usize].len() as u64).to_le_bytes());
                h.update(a.terms[t as usize].as_bytes());
            }
            let exact = a.word_exact[w as usize];
            if exact != corpus::NONE {
                h.update([0xff]);
                h.update(a.exact_terms[exact as usize].as_bytes());
            }
            let d = h.finalize();
            let mut out = [0u8; 16];
            out.copy_from_slice(&d[..16]);
            out
        })
        .collect()
}

/// BM25 of one field, as tantivy computes it (`Bm25Weight`, fieldnorm ids).
struct FieldScorer {
    n_docs: u64,
    avg: f32,
    boost: f32,
}

impl FieldScorer {
    fn new(norms: impl Iterator<Item = u32>, n_docs: usize, boost: f32) -> FieldScorer {
        let total: u64 = norms.map(u64::from).sum();
        FieldScorer {
            n_docs: n_docs as u64,
            avg: scoring_total(total) as f32 / n_docs.max(1) as f32,
            boost,
        }
    }
    /// The weight of a term found in `df` sections (at most all of them: a statistic taken
    /// from another book may count more).
    fn weight(&self, df: u64) -> Bm25Weight {
        Bm25Weight::for_one_term_without_explain(df.min(self.n_docs), self.n_docs, self.avg)
            .boost_by(self.boost)
    }
}

/// Significant bits of a field's token total that scores are computed with.
const SCORING_TOTAL_BITS: u32 = 8;

/// The token total of a field as BM25's average field length is computed from, by the
/// static index and by tantivy ([`ScoringTotals`]): the book's own total rounded to
/// [`SCORING_TOTAL_BITS`] significant bits (within 0.4% of it). An edit that changes a few
/// sections' lengths then leaves the average, and so the scores of every term it does not
/// touch, as they were, so that the next build can take those terms' shards over.
fn scoring_total(total: u64) -> u64 {
    let shift = (u64::BITS - total.leading_zeros()).saturating_sub(SCORING_TOTAL_BITS);
    if shift == 0 {
        return total;
    }
    let half = 1u64 << (shift - 1);
    (total.saturating_add(half) >> shift) << shift
}

/// tantivy's statistics for BM25, with each field's token total as the static index
/// scores with it ([`scoring_total`]), so that `samsyn search` and the browser agree.
struct ScoringTotals<'a>(&'a tantivy::Searcher);

impl Bm25StatisticsProvider for ScoringTotals<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        Bm25StatisticsProvider::total_num_tokens(self.0, field).map(scoring_total)
    }
    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Bm25StatisticsProvider::total_num_docs(self.0)
    }
    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        Bm25StatisticsProvider::doc_freq(self.0, term)
    }
}

/// The statistics an index's scores were computed with: sections, average field lengths
/// and the section frequency of each term in each field (title, heading, body; exact
/// terms in the first). An overlay (see [`crate::overlay`]) scores with those of the index
/// it is laid over, so that the scores of both compare.
#[derive(Debug, Clone, Default)]
pub struct ScoreStats {
    n_docs: usize,
    avg: [f32; 4],
    df: HashMap<String, [u32; 3]>,
}

impl ScoreStats {
    /// The frequency of `key` in field `f`, else `own` (a term the statistics do not have).
    fn df(&self, key: &str, f: usize, own: u64) -> u64 {
        self.df
            .get(key)
            .map(|d| u64::from(d[f]))
            .filter(|&d| d > 0)
            .unwrap_or(own)
    }
}

/// How [`export_static`] writes an index.
#[derive(Default)]
pub(crate) struct Export<'a> {
    /// Score with these statistics rather than the sections' own.
    pub base: Option<&'a ScoreStats>,
    /// Return the statistics the scores were computed with.
    pub keep_stats: bool,
    /// An overlay: every file name starts with this prefix, and there is no bundle, no
    /// meta file and no manifest (the meta is returned; the manifest inlines it).
    pub overlay_prefix: Option<&'a str>,
    /// Occurrences per bucket of the postings' spill, if not [`BUCKET_OCCURRENCES`] (tests
    /// make a small book spill).
    pub bucket_occurrences: Option<u64>,
    /// Bytes a spill bucket holds before they go to its file, if not the spill's own.
    pub flush_bytes: Option<usize>,
    /// The previous build's index, whose unchanged fragment archives and compressed
    /// members are taken over.
    pub previous: Option<&'a PreviousIndex<'a>>,
    /// The digests of the pages the sections are of: with them the fragment archives and
    /// the compressed members are keyed for the next build ([`IndexMemo`]).
    pub pages: Option<&'a PageDigests>,
}

/// What [`export_static`] wrote.
pub(crate) struct Exported {
    /// Of an overlay: its files without the meta.
    pub stats: IndexStats,
    /// The meta file (not compressed).
    pub meta: Vec<u8>,
    /// The statistics, when asked for ([`Export::keep_stats`]).
    pub score_stats: Option<ScoreStats>,
    /// The virtual section number of each section.
    pub vdocs: Vec<u32>,
    /// What the next build can take over of the fragment archives.
    pub fragments: Vec<ArchiveMemo>,
    /// And of the compressed members ([`IndexMemo::compressed`]).
    pub compressed: Vec<memo::CompressedFile>,
    /// And of the term shards.
    pub shards: Option<ShardsMemo>,
}

/// Computes the static index from the analysis and writes it into `search_dir`.
pub(crate) fn export_static(
    docs: &[SectionDoc],
    bodies: &Bodies,
    a: &Analysis,
    synonyms: &Synonyms,
    search_dir: &Path,
    how: &Export,
) -> Result<Exported> {
    let n = docs.len();
    let n_normal = a.terms.len();
    // An overlay's files have a prefix; the previous index is a site's.
    let previous = how.previous.filter(|_| how.overlay_prefix.is_none());
    let compressor = memo::Compressor::new(previous, how.pages.is_some());
    // Term shards are taken over, and keyed for the next build, where the scores are the
    // book's own (an overlay's are its base's; statistics kept are counted as built).
    let own_scores = how.base.is_none() && !how.keep_stats;
    let previous_shards = previous
        .filter(|_| own_scores)
        .and_then(memo::PreviousShards::new);
    let record_shards = own_scores && how.pages.is_some();
    let key_shards = record_shards || previous_shards.is_some();
    // The compressed members written, for the next build.
    let mut compressed: Vec<memo::CompressedFile> = Vec::new();
    // Terms are numbered normal first, then exact ("codes"); their postings go to the
    // spill's buckets in the order of their keys, the order the shards are built in.
    let mut exact_keys: Vec<String> = a.exact_terms.par_iter().map(|t| exact_key(t)).collect();
    let key_of = |code: u32| match (code as usize).checked_sub(n_normal) {
        None => a.terms[code as usize].as_str(),
        Some(x) => exact_keys[x].as_str(),
    };
    // Sorted by the keys' first 8 bytes (zero-padded, big-endian: in the keys' order)
    // before the keys themselves, which then are read only where those are equal.
    let mut by_key: Vec<(u64, u32)> = (0..(n_normal + exact_keys.len()) as u32)
        .into_par_iter()
        .map(|code| {
            let mut head = [0u8; 8];
            let key = key_of(code).as_bytes();
            let n = key.len().min(8);
            head[..n].copy_from_slice(&key[..n]);
            (u64::from_be_bytes(head), code)
        })
        .collect();
    by_key.par_sort_unstable_by(|x, y| {
        x.0.cmp(&y.0)
            .then_with(|| key_of(x.1).cmp(key_of(y.1)))
            .then(x.1.cmp(&y.1))
    });
    let order: Vec<u32> = by_key.into_iter().map(|(_, code)| code).collect();
    timing("terms ordered");
    let occurrences = a.term_occurrences();
    let bucket_occurrences = how.bucket_occurrences.unwrap_or(BUCKET_OCCURRENCES);
    let mut spill = PostingSpill::new(search_dir, &order, &occurrences, bucket_occurrences);
    if let Some(bytes) = how.flush_bytes {
        spill.set_flush_bytes(bytes);
    }
    let spilling = || {
        format!(
            "writing postings to a temporary file in {}",
            search_dir.display()
        )
    };
    let (vdocs, n_vpages) = virtual_docs(docs);
    let factors: Vec<f32> = docs
        .iter()
        .map(|d| status_factor(d.status.as_deref()))
        .collect();
    let mut norms: Vec<[u32; 4]> = Vec::with_capacity(n);
    // The terms (codes) of sections whose values are not the previous build's.
    let mut touched = vec![
        false;
        if previous_shards.is_some() {
            occurrences.len()
        } else {
            0
        }
    ];
    for start in (0..n).step_by(EXPORT_CHUNK) {
        let stats: Vec<corpus::DocStats> = (start..(start + EXPORT_CHUNK).min(n))
            .into_par_iter()
            .map(|d| corpus::doc_stats(a, docs, d))
            .collect();
        for (k, st) in stats.into_iter().enumerate() {
            let d = (start + k) as u32;
            norms.push(st.norms);
            if let Some(p) = &previous_shards {
                let (d, norm_ids) = (d as usize, st.norms.map(FieldNormReader::fieldnorm_to_id));
                if p.section(d) != Some(&section_scoring_values(norm_ids, factors[d], vdocs[d])) {
                    for &(t, ..) in &st.terms {
                        touched[t as usize] = true;
                    }
                    for &(t, _) in &st.exact {
                        touched[n_normal + t as usize] = true;
                    }
                }
            }
            for (t, tf, ps, pe) in st.terms {
                spill
                    .push(t, d, tf, &st.positions[ps as usize..pe as usize])
                    .with_context(spilling)?;
            }
            for (t, tf) in st.exact {
                spill
                    .push(n_normal as u32 + t, d, [tf, 0, 0], &[])
                    .with_context(spilling)?;
            }
        }
    }
    timing("postings");
    let fields: Vec<FieldScorer> = [BOOST_TITLE, BOOST_HEADING, BOOST_BODY, BOOST_EXACT]
        .iter()
        .enumerate()
        .map(|(i, b)| match how.base {
            Some(base) => FieldScorer {
                n_docs: base.n_docs as u64,
                avg: base.avg[i],
                boost: *b,
            },
            None => FieldScorer::new(norms.iter().map(|x| x[i]), n, *b),
        })
        .collect();
    // What every term's scores depend on beside its postings and their sections' values.
    let scoring_key = {
        let mut h = KeyHasher::new("scoring");
        for f in &fields {
            h.part(&f.n_docs.to_le_bytes())
                .part(&f.avg.to_bits().to_le_bytes())
                .part(&f.boost.to_bits().to_le_bytes());
        }
        h.finish()
    };
    let mut kept = how.keep_stats.then(|| ScoreStats {
        n_docs: n,
        avg: std::array::from_fn(|i| fields[i].avg),
        df: HashMap::new(),
    });
    let norm_ids: Vec<[u8; 4]> = norms
        .iter()
        .map(|x| x.map(FieldNormReader::fieldnorm_to_id))
        .collect();
    drop(norms);
    let scoring = Scoring {
        fields: &fields,
        norm_ids: &norm_ids,
        factors: &factors,
        vdocs: &vdocs,
        base: how.base,
    };
    let counts = spill.counts();
    // In key order, so that sorting them with the facet terms below is a merge.
    let mut terms: Vec<TermData> = Vec::with_capacity(counts.len());
    for code in order {
        let count = counts[code as usize];
        if count == 0 {
            continue;
        }
        let mut info = query::TermInfo {
            df: count,
            ..Default::default()
        };
        let source = TermSource::Spilled(code);
        terms.push(match (code as usize).checked_sub(n_normal) {
            None => {
                let t = code as usize;
                let mut flags = FLAG_POSITIONS;
                if let Some((display, parts)) = &a.display[t] {
                    info.word = true;
                    info.display = display.clone();
                    info.parts = parts.iter().map(|&p| a.terms[p as usize].clone()).collect();
                    flags |= FLAG_WORD;
                }
                TermData {
                    key: a.terms[t].clone(),
                    info,
                    flags,
                    source,
                }
            }
            Some(x) => TermData {
                key: std::mem::take(&mut exact_keys[x]),
                info,
                flags: 0,
                source,
            },
        });
    }
    let mut spilled = spill.finish();
    // Facet terms.
    let mut facets: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for (i, d) in docs.iter().enumerate() {
        let mut keys = vec![format!("{KIND_PREFIX}{}", d.kind)];
        if let Some(g) = &d.strategy_group {
            keys.push(format!("{GROUP_PREFIX}{g}"));
        }
        for s in &d.services {
            keys.push(format!("{SERVICE_PREFIX}{s}"));
        }
        if let Some(s) = &d.status {
            keys.push(format!("{STATUS_PREFIX}{s}"));
        }
        keys.dedup();
        for k in keys {
            facets.entry(k).or_default().push(i as u32);
        }
    }
    let facet_list = |prefix: &str| -> Vec<(String, u32)> {
        facets
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(prefix)
                    .map(|s| (s.to_string(), v.len() as u32))
            })
            .collect()
    };
    let mut meta = Meta {
        n_docs: docs.len() as u32,
        n_pages: docs
            .iter()
            .map(|d| page_of(&d.url))
            .collect::<HashSet<_>>()
            .len() as u32,
        n_vpages,
        kinds: facet_list(KIND_PREFIX),
        groups: facet_list(GROUP_PREFIX),
        services: facet_list(SERVICE_PREFIX),
        statuses: facet_list(STATUS_PREFIX),
        synonyms: synonyms.clone(),
        ..Default::default()
    };
    for (k, v) in facets {
        terms.push(TermData {
            key: k,
            info: query::TermInfo {
                df: v.len() as u32,
                ..Default::default()
            },
            flags: FLAG_NO_IMPACTS,
            source: TermSource::Facet(v.into_iter().map(|d| vdocs[d as usize]).collect()),
        });
    }
    terms.sort_by(|a, b| a.key.cmp(&b.key));
    terms.dedup_by(|a, b| a.key == b.key);
    // Words whose -ing sibling is a word too.
    let derived: Vec<bool> = terms
        .iter()
        .map(|t| {
            t.flags & FLAG_WORD != 0
                && query::derived_key(&t.key).is_some_and(|d| {
                    terms
                        .binary_search_by(|x| x.key.as_str().cmp(&d))
                        .is_ok_and(|j| terms[j].flags & FLAG_WORD != 0)
                })
        })
        .collect();
    for (t, d) in terms.iter_mut().zip(derived) {
        if d {
            t.flags |= FLAG_DERIVED;
            t.info.derived = true;
        }
    }

    // Where each spilled term is (a term whose key another one has was dropped: none).
    let mut slot_of = vec![u32::MAX; a.terms.len() + a.exact_terms.len()];
    for (i, t) in terms.iter().enumerate() {
        if let TermSource::Spilled(code) = t.source {
            slot_of[code as usize] = i as u32;
        }
    }
    // The terms found in a section whose values changed (built again whatever their keys).
    let touched: Vec<bool> = match previous_shards {
        Some(_) => terms
            .iter()
            .map(|t| matches!(t.source, TermSource::Spilled(code) if touched[code as usize]))
            .collect(),
        None => Vec::new(),
    };
    timing("impacts");
    // Write the static index.
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let bounds = shard_bounds(&terms);
    let separators: Vec<String> = bounds
        .iter()
        .map(|&(start, _)| match start {
            0 => String::new(),
            _ => separator(&terms[start - 1].key, &terms[start].key),
        })
        .collect();
    // The vocabulary table for typo correction.
    let vocab: Vec<crate::typo::VocabEntry> = terms
        .iter()
        .filter(|t| t.flags & FLAG_WORD != 0)
        .map(|t| crate::typo::VocabEntry {
            term: t.key.clone(),
            df: t.info.df,
            display: t.info.display.clone(),
        })
        .collect();
    let vocab = crate::typo::encode_vocab(vocab);
    meta.vocab = short_hash(&vocab);
    files.push((hash_name("vocab", meta.vocab), vocab));
    // The validity table (pages with an interval only).
    let validity = crate::validity::ValidityTable::from_pages(
        docs.iter()
            .zip(&vdocs)
            .map(|(d, &v)| (v >> SLOT_BITS, d.validity())),
    );
    if !validity.runs.is_empty() {
        let bytes = validity.encode();
        meta.validity = short_hash(&bytes);
        files.push((hash_name("valid", meta.validity), bytes));
    }
    // Files are written as they are made (by the worker that made them).
    let written = std::sync::atomic::AtomicU64::new(0);
    let n_files = std::sync::atomic::AtomicUsize::new(0);
    let prefix = how.overlay_prefix.unwrap_or("");
    // Writes one file as stored.
    let write = |name: &str, stored: &[u8]| -> Result<()> {
        let path = search_dir.join(format!("{prefix}{name}"));
        std::fs::write(&path, stored).with_context(|| format!("writing {}", path.display()))?;
        written.fetch_add(stored.len() as u64, std::sync::atomic::Ordering::Relaxed);
        n_files.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    };
    // What a bundle may copy whole: (name, kind, stored size).
    let mut bundled: Vec<(String, usize, u64)> = Vec::new();
    for (name, bytes) in files {
        let z = compressor.compress(&bytes, COMPRESSION_LEVEL);
        compressed.extend(memo::compressed_file(&name, [(z.key, (0, z.bytes.len()))]));
        let z = z.bytes;
        let kind = if name.starts_with("vocab-") {
            VOCAB
        } else {
            SHARDS
        };
        bundled.push((name.clone(), kind, z.len() as u64));
        write(&name, &z)?;
    }
    // Term shards, built in parallel with their posting and position packs (compressed);
    // the packs go into archives of their own (format::pack_archive), in shard order, a
    // shard's packs in one archive, each archive up to PACK_ARCHIVE_TARGET; the shards,
    // once they carry the copies of compound parts' entries (which need the parts' own
    // shards), into archives of `shard_group` (format::shard_archive).
    // In runs of shards, so that only a run's packs and the open archive are held: an
    // archive is written once the next one is started.
    let mut packer = PackArchives::new(search_dir, prefix, PACK_ARCHIVE_TARGET);
    // Each shard is encoded as soon as it is built, but for the copies it carries of
    // other shards' entries (its words' compound parts and `-ing` siblings): those need
    // every shard built. Until then only the entries that some word names are kept.
    let wanted: FxHashSet<String> = terms
        .iter()
        .flat_map(|t| copies_named(&t.key, &t.info))
        .collect();
    let mut copyable: FxHashMap<String, Copyable> = FxHashMap::default();
    let mut pending: Vec<PendingShard> = Vec::with_capacity(bounds.len());
    let mut pack_hashes: Vec<u32> = Vec::new();
    let mut pack_names: Vec<String> = Vec::new();
    let mut spare: Vec<Vec<Spare>> = Vec::new();
    // Each shard's key and its posting packs' bundle weights, for the next build.
    let mut shard_records: Vec<(Option<Key>, Vec<usize>)> = Vec::with_capacity(bounds.len());
    let taken_over = std::sync::atomic::AtomicUsize::new(0);
    let mut written_archive = |a: ClosedArchive| {
        pack_names.push(a.name.clone());
        compressed.extend(a.members);
        written.fetch_add(a.len as u64, std::sync::atomic::Ordering::Relaxed);
        n_files.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        pack_hashes.push(a.hash);
        spare.push(
            a.spare
                .into_iter()
                .map(|(off, len, weight)| (range_name(&a.name, off, len), len as u64, weight))
                .collect(),
        );
    };
    let runs = shard_runs(&bounds, bucket_occurrences, |i| match terms[i].source {
        TermSource::Spilled(code) => occurrences[code as usize],
        _ => 0,
    });
    for run in runs {
        load_postings(
            &mut spilled,
            &mut terms,
            run[0].0..run[run.len() - 1].1,
            &slot_of,
            n_normal,
        )
        .with_context(|| format!("reading postings back from {}", search_dir.display()))?;
        // The run's shards' terms, one slice per shard.
        let mut rest = &mut terms[run[0].0..run[run.len() - 1].1];
        let mut slices = Vec::with_capacity(run.len());
        for &(start, end) in run {
            let (shard_terms, after) = std::mem::take(&mut rest).split_at_mut(end - start);
            slices.push(shard_terms);
            rest = after;
        }
        let built: Vec<(BuiltShard, Option<Key>)> = slices
            .into_par_iter()
            .zip(run.par_iter())
            .map(|(shard_terms, &(start, end))| {
                let key = key_shards.then(|| shard_key(&scoring_key, shard_terms));
                if let (Some(previous), Some(key)) = (&previous_shards, &key)
                    && !touched[start..end].contains(&true)
                    && let Some(taken) = previous
                        .shard(&hex::encode(key))
                        .and_then(|m| take_shard(previous, m))
                {
                    // Its postings are not needed: freed as a built shard frees them.
                    for t in shard_terms.iter_mut() {
                        t.source = TermSource::Taken;
                    }
                    taken_over.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    return Ok((taken, Some(*key)));
                }
                Ok((build_shard(shard_terms, &scoring, &compressor)?, key))
            })
            .collect::<Result<_>>()?;
        for (
            BuiltShard {
                mut shard,
                packs: [packs, pos_packs],
                dfs,
            },
            key,
        ) in built
        {
            shard_records.push((key, packs.iter().map(|p| p.1).collect()));
            if let Some(kept) = &mut kept {
                for (entry, dfs) in shard.entries.iter().zip(dfs) {
                    if let Some(dfs) = dfs {
                        kept.df.insert(entry.term.clone(), dfs);
                    }
                }
            }
            let size = packs
                .iter()
                .chain(&pos_packs)
                .map(|p| p.0.bytes.len())
                .sum();
            if let Some(full) = packer.make_room(size)? {
                written_archive(full);
            }
            shard.packs = packer.place(packs)?;
            shard.pos_packs = packer.place(pos_packs)?;
            let home = pending.len();
            for e in shard.entries.iter().filter(|e| wanted.contains(&e.term)) {
                copyable.insert(e.term.clone(), Copyable::of(&shard, home, e));
            }
            pending.push(PendingShard::of(shard));
        }
    }
    if let Some(last) = packer.finish()? {
        written_archive(last);
    }
    meta.pack_archives = pack_hashes;
    drop(terms);
    drop(wanted);
    let weights: Vec<usize> = pending.iter().map(|p| p.weight).collect();
    let (encoded, keys): (Vec<Vec<u8>>, Vec<Option<memo::MemberKey>>) = pending
        .into_par_iter()
        .enumerate()
        .map(|(i, p)| {
            let z = compressor.compress(&p.finish(i, &copyable), COMPRESSION_LEVEL);
            (z.bytes, z.key)
        })
        .unzip();
    drop(copyable);
    meta.shard_group = hash_group(bounds.len(), MIN_SHARD_GROUP);
    let group = meta.shard_group;
    let archives: Vec<(u32, Vec<Member>, Option<memo::CompressedFile>)> = encoded
        .par_chunks(group)
        .zip(weights.par_chunks(group))
        .zip(keys.par_chunks(group))
        .enumerate()
        .map(|(g, ((members, weights), keys))| -> Result<_> {
            let (bytes, places) = archive(members);
            let h = short_hash(&bytes);
            let name = shard_archive(g, h);
            write(&name, &bytes)?;
            let file = memo::compressed_file(&name, keys.iter().copied().zip(places.clone()));
            let members = places
                .into_iter()
                .zip(weights)
                .map(|(place, &weight)| Member::named(&name, place, weight))
                .collect();
            Ok((h, members, file))
        })
        .collect::<Result<_>>()?;
    // The directory of a kind: in the meta file while it is small, else in the bundle,
    // so that the queries after it read no record.
    let mut directories: Vec<(&str, reader::Directory)> = Vec::new();
    let mut place = |name: &'static str, places: Vec<(usize, usize)>| {
        let d = reader::Directory { places };
        if inline_directory(&d) {
            Some(d)
        } else {
            directories.push((name, d));
            None
        }
    };
    meta.shard_places = place(
        SHARD_PLACES,
        archives
            .iter()
            .flat_map(|a| a.1.iter().map(|m| m.place))
            .collect(),
    );
    let mut shard_members = Vec::new();
    let spare: Vec<Spare> = spare.into_iter().flatten().collect();
    let mut hashes = Vec::new();
    let shards_memo = record_shards.then(|| ShardsMemo {
        sections: memo::encode_sections(
            (0..n).map(|d| section_scoring_values(norm_ids[d], factors[d], vdocs[d])),
        ),
        shard_archives: archives
            .iter()
            .enumerate()
            .map(|(g, a)| shard_archive(g, a.0))
            .collect(),
        pack_archives: pack_names,
        shards: archives
            .iter()
            .enumerate()
            .flat_map(|(g, a)| a.1.iter().map(move |m| (g, m.place)))
            .zip(shard_records)
            .filter_map(|((group, (offset, len)), (key, weights))| {
                Some(ShardMemo {
                    key: hex::encode(key?),
                    group,
                    offset: offset as u64,
                    len: len as u64,
                    weights,
                })
            })
            .collect(),
    });
    for (h, members, file) in archives {
        hashes.push(h);
        compressed.extend(file);
        for m in members {
            bundled.push((m.name.clone(), SHARDS, m.place.1 as u64));
            shard_members.push((m.name, m.place.1 as u64, m.weight));
        }
    }
    meta.shards = separators
        .into_iter()
        .enumerate()
        .map(|(i, sep)| (sep, hashes[i / group]))
        .collect();
    meta.n_shards = meta.shards.len();
    let taken_over_shards = taken_over.into_inner();
    timing(&format!(
        "shards ({taken_over_shards} of {} taken over)",
        bounds.len()
    ));
    // Fragments: one member per virtual page, in archives of `frag_group`.
    let frag = |d: &SectionDoc, body: &str| Fragment {
        title: d.title.clone(),
        heading: heading_line(d),
        url: d.url.clone(),
        kind: d.kind.clone(),
        status: d.status.clone().unwrap_or_default(),
        doc_id: d.doc_id.clone().unwrap_or_default(),
        text: cut(body, MAX_FRAGMENT_TEXT).to_string(),
    };
    // First section of each virtual page, and the end.
    let mut starts: Vec<usize> = (0..docs.len())
        .filter(|&i| vdocs[i] as usize & (SLOTS - 1) == 0)
        .collect();
    starts.push(docs.len());
    let vpage_ranges: Vec<(usize, usize)> = starts.windows(2).map(|w| (w[0], w[1])).collect();
    meta.frag_group = hash_group(vpage_ranges.len(), MIN_FRAG_GROUP);
    let frag_group = meta.frag_group;
    let fragments: Vec<ArchiveMemo> = vpage_ranges
        .par_chunks(frag_group)
        .enumerate()
        .map(|(g, ranges)| -> Result<_> {
            let first = ranges[0].0;
            let end = ranges[ranges.len() - 1].1;
            // The archive's key: where its members are cut, and the pages they are made of.
            let key = how.pages.map(|pages| {
                let mut h = KeyHasher::new("fragments");
                for &(a, b) in ranges {
                    h.part(&((b - a) as u64).to_le_bytes());
                }
                pages.hash_range(first..end, &mut h);
                h.finish_hex()
            });
            let taken = key
                .as_ref()
                .and_then(|key| previous.and_then(|p| p.take_archive(g, key, search_dir)));
            if let Some((memo, len)) = taken {
                written.fetch_add(len, std::sync::atomic::Ordering::Relaxed);
                n_files.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return Ok(memo.clone());
            }
            let texts = bodies
                .read(docs, first..end)
                .context("reading the sections' texts")?;
            let members: Vec<Vec<u8>> = ranges
                .iter()
                .map(|&(a, b)| {
                    let chunk: Vec<Fragment> = docs[a..b]
                        .iter()
                        .zip(&texts[a - first..b - first])
                        .map(|(d, text)| frag(d, text))
                        .collect();
                    compress(&reader::encode_fragments(&chunk))
                })
                .collect();
            let (bytes, places) = archive(&members);
            let hash = short_hash(&bytes);
            write(&frag_archive(g, hash), &bytes)?;
            Ok(ArchiveMemo {
                key: key.unwrap_or_default(),
                hash,
                places,
            })
        })
        .collect::<Result<_>>()?;
    meta.frag_groups = fragments.iter().map(|a| a.hash).collect();
    meta.frag_places = place(
        FRAG_PLACES,
        fragments
            .iter()
            .flat_map(|a| a.places.iter().copied())
            .collect(),
    );
    timing("fragments");
    // An overlay is a few pages: its few files are fetched as needed.
    if how.overlay_prefix.is_none()
        && let Some(bundle) = write_bundle(search_dir, bundled, shard_members, spare, directories)?
    {
        meta.bundle = bundle;
        n_files.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    timing("bundle");
    let meta_bytes = meta.encode();
    let written = written.into_inner();
    let bytes = match how.overlay_prefix {
        // The manifest inlines an overlay's meta (`crate::overlay::write`).
        Some(_) => written,
        None => {
            let n_files = n_files.into_inner();
            write_meta_and_manifest(search_dir, &meta_bytes, docs.len(), n_files, written)?
        }
    };
    Ok(Exported {
        stats: IndexStats {
            sections: docs.len(),
            bytes,
            taken_over_shards,
        },
        meta: meta_bytes,
        score_stats: kept,
        vdocs,
        fragments,
        compressed,
        shards: shards_memo,
    })
}

/// Gives the spilled terms of `terms[range]` their postings: every bucket they are in is
/// read back, with the other terms of those buckets (which come after them in key order).
fn load_postings(
    spilled: &mut SpilledPostings,
    terms: &mut [TermData],
    range: std::ops::Range<usize>,
    slot_of: &[u32],
    n_normal: usize,
) -> std::io::Result<()> {
    for i in range {
        let TermSource::Spilled(code) = terms[i].source else {
            continue;
        };
        let bucket = spilled.bucket_of(code);
        if spilled.any_taken() {
            // The buckets before it were freed as their shards were built.
            crate::memory::release_free_memory();
        }
        for (code, postings) in spilled.take(bucket)? {
            // A term dropped as a duplicate key has no slot.
            if let Some(term) = terms.get_mut(slot_of[code as usize] as usize) {
                term.source = if (code as usize) < n_normal {
                    TermSource::Normal(postings)
                } else {
                    TermSource::Exact(postings)
                };
            }
        }
    }
    Ok(())
}

/// Writes the meta file and manifest.json of an index of `sections` whose other
/// `n_files` files take `written` stored bytes; returns the bytes of all of them.
fn write_meta_and_manifest(
    search_dir: &Path,
    meta_bytes: &[u8],
    sections: usize,
    n_files: usize,
    written: u64,
) -> Result<u64> {
    let meta_stored = compress(meta_bytes);
    let meta_file = hash_name("meta", short_hash(meta_bytes));
    std::fs::write(search_dir.join(&meta_file), &meta_stored)?;
    let total = written + meta_stored.len() as u64;
    let n_files = n_files + 1;
    timing("files written");
    // The meta file is also inlined (as stored, base64): the browser reads it from the
    // manifest, one round trip fewer; the CLI reads the file.
    let manifest = serde_json::json!({
        "format": FORMAT_VERSION,
        "meta": meta_file,
        "meta_data": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &meta_stored),
        "sections": sections,
        "files": n_files + 2,
        "bytes": total,
    });
    let manifest = serde_json::to_string_pretty(&manifest)? + "\n";
    std::fs::write(search_dir.join("manifest.json"), &manifest)?;
    let browser = write_browser_manifest(search_dir, &meta_file, &meta_stored)?;
    Ok(total + manifest.len() as u64 + browser)
}

/// The file the browser's search starts from (fetched revalidated, as it keeps its name):
/// the name of the index's meta file (its version: the browser keeps an index's files
/// under it) on a line, then the meta file as stored ([`BROWSER_MANIFEST`]); in the live
/// preview, the meta file combined with the overlay's. Binary, so the meta file costs
/// its own bytes, not a third more as base64 in manifest.json (which tools read).
/// Replaced atomically; returns its size.
pub(crate) fn write_browser_manifest(
    search_dir: &Path,
    meta_file: &str,
    stored: &[u8],
) -> Result<u64> {
    let mut bytes = Vec::with_capacity(meta_file.len() + 1 + stored.len());
    bytes.extend_from_slice(meta_file.as_bytes());
    bytes.push(b'\n');
    bytes.extend_from_slice(stored);
    replace_file(search_dir, BROWSER_MANIFEST, &bytes)?;
    Ok(bytes.len() as u64)
}

/// Replaces `dir/name` with `bytes` at once (written beside it, then renamed), so that a
/// server never sends half of it.
pub(crate) fn replace_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let fresh = dir.join(format!(".{name}.new"));
    std::fs::write(&fresh, bytes).with_context(|| format!("writing {}", fresh.display()))?;
    let path = dir.join(name);
    std::fs::rename(&fresh, &path).with_context(|| format!("replacing {}", path.display()))
}

/// Shortest prefix of `next` (at a char boundary) that sorts after `prev`.
fn separator(prev: &str, next: &str) -> String {
    for (i, c) in next.char_indices() {
        let p = &next[..i + c.len_utf8()];
        if p > prev {
            return p.to_string();
        }
    }
    next.to_string()
}

fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Estimated size of a term in its shard (entry and head).
fn shard_bytes(t: &TermData) -> usize {
    let mut size = t.key.len()
        + t.info.display.len()
        + t.info.parts.iter().map(|p| p.len() + 1).sum::<usize>()
        + 8
        + 12 * chunk_sizes(t.info.df as usize).len();
    if t.flags & FLAG_NO_IMPACTS == 0 {
        size += 6 * (t.info.df as usize).min(HEAD_POSTINGS);
    }
    size
}

/// Term ranges of the shards: about [`SHARD_TARGET`] bytes each, cut where neighbouring
/// terms share the shortest prefix within a quarter of the target, so that the forms a query
/// looks up together (stem, `-ing` form, exact form, prefix completions) share a shard.
fn shard_bounds(terms: &[TermData]) -> Vec<(usize, usize)> {
    let mut bounds = Vec::new();
    let mut start = 0;
    while start < terms.len() {
        let mut end = start;
        let mut size = 0;
        // (cut, shared prefix with the previous term) of the best cut so far.
        let mut best: Option<(usize, usize)> = None;
        while end < terms.len() {
            size += shard_bytes(&terms[end]);
            end += 1;
            if end == terms.len() {
                best = Some((end, 0));
                break;
            }
            if size >= SHARD_TARGET * 3 / 4 {
                let shared = common_prefix_chars(&terms[end - 1].key, &terms[end].key);
                if best.is_none_or(|(_, s)| shared < s) {
                    best = Some((end, shared));
                }
                if size >= SHARD_TARGET * 5 / 4 || shared == 0 {
                    break;
                }
            }
        }
        let cut = best.map_or(end, |(c, _)| c).max(start + 1);
        bounds.push((start, cut));
        start = cut;
    }
    bounds
}

/// Characters two strings share at the start.
fn common_prefix_chars(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

/// Virtual section numbers (see [`crate::format`]): consecutive sections of a page share a
/// virtual page of up to [`SLOTS`]. Returns them and the number of virtual pages.
fn virtual_docs(docs: &[SectionDoc]) -> (Vec<u32>, u32) {
    let mut out = Vec::with_capacity(docs.len());
    let (mut vpage, mut slot) = (0u32, 0usize);
    for (i, d) in docs.iter().enumerate() {
        if i > 0 && (slot == SLOTS || page_of(&d.url) != page_of(&docs[i - 1].url)) {
            vpage += 1;
            slot = 0;
        }
        out.push(vpage << SLOT_BITS | slot as u32);
        slot += 1;
    }
    let n_vpages = if docs.is_empty() { 0 } else { vpage + 1 };
    (out, n_vpages)
}

/// Target size of a pack of near chunks (the second and third of a term), before
/// compression: a query that reads one chunk fetches the pack.
const NEAR_PACK_TARGET: usize = 2 * 1024;
/// Target size of packs of positions of near chunks, of deep chunks and of their positions
/// (a query that goes deep reads one of each).
const POS_PACK_TARGET: usize = 8 * 1024;
const DEEP_PACK_TARGET: usize = 16 * 1024;
const DEEP_POS_PACK_TARGET: usize = 32 * 1024;

/// Packs chunks into files: each class of chunk fills its own open pack up to its target
/// (a chunk larger than the target gets a pack of its own).
#[derive(Default)]
struct Packer {
    /// Bytes, DEFLATE level and weight of each pack: the weight is the highest document
    /// frequency of a term whose second chunk it holds (0: none), the order in which the
    /// bundle takes packs.
    packs: Vec<(Vec<u8>, u8, usize)>,
    /// The open pack of each class (index into `packs`).
    open: HashMap<usize, usize>,
}

impl Packer {
    /// Appends a chunk of a term with `weight` (see [`Packer::packs`]); returns (pack,
    /// offset).
    fn put(&mut self, bytes: &[u8], target: usize, level: u8, weight: usize) -> (usize, usize) {
        let i = match self.open.get(&target) {
            Some(&i) if self.packs[i].0.len() + bytes.len() <= target => i,
            _ => {
                self.packs.push((Vec::new(), level, 0));
                let i = self.packs.len() - 1;
                self.open.insert(target, i);
                i
            }
        };
        let pack = &mut self.packs[i];
        let off = pack.0.len();
        pack.0.extend_from_slice(bytes);
        pack.2 = pack.2.max(weight);
        (i, off)
    }
}

/// A pack to store: bytes, DEFLATE level, and its weight as a candidate for the bundle's
/// spare room (0: not one; see [`bundle_contents`]).
type Pack = (Vec<u8>, u8, usize);

/// A file a bundle may take beyond its whole kinds (a second chunk, or a term shard of a
/// book whose shards do not all fit): name, stored size, weight.
type Spare = (String, u64, usize);

/// A shard as [`build_shard`] builds it.
struct BuiltShard {
    shard: Shard,
    /// Its posting packs and position packs, compressed (to be placed by
    /// [`PackArchives::place`]).
    packs: [Vec<StoredPack>; 2],
    /// Its terms' section frequencies ([`Scored::dfs`]), in entry order.
    dfs: Vec<Option<[u32; 3]>>,
}

/// Builds one shard: its entries and heads, its posting packs and position packs. The
/// terms are scored here, which frees their packed postings.
fn build_shard(
    terms: &mut [TermData],
    scoring: &Scoring,
    compressor: &memo::Compressor,
) -> Result<BuiltShard> {
    let mut packs = Packer::default();
    let mut pos_packs = Packer::default();
    let mut shard = Shard::default();
    let mut term_dfs = Vec::with_capacity(terms.len());
    for t in terms {
        let source = std::mem::replace(&mut t.source, TermSource::Taken);
        let scored = scoring.score(&t.key, source)?;
        term_dfs.push(scored.dfs);
        let impacts = t.flags & FLAG_NO_IMPACTS == 0;
        let positions = match &scored.positions {
            Some(lists) if t.flags & FLAG_POSITIONS != 0 => Some(
                PositionLists::new(lists, scored.postings.len()).ok_or_else(|| {
                    anyhow::anyhow!("the search index's positions of {}: {Corrupt}", t.key)
                })?,
            ),
            _ => None,
        };
        // Impact order (descending), then section order; facet terms: one chunk, by section.
        let mut order: Vec<u32> = (0..scored.postings.len() as u32).collect();
        let sizes = if impacts {
            let p = &scored.postings;
            order.sort_by(|&a, &b| {
                let (a, b) = (p[a as usize], p[b as usize]);
                b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
            });
            chunk_sizes(order.len())
        } else {
            vec![order.len()]
        };
        // Most terms have one chunk: no spare room (a growing list's first holds four).
        let mut chunks = Vec::with_capacity(sizes.len());
        let mut rest = &order[..];
        for (ci, n) in sizes.into_iter().enumerate() {
            let (idx, r) = rest.split_at(n);
            rest = r;
            let postings: Vec<(u32, f32)> =
                idx.iter().map(|&i| scored.postings[i as usize]).collect();
            let bytes = encode_chunk(&postings, impacts);
            let near = ci <= 2;
            let (pack, off) = if impacts && ci == 0 {
                shard.heads.extend_from_slice(&bytes);
                (None, shard.heads.len() - bytes.len())
            } else if near && impacts {
                // The bundle's spare room goes to second chunks: the one chunk past the
                // head that a query reads of every word at once.
                let weight = if ci == 1 { scored.postings.len() } else { 0 };
                let (p, o) = packs.put(&bytes, NEAR_PACK_TARGET, COMPRESSION_LEVEL, weight);
                (Some(p), o)
            } else {
                let (p, o) = packs.put(&bytes, DEEP_PACK_TARGET, DEEP_COMPRESSION_LEVEL, 0);
                (Some(p), o)
            };
            let pos = positions.as_ref().map(|lists| {
                let pbytes: Vec<u8> = idx
                    .iter()
                    .flat_map(|&i| lists.list(i as usize))
                    .copied()
                    .collect();
                let (p, o) = if near {
                    pos_packs.put(&pbytes, POS_PACK_TARGET, COMPRESSION_LEVEL, 0)
                } else {
                    pos_packs.put(&pbytes, DEEP_POS_PACK_TARGET, DEEP_COMPRESSION_LEVEL, 0)
                };
                (p, o, pbytes.len())
            });
            chunks.push(reader::ChunkRef {
                count: n,
                max: postings.first().map_or(0.0, |p| p.1),
                pack,
                off,
                len: bytes.len(),
                pos,
            });
        }
        // The entry takes the term's key and information: the shards keep them until
        // every shard is built (the copies of compound parts read them), the terms do not.
        shard.entries.push(reader::Entry {
            term: std::mem::take(&mut t.key),
            info: std::mem::take(&mut t.info),
            flags: t.flags,
            chunks,
        });
    }
    Ok(BuiltShard {
        shard,
        packs: [packs.packs, pos_packs.packs].map(|p| compress_packs(p, compressor)),
        dfs: term_dfs,
    })
}

/// What scoring reads of a section: its field norm ids, status factor and virtual number.
fn section_scoring_values(
    norm_ids: [u8; 4],
    factor: f32,
    vdoc: u32,
) -> [u8; SECTION_SCORING_BYTES] {
    let mut v = [0; SECTION_SCORING_BYTES];
    v[..4].copy_from_slice(&norm_ids);
    v[4..8].copy_from_slice(&factor.to_bits().to_le_bytes());
    v[8..].copy_from_slice(&vdoc.to_le_bytes());
    v
}

/// The key of a shard: the scoring statistics ([`export_static`]'s `scoring_key`) and
/// each of its terms, with its postings as the statistics pass packed them. With the
/// values of the sections those postings are in, that is everything [`build_shard`]
/// reads.
fn shard_key(scoring: &Key, terms: &[TermData]) -> Key {
    let mut h = KeyHasher::new("shard");
    h.part(scoring);
    for t in terms {
        h.part(t.key.as_bytes())
            .part(&t.info.df.to_le_bytes())
            .part(&[t.flags, u8::from(t.info.word), u8::from(t.info.derived)])
            .part(t.info.display.as_bytes())
            .part(&(t.info.parts.len() as u64).to_le_bytes());
        for p in &t.info.parts {
            h.part(p.as_bytes());
        }
        match &t.source {
            TermSource::Normal(p) => {
                h.part(b"normal");
                p.hash_into(&mut h);
            }
            TermSource::Exact(p) => {
                h.part(b"exact");
                p.hash_into(&mut h);
            }
            TermSource::Facet(docs) => {
                h.part(b"facet");
                for d in docs {
                    h.part(&d.to_le_bytes());
                }
            }
            TermSource::Spilled(_) | TermSource::Taken => {
                h.part(b"missing");
            }
        }
    }
    h.finish()
}

/// The previous build's shard `m` as [`build_shard`] would build it again: its own
/// entries and head area from its member, its packs' stored bytes (with their keys and
/// bundle weights) from the pack archives, to be placed anew. `None` when any of it
/// cannot be read: the shard is then built.
fn take_shard(previous: &memo::PreviousShards, m: &ShardMemo) -> Option<BuiltShard> {
    let archive = previous.memo.shard_archives.get(m.group)?;
    let stored = previous.files.read(archive, m.offset, m.len)?;
    let mut shard = Shard::decode(&decompress(&stored).ok()?).ok()?;
    // The copies of other shards' entries and their heads come after its own.
    let own_heads = shard
        .entries
        .iter()
        .flat_map(|e| &e.chunks)
        .filter(|c| c.pack.is_none())
        .map(|c| c.off + c.len)
        .max()
        .unwrap_or(0);
    shard.heads.truncate(own_heads);
    shard.foreign.clear();
    if m.weights.len() != shard.packs.count() {
        return None;
    }
    let packs = |set: &reader::PackSet, weights: &[usize]| -> Option<Vec<StoredPack>> {
        if set.ranges.is_empty() {
            return Some(Vec::new());
        }
        let name = previous.memo.pack_archives.get(set.archive)?;
        set.ranges
            .iter()
            .enumerate()
            .map(|(j, &(offset, len))| {
                let bytes = previous.files.read(name, offset as u64, len as u64)?;
                let key = previous.pack_key(set.archive, offset as u64)?;
                let weight = weights.get(j).copied().unwrap_or(0);
                Some((
                    memo::Compressed {
                        bytes,
                        key: Some(key),
                    },
                    weight,
                ))
            })
            .collect()
    };
    let built = [
        packs(&shard.packs, &m.weights)?,
        packs(&shard.pos_packs, &[])?,
    ];
    shard.packs = reader::PackSet::default();
    shard.pos_packs = reader::PackSet::default();
    Some(BuiltShard {
        dfs: vec![None; shard.entries.len()],
        shard,
        packs: built,
    })
}

/// The entries a shard carries copies of when they live in another shard: the compound
/// parts and the `-ing` sibling ([`query::derived_key`]) of a term (see [`reader::Foreign`]).
fn copies_named(term: &str, info: &query::TermInfo) -> impl Iterator<Item = String> {
    let derived = info.derived.then(|| query::derived_key(term)).flatten();
    info.parts.iter().cloned().chain(derived)
}

/// A built shard until every shard is built.
struct PendingShard {
    /// Its pack sets and entries, encoded ([`Shard::encode_own`]).
    own: Vec<u8>,
    heads: Vec<u8>,
    /// The entries it carries copies of ([`copies_named`] of its terms), sorted.
    copies: Vec<String>,
    /// Its weight for a bundle that cannot take every shard: its postings beyond one per
    /// term.
    weight: usize,
}

impl PendingShard {
    fn of(shard: Shard) -> PendingShard {
        let copies: BTreeSet<String> = shard
            .entries
            .iter()
            .flat_map(|e| copies_named(&e.term, &e.info))
            .collect();
        PendingShard {
            own: shard.encode_own(),
            weight: shard
                .entries
                .iter()
                .map(|e| (e.info.df as usize).saturating_sub(1))
                .sum(),
            heads: shard.heads,
            copies: copies.into_iter().collect(),
        }
    }

    /// The bytes of shard `i`, with the copies of the entries it names that live in other
    /// shards, their head chunks appended to its head area.
    fn finish(self, i: usize, copyable: &FxHashMap<String, Copyable>) -> Vec<u8> {
        let mut heads = self.heads;
        let mut foreign = Vec::new();
        for name in &self.copies {
            let Some(c) = copyable.get(name).filter(|c| c.home != i) else {
                continue;
            };
            let mut entry = c.entry.clone();
            for chunk in entry.chunks.iter_mut().filter(|c| c.pack.is_none()) {
                chunk.off += heads.len();
            }
            heads.extend_from_slice(&c.heads);
            foreign.push(reader::Foreign {
                home: c.home,
                packs: c.packs.clone(),
                pos_packs: c.pos_packs.clone(),
                entry,
            });
        }
        Shard::encode_with(self.own, &foreign, &heads)
    }
}

/// An entry that other shards copy ([`reader::Foreign`]), as they copy it: its head chunks
/// (offsets from the start of `heads`) and only the packs it reads.
struct Copyable {
    home: usize,
    entry: reader::Entry,
    heads: Vec<u8>,
    packs: reader::PackSet,
    pos_packs: reader::PackSet,
}

impl Copyable {
    /// The copy of `e`, an entry of `shard`, shard number `home`.
    fn of(shard: &Shard, home: usize, e: &reader::Entry) -> Copyable {
        let mut entry = e.clone();
        let mut heads = Vec::new();
        for c in entry.chunks.iter_mut().filter(|c| c.pack.is_none()) {
            let at = heads.len();
            heads.extend_from_slice(&shard.heads[c.off..c.off + c.len]);
            c.off = at;
        }
        // Only the packs the copy reads (most copies read their head alone).
        let packs = packs_read(
            &shard.packs,
            entry.chunks.iter_mut().filter_map(|c| c.pack.as_mut()),
        );
        let pos_packs = packs_read(
            &shard.pos_packs,
            entry
                .chunks
                .iter_mut()
                .filter_map(|c| c.pos.as_mut().filter(|p| p.2 > 0).map(|p| &mut p.0)),
        );
        Copyable {
            home,
            entry,
            heads,
            packs,
            pos_packs,
        }
    }
}

/// The packs of `set` that `refs` (pack numbers) name, in order, with `refs` renumbered
/// into them.
fn packs_read<'a>(
    set: &reader::PackSet,
    refs: impl Iterator<Item = &'a mut usize>,
) -> reader::PackSet {
    let mut refs: Vec<&mut usize> = refs.collect();
    let mut used: Vec<usize> = refs.iter().map(|r| **r).collect();
    used.sort_unstable();
    used.dedup();
    for r in &mut refs {
        **r = used.binary_search(r).unwrap_or(0);
    }
    reader::PackSet {
        archive: set.archive,
        ranges: used.iter().map(|&j| set.ranges[j]).collect(),
    }
}

/// The number of kinds of files a bundle copies.
const BUNDLE_KINDS: usize = 4;
/// The kind of term shards and the validity table (small, read with the term shards).
const SHARDS: usize = 0;
/// The kind of the vocabulary.
const VOCAB: usize = 3;

/// The kinds of files a bundle copies whole: the term shards (with the validity table) and
/// the vocabulary, what a later query's new words need first. Fragment
/// files and whole packs are not bundled: a query fetches the few of them it reads (a few
/// KB), and whole, they doubled the bundle of a small site (the bundled book's was larger
/// than Pagefind's whole six-query session).
const BUNDLED_KINDS: [usize; 2] = [SHARDS, VOCAB];
/// Most stored bytes of second chunks a bundle takes besides its kinds.
const BUNDLE_SPARE_MAX: u64 = 128 * 1024;
/// Fewest postings of a term whose second chunk a bundle takes: the chunks that the
/// queries of frequent words read past the heads; a rarer word's chunks save little.
const BUNDLE_SPARE_MIN_POSTINGS: usize = 256;

/// What a bundle copies: the [`BUNDLED_KINDS`] (`sizes`: stored bytes of each kind) when
/// they fit in `max`, then, in the room left (at most [`BUNDLE_SPARE_MAX`]), the packs of
/// second chunks of frequent terms (`spare`: name, stored size, weight = the term's
/// postings; at least [`BUNDLE_SPARE_MIN_POSTINGS`]), heaviest first.
///
/// When the term shards do not all fit (a large book, whose vocabulary is mostly names and
/// identifiers), the vocabulary and the second chunks first (what the queries of common
/// words read), then, in the room left, the shards a later query most likely reads
/// (`shards`: name, stored size, weight = postings beyond one per term, so 0 for a shard
/// of terms that each occur in one section), most postings per byte first, as long as
/// they fit. None when not even the vocabulary fits.
fn bundle_contents(
    sizes: &[u64; BUNDLE_KINDS],
    shards: Vec<Spare>,
    spare: Vec<Spare>,
    max: u64,
) -> Option<(Vec<usize>, Vec<String>)> {
    let total: u64 = BUNDLED_KINDS.iter().map(|&k| sizes[k]).sum();
    if total <= max {
        let room = (max - total).min(BUNDLE_SPARE_MAX);
        let (names, _) = take_while_room(spare_chunks(spare), room);
        return Some((BUNDLED_KINDS.to_vec(), names));
    }
    let vocab = sizes[VOCAB];
    if vocab > max {
        return None;
    }
    let room = (max - vocab).min(BUNDLE_SPARE_MAX);
    let (chunks, used) = take_while_room(spare_chunks(spare), room);
    let mut shards: Vec<Spare> = shards.into_iter().filter(|s| s.2 > 0).collect();
    // Postings per stored byte, descending (cross-multiplied: exact, no floats).
    shards.sort_by(|a, b| {
        (b.2 as u128 * u128::from(a.1))
            .cmp(&(a.2 as u128 * u128::from(b.1)))
            .then_with(|| a.0.cmp(&b.0))
    });
    let (mut names, _) = take_while_room(shards, max - vocab - used);
    names.extend(chunks);
    Some((vec![VOCAB], names))
}

/// The second chunks a bundle may take: of terms with at least
/// [`BUNDLE_SPARE_MIN_POSTINGS`], heaviest first.
fn spare_chunks(mut spare: Vec<Spare>) -> Vec<Spare> {
    spare.retain(|s| s.2 >= BUNDLE_SPARE_MIN_POSTINGS);
    spare.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    spare
}

/// The names of `files` (in order) that fit in `room` stored bytes, skipping any that
/// would overflow it; and the bytes they take.
fn take_while_room(files: Vec<Spare>, room: u64) -> (Vec<String>, u64) {
    let mut used = 0;
    let mut names = Vec::new();
    for (name, stored, _) in files {
        if used + stored <= room {
            used += stored;
            names.push(name);
        }
    }
    (names, used)
}

/// Writes the bundle ([`bundle_contents`] within [`BUNDLE_MAX`]) of `bundled` (name,
/// kind, stored size: the files and members a bundle may copy whole), `shards` and `spare`
/// (see [`bundle_contents`]); and the `directories` the meta file does not carry (a few
/// bytes a member, outside [`BUNDLE_MAX`]: with them, later queries read no record).
/// Returns its hash.
fn write_bundle(
    search_dir: &Path,
    bundled: Vec<(String, usize, u64)>,
    shards: Vec<Spare>,
    spare: Vec<Spare>,
    directories: Vec<(&str, reader::Directory)>,
) -> Result<Option<u32>> {
    let mut sizes = [0u64; BUNDLE_KINDS];
    for (_, kind, stored) in &bundled {
        sizes[*kind] += stored;
    }
    let Some((kinds, extra)) = bundle_contents(&sizes, shards, spare, BUNDLE_MAX) else {
        return Ok(None);
    };
    let mut names: Vec<String> = bundled
        .into_iter()
        .filter(|(_, kind, _)| kinds.contains(kind))
        .map(|(name, _, _)| name)
        .collect();
    names.extend(extra);
    let mut files = Vec::with_capacity(names.len() + directories.len());
    for n in &names {
        let (bytes, _) = reader::read_index_file(search_dir, n)?;
        files.push(bytes);
    }
    for (name, d) in directories {
        names.push(name.to_string());
        files.push(d.encoded());
    }
    let bundle = encode_bundle(
        names
            .iter()
            .map(String::as_str)
            .zip(files.iter().map(Vec::as_slice)),
    );
    let h = short_hash(&bundle);
    std::fs::write(search_dir.join(hash_name("bundle", h)), compress(&bundle))?;
    Ok(Some(h))
}

/// A pack as stored: its compressed bytes and its weight (see [`Pack`]).
type StoredPack = (memo::Compressed, usize);

fn compress_packs(packs: Vec<Pack>, compressor: &memo::Compressor) -> Vec<StoredPack> {
    packs
        .into_iter()
        .map(|(bytes, level, weight)| (compressor.compress(&bytes, level), weight))
        .collect()
}

/// Lays the term shards' packs out in archives of at most [`PACK_ARCHIVE_TARGET`] bytes
/// (one shard's packs are never split: an archive takes more when they alone are larger),
/// numbered in order. The open archive is streamed to a temporary file while its content
/// hash is computed, so it is never held in memory (up to 16 MiB, and twice that while its
/// buffer grew).
struct PackArchives<'a> {
    /// Where the archives are written, and the prefix of their names.
    dir: &'a Path,
    prefix: &'a str,
    /// Bytes an archive takes before the next is started ([`PACK_ARCHIVE_TARGET`]).
    target: usize,
    open: Option<OpenArchive>,
    /// The number of archives started.
    started: usize,
}

/// A pack archive being written.
struct OpenArchive {
    /// Its number ([`pack_archive`]).
    number: usize,
    file: std::io::BufWriter<std::fs::File>,
    path: std::path::PathBuf,
    len: usize,
    hasher: Sha256,
    /// The packs the bundle may take.
    spare: SparePacks,
    /// Each pack's key and place, for the next build ([`memo::compressed_file`]).
    members: Vec<(Option<memo::MemberKey>, (usize, usize))>,
}

/// A written pack archive: its name, size, content hash and the packs the bundle may take.
struct ClosedArchive {
    name: String,
    len: usize,
    hash: u32,
    spare: SparePacks,
    /// Its packs for the next build (`None` when they are not keyed).
    members: Option<memo::CompressedFile>,
}

impl<'a> PackArchives<'a> {
    fn new(dir: &'a Path, prefix: &'a str, target: usize) -> Self {
        PackArchives {
            dir,
            prefix,
            target,
            open: None,
            started: 0,
        }
    }

    /// Starts a new archive unless the open one has room for `bytes` more; returns the one
    /// it closed.
    fn make_room(&mut self, bytes: usize) -> Result<Option<ClosedArchive>> {
        if let Some(a) = &self.open
            && (a.len == 0 || a.len + bytes <= self.target)
        {
            return Ok(None);
        }
        let path = self
            .dir
            .join(format!("{}p{}.part", self.prefix, self.started));
        let file =
            std::fs::File::create(&path).with_context(|| format!("writing {}", path.display()))?;
        self.started += 1;
        let opened = OpenArchive {
            number: self.started - 1,
            file: std::io::BufWriter::new(file),
            path,
            len: 0,
            hasher: Sha256::new(),
            spare: Vec::new(),
            members: Vec::new(),
        };
        self.open.replace(opened).map(|a| self.close(a)).transpose()
    }

    /// Appends packs to the open archive (see [`PackArchives::make_room`]); returns where
    /// they are.
    fn place(&mut self, packs: Vec<StoredPack>) -> Result<reader::PackSet> {
        use std::io::Write;
        if packs.is_empty() {
            return Ok(reader::PackSet::default());
        }
        let a = self.open.as_mut().context("no open pack archive")?;
        let mut ranges = Vec::with_capacity(packs.len());
        for (z, weight) in packs {
            let z_len = z.bytes.len();
            if weight > 0 {
                a.spare.push((a.len, z_len, weight));
            }
            ranges.push((a.len, z_len));
            a.members.push((z.key, (a.len, z_len)));
            a.file
                .write_all(&z.bytes)
                .with_context(|| format!("writing {}", a.path.display()))?;
            a.hasher.update(&z.bytes);
            a.len += z_len;
        }
        Ok(reader::PackSet {
            archive: a.number,
            ranges,
        })
    }

    /// Closes the open archive, if any.
    fn finish(&mut self) -> Result<Option<ClosedArchive>> {
        self.open.take().map(|a| self.close(a)).transpose()
    }

    /// Writes out an archive and gives it its content-hashed name.
    fn close(&self, a: OpenArchive) -> Result<ClosedArchive> {
        let file = a
            .file
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("writing {}", a.path.display()))?;
        drop(file);
        let hash = hash_of(a.hasher);
        let name = pack_archive(a.number, hash);
        let dest = self.dir.join(format!("{}{name}", self.prefix));
        std::fs::rename(&a.path, &dest).with_context(|| format!("writing {}", dest.display()))?;
        let members = memo::compressed_file(&name, a.members);
        Ok(ClosedArchive {
            name,
            len: a.len,
            hash,
            spare: a.spare,
            members,
        })
    }
}

/// Term shards built at once (in parallel) before their packs are laid out.
const SHARD_RUN: usize = 64;

/// The shards (`bounds`: their terms) in runs of at most [`SHARD_RUN`], and of at most a
/// spill bucket's `budget` of the terms' `weight` (occurrences) unless one shard holds
/// more: a run's terms' buckets are read back whole before it is built, so a run of a
/// book's commonest words would otherwise hold many buckets at once.
fn shard_runs(
    bounds: &[(usize, usize)],
    budget: u64,
    weight: impl Fn(usize) -> u64,
) -> Vec<&[(usize, usize)]> {
    let mut runs = Vec::new();
    let (mut start, mut filled) = (0, 0u64);
    for (i, &(a, b)) in bounds.iter().enumerate() {
        let w: u64 = (a..b).map(&weight).sum();
        if i > start && (i - start == SHARD_RUN || filled + w > budget) {
            runs.push(&bounds[start..i]);
            (start, filled) = (i, 0);
        }
        filled += w;
    }
    if start < bounds.len() {
        runs.push(&bounds[start..]);
    }
    runs
}

/// Each member's (offset, length) in its archive.
type MemberPlaces = Vec<(usize, usize)>;
/// The packs of an archive the bundle may take: (offset, stored length, weight).
type SparePacks = Vec<(usize, usize, usize)>;

/// An archive: the directory (a [`RECORD_LEN`] record per member), then the members
/// (stored bytes). Returns it with each member's place.
fn archive(members: &[Vec<u8>]) -> (Vec<u8>, MemberPlaces) {
    let dir = members.len() * RECORD_LEN;
    let total = dir + members.iter().map(Vec::len).sum::<usize>();
    let mut out = Vec::with_capacity(total);
    let mut places = Vec::with_capacity(members.len());
    let mut at = dir;
    for m in members {
        out.extend_from_slice(&encode_record(at, m.len()));
        places.push((at, m.len()));
        at += m.len();
    }
    for m in members {
        out.extend_from_slice(m);
    }
    (out, places)
}

/// A term shard in its archive, as the reader names it; with its place (offset, stored
/// length) and its weight for the bundle.
struct Member {
    name: String,
    place: (usize, usize),
    weight: usize,
}

impl Member {
    fn named(archive: &str, (off, len): (usize, usize), weight: usize) -> Member {
        Member {
            name: range_name(archive, off, len),
            place: (off, len),
            weight,
        }
    }
}

/// Whether the meta file carries a directory (see [`reader::Directory`]): when it has
/// members and their lengths take at most [`INLINE_DIRECTORY_MAX`] bytes.
fn inline_directory(d: &reader::Directory) -> bool {
    !d.places.is_empty() && d.encoded().len() <= INLINE_DIRECTORY_MAX
}

/// A lexicon over the exported static index on disk (the same term data the browser uses).
struct DiskLexicon<'a> {
    dir: &'a Path,
    engine: Engine,
}

impl DiskLexicon<'_> {
    fn open(dir: &Path) -> Result<DiskLexicon<'_>> {
        let (engine, _) = reader::open_static(dir)
            .with_context(|| format!("no search index in {}", dir.display()))?;
        Ok(DiskLexicon { dir, engine })
    }

    /// Plans a query, loading the term shards it needs.
    fn plan(&mut self, pq: &query::ParsedQuery, filters: &Filters) -> Result<(Plan, Vec<String>)> {
        for _ in 0..1000 {
            let plan = query::plan(pq, &mut self.engine);
            let mut pending = plan.pending;
            for k in filters.keys() {
                pending |= self.engine.lookup(&k).is_none();
            }
            if !pending {
                let mut present = Vec::new();
                for k in filters.keys() {
                    if let Some(Some(_)) = self.engine.lookup(&k) {
                        present.push(k);
                    } else {
                        present.push(String::new());
                    }
                }
                return Ok((plan, present));
            }
            let need = self.engine.take_needed();
            for f in need {
                let (b, _) = reader::read_index_file(self.dir, &f)?;
                self.engine.add_file(&f, b);
            }
        }
        anyhow::bail!("query planning did not finish")
    }
}

/// Opens the tantivy index of a search folder.
pub fn open_index(search_dir: &Path) -> Result<Index> {
    let dir = search_dir.join("tantivy");
    Index::open_in_dir(&dir).with_context(|| format!("opening the search index {}", dir.display()))
}

fn term_query(field: Field, text: &str, weight: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(
        Box::new(TermQuery::new(
            Term::from_field_text(field, text),
            IndexRecordOption::WithFreqs,
        )),
        weight,
    ))
}

/// The query of one clause: any of its alternatives, each scored by its weight.
fn clause_query(f: &Fields, c: &query::Clause) -> Box<dyn Query> {
    {
        let mut alts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (key, w) in &c.alts {
            if let Some(e) = exact_form(key) {
                alts.push((Occur::Should, term_query(f.exact, e, w * BOOST_EXACT)));
            } else {
                for (field, boost) in [
                    (f.title, BOOST_TITLE),
                    (f.heading, BOOST_HEADING),
                    (f.body, BOOST_BODY),
                ] {
                    alts.push((Occur::Should, term_query(field, key, w * boost)));
                }
                // Membership through `all` (sections where the term is only in a heading path
                // still match); scores nothing.
                alts.push((
                    Occur::Should,
                    Box::new(ConstScoreQuery::new(
                        Box::new(TermQuery::new(
                            Term::from_field_text(f.all, key),
                            IndexRecordOption::Basic,
                        )),
                        0.0,
                    )),
                ));
            }
        }
        if alts.is_empty() {
            Box::new(tantivy::query::EmptyQuery)
        } else {
            Box::new(BooleanQuery::new(alts))
        }
    }
}

/// The query of a plan: its words (all of them when `and`, else any), phrases, exclusions,
/// facet filters and the day asked for.
fn build_query(
    f: &Fields,
    plan: &Plan,
    filter_keys: &[String],
    day: Option<i32>,
    and: bool,
) -> Box<dyn Query> {
    let mut top: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut words: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for c in &plan.clauses {
        let clause = clause_query(f, c);
        words.push((if and { Occur::Must } else { Occur::Should }, clause));
    }
    if and {
        top.extend(words);
    } else {
        top.push((Occur::Must, Box::new(BooleanQuery::new(words))));
    }
    for p in &plan.phrases {
        let terms: Vec<Term> = p.iter().map(|t| Term::from_field_text(f.all, t)).collect();
        if terms.len() >= 2 {
            top.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(Box::new(PhraseQuery::new(terms)), 0.0)),
            ));
        }
    }
    for key in &plan.excluded {
        let (field, text) = match exact_form(key) {
            Some(e) => (f.exact, e),
            None => (f.all, key.as_str()),
        };
        top.push((
            Occur::MustNot,
            Box::new(TermQuery::new(
                Term::from_field_text(field, text),
                IndexRecordOption::Basic,
            )),
        ));
    }
    for key in filter_keys {
        let fq: Box<dyn Query> = if let Some(v) = key.strip_prefix(KIND_PREFIX) {
            Box::new(TermQuery::new(
                Term::from_field_text(f.kind, v),
                IndexRecordOption::Basic,
            ))
        } else if let Some(v) = key.strip_prefix(GROUP_PREFIX) {
            Box::new(TermQuery::new(
                Term::from_field_text(f.group, v),
                IndexRecordOption::Basic,
            ))
        } else if let Some(v) = key.strip_prefix(SERVICE_PREFIX) {
            Box::new(TermQuery::new(
                Term::from_field_text(f.services, v),
                IndexRecordOption::Basic,
            ))
        } else if let Some(v) = key.strip_prefix(STATUS_PREFIX) {
            Box::new(TermQuery::new(
                Term::from_field_text(f.status, v),
                IndexRecordOption::Basic,
            ))
        } else {
            Box::new(tantivy::query::EmptyQuery)
        };
        top.push((Occur::Must, Box::new(ConstScoreQuery::new(fq, 0.0))));
    }
    if let Some(day) = day {
        // from <= day <= until (see `Fields::valid_from`).
        let day = i64::from(day);
        for q in [
            RangeQuery::new(
                Bound::Unbounded,
                Bound::Included(Term::from_field_i64(f.valid_from, day)),
            ),
            RangeQuery::new(
                Bound::Included(Term::from_field_i64(f.valid_until, day)),
                Bound::Unbounded,
            ),
        ] {
            top.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(Box::new(q), 0.0)),
            ));
        }
    }
    Box::new(BooleanQuery::new(top))
}

/// One tantivy result: section ordinal (index in the `docs` given to `build_site_index`),
/// score, and stored fields.
#[derive(Debug, Clone)]
pub struct TantivyHit {
    pub ord: u32,
    pub score: f32,
    pub title: String,
    pub heading: String,
    pub url: String,
    pub kind: String,
    pub status: String,
    pub doc_id: String,
    pub body: String,
    /// The other synonym forms it matched through ([`crate::synonyms::via`]).
    pub via: Vec<String>,
}

/// Searches the tantivy index with the shared query analysis. Returns the hits and whether
/// they come from the ranked fallback (no section matched all words).
pub fn search_tantivy(
    search_dir: &Path,
    query_str: &str,
    filters: &Filters,
    limit: usize,
) -> Result<(Vec<TantivyHit>, Plan, bool)> {
    let mut lex = DiskLexicon::open(search_dir)?;
    let pq = query::parse(query_str);
    let (plan, filter_keys) = lex.plan(&pq, filters)?;
    let day = filters.day(&pq);
    if plan.clauses.is_empty() || limit == 0 {
        return Ok((Vec::new(), plan, false));
    }
    // A filter value the index lacks matches nothing.
    if filter_keys.iter().any(String::is_empty) {
        return Ok((Vec::new(), plan, false));
    }
    let index = open_index(search_dir)?;
    let f = fields_of(&index.schema())?;
    let reader = index.reader()?;
    let searcher = reader.searcher();
    let collector = status_weighted_top(limit);
    let stats = ScoringTotals(&searcher);
    let scored = |query: &dyn Query, top: &StatusWeightedTop| {
        searcher.search_with_statistics_provider(query, top, &stats)
    };
    let mut fallback = false;
    let n = plan.clauses.len();
    let mut top = if limit < query::WEAK_MATCHES {
        let weak = status_weighted_top(query::WEAK_MATCHES);
        scored(&*build_query(&f, &plan, &filter_keys, day, true), &weak)?
    } else {
        scored(
            &*build_query(&f, &plan, &filter_keys, day, true),
            &collector,
        )?
    };
    let all_words = top.len();
    top.truncate(limit);
    if query::use_ranked_fallback(&plan, all_words) {
        // Ranked fallback: every section matching any word, its score scaled by the share
        // of words it matches (the same rule as the static reader).
        let all = status_weighted_top(searcher.num_docs().max(1) as usize);
        let any = scored(&*build_query(&f, &plan, &filter_keys, day, false), &all)?;
        if !any.is_empty() {
            let mut sat: HashMap<tantivy::DocAddress, usize> = HashMap::new();
            for c in &plan.clauses {
                for addr in searcher.search(&*clause_query(&f, c), &DocSetCollector)? {
                    *sat.entry(addr).or_insert(0) += 1;
                }
            }
            fallback = all_words == 0;
            top = any
                .into_iter()
                .map(|(s, ord, addr)| {
                    let k = sat.get(&addr).copied().unwrap_or(0);
                    (s * query::coverage(k, n), ord, addr)
                })
                .collect();
            rank(&mut top, limit);
        }
    }
    // The sections of the terms that tell a match through a synonym.
    let mut via_docs: Vec<(String, HashSet<tantivy::DocAddress>)> = Vec::new();
    for key in crate::synonyms::via_keys(&plan.synonyms) {
        let clause = query::Clause {
            word: key.clone(),
            alts: vec![(key.clone(), 1.0)],
        };
        via_docs.push((
            key,
            searcher.search(&*clause_query(&f, &clause), &DocSetCollector)?,
        ));
    }
    let mut hits = Vec::new();
    for (score, _, addr) in top {
        let via = crate::synonyms::via(&plan.synonyms, |key| {
            via_docs
                .iter()
                .any(|(k, docs)| k == key && docs.contains(&addr))
        });
        let doc: TantivyDocument = searcher.doc(addr)?;
        let s = |field: Field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string()
        };
        hits.push(TantivyHit {
            ord: doc.get_first(f.ord).and_then(|v| v.as_u64()).unwrap_or(0) as u32,
            score,
            title: s(f.stored_title),
            heading: s(f.stored_heading),
            url: s(f.url),
            kind: s(f.kind),
            status: s(f.status),
            doc_id: s(f.doc_id),
            body: s(f.stored_body),
            via,
        });
    }
    // Ties: same order as the static reader (score, then section order).
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.ord.cmp(&b.ord)));
    Ok((hits, plan, fallback))
}

/// The top `limit` documents, each score multiplied by its document's status factor
/// (in-force above drafts and repealed documents), ties broken by section order: as the
/// static index ranks them, whatever the order of tantivy's segments (which is not fixed).
fn status_weighted_top(limit: usize) -> StatusWeightedTop {
    StatusWeightedTop { limit }
}

struct StatusWeightedTop {
    limit: usize,
}

/// A document [`StatusWeightedTop`] found: its weighted score, its section number and
/// where it is.
type Ranked = (tantivy::Score, u64, tantivy::DocAddress);

/// A segment's part of [`StatusWeightedTop`]: its best documents, at most twice the limit
/// between prunings.
struct SegmentTop {
    limit: usize,
    segment: tantivy::SegmentOrdinal,
    factor: Option<Arc<dyn tantivy::columnar::ColumnValues<f64>>>,
    ord: Option<Arc<dyn tantivy::columnar::ColumnValues<u64>>>,
    best: Vec<Ranked>,
}

/// Best first: higher score, then lower section number; the first `limit` kept.
fn rank(best: &mut Vec<Ranked>, limit: usize) {
    best.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    best.truncate(limit);
}

impl tantivy::collector::Collector for StatusWeightedTop {
    type Fruit = Vec<Ranked>;
    type Child = SegmentTop;

    fn for_segment(
        &self,
        segment: tantivy::SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentTop> {
        let fast = reader.fast_fields();
        Ok(SegmentTop {
            limit: self.limit,
            segment,
            factor: fast.f64("factor").ok().map(|c| c.first_or_default_col(1.0)),
            ord: fast.u64("ord").ok().map(|c| c.first_or_default_col(0)),
            best: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, segments: Vec<Vec<Ranked>>) -> tantivy::Result<Self::Fruit> {
        let mut best: Vec<_> = segments.into_iter().flatten().collect();
        rank(&mut best, self.limit);
        Ok(best)
    }
}

impl tantivy::collector::SegmentCollector for SegmentTop {
    type Fruit = Vec<Ranked>;

    fn collect(&mut self, doc: tantivy::DocId, score: tantivy::Score) {
        let score = match &self.factor {
            Some(c) => score * c.get_val(doc) as f32,
            None => score,
        };
        let ord = self.ord.as_ref().map_or(0, |c| c.get_val(doc));
        self.best
            .push((score, ord, tantivy::DocAddress::new(self.segment, doc)));
        if self.best.len() >= 2 * self.limit.max(16) {
            rank(&mut self.best, self.limit);
        }
    }

    fn harvest(mut self) -> Self::Fruit {
        rank(&mut self.best, self.limit);
        self.best
    }
}

/// `samsyn search`: searches the site's index (tantivy), with snippets.
pub fn search_site(
    search_dir: &Path,
    query_str: &str,
    filters: &Filters,
    limit: usize,
) -> Result<Vec<Hit>> {
    let (hits, plan, _) = search_tantivy(search_dir, query_str, filters, limit)?;
    let pq = query::parse(query_str);
    let hl = reader::highlight_terms(&plan, &pq);
    Ok(hits
        .into_iter()
        .map(|h| Hit {
            via: h.via,
            snippet: reader::snippet_text(&reader::make_snippet(&h.body, &hl)),
            title: h.title,
            url: h.url,
            score: h.score,
            heading: h.heading,
            kind: h.kind,
            status: Some(h.status).filter(|s| !s.is_empty()),
            doc_id: if h.doc_id.is_empty() {
                None
            } else {
                Some(h.doc_id)
            },
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoring_totals_keep_eight_significant_bits() {
        // Small totals are exact; larger ones are rounded to the nearest multiple of their
        // last kept bit, within 0.4% of the total.
        for t in [0, 1, 200, 255] {
            assert_eq!(scoring_total(t), t);
        }
        assert_eq!(scoring_total(256), 256);
        assert_eq!(scoring_total(257), 258);
        assert_eq!(scoring_total(1_000_001), 999_424);
        assert_eq!(scoring_total(1_002_000), 1_003_520);
        for t in [300u64, 4_567, 98_765, 12_345_678, 5_000_000_000] {
            let q = scoring_total(t);
            assert!(q.abs_diff(t) as f64 <= t as f64 / 256.0, "{t} → {q}");
            // A rounded total is its own rounding.
            assert_eq!(scoring_total(q), q);
        }
        // Monotonic, so nothing is reordered by it.
        let mut last = 0;
        for t in (0..200_000u64).step_by(7) {
            let q = scoring_total(t);
            assert!(q >= last);
            last = q;
        }
    }

    fn spare(list: &[(&str, u64, usize)]) -> Vec<Spare> {
        list.iter()
            .map(|&(n, s, w)| (n.to_string(), s, w))
            .collect()
    }

    /// Every file of `dir`, by name.
    fn files_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(Result::unwrap)
            .filter(|e| e.file_type().unwrap().is_file())
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                (name, std::fs::read(e.path()).unwrap())
            })
            .collect()
    }

    /// After an edit that lengthens one section, every shard but those of that section's
    /// terms is taken over from the previous build, and the index is a clean build's.
    #[test]
    fn shards_whose_terms_and_sections_did_not_change_are_taken_over() {
        let syllables = ["ba", "ke", "lo", "mu", "ni", "po", "ra", "si", "tu", "vy"];
        let word = |k: usize| {
            format!(
                "{}{}{}",
                syllables[k % 10],
                syllables[k / 10 % 10],
                syllables[k / 100 % 10]
            )
        };
        let page = Arc::new(crate::PageFields {
            title: "Samverkan kring barn".into(),
            kind: "agreement".into(),
            ..Default::default()
        });
        let docs = |grown: bool| -> Vec<SectionDoc> {
            (0..400usize)
                .map(|i| {
                    let mut body: Vec<String> =
                        (0..12).map(|j| word((i * 31 + j * 7) % 1000)).collect();
                    // A compound of two of the words: shards carry copies of its parts.
                    let (a, b) = (word(i * 31 % 1000), word((i * 31 + 7) % 1000));
                    body.push(format!("{a}{b}"));
                    if grown && i == 200 {
                        body.push("samverkan kring barnen".into());
                    }
                    SectionDoc {
                        page: page.clone(),
                        heading: format!("Avsnitt {i}"),
                        body: body.join(" "),
                        url: format!("sida-{}.html#a{i}", i / 4),
                    }
                })
                .collect()
        };
        // A page's digest: what the render would key it by (here its sections' texts).
        let digests = |docs: &[SectionDoc]| {
            let mut pages = PageDigests::default();
            for page in docs.chunks(4) {
                let mut h = KeyHasher::new("test page");
                for d in page {
                    h.part(d.body.as_bytes());
                }
                pages.push(page.len(), h.finish());
            }
            pages
        };
        let synonyms = Synonyms::default();
        let build = |docs: &[SectionDoc], previous: Option<&PreviousIndex>| {
            let dir = tempfile::tempdir().unwrap();
            let (stats, memo) = build_site_index_reusing(
                docs,
                &Bodies::InSections,
                &synonyms,
                dir.path(),
                previous,
                &digests(docs),
            )
            .unwrap();
            (dir, stats, memo)
        };
        let (first, stats, memo) = build(&docs(false), None);
        assert_eq!(stats.taken_over_shards, 0);
        let shards = memo.shards.as_ref().unwrap().shards.len();
        assert!(shards >= 8, "{shards} shards");
        let grown = docs(true);
        let previous = PreviousIndex {
            dir: first.path(),
            memo: &memo,
        };
        let (again, stats, _) = build(&grown, Some(&previous));
        let (clean, _, _) = build(&grown, None);
        assert!(files_of(again.path()) == files_of(clean.path()));
        assert!(
            stats.taken_over_shards > 0 && stats.taken_over_shards + 3 <= shards,
            "{} of {shards} shards taken over",
            stats.taken_over_shards
        );
        // Without an edit, every shard is taken over.
        let (_, stats, _) = build(&docs(false), Some(&previous));
        assert_eq!(stats.taken_over_shards, shards);
    }

    /// The postings of a book spilled in many small buckets, each through its file, give
    /// the index they give held in one bucket in memory.
    #[test]
    fn postings_spilled_in_small_buckets_give_the_same_index() {
        let words = [
            "barn",
            "unga",
            "samverkan",
            "överenskommelse",
            "SIP",
            "BUP",
            "skolan",
            "socialtjänsten",
            "vården",
            "hälsa",
            "LVU",
            "elevhälsan",
            "psykisk",
            "ohälsa",
        ];
        let page = Arc::new(crate::PageFields {
            title: "Samverkan kring barn".into(),
            kind: "agreement".into(),
            ..Default::default()
        });
        let docs: Vec<SectionDoc> = (0..600usize)
            .map(|i| SectionDoc {
                page: page.clone(),
                heading: format!("Avsnitt {i} om {}", words[i % words.len()]),
                body: (0..(i % 37) + 5)
                    .map(|j| words[(i * 7 + j * j) % words.len()])
                    .collect::<Vec<_>>()
                    .join(" "),
                url: format!("sida-{}.html#a{i}", i / 5),
            })
            .collect();
        let synonyms = Synonyms::default();
        let analysis = corpus::analyze_with(&docs, &Bodies::InSections, &synonyms).unwrap();
        let build = |how: &Export| {
            let dir = tempfile::tempdir().unwrap();
            export_static(
                &docs,
                &Bodies::InSections,
                &analysis,
                &synonyms,
                dir.path(),
                how,
            )
            .unwrap();
            files_of(dir.path())
        };
        let held = build(&Export::default());
        let spilled = build(&Export {
            bucket_occurrences: Some(40),
            flush_bytes: Some(64),
            ..Export::default()
        });
        assert!(held.len() > 3, "{:?}", held.keys());
        assert_eq!(
            held.keys().collect::<Vec<_>>(),
            spilled.keys().collect::<Vec<_>>()
        );
        for (name, bytes) in &held {
            assert!(spilled[name] == *bytes, "{name} differs");
        }
    }

    #[test]
    fn a_shard_finished_later_carries_copies_of_the_parts_it_names_with_their_heads() {
        let chunk = |off, len| reader::ChunkRef {
            count: 1,
            max: 1.0,
            pack: None,
            off,
            len,
            pos: None,
        };
        let entry = |term: &str, parts: &[&str], off| reader::Entry {
            term: term.into(),
            info: query::TermInfo {
                df: 1,
                word: true,
                parts: parts.iter().map(|p| p.to_string()).collect(),
                ..Default::default()
            },
            flags: FLAG_WORD,
            chunks: vec![chunk(off, 2)],
        };
        // Shard 0 holds the part "vård"; shard 1 the compound "vårdplan" naming it, and
        // "plan", which it holds itself.
        let parts = Shard {
            entries: vec![entry("a", &[], 0), entry("vård", &[], 2)],
            heads: vec![1, 2, 3, 4],
            ..Shard::default()
        };
        let compound = Shard {
            entries: vec![
                entry("plan", &[], 0),
                entry("vårdplan", &["plan", "vård"], 2),
            ],
            heads: vec![5, 6, 7, 8],
            ..Shard::default()
        };
        let copyable: FxHashMap<String, Copyable> =
            [("vård", 0, &parts, 1), ("plan", 1, &compound, 0)]
                .into_iter()
                .map(|(t, home, s, i)| (t.to_string(), Copyable::of(s, home, &s.entries[i])))
                .collect();
        let bytes = PendingShard::of(compound.clone()).finish(1, &copyable);
        // As encoded in one step with the copy: "vård" from shard 0, its head after the
        // shard's own; "plan" is not copied (its home is this shard).
        let mut copy = parts.entries[1].clone();
        copy.chunks[0].off = 4;
        let whole = Shard {
            foreign: vec![reader::Foreign {
                home: 0,
                packs: reader::PackSet::default(),
                pos_packs: reader::PackSet::default(),
                entry: copy,
            }],
            heads: vec![5, 6, 7, 8, 3, 4],
            ..compound
        };
        assert_eq!(bytes, whole.encode());
        let decoded = Shard::decode(&bytes).unwrap();
        assert_eq!(decoded.foreign.len(), 1);
        assert_eq!(decoded.foreign[0].entry.term, "vård");
        // Shard 0 names no parts: nothing is copied into it.
        assert_eq!(
            PendingShard::of(parts.clone()).finish(0, &copyable),
            parts.encode()
        );
    }

    #[test]
    fn position_lists_are_found_by_their_posting_number() {
        let lists: [&[u32]; 4] = [&[0, 7, 9], &[], &[5, 200_000], &[u32::MAX]];
        let pos = encode_position_lists(lists.into_iter());
        let found = PositionLists::new(&pos, 4).unwrap();
        for (i, list) in lists.iter().enumerate() {
            assert_eq!(found.list(i), encode_position_lists([*list].into_iter()));
        }
        // Lists that are not as many as the postings are an error, not a misplaced list.
        assert!(PositionLists::new(&pos, 3).is_none());
        assert!(PositionLists::new(&pos, 5).is_none());
    }

    #[test]
    fn pack_archives_are_streamed_out_under_their_content_hash_a_shards_packs_in_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut packer = PackArchives::new(dir.path(), "o1-", 100);
        let pack = |n: usize, byte: u8, weight: usize| {
            let bytes = vec![byte; n];
            (memo::Compressed { bytes, key: None }, weight)
        };
        let mut closed = Vec::new();
        let mut sets = Vec::new();
        // Shards' packs: 60 + 30 fit one archive; 50 more start a second; 150 alone is
        // larger than the target and takes a third.
        for shard in [
            vec![pack(60, 1, 0), pack(30, 2, 7)],
            vec![pack(50, 3, 0)],
            vec![pack(150, 4, 9)],
        ] {
            let size = shard.iter().map(|p| p.0.bytes.len()).sum();
            closed.extend(packer.make_room(size).unwrap());
            sets.push(packer.place(shard).unwrap());
        }
        closed.extend(packer.finish().unwrap());
        let ranges = |archive, ranges: &[(usize, usize)]| reader::PackSet {
            archive,
            ranges: ranges.to_vec(),
        };
        assert_eq!(
            sets,
            [
                ranges(0, &[(0, 60), (60, 30)]),
                ranges(1, &[(0, 50)]),
                ranges(2, &[(0, 150)]),
            ]
        );
        let expected: [Vec<u8>; 3] = [
            [vec![1; 60], vec![2; 30]].concat(),
            vec![3; 50],
            vec![4; 150],
        ];
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(closed.len(), 3);
        for (k, (a, bytes)) in closed.iter().zip(&expected).enumerate() {
            assert_eq!(a.name, pack_archive(k, short_hash(bytes)));
            assert_eq!((a.hash, a.len), (short_hash(bytes), bytes.len()));
            assert_eq!(
                &std::fs::read(dir.path().join(format!("o1-{}", a.name))).unwrap(),
                bytes
            );
            assert_eq!(
                names[k],
                format!("o1-{}", a.name),
                "no temporary file is left"
            );
        }
        assert_eq!(names.len(), 3);
        // The packs the bundle may take: those with a weight, where they are.
        assert_eq!(closed[0].spare, [(60, 30, 7)]);
        assert_eq!(closed[2].spare, [(0, 150, 9)]);
    }

    #[test]
    fn a_bundle_holds_the_term_shards_and_vocabulary_not_the_fragments_or_whole_packs() {
        let near = spare(&[("p0-1-h.bin", 10, 500)]);
        let (kinds, extra) = bundle_contents(&[100, 200, 300, 10], vec![], near, 1000).unwrap();
        assert_eq!(kinds, vec![0, 3]);
        assert_eq!(extra, vec!["p0-1-h.bin"]);
    }

    #[test]
    fn a_bundle_takes_the_second_chunks_of_its_most_frequent_terms_in_the_room_left() {
        let near = spare(&[
            ("p1-0-h.bin", 30, 400),
            ("p2-0-h.bin", 50, 900),
            ("p3-0-h.bin", 60, 700),
            ("p4-0-h.bin", 20, 10),
            ("p5-0-h.bin", 5, BUNDLE_SPARE_MIN_POSTINGS - 1),
        ]);
        let (kinds, extra) = bundle_contents(&[100, 900, 800, 10], vec![], near, 200).unwrap();
        assert_eq!(kinds, vec![0, 3]);
        // 90 bytes of room: the heaviest (50) first, the next (60) does not fit, then 30;
        // the chunks of rare terms never (10 postings, and one under the floor).
        assert_eq!(extra, vec!["p2-0-h.bin", "p1-0-h.bin"]);
    }

    #[test]
    fn a_bundle_of_a_large_book_takes_the_vocabulary_and_the_shards_of_its_frequent_words() {
        let shards = spare(&[
            ("t0-h.bin", 40, 0),     // terms in one section each (identifiers): never
            ("t1-h.bin", 50, 5000),  // 100 postings a byte
            ("t2-h.bin", 60, 600),   // 10 a byte
            ("t3-h.bin", 30, 6000),  // 200 a byte
            ("t4-h.bin", 120, 9000), // 75 a byte
        ]);
        let near = spare(&[("p0-0-h.bin", 60, 800)]);
        // Shards 300 bytes in all: more than 200. The vocabulary (10) and the second chunk
        // (60) first, then by postings per byte: t3 (to 100), t1 (to 150); neither t4 nor
        // t2 fits in the 50 left.
        let (kinds, extra) = bundle_contents(&[300, 0, 0, 10], shards, near, 200).unwrap();
        assert_eq!(kinds, vec![VOCAB]);
        assert_eq!(extra, vec!["t3-h.bin", "t1-h.bin", "p0-0-h.bin"]);
    }

    #[test]
    fn no_bundle_when_not_even_the_vocabulary_fits() {
        let near = spare(&[("p0-0-h.bin", 1, 1)]);
        assert_eq!(bundle_contents(&[0, 0, 0, 201], vec![], near, 200), None);
    }
}
