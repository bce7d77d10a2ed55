/* Link-in-bio page: draws the page's payload (a JSON data block) with gallery.js. There is no
   cart on this page: "Add to cart" opens the product on the shop, where the cart is. */
(function (w, d) {
  "use strict";
  var data = JSON.parse(d.getElementById("shop-data").textContent);
  w.MercatoGallery.onAddToCart = function (detail) {
    var url = detail.product && detail.product.url;
    if (!url) return;
    try { var u = new URL(url, w.location.href); } catch (e) { return; }
    if (u.protocol == "https:" || u.protocol == "http:") w.location.assign(u.href);
  };
  w.MercatoGallery.render(d.getElementById("shop-grid"), data);
})(window, document);
