//! Our Swedish Snowball stemmer equals rust-stemmers' `Algorithm::Swedish` on every distinct
//! word of the bundled book and of its source documents (`book/sources/`), each word also with
//! every Swedish ending of the algorithm appended, folded and unfolded.

use std::collections::BTreeSet;
use std::path::Path;

use rust_stemmers::{Algorithm, Stemmer};
use search_index::{analyzer, stemmer};

fn collect(dir: &Path, words: &mut BTreeSet<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, words);
        } else if let Ok(text) = std::fs::read_to_string(&p) {
            for t in analyzer::raw_tokens(&text) {
                words.insert(t.text.to_lowercase());
            }
        }
    }
}

#[test]
fn equals_rust_stemmers_swedish() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut words = BTreeSet::new();
    collect(&repo.join("book/src"), &mut words);
    collect(&repo.join("book/sources"), &mut words);
    assert!(words.len() > 3000, "only {} words", words.len());
    let endings = [
        "", "s", "a", "e", "en", "er", "ar", "or", "et", "ets", "ens", "arna", "erna", "orna",
        "heter", "heten", "hetens", "ande", "andet", "ade", "ades", "aste", "ast", "het", "lig",
        "ligt", "ig", "igt", "els", "löst", "fullt", "dd", "tt", "gt", "kt", "nn", "bs", "xs",
    ];
    let reference = Stemmer::create(Algorithm::Swedish);
    let mut checked = 0;
    let mut variants = BTreeSet::new();
    for w in &words {
        for e in endings {
            let v = format!("{w}{e}");
            variants.insert(analyzer::fold(&v));
            variants.insert(v);
        }
    }
    for extra in [
        "", "a", "ab", "abc", "ås", "ös", "yyy", "sss", "xyz", "åäö", "fullt", "löst",
    ] {
        variants.insert(extra.to_string());
    }
    for v in &variants {
        assert_eq!(stemmer::stem(v), reference.stem(v), "{v}");
        checked += 1;
    }
    assert!(checked > 100_000, "{checked}");
}
