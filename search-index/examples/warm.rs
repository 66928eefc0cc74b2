//! `cargo run -p search-index --release --example warm -- INDEX_DIR [QUERY...]`
//!
//! Warm query time of the static reader (the code the browser runs): one engine, every
//! file a query needs handed over first (as the worker would have fetched them; decoded
//! data and rankings are dropped before each run, so every run decodes and ranks), then the
//! median of 20 runs of each query with what the UI asks for first (10 hits, fragments of 5
//! pages, a posting budget of 8,000 bytes).

use std::time::Instant;

use search_index::reader::{Engine, Filters, Request, Step};

fn run(engine: &mut Engine, dir: &std::path::Path, req: &Request) -> usize {
    for _ in 0..10_000 {
        match engine.search(req).expect("search") {
            Step::Done(r) => return r.hits.len(),
            Step::Need(files) => {
                for f in files {
                    let (b, _) =
                        search_index::reader::read_index_file(dir, &f).expect("index file");
                    engine.add_file(&f, b);
                }
            }
        }
    }
    panic!("search did not finish");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(dir) = args.get(1) else {
        eprintln!("usage: warm INDEX_DIR [QUERY...]");
        std::process::exit(2);
    };
    let dir = std::path::Path::new(dir);
    let (mut engine, _) = search_index::reader::open_static(dir).expect("index opens");
    let mut queries: Vec<String> = args[2..].to_vec();
    if queries.is_empty() {
        queries = [
            "barn",
            "barn skola",
            "\"samordnad individuell plan\"",
            "SIP",
            "vad ansvarar socialtjänsten för",
            "barnkonvetionen",
            "samv",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
    }
    for q in &queries {
        let req = Request {
            query: q.clone(),
            filters: Filters::default(),
            limit: 10,
            fragments: 5,
            budget: 8_000,
            early: false,
        };
        let hits = run(&mut engine, dir, &req);
        let mut times: Vec<f64> = (0..20)
            .map(|_| {
                engine.forget_decoded();
                let t = Instant::now();
                run(&mut engine, dir, &req);
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        times.sort_by(f64::total_cmp);
        println!("{q:<34} hits {hits:>2}  warm median {:7.2} ms", times[10]);
    }
}
