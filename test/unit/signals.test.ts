import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as path from 'node:path';

describe('CLI signal handling after the work ended', function () {
  this.timeout(30_000);

  it('a signal that arrives after the exit code was said does not kill the process by the signal', async () => {
    // The child holds the signals, releases them as a finished run does, says so, and exits on its own a moment later.
    const signals = path.join(__dirname, '..', '..', 'src', 'cli', 'signals.js');
    const script = `const { holdSignals } = require(${JSON.stringify(signals)});
const held = holdSignals({ signals: process }, () => console.log('handled'));
held.release();
console.log('Exit code 4');
setTimeout(() => process.exit(4), 1500);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Exit code 4')) child.kill('SIGINT');
    });
    const [code, signal] = await new Promise<[number | null, string | null]>((r) => child.on('close', (c, s) => r([c, s])));
    assert.equal(signal, null, 'not killed by the signal');
    assert.equal(code, 4, 'the exit code it said');
    assert.doesNotMatch(out, /handled/, 'a released handler does nothing');
  });
});
