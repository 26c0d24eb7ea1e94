// Progressive enhancement for the quiz page: save answers as they change, and count down
// the time left. Without this script the page still works: "Save" and "Submit" post the form.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (form && window.fetch && window.FormData) {
    var status = form.querySelector(".autosave-status");
    var timer = null;
    var save = function () {
      var data = new FormData(form);
      data.delete("action");
      fetch(form.dataset.autosave, {
        method: "POST",
        body: data,
        headers: { "X-CSRFToken": data.get("csrf_token") || "" },
        credentials: "same-origin",
      }).then(function (response) {
        if (!status) return;
        if (response.ok) {
          status.textContent = "All answers saved.";
        } else if (response.status === 409) {
          window.location.reload();
        } else {
          status.textContent = "Could not save just now. Your answers will be saved when you submit.";
        }
      }).catch(function () {
        if (status) status.textContent = "Offline: your answers will be saved when you submit.";
      });
    };
    var later = function () {
      clearTimeout(timer);
      timer = setTimeout(save, 600);
    };
    form.addEventListener("change", later);
    form.addEventListener("input", later);
  }

  var clock = document.querySelector(".timer[data-deadline]");
  if (clock) {
    var deadline = new Date(clock.dataset.deadline).getTime();
    var left = clock.querySelector(".timer__left");
    var tick = function () {
      var seconds = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      var minutes = Math.floor(seconds / 60);
      left.textContent = " — " + minutes + " min " + String(seconds % 60).padStart(2, "0") + " s left";
      if (seconds === 0 && form) {
        form.querySelector("button[value=submit]").click();
        return;
      }
      setTimeout(tick, 1000);
    };
    tick();
  }
})();
