// Loaded by the extension host as extensionTestsPath: runs the in-editor mocha suite and reports through tagged lines.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as util from 'node:util';

const TAG = '[pqo-test] ';
const out = (...args: unknown[]) => console.log(TAG + util.format(...args));

export function run(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Mocha = require('mocha');
  Mocha.reporters.Base.consoleLog = out;
  // PQO_HOST_GREP: only the tests whose names match (a developer's focused run; CI runs them all).
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec', ...(process.env.PQO_HOST_GREP ? { grep: process.env.PQO_HOST_GREP } : {}) });
  // PQO_HOST_MODE picks the files: test (*.test.js), untrusted, yaml, bench (*.bench.js).
  const mode = process.env.PQO_HOST_MODE ?? 'test';
  const suffix = `.${mode}.js`;
  const suite = mode === 'test' || mode === 'bench' ? 'host' : `host-${mode}`;
  for (const f of fs.readdirSync(__dirname).sort()) if (f.endsWith(suffix)) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures: number) => {
      const s = runner.stats ?? { passes: 0, failures, pending: 0 };
      out(`${suite}: ${s.passes} passed, ${s.failures} failed${s.pending ? `, ${s.pending} skipped` : ''}`);
      if (failures > 0) reject(new Error(`${failures} tests failed`));
      else resolve();
    });
  });
}
