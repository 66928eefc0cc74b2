// Search benchmark harness in headless Chromium, run by bench/search:
//   node search-bench.mjs <config.json>
// config = { served: dir, repeat: n, slowRepeat: n, runs: [run...], relevance: [rel...] }
//   repeat: cold runs per tool, corpus and browser mode (the median is reported; 0: none,
//   only the slow-network runs); slowRepeat: runs on the slow network (default 3)
// run = { name, tool: "samsyn" | "pagefind" | "mdbook", page, site, cold: q, warm: [q...],
//   typed: [q...] }
//   page: path of the page opened (under `served`); site: path prefix of the site root.
// rel = { tool: "pagefind" | "mdbook", page, site, queries: [q...] } -> ranked site-relative
//   URLs (top ten).
//
// The measurements themselves run in the browser (bench-driver.html, served at
// /__bench/driver.html by the static server, which opens the site's page in an iframe of
// the same origin and POSTs its report back), each time in a fresh browser profile (cold
// cache), in two modes:
//   - "devtools": Chromium driven by Playwright. Playwright also records the responses:
//     bytes (response bodies of the search's own files from page load through the first
//     query and its results; samsyn: search/ and search-index/; Pagefind: pagefind/;
//     mdBook: searcher, elasticlunr, mark and searchindex; plus the same files gzipped, zlib
//     level 6, as a compressing server would send them; samsyn's bundle, fetched with the
//     second query's files for the later ones, is counted apart as `prefetch`) and, for samsyn, the timeline of
//     the cold query's requests ([path, start, responseStart, responseEnd (ms after the
//     first input), body bytes]). With the DevTools protocol attached, every request costs
//     Chromium about twice as much (its network events go to the client).
//   - "plain": Chromium started as a visitor's browser is, with no DevTools client; only
//     the timings.
//   - "slow" (samsyn and Pagefind): the site's page opened as the top frame of a Chromium
//     on an emulated slow network (slow-network.mjs: 150 ms latency, 200 KB/s down and up,
//     the page's workers included; a DevTools client on a pipe sets it up and logs every
//     request): time to first results, bytes before them, a session of six queries' bytes
//     and the round trips from the first input to the first results (viaSlowNetwork).
// Timings: firstMs, from the first input (focus and query typed, in one task) to the first
// results on screen (samsyn, mdBook) or to the data of the top 5 (Pagefind's JS API); per
// later query (warm), the engine's answer time (samsyn: the worker's search round trip;
// Pagefind: search() + data() of the top 5; mdBook: its search and rendering) and for
// samsyn, whose UI shows a new query's top result page as soon as its text is in,
// also the time to the complete answer (five pages) and from the input event to the first
// results on screen (ui); typed: other queries typed a key every 100 ms (every edit searched;
// Pagefind: its preload() of each prefix), the time of the last one.
// The static server runs in a child process of its own, so that this process's work
// (Playwright's protocol traffic, response bookkeeping) does not delay its answers.
// Prints one JSON object.
import { chromium } from "playwright-core";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { spawn } from "node:child_process";
import { SLOW, openThrottled, rounds } from "./slow-network.mjs";

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-component-update",
  "--disable-sync", "--no-first-run"];

// The static server of `dir`, plus the driver page and its report (as "REPORT <json>" lines
// on the child's stdout).
function startServerProcess(dir) {
  const code = `import { startStaticServer } from ${JSON.stringify(new URL("./static-server.mjs", import.meta.url).href)};
import { readFileSync } from "node:fs";
const driver = readFileSync(${JSON.stringify(new URL("./bench-driver.html", import.meta.url).pathname)});
const s = await startStaticServer(${JSON.stringify(dir)}, (req, res) => {
  if (req.url.startsWith("/__bench/driver.html")) {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-length": driver.length });
    res.end(driver);
    return true;
  }
  if (req.url === "/__bench/report" && req.method === "POST") {
    let body = "";
    req.on("data", (d) => { body += d; });
    req.on("end", () => { process.stdout.write("REPORT " + body.replace(/\\n/g, " ") + "\\n"); res.end(); });
    return true;
  }
  return false;
});
process.stdout.write("URL " + s.url + "\\n");`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  process.on("exit", () => child.kill());
  let waiting = null;
  let buffered = "";
  return new Promise((ok, fail) => {
    child.once("error", fail);
    child.once("exit", (c) => fail(new Error(`static server exited (${c})`)));
    child.stdout.on("data", (d) => {
      buffered += d;
      let nl;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith("URL ")) {
          ok({
            url: line.slice(4).trim(),
            // The next report of the driver page.
            report: () => new Promise((done) => { waiting = done; }),
            close: () => new Promise((done) => { child.once("exit", done); child.kill(); }),
          });
        } else if (line.startsWith("REPORT ") && waiting) {
          const w = waiting;
          waiting = null;
          w(JSON.parse(line.slice(7)));
        }
      }
    });
  });
}

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const server = await startServerProcess(config.served);
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });

const SEARCH_FILES = {
  samsyn: /\/(search|search-index)\//,
  pagefind: /\/pagefind\//,
  mdbook: /\/(searcher|elasticlunr|mark|searchindex)[^/]*$/,
};
const median = (xs) => {
  const s = xs.filter((x) => x != null).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : null;
};
const decode = (u) => { try { return decodeURIComponent(u); } catch { return u; } };
const driverUrl = (cfg) => server.url + "__bench/driver.html#" + encodeURIComponent(JSON.stringify(cfg));

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([promise, new Promise((_, fail) => { timer = setTimeout(() => fail(new Error(`${what}: no report in ${ms / 1000} s`)), ms); })])
    .finally(() => clearTimeout(timer));
}

// The part of a served file a request read: the whole file, or its Range (samsyn's index
// archives); null if it is not a file of the served folder.
function servedBytes(url, range) {
  let bytes;
  try { bytes = readFileSync(join(config.served, decode(new URL(url).pathname))); } catch { return null; }
  const m = /^bytes=(\d+)-(\d+)$/.exec(range || "");
  return m ? bytes.subarray(+m[1], +m[2] + 1) : bytes;
}

function bytesOf(responses, tool) {
  const seen = new Map();
  for (const r of responses) if (SEARCH_FILES[tool].test(new URL(r.url).pathname)) seen.set(r.url + " " + (r.range || ""), r);
  let body = 0, gz = 0, headers = 0;
  for (const r of seen.values()) {
    headers += r.headers;
    const bytes = servedBytes(r.url, r.range);
    // Chromium reports no body size for a worker's own script; the server sends the file
    // as it is (no compression), so its size is the body.
    const size = r.body || (bytes ? bytes.length : 0);
    body += size;
    gz += bytes ? gzipSync(bytes, { level: 6 }).length : size;
  }
  return { requests: seen.size, body, headers, gzip: gz };
}

// One driver run in a Playwright-driven Chromium (fresh context = cold cache), with the
// bytes and the samsyn timeline.
async function viaDevtools(cfg) {
  const context = await browser.newContext({ viewport: { width: 1250, height: 850 } });
  const page = await context.newPage();
  const responses = [];
  page.on("requestfinished", async (r) => {
    try {
      const sizes = await r.sizes();
      responses.push({ url: r.url(), range: r.headers().range || null, body: sizes.responseBodySize,
        headers: sizes.responseHeadersSize, timing: r.timing() });
    } catch { /* page closed */ }
  });
  const report = server.report();
  await page.goto(driverUrl(cfg), { waitUntil: "load" });
  const r = await withTimeout(report, 300000, cfg.tool);
  await page.waitForTimeout(200);
  await context.close();
  if (r.error || cfg.relevance) return r;
  // The cold phase: requests made before the warm queries start (the driver waits 300 ms
  // after the first results).
  // samsyn's bundle (fetched with the second query's files, for the later queries) is
  // counted apart.
  const bundle = (x) => /\/bundle-[^/]*$/.test(new URL(x.url).pathname);
  r.bytes = bytesOf(responses.filter((x) => !bundle(x) && (!x.timing || x.timing.startTime <= r.epoch0 + r.firstMs + 250)), cfg.tool);
  r.prefetch = bytesOf(responses.filter(bundle), cfg.tool);
  if (cfg.tool === "samsyn") {
    const at = (t, x) => (x >= 0 ? Math.round((t.startTime + x - r.epoch0) * 10) / 10 : null);
    r.timeline = responses
      .filter((x) => SEARCH_FILES.samsyn.test(new URL(x.url).pathname) && x.timing && x.timing.startTime >= r.epoch0 - 1
        && x.timing.startTime <= r.epoch0 + r.firstMs)
      .map((x) => [new URL(x.url).pathname, at(x.timing, 0), at(x.timing, x.timing.responseStart),
        at(x.timing, x.timing.responseEnd), x.body || null])
      .sort((a, b) => a[1] - b[1]);
  }
  return r;
}

// One driver run in a Chromium without any DevTools client (fresh profile = cold cache).
async function viaPlain(cfg) {
  const profile = mkdtempSync(join(tmpdir(), "samsyn-bench-"));
  const report = server.report();
  const child = spawn(CHROMIUM, ["--headless", ...ARGS, `--user-data-dir=${profile}`, "--window-size=1250,850",
    driverUrl(cfg)], { stdio: "ignore", detached: true });
  try {
    return await withTimeout(report, 300000, cfg.tool);
  } finally {
    // The whole process group: Chromium's helper processes too.
    const exited = new Promise((done) => child.once("exit", done));
    try { process.kill(-child.pid, "SIGTERM"); } catch { /* gone */ }
    await exited;
    rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
  }
}

// One driver run on the emulated slow network (slow-network.mjs: 150 ms latency, 200 KB/s
// down and up, the page's workers throttled too; a DevTools client is attached, so times
// are of the "[...]" kind): a session of six queries (the cold one and the first five warm
// ones), then the network left to settle. Reports the time to first results, the search's
// bytes moved before them (from page load: what the page loaded for search, then every
// file from the first input on) and in the whole session, and the sequential round trips
// between the first input and the first results. samsyn and Pagefind only.
const SESSION_FOLLOW_UPS = 5;
const DRIVER_SCRIPT = readFileSync(new URL("./bench-driver.html", import.meta.url), "utf8")
  .match(/<script>([\s\S]*)<\/script>/)[1];
async function viaSlowNetwork(cfg) {
  const session = { ...cfg, warm: cfg.warm.slice(0, SESSION_FOLLOW_UPS), typed: [] };
  const run = await openThrottled(server.url + cfg.page, SLOW);
  try {
    const r = await withTimeout(run.evaluate(`window.__benchConfig = ${JSON.stringify(session)};
(function () {${DRIVER_SCRIPT}
return window.__benchMeasured; })()`), 300000, cfg.tool);
    if (r.error) return r;
    await run.idle(1000, 60000);
    const search = run.requests().filter((x) => !x.cached && SEARCH_FILES[cfg.tool].test(new URL(x.url).pathname));
    const size = (x) => servedBytes(x.url, x.range)?.length || 0;
    const shown = r.epoch0 + r.firstMs;
    // Moved before the first results: the requests complete by then (the other result
    // pages' files, asked for at low priority in the same round, may still be on the way).
    const before = search.filter((x) => x.end !== null && x.end <= shown);
    const afterInput = before.filter((x) => x.start >= r.epoch0 - 1);
    const sum = (xs) => xs.reduce((n, x) => n + size(x), 0);
    return {
      firstMs: r.firstMs,
      beforeFirst: { bytes: sum(before), requests: before.length },
      session: { bytes: sum(search), requests: search.length, queries: 1 + (r.warm || []).length },
      rounds: rounds(afterInput).count,
      timeline: afterInput.map((x, i) => [new URL(x.url).pathname, Math.round(x.start - r.epoch0),
        x.end === null ? null : Math.round(x.end - r.epoch0), size(x), rounds(afterInput).round[i], x.target]),
    };
  } finally {
    await run.close();
  }
}

const summary = (reps) => {
  const of = (list, key) => (r) => median((r[list] || []).map((w) => w[key]));
  return {
    firstMs: median(reps.map((r) => r.firstMs)),
    firstRuns: reps.map((r) => r.firstMs),
    warmMs: median(reps.map(of("warm", "engine"))),
    warmRuns: reps.map(of("warm", "engine")),
    typedMs: median(reps.map(of("typed", "engine"))),
    ...(reps[0].warm[0]?.ui !== undefined
      ? {
        warmUiMs: median(reps.map(of("warm", "ui"))),
        warmCompleteMs: median(reps.map(of("warm", "complete"))),
        typedCompleteMs: median(reps.map(of("typed", "complete"))),
      } : {}),
  };
};

const result = { runs: [], relevance: [] };
try {
  for (const run of config.runs || []) {
    const cfg = { tool: run.tool, page: run.page, site: run.site, cold: run.cold, warm: run.warm, typed: run.typed };
    try {
      const attached = [];
      const plain = [];
      for (let i = 0; i < (config.repeat ?? 1); i++) {
        for (const [mode, out] of [[viaDevtools, attached], [viaPlain, plain]]) {
          const r = await mode(cfg);
          if (r.error) throw new Error(r.error);
          out.push(r);
        }
      }
      const slow = [];
      for (let i = 0; i < (run.tool === "mdbook" ? 0 : config.slowRepeat ?? 3); i++) {
        const r = await viaSlowNetwork(cfg);
        if (r.error) throw new Error(r.error);
        slow.push(r);
      }
      slow.sort((a, b) => a.firstMs - b.firstMs);
      const slowMid = slow[Math.floor(slow.length / 2)];
      // The DevTools run with the median time to first results gives bytes, top and timeline.
      const slowPart = slowMid ? { slow: { ...slowMid, firstRuns: slow.map((r) => r.firstMs) } } : {};
      if (!attached.length) {
        result.runs.push({ name: run.name, tool: run.tool, ...slowPart });
        continue;
      }
      attached.sort((a, b) => a.firstMs - b.firstMs);
      const mid = attached[Math.floor(attached.length / 2)];
      result.runs.push({
        name: run.name, tool: run.tool, bytes: mid.bytes, prefetch: mid.prefetch, top: mid.top, timeline: mid.timeline,
        devtools: { ...summary(attached), warm: mid.warm, typed: mid.typed },
        plain: { ...summary(plain), warm: plain[Math.floor(plain.length / 2)].warm, typed: plain[Math.floor(plain.length / 2)].typed },
        ...slowPart,
      });
    } catch (e) {
      result.runs.push({ name: run.name, tool: run.tool, error: String(e && e.message || e) });
    }
  }
  for (const rel of config.relevance || []) {
    const r = await viaDevtools({ tool: rel.tool, page: rel.page, site: rel.site, relevance: rel.queries });
    const strip = (u) => {
      let s = decode(new URL(u, server.url + rel.page).pathname + new URL(u, server.url + rel.page).hash);
      if (s.startsWith("/" + rel.site)) s = s.slice(rel.site.length + 1);
      return s;
    };
    const ranked = {};
    for (const [q, urls] of Object.entries(r.ranked || {})) ranked[q] = urls.map(strip);
    result.relevance.push({ tool: rel.tool, ranked, ...(r.error ? { error: r.error } : {}) });
  }
} finally {
  await browser.close();
  await server.close();
}
console.log(JSON.stringify(result));
