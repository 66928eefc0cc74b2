// A large book's navigation in branches (src/render/nav.rs), in headless Chromium, run by
// tests/navigation.rs:
//   node nav-branches.mjs <served folder> <spec.json>
// spec = { page: "<deep page>", closed: { entry: "<id>", children: N },
//          long: "<page in a long list>", longCount: N }
// Checks, from one sequence of events (never a time):
//  1. the page loads with its part of the tree and fetches no branch file: the current page
//     is marked (aria-current) and visible;
//  2. a closed branch opened with the keyboard (Enter on its toggle) fetches one branch file
//     and shows its N children; a branch below it that the same file lists opens without
//     another fetch; closing and opening again fetches nothing;
//  3. on a page in a long list, "Visa alla N sidor" (Enter) brings the whole list, keeps the
//     current page marked and moves the focus to the first page it brought;
//  4. a branch file that cannot be fetched says so in the sidebar (role=alert) with a link to
//     the table of contents, and opening again retries;
//  5. axe-core on the page with branches open; no Content-Security-Policy violation, no page
//     error.
// Prints one JSON line with the findings; exits 1 listing every failure.
import { AXE_TAGS, axeSource as readAxe, finish, launch, scriptArgs } from "./chromium.mjs";
import { watchCsp } from "./csp-watch.mjs";
import { startStaticServer } from "./static-server.mjs";

const { servedDir, spec } = scriptArgs("nav-branches.mjs");
const failures = [];
const fail = (m) => failures.push(m);
const report = {};

const server = await startStaticServer(servedDir);
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const csp = await watchCsp(context);
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  const branchFetches = [];
  let refuse = false;
  await page.route("**/js/nav/**", (route) => {
    branchFetches.push(new URL(route.request().url()).pathname);
    return refuse ? route.fulfill({ status: 503, body: "" }) : route.continue();
  });

  // 1. The page with its part of the tree.
  await page.goto(server.url + spec.page, { waitUntil: "load" });
  const current = await page.evaluate(() => {
    const a = document.querySelector('#sidebar a[aria-current="page"]');
    if (!a) return null;
    const nav = document.getElementById("sidebar").getBoundingClientRect();
    const box = a.getBoundingClientRect();
    return { href: a.getAttribute("href"), visible: box.top >= nav.top && box.bottom <= nav.bottom && box.height > 0 };
  });
  if (!current) fail("no sidebar link marks the current page");
  else if (!current.visible) fail(`the current page's link is not in view: ${JSON.stringify(current)}`);
  if (branchFetches.length) fail(`the page fetched branch files on load: ${branchFetches}`);

  // 2. A closed branch, opened with the keyboard.
  const toggle = `#sidebar .toc-toggle[data-entry="${spec.closed.entry}"]`;
  if (await page.getAttribute(toggle, "aria-expanded") !== "false") fail(`${toggle} is not a closed branch`);
  await page.focus(toggle);
  await page.keyboard.press("Enter");
  await page.waitForSelector(`${toggle}[aria-expanded="true"]`, { timeout: 10000 });
  const opened = await page.evaluate((sel) => {
    const list = document.getElementById(document.querySelector(sel).getAttribute("aria-controls"));
    return { hidden: list.hidden, links: list.querySelectorAll(":scope > li > .toc-row > a").length };
  }, toggle);
  report.opened = opened;
  if (opened.hidden || opened.links !== spec.closed.children) {
    fail(`the opened branch shows ${JSON.stringify(opened)}, expected ${spec.closed.children} links`);
  }
  if (branchFetches.length !== 1) fail(`opening a branch fetched ${branchFetches.length} files`);
  const nested = await page.$(`#${await page.getAttribute(toggle, "aria-controls")} .toc-toggle`);
  if (nested) {
    const sameFile = (await nested.getAttribute("data-branch")) === (await page.getAttribute(toggle, "data-branch"));
    await nested.focus();
    await page.keyboard.press("Enter");
    await page.waitForFunction((el) => el.getAttribute("aria-expanded") === "true", nested, { timeout: 10000 });
    report.nestedSameFile = sameFile;
    if (sameFile && branchFetches.length !== 1) fail(`a branch its file already lists was fetched again (${branchFetches.length})`);
  } else {
    fail("the opened branch has no branch below it");
  }
  await page.focus(toggle);
  await page.keyboard.press("Enter");
  await page.waitForSelector(`${toggle}[aria-expanded="false"]`);
  const before = branchFetches.length;
  await page.keyboard.press("Enter");
  await page.waitForSelector(`${toggle}[aria-expanded="true"]`);
  if (branchFetches.length !== before) fail("opening a loaded branch again fetched it again");

  // 5. axe with branches open.
  await page.evaluate(readAxe());
  const axe = await page.evaluate((tags) => axe.run(document, { runOnly: { type: "tag", values: tags } })
    .then((r) => r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)), AXE_TAGS);
  report.axe = axe;
  for (const v of axe) fail(`axe: ${v}`);

  // 3. A long list's "Visa alla".
  await page.goto(server.url + spec.long, { waitUntil: "load" });
  const all = "#sidebar .toc-all";
  const label = await page.textContent(all).catch(() => null);
  if (label !== `Visa alla ${spec.longCount} sidor`) fail(`the long list's button says ${JSON.stringify(label)}`);
  await page.focus(all);
  await page.keyboard.press("Enter");
  await page.waitForSelector(all, { state: "detached", timeout: 10000 });
  const whole = await page.evaluate(() => {
    const cur = document.querySelector('#sidebar a[aria-current="page"]');
    const list = cur && cur.closest("ol");
    return {
      links: list ? list.querySelectorAll(":scope > li > .toc-row > a").length : 0,
      focused: document.activeElement && document.activeElement.closest("ol") === list && document.activeElement.tagName === "A",
      current: !!cur,
    };
  });
  report.whole = whole;
  if (whole.links !== spec.longCount || !whole.focused || !whole.current) {
    fail(`after "Visa alla": ${JSON.stringify(whole)}, expected ${spec.longCount} links, the focus on one, the current page marked`);
  }

  // 4. A branch file that cannot be fetched.
  refuse = true;
  await page.goto(server.url + spec.page, { waitUntil: "load" });
  await page.focus(toggle);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#sidebar .toc-error[role=alert] a[href$='toc.html']", { timeout: 10000 });
  if (await page.getAttribute(toggle, "aria-expanded") !== "false") fail("a branch that could not be fetched shows as open");
  refuse = false;
  await page.keyboard.press("Enter");
  await page.waitForSelector(`${toggle}[aria-expanded="true"]`, { timeout: 10000 });

  await csp.settle();
  for (const v of csp.violations) fail(`CSP: ${v.page}: ${v.text}`);
  for (const e of errors) fail(e);
} catch (e) {
  fail(`error: ${e.stack || e}`);
} finally {
  await browser.close();
  await server.close();
}
finish("nav-branches.mjs", report, failures);
