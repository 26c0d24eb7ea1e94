// Progressive enhancement for ordering questions: "Move up" and "Move down" buttons beside
// each item, so the order can be changed from the keyboard as well as by choosing each
// item's place. Without this script the place lists still work and post the same form.
(function () {
  "use strict";
  var lists = document.querySelectorAll("ol[data-ordering]:not([data-enhanced])");
  Array.prototype.forEach.call(lists, function (list) {
    list.setAttribute("data-enhanced", "");
    var status = list.parentNode.querySelector(".ordering__status");
    var text = window.courseworkText;
    var words = list.dataset; // the buttons' and the status's text, translated by the server
    var items = function () { return list.querySelectorAll(".ordering__item"); };

    var renumber = function () {
      Array.prototype.forEach.call(items(), function (item, index) {
        item.querySelector(".ordering__place").value = String(index + 1);
      });
      list.dispatchEvent(new Event("change", { bubbles: true }));
    };

    var move = function (item, offset, button) {
      var sibling = offset < 0 ? item.previousElementSibling : item.nextElementSibling;
      if (!sibling) return;
      list.insertBefore(item, offset < 0 ? sibling : sibling.nextElementSibling);
      renumber();
      button.focus();
      if (status) {
        var all = Array.prototype.indexOf.call(items(), item) + 1;
        status.textContent = text.fill(words.moved, {
          item: item.querySelector(".ordering__text").textContent.trim(),
          place: text.number(all),
          count: text.number(items().length),
        });
      }
    };

    Array.prototype.forEach.call(items(), function (item) {
      var name = item.querySelector(".ordering__text").textContent.trim();
      var select = item.querySelector(".ordering__place");
      var actions = document.createElement("span");
      actions.className = "ordering__actions";
      [[words.up, words.upItem, -1], [words.down, words.downItem, 1]].forEach(function (spec) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button button--secondary button--small ordering__move";
        button.textContent = spec[0];
        button.setAttribute("aria-label", text.fill(spec[1], { item: name }));
        button.disabled = select.disabled;
        button.addEventListener("click", function () { move(item, spec[2], button); });
        actions.appendChild(button);
      });
      item.appendChild(actions);
    });

    // Choosing a place from the list moves the item there too, so the two always agree.
    list.addEventListener("change", function (event) {
      var select = event.target;
      if (!select.classList || !select.classList.contains("ordering__place")) return;
      var item = select.closest(".ordering__item");
      var others = Array.prototype.filter.call(items(), function (other) { return other !== item; });
      var place = Math.min(Math.max(parseInt(select.value, 10) || 1, 1), others.length + 1);
      list.insertBefore(item, others[place - 1] || null);
      renumber();
    });
  });
})();
