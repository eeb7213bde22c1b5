/* eslint-disable @typescript-eslint/no-explicit-any */
import type {
  ConsoleServerAddress,
  EnterpriseClient,
  LoginCredentials,
  PlainEditableQueryInfo,
  QueryConfigurationType,
  QueryConstants,
  QueryInfo,
  ServerConfigValues,
  UserInfo,
} from '@deephaven-enterprise/jsapi-types';

/**
 * The simulator's `irisapi/irisapi.nocache.js`: a browser-style script that defines the global `iris` with the part
 * of the Deephaven Enterprise client API the orchestrator uses. Its public members are typed with the official
 * `@deephaven-enterprise/jsapi-types`, and `irisClient.typecheck.ts` makes `tsc` prove they are the typings' (a renamed
 * or missing member, or another signature, fails the build). It speaks a small JSON protocol to the simulator over the
 * WebSocket the real API would use (`/socket`); what comes over it is the simulator's `SimQueryInfo`, itself a part
 * of the typings' `QueryInfo`.
 *
 * `installIris` is served as source text (`installIris.toString()`), so it must not use anything from outside itself
 * at run time (types are erased).
 */
export function installIris(g: any) {
  const EVENTS = {
    EVENT_CONNECT: 'connect',
    EVENT_DISCONNECT: 'disconnect',
    EVENT_RECONNECT: 'reconnect',
    EVENT_RECONNECT_AUTH_FAILED: 'reconnectauthfailed',
    EVENT_CONFIG_ADDED: 'configadded',
    EVENT_CONFIG_REMOVED: 'configremoved',
    EVENT_CONFIG_UPDATED: 'configupdated',
    EVENT_REFRESH_TOKEN_UPDATED: 'refreshtokenupdated',
    LOGIN_TYPE_PASSWORD: 'password',
    LOGIN_TYPE_SAML: 'saml',
  } as const;

  class Client {
    static EVENT_CONNECT = EVENTS.EVENT_CONNECT;
    static EVENT_DISCONNECT = EVENTS.EVENT_DISCONNECT;
    static EVENT_RECONNECT = EVENTS.EVENT_RECONNECT;
    static EVENT_RECONNECT_AUTH_FAILED = EVENTS.EVENT_RECONNECT_AUTH_FAILED;
    static EVENT_CONFIG_ADDED = EVENTS.EVENT_CONFIG_ADDED;
    static EVENT_CONFIG_REMOVED = EVENTS.EVENT_CONFIG_REMOVED;
    static EVENT_CONFIG_UPDATED = EVENTS.EVENT_CONFIG_UPDATED;
    static EVENT_REFRESH_TOKEN_UPDATED = EVENTS.EVENT_REFRESH_TOKEN_UPDATED;
    static LOGIN_TYPE_PASSWORD = EVENTS.LOGIN_TYPE_PASSWORD;
    static LOGIN_TYPE_SAML = EVENTS.LOGIN_TYPE_SAML;

    private ws: any;
    private seq = 0;
    private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: any) => void }>();
    private readonly listeners = new Map<string, Set<(e: any) => void>>();
    private readonly known = new Map<string, any>();
    private closedByUser = false;
    private session: string | null = null;
    private everConnected = false;
    isConnected = false;

    /** The second argument newer clients accept; the simulator records what transport it was given. */
    private readonly transport: string;

    constructor(
      private readonly url: string,
      options?: any,
    ) {
      this.transport = typeof options?.transportFactory;
      this.open();
    }

    private open(): void {
      const ws = new g.WebSocket(this.url);
      this.ws = ws;
      ws.onopen = () => {
        this.isConnected = true;
        if (!this.everConnected) {
          this.everConnected = true;
          this.call('hello', { transport: this.transport }).catch(() => undefined);
          this.fire(EVENTS.EVENT_CONNECT, null);
        } else {
          this.resume();
        }
      };
      ws.onmessage = (m: any) => {
        // One frame may carry several events (a JSON array), in order.
        const data = JSON.parse(String(m.data));
        if (Array.isArray(data)) for (const one of data) this.onMessage(one);
        else this.onMessage(data);
      };
      ws.onclose = () => {
        const was = this.isConnected;
        this.isConnected = false;
        for (const p of this.pending.values()) p.reject(new Error('connection to the server was lost'));
        this.pending.clear();
        if (this.closedByUser) return;
        if (was) this.fire(EVENTS.EVENT_DISCONNECT, null);
        setTimeout(() => this.open(), 200);
      };
      ws.onerror = () => undefined;
    }

    private async resume(): Promise<void> {
      if (!this.session) return this.fire(EVENTS.EVENT_RECONNECT, null);
      try {
        const r = await this.call('resume', { session: this.session });
        // A server that starts the new session with an empty cache: known configs come back through events.
        if (r?.reset) this.known.clear();
        this.fire(EVENTS.EVENT_RECONNECT, null);
      } catch (e) {
        this.fire(EVENTS.EVENT_RECONNECT_AUTH_FAILED, String(e));
      }
    }

    private onMessage(msg: any): void {
      if (msg.id !== undefined) {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.error) p.reject(new Error(msg.error));
        else p.resolve(msg.result);
        return;
      }
      if (msg.snapshot) {
        const seen = new Set<string>();
        for (const q of msg.snapshot) {
          seen.add(q.serial);
          const had = this.known.has(q.serial);
          this.known.set(q.serial, q);
          this.fire(had ? EVENTS.EVENT_CONFIG_UPDATED : EVENTS.EVENT_CONFIG_ADDED, q);
        }
        for (const [serial, q] of [...this.known]) {
          if (!seen.has(serial)) {
            this.known.delete(serial);
            this.fire(EVENTS.EVENT_CONFIG_REMOVED, q);
          }
        }
        return;
      }
      if (msg.event) {
        if (msg.event === EVENTS.EVENT_CONFIG_REMOVED) this.known.delete(msg.detail.serial);
        else this.known.set(msg.detail.serial, msg.detail);
        this.fire(msg.event, msg.detail);
      }
    }

    private fire(type: string, detail: any): void {
      for (const l of [...(this.listeners.get(type) ?? [])]) {
        try {
          l({ type, detail });
        } catch {
          /* a listener's error is its own */
        }
      }
    }

    private call(method: string, params: any): Promise<any> {
      if (!this.isConnected) return Promise.reject(new Error('not connected'));
      const id = ++this.seq;
      return new Promise((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        this.ws.send(JSON.stringify({ id, method, params }));
      });
    }

    addEventListener(type: string, listener: (e: CustomEvent) => void): () => void {
      let set = this.listeners.get(type);
      if (!set) this.listeners.set(type, (set = new Set()));
      set.add(listener as (e: any) => void);
      return () => this.removeEventListener(type, listener as (e: any) => void);
    }

    removeEventListener<T>(type: string, listener: (e: { type: string; detail: T }) => void): void {
      this.listeners.get(type)?.delete(listener as (e: any) => void);
    }

    async login(credentials: LoginCredentials): Promise<void> {
      const r = await this.call('login', credentials);
      this.session = r.session;
    }

    getChallengeNonce(): ReturnType<EnterpriseClient['getChallengeNonce']> {
      return this.call('getChallengeNonce', {});
    }

    async challengeResponse(signedNonce: string, publicKeyWithSentinel: string, username: string, operateAs: string): Promise<null> {
      const r = await this.call('challengeResponse', { signedNonce, publicKeyWithSentinel, username, operateAs });
      this.session = r.session;
      return null;
    }

    getUserInfo(): Promise<UserInfo> {
      return this.call('getUserInfo', {});
    }

    getDbServers(): Promise<ConsoleServerAddress[]> {
      return this.call('getDbServers', {});
    }

    getDbServersForType(type: string): Promise<ConsoleServerAddress[]> {
      return this.call('getDbServersForType', { type });
    }

    getServerConfigValues(): Promise<ServerConfigValues> {
      return this.call('getServerConfigValues', {});
    }

    getJvmProfiles(): Promise<string[]> {
      return this.call('getJvmProfiles', {});
    }

    async getQueryConstants(): Promise<QueryConstants> {
      const c = await this.call('getQueryConstants', {});
      return { ...c, getMaxHeapGbForServer: (name?: string) => (name && c.maxHeapGbByServer[name] !== undefined ? c.maxHeapGbByServer[name] : c.maxHeapGb) };
    }

    async getQueryConfigurationTypes(): Promise<Map<string, QueryConfigurationType>> {
      const list: QueryConfigurationType[] = await this.call('getQueryConfigurationTypes', {});
      return new Map(list.map((t) => [t.name, t]));
    }

    /** The simulator's infos are a part of `QueryInfo` (`SimQueryInfo`): what the orchestrator reads. */
    getKnownConfigs(): QueryInfo[] {
      return [...this.known.values()] as QueryInfo[];
    }

    createQuery(query: PlainEditableQueryInfo): Promise<string> {
      return this.call('createQuery', { query });
    }

    stopQueries(serialIds: string[]): Promise<void> {
      return this.call('stopQueries', { serials: serialIds });
    }

    restartQueries(serialIds: string[]): Promise<void> {
      return this.call('restartQueries', { serials: serialIds });
    }

    deleteQueries(serials: string[]): Promise<void> {
      return this.call('deleteQueries', { serials });
    }

    disconnect(_fireEvents?: boolean): void {
      this.closedByUser = true;
      this.ws.close();
    }
  }

  g.iris = { Client };
  return Client;
}

/** The script text served at /irisapi/irisapi.nocache.js. */
export function irisScript(): string {
  return `(${installIris.toString()})(typeof self !== 'undefined' ? self : globalThis);\n`;
}
