//! The search beyond the search box, over the bundled book in headless Chromium from a
//! subfolder: marks on arrival (a page opened from a hit marks the query's words in its
//! section: `tests/browser/search-arrival.mjs`) and shareable searches (`?q=…` and the
//! filters in any page's address, the results page `sok.html`:
//! `tests/browser/search-share.mjs`). Needs Node, Chromium and playwright-core
//! (`scripts/setup` installs them); without them the browser tests fail, they do not skip.

mod common;

use common::*;

/// The bundled book built into `<tmp>/www/sub/site/` (served from a subfolder).
fn site_in_subfolder() -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, site) = build(&repo().join("book"));
    let www = tmp.path().join("www");
    copy_dir(&site, &www.join("sub/site"));
    (tmp, www)
}

/// The results page is generated, listed in the sitemap, reserved, says honestly what it
/// needs without scripts, and loads its script after the search's.
#[test]
fn the_results_page_is_generated_with_a_form_and_an_honest_noscript_message() {
    let (_tmp, site) = build(&repo().join("book"));
    let sitemap = std::fs::read_to_string(site.join("sitemap.xml")).unwrap();
    assert!(sitemap.contains("<loc>sok.html</loc>"), "{sitemap}");
    let html = std::fs::read_to_string(site.join("sok.html")).unwrap();
    let doc = parse(&site, "sok.html");
    assert_eq!(doc.select(&sel("h1")).count(), 1);
    let form = doc.select(&sel("form#search-page-form")).next().unwrap();
    assert_eq!(form.value().attr("action"), Some("sok.html"), "{html}");
    assert!(
        doc.select(&sel("label[for=search-page-input]"))
            .next()
            .is_some()
    );
    let noscript = doc
        .select(&sel("noscript"))
        .map(|n| n.inner_html())
        .collect::<String>();
    assert!(
        noscript.contains("Sökningen behöver JavaScript"),
        "{noscript}"
    );
    let search = html.find(&asset_path(&site, "search/search.js")).unwrap();
    let page = html
        .find(&asset_path(&site, "search/results-page.js"))
        .unwrap();
    assert!(search < page, "results-page.js must come after search.js");
    // A chapter may not render to its name.
    assert!(samsyn::book::RESERVED_URLS.contains(&"sok.html"));
}

/// Marks on arrival: the dropdown's hit carries the query; opened, the section marks
/// `barnen`'s stem and compounds (`barn`, `barnet`, `Barns`) and nothing outside it, scrolls
/// to the first mark, announces "N träffar för ”barnen” markerade", moves no element, passes
/// axe light and dark, `SIP` marks only `SIP` and its written-out form, and "Ta bort
/// markeringar" (keyboard) clears.
#[test]
fn a_page_opened_from_a_hit_marks_the_query_in_its_section_without_moving_anything() {
    let (tmp, www) = site_in_subfolder();
    let spec = serde_json::json!({
        "page": "sub/site/overenskommelser/huvudoverenskommelse.html",
        "section": "vardnadshavare",
        "q": "barnen",
        "want": ["barnet", "barn", "Barns"],
        // SIP marks itself and, through the glossary, "samordnad individuell plan" where
        // those words stand together (in any inflection), never a lone "plan".
        "exact": { "section": "sip", "q": "SIP", "allowed": [
            "SIP", "Samordnad", "individuell", "plan", "samordnade", "individuella", "planen",
        ] },
    });
    let r = run_browser_script("search-arrival.mjs", &www, &spec, tmp.path());
    assert_eq!(r["plainRequests"], serde_json::json!([]), "{r}");
    assert!(r["arrived"]["count"].as_u64().unwrap() >= 3, "{r}");
    assert_eq!(r["layout"]["moved"], 0, "{r}");
    assert!(r["layout"]["elements"].as_u64().unwrap() > 100, "{r}");
    assert_eq!(r["axe"].as_array().unwrap().len(), 2, "{r}");
    let exact = r["exact"]["words"].as_array().unwrap();
    for word in ["SIP", "Samordnad", "individuell", "plan"] {
        assert!(exact.contains(&serde_json::json!(word)), "{r}");
    }
    assert_eq!(r["clear"]["marks"], 0, "{r}");
}

/// Shareable searches: `?q=…&typ=…` (and `gallande`) on a deep page opens the search with
/// them, the address follows the search, "Visa alla träffar (N)" leads to `sok.html` with
/// N hits, and `sok.html` pages 20 hits at a time with its filters, accessible (axe).
#[test]
fn a_search_in_the_address_opens_and_the_results_page_pages_all_hits() {
    let (tmp, www) = site_in_subfolder();
    let spec = serde_json::json!({
        "site": "sub/site/",
        "deep": "handlingsplaner/gemensam-handlingsplan/reko.html",
        "q": "vårdnadshavare",
        "kind": "agreement",
        "date": "2021-03-01",
        "few": "samtycke",
        "broad": "barn",
    });
    let r = run_browser_script("search-share.mjs", &www, &spec, tmp.path());
    assert_eq!(r["opened"]["kindMenu"], "agreement", "{r}");
    assert_eq!(r["paging"]["first"], 20, "{r}");
    assert_eq!(r["paging"]["second"]["range"], "Träffar 21–40", "{r}");
    assert_eq!(r["axe"].as_array().unwrap().len(), 2, "{r}");
    assert!(
        r["allLink"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Visa alla träffar ("),
        "{r}"
    );
}
