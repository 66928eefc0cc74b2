//! `cargo run -p search-index --release --example warm -- INDEX_DIR [QUERY...]`
//!
//! Warm query time of the static reader (the code the browser runs): one engine, every
//! file a query needs handed over first (as the worker would have fetched them), then the
//! median of 20 runs of each query with 20 results, 10 fragments and the posting budget the
//! UI asks for.

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
            limit: 20,
            fragments: 10,
            budget: 60_000,
        };
        let hits = run(&mut engine, dir, &req);
        let mut times: Vec<f64> = (0..20)
            .map(|_| {
                let t = Instant::now();
                run(&mut engine, dir, &req);
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        times.sort_by(f64::total_cmp);
        println!("{q:<34} hits {hits:>2}  warm median {:7.2} ms", times[10]);
    }
}
