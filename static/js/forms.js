/* "Add a row" without reloading: clone the formset's <template> (Django's empty_form) and
   bump TOTAL_FORMS. Without JavaScript the same button submits the form with add_row=<prefix>
   and the server re-renders it with one more row (nothing is saved). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.add-row[data-prefix]");
    if (!button) return;
    var prefix = button.getAttribute("data-prefix");
    var form = button.form;
    var total = form && form.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
    var max = form && form.querySelector('input[name="' + prefix + '-MAX_NUM_FORMS"]');
    var template = document.getElementById("formset-" + prefix + "-empty");
    var container = document.getElementById("formset-" + prefix);
    if (!total || !template || !container) return; // let the server add the row
    var count = parseInt(total.value, 10) || 0;
    if (max && count >= (parseInt(max.value, 10) || 1000)) return;
    event.preventDefault();
    var html = template.innerHTML.replace(/__prefix__/g, String(count));
    container.insertAdjacentHTML("beforeend", html);
    total.value = String(count + 1);
    var row = container.lastElementChild;
    var first = row && row.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  });
})();
/* A form that came back with errors: move the focus to its summary at the top, so a
   screen reader reads it and the keyboard starts from there. */
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
