//! Builds a synthetic Swedish corpus, indexes it with tantivy, exports the static index and
//! checks that the static reader (the code the browser runs) agrees with tantivy, and that
//! the ranking and analysis rules hold end to end.

use std::path::Path;

use search_index::indexer::search_tantivy;
use search_index::reader::{
    Engine, Filters, Request, SearchResult, Step, open_static, read_index_file, search_static,
};
use search_index::synonyms::{Pair, Synonyms};
use search_index::{PageFields, SectionDoc, build_site_index, build_site_index_with, search_site};
use std::sync::Arc;

const WORDS: &[&str] = &[
    "barn",
    "barnen",
    "barnets",
    "unga",
    "ungdomar",
    "skola",
    "skolan",
    "elevhälsa",
    "elevhälsan",
    "socialtjänsten",
    "socialtjänst",
    "sjukvård",
    "vård",
    "vården",
    "samverkan",
    "samarbete",
    "former",
    "plan",
    "planen",
    "insats",
    "insatser",
    "stöd",
    "stödet",
    "familj",
    "familjen",
    "vårdnadshavare",
    "föräldrar",
    "kommun",
    "kommunen",
    "region",
    "regionen",
    "ansvar",
    "ansvaret",
    "rutin",
    "rutiner",
    "psykiatri",
    "psykisk",
    "ohälsa",
    "tidiga",
    "uppföljning",
    "dokumentation",
    "behov",
    "behovet",
    "samordning",
    "verksamhet",
    "verksamheten",
    "personal",
    "utredning",
    "beslut",
    "mål",
    "målet",
    "och",
    "att",
    "för",
    "med",
    "som",
    "av",
    "på",
    "i",
    "till",
    "det",
    "är",
    "en",
    "ett",
    "om",
    "hälsa",
    "tandvård",
    "förskola",
    "förskolan",
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

fn sentence(rng: &mut Rng, n: usize) -> String {
    let mut s: Vec<&str> = Vec::new();
    for _ in 0..n {
        s.push(rng.pick(WORDS));
    }
    let mut out = s.join(" ");
    out.push('.');
    out
}

fn corpus() -> Vec<SectionDoc> {
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let kinds = ["agreement", "fakta", "process", "action-plan", "page"];
    let groups = ["Barn och unga", "Psykisk hälsa", "Vård och omsorg"];
    let services = ["Hälso- och sjukvård", "Socialtjänst", "Skola"];
    let statuses = [
        Some("in-force"),
        Some("draft"),
        Some("repealed"),
        None,
        Some("upcoming"),
        Some("expired"),
        Some("replaced"),
    ];
    let mut docs = Vec::new();
    for p in 0..60 {
        let kind = kinds[p % kinds.len()];
        let title = format!("{} {} {}", rng.pick(WORDS), rng.pick(WORDS), p);
        for s in 0..5 {
            let heading = if s == 0 {
                String::new()
            } else {
                sentence(&mut rng, 3)
            };
            let len = 10 + (rng.next() % 60) as usize;
            docs.push(SectionDoc {
                page: Arc::new(PageFields {
                    title: title.clone(),
                    heading_path: vec!["Överenskommelser".into()],
                    kind: kind.into(),
                    strategy_group: Some(groups[p % groups.len()].into()),
                    services: vec![services[p % 3].into(), services[(p + 1) % 3].into()],
                    status: statuses[p % statuses.len()].map(String::from),
                    doc_id: if p % 7 == 0 {
                        Some(format!("{}", 100000 + p))
                    } else {
                        None
                    },
                    // Validity intervals around 2020 on some pages (see `DAY`).
                    valid_from_day: (p % 3 == 0).then(|| DAY - 200 + 10 * p as i32),
                    valid_until_day: (p % 4 == 1).then(|| DAY - 100 + 10 * p as i32),
                }),
                heading,
                body: sentence(&mut rng, len),
                url: format!("sida{p}.html#s{s}"),
            });
        }
    }
    let special =
        |title: &str, body: &str, status: Option<&str>, doc_id: Option<&str>, url: &str| {
            SectionDoc {
                page: Arc::new(PageFields {
                    title: title.into(),
                    heading_path: vec![],
                    kind: "agreement".into(),
                    strategy_group: Some("Barn och unga".into()),
                    services: vec!["Skola".into()],
                    status: status.map(String::from),
                    doc_id: doc_id.map(String::from),
                    valid_from_day: None,
                    valid_until_day: None,
                }),
                heading: "Inledning".into(),
                body: body.into(),
                url: url.into(),
            }
        };
    docs.push(special(
        "Barnhälsovården",
        "Barnhälsovården erbjuder hälsobesök till alla familjer.",
        Some("in-force"),
        None,
        "bhv.html#inledning",
    ));
    docs.push(special(
        "Samordnad individuell plan",
        "En samordnad individuell plan (SIP) upprättas när barnet behöver insatser från både kommun och region.",
        Some("in-force"),
        Some("104623"),
        "sip.html#inledning",
    ));
    docs.push(special(
        "Gemensam rutin",
        "Planen är individuell och samordnad mellan huvudmännen.",
        Some("in-force"),
        None,
        "rutin.html#inledning",
    ));
    // Particle verbs, derivations and a negation (see `derivation.rs`).
    docs.push(special(
        "Tolkrutinen",
        "Tolkrutinen tas fram av strategigruppen och följs upp årligen. Avvikelser \
         dokumenteras när parterna inte är överens om ansvaret; kartläggningen görs av \
         tolkcentralen.",
        Some("in-force"),
        None,
        "uppfoljning.html#inledning",
    ));
    docs.push(special(
        "Överenskommelse om samverkan",
        "Överenskommelsen om samverkan kring barn och unga.",
        Some("in-force"),
        None,
        "huvud.html#inledning",
    ));
    docs.push(special(
        "Överenskommelse om samverkan",
        "Överenskommelsen om samverkan kring barn och unga.",
        Some("repealed"),
        None,
        "gammal.html#inledning",
    ));
    docs.push(special(
        "Läkemedel",
        "Regionen ansvarar för läkemedel. Mer om NPÖ och LVU finns hos BUP.",
        None,
        None,
        "lakemedel.html#inledning",
    ));
    // One agreement over time: the same text replaced, in force, upcoming and as a draft,
    // and a plain page about it without dates.
    let day = |d: &str| search_index::validity::parse_date(d);
    for (status, from, until, url) in [
        (
            "replaced",
            "2019-01-01",
            Some("2020-12-31"),
            "tolk2019.html#inledning",
        ),
        ("in-force", "2021-01-01", None, "tolk2021.html#inledning"),
        ("upcoming", "2027-01-01", None, "tolk2027.html#inledning"),
        ("draft", "2020-01-01", None, "tolkutkast.html#inledning"),
    ] {
        let base = special(
            "Tolkavtalet",
            "Tolkavtalet reglerar tolkning vid möten med vårdnadshavare.",
            Some(status),
            None,
            url,
        );
        docs.push(SectionDoc {
            page: Arc::new(PageFields {
                valid_from_day: day(from),
                valid_until_day: until.and_then(day),
                ..(*base.page).clone()
            }),
            ..base
        });
    }
    let base = special(
        "Om tolkning",
        "Tolkavtalet finns i dokumentregistret.",
        None,
        None,
        "tolkinfo.html#inledning",
    );
    docs.push(SectionDoc {
        page: Arc::new(PageFields {
            kind: "page".into(),
            ..(*base.page).clone()
        }),
        ..base
    });
    docs
}

/// 2021-03-01 (days since 1970-01-01): the corpus's dates lie around it.
const DAY: i32 = 18_687;

fn build(dir: &Path) -> Vec<SectionDoc> {
    let docs = corpus();
    let stats = build_site_index(&docs, dir).expect("index builds");
    assert_eq!(stats.sections, docs.len());
    assert!(dir.join("manifest.json").exists());
    assert!(dir.join("tantivy").join("meta.json").exists());
    docs
}

fn req(q: &str) -> Request {
    Request {
        query: q.into(),
        filters: Filters::default(),
        limit: 10,
        fragments: 10,
        budget: 0,
        early: false,
    }
}

/// The request the browser's search box sends (search.js): 15 hits, the text of five
/// result pages, a posting budget of 8,000 bytes.
fn ui_req(q: &str) -> Request {
    Request {
        limit: 15,
        fragments: 5,
        budget: 8000,
        ..req(q)
    }
}

fn static_search(dir: &Path, r: &Request) -> SearchResult {
    search_static(dir, r).expect("static search").0
}

/// URLs of the hits (all must have their fragment: ask for as many pages as hits).
fn urls(_docs: &[SectionDoc], r: &SearchResult) -> Vec<String> {
    r.hits
        .iter()
        .map(|h| h.fragment.as_ref().expect("fragment").url.clone())
        .collect()
}

/// A particle verb finds its nominalisation and the other way round, a verb its noun, a
/// negation its counterpart: in both readers, first.
#[test]
fn paraphrases_find_the_section_in_both_readers() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("search-index");
    let docs = build(&dir);
    for q in [
        "vem följer upp tolkrutinen",
        "uppföljning av tolkrutinen",
        "framtagande av tolkrutinen",
        "hur kartläggs det",
        "oeniga om ansvaret",
        "oenighet ansvaret",
    ] {
        let (t, _, _) = search_tantivy(&dir, q, &Filters::default(), 10).unwrap();
        let s = static_search(&dir, &req(q));
        let first =
            |u: Option<&String>| u.map(|u| u.as_str()) == Some("uppfoljning.html#inledning");
        assert!(
            first(t.first().map(|h| &docs[h.ord as usize].url)),
            "tantivy, {q:?}: {:?}",
            t.first().map(|h| &docs[h.ord as usize].url)
        );
        assert!(first(urls(&docs, &s).first()), "static reader, {q:?}");
    }
}

#[test]
fn static_reader_agrees_with_tantivy() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("search-index");
    let docs = build(&dir);
    let queries = [
        "barn",
        "barnen",
        "Barnets",
        "vård",
        "hälsovård",
        "samverkansformer",
        "SIP",
        "sip",
        "104623",
        "overenskommelse",
        "barn skola",
        "barn skola socialtjänst",
        "\"samordnad individuell plan\"",
        "barn -skola",
        "elevhälsa samv",
        "socialtjänst elevh",
        "xyzzy barn",
        "psykisk ohälsa unga",
        "insatser",
        "förskolan tandvård",
        "och",
        // Typos (also in the first letter), questions with stop words, weak all-words sets.
        "samverkn",
        "damverkan",
        "vårdnadshavre barn",
        "vad ansvarar socialtjänsten för",
        "vilka insatser ges av regionen",
        "barn tandvård ohälsa psykiatri",
        "vad är det",
        // Dates typed into the query (the filter's date gives way to them).
        "barn gällande den 2020-12-01",
        "gällande 2021-06-30 skola",
        "tolkavtalet",
        // Particle verbs, derivations and negations (see `derivation.rs`).
        "vem följer upp tolkrutinen",
        "uppföljning",
        "framtagande av tolkrutinen",
        "hur kartläggs det",
        "oeniga om ansvaret",
        "inte överens",
        "samverka",
    ];
    let filters = [
        Filters::default(),
        Filters {
            kind: Some("fakta".into()),
            ..Default::default()
        },
        Filters {
            group: Some("Psykisk hälsa".into()),
            service: Some("Skola".into()),
            ..Default::default()
        },
        Filters {
            status: Some("in-force".into()),
            ..Default::default()
        },
        Filters {
            valid_on: Some(DAY),
            ..Default::default()
        },
        Filters {
            kind: Some("agreement".into()),
            valid_on: Some(DAY - 150),
            ..Default::default()
        },
    ];
    let mut compared = 0;
    for q in queries {
        for f in &filters {
            let (t, _, t_fallback) = search_tantivy(&dir, q, f, 10).unwrap();
            let r = Request {
                query: q.into(),
                filters: f.clone(),
                limit: 10,
                fragments: 10,
                budget: 0,
                early: false,
            };
            let s = static_search(&dir, &r);
            let static_urls = urls(&docs, &s);
            assert_eq!(t.len(), s.hits.len(), "hit count for {q:?} {f:?}");
            assert_eq!(t_fallback, s.fallback, "fallback for {q:?}");
            let tol = |a: f32| 1e-4 * a.abs().max(1.0);
            for (i, (th, sh)) in t.iter().zip(&s.hits).enumerate() {
                assert!(
                    (th.score - sh.score).abs() <= tol(th.score),
                    "score {i} for {q:?}: tantivy {} static {}",
                    th.score,
                    sh.score
                );
                if docs[th.ord as usize].url != static_urls[i] {
                    // Only allowed among (near) ties.
                    let tied = t
                        .iter()
                        .filter(|o| (o.score - th.score).abs() <= tol(th.score))
                        .count();
                    assert!(
                        tied > 1,
                        "rank {i} for {q:?}: tantivy {} static {}",
                        docs[th.ord as usize].url,
                        static_urls[i]
                    );
                }
            }
            compared += t.len();
        }
    }
    assert!(compared > 200, "compared {compared} hits");
}

#[test]
fn ranking_and_analysis_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("search-index");
    let docs = build(&dir);

    // Compounds: hälsovård finds Barnhälsovården; samverkansformer finds samverkan.
    let r = static_search(&dir, &req("hälsovård"));
    assert!(
        urls(&docs, &r).contains(&"bhv.html#inledning".to_string()),
        "{:?}",
        urls(&docs, &r)
    );
    let mut wide = req("samverkansformer");
    wide.limit = 400;
    wide.fragments = 400;
    let r = static_search(&dir, &wide);
    assert!(!r.hits.is_empty());
    let u = urls(&docs, &r);
    assert!(u.contains(&"huvud.html#inledning".to_string()), "{u:?}");

    // Folding.
    let r = static_search(&dir, &req("overenskommelse"));
    assert_eq!(urls(&docs, &r)[0], "huvud.html#inledning");

    // In force above repealed (same text).
    let u = urls(
        &docs,
        &static_search(&dir, &req("överenskommelsen samverkan")),
    );
    let a = u.iter().position(|x| x == "huvud.html#inledning").unwrap();
    let b = u.iter().position(|x| x == "gammal.html#inledning").unwrap();
    assert!(a < b, "{u:?}");

    // Abbreviations and ids first.
    for q in ["SIP", "sip", "104623"] {
        let r = static_search(&dir, &req(q));
        assert_eq!(urls(&docs, &r)[0], "sip.html#inledning", "{q}");
    }
    for q in ["NPÖ", "LVU", "BUP"] {
        let r = static_search(&dir, &req(q));
        assert_eq!(urls(&docs, &r)[0], "lakemedel.html#inledning", "{q}");
    }

    // Title above body.
    let u = urls(&docs, &static_search(&dir, &req("samordnad individuell")));
    assert_eq!(u[0], "sip.html#inledning", "{u:?}");
    assert!(u.contains(&"rutin.html#inledning".to_string()));

    // Phrase: only where the words are adjacent.
    let u = urls(
        &docs,
        &static_search(&dir, &req("\"samordnad individuell plan\"")),
    );
    assert_eq!(u, vec!["sip.html#inledning".to_string()]);

    // Exclusion.
    let u = urls(&docs, &static_search(&dir, &req("överenskommelsen -kring")));
    assert!(!u.contains(&"gammal.html#inledning".to_string()), "{u:?}");
    assert!(!u.contains(&"huvud.html#inledning".to_string()), "{u:?}");
    let u = urls(&docs, &static_search(&dir, &req("överenskommelsen -SIP")));
    assert!(u.contains(&"huvud.html#inledning".to_string()), "{u:?}");

    // Fallback when no section has all words, and snippets with highlights.
    let r = static_search(&dir, &req("barnhälsovården xyzzyq"));
    assert!(r.fallback);
    assert_eq!(urls(&docs, &r)[0], "bhv.html#inledning");
    let h = &r.hits[0];
    assert!(h.fragment.as_ref().unwrap().title == "Barnhälsovården");
    assert!(
        h.snippet.iter().any(|(t, m)| *m && t == "Barnhälsovården"),
        "{:?}",
        h.snippet
    );

    // Typos: results for the nearest vocabulary word (a wrong first letter too), and the
    // suggestion stays.
    let plain = urls(&docs, &static_search(&dir, &req("samverkan")));
    for typo in ["samverkn", "damverkan", "asmverkan"] {
        let r = static_search(&dir, &req(typo));
        assert_eq!(urls(&docs, &r), plain, "{typo}");
        assert_eq!(r.suggestion.as_deref(), Some("samverkan"), "{typo}");
    }
    let r = static_search(&dir, &req("läkemedl BUP"));
    assert_eq!(urls(&docs, &r)[0], "lakemedel.html#inledning");
    assert_eq!(r.suggestion.as_deref(), Some("läkemedel BUP"));
    assert_eq!(static_search(&dir, &req("samverkan")).suggestion, None);

    // Stop and question words neither restrict nor score; alone they still search.
    let q = static_search(&dir, &req("vad ansvarar regionen för"));
    assert_eq!(urls(&docs, &q)[0], "lakemedel.html#inledning");
    assert!(!q.fallback);
    let scores = |r: &SearchResult| r.hits.iter().map(|h| h.score).collect::<Vec<_>>();
    assert_eq!(
        scores(&static_search(&dir, &req("vilka är barnhälsovården"))),
        scores(&static_search(&dir, &req("barnhälsovården")))
    );
    assert!(!static_search(&dir, &req("och")).hits.is_empty());
    // ... but count inside a phrase.
    let r = static_search(&dir, &req("\"samverkan kring barn\""));
    assert!(!r.hits.is_empty());
    assert!(
        static_search(&dir, &req("\"samverkan och barn\""))
            .hits
            .is_empty()
    );

    // Prefix of the word being typed.
    let r = static_search(&dir, &req("barnhäl"));
    assert_eq!(urls(&docs, &r)[0], "bhv.html#inledning");

    // The CLI entry point (tantivy) agrees on the first hit and gives a snippet.
    let hits = search_site(&dir, "SIP", &Filters::default(), 5).unwrap();
    assert_eq!(hits[0].url, "sip.html#inledning");
    assert!(hits[0].snippet.contains("«SIP»"), "{}", hits[0].snippet);
}

/// Search over time: documents in force rank first; a status filter; a date (from the
/// request or typed into the query) shows only pages that applied that day, plain pages
/// without dates always, planned and draft documents never; tantivy agrees.
#[test]
fn status_ranks_and_filters_and_a_date_shows_what_applied_then() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("search-index");
    let docs = build(&dir);
    let page = |u: &String| u.split('.').next().unwrap_or("").to_string();
    let search = |q: &str, filters: Filters| -> Vec<String> {
        let r = Request {
            filters: filters.clone(),
            ..req(q)
        };
        let s: Vec<String> = urls(&docs, &static_search(&dir, &r))
            .iter()
            .map(page)
            .collect();
        let (t, _, _) = search_tantivy(&dir, q, &filters, 10).unwrap();
        let t: Vec<String> = t.iter().map(|h| page(&h.url)).collect();
        assert_eq!(s, t, "tantivy and the static reader for {q:?} {filters:?}");
        s
    };
    let on = |d: &str| Filters {
        valid_on: search_index::validity::parse_date(d),
        ..Default::default()
    };
    // In force first, then upcoming, draft, replaced (same text).
    let all = search("tolkavtalet", Filters::default());
    let agreements: Vec<&str> = all
        .iter()
        .map(String::as_str)
        .filter(|u| *u != "tolkinfo")
        .collect();
    assert_eq!(
        agreements,
        ["tolk2021", "tolk2027", "tolkutkast", "tolk2019"],
        "{all:?}"
    );
    // Status filter.
    let replaced = Filters {
        status: Some("replaced".into()),
        ..Default::default()
    };
    assert_eq!(search("tolkavtalet", replaced), ["tolk2019"]);
    // A date: what applied then, plain pages too; never the draft.
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(
        sorted(search("tolkavtalet", on("2020-06-01"))),
        ["tolk2019", "tolkinfo"]
    );
    assert_eq!(
        sorted(search("tolkavtalet", on("2021-03-01"))),
        ["tolk2021", "tolkinfo"]
    );
    assert_eq!(
        sorted(search("tolkavtalet", on("2027-06-01"))),
        ["tolk2021", "tolk2027", "tolkinfo"]
    );
    // Inclusive ends.
    assert_eq!(
        sorted(search("tolkavtalet", on("2020-12-31"))),
        ["tolk2019", "tolkinfo"]
    );
    assert_eq!(
        sorted(search("tolkavtalet", on("2021-01-01"))),
        ["tolk2021", "tolkinfo"]
    );
    // Typed into the query, in both forms; it wins over the request's date.
    for q in [
        "tolkavtalet gällande den 2020-06-01",
        "Gällande 2020-06-01 tolkavtalet",
    ] {
        assert_eq!(
            sorted(search(q, on("2021-03-01"))),
            ["tolk2019", "tolkinfo"],
            "{q}"
        );
    }
    // A date still being typed does not filter yet (nor search for its digits).
    assert_eq!(
        search("tolkavtalet gällande den 2020-0", Filters::default()),
        all
    );
    // Over the whole corpus, every hit of a dated search applied then.
    let day = DAY + 40;
    let mut wide = req("barn");
    wide.limit = 400;
    wide.fragments = 400;
    wide.filters.valid_on = Some(day);
    let r = static_search(&dir, &wide);
    assert!(r.hits.len() > 20, "{}", r.hits.len());
    for u in urls(&docs, &r) {
        let d = docs.iter().find(|d| d.url == u).unwrap();
        assert!(
            search_index::validity::applies_on(d.validity(), day),
            "{u} did not apply on day {day}"
        );
    }
    let all_barn = {
        let mut w = wide.clone();
        w.filters.valid_on = None;
        static_search(&dir, &w).hits.len()
    };
    assert!(r.hits.len() < all_barn, "the date filters some out");
}

#[test]
fn strange_queries_do_not_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("search-index");
    build(&dir);
    let long = "barn ".repeat(200);
    for q in [
        "",
        " ",
        "\"",
        "-",
        "--",
        "\"\"",
        "-\"barn skola\"",
        "<img src=x onerror=alert(1)>",
        "ÅÄÖ",
        "🙂",
        "\u{0}",
        "a",
        long.as_str(),
        "#k:agreement",
        "=SIP",
    ] {
        let _ = static_search(&dir, &req(q));
        let _ = search_site(&dir, q, &Filters::default(), 10).unwrap();
    }
    // Unknown filter values match nothing.
    let r = Request {
        query: "barn".into(),
        filters: Filters {
            kind: Some("nope".into()),
            ..Default::default()
        },
        limit: 10,
        fragments: 5,
        budget: 0,
        early: false,
    };
    assert!(static_search(&dir, &r).hits.is_empty());
}

#[test]
fn empty_corpus() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("search-index");
    build_site_index(&[], &dir).unwrap();
    assert!(static_search(&dir, &req("barn")).hits.is_empty());
    assert!(
        search_site(&dir, "barn", &Filters::default(), 10)
            .unwrap()
            .is_empty()
    );
}

/// The committed wasm reader's answers to `queries` over the index in `dir`, one JSON line
/// each (`tests/js/wasm_smoke.js`); None, with a notice, when Node is not installed.
fn wasm_answers(dir: &Path, queries: &[&str]) -> Option<String> {
    let node_ok = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !node_ok {
        eprintln!("node not found: skipping the wasm reader check");
        return None;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = std::process::Command::new("node")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js/wasm_smoke.js"))
        .arg(root.join("theme/search/search_index.wasm"))
        .arg(dir)
        .args(queries)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

/// The committed wasm reader (run by Node the way the worker runs it) returns the same hits
/// as the native reader. Skipped when Node is not installed.
#[test]
fn committed_wasm_reader_agrees_with_native_reader() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("search-index");
    build(&dir);
    let queries = [
        "barn skola",
        "SIP",
        "hälsovård",
        "\"samordnad individuell plan\"",
        "samverkn",
        "<img src=x>",
        "barnhäl",
        "tolkavtalet gällande den 2020-06-01",
        // Particle verbs, derivations and negations (see `derivation.rs`).
        "vem följer upp tolkrutinen",
        "framtagande av tolkrutinen",
        "oeniga om ansvaret",
    ];
    let Some(stdout) = wasm_answers(&dir, &queries) else {
        return;
    };
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), queries.len());
    // The worker's first answers (wasm_smoke.js checks each against the whole answer): some
    // came early, before their ranking was read to the end.
    assert!(
        lines.iter().any(|l| l.contains("\"partial\":true")),
        "no first answer came early: {stdout}"
    );
    for (q, line) in queries.iter().zip(lines) {
        let native = static_search(&dir, &req(q));
        let docs: Vec<String> = native.hits.iter().map(|h| h.doc.to_string()).collect();
        let expected = format!("\"docs\":[{}]", docs.join(","));
        assert!(
            line.contains(&expected),
            "{q}: wasm {line} native {expected}"
        );
        if let Some(s) = &native.suggestion {
            assert!(
                line.contains(&format!("\"suggestion\":\"{s}\"")),
                "{q}: {line}"
            );
        }
    }
}

/// With a posting budget too small for an exact answer, every hit shown (with its fragment)
/// still has every word of the query (sections seen with only some words are checked in
/// their text), phrases included; the answer says it is approximate; and the same request
/// twice gives the same answer.
#[test]
fn budgeted_search_shows_only_sections_with_every_word() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("search-index");
    build(&dir);
    let analyzer = search_index::analyzer::Analyzer::new();
    let words_of = |text: &str| -> Vec<String> {
        search_index::analyzer::raw_tokens(text)
            .iter()
            .map(|t| search_index::analyzer::fold(t.text))
            .collect()
    };
    let mut approximate = 0;
    for q in [
        "barn skola",
        "samverkan insatser",
        "socialtjänst region",
        "\"barn och unga\"",
    ] {
        let r = Request {
            query: q.into(),
            filters: Filters::default(),
            limit: 15,
            fragments: 5,
            budget: 1,
            early: false,
        };
        let s = static_search(&dir, &r);
        assert_eq!(s, static_search(&dir, &r), "{q}: deterministic");
        approximate += usize::from(s.approximate);
        let shown: Vec<_> = s.hits.iter().filter_map(|h| h.fragment.as_ref()).collect();
        assert!(!shown.is_empty(), "{q}: no hits");
        for f in shown {
            let words = words_of(&format!("{} {} {}", f.title, f.heading, f.text));
            let query_words = words_of(&q.replace('"', ""));
            for qw in query_words.iter().filter(|w| *w != "och") {
                let stem = analyzer.stem_folded(qw);
                assert!(
                    words.iter().any(|w| w.contains(&stem)),
                    "{q}: {} lacks {qw}",
                    f.url
                );
            }
            if q.starts_with('"') {
                let text = words.join(" ");
                assert!(
                    text.contains("barn och unga"),
                    "{q}: {} lacks the phrase",
                    f.url
                );
            }
        }
    }
    assert!(approximate > 0, "the budget never ran out");
}

/// The files each fetch round of a cold search asks for (as the browser's worker fetches
/// them: one round, then the next step).
fn rounds(dir: &Path, r: &Request) -> Vec<Vec<String>> {
    let (mut engine, _) = open_static(dir).expect("index opens");
    rounds_with(&mut engine, dir, r)
}

/// [`rounds`] in an engine that may hold files already.
fn rounds_with(engine: &mut Engine, dir: &Path, r: &Request) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    loop {
        match engine.search(r).expect("search") {
            Step::Done(_) => return out,
            Step::Need(files) => {
                for f in &files {
                    let (bytes, _) = read_index_file(dir, f).expect("index file");
                    engine.add_file(f, bytes);
                }
                out.push(files);
                assert!(out.len() < 50, "search did not finish");
            }
        }
    }
}

/// What a name the reader asks for is.
#[derive(Debug, PartialEq)]
enum Read {
    Shard,
    Pack,
    Fragment,
    Record,
    Other,
}

fn read_kind(dir: &Path, name: &str) -> Read {
    let bytes = read_index_file(dir, name).unwrap().0;
    if name.ends_with("+13") && bytes.len() == 8 {
        return Read::Record;
    }
    match name.as_bytes()[0] {
        b't' if bytes.starts_with(search_index::format::SHARD_MAGIC) => Read::Shard,
        b'p' => Read::Pack,
        b'f' => Read::Fragment,
        _ => Read::Other,
    }
}

#[test]
fn a_known_word_needs_one_round_of_term_shards_and_speculates_its_fragments() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("search-index");
    build(&dir);
    let shards = open_static(&dir).unwrap().0.meta.n_shards;
    assert!(
        shards > 3,
        "the corpus spreads over several term shards ({shards})"
    );
    let is_shard = |f: &String| read_kind(&dir, f) == Read::Shard;
    // Compounds (their parts live in other shards), words with an -ing sibling, exact forms.
    // (A word the index does not know, split into known words, may take more rounds.)
    let mut checked = 0;
    for q in [
        "barnhälsovården",
        "elevhälsan",
        "socialtjänsten",
        "förskolan",
        "tandvård",
        "samordning",
        "uppföljning",
        "SIP",
        "BUP",
        "vårdnadshavare",
    ] {
        let rs = rounds(&dir, &req(q));
        assert!(rs[0].iter().all(is_shard), "{q}: first round {:?}", rs[0]);
        for (i, r) in rs.iter().enumerate().skip(1) {
            assert!(
                !r.iter().any(is_shard),
                "{q}: round {} fetches term shards {r:?}",
                i + 1
            );
        }
        // As the browser asks: a round that fetches posting chunks also fetches the
        // fragment files of the best sections seen so far (most of them are needed next).
        let rs = rounds(&dir, &ui_req(q));
        for r in &rs {
            let packs = r.iter().any(|f| read_kind(&dir, f) == Read::Pack);
            assert!(
                !packs || r.iter().any(|f| read_kind(&dir, f) == Read::Fragment),
                "{q}: {rs:?}"
            );
        }
        assert!(rs.len() <= 3, "{q}: {rs:?}");
        checked += 1;
    }
    assert_eq!(checked, 10);
}

/// A date costs no round trip: the validity table comes with the first round's term
/// shards (only when a date is asked for), and the query takes as many rounds as without.
#[test]
fn a_date_is_read_in_the_round_of_the_term_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("search-index");
    build(&dir);
    let is_validity = |f: &String| f.starts_with("valid-");
    for q in ["tolkavtalet", "barnhälsovården", "SIP", "barn skola"] {
        let plain = rounds(&dir, &ui_req(q));
        assert!(!plain.iter().flatten().any(is_validity), "{q}: {plain:?}");
        for dated in [format!("{q} gällande den 2021-03-01"), q.to_string()] {
            let mut r = ui_req(&dated);
            if dated == q {
                r.filters.valid_on = Some(DAY);
            }
            let rs = rounds(&dir, &r);
            assert!(rs[0].iter().any(is_validity), "{dated}: {rs:?}");
            assert!(rs.len() <= plain.len(), "{dated}: {rs:?} vs {plain:?}");
        }
    }
}

/// A small index's bundle holds its term shards and vocabulary (not its fragment files):
/// with the bundle added, a query fetches no term shard, vocabulary or validity table, only
/// what it shows (fragments) and any chunk past the heads, and answers exactly as with the
/// files fetched one by one; a corrupt bundle is refused.
#[test]
fn the_bundle_spares_later_queries_their_term_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("search-index");
    build(&dir);
    let (mut engine, _) = open_static(&dir).unwrap();
    let name = engine
        .meta
        .bundle_name()
        .expect("a small index has a bundle");
    let (bytes, _) = read_index_file(&dir, &name).unwrap();
    assert!(engine.add_bundle(b"not a bundle").is_err());
    engine.add_bundle(&bytes).unwrap();
    for q in [
        "barn skola",
        "SIP",
        "\"samordnad individuell plan\"",
        "samverkn",
        "elevh",
        "tolkavtalet gällande den 2021-03-01",
    ] {
        let mut r = req(q);
        r.budget = 8000;
        let fetched: Vec<String> = rounds_with(&mut engine, &dir, &r).concat();
        // A term shard or its directory record.
        let shard_or_record = |f: &str| {
            let bytes = read_index_file(&dir, f).unwrap().0;
            bytes.starts_with(search_index::format::SHARD_MAGIC)
                || (f.ends_with("+13") && bytes.len() == 8)
        };
        let index_files = fetched
            .iter()
            .filter(|f| {
                f.starts_with("vocab-")
                    || f.starts_with("valid-")
                    || (f.starts_with('t') && shard_or_record(f))
            })
            .collect::<Vec<_>>();
        assert!(index_files.is_empty(), "{q}: fetched {index_files:?}");
        let Step::Done(bundled) = engine.search(&r).unwrap() else {
            panic!("{q}: not done after its rounds");
        };
        assert_eq!(bundled, static_search(&dir, &r), "{q}");
    }
}

/// An index too large to bundle whole bundles its term shards, the vocabulary and, in the
/// room left, the second chunks of its most frequent words: with the bundle in, a query of
/// two common words fetches none of those chunks (without it, it does).
#[test]
fn a_larger_index_bundles_the_second_chunks_of_its_most_frequent_words() {
    let mut rng = Rng(0x2545f4914f6cdd1d);
    // Skewed word frequencies: the first words of WORDS are by far the most frequent.
    let word = |rng: &mut Rng| {
        let u = (rng.next() % 10_000) as f64 / 10_000.0;
        WORDS[(u * u * u * WORDS.len() as f64) as usize]
    };
    let docs: Vec<SectionDoc> = (0..6000)
        .map(|i| {
            let body: Vec<&str> = (0..60).map(|_| word(&mut rng)).collect();
            SectionDoc {
                page: Arc::new(PageFields {
                    title: format!("Sida {}", i / 4),
                    heading_path: vec![],
                    kind: "page".into(),
                    strategy_group: None,
                    services: vec![],
                    status: None,
                    doc_id: None,
                    ..Default::default()
                }),
                heading: format!("Avsnitt {i}"),
                body: body.join(" "),
                url: format!("sida{}.html#a{}", i / 4, i % 4),
            }
        })
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("search-index");
    build_site_index(&docs, &dir).expect("index builds");
    let (mut engine, _) = open_static(&dir).unwrap();
    let name = engine.meta.bundle_name().expect("a bundle");
    let (bytes, _) = read_index_file(&dir, &name).unwrap();
    let files = search_index::format::decode_bundle(&bytes).unwrap();
    let bundled: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    // What each bundled file is: a term shard, a shard's directory record (8 bytes), the
    // vocabulary, or a posting pack.
    let is_shard = |file: &[u8]| file.starts_with(search_index::format::SHARD_MAGIC);
    let shards: Vec<(&String, search_index::reader::Shard)> = files
        .iter()
        .filter(|(_, f)| is_shard(f))
        .map(|(n, f)| (n, search_index::reader::Shard::decode(f).unwrap()))
        .collect();
    assert_eq!(shards.len(), engine.meta.n_shards, "every term shard");
    // With their directory records, unless the meta file gives their places.
    let records = files.iter().filter(|(_, f)| f.len() == 8).count();
    let expected = match engine.meta.shard_places {
        Some(_) => 0,
        None => engine.meta.n_shards,
    };
    assert_eq!(records, expected, "the shards' directory records");
    assert_eq!(
        bundled.iter().filter(|n| n.starts_with("vocab-")).count(),
        1,
        "the vocabulary"
    );
    let all_packs: usize = shards.iter().map(|(_, s)| s.packs.count()).sum();
    let packs = bundled.iter().filter(|n| n.starts_with('p')).count();
    assert!(
        packs > 0 && packs < all_packs,
        "some posting packs: {packs} of {all_packs}"
    );
    assert!(
        bundled.iter().all(|n| !n.starts_with('f')),
        "fragments are not bundled"
    );

    // The second chunks of the three most frequent words are in it.
    let mut terms: Vec<(u32, String)> = Vec::new();
    for (_, shard) in &shards {
        for e in shard.entries.iter().filter(|e| e.chunks.len() > 1) {
            let pack = e.chunks[1].pack.expect("a second chunk is in a pack");
            terms.push((e.info.df, engine.pack_name(&shard.packs, pack).unwrap()));
        }
    }
    terms.sort_by_key(|t| std::cmp::Reverse(t.0));
    assert!(terms.len() > 3);
    for (df, pack) in &terms[..3] {
        assert!(bundled.contains(pack), "{pack} (df {df}) is not bundled");
    }
    // So a query of common words, which reads their second chunks, fetches none of them
    // once the bundle is in (and does without it).
    let ui = ui_req("barn unga");
    let frequent = |rs: &[Vec<String>]| {
        rs.iter()
            .flatten()
            .filter(|f| terms[..3].iter().any(|t| &t.1 == *f))
            .count()
    };
    assert!(
        frequent(&rounds(&dir, &ui)) > 0,
        "the query reads second chunks"
    );
    engine.add_bundle(&bytes).unwrap();
    let rs = rounds_with(&mut engine, &dir, &ui);
    assert_eq!(frequent(&rs), 0, "{rs:?}");
}

/// The synthetic corpus, with sections that use only one form of a synonym pair, indexed
/// with the pairs (SoL, HVB: one word and several).
fn build_with_synonyms(dir: &Path) -> Vec<SectionDoc> {
    let mut docs = corpus();
    for (url, body) in [
        (
            "sol.html#inledning",
            "Placeringen sker enligt SoL efter beslut.",
        ),
        (
            "socialtjanstlagen.html#inledning",
            "Socialtjänstlagen styr placeringen.",
        ),
        (
            "hvb.html#inledning",
            "Barnet bor på ett HVB under placeringen.",
        ),
        (
            "hem.html#inledning",
            "Ett hem för vård och boende tar emot barnet.",
        ),
        (
            "vard.html#inledning",
            "Vård och boende ordnas av kommunen i ett eget hem.",
        ),
    ] {
        docs.push(SectionDoc {
            page: Arc::new(PageFields {
                title: "Placering".into(),
                kind: "page".into(),
                ..Default::default()
            }),
            heading: "Inledning".into(),
            body: body.into(),
            url: url.into(),
        });
    }
    let pairs = [
        ("SoL", "Socialtjänstlagen"),
        ("HVB", "Hem för vård och boende"),
    ];
    let synonyms = Synonyms::new(pairs.map(|(a, e)| Pair {
        abbreviation: a.into(),
        expansion: e.into(),
    }));
    build_site_index_with(&docs, &synonyms, dir).expect("index builds");
    docs
}

/// Either form of a pair finds both, the other one marked `via`, a direct match first; a
/// form of several words matches as a phrase, and none of its words alone is the
/// abbreviation. tantivy, the native static reader and the committed wasm agree.
#[test]
fn synonyms_find_either_form_alike_in_tantivy_the_static_reader_and_the_wasm() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("search-index");
    let docs = build_with_synonyms(&dir);
    let queries = [
        "SoL",
        "sol",
        "socialtjänstlagen",
        "HVB",
        "hem för vård och boende",
        "vård boende",
        "placeringen sol",
    ];
    let mut answers = Vec::new();
    for q in queries {
        let (t, _, _) = search_tantivy(&dir, q, &Filters::default(), 10).unwrap();
        let s = static_search(&dir, &req(q));
        let found: Vec<(String, Vec<String>)> = s
            .hits
            .iter()
            .map(|h| (h.fragment.as_ref().unwrap().url.clone(), h.via.clone()))
            .collect();
        let tantivy: Vec<(String, Vec<String>)> = t
            .iter()
            .map(|h| (docs[h.ord as usize].url.clone(), h.via.clone()))
            .collect();
        assert_eq!(tantivy, found, "{q}");
        for (th, sh) in t.iter().zip(&s.hits) {
            assert!(
                (th.score - sh.score).abs() <= 1e-4 * th.score.max(1.0),
                "{q}"
            );
        }
        answers.push((q, found));
    }
    let rank = |q: &str, url: &str| {
        let found = &answers.iter().find(|a| a.0 == q).unwrap().1;
        found
            .iter()
            .position(|(u, _)| u == url)
            .map(|i| (i, found[i].1.clone()))
    };
    let none: Vec<String> = Vec::new();
    for q in ["SoL", "sol"] {
        let direct = rank(q, "sol.html#inledning").expect("SoL finds SoL");
        let other = rank(q, "socialtjanstlagen.html#inledning").expect("SoL finds the law");
        assert!(direct.0 < other.0, "{q}: a direct match first");
        assert_eq!(
            (direct.1, other.1),
            (none.clone(), vec!["Socialtjänstlagen".to_string()])
        );
    }
    let via = rank("socialtjänstlagen", "sol.html#inledning").expect("the law finds SoL");
    assert_eq!(via.1, ["SoL"]);
    assert_eq!(
        rank("HVB", "hem.html#inledning").unwrap().1,
        ["Hem för vård och boende"]
    );
    assert_eq!(
        rank("hem för vård och boende", "hvb.html#inledning")
            .unwrap()
            .1,
        ["HVB"]
    );
    assert_eq!(
        rank("hem för vård och boende", "hem.html#inledning").unwrap(),
        (0, none.clone())
    );
    // The words of the expansion out of order are not it, and not HVB.
    assert_eq!(rank("hem för vård och boende", "vard.html#inledning"), None);
    assert_eq!(rank("HVB", "vard.html#inledning"), None);
    assert_eq!(rank("vård boende", "hvb.html#inledning"), None);
    assert!(rank("vård boende", "vard.html#inledning").is_some());

    // The committed wasm reader says the same.
    let Some(stdout) = wasm_answers(&dir, &queries) else {
        return;
    };
    for (q, line) in queries.iter().zip(stdout.lines()) {
        let native = static_search(&dir, &req(q));
        let docs: Vec<String> = native.hits.iter().map(|h| h.doc.to_string()).collect();
        let vias: Vec<String> = native
            .hits
            .iter()
            .map(|h| {
                let v: Vec<String> = h.via.iter().map(|v| format!("\"{v}\"")).collect();
                format!("[{}]", v.join(","))
            })
            .collect();
        let expected = format!("\"docs\":[{}]", docs.join(","));
        assert!(
            line.contains(&expected),
            "{q}: wasm {line} native {expected}"
        );
        let expected = format!("\"vias\":[{}]", vias.join(","));
        assert!(
            line.contains(&expected),
            "{q}: wasm {line} native {expected}"
        );
    }
}

/// The files of a folder (not its subfolders), by name.
fn files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// A build spills the sections' texts to a file as it renders (`search_index::bodies`):
/// the index built from them there is the index built from texts in the sections, the
/// browser index byte for byte, and tantivy's stored texts give the same snippets.
#[test]
fn texts_read_back_from_a_spill_file_give_the_same_index() {
    use search_index::bodies::{Bodies, BodyWriter, EncodedPage};
    let in_memory = tempfile::tempdir().unwrap();
    let docs = build(in_memory.path());
    let mut spill = BodyWriter::new(tempfile::tempfile().unwrap());
    // A page at a time, as the render writes them.
    for page in docs.chunk_by(|a, b| std::sync::Arc::ptr_eq(&a.page, &b.page)) {
        spill.push_page(&EncodedPage::of(page)).unwrap();
    }
    let stripped: Vec<SectionDoc> = docs
        .iter()
        .map(|d| SectionDoc {
            body: String::new(),
            ..d.clone()
        })
        .collect();
    let bodies = Bodies::Spilled(spill.finish().unwrap());
    let spilled = tempfile::tempdir().unwrap();
    search_index::build_site_index_from(&stripped, &bodies, &Synonyms::default(), spilled.path())
        .expect("index builds");
    let (a, b) = (files(in_memory.path()), files(spilled.path()));
    assert!(a.len() > 6, "{} files", a.len());
    // Texts that are not the sections' are refused, not indexed out of step.
    let refused = search_index::build_site_index_from(
        &stripped[1..],
        &bodies,
        &Synonyms::default(),
        tempfile::tempdir().unwrap().path(),
    );
    assert!(refused.is_err());
    assert!(a == b, "the browser indexes differ");
    let first_words: Vec<&str> = docs
        .iter()
        .step_by(7)
        .filter_map(|d| d.body.split_whitespace().next())
        .collect();
    assert!(first_words.len() > 3);
    for q in first_words {
        let hits = |dir: &Path| {
            let hits = search_site(dir, q, &Filters::default(), 10).unwrap();
            assert!(!hits.is_empty(), "{q}: no hits");
            format!("{hits:?}")
        };
        assert_eq!(hits(in_memory.path()), hits(spilled.path()), "{q}");
    }
}

/// The preview's index (`build_browser_index`) is the full build's browser index, file for
/// file and byte for byte, without the tantivy index.
#[test]
fn the_browser_index_alone_is_the_full_builds_without_tantivy() {
    let full = tempfile::tempdir().unwrap();
    let docs = build(full.path());
    let browser = tempfile::tempdir().unwrap();
    let dir = browser.path().join("search-index");
    search_index::build_browser_index(&docs, &Default::default(), &dir).expect("index builds");
    assert!(!dir.join("tantivy").exists());
    let (a, b) = (files(full.path()), files(&dir));
    // The manifest, meta, vocabulary, validity table, bundle and the archives.
    assert!(a.len() > 6, "{} files", a.len());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    assert!(a == b, "the files differ");
}

/// The index of a larger book is a few archives besides four files, whatever the book's
/// size: at most `MAX_GROUP_HASHES` of term shards (with their packs) and of fragment
/// files, here far fewer files than pages; and every range the reader may ask for (each
/// member's directory record, the member, a shard's packs) is in its archive and inflates.
#[test]
fn a_larger_index_is_a_few_archives() {
    use search_index::format::MAX_GROUP_HASHES;
    let docs: Vec<SectionDoc> = (0..20_000)
        .map(|i| SectionDoc {
            page: Arc::new(PageFields {
                title: format!("Sida {}", i / 2),
                kind: "page".into(),
                ..Default::default()
            }),
            heading: format!("Avsnitt {i}"),
            body: format!(
                "{} {} {} kod{i}",
                WORDS[i % WORDS.len()],
                WORDS[(i * 7) % WORDS.len()],
                WORDS[(i / 3) % WORDS.len()]
            ),
            url: format!("sida{}.html#a{}", i / 2, i % 2),
        })
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("search-index");
    build_site_index(&docs, &dir).expect("index builds");
    let files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "tantivy")
        .collect();
    let archives = |kind: char| {
        files
            .iter()
            .filter(|n| n.starts_with(kind) && n[1..].starts_with(|c: char| c.is_ascii_digit()))
            .count()
    };
    let (engine, _) = open_static(&dir).unwrap();
    let meta = &engine.meta;
    assert!(meta.n_vpages >= 10_000, "{} virtual pages", meta.n_vpages);
    assert!(meta.shard_group > 1, "{} shards", meta.n_shards);
    assert_eq!(archives('t'), meta.n_shards.div_ceil(meta.shard_group));
    assert_eq!(
        archives('f'),
        (meta.n_vpages as usize).div_ceil(meta.frag_group)
    );
    assert!(archives('t') <= MAX_GROUP_HASHES && archives('f') <= MAX_GROUP_HASHES);
    // The packs' archives, the two manifests, the meta file, the vocabulary and the bundle
    // (no validity table).
    assert_eq!(archives('p'), meta.pack_archives.len());
    assert_eq!(
        files.len(),
        archives('t') + archives('f') + archives('p') + 5,
        "{files:?}"
    );
    // Too many fragment files for the meta file to carry their directory: the reader reads
    // their records.
    assert!(meta.frag_places.is_none());
    let names = search_index::reader::index_names(&dir).unwrap();
    assert!(names.len() > 2 * meta.n_vpages as usize);
    for name in &names {
        read_index_file(&dir, name).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    // Once the bundle is in, which carries the directory of the fragment files, a search
    // reads no record (the first search reads the records of its result pages).
    let mut first = req("vårdnadshavare");
    first.budget = 8000;
    let records = |rounds: &[Vec<String>]| {
        rounds
            .iter()
            .flatten()
            .filter(|n| n.ends_with("+13"))
            .count()
    };
    assert!(records(&rounds(&dir, &first)) > 0);
    let (mut engine, _) = open_static(&dir).unwrap();
    let bundle = read_index_file(&dir, &meta.bundle_name().unwrap())
        .unwrap()
        .0;
    engine.add_bundle(&bundle).unwrap();
    let rs = rounds_with(&mut engine, &dir, &first);
    assert_eq!(records(&rs), 0, "{rs:?}");
    // Searched through the records, natively and with the committed wasm, alike.
    let queries = ["barn skola", "kod1234", "vårdnadshavare"];
    let native: Vec<SearchResult> = queries
        .iter()
        .map(|q| static_search(&dir, &req(q)))
        .collect();
    assert!(native.iter().all(|r| !r.hits.is_empty()));
    assert_eq!(
        native[1].hits[0].fragment.as_ref().unwrap().url,
        "sida617.html#a0"
    );
    if let Some(stdout) = wasm_answers(&dir, &queries) {
        for (r, line) in native.iter().zip(stdout.lines()) {
            let docs: Vec<String> = r.hits.iter().map(|h| h.doc.to_string()).collect();
            assert!(
                line.contains(&format!("\"docs\":[{}]", docs.join(","))),
                "{line}"
            );
        }
    }
}
