// `npm run bench`: every benchmark, each printing a table. Timings are for comparison within one run.
import { benchEfficiency, benchEngineCost, benchOrder, benchStoreCost } from './engine';
import { benchLocalVsXargs } from './localVsXargs';
import { benchValidation } from './validation';
import { benchBundle } from './bundle';
import { benchGrid } from './grid';
import { benchTimeLeft } from './timeLeft';
import { benchAttach } from './attach';
import { benchForecast } from './forecast';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const want = (name: string) => only.length === 0 || only.includes(name);
  if (want('validation')) benchValidation();
  if (want('efficiency')) await benchEfficiency();
  if (want('order')) await benchOrder();
  if (want('engine')) await benchEngineCost();
  if (want('store')) await benchStoreCost();
  if (want('timeleft')) benchTimeLeft();
  if (want('attach')) await benchAttach();
  if (want('forecast')) await benchForecast();
  if (want('local')) benchLocalVsXargs();
  if (want('bundle')) benchBundle();
  if (want('grid')) {
    // In chromium (installed with the editor test tools).
    const root = path.resolve(__dirname, '..', '..');
    const setup = spawnSync('node', [path.join(root, 'scripts/test-editor.mjs'), 'setup-only'], { stdio: 'inherit' });
    if (setup.status === 0) await benchGrid();
  }
  if (want('editor')) {
    // In a real VS Code (code-server): activation, keystroke validation, tree refresh under load.
    const root = path.resolve(__dirname, '..', '..');
    const setup = spawnSync('node', [path.join(root, 'scripts/test-editor.mjs'), 'setup-only'], { stdio: 'inherit' });
    if (setup.status === 0) spawnSync('node', [path.join(root, 'out/test/harness/runHost.js')], { stdio: 'inherit', env: { ...process.env, PQO_HOST_MODE: 'bench' } });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
