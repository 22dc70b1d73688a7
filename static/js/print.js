// Print buttons (no inline script, so the pages work under a strict content security policy).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
