// Waterfall charts of the insights (ECharts, vendored): before, one step per contribution, after.
(function () {
  function draw(el) {
    if (el.dataset.drawn || typeof echarts === "undefined") return;
    var d = JSON.parse(el.dataset.waterfall);
    var names = [d.labels[0]].concat(d.items, [d.labels[1]]);
    var base = [], up = [], down = [], run = d.before;
    base.push(0); up.push(d.before); down.push(0);
    d.values.forEach(function (v) {
      var next = run + v;
      base.push(Math.min(run, next)); up.push(v > 0 ? v : 0); down.push(v < 0 ? -v : 0);
      run = next;
    });
    base.push(0); up.push(d.after); down.push(0);
    var chart = echarts.init(el);
    // money and counts as the cards read them (static/format.js: 3億円 / ¥300M)
    var fmt = function (v) { return window.RashinbanFormat ? window.RashinbanFormat.axis(v, d.unit || "yen") : String(v); };
    chart.setOption({
      tooltip: {trigger: "axis", valueFormatter: fmt}, grid: {left: 90, right: 20, top: 20, bottom: 60},
      xAxis: {type: "category", data: names, axisLabel: {interval: 0, rotate: 20}},
      yAxis: {type: "value", axisLabel: {formatter: fmt}},
      series: [
        {type: "bar", stack: "w", data: base, itemStyle: {color: "transparent"}, tooltip: {show: false}},
        {type: "bar", stack: "w", data: up, itemStyle: {color: "#2e7d32"}},
        {type: "bar", stack: "w", data: down, itemStyle: {color: "#c62828"}}
      ]
    });
    el.dataset.drawn = "1";
  }
  window.rashinbanWaterfalls = function () {
    document.querySelectorAll("[data-chart=waterfall]").forEach(draw);
  };
  document.addEventListener("DOMContentLoaded", window.rashinbanWaterfalls);
  document.addEventListener("htmx:afterSwap", window.rashinbanWaterfalls);
})();
