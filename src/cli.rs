//! The command line: `samsyn build | check | search | serve | report | mdbook-preprocessor`.
//!
//! Exit codes: 0 success (warnings allowed), 1 content errors, 2 usage or
//! configuration errors.

use crate::diagnostics::{self, Diagnostic};
use crate::external::{self, ExternalOptions};
use crate::pipeline::{self, BuildOptions};
use crate::plural;
use crate::report as upkeep;
use crate::theme::Theme;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

pub use crate::exit_code::{EXIT_CONFIG, EXIT_CONTENT, EXIT_OK};

#[derive(Parser, Debug)]
#[command(
    name = "samsyn",
    version,
    about = "Bygger kunskapsbanken för samverkan kring barn och unga i Jönköpings län",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Kontrollerar boken och bygger webbplatsen
    Build {
        /// Bokmappen (med book.toml)
        #[arg(default_value = "book")]
        book_dir: PathBuf,
        /// Var webbplatsen skrivs
        #[arg(short = 'o', long = "dest-dir", default_value = "site")]
        dest_dir: PathBuf,
        /// Behandla varningar som fel
        #[arg(long)]
        deny_warnings: bool,
        /// Skriv bara ut fel och varningar
        #[arg(short, long)]
        quiet: bool,
        /// Använd mallarna och filerna i denna temamapp i stället för det inbyggda temat
        #[arg(long)]
        theme: Option<PathBuf>,
        /// Skriv också .gz- och .br-kopior av sidorna, skripten och stilmallarna, för servrar som skickar förkomprimerade filer (se README)
        #[arg(long)]
        precompress: bool,
        /// Spara byggcachen i denna mapp (i stället för `.samsyn-cache/` bredvid utmappen); nästa bygge bygger bara om de sidor en ändring berör
        #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
        cache: Option<PathBuf>,
        /// Bygg alla sidor och spara ingen byggcache
        #[arg(long)]
        no_cache: bool,
    },
    /// Kör alla kontroller utan att skriva något
    Check {
        #[arg(default_value = "book")]
        book_dir: PathBuf,
        /// Utdataformat
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Behandla varningar som fel
        #[arg(long)]
        deny_warnings: bool,
        #[command(flatten)]
        external: ExternalArgs,
    },
    /// Underhållsrapport per innehållsansvarig: revisioner, planerade dokument utan text, externa länkar
    #[command(
        after_help = "Rapporten är ett resultat, inga fel: koden är 0 när den kunde göras (1 med --fail-on-findings och minst ett fynd, 2 vid fel i kommandoraden eller book.toml).\n\nExempel:\n  samsyn report\n  samsyn report book --due-within 30 --format csv > underhall.csv\n  samsyn report --external --format json"
    )]
    Report {
        /// Bokmappen (med book.toml)
        #[arg(default_value = "book")]
        book_dir: PathBuf,
        /// Ta med revisioner som infaller inom så många dagar
        #[arg(long, value_name = "DAGAR", default_value_t = 90)]
        due_within: u32,
        /// Utdataformat
        #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
        format: ReportFormat,
        /// Avsluta med kod 1 när rapporten har minst ett fynd (för CI)
        #[arg(long)]
        fail_on_findings: bool,
        #[command(flatten)]
        external: ExternalArgs,
    },
    /// Söker i en byggd webbplats sökindex
    #[command(
        after_help = "Exempel:\n  samsyn search sip\n  samsyn search site samordnad individuell plan\n  samsyn search site barn -vuxna\n  samsyn search site '\"samordnad individuell plan\"'\n  samsyn search --site public -- -barn samverkan\n  samsyn search sip --json\n  samsyn search --valid-on 2021-03-01 sip\n  samsyn search sip gällande den 2021-03-01\n  samsyn search --status in-force sip"
    )]
    Search {
        /// [WEBBPLATSMAPP] SÖKFRÅGA... Sökfrågans ord får stå som egna argument och börja med
        /// `-` (uteslut ordet). Det första argumentet är webbplatsmappen om det är en mapp med
        /// ett sökindex och fler argument följer; annars söks i `site` (eller --site).
        #[arg(
            required = true,
            num_args = 1..,
            value_name = "[WEBBPLATSMAPP] SÖKFRÅGA"
        )]
        args: Vec<String>,
        /// Webbplatsmappen att söka i (i stället för det första argumentet)
        #[arg(long)]
        site: Option<PathBuf>,
        /// Högst så många träffar
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Skriv träffarna som JSON: [{title, heading, kind, url, score, snippet, status, via}]
        #[arg(long)]
        json: bool,
        /// Bara dokument med den här statusen
        #[arg(long, value_name = "STATUS", value_parser = SEARCH_STATUSES)]
        status: Option<String>,
        /// Bara det som gällde den dagen (ÅÅÅÅ-MM-DD); sidor utan giltighetsdatum visas
        /// alltid, planerade dokument och utkast aldrig. Samma som `gällande den DATUM` i
        /// sökfrågan (som går före).
        #[arg(long, value_name = "DATUM", value_parser = parse_valid_on)]
        valid_on: Option<i32>,
    },
    /// Förhandsvisar boken: bygger, visar webbplatsen och uppdaterar den när du sparar
    Serve {
        /// Bokmappen (med book.toml)
        #[arg(default_value = "book")]
        book_dir: PathBuf,
        /// Adressen servern lyssnar på (bara den här datorn som standard)
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Porten (0 väljer en ledig port)
        #[arg(short, long, default_value_t = 3000)]
        port: u16,
        /// Öppna förhandsvisningen i webbläsaren
        #[arg(long)]
        open: bool,
        /// Använd (och bevaka) mallarna och filerna i denna temamapp
        #[arg(long)]
        theme: Option<PathBuf>,
    },
    /// Kör samsyns kontroller som en mdBook-preprocessor
    #[command(name = "mdbook-preprocessor")]
    MdbookPreprocessor {
        #[command(subcommand)]
        supports: Option<Supports>,
    },
}

#[derive(Subcommand, Debug)]
pub enum Supports {
    /// Svarar om samsyn stöder en mdBook-renderare (alla stöds)
    Supports { renderer: String },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

/// The formats of `samsyn report`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Human,
    Json,
    Csv,
}

/// How external links are checked (`--external` and its settings), for `check` and `report`.
#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "Externa länkar")]
pub struct ExternalArgs {
    /// Kontrollera också externa länkar (http, https) över nätet
    #[arg(long)]
    pub external: bool,
    /// Längsta väntan på svar per förfrågan (t.ex. 10s, 500ms)
    #[arg(long, value_name = "TID", default_value = "10s", value_parser = external::parse_duration)]
    pub external_timeout: std::time::Duration,
    /// Hur länge ett sparat resultat i .samsyn-cache/ gäller (0: fråga allt igen)
    #[arg(long, value_name = "TID", default_value = "24h", value_parser = external::parse_duration)]
    pub external_ttl: std::time::Duration,
    /// Högst så många förfrågningar samtidigt till samma värd
    #[arg(long, value_name = "ANTAL", default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..))]
    pub external_per_host: u16,
    /// Högst så många förfrågningar samtidigt totalt
    #[arg(long, value_name = "ANTAL", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..))]
    pub external_concurrency: u16,
    /// Nya försök efter 429, 5xx eller inget svar
    #[arg(long, value_name = "ANTAL", default_value_t = 2)]
    pub external_retries: u32,
    /// Paus före första nya försöket; fördubblas för varje följande (t.ex. 500ms)
    #[arg(long, value_name = "TID", default_value = "500ms", value_parser = external::parse_duration)]
    pub external_backoff: std::time::Duration,
}

impl ExternalArgs {
    fn options(&self) -> ExternalOptions {
        ExternalOptions {
            timeout: self.external_timeout,
            ttl: self.external_ttl,
            per_host: usize::from(self.external_per_host),
            concurrency: usize::from(self.external_concurrency),
            retries: self.external_retries,
            backoff: self.external_backoff,
            ..ExternalOptions::default()
        }
    }
}

/// Checks the external links of `book` (see [`crate::external`]); a cache that cannot
/// be used is reported and the check goes on without it.
fn check_external(
    book: &crate::book::LoadedBook,
    args: &ExternalArgs,
) -> (Vec<external::ExternalLink>, external::CheckRun) {
    let links = external::collect(book);
    let run = external::check(book, &links, &args.options());
    if let Some(problem) = &run.cache_problem {
        report(format_args!("varning: {problem}"));
    }
    (links, run)
}

fn color_on_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Writes a line to standard error. A closed stderr (`2>&1 | head`) is not worth a
/// panic: the message is dropped and the command carries on to its exit code.
fn report(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

fn print_diagnostics(diags: &[Diagnostic]) {
    if !diags.is_empty() {
        use std::io::Write;
        let text = diagnostics::render_human(diags, color_on_stderr());
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
}

fn config_error(message: impl std::fmt::Display) -> i32 {
    report(format_args!("fel: {message}"));
    EXIT_CONFIG
}

/// Runs the command line and returns the exit code.
pub fn main() -> i32 {
    let argv = match query_words_last(std::env::args_os().collect()) {
        Ok(argv) => argv,
        Err(message) => return config_error(message),
    };
    let cli = match Cli::try_parse_from(argv) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_CONFIG } else { EXIT_OK };
        }
    };
    run(cli)
}

/// The options `samsyn search` takes, and whether each takes a value.
const SEARCH_OPTIONS: &[(&str, bool)] = &[
    ("--limit", true),
    ("--site", true),
    ("--status", true),
    ("--valid-on", true),
    ("--json", false),
    ("--help", false),
    ("-h", false),
];

/// `samsyn search`'s query may hold words that start with `-` (`-barn` excludes a word)
/// anywhere among its options. The command line is reordered so that clap sees the
/// options first and every other argument after `--`, as a word of the query.
///
/// Before `--`, an argument that starts with `--` and is no option of `search` is a
/// mistyped option (`--jsn`), an error rather than a silent exclusion; after `--` every
/// argument is a word of the query.
fn query_words_last(argv: Vec<std::ffi::OsString>) -> Result<Vec<std::ffi::OsString>, String> {
    if argv.get(1).is_none_or(|a| a != "search") {
        return Ok(argv);
    }
    let mut options: Vec<std::ffi::OsString> = argv[..2].to_vec();
    let mut words = Vec::new();
    let mut rest = argv.into_iter().skip(2);
    while let Some(arg) = rest.next() {
        if arg == "--" {
            words.extend(rest.by_ref());
            break;
        }
        let text = arg.to_string_lossy();
        let name = text.split('=').next().unwrap_or_default();
        match SEARCH_OPTIONS.iter().find(|(o, _)| *o == name) {
            Some((_, takes_value)) => {
                let inline_value = text.contains('=');
                options.push(arg);
                if *takes_value && !inline_value {
                    options.extend(rest.next());
                }
            }
            None if looks_like_an_option(name) => {
                return Err(unknown_search_option(name));
            }
            None => words.push(arg),
        }
    }
    options.push("--".into());
    options.extend(words);
    Ok(options)
}

/// `--name`: no word of a query (a quoted query such as `"--x y"` holds a space).
fn looks_like_an_option(name: &str) -> bool {
    name.len() > 2 && name.starts_with("--") && !name.contains(char::is_whitespace)
}

/// The usage error for an argument that looks like an option of `samsyn search` but is none.
fn unknown_search_option(name: &str) -> String {
    // Compared without the `--` that they all share.
    let options = SEARCH_OPTIONS
        .iter()
        .filter_map(|(o, _)| o.strip_prefix("--"));
    let hint = diagnostics::nearest(&name[2..], options)
        .map_or_else(|| ".".to_string(), |o| format!("; menade du `--{o}`?"));
    format!(
        "samsyn search har inget alternativ `{name}`{hint} Ett sökord som börjar med `--` skrivs efter `--`: samsyn search -- {name}"
    )
}

pub fn run(cli: Cli) -> i32 {
    let today = pipeline::today();
    match cli.command {
        Command::Build {
            book_dir,
            dest_dir,
            deny_warnings,
            quiet,
            theme,
            precompress,
            cache,
            no_cache,
        } => {
            let theme = match theme {
                Some(dir) => match Theme::from_dir(&dir) {
                    Ok(t) => t,
                    Err(e) => return config_error(e),
                },
                None => Theme::embedded(),
            };
            let opts = BuildOptions {
                book_dir,
                dest: dest_dir,
                theme,
                today,
                deny_warnings,
                progress: !quiet,
                search: true,
                precompress,
                cache: match (cache, no_cache) {
                    (_, true) => pipeline::CacheDir::Off,
                    (Some(dir), false) => pipeline::CacheDir::At(dir),
                    (None, false) => pipeline::CacheDir::Beside,
                },
            };
            let built = match pipeline::build(&opts) {
                Ok(b) => b,
                Err(e) => return config_error(e),
            };
            print_diagnostics(&built.checked.diagnostics);
            if !quiet {
                for note in &built.notes {
                    report(format_args!("info: {note}"));
                }
            }
            let (errors, warnings) = built.checked.counts();
            match &built.stats {
                Some(stats) => {
                    if !quiet {
                        let reused = match (stats.reused, stats.index_reused) {
                            (0, false) => String::new(),
                            (n, false) => format!(" ({n} oförändrade tagna från förra bygget)"),
                            (n, true) => format!(
                                " ({n} oförändrade tagna från förra bygget, sökindexet oförändrat)"
                            ),
                        };
                        report(format_args!(
                            "Klart: {}{reused}, {}, {} på {:.2} s → {}",
                            plural::pages(stats.pages),
                            plural::links_checked(built.checked.links_checked),
                            plural::warnings(warnings),
                            built.elapsed.as_secs_f64(),
                            opts.dest.display()
                        ));
                    }
                    EXIT_OK
                }
                None => {
                    report(format_args!(
                        "Bygget stoppades: {} och {}{}. Ingenting skrevs; den tidigare webbplatsen är orörd.",
                        plural::errors(errors),
                        plural::warnings(warnings),
                        if deny_warnings && errors == 0 {
                            " (--deny-warnings)"
                        } else {
                            ""
                        }
                    ));
                    EXIT_CONTENT
                }
            }
        }
        Command::Check {
            book_dir,
            format,
            deny_warnings,
            external,
        } => {
            let mut checked = match pipeline::check(&book_dir, today) {
                Ok(c) => c,
                Err(e) => return config_error(e),
            };
            let mut external_checked = None;
            if external.external
                && let Some(book) = &checked.book
            {
                let (links, run) = check_external(book, &external);
                checked
                    .diagnostics
                    .extend(external::diagnostics(book, &links, &run));
                diagnostics::sort(&mut checked.diagnostics);
                external_checked = Some(run.outcomes.len());
            }
            let (errors, warnings) = checked.counts();
            match format {
                Format::Json => {
                    let json = diagnostics::render_json(&checked.diagnostics) + "\n";
                    if print_stdout(&json) != EXIT_OK {
                        return EXIT_CONFIG;
                    }
                }
                Format::Human => {
                    print_diagnostics(&checked.diagnostics);
                    report(format_args!(
                        "{}, {}{}: {} och {}",
                        plural::pages(checked.book.as_ref().map_or(0, |b| b.pages.len())),
                        plural::links_checked(checked.links_checked),
                        external_checked.map_or(String::new(), |n| format!(
                            ", {}",
                            plural::count(
                                n,
                                "extern adress kontrollerad",
                                "externa adresser kontrollerade"
                            )
                        )),
                        plural::errors(errors),
                        plural::warnings(warnings)
                    ));
                }
            }
            if checked.failed(deny_warnings) {
                EXIT_CONTENT
            } else {
                EXIT_OK
            }
        }
        Command::Report {
            book_dir,
            due_within,
            format,
            fail_on_findings,
            external,
        } => run_report(
            &book_dir,
            today,
            due_within,
            format,
            fail_on_findings,
            &external,
        ),
        Command::Search {
            args,
            site,
            limit,
            json,
            status,
            valid_on,
        } => {
            let filters = search_index::Filters {
                status,
                valid_on,
                ..Default::default()
            };
            search(&args, site, &filters, limit, json)
        }
        Command::Serve {
            book_dir,
            host,
            port,
            open,
            theme,
        } => crate::serve::run(crate::serve::ServeOptions {
            book_dir,
            host,
            port,
            open,
            theme,
            today,
        }),
        Command::MdbookPreprocessor { supports } => match supports {
            Some(Supports::Supports { .. }) => EXIT_OK,
            None => crate::preprocessor::run(
                std::io::stdin().lock(),
                &mut std::io::stdout().lock(),
                &mut std::io::stderr(),
                today,
                color_on_stderr(),
            ),
        },
    }
}

/// The statuses `samsyn search --status` filters by (as the search index stores them).
const SEARCH_STATUSES: [&str; 6] = [
    "in-force", "upcoming", "expired", "replaced", "planned", "draft",
];

/// The Swedish label of a status in `samsyn search`'s output.
fn status_label(status: &str) -> &str {
    match status {
        "in-force" => "Gällande",
        "upcoming" => "Kommande",
        "expired" => "Upphört",
        "replaced" => "Ersatt",
        "planned" => "Planerad",
        "draft" => "Utkast",
        other => other,
    }
}

/// `--valid-on`: a date, as days since 1970-01-01.
fn parse_valid_on(text: &str) -> Result<i32, String> {
    search_index::validity::parse_date(text)
        .ok_or_else(|| format!("ange ett datum som ÅÅÅÅ-MM-DD, t.ex. 2021-03-01 (inte `{text}`)"))
}

/// `samsyn report`: the report on standard output. Exit 0 when it was made (findings
/// are its result, not a failure) unless `--fail-on-findings`; 1 when the book cannot
/// be loaded; 2 for configuration errors.
fn run_report(
    book_dir: &Path,
    today: chrono::NaiveDate,
    due_within: u32,
    format: ReportFormat,
    fail_on_findings: bool,
    external: &ExternalArgs,
) -> i32 {
    let checked = match pipeline::check(book_dir, today) {
        Ok(c) => c,
        Err(e) => return config_error(e),
    };
    let Some(book) = &checked.book else {
        print_diagnostics(&checked.diagnostics);
        report(format_args!(
            "Rapporten kan inte göras: boken kan inte läsas in (se felen ovan)."
        ));
        return EXIT_CONTENT;
    };
    let checked_links = external.external.then(|| check_external(book, external));
    let made = upkeep::build(
        book,
        today,
        due_within,
        checked_links
            .as_ref()
            .map(|(links, run)| (links.as_slice(), run)),
    );
    let text = match format {
        ReportFormat::Human => upkeep::render_human(&made),
        ReportFormat::Json => upkeep::render_json(&made),
        ReportFormat::Csv => match upkeep::render_csv(&made) {
            Ok(t) => t,
            Err(e) => return config_error(format!("kan inte skriva CSV: {e}")),
        },
    };
    if print_stdout(&text) != EXIT_OK {
        return EXIT_CONFIG;
    }
    let (errors, _) = checked.counts();
    if errors > 0 {
        report(format_args!(
            "Obs: boken har {}; `samsyn check {}` visar var.",
            plural::errors(errors),
            book_dir.display()
        ));
    }
    if fail_on_findings && made.counts.total() > 0 {
        EXIT_CONTENT
    } else {
        EXIT_OK
    }
}

/// One search hit as `samsyn search --json` prints it.
#[derive(serde::Serialize)]
struct SearchHit<'a> {
    title: &'a str,
    /// The section as the search box names the hit ([`section_name`]).
    heading: &'a str,
    /// The document kind ([`document_kind`]).
    kind: &'a str,
    url: &'a str,
    score: f32,
    snippet: &'a str,
    /// The document's status (absent for plain pages).
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    /// The other forms of glossary abbreviations it matched through ("träff via SoL").
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    via: &'a [String],
}

/// The name of a hit's section, as the search box shows it: its heading, or the page
/// title for the part of a page before its first heading.
fn section_name(hit: &search_index::Hit) -> &str {
    match hit.heading.trim() {
        "" => &hit.title,
        heading => heading,
    }
}

/// The kind of a hit's document: from its front matter, or the kind of a page that
/// names none.
fn document_kind(hit: &search_index::Hit) -> &str {
    match hit.kind.as_str() {
        "" => crate::frontmatter::Kind::default().as_str(),
        kind => kind,
    }
}

/// A hit's page and section for the human output: `page › heading`, or the page alone
/// when the section's name is the page title.
fn page_and_section(hit: &search_index::Hit) -> String {
    match section_name(hit) {
        name if name == hit.title => hit.title.clone(),
        name => format!("{} › {name}", hit.title),
    }
}

/// A snippet on one line of the human output (a section's text may break lines).
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The site folder that `samsyn search` was not told explicitly.
const DEFAULT_SITE: &str = "site";

/// Splits `samsyn search`'s arguments into the site folder and the query: the first
/// argument is the site when more follow and it is a folder with a search index (or
/// `--site` names the site); every other argument is a word of the query.
fn search_target(args: &[String], site: Option<PathBuf>) -> (PathBuf, String) {
    if let Some(site) = site {
        return (site, args.join(" "));
    }
    match args {
        [first, rest @ ..] if !rest.is_empty() && has_search_index(Path::new(first)) => {
            (PathBuf::from(first), rest.join(" "))
        }
        _ => (PathBuf::from(DEFAULT_SITE), args.join(" ")),
    }
}

fn has_search_index(site: &Path) -> bool {
    site.join(crate::book::SEARCH_INDEX_DIR)
        .join("tantivy")
        .is_dir()
}

fn search(
    args: &[String],
    site: Option<PathBuf>,
    filters: &search_index::Filters,
    limit: usize,
    json: bool,
) -> i32 {
    if let [only] = args
        && has_search_index(Path::new(only))
    {
        return config_error(format!(
            "ange en sökfråga efter webbplatsmappen: samsyn search {only} SÖKFRÅGA"
        ));
    }
    let (site, query) = search_target(args, site);
    if query.trim().is_empty() {
        return config_error("sökfrågan är tom");
    }
    if !has_search_index(&site) {
        return config_error(format!(
            "`{}` har inget sökindex; bygg webbplatsen först med `samsyn build -o {}` (eller ange webbplatsmappen: samsyn search MAPP SÖKFRÅGA)",
            site.display(),
            site.display()
        ));
    }
    let hits = match search_index::search_site(
        &site.join(crate::book::SEARCH_INDEX_DIR),
        &query,
        filters,
        limit.max(1),
    ) {
        Ok(h) => h,
        Err(e) => return config_error(format!("sökningen misslyckades: {e:#}")),
    };
    let text = if json {
        let out: Vec<SearchHit<'_>> = hits
            .iter()
            .map(|h| SearchHit {
                title: &h.title,
                heading: section_name(h),
                kind: document_kind(h),
                url: &h.url,
                score: h.score,
                snippet: &h.snippet,
                status: h.status.as_deref(),
                via: &h.via,
            })
            .collect();
        serde_json::to_string_pretty(&out).unwrap_or_else(|_| "[]".into()) + "\n"
    } else if hits.is_empty() {
        format!("Inga träffar för \"{query}\".\n")
    } else {
        hits.iter()
            .enumerate()
            .map(|(i, h)| {
                let status = h
                    .status
                    .as_deref()
                    .map(|s| format!(" – {}", status_label(s)))
                    .unwrap_or_default();
                let via = via_label(&h.via);
                format!(
                    "{}. {}{status}{via} ({:.2})\n   {}\n   {}\n\n",
                    i + 1,
                    page_and_section(h),
                    h.score,
                    h.url,
                    one_line(&h.snippet)
                )
            })
            .collect()
    };
    print_stdout(&text)
}

/// " – träff via SoL" for a hit that matched through the other form of glossary
/// abbreviations (empty otherwise).
fn via_label(via: &[String]) -> String {
    if via.is_empty() {
        String::new()
    } else {
        format!(" – träff via {}", via.join(", "))
    }
}

/// Writes `text` to standard output. A reader that stopped reading (`| head`) is not
/// an error: samsyn stops quietly, as command-line tools do.
fn print_stdout(text: &str) -> i32 {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => EXIT_OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => config_error(format!("kan inte skriva till standard ut: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reordered(args: &[&str]) -> Vec<String> {
        let argv = std::iter::once("samsyn")
            .chain(args.iter().copied())
            .map(std::ffi::OsString::from)
            .collect();
        query_words_last(argv)
            .unwrap()
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn search_options_go_first_and_query_words_after_the_separator() {
        assert_eq!(
            reordered(&["search", "site", "-barn", "--limit", "3", "sip", "--json"]),
            [
                "samsyn", "search", "--limit", "3", "--json", "--", "site", "-barn", "sip"
            ]
        );
        assert_eq!(
            reordered(&["search", "--limit=3", "a", "--", "--json", "-b"]),
            ["samsyn", "search", "--limit=3", "--", "a", "--json", "-b"]
        );
        assert_eq!(reordered(&["build", "-q"]), ["samsyn", "build", "-q"]);
        assert_eq!(
            reordered(&["search", "--", "-x", "y"]),
            ["samsyn", "search", "--", "-x", "y"]
        );
    }

    #[test]
    fn a_mistyped_search_option_is_an_error_that_names_the_option_meant() {
        let argv = ["samsyn", "search", "sip", "--jsn"].map(std::ffi::OsString::from);
        let message = query_words_last(argv.to_vec()).unwrap_err();
        assert!(message.contains("`--jsn`"), "{message}");
        assert!(message.contains("menade du `--json`?"), "{message}");
        assert!(message.contains("samsyn search -- --jsn"), "{message}");
        let argv = ["samsyn", "search", "--foo"].map(std::ffi::OsString::from);
        let message = query_words_last(argv.to_vec()).unwrap_err();
        assert!(!message.contains("menade du"), "{message}");
        // A single `-` is an exclusion, after `--` a word of the query, and so is a quoted
        // query that holds a space.
        let argv =
            ["samsyn", "search", "-jsn", "--x y", "--", "--jsn"].map(std::ffi::OsString::from);
        assert!(query_words_last(argv.to_vec()).is_ok());
    }

    #[test]
    fn the_first_argument_is_the_site_only_when_it_has_an_index_and_words_follow() {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path().join("webb");
        std::fs::create_dir_all(site.join("search-index/tantivy")).unwrap();
        let site_arg = site.to_string_lossy().into_owned();
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            search_target(&words(&[&site_arg, "barn", "-vuxna"]), None),
            (site.clone(), "barn -vuxna".to_string())
        );
        assert_eq!(
            search_target(&words(&["barn", "unga"]), None),
            (PathBuf::from("site"), "barn unga".to_string())
        );
        assert_eq!(
            search_target(&words(&["barn"]), Some(site.clone())),
            (site, "barn".to_string())
        );
    }
}
