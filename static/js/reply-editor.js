// The reply editor: insert a department snippet where the cursor was in the last text box.
(function () {
  "use strict";
  var lastArea = null;
  document.addEventListener("focusin", function (event) {
    if (event.target.matches("#editor textarea")) { lastArea = event.target; }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-insert-snippet]");
    if (!button) { return; }
    var id = document.getElementById("snippet-select").value;
    var source = document.querySelector('template[data-snippet="' + id + '"]');
    var area = lastArea || document.getElementById("id_closing");
    if (!source || !area) { return; }
    var text = source.content.textContent;
    var start = area.selectionStart, end = area.selectionEnd;
    area.value = area.value.slice(0, start) + text + area.value.slice(end);
    area.focus();
    area.selectionStart = area.selectionEnd = start + text.length;
    area.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
