// The map's camera button saves the picture under a name that follows the filter
// (window.conflictMapCameraName, set by a clientside callback in dashboard/export/ui.py).
// The name goes on the map's live plotly config for the moment of the click only, and is
// put back right after: a config that differs from the Graph's config prop would make
// plotly re-create the whole map on its next update.
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest(
    "#incident-map .modebar-btn[data-title='Download plot as a PNG']");
  var gd = document.querySelector("#incident-map .js-plotly-plot");
  if (!button || !gd || !gd._context || !window.conflictMapCameraName) {
    return;
  }
  var saved = gd._context.toImageButtonOptions;
  gd._context.toImageButtonOptions = Object.assign({}, saved, {filename: window.conflictMapCameraName});
  setTimeout(function () { gd._context.toImageButtonOptions = saved; }, 0);
}, true);
