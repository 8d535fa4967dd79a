// Starts Det Fælles Designsystem's components. Kept in a file (not inline) because the
// Content-Security-Policy allows scripts from this site only.
document.addEventListener("DOMContentLoaded", function () {
  if (window.DKFDS && typeof window.DKFDS.init === "function") {
    window.DKFDS.init();
  }
  // Print buttons (the roadmap): without script they are hidden and the browser's own
  // print works the same.
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });
  // A form that comes back with errors: move focus to the list of them.
  var errors = document.querySelector("[data-testid='roadmap-errors']");
  if (errors) { errors.focus(); }
});
