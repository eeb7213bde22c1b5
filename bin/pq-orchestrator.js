#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is bundled by esbuild.mjs into dist/cli.js.
const path = require('path');
const fs = require('fs');
const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write('pq-orchestrator: dist/cli.js is missing; run `npm run build` first.\n');
  process.exit(4);
}
// A long run allocates fast (each server status event decodes a query's whole info) but keeps little (about 240 B a
// cell): V8's default lets the heap grow far past that between full collections (a 250,000-cell run peaked at
// 340-550 MB of RSS). Growing the heap by a smaller factor keeps the peak near what the run keeps (npm run bench:scale).
require('v8').setFlagsFromString('--heap-growing-percent=40');
require(bundle).main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
