import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { withTimeout } from '../../util/timeout';
import type { EnterpriseDhType } from './api';
import type { DheClient, DheClientConstructor } from './api';

const IRISAPI = 'irisapi/irisapi.nocache.js';
const apis = new Map<string, Promise<EnterpriseDhType>>();

/** The server's origin: the JS API lives there, whatever path connection_url names. */
export function serverUrlOf(connectionUrl: string): URL {
  return new URL(new URL(connectionUrl).origin + '/');
}

export function wsUrlOf(serverUrl: URL): string {
  const u = new URL('/socket', serverUrl);
  u.protocol = u.protocol === 'http:' ? 'ws:' : 'wss:';
  return u.toString();
}

export function defaultCacheDir(): string {
  return process.env.PQO_CACHE_DIR || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'pq-orchestrator', 'irisapi');
}

/**
 * Why a connection failed, named by its class with what to do about it: refused, unknown host, a certificate for
 * another name, an untrusted certificate authority, no answer. The system's code stays at the end for searching.
 */
export function connectionFailure(e: NodeJS.ErrnoException, url: URL): string {
  const code = String(e.code ?? '');
  const host = url.hostname;
  const port = url.port || (url.protocol === 'http:' ? '80' : '443');
  if (code === 'ECONNREFUSED') return `connection refused: nothing answers on ${host}:${port}; is the server running, and is the port in connection_url right? (${code})`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `unknown host ${host}: check the host name in connection_url (and the VPN or DNS that resolves it) (${code})`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `TLS name mismatch: the server's certificate is not for ${host}; use the host name its certificate names in connection_url (${code})`;
  if (/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|CERT_UNTRUSTED|CERT_CHAIN/i.test(code)) return `untrusted certificate authority: the server's certificate comes from a CA this machine does not trust; point NODE_EXTRA_CA_CERTS at that CA's PEM file (${code})`;
  if (code === 'CERT_HAS_EXPIRED') return `the server's certificate has expired (${code})`;
  if (code === 'ETIMEDOUT' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `no answer from ${host}:${port}: a firewall, a proxy or the network is in the way (${code}: ${e.message})`;
  return e.message;
}

/** Fetches the API script once ourselves: a clear error fast, instead of the loader's silent retries. */
function probe(url: URL, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const get = url.protocol === 'http:' ? http.get : https.get;
    const req = get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      if (res.statusCode === 200) resolve();
      else reject(new Error(`not a Deephaven server: ${url.origin} answered ${res.statusCode} for ${url.pathname}; is connection_url the Deephaven Enterprise server's (…/iris/connection.json)?`));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => reject(new Error(`cannot reach the Deephaven server at ${url.origin}: ${connectionFailure(e, url)}`)));
  });
}

/** Downloads and loads the server's JS API (`iris`), once per server per process. */
export function loadIrisApi(serverUrl: URL, cacheDir = defaultCacheDir(), timeoutMs = 30_000): Promise<EnterpriseDhType> {
  const key = serverUrl.origin;
  let p = apis.get(key);
  if (!p) {
    p = (async () => {
      await probe(new URL(IRISAPI, serverUrl), timeoutMs);
      const g = globalThis as Record<string, unknown>;
      // The API is a browser script: it expects a window.
      g.self ??= globalThis;
      g.window ??= globalThis;
      (g.window as Record<string, unknown>).location ??= new URL(serverUrl.toString());
      delete g.iris;
      fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
      const { loadModules } = await import('@deephaven/jsapi-nodejs');
      await loadModules({ serverUrl, serverPaths: [IRISAPI], download: true, storageDir: cacheDir, targetModuleType: 'cjs' });
      const iris = g.iris as EnterpriseDhType | undefined;
      if (!iris?.Client) throw new Error(`${serverUrl.origin}/${IRISAPI} did not define the Deephaven Enterprise API`);
      return iris;
    })();
    apis.set(key, p);
    p.catch(() => apis.delete(key));
  }
  return p;
}

let openTransports = 0;

/**
 * Opens the controller connection with a Node HTTP/2 gRPC transport, as deephaven/vscode-deephaven does (servers
 * without an Envoy proxy need it; older ones ignore it). The API's own wait has no timeout, so this adds one.
 * Returns the client and a release function that frees the transport's sessions once no client uses them.
 */
export async function connectClient(iris: EnterpriseDhType, serverUrl: URL, timeoutMs: number, signal?: AbortSignal): Promise<{ client: DheClient; release: () => void }> {
  const { NodeHttp2gRPCTransport } = await import('@deephaven/jsapi-nodejs');
  const Client = iris.Client as unknown as DheClientConstructor;
  const client = new Client(wsUrlOf(serverUrl), { transportFactory: NodeHttp2gRPCTransport.createFactory() });
  openTransports++;
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    client.disconnect();
    if (--openTransports === 0) NodeHttp2gRPCTransport.dispose();
  };
  let off: (() => void) | undefined;
  try {
    await withTimeout(new Promise<void>((resolve) => (off = client.addEventListener(iris.Client.EVENT_CONNECT, () => resolve()))), timeoutMs, `connecting to ${wsUrlOf(serverUrl)}`, signal);
    return { client, release };
  } catch (e) {
    release();
    throw e;
  } finally {
    off?.();
  }
}
