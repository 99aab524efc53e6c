// Dashboards: ECharts from JSON (the page's <script type="application/json"> or /api/tree),
// node detail loaded with HTMX.  No inline scripts; every name is set as text or escaped.
(function () {
  "use strict";
  var COLORS = { on_track: "#12b76a", behind: "#f79009", at_risk: "#d92d20" };
  var NONE = "#98a2b3";

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function color(status) { return COLORS[status] || NONE; }
  function pct(v) { return v == null ? "—" : (v * 100).toFixed(1) + "%"; }
  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function chartOf(el) {
    var c = window.echarts.getInstanceByDom(el) || window.echarts.init(el);
    window.addEventListener("resize", function () { c.resize(); });
    return c;
  }
  function axisValue(unit) {
    return function (v) { return window.RashinbanFormat.axis(v, unit); };
  }

  // The actual as a solid line up to the last finished month; the month not over yet (row
  // .partial) hangs on a dashed segment, drawn hollow and labelled "to date" (途中), so that
  // its lower number does not read as a fall.
  function trend(el, d) {
    var toDate = el.getAttribute("data-to-date") || "";
    var fmt = axisValue(d.unit);
    var last = d.rows.length - 1;
    var partial = last >= 0 && d.rows[last].partial && d.rows[last].actual != null ? last : -1;
    function point(r, i) {
      var p = { value: r.actual, itemStyle: { color: color(r.status) } };
      if (i === partial) {
        p.symbol = "emptyCircle";
        p.symbolSize = 11;  // hollow: drawn in the status colour, white inside
        p.itemStyle = { color: color(r.status), borderWidth: 2 };
        p.label = { show: true, position: "top", formatter: toDate, color: "#475467" };
      }
      return p;
    }
    var solid = d.rows.map(function (r, i) { return i === partial ? null : point(r, i); });
    var dashed = d.rows.map(function (r, i) { return i === partial || i === partial - 1 ? point(r, i) : null; });
    var series = [
      { name: d.actual, type: "line", data: solid, lineStyle: { color: "#1f5fbf" }, symbol: "circle",
        symbolSize: 9, showSymbol: true, connectNulls: false },
      { name: d.target, type: "line", data: d.rows.map(function (r) { return r.target; }),
        lineStyle: { type: "dashed", color: "#667085" }, itemStyle: { color: "#667085" }, symbol: "none" }
    ];
    if (partial >= 0) {
      series.push({ name: d.actual, type: "line", data: dashed, lineStyle: { color: "#1f5fbf", type: "dashed" },
        symbol: "circle", symbolSize: 9, showSymbol: true, connectNulls: false, z: 3 });
    }
    chartOf(el).setOption({
      tooltip: { trigger: "axis", formatter: function (ps) {
        var i = ps.length ? ps[0].dataIndex : 0, seen = {}, lines = [esc(ps.length ? ps[0].axisValue : "")];
        ps.forEach(function (p) {
          var v = p.value && typeof p.value === "object" ? p.value.value : p.value;
          if (v == null || seen[p.seriesName]) return;
          seen[p.seriesName] = true;
          lines.push(p.marker + esc(p.seriesName) + ": " + esc(fmt(v)) +
            (p.seriesName === d.actual && i === partial ? " (" + esc(toDate) + ")" : ""));
        });
        return lines.join("<br>");
      } },
      legend: { data: [d.actual, d.target], bottom: 0 },
      grid: { left: 80, right: 16, top: 24, bottom: 48 },
      xAxis: { type: "category", data: d.rows.map(function (r) { return r.period; }) },
      yAxis: { type: "value", axisLabel: { formatter: fmt } },
      series: series
    });
    el.setAttribute("data-partial-index", String(partial));
  }

  function breakdown(el, d) {
    chartOf(el).setOption({
      tooltip: { trigger: "axis", valueFormatter: axisValue(d.unit) },
      legend: { data: [d.actual, d.target], bottom: 0 },
      grid: { left: 80, right: 16, top: 16, bottom: 72 },
      xAxis: { type: "category", data: d.rows.map(function (r) { return r.scope.name; }),
               axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value", axisLabel: { formatter: axisValue(d.unit) } },
      series: [
        { name: d.actual, type: "bar", data: d.rows.map(function (r) {
            return { value: r.actual, itemStyle: { color: color(r.status) } };
          }) },
        { name: d.target, type: "bar", data: d.rows.map(function (r) { return r.target; }),
          itemStyle: { color: "#d0d5dd" } }
      ]
    });
  }

  function funnel(el, d) {
    chartOf(el).setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 150, right: 70, top: 10, bottom: 20 },
      yAxis: { type: "category", inverse: true, data: d.rows.map(function (r) { return r.label || r.stage; }) },
      xAxis: { type: "value" },
      series: [{ name: d.count, type: "bar", data: d.rows.map(function (r) { return r.count; }),
        itemStyle: { color: "#1f5fbf" },
        label: { show: true, position: "right", formatter: function (p) {
          var r = d.rows[p.dataIndex];
          return r.conversion == null ? String(r.count) : r.count + " (" + pct(r.conversion) + ")";
        } } }]
    });
  }

  function tree(el) {
    var labels = JSON.parse(el.getAttribute("data-labels") || "{}");
    fetch(el.getAttribute("data-api"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (d) {
        var byId = {};
        d.nodes.forEach(function (n) { byId[n.id] = n; });
        function build(id, seen) {
          var n = byId[id];
          if (!n || seen.indexOf(id) >= 0) return null;
          var next = seen.concat([id]);
          return {
            name: n.label, id: n.id, value: n.actual,
            node: n,
            itemStyle: { color: color(n.status), borderColor: color(n.status) },
            label: { formatter: function () {
              return "{t|" + n.label + "}\n{v|" + n.actual_text + " / " + n.target_text + "}";
            } },
            children: n.children.map(function (c) { return build(c, next); }).filter(Boolean)
          };
        }
        var roots = d.roots.map(function (r) { return build(r, []); }).filter(Boolean);
        var data = roots.length === 1 ? roots[0] : { name: el.getAttribute("data-title") || "", children: roots,
          itemStyle: { color: NONE }, label: { formatter: "{t|{b}}" } };
        var chart = chartOf(el);
        chart.setOption({
          tooltip: { trigger: "item", formatter: function (p) {
            var n = p.data && p.data.node;
            if (!n) return esc(p.name);
            return "<b>" + esc(n.label) + "</b><br>" + esc(labels.actual) + ": " + esc(n.actual_text) +
              "<br>" + esc(labels.target) + ": " + esc(n.target_text) + "<br>" + esc(labels.achievement) + ": " + pct(n.achievement);
          } },
          series: [{
            type: "tree", orient: "LR", data: [data], top: 20, bottom: 20, left: 90, right: 190,
            symbol: "circle", symbolSize: 14, initialTreeDepth: -1, expandAndCollapse: false, roam: true,
            label: { position: "right", verticalAlign: "middle", align: "left", backgroundColor: "#fff",
              borderColor: "#e4e7ec", borderWidth: 1, borderRadius: 6, padding: [4, 6],
              rich: { t: { fontWeight: "bold", fontSize: 13, lineHeight: 18 }, v: { color: "#475467", fontSize: 12, lineHeight: 16 } } },
            leaves: { label: { position: "right", align: "left" } },
            lineStyle: { color: "#cfd4dc", width: 1.5, curveness: 0.4 }
          }]
        });
        chart.on("click", function (p) {
          var n = p.data && p.data.node;
          if (!n) return;
          var url = el.getAttribute("data-detail") + encodeURIComponent(n.id) + "?" + el.getAttribute("data-query");
          window.htmx.ajax("GET", url, { target: "#node-detail", swap: "innerHTML" });
        });
        el.setAttribute("data-ready", "true");
      })
      .catch(function () { el.setAttribute("data-ready", "error"); });
  }

  var KINDS = { trend: trend, breakdown: breakdown, funnel: funnel };

  function init(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.getAttribute("data-ready")) return;
      var kind = el.getAttribute("data-chart");
      if (kind === "tree") { el.setAttribute("data-ready", "loading"); tree(el); return; }
      var fn = KINDS[kind];
      var d = readJSON(el.getAttribute("data-source"));
      if (fn && d) { fn(el, d); el.setAttribute("data-ready", "true"); }
    });
  }

  function autosubmit(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach(function (s) {
      if (s.dataset.bound) return;
      s.dataset.bound = "1";
      s.addEventListener("change", function () { s.form.submit(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); autosubmit(document); });
  document.addEventListener("htmx:afterSettle", function (e) { init(e.target); autosubmit(e.target); });
})();
