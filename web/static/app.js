// Starts Det Fælles Designsystem's components. Kept in a file (not inline) because the
// Content-Security-Policy allows scripts from this site only.
document.addEventListener("DOMContentLoaded", function () {
  if (window.DKFDS && typeof window.DKFDS.init === "function") {
    window.DKFDS.init();
  }
});
