// How a diff page's insertions and deletions reach a reader, run by tests/history.rs:
//   node diff-marks.mjs <served folder> <spec.json>
// spec = { site: "site/", page: "andringar/x/0123456789ab.html" }
// Reports, for the diff text (.diff-text): its accessibility tree as Chromium exposes it
// (Playwright's ARIA snapshot: what a screen reader reads), and the computed text
// decoration of each <ins> and <del> in light and dark (marked by more than colour).
import { readFileSync } from "node:fs";
import { finish, launch } from "./chromium.mjs";
import { startStaticServer } from "./static-server.mjs";

const [servedDir, specFile] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(specFile, "utf8"));
const server = await startStaticServer(servedDir);
const browser = await launch();
const failures = [];
const report = { tree: null, decorations: {} };
try {
  for (const colorScheme of ["light", "dark"]) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme });
    const page = await context.newPage();
    await page.goto(server.url + spec.site + spec.page);
    if (colorScheme === "light") report.tree = await page.locator(".diff-text").ariaSnapshot();
    report.decorations[colorScheme] = await page.$$eval(".diff-text ins, .diff-text del", (marks) =>
      marks.map((m) => ({ tag: m.tagName.toLowerCase(), line: getComputedStyle(m).textDecorationLine })));
    await context.close();
  }
} catch (e) {
  failures.push(String(e && e.stack || e));
} finally {
  await browser.close();
  await server.close();
}
finish("diff-marks", report, failures);
