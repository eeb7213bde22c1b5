import { createHash, randomBytes, verify } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { irisScript } from './irisClient';
import { AUTO_VARS, parseEnvVars, queryProblem, schedulingOf, type ServerFacts } from './queryRules';
import type { QueryInfo, ReplicaStatus } from '@deephaven-enterprise/jsapi-types';

/**
 * What the simulator hands out for a query (in events and `getKnownConfigs()`): the query's config as created, with
 * the part of the typings' `QueryInfo` the orchestrator reads. Built from the typings, so a renamed field fails `tsc`.
 */
export type SimQueryInfo = Pick<QueryInfo, 'serial' | 'name' | 'owner' | 'envVars' | 'status' | 'configurationType' | 'fullStackTrace' | 'processInfoId' | 'workerHost' | 'numberFailures'> & {
  designated: Pick<ReplicaStatus, 'status' | 'fullStackTrace' | 'processInfoId' | 'workerHost' | 'numberFailures'>;
  scriptCode?: undefined;
};

/**
 * A Deephaven Enterprise stand-in on loopback: serves `irisapi/irisapi.nocache.js` over HTTP and the controller over
 * a WebSocket. It keeps users, passwords and registered public keys (it verifies real ECDSA signatures over its
 * nonce), capacity in heap GB per server, a query state machine, every query config it received, fault knobs, and
 * the invariants it saw broken.
 */

export interface SimServer {
  name: string;
  capacityGb: number;
}

export interface Knobs {
  /** Refuse the next N creations. */
  rejectNext: number;
  /** Accept the next N creations but never reply. */
  dropReplyNext: number;
  /** Fraction of workers that fail (0..1). */
  failFraction: number;
  /** Fraction of workers that hang in Initializing. */
  hangInitFraction: number;
  /** Drop every client connection right after this many creations (once). */
  disconnectAfterCreates: number;
  /** With disconnectAfterCreates: the drop comes at once and the server then refuses connections this long. */
  outageMs: number;
  /** Delay every pushed event by this much. */
  eventDelayMs: number;
  /** Worker run time range, ms. */
  workerMs: [number, number];
  /** Time between states while starting, ms. */
  stepMs: number;
  /** No room: wait in AcquiringWorker, or fail with a no-capacity error. */
  capacityMode: 'wait' | 'fail';
  /** The run's max_concurrent_sessions: more live queries than this is a violation. */
  expectMaxLive: number;
  /** At the next reconnect, the client's known configs start empty and events refill them over this many ms. */
  reconnectEmptyCacheMs: number;
  /** Workers do not see this environment variable (as a server that mis-split the env string would do). */
  dropEnvVar: string;
  /** A replay worker whose clock ignores ReplayDate and ReplayStart (it reads the wall clock), as a misconfigured server would. */
  replayClockIsWall: boolean;
  /** Worker run time by query name, ms: the same name always runs as long (reruns are comparable). Overrides workerMs. */
  workerMsByName: [number, number] | null;
  /** Keep a copy of every query config received (tests read them; a 250,000-query benchmark does not). */
  keepReceived: boolean;
  /** An overloaded controller: a creation takes this long before the query exists and the reply is sent. */
  createDelayMs: number;
}

export const DEFAULT_KNOBS: Knobs = {
  rejectNext: 0,
  dropReplyNext: 0,
  failFraction: 0,
  hangInitFraction: 0,
  disconnectAfterCreates: 0,
  outageMs: 0,
  eventDelayMs: 0,
  workerMs: [30, 80],
  stepMs: 5,
  capacityMode: 'wait',
  expectMaxLive: Infinity,
  reconnectEmptyCacheMs: 0,
  dropEnvVar: '',
  replayClockIsWall: false,
  workerMsByName: null,
  keepReceived: true,
  createDelayMs: 0,
};

export interface SimulatorOptions {
  users?: Record<string, string>;
  /** user → base64 DER SPKI public keys (no sentinel). */
  publicKeys?: Record<string, string[]>;
  servers?: SimServer[];
  maxHeapGb?: number;
  maxScriptCodeLength?: number;
  jvmProfiles?: string[];
  queryTypes?: string[];
  workerKinds?: string[];
  knobs?: Partial<Knobs>;
  seed?: number;
}

interface SimQuery {
  serial: string;
  config: Record<string, unknown>;
  status: string;
  fullStackTrace: string;
  processInfoId: string | null;
  workerHost: string | null;
  server: string | null;
  timers: NodeJS.Timeout[];
  stoppedByRequest: boolean;
  fate: 'ok' | 'fail' | 'hang';
  runMs: number;
  waitingForRoom: boolean;
  /** Order of arrival in the waiting queue (fairness across the queues). */
  waitSeq: number;
  /** The unchanging part of its info as JSON, less the closing brace (made once: events send it every time). */
  baseJson?: string;
}

const TERMINAL = new Set(['Completed', 'Stopped', 'Failed', 'Error', 'Disconnected']);

export class Simulator {
  readonly received: Record<string, unknown>[] = [];
  readonly violations: string[] = [];
  readonly queries = new Map<string, SimQuery>();
  readonly deletedNames: string[] = [];
  knobs: Knobs;
  createCount = 0;
  maxLiveSeen = 0;
  /** Creations received and not yet carried out (createDelayMs): a test waits for them before counting. */
  pendingCreates = 0;
  /** Worker runs that finished their work, per query name: an independent ledger for "completed twice". */
  readonly completions = new Map<string, number>();
  /** What each connecting client passed as the transport factory in its options (the type of it). */
  readonly clientTransports: string[] = [];
  private serialSeq = 1000;
  private rng: () => number;
  private http?: http.Server;
  private wss?: WebSocketServer;
  private readonly sessions = new Map<string, { user: string; operateAs: string }>();
  private readonly clients = new Map<WebSocket, { session?: string; nonce?: string }>();
  private readonly used = new Map<string, number>();
  /** Serial of each query name that exists: duplicate names are found in O(1). */
  private readonly byName = new Map<string, string>();
  private liveCount = 0;
  private waitSeq = 0;
  /** Queries waiting for room, first come first served, one queue per server name they asked for. */
  private readonly waiting = new Map<string, SimQuery[]>();
  /** Run time each query was given, by name (the last one), for the benchmark's ideal and greedy limits. */
  readonly durations = new Map<string, number>();
  /** Names in the order they got a worker (the waiting queue's order shows here). */
  readonly placements: string[] = [];
  private readonly cpuAtStart = process.cpuUsage();
  private disconnectDone = false;
  readonly users: Record<string, string>;
  readonly publicKeys: Record<string, string[]>;
  readonly servers: SimServer[];
  port = 0;

  constructor(private readonly options: SimulatorOptions = {}) {
    this.users = options.users ?? { sim: 'sim-password' };
    this.publicKeys = options.publicKeys ?? {};
    this.servers = options.servers ?? [
      { name: 'QueryServer_1', capacityGb: 64 },
      { name: 'QueryServer_2', capacityGb: 64 },
    ];
    this.knobs = { ...DEFAULT_KNOBS, ...options.knobs };
    let x = options.seed ?? 12345;
    this.rng = () => ((x = (x * 48271) % 2147483647) / 2147483647);
  }

  get connectionUrl(): string {
    return `http://127.0.0.1:${this.port}/iris/connection.json`;
  }

  setKnobs(k: Partial<Knobs>): void {
    this.knobs = { ...this.knobs, ...k };
    if (k.disconnectAfterCreates !== undefined) this.disconnectDone = false;
  }

  async start(port = 0): Promise<void> {
    this.http = http.createServer((req, res) => this.onHttp(req, res));
    // During an outage the handshake is refused (503), as a server that is down or restarting would.
    this.wss = new WebSocketServer({ server: this.http, path: '/socket', verifyClient: (_info, done) => (Date.now() < this.outageUntil ? done(false, 503) : done(true)) });
    this.wss.on('connection', (ws) => this.onSocket(ws));
    await new Promise<void>((resolve) => this.http!.listen(port, '127.0.0.1', resolve));
    this.port = (this.http.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const q of this.queries.values()) q.timers.forEach(clearTimeout);
    for (const ws of this.clients.keys()) ws.terminate();
    for (const ws of this.wss?.clients ?? []) ws.terminate();
    await new Promise<void>((resolve) => this.wss?.close(() => resolve()));
    // Keep-alive connections (the API download) would keep the server, and the test process, alive.
    this.http?.closeAllConnections();
    await new Promise<void>((resolve) => this.http?.close(() => resolve()));
  }

  /** A query gone from the server without any event (deleted while a client was away): its work stops too. */
  vanish(serial: string): SimQuery | undefined {
    const q = this.queries.get(serial);
    if (!q) return undefined;
    q.timers.forEach(clearTimeout);
    q.timers = [];
    this.release(q);
    if (isLive(q.status)) this.liveCount--;
    q.waitingForRoom = false;
    this.queries.delete(serial);
    if (this.byName.get(String(q.config.name)) === serial) this.byName.delete(String(q.config.name));
    return q;
  }

  /** Queries not in a terminal state. */
  live(prefix = ''): SimQuery[] {
    return [...this.queries.values()].filter((q) => !TERMINAL.has(q.status) && String(q.config.name).startsWith(prefix));
  }

  /** `brief`: counts only, no per-query lists (a 250,000-query run). */
  state(brief = false) {
    const cpu = process.cpuUsage(this.cpuAtStart);
    return {
      received: this.received.length,
      createCount: this.createCount,
      ...(brief ? {} : { queries: [...this.queries.values()].map((q) => ({ serial: q.serial, name: q.config.name, status: q.status })) }),
      live: this.liveCount,
      cpuMs: (cpu.user + cpu.system) / 1000,
      ...(brief ? {} : { durations: Object.fromEntries(this.durations) }),
      maxLiveSeen: this.maxLiveSeen,
      violations: this.violations,
      deleted: this.deletedNames.length,
    };
  }

  // ------------------------------------------------------------------ HTTP

  private onHttp(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (code: number, type: string, body: string) => {
      res.writeHead(code, { 'content-type': type });
      res.end(body);
    };
    if (req.method === 'GET' && url.pathname === '/irisapi/irisapi.nocache.js') return send(200, 'application/javascript', irisScript());
    if (req.method === 'GET' && url.pathname === '/iris/connection.json') return send(200, 'application/json', JSON.stringify({ auth_host: ['127.0.0.1'], controller_host: '127.0.0.1', controller_port: this.port }));
    if (req.method === 'GET' && url.pathname === '/sim/state') return send(200, 'application/json', JSON.stringify(this.state(url.searchParams.get('brief') === '1')));
    if (req.method === 'POST' && url.pathname === '/sim/knobs') {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        try {
          this.setKnobs(JSON.parse(body || '{}'));
          send(200, 'application/json', JSON.stringify(this.knobs));
        } catch (e) {
          send(400, 'text/plain', String(e));
        }
      });
      return;
    }
    send(404, 'text/plain', 'not found');
  }

  // ------------------------------------------------------------------ WebSocket protocol

  private onSocket(ws: WebSocket): void {
    this.clients.set(ws, {});
    ws.on('close', () => this.clients.delete(ws));
    ws.on('message', (data) => {
      let msg: { id: number; method: string; params: Record<string, unknown> };
      try {
        msg = JSON.parse(String(data));
      } catch {
        return;
      }
      this.handle(ws, msg.method, msg.params ?? {}).then(
        (result) => {
          if (result === DROP) return;
          this.flushOutbox();
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: msg.id, result: result ?? null }));
        },
        (e: Error) => {
          this.flushOutbox();
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: msg.id, error: e.message }));
        },
      );
    });
  }

  private authed(ws: WebSocket): { user: string; operateAs: string } {
    const s = this.clients.get(ws)?.session;
    const who = s ? this.sessions.get(s) : undefined;
    if (!who) throw new Error('not authenticated');
    return who;
  }

  private startSession(ws: WebSocket, user: string, operateAs: string): { session: string } {
    const session = randomBytes(12).toString('hex');
    this.sessions.set(session, { user, operateAs });
    this.clients.get(ws)!.session = session;
    setTimeout(() => this.sendSnapshot(ws), 0);
    return { session };
  }

  /** A reconnect after which the client knows no config until events bring each one back, spread over a while. */
  private resumeWithEmptyCache(ws: WebSocket, who: { user: string; operateAs: string }): { session: string; reset: true } {
    const ms = this.knobs.reconnectEmptyCacheMs;
    this.knobs.reconnectEmptyCacheMs = 0;
    const session = randomBytes(12).toString('hex');
    this.sessions.set(session, who);
    this.clients.get(ws)!.session = session;
    const all = [...this.queries.values()];
    all.forEach((q, i) => {
      setTimeout(() => {
        if (ws.readyState === ws.OPEN && this.queries.has(q.serial)) ws.send(JSON.stringify({ event: 'configadded', detail: this.info(q) }));
      }, Math.round(((i + 1) / all.length) * ms));
    });
    return { session, reset: true };
  }

  /** Forgets every login session (as a restarted authentication server does) and drops the connections: a client
   * that reconnects cannot resume its session and must log in again. */
  forgetSessions(): void {
    this.sessions.clear();
    this.dropClients();
  }

  /** Drops every client connection (they reconnect by themselves). */
  dropClients(): void {
    for (const ws of this.clients.keys()) ws.terminate();
  }

  /** The server's facts the query rules check against. */
  facts(): ServerFacts {
    return {
      serverNames: ['AutoQuery', ...this.servers.map((s) => s.name)],
      jvmProfiles: this.options.jvmProfiles ?? ['Default', 'Large'],
      workerKinds: this.options.workerKinds ?? ['DeephavenCommunity', 'DeephavenEnterprise'],
      maxHeapGb: this.options.maxHeapGb ?? 64,
      maxScriptCodeLength: this.options.maxScriptCodeLength ?? 100_000,
    };
  }

  private sendSnapshot(ws: WebSocket): void {
    if (ws.readyState !== ws.OPEN) return;
    this.flushOutbox();
    ws.send(JSON.stringify({ snapshot: [...this.queries.values()].map((q) => this.info(q)) }));
  }

  private async handle(ws: WebSocket, method: string, p: Record<string, unknown>): Promise<unknown> {
    switch (method) {
      case 'login': {
        const user = String(p.username ?? '');
        if (p.type !== 'password' || this.users[user] === undefined || this.users[user] !== p.token) throw new Error('Authentication failed: invalid username or password');
        return this.startSession(ws, user, String(p.operateAs ?? user));
      }
      case 'getChallengeNonce': {
        const nonce = randomBytes(32).toString('base64');
        this.clients.get(ws)!.nonce = nonce;
        return { algorithm: 'SHA256withDSA', nonce };
      }
      case 'challengeResponse': {
        const c = this.clients.get(ws)!;
        const nonce = c.nonce;
        c.nonce = undefined;
        const user = String(p.username);
        const keyBytes = Buffer.from(String(p.publicKeyWithSentinel), 'base64');
        if (!nonce) throw new Error('Authentication failed: no challenge outstanding');
        if (keyBytes.subarray(0, 3).toString() !== 'EC:') throw new Error('Authentication failed: unsupported key type');
        const spki = keyBytes.subarray(3).toString('base64');
        if (!(this.publicKeys[user] ?? []).includes(spki)) throw new Error(`Authentication failed: public key not registered for ${user}`);
        const ok = verify('sha256', Buffer.from(nonce, 'base64'), { key: Buffer.from(spki, 'base64'), format: 'der', type: 'spki' }, Buffer.from(String(p.signedNonce), 'base64'));
        if (!ok) throw new Error('Authentication failed: bad signature');
        return this.startSession(ws, user, String(p.operateAs || user));
      }
      case 'resume': {
        const who = this.sessions.get(String(p.session));
        if (!who) throw new Error('session expired');
        if (this.knobs.reconnectEmptyCacheMs > 0) return this.resumeWithEmptyCache(ws, who);
        return this.startSession(ws, who.user, who.operateAs);
      }
      case 'hello':
        this.clientTransports.push(String(p.transport));
        return null;
    }
    const who = this.authed(ws);
    switch (method) {
      case 'getUserInfo':
        return { username: who.user, operateAs: who.operateAs };
      case 'getDbServers':
        return [{ name: 'AutoQuery', host: '127.0.0.1', port: 0, type: 'GROUP' }, ...this.servers.map((s) => ({ name: s.name, host: '127.0.0.1', port: 0, type: 'SERVER' }))];
      case 'getJvmProfiles':
        return this.options.jvmProfiles ?? ['Default', 'Large'];
      case 'getQueryConstants':
        return { maxHeapGb: this.options.maxHeapGb ?? 64, maxHeapGbByServer: {}, maxScriptCodeLength: this.options.maxScriptCodeLength ?? 100_000, minHeapGb: 0.5, consoleDefaultHeap: 4, pqDefaultHeap: 4, minDataRatio: 0.1, maxDataRatio: 0.9 };
      case 'getServerConfigValues':
        return { gradleVersion: '1.20240517.344-sim', vcsVersion: 'pqo-simulator', javaVersion: '17.0.12', hostName: '127.0.0.1', systemName: 'pqo-sim', workerKinds: this.facts().workerKinds.map((name) => ({ name, title: name, description: name, protocols: ['Community'], worker_control: [], ephemeral_venv: false })), defaultWorkerKind: 'DeephavenCommunity', jvmProfileDefault: 'Default' };
      case 'getDbServersForType':
        return this.servers.map((s) => ({ name: s.name, host: '127.0.0.1', port: 0, type: 'SERVER' }));
      case 'getQueryConfigurationTypes':
        return (this.options.queryTypes ?? ['Script', 'ReplayScript', 'RunAndDone']).map((name) => ({ name, displayName: name, supportsCommunity: true, temporary: false, hasScript: true, allowedGroups: ['allusers'], serverClasses: [], isDisplayable: true, supportsReplicas: false }));
      case 'createQuery':
        if (this.knobs.createDelayMs > 0) {
          this.pendingCreates++;
          await new Promise((r) => setTimeout(r, this.knobs.createDelayMs));
          this.pendingCreates--;
        }
        return this.create(p.query as Record<string, unknown>, who);
      case 'stopQueries':
        for (const s of p.serials as string[]) this.stopQuery(this.mustGet(s));
        return null;
      case 'deleteQueries':
        for (const s of p.serials as string[]) this.deleteQuery(this.mustGet(s));
        return null;
      case 'restartQueries':
        for (const s of p.serials as string[]) this.launch(this.mustGet(s));
        return null;
      default:
        throw new Error(`unknown method ${method}`);
    }
  }

  private mustGet(serial: string): SimQuery {
    const q = this.queries.get(serial);
    if (!q) throw new Error(`No query with serial ${serial}`);
    return q;
  }

  // ------------------------------------------------------------------ queries

  private create(config: Record<string, unknown>, who: { operateAs: string }): unknown {
    if (this.knobs.keepReceived) this.received.push(JSON.parse(JSON.stringify(config)));
    if (this.knobs.rejectNext > 0) {
      this.knobs.rejectNext--;
      throw new Error('Controller rejected the query: simulated rejection');
    }
    const name = String(config.name ?? '');
    const same = this.byName.get(name);
    if (same !== undefined) {
      this.violations.push(`duplicate name: ${name} created while serial ${same} exists`);
      throw new Error(`A query named ${name} already exists`);
    }
    if (config.owner !== who.operateAs) this.violations.push(`owner ${String(config.owner)} is not the logged-in user ${who.operateAs}`);
    const problem = queryProblem(config, this.facts());
    if (problem) throw new Error(`Invalid query configuration for ${name}: ${problem}`);
    const serial = String(++this.serialSeq);
    const r = this.rng();
    const fate: SimQuery['fate'] = r < this.knobs.hangInitFraction ? 'hang' : r < this.knobs.hangInitFraction + this.knobs.failFraction ? 'fail' : 'ok';
    const byName = this.knobs.workerMsByName;
    const [lo, hi] = byName ?? this.knobs.workerMs;
    const runMs = lo + (byName ? nameFraction(name) : this.rng()) * (hi - lo);
    this.durations.set(name, runMs);
    const q: SimQuery = { serial, config, status: 'Uninitialized', fullStackTrace: '', processInfoId: null, workerHost: null, server: null, timers: [], stoppedByRequest: false, fate, runMs, waitingForRoom: false, waitSeq: 0 };
    this.queries.set(serial, q);
    this.byName.set(name, serial);
    this.liveCount++;
    this.createCount++;
    this.push('configadded', q);
    // SchedulingDisabled=true: the query exists but never starts until someone restarts it.
    if (schedulingOf(config).get('SchedulingDisabled') !== 'true') this.launch(q);
    this.checkLive();
    if (this.knobs.disconnectAfterCreates > 0 && this.createCount >= this.knobs.disconnectAfterCreates && !this.disconnectDone) {
      this.disconnectDone = true;
      const drop = () => {
        this.outageUntil = Date.now() + this.knobs.outageMs;
        for (const ws of this.clients.keys()) ws.terminate();
      };
      // An outage starts at once (this creation's reply and the creations already sent are lost with it).
      if (this.knobs.outageMs > 0) drop();
      else setTimeout(drop, 1);
    }
    if (this.knobs.dropReplyNext > 0) {
      this.knobs.dropReplyNext--;
      return DROP;
    }
    return serial;
  }

  private checkLive(): void {
    const live = this.liveCount;
    this.maxLiveSeen = Math.max(this.maxLiveSeen, live);
    if (live > this.knobs.expectMaxLive) this.violations.push(`${live} live queries, more than max_concurrent_sessions ${this.knobs.expectMaxLive}`);
  }

  private set(q: SimQuery, status: string, detail?: string): void {
    if (!this.queries.has(q.serial)) return;
    const wasLive = isLive(q.status);
    q.status = status;
    this.liveCount += Number(isLive(status)) - Number(wasLive);
    if (detail !== undefined) q.fullStackTrace = detail;
    if (TERMINAL.has(status)) {
      q.timers.forEach(clearTimeout);
      q.timers = [];
      this.release(q);
      this.tryPlaceWaiting();
    }
    this.push('configupdated', q);
  }

  private after(q: SimQuery, ms: number, fn: () => void): void {
    q.timers.push(setTimeout(fn, ms));
  }

  private launch(q: SimQuery): void {
    q.timers.forEach(clearTimeout);
    q.timers = [];
    q.stoppedByRequest = false;
    this.set(q, 'AcquiringWorker');
    const timeoutMs = Number(q.config.timeout ?? 0);
    if (timeoutMs > 0) {
      // The server enforces the timeout too, a little after the client's own watchdog would.
      this.after(q, timeoutMs + Math.max(250, timeoutMs * 0.25), () => {
        const startedRunning = q.status === 'Running' || q.status === 'Executing';
        if (q.config.type === 'RunAndDone' || !startedRunning) this.set(q, 'Failed', `Query exceeded its timeout of ${timeoutMs} ms`);
      });
    }
    this.place(q);
  }

  private place(q: SimQuery): boolean {
    const heap = Number(q.config.heapSize ?? 0);
    const wanted = String(q.config.dbServerName ?? 'AutoQuery');
    const candidates = wanted === 'AutoQuery' ? this.servers : this.servers.filter((s) => s.name === wanted);
    const server = candidates.find((s) => (this.used.get(s.name) ?? 0) + heap <= s.capacityGb);
    if (!server) {
      if (this.knobs.capacityMode === 'fail') {
        this.after(q, this.knobs.stepMs, () => this.set(q, 'Failed', `com.illumon.iris.controller.ResourcesUnavailableException: Unable to find available server for ${heap} GB on ${wanted}`));
      }
      if (!q.waitingForRoom) {
        q.waitingForRoom = true; // waits in AcquiringWorker until capacity frees
        q.waitSeq = ++this.waitSeq;
        let queue = this.waiting.get(wanted);
        if (!queue) this.waiting.set(wanted, (queue = []));
        queue.push(q);
      }
      return false;
    }
    q.waitingForRoom = false;
    q.server = server.name;
    if (this.placements.length < 100_000) this.placements.push(String(q.config.name));
    this.used.set(server.name, (this.used.get(server.name) ?? 0) + heap);
    q.workerHost = `${server.name.toLowerCase()}.sim`;
    q.processInfoId = `pi-${q.serial}-${randomBytes(3).toString('hex')}`;
    const step = this.knobs.stepMs;
    this.after(q, step, () => this.set(q, 'Initializing'));
    if (q.fate === 'hang') return true;
    const running = q.config.type === 'RunAndDone' ? 'Executing' : 'Running';
    this.after(q, 2 * step, () => this.set(q, running));
    // The worker reads its environment first: a missing automatic variable fails it as the Python would.
    const env = parseEnvVars(q.config.envVars);
    if (this.knobs.dropEnvVar) env.delete(this.knobs.dropEnvVar);
    const missing = AUTO_VARS.find((v) => !env.has(v));
    if (missing) {
      this.after(q, 2 * step, () => this.set(q, 'Failed', `Traceback (most recent call last):\n  File "<string>", line 3, in <module>\nKeyError: '${missing}'`));
      return true;
    }
    const probe = probeOutput(q.config, env, this.knobs.replayClockIsWall);
    if (probe !== undefined) {
      // The server check's probe: it raises an exception whose message carries what it saw.
      this.after(q, 2 * step + 5, () => this.set(q, 'Failed', probe));
      return true;
    }
    this.after(q, 2 * step + q.runMs, () => {
      if (q.fate === 'fail') {
        this.set(q, 'Failed', `Traceback (most recent call last):\n  File "<string>", line 12, in <module>\nValueError: simulated worker failure in ${String(q.config.name)}`);
      } else {
        this.completions.set(String(q.config.name), (this.completions.get(String(q.config.name)) ?? 0) + 1);
        this.set(q, q.config.type === 'RunAndDone' ? 'Completed' : 'Stopped'); // a replay worker stops itself
      }
    });
    return true;
  }

  private release(q: SimQuery): void {
    if (!q.server) return;
    this.used.set(q.server, (this.used.get(q.server) ?? 0) - Number(q.config.heapSize ?? 0));
    q.server = null;
  }

  /**
   * Places waiting queries while they fit, oldest first across the queues (AutoQuery and each named server): the
   * work is proportional to what gets placed, never to how many queries exist.
   */
  private tryPlaceWaiting(): void {
    for (;;) {
      let oldest: SimQuery[] | undefined;
      for (const queue of this.waiting.values()) {
        while (queue.length && !(queue[0].waitingForRoom && queue[0].status === 'AcquiringWorker' && this.queries.has(queue[0].serial))) queue.shift();
        if (queue.length && (!oldest || queue[0].waitSeq < oldest[0].waitSeq)) oldest = queue;
      }
      if (!oldest) return;
      const q = oldest[0];
      if (!this.place(q)) {
        // The oldest does not fit: try the others' heads once, then stop (first come, first served otherwise).
        let placed = false;
        for (const queue of this.waiting.values()) if (queue !== oldest && queue.length && this.place(queue[0])) { queue.shift(); placed = true; break; }
        if (!placed) return;
        continue;
      }
      oldest.shift();
    }
  }

  private stopQuery(q: SimQuery): void {
    if (TERMINAL.has(q.status)) return;
    q.waitingForRoom = false;
    q.stoppedByRequest = true;
    q.timers.forEach(clearTimeout);
    q.timers = [];
    this.set(q, 'Stopping');
    this.after(q, this.knobs.stepMs, () => this.set(q, 'Stopped'));
  }

  private deleteQuery(q: SimQuery): void {
    q.timers.forEach(clearTimeout);
    this.release(q);
    if (isLive(q.status)) this.liveCount--;
    q.waitingForRoom = false;
    this.queries.delete(q.serial);
    if (this.byName.get(String(q.config.name)) === q.serial) this.byName.delete(String(q.config.name));
    this.deletedNames.push(String(q.config.name));
    this.push('configremoved', q);
    this.tryPlaceWaiting();
  }

  private info(q: SimQuery): SimQueryInfo {
    const c = q.config;
    const designated = { status: q.status, fullStackTrace: q.fullStackTrace, processInfoId: q.processInfoId, workerHost: q.workerHost, numberFailures: q.status === 'Failed' ? 1 : 0 };
    return {
      ...(c as Omit<SimQueryInfo, 'serial' | 'status' | 'configurationType' | 'designated' | 'fullStackTrace' | 'processInfoId' | 'workerHost' | 'numberFailures'>),
      scriptCode: undefined,
      serial: q.serial,
      status: q.status,
      configurationType: String(c.type),
      designated,
      fullStackTrace: q.fullStackTrace,
      processInfoId: q.processInfoId,
      workerHost: q.workerHost,
      numberFailures: designated.numberFailures,
    };
  }

  /** The same JSON as `info(q)` gives (later keys win on parse), without re-encoding the unchanging config. */
  private infoJson(q: SimQuery): string {
    if (q.baseJson === undefined) {
      const c = q.config;
      q.baseJson = JSON.stringify({ ...c, scriptCode: undefined, serial: q.serial, configurationType: c.type }).slice(0, -1);
    }
    const failures = q.status === 'Failed' ? 1 : 0;
    const live = { status: q.status, fullStackTrace: q.fullStackTrace, processInfoId: q.processInfoId, workerHost: q.workerHost };
    const tail = JSON.stringify(live).slice(1, -1);
    return `${q.baseJson}${q.baseJson.length > 1 ? ',' : ''}${tail},"designated":{${tail},"numberFailures":${failures}},"numberFailures":${failures}}`;
  }

  private push(event: string, q: SimQuery): void {
    const msg = `{"event":${JSON.stringify(event)},"detail":${this.infoJson(q)}}`;
    if (this.knobs.eventDelayMs > 0) {
      setTimeout(() => this.sendAll(msg), this.knobs.eventDelayMs);
      return;
    }
    // Events of one turn of the event loop go out together as a frame (a JSON array): one write, not one per event.
    // At most 100 to a frame, so a frame stays small for the client to decode.
    this.outbox.push(msg);
    if (this.outbox.length >= 100) this.flushOutbox();
    else if (this.outbox.length === 1) setImmediate(() => this.flushOutbox());
  }

  private readonly outbox: string[] = [];
  private outageUntil = 0;

  /** Sends the events waiting; called before any reply too, so a client sees events and replies in order. */
  private flushOutbox(): void {
    if (this.outbox.length === 0) return;
    const data = this.outbox.length === 1 ? this.outbox[0] : `[${this.outbox.join(',')}]`;
    this.outbox.length = 0;
    this.sendAll(data);
  }

  private sendAll(data: string): void {
    for (const [ws, c] of this.clients) if (c.session && ws.readyState === ws.OPEN) ws.send(data);
  }
}

const DROP = Symbol('drop reply');

/**
 * What the server check's probe script would raise when run by a worker with this environment and these JVM
 * arguments (undefined for any other script): the names it asks for, the values the worker has.
 */
/**
 * What the server check's probe script would report on a worker: its environment (a secret variable as the digest the
 * script computes), the replay JVM properties and, for a ReplayScript, the replay clock. The script's own request is
 * read from the JSON literal it carries.
 */
function probeOutput(config: Record<string, unknown>, env: Map<string, string>, clockIsWall: boolean): string | undefined {
  const code = String(config.scriptCode ?? '');
  if (!code.includes('PQO_CHECK_BEGIN')) return undefined;
  const literal = /(?:json\.loads|parseText)\('([^']*)'\)/.exec(code)?.[1];
  const ask = JSON.parse((literal ?? '{}').replace(/\\\\/g, '\\')) as { names?: string[]; secret?: string[]; nonce?: string; replay?: boolean };
  const props: Record<string, string> = {};
  for (const a of String(config.jvmArgs ?? '').split(/\s+/)) {
    const m = /^-D((?:PeriodicUpdateGraph|ReplayDatabase)\.[^=]+)=(.*)$/.exec(a);
    if (m) props[m[1]] = m[2];
  }
  const value = (n: string): string | null => {
    const v = env.get(n);
    if (v === undefined) return null;
    return ask.secret?.includes(n) ? `sha256:${createHash('sha256').update(`${ask.nonce ?? ''}${v}`, 'utf8').digest('hex').slice(0, 16)}` : v;
  };
  const report: Record<string, unknown> = { env: Object.fromEntries((ask.names ?? []).map((n) => [n, value(n)])), props };
  if (ask.replay && config.type === 'ReplayScript') {
    const fields = (config.typeSpecificFields ?? {}) as Record<string, { value?: string }>;
    const now = new Date();
    report.clock = clockIsWall
      ? { today: now.toISOString().slice(0, 10), time: now.toISOString().slice(11, 23), zone: 'Etc/UTC', speed: 1 }
      : { today: fields.ReplayDate?.value, time: `${fields.ReplayStart?.value}.004`, zone: 'America/New_York', speed: Number(fields.ReplaySpeed?.value ?? 1) };
  }
  const seen = JSON.stringify(report);
  return config.scriptLanguage === 'Groovy'
    ? `java.lang.RuntimeException: PQO_CHECK_BEGIN${seen}PQO_CHECK_END\n\tat Script1.run(Script1.groovy:6)`
    : `Traceback (most recent call last):\n  File "<string>", line 14, in <module>\nRuntimeError: PQO_CHECK_BEGIN${seen}PQO_CHECK_END`;
}

/** As `live()` counts: every query not in a terminal state. */
function isLive(status: string): boolean {
  return !TERMINAL.has(status);
}

/** A stable fraction in [0, 1) from a query name (FNV-1a, then a final mix): the same name always runs as long. */
export function nameFraction(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}
