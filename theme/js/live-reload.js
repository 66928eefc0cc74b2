/* Live reload for `samsyn serve` (included only in the preview, never in a built site).
 * Listens to the preview's server-sent events: reloads the page after a rebuild,
 * keeping the scroll position, and shows the book's errors in an overlay until
 * they are fixed. */
(function () {
  "use strict";
  if (!window.EventSource) return;
  var root = document.documentElement.getAttribute("data-root") || "";
  var KEY = "samsyn-live-reload-scroll";
  var generation = null;

  function restoreScroll() {
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch (e) {}
    if (!saved || saved.path !== location.pathname) return;
    try { sessionStorage.removeItem(KEY); } catch (e) {}
    var apply = function () { window.scrollTo(saved.x, saved.y); };
    apply();
    window.addEventListener("load", apply);
    setTimeout(apply, 50);
  }

  function reload() {
    try {
      sessionStorage.setItem(KEY, JSON.stringify({
        path: location.pathname, x: window.scrollX, y: window.scrollY
      }));
    } catch (e) {}
    location.reload();
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  /* The overlay's styles: a file (css/live-reload.css), as a Content-Security-Policy of
     style-src 'self' allows no inline <style>. */
  function style() {
    if (document.getElementById("samsyn-overlay-style")) return;
    var link = el("link");
    link.id = "samsyn-overlay-style";
    link.rel = "stylesheet";
    link.href = root + "css/live-reload.css";
    document.head.appendChild(link);
  }

  function showErrors(status) {
    var old = document.getElementById("samsyn-overlay");
    var errors = (status.diagnostics || []).filter(function (d) { return d.severity === "error"; });
    if (!errors.length) {
      if (old) old.parentNode.removeChild(old);
      return;
    }
    style();
    var box = el("div");
    box.id = "samsyn-overlay";
    box.setAttribute("role", "alert");
    var close = el("button", null, "Dölj");
    close.type = "button";
    close.addEventListener("click", function () { box.parentNode.removeChild(box); });
    box.appendChild(close);
    box.appendChild(el("h2", null, errors.length === 1
      ? "1 fel i boken – sidan visar den senaste fungerande versionen"
      : errors.length + " fel i boken – sidan visar den senaste fungerande versionen"));
    var list = el("ol");
    errors.forEach(function (d) {
      var item = el("li");
      var where = d.file + (d.line ? ":" + d.line + ":" + d.column : "");
      item.appendChild(el("span", "samsyn-where", where));
      item.appendChild(document.createTextNode(" " + d.message));
      if (d.suggestion) {
        item.appendChild(el("div", "samsyn-help", "Förslag: " + d.suggestion));
      }
      list.appendChild(item);
    });
    box.appendChild(list);
    if (old) old.parentNode.replaceChild(box, old);
    else document.body.appendChild(box);
  }

  function parse(ev) {
    try { return JSON.parse(ev.data); } catch (e) { return null; }
  }

  restoreScroll();
  var source = new EventSource(root + "__samsyn/events");
  source.addEventListener("hello", function (ev) {
    var status = parse(ev);
    if (!status) return;
    // A rebuild happened while the connection was down.
    if (generation !== null && status.generation !== generation) return reload();
    generation = status.generation;
    // Connected: tests and curious editors can see it on <html>.
    document.documentElement.setAttribute("data-live-reload", String(generation));
    showErrors(status);
  });
  source.addEventListener("reload", reload);
  /* The search index followed a save (search-index/src/overlay.rs): the page's search
     (search.js) opens it again for its next query. */
  source.addEventListener("search", function () {
    document.dispatchEvent(new CustomEvent("samsyn:search-index"));
  });
  source.addEventListener("diagnostics", function (ev) {
    var status = parse(ev);
    if (status) showErrors(status);
  });
})();
