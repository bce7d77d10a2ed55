// Keyboard moderation: j/k move, x toggles selection, a/r approve/reject the current item
// (or every selected item). Decisions are posted with the page's CSRF token.
(function () {
  const form = document.getElementById("queue");
  if (!form) return;
  const rows = Array.from(form.querySelectorAll(".queue-item"));
  let current = 0;
  function focus(index) {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach((row, i) => row.classList.toggle("current", i === current));
    rows[current].focus();
  }
  function decide(status) {
    const checked = form.querySelectorAll("input[name=item_id]:checked");
    if (!checked.length && rows[current]) rows[current].querySelector("input[name=item_id]").checked = true;
    const input = document.createElement("input");
    input.type = "hidden"; input.name = "status"; input.value = status;
    form.appendChild(input);
    form.submit();
  }
  document.addEventListener("keydown", (event) => {
    if (event.target.matches("input[type=text], textarea, select")) return;
    if (event.key === "j") focus(current + 1);
    else if (event.key === "k") focus(current - 1);
    else if (event.key === "x" && rows[current]) {
      const box = rows[current].querySelector("input[name=item_id]");
      box.checked = !box.checked;
    } else if (event.key === "a") decide("approved");
    else if (event.key === "r") decide("rejected");
  });
  focus(0);
})();
