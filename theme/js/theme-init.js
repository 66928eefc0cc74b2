/* samsyn – sets the colour theme before the stylesheet paints (no flash), and marks that
   scripts run (html.js). Loaded without `defer` at the top of <head>: a render-blocking
   file of its own, as a strict Content-Security-Policy (script-src 'self') allows no
   inline script. */
(function () {
  var d = document.documentElement, t = null;
  d.className += " js";
  try { t = localStorage.getItem("samsyn-theme"); } catch (e) {}
  if (t !== "light" && t !== "dark") {
    t = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }
  d.setAttribute("data-theme", t);
})();
