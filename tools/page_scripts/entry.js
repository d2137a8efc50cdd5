// plotly.js core (scatter included) with the trace types the dashboard draws; see build.js.
'use strict';
var Plotly = require('plotly.js/lib/core');
Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/scattermap'),
    require('plotly.js/lib/choroplethmap'),
    require('plotly.js/lib/densitymap'),
]);
module.exports = Plotly;
