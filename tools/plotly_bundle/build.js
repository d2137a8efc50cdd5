// Builds dashboard/server/plotly_bundle/plotly.min.js: plotly.js with only the trace types conflict-map draws.
//
// Why: the browser parses and runs all of plotly.js (4.8 MB) before the first map or timeline can be drawn;
// without a GPU or on a slow laptop that is ~0.5 s of the first page. This bundle (~3 MB) has plotly's core,
// scatter, bar and the three MapLibre traces, built the way plotly.js builds its own partial bundles
// (esbuild, iife, global Plotly, MapLibre's CSS inlined). The dashboard serves it in place of the full file
// (dashboard/server/plotlyjs.py) only while its version is the Python plotly's plotly.js version.
//
//   cd tools/plotly_bundle && npm ci && node build.js
//
// Writes the bundle and bundle.json (plotly.js version, trace types) beside it. A new trace type in a
// figure means a line in entry.js and a rebuild (tests/dashboard/test_plotly_bundle.py says so).
'use strict';
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');

const out = path.resolve(__dirname, '../../dashboard/server/plotly_bundle');
const version = require('plotly.js/package.json').version;

esbuild.build({
    entryPoints: [path.join(__dirname, 'entry.js')],
    outfile: path.join(out, 'plotly.min.js'),
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    sourcemap: false,
    legalComments: 'eof',
    banner: {js: `/**\n* plotly.js v${version} (conflict-map partial bundle: tools/plotly_bundle)\n* Copyright 2012-2026, Plotly, Inc.\n* All rights reserved.\n* Licensed under the MIT license\n*/`},
    plugins: [InlineCSSPlugin()],
    alias: {regl: '@plotly/regl', stream: 'stream-browserify'},
    define: {global: 'window', 'define.amd': 'false', 'process.env.NODE_DEBUG': 'false'},
    target: 'es2016',
    logLevel: 'info',
}).then(() => {
    const entry = fs.readFileSync(path.join(__dirname, 'entry.js'), 'utf8');
    const traces = [...entry.matchAll(/plotly\.js\/lib\/(\w+)'/g)].map((m) => m[1]).filter((m) => m !== 'core');
    const manifest = {'plotly.js': version, traces: ['scatter', ...traces].sort()};
    fs.writeFileSync(path.join(out, 'bundle.json'), JSON.stringify(manifest, null, 2) + '\n');
    console.log('wrote', path.join(out, 'plotly.min.js'), manifest);
}).catch(() => process.exit(1));
