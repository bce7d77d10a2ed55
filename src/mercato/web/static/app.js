/* Dashboard behaviour that CSP keeps out of the templates: no inline handlers or scripts.
   - <select data-autosubmit> submits its form when changed (the workspace switcher);
   - <div data-figure="{plotly json}" data-chart="full|spark"> is drawn with Plotly (a figure's
     own "config", e.g. {"displayModeBar": false}, overrides the defaults);
   - <span data-progress="0..100"> gets that width (goal progress bars). */
(function (d) {
  "use strict";
  [].forEach.call(d.querySelectorAll("select[data-autosubmit]"), function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  [].forEach.call(d.querySelectorAll("[data-progress]"), function (bar) {
    bar.style.width = Math.max(0, Math.min(100, Number(bar.getAttribute("data-progress")) || 0)) + "%";
  });
  var charts = d.querySelectorAll("[data-figure]");
  if (!charts.length || !window.Plotly) return;
  [].forEach.call(charts, function (el) {
    var fig = JSON.parse(el.getAttribute("data-figure"));
    var config = el.getAttribute("data-chart") == "spark"
      ? { displayModeBar: false, staticPlot: true, responsive: true }
      : { displaylogo: false, responsive: true };
    Object.keys(fig.config || {}).forEach(function (k) { config[k] = fig.config[k]; });
    window.Plotly.newPlot(el, fig.data, fig.layout, config);
  });
})(document);
