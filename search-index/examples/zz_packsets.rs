use search_index::reader::*;
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let dir = std::path::Path::new(&a[1]);
    for name in &a[2..] {
        let (bytes, stored) = read_index_file(dir, name).unwrap();
        let s = Shard::decode(&bytes).unwrap();
        let mut stripped = s.clone();
        stripped.packs.ranges.iter_mut().for_each(|r| *r = (0, 0));
        stripped
            .pos_packs
            .ranges
            .iter_mut()
            .for_each(|r| *r = (0, 0));
        for f in &mut stripped.foreign {
            f.packs.ranges.iter_mut().for_each(|r| *r = (0, 0));
            f.pos_packs.ranges.iter_mut().for_each(|r| *r = (0, 0));
        }
        let z = |b: &[u8]| search_index::format::compress(b).len();
        println!(
            "{name}: stored {stored}, raw {}, packs {} pos {} foreign {} (foreign packs {}), stripped-compressed {} vs {}",
            bytes.len(),
            s.packs.count(),
            s.pos_packs.count(),
            s.foreign.len(),
            s.foreign
                .iter()
                .map(|f| f.packs.count() + f.pos_packs.count())
                .sum::<usize>(),
            z(&stripped.encode()),
            z(&s.encode())
        );
    }
}
