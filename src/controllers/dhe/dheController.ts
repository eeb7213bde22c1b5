import { randomBytes } from 'node:crypto';
import type { Plan } from '../../plan/plan';
import type { CellSpec } from '../../plan/cellSpec';
import { redact } from '../../util/redact';
import { CreateError, isFinal, type Controller, type QueryState } from '../controller';
import type { OpenOptions } from '../options';
import type { DheClient, EnterpriseDhType, QueryInfo } from './api';
import { TimeoutError, withTimeout } from '../../util/timeout';
import { loginDhe, type DheTiming } from './login';
import { planMismatches, readServerOffer } from './serverOffer';
import { toDheQuery } from './queryInfo';
import { decodeEnvVars, dheQuerySpec } from './querySpec';
import { isNoCapacity } from './status';
import { CREATION_VAR, toState } from './queryState';

/** Logs in to Deephaven Enterprise and checks, before anything is created, that the plan can run there. */
export async function openDheController(plan: Plan, options: OpenOptions): Promise<Controller> {
  const session = await loginDhe(plan.config, options);
  const { client, release, owner, clean, t } = session;
  try {
    const problems = await preflight(client, plan, t);
    if (problems.length) throw new Error(`the server cannot run this plan:\n  - ${problems.join('\n  - ')}`);
    (options.log ?? (() => undefined))('info', `Logged in to ${session.serverUrl.origin}; queries will be owned by ${owner}`);
    return new DheController({ client, release, iris: session.iris, owner, t, secrets: plan.config.secrets, say: options.log ?? (() => undefined), relogin: session.login });
  } catch (e) {
    release();
    throw new Error(clean(e));
  }
}

/** Every check that can fail before a query is created, reported together. */
async function preflight(client: DheClient, plan: Plan, t: DheTiming): Promise<string[]> {
  return planMismatches(await readServerOffer(client, plan, t), plan);
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
  /** Creations whose outcome is not known yet, by creation id: called with the serial when the query shows up. */
  private readonly expected = new Map<string, (serial: string) => void>();
  /** Creations given up on: a query carrying one of these ids that lands later is deleted. */
  private readonly givenUp = new Set<string>();
  /** Given-up creations the server has not answered yet, and deletions of late landings: close() waits for them. */
  private readonly unsettled = new Set<Promise<unknown>>();
  /** Serials deleted as late landings: their later events are ignored. */
  private readonly discarded = new Set<string>();
  /** Set while the connection is down: creations wait for it instead of spending their retries on a blip. */
  private reconnected: { promise: Promise<void>; resolve: () => void } | undefined;

  private readonly client: DheClient;
  private readonly release: () => void;
  private readonly owner: string;
  private readonly t: DheTiming;
  private readonly secrets: readonly string[];
  private readonly say: NonNullable<OpenOptions['log']>;
  private readonly relogin: () => Promise<void>;
  private closed = false;

  constructor(o: { client: DheClient; release: () => void; iris: EnterpriseDhType; owner: string; t: DheTiming; secrets: readonly string[]; say: NonNullable<OpenOptions['log']>; relogin: () => Promise<void> }) {
    ({ client: this.client, release: this.release, owner: this.owner, t: this.t, secrets: this.secrets, say: this.say, relogin: this.relogin } = o);
    const client = this.client;
    const C = o.iris.Client;
    // Subscribe first, then seed: nothing that happens in between is missed.
    this.removers.push(
      client.addEventListener(C.EVENT_CONFIG_ADDED, (e) => this.onInfo(e.detail as QueryInfo)),
      client.addEventListener(C.EVENT_CONFIG_UPDATED, (e) => this.onInfo(e.detail as QueryInfo)),
      client.addEventListener(C.EVENT_CONFIG_REMOVED, (e) => this.onRemoved(e.detail as QueryInfo)),
      client.addEventListener(C.EVENT_DISCONNECT, () => {
        this.say('warning', 'lost the connection to the Deephaven server; reconnecting (queries keep running there; new ones wait)');
        this.waitForConnection();
      }),
      client.addEventListener(C.EVENT_RECONNECT, () => {
        this.say('info', 'reconnected to the Deephaven server; catching up on query statuses');
        this.connectionBack();
        this.resync();
        this.checkAbsentLater();
      }),
      client.addEventListener(C.EVENT_RECONNECT_AUTH_FAILED, () => void this.loginAgain()),
    );
    this.resync();
  }

  /**
   * The server forgot our login across a reconnect. We hold the credentials: log in again (with backoff) while
   * creations wait as during a disconnect, then catch up from the server's state before anything is decided. Only if
   * that fails for the whole creation timeout does the run stop creating (queries already running go on there).
   */
  private async loginAgain(): Promise<void> {
    this.say('warning', 'the server asked to log in again after a reconnect; logging in with the same credentials (new queries wait)');
    this.waitForConnection();
    const deadline = Date.now() + this.t.createMs;
    for (let attempt = 1; !this.closed; attempt++) {
      try {
        await this.relogin();
        this.say('info', 'logged in again; catching up on query statuses');
        this.connectionBack();
        this.resync();
        this.checkAbsentLater();
        return;
      } catch (e) {
        const wait = Math.min(500 * 2 ** (attempt - 1), 15_000);
        if (Date.now() + wait > deadline) {
          this.broken = `the server refused to log in again after a reconnect (${redact((e as Error).message, this.secrets)})`;
          this.connectionBack();
          this.say('error', `${this.broken}; no more queries can be created (those running continue on the server)`);
          return;
        }
        await new Promise((r) => setTimeout(r, wait).unref?.());
      }
    }
  }

  private waitForConnection(): void {
    if (this.reconnected) return;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.reconnected = { promise, resolve };
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
    const serial = String(info.serial);
    if (this.discarded.has(serial)) return;
    const prev = this.states.get(serial);
    const vars = prev ? undefined : decodeEnvVars(info.envVars);
    const creation = vars?.get(CREATION_VAR);
    if (creation && this.givenUp.has(creation)) return this.discardLate(info, creation);
    const next = toState(info, this.stopRequested.has(serial), prev, vars);
    if (creation) this.expected.get(creation)?.(serial);
    this.states.set(next.serial, next);
    this.byName.set(next.name, next.serial);
    if (!prev || prev.status !== next.status || prev.detail !== next.detail) this.emit(next);
  }

  /**
   * A query whose creation was given up (no reply, and it did not appear in time) landed after all: its cell was settled
   * without it, so it is deleted at once and reported, never run as a second copy of the cell.
   */
  private discardLate(info: Pick<QueryInfo, 'serial' | 'name'>, creation: string): void {
    const serial = String(info.serial);
    if (this.discarded.has(serial)) return;
    this.discarded.add(serial);
    this.givenUp.delete(creation);
    this.states.delete(serial);
    if (this.byName.get(info.name) === serial) this.byName.delete(info.name);
    this.say('warning', `${info.name} (serial ${serial}) appeared on the server after its creation had been given up; deleting it so the cell does not run twice`);
    const deleting = withTimeout(this.client.deleteQueries([serial]), this.t.callMs, 'deleteQueries').catch((e) =>
      this.say('error', `could not delete ${info.name} (serial ${serial}), which landed late: ${redact((e as Error).message, this.secrets)}; delete it on the server`),
    );
    this.unsettled.add(deleting);
    void deleting.finally(() => this.unsettled.delete(deleting));
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
    const creation = randomBytes(9).toString('base64url');
    const q = dheQuerySpec(spec);
    q.envVars = { ...q.envVars, [CREATION_VAR]: creation };
    let landed!: (serial: string) => void;
    const appeared = new Promise<string>((r) => (landed = r));
    this.expected.set(creation, landed);
    const reply = this.client.createQuery(toDheQuery(q, this.owner)).then(String);
    try {
      return await withTimeout(Promise.race([reply, appeared]), this.t.createMs, `createQuery ${spec.name}`);
    } catch (e) {
      const message = redact(e instanceof Error ? e.message : String(e), this.secrets);
      if (!(e instanceof TimeoutError)) throw new CreateError(message, isNoCapacity(message));
      // No reply yet: the server may still be making it. The cell keeps its slot and no second creation is sent until
      // the query shows up or the settle time has passed (the Kubernetes job controller's "expectations").
      this.say('warning', `${spec.name}: no answer to its creation within ${Math.round(this.t.createMs / 1000)} s; waiting up to ${Math.round(this.t.createSettleMs / 1000)} s more for the server to show it before creating it again`);
      const serial = await withTimeout(Promise.race([reply, appeared]), this.t.createSettleMs, `createQuery ${spec.name}`).catch((late: Error) => {
        if (!(late instanceof TimeoutError)) throw new CreateError(redact(late.message, this.secrets), isNoCapacity(late.message));
        return undefined;
      });
      if (serial !== undefined) return serial;
      this.givenUp.add(creation);
      // Its reply may still come: until then the run does not close (a query landing after that would stay behind).
      const answered = reply.then((late) => this.discardLate({ serial: late, name: spec.name }, creation), () => undefined);
      this.unsettled.add(answered);
      void answered.finally(() => this.unsettled.delete(answered));
      throw new CreateError(`${message}, nor did the query appear within ${Math.round(this.t.createSettleMs / 1000)} s more; a copy that lands later will be deleted`);
    } finally {
      this.expected.delete(creation);
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
    this.closed = true;
    if (this.unsettled.size) {
      this.say('info', `waiting up to ${Math.round(this.t.createSettleMs / 1000)} s for ${this.unsettled.size} creation${this.unsettled.size === 1 ? '' : 's'} the server has not answered, so none lands after the run`);
      await withTimeout(Promise.all([...this.unsettled]), this.t.createSettleMs, 'late creations').catch(() => this.say('warning', 'the server never answered some creations; if they land later, delete them on the server'));
      await withTimeout(Promise.all([...this.unsettled]), this.t.callMs, 'deleting late creations').catch(() => undefined);
    }
    if (this.settleTimer) clearTimeout(this.settleTimer);
    for (const r of this.removers.splice(0)) r();
    this.listeners.clear();
    this.release();
  }
}
