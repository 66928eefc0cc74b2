/* samsyn search worker: runs the wasm search engine (search-index crate, plain C-ABI exports
   of search-index/src/wasm.rs) over the static index in <root>search-index/, fetching only
   the files a query needs. search.js fetches the wasm (and compiles it) and the meta file
   while this worker starts, and posts them with "init"; queries posted before are kept. */
(function () {
  "use strict";

  var ex = null; /* the wasm exports */
  var h = 0; /* the engine */
  var indexBase = "";
  var initialized;
  var ready = new Promise(function (resolve) { initialized = resolve; });
  ready.catch(function () { /* reported by init */ });
  /* The latest query of each asker (msg.channel: the search box has none, the results page
     its own), so that one's queries do not replace the other's. */
  var latest = Object.create(null);
  var warmed = false;
  var fetched = Object.create(null);
  var enc = new TextEncoder();
  var dec = new TextDecoder();

  /* Index files are raw DEFLATE; the engine takes them inflated. The stream is written and
     read directly: wrapping it in a Response (or a Blob) costs about a millisecond a file. */
  function inflate(bytes) {
    var ds = new DecompressionStream("deflate-raw");
    var w = ds.writable.getWriter();
    w.write(new Uint8Array(bytes)).catch(function () { /* reported by the reader */ });
    w.close().catch(function () { /* reported by the reader */ });
    var r = ds.readable.getReader();
    var parts = [];
    var n = 0;
    function next(c) {
      if (c.done) {
        var out = new Uint8Array(n);
        for (var i = 0, o = 0; i < parts.length; o += parts[i].length, i++) out.set(parts[i], o);
        return out;
      }
      parts.push(c.value);
      n += c.value.length;
      return r.read().then(next);
    }
    return r.read().then(next);
  }

  function responseBytes(r, url) {
    if (!r.ok) throw new Error("HTTP " + r.status + " " + url);
    return r.arrayBuffer();
  }

  /* The index files this worker fetched are kept in Cache Storage (where the browser has it:
     secure contexts), so that a search on the next page reads them from there, whatever
     cache headers the server sends. Their names carry a content hash, so a stored file never
     goes stale; the store is per index version (the meta file's name) and older versions'
     stores are dropped. With the store, a file is fetched past the HTTP cache: the browser
     writes a new HTTP cache entry before it hands the response over (2-3 ms a round on a
     2-core machine), while the store is written after the answer is posted. The request
     still says that any cached copy will do (Cache-Control), for proxies on the way. */
  var store = null; /* the open Cache once listed */
  var stored = Object.create(null); /* names in it */
  var storing = []; /* [name, bytes] to put once the current answer is posted */
  /* Fetches wait for the listing (a few ms, at start), but not for long if storage hangs. */
  var storeListed = Promise.resolve();
  var keepTimer = 0;
  function openStore(version) {
    if (!self.caches || typeof version !== "string") return;
    var prefix = "samsyn-search " + indexBase + " ";
    var listing = caches.keys().then(function (names) {
      names.forEach(function (n) {
        if (n.lastIndexOf(prefix, 0) === 0 && n !== prefix + version) caches.delete(n);
      });
      return caches.open(prefix + version);
    }).then(function (cache) {
      return cache.keys().then(function (requests) {
        requests.forEach(function (q) { stored[q.url.slice(q.url.lastIndexOf("/") + 1)] = true; });
        store = cache;
      });
    }).catch(function () { /* no store: the HTTP cache as usual */ });
    storeListed = Promise.race([listing, new Promise(function (resolve) { setTimeout(resolve, 500); })]);
  }

  /* Most of the index is in archives: a name "<file>@<offset>+<length>" is that range of
     the file (search-index/src/format.rs), fetched with a Range request; a server that
     ignores it sends the whole file, which is cut here. A range is fetched past the HTTP
     cache too: through it, requests for the same file wait for each other. */
  function fromNetwork(name, priority) {
    var m = /^(.+)@(\d+)\+(\d+)$/.exec(name);
    var url = indexBase + (m ? m[1] : name);
    var init = { priority: priority || "auto", headers: {} };
    if (m) init.headers.Range = "bytes=" + m[2] + "-" + (+m[2] + +m[3] - 1);
    if (store || m) {
      init.cache = "no-store";
      init.headers["Cache-Control"] = "max-age=31536000";
    }
    return fetch(url, init).then(function (r) { return responseBytes(r, url); }).then(function (bytes) {
      if (m && bytes.byteLength != m[3]) bytes = bytes.slice(+m[2], +m[2] + +m[3]);
      if (store) storing.push([name, bytes]);
      return bytes;
    });
  }

  /* An index file's stored (compressed) bytes: from the store if it has them, else fetched. */
  function getFile(name, priority) {
    return storeListed.then(function () {
      if (!store || !stored[name]) return fromNetwork(name, priority);
      return store.match(indexBase + name).then(function (r) {
        return r ? responseBytes(r, name) : Promise.reject(new Error("not stored"));
      }).catch(function () {
        delete stored[name];
        return fromNetwork(name, priority);
      });
    });
  }

  /* Writes the files fetched so far into the store, shortly after an answer is posted (so
     that the page shows it first). */
  function keepFetched() {
    if (keepTimer) return;
    keepTimer = setTimeout(function () {
      keepTimer = 0;
      var files = storing;
      storing = [];
      if (!store) return;
      files.forEach(function (f) {
        store.put(indexBase + f[0], new Response(f[1])).then(function () { stored[f[0]] = true; },
          function () { /* full or unavailable: fetched again next time */ });
      });
    }, 50);
  }

  /* Copies bytes into a fresh wasm buffer (ss_alloc); the call it is passed to takes it. */
  function put(bytes) {
    var p = ex.ss_alloc(bytes.length);
    new Uint8Array(ex.memory.buffer, p, bytes.length).set(bytes);
    return p;
  }

  /* The engine's answer of `len` bytes, as text and as the JSON value it holds. */
  function answerText(len) {
    return dec.decode(new Uint8Array(ex.memory.buffer, ex.ss_out(h), len));
  }

  function answer(len) {
    return JSON.parse(answerText(len));
  }

  /* msg: { index: URL of search-index/, module: the compiled wasm, meta: the meta file (raw
     DEFLATE, an ArrayBuffer), version: the meta file's name }. */
  function init(msg) {
    indexBase = msg.index;
    openStore(msg.version);
    return Promise.all([WebAssembly.instantiate(msg.module, {}), inflate(msg.meta)])
      .then(function (r) {
        ex = r[0].exports;
        h = ex.ss_new(put(r[1]), r[1].length);
        if (!h) throw new Error("corrupt index");
        postMessage({ type: "ready", facets: answer(ex.ss_facets(h)) });
      });
  }

  /* Hands an inflated index file to the engine. */
  function addFile(name, bytes) {
    var n = enc.encode(name);
    var np = put(n);
    ex.ss_add_file(h, np, n.length, put(bytes), bytes.length);
  }

  function load(name, priority) {
    if (!fetched[name]) {
      if (!/^[\w.@+-]+$/.test(name)) return Promise.reject(new Error("bad file name"));
      fetched[name] = getFile(name, priority).then(inflate).then(function (bytes) { addFile(name, bytes); },
        function (e) { delete fetched[name]; throw e; });
    }
    return fetched[name];
  }

  /* A file the page fetches for the first query while this worker starts (search.js): it
     arrives as a "file" message (its stored bytes, null if the page's fetch failed; `kept` if
     they came from the store). */
  var arriving = Object.create(null);
  /* Resolved once the page said which files it fetches (init.expect), else at once. */
  var expected = null;
  var expectedDone = null;
  function expect(name) {
    if (fetched[name] || !/^[\w.@+-]+$/.test(name)) return;
    fetched[name] = new Promise(function (resolve) { arriving[name] = resolve; }).then(function (file) {
      var raw = file.bytes;
      if (!raw) {
        delete fetched[name];
        return ready.then(function () { return load(name); });
      }
      if (!file.kept) storing.push([name, raw]);
      return Promise.all([inflate(raw), ready]).then(function (r) { addFile(name, r[0]); });
    });
  }

  /* Once a second query shows that the visitor is searching (a query after an answer): the
     index's bundle (the term shards, or in a large book those of its frequent words, the
     vocabulary and the second posting chunks of its common words;
     search-index/src/format.rs), in one request, so that later queries need
     fewer round trips. A visitor who searches once does not pay for it. Only a prefetch:
     the engine fetches what it lacks as before. So it is fetched at low priority (a query's
     own files go first), and not at all when the visitor asked to save data or is on a 2G
     connection. */
  var answered = false; /* an answer was posted */
  var bundleAsked = false;
  function prefetchBundle() {
    if (bundleAsked) return;
    bundleAsked = true;
    var connection = self.navigator && self.navigator.connection;
    if (connection && (connection.saveData || /2g/.test(connection.effectiveType || ""))) return;
    var name = answerText(ex.ss_bundle(h));
    if (!/^[\w.@+-]+$/.test(name)) return;
    getFile(name, "low").then(inflate).then(function (bytes) {
      ex.ss_add_bundle(h, put(bytes), bytes.length);
      keepFetched();
    }).catch(function () { /* the files are fetched one by one when needed */ });
  }

  /* msg.fragments: the result pages whose hits come with their text; msg.first (fewer): the
     pages of a first answer ("partial"), posted as soon as their files are in; the engine
     gives it as soon as its hits are proven, before the rest of the ranking (early). While
     the first answer still waits for postings, the other pages' files are asked for in the
     same round, at low priority (the first pages' at high), and follow in the final answer:
     the whole answer comes a round trip sooner than if they were asked for after the first
     answer. */
  function search(msg) {
    var rounds = 0;
    var again = answered; /* a query after an answer: the bundle is asked for after its files */
    var fragments = msg.fragments || 10;
    var first = Math.min(msg.first || fragments, fragments);
    var partialSent = first >= fragments;
    var params = enc.encode([msg.query, msg.kind, msg.group, msg.service, msg.status, msg.validOn].map(function (s) {
      return String(s || "").replace(/\0/g, " ");
    }).join("\0"));
    /* An engine step: {need: [file...]}, or {text}: the results, which go to the page as the
       engine's JSON text (no parse and copy of the object here). */
    function run(pages, early) {
      var text = answerText(ex.ss_search(h, put(params), params.length, msg.limit || 20, pages,
        msg.budget || 0, early ? 1 : 0));
      if (text.lastIndexOf("{\"need\"", 0) !== 0 && text.lastIndexOf("{\"error\"", 0) !== 0) return { text: text };
      var out = JSON.parse(text);
      if (out.error) throw new Error(out.error);
      return out;
    }
    function post(out, partial) {
      postMessage({ type: "results", id: msg.id, query: msg.query, fragments: partial ? first : fragments,
        limit: msg.limit, partial: partial, json: out.text });
    }
    function step() {
      if (msg.id !== latest[msg.channel || ""]) return null; /* a newer query replaced this one */
      var out;
      var ahead = [];
      if (!partialSent) {
        /* The first pages' files first; their hits as soon as the engine has proven them
           (early), even if the rest of the ranking still needs postings. */
        var part = run(first, first < fragments);
        out = part;
        if (!part.need) {
          partialSent = true;
          out = run(fragments);
          /* All pages at once when nothing is missing; else the first ones now. */
          if (out.need) post(part, true);
        } else if (!part.ranked) {
          ahead = run(fragments).need || [];
        }
        /* A first answer whose hits are ranked (read to the end, or proven early) waits for
           its own text alone, and the rest is asked for once it is posted: a round more for
           the other pages, but the first answer's request does not share the round (on
           loopback each parallel request adds about a millisecond) or the bandwidth with
           theirs. */
      } else {
        out = run(fragments);
      }
      if (!out.need) {
        post(out, false);
        answered = true;
        keepFetched();
        if (again) prefetchBundle();
        return null;
      }
      if (++rounds > 200) throw new Error("search did not finish");
      var files = Promise.all(out.need.map(function (n) { return load(n, "high"); }));
      ahead.forEach(function (n) { load(n, "low").catch(function () {}); });
      if (again) prefetchBundle();
      /* While the first files are in flight: run the engine's code once on a sample, so
         that it is compiled (on first call) before the query needs it. */
      if (!warmed) {
        warmed = true;
        ex.ss_warm();
      }
      return files.then(step);
    }
    return Promise.resolve().then(step);
  }

  /* The words of a page's text that a query highlights (the page a hit opens marks them,
     search.js): the engine's ss_marks after the query's term shards are in. Answers
     {type: "marks", id, json: '{"marks":[from,to,...]}'} (UTF-16 offsets into msg.text). */
  function marks(msg) {
    var params = enc.encode(String(msg.query || "").replace(/\0/g, " ") + "\0" + String(msg.text || ""));
    function step(rounds) {
      var text = answerText(ex.ss_marks(h, put(params), params.length));
      var out = text.lastIndexOf("{\"marks\"", 0) === 0 ? null : JSON.parse(text);
      if (!out) return postMessage({ type: "marks", id: msg.id, json: text });
      if (out.error) throw new Error(out.error);
      if (rounds > 20) throw new Error("marks did not finish");
      return Promise.all(out.need.map(function (n) { return load(n, "high"); })).then(function () {
        return step(rounds + 1);
      });
    }
    return step(0);
  }

  self.onmessage = function (e) {
    var msg = e.data || {};
    if (msg.type === "init") {
      if (msg.expect) expected = new Promise(function (resolve) { expectedDone = resolve; });
      initialized(init(msg).catch(function (err) {
        postMessage({ type: "error", message: String(err && err.message || err) });
        throw err;
      }));
    } else if (msg.type === "expect") {
      (msg.names || []).forEach(function (name) { expect(String(name)); });
      if (expectedDone) expectedDone();
    } else if (msg.type === "file") {
      var arrived = arriving[msg.name];
      delete arriving[msg.name];
      if (arrived) arrived({ bytes: msg.bytes || null, kept: !!msg.kept });
    } else if (msg.type === "marks") {
      ready.then(function () { return marks(msg); }).catch(function (err) {
        postMessage({ type: "error", id: msg.id, message: String(err && err.message || err) });
      });
    } else if (msg.type === "search") {
      latest[msg.channel || ""] = msg.id;
      /* After init: the files the page announced there are registered (see expect). */
      ready.then(function () { return expected; }).then(function () { return search(msg); }).catch(function (err) {
        postMessage({ type: "error", id: msg.id, message: String(err && err.message || err) });
      });
    }
  };
})();
