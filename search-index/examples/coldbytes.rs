//! `cargo run -p search-index --release --example coldbytes -- INDEX_DIR [QUERY...]`
//!
//! Per query: what a cold browser session transfers for the query and its top five results
//! (manifest, meta, term shards, posting and position packs, fragments), the number of
//! files, whether the ranking is exact, and the time the native reader took (warm page
//! cache). Without queries, a standard list is used. Also prints the index's file count and
//! total bytes. `BUDGET=60000` applies the browser UI's posting budget (bytes of posting
//! blocks beyond the first ones; `~` marks a ranking that stopped at the budget).

use std::time::Instant;

use search_index::reader::{Filters, Request, search_static_traced};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(dir) = args.get(1) else {
        eprintln!("usage: coldbytes INDEX_DIR [QUERY...]");
        std::process::exit(2);
    };
    let dir = std::path::Path::new(dir);
    let mut files = 0usize;
    let mut bytes = 0u64;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("index dir").flatten() {
            let m = e.metadata().expect("metadata");
            if m.is_dir() {
                stack.push(e.path());
            } else {
                files += 1;
                bytes += m.len();
            }
        }
    }
    println!("{}: {files} files, {bytes} bytes", dir.display());
    let default = [
        "barn",
        "barn skola",
        "\"samordnad individuell plan\"",
        "SIP",
        "samverkan",
        "hälsovård",
        "socialtjänst orosanmälan barn",
        "samv",
    ];
    let queries: Vec<String> = if args.len() > 2 {
        args[2..].to_vec()
    } else {
        default.iter().map(|s| s.to_string()).collect()
    };
    for q in queries {
        let req = Request {
            query: q.clone(),
            filters: Filters::default(),
            limit: std::env::var("LIMIT")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(10),
            fragments: 5,
            budget: std::env::var("BUDGET")
                .ok()
                .and_then(|b| b.parse().ok())
                .unwrap_or(0),
            early: false,
        };
        let t = Instant::now();
        let (r, read) = search_static_traced(dir, &req).expect("search");
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let total: usize = read.iter().map(|f| f.1).sum();
        println!(
            "{:34} hits {:2}{} cold {:7} bytes in {:2} files  {:6.1} ms",
            q,
            r.hits.len(),
            if r.approximate { "~" } else { " " },
            total,
            read.len(),
            ms
        );
    }
}
