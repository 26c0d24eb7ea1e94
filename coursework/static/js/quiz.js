// Progressive enhancement for the quiz page: save answers as they change, and count down
// the time left. Without this script the page still works: "Save" and "Submit" post the form.
(function () {
  "use strict";
  var text = window.courseworkText;
  var form = document.querySelector("form[data-autosave]");
  if (form && window.fetch && window.FormData) {
    var status = form.querySelector(".autosave-status");
    // The status's messages, translated by the server (see the attempt's template).
    var words = status ? status.dataset : {};
    var timer = null;
    var pending = false; // answers changed since the last save was sent
    var show = function (message) {
      if (status && status.textContent !== message) status.textContent = message;
    };
    // The form as the autosave endpoint reads it: the answers and the CSRF token field,
    // without the submit button's action. A beacon cannot set headers, so the token
    // travels in the body for both.
    var answers = function () {
      var data = new FormData(form);
      data.delete("action");
      return data;
    };
    var save = function () {
      clearTimeout(timer);
      pending = false;
      var data = answers();
      fetch(form.dataset.autosave, {
        method: "POST",
        body: data,
        headers: { "X-CSRFToken": data.get("csrf_token") || "" },
        credentials: "same-origin",
      }).then(function (response) {
        if (response.ok) {
          if (!pending) show(words.saved);
        } else if (response.status === 409) {
          window.location.reload();
        } else {
          show(words.failed);
        }
      }).catch(function () {
        show(words.offline);
      });
    };
    var later = function () {
      pending = true;
      clearTimeout(timer);
      timer = setTimeout(save, 600);
    };
    // Leaving the page (a link, closing the tab, switching away) would drop a change still
    // waiting out the pause above: send it now, by a beacon the browser delivers even as
    // the page goes away.
    var flush = function () {
      if (!pending) return;
      clearTimeout(timer);
      pending = false;
      if (!(navigator.sendBeacon && navigator.sendBeacon(form.dataset.autosave, answers()))) {
        save();
      }
    };
    form.addEventListener("change", later);
    form.addEventListener("input", later);
    // The form's own submit carries every answer; a beacon beside it would only race it.
    form.addEventListener("submit", function () {
      clearTimeout(timer);
      pending = false;
    });
    window.addEventListener("pagehide", flush);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") flush();
    });
  }

  var clock = document.querySelector(".timer[data-deadline]");
  if (clock) {
    var deadline = new Date(clock.dataset.deadline).getTime();
    var left = clock.querySelector(".timer__left");
    var tick = function () {
      var seconds = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      var minutes = Math.floor(seconds / 60);
      left.textContent = " — " + text.fill(left.dataset.left, {
        minutes: text.number(minutes),
        seconds: text.number(seconds % 60, 2),
      });
      if (seconds === 0 && form) {
        form.querySelector("button[value=submit]").click();
        return;
      }
      setTimeout(tick, 1000);
    };
    tick();
  }
})();
