// Deep Linking: send the signed choice back to the LMS at once. Without JavaScript the
// page's "Return to your LMS" button does the same.
(function () {
  "use strict";
  var form = document.querySelector("form[data-auto-submit]");
  if (form) {
    form.submit();
  }
})();
