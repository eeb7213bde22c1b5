import { isFinal, type Controller, type QueryState } from '../controllers/controller';
import type { Cell } from '../plan/plan';
import type { CellSpec } from '../plan/cellSpec';
import { makerOf, ownership, type QueryMark } from '../plan/mark';
import type { CellOutcome, FailureKind, PriorCell } from '../runModel/events';

/** What to do first with a cell, given what an interrupted run of the same plan recorded and what the server has. */
export type SeedStep =
  | { kind: 'final'; attempts: number; finish: { outcome: CellOutcome; attempt: number; kind?: FailureKind; serial?: string; detail?: string }; deleteSerial?: string }
  | { kind: 'adopt'; attempts: number; serial: string; attempt: number }
  | { kind: 'queue'; attempts: number; gone: boolean };

export function seedPlan(cell: Cell, prior: PriorCell | undefined, controller: Controller, mark: QueryMark): SeedStep {
  const mine = (q: QueryState | undefined) => (q && q.name === cell.queryName && ownership(q.mark, mark) === 'this-run' ? q : undefined);
  if (!prior) return { kind: 'queue', attempts: 0, gone: false };
  const attempts = prior.attempts;
  if (prior.outcome === 'succeeded' || prior.outcome === 'failed') {
    // Final already; its query may still be on the server if the run ended before deleting it.
    const leftover = !prior.deleted && prior.serial ? mine(controller.get(prior.serial)) : undefined;
    return {
      kind: 'final',
      attempts,
      finish: {
        outcome: prior.outcome,
        attempt: attempts,
        ...(prior.kind ? { kind: prior.kind } : {}),
        ...(prior.serial ? { serial: prior.serial } : {}),
        detail: prior.detail ?? (prior.outcome === 'failed' ? 'failed in the earlier run' : undefined),
      },
      ...(leftover ? { deleteSerial: leftover.serial } : {}),
    };
  }
  // Stopped by the user's forced stop: run it again (a query of it still alive is adopted when the cell is created).
  if (prior.outcome === 'cancelled') return { kind: 'queue', attempts, gone: false };
  if (prior.serial || attempts > 0) {
    // The interrupted run created (or was creating) this cell's query: whatever state it is in now, it is ours if it
    // carries the interrupted run's mark (anything else of that name is dealt with when the cell is created).
    const known = mine(prior.serial ? controller.get(prior.serial) : undefined) ?? mine(controller.findByName(cell.queryName));
    // A query that ended because it was asked to stop has no result to take: the cell runs again.
    if (known && known.phase !== 'stopped') return { kind: 'adopt', attempts, serial: known.serial, attempt: Math.max(1, attempts) };
    return { kind: 'queue', attempts, gone: Boolean(prior.serial) };
  }
  return { kind: 'queue', attempts, gone: false };
}

/** A query found by name that this run may watch instead of creating a new one: it has not ended. */
export function adoptable(q: QueryState): boolean {
  return !isFinal(q.phase);
}

/** What creating a cell's query came to. `refused`: a query of its name that is not this config's is in the way. */
export type Creation = { serial: string; adopted: boolean } | { error: unknown; createCalled: boolean } | { refused: string };

/**
 * Creates the cell's query, or adopts one of its name that carries this run's mark and has not ended (a create whose
 * reply was lost, an interrupted run): never two queries of one name. What else may hold the name:
 * - a query of an earlier run of this config (another run id, or another script or settings): never adopted; a live
 *   one is stopped and replaced with a warning naming it, a finished one deleted to reuse its name;
 * - a query of another config, or without our mark: never touched; the cell is refused, naming it and its maker.
 * `unanswered`: an earlier attempt of this run called create and never learnt the result; a finished query of the name
 * with this run's mark is then that one, and is adopted with its result instead of being deleted and run again.
 */
export interface CreateRequest {
  controller: Controller;
  cell: Cell;
  mark: QueryMark;
  spec: () => CellSpec;
  log: (level: 'info' | 'warning', message: string) => void;
  /** An earlier attempt of this run called create for the cell and never learnt the result. */
  unanswered?: boolean;
}

export async function createOrAdopt({ controller, cell, mark, spec, log, unanswered = false }: CreateRequest): Promise<Creation> {
  let createCalled = false;
  try {
    const existing = controller.findByName(cell.queryName);
    const whose = existing && ownership(existing.mark, mark);
    if (existing && whose === 'stranger') {
      return { refused: `${cell.queryName} (serial ${existing.serial}) already exists on the server and was not made by this config (made by ${makerOf(existing.mark, existing.owner)}); it was left alone and this cell was not run` };
    }
    if (existing && whose === 'this-run') {
      if (adoptable(existing)) return { serial: existing.serial, adopted: true };
      if (unanswered) {
        log('info', `${cell.queryName}: the query ${existing.serial} this run created (its reply was lost) has ${existing.status || 'ended'}; taking its result`);
        return { serial: existing.serial, adopted: true };
      }
    }
    if (existing) {
      const live = adoptable(existing);
      if (live) await controller.stop([existing.serial]).catch(() => undefined); // deleting below stops it too
      await controller.delete([existing.serial]);
      if (live) {
        const why = existing.mark && existing.mark.fingerprint !== mark.fingerprint ? 'it runs another worker script or settings' : 'it is not this run\'s';
        log('warning', `${cell.queryName} (serial ${existing.serial}) of run ${existing.mark?.run} was still ${existing.status || 'running'}: stopped and replaced, not adopted (${why})`);
      } else log('info', `${cell.queryName}: deleted the finished query ${existing.serial} left from an earlier run, to reuse its name`);
    }
    createCalled = true;
    return { serial: await controller.create(spec()), adopted: false };
  } catch (error) {
    const made = createCalled ? controller.findByName(cell.queryName) : undefined;
    if (!made || ownership(made.mark, mark) !== 'this-run') return { error, createCalled };
    log('info', `${cell.queryName}: creation reported an error (${(error as Error).message}) but the query exists as serial ${made.serial}; adopting it`);
    return { serial: made.serial, adopted: true };
  }
}
