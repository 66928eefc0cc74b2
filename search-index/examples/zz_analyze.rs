use search_index::format::*;
use search_index::reader::*;
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let dir = std::path::Path::new(&a[1]);
    let (eng, _) = open_static(dir).unwrap();
    let meta = &eng.meta;
    println!("docs {} pages {} shards {} frags {}", meta.n_docs, meta.n_pages, meta.n_shards, meta.frags.len());
    let mut dfs = vec![];
    let mut nterms = 0; let mut words=0;
    let mut shardsz = vec![];
    for (i, (_, h)) in meta.shards.iter().enumerate() {
        let (b, st) = read_index_file(dir, &shard_name(i, *h)).unwrap();
        shardsz.push(st);
        let s = Shard::decode(&b).unwrap();
        for e in &s.entries {
            nterms += 1;
            if e.flags & FLAG_WORD != 0 { words += 1; }
            let df: usize = e.blocks.iter().map(|b| b.count).sum();
            dfs.push((df, e.term.clone(), e.blocks.first().map(|b| b.max).unwrap_or(0.0)));
        }
    }
    dfs.sort_by(|a, b| b.0.cmp(&a.0));
    println!("terms {nterms} words {words} shard bytes total {} avg {}", shardsz.iter().sum::<usize>(), shardsz.iter().sum::<usize>()/shardsz.len());
    for (df, t, m) in dfs.iter().take(60) { print!("{t}:{df}:{m:.1} "); }
    println!();
    let tot: usize = dfs.iter().map(|d| d.0).sum();
    println!("total postings {tot}");
    for th in [1usize, 2, 4, 8, 16, 64, 256, 1024, 4096] {
        let n = dfs.iter().filter(|d| d.0 <= th).count();
        let p: usize = dfs.iter().filter(|d| d.0 <= th).map(|d| d.0).sum();
        println!("df<={th}: {n} terms, {p} postings");
    }
    for q in a[2..].iter() {
        if let Some(x) = dfs.iter().find(|d| &d.1 == q) { println!("{q}: df {} max {}", x.0, x.2); }
    }
}
