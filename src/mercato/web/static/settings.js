/* Settings pages: copy buttons and confirmations, without inline handlers (strict CSP).
   Words come from the page's ui-text block, in the page's language (web/ui_text.py). */
(function (d) {
  "use strict";
  var words = JSON.parse(d.getElementById("ui-text").textContent);
  d.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (button) {
      var text = d.getElementById(button.getAttribute("data-copy")).textContent;
      var done = function () { button.textContent = words.copied; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { select(button); });
      } else {
        select(button);
      }
      return;
    }
    var confirming = event.target.closest("[data-confirm]");
    if (confirming && !window.confirm(confirming.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  // Without the clipboard API (plain http), select the text so Ctrl+C copies it.
  function select(button) {
    var range = d.createRange();
    range.selectNodeContents(d.getElementById(button.getAttribute("data-copy")));
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    button.textContent = words.select_to_copy;
  }
})(document);
