import * as vscode from 'vscode';
import { findRefs } from '../../config/variables';
import { isSecretName } from '../../config/types';

const INDEX_KEY = 'pqOrchestrator.credentialKeys';

export interface AskOptions {
  variable: string;
  server: string;
  username: string;
  secret: boolean;
}

/**
 * Values of `${VAR}` references in the deephaven section that the environment does not set: asked for once and
 * kept in SecretStorage per server and user. Never written to settings, logs or files.
 */
export class Credentials {
  /** Replaceable for tests. */
  ask: (o: AskOptions) => Thenable<string | undefined> = (o) =>
    vscode.window.showInputBox({
      title: 'PQ Orchestrator',
      prompt: `${o.variable} for ${o.server}${o.username ? ` (user ${o.username})` : ''}: not set in the environment. It is kept in VS Code's secret storage.`,
      password: o.secret,
      ignoreFocusOut: true,
      validateInput: (v) => (v ? undefined : 'a value is required'),
    });

  constructor(private readonly secrets: vscode.SecretStorage, private readonly state: vscode.Memento) {}

  private key(server: string, username: string, variable: string): string {
    return `pqOrchestrator:${server}:${username}:${variable}`;
  }

  /**
   * The variables to add to the environment for a run. `raw` is the config's deephaven section as written.
   * Undefined when the user dismissed a prompt.
   */
  async resolve(raw: Record<string, unknown> | undefined, env: NodeJS.ProcessEnv): Promise<Record<string, string> | undefined> {
    if (!raw) return {};
    const out: Record<string, string> = {};
    const lookup = (name: string) => out[name] ?? env[name];
    const missing = (value: unknown) => (typeof value === 'string' ? findRefs(value).refs.map((r) => r.name).filter((n) => !lookup(n)) : []);
    const server = typeof raw.connection_url === 'string' ? raw.connection_url.replace(/\$\{(\w+)\}/g, (_, n: string) => lookup(n) ?? '') : '';
    let origin = server;
    try {
      origin = new URL(server).origin;
    } catch {
      /* keep it as written */
    }
    // The connection URL and the username first: the rest is kept per server and user.
    for (const field of ['connection_url', 'username']) {
      for (const name of missing(raw[field])) {
        const v = await this.get(origin || 'server', '', name);
        if (v === undefined) return undefined;
        out[name] = v;
      }
    }
    const username = typeof raw.username === 'string' ? raw.username.replace(/\$\{(\w+)\}/g, (_, n: string) => lookup(n) ?? '') : '';
    for (const [field, value] of Object.entries(raw)) {
      if (field === 'connection_url' || field === 'username') continue;
      for (const name of missing(value)) {
        const v = await this.get(origin, username, name);
        if (v === undefined) return undefined;
        out[name] = v;
      }
    }
    return out;
  }

  private async get(server: string, username: string, variable: string): Promise<string | undefined> {
    const key = this.key(server, username, variable);
    const stored = await this.secrets.get(key);
    if (stored) return stored;
    const value = await this.ask({ variable, server, username, secret: isSecretName(variable) });
    if (!value) return undefined;
    await this.secrets.store(key, value);
    const index = new Set(this.state.get<string[]>(INDEX_KEY, []));
    index.add(key);
    await this.state.update(INDEX_KEY, [...index]);
    return value;
  }

  /** Forgets every stored value; returns how many there were. */
  async forget(): Promise<number> {
    const keys = this.state.get<string[]>(INDEX_KEY, []);
    for (const k of keys) await this.secrets.delete(k);
    await this.state.update(INDEX_KEY, []);
    return keys.length;
  }
}
