//! The site as IT serves it: the bundled book built with `--precompress`, served from a
//! subfolder by a real nginx (Debian's, with its Brotli module) configured with exactly
//! the README's settings (section "Serving the site"; the `nginx` blocks are read from
//! the README, so the README cannot drift from what is tested). Checked: the headers and
//! the precompressed copies over HTTP, then the whole site in headless Chromium
//! (`tests/browser/csp.mjs`: every page, search, theme, menu, the 404 page, no CSP
//! violation). Needs nginx (`scripts/setup` installs it); without it the test fails, it
//! does not skip.

mod common;

use common::*;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where the README's nginx example has the site and serves it.
const README_FOLDER: &str = "/var/www/kunskapsbank/";
const SUBFOLDER: &str = "/kunskapsbank/";
/// Debian's Brotli module (package libnginx-mod-http-brotli-static).
const BROTLI_MODULE: &str = "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so";

/// The README's Cache-Control values: files named by their content, and everything else.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATED: &str = "no-cache";

/// The README's `nginx` code blocks, in order.
fn readme_nginx_blocks() -> Vec<String> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let mut blocks = Vec::new();
    let mut rest = readme.as_str();
    while let Some(start) = rest.find("```nginx\n") {
        let body = &rest[start + "```nginx\n".len()..];
        let end = body.find("```").expect("a closed code block");
        blocks.push(body[..end].to_string());
        rest = &body[end..];
    }
    blocks
}

/// The README's `location` block with its precompression lines, for a site in `folder`.
fn readme_location(folder: &Path) -> String {
    let blocks = readme_nginx_blocks();
    let location = blocks
        .iter()
        .find(|b| b.starts_with(&format!("location {SUBFOLDER}")))
        .expect("the README's nginx location block");
    let precompressed = blocks
        .iter()
        .find(|b| b.contains("gzip_static"))
        .expect("the README's precompression lines");
    let close = location.rfind('}').unwrap();
    let block = format!(
        "{}{}{}",
        &location[..close],
        precompressed,
        &location[close..]
    );
    assert!(block.contains(README_FOLDER), "{block}");
    block.replace(README_FOLDER, &format!("{}/", folder.display()))
}

/// A free port on loopback (the listener is closed again before nginx binds it).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// nginx in the foreground, stopped when dropped.
struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The README's `map` block (it goes in nginx's `http` block).
fn readme_map() -> String {
    readme_nginx_blocks()
        .into_iter()
        .find(|b| b.starts_with("map "))
        .expect("the README's nginx map block")
}

fn start_nginx(prefix: &Path, port: u16, location: &str) -> Nginx {
    let conf = format!(
        "load_module {BROTLI_MODULE};\n\
         daemon off;\nmaster_process off;\npid {p}/nginx.pid;\nerror_log {p}/error.log;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n  include /etc/nginx/mime.types;\n  access_log off;\n{map}\n\
         server {{\n    listen 127.0.0.1:{port};\n{location}\n  }}\n}}\n",
        p = prefix.display(),
        map = readme_map(),
    );
    std::fs::write(prefix.join("nginx.conf"), &conf).unwrap();
    let child = Command::new("nginx")
        .arg("-p")
        .arg(prefix)
        .arg("-c")
        .arg(prefix.join("nginx.conf"))
        .arg("-e")
        .arg(prefix.join("error.log"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nginx runs (scripts/setup installs Debian's nginx and its Brotli module)");
    let nginx = Nginx(child);
    let until = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < until,
            "nginx did not start:\n{conf}\n{}",
            std::fs::read_to_string(prefix.join("error.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    nginx
}

/// One HTTP/1.1 GET: status, headers (names in lower case), body as sent.
fn get(
    port: u16,
    path: &str,
    accept_encoding: Option<&str>,
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let ae = accept_encoding
        .map(|v| format!("Accept-Encoding: {v}\r\n"))
        .unwrap_or_default();
    get_with(port, path, &ae)
}

/// A GET with `extra` header lines (each ending in CRLF).
fn get_with(port: u16, path: &str, extra: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\n{extra}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect::<Vec<_>>();
    (status, headers, raw[split + 4..].to_vec())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn nginx_with_the_readme_settings_serves_the_precompressed_site_with_its_headers() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("www/kunskapsbank");
    build_into(&repo().join("book"), &site, &["--precompress"]);
    let prefix = tmp.path().join("nginx");
    std::fs::create_dir_all(&prefix).unwrap();
    let port = free_port();
    let _nginx = start_nginx(&prefix, port, &readme_location(&site));

    // The headers the README lists, on pages and on the 404 answer.
    let (status, headers, _) = get(port, "/kunskapsbank/index.html", Some("br, gzip"));
    assert_eq!(status, 200);
    let policy = header(&headers, "content-security-policy").unwrap_or_default();
    assert!(
        policy.contains("script-src 'self' 'wasm-unsafe-eval'")
            && policy.contains("frame-ancestors 'none'"),
        "{headers:?}"
    );
    assert_eq!(header(&headers, "x-content-type-options"), Some("nosniff"));
    assert_eq!(
        header(&headers, "referrer-policy"),
        Some("strict-origin-when-cross-origin")
    );
    // The Brotli copy as it is, to a browser that takes Brotli; gzip to one that takes only
    // gzip; the page itself to one that takes neither. Caches are told it varies.
    for (accept, encoding, file) in [
        (Some("br, gzip"), Some("br"), "index.html.br"),
        (Some("gzip"), Some("gzip"), "index.html.gz"),
        (None, None, "index.html"),
    ] {
        let (_, headers, body) = get(port, "/kunskapsbank/index.html", accept);
        assert_eq!(
            header(&headers, "content-encoding"),
            encoding,
            "{accept:?}: {headers:?}"
        );
        assert_eq!(body, std::fs::read(site.join(file)).unwrap(), "{accept:?}");
        if encoding == Some("gzip") {
            assert_eq!(
                header(&headers, "vary"),
                Some("Accept-Encoding"),
                "{headers:?}"
            );
        }
    }
    // Pages are revalidated on every visit; the theme's files, named by their content, are
    // kept for a year (their address is the one the pages name).
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert_eq!(
        header(&headers, "cache-control"),
        Some(REVALIDATED),
        "{headers:?}"
    );
    let search_js = linked_path(&index, "search/search.");
    let (_, headers, _) = get(
        port,
        &format!("/kunskapsbank/{search_js}"),
        Some("br, gzip"),
    );
    assert_eq!(
        header(&headers, "content-encoding"),
        Some("br"),
        "{headers:?}"
    );
    assert!(
        header(&headers, "content-type")
            .unwrap_or_default()
            .contains("javascript")
    );
    assert_eq!(
        header(&headers, "cache-control"),
        Some(IMMUTABLE),
        "{headers:?}"
    );
    for asset in [
        linked_path(&index, "js/toc-data."),
        linked_path(&index, "js/samsyn."),
    ] {
        let (status, headers, _) = get(port, &format!("/kunskapsbank/{asset}"), None);
        assert_eq!(status, 200, "{asset}");
        assert_eq!(
            header(&headers, "cache-control"),
            Some(IMMUTABLE),
            "{asset}"
        );
    }
    // The search's manifests name the index files of the current build: revalidated.
    for manifest in ["manifest.json", "manifest.meta"] {
        let (_, headers, _) = get(
            port,
            &format!("/kunskapsbank/search-index/{manifest}"),
            None,
        );
        assert_eq!(
            header(&headers, "cache-control"),
            Some(REVALIDATED),
            "{manifest}"
        );
    }
    // The search reads parts of its archives: nginx answers a Range request with them.
    let archive = std::fs::read_dir(site.join("search-index"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with('f') && n.ends_with(".bin"))
        .expect("an archive of fragment files");
    let whole = std::fs::read(site.join("search-index").join(&archive)).unwrap();
    let (status, headers, part) = get_with(
        port,
        &format!("/kunskapsbank/search-index/{archive}"),
        "Range: bytes=13-25\r\nAccept-Encoding: br, gzip\r\n",
    );
    assert_eq!(status, 206, "{headers:?}");
    assert_eq!(part, whole[13..26], "{archive}");
    // The index's files are compressed already: sent as they are.
    let manifest = std::fs::read_to_string(site.join("search-index/manifest.json")).unwrap();
    let meta = search_index::reader::manifest_meta_name(&manifest).expect("the meta file's name");
    let (status, headers, _) = get(
        port,
        &format!("/kunskapsbank/search-index/{meta}"),
        Some("br, gzip"),
    );
    assert_eq!((status, header(&headers, "content-encoding")), (200, None));
    assert_eq!(header(&headers, "cache-control"), Some(IMMUTABLE));
    let (status, headers, body) = get(port, "/kunskapsbank/finns/inte.html", None);
    assert_eq!(status, 404);
    assert!(
        header(&headers, "content-security-policy").is_some(),
        "{headers:?}"
    );
    assert!(String::from_utf8_lossy(&body).contains("Sidan kunde inte hittas"));

    // The whole site in Chromium, as nginx serves it.
    let pages = html_files(&site);
    let queries = ["barn", "SIP skola", "överenskomelse"];
    let spec = serde_json::json!({
        "url": format!("http://127.0.0.1:{port}{SUBFOLDER}"),
        "pages": pages,
        "meta": meta_policy_of(policy),
        "queries": queries,
    });
    let r = run_browser_script("csp.mjs", tmp.path(), &spec, tmp.path());
    assert_csp_run(&r, pages.len(), queries.len(), SUBFOLDER);
}
