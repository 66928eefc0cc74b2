//! The bundled book: heading ids agree between validator and HTML, and breaking any
//! internal link is caught with its file and line.

mod common;
use common::*;
use samsyn::markdown::{self, LinkSource};

fn bundled() -> samsyn::book::LoadedBook {
    std::env::set_current_dir(repo()).unwrap();
    samsyn::book::load(std::path::Path::new("book"))
        .expect("book.toml loads")
        .expect("SUMMARY.md is complete")
}

#[test]
fn validator_heading_ids_equal_rendered_ids() {
    let book = bundled();
    let (_tmp, site) = build(&repo().join("book"));
    let headings =
        sel("main h1[id], main h2[id], main h3[id], main h4[id], main h5[id], main h6[id]");
    let mut compared = 0;
    for page in &book.pages {
        let doc = parse(&site, &page.url);
        let rendered: Vec<String> = doc
            .select(&headings)
            .map(|h| h.value().attr("id").unwrap().to_string())
            .collect();
        let believed: Vec<String> = page.headings.iter().map(|h| h.id.clone()).collect();
        assert_eq!(rendered, believed, "{}", page.file);
        compared += believed.len();
    }
    assert!(compared > 100, "only {compared} headings");
}

#[test]
fn bundled_site_links_all_resolve() {
    let (_tmp, site) = build(&repo().join("book"));
    assert!(follow_all_links(&site) > 500);
}

/// One way to break a link.
#[derive(Clone, Copy, Debug)]
enum Mutation {
    Path,
    Anchor,
    DocId,
}

fn mutate(dest: &str, m: Mutation) -> Option<String> {
    let (path, fragment) = match dest.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (dest, None),
    };
    match m {
        Mutation::DocId => dest.strip_prefix("doc:").map(|_| {
            format!(
                "{path}zz{}",
                fragment.map(|f| format!("#{f}")).unwrap_or_default()
            )
        }),
        Mutation::Anchor => fragment.map(|f| format!("{path}#{f}-zz")),
        Mutation::Path if !path.is_empty() && !path.starts_with("doc:") => {
            Some(match path.rsplit_once('.') {
                Some((stem, ext)) if !stem.is_empty() && !stem.ends_with('.') => format!(
                    "{stem}-zz.{ext}{}",
                    fragment.map(|f| format!("#{f}")).unwrap_or_default()
                ),
                _ => format!("{path}-zz"),
            })
        }
        Mutation::Path => None,
    }
}

#[test]
fn breaking_any_internal_link_fails_check_naming_file_and_line() {
    let book = bundled();
    // Every internal link with the mutations that apply to it, rotating among them.
    let mut cases = Vec::new();
    let mut rotation = 0;
    for page in &book.pages {
        for link in markdown::links(&page.markdown) {
            let internal = link.dest.starts_with("doc:") || !markdown::has_scheme(&link.dest);
            if !internal {
                continue;
            }
            assert_eq!(
                &page.source()[link.span.clone()],
                link.dest,
                "{}: span",
                page.file
            );
            let applicable: Vec<(Mutation, String)> =
                [Mutation::Path, Mutation::Anchor, Mutation::DocId]
                    .into_iter()
                    .filter_map(|m| mutate(&link.dest, m).map(|d| (m, d)))
                    .collect();
            assert!(
                !applicable.is_empty(),
                "{}: no mutation for {}",
                page.file,
                link.dest
            );
            let (m, broken) = applicable[rotation % applicable.len()].clone();
            rotation += 1;
            let line = page.source()[..link.span.start].matches('\n').count() + 1;
            cases.push((
                page.path.clone(),
                link.span.clone(),
                broken,
                m,
                line,
                link.source,
            ));
        }
    }
    assert!(cases.len() > 300, "only {} internal links", cases.len());
    let kinds = |k: fn(&Mutation) -> bool| cases.iter().filter(|c| k(&c.3)).count();
    assert!(kinds(|m| matches!(m, Mutation::Path)) > 10);
    assert!(kinds(|m| matches!(m, Mutation::Anchor)) > 10);
    assert!(kinds(|m| matches!(m, Mutation::DocId)) > 10);
    assert!(
        cases.iter().any(|c| c.5 == LinkSource::Reference)
            || cases.iter().all(|c| c.5 != LinkSource::Reference)
    );

    let threads = 2;
    let chunks: Vec<Vec<_>> = (0..threads)
        .map(|t| cases.iter().skip(t).step_by(threads).cloned().collect())
        .collect();
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    let tmp = tempfile::tempdir().unwrap();
                    let copy = tmp.path().join("book");
                    copy_dir(&repo().join("book"), &copy);
                    let mut failures = Vec::new();
                    for (path, span, broken, m, line, _) in chunk {
                        let file = copy.join("src").join(&path);
                        let original = std::fs::read_to_string(&file).unwrap();
                        let mut text = original.clone();
                        text.replace_range(span.clone(), &broken);
                        std::fs::write(&file, &text).unwrap();
                        let out = samsyn(tmp.path(), &["check", "book", "--format", "json"]);
                        std::fs::write(&file, &original).unwrap();
                        let diags: serde_json::Value =
                            serde_json::from_slice(&out.stdout).unwrap_or_default();
                        let named = diags.as_array().into_iter().flatten().any(|d| {
                            d["file"] == format!("book/src/{path}")
                                && d["line"] == line
                                && d["severity"] == "error"
                        });
                        if out.status.code() != Some(1) || !named {
                            failures.push(format!(
                                "{path}:{line} {m:?} -> {broken}: exit {:?}, {}",
                                out.status.code(),
                                stdout(&out)
                            ));
                        }
                    }
                    failures
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} mutations not caught:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
