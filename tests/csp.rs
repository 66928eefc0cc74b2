//! The built site under a strict Content-Security-Policy: no page carries inline script,
//! inline style, a `style` attribute, an event-handler attribute or a `javascript:` URL,
//! and every page carries the policy in a `<meta>`; in headless Chromium
//! (`tests/browser/csp.mjs`), served from a subfolder with the policy as a header,
//! browsing every page, searching, switching the theme and opening the mobile menu give
//! no violation. The browser test needs Node, Chromium and playwright-core
//! (`scripts/setup` installs them); without them it fails, it does not skip.

mod common;

use common::*;
use std::path::Path;

/// The policy the README tells IT to send (section "Serving the site").
const HEADER_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; worker-src 'self'; \
    object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// The same policy as every page's `<meta http-equiv>` carries it: without
/// `frame-ancestors`, which a `<meta>` cannot deliver.
fn meta_policy() -> String {
    meta_policy_of(HEADER_POLICY)
}

/// Everything in one built page that a strict policy blocks, or its missing `<meta>`.
fn csp_problems(site: &Path, rel: &str) -> Vec<String> {
    let doc = parse(site, rel);
    let mut out = Vec::new();
    for script in doc.select(&sel("script")) {
        if script.value().attr("src").is_none() {
            out.push(format!("{rel}: inline <script>"));
        }
    }
    if doc.select(&sel("style")).next().is_some() {
        out.push(format!("{rel}: inline <style>"));
    }
    for el in doc.select(&sel("*")) {
        for (name, value) in el.value().attrs() {
            let url_attr = matches!(name, "href" | "src" | "action" | "formaction");
            let script_url = url_attr
                && value
                    .trim_start()
                    .to_ascii_lowercase()
                    .starts_with("javascript:");
            if name == "style" || name.starts_with("on") || script_url {
                out.push(format!("{rel}: <{} {name}=\"{value}\">", el.value().name()));
            }
        }
    }
    if doc.select(&sel("base")).next().is_some() {
        out.push(format!("{rel}: <base> (base-uri 'none')"));
    }
    let metas: Vec<_> = doc
        .select(&sel(r#"head > meta[http-equiv="Content-Security-Policy"]"#))
        .filter_map(|m| m.value().attr("content"))
        .collect();
    if metas != [meta_policy().as_str()] {
        out.push(format!("{rel}: the <meta> policy is {metas:?}"));
    }
    out
}

/// Every check of [`csp_problems`] over every page of a built site.
fn assert_strict_csp(site: &Path) {
    let pages = html_files(site);
    assert!(pages.len() > 5, "{pages:?}");
    let problems: Vec<String> = pages.iter().flat_map(|p| csp_problems(site, p)).collect();
    assert!(
        problems.is_empty(),
        "blocked by the policy:\n{}",
        problems.join("\n")
    );
}

#[test]
fn no_page_of_the_bundled_book_has_inline_script_or_style() {
    let (_tmp, site) = build(&repo().join("book"));
    assert_strict_csp(&site);
    // The colour theme is set before the stylesheet paints: a render-blocking file.
    let start = parse(&site, "index.html");
    let head: Vec<_> = start
        .select(&sel("head > script, head > link[rel=stylesheet]"))
        .map(|e| e.value())
        .collect();
    assert_eq!(
        head.first().and_then(|e| e.attr("src")),
        Some(asset_path(&site, "js/theme-init.js").as_str()),
        "the theme script comes first in <head>"
    );
    assert!(head[0].attr("defer").is_none() && head[0].attr("async").is_none());
}

#[test]
fn aligned_table_columns_get_classes_not_style_attributes() {
    // pulldown-cmark writes `style="text-align: …"` on aligned cells; the renderer must not.
    let (_tmp, book) = fixture_with(
        "basic",
        "om.md",
        "\n| Vänster | Mitten | Höger | Ingen |\n|:--|:-:|--:|---|\n| 1 | 2 | 3 | 4 |\n",
    );
    let (_out, site) = build(&book);
    assert_strict_csp(&site);
    let doc = parse(&site, "om.html");
    let classes = |cell: &str| -> Vec<String> {
        doc.select(&sel(&format!(".table-wrap {cell}")))
            .map(|c| c.value().attr("class").unwrap_or("").to_string())
            .collect()
    };
    let wanted = ["align-left", "align-center", "align-right", ""];
    assert_eq!(classes("th"), wanted);
    assert_eq!(classes("td"), wanted);
}

#[test]
fn the_site_has_no_csp_violation_in_chromium_browsing_searching_and_switching_theme() {
    let (tmp, site) = build(&repo().join("book"));
    // Served folder: <tmp>/www/sub/site/… (the site is not at the server root).
    let www = tmp.path().join("www");
    copy_dir(&site, &www.join("sub/site"));
    let pages = html_files(&site);
    let queries = ["barn", "SIP skola", "hälsovård", "överenskomelse", "104623"];
    let spec = serde_json::json!({
        "site": "sub/site/",
        "pages": pages,
        "headers": {
            "Content-Security-Policy": HEADER_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "strict-origin-when-cross-origin",
        },
        "meta": meta_policy(),
        "queries": queries,
    });
    let r = run_browser_script("csp.mjs", &www, &spec, tmp.path());
    // The script checked everything; make sure it really ran each part.
    assert_csp_run(&r, pages.len(), queries.len(), "/sub/site/");
}
