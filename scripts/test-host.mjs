// The in-editor suite: installs the test tools if needed, then runs test/host inside code-server's extension host.
import { spawnSync } from 'node:child_process';
const setup = spawnSync('bash', ['test/harness/setup.sh'], { stdio: 'inherit' });
if (setup.status !== 0) {
  console.log('host: 0 passed, 1 failed');
  process.exit(1);
}
const r = spawnSync('node', ['out/test/harness/runHost.js'], { stdio: 'inherit' });
process.exit(r.status ?? 1);
