// Search benchmark harness in headless Chromium, run by bench/search:
//   node search-bench.mjs <config.json>
// config = { served: dir, repeat: n, runs: [run...], relevance: [rel...] }
//   repeat: cold runs per tool and corpus (each in a fresh context; the median is reported)
// run = { name, tool: "samsyn" | "pagefind" | "mdbook", page, site, cold: q, warm: [q...] }
//   page: path of the page opened (under `served`); site: path prefix of the site root.
//   Each run uses a fresh browser context (empty cache). Measured:
//   - bytes: response bodies of the search's own requests from page load through the first
//     query and its results (samsyn: search/ and search-index/; Pagefind: pagefind/;
//     mdBook: searcher, elasticlunr, mark and searchindex), plus the same files gzipped
//     (zlib level 6) as a compressing server would send them;
//   - firstMs: from the first input (focus and query typed, in one task) to the first
//     results on screen (samsyn, mdBook) or to the data of the top 5 (Pagefind's JS API);
//   - timeline (samsyn): every request of the search's own files from the first input to
//     the first results, in order: [path, start, responseStart, responseEnd (ms after the
//     first input), body bytes], to see where the time of the cold query goes;
//   - warmMs: per later query, the engine's answer time (samsyn: the worker's search
//     round trip, without the UI's 60 ms typing debounce; Pagefind: search() + data() of the
//     top 5; mdBook: its synchronous search and rendering), median reported.
// rel = { tool, page, site, queries: [q...] } -> ranked site-relative URLs (top 10).
// The static server runs in a child process (see startServerProcess).
// Prints one JSON object.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { spawn } from "node:child_process";

// The static server (static-server.mjs) runs in a process of its own, so that this
// process's work (Playwright's protocol traffic, response bookkeeping) does not delay
// its answers.
function startServerProcess(dir) {
  const code = `import { startStaticServer } from ${JSON.stringify(new URL("./static-server.mjs", import.meta.url).href)};
const s = await startStaticServer(${JSON.stringify(dir)});
process.stdout.write(s.url + "\\n");`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  process.on("exit", () => child.kill());
  return new Promise((ok, fail) => {
    let out = "";
    child.once("error", fail);
    child.once("exit", (c) => fail(new Error(`static server exited (${c})`)));
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("\n")) {
        ok({ url: out.trim(), close: () => new Promise((done) => { child.once("exit", done); child.kill(); }) });
      }
    });
  });
}

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const server = await startServerProcess(config.served);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
});

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

// Counts a worker's search requests and answers (samsyn), before any page script runs.
const WORKER_HOOK = () => {
  const W = window.Worker;
  window.__ss = { post: {}, res: {}, last: 0 };
  window.Worker = function (url, opts) {
    const w = new W(url, opts);
    const post = w.postMessage.bind(w);
    w.postMessage = (m) => {
      if (m && m.type === "search") { window.__ss.post[m.id] = performance.now(); window.__ss.last = m.id; }
      post(m);
    };
    w.addEventListener("message", (e) => {
      const m = e.data;
      if (m && m.type === "results") window.__ss.res[m.id] = performance.now();
    });
    return w;
  };
};

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  const responses = [];
  page.on("requestfinished", async (r) => {
    try {
      const sizes = await r.sizes();
      responses.push({ url: r.url(), body: sizes.responseBodySize, headers: sizes.responseHeadersSize,
        timing: r.timing() });
    } catch { /* page closed */ }
  });
  return { context, page, responses };
}

function bytesOf(responses, tool) {
  const seen = new Map();
  for (const r of responses) if (SEARCH_FILES[tool].test(new URL(r.url).pathname)) seen.set(r.url, r);
  let body = 0, gz = 0, headers = 0;
  for (const r of seen.values()) {
    headers += r.headers;
    const file = join(config.served, decode(new URL(r.url).pathname));
    let bytes = null;
    try { bytes = readFileSync(file); } catch { /* not a file of the served folder */ }
    // Chromium reports no body size for a worker's own script; the server sends the file
    // as it is (no compression), so its size is the body.
    const size = r.body || (bytes ? bytes.length : 0);
    body += size;
    gz += bytes ? gzipSync(bytes, { level: 6 }).length : size;
  }
  return { requests: seen.size, body, headers, gzip: gz };
}

async function runSamsyn(run) {
  const { context, page, responses } = await newPage();
  await page.addInitScript(WORKER_HOOK);
  await page.goto(server.url + run.page, { waitUntil: "load" });
  await page.waitForTimeout(300);
  const [firstMs, epoch0] = await page.evaluate((q) => new Promise((done, fail) => {
    const box = document.getElementById("search-results");
    const input = document.getElementById("search-input");
    const t0 = performance.now();
    const obs = new MutationObserver(() => {
      if (box.querySelector(".search-hit")) { obs.disconnect(); done([performance.now() - t0, performance.timeOrigin + t0]); }
      else if (box.querySelector(".search-status")) { obs.disconnect(); fail(new Error(box.textContent)); }
    });
    obs.observe(box, { childList: true, subtree: true });
    input.focus();
    input.value = q;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    setTimeout(() => fail(new Error("no results in 60 s")), 60000);
  }), run.cold);
  await page.waitForTimeout(500);
  const bytes = bytesOf(responses, "samsyn");
  const at = (t, x) => (x >= 0 ? Math.round((t.startTime + x - epoch0) * 10) / 10 : null);
  const timeline = responses
    .filter((r) => SEARCH_FILES.samsyn.test(new URL(r.url).pathname) && r.timing && r.timing.startTime >= epoch0 - 1
      && r.timing.startTime <= epoch0 + firstMs)
    .map((r) => [new URL(r.url).pathname, at(r.timing, 0), at(r.timing, r.timing.responseStart),
      at(r.timing, r.timing.responseEnd), r.body || null])
    .sort((a, b) => a[1] - b[1]);
  const top = await page.$$eval("#search-results .search-hit > a", (as) => as.slice(0, 5).map((a) => a.getAttribute("href")));
  const warm = [];
  for (const q of run.warm) {
    const r = await page.evaluate((q) => new Promise((done, fail) => {
      const box = document.getElementById("search-results");
      const input = document.getElementById("search-input");
      const t0 = performance.now();
      const before = window.__ss.last;
      const obs = new MutationObserver(() => {
        const id = window.__ss.last;
        if (id !== before && window.__ss.res[id] != null) {
          obs.disconnect();
          done({ engine: window.__ss.res[id] - window.__ss.post[id], ui: performance.now() - t0 });
        }
      });
      obs.observe(box, { childList: true, subtree: true });
      input.value = q;
      input.dispatchEvent(new Event("input", { bubbles: true }));
      setTimeout(() => fail(new Error("no results in 30 s")), 30000);
    }), q);
    warm.push(r);
  }
  await context.close();
  return { firstMs, bytes, top, timeline, warmMs: median(warm.map((w) => w.engine)), warmUiMs: median(warm.map((w) => w.ui)), warm };
}

const PAGEFIND_QUERY = async ({ base, q, n }) => {
  if (!window.__pf) window.__pf = await import(base + "pagefind/pagefind.js");
  const s = await window.__pf.search(q);
  const data = await Promise.all(s.results.slice(0, n).map((r) => r.data()));
  return data.map((d) => ({ url: d.url, sub: (d.sub_results || []).map((x) => x.url) }));
};

async function runPagefind(run) {
  const { context, page, responses } = await newPage();
  await page.goto(server.url + run.page, { waitUntil: "load" });
  await page.waitForTimeout(300);
  const base = "/" + run.site;
  const first = await page.evaluate(async (a) => {
    const t0 = performance.now();
    const top = await (0, eval)(`(${a.fn})`)(a);
    return { ms: performance.now() - t0, top };
  }, { fn: PAGEFIND_QUERY.toString(), base, q: run.cold, n: 5 });
  await page.waitForTimeout(300);
  const bytes = bytesOf(responses, "pagefind");
  const warm = [];
  for (const q of run.warm) {
    warm.push(await page.evaluate(async (a) => {
      const t0 = performance.now();
      await (0, eval)(`(${a.fn})`)(a);
      return performance.now() - t0;
    }, { fn: PAGEFIND_QUERY.toString(), base, q, n: 5 }));
  }
  await context.close();
  return { firstMs: first.ms, bytes, top: first.top.map((t) => t.url), warmMs: median(warm), warm };
}

const MDBOOK_QUERY = (q) => new Promise((done, fail) => {
  const list = document.getElementById("mdbook-searchresults");
  const bar = document.getElementById("mdbook-searchbar");
  const t0 = performance.now();
  const finish = () => done({
    ms: performance.now() - t0,
    hrefs: Array.from(list.querySelectorAll("a")).map((a) => new URL(a.href).pathname + new URL(a.href).hash),
    header: document.getElementById("mdbook-searchresults-header").textContent,
  });
  const obs = new MutationObserver(() => {
    if (list.children.length || /no search results/i.test(document.getElementById("mdbook-searchresults-header").textContent)) {
      obs.disconnect(); finish();
    }
  });
  obs.observe(list, { childList: true });
  obs.observe(document.getElementById("mdbook-searchresults-header"), { childList: true, characterData: true, subtree: true });
  if (document.getElementById("mdbook-search-wrapper").classList.contains("hidden")) {
    document.getElementById("mdbook-search-toggle").click();
  }
  bar.value = q;
  bar.dispatchEvent(new KeyboardEvent("keyup", { key: q.slice(-1), bubbles: true }));
  setTimeout(() => { obs.disconnect(); list.children.length ? finish() : fail(new Error(`no results for ${q}`)); }, 120000);
});

async function runMdbook(run) {
  const { context, page, responses } = await newPage();
  await page.goto(server.url + run.page, { waitUntil: "load" });
  await page.waitForTimeout(300);
  const first = await page.evaluate(MDBOOK_QUERY, run.cold);
  await page.waitForTimeout(300);
  const bytes = bytesOf(responses, "mdbook");
  const warm = [];
  for (const q of run.warm) warm.push((await page.evaluate(MDBOOK_QUERY, q)).ms);
  await context.close();
  return { firstMs: first.ms, bytes, top: first.hrefs.slice(0, 5), warmMs: median(warm), warm };
}

// Ranked, site-relative section URLs for the relevance evaluation.
async function relevance(rel) {
  const { context, page } = await newPage();
  await page.goto(server.url + rel.page, { waitUntil: "load" });
  const out = {};
  const strip = (u, prefix) => {
    let s = decode(u);
    if (s.startsWith(prefix)) s = s.slice(prefix.length);
    return s.replace(/\?[^#]*/, "");
  };
  for (const q of rel.queries) {
    if (rel.tool === "pagefind") {
      const top = await page.evaluate(async (a) => (0, eval)(`(${a.fn})`)(a),
        { fn: PAGEFIND_QUERY.toString(), base: "/" + rel.site, q, n: 10 });
      // Pagefind's own UI shows each page with up to three of its sections.
      const urls = [];
      for (const t of top) {
        const subs = t.sub.slice(0, 3);
        if (!subs.length) urls.push(t.url);
        for (const s of subs) urls.push(s);
      }
      out[q] = urls.map((u) => strip(u, "/" + rel.site)).slice(0, 10);
    } else if (rel.tool === "mdbook") {
      let r;
      try { r = await page.evaluate(MDBOOK_QUERY, q); } catch { r = { hrefs: [] }; }
      out[q] = r.hrefs.map((h) => strip(h, "/" + rel.site)).slice(0, 10);
    }
  }
  await context.close();
  return out;
}

const result = { runs: [], relevance: [] };
try {
  for (const run of config.runs || []) {
    const fn = { samsyn: runSamsyn, pagefind: runPagefind, mdbook: runMdbook }[run.tool];
    try {
      // Each repetition in a fresh context (empty cache); the run with the median time to
      // first results is reported, with the median warm query time over the repetitions.
      const reps = [];
      for (let i = 0; i < (config.repeat || 1); i++) reps.push(await fn(run));
      reps.sort((a, b) => a.firstMs - b.firstMs);
      const mid = reps[Math.floor(reps.length / 2)];
      result.runs.push({
        name: run.name, tool: run.tool, ...mid,
        firstRuns: reps.map((r) => r.firstMs),
        warmMs: median(reps.map((r) => r.warmMs)),
        ...(mid.warmUiMs !== undefined ? { warmUiMs: median(reps.map((r) => r.warmUiMs)) } : {}),
      });
    } catch (e) {
      result.runs.push({ name: run.name, tool: run.tool, error: String(e && e.message || e) });
    }
  }
  for (const rel of config.relevance || []) {
    result.relevance.push({ tool: rel.tool, ranked: await relevance(rel) });
  }
} finally {
  await browser.close();
  await server.close();
}
console.log(JSON.stringify(result));
