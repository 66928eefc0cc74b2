//! Marks on arrival (`Engine::marks`, the wasm export `ss_marks`): the words of a page's text
//! that a query highlights, with the analysis of the search (stems, compounds, exact
//! abbreviations), fetching the query's term shards first.

use search_index::reader::{MarkStep, open_static, read_index_file};
use search_index::{SectionDoc, build_site_index};

fn section(url: &str, heading: &str, body: &str) -> SectionDoc {
    SectionDoc {
        title: "Samverkan".into(),
        heading: heading.into(),
        body: body.into(),
        kind: "page".into(),
        url: url.into(),
        ..Default::default()
    }
}

/// The words of `text` marked for `query` over a small index, after fetching what it needs.
fn marked(query: &str, text: &str) -> Vec<String> {
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
    let (mut engine, _) = open_static(dir.path()).unwrap();
    let mut fetched = 0;
    loop {
        match engine.marks(query, text).unwrap() {
            MarkStep::Need(files) => {
                assert!(!files.is_empty() && fetched < 10, "no progress: {files:?}");
                fetched += 1;
                for f in files {
                    let (bytes, _) = read_index_file(dir.path(), &f).unwrap();
                    engine.add_file(&f, bytes);
                }
            }
            MarkStep::Done(ranges) => {
                return ranges
                    .iter()
                    .map(|&(a, b)| text[a..b].to_string())
                    .collect();
            }
        }
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
