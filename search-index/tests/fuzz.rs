//! Fuzz targets of the search crate (property-based, on stable): every decoder of the
//! static index, the engine fed corrupt files, the query parser and the analyzer. A
//! truncated, bit-flipped or random file must give an error, never a panic (in the browser
//! a panic kills the search worker) nor an allocation sized by a corrupt length.
//! Long run: `scripts/fuzz` (see `support/fuzz.rs`).

#[path = "support/fuzz.rs"]
mod support;

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use search_index::analyzer::{self, Analyzer};
use search_index::format::{self, Dec};
use search_index::reader::{
    self, Engine, Highlight, Meta, SearchResult, Shard, Step, decode_fragments, make_snippet,
};
use search_index::validity::ValidityTable;
use search_index::{Filters, PageFields, Request, SectionDoc, build_site_index, json, query, typo};
use std::sync::Arc;
use support::{fuzz, with_allocation_limit};

/// A real static index, built once: file name -> (stored, inflated) bytes.
struct Index {
    meta: String,
    files: Vec<(String, Vec<u8>, Vec<u8>)>,
    _dir: tempfile::TempDir,
}

impl Index {
    fn inflated(&self) -> HashMap<String, Vec<u8>> {
        self.files
            .iter()
            .map(|(n, _, b)| (n.clone(), b.clone()))
            .collect()
    }
}

const WORDS: &[&str] = &[
    "barn",
    "unga",
    "samverkan",
    "överenskommelse",
    "barnhälsovården",
    "elevhälsan",
    "socialtjänsten",
    "vårdnadshavare",
    "placering",
    "placerade",
    "insatser",
    "SIP",
    "LVU",
    "104623",
    "skola",
    "hälsovård",
    "uppföljning",
    "region",
    "kommun",
    "plan",
];

/// A small corpus whose index has posting packs (a word in more than 16 sections), pages
/// of several virtual pages (more than 8 sections), phrases, facets and exact terms.
fn corpus() -> Vec<SectionDoc> {
    let kinds = ["agreement", "fakta", "process", "action-plan", "page"];
    let statuses = [None, Some("in-force"), Some("draft"), Some("repealed")];
    let mut docs = Vec::new();
    for i in 0..60usize {
        let page = i / 11;
        let body: Vec<&str> = (0..30)
            .map(|k| WORDS[(i * 7 + k * k) % WORDS.len()])
            .collect();
        docs.push(SectionDoc {
            page: Arc::new(PageFields {
                title: format!("Sida {page} om {}", WORDS[page % WORDS.len()]),
                heading_path: vec!["Överenskommelser".into()],
                kind: kinds[page % kinds.len()].into(),
                strategy_group: (page % 2 == 0).then(|| "Barn och unga".into()),
                services: vec!["Skola".into(), "Socialtjänst".into()][..page % 3].to_vec(),
                status: statuses[page % statuses.len()].map(String::from),
                doc_id: (page % 2 == 1).then(|| format!("10462{page}")),
                // Some pages have a validity interval (the index then has a validity table).
                valid_from_day: (page % 3 == 1).then(|| 18_000 + page as i32),
                valid_until_day: (page % 4 == 1).then(|| 18_500 + page as i32),
            }),
            heading: if i % 11 == 0 {
                String::new()
            } else {
                format!("Rubrik {i} {}", WORDS[i % WORDS.len()])
            },
            body: format!(
                "Barn och unga. {} Samordnad individuell plan.",
                body.join(" ")
            ),
            url: format!("sida{page}.html#r{i}"),
        });
    }
    docs
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        build_site_index(&corpus(), dir.path()).expect("index builds");
        let manifest = std::fs::read_to_string(dir.path().join("manifest.json")).unwrap();
        let meta = reader::manifest_meta_name(&manifest).expect("meta name");
        let mut files = Vec::new();
        for name in reader::index_names(dir.path()).expect("index names") {
            let stored = reader::read_stored(dir.path(), &name).unwrap();
            let inflated = format::decompress(&stored).expect("index file inflates");
            files.push((name, stored, inflated));
        }
        files.sort();
        assert!(
            files
                .iter()
                .filter(|f| f.2.starts_with(format::SHARD_MAGIC))
                .count()
                > 1,
            "one term shard"
        );
        assert!(
            files.iter().any(|f| f.0.starts_with('p')),
            "no posting pack"
        );
        assert!(files.iter().any(|f| f.0.starts_with("bundle")), "no bundle");
        Index {
            meta,
            files,
            _dir: dir,
        }
    })
}

/// One edit of a file.
#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    FlipBit(usize, u8),
    Overwrite(usize, Vec<u8>),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
    /// Copies a range of the file over another place (a plausible but wrong structure).
    Splice(usize, usize, usize),
    /// Writes a varint (a corrupt length or count) at a place.
    Varint(usize, u64),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let pos = any::<usize>();
    prop_oneof![
        1 => pos.prop_map(Mutation::Truncate),
        3 => (pos, 0u8..8).prop_map(|(p, b)| Mutation::FlipBit(p, b)),
        1 => (pos, prop::collection::vec(any::<u8>(), 1..8)).prop_map(|(p, b)| Mutation::Overwrite(p, b)),
        1 => (pos, prop::collection::vec(any::<u8>(), 1..8)).prop_map(|(p, b)| Mutation::Insert(p, b)),
        1 => (pos, 1usize..32).prop_map(|(p, n)| Mutation::Remove(p, n)),
        1 => (pos, 1usize..64, pos).prop_map(|(a, n, b)| Mutation::Splice(a, n, b)),
        2 => (pos, prop_oneof![any::<u64>(), 0u64..300, Just(u64::from(u32::MAX)), Just(u64::MAX)])
            .prop_map(|(p, v)| Mutation::Varint(p, v)),
    ]
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    prop::collection::vec(mutation(), 1..5)
}

fn apply(bytes: &mut Vec<u8>, muts: &[Mutation]) {
    for m in muts {
        let len = bytes.len();
        let at = |p: usize| if len == 0 { 0 } else { p % (len + 1) };
        match m {
            Mutation::Truncate(p) => bytes.truncate(at(*p)),
            Mutation::FlipBit(p, b) if len > 0 => bytes[p % len] ^= 1 << b,
            Mutation::FlipBit(..) => {}
            Mutation::Overwrite(p, b) => {
                let start = at(*p);
                for (i, v) in b.iter().enumerate() {
                    match bytes.get_mut(start + i) {
                        Some(x) => *x = *v,
                        None => bytes.push(*v),
                    }
                }
            }
            Mutation::Insert(p, b) => {
                let start = at(*p);
                bytes.splice(start..start, b.iter().copied());
            }
            Mutation::Remove(p, n) => {
                let start = at(*p);
                bytes.drain(start..(start + n).min(len));
            }
            Mutation::Splice(a, n, b) if len > 0 => {
                let from = a % len;
                let piece = bytes[from..(from + n).min(len)].to_vec();
                let to = b % len;
                let end = (to + piece.len()).min(len);
                bytes.splice(to..end, piece);
            }
            Mutation::Splice(..) => {}
            Mutation::Varint(p, v) => {
                let mut e = format::Enc::default();
                e.var(*v);
                let start = at(*p);
                let end = (start + e.buf.len()).min(len);
                bytes.splice(start..end, e.buf);
            }
        }
    }
}

/// Allocation limit for decoding `n` bytes: what a decoded structure may take per input
/// byte (vectors doubling, small strings), and a floor.
fn limit_for(n: usize) -> usize {
    (1 << 20) + 64 * n
}

/// Runs every decoder of inflated index files on `bytes`; each may fail, none may panic.
fn decode_all(bytes: &[u8]) {
    let _ = Meta::decode(bytes).map(|m| json::facets_json(&m));
    let _ = Shard::decode(bytes);
    let _ = decode_fragments(bytes);
    let _ = format::decode_bundle(bytes);
    let _ = typo::decode_vocab(bytes);
    let _ = ValidityTable::decode(bytes).map(|t| t.applies(3, 18_700));
    for count in [0, 1, 3, 16, bytes.len(), bytes.len() + 1, usize::MAX] {
        let _ = format::decode_chunk(bytes, count, true);
        let _ = format::decode_chunk(bytes, count, false);
        let _ = format::decode_positions(bytes, count);
    }
    let _ = Engine::new(bytes);
}

#[test]
fn fuzz_decoders_on_mutated_index_files() {
    let index = index();
    fuzz(
        "decoders-mutated-files",
        3000,
        (0..index.files.len(), mutations()),
        |(i, muts)| {
            let mut bytes = index.files[i].2.clone();
            apply(&mut bytes, &muts);
            with_allocation_limit(limit_for(bytes.len()), || decode_all(&bytes))
        },
    );
}

/// Bytes that start like an index file (one of the magics) more often than chance.
fn file_like_bytes() -> impl Strategy<Value = Vec<u8>> {
    let magic = prop_oneof![
        Just(&b""[..]),
        Just(&format::META_MAGIC[..]),
        Just(&format::SHARD_MAGIC[..]),
        Just(&format::FRAG_MAGIC[..]),
        Just(&format::BUNDLE_MAGIC[..]),
        Just(&b"SSV1"[..]),
    ];
    (magic, prop::collection::vec(any::<u8>(), 0..300)).prop_map(|(m, rest)| {
        let mut b = m.to_vec();
        b.extend(rest);
        b
    })
}

#[test]
fn fuzz_decoders_on_random_bytes() {
    fuzz("decoders-random-bytes", 4000, file_like_bytes(), |bytes| {
        with_allocation_limit(limit_for(bytes.len()), || decode_all(&bytes))
    });
}

/// Reads of the varint reader in the order given (0 u8, 1 var, 2 usize, 3 count, 4 str,
/// 5 f32, 6 u32, 7 take, 8 magic).
#[test]
fn fuzz_dec_primitives() {
    fuzz(
        "dec-primitives",
        10000,
        (
            prop::collection::vec(any::<u8>(), 0..64),
            prop::collection::vec((0u8..9, any::<usize>()), 0..24),
        ),
        |(bytes, ops)| {
            with_allocation_limit(limit_for(bytes.len()), || {
                let mut d = Dec::new(&bytes);
                for (op, n) in ops {
                    let _ = match op {
                        0 => d.u8().map(|_| ()),
                        1 => d.var().map(|_| ()),
                        2 => d.usize().map(|_| ()),
                        3 => d.count().map(|_| ()),
                        4 => d.str().map(|_| ()),
                        5 => d.f32().map(|_| ()),
                        6 => d.u32().map(|_| ()),
                        7 => d.take(n).map(|_| ()),
                        _ => d.magic(format::META_MAGIC).map(|_| ()),
                    };
                    assert!(d.pos <= bytes.len() || d.at_end());
                }
            })
        },
    );
}

#[test]
fn fuzz_decompress() {
    let index = index();
    let input = prop_oneof![
        (0..index.files.len(), mutations()).prop_map(|(i, muts)| {
            let mut b = index.files[i].1.clone();
            apply(&mut b, &muts);
            b
        }),
        prop::collection::vec(any::<u8>(), 0..256),
    ];
    fuzz("decompress", 3000, input, |bytes| {
        with_allocation_limit(2 * format::MAX_FILE, || {
            if let Ok(out) = format::decompress(&bytes) {
                assert!(out.len() <= format::MAX_FILE);
            }
        })
    });
}

/// Queries that reach every part of the engine on the corpus: words with packs, phrases
/// (positions), exclusions, compounds, typos, prefixes, exact terms.
const QUERIES: &[&str] = &[
    "barn",
    "\"barn och unga\"",
    "samverkan -skola",
    "SIP",
    "hälsovård",
    "överenskomelse",
    "barnhäl",
    "placering region",
    "\"samordnad individuell plan\" barn",
    "104623",
    "unga kommun plan insatser",
    "barn gällande den 2020-01-01",
];

fn request(query: &str, budget: bool, filter: u8) -> Request {
    let mut filters = Filters::default();
    match filter {
        1 => filters.kind = Some("agreement".into()),
        2 => filters.group = Some("Barn och unga".into()),
        3 => filters.service = Some("Skola".into()),
        4 => filters.status = Some("in-force".into()),
        5 => filters.valid_on = Some(18_010),
        _ => {}
    }
    Request {
        query: query.to_string(),
        filters,
        limit: 15,
        fragments: 5,
        budget: if budget { 8000 } else { 0 },
        early: false,
    }
}

/// Fetch rounds a query may take before the driver gives up (a corrupt meta file can
/// name many files; a real query takes a handful).
const MAX_ROUNDS: usize = 64;

/// Runs a request as the browser worker does: hands over the files the engine names
/// (missing ones as empty files) until it answers or fails. Ok(true) = answered.
fn drive(
    engine: &mut Engine,
    files: &HashMap<String, Vec<u8>>,
    req: &Request,
) -> Result<bool, TestCaseError> {
    let answer = answer_of(engine, files, req, |need, _| {
        prop_assert!(
            !need.is_empty(),
            "a step that needs no file and answers nothing"
        );
        let _ = json::step_json(&Step::Need(need.to_vec()));
        Ok(())
    })?;
    Ok(answer.is_some_and(|r| {
        let _ = json::step_json(&Step::Done(r));
        true
    }))
}

#[test]
fn fuzz_engine_on_corrupt_index() {
    let index = index();
    let total: usize = index.files.iter().map(|f| f.2.len()).sum();
    fuzz(
        "engine-corrupt-index",
        1000,
        (
            0..index.files.len(),
            mutations(),
            0..QUERIES.len(),
            any::<bool>(),
            any::<bool>(),
            0u8..6,
        ),
        |(i, muts, q, use_bundle, budget, filter)| {
            let mut files = index.inflated();
            let name = &index.files[i].0;
            apply(files.get_mut(name).unwrap(), &muts);
            with_allocation_limit(limit_for(total), || {
                let Ok(mut engine) = Engine::new(&files[&index.meta]) else {
                    return Ok(());
                };
                if use_bundle && let Some(b) = engine.meta.bundle_name() {
                    let _ = engine.add_bundle(files.get(&b).map_or(&[][..], Vec::as_slice));
                }
                let _ = json::facets_json(&engine.meta);
                two_queries(&mut engine, &files, q, budget, filter)
            })?
        },
    );
}

/// Query `q` of [`QUERIES`], then the next one on the same engine (which reuses what
/// it decoded), with the other budget setting.
fn two_queries(
    engine: &mut Engine,
    files: &HashMap<String, Vec<u8>>,
    q: usize,
    budget: bool,
    filter: u8,
) -> Result<(), TestCaseError> {
    drive(engine, files, &request(QUERIES[q], budget, filter))?;
    let next = QUERIES[(q + 1) % QUERIES.len()];
    drive(engine, files, &request(next, !budget, 0))?;
    Ok(())
}

/// A number as a corrupt field might hold: small, at a boundary, or huge.
fn odd_usize() -> impl Strategy<Value = usize> {
    prop_oneof![
        2 => 0usize..40,
        2 => prop::sample::select(&[
            15, 16, 17, 255, 256, 65_535, u32::MAX as usize, usize::MAX / 2, usize::MAX - 1,
            usize::MAX,
        ][..]),
        1 => any::<usize>(),
    ]
}

fn odd_f32() -> impl Strategy<Value = f32> {
    prop_oneof![
        prop::sample::select(
            &[
                0.0,
                -0.0,
                -1.0,
                1e30,
                f32::MAX,
                f32::MIN,
                f32::MIN_POSITIVE,
                f32::INFINITY,
                f32::NEG_INFINITY,
                f32::NAN,
            ][..]
        ),
        any::<f32>(),
    ]
}

/// One edit of a decoded term shard: its fields set to values an encoder never writes
/// (the shard is encoded again, so it decodes and reaches the engine's own checks).
#[derive(Debug, Clone)]
enum ShardEdit {
    Count(usize, usize, usize),
    Off(usize, usize, usize),
    Len(usize, usize, usize),
    Pack(usize, usize, Option<usize>),
    Positions(usize, usize, Option<(usize, usize, usize)>),
    Max(usize, usize, f32),
    Flags(usize, u8),
    Df(usize, u32),
    Parts(usize, Vec<String>),
    DropChunk(usize, usize),
    CopyChunk(usize, usize, usize),
    Home(usize, usize),
    PackCount(usize),
    PosPackCount(usize),
    TruncateHeads(usize),
}

fn shard_edit() -> impl Strategy<Value = ShardEdit> {
    let i = any::<usize>();
    prop_oneof![
        (i, i, odd_usize()).prop_map(|(e, c, v)| ShardEdit::Count(e, c, v)),
        (i, i, odd_usize()).prop_map(|(e, c, v)| ShardEdit::Off(e, c, v)),
        (i, i, odd_usize()).prop_map(|(e, c, v)| ShardEdit::Len(e, c, v)),
        (i, i, prop::option::of(odd_usize())).prop_map(|(e, c, v)| ShardEdit::Pack(e, c, v)),
        (
            i,
            i,
            prop::option::of((odd_usize(), odd_usize(), odd_usize()))
        )
            .prop_map(|(e, c, v)| ShardEdit::Positions(e, c, v)),
        (i, i, odd_f32()).prop_map(|(e, c, v)| ShardEdit::Max(e, c, v)),
        (i, any::<u8>()).prop_map(|(e, v)| ShardEdit::Flags(e, v)),
        (i, any::<u32>()).prop_map(|(e, v)| ShardEdit::Df(e, v)),
        (
            i,
            prop::collection::vec(prop_oneof![Just(String::new()), "[a-zåäö#:]{1,8}"], 0..4)
        )
            .prop_map(|(e, v)| ShardEdit::Parts(e, v)),
        (i, i).prop_map(|(e, c)| ShardEdit::DropChunk(e, c)),
        (i, i, i).prop_map(|(e, c, to)| ShardEdit::CopyChunk(e, c, to)),
        (i, odd_usize()).prop_map(|(f, v)| ShardEdit::Home(f, v)),
        odd_usize().prop_map(ShardEdit::PackCount),
        odd_usize().prop_map(ShardEdit::PosPackCount),
        i.prop_map(ShardEdit::TruncateHeads),
    ]
}

/// The entry an edit means: entries first, then the foreign copies.
fn edited_entry(s: &mut Shard, e: usize) -> Option<&mut reader::Entry> {
    let n = s.entries.len() + s.foreign.len();
    if n == 0 {
        return None;
    }
    let e = e % n;
    if e < s.entries.len() {
        s.entries.get_mut(e)
    } else {
        s.foreign.get_mut(e - s.entries.len()).map(|f| &mut f.entry)
    }
}

fn edit_shard(s: &mut Shard, edit: &ShardEdit) {
    use ShardEdit::*;
    let chunk = |en: &mut reader::Entry, c: usize| {
        let n = en.chunks.len();
        (n > 0).then(|| c % n)
    };
    match edit {
        // Fewer or more packs, the last of an odd length.
        PackCount(v) => {
            let keep = v % (s.packs.ranges.len() + 1);
            s.packs.ranges.truncate(keep);
            s.packs.ranges.push((*v, v % 97));
        }
        PosPackCount(v) => {
            let keep = v % (s.pos_packs.ranges.len() + 1);
            s.pos_packs.ranges.truncate(keep);
            s.pos_packs.ranges.push((*v, v % 97));
        }
        TruncateHeads(at) => {
            let at = at % (s.heads.len() + 1);
            s.heads.truncate(at);
        }
        Home(f, v) => {
            let n = s.foreign.len();
            if n > 0 {
                s.foreign[f % n].home = *v;
            }
        }
        &Count(e, c, v) | &Off(e, c, v) | &Len(e, c, v) => {
            if let Some(en) = edited_entry(s, e)
                && let Some(c) = chunk(en, c)
            {
                let r = &mut en.chunks[c];
                match edit {
                    Count(..) => r.count = v,
                    Off(..) => r.off = v,
                    _ => r.len = v,
                }
            }
        }
        Pack(e, c, v) => {
            if let Some(en) = edited_entry(s, *e)
                && let Some(c) = chunk(en, *c)
            {
                // (`usize::MAX` cannot be encoded: a pack is written as pack + 1.)
                en.chunks[c].pack = v.map(|p| p.min(usize::MAX - 1));
            }
        }
        Positions(e, c, v) => {
            if let Some(en) = edited_entry(s, *e)
                && let Some(c) = chunk(en, *c)
            {
                en.chunks[c].pos = *v;
            }
        }
        Max(e, c, v) => {
            if let Some(en) = edited_entry(s, *e)
                && let Some(c) = chunk(en, *c)
            {
                en.chunks[c].max = *v;
            }
        }
        Flags(e, v) => {
            if let Some(en) = edited_entry(s, *e) {
                en.flags = *v;
                en.info.word = v & format::FLAG_WORD != 0;
            }
        }
        Df(e, v) => {
            if let Some(en) = edited_entry(s, *e) {
                en.info.df = *v;
            }
        }
        Parts(e, v) => {
            if let Some(en) = edited_entry(s, *e) {
                en.info.parts = v.clone();
            }
        }
        DropChunk(e, c) => {
            if let Some(en) = edited_entry(s, *e)
                && let Some(c) = chunk(en, *c)
            {
                en.chunks.remove(c);
            }
        }
        CopyChunk(e, c, to) => {
            if let Some(en) = edited_entry(s, *e)
                && let Some(c) = chunk(en, *c)
            {
                let copy = en.chunks[c].clone();
                let to = to % (en.chunks.len() + 1);
                en.chunks.insert(to, copy);
            }
        }
    }
}

#[test]
fn fuzz_engine_on_edited_shards() {
    let index = index();
    let shards: Vec<&String> = index
        .files
        .iter()
        .filter(|f| f.2.starts_with(format::SHARD_MAGIC))
        .map(|f| &f.0)
        .collect();
    let total: usize = index.files.iter().map(|f| f.2.len()).sum();
    fuzz(
        "engine-edited-shards",
        1000,
        (
            0..shards.len(),
            prop::collection::vec(shard_edit(), 1..6),
            0..QUERIES.len(),
            any::<bool>(),
            0u8..6,
        ),
        |(i, edits, q, budget, filter)| {
            let mut files = index.inflated();
            let name = shards[i];
            let mut shard = Shard::decode(&files[name]).expect("real shard decodes");
            for e in &edits {
                edit_shard(&mut shard, e);
            }
            // The bundle would bring the intact shard: this engine gets the files one by one.
            files.insert(name.clone(), shard.encode());
            with_allocation_limit(limit_for(total + 4096), || {
                let mut engine = Engine::new(&files[&index.meta]).expect("meta decodes");
                two_queries(&mut engine, &files, q, budget, filter)
            })?
        },
    );
}

/// Query text: arbitrary strings, and strings made of the syntax's pieces and words.
fn query_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => prop::sample::select(WORDS).prop_map(String::from),
        1 => prop::sample::select(&["gällande", "Gallande den", "2021-03-01", "2021-0", "2021-02-30"][..])
            .prop_map(String::from),
        1 => prop::sample::select(&["\"", "-", " ", "  ", "\t", "-\"", "\u{0}", "\u{feff}", "é", "ß", "İ", "\u{301}", "𝔘"][..])
            .prop_map(String::from),
        1 => "\\PC{1,6}",
        1 => any::<char>().prop_map(String::from),
    ];
    prop_oneof![
        any::<String>(),
        prop::collection::vec(piece, 0..12).prop_map(|v| v.concat()),
    ]
}

#[test]
fn fuzz_query_parser_and_analyzer() {
    fuzz("query-analyzer", 4000, query_text(), |text| {
        let pq = query::parse(&text);
        if let Some(i) = pq.typing {
            prop_assert!(i < pq.words.len());
        }
        let analyzer = Analyzer::new();
        for t in analyzer::raw_tokens(&text) {
            prop_assert!(t.from <= t.to && t.to <= text.len());
            prop_assert!(text.is_char_boundary(t.from) && text.is_char_boundary(t.to));
            let folded = analyzer::fold(t.text);
            let _ = analyzer.stem_folded(&folded);
            let _ = analyzer.term(t.text);
            let _ = analyzer::exact_form(t.text);
            let _ = analyzer::query_exact_form(t.text);
            let _ = format::exact_key(t.text);
        }
        for (at, w) in analyzer::word_spans(&text) {
            prop_assert_eq!(text.get(at..at + w.len()), Some(w));
        }
        let hl = Highlight {
            terms: pq.words.iter().map(|w| analyzer::fold(w)).collect(),
            // The query's words as a run, as a synonym form of several words is.
            phrases: vec![pq.words.iter().map(|w| analyzer::fold(w)).collect()],
            prefix: pq.words.last().map(|w| analyzer::fold(w)),
        };
        let _ = reader::snippet_text(&make_snippet(&text, &hl));
        let _ = reader::manifest_meta_name(&text);
        let _ = query::suggestion(&pq, &query::Plan::default());
        Ok(())
    });
}

#[test]
fn fuzz_engine_answers_any_query() {
    let index = index();
    let files = index.inflated();
    let mut engine = Engine::new(&files[&index.meta]).expect("meta decodes");
    let engine = std::cell::RefCell::new(&mut engine);
    fuzz(
        "engine-any-query",
        2000,
        (
            query_text(),
            any::<bool>(),
            0u8..6,
            0usize..=200,
            0usize..=50,
        ),
        |(text, budget, filter, limit, fragments)| {
            let mut engine = engine.borrow_mut();
            // The browser's limits (wasm.rs caps limit at 200, fragments at 50).
            let req = Request {
                limit,
                fragments,
                ..request(&text, budget, filter)
            };
            let answered = drive(&mut engine, &files, &req)?;
            prop_assert!(answered, "an intact index gave no answer");
            Ok(())
        },
    );
}

/// Runs a request to its answer (None: an error, or no answer within the rounds); `need`
/// sees each step that asks for files, with whether it waits only for the text of ranked
/// hits ([`Engine::waits_for_text_only`]).
fn answer_of(
    engine: &mut Engine,
    files: &HashMap<String, Vec<u8>>,
    req: &Request,
    mut need: impl FnMut(&[String], bool) -> Result<(), TestCaseError>,
) -> Result<Option<SearchResult>, TestCaseError> {
    for _ in 0..MAX_ROUNDS {
        match engine.search(req) {
            Err(_) => return Ok(None),
            Ok(Step::Done(r)) => return Ok(Some(r)),
            Ok(Step::Need(files_needed)) => {
                need(&files_needed, engine.waits_for_text_only())?;
                for f in files_needed {
                    engine.add_file(&f, files.get(&f).cloned().unwrap_or_default());
                }
            }
        }
    }
    Ok(None)
}

/// An early answer (the browser's first one: its first result page as soon as it is proven)
/// is the beginning of the final answer: the hits it shows are the first ones the final
/// answer shows, in the same order, each scored at most its final score; and once ranked,
/// it waits for fragment files only. Each case starts from an engine that has only the meta
/// file, so that the early answer comes while postings are still unread.
#[test]
fn fuzz_an_early_answer_begins_the_final_ranking() {
    let index = index();
    let files = index.inflated();
    let partial_answers = std::cell::Cell::new(0usize);
    fuzz(
        "early-answer-prefix",
        600,
        (
            // Mostly the corpus's words, whose postings run past their heads.
            prop_oneof![
                3 => prop::collection::vec(prop::sample::select(WORDS), 1..4)
                    .prop_map(|w| w.join(" ")),
                1 => query_text(),
            ],
            any::<bool>(),
            0u8..6,
            1usize..=3,
        ),
        |(text, budget, filter, pages)| {
            let mut engine = Engine::new(&files[&index.meta]).expect("meta decodes");
            let full = Request {
                fragments: pages,
                ..request(&text, budget, filter)
            };
            let early = Request {
                early: true,
                ..full.clone()
            };
            // A step that says it waits for the text of ranked hits names fragment files only.
            let text_only = |need: &[String], ranked: bool| {
                prop_assert!(
                    !ranked || need.iter().all(|f| f.starts_with('f')),
                    "an answer whose hits are ranked waits for {need:?}"
                );
                Ok(())
            };
            let first = answer_of(&mut engine, &files, &early, text_only)?;
            let last = answer_of(&mut engine, &files, &full, text_only)?;
            let (Some(first), Some(last)) = (first, last) else {
                prop_assert!(false, "an intact index gave no answer");
                unreachable!()
            };
            prop_assert!(
                !last.partial,
                "a request that is not early answered in part"
            );
            let shown = |r: &SearchResult| -> Vec<(u32, f32)> {
                r.hits
                    .iter()
                    .filter(|h| h.fragment.is_some())
                    .map(|h| (h.doc, h.score))
                    .collect()
            };
            let (a, b) = (shown(&first), shown(&last));
            if !first.partial {
                prop_assert_eq!(a, b, "an early request answered whole differs");
                return Ok(());
            }
            partial_answers.set(partial_answers.get() + 1);
            prop_assert!(!a.is_empty(), "an early answer that shows nothing");
            prop_assert!(a.len() <= b.len(), "early {a:?}, final {b:?}");
            for (x, y) in a.iter().zip(&b) {
                prop_assert_eq!(x.0, y.0, "early {:?}, final {:?}", a, b);
                prop_assert!(x.1 <= y.1, "early score above the final one: {a:?} {b:?}");
            }
            Ok(())
        },
    );
    assert!(
        partial_answers.get() > 20,
        "only {} early answers came before the ranking was complete",
        partial_answers.get()
    );
}

/// The index used here must exist on disk for `search_static` too (the native driver).
#[test]
fn corpus_index_searches_natively() {
    let index = index();
    let dir: &Path = index._dir.path();
    let (r, _) = search_index::search_static(dir, &request("barn", false, 0)).unwrap();
    assert!(!r.hits.is_empty());
}

// Crashes the targets found, as plain tests with the minimal input.

/// A position delta so large that the running position overflowed (u64 add).
#[test]
fn positions_with_overflowing_delta_are_corrupt() {
    let mut e = format::Enc::default();
    e.usize(2);
    e.var(1);
    e.var(u64::MAX);
    assert!(format::decode_positions(&e.buf, 1).is_err());
}

/// The index's files, inflated, with `edit` applied to every entry of every term shard.
fn with_every_entry_edited(
    index: &Index,
    edit: impl Fn(&mut reader::Entry),
) -> HashMap<String, Vec<u8>> {
    let mut files = index.inflated();
    for (name, bytes) in index.inflated() {
        if bytes.starts_with(format::SHARD_MAGIC) {
            let mut s = Shard::decode(&bytes).unwrap();
            s.entries.iter_mut().for_each(&edit);
            files.insert(name, s.encode());
        }
    }
    files
}

/// Chunk references with huge lengths (past the heads): the engine summed them for its
/// byte budget and overflowed (usize add) before it read, and rejected, any of them.
#[test]
fn chunks_of_huge_length_are_corrupt_not_an_overflow() {
    let index = index();
    let files = with_every_entry_edited(index, |e| {
        for c in e.chunks.iter_mut().skip(1) {
            c.len = usize::MAX - 1;
        }
    });
    for budget in [false, true] {
        let mut engine = Engine::new(&files[&index.meta]).unwrap();
        drive(&mut engine, &files, &request("barn unga kommun", budget, 0)).unwrap();
    }
}

/// A chunk without positions and with a huge posting count, at the place of a chunk
/// already decoded (so the decoded postings come from the cache, unchecked against the
/// count): the engine sized a list of empty position lists by the count (capacity
/// overflow, or an allocation the size of the count that aborts the worker). Found by
/// the long fuzz run (engine-edited-shards).
#[test]
fn a_huge_count_of_a_chunk_without_positions_is_corrupt() {
    let index = index();
    let files = with_every_entry_edited(index, |e| {
        // A second reference to the first chunk (its decoded postings are cached by
        // place), claiming a huge count and no positions.
        if let Some(first) = e.chunks.first().cloned() {
            let mut copy = first;
            copy.count = 1 << 60;
            copy.pos = None;
            e.chunks.push(copy);
        }
    });
    for query in ["barn unga kommun", "\"barn och unga\"", "samverkan"] {
        for budget in [false, true] {
            let mut engine = Engine::new(&files[&index.meta]).unwrap();
            with_allocation_limit(limit_for(1 << 20), || {
                drive(&mut engine, &files, &request(query, budget, 0))
            })
            .unwrap()
            .unwrap();
        }
    }
}

/// Found by `fuzz_engine_on_corrupt_index` (a run of length u64::MAX): a validity table
/// whose run would end past u32 (or overflow u64) is corrupt, not an overflow.
#[test]
fn a_validity_run_of_huge_length_is_corrupt_not_an_overflow() {
    let mut e = format::Enc::default();
    e.bytes(b"SSV1");
    e.usize(1);
    e.var(15_548_963_225_554_394_093);
    e.var(u64::MAX);
    e.var(0);
    e.var(0);
    assert!(ValidityTable::decode(&e.buf).is_err());
    let mut e = format::Enc::default();
    e.bytes(b"SSV1");
    e.usize(1);
    e.var(1);
    e.var(u64::MAX);
    e.var(0);
    e.var(0);
    assert!(ValidityTable::decode(&e.buf).is_err());
}
