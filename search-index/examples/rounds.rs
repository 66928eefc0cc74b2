//! `cargo run -p search-index --release --example rounds -- INDEX_DIR [QUERY...]`
//!
//! Fetch rounds of a browser session, machine-independent: one engine (as in the worker),
//! the queries in order (the first one cold, later ones warm: they reuse what earlier ones
//! fetched), each with what the UI asks for first (15 hits, fragments of 5 pages, the first
//! answer with the top page, a posting budget of 8,000 bytes; `BUDGET`, `LIMIT`, `PAGES`, `FIRST`
//! override), fetched in the worker's order. Per query: the fetch rounds (each a set of
//! parallel requests; in brackets those before the first answer), the requests and the
//! stored bytes. After the second
//! query the index's bundle, if it has one, is added: the worker asks for it with the
//! files of a second query, at low priority (`NO_BUNDLE=1`: not). Without queries, the search benchmark's lists are used (`--book`
//! for the bundled book's).

use search_index::reader::{Engine, Filters, Request, Step, open_static, read_index_file};

const CORPUS: &[&str] = &[
    "samordnad individuell plan",
    "vårdnadshavare",
    "elevhälsan",
    "socialtjänsten uppföljning",
    "SIP",
    "BUP insatser",
    "överenskommelse",
    "barn och unga",
    "ansvar",
];
const BOOK: &[&str] = &[
    "samordnad individuell plan",
    "vårdnadshavare",
    "skolnärvaro",
    "barnkonventionen",
    "avvikelse samverkan",
    "familjecentral",
    "hälsoundersökning",
    "ReKo",
    "elevhälsan",
];

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs one request to the end as the worker does (search-worker.js): while the first
/// `first` result pages are not complete, it fetches what they need together with what the
/// whole answer needs (the first answer comes once the former are in). Returns the
/// rounds as (requests, stored bytes) and the number of rounds before the first answer.
fn session_query(
    engine: &mut Engine,
    dir: &std::path::Path,
    req: &Request,
    first: usize,
) -> (Vec<(usize, usize)>, usize) {
    let mut rounds = Vec::new();
    let mut partial = (first >= req.fragments).then_some(usize::MAX);
    let part_req = Request {
        fragments: first,
        early: true,
        ..req.clone()
    };
    for _ in 0..10_000 {
        let mut files = match engine.search(req).expect("search") {
            Step::Done(_) => {
                return (
                    rounds.clone(),
                    partial.unwrap_or(rounds.len()).min(rounds.len()),
                );
            }
            Step::Need(files) => files,
        };
        if partial.is_none() {
            match engine.search(&part_req).expect("search") {
                Step::Done(_) => partial = Some(rounds.len()),
                // A first answer whose hits are ranked waits for their text alone; the
                // rest is asked for once it is posted.
                Step::Need(part) if engine.waits_for_text_only() => files = part,
                // The worker asks for the first pages' files at high priority (listed
                // first), the rest of the round at low.
                Step::Need(part) if std::env::var("VERBOSE").is_ok() => {
                    eprintln!("  first answer waits for: {}", part.join(" "));
                    let rest: Vec<String> =
                        files.into_iter().filter(|f| !part.contains(f)).collect();
                    files = part;
                    files.extend(rest);
                }
                // The worker asks for the other pages' files in the same round.
                Step::Need(part) => {
                    for f in part {
                        if !files.contains(&f) {
                            files.push(f);
                        }
                    }
                }
            }
        }
        let mut bytes = 0;
        for f in &files {
            let (b, stored) = read_index_file(dir, f).expect("index file");
            bytes += stored;
            engine.add_file(f, b);
        }
        if std::env::var("VERBOSE").is_ok() {
            eprintln!("  round {}: {}", rounds.len() + 1, files.join(" "));
        }
        rounds.push((files.len(), bytes));
    }
    panic!("search did not finish");
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let book = args.iter().any(|a| a == "--book");
    args.retain(|a| a != "--book");
    let Some(dir) = args.first().cloned() else {
        eprintln!("usage: rounds INDEX_DIR [--book] [QUERY...]");
        std::process::exit(2);
    };
    let dir = std::path::Path::new(&dir);
    let mut queries: Vec<String> = args[1..].to_vec();
    if queries.is_empty() {
        queries = (if book { BOOK } else { CORPUS })
            .iter()
            .map(|s| s.to_string())
            .collect();
    }
    let (mut engine, _) = open_static(dir).expect("index opens");
    let (mut total_rounds, mut total_first, mut total_requests) = (0, 0, 0);
    println!("| query | rounds (first answer) | requests per round | requests | KB |");
    println!("|---|---:|---|---:|---:|");
    for (i, q) in queries.iter().enumerate() {
        let req = Request {
            query: q.clone(),
            filters: Filters::default(),
            limit: env("LIMIT", 15),
            fragments: env("PAGES", 5),
            budget: env("BUDGET", 8000),
            early: false,
        };
        let (rounds, first_answer) = session_query(&mut engine, dir, &req, env("FIRST", 1));
        let requests: usize = rounds.iter().map(|r| r.0).sum();
        let bytes: usize = rounds.iter().map(|r| r.1).sum();
        if i > 0 {
            total_rounds += rounds.len();
            total_first += first_answer;
            total_requests += requests;
        }
        let per: Vec<String> = rounds.iter().map(|r| r.0.to_string()).collect();
        println!(
            "| {q}{} | {} ({first_answer}) | {} | {requests} | {:.1} |",
            if i == 0 { " (cold)" } else { "" },
            rounds.len(),
            per.join(" + "),
            bytes as f64 / 1000.0
        );
        if i == 1
            && std::env::var("NO_BUNDLE").is_err()
            && let Some(name) = engine.meta.bundle_name()
        {
            // In by the third query (asked for with the second one's files).
            let (bytes, stored) = read_index_file(dir, &name).expect("bundle");
            engine.add_bundle(&bytes).expect("bundle decodes");
            println!(
                "| (prefetch: {name}) | 1 | 1 | 1 | {:.1} |",
                stored as f64 / 1000.0
            );
        }
    }
    let warm = queries.len().saturating_sub(1).max(1) as f64;
    println!(
        "\nwarm queries: {:.2} rounds ({:.2} before the first answer), {:.1} requests on average",
        total_rounds as f64 / warm,
        total_first as f64 / warm,
        total_requests as f64 / warm
    );
}
