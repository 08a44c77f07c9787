// The suggestion list of the proposal form: add, remove and reorder items. Event delegation,
// so the list keeps working after htmx replaces it with extracted suggestions.
(function () {
  "use strict";

  function list() { return document.querySelector("[data-suggestion-list] ol"); }

  function renumber() {
    list().querySelectorAll("li").forEach(function (li, i) {
      var area = li.querySelector("textarea");
      var label = li.querySelector("label");
      area.id = "suggestion-" + (i + 1);
      if (label) { label.htmlFor = area.id; label.textContent = label.textContent.replace(/\d+/, String(i + 1)); }
    });
  }

  function suggestionsEmpty() {
    return Array.prototype.every.call(document.querySelectorAll("textarea[name=suggestion]"), function (t) {
      return !t.value.trim();
    });
  }
  // Text pasted into the body while the list is still empty is sent for extraction (htmx
  // waits for the paste to land). A script, not an hx-trigger filter: filters need eval.
  document.addEventListener("paste", function (event) {
    var area = event.target;
    if (area.matches && area.matches("[data-extract-on-paste]") && suggestionsEmpty()) {
      htmx.trigger(area, "extract-suggestions");
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button || !button.closest("[data-suggestion-list]")) { return; }
    var item = button.closest("li");
    if (button.hasAttribute("data-add-suggestion")) {
      var last = list().lastElementChild;
      var copy = last.cloneNode(true);
      copy.querySelector("textarea").value = "";
      list().appendChild(copy);
      renumber();
      copy.querySelector("textarea").focus();
    } else if (button.hasAttribute("data-remove")) {
      if (list().children.length > 1) { item.remove(); } else { item.querySelector("textarea").value = ""; }
      renumber();
    } else if (button.dataset.move === "up" && item.previousElementSibling) {
      item.parentNode.insertBefore(item, item.previousElementSibling);
      renumber();
      button.focus();
    } else if (button.dataset.move === "down" && item.nextElementSibling) {
      item.parentNode.insertBefore(item.nextElementSibling, item);
      renumber();
      button.focus();
    }
  });

  // A second click on a submit button while the first is on its way does nothing; the
  // server also refuses duplicates (client_token), this just spares the round trip.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.sending) { event.preventDefault(); return; }
    form.dataset.sending = "1";
    setTimeout(function () { delete form.dataset.sending; }, 5000);
  });
})();
