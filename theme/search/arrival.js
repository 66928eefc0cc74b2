/* Marks on arrival: a page opened from a search hit (`?markera=<query>#section`, see
   markedHref in search.js) marks the query's words in the section the hit named. search.js
   loads this file only when the parameter is there, and has started the engine: the worker
   says which words of the section's text the query highlights (ss_marks, the same analysis
   and the same word test as the snippets), as UTF-16 offsets into the text given. The marks
   are <mark> elements without padding or border (no line box changes: no layout shift); a
   fixed bar says how many there are (a polite live region) and has a button that clears them.
   All text is inserted as text nodes. */
(function () {
  "use strict";
  var doc = document;
  var api = window.samsynSearch;
  var PARAM = "markera";
  var query = new URLSearchParams(window.location.search).get(PARAM) || "";
  if (!api || !query.trim()) return;
  var HEADING = /^H[1-6]$/;

  /* The section's text nodes, in order: from the hit's heading (the fragment) to the next
     heading; without a fragment, from the top of the page's text to its first heading after
     the title. Text of buttons, hidden text and the heading anchors is left alone. */
  function sectionTexts() {
    var container = doc.querySelector(".doc-content") || doc.querySelector("main");
    if (!container) return null;
    var id = "";
    try { id = decodeURIComponent(window.location.hash.slice(1)); } catch (e) { id = ""; }
    var start = id ? doc.getElementById(id) : null;
    if (start && !container.contains(start)) start = null;
    if (id && !start) return null;
    var walker = doc.createTreeWalker(container, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    var inside = !start;
    var nodes = [];
    for (var n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.nodeType === 1) {
        if (n === start) { inside = true; continue; }
        if (HEADING.test(n.tagName) && inside && (start || n.tagName !== "H1")) break;
        continue;
      }
      if (!inside || !n.data.trim()) continue;
      var p = n.parentElement;
      if (p && p.closest("button, script, style, textarea, .visually-hidden, [aria-hidden=true], [hidden]")) continue;
      nodes.push(n);
    }
    return { start: start, nodes: nodes };
  }

  /* Wraps the ranges (UTF-16 offsets into the joined text of `nodes`) in <mark>; returns
     the marks in text order. Done from the last range back: splitting a text node leaves
     its earlier part in place, where the earlier ranges are. */
  function wrap(nodes, offsets) {
    var starts = [];
    var at = 0;
    nodes.forEach(function (n) { starts.push(at); at += n.data.length; });
    var marks = [];
    for (var r = offsets.length - 2; r >= 0; r -= 2) {
      var from = offsets[r];
      var to = offsets[r + 1];
      for (var i = nodes.length - 1; i >= 0; i--) {
        var s = Math.max(from, starts[i]) - starts[i];
        var e = Math.min(to, starts[i] + nodes[i].data.length) - starts[i];
        if (e <= s) continue;
        var middle = nodes[i].splitText(s);
        middle.splitText(e - s);
        var mark = doc.createElement("mark");
        mark.className = "search-arrival-mark";
        middle.parentNode.replaceChild(mark, middle);
        mark.appendChild(middle);
        marks.unshift(mark);
      }
    }
    return marks;
  }

  /* "3 träffar för ”barnen” markerade", "1 träff för ”SIP” markerad". */
  function summary(n) {
    return n + (n === 1 ? " träff" : " träffar") + " för ”" + query.trim() + "” " +
      (n === 1 ? "markerad" : "markerade");
  }

  /* The bar: fixed at the bottom of the window (out of the flow: nothing moves), in the
     document right after the section's heading (after its wrapper with the "Kopiera
     hänvisning" button, which finds its heading as its previous sibling), so that Tab from
     the heading reaches its button soon. */
  function bar(marks, start) {
    var box = doc.createElement("div");
    box.className = "search-arrival";
    var text = doc.createElement("p");
    text.className = "search-arrival-text";
    text.setAttribute("role", "status");
    text.setAttribute("aria-live", "polite");
    box.appendChild(text);
    var button = doc.createElement("button");
    button.type = "button";
    button.className = "search-arrival-clear";
    button.textContent = "Ta bort markeringar";
    button.addEventListener("click", function () {
      var hadFocus = doc.activeElement === button;
      clear(marks);
      box.parentNode.removeChild(box);
      doc.documentElement.removeAttribute("data-search-marks");
      if (hadFocus) {
        var main = doc.getElementById("main");
        if (start) { start.setAttribute("tabindex", "-1"); start.focus({ preventScroll: true }); }
        else if (main) main.focus({ preventScroll: true });
      }
      forgetParam();
      doc.dispatchEvent(new CustomEvent("samsyn:marks-cleared"));
    });
    box.appendChild(button);
    var after = start && (start.closest(".section-heading") || start);
    if (after && after.parentNode) after.parentNode.insertBefore(box, after.nextSibling);
    else (doc.querySelector("main") || doc.body).insertBefore(box, null);
    /* The live region exists before its text comes, so that the text is announced. */
    window.requestAnimationFrame(function () { text.textContent = summary(marks.length); });
  }

  function clear(marks) {
    marks.forEach(function (m) {
      var parent = m.parentNode;
      if (!parent) return;
      while (m.firstChild) parent.insertBefore(m.firstChild, m);
      parent.removeChild(m);
      parent.normalize();
    });
  }

  /* The address without the parameter: a reload shows the page without marks. */
  function forgetParam() {
    if (!window.history || !history.replaceState) return;
    var url = new URL(window.location.href);
    url.searchParams.delete(PARAM);
    history.replaceState(history.state, "", url.href);
  }

  var section = sectionTexts();
  if (!section || !section.nodes.length) return;
  var text = section.nodes.map(function (n) { return n.data; }).join("");
  /* The marks' and the bar's style (arrival.css), loaded now: the marks wait for it, so
     that the bar is never in the flow. */
  function styled() {
    var link = doc.createElement("link");
    link.rel = "stylesheet";
    link.href = api.root + "search/arrival.css";
    var loaded = new Promise(function (resolve) {
      link.addEventListener("load", resolve);
      link.addEventListener("error", resolve);
    });
    doc.head.appendChild(link);
    return loaded;
  }
  Promise.all([api.ask({ type: "marks", query: query, text: text }), styled()]).then(function (r) {
    var m = r[0];
    var offsets = (JSON.parse(m.json).marks || []).filter(function (v) { return typeof v === "number"; });
    if (offsets.length % 2) return;
    /* The text may have changed meanwhile (another script): then nothing is marked. */
    if (section.nodes.map(function (n) { return n.data; }).join("") !== text) return;
    var marks = wrap(section.nodes, offsets);
    if (!marks.length) return;
    bar(marks, section.start);
    marks[0].scrollIntoView({ block: "center" });
    doc.documentElement.setAttribute("data-search-marks", String(marks.length));
    doc.dispatchEvent(new CustomEvent("samsyn:marked", { detail: { count: marks.length } }));
  }).catch(function (e) {
    if (window.console) console.warn("samsyn search:", e && e.message || e);
  });
})();
