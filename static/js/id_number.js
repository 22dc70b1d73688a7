// ID number hints (居民身份证号码): as the number is typed, show the birth date, sex and issuing
// place it encodes, before the form is saved. The checksum is GB 11643's; a wrong one says the
// number is invalid and never which last digit would "fix" it (a typo elsewhere also breaks it).
// Only the six-digit place code is sent to the server (for its name), never the number.
// A search box (data-id-number="search") takes a name or an ID number or a prefix of one: it
// shows the hint only once 18 characters shaped like an ID number are typed.
(function () {
  "use strict";
  var WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var CHECK = "10X98765432";
  var places = {};

  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  function birthDate(number) {
    var y = +number.slice(6, 10), m = +number.slice(10, 12), d = +number.slice(12, 14);
    var day = new Date(Date.UTC(y, m - 1, d));
    if (y < 1880 || day.getUTCFullYear() !== y || day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) {
      return null;
    }
    return day;
  }

  function setup(input) {
    var text = JSON.parse(input.getAttribute("data-messages"));
    var placeUrl = input.getAttribute("data-place-url");
    var search = input.getAttribute("data-id-number") === "search";
    var box = document.createElement("div");
    box.id = input.getAttribute("aria-describedby") || input.id + "_hint";
    box.className = "id-hint";
    box.setAttribute("aria-live", "polite");
    box.setAttribute("data-id-hint", "");
    if (input.closest(".inline-form, .filters")) {
      // In a row of fields the hint floats under the input instead of pushing the row about.
      var field = document.createElement("span");
      field.className = "id-field";
      input.insertAdjacentElement("beforebegin", field);
      field.appendChild(input);
      box.classList.add("float");
    }
    input.insertAdjacentElement("afterend", box);

    function show(parts, bad) {
      box.textContent = parts.join(" · ");
      box.classList.toggle("bad", !!bad);
      box.classList.toggle("ok", !bad && parts.length > 0);
      box.setAttribute("data-state", bad ? "invalid" : parts.length ? "valid" : "empty");
    }

    function place(code, done) {
      if (places[code] !== undefined) { done(places[code]); return; }
      fetch(placeUrl.replace("000000", code), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          var name = data && data.name ? data.name : "";
          if (data && !data.known) { name = (name ? name + "（" : "") + fill(text.unknown, { code: code }) + (name ? "）" : ""); }
          places[code] = name;
          done(name);
        })
        .catch(function () { done(""); });
    }

    function update() {
      var number = input.value.replace(/\s+/g, "").toUpperCase();
      if (!number) { show([]); return; }
      if (search && !/^[0-9]{17}[0-9X]$/.test(number)) { show([]); return; }
      if (!/^[0-9]{0,17}$/.test(number.slice(0, 17)) || !/^[0-9X]?$/.test(number.slice(17, 18))) {
        show([text.shape], true); return;
      }
      if (number.length !== 18) { show([fill(text.length, { n: number.length })], number.length > 18); return; }
      var sum = 0;
      for (var i = 0; i < 17; i++) { sum += +number[i] * WEIGHTS[i]; }
      if (CHECK[sum % 11] !== number[17]) { show([text.checksum], true); return; }
      var day = birthDate(number);
      if (!day) { show([text.date], true); return; }
      if (day > new Date()) { show([text.future], true); return; }
      var facts = [
        text.birth + " " + number.slice(6, 10) + "-" + number.slice(10, 12) + "-" + number.slice(12, 14),
        text.sex + " " + (+number[16] % 2 === 1 ? text.male : text.female)
      ];
      show(facts);
      var typed = number;
      place(number.slice(0, 6), function (name) {
        var now = input.value.replace(/\s+/g, "").toUpperCase();
        if (now === typed && name) { show(facts.concat([text.place + " " + name])); }
      });
    }

    input.addEventListener("input", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-id-number]").forEach(setup);
  });
})();
