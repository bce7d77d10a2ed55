/* Mercato shoppable galleries. No deps. Data is set with textContent, properties and
   setAttribute only (never as HTML); links and media need an http(s) URL. Under a nonce CSP,
   give this script the page's nonce: its <style> element takes the same one.
   <div data-mercato-gallery="gal_..." data-product="SKU"></div>
   <script async src="https://HOST/gallery.js" data-key="pk_..."></script>
   Add to cart: listen for "mercato:add-to-cart" (detail: product, ugc_id, gallery_id) or set
   MercatoGallery.onAddToCart = function (detail) {...}. */
(function (w, d) {
  "use strict";
  var tag = d.currentScript, loc = w.location, nav = navigator;
  if (!tag || w.MercatoGallery) return;
  var base = new URL(tag.src).origin, tracker = d.querySelector("script[data-key]");
  var key = tag.getAttribute("data-key") || (tracker && tracker.getAttribute("data-key"));
  var dnt = nav.doNotTrack == "1" || nav.globalPrivacyControl === true;
  var api = { onAddToCart: null, render: render, load: load };
  w.MercatoGallery = api;

  function stored(store, name) { try { return JSON.parse(w[store].getItem("mercato_" + name)); } catch (e) { return null; } }
  function rid() { return Date.now().toString(36) + Math.random().toString(36).slice(2, 12); }
  // Same visitor, session UTMs and wire format as tracker.js, so events join its sessions.
  function send(name, fields, beacon) {
    if (!key || (dnt && tracker && tracker.hasAttribute("data-respect-dnt"))) return;
    var vid = stored("localStorage", "vid"), att = stored("sessionStorage", "att");
    var e = { name: name, url: loc.href, event_id: rid(), ts: Date.now(), consent: !!vid, dnt: dnt };
    if (vid) e.visitor_id = vid;
    if (att && att.a) e.attribution = att.a;
    if (d.referrer) e.referrer = d.referrer;
    for (var f in fields) e[f] = fields[f];
    var body = JSON.stringify({ key: key, sent_at: Date.now(), events: [e] }), url = base + "/api/collect";
    if (beacon && nav.sendBeacon && nav.sendBeacon(url, new Blob([body], { type: "text/plain" }))) return;
    fetch(url, { method: "POST", body: body, keepalive: true, headers: { "Content-Type": "text/plain" } }).catch(function () {});
  }

  // Only http(s) URLs become links or media: a stored "javascript:" URL is dropped here too.
  function safe(url) {
    try { var u = new URL(url, loc.href); } catch (e) { return null; }
    return u.protocol == "https:" || u.protocol == "http:" ? u.href : null;
  }
  function el(name, cls, text, parent) {
    var node = d.createElement(name);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }
  function media(m, parent, alt) {
    var node = el(m.kind == "video" ? "video" : "img", "mg-media", null, parent);
    var src = safe(m.kind == "video" ? m.url : (m.thumb || m.url));
    if (src) node.src = src;
    if (m.kind == "video") { node.muted = true; node.playsInline = true; } else { node.alt = alt; node.loading = "lazy"; }
    return node;
  }

  // Fires once when at least half of `node` stays visible for a second.
  function seen(node, fire) {
    if (!w.IntersectionObserver) return fire();
    var timer, io = new IntersectionObserver(function (entries) {
      var e = entries[0];
      if (e.intersectionRatio >= 0.5) timer = timer || setTimeout(function () { io.disconnect(); fire(); }, 1000);
      else { clearTimeout(timer); timer = 0; }
    }, { threshold: [0, 0.5, 1] });
    io.observe(node);
  }

  function card(p, ids, parent) {
    var row = el("div", "mg-product", null, parent);
    var image = p.image && safe(p.image), href = p.url && safe(p.url);
    if (image) { var img = el("img", null, null, row); img.src = image; img.alt = ""; }
    el("span", "mg-title", p.title, row);
    el("span", "mg-price", p.price + " " + p.currency, row);
    var link = el("a", "mg-link", "View", row);
    if (href) { link.href = href; link.rel = "noopener"; }
    link.addEventListener("click", function () { send("product_click", { ugc_id: ids.u, gallery_id: ids.g, props: { product_id: p.id, sku: p.sku } }, true); });
    var buy = el("button", "mg-cart", "Add to cart", row);
    buy.type = "button";
    buy.addEventListener("click", function () {
      var detail = { product: p, ugc_id: ids.u, gallery_id: ids.g };
      send("add_to_cart", { ugc_id: ids.u, gallery_id: ids.g, items: [{ id: p.id, sku: p.sku, name: p.title, price: p.price, quantity: 1 }] });
      if (typeof api.onAddToCart == "function") api.onAddToCart(detail);
      buy.dispatchEvent(new CustomEvent("mercato:add-to-cart", { bubbles: true, detail: detail }));
    });
  }

  function lightbox(item, gid) {
    var shade = el("div", "mg-lightbox", null, d.body), box = el("div", "mg-box", null, shade);
    shade.setAttribute("role", "dialog");
    shade.setAttribute("aria-modal", "true");
    var close = el("button", "mg-close", "\u00d7", box);
    close.setAttribute("aria-label", "Close");
    function shut() { shade.remove(); d.removeEventListener("keydown", esc); }
    function esc(e) { if (e.key == "Escape") shut(); }
    close.addEventListener("click", shut);
    shade.addEventListener("click", function (e) { if (e.target == shade) shut(); });
    d.addEventListener("keydown", esc);
    if (item.media[0]) { var big = media(item.media[0], box, item.alt || item.caption), full = safe(item.media[0].url); if (full) big.src = full; }
    if (item.creator) el("div", "mg-creator", "@" + item.creator, box);
    el("p", "mg-caption", item.caption, box);
    var list = el("div", "mg-products", null, box);
    item.products.forEach(function (p) { card(p, { u: item.id, g: gid }, list); });
    close.focus();
  }

  function render(container, data) {
    container.textContent = "";
    var root = el("div", "mg mg-" + data.layout, null, container);
    root.setAttribute("data-gallery-id", data.id);
    data.items.forEach(function (item) {
      var tile = el("button", "mg-tile", null, root);
      tile.type = "button";
      tile.setAttribute("data-ugc-id", item.id);
      if (item.media[0]) media(item.media[0], tile, item.alt || item.caption);
      else el("span", "mg-text", item.caption, tile);
      if (item.products.length) el("span", "mg-tag", item.products[0].title + (item.products.length > 1 ? " +" + (item.products.length - 1) : ""), tile);
      tile.addEventListener("click", function () { send("ugc_click", { ugc_id: item.id, gallery_id: data.id }); lightbox(item, data.id); });
      seen(tile, function () { send("ugc_impression", { ugc_id: item.id, gallery_id: data.id }); });
    });
    var ex = data.experiment;
    if (ex) { root.setAttribute("data-experiment", ex.id); root.setAttribute("data-variant", ex.variant); }
    // The viewport event is the experiment's activation: the variant was actually seen.
    if (data.items.length) seen(root, function () { send("gallery_view", ex ? { gallery_id: data.id, props: { experiment_id: ex.id, variant: ex.variant } } : { gallery_id: data.id }); });
  }

  function load(container) {
    // The server picks the visitor's experiment variant from the same id tracker.js sends
    // (only when consented), so the right gallery arrives in this one response.
    var q = new URLSearchParams({ url: loc.href }), vid = stored("localStorage", "vid");
    if (key) q.set("key", key);
    if (vid && !(dnt && tracker && tracker.hasAttribute("data-respect-dnt"))) q.set("vid", vid);
    ["product", "collection"].forEach(function (n) { var v = container.getAttribute("data-" + n); if (v) q.set(n, v); });
    return fetch(base + "/g/" + encodeURIComponent(container.getAttribute("data-mercato-gallery")) + ".json?" + q)
      .then(function (r) { if (!r.ok) throw r.status; return r.json(); })
      .then(function (data) { render(container, data); });
  }

  var css = el("style", null, ".mg{display:grid;gap:8px;grid-template-columns:repeat(auto-fill,minmax(150px,1fr))}" +
    ".mg-carousel,.mg-strip{display:flex;overflow-x:auto;scroll-snap-type:x mandatory}.mg-carousel .mg-tile,.mg-strip .mg-tile{flex:0 0 200px;scroll-snap-align:start}" +
    ".mg-strip .mg-tile{flex-basis:120px}.mg-lookbook{grid-template-columns:repeat(auto-fill,minmax(280px,1fr))}" +
    ".mg-tile{position:relative;padding:0;border:0;background:#eee;color:#111;cursor:pointer;aspect-ratio:1;overflow:hidden}" +
    ".mg-tile .mg-media{width:100%;height:100%;object-fit:cover}.mg-tag{position:absolute;left:4px;bottom:4px;background:#fffe;color:#111;font:12px sans-serif;padding:2px 6px;border-radius:9px}" +
    ".mg-lightbox{position:fixed;inset:0;background:#000b;display:flex;align-items:center;justify-content:center;z-index:2147483000}" +
    // The picture takes at most about half the screen, so price and "Add to cart" stay in view.
    ".mg-box{position:relative;display:flex;flex-direction:column;gap:6px;background:#fff;color:#111;width:min(640px,94vw);max-height:92vh;overflow:auto;padding:12px;border-radius:8px;font:14px sans-serif;box-sizing:border-box}" +
    ".mg-box .mg-media{width:100%;max-height:52vh;object-fit:contain;background:#f2f2f2}.mg-creator{order:1}.mg-products{order:2}.mg-caption{order:3;margin:0}" +
    ".mg-close{position:absolute;top:4px;right:4px;z-index:1;min-width:44px;min-height:44px;font-size:24px;line-height:1;border:0;border-radius:22px;background:#fffd;color:#111;cursor:pointer}" +
    ".mg-product{display:flex;flex-wrap:wrap;gap:4px 8px;align-items:center;border-top:1px solid #ddd;padding:6px 0}.mg-product img{width:48px}.mg-title{flex:1 1 8em}.mg-price{font-weight:600}" +
    ".mg-link{display:inline-flex;align-items:center;min-height:44px;min-width:44px;padding:0 8px;color:inherit}" +
    ".mg-cart{min-height:44px;padding:0 14px;border:0;border-radius:6px;background:#111;color:#fff;font:inherit;cursor:pointer}" +
    "@media (min-width:760px){.mg-box{display:grid;grid-template-columns:minmax(0,3fr) minmax(240px,2fr);grid-auto-rows:min-content;align-items:start;gap:8px 16px;width:min(980px,94vw)}" +
    ".mg-box .mg-media{grid-column:1;grid-row:1/span 20;max-height:84vh}.mg-box>:not(.mg-media):not(.mg-close){grid-column:2}.mg-creator{padding-right:44px}}");
  css.setAttribute("data-mercato", "gallery");
  if (tag.nonce) css.nonce = tag.nonce;
  d.head.appendChild(css);
  [].forEach.call(d.querySelectorAll("[data-mercato-gallery]"), function (c) { load(c).catch(function () {}); });
})(window, document);
