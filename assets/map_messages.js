// The map says when its basemap tiles could not be loaded (OpenStreetMap with no network): MapLibre's
// error event for a raster tile fills #map-tile-message; another basemap (or a style without raster
// tiles) hides it again.
(function () {
  "use strict";
  var TEXT = "The basemap tiles could not be loaded (no network, or the tile server did not answer): " +
             "the map shows its own layers only. Pick the plain basemap under Map layers for an offline map.";
  var watched = null;

  function message(show) {
    var el = document.getElementById("map-tile-message");
    if (!el) { return; }
    el.textContent = show ? TEXT : "";
    el.hidden = !show;
  }

  function hasRaster(map) {
    var style = map.getStyle && map.getStyle();
    var sources = (style && style.sources) || {};
    return Object.keys(sources).some(function (k) { return sources[k].type === "raster"; });
  }

  function watch() {
    var gd = document.querySelector("#incident-map .js-plotly-plot");
    var layout = gd && gd._fullLayout;
    var map = layout && layout.map && layout.map._subplot && layout.map._subplot.map;
    if (!map || map === watched) { return; }
    watched = map;
    map.on("error", function (event) {
      var source = event && event.sourceId && map.getSource && map.getSource(event.sourceId);
      if (event && (event.tile || (source && source.type === "raster"))) { message(true); }
    });
    map.on("styledata", function () {
      try { if (!hasRaster(map)) { message(false); } } catch (e) { /* style between loads */ }
    });
  }

  // Another basemap picked: the message goes (tiles that fail again say so again).
  document.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest("#basemap-select")) { message(false); }
  });

  setInterval(watch, 500);
})();
