// Phone or short window: the map's legend would cover much of a small map, so it is folded behind the
// "Legend" button (style.css hides it under 800px of width or height unless the map's wrapper has .legend-open). Nothing is sent to the
// server: the legend is already in the figure.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".legend-toggle");
    if (!button) { return; }
    var wrap = button.closest(".map-wrap");
    if (!wrap) { return; }
    var open = !wrap.classList.contains("legend-open");
    wrap.classList.toggle("legend-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.textContent = open ? "Hide legend" : "Legend";
  });
})();
