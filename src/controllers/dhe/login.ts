import type { Plan } from '../../plan/plan';
import { redact } from '../../util/redact';
import type { OpenOptions } from '../options';
import type { DheClient, EnterpriseDhType } from './api';
import { connectClient, loadIrisApi, serverUrlOf } from './connect';
import { withTimeout } from '../../util/timeout';
import { readKeyFile } from './keyFile';

export interface DheTiming {
  connectMs: number;
  callMs: number;
  /** After a reconnect, how long a query may stay absent from the known configs before it counts as deleted. */
  settleMs: number;
  /** A createQuery without a reply this long has an unknown outcome: the query is then expected (below). */
  createMs: number;
  /**
   * How long, after createMs, a creation whose outcome is unknown stays expected: its cell holds its slot and no second
   * creation is sent for it until the server shows the query (or this has passed). A query that lands later is deleted.
   */
  createSettleMs: number;
}

export function timing(env: NodeJS.ProcessEnv): DheTiming {
  const n = (v: string | undefined, d: number) => (v && Number(v) > 0 ? Number(v) : d);
  return { connectMs: n(env.PQO_DHE_CONNECT_TIMEOUT_MS, 30_000), callMs: n(env.PQO_DHE_CALL_TIMEOUT_MS, 60_000), createMs: n(env.PQO_DHE_CREATE_TIMEOUT_MS, 120_000), createSettleMs: n(env.PQO_DHE_CREATE_SETTLE_MS, 300_000), settleMs: n(env.PQO_DHE_SETTLE_MS, 15_000) };
}

/** A logged-in connection to a server; `release` closes it. */
export interface DheSession {
  client: DheClient;
  release: () => void;
  iris: EnterpriseDhType;
  serverUrl: URL;
  /** The user queries are created for (operate-as). */
  owner: string;
  t: DheTiming;
  /** An error's message with every secret of the config removed. */
  clean: (e: unknown) => string;
  /** Logs in again on the same connection with the config's credentials. */
  login: () => Promise<void>;
}

/** Loads the server's API, connects and logs in with the config's method. Errors carry no secret. */
export async function loginDhe(config: Plan['config'], options: OpenOptions): Promise<DheSession> {
  const dh = config.deephaven;
  if (!dh) throw new Error('the dhe backend needs a deephaven section in the config');
  const t = timing(process.env);
  const secrets = config.secrets;
  const clean = (e: unknown) => redact(e instanceof Error ? e.message : String(e), secrets);
  const serverUrl = serverUrlOf(dh.connection_url);
  const log = options.log ?? (() => undefined);

  log('info', `Connecting to ${serverUrl.origin} as ${dh.username} (${dh.auth_method})`);
  let iris: EnterpriseDhType;
  try {
    iris = await loadIrisApi(serverUrl, options.cacheDir, t.connectMs);
  } catch (e) {
    throw new Error(clean(e));
  }
  const { client, release } = await connectClient(iris, serverUrl, t.connectMs, options.signal).catch((e) => {
    throw new Error(clean(e));
  });
  // The same credentials again, for a server that forgot the session after a reconnect (EVENT_RECONNECT_AUTH_FAILED).
  const login = async (signal?: AbortSignal): Promise<void> => {
    if (dh.auth_method === 'password') {
      await withTimeout(client.login({ type: 'password', username: dh.username, token: dh.password ?? '' }), t.callMs, 'login', signal);
    } else {
      const key = readKeyFile(dh.private_key_path!);
      const { loginClientWithKeyPair } = await import('@deephaven-enterprise/auth-nodejs');
      await withTimeout(
        loginClientWithKeyPair(client as never, { type: 'keyPair', username: key.user, operateAs: key.operateAs, keyPair: { type: 'ec', publicKey: key.publicKey, privateKey: key.privateKey } } as never),
        t.callMs,
        'login',
        signal,
      );
    }
  };
  try {
    await login(options.signal);
  } catch (e) {
    release();
    throw new Error(`login to ${serverUrl.origin} as ${dh.username} refused: ${clean(e)}`);
  }
  try {
    const owner = (await withTimeout(client.getUserInfo(), t.callMs, 'getUserInfo')).operateAs;
    return { client, release, iris, serverUrl, owner, t, clean, login: () => login() };
  } catch (e) {
    release();
    throw new Error(clean(e));
  }
}
