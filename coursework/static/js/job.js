// Progressive enhancement for a job's page: ask how far the job has got and move the bar,
// then load the finished page (with its links) once it is done or has failed. Without this
// script the page's "Check again" link does the same.
(function () {
  "use strict";
  var section = document.querySelector("[data-job-progress]");
  if (!section || !window.fetch) return;
  var state = section.dataset.jobState;
  if (state === "done" || state === "failed") return;
  var bar = section.querySelector("progress");
  var text = function (name, value) {
    var element = section.querySelector("[data-job-" + name + "]");
    if (element && element.textContent !== String(value)) element.textContent = value;
  };
  var delay = 500;
  var poll = function () {
    fetch(section.dataset.jobProgress, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (job) {
        bar.value = job.percent;
        bar.textContent = job.percent + "%";
        text("done", job.done.toLocaleString("en"));
        text("total", job.total.toLocaleString("en"));
        text("percent", job.percent);
        text("message", job.message);
        if (job.state === "done" || job.state === "failed") {
          window.location.reload();
          return;
        }
        delay = Math.min(delay * 1.5, 5000);
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        // A lost connection or a server restart: keep asking, less often.
        delay = Math.min(delay * 2, 15000);
        window.setTimeout(poll, delay);
      });
  };
  window.setTimeout(poll, delay);
})();
