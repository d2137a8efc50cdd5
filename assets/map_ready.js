// Map updates wait until the map's style has loaded.
//
// plotly creates the MapLibre map, then loads its style (outlines, glyphs) for a moment; an update
// of the figure that arrives meanwhile (a date step of playback, a quick filter change right after
// the page opens) makes MapLibre throw "Style is not done loading" and that update is lost: the
// map would go on showing the previous data. Plotly.react is wrapped so that a call on a map whose
// style is still loading waits for it, then runs; every other call runs at once, unchanged.
(function () {
  "use strict";

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

  function wrap() {
    var Plotly = window.Plotly;
    if (!Plotly || !Plotly.react) {
      return false;
    }
    if (!Plotly.react.conflictMapWaits) {
      var react = Plotly.react;
      var waiting = Plotly.react = function (gd) {
        var self = this, args = arguments, map = loadingMap(gd);
        if (!map) {
          return react.apply(self, args);
        }
        return styleLoaded(map).then(function () { return react.apply(self, args); });
      };
      waiting.conflictMapWaits = true;
    }
    return true;
  }

  if (!wrap()) {
    var timer = setInterval(function () {
      if (wrap()) {
        clearInterval(timer);
      }
    }, 20);
  }
})();
