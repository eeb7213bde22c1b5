import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { printTable } from './table';

/** Loads dist/extension.js in a fresh Node process with a stand-in `vscode` module; prints the ms its require took. */
const LOAD_SCRIPT = `
const Module = require('module');
const stub = () => new Proxy(function () {}, { get: (t, k) => (k === Symbol.toPrimitive ? () => '' : k === 'then' ? undefined : stub()), apply: () => stub(), construct: () => stub() });
const resolve = Module._resolveFilename;
Module._resolveFilename = function (req, ...rest) { return req === 'vscode' ? 'vscode' : resolve.call(this, req, ...rest); };
// The bundle copies the module's own names (esbuild's ESM interop): every name it reads of vscode, each a stand-in.
const api = Object.fromEntries(JSON.parse(process.argv[2]).map((k) => [k, stub()]));
require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: api };
const t0 = performance.now();
require(process.argv[1]);
process.stdout.write(String(performance.now() - t0));
`;

export function benchBundle(): void {
  const root = path.resolve(__dirname, '..', '..');
  const rows = ['dist/extension.js', 'dist/cli.js'].map((f) => ({ bundle: f, 'KB': fs.statSync(path.join(root, f)).size / 1024 }));
  printTable('Bundle size (esbuild, not minified)', rows);
  // What starting the editor costs before activate() runs: evaluating the extension bundle (activate() itself is
  // measured in the editor: npm run bench -- editor). Each sample a fresh process, so nothing is cached in memory.
  const bundle = path.join(root, 'dist', 'extension.js');
  const names = [...new Set([...fs.readFileSync(bundle, 'utf8').matchAll(/\b(?:import_)?vscode\d*\.([A-Za-z_]\w*)/g)].map((m) => m[1]))];
  const samples = Array.from({ length: 7 }, () => Number(execFileSync(process.execPath, ['-e', LOAD_SCRIPT, bundle, JSON.stringify(names)], { encoding: 'utf8' })));
  samples.sort((a, b) => a - b);
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { activationEvents: string[] };
  printTable('Extension start-up: loading the bundle (fresh Node process, 7 samples)', [
    { measure: 'require(dist/extension.js)', 'p50 ms': samples[3], 'max ms': samples[6], target: '≤ 150 ms' },
    { measure: `activates on: ${pkg.activationEvents.join(', ')}, and its own views and commands`, 'p50 ms': '', 'max ms': '', target: 'not on any YAML file' },
  ]);
}
