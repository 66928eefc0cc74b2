// A plain static file server on loopback for the browser tests and the search benchmark:
// GET/HEAD of files under one folder (and single byte ranges of them), nothing else (no compression, no rewriting, no
// caching headers beyond what a stock server sends), so a site behaves as it would when
// copied to any web server. `startStaticServer(root)` resolves to
// `{ url, port, close() }` with `url` = "http://127.0.0.1:PORT/". `before(req, res)`, if
// given, sees each request first and returns true for those it answered itself (the
// search benchmark's driver page and its report; nothing of a site). `options`, as a
// server's configuration would set them: `headers` sent with every answer (e.g. a
// Content-Security-Policy, tests/browser/csp.mjs), `notFound` a file under the folder
// sent (status 404) for a path that does not exist, like nginx's `error_page 404`;
// `ranges: false` answers every request with the whole file, like a server without
// range support.
import { createServer } from "node:http";
import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { extname, join, resolve, sep } from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".xml": "application/xml",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".ttf": "font/ttf",
};

export function startStaticServer(rootDir, before, options = {}) {
  const root = resolve(rootDir);
  const extra = options.headers || {};
  const send = (res, status, type, body, head) => {
    res.writeHead(status, { ...extra, "content-type": type, "content-length": body.length });
    res.end(head ? undefined : body);
  };
  const server = createServer((req, res) => {
    if (before && before(req, res)) return;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, extra).end();
      return;
    }
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    } catch {
      res.writeHead(400, extra).end();
      return;
    }
    let file = resolve(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403, extra).end();
      return;
    }
    let size;
    try {
      let stat = statSync(file);
      if (stat.isDirectory()) stat = statSync(file = join(file, "index.html"));
      size = stat.size;
    } catch {
      const page = options.notFound ? readFileSync(join(root, options.notFound)) : Buffer.from("not found");
      send(res, 404, options.notFound ? TYPES[".html"] : "text/plain", page, req.method === "HEAD");
      return;
    }
    const type = TYPES[extname(file).toLowerCase()] || "application/octet-stream";
    // One byte range (the search reads parts of its archives), read from the file alone,
    // as stock servers answer it.
    const range = options.ranges !== false && /^bytes=(\d+)-(\d*)$/.exec(req.headers.range || "");
    if (range) {
      const from = Number(range[1]);
      const to = Math.min(range[2] === "" ? size - 1 : Number(range[2]), size - 1);
      if (from > to) {
        res.writeHead(416, { ...extra, "content-range": `bytes */${size}` }).end();
        return;
      }
      const part = Buffer.alloc(to - from + 1);
      const fd = openSync(file, "r");
      try { readSync(fd, part, 0, part.length, from); } finally { closeSync(fd); }
      res.writeHead(206, { ...extra, "content-type": type, "content-length": part.length,
        "content-range": `bytes ${from}-${to}/${size}`, "accept-ranges": "bytes" });
      res.end(req.method === "HEAD" ? undefined : part);
      return;
    }
    // Whole file, sent with the headers (as stock servers send small files).
    send(res, 200, type, readFileSync(file), req.method === "HEAD");
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const port = server.address().port;
      ok({
        url: `http://127.0.0.1:${port}/`,
        port,
        close: () => new Promise((done) => {
          server.closeAllConnections?.();
          server.close(() => done());
        }),
      });
    });
  });
}
