// Loaded after plotly.js in the kaleido page (dashboard/export/kaleido_page.py): a map is drawn once.
//
// Why: plotly's static map hands its image over on the first frame at which MapLibre has everything
// loaded, but MapLibre paints every frame before that too (style, each trace's source, glyphs: a dozen
// frames or more). On Chromium's software WebGL each painted frame costs the whole canvas, and painting
// the frames nobody sees was most of a briefing's render time. Those frames only clear and paint what the
// final frame clears and paints again, so skipping them changes no pixel of the image.
//
// And: symbols never fade (fadeDuration 0), so a frame painted after the map went idle is the same
// picture as the one before, whatever the clock says.
(function () {
  "use strict";
  const getContext = HTMLCanvasElement.prototype.getContext;
  window.conflictMapHeldMaps = 0;

  HTMLCanvasElement.prototype.getContext = function (type, attributes) {
    const context = getContext.call(this, type, attributes);
    if (type === "webgl2" || type === "webgl") {
      const canvas = this;
      // MapLibre asks for its context inside its constructor; the map is plotly's once that returns.
      queueMicrotask(function () { holdMap(canvas); });
    }
    return context;
  };

  function mapOf(canvas) {
    for (let node = canvas; node; node = node.parentNode) {
      const layout = node._fullLayout;
      if (!layout) continue;
      for (const id of (layout._subplots && layout._subplots.map) || []) {
        const map = layout[id] && layout[id]._subplot && layout[id]._subplot.map;
        if (map && map.getCanvas && map.getCanvas() === canvas) return map;
      }
      return null;
    }
    return null;
  }

  function holdMap(canvas) {
    const map = mapOf(canvas);
    const painter = map && map.painter;
    if (!painter || typeof painter.renderLayer !== "function" || !painter.context
        || typeof painter.context.clear !== "function" || typeof map.loaded !== "function") {
      return;  // another plotly or MapLibre: every frame is painted, as without this script
    }
    map._fadeDuration = 0;
    const renderLayer = painter.renderLayer;
    painter.renderLayer = function () {
      return map.loaded() ? renderLayer.apply(this, arguments) : undefined;
    };
    const context = painter.context;
    const clear = context.clear;
    context.clear = function () {
      return map.loaded() ? clear.apply(this, arguments) : undefined;
    };
    window.conflictMapHeldMaps += 1;
  }
})();
