// Map updates wait until the map's style has loaded.
//
// plotly creates the MapLibre map, then loads its style (outlines, glyphs) for a moment; an update
// of the figure that arrives meanwhile (a date step of playback, a quick filter change right after
// the page opens) makes MapLibre throw "Style is not done loading" and that update is lost: the
// map would go on showing the previous data. Plotly.react, relayout, restyle, update and
// Plots.resize (dcc.Graph calls it when the page reflows) are wrapped so that a call on a map whose
// style is still loading waits for it, then runs; every other call runs at once, unchanged.
//
// And: tile URLs in a map style become absolute. The app gives them root-relative (behind any proxy or path
// prefix the browser resolves them against the page); MapLibre fetches vector tiles from a worker whose
// address is a blob:, against which "/assets/..." means nothing.
(function () {
  "use strict";

  function absoluteTiles(layout) {
    var sources = layout && layout.map && layout.map.style && layout.map.style.sources;
    if (!sources || typeof sources !== "object") {
      return;
    }
    Object.keys(sources).forEach(function (id) {
      var tiles = sources[id] && sources[id].tiles;
      if (Array.isArray(tiles)) {
        sources[id].tiles = tiles.map(function (url) {
          return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/"
            ? window.location.origin + url : url;
        });
      }
    });
  }

  // react(gd, data, layout, config) or react(gd, {data, layout, config}); newPlot alike.
  function layoutOf(args) {
    var second = args[1];
    return second && !Array.isArray(second) && typeof second === "object" ? second.layout : args[2];
  }

  function loadingMap(gd) {
    var layout = gd && gd._fullLayout;
    var map = layout && layout.map && layout.map._subplot && layout.map._subplot.map;
    return map && !(map.style && map.style._loaded) ? map : null;
  }

  function styleLoaded(map) {
    return new Promise(function (resolve) {
      (function check() {
        if (map.style && map.style._loaded) {
          resolve();
        } else {
          setTimeout(check, 50);
        }
      })();
    });
  }

  // Every entry point through which the dashboard (or dcc.Graph resizing it) redraws the map.
  function waitFor(owner, name) {
    var original = owner[name];
    if (typeof original !== "function" || original.conflictMapWaits) {
      return;
    }
    var waiting = owner[name] = function (gd) {
      var self = this, args = arguments, map = loadingMap(gd);
      if (name === "react" || name === "newPlot") {
        absoluteTiles(layoutOf(args));
      }
      if (!map) {
        return original.apply(self, args);
      }
      return styleLoaded(map).then(function () { return original.apply(self, args); });
    };
    waiting.conflictMapWaits = true;
  }

  function wrap() {
    var Plotly = window.Plotly;
    if (!Plotly || !Plotly.react || !Plotly.Plots) {
      return false;
    }
    ["react", "newPlot", "relayout", "restyle", "update"].forEach(function (name) { waitFor(Plotly, name); });
    waitFor(Plotly.Plots, "resize");
    return true;
  }

  // Wrap as soon as plotly.js defines window.Plotly (it loads after this file), else right away.
  if (!wrap()) {
    var plotly;
    try {
      Object.defineProperty(window, "Plotly", {
        configurable: true,
        get: function () { return plotly; },
        set: function (value) {
          Object.defineProperty(window, "Plotly", {configurable: true, writable: true, value: value});
          plotly = value;
          wrap();
        },
      });
    } catch (e) {
      var timer = setInterval(function () {
        if (wrap()) {
          clearInterval(timer);
        }
      }, 20);
    }
  }
})();
