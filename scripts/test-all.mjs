// Runs every suite in order (unit, simulator integration, in-editor, browser end-to-end), each closing with
// "<suite>: N passed, N failed". Every suite runs even when an earlier one failed; the exit code is non-zero if any did.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const only = process.argv.slice(2);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function sh(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

const suites = [
  { name: 'unit', run: () => sh('npx', ['mocha', '--config', '.mocharc.unit.json']) },
  { name: 'sim', run: () => sh('npx', ['mocha', '--config', '.mocharc.sim.json']) },
  { name: 'host', run: () => sh('node', ['scripts/test-editor.mjs', 'host']) },
  { name: 'host-untrusted', run: () => sh('node', ['scripts/test-editor.mjs', 'host'], { PQO_HOST_MODE: 'untrusted' }) },
  { name: 'host-yaml', run: () => sh('node', ['scripts/test-editor.mjs', 'host'], { PQO_HOST_MODE: 'yaml' }) },
  { name: 'e2e', run: () => sh('node', ['scripts/test-editor.mjs', 'e2e']) },
];

if (!existsSync('node_modules/.package-lock.json')) {
  console.log('== install');
  if (!sh(npm, ['ci', '--no-audit', '--no-fund'])) process.exit(1);
}
console.log('== build');
if (!sh('node', ['scripts/ensure-built.mjs'])) {
  console.log('build: 0 passed, 1 failed');
  process.exit(1);
}
if (!sh(npm, ['run', '-s', 'lint'])) {
  console.log('lint: 0 passed, 1 failed');
  process.exitCode = 1;
}
const failed = [];
for (const s of suites) {
  if (only.length && !only.includes(s.name)) continue;
  if (s.when && !s.when()) continue;
  console.log(`\n== ${s.name}`);
  if (!s.run()) failed.push(s.name);
}
if (failed.length) {
  console.log(`\nfailed suites: ${failed.join(', ')}`);
  process.exitCode = 1;
}
