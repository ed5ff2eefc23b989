// Accessibility fixes for the theme and MyST-NB, checked by axe-core in `make site-check`.
// The search button's aria-label ("Search") differs from the text it shows ("Search Ctrl+K"), and so does each
// hidden cell's toggle ("Toggle hidden content" vs "Show code cell source"): a speech-input user saying what they
// see would miss them (axe-core: label-content-name-mismatch). Their visible texts are good names.
document.addEventListener("DOMContentLoaded", () => {
  const labelled = '.search-button__button[aria-label], summary[aria-label="Toggle hidden content"]';
  document.querySelectorAll(labelled).forEach((element) => element.removeAttribute("aria-label"));
});
