import type { Plan } from '../../plan/plan';
import type { CellSpec } from '../../plan/cellSpec';
import { redact } from '../../util/redact';
import { CreateError, isFinal, type Controller, type QueryState } from '../controller';
import type { OpenOptions } from '../options';
import type { DheClient, EnterpriseDhType, QueryInfo } from './api';
import { connectClient, loadIrisApi, serverUrlOf, withTimeout } from './connect';
import { readKeyFile } from './keyFile';
import { toDheQuery } from './queryInfo';
import { dheQuerySpec } from './querySpec';
import { isNoCapacity, phaseOf } from './status';

export interface DheTiming {
  connectMs: number;
  callMs: number;
  /** After a reconnect, how long a query may stay absent from the known configs before it counts as deleted. */
  settleMs: number;
  /** A createQuery without a reply this long is treated as failed; the engine then finds the query by name. */
  createMs: number;
}

function timing(env: NodeJS.ProcessEnv): DheTiming {
  const n = (v: string | undefined, d: number) => (v && Number(v) > 0 ? Number(v) : d);
  return { connectMs: n(env.PQO_DHE_CONNECT_TIMEOUT_MS, 30_000), callMs: n(env.PQO_DHE_CALL_TIMEOUT_MS, 60_000), createMs: n(env.PQO_DHE_CREATE_TIMEOUT_MS, 120_000), settleMs: n(env.PQO_DHE_SETTLE_MS, 15_000) };
}


/** Logs in to Deephaven Enterprise and checks, before anything is created, that the plan can run there. */
export async function openDheController(plan: Plan, options: OpenOptions): Promise<Controller> {
  const session = await loginDhe(plan.config, options);
  const { client, release, owner, clean, t } = session;
  try {
    const problems = await preflight(client, plan, t);
    if (problems.length) throw new Error(`the server cannot run this plan:\n  - ${problems.join('\n  - ')}`);
    (options.log ?? (() => undefined))('info', `Logged in to ${session.serverUrl.origin}; queries will be owned by ${owner}`);
    return new DheController(client, release, session.iris, owner, t, plan.config.secrets, options.log ?? (() => undefined));
  } catch (e) {
    release();
    throw new Error(clean(e));
  }
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
  try {
    if (dh.auth_method === 'password') {
      await withTimeout(client.login({ type: 'password', username: dh.username, token: dh.password ?? '' }), t.callMs, 'login', options.signal);
    } else {
      const key = readKeyFile(dh.private_key_path!);
      const { loginClientWithKeyPair } = await import('@deephaven-enterprise/auth-nodejs');
      await withTimeout(
        loginClientWithKeyPair(client as never, { type: 'keyPair', username: key.user, operateAs: key.operateAs, keyPair: { type: 'ec', publicKey: key.publicKey, privateKey: key.privateKey } } as never),
        t.callMs,
        'login',
        options.signal,
      );
    }
  } catch (e) {
    release();
    throw new Error(`login to ${serverUrl.origin} as ${dh.username} refused: ${clean(e)}`);
  }
  try {
    const owner = (await withTimeout(client.getUserInfo(), t.callMs, 'getUserInfo')).operateAs;
    return { client, release, iris, serverUrl, owner, t, clean };
  } catch (e) {
    release();
    throw new Error(clean(e));
  }
}

/** What the server offers that a plan must fit: read once, for the preflight and for --check-server. */
export interface ServerOffer {
  /** Query servers and groups a query may name (AutoQuery always among them). */
  serverNames: string[];
  /** The servers as listed, with each one's maximum heap. */
  servers: { name: string; type: string; maxHeapGb: number }[];
  jvmProfiles: string[];
  workerKinds: string[];
  maxHeapGb: number;
  maxScriptCodeLength: number;
  queryTypes: string[];
  /** From getServerConfigValues, when the server answers it. */
  about?: { version: string; vcsVersion: string; javaVersion: string; hostName: string; systemName: string };
}

export async function readServerOffer(client: DheClient, plan: Plan, t: Pick<DheTiming, 'callMs'>): Promise<ServerOffer> {
  const type = plan.mode === 'replay' ? 'ReplayScript' : 'RunAndDone';
  const [servers, forType, profiles, constants, types, config] = await Promise.all([
    withTimeout(client.getDbServers(), t.callMs, 'getDbServers'),
    withTimeout(client.getDbServersForType(type), t.callMs, 'getDbServersForType').catch(() => []),
    withTimeout(client.getJvmProfiles(), t.callMs, 'getJvmProfiles'),
    withTimeout(client.getQueryConstants(), t.callMs, 'getQueryConstants'),
    withTimeout(client.getQueryConfigurationTypes(), t.callMs, 'getQueryConfigurationTypes'),
    withTimeout(client.getServerConfigValues(), t.callMs, 'getServerConfigValues').catch(() => undefined),
  ]);
  // AutoQuery (the load-balanced default) and server groups are valid names even when a list leaves them out.
  const serverNames = [...new Set(['AutoQuery', ...servers.map((s) => s.name), ...forType.map((s) => s.name)])];
  const listed = [...new Map([...servers, ...forType].map((s) => [s.name, s])).values()];
  return {
    serverNames,
    servers: listed.map((s) => ({ name: s.name, type: String(s.type ?? ''), maxHeapGb: constants.getMaxHeapGbForServer(s.name) })),
    jvmProfiles: [...profiles],
    workerKinds: (config?.workerKinds ?? []).map((k) => k.name),
    maxHeapGb: constants.getMaxHeapGbForServer(plan.config.execution.server_name),
    maxScriptCodeLength: (constants as { maxScriptCodeLength?: number }).maxScriptCodeLength ?? 0,
    queryTypes: [...types.keys()],
    ...(config ? { about: { version: String(config.gradleVersion ?? ''), vcsVersion: String(config.vcsVersion ?? ''), javaVersion: String(config.javaVersion ?? ''), hostName: String(config.hostName ?? ''), systemName: String(config.systemName ?? '') } } : {}),
  };
}

/** One choice of the config against what the server offers. */
export interface FitCheck {
  what: string;
  ok: boolean;
  /** When not ok: the mismatch, one line. */
  problem?: string;
}

/** Each choice of the plan that the server must accept, checked against its offer. */
export function fitChecks(offer: ServerOffer, plan: Plan): FitCheck[] {
  const ex = plan.config.execution;
  const type = plan.mode === 'replay' ? 'ReplayScript' : 'RunAndDone';
  const check = (what: string, ok: boolean, problem: string): FitCheck => (ok ? { what, ok } : { what, ok, problem });
  return [
    check(`execution.server_name ${ex.server_name}`, offer.serverNames.includes(ex.server_name), `execution.server_name "${ex.server_name}" is not a query server or group here (known: ${offer.serverNames.join(', ')})`),
    check(`execution.jvm_profile ${ex.jvm_profile}`, !offer.jvmProfiles.length || offer.jvmProfiles.includes(ex.jvm_profile), `execution.jvm_profile "${ex.jvm_profile}" is not defined on the server (known: ${offer.jvmProfiles.join(', ')})`),
    check(`execution.worker_kind ${ex.worker_kind}`, !offer.workerKinds.length || offer.workerKinds.includes(ex.worker_kind), `execution.worker_kind "${ex.worker_kind}" is not a worker kind of this server (allowed: ${offer.workerKinds.join(', ')})`),
    check(`execution.heap_size_gb ${ex.heap_size_gb} (maximum ${offer.maxHeapGb} GB)`, !Number.isFinite(offer.maxHeapGb) || ex.heap_size_gb <= offer.maxHeapGb, `execution.heap_size_gb ${ex.heap_size_gb} exceeds the server's maximum of ${offer.maxHeapGb} GB for ${ex.server_name}`),
    check(`worker script ${plan.scriptText.length} characters (maximum ${offer.maxScriptCodeLength || 'not stated'})`, !(offer.maxScriptCodeLength > 0) || plan.scriptText.length <= offer.maxScriptCodeLength, `the worker script is ${plan.scriptText.length} characters; the server accepts at most ${offer.maxScriptCodeLength}`),
    check(`query type ${type}`, offer.queryTypes.includes(type), `the server does not allow ${type} queries for this user (allowed: ${offer.queryTypes.join(', ')})`),
  ];
}

/** Where the plan does not fit what the server offers, one line each (empty when it fits). */
export function planMismatches(offer: ServerOffer, plan: Plan): string[] {
  return fitChecks(offer, plan).flatMap((c) => (c.problem ? [c.problem] : []));
}

/** Every check that can fail before a query is created, reported together. */
async function preflight(client: DheClient, plan: Plan, t: DheTiming): Promise<string[]> {
  return planMismatches(await readServerOffer(client, plan, t), plan);
}

function toState(info: QueryInfo, stopRequested: boolean): QueryState {
  const d = info.designated;
  const status = String(d?.status ?? info.status ?? '');
  const detail = d?.fullStackTrace || info.fullStackTrace || undefined;
  return {
    serial: String(info.serial),
    name: info.name,
    phase: phaseOf(status, detail, info.type, stopRequested),
    status,
    ...(detail ? { detail } : {}),
    ...(d?.processInfoId || info.processInfoId ? { processInfoId: String(d?.processInfoId ?? info.processInfoId) } : {}),
    ...(d?.workerHost || info.workerHost ? { workerHost: String(d?.workerHost ?? info.workerHost) } : {}),
  };
}

class DheController implements Controller {
  readonly kind = 'dhe';
  private readonly states = new Map<string, QueryState>();
  private readonly byName = new Map<string, string>();
  /** Serials this controller was asked to stop: their `Stopped` is not a replay worker's own end. */
  private readonly stopRequested = new Set<string>();
  private readonly listeners = new Set<(s: QueryState) => void>();
  private readonly removers: (() => void)[] = [];
  private broken: string | undefined;

  constructor(
    private readonly client: DheClient,
    private readonly release: () => void,
    iris: EnterpriseDhType,
    private readonly owner: string,
    private readonly t: DheTiming,
    private readonly secrets: readonly string[],
    private readonly say: NonNullable<OpenOptions['log']>,
  ) {
    const C = iris.Client;
    // Subscribe first, then seed: nothing that happens in between is missed.
    this.removers.push(
      client.addEventListener(C.EVENT_CONFIG_ADDED, (e) => this.onInfo(e.detail as QueryInfo)),
      client.addEventListener(C.EVENT_CONFIG_UPDATED, (e) => this.onInfo(e.detail as QueryInfo)),
      client.addEventListener(C.EVENT_CONFIG_REMOVED, (e) => this.onRemoved(e.detail as QueryInfo)),
      client.addEventListener(C.EVENT_DISCONNECT, () => this.say('warning', 'lost the connection to the Deephaven server; reconnecting (queries keep running there)')),
      client.addEventListener(C.EVENT_RECONNECT, () => {
        this.say('info', 'reconnected to the Deephaven server; catching up on query statuses');
        this.resync();
        this.checkAbsentLater();
      }),
      client.addEventListener(C.EVENT_RECONNECT_AUTH_FAILED, () => {
        this.broken = 'the server refused to log in again after a reconnect';
        this.say('error', `${this.broken}; no more queries can be created (those running continue on the server)`);
      }),
    );
    this.resync();
  }

  /** Adds and updates from the client's known configs; never removes (right after a reconnect the cache may be empty). */
  private resync(): void {
    for (const info of this.client.getKnownConfigs()) this.onInfo(info);
  }

  private settleTimer?: NodeJS.Timeout;

  /**
   * A query missed while disconnected may have been deleted without a config-removed event reaching us. Only a query
   * still absent from the known configs after the cache had time to refill counts as deleted.
   */
  private checkAbsentLater(): void {
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      const known = new Set(this.client.getKnownConfigs().map((i) => String(i.serial)));
      for (const [serial, s] of [...this.states]) if (!known.has(serial)) this.onRemoved({ serial, name: s.name } as QueryInfo);
    }, this.t.settleMs);
    this.settleTimer.unref?.();
  }

  private onInfo(info: QueryInfo): void {
    const next = toState(info, this.stopRequested.has(String(info.serial)));
    const prev = this.states.get(next.serial);
    this.states.set(next.serial, next);
    this.byName.set(next.name, next.serial);
    if (!prev || prev.status !== next.status || prev.detail !== next.detail) this.emit(next);
  }

  private onRemoved(info: Pick<QueryInfo, 'serial' | 'name'>): void {
    const serial = String(info.serial);
    const prev = this.states.get(serial);
    this.states.delete(serial);
    if (this.byName.get(info.name) === serial) this.byName.delete(info.name);
    // Deleted by someone while still going: the engine must not wait for it forever.
    if (prev && !isFinal(prev.phase)) this.emit({ ...prev, phase: 'failed', status: 'Error', detail: `the query was deleted on the server while ${prev.status || 'starting'}` });
  }

  private emit(s: QueryState): void {
    for (const l of this.listeners) l(s);
  }

  subscribe(listener: (s: QueryState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async create(spec: CellSpec): Promise<string> {
    if (this.broken) throw new CreateError(this.broken);
    try {
      return String(await withTimeout(this.client.createQuery(toDheQuery(dheQuerySpec(spec), this.owner)), this.t.createMs, `createQuery ${spec.name}`));
    } catch (e) {
      const message = redact(e instanceof Error ? e.message : String(e), this.secrets);
      throw new CreateError(message, isNoCapacity(message));
    }
  }

  async stop(serials: string[]): Promise<void> {
    for (const s of serials) this.stopRequested.add(s);
    await withTimeout(this.client.stopQueries(serials), this.t.callMs, 'stopQueries');
  }

  async delete(serials: string[]): Promise<void> {
    await withTimeout(this.client.deleteQueries(serials), this.t.callMs, 'deleteQueries');
  }

  get(serial: string): QueryState | undefined {
    return this.states.get(serial);
  }

  findByName(name: string): QueryState | undefined {
    const serial = this.byName.get(name);
    return serial ? this.states.get(serial) : undefined;
  }

  /** The server's stack trace; the full worker log lives in DbInternal.ProcessEventLog, named here. */
  async log(serial: string): Promise<string | undefined> {
    const s = this.states.get(serial);
    if (!s) return undefined;
    return s.processInfoId ? `Full worker log: DbInternal.ProcessEventLog where ProcessInfoId == "${s.processInfoId}"` : undefined;
  }

  async close(): Promise<void> {
    if (this.settleTimer) clearTimeout(this.settleTimer);
    for (const r of this.removers.splice(0)) r();
    this.listeners.clear();
    this.release();
  }
}
