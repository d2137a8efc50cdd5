// The date slider counts days from the dataset's first day (data-day0 on its wrapper). This turns a
// day into its date for the slider's tooltips (dcc.RangeSlider tooltip.transform) and for screen
// readers (the thumbs' aria-valuetext and names), and makes PageUp/PageDown step a week and
// Shift+PageUp/PageDown a month (Radix steps ten days), through dash_clientside.set_props.
(function () {
  "use strict";
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function wrapper() { return document.getElementById("date-slider-wrap"); }

  function dayText(value) {
    var wrap = wrapper(), first = wrap && wrap.getAttribute("data-day0");
    if (!first || value === null || value === undefined || isNaN(Number(value))) { return String(value); }
    var day = new Date(first + "T00:00:00Z");
    day.setUTCDate(day.getUTCDate() + Math.round(Number(value)));
    return day.getUTCDate() + " " + MONTHS[day.getUTCMonth()] + " " + day.getUTCFullYear();
  }

  window.dccFunctions = window.dccFunctions || {};
  window.dccFunctions.conflictMapDay = dayText;

  function thumbs() {
    var wrap = wrapper();
    return wrap ? Array.prototype.slice.call(wrap.querySelectorAll("[role='slider']")) : [];
  }

  function describe() {
    thumbs().forEach(function (thumb, i) {
      var name = i === 0 ? "Start date" : "End date", text = dayText(thumb.getAttribute("aria-valuenow"));
      if (thumb.getAttribute("aria-label") !== name) { thumb.setAttribute("aria-label", name); }
      if (thumb.getAttribute("aria-valuetext") !== text) { thumb.setAttribute("aria-valuetext", text); }
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "PageUp" && event.key !== "PageDown") { return; }
    var all = thumbs(), index = all.indexOf(event.target);
    if (index < 0 || !window.dash_clientside || !window.dash_clientside.set_props) { return; }
    event.preventDefault();
    event.stopPropagation();
    var values = all.map(function (t) { return Number(t.getAttribute("aria-valuenow")); });
    var low = Number(all[0].getAttribute("aria-valuemin")), high = Number(all[0].getAttribute("aria-valuemax"));
    var step = (event.shiftKey ? 30 : 7) * (event.key === "PageUp" ? 1 : -1);
    var moved = Math.min(Math.max(values[index] + step, low), high);
    values[index] = index === 0 ? Math.min(moved, values[1]) : Math.max(moved, values[0]);
    window.dash_clientside.set_props("date-range-slider", {value: values});
  }, true);

  // A date box left empty: the picker (updatemode "bothdates") would keep it empty while the filter kept
  // the old date. Send the empty date; the page callback writes the filter's date back into the box.
  function isoOf(text) {  // "21 Dec 2019" (the picker's display format) -> "2019-12-21", else null
    var parts = String(text).trim().split(/\s+/), month = MONTHS.indexOf(parts[1]);
    if (parts.length !== 3 || month < 0 || !/^\d{1,2}$/.test(parts[0]) || !/^\d{4}$/.test(parts[2])) { return null; }
    return parts[2] + "-" + String(month + 1).padStart(2, "0") + "-" + parts[0].padStart(2, "0");
  }

  document.addEventListener("focusout", function (event) {
    if (!event.target.closest || !event.target.closest("#date-range-picker-wrapper, .DateRangePicker")) { return; }
    setTimeout(function () {  // the picker re-renders its boxes after the blur
      var start = document.getElementById("date-range-picker");
      var end = document.getElementById("date-range-picker-end-date");
      if (!start || !end || start === document.activeElement || end === document.activeElement ||
          !window.dash_clientside || !window.dash_clientside.set_props) { return; }
      if (start.value.trim() !== "" && end.value.trim() !== "") { return; }
      // The box left empty goes as empty, the other with the date it shows (the picker sent neither).
      window.dash_clientside.set_props("date-range-picker", {start_date: isoOf(start.value),
                                                             end_date: isoOf(end.value)});
    }, 150);
  });

  var queued = false;
  new MutationObserver(function () {
    if (queued) { return; }
    queued = true;
    requestAnimationFrame(function () { queued = false; describe(); });
  }).observe(document.documentElement, {subtree: true, childList: true, attributes: true,
                                        attributeFilter: ["aria-valuenow"]});
})();
