// Collects the Content-Security-Policy violations of a browser context, three ways:
// - the `securitypolicyviolation` events of every document, listened to by a script that
//   runs before any of the page's own (an init script);
// - Chromium's console messages about the policy, of every page (Playwright's console
//   events and the DevTools Log domain);
// - the reports the browser posts to the policy's `report-uri` (`reportCollector`): the
//   only way a violation inside a worker shows (an eval blocked there is neither logged
//   nor fired as an event).
// `watchCsp(context, collector)` must be called before the context opens its pages
// (`collector`, if given, from `reportCollector`, whose reports it adds); it resolves to
// `{ violations, settle() }`: `violations` is the live list ({ kind, page, text }),
// `settle()` waits until the reports of what happened so far have come in.
const CSP_TEXT = /Content[- ]Security[- ]Policy/i;

/** The path a test server takes violation reports at (append `; report-uri PATH` to the
    policy it sends) and its `before` hook (static-server.mjs) that collects them. */
export function reportCollector(path = "/__csp-report") {
  const reports = [];
  const before = (req, res) => {
    if (req.method !== "POST" || new URL(req.url, "http://x").pathname !== path) return false;
    let body = "";
    req.on("data", (c) => { body += c; });
    req.on("end", () => {
      let r = {};
      try { r = JSON.parse(body)["csp-report"] || {}; } catch { r = { body }; }
      reports.push({ kind: "report", page: r["document-uri"] || "?",
        text: `${r["effective-directive"] || r["violated-directive"]} blocked ${r["blocked-uri"] || "?"} (${r["source-file"] || "?"}:${r["line-number"] || "?"})` });
      res.writeHead(204).end();
    });
    return true;
  };
  return { path, before, reports };
}

export async function watchCsp(context, collector = null) {
  const violations = [];
  const pending = new Set();
  await context.exposeBinding("__samsynCspViolation", ({ page }, v) => {
    violations.push({ kind: "event", page: page?.url() ?? "?", text: `${v.directive} blocked ${v.blocked} (${v.source}:${v.line})` });
  });
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__samsynCspViolation({
        directive: e.effectiveDirective, blocked: e.blockedURI || e.sample || "inline",
        source: e.sourceFile, line: e.lineNumber,
      });
    });
  });
  const watchPage = (page) => {
    const ready = context.newCDPSession(page).then(async (cdp) => {
      cdp.on("Log.entryAdded", ({ entry }) => {
        if (CSP_TEXT.test(entry.text)) violations.push({ kind: `console (${entry.source})`, page: page.url(), text: entry.text });
      });
      await cdp.send("Log.enable");
    });
    pending.add(ready);
    ready.finally(() => pending.delete(ready)).catch(() => {});
    page.on("console", (m) => {
      if (CSP_TEXT.test(m.text())) violations.push({ kind: "console", page: page.url(), text: m.text() });
    });
  };
  context.pages().forEach(watchPage);
  context.on("page", watchPage);
  return {
    violations,
    settle: async () => {
      await Promise.allSettled([...pending]);
      // Events and reports are delivered in tasks of their own after the violation; the
      // reports are posted by the browser at once.
      await new Promise((ok) => setTimeout(ok, 1000));
      if (collector) violations.push(...collector.reports.splice(0));
    },
  };
}
