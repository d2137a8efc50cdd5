// The map paints a frame only when it has something finished to show.
//
// Why: in a browser without a GPU (Chromium's software WebGL, as on a locked-down analyst laptop, a
// virtual desktop, or the export's headless Chromium) every painted frame costs the whole canvas,
// ~100-250 ms. While a figure loads (the style alone first, then plotly's traces, their GeoJSON, the
// glyphs their labels need) MapLibre paints a frame at every step, each a half-drawn picture that the
// next one paints over, and the finished picture waits behind them: most of the first map's time and of a
// date change's. A held frame draws nothing at all (no layer, clear, stencil mask or sky), so it costs
// almost nothing, the canvas keeps the last picture, and the finished frame comes sooner.
//
// A frame is painted when the map has loaded with plotly's traces in (resolveOnRender: plotly's own
// "drawn" moment, after the style-only load), or while it moves (dragging, zooming: never held), or when
// nothing was painted for holdMs (a slow source still shows what has arrived; a timer paints then if no
// frame comes). Symbols appear without fading (fadeDuration 0): a fade is a run of full-canvas frames.
//
// The page can change the policy: window.conflictMapFramePolicy = {holdMs, whileMoving} (the export's
// page, dashboard/export/render_page.js, holds until loaded however long: it is never looked at before).
// Another plotly or MapLibre without the painter's hooks used here paints every frame, as without this.
(function () {
  "use strict";
  window.conflictMapFramePolicy = window.conflictMapFramePolicy || {holdMs: 1500, whileMoving: true};
  // What the maps' frames did, for anyone checking (the browser tests do): painted, and held while
  // loading or loaded before plotly's traces were in.
  window.conflictMapFrames = {painted: 0, loading: 0, beforeTraces: 0};
  window.conflictMapHeldMaps = 0;
  var getContext = HTMLCanvasElement.prototype.getContext;

  HTMLCanvasElement.prototype.getContext = function (type, attributes) {
    var context = getContext.call(this, type, attributes);
    if (type === "webgl2" || type === "webgl") {
      var canvas = this;
      // MapLibre asks for its context inside its constructor; the map is plotly's once that returns.
      queueMicrotask(function () { holdFrames(canvas); });
    }
    return context;
  };

  function subplotOf(canvas) {
    for (var node = canvas; node; node = node.parentNode) {
      var layout = node._fullLayout;
      if (!layout) continue;
      var ids = (layout._subplots && layout._subplots.map) || [];
      for (var i = 0; i < ids.length; i++) {
        var subplot = layout[ids[i]] && layout[ids[i]]._subplot;
        var map = subplot && subplot.map;
        if (map && map.getCanvas && map.getCanvas() === canvas) return subplot;
      }
      return null;
    }
    return null;
  }

  function holdFrames(canvas) {
    var subplot = subplotOf(canvas);
    var map = subplot && subplot.map;
    var painter = map && map.painter;
    if (!painter || typeof painter.render !== "function" || typeof painter.renderLayer !== "function"
        || !painter.context || typeof painter.context.clear !== "function" || typeof map.loaded !== "function"
        || typeof map.isMoving !== "function" || map.conflictMapHolds) {
      return;
    }
    map.conflictMapHolds = true;
    map._fadeDuration = 0;
    var lastPainted = performance.now();
    var painting = true;
    var repaint = null;
    var traced = typeof subplot.resolveOnRender !== "function";
    if (!traced) {
      var resolveOnRender = subplot.resolveOnRender;
      subplot.resolveOnRender = function () {
        traced = true;
        return resolveOnRender.apply(this, arguments);
      };
    }
    var render = painter.render;
    painter.render = function () {
      var policy = window.conflictMapFramePolicy, now = performance.now(), loaded = map.loaded();
      var held = now - lastPainted;
      painting = (traced && loaded) || (policy.whileMoving && map.isMoving())
        || (policy.holdMs != null && held > policy.holdMs);
      if (painting) lastPainted = now;
      window.conflictMapFrames[painting ? "painted" : loaded ? "beforeTraces" : "loading"] += 1;
      // A held frame may be the last one asked for (a source that never finishes): paint when the hold ends.
      if (!painting && policy.holdMs != null && !repaint) {
        repaint = setTimeout(function () { repaint = null; map.triggerRepaint(); }, policy.holdMs - held + 10);
      }
      return render.apply(this, arguments);
    };
    var whenPainting = function (draw) {
      return function () { return painting ? draw.apply(this, arguments) : undefined; };
    };
    painter.renderLayer = whenPainting(painter.renderLayer);
    painter.context.clear = whenPainting(painter.context.clear);
    // Stencil masks and the sky are drawn outside the layers; in a held frame they cost as much.
    if (typeof painter.clearStencil === "function") painter.clearStencil = whenPainting(painter.clearStencil);
    if (typeof painter.renderTileClippingMasks === "function") {
      painter.renderTileClippingMasks = whenPainting(painter.renderTileClippingMasks);
    }
    if (painter.drawFunctions && typeof painter.drawFunctions.sky === "function") {
      var drawFunctions = Object.assign({}, painter.drawFunctions);
      drawFunctions.sky = whenPainting(painter.drawFunctions.sky);
      painter.drawFunctions = drawFunctions;
    }
    window.conflictMapHeldMaps += 1;
  }
})();
