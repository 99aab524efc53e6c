// Every request a page makes after it loaded carries the page's language (<html lang>), so a
// fragment loaded into a page opened with ?lang=en (a node's detail on /tree, a home card, an
// activity block) or the JSON a chart reads (/api/tree) comes back in the page's language
// whatever the session's is.  The server honours the header right after ?lang=
// (rashinban/web/i18n.py, request_lang).  One place: htmx's requests and same-origin fetch().
(function () {
  "use strict";
  var HEADER = "X-Rashinban-Lang";
  function lang() { return document.documentElement.getAttribute("lang"); }
  document.addEventListener("htmx:configRequest", function (ev) {
    if (lang()) ev.detail.headers[HEADER] = lang();
  });
  var fetch0 = window.fetch;
  if (!fetch0) return;
  window.fetch = function (input, init) {
    var url = typeof input === "string" || input instanceof URL ? String(input) : input.url;
    if (lang() && new URL(url, location.href).origin === location.origin) {
      var headers = new Headers((init && init.headers) || (input instanceof Request ? input.headers : undefined));
      if (!headers.has(HEADER)) headers.set(HEADER, lang());
      init = Object.assign({}, init, { headers: headers });
    }
    return fetch0.call(this, input, init);
  };
})();
