// Dash 4's own controls carry ARIA that screen readers (and axe-core) trip on; this repairs it in place,
// again after every re-render:
// - a Checklist/RadioItems (not a Dropdown's list) is a role=listbox of role=option labels around real inputs (nested
//   interactive controls, no name): it becomes a named group of plain labels;
// - a Dropdown's focus relay (an aria-hidden input in the Tab order) gets the dropdown's name instead
//   of aria-hidden, and its button is named by the field's label and its value;
// - an aria-labelledby naming an element that does not exist keeps only the ids that do;
// - the DatePickerRange wrapper's aria-expanded (not allowed on a plain div) goes;
// - dcc.Upload's file input is named by the text of its drop zone.
(function () {
  "use strict";
  var counter = 0;

  function labelOf(el) {
    var prev = el.previousElementSibling;
    while (prev && prev.tagName === "INPUT") { prev = prev.previousElementSibling; }
    if (prev && (prev.classList.contains("field-label") || prev.tagName === "SUMMARY")) { return prev; }
    var details = el.closest("details");
    return details ? details.querySelector(":scope > summary") : null;
  }

  function idOf(el) {
    if (!el.id) { el.id = "aria-label-" + (++counter); }
    return el.id;
  }

  function repair() {
    document.querySelectorAll(".dash-checklist[role='listbox'], .dash-radioitems[role='listbox']").forEach(function (list) {
      var label = labelOf(list);
      list.setAttribute("role", list.querySelector("input[type='radio']") ? "radiogroup" : "group");
      if (label) { list.setAttribute("aria-labelledby", idOf(label)); }
    });
    document.querySelectorAll(":is(.dash-checklist, .dash-radioitems) > .dash-options-list-option[role='option']").forEach(function (option) {
      option.removeAttribute("role");
      option.removeAttribute("aria-selected");
    });
    document.querySelectorAll(".dash-dropdown-wrapper").forEach(function (wrap) {
      var relay = wrap.querySelector(":scope > .dash-dropdown-focus-target");
      var button = wrap.querySelector(":scope > button.dash-dropdown");
      var label = labelOf(wrap);
      if (button && label) {
        var value = button.id + "-value";
        var wanted = idOf(label) + (document.getElementById(value) ? " " + value : "");
        if (button.getAttribute("aria-labelledby") !== wanted) { button.setAttribute("aria-labelledby", wanted); }
      }
      if (relay && relay.hasAttribute("aria-hidden")) {
        relay.removeAttribute("aria-hidden");
        relay.setAttribute("aria-label", label ? label.textContent : "Open the list");
      }
    });
    document.querySelectorAll("[aria-labelledby]").forEach(function (el) {
      var ids = el.getAttribute("aria-labelledby").split(/\s+/).filter(Boolean);
      var kept = ids.filter(function (id) { return document.getElementById(id); });
      if (kept.length !== ids.length) {
        if (kept.length) { el.setAttribute("aria-labelledby", kept.join(" ")); } else { el.removeAttribute("aria-labelledby"); }
      }
    });
    document.querySelectorAll("input[type='file']:not([aria-label])").forEach(function (input) {
      var zone = input.parentElement, text = zone ? zone.textContent.trim().slice(0, 100) : "";
      input.setAttribute("aria-label", text || "Choose a file");
    });
    document.querySelectorAll("[id$='-wrapper'][aria-expanded]:not([role])").forEach(function (el) {
      el.removeAttribute("aria-expanded");
    });
  }

  var queued = false;
  new MutationObserver(function () {
    if (queued) { return; }
    queued = true;
    requestAnimationFrame(function () { queued = false; repair(); });
  }).observe(document.documentElement, {subtree: true, childList: true, attributes: true,
                                        attributeFilter: ["role", "aria-labelledby", "aria-hidden", "aria-expanded"]});
})();
