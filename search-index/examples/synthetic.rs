//! Builds the search index of a synthetic Swedish corpus and measures cold queries.
//!
//! `cargo run -p search-index --release --example synthetic -- PAGES OUT_DIR`
//! Prints, per query, the bytes a cold browser session transfers (manifest, meta, the term
//! shards, posting packs, positions and fragments of the top five results).

use std::time::Instant;

use search_index::reader::{Filters, Request, search_static_traced};
use search_index::{PageFields, SectionDoc, build_site_index};
use std::sync::Arc;

const STEMS: &[&str] = &[
    "barn",
    "ungdom",
    "skola",
    "elevhälsa",
    "socialtjänst",
    "sjukvård",
    "vård",
    "samverkan",
    "samarbete",
    "plan",
    "insats",
    "stöd",
    "familj",
    "vårdnadshavare",
    "förälder",
    "kommun",
    "region",
    "ansvar",
    "rutin",
    "psykiatri",
    "ohälsa",
    "uppföljning",
    "dokumentation",
    "behov",
    "samordning",
    "verksamhet",
    "personal",
    "utredning",
    "beslut",
    "mål",
    "hälsa",
    "tandvård",
    "förskola",
    "läkemedel",
    "habilitering",
    "missbruk",
    "beroende",
    "våld",
    "trygghet",
    "delaktighet",
    "rättighet",
    "anmälan",
    "orosanmälan",
    "placering",
    "boende",
    "fritid",
    "idrott",
    "kultur",
    "språk",
    "integration",
    "nyanländ",
    "asyl",
    "funktionsnedsättning",
    "autism",
    "adhd",
    "depression",
    "ångest",
    "suicid",
    "prevention",
    "främjande",
    "tidig",
    "samtycke",
    "sekretess",
    "journal",
    "remiss",
    "vårdcentral",
    "mottagning",
    "kurator",
    "psykolog",
    "skolsköterska",
    "rektor",
    "lärare",
    "pedagog",
    "specialpedagog",
    "assistent",
];
const ENDINGS: &[&str] = &[
    "", "en", "et", "er", "erna", "ar", "arna", "s", "ens", "ets", "ning", "ningar",
];
const FUNCTION: &[&str] = &[
    "och", "att", "för", "med", "som", "av", "på", "i", "till", "det", "är", "om", "när", "ska",
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Zipf-like pick: low indices far more often.
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        ((n as f64).powf(u) as usize).saturating_sub(1).min(n - 1)
    }
}

fn word(rng: &mut Rng) -> String {
    if rng.below(3) == 0 {
        return FUNCTION[rng.below(FUNCTION.len())].to_string();
    }
    let a = STEMS[rng.zipf(STEMS.len())];
    let mut w = a.to_string();
    if rng.below(5) == 0 {
        // A compound.
        let b = STEMS[rng.zipf(STEMS.len())];
        w = format!("{a}{}{b}", if rng.below(2) == 0 { "s" } else { "" });
    }
    w.push_str(ENDINGS[rng.below(ENDINGS.len())]);
    if rng.below(50) == 0 {
        // Rare made-up words grow the vocabulary like real text does.
        w.push_str(&format!("{}", rng.below(5000)));
    }
    w
}

fn text(rng: &mut Rng, n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&word(rng));
        if rng.below(12) == 0 {
            out.push('.');
        }
    }
    out
}

fn corpus(pages: usize) -> Vec<SectionDoc> {
    let mut rng = Rng(0x2545F4914F6CDD1D);
    let kinds = ["agreement", "fakta", "process", "action-plan", "page"];
    let statuses = [
        Some("in-force"),
        Some("in-force"),
        Some("draft"),
        Some("repealed"),
        None,
    ];
    let mut docs = Vec::new();
    for p in 0..pages {
        let title = format!("{} {}", text(&mut rng, 3), p);
        let sections = 2 + rng.below(8);
        for s in 0..sections {
            let len = 40 + rng.below(200);
            docs.push(SectionDoc {
                page: Arc::new(PageFields {
                    title: title.clone(),
                    heading_path: vec!["Överenskommelser".into()],
                    kind: kinds[p % 5].into(),
                    strategy_group: Some(
                        ["Barn och unga", "Psykisk hälsa", "Vård och omsorg"][p % 3].into(),
                    ),
                    services: vec!["Skola".into(), "Socialtjänst".into()],
                    status: statuses[p % 5].map(String::from),
                    doc_id: if p % 3 == 0 {
                        Some(format!("{}", 100000 + p))
                    } else {
                        None
                    },
                    valid_from_day: None,
                    valid_until_day: None,
                }),
                heading: if s == 0 {
                    String::new()
                } else {
                    text(&mut rng, 3)
                },
                body: text(&mut rng, len),
                url: format!("p/{p}.html#s{s}"),
            });
        }
    }
    docs
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let pages: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let out = std::path::PathBuf::from(
        args.get(2)
            .cloned()
            .unwrap_or_else(|| "target/synthetic-search".into()),
    );
    let docs = corpus(pages);
    let t = Instant::now();
    let stats = build_site_index(&docs, &out).expect("build");
    let files = std::fs::read_dir(&out).map(|d| d.count()).unwrap_or(0);
    println!(
        "pages {pages}, sections {}, static index {} bytes in {files} files, built in {:.1}s",
        stats.sections,
        stats.bytes,
        t.elapsed().as_secs_f32()
    );
    let budget: usize = std::env::var("BUDGET")
        .ok()
        .and_then(|b| b.parse().ok())
        .unwrap_or(0);
    for q in [
        "barn",
        "samverkan",
        "hälsovård",
        "barn skola",
        "psykiatri ungdom",
        "elevhälsan kurator",
        "socialtjänst orosanmälan barn",
        "\"samordning av insatser\"",
        "100002",
        "vårdcentral",
        "samv",
        "autismspektrum",
    ] {
        let req = Request {
            query: q.into(),
            filters: Filters::default(),
            limit: 10,
            fragments: 5,
            budget,
            early: false,
        };
        let t = Instant::now();
        let (r, files) = search_static_traced(&out, &req).expect("search");
        let bytes: usize = files.iter().map(|f| f.1).sum();
        let mut by_kind = std::collections::BTreeMap::new();
        for (name, n) in &files {
            let k = name.chars().next().unwrap_or('?');
            let e = by_kind.entry(k).or_insert((0, 0));
            e.0 += 1;
            e.1 += n;
        }
        println!(
            "{q:32} hits {:2}{}  cold bytes {:6}  {:.1} ms  {by_kind:?}",
            r.hits.len(),
            if r.approximate { "~" } else { " " },
            bytes,
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
}
