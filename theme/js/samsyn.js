/* samsyn – site behaviour: theme toggle, mobile navigation drawer,
   heading anchor links, citations and the print block, keyboard-scrollable tables, on-page TOC highlight, register filter.
   Vanilla JS, no dependencies. Loaded with `defer`. */
(function () {
  "use strict";

  var doc = document;
  var html = doc.documentElement;
  var STORAGE_KEY = "samsyn-theme";

  function store(key, value) {
    try { localStorage.setItem(key, value); } catch (e) { /* private mode: ignore */ }
  }
  function load(key) {
    try { return localStorage.getItem(key); } catch (e) { return null; }
  }

  /* ---------- Light / dark theme ---------- */
  var themeButton = doc.querySelector(".theme-toggle");
  var darkQuery = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function currentTheme() {
    return html.getAttribute("data-theme") === "dark" ? "dark" : "light";
  }
  function applyTheme(theme) {
    html.setAttribute("data-theme", theme);
    if (themeButton) {
      themeButton.setAttribute("aria-pressed", theme === "dark" ? "true" : "false");
    }
  }
  applyTheme(currentTheme());
  if (themeButton) {
    themeButton.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      applyTheme(next);
      store(STORAGE_KEY, next);
    });
  }
  if (darkQuery) {
    var onSchemeChange = function (event) {
      var saved = load(STORAGE_KEY);
      if (saved !== "light" && saved !== "dark") applyTheme(event.matches ? "dark" : "light");
    };
    if (darkQuery.addEventListener) darkQuery.addEventListener("change", onSchemeChange);
    else if (darkQuery.addListener) darkQuery.addListener(onSchemeChange);
  }
  // Keep several open tabs in step.
  window.addEventListener("storage", function (event) {
    if (event.key === STORAGE_KEY && (event.newValue === "light" || event.newValue === "dark")) {
      applyTheme(event.newValue);
    }
  });

  /* ---------- Mobile navigation drawer ---------- */
  var menuButton = doc.querySelector(".menu-toggle");
  var sidebar = doc.getElementById("sidebar");
  var backdrop = null;
  var narrowQuery = window.matchMedia ? window.matchMedia("(max-width: 56.1875em)") : null;

  function isNarrow() { return narrowQuery ? narrowQuery.matches : false; }
  function isOpen() { return html.classList.contains("nav-open"); }

  function openNav() {
    if (!sidebar || isOpen()) return;
    html.classList.add("nav-open");
    if (menuButton) menuButton.setAttribute("aria-expanded", "true");
    if (!backdrop) {
      backdrop = doc.createElement("div");
      backdrop.className = "nav-backdrop";
      backdrop.addEventListener("click", function () { closeNav(false); });
    }
    doc.body.appendChild(backdrop);
    var target = sidebar.querySelector('[aria-current="page"]') || sidebar.querySelector("a, button");
    if (target) {
      target.focus({ preventScroll: true });
      if (target.scrollIntoView) target.scrollIntoView({ block: "center" });
    }
  }
  function closeNav(returnFocus) {
    if (!isOpen()) return;
    html.classList.remove("nav-open");
    if (menuButton) menuButton.setAttribute("aria-expanded", "false");
    if (backdrop && backdrop.parentNode) backdrop.parentNode.removeChild(backdrop);
    if (returnFocus && menuButton) menuButton.focus();
  }

  if (menuButton && sidebar) {
    menuButton.addEventListener("click", function () {
      if (isOpen()) closeNav(true); else openNav();
    });
    // A close button at the top of the drawer (hidden on wide screens by CSS).
    var closeButton = doc.createElement("button");
    closeButton.type = "button";
    closeButton.className = "sidebar-close";
    closeButton.innerHTML = '<span aria-hidden="true">✕</span> Stäng menyn';
    closeButton.addEventListener("click", function () { closeNav(true); });
    sidebar.insertBefore(closeButton, sidebar.firstChild);

    sidebar.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[href]") : null;
      if (link && isNarrow()) closeNav(false);
    });
    // Leaving the drawer with Tab closes it.
    sidebar.addEventListener("focusout", function (event) {
      if (!isOpen() || !isNarrow()) return;
      var to = event.relatedTarget;
      if (to && !sidebar.contains(to) && to !== menuButton) closeNav(false);
    });
    if (narrowQuery) {
      var onWidthChange = function (event) { if (!event.matches) closeNav(false); };
      if (narrowQuery.addEventListener) narrowQuery.addEventListener("change", onWidthChange);
      else if (narrowQuery.addListener) narrowQuery.addListener(onWidthChange);
    }
  }

  /* ---------- Keyboard: Escape closes the drawer (search/search.js owns the search keys) ---------- */
  doc.addEventListener("keydown", function (event) {
    if (event.defaultPrevented) return;
    if (event.key === "Escape" && isOpen()) closeNav(true);
  });

  /* ---------- Heading anchor links: copy the link, keep normal navigation ---------- */
  doc.addEventListener("click", function (event) {
    var anchor = event.target.closest ? event.target.closest("a.anchor") : null;
    if (!anchor || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var url = anchor.href;
    if (navigator.clipboard && navigator.clipboard.writeText && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(function () {
        anchor.classList.add("copied");
        setTimeout(function () { anchor.classList.remove("copied"); }, 1800);
      }, function () { /* clipboard refused: navigation still updates the address bar */ });
    }
  });

  /* ---------- Citations: "Kopiera hänvisning" and the printed page's lines ---------- */
  // The page's `.doc-cite` carries the document part of the citation (data-cite) and, when
  // book.toml names the published site, the page's absolute address (data-cite-url); else
  // the page's own address is used.
  var citeData = doc.querySelector(".doc-cite");
  var citeStatus = null;
  function pageAddress() {
    var given = citeData && citeData.getAttribute("data-cite-url");
    try { if (given) return new URL(given).href; } catch (e) { /* not a URL: use the page's */ }
    // Without the fragment, and without the parameters of a search (?q=…, ?markera=…):
    // they are a view of the page, not its address.
    var own = new URL(location.href);
    own.hash = "";
    own.search = "";
    return own.href;
  }
  // A section's button follows its heading (render/page.rs): the heading gives the
  // section's name and anchor; the document's button has none.
  function citationFor(button) {
    var url = pageAddress();
    var heading = button.classList.contains("cite-document") ? null : button.previousElementSibling;
    var section = heading ? heading.textContent.replace(/\s+/g, " ").trim() : "";
    if (heading && heading.id) url = new URL("#" + heading.id, url).href;
    return (citeData.getAttribute("data-cite") || doc.title) +
      (section ? ", avsnitt \"" + section + "\"" : "") + ", " + url;
  }
  function announce(message) {
    if (!citeStatus) return;
    citeStatus.textContent = "";
    // A new text node each time, so a repeated message is announced again.
    setTimeout(function () { citeStatus.textContent = message; }, 50);
  }
  function showCopied(button) {
    button.classList.add("copied");
    clearTimeout(button.citeTimer);
    button.citeTimer = setTimeout(function () { button.classList.remove("copied"); }, 2000);
    announce("Hänvisningen är kopierad");
  }
  // Where the clipboard cannot be written (file://, http on another host, refused), the
  // citation is shown selected in a field beside the button, to be copied by hand.
  function showFallback(button, text) {
    var box = doc.querySelector(".cite-fallback");
    if (box) box.parentNode.removeChild(box);
    box = doc.createElement("div");
    box.className = "cite-fallback";
    var id = "cite-fallback-field";
    var label = doc.createElement("label");
    label.setAttribute("for", id);
    label.textContent = "Hänvisningen kunde inte kopieras automatiskt. Den är markerad här: kopiera den med Ctrl+C (⌘+C på Mac). Esc stänger.";
    var field = doc.createElement("textarea");
    field.id = id;
    field.readOnly = true;
    field.rows = 3;
    field.value = text;
    field.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      event.preventDefault();
      box.parentNode.removeChild(box);
      button.focus();
    });
    box.appendChild(label);
    box.appendChild(field);
    var after = button.closest(".section-heading, .cite-document-row") || button;
    after.parentNode.insertBefore(box, after.nextSibling);
    field.focus();
    field.select();
  }
  if (citeData) {
    citeStatus = doc.createElement("div");
    citeStatus.className = "visually-hidden cite-status";
    citeStatus.setAttribute("role", "status");
    citeStatus.setAttribute("aria-live", "polite");
    citeData.appendChild(citeStatus);
    doc.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest(".cite-button") : null;
      if (!button) return;
      var text = citationFor(button);
      var clipboard = navigator.clipboard;
      if (!clipboard || !clipboard.writeText || !window.isSecureContext) {
        showFallback(button, text);
        return;
      }
      clipboard.writeText(text).then(function () { showCopied(button); },
        function () { showFallback(button, text); });
    });

    // Printed: the address in full, and the day it was printed.
    var printUrl = citeData.querySelector(".print-url");
    if (printUrl) printUrl.textContent = printUrl.href;
    window.addEventListener("beforeprint", function () {
      var date = citeData.querySelector(".print-date");
      if (!date) return;
      var now = new Date();
      var pad = function (n) { return (n < 10 ? "0" : "") + n; };
      var day = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
      date.textContent = "Utskriven ";
      var time = doc.createElement("time");
      time.setAttribute("datetime", day);
      time.textContent = day;
      date.appendChild(time);
    });
  }

  /* ---------- Tables: make overflowing tables keyboard scrollable ---------- */
  var wraps = doc.querySelectorAll(".table-wrap");
  var textOf = function (el) { return el ? el.textContent.replace(/\s+/g, " ").trim() : ""; };
  // The table's own name: its caption, else its aria-label (the renderer names a Markdown
  // table after the nearest preceding heading), else the page's h1.
  function tableName(table) {
    if (!table) return "";
    return textOf(table.querySelector("caption")) || (table.getAttribute("aria-label") || "").trim() || textOf(doc.querySelector("main h1"));
  }
  // A scroll region's name, unique on the page: several tables under one heading are
  // numbered ("Tabell 2: …").
  function regionLabel(wrap) {
    var name = tableName(wrap.querySelector("table"));
    var same = 0;
    for (var i = 0; i < wraps.length && wraps[i] !== wrap; i++) {
      if (tableName(wraps[i].querySelector("table")) === name) same++;
    }
    return "Tabell" + (same ? " " + (same + 1) : "") + (name ? ": " + name : "") + " (rullbar)";
  }
  function checkTables() {
    for (var i = 0; i < wraps.length; i++) {
      var wrap = wraps[i];
      var hint = wrap.previousElementSibling;
      if (!(hint && hint.className === "table-hint")) hint = null;
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        if (!hint) {
          hint = doc.createElement("p");
          hint.className = "table-hint";
          hint.setAttribute("aria-hidden", "true");
          hint.textContent = "Tabellen är bredare än sidan – rulla i sidled för att se alla kolumner.";
          wrap.parentNode.insertBefore(hint, wrap);
        }
        if (!wrap.hasAttribute("tabindex")) {
          wrap.setAttribute("tabindex", "0");
          wrap.setAttribute("role", "region");
          wrap.setAttribute("aria-label", regionLabel(wrap));
        }
      } else if (wrap.getAttribute("role") === "region") {
        if (hint) hint.parentNode.removeChild(hint);
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    }
  }
  if (wraps.length) {
    checkTables();
    var resizeTimer = null;
    window.addEventListener("resize", function () {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(checkTables, 150);
    });
  }

  /* ---------- On-page TOC: highlight the section being read ---------- */
  var tocLinks = doc.querySelectorAll(".page-toc a[href^='#']");
  if (tocLinks.length && "IntersectionObserver" in window) {
    var byId = {};
    var targets = [];
    for (var j = 0; j < tocLinks.length; j++) {
      var id = decodeURIComponent(tocLinks[j].getAttribute("href").slice(1));
      var heading = doc.getElementById(id);
      if (heading) { byId[id] = tocLinks[j]; targets.push(heading); }
    }
    var visible = {};
    var setActive = function () {
      var active = null;
      for (var k = 0; k < targets.length; k++) {
        if (visible[targets[k].id]) { active = targets[k].id; break; }
      }
      if (!active) return;
      for (var key in byId) {
        if (Object.prototype.hasOwnProperty.call(byId, key)) byId[key].classList.toggle("is-active", key === active);
      }
    };
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) { visible[entry.target.id] = entry.isIntersecting; });
      setActive();
    }, { rootMargin: "0px 0px -60% 0px" });
    targets.forEach(function (t) { observer.observe(t); });
  }

  /* ---------- Document register: filter rows ---------- */
  var filterBox = doc.querySelector(".register-filter");
  if (filterBox) {
    var filterInput = filterBox.querySelector("input");
    var filterStatus = filterBox.querySelector(".register-filter-status");
    var rows = doc.querySelectorAll(".register-table tbody tr");
    filterBox.hidden = false;
    var normalise = function (s) { return s.toLocaleLowerCase("sv").replace(/\s+/g, " "); };
    var rowText = [];
    for (var r = 0; r < rows.length; r++) rowText.push(normalise(rows[r].textContent));
    var statusTimer = null;
    var runFilter = function () {
      var q = normalise(filterInput.value).trim();
      var terms = q ? q.split(" ") : [];
      var shown = 0;
      for (var i = 0; i < rows.length; i++) {
        var ok = true;
        for (var t = 0; t < terms.length; t++) {
          if (rowText[i].indexOf(terms[t]) === -1) { ok = false; break; }
        }
        rows[i].hidden = !ok;
        if (ok) shown++;
      }
      var tables = doc.querySelectorAll(".register .table-wrap");
      for (var w = 0; w < tables.length; w++) {
        tables[w].hidden = !tables[w].querySelector("tbody tr:not([hidden])");
      }
      var sections = doc.querySelectorAll(".register-kind");
      for (var s = 0; s < sections.length; s++) {
        sections[s].hidden = !sections[s].querySelector(".table-wrap:not([hidden])");
      }
      clearTimeout(statusTimer);
      statusTimer = setTimeout(function () {
        filterStatus.textContent = q
          ? (shown === 1 ? "1 dokument matchar." : shown + " dokument matchar.")
          : "";
      }, 400);
    };
    filterInput.addEventListener("input", runFilter);
  }
})();
