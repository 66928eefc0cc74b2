//! External links: the `http(s)` links of every page, checked over the network
//! (`samsyn report --external`, `samsyn check --external`).
//!
//! Each URL is asked once however many pages link to it, HEAD first and GET where a
//! server refuses HEAD, concurrently but politely (a limit per host and one overall),
//! with retries for answers that may pass (429, 5xx, timeouts) and redirects followed
//! hop by hop so that they can be reported. Results are kept in a cache in the book
//! folder ([`cache`]) so that a second run within its time to live asks no host again.

pub mod cache;
mod probe;

use crate::book::LoadedBook;
use crate::diagnostics::{Diagnostic, Location, Severity};
use crate::markdown;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::time::Duration;

/// How external links are checked.
#[derive(Debug, Clone)]
pub struct ExternalOptions {
    /// Time allowed for one request (connecting included).
    pub timeout: Duration,
    /// Requests in flight at once to one host (`host:port`).
    pub per_host: usize,
    /// Requests in flight at once in all.
    pub concurrency: usize,
    /// Further attempts after a 429, a 5xx (but 501) or a timeout.
    pub retries: u32,
    /// Wait before the first retry; doubled for each further one.
    pub backoff: Duration,
    /// The longest `Retry-After` honoured (a longer one is cut to this).
    pub retry_after_cap: Duration,
    /// Redirects followed before a link counts as broken.
    pub max_redirects: usize,
    /// How long a cached result is trusted.
    pub ttl: Duration,
    /// Show a progress bar (drawn only on a terminal).
    pub progress: bool,
}

impl Default for ExternalOptions {
    fn default() -> Self {
        ExternalOptions {
            timeout: Duration::from_secs(10),
            per_host: 2,
            concurrency: 8,
            retries: 2,
            backoff: Duration::from_millis(500),
            retry_after_cap: Duration::from_secs(30),
            max_redirects: 10,
            ttl: Duration::from_secs(24 * 3600),
            progress: true,
        }
    }
}

/// One external link written in a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalLink {
    /// Index of the page in the book.
    pub page: usize,
    /// The page's file as diagnostics name it (`book/src/a.md`).
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// Byte range of the URL in the page's source.
    pub span: Range<usize>,
    /// The URL as written.
    pub url: String,
}

impl ExternalLink {
    /// The URL as it is asked for: without its `#fragment`, which is never sent.
    pub fn request_url(&self) -> &str {
        self.url.split('#').next().unwrap_or(&self.url)
    }
}

/// Whether a link destination is a web address samsyn checks.
pub fn is_web_url(dest: &str) -> bool {
    let lower = dest.get(..8).unwrap_or(dest).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Every `http(s)` link of every page (Markdown links, autolinks, reference
/// definitions, images and raw HTML `href`/`src`), in page and position order.
pub fn collect(book: &LoadedBook) -> Vec<ExternalLink> {
    let mut out = Vec::new();
    for (index, page) in book.pages.iter().enumerate() {
        for link in markdown::links(&page.markdown) {
            if !is_web_url(&link.dest) {
                continue;
            }
            // The page's Markdown has the file's byte offsets (front matter blanked).
            let at = Location::of(&page.markdown, link.span.start);
            out.push(ExternalLink {
                page: index,
                file: page.file.clone(),
                line: at.line,
                column: at.column,
                span: link.span,
                url: link.dest,
            });
        }
    }
    out
}

/// What asking for a URL came to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum Outcome {
    /// Answered with a success status without a redirect.
    Ok { status: u16 },
    /// Redirected to a page that answers. `moved_to` is set when the first hops were
    /// permanent (301, 308): the address to link to instead.
    Redirected {
        status: u16,
        location: String,
        moved_to: Option<String>,
    },
    /// Answered (at the end of any redirects, `location`) with an error status.
    HttpError {
        status: u16,
        location: Option<String>,
    },
    /// More redirects than allowed.
    TooManyRedirects { location: String },
    /// No answer within the time allowed.
    Timeout { seconds: f64 },
    /// The host name does not resolve.
    Dns { host: String },
    /// No connection (refused, reset, TLS failure…).
    Unreachable { detail: String },
    /// The URL cannot be asked for at all.
    InvalidUrl { detail: String },
}

impl Outcome {
    /// The diagnostic code of a link with this outcome, or `None` when it is fine.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            Outcome::Ok { .. } => None,
            Outcome::Redirected { moved_to: None, .. } => None,
            Outcome::Redirected { .. } => Some("external-link-redirected"),
            Outcome::HttpError { .. } | Outcome::TooManyRedirects { .. } => {
                Some("external-link-broken")
            }
            Outcome::InvalidUrl { .. } => Some("external-link-broken"),
            Outcome::Timeout { .. } => Some("external-link-timeout"),
            Outcome::Dns { .. } | Outcome::Unreachable { .. } => Some("external-link-unreachable"),
        }
    }

    /// The final HTTP status, where there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Outcome::Ok { status }
            | Outcome::Redirected { status, .. }
            | Outcome::HttpError { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Where redirects led, where there were any.
    pub fn location(&self) -> Option<&str> {
        match self {
            Outcome::Redirected { location, .. }
            | Outcome::TooManyRedirects { location }
            | Outcome::HttpError {
                location: Some(location),
                ..
            } => Some(location),
            _ => None,
        }
    }

    /// What happened, in Swedish, for an editor.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Ok { status } => format!("svarar ({status})"),
            Outcome::Redirected {
                moved_to: Some(to), ..
            } => format!("adressen har flyttats permanent till {to}"),
            Outcome::Redirected { location, .. } => {
                format!("skickas vidare tillfälligt till {location}")
            }
            Outcome::HttpError {
                status,
                location: None,
            } => format!("servern svarar {}", status_text(*status)),
            Outcome::HttpError {
                status,
                location: Some(to),
            } => format!(
                "länken skickas vidare till {to}, som svarar {}",
                status_text(*status)
            ),
            Outcome::TooManyRedirects { location } => {
                format!("för många vidarekopplingar (den sista till {location})")
            }
            Outcome::Timeout { seconds } => format!("inget svar inom {} s", trim_float(*seconds)),
            Outcome::Dns { host } => format!("namnet {host} finns inte (DNS)"),
            Outcome::Unreachable { detail } => format!("servern går inte att nå: {detail}"),
            Outcome::InvalidUrl { detail } => format!("adressen är ogiltig: {detail}"),
        }
    }

    /// What the editor can do about it.
    pub fn suggestion(&self) -> Option<String> {
        match self {
            Outcome::Ok { .. } | Outcome::Redirected { moved_to: None, .. } => None,
            Outcome::Redirected {
                moved_to: Some(to), ..
            } => Some(format!("länka direkt till {to}")),
            Outcome::HttpError { status, .. } if *status >= 500 => Some(
                "felet ligger hos servern; kontrollera länken igen senare och byt den om felet består"
                    .into(),
            ),
            Outcome::Timeout { .. } | Outcome::Unreachable { .. } => Some(
                "kontrollera länken igen senare; byt eller ta bort den om den inte fungerar".into(),
            ),
            _ => Some("leta upp sidans nya adress eller ta bort länken".into()),
        }
    }

    /// Whether the outcome is worth keeping for the cache's time to live: a working
    /// link or a definite answer. Timeouts, failed connections, 429 and 5xx may pass,
    /// so those links are asked again on the next run.
    pub fn cacheable(&self) -> bool {
        match self {
            Outcome::Timeout { .. } | Outcome::Unreachable { .. } | Outcome::Dns { .. } => false,
            Outcome::HttpError { status, .. } => *status != 429 && *status != 408 && *status < 500,
            _ => true,
        }
    }
}

/// `404 (Not Found)`: a status with its reason phrase.
fn status_text(status: u16) -> String {
    match reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(reason) => format!("{status} ({reason})"),
        None => status.to_string(),
    }
}

fn trim_float(x: f64) -> String {
    let text = format!("{x:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The results of a check of external links.
#[derive(Debug, Default)]
pub struct CheckRun {
    /// Outcome by request URL (see [`ExternalLink::request_url`]).
    pub outcomes: BTreeMap<String, Outcome>,
    /// URLs asked over the network in this run.
    pub asked: usize,
    /// URLs answered from the cache.
    pub cached: usize,
    /// Why the cache could not be read or written, if it could not.
    pub cache_problem: Option<String>,
}

impl CheckRun {
    /// The links of `links` whose outcome is a finding, with that outcome.
    pub fn findings<'a>(
        &'a self,
        links: &'a [ExternalLink],
    ) -> impl Iterator<Item = (&'a ExternalLink, &'a Outcome)> + 'a {
        links.iter().filter_map(|link| {
            let outcome = self.outcomes.get(link.request_url())?;
            outcome.code().map(|_| (link, outcome))
        })
    }
}

/// Checks the distinct URLs of `links`, answering from the cache in the book folder
/// (`.samsyn-cache/`) where it holds a fresh result, and updating it.
pub fn check(book: &LoadedBook, links: &[ExternalLink], opts: &ExternalOptions) -> CheckRun {
    let urls: BTreeSet<&str> = links.iter().map(ExternalLink::request_url).collect();
    let mut cache = cache::Cache::open(&book.root, &book.src_dir);
    let now = cache::now();
    let mut run = CheckRun::default();
    let mut to_ask = Vec::new();
    for url in urls {
        match cache.fresh(url, opts.ttl, now) {
            Some(outcome) => {
                run.outcomes.insert(url.to_string(), outcome.clone());
                run.cached += 1;
            }
            None => to_ask.push(url.to_string()),
        }
    }
    run.asked = to_ask.len();
    if !to_ask.is_empty() {
        for (url, outcome) in probe::probe_all(to_ask, opts) {
            cache.store(&url, &outcome, now);
            run.outcomes.insert(url, outcome);
        }
    }
    run.cache_problem = cache.save(opts.ttl, now).err().or(cache.problem);
    run
}

/// The findings of `run` as located warnings (for `samsyn check --external`).
pub fn diagnostics(book: &LoadedBook, links: &[ExternalLink], run: &CheckRun) -> Vec<Diagnostic> {
    run.findings(links)
        .map(|(link, outcome)| {
            let page = &book.pages[link.page];
            Diagnostic::at(
                &link.file,
                &page.source(),
                link.span.clone(),
                Severity::Warning,
                outcome.code().unwrap_or("external-link-broken"),
                format!("extern länk {}: {}", link.url, outcome.describe()),
            )
            .with_suggestion(outcome.suggestion())
        })
        .collect()
}

/// Parses a duration as the command line takes it: `10s`, `300ms`, `15m`, `24h`, `2d`,
/// or a number of seconds (`0` too).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` är ingen tidslängd; skriv till exempel 10s, 500ms, 24h"))?;
    let seconds = match unit.trim() {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        "d" => value * 86400.0,
        other => {
            return Err(format!(
                "okänd enhet `{other}` i `{text}`; använd ms, s, m, h eller d"
            ));
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("`{text}` är ingen tidslängd"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_units() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("300ms"), Ok(Duration::from_millis(300)));
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86400)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("tio").is_err());
        assert!(parse_duration("5w").is_err());
    }

    #[test]
    fn only_web_urls_are_checked() {
        assert!(is_web_url("https://x.se") && is_web_url("HTTP://x.se/a"));
        assert!(!is_web_url("mailto:a@b.se") && !is_web_url("doc:1") && !is_web_url("a.md"));
    }

    #[test]
    fn passing_failures_are_not_cached() {
        assert!(Outcome::Ok { status: 200 }.cacheable());
        assert!(
            Outcome::HttpError {
                status: 404,
                location: None
            }
            .cacheable()
        );
        for passing in [
            Outcome::HttpError {
                status: 503,
                location: None,
            },
            Outcome::HttpError {
                status: 429,
                location: None,
            },
            Outcome::Timeout { seconds: 1.0 },
            Outcome::Dns { host: "x".into() },
        ] {
            assert!(!passing.cacheable(), "{passing:?}");
        }
    }
}
