import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
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

export function withTimeout<T>(p: Promise<T>, ms: number, what: string, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: no answer within ${Math.round(ms / 1000)} s`)), ms);
    const onAbort = () => reject(signal?.reason instanceof Error ? signal.reason : new Error('cancelled'));
    signal?.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => {
      clearTimeout(t);
      signal?.removeEventListener('abort', onAbort);
    });
  });
}

/** Fetches the API script once ourselves: a clear error fast, instead of the loader's silent retries. */
function probe(url: URL, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const get = url.protocol === 'http:' ? http.get : https.get;
    const req = get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      if (res.statusCode === 200) resolve();
      else reject(new Error(`${url.origin} answered ${res.statusCode} for ${url.pathname}: is connection_url the Deephaven Enterprise server?`));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      const tls = /certificate|self[- ]signed|UNABLE_TO_VERIFY|CERT_/i.test(`${e.code} ${e.message}`);
      const hint = tls ? ' (a certificate from an internal CA: point NODE_EXTRA_CA_CERTS at its PEM file)' : '';
      reject(new Error(`cannot reach the Deephaven server at ${url.origin}: ${e.message}${hint}`));
    });
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
