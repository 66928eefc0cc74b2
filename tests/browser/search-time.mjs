// Search over time in headless Chromium, run by tests/search.rs:
//   node search-time.mjs <served folder> <spec.json>
// spec = {
//   page: "<page>.html", q: "<query>",
//   all: [page...],                          // the pages found without a date
//   control: { date, pages: [page...] },     // set with the "Gällande den" control
//   typed: { q, date, pages: [page...] },    // "… gällande den DATE" typed into the field
//   status: { value, label, pages: [page...] } // chosen in the status filter
// }
// Pages are file names without ".html". Checks, in this order:
//  1. the query lists spec.all;
//  2. the date control is labelled "Gällande den" (accessible name), is an
//     <input type=date>, and is reached from the field by Tab with the results open;
//     setting it lists only spec.control.pages and says the date ("Visar det som gällde
//     den …");
//  3. with the control cleared, the date typed into the field lists only spec.typed.pages;
//  4. the status filter (its option labelled spec.status.label) lists only
//     spec.status.pages;
//  5. no page errors, no console errors.
// Prints one JSON line with the findings; exits 1 listing every failure.
import { finish, launch } from "./chromium.mjs";
import { readFileSync } from "node:fs";
import { startStaticServer } from "./static-server.mjs";

const [servedDir, specFile] = process.argv.slice(2);
if (!servedDir || !specFile) {
  console.error("usage: node search-time.mjs <served folder> <spec.json>");
  process.exit(2);
}
const spec = JSON.parse(readFileSync(specFile, "utf8"));
const failures = [];
const fail = (m) => failures.push(m);
const same = (a, b) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

const server = await startStaticServer(servedDir);
const browser = await launch();
const report = {};
try {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
  await page.goto(server.url + spec.page, { waitUntil: "load" });

  // The result pages listed once the answer is complete (not busy).
  const listed = () => page.evaluate(() => {
    const box = document.getElementById("search-results");
    if (box.hidden || box.hasAttribute("aria-busy")) return null;
    if (!box.querySelector("a.search-hit, .search-empty")) return null;
    const pages = [...box.querySelectorAll("a.search-hit")]
      .map((a) => (a.getAttribute("href").match(/([\w-]+)\.html/) || [])[1]);
    return [...new Set(pages)];
  });
  // Polls until the listed pages are `want` (or 15 s pass); returns what was listed last.
  async function waitFor(want) {
    let last = null;
    for (const end = Date.now() + 15000; Date.now() < end;) {
      last = await listed();
      if (last && same(last, want)) return last;
      await new Promise((ok) => setTimeout(ok, 50));
    }
    return last;
  }

  // 1. Without a date.
  await page.click("#search-input");
  await page.fill("#search-input", spec.q);
  report.all = await waitFor(spec.all);
  if (!same(report.all || [], spec.all)) fail(`"${spec.q}" listed ${JSON.stringify(report.all)}, want ${JSON.stringify(spec.all)}`);

  // 2. The date control: labelled, reached by Tab, filters.
  const date = page.getByLabel("Gällande den", { exact: true });
  report.control = {
    type: await date.getAttribute("type"),
  };
  if (report.control.type !== "date") fail(`the "Gällande den" control is type ${report.control.type}`);
  await page.focus("#search-input");
  let tabs = 0;
  for (; tabs < 12; tabs++) {
    if (await page.evaluate(() => document.activeElement?.id === "search-valid-on")) break;
    await page.keyboard.press("Tab");
  }
  report.control.tabs = tabs;
  report.control.reached = await page.evaluate(() => document.activeElement?.id === "search-valid-on");
  report.control.openWhileFocused = await page.evaluate(() => !document.getElementById("search-results").hidden);
  if (!report.control.reached) fail("Tab from the field does not reach the date control");
  if (!report.control.openWhileFocused) fail("the results closed when the date control got the focus");
  await date.fill(spec.control.date);
  report.control.pages = await waitFor(spec.control.pages);
  if (!same(report.control.pages || [], spec.control.pages)) {
    fail(`on ${spec.control.date} the control listed ${JSON.stringify(report.control.pages)}, want ${JSON.stringify(spec.control.pages)}`);
  }
  report.control.said = await page.evaluate(() => document.querySelector(".search-valid-on")?.textContent || "");
  if (!report.control.said.includes(spec.control.date)) fail(`the date is not said: "${report.control.said}"`);

  // 3. Typed into the field (the control cleared).
  await date.fill("");
  report.cleared = await waitFor(spec.all);
  if (!same(report.cleared || [], spec.all)) fail(`with the control cleared: ${JSON.stringify(report.cleared)}`);
  await page.fill("#search-input", spec.typed.q);
  report.typed = { pages: await waitFor(spec.typed.pages) };
  if (!same(report.typed.pages || [], spec.typed.pages)) {
    fail(`"${spec.typed.q}" listed ${JSON.stringify(report.typed.pages)}, want ${JSON.stringify(spec.typed.pages)}`);
  }
  report.typed.said = await page.evaluate(() => document.querySelector(".search-valid-on")?.textContent || "");
  if (!report.typed.said.includes(spec.typed.date)) fail(`the typed date is not said: "${report.typed.said}"`);

  // 4. The status filter.
  await page.fill("#search-input", spec.q);
  await waitFor(spec.all);
  const select = page.getByLabel("Alla statusar", { exact: true });
  report.status = { options: await select.evaluate((s) => [...s.options].map((o) => o.textContent)) };
  if (!report.status.options.includes(spec.status.label)) fail(`status options ${JSON.stringify(report.status.options)} lack "${spec.status.label}"`);
  await select.selectOption(spec.status.value);
  report.status.pages = await waitFor(spec.status.pages);
  if (!same(report.status.pages || [], spec.status.pages)) {
    fail(`status ${spec.status.value} listed ${JSON.stringify(report.status.pages)}, want ${JSON.stringify(spec.status.pages)}`);
  }

  // 5.
  report.errors = errors;
  for (const e of errors) fail(e);
} catch (e) {
  fail(`exception: ${e && e.stack || e}`);
} finally {
  await browser.close();
  await server.close();
}
finish("search-time.mjs", report, failures);
