/**
 * The in-editor suite: opens code-server's workbench with a payload that makes the real (Node) extension host load
 * this extension from source and run test/host's mocha suite (honoured only with the smoke-test driver option), then
 * relays the suite's tagged output and exits with its result. Usable as @vscode/test-electron's
 * `vscodeExecutablePath` too (it accepts --extensionDevelopmentPath= and --extensionTestsPath=).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as util from 'node:util';
import { launchChromium, ROOT, startCodeServer } from './codeServer';

const TAG = '[pqo-test] ';

async function main(): Promise<number> {
  const opts: Record<string, string> = {};
  const positional: string[] = [];
  for (const a of process.argv.slice(2)) {
    const m = /^--([^=]+)=(.*)$/.exec(a);
    if (m) opts[m[1]] = m[2];
    else if (!a.startsWith('--')) positional.push(a);
  }
  const devPath = path.resolve(opts.extensionDevelopmentPath ?? ROOT);
  const testsPath = path.resolve(opts.extensionTestsPath ?? path.join(ROOT, 'out', 'test', 'host', 'index.js'));
  const workspaceSrc = path.resolve(opts.workspace ?? positional[0] ?? path.join(ROOT, 'test', 'fixtures', 'workspace'));
  // Work on a copy: runs write records and results beside the config.
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-ws-'));
  fs.cpSync(workspaceSrc, workspace, { recursive: true });
  const logDir = path.join(ROOT, '.test-output', 'host');
  fs.mkdirSync(logDir, { recursive: true });
  const timeoutMs = Number(process.env.PQO_HOST_TIMEOUT_MS ?? 600_000);

  // PQO_HOST_MODE: 'test' (trusted folder), 'untrusted' (Workspace Trust on, folder not trusted), 'yaml' (with an
  // extension carrying the Red Hat YAML extension's id installed), 'bench'.
  const mode = process.env.PQO_HOST_MODE ?? 'test';
  const suite = mode === 'test' || mode === 'bench' ? 'host' : `host-${mode}`;
  const install: string[] = [];
  if (mode === 'yaml') {
    const vsix = path.join(logDir, 'fake-redhat-yaml.vsix');
    execFileSync(path.join(ROOT, 'node_modules', '.bin', 'vsce'), ['package', '--allow-missing-repository', '-o', vsix], { cwd: path.join(ROOT, 'test', 'fixtures', 'fake-redhat-yaml'), stdio: 'ignore' });
    install.push(vsix);
  }
  const cs = await startCodeServer({ smokeTestDriver: true, trust: mode === 'untrusted', install, logFile: path.join(logDir, `code-server-${mode}.log`), env: { PQO_TEST_WORKSPACE: workspace, PQO_HOST_MODE: mode, ...(process.env.PQO_HOST_GREP ? { PQO_HOST_GREP: process.env.PQO_HOST_GREP } : {}) } });
  const browser = await launchChromium();
  const windowLog = fs.createWriteStream(path.join(logDir, 'window.log'));
  let summary = '';
  let finish!: (code: unknown) => void;
  const done = new Promise((r) => (finish = r));
  await browser.page.exposeFunction('codeAutomationLog', (type: string, args: unknown) => {
    const line = util.format(...(Array.isArray(args) ? args : [args]));
    windowLog.write(`[${type}] ${line}\n`);
    if (line.startsWith(TAG)) {
      const text = line.slice(TAG.length);
      console.log(text);
      if (/^host(-\w+)?: \d+ passed, \d+ failed/.test(text)) summary = text;
    }
  });
  await browser.page.exposeFunction('codeAutomationExit', (code: unknown) => finish(code));
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', `vscode-remote://${cs.host}${devPath}`],
    ['extensionTestsPath', `vscode-remote://${cs.host}${testsPath}`],
    ['skipWelcome', 'true'],
  ]);
  // A bound for a hang, not a pace: loading the workbench took over 30 s with three suites on two cores.
  await browser.page.goto(`${cs.base}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`, { timeout: 180_000 });
  const code = await Promise.race([done, new Promise((r) => setTimeout(() => r('timeout'), timeoutMs))]);
  if (code !== 0) await browser.page.screenshot({ path: path.join(logDir, 'window-at-exit.png') }).catch(() => undefined);
  await browser.close();
  await cs.stop();
  await new Promise((r) => windowLog.end(r));
  fs.rmSync(workspace, { recursive: true, force: true });
  if (!summary) {
    console.log(`(no test output; the window log is ${path.join(logDir, 'window.log')}; exit ${String(code)})`);
    console.log(`${suite}: 0 passed, 1 failed`);
  }
  return code === 0 ? 0 : 1;
}

main().then(
  (c) => process.exit(c),
  (e) => {
    console.error(e);
    console.log('host: 0 passed, 1 failed');
    process.exit(1);
  },
);
