// Builds what a script needs, skipping each part when its outputs are newer than every input:
// `bundles` (dist/ from src/ by esbuild) and `tests` (out/ from src/, test/, bench/ by tsc).
// Usage: node scripts/ensure-built.mjs [bundles] [tests]   (both when none is named)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

function newest(dirs, exts) {
  let t = 0;
  const walk = (d) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (exts.some((x) => e.name.endsWith(x))) t = Math.max(t, statSync(p).mtimeMs);
    }
  };
  for (const d of dirs) {
    if (existsSync(d) && statSync(d).isFile()) t = Math.max(t, statSync(d).mtimeMs);
    else walk(d);
  }
  return t;
}
const mtime = (f) => (existsSync(f) ? statSync(f).mtimeMs : 0);
const oldest = (files) => Math.min(...files.map(mtime));

const parts = {
  bundles: {
    inputs: () => newest(['src', 'schemas', 'esbuild.mjs', 'package.json'], ['.ts', '.json', '.mjs']),
    outputs: () => oldest(['dist/cli.js', 'dist/extension.js', 'dist/grid.js']),
    build: ['node', ['esbuild.mjs']],
  },
  tests: {
    inputs: () => newest(['src', 'test', 'bench', 'schemas', 'tsconfig.json', 'tsconfig.test.json'], ['.ts', '.json']),
    outputs: () => mtime('out/.built'),
    build: ['node', ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.test.json']],
    after: () => spawnSync('node', ['-e', "require('fs').writeFileSync('out/.built', '')"]),
  },
};

if (!existsSync('node_modules/.package-lock.json')) {
  console.error('ensure-built: installing dependencies first (npm ci)');
  const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(parts);
for (const name of wanted) {
  const part = parts[name];
  if (!part) {
    console.error(`ensure-built: unknown part ${name} (bundles, tests)`);
    process.exit(2);
  }
  if (part.outputs() > part.inputs()) continue;
  const [cmd, args] = part.build;
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`ensure-built: building ${name} failed`);
    process.exit(r.status ?? 1);
  }
  part.after?.();
}
