// The header's compact menu is a <details>, so it works without this script; the script
// closes it as people expect a menu to close: on Escape, and on a click or focus elsewhere.
(function () {
  "use strict";
  var menus = document.querySelectorAll("details[data-menu]");
  if (!menus.length) return;
  var closeAll = function (except) {
    menus.forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  };
  document.addEventListener("click", function (event) {
    var inside = event.target.closest && event.target.closest("details[data-menu]");
    closeAll(inside);
  });
  document.addEventListener("focusin", function (event) {
    var inside = event.target.closest && event.target.closest("details[data-menu]");
    closeAll(inside);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    menus.forEach(function (menu) {
      if (menu.open) {
        menu.removeAttribute("open");
        menu.querySelector("summary").focus();
      }
    });
  });
})();
