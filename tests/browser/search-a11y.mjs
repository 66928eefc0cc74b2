// Accessibility of the open search in headless Chromium, run by tests/search.rs:
//   node search-a11y.mjs <served folder> <spec.json>
// spec = { page: "sub/site/<page>.html", q: "<query with hits>", none: "<query without>" }
// Checks, in this order:
//  1. `/` focuses the field; the query typed key by key is announced once: the live region
//     (role=status, polite, outside the results, the same element throughout, no filter
//     select in it) changes once after the last key, to "N träffar i M dokument", and never
//     between two keys typed in quick succession (one sequence of page events);
//  2. the accessibility tree (Chromium's, over CDP): the field is a combobox, expanded,
//     whose active descendant follows ArrowDown/ArrowUp and is the option whose name says
//     the section, the page and its kind; every option has a name; the count is in a
//     polite live region;
//  3. the active hit's outline has ≥ 3:1 contrast against the box, light and dark;
//  4. axe-core (wcag2a, wcag2aa, wcag21a, wcag21aa, wcag22aa, best-practice) on the search
//     (field, results, live region) open on results (light and dark by the toggle's
//     attribute, dark by the system setting, 390 and 320 px wide), with a filter set, and with no
//     hits ("Inga träffar" announced): no violations;
//  5. Enter opens the active hit; Tab away from the search closes the results; Esc closes;
//  6. the shortcuts can be turned off by keyboard (checkbox "Kortkommandon (s, /)"),
//     remembered over a reload: then `/` and `s` neither move the focus nor type; on again,
//     `/` works; and they are off while a field has the focus.
// Prints one JSON line with the findings; exits 1 listing every failure.
import { AXE_TAGS, axeSource as readAxe, finish, launch, scriptArgs } from "./chromium.mjs";
import { startStaticServer } from "./static-server.mjs";

const { servedDir, spec } = scriptArgs("search-a11y.mjs");
const TAGS = AXE_TAGS;
const axeSource = readAxe();
/* Two keys closer than this are "quick succession": no announcement may fall between them. */
const QUICK_MS = 300;
const failures = [];
const fail = (m) => failures.push(m);

const server = await startStaticServer(servedDir);
const browser = await launch();
const report = { axe: [] };
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  const pageUrl = server.url + spec.page;
  await page.goto(pageUrl, { waitUntil: "load" });
  const cdp = await context.newCDPSession(page);
  await cdp.send("Accessibility.enable");

  const inSearch = () => page.evaluate(() => !!document.activeElement?.closest(".site-search"));
  const focusedId = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);
  const expanded = () => page.evaluate(() => ({
    hidden: document.getElementById("search-results").hidden,
    expanded: document.getElementById("search-input").getAttribute("aria-expanded"),
  }));
  // The whole answer for the field's text: no longer busy, and announced.
  const settled = (want) => page.waitForFunction((w) => {
    const b = document.getElementById("search-results");
    const live = document.getElementById("search-status");
    return !b.hidden && !b.hasAttribute("aria-busy") && live && new RegExp(w).test(live.textContent);
  }, want, { timeout: 15000 });
  const COUNT = "^\\d+ träff(ar)? i \\d+ dokument";
  async function search(q, want = COUNT) {
    await page.fill("#search-input", "");
    await page.waitForFunction(() => document.getElementById("search-results").hidden, null, { timeout: 5000 });
    await page.fill("#search-input", q);
    await settled(want);
  }

  // 1. `/`, then the query key by key; the page records inputs and live-region changes.
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await page.keyboard.press("/");
  if ((await focusedId()) !== "search-input") fail("`/` did not focus the search field");
  await page.evaluate(() => {
    const live = document.getElementById("search-status");
    window.__live = live;
    window.__events = [];
    document.getElementById("search-input").addEventListener("input", () =>
      window.__events.push({ kind: "input", t: performance.now() }));
    if (live) {
      new MutationObserver(() => window.__events.push({ kind: "live", t: performance.now(), text: live.textContent }))
        .observe(live, { childList: true, characterData: true, subtree: true });
    }
  });
  await page.keyboard.type(spec.q);
  await settled(COUNT);
  const seq = await page.evaluate(() => {
    const live = document.getElementById("search-status");
    return {
      events: window.__events,
      same: live === window.__live,
      role: live?.getAttribute("role"),
      polite: live?.getAttribute("aria-live"),
      insideResults: !!live?.closest("#search-results"),
      selects: live ? live.querySelectorAll("select").length : -1,
      text: live?.textContent,
    };
  });
  const inputs = seq.events.filter((e) => e.kind === "input");
  const lastInput = seq.events.map((e) => e.kind).lastIndexOf("input");
  const after = seq.events.slice(lastInput + 1).filter((e) => e.kind === "live");
  const between = seq.events.filter((e, i) => e.kind === "live" && i < lastInput && (() => {
    const prev = seq.events.slice(0, i).filter((x) => x.kind === "input").pop();
    const next = seq.events.slice(i + 1).find((x) => x.kind === "input");
    return prev && next && next.t - prev.t < QUICK_MS;
  })());
  report.announce = { inputs: inputs.length, afterLastKey: after.map((e) => e.text), betweenKeys: between.length,
    text: seq.text, same: seq.same, role: seq.role, polite: seq.polite };
  if (inputs.length !== [...spec.q].length) fail(`typed ${[...spec.q].length} keys, the field saw ${inputs.length} edits`);
  if (after.length !== 1) fail(`after the last key the live region changed ${after.length} times: ${JSON.stringify(after)}`);
  if (between.length) fail(`the live region changed ${between.length} times between quick keys`);
  if (!new RegExp(COUNT).test(seq.text || "")) fail(`the live region says ${JSON.stringify(seq.text)}`);
  if (!seq.same) fail("the live region was replaced while typing");
  if (seq.role !== "status" || seq.polite !== "polite") fail(`live region role=${seq.role} aria-live=${seq.polite}`);
  if (seq.insideResults || seq.selects) fail("the live region is inside the results or holds the filters");
  const shown = await page.evaluate(() => document.querySelector("#search-results .search-count")?.textContent);
  if (shown !== seq.text) fail(`the visible count ${JSON.stringify(shown)} differs from the announced ${JSON.stringify(seq.text)}`);

  // 2. The accessibility tree after ArrowDown, ArrowDown, ArrowUp, ArrowDown.
  async function tree() {
    const { nodes } = await cdp.send("Accessibility.getFullAXTree");
    const prop = (n, name) => n.properties?.find((p) => p.name === name)?.value;
    const byBackend = new Map(nodes.filter((n) => n.backendDOMNodeId).map((n) => [n.backendDOMNodeId, n]));
    const byId = new Map(nodes.map((n) => [n.nodeId, n]));
    const text = (n) => (n.role?.value === "StaticText" ? n.name?.value || "" : "") +
      (n.childIds || []).map((c) => (byId.get(c) ? text(byId.get(c)) : "")).join("");
    // The field (the filter selects are comboboxes too).
    const combo = nodes.filter((n) => n.role?.value === "combobox" && n.name?.value === "Sök i kunskapsbanken");
    const c = combo[0];
    const ad = c && prop(c, "activedescendant");
    const activeNode = ad?.relatedNodes?.[0] && byBackend.get(ad.relatedNodes[0].backendDOMNodeId);
    const within = (n, role) => [n.role?.value === role && !n.ignored ? [n] : [],
      ...(n.childIds || []).map((c) => (byId.get(c) ? within(byId.get(c), role) : []))].flat();
    const listbox = nodes.find((n) => n.role?.value === "listbox" && !n.ignored);
    const options = listbox ? within(listbox, "option") : [];
    const status = nodes.filter((n) => n.role?.value === "status" && !n.ignored);
    return {
      comboboxes: combo.length,
      groups: listbox ? within(listbox, "group").map((g) => g.name?.value || "") : [],
      name: c?.name?.value,
      expanded: c ? prop(c, "expanded")?.value : undefined,
      active: activeNode ? { role: activeNode.role?.value, name: activeNode.name?.value } : null,
      options: options.map((o) => o.name?.value || ""),
      listboxes: nodes.filter((n) => n.role?.value === "listbox" && !n.ignored).map((n) => n.name?.value),
      status: status.map((s) => ({ live: prop(s, "live")?.value, text: text(s) })),
    };
  }
  for (const k of ["ArrowDown", "ArrowDown", "ArrowUp", "ArrowDown"]) await page.keyboard.press(k);
  const visible = await page.evaluate(() => {
    const a = document.querySelectorAll("#search-results a.search-hit")[1];
    const g = a?.closest(".search-group");
    return a && {
      section: a.querySelector(".search-hit-title").textContent,
      page: g.querySelector(".search-group-title").textContent,
      kind: g.querySelector(".search-group-head .badge")?.textContent || "",
      href: a.href,
    };
  });
  const ax = await tree();
  report.tree = { ...ax, options: ax.options.slice(0, 4), optionCount: ax.options.length, groups: ax.groups.length,
    expectedActive: visible };
  if (ax.comboboxes !== 1) fail(`${ax.comboboxes} comboboxes in the tree`);
  if (ax.name !== "Sök i kunskapsbanken") fail(`the combobox is named ${JSON.stringify(ax.name)}`);
  if (ax.expanded !== true) fail(`the combobox is not expanded (${ax.expanded})`);
  if (JSON.stringify(ax.listboxes) !== JSON.stringify(["Sökresultat"])) fail(`listboxes ${JSON.stringify(ax.listboxes)}`);
  if (!visible) fail("fewer than two hits");
  else if (!ax.active || ax.active.role !== "option") fail(`active descendant ${JSON.stringify(ax.active)}`);
  else {
    for (const part of [visible.section, visible.page, visible.kind]) {
      if (!ax.active.name.includes(part)) fail(`the active option's name ${JSON.stringify(ax.active.name)} lacks ${JSON.stringify(part)}`);
    }
  }
  if (ax.options.length < 2 || ax.options.some((n) => !n.trim())) fail(`option names ${JSON.stringify(ax.options)}`);
  if (!ax.groups.length || ax.groups.some((n) => !n.trim())) fail(`group names ${JSON.stringify(ax.groups)}`);
  if (!ax.status.some((s) => s.live === "polite" && new RegExp(COUNT).test(s.text))) {
    fail(`no polite status with the count in the tree: ${JSON.stringify(ax.status)}`);
  }
  if ((await focusedId()) !== "search-input") fail("the arrow keys moved the focus out of the field");

  // 3 and 4. The active hit's outline and axe, light and dark (the attribute the toggle sets).
  const runAxe = async (what) => {
    await page.evaluate(axeSource);
    const r = await page.evaluate((tags) => window.axe.run({ include: [[".site-search"]] },
      { runOnly: { type: "tag", values: tags } }), TAGS);
    const v = r.violations.map((x) => ({ id: x.id, nodes: x.nodes.length, target: x.nodes[0]?.target, summary: x.nodes[0]?.failureSummary }));
    report.axe.push({ what, passes: r.passes.length, violations: v.length });
    if (v.length) fail(`axe, ${what}: ${JSON.stringify(v)}`);
  };
  const outlineContrast = () => page.evaluate(() => {
    const lum = (c) => {
      const m = c.match(/[\d.]+/g).map(Number);
      const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(m[0]) + 0.7152 * f(m[1]) + 0.0722 * f(m[2]);
    };
    const a = document.querySelector("#search-results .is-active");
    const s = getComputedStyle(a);
    const box = getComputedStyle(document.getElementById("search-results")).backgroundColor;
    const fg = s.outlineStyle === "none" ? s.backgroundColor : s.outlineColor;
    const [l1, l2] = [lum(fg), lum(box)].sort((x, y) => y - x);
    return { ratio: Math.round(((l1 + 0.05) / (l2 + 0.05)) * 100) / 100, width: s.outlineWidth, style: s.outlineStyle };
  });
  report.outline = {};
  for (const theme of ["light", "dark"]) {
    await page.evaluate((t) => document.documentElement.setAttribute("data-theme", t), theme);
    const o = await outlineContrast();
    report.outline[theme] = o;
    if (!(o.ratio >= 3) || o.style === "none" || parseFloat(o.width) < 2) fail(`active hit, ${theme}: ${JSON.stringify(o)}`);
    await runAxe(`results, ${theme}`);
  }
  await page.evaluate(() => document.documentElement.setAttribute("data-theme", "light"));
  // Dark by the system setting (no toggle), and a phone's width.
  await page.evaluate(() => document.documentElement.removeAttribute("data-theme"));
  await page.emulateMedia({ colorScheme: "dark" });
  report.outline.systemDark = await outlineContrast();
  if (!(report.outline.systemDark.ratio >= 3)) fail(`active hit, system dark: ${JSON.stringify(report.outline.systemDark)}`);
  await runAxe("results, system dark");
  await page.emulateMedia({ colorScheme: "light" });
  await page.evaluate(() => document.documentElement.setAttribute("data-theme", "light"));
  for (const width of [390, 320]) {
    await page.setViewportSize({ width, height: 800 });
    await runAxe(`results, ${width} px`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });

  // With a filter set (the first kind), then no hits.
  const kind = await page.evaluate(() => document.querySelector("#search-results .search-filters select")?.options[1]?.value);
  if (!kind) fail("no kind filter");
  else {
    await page.evaluate(() => { document.getElementById("search-status").textContent = ""; });
    await page.selectOption("#search-results .search-filters select", kind);
    await settled(COUNT);
    report.filtered = await page.evaluate(() => document.getElementById("search-status").textContent);
    await runAxe("results, filter set");
    await page.selectOption("#search-results .search-filters select", "");
  }
  await search(spec.none, "^Inga träffar$");
  await runAxe("no hits");
  report.none = await expanded();
  if (report.none.expanded !== "false") fail(`no hits: aria-expanded=${report.none.expanded}`);

  // 5. Esc closes; Tab away closes; Enter opens the active hit.
  await search(spec.q);
  await page.keyboard.press("Escape");
  report.escape = await expanded();
  if (!report.escape.hidden || report.escape.expanded !== "false") fail(`Escape: ${JSON.stringify(report.escape)}`);
  await search(spec.q);
  let tabs = 0;
  while ((await inSearch()) && tabs < 30) { await page.keyboard.press("Tab"); tabs += 1; }
  report.tabAway = { tabs, ...(await expanded()), focus: await focusedId() };
  if (!report.tabAway.hidden || report.tabAway.expanded !== "false") fail(`Tab away: ${JSON.stringify(report.tabAway)}`);
  await page.focus("#search-input");
  await settled(COUNT);
  await page.keyboard.press("ArrowDown");
  const want = await page.evaluate(() => document.querySelector("#search-results a.search-hit.is-active")?.href);
  await Promise.all([page.waitForURL((u) => u.href === want, { timeout: 10000 }).catch(() => {}), page.keyboard.press("Enter")]);
  report.enterOpened = page.url();
  if (!want || page.url() !== want) fail(`Enter opened ${page.url()}, expected ${want}`);

  // 6. Shortcuts: off while a field has the focus; turned off by keyboard and remembered.
  await page.goto(pageUrl, { waitUntil: "load" });
  await page.focus("#search-input");
  await page.fill("#search-input", spec.q);
  await settled(COUNT);
  tabs = 0;
  while (!(await page.evaluate(() => document.activeElement?.closest(".search-settings"))) && tabs < 30) {
    await page.keyboard.press("Tab");
    tabs += 1;
  }
  const label = await page.evaluate(() => document.activeElement?.closest("label")?.textContent.trim());
  if (label !== "Kortkommandon (s, /)") fail(`the shortcut setting is labelled ${JSON.stringify(label)}`);
  await page.keyboard.press("/"); // a field (the checkbox) has the focus
  if (!(await page.evaluate(() => document.activeElement?.type === "checkbox"))) fail("`/` moved the focus away from a field");
  await page.keyboard.press("Space");
  const stored = await page.evaluate(() => localStorage.getItem("samsyn-search-shortcuts"));
  // The page again, by its own address (a reload would keep the open search's ?q=…,
  // which opens the search again: tests/browser/search-share.mjs).
  await page.goto(pageUrl, { waitUntil: "load" });
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await page.keyboard.press("/");
  await page.keyboard.press("s");
  const off = { stored, focus: await focusedId(), value: await page.inputValue("#search-input"),
    placeholder: await page.getAttribute("#search-input", "placeholder") };
  report.shortcutsOff = off;
  if (off.focus === "search-input" || off.value !== "") fail(`shortcuts off: ${JSON.stringify(off)}`);
  await page.focus("#search-input");
  await page.fill("#search-input", spec.q);
  await settled(COUNT);
  const box = page.locator("#search-results .search-settings input[type=checkbox]");
  if (await box.isChecked()) fail("the setting does not show the shortcuts as off after a reload");
  await box.focus();
  await page.keyboard.press("Space");
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await page.keyboard.press("/");
  report.shortcutsOn = { focus: await focusedId(), value: await page.inputValue("#search-input") };
  if (report.shortcutsOn.focus !== "search-input") fail("shortcuts on again: `/` did not focus the field");
  report.errors = errors;
  if (errors.length) fail(`page errors: ${errors.join(" | ")}`);
} catch (e) {
  fail(e && e.stack ? e.stack : String(e));
} finally {
  await browser.close();
  await server.close();
}
finish("search-a11y", report, failures);
