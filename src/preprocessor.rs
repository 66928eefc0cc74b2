//! `samsyn mdbook-preprocessor`: samsyn's validation behind mdBook's preprocessor
//! protocol, so a stock `mdbook build` fails on a broken link and gets front matter
//! and `doc:` links handled.

use crate::book::{self, LoadedBook};
use crate::diagnostics;
use crate::links::{Resolver, Target, relative_path};
use crate::markdown;
use crate::validate;
use mdbook_preprocessor::book::{Book, BookItem};
use std::io::{Read, Write};

/// Runs the preprocessor with mdBook's JSON on `input`, writing the processed book to
/// `output` and diagnostics to `errors`. Returns the process exit code.
pub fn run(
    input: impl Read,
    output: &mut impl Write,
    errors: &mut impl Write,
    today: chrono::NaiveDate,
    color: bool,
) -> i32 {
    let (ctx, mut book) = match mdbook_preprocessor::parse_input(input) {
        Ok(x) => x,
        Err(e) => {
            let _ = writeln!(
                errors,
                "fel: samsyn mdbook-preprocessor fick ingen giltig bok från mdBook på standard in: {e:#}"
            );
            return 2;
        }
    };
    let loaded = book::from_book(&ctx.root, ctx.config.clone(), book.clone());
    let resolver = Resolver::new(&loaded);
    let mut report = validate::validate(&loaded, &resolver, today);
    report.diagnostics.extend(book::unlisted_pages(&loaded));
    diagnostics::sort(&mut report.diagnostics);
    let (error_count, warning_count) = diagnostics::counts(&report.diagnostics);
    if !report.diagnostics.is_empty() {
        let _ = write!(
            errors,
            "{}",
            diagnostics::render_human(&report.diagnostics, color)
        );
    }
    if error_count > 0 {
        let _ = writeln!(
            errors,
            "samsyn: {} och {}; bygget stoppas",
            crate::plural::errors(error_count),
            crate::plural::warnings(warning_count)
        );
        return 1;
    }
    // The lifecycle goes on the book; the resolver is rebuilt over it from its scan.
    let files = resolver.into_files();
    let mut loaded = loaded;
    loaded.lifecycle = std::sync::Arc::new(report.lifecycle);
    let resolver = Resolver::with_files(&loaded, files);
    transform(&loaded, &resolver, &mut book);
    match serde_json::to_writer(&mut *output, &book) {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(errors, "fel: kan inte skriva boken till mdBook: {e}");
            2
        }
    }
}

/// Removes front matter (shown as a metadata table instead) and rewrites `doc:`
/// links to relative chapter paths, which mdBook's renderers understand.
fn transform(loaded: &LoadedBook, resolver: &Resolver<'_>, book: &mut Book) {
    book.for_each_mut(|item| {
        let BookItem::Chapter(ch) = item else {
            return;
        };
        let Some(path) = &ch.path else {
            return;
        };
        let key = path.to_string_lossy().replace('\\', "/");
        let Some(&index) = loaded.by_path.get(&key) else {
            return;
        };
        let page = &loaded.pages[index];
        let mut text = page.markdown.clone();
        let mut links = markdown::links(&page.markdown);
        links.sort_by_key(|l| std::cmp::Reverse(l.span.start));
        for link in links {
            if markdown::doc_link(&link.dest).is_none()
                || page.markdown[link.span.clone()] != link.dest
            {
                continue;
            }
            if let Ok(Target::Page { page: to, fragment }) =
                resolver.resolve(index, &link.dest, link.source)
            {
                let mut path = relative_path(&page.path, &loaded.pages[to].path);
                if to == index {
                    path.clear();
                }
                if let Some(f) = fragment {
                    path.push('#');
                    path.push_str(&f);
                }
                text.replace_range(link.span.clone(), &path);
            }
        }
        let body_offset = page.front_block.len();
        let body = text.split_off(body_offset.min(text.len()));
        ch.content = format!("{}{body}", meta_table(loaded, index));
    });
}

/// The metadata of a document as an HTML definition list (for mdBook's renderer); a
/// derived value says so ("härlett: …").
fn meta_table(loaded: &LoadedBook, index: usize) -> String {
    let front = &loaded.pages[index].front;
    if !front.present {
        return String::new();
    }
    let derived = |key: &str, value: Option<String>| {
        value.map(|v| match front.derived(key) {
            Some(why) => format!("{v} (härlett: {why})"),
            None => v,
        })
    };
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
    let rows = [
        ("Dokument-ID", front.doc_id.clone()),
        ("Version", derived("version", front.version.clone())),
        ("Gäller från", derived("valid_from", date(front.valid_from))),
        (
            "Gäller till",
            derived("valid_until", date(loaded.lifecycle.validity(index).1)),
        ),
        (
            "Nästa revision",
            derived("review_by", date(front.review_by)),
        ),
        ("Innehållsansvarig", derived("owner", front.owner.clone())),
        (
            "Godkänd av",
            derived("approved_by", front.approved_by.clone()),
        ),
        (
            "Status",
            loaded
                .lifecycle
                .shown_status(index)
                .map(|s| s.label().to_string()),
        ),
    ];
    let mut out = String::from("<aside class=\"doc-meta\"><dl>");
    for (label, value) in rows {
        if let Some(v) = value {
            out.push_str(&format!(
                "<dt>{label}</dt><dd>{}</dd>",
                html_escape::encode_text(&v)
            ));
        }
    }
    out.push_str("</dl></aside>\n\n");
    out
}
