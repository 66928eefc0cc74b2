//! Search over the bundled book: relevance on the judged query set
//! (`tests/relevance/queries.json`, MRR floor over `samsyn search --json`) and the search
//! UI in headless Chromium from a plain static server in a subfolder
//! (`tests/browser/search-ui.mjs`). The browser test needs Node, Chromium and
//! playwright-core (`scripts/setup` installs them); without them it fails, it does not skip.

mod common;

use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// MRR of `samsyn search` over the judged set must stay at or above this. Measured 0.960
/// (recall@3 1.0) over 54 queries after typo tolerance, stop words, -ing derivations and
/// the coverage ranking (0.80 and 0.83 before); set slightly below so that noise from small
/// ranking changes passes and a real regression fails.
const MRR_FLOOR: f64 = 0.95;
/// Hits looked at per query (a relevant section below this rank counts as not found).
const DEPTH: usize = 10;

struct Judged {
    q: String,
    kind: String,
    relevant: Vec<String>,
}

/// The judged set in `tests/relevance/<file>`.
fn judged_in(file: &str) -> Vec<Judged> {
    let text = std::fs::read_to_string(repo().join("tests/relevance").join(file)).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).expect("judged set is JSON");
    v["queries"]
        .as_array()
        .expect("`queries` array")
        .iter()
        .map(|q| Judged {
            q: q["q"].as_str().expect("q").to_string(),
            kind: q["type"].as_str().unwrap_or("").to_string(),
            relevant: q["relevant"]
                .as_array()
                .expect("relevant")
                .iter()
                .map(|r| r.as_str().unwrap().to_string())
                .collect(),
        })
        .collect()
}

fn judged() -> Vec<Judged> {
    judged_in("queries.json")
}

/// The id of a page's h1 (its top section's anchor), if any.
fn h1_id(site: &Path, page: &str) -> Option<String> {
    parse(site, page)
        .select(&sel("h1[id]"))
        .next()
        .map(|h| h.value().attr("id").unwrap().to_string())
}

/// Every URL form that counts as the judged section: `page.html#id` as written; a bare
/// `page.html` also as `page.html#<its h1 id>`.
fn accepted(site: &Path, relevant: &[String]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for r in relevant {
        out.insert(r.clone());
        if !r.contains('#')
            && let Some(id) = h1_id(site, r)
        {
            out.insert(format!("{r}#{id}"));
        }
    }
    out
}

/// The hits of `samsyn search SITE ARGS… --json`, in rank order (the command must succeed).
fn cli_json(site: &Path, args: &[&str]) -> Vec<serde_json::Value> {
    let mut all = vec!["search", site.to_str().unwrap()];
    all.extend_from_slice(args);
    all.push("--json");
    let out = samsyn(&repo(), &all);
    assert!(
        out.status.success(),
        "samsyn search {args:?} failed: {}",
        stderr(&out)
    );
    match serde_json::from_str(&stdout(&out)).expect("--json is JSON") {
        serde_json::Value::Array(hits) => hits,
        other => panic!("--json is an array of hits: {other}"),
    }
}

/// Hit URLs (percent-decoded) of `samsyn search SITE QUERY --json`.
fn cli_hits(site: &Path, query: &str, limit: usize) -> Vec<String> {
    cli_json(site, &[query, "--limit", &limit.to_string()])
        .iter()
        .map(|h| decode(h["url"].as_str().expect("hit url")))
        .collect()
}

fn bundled_site() -> (tempfile::TempDir, std::path::PathBuf) {
    build(&repo().join("book"))
}

#[test]
fn the_judged_set_is_large_enough_and_points_at_real_sections() {
    let (_tmp, site) = bundled_site();
    let set = judged();
    assert!(set.len() >= 30, "only {} judged queries", set.len());
    let paraphrases = judged_in("paraphrases.json");
    assert!(
        paraphrases.len() >= 30,
        "only {} paraphrases",
        paraphrases.len()
    );
    let mut seen = BTreeSet::new();
    let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut problems = Vec::new();
    for j in set.iter().chain(&paraphrases) {
        assert!(!j.q.trim().is_empty(), "empty query");
        assert!(seen.insert(j.q.clone()), "query {:?} judged twice", j.q);
        assert!(!j.relevant.is_empty(), "{:?} has no relevant section", j.q);
        for r in &j.relevant {
            let (page, frag) = r.split_once('#').unwrap_or((r, ""));
            if !site.join(page).is_file() {
                problems.push(format!("{:?}: {page} is not a page of the site", j.q));
                continue;
            }
            let page_ids = ids.entry(page.to_string()).or_insert_with(|| {
                parse(&site, page)
                    .select(&sel("[id]"))
                    .map(|e| e.value().attr("id").unwrap().to_string())
                    .collect()
            });
            if !frag.is_empty() && !page_ids.contains(frag) {
                problems.push(format!("{:?}: {page} has no id {frag}", j.q));
            }
            if frag.is_empty() && h1_id(&site, page).is_none() {
                problems.push(format!("{:?}: {page} has no h1 with an id", j.q));
            }
        }
    }
    // The kinds of queries are all there.
    for kind in ["question", "typo", "folded", "compound", "abbreviation"] {
        assert!(
            set.iter().any(|j| j.kind == kind),
            "no judged query of type {kind}"
        );
    }
    assert!(
        problems.is_empty(),
        "stale judgements:\n{}",
        problems.join("\n")
    );
}

/// MRR and recall@3 of `samsyn search --json` over a judged set, with a per-query table.
struct Scores {
    mrr: f64,
    recall3: f64,
    table: String,
}

fn score(site: &Path, set: &[Judged]) -> Scores {
    let mut rr_sum = 0.0;
    let mut at3 = 0usize;
    let mut table = String::new();
    for j in set {
        let ok = accepted(site, &j.relevant);
        let hits = cli_hits(site, &j.q, DEPTH);
        let rank = hits.iter().position(|u| ok.contains(u)).map(|i| i + 1);
        if let Some(r) = rank {
            rr_sum += 1.0 / r as f64;
            if r <= 3 {
                at3 += 1;
            }
        }
        table.push_str(&format!(
            "{:>5}  {:<12} {:<50} top: {}\n",
            rank.map_or("-".to_string(), |r| r.to_string()),
            j.kind,
            j.q,
            hits.first().map_or("(none)", |s| s.as_str())
        ));
    }
    let n = set.len() as f64;
    let (mrr, recall3) = (rr_sum / n, at3 as f64 / n);
    eprintln!(
        "rank  type         query\n{table}MRR {mrr:.3}, recall@3 {recall3:.3} over {} queries",
        set.len()
    );
    Scores {
        mrr,
        recall3,
        table,
    }
}

#[test]
fn relevance_on_the_judged_set_stays_above_the_floor() {
    let (_tmp, site) = bundled_site();
    let Scores {
        mrr,
        recall3,
        table,
    } = score(&site, &judged());
    assert!(
        mrr >= MRR_FLOOR,
        "MRR {mrr:.3} fell below {MRR_FLOOR} (recall@3 {recall3:.3}):\n{table}"
    );
}

/// Questions in staff's own words (`tests/relevance/paraphrases.json`): particle verbs
/// against their nominalisations, verbs and passives against their nouns, negations against
/// their counterparts. Floors from issue 17.
const PARAPHRASE_RECALL3_FLOOR: f64 = 0.90;
const PARAPHRASE_MRR_FLOOR: f64 = 0.85;

#[test]
fn paraphrased_questions_find_the_sections_that_answer_them() {
    let (_tmp, site) = bundled_site();
    let set = judged_in("paraphrases.json");
    assert!(set.len() >= 30, "only {} paraphrased questions", set.len());
    let Scores {
        mrr,
        recall3,
        table,
    } = score(&site, &set);
    assert!(
        recall3 >= PARAPHRASE_RECALL3_FLOOR && mrr >= PARAPHRASE_MRR_FLOOR,
        "paraphrases: recall@3 {recall3:.3} (floor {PARAPHRASE_RECALL3_FLOOR}), MRR {mrr:.3} \
         (floor {PARAPHRASE_MRR_FLOOR}):\n{table}"
    );
}

/// Queries whose first hit the browser must show, with the sections that may come first
/// (taken from the judged set; these are unambiguous).
const BROWSER_EXPECT: &[&str] = &[
    "skolnärvaro",
    "SIP skola",
    "barnkonventionen",
    "vem ansvarar för hälsoundersökning av placerade barn",
    "vårdnadshavare samtycke",
    "avvikelse samverkan",
    "overenskommelse",
    "hälsovård",
];

#[test]
fn the_search_ui_works_in_chromium_from_a_subfolder_and_agrees_with_the_cli() {
    let (tmp, site) = bundled_site();
    // Served folder: <tmp>/www/sub/site/… (the site is not at the server root).
    let www = tmp.path().join("www");
    copy_dir(&site, &www.join("sub/site"));
    let set = judged();
    let by_q: BTreeMap<&str, &Judged> = set.iter().map(|j| (j.q.as_str(), j)).collect();
    let expect: Vec<serde_json::Value> = BROWSER_EXPECT
        .iter()
        .map(|q| {
            let j = by_q.get(q).unwrap_or_else(|| panic!("{q:?} is not judged"));
            let ok: Vec<String> = accepted(&site, &j.relevant).into_iter().collect();
            serde_json::json!({ "q": q, "relevant": ok })
        })
        .collect();
    let agree: Vec<serde_json::Value> = set
        .iter()
        .map(|j| {
            let top = cli_hits(&site, &j.q, 1).into_iter().next();
            serde_json::json!({ "q": j.q, "top": top })
        })
        .collect();
    let spec = serde_json::json!({
        "page": "sub/site/overenskommelser/huvudoverenskommelse.html",
        "site": "sub/site/",
        "keyboard": { "q": "skolnärvaro" },
        "expect": expect,
        "agree": agree,
    });
    let r = run_browser_script("search-ui.mjs", &www, &spec, tmp.path());
    // The script checked everything; make sure it really ran each part.
    assert_eq!(r["requestsBeforeFocus"].as_array().unwrap().len(), 0);
    assert!(r["indexRequests"].as_u64().unwrap() > 0, "{r}");
    assert_eq!(r["expect"].as_array().unwrap().len(), BROWSER_EXPECT.len());
    assert_eq!(r["agree"].as_array().unwrap().len(), set.len());
    assert_eq!(r["keyboard"]["afterDownDown"], serde_json::json!([1]));
    assert_eq!(r["more"]["first"], 5, "{r}");
    assert!(r["more"]["after"].as_u64().unwrap() > 5, "{r}");
    assert_eq!(r["brokenStatus"], "Sökningen kunde inte startas.");
    assert_eq!(r["xss"]["injected"], 0);
    assert!(r["enterOpened"].as_str().unwrap().contains("/sub/site/"));
    assert!(r["kept"]["fetchedFirst"].as_u64().unwrap() > 0, "{r}");
    assert_eq!(r["kept"]["fragmentFetchedAgain"], true, "{r}");
}

/// On a network with latency (tests/browser/search-rounds.mjs: 100 ms a request, the
/// worker's too), the bundled book's first results come after at most three sequential
/// round trips from the input (start files, term shards, posting chunks with the top
/// page's text), counted from Chromium's request log, not timed; the bundle waits for a
/// second query.
#[test]
fn first_results_take_at_most_three_round_trips_and_the_bundle_waits_for_a_second_query() {
    let (tmp, site) = bundled_site();
    let www = tmp.path().join("www");
    copy_dir(&site, &www.join("site"));
    let spec = serde_json::json!({
        "page": "site/barndialogen/barndialogen-vill.html",
        "q": "samordnad individuell plan",
        "next": "vårdnadshavare",
        "maxRounds": 3,
    });
    let r = run_browser_script("search-rounds.mjs", &www, &spec, tmp.path());
    assert!(r["first"]["rounds"].as_u64().unwrap() <= 3, "{r}");
    assert_eq!(r["bundleAfterOneQuery"], 0, "{r}");
    assert_eq!(r["bundleAfterTwoQueries"], 1, "{r}");
}

/// The open search is an accessible combobox (tests/browser/search-a11y.mjs): the tree's
/// combobox, expanded state and active descendant, the options' names, the count announced
/// once in a polite live region, a visible active hit, axe-core clean on results, with a
/// filter and without hits, keyboard only, and single-key shortcuts that can be turned off.
#[test]
fn the_open_search_is_an_accessible_combobox_announced_once_with_shortcuts_that_can_be_turned_off()
{
    let (tmp, site) = bundled_site();
    let www = tmp.path().join("www");
    copy_dir(&site, &www.join("sub/site"));
    let spec = serde_json::json!({
        "page": "sub/site/overenskommelser/huvudoverenskommelse.html",
        "q": "vårdnadshavare samtycke",
        "none": "qxzvwyk",
    });
    let r = run_browser_script("search-a11y.mjs", &www, &spec, tmp.path());
    // The script checked everything; make sure it really ran each part.
    assert_eq!(r["axe"].as_array().unwrap().len(), 7, "{r}");
    assert_eq!(r["tree"]["expanded"], true, "{r}");
    assert_eq!(r["tree"]["active"]["role"], "option", "{r}");
    assert_eq!(
        r["announce"]["afterLastKey"].as_array().unwrap().len(),
        1,
        "{r}"
    );
    assert_eq!(r["shortcutsOff"]["stored"], "off", "{r}");
    assert!(
        r["enterOpened"].as_str().unwrap().contains("/sub/site/"),
        "{r}"
    );
}

/// A book with one agreement over time: the 2019 version (replaced by the 2021 one, so
/// valid until the end of 2020), the 2021 one in force, a 2027 one without a status, a draft; and a plain page
/// about it without dates. Built with the tests' fixed date (`common::TODAY`).
fn book_over_time(dir: &Path) -> std::path::PathBuf {
    let agreement = |id: &str, dates: &str, status: &str, title: &str| {
        format!(
            "+++\nkind = \"agreement\"\ndoc_id = \"{id}\"\n{dates}{status}+++\n# {title}\n\n\
             Tolkavtalet reglerar tolkning vid möten med vårdnadshavare.\n"
        )
    };
    let pages = [
        (
            "avtal/tolk-2019.md",
            agreement(
                "9019",
                "valid_from = 2019-01-01\n",
                "",
                "Tolkavtal 2019",
            ),
        ),
        (
            "avtal/tolk-2021.md",
            agreement(
                "9021",
                "valid_from = 2021-01-01\nreplaces = [\"doc:9019\"]\n",
                "status = \"in-force\"\n",
                "Tolkavtal 2021",
            ),
        ),
        (
            "avtal/tolk-2027.md",
            agreement("9027", "valid_from = 2027-01-01\n", "", "Tolkavtal 2027"),
        ),
        (
            "avtal/tolk-utkast.md",
            agreement(
                "9000",
                "valid_from = 2020-01-01\n",
                "status = \"draft\"\n",
                "Tolkavtal utkast",
            ),
        ),
        (
            "tolkning.md",
            "# Om tolkning\n\nTolkavtalet finns i dokumentregistret.\n".to_string(),
        ),
        (
            "SUMMARY.md",
            "# Sammanfattning\n\n- [Om tolkning](tolkning.md)\n- [Tolkavtal 2019](avtal/tolk-2019.md)\n\
             - [Tolkavtal 2021](avtal/tolk-2021.md)\n- [Tolkavtal 2027](avtal/tolk-2027.md)\n\
             - [Tolkavtal utkast](avtal/tolk-utkast.md)\n"
                .to_string(),
        ),
    ];
    let files: Vec<(&str, &str)> = pages.iter().map(|(p, t)| (*p, t.as_str())).collect();
    write_book(dir, &files);
    dir.join("book")
}

/// `samsyn search SITE ARGS… --json`: the pages of the hits (file names without `.html`),
/// in rank order.
fn cli_pages(site: &Path, args: &[&str]) -> Vec<String> {
    cli_json(site, args)
        .iter()
        .map(|h| {
            let url = h["url"].as_str().unwrap();
            let page = url.split(['#', '.']).next().unwrap();
            page.rsplit('/').next().unwrap().to_string()
        })
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn cli_search_filters_by_status_and_by_the_date_a_document_applied() {
    let tmp = tempfile::tempdir().unwrap();
    let (_site_tmp, site) = build(&book_over_time(tmp.path()));
    // In force ranks above what is repealed; everything is found without filters.
    let all = cli_pages(&site, &["tolkavtalet"]);
    assert_eq!(all.len(), 5, "{all:?}");
    let rank = |p: &str| all.iter().position(|x| x == p).unwrap();
    assert!(rank("tolk-2021") < rank("tolk-2019"), "{all:?}");
    assert!(rank("tolk-utkast") < rank("tolk-2019"), "{all:?}");
    // --valid-on: what applied that day (ends inclusive), plain pages always, drafts never.
    for (day, expected) in [
        ("2020-06-01", vec!["tolk-2019", "tolkning"]),
        ("2020-12-31", vec!["tolk-2019", "tolkning"]),
        ("2021-01-01", vec!["tolk-2021", "tolkning"]),
        ("2027-06-01", vec!["tolk-2021", "tolk-2027", "tolkning"]),
        ("2018-01-01", vec!["tolkning"]),
    ] {
        assert_eq!(
            sorted(cli_pages(&site, &["--valid-on", day, "tolkavtalet"])),
            expected,
            "--valid-on {day}"
        );
    }
    // The same typed into the query (both forms), before the option's date.
    for q in [
        "tolkavtalet gällande den 2020-06-01",
        "gällande 2020-06-01 tolkavtalet",
    ] {
        assert_eq!(
            sorted(cli_pages(&site, &[q])),
            ["tolk-2019", "tolkning"],
            "{q}"
        );
    }
    assert_eq!(
        sorted(cli_pages(
            &site,
            &[
                "--valid-on",
                "2021-03-01",
                "tolkavtalet gällande den 2020-06-01"
            ]
        )),
        ["tolk-2019", "tolkning"]
    );
    // --status, alone and with a date.
    assert_eq!(
        cli_pages(&site, &["--status", "replaced", "tolkavtalet"]),
        ["tolk-2019"]
    );
    assert_eq!(
        cli_pages(&site, &["tolkavtalet", "--status", "draft"]),
        ["tolk-utkast"]
    );
    assert!(
        cli_pages(
            &site,
            &[
                "--status",
                "draft",
                "--valid-on",
                "2021-03-01",
                "tolkavtalet"
            ]
        )
        .is_empty()
    );
    // The status is in the JSON and, as a Swedish label, in the text output.
    let hits = cli_json(&site, &["tolkavtalet"]);
    let status_of = |page: &str| {
        hits.iter()
            .find(|h| h["url"].as_str().unwrap().contains(page))
            .map(|h| h["status"].clone())
            .unwrap()
    };
    assert_eq!(status_of("tolk-2019"), "replaced");
    assert_eq!(status_of("tolkning"), serde_json::Value::Null);
    let out = samsyn(
        &repo(),
        &[
            "search",
            site.to_str().unwrap(),
            "--status",
            "replaced",
            "tolkavtalet",
        ],
    );
    assert!(
        stdout(&out).contains("Tolkavtal 2019 – Ersatt ("),
        "{}",
        stdout(&out)
    );
}

#[test]
fn cli_search_refuses_a_date_or_status_that_is_not_one() {
    let tmp = tempfile::tempdir().unwrap();
    let (_site_tmp, site) = build(&book_over_time(tmp.path()));
    let site = site.to_str().unwrap();
    for args in [
        &["search", site, "--valid-on", "2021-02-30", "tolk"][..],
        &["search", site, "--valid-on", "1/3 2021", "tolk"][..],
        &["search", site, "--status", "gallande", "tolk"][..],
    ] {
        let out = samsyn(&repo(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    let out = samsyn(
        &repo(),
        &["search", site, "--valid-on", "2021-02-30", "tolk"],
    );
    assert!(stderr(&out).contains("ÅÅÅÅ-MM-DD"), "{}", stderr(&out));
}

/// The search UI over time in Chromium (tests/browser/search-time.mjs): the "Gällande den"
/// date control (labelled, reached by Tab) and a date typed into the field list only the
/// documents that applied then (and the plain page); the status filter has Swedish labels.
#[test]
fn the_search_ui_lists_only_what_applied_on_the_date_set_or_typed() {
    let tmp = tempfile::tempdir().unwrap();
    let (_site_tmp, site) = build(&book_over_time(tmp.path()));
    let www = tmp.path().join("www");
    copy_dir(&site, &www);
    let spec = serde_json::json!({
        "page": "tolkning.html",
        "q": "tolkavtalet",
        "all": ["tolkning", "tolk-2019", "tolk-2021", "tolk-2027", "tolk-utkast"],
        "control": { "date": "2021-03-01", "pages": ["tolk-2021", "tolkning"] },
        "typed": {
            "q": "tolkavtalet gällande den 2020-06-01",
            "date": "2020-06-01",
            "pages": ["tolk-2019", "tolkning"],
        },
        "status": { "value": "replaced", "label": "Ersatt", "pages": ["tolk-2019"] },
    });
    let r = run_browser_script("search-time.mjs", &www, &spec, tmp.path());
    // The script checked everything; make sure it really ran each part.
    assert_eq!(r["control"]["reached"], true, "{r}");
    assert_eq!(
        r["control"]["pages"].as_array().map(Vec::len),
        Some(2),
        "{r}"
    );
    assert_eq!(r["typed"]["pages"].as_array().map(Vec::len), Some(2), "{r}");
    assert_eq!(
        r["status"]["pages"],
        serde_json::json!(["tolk-2019"]),
        "{r}"
    );
}

/// The visible text of the heading with id `id` in `page` of `site`.
fn heading_text(site: &Path, page: &str, id: &str) -> Option<String> {
    let doc = parse(site, page);
    doc.select(&sel("h1[id], h2[id], h3[id], h4[id], h5[id], h6[id]"))
        .find(|h| h.value().attr("id") == Some(id))
        .map(|h| h.text().collect::<String>().trim().to_string())
}

#[test]
fn cli_search_hits_name_their_section_and_document_kind() {
    let (_tmp, site) = bundled_site();
    let site_arg = site.to_str().unwrap();
    let hits = cli_json(&site, &["SIP"]);
    let sip = hits
        .iter()
        .find(|h| h["url"] == "overenskommelser/huvudoverenskommelse.html#sip")
        .unwrap_or_else(|| panic!("the SIP section of doc 104623 is a hit: {hits:#?}"));
    assert_eq!(sip["heading"], "Samordnad individuell plan - SIP");
    assert_eq!(sip["kind"], "agreement");
    assert_eq!(sip["status"], "in-force");
    let page = sip["title"].as_str().unwrap();
    assert!(page.starts_with("Överenskommelse om samverkan"), "{page}");
    // A page without a kind in its front matter is a `page`.
    let glossary = hits
        .iter()
        .find(|h| h["url"] == "begrepp.html#sip")
        .unwrap_or_else(|| panic!("the glossary's SIP is a hit: {hits:#?}"));
    assert_eq!(
        (&glossary["heading"], &glossary["kind"]),
        (&"SIP".into(), &"page".into())
    );
    // Every hit's heading is the one the visitor lands on (the page title for the part
    // of a page before its first heading).
    for hit in &hits {
        let url = decode(hit["url"].as_str().unwrap());
        let landed_on = match url.split_once('#') {
            Some((page, id)) => heading_text(&site, page, id),
            None => hit["title"].as_str().map(str::to_string),
        };
        assert_eq!(landed_on.as_deref(), hit["heading"].as_str(), "{url}");
        assert!(!hit["kind"].as_str().unwrap().is_empty(), "{hit}");
    }

    // The human output names the page, then the section, each hit on three lines.
    let out = samsyn(&repo(), &["search", site_arg, "SIP"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            ". {page} › Samordnad individuell plan - SIP – Gällande ("
        )),
        "{text}"
    );
    assert!(text.contains(". Begrepp › SIP ("), "{text}");
    for block in text.trim_end().split("\n\n") {
        assert_eq!(block.lines().count(), 3, "title, url, snippet: {block:?}");
    }
}

/// (url, via) of each hit of `samsyn search SITE QUERY --json --limit 60`.
fn cli_hits_via(site: &Path, query: &str) -> Vec<(String, Vec<String>)> {
    cli_json(site, &[query, "--limit", "60"])
        .iter()
        .map(|h| {
            let via = h["via"].as_array().map_or(Vec::new(), |v| {
                v.iter().map(|s| s.as_str().unwrap().to_string()).collect()
            });
            (decode(h["url"].as_str().unwrap()), via)
        })
        .collect()
}

/// The glossary's abbreviations are synonyms on the bundled book: either form finds the
/// sections that use only the other, which say so ("via"), below the direct matches; the
/// abbreviations the sources never write out stay exact, and one word of an expansion of
/// several is not the abbreviation.
#[test]
fn glossary_abbreviations_find_their_expansions_and_back_on_the_bundled_book() {
    let (_tmp, site) = bundled_site();
    let cases = [
        (
            "SoL",
            "handlingsplaner/gemensam-handlingsplan/index.html#inledning",
            "Socialtjänstlagen",
        ),
        (
            "socialtjänstlagen",
            "overenskommelser/psykiatri-och-missbruk/riskbruk-missbruk-och-beroende.html#i-kallorna",
            "SoL",
        ),
        (
            "hem för vård och boende",
            "handlingsplaner/gemensam-handlingsplan/barn-och-unga.html#insatser-for-de-mest-utsatta",
            "HVB",
        ),
        (
            "lagen om vård av unga",
            "overenskommelser/barn-och-unga/halsoundersokning-vid-placering.html#i-kallorna",
            "LVU",
        ),
    ];
    for (query, url, via) in cases {
        let hits = cli_hits_via(&site, query);
        let found = hits.iter().find(|(u, _)| u == url);
        assert_eq!(
            found.map(|h| h.1.clone()),
            Some(vec![via.to_string()]),
            "{query}: {hits:?}"
        );
        assert!(
            hits[0].1.is_empty(),
            "{query}: a direct match first: {hits:?}"
        );
    }
    // Both directions of the other pairs find the same sections.
    for (a, b) in [
        ("HVB", "hem för vård och boende"),
        ("LVU", "lagen om vård av unga"),
    ] {
        let urls = |q| sorted(cli_hits_via(&site, q).into_iter().map(|h| h.0).collect());
        assert_eq!(urls(a), urls(b), "{a} ~ {b}");
    }
    // Never written out by the sources: exact, no synonym.
    for query in ["BUP", "NPÖ"] {
        let hits = cli_hits_via(&site, query);
        assert!(
            !hits.is_empty() && hits.iter().all(|h| h.1.is_empty()),
            "{query}: {hits:?}"
        );
    }
    // One word of an expansion is not the abbreviation.
    assert!(cli_hits_via(&site, "vård").iter().all(|h| h.1.is_empty()));
    // The human output says it too.
    let out = samsyn(
        &repo(),
        &[
            "search",
            site.to_str().unwrap(),
            "hem",
            "för",
            "vård",
            "och",
            "boende",
        ],
    );
    assert!(
        stdout(&out).contains("Barn och unga › Insatser för de mest utsatta – träff via HVB ("),
        "{}",
        stdout(&out)
    );
}

/// The search box says when a hit matched through the other form of a glossary
/// abbreviation, in the hit's text, so that its accessible name carries it; served without
/// Range support, the search still answers (tests/browser/search-via.mjs).
#[test]
fn the_search_box_says_when_a_hit_matched_through_the_other_form() {
    let (tmp, site) = bundled_site();
    let spec = serde_json::json!({
        "page": "begrepp.html",
        "q": "hem för vård och boende",
        "url": "handlingsplaner/gemensam-handlingsplan/barn-och-unga.html#insatser-for-de-mest-utsatta",
        "via": "HVB",
    });
    let r = run_browser_script("search-via.mjs", &site, &spec, tmp.path());
    assert_eq!(r["named"], 1, "{r}");
    // From a server that ignores Range requests, as many hits, cut out of whole archives.
    assert_eq!(r["withoutRanges"]["hits"], r["hits"], "{r}");
    assert!(
        r["withoutRanges"]["archivesWhole"].as_u64().unwrap() > 0,
        "{r}"
    );
}
