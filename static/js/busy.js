// Long form posts (checking and importing a sheet): say what is happening while the
// server works, and stop a second press sending it twice.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-busy]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.getAttribute("aria-busy") === "true") { event.preventDefault(); return; }
        form.setAttribute("aria-busy", "true");
        var status = form.parentNode.querySelector("[data-busy-status]");
        if (status) status.textContent = form.getAttribute("data-busy");
      });
    });
  });
})();
