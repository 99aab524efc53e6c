// Numbers on charts as people read them — the JavaScript twin of rashinban/i18n/format.py
// (axis_value and short_value): yen as 万円/億円 in Japanese (3億1,660万円) and ¥ with K/M/B
// in English (¥300M on axes, ¥316.6M on cards); ratios as percents.  A browser test
// (tests/browser/test_english.py) compares it with the Python functions value by value.
(function () {
  "use strict";
  var JA_UNITS = [[1e12, "兆"], [1e8, "億"], [1e4, "万"]];
  function group(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function yenFull(x) {
    var v = Math.floor(Math.abs(x) + 0.5);
    return (x < 0 && v ? "-" : "") + "¥" + group(v);
  }
  function yenJa(x) {
    var size = Math.abs(x) >= 1e4 ? 1e4 : 1;
    var v = Math.floor(Math.abs(x) / size + 0.5) * size;
    var sign = x < 0 && v ? "-" : "";
    if (v < 1e4) return sign + group(v) + "円";
    var out = "", rest = v;
    JA_UNITS.forEach(function (u) {
      if (rest >= u[0]) { out += group(Math.floor(rest / u[0])) + u[1]; rest = rest % u[0]; }
    });
    if (rest) out += group(rest);
    return sign + out + "円";
  }
  function yenEn(x, keepDecimal) {
    var sizes = [[1e9, "B"], [1e6, "M"], [1e3, "K"]];
    for (var i = 0; i < sizes.length; i++) {
      if (Math.abs(x) >= sizes[i][0]) {
        var tenths = Math.floor(Math.abs(x) / sizes[i][0] * 10 + 0.5);
        var text = group(Math.floor(tenths / 10)) + "." + (tenths % 10);
        if (!keepDecimal && text.slice(-2) === ".0") text = text.slice(0, -2);
        return (x < 0 ? "-" : "") + "¥" + text + sizes[i][1];
      }
    }
    return yenFull(x);
  }
  function plain(x) {
    var r = Math.round(x * 100) / 100;
    var parts = String(Math.abs(r)).split(".");
    return (r < 0 ? "-" : "") + group(parts[0]) + (parts[1] ? "." + parts[1] : "");
  }
  function lang() { return document.documentElement.lang === "ja" ? "ja" : "en"; }
  // an axis tick (and a tooltip value) in the unit of the chart
  function axis(v, unit, lg) {
    if (v == null) return "—";
    lg = lg || lang();
    if (unit === "ratio") return Math.floor(v * 100 + 0.5) + "%";
    if (unit === "yen") return lg === "ja" ? yenJa(v) : yenEn(v, false);
    return plain(v);
  }
  // a card value: one decimal in English (¥316.6M)
  function card(v, unit, lg) {
    if (v == null) return "—";
    lg = lg || lang();
    if (unit === "yen") return lg === "ja" ? yenJa(v) : yenEn(v, true);
    return axis(v, unit, lg);
  }
  window.RashinbanFormat = { axis: axis, card: card, lang: lang };
})();
