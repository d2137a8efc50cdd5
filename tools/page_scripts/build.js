// Builds the scripts the dashboard serves in place of two of Dash's (dashboard/server/vendored.py):
//
// - vendor/plotly.min.js: plotly.js with only the trace types conflict-map draws (entry.js). The browser
//   parses and runs all of plotly.js (4.8 MB) before the first map or timeline can be drawn; without a GPU
//   or on a slow laptop that is ~0.5 s of the first page. Built the way plotly.js builds its own partial
//   bundles (esbuild, iife, global Plotly, MapLibre's CSS inlined); ~3 MB.
// - vendor/regenerator-runtime.js: what Dash's scripts need of @babel/polyfill (the generator runtime
//   its components were compiled against). The polyfill's core-js also replaces working browser built-ins
//   (String.prototype.trim among them) with slower script, which every redraw then calls.
//
//   cd tools/page_scripts && npm ci && node build.js
//
// Writes bundle.json (plotly.js version, trace types) beside them. A new trace type in a figure means a
// line in entry.js and a rebuild (tests/dashboard/server/test_vendored_scripts.py says so).
'use strict';
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');

const out = path.resolve(__dirname, '../../dashboard/server/vendor');
const version = require('plotly.js/package.json').version;
const regenerator = require('regenerator-runtime/package.json').version;

esbuild.build({
    entryPoints: [path.join(__dirname, 'entry.js')],
    outfile: path.join(out, 'plotly.min.js'),
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    sourcemap: false,
    legalComments: 'eof',
    banner: {js: `/**\n* plotly.js v${version} (conflict-map partial bundle: tools/page_scripts)\n* Copyright 2012-2026, Plotly, Inc.\n* All rights reserved.\n* Licensed under the MIT license\n*/`},
    plugins: [InlineCSSPlugin()],
    alias: {regl: '@plotly/regl', stream: 'stream-browserify'},
    define: {global: 'window', 'define.amd': 'false', 'process.env.NODE_DEBUG': 'false'},
    target: 'es2016',
    logLevel: 'info',
}).then(() => {
    const runtime = require.resolve('regenerator-runtime/runtime.js');
    fs.writeFileSync(path.join(out, 'regenerator-runtime.js'),
        `/* regenerator-runtime v${regenerator}, MIT licence (Facebook, Inc.) */\n` + fs.readFileSync(runtime, 'utf8'));
    const entry = fs.readFileSync(path.join(__dirname, 'entry.js'), 'utf8');
    const traces = [...entry.matchAll(/plotly\.js\/lib\/(\w+)'/g)].map((m) => m[1]).filter((m) => m !== 'core');
    const manifest = {'plotly.js': version, 'regenerator-runtime': regenerator, traces: ['scatter', ...traces].sort()};
    fs.writeFileSync(path.join(out, 'bundle.json'), JSON.stringify(manifest, null, 2) + '\n');
    console.log('wrote', out, manifest);
}).catch(() => process.exit(1));
