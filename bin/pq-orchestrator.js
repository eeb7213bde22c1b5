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
require(bundle).main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
