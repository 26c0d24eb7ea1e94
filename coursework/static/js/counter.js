// Counts the characters of a text area with `data-count` (an essay) as the learner types,
// into the element it names. Without this script the count shown is the one at page load.
(function () {
  "use strict";
  if (window.courseworkCounter) return; // the page includes this once per essay
  window.courseworkCounter = true;
  var text = window.courseworkText;
  var update = function (area) {
    var out = document.getElementById(area.dataset.count);
    if (!out) return;
    var limit = Number(out.dataset.limit);
    var left = limit - area.value.length;
    // The messages come translated from the server (see the essay's template).
    var message = left <= 200 ? text.plural(JSON.parse(out.dataset.left), left) : out.dataset.used;
    out.textContent = text.fill(message, {
      used: text.number(area.value.length),
      limit: text.number(limit),
      left: text.number(left),
    });
  };
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-count]")) update(event.target);
  });
  document.querySelectorAll("textarea[data-count]").forEach(update);
})();
