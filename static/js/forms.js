// Every form: the first field has the focus (or the first field with an error, after a
// refused submission); Enter submits from any field, a select included; a date may be typed
// or pasted as 20261128. No inline script: the pages keep their strict content security policy.
(function () {
  "use strict";
  var FIELDS = "input:not([type=hidden]):not([type=submit]):not([type=button]):not([disabled]):not([readonly]), select:not([disabled]), textarea:not([disabled])";

  // Forms in the page's header, in a table row (approve/reject beside each row) or marked
  // no-autofocus are never focused first; Enter still submits them.
  function usable(form) {
    return !form.closest(".lang-switch, .site-header") &&
      !/\/logout\/$/.test(form.getAttribute("action") || "");
  }

  function visible(el) {
    return !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  }

  function focusFirst() {
    var active = document.activeElement;
    if (active && active !== document.body) { return; }
    var main = document.querySelector("main") || document.body;
    var target = null;
    var invalid = main.querySelectorAll(".has-error, [data-field]");
    for (var i = 0; i < invalid.length && !target; i++) {
      var inRow = invalid[i].matches(".has-error") ? invalid[i] : invalid[i].closest(".form-row, form");
      var named = invalid[i].getAttribute("data-field");
      var byName = named && main.querySelector('[name="' + named + '"]');
      // The field itself, not the search box a searchable select puts before it.
      var inside = inRow && (inRow.querySelector(FIELDS.replace(/input:/, "input:not(.select-search):")) ||
        inRow.querySelector(FIELDS));
      target = byName && visible(byName) ? byName : inside;
    }
    if (!target) {
      var forms = main.querySelectorAll("form");
      for (var f = 0; f < forms.length && !target; f++) {
        if (!usable(forms[f]) || forms[f].closest("table, .no-autofocus")) { continue; }
        var fields = forms[f].querySelectorAll(FIELDS);
        for (var k = 0; k < fields.length; k++) {
          if (visible(fields[k])) { target = fields[k]; break; }
        }
      }
    }
    // Never scroll to reach it: a form below the fold (a panel's) is not the page's purpose.
    if (target && target.getBoundingClientRect().top < window.innerHeight) {
      target.focus({ preventScroll: true });
    }
  }

  // Enter in a select or a checkbox submits as it does in a text field (browsers only do the
  // latter), through the form's first submit button so its name/value are posted.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.isComposing || event.shiftKey || event.ctrlKey || event.altKey) { return; }
    var el = event.target;
    if (!el.form || !usable(el.form)) { return; }
    if (el.tagName === "SELECT" || (el.tagName === "INPUT" && /^(checkbox|radio)$/.test(el.type))) {
      var submit = el.form.querySelector("button:not([type=button]):not([disabled]), input[type=submit]:not([disabled])");
      if (!submit) { return; }
      event.preventDefault();
      el.form.requestSubmit(submit);
    }
  });

  // A date input takes 20261128 typed, whatever order the browser's locale gives its
  // segments (yyyy/mm/dd, mm/dd/yyyy…): eight digits typed in a row that make a real date as
  // YYYYMMDD set it. Digits typed the locale's own way are left to the browser (a month-first
  // order never reads as YYYYMMDD: its first four digits are a year before 1800 or its next two
  // a month above 12).
  var typed = new WeakMap();

  function isoOf(digits) {
    var m = /^([0-9]{4})([0-9]{2})([0-9]{2})$/.exec(digits);
    if (!m || +m[1] < 1800) { return null; }
    var day = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    if (day.getUTCFullYear() !== +m[1] || day.getUTCMonth() !== +m[2] - 1 || day.getUTCDate() !== +m[3]) { return null; }
    return m[1] + "-" + m[2] + "-" + m[3];
  }

  function setDate(el, iso) {
    el.value = iso;
    el.dispatchEvent(new Event("input", { bubbles: true }));
    el.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.addEventListener("focusin", function (event) {
    if (event.target instanceof HTMLInputElement && event.target.type === "date") { typed.set(event.target, ""); }
  });

  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if (!(el instanceof HTMLInputElement) || el.type !== "date") { return; }
    if (!/^[0-9]$/.test(event.key)) {
      if (event.key !== "Shift") { typed.set(el, ""); }
      return;
    }
    var digits = ((typed.get(el) || "") + event.key).slice(-8);
    typed.set(el, digits);
    var iso = digits.length === 8 ? isoOf(digits) : null;
    if (iso) {
      event.preventDefault();
      setDate(el, iso);
      typed.set(el, "");
    }
  });

  // A date input takes 2026-11-28 and also 20261128 or 2026/11/28 when pasted.
  document.addEventListener("paste", function (event) {
    var el = event.target;
    if (!(el instanceof HTMLInputElement) || el.type !== "date") { return; }
    var text = (event.clipboardData || window.clipboardData).getData("text").trim();
    var m = /^([0-9]{4})[-/.]?([0-9]{2})[-/.]?([0-9]{2})$/.exec(text);
    if (!m) { return; }
    event.preventDefault();
    setDate(el, m[1] + "-" + m[2] + "-" + m[3]);
  });

  document.addEventListener("DOMContentLoaded", focusFirst);
})();
