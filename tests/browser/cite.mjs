// Citations and the printed page in headless Chromium, run by tests/cite.rs:
//   node cite.mjs <served folder> <spec.json>
// spec = {
//   page: "site/a/b.html",        // the page, under the served folder
//   anchor: "sip",                // the section whose button is pressed
//   buttonName: "…",              // that button's accessible name
//   section: "…",                 // the citation that button must copy
//   document: "…",                // the citation the document's button must copy
//   printUrl: "…",                // the address the print block must show
//   docId: "104623", version: "5.0", buildDate: "2026-11-23",
// }
// `{origin}` in the expected texts stands for the test server ("http://127.0.0.1:PORT").
// Checks:
//  1. clipboard (permissions granted, served over http://127.0.0.1): the section's and the
//     document's buttons copy the exact citations, the page opened with another #hash; the
//     polite live region says "Hänvisningen är kopierad"; nothing on the page moves when a
//     button is hovered, focused or pressed;
//  2. keyboard: the section's button gets focus with Tab, shows itself, and Enter and Space
//     copy;
//  3. fallback, without a clipboard and with one that refuses: the citation is shown
//     selected in a labelled field that has the focus; Escape closes it and gives the focus
//     back to the button;
//  4. print media: the print block shows the document id, version, the print date (set at
//     `beforeprint`) and the address; header, navigation, search and buttons are hidden;
//     without script the block shows the build date, labelled as such.
// Prints one JSON line with the findings; exits 1 listing every failure.
import { readFileSync } from "node:fs";
import { finish, launch } from "./chromium.mjs";
import { startStaticServer } from "./static-server.mjs";

const [servedDir, specFile] = process.argv.slice(2);
if (!servedDir || !specFile) {
  console.error("usage: node cite.mjs <served folder> <spec.json>");
  process.exit(2);
}
const spec = JSON.parse(readFileSync(specFile, "utf8"));
const failures = [];
const fail = (m) => failures.push(m);
const expectEqual = (what, got, want) => {
  if (got !== want) fail(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
};

const server = await startStaticServer(servedDir);
const origin = server.url.replace(/\/$/, "");
const expected = (s) => s.replaceAll("{origin}", origin);
const pageUrl = server.url + spec.page;
const sectionButton = `[id="${spec.anchor}"] + .cite-button`;
const documentButton = ".cite-button.cite-document";
const browser = await launch();
const report = { copied: {}, keyboard: {}, fallback: {}, print: {}, scriptErrors: [] };

async function newPage(contextOptions = {}, init) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions });
  if (init) await context.addInitScript({ content: init });
  const page = await context.newPage();
  page.on("pageerror", (e) => report.scriptErrors.push(String(e)));
  return { context, page };
}
const readClipboard = (page) => page.evaluate(() => navigator.clipboard.readText());
const clearClipboard = (page) => page.evaluate(() => navigator.clipboard.writeText(""));
// The positions of the text's blocks (in the document, not the viewport) and the buttons'
// sizes, to see that nothing moves. (The rail is sticky: it moves with the scroll.)
const layout = (page) => page.evaluate(() =>
  Array.from(document.querySelectorAll(".doc-content > *, .cite-button"))
    .map((el) => { const r = el.getBoundingClientRect(); return [r.x + scrollX, r.y + scrollY, r.width, r.height].map(Math.round).join(","); })
    .join(";"));

try {
  // 1. The clipboard.
  {
    const { context, page } = await newPage();
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
    await page.goto(pageUrl + "#verksamheter");
    // The accessible names, as Chromium computes them.
    report.copied.named = await page.getByRole("button", { name: spec.buttonName, exact: true }).count();
    expectEqual("buttons named " + spec.buttonName, report.copied.named, 1);
    const before = await layout(page);
    await page.hover(sectionButton);
    await page.click(sectionButton);
    await page.waitForFunction(() => document.querySelector(".cite-status")?.textContent === "Hänvisningen är kopierad");
    report.copied.section = await readClipboard(page);
    expectEqual("section citation", report.copied.section, expected(spec.section));
    report.copied.status = await page.textContent(".cite-status");
    report.copied.live = await page.getAttribute(".cite-status", "aria-live");
    expectEqual("live region", report.copied.live, "polite");
    const after = await layout(page);
    if (before !== after) fail("the page moved when the section's button was hovered and pressed");
    report.copied.labelShown = await page.$eval(sectionButton, (b) => b.classList.contains("copied"));
    await clearClipboard(page);
    await page.click(documentButton);
    await page.waitForFunction(async () => (await navigator.clipboard.readText()) !== "");
    report.copied.document = await readClipboard(page);
    report.copied.documentNamed = await page.getByRole("button", { name: "Kopiera hänvisning till dokumentet", exact: true }).count();
    expectEqual("the document's button's name once copied", report.copied.documentNamed, 1);
    expectEqual("document citation", report.copied.document, expected(spec.document));
    if ((await layout(page)) !== before) fail("the page moved when the document's button was pressed");
    report.copied.canonical = await page.$eval("link[rel=canonical]", (l) => l.href).catch(() => null);
    await context.close();
  }

  // 2. The keyboard.
  {
    const { context, page } = await newPage();
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
    await page.goto(pageUrl);
    // Tab from the heading before the section's button: the next stop is the button.
    await page.evaluate((sel) => {
      const row = document.querySelector(sel).closest(".section-heading");
      const h = row.querySelector("h2, h3");
      h.tabIndex = -1;
      h.focus();
    }, sectionButton);
    await page.keyboard.press("Tab");
    report.keyboard.focused = await page.evaluate((sel) => document.activeElement === document.querySelector(sel), sectionButton);
    if (!report.keyboard.focused) fail("Tab from the heading does not reach its button");
    report.keyboard.shown = await page.waitForFunction((sel) => getComputedStyle(document.querySelector(sel)).opacity === "1", sectionButton, { timeout: 2000 })
      .then(() => true, () => false);
    if (!report.keyboard.shown) fail("the focused button is not shown");
    for (const key of ["Enter", "Space"]) {
      await clearClipboard(page);
      await page.keyboard.press(key);
      await page.waitForFunction(async () => (await navigator.clipboard.readText()) !== "");
      report.keyboard[key] = await readClipboard(page);
      expectEqual(`${key} copies`, report.keyboard[key], expected(spec.section));
    }
    await context.close();
  }

  // 3. The fallback: no clipboard, and a clipboard that refuses.
  const variants = {
    missing: "Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined });",
    refused: "Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => ({ writeText: () => Promise.reject(new DOMException('denied', 'NotAllowedError')) }) });",
  };
  for (const [name, init] of Object.entries(variants)) {
    const { context, page } = await newPage({}, init);
    await page.goto(pageUrl + "#verksamheter");
    await page.click(sectionButton);
    await page.waitForSelector(".cite-fallback textarea");
    const field = await page.evaluate(() => {
      const f = document.querySelector(".cite-fallback textarea");
      return {
        value: f.value,
        focused: document.activeElement === f,
        selected: f.selectionStart === 0 && f.selectionEnd === f.value.length,
        label: f.labels.length ? f.labels[0].textContent : "",
        afterHeading: f.closest(".cite-fallback").previousElementSibling?.className || "",
      };
    });
    report.fallback[name] = field;
    expectEqual(`fallback (${name}) text`, field.value, expected(spec.section));
    if (!field.focused || !field.selected) fail(`fallback (${name}): the field is not focused with its text selected`);
    if (!field.label.includes("Ctrl+C")) fail(`fallback (${name}): the field's label does not say how to copy`);
    await page.keyboard.press("Escape");
    const closed = await page.evaluate((sel) => !document.querySelector(".cite-fallback") && document.activeElement === document.querySelector(sel), sectionButton);
    if (!closed) fail(`fallback (${name}): Escape did not close the field and give the focus back`);
    await context.close();
  }

  // 4. Print.
  {
    const { context, page } = await newPage();
    await page.goto(pageUrl + "#verksamheter");
    await page.emulateMedia({ media: "print" });
    await page.evaluate(() => window.dispatchEvent(new Event("beforeprint")));
    const now = new Date();
    const pad = (n) => String(n).padStart(2, "0");
    const today = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
    const shown = (sel) => page.evaluate((s) => Array.from(document.querySelectorAll(s)).some((el) => {
      const r = el.getBoundingClientRect();
      return getComputedStyle(el).display !== "none" && r.width > 0 && r.height > 0;
    }), sel);
    report.print.text = (await page.textContent(".print-info")).replace(/\s+/g, " ").trim();
    report.print.url = await page.textContent(".print-url");
    report.print.visible = await shown(".print-info");
    if (!report.print.visible) fail("print: the print block is not shown");
    for (const part of [`Dokument-ID ${spec.docId}`, `Version ${spec.version}`, `Utskriven ${today}`, `Aktuell version: ${expected(spec.printUrl)}`]) {
      if (!report.print.text.includes(part)) fail(`print: ${JSON.stringify(part)} missing from ${JSON.stringify(report.print.text)}`);
    }
    expectEqual("print: address", report.print.url, expected(spec.printUrl));
    report.print.hidden = {};
    for (const sel of [".site-header", "#sidebar", ".site-search", ".breadcrumbs", ".page-toc", ".pager", ".cite-button", "button"]) {
      report.print.hidden[sel] = !(await shown(sel));
      if (!report.print.hidden[sel]) fail(`print: ${sel} is shown`);
    }
    await page.emulateMedia({ media: "screen" });
    report.print.screenHidden = !(await shown(".print-info"));
    if (!report.print.screenHidden) fail("screen: the print block is shown");
    await context.close();
  }
  {
    const { context, page } = await newPage({ javaScriptEnabled: false });
    await page.goto(pageUrl);
    await page.emulateMedia({ media: "print" });
    report.print.withoutScript = (await page.textContent(".print-date")).replace(/\s+/g, " ").trim();
    expectEqual("print without script: date", report.print.withoutScript, `Webbplatsen byggd ${spec.buildDate}`);
    await context.close();
  }
} catch (e) {
  fail(`error: ${e && e.stack || e}`);
} finally {
  await browser.close();
  await server.close();
}
if (report.scriptErrors.length) fail(`script errors: ${report.scriptErrors.join("; ")}`);
finish("cite.mjs", report, failures);
