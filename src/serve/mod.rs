//! `samsyn serve`: a live preview for editors. Builds the book into a temporary
//! folder, serves it on loopback, watches the book (and a `--theme` folder), rebuilds
//! only what a save changed, and tells every open page to reload itself; content
//! errors keep the last good site and show in an overlay on the page and in the
//! terminal.
//!
//! Threads: the HTTP server (tokio, hyper and axum, see [`connections`]), the
//! watcher's (notify; it also keeps [`settle::Writers`] up to date), the rebuild loop
//! (takes [`watch::Batches`], owns the [`engine::Engine`]), and the search index's two
//! ([`search`]: after the reload has been sent, an overlay of the changed pages at once,
//! the full index in the background).

pub mod connections;
pub mod engine;
pub mod http;
pub mod search;
pub mod settle;
pub mod watch;

use crate::diagnostics::{self, Diagnostic};
use chrono::NaiveDate;
use engine::{Engine, EngineOptions, Output};
use http::{Shared, Status};
use search::SearchWorker;
use std::io::{IsTerminal, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// How `samsyn serve` was started.
pub struct ServeOptions {
    pub book_dir: PathBuf,
    pub host: String,
    pub port: u16,
    pub open: bool,
    pub theme: Option<PathBuf>,
    pub today: NaiveDate,
}

fn config_error(message: impl std::fmt::Display) -> i32 {
    eprintln!("fel: {message}");
    crate::exit_code::EXIT_CONFIG
}

fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Runs the preview until Ctrl+C (or SIGTERM). Returns the exit code.
pub fn run(opts: ServeOptions) -> i32 {
    let addr: SocketAddr = match (opts.host.as_str(), opts.port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
    {
        Some(a) => a,
        None => return config_error(format!("värden `{}` kan inte slås upp", opts.host)),
    };
    let listener = match std::net::TcpListener::bind(addr) {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            return config_error(format!(
                "port {} på {} används redan av ett annat program; välj en annan med --port (eller --port 0 för en ledig port)",
                opts.port, opts.host
            ));
        }
        Err(e) => {
            return config_error(format!(
                "kan inte lyssna på {}:{}: {e}",
                opts.host, opts.port
            ));
        }
    };
    let local = match listener
        .set_nonblocking(true)
        .and_then(|_| listener.local_addr())
    {
        Ok(a) => a,
        Err(e) => return config_error(format!("kan inte lyssna på {addr}: {e}")),
    };
    if !local.ip().is_loopback() {
        eprintln!(
            "varning: förhandsvisningen lyssnar på {} och kan nås från andra datorer i nätverket",
            local.ip()
        );
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return config_error(format!("kan inte starta webbservern: {e}")),
    };
    // Listened to before the temporary folder exists: Ctrl+C or SIGTERM during the first
    // build (20 s at 100,000 pages) stops the preview once that build is done, and the
    // folder is removed, instead of the process dying with the folder left behind.
    let signals = match runtime.block_on(async { StopSignals::install() }) {
        Ok(s) => s,
        Err(e) => return config_error(format!("kan inte lyssna efter Ctrl+C: {e}")),
    };
    let tmp = match tempfile::Builder::new().prefix("samsyn-serve-").tempdir() {
        Ok(t) => t,
        Err(e) => return config_error(format!("kan inte skapa en tillfällig mapp: {e}")),
    };
    let out = match Output::new(tmp.path().join("site"), tmp.path().join("scratch")) {
        Ok(o) => Arc::new(o),
        Err(e) => return config_error(format!("kan inte skapa en tillfällig mapp: {e}")),
    };
    let book_dir = std::path::absolute(&opts.book_dir).unwrap_or(opts.book_dir.clone());
    let theme_dir = opts
        .theme
        .as_ref()
        .map(|t| std::path::absolute(t).unwrap_or(t.clone()));
    let started = Instant::now();
    let writers = match settle::Writers::with_probe(&tmp.path().join("probe")) {
        Ok(w) => w,
        Err(e) => return config_error(format!("kan inte skapa en tillfällig mapp: {e}")),
    };
    let (engine, first) = match Engine::start(
        EngineOptions {
            book_dir: book_dir.clone(),
            theme_dir: theme_dir.clone(),
            today: opts.today,
            writers: writers.clone(),
        },
        out.clone(),
    ) {
        Ok(x) => x,
        Err(e) => return config_error(e),
    };
    let diags = engine.diagnostics();
    print_problems(&diags);
    eprintln!(
        "Byggde {} på {:.2} s.",
        crate::plural::pages(engine.pages()),
        started.elapsed().as_secs_f64()
    );
    let shared = Shared::new(Status {
        generation: 1,
        search_generation: 0,
        search_overlay: false,
        search_shows: 0,
        diagnostics: diags,
        changed: first.changed.clone(),
    });
    let search = SearchWorker::start(out.clone(), shared.clone());
    if let Some(sections) = first.search {
        search.submit(
            1,
            sections,
            engine.synonyms(),
            engine.reader_opens_overlays(),
        );
    }

    let mut dirs = vec![book_dir];
    dirs.extend(theme_dir);
    let (watcher, batches) = match watch::watch(&dirs, &writers) {
        Ok(w) => w,
        Err(e) => return config_error(format!("kan inte bevaka bokmappen: {e}")),
    };
    {
        let shared = shared.clone();
        let search = search.clone();
        std::thread::spawn(move || rebuild_loop(engine, batches, shared, search));
    }

    let url = format!("http://{local}/");
    println!("Serving on {url}");
    let _ = std::io::stdout().flush();
    eprintln!(
        "Förhandsvisningen är igång på {url} – sidorna laddas om när du sparar. Avsluta med Ctrl+C."
    );
    if opts.open {
        open_browser(&url);
    }

    let app = http::router(shared, out.site.clone(), local.ip().is_loopback());
    let code = runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(l) => l,
            Err(e) => return config_error(format!("kan inte lyssna på {local}: {e}")),
        };
        tokio::select! {
            _ = connections::serve(listener, app) => crate::exit_code::EXIT_OK,
            _ = signals.recv() => crate::exit_code::EXIT_OK,
        }
    });
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    drop(watcher);
    search.stop();
    remove_temporary(tmp);
    code
}

/// Removes the preview's temporary folder. The search index's threads may still be
/// writing into it (a full index takes tens of seconds on a large book): the folder is
/// first moved aside, so that their next writes fail instead of adding files while it is
/// removed, then removed (again, if a write under way put a file back).
fn remove_temporary(tmp: tempfile::TempDir) {
    let path = tmp.keep();
    let aside = path.with_file_name(format!(
        "{}-removed",
        path.file_name().unwrap_or_default().to_string_lossy()
    ));
    let target = if std::fs::rename(&path, &aside).is_ok() {
        aside
    } else {
        path
    };
    for _ in 0..10 {
        if std::fs::remove_dir_all(&target).is_ok() || !target.exists() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Ctrl+C and (on Unix) SIGTERM. On Unix both are listened to from when
/// [`StopSignals::install`] runs (inside the runtime), so that a signal that comes before
/// the server runs is kept; elsewhere Ctrl+C is listened to once the server runs.
struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn install() -> std::io::Result<StopSignals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(StopSignals {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignals {})
    }

    /// Waits for the first of the signals (at once if one came already).
    async fn recv(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {},
            _ = self.terminate.recv() => {},
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn open_browser(url: &str) {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    let spawned = std::process::Command::new(program)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if spawned.is_err() {
        eprintln!("varning: kunde inte öppna webbläsaren; öppna {url} själv");
    }
}

fn print_problems(diags: &[Diagnostic]) {
    if !diags.is_empty() {
        eprint!("{}", diagnostics::render_human(diags, color()));
    }
}

/// Waits for changes, applies them, and tells the pages.
fn rebuild_loop(
    mut engine: Engine,
    mut batches: watch::Batches,
    shared: Arc<Shared>,
    search: SearchWorker,
) {
    while let Some(paths) = batches.next_batch() {
        let started = Instant::now();
        let outcome = engine.apply(&paths);
        if outcome.touched.is_empty() {
            continue;
        }
        let diags = engine.diagnostics();
        let errors = diags.iter().filter(|d| d.is_error()).count();
        let (before_errors, diags_changed, generation) = {
            let mut status = shared.status();
            let before = status.errors();
            let changed = status.diagnostics != diags;
            status.diagnostics = diags.clone();
            if outcome.reloaded {
                status.generation += 1;
                status.changed = outcome.changed.clone();
            }
            (before, changed, status.generation)
        };
        if outcome.reloaded {
            shared.broadcast("reload");
        } else if diags_changed {
            shared.broadcast("diagnostics");
        }
        let ms = started.elapsed().as_millis();
        let what = outcome.touched.join(", ");
        if errors > 0 {
            if diags_changed {
                let errors_only: Vec<Diagnostic> =
                    diags.iter().filter(|d| d.is_error()).cloned().collect();
                print_problems(&errors_only);
                eprintln!(
                    "{errors} fel efter ändringen i {what}. Förhandsvisningen visar den senaste fungerande versionen tills felen är rättade."
                );
            }
        } else {
            if before_errors > 0 {
                eprintln!("Felen är rättade.");
            }
            if outcome.reloaded {
                eprintln!(
                    "Uppdaterade {what}: {} {} på {ms} ms.",
                    outcome.changed.len(),
                    if outcome.changed.len() == 1 {
                        "fil"
                    } else {
                        "filer"
                    }
                );
            }
        }
        if let Some(sections) = outcome.search {
            search.submit(
                generation,
                sections,
                engine.synonyms(),
                engine.reader_opens_overlays(),
            );
        }
    }
}
