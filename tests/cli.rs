//! The command line as people type it: `samsyn search` with several words and words that
//! start with `-`, output into a reader that stops reading (`| head`), and `doc:` links
//! written with the scheme in capitals.

mod common;
use common::*;
use std::path::Path;
use std::process::{Command, Stdio};

/// The URLs of `samsyn search SITE ARGS… --json`, asserting that it succeeded.
fn search_urls(cwd: &Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["search", "--json"];
    all.extend_from_slice(args);
    let out = samsyn(cwd, &all);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    let hits: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stdout(&out)));
    hits.as_array()
        .unwrap()
        .iter()
        .map(|h| h["url"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn search_takes_several_words_and_words_that_start_with_a_hyphen() {
    let (tmp, _site) = build(&fixture("basic"));
    let cwd = tmp.path();

    // Several words after the site folder are one query, as the help says.
    let quoted = search_urls(cwd, &["site", "samordnad individuell plan"]);
    assert!(
        quoted.iter().any(|u| u == "avtal/huvud.html#sip"),
        "{quoted:?}"
    );
    assert_eq!(
        search_urls(cwd, &["site", "samordnad", "individuell", "plan"]),
        quoted
    );
    // Without a site folder the words search `site/` of the working folder.
    assert_eq!(
        search_urls(cwd, &["samordnad", "individuell", "plan"]),
        quoted
    );

    // `-ord` excludes a word wherever it stands, and options still work after the words.
    let sip = search_urls(cwd, &["site", "sip"]);
    assert!(sip.iter().any(|u| u == "avtal/huvud.html#sip"), "{sip:?}");
    for args in [
        &["site", "sip", "-text"][..],
        &["site", "-text", "sip"][..],
        &["-text", "sip", "--site", "site"][..],
        &["site", "--", "-text", "sip"][..],
    ] {
        let urls = search_urls(cwd, args);
        assert!(
            !urls.iter().any(|u| u == "avtal/huvud.html#sip"),
            "{args:?}: {urls:?}"
        );
    }
    let limited = search_urls(cwd, &["site", "sip", "-text", "--limit", "1"]);
    assert!(limited.len() <= 1, "{limited:?}");
    let limited = search_urls(cwd, &["site", "samordnad", "plan", "--limit=1"]);
    assert_eq!(limited.len(), 1, "{limited:?}");

    // After `--` every argument is a word of the query, even one that looks like an
    // option; the site folder is still found as without `--`.
    for args in [
        &["--", "-text", "sip"][..],
        &["--", "site", "-text", "sip"][..],
    ] {
        let urls = search_urls(cwd, args);
        assert!(
            !urls.iter().any(|u| u == "avtal/huvud.html#sip"),
            "{args:?}: {urls:?}"
        );
    }
    let out = samsyn(cwd, &["search", "site", "--", "sip", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("1. Huvudavtal"),
        "the human output, `--json` excluded a word: {}",
        stdout(&out)
    );

    // A mistyped option is a usage error that names the option meant, not an exclusion.
    let out = samsyn(cwd, &["search", "site", "sip", "--jsn"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("menade du `--json`?"),
        "{}",
        stderr(&out)
    );

    // A query of one excluded word is a query, not a usage error.
    let out = samsyn(cwd, &["search", "site", "-barn"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // A site folder and no query is a usage error that says what is missing.
    let out = samsyn(cwd, &["search", "site"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("ange en sökfråga"),
        "{}",
        stderr(&out)
    );
}

/// Runs samsyn with its stdout (or stderr) the write end of a pipe whose read end is
/// already closed: every write fails with a broken pipe, as under `| head` once head
/// has exited.
fn run_into_closed_pipe(cwd: &Path, args: &[&str], closed_stderr: bool) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_samsyn"));
    cmd.args(args)
        .current_dir(cwd)
        .env("SAMSYN_TODAY", TODAY)
        .env("NO_COLOR", "1");
    if closed_stderr {
        cmd.stdout(Stdio::piped()).stderr(writer);
    } else {
        cmd.stdout(writer).stderr(Stdio::piped());
    }
    cmd.output().expect("samsyn runs")
}

#[test]
fn output_into_a_closed_pipe_is_not_a_panic() {
    let (tmp, _site) = build(&fixture("basic"));
    let cwd = tmp.path();
    for args in [
        &["search", "site", "sip", "--limit", "50"][..],
        &["search", "site", "sip", "--json"][..],
        &[
            "check",
            fixture("basic").to_str().unwrap(),
            "--format",
            "json",
        ][..],
    ] {
        let out = run_into_closed_pipe(cwd, args, false);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(
            !stderr(&out).contains("panicked"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    // Diagnostics into a closed stderr: the exit code still says what happened.
    let broken = tmp.path().join("broken");
    copy_dir(&fixture("basic"), &broken);
    std::fs::write(broken.join("src/om.md"), "# Om\n\n[x](saknas.md)\n").unwrap();
    let out = run_into_closed_pipe(cwd, &["check", broken.to_str().unwrap()], true);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn doc_links_with_the_scheme_in_capitals_are_checked_and_rewritten() {
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("book");
    copy_dir(&fixture("basic"), &book);
    let om = book.join("src/om.md");
    let text = std::fs::read_to_string(&om).unwrap();
    std::fs::write(
        &om,
        text.replace("(doc:100#sip)", "(DOC:100#sip) [b](Doc:999)"),
    )
    .unwrap();

    let out = samsyn(tmp.path(), &["check", "book", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let diags: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let unknown: Vec<_> = diags
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "unknown-doc-id")
        .collect();
    assert_eq!(unknown.len(), 1, "{diags:#}");
    assert_eq!(unknown[0]["file"], "book/src/om.md");
    assert_eq!(unknown[0]["line"], 3);
    assert!(unknown[0]["message"].as_str().unwrap().contains("999"));

    std::fs::write(&om, text.replace("(doc:100#sip)", "(DOC:100#sip)")).unwrap();
    let (_out, site) = build(&book);
    let doc = parse(&site, "om.html");
    let hrefs: Vec<_> = doc
        .select(&sel("main a[href]"))
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect();
    assert!(
        hrefs.iter().any(|h| h == "avtal/huvud.html#sip"),
        "{hrefs:?}"
    );
    assert!(
        !hrefs.iter().any(|h| h.to_lowercase().starts_with("doc:")),
        "{hrefs:?}"
    );
}

#[test]
fn search_names_a_hit_before_the_first_heading_by_its_page() {
    let tmp = tempfile::tempdir().unwrap();
    write_book(
        tmp.path(),
        &[
            ("SUMMARY.md", "# S\n\n- [Tolkar](tolk.md)\n"),
            (
                "tolk.md",
                "Tolkning beställs i förväg.\n\n## Avbokning\n\nTolkning avbokas senast dagen före.\n",
            ),
        ],
    );
    let (_site_tmp, site) = build(&tmp.path().join("book"));
    let site_arg = site.to_str().unwrap();

    let out = samsyn(tmp.path(), &["search", site_arg, "tolkning", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let named: Vec<_> = hits
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["url"].as_str().unwrap(),
                h["heading"].as_str().unwrap(),
                h["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        sorted(named),
        [
            ("tolk.html", "Tolkar", "page"),
            ("tolk.html#avbokning", "Avbokning", "page")
        ]
    );

    // The page alone when the section is named by the page, `page › heading` otherwise.
    let out = samsyn(tmp.path(), &["search", site_arg, "tolkning"]);
    let text = stdout(&out);
    let titles: Vec<_> = text
        .lines()
        .filter(|l| l.starts_with(char::is_numeric))
        .map(|l| l.split_once(". ").unwrap().1.split(" (").next().unwrap())
        .collect();
    assert_eq!(sorted(titles), ["Tolkar", "Tolkar › Avbokning"], "{text}");
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}
