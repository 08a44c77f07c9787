// The language picker in the footer switches as soon as a language is chosen (the form still
// has a button for browsers without scripts).
document.addEventListener("change", function (event) {
  if (event.target.matches("select[data-submit-on-change]")) { event.target.form.submit(); }
});
