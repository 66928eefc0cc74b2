//! `cargo run -p search-index --example trace -- INDEX_DIR QUERY`: files a cold query reads.
use search_index::reader::{Filters, Request, search_static_traced};
fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 3 {
        eprintln!("usage: trace INDEX_DIR QUERY");
        std::process::exit(2);
    }
    let req = Request {
        query: a[2].clone(),
        filters: Filters::default(),
        limit: 10,
        fragments: 5,
        budget: std::env::var("BUDGET")
            .ok()
            .and_then(|b| b.parse().ok())
            .unwrap_or(0),
        early: false,
    };
    let (r, files) = search_static_traced(std::path::Path::new(&a[1]), &req).expect("search");
    for (f, n) in &files {
        println!("{n:7} {f}");
    }
    for h in &r.hits {
        println!(
            "{:8.3} {}",
            h.score,
            h.fragment.as_ref().map_or("", |f| f.url.as_str())
        );
    }
}
