// Write-side pages: mark the chosen activity type; nothing else needs script (HTMX does the rest).
document.addEventListener("click", function (ev) {
  var btn = ev.target.closest && ev.target.closest("[data-log-type]");
  if (!btn) return;
  document.querySelectorAll("[data-log-type]").forEach(function (b) {
    if (b === btn) b.setAttribute("aria-current", "true");
    else b.removeAttribute("aria-current");
  });
});
