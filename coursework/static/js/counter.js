// Counts the characters of a text area with `data-count` (an essay) as the learner types,
// into the element it names. Without this script the count shown is the one at page load.
(function () {
  "use strict";
  if (window.courseworkCounter) return; // the page includes this once per essay
  window.courseworkCounter = true;
  var format = function (n) {
    return n.toLocaleString("en-GB");
  };
  var update = function (area) {
    var out = document.getElementById(area.dataset.count);
    if (!out) return;
    var limit = Number(out.dataset.limit);
    var left = limit - area.value.length;
    out.textContent = format(area.value.length) + " of " + format(limit) + " characters used" +
      (left <= 200 ? " (" + format(left) + " left)." : ".");
  };
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-count]")) update(event.target);
  });
  document.querySelectorAll("textarea[data-count]").forEach(update);
})();
