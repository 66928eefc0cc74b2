//! `samsyn report` (per owner: reviews, planned documents without text, external links)
//! in its three formats, and the external link check (`report --external`, `check
//! --external`) against a local server started here: never the internet.

mod common;
use common::*;
use serde_json::Value;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

// ---------------------------------------------------------------------------------
// The local server

/// What the test server saw.
#[derive(Default)]
struct Seen {
    /// Requests by "METHOD /path".
    requests: HashMap<String, usize>,
    /// When each request came, by "METHOD /path".
    times: HashMap<String, Vec<std::time::Instant>>,
    /// Requests in flight now, by Host header, and overall.
    in_flight: HashMap<String, usize>,
    in_flight_all: usize,
    /// The most in flight at once, by Host header, and overall.
    max_in_flight: HashMap<String, usize>,
    max_in_flight_all: usize,
}

#[derive(Clone, Default)]
struct Server {
    seen: Arc<Mutex<Seen>>,
}

/// Counts a request out of flight when its handler ends (before the answer is sent).
struct InFlight(Server, String);

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut seen = self.0.seen.lock().unwrap();
        *seen.in_flight.get_mut(&self.1).unwrap() -= 1;
        seen.in_flight_all -= 1;
    }
}

impl Server {
    /// Starts a server on each of `ips` (port chosen by the system) in a thread of its
    /// own; returns their addresses.
    fn start(ips: &[&str]) -> (Server, Vec<SocketAddr>) {
        let server = Server::default();
        let listeners: Vec<std::net::TcpListener> = ips
            .iter()
            .map(|ip| std::net::TcpListener::bind((*ip, 0)).unwrap())
            .collect();
        let addrs = listeners.iter().map(|l| l.local_addr().unwrap()).collect();
        let state = server.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let mut served = Vec::new();
                for listener in listeners {
                    listener.set_nonblocking(true).unwrap();
                    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                    let app = axum::Router::new()
                        .fallback(answer)
                        .with_state(state.clone());
                    served.push(tokio::spawn(async move {
                        axum::serve(listener, app).await.unwrap()
                    }));
                }
                for s in served {
                    let _ = s.await;
                }
            });
        });
        (server, addrs)
    }

    fn requests(&self, what: &str) -> usize {
        self.seen
            .lock()
            .unwrap()
            .requests
            .get(what)
            .copied()
            .unwrap_or(0)
    }

    fn total_requests(&self) -> usize {
        self.seen.lock().unwrap().requests.values().sum()
    }

    fn enter(&self, method: &str, path: &str, host: &str) -> (InFlight, usize) {
        let mut seen = self.seen.lock().unwrap();
        let what = format!("{method} {path}");
        seen.times
            .entry(what.clone())
            .or_default()
            .push(std::time::Instant::now());
        let count = seen.requests.entry(what).or_default();
        *count += 1;
        let nth = *count;
        let now = {
            let n = seen.in_flight.entry(host.to_string()).or_default();
            *n += 1;
            *n
        };
        seen.in_flight_all += 1;
        let all = seen.in_flight_all;
        let max = seen.max_in_flight.entry(host.to_string()).or_default();
        *max = (*max).max(now);
        seen.max_in_flight_all = seen.max_in_flight_all.max(all);
        (InFlight(self.clone(), host.to_string()), nth)
    }
}

/// The routes: `/ok`, `/twice` 200; `/moved` 301 → `/ok`; `/temporary` 302 → `/ok`;
/// `/moved-to-missing` 308 → `/missing`; `/loop` 302 → itself; `/nowhere` 302 without
/// a `Location`; `/missing`, `/missing-html` 404; `/flaky` 500
/// on its first request, then 200; `/busy` 429 with `Retry-After: 1` on its first, then
/// 200; `/down` 503 always; `/no-head` 405 on HEAD, 200 on
/// GET; `/hang` answers after 3 s; `/slow…` after 150 ms.
async fn answer(
    axum::extract::State(server): axum::extract::State<Server>,
    request: axum::extract::Request,
) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    let method = request.method().as_str().to_string();
    let path = request.uri().path().to_string();
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .to_string();
    let (_in_flight, nth) = server.enter(&method, &path, &host);
    let redirect = |status: StatusCode, to: &str| {
        (status, [(header::LOCATION, to.to_string())]).into_response()
    };
    match path.as_str() {
        "/ok" | "/twice" => StatusCode::OK.into_response(),
        "/moved" => redirect(StatusCode::MOVED_PERMANENTLY, "/ok"),
        "/temporary" => redirect(StatusCode::FOUND, "/ok"),
        "/loop" => redirect(StatusCode::FOUND, "/loop"),
        "/nowhere" => StatusCode::FOUND.into_response(),
        "/moved-to-missing" => redirect(StatusCode::PERMANENT_REDIRECT, "/missing"),
        "/flaky" if nth == 1 => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        "/flaky" => StatusCode::OK.into_response(),
        "/down" => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        "/busy" if nth == 1 => {
            (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "1")]).into_response()
        }
        "/busy" => StatusCode::OK.into_response(),
        "/no-head" if method == "HEAD" => StatusCode::METHOD_NOT_ALLOWED.into_response(),
        "/no-head" => StatusCode::OK.into_response(),
        "/hang" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            StatusCode::OK.into_response()
        }
        p if p.starts_with("/slow") => {
            tokio::time::sleep(Duration::from_millis(150)).await;
            StatusCode::OK.into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A port on loopback where nothing listens.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

// ---------------------------------------------------------------------------------
// Books and runs

const SUMMARY: &str = "# S\n\n- [Avtal \"A\", del 1](a.md)\n- [B](b.md)\n- [C](c.md)\n- [D](d.md)\n- [E](e.md)\n- [F](f.md)\n";

/// A book with two owners and pages without one; `links` is appended to page a (owner
/// Anna) and `more` to page d (no owner).
fn owners_book(dir: &Path, links: &str, more: &str) {
    let a = format!(
        "+++\nkind = \"agreement\"\ndoc_id = \"1\"\nowner = \"Anna\"\nreview_by = 2026-01-01\n+++\n# A\n\nText.\n\n{links}"
    );
    let d = format!("+++\nkind = \"fakta\"\nstatus = \"planned\"\n+++\n# D\n\n{more}");
    write_book(
        dir,
        &[
            ("SUMMARY.md", SUMMARY),
            ("a.md", &a),
            (
                "b.md",
                "+++\nowner = \"Anna\"\nreview_by = 2027-01-10\n+++\n# B\n\nText.\n",
            ),
            (
                "c.md",
                "+++\nowner = \"Bertil\"\nreview_by = 2027-06-01\n+++\n# C\n\nText.\n",
            ),
            ("d.md", &d),
            ("e.md", "# E\n\n## Bara rubriker\n"),
            (
                "f.md",
                "+++\nowner = \"Bertil\"\nstatus = \"repealed\"\nreview_by = 2020-01-01\n+++\n# F\n\nText.\n",
            ),
        ],
    );
}

/// The options that keep the external check fast against the local server.
const FAST: [&str; 7] = [
    "--external",
    "--external-timeout",
    "400ms",
    "--external-backoff",
    "50ms",
    "--external-retries",
    "2",
];

fn report_json(dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["report", "book", "--format", "json"];
    args.extend_from_slice(extra);
    let out = samsyn(dir, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)))
}

/// The findings of the report, each with its group's name as `group`.
fn findings(report: &Value) -> Vec<Value> {
    report["owners"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| {
            g["findings"].as_array().unwrap().iter().map(|f| {
                let mut f = f.clone();
                f["group"] = g["name"].clone();
                f
            })
        })
        .collect()
}

/// The external-link finding of the URL ending in `path`.
fn external<'a>(found: &'a [Value], path: &str) -> Option<&'a Value> {
    found
        .iter()
        .find(|f| f["kind"] == "external-link" && f["url"].as_str().unwrap().ends_with(path))
}

// ---------------------------------------------------------------------------------
// The report without the network

#[test]
fn findings_are_grouped_per_owner_and_due_dates_follow_due_within() {
    let tmp = tempfile::tempdir().unwrap();
    owners_book(tmp.path(), "", "");
    let report = report_json(tmp.path(), &[]);
    assert_eq!(report["today"], TODAY);
    assert_eq!(report["due_within_days"], 90);
    assert_eq!(report["external"], Value::Null);
    let names: Vec<&str> = report["owners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    // Bertil's review is 190 days away and F is repealed: nothing for him at 90 days.
    assert_eq!(names, ["Anna", "Ingen innehållsansvarig angiven"]);
    assert_eq!(report["owners"][1]["owner"], Value::Null);
    let found = findings(&report);
    let summary: Vec<(String, String, i64, String)> = found
        .iter()
        .map(|f| {
            (
                f["group"].as_str().unwrap().to_string(),
                f["kind"].as_str().unwrap().to_string(),
                f["line"].as_i64().unwrap(),
                f["file"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let row = |g: &str, k: &str, line: i64, file: &str| {
        (
            g.to_string(),
            k.to_string(),
            line,
            format!("book/src/{file}"),
        )
    };
    assert_eq!(
        summary,
        [
            row("Anna", "review-overdue", 5, "a.md"),
            row("Anna", "review-due", 3, "b.md"),
            row(
                "Ingen innehållsansvarig angiven",
                "planned-without-text",
                3,
                "d.md"
            ),
            row(
                "Ingen innehållsansvarig angiven",
                "planned-without-text",
                1,
                "e.md"
            ),
        ]
    );
    assert_eq!(found[0]["days"], -326);
    assert_eq!(found[0]["review_by"], "2026-01-01");
    assert_eq!(found[0]["doc_id"], "1");
    assert_eq!(found[1]["days"], 48);
    assert_eq!(
        report["counts"],
        serde_json::json!({"review_overdue": 1, "review_due": 1, "planned_without_text": 2, "external_link": 0})
    );

    // A wider horizon brings in Bertil's review (190 days away), before the no-owner group.
    let wider = report_json(tmp.path(), &["--due-within", "200"]);
    let found = findings(&wider);
    let bertil: Vec<&Value> = found.iter().filter(|f| f["group"] == "Bertil").collect();
    assert_eq!(bertil.len(), 1, "{found:#?}");
    assert_eq!(bertil[0]["kind"], "review-due");
    assert_eq!(bertil[0]["days"], 190);
    assert_eq!(wider["owners"][1]["name"], "Bertil");
}

#[test]
fn the_report_reads_as_csv_and_as_swedish_text() {
    let tmp = tempfile::tempdir().unwrap();
    owners_book(tmp.path(), "", "");
    let out = samsyn(tmp.path(), &["report", "book", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, samsyn::report::CSV_COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4);
    // A title with a comma and quotes survives the quoting.
    assert_eq!(&rows[0][0], "Anna");
    assert_eq!(&rows[0][1], "review-overdue");
    assert_eq!(&rows[0][5], "Avtal \"A\", del 1");
    assert_eq!(&rows[0][8], "-326");
    assert_eq!(&rows[3][0], "Ingen innehållsansvarig angiven");

    let out = samsyn(tmp.path(), &["report", "book"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for expected in [
        "Underhållsrapport 2026-11-23",
        "Anna (2 saker att åtgärda)",
        "  Revision försenad\n",
        "  Revision inom 90 dagar\n",
        "book/src/a.md:5:1  Avtal \"A\", del 1 (dokument-ID 1): skulle ha reviderats senast 2026-01-01, för 326 dagar sedan",
        "ska revideras senast 2027-01-10, om 48 dagar",
        "Ingen innehållsansvarig angiven (2 saker att åtgärda)",
        "sidan har ingen text, bara rubriker",
        "Totalt: 1 försenad revision, 1 revision inom 90 dagar och 2 planerade dokument utan text.",
    ] {
        assert!(text.contains(expected), "no {expected:?} in\n{text}");
    }

    // Findings are the report's result; --fail-on-findings makes them fail CI.
    let out = samsyn(tmp.path(), &["report", "book", "--fail-on-findings"]);
    assert_eq!(out.status.code(), Some(1));
    let out = samsyn(tmp.path(), &["report", "book", "--format", "xml"]);
    assert_eq!(out.status.code(), Some(2));
}

// ---------------------------------------------------------------------------------
// External links

#[test]
fn external_links_are_classified_and_located() {
    // `/busy` on a host of its own, so that no other request delays its retry.
    let (server, addrs) = Server::start(&["127.0.0.1", "127.0.0.2"]);
    let base = format!("http://{}", addrs[0]);
    let busy_host = format!("http://{}", addrs[1]);
    let refused = format!("http://127.0.0.1:{}/", closed_port());
    let links = format!(
        "[ok]({base}/ok) [flyttad]({base}/moved) [tillfällig]({base}/temporary)\n\
         [saknas]({base}/missing) [ostadig]({base}/flaky) [nere]({base}/down)\n\
         [head]({base}/no-head) [häng]({base}/hang) [långsam]({base}/slow)\n\
         [flyttad bort]({base}/moved-to-missing#avsnitt) [två gånger]({base}/twice)\n\
         [stängd]({refused}) [runt]({base}/loop) [ingenstans]({base}/nowhere)\n\
         [upptagen]({busy_host}/busy)\n\n<a href=\"{base}/missing-html\">html</a>\n"
    );
    let tmp = tempfile::tempdir().unwrap();
    owners_book(tmp.path(), &links, &format!("[igen]({base}/twice)\n"));
    let started = std::time::Instant::now();
    let report = report_json(tmp.path(), &FAST);
    let elapsed = started.elapsed();
    let found = findings(&report);

    for fine in [
        "/ok",
        "/temporary",
        "/flaky",
        "/busy",
        "/no-head",
        "/slow",
        "/twice",
    ] {
        assert!(external(&found, fine).is_none(), "{fine}: {found:#?}");
    }
    let moved = external(&found, "/moved").unwrap();
    assert_eq!(moved["code"], "external-link-redirected");
    assert_eq!(moved["status"], 200);
    assert_eq!(moved["location"], format!("{base}/ok"));
    assert!(
        moved["suggestion"]
            .as_str()
            .unwrap()
            .contains(&format!("{base}/ok"))
    );
    assert_eq!(moved["group"], "Anna");
    assert_eq!(
        (moved["line"].as_u64(), moved["column"].as_u64()),
        (Some(11), Some(base.len() as u64 + 21))
    );

    let missing = external(&found, "/missing").unwrap();
    assert_eq!(missing["code"], "external-link-broken");
    assert_eq!(missing["status"], 404);
    assert!(
        missing["detail"]
            .as_str()
            .unwrap()
            .contains("404 (Not Found)")
    );
    let via = external(&found, "/moved-to-missing#avsnitt").unwrap();
    assert_eq!(via["code"], "external-link-broken");
    assert_eq!(via["location"], format!("{base}/missing"));
    let html = external(&found, "/missing-html").unwrap();
    assert_eq!(html["line"], 18);
    assert_eq!(external(&found, "/down").unwrap()["status"], 503);
    assert_eq!(
        external(&found, "/hang").unwrap()["code"],
        "external-link-timeout"
    );
    let closed = external(&found, &refused).unwrap();
    assert_eq!(closed["code"], "external-link-unreachable");
    assert_eq!(
        closed["detail"],
        "servern går inte att nå: anslutningen nekades"
    );
    let round = external(&found, "/loop").unwrap();
    assert_eq!(round["code"], "external-link-broken");
    assert!(
        round["detail"]
            .as_str()
            .unwrap()
            .contains("för många vidarekopplingar")
    );
    assert_eq!(external(&found, "/nowhere").unwrap()["status"], 302);
    assert_eq!(report["counts"]["external_link"], 9, "{found:#?}");
    assert_eq!(
        report["external"],
        serde_json::json!({"links": 17, "urls": 16, "asked": 16, "cached": 0})
    );

    // HEAD first, GET only where HEAD is refused; retries for 5xx; one request per URL.
    assert_eq!(
        server.requests("HEAD /ok"),
        3,
        "direct, after /moved and /temporary"
    );
    assert_eq!(server.requests("GET /ok"), 0);
    assert_eq!(server.requests("HEAD /no-head"), 1);
    assert_eq!(server.requests("GET /no-head"), 1);
    assert_eq!(server.requests("HEAD /flaky"), 2);
    assert_eq!(server.requests("HEAD /down"), 3, "1 + 2 retries");
    assert_eq!(
        server.requests("HEAD /loop"),
        11,
        "the first and 10 redirects"
    );
    // The 429's Retry-After (1 s), not the 50 ms backoff, set the pause before the retry.
    let busy = server.seen.lock().unwrap().times["HEAD /busy"].clone();
    assert_eq!(busy.len(), 2);
    let pause = busy[1] - busy[0];
    assert!(pause >= Duration::from_millis(950), "{pause:?}");
    assert_eq!(server.requests("HEAD /hang"), 3, "1 + 2 retries");
    assert_eq!(
        server.requests("HEAD /twice"),
        1,
        "written twice, asked once"
    );
    assert!(elapsed < Duration::from_secs(6), "{elapsed:?}");
}

#[test]
fn check_external_gives_located_warnings_and_does_not_fail() {
    let (_server, addrs) = Server::start(&["127.0.0.1"]);
    let base = format!("http://{}", addrs[0]);
    let tmp = tempfile::tempdir().unwrap();
    owners_book(
        tmp.path(),
        &format!("Se [sidan]({base}/missing) och [den]({base}/moved).\n"),
        "",
    );
    let mut args = vec!["check", "book", "--format", "json"];
    args.extend_from_slice(&FAST);
    let out = samsyn(tmp.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let diags: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let find = |code: &str| {
        diags
            .iter()
            .find(|d| d["code"] == code)
            .unwrap_or_else(|| panic!("no {code} in {diags:#?}"))
    };
    let broken = find("external-link-broken");
    assert_eq!(broken["severity"], "warning");
    assert_eq!(
        (&broken["file"], &broken["line"], &broken["column"]),
        (
            &Value::from("book/src/a.md"),
            &Value::from(11),
            &Value::from(12)
        )
    );
    let moved = find("external-link-redirected");
    assert_eq!(
        moved["column"],
        12 + base.len() + "/missing) och [den](".len()
    );
    assert!(
        moved["suggestion"]
            .as_str()
            .unwrap()
            .contains(&format!("{base}/ok"))
    );

    // Without --external nothing is asked; in human form the warnings are located too.
    let (_, plain) = check_json(tmp.path());
    assert!(!plain.iter().any(|d| d["code"] == "external-link-broken"));
    let mut args = vec!["check", "book"];
    args.extend_from_slice(&FAST);
    let out = samsyn(tmp.path(), &args);
    assert_eq!(out.status.code(), Some(0));
    let text = stderr(&out);
    assert!(text.contains("warning[external-link-broken]"), "{text}");
    assert!(text.contains("book/src/a.md:11:12"), "{text}");
    assert!(text.contains("2 externa adresser kontrollerade"), "{text}");
}

#[test]
fn the_cache_spares_the_hosts_until_its_time_to_live_runs_out() {
    let (server, addrs) = Server::start(&["127.0.0.1"]);
    let base = format!("http://{}", addrs[0]);
    let tmp = tempfile::tempdir().unwrap();
    owners_book(
        tmp.path(),
        &format!(
            "[a]({base}/ok) [b]({base}/moved) [c]({base}/missing) [d]({base}/no-head) [e]({base}/down)\n"
        ),
        "",
    );
    let first = report_json(tmp.path(), &FAST);
    assert_eq!(first["external"]["asked"], 5);
    let asked_first = server.total_requests();
    assert!(asked_first >= 6, "{asked_first}");

    // A second run asks nothing again but the 503, which may pass.
    let second = report_json(tmp.path(), &FAST);
    assert_eq!(second["external"]["cached"], 4);
    assert_eq!(second["external"]["asked"], 1);
    assert_eq!(
        server.total_requests(),
        asked_first + 3,
        "only /down, 3 times"
    );
    assert_eq!(findings(&first), findings(&second));

    // The cache is a JSON file in the book folder that git ignores.
    let cache_dir = tmp.path().join("book/.samsyn-cache");
    let cache_file = cache_dir.join("external-links.json");
    let mut cache: Value = serde_json::from_slice(&std::fs::read(&cache_file).unwrap()).unwrap();
    assert_eq!(cache["entries"].as_object().unwrap().len(), 4);
    assert!(
        std::fs::read_to_string(cache_dir.join(".gitignore"))
            .unwrap()
            .contains('*')
    );

    // Entries an hour old: fresh for a 2 h time to live, stale for 30 min.
    for entry in cache["entries"].as_object_mut().unwrap().values_mut() {
        let at = entry["checked_at"].as_u64().unwrap();
        entry["checked_at"] = Value::from(at - 3600);
    }
    std::fs::write(&cache_file, serde_json::to_vec(&cache).unwrap()).unwrap();
    let before = server.total_requests();
    let mut args = FAST.to_vec();
    args.extend(["--external-ttl", "2h"]);
    assert_eq!(report_json(tmp.path(), &args)["external"]["cached"], 4);
    assert_eq!(server.total_requests(), before + 3);
    let mut args = FAST.to_vec();
    args.extend(["--external-ttl", "30m"]);
    let expired = report_json(tmp.path(), &args);
    assert_eq!(expired["external"]["cached"], 0);
    assert_eq!(expired["external"]["asked"], 5);
    assert_eq!(server.requests("GET /no-head"), 2);
}

/// `samsyn report book --external` in `dir`: the run succeeds and warns that the cache
/// is not used; returns that warning.
fn report_without_cache(dir: &Path) -> String {
    let mut args = vec!["report", "book"];
    args.extend_from_slice(&FAST);
    let out = samsyn(dir, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("1 extern länk kontrollerad"));
    let warning = stderr(&out);
    assert!(warning.contains("länkcachen används inte"), "{warning}");
    warning
}

#[cfg(unix)]
#[test]
fn the_cache_is_written_only_in_a_real_folder_of_the_book_outside_its_sources() {
    let (_server, addrs) = Server::start(&["127.0.0.1"]);
    let link = format!("[a](http://{}/ok)\n", addrs[0]);

    // A cache folder that is a symlink out of the book: nothing is written there.
    let tmp = tempfile::tempdir().unwrap();
    owners_book(tmp.path(), &link, "");
    let outside = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), tmp.path().join("book/.samsyn-cache")).unwrap();
    report_without_cache(tmp.path());
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);

    // A book whose sources are the book folder itself would publish the cache.
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("book");
    std::fs::create_dir_all(&book).unwrap();
    std::fs::write(
        book.join("book.toml"),
        "[book]\ntitle = \"T\"\nsrc = \".\"\n",
    )
    .unwrap();
    std::fs::write(book.join("SUMMARY.md"), "# S\n\n- [A](a.md)\n").unwrap();
    std::fs::write(book.join("a.md"), format!("# A\n\n{link}")).unwrap();
    let warning = report_without_cache(tmp.path());
    assert!(warning.contains("källmappen"), "{warning}");
    assert!(!book.join(".samsyn-cache").exists());
}

#[test]
fn requests_stay_within_the_limits_per_host_and_overall() {
    let (server, addrs) = Server::start(&["127.0.0.1", "127.0.0.2"]);
    let links: String = addrs
        .iter()
        .flat_map(|a| (0..8).map(move |i| format!("[s{i}](http://{a}/slow{i})\n")))
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    owners_book(tmp.path(), &links, "");
    let mut args = FAST.to_vec();
    args.extend(["--external-per-host", "2", "--external-concurrency", "3"]);
    let started = std::time::Instant::now();
    let report = report_json(tmp.path(), &args);
    let elapsed = started.elapsed();
    assert_eq!(report["counts"]["external_link"], 0, "{report:#}");
    let seen = server.seen.lock().unwrap();
    for addr in &addrs {
        let max = seen.max_in_flight[&addr.to_string()];
        assert!((1..=2).contains(&max), "{addr}: {max} in flight at once");
    }
    assert!(seen.max_in_flight_all <= 3, "{}", seen.max_in_flight_all);
    assert!(
        seen.max_in_flight_all >= 2,
        "the requests ran concurrently: {}",
        seen.max_in_flight_all
    );
    // 16 requests of 150 ms, at most 3 at once: at least 6 rounds.
    assert!(elapsed >= Duration::from_millis(800), "{elapsed:?}");
}
