//! Deterministic generator of benchmark books for samsyn.
//!
//! A corpus is an mdBook-layout book (`book.toml`, `src/SUMMARY.md`, pages) with Swedish-like
//! text from the child and youth collaboration domain: parts → chapters → sub-chapters (about
//! ten per level), 3–8 headings per page (some with explicit `{#id}`s, some repeated so that
//! `-1` suffixes occur), paragraphs, lists, sometimes a table, and 3–10 internal links per page
//! (relative `.md` links, some with a `#fragment`, and `doc:ID` links to pages with front
//! matter). Every link is valid, so a samsyn build of a corpus is a clean build.
//!
//! The same `(pages, seed)` always gives byte-identical files.

mod words;

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io;
use std::path::Path;

use words::*;

/// Name of the marker file written at the corpus root; a directory holding it may be replaced.
pub const MARKER: &str = ".samsyn-corpus";

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// Number of pages (chapters) in the book, at least 1.
    pub pages: usize,
    /// Seed of the pseudo-random generator.
    pub seed: u64,
    /// Book title; a default naming the page count is used when `None`.
    pub title: Option<String>,
}

/// Counts describing a generated corpus.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub pages: usize,
    pub parts: usize,
    pub max_depth: usize,
    pub front_matter_pages: usize,
    pub draft_pages: usize,
    pub headings: usize,
    pub explicit_ids: usize,
    pub suffixed_ids: usize,
    pub relative_links: usize,
    pub doc_links: usize,
    pub fragment_links: usize,
    pub tables: usize,
    pub bytes: usize,
}

/// A generated book: files relative to the book root (`/`-separated) and their contents.
#[derive(Debug, Clone)]
pub struct Corpus {
    pub files: Vec<(String, String)>,
    pub stats: Stats,
    pub seed: u64,
}

impl Corpus {
    /// One line naming the generator, the size, the seed and an FNV-1a hash of every file;
    /// it is the content of [`MARKER`], so a caller can tell whether a corpus on disk is
    /// up to date without rewriting it.
    pub fn fingerprint(&self) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for (path, text) in &self.files {
            for b in path.bytes().chain([0]).chain(text.bytes()).chain([0]) {
                h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
        }
        format!(
            "samsyn-corpus {} pages={} seed={} fnv64={h:016x}\n",
            env!("CARGO_PKG_VERSION"),
            self.stats.pages,
            self.seed
        )
    }

    /// Writes the book to `dir`. An existing `dir` is replaced only when it is empty or was
    /// written by this generator (holds [`MARKER`]); anything else is an error.
    pub fn write_to(&self, dir: &Path) -> io::Result<()> {
        if dir.exists() {
            let empty = dir.read_dir()?.next().is_none();
            if !empty && !dir.join(MARKER).exists() {
                return Err(io::Error::other(format!(
                    "{} exists and was not written by samsyn-corpus; refusing to replace it",
                    dir.display()
                )));
            }
            std::fs::remove_dir_all(dir)?;
        }
        std::fs::create_dir_all(dir)?;
        let mut made: HashSet<&str> = HashSet::new();
        for (rel, text) in &self.files {
            if let Some((parent, _)) = rel.rsplit_once('/')
                && made.insert(parent)
            {
                std::fs::create_dir_all(dir.join(parent))?;
            }
            std::fs::write(dir.join(rel), text)?;
        }
        std::fs::write(dir.join(MARKER), self.fingerprint())?;
        Ok(())
    }
}

/// The mdBook 0.5 automatic heading id, as samsyn computes it (samsyn's own tests check
/// it against mdBook's rule).
pub use samsyn::markdown::id_from_text as mdbook_id;

pub use samsyn::markdown::unique_id;

/// SplitMix64: small, fast, and identical on every platform.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5a5a_1234_dead_beef)
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0);
        (self.next_u64() % n as u64) as usize
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    fn word(&mut self, xs: &[&'static str]) -> &'static str {
        xs[self.below(xs.len())]
    }
}

struct Heading {
    level: usize,
    text: String,
    explicit: bool,
    id: String,
}

struct FrontMatter {
    kind: &'static str,
    doc_id: String,
    status: &'static str,
}

struct Page {
    path: String,
    title: String,
    depth: usize,
    headings: Vec<Heading>,
    front_matter: Option<FrontMatter>,
}

impl Page {
    fn linkable(&self) -> bool {
        self.front_matter
            .as_ref()
            .is_none_or(|fm| fm.status == "in-force")
    }
}

struct Node {
    page: usize,
    children: Vec<Node>,
}

/// Splits `n` into `k` near-equal shares (larger ones first).
fn split(n: usize, k: usize) -> Vec<usize> {
    (0..k).map(|i| n / k + usize::from(i < n % k)).collect()
}

fn subtree(count: usize, next: &mut usize) -> Node {
    let page = *next;
    *next += 1;
    let rest = count - 1;
    let children = split(rest, rest.min(10))
        .into_iter()
        .map(|c| subtree(c, next))
        .collect();
    Node { page, children }
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Lower-cases the first letter unless the first word is an acronym (`SIP`, `BUP`).
fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match (c.next(), c.next()) {
        (Some(a), Some(b)) if !b.is_uppercase() => {
            a.to_lowercase().chain(s[a.len_utf8()..].chars()).collect()
        }
        _ => s.to_string(),
    }
}

/// ASCII-folded slug used for explicit ids (`Hälso- och sjukvård` → `halso-och-sjukvard`).
fn fold(s: &str) -> String {
    let mut out = String::new();
    for c in s.to_lowercase().chars() {
        let c = match c {
            'å' | 'ä' | 'á' | 'à' => 'a',
            'ö' | 'ó' => 'o',
            'é' | 'è' => 'e',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if (c.is_whitespace() || c == '-') && !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

fn toml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Relative URL from the page at `from` to the page at `to` (both relative to `src/`).
fn relative(from: &str, to: &str) -> String {
    let from_dir: Vec<&str> = from.split('/').collect::<Vec<_>>();
    let from_dir = &from_dir[..from_dir.len() - 1];
    let to_parts: Vec<&str> = to.split('/').collect();
    let common = from_dir
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = String::new();
    for _ in common..from_dir.len() {
        out.push_str("../");
    }
    out.push_str(&to_parts[common..].join("/"));
    out
}

struct Text<'r> {
    rng: &'r mut Rng,
}

impl Text<'_> {
    fn noun_phrase(&mut self) -> String {
        let r = &mut *self.rng;
        match r.below(9) {
            0 => r.pick(NOUNS).1.to_string(),
            1 => {
                let a = r.pick(ADJECTIVES);
                let n = r.pick(NOUNS);
                format!("{} {}", a.2, n.2)
            }
            2 => {
                let a = r.pick(ADJECTIVES);
                let n = r.pick(NOUNS);
                if r.chance(0.4) {
                    format!("de {} {}", a.2, n.3)
                } else {
                    format!("{} {} {}", if n.4 { "det" } else { "den" }, a.2, n.1)
                }
            }
            3 => {
                let g = r.pick(GENITIVES);
                let n = r.pick(NOUNS);
                format!("{g} {}", if r.chance(0.5) { n.0 } else { n.2 })
            }
            4 => {
                let p = r.pick(COMPOUND_PREFIXES);
                let h = r.pick(COMPOUND_HEADS);
                format!("{p}{}", if r.chance(0.6) { h.1 } else { h.3 })
            }
            5 => {
                let a = r.pick(ADJECTIVES);
                let n = r.pick(NOUNS);
                if n.4 {
                    format!("ett {} {}", a.1, n.0)
                } else {
                    format!("en {} {}", a.0, n.0)
                }
            }
            6 => r.pick(MASS_NOUNS).1.to_string(),
            7 => {
                let a = r.pick(ADJECTIVES);
                let p = r.pick(COMPOUND_PREFIXES);
                let h = r.pick(COMPOUND_HEADS);
                format!("{} {p}{}", a.2, h.2)
            }
            _ => {
                let m = r.pick(MASS_NOUNS).0;
                let n = r.pick(NOUNS);
                format!("{} för {m}", n.1)
            }
        }
    }

    fn compound_def(&mut self) -> String {
        let p = self.rng.pick(COMPOUND_PREFIXES);
        let h = self.rng.pick(COMPOUND_HEADS);
        format!("{p}{}", h.1)
    }

    fn actor(&mut self) -> &'static str {
        self.rng.word(ACTORS)
    }

    /// A verb phrase ready to take an object: (present, infinitive), preposition included.
    fn verb(&mut self) -> (String, String) {
        let (pres, inf, prep) = *self.rng.pick(VERBS);
        if prep.is_empty() {
            (pres.to_string(), inf.to_string())
        } else {
            (format!("{pres} {prep}"), format!("{inf} {prep}"))
        }
    }

    fn adverbial(&mut self) -> String {
        match self.rng.below(16) {
            0 => " för barn och unga".into(),
            1 => " inom elevhälsan".into(),
            2 => format!(" i {}", self.rng.pick(MUNICIPALITIES)),
            3 => " tillsammans med vårdnadshavare".into(),
            4 => format!(" enligt {}", self.rng.pick(LAWS)),
            5 => format!(" inom ramen för {}", self.compound_def()),
            6 => " vid behov".into(),
            7 => format!(" i samråd med {}", self.actor()),
            _ => String::new(),
        }
    }

    fn sentence(&mut self) -> String {
        let s = match self.rng.below(16) {
            0 | 1 => {
                let (v, _) = self.verb();
                let (a, o, pp) = (self.actor(), self.noun_phrase(), self.adverbial());
                format!("{a} {v} {o}{pp}.")
            }
            2 => {
                let (pres, _, prep) = *self.rng.pick(VERBS);
                let (a, b, o) = (self.actor(), self.actor(), self.noun_phrase());
                let prep = if prep.is_empty() {
                    String::new()
                } else {
                    format!("{prep} ")
                };
                format!("{a} och {b} {pres} gemensamt {prep}{o}.")
            }
            3 => {
                let (_, v) = self.verb();
                let law = self.rng.pick(LAWS);
                let (a, o, pp) = (self.actor(), self.noun_phrase(), self.adverbial());
                format!("Enligt {law} ska {a} {v} {o}{pp}.")
            }
            4 => {
                let (v1, _) = self.verb();
                let (_, v2) = self.verb();
                let (a, o, b, o2) = (
                    self.actor(),
                    self.noun_phrase(),
                    self.actor(),
                    self.noun_phrase(),
                );
                format!("När {a} {v1} {o} ska {b} {v2} {o2}.")
            }
            5 => {
                let (v, _) = self.verb();
                let (a, o) = (self.actor(), self.noun_phrase());
                format!("Det är viktigt att {a} {v} {o} i ett tidigt skede.")
            }
            6 => {
                let o = self.noun_phrase();
                let t = self.rng.pick(TIMES);
                format!("{o} ska dokumenteras {t}.")
            }
            7 => {
                let c = self.rng.pick(CHILDREN);
                let (o, a) = (self.noun_phrase(), self.actor());
                format!(
                    "Om {c} har behov av {o} ska {a} kalla till en samordnad individuell plan (SIP)."
                )
            }
            8 => {
                let a = self.actor();
                format!(
                    "Vårdnadshavare ska vara delaktiga i planeringen och ge sitt samtycke innan information lämnas till {a}."
                )
            }
            9 => {
                let (a, o) = (self.actor(), self.noun_phrase());
                format!("{a} har det övergripande ansvaret för {o}.")
            }
            10 => {
                let t = self.rng.pick(TIMES);
                let a = self.actor();
                format!("Uppföljning sker {t} och dokumenteras av {a}.")
            }
            11 => {
                let (_, v) = self.verb();
                let (a, o) = (self.actor(), self.noun_phrase());
                let g = self.rng.pick(GENITIVES);
                format!("{a} ska {v} {o} utifrån {g} behov.")
            }
            12 => {
                let c = self.rng.pick(CHILDREN);
                format!("Insatserna ska vara samordnade så att {c} får rätt stöd i rätt tid.")
            }
            13 => {
                let m = self.rng.pick(MUNICIPALITIES);
                let (v, _) = self.verb();
                let (a, o, b) = (self.actor(), self.noun_phrase(), self.actor());
                format!("I {m} {v} {a} {o} tillsammans med {b}.")
            }
            14 => {
                let (_, v) = self.verb();
                let (a, o) = (self.actor(), self.noun_phrase());
                let t = self.rng.pick(TIMES);
                format!("{a} bör {v} {o} {t}.")
            }
            _ => {
                let o = self.noun_phrase();
                let t = self.rng.pick(TIMES);
                format!("Behovet av {o} ska bedömas {t}.")
            }
        };
        upper_first(&s)
    }

    fn link_sentence(&mut self, link: &str) -> String {
        match self.rng.below(7) {
            0 => format!("Läs mer i {link}."),
            1 => format!("Se även {link}."),
            2 => format!("Mer om detta finns i {link}."),
            3 => format!("Arbetet följer {link}."),
            4 => {
                let (_, v) = self.verb();
                let (a, o) = (self.actor(), self.noun_phrase());
                format!("Enligt {link} ska {a} {v} {o}.")
            }
            5 => {
                let (v, _) = self.verb();
                let (a, o) = (self.actor(), self.noun_phrase());
                upper_first(&format!("{a} {v} {o} i enlighet med {link}."))
            }
            _ => format!("Rutinen beskrivs närmare i {link}."),
        }
    }

    fn list_item(&mut self) -> String {
        match self.rng.below(4) {
            0 => upper_first(&self.noun_phrase()),
            1 => {
                let o = self.noun_phrase();
                let pp = self.adverbial();
                upper_first(&format!("{o}{pp}"))
            }
            2 => {
                let (_, v) = self.verb();
                let o = self.noun_phrase();
                upper_first(&format!("{v} {o}"))
            }
            _ => self.sentence(),
        }
    }

    fn paragraph(&mut self, sentences: usize, links: &[String]) -> String {
        let mut parts: Vec<String> = (0..sentences).map(|_| self.sentence()).collect();
        for link in links {
            let s = self.link_sentence(link);
            let at = self.rng.range(0, parts.len());
            parts.insert(at, s);
        }
        parts.join(" ")
    }
}

fn title_for(rng: &mut Rng, kind: Option<&str>) -> String {
    let topic = *rng.pick(TOPICS);
    match kind {
        Some("agreement") => format!("Överenskommelse om {}", lower_first(topic)),
        Some("fakta") => format!("FAKTA: {topic}"),
        Some("process") => format!("Process för {}", lower_first(topic)),
        Some("action-plan") => format!("Handlingsplan för {}", lower_first(topic)),
        _ => match rng.below(5) {
            0 | 1 => topic.to_string(),
            2 => format!("{topic} i {}", rng.pick(MUNICIPALITIES)),
            3 => {
                let p = rng.pick(COMPOUND_PREFIXES);
                let h = rng.pick(COMPOUND_HEADS);
                format!("Rutin för {p}{}", h.1)
            }
            _ => format!("{topic} – {}", lower_first(rng.word(HEADINGS))),
        },
    }
}

/// Chooses 3–8 headings for a page; computes their ids the way mdBook does.
fn headings_for(rng: &mut Rng, title: &str) -> Vec<Heading> {
    let title_id = mdbook_id(title);
    let total = rng.range(3, 8);
    let repeated = if rng.chance(0.35) {
        let r = rng.pick(REPEATED_HEADINGS);
        // At most half of the headings repeat, so each copy sits under its own section.
        let copies = rng.range(2, 3).min(total / 2);
        if mdbook_id(r) == title_id || copies < 2 {
            None
        } else {
            Some((*r, copies))
        }
    } else {
        None
    };
    let unique = total - repeated.map_or(0, |(_, n)| n);
    let mut chosen: Vec<&str> = Vec::new();
    while chosen.len() < unique {
        let h = rng.word(HEADINGS);
        if !chosen.contains(&h) && mdbook_id(h) != title_id {
            chosen.push(h);
        }
    }
    let mut list: Vec<(usize, &str, bool)> = Vec::new();
    for (i, h) in chosen.iter().enumerate() {
        let level = if i == 0 || rng.chance(0.6) { 2 } else { 3 };
        list.push((level, h, rng.chance(0.2)));
    }
    if let Some((r, n)) = repeated {
        // Insert the repeated heading as a sub-heading after `n` distinct sections.
        let mut at: Vec<usize> = Vec::new();
        while at.len() < n {
            let i = rng.below(unique);
            if !at.contains(&i) {
                at.push(i);
            }
        }
        at.sort_unstable_by(|a, b| b.cmp(a));
        for i in at {
            let level = (list[i].0 + 1).min(4);
            list.insert(i + 1, (level, r, false));
        }
    }

    // Automatic ids exactly as mdBook assigns them (the page's `# title` comes first;
    // explicit ids do not take part in de-duplication).
    let mut used: HashSet<String> = HashSet::new();
    unique_id(&title_id, &mut used);
    let mut out: Vec<Heading> = Vec::new();
    for (level, text, explicit) in &list {
        let id = if *explicit {
            String::new()
        } else {
            unique_id(&mdbook_id(text), &mut used)
        };
        out.push(Heading {
            level: *level,
            text: text.to_string(),
            explicit: *explicit,
            id,
        });
    }
    // Explicit ids never collide with an automatic id or any heading's own text id, so the
    // result is the same whether or not a renderer reserves explicit ids.
    let mut taken: HashSet<String> = used;
    for h in &out {
        taken.insert(mdbook_id(&h.text));
    }
    for (k, h) in out.iter_mut().enumerate() {
        if !h.explicit {
            continue;
        }
        let words: Vec<&str> = h.text.split_whitespace().collect();
        let mut candidates: Vec<String> = Vec::new();
        if let (Some(a), Some(b)) = (h.text.find('('), h.text.find(')')) {
            candidates.push(fold(&h.text[a + 1..b]));
        }
        candidates.push(fold(words[0]));
        candidates.push(fold(&words[..words.len().min(2)].join(" ")));
        candidates.push(fold(&h.text));
        let id = candidates
            .into_iter()
            .find(|c| !c.is_empty() && !taken.contains(c))
            .unwrap_or_else(|| format!("{}-x{k}", fold(words[0])));
        taken.insert(id.clone());
        h.id = id;
    }
    out
}

fn date(y: usize, m: usize, d: usize) -> String {
    format!("{y:04}-{m:02}-{d:02}")
}

/// Generates a corpus. Pure function of `opts`.
pub fn generate(opts: &Options) -> Corpus {
    assert!(opts.pages >= 1, "a corpus needs at least one page");
    let n = opts.pages;
    let mut rng = Rng::new(opts.seed);
    let width = n.to_string().len().max(4);

    // Structure: parts → chapters → sub-chapters, about ten per level.
    let part_count = (n / 100).clamp(1, 10);
    let mut next = 0usize;
    let parts: Vec<Vec<Node>> = split(n, part_count)
        .into_iter()
        .map(|share| {
            split(share, share.min(10))
                .into_iter()
                .map(|c| subtree(c, &mut next))
                .collect()
        })
        .collect();

    // Paths in SUMMARY order.
    let mut slots: Vec<(String, usize)> = vec![(String::new(), 0); n];
    fn place(
        node: &Node,
        dir: &str,
        section: Option<usize>,
        depth: usize,
        width: usize,
        slots: &mut [(String, usize)],
    ) {
        let folder = match section {
            Some(s) if depth >= 2 => format!("{dir}/avsnitt-{s:02}"),
            _ => dir.to_string(),
        };
        slots[node.page] = (format!("{folder}/sida-{:0width$}.md", node.page + 1), depth);
        for (i, child) in node.children.iter().enumerate() {
            let s = if depth == 0 { Some(i + 1) } else { section };
            place(child, dir, s, depth + 1, width, slots);
        }
    }
    for (p, chapters) in parts.iter().enumerate() {
        for (c, node) in chapters.iter().enumerate() {
            let dir = format!("del-{:02}/kapitel-{:02}", p + 1, c + 1);
            place(node, &dir, None, 0, width, &mut slots);
        }
    }

    // Pass 1: titles, headings, front matter.
    let kinds = ["agreement", "fakta", "process", "action-plan", "page"];
    let mut pages: Vec<Page> = Vec::with_capacity(n);
    for (i, (path, depth)) in slots.into_iter().enumerate() {
        let front_matter = rng.chance(0.2).then(|| FrontMatter {
            kind: kinds[rng.below(kinds.len())],
            doc_id: format!("B-{:06}", i + 1),
            status: if rng.chance(0.05) {
                "draft"
            } else {
                "in-force"
            },
        });
        let title = title_for(&mut rng, front_matter.as_ref().map(|f| f.kind));
        let headings = headings_for(&mut rng, &title);
        pages.push(Page {
            path,
            title,
            depth,
            headings,
            front_matter,
        });
    }
    let linkable: Vec<usize> = (0..n).filter(|&i| pages[i].linkable()).collect();
    let doc_pages: Vec<usize> = linkable
        .iter()
        .copied()
        .filter(|&i| pages[i].front_matter.is_some())
        .collect();

    let mut stats = Stats {
        pages: n,
        parts: part_count,
        max_depth: pages.iter().map(|p| p.depth).max().unwrap_or(0),
        ..Stats::default()
    };

    // Pass 2: page text.
    let mut files: Vec<(String, String)> = Vec::with_capacity(n + 2);
    for i in 0..n {
        let page = &pages[i];
        let mut out = String::with_capacity(6000);
        if let Some(fm) = &page.front_matter {
            stats.front_matter_pages += 1;
            stats.draft_pages += usize::from(fm.status == "draft");
            out.push_str("+++\n");
            let _ = writeln!(out, "kind = {}", toml_str(fm.kind));
            let _ = writeln!(out, "doc_id = {}", toml_str(&fm.doc_id));
            if rng.chance(0.8) {
                let v = format!("{}.{}", rng.range(1, 6), rng.range(0, 9));
                let _ = writeln!(out, "version = {}", toml_str(&v));
            }
            let (y, m, d) = (rng.range(2020, 2025), rng.range(1, 12), rng.range(1, 28));
            let _ = writeln!(out, "valid_from = {}", date(y, m, d));
            // Fixed dates keep the corpus deterministic: valid_from in the past, review_by mostly far
            // in the future; about 3 % overdue (2025) give realistic `review-overdue` warnings.
            let ry = if rng.chance(0.03) {
                2025
            } else {
                rng.range(2029, 2036)
            };
            let _ = writeln!(
                out,
                "review_by = {}",
                date(ry, rng.range(1, 12), rng.range(1, 28))
            );
            let _ = writeln!(out, "owner = {}", toml_str(rng.word(OWNERS)));
            if rng.chance(0.7) {
                let _ = writeln!(out, "approved_by = {}", toml_str(rng.word(APPROVERS)));
            }
            let _ = writeln!(out, "strategy_group = \"Barn och unga\"");
            if rng.chance(0.8) {
                let mut s: Vec<&str> = SERVICES
                    .iter()
                    .copied()
                    .filter(|_| rng.chance(0.5))
                    .collect();
                if s.is_empty() {
                    s.push(SERVICES[rng.below(3)]);
                }
                let list: Vec<String> = s.iter().map(|x| toml_str(x)).collect();
                let _ = writeln!(out, "services = [{}]", list.join(", "));
            }
            if rng.chance(0.6) {
                let _ = writeln!(out, "target_group = {}", toml_str(rng.word(TARGET_GROUPS)));
            }
            let _ = writeln!(out, "status = {}", toml_str(fm.status));
            if rng.chance(0.7) {
                let s = Text { rng: &mut rng }.sentence();
                let _ = writeln!(out, "summary = {}", toml_str(&s));
            }
            out.push_str("+++\n\n");
        }
        let _ = writeln!(out, "# {}\n", page.title);

        // Links, each assigned to a section (0 = introduction).
        let sections = page.headings.len() + 1;
        let mut links: Vec<Vec<String>> = vec![Vec::new(); sections];
        let want = rng.range(3, 10);
        for _ in 0..want {
            let doc = !doc_pages.is_empty() && rng.chance(0.25);
            let mut target = None;
            for _ in 0..20 {
                let t = if doc {
                    doc_pages[rng.below(doc_pages.len())]
                } else if rng.chance(0.5) {
                    let off = rng.range(1, 30);
                    if rng.chance(0.5) {
                        i.saturating_sub(off)
                    } else {
                        (i + off).min(n - 1)
                    }
                } else {
                    linkable[rng.below(linkable.len())]
                };
                if t != i && pages[t].linkable() {
                    target = Some(t);
                    break;
                }
            }
            let Some(t) = target else { continue };
            let tp = &pages[t];
            let mut href = match (&tp.front_matter, doc) {
                (Some(fm), true) => {
                    stats.doc_links += 1;
                    format!("doc:{}", fm.doc_id)
                }
                _ => {
                    stats.relative_links += 1;
                    relative(&page.path, &tp.path)
                }
            };
            if rng.chance(0.4) {
                let h = rng.pick(&tp.headings);
                href.push('#');
                href.push_str(&h.id);
                stats.fragment_links += 1;
            }
            let slot = rng.below(sections);
            links[slot].push(format!("[{}]({href})", tp.title));
        }

        let table_at = rng.chance(0.15).then(|| rng.below(sections));
        for (s, section_links) in links.iter().enumerate() {
            if s > 0 {
                let h = &page.headings[s - 1];
                stats.headings += 1;
                stats.explicit_ids += usize::from(h.explicit);
                stats.suffixed_ids += usize::from(!h.explicit && h.id != mdbook_id(&h.text));
                let hashes = "#".repeat(h.level);
                if h.explicit {
                    let _ = writeln!(out, "{hashes} {} {{#{}}}\n", h.text, h.id);
                } else {
                    let _ = writeln!(out, "{hashes} {}\n", h.text);
                }
            }
            let mut t = Text { rng: &mut rng };
            let paragraphs = if s == 0 { 1 } else { t.rng.range(1, 2) };
            let has_list = t.rng.chance(0.3);
            // Some links become list items when the section has a list.
            let (in_list, in_text): (Vec<&String>, Vec<&String>) = section_links
                .iter()
                .partition(|_| has_list && t.rng.chance(0.4));
            let in_text: Vec<String> = in_text.into_iter().cloned().collect();
            for p in 0..paragraphs {
                let sentences = t.rng.range(2, 5);
                let ls: &[String] = if p == 0 { &in_text } else { &[] };
                let text = t.paragraph(sentences, ls);
                let _ = writeln!(out, "{text}\n");
            }
            if has_list {
                let ordered = t.rng.chance(0.3);
                let count = t.rng.range(3, 6);
                let mut items: Vec<String> = (0..count).map(|_| t.list_item()).collect();
                for l in in_list {
                    let at = t.rng.range(0, items.len());
                    let desc = lower_first(&t.list_item());
                    items.insert(at, format!("{l} – {desc}"));
                }
                for (k, item) in items.iter().enumerate() {
                    if ordered {
                        let _ = writeln!(out, "{}. {item}", k + 1);
                    } else {
                        let _ = writeln!(out, "- {item}");
                    }
                }
                out.push('\n');
            }
            if table_at == Some(s) {
                stats.tables += 1;
                out.push_str("| Aktör | Ansvar | När |\n| --- | --- | --- |\n");
                for _ in 0..t.rng.range(3, 6) {
                    let a = upper_first(t.actor());
                    let (_, v) = t.verb();
                    let o = t.noun_phrase();
                    let when = upper_first(t.rng.word(TIMES));
                    let _ = writeln!(
                        out,
                        "| {a} | {} | {when} |",
                        upper_first(&format!("{v} {o}"))
                    );
                }
                out.push('\n');
                if t.rng.chance(0.5) {
                    let s = t.sentence();
                    let _ = writeln!(out, "> **Observera:** {s}\n");
                }
            }
        }
        stats.bytes += out.len();
        files.push((format!("src/{}", page.path), out));
    }

    // SUMMARY.md
    let mut summary = String::from("# Innehåll\n\n");
    fn summary_node(node: &Node, depth: usize, pages: &[Page], out: &mut String) {
        let p = &pages[node.page];
        let _ = writeln!(out, "{}- [{}]({})", "    ".repeat(depth), p.title, p.path);
        for c in &node.children {
            summary_node(c, depth + 1, pages, out);
        }
    }
    for (p, chapters) in parts.iter().enumerate() {
        let theme = PART_THEMES[p % PART_THEMES.len()];
        let _ = writeln!(summary, "# Del {}: {theme}\n", p + 1);
        for node in chapters {
            summary_node(node, 0, &pages, &mut summary);
        }
        summary.push('\n');
    }
    let title = opts
        .title
        .clone()
        .unwrap_or_else(|| format!("Samverkan kring barn och unga – testkorpus med {n} sidor"));
    let book = format!(
        "[book]\ntitle = {}\nlanguage = \"sv\"\nsrc = \"src\"\n\n[build]\ncreate-missing = false\n",
        toml_str(&title)
    );
    stats.bytes += summary.len() + book.len();
    files.insert(0, ("src/SUMMARY.md".to_string(), summary));
    files.insert(0, ("book.toml".to_string(), book));
    Corpus {
        files,
        stats,
        seed: opts.seed,
    }
}
