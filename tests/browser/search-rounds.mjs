// Round trips and prefetch of the search on a network with latency, run by tests/search.rs:
//   node search-rounds.mjs <served folder> <spec.json>
// spec = { page: "<site>/<page>.html", q: first query, next: a second query,
//          latency: ms (default 100), maxRounds: n (default 3) }
// Opens the page in a fresh Chromium whose network (the page's workers included) has
// `latency` ms per request (slow-network.mjs; no bandwidth limit: only the number of
// sequential round trips matters here, not a time), types q as the field is focused, and
// counts, from the request log, the sequential round trips of the search's files between
// the input and the first results on screen (a request that starts after an earlier one's
// response has ended waits on it). Checks:
//  1. the first results come after at most `maxRounds` round trips;
//  2. after that one query the bundle is not fetched (a visitor who searches once does not
//     pay for it), also not a second later;
//  3. a second query shows that the visitor is searching: the bundle is fetched then.
// Prints one JSON line with the findings; exits 1 listing every failure.
import { readFileSync } from "node:fs";
import { finish } from "./chromium.mjs";
import { openThrottled, rounds } from "./slow-network.mjs";
import { startStaticServer } from "./static-server.mjs";

const [servedDir, specFile] = process.argv.slice(2);
if (!servedDir || !specFile) {
  console.error("usage: node search-rounds.mjs <served folder> <spec.json>");
  process.exit(2);
}
const spec = JSON.parse(readFileSync(specFile, "utf8"));
const failures = [];
const fail = (m) => failures.push(m);
const report = {};
const SEARCH = /\/(search|search-index)\//;
const BUNDLE = /\/search-index\/bundle-/;

// In the page: sets the field to q (focused first, as a visitor does) and resolves, once
// the answer is shown, to [input time, time of the first hit on screen] (ms since the
// epoch, the clock of the request log).
const ask = (q, whole) => `new Promise((ok, fail) => {
  const input = document.getElementById("search-input");
  const box = document.getElementById("search-results");
  const now = () => performance.timeOrigin + performance.now();
  const done = () => box.querySelector(".search-hit") && (!${whole} || !box.hasAttribute("aria-busy"));
  const t0 = now();
  const obs = new MutationObserver(() => {
    if (done()) { obs.disconnect(); ok([t0, now()]); }
    else if (box.querySelector(".search-status")) { obs.disconnect(); fail(new Error(box.textContent)); }
  });
  obs.observe(box, { childList: true, subtree: true, attributes: true });
  input.focus();
  input.value = ${JSON.stringify(q)};
  input.dispatchEvent(new Event("input", { bubbles: true }));
  setTimeout(() => fail(new Error("no answer in 20 s")), 20000);
})`;

const server = await startStaticServer(servedDir);
const run = await openThrottled(server.url + spec.page, { latency: spec.latency ?? 100 });
try {
  const [t0, shown] = await run.evaluate(ask(spec.q, false));
  await run.idle(1000, 10000);
  const log = run.requests().filter((x) => SEARCH.test(new URL(x.url).pathname));
  const first = log.filter((x) => x.start >= t0 - 1 && x.end !== null && x.end <= shown);
  const r = rounds(first);
  report.first = {
    q: spec.q,
    rounds: r.count,
    requests: first.map((x, i) => [new URL(x.url).pathname.replace(/.*\/(search|search-index)\//, "$1/"), r.round[i]]),
  };
  if (r.count > (spec.maxRounds ?? 3)) {
    fail(`"${spec.q}": first results after ${r.count} round trips (at most ${spec.maxRounds ?? 3}): ${JSON.stringify(report.first.requests)}`);
  }
  if (!first.some((x) => /\/search-index\/f\d+-/.test(x.url))) fail("no fragment file before the first results");
  report.bundleAfterOneQuery = log.filter((x) => BUNDLE.test(x.url)).length;
  if (report.bundleAfterOneQuery) fail("the bundle was fetched after a single query");

  await run.evaluate(ask(spec.next, true));
  await run.idle(1000, 10000);
  report.bundleAfterTwoQueries = run.requests().filter((x) => BUNDLE.test(x.url)).length;
  if (report.bundleAfterTwoQueries !== 1) fail(`after a second query the bundle was fetched ${report.bundleAfterTwoQueries} times (once expected)`);
} catch (e) {
  fail(String(e && e.stack || e));
} finally {
  await run.close();
  await server.close();
}
finish("search-rounds.mjs", report, failures);
