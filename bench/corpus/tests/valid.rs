//! The generated corpus must be a clean book: every link and fragment resolves. These checks
//! re-derive heading ids from the written Markdown with their own implementation of the
//! mdBook 0.5 rule, independent of the generator's bookkeeping.

use std::collections::{HashMap, HashSet};

use samsyn_corpus::{Options, generate};

fn auto_id(text: &str) -> String {
    let mut id = String::new();
    for c in text.trim().to_lowercase().chars() {
        if c.is_alphanumeric() || c == '_' || c == '-' {
            id.push(c);
        } else if c.is_whitespace() {
            id.push('-');
        }
    }
    id
}

struct Parsed {
    ids: Vec<String>,
    doc_id: Option<String>,
    status: Option<String>,
    links: Vec<String>,
    headings_below_title: usize,
    titles: usize,
}

fn parse(text: &str) -> Parsed {
    let mut lines = text.lines().peekable();
    let (mut doc_id, mut status) = (None, None);
    if lines.peek() == Some(&"+++") {
        lines.next();
        for line in lines.by_ref() {
            if line == "+++" {
                break;
            }
            let (k, v) = line.split_once(" = ").expect("key = value");
            let v = v.trim_matches('"').to_string();
            match k {
                "doc_id" => doc_id = Some(v),
                "status" => status = Some(v),
                _ => {}
            }
        }
    }
    let mut used = HashSet::new();
    let mut ids = Vec::new();
    let mut links = Vec::new();
    let (mut headings_below_title, mut titles) = (0, 0);
    for line in lines {
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if hashes > 0 && line[hashes..].starts_with(' ') {
            let mut text = line[hashes + 1..].to_string();
            let explicit = text.rfind(" {#").map(|at| {
                let id = text[at + 3..text.len() - 1].to_string();
                text.truncate(at);
                id
            });
            let id = match explicit {
                Some(id) => id,
                None => {
                    let base = auto_id(&text);
                    let mut id = base.clone();
                    let mut n = 0;
                    while !used.insert(id.clone()) {
                        n += 1;
                        id = format!("{base}-{n}");
                    }
                    id
                }
            };
            if hashes == 1 {
                titles += 1;
            } else {
                headings_below_title += 1;
                ids.push(id);
            }
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let end = after.find(')').expect("closing paren");
            links.push(after[..end].to_string());
            rest = &after[end..];
        }
    }
    Parsed {
        ids,
        doc_id,
        status,
        links,
        headings_below_title,
        titles,
    }
}

fn resolve(from: &str, href: &str) -> String {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for seg in href.split('/') {
        match seg {
            ".." => {
                parts.pop().expect("link escapes src/");
            }
            "." => {}
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// Checks the whole book and returns (suffixed ids, explicit-looking fragments, doc links).
fn check(pages: usize, seed: u64) -> (usize, usize) {
    let corpus = generate(&Options {
        pages,
        seed,
        title: None,
    });
    let files: HashMap<&str, &str> = corpus
        .files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    assert!(files["book.toml"].contains("language = \"sv\""));
    assert!(files["book.toml"].contains("create-missing = false"));
    for root in ["src/index.md", "src/README.md", "src/readme.md"] {
        assert!(!files.contains_key(root), "{root} must not exist");
    }

    // SUMMARY lists every page exactly once.
    let summary = files["src/SUMMARY.md"];
    let mut listed = HashSet::new();
    for line in summary
        .lines()
        .filter(|l| l.trim_start().starts_with("- ["))
    {
        let href = &line[line.find("](").unwrap() + 2..line.len() - 1];
        assert!(files.contains_key(format!("src/{href}").as_str()), "{href}");
        assert!(listed.insert(href.to_string()), "listed twice: {href}");
    }
    let page_files: Vec<&str> = files
        .keys()
        .copied()
        .filter(|p| p.ends_with(".md") && *p != "src/SUMMARY.md")
        .collect();
    assert_eq!(listed.len(), pages);
    assert_eq!(page_files.len(), pages);

    let parsed: HashMap<&str, Parsed> = page_files
        .iter()
        .map(|p| (&p["src/".len()..], parse(files[p])))
        .collect();
    let mut by_doc_id: HashMap<&str, &str> = HashMap::new();
    for (path, p) in &parsed {
        assert_eq!(p.titles, 1, "{path}: one # title");
        assert!(
            (3..=8).contains(&p.headings_below_title),
            "{path}: {} headings",
            p.headings_below_title
        );
        let unique: HashSet<&String> = p.ids.iter().collect();
        assert_eq!(unique.len(), p.ids.len(), "{path}: duplicate heading ids");
        if let Some(id) = &p.doc_id {
            assert!(by_doc_id.insert(id, path).is_none(), "doc_id {id} twice");
        }
    }

    let mut suffixed = 0;
    let mut doc_links = 0;
    for (path, p) in &parsed {
        if pages >= 50 {
            assert!(
                (3..=10).contains(&p.links.len()),
                "{path}: {} links",
                p.links.len()
            );
        }
        suffixed += p.ids.iter().filter(|id| id.ends_with("-1")).count();
        for href in &p.links {
            let (target, fragment) = match href.split_once('#') {
                Some((t, f)) => (t, Some(f)),
                None => (href.as_str(), None),
            };
            let target_path = if let Some(id) = target.strip_prefix("doc:") {
                doc_links += 1;
                by_doc_id
                    .get(id)
                    .unwrap_or_else(|| panic!("{path}: unknown {href}"))
                    .to_string()
            } else {
                assert!(target.ends_with(".md"), "{path}: {href}");
                resolve(path, target)
            };
            let t = parsed
                .get(target_path.as_str())
                .unwrap_or_else(|| panic!("{path}: broken link {href}"));
            assert_ne!(target_path, *path, "{path}: links to itself");
            assert!(
                t.status.as_deref().is_none_or(|s| s == "in-force"),
                "{path}: links to a {:?} page",
                t.status
            );
            if let Some(f) = fragment {
                assert!(
                    t.ids.iter().any(|id| id == f),
                    "{path}: no #{f} in {target_path}"
                );
            }
        }
    }
    (suffixed, doc_links)
}

#[test]
fn thousand_page_corpus_is_valid_and_varied() {
    let corpus = generate(&Options {
        pages: 1000,
        seed: 1,
        title: None,
    });
    let s = &corpus.stats;
    assert_eq!(s.pages, 1000);
    assert_eq!(s.parts, 10);
    assert!(s.front_matter_pages > 150 && s.front_matter_pages < 250);
    assert!(s.explicit_ids > 200, "{s:?}");
    assert!(s.suffixed_ids > 100, "{s:?}");
    assert!(s.fragment_links > 1000, "{s:?}");
    assert!(s.tables > 50, "{s:?}");
    let (suffixed, doc_links) = check(1000, 1);
    assert!(suffixed > 100);
    assert!(doc_links > 500);
}

#[test]
fn ten_thousand_pages_nest_three_levels() {
    let corpus = generate(&Options {
        pages: 10_000,
        seed: 7,
        title: None,
    });
    assert_eq!(corpus.stats.max_depth, 2);
    assert!(
        corpus
            .files
            .iter()
            .any(|(p, _)| p == "src/del-10/kapitel-10/avsnitt-10/sida-10000.md"),
        "last page path"
    );
    check(10_000, 7);
}

#[test]
fn small_and_odd_sizes_are_valid() {
    for pages in [1, 2, 3, 11, 57, 101, 333] {
        check(pages, 3);
    }
}

#[test]
fn generation_is_deterministic() {
    let opts = Options {
        pages: 300,
        seed: 42,
        title: None,
    };
    let (a, b) = (generate(&opts), generate(&opts));
    assert_eq!(a.files, b.files);
    assert_eq!(a.fingerprint(), b.fingerprint());
    let other = generate(&Options { seed: 43, ..opts });
    assert_ne!(a.files, other.files);
    assert_ne!(a.fingerprint(), other.fingerprint());
}

#[test]
fn write_to_refuses_foreign_directories() {
    let dir = std::env::temp_dir().join(format!("samsyn-corpus-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("keep.txt"), "not ours").unwrap();
    let corpus = generate(&Options {
        pages: 5,
        seed: 1,
        title: None,
    });
    assert!(corpus.write_to(&dir).is_err());
    assert!(dir.join("keep.txt").exists());
    std::fs::remove_file(dir.join("keep.txt")).unwrap();
    corpus.write_to(&dir).unwrap();
    assert!(dir.join("src/SUMMARY.md").exists());
    let marker = std::fs::read_to_string(dir.join(samsyn_corpus::MARKER)).unwrap();
    assert_eq!(marker, corpus.fingerprint());
    // A second write replaces the first one.
    corpus.write_to(&dir).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}
