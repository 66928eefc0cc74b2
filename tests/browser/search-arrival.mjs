// Marks on arrival in headless Chromium, run by tests/search.rs:
//   node search-arrival.mjs <served folder> <spec.json>
// spec = { page: "sub/site/<page>.html", section: "<heading id>", q: "<query>",
//          want: ["<word the query must mark>"...], exact: { section, q } }
// Checks, waiting for page states and events (never for a time):
//  1. the page without the parameter fetches nothing of the search (no worker, wasm,
//     arrival.js, search-index/);
//  2. a hit's address (the dropdown's link for the query) carries the query and the section;
//  3. opened at that address, the section's words are marked with the search's analysis
//     (every wanted word, only words of that section, each a <mark> without padding), the
//     first mark is scrolled into view, and a polite status says "N träffar för ”q”
//     markerade" with N the number of marks;
//     the section's "Kopiera hänvisning" cites it at the page's address, without the query;
//  4. no layout shift: every element of the page has the same box (document coordinates)
//     as on the page without marks;
//  5. axe-core (wcag2a/aa, wcag21a/aa, wcag22aa, best-practice) with the marks and the bar
//     shown, light and dark: no violations; the marks' contrast ≥ 4.5:1 in both;
//  6. an abbreviation marks only itself and its glossary form's words where they stand
//     together (spec.exact);
//  7. Tab from the section's heading reaches "Ta bort markeringar"; Enter clears every mark
//     and the bar, keeps the focus on the page (the heading) and drops the parameter;
//  8. no Content-Security-Policy violation, no page error;
//  9. with the wasm unreachable: no marks, and the search box stays closed.
// Prints one JSON line with the findings; exits 1 listing every failure.
import { AXE_TAGS, axeSource as readAxe, finish, launch, scriptArgs } from "./chromium.mjs";
import { watchCsp } from "./csp-watch.mjs";
import { startStaticServer } from "./static-server.mjs";

const { servedDir, spec } = scriptArgs("search-arrival.mjs");
const TAGS = AXE_TAGS;
const axeSource = readAxe();
const failures = [];
const fail = (m) => failures.push(m);

const server = await startStaticServer(servedDir);
const browser = await launch();
const report = { axe: [] };
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const csp = await watchCsp(context);
  await context.addInitScript(() => {
    document.addEventListener("samsyn:marked", () => { window.__markedAt = performance.now(); });
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  const pageUrl = server.url + spec.page;
  const searchFiles = () => requests.filter((u) => /\/search\/(search-worker|arrival|results-page)\.[0-9a-f]{8}\.js|\.wasm|\/search-index\//.test(u));

  // Every element's box in document order, scrolled to the top (sticky parts in place),
  // leaving out what the marks add (the marks, the bar) and the search's own box (closed).
  // The on-page TOC's highlight of the section read (a scroll spy) is reset first.
  const boxes = () => page.evaluate(() => {
    scrollTo(0, 0);
    document.querySelectorAll(".page-toc a.is-active").forEach((a) => a.classList.remove("is-active"));
    return Array.from(document.querySelectorAll("body *"))
    .filter((e) => !e.closest("mark.search-arrival-mark, .search-arrival, #search-results, head"))
    .map((e) => {
      const r = e.getBoundingClientRect();
      return [e.tagName, Math.round((r.left + scrollX) * 10) / 10, Math.round((r.top + scrollY) * 10) / 10,
        Math.round(r.width * 10) / 10, Math.round(r.height * 10) / 10];
    }); });

  // 1. Without the parameter: nothing of the search is fetched.
  await page.goto(pageUrl, { waitUntil: "load" });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  report.plainRequests = searchFiles();
  if (report.plainRequests.length) fail(`the page without ?markera fetched ${report.plainRequests.join(", ")}`);
  const before = await boxes();

  // 2. The dropdown's hit for the query: its address carries the query and the section.
  await page.fill("#search-input", spec.q);
  await page.waitForFunction(() => {
    const b = document.getElementById("search-results");
    return !b.hidden && !b.hasAttribute("aria-busy") && b.querySelector("a.search-hit");
  }, null, { timeout: 15000 });
  const hrefs = await page.evaluate(() => Array.from(document.querySelectorAll("#search-results a.search-hit")).map((a) => a.href));
  const want = `?markera=${encodeURIComponent(spec.q)}#${spec.section}`;
  report.hitHref = hrefs.find((h) => h.includes(`#${spec.section}`)) || hrefs[0];
  if (!hrefs.length || !hrefs.every((h) => h.includes(`?markera=${encodeURIComponent(spec.q)}`))) {
    fail(`hit links do not carry the query: ${JSON.stringify(hrefs.slice(0, 3))}`);
  }

  // 3. Arrival at the section.
  async function arrive(section, q) {
    await page.goto(pageUrl + `?markera=${encodeURIComponent(q)}#${section}`, { waitUntil: "load" });
    await page.waitForFunction(() => document.documentElement.hasAttribute("data-search-marks") &&
      document.querySelector(".search-arrival-text")?.textContent, null, { timeout: 15000 });
    return page.evaluate((id) => {
      const marks = Array.from(document.querySelectorAll("mark.search-arrival-mark"));
      // The section: from its heading to the next heading.
      const start = document.getElementById(id);
      const headings = Array.from(document.querySelectorAll(".doc-content h1, .doc-content h2, .doc-content h3, .doc-content h4, .doc-content h5, .doc-content h6"));
      const next = headings[headings.indexOf(start) + 1];
      const inSection = (m) => (start === m || start.compareDocumentPosition(m) & Node.DOCUMENT_POSITION_FOLLOWING || start.contains(m)) &&
        (!next || next.compareDocumentPosition(m) & Node.DOCUMENT_POSITION_PRECEDING);
      const first = marks[0]?.getBoundingClientRect();
      const cs = marks[0] && getComputedStyle(marks[0]);
      const status = document.querySelector(".search-arrival-text");
      return {
        words: marks.map((m) => m.textContent),
        outside: marks.filter((m) => !inSection(m)).map((m) => m.textContent),
        firstInView: !!first && first.top >= 0 && first.bottom <= innerHeight,
        padding: cs ? [cs.paddingLeft, cs.paddingRight, cs.paddingTop, cs.borderLeftWidth] : null,
        status: status?.textContent,
        role: status?.getAttribute("role"),
        live: status?.getAttribute("aria-live"),
        barPosition: getComputedStyle(document.querySelector(".search-arrival")).position,
        address: location.search,
      };
    }, section);
  }
  const sizes = new Map();
  page.on("response", async (r) => {
    try { sizes.set(r.url(), (await r.body()).length); } catch { /* redirects, aborted */ }
  });
  const arrived = await arrive(spec.section, spec.q);
  // Figures: when the marks were shown (ms after navigation start) and what was fetched.
  const fetched = [...sizes.entries()].filter(([u]) => /\/search\/|\/search-index\//.test(u));
  report.timing = { markedMs: Math.round(await page.evaluate(() => window.__markedAt)),
    searchFiles: fetched.length, searchBytes: fetched.reduce((s, [, n]) => s + n, 0) };
  page.removeAllListeners("response");
  report.arrived = { count: arrived.words.length, words: [...new Set(arrived.words)], status: arrived.status };
  for (const w of spec.want) {
    if (!arrived.words.some((m) => m.toLowerCase() === w.toLowerCase())) fail(`"${spec.q}" did not mark "${w}": ${JSON.stringify(report.arrived.words)}`);
  }
  if (arrived.outside.length) fail(`marks outside #${spec.section}: ${JSON.stringify(arrived.outside)}`);
  if (!arrived.firstInView) fail("the first mark is not scrolled into view");
  if (JSON.stringify(arrived.padding) !== JSON.stringify(["0px", "0px", "0px", "0px"])) fail(`marks have padding/border ${JSON.stringify(arrived.padding)}`);
  const n = arrived.words.length;
  const said = `${n} ${n === 1 ? "träff" : "träffar"} för ”${spec.q}” ${n === 1 ? "markerad" : "markerade"}`;
  if (arrived.status !== said) fail(`the status says ${JSON.stringify(arrived.status)}, expected ${JSON.stringify(said)}`);
  if (arrived.role !== "status" || arrived.live !== "polite") fail(`the status is role=${arrived.role} aria-live=${arrived.live}`);
  if (arrived.barPosition !== "fixed") fail(`the bar is ${arrived.barPosition}, not fixed`);

  // 3b. The section's "Kopiera hänvisning" still cites the section at the page's own
  // address (not the marks' parameter).
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
  await page.evaluate((id) => document.getElementById(id).closest(".section-heading").querySelector(".cite-button").click(), spec.section);
  await page.waitForFunction(() => navigator.clipboard.readText().then((t) => /avsnitt/.test(t)), null, { timeout: 5000 })
    .catch(() => {});
  report.citation = await page.evaluate(() => navigator.clipboard.readText());
  if (!report.citation.endsWith(`${spec.page.split("/").pop()}#${spec.section}`) || report.citation.includes("markera")) {
    fail(`with the marks shown the section's citation is ${JSON.stringify(report.citation)}`);
  }

  // 4. No layout shift.
  const after = await boxes();
  const moved = [];
  if (after.length !== before.length) {
    fail(`the page has ${after.length} elements with marks, ${before.length} without`);
  } else {
    after.forEach((b, i) => {
      const a = before[i];
      if (a[0] !== b[0] || a.slice(1).some((v, k) => Math.abs(v - b[k + 1]) > 0.5)) moved.push({ was: a, now: b });
    });
  }
  report.layout = { elements: after.length, moved: moved.length };
  if (moved.length) fail(`${moved.length} elements moved or resized with the marks, e.g. ${JSON.stringify(moved.slice(0, 3))}`);

  // 5. axe and the marks' contrast, light and dark.
  await page.evaluate(axeSource);
  for (const theme of ["light", "dark"]) {
    await page.evaluate((t) => document.documentElement.setAttribute("data-theme", t), theme);
    const r = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags } }), TAGS);
    const v = r.violations.map((x) => ({ id: x.id, nodes: x.nodes.map((nd) => nd.target.join(" ")).slice(0, 5) }));
    const contrast = await page.evaluate(() => {
      const rgb = (c) => (c.match(/[\d.]+/g) || []).slice(0, 3).map(Number);
      const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
        .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
      const m = getComputedStyle(document.querySelector("mark.search-arrival-mark"));
      const [a, b] = [lum(rgb(m.color)), lum(rgb(m.backgroundColor))];
      return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    });
    report.axe.push({ theme, passes: r.passes.length, violations: v.length, contrast: Math.round(contrast * 100) / 100 });
    if (v.length) fail(`axe, ${theme}, marks shown: ${JSON.stringify(v)}`);
    if (contrast < 4.5) fail(`marks' contrast ${contrast} in ${theme}`);
  }
  await page.evaluate(() => document.documentElement.removeAttribute("data-theme"));

  // 6. An abbreviation marks only itself and its written-out form (spec.exact.allowed).
  const exact = await arrive(spec.exact.section, spec.exact.q);
  report.exact = { q: spec.exact.q, words: [...new Set(exact.words)] };
  const allowed = spec.exact.allowed || [spec.exact.q];
  if (!exact.words.includes(spec.exact.q) || exact.words.some((w) => !allowed.includes(w))) fail(`"${spec.exact.q}" marked ${JSON.stringify(report.exact.words)}`);

  // 7. Keyboard: from the heading, Tab reaches the clear button; Enter clears.
  await arrive(spec.section, spec.q);
  await page.evaluate((id) => {
    const h = document.getElementById(id);
    h.setAttribute("tabindex", "-1");
    h.focus({ preventScroll: true });
  }, spec.section);
  let tabs = 0;
  for (; tabs < 4; tabs++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate(() => document.activeElement?.classList.contains("search-arrival-clear"))) break;
  }
  const name = await page.evaluate(() => document.activeElement?.textContent);
  report.clear = { tabs: tabs + 1, name };
  if (name !== "Ta bort markeringar") {
    fail(`Tab from the heading did not reach "Ta bort markeringar" (focus on ${JSON.stringify(name)})`);
  } else {
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => !document.querySelector(".search-arrival"), null, { timeout: 5000 });
    const cleared = await page.evaluate((id) => ({
      marks: document.querySelectorAll("mark.search-arrival-mark").length,
      focus: document.activeElement?.id,
      address: location.search,
    }), spec.section);
    report.clear = { ...report.clear, ...cleared };
    if (cleared.marks) fail(`${cleared.marks} marks left after "Ta bort markeringar"`);
    if (cleared.focus !== spec.section) fail(`after clearing, the focus is on ${cleared.focus}`);
    if (cleared.address.includes("markera")) fail(`the address still asks for marks: ${cleared.address}`);
    const restored = await boxes();
    if (JSON.stringify(restored) !== JSON.stringify(before)) fail("the page's boxes differ after clearing the marks");
  }

  // 9. An engine that cannot load (the wasm unreachable): no marks, and the search box
  // stays closed (the visitor is not searching); the failure is only logged.
  const broken = await browser.newContext();
  const bpage = await broken.newPage();
  await bpage.route(/search_index\.[0-9a-f]{8}\.wasm/, (r) => r.abort());
  const warned = bpage.waitForEvent("console", { predicate: (m) => m.text().startsWith("samsyn search:"), timeout: 15000 });
  await bpage.goto(pageUrl + `?markera=${encodeURIComponent(spec.q)}#${spec.section}`, { waitUntil: "load" });
  await warned.catch(() => fail("no failure logged with the wasm unreachable"));
  report.broken = await bpage.evaluate(() => ({
    boxOpen: !document.getElementById("search-results").hidden && !!document.getElementById("search-results").textContent.trim(),
    marks: document.querySelectorAll("mark.search-arrival-mark").length,
  }));
  if (report.broken.boxOpen || report.broken.marks) fail(`with the wasm unreachable: ${JSON.stringify(report.broken)}`);
  await broken.close();

  // 8.
  await csp.settle();
  report.errors = [...errors, ...csp.violations.map((v) => `csp: ${v.text} (${v.page})`)];
  if (report.errors.length) fail(`errors: ${JSON.stringify(report.errors)}`);
} catch (e) {
  fail(`exception: ${e.stack || e}`);
} finally {
  await browser.close();
  server.close();
}
finish("search-arrival", report, failures);
