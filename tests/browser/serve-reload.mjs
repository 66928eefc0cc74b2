// Live reload in headless Chromium, run by tests/serve.rs against a running
// `samsyn serve`:
//   node serve-reload.mjs <page URL> <Markdown file of that page>
// Opens the page, scrolls down, appends a paragraph to the Markdown file and checks
// that the page reloads itself by itself, shows the new text and keeps its scroll
// position. Then breaks a link and checks the error overlay (role="alert", file:line),
// fixes it and checks that the overlay goes away, and that search answers in the
// preview and finds the new paragraph; and that nothing of it is blocked by the site's Content-Security-Policy (the
// <meta> of its pages). Prints one JSON line; exits 1 on failure.
import { launch } from "./chromium.mjs";
import { watchCsp } from "./csp-watch.mjs";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";

const [url, file] = process.argv.slice(2);
if (!url || !file) {
  console.error("usage: node serve-reload.mjs <page URL> <markdown file>");
  process.exit(2);
}

function fail(message) {
  console.error(`serve-reload: ${message}`);
  process.exitCode = 1;
}

const browser = await launch();
try {
  // The preview's pages carry the site's policy in a <meta> (no header): nothing of the
  // live reload (its overlay's styles included) may be blocked by it.
  const context = await browser.newContext({ viewport: { width: 1200, height: 700 } });
  const csp = await watchCsp(context);
  const page = await context.newPage();
  let loads = 0;
  page.on("load", () => { loads += 1; });
  await page.goto(url, { waitUntil: "load" });
  // The live-reload script must be connected before the edit.
  await page.waitForSelector("html[data-live-reload]", { timeout: 10000 });
  const target = 900;
  await page.evaluate((y) => window.scrollTo(0, y), target);
  await page.waitForFunction((y) => Math.abs(window.scrollY - y) < 2, target, { timeout: 5000 });
  const before = await page.evaluate(() => window.scrollY);
  const loadsBefore = loads;

  // The new paragraph's rare word is searched for at the end: the preview's search
  // follows saves.
  const marker = `Nytt stycke ${Date.now()} om kvastfeningar`;
  appendFileSync(file, `\n${marker}\n`);
  await page.waitForFunction((m) => document.body && document.body.innerText.includes(m),
    marker, { timeout: 15000 });
  await page.waitForTimeout(400);
  const after = await page.evaluate(() => window.scrollY);
  const reloaded = loads > loadsBefore;
  if (!reloaded) fail("the page did not reload itself");
  if (Math.abs(after - before) > 2) fail(`scroll position ${before} became ${after}`);

  // A broken link: the overlay names the file and line; the page stays the last good one.
  const good = readFileSync(file, "utf8");
  const brokenLine = good.split("\n").length + 1;
  writeFileSync(file, `${good}\n[trasig länk](finns-inte.md)\n`);
  const overlay = await page.waitForSelector('#samsyn-overlay[role="alert"]', { timeout: 15000 });
  const overlayText = await overlay.innerText();
  const fileName = file.split("/").pop();
  if (!overlayText.includes(`${fileName}:${brokenLine}:`)) {
    fail(`overlay does not name ${fileName}:${brokenLine}: ${overlayText}`);
  }
  if (!/fel/.test(overlayText)) fail(`overlay text is not Swedish: ${overlayText}`);
  writeFileSync(file, good);
  await page.waitForSelector("#samsyn-overlay", { state: "detached", timeout: 15000 });

  // Search works in the preview: the index the server built answers in the page.
  await page.fill("#search-input", "samverkan");
  await page.waitForSelector("#search-results .search-hit", { timeout: 15000 });
  const hits = await page.evaluate(() =>
    document.querySelectorAll("#search-results .search-hit").length);
  await page.fill("#search-input", "kvastfeningar");
  await page.waitForFunction(() => Array.from(document.querySelectorAll("#search-results a.search-hit"))
    .some((a) => /begrepp\.html/.test(a.getAttribute("href") || "")), null, { timeout: 15000 });
  const fresh = await page.evaluate(() =>
    document.querySelectorAll("#search-results .search-hit").length);

  await csp.settle();
  if (csp.violations.length) {
    fail(`CSP violations: ${csp.violations.map((v) => `[${v.kind}] ${v.page}: ${v.text}`).join(" | ")}`);
  }
  console.log(JSON.stringify({ reloaded, before, after, hits, fresh, overlay: overlayText.split("\n")[0],
    cspViolations: csp.violations.length }));
} catch (e) {
  fail(e && e.stack ? e.stack : String(e));
} finally {
  await browser.close();
}
