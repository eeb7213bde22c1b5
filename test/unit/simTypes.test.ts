import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../helpers/cli';

/** Type-checks test/sim/irisClient.typecheck.ts against a copy of the simulator's client changed by `plant`. */
function typecheck(plant: (text: string) => string): { ok: boolean; errors: string } {
  const dir = fs.mkdtempSync(path.join(ROOT, 'out', 'typecheck-'));
  try {
    fs.mkdirSync(path.join(dir, 'test', 'sim'), { recursive: true });
    for (const f of ['irisClient.ts', 'irisClient.typecheck.ts']) {
      const text = fs.readFileSync(path.join(ROOT, 'test', 'sim', f), 'utf8');
      fs.writeFileSync(path.join(dir, 'test', 'sim', f), f === 'irisClient.ts' ? plant(text) : text);
    }
    fs.symlinkSync(path.join(ROOT, 'src'), path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ extends: path.join(ROOT, 'tsconfig.json'), compilerOptions: { noEmit: true, rootDir: dir, types: ['node'] }, include: [], files: ['test/sim/irisClient.typecheck.ts'] }));
    const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(dir, 'tsconfig.json')], { encoding: 'utf8' });
    return { ok: r.status === 0, errors: r.stdout + r.stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('the simulator\'s client is checked against the official typings (@deephaven-enterprise/jsapi-types)', function () {
  this.timeout(120_000);

  it('as it is, it type-checks; a renamed member or another event name fails tsc', () => {
    const clean = typecheck((t) => t);
    assert.ok(clean.ok, clean.errors);
    const drifted = typecheck((t) => t.replace('getKnownConfigs(): QueryInfo[] {', 'getKnownConfig(): QueryInfo[] {').replace("LOGIN_TYPE_SAML: 'saml',", "LOGIN_TYPE_SAML: 'sso',"));
    assert.ok(!drifted.ok, 'tsc accepted a drifted client');
    assert.match(drifted.errors, /irisClient\.typecheck\.ts.*TS2344[\s\S]*getKnownConfigs/);
    assert.match(drifted.errors, /LOGIN_TYPE_SAML/);
  });

  it('the check covers every client member the orchestrator calls', async () => {
    const { USED } = (await import('../sim/irisClient.typecheck')) as { USED: readonly string[] };
    const called = new Set<string>();
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const f = path.join(dir, e.name);
        if (e.isDirectory()) walk(f);
        else if (f.endsWith('.ts')) for (const m of fs.readFileSync(f, 'utf8').matchAll(/\bclient\.([a-zA-Z]+)\b/g)) called.add(m[1]);
      }
    };
    walk(path.join(ROOT, 'src'));
    assert.ok(called.size >= 10, [...called].join(', '));
    assert.deepEqual([...called].filter((m) => !USED.includes(m)).sort(), []);
  });
});
