//! The command line: `samsyn build | check | search | mdbook-preprocessor`.
//!
//! Exit codes: 0 success (warnings allowed), 1 content errors, 2 usage or
//! configuration errors.

use crate::diagnostics::{self, Diagnostic};
use crate::pipeline::{self, BuildOptions};
use crate::theme::Theme;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;

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
    Search {
        /// [WEBBPLATSMAPP] SÖKFRÅGA (webbplatsmappen är `site` om den utelämnas)
        #[arg(required = true, num_args = 1..=2, value_names = ["SITE_DIR", "QUERY"])]
        args: Vec<String>,
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

fn print_diagnostics(diags: &[Diagnostic]) {
    if !diags.is_empty() {
        eprint!("{}", diagnostics::render_human(diags, color_on_stderr()));
    }
}

fn config_error(message: impl std::fmt::Display) -> i32 {
    eprintln!("fel: {message}");
    EXIT_CONFIG
}

/// Runs the command line and returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_CONFIG } else { EXIT_OK };
        }
    };
    run(cli)
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
            let (errors, warnings) = built.checked.counts();
            match &built.stats {
                Some(stats) => {
                    if !quiet {
                        eprintln!(
                            "Klart: {} sidor, {} länkar kontrollerade, {} {} på {:.2} s → {}",
                            stats.pages,
                            built.checked.links_checked,
                            warnings,
                            if warnings == 1 {
                                "varning"
                            } else {
                                "varningar"
                            },
                            built.elapsed.as_secs_f64(),
                            opts.dest.display()
                        );
                    }
                    EXIT_OK
                }
                None => {
                    eprintln!(
                        "Bygget stoppades: {errors} fel, {warnings} {}{}. Ingenting skrevs; den tidigare webbplatsen är orörd.",
                        if warnings == 1 {
                            "varning"
                        } else {
                            "varningar"
                        },
                        if deny_warnings && errors == 0 {
                            " (--deny-warnings)"
                        } else {
                            ""
                        }
                    );
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
                Format::Json => println!("{}", diagnostics::render_json(&checked.diagnostics)),
                Format::Human => {
                    print_diagnostics(&checked.diagnostics);
                    eprintln!(
                        "{} sidor, {} länkar kontrollerade: {errors} fel, {warnings} {}",
                        checked.book.as_ref().map_or(0, |b| b.pages.len()),
                        checked.links_checked,
                        if warnings == 1 {
                            "varning"
                        } else {
                            "varningar"
                        }
                    );
                }
            }
            if checked.failed(deny_warnings) {
                EXIT_CONTENT
            } else {
                EXIT_OK
            }
        }
        Command::Search { args, limit, json } => search(&args, limit, json),
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

fn search(args: &[String], limit: usize, json: bool) -> i32 {
    let (site, query) = match args {
        [query] => (PathBuf::from("site"), query.as_str()),
        [site, query] => (PathBuf::from(site), query.as_str()),
        _ => return config_error("ange en sökfråga: samsyn search [WEBBPLATSMAPP] SÖKFRÅGA"),
    };
    if query.trim().is_empty() {
        return config_error("sökfrågan är tom");
    }
    let index = site.join("search-index");
    if !index.join("tantivy").is_dir() {
        return config_error(format!(
            "`{}` har inget sökindex; bygg webbplatsen först med `samsyn build -o {}`",
            site.display(),
            site.display()
        ));
    }
    let hits = match search_index::search_site(&index, query, limit.max(1)) {
        Ok(h) => h,
        Err(e) => return config_error(format!("sökningen misslyckades: {e:#}")),
    };
    if json {
        let out: Vec<SearchHit<'_>> = hits
            .iter()
            .map(|h| SearchHit {
                title: &h.title,
                url: &h.url,
                score: h.score,
                snippet: &h.snippet,
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&out).unwrap_or_else(|_| "[]".into())
        );
    } else if hits.is_empty() {
        println!("Inga träffar för \"{query}\".");
    } else {
        for (i, h) in hits.iter().enumerate() {
            println!(
                "{}. {} ({:.2})\n   {}\n   {}\n",
                i + 1,
                h.title,
                h.score,
                h.url,
                h.snippet
            );
        }
    }
    EXIT_OK
}
