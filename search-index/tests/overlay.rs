//! The live preview's overlay: an index of changed pages searched beside the full index,
//! in place of those pages (src/overlay.rs, src/reader/overlay.rs).

use std::path::Path;

use search_index::overlay::{self, Base};
use search_index::reader::{Request, SearchResult, open_static, search_opened};
use search_index::synonyms::Synonyms;
use search_index::{PageFields, SectionDoc, build_browser_index};
use std::sync::Arc;

const WORDS: &[&str] = &[
    "barn",
    "unga",
    "skola",
    "plan",
    "stöd",
    "familj",
    "samverkan",
    "insats",
    "vård",
    "kommun",
    "region",
    "ansvar",
    "möte",
    "rutin",
    "uppföljning",
    "tidig",
];

/// Pages of eleven sections (two virtual pages each), some with a status and a date.
fn page(p: usize, extra: &str) -> Vec<SectionDoc> {
    (0..11)
        .map(|s| {
            let words: Vec<&str> = (0..25)
                .map(|k| WORDS[(p * 5 + s * 3 + k * k) % WORDS.len()])
                .collect();
            SectionDoc {
                page: Arc::new(PageFields {
                    title: format!("Sida {p} om {}", WORDS[p % WORDS.len()]),
                    kind: if p.is_multiple_of(2) {
                        "agreement"
                    } else {
                        "page"
                    }
                    .into(),
                    status: p.is_multiple_of(3).then(|| "in-force".into()),
                    valid_from_day: (p % 4 == 1).then_some(18_000),
                    ..Default::default()
                }),
                heading: if s == 0 {
                    String::new()
                } else {
                    format!("Del {s} {}", WORDS[(p + s) % WORDS.len()])
                },
                body: format!("{} {extra}", words.join(" ")),
                url: format!("sida{p}.html#d{s}"),
            }
        })
        .collect()
}

fn book(changed: Option<(usize, &str)>) -> Vec<SectionDoc> {
    (0..12)
        .flat_map(|p| match changed {
            Some((c, extra)) if c == p => page(p, extra),
            _ => page(p, ""),
        })
        .collect()
}

fn request(query: &str) -> Request {
    Request {
        query: query.into(),
        filters: Default::default(),
        // Every section of the book: ties (broken by section number, which an overlay's
        // sections do not keep) decide no cut.
        limit: 200,
        fragments: 200,
        budget: 0,
        early: false,
    }
}

/// (URL, score) of each hit, ties by URL.
fn hits(r: &SearchResult) -> Vec<(String, f32)> {
    let mut out: Vec<(String, f32)> = r
        .hits
        .iter()
        .map(|h| {
            let f = h.fragment.as_ref().expect("every hit with its text");
            (f.url.clone(), h.score)
        })
        .collect();
    assert!(out.windows(2).all(|w| w[0].1 >= w[1].1), "best first");
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

fn search_base(dir: &Path, query: &str) -> SearchResult {
    let (mut engine, files) = open_static(dir).unwrap();
    search_opened(&mut engine, dir, &request(query), files)
        .unwrap()
        .0
}

fn search_with_overlay(dir: &Path, query: &str) -> SearchResult {
    let mut engine = overlay::open(dir).unwrap();
    search_opened(&mut engine, dir, &request(query), Vec::new())
        .unwrap()
        .0
}

fn base(docs: &[SectionDoc], dir: &Path) -> Base {
    overlay::build_base(docs, &Synonyms::default(), dir)
        .unwrap()
        .1
}

/// A full index in `dir` of the book whose page 5 has the word "gammaltord", and overlay
/// `n` of page 5 with "zebrakort" in its place. Returns the base, page 5's new sections and
/// the virtual pages they hide.
fn page_five_changed(dir: &Path, n: u64) -> (Base, Vec<SectionDoc>, Vec<u32>) {
    let base = base(&book(Some((5, "gammaltord"))), dir);
    assert!(!search_base(dir, "gammaltord").hits.is_empty());
    let changed: Vec<SectionDoc> = book(Some((5, "zebrakort")))
        .into_iter()
        .filter(|d| d.url.starts_with("sida5."))
        .collect();
    let hidden = base.vpages_of(["sida5.html"]);
    overlay::write(&changed, &Synonyms::default(), &base, &hidden, dir, n).unwrap();
    (base, changed, hidden)
}

const QUERIES: &[&str] = &[
    "barn",
    "skola plan",
    "familj stöd rutin",
    "\"tidig uppföljning\"",
];

#[test]
fn an_overlay_of_unchanged_pages_ranks_as_the_full_index_does() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("search-index");
    let docs = book(None);
    let base = base(&docs, &dir);
    let before: Vec<_> = QUERIES
        .iter()
        .map(|q| hits(&search_base(&dir, q)))
        .collect();
    // Pages 3 and 4 again, as they were: the same scores (the full index's statistics),
    // the same order, the same URLs.
    let again: Vec<SectionDoc> = docs
        .iter()
        .filter(|d| d.url.starts_with("sida3.") || d.url.starts_with("sida4."))
        .cloned()
        .collect();
    let hidden = base.vpages_of(["sida3.html", "sida4.html"]);
    assert_eq!(hidden.len(), 4, "two virtual pages each");
    overlay::write(&again, &Synonyms::default(), &base, &hidden, &dir, 1).unwrap();
    for (q, expected) in QUERIES.iter().zip(&before) {
        let merged = hits(&search_with_overlay(&dir, q));
        assert!(!expected.is_empty(), "{q}");
        assert_eq!(&merged, expected, "{q}");
    }
    // The full index alone still answers as before (the overlay is in manifest.json only).
    assert_eq!(hits(&search_base(&dir, "barn")), before[0]);
}

#[test]
fn a_changed_page_is_found_by_its_new_words_and_no_longer_by_its_old_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("search-index");
    let (base, changed, hidden) = page_five_changed(&dir, 7);

    let found = search_with_overlay(&dir, "zebrakort");
    assert_eq!(found.hits.len(), 11, "every section of the page");
    assert!(
        hits(&found)
            .iter()
            .all(|(url, _)| url.starts_with("sida5.html#"))
    );
    assert!(search_base(&dir, "zebrakort").hits.is_empty());
    assert!(search_with_overlay(&dir, "gammaltord").hits.is_empty());

    // A common word: the other pages' hits as before, page 5's from the overlay, one
    // ranking; section numbers of the overlay after the full index's.
    let all = search_with_overlay(&dir, "barn");
    let full = search_base(&dir, "barn");
    let others = |r: &SearchResult| -> Vec<(String, f32)> {
        hits(r)
            .into_iter()
            .filter(|(u, _)| !u.starts_with("sida5."))
            .collect()
    };
    assert_eq!(others(&all), others(&full));
    let n_vpages = open_static(&dir).unwrap().0.meta.n_vpages;
    for h in &all.hits {
        let url = &h.fragment.as_ref().unwrap().url;
        assert_eq!(url.starts_with("sida5."), h.doc >> 3 >= n_vpages, "{url}");
    }

    // A later overlay replaces this one, files and all.
    overlay::write(&changed, &Synonyms::default(), &base, &hidden, &dir, 8).unwrap();
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| overlay::is_overlay_file(n))
        .collect();
    assert!(!names.is_empty());
    assert!(names.iter().all(|n| n.starts_with("o8-")), "{names:?}");
    assert_eq!(search_with_overlay(&dir, "zebrakort").hits.len(), 11);
}

#[test]
fn a_removed_page_is_hidden_and_a_full_rebuild_drops_the_overlay() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("search-index");
    let docs = book(Some((2, "försvinnande")));
    let base = base(&docs, &dir);
    let hidden = base.vpages_of(["sida2.html"]);
    overlay::write(&[], &Synonyms::default(), &base, &hidden, &dir, 1).unwrap();
    assert!(search_with_overlay(&dir, "försvinnande").hits.is_empty());
    assert!(
        hits(&search_with_overlay(&dir, "barn"))
            .iter()
            .all(|(u, _)| !u.starts_with("sida2."))
    );
    build_browser_index(&docs, &Synonyms::default(), &dir).unwrap();
    assert_eq!(search_with_overlay(&dir, "försvinnande").hits.len(), 11);
}

#[test]
fn overlay_files_are_told_from_the_full_index_files() {
    for name in ["o1-t0-0000abcd.bin", "o12-f3-00000001.bin"] {
        assert!(overlay::is_overlay_file(name), "{name}");
    }
    for name in [
        "t0-0000abcd.bin",
        "manifest.json",
        "o-x.bin",
        "ox1-a.bin",
        "bundle-1.bin",
    ] {
        assert!(!overlay::is_overlay_file(name), "{name}");
    }
}

/// The wasm readers' answers (`tests/js/wasm_smoke.js`, run by Node as the worker runs the
/// module) over `dir`, one JSON line per query; None, with a notice, without Node.
fn wasm_answers(wasm: &str, dir: &Path, queries: &[&str]) -> Option<Vec<serde_json::Value>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = match std::process::Command::new("node")
        .arg(root.join("tests/js/wasm_smoke.js"))
        .arg(root.join("..").join(wasm))
        .arg(dir)
        .args(queries)
        .output()
    {
        Ok(out) => out,
        Err(_) => {
            eprintln!("node not found: skipping the wasm reader check");
            return None;
        }
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
    )
}

#[test]
fn the_previews_wasm_reader_searches_the_overlay_as_the_native_reader_does() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("search-index");
    page_five_changed(&dir, 3);
    let queries = [
        "zebrakort",
        "gammaltord",
        "barn",
        "skola plan",
        "familj zebrakort",
    ];
    let Some(preview) = wasm_answers("src/serve/search_index_preview.wasm", &dir, &queries) else {
        return;
    };
    for (q, line) in queries.iter().zip(&preview) {
        assert_eq!(line["overlay"], true);
        let mut engine = overlay::open(&dir).unwrap();
        let req = Request {
            limit: 10,
            fragments: 5,
            ..request(q)
        };
        let native = search_opened(&mut engine, &dir, &req, Vec::new())
            .unwrap()
            .0;
        let docs: Vec<u32> = native.hits.iter().map(|h| h.doc).collect();
        assert_eq!(line["docs"], serde_json::json!(docs), "{q}: {line}");
    }
    assert!(
        preview[0]["urls"][0]
            .as_str()
            .unwrap()
            .starts_with("sida5.html#")
    );
    assert_eq!(preview[1]["docs"], serde_json::json!([]));
}
