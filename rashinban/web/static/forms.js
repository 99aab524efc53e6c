// Write-side pages: mark the chosen activity type; the log form's picker (a combobox over
// /api/activities/targets: only deals, leads and accounts the user may write to).
document.addEventListener("click", function (ev) {
  var btn = ev.target.closest && ev.target.closest("[data-log-type]");
  if (!btn) return;
  document.querySelectorAll("[data-log-type]").forEach(function (b) {
    if (b === btn) b.setAttribute("aria-current", "true");
    else b.removeAttribute("aria-current");
  });
});

(function () {
  "use strict";
  var timer = null;
  var seq = 0;

  function parts(el) {
    var box = el.closest("[data-picker]");
    if (!box) return null;
    return {
      box: box,
      kind: box.querySelector("[data-picker-kind]"),
      input: box.querySelector("[data-picker-input]"),
      list: box.querySelector("[data-picker-list]"),
      status: box.querySelector("[data-picker-status]"),
    };
  }

  function setId(p, kind, id) {
    p.box.querySelectorAll("[data-picker-id]").forEach(function (h) {
      h.value = h.getAttribute("data-picker-id") === kind ? id : "";
    });
  }

  function close(p) {
    p.list.hidden = true;
    p.input.setAttribute("aria-expanded", "false");
    p.input.removeAttribute("aria-activedescendant");
  }

  function options(p) {
    return Array.prototype.slice.call(p.list.querySelectorAll("[role=option]"));
  }

  function highlight(p, index) {
    var opts = options(p);
    if (!opts.length) return;
    index = (index + opts.length) % opts.length;
    opts.forEach(function (o, i) {
      o.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    p.input.setAttribute("aria-activedescendant", opts[index].id);
    opts[index].scrollIntoView({ block: "nearest" });
  }

  function choose(p, opt) {
    clearTimeout(timer);
    seq++;  // a search still under way must not reopen the list
    p.input.value = opt.getAttribute("data-name");
    setId(p, p.kind.value, opt.getAttribute("data-id"));
    p.status.textContent = p.status.getAttribute("data-text-picked") + " " + opt.getAttribute("data-label");
    close(p);
  }

  function render(p, data) {
    p.list.textContent = "";
    if (!data.targets.length) {
      var li = document.createElement("li");
      li.className = "combo-empty";
      li.setAttribute("aria-disabled", "true");
      li.textContent = p.list.getAttribute("data-empty");
      p.list.appendChild(li);
    }
    data.targets.forEach(function (c, i) {
      var li = document.createElement("li");
      li.id = "log-target-opt-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.setAttribute("data-id", String(c.id));
      li.setAttribute("data-name", c.name);
      var extra = [c.account && c.name.indexOf(c.account) < 0 ? c.account : null, c.detail, c.owner].filter(Boolean);
      li.setAttribute("data-label", c.name + " (#" + c.id + ")");
      var main = document.createElement("span");
      main.textContent = c.name;
      var sub = document.createElement("span");
      sub.className = "muted small";
      sub.textContent = "#" + c.id + (extra.length ? " · " + extra.join(" · ") : "");
      li.appendChild(main);
      li.appendChild(sub);
      p.list.appendChild(li);
    });
    p.list.hidden = false;
    p.input.setAttribute("aria-expanded", "true");
  }

  function search(p) {
    var mine = ++seq;
    var url = "/api/activities/targets?kind=" + encodeURIComponent(p.kind.value) +
      "&q=" + encodeURIComponent(p.input.value.trim());
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { targets: [] }; })
      .then(function (data) { if (mine === seq) render(p, data); })
      .catch(function () {});
  }

  document.addEventListener("input", function (ev) {
    if (!ev.target.matches || !ev.target.matches("[data-picker-input]")) return;
    var p = parts(ev.target);
    setId(p, "", "");  // typing again drops the pick: only a row from the list is sent
    p.status.textContent = "";
    clearTimeout(timer);
    timer = setTimeout(function () { search(p); }, 150);
  });

  document.addEventListener("change", function (ev) {
    if (!ev.target.matches || !ev.target.matches("[data-picker-kind]")) return;
    var p = parts(ev.target);
    setId(p, "", "");
    p.input.value = "";
    p.status.textContent = "";
    close(p);
  });

  document.addEventListener("focusin", function (ev) {
    if (ev.target.matches && ev.target.matches("[data-picker-input]") && !ev.target.value) search(parts(ev.target));
  });

  document.addEventListener("keydown", function (ev) {
    if (!ev.target.matches || !ev.target.matches("[data-picker-input]")) return;
    var p = parts(ev.target);
    var opts = options(p);
    var current = opts.findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (p.list.hidden) { search(p); return; }
      highlight(p, current + (ev.key === "ArrowDown" ? 1 : -1));
    } else if (ev.key === "Enter") {
      ev.preventDefault();  // Enter picks; it never submits the form (the outcome buttons do)
      if (!p.list.hidden && current >= 0) choose(p, opts[current]);
    } else if (ev.key === "Escape") {
      clearTimeout(timer);
      seq++;
      if (!p.list.hidden) { ev.preventDefault(); close(p); }
    }
  });

  document.addEventListener("mousedown", function (ev) {
    var opt = ev.target.closest && ev.target.closest("[data-picker-list] [role=option]");
    if (!opt) return;
    ev.preventDefault();  // keep the focus in the input
    choose(parts(opt), opt);
  });

  document.addEventListener("focusout", function (ev) {
    if (!ev.target.matches || !ev.target.matches("[data-picker-input]")) return;
    var p = parts(ev.target);
    setTimeout(function () { if (document.activeElement !== p.input) close(p); }, 100);
  });
})();
