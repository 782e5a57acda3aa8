/* The registry's own script: small enhancements on pages that work without it. It is a static
   file (no inline script or style anywhere, for a strict Content-Security-Policy). */
(function () {
  "use strict";

  // After a failed submit, move focus to the error summary so that a screen reader reads it
  // and a keyboard user starts from the list of problems.
  function focusErrorSummary() {
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
    }
  }

  // The Reports form: show only the fields of the chosen report. Every field set is in the
  // page (so the form works without script); the others are hidden and disabled, so that
  // they are neither seen nor sent.
  function reportFields() {
    var chooser = document.getElementById("report");
    var sets = document.querySelectorAll("[data-report-kind]");
    if (!chooser || !sets.length) {
      return;
    }
    function show() {
      sets.forEach(function (set) {
        var kinds = set.getAttribute("data-report-kind").split(" ");
        var on = kinds.indexOf(chooser.value) !== -1;
        set.hidden = !on;
        set.disabled = !on;
      });
    }
    chooser.addEventListener("change", show);
    show();
  }

  // A <details class="confirm"> that opens moves focus to its confirming button.
  function confirmPanels() {
    document.querySelectorAll("details.confirm").forEach(function (details) {
      details.addEventListener("toggle", function () {
        var button = details.querySelector(".confirm-panel button, .confirm-panel [type=submit]");
        if (details.open && button) {
          button.focus();
        }
      });
    });
  }

  function ready() {
    focusErrorSummary();
    reportFields();
    confirmPanels();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
