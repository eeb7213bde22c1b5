// The browser end-to-end suite: installs the test tools if needed, then drives code-server in chromium.
import { spawnSync } from 'node:child_process';
const setup = spawnSync('bash', ['test/harness/setup.sh'], { stdio: 'inherit' });
if (setup.status !== 0) {
  console.log('e2e: 0 passed, 1 failed');
  process.exit(1);
}
const r = spawnSync('node', ['out/test/harness/e2e.js'], { stdio: 'inherit' });
process.exit(r.status ?? 1);
