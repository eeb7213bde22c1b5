// The in-editor (`host`) and browser (`e2e`) suites: install the test tools if needed, then run the suite named.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

// One place decides where the tools live; the setup script and the harness both get it.
process.env.PQO_TOOLS ||= path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'pq-orchestrator', 'test-tools');
const suite = process.argv[2];
const entry = { host: 'out/test/harness/hostEntry.js', e2e: 'out/test/harness/e2e.js', 'setup-only': '' }[suite];
if (entry === undefined) {
  console.error('usage: node scripts/test-editor.mjs host|e2e|setup-only');
  process.exit(2);
}
const setup = spawnSync('bash', ['test/harness/setup.sh'], { stdio: 'inherit' });
if (setup.status !== 0) {
  console.log(`${suite}: 0 passed, 1 failed`);
  process.exit(1);
}
if (!entry) process.exit(0);
const r = spawnSync('node', [entry], { stdio: 'inherit' });
process.exit(r.status ?? 1);
