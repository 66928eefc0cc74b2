// Headless Chromium for the browser tests: the Debian package (CHROMIUM overrides the
// path), no sandbox (the tests run as root in CI), no background traffic of its own.
// `extraArgs` for a browser with other conditions (e.g. a forced 2G connection).
import { chromium } from "playwright-core";

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
