// The map's camera button saves the map as a small briefing: the picture (at 2x), a north arrow and
// a scale bar over it, and a band under it with the title, the dates and the sources
// (window.conflictMapCameraBand, set with the file name window.conflictMapCameraName by the
// clientside callback in dashboard/callbacks/export.py). Without them (or without a canvas) the
// button does plotly's own download, under the filter's file name: that name goes on the map's live
// plotly config for the moment of the click only (a config that differs from the Graph's config
// prop would make plotly re-create the whole map on its next update).
(function () {
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var SCALE = 2;          // device pixels per CSS pixel, as the modebar's own PNG
  var BAND = 62;          // CSS px under the map
  var INK = "#1f2328", MUTED = "#59636e";
  var FONT = "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif";

  function day(iso) {
    var p = iso.split("-");
    return Number(p[2]) + " " + MONTHS[Number(p[1]) - 1] + " " + p[0];
  }

  function dates(start, end) {
    var days = Math.round((Date.parse(end) - Date.parse(start)) / 86400000) + 1;
    var span = days === 1 ? day(start) : day(start) + " \u2013 " + day(end);
    return span + " (" + days + " day" + (days === 1 ? "" : "s") + ")";
  }

  // Ground metres per CSS pixel of a MapLibre map (512-px tiles), as dashboard/export/view.py.
  function scaleBar(lat, zoom, maxPx) {
    var mpp = 156543.03392 * Math.cos(lat * Math.PI / 180) / Math.pow(2, zoom) * 0.5;
    var limit = maxPx * mpp, exp = Math.floor(Math.log10(limit)), metres = 0;
    [1, 2, 5].forEach(function (m) { if (m * Math.pow(10, exp) <= limit) { metres = m * Math.pow(10, exp); } });
    return {px: metres / mpp, label: metres >= 1000 ? (metres / 1000) + " km" : metres + " m"};
  }

  function lines(ctx, text, width) {
    var words = text.split(" "), out = [], line = "";
    words.forEach(function (word) {
      var next = line ? line + " " + word : word;
      if (line && ctx.measureText(next).width > width) { out.push(line); line = word; } else { line = next; }
    });
    if (line) { out.push(line); }
    return out;
  }

  function furniture(ctx, w, h, view) {
    // North arrow (top left): a split triangle under an "N", on a white disc.
    var cx = 28, top = 12;
    ctx.fillStyle = "rgba(255,255,255,0.85)";
    ctx.beginPath(); ctx.arc(cx, top + 22, 16, 0, 2 * Math.PI); ctx.fill();
    ctx.fillStyle = INK; ctx.strokeStyle = INK; ctx.lineWidth = 0.8;
    ctx.beginPath(); ctx.moveTo(cx, top + 14); ctx.lineTo(cx - 7, top + 40); ctx.lineTo(cx, top + 34); ctx.closePath();
    ctx.fill();
    ctx.fillStyle = "white";
    ctx.beginPath(); ctx.moveTo(cx, top + 14); ctx.lineTo(cx + 7, top + 40); ctx.lineTo(cx, top + 34); ctx.closePath();
    ctx.fill(); ctx.stroke();
    ctx.fillStyle = INK; ctx.font = "bold 11px " + FONT; ctx.textAlign = "center"; ctx.textBaseline = "top";
    ctx.fillText("N", cx, top + 1);
    // Scale bar (bottom left of the map).
    var bar = scaleBar(view.lat, view.zoom, Math.min(0.28 * w, 160));
    var x0 = 14, base = h - 34;  // above the map's own status line (bottom left)
    ctx.fillStyle = "rgba(255,255,255,0.85)";
    ctx.fillRect(x0 - 6, base - 24, bar.px + 16, 30);
    ctx.fillStyle = INK; ctx.fillRect(x0, base - 4, bar.px / 2, 4);
    ctx.fillStyle = "white"; ctx.fillRect(x0 + bar.px / 2, base - 4, bar.px / 2, 4);
    ctx.strokeStyle = INK; ctx.strokeRect(x0, base - 4, bar.px, 4);
    ctx.fillStyle = INK; ctx.font = "9px " + FONT; ctx.textBaseline = "bottom";
    ctx.fillText("0", x0, base - 6); ctx.fillText(bar.label, x0 + bar.px, base - 6);
  }

  function band(ctx, w, h, info) {
    ctx.fillStyle = "white"; ctx.fillRect(0, h, w, BAND);
    ctx.fillStyle = "#d8dee4"; ctx.fillRect(0, h, w, 1);
    ctx.textAlign = "left"; ctx.textBaseline = "top";
    ctx.fillStyle = INK; ctx.font = "bold 14px " + FONT;
    ctx.fillText(lines(ctx, info.title, w - 20)[0], 10, h + 7);
    ctx.fillStyle = MUTED; ctx.font = "11px " + FONT;
    ctx.fillText(dates(info.start, info.end), 10, h + 25);
    ctx.font = "9px " + FONT;
    lines(ctx, "Sources: " + info.sources, w - 20).slice(0, 2).forEach(function (line, i) {
      ctx.fillText(line, 10, h + 40 + 10 * i);
    });
  }

  function save(canvas, name) {
    canvas.toBlob(function (blob) {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = name + ".png";
      document.body.appendChild(link);
      link.click();
      setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
    }, "image/png");
  }

  function currentView(gd) {
    var subplot = gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    var map = subplot && subplot.map;
    if (map && map.getCenter) {
      return {lat: map.getCenter().lat, zoom: map.getZoom()};
    }
    var layout = (gd.layout && gd.layout.map) || {};
    return {lat: (layout.center && layout.center.lat) || 0, zoom: layout.zoom || 0};
  }

  function briefingPicture(gd, info, name) {
    var w = gd._fullLayout.width, h = gd._fullLayout.height, view = currentView(gd);
    window.Plotly.toImage(gd, {format: "png", width: w, height: h, scale: SCALE}).then(function (url) {
      var picture = new Image();
      picture.onload = function () {
        var canvas = document.createElement("canvas");
        canvas.width = w * SCALE; canvas.height = (h + BAND) * SCALE;
        var ctx = canvas.getContext("2d");
        ctx.scale(SCALE, SCALE);
        ctx.drawImage(picture, 0, 0, w, h);
        furniture(ctx, w, h, view);
        band(ctx, w, h, info);
        save(canvas, name);
      };
      picture.src = url;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(
      "#incident-map .modebar-btn[data-title='Download plot as a PNG']");
    var gd = document.querySelector("#incident-map .js-plotly-plot");
    if (!button || !gd || !gd._context || !window.conflictMapCameraName) {
      return;
    }
    var info = window.conflictMapCameraBand;
    if (info && window.Plotly && window.Plotly.toImage && document.createElement("canvas").getContext) {
      event.preventDefault();
      event.stopPropagation();
      briefingPicture(gd, info, window.conflictMapCameraName);
      return;
    }
    var saved = gd._context.toImageButtonOptions;
    gd._context.toImageButtonOptions = Object.assign({}, saved, {filename: window.conflictMapCameraName});
    setTimeout(function () { gd._context.toImageButtonOptions = saved; }, 0);
  }, true);
})();
