//! Content tests for the bundled book (`book/`): the rendered site must hold the
//! source documents faithfully, and the registers and action-plan tables must have
//! the shape the sources give them.
//!
//! The book is built once, with the real binary, into a temporary folder. The checks
//! collect every failure and report them together, so one run shows all problems.

mod common;

use common::site_path;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Command, Output};

use scraper::{ElementRef, Html, Selector};

/// A fixed "today" after the revision date of 104623, so the overdue warning is stable.
const TODAY: &str = "2026-11-23";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The source documents the book is built from, kept beside it (`book/sources/`).
fn seeds() -> PathBuf {
    repo().join("book/sources")
}

/// Reads the seed whose file name starts with `prefix` (e.g. "001_").
fn seed(prefix: &str) -> String {
    let dir = seeds();
    let entry = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("seeds folder {} is readable: {e}", dir.display()))
        .filter_map(Result::ok)
        .find(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with(prefix) && name.ends_with(".txt")
        })
        .unwrap_or_else(|| panic!("a seed starting with {prefix} in {}", dir.display()));
    std::fs::read_to_string(entry.path()).expect("seed is UTF-8 text")
}

fn samsyn(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_samsyn"))
        .args(args)
        .current_dir(repo())
        .env("SAMSYN_TODAY", TODAY)
        .env("NO_COLOR", "1")
        .output()
        .expect("samsyn runs")
}

/// Normalises text for comparison: drops soft hyphens, then keeps only letters and
/// digits, lowercased. Whitespace, line breaks, hyphenation and punctuation (dashes,
/// quotes, bullets) in the extracted sources therefore do not matter; the words and
/// their order do.
fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '\u{ad}')
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("valid selector")
}

/// An element's text without the site's own notes (`span.site-note`, see
/// `src/editorial.rs`): what is left must be the sources' words.
fn text(e: ElementRef) -> String {
    let words: String = e
        .descendants()
        .filter(|n| {
            !n.ancestors().any(|a| {
                ElementRef::wrap(a).is_some_and(|el| {
                    el.value()
                        .has_class(NOTE_CLASS, scraper::CaseSensitivity::CaseSensitive)
                })
            })
        })
        .filter_map(|n| n.value().as_text().map(|t| t.to_string()))
        .collect();
    collapse(&words)
}

use samsyn::editorial::NOTE_CLASS;

/// One rendered page of the built site.
struct Page {
    rel: String,
    html: Html,
}

impl Page {
    fn main_text(&self) -> String {
        self.html
            .select(&sel("main"))
            .next()
            .map(text)
            .unwrap_or_default()
    }

    fn h1(&self) -> String {
        self.html
            .select(&sel("main h1"))
            .next()
            .map(text)
            .unwrap_or_default()
    }

    /// The metadata panel as label -> value ("Dokument-ID" -> "104623").
    fn meta(&self) -> BTreeMap<String, String> {
        let row = sel("aside.doc-meta div.doc-meta-row");
        let (dt, dd) = (sel("dt"), sel("dd"));
        self.html
            .select(&row)
            .filter_map(|r| {
                let k = r.select(&dt).next().map(text)?;
                let v = r.select(&dd).next().map(text)?;
                Some((k, v))
            })
            .collect()
    }

    fn kind(&self) -> Option<String> {
        self.meta().get("Dokumenttyp").cloned()
    }

    /// Tables of the main content, each with the id of the nearest heading above it.
    fn tables(&self) -> Vec<(String, ElementRef<'_>)> {
        let mut current = String::new();
        let mut out = Vec::new();
        for e in self.html.select(&sel("main .doc-content h2[id], main .doc-content h3[id], main .doc-content h4[id], main .doc-content table")) {
            if e.value().name() == "table" {
                out.push((current.clone(), e));
            } else {
                current = e.value().attr("id").unwrap_or_default().to_string();
            }
        }
        out
    }

    /// The text of the main content between the heading with `id` and the next
    /// heading of the same or a higher level.
    fn section_text(&self, id: &str) -> Option<String> {
        let all = sel("main .doc-content *");
        let mut level = None;
        let mut buf = String::new();
        for e in self.html.select(&all) {
            let name = e.value().name();
            let hl = match name {
                "h1" | "h2" | "h3" | "h4" => Some(name[1..].parse::<u8>().unwrap_or(9)),
                _ => None,
            };
            match (level, hl) {
                (None, Some(_)) if e.value().attr("id") == Some(id) => level = hl,
                (Some(l), Some(h)) if h <= l => break,
                (Some(_), _)
                    if matches!(
                        name,
                        "p" | "li"
                            | "td"
                            | "th"
                            | "h2"
                            | "h3"
                            | "h4"
                            | "h5"
                            | "h6"
                            | "dt"
                            | "dd"
                            | "blockquote"
                    ) =>
                {
                    buf.push(' ');
                    buf.push_str(&text(e));
                }
                _ => {}
            }
        }
        level.map(|_| buf)
    }
}

fn body_rows(table: ElementRef) -> Vec<Vec<String>> {
    let (tr, td) = (sel("tbody tr"), sel("td"));
    table
        .select(&tr)
        .map(|r| r.select(&td).map(text).collect())
        .collect()
}

fn header(table: ElementRef) -> Vec<String> {
    table.select(&sel("thead th")).map(text).collect()
}

struct Site {
    _dir: tempfile::TempDir,
    pages: BTreeMap<String, Page>,
}

impl Site {
    fn build() -> Site {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("site");
        let o = samsyn(&[
            "build",
            "book",
            "-o",
            out.to_str().expect("UTF-8 temp path"),
        ]);
        assert!(
            o.status.success(),
            "`samsyn build book` fails:\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let mut pages = BTreeMap::new();
        for e in walkdir::WalkDir::new(&out)
            .into_iter()
            .filter_map(Result::ok)
        {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "html") {
                let rel = p
                    .strip_prefix(&out)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                let html = Html::parse_document(&std::fs::read_to_string(p).unwrap());
                pages.insert(rel.clone(), Page { rel, html });
            }
        }
        Site { _dir: dir, pages }
    }

    fn page(&self, rel: &str) -> &Page {
        self.pages
            .get(rel)
            .unwrap_or_else(|| panic!("the site has {rel}"))
    }

    /// Resolves a relative href on `from` to a site page.
    fn target(&self, from: &str, href: &str) -> Option<&Page> {
        self.pages.get(&site_path(from, href))
    }
}

/// Failures collected by the checks.
#[derive(Default)]
struct Report(Vec<String>);

impl Report {
    fn check(&mut self, ok: bool, msg: impl FnOnce() -> String) {
        if !ok {
            self.0.push(msg());
        }
    }
}

/// The body of seed 001: every paragraph and list item, from the title to the page
/// information, with the web page's navigation link and empty lines left out.
fn seed_001_body(seed: &str) -> Vec<String> {
    let body = seed.split("\nSidinformation").next().unwrap_or(seed);
    body.lines()
        .map(|l| l.trim_matches(|c: char| c.is_whitespace() || c == '\u{a0}'))
        .map(|l| l.trim_start_matches('•').trim())
        .filter(|l| !l.is_empty() && *l != "Navigera till sidans huvudinnehåll")
        .map(str::to_string)
        .collect()
}

/// The page information at the end of seed 001, as label -> value.
fn seed_001_page_info(seed: &str) -> BTreeMap<String, String> {
    let info = seed.split("\nSidinformation").nth(1).unwrap_or_default();
    let lines: Vec<&str> = info
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines
        .chunks(2)
        .filter(|c| c.len() == 2)
        .map(|c| (c[0].to_string(), c[1].to_string()))
        .collect()
}

/// Items of a bulleted list in seed 002 between the line containing `start` and the
/// line containing `end`. In the extract a bullet item begins on a line indented by
/// the (lost) bullet, and its wrapped lines start at the margin; empty lines and URL
/// lines are noise.
fn seed_002_list(seed: &str, start: &str, end: &str) -> Vec<String> {
    let from = seed
        .find(start)
        .unwrap_or_else(|| panic!("seed 002 contains {start:?}"));
    let rest = &seed[from..];
    let rest = &rest[rest.find('\n').unwrap_or(0)..];
    let to = rest
        .find(end)
        .unwrap_or_else(|| panic!("seed 002 contains {end:?} after {start:?}"));
    let mut items: Vec<String> = Vec::new();
    for line in rest[..to].lines() {
        let l = line.trim();
        if l.is_empty() || l.starts_with("http") {
            continue;
        }
        if line.starts_with(char::is_whitespace) {
            items.push(l.to_string());
        } else if let Some(last) = items.last_mut() {
            last.push(' ');
            last.push_str(l);
        }
        // A margin line before the first item ends the introduction ("och unga:").
    }
    items.into_iter().map(|i| collapse(&i)).collect()
}

/// The current processes of seed 004, as they are listed.
fn seed_004_processes(seed: &str) -> Vec<String> {
    let start = seed
        .find("Aktuella processer:")
        .expect("seed 004 lists the processes");
    let end = start
        + seed[start..]
            .find("Barndialogen vill")
            .expect("seed 004 has 'Barndialogen vill' after the list");
    seed[start..end]
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix('•'))
        .map(|l| l.trim().to_string())
        .collect()
}

/// Only true findings: the overdue revision of 104623, the two links whose text is the
/// bare address the sources print (000, 002), and the missing accessibility contact (the
/// sources name none).
#[test]
fn check_book_reports_only_true_findings() {
    let o = samsyn(&["check", "book"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "`samsyn check book` fails:\n{err}");
    let mut diagnostics: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("warning[") || l.starts_with("error"))
        .map(|l| l.split(':').next().unwrap_or(l))
        .collect();
    diagnostics.sort();
    assert_eq!(
        diagnostics,
        [
            "warning[accessibility-contact-missing]",
            "warning[link-text-url]",
            "warning[link-text-url]",
            "warning[review-overdue]",
        ],
        "unexpected diagnostics:\n{err}"
    );
    assert!(
        err.contains("huvudoverenskommelse.md"),
        "the overdue warning is for 104623:\n{err}"
    );
}

#[test]
fn rendered_book_is_faithful_to_the_sources() {
    let site = Site::build();
    let mut r = Report::default();

    agreement_104623(&site, &mut r);
    agreement_register(&site, &mut r);
    barndialogen_processes(&site, &mut r);
    action_plan_tables(&site, &mut r);
    meeting_calendar(&site, &mut r);
    documents_and_ids(&site, &mut r);

    assert!(
        r.0.is_empty(),
        "{} content problem(s):\n- {}",
        r.0.len(),
        r.0.join("\n- ")
    );
}

/// Every paragraph and list item of seed 001 is in the rendered agreement, and its
/// page information is in the metadata panel.
fn agreement_104623(site: &Site, r: &mut Report) {
    let s = seed("001_");
    let page = site.page("overenskommelser/huvudoverenskommelse.html");
    let main = norm(&page.main_text());

    let body = seed_001_body(&s);
    r.check(body.len() >= 100, || {
        format!("seed 001 body parsed into only {} items", body.len())
    });
    for item in &body {
        r.check(main.contains(&norm(item)), || {
            format!("104623 lacks seed 001 text: {item:?}")
        });
    }
    let title = body.first().cloned().unwrap_or_default();
    r.check(norm(&page.h1()) == norm(&title), || {
        format!("104623 h1 is {:?}, seed title {title:?}", page.h1())
    });

    let info = seed_001_page_info(&s);
    let meta = page.meta();
    for label in [
        "Innehållsansvarig",
        "Gäller från",
        "Version",
        "Godkänd av",
        "Dokument-ID",
    ] {
        let want = info.get(label).cloned().unwrap_or_default();
        r.check(!want.is_empty(), || {
            format!("seed 001 page information has no {label}")
        });
        r.check(meta.get(label) == Some(&want), || {
            format!(
                "104623 metadata {label} = {:?}, seed says {want:?}",
                meta.get(label)
            )
        });
    }
    for label in ["Handlingstyp", "Handlingsslag", "Källa"] {
        let want = info.get(label).cloned().unwrap_or_default();
        r.check(
            !want.is_empty() && main.contains(&norm(&format!("{label} {want}"))),
            || format!("104623 page information lacks {label} {want:?}"),
        );
    }
    r.check(
        meta.get("Dokumenttyp").map(String::as_str) == Some("Överenskommelse"),
        || format!("104623 kind is {:?}", meta.get("Dokumenttyp")),
    );
    r.check(
        meta.get("Status").map(String::as_str) == Some("Gällande"),
        || format!("104623 status is {:?}", meta.get("Status")),
    );
    // Yearly follow-up in October, valid for 2021: revision due 2021-10-31, overdue.
    let next = meta.get("Nästa revision").cloned().unwrap_or_default();
    r.check(
        next.starts_with("2021-10-31") && next.contains("Revision försenad"),
        || format!("104623 Nästa revision is {next:?}, expected 2021-10-31 and overdue"),
    );

    // Stable link targets for the agreement's sections.
    for id in [
        "definitioner",
        "mal",
        "barnkonventionen",
        "vardnadshavare",
        "tidig-upptackt",
        "jamlik-halsa",
        "sip",
        "sip-undantag",
        "ansvar-halso-och-sjukvard",
        "ansvar-socialtjanst",
        "ansvar-forskola",
        "ansvar-skola",
        "fakta",
        "ledning-och-styrning",
        "avvikelser",
        "uppfoljning",
    ] {
        let found = page
            .html
            .select(&sel(&format!("main .doc-content [id=\"{id}\"]")))
            .next()
            .is_some();
        r.check(found, || format!("104623 has no heading id #{id}"));
    }
    let sip = page
        .section_text("sip")
        .map(|t| norm(&t))
        .unwrap_or_default();
    r.check(
        sip.contains(&norm("Undantag i tillämpningen av SIP")),
        || "the SIP section of 104623 lacks its exceptions".into(),
    );
}

/// The register lists every agreement title of seed 002 under its group, with the
/// right number of rows, each linking to a planned agreement page of its own.
fn agreement_register(site: &Site, r: &mut Report) {
    let s = seed("002_");
    let groups = [
        (
            "barn-och-unga",
            Some("Barn och unga"),
            seed_002_list(
                &s,
                "finns för målgruppen barn",
                "Gemensamma verksamheter inom Strategigrupp",
            ),
            11,
        ),
        (
            "psykiatri-och-missbruk",
            Some("Psykiatri och missbruk"),
            seed_002_list(
                &s,
                "överenskommelser i samverkan finns i strategigrupp",
                "Aktiviteter psykiatri missbruk",
            ),
            3,
        ),
        (
            "aldre",
            Some("Äldre"),
            seed_002_list(
                &s,
                "där äldre är den mest omfattande målgruppen",
                "Under perioden kommer nya överenskommelser",
            ),
            7,
        ),
        (
            "reko",
            None, // four of ReKo's agreements belong to Äldre's pages
            seed_002_list(
                &s,
                "ReKo ansvarar för förvaltande och uppföljning av:",
                "Överenskommelser och avtal: Förutsättningar",
            ),
            7,
        ),
    ];
    let page = site.page("overenskommelser/register.html");
    let tables = page.tables();
    let link = sel("a[href]");
    let mut agreement_pages = BTreeSet::new();
    for (id, group, titles, count) in &groups {
        r.check(titles.len() == *count, || {
            format!(
                "seed 002 {id}: parsed {} titles, expected {count}: {titles:?}",
                titles.len()
            )
        });
        let Some((_, table)) = tables.iter().find(|(h, _)| h == id) else {
            r.0.push(format!("the register has no table under #{id}"));
            continue;
        };
        let rows: Vec<ElementRef> = table.select(&sel("tbody tr")).collect();
        r.check(rows.len() == *count, || {
            format!("register #{id} has {} rows, expected {count}", rows.len())
        });
        let table_text = norm(&text(*table));
        for t in titles {
            r.check(table_text.contains(&norm(t)), || {
                format!("register #{id} lacks the seed 002 title {t:?}")
            });
        }
        for row in rows {
            let Some(a) = row.select(&link).next() else {
                r.0.push(format!(
                    "a register row under #{id} has no link: {:?}",
                    text(row)
                ));
                continue;
            };
            let href = a.value().attr("href").unwrap_or_default();
            let Some(target) = site.target(&page.rel, href) else {
                r.0.push(format!("register #{id} links to a missing page {href}"));
                continue;
            };
            agreement_pages.insert(target.rel.clone());
            let meta = target.meta();
            r.check(
                meta.get("Dokumenttyp").map(String::as_str) == Some("Överenskommelse"),
                || format!("{} is not an agreement page", target.rel),
            );
            r.check(
                meta.get("Status").map(String::as_str) == Some("Planerad – ej publicerad"),
                || {
                    format!(
                        "{} is not marked planned: {:?}",
                        target.rel,
                        meta.get("Status")
                    )
                },
            );
            r.check(!meta.contains_key("Dokument-ID"), || {
                format!("{} has an invented document id", target.rel)
            });
            if let Some(g) = group {
                r.check(
                    meta.get("Strategigrupp").map(String::as_str) == Some(*g),
                    || {
                        format!(
                            "{} strategy group is {:?}, expected {g}",
                            target.rel,
                            meta.get("Strategigrupp")
                        )
                    },
                );
            }
            let body = norm(&target.main_text());
            r.check(body.contains(&norm("inte publicerad här")), || {
                format!("{} does not say the text is not published here", target.rel)
            });
            r.check(body.contains(&norm(&text(a))), || {
                format!("{} does not carry its title {:?}", target.rel, text(a))
            });
        }
    }
    // 11 + 3 + 7 + 3 pages (four ReKo entries share Äldre's pages).
    r.check(agreement_pages.len() == 24, || {
        format!(
            "the register links {} distinct agreement pages, expected 24",
            agreement_pages.len()
        )
    });
}

/// Seed 004's process list is rendered, and each process has a page of kind process.
fn barndialogen_processes(site: &Site, r: &mut Report) {
    let s = seed("004_");
    let listed = seed_004_processes(&s);
    r.check(listed.len() == 10, || {
        format!("seed 004 lists {} processes, expected 10", listed.len())
    });
    let overview = norm(&site.page("barndialogen/processer/index.html").main_text());
    for p in &listed {
        r.check(overview.contains(&norm(p)), || {
            format!("the process list lacks the seed 004 item {p:?}")
        });
    }

    let process_pages: BTreeMap<String, &Page> = site
        .pages
        .values()
        .filter(|p| p.kind().as_deref() == Some("Process"))
        .map(|p| (p.h1(), p))
        .collect();
    r.check(process_pages.len() == 10, || {
        format!(
            "{} process pages, expected 10: {:?}",
            process_pages.len(),
            process_pages.keys()
        )
    });
    for item in &listed {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or_default().trim();
        let Some(page) = process_pages.get(name) else {
            r.0.push(format!("no process page titled {name:?}"));
            continue;
        };
        r.check(page.rel.starts_with("barndialogen/processer/"), || {
            format!("process page {} is outside Barndialogen", page.rel)
        });
        let h2: Vec<String> = page
            .html
            .select(&sel("main .doc-content h2"))
            .map(text)
            .collect();
        for sub in parts
            .flat_map(|p| p.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            r.check(h2.iter().any(|h| norm(h) == norm(sub)), || {
                format!("{} has no section for the sub-process {sub:?}", page.rel)
            });
        }
    }
}

/// The action-plan tables are real tables with the right columns and rows.
fn action_plan_tables(site: &Site, r: &mut Report) {
    let bu = ["Aktivitetsområde", "Innehåll", "Uppföljning", "Ansvarig"];
    let pm = ["Aktivitetsområde", "Innehåll", "Uppföljning"];
    let al = ["Aktivitetsområden", "Uppföljning", "Genomförande 2025-2027"];
    let two = ["Aktivitetsområden", "Uppföljning"];
    let eh = ["Delmål", "Utvecklingsområden"];
    let matrix = [
        "Område",
        "Verksamheter",
        "Mål",
        "Mått",
        "Aktivitet",
        "Genomfört",
    ];
    let expected: &[(&str, &str, &[&str], usize)] = &[
        (
            "handlingsplaner/handlingsplan-2017.html",
            "matris",
            &matrix,
            7,
        ),
        (
            "handlingsplaner/handlingsplan-2017.html",
            "revidering",
            &["Organ", "Revidering"],
            2,
        ),
        (
            "handlingsplaner/gemensam-handlingsplan/barn-och-unga.html",
            "framjande-och-forebyggande",
            &bu,
            6,
        ),
        (
            "handlingsplaner/gemensam-handlingsplan/barn-och-unga.html",
            "nara-vard",
            &bu,
            6,
        ),
        (
            "handlingsplaner/gemensam-handlingsplan/barn-och-unga.html",
            "insatser-for-de-mest-utsatta",
            &bu,
            7,
        ),
        (
            "handlingsplaner/gemensam-handlingsplan/psykiatri-och-missbruk.html",
            "forebyggande-och-halsoframjande",
            &pm,
            4,
        ),
        (
            "handlingsplaner/gemensam-handlingsplan/psykiatri-och-missbruk.html",
            "trygg-saker-sammanhallen",
            &pm,
            1,
        ),
        (
            "handlingsplaner/gemensam-handlingsplan/psykiatri-och-missbruk.html",
            "inflytande-och-delaktighet",
            &pm,
            1,
        ),
        (
            "handlingsplaner/gemensam-handlingsplan/psykiatri-och-missbruk.html",
            "kunskapsbaserad-och-jamlik-vard",
            &pm,
            1,
        ),
        (
            "handlingsplaner/gemensam-handlingsplan/aldre.html",
            "aldres-halsa",
            &al,
            8,
        ),
        (
            "handlingsplaner/gemensam-handlingsplan/aldre.html",
            "aldrevanligt-samhalle",
            &al,
            4,
        ),
        (
            "handlingsplaner/gemensam-handlingsplan/aldre.html",
            "insatser-for-mest-sjuka-och-skora-aldre",
            &al,
            8,
        ),
        (
            "handlingsplaner/gemensam-handlingsplan/funktionsnedsattning.html",
            "forebyggande-och-halsoframjande",
            &two,
            3,
        ),
        (
            "handlingsplaner/gemensam-handlingsplan/funktionsnedsattning.html",
            "god-och-nara-vard",
            &two,
            1,
        ),
        (
            "handlingsplaner/gemensam-handlingsplan/funktionsnedsattning.html",
            "insatser-vid-komplexa-behov",
            &two,
            2,
        ),
        (
            "handlingsplaner/gemensam-handlingsplan/reko.html",
            "strategiska-omraden",
            &two,
            9,
        ),
        (
            "handlingsplaner/gemensam-handlingsplan/reko.html",
            "overenskommelser-och-avtal",
            &two,
            2,
        ),
        (
            "handlingsplaner/gemensam-handlingsplan/e-halsoradet.html",
            "mal-1",
            &eh,
            3,
        ),
        (
            "handlingsplaner/gemensam-handlingsplan/e-halsoradet.html",
            "mal-2",
            &eh,
            2,
        ),
        (
            "handlingsplaner/gemensam-handlingsplan/e-halsoradet.html",
            "mal-3",
            &eh,
            2,
        ),
    ];
    let mut per_page: BTreeMap<&str, usize> = BTreeMap::new();
    for (rel, section, cols, rows) in expected {
        *per_page.entry(rel).or_default() += 1;
        let page = site.page(rel);
        r.check(page.kind().as_deref() == Some("Handlingsplan"), || {
            format!("{rel} is not an action plan: {:?}", page.kind())
        });
        let tables = page.tables();
        let found: Vec<&ElementRef> = tables
            .iter()
            .filter(|(h, _)| h == section)
            .map(|(_, t)| t)
            .collect();
        r.check(found.len() == 1, || {
            format!("{rel} #{section} has {} tables, expected 1", found.len())
        });
        let Some(table) = found.first() else { continue };
        let head = header(**table);
        r.check(
            head == cols.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
            || format!("{rel} #{section} columns are {head:?}, expected {cols:?}"),
        );
        let body = body_rows(**table);
        r.check(body.len() == *rows, || {
            format!("{rel} #{section} has {} rows, expected {rows}", body.len())
        });
        for row in &body {
            r.check(row.len() == cols.len(), || {
                format!("{rel} #{section} row has {} cells: {row:?}", row.len())
            });
            r.check(!row[0].is_empty(), || {
                format!("{rel} #{section} row without an activity: {row:?}")
            });
        }
        // Barn och unga names someone responsible for every activity.
        if cols.last() == Some(&"Ansvarig") {
            for row in &body {
                r.check(
                    row.last().is_some_and(|c| !c.is_empty() && c != "–"),
                    || format!("{rel} #{section} activity without Ansvarig: {row:?}"),
                );
            }
        }
    }
    // No action-plan table is left out of the expectations above.
    for (rel, n) in per_page {
        let all = site.page(rel).tables().len();
        r.check(all == n, || {
            format!("{rel} has {all} tables, the test expects {n}")
        });
    }
}

/// The learning network's calendar has one row per meeting date of seed 003.
fn meeting_calendar(site: &Site, r: &mut Report) {
    let s = seed("003_");
    let dates: BTreeSet<String> = s
        .split(|c: char| !(c.is_ascii_digit() || c == '-'))
        .filter(|w| w.len() == 10 && w.as_bytes()[4] == b'-' && w.as_bytes()[7] == b'-')
        .map(str::to_string)
        .collect();
    r.check(dates.len() == 6, || {
        format!("seed 003 has {} meeting dates: {dates:?}", dates.len())
    });
    let page = site.page("basta-platsen/index.html");
    let tables = page.tables();
    let Some((_, cal)) = tables.iter().find(|(h, _)| h == "kalender") else {
        r.0.push("basta-platsen has no calendar table under #kalender".into());
        return;
    };
    let rows = body_rows(*cal);
    let rendered: BTreeSet<String> = rows.iter().filter_map(|row| row.get(1).cloned()).collect();
    r.check(rendered == dates, || {
        format!("calendar dates {rendered:?}, seed 003 has {dates:?}")
    });
    let main = page.main_text();
    for mail in [
        "ida.erixon@rjl.se",
        "veronica.ottosson@rjl.se",
        "pernilla.soderberg@rjl.se",
        "martina.poulsen@rjl.se",
        "martina.s.larsson@rjl.se",
    ] {
        let linked = page
            .html
            .select(&sel(&format!("a[href=\"mailto:{mail}\"]")))
            .next()
            .is_some();
        r.check(linked && main.contains(mail), || {
            format!("basta-platsen lacks the e-mail link {mail}")
        });
    }
}

/// Exactly one in-force agreement, 104623; no other page carries a document id.
fn documents_and_ids(site: &Site, r: &mut Report) {
    let with_id: Vec<(&str, String)> = site
        .pages
        .values()
        .filter_map(|p| {
            p.meta()
                .get("Dokument-ID")
                .map(|id| (p.rel.as_str(), id.clone()))
        })
        .collect();
    r.check(
        with_id
            == vec![(
                "overenskommelser/huvudoverenskommelse.html",
                "104623".to_string(),
            )],
        || format!("pages with a document id: {with_id:?}, expected only 104623"),
    );
    let in_force: Vec<&str> = site
        .pages
        .values()
        .filter(|p| p.kind().as_deref() == Some("Överenskommelse"))
        .filter(|p| p.meta().get("Status").map(String::as_str) == Some("Gällande"))
        .map(|p| p.rel.as_str())
        .collect();
    r.check(
        in_force == vec!["overenskommelser/huvudoverenskommelse.html"],
        || format!("in-force agreements: {in_force:?}"),
    );
    let agreements = site
        .pages
        .values()
        .filter(|p| p.kind().as_deref() == Some("Överenskommelse"))
        .count();
    r.check(agreements == 25, || {
        format!("{agreements} agreement pages, expected 25 (104623 and 24 registered)")
    });
    // FAKTA areas are not named in the sources: no FAKTA document pages exist.
    let fakta = site
        .pages
        .values()
        .filter(|p| p.kind().as_deref() == Some("FAKTA-dokument"))
        .count();
    r.check(fakta == 0, || {
        format!("{fakta} FAKTA document pages, but the sources name no FAKTA areas")
    });
    // Every page's root element says Swedish.
    for p in site
        .pages
        .values()
        .filter(|p| p.html.select(&sel("main")).next().is_some())
    {
        let lang = p.html.root_element().value().attr("lang");
        r.check(lang == Some("sv"), || {
            format!("{} has lang={lang:?}", p.rel)
        });
    }
}

/// The Markdown of page `rel` of the bundled book, without its front matter.
fn source_page(rel: &str) -> String {
    let path = repo().join("book/src").join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text[samsyn::frontmatter::split(&text).body_offset..].to_string()
}

/// The link destinations of `markdown` written outside the site's notes.
fn links_outside_notes(markdown: &str) -> Vec<String> {
    samsyn::editorial::outside_notes(markdown)
        .into_iter()
        .filter_map(|(event, _)| match event {
            pulldown_cmark::Event::Start(pulldown_cmark::Tag::Link { dest_url, .. }) => {
                Some(dest_url.to_string())
            }
            _ => None,
        })
        .collect()
}

/// The text of `markdown` outside the site's notes.
fn text_outside_notes(markdown: &str) -> String {
    let text: String = samsyn::editorial::outside_notes(markdown)
        .into_iter()
        .filter_map(|(event, _)| match event {
            pulldown_cmark::Event::Text(t) => Some(t.to_string()),
            pulldown_cmark::Event::SoftBreak => Some(" ".into()),
            _ => None,
        })
        .collect();
    collapse(&text)
}

/// The texts of the site's notes in `markdown` (`<span class="site-note">…</span>`).
fn notes(markdown: &str) -> Vec<&str> {
    let open = "<span class=\"site-note\">";
    markdown
        .match_indices(open)
        .map(|(at, _)| {
            let rest = &markdown[at + open.len()..];
            &rest[..rest.find("</span>").unwrap_or(rest.len())]
        })
        .collect()
}

/// Links between documents that no source makes are gone, or kept as the site's own
/// cross-references (`[Webbplatsens hänvisning: …]`), not as the sources'.
#[test]
fn links_no_source_makes_are_marked_as_the_sites_cross_references() {
    let mut problems = Vec::new();
    // (page, a link target it may name only inside the site's notes)
    let only_in_notes = [
        (
            "handlingsplaner/gemensam-handlingsplan/reko.md",
            "overenskommelser/aldre/sip.md",
        ),
        (
            "overenskommelser/aldre/sip.md",
            "gemensam-handlingsplan/reko.md",
        ),
        (
            "overenskommelser/barn-och-unga/vard-och-omsorg-i-hemmet-barn.md",
            "aldre/vard-och-omsorg-i-hemmet.md",
        ),
        (
            "overenskommelser/aldre/vard-och-omsorg-i-hemmet.md",
            "vard-och-omsorg-i-hemmet-barn.md",
        ),
        (
            "overenskommelser/barn-och-unga/halsoundersokning-vid-placering.md",
            "#insatser-for-de-mest-utsatta",
        ),
        (
            "overenskommelser/barn-och-unga/halsoundersokning-vid-placering.md",
            "#revidering-2016",
        ),
        (
            "overenskommelser/huvudoverenskommelse.md",
            "avvikelsehantering-i-samverkan.md",
        ),
        // The 2016 action plan names the agreement's SIP routines and the deviation
        // routines: tying them to documents published here is the site's.
        ("handlingsplaner/handlingsplan-2017.md", "doc:104623#sip"),
        (
            "handlingsplaner/handlingsplan-2017.md",
            "avvikelsehantering-i-samverkan.md",
        ),
    ];
    for (page, target) in only_in_notes {
        let md = source_page(page);
        if links_outside_notes(&md).iter().any(|l| l.contains(target)) {
            problems.push(format!("{page} links {target} as the sources' link"));
        }
        if !notes(&md)
            .iter()
            .any(|n| n.starts_with("[Webbplatsens hänvisning: ") && n.contains(target))
        {
            problems.push(format!(
                "{page}: no site's cross-reference to {target} (expected it kept, marked)"
            ));
        }
    }
    // The register: ReKo's SIP agreement is not shown as Äldre's.
    let register = source_page("overenskommelser/register.md");
    let reko = register
        .split("## ReKo")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .unwrap_or_default();
    if links_outside_notes(reko)
        .iter()
        .any(|l| l.contains("aldre/sip.md"))
    {
        problems.push("register.md: ReKo's SIP agreement links Äldre's SIP page".into());
    }
    if register.contains("Fyra av dem") {
        problems.push("register.md: still says four ReKo agreements share a page".into());
    }
    // Äldre's SIP page does not say that ReKo's list names it.
    let sip = text_outside_notes(&source_page("overenskommelser/aldre/sip.md"));
    if sip.contains("där den kallas")
        || sip.contains("ReKos uppföljning ingår en översyn av överenskommelsen")
    {
        problems.push(format!(
            "aldre/sip.md ties ReKo's SIP agreement to itself: {sip}"
        ));
    }
    // HälsoSAMS speaks of the county's agreements for placed children, in the plural.
    let placering = text_outside_notes(&source_page(
        "overenskommelser/barn-och-unga/halsoundersokning-vid-placering.md",
    ));
    if placering.contains("HälsoSAMS") || placering.contains("2016") {
        problems.push(format!(
            "halsoundersokning-vid-placering.md ties HälsoSAMS or the 2016 revision to itself: {placering}"
        ));
    }
    // Barndialogen's home page presents what the source lists, not process descriptions.
    let listed = "förbättringsarbete, metodutveckling, kunskapsstöd och utbildningar";
    if !norm(&seed("004_")).contains(&norm(listed)) {
        problems.push("seed 004 does not list what the home page presents".into());
    }
    let processes = text_outside_notes(&source_page("barndialogen/processer/index.md"));
    if processes.contains("De presenteras på") || !processes.contains(listed) {
        problems.push(format!(
            "barndialogen/processer/index.md: the home page is said to hold process descriptions: {processes}"
        ));
    }
    // The ReKo tables' row pairing is the site's reading of the PDF layout, and says so.
    let reko_plan = source_page("handlingsplaner/gemensam-handlingsplan/reko.md");
    let tables = reko_plan
        .matches("| Aktivitetsområden | Uppföljning |")
        .count();
    let said = notes(&reko_plan)
        .iter()
        .filter(|n| n.contains("tolkning av sidlayouten"))
        .count();
    if tables != 2 || said != tables {
        problems.push(format!(
            "reko.md: {tables} activity tables, {said} notes that their row pairing is the site's reading"
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The site's notes in quoted source text follow one convention: `<span
/// class="site-note">[Webbplatsens anmärkning: …]</span>` (or `[Webbplatsens rättelse, i
/// källan: ”…”]` after a corrected typo, `[Webbplatsens hänvisning: …]` for a
/// cross-reference of the site's), and no note is written in plain parentheses.
#[test]
fn the_sites_notes_in_source_text_use_one_convention() {
    let src = repo().join("book/src");
    let mut problems = Vec::new();
    let mut count = 0;
    for rel in samsyn::book::markdown_files(&src) {
        let md = source_page(&rel);
        for note in notes(&md) {
            count += 1;
            let kinds = [
                "[Webbplatsens anmärkning: ",
                "[Webbplatsens rättelse, i källan: ",
                "[Webbplatsens hänvisning: ",
            ];
            if !kinds.iter().any(|k| note.starts_with(k)) || !note.ends_with(']') {
                problems.push(format!("{rel}: a note not in the convention: {note}"));
            }
        }
        let mut page = samsyn::book::Page::new(rel.clone(), "src", rel.clone(), Vec::new());
        page.set_text(md.clone());
        for d in samsyn::editorial::unmarked_notes(&page) {
            problems.push(format!("{rel}:{}:{}: {}", d.line, d.column, d.message));
        }
        let plain = text_outside_notes(&md);
        for phrase in [
            "texten slutar här i källan",
            "finns inte med i källtexten",
            "så i källan",
            "Länk i källan",
            "Länkar i källan",
            "tom i källan",
        ] {
            if plain.contains(phrase) {
                problems.push(format!("{rel}: {phrase:?} outside the site's notes"));
            }
        }
    }
    assert!(count >= 10, "only {count} notes");
    // The corrected typo is marked, and the source has it.
    let plan = source_page("handlingsplaner/handlingsplan-2017.md");
    if !plan.contains("Avvikelserapportering <span class=\"site-note\">[Webbplatsens rättelse, i källan: ”Avvikels rapportering”]</span>") {
        problems.push("handlingsplan-2017.md: the corrected \"Avvikels rapportering\" is not marked".into());
    }
    if !seed("000_").contains("Avvikels \n") {
        problems.push("seed 000 no longer has the typo \"Avvikels rapportering\"".into());
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
