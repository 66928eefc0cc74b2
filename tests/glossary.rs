//! The glossary convention (`[output.samsyn] glossary` in book.toml): `samsyn check`
//! reports what breaks it, located, in Swedish; a book that follows it checks clean.

mod common;

use common::*;

const SUMMARY: &str = "# Summary\n\n- [Begrepp](begrepp.md)\n";

const GLOSSARY: &str = "# Begrepp\n\n## Förkortningar {#forkortningar}\n\n\
### SoL {#sol}\n\nSocialtjänstlagen.\n\n\
### BUP {#bup}\n\nKällorna skriver inte ut förkortningen. Den används i en handlingsplan.\n\n\
### LAG {#lag}\n\nEn arbetsgrupp inom ett programområde: beskriven, inte utskriven.\n\n\
### HVB {#hvb}\n\n- en lista i stället för ett stycke\n\n\
### SOL {#sol-igen}\n\nSocialtjänstlagen.\n\n\
### X {#x}\n\nSoL.\n\n\
### Y {#y}\n\n(se nedan).\n\n\
## Annat {#annat}\n\n### Z {#z}\n\nInget som ordlistan läser.\n";

fn diagnostics(toml: &str, glossary: &str) -> (Option<i32>, Vec<serde_json::Value>) {
    let dir = tempfile::tempdir().unwrap();
    write_book_with_toml(
        dir.path(),
        toml,
        &[("SUMMARY.md", SUMMARY), ("begrepp.md", glossary)],
    );
    check_json(dir.path())
}

fn glossary_codes(diags: &[serde_json::Value]) -> Vec<(String, u64, u64)> {
    diags
        .iter()
        .filter(|d| d["code"].as_str().unwrap().starts_with("glossary-"))
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

const SETTING: &str = "\n[output.samsyn]\nglossary = \"begrepp.md#forkortningar\"\n";

#[test]
fn check_reports_every_abbreviation_that_breaks_the_glossary_convention_where_it_is() {
    let (code, diags) = diagnostics(SETTING, GLOSSARY);
    assert_eq!(code, Some(1), "{diags:#?}");
    let mut found = glossary_codes(&diags);
    found.sort();
    assert_eq!(
        found,
        [
            ("glossary-abbreviation-as-expansion".to_string(), 27, 1),
            ("glossary-duplicate".to_string(), 21, 1),
            ("glossary-empty-expansion".to_string(), 31, 1),
            ("glossary-no-expansion".to_string(), 17, 1),
        ],
        "{diags:#?}"
    );
    for d in errors(&diags) {
        assert!(d["file"].as_str().unwrap().ends_with("begrepp.md"), "{d}");
        assert!(
            d["suggestion"].as_str().is_some_and(|s| !s.is_empty()),
            "{d}"
        );
    }
    let duplicate = diags
        .iter()
        .find(|d| d["code"] == "glossary-duplicate")
        .unwrap();
    assert!(
        duplicate["message"]
            .as_str()
            .unwrap()
            .contains("står redan i ordlistan (rad 5)"),
        "{duplicate}"
    );
}

#[test]
fn a_glossary_that_follows_the_convention_checks_clean_and_one_not_found_is_located_in_book_toml() {
    let clean = "# Begrepp\n\n## Förkortningar {#forkortningar}\n\n### SoL\n\nSocialtjänstlagen.\n";
    let (code, diags) = diagnostics(SETTING, clean);
    assert!(glossary_codes(&diags).is_empty(), "{diags:#?}");
    assert_eq!(code, Some(0), "{diags:#?}");

    let (code, diags) = diagnostics(
        "\n[output.samsyn]\nglossary = \"begrepp.md#saknas\"\n",
        clean,
    );
    assert_eq!(code, Some(1));
    let d = diags
        .iter()
        .find(|d| d["code"] == "glossary-missing-section")
        .unwrap();
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(6), Some(1)),
        "{d}"
    );
    assert!(d["file"].as_str().unwrap().ends_with("book.toml"), "{d}");

    let (_, diags) = diagnostics("\n[output.samsyn]\nglossary = \"ordlista.md#a\"\n", clean);
    assert!(
        diags.iter().any(|d| d["code"] == "glossary-missing-page"),
        "{diags:#?}"
    );
}

#[test]
fn a_glossary_setting_without_its_heading_is_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    write_book_with_toml(
        dir.path(),
        "\n[output.samsyn]\nglossary = \"begrepp.md\"\n",
        &[("SUMMARY.md", SUMMARY), ("begrepp.md", "# Begrepp\n")],
    );
    let out = samsyn(dir.path(), &["check", "book"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("ska ange ordlistans sida och rubriken över förkortningarna"),
        "{}",
        stderr(&out)
    );
}

/// The bundled book's glossary: which abbreviations are written out (synonyms), which the
/// sources never write out, and which are described rather than written out (no synonym).
#[test]
fn the_bundled_glossary_gives_its_written_out_abbreviations_as_synonyms() {
    let book = samsyn::book::load(&repo().join("book"))
        .expect("book.toml loads")
        .expect("SUMMARY.md is complete");
    let glossary = samsyn::glossary::read(&book);
    assert!(
        glossary.diagnostics.is_empty(),
        "{:#?}",
        glossary.diagnostics
    );
    let expansion = |abbreviation: &str| {
        glossary
            .entries
            .iter()
            .find(|e| e.abbreviation == abbreviation)
            .unwrap_or_else(|| panic!("{abbreviation} is in the glossary"))
            .expansion
            .clone()
    };
    for (abbreviation, written_out) in [
        ("SoL", "Socialtjänstlagen"),
        ("HVB", "Hem för vård och boende"),
        ("LVU", "Lagen om vård av unga"),
        ("SKR", "Sveriges Kommuner och Regioner"),
        ("HaL", "Hälsosam aktiv livsstil"),
        (
            "BPSD",
            "Beteendemässiga och Psykiska Symptom vid Demenssjukdom",
        ),
        (
            "LSS",
            "Lagen om stöd och service till vissa funktionshindrade",
        ),
    ] {
        assert_eq!(expansion(abbreviation).as_deref(), Some(written_out));
    }
    // Never written out by the sources (BUP, NPÖ, SKL); described rather than written out.
    for abbreviation in [
        "BUP",
        "NPÖ",
        "SKL",
        "LAG",
        "FoU-rum",
        "KomHem-avtal",
        "Visam",
    ] {
        assert_eq!(expansion(abbreviation), None, "{abbreviation}");
    }
    assert_eq!(samsyn::glossary::synonyms(&book).pairs.len(), 18);
}
