import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isSecretName } from '../../src/config/types';
import { workerBaseEnv } from '../../src/controllers/local/workerEnv';
import { localConfig, runCli } from '../helpers/cli';
import { tempProject } from '../helpers/configs';

describe('secrets', () => {
  const table: [string, boolean][] = [
    ['STRIPE_KEY', true], ['DH_PASSWORD', true], ['AWS_SECRET_ACCESS_KEY', true], ['GITHUB_TOKEN', true], ['apiKey', true],
    ['API_KEY', true], ['APIKEY', true], ['db-passwd', true], ['SMTP_PASS', true], ['MY_PWD', true], ['SSH_PASSPHRASE', true],
    ['GCP_CREDENTIALS', true], ['PRIVATE_KEY_PATH', true], ['BASIC_AUTH', true], ['session.cookie', true], ['Secrets', true],
    ['MONKEY', false], ['KEYBOARD_LAYOUT', false], ['PASSAGE', false], ['AUTHOR', false], ['OUTPUT_TABLE', false],
    ['TOKENIZER', false], ['SIMULATION_DATE', false], ['PARAM', false],
  ];
  for (const [name, secret] of table) {
    it(`${name} ${secret ? 'is' : 'is not'} a secret name`, () => assert.equal(isSecretName(name), secret));
  }

  it('a worker base environment keeps the documented variables and drops the rest and any secret value', () => {
    const env = workerBaseEnv({ PATH: '/bin', HOME: '/h', LC_ALL: 'C', DH_PASSWORD: 'pw', OTHER: 'x', TMPDIR: 'pw-as-tmp', PQO_WORKER_PASS_ENV: 'OTHER' }, ['pw-as-tmp']);
    assert.deepEqual(env, { PATH: '/bin', HOME: '/h', LC_ALL: 'C', OTHER: 'x' });
  });

  it('STRIPE_KEY never reaches the dry run, the run output or the record', async () => {
    const dir = tempProject({ 'worker.py': 'print("ok")\n', 'config.yaml': localConfig({ partitions: 1, end: '2024-01-01', env: '  STRIPE_KEY: "sk_live_abc123"' }) });
    const config = path.join(dir, 'config.yaml');
    const dry = await runCli(['--config', config, '--dry-run']);
    const dryJson = await runCli(['--config', config, '--dry-run', '--json']);
    const run = await runCli(['--config', config, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const record = fs.readFileSync(path.join(dir, '.pq-orchestrator', 'runs', 'clitest', fs.readdirSync(path.join(dir, '.pq-orchestrator', 'runs', 'clitest')).find((f) => !f.includes('.'))!, 'record.jsonl'), 'utf8');
    for (const [what, text] of [['dry run', dry.stdout + dry.stderr], ['dry run json', dryJson.stdout], ['run', run.stdout + run.stderr], ['record', record]]) {
      assert.ok(!text.includes('sk_live_abc123'), `${what} shows the key`);
    }
    assert.match(dry.stdout, /STRIPE_KEY=\*{6}/);
  });

  it('records, logs and their folders are owner-only', async () => {
    const dir = tempProject({ 'worker.py': 'print("ok")\n', 'config.yaml': localConfig({ partitions: 1, end: '2024-01-01' }) });
    const r = await runCli(['--config', path.join(dir, 'config.yaml')]);
    assert.equal(r.code, 0, r.stderr);
    const root = path.join(dir, '.pq-orchestrator');
    const walk = (p: string): string[] => [p, ...(fs.statSync(p).isDirectory() ? fs.readdirSync(p).flatMap((f) => walk(path.join(p, f))) : [])];
    for (const p of walk(root)) {
      const mode = fs.statSync(p).mode & 0o777;
      assert.equal(mode & 0o077, 0, `${path.relative(dir, p)} is ${mode.toString(8)}`);
    }
  });
});
