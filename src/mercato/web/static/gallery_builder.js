/* Gallery builder: live preview through /api/v1/galleries/preview, save, copy the snippet.
   Words come from the page's ui-text block, in the page's language (web/ui_text.py). */
(function () {
  "use strict";
  var words = JSON.parse(document.getElementById("ui-text").textContent);
  var language = document.documentElement.lang;  // base.html: <html lang>
  var plural = new Intl.PluralRules(language);
  function count(key, n) {  // a plural entry: its form for n, with n in the page's digits
    var forms = words[key];
    return (forms[plural.select(n)] || forms.other).replace("{n}", n.toLocaleString(language));
  }
  var csrf = document.currentScript.getAttribute("data-csrf");
  var form = document.getElementById("builder"), status = document.getElementById("builder-status");
  var timer = null;

  function draft() {
    var data = new FormData(form), body = { rule: {} };
    data.forEach(function (value, name) {
      value = String(value).trim();
      if (name.indexOf("rule.") === 0) {
        var key = name.slice(5);
        if (key === "product_skus") value = value ? value.split(",").map(function (s) { return s.trim(); }).filter(Boolean) : [];
        if ((key === "burn_in" || key === "floor") && value !== "") value = Number(value);
        if (typeof value === "number" ? isFinite(value) : value.length) body.rule[key] = value;
      } else if (name === "item_ids") {
        body.item_ids = value ? value.split(/\s+/) : [];
      } else if (name === "max_items" || name === "min_items") {
        body[name] = parseInt(value, 10) || 0;
      } else if (name !== "preview_product" && name !== "preview_segment") {
        body[name] = value || null;
      }
    });
    if (body.rule.order !== "adaptive") {  // the bandit's settings only with the adaptive order
      ["order", "reward", "burn_in", "floor"].forEach(function (k) { delete body.rule[k]; });
    }
    var rules = segmentRules();
    if (rules.length) body.rule.segment_rules = rules;
    return body;
  }

  function skus(value) { return value ? value.split(",").map(function (s) { return s.trim(); }).filter(Boolean) : []; }
  // One {segment_id, rule} per row with a segment; fields left empty keep the gallery's rule.
  function segmentRules() {
    var rules = [];
    form.querySelectorAll(".segment-rule").forEach(function (row) {
      var rule = JSON.parse(row.getAttribute("data-extra") || "{}"), segment = "";
      row.querySelectorAll("[data-key]").forEach(function (field) {
        var key = field.getAttribute("data-key"), value = String(field.value).trim();
        if (key === "segment_id") segment = value;
        else if (key === "product_skus") { if (skus(value).length) rule[key] = skus(value); }
        else if (value) rule[key] = value;
      });
      if (segment) rules.push({ segment_id: segment, rule: rule });
    });
    return rules;
  }
  var add = document.getElementById("add-segment-rule");
  if (add) add.addEventListener("click", function () {
    var rows = form.querySelectorAll(".segment-rule"), copy = rows[rows.length - 1].cloneNode(true);
    copy.setAttribute("data-extra", "{}");
    copy.querySelectorAll("[data-key]").forEach(function (field) { field.value = ""; });
    add.parentNode.insertBefore(copy, add);
  });

  function call(method, url, body) {
    return fetch(url, { method: method, credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf } })
      .then(function (r) { return r.json().then(function (json) { if (!r.ok) throw json.error || json.detail; return json; }); });
  }
  function problem(error) {
    if (Array.isArray(error)) return error.map(function (e) { return e.loc.join(".") + ": " + e.msg; }).join("; ");
    return (error && error.location ? error.location + ": " : "") + (error && error.message || words.could_not_save);
  }

  function refresh() {
    var body = draft(), sku = form.elements.preview_product.value.trim();
    var segment = form.elements.preview_segment ? form.elements.preview_segment.value : "";
    body.name = "preview";
    if (sku) body.product = sku;
    if (segment) body.segment = segment;
    call("POST", "/api/v1/galleries/preview", body).then(function (data) {
      MercatoGallery.render(document.getElementById("preview"), data);
      var key = "preview_items" + (data.segment ? "_segment" : "") + (data.fallback_used ? "_fallback" : "");
      document.getElementById("preview-count").textContent = count(key, data.items.length);
    }, function (error) { status.textContent = problem(error); });
  }
  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 300); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var id = form.getAttribute("data-gallery-id");
    call(id ? "PATCH" : "POST", "/api/v1/galleries" + (id ? "/" + id : ""), draft()).then(function (saved) {
      status.textContent = words.saved;
      if (!id) window.location = "/galleries/" + saved.id;
      document.getElementById("snippet").textContent = saved.embed;
    }, function (error) { status.textContent = problem(error); });
  });
  document.getElementById("copy-snippet").addEventListener("click", function () {
    var text = document.getElementById("snippet").textContent;
    if (navigator.clipboard) navigator.clipboard.writeText(text).then(function () { status.textContent = words.snippet_copied; });
  });
  refresh();
})();
