// Keyboard and phone: Escape closes the incident details (then the filters drawer); the "Filters"
// button opens the controls as a modal drawer on narrow screens (focus moves into it, stays there and
// comes back); Tab leaves the incidents table.
(function () {
  "use strict";

  // Pages built without this app's index_string (the import page) still say their language.
  if (!document.documentElement.lang) { document.documentElement.lang = "en"; }

  function byId(id) { return document.getElementById(id); }

  function drawerOpen() { return document.body.classList.contains("drawer-open"); }

  // The open drawer is a modal dialog: focus stays inside it (Tab wraps; the page behind is inert)
  // until Escape or "Close filters" closes it and gives focus back to the "Filters" button.
  var FOCUSABLE = "button:not([disabled]), input:not([disabled]):not([type='hidden']):not([aria-hidden='true']), " +
    "select:not([disabled]), textarea:not([disabled]), summary, a[href], [tabindex]:not([tabindex='-1'])";

  function shown(el) {
    var closed = el.closest("details:not([open])");  // a closed section shows only its summary
    if (closed && !(el.tagName === "SUMMARY" && el.parentElement === closed)) { return false; }
    if (el.checkVisibility) { return el.checkVisibility({ visibilityProperty: true }); }
    return el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  }

  function focusables(drawer) {
    return Array.prototype.filter.call(drawer.querySelectorAll(FOCUSABLE), function (el) {
      return el.tabIndex >= 0 && !el.closest("[inert]") && shown(el);
    });
  }

  function behind(drawer) {  // what the drawer covers: everything on the page outside it
    var app = drawer.closest(".app") || document.body, out = [];
    Array.prototype.forEach.call(app.querySelectorAll(".app-header, .skip-link, .views"), function (el) {
      if (!el.contains(drawer)) { out.push(el); }
    });
    return out;
  }

  function setDrawer(open) {
    var toggle = byId("filters-toggle"), drawer = byId("controls-column");
    if (!toggle || !drawer) { return; }
    document.body.classList.toggle("drawer-open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    // A modal dialog while open: the page behind is inert (no focus, no clicks, hidden from screen
    // readers). axe calls role="dialog" on an <aside> minor; without it a reader loses the landmark
    // and heading context of the page (axe: moderate).
    if (open) {
      drawer.setAttribute("role", "dialog");
      drawer.setAttribute("aria-modal", "true");
    } else {
      drawer.removeAttribute("role");
      drawer.removeAttribute("aria-modal");
    }
    behind(drawer).forEach(function (el) { el.inert = open; });
    if (open) {
      var first = focusables(drawer)[0];
      (first || drawer).focus();
    } else {
      toggle.focus();
    }
  }

  // Tab and Shift+Tab wrap inside the open drawer (captured first, before any widget's own handler).
  window.addEventListener("keydown", function (event) {
    if (event.key !== "Tab" || !drawerOpen()) { return; }
    var drawer = byId("controls-column");
    var items = drawer ? focusables(drawer) : [];
    if (!items.length) { return; }
    var active = document.activeElement, first = items[0], last = items[items.length - 1];
    var outside = !drawer.contains(active);
    if (outside || (event.shiftKey && active === first) || (!event.shiftKey && active === last)) {
      event.preventDefault();
      event.stopPropagation();
      (event.shiftKey ? last : first).focus();
    }
  }, true);

  // Focus that lands outside the open drawer some other way (a click on the dimmed page) goes back in.
  document.addEventListener("focusin", function (event) {
    var drawer = byId("controls-column");
    if (drawerOpen() && drawer && !drawer.contains(event.target)) {
      var first = focusables(drawer)[0];
      (first || drawer).focus();
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest("#filters-toggle, #filters-close");
    if (target) { setDrawer(target.id === "filters-toggle" ? !drawerOpen() : false); }
    // A click on the dimmed page beside the open drawer (it is inert: the click lands on the body) closes it.
    else if (drawerOpen() && (event.target === document.body || event.target === document.documentElement)) {
      setDrawer(false);
    }
  });

  // Widening the window past the phone layout ends the drawer (the controls become a column again).
  var phone = window.matchMedia && window.matchMedia("(max-width: 799px)");
  if (phone && phone.addEventListener) {
    phone.addEventListener("change", function (event) { if (!event.matches && drawerOpen()) { setDrawer(false); } });
  }

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
