// Runs the committed wasm reader (theme/search/) in Node the way search-worker.js does,
// against an index folder, and prints one JSON result line per query.
// usage: node wasm_smoke.js GLUE_JS WASM INDEX_DIR QUERY...
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");
const zlib = require("zlib");

// Index files are raw DEFLATE; the engine takes them inflated (the worker uses
// DecompressionStream("deflate-raw")).
const readIndexFile = (name) => zlib.inflateRawSync(fs.readFileSync(path.join(dir, name)));

const [glue, wasm, dir, ...queries] = process.argv.slice(2);
vm.runInThisContext(fs.readFileSync(glue, "utf8") + "\nglobalThis.wasm_bindgen = wasm_bindgen;");
const wb = globalThis.wasm_bindgen;
wb.initSync({ module: fs.readFileSync(wasm) });

const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
const engine = new wb.SearchEngine(readIndexFile(manifest.meta));
const facets = JSON.parse(engine.facets());
for (const q of queries) {
  let out;
  for (let round = 0; round < 1000; round++) {
    out = JSON.parse(engine.search(q, "", "", "", 10, 5, 0));
    if (!out.need) break;
    for (const f of out.need) {
      if (!/^[\w.-]+$/.test(f)) throw new Error("bad file name " + f);
      engine.addFile(f, readIndexFile(f));
    }
  }
  console.log(JSON.stringify({ query: q, docs: out.hits.map((h) => h.doc), first: out.hits[0] || null,
    suggestion: out.suggestion, fallback: out.fallback, kinds: facets.kinds.length }));
}
