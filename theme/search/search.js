/* samsyn search UI. Nothing is loaded until the search field is first focused; then, all at
   once, the Web Worker (search-worker.js) starts while this page fetches and compiles the
   wasm reader (search/search_index.wasm.deflate) and fetches <root>search-index/manifest.meta
   (the index's meta file), and hands them to the worker. All result text is inserted as text
   nodes, never as HTML.
   Accessibility (ARIA 1.2 combobox with a listbox): the field is the combobox and keeps the
   focus; the arrow keys move aria-activedescendant over the hits, each one link with
   role=option and one name (section, page, kind); the hits are grouped by page (role=group).
   The count of hits is announced by a live region of its own, outside the results, once
   the answer for the typed text is complete and the typing has settled. */
(function () {
  "use strict";
  var doc = document;
  var input = doc.getElementById("search-input");
  var box = doc.getElementById("search-results");
  if (!input || !box) return;
  var search = box.parentNode; /* the field and the results: focus leaving it closes them */

  var root = doc.documentElement.getAttribute("data-root") || "";
  /* The results page (sok.html, results-page.js) is a search of its own: there the header's
     field neither opens from the address nor writes to it. */
  var onResultsPage = !!doc.getElementById("search-page");
  var KIND = { agreement: "Överenskommelse", fakta: "FAKTA-dokument", process: "Process",
    "action-plan": "Handlingsplan", page: "Sida" };
  /* Badges of the statuses other than in force; the status filter's labels. */
  var STATUS = { draft: "utkast", planned: "planerad – ej publicerad",
    upcoming: "kommande", expired: "upphört", replaced: "ersatt" };
  var STATUS_LABEL = { "in-force": "Gällande", upcoming: "Kommande", expired: "Upphört",
    replaced: "Ersatt", planned: "Planerad", draft: "Utkast" };

  var worker = null;
  var ready = false;
  var broken = false; /* the engine could not be loaded */
  var sent = "";
  var facets = null;
  /* validOn: "YYYY-MM-DD" of the date control ("Gällande den"), or "". A date typed into
     the query ("gällande den 2021-03-01") goes before it (search-index/src/query.rs). */
  var filters = { kind: "", group: "", service: "", status: "", validOn: "" };
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
  /* The count is announced this long after the last edit, once its answer is complete. */
  var SETTLE_MS = 600;
  var lastInput = 0;
  var announceTimer = 0;
  var SHORTCUTS_KEY = "samsyn-search-shortcuts";
  var PLACEHOLDER = input.getAttribute("placeholder") || "";

  /* The combobox: the field, its listbox (rebuilt per answer, always with this id) and the
     live region for the count (never rebuilt). */
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", "search-listbox");
  box.removeAttribute("role");
  box.removeAttribute("aria-live");
  var live = doc.createElement("div");
  live.id = "search-status";
  live.className = "visually-hidden";
  live.setAttribute("role", "status");
  live.setAttribute("aria-live", "polite");
  live.setAttribute("aria-atomic", "true");
  search.appendChild(live);
  placeholder();

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
      /* manifest.meta: the index's version (its meta file's name) on a line, then the meta
         file (search-index/src/format.rs). In the live preview it also carries the overlay
         of the pages changed since the index was built (search-index/src/overlay.rs),
         which the preview's reader opens. */
      var meta = get(index + "manifest.meta", { cache: "no-cache" }).then(function (r) {
        return r.arrayBuffer();
      }).then(function (b) {
        var i = new Uint8Array(b).indexOf(10);
        version = new TextDecoder().decode(b.slice(0, i));
        if (!/^[\w.-]+$/.test(version)) throw new Error("bad manifest.meta");
        return b.slice(i + 1);
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
        var params = new TextEncoder().encode([q, filters.kind, filters.group, filters.service,
          filters.status, filters.validOn].join("\0"));
        var len = ex.ss_search(h, put(params), params.length, 3 * PAGES, PAGES, BUDGET);
        var out = JSON.parse(new TextDecoder().decode(new Uint8Array(ex.memory.buffer, ex.ss_out(h), len)));
        names = (out.need || []).filter(function (name) { return /^[\w.@+-]+$/.test(name); });
      });
    }).catch(function () { /* the worker fetches what it needs itself */ }).then(function () {
      worker.postMessage({ type: "expect", names: names });
      names.forEach(function (name) {
        indexFile(index, name).then(function (f) {
          worker.postMessage({ type: "file", name: name, bytes: f.bytes, kept: f.kept }, [f.bytes]);
        }, function () {
          worker.postMessage({ type: "file", name: name, bytes: null });
        });
      });
    });
  }

  /* An index file's stored bytes ({bytes, kept}): from the worker's store of index files
     when a search on an earlier page kept it there (search-worker.js), else fetched (a
     range of an archive as the worker fetches it, past the HTTP cache). */
  function indexFile(index, name) {
    var url = index + name;
    var m = /^(.+)@(\d+)\+(\d+)$/.exec(name);
    var kept = !self.caches ? Promise.resolve(null) : Promise.race([
      caches.match(url).catch(function () { return null; }),
      new Promise(function (resolve) { setTimeout(resolve, 500, null); }) /* storage hangs */
    ]);
    return kept.then(function (r) {
      var fromStore = !!(r && r.ok);
      return (fromStore ? Promise.resolve(r) : get(m ? index + m[1] : url, m && { cache: "no-store",
        headers: { Range: "bytes=" + m[2] + "-" + (+m[2] + +m[3] - 1), "Cache-Control": "max-age=31536000" } }))
        .then(function (res) { return res.arrayBuffer(); })
        .then(function (b) { return { bytes: !fromStore && m && b.byteLength != m[3] ? b.slice(+m[2], +m[2] + +m[3]) : b, kept: fromStore }; });
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
    failAsked(e);
    /* Said in the box when the visitor is searching (not when a page opened from a hit
       started the engine for its marks). */
    if (input.value.trim() || doc.activeElement === input) status("Sökningen kunde inte startas.");
    if (window.console) console.warn("samsyn search:", e && e.message || e);
  }

  /* The results box: the filters and the settings stay (a focused select or checkbox keeps
     its focus); what is between them (body) is rebuilt per answer. */
  var body = el("div", "search-body");
  var filtersEl = null;
  var settingsEl = null;
  function frame() {
    if (facets && !filtersEl) {
      filtersEl = filterBar();
      box.insertBefore(filtersEl, box.firstChild);
    }
    if (body.parentNode !== box) box.insertBefore(body, filtersEl ? filtersEl.nextSibling : box.firstChild);
    if (!settingsEl) settingsEl = settings();
    if (settingsEl.parentNode !== box) box.appendChild(settingsEl);
  }

  function status(text) {
    clear();
    frame();
    box.removeAttribute("aria-busy");
    body.appendChild(el("p", "search-status", text));
    box.hidden = false;
    announce(text, 0);
  }

  function clear() {
    while (body.firstChild) body.removeChild(body.firstChild);
    active = -1;
    input.removeAttribute("aria-activedescendant");
    input.setAttribute("aria-expanded", "false");
  }

  function close() {
    syncAddress(true);
    clear();
    box.hidden = true;
    box.removeAttribute("aria-busy");
    shownPartial = 0;
    clearTimeout(announceTimer);
  }

  /* Puts text in the live region once the typing has settled (SETTLE_MS after the last
     edit; at once for what does not follow an edit, e.g. a filter). The region changes
     only then, once per complete answer (a new text node: the same count is announced
     again for a new answer). */
  function announce(text, settle) {
    clearTimeout(announceTimer);
    var wait = settle ? Math.max(0, lastInput + SETTLE_MS - Date.now()) : 0;
    announceTimer = setTimeout(function () { live.textContent = text; }, wait);
  }

  /* "12 träffar i 5 dokument", "1 träff i 1 dokument", "Inga träffar". */
  function countText(hits, pages, more) {
    if (!hits) return "Inga träffar";
    return hits + (hits === 1 ? " träff" : " träffar") + " i " + pages + " dokument" +
      (more ? " (fler finns)" : "");
  }

  /* Single-key shortcuts (s, /): on unless the visitor turned them off (remembered). */
  function shortcutsOn() {
    try { return window.localStorage.getItem(SHORTCUTS_KEY) !== "off"; } catch (e) { return true; }
  }

  function setShortcuts(on) {
    try {
      if (on) window.localStorage.removeItem(SHORTCUTS_KEY);
      else window.localStorage.setItem(SHORTCUTS_KEY, "off");
    } catch (e) { /* not remembered */ }
    placeholder();
  }

  function placeholder() {
    if (PLACEHOLDER) input.setAttribute("placeholder", shortcutsOn() ? PLACEHOLDER : "Sök");
  }

  function settings() {
    var row = el("div", "search-settings");
    var label = el("label");
    var box2 = el("input");
    box2.type = "checkbox";
    box2.checked = shortcutsOn();
    box2.addEventListener("change", function () { setShortcuts(box2.checked); });
    label.appendChild(box2);
    label.appendChild(doc.createTextNode(" Kortkommandon (s, /)"));
    row.appendChild(label);
    return row;
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(run, delay);
  }

  /* more: keep the number of pages shown (the "Visa fler träffar" button raised it). */
  function run(more) {
    var q = input.value;
    syncAddress();
    if (!q.trim()) { close(); return; }
    if (!worker) return;
    if (broken) { status("Sökningen kunde inte startas."); return; }
    if (more !== true) { shown = 1; moreFrom = -1; }
    /* The worker queues a query sent before it is ready; once ready, it is not resent. */
    var key = [q, filters.kind, filters.group, filters.service, filters.status, filters.validOn,
      shown].join("\u0000");
    if (!ready && key === sent) return;
    sent = key;
    seq += 1;
    /* fragments: the pages (in rank order) whose hits come with title, URL and snippet. */
    worker.postMessage({ type: "search", id: seq, query: q, kind: filters.kind, group: filters.group,
      service: filters.service, status: filters.status, validOn: filters.validOn,
      limit: Math.min(200, 3 * PAGES * shown), fragments: PAGES * shown,
      first: shown === 1 ? FIRST : 0, budget: BUDGET });
  }

  function onMessage(e) {
    var m = e.data || {};
    if (answerAsked(m)) return;
    if (m.type === "ready") {
      ready = true;
      facets = m.facets;
      engineReady(facets);
    } else if (m.type === "results") {
      if (m.id !== seq) return;
      /* The engine's answer (JSON text) and what the worker adds to it. */
      var r = JSON.parse(m.json);
      r.partial = m.partial;
      r.fragments = m.fragments;
      r.limit = m.limit;
      r.query = m.query;
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
      ["service", "services", "Alla verksamheter", null],
      ["status", "statuses", "Alla statusar", function (v) { return STATUS_LABEL[v] || v; }]].forEach(function (spec) {
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
    bar.appendChild(dateControl());
    return bar;
  }

  /* "Gällande den": only what applied on that day (pages without dates always). The
     browser's own date field: keyboard-usable, its value always YYYY-MM-DD or empty. */
  function dateControl() {
    var label = el("label", "search-date");
    label.appendChild(doc.createTextNode("Gällande den "));
    var date = el("input");
    date.type = "date";
    date.id = "search-valid-on";
    date.value = filters.validOn;
    function changed() {
      var v = /^\d{4}-\d{2}-\d{2}$/.test(date.value) ? date.value : "";
      if (v === filters.validOn) return;
      filters.validOn = v;
      run();
    }
    date.addEventListener("change", changed);
    date.addEventListener("input", changed);
    label.appendChild(date);
    return label;
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
    frame();
    box.hidden = false;
    var all = m.hits || [];
    /* Hits without a fragment (beyond the pages asked for) are not shown. */
    var hits = all.filter(function (h) { return typeof h.url === "string"; });
    /* A date (the control's, or typed: "gällande den …") is said, as the engine read it. */
    if (typeof m.validOn === "string") {
      body.appendChild(el("p", "search-summary search-valid-on",
        "Visar det som gällde den " + m.validOn + " (och sidor utan giltighetsdatum)."));
    }
    if (!hits.length) {
      body.appendChild(el("p", "search-empty", "Inga träffar"));
      if (m.suggestion) body.appendChild(suggestion(m.suggestion));
      if (!m.partial) announce(countText(0), true);
      return;
    }
    if (m.fallback) {
      body.appendChild(el("p", "search-summary", "Inget avsnitt innehåller alla orden – visar de närmaste träffarna."));
    }
    /* A corrected typo: its results are shown, and the corrected query is offered. */
    if (m.suggestion) body.appendChild(suggestion(m.suggestion));
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
    /* The box shows at most 50 result pages (more: the results page, sok.html). */
    var more = !m.partial && pages < 50 &&
      (groups.length > pages || hits.length < all.length || all.length >= (m.limit || 20));
    groups = groups.slice(0, pages);
    /* The visible count; the live region gets the same text once the answer is complete. */
    var shownHits = 0;
    groups.forEach(function (g) { shownHits += g.hits.length; });
    var count = el("p", "search-count", countText(shownHits, groups.length, more));
    count.setAttribute("aria-hidden", "true");
    body.appendChild(count);
    var list = el("div", "search-groups");
    list.id = "search-listbox";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Sökresultat");
    var n = 0;
    groups.forEach(function (g) {
      var f = g.first;
      var kind = f.kind ? KIND[f.kind] || f.kind : "";
      var about = [kind, STATUS[f.status] || ""].filter(Boolean).join(", ");
      var li = el("div", "search-group");
      li.setAttribute("role", "group");
      li.setAttribute("aria-label", f.title + (about ? " (" + about + ")" : ""));
      /* The page's head is seen; its words are in the group's and each hit's name. */
      var head = el("div", "search-group-head");
      head.setAttribute("aria-hidden", "true");
      if (f.kind) {
        head.appendChild(el("span", "badge kind-" + f.kind.replace(/[^\w-]/g, ""), kind));
        head.appendChild(doc.createTextNode(" "));
      }
      if (STATUS[f.status]) {
        head.appendChild(el("span", "badge status-" + f.status, STATUS[f.status]));
        head.appendChild(doc.createTextNode(" "));
      }
      head.appendChild(el("span", "search-group-title", f.title));
      if (f.docId) head.appendChild(el("span", "search-hit-meta", "Dokument-ID " + f.docId));
      li.appendChild(head);
      g.hits.forEach(function (h) {
        /* One link per hit, the option itself: nothing interactive inside it. Its name
           (from its text): the section, then, unseen, the page and its kind; the snippet
           is its description. */
        var a = el("a", "search-hit");
        a.id = "search-hit-" + n;
        a.setAttribute("role", "option");
        a.setAttribute("aria-selected", "false");
        a.href = markedHref(h.url, m.query || input.value);
        a.tabIndex = -1;
        var title = h.heading || h.title;
        a.appendChild(el("span", "search-hit-title", title));
        /* Matched only through the other form of a glossary abbreviation: said in the
           hit's text, so its name carries it too. */
        if (h.via && h.via.length) a.appendChild(el("span", "search-hit-via", " träff via " + h.via.join(", ")));
        var context = (title !== f.title ? " – " + f.title : "") + (about ? " (" + about + ")" : "");
        if (context) a.appendChild(el("span", "visually-hidden", context));
        var snip = snippet(h.snippet);
        snip.id = "search-hit-" + n + "-text";
        snip.setAttribute("aria-hidden", "true");
        a.setAttribute("aria-describedby", snip.id);
        a.appendChild(snip);
        li.appendChild(a);
        n += 1;
      });
      list.appendChild(li);
    });
    if (more) {
      /* "Visa fler träffar" is an option of the listbox (the arrow keys reach it). */
      var row = el("div", "search-more");
      var b = el("button", null, "Visa fler träffar");
      b.type = "button";
      b.id = "search-more";
      b.setAttribute("role", "option");
      b.setAttribute("aria-selected", "false");
      b.tabIndex = -1;
      b.addEventListener("click", function () {
        moreFrom = groups.length;
        shown += 1;
        b.disabled = true;
        input.focus();
        run(true);
      });
      row.appendChild(b);
      list.appendChild(row);
    }
    var allRow = el("div", "search-all-row");
    allRow.appendChild(allHitsOption(m, all));
    list.appendChild(allRow);
    body.appendChild(list);
    input.setAttribute("aria-expanded", "true");
    if (!m.partial) announce(count.textContent, true);
    if (moreFrom >= 0 && moreFrom < groups.length) {
      /* After "Visa fler träffar": the first new page's first hit is the active one. */
      var first = list.children[moreFrom].querySelector("a.search-hit");
      var ls = links();
      for (var i = 0; i < ls.length; i++) if (ls[i] === first) { active = i - 1; move(1); break; }
    }
    moreFrom = -1;
  }

  /* The options, in order: every hit's link, then the "Visa fler träffar" button. */
  function links() { return box.querySelectorAll("[role=option]"); }

  function move(delta) {
    var ls = links();
    if (!ls.length) return;
    if (active >= 0 && ls[active]) ls[active].classList.remove("is-active");
    /* Positions -1 (the field) .. n-1 cycle. */
    active = ((active + 1 + delta) % (ls.length + 1) + ls.length + 1) % (ls.length + 1) - 1;
    for (var i = 0; i < ls.length; i++) ls[i].setAttribute("aria-selected", i === active ? "true" : "false");
    if (active >= 0) {
      ls[active].classList.add("is-active");
      input.setAttribute("aria-activedescendant", ls[active].id);
      ls[active].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  /* ---- Shareable searches: the query and the filters in the page's address ---- */

  /* Address parameter -> filter (the query itself is `q`). */
  var ADDRESS = { typ: "kind", grupp: "group", verksamhet: "service", status: "status", gallande: "validOn" };

  /* The query and filters an address asks for ({q, filters}), from its search part. */
  function fromAddress(search) {
    var p = new URLSearchParams(search);
    var f = { kind: "", group: "", service: "", status: "", validOn: "" };
    Object.keys(ADDRESS).forEach(function (k) { f[ADDRESS[k]] = p.get(k) || ""; });
    if (!/^\d{4}-\d{2}-\d{2}$/.test(f.validOn)) f.validOn = "";
    return { q: p.get("q") || "", filters: f };
  }

  /* The search part (without "?") that asks for a query and its filters. */
  function toAddress(q, f) {
    var p = new URLSearchParams();
    if (q.trim()) p.set("q", q);
    Object.keys(ADDRESS).forEach(function (k) { if (f[ADDRESS[k]]) p.set(k, f[ADDRESS[k]]); });
    return p.toString();
  }

  /* Keeps this page's address in step with the open search, the field and the filters
     (replaceState: the address can be copied; no history entry per keystroke); closed
     (Esc, the focus gone elsewhere in the page, an empty field), the address is the page's
     again. Other parameters and the fragment stay. Written once the typing pauses:
     browsers limit how often a page may change its address (Safari throws past 100
     changes in 30 s). */
  var ADDRESS_PAUSE_MS = 300;
  var addressTimer = 0;
  function syncAddress(closed) {
    if (onResultsPage || !window.history || !history.replaceState) return;
    clearTimeout(addressTimer);
    addressTimer = setTimeout(function () {
      var url = new URL(window.location.href);
      ["q"].concat(Object.keys(ADDRESS)).forEach(function (k) { url.searchParams.delete(k); });
      if (!closed && input.value.trim()) {
        new URLSearchParams(toAddress(input.value, filters)).forEach(function (v, k) { url.searchParams.set(k, v); });
      }
      try {
        if (url.href !== window.location.href) history.replaceState(history.state, "", url.href);
      } catch (e) { /* over the browser's limit: the address stays as it was */ }
    }, ADDRESS_PAUSE_MS);
  }

  /* A page opened with ?q=… (and filters) opens the search with them. */
  function openFromAddress() {
    if (onResultsPage) return;
    var asked = fromAddress(window.location.search);
    if (!asked.q.trim()) return;
    filters = asked.filters;
    input.value = asked.q;
    input.focus(); /* starts the engine and searches (the focus handler) */
    start();
    schedule(0);
  }

  /* "Visa alla träffar (N)": the results page for this query and these filters, the
     listbox's last option. N is said exactly when the answer holds every hit. */
  function allHitsOption(m, all) {
    var n = all.length;
    var exact = n < (m.limit || 20) && !m.approximate;
    var a = el("a", "search-all", "Visa alla träffar" +
      (exact ? " (" + n + ")" : n >= (m.limit || 20) ? " (minst " + n + ")" : ""));
    a.id = "search-all";
    a.href = root + "sok.html?" + toAddress(m.query || input.value, filters);
    a.setAttribute("role", "option");
    a.setAttribute("aria-selected", "false");
    a.tabIndex = -1;
    return a;
  }

  /* The address of a hit that marks the query's words where it opens (arrival.js):
     `?markera=<query>` before the fragment. */
  function markedHref(url, q) {
    var i = url.indexOf("#");
    var path = i < 0 ? url : url.slice(0, i);
    return root + path + "?" + MARK_PARAM + "=" + encodeURIComponent(String(q || "").trim()) +
      (i < 0 ? "" : url.slice(i));
  }

  /* ---- The engine for the other search scripts (arrival.js, results-page.js) ---- */
  var MARK_PARAM = "markera";
  var asked = Object.create(null);
  var askedSeq = 0;
  var readyWaiters = [];

  /* In the live preview (live-reload.js) the search index changed after a save: an idle
     worker is stopped; the next query starts one on the new index. */
  doc.addEventListener("samsyn:search-index", function () {
    if (!worker || broken || Object.keys(asked).length) return;
    worker.terminate();
    worker = null;
    ready = false;
    sent = "";
  });

  function engineReady(f) {
    readyWaiters.forEach(function (w) { w.resolve(f); });
    readyWaiters = [];
  }

  /* Posts a message to the worker (starting it) under an id of its own; the promise gets
     the worker's answer to it (its "results" or "marks" message). */
  function ask(msg) {
    start();
    return new Promise(function (resolve, reject) {
      if (broken || !worker) { reject(new Error("search unavailable")); return; }
      msg.id = "ask-" + (++askedSeq);
      asked[msg.id] = { resolve: resolve, reject: reject };
      worker.postMessage(msg);
    });
  }

  function answerAsked(m) {
    var w = typeof m.id === "string" && asked[m.id];
    if (!w) return false;
    delete asked[m.id];
    if (m.type === "error") w.reject(new Error(m.message));
    else w.resolve(m);
    return true;
  }

  function failAsked(e) {
    Object.keys(asked).forEach(function (id) { asked[id].reject(e || new Error("search failed")); });
    asked = Object.create(null);
    readyWaiters.forEach(function (w) { w.reject(e || new Error("search failed")); });
    readyWaiters = [];
  }

  window.samsynSearch = {
    root: root,
    ask: ask,
    /* The filter values of the index (facets), once the engine is ready. */
    facets: function () {
      start();
      if (ready) return Promise.resolve(facets);
      if (broken) return Promise.reject(new Error("search unavailable"));
      return new Promise(function (resolve, reject) { readyWaiters.push({ resolve: resolve, reject: reject }); });
    },
    fromAddress: fromAddress,
    toAddress: toAddress,
    markedHref: markedHref,
    kindLabel: function (k) { return KIND[k] || k; },
    statusLabel: function (s) { return STATUS_LABEL[s] || s; },
    statusBadge: function (s) { return STATUS[s] || ""; },
  };

  /* A page opened from a hit (?markera=…): the engine starts at once and arrival.js,
     loaded only then, marks the words. Without the parameter nothing is loaded. */
  function markOnArrival() {
    var q = new URLSearchParams(window.location.search).get(MARK_PARAM);
    if (!q || !q.trim() || !doc.querySelector("main")) return;
    start();
    var js = el("script");
    js.src = root + "search/arrival.js";
    doc.head.appendChild(js);
  }

  input.addEventListener("focus", function () {
    start();
    /* Back in the field after leaving it (which closed the results): shown again. */
    if (box.hidden && input.value.trim()) schedule(0);
  });
  input.addEventListener("pointerdown", start);
  /* Every edit is searched at once (no typing delay): the worker drops a query as soon as a
     newer one arrives, and the files each one fetched serve the next. */
  input.addEventListener("input", function () {
    lastInput = Date.now();
    clearTimeout(announceTimer);
    start();
    schedule(0);
  });
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
    if ((e.key === "/" || e.key === "s") && !typing && shortcutsOn()) {
      e.preventDefault();
      input.focus();
      if (input.select) input.select();
      start();
    } else if (e.key === "Escape" && !box.hidden && box.contains(t)) {
      close();
      input.focus();
    }
  });
  /* Focus leaving the search (the field and the results) closes the results. */
  search.addEventListener("focusout", function (e) {
    var to = e.relatedTarget;
    if (to && search.contains(to)) return;
    /* The window losing the focus keeps them (the focus comes back to the same place). */
    if (!to && !doc.hasFocus()) return;
    if (!box.hidden) close();
  });
  doc.addEventListener("click", function (e) {
    if (!box.hidden && !box.contains(e.target) && e.target !== input) close();
  });
  if (doc.activeElement === input) start();
  openFromAddress();
  markOnArrival();
})();
