// Shareable searches in headless Chromium, run by tests/search_pages.rs:
//   node search-share.mjs <served folder> <spec.json>
// spec = { site: "sub/site/", deep: "<deep page, relative to site>", q: "<query>",
//          kind: "<a kind filter value>", date: "YYYY-MM-DD", few: "<query with few hits>",
//          broad: "<query with more than 20 hits>" }
// Checks, waiting for page states (never for a time):
//  1. a deep page opened with ?q=…&typ=…&status=in-force opens the search with that query
//     and those filters: the results are shown, the menus say the filters, every hit is of
//     that kind and in force;
//     ?q=…&gallande=… shows what applied on that day;
//  2. the address follows the search (replaceState): a new query, a filter, an empty field,
//     the search closed by Esc;
//  3. the dropdown's last option "Visa alla träffar (N)" leads (keyboard: ArrowUp, Enter) to
//     sok.html with the query, where the count is N;
//  4. sok.html?q=<broad>: 20 hits a page, each an h3 link carrying the query; "Nästa" shows
//     the next 20 (address sida=2, focus on the heading "Träffar 21–40"), the browser's Back
//     the first again; a kind filter narrows the hits and goes into the address;
//  5. axe-core on sok.html with results, light and dark; every link stays in the site's folder;
//  6. no Content-Security-Policy violation, no page error.
// Prints one JSON line with the findings; exits 1 listing every failure.
import { AXE_TAGS, axeSource as readAxe, finish, launch, scriptArgs } from "./chromium.mjs";
import { watchCsp } from "./csp-watch.mjs";
import { startStaticServer } from "./static-server.mjs";

const { servedDir, spec } = scriptArgs("search-share.mjs");
const TAGS = AXE_TAGS;
const axeSource = readAxe();
const failures = [];
const fail = (m) => failures.push(m);

const server = await startStaticServer(servedDir);
const browser = await launch();
const report = { axe: [] };
const site = server.url + spec.site;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const csp = await watchCsp(context);
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));

  // The dropdown's whole answer for the field's text.
  const dropdown = () => page.waitForFunction(() => {
    const b = document.getElementById("search-results");
    return !b.hidden && !b.hasAttribute("aria-busy") && b.querySelector("a.search-hit, .search-empty");
  }, null, { timeout: 15000 }).then(() => page.evaluate(() => ({
    value: document.getElementById("search-input").value,
    focused: document.activeElement?.id,
    kinds: Array.from(document.querySelectorAll("#search-results .search-group-head .badge[class*=kind-]")).map((b) => b.className),
    kindMenu: document.querySelector("#search-results .search-filters select")?.value,
    date: document.getElementById("search-valid-on")?.value,
    validOn: document.querySelector("#search-results .search-valid-on")?.textContent || null,
    all: document.getElementById("search-all")?.textContent || null,
    allHref: document.getElementById("search-all")?.href || null,
    address: location.search,
  })));

  // 1. A deep page opened with a query and a kind.
  const deep = site + spec.deep;
  await page.goto(`${deep}?q=${encodeURIComponent(spec.q)}&typ=${spec.kind}&status=in-force`, { waitUntil: "load" });
  const opened = await dropdown();
  const statusMenu = await page.evaluate(() => Array.from(document.querySelectorAll("#search-results .search-filters select"))
    .map((s) => s.value).filter(Boolean));
  const otherStatus = await page.evaluate(() => document.querySelectorAll("#search-results .search-group-head .badge[class*=status-]").length);
  if (!statusMenu.includes("in-force") || otherStatus) fail(`?status=in-force: menus ${JSON.stringify(statusMenu)}, ${otherStatus} hits of another status`);
  report.opened = { ...opened, kinds: [...new Set(opened.kinds)] };
  if (opened.value !== spec.q) fail(`the field says ${JSON.stringify(opened.value)}, not ${JSON.stringify(spec.q)}`);
  if (opened.focused !== "search-input") fail(`the focus is on ${opened.focused}, not the search field`);
  if (opened.kindMenu !== spec.kind) fail(`the kind menu says ${JSON.stringify(opened.kindMenu)}`);
  if (!opened.kinds.length || opened.kinds.some((k) => !k.includes(`kind-${spec.kind}`))) fail(`hits of other kinds: ${JSON.stringify(report.opened.kinds)}`);
  await page.goto(`${deep}?q=${encodeURIComponent(spec.q)}&gallande=${spec.date}`, { waitUntil: "load" });
  const dated = await dropdown();
  report.dated = { date: dated.date, validOn: dated.validOn };
  if (dated.date !== spec.date || !dated.validOn?.includes(spec.date)) fail(`?gallande=${spec.date}: ${JSON.stringify(report.dated)}`);

  // 2. The address follows the field and the filters.
  await page.goto(`${deep}?q=${encodeURIComponent(spec.q)}&typ=${spec.kind}`, { waitUntil: "load" });
  await dropdown();
  await page.fill("#search-input", spec.few);
  await dropdown();
  // The address is written once the typing pauses: wait for it (or fail after 5 s).
  await page.waitForFunction((q) => new URLSearchParams(location.search).get("q") === q, spec.few, { timeout: 5000 })
    .catch(() => {});
  const typed = { address: await page.evaluate(() => location.search) };
  const params = (s) => Object.fromEntries(new URLSearchParams(s));
  report.address = { typed: params(typed.address) };
  if (params(typed.address).q !== spec.few || params(typed.address).typ !== spec.kind) fail(`after typing, the address is ${typed.address}`);
  await page.selectOption("#search-results .search-filters select", "");
  await page.waitForFunction(() => !new URLSearchParams(location.search).has("typ"), null, { timeout: 5000 })
    .catch(() => fail("clearing the kind filter left it in the address"));
  await page.fill("#search-input", "");
  await page.waitForFunction(() => !new URLSearchParams(location.search).has("q"), null, { timeout: 5000 })
    .catch(() => fail("an empty field left the query in the address"));
  report.address.emptied = await page.evaluate(() => location.search);
  // Closed by Esc, the address is the page's again.
  await page.fill("#search-input", spec.few);
  await dropdown();
  await page.waitForFunction((q) => new URLSearchParams(location.search).get("q") === q, spec.few, { timeout: 5000 })
    .catch(() => fail("the typed query never reached the address"));
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => !location.search, null, { timeout: 5000 })
    .catch(() => fail("Esc closed the search but left it in the address"));
  report.address.closed = await page.evaluate(() => location.search);

  // 3. "Visa alla träffar (N)" → sok.html with the same count.
  await page.fill("#search-input", spec.few);
  const few = await dropdown();
  report.allLink = { text: few.all, href: few.allHref };
  const n = Number((few.all || "").match(/\((\d+)\)$/)?.[1]);
  if (!n) fail(`the dropdown's last option is ${JSON.stringify(few.all)}, expected "Visa alla träffar (N)"`);
  if (few.allHref !== `${site}sok.html?q=${encodeURIComponent(spec.few)}`) fail(`"Visa alla träffar" leads to ${few.allHref}`);
  await page.focus("#search-input");
  await page.keyboard.press("ArrowUp");
  const active = await page.evaluate(() => document.getElementById("search-input").getAttribute("aria-activedescendant"));
  if (active !== "search-all") fail(`ArrowUp from the field made ${active} active, not the last option`);
  await Promise.all([page.waitForURL((u) => u.pathname.endsWith("/sok.html"), { timeout: 10000 }), page.keyboard.press("Enter")]);
  // The results page: its status says the count once the answer is in.
  const resultsShown = () => page.waitForFunction(() => {
    const s = document.getElementById("search-page-status");
    return s && /träff/.test(s.textContent) && !document.getElementById("search-page-results").hasAttribute("aria-busy");
  }, null, { timeout: 15000 }).then(() => page.evaluate(() => ({
    status: document.getElementById("search-page-status").textContent,
    range: document.getElementById("search-page-range")?.textContent || null,
    hits: Array.from(document.querySelectorAll(".search-page-hit h3 a")).map((a) => a.href),
    kinds: Array.from(document.querySelectorAll(".search-page-where .badge[class*=kind-]")).map((b) => b.className),
    focused: document.activeElement?.id,
    field: document.getElementById("search-page-input").value,
    address: location.search,
  })));
  const listed = await resultsShown();
  report.resultsPage = { status: listed.status, hits: listed.hits.length };
  if (!listed.status.startsWith(`${n} träff`)) fail(`sok.html says ${JSON.stringify(listed.status)}, the dropdown ${n}`);
  if (listed.hits.length !== Math.min(n, 20)) fail(`sok.html lists ${listed.hits.length} hits of ${n}`);
  if (listed.field !== spec.few) fail(`sok.html's field says ${JSON.stringify(listed.field)}`);

  // 4. Paging and a filter on sok.html.
  await page.goto(`${site}sok.html?q=${encodeURIComponent(spec.broad)}`, { waitUntil: "load" });
  const first = await resultsShown();
  report.paging = { status: first.status, first: first.hits.length, range: first.range };
  if (first.hits.length !== 20) fail(`"${spec.broad}": ${first.hits.length} hits on the first page`);
  if (!first.hits.every((h) => h.startsWith(site) && h.includes(`?markera=${encodeURIComponent(spec.broad)}`))) fail(`hit links ${JSON.stringify(first.hits.slice(0, 2))}`);
  if (first.range !== "Träffar 1–20") fail(`the first page's heading is ${JSON.stringify(first.range)}`);
  await page.click(".search-page-pager a[rel=next]");
  await page.waitForFunction(() => document.getElementById("search-page-range")?.textContent === "Träffar 21–40", null, { timeout: 15000 });
  const second = await resultsShown();
  report.paging.second = { range: second.range, focused: second.focused, address: second.address, hits: second.hits.length };
  if (new URLSearchParams(second.address).get("sida") !== "2") fail(`page 2's address is ${second.address}`);
  if (second.focused !== "search-page-range") fail(`after "Nästa" the focus is on ${second.focused}`);
  if (second.hits.some((h) => first.hits.includes(h))) fail("page 2 repeats hits of page 1");
  await page.goBack();
  await page.waitForFunction(() => document.getElementById("search-page-range")?.textContent === "Träffar 1–20", null, { timeout: 15000 });
  const back = await resultsShown();
  if (JSON.stringify(back.hits) !== JSON.stringify(first.hits)) fail("Back did not show the first page again");
  // The axe runs here: results and paging shown.
  await page.evaluate(axeSource);
  for (const theme of ["light", "dark"]) {
    await page.evaluate((t) => document.documentElement.setAttribute("data-theme", t), theme);
    const r = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags } }), TAGS);
    const v = r.violations.map((x) => ({ id: x.id, nodes: x.nodes.map((nd) => nd.target.join(" ")).slice(0, 5) }));
    report.axe.push({ theme, passes: r.passes.length, violations: v.length });
    if (v.length) fail(`axe, sok.html, ${theme}: ${JSON.stringify(v)}`);
  }
  await page.evaluate(() => document.documentElement.removeAttribute("data-theme"));
  const outside = await page.evaluate((s) => Array.from(document.querySelectorAll("a[href]")).map((a) => a.href)
    .filter((h) => h.startsWith(location.origin) && !h.startsWith(s)), site);
  if (outside.length) fail(`links outside the site's folder: ${JSON.stringify(outside.slice(0, 3))}`);
  await page.selectOption("select[name=kind]", spec.kind);
  await page.waitForFunction((k) => new URLSearchParams(location.search).get("typ") === k, spec.kind, { timeout: 5000 });
  const filtered = await resultsShown();
  report.filtered = { status: filtered.status, kinds: [...new Set(filtered.kinds)], address: filtered.address };
  if (!filtered.kinds.length || filtered.kinds.some((k) => !k.includes(`kind-${spec.kind}`))) fail(`with the kind filter: ${JSON.stringify(report.filtered)}`);
  if (new URLSearchParams(filtered.address).has("sida")) fail("a filter kept the page number");

  await csp.settle();
  errors.push(...csp.violations.map((v) => `csp: ${v.text} (${v.page})`));
  report.errors = errors;
  if (errors.length) fail(`errors: ${JSON.stringify(errors)}`);
} catch (e) {
  fail(`exception: ${e.stack || e}`);
} finally {
  await browser.close();
  server.close();
}
finish("search-share", report, failures);
