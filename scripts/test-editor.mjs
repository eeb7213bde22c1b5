// The in-editor (`host`) and browser (`e2e`) suites: install the test tools if needed, then run the suite named.
import { spawnSync } from 'node:child_process';
const suite = process.argv[2];
const entry = { host: 'out/test/harness/hostEntry.js', e2e: 'out/test/harness/e2e.js' }[suite];
if (!entry) {
  console.error('usage: node scripts/test-editor.mjs host|e2e');
  process.exit(2);
}
const setup = spawnSync('bash', ['test/harness/setup.sh'], { stdio: 'inherit' });
if (setup.status !== 0) {
  console.log(`${suite}: 0 passed, 1 failed`);
  process.exit(1);
}
const r = spawnSync('node', [entry], { stdio: 'inherit' });
process.exit(r.status ?? 1);
