// A hit found through the other form of a glossary abbreviation says so in the search box,
// in its text (so its accessible name carries it), run by tests/search.rs:
//   node search-via.mjs <site folder> <spec.json>
// spec = { page: "<page>.html", q: "hem för vård och boende", url: "<hit url>", via: "HVB" }
// Checks: the hit spec.url is an option whose name contains "träff via <spec.via>", and the
// first hit (a direct match) says nothing of the kind; and from a server without Range
// support (whole archives) the search shows as many hits. Prints one JSON line.
import { finish, launch } from "./chromium.mjs";
import { readFileSync } from "node:fs";
import { startStaticServer } from "./static-server.mjs";

const [servedDir, specFile] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(specFile, "utf8"));
const failures = [];
const server = await startStaticServer(servedDir);
const browser = await launch();
const report = {};
// Types spec.q into the search field of spec.page on a server; resolves once the whole
// answer is shown.
async function ask(p, base) {
  await p.goto(`${base}${spec.page}`);
  await p.focus("#search-input");
  await p.fill("#search-input", spec.q);
  await p.waitForFunction(() => {
    const b = document.getElementById("search-results");
    return !b.hidden && !b.hasAttribute("aria-busy") && b.querySelector("a.search-hit");
  }, null, { timeout: 15000 });
}
try {
  const p = await browser.newPage();
  await ask(p, server.url);
  const hits = await p.$$eval("#search-results a.search-hit", (as) =>
    as.map((a) => ({
      // Without the query the hit carries for the marks on arrival (`?markera=…`).
      href: decodeURIComponent(a.getAttribute("href")).replace(/\?[^#]*/, ""),
      text: a.textContent,
    })));
  report.hits = hits.length;
  const hit = hits.find((h) => h.href.endsWith(spec.url));
  report.text = hit ? hit.text : null;
  if (!hit) failures.push(`no hit ${spec.url} among ${JSON.stringify(hits.map((h) => h.href))}`);
  const label = `träff via ${spec.via}`;
  if (hit && !hit.text.includes(label)) failures.push(`hit ${spec.url} does not say "${label}": ${hit.text}`);
  if (hits[0] && hits[0].text.includes("träff via")) failures.push(`the first hit is not direct: ${hits[0].text}`);
  const named = p.getByRole("option", { name: new RegExp(label) });
  report.named = await named.count();
  if (report.named !== 1) failures.push(`options named "${label}": ${report.named}`);
  // A server that ignores Range requests sends whole archives: the search cuts the parts
  // out of them and shows the same hits.
  const plain = await startStaticServer(servedDir, null, { ranges: false });
  try {
    const q = await browser.newPage();
    const whole = [];
    q.on("response", (r) => { if (r.url().includes("/search-index/") && r.status() === 200) whole.push(r.url()); });
    await ask(q, plain.url);
    const again = await q.$$eval("#search-results a.search-hit", (as) => as.length);
    report.withoutRanges = { hits: again, archivesWhole: whole.filter((u) => /\/[tf]\d+-/.test(u)).length };
    if (again !== hits.length) failures.push(`without Range support: ${again} hits, with it ${hits.length}`);
    if (!report.withoutRanges.archivesWhole) failures.push("without Range support: no archive was sent whole");
  } finally {
    await plain.close();
  }
} catch (e) {
  failures.push(String(e));
} finally {
  await browser.close();
  await server.close();
}
finish("search-via.mjs", report, failures);
