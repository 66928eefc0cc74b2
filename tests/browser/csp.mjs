// The built site under a strict Content-Security-Policy in headless Chromium, run by
// tests/csp.rs:
//   node csp.mjs <served folder> <spec.json>
// spec = {
//   site: "sub/site/",              // the site's folder under the served folder
//   pages: ["index.html", ...],     // every page of the site, relative to it
//   headers: { name: value },       // sent with every answer (the CSP, nosniff, ...)
//   meta: "default-src 'self'; ...",// the policy every page must carry in its <meta>
//   queries: ["barn", ...],         // each must show hits
//   url: "http://127.0.0.1:PORT/x/", // optional: the site as another server (nginx) serves
//                                    // it, with its own headers; then no static server is
//                                    // started and `site`/`headers` are not used
// }
// The static server (static-server.mjs) sends spec.headers with every answer (the policy
// with a report-uri added, where it collects the browser's reports) and the site's
// 404.html for a missing path. Checks, collecting CSP violations all along (csp-watch.mjs:
// `securitypolicyviolation` events, Chromium's console messages, the reports):
//  1. every page: its <meta> policy, the theme set before paint (js/theme-init.js ran),
//     the navigation built (toc.js ran);
//  2. search on the start page: every query shows hits (the worker and its wasm run under
//     the policy); the last query's first hit opens its page;
//  3. the theme toggled both ways, and the choice kept on the next page before its scripts;
//  4. the mobile menu opened and closed at a narrow viewport;
//  5. the register's filter;
//  6. a missing page: the site's 404 page, styled by its own stylesheet;
//  7. no violation at all, no script error.
// Prints one JSON line with the findings; exits 1 listing every failure.
import { readFileSync } from "node:fs";
import { answerShown, finish, launch } from "./chromium.mjs";
import { reportCollector, watchCsp } from "./csp-watch.mjs";
import { startStaticServer } from "./static-server.mjs";

const [servedDir, specFile] = process.argv.slice(2);
if (!servedDir || !specFile) {
  console.error("usage: node csp.mjs <served folder> <spec.json>");
  process.exit(2);
}
const spec = JSON.parse(readFileSync(specFile, "utf8"));
const failures = [];
const fail = (m) => failures.push(m);

// The policy as given, plus where the browser reports violations (workers' among them).
const collector = reportCollector();
const headers = { ...spec.headers };
for (const name of Object.keys(headers)) {
  if (name.toLowerCase() === "content-security-policy") headers[name] += `; report-uri ${collector.path}`;
}
const server = spec.url ? null
  : await startStaticServer(servedDir, collector.before, { headers, notFound: spec.site + "404.html" });
const siteUrl = spec.url || server.url + spec.site;
const browser = await launch();
const report = { pages: 0, metaMissing: [], queries: [], violations: [], scriptErrors: [] };
try {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  // Another server sends no reports here: the events, the console and DevTools' log tell.
  const csp = await watchCsp(context, server ? collector : null);
  const page = await context.newPage();
  page.on("pageerror", (e) => report.scriptErrors.push(`${page.url()}: ${e.message}`));

  // What the page's scripts did: the policy it carries, the theme set before paint
  // (data-theme and html.js, both from js/theme-init.js), the navigation toc.js built.
  const pageState = () => page.evaluate(() => ({
    meta: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute("content") ?? null,
    theme: document.documentElement.getAttribute("data-theme"),
    js: document.documentElement.classList.contains("js"),
    nav: document.querySelectorAll("#sidebar a").length,
  }));

  // 1. Every page.
  const noScripts = [];
  for (const rel of spec.pages) {
    const res = await page.goto(siteUrl + rel, { waitUntil: "load" });
    report.pages += 1;
    if (!res || res.status() !== 200) fail(`${rel}: HTTP ${res && res.status()}`);
    const st = await pageState();
    if (st.meta !== spec.meta) report.metaMissing.push(`${rel}: ${JSON.stringify(st.meta)}`);
    if (!st.js || !/^(light|dark)$/.test(st.theme || "")) noScripts.push(`${rel}: theme ${st.theme}, js ${st.js}`);
    else if (rel !== "404.html" && !st.nav) noScripts.push(`${rel}: no navigation`);
  }
  if (report.metaMissing.length) fail(`pages without the policy in a <meta>: ${report.metaMissing.join(", ")}`);
  if (noScripts.length) fail(`the site's scripts did not run: ${noScripts.join(", ")}`);

  // 2. Search: several queries, each with hits; a hit opened.
  await page.goto(siteUrl + "index.html", { waitUntil: "load" });
  for (const q of spec.queries) {
    await page.fill("#search-input", q);
    const shown = await page.waitForFunction(answerShown, null, { timeout: 15000 }).then(() => true, () => false);
    const r = await page.evaluate(() => ({
      hits: document.querySelectorAll("#search-results a.search-hit").length,
      status: document.querySelector("#search-results .search-status")?.textContent ?? null,
      first: document.querySelector("#search-results a.search-hit")?.href ?? null,
    }));
    report.queries.push({ q, hits: r.hits, status: r.status, first: r.first });
    if (!shown || !r.hits) fail(`search "${q}": ${r.hits} hits${r.status ? `, status ${r.status}` : ""}${shown ? "" : " (no answer)"}`);
  }
  // The box shows the last query's answer.
  const first = report.queries[report.queries.length - 1]?.first;
  if (first) {
    await Promise.all([page.waitForURL((u) => u.href === first, { timeout: 10000 }).catch(() => {}),
      page.click("#search-results a.search-hit")]);
    report.opened = page.url();
    if (page.url() !== first) fail(`the first hit opened ${page.url()}, expected ${first}`);
  }

  // 3. The theme both ways; the choice holds on the next page from its first script on.
  await page.goto(siteUrl + "index.html", { waitUntil: "load" });
  const themeNow = () => page.evaluate(() => document.documentElement.getAttribute("data-theme"));
  const start = await themeNow();
  await page.click(".theme-toggle");
  const toggled = await themeNow();
  await page.goto(siteUrl + "toc.html", { waitUntil: "commit" });
  await page.waitForSelector("head link[rel=stylesheet]", { state: "attached" });
  const kept = await themeNow();
  await page.waitForLoadState("load");
  await page.click(".theme-toggle");
  const back = await themeNow();
  report.theme = { start, toggled, kept, back };
  if (toggled === start || back !== start || kept !== toggled) fail(`theme toggle: ${JSON.stringify(report.theme)}`);

  // 4. The mobile menu.
  const narrow = await context.newPage();
  narrow.on("pageerror", (e) => report.scriptErrors.push(`${narrow.url()}: ${e.message}`));
  await narrow.setViewportSize({ width: 380, height: 740 });
  await narrow.goto(siteUrl + spec.pages.find((p) => p.includes("/")), { waitUntil: "load" });
  await narrow.click(".menu-toggle");
  // The drawer slides in (.2 s).
  const slidIn = await narrow.waitForFunction(() => document.getElementById("sidebar").getBoundingClientRect().left >= 0,
    null, { timeout: 5000 }).then(() => true, () => false);
  const opened = await narrow.evaluate(() => ({
    open: document.documentElement.classList.contains("nav-open"),
    links: document.querySelectorAll("#sidebar a").length,
  }));
  opened.visible = slidIn && (await narrow.isVisible("#sidebar"));
  await narrow.keyboard.press("Escape");
  const closed = await narrow.evaluate(() => !document.documentElement.classList.contains("nav-open"));
  report.menu = { ...opened, closed };
  if (!opened.open || !opened.visible || !opened.links || !closed) fail(`mobile menu: ${JSON.stringify(report.menu)}`);
  await narrow.close();

  // 5. The register's filter.
  await page.goto(siteUrl + "dokumentregister.html", { waitUntil: "load" });
  const rows = () => page.evaluate(() => document.querySelectorAll(".register-table tbody tr:not([hidden])").length);
  const allRows = await rows();
  await page.fill("#register-filter-input", "zzzz-finns-inte");
  report.register = { rows: allRows, filtered: await rows() };
  if (!allRows || report.register.filtered !== 0) fail(`register filter: ${JSON.stringify(report.register)}`);

  // 6. A missing page: the server answers with the site's 404 page, styled by its file.
  const missing = await page.goto(siteUrl + "finns-inte.html", { waitUntil: "load" });
  report.notFound = await page.evaluate(() => ({
    h1: document.querySelector("h1")?.textContent ?? null,
    headerBackground: getComputedStyle(document.querySelector("header")).backgroundColor,
  }));
  report.notFound.status = missing && missing.status();
  if (report.notFound.status !== 404 || report.notFound.h1 !== "Sidan kunde inte hittas" ||
    /rgba\(0, 0, 0, 0\)|transparent/.test(report.notFound.headerBackground)) {
    fail(`the 404 page: ${JSON.stringify(report.notFound)}`);
  }

  // 7. Nothing blocked, nothing thrown.
  await csp.settle();
  report.violations = csp.violations;
  if (csp.violations.length) {
    fail(`${csp.violations.length} CSP violations: ${csp.violations.map((v) => `[${v.kind}] ${v.page}: ${v.text}`).join(" | ")}`);
  }
  if (report.scriptErrors.length) fail(`script errors: ${report.scriptErrors.join(" | ")}`);
} catch (e) {
  fail(e && e.stack ? e.stack : String(e));
} finally {
  await browser.close();
  if (server) await server.close();
}
finish("csp", report, failures);
