//! The Swedish analyzer. Tantivy-free: the same code runs in the indexer (behind a thin
//! tantivy `Tokenizer` adapter, see `indexer.rs`) and in the wasm32 browser reader.
//!
//! Pipeline for one word: word segmentation (runs of letters and digits, see
//! [`word_spans`]) -> lowercase -> folding
//! (å ä -> a, ö -> o, é -> e, ...) -> Swedish snowball stem. Words are also split into
//! compound parts found in the corpus vocabulary (parts are emitted at the same position).
//! All-caps abbreviations and tokens with digits are additionally kept exact (see
//! [`exact_form`]).

/// Shortest surface length of a compound part.
pub const MIN_PART_CHARS: usize = 4;
/// Shortest word that is tried as a compound.
pub const MIN_COMPOUND_CHARS: usize = 8;
/// Most parts a compound is split into.
pub const MAX_PARTS: usize = 5;

/// A word of the input text with its byte offsets and word position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawToken<'a> {
    pub text: &'a str,
    pub from: usize,
    pub to: usize,
    pub position: usize,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || ('\u{300}'..='\u{36f}').contains(&c)
}

/// Word segmentation for Swedish text, the subset of UAX #29 word boundaries that matters
/// here (without its large Unicode tables, which would weigh on the wasm reader): a word is
/// a run of letters, digits and combining marks; `.` `:` `'` `’` join two letters (`t.ex`,
/// `SIP:en`), `.` `,` `'` `’` `;` join two digits (`1,5`, `2.0`). Everything else separates.
/// Yields (byte offset, word).
pub fn word_spans(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        // Skip to the first word char.
        let (from, first) = loop {
            let (i, c) = chars.next()?;
            if is_word_char(c) {
                break (i, c);
            }
        };
        let mut end = from + first.len_utf8();
        let mut prev = first;
        while let Some(&(i, c)) = chars.peek() {
            if is_word_char(c) {
                chars.next();
                end = i + c.len_utf8();
                prev = c;
                continue;
            }
            let letters = matches!(c, '.' | ':' | '\'' | '’') && prev.is_alphabetic();
            let digits = matches!(c, '.' | ',' | '\'' | '’' | ';') && prev.is_numeric();
            if !(letters || digits) {
                break;
            }
            let next = text[i + c.len_utf8()..].chars().next();
            let joins =
                next.is_some_and(|n| (letters && n.is_alphabetic()) || (digits && n.is_numeric()));
            if !joins {
                break;
            }
            chars.next();
        }
        Some((from, &text[from..end]))
    })
}

/// Splits text into words ([`word_spans`]). A word like `SIP:en` keeps only the part before
/// the colon (the Swedish inflection of an abbreviation).
pub fn raw_tokens(text: &str) -> Vec<RawToken<'_>> {
    let mut out = Vec::new();
    for (from, word) in word_spans(text) {
        let word = match word.find(':') {
            Some(0) => continue,
            Some(i) => &word[..i],
            None => word,
        };
        if word.is_empty() {
            continue;
        }
        let position = out.len();
        out.push(RawToken {
            text: word,
            from,
            to: from + word.len(),
            position,
        });
    }
    out
}

/// Folds one lowercase character: Swedish and common Latin diacritics are removed.
fn fold_char(c: char, out: &mut String) {
    match c {
        'å' | 'ä' | 'à' | 'á' | 'â' | 'ã' => out.push('a'),
        'ö' | 'ø' | 'ò' | 'ó' | 'ô' | 'õ' => out.push('o'),
        'é' | 'è' | 'ê' | 'ë' => out.push('e'),
        'í' | 'ì' | 'î' | 'ï' => out.push('i'),
        'ú' | 'ù' | 'û' | 'ü' => out.push('u'),
        'ý' | 'ÿ' => out.push('y'),
        'ç' => out.push('c'),
        'ñ' => out.push('n'),
        'æ' => out.push_str("ae"),
        'ß' => out.push_str("ss"),
        _ => out.push(c),
    }
}

/// Lowercases and folds a word.
pub fn fold(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        for &l in case::lower(c).as_slice() {
            fold_char(l, &mut out);
        }
    }
    out
}

/// The exact form of a token, if it is kept exact: all-caps abbreviations of 2 to 10
/// letters (SIP, BUP, LVU, NPÖ) and tokens of at least 2 characters containing a digit
/// (104623). The form is the uppercase token, unfolded.
pub fn exact_form(token: &str) -> Option<String> {
    let n = token.chars().count();
    if n < 2 || !token.chars().all(char::is_alphanumeric) {
        return None;
    }
    let has_digit = token.chars().any(|c| c.is_ascii_digit());
    let all_caps = n <= 10 && token.chars().all(|c| c.is_alphabetic() && c.is_uppercase());
    if has_digit || all_caps {
        Some(case::upper_str(token))
    } else {
        None
    }
}

/// The exact form a query word is looked up as: any alphanumeric word, uppercased (so a
/// typed `sip` or `npö` finds SIP and NPÖ).
pub fn query_exact_form(token: &str) -> Option<String> {
    if token.chars().count() < 2 || !token.chars().all(char::is_alphanumeric) {
        return None;
    }
    Some(case::upper_str(token))
}

/// Answers whether a stem is a word of the corpus vocabulary (a standalone word).
pub trait WordSet {
    fn is_word(&mut self, stem: &str) -> bool;
    /// Whether `is_word` is a cheap in-memory lookup. Then [`Analyzer::compound_parts`] first
    /// looks up every substring and skips candidate parts with no word as a prefix (a stem
    /// is always a prefix of its word: Swedish snowball and the `-et` rule only cut
    /// suffixes), which avoids most stemming.
    fn cheap(&self) -> bool {
        false
    }
}

impl WordSet for std::collections::HashSet<String> {
    fn is_word(&mut self, stem: &str) -> bool {
        self.contains(stem)
    }
}

/// The analyzer (stateless).
pub struct Analyzer;

impl Default for Analyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl Analyzer {
    pub fn new() -> Self {
        Analyzer
    }

    /// Stem of an already folded word: Swedish snowball, plus the neuter definite `-et`
    /// (and `-ets`, but not `-het`, see below) the snowball algorithm keeps, stripped before and after it so that all
    /// inflections agree (barnet, barnets -> barn; arbete, arbetet -> arb; budget,
    /// budgeten -> budg).
    pub fn stem_folded(&self, folded: &str) -> String {
        let n = folded.chars().count();
        // `-het` nouns: the `-et` rule would keep an `h` (verksamhet -> verksamh, against
        // verksamheten -> verksam); cut `-het` and stem what is left, like the adjective
        // (oenighet, oeniga -> oen; möjlighet, möjlig -> möj).
        if n >= 6
            && let Some(base) = folded
                .strip_suffix("het")
                .or_else(|| folded.strip_suffix("hets"))
        {
            return crate::stemmer::stem(base);
        }
        let pre = if n >= 6 && folded.ends_with("ets") {
            &folded[..folded.len() - 3]
        } else if n >= 5 && folded.ends_with("et") {
            &folded[..folded.len() - 2]
        } else {
            folded
        };
        let mut s = crate::stemmer::stem(pre);
        if s.ends_with("et") && s.chars().count() >= 5 {
            s.truncate(s.len() - 2);
        }
        s
    }

    /// The main term of a word: lowercase, fold, stem.
    pub fn term(&self, word: &str) -> String {
        self.stem_folded(&fold(word))
    }

    /// The stem under which a compound part (given by its folded surface) is a word, if any.
    /// Parts before the last may end in a linking `s` or a linking vowel (samverkan-s-,
    /// hälso-).
    fn part_stem(&self, surface: &str, last: bool, words: &mut dyn WordSet) -> Option<String> {
        let mut candidates: Vec<&str> = vec![surface];
        if !last {
            if let Some(s) = surface.strip_suffix('s') {
                candidates.push(s);
            }
            for v in ['o', 'u', 'e', 'a'] {
                if let Some(s) = surface.strip_suffix(v) {
                    candidates.push(s);
                }
            }
        }
        for c in candidates {
            if c.chars().count() < 3 {
                continue;
            }
            let stem = self.stem_folded(c);
            if stem.chars().count() >= 3 && words.is_word(&stem) {
                return Some(stem);
            }
            if c != stem && words.is_word(c) {
                return Some(c.to_string());
            }
        }
        None
    }

    /// Compound parts of a folded word: the stems of the parts of its finest split into
    /// vocabulary words, and of every run of adjacent parts that is itself a word
    /// (barnhalsovarden -> barn, hals, vard, halsovard). Excludes the whole word's stem.
    pub fn compound_parts(&self, folded: &str, words: &mut dyn WordSet) -> Vec<String> {
        let chars: Vec<(usize, char)> = folded.char_indices().collect();
        let n = chars.len();
        if n < MIN_COMPOUND_CHARS || !chars.iter().all(|(_, c)| c.is_alphabetic()) {
            return Vec::new();
        }
        let byte_at = |i: usize| if i == n { folded.len() } else { chars[i].0 };
        // first_word[i] = smallest k (>= i + 3) with chars[i..k] a word (n + 1: none).
        let first_word: Vec<usize> = if words.cheap() {
            (0..n)
                .map(|i| {
                    (i + 3..=n)
                        .find(|&k| words.is_word(&folded[byte_at(i)..byte_at(k)]))
                        .unwrap_or(n + 1)
                })
                .collect()
        } else {
            vec![0; n]
        };
        // best[i] = most parts splitting chars[i..] (0 = impossible), next[i] = end of first part.
        let mut best = vec![0usize; n + 1];
        let mut next = vec![0usize; n + 1];
        let mut memo: Vec<Option<bool>> = vec![None; (n + 1) * (n + 1)];
        let mut valid = |a: usize, b: usize, words: &mut dyn WordSet| -> bool {
            // No word starts chars[a..b] (a linking letter cut leaves b - 1): no part.
            if first_word[a] > b {
                return false;
            }
            *memo[a * (n + 1) + b].get_or_insert_with(|| {
                self.part_stem(&folded[byte_at(a)..byte_at(b)], b == n, words)
                    .is_some()
            })
        };
        for i in (0..n).rev() {
            let mut b = i + MIN_PART_CHARS;
            while b <= n {
                let rest = if b == n {
                    Some(0)
                } else if best[b] > 0 {
                    Some(best[b])
                } else {
                    None
                };
                if let Some(rest) = rest
                    && rest < MAX_PARTS
                    && rest + 1 > best[i]
                    && valid(i, b, words)
                {
                    best[i] = rest + 1;
                    next[i] = b;
                }
                b += 1;
            }
        }
        if best[0] < 2 {
            return Vec::new();
        }
        let mut bounds = vec![0usize];
        let mut i = 0;
        while i < n {
            i = next[i];
            bounds.push(i);
        }
        let whole = self.stem_folded(folded);
        let mut out: Vec<String> = Vec::new();
        let k = bounds.len() - 1;
        for a in 0..k {
            for b in a + 1..=k {
                if a == 0 && b == k {
                    continue;
                }
                let surface = &folded[byte_at(bounds[a])..byte_at(bounds[b])];
                if let Some(stem) = self.part_stem(surface, bounds[b] == n, words)
                    && stem != whole
                    && !out.contains(&stem)
                {
                    out.push(stem);
                }
            }
        }
        out
    }
}

/// One analyzed token of indexed text.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub text: String,
    pub position: usize,
    pub from: usize,
    pub to: usize,
}

/// Caches the analysis of distinct words for indexing: whole stem and compound parts.
pub struct IndexAnalyzer {
    analyzer: Analyzer,
    vocab: std::collections::HashSet<String>,
}

impl IndexAnalyzer {
    /// `vocab`: the stems of all words of the corpus (see [`collect_vocabulary`]).
    pub fn new(vocab: std::collections::HashSet<String>) -> Self {
        IndexAnalyzer {
            analyzer: Analyzer::new(),
            vocab,
        }
    }

    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    pub fn vocabulary(&self) -> &std::collections::HashSet<String> {
        &self.vocab
    }

    /// Main stem and compound parts of one word.
    pub fn word_terms(&self, word: &str) -> (String, Vec<String>) {
        let folded = fold(word);
        let stem = self.analyzer.stem_folded(&folded);
        let mut words = VocabRef(&self.vocab);
        let parts = self.analyzer.compound_parts(&folded, &mut words);
        (stem, parts)
    }

    /// All terms of a text: per word its stem, then its compound parts at the same position.
    pub fn analyze(&self, text: &str) -> Vec<Term> {
        let mut out = Vec::new();
        for t in raw_tokens(text) {
            let (stem, parts) = self.word_terms(t.text);
            if stem.is_empty() {
                continue;
            }
            out.push(Term {
                text: stem,
                position: t.position,
                from: t.from,
                to: t.to,
            });
            for p in parts {
                out.push(Term {
                    text: p,
                    position: t.position,
                    from: t.from,
                    to: t.to,
                });
            }
        }
        out
    }

    /// Exact terms of a text (abbreviations and ids, uppercase).
    pub fn analyze_exact(&self, text: &str) -> Vec<Term> {
        raw_tokens(text)
            .into_iter()
            .filter_map(|t| {
                exact_form(t.text).map(|e| Term {
                    text: e,
                    position: t.position,
                    from: t.from,
                    to: t.to,
                })
            })
            .collect()
    }
}

struct VocabRef<'a>(&'a std::collections::HashSet<String>);

impl WordSet for VocabRef<'_> {
    fn is_word(&mut self, stem: &str) -> bool {
        self.0.contains(stem)
    }
}

/// The vocabulary of a corpus: the stems of all its words (with their counts).
pub fn collect_vocabulary<'a>(
    texts: impl IntoIterator<Item = &'a str>,
) -> std::collections::HashMap<String, u32> {
    let analyzer = Analyzer::new();
    let mut counts = std::collections::HashMap::new();
    for text in texts {
        for t in raw_tokens(text) {
            let stem = analyzer.term(t.text);
            if !stem.is_empty() {
                *counts.entry(stem).or_insert(0u32) += 1;
            }
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab(words: &[&str]) -> std::collections::HashSet<String> {
        let a = Analyzer::new();
        words.iter().map(|w| a.term(w)).collect()
    }

    #[test]
    fn inflections_share_a_stem() {
        let a = Analyzer::new();
        assert_eq!(a.term("barnet"), a.term("barn"));
        assert_eq!(a.term("barnen"), a.term("barn"));
        assert_eq!(a.term("barns"), a.term("barn"));
        assert_eq!(a.term("Barnens"), a.term("barn"));
        assert_eq!(a.term("barnets"), a.term("barn"));
        assert_eq!(a.term("överenskommelsen"), a.term("överenskommelse"));
        assert_eq!(a.term("överenskommelser"), a.term("överenskommelse"));
        assert_eq!(a.term("dokumentet"), a.term("dokument"));
        assert_eq!(a.term("arbetet"), a.term("arbete"));
        assert_eq!(a.term("kvaliteten"), a.term("kvalitet"));
        assert_eq!(a.term("budgeten"), a.term("budget"));
        assert_eq!(a.term("samhället"), a.term("samhälle"));
    }

    #[test]
    fn het_nouns_share_a_stem_across_inflections_and_with_their_adjective() {
        let a = Analyzer::new();
        let verksam = a.term("verksam");
        for w in ["verksamhet", "verksamheten", "verksamheter", "verksamhets"] {
            assert_eq!(a.term(w), verksam, "{w}");
        }
        assert_eq!(a.term("oenighet"), a.term("oeniga"));
        assert_eq!(a.term("delaktighet"), a.term("delaktiga"));
        assert_eq!(a.term("enhet"), a.term("enheten"));
    }

    #[test]
    fn folding() {
        assert_eq!(fold("Överenskommelse"), "overenskommelse");
        assert_eq!(fold("BARNHÄLSOVÅRDEN"), "barnhalsovarden");
        assert_eq!(fold("idé"), "ide");
        let a = Analyzer::new();
        assert_eq!(a.term("overenskommelse"), a.term("överenskommelse"));
        assert_eq!(a.term("halsovard"), a.term("hälsovård"));
    }

    #[test]
    fn exact_forms() {
        assert_eq!(exact_form("SIP").as_deref(), Some("SIP"));
        assert_eq!(exact_form("NPÖ").as_deref(), Some("NPÖ"));
        assert_eq!(exact_form("104623").as_deref(), Some("104623"));
        assert_eq!(exact_form("Barn"), None);
        assert_eq!(exact_form("I"), None);
        assert_eq!(query_exact_form("sip").as_deref(), Some("SIP"));
    }

    #[test]
    fn tokens_and_abbreviation_inflection() {
        let t = raw_tokens("Barnets SIP:en, BUP och dokument 104623.");
        let words: Vec<&str> = t.iter().map(|t| t.text).collect();
        assert_eq!(
            words,
            ["Barnets", "SIP", "BUP", "och", "dokument", "104623"]
        );
        assert_eq!(t[1].position, 1);
        fn spans(s: &str) -> Vec<&str> {
            word_spans(s).map(|(_, w)| w).collect()
        }
        assert_eq!(
            spans("e-hälsa, t.ex. 1,5 år; ”citat” (BUP) LSS-insatser 2.0. x:"),
            [
                "e", "hälsa", "t.ex", "1,5", "år", "citat", "BUP", "LSS", "insatser", "2.0", "x"
            ]
        );
        assert_eq!(spans("barn's o\u{308}vrigt"), ["barn's", "o\u{308}vrigt"]);
        assert!(spans(" .,:;- ").is_empty());
    }

    #[test]
    fn compounds_split_against_vocabulary() {
        let ia = IndexAnalyzer::new(vocab(&[
            "barn",
            "hälsovård",
            "hälsa",
            "vård",
            "samverkan",
            "former",
        ]));
        let (stem, parts) = ia.word_terms("barnhälsovården");
        assert_eq!(stem, ia.analyzer().term("barnhälsovården"));
        let hv = ia.analyzer().term("hälsovård");
        assert!(parts.contains(&"barn".to_string()), "{parts:?}");
        assert!(parts.contains(&hv), "{parts:?}");
        assert!(parts.contains(&ia.analyzer().term("vård")), "{parts:?}");
        let (_, parts) = ia.word_terms("samverkansformer");
        assert!(
            parts.contains(&ia.analyzer().term("samverkan")),
            "{parts:?}"
        );
        // Not split: too short or parts not in the vocabulary.
        assert!(ia.word_terms("barnen").1.is_empty());
        assert!(ia.word_terms("verksamhet").1.is_empty());
    }

    /// The prefix filter of cheap word sets gives the same splits as plain lookups.
    #[test]
    fn cheap_word_sets_split_the_same() {
        struct Cheap(std::collections::HashSet<String>);
        impl WordSet for Cheap {
            fn is_word(&mut self, stem: &str) -> bool {
                self.0.contains(stem)
            }
            fn cheap(&self) -> bool {
                true
            }
        }
        let words = [
            "barn",
            "hälsovård",
            "hälsa",
            "vård",
            "samverkan",
            "former",
            "elev",
            "skola",
            "psykiatri",
            "ungdom",
            "social",
            "tjänst",
            "plan",
            "läkemedel",
            "sköterska",
            "orosanmälan",
            "anmälan",
            "oro",
            "familj",
            "behandling",
            "hem",
            "stöd",
        ];
        let v = vocab(&words);
        let a = Analyzer::new();
        let mut cheap = Cheap(v.clone());
        let mut plain = v;
        for w in [
            "barnhälsovården",
            "samverkansformer",
            "elevhälsan",
            "skolsköterskan",
            "barnpsykiatrin",
            "ungdomspsykiatri",
            "socialtjänsten",
            "läkemedelsplanen",
            "orosanmälningarna",
            "familjebehandlingshem",
            "stödfamiljen",
            "hemstödsplanerna",
            "barnbarnsbarn",
            "verksamhetsplan",
        ] {
            let f = fold(w);
            assert_eq!(
                a.compound_parts(&f, &mut cheap),
                a.compound_parts(&f, &mut plain),
                "{w}"
            );
        }
    }

    #[test]
    fn analyze_emits_parts_at_same_position() {
        let ia = IndexAnalyzer::new(vocab(&["barn", "hälsovård", "vård"]));
        let terms = ia.analyze("Om barnhälsovården");
        assert!(terms.iter().all(|t| t.position <= 1));
        assert!(terms.iter().any(|t| t.text == "barn" && t.position == 1));
        let ex = ia.analyze_exact("SIP enligt LVU, dokument 104623, NPÖ");
        let e: Vec<&str> = ex.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(e, ["SIP", "LVU", "104623", "NPÖ"]);
    }

    #[test]
    fn strange_input_does_not_panic() {
        let ia = IndexAnalyzer::new(vocab(&["barn"]));
        for s in [
            "",
            "   ",
            "\u{0}",
            "ǅ𝔘𝔫𝔦",
            "🙂🙂",
            "a-b-c",
            "::::",
            "x:",
            "ÅÄÖ",
            "İstanbul",
        ] {
            let _ = ia.analyze(s);
            let _ = ia.analyze_exact(s);
        }
    }
}

/// Case mappings of single characters, the same as `char::to_uppercase` and
/// `char::to_lowercase` for every character, from run tables a tenth the size of core's
/// (which would add ~25 KB to the wasm reader). A test compares them with core over all
/// characters and prints new tables when the toolchain's Unicode version changes.
pub mod case {
    /// A mapped character: up to three characters.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Mapped([char; 3], usize);

    impl Mapped {
        pub fn as_slice(&self) -> &[char] {
            &self.0[..self.1]
        }
    }

    /// Runs of characters mapped by the same offset: `start | (len - 1) << 21 |
    /// (stride == 2) << 28`, offset.
    type Runs = [(u32, i32)];
    /// Characters mapped to several (all in the BMP; 0 pads).
    type Multi = [(u16, [u16; 3])];

    fn map(c: char, runs: &Runs, multi: &Multi) -> Mapped {
        let u = c as u32;
        if u <= 0xFFFF
            && let Ok(i) = multi.binary_search_by_key(&(u as u16), |m| m.0)
        {
            let mut out = Mapped(['\0'; 3], 0);
            for &m in multi[i].1.iter().take_while(|&&m| m != 0) {
                out.0[out.1] = char::from_u32(u32::from(m)).unwrap_or(c);
                out.1 += 1;
            }
            return out;
        }
        let i = runs.partition_point(|r| r.0 & 0x1F_FFFF <= u);
        if i > 0 {
            let (packed, delta) = runs[i - 1];
            let start = packed & 0x1F_FFFF;
            let len = ((packed >> 21) & 0x7F) + 1;
            let stride = if packed >> 28 & 1 == 1 { 2 } else { 1 };
            let k = u - start;
            if k.is_multiple_of(stride)
                && k / stride < len
                && let Some(m) = char::from_u32(u.wrapping_add_signed(delta))
            {
                return Mapped([m, '\0', '\0'], 1);
            }
        }
        Mapped([c, '\0', '\0'], 1)
    }

    /// `c.to_uppercase()`.
    pub fn upper(c: char) -> Mapped {
        if c.is_ascii() {
            return Mapped([c.to_ascii_uppercase(), '\0', '\0'], 1);
        }
        map(c, UPPER_RUNS, UPPER_MULTI)
    }

    /// `c.to_lowercase()`.
    pub fn lower(c: char) -> Mapped {
        if c.is_ascii() {
            return Mapped([c.to_ascii_lowercase(), '\0', '\0'], 1);
        }
        map(c, LOWER_RUNS, LOWER_MULTI)
    }

    /// `s.to_uppercase()` (which has no context rules).
    pub fn upper_str(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            out.extend(upper(c).as_slice());
        }
        out
    }

    // Generated by `case::tests::tables_match_core` (see there).
    #[rustfmt::skip]
    static UPPER_RUNS: &Runs = &[
        (0x000000B5, 743), (0x02C000E0, -32), (0x00C000F8, -32), (0x000000FF, 121),
        (0x12E00101, -1), (0x00000131, -232), (0x10400133, -1), (0x10E0013A, -1), (0x12C0014B, -1),
        (0x1040017A, -1), (0x0000017F, -300), (0x00000180, 195), (0x10200183, -1),
        (0x00000188, -1), (0x0000018C, -1), (0x00000192, -1), (0x00000195, 97), (0x00000199, -1),
        (0x0000019A, 163), (0x0000019B, 42561), (0x0000019E, 130), (0x104001A1, -1),
        (0x000001A8, -1), (0x000001AD, -1), (0x000001B0, -1), (0x102001B4, -1), (0x000001B9, -1),
        (0x000001BD, -1), (0x000001BF, 56), (0x000001C5, -1), (0x000001C6, -2), (0x000001C8, -1),
        (0x000001C9, -2), (0x000001CB, -1), (0x000001CC, -2), (0x10E001CE, -1), (0x000001DD, -79),
        (0x110001DF, -1), (0x000001F2, -1), (0x000001F3, -2), (0x000001F5, -1), (0x126001F9, -1),
        (0x11000223, -1), (0x0000023C, -1), (0x0020023F, 10815), (0x00000242, -1),
        (0x10800247, -1), (0x00000250, 10783), (0x00000251, 10780), (0x00000252, 10782),
        (0x00000253, -210), (0x00000254, -206), (0x00200256, -205), (0x00000259, -202),
        (0x0000025B, -203), (0x0000025C, 42319), (0x00000260, -205), (0x00000261, 42315),
        (0x00000263, -207), (0x00000264, 42343), (0x00000265, 42280), (0x00000266, 42308),
        (0x00000268, -209), (0x00000269, -211), (0x0000026A, 42308), (0x0000026B, 10743),
        (0x0000026C, 42305), (0x0000026F, -211), (0x00000271, 10749), (0x00000272, -213),
        (0x00000275, -214), (0x0000027D, 10727), (0x00000280, -218), (0x00000282, 42307),
        (0x00000283, -218), (0x00000287, 42282), (0x00000288, -218), (0x00000289, -69),
        (0x0020028A, -217), (0x0000028C, -71), (0x00000292, -219), (0x0000029D, 42261),
        (0x0000029E, 42258), (0x00000345, 84), (0x10200371, -1), (0x00000377, -1),
        (0x0040037B, 130), (0x000003AC, -38), (0x004003AD, -37), (0x020003B1, -32),
        (0x000003C2, -31), (0x010003C3, -32), (0x000003CC, -64), (0x002003CD, -63),
        (0x000003D0, -62), (0x000003D1, -57), (0x000003D5, -47), (0x000003D6, -54),
        (0x000003D7, -8), (0x116003D9, -1), (0x000003F0, -86), (0x000003F1, -80), (0x000003F2, 7),
        (0x000003F3, -116), (0x000003F5, -96), (0x000003F8, -1), (0x000003FB, -1),
        (0x03E00430, -32), (0x01E00450, -80), (0x12000461, -1), (0x1340048B, -1), (0x10C004C2, -1),
        (0x000004CF, -15), (0x15E004D1, -1), (0x04A00561, -48), (0x054010D0, 3008),
        (0x004010FD, 3008), (0x00A013F8, -8), (0x00001C80, -6254), (0x00001C81, -6253),
        (0x00001C82, -6244), (0x00201C83, -6242), (0x00001C85, -6243), (0x00001C86, -6236),
        (0x00001C87, -6181), (0x00001C88, 35266), (0x00001C8A, -1), (0x00001D79, 35332),
        (0x00001D7D, 3814), (0x00001D8E, 35384), (0x19401E01, -1), (0x00001E9B, -59),
        (0x15E01EA1, -1), (0x00E01F00, 8), (0x00A01F10, 8), (0x00E01F20, 8), (0x00E01F30, 8),
        (0x00A01F40, 8), (0x10601F51, 8), (0x00E01F60, 8), (0x00201F70, 74), (0x00601F72, 86),
        (0x00201F76, 100), (0x00201F78, 128), (0x00201F7A, 112), (0x00201F7C, 126),
        (0x00201FB0, 8), (0x00001FBE, -7205), (0x00201FD0, 8), (0x00201FE0, 8), (0x00001FE5, 7),
        (0x0000214E, -28), (0x01E02170, -16), (0x00002184, -1), (0x032024D0, -26),
        (0x05E02C30, -48), (0x00002C61, -1), (0x00002C65, -10795), (0x00002C66, -10792),
        (0x10402C68, -1), (0x00002C73, -1), (0x00002C76, -1), (0x16202C81, -1), (0x10202CEC, -1),
        (0x00002CF3, -1), (0x04A02D00, -7264), (0x00002D27, -7264), (0x00002D2D, -7264),
        (0x12C0A641, -1), (0x11A0A681, -1), (0x10C0A723, -1), (0x13C0A733, -1), (0x1020A77A, -1),
        (0x1080A77F, -1), (0x0000A78C, -1), (0x1020A791, -1), (0x0000A794, 48), (0x1120A797, -1),
        (0x10E0A7B5, -1), (0x1020A7C8, -1), (0x10E0A7CD, -1), (0x0000A7F6, -1), (0x0000AB53, -928),
        (0x09E0AB70, -38864), (0x0320FF41, -32), (0x04E10428, -40), (0x046104D8, -40),
        (0x01410597, -39), (0x01C105A3, -39), (0x00C105B3, -39), (0x002105BB, -39),
        (0x06410CC0, -64), (0x02A10D70, -32), (0x03E118C0, -32), (0x03E16E60, -32),
        (0x03016EBB, -27), (0x0421E922, -34),
    ];
    #[rustfmt::skip]
    static UPPER_MULTI: &Multi = &[
        (0x00DF, [0x0053, 0x0053, 0x0000]), (0x0149, [0x02BC, 0x004E, 0x0000]),
        (0x01F0, [0x004A, 0x030C, 0x0000]), (0x0390, [0x0399, 0x0308, 0x0301]),
        (0x03B0, [0x03A5, 0x0308, 0x0301]), (0x0587, [0x0535, 0x0552, 0x0000]),
        (0x1E96, [0x0048, 0x0331, 0x0000]), (0x1E97, [0x0054, 0x0308, 0x0000]),
        (0x1E98, [0x0057, 0x030A, 0x0000]), (0x1E99, [0x0059, 0x030A, 0x0000]),
        (0x1E9A, [0x0041, 0x02BE, 0x0000]), (0x1F50, [0x03A5, 0x0313, 0x0000]),
        (0x1F52, [0x03A5, 0x0313, 0x0300]), (0x1F54, [0x03A5, 0x0313, 0x0301]),
        (0x1F56, [0x03A5, 0x0313, 0x0342]), (0x1F80, [0x1F08, 0x0399, 0x0000]),
        (0x1F81, [0x1F09, 0x0399, 0x0000]), (0x1F82, [0x1F0A, 0x0399, 0x0000]),
        (0x1F83, [0x1F0B, 0x0399, 0x0000]), (0x1F84, [0x1F0C, 0x0399, 0x0000]),
        (0x1F85, [0x1F0D, 0x0399, 0x0000]), (0x1F86, [0x1F0E, 0x0399, 0x0000]),
        (0x1F87, [0x1F0F, 0x0399, 0x0000]), (0x1F88, [0x1F08, 0x0399, 0x0000]),
        (0x1F89, [0x1F09, 0x0399, 0x0000]), (0x1F8A, [0x1F0A, 0x0399, 0x0000]),
        (0x1F8B, [0x1F0B, 0x0399, 0x0000]), (0x1F8C, [0x1F0C, 0x0399, 0x0000]),
        (0x1F8D, [0x1F0D, 0x0399, 0x0000]), (0x1F8E, [0x1F0E, 0x0399, 0x0000]),
        (0x1F8F, [0x1F0F, 0x0399, 0x0000]), (0x1F90, [0x1F28, 0x0399, 0x0000]),
        (0x1F91, [0x1F29, 0x0399, 0x0000]), (0x1F92, [0x1F2A, 0x0399, 0x0000]),
        (0x1F93, [0x1F2B, 0x0399, 0x0000]), (0x1F94, [0x1F2C, 0x0399, 0x0000]),
        (0x1F95, [0x1F2D, 0x0399, 0x0000]), (0x1F96, [0x1F2E, 0x0399, 0x0000]),
        (0x1F97, [0x1F2F, 0x0399, 0x0000]), (0x1F98, [0x1F28, 0x0399, 0x0000]),
        (0x1F99, [0x1F29, 0x0399, 0x0000]), (0x1F9A, [0x1F2A, 0x0399, 0x0000]),
        (0x1F9B, [0x1F2B, 0x0399, 0x0000]), (0x1F9C, [0x1F2C, 0x0399, 0x0000]),
        (0x1F9D, [0x1F2D, 0x0399, 0x0000]), (0x1F9E, [0x1F2E, 0x0399, 0x0000]),
        (0x1F9F, [0x1F2F, 0x0399, 0x0000]), (0x1FA0, [0x1F68, 0x0399, 0x0000]),
        (0x1FA1, [0x1F69, 0x0399, 0x0000]), (0x1FA2, [0x1F6A, 0x0399, 0x0000]),
        (0x1FA3, [0x1F6B, 0x0399, 0x0000]), (0x1FA4, [0x1F6C, 0x0399, 0x0000]),
        (0x1FA5, [0x1F6D, 0x0399, 0x0000]), (0x1FA6, [0x1F6E, 0x0399, 0x0000]),
        (0x1FA7, [0x1F6F, 0x0399, 0x0000]), (0x1FA8, [0x1F68, 0x0399, 0x0000]),
        (0x1FA9, [0x1F69, 0x0399, 0x0000]), (0x1FAA, [0x1F6A, 0x0399, 0x0000]),
        (0x1FAB, [0x1F6B, 0x0399, 0x0000]), (0x1FAC, [0x1F6C, 0x0399, 0x0000]),
        (0x1FAD, [0x1F6D, 0x0399, 0x0000]), (0x1FAE, [0x1F6E, 0x0399, 0x0000]),
        (0x1FAF, [0x1F6F, 0x0399, 0x0000]), (0x1FB2, [0x1FBA, 0x0399, 0x0000]),
        (0x1FB3, [0x0391, 0x0399, 0x0000]), (0x1FB4, [0x0386, 0x0399, 0x0000]),
        (0x1FB6, [0x0391, 0x0342, 0x0000]), (0x1FB7, [0x0391, 0x0342, 0x0399]),
        (0x1FBC, [0x0391, 0x0399, 0x0000]), (0x1FC2, [0x1FCA, 0x0399, 0x0000]),
        (0x1FC3, [0x0397, 0x0399, 0x0000]), (0x1FC4, [0x0389, 0x0399, 0x0000]),
        (0x1FC6, [0x0397, 0x0342, 0x0000]), (0x1FC7, [0x0397, 0x0342, 0x0399]),
        (0x1FCC, [0x0397, 0x0399, 0x0000]), (0x1FD2, [0x0399, 0x0308, 0x0300]),
        (0x1FD3, [0x0399, 0x0308, 0x0301]), (0x1FD6, [0x0399, 0x0342, 0x0000]),
        (0x1FD7, [0x0399, 0x0308, 0x0342]), (0x1FE2, [0x03A5, 0x0308, 0x0300]),
        (0x1FE3, [0x03A5, 0x0308, 0x0301]), (0x1FE4, [0x03A1, 0x0313, 0x0000]),
        (0x1FE6, [0x03A5, 0x0342, 0x0000]), (0x1FE7, [0x03A5, 0x0308, 0x0342]),
        (0x1FF2, [0x1FFA, 0x0399, 0x0000]), (0x1FF3, [0x03A9, 0x0399, 0x0000]),
        (0x1FF4, [0x038F, 0x0399, 0x0000]), (0x1FF6, [0x03A9, 0x0342, 0x0000]),
        (0x1FF7, [0x03A9, 0x0342, 0x0399]), (0x1FFC, [0x03A9, 0x0399, 0x0000]),
        (0xFB00, [0x0046, 0x0046, 0x0000]), (0xFB01, [0x0046, 0x0049, 0x0000]),
        (0xFB02, [0x0046, 0x004C, 0x0000]), (0xFB03, [0x0046, 0x0046, 0x0049]),
        (0xFB04, [0x0046, 0x0046, 0x004C]), (0xFB05, [0x0053, 0x0054, 0x0000]),
        (0xFB06, [0x0053, 0x0054, 0x0000]), (0xFB13, [0x0544, 0x0546, 0x0000]),
        (0xFB14, [0x0544, 0x0535, 0x0000]), (0xFB15, [0x0544, 0x053B, 0x0000]),
        (0xFB16, [0x054E, 0x0546, 0x0000]), (0xFB17, [0x0544, 0x053D, 0x0000]),
    ];
    #[rustfmt::skip]
    static LOWER_RUNS: &Runs = &[
        (0x02C000C0, 32), (0x00C000D8, 32), (0x12E00100, 1), (0x10400132, 1), (0x10E00139, 1),
        (0x12C0014A, 1), (0x00000178, -121), (0x10400179, 1), (0x00000181, 210), (0x10200182, 1),
        (0x00000186, 206), (0x00000187, 1), (0x00200189, 205), (0x0000018B, 1), (0x0000018E, 79),
        (0x0000018F, 202), (0x00000190, 203), (0x00000191, 1), (0x00000193, 205),
        (0x00000194, 207), (0x00000196, 211), (0x00000197, 209), (0x00000198, 1),
        (0x0000019C, 211), (0x0000019D, 213), (0x0000019F, 214), (0x104001A0, 1),
        (0x000001A6, 218), (0x000001A7, 1), (0x000001A9, 218), (0x000001AC, 1), (0x000001AE, 218),
        (0x000001AF, 1), (0x002001B1, 217), (0x102001B3, 1), (0x000001B7, 219), (0x000001B8, 1),
        (0x000001BC, 1), (0x000001C4, 2), (0x000001C5, 1), (0x000001C7, 2), (0x000001C8, 1),
        (0x000001CA, 2), (0x110001CB, 1), (0x110001DE, 1), (0x000001F1, 2), (0x102001F2, 1),
        (0x000001F6, -97), (0x000001F7, -56), (0x126001F8, 1), (0x00000220, -130), (0x11000222, 1),
        (0x0000023A, 10795), (0x0000023B, 1), (0x0000023D, -163), (0x0000023E, 10792),
        (0x00000241, 1), (0x00000243, -195), (0x00000244, 69), (0x00000245, 71), (0x10800246, 1),
        (0x10200370, 1), (0x00000376, 1), (0x0000037F, 116), (0x00000386, 38), (0x00400388, 37),
        (0x0000038C, 64), (0x0020038E, 63), (0x02000391, 32), (0x010003A3, 32), (0x000003CF, 8),
        (0x116003D8, 1), (0x000003F4, -60), (0x000003F7, 1), (0x000003F9, -7), (0x000003FA, 1),
        (0x004003FD, -130), (0x01E00400, 80), (0x03E00410, 32), (0x12000460, 1), (0x1340048A, 1),
        (0x000004C0, 15), (0x10C004C1, 1), (0x15E004D0, 1), (0x04A00531, 48), (0x04A010A0, 7264),
        (0x000010C7, 7264), (0x000010CD, 7264), (0x09E013A0, 38864), (0x00A013F0, 8),
        (0x00001C89, 1), (0x05401C90, -3008), (0x00401CBD, -3008), (0x19401E00, 1),
        (0x00001E9E, -7615), (0x15E01EA0, 1), (0x00E01F08, -8), (0x00A01F18, -8), (0x00E01F28, -8),
        (0x00E01F38, -8), (0x00A01F48, -8), (0x10601F59, -8), (0x00E01F68, -8), (0x00E01F88, -8),
        (0x00E01F98, -8), (0x00E01FA8, -8), (0x00201FB8, -8), (0x00201FBA, -74), (0x00001FBC, -9),
        (0x00601FC8, -86), (0x00001FCC, -9), (0x00201FD8, -8), (0x00201FDA, -100),
        (0x00201FE8, -8), (0x00201FEA, -112), (0x00001FEC, -7), (0x00201FF8, -128),
        (0x00201FFA, -126), (0x00001FFC, -9), (0x00002126, -7517), (0x0000212A, -8383),
        (0x0000212B, -8262), (0x00002132, 28), (0x01E02160, 16), (0x00002183, 1), (0x032024B6, 26),
        (0x05E02C00, 48), (0x00002C60, 1), (0x00002C62, -10743), (0x00002C63, -3814),
        (0x00002C64, -10727), (0x10402C67, 1), (0x00002C6D, -10780), (0x00002C6E, -10749),
        (0x00002C6F, -10783), (0x00002C70, -10782), (0x00002C72, 1), (0x00002C75, 1),
        (0x00202C7E, -10815), (0x16202C80, 1), (0x10202CEB, 1), (0x00002CF2, 1), (0x12C0A640, 1),
        (0x11A0A680, 1), (0x10C0A722, 1), (0x13C0A732, 1), (0x1020A779, 1), (0x0000A77D, -35332),
        (0x1080A77E, 1), (0x0000A78B, 1), (0x0000A78D, -42280), (0x1020A790, 1), (0x1120A796, 1),
        (0x0000A7AA, -42308), (0x0000A7AB, -42319), (0x0000A7AC, -42315), (0x0000A7AD, -42305),
        (0x0000A7AE, -42308), (0x0000A7B0, -42258), (0x0000A7B1, -42282), (0x0000A7B2, -42261),
        (0x0000A7B3, 928), (0x10E0A7B4, 1), (0x0000A7C4, -48), (0x0000A7C5, -42307),
        (0x0000A7C6, -35384), (0x1020A7C7, 1), (0x0000A7CB, -42343), (0x10E0A7CC, 1),
        (0x0000A7DC, -42561), (0x0000A7F5, 1), (0x0320FF21, 32), (0x04E10400, 40),
        (0x046104B0, 40), (0x01410570, 39), (0x01C1057C, 39), (0x00C1058C, 39), (0x00210594, 39),
        (0x06410C80, 64), (0x02A10D50, 32), (0x03E118A0, 32), (0x03E16E40, 32), (0x03016EA0, 27),
        (0x0421E900, 34),
    ];
    #[rustfmt::skip]
    static LOWER_MULTI: &Multi = &[
        (0x0130, [0x0069, 0x0307, 0x0000]),
    ];

    #[cfg(test)]
    mod tests {
        use super::*;

        /// The tables core's mappings give, as Rust source.
        fn generate(name: &str, f: fn(char) -> Vec<char>) -> String {
            let mut singles: Vec<(u32, i64)> = Vec::new();
            let mut multi: Vec<(u32, Vec<char>)> = Vec::new();
            for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
                if c.is_ascii() {
                    continue;
                }
                let m = f(c);
                if m.len() > 1 {
                    multi.push((c as u32, m));
                } else if m[0] != c {
                    singles.push((c as u32, i64::from(m[0] as u32) - i64::from(c as u32)));
                }
            }
            let mut runs = Vec::new();
            let mut i = 0;
            while i < singles.len() {
                let (s, d) = singles[i];
                let mut best = (1usize, 1u32);
                for stride in [1u32, 2] {
                    let mut n = 1;
                    while n < 128
                        && i + n < singles.len()
                        && singles[i + n].0 == s + stride * n as u32
                        && singles[i + n].1 == d
                    {
                        n += 1;
                    }
                    if n > best.0 {
                        best = (n, stride);
                    }
                }
                let packed = s | ((best.0 as u32 - 1) << 21) | (u32::from(best.1 == 2) << 28);
                runs.push(format!("(0x{packed:08X}, {d})"));
                i += best.0;
            }
            let multi: Vec<String> = multi
                .iter()
                .map(|(c, m)| {
                    assert!(*c <= 0xFFFF && m.len() <= 3 && m.iter().all(|&x| x <= '\u{FFFF}'));
                    let mut t = [0u32; 3];
                    for (k, x) in m.iter().enumerate() {
                        t[k] = *x as u32;
                    }
                    format!(
                        "(0x{c:04X}, [0x{:04X}, 0x{:04X}, 0x{:04X}])",
                        t[0], t[1], t[2]
                    )
                })
                .collect();
            format!(
                "#[rustfmt::skip]\nstatic {name}_RUNS: &Runs = &[\n{}];\n\
                 #[rustfmt::skip]\nstatic {name}_MULTI: &Multi = &[\n{}];\n",
                wrap(&runs),
                wrap(&multi)
            )
        }

        /// Items in lines of at most 100 characters, indented for the `case` module.
        fn wrap(items: &[String]) -> String {
            let mut out = String::new();
            let mut line = String::new();
            for it in items {
                if !line.is_empty() && line.len() + it.len() + 2 > 92 {
                    out.push_str(&format!("        {}\n", line.trim_end()));
                    line.clear();
                }
                line.push_str(it);
                line.push_str(", ");
            }
            if !line.is_empty() {
                out.push_str(&format!("        {}\n", line.trim_end()));
            }
            out
        }

        #[test]
        fn tables_match_core() {
            let mut mismatch = false;
            for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
                let up: Vec<char> = c.to_uppercase().collect();
                let low: Vec<char> = c.to_lowercase().collect();
                if upper(c).as_slice() != up || lower(c).as_slice() != low {
                    mismatch = true;
                    break;
                }
            }
            if mismatch {
                println!(
                    "{}{}",
                    generate("UPPER", |c| c.to_uppercase().collect()),
                    generate("LOWER", |c| c.to_lowercase().collect())
                );
                panic!("case tables differ from core's: replace them with the output above");
            }
            assert_eq!(
                upper_str("sip npö ß 104623ǆ"),
                "sip npö ß 104623ǆ".to_uppercase()
            );
        }
    }
}
