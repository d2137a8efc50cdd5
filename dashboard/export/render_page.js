// Loaded after plotly.js and assets/map_frames.js in the kaleido page (dashboard/export/kaleido_page.py).
//
// Frames: map_frames.js holds a map's half-loaded frames (the app's mechanism). Here nobody looks before
// plotly hands the picture over (its first loaded frame after resolveOnRender), so the policy is stricter:
// paint only then, however long loading takes; never on a timer or for movement. Held frames only clear
// and paint what the final frame clears and paints again: no pixel of the image changes (tested against
// plotly's own page), and painting them was most of a briefing's render time on software WebGL. Symbols
// never fade either, so a frame painted after the map went idle is the same picture whatever the clock says.
//
// And: a map trace counts as a WebGL trace to plotly, which then makes its WebGL layers (empty for a map:
// MapLibre draws on its own canvas) at plotGlPixelRatio, which kaleido sets to twice the scale (a 3840 x
// 2160 slide for a 1920 x 1080 one), and copies them into the picture as PNGs. A figure no trace of which
// draws on those layers gets them at ratio 1: the same (empty) layers, a sixteenth of the pixels.
(function () {
  "use strict";
  window.conflictMapFramePolicy = {holdMs: null, whileMoving: false};

  const GL_LAYER_TRACE = /gl$|^(splom|parcoords|scatter3d|surface|mesh3d|cone|streamtube|volume|isosurface)$/;
  const toImage = Plotly.toImage;
  Plotly.toImage = function (figure, options) {
    const data = figure && Array.isArray(figure.data) ? figure.data : null;
    if (data && !data.some(function (trace) { return GL_LAYER_TRACE.test((trace && trace.type) || ""); })) {
      figure = Object.assign({}, figure, {config: Object.assign({}, figure.config, {plotGlPixelRatio: 1})});
    }
    return toImage.call(this, figure, options);
  };
})();
