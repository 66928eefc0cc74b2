//! `samsyn serve`: the live preview over a temporary copy of a fixture book, driven
//! over HTTP and server-sent events (and, for the reload itself, headless Chromium).

mod common;

use common::*;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running `samsyn serve`, stopped (SIGTERM) when dropped.
struct Serve {
    child: Child,
    addr: String,
    stderr: Arc<Mutex<String>>,
}

impl Serve {
    fn start(book: &Path, extra: &[&str]) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_samsyn"))
            .arg("serve")
            .arg(book)
            .args(["--port", "0"])
            .args(extra)
            .env("SAMSYN_TODAY", TODAY)
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("samsyn serve starts");
        let stderr = Arc::new(Mutex::new(String::new()));
        {
            let stderr = stderr.clone();
            let pipe = child.stderr.take().unwrap();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    let mut s = stderr.lock().unwrap();
                    s.push_str(&line);
                    s.push('\n');
                }
            });
        }
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let addr = first
            .trim()
            .strip_prefix("Serving on http://")
            .and_then(|a| a.strip_suffix('/'))
            .unwrap_or_else(|| {
                panic!(
                    "unexpected first line {first:?}; stderr: {}",
                    stderr.lock().unwrap()
                )
            })
            .to_string();
        Serve {
            child,
            addr,
            stderr,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}/{path}", self.addr)
    }

    fn get(&self, path: &str) -> (u16, String) {
        http_get(&self.addr, &format!("/{path}"))
    }

    fn status(&self) -> serde_json::Value {
        let (code, body) = self.get("__samsyn/diagnostics");
        assert_eq!(code, 200);
        serde_json::from_str(&body).unwrap()
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw HTTP/1.1 GET (the path is sent exactly as given); returns status and body.
fn http_get(addr: &str, path: &str) -> (u16, String) {
    let (code, _head, body) = http_get_as(addr, addr, path);
    (code, body)
}

/// A GET of `path` from the server at `addr`, addressed to `host`: status, head, body.
fn http_get_as(addr: &str, host: &str, path: &str) -> (u16, String, String) {
    let (code, head, body) = http_get_bytes(addr, host, path);
    (code, head, String::from_utf8_lossy(&body).into_owned())
}

/// [`http_get_as`] with the body's bytes.
fn http_get_bytes(addr: &str, host: &str, path: &str) -> (u16, String, Vec<u8>) {
    http_get_with(addr, host, path, "")
}

/// A GET with `extra` header lines (each ending in CRLF).
fn http_get_with(addr: &str, host: &str, path: &str, extra: &str) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let body = raw.get(split + 4..).unwrap_or_default();
    let code = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body).0
    } else {
        body.to_vec()
    };
    (code, head, body)
}

/// Decodes the complete chunks of a chunked body; returns them and the bytes used.
fn dechunk(mut raw: &[u8]) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut used = 0;
    while let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&raw[..eol]);
        let Ok(size) = usize::from_str_radix(size_text.trim(), 16) else {
            break;
        };
        if raw.len() < eol + 2 + size + 2 {
            break;
        }
        out.extend_from_slice(&raw[eol + 2..eol + 2 + size]);
        let step = eol + 2 + size + 2;
        used += step;
        raw = &raw[step..];
        if size == 0 {
            break;
        }
    }
    (out, used)
}

/// A client of `/__samsyn/events`.
struct Events {
    stream: TcpStream,
    raw: Vec<u8>,
    text: String,
    in_body: bool,
}

impl Events {
    fn connect(addr: &str) -> Events {
        let mut stream = TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "GET /__samsyn/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        let mut events = Events {
            stream,
            raw: Vec::new(),
            text: String::new(),
            in_body: false,
        };
        let (name, _) = events.next(Duration::from_secs(10)).expect("hello event");
        assert_eq!(name, "hello");
        events
    }

    /// The next event (name, JSON data), or `None` after `timeout`.
    fn next(&mut self, timeout: Duration) -> Option<(String, serde_json::Value)> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(end) = self.text.find("\n\n") {
                let block: String = self.text.drain(..end + 2).collect();
                let mut name = "message".to_string();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if data.is_empty() {
                    continue; // keep-alive comment
                }
                return Some((name, serde_json::from_str(&data).unwrap()));
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            self.stream
                .set_read_timeout(Some(left.max(Duration::from_millis(1))))
                .unwrap();
            let mut buf = [0u8; 8192];
            match self.stream.read(&mut buf) {
                Ok(0) => return None,
                Ok(n) => self.raw.extend_from_slice(&buf[..n]),
                Err(_) => return None,
            }
            if !self.in_body {
                if let Some(i) = self.raw.windows(4).position(|w| w == b"\r\n\r\n") {
                    self.raw.drain(..i + 4);
                    self.in_body = true;
                } else {
                    continue;
                }
            }
            let (data, used) = dechunk(&self.raw);
            self.raw.drain(..used);
            self.text.push_str(&String::from_utf8_lossy(&data));
        }
    }

    /// Waits for the event called `name`, skipping others.
    fn wait_for(&mut self, name: &str) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.next(left) {
                Some((n, data)) if n == name => return data,
                Some(_) => continue,
                None => break,
            }
        }
        panic!("no `{name}` event within 20 s");
    }
}

/// A fresh copy of a fixture book in a temporary folder.
fn book_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("bok");
    copy_dir(&fixture(name), &book);
    (tmp, book)
}

/// Saves a file the way many editors do: a temporary file renamed over it.
fn save(path: &Path, text: &str) {
    let tmp = path.with_file_name(format!(
        ".{}.tmp",
        path.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

#[test]
fn an_edit_reloads_and_a_broken_link_shows_until_fixed() {
    let (_tmp, book) = book_copy("basic");
    let serve = Serve::start(&book, &[]);
    assert!(
        serve.addr.starts_with("127.0.0.1:"),
        "binds to loopback: {}",
        serve.addr
    );
    let (code, html) = serve.get("om.html");
    assert_eq!(code, 200);
    assert!(html.contains("js/live-reload."), "the preview injects it");
    let mut events = Events::connect(&serve.addr);

    let page = book.join("src/om.md");
    let original = std::fs::read_to_string(&page).unwrap();
    let edited = format!("{original}\nEtt alldeles nytt stycke om samverkan.\n");
    save(&page, &edited);
    let status = events.wait_for("reload");
    assert_eq!(status["errors"], 0);
    assert_eq!(status["changed"], serde_json::json!(["om.html"]));
    let (_, html) = serve.get("om.html");
    assert!(html.contains("Ett alldeles nytt stycke om samverkan."));

    // A broken link: diagnostics, no rebuild, the last good page stays.
    let line = edited.lines().count() + 1;
    save(
        &page,
        &format!("{edited}Se [planen](finns-inte.md) och mer text.\n"),
    );
    let status = events.wait_for("diagnostics");
    assert_eq!(status["errors"], 1, "{status}");
    let diag = status["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["severity"] == "error")
        .unwrap();
    assert!(
        diag["file"].as_str().unwrap().ends_with("src/om.md"),
        "{diag}"
    );
    assert_eq!(diag["line"], line);
    assert_eq!(diag["column"], 13);
    assert_eq!(diag["code"], "broken-link");
    assert_eq!(serve.status()["errors"], 1);
    let (_, html) = serve.get("om.html");
    assert!(html.contains("Ett alldeles nytt stycke"));
    assert!(
        !html.contains("mer text"),
        "the broken version is not served"
    );
    let terminal_deadline = Instant::now() + Duration::from_secs(5);
    while !serve.stderr().contains(&format!("om.md:{line}:13")) {
        assert!(
            Instant::now() < terminal_deadline,
            "the terminal names the place: {}",
            serve.stderr()
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    // Fixed: the page is rebuilt and the errors clear.
    save(
        &page,
        &format!("{edited}Se [begreppen](begrepp.md) och mer text.\n"),
    );
    let status = events.wait_for("reload");
    assert_eq!(status["errors"], 0, "{status}");
    assert_eq!(serve.status()["errors"], 0);
    let (_, html) = serve.get("om.html");
    assert!(html.contains("mer text"));
    assert!(html.contains("href=\"begrepp.html\""));
}

#[test]
fn the_preview_matches_a_full_build_after_edits() {
    let (_tmp, book) = book_copy("basic");
    let serve = Serve::start(&book, &[]);
    let mut events = Events::connect(&serve.addr);

    // Body text, a heading another page may link to, and front matter (register).
    let huvud = book.join("src/avtal/huvud.md");
    let text = std::fs::read_to_string(&huvud).unwrap();
    let changed = text
        .replacen("version = ", "version = \"9.9\"\n# was: ", 1)
        .replace("\n## ", "\n## Ändrad ");
    std::fs::write(&huvud, &changed).unwrap();
    let status = events.wait_for("reload");
    if status["errors"] != 0 {
        panic!("the edit itself broke the fixture: {status}");
    }
    let om = book.join("src/om.md");
    let text = std::fs::read_to_string(&om).unwrap();
    std::fs::write(&om, format!("{text}\n## En ny rubrik\n\nText.\n")).unwrap();
    events.wait_for("reload");

    let (_site_tmp, site) = build(&book);
    let mut compared = 0;
    for rel in html_files(&site) {
        let expected = std::fs::read_to_string(site.join(&rel)).unwrap();
        let (code, served) = serve.get(&rel);
        assert_eq!(code, 200, "{rel}");
        assert_eq!(
            without_live_reload(&served),
            without_live_reload(&expected),
            "{rel} differs from a full build"
        );
        compared += 1;
    }
    assert!(compared >= 8, "compared {compared} pages");
    let (_, register) = serve.get("dokumentregister.html");
    assert!(
        register.contains("9.9"),
        "the register follows front matter"
    );
}

#[test]
fn a_changed_heading_id_breaks_the_links_of_other_pages() {
    let (_tmp, book) = book_copy("basic");
    let serve = Serve::start(&book, &[]);
    let mut events = Events::connect(&serve.addr);
    let huvud = book.join("src/avtal/huvud.md");
    let original = std::fs::read_to_string(&huvud).unwrap();
    save(&huvud, &original.replace("{#sip}", "{#samordnad}"));
    let status = events.wait_for("diagnostics");
    let errors = errors(status["diagnostics"].as_array().unwrap());
    assert_eq!(errors.len(), 1, "{status}");
    assert!(errors[0]["file"].as_str().unwrap().ends_with("src/om.md"));
    assert_eq!(errors[0]["line"], 3);
    assert_eq!(errors[0]["code"], "broken-anchor");
    save(&huvud, &original);
    let status = events.wait_for("reload");
    assert_eq!(status["errors"], 0, "{status}");
}

#[test]
fn summary_changes_add_and_remove_pages() {
    let (_tmp, book) = book_copy("basic");
    let serve = Serve::start(&book, &[]);
    let mut events = Events::connect(&serve.addr);
    let summary = book.join("src/SUMMARY.md");
    let original = std::fs::read_to_string(&summary).unwrap();
    std::fs::write(
        book.join("src/nyhet.md"),
        "# Nyhet\n\nEn sida som just skrivits.\n",
    )
    .unwrap();
    save(&summary, &format!("{original}- [Nyhet](nyhet.md)\n"));
    let status = events.wait_for("reload");
    assert_eq!(status["errors"], 0, "{status}");
    let (code, html) = serve.get("nyhet.html");
    assert_eq!(code, 200);
    assert!(html.contains("En sida som just skrivits."));

    save(&summary, &original);
    events.wait_for("reload");
    let (code, _) = serve.get("nyhet.html");
    assert_eq!(code, 404, "a page taken out of SUMMARY.md is gone");
    let status = serve.status();
    let unlisted =
        status["diagnostics"].as_array().unwrap().iter().any(|d| {
            d["code"] == "unlisted-page" && d["file"].as_str().unwrap().ends_with("nyhet.md")
        });
    assert!(unlisted, "{status}");

    // A SUMMARY.md entry without its file: an error, the last good site stays.
    save(&summary, &format!("{original}- [Saknas](saknas.md)\n"));
    let status = events.wait_for("diagnostics");
    assert_eq!(
        status["diagnostics"][0]["code"], "missing-chapter",
        "{status}"
    );
    assert_eq!(serve.get("om.html").0, 200);
    save(&summary, &original);
    let status = events.wait_for("reload");
    assert_eq!(status["errors"], 0, "{status}");
}

#[test]
fn a_theme_folder_is_watched_and_its_errors_shown() {
    let (tmp, book) = book_copy("basic");
    let theme = tmp.path().join("tema");
    copy_dir(&repo().join("theme"), &theme);
    let serve = Serve::start(&book, &["--theme", theme.to_str().unwrap()]);
    let mut events = Events::connect(&serve.addr);

    let css = theme.join("css/samsyn.css");
    let text = std::fs::read_to_string(&css).unwrap();
    save(&css, &format!("{text}\n.tema-test {{ color: red; }}\n"));
    let status = events.wait_for("reload");
    assert_eq!(status["errors"], 0, "{status}");
    // The pages name the changed style sheet by its new content.
    let css_path = linked_path(&serve.get("om.html").1, "css/samsyn.");
    assert!(serve.get(&css_path).1.contains(".tema-test"));

    // A template that does not compile: shown as an error, the last site stays.
    let page = theme.join("page.html");
    let template = std::fs::read_to_string(&page).unwrap();
    save(&page, &format!("{template}\n{{% if %}}\n"));
    let status = events.wait_for("diagnostics");
    assert_eq!(status["errors"], 1, "{status}");
    let error = status["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["severity"] == "error")
        .unwrap();
    assert_eq!(error["code"], "theme-error", "{status}");
    assert!(error["message"].as_str().unwrap().contains("page.html"));
    assert_eq!(serve.get("om.html").0, 200);
    save(&page, &template);
    let status = events.wait_for("reload");
    assert_eq!(status["errors"], 0, "{status}");
}

#[test]
fn nothing_outside_the_site_is_served() {
    let (_tmp, book) = book_copy("basic");
    let serve = Serve::start(&book, &[]);
    let secret = std::fs::read_to_string(book.join("src/SUMMARY.md")).unwrap();
    for path in [
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/js/..%2F..%2F..%2F..%2F..%2Fetc/passwd",
        "/%2fetc%2fpasswd",
        "//etc/passwd",
        "/..\\..\\..\\etc\\passwd",
        "/src/SUMMARY.md",
        "/SUMMARY.md",
        "/__samsyn/../../../etc/passwd",
    ] {
        let (code, body) = http_get(&serve.addr, path);
        assert_ne!(code, 200, "{path} was served");
        assert!(!body.contains("root:x:0:"), "{path} leaked /etc/passwd");
        assert!(!body.contains(secret.trim()), "{path} leaked the book");
    }
    let (code, body) = serve.get("finns/inte.html");
    assert_eq!(code, 404);
    assert!(
        body.contains("Sidan kunde inte hittas"),
        "the site's 404 page"
    );
    assert_eq!(serve.get("__samsyn/okänd").0, 404);
}

#[test]
fn search_works_in_the_preview() {
    let (_tmp, book) = book_copy("basic");
    let serve = Serve::start(&book, &[]);
    let mut events = Events::connect(&serve.addr);
    if serve.status()["search"] == 0 {
        events.wait_for("search");
    }
    let (code, html) = serve.get("index.html");
    assert_eq!(code, 200);
    assert!(html.contains("search/search."), "{html}");
    // The index the search script reads is served, with every file it names.
    let index_dir = {
        let (_t, site) = build(&book);
        std::fs::read_dir(site.join("search-index"))
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().unwrap().is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
    };
    assert!(!index_dir.is_empty());
    for name in &index_dir {
        let (code, _) = serve.get(&format!("search-index/{name}"));
        assert_eq!(code, 200, "search-index/{name}");
    }
    assert_eq!(served_search(&serve, "fladdermusvinge"), (vec![], false));
    // An edit is findable at once, through an overlay of the changed page, and then
    // through the rebuilt full index, which drops the overlay (in that order: the full
    // rebuild waits for the overlay's announcement).
    let page = book.join("src/begrepp.md");
    let text = std::fs::read_to_string(&page).unwrap();
    save(
        &page,
        &format!("{text}\nOrdet fladdermusvinge finns bara här.\n"),
    );
    let reload = events.wait_for("reload");
    let overlay = events.wait_for("search");
    assert_eq!(overlay["search_overlay"], true, "{overlay}");
    assert_eq!(overlay["search_shows"], reload["generation"], "{overlay}");
    let found = vec!["begrepp.html".to_string()];
    assert_eq!(served_search(&serve, "fladdermusvinge").0, found);
    assert!(
        served_search(&serve, "huvudavtalet")
            .0
            .contains(&"om.html".to_string()),
        "the other pages from the full index"
    );
    let full = events.wait_for("search");
    assert_eq!(full["search_overlay"], false, "{full}");
    assert_eq!(full["search_shows"], reload["generation"], "{full}");
    assert_eq!(served_search(&serve, "fladdermusvinge"), (found, false));
    assert_eq!(serve.get("search-index/").0, 404, "no folder listings");
}

/// Searches the preview's served index over HTTP with the browser's reader (the full index
/// and the overlay manifest.json names): the pages of the hits, and whether there was an
/// overlay. When the index is replaced during the search (a file it names is gone), the
/// search starts again on the new one, as the page's search does.
fn served_search(serve: &Serve, query: &str) -> (Vec<String>, bool) {
    // A file, or a range of an archive (a Range request, as the browser's worker sends).
    let fetch = |name: &str| -> Option<Vec<u8>> {
        let (path, range, ok) = match search_index::format::split_range_name(name) {
            Some((file, off, len)) => (
                file,
                format!("Range: bytes={off}-{}\r\n", off + len - 1),
                206,
            ),
            None => (name, String::new(), 200),
        };
        let (code, _, stored) = http_get_with(
            &serve.addr,
            &serve.addr,
            &format!("/search-index/{path}"),
            &range,
        );
        (code == ok).then(|| search_index::format::decompress(&stored).expect("an index file"))
    };
    let req = search_index::Request {
        query: query.to_string(),
        filters: Default::default(),
        limit: 20,
        fragments: 20,
        budget: 0,
        early: false,
    };
    'index: for _ in 0..20 {
        let (code, manifest) = serve.get("search-index/manifest.json");
        assert_eq!(code, 200);
        let has_overlay = manifest.contains("\"overlay\"");
        let mut engine = search_index::overlay::open_manifest(&manifest).expect("the index");
        for _ in 0..100 {
            match engine.search(&req).expect("a search") {
                search_index::reader::Step::Done(r) => {
                    let mut pages: Vec<String> = r
                        .hits
                        .iter()
                        .filter_map(|h| h.fragment.as_ref())
                        .map(|f| f.url.split('#').next().unwrap().to_string())
                        .collect();
                    pages.dedup();
                    return (pages, has_overlay);
                }
                search_index::reader::Step::Need(files) => {
                    for f in files {
                        let Some(bytes) = fetch(&f) else {
                            continue 'index;
                        };
                        engine.add_file(&f, bytes);
                    }
                }
            }
        }
        panic!("the search did not finish");
    }
    panic!("the index kept changing");
}

/// The preview's header-read timeout (`HEADER_READ_TIMEOUT` in
/// src/serve/connections.rs).
const HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// Reads from a connection until the server closes it (or `deadline`); returns when
/// it was closed.
fn closed_by_server(stream: &mut TcpStream, deadline: Instant) -> Option<Instant> {
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        stream
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .unwrap();
        match stream.read(&mut buf) {
            Ok(0) => return Some(Instant::now()),
            Ok(_) => continue, // a 408 or the like before the close
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return None;
            }
            Err(_) => return Some(Instant::now()), // reset
        }
    }
}

/// A keep-alive GET on `stream`, reading exactly its response (by Content-Length).
fn keep_alive_get(stream: &mut TcpStream, addr: &str, path: &str) -> u16 {
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "closed before the response");
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("a Content-Length");
    while raw.len() < head_end + length {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "closed inside the body");
        raw.extend_from_slice(&buf[..n]);
    }
    head.split(' ').nth(1).unwrap().parse().unwrap()
}

/// 50 connections that send part of a request line or of the headers and stall,
/// or send nothing, and one left idle after a response: the server closes them all
/// once the header-read timeout has passed. Meanwhile pages are served, and the
/// server-sent events opened before them still arrive after it.
#[test]
fn slow_and_idle_connections_are_closed_after_the_header_timeout() {
    let (_tmp, book) = book_copy("basic");
    let serve = Serve::start(&book, &[]);
    let mut events = Events::connect(&serve.addr);
    let opened = Instant::now();
    let mut slow: Vec<TcpStream> = (0..50)
        .map(|i| {
            let mut s = TcpStream::connect(&serve.addr).unwrap();
            match i % 3 {
                0 => write!(s, "GET /om.html HTTP/1.1\r\nHost: {}\r\nX-Lan", serve.addr),
                1 => write!(s, "GET /om.ht"),
                _ => Ok(()),
            }
            .unwrap();
            s
        })
        .collect();
    let mut idle = TcpStream::connect(&serve.addr).unwrap();
    assert_eq!(keep_alive_get(&mut idle, &serve.addr, "/om.html"), 200);
    slow.push(idle);

    // Meanwhile: an ordinary request.
    let (code, html) = serve.get("om.html");
    assert_eq!(code, 200);
    assert!(html.contains("Om boken"));
    assert!(
        opened.elapsed() < HEADER_TIMEOUT,
        "the page was answered while the slow connections were open"
    );

    let deadline = opened + HEADER_TIMEOUT + Duration::from_secs(3);
    let mut first_closed: Option<Instant> = None;
    for (i, stream) in slow.iter_mut().enumerate() {
        let Some(at) = closed_by_server(stream, deadline) else {
            panic!(
                "connection {i} still open {:?} after it was opened",
                opened.elapsed()
            );
        };
        first_closed = Some(first_closed.map_or(at, |f| f.min(at)));
    }
    let waited = first_closed.unwrap() - opened;
    assert!(
        waited + Duration::from_millis(500) >= HEADER_TIMEOUT,
        "closed after {waited:?}, before the timeout"
    );
    eprintln!("all closed {:?} after they were opened", opened.elapsed());

    // The events connection is long-lived on purpose: a save still reaches it.
    let page = book.join("src/om.md");
    let text = std::fs::read_to_string(&page).unwrap();
    save(&page, &format!("{text}\nEtt stycke efter väntan.\n"));
    let status = events.wait_for("reload");
    assert_eq!(status["errors"], 0, "{status}");
}

/// More silent connections than the preview serves at once (`MAX_CONNECTIONS` in
/// src/serve/connections.rs): a request behind them waits for a free slot, which
/// the header timeout makes, and is then answered.
#[test]
fn connections_beyond_the_limit_wait_for_a_slot() {
    const MAX_CONNECTIONS: usize = 256;
    let (_tmp, book) = book_copy("basic");
    let serve = Serve::start(&book, &[]);
    let opened = Instant::now();
    let silent: Vec<TcpStream> = (0..MAX_CONNECTIONS + 10)
        .map(|_| TcpStream::connect(&serve.addr).unwrap())
        .collect();
    let (code, _) = serve.get("om.html");
    let answered = opened.elapsed();
    assert_eq!(code, 200);
    assert!(
        answered + Duration::from_millis(500) >= HEADER_TIMEOUT,
        "answered after {answered:?}: the silent connections did not fill the slots"
    );
    eprintln!("answered {answered:?} after the silent connections were opened");
    drop(silent);
}

#[test]
fn a_port_in_use_is_a_usage_error_naming_the_port() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = samsyn(
        &repo(),
        &["serve", fixture("basic").to_str().unwrap(), "--port", &port],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(&port), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
}

#[test]
fn a_static_build_has_no_live_reload() {
    let (_tmp, site) = build(&fixture("basic"));
    for rel in html_files(&site) {
        let html = std::fs::read_to_string(site.join(&rel)).unwrap();
        assert!(!html.contains("live-reload"), "{rel}");
        assert!(!html.contains("__samsyn"), "{rel}");
    }
}

#[test]
fn a_page_in_chromium_reloads_itself_and_keeps_its_scroll() {
    let (_tmp, book) = book_copy("basic");
    // A page long enough to scroll.
    let page = book.join("src/begrepp.md");
    let mut text = std::fs::read_to_string(&page).unwrap();
    for i in 1..=60 {
        text.push_str(&format!(
            "\nStycke {i}: samverkan kring barn och unga kräver att huvudmän talar med varandra.\n"
        ));
    }
    std::fs::write(&page, text).unwrap();
    let serve = Serve::start(&book, &[]);
    let script = repo().join("tests/browser/serve-reload.mjs");
    let out = Command::new("node")
        .arg(&script)
        .arg(serve.url("begrepp.html"))
        .arg(&page)
        .current_dir(repo().join("tests/browser"))
        .output()
        .expect("node runs (scripts/setup installs Node, Chromium and playwright-core)");
    assert!(
        out.status.success(),
        "browser test failed:\n{}\n{}\nserve:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        serve.stderr()
    );
    let result: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    assert_eq!(result["reloaded"], true);
    assert!(result["before"].as_f64().unwrap() > 100.0, "{result}");
    assert!(result["hits"].as_u64().unwrap() >= 1, "{result}");
}

#[test]
fn a_summary_entry_outside_src_is_an_error_in_the_preview_until_fixed() {
    let (tmp, book) = book_copy("basic");
    let victim = tmp.path().join("hemlig.md");
    std::fs::write(&victim, "# Hemlig\n\nfladdermusvinge\n").unwrap();
    let serve = Serve::start(&book, &[]);
    let mut events = Events::connect(&serve.addr);
    let summary = book.join("src/SUMMARY.md");
    let original = std::fs::read_to_string(&summary).unwrap();
    let line = original.lines().count() + 1;
    save(
        &summary,
        &format!("{original}- [Hemlig]({})\n", victim.display()),
    );
    let status = events.wait_for("diagnostics");
    let errors = errors(status["diagnostics"].as_array().unwrap());
    assert_eq!(errors.len(), 1, "{status}");
    assert_eq!(errors[0]["code"], "chapter-outside-src", "{status}");
    assert!(
        errors[0]["file"]
            .as_str()
            .unwrap()
            .ends_with("src/SUMMARY.md")
    );
    assert_eq!(errors[0]["line"], line);
    assert_eq!(serve.status()["errors"], 1);
    let (code, html) = serve.get("om.html");
    assert_eq!(code, 200, "the last good site stays");
    assert!(!html.contains("fladdermusvinge"));

    // Fixed: rebuilt, and later edits are rebuilt too.
    save(&summary, &original);
    let status = events.wait_for("reload");
    assert_eq!(status["errors"], 0, "{status}");
    let page = book.join("src/om.md");
    let text = std::fs::read_to_string(&page).unwrap();
    save(&page, &format!("{text}\nEfter rättelsen.\n"));
    events.wait_for("reload");
    assert!(serve.get("om.html").1.contains("Efter rättelsen."));
}

/// One version of a page written by [`a_burst_of_saves_never_serves_a_half_written_page`]:
/// the page's own text, then filler framed by numbered start and end markers (a broken
/// version has a broken link before its end marker), so a served page shows whether
/// it came from a complete version, and which.
fn burst_version(original: &str, k: usize, broken: bool) -> String {
    let mut text = format!("{original}\nBörjan på version {k}.\n\n");
    for p in 0..40 {
        text.push_str(&format!(
            "Stycke {p} i version {k}: samverkan kring barn och unga kräver att huvudmän talar med varandra.\n\n"
        ));
    }
    if broken {
        text.push_str("Se [planen](finns-inte.md).\n\n");
    }
    text.push_str(&format!("Slut på version {k}.\n"));
    text
}

/// Saves in place the slow way: truncates the file, then writes it in eight chunks
/// with short pauses. Returns the longest time between two steps (a busy machine
/// can stretch a pause far beyond the preview's quiet window).
fn write_in_chunks(path: &Path, text: &str) -> Duration {
    let started = Instant::now();
    let mut last = started;
    let mut gap = Duration::ZERO;
    let mut file = std::fs::File::create(path).unwrap();
    for chunk in text.as_bytes().chunks(text.len() / 8 + 1) {
        gap = gap.max(last.elapsed());
        file.write_all(chunk).unwrap();
        last = Instant::now();
        std::thread::sleep(Duration::from_millis(1));
    }
    gap
}

/// A page's own content (what its Markdown became), for messages.
fn page_content(html: &str) -> &str {
    let start = html.find("<div class=\"doc-content\">").unwrap_or(0);
    let end = html[start..]
        .find("</article>")
        .map_or(html.len(), |e| start + e);
    &html[start..end]
}

/// The version a served page shows (`None`: no version marker).
fn served_version(html: &str) -> Option<usize> {
    let rest = html.split_once("Början på version ")?.1;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// About 240 saves in two and a half seconds, each written in place in chunks, every
/// third with a broken link, in two runs of more than a second with a pause after a
/// broken version until the preview shows its error. Whatever the timing, every page
/// served during the burst is the first one or a complete good version, and at the
/// end the page, the diagnostics and the terminal show the last version.
#[test]
fn a_burst_of_saves_never_serves_a_half_written_page() {
    let (_tmp, book) = book_copy("basic");
    let serve = Serve::start(&book, &[]);
    let page = book.join("src/om.md");
    let original = std::fs::read_to_string(&page).unwrap();
    let (code, first_html) = serve.get("om.html");
    assert_eq!(code, 200);
    let first_diagnostics = serve.status()["diagnostics"].clone();
    const SAVES: usize = 241;
    const PAUSE_AFTER: usize = 120;
    let broken = |k: usize| k.is_multiple_of(3);
    assert!(!broken(SAVES), "the burst ends with a good version");
    assert!(broken(PAUSE_AFTER), "the preview takes a broken version in");

    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (page, original, done) = (page.clone(), original.clone(), done.clone());
        let addr = serve.addr.clone();
        let has_errors = |addr: &str| {
            let (_, body) = http_get(addr, "/__samsyn/diagnostics");
            serde_json::from_str::<serde_json::Value>(&body).unwrap()["errors"] != 0
        };
        std::thread::spawn(move || {
            let mut gap = Duration::ZERO;
            for k in 1..=SAVES {
                gap = gap.max(write_in_chunks(
                    &page,
                    &burst_version(&original, k, broken(k)),
                ));
                if k == PAUSE_AFTER {
                    // Once, a pause until the preview has taken the broken version in.
                    let deadline = Instant::now() + Duration::from_secs(20);
                    while !has_errors(&addr) {
                        assert!(Instant::now() < deadline, "version {k} never taken in");
                        std::thread::sleep(Duration::from_millis(10));
                    }
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            done.store(true, std::sync::atomic::Ordering::SeqCst);
            gap
        })
    };
    // Every page served during the burst.
    let mut seen = Vec::new();
    while !done.load(std::sync::atomic::Ordering::SeqCst) {
        seen.push(serve.get("om.html").1);
        std::thread::sleep(Duration::from_millis(2));
    }
    let gap = writer.join().unwrap();

    // After the burst: the last version, without errors, however long it takes.
    let final_marker = format!("Slut på version {SAVES}.");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, html) = serve.get("om.html");
        let status = serve.status();
        let done = html.contains(&final_marker) && status["errors"] == 0;
        seen.push(html);
        if done {
            assert_eq!(status["diagnostics"], first_diagnostics, "{status}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the last version was never served; status {status}\nserve: {}",
            serve.stderr()
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let mut versions = BTreeSet::new();
    for html in &seen {
        let shown = page_content(html);
        match served_version(html) {
            None => assert!(
                html == &first_html,
                "a page that is no complete version was served: {shown}\nserve: {}",
                serve.stderr()
            ),
            Some(k) => {
                assert!(!broken(k), "broken version {k} was served");
                assert!(
                    html.contains(&format!("Slut på version {k}.")),
                    "a half-written version {k} was served: {shown}\nserve: {}",
                    serve.stderr()
                );
                versions.insert(k);
            }
        }
    }
    eprintln!(
        "{} pages seen, versions {versions:?}; the writer paused up to {gap:?} within a save",
        seen.len()
    );
    // The terminal reported the broken version and ends with the errors fixed.
    let terminal = serve.stderr();
    let last_errors = terminal.rfind("fel efter ändringen");
    let last_fixed = terminal.rfind("Felen är rättade");
    assert!(
        last_errors.is_some() && last_fixed > last_errors,
        "the terminal does not say the errors are fixed:\n{terminal}"
    );
}

/// The preview on loopback answers only requests addressed to a loopback name (a page
/// elsewhere cannot read it through a domain pointed at 127.0.0.1), and sends the site's
/// Content-Security-Policy as a header.
#[test]
fn the_preview_answers_only_loopback_names_and_sends_the_policy() {
    let (_tmp, book) = book_copy("basic");
    let serve = Serve::start(&book, &[]);
    let port = serve.addr.rsplit_once(':').unwrap().1.to_string();
    for host in [
        serve.addr.clone(),
        format!("localhost:{port}"),
        "LOCALHOST".to_string(),
        format!("[::1]:{port}"),
    ] {
        let (code, head, _) = http_get_as(&serve.addr, &host, "/om.html");
        assert_eq!(code, 200, "Host: {host}");
        let head = head.to_ascii_lowercase();
        assert!(
            head.contains("content-security-policy: default-src 'self'")
                && head.contains("frame-ancestors 'none'"),
            "{head}"
        );
    }
    for host in [
        format!("angripare.example:{port}"),
        "127.0.0.1.nip.example".to_string(),
    ] {
        for path in ["/om.html", "/__samsyn/diagnostics"] {
            let (code, _, body) = http_get_as(&serve.addr, &host, path);
            assert_eq!(code, 403, "Host: {host} {path}: {body}");
        }
    }
}

#[test]
fn the_preview_shows_the_history_read_when_it_started() {
    let (_tmp, book, ids) = book_in_git("");
    let serve = Serve::start(&book, &[]);
    let (code, page) = serve.get("/riktlinjer.html");
    assert_eq!(code, 200);
    assert!(
        page.contains("Senast ändrad <time datetime=\"2026-03-21\">"),
        "{page}"
    );
    let diff = format!("/andringar/riktlinjer--{}.html", &ids[2][..12]);
    assert!(page.contains(&diff[1..]), "{page}");
    let (code, html) = serve.get(&diff);
    assert_eq!(code, 200);
    assert!(html.contains("Tillagt: </span>rätt</ins>"), "{html}");
    let (code, feed) = serve.get("/feed.xml");
    assert_eq!(code, 200);
    assert_eq!(feed.matches("<entry>").count(), 4);
}

/// Ctrl+C or SIGTERM while the preview does its first build stops it once that build is
/// done, and its temporary folder goes with it (it was left behind, 3.5 GB at 100,000
/// pages, when the signal killed the process).
#[test]
fn a_preview_stopped_during_its_first_build_leaves_no_temporary_folder() {
    stopped_preview_leaves_no_temporary_folder(false);
}

#[test]
fn a_preview_stopped_while_its_search_index_is_written_leaves_no_temporary_folder() {
    stopped_preview_leaves_no_temporary_folder(true);
}

/// Stops a preview of a 400-page book with SIGTERM as soon as its temporary folder exists
/// (during the first build), or once it serves (while the background search index is
/// written into that folder), and checks that the folder is gone.
fn stopped_preview_leaves_no_temporary_folder(serving: bool) {
    let tmp = tempfile::tempdir().unwrap();
    let chapters: Vec<Chapter> = (0..400)
        .map(|n| Chapter {
            depth: 0,
            title: format!("Sida {n}"),
            path: format!("s{n}.md"),
            text: format!(
                "# Sida {n}\n\nText om barn och unga, [nästa](s{}.md).\n",
                (n + 1) % 400
            ),
        })
        .collect();
    write_chapters(tmp.path(), "", "", &chapters);
    let scratch = tmp.path().join("tmp");
    std::fs::create_dir(&scratch).unwrap();
    let leftovers = || -> Vec<String> {
        std::fs::read_dir(&scratch)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("samsyn-serve-"))
            .collect()
    };
    let child = Command::new(env!("CARGO_BIN_EXE_samsyn"))
        .arg("serve")
        .arg(tmp.path().join("book"))
        .args(["--port", "0"])
        .env("TMPDIR", &scratch)
        .env("SAMSYN_TODAY", TODAY)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("samsyn serve starts");
    let mut child = child;
    if serving {
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(first.starts_with("Serving on "), "{first}");
    } else {
        // The signal as soon as the temporary folder exists: the first build has begun.
        let deadline = Instant::now() + Duration::from_secs(30);
        while leftovers().is_empty() {
            assert!(
                Instant::now() < deadline,
                "no temporary folder in {}",
                scratch.display()
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(leftovers(), Vec::<String>::new());
    // The signal came during the first build: the preview got as far as serving.
    assert!(serving || stdout.starts_with("Serving on "), "{stdout}");
}
