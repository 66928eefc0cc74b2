// Accessibility of every page of a built site in headless Chromium, run by tests/a11y.rs:
//   node a11y.mjs <served folder> <spec.json>
// spec = {
//   site: "site/",                  // the site's folder under the served folder
//   pages: ["index.html", ...],     // every page of the site, relative to it
//   runs: [{ width: 1280, mode: "light" | "dark-toggle" | "dark-scheme", pages?: [...] }],
//   tags: ["wcag2a", ...],          // the axe-core rule tags that must pass
//   exclude: ["#search-results"],   // parts left out of the axe runs (another check's)
//   keyboard: "index.html",         // the page the keyboard walks start on
//   motion: "a/page.html",          // a content page with h2 headings (reduced motion)
// }
// One browser; each run is one context (viewport, colour scheme) whose page is reused.
// Checks:
//  1. axe-core over each page of each run: no violation of the tags (dark-toggle: the
//     theme switched with the page's own toggle on the first page and kept on the rest);
//  2. at 320 px (WCAG 1.4.10): no page scrolls sideways, no badge sticks out of its box;
//     the names of the tables' scroll regions reported (`regions`: page → names);
//  3. WCAG 1.4.12 text spacing (320 and 1280 px) and text at 200 % (1280 px): no text
//     clipped by `overflow: hidden`, no page scrolling sideways at 320 px or with doubled
//     text, no badge sticking out;
//  4. `prefers-reduced-motion: reduce`: no smooth scrolling, no transition, no animation;
//  5. keyboard: the skip link is the first Tab stop and moves focus to <main>; at 390 px
//     Tab reaches the menu toggle, Enter opens the menu, Escape closes it and gives focus
//     back; Tab walks the whole page and leaves it (no focus trap).
// Prints one JSON line with the findings; exits 1 listing every failure.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { finish, launch } from "./chromium.mjs";
import { startStaticServer } from "./static-server.mjs";

const [servedDir, specFile] = process.argv.slice(2);
if (!servedDir || !specFile) {
  console.error("usage: node a11y.mjs <served folder> <spec.json>");
  process.exit(2);
}
const spec = JSON.parse(readFileSync(specFile, "utf8"));
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const failures = [];
const fail = (m) => failures.push(m);

const server = await startStaticServer(servedDir);
const siteUrl = server.url + spec.site;
const browser = await launch();
const started = Date.now();
const report = { axeRuns: 0, runs: [], regions: {}, violations: [], reflow: [], spacing: [], motion: null, keyboard: {}, scriptErrors: [] };

/** WCAG 1.4.12's spacing, as the usual bookmarklets inject it. */
const TEXT_SPACING = `* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
  word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }`;

/** A new page in a context with the run's viewport and colour scheme. */
async function newPage(width, options = {}) {
  const context = await browser.newContext({
    viewport: { width, height: 800 },
    colorScheme: options.colorScheme || "light",
    reducedMotion: options.reducedMotion || "no-preference",
    bypassCSP: true,
  });
  await context.addInitScript({ content: axeSource });
  const page = await context.newPage();
  page.on("pageerror", (e) => report.scriptErrors.push(`${page.url()}: ${e.message}`));
  return page;
}

const open = (page, rel) => page.goto(siteUrl + rel, { waitUntil: "load" });

/** Where the page is wider than the viewport, or a badge sticks out of its box. */
const overflowAt = (page) => page.evaluate(() => {
  const out = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) out.push(`scrolls sideways (${root.scrollWidth} > ${root.clientWidth})`);
  for (const badge of document.querySelectorAll(".badge")) {
    const b = badge.getBoundingClientRect();
    const box = badge.parentElement.getBoundingClientRect();
    if (b.right > box.right + 0.5 || b.left < box.left - 0.5) out.push(`badge "${badge.textContent}" sticks out of its box`);
  }
  return out;
});

/** Text cut off: boxes that hide overflow (or clip it) yet have more content than room. */
const clippedText = (page) => page.evaluate(() => {
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const cs = getComputedStyle(el);
    if (cs.display === "none" || cs.visibility === "hidden" || !el.textContent.trim()) continue;
    // Visually hidden text (1 px clip) is meant to be off screen.
    if (el.clientWidth <= 1 || el.clientHeight <= 1) continue;
    const hidesX = cs.overflowX === "hidden" || cs.overflowX === "clip";
    const hidesY = cs.overflowY === "hidden" || cs.overflowY === "clip";
    const desc = `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : ""}`;
    if (hidesX && el.scrollWidth > el.clientWidth + 1) out.push(`${desc}: ${el.scrollWidth} > ${el.clientWidth} wide`);
    if (hidesY && el.scrollHeight > el.clientHeight + 1) out.push(`${desc}: ${el.scrollHeight} > ${el.clientHeight} high`);
  }
  return out;
});

try {
  // 1 and 2: axe over every page of every run; reflow at 320 px.
  for (const run of spec.runs) {
    const t0 = Date.now();
    const page = await newPage(run.width, { colorScheme: run.mode === "dark-scheme" ? "dark" : "light" });
    const pages = run.pages || spec.pages;
    if (run.mode === "dark-toggle") {
      // Switched once with the start page's own toggle; every later page keeps it.
      await open(page, "index.html");
      await page.click(".theme-toggle");
    }
    for (const rel of pages) {
      const res = await open(page, rel);
      if (!res || res.status() !== 200) fail(`${rel}: HTTP ${res && res.status()}`);
      const theme = await page.evaluate(() => document.documentElement.getAttribute("data-theme"));
      const wanted = run.mode === "light" ? "light" : "dark";
      if (theme !== wanted) fail(`${run.width}/${run.mode} ${rel}: theme ${theme}`);
      const result = await page.evaluate(
        ([tags, exclude]) => window.axe.run({ include: [["html"]], exclude: exclude.map((s) => [s]) }, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] }),
        [spec.tags, spec.exclude || []],
      );
      report.axeRuns += 1;
      for (const v of result.violations) {
        const where = v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ");
        report.violations.push(`${run.width}/${run.mode} ${rel}: ${v.id} (${v.nodes.length}×: ${where})`);
      }
      if (run.width <= 320) for (const o of await overflowAt(page)) report.reflow.push(`${rel}: ${o}`);
      if (run.width <= 320 && run.mode === "light") {
        const names = await page.evaluate(() => [...document.querySelectorAll('.table-wrap[role="region"]')].map((w) => w.getAttribute("aria-label")));
        if (names.length) report.regions[rel] = names;
      }
    }
    report.runs.push({ width: run.width, mode: run.mode, pages: pages.length, ms: Date.now() - t0 });
    await page.context().close();
  }
  if (report.violations.length) fail(`axe violations:\n${report.violations.join("\n")}`);
  if (report.reflow.length) fail(`reflow at 320 px:\n${report.reflow.join("\n")}`);

  // 3. Text spacing (1.4.12) at 320 and 1280 px, and text at 200 % (1.4.4) at 1280 px.
  // Text at 200 % as a visitor sets it: the browser's default font size doubled (16 → 32
  // px), which em/rem sizes and em media queries follow.
  for (const [width, extra, label] of [
    [320, TEXT_SPACING, "spacing"],
    [1280, TEXT_SPACING, "spacing"],
    [1280, null, "text 200 %"],
  ]) {
    const page = await newPage(width);
    if (!extra) {
      const cdp = await page.context().newCDPSession(page);
      await cdp.send("Page.setFontSizes", { fontSizes: { standard: 32, fixed: 26 } });
    }
    for (const rel of spec.pages) {
      await open(page, rel);
      if (extra) await page.addStyleTag({ content: extra });
      else {
        const size = await page.evaluate(() => getComputedStyle(document.documentElement).fontSize);
        if (size !== "32px") fail(`${label} ${rel}: the root font size is ${size}`);
      }
      for (const c of await clippedText(page)) report.spacing.push(`${width}/${label} ${rel}: ${c}`);
      // At 320 px and with doubled text, the page still reflows (1.4.10, 1.4.4).
      if (width <= 320 || label !== "spacing") for (const o of await overflowAt(page)) report.spacing.push(`${width}/${label} ${rel}: ${o}`);
    }
    await page.context().close();
  }
  if (report.spacing.length) fail(`text spacing / resize:\n${report.spacing.join("\n")}`);

  // 4. Reduced motion.
  {
    // A content page at a narrow width (the drawer's transition), a heading targeted
    // (its highlight animation).
    const page = await newPage(390, { reducedMotion: "reduce" });
    await open(page, spec.motion);
    await page.evaluate(() => { location.hash = document.querySelector(".doc-content h2[id]").id; });
    report.motion = await page.evaluate(() => {
      const moving = [];
      if (getComputedStyle(document.documentElement).scrollBehavior === "smooth") moving.push("html: scroll-behavior smooth");
      const seconds = (list) => Math.max(...list.split(",").map((s) => parseFloat(s) * (s.trim().endsWith("ms") ? 0.001 : 1)));
      for (const el of document.querySelectorAll("*")) {
        for (const pseudo of [null, "::before", "::after"]) {
          const cs = getComputedStyle(el, pseudo);
          const desc = el.tagName.toLowerCase() + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "") + (pseudo || "");
          if (seconds(cs.transitionDuration) > 0.01) moving.push(`${desc}: transition ${cs.transitionDuration}`);
          if (cs.animationName !== "none" && seconds(cs.animationDuration) > 0.01) moving.push(`${desc}: animation ${cs.animationName}`);
          if (cs.scrollBehavior === "smooth") moving.push(`${desc}: scroll-behavior smooth`);
        }
      }
      return moving;
    });
    if (report.motion.length) fail(`moves under prefers-reduced-motion: ${report.motion.join(", ")}`);
    await page.context().close();
  }

  // 5. Keyboard.
  const focused = (page) => page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const id = el.id ? "#" + el.id : "";
    const cls = el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "";
    return el.tagName.toLowerCase() + id + cls;
  });
  {
    const page = await newPage(1280);
    await open(page, spec.keyboard);
    await page.keyboard.press("Tab");
    const first = await focused(page);
    await page.keyboard.press("Enter");
    const afterSkip = await focused(page);
    report.keyboard.skip = { first, afterSkip };
    if (first !== "a.skip-link") fail(`the first Tab stop is ${first}, not the skip link`);
    if (afterSkip !== "main#main") fail(`the skip link moved focus to ${afterSkip}, not <main>`);
    await page.context().close();
  }
  {
    const page = await newPage(390);
    await open(page, spec.keyboard);
    const stops = [];
    let steps = 0;
    for (; steps < 10; steps++) {
      await page.keyboard.press("Tab");
      const f = await focused(page);
      stops.push(f);
      if (f && f.startsWith("button.menu-toggle")) break;
    }
    const menu = { stops, reached: steps < 10 };
    if (!menu.reached) fail(`Tab did not reach the menu toggle at 390 px: ${stops.join(", ")}`);
    const state = () => page.evaluate(() => ({
      expanded: document.querySelector(".menu-toggle").getAttribute("aria-expanded"),
      visible: (() => { const r = document.getElementById("sidebar").getBoundingClientRect(); return r.right > 0 && r.width > 0 && getComputedStyle(document.getElementById("sidebar")).visibility !== "hidden"; })(),
      focusInMenu: document.getElementById("sidebar").contains(document.activeElement),
    }));
    await page.keyboard.press("Enter");
    await page.waitForTimeout(400);
    menu.opened = await state();
    await page.keyboard.press("Escape");
    await page.waitForTimeout(400);
    menu.closed = await state();
    menu.focusAfterClose = await focused(page);
    if (!(menu.opened.expanded === "true" && menu.opened.visible && menu.opened.focusInMenu)) fail(`Enter did not open the menu: ${JSON.stringify(menu.opened)}`);
    if (!(menu.closed.expanded === "false" && !menu.closed.visible)) fail(`Escape did not close the menu: ${JSON.stringify(menu.closed)}`);
    if (!(menu.focusAfterClose || "").startsWith("button.menu-toggle")) fail(`focus after closing the menu: ${menu.focusAfterClose}`);
    report.keyboard.menu = menu;
    await page.context().close();
  }
  {
    // No focus trap: Tab from the top reaches the page's last focusable element and then
    // leaves the page (focus back on the body or the first stop again).
    const page = await newPage(1280);
    await open(page, spec.keyboard);
    const last = await page.evaluate(() => {
      const all = [...document.querySelectorAll("a[href], button, input, select, textarea, [tabindex]")]
        .filter((e) => e.tabIndex >= 0 && !e.disabled && e.getClientRects().length && getComputedStyle(e).visibility !== "hidden");
      const e = all[all.length - 1];
      e.setAttribute("data-last-stop", "");
      return all.length;
    });
    let steps = 0;
    let reachedLast = false;
    let left = false;
    for (; steps < last + 20; steps++) {
      await page.keyboard.press("Tab");
      const isLast = await page.evaluate(() => document.activeElement.hasAttribute("data-last-stop"));
      if (reachedLast) { left = !isLast; break; }
      reachedLast = isLast;
    }
    report.keyboard.walk = { focusable: last, steps, reachedLast, left };
    if (!reachedLast || !left) fail(`Tab walk: ${JSON.stringify(report.keyboard.walk)}`);
    await page.context().close();
  }
} catch (e) {
  fail(`script error: ${e.stack || e}`);
} finally {
  await browser.close();
  server.close();
}
if (report.scriptErrors.length) fail(`script errors: ${report.scriptErrors.join(", ")}`);
report.ms = Date.now() - started;
finish("a11y.mjs", report, failures);
