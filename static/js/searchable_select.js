// Searchable selects (progressive enhancement). A <select data-lookup="/url/"> keeps working as
// a plain select without script; with script a search box above it asks the JSON lookup (code,
// name or pinyin initials: "whzx" finds 武汉重型机床厂) and refills the options with the
// matches, keeping the current choice. No inline script or style (content security policy).
(function () {
  "use strict";

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) {
      return values[key] !== undefined ? String(values[key]) : "";
    });
  }

  function enhance(select) {
    var url = select.getAttribute("data-lookup");
    var valueKey = select.getAttribute("data-lookup-value") || "id";
    var extra = select.getAttribute("data-lookup-params") || "";
    var box = document.createElement("input");
    box.type = "search";
    box.className = "select-search";
    box.autocomplete = "off";
    box.placeholder = select.getAttribute("data-lookup-placeholder") || "";
    box.setAttribute("aria-label", box.placeholder);
    box.setAttribute("aria-controls", select.id);
    if (select.id) { box.id = select.id + "_search"; }
    var note = document.createElement("span");
    note.className = "select-search-count muted";
    note.setAttribute("aria-live", "polite");
    var wrap = document.createElement("span");
    wrap.className = "select-search-wrap";
    select.parentNode.insertBefore(wrap, select);
    wrap.appendChild(box);
    wrap.appendChild(note);
    wrap.appendChild(select);
    var timer = null;
    var asked = 0;

    function show(data) {
      var keep = select.value;
      var keptOption = keep ? select.querySelector('option[value="' + CSS.escape(keep) + '"]') : null;
      var blank = select.querySelector('option[value=""]');
      while (select.options.length) { select.remove(0); }
      if (blank) { select.add(blank); }
      var seen = false;
      data.results.forEach(function (row) {
        var value = String(row[valueKey]);
        var option = new Option(row.label, value);
        if (value === keep) { option.selected = true; seen = true; }
        select.add(option);
      });
      if (keptOption && !seen) { select.add(keptOption, blank ? 1 : 0); keptOption.selected = true; }
      if (data.results.length === 1 && box.value.trim()) {
        select.value = String(data.results[0][valueKey]);
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
      var template = data.count > data.shown ? select.getAttribute("data-lookup-more")
        : select.getAttribute("data-lookup-found");
      note.textContent = fill(template || "{n}", { n: data.count, shown: data.shown });
    }

    function search() {
      var mine = ++asked;
      var params = new URLSearchParams(extra);
      params.set("q", box.value.trim());
      fetch(url + "?" + params.toString(), {
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (data) {
        if (data && mine === asked) { show(data); }
      }).catch(function () { /* the plain select still works */ });
    }

    box.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 200);
    });
    box.addEventListener("keydown", function (event) {
      // Enter in the search box searches; it does not submit the form half filled in.
      if (event.key === "Enter") { event.preventDefault(); window.clearTimeout(timer); search(); }
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("select[data-lookup]"), enhance);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
