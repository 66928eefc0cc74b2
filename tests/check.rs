//! `samsyn check`: every kind of problem is reported, all at once, with file, line,
//! column and a suggestion; human and JSON output.

mod common;
use common::*;
use serde_json::Value;

fn find<'a>(diags: &'a [Value], code: &str, file: &str, line: u64) -> &'a Value {
    diags
        .iter()
        .find(|d| d["code"] == code && d["file"] == file && d["line"] == line)
        .unwrap_or_else(|| panic!("no {code} at {file}:{line} in {diags:#?}"))
}

const SUMMARY: &str = "# S\n\n- [A](a.md)\n- [B](b/b.md)\n- [C](c.md)\n";

#[test]
fn every_problem_is_reported_with_position_and_suggestion() {
    let tmp = tempfile::tempdir().unwrap();
    write_book(
        tmp.path(),
        &[
            ("SUMMARY.md", SUMMARY),
            (
                "a.md",
                "+++\nkind = \"agreement\"\ndoc_id = \"1\"\nstatuss = \"draft\"\nreview_by = 2020-01-01\n+++\n# A\n\n## Ansvar {#ansvar}\n\n#### Djup\n\n[x](b/b.md#mall) [y](doc:2) [z](../utanfor.md) [w](/abs.md)\n\n![bild](bild.pngg) [u](ej-listad.md)\n\n<a href=\"c.md#nej\">h</a>\n\n[r][def]\n\n[def]: b/bb.md\n",
            ),
            (
                "b/b.md",
                "+++\ndoc_id = \"1\"\n+++\n# B\n\n## Mål\n\n[tillbaka](../a.md#ansvar) [rätt](doc:1#ansvar) [mapp](../b/)\n",
            ),
            ("c.md", "# C\n\n[här](#saknas)\n"),
            ("ej-listad.md", "# E\n"),
            ("bild.png", "x"),
        ],
    );
    let (code, diags) = check_json(tmp.path());
    assert_eq!(code, Some(1));
    let expect = |code: &str, file: &str, line: u64, column: u64, suggestion: Option<&str>| {
        let d = find(&diags, code, file, line);
        assert_eq!(d["column"], column, "{d}");
        if let Some(s) = suggestion {
            assert!(d["suggestion"].as_str().unwrap_or("").contains(s), "{d}");
        }
        for key in ["severity", "message"] {
            assert!(d[key].is_string(), "{d}");
        }
    };
    expect(
        "front-matter-unknown-key",
        "book/src/a.md",
        4,
        1,
        Some("`status`"),
    );
    expect("review-overdue", "book/src/a.md", 5, 1, None);
    expect("heading-level-skipped", "book/src/a.md", 11, 1, Some("###"));
    expect("broken-anchor", "book/src/a.md", 13, 5, Some("#mål"));
    expect("unknown-doc-id", "book/src/a.md", 13, 22, Some("doc_id"));
    expect("link-outside-book", "book/src/a.md", 13, 33, None);
    expect("absolute-link", "book/src/a.md", 13, 52, None);
    expect("broken-link", "book/src/a.md", 15, 9, Some("bild.png"));
    expect(
        "link-to-unlisted-page",
        "book/src/a.md",
        15,
        24,
        Some("SUMMARY.md"),
    );
    expect("duplicate-doc-id", "book/src/b/b.md", 2, 1, None);
    expect(
        "unlisted-page",
        "book/src/ej-listad.md",
        0,
        0,
        Some("SUMMARY.md"),
    );
    expect("broken-anchor", "book/src/c.md", 3, 7, None);
    // Raw HTML and reference definitions are checked where they are written.
    assert!(
        diags
            .iter()
            .any(|d| d["line"] == 17 && d["code"] == "broken-anchor"),
        "{diags:#?}"
    );
    assert!(
        diags.iter().any(|d| d["line"] == 21
            && d["code"] == "broken-link"
            && d["suggestion"].as_str().unwrap().contains("b/b.md")),
        "{diags:#?}"
    );
    // Folder links reach the folder's index page? b/ has no index.md: that is an error too.
    assert!(
        diags.iter().any(|d| d["file"] == "book/src/b/b.md"
            && d["line"] == 8
            && d["column"] == 56
            && d["code"] == "link-to-folder"
            && d["suggestion"].as_str().unwrap().contains("`b.md`")),
        "{diags:#?}"
    );

    // Human output: rustc style, the source line and a marker, every problem.
    let out = samsyn(tmp.path(), &["check", "book"]);
    let err = stderr(&out);
    assert!(err.contains("--> book/src/a.md:13:5"), "{err}");
    assert!(err.contains("[x](b/b.md#mall)"), "{err}");
    assert!(err.contains("^^^^^^^^^^^"), "{err}");
    assert!(err.contains("help: menade du `#mål`?"), "{err}");
    assert_eq!(
        err.matches("error[").count(),
        diags.iter().filter(|d| d["severity"] == "error").count()
    );
}

#[test]
fn missing_summary_entries_are_all_reported_and_nothing_is_created() {
    let tmp = tempfile::tempdir().unwrap();
    write_book(
        tmp.path(),
        &[
            (
                "SUMMARY.md",
                "# S\n\n- [A](a.md)\n- [Bra](bra.md)\n    - [Ny](ny/sida.md)\n",
            ),
            ("a.md", "# A\n"),
            ("bar.md", "# Bar\n"),
        ],
    );
    let (code, diags) = check_json(tmp.path());
    assert_eq!(code, Some(1));
    let missing: Vec<_> = diags
        .iter()
        .filter(|d| d["code"] == "missing-chapter")
        .collect();
    assert_eq!(missing.len(), 2, "{diags:#?}");
    assert_eq!(missing[0]["line"], 4);
    assert_eq!(missing[0]["column"], 9);
    assert!(
        missing[0]["suggestion"]
            .as_str()
            .unwrap()
            .contains("bar.md")
    );
    assert_eq!(missing[1]["line"], 5);
    assert!(
        !tmp.path().join("book/src/bra.md").exists(),
        "no empty page is created"
    );
    assert!(!tmp.path().join("book/src/ny").exists());
}

#[test]
fn bad_front_matter_values_get_typed_suggestions() {
    let tmp = tempfile::tempdir().unwrap();
    write_book(
        tmp.path(),
        &[
            ("SUMMARY.md", "- [A](a.md)\n"),
            (
                "a.md",
                "+++\nkind = \"agrement\"\ndoc_id = 104623\nvalid_from = \"27/11/2020\"\nservices = \"Skola\"\nowner = true\n+++\n# A\n",
            ),
        ],
    );
    let (code, diags) = check_json(tmp.path());
    assert_eq!(code, Some(1));
    let by_line = |l: u64| {
        diags
            .iter()
            .find(|d| d["line"] == l)
            .unwrap_or_else(|| panic!("line {l}: {diags:#?}"))
    };
    assert!(
        by_line(2)["suggestion"]
            .as_str()
            .unwrap()
            .contains("agreement")
    );
    assert!(
        by_line(3)["suggestion"]
            .as_str()
            .unwrap()
            .contains("doc_id = \"104623\"")
    );
    assert!(
        by_line(4)["suggestion"]
            .as_str()
            .unwrap()
            .contains("2024-10-31")
    );
    assert!(
        by_line(5)["suggestion"]
            .as_str()
            .unwrap()
            .contains("[\"Skola\"]")
    );
    assert!(
        by_line(6)["suggestion"]
            .as_str()
            .unwrap()
            .contains("owner = \"")
    );
}

/// The bundled book warns only of what is true of its sources: an overdue revision, two
/// links whose text is the bare address the source documents print (changing it would
/// change the documents), and that its book.toml names no contact for accessibility
/// problems (the sources give none, so none is invented).
#[test]
fn the_bundled_book_checks_clean_but_for_true_findings() {
    let out = samsyn(&repo(), &["check", "book", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let diags: Vec<Value> = serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone();
    let found: Vec<(&str, &str, u64)> = diags
        .iter()
        .filter(|d| d["code"] != "review-overdue")
        .map(|d| {
            (
                d["code"].as_str().unwrap(),
                d["file"].as_str().unwrap(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("accessibility-contact-missing", "book/book.toml", 0),
            (
                "link-text-url",
                "book/src/handlingsplaner/gemensam-handlingsplan/reko.md",
                66
            ),
            (
                "link-text-url",
                "book/src/handlingsplaner/handlingsplan-2017.md",
                90
            ),
        ],
        "{diags:#?}"
    );
}

#[test]
fn raw_html_that_the_sites_policy_blocks_is_a_located_warning() {
    let tmp = tempfile::tempdir().unwrap();
    write_book(
        tmp.path(),
        &[
            ("SUMMARY.md", "# S\n\n- [A](a.md)\n"),
            (
                "a.md",
                "# A\n\nText <span style=\"color: red\">röd</span>.\n\n<button onclick=\"go()\">Gå</button>\n\n<script>go()</script>\n",
            ),
        ],
    );
    let (code, diags) = check_json(tmp.path());
    assert_eq!(code, Some(0), "warnings only: {diags:#?}");
    let blocked: Vec<_> = diags
        .iter()
        .filter(|d| d["code"] == "blocked-by-csp")
        .map(|d| (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap()))
        .collect();
    assert_eq!(blocked, [(3, 12), (5, 9), (7, 1)], "{diags:#?}");
    assert!(
        diags.iter().all(|d| d["severity"] == "warning"),
        "{diags:#?}"
    );
}

/// SUMMARY.md is read as a page is: a byte-order mark does not shift the columns of line
/// 1, and bytes that are not UTF-8 are a content error at the first bad byte (exit 1),
/// not a configuration error.
#[test]
fn summary_with_a_bom_or_bad_bytes_is_located_like_a_page() {
    let tmp = tempfile::tempdir().unwrap();
    write_book(
        tmp.path(),
        &[
            ("SUMMARY.md", "\u{feff}- [Saknas](saknas.md)\n"),
            ("a.md", "# A\n"),
        ],
    );
    let (code, diags) = check_json(tmp.path());
    assert_eq!(code, Some(1));
    let missing = find(&diags, "missing-chapter", "book/src/SUMMARY.md", 1);
    assert_eq!(missing["column"], 12, "{missing}");

    let summary = tmp.path().join("book/src/SUMMARY.md");
    std::fs::write(&summary, b"# S\n\n- [A](a.md)\n- [B\xe5](a.md)\n").unwrap();
    let (code, diags) = check_json(tmp.path());
    assert_eq!(code, Some(1), "{diags:#?}");
    let bad = find(&diags, "invalid-utf8", "book/src/SUMMARY.md", 4);
    assert_eq!(bad["column"], 5, "{bad}");
}
