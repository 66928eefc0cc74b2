//! The preview's HTTP side (axum): the site folder, the live-reload events and the
//! current diagnostics.
//!
//! Reserved URLs (nothing in a site can be called this: chapter paths come from
//! SUMMARY.md and never start with `__samsyn`):
//! - `/__samsyn/events`: server-sent events. `hello` on connect and after a missed
//!   message, `reload` after a rebuild, `diagnostics` when the problems change without
//!   a rebuild, `search` when the search index has been rebuilt. Every event carries
//!   the status as JSON (see [`Status::json`]).
//! - `/__samsyn/diagnostics`: the same status as a JSON document.
//!
//! Everything else is a file of the site folder (tower-http's `ServeDir`, which
//! refuses paths that leave the folder), `404.html` with status 404 when there is
//! none. Responses carry `Cache-Control: no-cache` so a reload always gets the new
//! files, and the site's Content-Security-Policy, so the preview blocks what the
//! published site blocks.
//!
//! A preview that listens on loopback answers only requests addressed to a loopback
//! name (`localhost`, `127.0.0.1`, `[::1]`): a web page elsewhere cannot read it through
//! a domain name that it points at 127.0.0.1 (DNS rebinding).

use crate::diagnostics::Diagnostic;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::stream::Stream;
use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::broadcast;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// How many rewritten paths the status lists.
pub const CHANGED_LISTED: usize = 100;

/// What the preview knows about the current build.
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// Increases with every rebuild that wrote new content.
    pub generation: u64,
    /// Increases with every change of the served search index.
    pub search_generation: u64,
    /// The served search index has an overlay of pages changed since it was built (see
    /// `search_index::overlay`).
    pub search_overlay: bool,
    /// The site generation whose text the served search index shows.
    pub search_shows: u64,
    pub diagnostics: Vec<Diagnostic>,
    /// Site paths the last rebuild rewrote.
    pub changed: Vec<String>,
}

impl Status {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// `{generation, search, search_overlay, search_shows, errors, warnings,
    /// diagnostics: [{file, line, column, severity, code, message, suggestion}],
    /// changed: [...], changed_count}`;
    /// `changed` lists at most [`CHANGED_LISTED`] paths (a full rebuild rewrites
    /// them all).
    pub fn json(&self) -> String {
        let errors = self.errors();
        let listed = &self.changed[..self.changed.len().min(CHANGED_LISTED)];
        serde_json::json!({
            "generation": self.generation,
            "search": self.search_generation,
            "search_overlay": self.search_overlay,
            "search_shows": self.search_shows,
            "errors": errors,
            "warnings": self.diagnostics.len() - errors,
            "diagnostics": self.diagnostics,
            "changed": listed,
            "changed_count": self.changed.len(),
        })
        .to_string()
    }
}

/// State shared by the HTTP handlers, the rebuild thread and the search indexer.
pub struct Shared {
    status: Mutex<Status>,
    events: broadcast::Sender<Arc<(&'static str, String)>>,
}

impl Shared {
    pub fn new(status: Status) -> Arc<Shared> {
        let (events, _) = broadcast::channel(64);
        Arc::new(Shared {
            status: Mutex::new(status),
            events,
        })
    }

    pub fn status(&self) -> MutexGuard<'_, Status> {
        self.status.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends `event` with the current status to every open page.
    pub fn broadcast(&self, event: &'static str) {
        let json = self.status().json();
        // No receivers (no open page) is not an error.
        let _ = self.events.send(Arc::new((event, json)));
    }
}

/// The preview's routes over the site folder. With `loopback_only`, requests whose
/// `Host` is not a loopback name are refused (403).
pub fn router(shared: Arc<Shared>, site: PathBuf, loopback_only: bool) -> Router {
    let not_found_page = site.join("404.html");
    let not_found = move || {
        let page = not_found_page.clone();
        async move {
            match tokio::fs::read(&page).await {
                Ok(bytes) => (
                    StatusCode::NOT_FOUND,
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    bytes,
                )
                    .into_response(),
                Err(_) => (StatusCode::NOT_FOUND, "Sidan finns inte.").into_response(),
            }
        }
    };
    let files = ServeDir::new(site)
        .append_index_html_on_directories(true)
        .fallback(Router::new().fallback(not_found));
    Router::new()
        .route("/__samsyn/events", get(events))
        .route("/__samsyn/diagnostics", get(diagnostics))
        .route(
            "/__samsyn/{*rest}",
            get(|| async { (StatusCode::NOT_FOUND, "Okänd adress.") }),
        )
        .fallback_service(files)
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(crate::csp::POLICY),
        ))
        .layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| async move {
                let host = request
                    .headers()
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok());
                if loopback_only && !host.is_none_or(is_loopback_host) {
                    return (
                        StatusCode::FORBIDDEN,
                        "Förhandsvisningen svarar bara på adresser till den här datorn (localhost, 127.0.0.1).",
                    )
                        .into_response();
                }
                next.run(request).await
            },
        ))
        .with_state(shared)
}

/// Whether a `Host` header names this machine's loopback interface, with or without
/// a port: `localhost`, `127.0.0.1:3000`, `[::1]:3000`.
pub fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => host,
        },
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

async fn diagnostics(State(shared): State<Arc<Shared>>) -> Response {
    let json = shared.status().json();
    ([(header::CONTENT_TYPE, "application/json")], json).into_response()
}

type Msg = Arc<(&'static str, String)>;

async fn events(
    State(shared): State<Arc<Shared>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = shared.events.subscribe();
    let hello = Event::default().event("hello").data(shared.status().json());
    let stream = futures_util::stream::unfold(
        (Some(hello), rx, shared),
        |(first, mut rx, shared): (Option<Event>, broadcast::Receiver<Msg>, Arc<Shared>)| async move {
            if let Some(ev) = first {
                return Some((Ok(ev), (None, rx, shared)));
            }
            let ev = match rx.recv().await {
                Ok(msg) => Event::default().event(msg.0).data(msg.1.clone()),
                // Missed messages: the current status says all that matters.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    Event::default().event("hello").data(shared.status().json())
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            };
            Some((Ok(ev), (None, rx, shared)))
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::default())
}

#[cfg(test)]
mod tests {
    use super::is_loopback_host;

    #[test]
    fn loopback_hosts_are_recognised_with_and_without_ports() {
        for host in [
            "localhost",
            "LocalHost:3000",
            "127.0.0.1",
            "127.0.0.1:80",
            "127.1.2.3:1",
            "[::1]",
            "[::1]:3000",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "example.org",
            "localhost.example.org",
            "127.0.0.1.nip.io",
            "10.0.0.1:3000",
            "[::2]:3000",
            "",
            ":3000",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }
}
