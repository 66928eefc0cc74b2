/* samsyn search UI. Nothing is loaded until the search field is first focused; then, all at
   once, the Web Worker (search-worker.js) starts while this page fetches and compiles the
   wasm reader (search/search_index.wasm.deflate) and fetches manifest.json and the meta file
   of <root>search-index/, and hands them to the worker. All result text is inserted as text
   nodes, never as HTML. */
(function () {
  "use strict";
  var doc = document;
  var input = doc.getElementById("search-input");
  var box = doc.getElementById("search-results");
  if (!input || !box) return;

  var root = doc.documentElement.getAttribute("data-root") || "";
  var KIND = { agreement: "Överenskommelse", fakta: "FAKTA-dokument", process: "Process",
    "action-plan": "Handlingsplan", page: "Sida" };
  var STATUS = { draft: "utkast", planned: "planerad – ej publicerad", repealed: "upphävd" };

  var worker = null;
  var ready = false;
  var broken = false; /* the engine could not be loaded */
  var sent = "";
  var facets = null;
  var filters = { kind: "", group: "", service: "" };
  var seq = 0;
  /* Result pages shown at first and added by "Visa fler träffar". */
  var PAGES = 5;
  /* The top result page of a new query is shown as soon as its text is in; the other pages,
     whose files are fetched at the same time, follow (the box is aria-busy in between). */
  var FIRST = 1;
  /* Bytes of posting chunks the engine reads beyond each word's first postings before it
     ranks what it has (Request.budget in search-index/src/reader.rs): about 3,600 postings;
     the ranking is exact whenever that suffices. */
  var BUDGET = 8000;
  var shown = 1; /* blocks of PAGES pages asked for */
  var moreFrom = -1; /* after "Visa fler": the first new group, to move to */
  var timer = 0;
  var active = -1;
  var shownPartial = 0; /* the query whose first pages are shown, the rest to follow */

  function abs(path) { return new URL(root + path, doc.baseURI).href; }

  function el(tag, cls, text) {
    var e = doc.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function start() {
    if (worker) return;
    var css = el("link");
    css.rel = "stylesheet";
    css.href = root + "search/search.css";
    doc.head.appendChild(css);
    var index = abs("search-index/");
    try {
      /* The fetches go out first: creating the worker can hold this thread for a while. */
      var version = null; /* the meta file's name: the index version */
      var meta = get(index + "manifest.json", { cache: "no-cache" }).then(function (r) {
        return r.json();
      }).then(function (m) {
        version = m && m.meta;
        /* The meta file, inlined (base64 of the stored bytes); else fetched. */
        if (m && typeof m.meta_data === "string") {
          var bin = atob(m.meta_data);
          var bytes = new Uint8Array(bin.length);
          for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
          return bytes.buffer;
        }
        if (!m || typeof m.meta !== "string" || !/^[\w.-]+$/.test(m.meta)) throw new Error("bad manifest.json");
        return get(index + m.meta).then(function (r) { return r.arrayBuffer(); });
      });
      /* Compiled here while the worker starts (a compiled module can be posted to it). */
      var wasm = get(abs("search/search_index.wasm.deflate")).then(function (r) {
        var body = new Response(inflate(r.body), { headers: { "Content-Type": "application/wasm" } });
        return WebAssembly.compileStreaming ? WebAssembly.compileStreaming(body)
          : body.arrayBuffer().then(function (b) { return WebAssembly.compile(b); });
      });
      worker = new Worker(root + "search/search-worker.js");
    } catch (e) {
      failed(e);
      return;
    }
    worker.onmessage = onMessage;
    worker.onerror = failed;
    Promise.all([wasm, meta]).then(function (v) {
      var metaCopy = v[1].slice(0);
      var planning = !!input.value.trim();
      worker.postMessage({ type: "init", index: index, module: v[0], meta: v[1], version: version, expect: planning },
        [v[1]]);
      if (planning) prefetch(v[0], metaCopy, index);
    }).catch(failed);
    if (input.value.trim()) schedule(0);
  }

  /* While the worker starts (tens of milliseconds), the files the typed query reads first
     (its term shards) are fetched from here: the query is planned with the wasm reader on
     this thread (one planning step, no search), and the worker is told which files are
     coming (an "expect" message, always sent once announced in "init") and then gets their
     bytes. The search itself runs in the worker. */
  function prefetch(module, meta, index) {
    var q = input.value;
    var names = [];
    WebAssembly.instantiate(module, {}).then(function (ex) {
      ex = ex.exports || ex;
      return new Response(inflate(new Blob([meta]).stream())).arrayBuffer().then(function (m) {
        var put = function (b) {
          var p = ex.ss_alloc(b.length);
          new Uint8Array(ex.memory.buffer, p, b.length).set(b);
          return p;
        };
        m = new Uint8Array(m);
        var h = ex.ss_new(put(m), m.length);
        if (!h) return;
        var params = new TextEncoder().encode([q, filters.kind, filters.group, filters.service].join("\0"));
        var len = ex.ss_search(h, put(params), params.length, 3 * PAGES, PAGES, BUDGET);
        var out = JSON.parse(new TextDecoder().decode(new Uint8Array(ex.memory.buffer, ex.ss_out(h), len)));
        names = (out.need || []).filter(function (name) { return /^[\w.-]+$/.test(name); });
      });
    }).catch(function () { /* the worker fetches what it needs itself */ }).then(function () {
      worker.postMessage({ type: "expect", names: names });
      names.forEach(function (name) {
        indexFile(index + name).then(function (f) {
          worker.postMessage({ type: "file", name: name, bytes: f.bytes, kept: f.kept }, [f.bytes]);
        }, function () {
          worker.postMessage({ type: "file", name: name, bytes: null });
        });
      });
    });
  }

  /* An index file's stored bytes ({bytes, kept}): from the worker's store of index files
     when a search on an earlier page kept it there (search-worker.js), else fetched. */
  function indexFile(url) {
    var kept = !self.caches ? Promise.resolve(null) : Promise.race([
      caches.match(url).catch(function () { return null; }),
      new Promise(function (resolve) { setTimeout(resolve, 500, null); }) /* storage hangs */
    ]);
    return kept.then(function (r) {
      var fromStore = !!(r && r.ok);
      return (fromStore ? Promise.resolve(r) : get(url)).then(function (res) { return res.arrayBuffer(); })
        .then(function (b) { return { bytes: b, kept: fromStore }; });
    });
  }

  function get(url, opts) {
    return fetch(url, opts).then(function (r) {
      if (!r.ok || !r.body) throw new Error("HTTP " + r.status + " " + url);
      return r;
    });
  }

  function inflate(stream) { return stream.pipeThrough(new DecompressionStream("deflate-raw")); }

  function failed(e) {
    broken = true;
    if (worker) worker.terminate();
    status("Sökningen kunde inte startas.");
    if (window.console) console.warn("samsyn search:", e && e.message || e);
  }

  function status(text) {
    clear();
    box.removeAttribute("aria-busy");
    box.appendChild(el("p", "search-status", text));
    box.hidden = false;
  }

  function clear() {
    while (box.firstChild) box.removeChild(box.firstChild);
    active = -1;
  }

  function close() {
    clear();
    box.hidden = true;
    box.removeAttribute("aria-busy");
    shownPartial = 0;
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(run, delay);
  }

  /* more: keep the number of pages shown (the "Visa fler träffar" button raised it). */
  function run(more) {
    var q = input.value;
    if (!q.trim()) { close(); return; }
    if (!worker) return;
    if (broken) { status("Sökningen kunde inte startas."); return; }
    if (more !== true) { shown = 1; moreFrom = -1; }
    /* The worker queues a query sent before it is ready; once ready, it is not resent. */
    var key = [q, filters.kind, filters.group, filters.service, shown].join("\u0000");
    if (!ready && key === sent) return;
    sent = key;
    seq += 1;
    /* fragments: the pages (in rank order) whose hits come with title, URL and snippet. */
    worker.postMessage({ type: "search", id: seq, query: q, kind: filters.kind, group: filters.group,
      service: filters.service, limit: Math.min(200, 3 * PAGES * shown), fragments: PAGES * shown,
      first: shown === 1 ? FIRST : 0, budget: BUDGET });
  }

  function onMessage(e) {
    var m = e.data || {};
    if (m.type === "ready") {
      ready = true;
      facets = m.facets;
    } else if (m.type === "results") {
      if (m.id !== seq) return;
      /* The engine's answer (JSON text) and what the worker adds to it. */
      var r = JSON.parse(m.json);
      r.partial = m.partial;
      r.fragments = m.fragments;
      r.limit = m.limit;
      /* The final answer of a query shown in part keeps the active hit. */
      var keep = shownPartial === m.id ? active : -1;
      render(r);
      shownPartial = m.partial ? m.id : 0;
      if (m.partial) box.setAttribute("aria-busy", "true");
      else box.removeAttribute("aria-busy");
      if (keep >= 0) { active = keep - 1; move(1); }
    } else if (m.type === "error") {
      if (m.id == null || m.id === seq) status("Sökningen kunde inte genomföras.");
      if (window.console) console.warn("samsyn search:", m.message);
    }
  }

  function filterBar() {
    var bar = el("div", "search-filters");
    [["kind", "kinds", "Alla dokumenttyper", function (v) { return KIND[v] || v; }],
      ["group", "groups", "Alla strategigrupper", null],
      ["service", "services", "Alla verksamheter", null]].forEach(function (spec) {
      var list = facets && facets[spec[1]];
      if (!list || !list.length) return;
      var sel = el("select");
      sel.setAttribute("aria-label", spec[2]);
      sel.appendChild(el("option", null, spec[2])).value = "";
      list.forEach(function (pair) {
        var o = el("option", null, spec[3] ? spec[3](pair[0]) : pair[0]);
        o.value = pair[0];
        if (filters[spec[0]] === pair[0]) o.selected = true;
        sel.appendChild(o);
      });
      sel.addEventListener("change", function () {
        filters[spec[0]] = sel.value;
        run();
      });
      bar.appendChild(sel);
    });
    return bar;
  }

  function snippet(parts) {
    var span = el("span", "search-hit-snippet");
    (parts || []).forEach(function (p) {
      if (p[1]) span.appendChild(el("mark", null, String(p[0])));
      else span.appendChild(doc.createTextNode(String(p[0])));
    });
    return span;
  }

  function suggestion(text) {
    var p = el("p", "search-empty");
    p.appendChild(doc.createTextNode("Menade du "));
    var b = el("button", "search-suggestion", text);
    b.type = "button";
    b.addEventListener("click", function () {
      input.value = text;
      input.focus();
      run();
    });
    p.appendChild(b);
    p.appendChild(doc.createTextNode("?"));
    return p;
  }

  function render(m) {
    clear();
    box.hidden = false;
    if (facets) box.appendChild(filterBar());
    var all = m.hits || [];
    /* Hits without a fragment (beyond the pages asked for) are not shown. */
    var hits = all.filter(function (h) { return typeof h.url === "string"; });
    if (!hits.length) {
      box.appendChild(el("p", "search-empty", "Inga träffar"));
      if (m.suggestion) box.appendChild(suggestion(m.suggestion));
      return;
    }
    if (m.fallback) {
      box.appendChild(el("p", "search-summary", "Inget avsnitt innehåller alla orden – visar de närmaste träffarna."));
    }
    /* A corrected typo: its results are shown, and the corrected query is offered. */
    if (m.suggestion) box.appendChild(suggestion(m.suggestion));
    /* Group section hits by page, in order of each page's best hit. */
    var groups = [];
    var byPage = Object.create(null);
    hits.forEach(function (h) {
      var page = h.url.split("#")[0];
      if (!byPage[page]) {
        byPage[page] = { page: page, first: h, hits: [] };
        groups.push(byPage[page]);
      }
      byPage[page].hits.push(h);
    });
    var pages = m.fragments || PAGES;
    /* The engine gives fragments for at most 50 pages (search-index/src/wasm.rs). */
    var more = !m.partial && pages < 50 &&
      (groups.length > pages || hits.length < all.length || all.length >= (m.limit || 20));
    groups = groups.slice(0, pages);
    var list = el("ul", "search-groups");
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Sökresultat");
    groups.forEach(function (g) {
      var li = el("li", "search-group");
      var head = el("div", "search-group-head");
      var f = g.first;
      if (f.kind) {
        head.appendChild(el("span", "badge kind-" + f.kind.replace(/[^\w-]/g, ""), KIND[f.kind] || f.kind));
        head.appendChild(doc.createTextNode(" "));
      }
      if (STATUS[f.status]) {
        head.appendChild(el("span", "badge status-" + f.status, STATUS[f.status]));
        head.appendChild(doc.createTextNode(" "));
      }
      head.appendChild(el("span", "search-group-title", f.title));
      if (f.docId) head.appendChild(el("span", "search-hit-meta", "Dokument-ID " + f.docId));
      li.appendChild(head);
      var ul = el("ul");
      g.hits.forEach(function (h) {
        var item = el("li", "search-hit");
        item.setAttribute("role", "option");
        var a = el("a");
        a.href = root + h.url;
        a.tabIndex = -1;
        a.appendChild(el("span", "search-hit-title", h.heading || h.title));
        a.appendChild(snippet(h.snippet));
        item.appendChild(a);
        ul.appendChild(item);
      });
      li.appendChild(ul);
      list.appendChild(li);
    });
    box.appendChild(list);
    if (more) {
      var row = el("div", "search-more");
      var b = el("button", null, "Visa fler träffar");
      b.type = "button";
      b.tabIndex = -1;
      b.addEventListener("click", function () {
        moreFrom = groups.length;
        shown += 1;
        b.disabled = true;
        input.focus();
        run(true);
      });
      row.appendChild(b);
      box.appendChild(row);
    }
    if (moreFrom >= 0 && moreFrom < groups.length) {
      /* After "Visa fler träffar": the first new page's first hit is the active one. */
      var first = list.children[moreFrom].querySelector(".search-hit > a");
      var ls = links();
      for (var i = 0; i < ls.length; i++) if (ls[i] === first) { active = i - 1; move(1); break; }
    }
    moreFrom = -1;
  }

  /* The keyboard's stops: every hit's link, then the "Visa fler träffar" button. */
  function links() { return box.querySelectorAll(".search-hit > a, .search-more > button"); }

  function move(delta) {
    var ls = links();
    if (!ls.length) return;
    if (active >= 0 && ls[active]) ls[active].parentNode.classList.remove("is-active");
    /* Positions -1 (the field) .. n-1 cycle. */
    active = ((active + 1 + delta) % (ls.length + 1) + ls.length + 1) % (ls.length + 1) - 1;
    if (active >= 0) {
      ls[active].parentNode.classList.add("is-active");
      ls[active].parentNode.setAttribute("aria-selected", "true");
      ls[active].scrollIntoView({ block: "nearest" });
    }
    for (var i = 0; i < ls.length; i++) {
      if (i !== active) ls[i].parentNode.removeAttribute("aria-selected");
    }
  }

  input.addEventListener("focus", start);
  input.addEventListener("pointerdown", start);
  /* Every edit is searched at once (no typing delay): the worker drops a query as soon as a
     newer one arrives, and the files each one fetched serve the next. */
  input.addEventListener("input", function () { start(); schedule(0); });
  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown") { e.preventDefault(); move(1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); move(-1); }
    else if (e.key === "Enter") {
      var ls = links();
      var target = ls[active >= 0 ? active : 0];
      if (target && target.tagName === "BUTTON") { e.preventDefault(); target.click(); }
      else if (target) { e.preventDefault(); window.location.href = target.href; }
    } else if (e.key === "Escape") {
      e.preventDefault();
      if (!box.hidden && box.firstChild) close();
      else input.blur();
    }
  });
  doc.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = doc.activeElement;
    var typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
    if ((e.key === "/" || e.key === "s") && !typing) {
      e.preventDefault();
      input.focus();
      if (input.select) input.select();
      start();
    } else if (e.key === "Escape" && !box.hidden && box.contains(t)) {
      close();
      input.focus();
    }
  });
  doc.addEventListener("click", function (e) {
    if (!box.hidden && !box.contains(e.target) && e.target !== input) close();
  });
  if (doc.activeElement === input) start();
})();
