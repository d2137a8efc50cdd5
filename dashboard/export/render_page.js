// Loaded after plotly.js in the kaleido page (dashboard/export/kaleido_page.py): a map is drawn once.
//
// Why: plotly's static map hands its image over on the first frame at which MapLibre has everything
// loaded, but MapLibre paints every frame before that too (style, each trace's source, glyphs: a dozen
// frames or more). On Chromium's software WebGL each painted frame costs the whole canvas, and painting
// the frames nobody sees was most of a briefing's render time. Those frames only clear and paint what the
// final frame clears and paints again, so skipping them changes no pixel of the image.
//
// And: a map trace counts as a WebGL trace to plotly, which then makes its WebGL layers (empty for a map:
// MapLibre draws on its own canvas) at plotGlPixelRatio, which kaleido sets to twice the scale (a 3840 x
// 2160 slide for a 1920 x 1080 one), and copies them into the picture as PNGs. A figure no trace of which
// draws on those layers gets them at ratio 1: the same (empty) layers, a sixteenth of the pixels.
//
// And: a frame nobody sees draws nothing at all. MapLibre loads the style alone first (frames "loaded"
// before plotly added its traces), and a held frame still drew its stencil masks, the stencil clear and
// the sky: each such draw dirtied the canvas, and SwiftShader's threads spent ~1 s of CPU a briefing on
// frames that were painted over. Only frames after plotly's resolveOnRender (its picture is the first
// loaded frame after that) paint now: the same pixels (tested against plotly's own page), ~35 % less CPU.
//
// And: symbols never fade (fadeDuration 0), so a frame painted after the map went idle is the same
// picture as the one before, whatever the clock says.
(function () {
  "use strict";
  const getContext = HTMLCanvasElement.prototype.getContext;
  window.conflictMapHeldMaps = 0;
  // Frames of held maps: painted, loaded but before plotly's traces (not painted), still loading (not painted).
  window.conflictMapFrames = {painted: 0, beforeTraces: 0, loading: 0};

  HTMLCanvasElement.prototype.getContext = function (type, attributes) {
    const context = getContext.call(this, type, attributes);
    if (type === "webgl2" || type === "webgl") {
      const canvas = this;
      // MapLibre asks for its context inside its constructor; the map is plotly's once that returns.
      queueMicrotask(function () { holdMap(canvas); });
    }
    return context;
  };

  const GL_LAYER_TRACE = /gl$|^(splom|parcoords|scatter3d|surface|mesh3d|cone|streamtube|volume|isosurface)$/;
  const toImage = Plotly.toImage;
  Plotly.toImage = function (figure, options) {
    const data = figure && Array.isArray(figure.data) ? figure.data : null;
    if (data && !data.some(function (trace) { return GL_LAYER_TRACE.test((trace && trace.type) || ""); })) {
      figure = Object.assign({}, figure, {config: Object.assign({}, figure.config, {plotGlPixelRatio: 1})});
    }
    return toImage.call(this, figure, options);
  };

  function subplotOf(canvas) {
    for (let node = canvas; node; node = node.parentNode) {
      const layout = node._fullLayout;
      if (!layout) continue;
      for (const id of (layout._subplots && layout._subplots.map) || []) {
        const subplot = layout[id] && layout[id]._subplot;
        const map = subplot && subplot.map;
        if (map && map.getCanvas && map.getCanvas() === canvas) return subplot;
      }
      return null;
    }
    return null;
  }

  function holdMap(canvas) {
    const subplot = subplotOf(canvas);
    const map = subplot && subplot.map;
    const painter = map && map.painter;
    if (!painter || typeof painter.renderLayer !== "function" || !painter.context
        || typeof painter.context.clear !== "function" || typeof map.loaded !== "function") {
      return;  // another plotly or MapLibre: every frame is painted, as without this script
    }
    map._fadeDuration = 0;
    // The map is loaded once with the style alone, then plotly adds the traces and waits for the next
    // loaded frame (resolveOnRender): frames before that one are never seen, so they are not painted.
    let traced = typeof subplot.resolveOnRender !== "function";
    if (!traced) {
      const resolveOnRender = subplot.resolveOnRender;
      subplot.resolveOnRender = function () {
        traced = true;
        return resolveOnRender.apply(this, arguments);
      };
    }
    const whenLoaded = function (draw) {
      return function () { return traced && map.loaded() ? draw.apply(this, arguments) : undefined; };
    };
    if (typeof painter.render === "function") {
      const render = painter.render;
      painter.render = function () {
        const frames = window.conflictMapFrames;
        const kind = !map.loaded() ? "loading" : traced ? "painted" : "beforeTraces";
        frames[kind] += 1;
        return render.apply(this, arguments);
      };
    }
    painter.renderLayer = whenLoaded(painter.renderLayer);
    painter.context.clear = whenLoaded(painter.context.clear);
    // Stencil masks and the sky are drawn outside the layers; in a frame nobody sees they cost as much.
    if (typeof painter.clearStencil === "function") painter.clearStencil = whenLoaded(painter.clearStencil);
    if (typeof painter.renderTileClippingMasks === "function") {
      painter.renderTileClippingMasks = whenLoaded(painter.renderTileClippingMasks);
    }
    if (painter.drawFunctions && typeof painter.drawFunctions.sky === "function") {
      painter.drawFunctions = Object.assign({}, painter.drawFunctions, {sky: whenLoaded(painter.drawFunctions.sky)});
    }
    window.conflictMapHeldMaps += 1;
  }
})();
