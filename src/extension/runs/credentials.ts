import * as vscode from 'vscode';
import { credentialRefs, expandRefs } from '../../config/credentials';

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
   * The variables to add to the environment for a run: the config's credential references (found by the core) that
   * the environment does not set, asked for per server and user. `raw` is the deephaven section as written.
   * Undefined when the user dismissed a prompt.
   */
  async resolve(raw: Record<string, unknown> | undefined, env: NodeJS.ProcessEnv): Promise<Record<string, string> | undefined> {
    const out: Record<string, string> = {};
    const lookup = (name: string) => out[name] ?? env[name];
    for (const ref of credentialRefs(raw)) {
      if (lookup(ref.variable)) continue;
      // The server and user as far as known: connection_url and username come first, so they are known for the rest.
      const early = ref.field === 'connection_url' || ref.field === 'username';
      const v = await this.get(early ? originOf(expandRefs(raw?.connection_url, lookup)) || 'server' : originOf(expandRefs(raw?.connection_url, lookup)), early ? '' : expandRefs(raw?.username, lookup), ref.variable, ref.secret);
      if (v === undefined) return undefined;
      out[ref.variable] = v;
    }
    return out;
  }

  private async get(server: string, username: string, variable: string, secret: boolean): Promise<string | undefined> {
    const key = this.key(server, username, variable);
    const stored = await this.secrets.get(key);
    if (stored) return stored;
    const value = await this.ask({ variable, server, username, secret });
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

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
