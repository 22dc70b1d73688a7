// Draws every chart of a dashboard page: each [data-chart] element names the JSON script
// (Django's json_script) that holds its ECharts option. No inline script on the pages.
(function () {
  "use strict";
  function draw() {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source || typeof echarts === "undefined") { return; }
      var option = JSON.parse(source.textContent);
      canvasTooltips(option);
      // Text on the canvas (now the tooltips too) in the page's own Chinese fonts.
      option.textStyle = Object.assign({ fontFamily: getComputedStyle(el).fontFamily }, option.textStyle);
      if (el.hasAttribute("data-drill") && option.xAxis && !Array.isArray(option.xAxis)) {
        option.xAxis.triggerEvent = true;  // axis labels report clicks (see drillDown)
      }
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      drillDown(el, chart, option);
      el.setAttribute("data-rendered", "true");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  // A click on a bar (or a pie's slice) opens what it sums up: the page puts one address per
  // category, in the categories' order, in data-drill (the same links as the table's rows).
  // A click on a category's axis label, or anywhere in its column (a small bar is hard to
  // hit), leads to the same place.
  function drillDown(el, chart, option) {
    var urls = (el.getAttribute("data-drill") || "").split(" ").filter(Boolean);
    if (!urls.length) { return; }
    var labels = (option.xAxis && option.xAxis.data) || [];
    function go(index) {
      if (typeof index === "number" && urls[index]) { window.location.assign(urls[index]); }
    }
    chart.on("click", function (params) {
      go(params.componentType === "xAxis" ? labels.indexOf(params.value) : params.dataIndex);
    });
    chart.getZr().on("click", function (event) {
      if (event.target) { return; }  // a bar or a label: handled above
      var point = [event.offsetX, event.offsetY];
      if (!option.xAxis || !chart.containPixel("grid", point)) { return; }
      go(chart.convertFromPixel({ seriesIndex: 0 }, point)[0]);
    });
  }
  // ECharts' default tooltip is an HTML element styled through style attributes, which the
  // content security policy (style-src 'self', no 'unsafe-inline') refuses on every mouse move.
  // richText draws the tooltip on the chart's own canvas: no element, no inline style.
  function canvasTooltips(option) {
    var tooltips = option.tooltip;
    if (!tooltips) { return; }
    (Array.isArray(tooltips) ? tooltips : [tooltips]).forEach(function (tooltip) {
      tooltip.renderMode = "richText";
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
