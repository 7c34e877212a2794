/* Oversight charts: draws every [data-chart] element with Apache ECharts (vendor/echarts-*.min.js, SVG renderer)
   from the page's own JSON (the data-charts attribute of #chart-data: data, never executed). Runs on page
   load and again on each htmx swap of the drill-down; printed, each SVG scales to the page (print.css). */
(function () {
  if (window.portalCharts) { return; }
  window.portalCharts = true;

  var COLOURS = ["#1558b0", "#2e7d32", "#b26a00", "#b3261e", "#6a1b9a", "#00838f"];
  var FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';
  var drawn = [];

  function percentAxis() {
    return { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } };
  }

  function rateSeries(data, rates, rows, type) {
    return rates.map(function (rate) {
      return {
        name: rate.label, type: type, barMaxWidth: 14, showSymbol: true, connectNulls: false,
        data: rows.map(function (row) { return row[rate.key]; })
      };
    });
  }

  var BUILDERS = {
    categories: function (data) {
      var chart = data.categories;
      return {
        grid: { left: 8, right: 24, top: 16, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        xAxis: { type: "category", data: chart.labels, axisLabel: { interval: 0 } },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ name: "人数", type: "bar", barMaxWidth: 36, data: chart.values,
                   label: { show: true, position: "top" } }]
      };
    },
    regions: function (data, element) {
      var rows = data.regions.rows.slice().reverse();  // the first row on top
      element.style.height = Math.max(240, 80 + rows.length * (12 + 11 * data.rates.length)) + "px";  // CSSOM, not markup
      return {
        grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
        legend: { top: 0 },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: formatPercent },
        xAxis: percentAxis(),
        yAxis: { type: "category", data: rows.map(function (row) { return row.name; }) },
        series: rateSeries(data, data.rates, rows, "bar")
      };
    },
    history: function (data) {
      var rows = data.history.rows;
      return {
        grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
        legend: { top: 0 },
        tooltip: { trigger: "axis", valueFormatter: formatPercent },
        xAxis: { type: "category", boundaryGap: false, data: rows.map(function (row) { return row.day.slice(5); }) },
        yAxis: percentAxis(),
        series: rateSeries(data, data.rates, rows, "line")
      };
    }
  };

  function formatPercent(value) {
    return value === null || value === undefined ? "—" : value + "%";
  }

  function draw(root) {
    var block = document.getElementById("chart-data");
    if (!block || !window.echarts) { return; }
    var data = JSON.parse(block.getAttribute("data-charts"));
    (root || document).querySelectorAll("[data-chart]").forEach(function (element) {
      var build = BUILDERS[element.getAttribute("data-chart")];
      if (!build || element.getAttribute("data-drawn")) { return; }
      var option = build(data, element);
      option.color = COLOURS;
      option.textStyle = { fontFamily: FONT };
      option.animation = false;  // printed and screenshotted as drawn
      var chart = window.echarts.init(element, null, { renderer: "svg" });
      chart.on("finished", function () { scalable(element); });
      chart.setOption(option);
      element.setAttribute("data-drawn", "1");
      drawn.push(chart);
    });
  }

  // A viewBox lets the drawn SVG scale to whatever width it is given (print.css: the page's width), whichever way
  // the page is printed — Ctrl+P fires beforeprint, a PDF export by the browser may not.
  function scalable(element) {
    var svg = element.querySelector("svg");
    if (svg && svg.getAttribute("width")) {
      svg.setAttribute("viewBox", "0 0 " + svg.getAttribute("width") + " " + svg.getAttribute("height"));
      svg.setAttribute("preserveAspectRatio", "xMinYMin meet");
    }
  }

  function forget(root) {
    drawn = drawn.filter(function (chart) {
      var dom = chart.getDom();
      if (root.contains(dom)) { chart.dispose(); return false; }
      return document.body.contains(dom);
    });
  }

  function resizeAll() {
    drawn.forEach(function (chart) { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:beforeSwap", function (event) { if (event.detail.target) { forget(event.detail.target); } });
  document.addEventListener("htmx:afterSettle", function () { draw(document); });
  window.addEventListener("resize", function () { resizeAll(); });
}());
