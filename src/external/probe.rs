//! Asking web servers about URLs: concurrency limits, HEAD/GET, retries, redirects.

use super::{ExternalOptions, Outcome};
use reqwest::{Client, Method, Url};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Statuses with which some servers refuse HEAD though GET works.
const HEAD_REFUSED: [u16; 5] = [400, 403, 404, 405, 501];

/// Checks every URL and returns its outcome (in no particular order).
pub fn probe_all(urls: Vec<String>, opts: &ExternalOptions) -> Vec<(String, Outcome)> {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return all_unreachable(urls, &format!("kan inte starta nätverksdelen: {e}")),
    };
    runtime.block_on(probe_concurrently(urls, opts))
}

/// Every URL unreachable for one reason (the checker itself could not start).
fn all_unreachable(urls: Vec<String>, detail: &str) -> Vec<(String, Outcome)> {
    urls.into_iter()
        .map(|u| {
            let detail = detail.to_string();
            (u, Outcome::Unreachable { detail })
        })
        .collect()
}

async fn probe_concurrently(urls: Vec<String>, opts: &ExternalOptions) -> Vec<(String, Outcome)> {
    let prober = match Prober::new(opts) {
        Ok(p) => Arc::new(p),
        Err(detail) => return all_unreachable(urls, &detail),
    };
    let bar = progress_bar(opts.progress, urls.len());
    let mut tasks = tokio::task::JoinSet::new();
    for url in urls {
        let prober = Arc::clone(&prober);
        tasks.spawn(async move {
            let outcome = prober.probe(&url).await;
            (url, outcome)
        });
    }
    let mut out = Vec::new();
    while let Some(done) = tasks.join_next().await {
        bar.inc(1);
        if let Ok(result) = done {
            out.push(result);
        }
    }
    bar.finish_and_clear();
    out
}

fn progress_bar(show: bool, len: usize) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !show || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} Kontrollerar externa länkar {pos}/{len} {wide_bar} {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// A server's answer, as far as the check needs it (the body is never read).
struct Reply {
    status: u16,
    location: Option<String>,
    retry_after: Option<Duration>,
}

/// Why a request got no answer.
enum Failure {
    Timeout,
    Other(Outcome),
}

struct Prober {
    client: Client,
    opts: ExternalOptions,
    overall: Arc<Semaphore>,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Prober {
    fn new(opts: &ExternalOptions) -> Result<Prober, String> {
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(opts.timeout)
            .connect_timeout(opts.timeout)
            .user_agent(concat!(
                "samsyn/",
                env!("CARGO_PKG_VERSION"),
                " (link check)"
            ))
            .build()
            .map_err(|e| format!("kan inte skapa HTTP-klienten: {e}"))?;
        Ok(Prober {
            client,
            opts: opts.clone(),
            overall: Arc::new(Semaphore::new(opts.concurrency.max(1))),
            hosts: Mutex::new(HashMap::new()),
        })
    }

    /// Follows `url` through its redirects to a final answer.
    async fn probe(&self, url: &str) -> Outcome {
        let mut current = match Url::parse(url) {
            Ok(u) if u.host_str().is_some() => u,
            Ok(_) => {
                return Outcome::InvalidUrl {
                    detail: "värdnamn saknas".into(),
                };
            }
            Err(e) => {
                return Outcome::InvalidUrl {
                    detail: e.to_string(),
                };
            }
        };
        let mut redirected = false;
        // The URL after the leading run of permanent redirects, if there was one.
        let mut moved_to: Option<Url> = None;
        let mut only_permanent_so_far = true;
        for _ in 0..=self.opts.max_redirects {
            let reply = match self.ask_with_retries(&current).await {
                Ok(r) => r,
                Err(Failure::Timeout) => {
                    return Outcome::Timeout {
                        seconds: self.opts.timeout.as_secs_f64(),
                    };
                }
                Err(Failure::Other(outcome)) => return outcome,
            };
            let next = (300..400)
                .contains(&reply.status)
                .then_some(reply.location.as_deref())
                .flatten()
                .and_then(|to| current.join(to).ok());
            if let Some(next) = next {
                let permanent = matches!(reply.status, 301 | 308);
                only_permanent_so_far &= permanent;
                if only_permanent_so_far {
                    moved_to = Some(next.clone());
                }
                redirected = true;
                current = next;
                continue;
            }
            let location = redirected.then(|| current.to_string());
            // A 3xx here had no usable `Location`: nowhere to go, so no working link.
            return if reply.status < 300 {
                match location {
                    None => Outcome::Ok {
                        status: reply.status,
                    },
                    Some(location) => Outcome::Redirected {
                        status: reply.status,
                        location,
                        moved_to: moved_to.map(|u| u.to_string()),
                    },
                }
            } else {
                Outcome::HttpError {
                    status: reply.status,
                    location,
                }
            };
        }
        Outcome::TooManyRedirects {
            location: current.to_string(),
        }
    }

    /// [`Prober::ask`], again after a pause while the answer may pass (429, 5xx but
    /// 501, a timeout): `Retry-After` when the server sends one (up to the cap), else
    /// a backoff that doubles.
    async fn ask_with_retries(&self, url: &Url) -> Result<Reply, Failure> {
        let mut attempt = 0;
        loop {
            let result = self.ask(url).await;
            let passing = match &result {
                Ok(r) => r.status == 429 || (r.status >= 500 && r.status != 501),
                Err(Failure::Timeout) => true,
                Err(Failure::Other(_)) => false,
            };
            if !passing || attempt >= self.opts.retries {
                return result;
            }
            let backoff = self.opts.backoff * 2u32.saturating_pow(attempt);
            let pause = match &result {
                Ok(Reply {
                    retry_after: Some(wait),
                    ..
                }) => (*wait).min(self.opts.retry_after_cap),
                _ => backoff,
            };
            tokio::time::sleep(pause).await;
            attempt += 1;
        }
    }

    /// One HEAD, and a GET when the server refuses HEAD.
    async fn ask(&self, url: &Url) -> Result<Reply, Failure> {
        let head = self.request(Method::HEAD, url).await?;
        if HEAD_REFUSED.contains(&head.status) {
            return self.request(Method::GET, url).await;
        }
        Ok(head)
    }

    /// One request, within the per-host and overall limits.
    async fn request(&self, method: Method, url: &Url) -> Result<Reply, Failure> {
        let _permits = self.permits(url).await;
        let response = self
            .client
            .request(method, url.clone())
            .send()
            .await
            .map_err(|e| classify(&e, url))?;
        let header = |name: reqwest::header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        Ok(Reply {
            status: response.status().as_u16(),
            location: header(reqwest::header::LOCATION),
            retry_after: header(reqwest::header::RETRY_AFTER).and_then(|v| retry_after(&v)),
        })
    }

    /// A place for a request to `url`'s host, then one among all requests (in that
    /// order, so that a request waiting for its host holds no overall place).
    async fn permits(&self, url: &Url) -> Vec<OwnedSemaphorePermit> {
        let host = format!(
            "{}:{}",
            url.host_str().unwrap_or(""),
            url.port_or_known_default().unwrap_or(0)
        );
        let per_host = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(
                hosts
                    .entry(host)
                    .or_insert_with(|| Arc::new(Semaphore::new(self.opts.per_host.max(1)))),
            )
        };
        let mut permits = Vec::with_capacity(2);
        // The semaphores are never closed, so acquiring cannot fail.
        permits.extend(per_host.acquire_owned().await.ok());
        permits.extend(Arc::clone(&self.overall).acquire_owned().await.ok());
        permits
    }
}

/// `Retry-After`: seconds, or an HTTP date.
fn retry_after(value: &str) -> Option<Duration> {
    if let Ok(seconds) = value.trim().parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value.trim()).ok()?;
    let wait = when.signed_duration_since(chrono::Utc::now());
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// What a failed request means for the link.
fn classify(error: &reqwest::Error, url: &Url) -> Failure {
    if error.is_timeout() {
        return Failure::Timeout;
    }
    let mut chain = Vec::new();
    let mut source: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = source {
        chain.push(e.to_string());
        source = e.source();
    }
    Failure::Other(outcome_of(
        &chain,
        error.is_builder(),
        url.host_str().unwrap_or(""),
    ))
}

/// The outcome of a request that failed with the error messages `chain` (outermost
/// first): a name that does not resolve, an address that cannot be asked, or no
/// connection, with the reason in Swedish where it is a common one (else the innermost
/// message).
fn outcome_of(chain: &[String], invalid: bool, host: &str) -> Outcome {
    let text = chain.join(": ").to_lowercase();
    if text.contains("dns error") || text.contains("failed to lookup address") {
        return Outcome::Dns { host: host.into() };
    }
    let known = [
        ("connection refused", "anslutningen nekades"),
        ("connection reset", "anslutningen bröts"),
        ("certificate", "servercertifikatet godtas inte (TLS)"),
        ("tls", "den krypterade anslutningen misslyckades (TLS)"),
    ];
    let detail = match known.iter().find(|(english, _)| text.contains(english)) {
        Some((_, swedish)) => (*swedish).to_string(),
        None => chain
            .last()
            .filter(|d| !d.is_empty())
            .cloned()
            .unwrap_or_else(|| "okänt fel".into()),
    };
    if invalid {
        Outcome::InvalidUrl { detail }
    } else {
        Outcome::Unreachable { detail }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_and_dates() {
        assert_eq!(retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("snart"), None);
    }

    #[test]
    fn failed_requests_are_told_apart() {
        let chain = |parts: &[&str]| parts.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        // As reqwest on hyper-util reports a name that does not resolve.
        let dns = chain(&[
            "error sending request for url (http://saknas.invalid/)",
            "client error (Connect)",
            "dns error",
            "failed to lookup address information: Name or service not known",
        ]);
        assert_eq!(
            outcome_of(&dns, false, "saknas.invalid"),
            Outcome::Dns {
                host: "saknas.invalid".into()
            }
        );
        let refused = chain(&[
            "error sending request for url (http://127.0.0.1:9/)",
            "client error (Connect)",
            "tcp connect error",
            "Connection refused (os error 111)",
        ]);
        assert_eq!(
            outcome_of(&refused, false, "127.0.0.1"),
            Outcome::Unreachable {
                detail: "anslutningen nekades".into()
            }
        );
        assert!(matches!(
            outcome_of(&chain(&["builder error"]), true, ""),
            Outcome::InvalidUrl { .. }
        ));
    }
}
