/* samsyn – the site navigation in <nav id="sidebar">, in one of two forms (src/render/nav.rs).
   Whole: built here from window.SAMSYN_TOC (js/toc-data.<hash>.js, one per site):
   [{t: title, u: url relative to root or null, c: [children]}], part titles as {t, u: null, c: [], p: 1}.
   Branches (large books, <nav data-nav="branches">): the page comes with its part of the tree;
   a closed branch's <li> names the JSON file (data-branch) and entry (data-entry) that list its
   children, gets its toggle here, and its children are fetched when it is opened: {"<entry>": [{t, u, e: entry with children, f: its file}]}.
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

  var branches = nav.getAttribute("data-nav") === "branches";
  if (!branches && !Array.isArray(data)) {
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

  // An entry's <li> with its row (link, or label for a draft or a chapter without a page),
  // or a part title's <li>.
  function entryItem(item) {
    var li = doc.createElement("li");
    if (item.p) {
      // A part title of SUMMARY.md: a heading between groups of chapters.
      li.className = "toc-part-title";
      li.textContent = item.t;
      return li;
    }
    var row = doc.createElement("div");
    row.className = "toc-row";
    var label;
    if (item.u) {
      label = makeLink(item);
    } else {
      label = doc.createElement("span");
      label.className = "toc-label" + (item.c && item.c.length || item.e !== undefined ? "" : " toc-draft");
      label.textContent = item.t;
    }
    row.appendChild(label);
    li.appendChild(row);
    return li;
  }

  function makeToggle(title, listId, open) {
    var toggle = doc.createElement("button");
    toggle.type = "button";
    toggle.className = "toc-toggle";
    toggle.setAttribute("aria-controls", listId);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    toggle.setAttribute("aria-label", "Undersidor till " + title);
    return toggle;
  }

  // Returns {list, containsCurrent}.
  function buildList(items, depth, keyPrefix) {
    var ol = doc.createElement("ol");
    var containsCurrent = false;
    for (var i = 0; i < items.length; i++) {
      var item = items[i] || {};
      var before = currentLink;
      var li = entryItem(item);
      ol.appendChild(li);
      if (item.p) continue;
      var isCurrent = currentLink !== before;
      var children = Array.isArray(item.c) ? item.c : [];
      if (children.length) {
        var key = keyPrefix + "/" + item.t;
        var sub = buildList(children, depth + 1, key);
        var id = "toc-sub-" + (++counter);
        sub.list.id = id;
        var open = isCurrent || sub.containsCurrent;
        if (Object.prototype.hasOwnProperty.call(remembered, key)) open = open || remembered[key];
        var toggle = makeToggle(item.t, id, open);
        toggle.setAttribute("data-key", key);
        sub.list.hidden = !open;
        li.firstChild.appendChild(toggle);
        li.appendChild(sub.list);
        if (!item.u && depth === 0) li.className = "toc-part";
        containsCurrent = containsCurrent || sub.containsCurrent;
      }
      containsCurrent = containsCurrent || isCurrent;
    }
    return { list: ol, containsCurrent: containsCurrent };
  }

  if (branches) {
    currentLink = nav.querySelector('a[aria-current="page"]');
    var closed = nav.querySelectorAll("li[data-entry]");
    for (var c = 0; c < closed.length; c++) {
      closeBranch(closed[c], closed[c].getAttribute("data-branch"), closed[c].getAttribute("data-entry"));
    }
    nav.addEventListener("click", openBranch);
  } else {
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

  }

  // Branch files by site path, each fetched once (a promise of its JSON).
  var branchFiles = {};
  function branchFile(path) {
    if (!branchFiles[path]) {
      branchFiles[path] = fetch(root + path).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      });
      branchFiles[path].catch(function () { delete branchFiles[path]; });
    }
    return branchFiles[path];
  }

  // Gives the entry `li` (its row first) the toggle and the empty, hidden list of a closed
  // branch whose children `file` lists under `entry`.
  function closeBranch(li, file, entry) {
    var listId = "toc-n" + entry;
    var toggle = makeToggle(li.firstChild.firstChild.textContent, listId, false);
    toggle.setAttribute("data-branch", file);
    toggle.setAttribute("data-entry", entry);
    li.firstChild.appendChild(toggle);
    var list = doc.createElement("ol");
    list.id = listId;
    list.hidden = true;
    li.appendChild(list);
  }

  // Fills `list` with the children of `entry` from `file`, keeping the items already shown
  // with an opened branch (the path to the current page).
  function fillBranch(list, file, entry) {
    return branchFile(file).then(function (pack) {
      var items = pack[entry];
      if (!Array.isArray(items)) throw new Error("entry " + entry + " missing in " + file);
      var kept = {};
      var old = list.children;
      for (var i = 0; i < old.length; i++) {
        var sub = old[i].querySelector(":scope > ol[id]");
        if (sub && sub.hasChildNodes()) kept[sub.id] = old[i];
      }
      // The current page's link may be rebuilt below: let it be marked again.
      if (currentLink && list.contains(currentLink)) currentLink = null;
      var frag = doc.createDocumentFragment();
      for (var j = 0; j < items.length; j++) {
        var item = items[j] || {};
        var listId = "toc-n" + item.e;
        if (item.e !== undefined && kept[listId]) { frag.appendChild(kept[listId]); continue; }
        var li = entryItem(item);
        if (item.e !== undefined) closeBranch(li, item.f || file, String(item.e));
        frag.appendChild(li);
      }
      list.textContent = "";
      list.appendChild(frag);
      currentLink = nav.querySelector('a[aria-current="page"]');
    });
  }

  // A click on a branch's toggle (opens it, fetching its children the first time) or on a
  // long list's "Visa alla" button (fetches the whole list).
  function openBranch(event) {
    var button = event.target.closest ? event.target.closest(".toc-toggle, .toc-all") : null;
    if (!button) return;
    var list = doc.getElementById(button.getAttribute("aria-controls"));
    if (!list) return;
    var whole = button.classList.contains("toc-all");
    if (!whole && button.getAttribute("aria-expanded") === "true") {
      button.setAttribute("aria-expanded", "false");
      list.hidden = true;
      return;
    }
    var file = button.getAttribute("data-branch");
    if (!file || (!whole && list.hasChildNodes())) {
      button.setAttribute("aria-expanded", "true");
      list.hidden = false;
      return;
    }
    if (button.getAttribute("aria-busy") === "true") return;
    button.setAttribute("aria-busy", "true");
    var shown = {};
    var links = list.querySelectorAll(":scope > li > .toc-row > a");
    for (var i = 0; i < links.length; i++) shown[links[i].getAttribute("href")] = true;
    var row = button.parentNode;
    function clearError() {
      var note = row.nextSibling;
      if (note && note.className === "toc-error") note.parentNode.removeChild(note);
    }
    fillBranch(list, file, button.getAttribute("data-entry")).then(function () {
      button.removeAttribute("aria-busy");
      clearError();
      if (!whole) {
        button.setAttribute("aria-expanded", "true");
        list.hidden = false;
        return;
      }
      // The button went with the list it completed: focus the first page it brought.
      var now = list.querySelectorAll(":scope > li > .toc-row > a");
      for (var j = 0; j < now.length; j++) {
        if (!shown[now[j].getAttribute("href")]) { now[j].focus(); break; }
      }
    }, function () {
      button.removeAttribute("aria-busy");
      var note = doc.createElement("p");
      note.className = "toc-error";
      note.setAttribute("role", "alert");
      note.textContent = "Sidorna kunde inte hämtas. Försök igen, eller se ";
      var a = doc.createElement("a");
      a.href = root + "toc.html";
      a.textContent = "innehållsförteckningen";
      note.appendChild(a);
      note.appendChild(doc.createTextNode("."));
      clearError();
      row.parentNode.insertBefore(note, row.nextSibling);
    });
  }

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
