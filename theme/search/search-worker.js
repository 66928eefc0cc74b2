/* samsyn search worker: runs the wasm search engine (search-index crate, plain C-ABI exports
   of search-index/src/wasm.rs) over the static index in <root>search-index/, fetching only
   the files a query needs. The wasm, manifest.json and the meta file load in parallel. */
"use strict";

var ex = null; /* the wasm exports */
var h = 0; /* the engine */
var indexBase = "";
var ready = null;
var latest = 0;
var fetched = Object.create(null);
var enc = new TextEncoder();
var dec = new TextDecoder();

/* Index files (and the shipped wasm, *.deflate) are raw DEFLATE; the engine takes them
   inflated. */
function inflated(url) {
  return fetch(url).then(function (r) {
    if (!r.ok || !r.body) throw new Error("HTTP " + r.status + " " + url);
    return new Response(r.body.pipeThrough(new DecompressionStream("deflate-raw")),
      { headers: { "Content-Type": "application/wasm" } });
  });
}

function fetchBytes(url) {
  return inflated(url).then(function (r) { return r.arrayBuffer(); })
    .then(function (b) { return new Uint8Array(b); });
}

function loadWasm(url) {
  if (/\.deflate$/.test(url)) {
    return inflated(url).then(function (r) {
      return WebAssembly.instantiateStreaming ? WebAssembly.instantiateStreaming(r, {})
        : r.arrayBuffer().then(function (b) { return WebAssembly.instantiate(b, {}); });
    });
  }
  return fetch(url).then(function (r) {
    if (!r.ok) throw new Error("HTTP " + r.status + " " + url);
    return r.arrayBuffer();
  }).then(function (b) { return WebAssembly.instantiate(b, {}); });
}

/* Copies bytes into a fresh wasm buffer (ss_alloc); the call it is passed to takes it. */
function put(bytes) {
  var p = ex.ss_alloc(bytes.length);
  new Uint8Array(ex.memory.buffer, p, bytes.length).set(bytes);
  return p;
}

/* The engine's JSON answer of `len` bytes. */
function answer(len) {
  return JSON.parse(dec.decode(new Uint8Array(ex.memory.buffer, ex.ss_out(h), len)));
}

function init(msg) {
  indexBase = msg.index;
  var wasm = loadWasm(msg.wasm);
  var meta = fetch(indexBase + "manifest.json", { cache: "no-cache" }).then(function (r) {
    if (!r.ok) throw new Error("HTTP " + r.status + " manifest.json");
    return r.json();
  }).then(function (manifest) {
    if (!manifest || typeof manifest.meta !== "string" || !/^[\w.-]+$/.test(manifest.meta)) {
      throw new Error("bad manifest.json");
    }
    return fetchBytes(indexBase + manifest.meta);
  });
  return Promise.all([wasm, meta]).then(function (r) {
    ex = r[0].instance.exports;
    h = ex.ss_new(put(r[1]), r[1].length);
    if (!h) throw new Error("corrupt index");
    postMessage({ type: "ready", facets: answer(ex.ss_facets(h)) });
  });
}

function load(name) {
  if (!fetched[name]) {
    if (!/^[\w.-]+$/.test(name)) return Promise.reject(new Error("bad file name"));
    fetched[name] = fetchBytes(indexBase + name).then(function (bytes) {
      var n = enc.encode(name);
      var np = put(n);
      ex.ss_add_file(h, np, n.length, put(bytes), bytes.length);
    }, function (e) { delete fetched[name]; throw e; });
  }
  return fetched[name];
}

function search(msg) {
  var rounds = 0;
  var params = enc.encode([msg.query, msg.kind, msg.group, msg.service].map(function (s) {
    return String(s || "").replace(/\0/g, " ");
  }).join("\0"));
  function step() {
    if (msg.id !== latest) return null; /* a newer query replaced this one */
    var out = answer(ex.ss_search(h, put(params), params.length, msg.limit || 20, msg.fragments || 10,
      msg.budget || 0));
    if (out.error) throw new Error(out.error);
    if (out.need) {
      if (++rounds > 200) throw new Error("search did not finish");
      return Promise.all(out.need.map(load)).then(step);
    }
    out.type = "results";
    out.id = msg.id;
    out.query = msg.query;
    out.fragments = msg.fragments;
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
