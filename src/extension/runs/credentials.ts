import * as vscode from 'vscode';
import { credentialRefs, expandRefs, urlProblem } from '../../config/credentials';
import { isSecretName } from '../../config/types';

const INDEX_KEY = 'pqOrchestrator.credentialKeys';

export interface AskOptions {
  variable: string;
  /** The deephaven key that references it (`connection_url`, `username`, `password`, ...). */
  field: string;
  server: string;
  username: string;
  secret: boolean;
}

/** One stored value, as Manage Stored Credentials lists it. */
export interface StoredCredential {
  key: string;
  server: string;
  username: string;
  variable: string;
}

/**
 * Values of `${VAR}` references in the deephaven section that the environment does not set: asked for once and
 * kept in SecretStorage per server and user. Never written to settings, logs or files.
 */
export class Credentials {
  /** Replaceable for tests. */
  ask: (o: AskOptions, current?: string) => Thenable<string | undefined> = (o, current) =>
    o.field === 'connection_url'
      ? vscode.window.showInputBox({
          title: 'PQ Orchestrator: Deephaven server',
          prompt: `${o.variable}: the server's connection URL (not set in the environment). Remembered on this machine; change it with Manage Stored Credentials.`,
          placeHolder: 'https://dh.example.com:8000/iris/connection.json',
          value: current,
          ignoreFocusOut: true,
          validateInput: urlProblem,
        })
      : vscode.window.showInputBox({
          title: 'PQ Orchestrator',
          prompt: `${o.variable} for ${o.server}${o.username ? ` (user ${o.username})` : ''}: not set in the environment. It is kept in VS Code's secret storage.`,
          password: o.secret,
          value: o.secret ? undefined : current,
          ignoreFocusOut: true,
          validateInput: (v) => (v ? undefined : 'a value is required'),
        });

  private readonly changed = new vscode.EventEmitter<void>();
  /** A value was stored or forgotten (the diagnostics recheck which variables are unset). */
  readonly onDidChange = this.changed.event;

  constructor(private readonly secrets: vscode.SecretStorage, private readonly state: vscode.Memento) {}

  /** The variables with a stored value, for any server. */
  storedVariables(): ReadonlySet<string> {
    return new Set(this.stored().map((c) => c.variable));
  }

  private key(server: string, username: string, variable: string): string {
    return `pqOrchestrator:${server}:${username}:${variable}`;
  }

  /**
   * The variables to add to the environment for a run: the config's credential references (found by the core) that
   * the environment does not set, asked for per server and user. `raw` is the deephaven section as written.
   * Undefined when the user dismissed a prompt (or, with `ask` false, when one is not stored: nobody is asked).
   */
  async resolve(raw: Record<string, unknown> | undefined, env: NodeJS.ProcessEnv, ask = true): Promise<Record<string, string> | undefined> {
    const out: Record<string, string> = {};
    const lookup = (name: string) => out[name] ?? env[name];
    for (const ref of credentialRefs(raw)) {
      if (lookup(ref.variable)) continue;
      // The server and user as far as known: connection_url and username come first, so they are known for the rest.
      const early = ref.field === 'connection_url' || ref.field === 'username';
      const v = await this.get(early ? originOf(expandRefs(raw?.connection_url, lookup)) || 'server' : originOf(expandRefs(raw?.connection_url, lookup)), early ? '' : expandRefs(raw?.username, lookup), ref.variable, ref.secret, ref.field, ask);
      if (v === undefined) return undefined;
      out[ref.variable] = v;
    }
    return out;
  }

  private async get(server: string, username: string, variable: string, secret: boolean, field: string, ask: boolean): Promise<string | undefined> {
    const key = this.key(server, username, variable);
    const stored = await this.secrets.get(key);
    if (stored || !ask) return stored;
    const value = await this.ask({ variable, field, server, username, secret });
    if (!value) return undefined;
    await this.secrets.store(key, value);
    const index = new Set(this.state.get<string[]>(INDEX_KEY, []));
    index.add(key);
    await this.state.update(INDEX_KEY, [...index]);
    this.changed.fire();
    return value;
  }

  /** What is stored, one entry per server, user and variable (values are not read). */
  stored(): StoredCredential[] {
    return this.state.get<string[]>(INDEX_KEY, []).map((key) => {
      const [, server = '', username = '', variable = ''] = /^pqOrchestrator:(.*):([^:]*):([^:]*)$/.exec(key) ?? [];
      return { key, server, username, variable };
    });
  }

  /** Forgets one stored value. */
  async forgetOne(key: string): Promise<void> {
    await this.secrets.delete(key);
    await this.state.update(INDEX_KEY, this.state.get<string[]>(INDEX_KEY, []).filter((k) => k !== key));
    this.changed.fire();
  }

  /** Asks for a stored value again (a URL shown as it is, a secret blank) and keeps the answer. */
  async change(c: StoredCredential): Promise<boolean> {
    const secret = isSecretName(c.variable);
    const current = secret ? undefined : await this.secrets.get(c.key);
    const field = c.server === 'server' || /URL/i.test(c.variable) ? 'connection_url' : c.variable;
    const value = await this.ask({ variable: c.variable, field, server: c.server, username: c.username, secret }, current);
    if (!value) return false;
    await this.secrets.store(c.key, value);
    return true;
  }

  /** Forgets every stored value; returns how many there were. */
  async forget(): Promise<number> {
    const keys = this.state.get<string[]>(INDEX_KEY, []);
    for (const k of keys) await this.secrets.delete(k);
    await this.state.update(INDEX_KEY, []);
    this.changed.fire();
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
