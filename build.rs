//! Rebuild when the embedded default theme changes, and compress the search's wasm reader
//! for it once here, with Zopfli: about 3 KB (5 %) smaller than DEFLATE level 9, which
//! every visitor's first search pays for, and too slow (seconds) to run per site build.
//! `src/theme.rs` ships these bytes for the embedded wasm.
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=theme");
    let wasm =
        std::fs::read("theme/search/search_index.wasm").expect("theme/search/search_index.wasm");
    let mut out = Vec::new();
    zopfli::compress(
        zopfli::Options::default(),
        zopfli::Format::Deflate,
        &wasm[..],
        &mut out,
    )
    .expect("Zopfli compresses in memory");
    let dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&dir).join("search_index.wasm.deflate"), out)
        .expect("OUT_DIR is writable");
}
