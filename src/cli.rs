//! The command line: `samsyn build | check | search | mdbook-preprocessor`.
//!
//! Exit codes: 0 success (warnings allowed), 1 content errors, 2 usage or
//! configuration errors.

use crate::diagnostics::{self, Diagnostic};
use crate::pipeline::{self, BuildOptions};
use crate::plural;
use crate::theme::Theme;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code for errors in the content.
pub const EXIT_CONTENT: i32 = 1;
/// Exit code for usage and configuration errors.
pub const EXIT_CONFIG: i32 = 2;

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
    },
    /// Söker i en byggd webbplats sökindex
    #[command(
        after_help = "Exempel:\n  samsyn search sip\n  samsyn search site samordnad individuell plan\n  samsyn search site barn -vuxna\n  samsyn search site '\"samordnad individuell plan\"'\n  samsyn search --site public -- -barn samverkan"
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
        /// Skriv träffarna som JSON: [{title, url, score, snippet}]
        #[arg(long)]
        json: bool,
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
    let cli = match Cli::try_parse_from(query_words_last(std::env::args_os().collect())) {
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
    ("--json", false),
    ("--help", false),
    ("-h", false),
];

/// `samsyn search`'s query may hold words that start with `-` (`-barn` excludes a word)
/// anywhere among its options. The command line is reordered so that clap sees the
/// options first and every other argument after `--`, as a word of the query.
fn query_words_last(argv: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    if argv.get(1).is_none_or(|a| a != "search") {
        return argv;
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
            None => words.push(arg),
        }
    }
    options.push("--".into());
    options.extend(words);
    options
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
                        report(format_args!(
                            "Klart: {}, {}, {} på {:.2} s → {}",
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
        } => {
            let checked = match pipeline::check(&book_dir, today) {
                Ok(c) => c,
                Err(e) => return config_error(e),
            };
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
                        "{}, {}: {} och {}",
                        plural::pages(checked.book.as_ref().map_or(0, |b| b.pages.len())),
                        plural::links_checked(checked.links_checked),
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
        Command::Search {
            args,
            site,
            limit,
            json,
        } => search(&args, site, limit, json),
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

/// One search hit as `samsyn search --json` prints it.
#[derive(serde::Serialize)]
struct SearchHit<'a> {
    title: &'a str,
    url: &'a str,
    score: f32,
    snippet: &'a str,
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

fn search(args: &[String], site: Option<PathBuf>, limit: usize, json: bool) -> i32 {
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
                url: &h.url,
                score: h.score,
                snippet: &h.snippet,
            })
            .collect();
        serde_json::to_string_pretty(&out).unwrap_or_else(|_| "[]".into()) + "\n"
    } else if hits.is_empty() {
        format!("Inga träffar för \"{query}\".\n")
    } else {
        hits.iter()
            .enumerate()
            .map(|(i, h)| {
                format!(
                    "{}. {} ({:.2})\n   {}\n   {}\n\n",
                    i + 1,
                    h.title,
                    h.score,
                    h.url,
                    h.snippet
                )
            })
            .collect()
    };
    print_stdout(&text)
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
