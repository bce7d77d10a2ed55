/* Link-in-bio page: draws the page's payload (a JSON data block) with gallery.js. */
(function (d) {
  "use strict";
  var data = JSON.parse(d.getElementById("shop-data").textContent);
  window.MercatoGallery.render(d.getElementById("shop-grid"), data);
})(document);
