// Keyboard and phone: Escape closes the incident details (then the filters drawer); the "Filters"
// button opens the controls as a drawer on narrow screens, moving focus into it and back; Tab leaves
// the incidents table.
(function () {
  "use strict";

  // Pages built without this app's index_string (the import page) still say their language.
  if (!document.documentElement.lang) { document.documentElement.lang = "en"; }

  function byId(id) { return document.getElementById(id); }

  function drawerOpen() { return document.body.classList.contains("drawer-open"); }

  function setDrawer(open) {
    var toggle = byId("filters-toggle"), drawer = byId("controls-column");
    if (!toggle || !drawer) { return; }
    document.body.classList.toggle("drawer-open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      var first = drawer.querySelector("button, input:not([aria-hidden='true']), summary, a[href]");
      (first || drawer).focus();
    } else {
      toggle.focus();
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest("#filters-toggle, #filters-close");
    if (target) { setDrawer(target.id === "filters-toggle" ? !drawerOpen() : false); }
  });

  // DataTable moves its active cell on Tab and keeps focus inside: a keyboard trap. Tab leaves the
  // table (arrow keys still move between cells).
  window.addEventListener("keydown", function (event) {
    if (event.key === "Tab" && event.target.closest && event.target.closest(".dash-table-container")) {
      event.stopPropagation();
    }
  }, true);

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented) { return; }
    if (document.querySelector("[aria-expanded='true'].dash-dropdown")) { return; }  // the dropdown closes itself
    var detail = byId("incident-detail");
    if (detail && !detail.hidden) {
      var close = byId("incident-detail-close");
      if (close) { close.click(); }
      var region = byId("map-region");
      if (region && detail.contains(document.activeElement)) { region.focus(); }
      return;
    }
    if (drawerOpen()) { setDrawer(false); }
  });

})();
