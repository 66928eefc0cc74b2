// Headless Chromium for the browser tests: the Debian package (CHROMIUM overrides the
// path), no sandbox (the tests run as root in CI), no background traffic of its own.
// `extraArgs` for a browser with other conditions (e.g. a forced 2G connection).
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

export const launch = (extraArgs = []) => chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu", ...extraArgs],
});

// Prints the report as the one JSON line the Rust test reads, with the failures in it,
// and fails the process (naming the script on stderr) when there are any.
export function finish(name, report, failures) {
  report.failures = failures;
  console.log(JSON.stringify(report));
  if (failures.length) {
    console.error(failures.map((f) => `${name}: ${f}`).join("\n"));
    process.exitCode = 1;
  }
}

// The command line of a test script run by `common::run_browser_script`: the served folder
// and the spec (JSON file); exits 2 with a usage line when either is missing.
export function scriptArgs(name) {
  const [servedDir, specFile] = process.argv.slice(2);
  if (!servedDir || !specFile) {
    console.error(`usage: node ${name} <served folder> <spec.json>`);
    process.exit(2);
  }
  return { servedDir, spec: JSON.parse(readFileSync(specFile, "utf8")) };
}

// axe-core's script, to add to a page, and the rule tags the search's pages must pass
// (the same as `common::AXE_TAGS` in the Rust tests).
export const axeSource = () =>
  readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
export const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];

// For `page.waitForFunction`: whether the search box shows its whole answer to what the
// field holds now, not the previous query's answer still on screen while the new one is
// searched. A hit carries the query it answers (`?markera=…`, the marks on arrival); an
// empty answer or a status line has no hit to ask.
export function answerShown() {
  const b = document.getElementById("search-results");
  if (b.hidden || b.hasAttribute("aria-busy")) return false;
  const hit = b.querySelector("a.search-hit");
  const q = document.getElementById("search-input").value.trim();
  if (hit) return new URL(hit.href).searchParams.get("markera") === q;
  return !!b.querySelector(".search-empty, .search-status");
}
