/* samsyn search worker: runs the wasm search engine (search-index crate) over the static
   index in <root>search-index/, fetching only the files a query needs. */
/* global wasm_bindgen */
"use strict";

var engine = null;
var indexBase = "";
var ready = null;
var latest = 0;
var fetched = Object.create(null);

/* Index files are raw DEFLATE; the engine takes them inflated. */
function fetchBytes(url, opts) {
  return fetch(url, opts).then(function (r) {
    if (!r.ok || !r.body) throw new Error("HTTP " + r.status + " " + url);
    return new Response(r.body.pipeThrough(new DecompressionStream("deflate-raw"))).arrayBuffer();
  }).then(function (b) { return new Uint8Array(b); });
}

function init(msg) {
  indexBase = msg.index;
  importScripts(msg.glue);
  return wasm_bindgen({ module_or_path: msg.wasm }).then(function () {
    return fetch(indexBase + "manifest.json", { cache: "no-cache" });
  }).then(function (r) {
    if (!r.ok) throw new Error("HTTP " + r.status + " manifest.json");
    return r.json();
  }).then(function (manifest) {
    if (!manifest || typeof manifest.meta !== "string" || !/^[\w.-]+$/.test(manifest.meta)) {
      throw new Error("bad manifest.json");
    }
    return fetchBytes(indexBase + manifest.meta);
  }).then(function (meta) {
    engine = new wasm_bindgen.SearchEngine(meta);
    postMessage({ type: "ready", facets: JSON.parse(engine.facets()) });
  });
}

function load(name) {
  if (!fetched[name]) {
    if (!/^[\w.-]+$/.test(name)) return Promise.reject(new Error("bad file name"));
    fetched[name] = fetchBytes(indexBase + name).then(function (bytes) {
      engine.addFile(name, bytes);
    }, function (e) { delete fetched[name]; throw e; });
  }
  return fetched[name];
}

function search(msg) {
  var rounds = 0;
  function step() {
    if (msg.id !== latest) return null; /* a newer query replaced this one */
    var out = JSON.parse(engine.search(msg.query, msg.kind || "", msg.group || "", msg.service || "",
      msg.limit || 20, msg.fragments || 10, msg.budget || 0));
    if (out.need) {
      if (++rounds > 200) throw new Error("search did not finish");
      return Promise.all(out.need.map(load)).then(step);
    }
    out.type = "results";
    out.id = msg.id;
    out.query = msg.query;
    postMessage(out);
    return null;
  }
  return Promise.resolve().then(step);
}

onmessage = function (e) {
  var msg = e.data || {};
  if (msg.type === "init") {
    ready = init(msg).catch(function (err) {
      postMessage({ type: "error", message: String(err && err.message || err) });
      throw err;
    });
  } else if (msg.type === "search" && ready) {
    latest = msg.id;
    ready.then(function () { return search(msg); }).catch(function (err) {
      postMessage({ type: "error", id: msg.id, message: String(err && err.message || err) });
    });
  }
};
