// Autocomplete for the catalogue search boxes: <input data-autocomplete-url="...">.
// Vanilla JS, no dependencies; the form works without it.
(function () {
  "use strict";
  var DELAY_MS = 150;

  function setup(input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    if (!list) return;
    var timer = null, active = -1, items = [], lastQuery = null, controller = null;

    function close() {
      list.hidden = true;
      list.innerHTML = "";
      items = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function choose(text) {
      input.value = text;
      close();
      if (input.form) input.form.submit();
    }

    function highlight(index) {
      items.forEach(function (li, i) { li.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0) input.setAttribute("aria-activedescendant", items[index].id);
    }

    function render(suggestions) {
      close();
      if (!suggestions.length) return;
      suggestions.forEach(function (text, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.textContent = text;
        li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(text); });
        list.appendChild(li);
        items.push(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function fetchSuggestions() {
      var q = input.value.trim();
      if (q === lastQuery) return;
      lastQuery = q;
      if (!q) { close(); return; }
      if (controller) controller.abort();
      controller = typeof AbortController === "function" ? new AbortController() : null;
      var url = input.getAttribute("data-autocomplete-url") + "&q=" + encodeURIComponent(q);
      fetch(url, { headers: { Accept: "application/json" }, signal: controller ? controller.signal : undefined })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) { if (input.value.trim() === q) render(data.suggestions || []); })
        .catch(function () { /* aborted or offline: keep typing undisturbed */ });
    }

    function schedule(event) {
      // Pinyin being composed in an input method is not a query yet.
      if (event && event.isComposing) return;
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, DELAY_MS);
    }

    input.addEventListener("input", schedule);
    input.addEventListener("compositionend", function () { schedule(); });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown") { event.preventDefault(); highlight((active + 1) % items.length); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight((active - 1 + items.length) % items.length); }
      else if (event.key === "Enter" && active >= 0) { event.preventDefault(); choose(items[active].textContent); }
      else if (event.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  document.querySelectorAll("input[data-autocomplete-url]").forEach(setup);
})();
