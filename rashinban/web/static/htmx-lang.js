// Every htmx request carries the page's language (<html lang>), so a fragment loaded into a
// page opened with ?lang=en (a node's detail on /tree, a home card, an activity block) comes
// back in the page's language whatever the session's is.  The server honours the header
// right after ?lang= (rashinban/web/i18n.py, request_lang).  One place for every fragment.
(function () {
  "use strict";
  document.addEventListener("htmx:configRequest", function (ev) {
    var lang = document.documentElement.getAttribute("lang");
    if (lang) ev.detail.headers["X-Rashinban-Lang"] = lang;
  });
})();
