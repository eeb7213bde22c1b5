import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { analyzeConfig } from '../src/config/validate';
import { REPLAY_CONFIG, TEST_ENV } from '../test/helpers/configs';
import { percentile, printTable } from './table';

/** A config of about `lines` lines: the replay example with a long env section and timestamp column list. */
export function bigConfig(lines: number): string {
  const base = REPLAY_CONFIG.replace('env:\n  OUTPUT_TABLE: "results"\n  CUSTOM_PARAM: "value"\n', '');
  const cols: string[] = [];
  const env: string[] = [];
  let n = base.split('\n').length + 1;
  for (let i = 0; n < lines; i++) {
    if (i % 2 === 0) {
      cols.push(`    - namespace: "Ns${i}"\n      table: "Table${i}"\n      column: "Col${i}"`);
      n += 3;
    } else {
      env.push(`  VAR_${i}: "value ${i} \${DH_USERNAME}"`);
      n += 1;
    }
  }
  return base.replace('      column: "EventTime"\n', `      column: "EventTime"\n${cols.join('\n')}\n`) + `env:\n${env.join('\n')}\n`;
}

function time(text: string, file: string, runs: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    const r = analyzeConfig(text, { file, env: TEST_ENV, purpose: 'edit' });
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (r.problems.some((p) => p.severity === 'error')) throw new Error(`bench config invalid: ${r.problems[0].message}`);
  }
  return out.sort((a, b) => a - b);
}

export function benchValidation(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-bench-'));
  fs.writeFileSync(path.join(dir, 'worker.py'), 'pass\n');
  const file = path.join(dir, 'config.yaml');
  const big = bigConfig(2000);
  time(REPLAY_CONFIG, file, 50); // warm up: compile the schema, JIT
  const rows = [
    { config: `typical (${REPLAY_CONFIG.split('\n').length} lines)`, runs: 500, samples: time(REPLAY_CONFIG, file, 500), target: 'p95 <= 5 ms' },
    { config: `large (${big.split('\n').length} lines)`, runs: 50, samples: time(big, file, 50), target: '-' },
  ].map((r) => ({
    config: r.config,
    runs: r.runs,
    'p50 ms': percentile(r.samples, 50),
    'p95 ms': percentile(r.samples, 95),
    'max ms': r.samples[r.samples.length - 1],
    target: r.target,
  }));
  printTable('Config validation (parse + schema + semantic rules)', rows);

  // Growth with the number of keys in one map: linear since the duplicate-key check is ours (the library's was
  // quadratic: 20,000 keys took 4.1 s, 80,000 took 47 s). The yaml library's own parse is shown beside it.
  const keyRows = [5_000, 20_000, 80_000].map((n) => {
    const text = REPLAY_CONFIG.replace('env:\n  OUTPUT_TABLE: "results"\n  CUSTOM_PARAM: "value"\n', `env:\n${Array.from({ length: n }, (_, i) => `  K${i}: "v${i}"`).join('\n')}\n`);
    const runs = n > 20_000 ? 3 : 5;
    const samples = time(text, file, runs);
    const parse: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = process.hrtime.bigint();
      parseDocument(text, { uniqueKeys: false });
      parse.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    parse.sort((a, b) => a - b);
    return { 'env keys': n, runs, 'p50 ms': percentile(samples, 50), 'of which yaml parse ms': percentile(parse, 50), 'µs per key': (percentile(samples, 50) * 1000) / n, target: n === 20_000 ? '<= 200 ms' : 'linear' };
  });
  printTable('Config validation by number of keys', keyRows);
}
