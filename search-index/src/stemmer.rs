//! The Swedish Snowball stemmer (<https://snowballstem.org/algorithms/swedish/stemmer.html>),
//! written out by hand so that the wasm reader does not link every language of
//! `rust-stemmers` (whose `Stemmer::create` keeps all ~18 algorithms). It equals
//! rust-stemmers' `Algorithm::Swedish` output (tested over every word of the bundled book,
//! see `tests/stemmer.rs`).
//!
//! The algorithm: R1 is the region after the first non-vowel following a vowel, but at
//! least three letters from the start. Then, each step only looking inside R1:
//! 1. main suffix: delete the longest of a list of endings (`s` only after a valid
//!    s-ending letter);
//! 2. consonant pair: if the word ends in dd gd nn dt gt kt tt, delete the last letter;
//! 3. other suffix: delete `lig`, `ig`, `els`; replace `löst` by `lös`, `fullt` by `full`.

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'ä' | 'å' | 'ö')
}

fn is_s_ending(c: char) -> bool {
    matches!(
        c,
        'b' | 'c'
            | 'd'
            | 'f'
            | 'g'
            | 'h'
            | 'j'
            | 'k'
            | 'l'
            | 'm'
            | 'n'
            | 'o'
            | 'p'
            | 'r'
            | 't'
            | 'v'
            | 'y'
    )
}

/// Step 1 endings (all deleted; `s` is handled apart).
const MAIN_SUFFIXES: &[&str] = &[
    "a", "arna", "erna", "heterna", "orna", "ad", "e", "ade", "ande", "arne", "are", "aste", "en",
    "anden", "aren", "heten", "ern", "ar", "er", "heter", "or", "as", "arnas", "ernas", "ornas",
    "es", "ades", "andes", "ens", "arens", "hetens", "erns", "at", "andet", "het", "ast",
];

const CONSONANT_PAIRS: &[&str] = &["dd", "gd", "nn", "dt", "gt", "kt", "tt"];

/// Start of R1 (in chars).
fn r1(w: &[char]) -> usize {
    let n = w.len();
    if n < 3 {
        return n;
    }
    let Some(v) = w.iter().position(|&c| is_vowel(c)) else {
        return n;
    };
    match w[v..].iter().position(|&c| !is_vowel(c)) {
        Some(k) => (v + k + 1).max(3),
        None => n,
    }
}

fn ends_with(w: &[char], suffix: &str) -> bool {
    let s: Vec<char> = suffix.chars().collect();
    w.len() >= s.len() && w[w.len() - s.len()..] == s[..]
}

/// Length (chars) of the longest suffix of `w` from `list` that starts at or after `p1`.
fn longest_in_r1(w: &[char], p1: usize, list: &[&str]) -> Option<usize> {
    list.iter()
        .map(|s| s.chars().count())
        .zip(list)
        .filter(|(len, s)| w.len() >= p1 + len && ends_with(w, s))
        .map(|(len, _)| len)
        .max()
}

/// Stems a lowercase Swedish word.
pub fn stem(word: &str) -> String {
    let mut w: Vec<char> = word.chars().collect();
    let p1 = r1(&w);
    // Step 1: main suffix. The longest candidate in R1 among the endings and `s`.
    let main = longest_in_r1(&w, p1, MAIN_SUFFIXES);
    let s_fits = w.len() > p1 && w.last() == Some(&'s');
    match main {
        Some(len) => w.truncate(w.len() - len),
        None if s_fits && w.len() >= 2 && is_s_ending(w[w.len() - 2]) => {
            w.pop();
        }
        None => {}
    }
    // Step 2: consonant pair.
    if longest_in_r1(&w, p1, CONSONANT_PAIRS).is_some() {
        w.pop();
    }
    // Step 3: other suffix.
    if let Some(len) = longest_in_r1(&w, p1, &["ig", "lig", "els", "fullt", "löst"]) {
        // `fullt` -> `full` and `löst` -> `lös` drop one letter; the others are deleted.
        let replaced = (len == 5 && ends_with(&w, "fullt")) || (len == 4 && ends_with(&w, "löst"));
        let n = w.len();
        w.truncate(if replaced { n - 1 } else { n - len });
    }
    w.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::stem;

    #[test]
    fn known_stems() {
        for (w, s) in [
            ("barnen", "barn"),
            ("överenskommelsen", "överenskomm"),
            ("klokhet", "klok"),
            ("hälsoundersökningar", "hälsoundersökning"),
            ("vänligt", "vän"),
            ("fullt", "fullt"),
            ("hopplöst", "hopplös"),
            ("ab", "ab"),
            ("", ""),
        ] {
            assert_eq!(stem(w), s, "{w}");
        }
    }
}
