/* Searchable pickers: a long <select data-searchable> (products) gets the search box the
   template put before it, hidden until this script runs, so without JS the plain select works.
   - <span class="picker-search" hidden> holding <input type="search" data-filter-for="ID">:
     typing keeps the options whose text holds every typed word (case-insensitive), selects the
     first of them when the chosen one is filtered out (or is "any"), and says how many match (role=status);
     ArrowDown moves to the select; an option with value "" (any) always stays.
   - <button data-append-to="NAME" data-from="ID">: adds the select's value to the
     comma-separated field NAME of the same form (the gallery rule's SKUs), once;
     data-separator="line" writes one value per line (the gallery's manual UGC items);
     data-replace sets the field to the value instead (an export's account). */
(function (d) {
  "use strict";
  function words(text) { return text.toLowerCase().split(/\s+/).filter(Boolean); }
  [].forEach.call(d.querySelectorAll("input[data-filter-for]"), function (input) {
    var select = d.getElementById(input.getAttribute("data-filter-for"));
    if (!select) return;
    var box = input.closest(".picker-search"), count = box && box.querySelector("[role=status]");
    if (box) box.hidden = false;
    function filter() {
      var wanted = words(input.value), shown = 0, first = null;
      [].forEach.call(select.options, function (option) {
        var text = option.text.toLowerCase();
        var keep = option.value === "" || wanted.every(function (w) { return text.indexOf(w) >= 0; });
        option.hidden = !keep;
        option.disabled = !keep;
        if (keep && option.value !== "") { shown += 1; if (!first) first = option; }
      });
      var current = select.options[select.selectedIndex];
      if (first && (!current || current.hidden || (current.value === "" && wanted.length))) first.selected = true;
      if (count) count.textContent = wanted.length ? count.getAttribute("data-template").replace("{n}", String(shown)) : "";
    }
    input.addEventListener("input", filter);
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") { e.preventDefault(); select.focus(); }
    });
  });
  [].forEach.call(d.querySelectorAll("button[data-append-to]"), function (button) {
    var select = d.getElementById(button.getAttribute("data-from"));
    var field = button.form && button.form.elements.namedItem(button.getAttribute("data-append-to"));
    if (!select || !field) return;
    button.hidden = false;
    var lines = button.getAttribute("data-separator") === "line";
    button.addEventListener("click", function () {
      var value = select.value;
      if (button.hasAttribute("data-replace")) {
        if (value) field.value = value;
      } else {
        var list = field.value.split(lines ? /[\s,]+/ : ",").map(function (s) { return s.trim(); }).filter(Boolean);
        if (value && list.indexOf(value) < 0) list.push(value);
        field.value = list.join(lines ? "\n" : ", ");
      }
      field.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
})(document);
