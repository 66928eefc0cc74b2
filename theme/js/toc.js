/* samsyn – builds the site navigation into <nav id="sidebar"> from window.SAMSYN_TOC
   (written once per site to js/toc-data.js): [{t: title, u: url relative to root or null, c: [children]}],
   part titles as {t, u: null, c: [], p: 1}.
   Marks the current page, expands its ancestors, collapsible sections, keeps the sidebar scroll. */
(function () {
  "use strict";

  var doc = document;
  var html = doc.documentElement;
  var nav = doc.getElementById("sidebar");
  if (!nav) return;

  var root = html.getAttribute("data-root") || "";
  var current = stripHash(html.getAttribute("data-path") || "");
  var data = window.SAMSYN_TOC;
  var SCROLL_KEY = "samsyn-sidebar-scroll";
  var OPEN_KEY = "samsyn-sidebar-open";
  var counter = 0;

  function stripHash(url) {
    var i = url.indexOf("#");
    url = i >= 0 ? url.slice(0, i) : url;
    i = url.indexOf("?");
    return i >= 0 ? url.slice(0, i) : url;
  }
  function session(key, value) {
    try {
      if (value === undefined) return sessionStorage.getItem(key);
      sessionStorage.setItem(key, value);
    } catch (e) { /* storage unavailable */ }
    return null;
  }

  if (!Array.isArray(data)) {
    // The data file failed to load: fall back to the standalone table of contents.
    var p = doc.createElement("p");
    var fallback = doc.createElement("a");
    fallback.href = root + "toc.html";
    fallback.textContent = "Innehållsförteckning";
    p.appendChild(fallback);
    nav.appendChild(p);
    return;
  }

  // Sections the visitor opened or closed by hand during this visit (keyed by a path of titles).
  var remembered = {};
  try { remembered = JSON.parse(session(OPEN_KEY) || "{}") || {}; } catch (e) { remembered = {}; }
  function remember(key, open) {
    remembered[key] = open;
    session(OPEN_KEY, JSON.stringify(remembered));
  }

  var currentLink = null;

  function makeLink(item) {
    var a = doc.createElement("a");
    a.href = root + item.u;
    a.textContent = item.t;
    if (current && stripHash(item.u) === current && !currentLink) {
      a.setAttribute("aria-current", "page");
      currentLink = a;
    }
    return a;
  }

  // Returns {list, containsCurrent}.
  function buildList(items, depth, keyPrefix) {
    var ol = doc.createElement("ol");
    var containsCurrent = false;
    for (var i = 0; i < items.length; i++) {
      var item = items[i] || {};
      var li = doc.createElement("li");
      if (item.p) {
        // A part title of SUMMARY.md: a heading between groups of chapters.
        li.className = "toc-part-title";
        li.textContent = item.t;
        ol.appendChild(li);
        continue;
      }
      var row = doc.createElement("div");
      row.className = "toc-row";
      var label;
      var before = currentLink;
      if (item.u) {
        label = makeLink(item);
      } else {
        label = doc.createElement("span");
        label.className = "toc-label" + (item.c && item.c.length ? "" : " toc-draft");
        label.textContent = item.t;
      }
      row.appendChild(label);
      li.appendChild(row);
      var isCurrent = currentLink !== before;

      var children = Array.isArray(item.c) ? item.c : [];
      if (children.length) {
        var key = keyPrefix + "/" + item.t;
        var sub = buildList(children, depth + 1, key);
        var id = "toc-sub-" + (++counter);
        sub.list.id = id;
        var open = isCurrent || sub.containsCurrent;
        if (Object.prototype.hasOwnProperty.call(remembered, key)) open = open || remembered[key];
        var toggle = doc.createElement("button");
        toggle.type = "button";
        toggle.className = "toc-toggle";
        toggle.setAttribute("aria-controls", id);
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
        toggle.setAttribute("aria-label", "Undersidor till " + item.t);
        toggle.setAttribute("data-key", key);
        sub.list.hidden = !open;
        row.appendChild(toggle);
        li.appendChild(sub.list);
        if (!item.u && depth === 0) li.className = "toc-part";
        containsCurrent = containsCurrent || sub.containsCurrent;
      }
      containsCurrent = containsCurrent || isCurrent;
      ol.appendChild(li);
    }
    return { list: ol, containsCurrent: containsCurrent };
  }

  // Fixed entries for the generated pages, which are not part of SUMMARY.md.
  var extras = buildList([
    { t: "Startsida", u: "index.html", c: [] },
    { t: "Dokumentregister", u: "dokumentregister.html", c: [] }
  ], 0, "#extra").list;
  extras.className = "sidebar-extra";
  var tree = buildList(data, 0, "").list;
  tree.className = "sidebar-tree";

  var frag = doc.createDocumentFragment();
  frag.appendChild(extras);
  frag.appendChild(tree);
  nav.appendChild(frag);

  nav.addEventListener("click", function (event) {
    var toggle = event.target.closest ? event.target.closest(".toc-toggle") : null;
    if (!toggle) return;
    var list = doc.getElementById(toggle.getAttribute("aria-controls"));
    if (!list) return;
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    list.hidden = !open;
    remember(toggle.getAttribute("data-key"), open);
  });

  /* Keep the sidebar's scroll position from page to page; otherwise show the current page. */
  var saved = parseInt(session(SCROLL_KEY) || "", 10);
  if (!isNaN(saved) && saved > 0) nav.scrollTop = saved;
  if (currentLink) {
    var navBox = nav.getBoundingClientRect();
    var linkBox = currentLink.getBoundingClientRect();
    var outside = linkBox.top < navBox.top || linkBox.bottom > navBox.bottom;
    if (outside) {
      nav.scrollTop += linkBox.top - navBox.top - nav.clientHeight / 3;
    }
  }
  function saveScroll() { session(SCROLL_KEY, String(nav.scrollTop)); }
  window.addEventListener("pagehide", saveScroll);
  nav.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("a[href]")) saveScroll();
  });
})();
