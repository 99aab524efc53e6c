// Forecast pages: the P10–P90 band against the target (ECharts), reliability charts, and
// the judgment forms (JSON to /api/forecast/…, with the page's CSRF token).  No inline
// scripts; every value comes from data-* attributes as JSON.
(function () {
  "use strict";
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }
  function fmtIn(unit) { return function (v) { return window.RashinbanFormat.axis(v, unit || "yen"); }; }
  function chart(el) {
    if (!window.echarts) return null;
    var c = window.echarts.getInstanceByDom(el) || window.echarts.init(el);
    window.addEventListener("resize", function () { c.resize(); });
    return c;
  }
  function band(el) {
    var d = JSON.parse(el.getAttribute("data-band"));
    var c = chart(el);
    if (!c || !d) return;
    var fmt = fmtIn(d.unit);
    var L = JSON.parse(el.getAttribute("data-labels") || "{}");
    function lab(k, dflt) { return L[k] || dflt; }
    var top = Math.max(d.p90 || 0, d.target || 0, d.run_rate || 0) * 1.1 || 1;
    var marks = [{ xAxis: d.p50, name: lab("p50", "P50"), lineStyle: { color: "#155eef", width: 3 } }];
    if (d.target != null) marks.push({ xAxis: d.target, name: lab("target", "target"), lineStyle: { color: "#d92d20", type: "dashed", width: 2 } });
    if (d.run_rate != null) marks.push({ xAxis: d.run_rate, name: lab("run_rate", "run-rate"), lineStyle: { color: "#98a2b3", type: "dotted" } });
    c.setOption({
      grid: { left: 16, right: 24, top: 24, bottom: 24 },
      xAxis: { type: "value", max: top, axisLabel: { formatter: fmt } },
      yAxis: { type: "category", data: [""], show: false },
      tooltip: { formatter: function () {
        return lab("p10", "P10") + " " + fmt(d.p10) + " · " + lab("p50", "P50") + " " + fmt(d.p50) + " · " +
          lab("p90", "P90") + " " + fmt(d.p90) + (d.target != null ? " · " + lab("target", "target") + " " + fmt(d.target) : "");
      } },
      series: [
        { type: "bar", stack: "b", data: [d.closed], itemStyle: { color: "#12b76a" }, barWidth: 26 },
        { type: "bar", stack: "b", data: [Math.max(0, d.p10 - d.closed)], itemStyle: { color: "#d1e9ff" } },
        { type: "bar", stack: "b", data: [Math.max(0, d.p90 - d.p10)], itemStyle: { color: "#84caff" },
          markLine: { symbol: "none", label: { formatter: "{b}" }, data: marks } }
      ]
    });
  }
  function reliability(el) {
    var probs = JSON.parse(el.getAttribute("data-probs"));
    var c = chart(el);
    if (!c || !probs) return;
    var series = [{ type: "line", name: el.getAttribute("data-ideal") || "ideal", data: [[0, 0], [1, 1]], lineStyle: { type: "dashed", color: "#98a2b3" }, symbol: "none" }];
    probs.forEach(function (p) {
      series.push({
        type: "line", name: p.kind + " · " + p.method,
        data: p.bins.filter(function (b) { return b.n > 0; }).map(function (b) { return [b.predicted, b.observed]; })
      });
    });
    c.setOption({
      legend: { bottom: 0, type: "scroll" }, tooltip: { trigger: "item" },
      grid: { left: 48, right: 16, top: 16, bottom: 56 },
      xAxis: { type: "value", min: 0, max: 1 }, yAxis: { type: "value", min: 0, max: 1 }, series: series
    });
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); });
  }
  function wire(root) {
    root.querySelectorAll(".forecast-chart").forEach(band);
    root.querySelectorAll(".reliability-chart").forEach(reliability);
    root.querySelectorAll("form.forecast-form").forEach(function (form) {
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var body = { scope: form.getAttribute("data-scope") };
        new FormData(form).forEach(function (v, k) { body[k] = k === "value" ? Number(v) : v; });
        var status = form.querySelector(".form-status");
        post(form.getAttribute("data-api"), body).then(function (r) {
          status.textContent = r.ok ? "✓" : (r.body.message || "error");
          if (r.ok) window.location.reload();
        });
      });
    });
    root.querySelectorAll("select.category-select").forEach(function (sel) {
      sel.addEventListener("change", function () {
        post("/api/forecast/deals/" + sel.getAttribute("data-deal") + "/category", { category: sel.value || null })
          .then(function (r) { sel.setAttribute("data-saved", r.ok ? "yes" : "no"); });
      });
    });
    root.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
      sel.addEventListener("change", function () { sel.form.submit(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { wire(document); });
  document.addEventListener("htmx:afterSwap", function (e) { wire(e.target); });
})();
