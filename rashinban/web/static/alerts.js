// The rule form shows the fields of the chosen kind and check only (all of them without JS).
(function () {
  function sync(form) {
    var kind = form.querySelector("[name=kind]");
    var check = form.querySelector("[name=check]");
    if (!kind) return;
    if (check) {
      check.querySelectorAll("option").forEach(function (o) {
        o.hidden = o.getAttribute("data-kind") !== kind.value;
      });
      var current = check.options[check.selectedIndex];
      if (!current || current.hidden) {
        var first = check.querySelector("option[data-kind='" + kind.value + "']");
        if (first) check.value = first.value;
      }
    }
    form.querySelectorAll("[data-kinds]").forEach(function (el) {
      var kinds = el.getAttribute("data-kinds").split(" ");
      var checks = (el.getAttribute("data-checks") || "").split(" ").filter(Boolean);
      var show = kinds.indexOf(kind.value) >= 0 && (!checks.length || !check || checks.indexOf(check.value) >= 0);
      el.hidden = !show;
    });
  }
  document.addEventListener("change", function (e) {
    var form = e.target.closest && e.target.closest("form[data-rule-form]");
    if (form) sync(form);
  });
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) e.preventDefault();
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-rule-form]").forEach(sync);
  });
})();
