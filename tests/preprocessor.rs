//! `samsyn mdbook-preprocessor` speaks mdBook's preprocessor protocol.

mod common;
use common::*;
use mdbook_preprocessor::PreprocessorContext;
use mdbook_preprocessor::book::{Book, BookItem};
use std::io::Write;
use std::process::{Command, Stdio};

/// The JSON mdBook writes to a preprocessor's standard input: `[context, book]`.
fn mdbook_input(edit: impl Fn(&mut Book)) -> String {
    let root = fixture("basic");
    let md = mdbook_driver::MDBook::load(&root).unwrap();
    let mut book = md.book.clone();
    edit(&mut book);
    let ctx = PreprocessorContext::new(root, md.config.clone(), "html".into());
    serde_json::to_string(&(ctx, book)).unwrap()
}

fn run(input: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_samsyn"))
        .arg("mdbook-preprocessor")
        .env("SAMSYN_TODAY", TODAY)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn chapter<'a>(book: &'a Book, name: &str) -> &'a str {
    book.iter()
        .find_map(|i| match i {
            BookItem::Chapter(c) if c.name == name => Some(c.content.as_str()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no chapter {name}"))
}

#[test]
fn supports_every_renderer() {
    let out = Command::new(env!("CARGO_BIN_EXE_samsyn"))
        .args(["mdbook-preprocessor", "supports", "html"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn answers_with_front_matter_removed_and_doc_links_rewritten() {
    let out = run(&mdbook_input(|_| {}));
    assert!(out.status.success(), "{}", stderr(&out));
    let book: Book = serde_json::from_slice(&out.stdout).expect("a book comes back");
    let huvud = chapter(&book, "Huvudavtal");
    assert!(
        !huvud.contains("+++") && !huvud.contains("doc_id ="),
        "{huvud}"
    );
    assert!(
        huvud.contains("<dt>Dokument-ID</dt><dd>100</dd>"),
        "{huvud}"
    );
    assert!(huvud.contains("# Huvudavtal"));
    let om = chapter(&book, "Om boken");
    assert!(om.contains("[huvudavtalet](avtal/huvud.md#sip)"), "{om}");
    assert!(!om.contains("doc:"), "{om}");
    let planned = chapter(&book, "Planerat avtal");
    assert!(planned.contains("Planerad – ej publicerad"), "{planned}");
}

#[test]
fn fails_on_a_broken_link_naming_file_and_line() {
    let input = mdbook_input(|book| {
        book.for_each_mut(|item| {
            if let BookItem::Chapter(c) = item
                && c.name == "Om boken"
            {
                c.content = c.content.replace("doc:100#sip", "doc:101#sip");
            }
        })
    });
    let out = run(&input);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("src/om.md:3:"), "{err}");
    assert!(err.contains("doc:100"), "suggests the nearest id: {err}");
    assert!(out.stdout.is_empty(), "no book is returned on failure");
}

#[test]
fn bad_input_is_a_clear_error_not_a_panic() {
    let out = run("{ not json");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("mdbook-preprocessor"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("panicked"));
}
