// Builds two bundles: the CLI (no `vscode` allowed: a stray import fails the build) and the extension.
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

const builds = [
  // The CLI bundle marks nothing external: `import 'vscode'` anywhere in its graph cannot resolve and fails here.
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js' },
  // The run grid's page script: for the editor's panel (loaded by URL) and the --report file (inlined).
  { ...common, entryPoints: ['src/grid/web/main.ts'], outfile: 'dist/grid.js', platform: 'browser', target: 'chrome114', format: 'iife', sourcemap: false },
];
const fs = await import('node:fs');
if (fs.existsSync('src/extension/extension.ts')) {
  builds.push({ ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] });
}

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
