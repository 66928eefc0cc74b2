// A headless Chromium on an emulated slow network, driven over the DevTools protocol on a
// pipe (`--remote-debugging-pipe`), for the search benchmark's slow-network runs and the
// tests that count round trips.
//
// Chromium's network emulation (Network.emulateNetworkConditions) is set on the page's
// target; it also throttles the Web Workers started by the page's top frame (their
// requests were measured to take the emulated latency), but not those started by an
// iframe's document, and a worker target refuses emulation of its own ("Not supported").
// So the page measured must be the top frame (`evaluate` runs the benchmark's driver in
// it). Every target is attached as it starts, paused (`waitForDebuggerOnStart`), set up,
// told to attach its own children the same way, and only then resumed, so that every
// request (a worker's own script included) is logged:
// `{ url, range, start, end, bytes, cached, target }` (`range`: the Range header, if any;
// `start`/`end` in ms since the epoch, the
// clock of `performance.timeOrigin + performance.now()`; `bytes` as received, headers
// included; `cached` when served from a cache without the network).
//
//   const run = await openThrottled(url, { latency: 150, down: 200_000, up: 200_000 });
//   const value = await run.evaluate("...");
//   await run.idle(1000); const log = run.requests(); await run.close();
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { spawn } from "node:child_process";

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-component-update",
  "--disable-sync", "--no-first-run"];

/// The slow mobile network of the benchmark: 150 ms latency, 200 KB/s down and up.
export const SLOW = { latency: 150, down: 200_000, up: 200_000 };

/** Opens `url` in a fresh headless Chromium (cold cache) on the emulated network `net`
    ({ latency ms, down, up bytes/s; 0 = unlimited }). */
export async function openThrottled(url, net = SLOW) {
  const profile = mkdtempSync(join(tmpdir(), "samsyn-slow-"));
  const child = spawn(CHROMIUM, ["--headless", ...ARGS, `--user-data-dir=${profile}`, "--window-size=1250,850",
    "--remote-debugging-pipe", "about:blank"], { stdio: ["ignore", "ignore", "ignore", "pipe", "pipe"], detached: true });
  const out = child.stdio[3];
  let seq = 0;
  const pending = new Map();
  const log = new Map(); // sessionId + requestId -> entry
  let inFlight = 0;
  let lastActivity = Date.now();
  const send = (method, params = {}, sessionId) => new Promise((ok, fail) => {
    const id = ++seq;
    pending.set(id, { ok, fail, method });
    out.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + "\0");
  });
  const conditions = { offline: false, latency: net.latency || 0, downloadThroughput: net.down || -1,
    uploadThroughput: net.up || -1 };

  const sessions = new Map(); // sessionId -> target info
  async function attached({ sessionId, targetInfo, waitingForDebugger }) {
    sessions.set(sessionId, targetInfo);
    try {
      if (targetInfo.type !== "browser") {
        await send("Network.enable", {}, sessionId);
        // A worker has no emulation of its own ("Not supported"): the page's conditions
        // apply to the workers of its top frame (not to those of an iframe's document).
        if (targetInfo.type === "page") await send("Network.emulateNetworkConditions", conditions, sessionId);
        await send("Target.setAutoAttach", { autoAttach: true, waitForDebuggerOnStart: true, flatten: true }, sessionId);
      }
    } catch { /* gone already */ }
    if (waitingForDebugger) send("Runtime.runIfWaitingForDebugger", {}, sessionId).catch(() => {});
  }

  function event(method, params, sessionId) {
    // Request ids are unique in the browser; a worker's script is announced in its parent's
    // session and finished in its own.
    const key = params.requestId;
    if (method === "Target.attachedToTarget") attached(params);
    else if (method === "Network.requestWillBeSent") {
      if (!/^https?:/.test(params.request.url)) return;
      // A redirect reuses the id: the new request replaces the old one.
      if (!log.has(key)) inFlight++;
      const headers = params.request.headers || {};
      log.set(key, { url: params.request.url, range: headers.Range || headers.range || null, wall: params.wallTime * 1000,
        t0: params.timestamp, start: params.wallTime * 1000, end: null, bytes: 0, cached: false,
        target: sessions.get(sessionId)?.type || "" });
      lastActivity = Date.now();
    } else if (method === "Network.requestServedFromCache") {
      const e = log.get(key);
      if (e) e.cached = true;
    } else if (method === "Network.responseReceived") {
      const e = log.get(key);
      if (e && (params.response.fromDiskCache || params.response.fromServiceWorker)) e.cached = true;
    } else if (method === "Network.loadingFinished" || method === "Network.loadingFailed") {
      const e = log.get(key);
      if (!e || e.end !== null) return;
      e.end = e.wall + (params.timestamp - e.t0) * 1000;
      e.bytes = params.encodedDataLength || 0;
      e.failed = method === "Network.loadingFailed";
      inFlight--;
      lastActivity = Date.now();
    }
  }

  let buffered = Buffer.alloc(0);
  child.stdio[4].on("data", (d) => {
    buffered = Buffer.concat([buffered, d]);
    let nul;
    while ((nul = buffered.indexOf(0)) >= 0) {
      const msg = JSON.parse(buffered.subarray(0, nul).toString("utf8"));
      buffered = buffered.subarray(nul + 1);
      if (msg.id && pending.has(msg.id)) {
        const p = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.error) p.fail(new Error(`${p.method}: ${msg.error.message}`));
        else p.ok(msg.result);
      } else if (msg.method) {
        event(msg.method, msg.params || {}, msg.sessionId);
      }
    }
  });
  const exited = new Promise((done) => child.once("exit", done));

  await send("Target.setAutoAttach", { autoAttach: true, waitForDebuggerOnStart: true, flatten: true });
  const { targetId } = await send("Target.createTarget", { url });
  const pageSession = async () => {
    for (;;) {
      const s = Array.from(sessions.entries()).find(([, t]) => t.targetId === targetId);
      if (s) return s[0];
      await new Promise((ok) => setTimeout(ok, 20));
    }
  };
  return {
    /** The value of `expression` (awaited) in the page, once it has loaded. */
    evaluate: async (expression) => {
      const sessionId = await pageSession();
      // The target starts on about:blank; a navigation replaces the context.
      for (;;) {
        const r = await send("Runtime.evaluate", { expression: "location.href !== 'about:blank' && document.readyState",
          returnByValue: true }, sessionId).catch(() => null);
        if (r && r.result.value === "complete") break;
        await new Promise((ok) => setTimeout(ok, 50));
      }
      const r = await send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true }, sessionId);
      if (r.exceptionDetails) throw new Error(r.exceptionDetails.exception?.description || r.exceptionDetails.text);
      return r.result.value;
    },
    /** Resolves once no request has been in flight for `quietMs` (at most `maxMs`). */
    idle: async (quietMs = 1000, maxMs = 60000) => {
      const until = Date.now() + maxMs;
      while (Date.now() < until && (inFlight > 0 || Date.now() - lastActivity < quietMs)) {
        await new Promise((ok) => setTimeout(ok, 50));
      }
    },
    requests: () => Array.from(log.values()).map(({ url, range, start, end, bytes, cached, failed, target }) =>
      ({ url, range, start, end, bytes, cached, failed: !!failed, target })).sort((a, b) => a.start - b.start),
    close: async () => {
      try { process.kill(-child.pid, "SIGTERM"); } catch { /* gone */ }
      await exited;
      rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    },
  };
}

/** Sequential round trips in a request log (sorted by start): a request that starts after
    an earlier request's response has ended waits on it (in the worst case) and belongs to
    the round after that one's; requests that start before any of the earlier ones ended
    are in the first round. Returns each request's round (1-based) and the count. */
export function rounds(requests) {
  const round = [];
  for (let i = 0; i < requests.length; i++) {
    let r = 1;
    for (let j = 0; j < i; j++) {
      if (requests[j].end !== null && requests[j].end <= requests[i].start) r = Math.max(r, round[j] + 1);
    }
    round.push(r);
  }
  return { round, count: round.length ? Math.max(...round) : 0 };
}
