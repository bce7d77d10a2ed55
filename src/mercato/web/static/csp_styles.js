/* Loaded first, with the page's CSP nonce. Plotly (and gallery.js in the builder preview)
   add <style> elements from script; the page's style-src only admits nonce-carrying ones,
   so every <style> that Mercato's own scripts create is given this page's nonce. Markup
   parsed from data never passes here, so injected styles stay blocked. */
(function (d) {
  "use strict";
  var nonce = d.currentScript && d.currentScript.nonce;
  if (!nonce) return;
  var create = d.createElement;
  d.createElement = function (name) {
    var node = create.apply(d, arguments);
    if (String(name).toLowerCase() == "style") node.nonce = nonce;
    return node;
  };
})(document);
