import type { Plan } from '../../plan/plan';
import type { CellSpec } from '../../plan/cellSpec';
import { redact } from '../../util/redact';
import { CreateError, isFinal, type Controller, type QueryState } from '../controller';
import type { OpenOptions } from '../options';
import type { DheClient, EnterpriseDhType, QueryInfo } from './api';
import { withTimeout } from './connect';
import { loginDhe, type DheTiming } from './login';
import { planMismatches, readServerOffer } from './serverOffer';
import { toDheQuery } from './queryInfo';
import { dheQuerySpec } from './querySpec';
import { isNoCapacity, phaseOf } from './status';

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
  /** Set while the connection is down: creations wait for it instead of spending their retries on a blip. */
  private reconnected: { promise: Promise<void>; resolve: () => void } | undefined;

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
      client.addEventListener(C.EVENT_DISCONNECT, () => {
        this.say('warning', 'lost the connection to the Deephaven server; reconnecting (queries keep running there; new ones wait)');
        if (!this.reconnected) {
          let resolve!: () => void;
          const promise = new Promise<void>((r) => (resolve = r));
          this.reconnected = { promise, resolve };
        }
      }),
      client.addEventListener(C.EVENT_RECONNECT, () => {
        this.say('info', 'reconnected to the Deephaven server; catching up on query statuses');
        this.connectionBack();
        this.resync();
        this.checkAbsentLater();
      }),
      client.addEventListener(C.EVENT_RECONNECT_AUTH_FAILED, () => {
        this.broken = 'the server refused to log in again after a reconnect';
        this.connectionBack();
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

  private connectionBack(): void {
    this.reconnected?.resolve();
    this.reconnected = undefined;
  }

  async create(spec: CellSpec): Promise<string> {
    if (this.reconnected) {
      // Up to the creation timeout: a longer outage fails the attempt as before, and the engine's retries take over.
      const back = await withTimeout(this.reconnected.promise.then(() => true), this.t.createMs, 'reconnect').catch(() => false);
      if (!back) throw new CreateError(`not connected to the server (waited ${Math.round(this.t.createMs / 1000)} s for it to come back)`);
    }
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
