/* Dashboard behaviour that CSP keeps out of the templates: no inline handlers or scripts.
   - <select data-autosubmit> submits its form when changed (the workspace switcher);
   - <div data-figure="{plotly json}" data-chart="full|spark"> is drawn with Plotly (a figure's
     own "config", e.g. {"displayModeBar": false}, overrides the defaults);
   - <span data-progress="0..100"> gets that width (goal progress bars);
   - the top bar's menu button folds the navigation on narrow screens (app.css);
   - every table in <main> sits in a scroller, so a wide one scrolls inside its card. */
(function (d, w) {
  "use strict";
  var words = JSON.parse(d.getElementById("ui-text").textContent);  // web/ui_text.py
  var narrow = w.matchMedia("(max-width: 760px)");
  var toggle = d.querySelector(".menu-toggle"), menu = d.getElementById("site-nav");
  if (toggle && menu) {
    var bar = toggle.parentNode;
    var show = function (open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      bar.classList.toggle("menu-open", open);
    };
    toggle.hidden = false;
    bar.classList.add("menu-ready");
    toggle.addEventListener("click", function () { show(toggle.getAttribute("aria-expanded") != "true"); });
    d.addEventListener("keydown", function (e) {
      if (e.key == "Escape" && toggle.getAttribute("aria-expanded") == "true") { show(false); toggle.focus(); }
    });
  }
  [].forEach.call(d.querySelectorAll("main table"), function (table) {
    if (table.parentNode.classList.contains("table-scroll")) return;
    var box = d.createElement("div");
    box.className = "table-scroll";
    table.parentNode.insertBefore(box, table);
    box.appendChild(table);
  });
  // A scroller that actually scrolls can be reached and scrolled with the keyboard.
  var scrollers = d.querySelectorAll(".table-scroll");
  var reachable = function () {
    [].forEach.call(scrollers, function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        var heading = box.closest("section, .card");
        heading = heading && heading.querySelector("h2, h3");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", heading ? heading.textContent.trim() : box.firstChild.id || words.table);
      } else {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  };
  reachable();
  w.addEventListener("resize", reachable);
  [].forEach.call(d.querySelectorAll("select[data-autosubmit]"), function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  [].forEach.call(d.querySelectorAll("[data-progress]"), function (bar) {
    bar.style.width = Math.max(0, Math.min(100, Number(bar.getAttribute("data-progress")) || 0)) + "%";
  });
  var charts = d.querySelectorAll("[data-figure]");
  if (!charts.length || !w.Plotly) return;
  [].forEach.call(charts, function (el) {
    var fig = JSON.parse(el.getAttribute("data-figure"));
    // Charts follow their box's width; on a phone the mode bar would cover the title.
    var spark = el.getAttribute("data-chart") == "spark";
    var config = spark
      ? { displayModeBar: false, staticPlot: true, responsive: true }
      : { displaylogo: false, responsive: true, displayModeBar: narrow.matches ? false : "hover",
          modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"] };
    var layout = fig.layout || {};
    layout.autosize = true;
    delete layout.width;
    if (narrow.matches && !spark) {
      // The legend goes under the axis labels (the container's bottom, margins grow to fit).
      layout.margin = Object.assign({}, layout.margin, { l: 40, r: 8, b: 24 });
      layout.legend = Object.assign({}, layout.legend,
        { orientation: "h", x: 0, xanchor: "left", y: 0, yref: "container", yanchor: "bottom" });
      layout.xaxis = Object.assign({}, layout.xaxis, { automargin: true });
      layout.height = Math.max(layout.height || 0, 320 + 24 * (fig.data || []).length);
    }
    Object.keys(fig.config || {}).forEach(function (k) { config[k] = fig.config[k]; });
    w.Plotly.newPlot(el, fig.data, layout, config);
  });
})(document, window);
