/* The results page (sok.html): every hit of a query, PER a page, with the filters of the
   search box. The address says it all (q, the filters as in search.js's toAddress, and
   `sida`), so a results page can be shared and bookmarked; a new search or page is a new
   history entry, a filter changes the current one. The engine is search.js's (its worker,
   through window.samsynSearch). The ranking is exact (no posting budget), over the 200 best
   sections (the engine's most); the text of a page's hits is fetched for that page only.
   Structure: h1 "Sök", the form, a polite status with the count, h2 "Träffar 21–40" (the
   focus goes there when the page changes), an h3 link per hit, and Föregående/Nästa. */
(function () {
  "use strict";
  var doc = document;
  var api = window.samsynSearch;
  var form = doc.getElementById("search-page-form");
  var input = doc.getElementById("search-page-input");
  var filtersBox = doc.getElementById("search-page-filters");
  var status = doc.getElementById("search-page-status");
  var results = doc.getElementById("search-page-results");
  if (!api || !form || !input || !status || !results) return;
  var PER = 20;
  var LIMIT = 200;
  var FILTERS = [["kind", "kinds", "Dokumenttyp", api.kindLabel],
    ["group", "groups", "Strategigrupp", null],
    ["service", "services", "Verksamhet", null],
    ["status", "statuses", "Status", api.statusLabel]];
  var state = read();
  var token = 0;
  var controls = {};

  function read() {
    var a = api.fromAddress(window.location.search);
    var page = parseInt(new URLSearchParams(window.location.search).get("sida"), 10);
    return { q: a.q, filters: a.filters, page: page > 0 ? page : 1 };
  }

  function address(s, page) {
    var search = api.toAddress(s.q, s.filters);
    if (page > 1) search += (search ? "&" : "") + "sida=" + page;
    return api.root + "sok.html" + (search ? "?" + search : "");
  }

  function el(tag, cls, text) {
    var e = doc.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  /* The filter menus and the date, once the index's values are known. */
  function buildFilters(facets) {
    FILTERS.forEach(function (spec) {
      var list = facets && facets[spec[1]];
      if (!list || !list.length) return;
      var label = el("label", "search-page-filter");
      label.appendChild(el("span", null, spec[2]));
      var sel = el("select");
      sel.name = spec[0];
      sel.appendChild(el("option", null, "Alla")).value = "";
      list.forEach(function (pair) {
        sel.appendChild(el("option", null, spec[3] ? spec[3](pair[0]) : pair[0])).value = pair[0];
      });
      sel.addEventListener("change", function () { filterChanged(spec[0], sel.value); });
      label.appendChild(sel);
      filtersBox.appendChild(label);
      controls[spec[0]] = sel;
    });
    var label = el("label", "search-page-filter");
    label.appendChild(el("span", null, "Gällande den"));
    var date = el("input");
    date.type = "date";
    date.name = "validOn";
    date.addEventListener("change", function () {
      filterChanged("validOn", /^\d{4}-\d{2}-\d{2}$/.test(date.value) ? date.value : "");
    });
    label.appendChild(date);
    filtersBox.appendChild(label);
    controls.validOn = date;
    showState();
  }

  function showState() {
    input.value = state.q;
    Object.keys(controls).forEach(function (k) { controls[k].value = state.filters[k] || ""; });
  }

  function filterChanged(key, value) {
    if (state.filters[key] === value) return;
    state.filters[key] = value;
    state.page = 1;
    history.replaceState(null, "", address(state, 1));
    run(false);
  }

  /* Distinct result pages of the engine (virtual pages: doc >> 3, search-index/src/format.rs)
     among the first n hits: how many must come with their text to show them. */
  function pagesAmong(hits, n) {
    var seen = Object.create(null);
    var count = 0;
    hits.slice(0, n).forEach(function (h) {
      var v = Math.floor(h.doc / 8);
      if (!seen[v]) { seen[v] = true; count += 1; }
    });
    return count;
  }

  function search(fragments) {
    var f = state.filters;
    return api.ask({ type: "search", channel: "page", query: state.q, kind: f.kind, group: f.group, service: f.service,
      status: f.status, validOn: f.validOn, limit: LIMIT, fragments: fragments, budget: 0 })
      .then(function (m) { return JSON.parse(m.json); });
  }

  /* Searches (first the ranking, then the text of this page's hits) and shows the page.
     focus: move the focus to the page's heading (after Föregående/Nästa). */
  function run(focus) {
    var mine = ++token;
    while (results.firstChild) results.removeChild(results.firstChild);
    if (!state.q.trim()) { status.textContent = ""; return; }
    results.setAttribute("aria-busy", "true");
    search(1).then(function (r) {
      var need = pagesAmong(r.hits || [], state.page * PER);
      return need > 1 ? search(need) : r;
    }).then(function (r) {
      if (mine === token) render(r, focus);
    }).catch(function (e) {
      if (mine !== token) return;
      results.removeAttribute("aria-busy");
      status.textContent = "Sökningen kunde inte genomföras.";
      if (window.console) console.warn("samsyn search:", e && e.message || e);
    });
  }

  function snippet(parts) {
    var p = el("p", "search-page-snippet");
    (parts || []).forEach(function (part) {
      if (part[1]) p.appendChild(el("mark", null, String(part[0])));
      else p.appendChild(doc.createTextNode(String(part[0])));
    });
    return p;
  }

  function hit(h) {
    var li = el("li", "search-page-hit");
    var title = h.heading || h.title;
    var h3 = el("h3");
    var a = el("a", null, title);
    a.href = api.markedHref(h.url, state.q);
    h3.appendChild(a);
    li.appendChild(h3);
    var where = el("p", "search-page-where");
    if (h.kind) {
      where.appendChild(el("span", "badge kind-" + h.kind.replace(/[^\w-]/g, ""), api.kindLabel(h.kind)));
      where.appendChild(doc.createTextNode(" "));
    }
    if (api.statusBadge(h.status)) {
      where.appendChild(el("span", "badge status-" + h.status.replace(/[^\w-]/g, ""), api.statusBadge(h.status)));
      where.appendChild(doc.createTextNode(" "));
    }
    where.appendChild(doc.createTextNode(title !== h.title ? h.title : ""));
    if (h.docId) where.appendChild(doc.createTextNode((title !== h.title ? " · " : "") + "Dokument-ID " + h.docId));
    li.appendChild(where);
    li.appendChild(snippet(h.snippet));
    return li;
  }

  function pagerLink(text, page, rel) {
    var a = el("a", "search-page-" + rel, text);
    a.href = address(state, page);
    a.rel = rel;
    a.addEventListener("click", function (e) {
      if (e.ctrlKey || e.metaKey || e.shiftKey || e.button) return;
      e.preventDefault();
      state.page = page;
      history.pushState(null, "", a.href);
      run(true);
    });
    return a;
  }

  function render(r, focus) {
    results.removeAttribute("aria-busy");
    var hits = r.hits || [];
    var total = hits.length;
    var pages = Math.max(1, Math.ceil(total / PER));
    var page = Math.min(state.page, pages);
    var shown = hits.slice((page - 1) * PER, page * PER).filter(function (h) { return typeof h.url === "string"; });
    var q = "”" + state.q.trim() + "”";
    status.textContent = !total ? "Inga träffar för " + q + "." :
      (total >= LIMIT ? "Minst " + total + " träffar" : total + (total === 1 ? " träff" : " träffar")) + " för " + q +
      (pages > 1 ? ", sida " + page + " av " + pages : "") + ".";
    if (typeof r.validOn === "string") {
      results.appendChild(el("p", "search-page-note", "Visar det som gällde den " + r.validOn + " (och sidor utan giltighetsdatum)."));
    }
    if (r.fallback) results.appendChild(el("p", "search-page-note", "Inget avsnitt innehåller alla orden – visar de närmaste träffarna."));
    if (r.suggestion) {
      var p = el("p", "search-page-note");
      p.appendChild(doc.createTextNode("Menade du "));
      var s = { q: r.suggestion, filters: state.filters };
      p.appendChild(el("a", null, r.suggestion)).href = address(s, 1);
      p.appendChild(doc.createTextNode("?"));
      results.appendChild(p);
    }
    if (!shown.length) return;
    var from = (page - 1) * PER + 1;
    var heading = el("h2", "search-page-range", "Träffar " + from + "–" + (from + shown.length - 1));
    heading.id = "search-page-range";
    heading.tabIndex = -1;
    results.appendChild(heading);
    var list = el("ol", "search-page-list");
    list.start = from;
    shown.forEach(function (h) { list.appendChild(hit(h)); });
    results.appendChild(list);
    if (pages > 1) {
      var nav = el("nav", "search-page-pager");
      nav.setAttribute("aria-label", "Sidor med träffar");
      if (page > 1) nav.appendChild(pagerLink("Föregående", page - 1, "prev"));
      nav.appendChild(el("span", "search-page-of", "Sida " + page + " av " + pages));
      if (page < pages) nav.appendChild(pagerLink("Nästa", page + 1, "next"));
      results.appendChild(nav);
    }
    if (focus) heading.focus();
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    state.q = input.value;
    state.page = 1;
    history.pushState(null, "", address(state, 1));
    run(false);
  });
  window.addEventListener("popstate", function () {
    state = read();
    showState();
    run(true);
  });

  showState();
  api.facets().then(buildFilters, function () {
    status.textContent = "Sökningen kunde inte startas.";
  });
  run(false);
})();
