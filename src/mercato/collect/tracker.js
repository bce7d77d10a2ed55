/* Mercato site tracker: pageviews (SPA and hash routes), engaged time and scroll depth,
   outbound links and downloads, e-commerce helpers, session-kept UTMs and click ids, three
   identity modes, retry queue. No deps, no eval, no inline handlers (strict CSP safe).
   <script defer src="https://HOST/tracker.js" data-key="pk_..."></script> */
(function (w, d) {
  "use strict";
  var tag = d.currentScript, nav = navigator, loc = w.location;
  if (!tag || w.__mercato) return;
  w.__mercato = 1;
  function has(name) { return tag.hasAttribute("data-" + name); }
  var key = tag.getAttribute("data-key"), domain = tag.getAttribute("data-domain");
  var api = tag.getAttribute("data-api") || new URL("/api/collect", tag.src).href;
  var mode = tag.getAttribute("data-identity") || "cookieless";
  var dnt = nav.doNotTrack == "1" || w.doNotTrack == "1" || nav.globalPrivacyControl === true;
  var hashRoutes = has("hash");
  var FILES = (tag.getAttribute("data-file-types") || "pdf,zip,docx,doc,xlsx,xls,csv,pptx,ppt,txt,rtf,epub,mp4,mov,avi,mp3,wav,dmg,exe,pkg,7z,rar,gz")
    .toLowerCase().split(/[\s,]+/);
  // A developer's own machine and automated browsers are not shoppers: silent unless asked.
  var local = loc.protocol == "file:" || /^(localhost|.*\.localhost|127(\.\d+){3}|\[::1\]|0\.0\.0\.0)$/.test(loc.hostname);
  var robot = nav.webdriver || w._phantom || w.callPhantom || w.__nightmare || /headless|phantomjs|selenium|puppeteer/i.test(nav.userAgent);
  var off = (local && !has("allow-local") && "local page") || (robot && !has("allow-automation") && "automated browser");
  if (off && w.console) console.warn("mercato: no events from this " + off + " (see data-allow-local, data-allow-automation)");
  var ls, ss;
  try { ls = w.localStorage; ss = w.sessionStorage; } catch (e) { /* storage blocked */ }
  var PARAMS = ["utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term", "fbclid",
    "ttclid", "twclid", "gclid", "gad_source", "msclkid", "sccid", "scid", "epik", "rdt_cid",
    "li_fat_id", "igshid", "igsh"];
  var SESSION_MS = 18e5;

  function get(store, name) { try { return JSON.parse(store.getItem("mercato_" + name)); } catch (e) { return null; } }
  function put(store, name, value) { try { store.setItem("mercato_" + name, JSON.stringify(value)); } catch (e) { /* full or blocked */ } }
  function drop(store, name) { try { store.removeItem("mercato_" + name); } catch (e) { /* blocked */ } }
  function rid() {
    var c = w.crypto;
    return c && c.randomUUID ? c.randomUUID().replace(/-/g, "") : Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  // Cookieless until the site runs in first_party_id/identified mode or the visitor consents.
  var consent = mode != "cookieless" || !!get(ls, "consent");
  var customer = null;
  function visitor() {
    if (!consent) return null;
    var id = get(ls, "vid");
    if (!id) { id = rid(); put(ls, "vid", id); }
    return id;
  }

  // UTMs and click ids live for the session: 30 minutes without activity ends it.
  function attribution() {
    var found = {}, any = 0, now = Date.now(), kept = get(ss, "att");
    new URLSearchParams(loc.search).forEach(function (value, name) {
      name = name.toLowerCase();
      if (value && PARAMS.indexOf(name) >= 0) { found[name] = value; any = 1; }
    });
    if (any) kept = { a: found };
    else if (kept && now - kept.t > SESSION_MS) kept = null;
    if (kept) { kept.t = now; put(ss, "att", kept); }
    return kept ? kept.a : null;
  }

  var queue = get(ss, "queue") || [];
  function retry(events) { queue = queue.concat(events).slice(-50); put(ss, "queue", queue); }
  function post(events, beacon) {
    var body = JSON.stringify({ key: key || undefined, domain: key ? undefined : domain, sent_at: Date.now(), events: events });
    if (beacon && nav.sendBeacon && nav.sendBeacon(api, new Blob([body], { type: "text/plain" }))) return;
    // text/plain keeps it a simple request (no CORS preflight); keepalive outlives the page.
    fetch(api, { method: "POST", body: body, keepalive: true, headers: { "Content-Type": "text/plain" } })
      .then(function (r) { if (r.status >= 500 || r.status == 429) retry(events); }, function () { retry(events); });
  }
  function flush() { if (queue.length) { var events = queue; queue = []; drop(ss, "queue"); post(events); } }

  var lastUrl = null, referrer = d.referrer || null;
  function send(name, fields, beacon, url) {
    if (off || !(key || domain) || (dnt && has("respect-dnt"))) return;
    var event = { name: name, url: url || loc.href, event_id: rid(), ts: Date.now(), consent: consent, dnt: dnt };
    var vid = visitor(), att = attribution();
    if (vid) event.visitor_id = vid;
    if (customer && consent) event.customer_id = customer;
    if (att) event.attribution = att;
    if (referrer) event.referrer = referrer;
    for (var f in fields) if (fields[f] != null) event[f] = fields[f];
    post([event], beacon);
    flush();
  }

  // Engaged time counts only while the page is visible and focused (Plausible's rule).
  var engaged = 0, since = null, scroll = 0, sentScroll = -1;
  function active() { return d.visibilityState == "visible" && d.hasFocus(); }
  function tick() {
    var now = Date.now();
    if (since) engaged += now - since;
    since = active() ? now : null;
  }
  function measure() {
    var el = d.documentElement, body = d.body || {};
    var height = Math.max(el.scrollHeight, el.offsetHeight, body.scrollHeight || 0, 1);
    var seen = Math.min(100, Math.round(((w.scrollY || el.scrollTop) + w.innerHeight) / height * 100));
    if (seen > scroll) scroll = seen;
  }
  function engagement() {
    tick();
    measure();
    if (lastUrl && (engaged >= 3000 || scroll > sentScroll || (sentScroll < 0 && engaged > 0))) {
      // Sent for the page it measured, even after an SPA navigation changed the address.
      send("engagement", { engaged_ms: engaged, scroll_pct: scroll }, true, loc.origin + lastUrl);
      engaged = 0;
      sentScroll = scroll;
    }
  }

  // Path and query make a page; with data-hash, so does the #fragment of a hash router.
  function here() { return loc.pathname + loc.search + (hashRoutes ? loc.hash : ""); }
  function pageview() {
    if (lastUrl == here()) return;
    if (lastUrl) { engagement(); referrer = loc.origin + lastUrl; }
    engaged = 0; scroll = 0; sentScroll = -1;
    since = active() ? Date.now() : null;
    lastUrl = here();
    measure();
    send("pageview", {});
  }

  ["pushState", "replaceState"].forEach(function (method) {
    var original = history[method];
    history[method] = function () {
      var result = original.apply(this, arguments);
      setTimeout(pageview, 0);
      return result;
    };
  });
  w.addEventListener("popstate", pageview);
  if (hashRoutes) w.addEventListener("hashchange", pageview);

  // Clicks on a file or another host: a beacon, so the event outlives the navigation.
  function clicked(e) {
    var a = e.target && e.target.closest && e.target.closest("a[href]"), link;
    if (!a || (e.type == "auxclick" && e.button != 1)) return;
    try { link = new URL(a.href, loc.href); } catch (x) { return; }
    if (!/^https?:$/.test(link.protocol)) return;
    var ext = /\.([^./]+)$/.exec(link.pathname), props = { props: { url: link.href.slice(0, 500) } };
    if (a.hasAttribute("download") || (ext && FILES.indexOf(ext[1].toLowerCase()) >= 0)) send("file_download", props, true);
    else if (link.host != loc.host) send("outbound_link", props, true);
  }
  d.addEventListener("click", clicked, true);
  d.addEventListener("auxclick", clicked, true);
  d.addEventListener("visibilitychange", function () { if (d.visibilityState == "hidden") engagement(); else tick(); });
  w.addEventListener("blur", engagement);
  w.addEventListener("focus", tick);
  w.addEventListener("pagehide", engagement);
  w.addEventListener("scroll", measure, { passive: true });
  w.addEventListener("load", measure);

  function items(list) { return list && [].concat(list); }
  var commands = {
    track: function (name, props) { send(name, { props: props }); },
    pageview: function () { lastUrl = null; pageview(); },
    add_to_cart: function (item) { send("add_to_cart", { items: items(item) }); },
    checkout_start: function (o) { o = o || {}; send("begin_checkout", { items: items(o.items), revenue: o.revenue, currency: o.currency }); },
    purchase: function (o) { send("purchase", { order_id: o.order_id, revenue: o.revenue, currency: o.currency, items: items(o.items) }); },
    lead: function (o) { send("generate_lead", { form: typeof o == "string" ? o : o && o.form }); },
    consent: function (granted) {
      consent = !!granted || mode != "cookieless";
      if (granted) put(ls, "consent", 1); else { drop(ls, "consent"); drop(ls, "vid"); }
    },
    identify: function (id) { if (mode == "identified") customer = id ? String(id) : null; }
  };
  var pending = (w.mercato && w.mercato.q) || [];
  w.mercato = function (name) {
    var command = commands[name];
    if (command) command.apply(null, [].slice.call(arguments, 1));
  };
  pageview();
  for (var i = 0; i < pending.length; i++) w.mercato.apply(null, pending[i]);
})(window, document);
