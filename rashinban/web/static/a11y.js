// Accessibility on every page (loaded by base.html; no inline handlers, CSP-safe).
// After an htmx swap the user asked for (a click or a submit), or one that removed the element
// holding focus, focus moves to the result: the swapped content's [data-focus-after-swap]
// element if it has one, else the swapped element itself (made focusable with tabindex=-1).
// Swaps nobody asked for (polling, lazy loads, typing in a live form) leave focus alone.
(function () {
  "use strict";
  // A table that scrolls in its own box (phones: app.css) can be scrolled by keyboard: it takes
  // focus (tabindex=0).
  function reachableTables(root) {
    var tables = (root || document).querySelectorAll("main table");
    for (var i = 0; i < tables.length; i++) {
      var tb = tables[i];
      if (tb.scrollWidth > tb.clientWidth + 1 && !tb.hasAttribute("tabindex")) tb.setAttribute("tabindex", "0");
    }
  }
  document.addEventListener("DOMContentLoaded", function () { reachableTables(document); });
  window.addEventListener("resize", function () { reachableTables(document); });
  document.addEventListener("htmx:afterSettle", function () { reachableTables(document); });

  var hadFocus = false;
  var moved = false;

  function focusable(el) {
    return el.matches("a[href], button, input, select, textarea, summary, [tabindex]") && !el.disabled;
  }

  document.addEventListener("htmx:beforeSwap", function (ev) {
    var active = document.activeElement;
    var target = ev.detail && ev.detail.target;
    hadFocus = !!(active && active !== document.body && target && target.contains(active));
    moved = false;
  });

  document.addEventListener("htmx:afterSwap", function (ev) {
    var root = ev.target;
    if (moved || !root || root.nodeType !== 1 || !root.isConnected || !root.closest("main")) return;
    var cfg = ev.detail && ev.detail.requestConfig;
    var trigger = cfg && cfg.triggeringEvent;
    var asked = !!trigger && (trigger.type === "click" || trigger.type === "submit");
    var active = document.activeElement;
    var lost = hadFocus && (!active || active === document.body || !active.isConnected);
    if (!asked && !lost) return;
    var el = root.matches("[data-focus-after-swap]") ? root : root.querySelector("[data-focus-after-swap]");
    el = el || root;
    if (!focusable(el)) el.setAttribute("tabindex", "-1");
    el.focus();
    moved = true;
  });
})();
