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

describe('a failed connection is named by its class, with its fix', () => {
  it('refused, unknown host, TLS name mismatch, untrusted CA, no answer', async () => {
    const { connectionFailure } = await import('../../src/controllers/dhe/connect');
    const url = new URL('https://dh.example.com:8123/iris/connection.json');
    const err = (code: string) => Object.assign(new Error(`system says ${code}`), { code });
    assert.match(connectionFailure(err('ECONNREFUSED'), url), /^connection refused: nothing answers on dh\.example\.com:8123/);
    assert.match(connectionFailure(err('ENOTFOUND'), url), /^unknown host dh\.example\.com/);
    assert.match(connectionFailure(err('ERR_TLS_CERT_ALTNAME_INVALID'), url), /^TLS name mismatch: .*not for dh\.example\.com/);
    for (const code of ['SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'DEPTH_ZERO_SELF_SIGNED_CERT']) assert.match(connectionFailure(err(code), url), /^untrusted certificate authority: .*NODE_EXTRA_CA_CERTS/);
    assert.match(connectionFailure(err('ETIMEDOUT'), url), /^no answer from dh\.example\.com:8123/);
    assert.doesNotMatch(connectionFailure(err('ERR_TLS_CERT_ALTNAME_INVALID'), url), /NODE_EXTRA_CA_CERTS/, 'a name mismatch is not a CA problem');
  });
});

describe('a connection URL asked for in the editor is checked, not hidden', () => {
  it('accepts http(s) URLs, names what is wrong otherwise', async () => {
    const { urlProblem } = await import('../../src/config/credentials');
    assert.equal(urlProblem('https://dh.example.com:8000/iris/connection.json'), undefined);
    assert.match(String(urlProblem('dh.example.com')), /not a URL: for example https:\/\//);
    assert.match(String(urlProblem('ftp://dh.example.com')), /starts with https:\/\//);
    assert.match(String(urlProblem('')), /required/);
  });
});
