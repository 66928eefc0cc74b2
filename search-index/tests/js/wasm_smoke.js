// Runs a committed wasm reader (theme/search/search_index.wasm, or the preview's
// src/serve/search_index_preview.wasm, which also opens the overlay inlined in
// manifest.json) in Node through the same C-ABI calls as search-worker.js, against an index
// folder, and prints one JSON result line
// per query (each searched first as the worker's first answer asks, early, for its first
// result page, which must agree with the whole answer).
// usage: node wasm_smoke.js WASM INDEX_DIR QUERY...
// WASM may be the raw module or its raw-DEFLATE form (*.deflate, as a built site ships it).
"use strict";
const fs = require("fs");
const path = require("path");
const zlib = require("zlib");

const [wasmPath, dir, ...queries] = process.argv.slice(2);

// Index files are raw DEFLATE; the engine takes them inflated (the worker uses
// DecompressionStream("deflate-raw")).
// A file, or a range "<file>@<offset>+<length>" of an archive (as the worker fetches it).
const readIndexFile = (name) => {
  const m = /^(.+)@(\d+)\+(\d+)$/.exec(name);
  const stored = fs.readFileSync(path.join(dir, m ? m[1] : name));
  return zlib.inflateRawSync(m ? stored.subarray(+m[2], +m[2] + +m[3]) : stored);
};

let wasmBytes = fs.readFileSync(wasmPath);
if (wasmPath.endsWith(".deflate")) wasmBytes = zlib.inflateRawSync(wasmBytes);
const mod = new WebAssembly.Module(wasmBytes);
if (WebAssembly.Module.imports(mod).length) throw new Error("the wasm must need no imports");
const ex = new WebAssembly.Instance(mod, {}).exports;
const enc = new TextEncoder();
const dec = new TextDecoder();
const put = (bytes) => {
  const p = ex.ss_alloc(bytes.length);
  new Uint8Array(ex.memory.buffer, p, bytes.length).set(bytes);
  return p;
};

const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
// The meta file as the browser reads it: inlined in the manifest (in the live preview
// combined with its overlay, which only the preview's reader opens).
const meta = manifest.meta_data
  ? zlib.inflateRawSync(Buffer.from(manifest.meta_data, "base64"))
  : readIndexFile(manifest.meta);
const h = ex.ss_new(put(meta), meta.length);
if (!h) throw new Error("corrupt meta");
const answer = (len) => JSON.parse(dec.decode(new Uint8Array(ex.memory.buffer, ex.ss_out(h), len)));

// A corrupt meta file is refused, not a trap.
const bad = enc.encode("not an index");
if (ex.ss_new(put(bad), bad.length) !== 0) throw new Error("corrupt meta accepted");
// A buffer no call takes is given back.
ex.ss_free(ex.ss_alloc(100), 100);

const facets = answer(ex.ss_facets(h));
// Runs a search to its answer: (fragments, early) as the worker passes them.
const search = (params, fragments, early) => {
  for (let round = 0; round < 1000; round++) {
    const out = answer(ex.ss_search(h, put(params), params.length, 10, fragments, 0, early));
    if (out.error) throw new Error(out.error);
    if (!out.need) return out;
    if (out.ranked && !out.need.every((f) => /^(o\d+-)?f/.test(f))) throw new Error("a ranked answer needs " + out.need);
    for (const f of out.need) {
      if (!/^[\w.@+-]+$/.test(f)) throw new Error("bad file name " + f);
      const name = enc.encode(f);
      const bytes = readIndexFile(f);
      const np = put(name);
      ex.ss_add_file(h, np, name.length, put(bytes), bytes.length);
    }
  }
  throw new Error("search did not finish");
};

const page = (x) => x.url.split("#")[0];
for (const q of queries) {
  const params = enc.encode([q, "", "", ""].join("\0"));
  // The worker's first answer (its first result page, early), then the whole one: the first
  // answer's hits are the first ones the whole answer has on that page.
  const first = search(params, 1, 1);
  const out = search(params, 5, 0);
  const shown = first.hits.filter((x) => x.url);
  if (shown.length) {
    const same = out.hits.filter((x) => x.url && page(x) === page(shown[0])).slice(0, shown.length);
    if (JSON.stringify(same.map((x) => x.doc)) !== JSON.stringify(shown.map((x) => x.doc))) {
      throw new Error(`${q}: first answer ${JSON.stringify(shown.map((x) => x.doc))}, whole ${JSON.stringify(out.hits.map((x) => x.doc))}`);
    }
  }
  console.log(JSON.stringify({ query: q, docs: out.hits.map((x) => x.doc), urls: out.hits.map((x) => x.url || ""),
    overlay: !!manifest.overlay, first: out.hits[0] || null,
    vias: out.hits.map((x) => x.via || []), partial: !!first.partial,
    suggestion: out.suggestion, fallback: out.fallback, kinds: facets.kinds.length }));
}
