// A read-only role (auditor) sees the forms but cannot submit them: every POST form's submit
// buttons are disabled, with the reason beside, except signing out and the language switch.
document.addEventListener("DOMContentLoaded", function () {
  var forms = document.querySelectorAll('form[method="post"], form[method="POST"]');
  forms.forEach(function (form) {
    if (form.closest(".lang-switch") || /\/logout\/$/.test(form.getAttribute("action") || "")) {
      return;
    }
    var buttons = form.querySelectorAll('button:not([type="button"]), input[type="submit"]');
    if (!buttons.length) {
      return;
    }
    buttons.forEach(function (button) {
      button.disabled = true;
      button.setAttribute("aria-disabled", "true");
      button.title = document.body.getAttribute("data-read-only-note") || "";
    });
    var note = document.createElement("p");
    note.className = "muted read-only-note";
    note.textContent = document.body.getAttribute("data-read-only-note") || "";
    form.appendChild(note);
  });
});
