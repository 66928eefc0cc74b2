//! Marks on arrival (`Engine::marks`, the wasm export `ss_marks`): the words of a page's text
//! that a query highlights, with the analysis of the search (stems, compounds, exact
//! abbreviations), fetching the query's term shards first.

use std::sync::OnceLock;

use proptest::prelude::*;
use search_index::reader::{MarkStep, open_static, read_index_file};
use search_index::{PageFields, SectionDoc, build_site_index};
use std::sync::Arc;

fn section(url: &str, heading: &str, body: &str) -> SectionDoc {
    SectionDoc {
        page: Arc::new(PageFields {
            title: "Samverkan".into(),
            kind: "page".into(),
            ..Default::default()
        }),
        heading: heading.into(),
        body: body.into(),
        url: url.into(),
    }
}

/// A small index, built once for all tests.
fn index() -> &'static std::path::Path {
    static INDEX: OnceLock<tempfile::TempDir> = OnceLock::new();
    INDEX
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let docs = [
                section(
                    "a.html#barn",
                    "Barn och unga",
                    "Barnen och barnhälsovården samverkar. En SIP upprättas.",
                ),
                section(
                    "b.html#sip",
                    "Samordnad individuell plan",
                    "Planen kallas SIP och skrivs med vårdnadshavare.",
                ),
            ];
            build_site_index(&docs, dir.path()).unwrap();
            dir
        })
        .path()
}

/// The byte ranges of `text` marked for `query`, after fetching what the engine needs.
fn ranges(query: &str, text: &str) -> Vec<(usize, usize)> {
    let dir = index();
    let (mut engine, _) = open_static(dir).unwrap();
    for _ in 0..10 {
        match engine.marks(query, text).unwrap() {
            MarkStep::Need(files) => {
                assert!(!files.is_empty(), "a step that needs nothing");
                for f in files {
                    let (bytes, _) = read_index_file(dir, &f).unwrap();
                    engine.add_file(&f, bytes);
                }
            }
            MarkStep::Done(ranges) => return ranges,
        }
    }
    panic!("marks did not finish");
}

/// The words of `text` marked for `query`.
fn marked(query: &str, text: &str) -> Vec<String> {
    ranges(query, text)
        .iter()
        .map(|&(a, b)| text[a..b].to_string())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Any query over any text: no panic; the marks are whole, ordered, disjoint words of the
    /// text, and their JSON has a UTF-16 offset within the text for each end.
    #[test]
    fn marks_fall_on_the_texts_words_for_any_input(query in "\\PC{0,20}", text in "\\PC{0,120}") {
        let found = ranges(&query, &text);
        let mut end = 0;
        for &(a, b) in &found {
            prop_assert!(a >= end && a < b && b <= text.len());
            prop_assert!(text.is_char_boundary(a) && text.is_char_boundary(b));
            end = b;
        }
        let json = search_index::json::marks_json(&MarkStep::Done(found.clone()), &text);
        let units = text.encode_utf16().count() as u64;
        let inner = json.trim_start_matches("{\"marks\":[").trim_end_matches("]}");
        let offsets: Vec<u64> = inner.split(',').filter(|s| !s.is_empty()).map(|s| s.parse().unwrap()).collect();
        prop_assert_eq!(offsets.len(), 2 * found.len());
        prop_assert!(offsets.iter().all(|&o| o <= units));
    }
}

#[test]
fn marks_use_the_search_analysis_inflections_compounds_and_exact_abbreviations() {
    let text = "Barnen och barnhälsovården samverkar. En SIP upprättas; sipp och Barn.";
    assert_eq!(
        marked("barnen", text),
        ["Barnen", "barnhälsovården", "Barn"],
        "an inflection marks its stem's words and the compounds that contain it"
    );
    assert_eq!(
        marked("SIP", text),
        ["SIP"],
        "an abbreviation marks itself only"
    );
    assert_eq!(
        marked("samverk", text),
        ["samverkar"],
        "a last word that is no word of the index marks the words it begins"
    );
    assert!(marked("qxzvwyk", text).is_empty());
}

#[test]
fn marks_json_gives_utf16_offsets() {
    let text = "Åtgärd för 👪 barnen";
    let at = text.find("barnen").unwrap();
    let json = search_index::json::marks_json(&MarkStep::Done(vec![(at, at + 6)]), text);
    // "Åtgärd för " is 11 UTF-16 units, the emoji 2 and a space: "barnen" starts at 14.
    assert_eq!(json, r#"{"marks":[14,20]}"#);
}
